/* conform — the one compiled-pattern cache.
 *
 * Owns PCRE2: compiling (UTF, invalid UTF tolerated, JIT when available),
 * caching up to PATTERN_CACHE distinct sources for the process (their
 * compiled form never changes, so sharing it between runs is safe), and
 * matching with a limit.  Patterns beyond the cache are compiled per call. */
#include "conform/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Distinct patterns cached (specs hold a few hundred). */
#define PATTERN_CACHE 1024
#define MATCH_LIMIT 100000

static struct {
  char *src;
  pcre2_code *code; /* NULL when it does not compile */
} cache[PATTERN_CACHE];
static size_t ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The compiled pattern (the cache's, or a new one in *temp for the caller
 * to free); NULL when it does not compile. */
static pcre2_code *compiled(const char *pat, pcre2_code **temp) {
  pcre2_code *code = NULL;
  size_t i;
  int ec;
  PCRE2_SIZE eo;
  *temp = NULL;
  pthread_mutex_lock(&cache_lock);
  for (i = 0; i < ncache; i++)
    if (strcmp(cache[i].src, pat) == 0) {
      code = cache[i].code;
      pthread_mutex_unlock(&cache_lock);
      return code;
    }
  code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                       &ec, &eo, NULL);
  if (code)
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  if (ncache < PATTERN_CACHE && (cache[ncache].src = strdup(pat)) != NULL)
    cache[ncache++].code = code;
  else
    *temp = code;
  pthread_mutex_unlock(&cache_lock);
  return code;
}

int cfm_pattern_match(const char *pattern, const char *s, size_t len) {
  pcre2_code *temp, *code = compiled(pattern, &temp);
  pcre2_match_data *md;
  pcre2_match_context *mc;
  int rc = 0;
  if (!code)
    return -1;
  md = pcre2_match_data_create_from_pattern(code, NULL);
  mc = pcre2_match_context_create(NULL);
  if (md && mc) {
    pcre2_set_match_limit(mc, MATCH_LIMIT);
    rc = pcre2_match(code, (PCRE2_SPTR)(s ? s : ""), s ? len : 0, 0, 0, md, mc) >= 0;
  }
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  pcre2_code_free(temp);
  return rc;
}
