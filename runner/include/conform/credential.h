/* conform — credential providers: secrets from a command, Agora app tokens
 * minted locally, DingTalk access tokens fetched from appKey/appSecret.
 *
 * Tokens live in a cfm_cred_cache (one per vendor target) with their
 * expiry.  Time is passed in (`now`, epoch seconds) so that expiry and
 * refresh are deterministic in tests; the run passes time(NULL).  A cache
 * is not locked: call it from one thread (the run's), or lock around it.
 * No secret (certificate, appSecret, command output, token) ever appears in
 * a cfm_error_t. */
#ifndef CONFORM_CREDENTIAL_H
#define CONFORM_CREDENTIAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conform/error.h"

/* Longest token a cache holds (and a command may print), NUL included. */
#define CFM_CRED_TOKEN_MAX 2048
/* Defaults of a fresh cache. */
#define CFM_CRED_DEFAULT_MARGIN_S 300 /* refresh this long before expiry */
#define CFM_CRED_DEFAULT_MINTED_LIFETIME_S 3600
#define CFM_CRED_MINTED_MAX_LIFETIME_S 86400 /* the service caps tokens at 24 h */
#define CFM_CRED_DEFAULT_TIMEOUT_MS 10000
/* Largest DingTalk token-endpoint answer read. */
#define CFM_CRED_MAX_RESPONSE 16384

typedef struct cfm_cred_cache {
  /* Settings (set after cfm_cred_cache_init, before first use). */
  int64_t margin_s;    /* refresh when fewer seconds than this remain; the
                          effective margin is at most half the lifetime */
  uint32_t lifetime_s; /* Agora: lifetime of a minted token (1..86400) */
  long timeout_ms;     /* DingTalk: whole fetch, connect included */
  int verify_tls;      /* DingTalk: 0 turns TLS verification off */
  const char *ca_file; /* DingTalk: CA bundle (borrowed), NULL = system */
  /* State. */
  char token[CFM_CRED_TOKEN_MAX]; /* "" = empty */
  int64_t expires_at;             /* epoch s when the token stops working */
  int64_t refresh_at;             /* epoch s from which a new one is got */
  unsigned char inputs[32];       /* digest of what the token was made from */
  unsigned long fetches;          /* tokens minted or fetched so far */
} cfm_cred_cache;

/* Initialises c in the caller's storage with the defaults above. */
void cfm_cred_cache_init(cfm_cred_cache *c);
/* Wipes the token (OPENSSL_cleanse); c can be reused after _init. */
void cfm_cred_cache_release(cfm_cred_cache *c);
/* Forgets the token so that the next call gets a new one.  Call it after
 * the vendor refuses the token (DingTalk 400 InvalidAuthentication, Agora
 * 401) and retry the request once. */
void cfm_cred_invalidate(cfm_cred_cache *c);

/* An Agora Chat app token (AccessToken2, chat service, app privilege) for
 * app_id/cert, copied into out (cap).  Reuses the cached token until
 * refresh_at, then mints a new one issued at `now` lasting c->lifetime_s;
 * a change of app_id or cert also mints.  Returns CFM_EOK, CFM_EUSAGE (bad
 * arguments or settings), CFM_ETOOBIG (cap), CFM_ECRYPTO. */
int cfm_cred_minted_token(cfm_cred_cache *c, const char *app_id, const char *cert, int64_t now,
                          char *out, size_t cap, cfm_error_t *err);

/* A DingTalk access token, copied into out (cap).  Reuses the cached token
 * until refresh_at; otherwise POSTs {"appKey","appSecret"} as JSON to
 * token_url (https://api.dingtalk.com/v1.0/oauth2/accessToken on the real
 * service) with libcurl and caches {"accessToken","expireIn"} as expiring
 * at now + expireIn.  Returns CFM_EOK, CFM_EUSAGE, CFM_ENETWORK (cannot
 * connect, HTTP error: err names the status and the vendor's "code"),
 * CFM_ETIMEOUT, CFM_EPARSE (answer without a usable token), CFM_ETOOBIG. */
int cfm_cred_fetched_token(cfm_cred_cache *c, const char *token_url, const char *app_key,
                           const char *app_secret, int64_t now, char *out, size_t cap,
                           cfm_error_t *err);

/* Runs argv[0] (looked up in PATH) with argv as its arguments — no shell,
 * so nothing in an argument is expanded — with stdin from /dev/null,
 * stderr inherited and stdout read into out (cap), in its own process
 * group.  The output is trimmed of surrounding whitespace and must then be
 * one non-empty line of fewer than cap bytes without NUL, CR or LF.  After
 * timeout_ms the whole group is killed.  Returns CFM_EOK; CFM_EUSAGE (empty
 * argv), CFM_ENOTFOUND (cannot run it), CFM_ETIMEOUT, CFM_ETOOBIG (output
 * too long), CFM_EPARSE (empty or multi-line output), CFM_EIO (non-zero
 * exit or killed by a signal).  err names the command (argv[0]) but never
 * its output or its other arguments. */
int cfm_cred_from_command(char *const argv[], unsigned timeout_ms, char *out, size_t cap,
                          cfm_error_t *err);

/* Limits of a {"command": [...]} credential source. */
#define CFM_CRED_COMMAND_MAX_ARGS 64
#define CFM_CRED_COMMAND_MAX_ARG 4096
#define CFM_CRED_COMMAND_MAX_TIMEOUT_MS 120000

/* Runs a credential source of the config form
 *   {"command": ["prog", "arg", ...], "timeout_ms": 10000}
 * (source borrowed; timeout_ms optional, 1..120000, default
 * CFM_CRED_DEFAULT_TIMEOUT_MS) through cfm_cred_from_command.  Any other
 * key, an empty or over-long array (CFM_CRED_COMMAND_MAX_ARGS), a
 * non-string or empty element is CFM_ECONFIG with err->pointer relative to
 * source ("/command/2").  Otherwise as cfm_cred_from_command. */
int cfm_cred_from_command_json(const json_t *source, char *out, size_t cap, cfm_error_t *err);

/* The base URL "https://HOST" of a region name ("china", "singapore",
 * "seoul", "frankfurt" for Tencent) looked up in a spec's transport.hosts
 * array (borrowed; entries {"region", "host", ...}).  Returns CFM_EOK,
 * CFM_ENOTFOUND with err listing the known regions, or CFM_ETOOBIG. */
int cfm_cred_region_url(const json_t *hosts, const char *region, char *out, size_t cap,
                        cfm_error_t *err);

#endif
