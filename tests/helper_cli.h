/* conform tests — running the real binary through a shell.  Criterion-free
 * (return codes). */
#ifndef CONFORM_TEST_HELPER_CLI_H
#define CONFORM_TEST_HELPER_CLI_H

#include <stddef.h>

/* Runs the shell command fmt (printf-style, at most 4 KiB), keeps the
 * first cap-1 bytes of its stdout in out (NUL-terminated).  Returns its
 * exit status, or -1 when it could not run or died of a signal. */
int cfm_th_sh(char *out, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
