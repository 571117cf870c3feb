/* The report commands end to end: conform baseline and conform merge,
 * through the real binary, with their documented exit codes. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "conform/report.h"

static char dir[128];

__attribute__((format(printf, 1, 2))) static int run(const char *fmt, ...) {
  char cmd[1024];
  int st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  st = system(cmd);
  cr_assert(WIFEXITED(st), "%s did not exit", cmd);
  return WEXITSTATUS(st);
}

/* A run with one fail (code "bad") and one pass, written by the library. */
static void write_report(const char *run_id) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  memset(&opt, 0, sizeof(opt));
  opt.dir = dir;
  opt.run_id = run_id;
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  memset(&r, 0, sizeof(r));
  r.id = "v.op.limit.x";
  r.vendor = "v";
  r.operation = "op";
  r.kind = "limit";
  r.verdict = CFM_VERDICT_FAIL;
  r.reason = "accepted one too many";
  r.vendor_code = "bad";
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  r.id = "v.op.example.doc";
  r.verdict = CFM_VERDICT_PASS;
  r.vendor_code = "";
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
}

Test(cli_reports, baseline_write_check_and_merge) {
  char path[600], out[256];
  snprintf(dir, sizeof(dir), "/tmp/conform-cli-reports-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  write_report("a");
  write_report("b");
  snprintf(path, sizeof(path), "%s/a/report.json", dir);
  snprintf(out, sizeof(out), "%s/baseline.json", dir);
  cr_assert_eq(run(CONFORM_BIN " baseline write --from %s -o %s 2>/dev/null", path, out), 0);
  cr_assert_eq(run(CONFORM_BIN " baseline check %s >/dev/null", out), 0);
  cr_assert_eq(run(CONFORM_BIN " baseline check %s/a/junit.xml 2>/dev/null", dir), 3,
               "a file that is not a baseline is exit 3");
  cr_assert_eq(run(CONFORM_BIN " baseline write --from /nonexistent 2>/dev/null"), 3);
  cr_assert_eq(run(CONFORM_BIN " baseline frobnicate 2>/dev/null"), 2);
  /* Merging two runs with a failure: exit 1; no inputs: usage. */
  snprintf(path, sizeof(path), "%s/a/report.json %s/b/report.json", dir, dir);
  cr_assert_eq(run(CONFORM_BIN " merge --reports %s %s 2>/dev/null", dir, path), 1);
  cr_assert_eq(run(CONFORM_BIN " merge 2>/dev/null"), 2);
}
