/* The reports of a whole run against the embedded mock, through the real
 * binary: coverage counts the error rows the cases expected and observed
 * (issue 20, "Coverage"), report.json and report.html agree on every
 * coverage number, and reproductions are whole (issue 20, "Reproductions"). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_cli.h"
#include "helper_file.h"

static char dir[128];

static void make_dir(void) {
  snprintf(dir, sizeof(dir), "/tmp/conform-report-run-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void) {
  cr_assert_eq(cfm_th_sh(NULL, 0, "rm -rf '%s'", dir), 0);
}

TestSuite(report_run, .init = make_dir, .fini = remove_dir);

/* Runs the shipped specs against the embedded mock (only vendor when not
 * NULL) into dir/reports; returns report.json. */
static json_t *mock_run(const char *vendor) {
  char path[300];
  json_error_t jerr;
  json_t *rep;
  int rc = cfm_th_sh(
      NULL, 0,
      "cd '%s' && CONFORM_SPECS_DIR='%s' '%s' run %s%s --reports reports --color=never "
      ">out.txt 2>err.txt",
      dir, CONFORM_SPECS_DIR, CONFORM_BIN, vendor ? "--vendor " : "", vendor ? vendor : "");
  cr_assert_eq(rc, 0, "conform run exited %d", rc);
  snprintf(path, sizeof(path), "%s/reports/latest/report.json", dir);
  rep = json_load_file(path, 0, &jerr);
  cr_assert_not_null(rep, "%s: %s", path, jerr.text);
  return rep;
}

/* Items of kind with at least one case, counted from the items themselves. */
static size_t exercised_of_kind(const json_t *cov, const char *kind) {
  size_t i, n = 0;
  const json_t *it;
  json_array_foreach(json_object_get(cov, "items"), i, it) {
    if (!strcmp(json_string_value(json_object_get(it, "kind")), kind) &&
        json_integer_value(json_object_get(it, "cases")) > 0)
      n++;
  }
  return n;
}

/* The integer of attribute name in the first tag of html after marker. */
static long html_attr(const char *html, const char *marker, const char *name) {
  const char *at = strstr(html, marker), *end, *a;
  char key[64];
  cr_assert_not_null(at, "no %s in report.html", marker);
  end = strchr(at, '>');
  snprintf(key, sizeof(key), "%s=\"", name);
  a = strstr(at, key);
  cr_assert(a && a < end, "no %s on %s", name, marker);
  return strtol(a + strlen(key), NULL, 10);
}

Test(report_run, coverage_counts_the_error_rows_cases_hit) {
  json_t *rep = mock_run(NULL), *cov = json_object_get(rep, "coverage");
  const json_t *kinds = json_object_get(cov, "by_kind"), *k, *c;
  const char *kind;
  char path[300], marker[80];
  char *html;
  size_t i, seen_rows = 0;
  /* Before: every documented error row showed 0 cases. */
  cr_assert_gt(exercised_of_kind(cov, "error"), 0, "no error row counted as exercised");
  cr_assert_gt(json_integer_value(json_object_get(json_object_get(kinds, "error"), "observed")), 0);
  /* Each case names the rows it observed; each such row counts it. */
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    seen_rows += json_array_size(json_object_get(c, "observed_rows"));
  }
  cr_assert_gt(seen_rows, 0);
  /* The unexercised list is exactly the items at 0 cases. */
  cr_assert_eq(json_array_size(json_object_get(cov, "unexercised")),
               (size_t)json_integer_value(json_object_get(cov, "documented")) -
                   (size_t)json_integer_value(json_object_get(cov, "exercised")));
  /* report.html shows the same numbers. */
  snprintf(path, sizeof(path), "%s/reports/latest/report.html", dir);
  html = cfm_th_slurp(path);
  cr_assert_not_null(html, "cannot read %s", path);
  cr_assert_eq(html_attr(html, "id=\"coverage-totals\"", "data-documented"),
               json_integer_value(json_object_get(cov, "documented")));
  cr_assert_eq(html_attr(html, "id=\"coverage-totals\"", "data-exercised"),
               json_integer_value(json_object_get(cov, "exercised")));
  cr_assert_eq(html_attr(html, "id=\"coverage-totals\"", "data-observed"),
               json_integer_value(json_object_get(cov, "observed")));
  json_object_foreach((json_t *)kinds, kind, k) {
    char cell[200];
    snprintf(marker, sizeof(marker), "<tr data-kind=\"%s\">", kind);
    cr_assert_not_null(strstr(html, marker), "%s", marker);
    snprintf(cell, sizeof(cell),
             "%s<td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td "
             "class=\"n\">%lld</td>",
             marker, kind, json_integer_value(json_object_get(k, "documented")),
             json_integer_value(json_object_get(k, "exercised")),
             json_integer_value(json_object_get(k, "observed")));
    cr_assert_not_null(strstr(html, cell), "report.html disagrees: %s", cell);
  }
  free(html);
  json_decref(rep);
}

/* Reproductions of a whole run: none cut (before: 39 limit cases ended
 * mid-character with "..."), long bodies in files beside the report,
 * credentials of valid requests as environment references. */
Test(report_run, reproductions_are_whole_with_files_and_references) {
  json_t *rep = mock_run(NULL);
  const json_t *c;
  size_t i, files = 0, refs[3] = {0, 0, 0};
  static const char *const envs[] = {"\"Bearer $AGORA_APP_TOKEN\"", "\"$DINGTALK_ACCESS_TOKEN\"",
                                     "\"$TENCENT_USERSIG\""};
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    const char *repro = json_string_value(json_object_get(c, "repro"));
    const char *file = json_string_value(json_object_get(c, "repro_file"));
    size_t k, n = strlen(repro);
    cr_assert_null(strstr(repro, "\xEF\xBF\xBD"), "%s: a replaced byte", repro);
    cr_assert(n < 4 || strcmp(repro + n - 4, "...'"), "cut: %s", repro);
    for (k = 0; k < 3; k++)
      refs[k] += strstr(repro, envs[k]) != NULL;
    if (file) {
      char path[600], at[300];
      FILE *f;
      snprintf(at, sizeof(at), "'@%s'", file);
      cr_assert_not_null(strstr(repro, at), "%s does not send %s", repro, file);
      snprintf(path, sizeof(path), "%s/reports/latest/%s", dir, file);
      f = fopen(path, "rb");
      cr_assert_not_null(f, "%s missing", path);
      fclose(f);
      files++;
    }
  }
  cr_assert_gt(files, 0);
  for (i = 0; i < 3; i++)
    cr_assert_gt(refs[i], 0, "no reproduction names %s", envs[i]);
  json_decref(rep);
}

/* Merging shards keeps the reproductions' body files: the merged run
 * directory has every file its reproductions name. */
Test(report_run, merge_copies_the_body_files_of_every_shard) {
  char path[600];
  json_t *rep;
  const json_t *c;
  size_t i, files = 0;
  int k;
  for (k = 1; k <= 2; k++)
    cr_assert_eq(cfm_th_sh(NULL, 0,
                           "cd '%s' && CONFORM_SPECS_DIR='%s' '%s' run --shard %d/2 --run-id m "
                           "--reports s%d >/dev/null 2>&1",
                           dir, CONFORM_SPECS_DIR, CONFORM_BIN, k, k),
                 0);
  cr_assert_eq(cfm_th_sh(NULL, 0,
                         "cd '%s' && '%s' merge --reports merged s1/latest/report.json "
                         "s2/latest/report.json >/dev/null 2>&1",
                         dir, CONFORM_BIN),
               0);
  snprintf(path, sizeof(path), "%s/merged/latest/report.json", dir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep);
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    const char *file = json_string_value(json_object_get(c, "repro_file"));
    char *body;
    if (!file)
      continue;
    snprintf(path, sizeof(path), "%s/merged/latest/%s", dir, file);
    body = cfm_th_slurp(path);
    cr_assert_not_null(body, "%s missing after merge", path);
    cr_assert_gt(strlen(body), 0);
    free(body);
    files++;
  }
  cr_assert_gt(files, 0);
  json_decref(rep);
}
