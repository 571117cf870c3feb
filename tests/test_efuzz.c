/* The endpoint fuzzer (conform/efuzz.h): generated values stay in (or just
 * past) the documented domain, the faithful mock gives no failure, the same
 * seed gives the same run, every [fuzz] fault of the mock is found and its
 * shrunk case replays, and the command's safety rules. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "conform/efuzz.h"
#include "conform/mock.h"
#include "efuzz_internal.h"
#include "helper_cli.h"

static cfm_specset specs;

static void load_specs(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
}

/* A mock in process with fault (or none) and a config pointing at it. */
typedef struct rig {
  cfm_cli_fuzz_mock ip;
  cfm_config cfg;
} rig;

static void rig_up_reading(rig *r, const char *fault, int alt) {
  cfm_mock_config mc;
  const char *faults[2] = {fault, NULL};
  char why[256];
  memset(r, 0, sizeof(*r));
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  mc.reading_alt = alt;
  cr_assert_eq(cfm_mock_start(&mc, &r->ip.mock, why, sizeof(why)), 0, "%s", why);
  cfm_config_init(&r->cfg);
  cfm_config_use_mock(&r->cfg, cfm_mock_port(r->ip.mock));
}

static void rig_up(rig *r, const char *fault) {
  rig_up_reading(r, fault, 0);
}

static void rig_down(rig *r) {
  cfm_config_release(&r->cfg);
  cfm_mock_stop(r->ip.mock);
  free(r->ip.body);
}

static void fuzz_on(const char *fault, int alt, const char *vendor, unsigned long long seed,
                    size_t budget, cfm_efuzz_result *res) {
  rig r;
  cfm_efuzz_options o;
  cfm_error_t err;
  memset(&o, 0, sizeof(o));
  o.seed = seed;
  o.budget = budget;
  o.vendor = vendor;
  cfm_error_init(&err);
  rig_up_reading(&r, fault, alt);
  cr_assert_eq(cfm_efuzz_run(&specs, &r.cfg, &o, cfm_cli_fuzz_mock_send, &r.ip, res, &err), CFM_EOK,
               "%s", err.text);
  rig_down(&r);
}

static void fuzz(const char *fault, const char *vendor, unsigned long long seed, size_t budget,
                 cfm_efuzz_result *res) {
  fuzz_on(fault, 0, vendor, seed, budget, res);
}

/* Replays c against a mock with fault (or none): 1 when it fails again. */
static int replays(const json_t *c, const char *fault) {
  rig r;
  cfm_efuzz_result res;
  cfm_error_t err;
  cfm_error_init(&err);
  rig_up(&r, fault);
  cr_assert_eq(cfm_efuzz_replay(&specs, &r.cfg, c, cfm_cli_fuzz_mock_send, &r.ip, &res, &err),
               CFM_EOK, "%s", err.text);
  rig_down(&r);
  cfm_efuzz_result_release(&res);
  return res.fails != 0;
}

Test(efuzz, strings_stay_within_the_documented_limit_or_just_past_it) {
  cfm__ef_field chars = {.name = "n", .type = "string", .has_len = 1, .maxlen = 20};
  cfm__ef_field bytes = {
      .name = "b", .type = "string", .has_len = 1, .maxlen = 30, .unit_bytes = 1};
  cfm__ef_rng r = {42};
  size_t i, at_max = 0, non_ascii = 0;
  for (i = 0; i < 3000; i++) {
    const cfm__ef_field *f = i % 2 ? &bytes : &chars;
    json_t *ok = cfm__ef_valid_string(&r, f, i % 3 == 0, 12);
    json_t *bad = cfm__ef_long_string(&r, f, i % 3 == 0, 12);
    const char *s = json_string_value(ok), *b = json_string_value(bad);
    /* "${run}-" stands for the 12-character prefix and its dash. */
    size_t extra = i % 3 == 0 ? 13 - 7 : 0;
    size_t n = f->unit_bytes ? strlen(s) : cfm__ef_cps(s, strlen(s));
    size_t nb = f->unit_bytes ? strlen(b) : cfm__ef_cps(b, strlen(b));
    cr_assert(n + extra <= (size_t)f->maxlen, "valid '%s' has %zu units", s, n + extra);
    cr_assert(nb + extra > (size_t)f->maxlen, "near-valid '%s' has %zu units", b, nb + extra);
    at_max += n + extra == (size_t)f->maxlen;
    for (; *s; s++)
      non_ascii += (unsigned char)*s >= 0x80;
    json_decref(ok);
    json_decref(bad);
  }
  cr_assert_gt(at_max, 100, "the bound itself is drawn often");
  cr_assert_gt(non_ascii, 1000, "Unicode classes are used");
}

Test(efuzz, faithful_mock_has_no_failure) {
  cfm_efuzz_result res;
  load_specs();
  fuzz(NULL, NULL, 7, 3000, &res);
  cr_assert_eq(res.fails, 0, "false alarm: %s", res.reason);
  cr_assert_geq(res.requests, 3000);
  cr_assert_eq(res.cleanup_failed, 0);
  cr_assert_null(res.repro);
  cfm_specset_release(&specs);
}

/* The mock's other reading of what the documents leave open is faithful
 * too: generated traffic and documented sequences must not fail on it.
 * Seed 1 once failed after 630 requests: a near-valid modify the reading
 * accepts silently changed the group, and the read-back still expected
 * the value before it. */
Test(efuzz, alternative_reading_has_no_failure) {
  static const unsigned long long seeds[][2] = {{1, 1000}, {7, 3000}};
  size_t i;
  load_specs();
  for (i = 0; i < 2; i++) {
    cfm_efuzz_result res;
    fuzz_on(NULL, 1, NULL, seeds[i][0], (size_t)seeds[i][1], &res);
    cr_assert_eq(res.fails, 0, "false alarm on --reading alt (seed %llu): %s", seeds[i][0],
                 res.reason);
    cr_assert_geq(res.requests, (size_t)seeds[i][1]);
    cr_assert_eq(res.cleanup_failed, 0);
    cfm_efuzz_result_release(&res);
  }
  cfm_specset_release(&specs);
}

Test(efuzz, same_seed_same_run) {
  cfm_efuzz_result a, b, c;
  load_specs();
  fuzz(NULL, NULL, 11, 800, &a);
  fuzz(NULL, NULL, 11, 800, &b);
  fuzz(NULL, NULL, 12, 800, &c);
  cr_assert_eq(a.digest, b.digest);
  cr_assert_eq(a.requests, b.requests);
  cr_assert_eq(a.trials, b.trials);
  cr_assert_neq(a.digest, c.digest);
  cfm_specset_release(&specs);
}

/* Every [fuzz] fault (missed by the cases: test_mutation) is found within
 * a small budget, shrunk to a few steps, and its case file fails again
 * against the fault and not against the faithful mock. */
Test(efuzz, every_fuzz_fault_is_found_shrunk_and_replayed) {
  const cfm_mock_fault *f;
  size_t n = 0;
  load_specs();
  for (f = cfm_mock_faults(); f->name; f++) {
    cfm_efuzz_result res;
    if (!strstr(f->statement, "[fuzz]"))
      continue;
    n++;
    fuzz(f->name, f->vendor, 1, 5000, &res);
    cr_assert_geq(res.fails, 1, "%s not found in %zu requests", f->name, res.requests);
    cr_assert_not_null(res.repro);
    cr_assert_leq(json_array_size(json_object_get(res.repro, "steps")), 4, "%s: %zu steps", f->name,
                  json_array_size(json_object_get(res.repro, "steps")));
    cr_assert(replays(res.repro, f->name), "%s: the shrunk case does not fail again", f->name);
    cr_assert(!replays(res.repro, NULL), "%s: the shrunk case fails on the faithful mock", f->name);
    cfm_efuzz_result_release(&res);
  }
  cr_assert_geq(n, 5);
  cfm_specset_release(&specs);
}

/* Sequence faults the cases also find: the fuzzer's shrunk case keeps the
 * deletion its not-found call depends on (it once dropped it and failed on
 * the faithful mock too). */
Test(efuzz, shrunk_sequences_keep_what_their_expectation_needs) {
  static const char *const faults[][2] = {{"tencent-use-after-destroy", "tencent-im"},
                                          {"agora-use-after-delete", "agora-chat"}};
  size_t i;
  load_specs();
  for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
    cfm_efuzz_result res;
    fuzz(faults[i][0], faults[i][1], 1, 5000, &res);
    cr_assert_geq(res.fails, 1, "%s not found", faults[i][0]);
    cr_assert(replays(res.repro, faults[i][0]), "%s: no longer fails", faults[i][0]);
    cr_assert(!replays(res.repro, NULL), "%s: the shrunk case fails on the faithful mock",
              faults[i][0]);
    cfm_efuzz_result_release(&res);
  }
  cfm_specset_release(&specs);
}

/* A near-valid request (public left out) the target accepts. */
Test(efuzz, accepted_near_valid_request_fails) {
  cfm_efuzz_result res;
  load_specs();
  fuzz("agora-public-optional", "agora-chat", 1, 5000, &res);
  cr_assert_geq(res.fails, 1);
  cr_assert_str_eq(
      json_string_value(json_object_get(json_object_get(res.repro, "signature"), "property")),
      "near-valid-refused", "%s", res.reason);
  cfm_efuzz_result_release(&res);
  cfm_specset_release(&specs);
}

Test(efuzz, replay_refuses_what_is_no_case_file) {
  rig r;
  cfm_efuzz_result res;
  cfm_error_t err;
  json_t *c = json_pack("{s:s}", "format", "something-else");
  load_specs();
  cfm_error_init(&err);
  rig_up(&r, NULL);
  cr_assert_eq(cfm_efuzz_replay(&specs, &r.cfg, c, cfm_cli_fuzz_mock_send, &r.ip, &res, &err),
               CFM_EPARSE);
  rig_down(&r);
  json_decref(c);
  cfm_specset_release(&specs);
}

Test(efuzz_cli, remote_target_needs_allow_remote) {
  char out[256];
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s fuzz --target agora-chat=https://example.invalid --budget 5 2>&1",
                         CONFORM_BIN),
               2);
  cr_assert(strstr(out, "--allow-remote") != NULL, "%s", out);
}

Test(efuzz_cli, usage_errors_and_bad_case_files) {
  char out[512];
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s fuzz --no-such 2>&1", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s fuzz --budget 0 2>&1", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s fuzz --seed 2>&1", CONFORM_BIN), 2);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "%s fuzz --mock-fault nope --budget 5 2>&1", CONFORM_BIN), 2);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "%s fuzz --mock-reading other --budget 5 2>&1", CONFORM_BIN), 2);
  cr_assert(strstr(out, "--mock-reading") != NULL, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "echo '[1]' > fz-bad.json; %s fuzz --replay fz-bad.json 2>&1; rc=$?; rm "
                         "-f fz-bad.json; exit $rc",
                         CONFORM_BIN),
               3);
}

Test(efuzz_cli, finds_saves_and_replays) {
  char out[1024];
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s fuzz --vendor dingtalk-rooms --mock-fault dingtalk-astral-name-cut "
                         "--seed 1 --budget 3000 --out fz-case.json 2>&1",
                         CONFORM_BIN),
               1, "%s", out);
  cr_assert(strstr(out, "saved as 'fz-case.json'") != NULL, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s fuzz --replay fz-case.json --mock-fault dingtalk-astral-name-cut 2>&1",
                         CONFORM_BIN),
               1, "%s", out);
  cr_assert(strstr(out, "reproduced") != NULL, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s fuzz --replay fz-case.json 2>&1; rc=$?; "
                         "rm -f fz-case.json; exit $rc",
                         CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s fuzz --seed 5 --budget 300 2>&1", CONFORM_BIN), 0,
               "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s fuzz --mock-reading alt --seed 5 --budget 300 2>&1",
                         CONFORM_BIN),
               0, "%s", out);
}

/* The detection budgets (tests/data/efuzz_budgets.txt): every fault of
 * tests/data/faults.txt has one, and with seed 1 the fuzzer finds the
 * fault within it, shrinks it, and the case file fails again against the
 * fault and passes on the faithful mock. */
Test(efuzz, every_fault_is_found_within_its_budget, .timeout = 240) {
  char line[256], name[128];
  FILE *f = fopen(CONFORM_TESTDATA_DIR "/efuzz_budgets.txt", "r");
  FILE *all = fopen(CONFORM_TESTDATA_DIR "/faults.txt", "r");
  json_t *budget = json_object();
  const char *k;
  json_t *b;
  size_t n = 0;
  cr_assert_not_null(f);
  cr_assert_not_null(all);
  while (fgets(line, sizeof(line), f)) {
    unsigned long n_req;
    if (line[0] != '#' && sscanf(line, "%127s %lu", name, &n_req) == 2)
      json_object_set_new(budget, name, json_integer((json_int_t)n_req));
  }
  fclose(f);
  while (fgets(line, sizeof(line), all)) {
    if (line[0] != '#' && sscanf(line, "%127s", name) == 1) {
      cr_assert_not_null(json_object_get(budget, name), "%s has no detection budget", name);
      n++;
    }
  }
  fclose(all);
  cr_assert_eq(json_object_size(budget), n, "a budget names no fault of faults.txt");
  load_specs();
  json_object_foreach(budget, k, b) {
    const cfm_mock_fault *mf;
    cfm_efuzz_result res;
    for (mf = cfm_mock_faults(); mf->name && strcmp(mf->name, k); mf++)
      ;
    cr_assert_not_null(mf->name, "%s is no fault of the mock", k);
    fuzz(k, mf->vendor, 1, (size_t)json_integer_value(b), &res);
    cr_assert_geq(res.fails, 1, "%s not found in %zu requests", k, res.requests);
    cr_assert(replays(res.repro, k), "%s: the shrunk case does not fail again", k);
    cr_assert(!replays(res.repro, NULL), "%s: the shrunk case fails on the faithful mock", k);
    cfm_efuzz_result_release(&res);
  }
  json_decref(budget);
  cfm_specset_release(&specs);
}

/* Safety of documented sequences against a live target: the ones that
 * create hundreds of groups are never drawn, and a destructive step that
 * names an id the trial did not create is not sent. */
Test(efuzz, documented_sequences_keep_the_safety_rules) {
  cfm__ef_model m;
  cfm_error_t err;
  cfm__ef_rng r = {3};
  size_t i, heavy_local = 0, heavy_live = 0;
  json_t *op = json_pack("{s:b, s:{s:s}, s:[{s:s, s:s}]}", "destructive", 1, "bind", "group_id",
                         "${g}", "params", "name", "group_id", "in", "path");
  json_t *req = json_pack("{s:{s:s}}", "path", "group_id", "x1");
  json_t *made = json_object();
  load_specs();
  cfm_error_init(&err);
  cr_assert_eq(cfm__ef_model_build(&specs, "agora-chat", &m, &err), CFM_EOK, "%s", err.text);
  for (i = 0; i < 4000; i++) {
    json_t *a = cfm__ef_seq_trial(&r, &m.v[0], i % 2), *st;
    size_t k, big = 0;
    json_array_foreach(a, k, st) big |= json_integer_value(json_object_get(st, "repeat")) > 100;
    *(i % 2 ? &heavy_local : &heavy_live) += big;
    json_decref(a);
  }
  cr_assert_eq(heavy_live, 0, "a sequence creating hundreds of groups drawn for a live target");
  cr_assert_gt(heavy_local, 0, "the heavy sequences are drawn locally");
  cfm__ef_model_release(&m);
  cr_assert_eq(cfm__ef_seq_foreign(op, req, made), 1);
  json_object_set_new(made, "x1", json_true());
  cr_assert_eq(cfm__ef_seq_foreign(op, req, made), 0);
  json_object_set_new(op, "destructive", json_false());
  json_object_clear(made);
  cr_assert_eq(cfm__ef_seq_foreign(op, req, made), 0);
  json_decref(op);
  json_decref(req);
  json_decref(made);
  cfm_specset_release(&specs);
}
