/* Verdicts from canned responses: the fixture spec (tests/data/runner/)
 * run case by case against a loopback server that answers each route as
 * the test says.  pass / fail / warn / skip / error, the reason, the
 * provenance, redaction of the repro command; hostile targets (refused,
 * garbage, HTML, 1 GB body, hanging) end in `error` and exit code 4 in
 * bounded time. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conform/jsonutil.h"
#include "conform/runner.h"

#define FIXTURE CONFORM_TESTDATA_DIR "/runner/fixture.json"
#define TOKEN "fixture-secret-token-3141"

/* ---- a canned server ---------------------------------------------------------- */

typedef enum { ANSWER, GARBAGE, ENDLESS, HANG } how_t;

typedef struct route {
  const char *method; /* NULL = any */
  const char *path;   /* prefix of the path (query excluded) */
  int status;
  const char *content_type;
  const char *body;
  how_t how;
} route;

static route routes[8];
static size_t nroutes;
static how_t server_how = ANSWER; /* for every request, when not ANSWER */
static int lfd = -1;
static unsigned short port;

static void add_route(const char *method, const char *path, int status, const char *body) {
  route r = {method, path, status, "application/json", body, ANSWER};
  routes[nroutes++] = r;
}

static const route *match(const char *method, const char *path) {
  size_t i, best = 0, found = nroutes;
  for (i = 0; i < nroutes; i++) {
    size_t n = strlen(routes[i].path);
    if ((!routes[i].method || !strcmp(routes[i].method, method)) &&
        !strncmp(path, routes[i].path, n) && n >= best) {
      best = n;
      found = i;
    }
  }
  return found < nroutes ? &routes[found] : NULL;
}

static void answer(int c, int status, const char *ct, const char *body) {
  char head[512];
  int n =
      snprintf(head, sizeof(head),
               "HTTP/1.1 %d X\r\nContent-Type: %s\r\nRetry-After: 0\r\nContent-Length: %zu\r\n\r\n",
               status, ct, strlen(body));
  send(c, head, (size_t)n, MSG_NOSIGNAL);
  send(c, body, strlen(body), MSG_NOSIGNAL);
}

static void *serve_conn(void *arg) {
  int c = (int)(intptr_t)arg;
  char local[1 << 16];
  size_t have = 0;
  for (;;) {
    char *end, method[16], path[2048];
    size_t need;
    const char *cl;
    const route *r;
    ssize_t n;
    while (!(end = memmem(local, have, "\r\n\r\n", 4))) {
      if (have == sizeof(local))
        goto out;
      n = recv(c, local + have, sizeof(local) - have, 0);
      if (n <= 0)
        goto out;
      have += (size_t)n;
    }
    need = (size_t)(end + 4 - local);
    *end = '\0';
    cl = strcasestr(local, "content-length:");
    if (cl)
      need += strtoul(cl + 15, NULL, 10);
    while (have < need) {
      n = recv(c, local + have, sizeof(local) - have, 0);
      if (n <= 0)
        goto out;
      have += (size_t)n;
    }
    if (sscanf(local, "%15s %2047s", method, path) != 2)
      goto out;
    path[strcspn(path, "?")] = '\0';
    memmove(local, local + need, have - need);
    have -= need;
    if (server_how == GARBAGE) {
      send(c, "\x01\x02garbage\r\n\r\n", 13, MSG_NOSIGNAL);
      goto out;
    }
    if (server_how == HANG) {
      sleep(5);
      goto out;
    }
    if (server_how == ENDLESS) {
      static const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: "
                              "application/json\r\nContent-Length: 1073741824\r\n\r\n[";
      static char chunk[65536];
      memset(chunk, ' ', sizeof(chunk));
      send(c, h, sizeof(h) - 1, MSG_NOSIGNAL);
      while (send(c, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
        ;
      goto out;
    }
    r = match(method, path);
    if (r)
      answer(c, r->status, r->content_type, r->body);
    else
      answer(c, 500, "application/json", "{\"code\":\"NoRoute\",\"message\":\"no canned answer\"}");
  }
out:
  close(c);
  return NULL;
}

static void *serve(void *arg) {
  (void)arg;
  for (;;) {
    pthread_t t;
    int c = accept(lfd, NULL, NULL);
    if (c < 0)
      return NULL;
    if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)c) == 0)
      pthread_detach(t);
    else
      close(c);
  }
}

static void start_server(void) {
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  pthread_t t;
  int one = 1;
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(lfd, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
  cr_assert_eq(listen(lfd, 64), 0);
  getsockname(lfd, (struct sockaddr *)&a, &al);
  port = ntohs(a.sin_port);
  cr_assert_eq(pthread_create(&t, NULL, serve, NULL), 0);
  pthread_detach(t);
}

/* ---- running one case ------------------------------------------------------------ */

typedef struct outcome {
  char verdict[16];
  char reason[600];
  char repro[4096];
  char whole[1 << 20]; /* report.json, for redaction checks */
  json_t *prov;
  cfm_run_result res;
} outcome;

static outcome out;

static const char *verdict_names[] = {"pass", "fail", "warn", "skip", "error"};

/* Runs the fixture's cases matching filter against the canned server (or
 * at_port); fills `out` from the report of the first case. */
static void run_case(const char *filter, unsigned short at_port, long timeout_ms) {
  cfm_specset specs = {0};
  cfm_config cfg;
  cfm_run_options opt;
  cfm_error_t err;
  char dir[] = "/tmp/cfm-verdict-XXXXXX", url[128], path[1200];
  json_t *rep, *c;
  FILE *f;
  size_t n;
  cr_assert_not_null(mkdtemp(dir));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, FIXTURE, &err), CFM_EOK, "%s", err.text);
  cfm_config_init(&cfg);
  snprintf(url, sizeof(url), "fixture=http://127.0.0.1:%u", (unsigned)at_port);
  cr_assert_eq(cfm_config_set_target_url(&cfg, url, &err), CFM_EOK, "%s", err.text);
  json_object_set_new(cfm_config_target(&cfg, "fixture")->credentials, "access_token",
                      json_string(TOKEN));
  memset(&opt, 0, sizeof(opt));
  opt.filter = filter;
  opt.reports_dir = dir;
  opt.concurrency = 4;
  opt.timeout_ms = timeout_ms;
  memset(&out, 0, sizeof(out));
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &out.res, &err), CFM_EOK, "%s", err.text);
  cr_assert_geq(out.res.cases, 1, "no case matches %s", filter);
  snprintf(path, sizeof(path), "%s/report.json", out.res.run_dir);
  f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  n = fread(out.whole, 1, sizeof(out.whole) - 1, f);
  fclose(f);
  out.whole[n] = '\0';
  rep = cfm_json_parse(out.whole, n, sizeof(out.whole), NULL, 0);
  cr_assert_not_null(rep, "report.json is not JSON (or too big for the test)");
  c = json_array_get(json_object_get(rep, "cases"), 0);
  snprintf(out.verdict, sizeof(out.verdict), "%s",
           json_string_value(json_object_get(c, "verdict")));
  snprintf(out.reason, sizeof(out.reason), "%s", json_string_value(json_object_get(c, "reason")));
  snprintf(out.repro, sizeof(out.repro), "%s",
           json_string_value(json_object_get(c, "repro"))
               ? json_string_value(json_object_get(c, "repro"))
               : "");
  out.prov = json_incref(json_object_get(c, "provenance"));
  json_decref(rep);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  /* Best effort: leave no report behind. */
  {
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
      cr_log_warn("could not remove %s", dir);
  }
}

static void expect_verdict(const char *want) {
  cr_assert_str_eq(out.verdict, want, "verdict %s (%s), expected %s", out.verdict, out.reason,
                   want);
}

static const char *prov_section(void) {
  return json_string_value(json_object_get(out.prov, "section"));
}

#define CREATED "{\"id\":\"it-7\",\"name\":\"echo\"}"
#define DELETED "{\"result\":true}"

static void init(void) {
  nroutes = 0;
  server_how = ANSWER;
  start_server();
  add_route("POST", "/api/v1/items", 200, CREATED);
  add_route("DELETE", "/api/v1/items/", 200, DELETED);
}

static void fini(void) {
  json_decref(out.prov);
  out.prov = NULL;
  if (lfd >= 0)
    close(lfd);
  lfd = -1;
}

TestSuite(verdict, .init = init, .fini = fini, .timeout = 60);

/* ---- success expected ------------------------------------------------------------- */

Test(verdict, documented_answer_passes_and_secrets_are_redacted) {
  add_route("GET", "/api/v1/items/", 200, "{\"id\":\"it-7\",\"name\":\"box\",\"extra\":1}");
  run_case("fixture.get_item.example.doc", port, 5000);
  expect_verdict("pass");
  cr_assert_str_eq(prov_section(), "Get > example");
  cr_assert(strstr(out.repro, "curl ") == out.repro, "%s", out.repro);
  cr_assert(strstr(out.repro, "/api/v1/items/it-7"), "the set-up's id is used: %s", out.repro);
  cr_assert(strstr(out.repro, "REDACTED"), "%s", out.repro);
  cr_assert_null(strstr(out.whole, TOKEN), "the token leaked into report.json");
}

Test(verdict, schema_violation_fails_with_the_pointer) {
  add_route("GET", "/api/v1/items/", 200, "{\"id\":7,\"name\":\"box\"}");
  run_case("fixture.get_item.example.doc", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "/id"), "%s", out.reason);
  cr_assert_str_eq(prov_section(), "Get > response", "the response statement is cited");
}

Test(verdict, documented_max_length_in_the_response_schema) {
  add_route("GET", "/api/v1/items/", 200, "{\"id\":\"it-7\",\"name\":\"elevenchars\"}");
  run_case("fixture.get_item.example.doc", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "/name"), "%s", out.reason);
}

Test(verdict, error_where_success_is_documented_fails) {
  add_route("GET", "/api/v1/items/", 404,
            "{\"code\":\"ItemNotFound\",\"message\":\"item it-7 does not exist\"}");
  run_case("fixture.get_item.example.doc", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "ItemNotFound"), "%s", out.reason);
}

Test(verdict, failed_setup_skips) {
  nroutes = 0;
  add_route("POST", "/api/v1/items", 400, "{\"code\":\"InvalidParameter\",\"message\":\"no\"}");
  run_case("fixture.get_item.example.doc", port, 5000);
  expect_verdict("skip");
  cr_assert(strstr(out.reason, "set-up"), "%s", out.reason);
}

Test(verdict, non_json_content_type_on_json_body_warns) {
  routes[0].content_type = "text/plain";
  run_case("fixture.create_item.example.doc", port, 5000);
  expect_verdict("warn");
  cr_assert(strstr(out.reason, "text/plain"), "%s", out.reason);
}

Test(verdict, documented_rule_body_check) {
  run_case("fixture.rule.name_is_echoed", port, 5000);
  expect_verdict("pass");
  routes[0].body = "{\"id\":\"it-7\",\"name\":\"other\"}";
  json_decref(out.prov);
  run_case("fixture.rule.name_is_echoed", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "/name"), "%s", out.reason);
}

Test(verdict, clamp_checks_the_item_count) {
  add_route("GET", "/api/v1/items", 200, "{\"data\":[{\"id\":\"a\"}],\"cursor\":\"\"}");
  run_case("fixture.list_items.limit.limit.above", port, 5000);
  expect_verdict("pass");
  {
    static char many[51 * 12 + 64];
    size_t i, off = (size_t)sprintf(many, "{\"data\":[");
    for (i = 0; i < 51; i++)
      off += (size_t)sprintf(many + off, "%s{\"id\":\"%zu\"}", i ? "," : "", i);
    sprintf(many + off, "]}");
    routes[nroutes - 1].body = many;
  }
  json_decref(out.prov);
  run_case("fixture.list_items.limit.limit.above", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "51 items"), "%s", out.reason);
}

/* ---- error expected --------------------------------------------------------------- */

Test(verdict, documented_error_row_passes) {
  add_route("GET", "/api/v1/items/", 404,
            "{\"code\":\"ItemNotFound\",\"message\":\"item it-never does not exist\"}");
  run_case("fixture.get_item.not_found.item_id", port, 5000);
  expect_verdict("pass");
  cr_assert_str_eq(prov_section(), "Get > item_id");
}

Test(verdict, documented_code_with_another_message_fails) {
  add_route("GET", "/api/v1/items/", 404, "{\"code\":\"ItemNotFound\",\"message\":\"gone\"}");
  run_case("fixture.get_item.not_found.item_id", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "does not match"), "%s", out.reason);
}

Test(verdict, accepting_what_must_be_refused_fails) {
  add_route("GET", "/api/v1/items/", 200, "{\"id\":\"it-never\",\"name\":\"ghost\"}");
  run_case("fixture.get_item.not_found.item_id", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "accepted"), "%s", out.reason);
}

Test(verdict, an_undocumented_code_fails_a_documented_row) {
  add_route("GET", "/api/v1/items/", 404, "{\"code\":\"NoSuchThing\",\"message\":\"?\"}");
  run_case("fixture.get_item.not_found.item_id", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "item_not_found"), "%s", out.reason);
}

Test(verdict, limit_named_row) {
  routes[0].method = NULL; /* any create answers the named error */
  routes[0].status = 400;
  routes[0].body = "{\"code\":\"NameTooLong\",\"message\":\"too long\"}";
  run_case("fixture.create_item.limit.name.above", port, 5000);
  expect_verdict("pass");
  routes[0].body = "{\"code\":\"InvalidParameter\",\"message\":\"bad\"}";
  json_decref(out.prov);
  run_case("fixture.create_item.limit.name.above", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "name_too_long"), "%s", out.reason);
}

Test(verdict, doc_silent_above_the_bound_warns) {
  /* note: the bound is documented, what happens above it is assumed. */
  run_case("fixture.create_item.limit.note.above", port, 5000);
  expect_verdict("warn");
  cr_assert_not_null(json_object_get(out.prov, "assumed"), "the assumption is cited");
}

Test(verdict, auth_rows_and_silence) {
  add_route("GET", "/api/v1/items", 401,
            "{\"code\":\"BadToken\",\"message\":\"token abc is not valid\"}");
  run_case("fixture.list_items.auth.malformed", port, 5000);
  expect_verdict("pass");
  cr_assert_str_eq(prov_section(), "Authentication");
  json_decref(out.prov);
  run_case("fixture.list_items.auth.expired", port, 5000);
  expect_verdict("pass");
  routes[nroutes - 1].status = 200;
  routes[nroutes - 1].body = "{\"data\":[]}";
  json_decref(out.prov);
  run_case("fixture.list_items.auth.expired", port, 5000);
  expect_verdict("warn"); /* no documented row for an expired token */
  json_decref(out.prov);
  run_case("fixture.list_items.auth.malformed", port, 5000);
  expect_verdict("fail");
}

Test(verdict, throttling_is_never_a_failure) {
  add_route("GET", "/api/v1/items", 429, "{\"code\":\"Throttled\",\"message\":\"slow down\"}");
  run_case("fixture.list_items.example.doc", port, 5000);
  expect_verdict("skip");
  cr_assert(strstr(out.reason, "throttled"), "%s", out.reason);
  cr_assert_eq(out.res.counts[CFM_VERDICT_FAIL], 0);
}

Test(verdict, scenario_use_after_delete) {
  add_route("GET", "/api/v1/items/", 200, "{\"id\":\"it-7\",\"name\":\"box\"}");
  run_case("fixture.scenario.use_after_delete", port, 5000);
  expect_verdict("fail"); /* the canned server never forgets: a contract failure */
  cr_assert(strstr(out.reason, "not found"), "%s", out.reason);
}

Test(verdict, list_walks) {
  add_route("GET", "/api/v1/items", 200, "{\"data\":[{\"id\":\"it-7\"}],\"cursor\":\"\"}");
  run_case("fixture.scenario.walk", port, 5000);
  expect_verdict("pass");
  routes[nroutes - 1].body = "{\"data\":[{\"id\":\"it-7\"},{\"id\":\"it-7\"}],\"cursor\":\"\"}";
  json_decref(out.prov);
  run_case("fixture.scenario.walk", port, 5000);
  expect_verdict("fail");
  cr_assert(strstr(out.reason, "2 times"), "%s", out.reason);
  routes[nroutes - 1].status = 429;
  routes[nroutes - 1].body = "{\"code\":\"Throttled\",\"message\":\"slow down\"}";
  json_decref(out.prov);
  run_case("fixture.scenario.walk", port, 5000);
  expect_verdict("skip");
  cr_assert(strstr(out.reason, "throttled"), "%s", out.reason);
}

/* ---- targets that do not answer as an API ------------------------------------------- */

static void all_errors(const char *what) {
  size_t v;
  cr_assert_eq(out.res.unreachable_targets, 1, "%s: the target counts as unreachable", what);
  cr_assert_eq(out.res.counts[CFM_VERDICT_FAIL], 0, "%s is never a contract failure", what);
  cr_assert_eq(out.res.counts[CFM_VERDICT_PASS], 0, "%s", what);
  cr_assert_gt(out.res.counts[CFM_VERDICT_ERROR], 0, "%s", what);
  for (v = 0; v < 5; v++)
    if (!strcmp(out.verdict, verdict_names[v]))
      return;
  cr_assert_fail("unknown verdict %s", out.verdict);
}

Test(verdict, refused_connection) {
  /* A port bound but not listening refuses connections. */
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  getsockname(fd, (struct sockaddr *)&a, &al);
  run_case("fixture.list_items.*", ntohs(a.sin_port), 2000);
  close(fd);
  all_errors("a refused connection");
  expect_verdict("error");
}

Test(verdict, html_pages) {
  size_t i;
  for (i = 0; i < nroutes; i++) {
    routes[i].method = NULL;
    routes[i].content_type = "text/html";
    routes[i].status = 502;
    routes[i].body = "<html><body>Bad gateway</body></html>";
  }
  add_route(NULL, "/", 200, "<html><body>Sign in</body></html>");
  routes[nroutes - 1].content_type = "text/html";
  run_case("fixture.*", port, 2000);
  all_errors("an HTML page");
  cr_assert(strstr(out.reason, "text/html"), "%s", out.reason);
}

Test(verdict, garbage) {
  server_how = GARBAGE;
  run_case("fixture.list_items.*", port, 2000);
  all_errors("garbage");
}

Test(verdict, a_1gb_body_stops_at_the_cap) {
  time_t t0 = time(NULL);
  server_how = ENDLESS;
  run_case("fixture.list_items.example.doc", port, 10000);
  all_errors("an endless body");
  cr_assert_lt(time(NULL) - t0, 20);
}

Test(verdict, a_hanging_target_times_out) {
  time_t t0 = time(NULL);
  server_how = HANG;
  run_case("fixture.list_items.auth.*", port, 500);
  all_errors("a hanging target");
  cr_assert(strstr(out.reason, "imeout") || strstr(out.reason, "timed out"), "%s", out.reason);
  cr_assert_lt(time(NULL) - t0, 10);
}

/* Runs the binary on the fixture against port; returns its exit status. */
static int cli_run(unsigned short at_port, const char *filter) {
  char cfgpath[] = "/tmp/cfm-verdict-cfg-XXXXXX", dir[] = "/tmp/cfm-verdict-XXXXXX", cmd[1400];
  int fd, st;
  FILE *f;
  cr_assert_not_null(mkdtemp(dir));
  fd = mkstemp(cfgpath);
  cr_assert_geq(fd, 0);
  f = fdopen(fd, "w");
  fprintf(f,
          "{\"timeout_ms\": 2000, \"targets\": {\"fixture\": {\"base_url\": "
          "\"http://127.0.0.1:%u\", \"credentials\": {\"access_token\": {\"env\": "
          "\"CFM_FIXTURE_TOKEN\"}}}}}\n",
          (unsigned)at_port);
  fclose(f);
  snprintf(cmd, sizeof(cmd),
           "CFM_FIXTURE_TOKEN=%s '%s' run --config '%s' --reports '%s' --filter '%s' '%s' "
           ">/dev/null 2>&1",
           TOKEN, CONFORM_BIN, cfgpath, dir, filter, FIXTURE);
  st = system(cmd);
  unlink(cfgpath);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    cr_log_warn("could not remove %s", dir);
  cr_assert(WIFEXITED(st));
  return WEXITSTATUS(st);
}

/* Through the binary: 0 as documented, 1 on a contract failure, 4 when
 * the target is not the API (HTML) or refuses connections. */
Test(verdict, exit_codes_through_the_binary) {
  size_t i;
  int st;
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_eq(cli_run(port, "fixture.create_item.example.doc"), 0);
  routes[0].body = "{\"id\":7,\"name\":\"box\"}";
  cr_assert_eq(cli_run(port, "fixture.create_item.example.doc"), 1);
  for (i = 0; i < nroutes; i++) {
    routes[i].method = NULL;
    routes[i].content_type = "text/html";
    routes[i].body = "<html></html>";
  }
  st = cli_run(port, "fixture.create_item.*");
  cr_assert_eq(st, 4, "HTML target: exit status %d", st);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  getsockname(fd, (struct sockaddr *)&a, &al);
  st = cli_run(ntohs(a.sin_port), "fixture.list_items.*");
  close(fd);
  cr_assert_eq(st, 4, "refused connections: exit status %d", st);
}
