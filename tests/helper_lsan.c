/* conform tests — LeakSanitizer in Criterion test executables.
 *
 * Criterion runs each test in a worker process (boxfort starts it with
 * BXFI_MAP in its environment); the runner process only starts them and
 * collects their results.  Two things follow under -fsanitize=address:
 *  - the runner leaks a 48-byte record of its own now and then
 *    (libcriterion 2.4, under criterion_run_all_tests; about one run in
 *    two of test_wire), which failed CI at random: leak checking is off in
 *    the runner, where none of our code runs;
 *  - a leak in a worker is printed when the worker exits, but Criterion
 *    already has the test's result and passes it: each worker checks for
 *    leaks itself when it ends and leaves a mark in a directory the runner
 *    made, and the runner exits 1 when any worker left one.
 * Without LeakSanitizer (the gcc build) none of this does anything. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int __lsan_is_turned_off(void);
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

#define LSAN_DIR_ENV "CFM_TEST_LSAN_DIR"

static int in_worker(void) {
  return getenv("BXFI_MAP") != NULL;
}

int __lsan_is_turned_off(void) {
  return !in_worker();
}

/* The runner: a directory for the workers' marks, named to the workers by
 * the environment they inherit. */
static void __attribute__((constructor)) lsan_marks_open(void) {
  char dir[] = "/tmp/cfm-lsan-XXXXXX";
  if (!__lsan_do_recoverable_leak_check || in_worker() || getenv(LSAN_DIR_ENV))
    return;
  if (mkdtemp(dir))
    setenv(LSAN_DIR_ENV, dir, 1);
}

/* A worker: its leaks, checked as it ends (the report is printed then),
 * leave a mark named after its pid. */
static void __attribute__((destructor)) lsan_worker_check(void) {
  const char *dir = getenv(LSAN_DIR_ENV);
  char path[600];
  FILE *f;
  if (!__lsan_do_recoverable_leak_check || !in_worker() || !dir ||
      !__lsan_do_recoverable_leak_check())
    return;
  snprintf(path, sizeof(path), "%s/%ld", dir, (long)getpid());
  if ((f = fopen(path, "w")) != NULL)
    fclose(f);
}

/* The runner, last: exit 1 when a worker leaked (its report is above). */
static void __attribute__((destructor)) lsan_marks_close(void) {
  const char *dir = getenv(LSAN_DIR_ENV);
  DIR *d;
  struct dirent *e;
  size_t n = 0;
  char path[600];
  if (!__lsan_do_recoverable_leak_check || in_worker() || !dir || !(d = opendir(dir)))
    return;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    fprintf(stderr, "LeakSanitizer: test worker %s leaked memory (its report is above)\n",
            e->d_name);
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    unlink(path);
    n++;
  }
  closedir(d);
  rmdir(dir);
  if (n)
    _exit(1);
}
