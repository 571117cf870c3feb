/* Agora AccessToken2: the published test vectors, every verification
 * status, hostile input, and the mock accepting exactly the valid minted
 * app tokens over loopback HTTP. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conform/agora_token.h"
#include "helper_http.h"

/* Test vectors of the public reference implementation (AgoraIO/Tools,
 * DynamicKey/AgoraDynamicKey/python3/test/AccessToken2Test.py,
 * test_service_chat_app and test_service_chat_user): app id, certificate,
 * issue ts 1111111, salt 1, expire 600. */
#define V_APP "970CA35de60c44645bbae8a215061b33"
#define V_CERT "5CFd2fd1755d40ecb72977518be15d3b"
#define V_APP_TOKEN                                                                                \
  "007eJxTYNDNaz3snC8huEfHWdz6s98qltq4zqy9fl99Uh0FDvy6F6DAYGlu4OxobJqSamaQbGJiZmKalJSYapFoZGhqYGa" \
  "YZGzs/kWAIYKJgYGRAYRZgZgJzGdgAACt8hhr"
#define V_USER_TOKEN                                                                               \
  "007eJxTYNAIsnbS3v/A5t2TC6feR15r+6cq8bqAvfaW+tk/Vzz+p6xTYLA0N3B2NDZNSTUzSDYxMTMxTUpKTLVINDI0NTA" \
  "zTDI2dv8iwBDBxMDAyADCrEDMCOZzMRhZWBgZmxgamRsDAB+lHrg="

static void mint(const char *app, const char *cert, const char *user, uint32_t ts, uint32_t exp,
                 char *out, size_t cap) {
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_agora_token_mint(app, cert, user, ts, exp, 1, out, cap, &err), CFM_EOK, "%s",
               err.text);
}

Test(agora_token, published_vectors_byte_for_byte) {
  char tok[CFM_AGORA_TOKEN_MAX];
  mint(V_APP, V_CERT, NULL, 1111111, 600, tok, sizeof(tok));
  cr_assert_str_eq(tok, V_APP_TOKEN);
  mint(V_APP, V_CERT, "2882341273", 1111111, 600, tok, sizeof(tok));
  cr_assert_str_eq(tok, V_USER_TOKEN);
}

Test(agora_token, parse_published_vector) {
  cfm_agora_token_info info;
  cr_assert_eq(cfm_agora_token_parse(V_USER_TOKEN, strlen(V_USER_TOKEN), &info),
               CFM_AGORA_TOKEN_OK);
  cr_assert_str_eq(info.app_id, V_APP);
  cr_assert_eq(info.issue_ts, 1111111u);
  cr_assert_eq(info.expire, 600u);
  cr_assert_eq(info.salt, 1u);
  cr_assert(info.has_chat);
  cr_assert_eq(info.chat_user_expire, 600u);
  cr_assert_eq(info.chat_app_expire, 0u);
  cr_assert_str_eq(info.chat_user_id, "2882341273");
}

Test(agora_token, verify_every_status) {
  const char *t = V_APP_TOKEN;
  size_t n = strlen(t);
  cr_assert_eq(cfm_agora_token_verify(t, n, V_APP, V_CERT, 1111111 + 599), CFM_AGORA_TOKEN_OK);
  cr_assert_eq(cfm_agora_token_verify(t, n, V_APP, V_CERT, 1111111 + 600), CFM_AGORA_TOKEN_EXPIRED);
  cr_assert_eq(cfm_agora_token_verify(t, n, V_APP, "5CFd2fd1755d40ecb72977518be15d3c", 1111112),
               CFM_AGORA_TOKEN_BAD_SIGNATURE);
  cr_assert_eq(cfm_agora_token_verify(t, n, "970CA35de60c44645bbae8a215061b34", V_CERT, 1111112),
               CFM_AGORA_TOKEN_APP_ID_MISMATCH);
  cr_assert_eq(cfm_agora_token_verify(V_USER_TOKEN, strlen(V_USER_TOKEN), V_APP, V_CERT, 1111112),
               CFM_AGORA_TOKEN_NO_APP_PRIVILEGE);
  cr_assert_eq(cfm_agora_token_verify("006abc", 6, V_APP, V_CERT, 1111112),
               CFM_AGORA_TOKEN_MALFORMED);
  cr_assert_str_eq(cfm_agora_token_status_name(CFM_AGORA_TOKEN_EXPIRED), "expired");
}

Test(agora_token, round_trip_other_inputs) {
  char tok[CFM_AGORA_TOKEN_MAX];
  cfm_error_t err;
  uint32_t salt = cfm_agora_token_salt();
  cfm_error_init(&err);
  cr_assert(salt >= 1 && salt <= 99999999u);
  cr_assert_eq(cfm_agora_token_mint("conform-demo-app", "conform-demo-app-certificate", "",
                                    1700000000, 86400, salt, tok, sizeof(tok), &err),
               CFM_EOK);
  cr_assert_eq(cfm_agora_token_verify(tok, strlen(tok), "conform-demo-app",
                                      "conform-demo-app-certificate", 1700000001),
               CFM_AGORA_TOKEN_OK);
}

Test(agora_token, bad_arguments_and_small_buffer) {
  char tok[CFM_AGORA_TOKEN_MAX];
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_agora_token_mint("", V_CERT, NULL, 1, 1, 1, tok, sizeof(tok), &err), CFM_EUSAGE);
  cr_assert(strstr(err.text, "app id") != NULL);
  cr_assert(strstr(err.text, V_CERT) == NULL);
  cfm_error_init(&err);
  cr_assert_eq(cfm_agora_token_mint(V_APP, V_CERT, NULL, 1, 1, 0, tok, sizeof(tok), &err),
               CFM_EUSAGE);
  cr_assert_eq(cfm_agora_token_mint(V_APP, V_CERT, NULL, 1, 0, 1, tok, sizeof(tok), NULL),
               CFM_EUSAGE);
  cr_assert_eq(cfm_agora_token_mint(V_APP, V_CERT, NULL, 1, 1, 100000000u, tok, sizeof(tok), NULL),
               CFM_EUSAGE);
  cr_assert_eq(cfm_agora_token_mint(V_APP, V_CERT, NULL, 1111111, 600, 1, tok, 40, NULL),
               CFM_ETOOBIG);
  cr_assert(cfm_agora_is_hex32(V_APP));
  cr_assert(!cfm_agora_is_hex32("conform-demo-app"));
  cr_assert(!cfm_agora_is_hex32(V_APP "0"));
}

/* Every truncation, every single-byte flip and some garbage: a status,
 * never a crash, and never OK for an altered token. */
Test(agora_token, hostile_input) {
  char t[sizeof(V_APP_TOKEN)];
  size_t n = strlen(V_APP_TOKEN), i, same = 0;
  cfm_agora_token_info want, got;
  static const char *const junk[] = {
      "007",
      "007====",
      "007AAAA",
      "007eJw=",
      "007!!!!",
      "",
      "007eJxTYNDNaz3snC8huEfHWdz6s98qltq4zqy9fl99Uh0FDvy6F6DAYGlu="};
  cr_assert_eq(cfm_agora_token_parse(V_APP_TOKEN, n, &want), CFM_AGORA_TOKEN_OK);
  for (i = 0; i < n; i++) {
    cr_assert_neq(cfm_agora_token_verify(V_APP_TOKEN, i, V_APP, V_CERT, 1111112),
                  CFM_AGORA_TOKEN_OK, "prefix of %zu bytes", i);
    memcpy(t, V_APP_TOKEN, n + 1);
    t[i] = t[i] == 'A' ? 'B' : 'A';
    /* The padding bits after deflate's end-of-block code are not part of
     * the data: a flip there decodes to the same signed content, which is
     * rightly still valid.  Any other flip must be refused. */
    if (cfm_agora_token_verify(t, n, V_APP, V_CERT, 1111112) == CFM_AGORA_TOKEN_OK) {
      cr_assert_eq(cfm_agora_token_parse(t, n, &got), CFM_AGORA_TOKEN_OK);
      cr_assert_eq(memcmp(&got, &want, sizeof(got)), 0, "flip at %zu changed the content", i);
      same++;
    }
  }
  cr_assert_leq(same, 2, "only the deflate padding bits are free");
  for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
    cr_assert_eq(cfm_agora_token_verify(junk[i], strlen(junk[i]), V_APP, V_CERT, 1),
                 CFM_AGORA_TOKEN_MALFORMED, "%s", junk[i]);
  cr_assert_eq(cfm_agora_token_verify(NULL, 0, V_APP, V_CERT, 1), CFM_AGORA_TOKEN_MALFORMED);
}

/* ---- the mock accepts minted app tokens ------------------------------ */

#define PATH "/app-id/conform-demo-app/chatgroups"
#define DEMO_CERT "conform-demo-app-certificate"

static int64_t mock_now = 1700000000;
static int64_t clock_fn(void *arg) {
  (void)arg;
  return __atomic_load_n(&mock_now, __ATOMIC_SEQ_CST);
}

static cfm_mock *mk;
static char base[64];

static void up(void) {
  cfm_mock_config cfg;
  char err[256];
  cfm_mock_config_init(&cfg);
  cfg.clock = clock_fn;
  mk = cfm_th_mock_start(&cfg, NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
}
static void down(void) {
  cfm_mock_stop(mk);
}

/* HTTP status of a list call with this bearer token at mock time now. */
static long list_status(const char *tok, int64_t now) {
  char hdrs[CFM_AGORA_TOKEN_MAX + 64];
  cfm_th_resp r;
  long st;
  __atomic_store_n(&mock_now, now, __ATOMIC_SEQ_CST);
  snprintf(hdrs, sizeof(hdrs), "Authorization: Bearer %s\nAccept: application/json", tok);
  cr_assert_eq(cfm_th_request(NULL, base, "GET", PATH, hdrs, NULL, 0, &r), 0);
  st = r.status;
  if (st == 401)
    cr_assert_str_eq(cfm_th_str(&r, "/error"), "unauthorized", "%s", r.body);
  cfm_th_resp_free(&r);
  return st;
}

Test(agora_token, mock_accepts_only_valid_app_tokens, .init = up, .fini = down) {
  char good[CFM_AGORA_TOKEN_MAX], bad[CFM_AGORA_TOKEN_MAX];
  const int64_t t0 = 1700000000;
  mint("conform-demo-app", DEMO_CERT, NULL, (uint32_t)t0, 3600, good, sizeof(good));
  cr_assert_eq(list_status(good, t0 + 1), 200);
  cr_assert_eq(list_status(good, t0 + 3599), 200);
  cr_assert_eq(list_status(good, t0 + 3600), 401, "expired");
  cr_assert_eq(list_status("conform-demo-app-token", t0), 200, "the static token still works");
  mint("conform-demo-app", "another-certificate", NULL, (uint32_t)t0, 3600, bad, sizeof(bad));
  cr_assert_eq(list_status(bad, t0 + 1), 401, "wrong certificate");
  mint("another-app", DEMO_CERT, NULL, (uint32_t)t0, 3600, bad, sizeof(bad));
  cr_assert_eq(list_status(bad, t0 + 1), 401, "wrong app id");
  mint("conform-demo-app", DEMO_CERT, "conform-owner", (uint32_t)t0, 3600, bad, sizeof(bad));
  cr_assert_eq(list_status(bad, t0 + 1), 401, "user privilege only");
  cr_assert_eq(list_status("007garbage", t0 + 1), 401, "malformed");
}
