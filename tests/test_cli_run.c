/* conform run through the real binary: strict configuration, which
 * vendors run against what, and an exit status that tells the truth
 * (docs/cli.md "Exit status", docs/config.md). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_cli.h"
#include "helper_http.h"

static char out[1 << 20];

/* Runs a shell command; its stdout is in out. */
#define sh(...) cfm_th_sh(out, sizeof(out), __VA_ARGS__)

static const char *write_tmp(const char *text) {
  static char path[64];
  FILE *f;
  int fd;
  snprintf(path, sizeof(path), "/tmp/conform-run-cfg-XXXXXX");
  fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

/* The mock's demo credentials, for runs against a mock started here. */
#define DEMO_CREDS                                                                                 \
  "\"agora-chat\": {\"credentials\": {\"app_token\": \"conform-demo-app-token\"}},"                \
  " \"dingtalk-rooms\": {\"credentials\": {\"access_token\": \"conform-demo-access-token\"}}"

/* ---- strict configuration --------------------------------------------------------- */

Test(cli_run, config_typos_are_errors_not_a_mock_run) {
  static const char *const cases[][2] = {
      {"{\"targets\": {\"agora-chat\": {\"base-url\": \"http://127.0.0.1:9\"}}}",
       "did you mean 'base_url'"},
      {"{\"targets\": {\"agora-chat\": {\"baseurl\": \"http://127.0.0.1:9\"}}}",
       "did you mean 'base_url'"},
      {"{\"target\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\"}}}",
       "did you mean 'targets'"},
      {"{\"timeout\": 5000}", "did you mean 'timeout_ms'"},
      {"{\"targets\": {\"agora\": {\"base_url\": \"http://127.0.0.1:9\"}}}",
       "did you mean 'agora-chat'"},
      {"{\"targets\": {\"agora-chat\": {\"credentials\": {\"token\": \"x\"}}}}",
       "did you mean 'app_token'"},
      {"{\"targets\": {\"agora-chat\": {\"variables\": {\"ownr\": \"x\"}}}}",
       "did you mean 'owner'"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = sh(CONFORM_BIN " run --no-reports --config %s 2>&1", write_tmp(cases[i][0]));
    cr_assert_eq(rc, 3, "%s: exit %d: %s", cases[i][0], rc, out);
    cr_assert(strstr(out, cases[i][1]) != NULL, "%s: %s", cases[i][0], out);
    cr_assert(strstr(out, " cases") == NULL, "nothing may run: %s", out);
  }
}

Test(cli_run, credentials_in_a_url_are_refused_and_not_echoed) {
  cr_assert_eq(
      sh(CONFORM_BIN " run --no-reports --target agora-chat=http://me:s3cr3t@127.0.0.1:9 2>&1"), 2,
      "%s", out);
  cr_assert(strstr(out, "credentials") != NULL, "%s", out);
  cr_assert(strstr(out, "s3cr3t") == NULL, "the secret is echoed: %s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --config %s 2>&1",
                  write_tmp("{\"targets\": {\"agora-chat\": {\"base_url\": "
                            "\"https://me:s3cr3t@127.0.0.1:9/x\"}}}")),
               3, "%s", out);
  cr_assert(strstr(out, "s3cr3t") == NULL, "the secret is echoed: %s", out);
}

/* One --target runs that vendor only, against that URL. */
Test(cli_run, one_target_runs_that_vendor_only) {
  char base[64], err[128];
  cfm_mock *m = cfm_th_mock_start(NULL, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(m, "%s", err);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --config %s --target "
                              "agora-chat=%s --filter '*.create_group.*' 2>&1",
                  write_tmp("{\"targets\": {" DEMO_CREDS "}}"), base),
               0, "%s", out);
  cr_assert(strstr(out, "no target for 'dingtalk-rooms', 'tencent-im'") != NULL, "%s", out);
  cr_assert(strstr(out, " 0 fail, 0 error") != NULL, "%s", out);
  /* the header names the target and the demo values in use */
  cr_assert(strstr(out, "target agora-chat: http://127.0.0.1:") != NULL, "%s", out);
  cr_assert(strstr(out, "app_id = \"conform-demo-app\" (the spec's demo default") != NULL, "%s",
            out);
  cfm_mock_stop(m);
}

/* --target beats the config's base_url in either order, and says so. */
Test(cli_run, command_line_target_overrides_the_config) {
  char base[64], err[128], cfg[4096];
  const char *path;
  cfm_mock *m = cfm_th_mock_start(NULL, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(m, "%s", err);
  snprintf(cfg, sizeof(cfg),
           "{\"targets\": {\"dingtalk-rooms\": {\"base_url\": \"http://127.0.0.1:9\","
           " \"credentials\": {\"access_token\": \"conform-demo-access-token\"}}}}");
  path = write_tmp(cfg);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --config %s --target dingtalk-rooms=%s "
                              "--vendor dingtalk-rooms 2>&1",
                  path, base),
               0, "%s", out);
  cr_assert(strstr(out, "overrides the config's http://127.0.0.1:9") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --target dingtalk-rooms=%s --config %s "
                              "--vendor dingtalk-rooms 2>&1",
                  base, path),
               0, "%s", out);
  cr_assert(strstr(out, "overrides the config's http://127.0.0.1:9") != NULL, "%s", out);
  cfm_mock_stop(m);
}

Test(cli_run, missing_credential_stops_before_the_first_request) {
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --target agora-chat=http://127.0.0.1:9 2>&1"), 3,
               "%s", out);
  cr_assert(strstr(out, "agora-chat credential 'app_token'") != NULL, "%s", out);
  cr_assert(strstr(out, "requests in") == NULL, "nothing may be sent: %s", out);
  /* --dry-run checks the same */
  cr_assert_eq(sh(CONFORM_BIN " run --dry-run --target agora-chat=http://127.0.0.1:9 2>&1"), 3,
               "%s", out);
}

Test(cli_run, missing_variable_stops_before_the_first_request) {
  char dir[64], spec[600];
  FILE *in, *o;
  char *text;
  long n;
  json_t *root;
  snprintf(dir, sizeof(dir), "/tmp/conform-run-spec-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  /* the shipped DingTalk spec without its admin_union_id declaration (and default) */
  in = fopen(CONFORM_SPECS_DIR "/dingtalk-rooms.json", "rb");
  cr_assert_not_null(in);
  fseek(in, 0, SEEK_END);
  n = ftell(in);
  rewind(in);
  text = malloc((size_t)n + 1);
  cr_assert_eq(fread(text, 1, (size_t)n, in), (size_t)n);
  fclose(in);
  root = json_loadb(text, (size_t)n, 0, NULL);
  free(text);
  cr_assert_not_null(root);
  json_object_del(json_object_get(root, "variables"), "admin_union_id");
  snprintf(spec, sizeof(spec), "%s/dingtalk-rooms.json", dir);
  o = fopen(spec, "w");
  cr_assert_not_null(o);
  json_dumpf(root, o, JSON_INDENT(1));
  fclose(o);
  json_decref(root);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports %s --target dingtalk-rooms=http://127.0.0.1:9"
                              " --config %s 2>&1",
                  spec, write_tmp("{\"targets\": {" DEMO_CREDS "}}")),
               3, "%s", out);
  cr_assert(strstr(out, "dingtalk-rooms variable 'admin_union_id'") != NULL, "%s", out);
  cr_assert(strstr(out, "requests in") == NULL, "nothing may be sent: %s", out);
}

/* ---- nothing selected is an error --------------------------------------------------- */

Test(cli_run, nothing_selected_is_an_error) {
  char dir[64];
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --vendor nosuch 2>&1"), 2, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --vendor agora 2>&1"), 2, "%s", out);
  cr_assert(strstr(out, "did you mean 'agora-chat'") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --filter 'no.such.case*' 2>&1"), 2, "%s", out);
  cr_assert(strstr(out, "no case selected") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --list --filter 'no.such.case*' 2>&1"), 2, "%s", out);
  snprintf(dir, sizeof(dir), "/tmp/conform-run-empty-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports %s 2>&1", dir), 3, "%s", out);
  cr_assert(strstr(out, "no spec") != NULL, "%s", out);
}

/* ---- errors and throttling fail the run ------------------------------------------------- */

/* A loopback HTTP server: "429" answers every request with 429 and
 * Retry-After: 0; "close" answers the first 4 connections with 429 and closes
 * every later one without an answer: with --concurrency 1 the first
 * request is answered 429 four times (1 + 3 retries: reachable, skipped),
 * every other request ends in an error verdict. */
typedef struct lserver {
  int fd;
  int mode_close;
  int stop;
  pthread_t th;
} lserver;

static void *serve(void *arg) {
  lserver *s = arg;
  unsigned conns = 0;
  /* bounded: the test's runs make a few thousand requests at most */
  while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST) && conns < 200000) {
    struct pollfd p = {s->fd, POLLIN, 0};
    char buf[8192];
    int c;
    if (poll(&p, 1, 100) <= 0)
      continue;
    c = accept(s->fd, NULL, NULL);
    if (c < 0)
      continue;
    conns++;
    if (!s->mode_close || conns <= 4) {
      static const char resp[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 2\r\n"
                                 "Connection: close\r\n\r\n{}";
      struct pollfd q = {c, POLLIN, 0};
      if (poll(&q, 1, 2000) > 0 && read(c, buf, sizeof(buf)) > 0 &&
          write(c, resp, sizeof(resp) - 1) < 0)
        conns += 0;
    }
    close(c);
  }
  return NULL;
}

static void lserver_start(lserver *s, int mode_close, char *base, size_t cap) {
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  memset(s, 0, sizeof(*s));
  s->mode_close = mode_close;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(s->fd, 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
  cr_assert_eq(listen(s->fd, 64), 0);
  cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
  snprintf(base, cap, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
  cr_assert_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void lserver_stop(lserver *s) {
  __atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
  pthread_join(s->th, NULL);
  close(s->fd);
}

Test(cli_run, a_vendor_entirely_throttled_fails_the_run) {
  lserver s;
  char base[64];
  lserver_start(&s, 0, base, sizeof(base));
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --concurrency 4 --config %s "
                              "--target dingtalk-rooms=%s 2>&1",
                  write_tmp("{\"targets\": {" DEMO_CREDS "}}"), base),
               6, "%s", out);
  cr_assert(strstr(out, "every case of 'dingtalk-rooms' was skipped as throttled") != NULL, "%s",
            out);
  lserver_stop(&s);
}

Test(cli_run, error_verdicts_fail_the_run) {
  lserver s;
  char base[64];
  lserver_start(&s, 1, base, sizeof(base));
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --concurrency 1 --config %s "
                              "--target dingtalk-rooms=%s 2>&1",
                  write_tmp("{\"targets\": {" DEMO_CREDS "}}"), base),
               6, "%s", out);
  cr_assert(strstr(out, "ended in error") != NULL, "%s", out);
  lserver_stop(&s);
}

/* A baseline entry accepts an error verdict of its case like a failure. */
Test(cli_run, a_baseline_can_accept_errors) {
  lserver s;
  char base[64], bl[1 << 15], blpath[64];
  size_t n;
  char *p, *line;
  cr_assert_eq(sh(CONFORM_BIN " run --list --vendor dingtalk-rooms"), 0);
  n = (size_t)snprintf(bl, sizeof(bl), "{\"format\": \"conform-baseline/1\", \"entries\": [");
  for (line = strtok_r(out, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
    line[strcspn(line, " ")] = '\0';
    n += (size_t)snprintf(bl + n, sizeof(bl) - n, "%s{\"id\": \"%s\", \"vendor_code\": \"*\"}",
                          bl[n - 1] == '[' ? "" : ", ", line);
    cr_assert_lt(n, sizeof(bl));
  }
  snprintf(bl + n, sizeof(bl) - n, "]}");
  snprintf(blpath, sizeof(blpath), "%s", write_tmp(bl)); /* write_tmp's buffer is reused */
  lserver_start(&s, 1, base, sizeof(base));
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --no-pace --concurrency 1 --config %s "
                              "--baseline %s --target dingtalk-rooms=%s 2>&1",
                  write_tmp("{\"targets\": {" DEMO_CREDS "}}"), blpath, base),
               0, "%s", out);
  lserver_stop(&s);
}

/* ---- pacing knobs ------------------------------------------------------------------- */

Test(cli_run, max_rps_from_the_command_line_and_the_config) {
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --max-rps 0 2>&1"), 2, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN " run --no-reports --max-rps fast 2>&1"), 2, "%s", out);
  cr_assert_eq(
      sh(CONFORM_BIN " run --no-reports --config %s 2>&1", write_tmp("{\"max_rps\": \"fast\"}")), 3,
      "%s", out);
  cr_assert(strstr(out, "#/max_rps") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN
                  " run --dry-run --filter 'dingtalk-rooms.delete_group.example*' "
                  "--config %s --target dingtalk-rooms=http://127.0.0.1:9 2>&1 >/dev/null",
                  write_tmp("{\"max_rps\": 3, \"targets\": {" DEMO_CREDS "}}")),
               0, "%s", out);
  cr_assert(strstr(out, "at most 3 requests/s over the run") != NULL, "%s", out);
  cr_assert_eq(sh(CONFORM_BIN
                  " run --dry-run --filter 'dingtalk-rooms.delete_group.example*' "
                  "--max-rps 2.5 --config %s --target dingtalk-rooms=http://127.0.0.1:9 "
                  "2>&1 >/dev/null",
                  write_tmp("{\"max_rps\": 3, \"targets\": {" DEMO_CREDS "}}")),
               0, "%s", out);
  cr_assert(strstr(out, "at most 2.5 requests/s over the run") != NULL, "%s", out);
}
