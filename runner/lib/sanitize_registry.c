/* conform — the sanitiser's registry (sanitize_internal.h): the known
 * secrets and public values, their encoded forms, and which bytes of a text
 * belong to a secret.  Must not escape, cut or write output: sanitize.c
 * owns the sinks.
 *
 * Why windows: a secret reaches the output whole, cut (an excerpt ends in
 * the middle of it), split (a shell quote inside it) or re-encoded.
 * Every 8-byte window of every encoded form goes into one hash set, and
 * every 8-byte window of the text is looked up: a byte covered by a hit is
 * a secret byte.  That is one lookup per text byte whatever the number of
 * secrets, and it redacts any piece of 8 bytes or more. */
#define _GNU_SOURCE /* memmem */
#include "sanitize_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conform/buf.h"
#include "conform/error.h"

#define GRAM 8
#define MIN_SECRET 4
#define MAX_GRAMS (1u << 21) /* 16 MiB of table at most */
#define MAX_SHORTS 1024      /* forms of 4-7 bytes (each costs a search per text) */
#define MAX_LENS 64          /* distinct secret lengths checked inside public values */
#define MAX_PUBLICS 256      /* public values (each costs a search per text) */

/* ---- the registry ------------------------------------------------------------ */

typedef struct u64set {
  uint64_t *slot; /* 0 = empty */
  size_t n;
  size_t cap; /* power of two */
} u64set;

typedef struct registry {
  u64set values; /* hashes of registered raw secrets (de-duplication) */
  size_t nvalues;
  u64set grams; /* every 8-byte window of every form */
  char **shorts;
  size_t nshorts;
  size_t capshorts;
  size_t lens[MAX_LENS]; /* distinct lengths of registered raw secrets */
  size_t nlens;
  char *publics[MAX_PUBLICS]; /* values known not to be secret (ids, users) */
  size_t npublics;
} registry;

static registry reg;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static int set_has(const u64set *s, uint64_t v) {
  size_t i;
  if (!s->cap)
    return 0;
  for (i = (size_t)mix(v) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
    if (s->slot[i] == v)
      return 1;
  return 0;
}

static void set_put_nogrow(u64set *s, uint64_t v) {
  size_t i;
  for (i = (size_t)mix(v) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
    if (s->slot[i] == v)
      return;
  s->slot[i] = v;
  s->n++;
}

/* Adds v (never 0).  Returns CFM_EOK, CFM_ENOMEM or CFM_ETOOBIG. */
static int set_put(u64set *s, uint64_t v, size_t max) {
  if ((s->n + 1) * 2 > s->cap) {
    u64set bigger;
    size_t i;
    bigger.cap = s->cap ? s->cap * 2 : 1024;
    if (bigger.cap > max)
      return set_has(s, v) ? CFM_EOK : CFM_ETOOBIG;
    bigger.n = 0;
    bigger.slot = calloc(bigger.cap, sizeof(uint64_t));
    if (!bigger.slot)
      return CFM_ENOMEM;
    for (i = 0; i < s->cap; i++)
      if (s->slot[i])
        set_put_nogrow(&bigger, s->slot[i]);
    free(s->slot);
    *s = bigger;
  }
  set_put_nogrow(s, v);
  return CFM_EOK;
}

static uint64_t fnv(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  size_t i;
  for (i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h ? h : 1;
}

/* One encoded form of a secret: its windows, or itself when shorter. */
static int add_form(const char *f, size_t n) {
  size_t i;
  if (n < MIN_SECRET)
    return CFM_EOK;
  if (n < GRAM) {
    char *copy;
    for (i = 0; i < reg.nshorts; i++)
      if (strlen(reg.shorts[i]) == n && memcmp(reg.shorts[i], f, n) == 0)
        return CFM_EOK;
    if (reg.nshorts >= MAX_SHORTS)
      return CFM_ETOOBIG;
    if (reg.nshorts == reg.capshorts) {
      size_t ncap = reg.capshorts ? reg.capshorts * 2 : 16;
      char **m = realloc(reg.shorts, ncap * sizeof(*m));
      if (!m)
        return CFM_ENOMEM;
      reg.shorts = m;
      reg.capshorts = ncap;
    }
    copy = strndup(f, n);
    if (!copy)
      return CFM_ENOMEM;
    reg.shorts[reg.nshorts++] = copy;
    return CFM_EOK;
  }
  for (i = 0; i + GRAM <= n; i++) {
    uint64_t g;
    int rc;
    memcpy(&g, f + i, GRAM);
    if (g && (rc = set_put(&reg.grams, g, MAX_GRAMS)) != CFM_EOK)
      return rc;
  }
  return CFM_EOK;
}

static int json_form(cfm_buf *b, const char *s, size_t n, int slash) {
  size_t i;
  int rc = CFM_EOK;
  for (i = 0; i < n && rc == CFM_EOK; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || (c == '/' && slash)) {
      char two[2] = {'\\', (char)c};
      rc = cfm_buf_add(b, two, 2);
    } else if (c < 0x20) {
      rc = cfm_buf_addf(b, "\\u%04x", c);
    } else {
      rc = cfm_buf_add(b, &s[i], 1);
    }
  }
  return rc;
}

static int url_form(cfm_buf *b, const char *s, size_t n, int upper) {
  size_t i;
  int rc = CFM_EOK;
  for (i = 0; i < n && rc == CFM_EOK; i++) {
    unsigned char c = (unsigned char)s[i];
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      rc = cfm_buf_add(b, &s[i], 1);
    else
      rc = cfm_buf_addf(b, upper ? "%%%02X" : "%%%02x", c);
  }
  return rc;
}

/* The characters of base64(shift zero bytes + s) that depend on s alone. */
static int base64_core(cfm_buf *b, const char *s, size_t n, unsigned shift, int urlsafe) {
  static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char *alpha = urlsafe ? url : std;
  size_t bits = 8 * (shift + n), start = (8 * shift + 5) / 6, end = bits / 6, i;
  int rc = CFM_EOK;
  for (i = start; i < end && rc == CFM_EOK; i++) {
    size_t bit = 6 * i, byte = bit / 8, off = bit % 8;
    unsigned v, hi, lo;
    hi = byte >= shift ? (unsigned char)s[byte - shift] : 0;
    lo = byte + 1 < shift + n && byte + 1 >= shift ? (unsigned char)s[byte + 1 - shift] : 0;
    v = ((hi << 8) | lo) >> (10 - off);
    rc = cfm_buf_add(b, &alpha[v & 63], 1);
  }
  return rc;
}

static int shell_form(cfm_buf *b, const char *s, size_t n) {
  size_t i;
  int rc = CFM_EOK;
  for (i = 0; i < n && rc == CFM_EOK; i++)
    rc = s[i] == '\'' ? cfm_buf_adds(b, "'\\''") : cfm_buf_add(b, &s[i], 1);
  return rc;
}

/* Registers s (n bytes) and its encoded forms; reg_lock held. */
static int register_locked(const char *s, size_t n) {
  cfm_buf b;
  uint64_t h;
  int rc, k;
  if (n < MIN_SECRET)
    return CFM_EOK;
  h = fnv(s, n);
  if (set_has(&reg.values, h))
    return CFM_EOK;
  if (reg.nvalues >= CFM_SANITIZE_MAX_SECRETS)
    return CFM_ETOOBIG;
  if ((rc = add_form(s, n)) != CFM_EOK)
    return rc;
  cfm_buf_init(&b, 16 * n + 64);
  /* 0-1 JSON (with and without "\/"), 2-3 URL (%XX, %xx), 4 shell-quoted,
   * 5-10 base64 cores (standard, URL alphabet; three alignments each) */
  for (k = 0; k < 11 && rc == CFM_EOK; k++) {
    cfm_buf_reset(&b);
    if (k < 2)
      rc = json_form(&b, s, n, k);
    else if (k < 4)
      rc = url_form(&b, s, n, k == 2);
    else if (k == 4)
      rc = shell_form(&b, s, n);
    else
      rc = base64_core(&b, s, n, (unsigned)(k - 5) % 3, k >= 8);
    if (rc != CFM_EOK || !b.data)
      rc = rc != CFM_EOK ? rc : CFM_ENOMEM;
    else if (b.len != n || memcmp(b.data, s, n) != 0)
      rc = add_form(b.data, b.len);
  }
  if (rc == CFM_EOK && (rc = set_put(&reg.values, h, 4 * CFM_SANITIZE_MAX_SECRETS)) == CFM_EOK) {
    size_t l;
    reg.nvalues++;
    for (l = 0; l < reg.nlens && reg.lens[l] != n; l++)
      ;
    if (l == reg.nlens && reg.nlens < MAX_LENS)
      reg.lens[reg.nlens++] = n;
  }
  cfm_buf_release(&b);
  return rc;
}

int cfm_sanitize_add_secret(const char *secret, size_t len) {
  int rc;
  if (!secret)
    return CFM_EOK;
  pthread_mutex_lock(&reg_lock);
  rc = register_locked(secret, len);
  pthread_mutex_unlock(&reg_lock);
  return rc;
}

static int add_public_locked(const char *v, size_t n) {
  size_t i;
  if (n < GRAM || memchr(v, '\0', n))
    return CFM_EOK; /* shorter values never hold a whole window */
  for (i = 0; i < reg.npublics; i++)
    if (strlen(reg.publics[i]) == n && !memcmp(reg.publics[i], v, n))
      return CFM_EOK;
  if (reg.npublics >= MAX_PUBLICS)
    return CFM_ETOOBIG;
  if (!(reg.publics[reg.npublics] = strndup(v, n)))
    return CFM_ENOMEM;
  reg.npublics++;
  return CFM_EOK;
}

int cfm_sanitize_add_public(const char *value) {
  int rc;
  if (!value)
    return CFM_EOK;
  pthread_mutex_lock(&reg_lock);
  rc = add_public_locked(value, strlen(value));
  pthread_mutex_unlock(&reg_lock);
  return rc;
}

int cfm_sanitize_add_config(const cfm_config *cfg) {
  size_t i;
  int rc = CFM_EOK;
  if (!cfg)
    return CFM_EOK;
  pthread_mutex_lock(&reg_lock);
  for (i = 0; i < cfg->count; i++) {
    const char *k;
    json_t *v;
    json_object_foreach(cfg->targets[i].credentials, k, v) {
      int r;
      if (!json_is_string(v))
        continue;
      if (!strcmp(k, "sdkappid") || !strcmp(k, "identifier"))
        r = add_public_locked(json_string_value(v), json_string_length(v));
      else
        r = register_locked(json_string_value(v), json_string_length(v));
      if (r != CFM_EOK && rc == CFM_EOK)
        rc = r;
    }
    json_object_foreach(cfg->targets[i].variables, k, v) {
      int r;
      if (!json_is_string(v))
        continue;
      r = add_public_locked(json_string_value(v), json_string_length(v));
      if (r != CFM_EOK && rc == CFM_EOK)
        rc = r;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  return rc;
}

void cfm_sanitize_reset(void) {
  size_t i;
  pthread_mutex_lock(&reg_lock);
  free(reg.values.slot);
  free(reg.grams.slot);
  for (i = 0; i < reg.nshorts; i++)
    free(reg.shorts[i]);
  free(reg.shorts);
  for (i = 0; i < reg.npublics; i++)
    free(reg.publics[i]);
  memset(&reg, 0, sizeof(reg));
  pthread_mutex_unlock(&reg_lock);
}

/* Public by construction: the prefix of conform's own generated values
 * (demo ids, users, limit values) and the credential header names, which
 * share windows with the embedded mock's demo credentials. */
static const char *const builtin_publics[] = {"conform-", "x-acs-dingtalk-access-token"};

#define NBUILTIN (sizeof(builtin_publics) / sizeof(builtin_publics[0]))

/* Whether t[a, a+n) holds a whole registered secret; reg_lock held. */
static int holds_secret(const char *t, size_t a, size_t n) {
  size_t l, i;
  for (l = 0; l < reg.nlens; l++)
    for (i = a; reg.lens[l] <= n && i + reg.lens[l] <= a + n; i++)
      if (set_has(&reg.values, fnv(t + i, reg.lens[l])))
        return 1;
  return 0;
}

/* Whether every secret window that overlaps t[a, a+n) lies inside it (gram
 * = 1 at each window start); reg_lock held. */
static int windows_inside(const unsigned char *gram, size_t tn, size_t a, size_t n) {
  size_t i = a >= GRAM - 1 ? a - (GRAM - 1) : 0;
  for (; i < a + n && i + GRAM <= tn; i++)
    if (gram[i] && (i < a || i + GRAM > a + n))
      return 0;
  return 1;
}

/* Marks the bytes of t that belong to a registered secret; reg_lock held.
 * A window of a secret inside an occurrence of a public value (an app id or
 * user name that shares a prefix with a token) is not a leak: it is kept,
 * unless a secret window crosses that occurrence's edge (the public value
 * is then part of a longer copy of the secret) or the occurrence holds a
 * whole secret. */
static int mark_secrets(const char *t, size_t n, unsigned char *mark) {
  unsigned char *gram = NULL;
  size_t i, p;
  if (reg.grams.n && n >= GRAM) {
    if (!(gram = calloc(n, 1)))
      return -1;
    for (i = 0; i + GRAM <= n; i++) {
      uint64_t g;
      memcpy(&g, t + i, GRAM);
      gram[i] = g && set_has(&reg.grams, g);
    }
    for (p = 0; p < reg.npublics + NBUILTIN; p++) {
      const char *pv = p < NBUILTIN ? builtin_publics[p] : reg.publics[p - NBUILTIN];
      size_t pl = strlen(pv), at = 0;
      const char *q;
      while (at < n && (q = memmem(t + at, n - at, pv, pl)) != NULL) {
        size_t a = (size_t)(q - t);
        if (windows_inside(gram, n, a, pl) && !holds_secret(t, a, pl))
          memset(gram + a, 0, pl - GRAM + 1);
        at = a + 1;
      }
    }
    for (i = 0; i + GRAM <= n; i++)
      if (gram[i])
        memset(mark + i, 1, GRAM);
    free(gram);
  }
  for (i = 0; i < reg.nshorts; i++) {
    size_t sl = strlen(reg.shorts[i]), at = 0;
    const char *q;
    while (at < n && (q = memmem(t + at, n - at, reg.shorts[i], sl)) != NULL) {
      memset(mark + (q - t), 1, sl);
      at = (size_t)(q - t) + 1;
    }
  }
  return 0;
}

int cfm__sanitize_mark_secrets(const char *t, size_t n, unsigned char *mark) {
  int rc;
  pthread_mutex_lock(&reg_lock);
  rc = mark_secrets(t, n, mark);
  pthread_mutex_unlock(&reg_lock);
  return rc;
}
