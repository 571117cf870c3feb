/* The clean-up ledger (issue 15, deliver 4) against the recording target:
 * failed deletions retried then named and kept, the next run's warning,
 * and the clean-up of an unfinished ledger. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/ledger.h"
#include "conform/runner.h"
#include "helper_record.h"
#include "helper_run.h"

static volatile sig_atomic_t stop;

/* One run against the recording target, treated as live. */
static void run_with(cfm_rec *r, const cfm_run_options *opt, cfm_run_result *res) {
  cfm_error_t err;
  cr_assert_eq(cfm_rec_run(r, opt, res, &err), CFM_EOK, "%s", err.text);
}

/* The ledger: every created group is recorded, then its deletion; failed
 * deletions are retried, named, left in the ledger; the next run warns;
 * cfm_ledger_cleanup deletes what is left. */
Test(ledger, ledger_records_failed_cleanups_and_cleanup_deletes_them) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  cfm_config cfg;
  cfm_error_t err;
  char *dir = cfm_test_temp_dir("ledger"), *term_text = NULL;
  size_t term_len = 0, deleted = 0, left = 0;
  FILE *term = open_memstream(&term_text, &term_len);
  json_t *l, *unfinished;
  cr_assert_not_null(r);
  cr_assert_not_null(dir);
  cfm_rec_options(&opt, &stop);
  opt.filter = "agora-chat.get_group.*";
  opt.reports_dir = dir;
  opt.term = term;
  cfm_rec_fail_deletes(r, 1);
  run_with(r, &opt, &res);
  fflush(term);
  cr_assert_gt(cfm_rec_creates(r), 0);
  cr_assert_eq(res.cleanup_failed, cfm_rec_creates(r), "each failed deletion is reported");
  cr_assert_eq(cfm_rec_alive(r), cfm_rec_creates(r));
  cr_assert_not_null(strstr(term_text, "NOT deleted: agora-chat delete_group "), "%s", term_text);
  cr_assert(res.ledger[0]);
  /* The ledger is in the run's report directory, not the reports root. */
  cr_assert(res.run_dir[0]);
  cr_assert_eq(strncmp(res.ledger, res.run_dir, strlen(res.run_dir)), 0, "%s not in %s", res.ledger,
               res.run_dir);
  cr_assert_eq(res.ledger[strlen(res.run_dir)], '/');
  cr_assert_null(strchr(res.ledger + strlen(res.run_dir) + 1, '/'), "%s", res.ledger);
  cfm_error_init(&err);
  l = cfm_ledger_left(res.ledger, &err);
  cr_assert_not_null(l, "%s", err.text);
  cr_assert_eq(json_array_size(l), cfm_rec_creates(r), "the ledger lists what is left");
  json_decref(l);
  /* The next run warns about the unfinished ledger. */
  fclose(term);
  free(term_text);
  term_text = NULL;
  term = open_memstream(&term_text, &term_len);
  opt.term = term;
  opt.filter = "agora-chat.list_user_groups.*";
  cfm_rec_fail_deletes(r, 0);
  run_with(r, &opt, &res);
  fflush(term);
  cr_assert_not_null(strstr(term_text, "an earlier run left resources behind"), "%s", term_text);
  unfinished = cfm_ledger_unfinished(dir);
  cr_assert_eq(json_array_size(unfinished), 1);
  /* conform cleanup's library call deletes them. */
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_use_mock(&cfg, (uint16_t)cfm_rec_port(r)), CFM_EOK);
  cr_assert_eq(cfm_ledger_cleanup(cfm_test_specs(&err), &cfg,
                                  json_string_value(json_array_get(unfinished, 0)), NULL, NULL,
                                  &deleted, &left, &err),
               CFM_EOK, "%s", err.text);
  cr_assert_eq(left, 0);
  cr_assert_eq(cfm_rec_alive(r), 0);
  json_decref(unfinished);
  unfinished = cfm_ledger_unfinished(dir);
  cr_assert_eq(json_array_size(unfinished), 0, "the ledger is finished");
  json_decref(unfinished);
  cfm_config_release(&cfg);
  fclose(term);
  free(term_text);
  cfm_rec_stop(r);
  cr_assert_eq(cfm_test_remove_dir(dir), 0);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

/* Unfinished ledgers are found in each run directory and, from earlier
 * versions, in the reports root; `latest` (a link to a run directory) does
 * not count twice, and finished ledgers are not listed. */
Test(ledger, unfinished_ledgers_are_found_in_run_directories) {
  char *dir = cfm_test_temp_dir("ledger"), path[600];
  static const char left[] = "{\"created\":{\"vendor\":\"agora-chat\",\"op\":\"delete_group\","
                             "\"id\":\"1\"}}\n";
  json_t *u;
  snprintf(path, sizeof(path), "%s/run-a", dir);
  cr_assert_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/run-b", dir);
  cr_assert_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/run-a/ledger-cfm-a.jsonl", dir);
  write_file(path, left);
  snprintf(path, sizeof(path), "%s/run-b/ledger-cfm-b.jsonl", dir);
  write_file(path, "{\"finished\":true}\n");
  snprintf(path, sizeof(path), "%s/ledger-cfm-old.jsonl", dir);
  write_file(path, left);
  snprintf(path, sizeof(path), "%s/latest", dir);
  cr_assert_eq(symlink("run-a", path), 0);
  u = cfm_ledger_unfinished(dir);
  cr_assert_eq(json_array_size(u), 2, "the run directory's and the root's");
  snprintf(path, sizeof(path), "%s/run-a/ledger-cfm-a.jsonl", dir);
  cr_assert(!strcmp(json_string_value(json_array_get(u, 0)), path) ||
            !strcmp(json_string_value(json_array_get(u, 1)), path));
  json_decref(u);
  cr_assert_eq(cfm_test_remove_dir(dir), 0);
}
