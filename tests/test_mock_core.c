/* The mock's plumbing over real loopback HTTP: configuration, the fault
 * table, start/stop, routing, body and header caps, keep-alive, concurrent
 * clients, the in-process entry point and the `conform mock` command. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conform/jsonutil.h"
#include "helper_http.h"

#define APP "/app-id/conform-demo-app/chatgroups"
#define HDRS "Authorization: Bearer conform-demo-app-token\nContent-Type: application/json"
#define PUB "{\"public\":true,\"owner\":\"conform-owner\"}"
#define MEMBER7 "{\"public\":false,\"owner\":\"conform-owner\",\"members\":[\"conform-user-7\"]}"

Test(mock_core, config_defaults) {
  cfm_mock_config c;
  cfm_mock_config_init(&c);
  cr_assert_str_eq(c.listen_host, "127.0.0.1");
  cr_assert_eq(c.port, 0);
  cr_assert_eq(c.tencent_sdkappid, 1400000000u);
  cr_assert_str_eq(c.tencent_admin, "administrator");
  cr_assert_str_eq(c.tencent_key, "conform-demo-secret-key");
  cr_assert_str_eq(c.agora_app_id, "conform-demo-app");
  cr_assert_str_eq(c.agora_token, "conform-demo-app-token");
  cr_assert_str_eq(c.dingtalk_token, "conform-demo-access-token");
  cr_assert_str_eq(c.dingtalk_admin_union_id, "conform-admin-union");
  cr_assert_null(c.faults);
  cr_assert_eq(c.enforce_rate_limits, 0);
  cr_assert_eq(c.max_body_bytes, 1u << 20);
  cr_assert_eq(c.max_groups, 100000);
}

Test(mock_core, fault_table_is_well_formed) {
  const cfm_mock_fault *f, *g;
  size_t n = 0, per[3] = {0, 0, 0};
  static const char *const vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};
  static const char *const prefixes[] = {"tencent-", "agora-", "dingtalk-"};
  for (f = cfm_mock_faults(); f->name; f++) {
    size_t v;
    int known = 0;
    n++;
    for (v = 0; v < 3; v++)
      if (f->vendor && strcmp(f->vendor, vendors[v]) == 0) {
        known = 1;
        per[v]++;
        cr_assert(strncmp(f->name, prefixes[v], strlen(prefixes[v])) == 0, "%s", f->name);
      }
    cr_assert(known, "%s: vendor %s", f->name, f->vendor);
    cr_assert(f->statement && strlen(f->statement) > 20, "%s", f->name);
    /* Its catching cases are the vendor's: every glob starts "<vendor>.". */
    /* [fuzz] faults are found by conform fuzz, not by cases (test_efuzz). */
    if (strstr(f->statement, "[fuzz]"))
      cr_assert_null(f->cases, "%s: a [fuzz] fault declares no cases", f->name);
    else {
      cr_assert(f->cases && f->cases[0], "%s declares no cases", f->name);
      const char *p = f->cases;
      while (*p) {
        cr_assert(strncmp(p, f->vendor, strlen(f->vendor)) == 0 && p[strlen(f->vendor)] == '.',
                  "%s: glob '%s' is not a %s case id", f->name, p, f->vendor);
        p += strcspn(p, " ");
        p += *p == ' ';
      }
    }
    for (g = f + 1; g->name; g++)
      cr_assert_str_neq(f->name, g->name, "duplicate fault name");
  }
  cr_assert_geq(n, 30);
  cr_assert_geq(per[1], 12, "at least 12 Agora faults");
}

Test(mock_core, unknown_fault_and_bad_host_refused) {
  cfm_mock_config c;
  cfm_mock *m = (cfm_mock *)1;
  char err[256];
  const char *bad[] = {"agora-auth-403", "no-such-fault", NULL};
  cfm_mock_config_init(&c);
  c.faults = bad;
  cr_assert_eq(cfm_mock_start(&c, &m, err, sizeof(err)), -1);
  cr_assert_null(m);
  cr_assert(strstr(err, "no-such-fault") != NULL, "%s", err);
  cfm_mock_config_init(&c);
  c.listen_host = "not-an-address";
  cr_assert_eq(cfm_mock_start(&c, &m, err, sizeof(err)), -1);
  cr_assert(strstr(err, "not-an-address") != NULL, "%s", err);
  c.listen_host = "0.0.0.0";
  cr_assert_eq(cfm_mock_start(&c, &m, err, sizeof(err)), -1, "loopback only");
  cr_assert(strstr(err, "loopback") != NULL, "%s", err);
  cfm_mock_stop(NULL);
}

Test(mock_core, port_in_use_is_an_error) {
  char base[64], err[256];
  cfm_mock *a = cfm_th_mock_start(NULL, NULL, base, sizeof(base), err, sizeof(err)), *b = NULL;
  cfm_mock_config c;
  cr_assert_not_null(a, "%s", err);
  cr_assert_gt(cfm_mock_port(a), 0);
  cfm_mock_config_init(&c);
  c.port = cfm_mock_port(a);
  cr_assert_eq(cfm_mock_start(&c, &b, err, sizeof(err)), -1);
  cr_assert(strstr(err, "cannot listen") != NULL, "%s", err);
  cfm_mock_stop(a);
}

Test(mock_core, start_stop_cycles_with_state) {
  int i;
  for (i = 0; i < 20; i++) {
    char base[64], err[256];
    cfm_th_resp r;
    cfm_mock *m = cfm_th_mock_start(NULL, NULL, base, sizeof(base), err, sizeof(err));
    cr_assert_not_null(m, "%s", err);
    cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, PUB, strlen(PUB), &r), 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cfm_th_resp_free(&r);
    cfm_mock_stop(m); /* ASan reports any state left behind */
  }
}

/* Each test below gets its own mock. */
static cfm_mock *mk;
static char base[64];
static void up(void) {
  char err[256];
  mk = cfm_th_mock_start(NULL, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
}
static void down(void) {
  cfm_mock_stop(mk);
}

Test(mock_core, unknown_path_is_404_json, .init = up, .fini = down) {
  static const char *const paths[] = {"/", "/nothing/here", "/v1.0/elsewhere", "/favicon.ico"};
  size_t i;
  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(NULL, base, "GET", paths[i], NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 404, "%s: %ld", paths[i], r.status);
    cr_assert(json_is_object(r.json), "%s", r.body);
    cr_assert(json_is_string(json_object_get(r.json, "error")), "%s", r.body);
    cr_assert_str_eq(r.content_type, "application/json");
    cfm_th_resp_free(&r);
  }
}

Test(mock_core, malformed_json_and_wrong_types, .init = up, .fini = down) {
  static const char *const bodies[] = {
      "", "{", "nul", "\"text\"", "[]", "{\"public\":tru}", "\xff\xfe{}"};
  size_t i;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, bodies[i], strlen(bodies[i]), &r),
                 0);
    cr_assert_eq(r.status, 400, "body %zu: %ld %s", i, r.status, r.body);
    cr_assert_str_eq(cfm_th_str(&r, "/error"), "invalid_parameter");
    cfm_th_resp_free(&r);
  }
}

Test(mock_core, body_cap_answers_413_and_recovers) {
  cfm_mock_config c;
  char err[256], *big;
  cfm_th_resp r;
  size_t n = 64 * 1024;
  cfm_mock_config_init(&c);
  c.max_body_bytes = 4096;
  mk = cfm_th_mock_start(&c, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
  big = malloc(n);
  cr_assert_not_null(big);
  memset(big, ' ', n);
  big[0] = '{';
  big[n - 1] = '}';
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, big, n, &r), 0);
  cr_assert_eq(r.status, 413, "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/error"), "request_entity_too_large");
  cfm_th_resp_free(&r);
  /* Exactly at the cap is served. */
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, big, 4096 - 1, &r), 0);
  cr_assert_neq(r.status, 413);
  cfm_th_resp_free(&r);
  free(big);
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, PUB, strlen(PUB), &r), 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
  cfm_mock_stop(mk);
}

Test(mock_core, huge_header_refused_and_server_survives, .init = up, .fini = down) {
  size_t n = 256 * 1024;
  char *h = malloc(n + 32);
  cfm_th_resp r;
  cr_assert_not_null(h);
  strcpy(h, "X-Huge: ");
  memset(h + 8, 'h', n);
  h[8 + n] = '\0';
  /* libmicrohttpd answers 431 or closes the connection; either is bounded. */
  if (cfm_th_request(NULL, base, "GET", APP, h, NULL, 0, &r) == 0)
    cr_assert(r.status == 431 || r.status == 413 || r.status == 400, "status %ld", r.status);
  cfm_th_resp_free(&r);
  free(h);
  cr_assert_eq(cfm_th_request(NULL, base, "GET", APP, HDRS, NULL, 0, &r), 0);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
}

Test(mock_core, keep_alive_reuses_the_connection, .init = up, .fini = down) {
  CURL *c = curl_easy_init();
  cfm_th_resp r;
  int i;
  cr_assert_eq(cfm_th_request(c, base, "GET", APP, HDRS, NULL, 0, &r), 0);
  cr_assert_eq(r.new_connections, 1);
  cfm_th_resp_free(&r);
  for (i = 0; i < 5; i++) {
    cr_assert_eq(cfm_th_request(c, base, i % 2 ? "POST" : "GET", APP, HDRS, i % 2 ? PUB : NULL,
                                i % 2 ? strlen(PUB) : 0, &r),
                 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(r.new_connections, 0, "request %d reused the connection", i);
    cfm_th_resp_free(&r);
  }
  curl_easy_cleanup(c);
}

#define THREADS 8
#define PER_THREAD 40

static void *client(void *arg) {
  CURL *c = curl_easy_init();
  long *ok = arg;
  int i;
  for (i = 0; i < PER_THREAD; i++) {
    cfm_th_resp r;
    if (cfm_th_request(c, base, "POST", APP, HDRS, MEMBER7, strlen(MEMBER7), &r) == 0 &&
        r.status == 200)
      (*ok)++;
    cfm_th_resp_free(&r);
    if (cfm_th_request(c, base, "GET", APP "?limit=3", HDRS, NULL, 0, &r) == 0 && r.status == 200)
      (*ok)++;
    cfm_th_resp_free(&r);
  }
  curl_easy_cleanup(c);
  return NULL;
}

Test(mock_core, concurrent_clients_keep_state_consistent, .init = up, .fini = down) {
  pthread_t t[THREADS];
  long ok[THREADS] = {0};
  cfm_th_resp r;
  int i;
  for (i = 0; i < THREADS; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, client, &ok[i]), 0);
  for (i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    cr_assert_eq(ok[i], 2 * PER_THREAD, "thread %d: %ld of %d", i, ok[i], 2 * PER_THREAD);
  }
  cr_assert_eq(
      cfm_th_request(NULL, base, "GET", APP "/user/conform-user-7?pagesize=1", HDRS, NULL, 0, &r),
      0);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), THREADS * PER_THREAD);
  cfm_th_resp_free(&r);
}

Test(mock_core, max_groups_is_a_documented_refusal) {
  cfm_mock_config c;
  char err[256];
  cfm_th_resp r;
  int i;
  cfm_mock_config_init(&c);
  c.max_groups = 3;
  mk = cfm_th_mock_start(&c, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
  for (i = 0; i < 3; i++) {
    cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, PUB, strlen(PUB), &r), 0);
    cr_assert_eq(r.status, 200);
    cfm_th_resp_free(&r);
  }
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP, HDRS, PUB, strlen(PUB), &r), 0);
  cr_assert_eq(r.status, 403, "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/error"), "exceed_limit");
  cfm_th_resp_free(&r);
  cfm_mock_stop(mk);
}

Test(mock_core, in_process_handle, .init = up, .fini = down) {
  int status = 0;
  char *body = NULL;
  size_t len = 0;
  const char *ct = NULL;
  cr_assert_eq(
      cfm_mock_handle(mk, "GET", APP "?limit=1", HDRS "\n", NULL, 0, &status, &body, &len, &ct), 0);
  cr_assert_eq(status, 200);
  cr_assert_str_eq(ct, "application/json");
  cr_assert_eq(strlen(body), len);
  cr_assert(strstr(body, "\"count\"") != NULL, "%s", body);
  free(body);
  cr_assert_eq(cfm_mock_handle(mk, "GET", "/nowhere", "", "", 0, &status, &body, &len, &ct), 0);
  cr_assert_eq(status, 404);
  free(body);
}

/* `conform mock`: prints the port, serves, stops cleanly on SIGTERM. */
Test(mock_core, cli_listens_serves_and_stops, .timeout = 30) {
  int out[2], st = -1, i;
  pid_t pid;
  char line[256] = "", url[128];
  FILE *f;
  unsigned port = 0;
  cfm_th_resp r;
  cr_assert_eq(pipe(out), 0);
  pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(CONFORM_BIN, CONFORM_BIN, "mock", "--listen", "127.0.0.1:0", (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  f = fdopen(out[0], "r");
  cr_assert_not_null(f);
  cr_assert_not_null(fgets(line, sizeof(line), f));
  cr_assert_eq(sscanf(line, "listening on http://127.0.0.1:%u", &port), 1, "%s", line);
  cr_assert_gt(port, 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
  cr_assert_eq(cfm_th_request(NULL, url, "GET", APP, HDRS, NULL, 0, &r), 0);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
  kill(pid, SIGTERM);
  for (i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; i++)
    usleep(50 * 1000);
  if (i == 100) {
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    cr_assert_fail("conform mock did not stop within 5 s of SIGTERM");
  }
  fclose(f);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d, signal %d",
            WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* `conform mock --list-faults` lists exactly the faults of the independent
 * list tests/data/faults.txt, each once, with its vendor. */
Test(mock_core, cli_lists_every_fault) {
  FILE *p = popen(CONFORM_BIN " mock --list-faults", "r"), *want;
  char line[1024], listed[64][64], name[64], vendor[32];
  size_t n = 0, i, expected = 0;
  cr_assert_not_null(p);
  while (fgets(line, sizeof(line), p)) {
    cr_assert_lt(n, 64);
    cr_assert_eq(sscanf(line, "%63s %31s", name, vendor), 2, "%s", line);
    cr_assert_eq(strncmp(name, vendor, strcspn(vendor, "-")), 0, "%s is not a %s fault", name,
                 vendor);
    for (i = 0; i < n; i++)
      cr_assert_str_neq(listed[i], name, "%s listed twice", name);
    snprintf(listed[n++], sizeof(listed[0]), "%s", name);
  }
  cr_assert_eq(pclose(p), 0);
  want = fopen(CONFORM_TESTDATA_DIR "/faults.txt", "r");
  cr_assert_not_null(want);
  while (fgets(line, sizeof(line), want)) {
    int found = 0;
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0] || line[0] == '#')
      continue;
    expected++;
    for (i = 0; i < n; i++)
      found |= !strcmp(listed[i], line);
    cr_assert(found, "fault %s is not listed", line);
  }
  fclose(want);
  cr_assert_eq(n, expected, "%zu faults listed, %zu expected", n, expected);
}
