/* Case results <-> report.json objects, and the escaping every writer uses. */
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  size_t len, i;
  unsigned cp;
  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    len = 2;
    cp = s[0] & 0x1F;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    len = 3;
    cp = s[0] & 0x0F;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    len = 4;
    cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

void cfm__xml_escape(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;
  size_t n = strlen((const char *)p);
  /* Bytes that need no escape are written in runs, one fwrite each. */
  while (n > 0) {
    size_t k = utf8_seq(p, n);
    const char *rep = NULL;
    if (k == 0 || (k == 1 && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')) {
      rep = "\xEF\xBF\xBD";
      k = 1;
    } else if (k == 1) {
      switch (*p) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        rep = "&quot;";
        break;
      case '\'':
        rep = "&#39;";
        break;
      }
    }
    if (rep) {
      fwrite(run, 1, (size_t)(p - run), f);
      fputs(rep, f);
      run = p + k;
    }
    p += k;
    n -= k;
  }
  fwrite(run, 1, (size_t)(p - run), f);
}

json_t *cfm__json_text(const char *s) {
  json_t *j;
  char *copy;
  size_t n, i = 0, o = 0;
  if (!s)
    s = "";
  j = json_string(s);
  if (j)
    return j;
  n = strlen(s);
  copy = malloc(n * 3 + 1);
  if (!copy)
    return NULL;
  while (i < n) {
    size_t k = utf8_seq((const unsigned char *)s + i, n - i);
    if (k == 0) {
      memcpy(copy + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    } else {
      memcpy(copy + o, s + i, k);
      o += k;
      i += k;
    }
  }
  copy[o] = '\0';
  j = json_string(copy);
  free(copy);
  return j;
}

void cfm__coverage_key(const char *spec, const char *pointer, char *out, size_t cap) {
  const char *base, *slash;
  size_t blen;
  if (!spec)
    spec = "";
  slash = strrchr(spec, '/');
  base = slash ? slash + 1 : spec;
  blen = strlen(base);
  if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
    blen -= 5;
  snprintf(out, cap, "%.*s#%s", (int)blen, base, pointer ? pointer : "");
}

int cfm__provenance_grade(const json_t *prov) {
  if (!json_is_object(prov))
    return 3;
  if (json_object_get(prov, "doc"))
    return 0;
  if (json_object_get(prov, "secondary"))
    return 1;
  if (json_object_get(prov, "assumed"))
    return 2;
  return 3;
}

static int set_text(json_t *o, const char *key, const char *s) {
  return json_object_set_new(o, key, cfm__json_text(s));
}

json_t *cfm__case_to_json(const cfm_case_result *r) {
  json_t *o = json_object(), *resp;
  if (!o)
    return NULL;
  set_text(o, "id", r->id);
  set_text(o, "vendor", r->vendor);
  set_text(o, "operation", r->operation);
  set_text(o, "kind", r->kind);
  json_object_set_new(o, "verdict", json_string(cfm_verdict_name(r->verdict)));
  set_text(o, "reason", r->reason);
  json_object_set(o, "provenance", r->provenance ? r->provenance : json_null());
  set_text(o, "request", r->request_summary);
  set_text(o, "repro", r->repro);
  resp = json_object();
  json_object_set_new(resp, "status", json_integer(r->http_status));
  set_text(resp, "vendor_code", r->vendor_code);
  set_text(resp, "class", r->observed_class);
  set_text(resp, "excerpt", r->response_excerpt);
  json_object_set_new(o, "response", resp);
  json_object_set_new(o, "duration_ms", json_real(r->duration_ms));
  json_object_set_new(o, "baselined", json_boolean(r->baselined));
  json_object_set_new(o, "covers", r->covers ? json_incref(r->covers) : json_array());
  return o;
}

static char *dup_field(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return strdup(s ? s : "");
}

int cfm__case_from_json(const json_t *obj, cfm_case_result *r) {
  const json_t *resp, *v;
  int verdict;
  memset(r, 0, sizeof(*r));
  if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "id")))
    return -1;
  verdict = cfm_verdict_parse(json_string_value(json_object_get(obj, "verdict")));
  if (verdict < 0)
    return -1;
  r->verdict = (cfm_verdict)verdict;
  r->id = dup_field(obj, "id");
  r->vendor = dup_field(obj, "vendor");
  r->operation = dup_field(obj, "operation");
  r->kind = dup_field(obj, "kind");
  r->reason = dup_field(obj, "reason");
  r->request_summary = dup_field(obj, "request");
  r->repro = dup_field(obj, "repro");
  v = json_object_get(obj, "provenance");
  r->provenance = json_is_object(v) ? json_deep_copy(v) : NULL;
  resp = json_object_get(obj, "response");
  r->http_status = (long)json_integer_value(json_object_get(resp, "status"));
  r->vendor_code = dup_field(resp, "vendor_code");
  r->observed_class = dup_field(resp, "class");
  r->response_excerpt = dup_field(resp, "excerpt");
  r->duration_ms = json_number_value(json_object_get(obj, "duration_ms"));
  /* Only a failure can be accepted by a baseline (as the runner sets it). */
  r->baselined = r->verdict == CFM_VERDICT_FAIL && json_is_true(json_object_get(obj, "baselined"));
  v = json_object_get(obj, "covers");
  r->covers = json_is_array(v) ? json_deep_copy(v) : NULL;
  if (!r->id || !r->vendor || !r->operation || !r->kind || !r->reason || !r->request_summary ||
      !r->repro || !r->vendor_code || !r->observed_class || !r->response_excerpt) {
    cfm_case_result_release(r);
    return -1;
  }
  return 0;
}
