/* conform — the verdict: one exchange judged against one step.
 *
 * Owns the verdict rules and their order (transport, throttle, API answer,
 * set-up, documented error rows and classes); an expected success (schema,
 * body checks, array caps, captures, created resources) is judged in
 * verdict_success.c.  Pure: must not do I/O, read the clock, resolve
 * templates or touch run state; everything it decides comes back in the
 * cfm_judgement. */
#include "conform/verdict.h"
#include "conform/jsonutil.h"
#include "verdict_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most resources one call may register for deletion. */
#define MAX_CREATED 1000

void cfm_verdict_vrecord(cfm_verdict *cur, char *reason, size_t rcap, json_t **cur_prov,
                         cfm_verdict v, const json_t *prov, const char *fmt, va_list ap) {
  if (*cur == CFM_VERDICT_FAIL || *cur == CFM_VERDICT_ERROR)
    return;
  if (v == CFM_VERDICT_WARN && *cur == CFM_VERDICT_WARN)
    return;
  *cur = v;
  vsnprintf(reason, rcap, fmt, ap);
  if (prov && json_is_object(prov)) {
    json_decref(*cur_prov);
    *cur_prov = json_deep_copy(prov);
  }
}

void cfm_judgement_set(cfm_judgement *j, cfm_verdict v, const json_t *prov, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cfm_verdict_vrecord(&j->verdict, j->reason, sizeof(j->reason), &j->provenance, v, prov, fmt, ap);
  va_end(ap);
}

void cfm_judgement_release(cfm_judgement *j) {
  json_decref(j->provenance);
  json_decref(j->captures);
  json_decref(j->created);
  j->provenance = j->captures = j->created = NULL;
}

static int in_list(const json_t *list, const char *s) {
  size_t i;
  const json_t *v;
  json_array_foreach(list, i, v) {
    if (json_is_string(v) && !strcmp(json_string_value(v), s))
      return 1;
  }
  return 0;
}

void cfm_verdict_map(const cfm_spec *spec, const json_t *op, const cfm_http_response *res,
                     cfm_mapped *m) {
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  cfm_errmap_map(cfm_spec_error_model(spec), tables, 2, res->status, res->body, res->len, m);
}

int cfm_verdict_is_throttle(const cfm_spec *spec, long status, const cfm_mapped *m) {
  const json_t *th = json_object_get(json_object_get(spec->root, "transport"), "throttle");
  const json_t *v;
  size_t i;
  json_array_foreach(json_object_get(th, "status"), i, v) {
    if (json_integer_value(v) == status && m->is_error)
      return 1;
  }
  if (!m->code[0])
    return 0;
  json_array_foreach(json_object_get(th, "codes"), i, v) {
    char text[64];
    if (!strcmp(cfm_json_scalar_text(v, text, sizeof(text)), m->code))
      return 1;
  }
  return 0;
}

int cfm_verdict_is_api_answer(const cfm_http_response *res) {
  size_t i = 0;
  if (res->error)
    return 0;
  if (res->status == 429 || (res->content_type && strstr(res->content_type, "json")))
    return 1;
  while (i < res->len && isspace((unsigned char)res->body[i]))
    i++;
  return i < res->len && (res->body[i] == '{' || res->body[i] == '[');
}

/* 1 when the body is empty or only white space. */
static int empty_body(const cfm_http_response *res) {
  size_t i = 0;
  while (i < res->len && isspace((unsigned char)res->body[i]))
    i++;
  return i == res->len;
}

/* 1 if the expectation names no HTTP status or res has it; otherwise
 * records the verdict `bad` and returns 0. */
int cfm__verdict_status_as_expected(cfm_judgement *j, cfm_verdict bad, const cfm_expect *e,
                                    const cfm_http_response *res) {
  if (!e->has_status || e->status == res->status)
    return 1;
  cfm_judgement_set(j, bad, e->provenance, "expected HTTP %ld, got %ld", e->status, res->status);
  return 0;
}

/* The same code with another message: the message is documented too.
 * Returns 1 matched, 0 mismatch recorded, -1 no row of that code. */
static int judge_same_code(const cfm_spec *spec, const json_t *op, const cfm_expect *e,
                           const cfm_http_response *res, const cfm_mapped *m, cfm_judgement *j) {
  size_t i;
  const json_t *r;
  json_array_foreach(e->errors, i, r) {
    const json_t *row = cfm_spec_error_row(spec, op, json_string_value(r));
    char code[128];
    cfm_json_scalar_text(json_object_get(row, "code"), code, sizeof(code));
    if (row && !strcmp(code, m->code) &&
        json_integer_value(json_object_get(row, "status")) == res->status) {
      if (cfm_errmap_message_matches(row, m->message, strlen(m->message)) == 1)
        return 1;
      if (!e->silent) {
        cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(row, "provenance"),
                          "%s: code %s as documented, but message '%.150s' does not match '%.150s'",
                          e->what, m->code, m->message, cfm_json_str(row, "message"));
        return 0;
      }
    }
  }
  return -1;
}

/* The id an accepted should-be-refused create answered: a created resource
 * like any other, reported for clean-up.  Returns 0, or -1 out of memory. */
static int accepted_created(const cfm_spec *spec, const json_t *op, const cfm_http_response *res,
                            cfm_judgement *j) {
  const json_t *cr = json_object_get(op, "creates"), *id;
  json_t *body, *e;
  int rc = 0;
  if (!cr || !res->len || j->created)
    return 0;
  body = cfm_json_parse(res->body, res->len, 1u << 24, NULL, 0);
  id = body ? cfm_json_pointer(body, cfm_json_str(cr, "id")) : NULL;
  if (id && !json_is_object(id) && !json_is_array(id) && !json_is_null(id)) {
    e = json_pack("{s:s, s:s?, s:O}", "vendor", spec->vendor, "op",
                  cfm_json_str(json_object_get(cr, "cleanup"), "op"), "id", id);
    if (!e || !(j->created = json_array()) || json_array_append_new(j->created, e))
      rc = -1;
  }
  json_decref(body);
  return rc;
}

/* The accepted answers of an expectation, for a reason: every candidate
 * row ("error bad_group_id (HTTP 200, code 10015) or error group_not_found
 * (HTTP 200, code 10010)") or class ("class NOT_FOUND or INVALID_ARGUMENT"). */
static void candidates(const cfm_spec *spec, const json_t *op, const json_t *list, int rows,
                       char *out, size_t cap) {
  size_t i, n = 0;
  const json_t *v;
  out[0] = '\0';
  json_array_foreach(list, i, v) {
    const char *id = json_string_value(v);
    const json_t *row = rows ? cfm_spec_error_row(spec, op, id) : NULL;
    char code[128];
    if (!id || n + 1 >= cap)
      continue;
    cfm_json_scalar_text(json_object_get(row, "code"), code, sizeof(code));
    if (row)
      snprintf(out + n, cap - n, "%s%s %s (HTTP %lld%s%s)", i ? " or " : "", "error", id,
               (long long)json_integer_value(json_object_get(row, "status")),
               code[0] ? ", code " : "", code);
    else
      snprintf(out + n, cap - n, "%s%s%s",
               i      ? " or "
               : rows ? "error "
                      : "class ",
               rows ? (i ? "error " : "") : "", id);
    n = strlen(out);
  }
}

/* An error is expected. */
static int judge_error(const cfm_spec *spec, const json_t *op, const cfm_expect *e,
                       const cfm_http_response *res, const cfm_mapped *m, cfm_judgement *j) {
  cfm_verdict bad = e->silent ? CFM_VERDICT_WARN : CFM_VERDICT_FAIL;
  const char *rid = m->row ? cfm_json_str(m->row, "id") : NULL;
  int class_ok = !e->classes || in_list(e->classes, cfm_class_name(m->cls));
  char want[300];
  if (!m->is_error && e->read_back)
    return -2; /* accepted: the read-back steps decide */
  if (!m->is_error) {
    cfm_judgement_set(j, bad, e->provenance, "expected: %s; the target accepted it (HTTP %ld)",
                      e->what, res->status);
    return accepted_created(spec, op, res, j) < 0 ? -1 : 0;
  }
  if (!cfm__verdict_status_as_expected(j, bad, e, res))
    return 0;
  if (empty_body(res)) {
    cfm_judgement_set(j, CFM_VERDICT_WARN, e->provenance,
                      "%s: HTTP %ld as documented, but with an empty body (no documented error "
                      "body)",
                      e->what, res->status);
    return 1;
  }
  if (e->errors) {
    int same;
    if (rid && in_list(e->errors, rid) &&
        cfm_errmap_message_matches(m->row, m->message, strlen(m->message)) == 1) {
      if (json_array_size(e->errors) > 1) /* a candidate set: say which row answered */
        cfm_judgement_set(j, CFM_VERDICT_PASS, NULL, "as documented: error %s (HTTP %ld, code %s)",
                          rid, res->status, m->code);
      return 1;
    }
    if ((same = judge_same_code(spec, op, e, res, m, j)) >= 0)
      return same;
    if (e->silent && class_ok)
      return 1;
    candidates(spec, op, e->errors, 1, want, sizeof(want));
    cfm_judgement_set(j, bad, e->provenance, "expected: %s (%s); got HTTP %ld %s%s%s", e->what,
                      want, res->status, m->code[0] ? m->code : "(no code)",
                      m->message[0] ? ": " : "", m->message);
    return 0;
  }
  if (!class_ok) {
    candidates(spec, op, e->classes, 0, want, sizeof(want));
    cfm_judgement_set(j, bad, e->provenance, "expected: %s (%s); got HTTP %ld %s, class %s",
                      e->what, want, res->status, m->code[0] ? m->code : "(no code)",
                      cfm_class_name(m->cls));
    return 0;
  }
  if (m->cls == CFM_CLASS_UNKNOWN)
    cfm_judgement_set(j, CFM_VERDICT_WARN, e->provenance, "error code %s is in no documented table",
                      m->code);
  return 1;
}

/* 1 when op comes from a seed document (provenance "doc"); fixture
 * operations from a secondary source or an assumption are preconditions. */
static int seed_operation(const json_t *op) {
  return json_object_get(json_object_get(op, "provenance"), "doc") != NULL;
}

/* 1 when st is the status of the expectation or of one of its rows, and
 * the status alone carries the error (the model's http_errors). */
static int documented_status(const cfm_spec *spec, const json_t *op, const cfm_expect *e, long st) {
  size_t i;
  const json_t *r;
  if (json_is_false(json_object_get(cfm_spec_error_model(spec), "http_errors")))
    return 0;
  if (e->has_status)
    return e->status == st;
  json_array_foreach(e->errors, i, r) {
    if (json_integer_value(
            json_object_get(cfm_spec_error_row(spec, op, json_string_value(r)), "status")) == st)
      return 1;
  }
  return 0;
}

/* The error model on every answer that is a JSON object: the code and the
 * message have their documented types, and the status field (when the
 * model has one) agrees with the code.  Returns 1 when it holds. */
static int error_model_holds(const cfm_spec *spec, const cfm_http_response *res, cfm_judgement *j) {
  const json_t *model = cfm_spec_error_model(spec), *prov = json_object_get(model, "provenance");
  const json_t *sf = json_object_get(model, "status_field");
  const char *code_ptr = cfm_json_str(model, "code"), *msg_ptr = cfm_json_str(model, "message");
  const char *code_type = cfm_json_str(model, "code_type");
  json_t *doc = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0);
  const json_t *code, *msg;
  int ok = 1;
  if (!json_is_object(doc)) {
    json_decref(doc);
    return 1;
  }
  code = code_ptr ? cfm_json_pointer(doc, code_ptr) : NULL;
  msg = msg_ptr ? cfm_json_pointer(doc, msg_ptr) : NULL;
  if (code && code_type &&
      ((!strcmp(code_type, "integer") && !json_is_integer(code)) ||
       (!strcmp(code_type, "string") && !json_is_string(code)))) {
    cfm_judgement_set(j, CFM_VERDICT_FAIL, prov, "the error code at %s is not of type %s", code_ptr,
                      code_type);
    ok = 0;
  } else if (msg && !json_is_string(msg)) {
    cfm_judgement_set(j, CFM_VERDICT_FAIL, prov, "the error message at %s is not a string",
                      msg_ptr);
    ok = 0;
  } else if (sf && code) {
    const char *sp = cfm_json_str(sf, "pointer");
    const json_t *st = sp ? cfm_json_pointer(doc, sp) : NULL;
    const json_t *succ = json_object_get(model, "success_code");
    int success = succ ? json_equal(code, (json_t *)succ) : json_integer_value(code) == 0;
    const char *want = cfm_json_str(sf, success ? "ok" : "fail");
    char text[64];
    if (want && (!json_is_string(st) || strcmp(json_string_value(st), want))) {
      cfm_json_scalar_text(code, text, sizeof(text));
      cfm_judgement_set(j, CFM_VERDICT_FAIL, prov, "%s is %s with code %s; the documents say %s",
                        sp, json_is_string(st) ? json_string_value(st) : "missing", text, want);
      ok = 0;
    }
  }
  json_decref(doc);
  return ok;
}

/* The rules every response meets first: transport, throttle, redirects,
 * fixture routes the target lacks, API answer, error model, set-up
 * failure.  Returns 1 when judging goes on. */
static int judge_transport(const cfm_spec *spec, const json_t *op, const cfm_step *step, int setup,
                           const cfm_http_response *res, const cfm_mapped *m, cfm_judgement *j) {
  const json_t *prov = step->expect.provenance;
  if (cfm_verdict_is_throttle(spec, res->status, m)) {
    cfm_judgement_set(j, CFM_VERDICT_SKIP, prov,
                      "throttled after %u attempts (HTTP %ld %s); not a contract failure",
                      res->attempts, res->status, m->code);
    return 0;
  }
  if (res->status >= 300 && res->status < 400) {
    cfm_judgement_set(j, CFM_VERDICT_ERROR, prov,
                      "redirect to %s not followed (HTTP %ld): the base URL is not the API's",
                      res->location && *res->location ? res->location : "(no Location)",
                      res->status);
    return 0;
  }
  if (!seed_operation(op) && (res->status == 404 || res->status == 405) && !m->row) {
    cfm_judgement_set(j, CFM_VERDICT_SKIP, json_object_get(op, "provenance"),
                      "precondition unmet: the target does not serve %s (HTTP %ld on the route); "
                      "a fixture operation, not a seed statement",
                      step->op ? step->op : "?", res->status);
    return 0;
  }
  if (!cfm_verdict_is_api_answer(res) &&
      !(empty_body(res) && step->expect.outcome == CFM_OUTCOME_ERROR && !setup &&
        documented_status(spec, op, &step->expect, res->status))) {
    cfm_judgement_set(j, CFM_VERDICT_ERROR, prov,
                      "the target answered HTTP %ld with %s, not JSON: is it the API (a proxy or "
                      "gateway page)?",
                      res->status,
                      res->content_type && res->content_type[0] ? res->content_type
                                                                : "no Content-Type");
    return 0;
  }
  if (!error_model_holds(spec, res, j))
    return 0;
  if (setup && m->is_error) {
    cfm_judgement_set(j, CFM_VERDICT_SKIP, prov,
                      "set-up step %s failed (HTTP %ld, %s %s); the case could not run",
                      step->op ? step->op : "?", res->status, m->code, m->message);
    return 0;
  }
  return 1;
}

/* An error expectation with read-back steps: a refusal ends the case
 * (nothing to read back); an acceptance (rc -2) yields the captures and
 * the created resource and goes on to the read-back.  Returns the rc the
 * judgement continues with. */
static int read_back_or_end(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                            const cfm_http_response *res, int rc, cfm_judgement *j) {
  json_t *body;
  if (!step->expect.read_back)
    return rc;
  if (rc != -2)
    return rc == 1 ? 0 : rc;
  body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0);
  rc = body ? cfm__verdict_yield_values(spec, op, step, body, j) : 0;
  if (!body)
    cfm_judgement_set(j, CFM_VERDICT_WARN, step->expect.provenance,
                      "the target accepted it (HTTP %ld) with a body that is not JSON",
                      res->status);
  json_decref(body);
  return rc;
}

int cfm_verdict_judge(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                      const json_t *checks, int setup, const cfm_exchange *ex, cfm_judgement *out) {
  const cfm_http_response *res = ex->response;
  cfm_mapped m;
  int rc;
  memset(out, 0, sizeof(*out));
  out->verdict = CFM_VERDICT_PASS;
  setup = setup || step->setup;
  if (!checks)
    checks = step->expect.body;
  if (res->error) {
    cfm_judgement_set(out, CFM_VERDICT_ERROR, step->expect.provenance, "%s: %s",
                      cfm_err_name(res->error), res->error_text);
    return CFM_EOK;
  }
  cfm_verdict_map(spec, op, res, &m);
  out->mapped = 1;
  out->row = m.row;
  snprintf(out->code, sizeof(out->code), "%s", m.code);
  snprintf(out->cls, sizeof(out->cls), "%s", cfm_class_name(m.cls));
  if (!judge_transport(spec, op, step, setup, res, &m, out))
    return CFM_EOK;
  if (setup || step->expect.outcome == CFM_OUTCOME_SUCCESS)
    rc = cfm__verdict_judge_success(spec, op, step, checks, setup, res, &m, out);
  else
    rc = read_back_or_end(spec, op, step, res, judge_error(spec, op, &step->expect, res, &m, out),
                          out);
  if (rc < 0) {
    cfm_judgement_release(out);
    out->verdict = CFM_VERDICT_PASS;
    cfm_judgement_set(out, CFM_VERDICT_ERROR, NULL, "out of memory");
    return CFM_ENOMEM;
  }
  out->go_on = rc == 1;
  return CFM_EOK;
}
