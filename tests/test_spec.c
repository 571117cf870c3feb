/* The spec loader and lint: the shipped specs lint clean; each bad spec
 * under tests/data/lint/ triggers the finding its name announces. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conform/spec.h"

Test(spec, shipped_specs_lint_clean) {
  cfm_specset set = {0};
  cfm_lint_report rep = {0};
  cfm_error_t err;
  size_t i;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(set.count, 3);
  for (i = 0; i < set.count; i++)
    cfm_spec_lint(set.items[i], &rep);
  for (i = 0; i < rep.count; i++)
    fprintf(stderr, "%s:%s: %s\n", rep.items[i].file, rep.items[i].pointer, rep.items[i].message);
  cr_assert_eq(rep.count, 0);
  cr_assert_not_null(cfm_spec_operation(set.items[0], "create_group"));
  cfm_lint_report_release(&rep);
  cfm_specset_release(&set);
}

Test(spec, parse_errors_are_precise) {
  cfm_spec *s = NULL;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_parse("x.json", "{\n  \"vendor\": \"a\",\n  oops\n}", 27, &s, &err),
               CFM_EPARSE);
  cr_assert_str_eq(err.where, "x.json");
  cr_assert(strstr(err.text, "line 3") != NULL, "%s", err.text);
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_parse("y.json", "{\"format\": 1}", 13, &s, &err), CFM_ESPEC);
  cr_assert_str_eq(err.pointer, "/vendor");
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_load("/nonexistent/spec.json", &s, &err), CFM_EIO);
}

/* Each file is a copy of a small valid spec with one mistake; its first
 * line-free "expect" member names a fragment of the finding. */
Test(spec, each_bad_spec_is_caught) {
  DIR *d = opendir(CONFORM_TESTDATA_DIR "/lint");
  struct dirent *e;
  int checked = 0;
  cr_assert_not_null(d);
  while ((e = readdir(d)) != NULL) {
    char path[512];
    cfm_spec *s = NULL;
    cfm_lint_report rep = {0};
    cfm_error_t err;
    char want_buf[128];
    const char *want;
    size_t i;
    int hit = 0;
    if (!strstr(e->d_name, ".json"))
      continue;
    snprintf(path, sizeof(path), "%s/lint/%s", CONFORM_TESTDATA_DIR, e->d_name);
    cfm_error_init(&err);
    cr_assert_eq(cfm_spec_load(path, &s, &err), CFM_EOK, "%s: %s", path, err.text);
    want = json_string_value(json_object_get(s->root, "x-expect"));
    if (want) {
      snprintf(want_buf, sizeof(want_buf), "%s", want);
      want = want_buf;
    }
    json_object_del(s->root, "x-expect");
    cfm_spec_lint(s, &rep);
    for (i = 0; i < rep.count; i++)
      hit |= want ? strstr(rep.items[i].message, want) != NULL : 0;
    if (!want)
      cr_assert_eq(rep.count, 0, "%s should lint clean, first finding: %s", e->d_name,
                   rep.count ? rep.items[0].message : "");
    else
      cr_assert(hit, "%s: no finding mentions '%s' (%zu findings)", e->d_name, want, rep.count);
    checked++;
    cfm_lint_report_release(&rep);
    cfm_spec_free(s);
  }
  closedir(d);
  cr_assert_geq(checked, 8);
}

/* A page walk starts within [0, 2^31-1]: the runner adds the page count to
 * it (a start near 2^63 once overflowed). cfm_spec_check names the first
 * finding and the count. */
Test(spec, walk_page_start_is_bounded) {
  cfm_spec *s = NULL;
  cfm_error_t err;
  json_t *walk;
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_load(CONFORM_TESTDATA_DIR "/runner/fixture.json", &s, &err), CFM_EOK, "%s",
               err.text);
  cr_assert_eq(cfm_spec_check(s, &err), CFM_EOK, "%s", err.text);
  walk = json_object_get(
      json_array_get(
          json_object_get(json_array_get(json_object_get(s->root, "scenarios"), 2), "steps"), 1),
      "walk");
  cr_assert_not_null(walk);
  json_object_del(walk, "cursor");
  json_object_set_new(walk, "page",
                      json_pack("{s:s, s:I}", "param", "page", "start", (json_int_t)INT64_MAX));
  cr_assert_eq(cfm_spec_check(s, &err), CFM_ESPEC);
  cr_assert_str_eq(err.pointer, "/scenarios/2/steps/1/walk/page/start");
  cr_assert(strstr(err.text, "above the maximum 2147483647 (1 finding;") != NULL, "%s", err.text);
  cfm_spec_free(s);
}
