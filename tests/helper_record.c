/* conform tests — the recording target (helper_record.h). */
#include "helper_record.h"

#include <curl/curl.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "conform/mock.h"
#include "helper_run.h"

#define REC_MAX_BODY (1u << 20)
#define REC_MAX_LOG 4096

struct cfm_rec {
  struct MHD_Daemon *d;
  cfm_mock *mock;
  pthread_mutex_t mu;
  unsigned port;
  size_t requests, foreign, creates, deletes;
  char first_foreign[512];
  json_t *ids;     /* id text -> true (alive) / false (deleted) */
  json_t *created; /* [{"url", "body"}] of each create answered with a new id (bounded) */
  volatile sig_atomic_t *counter;
  size_t signal_n, signal_n2, signal_m, signal_extra;
  size_t deletes_after, after_signal;
  int fail_deletes;
};

static int is_deletion(const char *method, const char *url) {
  return !strcmp(method, "DELETE") || strstr(url, "destroy_group") != NULL;
}

typedef struct upload {
  char *body;
  size_t len;
  int too_big;
} upload;

typedef struct kv_ctx {
  char *buf;
  size_t len, cap;
  int query;
} kv_ctx;

static void kv_add(kv_ctx *k, const char *s) {
  size_t n = strlen(s);
  if (k->len + n + 1 > k->cap) {
    size_t ncap = (k->len + n + 1) * 2;
    char *b = realloc(k->buf, ncap);
    if (!b)
      return;
    k->buf = b;
    k->cap = ncap;
  }
  memcpy(k->buf + k->len, s, n + 1);
  k->len += n;
}

static enum MHD_Result kv_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
  kv_ctx *k = cls;
  (void)kind;
  if (k->query) {
    char *ek = curl_easy_escape(NULL, key, 0), *ev = curl_easy_escape(NULL, value ? value : "", 0);
    kv_add(k, k->len ? "&" : "?");
    kv_add(k, ek ? ek : "");
    if (value) {
      kv_add(k, "=");
      kv_add(k, ev ? ev : "");
    }
    curl_free(ek);
    curl_free(ev);
  } else {
    kv_add(k, key);
    kv_add(k, ": ");
    kv_add(k, value ? value : "");
    kv_add(k, "\n");
  }
  return MHD_YES;
}

/* The segment after marker in url ("" when none): the id a path names. */
static void segment_after(const char *url, const char *marker, char *out, size_t cap) {
  const char *p = strstr(url, marker);
  size_t n;
  out[0] = '\0';
  if (!p)
    return;
  p += strlen(marker);
  n = strcspn(p, "/?");
  snprintf(out, cap, "%.*s", (int)n, p);
}

/* Classifies a request: 0 read, 1 create (id at *ptr of the answer), 2
 * state-changing naming id (named = 0 when it names none). */
static int classify(const char *method, const char *url, const json_t *body, const char **ptr,
                    char *id, size_t cap, int *named) {
  const char *cmd = strstr(url, "group_open_http_svc/");
  *named = 1;
  id[0] = '\0';
  if (cmd) {
    const json_t *g = json_object_get(body, "GroupId");
    cmd += strlen("group_open_http_svc/");
    if (!strncmp(cmd, "create_group", 12)) {
      *ptr = "/GroupId";
      return 1;
    }
    if (!strncmp(cmd, "get_group_info", 14))
      return 0;
    if (!g)
      *named = 0;
    else if (json_is_string(g))
      snprintf(id, cap, "%s", json_string_value(g));
    else
      snprintf(id, cap, "(non-string)");
    return 2;
  }
  if (!strcmp(method, "GET"))
    return 0;
  if (strstr(url, "/chatgroups")) {
    size_t n = strlen(url);
    if (!strcmp(method, "POST") && n >= 11 && !strcmp(url + n - 11, "/chatgroups")) {
      *ptr = "/data/groupid";
      return 1;
    }
    segment_after(url, "/chatgroups/", id, cap);
    return 2;
  }
  if (strstr(url, "/rooms/groups")) {
    size_t n = strlen(url);
    if (!strcmp(method, "POST") && n >= 13 && !strcmp(url + n - 13, "/rooms/groups")) {
      *ptr = "/result";
      return 1;
    }
    segment_after(url, "/rooms/groups/", id, cap);
    return 2;
  }
  return 2; /* anything else that is not a GET: named id "" */
}

static void record(cfm_rec *r, const char *method, const char *url, const char *query,
                   const upload *u, int status, const char *resp, size_t rlen) {
  json_t *body = u->len ? json_loadb(u->body, u->len, 0, NULL) : NULL;
  json_t *ans = rlen ? json_loadb(resp, rlen, 0, NULL) : NULL;
  const char *ptr = NULL;
  char id[256];
  int named, kind = classify(method, url, body, &ptr, id, sizeof(id), &named);
  if (kind == 1 && status >= 200 && status < 300) {
    const json_t *v = cfm_json_pointer(ans, ptr);
    char text[256];
    if (v && !json_is_object(v) && !json_is_array(v)) {
      cfm_json_scalar_text(v, text, sizeof(text));
      json_object_set_new(r->ids, text, json_true());
      r->creates++;
      if (json_array_size(r->created) < REC_MAX_LOG)
        json_array_append_new(r->created, json_pack("{s:s, s:O?}", "url", url, "body", body));
    }
  } else if (kind == 2 && named) {
    const json_t *known = id[0] ? json_object_get(r->ids, id) : NULL;
    if (!known) {
      if (!r->foreign++)
        snprintf(r->first_foreign, sizeof(r->first_foreign), "%s %s%s %.100s", method, url, query,
                 u->len ? u->body : "");
    } else if (status >= 200 && status < 300 &&
               (!strcmp(method, "DELETE") || strstr(url, "destroy_group"))) {
      const json_t *code = json_object_get(ans, "ErrorCode");
      if (!code || json_integer_value(code) == 0) {
        json_object_set_new(r->ids, id, json_false());
        r->deletes++;
      }
    }
  }
  json_decref(body);
  json_decref(ans);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **state) {
  cfm_rec *r = cls;
  upload *u = *state;
  kv_ctx q = {NULL, 0, 0, 1}, h = {NULL, 0, 0, 0};
  char *full, *body = NULL;
  size_t len = 0;
  int status = 500;
  const char *ct = "application/json";
  struct MHD_Response *resp;
  enum MHD_Result ok;
  (void)version;
  if (!u) {
    if (!(u = calloc(1, sizeof(*u))))
      return MHD_NO;
    *state = u;
    return MHD_YES;
  }
  if (*size) {
    if (u->len + *size > REC_MAX_BODY) {
      u->too_big = 1;
    } else {
      char *b = realloc(u->body, u->len + *size + 1);
      if (b) {
        memcpy(b + u->len, data, *size);
        u->body = b;
        u->len += *size;
        b[u->len] = '\0';
      }
    }
    *size = 0;
    return MHD_YES;
  }
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, kv_iter, &q);
  MHD_get_connection_values(c, MHD_HEADER_KIND, kv_iter, &h);
  full = malloc(strlen(url) + q.len + 1);
  if (full)
    sprintf(full, "%s%s", url, q.buf ? q.buf : "");
  pthread_mutex_lock(&r->mu);
  r->requests++;
  if (r->counter && r->signal_n && r->requests > r->signal_n) {
    if (!is_deletion(method, url)) {
      r->after_signal++;
    } else if (r->signal_m) {
      r->deletes_after++;
      if (r->deletes_after >= r->signal_m && r->deletes_after < r->signal_m + r->signal_extra)
        (*r->counter)++;
    }
  }
  if (r->counter && (r->requests == r->signal_n || r->requests == r->signal_n2))
    (*r->counter)++;
  if (r->fail_deletes == 2 && r->signal_n && r->requests >= r->signal_n)
    r->fail_deletes = 0;
  if (r->fail_deletes && is_deletion(method, url)) {
    status = 503;
    body = strdup("{\"error\":\"unavailable\"}");
    len = body ? strlen(body) : 0;
  } else if (full && !u->too_big) {
    cfm_mock_handle(r->mock, method, full, h.buf ? h.buf : "", u->body ? u->body : "", u->len,
                    &status, &body, &len, &ct);
  }
  record(r, method, url, q.buf ? q.buf : "", u, status, body, len);
  pthread_mutex_unlock(&r->mu);
  resp = MHD_create_response_from_buffer(len, body ? body : (char *)"", MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(resp, "Content-Type", ct ? ct : "application/json");
  ok = MHD_queue_response(c, (unsigned)status, resp);
  MHD_destroy_response(resp);
  free(body);
  free(full);
  free(q.buf);
  free(h.buf);
  return ok;
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode why) {
  upload *u = *state;
  (void)cls;
  (void)c;
  (void)why;
  if (u) {
    free(u->body);
    free(u);
  }
  *state = NULL;
}

cfm_rec *cfm_rec_start(void) {
  return cfm_rec_start_faults(NULL);
}

cfm_rec *cfm_rec_start_faults(const char *const *faults) {
  cfm_rec *r = calloc(1, sizeof(*r));
  cfm_mock_config mc;
  char why[256];
  struct sockaddr_in a;
  const union MHD_DaemonInfo *info;
  if (!r)
    return NULL;
  pthread_mutex_init(&r->mu, NULL);
  r->ids = json_object();
  r->created = json_array();
  cfm_mock_config_init(&mc);
  mc.faults = faults;
  if (cfm_mock_start(&mc, &r->mock, why, sizeof(why)) != 0) {
    cfm_rec_stop(r);
    return NULL;
  }
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, r,
                          MHD_OPTION_SOCK_ADDR, &a, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
  if (!r->d || !(info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT))) {
    cfm_rec_stop(r);
    return NULL;
  }
  r->port = info->port;
  return r;
}

unsigned cfm_rec_port(const cfm_rec *r) {
  return r->port;
}

#define REC_GETTER(name, field)                                                                    \
  size_t name(cfm_rec *r) {                                                                        \
    size_t v;                                                                                      \
    pthread_mutex_lock(&r->mu);                                                                    \
    v = r->field;                                                                                  \
    pthread_mutex_unlock(&r->mu);                                                                  \
    return v;                                                                                      \
  }
REC_GETTER(cfm_rec_requests, requests)
REC_GETTER(cfm_rec_foreign, foreign)
REC_GETTER(cfm_rec_creates, creates)
REC_GETTER(cfm_rec_deletes, deletes)

void cfm_rec_first_foreign(cfm_rec *r, char *out, size_t cap) {
  pthread_mutex_lock(&r->mu);
  snprintf(out, cap, "%s", r->first_foreign);
  pthread_mutex_unlock(&r->mu);
}

size_t cfm_rec_alive(cfm_rec *r) {
  const char *k;
  json_t *v;
  size_t n = 0;
  pthread_mutex_lock(&r->mu);
  json_object_foreach(r->ids, k, v) n += json_is_true(v);
  pthread_mutex_unlock(&r->mu);
  return n;
}

void cfm_rec_signal_at(cfm_rec *r, volatile sig_atomic_t *counter, size_t n, size_t n2, size_t m,
                       size_t extra) {
  pthread_mutex_lock(&r->mu);
  r->counter = counter;
  r->signal_n = n;
  r->signal_n2 = n2;
  r->signal_m = m;
  r->signal_extra = extra;
  pthread_mutex_unlock(&r->mu);
}

void cfm_rec_fail_deletes(cfm_rec *r, int fail) {
  pthread_mutex_lock(&r->mu);
  r->fail_deletes = fail;
  pthread_mutex_unlock(&r->mu);
}

REC_GETTER(cfm_rec_after_signal, after_signal)

json_t *cfm_rec_created(cfm_rec *r) {
  json_t *copy;
  pthread_mutex_lock(&r->mu);
  copy = json_deep_copy(r->created);
  pthread_mutex_unlock(&r->mu);
  return copy;
}

void cfm_rec_stop(cfm_rec *r) {
  if (!r)
    return;
  if (r->d)
    MHD_stop_daemon(r->d);
  cfm_mock_stop(r->mock);
  json_decref(r->ids);
  json_decref(r->created);
  pthread_mutex_destroy(&r->mu);
  free(r);
}

void cfm_rec_options(cfm_run_options *opt, volatile sig_atomic_t *stop) {
  memset(opt, 0, sizeof(*opt));
  opt->concurrency = 8;
  opt->assume_live = 1;
  opt->seed = 7;
  opt->interrupt = stop;
}

int cfm_rec_run(cfm_rec *r, const cfm_run_options *opt, cfm_run_result *res, cfm_error_t *err) {
  const cfm_specset *specs = cfm_test_specs(err);
  cfm_config cfg;
  int rc;
  if (!specs)
    return err->code ? err->code : CFM_ESPEC;
  cfm_config_init(&cfg);
  rc = cfm_config_use_mock(&cfg, (uint16_t)cfm_rec_port(r));
  if (rc == CFM_EOK)
    rc = cfm_run(specs, &cfg, opt, res, err);
  else
    cfm_error_set(err, rc, "", "", "cannot use the recording target");
  cfm_config_release(&cfg);
  return rc;
}
