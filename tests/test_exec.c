/* The executor against hostile servers on loopback: one that does not
 * listen, one that answers garbage, HTML, an endless body, one that hangs,
 * and throttling.  Every run ends in bounded time with the right error. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conform/error.h"
#include "conform/exec.h"

typedef enum { GARBAGE, HTML, ENDLESS, HANG, THROTTLE_THEN_OK, OK, BIG_HEADER } behaviour;

typedef struct server {
  int fd;
  unsigned short port;
  behaviour how;
  int conns;
  int requests;
  pthread_t thread;
} server;

typedef struct conn {
  server *s;
  int fd;
} conn;

/* One connection: answers each request as the server's behaviour says. */
static void *serve_conn(void *arg) {
  conn *cn = arg;
  server *s = cn->s;
  int c = cn->fd;
  char buf[8192];
  free(cn);
  for (;;) {
    ssize_t n = recv(c, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    __atomic_add_fetch(&s->requests, 1, __ATOMIC_SEQ_CST);
    if (s->how == GARBAGE) {
      send(c, "\x01\x02garbage\r\n\r\n", 13, MSG_NOSIGNAL);
      break;
    } else if (s->how == HTML) {
      const char r[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: "
                       "21\r\n\r\n<html>gateway</html>\n";
      send(c, r, sizeof(r) - 1, MSG_NOSIGNAL);
    } else if (s->how == ENDLESS) {
      const char h[] =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n";
      static char chunk[65536];
      memset(chunk, 'x', sizeof(chunk));
      send(c, h, sizeof(h) - 1, MSG_NOSIGNAL);
      while (send(c, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
        ;
      break;
    } else if (s->how == BIG_HEADER) {
      /* One header line of 1 MiB: over libcurl's CURL_MAX_HTTP_HEADER. */
      static char line[1 << 20];
      const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Big: ";
      memset(line, 'a', sizeof(line));
      send(c, h, sizeof(h) - 1, MSG_NOSIGNAL);
      send(c, line, sizeof(line), MSG_NOSIGNAL);
      {
        const char t[] = "\r\nContent-Length: 2\r\n\r\n{}";
        send(c, t, sizeof(t) - 1, MSG_NOSIGNAL);
      }
      break;
    } else if (s->how == HANG) {
      sleep(3);
      break;
    } else if (s->how == THROTTLE_THEN_OK && s->requests < 3) {
      const char r[] = "HTTP/1.1 429 Too Many\r\nRetry-After: 0\r\nContent-Length: 2\r\n\r\n{}";
      send(c, r, sizeof(r) - 1, MSG_NOSIGNAL);
    } else {
      const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                       "11\r\n\r\n{\"ok\":true}";
      send(c, r, sizeof(r) - 1, MSG_NOSIGNAL);
    }
  }
  close(c);
  return NULL;
}

static void *serve(void *arg) {
  server *s = arg;
  for (;;) {
    pthread_t t;
    conn *cn;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      return NULL;
    __atomic_add_fetch(&s->conns, 1, __ATOMIC_SEQ_CST);
    cn = malloc(sizeof(*cn));
    cn->s = s;
    cn->fd = c;
    if (pthread_create(&t, NULL, serve_conn, cn) == 0)
      pthread_detach(t);
  }
}

static void start(server *s, behaviour how) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int one = 1;
  memset(s, 0, sizeof(*s));
  s->how = how;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  cr_assert_eq(listen(s->fd, 16), 0);
  getsockname(s->fd, (struct sockaddr *)&sa, &len);
  s->port = ntohs(sa.sin_port);
  pthread_create(&s->thread, NULL, serve, s);
  pthread_detach(s->thread);
}

typedef struct got {
  int error;
  long status;
  size_t len;
  unsigned attempts;
  char ctype[64];
  char text[256];
  int calls;
} got;

static void done(void *user, const cfm_http_response *res) {
  got *g = user;
  g->error = res->error;
  g->status = res->status;
  g->len = res->len;
  g->attempts = res->attempts;
  snprintf(g->ctype, sizeof(g->ctype), "%s", res->content_type);
  snprintf(g->text, sizeof(g->text), "%s", res->error_text);
  g->calls++;
}

static got fetch(unsigned short port, long timeout_ms, size_t cap) {
  cfm_exec_options opt;
  cfm_exec *ex;
  cfm_http_request req;
  char url[64];
  got g;
  memset(&g, 0, sizeof(g));
  cfm_exec_options_init(&opt);
  opt.timeout_ms = timeout_ms;
  opt.max_response_bytes = cap;
  opt.backoff_ms = 10;
  ex = cfm_exec_new(&opt);
  memset(&req, 0, sizeof(req));
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", port);
  req.method = "GET";
  req.url = url;
  cr_assert_eq(cfm_exec_submit(ex, &req, done, &g), CFM_EOK);
  cfm_exec_run(ex);
  cfm_exec_free(ex);
  cr_assert_eq(g.calls, 1, "the callback runs exactly once");
  return g;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(exec, closed_port_is_a_network_error) {
  server s;
  unsigned short port;
  got g;
  start(&s, OK);
  port = s.port;
  shutdown(s.fd, SHUT_RDWR);
  close(s.fd);
  g = fetch(port, 2000, 1 << 20);
  cr_assert_eq(g.error, CFM_ENETWORK);
  cr_assert_eq(g.status, 0);
}

Test(exec, garbage_and_html) {
  server a, b;
  got g;
  start(&a, GARBAGE);
  g = fetch(a.port, 2000, 1 << 20);
  cr_assert_eq(g.error, CFM_ENETWORK, "garbage is not HTTP");
  start(&b, HTML);
  g = fetch(b.port, 2000, 1 << 20);
  cr_assert_eq(g.error, CFM_EOK);
  cr_assert_eq(g.status, 502);
  cr_assert_str_eq(g.ctype, "text/html");
  cr_assert_eq(g.len, 21);
}

Test(exec, endless_body_stops_at_the_cap) {
  server s;
  got g;
  start(&s, ENDLESS);
  g = fetch(s.port, 5000, 256 * 1024);
  cr_assert_eq(g.error, CFM_ETOOBIG);
  cr_assert_leq(g.len, 256 * 1024);
}

/* A header line over libcurl's limit is named as such, not "Out of
 * memory" (issue 16, deliver 5). */
Test(exec, an_oversized_header_line_says_so) {
  server s;
  got g;
  start(&s, BIG_HEADER);
  g = fetch(s.port, 5000, 1 << 20);
  cr_assert_eq(g.error, CFM_ENETWORK);
  cr_assert_not_null(strstr(g.text, "header line over"), "%s", g.text);
}

Test(exec, a_hanging_server_times_out) {
  server s;
  got g;
  double t0 = now_s();
  start(&s, HANG);
  g = fetch(s.port, 300, 1 << 20);
  cr_assert_eq(g.error, CFM_ETIMEOUT);
  cr_assert_lt(now_s() - t0, 2.5, "bounded by the timeout, not the server");
}

Test(exec, throttling_is_retried) {
  server s;
  got g;
  start(&s, THROTTLE_THEN_OK);
  g = fetch(s.port, 2000, 1 << 20);
  cr_assert_eq(g.error, CFM_EOK);
  cr_assert_eq(g.status, 200);
  cr_assert_eq(g.attempts, 3);
}

static void count(void *user, const cfm_http_response *res) {
  int *n = user;
  if (res->error == CFM_EOK && res->status == 200)
    (*n)++;
}

Test(exec, keep_alive_and_rate) {
  server s;
  cfm_exec_options opt;
  cfm_exec *ex;
  cfm_http_request req;
  char url[64];
  int ok = 0, i;
  double t0;
  start(&s, OK);
  cfm_exec_options_init(&opt);
  opt.concurrency = 4;
  ex = cfm_exec_new(&opt);
  memset(&req, 0, sizeof(req));
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", s.port);
  req.method = "GET";
  req.url = url;
  req.rate_key = "k";
  req.rate_per_s = 40;
  t0 = now_s();
  for (i = 0; i < 20; i++)
    cfm_exec_submit(ex, &req, count, &ok);
  cfm_exec_run(ex);
  cfm_exec_free(ex);
  cr_assert_eq(ok, 20);
  /* 20 requests at 40/s after a burst of at most 10 take at least ~0.25 s. */
  cr_assert_geq(now_s() - t0, 0.2);
  cr_assert_leq(s.conns, 4, "connections are reused (%d opened)", s.conns);
}
