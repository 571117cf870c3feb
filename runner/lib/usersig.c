/* conform — Tencent Cloud IM UserSig (TLS sig v2), minted by the runner and
 * verified by the mock.  Verification treats the signature as hostile:
 * capped length, capped inflate output, capped JSON, constant-time compare. */
#include "conform/usersig.h"
#include "conform/jsonutil.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The inflated JSON of a real UserSig is ~200 bytes. */
#define USERSIG_MAX_JSON 2048

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 of n bytes into out (cap); returns length or -1. */
static long b64_encode(const unsigned char *in, size_t n, char *out, size_t cap) {
  size_t i, o = 0;
  if ((n + 2) / 3 * 4 + 1 > cap)
    return -1;
  for (i = 0; i + 2 < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = b64[(v >> 6) & 63];
    out[o++] = b64[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    out[o++] = '=';
  }
  out[o] = '\0';
  return (long)o;
}

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '*')
    return 62;
  if (c == '/' || c == '-')
    return 63;
  return -1;
}

/* Decodes Tencent's variant (also plain base64); returns length or -1. */
static long b64_decode(const char *in, size_t n, unsigned char *out, size_t cap) {
  size_t i, o = 0;
  unsigned acc = 0;
  int bits = 0;
  for (i = 0; i < n; i++) {
    int v;
    if (in[i] == '=' || in[i] == '_')
      break;
    v = b64_value(in[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= cap)
        return -1;
      out[o++] = (unsigned char)((acc >> bits) & 0xFF);
    }
  }
  for (; i < n; i++) /* only padding may follow */
    if (in[i] != '=' && in[i] != '_')
      return -1;
  return (long)o;
}

static int hmac_b64(const char *key, size_t keylen, const char *identifier, uint64_t sdkappid,
                    int64_t t, int64_t expire, char *out, size_t cap) {
  char content[512];
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  int n = snprintf(content, sizeof(content),
                   "TLS.identifier:%s\nTLS.sdkappid:%llu\nTLS.time:%lld\nTLS.expire:%lld\n",
                   identifier, (unsigned long long)sdkappid, (long long)t, (long long)expire);
  if (n < 0 || (size_t)n >= sizeof(content))
    return -1;
  if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)content, (size_t)n, mac,
            &maclen))
    return -1;
  return b64_encode(mac, maclen, out, cap) < 0 ? -1 : 0;
}

/* zlib-compresses a short text into out (*outlen: capacity in, length
 * out).  A 1 KiB window and small hash tables (about 6 KiB of state, where
 * compress2() takes some 256 KiB) fit a ~200-byte document; any zlib
 * stream is accepted on the other side, whose inflate reads the window
 * size from the stream header. */
static int deflate_small(const char *in, size_t len, unsigned char *out, uLongf *outlen) {
  z_stream zs;
  int rc;
  memset(&zs, 0, sizeof(zs));
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 10, 2, Z_DEFAULT_STRATEGY) != Z_OK)
    return -1;
  zs.next_in = (Bytef *)(uintptr_t)in;
  zs.avail_in = (uInt)len;
  zs.next_out = out;
  zs.avail_out = (uInt)*outlen;
  rc = deflate(&zs, Z_FINISH);
  *outlen = zs.total_out;
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? 0 : -1;
}

int cfm_usersig_sign(uint64_t sdkappid, const char *identifier, const char *key, size_t keylen,
                     int64_t now, int64_t expire, char *out, size_t cap) {
  char sig[128];
  json_t *doc;
  char *text;
  unsigned char z[1024];
  uLongf zlen = sizeof(z);
  long n;
  size_t i;
  if (!identifier || !key ||
      hmac_b64(key, keylen, identifier, sdkappid, now, expire, sig, sizeof(sig)) != 0)
    return -1;
  doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "TLS.ver", "2.0", "TLS.identifier", identifier,
                  "TLS.sdkappid", (json_int_t)sdkappid, "TLS.expire", (json_int_t)expire,
                  "TLS.time", (json_int_t)now, "TLS.sig", sig);
  text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  if (!text)
    return -1;
  if (deflate_small(text, strlen(text), z, &zlen) != 0) {
    free(text);
    return -1;
  }
  free(text);
  n = b64_encode(z, zlen, out, cap);
  if (n < 0)
    return -1;
  for (i = 0; i < (size_t)n; i++) {
    if (out[i] == '+')
      out[i] = '*';
    else if (out[i] == '/')
      out[i] = '-';
    else if (out[i] == '=')
      out[i] = '_';
  }
  return 0;
}

/* The JSON document inside an encoded UserSig (new reference), or NULL
 * with *st saying why (empty, malformed).  Never crashes on hostile input. */
static json_t *usersig_doc(const char *sig, size_t len, cfm_usersig_status *st) {
  unsigned char raw[CFM_USERSIG_MAX];
  char json[USERSIG_MAX_JSON + 1];
  z_stream zs;
  long rawlen;
  int zrc;
  size_t jlen;
  *st = CFM_USERSIG_MALFORMED;
  if (len == 0) {
    *st = CFM_USERSIG_EMPTY;
    return NULL;
  }
  if (len > CFM_USERSIG_MAX)
    return NULL;
  rawlen = b64_decode(sig, len, raw, sizeof(raw));
  if (rawlen <= 0)
    return NULL;
  memset(&zs, 0, sizeof(zs));
  if (inflateInit(&zs) != Z_OK)
    return NULL;
  zs.next_in = raw;
  zs.avail_in = (uInt)rawlen;
  zs.next_out = (Bytef *)json;
  zs.avail_out = USERSIG_MAX_JSON;
  zrc = inflate(&zs, Z_FINISH);
  jlen = USERSIG_MAX_JSON - zs.avail_out;
  inflateEnd(&zs);
  if (zrc != Z_STREAM_END) /* corrupt, truncated, or inflates beyond the cap */
    return NULL;
  json[jlen] = '\0';
  return cfm_json_parse(json, jlen, USERSIG_MAX_JSON, NULL, 0);
}

int cfm_usersig_times(const char *sig, size_t len, int64_t *issued, int64_t *expire) {
  cfm_usersig_status st;
  json_t *doc = usersig_doc(sig, len, &st);
  const json_t *t = json_object_get(doc, "TLS.time"), *e = json_object_get(doc, "TLS.expire");
  int rc = -1;
  if (json_is_integer(t) && json_is_integer(e) && json_integer_value(t) >= 0 &&
      json_integer_value(e) >= 0 && json_integer_value(t) <= INT64_MAX / 2 &&
      json_integer_value(e) <= INT64_MAX / 2) {
    *issued = (int64_t)json_integer_value(t);
    *expire = (int64_t)json_integer_value(e);
    rc = 0;
  }
  json_decref(doc);
  return rc;
}

cfm_usersig_status cfm_usersig_verify(const char *sig, size_t len, uint64_t sdkappid,
                                      const char *identifier, const char *key, size_t keylen,
                                      int64_t now) {
  json_t *doc;
  const char *id, *got_sig;
  json_int_t app, t, expire;
  char want[128];
  cfm_usersig_status st = CFM_USERSIG_MALFORMED;
  if (!(doc = usersig_doc(sig, len, &st)))
    return st;
  st = CFM_USERSIG_MALFORMED;
  if (!json_is_object(doc))
    goto out;
  id = json_string_value(json_object_get(doc, "TLS.identifier"));
  got_sig = json_string_value(json_object_get(doc, "TLS.sig"));
  if (!id || !got_sig || !json_is_integer(json_object_get(doc, "TLS.sdkappid")) ||
      !json_is_integer(json_object_get(doc, "TLS.time")) ||
      !json_is_integer(json_object_get(doc, "TLS.expire")))
    goto out;
  app = json_integer_value(json_object_get(doc, "TLS.sdkappid"));
  t = json_integer_value(json_object_get(doc, "TLS.time"));
  expire = json_integer_value(json_object_get(doc, "TLS.expire"));
  if (t < 0 || expire < 0 || t > INT64_MAX / 2 || expire > INT64_MAX / 2)
    goto out;
  if ((uint64_t)app != sdkappid) {
    st = CFM_USERSIG_SDKAPPID_MISMATCH;
    goto out;
  }
  if (!identifier || strcmp(id, identifier) != 0) {
    st = CFM_USERSIG_IDENTIFIER_MISMATCH;
    goto out;
  }
  if (hmac_b64(key, keylen, id, (uint64_t)app, t, expire, want, sizeof(want)) != 0)
    goto out;
  if (strlen(want) != strlen(got_sig) || CRYPTO_memcmp(want, got_sig, strlen(want)) != 0) {
    st = CFM_USERSIG_BAD_SIGNATURE;
    goto out;
  }
  st = t + expire < now ? CFM_USERSIG_EXPIRED : CFM_USERSIG_OK;
out:
  json_decref(doc);
  return st;
}

int cfm_usersig_vendor_code(cfm_usersig_status st) {
  switch (st) {
  case CFM_USERSIG_OK:
    return 0;
  case CFM_USERSIG_EMPTY:
    return 70002;
  case CFM_USERSIG_MALFORMED:
    return 70003;
  case CFM_USERSIG_EXPIRED:
    return 70001;
  case CFM_USERSIG_BAD_SIGNATURE:
    return 70009;
  case CFM_USERSIG_IDENTIFIER_MISMATCH:
    return 70013;
  case CFM_USERSIG_SDKAPPID_MISMATCH:
    return 70014;
  }
  return 70003;
}
