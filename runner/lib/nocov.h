#ifndef CFM_NOCOV_H
#define CFM_NOCOV_H

/* Byte-scanning helpers that fuzz builds leave uninstrumented.
 *
 * libFuzzer's coverage instrumentation traces every comparison; in a loop
 * over the bytes of a line (case folding, trimming, a pre-scan of nesting)
 * that tracing costs more than the loop itself and tells the fuzzer
 * nothing the callers' branches do not. Only such leaf helpers carry the
 * mark; never a function whose branches follow the input's structure. */
#if defined(__clang__) && __clang_major__ >= 13
#define CFM_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define CFM_NO_COVERAGE
#endif

#endif
