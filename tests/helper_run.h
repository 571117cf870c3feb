/* conform tests — whole runs of the shipped specs: loading them, running
 * them against an embedded mock (faithful or with one fault) into a
 * temporary reports directory, and the temporary directories themselves.
 * Criterion-free: each function returns a status the test asserts. */
#ifndef CONFORM_TEST_HELPER_RUN_H
#define CONFORM_TEST_HELPER_RUN_H

#include <jansson.h>

#include "conform/runner.h"

/* The shipped specs (CONFORM_SPECS_DIR), loaded on the first call and kept
 * until the process ends (Criterion runs each test in its own process).
 * NULL with err filled when they do not load. */
const cfm_specset *cfm_test_specs(cfm_error_t *err);

/* Runs specs with opt against a fresh embedded mock with fault (NULL: the
 * faithful mock).  opt->reports_dir is set to a temporary directory, which
 * is removed before returning.  Returns the run's report.json (a new
 * reference) with res filled, or NULL with err filled. */
json_t *cfm_test_run_on_mock(const cfm_specset *specs, const char *fault, cfm_run_options *opt,
                             cfm_run_result *res, cfm_error_t *err);

/* A new directory /tmp/conform-<stem>-XXXXXX (the path is malloc'd), or
 * NULL. */
char *cfm_test_temp_dir(const char *stem);

/* Removes dir and everything below it, then frees the path.  Returns 0, or
 * -1 when something could not be removed. */
int cfm_test_remove_dir(char *dir);

#endif
