/* conform tests — a Criterion suite over the shipped specs: the specs are
 * loaded before each test (a failure to load fails it) and released
 * after.  Header only; used by test_match.c and test_passive.c. */
#ifndef CONFORM_TEST_HELPER_SPECS_H
#define CONFORM_TEST_HELPER_SPECS_H

#include <criterion/criterion.h>
#include <string.h>

#include "conform/spec.h"

/* Defines `static cfm_specset var` and TestSuite(suite) loading it. */
#define CFM_TH_SPECS_SUITE(suite, var)                                                             \
  static cfm_specset var;                                                                          \
  static void suite##_specs_load(void) {                                                           \
    cfm_error_t err_;                                                                              \
    cfm_error_init(&err_);                                                                         \
    memset(&var, 0, sizeof(var));                                                                  \
    cr_assert_eq(cfm_specset_add_path(&var, CONFORM_SPECS_DIR, &err_), CFM_EOK, "%s", err_.text);  \
  }                                                                                                \
  static void suite##_specs_release(void) {                                                        \
    cfm_specset_release(&var);                                                                     \
  }                                                                                                \
  TestSuite(suite, .init = suite##_specs_load, .fini = suite##_specs_release)

#endif
