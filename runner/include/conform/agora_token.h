/* conform — Agora AccessToken2 ("007" tokens): mint and verify.
 *
 * token        = "007" base64(zlib(pack_string(signature) signing_info))
 * signing_info = pack_string(app_id) u32(issue_ts) u32(expire) u32(salt)
 *                u16(service count) services...
 * chat service = u16(5) u16(privilege count) {u16 privilege, u32 expire}...
 *                pack_string(user_id)
 * signing key  = HMAC-SHA256(u32(salt), HMAC-SHA256(u32(issue_ts), cert))
 * signature    = HMAC-SHA256(signing key, signing_info)
 * Integers little-endian; pack_string = u16 length + bytes; expire values
 * are seconds after issue_ts.  Facts: reference/VENDOR-FACTS.md
 * "Credentials a real account needs"; layout confirmed against the public
 * AgoraIO/Tools DynamicKey/AgoraDynamicKey implementations. */
#ifndef CONFORM_AGORA_TOKEN_H
#define CONFORM_AGORA_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "conform/error.h"

/* Longest token accepted or produced (hostile-input cap); a chat app token
 * with a 32-character app id is about 120 characters. */
#define CFM_AGORA_TOKEN_MAX 2048
/* Longest app id, certificate or user id accepted. */
#define CFM_AGORA_FIELD_MAX 256

#define CFM_AGORA_SERVICE_CHAT 5
#define CFM_AGORA_PRIV_CHAT_USER 1 /* user token: carries a user id */
#define CFM_AGORA_PRIV_CHAT_APP 2  /* app token: empty user id */

typedef enum {
  CFM_AGORA_TOKEN_OK = 0,
  CFM_AGORA_TOKEN_MALFORMED,        /* not "007", bad base64/zlib/layout */
  CFM_AGORA_TOKEN_APP_ID_MISMATCH,  /* minted for another app */
  CFM_AGORA_TOKEN_BAD_SIGNATURE,    /* wrong app certificate (or tampered) */
  CFM_AGORA_TOKEN_EXPIRED,          /* issue_ts + expire (token or privilege) <= now */
  CFM_AGORA_TOKEN_NO_APP_PRIVILEGE, /* no chat service with privilege 2 */
} cfm_agora_token_status;

/* What a token says (filled by cfm_agora_token_parse). */
typedef struct cfm_agora_token_info {
  char app_id[CFM_AGORA_FIELD_MAX + 1];
  uint32_t issue_ts, expire, salt;
  int has_chat;             /* a chat service (type 5) is present */
  uint32_t chat_app_expire; /* expire of privilege 2; 0 when absent */
  uint32_t chat_user_expire;
  char chat_user_id[CFM_AGORA_FIELD_MAX + 1];
} cfm_agora_token_info;

/* Mints a chat token into out (capacity cap, NUL-terminated).  user_id
 * NULL or "" makes an app token (privilege 2, empty user id); otherwise a
 * user token (privilege 1) for user_id.  The token and the privilege both
 * last `expire` seconds from issue_ts.  salt must be 1..99999999 (the
 * caller draws it: cfm_agora_token_salt).  app_id and cert must be
 * non-empty and at most CFM_AGORA_FIELD_MAX bytes; the real service issues
 * 32-hex-digit ones, which this function does not insist on.  Returns
 * CFM_EOK, or CFM_EUSAGE / CFM_ETOOBIG / CFM_ECRYPTO with err filled; the
 * certificate never appears in err. */
int cfm_agora_token_mint(const char *app_id, const char *cert, const char *user_id,
                         uint32_t issue_ts, uint32_t expire, uint32_t salt, char *out, size_t cap,
                         cfm_error_t *err);

/* A random salt in 1..99999999 (OpenSSL RAND); 0 on failure. */
uint32_t cfm_agora_token_salt(void);

/* Decodes a token of len bytes (no NUL needed) without checking its
 * signature.  Returns CFM_AGORA_TOKEN_OK or CFM_AGORA_TOKEN_MALFORMED.
 * Never crashes on hostile input; reads at most CFM_AGORA_TOKEN_MAX bytes. */
cfm_agora_token_status cfm_agora_token_parse(const char *tok, size_t len,
                                             cfm_agora_token_info *info);

/* Verifies a token as the service does for a chat app call: format, app
 * id, signature with cert, expiry at `now` (epoch seconds) of the token and
 * of the privilege, and the chat app privilege.  The first failing check
 * is returned in that order. */
cfm_agora_token_status cfm_agora_token_verify(const char *tok, size_t len, const char *app_id,
                                              const char *cert, int64_t now);

/* Lower-case name of a status ("expired"). */
const char *cfm_agora_token_status_name(cfm_agora_token_status st);

/* 1 when s is exactly 32 hexadecimal digits (the shape of a real App ID
 * and App Certificate). */
int cfm_agora_is_hex32(const char *s);

#endif
