/* conform credential (issue 20, "Reproductions"): prints a fresh
 * credential from the config for a reproduction's environment reference,
 * through the real binary: an Agora app token and a Tencent UserSig minted
 * offline and checked by their decoders, a DingTalk token fetched from the
 * reference mock on loopback; errors with their documented exit codes and
 * nothing on stdout. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "conform/agora_token.h"
#include "conform/usersig.h"
#include "helper_file.h"
#include "helper_http.h"

#define APP_ID "0123456789abcdef0123456789abcdef"
#define CERT "fedcba9876543210fedcba9876543210"

static char dir[128];

static void make_dir(void) {
  snprintf(dir, sizeof(dir), "/tmp/conform-credential-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

TestSuite(cli_credential, .init = make_dir, .fini = remove_dir);

static char *slurp(const char *name) {
  char path[300];
  char *text;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  text = cfm_th_slurp(path);
  cr_assert_not_null(text, "cannot read %s", path);
  return text;
}

/* Writes c.json with text, runs `conform credential ARGS`; returns the
 * exit code, *out and *errout the trimmed stdout and the stderr. */
__attribute__((format(printf, 4, 5))) static int credential(const char *config, char **out,
                                                            char **errout, const char *fmt, ...) {
  char args[300], cmd[1200], path[300];
  va_list ap;
  int st;
  size_t n;
  FILE *f;
  if (config) {
    snprintf(path, sizeof(path), "%s/c.json", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(config, f);
    fclose(f);
  }
  va_start(ap, fmt);
  vsnprintf(args, sizeof(args), fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof(cmd),
           "cd '%s' && CONFORM_SPECS_DIR='%s' '%s' credential %s >out.txt 2>err.txt </dev/null",
           dir, CONFORM_SPECS_DIR, CONFORM_BIN, args);
  st = system(cmd);
  cr_assert(WIFEXITED(st));
  *out = slurp("out.txt");
  *errout = slurp("err.txt");
  n = strlen(*out);
  while (n && ((*out)[n - 1] == '\n'))
    (*out)[--n] = '\0';
  return WEXITSTATUS(st);
}

Test(cli_credential, agora_app_token_is_minted_offline_and_verifies) {
  char *out, *err;
  int rc = credential("{\"targets\": {\"agora-chat\": {\"base_url\": \"https://a.example\", "
                      "\"credentials\": {\"app_certificate\": \"" CERT "\"}, "
                      "\"variables\": {\"app_id\": \"" APP_ID "\"}}}}",
                      &out, &err, "--config c.json agora-chat");
  cr_assert_eq(rc, 0, "%s", err);
  cr_assert_eq(cfm_agora_token_verify(out, strlen(out), APP_ID, CERT, (int64_t)time(NULL)),
               CFM_AGORA_TOKEN_OK, "%s", out);
  cr_assert_null(strstr(err, CERT));
  free(out);
  free(err);
}

Test(cli_credential, tencent_usersig_is_signed_offline_and_verifies) {
  char *out, *err;
  int rc = credential("{\"targets\": {\"tencent-im\": {\"base_url\": \"https://t.example\", "
                      "\"credentials\": {\"sdkappid\": \"1400000001\", \"identifier\": \"admin\", "
                      "\"secret_key\": \"conform-test-secret-key\"}}}}",
                      &out, &err, "tencent-im --config=c.json");
  cr_assert_eq(rc, 0, "%s", err);
  cr_assert_eq(cfm_usersig_verify(out, strlen(out), 1400000001u, "admin", "conform-test-secret-key",
                                  23, (int64_t)time(NULL)),
               CFM_USERSIG_OK, "%s", out);
  cr_assert_null(strchr(out, '\n'), "one line");
  free(out);
  free(err);
}

Test(cli_credential, dingtalk_token_is_fetched_from_the_token_endpoint) {
  char base[64], why[256], config[600];
  char *out, *err;
  cfm_mock *m = cfm_th_mock_start(NULL, NULL, base, sizeof(base), why, sizeof(why));
  int rc;
  cr_assert_not_null(m, "%s", why);
  snprintf(
      config, sizeof(config),
      "{\"targets\": {\"dingtalk-rooms\": {\"base_url\": \"%s\", \"credentials\": "
      "{\"app_key\": \"conform-demo-app-key\", \"app_secret\": \"conform-demo-app-secret\"}}}}",
      base);
  rc = credential(config, &out, &err, "--config c.json dingtalk-rooms");
  cr_assert_eq(rc, 0, "%s", err);
  cr_assert(!strncmp(out, "conform-issued-", 15), "%s", out);
  free(out);
  free(err);
  /* A refused secret: exit 4, the vendor's code named, no secret shown. */
  snprintf(config, sizeof(config),
           "{\"targets\": {\"dingtalk-rooms\": {\"base_url\": \"%s\", \"credentials\": "
           "{\"app_key\": \"conform-demo-app-key\", \"app_secret\": \"wrong-secret-123\"}}}}",
           base);
  rc = credential(config, &out, &err, "--config c.json dingtalk-rooms");
  cr_assert_eq(rc, 4, "%s", err);
  cr_assert_str_eq(out, "");
  cr_assert_null(strstr(err, "wrong-secret-123"), "%s", err);
  free(out);
  free(err);
  cfm_mock_stop(m);
}

Test(cli_credential, errors_have_their_exit_codes_and_print_nothing) {
  char *out, *err;
  /* Unknown vendor: usage, with a suggestion. */
  cr_assert_eq(credential(NULL, &out, &err, "agora"), 2);
  cr_assert_str_eq(out, "");
  cr_assert_not_null(strstr(err, "agora-chat"), "%s", err);
  free(out);
  free(err);
  cr_assert_eq(credential(NULL, &out, &err, "%s", ""), 2);
  free(out);
  free(err);
  /* A credential the auth needs is missing: exit 3. */
  cr_assert_eq(credential("{\"targets\": {\"tencent-im\": {\"base_url\": \"https://t.example\", "
                          "\"credentials\": {\"sdkappid\": \"1400000001\", \"identifier\": "
                          "\"admin\"}}}}",
                          &out, &err, "--config c.json tencent-im"),
               3, "%s", err);
  cr_assert_str_eq(out, "");
  free(out);
  free(err);
  /* Nothing listens: exit 4. */
  cr_assert_eq(credential("{\"targets\": {\"dingtalk-rooms\": {\"base_url\": "
                          "\"http://127.0.0.1:1\", \"credentials\": {\"app_key\": \"k-123456\", "
                          "\"app_secret\": \"s-12345678\"}}}}",
                          &out, &err, "--config c.json dingtalk-rooms"),
               4, "%s", err);
  cr_assert_str_eq(out, "");
  cr_assert_null(strstr(err, "s-12345678"), "%s", err);
  free(out);
  free(err);
  /* Without a config: the embedded mock's demo credential. */
  cr_assert_eq(credential(NULL, &out, &err, "agora-chat"), 0, "%s", err);
  cr_assert_str_eq(out, "conform-demo-app-token");
  free(out);
  free(err);
}
