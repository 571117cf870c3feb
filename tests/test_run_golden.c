/* The run's verdicts against a golden list: every case id and its verdict
 * on the faithful mock, and on the mock with each fault alone, must match
 * tests/data/runner/golden-verdicts.txt (a refactor of the runner must not
 * change what it decides).  The file lists the faithful run in full
 * ("- <id> <verdict>"), then per fault only the cases whose verdict differs
 * ("<fault> <id> <verdict>"), each fault's run holding only its vendor's
 * cases and leaving out those with heavy set-up (cfm_case.heavy_setup:
 * the 1,001 creates of the app-list clamp run once, in the faithful run;
 * tests/test_clamp.c runs them under the clamp faults).
 * CONFORM_GOLDEN_WRITE=<path> writes the list
 * instead of checking it (regenerate only when a verdict change is meant). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "conform/runner.h"
#include "helper_run.h"

#define GOLDEN CONFORM_TESTDATA_DIR "/runner/golden-verdicts.txt"

/* Runs every case (of vendor, NULL = all) against a mock with fault (or
 * none); returns the report's cases as a new reference (an object id ->
 * verdict). */
static json_t *verdicts_with(const cfm_specset *specs, const char *fault, const char *vendor) {
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char path[1024];
  json_t *rep, *c, *out = json_object();
  size_t i;
  memset(&opt, 0, sizeof(opt));
  opt.vendor = vendor;
  opt.local_targets = fault ? -1 : 0; /* fault runs: heavy set-up cases are skip, not compared */
  opt.concurrency = 8;
  opt.timeout_ms = 5000;
  rep = cfm_test_run_on_mock(specs, fault, &opt, &res, &err);
  cr_assert_not_null(rep, "%s", err.text);
  cr_assert(json_is_array(json_object_get(rep, "cases")));
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    json_object_set(out, json_string_value(json_object_get(c, "id")),
                    json_object_get(c, "verdict"));
  }
  if (getenv("CONFORM_GOLDEN_KEEP")) { /* keep each report (for comparing reasons by hand) */
    snprintf(path, sizeof(path), "%s/%s.json", getenv("CONFORM_GOLDEN_KEEP"),
             fault ? fault : "faithful");
    cr_assert_eq(json_dump_file(rep, path, JSON_INDENT(2)), 0, "%s", path);
  }
  json_decref(rep);
  return out;
}

static int cmp_line(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the lines of text in place (reports list cases in completion
 * order, which concurrency makes vary). */
static void sort_lines(char *text, size_t len) {
  char **lines = NULL, *copy = malloc(len + 1), *p, *save = NULL;
  size_t n = 0, cap = 0, i, off = 0;
  cr_assert_not_null(copy);
  memcpy(copy, text, len + 1);
  for (p = strtok_r(copy, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      lines = realloc(lines, cap * sizeof(*lines));
      cr_assert_not_null(lines);
    }
    lines[n++] = p;
  }
  qsort(lines, n, sizeof(*lines), cmp_line);
  for (i = 0; i < n; i++)
    off += (size_t)sprintf(text + off, "%s\n", lines[i]);
  free(lines);
  free(copy);
}

/* The ids of the cases with heavy set-up (new reference: id -> true). */
static json_t *heavy_ids(const cfm_specset *specs) {
  cfm_caselist list;
  json_t *out = json_object();
  size_t i;
  memset(&list, 0, sizeof(list));
  cr_assert_eq(cfm_cases_generate(specs, &list), CFM_EOK);
  for (i = 0; i < list.count; i++)
    if (list.items[i].heavy_setup)
      json_object_set_new(out, list.items[i].id, json_true());
  cfm_caselist_release(&list);
  return out;
}

/* Appends the golden lines of one run (of vendor, NULL = all) to text;
 * a fault run's lines leave out the ids in skip. */
static void emit(FILE *f, const char *fault, const char *vendor, json_t *run, json_t *faithful,
                 const json_t *skip) {
  const char *id;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(run, tmp, id, v) {
    json_t *base = faithful ? json_object_get(faithful, id) : NULL;
    if (faithful && json_object_get(skip, id))
      continue;
    if (!faithful || !base || !json_equal(base, v))
      fprintf(f, "%s %s %s\n", fault ? fault : "-", id, json_string_value(v));
  }
  if (faithful) {
    json_object_foreach_safe(faithful, tmp, id, v) {
      int same_vendor =
          !vendor || (!strncmp(id, vendor, strlen(vendor)) && id[strlen(vendor)] == '.');
      if (same_vendor && !json_object_get(skip, id) && !json_object_get(run, id))
        fprintf(f, "%s %s missing\n", fault, id);
    }
  }
}

Test(run_golden, same_ids_and_verdicts_on_every_fault, .timeout = 280) {
  cfm_error_t err;
  const cfm_specset *specs = cfm_test_specs(&err);
  json_t *faithful, *heavy;
  const cfm_mock_fault *f;
  char *got = NULL, *want = NULL;
  size_t got_len = 0, want_len = 0;
  FILE *mem = open_memstream(&got, &got_len), *gf;
  const char *write_to = getenv("CONFORM_GOLDEN_WRITE");
  cr_assert_not_null(specs, "%s", err.text);
  heavy = heavy_ids(specs);
  cr_assert_gt(json_object_size(heavy), 0, "the app-list clamp has heavy set-up");
  faithful = verdicts_with(specs, NULL, NULL);
  emit(mem, NULL, NULL, faithful, NULL, NULL);
  /* A fault breaks one vendor's mock: only that vendor's cases run with
   * it (the others' verdicts are the faithful ones), and not the cases
   * with heavy set-up (1,001 creates per Agora fault would be most of the
   * test's time; tests/test_clamp.c covers them under the clamp faults). */
  for (f = cfm_mock_faults(); f->name; f++) {
    json_t *run = verdicts_with(specs, f->name, f->vendor);
    emit(mem, f->name, f->vendor, run, faithful, heavy);
    json_decref(run);
  }
  json_decref(heavy);
  fclose(mem);
  sort_lines(got, got_len);
  json_decref(faithful);
  if (write_to) {
    gf = fopen(write_to, "w");
    cr_assert_not_null(gf);
    fwrite(got, 1, got_len, gf);
    fclose(gf);
    free(got);
    return;
  }
  gf = fopen(GOLDEN, "r");
  cr_assert_not_null(gf, "cannot open %s", GOLDEN);
  mem = open_memstream(&want, &want_len);
  for (int ch; (ch = fgetc(gf)) != EOF;)
    fputc(ch, mem);
  fclose(gf);
  fclose(mem);
  if (strcmp(got, want) != 0) {
    FILE *o = fopen("/tmp/conform-golden-got.txt", "w");
    if (o) {
      fwrite(got, 1, got_len, o);
      fclose(o);
    }
  }
  cr_assert_str_eq(got, want,
                   "verdicts differ from %s; the run's list is in "
                   "/tmp/conform-golden-got.txt",
                   GOLDEN);
  free(got);
  free(want);
}
