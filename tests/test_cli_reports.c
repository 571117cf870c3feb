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

/* A run with one fail (code "bad"; accepted by a baseline when baselined)
 * and one pass, written by the library. */
static void write_report_as(const char *run_id, int baselined) {
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
  r.baselined = baselined;
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  r.id = "v.op.example.doc";
  r.verdict = CFM_VERDICT_PASS;
  r.vendor_code = "";
  r.baselined = 0;
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
}

static void write_report(const char *run_id) {
  write_report_as(run_id, 0);
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
  /* Reports that do not say which shard of which run they are: refused;
   * no inputs: usage. */
  snprintf(path, sizeof(path), "%s/a/report.json %s/b/report.json", dir, dir);
  cr_assert_eq(run(CONFORM_BIN " merge --reports %s %s 2>/dev/null", dir, path), 3);
  cr_assert_eq(run(CONFORM_BIN " merge 2>/dev/null"), 2);
}

/* ---- merge refuses what it cannot merge truthfully ------------------------------------ */

/* Writes run_id's report with the given (id, verdict) cases and stamps it
 * as shard index/count of run "r1" against target url. */
static void shard(const char *run_id, unsigned index, unsigned count, const char *url,
                  const char *hash, const char *const *ids, const cfm_verdict *verdicts, size_t n,
                  long expected) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  char path[600];
  json_t *ss;
  size_t i;
  memset(&opt, 0, sizeof(opt));
  opt.dir = dir;
  opt.run_id = run_id;
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  for (i = 0; i < n; i++) {
    memset(&r, 0, sizeof(r));
    r.id = (char *)ids[i];
    r.vendor = "v";
    r.operation = "op";
    r.kind = "limit";
    r.verdict = verdicts[i];
    r.reason = "r";
    r.vendor_code = verdicts[i] == CFM_VERDICT_FAIL ? "bad" : "";
    cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  }
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
  ss = json_pack("{s:s, s:i, s:i, s:{s:s}, s:s, s:s, s:I}", "run", "r1", "index", (int)index,
                 "count", (int)count, "targets", "v", url, "spec_hash", hash, "selection", "all",
                 "cases_expected", (json_int_t)(expected < 0 ? (long)n : expected));
  snprintf(path, sizeof(path), "%s/%s/report.json", dir, run_id);
  cr_assert_eq(cfm_report_stamp(path, ss, NULL), CFM_EOK);
  json_decref(ss);
}

static int merge2(const char *a, const char *b) {
  return run(CONFORM_BIN " merge --reports %s/merged %s/%s/report.json %s/%s/report.json 2>&1", dir,
             dir, a, dir, b);
}

Test(cli_reports, merge_refuses_sets_that_would_lie) {
  static const char *const ids1[] = {"v.op.a"}, *const ids2[] = {"v.op.b"};
  static const cfm_verdict pass[] = {CFM_VERDICT_PASS}, fail[] = {CFM_VERDICT_FAIL};
  snprintf(dir, sizeof(dir), "/tmp/conform-cli-merge-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  shard("s1", 1, 2, "http://t", "h", ids1, pass, 1, -1);
  shard("s2", 2, 2, "http://t", "h", ids2, fail, 1, -1);
  /* a clean and a failing shard, in both orders: the failure counts */
  cr_assert_eq(merge2("s1", "s2"), 1);
  cr_assert_eq(merge2("s2", "s1"), 1);
  /* a case in two shards is never resolved to the better verdict */
  shard("dup", 2, 2, "http://t", "h", ids1, fail, 1, -1);
  cr_assert_eq(merge2("s1", "dup"), 3);
  cr_assert_eq(merge2("dup", "s1"), 3);
  /* the same shard twice; a shard missing */
  cr_assert_eq(merge2("s1", "s1"), 3);
  cr_assert_eq(
      run(CONFORM_BIN " merge --reports %s/merged %s/s1/report.json 2>/dev/null", dir, dir), 3);
  /* shards of different targets, specs, or an incomplete one */
  shard("t2", 2, 2, "http://other", "h", ids2, pass, 1, -1);
  cr_assert_eq(merge2("s1", "t2"), 3);
  shard("h2", 2, 2, "http://t", "other-hash", ids2, pass, 1, -1);
  cr_assert_eq(merge2("s1", "h2"), 3);
  shard("i2", 2, 2, "http://t", "h", ids2, pass, 1, 5);
  cr_assert_eq(merge2("s1", "i2"), 3);
  /* a clean complete set */
  shard("p2", 2, 2, "http://t", "h", ids2, pass, 1, -1);
  cr_assert_eq(merge2("p2", "s1"), 0);
}

/* ---- baselines: counts, unused entries, prune ---------------------------------------- */

static char text[8192];

/* Runs a command; its stdout and stderr are in text. */
__attribute__((format(printf, 1, 2))) static int capture(const char *fmt, ...) {
  char cmd[1024];
  FILE *p;
  size_t n;
  int st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
  p = popen(cmd, "r");
  cr_assert_not_null(p);
  n = fread(text, 1, sizeof(text) - 1, p);
  text[n] = '\0';
  st = pclose(p);
  cr_assert(WIFEXITED(st), "%s did not exit", cmd);
  return WEXITSTATUS(st);
}

Test(cli_reports, baseline_reports_unused_entries_and_prunes_them) {
  char report[600], bl[600];
  FILE *f;
  snprintf(dir, sizeof(dir), "/tmp/conform-cli-reports-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  write_report_as("run", 1);
  snprintf(report, sizeof(report), "%s/run/report.json", dir);
  snprintf(bl, sizeof(bl), "%s/bl.json", dir);
  f = fopen(bl, "w");
  cr_assert_not_null(f);
  /* used; unused (the case passed); unused (another code); not run */
  fputs("{\"format\": \"conform-baseline/1\", \"entries\": ["
        "{\"id\": \"v.op.limit.x\", \"vendor_code\": \"bad\"},"
        "{\"id\": \"v.op.example.doc\"},"
        "{\"id\": \"v.op.limit.x\", \"vendor_code\": 7},"
        "{\"id\": \"v.other.x\", \"vendor_code\": \"1\"}]}",
        f);
  fclose(f);
  cr_assert_eq(capture(CONFORM_BIN " baseline check %s --report=%s", bl, report), 0, "%s", text);
  cr_assert(strstr(text, "4 entries; against"), "%s", text);
  cr_assert(strstr(text, "1 used, 2 unused, 1 not run"), "%s", text);
  cr_assert(strstr(text, "unused: v.op.example.doc (vendor_code *)"), "%s", text);
  cr_assert(strstr(text, "unused: v.op.limit.x (vendor_code 7)"), "%s", text);
  cr_assert(strstr(text, "'conform baseline prune"), "%s", text);
  /* Without a report: the count. */
  cr_assert_eq(capture("cd %s && " CONFORM_BIN " baseline check bl.json", dir), 0, "%s", text);
  cr_assert(strstr(text, "bl.json: valid baseline, 4 entries"), "%s", text);
  cr_assert_eq(capture("cd %s && " CONFORM_BIN " baseline prune bl.json", dir), 2,
               "nothing to prune against: %s", text);
  cr_assert_eq(capture(CONFORM_BIN " baseline prune --report %s %s", report, bl), 0, "%s", text);
  cr_assert(strstr(text, "pruned 2 unused entries"), "%s", text);
  cr_assert_eq(capture(CONFORM_BIN " baseline check --report %s %s", report, bl), 0, "%s", text);
  cr_assert(strstr(text, "2 entries; against"), "%s", text);
  cr_assert(strstr(text, "1 used, 0 unused, 1 not run"), "%s", text);
  /* write prints how many entries it wrote. */
  cr_assert_eq(capture(CONFORM_BIN " baseline write --from=%s -o %s/w.json", report, dir), 0, "%s",
               text);
  cr_assert(strstr(text, "(1 entries)"), "%s", text);
}
