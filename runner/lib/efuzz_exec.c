/* conform — the endpoint fuzzer's execution of one trial: builds and
 * sends each step, judges the answer with the verdict code plus the
 * fuzzer's properties (no 5xx, no transport failure, documented rows,
 * read-back), keeps captures and what each group must read back, and
 * deletes what the trial left.  Must not generate (efuzz_gen.c) nor
 * shrink (efuzz_shrink.c). */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/request.h"
#include "conform/verdict.h"

/* Body checks of a read-back: every field the model holds for the group. */
static json_t *readback_checks(const json_t *model) {
  json_t *checks = json_array();
  const char *ptr;
  json_t *val;
  json_object_foreach((json_t *)model, ptr, val)
      json_array_append_new(checks, json_pack("{s:s, s:O}", "pointer", ptr, "equals", val));
  return checks;
}

/* Resolves ${...} in the expected values of checks (new reference). */
static json_t *resolve_checks(const cfm_tmpl *t, const json_t *checks) {
  json_t *out = json_deep_copy(checks), *chk;
  size_t i;
  json_array_foreach(out, i, chk) {
    const json_t *w = json_object_get(chk, "equals");
    if (w)
      json_object_set_new(chk, "equals", cfm_tmpl_resolve(t, w, NULL, 0));
  }
  return out;
}

/* After a call the target accepted: what must read back from its group. */
static void learn(const cfm__ef_vendor *v, json_t *models, const char *g, const char *op,
                  const json_t *req) {
  json_t *m = json_object_get(models, g), *val;
  const json_t *body = json_object_get(req, "body");
  const char *k;
  if (v->del >= 0 && !strcmp(op, v->ops[v->del].id)) {
    json_object_del(models, g);
    return;
  }
  if (!m)
    json_object_set_new(models, g, m = json_object());
  json_object_foreach((json_t *)body, k, val) {
    const char *ptr = cfm_json_str(v->readmap, k);
    if (ptr)
      json_object_set(m, ptr, val);
  }
  json_object_update(m, json_object_get(v->facts, op));
}

/* Classifies a judged step; records a failure or a warning in out. */
static int judge_props(const cfm_step *st, const cfm_http_response *res, const cfm_judgement *j,
                       int readback, ef_outcome *out) {
  ef_prop p = EF_P_NONE;
  if (j->verdict == CFM_VERDICT_ERROR)
    p = EF_P_TRANSPORT;
  else if (res->status >= 500)
    p = EF_P_SERVER_ERROR;
  else if (j->verdict == CFM_VERDICT_FAIL)
    p = st->expect.outcome == CFM_OUTCOME_ERROR ? EF_P_NEAR_VALID
        : readback                              ? EF_P_READBACK
                                                : EF_P_VALID_REFUSED;
  if (p != EF_P_NONE) {
    out->prop = p;
    snprintf(out->op, sizeof(out->op), "%s", st->op);
    snprintf(out->code, sizeof(out->code), "%s", j->code);
    if (p == EF_P_SERVER_ERROR)
      snprintf(out->reason, sizeof(out->reason), "%s answered HTTP %ld: %.400s", st->op,
               res->status, j->reason[0] ? j->reason : "a server error");
    else
      snprintf(out->reason, sizeof(out->reason), "%s: %.560s", st->op, j->reason);
    return 1;
  }
  if (j->verdict == CFM_VERDICT_WARN || (j->mapped && !j->row && strcmp(j->cls, "OK"))) {
    if (!out->warns++ && j->verdict == CFM_VERDICT_WARN)
      snprintf(out->warn, sizeof(out->warn), "%s: %.560s", st->op, j->reason);
    else if (out->warns == 1)
      snprintf(out->warn, sizeof(out->warn),
               "%s: undocumented error: HTTP %ld, code %s (class %s) is no row of the operation",
               st->op, res->status, j->code, j->cls);
  }
  return 0;
}

/* The state of one execution: captures, what each group must read back,
 * what was created and not yet deleted, and which calls each group took. */
typedef struct ef_trial {
  json_t *vars, *models, *ledger, *seen;
} ef_trial;

/* A documented rule of state: a call the group already took may be
 * refused the second time with a row the documents give for that
 * (trigger conflict or precondition: "already a member"). */
static int repeat_refusal(const ef_trial *tr, const char *g, const char *op,
                          const cfm_judgement *j) {
  const char *trig = j->row ? cfm_json_str(j->row, "trigger") : NULL;
  char key[300];
  if (!g || !trig || (strcmp(trig, "conflict") && strcmp(trig, "precondition")))
    return 0;
  snprintf(key, sizeof(key), "%s|%s", g, op);
  return json_object_get(tr->seen, key) != NULL;
}

/* What a passed step leaves for the next ones: the call the group took,
 * captures, what must read back, and a deleted id off the ledger. */
static void remember(ef_ctx *cx, const json_t *sj, const cfm_step *st, const cfm_judgement *j,
                     const json_t *req, ef_trial *tr) {
  const char *g = cfm_json_str(sj, "group"), *name;
  json_t *val;
  if (g && j->verdict == CFM_VERDICT_PASS) {
    char key[300];
    snprintf(key, sizeof(key), "%s|%s", g, st->op);
    json_object_set_new(tr->seen, key, json_true());
  }
  if (j->verdict == CFM_VERDICT_FAIL)
    return;
  if (!(j->mapped && strcmp(j->cls, "OK"))) {
    json_object_foreach(j->captures, name, val) json_object_set(tr->vars, name, val);
    if (g && !json_object_get(sj, "mutated") && !json_is_true(json_object_get(sj, "readback")) &&
        st->expect.outcome == CFM_OUTCOME_SUCCESS)
      learn(cx->v, tr->models, g, st->op, req);
  }
  if (g && cx->v->del >= 0 && !strcmp(st->op, cx->v->ops[cx->v->del].id)) {
    /* Deleted: no clean-up needed for the id held in g. */
    const json_t *id = json_object_get(tr->vars, g), *e;
    size_t i;
    json_array_foreach(tr->ledger, i, e) {
      if (id && json_equal(json_object_get(e, "id"), (json_t *)id)) {
        json_array_remove(tr->ledger, i);
        break;
      }
    }
  }
}

/* Builds and sends one step's request; judges it.  Returns 1 when the
 * trial fails here, -1 when the step could not be built (skipped). */
static int run_step(ef_ctx *cx, const json_t *sj, ef_trial *tr, ef_outcome *out) {
  json_t *vars = tr->vars, *models = tr->models;
  const cfm_spec *spec = cx->v->spec;
  cfm_step st;
  const json_t *op;
  const char *g = cfm_json_str(sj, "group");
  int readback = json_is_true(json_object_get(sj, "readback")), rc = -1;
  cfm_tmpl t = {cx->prefix, 0, vars, spec, cfm_config_target(cx->cfg, spec->vendor)};
  json_t *req = NULL, *checks = NULL;
  cfm_request r;
  cfm_http_request hr;
  cfm_http_response res;
  cfm_judgement j;
  cfm_error_t err;
  if (cfm_step_decode(sj, &st) || !(op = cfm_spec_operation(spec, st.op)))
    return -1;
  if (readback && !(g && json_object_size(json_object_get(models, g))))
    return -1;
  if (json_is_true(json_object_get(sj, "gone"))) {
    /* Expects not found only after this execution deleted the group (a
     * shrunk case without the deletion must not fail for that). */
    char key[300];
    snprintf(key, sizeof(key), "%s|%s", g ? g : "",
             cx->v->del >= 0 ? cx->v->ops[cx->v->del].id : "");
    if (!json_object_get(tr->seen, key))
      return -1;
  }
  cfm_error_init(&err);
  req = cfm_tmpl_resolve(&t, st.request, NULL, 0);
  checks =
      readback ? readback_checks(json_object_get(models, g)) : resolve_checks(&t, st.expect.body);
  {
    cfm_request_args a = {
        op, req, st.auth, st.raw_body, (int64_t)time(NULL), (uint32_t)cfm__ef_next(&cx->nonce)};
    if (cfm_request_build(&t, &a, &r, &err) != CFM_EOK || r.missing[0]) {
      if (err.code && !out->unsent[0])
        snprintf(out->unsent, sizeof(out->unsent), "%s", err.text);
      cfm_request_release(&r);
      goto out;
    }
  }
  cfm_request_http(&r, t.target, &hr);
  memset(&res, 0, sizeof(res));
  cx->send(cx->user, &hr, &res);
  out->requests++;
  {
    cfm_exchange ex = {&hr, &res};
    cfm_verdict_judge(spec, op, &st, checks, 0, &ex, &j);
  }
  rc = judge_props(&st, &res, &j, readback, out);
  if (rc == 1 && out->prop == EF_P_VALID_REFUSED && repeat_refusal(tr, g, st.op, &j)) {
    out->prop = EF_P_NONE;
    rc = 0;
  }
  if (!rc)
    remember(cx, sj, &st, &j, req, tr);
  if (j.created)
    json_array_extend(tr->ledger, j.created);
  cfm_judgement_release(&j);
  cfm_request_release(&r);
out:
  json_decref(req);
  json_decref(checks);
  return rc;
}

/* Deletes what a trial created and left (not judged; counted). */
static void clean_up(ef_ctx *cx, json_t *ledger) {
  const cfm__ef_vendor *v = cx->v;
  const json_t *cr = json_object_get(v->create >= 0 ? v->ops[v->create].op : NULL, "creates");
  const json_t *tmpl = json_object_get(json_object_get(cr, "cleanup"), "request"), *e;
  const json_t *op =
      cfm_spec_operation(v->spec, cfm_json_str(json_object_get(cr, "cleanup"), "op"));
  size_t i;
  json_array_foreach(ledger, i, e) {
    json_t *vars = json_pack("{s:O}", "id", json_object_get(e, "id"));
    cfm_tmpl t = {cx->prefix, 0, vars, v->spec, cfm_config_target(cx->cfg, v->spec->vendor)};
    cfm_request_args a = {
        op, tmpl, CFM_AUTH_VALID, NULL, (int64_t)time(NULL), (uint32_t)cfm__ef_next(&cx->nonce)};
    cfm_request r;
    cfm_error_t err;
    cfm_error_init(&err);
    if (op && cfm_request_build(&t, &a, &r, &err) == CFM_EOK) {
      cfm_http_request hr;
      cfm_http_response res;
      cfm_request_http(&r, t.target, &hr);
      memset(&res, 0, sizeof(res));
      cx->send(cx->user, &hr, &res);
      cx->cleanup_sent++;
      cx->cleanup_failed += res.error || res.status >= 300;
    } else {
      cx->cleanup_failed++;
    }
    cfm_request_release(&r);
    json_decref(vars);
  }
  json_array_clear(ledger);
}

void cfm__ef_execute(ef_ctx *cx, const json_t *steps, ef_outcome *out) {
  ef_trial tr = {json_object(), json_object(), json_array(), json_object()};
  const json_t *sj;
  size_t i;
  memset(out, 0, sizeof(*out));
  json_array_foreach(steps, i, sj) {
    if (run_step(cx, sj, &tr, out) == 1) {
      out->step = i;
      break;
    }
  }
  clean_up(cx, tr.ledger);
  json_decref(tr.vars);
  json_decref(tr.models);
  json_decref(tr.ledger);
  json_decref(tr.seen);
}
