/* conform — the endpoint fuzzer's model of a vendor, read from its spec and
 * its deterministic cases: each operation's documented call (its example
 * case, bound to a live group), the parameters and their domains, the
 * documented expectation when one constraint is broken (the limit, type,
 * enum and required cases' own), and from the scenarios which field reads
 * back where and which state a call leaves.  No vendor is named here. */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"

/* Replaces every string exactly "${from}" (or containing it) by "${to}". */
void cfm__ef_rename_var(json_t *v, const char *from, const char *to) {
  const char *k;
  json_t *x;
  size_t i;
  char pat[80];
  snprintf(pat, sizeof(pat), "${%s}", from);
  if (json_is_string(v)) {
    const char *s = json_string_value(v), *at = strstr(s, pat);
    if (at) {
      char buf[512];
      snprintf(buf, sizeof(buf), "%.*s${%s}%s", (int)(at - s), s, to, at + strlen(pat));
      json_string_set(v, buf);
    }
    return;
  }
  json_object_foreach(v, k, x) cfm__ef_rename_var(x, from, to);
  json_array_foreach(v, i, x) cfm__ef_rename_var(x, from, to);
}

/* The last step of case c (new reference), with its set-up's one capture
 * renamed to G; NULL when the case is not a plain call with at most one
 * set-up step, or a call on an id its set-up created and then deleted
 * (*group = 2: a not-found case, create -> delete -> use). */
static json_t *call_step(const cfm_case *c, int *group) {
  json_t *steps = cfm_case_steps(c), *last, *out = NULL;
  size_t n = json_array_size(steps);
  *group = 0;
  if (n == 0 || n > 3)
    goto done;
  last = json_array_get(steps, n - 1);
  if (!json_object_get(last, "op") ||
      (n == 3 && (!json_is_true(json_object_get(json_array_get(steps, 1), "setup")) ||
                  json_object_get(json_array_get(steps, 1), "capture"))))
    goto done;
  out = json_deep_copy(last);
  if (n >= 2) {
    const json_t *cap = json_object_get(json_array_get(steps, 0), "capture");
    const char *name;
    json_t *ptr;
    if (json_object_size(cap) != 1) {
      json_decref(out);
      out = NULL;
      goto done;
    }
    json_object_foreach((json_t *)cap, name, ptr) cfm__ef_rename_var(out, name, "G");
    *group = (int)n - 1;
  }
done:
  json_decref(steps);
  return out;
}

/* The expectation of the first case whose id starts with prefix and
 * expects an error (borrowed from v->expects), or NULL. */
static const json_t *broken_expect(cfm__ef_vendor *v, const cfm_caselist *cl, const char *prefix) {
  size_t i, plen = strlen(prefix);
  for (i = 0; i < cl->count; i++) {
    int g;
    json_t *st, *e;
    if (cl->items[i].spec != v->spec || strncmp(cl->items[i].id, prefix, plen))
      continue;
    if (!(st = call_step(&cl->items[i], &g)))
      continue;
    e = json_object_get(st, "expect");
    if (json_is_object(e) &&
        !strcmp(cfm_json_str(e, "outcome") ? cfm_json_str(e, "outcome") : "", "error")) {
      json_array_append(v->expects, e);
      json_decref(st);
      return e;
    }
    json_decref(st);
  }
  return NULL;
}

static void read_limits(cfm__ef_field *f, const json_t *p) {
  const json_t *l;
  size_t i;
  json_array_foreach(json_object_get(p, "limits"), i, l) {
    const char *kind = cfm_json_str(l, "kind");
    int reject = !strcmp(cfm_json_str(l, "above") ? cfm_json_str(l, "above") : "", "reject");
    if (!kind)
      continue;
    if (!strcmp(kind, "max_length") || !strcmp(kind, "max_bytes")) {
      f->has_len = 1;
      f->maxlen = json_integer_value(json_object_get(l, "max"));
      f->unit_bytes = !strcmp(kind, "max_bytes");
      f->len_reject = reject;
    } else if (!strcmp(kind, "range") && json_object_get(l, "min") && json_object_get(l, "max")) {
      f->has_range = 1;
      f->min = json_integer_value(json_object_get(l, "min"));
      f->max = json_integer_value(json_object_get(l, "max"));
      f->range_reject = reject;
      f->range_clamp = !strcmp(cfm_json_str(l, "above") ? cfm_json_str(l, "above") : "", "clamp");
    }
  }
}

static int read_fields(cfm__ef_vendor *v, cfm__ef_op *o, const cfm_caselist *cl) {
  const json_t *params = json_object_get(o->op, "params"), *p;
  size_t i;
  o->fields = calloc(json_array_size(params) + 1, sizeof(*o->fields));
  if (!o->fields)
    return CFM_ENOMEM;
  json_array_foreach(params, i, p) {
    cfm__ef_field *f = &o->fields[o->nfields];
    const char *in = cfm_json_str(p, "in");
    const json_t *cur;
    char pre[300];
    if (!in || (strcmp(in, "body") && strcmp(in, "query")) || !cfm_json_str(p, "type"))
      continue;
    f->name = cfm_json_str(p, "name");
    f->in = in;
    f->type = cfm_json_str(p, "type");
    f->required = json_is_true(json_object_get(p, "required"));
    f->enumv = json_object_get(p, "enum");
    read_limits(f, p);
    cur = json_object_get(json_object_get(json_object_get(o->base, "request"), in), f->name);
    if (!strcmp(f->type, "string"))
      f->vary = f->has_len || f->enumv ||
                (json_is_string(cur) && !strncmp(json_string_value(cur), "${run}", 6));
    else
      f->vary = !strcmp(f->type, "boolean") || f->enumv || f->has_range;
    snprintf(pre, sizeof(pre), "%s.%s.limit.%s.", v->spec->vendor, o->id, f->name);
    if ((f->has_len && f->len_reject) || (f->has_range && f->range_reject))
      f->broken[EF_BROKEN_LIMIT] = broken_expect(v, cl, pre);
    snprintf(pre, sizeof(pre), "%s.%s.type.%s", v->spec->vendor, o->id, f->name);
    f->broken[EF_BROKEN_TYPE] = broken_expect(v, cl, pre);
    snprintf(pre, sizeof(pre), "%s.%s.enum.%s", v->spec->vendor, o->id, f->name);
    f->broken[EF_BROKEN_ENUM] = broken_expect(v, cl, pre);
    snprintf(pre, sizeof(pre), "%s.%s.required.%s", v->spec->vendor, o->id, f->name);
    f->broken[EF_BROKEN_REQUIRED] = broken_expect(v, cl, pre);
    o->nfields++;
  }
  return CFM_EOK;
}

/* The example case of op (the first "<vendor>.<op>.example." case). */
static const cfm_case *example_case(const cfm_caselist *cl, const cfm_spec *spec, const char *op) {
  size_t i;
  char pre[300];
  snprintf(pre, sizeof(pre), "%s.%s.example.", spec->vendor, op);
  for (i = 0; i < cl->count; i++)
    if (cl->items[i].spec == spec && !strncmp(cl->items[i].id, pre, strlen(pre)))
      return &cl->items[i];
  return NULL;
}

static int index_of(const cfm__ef_vendor *v, const char *op) {
  size_t i;
  for (i = 0; op && i < v->nops; i++)
    if (!strcmp(v->ops[i].id, op))
      return (int)i;
  return -1;
}

/* From one scenario: body values sent so far ({text: field}); a read whose
 * check equals a value sent maps that field; a literal after a call that
 * sent no body is a state fact of that call. */
static void learn_scenario(cfm__ef_vendor *v, const json_t *sc) {
  json_t *sent = json_object();
  const json_t *st, *chk;
  const char *last_bodyless = NULL;
  size_t i, k;
  json_array_foreach(json_object_get(sc, "steps"), i, st) {
    const char *op = cfm_json_str(st, "op");
    const json_t *body = json_object_get(json_object_get(st, "request"), "body");
    const char *key;
    json_t *val;
    if (!op)
      continue;
    json_array_foreach(json_object_get(json_object_get(st, "expect"), "body"), k, chk) {
      const json_t *eq = json_object_get(chk, "equals");
      const char *ptr = cfm_json_str(chk, "pointer");
      const json_t *field =
          json_is_string(eq) ? json_object_get(sent, json_string_value(eq)) : NULL;
      if (!eq || !ptr || (v->read >= 0 && strcmp(v->ops[v->read].id, op)))
        continue;
      if (field) {
        if (v->read < 0)
          v->read = index_of(v, op);
        json_object_set_new(v->readmap, json_string_value(field), json_string(ptr));
      } else if (!json_is_string(eq) && last_bodyless && v->read >= 0) {
        json_t *f = json_object_get(v->facts, last_bodyless);
        if (!f)
          json_object_set_new(v->facts, last_bodyless, f = json_object());
        json_object_set(f, ptr, (json_t *)eq);
      }
    }
    if (v->read >= 0 && !strcmp(v->ops[v->read].id, op))
      continue;
    last_bodyless = json_object_size(body) ? NULL : op;
    json_object_foreach((json_t *)body, key, val) {
      const char *text = json_string_value(val);
      /* A captured id ("${p}") names another resource, not this field. */
      if (text &&
          (strncmp(text, "${", 2) || !strncmp(text, "${var.", 6) || !strncmp(text, "${run}", 6)))
        json_object_set_new(sent, text, json_string(key));
    }
  }
  json_decref(sent);
}

/* Fields read back under the same name as a mapped one (its parent). */
static void learn_same_names(cfm__ef_vendor *v) {
  const json_t *ex, *item;
  const char *k;
  json_t *ptr;
  char prefix[256] = "";
  size_t i, j;
  if (v->read < 0)
    return;
  json_object_foreach(v->readmap, k, ptr) {
    const char *s = json_string_value(ptr), *slash = strrchr(s, '/');
    snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - s), s);
  }
  ex = json_object_get(json_array_get(json_object_get(v->ops[v->read].op, "examples"), 0),
                       "response");
  item = cfm_json_pointer(json_object_get(ex, "body"), prefix);
  for (i = 0; i < v->nops; i++)
    for (j = 0; j < v->ops[i].nfields; j++) {
      const cfm__ef_field *f = &v->ops[i].fields[j];
      char p[300];
      if (strcmp(f->type, "string") || !f->vary || !json_object_get(item, f->name) ||
          json_object_get(v->readmap, f->name))
        continue;
      snprintf(p, sizeof(p), "%s/%s", prefix, f->name);
      json_object_set_new(v->readmap, f->name, json_string(p));
    }
}

/* The op's calls that break something besides a field (an id that does
 * not exist or cannot, credentials, a body that is not JSON), from its
 * cases, bound to the trial's group. */
static int read_extras(cfm__ef_vendor *v, cfm__ef_op *o, const cfm_caselist *cl) {
  static const char *const kinds[] = {"not_found", "malformed", "auth", "robustness"};
  size_t i, k;
  if (!(o->extras = json_array()))
    return CFM_ENOMEM;
  for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    char pre[300];
    snprintf(pre, sizeof(pre), "%s.%s.%s.", v->spec->vendor, o->id, kinds[k]);
    for (i = 0; i < cl->count; i++) {
      int g;
      json_t *st;
      if (cl->items[i].spec != v->spec || strncmp(cl->items[i].id, pre, strlen(pre)) ||
          !(st = call_step(&cl->items[i], &g)))
        continue;
      if (g == 2 && k == 0 && o->group && !o->gone) {
        /* A deleted group: the generator calls groups its trial deleted. */
        json_array_append(v->expects, json_object_get(st, "expect"));
        o->gone = json_object_get(st, "expect");
      }
      if (g != o->group) {
        json_decref(st);
        continue;
      }
      if (k == 0 && !o->gone) {
        json_array_append(v->expects, json_object_get(st, "expect"));
        o->gone = json_object_get(st, "expect");
      }
      json_array_append_new(o->extras, st);
    }
  }
  return CFM_EOK;
}

static int build_vendor(cfm__ef_vendor *v, const cfm_spec *spec, const cfm_caselist *cl) {
  const json_t *ops = json_object_get(spec->root, "operations"), *op, *sc;
  size_t i;
  v->spec = spec;
  v->create = v->del = v->read = -1;
  v->readmap = json_object();
  v->facts = json_object();
  v->expects = json_array();
  v->ops = calloc(json_array_size(ops) + 1, sizeof(*v->ops));
  if (!v->readmap || !v->facts || !v->expects || !v->ops)
    return CFM_ENOMEM;
  json_array_foreach(ops, i, op) {
    cfm__ef_op *o = &v->ops[v->nops];
    const cfm_case *c = example_case(cl, spec, cfm_json_str(op, "id"));
    if (!c || !(o->base = call_step(c, &o->group)))
      continue;
    o->id = cfm_json_str(op, "id");
    o->op = op;
    if (json_object_get(op, "creates") && !o->group) {
      o->role = EF_ROLE_CREATE;
      v->create = (int)v->nops;
    }
    if (read_fields(v, o, cl) || read_extras(v, o, cl))
      return CFM_ENOMEM;
    v->nops++;
  }
  if (cfm__ef_seqs_read(v, cl))
    return CFM_ENOMEM;
  if (v->create >= 0) {
    const json_t *cr = json_object_get(v->ops[v->create].op, "creates");
    v->del = index_of(v, cfm_json_str(json_object_get(cr, "cleanup"), "op"));
    if (v->del >= 0)
      v->ops[v->del].role = EF_ROLE_DELETE;
  }
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) learn_scenario(v, sc);
  if (v->read >= 0 && v->ops[v->read].group) {
    v->ops[v->read].role = EF_ROLE_READ;
    learn_same_names(v);
  } else {
    v->read = -1;
  }
  return CFM_EOK;
}

int cfm__ef_model_build(const cfm_specset *set, const char *vendor, cfm__ef_model *m,
                        cfm_error_t *err) {
  cfm_caselist cl;
  size_t i;
  int rc;
  memset(m, 0, sizeof(*m));
  memset(&cl, 0, sizeof(cl));
  rc = cfm_cases_generate(set, &cl);
  if (rc)
    return cfm_error_set(err, rc, "fuzz", "", "cannot generate the cases the fuzzer starts from");
  m->v = calloc(set->count + 1, sizeof(*m->v));
  if (!m->v) {
    cfm_caselist_release(&cl);
    return cfm_error_set(err, CFM_ENOMEM, "fuzz", "", "out of memory");
  }
  for (i = 0; i < set->count; i++) {
    if (vendor && strcmp(vendor, set->items[i]->vendor))
      continue;
    rc = build_vendor(&m->v[m->n++], set->items[i], &cl);
    if (rc)
      break;
  }
  cfm_caselist_release(&cl);
  if (rc)
    return cfm_error_set(err, rc, "fuzz", "", "out of memory");
  if (!m->n)
    return cfm_error_set(err, CFM_ECONFIG, "fuzz", "", "no spec of vendor '%s'",
                         vendor ? vendor : "?");
  return CFM_EOK;
}

const cfm__ef_vendor *cfm__ef_model_vendor(const cfm__ef_model *m, const char *vendor) {
  size_t i;
  for (i = 0; i < m->n; i++)
    if (!strcmp(m->v[i].spec->vendor, vendor))
      return &m->v[i];
  return NULL;
}

void cfm__ef_model_release(cfm__ef_model *m) {
  size_t i, j;
  for (i = 0; i < m->n; i++) {
    cfm__ef_vendor *v = &m->v[i];
    for (j = 0; j < v->nops; j++) {
      json_decref(v->ops[j].base);
      json_decref(v->ops[j].extras);
      free(v->ops[j].fields);
    }
    free(v->ops);
    json_decref(v->readmap);
    json_decref(v->facts);
    json_decref(v->expects);
    json_decref(v->seqs);
  }
  free(m->v);
  memset(m, 0, sizeof(*m));
}
