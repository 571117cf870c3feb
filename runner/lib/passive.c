/* conform — passive expectations: what the documents say about one observed
 * exchange, whatever the client meant.
 *
 * The request is checked first (passive_request.c: credentials present,
 * required fields, types, enums, malformed values, limits); what it breaks
 * is held against the client (a warn) and decides what the target must
 * answer: a refusal (the documented error row when the statement names
 * one).  A request the documents accept may get a success (status, schema,
 * clamped list sizes) or a documented error (row, status and message
 * pattern).  That expectation is written as a step and judged by
 * cfm_verdict_judge, so passive and active verdicts follow one set of
 * rules.  This file owns the expectation and cfm_passive_judge, plus a
 * documented code under another HTTP status; it must not keep state across
 * exchanges (passive_stream.c: a deleted resource answers not-found, cursor
 * paging). */
#include "passive_internal.h"
#include "conform/jsonutil.h"
#include "conform/step.h"
#include "conform/verdict.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void cfm_passive_result_release(cfm_passive_result *r) {
  cfm_match_release(&r->match);
  json_decref(r->provenance);
  json_decref(r->client_provenance);
  r->provenance = r->client_provenance = NULL;
}

/* The array a list answer holds (for clamps): the response schema's array
 * property whose name sorts first. */
static void list_array(const json_t *op, char *buf, size_t cap) {
  const json_t *props =
      json_object_get(json_object_get(json_object_get(op, "response"), "schema"), "properties");
  const char *k, *best = NULL;
  json_t *v;
  json_object_foreach((json_t *)props, k, v) {
    if (cfm_json_str(v, "type") && !strcmp(cfm_json_str(v, "type"), "array") &&
        (!best || strcmp(k, best) < 0))
      best = k;
  }
  buf[0] = '\0';
  if (best)
    cfm_json_pointer_append(buf, cap, best);
}

/* The ids of the error rows of op, then of the transport, whose trigger
 * is trigger (new reference, maybe empty; NULL out of memory). */
static json_t *rows_with(const cfm_spec *spec, const json_t *op, const char *trigger) {
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  json_t *ids = json_array();
  const json_t *row;
  size_t t, i;
  for (t = 0; t < 2 && ids; t++) {
    json_array_foreach(tables[t], i, row) {
      const char *tr = cfm_json_str(row, "trigger"), *id = cfm_json_str(row, "id");
      if (tr && id && !strcmp(tr, trigger) && json_array_append_new(ids, json_string(id))) {
        json_decref(ids);
        return NULL;
      }
    }
  }
  return ids;
}

/* The expectation the observed request calls for (new reference). */
static json_t *expectation(const cfm_spec *spec, const json_t *op, const violation *vi,
                           const json_t *clamp, const json_t *absent,
                           const cfm_http_response *res) {
  const json_t *resp = json_object_get(op, "response");
  json_t *e;
  if (vi->found && vi->trigger && !vi->many) {
    e = json_pack("{s:s, s:s++, s:O?, s:b, s:o*}", "outcome", "error", "what",
                  "a malformed value is refused with the documented error (", vi->why, ")",
                  "provenance", vi->prov, "silent", vi->silent, "errors",
                  vi->errors ? json_deep_copy(vi->errors) : rows_with(spec, op, vi->trigger));
    if (e && !json_array_size(json_object_get(e, "errors")))
      json_object_del(e, "errors");
    return e;
  }
  if (!vi->found && absent) {
    json_t *rows = rows_with(spec, op, "not_found");
    if (rows && json_array_size(rows))
      return json_pack("{s:s, s:s+, s:O?, s:o}", "outcome", "error", "what",
                       "an id that does not exist (never created, or deleted earlier in the "
                       "stream) answers the documented not-found error: ",
                       cfm_json_str(absent, "name"), "provenance",
                       json_object_get(absent, "provenance"), "errors", rows);
    json_decref(rows);
  }
  if (vi->found) {
    e = json_pack("{s:s, s:s++, s:O?, s:b}", "outcome", "error", "what",
                  "a request that breaks a documented statement is refused (", vi->why, ")",
                  "provenance", vi->prov, "silent", vi->silent);
    if (e && !vi->many && (vi->error || vi->errors)) {
      json_t *ids = vi->errors ? json_deep_copy(vi->errors) : json_pack("[s]", vi->error);
      const json_t *row = vi->error ? cfm_spec_error_row(spec, op, vi->error) : NULL;
      json_object_set_new(e, "errors", ids);
      if (row && json_object_get(row, "status"))
        json_object_set(e, "status", json_object_get(row, "status"));
    }
    return e;
  }
  {
    cfm_mapped m;
    cfm_verdict_map(spec, op, res, &m);
    /* A value above a clamped range is served, not refused. */
    if (m.is_error && !clamp) {
      e = json_pack("{s:s, s:s}", "outcome", "error", "what", "a documented error");
      if (e && m.row && cfm_json_str(m.row, "id")) {
        json_object_set_new(e, "errors", json_pack("[s]", cfm_json_str(m.row, "id")));
        json_object_set(e, "provenance", json_object_get(m.row, "provenance"));
      }
      return e;
    }
  }
  e = json_pack("{s:s, s:s, s:O?}", "outcome", "success", "what", "the documented answer",
                "provenance", json_object_get(resp, "provenance"));
  if (e && json_object_get(resp, "status"))
    json_object_set(e, "status", json_object_get(resp, "status"));
  if (e && clamp) {
    char ptr[128];
    list_array(op, ptr, sizeof(ptr));
    if (ptr[0])
      json_object_set_new(e, "array_max",
                          json_pack("{s:s, s:O}", "pointer", ptr, "max",
                                    json_object_get(clamp, "clamp_to")
                                        ? json_object_get(clamp, "clamp_to")
                                        : json_object_get(clamp, "max")));
    json_object_set(e, "provenance", json_object_get(clamp, "provenance"));
  }
  return e;
}

/* A code the tables document, answered under another HTTP status; an API
 * error under an HTTP status the error model excludes. */
static void check_code_status(const cfm_spec *spec, const json_t *op, const cfm_http_response *res,
                              cfm_judgement *j) {
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  cfm_mapped m;
  size_t t, i;
  const json_t *row;
  const json_t *model = cfm_spec_error_model(spec);
  cfm_verdict_map(spec, op, res, &m);
  if (json_is_false(json_object_get(model, "http_errors")) && res->status != 200 &&
      cfm_verdict_is_api_answer(res) && !cfm_verdict_is_throttle(spec, res->status, &m)) {
    const json_t *ok;
    int listed = 0;
    json_array_foreach(json_object_get(model, "success_status"), i, ok) {
      listed |= json_integer_value(ok) == res->status;
    }
    if (!listed) {
      cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(model, "provenance"),
                        "API errors come with HTTP 200 in this error model; got HTTP %ld",
                        res->status);
      return;
    }
  }
  if (!m.is_error || m.row || !m.code[0])
    return;
  for (t = 0; t < 2; t++) {
    json_array_foreach(tables[t], i, row) {
      char code[128];
      cfm_json_scalar_text(json_object_get(row, "code"), code, sizeof(code));
      if (!strcmp(code, m.code)) {
        cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(row, "provenance"),
                          "error %s is documented with HTTP %lld (row %s), got HTTP %ld", m.code,
                          (long long)json_integer_value(json_object_get(row, "status")),
                          cfm_json_str(row, "id") ? cfm_json_str(row, "id") : "?", res->status);
        return;
      }
    }
  }
}

/* "no documented operation" with the nearest candidates. */
static void unmatched(const cfm_http_request *req, cfm_passive_result *out) {
  size_t i;
  int n = snprintf(out->reason, sizeof(out->reason), "no documented operation for %s %.200s",
                   req->method ? req->method : "?", req->url ? req->url : "?");
  for (i = 0; i < out->match.nnear && n > 0 && (size_t)n < sizeof(out->reason); i++)
    n += snprintf(out->reason + n, sizeof(out->reason) - (size_t)n, "%s%s",
                  i ? ", " : "; nearest: ", out->match.near[i]);
  out->verdict = CFM_VERDICT_SKIP;
}

/* The request's view: query and body parsed.  Returns CFM_EOK or CFM_ENOMEM. */
static int read_request(const cfm_http_request *req, const cfm_match *mt, req_view *rv) {
  rv->req = req;
  rv->path = mt->path_params;
  if (!(rv->query = cfm__passive_parse_query(req->url ? req->url : "")))
    return CFM_ENOMEM;
  if (req->body && req->body_len) {
    rv->body = cfm_json_parse(req->body, req->body_len, 16u << 20, NULL, 0);
    if (!json_is_object(rv->body)) {
      rv->body_bad = 1;
      json_decref(rv->body);
      rv->body = NULL;
    }
  }
  return CFM_EOK;
}

/* What the request breaks: vi for the target to refuse, hv the client's
 * header mistakes; *clamp and *absent as cfm__passive_check_params. */
static void check_request(const cfm_match *mt, const req_view *rv, const cfm_passive_stream *s,
                          violation *vi, violation *hv, const json_t **clamp,
                          const json_t **absent) {
  const char *auth_header = NULL;
  cfm__passive_check_auth(mt->spec, rv, vi, &auth_header);
  if (rv->body_bad) {
    json_t *prov = json_object_get(json_object_get(mt->op, "request"), "provenance");
    cfm__passive_violate(vi, prov ? prov : json_object_get(mt->op, "provenance"), NULL,
                         "the request body is not a JSON object");
  }
  cfm__passive_check_params(mt->op, rv, vi, hv, clamp, auth_header, absent);
  if (!rv->body_bad)
    cfm__passive_request_rules(mt->spec, mt->op, rv, s, vi);
  if (!*absent)
    *absent = cfm__passive_deleted_param(mt->spec, mt->op, rv, s);
}

/* The client's verdict: what its request breaks, a warn. */
static void client_verdict(const violation *vi, const violation *hv, cfm_passive_result *out) {
  const violation *cv = vi->found ? vi : hv;
  if (!cv->found)
    return;
  out->client = CFM_VERDICT_WARN;
  snprintf(out->client_reason, sizeof(out->client_reason), "client: %.360s%s", cv->why,
           cv->many || (vi->found && hv->found) ? " (and more)" : "");
  if (json_is_object(cv->prov))
    out->client_provenance = json_deep_copy(cv->prov);
}

/* Judges the answer against exp and the stream's rules into out. */
static int judge_answer(const cfm_match *mt, const req_view *rv, cfm_passive_stream *s,
                        const cfm_http_response *res, const json_t *exp, int request_ok,
                        cfm_passive_result *out) {
  cfm_exchange ex = {rv->req, res};
  cfm_step step;
  cfm_judgement j;
  json_t *stepj = json_pack("{s:s, s:O}", "op", cfm_json_str(mt->op, "id"), "expect", exp);
  int rc;
  if (!stepj || cfm_step_decode(stepj, &step)) {
    json_decref(stepj);
    return CFM_ENOMEM;
  }
  rc = cfm_verdict_judge(mt->spec, mt->op, &step, NULL, 0, &ex, &j);
  json_decref(stepj);
  if (rc)
    return rc;
  if (j.verdict == CFM_VERDICT_PASS)
    check_code_status(mt->spec, mt->op, res, &j);
  if (cfm__passive_stream_rules(mt->spec, mt->op, rv, s, res, &j) ||
      cfm__passive_walk_rule(mt->spec, mt->op, rv, s, res, &j) ||
      cfm__passive_note_lives(mt->spec, mt->op, rv, s, res) ||
      cfm__passive_fact_rules(mt->spec, mt->op, rv, s, res, request_ok, &j))
    rc = CFM_ENOMEM;
  out->verdict = j.verdict;
  snprintf(out->reason, sizeof(out->reason), "%s", j.reason);
  out->provenance = j.provenance;
  j.provenance = NULL;
  snprintf(out->code, sizeof(out->code), "%s", j.code);
  snprintf(out->cls, sizeof(out->cls), "%s", j.cls);
  cfm_judgement_release(&j);
  return rc;
}

int cfm_passive_judge(const cfm_specset *set, cfm_passive_stream *s, const cfm_http_request *req,
                      const cfm_http_response *res, cfm_passive_result *out) {
  passive_facts f = {(int64_t)time(NULL), 0, 0, 0, 0, 0, -1};
  return cfm__passive_judge_facts(set, s, req, res, &f, out);
}

int cfm_passive_judge_at(const cfm_specset *set, cfm_passive_stream *s, const cfm_http_request *req,
                         const cfm_http_response *res, double started_ms, cfm_passive_result *out) {
  passive_facts f = {(int64_t)(started_ms / 1000.0), 0, 0, 0, started_ms, 0.001, res->duration_ms};
  return cfm__passive_judge_facts(set, s, req, res, &f, out);
}

int cfm__passive_judge_facts(const cfm_specset *set, cfm_passive_stream *s,
                             const cfm_http_request *req, const cfm_http_response *res,
                             const passive_facts *f, cfm_passive_result *out) {
  req_view rv;
  violation vi, hv;
  const json_t *clamp = NULL, *absent = NULL;
  json_t *exp = NULL;
  int rc;
  memset(out, 0, sizeof(*out));
  memset(&rv, 0, sizeof(rv));
  memset(&vi, 0, sizeof(vi));
  memset(&hv, 0, sizeof(hv));
  out->verdict = CFM_VERDICT_PASS;
  out->client = CFM_VERDICT_PASS;
  rc = cfm_match_request(set, req->method, req->url, &out->match);
  if (rc)
    return rc;
  if (s)
    s->entries++;
  if (!out->match.op) {
    unmatched(req, out);
    return CFM_EOK;
  }
  rv.facts = f;
  if ((rc = read_request(req, &out->match, &rv)))
    goto out;
  check_request(&out->match, &rv, s, &vi, &hv, &clamp, &absent);
  client_verdict(&vi, &hv, out);
  exp = expectation(out->match.spec, out->match.op, &vi, clamp, absent, res);
  rc = exp ? judge_answer(&out->match, &rv, s, res, exp, !vi.found, out) : CFM_ENOMEM;
out:
  json_decref(exp);
  json_decref(rv.query);
  json_decref(rv.body);
  if (rc)
    cfm_passive_result_release(out);
  return rc;
}
