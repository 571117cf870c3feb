/* conform — the endpoint fuzzer: runs generated trials, judges every
 * answer with the verdict code plus the fuzzer's properties (no 5xx, no
 * transport failure, documented rows, read-back), shrinks a failing trial
 * and replays case files.  Sends through a caller's function: the embedded
 * mock in process, or the HTTP executor (efuzz_http.c). */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/request.h"
#include "conform/verdict.h"

#define EF_FORMAT "conform-fuzz-case/1"

/* What broke: the property a failure violates (part of its signature). */
#define EF_PROP_MAP(XX)                                                                            \
  XX(NONE, "none")                                                                                 \
  XX(TRANSPORT, "transport")                                                                       \
  XX(SERVER_ERROR, "no-5xx")                                                                       \
  XX(VALID_REFUSED, "valid-succeeds")                                                              \
  XX(NEAR_VALID, "near-valid-refused")                                                             \
  XX(READBACK, "read-back")

typedef enum {
#define EF_PROP_ENUM(n, t) EF_P_##n,
  EF_PROP_MAP(EF_PROP_ENUM)
#undef EF_PROP_ENUM
} ef_prop;

static const char *const prop_names[] = {
#define EF_PROP_NAME(n, t) t,
    EF_PROP_MAP(EF_PROP_NAME)
#undef EF_PROP_NAME
};

static ef_prop prop_parse(const char *s) {
  size_t i;
  for (i = 0; s && i < sizeof(prop_names) / sizeof(prop_names[0]); i++)
    if (!strcmp(prop_names[i], s))
      return (ef_prop)i;
  return EF_P_NONE;
}

/* One execution of a trial. */
typedef struct ef_outcome {
  ef_prop prop;   /* EF_P_NONE when every step passed */
  char op[128];   /* the failing step's operation */
  char code[128]; /* the vendor code it answered ("" for none) */
  size_t step;    /* its index */
  char reason[600];
  char warn[600];   /* the first warning */
  char unsent[256]; /* why a step could not be built (credentials ...) */
  size_t warns, requests;
} ef_outcome;

typedef struct ef_ctx {
  const cfm__ef_vendor *v;
  cfm_config *cfg;
  const char *prefix;
  cfm_efuzz_send_fn send;
  void *user;
  cfm__ef_rng nonce;
  size_t cleanup_sent, cleanup_failed;
} ef_ctx;

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

/* Runs the steps of one trial against the target. */
static void execute(ef_ctx *cx, const json_t *steps, ef_outcome *out) {
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

/* ---- shrinking ------------------------------------------------------------------ */

typedef struct ef_shrink {
  ef_ctx *cx;
  ef_prop prop;
  char op[128], code[128]; /* the signature a candidate must keep */
  size_t budget, runs, requests;
  ef_outcome last;
} ef_shrink;

/* 1 when candidate fails the same way (same property, same operation). */
static int still_fails(ef_shrink *s, const json_t *candidate) {
  ef_outcome o;
  if (s->runs >= s->budget)
    return 0;
  s->runs++;
  execute(s->cx, candidate, &o);
  s->requests += o.requests;
  if (o.prop != s->prop || strcmp(o.op, s->op) || strcmp(o.code, s->code))
    return 0;
  s->last = o;
  return 1;
}

/* Tries fewer steps: everything after the failure, then each step. */
static void drop_steps(ef_shrink *s, json_t *steps) {
  size_t i;
  while (json_array_size(steps) > s->last.step + 1)
    json_array_remove(steps, json_array_size(steps) - 1);
  for (i = json_array_size(steps); i-- > 0;) {
    json_t *c = json_deep_copy(steps);
    json_array_remove(c, i);
    if (json_array_size(c) && still_fails(s, c)) {
      json_array_clear(steps);
      json_array_extend(steps, c);
      while (json_array_size(steps) > s->last.step + 1)
        json_array_remove(steps, json_array_size(steps) - 1);
    }
    json_decref(c);
    if (i > json_array_size(steps))
      i = json_array_size(steps);
  }
}

/* 1 when field k of step sj may be left out (optional, not the broken one). */
static int optional(const ef_shrink *s, const json_t *sj, const char *k) {
  const json_t *op = cfm_spec_operation(s->cx->v->spec, cfm_json_str(sj, "op")), *p;
  const char *mut = cfm_json_str(sj, "mutated");
  size_t i;
  if (mut && !strcmp(mut, k))
    return 0;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (!strcmp(cfm_json_str(p, "name") ? cfm_json_str(p, "name") : "", k))
      return !json_is_true(json_object_get(p, "required"));
  }
  return 0;
}

/* A simpler string than s: half as long (the ${run} prefix kept), or the
 * same length in ASCII.  NULL when nothing simpler. */
static json_t *simpler(const char *s, int ascii) {
  size_t len = strlen(s), keep = !strncmp(s, "${run}", 6) ? 6 : 0, cps, i, n = 0;
  char *o;
  json_t *out;
  if (strstr(s + keep, "${"))
    return NULL; /* a captured id or a variable: not ours to change */
  cps = cfm__ef_cps(s + keep, len - keep);
  if (!ascii) {
    size_t want = cps / 2, seen = 0;
    if (!cps)
      return NULL;
    for (i = keep; i < len; i++) {
      if (((unsigned char)s[i] & 0xC0) != 0x80 && seen++ == want)
        break;
    }
    return json_stringn(s, i);
  }
  if (cps == len - keep)
    return NULL;
  if (!(o = malloc(len + 1)))
    return NULL;
  memcpy(o, s, keep);
  n = keep;
  for (i = keep; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      o[n++] = 'a';
  out = json_stringn(o, n);
  free(o);
  return out;
}

/* Tries each body field: left out, then simpler strings. */
static void simplify_fields(ef_shrink *s, json_t *steps) {
  size_t i;
  for (i = 0; i < json_array_size(steps); i++) {
    json_t *body = json_object_get(json_object_get(json_array_get(steps, i), "request"), "body");
    const char *k;
    json_t *val, *tmp;
    json_object_foreach_safe(body, tmp, k, val) {
      int pass;
      json_t *c = json_deep_copy(steps);
      json_t *cb = json_object_get(json_object_get(json_array_get(c, i), "request"), "body");
      if (optional(s, json_array_get(steps, i), k)) {
        json_object_del(cb, k);
        if (still_fails(s, c)) {
          json_object_del(body, k);
          json_decref(c);
          continue;
        }
      }
      json_decref(c);
      for (pass = 0; pass < 2 && json_is_string(val); pass++) {
        const char *mut = cfm_json_str(json_array_get(steps, i), "mutated");
        json_t *sv;
        if (mut && !strcmp(mut, k))
          break;
        while ((sv = simpler(json_string_value(val), pass)) != NULL) {
          c = json_deep_copy(steps);
          json_object_set(json_object_get(json_object_get(json_array_get(c, i), "request"), "body"),
                          k, sv);
          if (!still_fails(s, c)) {
            json_decref(c);
            json_decref(sv);
            break;
          }
          json_object_set_new(body, k, sv);
          val = json_object_get(body, k);
          json_decref(c);
          if (pass)
            break;
        }
      }
    }
  }
}

/* Reduces a failing trial; *last gets the outcome of the smallest one. */
static json_t *shrink(ef_ctx *cx, const json_t *steps, ef_outcome *last, size_t budget,
                      size_t *runs, size_t *requests) {
  const ef_outcome *first = last;
  ef_shrink s;
  json_t *cur = json_deep_copy(steps);
  size_t before;
  memset(&s, 0, sizeof(s));
  s.cx = cx;
  s.prop = first->prop;
  snprintf(s.op, sizeof(s.op), "%s", first->op);
  snprintf(s.code, sizeof(s.code), "%s", first->code);
  s.budget = budget;
  s.last = *first;
  do {
    size_t n = json_array_size(cur);
    char *text = json_dumps(cur, JSON_COMPACT);
    before = s.runs;
    drop_steps(&s, cur);
    simplify_fields(&s, cur);
    /* Another round only when this one changed something. */
    {
      char *now = json_dumps(cur, JSON_COMPACT);
      int same = text && now && !strcmp(text, now) && n == json_array_size(cur);
      free(text);
      free(now);
      if (same)
        break;
    }
  } while (s.runs > before && s.runs < s.budget);
  *last = s.last;
  *runs = s.runs;
  *requests = s.requests;
  return cur;
}

/* ---- the run -------------------------------------------------------------------- */

static unsigned long long fnv(unsigned long long h, const char *s) {
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static json_t *case_file(const ef_ctx *cx, unsigned long long seed, const json_t *steps,
                         const ef_outcome *o) {
  return json_pack("{s:s, s:s, s:I, s:s, s:{s:s, s:s, s:s}, s:s, s:O}", "format", EF_FORMAT,
                   "vendor", cx->v->spec->vendor, "seed", (json_int_t)seed, "prefix", cx->prefix,
                   "signature", "property", prop_names[o->prop], "op", o->op, "code", o->code,
                   "reason", o->reason, "steps", steps);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_fail(ef_ctx *cx, const cfm_efuzz_options *opt, const json_t *steps,
                    const ef_outcome *first, cfm_efuzz_result *res) {
  size_t runs = 0, reqs = 0;
  ef_outcome last = *first, *o = &last;
  json_t *small;
  res->fails++;
  if (res->repro)
    return;
  res->first_fail_request = res->requests;
  if (opt->log)
    fprintf(opt->log, "conform: fuzz: %s after %zu requests (%s): %s\n", cx->v->spec->vendor,
            res->requests, prop_names[o->prop], o->reason);
  small = shrink(cx, steps, &last, opt->max_shrink ? opt->max_shrink : 400, &runs, &reqs);
  memcpy(res->reason, last.reason, sizeof(res->reason));
  res->shrink_runs += runs;
  res->shrink_requests += reqs;
  res->repro = case_file(cx, opt->seed, small, o);
  json_decref(small);
}

static void ctx_init(ef_ctx *cx, const cfm__ef_vendor *v, cfm_config *cfg, const char *prefix,
                     cfm_efuzz_send_fn send, void *user, unsigned long long seed) {
  memset(cx, 0, sizeof(*cx));
  cx->v = v;
  cx->cfg = cfg;
  cx->prefix = prefix;
  cx->send = send;
  cx->user = user;
  cx->nonce.s = seed ^ 0x5DEECE66Dull;
}

int cfm_efuzz_run(const cfm_specset *set, cfm_config *cfg, const cfm_efuzz_options *opt,
                  cfm_efuzz_send_fn send, void *user, cfm_efuzz_result *res, cfm_error_t *err) {
  cfm__ef_model m;
  cfm__ef_rng rng = {opt->seed};
  size_t budget = opt->budget ? opt->budget : (opt->time_s > 0 ? (size_t)-1 : 10000);
  double t0 = now_s();
  char prefix[40];
  size_t idle = 0;
  int rc;
  memset(res, 0, sizeof(*res));
  res->digest = 1469598103934665603ull;
  rc = cfm__ef_model_build(set, opt->vendor, &m, err);
  if (rc)
    return rc;
  snprintf(prefix, sizeof(prefix), "cfm-fz%06llx", (unsigned long long)(opt->seed % 0xFFFFFF));
  while (res->requests < budget && (opt->time_s <= 0 || now_s() - t0 < opt->time_s) &&
         !(opt->interrupt && *opt->interrupt)) {
    const cfm__ef_vendor *v = &m.v[cfm__ef_below(&rng, m.n)];
    json_t *steps = cfm__ef_trial(&rng, v, strlen(prefix));
    char *text = steps ? json_dumps(steps, JSON_COMPACT) : NULL;
    ef_ctx cx;
    ef_outcome o;
    if (!text) {
      json_decref(steps);
      rc = cfm_error_set(err, CFM_ENOMEM, "fuzz", "", "out of memory");
      break;
    }
    res->digest = fnv(res->digest, text);
    free(text);
    ctx_init(&cx, v, cfg, prefix, send, user, opt->seed + res->trials);
    execute(&cx, steps, &o);
    res->trials++;
    res->requests += o.requests;
    res->warns += o.warns;
    if (o.warns && !res->first_warn[0])
      snprintf(res->first_warn, sizeof(res->first_warn), "%s", o.warn);
    if (o.prop != EF_P_NONE)
      on_fail(&cx, opt, steps, &o, res);
    idle = o.requests ? 0 : idle + 1;
    if (o.unsent[0] && !o.requests)
      rc = cfm_error_set(err, CFM_ECONFIG, v->spec->vendor, "", "cannot build a request: %s",
                         o.unsent);
    else if (idle >= 1000)
      rc = cfm_error_set(err, CFM_ECONFIG, v->spec->vendor, "",
                         "1000 trials in a row sent nothing: the specs give the fuzzer no "
                         "request it can build");
    res->cleanup_sent += cx.cleanup_sent;
    res->cleanup_failed += cx.cleanup_failed;
    json_decref(steps);
    if (rc || (res->fails && !opt->keep_going))
      break;
  }
  res->seconds = now_s() - t0;
  cfm__ef_model_release(&m);
  return rc;
}

int cfm_efuzz_replay(const cfm_specset *set, cfm_config *cfg, const json_t *casefile,
                     cfm_efuzz_send_fn send, void *user, cfm_efuzz_result *res, cfm_error_t *err) {
  cfm__ef_model m;
  const cfm__ef_vendor *v;
  const json_t *sig = json_object_get(casefile, "signature");
  const char *vendor = cfm_json_str(casefile, "vendor");
  const char *prefix = cfm_json_str(casefile, "prefix");
  ef_ctx cx;
  ef_outcome o;
  int rc;
  memset(res, 0, sizeof(*res));
  if (!cfm_json_str(casefile, "format") || strcmp(cfm_json_str(casefile, "format"), EF_FORMAT) ||
      !vendor || !prefix || !json_is_array(json_object_get(casefile, "steps")) ||
      prop_parse(cfm_json_str(sig, "property")) == EF_P_NONE || !cfm_json_str(sig, "op"))
    return cfm_error_set(err, CFM_EPARSE, "replay", "",
                         "not a fuzz case file (format " EF_FORMAT
                         ", vendor, prefix, signature, steps)");
  rc = cfm__ef_model_build(set, vendor, &m, err);
  if (rc)
    return rc;
  v = cfm__ef_model_vendor(&m, vendor);
  ctx_init(&cx, v, cfg, prefix, send, user, 1);
  execute(&cx, json_object_get(casefile, "steps"), &o);
  res->requests = o.requests;
  res->trials = 1;
  res->warns = o.warns;
  res->cleanup_sent = cx.cleanup_sent;
  res->cleanup_failed = cx.cleanup_failed;
  snprintf(res->reason, sizeof(res->reason), "%s", o.prop == EF_P_NONE ? "no failure" : o.reason);
  res->fails = o.prop == prop_parse(cfm_json_str(sig, "property")) &&
               !strcmp(o.op, cfm_json_str(sig, "op")) &&
               !strcmp(o.code, cfm_json_str(sig, "code") ? cfm_json_str(sig, "code") : "");
  cfm__ef_model_release(&m);
  return CFM_EOK;
}

void cfm_efuzz_result_release(cfm_efuzz_result *res) {
  json_decref(res->repro);
  res->repro = NULL;
}
