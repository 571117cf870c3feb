/* The reference mock over real loopback HTTP (libcurl): each vendor's
 * convention, auth, documented errors, limits, robustness, concurrency. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conform/jsonutil.h"
#include "conform/mock.h"
#include "conform/usersig.h"

static cfm_mock *mock;
static char base[64];

static void up(void) {
  cfm_mock_config cfg;
  char err[256];
  cfm_mock_config_init(&cfg);
  cr_assert_eq(cfm_mock_start(&cfg, &mock, err, sizeof(err)), 0, "%s", err);
  snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)cfm_mock_port(mock));
}
static void down(void) {
  cfm_mock_stop(mock);
}

typedef struct resp {
  long status;
  char body[65536];
  size_t len;
} resp;

static size_t sink(char *p, size_t s, size_t n, void *u) {
  resp *r = u;
  size_t k = s * n, room = sizeof(r->body) - 1 - r->len;
  memcpy(r->body + r->len, p, k < room ? k : room);
  r->len += k < room ? k : room;
  r->body[r->len] = '\0';
  return k;
}

static json_t *call(const char *method, const char *path, const char *header, const char *body,
                    size_t body_len, long *status) {
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  char url[8192];
  static resp r;
  memset(&r, 0, sizeof(r));
  snprintf(url, sizeof(url), "%s%s", base, path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
  if (header)
    h = curl_slist_append(h, header);
  h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  cr_assert_eq(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  *status = r.status;
  return cfm_json_parse(r.body, r.len, sizeof(r.body), NULL, 0);
}

#define AG "Authorization: Bearer conform-demo-app-token"
#define APP "/app-id/conform-demo-app/chatgroups"

Test(mock, agora_create_public_forces_allowinvites, .init = up, .fini = down) {
  long st;
  char path[256];
  const char *b =
      "{\"groupname\":\"g\",\"public\":true,\"allowinvites\":true,\"owner\":\"conform-owner\"}";
  json_t *j = call("POST", APP, AG, b, strlen(b), &st), *d;
  cr_assert_eq(st, 200);
  snprintf(path, sizeof(path), APP "/%s", json_string_value(cfm_json_pointer(j, "/data/groupid")));
  json_decref(j);
  d = call("GET", path, AG, NULL, 0, &st);
  cr_assert_eq(st, 200);
  cr_assert(json_is_false(cfm_json_pointer(d, "/data/0/allowinvites")));
  json_decref(d);
  j = call("DELETE", path, AG, NULL, 0, &st);
  cr_assert_eq(st, 200);
  json_decref(j);
  j = call("GET", path, AG, NULL, 0, &st);
  cr_assert_eq(st, 404);
  cr_assert_str_eq(json_string_value(json_object_get(j, "error")), "resource_not_found");
  cr_assert(strstr(json_string_value(json_object_get(j, "error_description")), "does not exist!"));
  cr_assert_not_null(json_object_get(j, "exception"));
  json_decref(j);
}

Test(mock, agora_auth_limits_and_clamp, .init = up, .fini = down) {
  long st;
  json_t *j = call("GET", APP, "Authorization: Bearer nope", NULL, 0, &st);
  char body[2048], name[200];
  cr_assert_eq(st, 401);
  cr_assert_str_eq(json_string_value(json_object_get(j, "error")), "unauthorized");
  json_decref(j);
  memset(name, 'n', 129);
  name[129] = '\0';
  snprintf(body, sizeof(body),
           "{\"groupname\":\"%s\",\"public\":false,\"owner\":\"conform-owner\"}", name);
  j = call("POST", APP, AG, body, strlen(body), &st);
  cr_assert_eq(st, 400);
  json_decref(j);
  j = call("GET", APP "?limit=5000", AG, NULL, 0, &st);
  cr_assert_eq(st, 200, "limit above 1000 is served, not refused");
  json_decref(j);
  j = call("POST", APP, AG, "{\"public\":", 10, &st);
  cr_assert_eq(st, 400);
  json_decref(j);
}

Test(mock, tencent_200_convention_and_usersig, .init = up, .fini = down) {
  long st;
  char sig[CFM_USERSIG_MAX], path[CFM_USERSIG_MAX + 256];
  json_t *j;
  cfm_usersig_sign(1400000000u, "administrator", "conform-demo-secret-key", 23, (int64_t)time(NULL),
                   3600, sig, sizeof(sig));
  snprintf(path, sizeof(path),
           "/v4/group_open_http_svc/destroy_group?sdkappid=1400000000&identifier=administrator&"
           "usersig=%s&random=1&contenttype=json",
           sig);
  j = call("POST", path, NULL, "{\"GroupId\":\"@TGS#2NOPE\"}", 24, &st);
  cr_assert_eq(st, 200);
  cr_assert_eq(json_integer_value(json_object_get(j, "ErrorCode")), 10010);
  cr_assert_str_eq(json_string_value(json_object_get(j, "ActionStatus")), "FAIL");
  json_decref(j);
  j = call("POST", path, NULL, "{\"GroupId\":\"\"}", 14, &st);
  cr_assert_eq(json_integer_value(json_object_get(j, "ErrorCode")), 10015);
  json_decref(j);
  j = call("POST", path, NULL, "{bad", 4, &st);
  cr_assert_eq(st, 200);
  cr_assert_eq(json_integer_value(json_object_get(j, "ErrorCode")), 60003);
  json_decref(j);
  j = call("POST",
           "/v4/group_open_http_svc/"
           "destroy_group?sdkappid=1400000000&identifier=administrator&usersig=broken&random=1&"
           "contenttype=json",
           NULL, "{}", 2, &st);
  cr_assert_eq(json_integer_value(json_object_get(j, "ErrorCode")), 70003);
  json_decref(j);
}

Test(mock, dingtalk_errors, .init = up, .fini = down) {
  long st;
  json_t *j =
      call("DELETE", "/v1.0/rooms/groups/5?unionId=conform-admin-union", NULL, NULL, 0, &st);
  cr_assert_eq(st, 400);
  cr_assert_str_eq(json_string_value(json_object_get(j, "code")),
                   "AuthenticationFailed.MissingParameter");
  json_decref(j);
  j = call("DELETE", "/v1.0/rooms/groups/5",
           "x-acs-dingtalk-access-token: conform-demo-access-token", NULL, 0, &st);
  cr_assert_str_eq(json_string_value(json_object_get(j, "code")), "param.error");
  json_decref(j);
  j = call("DELETE", "/v1.0/rooms/groups/5?unionId=conform-user-union",
           "x-acs-dingtalk-access-token: conform-demo-access-token", NULL, 0, &st);
  cr_assert_str_eq(json_string_value(json_object_get(j, "code")), "user.not.admin");
  json_decref(j);
  j = call("DELETE", "/v1.0/rooms/groups/5?unionId=conform-admin-union",
           "x-acs-dingtalk-access-token: conform-demo-access-token", NULL, 0, &st);
  cr_assert_eq(st, 400);
  cr_assert_str_eq(json_string_value(json_object_get(j, "code")), "group.not.found");
  cr_assert_not_null(json_object_get(j, "requestid"));
  json_decref(j);
}

Test(mock, oversized_body_and_unknown_path, .init = up, .fini = down) {
  long st;
  size_t n = (1u << 20) + 100;
  char *big = malloc(n);
  json_t *j;
  memset(big, ' ', n);
  j = call("POST", APP, AG, big, n, &st);
  cr_assert_eq(st, 413);
  json_decref(j);
  free(big);
  j = call("GET", "/nothing/here", NULL, NULL, 0, &st);
  cr_assert_eq(st, 404);
  json_decref(j);
}

static void *client(void *arg) {
  int i, ok = 0;
  (void)arg;
  for (i = 0; i < 30; i++) {
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, AG);
    char url[128];
    long st = 0;
    FILE *null = fopen("/dev/null", "w");
    snprintf(url, sizeof(url), "%s" APP "?limit=3", base);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
    if (curl_easy_perform(c) == CURLE_OK) {
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
      ok += st == 200;
    }
    fclose(null);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
  }
  return ok == 30 ? arg : NULL;
}

Test(mock, concurrent_clients, .init = up, .fini = down) {
  pthread_t t[4];
  static int ids[4];
  void *r;
  int i;
  for (i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, client, &ids[i]);
  for (i = 0; i < 4; i++) {
    pthread_join(t[i], &r);
    cr_assert_not_null(r);
  }
}

Test(mock, faults_are_listed_and_checked) {
  const cfm_mock_fault *f;
  size_t n = 0;
  cfm_mock_config cfg;
  cfm_mock *m;
  char err[256];
  const char *bad[] = {"no-such-fault", NULL};
  for (f = cfm_mock_faults(); f->name; f++) {
    cr_assert(f->statement && strlen(f->statement) > 10);
    n++;
  }
  cr_assert_geq(n, 30);
  cfm_mock_config_init(&cfg);
  cfg.faults = bad;
  cr_assert_eq(cfm_mock_start(&cfg, &m, err, sizeof(err)), -1);
  cr_assert(strstr(err, "no-such-fault") != NULL);
}

/* With --rate-limits the documented call rates are enforced in each
 * vendor's way: Agora 429 reach_limit, Tencent ErrorCode 60007 in a 200. */
Test(mock, throttling_when_rate_limits_are_enforced) {
  cfm_mock_config cfg;
  cfm_mock *m;
  char err[256], sig[CFM_USERSIG_MAX], url[CFM_USERSIG_MAX + 256];
  int i, agora_429 = 0, tencent_60007 = 0;
  cfm_mock_config_init(&cfg);
  cfg.enforce_rate_limits = 1;
  cr_assert_eq(cfm_mock_start(&cfg, &m, err, sizeof(err)), 0, "%s", err);
  cfm_usersig_sign(1400000000u, "administrator", "conform-demo-secret-key", 23, (int64_t)time(NULL),
                   3600, sig, sizeof(sig));
  snprintf(url, sizeof(url),
           "/v4/group_open_http_svc/destroy_group?sdkappid=1400000000&identifier=administrator&"
           "usersig=%s&random=1&contenttype=json",
           sig);
  for (i = 0; i < 400; i++) {
    int status;
    char *body;
    size_t len;
    const char *ct;
    cfm_mock_handle(m, "GET", APP, AG "\n", "", 0, &status, &body, &len, &ct);
    if (status == 429 && strstr(body, "reach_limit"))
      agora_429++;
    free(body);
    cfm_mock_handle(m, "POST", url, "", "{\"GroupId\":\"@TGS#2X\"}", 21, &status, &body, &len, &ct);
    if (status == 200 && strstr(body, "60007"))
      tencent_60007++;
    free(body);
  }
  cfm_mock_stop(m);
  /* 400 calls in well under a second exceed 100/s and 200/s. */
  cr_assert_gt(agora_429, 0);
  cr_assert_gt(tencent_60007, 0);
}

/* ---- hostile clients (issue 16) ------------------------------------------------ */

/* Sends raw bytes on a fresh loopback connection and reads the answer
 * until the server closes (closed = 1) or 2 s pass (closed = 0). */
static void raw_exchange(const char *req, size_t len, char *out, size_t cap, int *closed) {
  struct sockaddr_in sa;
  struct timeval tv = {2, 0};
  size_t got = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(cfm_mock_port(mock));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  cr_assert_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
  *closed = 0;
  while (got + 1 < cap) {
    ssize_t n = recv(fd, out + got, cap - 1 - got, 0);
    if (n == 0)
      *closed = 1;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  out[got] = '\0';
  close(fd);
}

Test(mock, ambiguous_framing_is_refused_and_closed, .init = up, .fini = down) {
  static const char both[] = "POST " APP " HTTP/1.1\r\nHost: x\r\n" AG "\r\n"
                             "Content-Type: application/json\r\nContent-Length: 4\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
                             "GET " APP " HTTP/1.1\r\nHost: x\r\n" AG "\r\n\r\n";
  static const char two[] = "POST " APP " HTTP/1.1\r\nHost: x\r\n" AG "\r\n"
                            "Content-Type: application/json\r\nContent-Length: 2\r\n"
                            "Content-Length: 40\r\n\r\n{}";
  char out[8192];
  int closed;
  raw_exchange(both, sizeof(both) - 1, out, sizeof(out), &closed);
  cr_assert(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
  cr_assert(closed, "the connection must be closed after the 400");
  cr_assert_null(strstr(out + 12, "HTTP/1.1 "), "a smuggled second request was answered: %s", out);
  raw_exchange(two, sizeof(two) - 1, out, sizeof(out), &closed);
  cr_assert(strncmp(out, "HTTP/1.1 400", 12) == 0, "%s", out);
  cr_assert(closed, "the connection must be closed after the 400");
}

Test(mock, non_utf8_paths_get_the_vendors_error_not_500, .init = up, .fini = down) {
  static const char *const reqs[] = {
      "GET " APP "/\xff\xfe HTTP/1.1\r\nHost: x\r\n" AG "\r\n\r\n",
      "GET " APP "/%ff%fe HTTP/1.1\r\nHost: x\r\n" AG "\r\n\r\n",
      "GET /app-id/%ff/chatgroups HTTP/1.1\r\nHost: x\r\n" AG "\r\n\r\n",
      "DELETE /v1.0/im/%c0%af/groups HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  char out[8192];
  size_t i;
  int closed;
  for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
    raw_exchange(reqs[i], strlen(reqs[i]), out, sizeof(out), &closed);
    cr_assert(strncmp(out, "HTTP/1.1 404", 12) == 0 || strncmp(out, "HTTP/1.1 400", 12) == 0,
              "request %zu: %s", i, out);
  }
  /* a literal '%' in an id is not decoded twice */
  {
    static const char pct[] = "GET " APP "/%25ff HTTP/1.1\r\nHost: x\r\n" AG "\r\n\r\n";
    raw_exchange(pct, sizeof(pct) - 1, out, sizeof(out), &closed);
  }
  cr_assert(strstr(out, "grpID %ff does not exist") != NULL, "%s", out);
}

/* 1,100 slowloris connections (more than the old fixed cap of 1,024) stay
 * open while an ordinary client is still answered. */
Test(mock, slow_clients_leave_room_for_ordinary_ones) {
  enum { SLOW = 1100 };
  static int fds[SLOW];
  struct rlimit rl;
  struct sockaddr_in sa;
  long st;
  json_t *j;
  int i;
  cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2 * SLOW + 256)
    cr_skip_test("RLIMIT_NOFILE hard limit %lu is below %d", (unsigned long)rl.rlim_max,
                 2 * SLOW + 256);
  rl.rlim_cur = rl.rlim_max;
  cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
  up(); /* the cap follows the descriptor limit */
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons(cfm_mock_port(mock));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (i = 0; i < SLOW; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fds[i], 0);
    cr_assert_eq(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(send(fds[i], "GET / HTTP/1.1\r\nX-a: ", 21, MSG_NOSIGNAL), 21);
  }
  usleep(200 * 1000); /* let the listener accept them all before the ordinary client */
  j = call("GET", APP "?limit=1", AG, NULL, 0, &st);
  cr_assert_eq(st, 200);
  json_decref(j);
  for (i = 0; i < SLOW; i++)
    close(fds[i]);
  down();
}

/* `conform mock --listen` refuses bad values with exit 2 and a reason. */
Test(mock, bad_listen_values_exit_2) {
  static const char *const bad[] = {
      "0.0.0.0:0", "garbage", "127.0.0.1:", "127.0.0.1:99999", "localhost:80", "10.0.0.1:8080"};
  char cmd[512], line[512];
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    FILE *p;
    int st;
    snprintf(cmd, sizeof(cmd), "%s mock --listen '%s' 2>&1", CONFORM_BIN, bad[i]);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    line[0] = '\0';
    cr_assert_not_null(fgets(line, sizeof(line), p), "%s: no message", bad[i]);
    st = pclose(p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s: status %d (%s)", bad[i], st, line);
    cr_assert(strstr(line, "conform: error: ") == line, "%s: %s", bad[i], line);
  }
}

Test(mock, a_port_in_use_exits_2, .init = up, .fini = down) {
  char cmd[512], line[512] = "";
  FILE *p;
  int st;
  snprintf(cmd, sizeof(cmd), "%s mock --listen 127.0.0.1:%u 2>&1", CONFORM_BIN,
           (unsigned)cfm_mock_port(mock));
  p = popen(cmd, "r");
  cr_assert_not_null(p);
  cr_assert_not_null(fgets(line, sizeof(line), p));
  st = pclose(p);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %d (%s)", st, line);
  cr_assert(strstr(line, "in use") != NULL, "%s", line);
}
