/* conform — Agora AccessToken2, minted by the runner's credential provider
 * and verified by the mock.  Verification treats the token as hostile:
 * capped length, capped inflate output, bounds-checked reads, constant-time
 * signature compare. */
#include "conform/agora_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>
#include <zlib.h>

#define TOKEN_VERSION "007"
/* Inflated content of a token: signature, app id, a few services. */
#define CONTENT_MAX 4096
#define SIG_LEN 32

/* ---- packing ------------------------------------------------------- */

typedef struct packer {
  unsigned char *p;
  size_t len, cap;
  int overflow;
} packer;

static void put(packer *w, const void *src, size_t n) {
  if (w->overflow || n > w->cap - w->len) {
    w->overflow = 1;
    return;
  }
  memcpy(w->p + w->len, src, n);
  w->len += n;
}

static void put_u16(packer *w, unsigned v) {
  unsigned char b[2] = {(unsigned char)(v & 0xFF), (unsigned char)((v >> 8) & 0xFF)};
  put(w, b, 2);
}

static void put_u32(packer *w, uint32_t v) {
  unsigned char b[4] = {(unsigned char)(v & 0xFF), (unsigned char)((v >> 8) & 0xFF),
                        (unsigned char)((v >> 16) & 0xFF), (unsigned char)(v >> 24)};
  put(w, b, 4);
}

static void put_string(packer *w, const void *s, size_t n) {
  put_u16(w, (unsigned)n);
  put(w, s, n);
}

typedef struct reader {
  const unsigned char *p;
  size_t len, off;
  int bad;
} reader;

static const unsigned char *take(reader *r, size_t n) {
  const unsigned char *at;
  if (r->bad || n > r->len - r->off) {
    r->bad = 1;
    return NULL;
  }
  at = r->p + r->off;
  r->off += n;
  return at;
}

static unsigned get_u16(reader *r) {
  const unsigned char *b = take(r, 2);
  return b ? (unsigned)b[0] | (unsigned)b[1] << 8 : 0;
}

static uint32_t get_u32(reader *r) {
  const unsigned char *b = take(r, 4);
  return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24 : 0;
}

/* Reads a pack_string into out (cap includes the NUL); too long = bad.
 * out may be NULL to skip the string. */
static void get_string(reader *r, char *out, size_t cap) {
  size_t n = get_u16(r);
  const unsigned char *s = take(r, n);
  if (!s || !out)
    return;
  if (n >= cap) {
    r->bad = 1;
    return;
  }
  memcpy(out, s, n);
  out[n] = '\0';
}

/* ---- signing ------------------------------------------------------- */

static int signature(const char *cert, uint32_t issue_ts, uint32_t salt, const unsigned char *info,
                     size_t info_len, unsigned char sig[SIG_LEN]) {
  unsigned char k_ts[4], k_salt[4], k1[EVP_MAX_MD_SIZE], k2[EVP_MAX_MD_SIZE];
  unsigned int n1 = 0, n2 = 0, n3 = 0;
  packer a = {k_ts, 0, 4, 0}, b = {k_salt, 0, 4, 0};
  int ok;
  put_u32(&a, issue_ts);
  put_u32(&b, salt);
  ok = HMAC(EVP_sha256(), k_ts, 4, (const unsigned char *)cert, strlen(cert), k1, &n1) &&
       HMAC(EVP_sha256(), k_salt, 4, k1, n1, k2, &n2) &&
       HMAC(EVP_sha256(), k2, (int)n2, info, info_len, sig, &n3) && n3 == SIG_LEN;
  OPENSSL_cleanse(k1, sizeof(k1));
  OPENSSL_cleanse(k2, sizeof(k2));
  return ok ? 0 : -1;
}

/* ---- mint ---------------------------------------------------------- */

static int field_ok(const char *s) {
  return s && *s && strlen(s) <= CFM_AGORA_FIELD_MAX;
}

int cfm_agora_token_mint(const char *app_id, const char *cert, const char *user_id,
                         uint32_t issue_ts, uint32_t expire, uint32_t salt, char *out, size_t cap,
                         cfm_error_t *err) {
  unsigned char info[CONTENT_MAX], content[CONTENT_MAX], z[CONTENT_MAX + 64], sig[SIG_LEN];
  packer w = {info, 0, sizeof(info), 0}, c = {content, 0, sizeof(content), 0};
  uLongf zlen = sizeof(z);
  int app = !user_id || !*user_id, rc = CFM_EOK;
  if (!field_ok(app_id) || !field_ok(cert) || (!app && strlen(user_id) > CFM_AGORA_FIELD_MAX))
    return cfm_error_set(err, CFM_EUSAGE, "agora token", "",
                         "app id and certificate must be 1 to %d bytes", CFM_AGORA_FIELD_MAX);
  if (salt < 1 || salt > 99999999u || expire == 0)
    return cfm_error_set(err, CFM_EUSAGE, "agora token", "",
                         "salt must be 1..99999999 and expire positive");
  put_string(&w, app_id, strlen(app_id));
  put_u32(&w, issue_ts);
  put_u32(&w, expire);
  put_u32(&w, salt);
  put_u16(&w, 1); /* one service: chat */
  put_u16(&w, CFM_AGORA_SERVICE_CHAT);
  put_u16(&w, 1); /* one privilege */
  put_u16(&w, app ? CFM_AGORA_PRIV_CHAT_APP : CFM_AGORA_PRIV_CHAT_USER);
  put_u32(&w, expire);
  put_string(&w, app ? "" : user_id, app ? 0 : strlen(user_id));
  if (signature(cert, issue_ts, salt, info, w.len, sig) != 0) {
    rc = cfm_error_set(err, CFM_ECRYPTO, "agora token", "", "hmac-sha256 failed");
    goto out;
  }
  put_string(&c, sig, SIG_LEN);
  put(&c, info, w.len);
  /* The reference builders use zlib's default level; so do we, so that a
   * token is byte-identical to theirs for the same inputs. */
  if (w.overflow || c.overflow ||
      compress2(z, &zlen, content, c.len, Z_DEFAULT_COMPRESSION) != Z_OK) {
    rc = cfm_error_set(err, CFM_EINTERNAL, "agora token", "", "cannot compress the token");
    goto out;
  }
  if (cap < sizeof(TOKEN_VERSION) - 1 + (zlen + 2) / 3 * 4 + 1) {
    rc = cfm_error_set(err, CFM_ETOOBIG, "agora token", "", "output buffer too small");
    goto out;
  }
  memcpy(out, TOKEN_VERSION, sizeof(TOKEN_VERSION) - 1);
  EVP_EncodeBlock((unsigned char *)out + sizeof(TOKEN_VERSION) - 1, z, (int)zlen);
out:
  OPENSSL_cleanse(sig, sizeof(sig));
  return rc;
}

uint32_t cfm_agora_token_salt(void) {
  unsigned char b[4];
  uint32_t v;
  if (RAND_bytes(b, sizeof(b)) != 1)
    return 0;
  v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return 1 + v % 99999999u;
}

/* ---- parse and verify ---------------------------------------------- */

/* Strict standard base64 (padding required); returns length or -1. */
static long b64_decode(const char *in, size_t n, unsigned char *out, size_t cap) {
  size_t i, pad = 0;
  int got;
  if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap)
    return -1;
  for (i = 0; i < n; i++) {
    char ch = in[i];
    int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '+' || ch == '/';
    if (ch == '=' && i >= n - 2)
      pad++;
    else if (!alpha || pad)
      return -1;
  }
  got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
  if (got < 0 || (size_t)got < pad)
    return -1;
  return (long)((size_t)got - pad);
}

/* Bytes after the privilege map, per known service type (the reference
 * implementations' layouts): strings to skip and a trailing int16. */
static int skip_service_tail(reader *r, unsigned type, cfm_agora_token_info *info) {
  switch (type) {
  case 1: /* rtc: channel, uid */
  case 3: /* streaming: channel, uid */
    get_string(r, NULL, 0);
    get_string(r, NULL, 0);
    return 0;
  case 2: /* rtm: user id */
    get_string(r, NULL, 0);
    return 0;
  case 4: /* fpa: nothing */
    return 0;
  case CFM_AGORA_SERVICE_CHAT:
    get_string(r, info->chat_user_id, sizeof(info->chat_user_id));
    return 0;
  case 7: /* education: room, user, role */
    get_string(r, NULL, 0);
    get_string(r, NULL, 0);
    take(r, 2);
    return 0;
  default:
    return -1;
  }
}

/* Undoes "007" + base64 + zlib into content (caller's CONTENT_MAX
 * buffer); clears info. */
static cfm_agora_token_status decode(const char *tok, size_t len, cfm_agora_token_info *info,
                                     unsigned char *content, size_t *content_len) {
  unsigned char z[CFM_AGORA_TOKEN_MAX];
  uLongf clen = CONTENT_MAX;
  long zlen;
  memset(info, 0, sizeof(*info));
  if (!tok || len <= 3 || len > CFM_AGORA_TOKEN_MAX || memcmp(tok, TOKEN_VERSION, 3) != 0)
    return CFM_AGORA_TOKEN_MALFORMED;
  zlen = b64_decode(tok + 3, len - 3, z, sizeof(z));
  if (zlen <= 0 || uncompress(content, &clen, z, (uLong)zlen) != Z_OK)
    return CFM_AGORA_TOKEN_MALFORMED;
  *content_len = clen;
  return CFM_AGORA_TOKEN_OK;
}

/* Parses decoded content into info and sig; *info_off = where the
 * signed bytes start. */
static cfm_agora_token_status parse_content(const unsigned char *content, size_t n,
                                            cfm_agora_token_info *info, size_t *info_off,
                                            unsigned char sig[SIG_LEN]) {
  reader r = {content, n, 0, 0};
  unsigned nservices, s;
  const unsigned char *sp;
  if (get_u16(&r) != SIG_LEN || !(sp = take(&r, SIG_LEN)))
    return CFM_AGORA_TOKEN_MALFORMED;
  memcpy(sig, sp, SIG_LEN);
  *info_off = r.off;
  get_string(&r, info->app_id, sizeof(info->app_id));
  info->issue_ts = get_u32(&r);
  info->expire = get_u32(&r);
  info->salt = get_u32(&r);
  nservices = get_u16(&r);
  for (s = 0; s < nservices && !r.bad; s++) {
    unsigned type = get_u16(&r), nprivs = get_u16(&r), p;
    for (p = 0; p < nprivs && !r.bad; p++) {
      unsigned priv = get_u16(&r);
      uint32_t exp = get_u32(&r);
      if (type == CFM_AGORA_SERVICE_CHAT && priv == CFM_AGORA_PRIV_CHAT_APP)
        info->chat_app_expire = exp;
      else if (type == CFM_AGORA_SERVICE_CHAT && priv == CFM_AGORA_PRIV_CHAT_USER)
        info->chat_user_expire = exp;
    }
    if (type == CFM_AGORA_SERVICE_CHAT)
      info->has_chat = 1;
    if (skip_service_tail(&r, type, info) != 0)
      return CFM_AGORA_TOKEN_MALFORMED;
  }
  if (r.bad || r.off != r.len)
    return CFM_AGORA_TOKEN_MALFORMED;
  return CFM_AGORA_TOKEN_OK;
}

cfm_agora_token_status cfm_agora_token_parse(const char *tok, size_t len,
                                             cfm_agora_token_info *info) {
  unsigned char content[CONTENT_MAX], sig[SIG_LEN];
  size_t n = 0, off = 0;
  cfm_agora_token_status st = decode(tok, len, info, content, &n);
  if (st == CFM_AGORA_TOKEN_OK)
    st = parse_content(content, n, info, &off, sig);
  return st;
}

cfm_agora_token_status cfm_agora_token_verify(const char *tok, size_t len, const char *app_id,
                                              const char *cert, int64_t now) {
  unsigned char content[CONTENT_MAX], sig[SIG_LEN], want[SIG_LEN];
  cfm_agora_token_info info;
  size_t n = 0, off = 0;
  int64_t issued;
  cfm_agora_token_status st = decode(tok, len, &info, content, &n);
  if (st == CFM_AGORA_TOKEN_OK)
    st = parse_content(content, n, &info, &off, sig);
  if (st != CFM_AGORA_TOKEN_OK)
    return st;
  if (!app_id || strcmp(info.app_id, app_id) != 0)
    return CFM_AGORA_TOKEN_APP_ID_MISMATCH;
  if (!field_ok(cert) || signature(cert, info.issue_ts, info.salt, content + off, n - off, want) ||
      CRYPTO_memcmp(sig, want, SIG_LEN) != 0)
    return CFM_AGORA_TOKEN_BAD_SIGNATURE;
  issued = (int64_t)info.issue_ts;
  if (issued + (int64_t)info.expire <= now ||
      (info.chat_app_expire && issued + (int64_t)info.chat_app_expire <= now))
    return CFM_AGORA_TOKEN_EXPIRED;
  if (!info.has_chat || !info.chat_app_expire)
    return CFM_AGORA_TOKEN_NO_APP_PRIVILEGE;
  return CFM_AGORA_TOKEN_OK;
}

const char *cfm_agora_token_status_name(cfm_agora_token_status st) {
  static const char *const names[] = {
      "ok", "malformed", "app id mismatch", "bad signature", "expired", "no chat app privilege"};
  return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

int cfm_agora_is_hex32(const char *s) {
  size_t i;
  if (!s)
    return 0;
  for (i = 0; i < 32; i++) {
    char ch = s[i];
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
      return 0;
  }
  return s[32] == '\0';
}
