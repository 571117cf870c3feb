/* conform — which targets are local: loopback URLs, where a case may send
 * heavy set-up (a clamp at 1,000 made observable with 1,001 creates).
 *
 * Owns the rule (cfm_target_is_local) and the run's decision per vendor
 * (cfm_run_options.local_targets).  Must not resolve names: "localhost"
 * and loopback literals only, so no lookup can make a remote host local. */
#include "run_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1 when host[0..n) is a dotted-quad 127.a.b.c. */
static int ipv4_loopback(const char *host, size_t n) {
  size_t i = 0;
  int parts = 0;
  if (n < 9 || strncmp(host, "127.", 4))
    return 0;
  while (i < n) {
    size_t digits = 0;
    unsigned v = 0;
    while (i < n && isdigit((unsigned char)host[i]) && digits < 4) {
      v = v * 10 + (unsigned)(host[i++] - '0');
      digits++;
    }
    if (!digits || digits > 3 || v > 255)
      return 0;
    parts++;
    if (i < n && (host[i] != '.' || ++i == n))
      return 0;
  }
  return parts == 4;
}

int cfm_target_is_local(const char *base_url) {
  const char *p = base_url ? strstr(base_url, "://") : NULL, *end, *at;
  size_t n;
  if (!p)
    return 0;
  p += 3;
  end = p + strcspn(p, "/?#");
  at = memchr(p, '@', (size_t)(end - p));
  if (at) /* userinfo */
    p = at + 1;
  if (*p == '[') {
    const char *close = memchr(p, ']', (size_t)(end - p));
    return close && (size_t)(close - p) == 4 && !strncmp(p, "[::1", 4) &&
           (close + 1 == end || close[1] == ':');
  }
  n = strcspn(p, ":/?#");
  if (n == 9 && !strncasecmp(p, "localhost", 9))
    return 1;
  return ipv4_loopback(p, n);
}

int cfm__run_local(const cfm__run *rh, const char *vendor) {
  const cfm_target *t;
  if (rh->opt->local_targets)
    return rh->opt->local_targets > 0;
  if (rh->opt->assume_live)
    return 0;
  t = cfm_config_target(rh->cfg, vendor);
  return t && cfm_target_is_local(t->base_url);
}
