#include <criterion/criterion.h>
#include <string.h>
#include <zlib.h>

#include "conform/jsonutil.h"
#include "conform/usersig.h"

static const char key[] = "conform-demo-secret-key";

/* Undoes Tencent's base64 variant ('*' '-' '_' for '+' '/' '='). */
static size_t sig_decode(const char *sig, unsigned char *raw) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";
  unsigned acc = 0;
  int bits = 0;
  size_t i, n = 0;
  for (i = 0; sig[i] && sig[i] != '_'; i++) {
    acc = (acc << 6) | (unsigned)(strchr(b64, sig[i]) - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw[n++] = (unsigned char)((acc >> bits) & 0xFF);
    }
  }
  return n;
}

/* Encodes n bytes in Tencent's variant, padding included; returns length. */
static size_t sig_encode(const unsigned char *z, size_t n, char *out) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";
  size_t i, o = 0;
  for (i = 0; i < n; i += 3) {
    unsigned v = (unsigned)z[i] << 16 | (i + 1 < n ? (unsigned)z[i + 1] << 8 : 0) |
                 (i + 2 < n ? z[i + 2] : 0);
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '_';
    out[o++] = i + 2 < n ? b64[v & 63] : '_';
  }
  out[o] = '\0';
  return o;
}

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
  /* The last second of validity is time + expire; one second later expires. */
  cr_assert_eq(cfm_usersig_verify(sig, strlen(sig), 1400000000u, "administrator", key, strlen(key),
                                  1700000000 + 86400),
               CFM_USERSIG_OK);
  cr_assert_eq(cfm_usersig_verify(sig, strlen(sig), 1400000000u, "administrator", key, strlen(key),
                                  1700000000 + 86401),
               CFM_USERSIG_EXPIRED);
  cr_assert_eq(cfm_usersig_verify("", 0, 1, "a", key, strlen(key), 0), CFM_USERSIG_EMPTY);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_EXPIRED), 70001);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_EMPTY), 70002);
  cr_assert_eq(cfm_usersig_vendor_code(CFM_USERSIG_SDKAPPID_MISMATCH), 70014);
}

/* The HMAC inside matches a value computed independently (python3:
 * base64(hmac.new(key, content, sha256)) for the content string of
 * VENDOR-FACTS.md with time 1700000000, expire 86400). */
Test(usersig, known_answer_signature) {
  char sig[CFM_USERSIG_MAX], json[1024];
  unsigned char raw[1024];
  size_t n;
  uLongf jlen = sizeof(json) - 1;
  json_t *doc;
  cr_assert_eq(cfm_usersig_sign(1400000000u, "administrator", key, strlen(key), 1700000000, 86400,
                                sig, sizeof(sig)),
               0);
  n = sig_decode(sig, raw);
  cr_assert_eq(uncompress((Bytef *)json, &jlen, (const Bytef *)raw, n), Z_OK);
  json[jlen] = '\0';
  doc = cfm_json_parse(json, jlen, sizeof(json), NULL, 0);
  cr_assert_not_null(doc);
  cr_assert_str_eq(json_string_value(json_object_get(doc, "TLS.sig")),
                   "Cfk2pxpCv0rC1ywwOibzY76XJ3H7WPUjcz1Wn91L+oY=");
  cr_assert_str_eq(json_string_value(json_object_get(doc, "TLS.ver")), "2.0");
  json_decref(doc);
}

/* A genuine UserSig whose JSON carries pad spaces of JSON whitespace before
 * its closing brace: a complete, well-formed zlib stream of a valid,
 * correctly signed document.  Returns the encoded length. */
static size_t padded_sig(size_t pad, char *out) {
  char sig[CFM_USERSIG_MAX];
  unsigned char raw[CFM_USERSIG_MAX], z[4096];
  static char json[200000];
  uLongf jlen = sizeof(json) - 1, zl = sizeof(z);
  size_t n;
  cr_assert_eq(cfm_usersig_sign(1400000000u, "administrator", key, strlen(key), 1700000000, 86400,
                                sig, sizeof(sig)),
               0);
  n = sig_decode(sig, raw);
  cr_assert_eq(uncompress((Bytef *)json, &jlen, raw, n), Z_OK);
  cr_assert_eq(json[jlen - 1], '}');
  cr_assert_lt(jlen + pad, sizeof(json));
  memset(json + jlen - 1, ' ', pad);
  json[jlen - 1 + pad] = '}';
  jlen += pad;
  cr_assert_eq(compress2(z, &zl, (const Bytef *)json, jlen, 9), Z_OK);
  cr_assert_lt(zl * 4 / 3 + 4, (uLongf)CFM_USERSIG_MAX, "the bomb fits the length cap");
  return sig_encode(z, zl, out);
}

static cfm_usersig_status verify_padded(size_t pad) {
  char enc[CFM_USERSIG_MAX + 1];
  size_t n = padded_sig(pad, enc);
  return cfm_usersig_verify(enc, n, 1400000000u, "administrator", key, strlen(key), 1700000100);
}

/* Only the inflate cap can refuse a compressed bomb: the stream is
 * complete and the document inside is valid and correctly signed, so
 * without the cap it would verify.  Small padding proves the re-encoding
 * itself is sound; the cap sits between 1 KiB and 4 KiB of JSON (a real
 * UserSig inflates to ~200 bytes). */
Test(usersig, inflate_cap_refuses_a_complete_bomb) {
  cr_assert_eq(verify_padded(0), CFM_USERSIG_OK, "the re-encoded signature itself verifies");
  cr_assert_eq(verify_padded(1000), CFM_USERSIG_OK, "1 KiB of JSON is under the cap");
  cr_assert_eq(verify_padded(4096), CFM_USERSIG_MALFORMED, "4 KiB of JSON is over the cap");
  cr_assert_eq(verify_padded(150000), CFM_USERSIG_MALFORMED, "a 150 KB bomb is refused");
}

Test(usersig, hostile_input_is_malformed_not_a_crash) {
  static char big[CFM_USERSIG_MAX + 10];
  char enc[64];
  static const unsigned char not_zlib[] = "not a zlib stream at all";
  memset(big, 'A', sizeof(big));
  cr_assert_eq(cfm_usersig_verify(big, sizeof(big), 1, "a", key, strlen(key), 0),
               CFM_USERSIG_MALFORMED);
  cr_assert_eq(cfm_usersig_verify("!!!!", 4, 1, "a", key, strlen(key), 0), CFM_USERSIG_MALFORMED);
  cr_assert_eq(cfm_usersig_verify("eJw_", 4, 1, "a", key, strlen(key), 0), CFM_USERSIG_MALFORMED);
  cr_assert_eq(cfm_usersig_verify(enc, sig_encode(not_zlib, sizeof(not_zlib) - 1, enc), 1, "a", key,
                                  strlen(key), 0),
               CFM_USERSIG_MALFORMED);
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
  char sig[CFM_USERSIG_MAX], id[129], other[131];
  unsigned seed = 12345;
  size_t i, j;
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
    /* ... and names that identifier only: one byte more or less is another. */
    snprintf(other, sizeof(other), "%sx", id);
    cr_assert_eq(
        cfm_usersig_verify(sig, strlen(sig), 1400000000u, other, key, strlen(key), 1700000100),
        CFM_USERSIG_IDENTIFIER_MISMATCH, "id #%zu", i);
    if (strlen(id) > 1) {
      snprintf(other, sizeof(other), "%.*s", (int)strlen(id) - 1, id);
      cr_assert_eq(
          cfm_usersig_verify(sig, strlen(sig), 1400000000u, other, key, strlen(key), 1700000100),
          CFM_USERSIG_IDENTIFIER_MISMATCH, "id #%zu", i);
    }
  }
}
