/* A suite with one test that leaks (and one that does not), built only
 * under the sanitizers: ctest's lsan_catches_a_worker_leak requires that
 * it exits 1 and names the leaking worker (tests/helper_lsan.c).  Not a
 * test of conform: a test of the test set-up. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

void *volatile lsan_probe_keep;

Test(lsan_probe, leaks) {
  char *p = malloc(77);
  cr_assert_not_null(p);
  memset(p, 1, 77);
  lsan_probe_keep = p;
  lsan_probe_keep = NULL; /* lost */
}

Test(lsan_probe, does_not_leak) {
  char *p = malloc(77);
  cr_assert_not_null(p);
  free(p);
}
