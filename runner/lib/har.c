/* conform — HAR 1.2: a bounded, tolerant reader, and the judging of one
 * read entry (docs/passive.md).
 *
 * Reader: real exports differ (browsers, mitmproxy, Charles, Postman, k6):
 * bodies may be missing, base64 (content.encoding), still gzip/deflate
 * compressed, or not JSON at all.  None of that is fatal: each entry gets a
 * note and, when it cannot be judged, a flag.  Memory is bounded by the
 * caps in passive.h (file, entries, headers, decoded body).
 *
 * Must not write HAR files (har_write.c). */
#include "conform/passive.h"
#include "passive_internal.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

static char *dup_n(const char *s, size_t n) {
  char *o = malloc(n + 1);
  if (!o)
    return NULL;
  if (n)
    memcpy(o, s, n);
  o[n] = '\0';
  return o;
}

/* The value of a base64 digit of either alphabet (RFC 4648 sections 4 and
 * 5), or -1. */
static int b64v(int c) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *at = c ? strchr(digits, c) : NULL;
  if (at)
    return (int)(at - digits);
  return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Decodes base64 (either alphabet; whitespace and padding skipped).
 * Returns 0, or -1 on a bad character or out of memory. */
static int b64_decode(const char *s, size_t n, char **out, size_t *olen) {
  char *o = malloc(n / 4 * 3 + 4);
  unsigned acc = 0;
  int bits = 0;
  size_t i, k = 0;
  if (!o)
    return -1;
  for (i = 0; i < n; i++) {
    int v = b64v((unsigned char)s[i]);
    if (s[i] == '=' || s[i] == '\n' || s[i] == '\r' || s[i] == ' ')
      continue;
    if (v < 0) {
      free(o);
      return -1;
    }
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      o[k++] = (char)((acc >> bits) & 0xff);
    }
  }
  o[k] = '\0';
  *out = o;
  *olen = k;
  return 0;
}

/* Inflates gzip, zlib or raw deflate data, capped at CFM_HAR_MAX_BODY.
 * Returns 0, -1 not compressed data / over the cap, -2 out of memory. */
static int inflate_body(const char *in, size_t n, char **out, size_t *olen) {
  static const int windows[2] = {15 + 32, -15};
  size_t w;
  for (w = 0; w < 2; w++) {
    z_stream z;
    size_t cap = n * 4 + 1024, len = 0;
    char *buf;
    int zr = Z_OK;
    if (cap > CFM_HAR_MAX_BODY)
      cap = CFM_HAR_MAX_BODY;
    if (!(buf = malloc(cap + 1)))
      return -2;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, windows[w]) != Z_OK) {
      free(buf);
      return -2;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    while (zr == Z_OK) {
      if (len == cap) {
        char *nb;
        if (cap >= CFM_HAR_MAX_BODY)
          break;
        cap = cap * 2 > CFM_HAR_MAX_BODY ? CFM_HAR_MAX_BODY : cap * 2;
        if (!(nb = realloc(buf, cap + 1))) {
          inflateEnd(&z);
          free(buf);
          return -2;
        }
        buf = nb;
      }
      z.next_out = (Bytef *)buf + len;
      z.avail_out = (uInt)(cap - len);
      zr = inflate(&z, Z_NO_FLUSH);
      len = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (zr == Z_STREAM_END) {
      buf[len] = '\0';
      *out = buf;
      *olen = len;
      return 0;
    }
    free(buf);
  }
  return -1;
}

static void note(cfm_har_entry *e, const char *what) {
  size_t n = strlen(e->note);
  snprintf(e->note + n, sizeof(e->note) - n, "%s%s", n ? "; " : "", what);
}

static const char *hdr_value(const json_t *headers, const char *name) {
  size_t i;
  const json_t *h;
  json_array_foreach(headers, i, h) {
    const char *n = cfm_json_str(h, "name");
    if (n && !strcasecmp(n, name))
      return cfm_json_str(h, "value");
  }
  return NULL;
}

static int read_headers(const json_t *headers, cfm_har_entry *e) {
  size_t i, k = 0;
  const json_t *h;
  if (!(e->headers = calloc(CFM_HAR_MAX_HEADERS + 1, sizeof(char *))))
    return -1;
  json_array_foreach(headers, i, h) {
    const char *n = cfm_json_str(h, "name"), *v = cfm_json_str(h, "value");
    size_t len;
    if (!n || !v)
      continue;
    if (k == CFM_HAR_MAX_HEADERS) {
      note(e, "request headers cut at 64");
      break;
    }
    len = strlen(n) + strlen(v) + 3;
    if (!(e->headers[k] = malloc(len)))
      return -1;
    snprintf(e->headers[k++], len, "%s: %s", n, v);
  }
  return 0;
}

/* The response body: text, base64-decoded when content.encoding says so,
 * inflated when it is still compressed.  Returns 0 or -1 out of memory. */
static int read_body(const json_t *res, cfm_har_entry *e) {
  const json_t *content = json_object_get(res, "content");
  const json_t *text = json_object_get(content, "text");
  const char *enc = cfm_json_str(content, "encoding");
  const char *ce = hdr_value(json_object_get(res, "headers"), "Content-Encoding");
  char *body;
  size_t len;
  if (!json_is_string(text)) {
    e->unusable = 1;
    note(e, "response body not recorded");
    return 0;
  }
  if (json_string_length(text) > CFM_HAR_MAX_BODY) {
    e->unusable = 1;
    note(e, "response body over 16 MiB");
    return 0;
  }
  if (enc && !strcasecmp(enc, "base64")) {
    if (b64_decode(json_string_value(text), json_string_length(text), &body, &len)) {
      e->unusable = 1;
      note(e, "response body is not valid base64");
      return 0;
    }
    note(e, "response body base64");
  } else {
    if (!(body = dup_n(json_string_value(text), json_string_length(text))))
      return -1;
    len = json_string_length(text);
  }
  /* Exports that kept the bytes on the wire: gzip magic, or the header says so. */
  if ((len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b) ||
      (ce && (!strcasecmp(ce, "gzip") || !strcasecmp(ce, "deflate")) && len && body[0] != '{' &&
       body[0] != '[')) {
    char *plain;
    size_t plen;
    int r = inflate_body(body, len, &plain, &plen);
    if (r == -2) {
      free(body);
      return -1;
    }
    if (r == 0) {
      free(body);
      body = plain;
      len = plen;
      note(e, "response body inflated");
    } else {
      e->unusable = 1;
      note(e, "response body is compressed and could not be inflated");
    }
  } else if (ce && strcasecmp(ce, "identity") && strcasecmp(ce, "gzip") &&
             strcasecmp(ce, "deflate") && len && body[0] != '{' && body[0] != '[') {
    e->unusable = 1;
    note(e, "response body in an unsupported Content-Encoding");
  }
  e->res_body = body;
  e->res_len = len;
  return 0;
}

/* startedDateTime (ISO 8601, "Z" or an offset) in ms since the epoch, with
 * its fraction (*res: the resolution its digits give, in ms); 0 when absent
 * or unreadable. */
static double started_at(const char *s, double *res) {
  struct tm tm;
  int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, digits = 0;
  double frac = 0, unit = 1000.0;
  char sign = 0;
  const char *z;
  *res = 1000.0;
  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
    return 0;
  z = s + n;
  if (*z == '.') {
    for (z++; isdigit((unsigned char)*z); z++) {
      if (digits++ < 9) {
        unit /= 10.0;
        frac += (*z - '0') * unit;
      }
    }
    *res = unit;
  }
  if ((*z == '+' || *z == '-') && sscanf(z + 1, "%2d:%2d", &oh, &om) == 2)
    sign = *z;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return ((double)timegm(&tm) - (sign == '+'   ? 1
                                 : sign == '-' ? -1
                                               : 0) *
                                    (oh * 3600.0 + om * 60)) *
             1000.0 +
         frac;
}

/* What the recording kept beside the request: when, and the UserSig's times. */
static void read_facts(const json_t *j, const json_t *req, cfm_har_entry *e) {
  const json_t *us = json_object_get(req, "_usersig");
  const json_t *is = json_object_get(us, "issued"), *ex = json_object_get(us, "expire");
  const json_t *t = json_object_get(j, "time");
  e->started_ms = started_at(cfm_json_str(j, "startedDateTime"), &e->started_res);
  if (!(e->started_ms > 0 && e->started_ms < 1e15))
    e->started_ms = 0;
  e->started = (long long)(e->started_ms / 1000.0);
  e->time_ms = json_is_number(t) && json_number_value(t) >= 0 && json_number_value(t) < 1e9
                   ? json_number_value(t)
                   : -1;
  if (json_is_integer(is) && json_is_integer(ex) && json_integer_value(is) >= 0 &&
      json_integer_value(ex) >= 0 && json_integer_value(is) < (1LL << 40) &&
      json_integer_value(ex) < (1LL << 40)) {
    e->has_usersig = 1;
    e->usersig_issued = (long long)json_integer_value(is);
    e->usersig_expire = (long long)json_integer_value(ex);
  }
}

static int read_entry(const json_t *j, size_t index, cfm_har_entry *e) {
  const json_t *req = json_object_get(j, "request"), *res = json_object_get(j, "response");
  const json_t *post = json_object_get(req, "postData"), *st = json_object_get(res, "status");
  const char *method = cfm_json_str(req, "method"), *url = cfm_json_str(req, "url");
  const char *ct;
  memset(e, 0, sizeof(*e));
  e->index = index;
  if (!(e->method = strdup(method ? method : "")) || !(e->url = strdup(url ? url : "")))
    return -1;
  if (!method || !url) {
    e->unusable = 1;
    note(e, "request without method or URL");
  }
  if (read_headers(json_object_get(req, "headers"), e))
    return -1;
  read_facts(j, req, e);
  if (json_is_string(json_object_get(post, "text"))) {
    const json_t *t = json_object_get(post, "text");
    const char *penc = cfm_json_str(post, "encoding");
    if (penc && !strcasecmp(penc, "base64")) {
      if (b64_decode(json_string_value(t), json_string_length(t), &e->req_body, &e->req_len)) {
        e->req_body = NULL;
        note(e, "request body is not valid base64");
      }
    } else if (!(e->req_body = dup_n(json_string_value(t), json_string_length(t)))) {
      return -1;
    } else {
      e->req_len = json_string_length(t);
    }
  } else if (post) {
    note(e, "request body not recorded");
  }
  e->status = json_is_integer(st) ? (long)json_integer_value(st) : 0;
  ct = cfm_json_str(json_object_get(res, "content"), "mimeType");
  if (!ct)
    ct = hdr_value(json_object_get(res, "headers"), "Content-Type");
  if (!(e->content_type = strdup(ct ? ct : "")))
    return -1;
  if (!json_is_object(res) || e->status <= 0) {
    e->unusable = 1;
    note(e, "no response (aborted or not recorded)");
    return 0;
  }
  e->has_response = 1;
  return read_body(res, e);
}

static void entry_release(cfm_har_entry *e) {
  size_t i;
  free(e->method);
  free(e->url);
  for (i = 0; e->headers && e->headers[i]; i++)
    free(e->headers[i]);
  free(e->headers);
  free(e->req_body);
  free(e->content_type);
  free(e->res_body);
}

void cfm_har_release(cfm_har *h) {
  size_t i;
  for (i = 0; i < h->count; i++)
    entry_release(&h->entries[i]);
  free(h->entries);
  h->entries = NULL;
  h->count = 0;
}

int cfm_har_parse(const char *name, const char *data, size_t len, cfm_har *out, cfm_error_t *err) {
  char why[200];
  json_t *root, *entries;
  const json_t *j;
  size_t i, n;
  memset(out, 0, sizeof(*out));
  if (len > CFM_HAR_MAX_BYTES)
    return cfm_error_set(err, CFM_ESPEC, name, "", "a HAR file over %u MiB is refused",
                         CFM_HAR_MAX_BYTES >> 20);
  root = cfm_json_parse(data, len, CFM_HAR_MAX_BYTES, why, sizeof(why));
  if (!root)
    return cfm_error_set(err, strcmp(why, "out of memory") ? CFM_ESPEC : CFM_ENOMEM, name, "",
                         "not JSON: %s", why);
  entries = json_object_get(json_object_get(root, "log"), "entries");
  if (!json_is_array(entries)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ESPEC, name, "/log/entries", "not a HAR file: no log.entries");
  }
  n = json_array_size(entries);
  if (n > CFM_HAR_MAX_ENTRIES) {
    out->skipped = n - CFM_HAR_MAX_ENTRIES;
    n = CFM_HAR_MAX_ENTRIES;
  }
  if (n && !(out->entries = calloc(n, sizeof(*out->entries)))) {
    json_decref(root);
    return cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
  }
  json_array_foreach(entries, i, j) {
    if (i >= n)
      break;
    out->count = i + 1;
    if (read_entry(j, i, &out->entries[i])) {
      json_decref(root);
      cfm_har_release(out);
      return cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
    }
  }
  json_decref(root);
  return CFM_EOK;
}

int cfm_har_load(const char *path, cfm_har *out, cfm_error_t *err) {
  char *data;
  size_t len;
  int rc = cfm_read_file(path, CFM_HAR_MAX_BYTES, &data, &len, err);
  memset(out, 0, sizeof(*out));
  if (rc)
    return rc == CFM_ETOOBIG ? CFM_ESPEC : rc;
  rc = cfm_har_parse(path, data, len, out, err);
  free(data);
  return rc;
}

int cfm_passive_judge_entry(const cfm_specset *set, cfm_passive_stream *s, const cfm_har_entry *e,
                            cfm_passive_result *out) {
  cfm_http_request req;
  cfm_http_response res;
  memset(&req, 0, sizeof(req));
  memset(&res, 0, sizeof(res));
  req.method = e->method;
  req.url = e->url;
  req.headers = (const char *const *)e->headers;
  req.body = e->req_body;
  req.body_len = e->req_len;
  res.status = e->status;
  res.content_type = e->content_type;
  res.retry_after = "";
  res.body = e->res_body ? e->res_body : "";
  res.len = e->res_len;
  res.attempts = 1;
  {
    passive_facts f = {(int64_t)e->started,
                       e->has_usersig,
                       (int64_t)e->usersig_issued,
                       (int64_t)e->usersig_expire,
                       e->started_ms,
                       e->started_res,
                       e->time_ms};
    return cfm__passive_judge_facts(set, s, &req, &res, &f, out);
  }
}
