/* The done-when of issue 18: a run against the mock with each fault,
 * recorded as HAR and judged by `check`'s engine (with the config the run
 * used, as `check --config`), shows the fault; the faithful mock's and the
 * alternative reading's recordings have no fail; `conform check`'s exit
 * codes.  Prints the detection table.  Owns the recorded runs; the
 * one-exchange rules are tests/test_passive.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "helper_cli.h"
#include "conform/passive.h"
#include "helper_specs.h"
#include "conform/runner.h"

CFM_TH_SPECS_SUITE(passive, specs);

/* Counts the fail findings of the end of a stream (and prints them with
 * CFM_PASSIVE_VERBOSE=1). */
static void count_finding(void *user, const cfm_passive_finding *f) {
  if (f->verdict != CFM_VERDICT_FAIL)
    return;
  if (getenv("CFM_PASSIVE_VERBOSE"))
    printf("  end of stream: %s %s: %s\n", f->method, f->url, f->reason);
  ++*(size_t *)user;
}

/* Runs vendor's cases against the mock (alt: in its alternative reading)
 * with fault (or none), recording a HAR, and judges it; returns the number
 * of fail verdicts.  CFM_PASSIVE_KEEP=1 keeps the HAR (its path printed),
 * CFM_PASSIVE_VERBOSE=1 prints every fail. */
static size_t walks_judged;      /* by the last passive_fails */
static size_t groups, undeleted; /* groups its stream saw created; without a deletion */

static size_t passive_fails(const char *fault, const char *vendor, int alt, size_t *entries) {
  cfm_mock_config mc;
  cfm_mock *m;
  const char *faults[2] = {fault, NULL};
  char why[256], path[] = "/tmp/cfm-passive-XXXXXX";
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_har_writer *w;
  cfm_har har;
  cfm_passive_stream st;
  size_t i, fails = 0;
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  mc.reading_alt = alt;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.vendor = vendor;
  opt.concurrency = 16;
  opt.timeout_ms = 5000;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_writer_open(path, &cfg, &w, &err), CFM_EOK, "%s", err.text);
  opt.record.fn = cfm_har_record;
  opt.record.user = w;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_har_writer_close(w), CFM_EOK);
  cfm_mock_stop(m);
  cr_assert_eq(cfm_har_load(path, &har, &err), CFM_EOK, "%s", err.text);
  if (getenv("CFM_PASSIVE_KEEP"))
    printf("  %s: kept %s\n", fault ? fault : "faithful", path);
  else
    unlink(path);
  cr_assert_eq(cfm_passive_stream_init(&st), CFM_EOK);
  /* As `check --config` with the config the run used (the mock's). */
  cr_assert_eq(cfm_passive_stream_declare(&st, &specs, &cfg), CFM_EOK);
  cfm_config_release(&cfg);
  for (i = 0; i < har.count; i++) {
    const cfm_har_entry *e = &har.entries[i];
    cfm_passive_result r;
    if (e->unusable) {
      cfm_passive_stream_gap(&specs, &st, e->method, e->url, e->started_ms);
      continue;
    }
    cr_assert_eq(cfm_passive_judge_entry(&specs, &st, e, &r), CFM_EOK);
    if (r.verdict == CFM_VERDICT_FAIL) {
      if (getenv("CFM_PASSIVE_VERBOSE"))
        printf("  %s: e%zu %s %s: %s\n",
               fault ? fault
               : alt ? "alt"
                     : "faithful",
               i, e->method, e->url, r.reason);
      fails++;
    }
    cfm_passive_result_release(&r);
  }
  cr_assert_eq(cfm_passive_stream_settle(&st, 1, count_finding, &fails), CFM_EOK);
  walks_judged = st.judged_walks;
  groups = json_object_size(st.lives);
  undeleted = 0;
  {
    const char *k;
    json_t *life;
    json_object_foreach(st.lives, k, life) undeleted += !json_object_get(life, "gone");
  }
  cfm_passive_stream_release(&st);
  *entries = har.count;
  cfm_har_release(&har);
  return fails;
}

Test(passive, recorded_faithful_run_has_no_fail, .timeout = 120) {
  size_t entries;
  cr_assert_eq(passive_fails(NULL, NULL, 0, &entries), 0);
  cr_assert_gt(entries, 500, "a run records every exchange (%zu)", entries);
  /* The end-of-stream rule judged the run's complete walks (the cursor
   * walk scenario's, the single page over the clamp), not nothing. */
  cr_assert_geq(walks_judged, 2, "complete walks judged: %zu", walks_judged);
  /* The run's clean-up deletions are recorded too: each group the run
   * created has its deletion in the recording. */
  cr_assert_gt(groups, 1000, "groups created: %zu", groups);
  cr_assert_eq(undeleted, 0, "%zu of %zu groups have no recorded deletion", undeleted, groups);
}

/* A target that reads the documents' open points the other way
 * (test_readings) still conforms: its recording has no fail either. */
Test(passive, recorded_alternative_reading_run_has_no_fail, .timeout = 120) {
  size_t entries;
  cr_assert_eq(passive_fails(NULL, NULL, 1, &entries), 0);
  cr_assert_gt(entries, 500, "a run records every exchange (%zu)", entries);
  cr_assert_geq(walks_judged, 1, "complete walks judged: %zu", walks_judged);
}

/* What tests/data/passive-detection.txt says of fault: 'f' found, 'm'
 * missed (the reason is in the file), 0 not listed. */
static char expected_detection(const char *fault) {
  FILE *f = fopen(CONFORM_TESTDATA_DIR "/passive-detection.txt", "r");
  char line[512], word[16], name[128];
  char got = 0;
  cr_assert_not_null(f, "tests/data/passive-detection.txt");
  while (!got && fgets(line, sizeof(line), f)) {
    if (line[0] == '#' || sscanf(line, "%15s %127s", word, name) != 2 || strcmp(name, fault))
      continue;
    got = !strcmp(word, "found") ? 'f' : !strcmp(word, "missed") ? 'm' : '?';
  }
  fclose(f);
  return got;
}

/* Every fault of the mock, recorded and judged: each the data file lists
 * as found gives a fail, each it lists as missed none (a missed fault
 * that is found belongs in the found list).  CFM_PASSIVE_ONLY=NAME runs
 * one fault. */
/* The faults are judged in DETECT_SHARDS tests (fault i in shard i % N), so
 * Criterion runs them in parallel and each stays well inside its timeout
 * under ASan on a loaded machine; together they cover every fault. */
#define DETECT_SHARDS 4
static void detect_shard(size_t shard) {
  const cfm_mock_fault *f;
  const char *only = getenv("CFM_PASSIVE_ONLY");
  size_t n = 0, detected = 0, entries, i;
  char missed[2048] = "", wrong[2048] = "";
  for (f = cfm_mock_faults(), i = 0; f->name; f++, i++) {
    char want = expected_detection(f->name);
    size_t fails;
    if (only ? shard != 0 || strcmp(only, f->name) != 0 : i % DETECT_SHARDS != shard)
      continue;
    cr_assert(want == 'f' || want == 'm', "%s: not listed in tests/data/passive-detection.txt",
              f->name);
    /* A [fuzz] fault shows only in combinations or sequences the cases do
     * not send (test_mutation holds the cases to missing it): its
     * recording holds nothing to find, so it is not run. */
    if (strstr(f->statement, "[fuzz]")) {
      cr_assert_eq(want, 'm', "%s is a [fuzz] fault: list it missed", f->name);
      continue;
    }
    fails = passive_fails(f->name, f->vendor, 0, &entries);
    n++;
    printf("passive detection: %-36s %s (%zu fail)\n", f->name, fails ? "found " : "MISSED", fails);
    if (fails)
      detected++;
    else
      snprintf(missed + strlen(missed), sizeof(missed) - strlen(missed), " %s", f->name);
    if ((want == 'f') != (fails > 0))
      snprintf(wrong + strlen(wrong), sizeof(wrong) - strlen(wrong), " %s (%s)", f->name,
               want == 'f' ? "listed found, missed" : "listed missed, found");
  }
  printf("passive detection (shard %zu/%d): %zu/%zu%s%s\n", shard, DETECT_SHARDS, detected, n,
         missed[0] ? "; missed:" : "", missed);
  if (only && shard == 0)
    cr_assert_gt(n, 0, "CFM_PASSIVE_ONLY names no fault");
  cr_assert_eq(wrong[0], '\0', "against tests/data/passive-detection.txt:%s", wrong);
}

Test(passive, recorded_faulty_runs_show_the_fault_0, .timeout = 280) {
  detect_shard(0);
}
Test(passive, recorded_faulty_runs_show_the_fault_1, .timeout = 280) {
  detect_shard(1);
}
Test(passive, recorded_faulty_runs_show_the_fault_2, .timeout = 280) {
  detect_shard(2);
}
Test(passive, recorded_faulty_runs_show_the_fault_3, .timeout = 280) {
  detect_shard(3);
}

/* conform check: run's report formats and exit codes. */
Test(passive, check_command_exit_codes, .timeout = 120) {
  char out[4096], dir[] = "/tmp/cfm-check-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check --bogus x.har 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "echo '{}' > %s/not.har; %s check --no-reports %s/not.har 2>/dev/null",
                         dir, CONFORM_BIN, dir),
               3);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check --no-reports %s/missing.har 2>/dev/null",
                         CONFORM_BIN, dir),
               3);
  /* A recorded faithful run: no fail, reports written. */
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s run --vendor dingtalk-rooms --no-reports --record ok.har "
                         "2>/dev/null && %s check --reports r ok.har 2>/dev/null && ls r/latest/",
                         dir, CONFORM_BIN, CONFORM_BIN),
               0);
  cr_assert(strstr(out, "report.json") && strstr(out, "junit.xml"), "%s", out);
  /* --config: the run's declared accounts; a faithful run still has no fail,
   * a config that is not one is refused (3). */
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && printf '%%s' '{\"targets\": {\"dingtalk-rooms\": "
                         "{\"variables\": {\"user_union_id\": \"conform-user-union\"}}}}' "
                         "> c.json && %s check --no-reports --config c.json ok.har 2>&1",
                         dir, CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && echo '{\"bogus\": 1}' > b.json && %s check --no-reports "
                         "--config b.json ok.har 2>/dev/null",
                         dir, CONFORM_BIN),
               3);
  /* An accepted request without credentials: exit 1. */
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out),
                "cd %s && printf '%%s' '{\"log\":{\"entries\":[{\"request\":{\"method\":"
                "\"DELETE\",\"url\":\"http://h/v1.0/rooms/groups/7?unionId=u\"},"
                "\"response\":{\"status\":200,\"content\":{\"mimeType\":"
                "\"application/json\",\"text\":\"{\\\"result\\\":true}\"}}}]}}' > bad.har && "
                "%s check --no-reports bad.har 2>&1",
                dir, CONFORM_BIN),
      1, "%s", out);
  cr_assert(strstr(out, "1 fail"), "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}
