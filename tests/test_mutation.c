/* The mutation test: the runner against the mock with one fault at a time.
 *
 * Each fault breaks one documented statement and declares (the `cases`
 * globs of its table row) which of the runner's cases must catch it.  A
 * fault counts as detected only when one of those declared cases gives
 * `fail` against the fault and did not already fail against the faithful
 * mock: failures the faithful run has are subtracted, and a fail on an
 * undeclared case does not count.  The faults to expect come from an
 * independent list (tests/data/faults.txt), not from the fault table.
 * Prints, per fault, the declared cases that caught it. */
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/fileio.h"
#include "conform/jsonutil.h"
#include "conform/mock.h"
#include "conform/runner.h"
#include "helper_run.h"

/* Faults the runner cannot catch yet, each with the reason.  They are run
 * and reported like every other fault; the test fails if one of them is
 * caught after all (then it belongs out of this list). */
static const struct {
  const char *fault, *why;
} known_gaps[] = {
    /* none today: the clamp cases fill the list past the clamp first */
    {NULL, NULL},
};

static const cfm_specset *specs;

static void load_specs(void) {
  cfm_error_t err;
  specs = cfm_test_specs(&err);
  cr_assert_not_null(specs, "%s", err.text);
}

/* The ids of the cases that failed, as a JSON array (new reference). */
static json_t *failed_cases(const char *fault, const char *vendor) {
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  json_t *report, *cases, *c, *out = json_array();
  size_t i;
  memset(&opt, 0, sizeof(opt));
  opt.vendor = vendor;
  opt.concurrency = 16;
  opt.timeout_ms = 5000;
  report = cfm_test_run_on_mock(specs, fault, &opt, &res, &err);
  cr_assert_not_null(report, "%s", err.text);
  cr_assert_gt(res.cases, 0, "%s: no case ran", vendor);
  cases = json_object_get(report, "cases");
  cr_assert_eq(json_array_size(cases), res.cases, "the report lists every case");
  json_array_foreach(cases, i, c) {
    if (!strcmp(json_string_value(json_object_get(c, "verdict")), "fail"))
      json_array_append(out, json_object_get(c, "id"));
  }
  cr_assert_eq(json_array_size(out), res.counts[CFM_VERDICT_FAIL]);
  json_decref(report);
  return out;
}

static int in_list(const json_t *ids, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v) {
    if (!strcmp(json_string_value(v), id))
      return 1;
  }
  return 0;
}

/* 1 when id matches one of the space-separated globs. */
static int declared(const char *globs, const char *id) {
  char one[256];
  const char *p = globs;
  while (*p) {
    size_t n = strcspn(p, " ");
    if (n > 0 && n < sizeof(one)) {
      memcpy(one, p, n);
      one[n] = '\0';
      if (fnmatch(one, id, 0) == 0)
        return 1;
    }
    p += n + (p[n] == ' ');
  }
  return 0;
}

static const char *known_gap(const char *fault) {
  size_t i;
  for (i = 0; known_gaps[i].fault; i++)
    if (!strcmp(known_gaps[i].fault, fault))
      return known_gaps[i].why;
  return NULL;
}

/* The expected fault names of one vendor, from tests/data/faults.txt. */
static size_t expected_faults(const char *prefix, char names[][64], size_t cap) {
  FILE *f = fopen(CONFORM_TESTDATA_DIR "/faults.txt", "r");
  char line[64];
  size_t n = 0;
  cr_assert_not_null(f);
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '#' || line[0] == '\0' || strncmp(line, prefix, strlen(prefix)) != 0)
      continue;
    cr_assert_lt(n, cap);
    memcpy(names[n++], line, sizeof(line));
  }
  fclose(f);
  return n;
}

static const cfm_mock_fault *find_fault(const char *name) {
  const cfm_mock_fault *f;
  for (f = cfm_mock_faults(); f->name; f++)
    if (!strcmp(f->name, name))
      return f;
  return NULL;
}

/* Runs every expected fault of one vendor against the runner. */
static void vendor_faults(const char *vendor, const char *prefix) {
  char names[64][64], undetected[2048] = "", gaps_caught[512] = "";
  size_t n = expected_faults(prefix, names, 64), i, caught = 0, gaps = 0, fuzz_only = 0;
  json_t *faithful;
  load_specs();
  faithful = failed_cases(NULL, vendor);
  cr_assert_geq(n, 5, "tests/data/faults.txt lists %zu %s faults", n, vendor);
  for (i = 0; i < n; i++) {
    const cfm_mock_fault *f = find_fault(names[i]);
    json_t *fails, *v;
    char by[1024] = "", stale[512] = "";
    size_t j, nby = 0;
    const char *gap = known_gap(names[i]);
    cr_assert_not_null(f, "the mock has no fault %s", names[i]);
    cr_assert_str_eq(f->vendor, vendor, "%s", f->name);
    if (strstr(f->statement, "[fuzz]")) {
      /* A combination or a sequence reveals it: the cases miss it by
       * design and conform fuzz finds it (tests/test_efuzz.c). */
      size_t fresh = 0;
      fails = failed_cases(f->name, vendor);
      json_array_foreach(fails, j, v) fresh += !in_list(faithful, json_string_value(v));
      json_decref(fails);
      printf("mutation: %-34s fuzz-only: %zu case(s) newly fail (expected 0)\n", f->name, fresh);
      cr_expect_eq(fresh, 0, "%s is a [fuzz] fault but the cases detect it", f->name);
      fuzz_only++;
      continue;
    }
    cr_assert(f->cases && f->cases[0], "%s declares no cases", f->name);
    fails = failed_cases(f->name, vendor);
    json_array_foreach(fails, j, v) {
      const char *id = json_string_value(v);
      if (!declared(f->cases, id))
        continue;
      if (in_list(faithful, id))
        snprintf(stale + strlen(stale), sizeof(stale) - strlen(stale), " %s", id);
      else if (nby++ < 4) /* the first few; the count says how many */
        snprintf(by + strlen(by), sizeof(by) - strlen(by), " %s", id);
    }
    json_decref(fails);
    if (nby) {
      caught++;
      printf("mutation: %-34s caught by %zu case(s):%s%s\n", f->name, nby, by,
             nby > 4 ? " ..." : "");
      if (gap)
        snprintf(gaps_caught + strlen(gaps_caught), sizeof(gaps_caught) - strlen(gaps_caught),
                 " %s", f->name);
    } else if (gap) {
      gaps++;
      printf("mutation: %-34s UNDETECTED (known gap: %s)\n", f->name, gap);
    } else {
      printf("mutation: %-34s UNDETECTED: no declared case (%s) newly fails%s%s\n", f->name,
             f->cases, stale[0] ? "; already failing on the faithful mock:" : "", stale);
      snprintf(undetected + strlen(undetected), sizeof(undetected) - strlen(undetected), " %s",
               f->name);
    }
  }
  printf("mutation: %s: %zu/%zu faults detected, %zu known gap(s), %zu fuzz-only\n", vendor, caught,
         n - fuzz_only, gaps, fuzz_only);
  fflush(stdout);
  json_decref(faithful);
  cr_assert_eq(undetected[0], '\0', "%s: undetected faults:%s", vendor, undetected);
  cr_assert_eq(gaps_caught[0], '\0', "known gaps now caught (take them off the list):%s",
               gaps_caught);
}

Test(mutation, faithful_mock_has_no_failures) {
  json_t *fails;
  load_specs();
  fails = failed_cases(NULL, NULL);
  cr_assert_eq(json_array_size(fails), 0, "%zu cases fail against the faithful mock",
               json_array_size(fails));
  json_decref(fails);
}

Test(mutation, tencent_faults_are_caught_by_their_cases, .timeout = 240) {
  vendor_faults("tencent-im", "tencent-");
}

Test(mutation, agora_faults_are_caught_by_their_cases, .timeout = 240) {
  vendor_faults("agora-chat", "agora-");
}

Test(mutation, dingtalk_faults_are_caught_by_their_cases, .timeout = 240) {
  vendor_faults("dingtalk-rooms", "dingtalk-");
}

/* The mock offers exactly the faults listed in tests/data/faults.txt: a
 * fault added to the mock must be added there (and so to this test). */
Test(mutation, every_mock_fault_is_expected) {
  static const char *const prefixes[] = {"tencent-", "agora-", "dingtalk-"};
  char names[64][64];
  const cfm_mock_fault *f;
  size_t p, i, listed = 0, offered = 0;
  for (p = 0; p < 3; p++) {
    size_t n = expected_faults(prefixes[p], names, 64);
    listed += n;
    for (i = 0; i < n; i++)
      cr_assert_not_null(find_fault(names[i]), "listed fault %s is not in the mock", names[i]);
  }
  for (f = cfm_mock_faults(); f->name; f++)
    offered++;
  cr_assert_eq(offered, listed, "the mock offers %zu faults, tests/data/faults.txt lists %zu",
               offered, listed);
}
