/* conform — the endpoint fuzzer's run and replay: draws trials from the
 * generators (efuzz_gen.c), executes them (efuzz_exec.c), shrinks the
 * first failure (efuzz_shrink.c) into a case file and replays case files.
 * Sends through a caller's function: the embedded mock in process, or the
 * HTTP executor (efuzz_http.c). */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/request.h"
#include "conform/verdict.h"

#define EF_FORMAT "conform-fuzz-case/1"

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
  small = cfm__ef_shrink(cx, steps, &last, opt->max_shrink ? opt->max_shrink : 400, &runs, &reqs);
  memcpy(res->reason, last.reason, sizeof(res->reason));
  res->shrink_runs += runs;
  res->shrink_requests += reqs;
  res->repro = case_file(cx, opt->seed, small, o);
  json_decref(small);
}

/* 1 when vendor's target is the embedded mock or on the loopback. */
static int is_local(cfm_config *cfg, const char *vendor) {
  const cfm_target *tg = cfm_config_target(cfg, vendor);
  return !tg || !tg->base_url || cfm_target_is_local(tg->base_url);
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
  cx->live = !is_local(cfg, v->spec->vendor);
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
    json_t *steps = cfm__ef_trial(&rng, v, strlen(prefix), is_local(cfg, v->spec->vendor));
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
    cfm__ef_execute(&cx, steps, &o);
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
    res->guarded += cx.guarded;
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
  cfm__ef_execute(&cx, json_object_get(casefile, "steps"), &o);
  res->requests = o.requests;
  res->trials = 1;
  res->warns = o.warns;
  res->cleanup_sent = cx.cleanup_sent;
  res->cleanup_failed = cx.cleanup_failed;
  res->guarded = cx.guarded;
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
