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

/* GNU-style options: --opt=value, '--', one error line and a Try line
 * (never the usage text), "did you mean", exit 2 for each usage error. */
Test(cli, gnu_style_options) {
  cr_assert_eq(
      sh(CONFORM_BIN " run --list --filter='dingtalk-rooms.*' -- " CONFORM_SPECS_DIR " 2>&1"), 0,
      "%s", out);
  cr_assert(strstr(out, "dingtalk-rooms.") && !strstr(out, "agora-chat."), "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --filter 2>&1"), 2);
  cr_assert_str_eq(out, "conform: error: option '--filter' requires an argument\n"
                        "Try 'conform run --help' for more information.\n");
  cr_assert_eq(sh(CONFORM_BIN " run --fitler x 2>&1"), 2);
  cr_assert_str_eq(out, "conform: error: unrecognized option '--fitler'; did you mean "
                        "'--filter'?\nTry 'conform run --help' for more information.\n");
  cr_assert_eq(sh(CONFORM_BIN " run --list=yes 2>&1"), 2);
  cr_assert(strstr(out, "'--list' doesn't allow an argument"), "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " rn 2>&1"), 2);
  cr_assert(strstr(out, "did you mean 'run'?"), "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " baseline chek x 2>&1"), 2);
  cr_assert(strstr(out, "did you mean 'check'?"), "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " -V"), 0);
  cr_assert(strncmp(out, "conform ", 8) == 0, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " --specs-dir=" CONFORM_SPECS_DIR " specs --json >/dev/null"), 0);
  cr_assert_eq(sh(CONFORM_BIN " run --color=sometimes 2>/dev/null"), 2);
  cr_assert_eq(sh(CONFORM_BIN " mock --listen 0.0.0.0:1 2>&1"), 2);
  cr_assert(strstr(out, "not a loopback address"), "%s", out);
  /* Each command's errors are short: an error line and the Try line. */
  {
    static const char *const bad[] = {
        "run --bogus",  "lint --bogus",   "specs --bogus",   "merge --bogus",
        "mock --bogus", "export --bogus", "extract --bogus", "baseline --bogus",
        "baseline",     "export",         "merge",           "extract"};
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      const char *nl;
      int lines = 0;
      cr_assert_eq(sh(CONFORM_BIN " %s 2>&1", bad[i]), 2, "%s", bad[i]);
      for (nl = out; (nl = strchr(nl, '\n')) != NULL; nl++)
        lines++;
      cr_assert_eq(lines, 2, "'%s' printed %d lines: %s", bad[i], lines, out);
    }
  }
}

/* Colour: only on a terminal by default, --color=always forces it,
 * NO_COLOR and --color=never turn it off. */
Test(cli, colour_follows_the_flag_and_no_color) {
  const char *run =
      CONFORM_BIN " run --no-reports --filter 'dingtalk-rooms.create_group.example.*'";
  cr_assert_eq(sh("%s 2>&1", run), 0, "%s", out);
  cr_assert_null(strchr(out, '\033'), "not a terminal: no colour: %s", out);
  cr_assert_eq(sh("%s --color=always 2>&1", run), 0, "%s", out);
  cr_assert_not_null(strchr(out, '\033'), "%s", out);
  cr_assert_eq(sh("NO_COLOR=1 %s --color=never 2>&1", run), 0, "%s", out);
  cr_assert_null(strchr(out, '\033'), "%s", out);
}

/* A base_url with a trailing slash is joined without '//'. */
Test(cli, trailing_slash_in_base_url) {
  cr_assert_eq(sh(CONFORM_BIN " run --dry-run --filter 'dingtalk-rooms.*' "
                              "--target dingtalk-rooms=http://127.0.0.1:9/ 2>/dev/null | "
                              "grep -c '127.0.0.1:9//'"),
               1, "grep found '//' (exit 1 = no match): %s", out);
}

/* After a run, baseline entries no failure used are reported. */
Test(cli, a_run_reports_unused_baseline_entries) {
  cr_assert_eq(
      sh("d=$(mktemp -d) && printf '{\"format\":\"conform-baseline/1\",\"entries\":"
         "[{\"id\":\"dingtalk-rooms.create_group.example.fixture\"}]}' > $d/bl.json && " CONFORM_BIN
         " run --no-reports --filter 'dingtalk-rooms.create_group.example.*' "
         "--baseline $d/bl.json 2>&1; rc=$?; rm -rf $d; exit $rc"),
      0, "%s", out);
  cr_assert(strstr(out, "1 of 1 entries unused by this run"), "%s", out);
}
