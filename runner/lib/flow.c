/* conform — the case queue and each case's state machine.
 *
 * Owns the order of a case's steps: decoding the current step, building
 * its request (request.c), handing it to the executor, merging the
 * verdict's judgement (verdict.c) into the case, applying captures and
 * created ids, and reporting the finished case.  Must not judge a response
 * itself nor know any vendor: rules live in verdict.c, facts in the specs. */
#include "run_internal.h"

#include "conform/coverage.h"
#include "conform/jsonutil.h"
#include "conform/repro.h"
#include "conform/sanitize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A clamp at 1,000 made observable creates 1,001. */
#define MAX_CREATED CFM_CASE_MAX_CREATED
/* Requests per second of an operation without a documented rate, against
 * a live target (docs/config.md "Pacing"). */
#define DEFAULT_LIVE_RPS 5.0

void cfm__case_set(cfm__case_run *cs, cfm_verdict v, const json_t *prov, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cfm_verdict_vrecord(&cs->verdict, cs->reason, sizeof(cs->reason), &cs->prov, v, prov, fmt, ap);
  va_end(ap);
}

void cfm__case_tmpl(const cfm__case_run *cs, cfm_tmpl *t) {
  memset(t, 0, sizeof(*t));
  t->run_prefix = cs->run->prefix;
  t->iter = cs->iter;
  t->vars = cs->vars;
  t->spec = cs->c->spec;
  t->target = cfm_config_target(cs->run->cfg, cs->c->spec->vendor);
}

/* The body checks of the current step with ${...} resolved in the
 * expected values (new reference; NULL when the step has none). */
static json_t *resolved_checks(const cfm__case_run *cs) {
  const json_t *chk;
  json_t *out;
  cfm_tmpl t;
  size_t i;
  if (!cs->cur.expect.body)
    return NULL;
  cfm__case_tmpl(cs, &t);
  out = json_deep_copy(cs->cur.expect.body);
  json_array_foreach(out, i, chk) {
    static const char *const keys[] = {"equals", "contains"};
    size_t k;
    for (k = 0; k < 2; k++) {
      const json_t *w = json_object_get(chk, keys[k]);
      if (w)
        json_object_set_new((json_t *)chk, keys[k], cfm_tmpl_resolve(&t, w, NULL, 0));
    }
  }
  return out;
}

/* Applies a judgement to the case: verdict, observations, captures and
 * the resources the call created. */
static void merge(cfm__case_run *cs, const cfm_judgement *j) {
  const char *name;
  json_t *val;
  size_t i;
  if (j->verdict != CFM_VERDICT_PASS)
    cfm__case_set(cs, j->verdict, j->provenance, "%s", j->reason);
  else if (j->reason[0] && cs->verdict == CFM_VERDICT_PASS) /* e.g. the candidate row matched */
    snprintf(cs->reason, sizeof(cs->reason), "%s", j->reason);
  if (j->mapped) {
    snprintf(cs->code, sizeof(cs->code), "%s", j->code);
    snprintf(cs->cls, sizeof(cs->cls), "%s", j->cls);
  }
  json_object_foreach(j->captures, name, val) {
    if (cs->cur.repeat_given) {
      json_t *list = json_object_get(cs->vars, name);
      if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(cs->vars, name, list);
      }
      json_array_append(list, val);
    } else {
      json_object_set(cs->vars, name, val);
    }
  }
  json_array_foreach(j->created, i, val) {
    char key[300], text[256];
    cfm_json_scalar_text(json_object_get(val, "id"), text, sizeof(text));
    snprintf(key, sizeof(key), "%s/%s", cs->c->spec->vendor, text);
    json_object_set_new(cs->run->created_ids, key, json_true());
    if (!cs->run->opt->dry_run && cfm_ledger_note(&cs->run->ledger, "created", val,
                                                  cfm__run_live(cs->run, cs->c->spec->vendor)) != 0)
      cs->run->report_error = 1;
    if (json_array_size(cs->created) < MAX_CREATED)
      json_array_append(cs->created, val);
  }
}

int cfm__run_live(const cfm__run *rh, const char *vendor) {
  const cfm_target *t = cfm_config_target(rh->cfg, vendor);
  /* one loopback rule for the whole run (target_local.c): "127.0.0.1.example"
   * is not local */
  return rh->opt->assume_live || !t || !cfm_target_is_local(t->base_url);
}

/* The id a destructive call names that this run did not create, into why
 * (1), or 0 when the call names only the run's own resources.  The ids
 * are the parameters the operation binds to a capture ("${group}"); an
 * absent path id is the empty id (the collection URL). */
static int foreign_id(const cfm__case_run *cs, const json_t *op, const cfm_request *r, char *why,
                      size_t cap) {
  const json_t *bind = json_object_get(op, "bind"), *p;
  size_t i;
  if (!json_is_true(json_object_get(op, "destructive")))
    return 0;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in");
    const char *b = cfm_json_str(bind, name ? name : "");
    const json_t *v;
    char text[256], key[300];
    if (!name || !in || !b || strncmp(b, "${", 2) || !strncmp(b, "${var.", 6) ||
        !strncmp(b, "${run", 5) || (strcmp(in, "path") && strcmp(in, "body")))
      continue;
    v = json_object_get(json_object_get(r->resolved, in), name);
    if (!v && !strcmp(in, "body"))
      continue; /* names nothing: refused as incomplete */
    if (v && (json_is_object(v) || json_is_array(v))) {
      snprintf(text, sizeof(text), "(a JSON %s)", json_is_object(v) ? "object" : "array");
    } else {
      cfm_json_scalar_text(v, text, sizeof(text));
      snprintf(key, sizeof(key), "%s/%s", cs->c->spec->vendor, text);
      if (v && text[0] && json_object_get(cs->run->created_ids, key) &&
          (json_is_string(v) || json_is_integer(v)))
        continue;
    }
    snprintf(why, cap,
             "not sent to a live target: %s would name %s '%s', which this run did not create "
             "(runs against a loopback mock, or with --unsafe)",
             cfm_json_str(op, "id"), name, text);
    return 1;
  }
  return 0;
}

/* Judges the response to the current call step.  Returns 1 to go on. */
static int judge_step(cfm__case_run *cs, const cfm_http_response *res, int setup) {
  const json_t *op = cfm_spec_operation(cs->c->spec, cs->cur.op);
  json_t *checks = resolved_checks(cs);
  cfm_exchange ex = {NULL, res};
  cfm_judgement j;
  cfm_verdict before = cs->verdict;
  size_t nsteps = json_array_size(cs->steps);
  int go_on;
  cfm_verdict_judge(cs->c->spec, op, &cs->cur, checks, setup, &ex, &j);
  if (cfm_coverage_note_rows(cs->c->spec, op, &cs->cur, j.row, &cs->expected_rows,
                             &cs->observed_rows) != CFM_EOK)
    cs->run->report_error = 1;
  if (j.verdict != CFM_VERDICT_PASS && nsteps > 1) { /* name the step that decided */
    char why[sizeof(j.reason) + 400];
    snprintf(why, sizeof(why), "step %zu/%zu %s %s: %s", cs->step + 1, nsteps,
             cfm_json_str(op, "method") ? cfm_json_str(op, "method") : "", cs->cur.op, j.reason);
    memcpy(j.reason, why, sizeof(j.reason) - 1);
    j.reason[sizeof(j.reason) - 1] = '\0';
  }
  merge(cs, &j);
  /* The evidence is the response of the step that decided the verdict. */
  if (before == CFM_VERDICT_PASS || cs->verdict != before) {
    cs->status = res->status;
    snprintf(cs->excerpt, sizeof(cs->excerpt), "%.*s",
             (int)(res->len < CFM__EXCERPT ? res->len : CFM__EXCERPT), res->body);
  }
  go_on = j.go_on;
  cfm_judgement_release(&j);
  json_decref(checks);
  return go_on;
}

/* Counts an answer per vendor: a vendor with no API answer at all is
 * unreachable (refused, hanging, garbage, HTML, oversized bodies). */
static void count_reach(cfm__run *rh, const char *vendor, const cfm_http_response *res) {
  json_t *reach = json_object_get(rh->reach, vendor);
  size_t slot = cfm_verdict_is_api_answer(res) ? 0 : 1;
  if (!reach) {
    reach = json_pack("[i, i]", 0, 0);
    json_object_set_new(rh->reach, vendor, reach);
  }
  json_array_set_new(reach, slot,
                     json_integer(json_integer_value(json_array_get(reach, slot)) + 1));
}

/* After the vendor refused a provider's token (minted or fetched) on a
 * request that carried a valid one: forget the token and send the step
 * again, once (1).  A second refusal is judged as any answer. */
static int retry_with_new_token(cfm__case_run *cs, const cfm_http_response *res) {
  const cfm_target *t = cfm_config_target(cs->run->cfg, cs->c->spec->vendor);
  int again = !cs->token_retried && cs->cur.auth == CFM_AUTH_VALID &&
              cfm_target_token_refused(t, cs->c->spec, res->status, res->body, res->len);
  cs->token_retried = again;
  if (again)
    cfm_target_credential_invalidate(t);
  return again;
}

static void on_response(void *user, const cfm_http_response *res) {
  cfm__case_run *cs = user;
  if (cs->run->opt->record.fn)
    cs->run->opt->record.fn(cs->run->opt->record.user, cs, NULL, res);
  count_reach(cs->run, cs->c->spec->vendor, res);
  if (cfm__run_stopped(cs->run)) {
    /* Judge the answer only to learn what it created, then stop. */
    if (cs->cur.kind == CFM_STEP_CALL && cfm_spec_operation(cs->c->spec, cs->cur.op))
      (void)judge_step(cs, res, 1);
    cs->verdict = CFM_VERDICT_PASS;
    cfm__case_set(cs, CFM_VERDICT_ERROR, NULL, "interrupted before the case finished");
    cfm__flow_finish(cs);
    return;
  }
  if (retry_with_new_token(cs, res)) {
    cfm__flow_issue(cs);
    return;
  }
  if (cs->cur.kind == CFM_STEP_WALK) {
    cfm__walk_on_page(cs, res);
    return;
  }
  if (!judge_step(cs, res, cs->cur.setup)) {
    cfm__flow_finish(cs);
    return;
  }
  if (++cs->iter >= cs->cur.repeat) {
    cs->step++;
    cs->iter = 0;
  }
  cfm__flow_issue(cs);
}

/* The request template of a call step (new reference, or a borrowed one
 * in *borrowed).  Set-up and scenario steps name only what differs from
 * the operation's example: path, query, headers and an object body. */
static json_t *call_request(const cfm__case_run *cs, const json_t **borrowed) {
  const json_t *given = cs->cur.request;
  const char *slots[] = {"path", "query", "headers"}, *k;
  json_t *req, *v;
  size_t s;
  *borrowed = NULL;
  if (!cs->cur.setup && cs->c->kind_id != CFM_CASE_RULE && cs->c->kind_id != CFM_CASE_SCENARIO) {
    *borrowed = given;
    return NULL;
  }
  req = json_pack("{s:{}, s:{}, s:{}}", "path", "query", "headers");
  if (req && json_is_object(json_object_get(given, "body")))
    json_object_set(req, "body", json_object_get(given, "body"));
  for (s = 0; req && s < 3; s++)
    json_object_foreach((json_t *)json_object_get(given, slots[s]), k, v)
        json_object_set(json_object_get(req, slots[s]), k, v);
  return req;
}

/* Builds the current step's request.  Returns 0, or -1 when the case
 * finished (verdict set). */
static int build_step(cfm__case_run *cs, const json_t *op, cfm_request *r) {
  cfm__run *rh = cs->run;
  const json_t *borrowed;
  json_t *own = cs->cur.kind == CFM_STEP_WALK ? cfm__walk_request(cs) : call_request(cs, &borrowed);
  cfm_request_args a = {op,
                        own ? own : borrowed,
                        cs->cur.auth,
                        cs->cur.raw_body,
                        (int64_t)time(NULL),
                        cfm__run_random(rh)};
  cfm_tmpl t;
  cfm_error_t err;
  int rc;
  cfm_error_init(&err);
  cfm__case_tmpl(cs, &t);
  rc = cfm_request_build(&t, &a, r, &err);
  json_decref(own);
  if (rc != CFM_EOK) {
    cfm__case_set(cs, CFM_VERDICT_ERROR, NULL, "%s", err.text);
    return -1;
  }
  if (r->missing[0]) {
    cfm__case_set(cs, CFM_VERDICT_SKIP, NULL,
                  "no value for ${%s} (an earlier step did not provide it)", r->missing);
    return -1;
  }
  return 0;
}

/* The redacted summary line and reproduction of a built request. */
static void case_id(const cfm__case_run *cs, char *id, size_t cap) {
  if (cs->rep)
    snprintf(id, cap, "%s.r%u", cs->c->id, cs->rep);
  else
    snprintf(id, cap, "%s", cs->c->id);
}

/* The redacted summary line and reproduction of a built request: valid
 * credentials as environment references, a long body in a file beside
 * the report (inline for --dry-run, which writes no report). */
static void describe(cfm__case_run *cs, const cfm_request *r) {
  char summary[700], id[300], file[300];
  cfm_repro_auth auth;
  cfm_repro_opts o;
  cfm_repro p;
  snprintf(summary, sizeof(summary), "%s %s", r->method, cfm_buf_str(&r->url));
  cfm_redact(cs->run->cfg, summary, cs->summary, sizeof(cs->summary));
  cfm_repro_auth_of(cs->c->spec, &auth);
  case_id(cs, id, sizeof(id));
  cfm_repro_body_path(id, file, sizeof(file));
  o.cfg = cs->run->cfg;
  o.auth = cs->cur.auth == CFM_AUTH_VALID ? &auth : NULL;
  o.body_file = cs->run->opt->dry_run ? NULL : file;
  free(cs->repro);
  free(cs->repro_body);
  cs->repro = cs->repro_body = NULL;
  cs->repro_body_len = 0;
  if (cfm_repro_make(r, &o, &p) == CFM_EOK) {
    cs->repro = p.command;
    cs->repro_body = p.body;
    cs->repro_body_len = p.body_len;
  }
}

/* The pace of op's requests (requests/s; 0 = unpaced) and its key. */
static double pace_of(const cfm__case_run *cs, const json_t *op, char *key, size_t cap) {
  const cfm__run *rh = cs->run;
  const json_t *transport = json_object_get(cs->c->spec->root, "transport");
  const json_t *rate = json_object_get(json_object_get(op, "rate_limit"), "per_second");
  if (!rate)
    rate = json_object_get(json_object_get(transport, "rate_limit"), "per_second");
  snprintf(key, cap, "%s.%s", cs->c->spec->vendor, cfm_json_str(op, "id"));
  if (!rh->opt->pace || (!rate && !cfm__run_live(rh, cs->c->spec->vendor)))
    return 0;
  return rate ? json_number_value(rate) * (rh->cfg->rate_scale > 0 ? rh->cfg->rate_scale : 0.8)
              : DEFAULT_LIVE_RPS;
}

/* Sends a built request, paced when the run honours rate limits. */
static int submit(cfm__case_run *cs, const json_t *op, const cfm_request *r) {
  cfm__run *rh = cs->run;
  cfm_http_request hr;
  char key[160];
  double rate = pace_of(cs, op, key, sizeof(key));
  cfm_request_http(r, cfm_config_target(rh->cfg, cs->c->spec->vendor), &hr);
  if (rate > 0) {
    hr.rate_key = key;
    hr.rate_per_s = rate;
  }
  if (rh->opt->record.fn)
    rh->opt->record.fn(rh->opt->record.user, cs, &hr, NULL);
  return cfm_exec_submit(rh->ex, &hr, on_response, cs);
}

/* --dry-run: prints the current step's request and stands in for what a
 * real answer would give: each capture and created id becomes a
 * placeholder "{created.NAME}" that later steps and clean-up name. */
static void dry_step(cfm__case_run *cs, const json_t *op) {
  cfm__run *rh = cs->run;
  FILE *out = rh->opt->out ? rh->opt->out : stdout;
  const json_t *cr = json_object_get(op, "creates");
  const char *name, *id_name = NULL;
  json_t *ptr;
  char line[400];
  snprintf(line, sizeof(line), "%s  step %zu: ", cs->c->id, cs->step);
  (void)cfm_sanitize_write(out, rh->cfg, line, strlen(line), sizeof(line), CFM_SINK_TERM);
  (void)cfm_sanitize_write(out, rh->cfg, cs->repro ? cs->repro : "(out of memory)",
                           cs->repro ? strlen(cs->repro) : 15, 1u << 20, CFM_SINK_TERM);
  fputc('\n', out);
  rh->dry_requests++;
  {
    char key[160];
    double rate = pace_of(cs, op, key, sizeof(key));
    /* Seconds this operation's requests need at its pace. */
    if (rate > 0)
      json_object_set_new(
          rh->dry_pace, key,
          json_real(json_real_value(json_object_get(rh->dry_pace, key)) + 1.0 / rate));
  }
  json_object_foreach((json_t *)cs->cur.capture, name, ptr) {
    json_t *ph = json_sprintf("{created.%s}", name);
    if (cr && json_is_string(ptr) &&
        !strcmp(json_string_value(ptr), cfm_json_str(cr, "id") ? cfm_json_str(cr, "id") : ""))
      id_name = name;
    if (cs->cur.repeat_given) {
      json_t *list = json_object_get(cs->vars, name);
      if (!json_is_array(list)) {
        list = json_array();
        json_object_set_new(cs->vars, name, list);
      }
      json_array_append_new(list, ph);
    } else {
      json_object_set_new(cs->vars, name, ph);
    }
  }
  if (cr && cs->cur.expect.outcome == CFM_OUTCOME_SUCCESS) {
    char text[160], key[300];
    json_t *e;
    if (id_name)
      snprintf(text, sizeof(text), "{created.%s}", id_name);
    else
      snprintf(text, sizeof(text), "{created.%s_id}",
               cfm_json_str(cr, "kind") ? cfm_json_str(cr, "kind") : "resource");
    snprintf(key, sizeof(key), "%s/%s", cs->c->spec->vendor, text);
    json_object_set_new(rh->created_ids, key, json_true());
    e = json_pack("{s:s, s:s?, s:s}", "vendor", cs->c->spec->vendor, "op",
                  cfm_json_str(json_object_get(cr, "cleanup"), "op"), "id", text);
    if (e && json_array_size(cs->created) < MAX_CREATED)
      json_array_append(cs->created, e);
    json_decref(e);
    rh->dry_creates++;
  }
}

void cfm__flow_issue(cfm__case_run *cs) {
  for (;;) {
    const json_t *step = json_array_get(cs->steps, cs->step), *op;
    cfm_request r;
    if (!step || cfm_step_decode(step, &cs->cur) != 0) {
      if (step)
        cfm__case_set(cs, CFM_VERDICT_ERROR, NULL, "step %zu is not a step", cs->step);
      cfm__flow_finish(cs);
      return;
    }
    if (!(op = cfm_spec_operation(cs->c->spec, cs->cur.op))) {
      cfm__case_set(cs, CFM_VERDICT_ERROR, NULL, "step names unknown operation");
      cfm__flow_finish(cs);
      return;
    }
    if (build_step(cs, op, &r) != 0) {
      cfm_request_release(&r);
      cfm__flow_finish(cs);
      return;
    }
    describe(cs, &r);
    if (!cs->run->opt->unsafe && cfm__run_live(cs->run, cs->c->spec->vendor)) {
      char why[600];
      if (foreign_id(cs, op, &r, why, sizeof(why))) {
        cs->run->guarded++;
        cfm__case_set(cs, CFM_VERDICT_SKIP, NULL, "%s", why);
        cfm_request_release(&r);
        cfm__flow_finish(cs);
        return;
      }
    }
    if (!cs->run->opt->dry_run) {
      int rc = submit(cs, op, &r);
      cfm_request_release(&r);
      if (rc != CFM_EOK) {
        cfm__case_set(cs, CFM_VERDICT_ERROR, NULL, "out of memory");
        cfm__flow_finish(cs);
      }
      return;
    }
    dry_step(cs, op);
    cfm_request_release(&r);
    if (++cs->iter >= cs->cur.repeat) {
      cs->step++;
      cs->iter = 0;
    }
  }
}

/* The case's result as the reports take it. */
static void report_case(cfm__case_run *cs) {
  cfm__run *rh = cs->run;
  cfm_case_result r;
  char id[300], excerpt[CFM__EXCERPT + 64], repro_file[300];
  memset(&r, 0, sizeof(r));
  case_id(cs, id, sizeof(id));
  if (cs->verdict == CFM_VERDICT_PASS && !cs->reason[0])
    snprintf(cs->reason, sizeof(cs->reason), "as documented");
  r.id = id;
  r.vendor = (char *)cs->c->spec->vendor;
  r.operation = cs->c->operation[0] ? cs->c->operation : cs->c->kind;
  r.kind = cs->c->kind;
  r.verdict = cs->verdict;
  r.reason = cs->reason;
  r.provenance = cs->prov ? cs->prov : cs->c->provenance;
  r.repro = cs->repro ? cs->repro : "";
  cfm_repro_body_path(id, repro_file, sizeof(repro_file));
  r.repro_file = cs->repro_body ? repro_file : NULL;
  r.repro_body = cs->repro_body;
  r.repro_body_len = cs->repro_body_len;
  r.request_summary = cs->summary;
  r.http_status = cs->status;
  r.vendor_code = cs->code;
  r.observed_class = cs->cls;
  cfm_redact(rh->cfg, cs->excerpt, excerpt, sizeof(excerpt));
  r.response_excerpt = excerpt;
  r.duration_ms = cfm__now_ms() - cs->started;
  r.covers = cs->c->covers;
  r.expected_rows = cs->expected_rows;
  r.observed_rows = cs->observed_rows;
  if (r.verdict == CFM_VERDICT_FAIL && rh->opt->baseline &&
      cfm_baseline_accepts(rh->opt->baseline, id, cs->code)) {
    r.baselined = 1;
    rh->baselined++;
  }
  rh->counts[r.verdict]++;
  if (rh->rep && cfm_report_add(rh->rep, &r) != CFM_EOK)
    rh->report_error = 1;
}

static void start_next(cfm__run *rh);

void cfm__flow_finish(cfm__case_run *cs) {
  cfm__run *rh = cs->run;
  size_t i;
  const json_t *e;
  if (cs->done)
    return;
  cs->done = 1;
  report_case(cs);
  json_array_foreach(cs->created, i, e) cfm__cleanup_add(rh, e);
  json_decref(cs->created);
  json_decref(cs->steps);
  json_decref(cs->vars);
  json_decref(cs->walk_ids);
  json_decref(cs->prov);
  json_decref(cs->expected_rows);
  json_decref(cs->observed_rows);
  free(cs->walk_cursor);
  free(cs->repro);
  free(cs->repro_body);
  free(cs);
  rh->inflight--;
  start_next(rh);
}

static void start_case(cfm__run *rh, cfm_case *c, unsigned rep) {
  cfm__case_run *cs = calloc(1, sizeof(*cs));
  if (!cs || !(cs->steps = cfm_case_steps(c)) || !(cs->vars = json_object()) ||
      !(cs->created = json_array()) || !(cs->walk_ids = json_array())) {
    if (cs) {
      json_decref(cs->steps);
      json_decref(cs->vars);
      json_decref(cs->created);
    }
    free(cs);
    rh->counts[CFM_VERDICT_ERROR]++;
    return;
  }
  cs->run = rh;
  cs->c = c;
  cs->rep = rep;
  cs->started = cfm__now_ms();
  cs->verdict = CFM_VERDICT_PASS;
  rh->inflight++;
  if (c->heavy_setup && !cfm__run_local(rh, c->spec->vendor)) {
    cfm__case_set(cs, CFM_VERDICT_SKIP, NULL,
                  "its set-up creates %zu resources: run only against a local target "
                  "(the embedded mock or a loopback URL), not a live one",
                  c->heavy_setup);
    cfm__flow_finish(cs);
    return;
  }
  cfm__flow_issue(cs);
}

static void start_next(cfm__run *rh) {
  unsigned reps = rh->opt->repeat ? rh->opt->repeat : 1;
  size_t per = rh->nqueue / reps ? rh->nqueue / reps : 1;
  while (rh->inflight < rh->concurrency && rh->next < rh->nqueue && !cfm__run_stopped(rh)) {
    size_t k = rh->next++;
    start_case(rh, rh->queue[k % per], (unsigned)(k / per));
  }
}

void cfm__flow_run(cfm__run *rh, cfm_case **cases, size_t n, unsigned concurrency) {
  unsigned reps = rh->opt->repeat ? rh->opt->repeat : 1;
  rh->queue = cases;
  rh->nqueue = n * reps;
  rh->next = 0;
  rh->concurrency = concurrency;
  if (n == 0)
    return;
  start_next(rh);
  cfm_exec_run(rh->ex);
  /* Cancelled runs leave cases unfinished; count them as errors. */
  rh->counts[CFM_VERDICT_ERROR] += rh->nqueue - rh->next;
}
