/* conform — what the config files share (internal to runner/lib/config*.c):
 * a target's token-cache state and the helpers more than one of them calls.
 * Nothing outside config*.c includes it. */
#ifndef CONFORM_CONFIG_INTERNAL_H
#define CONFORM_CONFIG_INTERNAL_H
#include "conform/credential.h"
#include "conform/target.h"

#include <pthread.h>

/* The token cache of one target: an Agora app token minted from
 * app_certificate, or a DingTalk access token fetched with app_key and
 * app_secret.  Locked: requests may be built from more than one thread. */
struct cfm_cred_state {
  pthread_mutex_t lock;
  cfm_cred_cache cache;
  char *app_id; /* Agora: resolved by cfm_config_check */
  int offline;
  int no_commands;
  int64_t (*clock)(void *arg);
  void *clock_arg;
};

/* The target of vendor, added (with a token cache) when cfg has none;
 * NULL on out of memory (config.c). */
cfm_target *cfm__config_add_target(cfm_config *cfg, const char *vendor);
/* 1 when v is a vendor name: lower-case letters, digits, '-' (config.c). */
int cfm__config_valid_vendor(const char *v);
/* Why u cannot be a target URL (never echoing it), or NULL (config.c). */
const char *cfm__config_url_problem(const char *u);
/* A copy of u without trailing slashes, or NULL (config.c). */
char *cfm__config_dup_url(const char *u);

/* A secret: a string, {"env": NAME}, {"file": PATH} or {"command": [...]}.
 * A new string of *n bytes, or NULL with err set (config_secret.c). */
char *cfm__config_resolve_secret(const json_t *v, int no_commands, size_t *n, const char *path,
                                 const char *ptr, cfm_error_t *err);

/* ptr + "/" + key, key escaped as RFC 6901 says (config_keys.c). */
void cfm__config_pointer_join(char *out, size_t cap, const char *ptr, const char *key);
/* An error for a name that is not one of names (NULL-terminated), with a
 * "did you mean" or the list of known names (config_keys.c). */
int cfm__config_unknown_name(cfm_error_t *err, int code, const char *where, const char *ptr,
                             const char *what, const char *name, const char *const *names);
/* Every key of obj must be one of names; "$comment" is allowed anywhere
 * (config_keys.c). */
int cfm__config_known_keys(const json_t *obj, const char *const *names, const char *path,
                           const char *ptr, cfm_error_t *err);

#endif
