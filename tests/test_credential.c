/* Credential providers: a secret from a command (no shell, timeout, caps,
 * one line), the Agora token cache, and DingTalk tokens fetched from the
 * mock's token endpoint, expiring and refreshed on an injected clock. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conform/agora_token.h"
#include "conform/credential.h"
#include "helper_http.h"

/* ---- secret from a command ----------------------------------------- */

static int run(char *const argv[], unsigned timeout_ms, char *out, size_t cap, cfm_error_t *err) {
  cfm_error_init(err);
  return cfm_cred_from_command(argv, timeout_ms, out, cap, err);
}

Test(credential, command_output_trimmed) {
  char *argv[] = {"printf", " \t s3cret-value \r\n\n", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(argv, 5000, out, sizeof(out), &err), CFM_EOK, "%s", err.text);
  cr_assert_str_eq(out, "s3cret-value");
}

Test(credential, command_arguments_are_not_shell_expanded) {
  char *argv[] = {"printf", "%s|%s", "$(echo pwned)", "`id` *;", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(argv, 5000, out, sizeof(out), &err), CFM_EOK, "%s", err.text);
  cr_assert_str_eq(out, "$(echo pwned)|`id` *;");
}

Test(credential, command_stdin_is_dev_null) {
  char *argv[] = {"cat", NULL}; /* would block forever on an inherited terminal or pipe */
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(argv, 5000, out, sizeof(out), &err), CFM_EPARSE);
  cr_assert(strstr(err.text, "printed nothing"), "%s", err.text);
}

Test(credential, command_timeout_kills_it) {
  char *sleeper[] = {"sleep", "5", NULL};
  /* Closes its stdout, then lingers: the wait, not the read, times out. */
  char *closer[] = {"sh", "-c", "exec >&-; sleep 5", NULL};
  /* Exits at once, but a grandchild holds the pipe: the group is killed. */
  char *grand[] = {"sh", "-c", "sleep 5 & echo early", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(sleeper, 200, out, sizeof(out), &err), CFM_ETIMEOUT);
  cr_assert(strstr(err.text, "'sleep' did not finish within 200 ms"), "%s", err.text);
  cr_assert_eq(run(closer, 200, out, sizeof(out), &err), CFM_ETIMEOUT);
  cr_assert_eq(run(grand, 200, out, sizeof(out), &err), CFM_ETIMEOUT);
  cr_assert_str_eq(out, "", "no partial output is returned");
}

Test(credential, command_nonzero_exit_names_it_but_not_its_output) {
  char *argv[] = {"sh", "-c", "echo leaked-secret; exit 3", NULL};
  char *sig[] = {"sh", "-c", "echo leaked-secret; kill -9 $$", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(argv, 5000, out, sizeof(out), &err), CFM_EIO);
  cr_assert_str_eq(err.text, "command 'sh' exited with status 3");
  cr_assert_str_eq(out, "");
  cr_assert_eq(run(sig, 5000, out, sizeof(out), &err), CFM_EIO);
  cr_assert(strstr(err.text, "killed by signal 9"), "%s", err.text);
  cr_assert(!strstr(err.text, "leaked-secret"));
}

Test(credential, command_not_found) {
  char *argv[] = {"conform-no-such-helper-xyz", "arg", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(argv, 5000, out, sizeof(out), &err), CFM_ENOTFOUND);
  cr_assert(strstr(err.text, "'conform-no-such-helper-xyz'"), "%s", err.text);
  cr_assert_eq(run((char *[]){NULL}, 5000, out, sizeof(out), &err), CFM_EUSAGE);
}

Test(credential, command_oversized_output) {
  char *endless[] = {"yes", "0123456789", NULL};
  char *exact[] = {"printf", "%s", "0123456", NULL}; /* 7 bytes: fits cap 8 */
  char *over[] = {"printf", "%s", "01234567", NULL}; /* 8 bytes: does not */
  char out[8];
  cfm_error_t err;
  cr_assert_eq(run(endless, 5000, out, sizeof(out), &err), CFM_ETOOBIG);
  cr_assert(strstr(err.text, "more than 7 bytes"), "%s", err.text);
  cr_assert_eq(run(exact, 5000, out, sizeof(out), &err), CFM_EOK, "%s", err.text);
  cr_assert_str_eq(out, "0123456");
  cr_assert_eq(run(over, 5000, out, sizeof(out), &err), CFM_ETOOBIG);
}

Test(credential, command_multiline_output_is_an_error) {
  char *lf[] = {"printf", "first\nsecond\n", NULL};
  char *cr[] = {"printf", "first\rsecond", NULL};
  char *nul[] = {"printf", "first\\000second", NULL};
  char out[64];
  cfm_error_t err;
  cr_assert_eq(run(lf, 5000, out, sizeof(out), &err), CFM_EPARSE);
  cr_assert_str_eq(err.text, "command 'printf' printed more than one line");
  cr_assert_eq(run(cr, 5000, out, sizeof(out), &err), CFM_EPARSE);
  cr_assert_eq(run(nul, 5000, out, sizeof(out), &err), CFM_EPARSE);
  cr_assert_str_eq(out, "");
}

/* ---- Agora token cache ---------------------------------------------- */

#define APP "conform-demo-app"
#define CERT "conform-demo-app-certificate"

Test(credential, agora_minted_cached_and_reminted_before_expiry) {
  cfm_cred_cache c;
  char t1[CFM_CRED_TOKEN_MAX], t2[CFM_CRED_TOKEN_MAX];
  cfm_error_t err;
  const int64_t t0 = 1700000000;
  cfm_error_init(&err);
  cfm_cred_cache_init(&c);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, t0, t1, sizeof(t1), &err), CFM_EOK, "%s",
               err.text);
  cr_assert_eq(c.fetches, 1);
  cr_assert_eq(cfm_agora_token_verify(t1, strlen(t1), APP, CERT, t0 + 1), CFM_AGORA_TOKEN_OK);
  /* Default lifetime 3600 s, margin 300 s: the same token until t0+3300. */
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, t0 + 3299, t2, sizeof(t2), &err), CFM_EOK);
  cr_assert_str_eq(t2, t1);
  cr_assert_eq(c.fetches, 1);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, t0 + 3300, t2, sizeof(t2), &err), CFM_EOK);
  cr_assert_eq(c.fetches, 2);
  cr_assert_str_neq(t2, t1);
  cr_assert_eq(cfm_agora_token_verify(t2, strlen(t2), APP, CERT, t0 + 3601), CFM_AGORA_TOKEN_OK,
               "the new token outlives the old one");
  /* Another certificate: minted at once, not served from the cache. */
  cr_assert_eq(cfm_cred_minted_token(&c, APP, "rotated-cert", t0 + 3301, t1, sizeof(t1), &err),
               CFM_EOK);
  cr_assert_eq(c.fetches, 3);
  cr_assert_eq(cfm_agora_token_verify(t1, strlen(t1), APP, "rotated-cert", t0 + 3302),
               CFM_AGORA_TOKEN_OK);
  /* invalidate: exactly one new mint. */
  cfm_cred_invalidate(&c);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, "rotated-cert", t0 + 3302, t2, sizeof(t2), &err),
               CFM_EOK);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, "rotated-cert", t0 + 3303, t2, sizeof(t2), &err),
               CFM_EOK);
  cr_assert_eq(c.fetches, 4);
  cfm_cred_cache_release(&c);
  cr_assert_str_eq(c.token, "");
}

Test(credential, agora_bad_settings) {
  cfm_cred_cache c;
  char t[CFM_CRED_TOKEN_MAX];
  cfm_error_t err;
  cfm_cred_cache_init(&c);
  cfm_error_init(&err);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, "", 1700000000, t, sizeof(t), &err), CFM_EUSAGE);
  cr_assert(strstr(err.text, "app_certificate"), "%s", err.text);
  c.lifetime_s = 86401;
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, 1700000000, t, sizeof(t), NULL), CFM_EUSAGE);
  c.lifetime_s = 600;
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, 1700000000, t, 16, NULL), CFM_ETOOBIG);
  cr_assert_eq(cfm_cred_minted_token(&c, APP, CERT, 0, t, sizeof(t), NULL), CFM_EUSAGE);
  cr_assert_eq(c.fetches, 0);
}

/* ---- DingTalk tokens from the mock ---------------------------------- */

static int64_t mock_now = 1700000000;
static int64_t clock_fn(void *arg) {
  (void)arg;
  return __atomic_load_n(&mock_now, __ATOMIC_SEQ_CST);
}
static void set_mock_now(int64_t t) {
  __atomic_store_n(&mock_now, t, __ATOMIC_SEQ_CST);
}

static cfm_mock *mk;
static char base[64], token_url[128];

static void up(void) {
  cfm_mock_config cfg;
  char err[256];
  cfm_mock_config_init(&cfg);
  cfg.clock = clock_fn;
  cfg.dingtalk_token_lifetime_s = 60;
  mk = cfm_th_mock_start(&cfg, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
  snprintf(token_url, sizeof(token_url), "%s/v1.0/oauth2/accessToken", base);
}
static void down(void) {
  cfm_mock_stop(mk);
}

/* HTTP status of a rooms call with the token; the error code in code. */
static long rooms(const char *tok, char *code, size_t cap) {
  char hdrs[CFM_CRED_TOKEN_MAX + 64];
  cfm_th_resp r;
  long st;
  snprintf(hdrs, sizeof(hdrs), "x-acs-dingtalk-access-token: %s\nAccept: application/json", tok);
  cr_assert_eq(cfm_th_request(NULL, base, "GET",
                              "/v1.0/rooms/groupLists?unionId=conform-admin-union", hdrs, NULL, 0,
                              &r),
               0);
  st = r.status;
  snprintf(code, cap, "%s", cfm_th_str(&r, "/code"));
  cfm_th_resp_free(&r);
  return st;
}

static int get(cfm_cred_cache *c, int64_t now, char *out, cfm_error_t *err) {
  cfm_error_init(err);
  return cfm_cred_fetched_token(c, token_url, "conform-demo-app-key", "conform-demo-app-secret",
                                now, out, CFM_CRED_TOKEN_MAX, err);
}

/* A fresh cache and its first token, fetched at mock time T0 (returned). */
static int64_t first_fetch(cfm_cred_cache *c, char *tok) {
  const int64_t t0 = 1700000000;
  cfm_error_t err;
  cfm_cred_cache_init(c);
  set_mock_now(t0);
  cr_assert_eq(get(c, t0, tok, &err), CFM_EOK, "%s", err.text);
  return t0;
}

Test(credential, dingtalk_fetched_used_expired_refreshed, .init = up, .fini = down) {
  cfm_cred_cache c;
  char t1[CFM_CRED_TOKEN_MAX], t2[CFM_CRED_TOKEN_MAX], code[64];
  cfm_error_t err;
  const int64_t t0 = first_fetch(&c, t1);
  cr_assert_eq(c.fetches, 1);
  cr_assert_eq(c.expires_at, t0 + 60, "expireIn of the answer");
  cr_assert_eq(c.refresh_at, t0 + 30, "margin capped at half the lifetime");
  cr_assert_eq(rooms(t1, code, sizeof(code)), 200, "%s", code);
  cr_assert_eq(get(&c, t0 + 29, t2, &err), CFM_EOK);
  cr_assert_str_eq(t2, t1);
  cr_assert_eq(c.fetches, 1, "served from the cache");
  /* The mock lets it expire after 60 s. */
  set_mock_now(t0 + 60);
  cr_assert_eq(rooms(t1, code, sizeof(code)), 400);
  cr_assert_str_eq(code, "InvalidAuthentication");
  /* The cache refreshes it once the margin is reached. */
  cr_assert_eq(get(&c, t0 + 60, t2, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(c.fetches, 2);
  cr_assert_str_neq(t2, t1);
  cr_assert_eq(rooms(t2, code, sizeof(code)), 200, "%s", code);
  cr_assert_eq(rooms("conform-demo-access-token", code, sizeof(code)), 200,
               "the static token still works");
  cfm_cred_cache_release(&c);
}

Test(credential, dingtalk_invalidate_refetches_exactly_once, .init = up, .fini = down) {
  cfm_cred_cache c;
  char t1[CFM_CRED_TOKEN_MAX], t2[CFM_CRED_TOKEN_MAX], code[64];
  cfm_error_t err;
  const int64_t t0 = first_fetch(&c, t1);
  /* The server's clock runs ahead of ours (or it revoked the token): our
   * cache still thinks the token is fresh, the server refuses it. */
  set_mock_now(t0 + 3600);
  cr_assert_eq(get(&c, t0 + 1, t2, &err), CFM_EOK);
  cr_assert_eq(c.fetches, 1);
  cr_assert_eq(rooms(t2, code, sizeof(code)), 400);
  cr_assert_str_eq(code, "InvalidAuthentication");
  cfm_cred_invalidate(&c);
  cr_assert_eq(get(&c, t0 + 1, t2, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(get(&c, t0 + 2, t2, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(c.fetches, 2, "exactly one refetch");
  cr_assert_eq(rooms(t2, code, sizeof(code)), 200, "%s", code);
  cfm_cred_cache_release(&c);
}

/* A run of 40 calls, 10 s apart, over 60-second tokens: every call is
 * accepted and the token is refreshed in the middle of the run. */
Test(credential, dingtalk_refresh_in_the_middle_of_a_run, .init = up, .fini = down) {
  cfm_cred_cache c;
  char t[CFM_CRED_TOKEN_MAX], code[64];
  cfm_error_t err;
  int i;
  cfm_cred_cache_init(&c);
  for (i = 0; i < 40; i++) {
    int64_t now = 1700000000 + 10 * i;
    set_mock_now(now);
    cr_assert_eq(get(&c, now, t, &err), CFM_EOK, "%s", err.text);
    cr_assert_eq(rooms(t, code, sizeof(code)), 200, "call %d: %s", i, code);
  }
  /* A token is used for 30 s (60 s less the capped margin): 3 calls each. */
  cr_assert_eq(c.fetches, 14);
  cfm_cred_cache_release(&c);
}

Test(credential, dingtalk_errors_name_no_secret, .init = up, .fini = down) {
  cfm_cred_cache c;
  char t[CFM_CRED_TOKEN_MAX], url[160];
  cfm_error_t err;
  cfm_cred_cache_init(&c);
  cfm_error_init(&err);
  cr_assert_eq(cfm_cred_fetched_token(&c, token_url, "conform-demo-app-key", "wrong-secret-value",
                                      1700000000, t, sizeof(t), &err),
               CFM_ENETWORK);
  cr_assert(strstr(err.text, "HTTP 400 (invalidClientIdOrSecret)"), "%s", err.text);
  cr_assert(!strstr(err.text, "wrong-secret-value"));
  /* 200 without a token (a Tencent endpoint of the same mock). */
  snprintf(url, sizeof(url), "%s/v4/group_open_http_svc/destroy_group", base);
  cfm_error_init(&err);
  cr_assert_eq(cfm_cred_fetched_token(&c, url, "k", "s", 1700000000, t, sizeof(t), &err),
               CFM_EPARSE, "%s", err.text);
  cr_assert_eq(cfm_cred_fetched_token(&c, token_url, "", "s", 1700000000, t, sizeof(t), NULL),
               CFM_EUSAGE);
  cr_assert_eq(c.fetches, 0);
}

Test(credential, dingtalk_unreachable) {
  cfm_mock_config cfg;
  cfm_cred_cache c;
  char t[CFM_CRED_TOKEN_MAX], b[64], url[128], e[256];
  cfm_error_t err;
  cfm_mock *m;
  cfm_mock_config_init(&cfg);
  m = cfm_th_mock_start(&cfg, NULL, b, sizeof(b), e, sizeof(e));
  cr_assert_not_null(m, "%s", e);
  cfm_mock_stop(m); /* its port is now closed */
  snprintf(url, sizeof(url), "%s/v1.0/oauth2/accessToken", b);
  cfm_cred_cache_init(&c);
  cfm_error_init(&err);
  c.timeout_ms = 2000;
  cr_assert_eq(cfm_cred_fetched_token(&c, url, "k", "s", 1700000000, t, sizeof(t), &err),
               CFM_ENETWORK, "%s", err.text);
}

/* ---- config helpers ----------------------------------------------- */

static int from_json(const char *text, char *out, size_t cap, cfm_error_t *err) {
  json_t *j = json_loads(text, JSON_ALLOW_NUL, NULL);
  int rc;
  cr_assert_not_null(j, "%s", text);
  cfm_error_init(err);
  rc = cfm_cred_from_command_json(j, out, cap, err);
  json_decref(j);
  return rc;
}

Test(credential, command_source_from_config_json) {
  char out[64];
  cfm_error_t err;
  cr_assert_eq(
      from_json("{\"command\": [\"printf\", \"%s\", \"from-json\"]}", out, sizeof(out), &err),
      CFM_EOK, "%s", err.text);
  cr_assert_str_eq(out, "from-json");
  cr_assert_eq(
      from_json("{\"command\": [\"sleep\", \"5\"], \"timeout_ms\": 100}", out, sizeof(out), &err),
      CFM_ETIMEOUT);
  cr_assert_eq(from_json("{\"command\": []}", out, sizeof(out), &err), CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/command");
  cr_assert_eq(from_json("{\"command\": \"pass show x\"}", out, sizeof(out), &err), CFM_ECONFIG);
  cr_assert_eq(from_json("{\"command\": [\"pass\", 3]}", out, sizeof(out), &err), CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/command/1");
  cr_assert_eq(from_json("{\"command\": [\"\"]}", out, sizeof(out), &err), CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/command/0");
  cr_assert_eq(from_json("{\"command\": [\"a\\u0000b\"]}", out, sizeof(out), &err), CFM_ECONFIG);
  cr_assert_eq(from_json("{\"command\": [\"true\"], \"shell\": true}", out, sizeof(out), &err),
               CFM_ECONFIG);
  cr_assert(strstr(err.text, "'shell'"), "%s", err.text);
  cr_assert_eq(from_json("{\"command\": [\"true\"], \"timeout_ms\": 0}", out, sizeof(out), &err),
               CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/timeout_ms");
  cr_assert_eq(from_json("[\"true\"]", out, sizeof(out), &err), CFM_ECONFIG);
}

Test(credential, tencent_region_hosts_from_the_spec) {
  json_error_t je;
  json_t *spec = json_load_file(CONFORM_SPECS_DIR "/tencent-im.json", 0, &je);
  const json_t *hosts = json_object_get(json_object_get(spec, "transport"), "hosts");
  static const char *const want[][2] = {{"china", "https://console.tim.qq.com"},
                                        {"singapore", "https://adminapisgp.im.qcloud.com"},
                                        {"seoul", "https://adminapikr.im.qcloud.com"},
                                        {"frankfurt", "https://adminapiger.im.qcloud.com"}};
  char url[128];
  cfm_error_t err;
  size_t i;
  cr_assert_not_null(spec, "%s", je.text);
  for (i = 0; i < 4; i++) {
    cfm_error_init(&err);
    cr_assert_eq(cfm_cred_region_url(hosts, want[i][0], url, sizeof(url), &err), CFM_EOK, "%s",
                 err.text);
    cr_assert_str_eq(url, want[i][1]);
  }
  cfm_error_init(&err);
  cr_assert_eq(cfm_cred_region_url(hosts, "mars", url, sizeof(url), &err), CFM_ENOTFOUND);
  cr_assert_str_eq(err.text, "unknown region 'mars' (known: china, singapore, seoul, frankfurt)");
  cr_assert_eq(cfm_cred_region_url(hosts, "china", url, 10, NULL), CFM_ETOOBIG);
  json_decref(spec);
}

Test(credential, mock_token_endpoint_refuses_bad_requests, .init = up, .fini = down) {
  static const char *const bodies[] = {"{}", "{\"appKey\": \"conform-demo-app-key\"}", "not json",
                                       "{\"appKey\": 1, \"appSecret\": 2}"};
  cfm_th_resp r;
  size_t i;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    cr_assert_eq(cfm_th_request(NULL, base, "POST", "/v1.0/oauth2/accessToken",
                                "Content-Type: application/json", bodies[i], strlen(bodies[i]), &r),
                 0);
    cr_assert_eq(r.status, 400, "%s -> %s", bodies[i], r.body);
    cr_assert_str_eq(cfm_th_str(&r, "/code"), "MissingParameter", "%s", r.body);
    cfm_th_resp_free(&r);
  }
  cr_assert_eq(cfm_th_request(NULL, base, "GET", "/v1.0/oauth2/accessToken", NULL, NULL, 0, &r), 0);
  cr_assert_eq(r.status, 405, "%s", r.body);
  cfm_th_resp_free(&r);
}
