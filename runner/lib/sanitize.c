/* conform — the output sanitiser (conform/sanitize.h): redaction of the
 * credentials known by position (query and header rules), cutting, and
 * each sink's escaping.  The registry of known secrets and the marking of
 * their bytes live in sanitize_registry.c; this file must not touch the
 * registry's tables. */
#include "conform/sanitize.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conform/buf.h"
#include "conform/error.h"
#include "sanitize_internal.h"

#define MARKER CFM_SANITIZE_MARKER
#define MARKER_LEN (sizeof(MARKER) - 1)
#define LEARN_MIN 8 /* a derived credential shorter than this is not remembered */

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
  if (cfm__sanitize_mark_secrets(text, len, mark) != 0) {
    free(mark);
    return NULL;
  }
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
