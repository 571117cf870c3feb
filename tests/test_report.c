#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/report.h"
#include "conform/target.h"

static char tmpdir[256];

static void make_tmp(void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/conform-test-report-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  char *data;
  long n;
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)n + 1);
  cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
  data[n] = '\0';
  fclose(f);
  return data;
}

static void fill(cfm_case_result *r, const char *id, const char *op, cfm_verdict v,
                 const char *code, const char *reason) {
  memset(r, 0, sizeof(*r));
  r->id = strdup(id);
  r->vendor = strdup("agora-chat");
  r->operation = strdup(op);
  r->kind = strdup("limit");
  r->verdict = v;
  r->reason = strdup(reason);
  r->provenance =
      json_pack("{s:s, s:s}", "doc", "002_b389115bb8c2e7c3.txt", "section", "创建群组 > 请求体");
  r->repro = strdup("curl -X POST 'http://127.0.0.1:1/x' -H 'Authorization: Bearer REDACTED'");
  r->request_summary = strdup("POST /app-id/x/chatgroups");
  r->http_status = 400;
  r->vendor_code = strdup(code);
  r->observed_class = strdup("INVALID_ARGUMENT");
  r->response_excerpt = strdup("{\"error\":\"bad <request> & \x01 \xff\"}");
  r->duration_ms = 1.5;
  r->covers = json_pack("[s]", "specs/agora-chat.json#/operations/0/params/0/limits/0");
}

static void assert_latest(const char *run_id) {
  char path[512], target[64];
  ssize_t n;
  snprintf(path, sizeof(path), "%s/latest", tmpdir);
  n = readlink(path, target, sizeof(target) - 1);
  cr_assert_gt(n, 0);
  target[n] = '\0';
  cr_assert_str_eq(target, run_id);
}

/* Writes a run with one case of each verdict; returns its run dir. */
static void write_run(const char *run_id, int baselined_fail, cfm_report_summary *sum) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_error_t err;
  cfm_case_result r;
  json_t *cov = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "spec", "agora-chat",
                          "pointer", "/operations/0/params/0/limits/0", "kind", "limit", "label",
                          "groupname max 128 chars", "spec", "agora-chat", "pointer",
                          "/operations/0/errors/9", "kind", "error", "label", "never exercised");
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = run_id;
  opt.coverage_items = cov;
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_open(&opt, &rep, &err), CFM_EOK, "%s", err.text);
  fill(&r, "agora-chat.create_group.limit.groupname.at", "create_group", CFM_VERDICT_PASS, "",
       "accepted at the limit");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  fill(&r, "agora-chat.create_group.limit.groupname.above", "create_group", CFM_VERDICT_FAIL,
       "invalid_request_body", "accepted 129 characters; the document allows 128");
  r.baselined = baselined_fail;
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  fill(&r, "agora-chat.get_group.example.doc", "get_group", CFM_VERDICT_WARN, "",
       "undocumented field");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  fill(&r, "agora-chat.get_group.not_found.never", "get_group", CFM_VERDICT_ERROR, "",
       "connection refused");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  cr_assert_eq(cfm_report_close(rep, 12.5, sum), CFM_EOK);
  json_decref(cov);
}

Test(report, writes_every_format_and_counts) {
  cfm_report_summary sum;
  char path[512];
  json_t *rep, *cases, *s, *cov;
  char *junit, *html;
  make_tmp();
  write_run("run-a", 0, &sum);
  cr_assert_eq(sum.counts[CFM_VERDICT_PASS], 1);
  cr_assert_eq(sum.counts[CFM_VERDICT_FAIL], 1);
  cr_assert_eq(sum.counts[CFM_VERDICT_ERROR], 1);
  cr_assert(strstr(sum.run_dir, "run-a") != NULL);

  snprintf(path, sizeof(path), "%s/latest/report.json", tmpdir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep, "report.json must be valid JSON");
  cr_assert_str_eq(json_string_value(json_object_get(rep, "format")), "conform-report/1");
  cases = json_object_get(rep, "cases");
  cr_assert_eq(json_array_size(cases), 4);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(cases, 1), "verdict")), "fail");
  /* Invalid UTF-8 from a hostile server survives as U+FFFD, not a broken file. */
  cr_assert(strstr(json_string_value(json_object_get(
                       json_object_get(json_array_get(cases, 0), "response"), "excerpt")),
                   "\xEF\xBF\xBD") != NULL);
  s = json_object_get(rep, "summary");
  cr_assert_eq(json_integer_value(json_object_get(s, "total")), 4);
  cr_assert_eq(json_integer_value(json_object_get(
                   json_object_get(json_object_get(s, "by_provenance"), "doc"), "fail")),
               1);
  cr_assert_eq(json_array_size(json_object_get(s, "by_operation")), 2);
  cov = json_object_get(rep, "coverage");
  cr_assert_eq(json_integer_value(json_object_get(cov, "documented")), 2);
  cr_assert_eq(json_integer_value(json_object_get(cov, "exercised")), 1);
  cr_assert_eq(json_integer_value(json_object_get(cov, "observed")), 1);
  json_decref(rep);

  assert_latest("run-a");

  snprintf(path, sizeof(path), "%s/run-a/junit.xml", tmpdir);
  junit = read_all(path);
  cr_assert(strstr(junit, "tests=\"4\" failures=\"1\" errors=\"1\"") != NULL, "%s", junit);
  cr_assert(strstr(junit, "<failure type=\"fail\"") != NULL);
  cr_assert(strstr(junit, "bad &lt;request&gt; &amp;") == NULL, "excerpts stay out of JUnit");
  cr_assert(strstr(junit, "\x01") == NULL, "control characters must not reach XML");
  free(junit);

  snprintf(path, sizeof(path), "%s/run-a/report.html", tmpdir);
  html = read_all(path);
  cr_assert(strstr(html, "bad &lt;request&gt; &amp;") != NULL);
  /* Failures come first. */
  cr_assert_lt(strstr(html, "groupname.above"), strstr(html, "groupname.at<"));
  cr_assert(strstr(html, "never exercised") != NULL);
  free(html);
  snprintf(path, sizeof(path), "%s/run-a/.junit-cases.tmp", tmpdir);
  cr_assert_neq(access(path, F_OK), 0, "temporary files are removed");
}

Test(report, baseline_round_trip) {
  cfm_report_summary sum;
  char report[512], bl[512];
  cfm_baseline *b;
  cfm_error_t err;
  make_tmp();
  write_run("run-b", 0, &sum);
  snprintf(report, sizeof(report), "%s/run-b/report.json", tmpdir);
  snprintf(bl, sizeof(bl), "%s/baseline.json", tmpdir);
  cfm_error_init(&err);
  cr_assert_eq(cfm_baseline_write_from_report(report, bl, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_baseline_load(bl, &b, &err), CFM_EOK, "%s", err.text);
  cr_assert(cfm_baseline_accepts(b, "agora-chat.create_group.limit.groupname.above",
                                 "invalid_request_body"));
  cr_assert_not(
      cfm_baseline_accepts(b, "agora-chat.create_group.limit.groupname.above", "another_code"),
      "a different failure of the same case is new");
  cr_assert_not(cfm_baseline_accepts(b, "agora-chat.get_group.not_found.never", ""),
                "errors are never baselined");
  cfm_baseline_free(b);
}

Test(report, baseline_errors_are_precise) {
  char bl[512];
  cfm_baseline *b = NULL;
  cfm_error_t err;
  FILE *f;
  make_tmp();
  snprintf(bl, sizeof(bl), "%s/bad.json", tmpdir);
  f = fopen(bl, "w");
  fputs("{\"format\": \"conform-baseline/1\", \"entries\": [{\"id\": \"a\"}, {\"x\": 1}]}", f);
  fclose(f);
  cfm_error_init(&err);
  cr_assert_eq(cfm_baseline_load(bl, &b, &err), CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/entries/1");
  cr_assert_null(b);
  f = fopen(bl, "w");
  fputs("{\"format\": \"conform-baseline/1\", \"entries\": [{\"id\": \"a\", \"vendor_code\": "
        "\"*\"}]}",
        f);
  fclose(f);
  cfm_error_init(&err);
  cr_assert_eq(cfm_baseline_load(bl, &b, &err), CFM_EOK);
  cr_assert(cfm_baseline_accepts(b, "a", "10010"), "'*' accepts any code");
  cfm_baseline_free(b);
  cfm_error_init(&err);
  cr_assert_eq(cfm_baseline_load("/nonexistent/baseline.json", &b, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "cannot open") != NULL, "%s", err.text);
}

Test(report, shard_partitions_keys) {
  unsigned i, n, k, hits[3] = {0, 0, 0};
  char key[32];
  cr_assert_eq(cfm_shard_parse("2/3", &i, &n), 0);
  cr_assert_eq(i, 2);
  cr_assert_eq(n, 3);
  cr_assert_neq(cfm_shard_parse("0/3", &i, &n), 0);
  cr_assert_neq(cfm_shard_parse("4/3", &i, &n), 0);
  cr_assert_neq(cfm_shard_parse("1/", &i, &n), 0);
  cr_assert_neq(cfm_shard_parse("-1/3", &i, &n), 0);
  cr_assert_neq(cfm_shard_parse("1/3x", &i, &n), 0);
  for (k = 0; k < 3000; k++) {
    unsigned owners = 0, s;
    snprintf(key, sizeof(key), "vendor.op.case.%u", k);
    for (s = 1; s <= 3; s++)
      if (cfm_shard_selects(key, s, 3)) {
        owners++;
        hits[s - 1]++;
      }
    cr_assert_eq(owners, 1, "key %s must belong to exactly one shard", key);
  }
  for (k = 0; k < 3; k++)
    cr_assert(hits[k] > 800 && hits[k] < 1200, "shard %u has %u keys", k + 1, hits[k]);
  cr_assert(cfm_shard_selects("anything", 1, 1));
}

/* Marks a report as shard index/count of one run (what conform run does). */
static void stamp(const char *path, int index, int count) {
  json_t *ss =
      json_pack("{s:s, s:i, s:i, s:{}, s:s, s:s, s:i}", "run", "r", "index", index, "count", count,
                "targets", "spec_hash", "h", "selection", "all", "cases_expected", 4);
  cr_assert_eq(cfm_report_stamp(path, ss, NULL), CFM_EOK);
  json_decref(ss);
}

/* A case id in two shards is refused, never resolved to one verdict. */
Test(report, merge_refuses_overlapping_shards) {
  cfm_report_summary a, b, m;
  char p1[512], p2[512], path[600];
  const char *inputs[2];
  cfm_error_t err;
  json_t *rep;
  make_tmp();
  write_run("run-1", 0, &a);
  write_run("run-2", 1, &b);
  snprintf(p1, sizeof(p1), "%s/run-1/report.json", tmpdir);
  snprintf(p2, sizeof(p2), "%s/run-2/report.json", tmpdir);
  stamp(p1, 1, 2);
  stamp(p2, 2, 2);
  inputs[0] = p1;
  inputs[1] = p2;
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_merge(inputs, 2, tmpdir, &m, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "overlap") != NULL, "%s", err.text);
  /* One shard of one: merged, every case counted once. */
  stamp(p1, 1, 1);
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_merge(inputs, 1, tmpdir, &m, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(m.counts[CFM_VERDICT_PASS] + m.counts[CFM_VERDICT_FAIL] +
                   m.counts[CFM_VERDICT_WARN] + m.counts[CFM_VERDICT_ERROR],
               4);
  snprintf(path, sizeof(path), "%s/report.json", m.run_dir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(rep, "coverage"), "documented")),
               2);
  json_decref(rep);
  inputs[1] = "/nonexistent/report.json";
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_merge(inputs, 2, tmpdir, &m, &err), CFM_ECONFIG);
}

/* Only a failure can be baselined: a report.json that marks a passing case
 * "baselined" cannot make the merged count of unaccepted failures wrap. */
Test(report, merge_honours_baselined_only_on_failures) {
  cfm_report_summary a, m;
  char p1[512];
  const char *inputs[1];
  cfm_error_t err;
  json_t *rep, *c;
  size_t i;
  make_tmp();
  write_run("run-1", 0, &a);
  snprintf(p1, sizeof(p1), "%s/run-1/report.json", tmpdir);
  rep = json_load_file(p1, 0, NULL);
  cr_assert_not_null(rep);
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    json_object_set_new(c, "baselined", json_true());
  }
  cr_assert_eq(json_dump_file(rep, p1, 0), 0);
  json_decref(rep);
  stamp(p1, 1, 1);
  inputs[0] = p1;
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_merge(inputs, 1, tmpdir, &m, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(m.counts[CFM_VERDICT_FAIL], 1);
  cr_assert_eq(m.baselined, 1, "only the failing case is accepted");
}

/* ---- hostile text reaches every sink only sanitised (issue 16) ---------------- */

#define HSECRET "Zq7WmXv2LpR8sTu5yKe1/hostile+tok"

static void assert_clean(const char *what, const char *text, int xml) {
  static const char *const forms[] = {
      HSECRET, "Zq7WmXv2LpR8sTu5yKe1\\/hostile+tok", /* JSON \/ */
      "Zq7WmXv2LpR8sTu5yKe1%2Fhostile%2Btok",        /* URL-encoded */
      "WnE3V21YdjJMcFI4c1R1NXlLZTEvaG9zdGlsZSt0b2s", /* base64 */
  };
  size_t f, i;
  for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
    for (i = 0; i + 8 <= strlen(forms[f]); i++) {
      char piece[9];
      memcpy(piece, forms[f] + i, 8);
      piece[8] = '\0';
      cr_assert_null(strstr(text, piece), "%s holds '%s' (form %zu)", what, piece, f);
    }
  if (xml) /* JSON may hold U+FFFE; XML 1.0 may not */
    cr_assert_null(strstr(text, "\xEF\xBF\xBE"), "%s holds U+FFFE", what);
  cr_assert_null(strstr(text, "\033"), "%s holds ESC", what);
}

static int xml_well_formed(const char *path) {
  char cmd[700];
  if (system("command -v xmllint >/dev/null 2>&1") != 0)
    return 1; /* not installed: the U+FFFE/ESC checks above still ran */
  snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>/dev/null", path);
  return system(cmd) == 0;
}

Test(report, hostile_text_is_sanitised_in_every_sink) {
  static const char cfgtext[] =
      "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\","
      "\"credentials\": {\"app_token\": \"" HSECRET "\"}}}}";
  static const char hostile[] =
      "echo " HSECRET " \\/ Zq7WmXv2LpR8sTu5yKe1\\/hostile+tok url "
      "Zq7WmXv2LpR8sTu5yKe1%2Fhostile%2Btok b64 WnE3V21YdjJMcFI4c1R1NXlLZTEvaG9zdGlsZSt0b2s= "
      "\xEF\xBF\xBE\xEF\xBF\xBF\x01\r\n\033[2K\033[32mconform: 1 cases in 0.001 s: 1 pass, 0 fail"
      "\033]0;title\007 cut "
      "Zq7WmXv2LpR8";
  cfm_config cfg;
  cfm_report_options opt;
  cfm_report *rep;
  cfm_report_summary sum;
  cfm_case_result r;
  cfm_error_t err;
  FILE *term = tmpfile();
  char path[512], *text;
  const char *files[] = {"report.json", "junit.xml", "report.html"};
  size_t i;
  long n;
  make_tmp();
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "t.json", cfgtext, sizeof(cfgtext) - 1, NULL), CFM_EOK);
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "h-run";
  opt.term = term;
  opt.cfg = &cfg;
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_open(&opt, &rep, &err), CFM_EOK, "%s", err.text);
  fill(&r, "agora-chat.create_group.hostile", "create_group", CFM_VERDICT_FAIL, "x", hostile);
  free(r.repro);
  free(r.response_excerpt);
  free(r.request_summary);
  r.repro = strdup(hostile);
  r.response_excerpt = strdup(hostile);
  r.request_summary = strdup(hostile);
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  cr_assert_eq(cfm_report_close(rep, 1.0, &sum), CFM_EOK);
  cfm_config_release(&cfg);
  for (i = 0; i < 3; i++) {
    snprintf(path, sizeof(path), "%s/h-run/%s", tmpdir, files[i]);
    text = read_all(path);
    assert_clean(files[i], text, i > 0);
    free(text);
    if (i == 1) /* report.html is HTML5, which xmllint cannot parse */
      cr_assert(xml_well_formed(path), "%s is not well-formed", files[i]);
  }
  snprintf(path, sizeof(path), "%s/h-run/report.json", tmpdir);
  {
    json_t *doc = json_load_file(path, 0, NULL);
    cr_assert_not_null(doc, "report.json must stay valid JSON");
    json_decref(doc);
  }
  /* the terminal: no secret, no escape sequence, and the forged summary line
   * stays inside the FAIL line instead of starting one */
  n = ftell(term);
  text = calloc(1, (size_t)n + 1);
  rewind(term);
  cr_assert_eq(fread(text, 1, (size_t)n, term), (size_t)n);
  assert_clean("terminal", text, 0);
  cr_assert_null(strstr(text, "\nconform: 1 cases in 0.001 s: 1 pass"), "%s", text);
  cr_assert_null(strstr(text, "\r"), "%s", text);
  free(text);
  fclose(term);
}

/* ---- a full disk: no half file, 'latest' kept, the file and reason named ---- */

static void read_stream(FILE *f, char *out, size_t cap) {
  size_t n;
  rewind(f);
  n = fread(out, 1, cap - 1, f);
  out[n] = '\0';
}

Test(report, write_failure_keeps_latest_and_names_the_file) {
  cfm_report_summary sum;
  cfm_report_options opt;
  cfm_report *rep;
  cfm_error_t err;
  cfm_case_result r;
  struct rlimit lim;
  char path[512], term_text[8192];
  FILE *term = tmpfile();
  int i, rc;
  make_tmp();
  write_run("run-a", 0, &sum);
  /* Every file of this (forked) test process is now capped at 16 KiB: a
   * write past it fails with EFBIG, as on a full disk (SIGXFSZ ignored). */
  signal(SIGXFSZ, SIG_IGN);
  lim.rlim_cur = lim.rlim_max = 16384;
  cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "run-b";
  opt.term = term;
  cfm_error_init(&err);
  cr_assert_eq(cfm_report_open(&opt, &rep, &err), CFM_EOK, "%s", err.text);
  for (i = 0; i < 200; i++) {
    char id[64];
    snprintf(id, sizeof(id), "agora-chat.create_group.case%d", i);
    fill(&r, id, "create_group", CFM_VERDICT_PASS, "", "as documented");
    cfm_report_add(rep, &r);
    cfm_case_result_release(&r);
  }
  rc = cfm_report_close(rep, 1.0, &sum);
  cr_assert_eq(rc, CFM_EIO);
  cr_assert(strstr(sum.error, "cannot write '") != NULL, "%s", sum.error);
  cr_assert(strstr(sum.error, "File too large") != NULL, "%s", sum.error);
  /* latest still names the complete run */
  assert_latest("run-a");
  /* no truncated report.json under its real name */
  snprintf(path, sizeof(path), "%s/run-b/report.json", tmpdir);
  cr_assert_neq(access(path, F_OK), 0, "a truncated report.json was left in place");
  snprintf(path, sizeof(path), "%s/run-b/.partial-report.json", tmpdir);
  cr_assert_neq(access(path, F_OK), 0, "the temporary file is removed");
  /* the terminal names the file and the reason, and advertises nothing */
  read_stream(term, term_text, sizeof(term_text));
  cr_assert(strstr(term_text, "conform: error: cannot write '") != NULL, "%s", term_text);
  cr_assert(strstr(term_text, "File too large") != NULL, "%s", term_text);
  cr_assert_null(strstr(term_text, "reports: "), "%s", term_text);
  fclose(term);
}

/* ---- the terminal: failures by vendor and cause, balanced ---------------------------- */

/* 40 failures of one vendor (30 causes, one of them 11 times) and 2 of
 * another: the second vendor's causes are listed although the first came
 * first, identical reasons are one line with a count, and the list stays
 * short. */
Test(report, terminal_groups_failures_by_vendor_and_cause) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  FILE *term = tmpfile();
  char id[64], reason[64], text[16384];
  const char *p;
  int i, lines = 0;
  make_tmp();
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "t-run";
  opt.term = term;
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  for (i = 0; i < 40; i++) {
    snprintf(id, sizeof(id), "agora-chat.op.limit.n%d", i);
    snprintf(reason, sizeof(reason), "cause %d", i < 11 ? 0 : i - 10);
    fill(&r, id, "op", CFM_VERDICT_FAIL, "x", reason);
    cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
    cfm_case_result_release(&r);
  }
  for (i = 0; i < 2; i++) {
    snprintf(id, sizeof(id), "tencent-im.op.auth.n%d", i);
    fill(&r, id, "op", CFM_VERDICT_ERROR, "x", "NETWORK: Couldn't connect to server");
    free(r.vendor);
    r.vendor = strdup("tencent-im");
    cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
    cfm_case_result_release(&r);
  }
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
  read_stream(term, text, sizeof(text));
  fclose(term);
  cr_assert(strstr(text, "agora-chat: 40 cases, 30 causes\n"), "%s", text);
  cr_assert(strstr(text, "FAIL    11 x [limit] cause 0\n"), "most frequent first: %s", text);
  cr_assert(strstr(text, "tencent-im: 2 cases, 1 cause\n"), "%s", text);
  cr_assert(strstr(text, "ERROR    2 x [limit] NETWORK: Couldn't connect to server\n"), "%s", text);
  cr_assert(strstr(text, "e.g. tencent-im.op.auth.n0, tencent-im.op.auth.n1\n"), "%s", text);
  cr_assert(strstr(text, "... 11 more causes (11 cases): see report.html"), "%s", text);
  for (p = text; (p = strstr(p, " x ")) != NULL; p++)
    lines++;
  cr_assert_eq(lines, 20, "20 causes listed: %s", text);
}

/* ---- junit.xml: a suite per vendor, readable names, provenance, valid ---------------- */

Test(report, junit_has_a_suite_per_vendor_and_validates) {
  static const cfm_verdict verdicts[] = {CFM_VERDICT_PASS, CFM_VERDICT_FAIL, CFM_VERDICT_ERROR,
                                         CFM_VERDICT_SKIP, CFM_VERDICT_WARN, CFM_VERDICT_FAIL};
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  char path[512], cmd[1200], *xml;
  size_t i;
  make_tmp();
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "j-run";
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  for (i = 0; i < 12; i++) {
    char id[64];
    snprintf(id, sizeof(id), "%s.create_group.limit.n%zu", i % 2 ? "tencent-im" : "agora-chat", i);
    fill(&r, id, "create_group", verdicts[i % 6], "x", "a reason <&>");
    free(r.vendor);
    r.vendor = strdup(i % 2 ? "tencent-im" : "agora-chat");
    r.baselined = i == 5;
    if (i == 2) {
      json_object_set_new(r.provenance, "url", json_string("https://example.com/doc#a"));
      json_object_set_new(r.provenance, "title", json_string("Create a group"));
    }
    cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
    cfm_case_result_release(&r);
  }
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
  snprintf(path, sizeof(path), "%s/j-run/junit.xml", tmpdir);
  xml = read_all(path);
  /* even i: agora-chat pass, error, warn (twice); odd: tencent-im fail,
   * skip, fail accepted by the baseline (a skip), fail, skip, fail */
  cr_assert(strstr(xml, "<testsuite name=\"agora-chat\" tests=\"6\" failures=\"0\" errors=\"2\" "
                        "skipped=\"0\""),
            "%s", xml);
  cr_assert(strstr(xml, "<testsuite name=\"tencent-im\" tests=\"6\" failures=\"3\" errors=\"0\" "
                        "skipped=\"3\""),
            "%s", xml);
  cr_assert(strstr(xml, "<testsuites name=\"conform\" tests=\"12\" failures=\"3\" errors=\"2\" "
                        "skipped=\"3\""),
            "%s", xml);
  cr_assert(strstr(xml, "classname=\"agora-chat.create_group\" name=\"limit.n0\""), "%s", xml);
  cr_assert(strstr(xml, "<property name=\"provenance.url\" value=\"https://example.com/doc#a\"/>"),
            "%s", xml);
  cr_assert(strstr(xml, "<property name=\"provenance.section\" value=\"创建群组 &gt; 请求体\"/>"),
            "%s", xml);
  free(xml);
  snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s/junit.xsd' '%s' 2>&1",
           CONFORM_TESTDATA_DIR, path);
  cr_assert_eq(system(cmd), 0, "junit.xml does not validate against tests/data/junit.xsd");
}

/* ---- report.html: banner, filter data, causes, provenance links ---------------------- */

Test(report, html_has_banner_filters_causes_and_links) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  char path[512], *html;
  make_tmp();
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "w-run";
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  fill(&r, "agora-chat.create_group.limit.a", "create_group", CFM_VERDICT_FAIL, "x", "too long");
  json_object_set_new(r.provenance, "url", json_string("https://docs.example.com/create#body"));
  json_object_set_new(r.provenance, "title", json_string("Create a group"));
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  fill(&r, "agora-chat.create_group.limit.b", "create_group", CFM_VERDICT_FAIL, "x", "too long");
  json_object_set_new(r.provenance, "url", json_string("javascript:alert(1)"));
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  fill(&r, "agora-chat.get_group.example.doc", "get_group", CFM_VERDICT_PASS, "", "ok");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
  snprintf(path, sizeof(path), "%s/w-run/report.html", tmpdir);
  html = read_all(path);
  cr_assert(strstr(html, "<div class=\"banner FAIL\" id=\"banner\">FAIL"), "no FAIL banner");
  cr_assert(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
  cr_assert(strstr(html, "<details class=\"case\" open data-vendor=\"agora-chat\" "
                         "data-operation=\"create_group\" data-kind=\"limit\" "
                         "data-verdict=\"fail\" data-cause=\"0\">"));
  cr_assert(strstr(html, "<h2>Failures by cause (1 causes)</h2>"));
  cr_assert(strstr(html, "<td class=\"n\">2</td>"), "the cause counts both cases");
  cr_assert(strstr(html, "<button type=\"button\" data-cause=\"0\">show cases</button>"));
  cr_assert(strstr(html, "<a href=\"https://docs.example.com/create#body\" "
                         "rel=\"noreferrer noopener\" target=\"_blank\">Create a group \xC2\xA7 "));
  cr_assert_null(strstr(html, "href=\"javascript:"), "only http(s) links");
  cr_assert(strstr(html, "<select name=\"verdict\">"));
  cr_assert(strstr(html, "<input id=\"q\" type=\"search\""));
  cr_assert_null(strstr(html, " src=\"http"), "no external resource");
  free(html);
}

/* Coverage of error rows (issue 20): a row a case expected counts as
 * exercised, a row the target answered with as observed, each case once
 * per item however many lists name it; the items at 0 cases are listed. */
Test(report, coverage_counts_expected_and_observed_error_rows) {
  cfm_report_options opt;
  cfm_report *rep;
  cfm_case_result r;
  char path[600];
  json_t *items, *rep_json, *cov;
  const json_t *it;
  size_t i;
  long seen[3] = {-1, -1, -1}, cases[3] = {-1, -1, -1};
  int observed[3] = {-1, -1, -1};
  make_tmp();
  items = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]", "spec", "agora-chat",
                    "pointer", "/operations/0/errors/0", "kind", "error", "spec", "agora-chat",
                    "pointer", "/operations/0/errors/1", "kind", "error", "spec", "agora-chat",
                    "pointer", "/transport/errors/0", "kind", "error");
  memset(&opt, 0, sizeof(opt));
  opt.dir = tmpdir;
  opt.run_id = "rows";
  opt.coverage_items = items;
  cr_assert_eq(cfm_report_open(&opt, &rep, NULL), CFM_EOK);
  /* Expected row 0, the target answered with row 1 (a candidate set). */
  fill(&r, "agora-chat.create_group.limit.a", "create_group", CFM_VERDICT_PASS, "", "ok");
  r.expected_rows =
      json_pack("[s, s]", "agora-chat#/operations/0/errors/0", "agora-chat#/operations/0/errors/1");
  r.observed_rows = json_pack("[s]", "agora-chat#/operations/0/errors/1");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  /* A second case that saw row 1 (a path form of the spec counts too). */
  fill(&r, "agora-chat.create_group.limit.b", "create_group", CFM_VERDICT_FAIL, "x", "no");
  r.observed_rows = json_pack("[s]", "specs/agora-chat.json#/operations/0/errors/1");
  cr_assert_eq(cfm_report_add(rep, &r), CFM_EOK);
  cfm_case_result_release(&r);
  cr_assert_eq(cfm_report_close(rep, 1.0, NULL), CFM_EOK);
  snprintf(path, sizeof(path), "%s/rows/report.json", tmpdir);
  rep_json = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep_json);
  cov = json_object_get(rep_json, "coverage");
  json_array_foreach(json_object_get(cov, "items"), i, it) {
    const char *p = json_string_value(json_object_get(it, "pointer"));
    size_t k = !strcmp(p, "/operations/0/errors/0")   ? 0
               : !strcmp(p, "/operations/0/errors/1") ? 1
                                                      : 2;
    cases[k] = (long)json_integer_value(json_object_get(it, "cases"));
    seen[k] = (long)json_integer_value(json_object_get(it, "seen"));
    observed[k] = json_is_true(json_object_get(it, "observed"));
  }
  cr_assert_eq(cases[0], 1);
  cr_assert_eq(seen[0], 0);
  cr_assert_eq(observed[0], 0, "a row only expected was not observed");
  cr_assert_eq(cases[1], 2, "counted once per case");
  cr_assert_eq(seen[1], 2);
  cr_assert_eq(observed[1], 1);
  cr_assert_eq(cases[2], 0);
  cr_assert_eq(json_integer_value(json_object_get(cov, "exercised")), 2);
  cr_assert_eq(json_integer_value(json_object_get(cov, "observed")), 1);
  cr_assert_eq(json_integer_value(json_object_get(
                   json_object_get(json_object_get(cov, "by_kind"), "error"), "exercised")),
               2);
  cr_assert_eq(json_array_size(json_object_get(cov, "unexercised")), 1);
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_array_get(json_object_get(cov, "unexercised"), 0), "pointer")),
                   "/transport/errors/0");
  json_decref(rep_json);
  json_decref(items);
}
