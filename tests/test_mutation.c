/* The mutation test: the runner against the faithful mock gives no fail;
 * against the mock with each fault alone it gives at least one fail on a
 * case of the fault's vendor.  Prints the detection score. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conform/mock.h"
#include "conform/runner.h"

static cfm_specset specs;

static void load_specs(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
}

/* Runs vendor's cases against a mock with one fault (or none). */
static size_t fails_with(const char *fault, const char *vendor, size_t *total) {
  cfm_mock_config mc;
  cfm_mock *m;
  const char *faults[2] = {fault, NULL};
  char why[256];
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.vendor = vendor;
  opt.concurrency = 16;
  opt.timeout_ms = 5000;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  if (total)
    *total = res.cases;
  return res.counts[CFM_VERDICT_FAIL];
}

Test(mutation, faithful_mock_has_no_failures) {
  size_t total;
  load_specs();
  cr_assert_eq(fails_with(NULL, NULL, &total), 0);
  cr_assert_gt(total, 0);
  cfm_specset_release(&specs);
}

Test(mutation, every_fault_is_detected, .timeout = 240) {
  const cfm_mock_fault *f;
  size_t n = 0, detected = 0;
  char missed[2048] = "";
  load_specs();
  for (f = cfm_mock_faults(); f->name; f++) {
    size_t fails = fails_with(f->name, f->vendor, NULL);
    /* "[fuzz]" faults need a combination or a sequence: the cases miss
     * them by design and conform fuzz finds them (tests/test_efuzz.c). */
    if (strstr(f->statement, "[fuzz]")) {
      cr_expect_eq(fails, 0, "%s is a [fuzz] fault but the cases detect it", f->name);
      continue;
    }
    n++;
    if (fails > 0)
      detected++;
    else
      snprintf(missed + strlen(missed), sizeof(missed) - strlen(missed), " %s", f->name);
  }
  printf("detection score: %zu/%zu (%.0f %%)%s%s\n", detected, n,
         n ? 100.0 * (double)detected / (double)n : 0.0, missed[0] ? "; missed:" : "", missed);
  cr_assert_geq(n, 1);
  cr_assert_eq(detected, n, "undetected faults:%s", missed);
  cfm_specset_release(&specs);
}
