/* conform mock — configuration, faults, rate buckets, request parsing and
 * dispatch.  The vendor files hold the behaviour, mock_http.c the
 * libmicrohttpd listener. */
#include "mock_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void cfm_mock_config_init(cfm_mock_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->listen_host = "127.0.0.1";
  cfg->tencent_sdkappid = 1400000000u;
  cfg->tencent_admin = "administrator";
  cfg->tencent_key = "conform-demo-secret-key";
  cfg->agora_app_id = "conform-demo-app";
  cfg->agora_token = "conform-demo-app-token";
  cfg->dingtalk_token = "conform-demo-access-token";
  cfg->dingtalk_admin_union_id = "conform-admin-union";
  cfg->max_body_bytes = 1u << 20;
  cfg->max_groups = 100000;
  cfg->agora_app_certificate = "conform-demo-app-certificate";
  cfg->dingtalk_app_key = "conform-demo-app-key";
  cfg->dingtalk_app_secret = "conform-demo-app-secret";
  cfg->dingtalk_token_lifetime_s = 7200;
}

static cfm_mock_fault all_faults[128];
static pthread_once_t faults_once = PTHREAD_ONCE_INIT;

static void join_faults(void) {
  size_t t, n = 0;
  for (t = 0; cfm__mock_vendors[t]; t++) {
    const cfm_mock_fault *f;
    for (f = cfm__mock_vendors[t]->faults;
         f->name && n + 1 < sizeof(all_faults) / sizeof(all_faults[0]); f++)
      all_faults[n++] = *f;
  }
  all_faults[n].name = NULL;
}

const cfm_mock_fault *cfm_mock_faults(void) {
  pthread_once(&faults_once, join_faults);
  return all_faults;
}

int cfm__mock_fault(const cfm_mock *m, const char *name) {
  size_t i;
  for (i = 0; i < m->nfaults; i++)
    if (strcmp(m->faults[i], name) == 0)
      return 1;
  return 0;
}

int64_t cfm__mock_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cfm__mock_rate_take(cfm_mock *m, const char *key, double per_second) {
  size_t i;
  bucket *b = NULL;
  double now;
  if (!m->cfg.enforce_rate_limits || per_second <= 0)
    return 1;
  now = mono_s();
  for (i = 0; i < m->nbuckets; i++)
    if (strcmp(m->buckets[i].key, key) == 0)
      b = &m->buckets[i];
  if (!b) {
    if (m->nbuckets == sizeof(m->buckets) / sizeof(m->buckets[0]))
      return 1;
    b = &m->buckets[m->nbuckets++];
    snprintf(b->key, sizeof(b->key), "%s", key);
    b->tokens = per_second;
    b->last = now;
  }
  b->tokens += (now - b->last) * per_second;
  if (b->tokens > per_second)
    b->tokens = per_second;
  b->last = now;
  if (b->tokens < 1.0)
    return 0;
  b->tokens -= 1.0;
  return 1;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes n bytes of s into out (cap); '+' is a space when plus. */
static void url_decode(const char *s, size_t n, char *out, size_t cap, int plus) {
  size_t i, o = 0;
  for (i = 0; i < n && o + 1 < cap; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0 &&
        (hexval(s[i + 1]) | hexval(s[i + 2])) != 0) { /* %00 stays literal */
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else if (plus && s[i] == '+') {
      out[o++] = ' ';
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
}

int cfm__mock_query(const mock_req *r, const char *name, char *out, size_t cap) {
  const char *p = r->query;
  size_t nl = strlen(name);
  while (p && *p) {
    const char *amp = strchr(p, '&'), *eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
    size_t klen = eq ? (size_t)(eq - p) : (amp ? (size_t)(amp - p) : strlen(p));
    if (klen == nl && strncmp(p, name, nl) == 0) {
      if (eq) {
        const char *v = eq + 1;
        url_decode(v, amp ? (size_t)(amp - v) : strlen(v), out, cap, 1);
      } else if (cap) {
        out[0] = '\0';
      }
      return 1;
    }
    p = amp ? amp + 1 : NULL;
  }
  return 0;
}

int cfm__mock_header(const mock_req *r, const char *name, char *out, size_t cap) {
  const char *p = r->headers;
  size_t nl = strlen(name);
  while (p && *p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      size_t vl = len - nl - 1;
      while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
      }
      while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
        vl--;
      snprintf(out, cap, "%.*s", (int)vl, v);
      return 1;
    }
    p = eol ? eol + 1 : NULL;
  }
  return 0;
}

void cfm__mock_json(mock_resp *resp, int status, json_t *obj) {
  json_decref(resp->json);
  resp->json = obj; /* NULL (out of memory) becomes a 500 in serialise() */
  resp->status = status;
  resp->content_type = "application/json";
}

static int add_to_buf(const char *text, size_t len, void *b) {
  return cfm_buf_add(b, text, len) == 0 ? 0 : -1;
}

/* Writes resp->json into resp->body (outside the state lock). */
static void serialise(mock_resp *resp) {
  cfm_buf_reset(&resp->body);
  if (!resp->json ||
      json_dump_callback(resp->json, add_to_buf, &resp->body, JSON_COMPACT | JSON_PRESERVE_ORDER)) {
    resp->status = 500;
    cfm_buf_reset(&resp->body);
    /* When even this fails the body is empty: cfm_mock_handle answers "". */
    if (cfm_buf_adds(&resp->body, "{\"error\":\"internal\"}") != 0)
      cfm_buf_release(&resp->body);
  }
  json_decref(resp->json);
  resp->json = NULL;
}

static const char *keep(cfm_mock *m, size_t slot, const char *s) {
  if (!s)
    return NULL;
  m->strings[slot] = strdup(s);
  return m->strings[slot];
}

void cfm__mock_free(cfm_mock *m) {
  size_t i;
  for (i = 0; cfm__mock_vendors[i]; i++)
    cfm__mock_vendors[i]->release(m);
  for (i = 0; i < sizeof(m->strings) / sizeof(m->strings[0]); i++)
    free(m->strings[i]);
  for (i = 0; i < m->nfaults; i++)
    free((char *)m->faults[i]);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

int cfm__mock_new(const cfm_mock_config *cfg, cfm_mock **out, char *errbuf, size_t errcap) {
  cfm_mock *m = calloc(1, sizeof(*m));
  size_t i;
  *out = NULL;
  if (!m) {
    snprintf(errbuf, errcap, "out of memory");
    return -1;
  }
  m->cfg = *cfg;
  m->cfg.listen_host = keep(m, 0, cfg->listen_host ? cfg->listen_host : "127.0.0.1");
  m->cfg.tencent_admin = keep(m, 1, cfg->tencent_admin);
  m->cfg.tencent_key = keep(m, 2, cfg->tencent_key);
  m->cfg.agora_app_id = keep(m, 3, cfg->agora_app_id);
  m->cfg.agora_token = keep(m, 4, cfg->agora_token);
  m->cfg.dingtalk_token = keep(m, 5, cfg->dingtalk_token);
  m->cfg.dingtalk_admin_union_id = keep(m, 6, cfg->dingtalk_admin_union_id);
  m->cfg.agora_app_certificate = keep(m, 7, cfg->agora_app_certificate);
  m->cfg.dingtalk_app_key = keep(m, 8, cfg->dingtalk_app_key);
  m->cfg.dingtalk_app_secret = keep(m, 9, cfg->dingtalk_app_secret);
  m->cfg.faults = NULL;
  if (!m->cfg.max_body_bytes)
    m->cfg.max_body_bytes = 1u << 20;
  if (!m->cfg.max_groups)
    m->cfg.max_groups = 100000;
  pthread_mutex_init(&m->lock, NULL);
  for (i = 0; cfg->faults && cfg->faults[i]; i++) {
    const cfm_mock_fault *f;
    int known = 0;
    for (f = cfm_mock_faults(); f->name; f++)
      known |= strcmp(f->name, cfg->faults[i]) == 0;
    if (!known || m->nfaults == MOCK_MAX_FAULTS) {
      snprintf(errbuf, errcap, "unknown fault '%s' (see --list-faults)", cfg->faults[i]);
      cfm__mock_free(m);
      return -1;
    }
    m->faults[m->nfaults++] = strdup(cfg->faults[i]);
  }
  for (i = 0; cfm__mock_vendors[i]; i++) {
    if (cfm__mock_vendors[i]->init(m)) {
      snprintf(errbuf, errcap, "out of memory");
      cfm__mock_free(m);
      return -1;
    }
  }
  *out = m;
  return 0;
}

static void not_found(mock_resp *resp, const char *path) {
  json_t *o = json_pack("{s:s, s:s}", "error", "no_such_path", "error_description",
                        "this mock serves the Tencent, Agora and DingTalk group APIs only");
  (void)path;
  cfm__mock_json(resp, 404, o);
}

int cfm_mock_handle(cfm_mock *m, const char *method, const char *url, const char *headers,
                    const char *body, size_t body_len, int *status, char **resp_body,
                    size_t *resp_len, const char **content_type) {
  mock_req r;
  mock_resp resp;
  const char *q;
  size_t i;
  r.body_too_big = 0; /* no memset: path is 8 KiB and written below */
  r.method = method ? method : "GET";
  url = url ? url : "/";
  q = strchr(url, '?');
  url_decode(url, q ? (size_t)(q - url) : strlen(url), r.path, sizeof(r.path), 0);
  r.query = q ? q + 1 : "";
  r.headers = headers ? headers : "";
  r.body = body ? body : "";
  r.body_len = body ? body_len : 0;
  if (r.body_len > m->cfg.max_body_bytes)
    r.body_too_big = 1;
  memset(&resp, 0, sizeof(resp));
  cfm_buf_init(&resp.body, MOCK_MAX_RESPONSE);
  resp.status = 500;
  resp.content_type = "application/json";
  for (i = 0; cfm__mock_vendors[i] && !cfm__mock_vendors[i]->handle(m, &r, &resp); i++)
    ;
  if (!cfm__mock_vendors[i])
    not_found(&resp, r.path);
  serialise(&resp);
  *status = resp.status;
  *content_type = resp.content_type;
  if (!resp.body.data) {
    *resp_body = strdup("");
    *resp_len = 0;
  } else {
    *resp_body = cfm_buf_detach(&resp.body, resp_len);
  }
  return *resp_body ? 0 : -1;
}
