#include "conform/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "nocov.h"

#define CFM_JSON_MAX_DEPTH 64

/* jansson's own nesting limit is 2048; a cheap pre-scan keeps hostile
 * input from reaching it (and keeps recursion in our walkers shallow). */
CFM_NO_COVERAGE static int depth_ok(const char *p, size_t len) {
  size_t i;
  int depth = 0;
  for (i = 0; i < len; i++) {
    char c = p[i];
    if (c == '"') {
      /* skip the string: to the next quote not escaped by an odd run of
       * backslashes (memchr is far faster than a byte loop here) */
      size_t open = i;
      for (;;) {
        const char *q = memchr(p + i + 1, '"', len - i - 1);
        size_t bs = 0;
        if (!q)
          return 1; /* unterminated: the parser reports it */
        i = (size_t)(q - p);
        while (i - bs > open + 1 && p[i - 1 - bs] == '\\')
          bs++;
        if (bs % 2 == 0)
          break;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > CFM_JSON_MAX_DEPTH)
        return 0;
    } else if (c == ']' || c == '}')
      depth--;
  }
  return 1;
}

json_t *cfm_json_parse(const char *data, size_t len, size_t max_bytes, char *errbuf,
                       size_t errcap) {
  json_error_t jerr;
  json_t *v;
  if (errbuf && errcap)
    errbuf[0] = '\0';
  if (!data && len)
    return NULL;
  if (len > max_bytes) {
    if (errbuf)
      snprintf(errbuf, errcap, "body of %zu bytes exceeds the %zu-byte cap", len, max_bytes);
    return NULL;
  }
  if (!depth_ok(data ? data : "", len)) {
    if (errbuf)
      snprintf(errbuf, errcap, "JSON nested deeper than %d levels", CFM_JSON_MAX_DEPTH);
    return NULL;
  }
  v = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
  if (!v && errbuf) {
    /* jansson leaves the error empty when its first allocations fail. */
    if (json_error_code(&jerr) == json_error_out_of_memory || !jerr.text[0])
      snprintf(errbuf, errcap, "out of memory");
    else
      snprintf(errbuf, errcap, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
               jerr.text);
  }
  return v;
}

json_t *cfm_json_pointer(const json_t *root, const char *pointer) {
  const json_t *cur = root;
  const char *p = pointer;
  char tok[512];
  if (!root || !pointer)
    return NULL;
  if (*p == '\0')
    return (json_t *)root;
  if (*p != '/')
    return NULL;
  while (*p == '/') {
    size_t n = 0;
    p++;
    while (*p && *p != '/') {
      char c = *p++;
      if (c == '~') {
        if (*p == '0')
          c = '~';
        else if (*p == '1')
          c = '/';
        else
          return NULL;
        p++;
      }
      if (n + 1 >= sizeof(tok))
        return NULL;
      tok[n++] = c;
    }
    tok[n] = '\0';
    if (json_is_object(cur)) {
      cur = json_object_get(cur, tok);
    } else if (json_is_array(cur)) {
      char *end;
      unsigned long idx;
      if (n == 0 || (n > 1 && tok[0] == '0'))
        return NULL;
      idx = strtoul(tok, &end, 10);
      if (*end)
        return NULL;
      cur = json_array_get(cur, idx);
    } else {
      return NULL;
    }
    if (!cur)
      return NULL;
  }
  return (json_t *)cur;
}

void cfm_json_pointer_append(char *ptr, size_t cap, const char *token) {
  size_t n = strlen(ptr);
  if (n + 1 >= cap)
    return;
  ptr[n++] = '/';
  for (; *token && n + 1 < cap; token++) {
    if (*token == '~' || *token == '/') {
      if (n + 2 >= cap)
        break;
      ptr[n++] = '~';
      ptr[n++] = *token == '~' ? '0' : '1';
    } else {
      ptr[n++] = *token;
    }
  }
  ptr[n] = '\0';
}

void cfm_json_pointer_append_index(char *ptr, size_t cap, size_t index) {
  size_t n = strlen(ptr);
  if (n < cap)
    snprintf(ptr + n, cap - n, "/%zu", index);
}

const char *cfm_number_text(double d, char *buf, size_t cap) {
  if (d == floor(d) && fabs(d) < 1e18)
    snprintf(buf, cap, "%.0f", d);
  else
    snprintf(buf, cap, "%g", d);
  return buf;
}

char *cfm_json_scalar_dup(const json_t *v) {
  char num[64];
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v) || !v)
    return strdup(cfm_json_scalar_text(v, num, sizeof(num)));
  return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

const char *cfm_json_scalar_text(const json_t *v, char *buf, size_t cap) {
  if (cap == 0)
    return buf;
  buf[0] = '\0';
  if (json_is_string(v))
    snprintf(buf, cap, "%s", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    cfm_number_text(json_real_value(v), buf, cap);
  else if (json_is_boolean(v))
    snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
  else if (v) {
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, cap, "%s", t ? t : "");
    free(t);
  }
  return buf;
}

const char *cfm_json_str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}
