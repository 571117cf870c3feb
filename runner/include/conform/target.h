/* conform — targets and credentials: where each vendor's cases go and how
 * requests are signed.  Secrets come from a config file, the environment or
 * a file named by either, never from argv; they never reach logs or
 * reports (cfm_redact). */
#ifndef CONFORM_TARGET_H
#define CONFORM_TARGET_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "conform/error.h"
#include "conform/spec.h"

/* Minted and fetched tokens of one target (config.c). */
struct cfm_cred_state;

/* One vendor's target. */
typedef struct cfm_target {
  char *vendor;        /* "tencent-im", "agora-chat", "dingtalk-rooms" */
  char *base_url;      /* replaces "https://{host}" in the spec's base_url, e.g.
                          "http://127.0.0.1:8080"; NULL = the spec's first host */
  json_t *credentials; /* owned: {"sdkappid": "...", "identifier": "...",
                          "secret_key": "...", "app_token": "...",
                          "access_token": "..."} (only those the scheme needs) */
  json_t *variables;   /* owned: overrides of the spec's variables (app_id, owner, ...) */
  int verify_tls;      /* default 1 */
  char *ca_file;       /* optional */
  int in_config;       /* 1 when the config file names this vendor */
  int url_from_cli;    /* 1 when base_url came from --target */
  char *config_url;    /* the config's base_url that --target replaced, or NULL */
  char *region;        /* "region" of the config; cfm_config_check turns it into base_url */
  char *token_url;     /* DingTalk token endpoint; NULL = base_url + /v1.0/oauth2/accessToken */
  char *base_path;     /* "base_path" template replacing the spec's path after {host}, or NULL */
  struct cfm_cred_state *cred; /* owned: the token cache of app_certificate / app_key */
} cfm_target;

/* Largest "max_rps" / --max-rps accepted (requests per second). */
#define CFM_MAX_RPS_LIMIT 100000

typedef struct cfm_config {
  cfm_target *targets; /* owned */
  size_t count;
  unsigned concurrency;     /* 0 = default */
  long timeout_ms;          /* 0 = default */
  double rate_scale;        /* fraction of documented rate limits to use; default 0.8 */
  double global_rate_per_s; /* "max_rps": cap over the whole run; <= 0 = none */
  char *run_prefix;         /* names of created resources start with it; default "cfm-<random>" */
  char *source;             /* the config file's name (errors), or NULL */
  int offline;              /* cfm_config_set_offline: fetch no token */
  int no_commands;          /* 1: a {"command": ...} secret is an error (fuzzing) */
  int64_t (*clock)(void *arg); /* cfm_config_set_clock */
  void *clock_arg;
} cfm_config;

void cfm_config_init(cfm_config *cfg);
void cfm_config_release(cfm_config *cfg);

/* Loads a JSON config file (docs/config.md).  Every key is checked: an
 * unknown one is CFM_ECONFIG naming its JSON pointer and, when a known key
 * is close, "did you mean ...".  Secret values may be given as
 * {"env": "NAME"} or {"file": "path"}; a literal secret in the file is
 * accepted (the file is the user's).  A secret file is a regular file or
 * a pipe; the config itself may be any readable stream.  Returns CFM_EOK,
 * CFM_ECONFIG (err says why) or CFM_ENOMEM. */
int cfm_config_load(cfm_config *cfg, const char *path, cfm_error_t *err);
/* The same from n bytes in memory; path labels errors. */
int cfm_config_parse(cfm_config *cfg, const char *path, const char *data, size_t n,
                     cfm_error_t *err);

/* Applies "--target VENDOR=URL"; it replaces a base_url from the config
 * (kept in config_url so the run header can say so).  A URL with
 * credentials in its userinfo ("https://user:pw@host") is refused, here and
 * in a config.  Returns CFM_EOK or CFM_EUSAGE. */
int cfm_config_set_target_url(cfm_config *cfg, const char *vendor_eq_url, cfm_error_t *err);

/* Checks the names in cfg against the specs of set: every vendor is one of
 * the specs' (or a shipped vendor), every credential one that vendor's
 * transport.auth.credentials lists, every variable one its spec declares.
 * Returns CFM_EOK, or CFM_ECONFIG (a name in the config file) or CFM_EUSAGE
 * (a vendor only named by --target) with the JSON pointer and a "did you
 * mean" suggestion in err. */
int cfm_config_check(cfm_config *cfg, const cfm_specset *set, cfm_error_t *err);
/* cfm_config_check also resolves "region" into base_url (the spec's
 * transport.hosts), checks every {placeholder} of the base URL template
 * (the spec's or the target's base_path) has a non-empty value, and that
 * app_certificate comes with an app_id. */

/* 1 when t can present credential name: given in the config, or produced by
 * a provider (app_token from app_certificate, access_token from app_key and
 * app_secret). */
int cfm_target_has_credential(const cfm_target *t, const char *name);

/* Offline (a dry run): a DingTalk token is never fetched; requests carry a
 * placeholder.  Agora tokens are still minted (no request). */
void cfm_config_set_offline(cfm_config *cfg, int offline);

/* The clock of token expiry for every target (tests); NULL = time(NULL). */
void cfm_config_set_clock(cfm_config *cfg, int64_t (*clock)(void *arg), void *arg);

/* Forgets the minted or fetched token of t, so that the next request gets a
 * new one.  For the flow: call it once after the vendor refuses a valid
 * token (DingTalk 400 InvalidAuthentication, Agora 401) and retry once. */
void cfm_target_credential_invalidate(const cfm_target *t);

/* 1 when a response (status, body of len bytes) to a request that
 * carried t's provider token for spec says the token was refused, so that
 * the caller invalidates it and retries once: t presents a token made by a
 * provider (app_certificate, app_key + app_secret; never a static token)
 * and the response maps to one of the spec's transport errors whose
 * trigger is "auth_invalid" (DingTalk 400 InvalidAuthentication, Agora
 * 401 unauthorized).  0 otherwise. */
int cfm_target_token_refused(const cfm_target *t, const cfm_spec *spec, long status,
                             const char *body, size_t len);

/* Tokens minted or fetched for t so far (0 without a provider). */
unsigned long cfm_target_credential_fetches(const cfm_target *t);

/* The full base URL of t for spec: t->base_url, then the path template
 * (t->base_path or the spec's base_url after "https://{host}") with every
 * {name} replaced by the URL-escaped variable (config, else the spec's
 * default).  Returns CFM_EOK, CFM_ECONFIG (no target URL, a placeholder
 * without a value or with an empty one; err names it) or CFM_ETOOBIG. */
int cfm_target_base_url(const cfm_target *t, const cfm_spec *spec, char *out, size_t cap,
                        cfm_error_t *err);

/* The known name closest to word (edit distance, or one containing the
 * other), or NULL when none is close.  names is NULL-terminated. */
const char *cfm_did_you_mean(const char *word, const char *const *names);

/* Fills demo credentials for the embedded mock at http://127.0.0.1:port
 * for every vendor not already configured with a URL. */
int cfm_config_use_mock(cfm_config *cfg, uint16_t port);

/* The target of a vendor, or NULL (borrowed). */
cfm_target *cfm_config_target(cfm_config *cfg, const char *vendor);

/* How a case wants its credentials presented. */
typedef enum {
  CFM_AUTH_VALID = 0,
  CFM_AUTH_MISSING,   /* omit the credential entirely */
  CFM_AUTH_MALFORMED, /* syntactically broken credential */
  CFM_AUTH_EXPIRED,   /* a well-formed but expired credential (UserSig) */
  CFM_AUTH_WRONG_APP  /* valid form, signed for / belonging to another app */
} cfm_auth_mode;

/* Credentials rendered for one request. */
typedef struct cfm_auth_out {
  char query[2048];  /* "sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json"
                        to append to the URL query ("" if none) */
  char header[2048]; /* one "Name: value" header line ("" if none) */
} cfm_auth_out;

/* Renders the spec's transport.auth (borrowed) for target t in mode at time
 * now (seconds), with `random` for Tencent's random parameter.  Returns
 * CFM_EOK, CFM_ECONFIG (credential missing) or CFM_ECRYPTO. */
int cfm_auth_render(const cfm_target *t, const json_t *auth, cfm_auth_mode mode, int64_t now,
                    uint32_t random, cfm_auth_out *out, cfm_error_t *err);

/* Copies text to out (cap bytes, NUL-terminated) with secrets replaced by
 * "REDACTED" (defined in sanitize.c: the sanitiser's redaction and cut,
 * bytes otherwise kept; conform/sanitize.h): usersig= query values,
 * "Authorization: Bearer ..." and access-token header values, every secret
 * of cfg (also registered for every later sink) and every usersig value
 * seen before, in any encoded form.  cfg may be NULL. */
void cfm_redact(const cfm_config *cfg, const char *text, char *out, size_t cap);

#endif
