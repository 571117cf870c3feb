/* conform — parsing a config file into cfm_config: root keys, each
 * target's keys, credentials (through config_secret.c) and variables.
 *
 * Owns the file's syntax and value ranges.  Must not check names against
 * the specs (config_check.c) nor mint or fetch tokens. */
#include "config_internal.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define CONFIG_MAX_BYTES (1u << 20)

int cfm_config_load(cfm_config *cfg, const char *path, cfm_error_t *err) {
  char *data;
  size_t n;
  int rc = cfm_read_file(path, CONFIG_MAX_BYTES, &data, &n, err);
  if (rc != CFM_EOK)
    return rc == CFM_ENOMEM ? rc : CFM_ECONFIG;
  rc = cfm_config_parse(cfg, path, data, n, err);
  free(data);
  return rc;
}

static const char *const root_keys[] = {"$schema", "concurrency", "timeout_ms", "rate_scale",
                                        "max_rps", "run_prefix",  "targets",    NULL};
static const char *const target_keys[] = {
    "base_url",   "region",  "base_path", "credentials",      "variables",
    "verify_tls", "ca_file", "token_url", "token_lifetime_s", NULL};
static const char *const secret_keys[] = {"env", "file", "command", "timeout_ms", NULL};

/* A string key of target t (at ptr) into *dst; "must be ..." otherwise. */
static int string_key(const json_t *t, const char *key, char **dst, const char *path,
                      const char *ptr, cfm_error_t *err) {
  const json_t *v = json_object_get(t, key);
  char kp[CFM_ERROR_WHERE_LENGTH];
  if (!v)
    return CFM_EOK;
  cfm__config_pointer_join(kp, sizeof(kp), ptr, key);
  if (!json_is_string(v) || !json_string_length(v))
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be a non-empty string");
  free(*dst);
  if (!(*dst = strdup(json_string_value(v))))
    return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  return CFM_EOK;
}

/* The extra keys of a target: region, base_path, token_url, token_lifetime_s. */
static int parse_target_extras(cfm_target *tg, const json_t *t, const char *path, const char *ptr,
                               cfm_error_t *err) {
  const json_t *life = json_object_get(t, "token_lifetime_s");
  char kp[CFM_ERROR_WHERE_LENGTH];
  int rc;
  if ((rc = string_key(t, "region", &tg->region, path, ptr, err)) ||
      (rc = string_key(t, "base_path", &tg->base_path, path, ptr, err)) ||
      (rc = string_key(t, "token_url", &tg->token_url, path, ptr, err)))
    return rc;
  if (json_object_get(t, "region") && json_object_get(t, "base_url")) {
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "region");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "give base_url or region, not both");
  }
  if (tg->base_path && tg->base_path[0] != '/') {
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "base_path");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must start with '/'");
  }
  if (tg->token_url && cfm__config_url_problem(tg->token_url)) {
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "token_url");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "token_url %s",
                         cfm__config_url_problem(tg->token_url));
  }
  if (life) {
    json_int_t l = json_integer_value(life);
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "token_lifetime_s");
    if (!json_is_integer(life) || l < 60 || l > CFM_CRED_MINTED_MAX_LIFETIME_S)
      return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be an integer in [60,%d]",
                           CFM_CRED_MINTED_MAX_LIFETIME_S);
    tg->cred->cache.lifetime_s = (uint32_t)l;
  }
  return CFM_EOK;
}

/* Parses targets/<vendor> (t, at ptr) into tg. */
static int parse_target(cfm_target *tg, const json_t *t, const char *path, const char *ptr,
                        cfm_error_t *err) {
  const json_t *creds = json_object_get(t, "credentials"), *vars = json_object_get(t, "variables"),
               *tls = json_object_get(t, "verify_tls"), *ca = json_object_get(t, "ca_file");
  const char *k;
  json_t *v;
  char kp[CFM_ERROR_WHERE_LENGTH];
  int rc = cfm__config_known_keys(t, target_keys, path, ptr, err);
  if (rc)
    return rc;
  tg->in_config = 1;
  if (json_object_get(t, "base_url")) {
    const char *u = json_string_value(json_object_get(t, "base_url")),
               *why = cfm__config_url_problem(u);
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "base_url");
    if (why)
      return cfm_error_set(err, CFM_ECONFIG, path, kp, "base_url %s", why);
    /* --target wins whichever came first; the header names what it replaced. */
    if (tg->url_from_cli) {
      free(tg->config_url);
      tg->config_url = cfm__config_dup_url(u);
    } else {
      free(tg->base_url);
      tg->base_url = cfm__config_dup_url(u);
    }
    if (!(tg->url_from_cli ? tg->config_url : tg->base_url))
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  if ((creds && !json_is_object(creds)) || (vars && !json_is_object(vars))) {
    cfm__config_pointer_join(kp, sizeof(kp), ptr,
                             creds && !json_is_object(creds) ? "credentials" : "variables");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be an object");
  }
  if ((tls && !json_is_boolean(tls)) || (ca && !json_is_string(ca))) {
    cfm__config_pointer_join(kp, sizeof(kp), ptr,
                             tls && !json_is_boolean(tls) ? "verify_tls" : "ca_file");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be a %s",
                         tls && !json_is_boolean(tls) ? "boolean" : "string");
  }
  if ((rc = parse_target_extras(tg, t, path, ptr, err)) != CFM_EOK)
    return rc;
  json_object_foreach((json_t *)creds, k, v) {
    char cptr[CFM_ERROR_WHERE_LENGTH];
    char *secret;
    size_t sn = 0;
    cfm__config_pointer_join(cptr, sizeof(cptr), ptr, "credentials");
    cfm__config_pointer_join(kp, sizeof(kp), cptr, k);
    if (json_is_object(v) &&
        (rc = cfm__config_known_keys(v, secret_keys, path, kp, err)) != CFM_EOK)
      return rc;
    secret = cfm__config_resolve_secret(v, tg->cred->no_commands, &sn, path, kp, err);
    if (!secret)
      return err && err->code == CFM_ENOMEM ? CFM_ENOMEM : CFM_ECONFIG;
    /* A CR or LF would split the header it goes into; a NUL would cut it. */
    if (memchr(secret, '\r', sn) || memchr(secret, '\n', sn) || memchr(secret, '\0', sn))
      rc = cfm_error_set(err, CFM_ECONFIG, path, kp,
                         "the secret holds a CR, LF or NUL byte (not shown); a credential is "
                         "one line");
    else if (json_object_set_new(tg->credentials, k, json_string(secret)))
      rc = cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
    OPENSSL_cleanse(secret, sn);
    free(secret);
    if (rc)
      return rc;
  }
  json_object_foreach((json_t *)vars, k, v) {
    cfm__config_pointer_join(kp, sizeof(kp), ptr, "variables");
    if (!json_is_string(v) && !json_is_number(v)) {
      char vp[CFM_ERROR_WHERE_LENGTH];
      cfm__config_pointer_join(vp, sizeof(vp), kp, k);
      return cfm_error_set(err, CFM_ECONFIG, path, vp, "a variable is a string or a number");
    }
    if (json_object_set(tg->variables, k, v))
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  if (tls)
    tg->verify_tls = json_is_true(tls);
  if (ca) {
    free(tg->ca_file);
    if (!(tg->ca_file = strdup(json_string_value(ca))))
      return cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
  }
  return CFM_EOK;
}

int cfm_config_parse(cfm_config *cfg, const char *path, const char *data, size_t n,
                     cfm_error_t *err) {
  char why[160];
  json_t *root, *targets, *t, *v;
  const char *vendor;
  int rc = CFM_EOK;
  root = cfm_json_parse(data, n, CONFIG_MAX_BYTES, why, sizeof(why));
  {
    /* jansson quotes the text where parsing stopped ("invalid token near
     * 'abc'"); in a config that may be a secret's first bytes. */
    char *near = strstr(why, " near '");
    if (near)
      *near = '\0';
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "", "not a JSON object: %s", why);
  }
  if ((rc = cfm__config_known_keys(root, root_keys, path, "", err)) != CFM_EOK)
    goto out;
  free(cfg->source);
  if (!(cfg->source = strdup(path))) {
    rc = cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
    goto out;
  }
  if ((v = json_object_get(root, "concurrency")) != NULL) {
    json_int_t c = json_integer_value(v);
    if (!json_is_integer(v) || c < 1 || c > 256) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/concurrency", "must be an integer in [1,256]");
      goto out;
    }
    cfg->concurrency = (unsigned)c;
  }
  if ((v = json_object_get(root, "timeout_ms")) != NULL) {
    json_int_t tm = json_integer_value(v);
    if (!json_is_integer(v) || tm < 1 || tm > 600000) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/timeout_ms", "must be an integer in [1,600000]");
      goto out;
    }
    cfg->timeout_ms = (long)tm;
  }
  if ((v = json_object_get(root, "rate_scale")) != NULL) {
    double r = json_number_value(v);
    if (!json_is_number(v) || !(r > 0 && r <= 1)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/rate_scale", "must be a number in (0,1]");
      goto out;
    }
    cfg->rate_scale = r;
  }
  if ((v = json_object_get(root, "max_rps")) != NULL) {
    double r = json_number_value(v);
    if (!json_is_number(v) || !(r > 0 && r <= CFM_MAX_RPS_LIMIT)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/max_rps", "must be a number in (0,%d]",
                         CFM_MAX_RPS_LIMIT);
      goto out;
    }
    cfg->global_rate_per_s = r;
  }
  if ((v = json_object_get(root, "run_prefix")) != NULL) {
    if (!json_is_string(v) || !*json_string_value(v)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/run_prefix", "must be a non-empty string");
      goto out;
    }
    free(cfg->run_prefix);
    if (!(cfg->run_prefix = strdup(json_string_value(v)))) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, "/run_prefix", "out of memory");
      goto out;
    }
  }
  targets = json_object_get(root, "targets");
  if (targets && !json_is_object(targets)) {
    rc = cfm_error_set(err, CFM_ECONFIG, path, "/targets", "must be an object keyed by vendor");
    goto out;
  }
  json_object_foreach(targets, vendor, t) {
    cfm_target *tg;
    char ptr[CFM_ERROR_WHERE_LENGTH];
    cfm__config_pointer_join(ptr, sizeof(ptr), "/targets", vendor);
    if (!cfm__config_valid_vendor(vendor) || !json_is_object(t)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "bad vendor entry");
      goto out;
    }
    tg = cfm__config_add_target(cfg, vendor);
    if (!tg) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
      goto out;
    }
    if ((rc = parse_target(tg, t, path, ptr, err)) != CFM_EOK)
      goto out;
  }
out:
  json_decref(root);
  return rc;
}
