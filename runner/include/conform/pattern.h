/* conform — PCRE2 patterns of the specs (error-row messages, schema
 * "pattern"), compiled once into one process-wide, thread-safe cache. */
#ifndef CONFORM_PATTERN_H
#define CONFORM_PATTERN_H

#include <stddef.h>

/* Matches len bytes of s (no NUL needed; invalid UTF-8 never matches
 * wrongly) against pattern, with a match limit against catastrophic
 * backtracking.  Returns 1 match, 0 no match (or out of memory), -1 when
 * the pattern does not compile. */
int cfm_pattern_match(const char *pattern, const char *s, size_t len);

#endif
