/* conform — credential wiring: which credentials a target can present,
 * its token cache (minted Agora app tokens, fetched DingTalk access
 * tokens) and the rendering of a spec's transport.auth for one request.
 *
 * Owns cfm_auth_render and the cache's lock.  Must not parse the config
 * nor build URLs; the providers themselves live in credential.c. */
#include "config_internal.h"
#include "conform/errmap.h"
#include "conform/jsonutil.h"
#include "conform/sanitize.h"
#include "conform/usersig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cred(const cfm_target *t, const char *name) {
  return t ? json_string_value(json_object_get(t->credentials, name)) : NULL;
}

int cfm_target_has_credential(const cfm_target *t, const char *name) {
  const char *v = cred(t, name);
  if (v && *v)
    return 1;
  if (!strcmp(name, "app_token"))
    return cred(t, "app_certificate") != NULL;
  if (!strcmp(name, "access_token"))
    return cred(t, "app_key") && cred(t, "app_secret");
  return 0;
}

void cfm_config_set_offline(cfm_config *cfg, int offline) {
  size_t i;
  cfg->offline = offline;
  for (i = 0; i < cfg->count; i++)
    cfg->targets[i].cred->offline = offline;
}

void cfm_config_set_clock(cfm_config *cfg, int64_t (*clock)(void *arg), void *arg) {
  size_t i;
  cfg->clock = clock;
  cfg->clock_arg = arg;
  for (i = 0; i < cfg->count; i++) {
    cfg->targets[i].cred->clock = clock;
    cfg->targets[i].cred->clock_arg = arg;
  }
}

void cfm_target_credential_invalidate(const cfm_target *t) {
  if (!t || !t->cred)
    return;
  pthread_mutex_lock(&t->cred->lock);
  cfm_cred_invalidate(&t->cred->cache);
  pthread_mutex_unlock(&t->cred->lock);
}

unsigned long cfm_target_credential_fetches(const cfm_target *t) {
  unsigned long n;
  if (!t || !t->cred)
    return 0;
  pthread_mutex_lock(&t->cred->lock);
  n = t->cred->cache.fetches;
  pthread_mutex_unlock(&t->cred->lock);
  return n;
}

int cfm_target_token_refused(const cfm_target *t, const cfm_spec *spec, long status,
                             const char *body, size_t len) {
  const json_t *transport = json_object_get(spec->root, "transport"), *tables[1];
  const char *scheme = cfm_json_str(json_object_get(transport, "auth"), "scheme"), *name;
  cfm_mapped mapped;
  if (!t || !scheme || (strcmp(scheme, "bearer") && strcmp(scheme, "header_token")))
    return 0;
  name = !strcmp(scheme, "bearer") ? "app_token" : "access_token";
  if (cred(t, name) || !cfm_target_has_credential(t, name))
    return 0; /* a static token: refusing it is the verdict's business */
  tables[0] = json_object_get(transport, "errors");
  if (cfm_errmap_map(json_object_get(transport, "error_model"), tables, 1, status, body, len,
                     &mapped) != 0 ||
      !mapped.row)
    return 0;
  name = cfm_json_str(mapped.row, "trigger");
  return name && !strcmp(name, "auth_invalid");
}

/* A token of t's provider (bearer: Agora minted; else DingTalk fetched)
 * into out, taken from the cache while it is fresh.  Every new token is
 * registered for redaction. */
static int provide_token(const cfm_target *t, int bearer, int64_t now, char *out, size_t cap,
                         cfm_error_t *err) {
  struct cfm_cred_state *s = t->cred;
  unsigned long before;
  int rc;
  pthread_mutex_lock(&s->lock);
  if (s->clock)
    now = s->clock(s->clock_arg);
  before = s->cache.fetches;
  if (bearer) {
    rc = s->app_id ? cfm_cred_minted_token(&s->cache, s->app_id, cred(t, "app_certificate"), now,
                                           out, cap, err)
                   : cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                                   "app_certificate needs variables.app_id (checked config)");
  } else if (s->offline) {
    rc = (size_t)snprintf(out, cap, "(fetched-with-app_key-at-run-time)") < cap ? CFM_EOK
                                                                                : CFM_ETOOBIG;
  } else {
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", t->token_url ? t->token_url : t->base_url,
             t->token_url ? "" : "/v1.0/oauth2/accessToken");
    s->cache.verify_tls = t->verify_tls;
    s->cache.ca_file = t->ca_file;
    rc = cfm_cred_fetched_token(&s->cache, url, cred(t, "app_key"), cred(t, "app_secret"), now, out,
                                cap, err);
  }
  if (rc == CFM_EOK && s->cache.fetches != before &&
      cfm_sanitize_add_secret(out, strlen(out)) != CFM_EOK)
    rc = cfm_error_set(err, CFM_ETOOBIG, t->vendor, "", "cannot register the new token");
  pthread_mutex_unlock(&s->lock);
  return rc;
}

static const char *role(const json_t *auth, const char *r) {
  const char *q = json_string_value(json_object_get(json_object_get(auth, "query"), r));
  return q ? q : r;
}

int cfm_auth_render(const cfm_target *t, const json_t *auth, cfm_auth_mode mode, int64_t now,
                    uint32_t random, cfm_auth_out *out, cfm_error_t *err) {
  const char *scheme = json_string_value(json_object_get(auth, "scheme"));
  out->query[0] = out->header[0] = '\0';
  if (!scheme)
    return CFM_EOK;
  if (!strcmp(scheme, "tencent_usersig")) {
    const char *app = cred(t, "sdkappid"), *id = cred(t, "identifier"),
               *key = cred(t, "secret_key");
    char sig[CFM_USERSIG_MAX];
    uint64_t appid;
    int n;
    if (!app || !id || !key)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : "auth", "",
                           "credentials sdkappid, identifier and secret_key are required");
    appid = strtoull(app, NULL, 10);
    sig[0] = '\0';
    switch (mode) {
    case CFM_AUTH_VALID:
      if (cfm_usersig_sign(appid, id, key, strlen(key), now, 86400, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    case CFM_AUTH_MISSING:
      break;
    case CFM_AUTH_MALFORMED:
      snprintf(sig, sizeof(sig), "not-a-usersig");
      break;
    case CFM_AUTH_EXPIRED:
      if (cfm_usersig_sign(appid, id, key, strlen(key), now - 7200, 60, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    case CFM_AUTH_WRONG_APP:
      if (cfm_usersig_sign(appid + 1, id, key, strlen(key), now, 86400, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    }
    if (mode == CFM_AUTH_MISSING)
      n = snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%u&%s=json",
                   role(auth, "sdkappid"), app, role(auth, "identifier"), id, role(auth, "random"),
                   (unsigned)random, role(auth, "contenttype"));
    else
      n = snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%s&%s=%u&%s=json",
                   role(auth, "sdkappid"), app, role(auth, "identifier"), id, role(auth, "usersig"),
                   sig, role(auth, "random"), (unsigned)random, role(auth, "contenttype"));
    if (n < 0 || (size_t)n >= sizeof(out->query))
      return cfm_error_set(
          err, CFM_ECONFIG, t->vendor, "",
          "the credential query is over %zu bytes (sdkappid or identifier too long)",
          sizeof(out->query) - 1);
    return CFM_EOK;
  }
  {
    const char *header = json_string_value(json_object_get(auth, "header"));
    int bearer = !strcmp(scheme, "bearer");
    const char *tok = cred(t, bearer ? "app_token" : "access_token");
    char made[CFM_CRED_TOKEN_MAX];
    if (!header)
      header = bearer ? "Authorization" : "x-acs-dingtalk-access-token";
    if (!tok && t && cfm_target_has_credential(t, bearer ? "app_token" : "access_token")) {
      int rc = CFM_EOK;
      made[0] = '\0';
      /* Only a valid request carries the real token. */
      if (mode == CFM_AUTH_VALID &&
          (rc = provide_token(t, bearer, now, made, sizeof(made), err)) != CFM_EOK)
        return rc;
      tok = made;
    }
    if (!tok)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : scheme, "",
                           "credential %s is required", bearer ? "app_token" : "access_token");
    switch (mode) {
    case CFM_AUTH_VALID:
      if ((size_t)snprintf(out->header, sizeof(out->header), "%s: %s%s", header,
                           bearer ? "Bearer " : "", tok) >= sizeof(out->header))
        return cfm_error_set(err, CFM_ETOOBIG, t ? t->vendor : scheme, "", "token too long");
      break;
    case CFM_AUTH_MISSING:
      break;
    case CFM_AUTH_MALFORMED:
      snprintf(out->header, sizeof(out->header), "%s: %s", header, bearer ? "Bearer" : "%%%");
      break;
    case CFM_AUTH_EXPIRED: /* no expiry is visible in an opaque token: an unknown one */
    case CFM_AUTH_WRONG_APP:
      snprintf(out->header, sizeof(out->header), "%s: %sconform-unknown-%s-token", header,
               bearer ? "Bearer " : "", mode == CFM_AUTH_EXPIRED ? "expired" : "other-app");
      break;
    }
  }
  return CFM_EOK;
}
