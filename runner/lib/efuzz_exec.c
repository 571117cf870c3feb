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
    static const char *const keys[] = {"equals", "contains"};
    size_t k;
    for (k = 0; k < 2; k++) {
      const json_t *w = json_object_get(chk, keys[k]);
      if (w)
        json_object_set_new(chk, keys[k], cfm_tmpl_resolve(t, w, NULL, 0));
    }
  }
  return out;
}

/* After a call the target accepted: what must read back from its group. */
static void learn(const cfm__ef_vendor *v, json_t *models, const char *g, const char *op,
                  const json_t *req, const char *broken) {
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
    if (ptr && broken && !strcmp(broken, k))
      json_object_del(m, ptr); /* what a target makes of it is unknown */
    else if (ptr)
      json_object_set(m, ptr, val);
  }
  json_object_update(m, json_object_get(v->facts, op));
}

/* Classifies a judged step (kind: 0 a generated call, 1 a read-back, 2 a
 * step of a documented sequence); records a failure or a warning in out. */
static int judge_props(const cfm_step *st, const cfm_http_response *res, const cfm_judgement *j,
                       int kind, ef_outcome *out) {
  ef_prop p = EF_P_NONE;
  if (j->verdict == CFM_VERDICT_ERROR)
    p = EF_P_TRANSPORT;
  else if (res->status >= 500)
    p = EF_P_SERVER_ERROR;
  else if (j->verdict == CFM_VERDICT_FAIL)
    p = kind == 2                                 ? EF_P_RULE
        : st->expect.outcome == CFM_OUTCOME_ERROR ? EF_P_NEAR_VALID
        : kind == 1                               ? EF_P_READBACK
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
  json_t *made; /* every id the trial created, deleted or not, as text */
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

/* Captures into vars; a repeated step collects them into arrays. */
static void keep_captures(json_t *vars, const json_t *captures, int collect) {
  const char *name;
  json_t *val;
  json_object_foreach((json_t *)captures, name, val) {
    json_t *list = json_object_get(vars, name);
    if (!collect) {
      json_object_set(vars, name, val);
      continue;
    }
    if (!json_is_array(list)) {
      list = json_array();
      json_object_set_new(vars, name, list);
    }
    json_array_append(list, val);
  }
}

/* A deletion the target took: the ids its request names leave the ledger. */
static void forget_deleted(json_t *ledger, const json_t *req) {
  static const char *const slots[] = {"path", "query", "body"};
  size_t i = json_array_size(ledger), s;
  while (i-- > 0) {
    const json_t *id = json_object_get(json_array_get(ledger, i), "id"), *val;
    const char *k;
    int named = 0;
    for (s = 0; s < 3 && !named; s++)
      json_object_foreach(json_object_get(req, slots[s]), k, val) named |= json_equal(val, id);
    if (named)
      json_array_remove(ledger, i);
  }
}

/* What a passed step leaves for the next ones: the call the group took,
 * captures, what must read back, and a deleted id off the ledger. */
static void remember(ef_ctx *cx, const json_t *sj, const cfm_step *st, const cfm_judgement *j,
                     const json_t *req, ef_trial *tr) {
  const char *g = cfm_json_str(sj, "group");
  int accepted = !(j->mapped && strcmp(j->cls, "OK"));
  if (g && j->verdict == CFM_VERDICT_PASS) {
    char key[300];
    snprintf(key, sizeof(key), "%s|%s", g, st->op);
    json_object_set_new(tr->seen, key, json_true());
  }
  if (j->verdict == CFM_VERDICT_FAIL)
    return;
  if (accepted) {
    keep_captures(tr->vars, j->captures, st->repeat_given);
    /* A near-valid call the target took (silently, where the documents
     * allow it) changed the group too; the broken field is unknown. */
    if (g && !json_is_true(json_object_get(sj, "readback")))
      learn(cx->v, tr->models, g, st->op, req, cfm_json_str(sj, "mutated"));
  }
  if (accepted && cx->v->del >= 0 && !strcmp(st->op, cx->v->ops[cx->v->del].id))
    forget_deleted(tr->ledger, req);
}

/* Resources a call created: on the ledger (deleted when the trial ends)
 * and among the ids the trial may name in destructive calls. */
static void note_created(ef_trial *tr, const json_t *created) {
  const json_t *e;
  size_t i;
  json_array_foreach(created, i, e) {
    char text[256];
    cfm_json_scalar_text(json_object_get(e, "id"), text, sizeof(text));
    json_array_append(tr->ledger, (json_t *)e);
    if (text[0])
      json_object_set_new(tr->made, text, json_true());
  }
}

/* Builds, sends and judges iteration iter of step st.  Returns 1 when
 * the trial fails here, 0 when it goes on, 2 when a documented sequence
 * ends here (a set-up refused, a value missing, its expectation met
 * early), -1 when a generated step could not be built (skipped). */
static int send_one(ef_ctx *cx, const json_t *sj, const cfm_step *st, const json_t *op,
                    unsigned iter, ef_trial *tr, ef_outcome *out) {
  const cfm_spec *spec = cx->v->spec;
  const char *g = cfm_json_str(sj, "group");
  int readback = json_is_true(json_object_get(sj, "readback"));
  int keep = json_is_true(json_object_get(sj, "keep")), rc = keep ? 2 : -1;
  cfm_tmpl t = {cx->prefix, iter, tr->vars, spec, cfm_config_target(cx->cfg, spec->vendor)};
  json_t *req, *checks;
  cfm_request r;
  cfm_http_request hr;
  cfm_http_response res;
  cfm_judgement j;
  cfm_error_t err;
  cfm_error_init(&err);
  req = cfm_tmpl_resolve(&t, st->request, NULL, 0);
  checks = readback ? readback_checks(json_object_get(tr->models, g))
                    : resolve_checks(&t, st->expect.body);
  {
    cfm_request_args a = {
        op, req, st->auth, st->raw_body, (int64_t)time(NULL), (uint32_t)cfm__ef_next(&cx->nonce)};
    if (cfm_request_build(&t, &a, &r, &err) != CFM_EOK || r.missing[0]) {
      if (err.code && !out->unsent[0])
        snprintf(out->unsent, sizeof(out->unsent), "%s", err.text);
      cfm_request_release(&r);
      goto out;
    }
  }
  if (keep && cx->live && cfm__ef_seq_foreign(op, r.resolved, tr->made)) {
    cx->guarded++;
    cfm_request_release(&r);
    goto out;
  }
  cfm_request_http(&r, t.target, &hr);
  memset(&res, 0, sizeof(res));
  cx->send(cx->user, &hr, &res);
  out->requests++;
  {
    cfm_exchange ex = {&hr, &res};
    cfm_verdict_judge(spec, op, st, checks, 0, &ex, &j);
  }
  rc = judge_props(st, &res, &j, keep ? 2 : readback, out);
  if (rc == 1 && out->prop == EF_P_VALID_REFUSED && repeat_refusal(tr, g, st->op, &j)) {
    out->prop = EF_P_NONE;
    rc = 0;
  }
  if (!rc)
    remember(cx, sj, st, &j, req, tr);
  if (!rc && keep && !j.go_on)
    rc = 2;
  note_created(tr, j.created);
  cfm_judgement_release(&j);
  cfm_request_release(&r);
out:
  json_decref(req);
  json_decref(checks);
  return rc;
}

/* Runs one step (each repetition, or a walk).  Returns as send_one. */
static int run_step(ef_ctx *cx, const json_t *sj, ef_trial *tr, ef_outcome *out) {
  const char *g = cfm_json_str(sj, "group");
  const json_t *op;
  cfm_step st;
  unsigned iter;
  int rc = -1;
  if (cfm_step_decode(sj, &st))
    return -1;
  if (st.kind == CFM_STEP_WALK)
    return cfm__ef_walk(cx, &st, tr->vars, out);
  if (!(op = cfm_spec_operation(cx->v->spec, st.op)))
    return -1;
  if (json_is_true(json_object_get(sj, "readback")) &&
      !(g && json_object_size(json_object_get(tr->models, g))))
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
  for (iter = 0; iter < st.repeat && (rc = send_one(cx, sj, &st, op, iter, tr, out)) == 0; iter++)
    ;
  return rc;
}

/* Deletes what a trial created and left (not judged; counted). */
static void clean_up(ef_ctx *cx, json_t *ledger) {
  const cfm__ef_vendor *v = cx->v;
  const json_t *cr = json_object_get(v->create >= 0 ? v->ops[v->create].op : NULL, "creates");
  const json_t *tmpl = json_object_get(json_object_get(cr, "cleanup"), "request"), *e;
  const json_t *op =
      cfm_spec_operation(v->spec, cfm_json_str(json_object_get(cr, "cleanup"), "op"));
  size_t i = json_array_size(ledger);
  /* Newest first: a group created inside another goes before it. */
  while (i-- > 0) {
    json_t *vars = json_pack("{s:O}", "id", json_object_get(e = json_array_get(ledger, i), "id"));
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
  ef_trial tr = {json_object(), json_object(), json_array(), json_object(), json_object()};
  const json_t *sj;
  size_t i;
  memset(out, 0, sizeof(*out));
  json_array_foreach(steps, i, sj) {
    int rc = run_step(cx, sj, &tr, out);
    if (rc == 1)
      out->step = i;
    if (rc == 1 || rc == 2)
      break;
  }
  clean_up(cx, tr.ledger);
  json_decref(tr.vars);
  json_decref(tr.models);
  json_decref(tr.ledger);
  json_decref(tr.seen);
  json_decref(tr.made);
}
