/* conform — config targets: their lifecycle, --target VENDOR=URL and the
 * embedded mock's demo targets (docs/config.md).
 *
 * Owns cfm_config / cfm_target memory and URL rules.  Must not parse the
 * config file (config_parse.c), resolve secrets (config_secret.c), check
 * names against specs (config_check.c) or render credentials
 * (config_auth.c). */
#include "config_internal.h"
#include "vendor_table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct cfm_cred_state *cred_state_new(void) {
  struct cfm_cred_state *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    free(s);
    return NULL;
  }
  cfm_cred_cache_init(&s->cache);
  return s;
}

static void cred_state_free(struct cfm_cred_state *s) {
  if (!s)
    return;
  cfm_cred_cache_release(&s->cache);
  pthread_mutex_destroy(&s->lock);
  free(s->app_id);
  free(s);
}

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
  free(t->region);
  free(t->token_url);
  free(t->base_path);
  cred_state_free(t->cred);
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

cfm_target *cfm__config_add_target(cfm_config *cfg, const char *vendor) {
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
  t->cred = cred_state_new();
  t->verify_tls = 1;
  if (!t->vendor || !t->credentials || !t->variables || !t->cred) {
    target_release(t);
    return NULL;
  }
  t->cred->offline = cfg->offline;
  t->cred->no_commands = cfg->no_commands;
  t->cred->clock = cfg->clock;
  t->cred->clock_arg = cfg->clock_arg;
  cfg->count++;
  return t;
}

int cfm__config_valid_vendor(const char *v) {
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
const char *cfm__config_url_problem(const char *u) {
  if (!u || !valid_url(u))
    return "must be an http:// or https:// URL";
  if (url_has_userinfo(u))
    return "must not carry credentials (user:password@); give them under credentials, "
           "from the environment or a file (docs/config.md)";
  return NULL;
}

char *cfm__config_dup_url(const char *u) {
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
  if (!cfm__config_valid_vendor(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "bad vendor name '%s'", vendor);
  if ((why = cfm__config_url_problem(eq + 1)) != NULL)
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "the URL of '%s' %s", vendor, why);
  url = cfm__config_dup_url(eq + 1);
  t = url ? cfm__config_add_target(cfg, vendor) : NULL;
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
  size_t i;
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
  for (i = 0; i < cfm_vendor_count; i++) {
    const char *const *c = cfm_vendor_table[i].demo_credentials;
    cfm_target *t = cfm__config_add_target(cfg, cfm_vendor_table[i].vendor);
    if (!t)
      return CFM_ENOMEM;
    if (t->base_url)
      continue;
    t->base_url = strdup(url);
    for (; c[0] && c[1]; c += 2)
      json_object_set_new(t->credentials, c[0], json_string(c[1]));
    if (!t->base_url)
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}
