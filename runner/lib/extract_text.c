/* conform — extractor text helpers: spans, table cells, messages, and the
 * few regular expressions left (endpoint, range, default, clamp, rate,
 * host); limits have their own grammar in extract_limits.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "nocov.h"

CFM_NO_COVERAGE span cfm__trim(span s) {
  while (s.n && isspace((unsigned char)s.p[0])) {
    s.p++;
    s.n--;
  }
  while (s.n && isspace((unsigned char)s.p[s.n - 1]))
    s.n--;
  return s;
}

CFM_NO_COVERAGE int cfm__span_eq_ci(span s, const char *lit) {
  size_t n = strlen(lit), i;
  if (s.n != n)
    return 0;
  for (i = 0; i < n; i++)
    if (tolower((unsigned char)s.p[i]) != tolower((unsigned char)lit[i]))
      return 0;
  return 1;
}

/* ASCII case-insensitive equality of n bytes.  Written out rather than
 * strncasecmp: it runs for every position of every line, and libFuzzer
 * hooks each libc comparison. */
CFM_NO_COVERAGE static int ci_eq(const char *a, const char *b, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z'))
      return 0;
  }
  return 1;
}

CFM_NO_COVERAGE int cfm__span_has(span s, const char *needle) {
  size_t n = strlen(needle), i;
  unsigned char first;
  if (n == 0 || n > s.n)
    return 0;
  first = (unsigned char)needle[0] | 0x20;
  for (i = 0; i + n <= s.n; i++)
    if (((unsigned char)s.p[i] | 0x20) == first && ci_eq(s.p + i, needle, n))
      return 1;
  return 0;
}

CFM_NO_COVERAGE int cfm__span_starts(span s, const char *lit) {
  size_t n = strlen(lit);
  return s.n >= n && ci_eq(s.p, lit, n);
}

/* Cheap pre-filters, so most lines never reach a regular expression. */
int cfm__has_digit(span s) {
  size_t i;
  for (i = 0; i < s.n; i++)
    if (s.p[i] >= '0' && s.p[i] <= '9')
      return 1;
  return 0;
}

long cfm__span_long(span s) {
  char buf[32];
  size_t i, o = 0;
  for (i = 0; i < s.n && o + 1 < sizeof(buf); i++)
    if (s.p[i] != ',')
      buf[o++] = s.p[i];
  buf[o] = '\0';
  return strtol(buf, NULL, 10);
}

/* The first occurrence of needle in s, or NULL. */
const char *cfm__strstr_n(span s, const char *needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= s.n; i++)
    if (memcmp(s.p + i, needle, n) == 0)
      return s.p + i;
  return NULL;
}

/* A copy of a table cell without markdown decoration: backticks, bold,
 * <br/>, leading "- " (nested rows), HTML tags. */
char *cfm__clean_cell(span s) {
  char *out = malloc(s.n + 1);
  size_t i = 0, o = 0;
  if (!out)
    return NULL;
  s = cfm__trim(s);
  while (i < s.n) {
    char c = s.p[i];
    if (c == '<') { /* drop tags */
      size_t j = i;
      while (j < s.n && s.p[j] != '>')
        j++;
      if (j < s.n) {
        i = j + 1;
        out[o++] = ' ';
        continue;
      }
    }
    if (c == '\\' && i + 1 < s.n && ispunct((unsigned char)s.p[i + 1])) {
      out[o++] = s.p[i + 1]; /* markdown escape: template\_id */
      i += 2;
      continue;
    }
    if (c == '`' || c == '*') {
      i++;
      continue;
    }
    out[o++] = c;
    i++;
  }
  out[o] = '\0';
  /* Collapse, cfm__trim, drop a leading "- " */
  {
    char *r = out, *w = out;
    int sp = 1;
    for (; *r; r++) {
      if (isspace((unsigned char)*r)) {
        if (!sp)
          *w++ = ' ';
        sp = 1;
      } else {
        *w++ = *r;
        sp = 0;
      }
    }
    if (w > out && w[-1] == ' ')
      w--;
    *w = '\0';
    while (out[0] == '-' && out[1] == ' ')
      memmove(out, out + 2, strlen(out + 2) + 1);
  }
  return out;
}

/* Turns a documented message into an anchored PCRE2 pattern: literal text
 * escaped, the docs' XX/XXXX placeholders become (.+). */
char *cfm__message_pattern(const char *msg) {
  size_t n = strlen(msg), i, o = 0;
  char *out = malloc(n * 2 + 16);
  if (!out)
    return NULL;
  out[o++] = '^';
  for (i = 0; i < n;) {
    if (msg[i] == 'X' && i + 1 < n && msg[i + 1] == 'X') {
      while (i < n && msg[i] == 'X')
        i++;
      memcpy(out + o, "(.+)", 4);
      o += 4;
      continue;
    }
    if (strchr("\\^$.|?*+()[]{}", msg[i]))
      out[o++] = '\\';
    out[o++] = msg[i++];
  }
  out[o++] = '$';
  out[o] = '\0';
  return out;
}

/* ---- the regexes --------------------------------------------------------- */

static const char *const rx_src[RX__COUNT] = {
    [RX_ENDPOINT] = "^(?:HTTP\\s*)?(GET|POST|PUT|DELETE|PATCH)\\s+(https?://[^\\s?]+|/[^\\s?]+)"
                    "(\\?\\S*)?",
    [RX_RANGE] = "(?:取值范围为?|范围为?|range(?:s)?\\s*(?:is)?|ranging\\s+from|between)\\s*"
                 "[\\[（(]?\\s*`?(-?\\d+)`?\\s*(?:,|，|~|-|to|and)\\s*`?(-?\\d+)`?",
    [RX_DEFAULT] =
        "(?:默认值为|默认为|默认值是|default(?:\\s+value)?\\s+(?:is|of)|default\\s*[:：])"
        "\\s*`?(-?\\d+)`?",
    [RX_CLAMP] = "(?:超过|above|greater\\s+than|exceeds?)\\s*`?(\\d+)`?[^。.;；]{0,40}?"
                 "(?:仍返回|返回|still\\s+returns?|returns?)\\s*`?(\\d+)`?",
    [RX_RATE] = "(\\d+)\\s*(?:次|calls?|requests?|times|queries)?\\s*"
                "(?:/\\s*秒|/\\s*s\\b|/\\s*second|per\\s+second|每秒|QPS)",
    [RX_HOST] = "\\b((?:[a-z0-9-]+\\.)+(?:com|cn|io|net))\\b",
};

static pcre2_code *rx[RX__COUNT];
static int rx_ok;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_init(void) {
  int i, e;
  PCRE2_SIZE off;
  for (i = 0; i < RX__COUNT; i++) {
    rx[i] = pcre2_compile((PCRE2_SPTR)rx_src[i], PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &e,
                          &off, NULL);
    if (!rx[i])
      return;
    (void)pcre2_jit_compile(rx[i], PCRE2_JIT_COMPLETE);
  }
  rx_ok = 1;
}

int cfm__rx_ready(void) {
  pthread_once(&rx_once, rx_init);
  return rx_ok ? 0 : -1;
}

/* Matches regex r in s; fills up to 3 capture spans.  Returns 1 on match. */
int cfm__rx_match(int r, span s, span cap[3], size_t start) {
  pcre2_match_data *md;
  int rc, i;
  static __thread pcre2_match_data *mds[RX__COUNT];
  if (!rx_ok || start > s.n)
    return 0;
  /* One match block per pattern and thread, reused (never freed: a few
   * hundred bytes per thread). */
  if (!mds[r])
    mds[r] = pcre2_match_data_create_from_pattern(rx[r], NULL);
  md = mds[r];
  if (!md)
    return 0;
  rc = pcre2_match(rx[r], (PCRE2_SPTR)s.p, s.n, start, 0, md, NULL);
  if (rc > 0) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    for (i = 0; i < 3; i++) {
      if (i + 1 < rc && ov[2 * (i + 1)] != PCRE2_UNSET) {
        cap[i].p = s.p + ov[2 * (i + 1)];
        cap[i].n = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
      } else {
        cap[i].p = s.p;
        cap[i].n = 0;
      }
    }
  }
  return rc > 0;
}
