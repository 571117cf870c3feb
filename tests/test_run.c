/* The runner end to end: deterministic case generation, a full run against
 * the embedded mock, and a run against a target that does not listen. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/mock.h"
#include "conform/runner.h"

static cfm_specset specs;

static void load(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
}

Test(run, cases_are_deterministic_and_unique) {
  cfm_caselist a = {0}, b = {0};
  size_t i, j;
  const char *kinds[] = {"example", "required",  "type", "limit",    "enum",
                         "auth",    "not_found", "rule", "scenario", "robustness"};
  load();
  cr_assert_eq(cfm_cases_generate(&specs, &a), CFM_EOK);
  cr_assert_eq(cfm_cases_generate(&specs, &b), CFM_EOK);
  cr_assert_eq(a.count, b.count);
  cr_assert_geq(a.count, 300);
  for (i = 0; i < a.count; i++) {
    cr_assert_str_eq(a.items[i].id, b.items[i].id);
    cr_assert_str_eq(a.items[i].steps_json, b.items[i].steps_json, "%s differs", a.items[i].id);
  }
  for (i = 1; i < a.count; i++)
    for (j = 0; j < i; j++)
      cr_assert_str_neq(a.items[i].id, a.items[j].id);
  for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++) {
    int seen = 0;
    for (i = 0; i < a.count; i++)
      seen |= !strcmp(a.items[i].kind, kinds[j]);
    cr_assert(seen, "no case of kind %s", kinds[j]);
  }
  cfm_caselist_release(&a);
  cfm_caselist_release(&b);
  cfm_specset_release(&specs);
}

Test(run, full_run_against_the_embedded_mock) {
  cfm_mock_config mc;
  cfm_mock *m;
  char why[256];
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  load();
  cfm_mock_config_init(&mc);
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 16;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_geq(res.cases, 300);
  cr_assert_eq(res.counts[CFM_VERDICT_PASS], res.cases, "%zu fail, %zu warn, %zu error, %zu skip",
               res.counts[CFM_VERDICT_FAIL], res.counts[CFM_VERDICT_WARN],
               res.counts[CFM_VERDICT_ERROR], res.counts[CFM_VERDICT_SKIP]);
  cr_assert_eq(res.unreachable_targets, 0);
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  cfm_specset_release(&specs);
}

Test(run, unreachable_target_gives_errors, .timeout = 60) {
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  load();
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, 1); /* nothing listens on port 1 */
  memset(&opt, 0, sizeof(opt));
  opt.vendor = "agora-chat";
  opt.timeout_ms = 2000;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(res.unreachable_targets, 1);
  cr_assert_eq(res.counts[CFM_VERDICT_FAIL], 0, "network trouble is never a contract failure");
  cr_assert_gt(res.counts[CFM_VERDICT_ERROR] + res.counts[CFM_VERDICT_SKIP], 0);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
}

/* The cases' text is counted and capped: the shipped specs need a few MiB
 * at most, and a cap below that refuses generation instead of growing. */
Test(run, case_text_is_counted_and_capped) {
  cfm_caselist all = {0}, capped = {0};
  load();
  cr_assert_eq(cfm_cases_generate(&specs, &all), CFM_EOK);
  cr_assert_gt(all.text_bytes, 100000);
  cr_assert_lt(all.text_bytes, 8u * 1024u * 1024u, "%zu bytes", all.text_bytes);
  capped.max_text = all.text_bytes / 2;
  cr_assert_eq(cfm_cases_generate(&specs, &capped), CFM_ETOOBIG);
  cr_assert_leq(capped.text_bytes - strlen(capped.items[capped.count - 1].steps_json),
                capped.max_text);
  cr_assert_lt(capped.count, all.count);
  cfm_caselist_release(&all);
  cfm_caselist_release(&capped);
  cfm_specset_release(&specs);
}

/* A spec with lint findings is refused before anything is generated or
 * sent: case generation trusts the format. */
Test(run, a_spec_with_lint_findings_is_refused) {
  cfm_specset bad = {0};
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&bad, CONFORM_TESTDATA_DIR "/lint/limit-huge.json", &err),
               CFM_EOK, "%s", err.text);
  json_object_del(bad.items[0]->root, "x-expect"); /* the test file's note: not a finding here */
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, 1); /* never contacted */
  memset(&opt, 0, sizeof(opt));
  cr_assert_eq(cfm_run(&bad, &cfg, &opt, &res, &err), CFM_ESPEC);
  cr_assert(strstr(err.text, "above the maximum") != NULL, "%s", err.text);
  cr_assert(strstr(err.pointer, "/limits/0/max") != NULL, "%s", err.pointer);
  cr_assert_eq(res.requests, 0);
  cfm_config_release(&cfg);
  cfm_specset_release(&bad);
}

/* The random parameters of a dry run (Tencent's random=...), in order. */
static char *dry_randoms(unsigned long long seed, volatile sig_atomic_t *stop) {
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char *text = NULL, *out = calloc(1, 1 << 16), *p;
  size_t len = 0, used = 0;
  FILE *f = open_memstream(&text, &len);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, 1);
  memset(&opt, 0, sizeof(opt));
  opt.vendor = "tencent-im";
  opt.dry_run = 1;
  opt.out = f;
  opt.seed = seed;
  opt.interrupt = stop;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  fclose(f);
  cr_assert_eq(res.interrupted, 0);
  for (p = text; (p = strstr(p, "random=")) != NULL; p += 7)
    used +=
        (size_t)snprintf(out + used, (1 << 16) - used, "%.*s;", (int)strcspn(p + 7, "&'"), p + 7);
  free(text);
  cfm_config_release(&cfg);
  cr_assert_gt(used, 0);
  return out;
}

/* The run's PRNG lives in its handle: the same seed gives the same nonces
 * (two runs in one process do not share or disturb a global generator),
 * another seed others; each run watches its own interrupt counter. */
Test(run, seeded_prng_and_interrupt_counter_per_run) {
  volatile sig_atomic_t stop_a = 0, stop_b = 0;
  char *a, *b, *c;
  load();
  a = dry_randoms(42, &stop_a);
  b = dry_randoms(42, &stop_b);
  c = dry_randoms(43, &stop_a);
  cr_assert_str_eq(a, b);
  cr_assert_str_neq(a, c);
  free(a);
  free(b);
  free(c);
  cfm_specset_release(&specs);
}
