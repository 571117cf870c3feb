/* conform — HAR 1.2 writer: `conform run --record` streams every exchange
 * to a file as it happens (memory flat), each text sanitised (secrets
 * redacted) first, so a recorded run can be shared; beside a redacted
 * UserSig it keeps the UserSig's issue time and validity (not secret).
 * Must not read HAR files (har.c). */
#include "conform/passive.h"
#include "conform/jsonutil.h"
#include "conform/sanitize.h"
#include "conform/usersig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A request waiting for its response (cfm_har_record). */
typedef struct pending {
  const void *key;
  json_t *request; /* the HAR request object, already redacted */
  double started;
} pending;

#define MAX_PENDING 4096

struct cfm_har_writer {
  FILE *f;
  const cfm_config *cfg;
  size_t count;
  int failed;
  pending *pend;
  size_t npend;
};

static json_t *clean(const cfm_config *cfg, const char *s, size_t n) {
  size_t len;
  char *t = cfm_sanitize(cfg, s ? s : "", s ? n : 0, CFM_HAR_MAX_BODY, CFM_SINK_JSON, &len);
  json_t *j = t ? json_stringn(t, len) : NULL;
  free(t);
  return j;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The issue time and validity of the UserSig in url's query
 * ({"issued", "expire"}, new reference), or NULL when there is none: not
 * secret, kept so that `check` can tell an expired UserSig once the
 * UserSig itself is redacted. */
static json_t *usersig_facts(const char *url) {
  const char *q = url ? strchr(url, '?') : NULL, *p;
  int64_t issued, expire;
  for (p = q; p && *p; p += strcspn(p + 1, "&#") + 1) {
    const char *v = p + 1;
    if (!strncmp(v, "usersig=", 8) &&
        !cfm_usersig_times(v + 8, strcspn(v + 8, "&#"), &issued, &expire))
      return json_pack("{s:I, s:I}", "issued", (json_int_t)issued, "expire", (json_int_t)expire);
    if (*p == '#')
      break;
  }
  return NULL;
}

/* The HAR request object of req (redacted), or NULL out of memory. */
static json_t *har_request(const cfm_config *cfg, const cfm_http_request *req) {
  json_t *hs = json_array(), *r, *us;
  size_t i;
  const char *ct = NULL;
  for (i = 0; hs && req->headers && req->headers[i]; i++) {
    const char *line = req->headers[i], *colon = strchr(line, ':'), *v;
    char name[256], lower[256];
    json_t *val;
    size_t k;
    if (!colon)
      continue;
    snprintf(name, sizeof(name), "%.*s", (int)(colon - line), line);
    for (k = 0; k < sizeof(lower) - 1 && name[k]; k++)
      lower[k] = (char)tolower((unsigned char)name[k]);
    lower[k] = '\0';
    for (v = colon + 1; *v == ' ';)
      v++;
    if (!strcasecmp(name, "Content-Type"))
      ct = v;
    /* Header names are not secret; credential headers' values always are
     * (the scheme word kept), whatever the registry knows. */
    if (!strcasecmp(name, "Authorization") || strstr(lower, "token"))
      val = json_pack("s+", strncasecmp(v, "Bearer ", 7) ? "" : "Bearer ", CFM_SANITIZE_MARKER);
    else
      val = clean(cfg, v, strlen(v));
    if (json_array_append_new(hs, json_pack("{s:s, s:o*}", "name", name, "value", val))) {
      json_decref(hs);
      return NULL;
    }
  }
  r = json_pack("{s:s, s:o*, s:s, s:[], s:o*, s:[], s:i, s:I}", "method",
                req->method ? req->method : "GET", "url",
                clean(cfg, req->url, req->url ? strlen(req->url) : 0), "httpVersion", "HTTP/1.1",
                "cookies", "headers", hs, "queryString", "headersSize", -1, "bodySize",
                (json_int_t)(req->body ? req->body_len : 0));
  if (r && (us = usersig_facts(req->url)))
    json_object_set_new(r, "_usersig", us);
  if (r && req->body)
    json_object_set_new(r, "postData",
                        json_pack("{s:s, s:o*}", "mimeType", ct ? ct : "application/octet-stream",
                                  "text", clean(cfg, req->body, req->body_len)));
  return r;
}

static json_t *har_response(const cfm_config *cfg, const cfm_http_response *res) {
  const char *ct = res->content_type ? res->content_type : "";
  json_t *r =
      json_pack("{s:I, s:s, s:s, s:[], s:[{s:s, s:s}], s:{s:I, s:s, s:o*}, s:s, s:i, s:I}",
                "status", (json_int_t)res->status, "statusText", "", "httpVersion", "HTTP/1.1",
                "cookies", "headers", "name", "Content-Type", "value", ct, "content", "size",
                (json_int_t)res->len, "mimeType", ct, "text", clean(cfg, res->body, res->len),
                "redirectURL", "", "headersSize", -1, "bodySize", (json_int_t)res->len);
  if (r && res->error)
    json_object_set_new(r, "_error", clean(cfg, res->error_text, strlen(res->error_text)));
  return r;
}

int cfm_har_writer_open(const char *path, const cfm_config *cfg, cfm_har_writer **out,
                        cfm_error_t *err) {
  cfm_har_writer *w = calloc(1, sizeof(*w));
  *out = NULL;
  if (!w)
    return cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
  if (!(w->f = fopen(path, "w"))) {
    free(w);
    return cfm_error_set(err, CFM_EIO, path, "", "cannot open for writing");
  }
  w->cfg = cfg;
  if (cfg)
    (void)cfm_sanitize_add_config(cfg);
  fputs("{\"log\": {\"version\": \"1.2\", \"creator\": {\"name\": \"conform\", \"version\": "
        "\"" CONFORM_VERSION "\"}, \"entries\": [\n",
        w->f);
  *out = w;
  return CFM_EOK;
}

/* Writes one entry from its request object (stolen) and the response:
 * started is when the request was handed over (ms since the epoch), total
 * the time to its answer (ms), queueing (timings.blocked) included.  The
 * start is written to the microsecond, so `check` can order a stream's
 * exchanges (cfm_passive_stream_settle). */
static int write_entry(cfm_har_writer *w, json_t *reqj, const cfm_http_response *res,
                       double started, double total) {
  json_t *e;
  long long us = (long long)(started * 1000.0);
  time_t secs = (time_t)(us / 1000000);
  double blocked = total > res->duration_ms ? total - res->duration_ms : 0;
  struct tm tm;
  char when[64];
  int rc = CFM_EOK;
  gmtime_r(&secs, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06dZ", (int)(us % 1000000));
  e = json_pack("{s:s, s:f, s:o, s:o*, s:{}, s:{s:f, s:i, s:f, s:i}}", "startedDateTime", when,
                "time", blocked + res->duration_ms, "request", reqj, "response",
                har_response(w->cfg, res), "cache", "timings", "blocked", blocked, "send", 0,
                "wait", res->duration_ms, "receive", 0);
  if (!e)
    return CFM_ENOMEM;
  if ((w->count && fputs(",\n", w->f) < 0) || json_dumpf(e, w->f, JSON_COMPACT) || ferror(w->f))
    rc = CFM_EIO;
  json_decref(e);
  if (rc)
    w->failed = 1;
  else
    w->count++;
  return rc;
}

int cfm_har_writer_add(cfm_har_writer *w, const cfm_http_request *req,
                       const cfm_http_response *res) {
  json_t *r = har_request(w->cfg, req);
  if (!r)
    return CFM_ENOMEM;
  return write_entry(w, r, res, now_ms() - res->duration_ms, res->duration_ms);
}

void cfm_har_record(void *user, const void *key, const cfm_http_request *req,
                    const cfm_http_response *res) {
  cfm_har_writer *w = user;
  size_t i;
  if (req) {
    json_t *r;
    if (!w->pend && !(w->pend = calloc(MAX_PENDING, sizeof(*w->pend))))
      return;
    if (w->npend == MAX_PENDING || !(r = har_request(w->cfg, req))) {
      w->failed = 1;
      return;
    }
    w->pend[w->npend].key = key;
    w->pend[w->npend].request = r;
    w->pend[w->npend++].started = now_ms();
    return;
  }
  for (i = 0; res && i < w->npend; i++) {
    if (w->pend[i].key == key) {
      json_t *r = w->pend[i].request;
      double started = w->pend[i].started;
      w->pend[i] = w->pend[--w->npend];
      (void)write_entry(w, r, res, started, now_ms() - started);
      return;
    }
  }
}

int cfm_har_writer_close(cfm_har_writer *w) {
  int rc;
  size_t i;
  if (!w)
    return CFM_EOK;
  for (i = 0; i < w->npend; i++)
    json_decref(w->pend[i].request);
  free(w->pend);
  fputs("\n]}}\n", w->f);
  rc = (fclose(w->f) || w->failed) ? CFM_EIO : CFM_EOK;
  free(w);
  return rc;
}
