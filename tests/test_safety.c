/* The safety model against a live target (issue 15, deliver 3-6): over
 * the full case set, a recording target flags every state-changing request
 * that names a group id it did not hand out; pacing; the complete dry run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/runner.h"
#include "helper_record.h"

static cfm_specset specs;

static void load(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
}

/* One full run against the recording target, treated as live. */
static void run_recorded(cfm_rec *r, int unsafe, cfm_run_result *res) {
  cfm_config cfg;
  cfm_run_options opt;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_use_mock(&cfg, (uint16_t)cfm_rec_port(r)), CFM_EOK);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 8;
  opt.assume_live = 1;
  opt.unsafe = unsafe;
  opt.seed = 7;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, res, &err), CFM_EOK, "%s", err.text);
  cfm_config_release(&cfg);
}

Test(safety, no_state_changing_request_names_a_foreign_id, .timeout = 240) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_result res;
  char first[512];
  cr_assert_not_null(r);
  load();
  run_recorded(r, 0, &res);
  cfm_rec_first_foreign(r, first, sizeof(first));
  cr_assert_geq(res.cases, 300);
  cr_assert_gt(cfm_rec_creates(r), 50, "the run created groups");
  cr_assert_eq(cfm_rec_foreign(r), 0, "%zu foreign state-changing requests, first: %s",
               cfm_rec_foreign(r), first);
  cr_assert_eq(cfm_rec_alive(r), 0, "every group the run created is deleted");
  cr_assert_gt(res.counts[CFM_VERDICT_SKIP], 0, "the foreign-id cases are skip");
  fprintf(stderr, "safety: %zu cases, %zu requests, %zu creates, %zu deletes, %zu foreign\n",
          res.cases, cfm_rec_requests(r), cfm_rec_creates(r), cfm_rec_deletes(r),
          cfm_rec_foreign(r));
  cfm_rec_stop(r);
  cfm_specset_release(&specs);
}

/* The recorder can fail: with --unsafe the same run names foreign ids. */
Test(safety, unsafe_sends_the_foreign_id_cases, .timeout = 240) {
  cfm_rec *r = cfm_rec_start();
  cfm_run_result res;
  cr_assert_not_null(r);
  load();
  run_recorded(r, 1, &res);
  cr_assert_gt(cfm_rec_foreign(r), 10, "--unsafe sends not-found, empty and wrong-type ids");
  cfm_rec_stop(r);
  cfm_specset_release(&specs);
}
