/* conform — passive expectations over a stream: rules that need several
 * exchanges of one stream (a deleted resource answers not-found).  Owns
 * cfm_passive_stream's state and its bounds; must not judge a single
 * exchange's request or answer on its own (passive_request.c, passive.c)
 * nor cursor walks (passive_walk.c). */
#include "passive_internal.h"
#include "conform/jsonutil.h"
#include "conform/verdict.h"

#include <stdio.h>
#include <string.h>

/* Most deleted resources a stream remembers (bounded memory). */
#define MAX_DELETED 100000

int cfm_passive_stream_init(cfm_passive_stream *s) {
  memset(s, 0, sizeof(*s));
  s->deleted = json_object();
  s->walks = json_object();
  s->groups = json_object();
  s->lives = json_object();
  s->done = json_array();
  return s->deleted && s->walks && s->groups && s->lives && s->done ? CFM_EOK : CFM_ENOMEM;
}

void cfm_passive_stream_release(cfm_passive_stream *s) {
  json_decref(s->deleted);
  json_decref(s->walks);
  json_decref(s->groups);
  json_decref(s->declared);
  json_decref(s->lives);
  json_decref(s->done);
  s->deleted = s->walks = s->groups = s->declared = s->lives = s->done = NULL;
}

/* The values of spec's variables the run used: defaults, then t's. */
static json_t *declared_of(const cfm_spec *spec, const cfm_target *t) {
  json_t *vars = json_object(), *v;
  const char *k;
  if (!vars)
    return NULL;
  json_object_foreach(json_object_get(spec->root, "variables"), k, v) {
    if (json_is_string(json_object_get(v, "default")) &&
        json_object_set(vars, k, json_object_get(v, "default"))) {
      json_decref(vars);
      return NULL;
    }
  }
  json_object_foreach(t ? t->variables : NULL, k, v) {
    if (json_is_string(v) && json_object_set(vars, k, v)) {
      json_decref(vars);
      return NULL;
    }
  }
  return vars;
}

int cfm_passive_stream_declare(cfm_passive_stream *s, const cfm_specset *set,
                               const cfm_config *cfg) {
  size_t i, k;
  json_decref(s->declared);
  if (!(s->declared = json_object()))
    return CFM_ENOMEM;
  for (i = 0; i < set->count; i++) {
    const cfm_spec *spec = set->items[i];
    const cfm_target *t = NULL;
    for (k = 0; cfg && k < cfg->count; k++) {
      if (cfg->targets[k].vendor && !strcmp(cfg->targets[k].vendor, spec->vendor))
        t = &cfg->targets[k];
    }
    if (json_object_set_new(s->declared, spec->vendor, declared_of(spec, t)))
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}

int cfm__passive_find_resource(const cfm_spec *spec, passive_resource *r) {
  const json_t *op;
  size_t i;
  json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
    const json_t *cr = json_object_get(op, "creates"), *cl = json_object_get(cr, "cleanup");
    const json_t *req = json_object_get(cl, "request");
    const char *places[2] = {"path", "body"}, *k;
    json_t *v;
    size_t p;
    if (!cr || !cfm_json_str(cl, "op"))
      continue;
    for (p = 0; p < 2; p++) {
      json_object_foreach(json_object_get(req, places[p]), k, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), "${id}")) {
          r->create = cfm_json_str(op, "id");
          r->del = cfm_json_str(cl, "op");
          r->param = k;
          r->in = places[p];
          r->id_ptr = cfm_json_str(cr, "id");
          r->prov = json_object_get(cfm_spec_operation(spec, r->del), "provenance");
          return 1;
        }
      }
    }
  }
  return 0;
}

/* A deleted resource answers not-found; a delete or a create updates the state. */
int cfm__passive_stream_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                              cfm_passive_stream *s, const cfm_http_response *res,
                              cfm_judgement *j) {
  passive_resource r;
  cfm_mapped m;
  const char *opid = cfm_json_str(op, "id");
  const json_t *idv;
  char key[600], idtext[400];
  if (!s || !opid || !cfm__passive_find_resource(spec, &r))
    return 0;
  cfm_verdict_map(spec, op, res, &m);
  if (!strcmp(opid, r.create)) {
    json_t *body = m.is_error ? NULL : cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0);
    const json_t *id = body ? cfm_json_pointer(body, r.id_ptr ? r.id_ptr : "") : NULL;
    if (id) {
      snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
               cfm_json_scalar_text(id, idtext, sizeof(idtext)));
      json_object_del(s->deleted, key);
    }
    json_decref(body);
    return 0;
  }
  idv = !strcmp(r.in, "path") ? json_object_get(rv->path, r.param)
                              : json_object_get(rv->body, r.param);
  if (!idv || !res->status)
    return 0;
  snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
           cfm_json_scalar_text(idv, idtext, sizeof(idtext)));
  {
    const json_t *was = json_object_get(s->deleted, key);
    if (was && cfm_verdict_is_api_answer(res)) {
      /* An error answer is judged against the not-found rows (the
       * expectation, cfm__passive_deleted_param). */
      if (!m.is_error)
        cfm_judgement_set(j, CFM_VERDICT_FAIL, r.prov,
                          "%s answered success for %s, deleted by %s at entry %lld: a deleted "
                          "resource answers not-found",
                          opid, idtext, r.del,
                          (long long)json_integer_value(json_object_get(was, "entry")));
      return 0;
    }
  }
  if (!strcmp(opid, r.del) && !m.is_error && cfm_verdict_is_api_answer(res) &&
      json_object_size(s->deleted) < MAX_DELETED) {
    if (json_object_set_new(s->deleted, key, json_pack("{s:I}", "entry", (json_int_t)s->entries)))
      return -1;
  }
  return 0;
}

const json_t *cfm__passive_deleted_param(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                         const cfm_passive_stream *s) {
  passive_resource r;
  const json_t *idv, *p;
  const char *opid = cfm_json_str(op, "id");
  char key[600], idtext[400];
  size_t i;
  if (!s || !opid || !cfm__passive_find_resource(spec, &r) || !strcmp(opid, r.create))
    return NULL;
  idv = !strcmp(r.in, "path") ? json_object_get(rv->path, r.param)
                              : json_object_get(rv->body, r.param);
  if (!idv)
    return NULL;
  snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
           cfm_json_scalar_text(idv, idtext, sizeof(idtext)));
  if (!json_object_get(s->deleted, key))
    return NULL;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (cfm_json_str(p, "name") && !strcmp(cfm_json_str(p, "name"), r.param) &&
        cfm_json_str(p, "in") && !strcmp(cfm_json_str(p, "in"), r.in))
      return p;
  }
  return NULL;
}
