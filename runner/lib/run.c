/* conform — the run's entry point.
 *
 * Owns cfm_run: the lint gate, case generation, selection and sharding,
 * the executor and reports of one run, the two phases (concurrent cases,
 * then list walks one at a time so concurrent creates and deletes cannot
 * shift their pages), clean-up, totals and interrupts.  Must not build
 * requests (request.c), judge (verdict.c) or step cases (flow.c, walk.c). */
#include "run_internal.h"

#include "conform/sanitize.h"
#include "conform/jsonutil.h"
#include "conform/ledger.h"
#include "conform/sanitize.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The counter of runs that bring none (cfm_run_interrupt's callers). */
static volatile sig_atomic_t process_interrupt;

void cfm_run_interrupt(void) {
  if (process_interrupt < 100)
    process_interrupt++;
}

int cfm_run_was_interrupted(void) {
  return process_interrupt > 0;
}

double cfm__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

uint32_t cfm__run_random(cfm__run *rh) {
  uint64_t z = (rh->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (uint32_t)((z ^ (z >> 31)) >> 32);
}

int cfm__run_stopped(const cfm__run *rh) {
  return *rh->stop > 0;
}

/* Retry decision of the executor: a throttle status, or a throttle code
 * at any spec's error-model code pointer. */
static int throttled_cb(void *user, const cfm_http_response *res) {
  cfm__run *rh = user;
  const json_t *v;
  size_t i;
  int hit = 0;
  json_array_foreach(rh->throttle_status, i, v) {
    if (json_integer_value(v) == res->status)
      return 1;
  }
  if (res->len && res->len < 65536 && json_array_size(rh->throttle_codes)) {
    json_t *b = cfm_json_parse(res->body, res->len, 65536, NULL, 0);
    json_array_foreach(rh->throttle_pointers, i, v) {
      const json_t *c = b ? cfm_json_pointer(b, json_string_value(v)) : NULL;
      const json_t *code;
      size_t k;
      char text[64];
      if (!c || json_is_object(c) || json_is_array(c))
        continue;
      cfm_json_scalar_text(c, text, sizeof(text));
      json_array_foreach(rh->throttle_codes, k, code) hit |= !strcmp(json_string_value(code), text);
    }
    json_decref(b);
  }
  return hit;
}

int cfm_run_selects(const cfm_run_options *opt, const cfm_case *c) {
  if (opt->vendor && strcmp(opt->vendor, c->spec->vendor))
    return 0;
  if (opt->filter && fnmatch(opt->filter, c->id, 0) != 0)
    return 0;
  if (opt->exclude && fnmatch(opt->exclude, c->id, 0) == 0)
    return 0;
  if (opt->shard_count > 1 && !cfm_shard_selects(c->id, opt->shard_index, opt->shard_count))
    return 0;
  return 1;
}

/* The specs' variable defaults (demo app ids, user names) are not secret:
 * the sanitiser shows them even where they share bytes with a token. */
static void register_public_defaults(const cfm_spec *spec) {
  const char *name;
  const json_t *v;
  json_object_foreach(json_object_get(spec->root, "variables"), name, v) {
    const char *d = json_string_value(json_object_get(v, "default"));
    if (d && cfm_sanitize_add_public(d) == CFM_ENOMEM)
      return; /* the registry is an aid to readability only */
  }
}

/* The handle's state besides the executor: prefix, PRNG, throttle facts. */
static int run_init(cfm__run *rh, const cfm_specset *set, cfm_config *cfg,
                    const cfm_run_options *opt) {
  size_t i;
  memset(rh, 0, sizeof(*rh));
  rh->set = set;
  rh->cfg = cfg;
  rh->opt = opt;
  rh->stop = opt->interrupt ? opt->interrupt : &process_interrupt;
  *rh->stop = 0;
  rh->rng = opt->seed ? opt->seed : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
  if (cfg->run_prefix)
    snprintf(rh->prefix, sizeof(rh->prefix), "%s", cfg->run_prefix);
  else
    snprintf(rh->prefix, sizeof(rh->prefix), "cfm-%04x",
             (unsigned)((getpid() ^ time(NULL)) & 0xffff));
  rh->ledger.fd = -1;
  rh->cleanup = json_array();
  rh->not_deleted = json_array();
  rh->dry_pace = json_object();
  rh->created_ids = json_object();
  rh->reach = json_object();
  rh->throttle_codes = json_array();
  rh->throttle_status = json_array();
  rh->throttle_pointers = json_array();
  if (!rh->cleanup || !rh->dry_pace || !rh->not_deleted || !rh->created_ids || !rh->reach ||
      !rh->throttle_codes || !rh->throttle_status || !rh->throttle_pointers)
    return CFM_ENOMEM;
  for (i = 0; i < set->count; i++) {
    const json_t *tr = json_object_get(set->items[i]->root, "transport");
    const json_t *th = json_object_get(tr, "throttle"), *v;
    const json_t *ptr = json_object_get(json_object_get(tr, "error_model"), "code");
    size_t k;
    register_public_defaults(set->items[i]);
    json_array_foreach(json_object_get(th, "codes"), k, v) {
      char text[64];
      if (json_array_append_new(rh->throttle_codes,
                                json_string(cfm_json_scalar_text(v, text, sizeof(text)))))
        return CFM_ENOMEM;
    }
    json_array_foreach(json_object_get(th, "status"), k, v) {
      if (json_array_append(rh->throttle_status, (json_t *)v))
        return CFM_ENOMEM;
    }
    if (json_is_string(ptr) && json_array_append(rh->throttle_pointers, (json_t *)ptr))
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}

static void run_release(cfm__run *rh) {
  if (rh->rep)
    cfm_report_close(rh->rep, 0, NULL);
  cfm_exec_free(rh->ex);
  cfm_ledger_close(&rh->ledger);
  json_decref(rh->cleanup);
  json_decref(rh->not_deleted);
  json_decref(rh->dry_pace);
  json_decref(rh->created_ids);
  json_decref(rh->reach);
  json_decref(rh->throttle_codes);
  json_decref(rh->throttle_status);
  json_decref(rh->throttle_pointers);
}

/* The selected cases, split into concurrent and exclusive ones. */
typedef struct selection {
  cfm_caselist list;
  cfm_case **normal, **exclusive;
  size_t nn, ne;
} selection;

static int select_cases(const cfm_specset *set, const cfm_run_options *opt, selection *s,
                        cfm_error_t *err) {
  size_t i;
  int rc = cfm_cases_generate(set, &s->list);
  if (rc == CFM_ETOOBIG)
    return cfm_error_set(err, CFM_ESPEC, "cases", "",
                         "the specs' cases would need over %u MiB: lower or split the limits",
                         CFM_CASES_MAX_TEXT >> 20);
  if (rc)
    return cfm_error_set(err, CFM_ENOMEM, "cases", "", "out of memory");
  s->normal = calloc(s->list.count + 1, sizeof(*s->normal));
  s->exclusive = calloc(s->list.count + 1, sizeof(*s->exclusive));
  if (!s->normal || !s->exclusive)
    return cfm_error_set(err, CFM_ENOMEM, "cases", "", "out of memory");
  for (i = 0; i < s->list.count; i++) {
    if (!cfm_run_selects(opt, &s->list.items[i]))
      continue;
    if (s->list.items[i].exclusive)
      s->exclusive[s->ne++] = &s->list.items[i];
    else
      s->normal[s->nn++] = &s->list.items[i];
  }
  return CFM_EOK;
}

static void selection_release(selection *s) {
  free(s->normal);
  free(s->exclusive);
  cfm_caselist_release(&s->list);
}

/* Every vendor in play needs a target. */
static int check_targets(cfm_config *cfg, const selection *s, cfm_error_t *err) {
  size_t i;
  for (i = 0; i < s->nn + s->ne; i++) {
    const cfm_case *c = i < s->nn ? s->normal[i] : s->exclusive[i - s->nn];
    const cfm_target *t = cfm_config_target(cfg, c->spec->vendor);
    if (!t || !t->base_url)
      return cfm_error_set(err, CFM_ECONFIG, c->spec->vendor, "",
                           "no target for '%s': give --target %s=URL or a config file",
                           c->spec->vendor, c->spec->vendor);
  }
  return CFM_EOK;
}

static int open_reports(cfm__run *rh, size_t expected, cfm_error_t *err) {
  const cfm_run_options *opt = rh->opt;
  cfm_report_options ro;
  json_t *targets = json_object(), *cov = cfm_coverage_items(rh->set);
  char shard[32];
  size_t i;
  int rc;
  memset(&ro, 0, sizeof(ro));
  ro.cfg = rh->cfg;
  for (i = 0; i < rh->cfg->count; i++)
    if (rh->cfg->targets[i].base_url)
      json_object_set_new(targets, rh->cfg->targets[i].vendor,
                          json_string(rh->cfg->targets[i].base_url));
  ro.dir = opt->reports_dir;
  ro.term = opt->term;
  ro.term_is_tty = opt->term_is_tty;
  ro.expected_cases = expected;
  if (opt->shard_count > 1) {
    snprintf(shard, sizeof(shard), "%u/%u", opt->shard_index, opt->shard_count);
    ro.shard = shard;
  }
  ro.targets = targets;
  ro.coverage_items = cov;
  rc = cfm_report_open(&ro, &rh->rep, err);
  json_decref(targets);
  json_decref(cov);
  return rc;
}

static int open_exec(cfm__run *rh, unsigned *concurrency, cfm_error_t *err) {
  const cfm_run_options *opt = rh->opt;
  cfm_config *cfg = rh->cfg;
  cfm_exec_options eo;
  cfm_exec_options_init(&eo);
  eo.concurrency = opt->concurrency ? opt->concurrency : cfg->concurrency ? cfg->concurrency : 8;
  eo.timeout_ms = opt->timeout_ms ? opt->timeout_ms : cfg->timeout_ms ? cfg->timeout_ms : 10000;
  eo.global_rate_per_s = !opt->pace ? 0 : opt->max_rps > 0 ? opt->max_rps : cfg->global_rate_per_s;
  eo.throttled = throttled_cb;
  eo.throttled_user = rh;
  eo.cancel_flag = rh->stop; /* the second interrupt abandons requests in flight */
  eo.cancel_at = 2;
  eo.drop_at = 1; /* the first interrupt sends nothing more that is queued */
  /* TLS verification and CA bundles are per target, set on each request. */
  *concurrency = eo.concurrency;
  if (!(rh->ex = cfm_exec_new(&eo)))
    return cfm_error_set(err, CFM_ENOMEM, "executor", "", "out of memory");
  return CFM_EOK;
}

/* One line of the run's own on the terminal (stderr when opt->term is
 * NULL), through the terminal sink: ids and paths may come from a target. */
static void say(const cfm__run *rh, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void say(const cfm__run *rh, const char *fmt, ...) {
  FILE *f = rh->opt->term ? rh->opt->term : stderr;
  char line[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fputs("conform: ", f);
  (void)cfm_sanitize_write(f, rh->cfg, line, strlen(line), sizeof(line), CFM_SINK_TERM);
  fputc('\n', f);
}

/* Warns about the unfinished ledgers of earlier runs (in the sibling run
 * directories), then opens this run's in its run directory. */
static void open_ledger(cfm__run *rh) {
  json_t *old = cfm_ledger_unfinished(rh->opt->reports_dir);
  const json_t *p;
  size_t i;
  char path[600];
  json_array_foreach(old, i, p) {
    say(rh, "an earlier run left resources behind (ledger %s): run 'conform cleanup %s'",
        json_string_value(p), json_string_value(p));
  }
  json_decref(old);
  snprintf(path, sizeof(path), "%.500s/ledger-%s.jsonl", cfm_report_run_dir(rh->rep), rh->prefix);
  if (cfm_ledger_open(&rh->ledger, path) != 0)
    say(rh, "cannot open the clean-up ledger %s: created resources are not recorded", path);
}

/* What clean-up did, exactly: each resource not deleted by id. */
static void cleanup_summary(cfm__run *rh, cfm_run_result *res) {
  const json_t *e;
  size_t i;
  res->cleanup_failed = json_array_size(rh->not_deleted);
  snprintf(res->ledger, sizeof(res->ledger), "%s", rh->ledger.path);
  json_array_foreach(rh->not_deleted, i, e) {
    char id[300];
    cfm_json_scalar_text(json_object_get(e, "id"), id, sizeof(id));
    say(rh, "NOT deleted: %s %s %s", cfm_json_str(e, "vendor"), cfm_json_str(e, "op"), id);
  }
  if (res->cleanup_failed)
    say(rh, "clean-up: %zu deleted, %zu NOT deleted (ledger %s; 'conform cleanup %s' retries)",
        rh->cleanup_sent, res->cleanup_failed, rh->ledger.path[0] ? rh->ledger.path : "none",
        rh->ledger.path[0] ? rh->ledger.path : "LEDGER");
  else if (rh->ledger.fd >= 0)
    (void)cfm_ledger_note(&rh->ledger, "finished", json_true(), 1);
}

/* --dry-run: the closing summary on opt->out. */
static void dry_summary(const cfm__run *rh, unsigned concurrency) {
  FILE *out = rh->opt->out ? rh->opt->out : stdout;
  const char *k;
  json_t *v;
  double est = 0;
  json_object_foreach(rh->dry_pace, k, v) {
    if (json_real_value(v) > est)
      est = json_real_value(v);
  }
  if (rh->opt->pace && rh->opt->max_rps > 0 && rh->dry_requests / rh->opt->max_rps > est)
    est = (double)rh->dry_requests / rh->opt->max_rps;
  fprintf(out,
          "dry run: %zu requests (%zu creates, %zu clean-up deletes); %zu not sent to a live "
          "target (they would name ids this run did not create); estimated time at the "
          "configured pace: %.0f s%s\n",
          rh->dry_requests, rh->dry_creates, rh->dry_deletes, rh->guarded, est,
          rh->opt->pace ? "" : " (unpaced: the embedded mock or --no-pace)");
  (void)concurrency;
}

/* Totals of a finished run into res; closes the reports. */
static int finish_run(cfm__run *rh, double t0, cfm_run_result *res, cfm_error_t *err) {
  const char *vendor;
  json_t *v;
  cfm_exec_stats st;
  cfm_exec_stats_get(rh->ex, &st);
  res->requests = st.requests;
  cfm__cleanup_phase(rh);
  if (!rh->opt->dry_run)
    cleanup_summary(rh, res);
  else
    dry_summary(rh, 0);
  res->guarded = rh->guarded;
  res->dry_requests = rh->dry_requests;
  res->dry_creates = rh->dry_creates;
  res->dry_deletes = rh->dry_deletes;
  res->wall_ms = cfm__now_ms() - t0;
  json_object_foreach(rh->reach, vendor, v) {
    if (json_integer_value(json_array_get(v, 0)) == 0 &&
        json_integer_value(json_array_get(v, 1)) > 0)
      res->unreachable_targets++;
  }
  memcpy(res->counts, rh->counts, sizeof(res->counts));
  res->baselined = rh->baselined;
  res->interrupted = cfm__run_stopped(rh);
  res->cleanup_sent = rh->cleanup_sent;
  if (rh->rep) {
    cfm_report_summary sum;
    int crc = cfm_report_close(rh->rep, res->wall_ms, &sum);
    rh->rep = NULL;
    snprintf(res->run_dir, sizeof(res->run_dir), "%s", sum.run_dir);
    if (crc || rh->report_error)
      return cfm_error_set(err, CFM_EIO, rh->opt->reports_dir, "", "cannot write the reports");
  }
  return CFM_EOK;
}

static void list_cases(const cfm_run_options *opt, const selection *s) {
  FILE *out = opt->out ? opt->out : stdout;
  size_t i;
  for (i = 0; i < s->list.count; i++)
    if (cfm_run_selects(opt, &s->list.items[i]))
      fprintf(out, "%-70s %s\n", s->list.items[i].id, s->list.items[i].kind);
}

int cfm_run(const cfm_specset *set, cfm_config *cfg, const cfm_run_options *opt,
            cfm_run_result *res, cfm_error_t *err) {
  cfm__run rh;
  selection s;
  unsigned concurrency = 8;
  int rc;
  double t0 = cfm__now_ms();
  memset(res, 0, sizeof(*res));
  memset(&s, 0, sizeof(s));
  /* Cases trust the spec format: an invalid spec is refused, not run. */
  if ((rc = cfm_specset_check(set, err)) != CFM_EOK)
    return rc;
  if ((rc = run_init(&rh, set, cfg, opt)) != CFM_EOK) {
    rc = cfm_error_set(err, CFM_ENOMEM, "run", "", "out of memory");
    goto out;
  }
  if ((rc = select_cases(set, opt, &s, err)) != CFM_EOK)
    goto out;
  res->cases = (s.nn + s.ne) * (opt->repeat ? opt->repeat : 1);
  if (opt->list) {
    list_cases(opt, &s);
    goto out;
  }
  if ((rc = check_targets(cfg, &s, err)) || (rc = open_exec(&rh, &concurrency, err)))
    goto out;
  if (opt->reports_dir && !opt->dry_run && (rc = open_reports(&rh, res->cases, err)))
    goto out;
  if (rh.rep)
    open_ledger(&rh);
  cfm__flow_run(&rh, s.normal, s.nn, concurrency);
  cfm__flow_run(&rh, s.exclusive, s.ne, 1);
  rc = finish_run(&rh, t0, res, err);
out:
  run_release(&rh);
  selection_release(&s);
  return rc;
}
