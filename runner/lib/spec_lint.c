/* conform — linting specs (cfm_spec_lint, cfm_spec_check,
 * cfm_specset_check): the meta-schema, provenance, error rows, limits,
 * paths, scenario steps and examples.  Must not load or parse files:
 * spec.c does. */
#include "conform/errmap.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"
#include "conform/spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lint ------------------------------------------------------------------ */

typedef struct lint_ctx {
  const cfm_spec *spec;
  cfm_lint_report *report;
  int added;
  int oom;
} lint_ctx;

static void finding(lint_ctx *c, const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void finding(lint_ctx *c, const char *pointer, const char *fmt, ...) {
  cfm_lint_report *r = c->report;
  cfm_lint_issue *it;
  va_list ap;
  if (r->count == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 16;
    cfm_lint_issue *n = realloc(r->items, ncap * sizeof(*n));
    if (!n) {
      c->oom = 1;
      return;
    }
    r->items = n;
    r->cap = ncap;
  }
  it = &r->items[r->count++];
  snprintf(it->file, sizeof(it->file), "%s", c->spec->path);
  snprintf(it->pointer, sizeof(it->pointer), "%s", pointer);
  va_start(ap, fmt);
  vsnprintf(it->message, sizeof(it->message), fmt, ap);
  va_end(ap);
  c->added++;
}

void cfm_lint_report_release(cfm_lint_report *report) {
  free(report->items);
  report->items = NULL;
  report->count = report->cap = 0;
}

/* Provenance: present, one form, and a doc named in documents. */
static void check_provenance(lint_ctx *c, const json_t *item, const char *ptr, const char *key) {
  const json_t *p = json_object_get(item, key);
  const char *doc;
  size_t i;
  const json_t *d;
  int found = 0;
  if (!p) {
    finding(c, ptr, "no %s: every item cites its source (doc, secondary or assumed)", key);
    return;
  }
  doc = cfm_json_str(p, "doc");
  if (!doc)
    return;
  json_array_foreach(json_object_get(c->spec->root, "documents"), i, d) {
    if (cfm_json_str(d, "file") && strcmp(cfm_json_str(d, "file"), doc) == 0)
      found = 1;
  }
  if (!found)
    finding(c, ptr, "provenance names document '%s', which \"documents\" does not list", doc);
}

static int has_op(const cfm_spec *spec, const char *id) {
  return id && cfm_spec_operation(spec, id) != NULL;
}

static void check_rows(lint_ctx *c, const json_t *rows, const char *base) {
  size_t i, j;
  const json_t *r, *r2;
  json_array_foreach(rows, i, r) {
    char ptr[256];
    const char *id = cfm_json_str(r, "id"), *msg = cfm_json_str(r, "message");
    snprintf(ptr, sizeof(ptr), "%s/%zu", base, i);
    check_provenance(c, r, ptr, "provenance");
    if (msg && cfm_errmap_message_matches(r, "", 0) < 0)
      finding(c, ptr, "message pattern does not compile (PCRE2): %.120s", msg);
    if (cfm_json_str(r, "class") && cfm_class_parse(cfm_json_str(r, "class")) < 0)
      finding(c, ptr, "unknown class '%s'", cfm_json_str(r, "class"));
    for (j = i + 1; id && j < json_array_size(rows); j++) {
      r2 = json_array_get(rows, j);
      if (cfm_json_str(r2, "id") && strcmp(cfm_json_str(r2, "id"), id) == 0)
        finding(c, ptr, "error id '%s' is used twice", id);
    }
  }
}

static void check_limits(lint_ctx *c, const json_t *op, const json_t *param, const char *pptr) {
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(param, "limits"), i, l) {
    char ptr[256];
    const char *kind = cfm_json_str(l, "kind"), *unit = cfm_json_str(l, "unit"),
               *above = cfm_json_str(l, "above");
    const json_t *min = json_object_get(l, "min"), *max = json_object_get(l, "max");
    const json_t *clamp = json_object_get(l, "clamp_to");
    snprintf(ptr, sizeof(ptr), "%s/limits/%zu", pptr, i);
    check_provenance(c, l, ptr, "provenance");
    if (min && max && json_number_value(min) > json_number_value(max))
      finding(c, ptr, "min %g is above max %g", json_number_value(min), json_number_value(max));
    if (kind && unit &&
        ((!strcmp(kind, "max_length") && strcmp(unit, "chars")) ||
         (!strcmp(kind, "max_bytes") && strcmp(unit, "bytes")) ||
         (!strcmp(kind, "max_items") && strcmp(unit, "items"))))
      finding(c, ptr, "unit '%s' does not fit kind '%s'", unit, kind);
    if (above && !strcmp(above, "clamp")) {
      if (!clamp)
        finding(c, ptr, "above is \"clamp\" but no clamp_to is given");
      else if ((max && json_number_value(clamp) > json_number_value(max)) ||
               (min && json_number_value(clamp) < json_number_value(min)))
        finding(c, ptr, "clamp_to %g is outside [min, max]", json_number_value(clamp));
    }
    if (cfm_json_str(l, "error") && !cfm_spec_error_row(c->spec, op, cfm_json_str(l, "error")))
      finding(c, ptr, "limit error '%s' names no row of the operation or the transport",
              cfm_json_str(l, "error"));
    if (kind && strcmp(kind, "range") && max) {
      long cap = !strcmp(kind, "max_items") ? CFM_SPEC_MAX_ITEMS_LIMIT : CFM_SPEC_MAX_TEXT_LIMIT;
      char n[32];
      if (json_number_value(max) < 0 || json_number_value(max) > (double)cap)
        finding(c, ptr, "max %s is outside [0, %ld]: cases build and send a value one past it",
                cfm_number_text(json_number_value(max), n, sizeof(n)), cap);
    }
  }
  {
    const json_t *d = json_object_get(param, "default");
    const json_t *l0;
    json_array_foreach(json_object_get(param, "limits"), i, l0) {
      if (d && json_is_number(d) && cfm_json_str(l0, "kind") &&
          !strcmp(cfm_json_str(l0, "kind"), "range") &&
          ((json_object_get(l0, "min") &&
            json_number_value(d) < json_number_value(json_object_get(l0, "min"))) ||
           (json_object_get(l0, "max") &&
            json_number_value(d) > json_number_value(json_object_get(l0, "max")))))
        finding(c, pptr, "default %g is outside the documented range", json_number_value(d));
    }
  }
}

/* Every {name} in the path has a path parameter and vice versa. */
static void check_path(lint_ctx *c, const json_t *op, const char *optr) {
  const char *path = cfm_json_str(op, "path"), *p;
  size_t i;
  const json_t *param;
  char ptr[256];
  if (!path)
    return;
  for (p = path; (p = strchr(p, '{')) != NULL;) {
    const char *e = strchr(p, '}');
    char name[128];
    int found = 0;
    if (!e)
      break;
    snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
    json_array_foreach(json_object_get(op, "params"), i, param) {
      if (cfm_json_str(param, "in") && !strcmp(cfm_json_str(param, "in"), "path") &&
          cfm_json_str(param, "name") && !strcmp(cfm_json_str(param, "name"), name))
        found = 1;
    }
    if (!found) {
      snprintf(ptr, sizeof(ptr), "%s/path", optr);
      finding(c, ptr, "path placeholder {%s} has no path parameter", name);
    }
    p = e;
  }
  json_array_foreach(json_object_get(op, "params"), i, param) {
    char needle[140];
    if (!cfm_json_str(param, "in") || strcmp(cfm_json_str(param, "in"), "path") ||
        !cfm_json_str(param, "name"))
      continue;
    snprintf(needle, sizeof(needle), "{%s}", cfm_json_str(param, "name"));
    if (!strstr(path, needle)) {
      snprintf(ptr, sizeof(ptr), "%s/params/%zu", optr, i);
      finding(c, ptr, "path parameter '%s' does not appear in the path",
              cfm_json_str(param, "name"));
    }
  }
}

static void check_expect_rows(lint_ctx *c, const json_t *op, const json_t *expect,
                              const char *ptr) {
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(expect, "errors"), i, r) {
    if (json_is_string(r) && !cfm_spec_error_row(c->spec, op, json_string_value(r)))
      finding(c, ptr, "expected error row '%s' does not exist", json_string_value(r));
  }
}

static void check_steps(lint_ctx *c, const json_t *steps, const char *base) {
  size_t i;
  const json_t *st;
  json_array_foreach(steps, i, st) {
    char ptr[256];
    const char *opid = cfm_json_str(st, "op");
    const json_t *walk = json_object_get(st, "walk");
    snprintf(ptr, sizeof(ptr), "%s/%zu", base, i);
    if (walk)
      opid = cfm_json_str(walk, "op");
    if (!has_op(c->spec, opid))
      finding(c, ptr, "step names operation '%s', which does not exist", opid ? opid : "(none)");
    else
      check_expect_rows(c, cfm_spec_operation(c->spec, opid), json_object_get(st, "expect"), ptr);
  }
}

static void check_examples(lint_ctx *c, const json_t *op, const char *optr) {
  size_t i;
  const json_t *ex;
  const json_t *schema = cfm_json_pointer(op, "/response/schema");
  const json_t *model = cfm_spec_error_model(c->spec);
  long ok_status = (long)json_integer_value(cfm_json_pointer(op, "/response/status"));
  json_array_foreach(json_object_get(op, "examples"), i, ex) {
    char ptr[256];
    const json_t *resp = json_object_get(ex, "response"), *body;
    long st;
    snprintf(ptr, sizeof(ptr), "%s/examples/%zu", optr, i);
    check_provenance(c, ex, ptr, "provenance");
    if (!resp || !(body = json_object_get(resp, "body")))
      continue;
    st = json_is_integer(json_object_get(resp, "status"))
             ? (long)json_integer_value(json_object_get(resp, "status"))
             : (ok_status ? ok_status : 200);
    {
      /* Success examples validate against the schema; error examples must
       * map to one of the rows. */
      char *text = json_dumps(body, JSON_COMPACT);
      const json_t *tables[2] = {
          json_object_get(op, "errors"),
          json_object_get(json_object_get(c->spec->root, "transport"), "errors")};
      cfm_mapped m;
      if (!text)
        continue;
      cfm_errmap_map(model, tables, 2, st, text, strlen(text), &m);
      free(text);
      if (!m.is_error && schema) {
        cfm_violations v;
        int n = cfm_schema_validate(schema, body, &v);
        if (n < 0)
          finding(c, optr, "response schema is malformed");
        else if (n > 0)
          finding(c, ptr, "example response does not validate: %s: %s", v.items[0].pointer,
                  v.items[0].message);
      } else if (m.is_error && !m.row && m.code[0]) {
        finding(c, ptr, "example error (code %s) matches no error row", m.code);
      }
    }
  }
}

/* The spec against the format's meta-schema. */
static void lint_meta(lint_ctx *c) {
  cfm_error_t err;
  json_t *meta;
  cfm_violations v;
  size_t i;
  int n;
  cfm_error_init(&err);
  meta = cfm_spec_meta_schema(&err);
  if (!meta) {
    finding(c, "", "%s", err.text);
    return;
  }
  n = cfm_schema_validate(meta, c->spec->root, &v);
  if (n < 0)
    finding(c, "", "the meta-schema itself is malformed");
  for (i = 0; n > 0 && i < v.count; i++)
    finding(c, v.items[i].pointer, "%s", v.items[i].message);
  if (n > 0 && v.total > v.count)
    finding(c, "", "... and %zu more schema violations", v.total - v.count);
  json_decref(meta);
}

/* The transport: provenance, error rows, auth errors naming rows. */
static void lint_transport(lint_ctx *c) {
  const json_t *t = json_object_get(c->spec->root, "transport"), *r;
  const char *mode;
  json_t *rows;
  size_t j;
  check_provenance(c, t, "/transport", "provenance");
  check_rows(c, json_object_get(t, "errors"), "/transport/errors");
  json_object_foreach(json_object_get(json_object_get(t, "auth"), "errors"), mode, rows) {
    json_array_foreach(rows, j, r) {
      if (json_is_string(r) && !cfm_spec_error_row(c->spec, NULL, json_string_value(r)))
        finding(c, "/transport/auth/errors", "auth error '%s' names no transport row",
                json_string_value(r));
    }
  }
}

/* Operation i: unique id, path, parameters, rows, set-up, clean-up, examples. */
static void lint_operation(lint_ctx *c, const json_t *op, size_t i) {
  const json_t *ops = json_object_get(c->spec->root, "operations"), *p;
  char optr[64], sub[128];
  size_t j;
  snprintf(optr, sizeof(optr), "/operations/%zu", i);
  check_provenance(c, op, optr, "provenance");
  for (j = i + 1; j < json_array_size(ops); j++) {
    const json_t *o2 = json_array_get(ops, j);
    if (cfm_json_str(op, "id") && cfm_json_str(o2, "id") &&
        !strcmp(cfm_json_str(op, "id"), cfm_json_str(o2, "id")))
      finding(c, optr, "operation id '%s' is used twice", cfm_json_str(op, "id"));
  }
  check_path(c, op, optr);
  json_array_foreach(json_object_get(op, "params"), j, p) {
    snprintf(sub, sizeof(sub), "%s/params/%zu", optr, j);
    check_provenance(c, p, sub, "provenance");
    check_limits(c, op, p, sub);
  }
  snprintf(sub, sizeof(sub), "%s/errors", optr);
  check_rows(c, json_object_get(op, "errors"), sub);
  snprintf(sub, sizeof(sub), "%s/setup", optr);
  check_steps(c, json_object_get(op, "setup"), sub);
  if (json_object_get(op, "creates")) {
    const char *cop =
        cfm_json_str(json_object_get(json_object_get(op, "creates"), "cleanup"), "op");
    if (cop && !has_op(c->spec, cop))
      finding(c, optr, "cleanup operation '%s' does not exist", cop);
  }
  check_examples(c, op, optr);
}

int cfm_spec_lint(const cfm_spec *spec, cfm_lint_report *report) {
  lint_ctx c = {spec, report, 0, 0};
  const json_t *op, *sc;
  size_t i;
  lint_meta(&c);
  lint_transport(&c);
  json_array_foreach(json_object_get(spec->root, "operations"), i, op) lint_operation(&c, op, i);
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    char sptr[128];
    snprintf(sptr, sizeof(sptr), "/scenarios/%zu", i);
    check_provenance(&c, sc, sptr, "provenance");
    snprintf(sptr, sizeof(sptr), "/scenarios/%zu/steps", i);
    check_steps(&c, json_object_get(sc, "steps"), sptr);
  }
  return c.oom ? -1 : c.added;
}

int cfm_spec_check(const cfm_spec *spec, cfm_error_t *err) {
  cfm_lint_report rep = {0};
  int rc = CFM_EOK;
  if (cfm_spec_lint(spec, &rep) < 0)
    rc = cfm_error_set(err, CFM_ENOMEM, spec->path, "", "out of memory");
  else if (rep.count)
    rc = cfm_error_set(err, CFM_ESPEC, rep.items[0].file, rep.items[0].pointer,
                       "%s (%zu finding%s; 'conform lint %s' lists them)", rep.items[0].message,
                       rep.count, rep.count == 1 ? "" : "s", spec->path);
  cfm_lint_report_release(&rep);
  return rc;
}

int cfm_specset_check(const cfm_specset *set, cfm_error_t *err) {
  size_t i;
  int rc = CFM_EOK;
  for (i = 0; i < set->count && rc == CFM_EOK; i++)
    rc = cfm_spec_check(set->items[i], err);
  return rc;
}
