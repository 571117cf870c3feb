/* conform — targets, credentials and request signing (docs/config.md). */
#define _GNU_SOURCE /* strcasestr */
#include "conform/target.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"
#include "conform/usersig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1u << 20)
#define SECRET_FILE_MAX 8192

void cfm_config_init(cfm_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->rate_scale = 0.8;
}

static void target_release(cfm_target *t) {
  free(t->vendor);
  free(t->base_url);
  json_decref(t->credentials);
  json_decref(t->variables);
  free(t->ca_file);
  memset(t, 0, sizeof(*t));
}

void cfm_config_release(cfm_config *cfg) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    target_release(&cfg->targets[i]);
  free(cfg->targets);
  free(cfg->run_prefix);
  cfm_config_init(cfg);
}

cfm_target *cfm_config_target(cfm_config *cfg, const char *vendor) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    if (strcmp(cfg->targets[i].vendor, vendor) == 0)
      return &cfg->targets[i];
  return NULL;
}

static cfm_target *add_target(cfm_config *cfg, const char *vendor) {
  cfm_target *t = cfm_config_target(cfg, vendor), *n;
  if (t)
    return t;
  n = realloc(cfg->targets, (cfg->count + 1) * sizeof(*n));
  if (!n)
    return NULL;
  cfg->targets = n;
  t = &cfg->targets[cfg->count];
  memset(t, 0, sizeof(*t));
  t->vendor = strdup(vendor);
  t->credentials = json_object();
  t->variables = json_object();
  t->verify_tls = 1;
  if (!t->vendor || !t->credentials || !t->variables) {
    target_release(t);
    return NULL;
  }
  cfg->count++;
  return t;
}

static int valid_vendor(const char *v) {
  if (!*v)
    return 0;
  for (; *v; v++)
    if (!(islower((unsigned char)*v) || isdigit((unsigned char)*v) || *v == '-'))
      return 0;
  return 1;
}

static int valid_url(const char *u) {
  return (strncmp(u, "http://", 7) == 0 && u[7]) || (strncmp(u, "https://", 8) == 0 && u[8]);
}

int cfm_config_set_target_url(cfm_config *cfg, const char *vendor_eq_url, cfm_error_t *err) {
  const char *eq = strchr(vendor_eq_url, '=');
  char vendor[64];
  cfm_target *t;
  size_t ul;
  if (!eq || eq == vendor_eq_url || (size_t)(eq - vendor_eq_url) >= sizeof(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "expected VENDOR=URL, got '%.100s'",
                         vendor_eq_url);
  snprintf(vendor, sizeof(vendor), "%.*s", (int)(eq - vendor_eq_url), vendor_eq_url);
  if (!valid_vendor(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "bad vendor name '%s'", vendor);
  if (!valid_url(eq + 1))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "",
                         "URL must start with http:// or https://: '%.100s'", eq + 1);
  t = add_target(cfg, vendor);
  if (!t)
    return cfm_error_set(err, CFM_ENOMEM, "--target", "", "out of memory");
  free(t->base_url);
  t->base_url = strdup(eq + 1);
  ul = t->base_url ? strlen(t->base_url) : 0;
  while (ul > 0 && t->base_url[ul - 1] == '/')
    t->base_url[--ul] = '\0';
  return t->base_url ? CFM_EOK : cfm_error_set(err, CFM_ENOMEM, "--target", "", "out of memory");
}

int cfm_config_use_mock(cfm_config *cfg, uint16_t port) {
  static const char *const vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};
  size_t i;
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
  for (i = 0; i < 3; i++) {
    cfm_target *t = add_target(cfg, vendors[i]);
    if (!t)
      return CFM_ENOMEM;
    if (t->base_url)
      continue;
    t->base_url = strdup(url);
    if (i == 0) {
      json_object_set_new(t->credentials, "sdkappid", json_string("1400000000"));
      json_object_set_new(t->credentials, "identifier", json_string("administrator"));
      json_object_set_new(t->credentials, "secret_key", json_string("conform-demo-secret-key"));
    } else if (i == 1) {
      json_object_set_new(t->credentials, "app_token", json_string("conform-demo-app-token"));
    } else {
      json_object_set_new(t->credentials, "access_token", json_string("conform-demo-access-token"));
    }
    if (!t->base_url)
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}

/* A secret: a string, {"env": NAME} or {"file": PATH}.  New string or NULL. */
static char *resolve_secret(const json_t *v, const char *path, const char *ptr, cfm_error_t *err) {
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_object(v) && json_is_string(json_object_get(v, "env"))) {
    const char *name = json_string_value(json_object_get(v, "env"));
    const char *val = getenv(name);
    if (!val) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr, "environment variable '%s' is not set", name);
      return NULL;
    }
    return strdup(val);
  }
  if (json_is_object(v) && json_is_string(json_object_get(v, "file"))) {
    const char *fp = json_string_value(json_object_get(v, "file"));
    cfm_error_t why;
    char *buf;
    size_t n;
    struct stat st;
    cfm_error_init(&why);
    /* A regular file or a pipe (a secret manager's FIFO, a process
     * substitution); never a terminal or another device, which could
     * block the run or never end. */
    if (stat(fp, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr, "secret file '%s' is not a regular file or a pipe",
                    fp);
      return NULL;
    }
    if (cfm_read_file(fp, SECRET_FILE_MAX, &buf, &n, &why) != CFM_EOK) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr, "cannot read secret file '%s': %s", fp, why.text);
      return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
      n--;
    buf[n] = '\0';
    return buf;
  }
  cfm_error_set(err, CFM_ECONFIG, path, ptr,
                "a credential is a string, {\"env\": NAME} or {\"file\": PATH}");
  return NULL;
}

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

int cfm_config_parse(cfm_config *cfg, const char *path, const char *data, size_t n,
                     cfm_error_t *err) {
  char why[160];
  json_t *root, *targets, *t;
  const char *vendor;
  int rc = CFM_EOK;
  root = cfm_json_parse(data, n, CONFIG_MAX_BYTES, why, sizeof(why));
  if (!json_is_object(root)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "", "not a JSON object: %s", why);
  }
  if (json_object_get(root, "concurrency")) {
    json_int_t c = json_integer_value(json_object_get(root, "concurrency"));
    if (c < 1 || c > 256) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/concurrency", "must be an integer in [1,256]");
      goto out;
    }
    cfg->concurrency = (unsigned)c;
  }
  if (json_object_get(root, "timeout_ms")) {
    json_int_t v = json_integer_value(json_object_get(root, "timeout_ms"));
    if (v < 1 || v > 600000) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/timeout_ms", "must be an integer in [1,600000]");
      goto out;
    }
    cfg->timeout_ms = (long)v;
  }
  if (json_object_get(root, "rate_scale")) {
    double v = json_number_value(json_object_get(root, "rate_scale"));
    if (!(v > 0 && v <= 1)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/rate_scale", "must be a number in (0,1]");
      goto out;
    }
    cfg->rate_scale = v;
  }
  if (json_is_string(json_object_get(root, "run_prefix"))) {
    free(cfg->run_prefix);
    cfg->run_prefix = strdup(json_string_value(json_object_get(root, "run_prefix")));
  }
  targets = json_object_get(root, "targets");
  if (targets && !json_is_object(targets)) {
    rc = cfm_error_set(err, CFM_ECONFIG, path, "/targets", "must be an object keyed by vendor");
    goto out;
  }
  json_object_foreach(targets, vendor, t) {
    cfm_target *tg;
    const char *k;
    json_t *v;
    char ptr[160];
    snprintf(ptr, sizeof(ptr), "/targets/%s", vendor);
    if (!valid_vendor(vendor) || !json_is_object(t)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "bad vendor entry");
      goto out;
    }
    tg = add_target(cfg, vendor);
    if (!tg) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
      goto out;
    }
    if (json_object_get(t, "base_url")) {
      const char *u = json_string_value(json_object_get(t, "base_url"));
      if (!u || !valid_url(u)) {
        rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "base_url must be an http(s) URL");
        goto out;
      }
      free(tg->base_url);
      tg->base_url = strdup(u);
    }
    json_object_foreach(json_object_get(t, "credentials"), k, v) {
      char cptr[240];
      char *secret;
      snprintf(cptr, sizeof(cptr), "%s/credentials/%s", ptr, k);
      secret = resolve_secret(v, path, cptr, err);
      if (!secret) {
        rc = CFM_ECONFIG;
        goto out;
      }
      json_object_set_new(tg->credentials, k, json_string(secret));
      memset(secret, 0, strlen(secret));
      free(secret);
    }
    if (json_is_object(json_object_get(t, "variables")))
      json_object_update(tg->variables, json_object_get(t, "variables"));
    if (json_is_false(json_object_get(t, "verify_tls")))
      tg->verify_tls = 0;
    if (json_is_string(json_object_get(t, "ca_file")))
      tg->ca_file = strdup(json_string_value(json_object_get(t, "ca_file")));
  }
out:
  json_decref(root);
  return rc;
}

/* ---- auth ---------------------------------------------------------------- */

static const char *cred(const cfm_target *t, const char *name) {
  return t ? json_string_value(json_object_get(t->credentials, name)) : NULL;
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
    if (!app || !id || !key)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : "tencent", "",
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
      snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%u&%s=json", role(auth, "sdkappid"),
               app, role(auth, "identifier"), id, role(auth, "random"), (unsigned)random,
               role(auth, "contenttype"));
    else
      snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%s&%s=%u&%s=json",
               role(auth, "sdkappid"), app, role(auth, "identifier"), id, role(auth, "usersig"),
               sig, role(auth, "random"), (unsigned)random, role(auth, "contenttype"));
    return CFM_EOK;
  }
  {
    const char *header = json_string_value(json_object_get(auth, "header"));
    int bearer = !strcmp(scheme, "bearer");
    const char *tok = cred(t, bearer ? "app_token" : "access_token");
    if (!header)
      header = bearer ? "Authorization" : "x-acs-dingtalk-access-token";
    if (!tok)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : scheme, "",
                           "credential %s is required", bearer ? "app_token" : "access_token");
    switch (mode) {
    case CFM_AUTH_VALID:
      snprintf(out->header, sizeof(out->header), "%s: %s%s", header, bearer ? "Bearer " : "", tok);
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
