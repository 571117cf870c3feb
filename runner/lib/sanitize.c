/* conform — the output sanitiser (conform/sanitize.h): a registry of known
 * secrets, redaction by 8-byte windows, cutting, and each sink's escaping.
 *
 * Why windows: a secret reaches the output whole, cut (an excerpt ends in
 * the middle of it), split (a shell quote inside it) or re-encoded.
 * Every 8-byte window of every encoded form goes into one hash set, and
 * every 8-byte window of the text is looked up: a byte covered by a hit is
 * a secret byte.  That is one lookup per text byte whatever the number of
 * secrets, and it redacts any piece of 8 bytes or more. */
#define _GNU_SOURCE /* memmem */
#include "conform/sanitize.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conform/buf.h"
#include "conform/error.h"

#define GRAM 8
#define MIN_SECRET 4
#define MARKER CFM_SANITIZE_MARKER
#define MARKER_LEN (sizeof(MARKER) - 1)
#define MAX_GRAMS (1u << 21) /* 16 MiB of table at most */
#define LEARN_MIN 8          /* a derived credential shorter than this is not remembered */
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

/* ---- redaction ------------------------------------------------------------------ */

/* Values that are credentials by position, whatever their bytes. */
static const struct rule {
  const char *name;
  int header;  /* 1: "Name: [scheme ]value" up to a quote or line end; 0: a query value */
  int derived; /* 1: the value is a derived credential cfm_redact remembers (a usersig);
                  header values are configured secrets, or deliberately wrong ones */
} rules[] = {
    {"usersig=", 0, 1},
    {"access_token=", 0, 0},
    {"authorization:", 1, 0},
    {"x-acs-dingtalk-access-token:", 1, 0},
};

typedef struct learned {
  size_t at[16];
  size_t len[16];
  size_t n;
} learned;

static int ends_query(unsigned char c) {
  return strchr("&'\" \t\r\n\\<>#;,", c) != NULL || c == '\0';
}

static int ends_header(unsigned char c) {
  return c == '\'' || c == '"' || c == '\r' || c == '\n' || c == '\\' || c == '<' || c == '\0';
}

static void mark_rules(const char *t, size_t n, unsigned char *mark, learned *out) {
  size_t r, i;
  for (r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
    size_t nl = strlen(rules[r].name);
    for (i = 0; i + nl <= n; i++) {
      size_t v, e, j;
      if (tolower((unsigned char)t[i]) != rules[r].name[0] || strncasecmp(t + i, rules[r].name, nl))
        continue;
      v = i + nl;
      if (rules[r].header) {
        while (v < n && t[v] == ' ')
          v++;
        /* keep a scheme word ("Bearer ", "Basic ") readable */
        for (j = v; j < n && j - v < 16 && isalpha((unsigned char)t[j]); j++)
          ;
        if (j > v && j < n && t[j] == ' ' && j + 1 < n && !ends_header((unsigned char)t[j + 1]))
          v = j + 1;
      }
      for (e = v; e < n && !(rules[r].header ? ends_header((unsigned char)t[e])
                                             : ends_query((unsigned char)t[e]));
           e++)
        ;
      if (e == v)
        continue;
      memset(mark + v, 1, e - v);
      if (out && rules[r].derived && e - v >= LEARN_MIN &&
          out->n < sizeof(out->at) / sizeof(out->at[0])) {
        out->at[out->n] = v;
        out->len[out->n++] = e - v;
      }
      i = e - 1;
    }
  }
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

/* ---- cutting and escaping ---------------------------------------------------------- */

size_t cfm_utf8_decode(const unsigned char *s, size_t n, unsigned *cp) {
  size_t len, i;
  unsigned c;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    len = 2;
    c = s[0] & 0x1F;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    len = 3;
    c = s[0] & 0x0F;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    len = 4;
    c = s[0] & 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
      (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
    return 0;
  *cp = c;
  return len;
}

enum { T_NORMAL, T_ESC, T_CSI, T_STR, T_STR_ESC };

static const char fffd[] = "\xEF\xBF\xBD";

/* The output: a capped buffer whose first failed append sticks. */
typedef struct outbuf {
  cfm_buf b;
  int failed;
} outbuf;

static void emit(outbuf *o, const char *p, size_t n) {
  if (!o->failed && cfm_buf_add(&o->b, p, n) != CFM_EOK)
    o->failed = 1;
}

static void emits(outbuf *o, const char *s) {
  emit(o, s, strlen(s));
}

static int is_bidi(unsigned cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
         cp == 0x200F || cp == 0x061C;
}

/* Writes one terminal unit: the code point cp (k bytes at p; k == 0 when
 * invalid), through the escape-sequence state machine. */
static void term_unit(outbuf *o, int *st, const char *p, size_t k, unsigned cp) {
  int valid = k > 0;
  switch (*st) {
  case T_ESC:
    if (valid && cp == '[')
      *st = T_CSI;
    else if (valid && (cp == ']' || cp == 'P' || cp == '_' || cp == '^' || cp == 'X'))
      *st = T_STR;
    else if (!(valid && cp >= 0x20 && cp <= 0x2F))
      *st = T_NORMAL;
    return;
  case T_CSI:
    if (!(valid && cp >= 0x20 && cp <= 0x3F))
      *st = T_NORMAL; /* the final byte, or garbage: dropped either way */
    return;
  case T_STR:
    if (valid && (cp == 0x07 || cp == 0x9C))
      *st = T_NORMAL;
    else if (valid && cp == 0x1B)
      *st = T_STR_ESC;
    return;
  case T_STR_ESC:
    *st = valid && cp == '\\' ? T_NORMAL : T_STR;
    return;
  default:
    break;
  }
  if (!valid)
    emits(o, fffd);
  else if (cp == 0x1B)
    *st = T_ESC;
  else if (cp == 0x9B)
    *st = T_CSI;
  else if (cp == 0x9D || cp == 0x90 || cp == 0x9E || cp == 0x9F || cp == 0x98)
    *st = T_STR;
  else if (cp == '\r' || cp == '\n' || cp == '\t')
    emit(o, " ", 1);
  else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || is_bidi(cp) || cp == 0xFFFE || cp == 0xFFFF)
    emit(o, "?", 1);
  else
    emit(o, p, k);
}

static void xml_unit(outbuf *o, const char *p, size_t k, unsigned cp) {
  if (k == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
      cp == 0xFFFF) {
    emits(o, fffd);
    return;
  }
  switch (cp) {
  case '&':
    emits(o, "&amp;");
    break;
  case '<':
    emits(o, "&lt;");
    break;
  case '>':
    emits(o, "&gt;");
    break;
  case '"':
    emits(o, "&quot;");
    break;
  case '\'':
    emits(o, "&#39;");
    break;
  default:
    emit(o, p, k);
  }
}

static char *sanitize(const char *text, size_t len, size_t max, cfm_sink sink, int learn,
                      size_t *out_len) {
  unsigned char *mark;
  outbuf o;
  learned seen;
  size_t i = 0, used = 0, j, bound;
  int st = T_NORMAL;
  if (!text)
    len = 0;
  mark = calloc(len + 1, 1);
  if (!mark)
    return NULL;
  seen.n = 0;
  mark_rules(text, len, mark, learn ? &seen : NULL);
  pthread_mutex_lock(&reg_lock);
  if (mark_secrets(text, len, mark) != 0) {
    pthread_mutex_unlock(&reg_lock);
    free(mark);
    return NULL;
  }
  pthread_mutex_unlock(&reg_lock);
  /* Content is at most max bytes and at most 8 per input byte (a marker for
   * a 1-byte value); escaping makes at most 6 output bytes of one. */
  bound = len < ((size_t)-1) / 64 ? 8 * len + MARKER_LEN : ((size_t)-1) / 8;
  if (max < bound)
    bound = max;
  cfm_buf_init(&o.b, 6 * bound + 16);
  o.failed = 0;
  emit(&o, "", 0);
  while (i < len) {
    size_t k, ulen, cost;
    unsigned cp = 0;
    if (mark[i]) {
      if (used + MARKER_LEN > max)
        break;
      emit(&o, MARKER, MARKER_LEN);
      used += MARKER_LEN;
      while (i < len && mark[i])
        i++;
      st = T_NORMAL;
      continue;
    }
    k = cfm_utf8_decode((const unsigned char *)text + i, len - i, &cp);
    for (j = 1; j < k; j++)
      if (mark[i + j])
        k = 0; /* a sequence half covered by a secret: its first byte alone */
    ulen = k ? k : 1;
    /* JSON content holds U+FFFD in place of a bad byte: count what is kept,
     * so sanitising twice cuts at the same place */
    cost = sink == CFM_SINK_JSON && (k == 0 || cp == 0) ? 3 : ulen;
    if (used + cost > max)
      break;
    used += cost;
    switch (sink) {
    case CFM_SINK_RAW:
      emit(&o, text + i, ulen);
      break;
    case CFM_SINK_JSON:
      if (k == 0 || cp == 0)
        emits(&o, fffd);
      else
        emit(&o, text + i, k);
      break;
    case CFM_SINK_XML:
      xml_unit(&o, text + i, k, cp);
      break;
    case CFM_SINK_TERM:
      term_unit(&o, &st, text + i, k, cp);
      break;
    }
    i += ulen;
  }
  if (learn)
    for (j = 0; j < seen.n; j++)
      cfm_sanitize_add_secret(text + seen.at[j], seen.len[j]);
  free(mark);
  if (o.failed) {
    cfm_buf_release(&o.b);
    return NULL;
  }
  return cfm_buf_detach(&o.b, out_len);
}

char *cfm_sanitize(const cfm_config *cfg, const char *text, size_t len, size_t max, cfm_sink sink,
                   size_t *out_len) {
  cfm_sanitize_add_config(cfg);
  return sanitize(text, len, max, sink, 0, out_len);
}

int cfm_sanitize_write(FILE *f, const cfm_config *cfg, const char *text, size_t len, size_t max,
                       cfm_sink sink) {
  size_t n;
  char *s = cfm_sanitize(cfg, text, len, max, sink, &n);
  int rc = 0;
  if (!s)
    return -1;
  if (n && fwrite(s, 1, n, f) != n)
    rc = -1;
  free(s);
  return rc;
}

void cfm_redact(const cfm_config *cfg, const char *text, char *out, size_t cap) {
  char *s;
  if (!cap)
    return;
  cfm_sanitize_add_config(cfg);
  s = sanitize(text, text ? strlen(text) : 0, cap - 1, CFM_SINK_RAW, 1, NULL);
  snprintf(out, cap, "%s", s ? s : "");
  free(s);
}
