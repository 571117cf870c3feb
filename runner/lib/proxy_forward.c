/* conform proxy — the upstream side: one blocking libcurl transfer per
 * client request, on the client connection's thread, with that thread's
 * easy handle (so its upstream connection is kept alive).  Owns header
 * filtering (hop-by-hop) and the response caps; knows nothing of MHD or
 * judging. */
#include "proxy_internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conform/buf.h"
#include "conform/error.h"

#define MAX_RES_HEADERS 128u

/* Hop-by-hop headers (RFC 9110 7.6.1) and those libcurl or libmicrohttpd
 * set for the next hop themselves. */
int cfm__proxy_hop_header(const char *name, size_t len) {
  static const char *const hop[] = {"connection",
                                    "keep-alive",
                                    "proxy-authenticate",
                                    "proxy-authorization",
                                    "proxy-connection",
                                    "te",
                                    "trailer",
                                    "transfer-encoding",
                                    "upgrade",
                                    "content-length",
                                    "host",
                                    "expect"};
  size_t i;
  for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
    if (strlen(hop[i]) == len && !strncasecmp(hop[i], name, len))
      return 1;
  return 0;
}

void cfm__px_strv_free(char **v) {
  size_t i;
  for (i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

typedef struct res_state {
  cfm_buf body;
  int too_big;
  char **hdrs;
  size_t nhdrs;
  int hdr_failed;
  char content_type[256];
  char content_encoding[64];
} res_state;

static size_t on_body(char *p, size_t size, size_t n, void *user) {
  res_state *s = user;
  if (cfm_buf_add(&s->body, p, size * n) != CFM_EOK) {
    s->too_big = 1;
    return 0; /* aborts the transfer */
  }
  return size * n;
}

static void hdrs_clear(res_state *s) {
  size_t i;
  for (i = 0; i < s->nhdrs; i++)
    free(s->hdrs[i]);
  s->nhdrs = 0;
  if (s->hdrs)
    s->hdrs[0] = NULL;
  s->content_type[0] = '\0';
  s->content_encoding[0] = '\0';
}

/* The value of a header line p (len bytes) whose name is name_len long. */
static void header_value(const char *p, size_t len, size_t name_len, char *out, size_t cap) {
  const char *v = p + name_len + 1;
  while (v < p + len && (*v == ' ' || *v == '\t'))
    v++;
  snprintf(out, cap, "%.*s", (int)(p + len - v), v);
}

static size_t on_header(char *p, size_t size, size_t n, void *user) {
  res_state *s = user;
  size_t len = size * n, name;
  char *line;
  if (len >= 5 && !strncmp(p, "HTTP/", 5)) { /* a new answer (after 100 Continue) */
    hdrs_clear(s);
    return len;
  }
  while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
    len--;
  name = 0;
  while (name < len && p[name] != ':')
    name++;
  if (name == len || name == 0 || cfm__proxy_hop_header(p, name))
    return size * n;
  if (s->nhdrs + 1 >= MAX_RES_HEADERS || !(line = malloc(len + 1))) {
    s->hdr_failed = 1;
    return size * n;
  }
  memcpy(line, p, len);
  line[len] = '\0';
  s->hdrs[s->nhdrs++] = line;
  s->hdrs[s->nhdrs] = NULL;
  if (name == 12 && !strncasecmp(p, "content-type", 12))
    header_value(p, len, name, s->content_type, sizeof(s->content_type));
  else if (name == 16 && !strncasecmp(p, "content-encoding", 16))
    header_value(p, len, name, s->content_encoding, sizeof(s->content_encoding));
  return size * n;
}

static void curl_free_handle(void *h) {
  curl_easy_cleanup(h);
}

/* The thread's easy handle (created on first use, freed with the thread). */
static CURL *thread_handle(cfm_proxy *p) {
  CURL *h = pthread_getspecific(p->curl_key);
  if (h) {
    curl_easy_reset(h);
    return h;
  }
  h = curl_easy_init();
  if (h && pthread_setspecific(p->curl_key, h) != 0) {
    curl_easy_cleanup(h);
    h = NULL;
  }
  return h;
}

int cfm__proxy_key_create(cfm_proxy *p) {
  if (pthread_key_create(&p->curl_key, curl_free_handle) != 0)
    return CFM_EINTERNAL;
  p->have_key = 1;
  return CFM_EOK;
}

static int add_line(struct curl_slist **l, const char *line) {
  struct curl_slist *n = curl_slist_append(*l, line);
  if (!n)
    return -1;
  *l = n;
  return 0;
}

/* The request headers for libcurl: the client's, and empty ones that stop
 * libcurl adding its own (Accept, Content-Type of a body, Expect). */
static struct curl_slist *request_headers(const char *const *hdrs, int *failed) {
  struct curl_slist *l = NULL;
  int accept = 0, ctype = 0, bad = 0;
  size_t i;
  for (i = 0; hdrs && hdrs[i] && !bad; i++) {
    const char *h = hdrs[i], *colon = strchr(h, ':');
    char tmp[1024];
    if (!colon)
      continue;
    accept |= (colon - h == 6 && !strncasecmp(h, "accept", 6));
    ctype |= (colon - h == 12 && !strncasecmp(h, "content-type", 12));
    if (!colon[1] || (colon[1] == ' ' && !colon[2])) { /* "Name;" sends an empty value */
      snprintf(tmp, sizeof(tmp), "%.*s;", (int)(colon - h) < 1000 ? (int)(colon - h) : 1000, h);
      bad = add_line(&l, tmp);
    } else {
      bad = add_line(&l, h);
    }
  }
  if (!bad && !accept)
    bad = add_line(&l, "Accept:");
  if (!bad && !ctype)
    bad = add_line(&l, "Content-Type:");
  if (!bad)
    bad = add_line(&l, "Expect:");
  *failed = bad;
  if (bad) {
    curl_slist_free_all(l);
    return NULL;
  }
  return l;
}

/* The target of the upstream url (its TLS settings), or NULL. */
static const cfm_target *upstream_of(const cfm_proxy *p, const char *url) {
  size_t i;
  for (i = 0; i < p->opt.cfg->count; i++) {
    const cfm_target *t = &p->opt.cfg->targets[i];
    if (t->base_url && !strncmp(url, t->base_url, strlen(t->base_url)))
      return t;
  }
  return NULL;
}

static int set_request(cfm_proxy *p, CURL *h, const char *url, struct curl_slist *l,
                       const cfm__px_exchange *x, res_state *s) {
  const cfm_target *t = upstream_of(p, url);
  CURLcode c = CURLE_OK;
  c |= curl_easy_setopt(h, CURLOPT_URL, url);
  c |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  c |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
  c |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, p->opt.timeout_ms);
  c |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  c |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  c |= curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
  c |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  c |= curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
  c |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (t && t->ca_file)
    c |= curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
  if (t && !t->verify_tls) {
    c |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    c |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!strcmp(x->method, "HEAD")) {
    c |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    c |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
    if (x->req_body) {
      c |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req_len);
      c |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->req_body);
    }
  }
  return c == CURLE_OK ? CFM_EOK : CFM_EINTERNAL;
}

static int fail(cfm__px_exchange *x, int code, const char *what, const char *detail) {
  x->error = code;
  snprintf(x->error_text, sizeof(x->error_text), "%s%s%s", what, detail[0] ? ": " : "", detail);
  return code;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Moves the answer from s into x. */
static int take_answer(CURL *h, res_state *s, cfm__px_exchange *x, char ***res_hdrs) {
  double secs = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->status);
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &secs);
  x->ms = secs * 1000.0;
  if (now_ms() - x->started_ms > x->ms) /* from the start the stream orders it by */
    x->ms = now_ms() - x->started_ms;
  snprintf(x->content_encoding, sizeof(x->content_encoding), "%s", s->content_encoding);
  if (!(x->content_type = strdup(s->content_type)))
    return fail(x, CFM_ENOMEM, "out of memory", "");
  x->res_len = s->body.len;
  x->res_body = s->body.data ? s->body.data : calloc(1, 1);
  s->body.data = NULL;
  if (!x->res_body)
    return fail(x, CFM_ENOMEM, "out of memory", "");
  *res_hdrs = s->hdrs;
  s->hdrs = NULL;
  s->nhdrs = 0;
  return CFM_EOK;
}

int cfm__proxy_forward(cfm_proxy *p, const char *url, const char *const *req_hdrs,
                       cfm__px_exchange *x, char ***res_hdrs) {
  CURL *h = thread_handle(p);
  struct curl_slist *l;
  res_state s;
  CURLcode c;
  int failed, rc;
  *res_hdrs = NULL;
  if (!h)
    return fail(x, CFM_ENOMEM, "cannot create a transfer", "");
  memset(&s, 0, sizeof(s));
  cfm_buf_init(&s.body, p->opt.max_body);
  if (!(s.hdrs = calloc(MAX_RES_HEADERS, sizeof(char *))))
    return fail(x, CFM_ENOMEM, "out of memory", "");
  l = request_headers(req_hdrs, &failed);
  x->started_ms = now_ms();
  if (failed || set_request(p, h, url, l, x, &s) != CFM_EOK) {
    rc = fail(x, CFM_ENOMEM, "cannot set up the transfer", "");
  } else if ((c = curl_easy_perform(h)) != CURLE_OK) {
    rc = s.too_big
             ? fail(x, CFM_ETOOBIG, "the upstream's answer is over the proxy's --max-body", "")
         : c == CURLE_OPERATION_TIMEDOUT
             ? fail(x, CFM_ETIMEOUT, "upstream timed out", curl_easy_strerror(c))
             : fail(x, CFM_ENETWORK, "upstream unreachable", curl_easy_strerror(c));
  } else if (s.hdr_failed) {
    rc = fail(x, CFM_ETOOBIG, "the upstream's answer has too many headers", "");
  } else {
    rc = take_answer(h, &s, x, res_hdrs);
  }
  curl_slist_free_all(l);
  hdrs_clear(&s);
  free(s.hdrs);
  cfm_buf_release(&s.body);
  return rc;
}
