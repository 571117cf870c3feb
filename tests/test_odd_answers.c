/* Odd answers of a hostile target (issue 16): redirects are judged
 * `error` "redirect to <Location> not followed" (deliver 5): the executor
 * keeps the Location of 301/302/307 answers, bounded and with control
 * bytes replaced, and a run's reports show it with any secret it echoes
 * redacted; a gzip bomb stops at the body cap ("what held").  A loopback
 * server answers every request with one canned response. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zlib.h>

#include "conform/error.h"
#include "conform/exec.h"
#include "conform/runner.h"

#define TOKEN "rdr-token-7f3a9c2e51b84d06a1e2"

typedef struct canned {
  int fd;
  unsigned short port;
  char response[65536];
  size_t len;
  pthread_t thread;
} canned;

/* Answers each connection's requests with the canned response (bounded:
 * 2 s per read, at most 10 000 connections). */
static void *serve(void *arg) {
  canned *s = arg;
  int conns;
  for (conns = 0; conns < 10000; conns++) {
    char buf[16384];
    struct timeval tv = {2, 0};
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      return NULL;
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (recv(c, buf, sizeof(buf), 0) > 0)
      if (send(c, s->response, s->len, MSG_NOSIGNAL) < 0)
        break;
    close(c);
  }
  return NULL;
}

static void listen_on(canned *s) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  cr_assert_eq(listen(s->fd, 64), 0);
  getsockname(s->fd, (struct sockaddr *)&sa, &len);
  s->port = ntohs(sa.sin_port);
  cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void start(canned *s, long status, const char *location) {
  memset(s, 0, sizeof(*s));
  snprintf(s->response, sizeof(s->response),
           "HTTP/1.1 %ld Moved\r\nLocation: %s\r\nContent-Type: text/html\r\n"
           "Content-Length: 9\r\n\r\n<a>x</a>\n",
           status, location);
  s->len = strlen(s->response);
  listen_on(s);
}

static void stop(canned *s) {
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->thread, NULL);
}

typedef struct got {
  long status;
  char location[CFM_EXEC_MAX_LOCATION + 8];
  int has_location;
} got;

static void done(void *user, const cfm_http_response *res) {
  got *g = user;
  g->status = res->status;
  g->has_location = res->location != NULL;
  snprintf(g->location, sizeof(g->location), "%s", res->location ? res->location : "");
}

/* One GET to the server s with a body cap; done(user, res) is called. */
static void get_once(const canned *s, size_t cap, cfm_exec_done_fn fn, void *user) {
  cfm_exec_options opt;
  cfm_exec *ex;
  cfm_http_request req;
  char url[64];
  cfm_exec_options_init(&opt);
  opt.timeout_ms = 10000;
  if (cap)
    opt.max_response_bytes = cap;
  ex = cfm_exec_new(&opt);
  cr_assert_not_null(ex);
  memset(&req, 0, sizeof(req));
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", s->port);
  req.method = "GET";
  req.url = url;
  cr_assert_eq(cfm_exec_submit(ex, &req, fn, user), CFM_EOK);
  cfm_exec_run(ex);
  cfm_exec_free(ex);
}

static got fetch(long status, const char *location) {
  canned s;
  got g;
  memset(&g, 0, sizeof(g));
  start(&s, status, location);
  get_once(&s, 0, done, &g);
  stop(&s);
  return g;
}

static void bomb_done(void *user, const cfm_http_response *res) {
  *(int *)user = res->error;
}

Test(odd_answers, the_location_of_301_302_307_is_kept) {
  static const long codes[] = {301, 302, 307};
  size_t i;
  for (i = 0; i < 3; i++) {
    got g = fetch(codes[i], "https://elsewhere.example/api?x=1");
    cr_assert_eq(g.status, codes[i]);
    cr_assert(g.has_location);
    cr_assert_str_eq(g.location, "https://elsewhere.example/api?x=1");
  }
}

Test(odd_answers, a_hostile_location_is_bounded_and_loses_control_bytes) {
  char big[2000];
  got g = fetch(302, "http://a.example/\x1b]0;title\x07\x1b[2J\x01z");
  cr_assert_str_eq(g.location, "http://a.example/?]0;title??[2J?z");
  memset(big, 'b', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  memcpy(big, "http://", 7);
  g = fetch(301, big);
  cr_assert_eq(strlen(g.location), CFM_EXEC_MAX_LOCATION, "cut at the cap");
  cr_assert_eq(strncmp(g.location, big, CFM_EXEC_MAX_LOCATION), 0);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *text;
  long n;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = calloc(1, (size_t)n + 1);
  if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
    free(text);
    text = NULL;
  }
  fclose(f);
  return text;
}

/* A whole run against a target that redirects to a URL echoing the token:
 * every verdict is error "redirect to <Location> not followed", and the
 * report shows the Location with the token redacted. */
Test(odd_answers, a_run_reports_the_location_with_secrets_redacted, .timeout = 120) {
  canned s;
  cfm_specset specs;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char dir[] = "/tmp/conform-redirect-XXXXXX", cfgtext[600], path[700], *report;
  FILE *devnull = fopen("/dev/null", "w");
  start(&s, 302, "http://127.0.0.1:1/steal?t=" TOKEN "&x=\x1b[31mred");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(cfgtext, sizeof(cfgtext),
           "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%u\","
           " \"credentials\": {\"app_token\": {\"env\": \"CFM_REDIRECT_TOKEN\"}}}}}",
           s.port);
  setenv("CFM_REDIRECT_TOKEN", TOKEN, 1);
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "redirect.json", cfgtext, strlen(cfgtext), &err), CFM_EOK,
               "%s", err.text);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 4;
  opt.vendor = "agora-chat";
  opt.filter = "agora-chat.get_group.*";
  opt.reports_dir = dir;
  opt.term = devnull;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_gt(res.counts[CFM_VERDICT_ERROR], 0);
  snprintf(path, sizeof(path), "%s/report.json", res.run_dir);
  report = slurp(path);
  cr_assert_not_null(report, "%s", path);
  cr_assert_not_null(strstr(report, "redirect to http://127.0.0.1:1/steal?t="), "%.600s", report);
  cr_assert_not_null(strstr(report, "not followed (HTTP 302)"));
  cr_assert_null(strstr(report, "rdr-token-7f3a"), "the token is redacted");
  cr_assert_null(strstr(report, "\\u001b"), "no escape sequence from the target");
  free(report);
  fclose(devnull);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  stop(&s);
  snprintf(path, sizeof(path), "rm -rf '%s'", dir);
  cr_assert_eq(system(path), 0);
}

/* 32 MiB of JSON-looking zeros, gzip'd into a few dozen KiB: the decoded
 * body stops at the cap as CFM_ETOOBIG, memory bounded. */
Test(odd_answers, a_gzip_bomb_stops_at_the_body_cap) {
  canned s;
  z_stream z;
  static unsigned char zeros[1 << 20];
  char head[256];
  unsigned char *gz = malloc(1 << 20);
  size_t i, n;
  int error = 0;
  cr_assert_not_null(gz);
  memset(&z, 0, sizeof(z));
  cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
  memset(zeros, '0', sizeof(zeros));
  z.next_out = gz;
  z.avail_out = 1 << 20;
  for (i = 0; i < 32; i++) {
    z.next_in = zeros;
    z.avail_in = sizeof(zeros);
    cr_assert_neq(deflate(&z, i == 31 ? Z_FINISH : Z_NO_FLUSH), Z_STREAM_ERROR);
  }
  n = (1 << 20) - z.avail_out;
  deflateEnd(&z);
  memset(&s, 0, sizeof(s));
  snprintf(head, sizeof(head),
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
           "Content-Length: %zu\r\n\r\n",
           n);
  cr_assert_lt(strlen(head) + n, sizeof(s.response), "the bomb is small: %zu bytes", n);
  memcpy(s.response, head, strlen(head));
  memcpy(s.response + strlen(head), gz, n);
  s.len = strlen(head) + n;
  free(gz);
  listen_on(&s);
  get_once(&s, 1 << 20, bomb_done, &error);
  stop(&s);
  cr_assert_eq(error, CFM_ETOOBIG, "error %d", error);
}
