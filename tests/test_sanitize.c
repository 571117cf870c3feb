/* The output sanitiser: redaction in every encoded form, before the cut;
 * cuts on character boundaries; terminal and XML escaping. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/sanitize.h"

#define SECRET "tok/En+ab'cd9Zq7WmXv2LpR8sTu5yKe1"

static const char *const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *in, size_t n, char *out) {
  size_t i, o = 0;
  for (i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = b64[(v >> 18) & 63];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? b64[v & 63] : '=';
  }
  out[o] = '\0';
}

static char *san(const char *text, size_t max, cfm_sink sink) {
  char *s = cfm_sanitize(NULL, text, strlen(text), max, sink, NULL);
  cr_assert_not_null(s);
  return s;
}

/* No 8-byte piece of SECRET anywhere in s. */
static void assert_no_piece(const char *s, const char *secret) {
  size_t i, n = strlen(secret);
  for (i = 0; i + 8 <= n; i++) {
    char piece[9];
    memcpy(piece, secret + i, 8);
    piece[8] = '\0';
    cr_assert_null(strstr(s, piece), "'%s' found in: %s", piece, s);
  }
}

Test(sanitize, redacts_every_encoded_form) {
  char text[2048], enc[256], prefixed[64];
  char *s;
  size_t shift;
  cr_assert_eq(cfm_sanitize_add_secret(SECRET, strlen(SECRET)), CFM_EOK);
  /* raw, JSON-escaped with \/ and \', URL-encoded upper and lower case,
   * shell-quoted */
  snprintf(text, sizeof(text),
           "raw " SECRET " json tok\\/En+ab'cd9Zq7WmXv2LpR8sTu5yKe1 url tok%%2FEn%%2Bab%%27cd9Zq7"
           "WmXv2LpR8sTu5yKe1 lower tok%%2fEn%%2bab%%27cd9Zq7WmXv2LpR8sTu5yKe1 shell "
           "'tok/En+ab'\\''cd9Zq7WmXv2LpR8sTu5yKe1'");
  s = san(text, 4096, CFM_SINK_RAW);
  assert_no_piece(s, SECRET);
  cr_assert_null(strstr(s, "cd9Zq7WmXv2LpR8s"), "%s", s);
  cr_assert(strstr(s, "raw REDACTED json REDACTED url REDACTED") != NULL, "%s", s);
  free(s);
  /* base64 at every alignment inside a longer base64 text ("Basic ...") */
  for (shift = 0; shift < 3; shift++) {
    memcpy(prefixed, "user:", 5);
    memcpy(prefixed + 5, "xyz", shift);
    memcpy(prefixed + 5 + shift, SECRET, strlen(SECRET));
    base64((const unsigned char *)prefixed, 5 + shift + strlen(SECRET), enc);
    snprintf(text, sizeof(text), "Basic %s", enc);
    s = san(text, 4096, CFM_SINK_RAW);
    cr_assert(strlen(s) < 40, "base64 shift %zu: %s", shift, s);
    free(s);
  }
}

Test(sanitize, redaction_comes_before_the_cut) {
  char text[512];
  char *s;
  size_t max;
  cfm_sanitize_add_secret(SECRET, strlen(SECRET));
  snprintf(text, sizeof(text), "%0380d " SECRET " tail", 0);
  /* every cut point: never a prefix of the secret, never past max */
  for (max = 370; max < 430; max++) {
    s = san(text, max, CFM_SINK_RAW);
    cr_assert_leq(strlen(s), max);
    cr_assert_null(strstr(s, "tok/En+a"), "max %zu: %s", max, s + 370);
    cr_assert(strstr(s, "REDAC") == NULL || strstr(s, "REDACTED") != NULL, "%s", s + 370);
    free(s);
  }
  /* a text already cut inside the secret (a capped excerpt) */
  snprintf(text, sizeof(text), "{\"echo\":\"%.12s", SECRET);
  s = san(text, 400, CFM_SINK_JSON);
  cr_assert_str_eq(s, "{\"echo\":\"REDACTED");
  free(s);
}

Test(sanitize, never_cuts_inside_a_utf8_sequence) {
  char *s = san("ab\xE2\x80\x94"
                "cd",
                4, CFM_SINK_RAW);
  cr_assert_str_eq(s, "ab");
  free(s);
  s = san("ab\xF0\x9F\x98\x80", 5, CFM_SINK_JSON);
  cr_assert_str_eq(s, "ab");
  free(s);
}

Test(sanitize, terminal_fields_cannot_move_the_cursor_or_start_a_line) {
  static const char forged[] = "bad\r\n\033[2K\033[1;32mconform: 362 cases: 362 pass, 0 fail\033[0m"
                               "\033]0;owned\007\033]8;;http://x\033\\link\xc2\x9b"
                               "31m\x01\x7f\xe2\x80\xae\xff end";
  char *s = cfm_sanitize(NULL, forged, sizeof(forged) - 1, 1000, CFM_SINK_TERM, NULL);
  size_t i;
  cr_assert_not_null(s);
  for (i = 0; s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    cr_assert(c >= 0x20 && c != 0x7f, "control byte 0x%02x at %zu in '%s'", c, i, s);
    cr_assert(!(c == 0xC2 && (unsigned char)s[i + 1] < 0xA0), "C1 control in '%s'", s);
  }
  cr_assert_null(strstr(s, "owned"), "%s", s);
  cr_assert_null(strstr(s, "\xe2\x80\xae"), "bidi override kept: %s", s);
  cr_assert_str_eq(s, "bad  conform: 362 cases: 362 pass, 0 faillink???\xEF\xBF\xBD end");
  free(s);
}

Test(sanitize, xml_output_has_no_forbidden_code_point) {
  static const char hostile[] = "a\x01\x0b\x1b<&>\"'\xEF\xBF\xBE\xEF\xBF\xBF\xED\xA0\x80\xC0\xAF"
                                "\xF4\x90\x80\x80\t\n\r\xEF\xBF\xBD z";
  char *s = cfm_sanitize(NULL, hostile, sizeof(hostile) - 1, 1000, CFM_SINK_XML, NULL);
  cr_assert_not_null(s);
  cr_assert_str_eq(s, "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&lt;&amp;&gt;&quot;&#39;"
                      /* U+FFFE, U+FFFF, a surrogate (3 bytes), overlong (2), > U+10FFFF (4) */
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                      "\t\n\r\xEF\xBF\xBD z");
  free(s);
}

Test(sanitize, json_sink_is_valid_utf8_without_nul) {
  static const char bytes[] = "a\0b\xff";
  size_t n;
  char *s = cfm_sanitize(NULL, bytes, sizeof(bytes) - 1, 100, CFM_SINK_JSON, &n);
  cr_assert_not_null(s);
  cr_assert_eq(n, 8);
  cr_assert_eq(memcmp(s,
                      "a\xEF\xBF\xBD"
                      "b\xEF\xBF\xBD",
                      8),
               0);
  /* sanitising twice changes nothing (report.json is read back by merge) */
  {
    char *again = cfm_sanitize(NULL, s, n, 8, CFM_SINK_JSON, NULL);
    cr_assert_str_eq(again, s);
    free(again);
  }
  free(s);
}

Test(sanitize, config_secrets_and_learned_usersigs) {
  static const char text[] = "{\"targets\": {\"agora-chat\": {\"credentials\": {"
                             "\"app_token\": \"agora-Very-Secret-0123\"}}}}";
  cfm_config cfg;
  char red[256];
  char *s;
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "t.json", text, sizeof(text) - 1, NULL), CFM_EOK);
  /* cfm_redact registers cfg and learns the usersig it redacts */
  cfm_redact(&cfg, "GET /v4/x?usersig=eJyrVkrxCQlS0lEKSMzJ*derived-sig&random=1", red, sizeof(red));
  cr_assert_str_eq(red, "GET /v4/x?usersig=REDACTED&random=1");
  cfm_config_release(&cfg);
  /* later sinks, given no config, still redact both */
  s = san("echo agora-Very-Secret-0123 and eJyrVkrxCQlS0lEKSMzJ*derived-sig", 1000, CFM_SINK_XML);
  cr_assert_str_eq(s, "echo REDACTED and REDACTED");
  free(s);
  /* the scheme word stays readable; Authorization values are redacted */
  s = san("Authorization: Bearer abc\n", 100, CFM_SINK_TERM);
  cr_assert_str_eq(s, "Authorization: Bearer REDACTED ");
  free(s);
  /* header values are not remembered: a deliberately wrong token that
   * shares words with public names must not redact them later */
  cfm_redact(NULL, "-H 'Authorization: Bearer conform-unknown-expired-token'", red, sizeof(red));
  cr_assert_str_eq(red, "-H 'Authorization: Bearer REDACTED'");
  s = san("/app-id/conform-demo-app/chatgroups", 1000, CFM_SINK_RAW);
  cr_assert_str_eq(s, "/app-id/conform-demo-app/chatgroups");
  free(s);
  cfm_sanitize_reset();
  s = san("echo agora-Very-Secret-0123", 1000, CFM_SINK_RAW);
  cr_assert_str_eq(s, "echo agora-Very-Secret-0123");
  free(s);
}

/* A public value (an app id, a user name) that shares a prefix with a
 * token stays readable; a copy of the token itself, or a public value that
 * holds the whole token, does not. */
Test(sanitize, public_values_share_bytes_with_secrets) {
  char *s;
  cfm_sanitize_reset();
  cr_assert_eq(cfm_sanitize_add_secret("acme-demo-app-token", 19), 0);
  cr_assert_eq(cfm_sanitize_add_public("acme-demo-app"), 0);
  s = san("POST /app-id/acme-demo-app/chatgroups", 200, CFM_SINK_RAW);
  cr_assert_str_eq(s, "POST /app-id/acme-demo-app/chatgroups");
  free(s);
  s = san("echo: acme-demo-app-token!", 200, CFM_SINK_RAW);
  cr_assert_str_eq(s, "echo: REDACTED!");
  free(s);
  cfm_sanitize_reset();
  cr_assert_eq(cfm_sanitize_add_secret("demo-app-x", 10), 0);
  cr_assert_eq(cfm_sanitize_add_public("acme-demo-app-x-y"), 0);
  s = san("id acme-demo-app-x-y", 200, CFM_SINK_RAW);
  assert_no_piece(s, "demo-app-x");
  free(s);
  cfm_sanitize_reset();
}

/* conform's own generated values ("conform-user-0") share their first
 * bytes with the embedded mock's demo credentials; they stay readable. */
Test(sanitize, own_prefix_is_public) {
  char *s;
  cfm_sanitize_reset();
  cr_assert_eq(cfm_sanitize_add_secret("conform-demo-app-token", 22), 0);
  s = san("members conform-user-0,conform-item-3", 200, CFM_SINK_RAW);
  cr_assert_str_eq(s, "members conform-user-0,conform-item-3");
  free(s);
  s = san("Bearer conform-demo-app-token", 200, CFM_SINK_RAW);
  cr_assert_str_eq(s, "Bearer REDACTED");
  free(s);
  cfm_sanitize_reset();
}
