/* conform — generating contract cases from specs.
 *
 * Every case starts from the operation's first documented example (or its
 * parameters' defaults), applies the operation's "bind" (live values such as
 * a group the set-up steps created), then varies one thing.  The order of
 * operations, parameters and limits in the spec fixes the order of cases,
 * so ids and order are stable across runs. */
#include "cases_internal.h"

#include "conform/jsonutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfm__case_add(cfm_caselist *l, const cfm_spec *spec, const char *op, const char *kind,
                  json_t *steps, const json_t *prov, json_t *covers, int exclusive, const char *fmt,
                  ...) {
  cfm_case *c;
  char id[256];
  int rc = CFM_EOK;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(id, sizeof(id), fmt, ap);
  va_end(ap);
  if (l->count == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 256;
    cfm_case *n = realloc(l->items, ncap * sizeof(*n));
    if (!n) {
      json_decref(steps);
      json_decref(covers);
      return CFM_ENOMEM;
    }
    l->items = n;
    l->cap = ncap;
  }
  c = &l->items[l->count];
  memset(c, 0, sizeof(*c));
  c->id = strdup(id);
  c->spec = spec;
  c->operation = strdup(op ? op : "");
  c->kind = strdup(kind);
  c->kind_id = cfm_case_kind_parse(kind);
  c->steps_json = steps ? json_dumps(steps, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(steps);
  c->provenance = prov ? json_incref((json_t *)prov) : json_null(); /* immutable: shared */
  c->covers = covers;
  c->exclusive = exclusive;
  if (!c->id || !c->operation || !c->kind || !c->steps_json || !c->covers)
    rc = CFM_ENOMEM;
  else if (l->text_bytes + strlen(c->steps_json) > (l->max_text ? l->max_text : CFM_CASES_MAX_TEXT))
    rc = CFM_ETOOBIG;
  else
    l->text_bytes += strlen(c->steps_json);
  if (rc != CFM_EOK) {
    free(c->id);
    free(c->operation);
    free(c->kind);
    free(c->steps_json);
    json_decref(c->provenance);
    json_decref(c->covers);
    return rc;
  }
  l->count++;
  return CFM_EOK;
}

json_t *cfm_case_steps(const cfm_case *c) {
  return c && c->steps_json ? json_loads(c->steps_json, JSON_ALLOW_NUL, NULL) : NULL;
}

void cfm_caselist_release(cfm_caselist *list) {
  size_t i;
  for (i = 0; i < list->count; i++) {
    free(list->items[i].id);
    free(list->items[i].operation);
    free(list->items[i].kind);
    free(list->items[i].steps_json);
    json_decref(list->items[i].provenance);
    json_decref(list->items[i].covers);
  }
  free(list->items);
  memset(list, 0, sizeof(*list));
}

json_t *cfm__cover(const cfm_spec *spec, const char *fmt, ...) {
  char ptr[256], full[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ptr, sizeof(ptr), fmt, ap);
  va_end(ap);
  snprintf(full, sizeof(full), "%s#%s", spec->vendor, ptr);
  return json_string(full);
}

/* Every builder below returns a whole result or NULL (out of memory):
 * jansson setters report failure, and a case silently missing a field
 * would test something else. */

/* The request a case starts from (new reference, or NULL). */
json_t *cfm__base_request(const json_t *op) {
  const json_t *ex = json_object_get(json_array_get(json_object_get(op, "examples"), 0), "request");
  json_t *req = json_pack("{s:{}, s:{}, s:{}}", "path", "query", "headers");
  const json_t *bind = json_object_get(op, "bind"), *p;
  const char *k;
  json_t *v;
  size_t i;
  int has_body = 0, bad = !req;
  json_array_foreach(json_object_get(op, "params"), i, p) has_body |=
      !strcmp(cfm_json_str(p, "in"), "body");
  if (json_is_object(json_object_get(ex, "body")))
    bad |= json_object_set_new(req, "body", json_deep_copy(json_object_get(ex, "body")));
  else if (has_body)
    bad |= json_object_set_new(req, "body", json_object());
  json_object_foreach((json_t *)json_object_get(ex, "query"), k, v) bad |=
      json_object_set(json_object_get(req, "query"), k, v);
  json_object_foreach((json_t *)json_object_get(ex, "path"), k, v) bad |=
      json_object_set(json_object_get(req, "path"), k, v);
  /* Required parameters the example lacks: their default, or a placeholder. */
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const char *in = cfm_json_str(p, "in");
    json_t *slot = json_object_get(req, in);
    if (!json_is_true(json_object_get(p, "required")) || !json_is_object(slot) ||
        json_object_get(slot, cfm_json_str(p, "name")) || !strcmp(in, "header"))
      continue;
    if (json_object_get(p, "default"))
      bad |= json_object_set(slot, cfm_json_str(p, "name"), json_object_get(p, "default"));
    else
      bad |= json_object_set_new(slot, cfm_json_str(p, "name"), json_string("conform"));
  }
  json_object_foreach((json_t *)bind, k, v) {
    json_array_foreach(json_object_get(op, "params"), i, p) {
      if (strcmp(cfm_json_str(p, "name"), k) == 0) {
        json_t *slot = json_object_get(req, cfm_json_str(p, "in"));
        if (json_is_object(slot))
          bad |= json_object_set(slot, k, v);
      }
    }
  }
  if (bad) {
    json_decref(req);
    return NULL;
  }
  return req;
}

/* The set-up steps of an operation (new reference, a copy, or NULL). */
static json_t *setup_steps(const json_t *op) {
  const json_t *given = json_object_get(op, "setup");
  json_t *s = given ? json_deep_copy(given) : json_array();
  json_t *st;
  size_t i;
  int bad = !s;
  json_array_foreach(s, i, st) bad |= json_object_set_new(st, "setup", json_true());
  if (bad) {
    json_decref(s);
    return NULL;
  }
  return s;
}

json_t *cfm__main_step(const json_t *op, json_t *request, json_t *expect) {
  return json_pack("{s:s, s:o, s:o}", "op", cfm_json_str(op, "id"), "request", request, "expect",
                   expect);
}

/* The set-up steps then step (stolen); NULL out of memory. */
json_t *cfm__steps_with(const json_t *op, json_t *step) {
  json_t *s = setup_steps(op);
  if (!s || !step || json_array_append_new(s, step)) {
    if (!s)
      json_decref(step);
    json_decref(s);
    return NULL;
  }
  return s;
}

/* Error rows of op (and transport) whose trigger is one of triggers
 * (an array, maybe empty; NULL out of memory). */
json_t *cfm__rows_by_trigger(const cfm_spec *spec, const json_t *op, const char *const *trig) {
  json_t *ids = json_array();
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  size_t t, i, k;
  const json_t *r;
  int bad = !ids;
  for (t = 0; t < 2; t++)
    json_array_foreach(tables[t], i, r) {
      for (k = 0; trig[k]; k++)
        if (cfm_json_str(r, "trigger") && !strcmp(cfm_json_str(r, "trigger"), trig[k]))
          bad |= json_array_append_new(ids, json_string(cfm_json_str(r, "id")));
    }
  if (bad) {
    json_decref(ids);
    return NULL;
  }
  return ids;
}

/* An "error" expectation: rows (stolen; an array, maybe empty) if the
 * spec names them, else classes.  NULL out of memory (or rows NULL). */
json_t *cfm__expect_error(json_t *rows, const char *const *classes, const json_t *prov, int silent,
                          const char *what) {
  json_t *e = json_pack("{s:s, s:O, s:b, s:s}", "outcome", "error", "provenance",
                        prov ? prov : json_null(), "silent", silent, "what", what);
  json_t *cl = json_array();
  size_t i;
  int bad = !e || !rows;
  for (i = 0; classes && classes[i]; i++)
    bad |= json_array_append_new(cl, json_string(classes[i]));
  bad |= json_object_set_new(e, "classes", cl);
  if (json_array_size(rows))
    bad |= json_object_set_new(e, "errors", rows);
  else
    json_decref(rows);
  if (bad) {
    json_decref(e);
    return NULL;
  }
  return e;
}

json_t *cfm__expect_success(const json_t *op, const json_t *prov, int silent, const char *what) {
  json_t *e = json_pack("{s:s, s:b, s:O, s:b, s:s}", "outcome", "success", "schema", 1,
                        "provenance", prov ? prov : json_null(), "silent", silent, "what", what);
  const json_t *st = json_object_get(json_object_get(op, "response"), "status");
  if (e && json_is_integer(st) && json_object_set(e, "status", (json_t *)st)) {
    json_decref(e);
    return NULL;
  }
  return e;
}

int cfm__is_assumed(const json_t *prov) {
  return json_object_get(prov, "assumed") != NULL;
}

/* Completes one step of scenario sc in place: the scenario's provenance
 * and statement, silent when assumed, and a call's outcome from its
 * class.  Returns 0, or -1 out of memory. */
static int scenario_step(json_t *st, const json_t *sc) {
  json_t *e = json_object_get(st, "expect");
  const json_t *sprov = json_object_get(sc, "provenance"), *stmt = json_object_get(sc, "statement");
  int bad = 0;
  if (!json_is_object(e)) {
    e = json_object();
    if (json_object_set_new(st, "expect", e))
      return -1;
  }
  if (!json_object_get(e, "provenance") && sprov)
    bad |= json_object_set(e, "provenance", (json_t *)sprov);
  bad |= json_object_set_new(e, "silent",
                             json_boolean(cfm__is_assumed(json_object_get(e, "provenance"))));
  if (!json_object_get(e, "what") && stmt)
    bad |= json_object_set(e, "what", (json_t *)stmt);
  if (!json_object_get(st, "walk")) {
    const char *cls = cfm_json_str(e, "class");
    bad |= json_object_set_new(e, "outcome",
                               json_string(!cls || !strcmp(cls, "OK") ? "success" : "error"));
    if (cls && strcmp(cls, "OK") && !json_object_get(e, "classes"))
      bad |= json_object_set_new(e, "classes", json_pack("[s]", cls));
    if (!json_object_get(e, "schema"))
      bad |= json_object_set_new(e, "schema", json_true());
  }
  return bad ? -1 : 0;
}

static int scenario_cases(cfm_caselist *l, const cfm_spec *spec) {
  const json_t *sc;
  size_t i, j;
  int rc = CFM_EOK;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    json_t *steps = json_deep_copy(json_object_get(sc, "steps")), *st;
    const char *kind = !strcmp(cfm_json_str(sc, "kind"), "rule") ? "rule" : "scenario";
    int exclusive = 0;
    json_array_foreach(steps, j, st) {
      if (json_object_get(st, "walk"))
        exclusive = 1;
      if (scenario_step(st, sc)) {
        json_decref(steps);
        steps = NULL;
        break;
      }
    }
    rc = cfm__case_add(l, spec, "", kind, steps, json_object_get(sc, "provenance"),
                       json_pack("[o]", cfm__cover(spec, "/scenarios/%zu", i)), exclusive,
                       "%s.%s.%s", spec->vendor, kind, cfm_json_str(sc, "id"));
    if (rc)
      break;
  }
  return rc;
}

int cfm_cases_generate(const cfm_specset *set, cfm_caselist *out) {
  size_t s, i;
  int rc = CFM_EOK;
  for (s = 0; s < set->count && !rc; s++) {
    const cfm_spec *spec = set->items[s];
    const json_t *op;
    json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
      rc = cfm__op_cases(out, spec, op, i);
      if (rc)
        break;
    }
    if (!rc)
      rc = scenario_cases(out, spec);
  }
  return rc;
}
