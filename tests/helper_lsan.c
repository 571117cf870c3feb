/* conform tests — LeakSanitizer in Criterion test executables.
 *
 * Criterion's runner process (the parent, which starts one boxfort worker
 * per test and only collects their results) now and then leaks a 48-byte
 * record of its own (libcriterion 2.4, allocated under
 * criterion_run_all_tests; seen in about one run in four of a test file
 * with timeouts).  Our code runs only in the workers, which boxfort
 * starts with BXFI_MAP in their environment: leak checking stays on
 * there and is turned off in the runner.  (Under --no-fork, tests run in
 * the runner and leaks go unchecked.) */
#include <stdlib.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void) {
  return getenv("BXFI_MAP") == NULL;
}
