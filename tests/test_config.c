#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/target.h"
#include "conform/usersig.h"
#include "conform/jsonutil.h"
#include "conform/request.h"

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

/* ---- issue 17 / 16.5: providers, regions, base URL templates, secrets ---- */

/* Parses text (and checks it against the shipped specs when set); returns the
 * first failing code. */
static int parse_check(cfm_config *cfg, const char *text, cfm_specset *set, cfm_error_t *err) {
  int rc;
  cfm_config_init(cfg);
  cfm_error_init(err);
  rc = cfm_config_parse(cfg, "c.json", text, strlen(text), err);
  if (rc == CFM_EOK && set)
    rc = cfm_config_check(cfg, set, err);
  return rc;
}

Test(config, a_secret_with_cr_lf_or_nul_is_an_error_that_shows_no_byte) {
  static const char *const texts[] = {
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": \"zq7x\\r\\nX-Evil: "
      "1\"}}}}",
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": \"zq7x\\u0000tail\"}}}}",
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": {\"env\": "
      "\"CFM_T_NL\"}}}}}",
  };
  size_t i;
  setenv("CFM_T_NL", "zq7x\nsecond", 1);
  for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    cfm_config cfg;
    cfm_error_t err;
    cr_assert_eq(parse_check(&cfg, texts[i], NULL, &err), CFM_ECONFIG, "%zu", i);
    cr_assert(strstr(err.text, "CR, LF or NUL") != NULL, "%s", err.text);
    cr_assert(strstr(err.text, "zq7x") == NULL, "%s", err.text);
    cr_assert_str_eq(err.pointer, "/targets/agora-chat/credentials/app_token");
    cfm_config_release(&cfg);
  }
  {
    /* A NUL inside a secret file. */
    static const char bytes[] = "zq7x\0tail\n";
    char path[] = "/tmp/conform-nul-XXXXXX", text[256];
    int fd = mkstemp(path);
    cfm_config cfg;
    cfm_error_t err;
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, bytes, sizeof(bytes) - 1), (ssize_t)(sizeof(bytes) - 1));
    close(fd);
    snprintf(
        text, sizeof(text),
        "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": {\"file\": \"%s\"}}}}}",
        path);
    cr_assert_eq(parse_check(&cfg, text, NULL, &err), CFM_ECONFIG);
    cr_assert(strstr(err.text, "CR, LF or NUL") && !strstr(err.text, "zq7x"), "%s", err.text);
    cfm_config_release(&cfg);
    unlink(path);
  }
}

/* A FIFO nobody writes to: a bounded wait, then a message (it used to block
 * in open(2) for ever). */
Test(config, a_secret_pipe_without_writer_times_out, .timeout = 20) {
  char dir[] = "/tmp/conform-fifo-XXXXXX", fifo[64], text[256];
  cfm_config cfg;
  cfm_error_t err;
  cr_assert(mkdtemp(dir));
  snprintf(fifo, sizeof(fifo), "%s/p", dir);
  cr_assert_eq(mkfifo(fifo, 0600), 0);
  snprintf(
      text, sizeof(text),
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": {\"file\": \"%s\"}}}}}",
      fifo);
  cr_assert_eq(parse_check(&cfg, text, NULL, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "pipe that gave no secret") != NULL, "%s", err.text);
  cfm_config_release(&cfg);
  unlink(fifo);
  rmdir(dir);
}

/* jansson quotes the text where parsing stopped: never a secret's bytes. */
Test(config, a_parse_error_echoes_no_secret_byte) {
  static const char text[] =
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": zq7xSECRET}}}}";
  cfm_config cfg;
  cfm_error_t err;
  cr_assert_eq(parse_check(&cfg, text, NULL, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "invalid JSON") != NULL, "%s", err.text);
  cr_assert(strstr(err.text, "zq7x") == NULL && strstr(err.text, "SECRET") == NULL, "%s", err.text);
  cfm_config_release(&cfg);
}

Test(config, a_secret_from_a_command) {
  static const char text[] =
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": "
      "{\"command\": [\"printf\", \"%s\\n\", \"from-command\"], \"timeout_ms\": 5000}}}}}";
  cfm_config cfg;
  cfm_error_t err;
  cr_assert_eq(parse_check(&cfg, text, NULL, &err), CFM_EOK, "%s", err.text);
  cr_assert_str_eq(json_string_value(json_object_get(
                       cfm_config_target(&cfg, "agora-chat")->credentials, "app_token")),
                   "from-command");
  cfm_config_release(&cfg);
  /* turned off (the fuzzer), a bad key, a failing program */
  cfm_config_init(&cfg);
  cfg.no_commands = 1;
  cr_assert_eq(cfm_config_parse(&cfg, "c", text, strlen(text), &err), CFM_ECONFIG);
  cfm_config_release(&cfg);
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": "
                           "{\"command\": [\"false\"]}}}}}",
                           NULL, &err),
               CFM_ECONFIG);
  cr_assert(strstr(err.text, "false") != NULL, "%s", err.text);
  cfm_config_release(&cfg);
}

Test(config, tencent_region_selects_the_documented_host) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, NULL), CFM_EOK);
  cr_assert_eq(
      parse_check(&cfg, "{\"targets\": {\"tencent-im\": {\"region\": \"frankfurt\"}}}", &set, &err),
      CFM_EOK, "%s", err.text);
  cr_assert_str_eq(cfm_config_target(&cfg, "tencent-im")->base_url,
                   "https://adminapiger.im.qcloud.com");
  cfm_config_release(&cfg);
  cr_assert_eq(
      parse_check(&cfg, "{\"targets\": {\"tencent-im\": {\"region\": \"mars\"}}}", &set, &err),
      CFM_ECONFIG);
  cr_assert(strstr(err.text, "singapore") && strstr(err.text, "seoul"), "%s", err.text);
  cr_assert_str_eq(err.pointer, "/targets/tencent-im/region");
  cfm_config_release(&cfg);
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"tencent-im\": {\"region\": \"seoul\", \"base_url\": "
                           "\"https://x\"}}}",
                           &set, &err),
               CFM_ECONFIG);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
}

Test(config, base_url_templates_and_their_placeholders) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  char url[256];
  size_t i;
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, NULL), CFM_EOK);
  /* the documented layout, from the spec */
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
                           "\"variables\": {\"app_id\": \"abc 1\"}}}}",
                           &set, &err),
               CFM_EOK, "%s", err.text);
  for (i = 0; i < set.count && strcmp(set.items[i]->vendor, "agora-chat"); i++)
    ;
  cr_assert_lt(i, set.count);
  cr_assert_eq(cfm_target_base_url(cfm_config_target(&cfg, "agora-chat"), set.items[i], url,
                                   sizeof(url), &err),
               CFM_EOK, "%s", err.text);
  cr_assert_str_eq(url, "https://a41.x/app-id/abc%201");
  cfm_config_release(&cfg);
  /* the older org/app layout */
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
                           "\"base_path\": \"/{org_name}/{app_name}\", \"credentials\": "
                           "{\"app_token\": \"t\"}, \"variables\": {\"org_name\": \"org1\", "
                           "\"app_name\": \"app1\"}}}}",
                           &set, &err),
               CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_target_base_url(cfm_config_target(&cfg, "agora-chat"), set.items[i], url,
                                   sizeof(url), &err),
               CFM_EOK, "%s", err.text);
  cr_assert_str_eq(url, "https://a41.x/org1/app1");
  cfm_config_release(&cfg);
  /* an empty app_id, an unresolved placeholder: errors naming it */
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
                           "\"variables\": {\"app_id\": \"\"}}}}",
                           &set, &err),
               CFM_ECONFIG);
  cr_assert(strstr(err.text, "{app_id} is empty") != NULL, "%s", err.text);
  cfm_config_release(&cfg);
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
                           "\"base_path\": \"/{org_name}/{app_name}\", "
                           "\"variables\": {\"app_name\": \"a\"}}}}",
                           &set, &err),
               CFM_ECONFIG);
  cr_assert(strstr(err.text, "{org_name} has no value") != NULL, "%s", err.text);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
}

Test(config, provider_keys_are_known_and_stand_for_the_token) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  cfm_target *t;
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, NULL), CFM_EOK);
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:9\", "
                           "\"credentials\": {\"app_certificate\": \"cert-0123456789\"}, "
                           "\"variables\": {\"app_id\": \"app1\"}}, \"dingtalk-rooms\": "
                           "{\"base_url\": \"http://127.0.0.1:9\", \"token_url\": "
                           "\"http://127.0.0.1:9/tok\", \"credentials\": {\"app_key\": \"k\", "
                           "\"app_secret\": \"secret-0123\"}}}}",
                           &set, &err),
               CFM_EOK, "%s", err.text);
  t = cfm_config_target(&cfg, "agora-chat");
  cr_assert(cfm_target_has_credential(t, "app_token"));
  cr_assert(cfm_target_has_credential(cfm_config_target(&cfg, "dingtalk-rooms"), "access_token"));
  {
    /* Agora: minted locally, a 007 token, cached, registered for redaction. */
    const json_t *auth = json_object_get(json_object_get(set.items[0]->root, "transport"), "auth");
    size_t i;
    cfm_auth_out out;
    char red[2300];
    for (i = 0; i < set.count && strcmp(set.items[i]->vendor, "agora-chat"); i++)
      ;
    auth = json_object_get(json_object_get(set.items[i]->root, "transport"), "auth");
    cr_assert_eq(cfm_auth_render(t, auth, CFM_AUTH_VALID, 1700000000, 0, &out, &err), CFM_EOK, "%s",
                 err.text);
    cr_assert(!strncmp(out.header, "Authorization: Bearer 007", 25), "%s", out.header);
    cr_assert_eq(cfm_target_credential_fetches(t), 1);
    cr_assert_eq(cfm_auth_render(t, auth, CFM_AUTH_VALID, 1700000010, 0, &out, &err), CFM_EOK);
    cr_assert_eq(cfm_target_credential_fetches(t), 1);
    cfm_redact(NULL, out.header + 22, red, sizeof(red));
    cr_assert_str_eq(red, "REDACTED");
    cr_assert_eq(cfm_auth_render(t, auth, CFM_AUTH_VALID, 1700000000 + 3600, 0, &out, &err),
                 CFM_EOK);
    cr_assert_eq(cfm_target_credential_fetches(t), 2, "re-minted before expiry");
    cfm_target_credential_invalidate(t);
    cr_assert_eq(cfm_auth_render(t, auth, CFM_AUTH_VALID, 1700000000 + 3601, 0, &out, &err),
                 CFM_EOK);
    cr_assert_eq(cfm_target_credential_fetches(t), 3, "minted after invalidate");
  }
  cfm_config_release(&cfg);
  /* app_key without app_secret */
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"dingtalk-rooms\": {\"credentials\": {\"app_key\": "
                           "\"k\"}}}}",
                           &set, &err),
               CFM_ECONFIG);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
}

/* The agora-chat spec of set (borrowed). */
static const cfm_spec *agora_spec(const cfm_specset *set) {
  size_t i;
  for (i = 0; i < set->count && strcmp(set->items[i]->vendor, "agora-chat"); i++)
    ;
  cr_assert_lt(i, set->count);
  return set->items[i];
}

/* Builds create_group for cfg's agora-chat target into r. */
static int build_create(cfm_config *cfg, const cfm_spec *spec, cfm_request *r, cfm_error_t *err) {
  cfm_tmpl t = {"cfm-test", 0, NULL, spec, cfm_config_target(cfg, "agora-chat")};
  cfm_request_args a = {
      cfm_spec_operation(spec, "create_group"), NULL, CFM_AUTH_VALID, NULL, 1700000000, 1};
  cr_assert(a.op);
  return cfm_request_build(&t, &a, r, err);
}

/* Every request is built through cfm_target_base_url: base_path with its
 * {placeholders}, and an empty or unresolved one is an error naming it. */
Test(config, requests_are_built_through_the_base_url_template) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  cfm_request r;
  const cfm_spec *spec;
  static const char *const bad[] = {"/{org_name", "/{}/x", "/x{/{y}"};
  size_t i;
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_SPECS_DIR, NULL), CFM_EOK);
  spec = agora_spec(&set);
  cr_assert_eq(parse_check(&cfg,
                           "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
                           "\"base_path\": \"/{org_name}/{app_name}\", \"credentials\": "
                           "{\"app_token\": \"t\"}, \"variables\": {\"org_name\": \"org 1\", "
                           "\"app_name\": \"app1\", \"app_id\": \"not-in-this-layout\"}}}}",
                           &set, &err),
               CFM_EOK, "%s", err.text);
  cr_assert_eq(build_create(&cfg, spec, &r, &err), CFM_EOK, "%s", err.text);
  cr_assert_str_eq(cfm_buf_str(&r.url), "https://a41.x/org%201/app1/chatgroups");
  cfm_request_release(&r);
  /* A value emptied after the check: the request is refused, naming it. */
  json_object_set_new(cfm_config_target(&cfg, "agora-chat")->variables, "app_name",
                      json_string(""));
  cfm_error_init(&err);
  cr_assert_eq(build_create(&cfg, spec, &r, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "{app_name} is empty") != NULL, "%s", err.text);
  cfm_request_release(&r);
  json_object_del(cfm_config_target(&cfg, "agora-chat")->variables, "app_name");
  cfm_error_init(&err);
  cr_assert_eq(build_create(&cfg, spec, &r, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "{app_name} has no value") != NULL, "%s", err.text);
  cfm_request_release(&r);
  cfm_config_release(&cfg);
  /* A brace that opens no {name}: unresolved, refused by the check. */
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char text[400];
    snprintf(text, sizeof(text),
             "{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a41.x\", "
             "\"base_path\": \"%s\", \"credentials\": {\"app_token\": \"t\"}}}}",
             bad[i]);
    cr_assert_eq(parse_check(&cfg, text, &set, &err), CFM_ECONFIG, "%s", bad[i]);
    cr_assert(strstr(err.text, "unresolved placeholder") != NULL, "%s: %s", bad[i], err.text);
    cfm_config_release(&cfg);
  }
  cfm_specset_release(&set);
}
