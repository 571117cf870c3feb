/* The silence matrix: the full suite against the mock in its alternative
 * reading (every statement the documents leave open answered the other
 * way: 10010 for malformed Tencent group ids, no fixture operations for
 * Agora members and DingTalk group lists, over-long Agora values accepted
 * and truncated, ...) must give no fail: a target that reads the
 * documents differently but still conforms is not flagged.  Warns are
 * allowed.  The failing cases are printed with their reasons. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "conform/runner.h"

/* Runs every case against a mock in the given reading; fills counts and
 * returns the report (new reference). */
static json_t *run_mock(int alt, const char *fault, cfm_run_result *res) {
  cfm_specset specs;
  cfm_mock_config mc;
  cfm_mock *m;
  char why[256], dir[] = "/tmp/conform-readings-XXXXXX", path[1024], cmd[1100];
  cfm_config cfg;
  cfm_run_options opt;
  cfm_error_t err;
  json_t *rep;
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_not_null(mkdtemp(dir));
  const char *faults[2] = {fault, NULL};
  cfm_mock_config_init(&mc);
  mc.reading_alt = alt;
  mc.faults = fault ? faults : NULL;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 8;
  opt.timeout_ms = 5000;
  opt.reports_dir = dir;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, res, &err), CFM_EOK, "%s", err.text);
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  cfm_specset_release(&specs);
  snprintf(path, sizeof(path), "%s/report.json", res->run_dir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep, "%s", path);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
  return rep;
}

static json_t *run_reading(int alt, cfm_run_result *res) {
  return run_mock(alt, NULL, res);
}

/* Prints the cases of a report with verdict v; returns how many. */
static size_t show(const json_t *rep, const char *v, const char *label) {
  size_t i, n = 0;
  const json_t *c;
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    if (strcmp(json_string_value(json_object_get(c, "verdict")), v))
      continue;
    printf("%s %s %s: %s\n", label, v, json_string_value(json_object_get(c, "id")),
           json_string_value(json_object_get(c, "reason")));
    n++;
  }
  return n;
}

Test(readings, alternative_readings_give_no_fail, .timeout = 120) {
  cfm_run_result res;
  json_t *rep = run_reading(1, &res);
  size_t fails = show(rep, "fail", "alt");
  printf("alternative reading: %zu cases: %zu pass, %zu warn, %zu skip, %zu fail, %zu error\n",
         res.cases, res.counts[CFM_VERDICT_PASS], res.counts[CFM_VERDICT_WARN],
         res.counts[CFM_VERDICT_SKIP], res.counts[CFM_VERDICT_FAIL], res.counts[CFM_VERDICT_ERROR]);
  (void)show(rep, "error", "alt");
  (void)show(rep, "warn", "alt");
  (void)show(rep, "skip", "alt");
  cr_assert_gt(res.cases, 0);
  cr_assert_eq(fails, 0, "%zu fail verdicts against the alternative reading", fails);
  cr_assert_eq(res.counts[CFM_VERDICT_ERROR], 0);
  /* The readings are really different: some statement answered otherwise. */
  cr_assert_gt(res.counts[CFM_VERDICT_WARN] + res.counts[CFM_VERDICT_SKIP], 0);
  json_decref(rep);
}

Test(readings, faithful_reading_passes_everything, .timeout = 120) {
  cfm_run_result res;
  json_t *rep = run_reading(0, &res);
  (void)show(rep, "fail", "faithful");
  cr_assert_eq(res.counts[CFM_VERDICT_FAIL], 0);
  cr_assert_eq(res.counts[CFM_VERDICT_PASS], res.cases);
  json_decref(rep);
}

/* No case names a user, account or id of the demo data literally: each
 * comes from the spec's variables (so from the config).  A literal default
 * of a variable (the demo data's "conform-..." names) in a case's steps is
 * a user the target may not have. */
Test(readings, cases_name_users_only_through_variables) {
  cfm_specset specs;
  cfm_caselist cases;
  cfm_error_t err;
  size_t i, bad = 0;
  memset(&specs, 0, sizeof(specs));
  memset(&cases, 0, sizeof(cases));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_cases_generate(&specs, &cases), CFM_EOK);
  for (i = 0; i < cases.count; i++) {
    const cfm_case *c = &cases.items[i];
    const char *name;
    const json_t *var;
    json_object_foreach(json_object_get(c->spec->root, "variables"), name, var) {
      const char *def = json_string_value(json_object_get(var, "default"));
      char quoted[256];
      if (!def || strncmp(def, "conform-", 8)) /* the demo data's names */
        continue;
      snprintf(quoted, sizeof(quoted), "\"%s\"", def);
      if (strstr(c->steps_json, quoted)) {
        printf("%s names %s literally (variable %s)\n", c->id, quoted, name);
        bad++;
      }
    }
  }
  cr_assert_eq(bad, 0, "%zu literal users in cases", bad);
  cfm_caselist_release(&cases);
  cfm_specset_release(&specs);
}

/* A multi-step case's reason names the step that decided it, and the
 * evidence is that step's response (here the read-back, step 2 of 2). */
Test(readings, reason_and_evidence_come_from_the_deciding_step, .timeout = 120) {
  cfm_run_result res;
  json_t *rep = run_mock(0, "agora-groupname-over-limit-stored", &res), *c;
  size_t i, seen = 0;
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *reason = json_string_value(json_object_get(c, "reason"));
    const char *excerpt =
        json_string_value(json_object_get(json_object_get(c, "response"), "excerpt"));
    const char *request = json_string_value(json_object_get(c, "request"));
    if (strcmp(id, "agora-chat.create_group.limit.groupname.above"))
      continue;
    seen++;
    cr_assert_str_eq(json_string_value(json_object_get(c, "verdict")), "fail");
    cr_assert(strstr(reason, "step 2/2 GET get_group: the target stored 129 chars at "
                             "/data/0/name, beyond the documented maximum of 128"),
              "%s", reason);
    cr_assert(excerpt && strstr(excerpt, "\"name\""), "%s", excerpt ? excerpt : "(none)");
    cr_assert(request && !strncmp(request, "GET ", 4), "%s", request ? request : "(none)");
  }
  cr_assert_eq(seen, 1);
  json_decref(rep);
}
