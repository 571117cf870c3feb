#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "conform/jsonutil.h"
#include "conform/usersig.h"

static const char key[] = "conform-demo-secret-key";

Test(usersig, round_trip_and_every_status) {
  char sig[CFM_USERSIG_MAX];
  cr_assert_eq(cfm_usersig_sign(1400000000u, "administrator", key, strlen(key), 1700000000, 86400,
                                sig, sizeof(sig)),
               0);
  cr_assert_eq(cfm_usersig_verify(sig, strlen(sig), 1400000000u, "administrator", key, strlen(key),
                                  1700000100),
               CFM_USERSIG_OK);
  cr_assert_eq(cfm_usersig_verify(sig, strlen(sig), 1400000000u, "administrator", key, strlen(key),
                                  1700000000 + 86401),
               CFM_USERSIG_EXPIRED);
  cr_assert_eq(
      cfm_usersig_verify(sig, strlen(sig), 1400000000u, "administrator", "other", 5, 1700000100),
      CFM_USERSIG_BAD_SIGNATURE);
  cr_assert_eq(
      cfm_usersig_verify(sig, strlen(sig), 1400000000u, "someone", key, strlen(key), 1700000100),
      CFM_USERSIG_IDENTIFIER_MISMATCH);
  cr_assert_eq(cfm_usersig_verify(sig, strlen(sig), 1400000001u, "administrator", key, strlen(key),
                                  1700000100),
               CFM_USERSIG_SDKAPPID_MISMATCH);
  cr_assert_eq(cfm_usersig_verify("", 0, 1, "a", key, strlen(key), 0), CFM_USERSIG_EMPTY);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_EXPIRED), 70001);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_EMPTY), 70002);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_SDKAPPID_MISMATCH), 70014);
}

/* The HMAC inside matches a value computed independently (python3:
 * base64(hmac.new(key, content, sha256)) for the content string of
 * VENDOR-FACTS.md with time 1700000000, expire 86400). */
Test(usersig, known_answer_signature) {
  char sig[CFM_USERSIG_MAX], raw[1024], json[1024];
  size_t i, n = 0;
  uLongf jlen = sizeof(json) - 1;
  json_t *doc;
  cr_assert_eq(cfm_usersig_sign(1400000000u, "administrator", key, strlen(key), 1700000000, 86400,
                                sig, sizeof(sig)),
               0);
  /* Undo Tencent's base64 variant, then inflate. */
  {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";
    unsigned acc = 0;
    int bits = 0;
    for (i = 0; sig[i] && sig[i] != '_'; i++) {
      acc = (acc << 6) | (unsigned)(strchr(b64, sig[i]) - b64);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        raw[n++] = (char)((acc >> bits) & 0xFF);
      }
    }
  }
  cr_assert_eq(uncompress((Bytef *)json, &jlen, (const Bytef *)raw, n), Z_OK);
  json[jlen] = '\0';
  doc = cfm_json_parse(json, jlen, sizeof(json), NULL, 0);
  cr_assert_not_null(doc);
  cr_assert_str_eq(json_string_value(json_object_get(doc, "TLS.sig")),
                   "Cfk2pxpCv0rC1ywwOibzY76XJ3H7WPUjcz1Wn91L+oY=");
  cr_assert_str_eq(json_string_value(json_object_get(doc, "TLS.ver")), "2.0");
  json_decref(doc);
}

Test(usersig, hostile_input_is_malformed_not_a_crash) {
  static char big[CFM_USERSIG_MAX + 10];
  unsigned char bomb_src[65536];
  unsigned char z[1024];
  uLongf zl = sizeof(z);
  char enc[4096];
  size_t i, o = 0;
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";
  memset(big, 'A', sizeof(big));
  cr_assert_eq(cfm_usersig_verify(big, sizeof(big), 1, "a", key, strlen(key), 0),
               CFM_USERSIG_MALFORMED);
  cr_assert_eq(cfm_usersig_verify("!!!!", 4, 1, "a", key, strlen(key), 0), CFM_USERSIG_MALFORMED);
  cr_assert_eq(cfm_usersig_verify("eJw_", 4, 1, "a", key, strlen(key), 0), CFM_USERSIG_MALFORMED);
  /* A zip bomb: 64 KiB of zeros inflates past the cap. */
  memset(bomb_src, '0', sizeof(bomb_src));
  cr_assert_eq(compress(z, &zl, bomb_src, sizeof(bomb_src)), Z_OK);
  for (i = 0; i + 2 < zl; i += 3) {
    unsigned v = (unsigned)z[i] << 16 | (unsigned)z[i + 1] << 8 | z[i + 2];
    enc[o++] = b64[v >> 18];
    enc[o++] = b64[(v >> 12) & 63];
    enc[o++] = b64[(v >> 6) & 63];
    enc[o++] = b64[v & 63];
  }
  cr_assert_eq(cfm_usersig_verify(enc, o, 1, "a", key, strlen(key), 0), CFM_USERSIG_MALFORMED);
}

/* Every identifier the signer accepts verifies: all single bytes that are
 * valid UTF-8 on their own, quotes and backslashes, CJK and emoji, the
 * longest ids, and pseudo-random ASCII strings (fixed seed). */
Test(usersig, any_identifier_round_trips) {
  static const char *const fixed[] = {"\"",
                                      "\\",
                                      "a\"b\\c",
                                      "\xe7\xbe\xa4\xe4\xb8\xbb",
                                      "\xf0\x9f\x98\x80 x",
                                      "@TGS#2C5SZEAEF",
                                      "a b\tc\n"};
  char sig[CFM_USERSIG_MAX], id[129];
  unsigned seed = 12345;
  size_t i, j, checked = 0;
  for (i = 0; i < 1200; i++) {
    if (i < 127) {
      id[0] = (char)(i + 1); /* every ASCII byte but NUL */
      id[1] = '\0';
    } else if (i < 127 + sizeof(fixed) / sizeof(fixed[0])) {
      snprintf(id, sizeof(id), "%s", fixed[i - 127]);
    } else {
      size_t n = 1 + i % 128;
      for (j = 0; j < n; j++) {
        seed = seed * 1103515245u + 12345u;
        id[j] = (char)(1 + (seed >> 16) % 127);
      }
      id[n] = '\0';
    }
    cr_assert_eq(
        cfm_usersig_sign(1400000000u, id, key, strlen(key), 1700000000, 86400, sig, sizeof(sig)), 0,
        "cannot sign for id #%zu", i);
    cr_assert_eq(
        cfm_usersig_verify(sig, strlen(sig), 1400000000u, id, key, strlen(key), 1700000100),
        CFM_USERSIG_OK, "id #%zu does not round-trip", i);
    checked++;
  }
  cr_assert_eq(checked, 1200);
}
