/* conform — the cases of one operation: its documented examples, a body
 * that is not JSON, then per parameter the required, type, enum,
 * not-found, malformed and limit cases, and the auth cases.
 *
 * Owns which statements of an operation become which cases.  Must not run
 * anything; builders and the case list are cases.c's. */
#include "cases_internal.h"

#include "conform/jsonutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows for a malformed id: the parameter's candidate set (malformed_errors:
 * the documents allow several answers), else the spec's malformed_id rows
 * when it has any (the document then names the code), else the broader set. */
static json_t *malformed_rows(const cfm_spec *spec, const json_t *op, const json_t *p,
                              const char *const *broad) {
  static const char *const only[] = {"malformed_id", NULL};
  json_t *r;
  if (json_array_size(json_object_get(p, "malformed_errors")))
    return json_deep_copy(json_object_get(p, "malformed_errors"));
  r = cfm__rows_by_trigger(spec, op, only);
  if (!r || json_array_size(r))
    return r;
  json_decref(r);
  return cfm__rows_by_trigger(spec, op, broad);
}

/* 1 when a required path parameter gets a case of its own sent empty: an
 * id the target looks up (the spec gives absent or malformed values), on
 * an operation that changes nothing (an empty id on a DELETE may name a
 * whole collection on some servers), and not already among the malformed
 * values. */
static int empty_path_case(const json_t *op, const json_t *p) {
  const json_t *mv;
  size_t k;
  if (!json_object_get(p, "absent") && !json_object_get(p, "malformed"))
    return 0;
  if (json_is_true(json_object_get(op, "destructive")) || !cfm_json_str(op, "method") ||
      !strcmp(cfm_json_str(op, "method"), "DELETE"))
    return 0;
  json_array_foreach(json_object_get(p, "malformed"), k, mv) {
    if (json_is_string(mv) && !json_string_length(mv))
      return 0;
  }
  return 1;
}

/* What the error cases of one parameter share. */
typedef struct param_ctx {
  cfm_caselist *l;
  const cfm_spec *spec;
  const json_t *op, *req, *p;
  size_t oi, pi;
} param_ctx;

static int param_error_case(const param_ctx *x, const char *kind, json_t *value, json_t *rows,
                            const char *const *classes, const json_t *expect_prov, int silent,
                            const json_t *prov, const char *what, const char *id_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 10, 11)))
#endif
    ;

/* Adds the case "<vendor>.<op>.<id_fmt...>" of the given kind: the base
 * request with parameter p set to value (NULL: left out, for "required";
 * out of memory otherwise; an empty path value is sent as left out) must fail with
 * one of rows (or of classes).  Steals value and rows. */
static int param_error_case(const param_ctx *x, const char *kind, json_t *value, json_t *rows,
                            const char *const *classes, const json_t *expect_prov, int silent,
                            const json_t *prov, const char *what, const char *id_fmt, ...) {
  char tail[256];
  va_list ap;
  va_start(ap, id_fmt);
  vsnprintf(tail, sizeof(tail), id_fmt, ap);
  va_end(ap);
  return cfm__case_add(
      x->l, x->spec, cfm_json_str(x->op, "id"), kind,
      cfm__steps_with(
          x->op, cfm__main_step(x->op, cfm__vary(x->req, x->p, value, !strcmp(kind, "required")),
                                cfm__expect_error(rows, classes, expect_prov, silent, what))),
      prov, json_pack("[o]", cfm__cover(x->spec, "/operations/%zu/params/%zu", x->oi, x->pi)), 0,
      "%s.%s.%s", x->spec->vendor, cfm_json_str(x->op, "id"), tail);
}

static const char *const bad_classes[] = {"INVALID_ARGUMENT", NULL};
static const char *const type_trig[] = {"type", "invalid_param", NULL};

/* example: the document's own request, bound to live values; then the
 * other documented examples, each as sent. */
static int example_cases(const param_ctx *x) {
  const cfm_spec *spec = x->spec;
  const json_t *op = x->op, *ex = json_array_get(json_object_get(op, "examples"), 0), *ex2;
  const char *v = spec->vendor, *o = cfm_json_str(op, "id");
  const json_t *prov = ex ? json_object_get(ex, "provenance") : json_object_get(op, "provenance");
  json_t *covers = json_pack("[o]", cfm__cover(spec, "/operations/%zu/response", x->oi));
  size_t k;
  int rc;
  if (ex && json_array_append_new(covers, cfm__cover(spec, "/operations/%zu/examples/0", x->oi))) {
    json_decref(covers);
    covers = NULL;
  }
  rc = cfm__case_add(
      x->l, spec, o, "example",
      cfm__steps_with(op,
                      cfm__main_step(op, json_deep_copy(x->req),
                                     cfm__expect_success(op, prov, cfm__is_assumed(prov),
                                                         "the documented request succeeds with a "
                                                         "response that fits the documented "
                                                         "fields"))),
      prov, covers, 0, "%s.%s.example.%s", v, o, ex ? cfm_json_str(ex, "id") : "defaults");
  json_array_foreach(json_object_get(op, "examples"), k, ex2) {
    const json_t *body = json_object_get(json_object_get(ex2, "request"), "body");
    const json_t *eprov = json_object_get(ex2, "provenance");
    json_t *r2, *vv;
    const char *kk;
    char what[200];
    if (k == 0 || rc || !json_is_object(body))
      continue;
    r2 = json_deep_copy(x->req);
    if (json_object_set_new(r2, "body", json_deep_copy(body)))
      r2 = (json_decref(r2), NULL);
    json_object_foreach((json_t *)json_object_get(op, "bind"), kk, vv) {
      if (r2 && json_object_get(json_object_get(r2, "body"), kk) &&
          json_object_set(json_object_get(r2, "body"), kk, vv))
        r2 = (json_decref(r2), NULL);
    }
    snprintf(what, sizeof(what), "the documented request '%s' succeeds", cfm_json_str(ex2, "id"));
    rc = cfm__case_add(
        x->l, spec, o, "example",
        cfm__steps_with(
            op,
            cfm__main_step(op, r2, cfm__expect_success(op, eprov, cfm__is_assumed(eprov), what))),
        eprov, json_pack("[o]", cfm__cover(spec, "/operations/%zu/examples/%zu", x->oi, k)), 0,
        "%s.%s.example.%s", v, o, cfm_json_str(ex2, "id"));
  }
  return rc;
}

/* A body that is not JSON. */
static int bad_json_case(const param_ctx *x) {
  static const char *const parse_trig[] = {"invalid_param", NULL};
  const json_t *op = x->op;
  json_t *aprov = json_pack("{s:s}", "assumed", "a body that is not JSON is refused as invalid");
  json_t *st =
      cfm__main_step(op, json_deep_copy(x->req),
                     cfm__expect_error(cfm__rows_by_trigger(x->spec, op, parse_trig), bad_classes,
                                       aprov, 1, "a request body that is not JSON is refused"));
  int rc;
  if (st && json_object_set_new(st, "raw_body", json_string("{\"truncated\": ")))
    st = (json_decref(st), NULL);
  rc = cfm__case_add(x->l, x->spec, cfm_json_str(op, "id"), "robustness", cfm__steps_with(op, st),
                     aprov, json_pack("[o]", cfm__cover(x->spec, "/operations/%zu", x->oi)), 0,
                     "%s.%s.robustness.bad_json", x->spec->vendor, cfm_json_str(op, "id"));
  json_decref(aprov);
  return aprov ? rc : CFM_ENOMEM;
}

/* required: omit it (path parameters cannot be omitted from a path). */
static int required_case(const param_ctx *x) {
  static const char *const missing_trig[] = {"missing_required", "invalid_param", NULL};
  /* A path parameter cannot be left out of the path: send it empty.  Only
   * for ids the target looks up (the spec gives absent or malformed
   * values): the documents never say what that answers; an error of the
   * operation's own kinds or a plain not-found is what we expect. */
  static const char *const path_trig[] = {"missing_required", "invalid_param", "not_found",
                                          "malformed_id", NULL};
  static const char *const path_classes[] = {"INVALID_ARGUMENT", "NOT_FOUND", NULL};
  const json_t *p = x->p, *prov = json_object_get(p, "provenance");
  const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in");
  char what[200];
  json_t *aprov;
  int rc;
  if (!json_is_true(json_object_get(p, "required")))
    return CFM_EOK;
  if (strcmp(in, "path")) {
    snprintf(what, sizeof(what), "omitting the required %s '%s' is refused", in, name);
    return param_error_case(x, "required", NULL, cfm__rows_by_trigger(x->spec, x->op, missing_trig),
                            bad_classes, prov, cfm__is_assumed(prov), prov, what, "required.%s",
                            name);
  }
  if (!empty_path_case(x->op, p))
    return CFM_EOK;
  aprov =
      json_pack("{s:s}", "assumed", "an empty path parameter is refused as invalid or not found");
  snprintf(what, sizeof(what), "an empty path parameter '%s' is refused", name);
  rc = param_error_case(x, "required", json_string(""),
                        cfm__rows_by_trigger(x->spec, x->op, path_trig), path_classes, aprov, 1,
                        aprov, what, "required.%s", name);
  json_decref(aprov);
  return aprov ? rc : CFM_ENOMEM;
}

/* type: a value of the wrong JSON type (body only: query/path are text);
 * enum: a value outside the documented ones. */
static int type_cases(const param_ctx *x) {
  const json_t *p = x->p, *prov = json_object_get(p, "provenance");
  const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in"),
             *type = cfm_json_str(p, "type");
  char what[200];
  int rc = CFM_EOK;
  if (!strcmp(in, "body")) {
    json_t *wrong = !strcmp(type, "string")   ? json_integer(12345)
                    : !strcmp(type, "array")  ? json_string("not-an-array")
                    : !strcmp(type, "object") ? json_string("not-an-object")
                                              : json_string("not-a-number-or-boolean");
    json_t *sprov =
        json_pack("{s:s}", "assumed",
                  "the document gives the type; that other types are refused is our reading");
    snprintf(what, sizeof(what), "'%s' of the wrong JSON type is refused (documented as %s)", name,
             type);
    rc = param_error_case(x, "type", wrong, cfm__rows_by_trigger(x->spec, x->op, type_trig),
                          bad_classes, sprov, 1, prov, what, "type.%s", name);
    json_decref(sprov);
    if (!sprov)
      rc = CFM_ENOMEM;
  }
  if (!rc && json_is_array(json_object_get(p, "enum"))) {
    snprintf(what, sizeof(what), "'%s' outside its documented values is refused", name);
    rc = param_error_case(x, "enum", json_string("conform-not-listed"),
                          cfm__rows_by_trigger(x->spec, x->op, type_trig), bad_classes, prov, 1,
                          prov, what, "enum.%s", name);
  }
  return rc;
}

/* The steps of a not-found case whose id the run made itself: the
 * operation's set-up (which creates and captures the id the parameter is
 * bound to), the creator's clean-up deleting it, then the request with the
 * deleted id expecting rows/classes.  NULL (rows freed) when the parameter
 * is not bound to a created id. */
static json_t *deleted_id_steps(const param_ctx *x, json_t *rows, const char *const *classes,
                                const json_t *prov, const char *what) {
  const char *b = cfm_json_str(json_object_get(x->op, "bind"), cfm_json_str(x->p, "name"));
  const json_t *st, *cl = NULL;
  json_t *steps, *del, *req;
  char *text, *id, cap[128];
  size_t k;
  if (!b || strlen(b) < 4 || strncmp(b, "${", 2) || b[strlen(b) - 1] != '}' ||
      !strncmp(b, "${var.", 6) || !strncmp(b, "${run", 5)) {
    json_decref(rows);
    return NULL;
  }
  snprintf(cap, sizeof(cap), "%.*s", (int)(strlen(b) - 3 < 120 ? strlen(b) - 3 : 120), b + 2);
  json_array_foreach(json_object_get(x->op, "setup"), k, st) {
    const json_t *c = json_object_get(json_object_get(st, "capture"), cap);
    const json_t *cop = cfm_spec_operation(x->spec, cfm_json_str(st, "op"));
    const json_t *cr = json_object_get(cop, "creates");
    if (c && cr &&
        !strcmp(json_string_value(c) ? json_string_value(c) : "",
                cfm_json_str(cr, "id") ? cfm_json_str(cr, "id") : ""))
      cl = json_object_get(cr, "cleanup");
  }
  if (!cl || !(text = json_dumps(json_object_get(cl, "request"), JSON_COMPACT))) {
    json_decref(rows);
    return NULL;
  }
  /* The clean-up request names ${id}: here the captured ${<cap>}. */
  while ((id = strstr(text, "${id}")) != NULL) {
    char *n = malloc(strlen(text) + strlen(cap) + 1);
    if (!n)
      break;
    sprintf(n, "%.*s${%s}%s", (int)(id - text), text, cap, id + 5);
    free(text);
    text = n;
  }
  req = strstr(text, "${id}") ? NULL : json_loads(text, 0, NULL);
  free(text);
  del = req ? json_pack("{s:s, s:o, s:b}", "op", cfm_json_str(cl, "op"), "request", req, "setup", 1)
            : NULL;
  steps = cfm__steps_with(x->op, cfm__main_step(x->op, json_deep_copy(x->req),
                                                cfm__expect_error(rows, classes, prov, 0, what)));
  if (!del || !steps) {
    json_decref(del);
    json_decref(steps);
    return NULL;
  }
  if (json_array_insert_new(steps, json_array_size(steps) - 1, del)) {
    json_decref(steps);
    return NULL;
  }
  return steps;
}

/* not_found: a well-formed id the run created and deleted (or, for an id
 * not bound to a created resource, the spec's absent value), and
 * malformed ids. */
static int not_found_cases(const param_ctx *x) {
  static const char *const nf_trig[] = {"not_found", NULL};
  static const char *const malformed_trig[] = {"malformed_id", "not_found", "invalid_param", NULL};
  static const char *const nf_classes[] = {"NOT_FOUND", NULL};
  static const char *const malformed_classes[] = {"INVALID_ARGUMENT", "NOT_FOUND", NULL};
  const json_t *p = x->p, *prov = json_object_get(p, "provenance"), *mv;
  const char *name = cfm_json_str(p, "name");
  char what[200];
  size_t k;
  int rc = CFM_EOK;
  if (json_object_get(p, "absent")) {
    json_t *steps;
    snprintf(what, sizeof(what), "a '%s' that does not exist answers not found", name);
    /* An id the run created and deleted: never a stranger's resource. */
    steps =
        deleted_id_steps(x, cfm__rows_by_trigger(x->spec, x->op, nf_trig), nf_classes, prov, what);
    if (steps)
      rc = cfm__case_add(
          x->l, x->spec, cfm_json_str(x->op, "id"), "not_found", steps, prov,
          json_pack("[o]", cfm__cover(x->spec, "/operations/%zu/params/%zu", x->oi, x->pi)), 0,
          "%s.%s.not_found.%s", x->spec->vendor, cfm_json_str(x->op, "id"), name);
    else
      rc = param_error_case(x, "not_found", json_deep_copy(json_object_get(p, "absent")),
                            cfm__rows_by_trigger(x->spec, x->op, nf_trig), nf_classes, prov, 0,
                            prov, what, "not_found.%s", name);
  }
  json_array_foreach(json_object_get(p, "malformed"), k, mv) {
    json_t *mprov;
    if (rc)
      break;
    mprov =
        json_object_get(p, "malformed_provenance")
            ? json_incref(json_object_get(p, "malformed_provenance"))
            : json_pack("{s:s}", "assumed", "a malformed id is refused as invalid or not found");
    snprintf(what, sizeof(what), "a malformed '%s' is refused", name);
    rc = param_error_case(x, "not_found", json_deep_copy(mv),
                          malformed_rows(x->spec, x->op, p, malformed_trig), malformed_classes,
                          mprov, cfm__is_assumed(mprov), mprov, what, "malformed.%s.%zu", name, k);
    json_decref(mprov);
    if (!mprov)
      rc = CFM_ENOMEM;
  }
  return rc;
}

/* auth: each documented way a credential can be wrong. */
static int auth_cases(const param_ctx *x) {
  static const char *const auth_classes[] = {"UNAUTHENTICATED", "PERMISSION_DENIED", NULL};
  static const char *const modes[] = {"missing", "malformed", "expired", "wrong_app"};
  static const char *const mode_keys[] = {"missing", "invalid", "expired", "wrong_app"};
  static const char *const adjectives[] = {"missing", "malformed", "expired", "wrong-app"};
  const json_t *auth = json_object_get(json_object_get(x->spec->root, "transport"), "auth");
  const char *o = cfm_json_str(x->op, "id");
  size_t k;
  int rc = CFM_EOK;
  for (k = 0; k < 4 && !rc; k++) {
    const json_t *rows = json_object_get(json_object_get(auth, "errors"), mode_keys[k]);
    const json_t *prov = json_object_get(auth, "provenance"), *r0 = NULL;
    json_t *step, *exp;
    char what[200];
    snprintf(what, sizeof(what), "a %s credential is refused", adjectives[k]);
    if (json_array_size(rows))
      r0 = cfm_spec_error_row(x->spec, x->op, json_string_value(json_array_get(rows, 0)));
    if (r0)
      prov = json_object_get(r0, "provenance");
    exp = cfm__expect_error(json_array_size(rows) ? json_deep_copy(rows) : json_array(),
                            auth_classes, prov, !json_array_size(rows), what);
    step = cfm__main_step(x->op, json_deep_copy(x->req), exp);
    if (step && json_object_set_new(step, "auth", json_string(modes[k])))
      step = (json_decref(step), NULL);
    rc = cfm__case_add(x->l, x->spec, o, "auth", cfm__steps_with(x->op, step), prov,
                       json_pack("[o]", cfm__cover(x->spec, "/transport/auth")), 0, "%s.%s.auth.%s",
                       x->spec->vendor, o, modes[k]);
  }
  return rc;
}

int cfm__op_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi) {
  json_t *req = cfm__base_request(op);
  const json_t *p;
  size_t pi;
  param_ctx x = {l, spec, op, req, NULL, oi, 0};
  int rc;
  if (!req)
    return CFM_ENOMEM;
  rc = example_cases(&x);
  if (!rc && json_object_get(req, "body"))
    rc = bad_json_case(&x);
  json_array_foreach(json_object_get(op, "params"), pi, p) {
    if (rc)
      break;
    if (!strcmp(cfm_json_str(p, "in"), "header"))
      continue;
    x.p = p;
    x.pi = pi;
    rc = required_case(&x);
    if (!rc)
      rc = type_cases(&x);
    if (!rc)
      rc = not_found_cases(&x);
    if (!rc)
      rc = cfm__limit_cases(l, spec, op, oi, p, pi, req);
  }
  if (!rc)
    rc = auth_cases(&x);
  json_decref(req);
  return rc;
}
