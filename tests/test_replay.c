/* conform replay: one case of a run again (set-up, steps, clean-up) with
 * its verdict and redacted exchanges, against the run's target (--from) or
 * another; a fuzz case file through the fuzzer's replay.  Drives the real
 * binary; targets are mocks on loopback ephemeral ports. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "helper_cli.h"
#include "helper_http.h"

static char dir[64];

static void setup(void) {
  FILE *f;
  snprintf(dir, sizeof(dir), "/tmp/cfm-replay-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  /* The mock's demo credentials, as a user's config would give them. */
  {
    char path[128];
    snprintf(path, sizeof(path), "%s/demo.json", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"targets\": {\"dingtalk-rooms\": {\"credentials\": "
          "{\"access_token\": \"conform-demo-access-token\"}}}}\n",
          f);
    fclose(f);
  }
}

static void teardown(void) {
  char out[64];
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}

TestSuite(replay, .init = setup, .fini = teardown);

Test(replay, usage_errors) {
  char out[2048];
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s replay 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s replay a b 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s replay dingtalk-rooms.delete_group.auth.misssing 2>&1 | grep -c "
                         "\"did you mean 'dingtalk-rooms.delete_group.auth.missing'\"",
                         CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s replay 'dingtalk-rooms.*' 2>/dev/null", CONFORM_BIN),
               2, "a glob is no case id");
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s replay dingtalk-rooms.delete_group.auth.missing --from %s/none.json "
                         "2>/dev/null",
                         CONFORM_BIN, dir),
               3);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "echo '{}' > %s/notcase.json; %s replay %s/notcase.json 2>/dev/null", dir,
                         CONFORM_BIN, dir),
               3);
}

/* Against the embedded mock: the case's set-up, request and clean-up are
 * printed, the credential redacted; the verdict is pass. */
Test(replay, one_case_on_the_embedded_mock) {
  char out[16384];
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "%s replay agora-chat.get_group.not_found.group_id", CONFORM_BIN),
      0, "%s", out);
  cr_assert(strstr(out, "[1] > POST http://127.0.0.1:") != NULL, "%s", out);
  cr_assert(strstr(out, "> Authorization: Bearer REDACTED") != NULL, "%s", out);
  cr_assert(strstr(out, "< 404 application/json") != NULL, "%s", out);
  cr_assert(strstr(out, "verdict: pass") != NULL, "%s", out);
  cr_assert(strstr(out, "conform-demo-app-token") == NULL, "%s", out);
}

/* A run against a faulty mock, then the failing case replayed from its
 * report: the same target fails again (exit 1, "was: fail"); a faithful
 * target passes; the credential never shows. */
Test(replay, from_a_report_same_and_other_target) {
  const char *faults[] = {"dingtalk-token-not-checked", NULL};
  char bad[64], good[64], why[256], out[16384];
  cfm_mock *mb = cfm_th_mock_start(NULL, faults, bad, sizeof(bad), why, sizeof(why));
  cfm_mock *mg = cfm_th_mock_start(NULL, NULL, good, sizeof(good), why, sizeof(why));
  cr_assert_not_null(mb, "%s", why);
  cr_assert_not_null(mg, "%s", why);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s run --config demo.json --target dingtalk-rooms=%s "
                         "--reports r 2>/dev/null",
                         dir, CONFORM_BIN, bad),
               1);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s replay dingtalk-rooms.delete_group.auth.missing --from "
                         "r/latest/report.json --config demo.json 2>/dev/null",
                         dir, CONFORM_BIN),
               1, "%s", out);
  cr_assert(strstr(out, "verdict: fail") && strstr(out, "was: fail"), "%s", out);
  cr_assert(strstr(out, bad) != NULL, "the report's target: %s", out);
  cr_assert(strstr(out, "conform-demo-access-token") == NULL, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s replay dingtalk-rooms.delete_group.auth.missing --from "
                         "r/latest/report.json --config demo.json --target dingtalk-rooms=%s "
                         "2>/dev/null",
                         dir, CONFORM_BIN, good),
               0, "%s", out);
  cr_assert(strstr(out, "verdict: pass") && strstr(out, "was: fail"), "%s", out);
  cr_assert(strstr(out, good) != NULL && strstr(out, bad) == NULL, "%s", out);
  cfm_mock_stop(mb);
  cfm_mock_stop(mg);
}

/* A case file `conform fuzz` saved replays as `fuzz --replay` does: the
 * failure recurs against a target with the fault, not on the faithful
 * embedded mock. */
Test(replay, fuzz_case_file) {
  const char *faults[] = {"dingtalk-astral-name-cut", NULL};
  char bad[64], why[256], out[16384];
  cfm_mock *mb = cfm_th_mock_start(NULL, faults, bad, sizeof(bad), why, sizeof(why));
  cr_assert_not_null(mb, "%s", why);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out),
                "cd %s && %s fuzz --vendor dingtalk-rooms --mock-fault "
                "dingtalk-astral-name-cut --seed 1 --budget 3000 --out fz.json 2>/dev/null",
                dir, CONFORM_BIN),
      1);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s replay fz.json --config demo.json --target "
                         "dingtalk-rooms=%s 2>/dev/null",
                         dir, CONFORM_BIN, bad),
               1, "%s", out);
  cr_assert(strstr(out, "verdict: fail (reproduced)") != NULL, "%s", out);
  cr_assert(strstr(out, "[1] > POST") != NULL, "%s", out);
  cr_assert(strstr(out, "conform-demo-access-token") == NULL, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s fuzz --replay fz.json --config demo.json --target "
                         "dingtalk-rooms=%s 2>/dev/null",
                         dir, CONFORM_BIN, bad),
               1, "the fuzzer's own replay agrees");
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "cd %s && %s replay fz.json 2>/dev/null", dir, CONFORM_BIN), 0,
      "%s", out);
  cr_assert(strstr(out, "not reproduced") != NULL, "%s", out);
  cfm_mock_stop(mb);
}
