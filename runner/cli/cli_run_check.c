/* conform run — what is checked before the first request and what the
 * verdicts mean for the exit status (docs/cli.md "Exit status").
 *
 * Before: which vendors run (those with a target), that the selectors
 * select something, that every credential and variable a selected case
 * needs is there, and a header naming the targets and the values in use.
 * After: the report's verdicts, for what the totals cannot say (errors a
 * baseline accepts, a vendor whose every case was throttled). */
#define _GNU_SOURCE /* nftw flags */
#include "cli.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "conform/fileio.h"
#include "conform/jsonutil.h"

#define REPORT_MAX_BYTES (1024u * 1024u * 1024u)

static int vendor_in(const cfm_specset *set, const char *vendor) {
  size_t i;
  for (i = 0; i < set->count; i++)
    if (!strcmp(set->items[i]->vendor, vendor))
      return 1;
  return 0;
}

/* The spec vendors as a NULL-terminated array (borrowed strings). */
static const char **vendor_names(const cfm_specset *set) {
  const char **names = calloc(set->count + 1, sizeof(*names));
  size_t i;
  for (i = 0; names && i < set->count; i++)
    names[i] = set->items[i]->vendor;
  return names;
}

int cfm_cli_run_vendor_known(const cfm_specset *set, const char *vendor) {
  const char **names;
  const char *hint;
  if (!vendor || vendor_in(set, vendor))
    return CFM_EXIT_OK;
  names = vendor_names(set);
  if (!names)
    return CFM_EXIT_INTERNAL;
  hint = cfm_did_you_mean(vendor, names);
  if (hint)
    cfm_cli_error("--vendor: unknown vendor '%s'; did you mean '%s'?", vendor, hint);
  else
    cfm_cli_error("--vendor: no spec has vendor '%s'", vendor);
  free(names);
  return CFM_EXIT_USAGE;
}

int cfm_cli_run_restrict(cfm_specset *set, const cfm_config *cfg, const char *vendor) {
  size_t i, kept = 0;
  char dropped[256];
  size_t dn = 0;
  dropped[0] = '\0';
  if (vendor) {
    const cfm_target *t = cfm_config_target((cfm_config *)cfg, vendor);
    if (!t || !t->base_url) {
      cfm_cli_error("no target for '%s': give --target %s=URL or a base_url in the config", vendor,
                    vendor);
      return CFM_EXIT_SPEC;
    }
  }
  for (i = 0; i < set->count; i++) {
    const cfm_target *t = cfm_config_target((cfm_config *)cfg, set->items[i]->vendor);
    if (t && t->base_url) {
      set->items[kept++] = set->items[i];
      continue;
    }
    if (dn < sizeof(dropped))
      dn += (size_t)snprintf(dropped + dn, sizeof(dropped) - dn, "%s'%s'", dn ? ", " : "",
                             set->items[i]->vendor);
    cfm_spec_free(set->items[i]);
  }
  set->count = kept;
  if (dropped[0])
    fprintf(stderr, "conform: only the vendors with a target run; no target for %s\n", dropped);
  return CFM_EXIT_OK;
}

/* The selected cases of set (generated into list); -1 on an error
 * (reported). */
static long count_selected(const cfm_specset *set, const cfm_run_options *opt, cfm_caselist *list) {
  cfm_error_t err;
  size_t i;
  long n = 0;
  cfm_error_init(&err);
  if (cfm_specset_check(set, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return -1;
  }
  if (cfm_cases_generate(set, list) != CFM_EOK) {
    cfm_cli_error("cannot generate the cases (out of memory or over the size cap)");
    return -1;
  }
  for (i = 0; i < list->count; i++)
    n += cfm_run_selects(opt, &list->items[i]);
  return n;
}

int cfm_cli_run_selects(const cfm_specset *set, const cfm_run_options *opt) {
  cfm_caselist list = {0};
  long n = count_selected(set, opt, &list);
  cfm_caselist_release(&list);
  if (n < 0)
    return CFM_EXIT_SPEC;
  if (n > 0)
    return CFM_EXIT_OK;
  if (!opt->filter && !opt->exclude && !opt->vendor && opt->shard_count <= 1) {
    cfm_cli_error("the specs generate no case");
    return CFM_EXIT_SPEC;
  }
  {
    char sel[400];
    size_t k = 0;
    sel[0] = '\0';
    if (opt->vendor)
      k += (size_t)snprintf(sel + k, sizeof(sel) - k, " --vendor '%.100s'", opt->vendor);
    if (opt->filter && k < sizeof(sel))
      k += (size_t)snprintf(sel + k, sizeof(sel) - k, " --filter '%.100s'", opt->filter);
    if (opt->exclude && k < sizeof(sel))
      k += (size_t)snprintf(sel + k, sizeof(sel) - k, " --exclude '%.100s'", opt->exclude);
    if (opt->shard_count > 1 && k < sizeof(sel))
      snprintf(sel + k, sizeof(sel) - k, " --shard %u/%u", opt->shard_index, opt->shard_count);
    cfm_cli_error("no case selected by%s (see 'conform run --list')", sel);
  }
  return CFM_EXIT_USAGE;
}

/* Adds to need (an object used as a set) the NAME of every open+"NAME}"
 * in text: "${var." in case steps, "{" in a base URL template. */
static void scan_names(const char *text, const char *open, json_t *need) {
  const char *p = text;
  size_t ol = strlen(open);
  while ((p = strstr(p, open)) != NULL) {
    const char *e = strchr(p + ol, '}');
    char name[64];
    if (!e)
      break;
    if ((size_t)(e - p - ol) < sizeof(name)) {
      snprintf(name, sizeof(name), "%.*s", (int)(e - p - ol), p + ol);
      json_object_set_new(need, name, json_true());
    }
    p = e + 1;
  }
}

/* Adds the {NAME} placeholders of the base URL template after {host}. */
static void scan_base_url(const cfm_spec *spec, json_t *need) {
  const char *b =
      json_string_value(json_object_get(json_object_get(spec->root, "transport"), "base_url"));
  scan_names(b && !strncmp(b, "https://{host}", 14) ? b + 14 : "", "{", need);
}

/* Appends "name" to a "missing" list. */
static void note(char *list, size_t cap, const char *vendor, const char *what, const char *name) {
  size_t n = strlen(list);
  if (n < cap)
    snprintf(list + n, cap - n, "%s%s %s '%s'", n ? ", " : "", vendor, what, name);
}

/* Checks and describes one vendor in play. */
static void check_vendor(const cfm_spec *spec, const cfm_target *t, json_t *need, int mock,
                         char *missing, size_t cap) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const json_t *decl = json_object_get(spec->root, "variables"), *v;
  const char *name;
  json_t *dummy;
  size_t i;
  json_array_foreach(json_object_get(auth, "credentials"), i, v) {
    const char *c = json_string_value(v);
    if (c && !cfm_target_has_credential(t, c))
      note(missing, cap, spec->vendor, "credential", c);
  }
  if (!mock) {
    fprintf(stderr, "conform: target %s: %s", spec->vendor, t->base_url);
    if (t->url_from_cli && t->config_url)
      fprintf(stderr, " (from --target; it overrides the config's %s)", t->config_url);
    else
      fprintf(stderr, " (from %s)", t->url_from_cli ? "--target" : "the config");
    fputc('\n', stderr);
  }
  json_object_foreach(need, name, dummy) {
    const json_t *cv = json_object_get(t->variables, name);
    const json_t *dv = json_object_get(json_object_get(decl, name), "default");
    const json_t *use = cv ? cv : dv;
    if (!use) {
      note(missing, cap, spec->vendor, "variable", name);
      continue;
    }
    if (!mock) {
      char *text = json_dumps(use, JSON_ENCODE_ANY);
      fprintf(stderr, "conform:   %s = %s (%s)\n", name, text ? text : "?",
              cv ? "config" : "the spec's demo default; set it under variables");
      free(text);
    }
  }
}

int cfm_cli_run_preflight(const cfm_specset *set, cfm_config *cfg, const cfm_run_options *opt,
                          int mock) {
  cfm_caselist list = {0};
  json_t *need = json_object();
  char missing[1024];
  size_t i, s, used_vendors = 0;
  int rc = CFM_EXIT_OK;
  missing[0] = '\0';
  cfm_config_set_offline(cfg, opt->dry_run); /* a dry run fetches no token */
  if (!need || count_selected(set, opt, &list) < 0) {
    rc = need ? CFM_EXIT_SPEC : CFM_EXIT_INTERNAL;
    goto out;
  }
  for (s = 0; s < set->count; s++) {
    const cfm_spec *spec = set->items[s];
    const cfm_target *t = cfm_config_target(cfg, spec->vendor);
    int used = 0;
    json_object_clear(need);
    for (i = 0; i < list.count; i++) {
      if (list.items[i].spec != spec || !cfm_run_selects(opt, &list.items[i]))
        continue;
      used = 1;
      scan_names(list.items[i].steps_json, "${var.", need);
    }
    if (!used)
      continue;
    used_vendors++;
    if (!t || !t->base_url) {
      cfm_cli_error("no target for '%s': give --target %s=URL or a base_url in the config",
                    spec->vendor, spec->vendor);
      rc = CFM_EXIT_SPEC;
      goto out;
    }
    scan_base_url(spec, need);
    check_vendor(spec, t, need, mock, missing, sizeof(missing));
  }
  if (!used_vendors) {
    cfm_cli_error("the selected cases are all of vendors without a target");
    rc = CFM_EXIT_SPEC;
  } else if (missing[0]) {
    cfm_cli_error("missing before the first request: %s (docs/config.md)", missing);
    rc = CFM_EXIT_SPEC;
  }
out:
  json_decref(need);
  cfm_caselist_release(&list);
  return rc;
}

/* ---- after the run ------------------------------------------------------------ */

static int is_throttle_skip(const json_t *c) {
  const char *reason = json_string_value(json_object_get(c, "reason"));
  return reason && strstr(reason, "throttled") != NULL;
}

int cfm_cli_run_verdicts(const char *report_json, const cfm_baseline *baseline,
                         cfm_cli_run_outcome *o) {
  cfm_error_t err;
  json_t *rep, *cases, *c, *per = json_object();
  const char *vendor;
  json_t *counts;
  size_t i;
  memset(o, 0, sizeof(*o));
  cfm_error_init(&err);
  rep = cfm_json_load_file(report_json, REPORT_MAX_BYTES, &err);
  cases = json_object_get(rep, "cases");
  if (!rep || !per || !json_is_array(cases)) {
    if (rep)
      cfm_cli_error("'%s' has no cases", report_json);
    else
      cfm_cli_report_error(&err);
    json_decref(rep);
    json_decref(per);
    return -1;
  }
  json_array_foreach(cases, i, c) {
    const char *v = json_string_value(json_object_get(c, "verdict"));
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *code =
        json_string_value(json_object_get(json_object_get(c, "response"), "vendor_code"));
    const char *vd = json_string_value(json_object_get(c, "vendor"));
    json_t *pv;
    if (!v || !id || !vd)
      continue;
    if (!strcmp(v, "error") &&
        !(baseline && cfm_baseline_accepts(baseline, id, code ? code : ""))) {
      o->open_errors++;
      if (!o->first_error[0])
        snprintf(o->first_error, sizeof(o->first_error), "%s: %s", id,
                 json_string_value(json_object_get(c, "reason")));
    }
    pv = json_object_get(per, vd);
    if (!pv) {
      pv = json_pack("[ii]", 0, 0);
      json_object_set_new(per, vd, pv);
    }
    json_array_set_new(pv, 0, json_integer(json_integer_value(json_array_get(pv, 0)) + 1));
    if (!strcmp(v, "skip") && is_throttle_skip(c))
      json_array_set_new(pv, 1, json_integer(json_integer_value(json_array_get(pv, 1)) + 1));
  }
  json_object_foreach(per, vendor, counts) {
    json_int_t all = json_integer_value(json_array_get(counts, 0));
    if (all > 0 && json_integer_value(json_array_get(counts, 1)) == all) {
      size_t n = strlen(o->throttled);
      o->throttled_vendors++;
      if (n < sizeof(o->throttled))
        snprintf(o->throttled + n, sizeof(o->throttled) - n, "%s'%s'", n ? ", " : "", vendor);
    }
  }
  json_decref(per);
  json_decref(rep);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int cfm_cli_remove_tree(const char *dir) {
  return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- shard identity ------------------------------------------------------------- */

/* Hex SHA-256 of the canonical text of every spec (sorted keys, compact),
 * in load order. Returns 0, or -1 (out of memory). */
static int spec_hash(const cfm_specset *set, char out[65]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned dl = 0, i;
  size_t s;
  int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 ? 0 : -1;
  for (s = 0; rc == 0 && s < set->count; s++) {
    char *text = json_dumps(set->items[s]->root, JSON_SORT_KEYS | JSON_COMPACT);
    if (!text || EVP_DigestUpdate(md, text, strlen(text) + 1) != 1)
      rc = -1;
    free(text);
  }
  if (rc == 0 && EVP_DigestFinal_ex(md, d, &dl) != 1)
    rc = -1;
  EVP_MD_CTX_free(md);
  for (i = 0; rc == 0 && i < dl && i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
  return rc;
}

int cfm_cli_run_stamp(const char *run_dir, const cfm_specset *set, cfm_config *cfg,
                      const cfm_run_options *opt, int mock, const char *run_id, size_t cases) {
  json_t *ss = NULL, *targets = json_object();
  char hash[65] = "", path[600], sel[600], auto_id[40];
  cfm_error_t err;
  size_t i;
  int rc = CFM_EXIT_INTERNAL;
  if (!targets || spec_hash(set, hash) != 0)
    goto out;
  for (i = 0; i < set->count; i++) {
    const cfm_target *t = cfm_config_target(cfg, set->items[i]->vendor);
    /* the embedded mock's port differs from shard to shard */
    if (t && t->base_url)
      json_object_set_new(targets, t->vendor, json_string(mock ? "embedded-mock" : t->base_url));
  }
  snprintf(sel, sizeof(sel), "vendor=%.100s filter=%.200s exclude=%.200s",
           opt->vendor ? opt->vendor : "*", opt->filter ? opt->filter : "*",
           opt->exclude ? opt->exclude : "");
  if (!run_id) {
    /* Shards of one invocation agree on this without being told; CI
     * should still pass its own id (--run-id) so two pipelines never mix. */
    char *t = json_dumps(targets, JSON_SORT_KEYS | JSON_COMPACT);
    unsigned long h = 5381;
    const char *parts[3] = {hash, sel, t ? t : ""}, *p;
    for (i = 0; i < 3; i++)
      for (p = parts[i]; *p; p++)
        h = h * 33 + (unsigned char)*p;
    free(t);
    snprintf(auto_id, sizeof(auto_id), "auto-%08lx-%u", h & 0xffffffffUL,
             opt->shard_count ? opt->shard_count : 1);
    run_id = auto_id;
  }
  ss = json_pack("{s:s, s:i, s:i, s:O, s:s, s:s, s:I}", "run", run_id, "index",
                 opt->shard_count > 1 ? (int)opt->shard_index : 1, "count",
                 opt->shard_count > 1 ? (int)opt->shard_count : 1, "targets", targets, "spec_hash",
                 hash, "selection", sel, "cases_expected", (json_int_t)cases);
  if (!ss)
    goto out;
  snprintf(path, sizeof(path), "%s/report.json", run_dir);
  cfm_error_init(&err);
  if (cfm_report_stamp(path, ss, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    goto out;
  }
  rc = CFM_EXIT_OK;
out:
  json_decref(ss);
  json_decref(targets);
  return rc;
}
