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
  free(t->config_url);
  memset(t, 0, sizeof(*t));
}

void cfm_config_release(cfm_config *cfg) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    target_release(&cfg->targets[i]);
  free(cfg->targets);
  free(cfg->run_prefix);
  free(cfg->source);
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

/* 1 when the URL's authority has userinfo ("user:secret@host"). */
static int url_has_userinfo(const char *u) {
  const char *a = strstr(u, "://"), *end;
  if (!a)
    return 0;
  a += 3;
  end = a + strcspn(a, "/?#");
  return memchr(a, '@', (size_t)(end - a)) != NULL;
}

/* Why url cannot be a target (never echoing it: it may hold a secret),
 * or NULL when it can. */
static const char *url_problem(const char *u) {
  if (!u || !valid_url(u))
    return "must be an http:// or https:// URL";
  if (url_has_userinfo(u))
    return "must not carry credentials (user:password@); give them under credentials, "
           "from the environment or a file (docs/config.md)";
  return NULL;
}

static char *dup_url(const char *u) {
  char *d = strdup(u);
  size_t ul = d ? strlen(d) : 0;
  while (ul > 0 && d[ul - 1] == '/')
    d[--ul] = '\0';
  return d;
}

int cfm_config_set_target_url(cfm_config *cfg, const char *vendor_eq_url, cfm_error_t *err) {
  const char *eq = strchr(vendor_eq_url, '='), *why;
  char vendor[64];
  cfm_target *t;
  char *url;
  if (!eq || eq == vendor_eq_url || (size_t)(eq - vendor_eq_url) >= sizeof(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "expected VENDOR=URL, got '%.100s'",
                         url_has_userinfo(vendor_eq_url) ? "(a URL with credentials)"
                                                         : vendor_eq_url);
  snprintf(vendor, sizeof(vendor), "%.*s", (int)(eq - vendor_eq_url), vendor_eq_url);
  if (!valid_vendor(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "bad vendor name '%s'", vendor);
  if ((why = url_problem(eq + 1)) != NULL)
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "the URL of '%s' %s", vendor, why);
  url = dup_url(eq + 1);
  t = url ? add_target(cfg, vendor) : NULL;
  if (!t) {
    free(url);
    return cfm_error_set(err, CFM_ENOMEM, "--target", "", "out of memory");
  }
  if (t->base_url && !t->url_from_cli && !t->config_url) {
    t->config_url = t->base_url;
    t->base_url = NULL;
  }
  free(t->base_url);
  t->base_url = url;
  t->url_from_cli = 1;
  return CFM_EOK;
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
  if (json_is_object(v) && json_object_size(v) != 1) {
    cfm_error_set(err, CFM_ECONFIG, path, ptr,
                  "a credential object has exactly one key, \"env\" or \"file\"");
    return NULL;
  }
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

/* ---- strict keys ------------------------------------------------------------ */

/* Levenshtein distance of a and b, capped at 99 (names are short). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, cur;
  if (la > 62 || lb > 62)
    return 99;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    prev = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t best = prev + (a[i - 1] != b[j - 1]);
      cur = row[j];
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      prev = cur;
      row[j] = best;
    }
  }
  return row[lb];
}

const char *cfm_did_you_mean(const char *word, const char *const *names) {
  const char *best = NULL;
  size_t bd = 99, wl = strlen(word), i;
  size_t limit = wl / 2 > 2 ? wl / 2 : 2;
  for (i = 0; names[i]; i++) {
    size_t d = edit_distance(word, names[i]);
    /* "agora" for "agora-chat", "token" for "app_token" */
    if (d > limit && wl >= 4 && (strstr(names[i], word) || strstr(word, names[i])))
      d = limit;
    if (d <= limit && d < bd) {
      bd = d;
      best = names[i];
    }
  }
  return best;
}

/* ptr + "/" + key, with key escaped as RFC 6901 says (~0, ~1). */
static void pointer_join(char *out, size_t cap, const char *ptr, const char *key) {
  size_t n = (size_t)snprintf(out, cap, "%s/", ptr);
  for (; *key && n + 3 < cap; key++) {
    if (*key == '~' || *key == '/') {
      out[n++] = '~';
      out[n++] = *key == '~' ? '0' : '1';
    } else {
      out[n++] = *key;
    }
  }
  if (n < cap)
    out[n] = '\0';
}

/* An error for a name that is not one of names (NULL-terminated). */
static int unknown_name(cfm_error_t *err, int code, const char *where, const char *ptr,
                        const char *what, const char *name, const char *const *names) {
  const char *hint = cfm_did_you_mean(name, names);
  char list[200];
  size_t i, n = 0;
  list[0] = '\0';
  for (i = 0; names[i] && n < sizeof(list); i++)
    n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", names[i]);
  if (hint)
    return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s'; did you mean '%s'?", what,
                         name, hint);
  return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s' (known: %s)", what, name, list);
}

/* Every key of obj must be one of names; "$comment" is allowed anywhere. */
static int known_keys(const json_t *obj, const char *const *names, const char *path,
                      const char *ptr, cfm_error_t *err) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    int ok = !strcmp(k, "$comment");
    char kp[CFM_ERROR_WHERE_LENGTH];
    for (i = 0; !ok && names[i]; i++)
      ok = !strcmp(k, names[i]);
    if (ok)
      continue;
    pointer_join(kp, sizeof(kp), ptr, k);
    return unknown_name(err, CFM_ECONFIG, path, kp, "key", k, names);
  }
  return CFM_EOK;
}

static const char *const root_keys[] = {"$schema", "concurrency", "timeout_ms", "rate_scale",
                                        "max_rps", "run_prefix",  "targets",    NULL};
static const char *const target_keys[] = {"base_url",   "credentials", "variables",
                                          "verify_tls", "ca_file",     NULL};
static const char *const secret_keys[] = {"env", "file", NULL};

/* Parses targets/<vendor> (t, at ptr) into tg. */
static int parse_target(cfm_target *tg, const json_t *t, const char *path, const char *ptr,
                        cfm_error_t *err) {
  const json_t *creds = json_object_get(t, "credentials"), *vars = json_object_get(t, "variables"),
               *tls = json_object_get(t, "verify_tls"), *ca = json_object_get(t, "ca_file");
  const char *k;
  json_t *v;
  char kp[CFM_ERROR_WHERE_LENGTH];
  int rc = known_keys(t, target_keys, path, ptr, err);
  if (rc)
    return rc;
  tg->in_config = 1;
  if (json_object_get(t, "base_url")) {
    const char *u = json_string_value(json_object_get(t, "base_url")), *why = url_problem(u);
    pointer_join(kp, sizeof(kp), ptr, "base_url");
    if (why)
      return cfm_error_set(err, CFM_ECONFIG, path, kp, "base_url %s", why);
    /* --target wins whichever came first; the header names what it replaced. */
    if (tg->url_from_cli) {
      free(tg->config_url);
      tg->config_url = dup_url(u);
    } else {
      free(tg->base_url);
      tg->base_url = dup_url(u);
    }
    if (!(tg->url_from_cli ? tg->config_url : tg->base_url))
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  if ((creds && !json_is_object(creds)) || (vars && !json_is_object(vars))) {
    pointer_join(kp, sizeof(kp), ptr,
                 creds && !json_is_object(creds) ? "credentials" : "variables");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be an object");
  }
  if ((tls && !json_is_boolean(tls)) || (ca && !json_is_string(ca))) {
    pointer_join(kp, sizeof(kp), ptr, tls && !json_is_boolean(tls) ? "verify_tls" : "ca_file");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be a %s",
                         tls && !json_is_boolean(tls) ? "boolean" : "string");
  }
  json_object_foreach((json_t *)creds, k, v) {
    char cptr[CFM_ERROR_WHERE_LENGTH];
    char *secret;
    pointer_join(cptr, sizeof(cptr), ptr, "credentials");
    pointer_join(kp, sizeof(kp), cptr, k);
    if (json_is_object(v) && (rc = known_keys(v, secret_keys, path, kp, err)) != CFM_EOK)
      return rc;
    secret = resolve_secret(v, path, kp, err);
    if (!secret)
      return CFM_ECONFIG;
    rc = json_object_set_new(tg->credentials, k, json_string(secret));
    memset(secret, 0, strlen(secret));
    free(secret);
    if (rc)
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  json_object_foreach((json_t *)vars, k, v) {
    pointer_join(kp, sizeof(kp), ptr, "variables");
    if (!json_is_string(v) && !json_is_number(v)) {
      char vp[CFM_ERROR_WHERE_LENGTH];
      pointer_join(vp, sizeof(vp), kp, k);
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
  if (!json_is_object(root)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "", "not a JSON object: %s", why);
  }
  if ((rc = known_keys(root, root_keys, path, "", err)) != CFM_EOK)
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
    pointer_join(ptr, sizeof(ptr), "/targets", vendor);
    if (!valid_vendor(vendor) || !json_is_object(t)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "bad vendor entry");
      goto out;
    }
    tg = add_target(cfg, vendor);
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

/* ---- names checked against the specs -------------------------------------------- */

static const char *const shipped_vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};

/* The keys of obj (borrowed strings) as a NULL-terminated array; NULL on
 * out of memory. */
static const char **keys_of(const json_t *obj) {
  const char **names = calloc(json_object_size(obj) + 1, sizeof(*names));
  const char *k;
  json_t *v;
  size_t i = 0;
  if (!names)
    return NULL;
  json_object_foreach((json_t *)obj, k, v) names[i++] = k;
  return names;
}

static const char **string_array(const json_t *arr) {
  const char **names = calloc(json_array_size(arr) + 1, sizeof(*names));
  size_t i, n = 0;
  if (!names)
    return NULL;
  for (i = 0; i < json_array_size(arr); i++)
    if (json_is_string(json_array_get(arr, i)))
      names[n++] = json_string_value(json_array_get(arr, i));
  return names;
}

/* The first key of obj that is not in names, or NULL. */
static const char *first_unknown(const json_t *obj, const char *const *names) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    for (i = 0; names[i] && strcmp(names[i], k); i++)
      ;
    if (!names[i])
      return k;
  }
  return NULL;
}

/* Checks the credential and variable names of t against spec. */
static int check_target_names(const cfm_config *cfg, const cfm_target *t, const cfm_spec *spec,
                              cfm_error_t *err) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char **creds = string_array(json_object_get(auth, "credentials"));
  const char **vars = keys_of(json_object_get(spec->root, "variables"));
  const char *where = cfg->source ? cfg->source : "config", *bad;
  int rc = CFM_EOK, pass;
  if (!creds || !vars)
    rc = cfm_error_set(err, CFM_ENOMEM, where, "", "out of memory");
  for (pass = 0; pass < 2 && rc == CFM_EOK; pass++) {
    const char *const *names = pass ? vars : creds;
    const char *what = pass ? "variable" : "credential";
    char base[CFM_ERROR_WHERE_LENGTH], sub[CFM_ERROR_WHERE_LENGTH], ptr[CFM_ERROR_WHERE_LENGTH];
    if ((bad = first_unknown(pass ? t->variables : t->credentials, names)) == NULL)
      continue;
    pointer_join(base, sizeof(base), "/targets", t->vendor);
    pointer_join(sub, sizeof(sub), base, pass ? "variables" : "credentials");
    pointer_join(ptr, sizeof(ptr), sub, bad);
    rc = unknown_name(err, CFM_ECONFIG, where, ptr, what, bad, names);
  }
  free(creds);
  free(vars);
  return rc;
}

int cfm_config_check(const cfm_config *cfg, const cfm_specset *set, cfm_error_t *err) {
  const char **known = calloc(set->count + 4, sizeof(*known));
  size_t i, j, n = 0;
  int rc = CFM_EOK;
  if (!known)
    return cfm_error_set(err, CFM_ENOMEM, "config", "", "out of memory");
  for (i = 0; i < set->count; i++)
    known[n++] = set->items[i]->vendor;
  for (i = 0; i < 3; i++) {
    for (j = 0; j < n && strcmp(known[j], shipped_vendors[i]); j++)
      ;
    if (j == n)
      known[n++] = shipped_vendors[i];
  }
  for (i = 0; i < cfg->count && rc == CFM_EOK; i++) {
    const cfm_target *t = &cfg->targets[i];
    const cfm_spec *spec = NULL;
    for (j = 0; j < n && strcmp(known[j], t->vendor); j++)
      ;
    if (j == n) {
      char ptr[CFM_ERROR_WHERE_LENGTH];
      pointer_join(ptr, sizeof(ptr), "/targets", t->vendor);
      if (t->in_config)
        rc = unknown_name(err, CFM_ECONFIG, cfg->source ? cfg->source : "config", ptr, "vendor",
                          t->vendor, known);
      else
        rc = unknown_name(err, CFM_EUSAGE, "--target", "", "vendor", t->vendor, known);
      break;
    }
    for (j = 0; j < set->count && !spec; j++)
      if (!strcmp(set->items[j]->vendor, t->vendor))
        spec = set->items[j];
    if (spec)
      rc = check_target_names(cfg, t, spec, err);
  }
  free(known);
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
