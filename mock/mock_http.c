/* conform mock — the libmicrohttpd listener: collects each request's
 * headers, arguments and (capped) upload, then answers with
 * cfm_mock_handle. */
#include "mock_internal.h"

#include "conform/sanitize.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <strings.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

/* ---- libmicrohttpd --------------------------------------------------------- */

/* Per-connection memory: request line, headers and the send buffer (bodies
 * are kept in a conn_state buffer, answers sent from their own buffer).
 * 16 KiB holds any request the documents describe with room to spare; a
 * larger header block is answered 431 by libmicrohttpd.  (libmicrohttpd
 * clears the pool on every request, so a smaller pool is also faster.) */
#define MOCK_CONNECTION_POOL (16u * 1024u)

/* Slow and idle clients (docs/mock.md, "Hostile clients"): a connection
 * that sends nothing for MOCK_IDLE_TIMEOUT seconds is closed, and the cap
 * on open connections is as high as the file-descriptor limit allows (up
 * to MOCK_MAX_CONNECTIONS), so a thousand slowloris connections leave room
 * for ordinary clients.  No per-IP cap: every loopback client shares
 * 127.0.0.1, so a per-IP cap would starve the ordinary clients together
 * with the attacker. */
#define MOCK_IDLE_TIMEOUT 10u
#define MOCK_MAX_CONNECTIONS 16384u
#define MOCK_FD_RESERVE 64u /* descriptors left for the process itself */

typedef struct conn_state {
  cfm_buf body;
  int too_big;
} conn_state;

/* The request as cfm_mock_handle takes it: "url?args\0headers" in one
 * buffer (one allocation per request).  A failed append (past the cap)
 * sticks, and the request is refused. */
typedef struct req_text {
  cfm_buf b;
  int failed;
} req_text;

static void put(req_text *t, const char *p, size_t n) {
  if (!t->failed && cfm_buf_add(&t->b, p, n) != 0)
    t->failed = 1;
}

static void puts_(req_text *t, const char *s) {
  put(t, s, strlen(s));
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value) {
  req_text *t = cls;
  (void)kind;
  puts_(t, key);
  put(t, ": ", 2);
  if (value)
    puts_(t, value);
  put(t, "\n", 1);
  return t->failed ? MHD_NO : MHD_YES;
}

/* Appends s percent-encoded (runs of safe characters in one append). */
static void add_escaped(req_text *t, const char *s, const char *safe) {
  const char *run = s;
  char hex[4];
  for (; *s; s++) {
    if (isalnum((unsigned char)*s) || strchr(safe, *s))
      continue;
    if (s > run)
      put(t, run, (size_t)(s - run));
    snprintf(hex, sizeof(hex), "%%%02X", (unsigned char)*s);
    put(t, hex, 3);
    run = s + 1;
  }
  if (s > run)
    put(t, run, (size_t)(s - run));
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
  req_text *t = cls;
  (void)kind;
  if (t->failed)
    return MHD_NO;
  if (t->b.data[t->b.len - 1] != '?') /* the buffer holds "url?" and earlier arguments */
    put(t, "&", 1);
  add_escaped(t, key, "-_.~");
  if (value) {
    put(t, "=", 1);
    add_escaped(t, value, "-_.~,*");
  }
  return t->failed ? MHD_NO : MHD_YES;
}

/* Request framing that a proxy and the mock could read differently
 * (request smuggling): Content-Length with Transfer-Encoding, or two
 * Content-Lengths that disagree.  Counted over every header line. */
typedef struct framing {
  const char *length; /* the first Content-Length value */
  int lengths_differ;
  int chunked_too;
} framing;

static enum MHD_Result check_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
  framing *f = cls;
  (void)kind;
  if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
    f->chunked_too = 1;
  else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
    if (!f->length)
      f->length = value ? value : "";
    else if (strcmp(f->length, value ? value : ""))
      f->lengths_differ = 1;
  }
  return MHD_YES;
}

/* Answers 400 and closes the connection (the rest of its bytes are not
 * read as another request). */
static enum MHD_Result refuse_framing(struct MHD_Connection *c, const char *why) {
  char body[256];
  struct MHD_Response *r;
  enum MHD_Result ret;
  int n =
      snprintf(body, sizeof(body), "{\"error\":\"bad_request\",\"error_description\":\"%s\"}", why);
  r = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "application/json");
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  ret = MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, r);
  MHD_destroy_response(r);
  return ret;
}

/* Appends the URL path (libmicrohttpd has percent-decoded it) for
 * cfm_mock_handle, which decodes it once more: '%' is escaped again so
 * the second decoding gives back what the client sent, and every byte
 * that is not valid UTF-8 becomes an encoded U+FFFD.  The vendor handlers
 * put paths into JSON messages, where a non-UTF-8 one failed to
 * serialise (a 500); now they answer their own not-found error. */
static void put_path(req_text *t, const char *url) {
  const unsigned char *p = (const unsigned char *)url;
  size_t n = strlen(url);
  while (*p) {
    unsigned cp;
    size_t k = cfm_utf8_decode(p, n - (size_t)(p - (const unsigned char *)url), &cp);
    if (k == 1 && *p == '%') {
      put(t, "%25", 3);
    } else if (k) {
      put(t, (const char *)p, k);
    } else {
      put(t, "%EF%BF%BD", 9);
      k = 1;
    }
    p += k;
  }
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  cfm_mock *m = cls;
  conn_state *cs = *state;
  req_text text;
  size_t query_at, hdrs_at;
  int status = 500;
  char *resp_body = NULL;
  size_t resp_len = 0;
  const char *ctype = "application/json";
  struct MHD_Response *r;
  enum MHD_Result ret;
  (void)version;
  if (!cs) {
    framing fr = {NULL, 0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, check_framing, &fr);
    if (fr.length && fr.chunked_too)
      return refuse_framing(c, "Content-Length and Transfer-Encoding together");
    if (fr.lengths_differ)
      return refuse_framing(c, "conflicting Content-Length values");
    cs = calloc(1, sizeof(*cs));
    if (!cs)
      return MHD_NO;
    cfm_buf_init(&cs->body, m->cfg.max_body_bytes);
    *state = cs;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!cs->too_big && cfm_buf_add(&cs->body, upload, *upload_size) != 0)
      cs->too_big = 1; /* keep reading, answer once the upload ends */
    *upload_size = 0;
    return MHD_YES;
  }
  text.failed = 0;
  cfm_buf_init(&text.b, 128 * 1024);
  put_path(&text, url);
  query_at = text.b.len + 1;
  put(&text, "?", 1);
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &text);
  if (!text.failed && text.b.len == query_at) /* no arguments: drop the '?' */
    text.b.len--;
  put(&text, "", 1);
  hdrs_at = text.b.len;
  MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &text);
  put(&text, "", 1);
  if (text.failed) {
    cfm_buf_release(&text.b);
    return MHD_NO; /* past 128 KiB of headers and arguments (MHD caps them far lower) */
  }
  if (cs->too_big) {
    /* A body past the cap: the handlers answer in the vendor's way. */
    static const char marker[] = "";
    cfm_mock_handle(m, method, text.b.data, text.b.data + hdrs_at, marker,
                    m->cfg.max_body_bytes + 1, &status, &resp_body, &resp_len, &ctype);
  } else {
    cfm_mock_handle(m, method, text.b.data, text.b.data + hdrs_at,
                    cs->body.data ? cs->body.data : "", cs->body.len, &status, &resp_body,
                    &resp_len, &ctype);
  }
  cfm_buf_release(&text.b);
  r = MHD_create_response_from_buffer(resp_len, resp_body ? resp_body : (char *)"",
                                      resp_body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) {
    free(resp_body);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", ctype);
  if (status == 429)
    MHD_add_response_header(r, "Retry-After", "1");
  ret = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode code) {
  conn_state *cs = *state;
  (void)cls;
  (void)c;
  (void)code;
  if (cs) {
    cfm_buf_release(&cs->body);
    free(cs);
    *state = NULL;
  }
}

/* The connection cap: what the descriptor limit leaves, at most
 * MOCK_MAX_CONNECTIONS (at least 16). */
static unsigned connection_limit(void) {
  struct rlimit rl;
  rlim_t n = MOCK_MAX_CONNECTIONS;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    n = rl.rlim_cur > MOCK_FD_RESERVE + 16 ? rl.rlim_cur - MOCK_FD_RESERVE : 16;
  return n < MOCK_MAX_CONNECTIONS ? (unsigned)n : MOCK_MAX_CONNECTIONS;
}

int cfm_mock_start(const cfm_mock_config *cfg, cfm_mock **out, char *errbuf, size_t errcap) {
  cfm_mock *m;
  struct sockaddr_in sa;
  struct MHD_Daemon *d;
  const union MHD_DaemonInfo *info;
  *out = NULL;
  if (cfm__mock_new(cfg, &m, errbuf, errcap) != 0)
    return -1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(cfg->port);
  if (inet_pton(AF_INET, m->cfg.listen_host, &sa.sin_addr) != 1) {
    snprintf(errbuf, errcap, "cannot listen on '%s': not an IPv4 address", m->cfg.listen_host);
    cfm__mock_free(m);
    return -1;
  }
  if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
    snprintf(errbuf, errcap, "cannot listen on '%s': the mock serves loopback (127.0.0.0/8) only",
             m->cfg.listen_host);
    cfm__mock_free(m);
    return -1;
  }
  m->port = cfg->port; /* a fixed port is known before the first request */
  errno = 0;
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, m,
                       MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
                       MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MOCK_CONNECTION_POOL,
                       MHD_OPTION_CONNECTION_TIMEOUT, MOCK_IDLE_TIMEOUT,
                       MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED,
                       completed, m, MHD_OPTION_END);
  if (!d) {
    int e = errno;
    snprintf(errbuf, errcap, "cannot listen on %s:%u%s%s", m->cfg.listen_host, (unsigned)cfg->port,
             e ? ": " : "", e ? strerror(e) : "");
    cfm__mock_free(m);
    return -1;
  }
  /* The worker threads read m->port under the state lock.  With port 0 no
   * client can know the port before this function returns, so none can
   * be answered with the unset value. */
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  pthread_mutex_lock(&m->lock);
  m->port = info ? info->port : cfg->port;
  pthread_mutex_unlock(&m->lock);
  m->daemon = d;
  *out = m;
  return 0;
}

uint16_t cfm_mock_port(const cfm_mock *m) {
  return m ? m->port : 0;
}

void cfm_mock_stop(cfm_mock *m) {
  if (!m)
    return;
  if (m->daemon)
    MHD_stop_daemon(m->daemon);
  cfm__mock_free(m);
}
