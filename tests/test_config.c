#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/target.h"
#include "conform/usersig.h"
#include "conform/jsonutil.h"

static const char *write_tmp(const char *text) {
  static char path[64];
  FILE *f;
  snprintf(path, sizeof(path), "/tmp/conform-config-XXXXXX");
  f = fdopen(mkstemp(path), "w");
  fputs(text, f);
  fclose(f);
  return path;
}

Test(config, secrets_from_env_and_file) {
  cfm_config cfg;
  cfm_error_t err;
  char secret_file[64];
  char text[512];
  const cfm_target *t;
  snprintf(secret_file, sizeof(secret_file), "%s", write_tmp("file-secret\n"));
  setenv("CONFORM_TEST_TOKEN", "env-secret", 1);
  snprintf(
      text, sizeof(text),
      "{\"concurrency\": 3, \"targets\": {\"agora-chat\": {\"base_url\": \"https://x.example\","
      " \"credentials\": {\"app_token\": {\"env\": \"CONFORM_TEST_TOKEN\"}}},"
      " \"dingtalk-rooms\": {\"base_url\": \"http://127.0.0.1:9\", \"credentials\":"
      " {\"access_token\": {\"file\": \"%s\"}}, \"variables\": {\"admin\": \"u1\"}}}}",
      secret_file);
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_load(&cfg, write_tmp(text), &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfg.concurrency, 3);
  t = cfm_config_target(&cfg, "agora-chat");
  cr_assert_str_eq(json_string_value(json_object_get(t->credentials, "app_token")), "env-secret");
  t = cfm_config_target(&cfg, "dingtalk-rooms");
  cr_assert_str_eq(json_string_value(json_object_get(t->credentials, "access_token")),
                   "file-secret");
  cr_assert_str_eq(json_string_value(json_object_get(t->variables, "admin")), "u1");
  cfm_config_release(&cfg);
}

Test(config, errors_name_the_place) {
  cfm_config cfg;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_load(&cfg,
                               write_tmp("{\"targets\": {\"a\": {\"credentials\": {\"k\": "
                                         "{\"env\": \"CONFORM_NO_SUCH_VAR_X\"}}}}}"),
                               &err),
               CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/targets/a/credentials/k");
  cr_assert(strstr(err.text, "CONFORM_NO_SUCH_VAR_X") != NULL);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_load(&cfg, write_tmp("{\"concurrency\": 0}"), &err), CFM_ECONFIG);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_load(&cfg, write_tmp("not json"), &err), CFM_ECONFIG);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat", &err), CFM_EUSAGE);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat=ftp://x", &err), CFM_EUSAGE);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat=http://127.0.0.1:8/", &err), CFM_EOK);
  cr_assert_str_eq(cfm_config_target(&cfg, "agora-chat")->base_url, "http://127.0.0.1:8");
  cfm_config_release(&cfg);
}

Test(config, auth_rendering_and_redaction) {
  cfm_config cfg;
  cfm_auth_out out;
  json_t *tauth = json_pack("{s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "scheme", "tencent_usersig",
                            "query", "sdkappid", "sdkappid", "identifier", "identifier", "usersig",
                            "usersig", "random", "random", "contenttype", "contenttype");
  json_t *bearer = json_pack("{s:s, s:s}", "scheme", "bearer", "header", "Authorization");
  const cfm_target *t;
  char red[4096], *sig, *amp;
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, 1234);
  t = cfm_config_target(&cfg, "tencent-im");
  cr_assert_eq(cfm_auth_render(t, tauth, CFM_AUTH_VALID, 1700000000, 7, &out, NULL), CFM_EOK);
  cr_assert(strstr(out.query, "sdkappid=1400000000&identifier=administrator&usersig=") != NULL);
  cr_assert(strstr(out.query, "random=7&contenttype=json") != NULL);
  sig = strstr(out.query, "usersig=") + 8;
  amp = strchr(sig, '&');
  cr_assert_eq(cfm_usersig_verify(sig, (size_t)(amp - sig), 1400000000u, "administrator",
                                  "conform-demo-secret-key", 23, 1700000100),
               CFM_USERSIG_OK);
  cfm_auth_render(t, tauth, CFM_AUTH_EXPIRED, 1700000000, 7, &out, NULL);
  sig = strstr(out.query, "usersig=") + 8;
  amp = strchr(sig, '&');
  cr_assert_eq(cfm_usersig_verify(sig, (size_t)(amp - sig), 1400000000u, "administrator",
                                  "conform-demo-secret-key", 23, 1700000000),
               CFM_USERSIG_EXPIRED);
  cfm_auth_render(t, tauth, CFM_AUTH_MISSING, 1700000000, 7, &out, NULL);
  cr_assert_null(strstr(out.query, "usersig="));
  t = cfm_config_target(&cfg, "agora-chat");
  cfm_auth_render(t, bearer, CFM_AUTH_VALID, 0, 0, &out, NULL);
  cr_assert_str_eq(out.header, "Authorization: Bearer conform-demo-app-token");
  cfm_redact(&cfg,
             "curl -H 'Authorization: Bearer conform-demo-app-token' "
             "'http://h/x?usersig=abcdefgh&random=1' conform-demo-secret-key",
             red, sizeof(red));
  cr_assert_null(strstr(red, "conform-demo-app-token"), "%s", red);
  cr_assert_null(strstr(red, "abcdefgh"), "%s", red);
  cr_assert_null(strstr(red, "conform-demo-secret-key"), "%s", red);
  cr_assert(strstr(red, "REDACTED") != NULL);
  json_decref(tauth);
  json_decref(bearer);
  cfm_config_release(&cfg);
}

/* A secret that occurs in the marker itself must not loop (fuzz_config
 * found this as a timeout), and a secret shorter than the marker is cut
 * rather than left in place when the buffer has no room to grow. */
Test(config, redaction_terminates_and_never_leaves_a_secret) {
  static const char text[] =
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": \"DACT\"}},"
      " \"dingtalk\": {\"credentials\": {\"access_token\": \"REDACTED\"}}}}";
  cfm_config cfg;
  char red[64];
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "t.json", text, sizeof(text) - 1, NULL), CFM_EOK);
  cfm_redact(&cfg, "a DACT b DACT", red, sizeof(red));
  cr_assert_str_eq(red, "a REDACTED b REDACTED");
  /* 11 bytes of room: "x " + marker fits, the rest is cut, no "DACT" */
  cfm_redact(&cfg, "x DACT y DACT", red, 11);
  cr_assert_str_eq(red, "x REDACTED");
  cfm_redact(&cfg, "xyzDACT", red, 9);
  cr_assert_str_eq(red, "xyz");
  cfm_redact(&cfg, "GET /?usersig=abc", red, 18);
  cr_assert_str_eq(red, "GET /?usersig=");
  cfm_config_release(&cfg);
}

/* Every unknown key is an error naming its JSON pointer, with the closest
 * known key as a suggestion. */
Test(config, unknown_keys_name_the_pointer_and_a_suggestion) {
  static const char *const cases[][3] = {
      {"{\"targets\": {\"agora-chat\": {\"base-url\": \"http://h\"}}}",
       "/targets/agora-chat/base-url", "'base_url'"},
      {"{\"target\": {}}", "/target", "'targets'"},
      {"{\"timeout\": 1}", "/timeout", "'timeout_ms'"},
      {"{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": {\"envv\": \"X\"}}}}}",
       "/targets/agora-chat/credentials/app_token/envv", "'env'"},
      {"{\"targets\": {\"a/b\": {}}}", "/targets/a~1b", ""},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cfm_config cfg;
    cfm_error_t err;
    cfm_config_init(&cfg);
    cfm_error_init(&err);
    cr_assert_eq(cfm_config_parse(&cfg, "c.json", cases[i][0], strlen(cases[i][0]), &err),
                 CFM_ECONFIG, "%s", cases[i][0]);
    cr_assert_str_eq(err.pointer, cases[i][1], "%s", cases[i][0]);
    cr_assert(strstr(err.text, cases[i][2]) != NULL, "%s: %s", cases[i][0], err.text);
    cfm_config_release(&cfg);
  }
}

/* Vendor, credential and variable names are checked against the specs. */
Test(config, names_are_checked_against_the_specs) {
  static const char *const cases[][3] = {
      {"{\"targets\": {\"agora\": {}}}", "/targets/agora", "'agora-chat'"},
      {"{\"targets\": {\"agora-chat\": {\"credentials\": {\"token\": \"t\"}}}}",
       "/targets/agora-chat/credentials/token", "'app_token'"},
      {"{\"targets\": {\"tencent-im\": {\"variables\": {\"ownr\": \"u\"}}}}",
       "/targets/tencent-im/variables/ownr", "'owner'"},
  };
  cfm_specset set = {0};
  size_t i;
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, NULL), CFM_EOK);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cfm_config cfg;
    cfm_error_t err;
    cfm_config_init(&cfg);
    cfm_error_init(&err);
    cr_assert_eq(cfm_config_parse(&cfg, "c.json", cases[i][0], strlen(cases[i][0]), &err), CFM_EOK,
                 "%s", err.text);
    cr_assert_eq(cfm_config_check(&cfg, &set, &err), CFM_ECONFIG, "%s", cases[i][0]);
    cr_assert_str_eq(err.where, "c.json");
    cr_assert_str_eq(err.pointer, cases[i][1]);
    cr_assert(strstr(err.text, cases[i][2]) != NULL, "%s", err.text);
    cfm_config_release(&cfg);
  }
  {
    cfm_config cfg;
    cfm_error_t err;
    cfm_config_init(&cfg);
    cfm_error_init(&err);
    cr_assert_eq(cfm_config_set_target_url(&cfg, "agora=http://h", &err), CFM_EOK);
    cr_assert_eq(cfm_config_check(&cfg, &set, &err), CFM_EUSAGE);
    cr_assert(strstr(err.text, "'agora-chat'") != NULL, "%s", err.text);
    cfm_config_release(&cfg);
  }
  cfm_specset_release(&set);
}

/* --target wins over the config's base_url whichever comes first. */
Test(config, command_line_target_wins_in_either_order) {
  static const char text[] = "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://cfg/\"}}}";
  int order;
  for (order = 0; order < 2; order++) {
    cfm_config cfg;
    const cfm_target *t;
    cfm_config_init(&cfg);
    if (order == 0)
      cr_assert_eq(cfm_config_parse(&cfg, "c", text, sizeof(text) - 1, NULL), CFM_EOK);
    cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat=http://cli", NULL), CFM_EOK);
    if (order == 1)
      cr_assert_eq(cfm_config_parse(&cfg, "c", text, sizeof(text) - 1, NULL), CFM_EOK);
    t = cfm_config_target(&cfg, "agora-chat");
    cr_assert_str_eq(t->base_url, "http://cli");
    cr_assert_str_eq(t->config_url, "http://cfg");
    cr_assert(t->url_from_cli);
    cfm_config_release(&cfg);
  }
}

Test(config, credentials_in_a_url_are_refused) {
  static const char text[] =
      "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://u:pw@h/x\"}}}";
  cfm_config cfg;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_parse(&cfg, "c", text, sizeof(text) - 1, &err), CFM_ECONFIG);
  cr_assert_str_eq(err.pointer, "/targets/agora-chat/base_url");
  cr_assert(strstr(err.text, "pw") == NULL, "%s", err.text);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat=http://u:pw@h", &err), CFM_EUSAGE);
  cr_assert(strstr(err.text, "pw") == NULL, "%s", err.text);
  /* an @ after the authority is not userinfo */
  cr_assert_eq(cfm_config_set_target_url(&cfg, "agora-chat=http://h/a@b", NULL), CFM_EOK);
  cfm_config_release(&cfg);
}
