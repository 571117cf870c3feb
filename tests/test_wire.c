/* Credential providers wired end to end (issue 17): a run against the
 * reference mock using only app_id + app_certificate (Agora) and app_key +
 * app_secret (DingTalk), with tokens refreshed before expiry in the middle
 * of the run, and replaced (the request retried once) when the vendor
 * revokes them; the CLI doing the same from a config; a dry run fetching
 * nothing; Agora's /{org_name}/{app_name}/ layout through base_path. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conform/mock.h"
#include "conform/runner.h"
#include "helper_cli.h"

/* One virtual clock for the run's token cache and the mock: every token
 * the run asks for moves it 20 s on, so tokens age by request count, not
 * by wall time (no timing-dependent assert). */
static int64_t vclock_now;

static int64_t run_clock(void *arg) {
  (void)arg;
  return __atomic_add_fetch(&vclock_now, 20, __ATOMIC_SEQ_CST);
}

static int64_t mock_clock(void *arg) {
  (void)arg;
  return __atomic_load_n(&vclock_now, __ATOMIC_SEQ_CST);
}

static const char *spec_dir(void) {
  return CONFORM_SPECS_DIR;
}

/* The specs, and a mock config that accepts only minted (Agora) and
 * issued (DingTalk) tokens on the shared virtual clock; the provider
 * secrets in the environment. */
static void provider_setup(cfm_specset *specs, cfm_mock_config *mc) {
  cfm_error_t err;
  vclock_now = (int64_t)time(NULL);
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(specs, spec_dir(), &err), CFM_EOK, "%s", err.text);
  cfm_mock_config_init(mc);
  mc->clock = mock_clock;
  /* Only the minted / issued tokens are accepted: no static token. */
  mc->agora_token = "static-agora-token-not-in-the-config";
  mc->dingtalk_token = "static-dingtalk-token-not-in-the-config";
  setenv("CFM_WIRE_AGORA_CERT", "conform-demo-app-certificate", 1);
  setenv("CFM_WIRE_DT_SECRET", "conform-demo-app-secret", 1);
}

/* A config of provider keys only for both vendors at the mock's port;
 * agora_extra is spliced into the Agora target ("" or "\"key\": v, "). */
static void provider_config(char *text, size_t cap, uint16_t port, const char *agora_extra) {
  snprintf(text, cap,
           "{\"targets\": {"
           "\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%u\", %s\"credentials\": "
           "{\"app_certificate\": {\"env\": \"CFM_WIRE_AGORA_CERT\"}}, \"variables\": "
           "{\"app_id\": \"conform-demo-app\"}},"
           "\"dingtalk-rooms\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": "
           "{\"app_key\": \"conform-demo-app-key\", \"app_secret\": {\"env\": "
           "\"CFM_WIRE_DT_SECRET\"}}}}}",
           (unsigned)port, agora_extra, (unsigned)port);
}

Test(wire, a_run_with_minted_and_fetched_tokens_passes_and_refreshes, .timeout = 120) {
  cfm_specset specs = {0};
  cfm_mock_config mc;
  cfm_mock *m;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char why[256], text[1024];
  cfm_error_init(&err);
  provider_setup(&specs, &mc);
  mc.dingtalk_token_lifetime_s = 600; /* refreshed every 15 tokens asked for */
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  /* Agora tokens last 600 s: re-minted every 15 tokens asked for. */
  provider_config(text, sizeof(text), cfm_mock_port(m), "\"token_lifetime_s\": 600, ");
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "wire.json", text, strlen(text), &err), CFM_EOK, "%s",
               err.text);
  cr_assert_eq(cfm_config_check(&cfg, &specs, &err), CFM_EOK, "%s", err.text);
  cfm_config_use_mock(&cfg, cfm_mock_port(m)); /* Tencent keeps its demo key */
  cfm_config_set_clock(&cfg, run_clock, NULL);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 1; /* one request in flight: a token ages 20 s at most before it is checked */
  /* The clock moves 20 s per token asked for: the 1,001-group clamp set-up
   * and its clean-up (many requests in flight at once) would age a token
   * past its life between minting and checking, which wall time never
   * does.  Heavy set-ups are not what this test is about. */
  opt.local_targets = -1;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_geq(res.cases, 300);
  /* Every case whose credentials are minted or fetched got through. */
  cr_assert_eq(res.counts[CFM_VERDICT_FAIL] + res.counts[CFM_VERDICT_ERROR], 0,
               "%zu fail, %zu error, %zu warn, %zu skip", res.counts[CFM_VERDICT_FAIL],
               res.counts[CFM_VERDICT_ERROR], res.counts[CFM_VERDICT_WARN],
               res.counts[CFM_VERDICT_SKIP]);
  cr_assert_eq(res.counts[CFM_VERDICT_SKIP], 1, "only the heavy clamp set-up is skipped");
  cr_assert_eq(res.counts[CFM_VERDICT_PASS] + 1, res.cases, "%zu warn",
               res.counts[CFM_VERDICT_WARN]);
  cr_log_info("token fetches: dingtalk %lu, agora %lu; %zu requests",
              cfm_target_credential_fetches(cfm_config_target(&cfg, "dingtalk-rooms")),
              cfm_target_credential_fetches(cfm_config_target(&cfg, "agora-chat")), res.requests);
  /* Each fetch is one hit of the mock's token endpoint. */
  cr_assert_gt(cfm_target_credential_fetches(cfm_config_target(&cfg, "dingtalk-rooms")), 1,
               "no DingTalk token refresh in the middle of the run");
  cr_assert_gt(cfm_target_credential_fetches(cfm_config_target(&cfg, "agora-chat")), 1,
               "no Agora token re-minted in the middle of the run");
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  cfm_specset_release(&specs);
}

/* A new directory (dir, a mkdtemp template) with c.json open for writing. */
static FILE *config_file(char *dir, char *cfgpath, size_t cap) {
  FILE *f;
  cr_assert(mkdtemp(dir));
  snprintf(cfgpath, cap, "%s/c.json", dir);
  f = fopen(cfgpath, "w");
  cr_assert(f);
  return f;
}

/* The binary, from a config file with only the provider keys: exit 0. */
Test(wire, the_cli_runs_from_provider_keys, .timeout = 120) {
  cfm_mock_config mc;
  cfm_mock *m;
  char why[256], dir[] = "/tmp/conform-wire-XXXXXX", cfgpath[64], out[4096];
  FILE *f;
  int rc;
  cfm_mock_config_init(&mc);
  mc.agora_token = "static-agora-token-not-in-the-config";
  mc.dingtalk_token = "static-dingtalk-token-not-in-the-config";
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  f = config_file(dir, cfgpath, sizeof(cfgpath));
  fprintf(f,
          "{\"targets\": {"
          "\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": "
          "{\"app_certificate\": {\"env\": \"CFM_WIRE_AGORA_CERT\"}}, \"variables\": "
          "{\"app_id\": \"conform-demo-app\"}},"
          "\"dingtalk-rooms\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": "
          "{\"app_key\": {\"command\": [\"printf\", \"conform-demo-app-key\"]}, \"app_secret\": "
          "{\"env\": \"CFM_WIRE_DT_SECRET\"}}}}}",
          (unsigned)cfm_mock_port(m), (unsigned)cfm_mock_port(m));
  fclose(f);
  rc = cfm_th_sh(out, sizeof(out),
                 "CFM_WIRE_AGORA_CERT=conform-demo-app-certificate "
                 "CFM_WIRE_DT_SECRET=conform-demo-app-secret '%s' run --no-pace --config '%s' "
                 "--reports '%s/r' >'%s/log' 2>&1; rc=$?; tail -3 '%s/log'; exit $rc",
                 CONFORM_BIN, cfgpath, dir, dir, dir);
  cr_assert_eq(rc, 0, "%s", out);
  /* No secret, no token in any report. */
  rc = cfm_th_sh(out, sizeof(out),
                 "grep -rl -e conform-demo-app-certificate -e conform-demo-app-secret "
                 "-e 'Bearer 007' '%s/r'; rm -rf '%s'",
                 dir, dir);
  cr_assert_str_eq(out, "", "a secret in %s", out);
  cfm_mock_stop(m);
}

/* --dry-run fetches no DingTalk token: nothing connects to token_url. */
Test(wire, a_dry_run_fetches_no_token, .timeout = 120) {
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  char dir[] = "/tmp/conform-wire-XXXXXX", cfgpath[64], out[4096];
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), rc, c;
  FILE *f;
  cr_assert(s >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
  cr_assert_eq(listen(s, 16), 0);
  cr_assert_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
  f = config_file(dir, cfgpath, sizeof(cfgpath));
  fprintf(f,
          "{\"timeout_ms\": 1000, \"targets\": {\"dingtalk-rooms\": {\"base_url\": "
          "\"http://127.0.0.1:%u\", \"token_url\": \"http://127.0.0.1:%u/tok\", "
          "\"credentials\": {\"app_key\": \"k\", \"app_secret\": \"s-0123\"}}}}",
          (unsigned)ntohs(a.sin_port), (unsigned)ntohs(a.sin_port));
  fclose(f);
  rc = cfm_th_sh(out, sizeof(out), "'%s' run --dry-run --no-reports --config '%s' 2>&1 | wc -l",
                 CONFORM_BIN, cfgpath);
  cr_assert_eq(rc, 0, "%s", out);
  cr_assert_gt(atoi(out), 30, "%s", out);
  c = accept(s, NULL, NULL);
  cr_assert_lt(c, 0, "the dry run connected to the token endpoint");
  cr_assert(errno == EAGAIN || errno == EWOULDBLOCK);
  close(s);
  cfm_th_sh(out, sizeof(out), "rm -rf '%s'", dir);
}

/* conform specs --variables: every variable of every vendor, with the mock's
 * default and the cases that need it. */
Test(wire, specs_lists_every_variable) {
  static char out[1 << 20];
  json_t *root, *v;
  json_error_t je;
  size_t i, seen = 0;
  int rc = cfm_th_sh(out, sizeof(out), "'%s' specs --variables --json", CONFORM_BIN);
  cr_assert_eq(rc, 0, "%.300s", out);
  root = json_loads(out, 0, &je);
  cr_assert(json_is_array(root), "%s", je.text);
  json_array_foreach(root, i, v) {
    const char *vendor = json_string_value(json_object_get(v, "vendor"));
    const char *name = json_string_value(json_object_get(v, "variable"));
    cr_assert(vendor && name && json_object_get(v, "default"));
    cr_assert_gt(json_array_size(json_object_get(v, "cases")), 0, "%s.%s needed by no case", vendor,
                 name);
    if ((!strcmp(vendor, "agora-chat") && (!strcmp(name, "owner4") || !strcmp(name, "stranger"))) ||
        (!strcmp(vendor, "tencent-im") && !strcmp(name, "non_member")))
      seen++;
    if (!strcmp(vendor, "agora-chat") && !strcmp(name, "app_id"))
      cr_assert(json_is_true(json_object_get(v, "in_base_url")));
  }
  cr_assert_eq(seen, 3);
  json_decref(root);
  rc = cfm_th_sh(out, sizeof(out), "'%s' specs --variables | grep -c 'tencent-im *non_member'",
                 CONFORM_BIN);
  cr_assert_str_eq(out, "1\n");
}

/* Counts provenance objects citing a seed doc under v, and those of them
 * carrying the page's public https address and title. */
static void count_citations(const json_t *v, size_t *docs, size_t *linked) {
  const char *k;
  json_t *c;
  size_t i;
  if (json_is_array(v)) {
    json_array_foreach(v, i, c) count_citations(c, docs, linked);
    return;
  }
  if (!json_is_object(v))
    return;
  if (json_is_string(json_object_get(v, "doc")) && json_object_get(v, "section")) {
    const char *url = json_string_value(json_object_get(v, "url"));
    const char *title = json_string_value(json_object_get(v, "title"));
    (*docs)++;
    if (url && !strncmp(url, "https://", 8) && title && *title)
      (*linked)++;
    return;
  }
  json_object_foreach((json_t *)v, k, c) count_citations(c, docs, linked);
}

/* Every provenance citing a seed carries the vendor page's address and
 * title (specs/sources.json), and the loaded specs still pass their checks. */
Test(wire, citations_carry_the_public_page) {
  cfm_specset specs = {0};
  cfm_error_t err;
  size_t s, docs = 0, linked = 0;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, spec_dir(), &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(specs.count, 3, "sources.json must not load as a spec");
  cr_assert_eq(cfm_specset_check(&specs, &err), CFM_EOK, "%s", err.text);
  for (s = 0; s < specs.count; s++)
    count_citations(specs.items[s]->root, &docs, &linked);
  cr_assert_gt(docs, 50);
  cr_assert_eq(linked, docs, "%zu of %zu doc citations without a public page", docs - linked, docs);
  cfm_specset_release(&specs);
}

/* A run of one vendor's cases (concurrency 1, heavy set-ups skipped)
 * against the mock m with the config text; fills res. */
static void run_vendor(cfm_specset *specs, cfm_config *cfg, const char *text, cfm_mock *m,
                       const char *vendor, cfm_run_result *res) {
  cfm_run_options opt;
  cfm_error_t err;
  cfm_error_init(&err);
  cfm_config_init(cfg);
  cr_assert_eq(cfm_config_parse(cfg, "wire.json", text, strlen(text), &err), CFM_EOK, "%s",
               err.text);
  cr_assert_eq(cfm_config_check(cfg, specs, &err), CFM_EOK, "%s", err.text);
  cfm_config_use_mock(cfg, cfm_mock_port(m));
  cfm_config_set_clock(cfg, run_clock, NULL);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 1;
  opt.local_targets = -1;
  opt.vendor = vendor;
  cr_assert_eq(cfm_run(specs, cfg, &opt, res, &err), CFM_EOK, "%s", err.text);
  cr_log_info("%s: %zu cases, %zu pass, %zu fail, %zu error, %zu skip; %lu token(s)", vendor,
              res->cases, res->counts[CFM_VERDICT_PASS], res->counts[CFM_VERDICT_FAIL],
              res->counts[CFM_VERDICT_ERROR], res->counts[CFM_VERDICT_SKIP],
              cfm_target_credential_fetches(cfm_config_target(cfg, vendor)));
  cr_assert_gt(res->cases, 30);
  cr_assert_eq(res->counts[CFM_VERDICT_FAIL] + res->counts[CFM_VERDICT_ERROR], 0,
               "%s: %zu fail, %zu error", vendor, res->counts[CFM_VERDICT_FAIL],
               res->counts[CFM_VERDICT_ERROR]);
}

/* The vendor revokes the run's token in the middle of the run (the mock's
 * hooks: every DingTalk token issued so far after 40 rooms calls; Agora
 * tokens issued before a moment of the shared virtual clock).  The run
 * forgets the token, gets a new one and sends the refused request once
 * more: every case still passes, with exactly one new token per vendor
 * (lifetimes are long: no refresh by expiry). */
Test(wire, a_revoked_token_is_replaced_and_the_request_retried_once, .timeout = 120) {
  cfm_specset specs = {0};
  cfm_mock_config mc;
  cfm_mock *m;
  cfm_config cfg;
  cfm_run_result res;
  char why[256], text[1024];
  /* Agora first: its revocation moment is on the clock the runs move. */
  static const char *const vendors[] = {"agora-chat", "dingtalk-rooms"};
  size_t v;
  provider_setup(&specs, &mc);
  mc.dingtalk_revoke_after = 40;
  /* run_clock moves 20 s per token asked for: the Agora token minted
   * first is refused from the 30th request of the Agora run on. */
  mc.agora_revoke_at = vclock_now + 30 * 20;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  provider_config(text, sizeof(text), cfm_mock_port(m), "\"token_lifetime_s\": 86400, ");
  for (v = 0; v < 2; v++) {
    run_vendor(&specs, &cfg, text, m, vendors[v], &res);
    cr_assert_eq(cfm_target_credential_fetches(cfm_config_target(&cfg, vendors[v])), 2,
                 "%s: one token, then one after the revocation", vendors[v]);
    cfm_config_release(&cfg);
  }
  cfm_mock_stop(m);
  cfm_specset_release(&specs);
}

/* A DingTalk run (run_vendor) against a fresh mock of mc; fills res and
 * returns the tokens it fetched. */
static unsigned long dingtalk_run(cfm_specset *specs, const cfm_mock_config *mc,
                                  cfm_run_result *res) {
  cfm_mock *m;
  cfm_config cfg;
  char why[256], text[1024];
  unsigned long fetches;
  cr_assert_eq(cfm_mock_start(mc, &m, why, sizeof(why)), 0, "%s", why);
  provider_config(text, sizeof(text), cfm_mock_port(m), "");
  run_vendor(specs, &cfg, text, m, "dingtalk-rooms", res);
  fetches = cfm_target_credential_fetches(cfm_config_target(&cfg, "dingtalk-rooms"));
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  return fetches;
}

/* The vendor revokes the token on the run's very last request, a
 * deletion of what the run created: the deletion is sent again with a new
 * token (the clean-up phase), and nothing is left behind. */
Test(wire, a_token_refused_to_a_deletion_is_replaced, .timeout = 120) {
  cfm_specset specs = {0};
  cfm_mock_config mc;
  cfm_run_result res;
  provider_setup(&specs, &mc);
  /* A first run counts the rooms calls (every request but the one token fetch). */
  cr_assert_eq(dingtalk_run(&specs, &mc, &res), 1);
  cr_assert_gt(res.cleanup_sent, 0);
  /* The same run, the token revoked on its last rooms call. */
  mc.dingtalk_revoke_after = (unsigned)(res.requests - 1);
  cr_assert_eq(dingtalk_run(&specs, &mc, &res), 2, "a new token after the refusal");
  cr_assert_eq(res.cleanup_failed, 0, "the refused deletion was sent again and succeeded");
  cfm_specset_release(&specs);
}

/* Agora's older /{org_name}/{app_name}/ layout (base_path) end to end:
 * every request of the run goes there (the mock serves the demo org and
 * app; the app id given would not be found under /app-id/). */
Test(wire, agora_org_app_layout_runs_end_to_end, .timeout = 120) {
  cfm_specset specs = {0};
  cfm_mock_config mc;
  cfm_mock *m;
  cfm_config cfg;
  cfm_run_result res;
  cfm_error_t err;
  char why[256], text[1024];
  vclock_now = (int64_t)time(NULL);
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, spec_dir(), &err), CFM_EOK, "%s", err.text);
  cfm_mock_config_init(&mc);
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  snprintf(text, sizeof(text),
           "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%u\", "
           "\"base_path\": \"/{org_name}/{app_name}\", \"credentials\": {\"app_token\": "
           "\"conform-demo-app-token\"}, \"variables\": {\"org_name\": \"%s\", \"app_name\": "
           "\"%s\", \"app_id\": \"an-app-id-the-mock-does-not-know\"}}}}",
           (unsigned)cfm_mock_port(m), CFM_MOCK_AGORA_ORG, CFM_MOCK_AGORA_APP);
  run_vendor(&specs, &cfg, text, m, "agora-chat", &res);
  cr_assert_geq(res.counts[CFM_VERDICT_PASS] + 1, res.cases, "%zu skip, %zu warn",
                res.counts[CFM_VERDICT_SKIP], res.counts[CFM_VERDICT_WARN]);
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  cfm_specset_release(&specs);
}

/* The CLI: a dry run shows the org/app layout in every Agora request; a
 * placeholder without a value is exit 3 naming it. */
Test(wire, the_cli_builds_urls_from_base_path, .timeout = 60) {
  char dir[] = "/tmp/conform-wire-XXXXXX", cfgpath[64], out[4096];
  FILE *f;
  int rc;
  f = config_file(dir, cfgpath, sizeof(cfgpath));
  fprintf(f, "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\", "
             "\"base_path\": \"/{org_name}/{app_name}\", \"credentials\": {\"app_token\": "
             "\"t-0123\"}, \"variables\": {\"org_name\": \"o1\", \"app_name\": \"a1\"}}}}");
  fclose(f);
  rc = cfm_th_sh(out, sizeof(out),
                 "'%s' run --dry-run --no-reports --config '%s' >'%s/out' 2>&1; rc=$?; "
                 "grep -c 'http://127.0.0.1:9/' '%s/out'; grep -c 'http://127.0.0.1:9/o1/a1/' "
                 "'%s/out'; exit $rc",
                 CONFORM_BIN, cfgpath, dir, dir, dir);
  cr_assert_eq(rc, 0, "%s", out);
  {
    int all = 0, layout = 0;
    cr_assert_eq(sscanf(out, "%d %d", &all, &layout), 2, "%s", out);
    cr_assert_gt(all, 30);
    cr_assert_eq(layout, all, "%d of %d requests outside /o1/a1/", all - layout, all);
  }
  f = fopen(cfgpath, "w");
  cr_assert(f);
  fprintf(f, "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\", "
             "\"base_path\": \"/{org_name}/{app_name}\", \"credentials\": {\"app_token\": "
             "\"t-0123\"}, \"variables\": {\"org_name\": \"o1\", \"app_name\": \"\"}}}}");
  fclose(f);
  rc = cfm_th_sh(out, sizeof(out), "'%s' run --dry-run --no-reports --config '%s' 2>&1",
                 CONFORM_BIN, cfgpath);
  cr_assert_eq(rc, 3, "%s", out);
  cr_assert(strstr(out, "{app_name} is empty") != NULL, "%s", out);
  /* cleanup loads and checks the config as run does (one CLI helper). */
  rc = cfm_th_sh(out, sizeof(out), "'%s' cleanup --config '%s' --reports '%s' 2>&1", CONFORM_BIN,
                 cfgpath, dir);
  cr_assert_eq(rc, 3, "%s", out);
  cr_assert(strstr(out, "{app_name} is empty") != NULL, "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf '%s'", dir);
}
