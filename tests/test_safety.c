/* The safety model against a live target (issues 15 and 16): over the full
 * case set, a recording target flags every state-changing request that
 * names a group id it did not hand out; the clean-up ledger; interrupts in
 * each phase (the recording target "signals" by incrementing the run's
 * counter when a given request arrives: deterministic, no wall time); the
 * complete dry run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

Test(safety, no_state_changing_request_names_a_foreign_id) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  char first[512];
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  run_with(r, &opt, &res);
  cfm_rec_first_foreign(r, first, sizeof(first));
  cr_assert_geq(res.cases, 300);
  cr_assert_gt(cfm_rec_creates(r), 50, "the run created groups");
  cr_assert_eq(cfm_rec_foreign(r), 0, "%zu foreign state-changing requests, first: %s",
               cfm_rec_foreign(r), first);
  cr_assert_eq(cfm_rec_alive(r), 0, "every group the run created is deleted");
  cr_assert_eq(res.cleanup_failed, 0);
  cr_assert_gt(res.guarded, 10, "the foreign-id cases are skip");
  fprintf(stderr,
          "safety: %zu cases, %zu requests, %zu creates, %zu deletes, %zu not sent, %zu foreign\n",
          res.cases, cfm_rec_requests(r), cfm_rec_creates(r), cfm_rec_deletes(r), res.guarded,
          cfm_rec_foreign(r));
  cfm_rec_stop(r);
}

/* The recorder can fail: with unsafe set the same run names foreign ids. */
Test(safety, unsafe_sends_the_foreign_id_cases) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  opt.unsafe = 1;
  run_with(r, &opt, &res);
  cr_assert_gt(cfm_rec_foreign(r), 10, "unsafe sends not-found, empty and wrong-type ids");
  cr_assert_eq(res.guarded, 0);
  cfm_rec_stop(r);
}

/* A create that should have been refused but was accepted made a group:
 * it is deleted like any other (agora-public-optional accepts a create
 * without "public"). */
Test(safety, accepted_should_be_refused_create_is_deleted) {
  static const char *const faults[] = {"agora-public-optional", NULL};
  cfm_rec *r = cfm_rec_start_faults(faults);
  cfm_run_options opt;
  cfm_run_result res;
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  opt.filter = "agora-chat.create_group.*";
  run_with(r, &opt, &res);
  cr_assert_gt(res.counts[CFM_VERDICT_FAIL], 0, "the fault is seen");
  cr_assert_eq(cfm_rec_alive(r), 0, "%zu groups left behind", cfm_rec_alive(r));
  cfm_rec_stop(r);
}

/* One signal while cases run: no new request is sent (queued paced ones
 * are dropped), in-flight ones finish, clean-up deletes every group. */
Test(safety, one_signal_in_the_run_sends_nothing_queued) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  opt.pace = 1; /* 5 requests/s per undocumented operation: a queue forms */
  opt.concurrency = 4;
  cfm_rec_signal_at(r, &stop, 6, 0, 0, 0);
  run_with(r, &opt, &res);
  cr_assert(res.interrupted);
  cr_assert_leq(cfm_rec_after_signal(r), 3, "%zu requests after the signal (3 in flight at most)",
                cfm_rec_after_signal(r));
  cr_assert_eq(cfm_rec_alive(r), 0, "every group is deleted");
  cr_assert_eq(res.cleanup_failed, 0);
  cfm_rec_stop(r);
}

/* Two signals while cases run: in-flight requests are abandoned; clean-up
 * still runs; what is left is at most what was abandoned in flight. */
Test(safety, two_signals_in_the_run_abandon_in_flight_and_clean_up) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  opt.concurrency = 4;
  cfm_rec_signal_at(r, &stop, 20, 21, 0, 0);
  run_with(r, &opt, &res);
  cr_assert(res.interrupted);
  cr_assert_leq(cfm_rec_after_signal(r), 3);
  cr_assert_leq(cfm_rec_alive(r), 4, "only creates abandoned in flight can be left");
  cr_assert_eq(res.cleanup_failed, 0, "every group the run knew of is deleted");
  cfm_rec_stop(r);
}

/* Deletions fail during the run (kept for the clean-up phase), then a
 * signal: one more signal during clean-up is safe and everything is
 * deleted; two more cancel it and exactly what is left is reported. */
static void signals_in_cleanup(size_t extra) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char *dir = cfm_test_temp_dir("safety");
  json_t *l;
  cr_assert_not_null(r);
  cr_assert_not_null(dir);
  cfm_rec_options(&opt, &stop);
  opt.concurrency = 1;
  opt.reports_dir = dir;
  opt.filter = "agora-chat.*";
  cfm_rec_fail_deletes(r, 2);
  cfm_rec_signal_at(r, &stop, 60, 0, 1, extra);
  run_with(r, &opt, &res);
  cr_assert(res.interrupted);
  cr_assert_gt(cfm_rec_creates(r), 5);
  cr_assert_eq(cfm_rec_after_signal(r), 0, "concurrency 1: nothing after the signal");
  cfm_error_init(&err);
  l = cfm_ledger_left(res.ledger, &err);
  cr_assert_not_null(l, "%s", err.text);
  cr_assert_eq(json_array_size(l), res.cleanup_failed, "the ledger and the report agree");
  if (extra < 2) {
    cr_assert_eq(res.cleanup_failed, 0);
    cr_assert_eq(cfm_rec_alive(r), 0);
  } else {
    cr_assert_gt(res.cleanup_failed, 0, "clean-up was cancelled");
    cr_assert_leq(cfm_rec_alive(r), res.cleanup_failed, "nothing left unreported");
  }
  json_decref(l);
  cfm_rec_stop(r);
  cr_assert_eq(cfm_test_remove_dir(dir), 0);
}

Test(safety, one_signal_in_cleanup_is_safe) {
  signals_in_cleanup(1);
}

Test(safety, two_signals_in_cleanup_cancel_and_report) {
  signals_in_cleanup(2);
}

/* The dry run: every request, dependent steps with placeholders, clean-up
 * deletes and a closing summary; nothing is sent. */
Test(safety, dry_run_is_complete_and_sends_nothing) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_options opt;
  cfm_run_result res;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  cr_assert_not_null(r);
  cfm_rec_options(&opt, &stop);
  opt.dry_run = 1;
  opt.pace = 1;
  opt.out = out;
  run_with(r, &opt, &res);
  fclose(out);
  cr_assert_eq(cfm_rec_requests(r), 0, "a dry run sends nothing");
  cr_assert_gt(res.dry_requests, 800);
  cr_assert_gt(res.dry_creates, 100);
  cr_assert_eq(res.dry_deletes, res.dry_creates, "every create has its clean-up");
  cr_assert_not_null(strstr(text, "{created.group}"), "dependent steps name placeholders");
  cr_assert_not_null(strstr(text, "clean-up  curl"));
  cr_assert_not_null(strstr(text, "dry run: "), "a closing summary");
  fprintf(stderr, "dry run: %zu requests, %zu creates, %zu deletes, %zu not sent\n",
          res.dry_requests, res.dry_creates, res.dry_deletes, res.guarded);
  free(text);
  cfm_rec_stop(r);
}
