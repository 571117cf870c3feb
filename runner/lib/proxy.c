/* conform proxy — the listener: libmicrohttpd takes each client request
 * (raw URI, headers, capped body), picks its upstream, has it forwarded
 * (proxy_forward.c), answers the client with what came back and hands a
 * copy of the exchange to the judging queue (proxy_judge.c).  Owns start,
 * stop and routing; must not judge or write reports itself. */
#include "proxy_internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conform/buf.h"
#include "conform/error.h"
#include "conform/jsonutil.h"

#define MAX_REQ_HEADERS 128u
#define CONNECTION_POOL (64u * 1024u) /* request line and headers of one connection */
#define IDLE_TIMEOUT 60u              /* seconds a client connection may stay silent */

/* One client request while libmicrohttpd reads it. */
typedef struct px_req {
  char *uri; /* as the client wrote it: path and query, not decoded */
  cfm_buf body;
  int started, too_big;
  cfm__px_exchange *x; /* the forwarded exchange, queued for judging once answered */
} px_req;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
  cfm_proxy *p = cls;
  px_req *r = calloc(1, sizeof(*r));
  (void)c;
  if (!r)
    return NULL;
  if (!(r->uri = strdup(uri ? uri : "/"))) {
    free(r);
    return NULL;
  }
  cfm_buf_init(&r->body, p->opt.max_body);
  return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode code) {
  px_req *r = *state;
  (void)c;
  (void)code;
  if (r) {
    /* The answer is sent (or the client gone): now the copy may be judged. */
    if (r->x)
      cfm__proxy_enqueue(cls, r->x);
    cfm_buf_release(&r->body);
    free(r->uri);
    free(r);
    *state = NULL;
  }
}

static const char *upstream_of_vendor(const cfm_config *cfg, const char *vendor, size_t n) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    if (cfg->targets[i].base_url && strlen(cfg->targets[i].vendor) == n &&
        !strncmp(cfg->targets[i].vendor, vendor, n))
      return cfg->targets[i].base_url;
  return NULL;
}

/* The upstream base URL for a request: the only upstream (or the one URL
 * every vendor shares), else the one of the vendor whose documented
 * operation the request calls, else of the vendor of the nearest
 * documented operation.  NULL = none. */
static const char *route(cfm_proxy *p, const char *method, const char *uri) {
  const cfm_config *cfg = p->opt.cfg;
  const char *only = NULL, *url = NULL;
  size_t i;
  int same = 1;
  cfm_match m;
  for (i = 0; i < cfg->count; i++)
    if (cfg->targets[i].base_url) {
      same &= !only || !strcmp(only, cfg->targets[i].base_url);
      only = cfg->targets[i].base_url;
    }
  if (same)
    return only;
  if (cfm_match_request(p->opt.set, method, uri, &m) != CFM_EOK)
    return NULL;
  if (m.spec)
    url = upstream_of_vendor(cfg, m.spec->vendor, strlen(m.spec->vendor));
  for (i = 0; !url && i < m.nnear; i++)
    url = upstream_of_vendor(cfg, m.near[i], strcspn(m.near[i], "."));
  cfm_match_release(&m);
  return url;
}

typedef struct hdr_list {
  char **v;
  size_t n;
  int failed;
} hdr_list;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
  hdr_list *h = cls;
  size_t kn = strlen(key), vn = value ? strlen(value) : 0;
  (void)kind;
  if (cfm__proxy_hop_header(key, kn))
    return MHD_YES;
  if (h->n + 1 >= MAX_REQ_HEADERS || !(h->v[h->n] = malloc(kn + vn + 3))) {
    h->failed = 1;
    return MHD_NO;
  }
  memcpy(h->v[h->n], key, kn);
  memcpy(h->v[h->n] + kn, ": ", 2);
  memcpy(h->v[h->n] + kn + 2, value ? value : "", vn + 1);
  h->v[++h->n] = NULL;
  return MHD_YES;
}

/* Answers the client from the proxy itself (nothing forwarded, or no
 * upstream answer): a JSON error with Content-Type application/json. */
static enum MHD_Result answer_self(struct MHD_Connection *c, unsigned status, const char *why) {
  char body[512];
  struct MHD_Response *r;
  enum MHD_Result ret;
  json_t *j = json_pack("{s:s,s:s}", "error", "conform_proxy", "error_description", why);
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  int n = snprintf(body, sizeof(body), "%s", s ? s : "{\"error\":\"conform_proxy\"}");
  free(s);
  json_decref(j);
  r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "application/json");
  ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

static void count(cfm_proxy *p, size_t *field) {
  pthread_mutex_lock(&p->lock);
  (*field)++;
  pthread_mutex_unlock(&p->lock);
}

/* Passes the upstream's answer in x back to the client. */
static enum MHD_Result answer_upstream(struct MHD_Connection *c, const cfm__px_exchange *x,
                                       char **hdrs) {
  struct MHD_Response *r;
  enum MHD_Result ret;
  size_t i;
  r = MHD_create_response_from_buffer(x->res_len, x->res_body, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  for (i = 0; hdrs && hdrs[i]; i++) {
    char *colon = strchr(hdrs[i], ':');
    const char *v = colon + 1;
    *colon = '\0';
    while (*v == ' ' || *v == '\t')
      v++;
    MHD_add_response_header(r, hdrs[i], v);
    *colon = ':';
  }
  ret = MHD_queue_response(c, (unsigned)x->status, r);
  MHD_destroy_response(r);
  return ret;
}

/* The exchange of a complete request, ready to forward (body taken from
 * r).  NULL when out of memory. */
static cfm__px_exchange *exchange_new(const char *method, const char *base, px_req *r,
                                      hdr_list *h) {
  cfm__px_exchange *x = calloc(1, sizeof(*x));
  size_t bn = strlen(base), un = strlen(r->uri);
  if (!x)
    return NULL;
  while (bn && base[bn - 1] == '/')
    bn--;
  x->method = strdup(method);
  x->url = malloc(bn + un + 2);
  if (!x->method || !x->url) {
    cfm__px_exchange_free(x);
    return NULL;
  }
  memcpy(x->url, base, bn);
  snprintf(x->url + bn, un + 2, "%s%s", r->uri[0] == '/' ? "" : "/", r->uri);
  x->headers = h->v;
  h->v = NULL;
  if (r->body.len ||
      (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "DELETE"))) {
    x->req_body = r->body.data ? r->body.data : calloc(1, 1);
    x->req_len = r->body.len;
    r->body.data = NULL;
    if (!x->req_body) {
      cfm__px_exchange_free(x);
      return NULL;
    }
  }
  return x;
}

static enum MHD_Result forward(cfm_proxy *p, struct MHD_Connection *c, px_req *r,
                               const char *method) {
  hdr_list h = {NULL, 0, 0};
  const char *base;
  cfm__px_exchange *x;
  char **res_hdrs = NULL;
  enum MHD_Result ret;
  if (r->too_big) {
    count(p, &p->stats.refused);
    return answer_self(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body over the proxy's cap");
  }
  if (!(base = route(p, method, r->uri))) {
    count(p, &p->stats.refused);
    return answer_self(c, MHD_HTTP_BAD_GATEWAY, "no upstream for this path");
  }
  if (!(h.v = calloc(MAX_REQ_HEADERS, sizeof(char *))))
    return MHD_NO;
  MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &h);
  x = h.failed ? NULL : exchange_new(method, base, r, &h);
  cfm__px_strv_free(h.v);
  if (!x) {
    count(p, &p->stats.refused);
    return answer_self(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                       "too many request headers, or out of memory");
  }
  if (cfm__proxy_forward(p, x->url, (const char *const *)x->headers, x, &res_hdrs) != CFM_EOK) {
    ret = answer_self(c, x->error == CFM_ETIMEOUT ? MHD_HTTP_GATEWAY_TIMEOUT : MHD_HTTP_BAD_GATEWAY,
                      x->error_text);
    count(p, &p->stats.upstream_errors);
  } else {
    ret = answer_upstream(c, x, res_hdrs);
  }
  cfm__px_strv_free(res_hdrs);
  count(p, &p->stats.forwarded);
  r->x = x; /* queued by on_completed */
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state) {
  cfm_proxy *p = cls;
  px_req *r = *state;
  (void)url;
  (void)version;
  if (!r)
    return MHD_NO; /* out of memory when the request line came */
  if (!r->started) {
    r->started = 1;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!r->too_big && cfm_buf_add(&r->body, upload, *upload_size) != CFM_EOK)
      r->too_big = 1; /* read the rest, then answer 413 */
    *upload_size = 0;
    return MHD_YES;
  }
  return forward(p, c, r, method);
}

/* ---- start and stop -------------------------------------------------------------- */

/* The listen address: IPv4 ("127.0.0.1") or IPv6 ("::1", no brackets);
 * loopback unless --allow-remote. */
static int check_listen(cfm_proxy *p, struct sockaddr_storage *ss, cfm_error_t *err) {
  const char *host = p->opt.listen_host ? p->opt.listen_host : "127.0.0.1";
  struct sockaddr_in *sa = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)ss;
  int loopback;
  memset(ss, 0, sizeof(*ss));
  snprintf(p->host, sizeof(p->host), "%s", host);
  if (strchr(host, ':')) {
    sa6->sin6_family = AF_INET6;
    sa6->sin6_port = htons(p->opt.port);
    if (inet_pton(AF_INET6, host, &sa6->sin6_addr) != 1)
      return cfm_error_set(err, CFM_EUSAGE, "proxy", "", "--listen: '%s' is not an IPv6 address",
                           host);
    loopback = IN6_IS_ADDR_LOOPBACK(&sa6->sin6_addr);
  } else {
    sa->sin_family = AF_INET;
    sa->sin_port = htons(p->opt.port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
      return cfm_error_set(err, CFM_EUSAGE, "proxy", "",
                           "--listen: '%s' is not an IPv4 or IPv6 address", host);
    loopback = (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
  }
  if (!loopback && !p->opt.allow_remote)
    return cfm_error_set(err, CFM_EUSAGE, "proxy", "",
                         "--listen: '%s' is not a loopback address; listening there needs "
                         "--allow-remote (whoever reaches it can use your upstreams)",
                         host);
  return CFM_EOK;
}

static int upstreams(cfm_proxy *p, cfm_error_t *err) {
  size_t i;
  if (!(p->targets = json_object()))
    return cfm_error_set(err, CFM_ENOMEM, "proxy", "", "out of memory");
  for (i = 0; i < p->opt.cfg->count; i++) {
    const cfm_target *t = &p->opt.cfg->targets[i];
    if (t->base_url && json_object_set_new(p->targets, t->vendor, json_string(t->base_url)))
      return cfm_error_set(err, CFM_ENOMEM, "proxy", "", "out of memory");
  }
  if (!json_object_size(p->targets))
    return cfm_error_set(err, CFM_ECONFIG, "proxy", "",
                         "no upstream: give --upstream VENDOR=URL (or a config with base_url)");
  return CFM_EOK;
}

static void defaults(cfm_proxy_options *o) {
  if (!o->queue_cap)
    o->queue_cap = CFM_PROXY_QUEUE;
  if (!o->queue_bytes)
    o->queue_bytes = CFM_PROXY_QUEUE_BYTES;
  if (!o->max_body)
    o->max_body = CFM_PROXY_MAX_BODY;
  if (o->timeout_ms <= 0)
    o->timeout_ms = CFM_PROXY_TIMEOUT_MS;
}

static int listen_start(cfm_proxy *p, struct sockaddr_storage *sa, cfm_error_t *err) {
  const union MHD_DaemonInfo *info;
  struct MHD_Daemon *d;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
  errno = 0;
  if (sa->ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, p, MHD_OPTION_SOCK_ADDR,
                       (struct sockaddr *)sa, MHD_OPTION_CONNECTION_LIMIT, CFM_PROXY_CONNECTIONS,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_POOL,
                       MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, MHD_OPTION_URI_LOG_CALLBACK,
                       on_uri, p, MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
                       MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_END);
  if (!d) {
    int e = errno;
    return cfm_error_set(err, e == EADDRINUSE || e == EACCES ? CFM_EUSAGE : CFM_EINTERNAL, "proxy",
                         "", "cannot listen on %s%s%s:%u%s%s", strchr(p->host, ':') ? "[" : "",
                         p->host, strchr(p->host, ':') ? "]" : "", (unsigned)p->opt.port,
                         e ? ": " : "", e ? strerror(e) : "");
  }
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  p->port = info ? info->port : p->opt.port;
  p->daemon = d;
  return CFM_EOK;
}

static void proxy_free(cfm_proxy *p) {
  cfm__px_exchange *x;
  while ((x = p->head)) {
    p->head = x->next;
    cfm__px_exchange_free(x);
  }
  if (p->have_key)
    pthread_key_delete(p->curl_key);
  json_decref(p->targets);
  cfm_passive_stream_release(&p->stream);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

int cfm_proxy_start(const cfm_proxy_options *opt, cfm_proxy **out, cfm_error_t *err) {
  struct sockaddr_storage sa;
  cfm_proxy *p;
  int rc;
  *out = NULL;
  if (!(p = calloc(1, sizeof(*p))))
    return cfm_error_set(err, CFM_ENOMEM, "proxy", "", "out of memory");
  p->opt = *opt;
  defaults(&p->opt);
  p->held = opt->hold_judging;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if ((rc = check_listen(p, &sa, err)) || (rc = upstreams(p, err)))
    goto fail;
  if (cfm_passive_stream_init(&p->stream) != CFM_EOK || cfm__proxy_key_create(p) != CFM_EOK ||
      (p->opt.cfg && p->opt.cfg->source && /* --config: its declared accounts, as check */
       cfm_passive_stream_declare(&p->stream, p->opt.set, p->opt.cfg) != CFM_EOK)) {
    rc = cfm_error_set(err, CFM_ENOMEM, "proxy", "", "out of memory");
    goto fail;
  }
  if ((rc = listen_start(p, &sa, err)) != CFM_EOK)
    goto fail;
  if ((rc = cfm__proxy_judge_start(p)) != CFM_EOK) {
    MHD_stop_daemon(p->daemon);
    cfm_error_set(err, rc, "proxy", "", "cannot start the judging thread");
    goto fail;
  }
  *out = p;
  return CFM_EOK;
fail:
  proxy_free(p);
  return rc;
}

uint16_t cfm_proxy_port(const cfm_proxy *p) {
  return p ? p->port : 0;
}

void cfm_proxy_stop(cfm_proxy *p, cfm_proxy_stats *out) {
  if (!p)
    return;
  if (p->daemon)
    MHD_stop_daemon(p->daemon);
  cfm__proxy_judge_stop(p);
  if (out)
    *out = p->stats;
  proxy_free(p);
}
