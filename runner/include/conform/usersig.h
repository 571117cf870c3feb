/* conform — Tencent Cloud IM UserSig (TLS sig v2): mint and verify.
 *
 * sig = base64(HMAC-SHA256(key, "TLS.identifier:" id "\nTLS.sdkappid:" app
 *       "\nTLS.time:" t "\nTLS.expire:" e "\n"));
 * usersig = base64url'(zlib(JSON{TLS.ver "2.0", TLS.identifier,
 *       TLS.sdkappid, TLS.expire, TLS.time, TLS.sig})) with '+'→'*',
 *       '/'→'-', '='→'_'. */
#ifndef CONFORM_USERSIG_H
#define CONFORM_USERSIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Maximum accepted encoded UserSig length (hostile-input cap). */
#define CFM_USERSIG_MAX 4096

typedef enum {
  CFM_USERSIG_OK = 0,
  CFM_USERSIG_EMPTY,               /* length 0 (vendor code 70002) */
  CFM_USERSIG_MALFORMED,           /* cannot decode/inflate/parse (70003) */
  CFM_USERSIG_EXPIRED,             /* time + expire < now (70001) */
  CFM_USERSIG_BAD_SIGNATURE,       /* HMAC mismatch: wrong key (70009) */
  CFM_USERSIG_IDENTIFIER_MISMATCH, /* (70013) */
  CFM_USERSIG_SDKAPPID_MISMATCH    /* (70014) */
} cfm_usersig_status;

/* Mints a UserSig into out (capacity cap).  now = issue time.
 * Returns 0, or -1 on failure (cap too small, crypto error). */
int cfm_usersig_sign(uint64_t sdkappid, const char *identifier, const char *key, size_t keylen,
                     int64_t now, int64_t expire, char *out, size_t cap);

/* Verifies an encoded UserSig of len bytes (no NUL needed) for the expected
 * sdkappid and identifier at time now.  Never crashes on hostile input. */
cfm_usersig_status cfm_usersig_verify(const char *sig, size_t len, uint64_t sdkappid,
                                      const char *identifier, const char *key, size_t keylen,
                                      int64_t now);

/* The issue time (TLS.time, seconds since the epoch) and validity
 * (TLS.expire, seconds) an encoded UserSig of len bytes carries, read
 * without the key (nothing is verified).  Returns 0, or -1 when sig does
 * not decode.  Neither value is secret: `conform run --record` keeps them
 * when it redacts the UserSig, so `check` can tell an expired one. */
int cfm_usersig_times(const char *sig, size_t len, int64_t *issued, int64_t *expire);

/* The vendor's public error code for a status (70001, ...; 0 for OK). */
int cfm_usersig_vendor_code(cfm_usersig_status st);

#endif
