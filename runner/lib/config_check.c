/* conform — a config checked against the specs: vendors, credential and
 * variable names, regions, the base URL template and its placeholders.
 *
 * Owns cfm_config_check and cfm_target_base_url.  Must not parse the
 * file (config_parse.c) nor render credentials (config_auth.c). */
#include "config_internal.h"
#include "vendor_table.h"
#include "conform/jsonutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The credentials a provider of scheme takes in place of the token. */
static const char *const bearer_provider[] = {"app_certificate", NULL};
static const char *const header_token_provider[] = {"app_key", "app_secret", NULL};
static const char *const no_provider[] = {NULL};

static const char *const *provider_keys(const char *scheme) {
  if (scheme && !strcmp(scheme, "bearer"))
    return bearer_provider;
  if (scheme && !strcmp(scheme, "header_token"))
    return header_token_provider;
  return no_provider;
}

/* The strings of arr, then extra (NULL-terminated), NULL-terminated. */
static const char **string_array_plus(const json_t *arr, const char *const *extra) {
  size_t i, n = 0, ne = 0;
  const char **names;
  while (extra[ne])
    ne++;
  if (!(names = calloc(json_array_size(arr) + ne + 1, sizeof(*names))))
    return NULL;
  for (i = 0; i < json_array_size(arr); i++)
    if (json_is_string(json_array_get(arr, i)))
      names[n++] = json_string_value(json_array_get(arr, i));
  for (i = 0; i < ne; i++)
    names[n++] = extra[i];
  return names;
}

/* 1 when template holds the placeholder {name}. */
static int has_placeholder(const char *template, const char *name) {
  size_t nl = strlen(name);
  const char *p = template;
  while (p && (p = strchr(p, '{')) != NULL) {
    if (!strncmp(p + 1, name, nl) && p[1 + nl] == '}')
      return 1;
    p++;
  }
  return 0;
}

/* The first key of obj that is not in names (nor a placeholder of
 * template, which may be NULL), or NULL. */
static const char *first_unknown(const json_t *obj, const char *const *names,
                                 const char *template) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    for (i = 0; names[i] && strcmp(names[i], k); i++)
      ;
    if (!names[i] && !has_placeholder(template, k))
      return k;
  }
  return NULL;
}

/* Checks the credential and variable names of t against spec. */
static int check_target_names(const cfm_config *cfg, const cfm_target *t, const cfm_spec *spec,
                              cfm_error_t *err) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char **creds =
      string_array_plus(json_object_get(auth, "credentials"),
                        provider_keys(json_string_value(json_object_get(auth, "scheme"))));
  const char **vars = keys_of(json_object_get(spec->root, "variables"));
  const char *where = cfg->source ? cfg->source : "config", *bad;
  int rc = CFM_EOK, pass;
  if (!creds || !vars)
    rc = cfm_error_set(err, CFM_ENOMEM, where, "", "out of memory");
  for (pass = 0; pass < 2 && rc == CFM_EOK; pass++) {
    const char *const *names = pass ? vars : creds;
    const char *what = pass ? "variable" : "credential";
    char base[CFM_ERROR_WHERE_LENGTH], sub[CFM_ERROR_WHERE_LENGTH], ptr[CFM_ERROR_WHERE_LENGTH];
    if ((bad = first_unknown(pass ? t->variables : t->credentials, names,
                             pass ? t->base_path : NULL)) == NULL)
      continue;
    cfm__config_pointer_join(base, sizeof(base), "/targets", t->vendor);
    cfm__config_pointer_join(sub, sizeof(sub), base, pass ? "variables" : "credentials");
    cfm__config_pointer_join(ptr, sizeof(ptr), sub, bad);
    rc = cfm__config_unknown_name(err, CFM_ECONFIG, where, ptr, what, bad, names);
  }
  free(creds);
  free(vars);
  return rc;
}

/* The path template of t for spec: base_path or the spec's base_url after
 * "https://{host}" (borrowed; "" when none). */
static const char *path_template(const cfm_target *t, const cfm_spec *spec) {
  const char *b =
      json_string_value(json_object_get(json_object_get(spec->root, "transport"), "base_url"));
  if (t->base_path)
    return t->base_path;
  return b && !strncmp(b, "https://{host}", 14) ? b + 14 : "";
}

/* The value of variable name for t: the config's, else the spec's default
 * (borrowed), or NULL. */
static const json_t *variable_of(const cfm_target *t, const cfm_spec *spec, const char *name) {
  const json_t *v = json_object_get(t->variables, name);
  if (!v)
    v = json_object_get(json_object_get(json_object_get(spec->root, "variables"), name), "default");
  return v;
}

/* Text of a string or number variable into out (the one JSON-to-text
 * rule, as the request's own values). */
static void variable_text(const json_t *v, char *out, size_t cap) {
  if (json_is_string(v) || json_is_number(v))
    cfm_json_scalar_text(v, out, cap);
  else
    out[0] = '\0';
}

/* The error for placeholder {name} of t's base URL: it has no value, or
 * an empty one. */
static int placeholder_error(const cfm_target *t, const char *name, int empty, cfm_error_t *err) {
  return cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                       "the base URL placeholder {%s} %s: set targets.%s.variables.%s", name,
                       empty ? "is empty" : "has no value", t->vendor, name);
}

int cfm_target_base_url(const cfm_target *t, const cfm_spec *spec, char *out, size_t cap,
                        cfm_error_t *err) {
  const char *p = path_template(t, spec);
  size_t n;
  if (!t->base_url)
    return cfm_error_set(err, CFM_ECONFIG, t->vendor, "", "no target URL for '%s'", t->vendor);
  n = (size_t)snprintf(out, cap, "%s", t->base_url);
  while (*p && n < cap) {
    const char *e = *p == '{' ? strchr(p, '}') : NULL;
    char name[64], text[1024];
    const json_t *v;
    const char *q;
    if (*p == '{' && (!e || e == p + 1 || (size_t)(e - p - 1) >= sizeof(name) ||
                      memchr(p + 1, '{', (size_t)(e - p - 1))))
      return cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                           "the base URL template '%.200s' has an unresolved placeholder at "
                           "'%.40s' (write {name} with a variable name)",
                           path_template(t, spec), p);
    if (!e) {
      out[n++] = *p++;
      continue;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
    if (!(v = variable_of(t, spec, name)))
      return placeholder_error(t, name, 0, err);
    variable_text(v, text, sizeof(text));
    if (!text[0])
      return placeholder_error(t, name, 1, err);
    for (q = text; *q && n + 4 < cap; q++) {
      unsigned char c = (unsigned char)*q;
      if (isalnum(c) || strchr("-_.~", c))
        out[n++] = (char)c;
      else
        n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    if (*q)
      n = cap; /* did not fit */
    p = e + 1;
  }
  if (n >= cap)
    return cfm_error_set(err, CFM_ETOOBIG, t->vendor, "", "base URL too long");
  out[n] = '\0';
  return CFM_EOK;
}

/* Region, base URL placeholders and the Agora app id of t (in cfg). */
static int check_target_values(cfm_config *cfg, cfm_target *t, const cfm_spec *spec,
                               cfm_error_t *err) {
  const char *where = cfg->source ? cfg->source : "config";
  char base[CFM_ERROR_WHERE_LENGTH], ptr[CFM_ERROR_WHERE_LENGTH], url[1024];
  cfm_error_t why;
  int rc;
  cfm__config_pointer_join(base, sizeof(base), "/targets", t->vendor);
  cfm_error_init(&why);
  if (t->region) {
    const json_t *hosts = json_object_get(json_object_get(spec->root, "transport"), "hosts");
    cfm__config_pointer_join(ptr, sizeof(ptr), base, "region");
    if ((rc = cfm_cred_region_url(hosts, t->region, url, sizeof(url), &why)) != CFM_EOK)
      return cfm_error_set(err, CFM_ECONFIG, where, ptr, "%s", why.text);
    if (!t->url_from_cli) {
      free(t->base_url);
      if (!(t->base_url = strdup(url)))
        return cfm_error_set(err, CFM_ENOMEM, where, ptr, "out of memory");
    }
  }
  if (t->base_url && cfm_target_base_url(t, spec, url, sizeof(url), &why) != CFM_EOK) {
    cfm__config_pointer_join(ptr, sizeof(ptr), base, "variables");
    return cfm_error_set(err, CFM_ECONFIG, where, ptr, "%s", why.text);
  }
  if (json_object_get(t->credentials, "app_certificate")) {
    char id[256];
    variable_text(variable_of(t, spec, "app_id"), id, sizeof(id));
    cfm__config_pointer_join(ptr, sizeof(ptr), base, "variables");
    if (!id[0])
      return cfm_error_set(err, CFM_ECONFIG, where, ptr,
                           "app_certificate needs the App ID: set variables.app_id");
    free(t->cred->app_id);
    if (!(t->cred->app_id = strdup(id)))
      return cfm_error_set(err, CFM_ENOMEM, where, ptr, "out of memory");
  }
  if (!json_object_get(t->credentials, "app_key") !=
      !json_object_get(t->credentials, "app_secret")) {
    cfm__config_pointer_join(ptr, sizeof(ptr), base, "credentials");
    return cfm_error_set(err, CFM_ECONFIG, where, ptr, "app_key and app_secret go together");
  }
  return CFM_EOK;
}

int cfm_config_check(cfm_config *cfg, const cfm_specset *set, cfm_error_t *err) {
  const char **known = calloc(set->count + cfm_vendor_count + 1, sizeof(*known));
  size_t i, j, n = 0;
  int rc = CFM_EOK;
  if (!known)
    return cfm_error_set(err, CFM_ENOMEM, "config", "", "out of memory");
  for (i = 0; i < set->count; i++)
    known[n++] = set->items[i]->vendor;
  for (i = 0; i < cfm_vendor_count; i++) {
    for (j = 0; j < n && strcmp(known[j], cfm_vendor_table[i].vendor); j++)
      ;
    if (j == n)
      known[n++] = cfm_vendor_table[i].vendor;
  }
  for (i = 0; i < cfg->count && rc == CFM_EOK; i++) {
    const cfm_target *t = &cfg->targets[i];
    const cfm_spec *spec = NULL;
    for (j = 0; j < n && strcmp(known[j], t->vendor); j++)
      ;
    if (j == n) {
      char ptr[CFM_ERROR_WHERE_LENGTH];
      cfm__config_pointer_join(ptr, sizeof(ptr), "/targets", t->vendor);
      if (t->in_config)
        rc = cfm__config_unknown_name(err, CFM_ECONFIG, cfg->source ? cfg->source : "config", ptr,
                                      "vendor", t->vendor, known);
      else
        rc = cfm__config_unknown_name(err, CFM_EUSAGE, "--target", "", "vendor", t->vendor, known);
      break;
    }
    for (j = 0; j < set->count && !spec; j++)
      if (!strcmp(set->items[j]->vendor, t->vendor))
        spec = set->items[j];
    if (spec && (rc = check_target_names(cfg, t, spec, err)) == CFM_EOK)
      rc = check_target_values(cfg, &cfg->targets[i], spec, err);
  }
  free(known);
  return rc;
}
