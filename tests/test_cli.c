/* The commands through the real binary: documented exit codes and output. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "helper_cli.h"

static char out[1 << 20];

/* Runs a shell command; its stdout is in out. */
#define sh(...) cfm_th_sh(out, sizeof(out), __VA_ARGS__)

Test(cli, usage_errors_are_exit_2) {
  cr_assert_eq(sh(CONFORM_BIN " frobnicate 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " run --bogus 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " run --shard 3/2 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " run --target agora-chat 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " mock --fault no-such-fault 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " --version"), 0);
  cr_assert(strstr(out, "conform ") == out);
}

Test(cli, specs_lint_export) {
  cr_assert_eq(sh(CONFORM_BIN " specs " CONFORM_SPECS_DIR), 0);
  cr_assert(strstr(out, "12 seed operations") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " lint " CONFORM_SPECS_DIR " 2>&1"), 0, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " lint " CONFORM_TESTDATA_DIR "/lint/bad-pattern.json 2>/dev/null"),
               3);
  cr_assert(strstr(out, "does not compile") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " lint /nonexistent.json 2>/dev/null"), 3);
  /* Commands that need a valid spec refuse one with findings (exit 3),
   * naming the first finding and pointing at lint. */
  cr_assert_eq(sh(CONFORM_BIN " run --dry-run " CONFORM_TESTDATA_DIR
                              "/lint/limit-too-long.json 2>&1 >/dev/null"),
               3);
  /* (the test files' x-expect member is the other finding) */
  cr_assert(strstr(out, "limit-too-long.json#") && strstr(out, "(2 findings; 'conform lint "), "%s",
            out);
  cr_assert_eq(sh(CONFORM_BIN " specs " CONFORM_TESTDATA_DIR "/lint/limit-huge.json 2>/dev/null"),
               3);
  cr_assert_eq(
      sh(CONFORM_BIN " export openapi " CONFORM_TESTDATA_DIR "/lint/unknown-row.json 2>/dev/null"),
      3);
  cr_assert_eq(sh(CONFORM_BIN " export openapi " CONFORM_SPECS_DIR "/agora-chat.json"), 0);
  {
    json_t *doc = json_loads(out, 0, NULL);
    cr_assert_not_null(doc);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    cr_assert_not_null(json_object_get(json_object_get(doc, "paths"), "/chatgroups/{group_id}"));
    cr_assert_not_null(json_object_get(doc, "x-conform-error-model"));
    json_decref(doc);
  }
}

Test(cli, run_list_dry_run_and_extract) {
  int lines = 0;
  char *p;
  cr_assert_eq(sh(CONFORM_BIN " run --list " CONFORM_SPECS_DIR), 0);
  for (p = out; *p; p++)
    lines += *p == '\n';
  cr_assert_geq(lines, 300);
  cr_assert_eq(sh(CONFORM_BIN " run --dry-run --filter 'agora-chat.create_group.example.*' "
                              "--target agora-chat=http://127.0.0.1:9 --config /dev/null 2>&1"),
               3, "an empty config is not a config: %s", out);
  cr_assert_eq(sh(CONFORM_BIN " extract --against " CONFORM_SPECS_DIR
                              "/dingtalk-rooms.json " CONFORM_SEEDS_DIR
                              "/003_b567ae6603894095.txt"),
               0, "%s", out);
  cr_assert(strstr(out, "recall 100.0 %") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " extract /nonexistent.md 2>/dev/null"), 3);
}

/* A config that names no URL (here from a pipe) only tunes the run: the
 * embedded mock serves it and the suite passes. */
Test(cli, config_without_urls_runs_against_the_embedded_mock) {
  cr_assert_eq(sh("echo '{\"timeout_ms\": 5000}' | " CONFORM_BIN
                  " run --config /dev/stdin --no-reports --filter 'dingtalk-rooms.*' 2>&1"),
               0, "%s", out);
  cr_assert(strstr(out, " pass, 0 warn, 0 skip, 0 fail, 0 error"), "%s", out);
  cr_assert_eq(sh("echo '{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\"}}}' "
                  "| " CONFORM_BIN
                  " run --config /dev/stdin --no-reports --filter 'dingtalk-rooms.*' 2>&1"),
               3, "a URL in the config means real targets; dingtalk has none: %s", out);
}
