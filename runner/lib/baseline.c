/* conform — baselines (accepted deviations) and shard selection.
 *
 * A baseline is a JSON file (docs/reports.md):
 *   {"format": "conform-baseline/1", "entries": [
 *     {"id": "<case id>", "vendor_code": "<observed code or *>", "reason": "..."}]}
 * Keyed on (case id, observed vendor code): if the target starts failing the
 * same case differently (another code), that is a new failure. */
#include "conform/report.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BASELINE_MAX_BYTES (64u * 1024u * 1024u)
#define REPORT_MAX_BYTES (1024u * 1024u * 1024u)

struct cfm_baseline {
  char **keys; /* "id\x1f" "code", sorted */
  size_t count;
};

/* The string value of j, or "" (never NULL). */
static const char *str_of(const json_t *j) {
  const char *s = json_string_value(j);
  return s ? s : "";
}

static int key_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *make_key(const char *id, const char *code) {
  size_t n = strlen(id) + strlen(code) + 2;
  char *k = malloc(n);
  if (k)
    snprintf(k, n, "%s\x1f%s", id, code);
  return k;
}

/* Builds a baseline from its parsed document (consumes root). */
static int baseline_from_json(const char *path, json_t *root, cfm_baseline **out,
                              cfm_error_t *err) {
  json_t *entries;
  cfm_baseline *b;
  size_t i;
  int rc = CFM_EOK;
  if (!json_is_object(root) ||
      strcmp(str_of(json_object_get(root, "format")), "conform-baseline/1") != 0) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "/format",
                         "not a conform baseline (format must be \"conform-baseline/1\")");
  }
  entries = json_object_get(root, "entries");
  if (!json_is_array(entries)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "/entries", "entries must be an array");
  }
  b = calloc(1, sizeof(*b));
  if (b)
    b->keys = calloc(json_array_size(entries) + 1, sizeof(char *));
  if (!b || !b->keys) {
    free(b);
    json_decref(root);
    return cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
  }
  for (i = 0; i < json_array_size(entries); i++) {
    json_t *e = json_array_get(entries, i);
    const char *id = json_string_value(json_object_get(e, "id"));
    const json_t *code = json_object_get(e, "vendor_code");
    char ptr[64], codebuf[64];
    const char *c;
    snprintf(ptr, sizeof(ptr), "/entries/%zu", i);
    if (!id || !*id) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "entry has no \"id\" string");
      break;
    }
    if (json_is_integer(code)) {
      snprintf(codebuf, sizeof(codebuf), "%" JSON_INTEGER_FORMAT, json_integer_value(code));
      c = codebuf;
    } else if (json_is_string(code)) {
      c = json_string_value(code);
    } else if (!code) {
      c = "*";
    } else {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "\"vendor_code\" must be a string");
      break;
    }
    b->keys[b->count] = make_key(id, c);
    if (!b->keys[b->count]) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
      break;
    }
    b->count++;
  }
  json_decref(root);
  if (rc != CFM_EOK) {
    cfm_baseline_free(b);
    return rc == CFM_ENOMEM ? rc : CFM_ECONFIG;
  }
  qsort(b->keys, b->count, sizeof(char *), key_cmp);
  *out = b;
  return CFM_EOK;
}

int cfm_baseline_load(const char *path, cfm_baseline **out, cfm_error_t *err) {
  json_t *root;
  *out = NULL;
  root = cfm_json_load_file(path, BASELINE_MAX_BYTES, err);
  if (!root)
    return CFM_ECONFIG;
  return baseline_from_json(path, root, out, err);
}

int cfm_baseline_parse(const char *name, const char *data, size_t len, cfm_baseline **out,
                       cfm_error_t *err) {
  char why[200];
  json_t *root;
  *out = NULL;
  root = cfm_json_parse(data, len, BASELINE_MAX_BYTES, why, sizeof(why));
  if (!root)
    return cfm_error_set(err, CFM_ECONFIG, name, "", "%s", why);
  return baseline_from_json(name, root, out, err);
}

static int has_key(const cfm_baseline *b, const char *id, const char *code) {
  char *k = make_key(id, code);
  int hit;
  if (!k)
    return 0;
  hit = bsearch(&k, b->keys, b->count, sizeof(char *), key_cmp) != NULL;
  free(k);
  return hit;
}

int cfm_baseline_accepts(const cfm_baseline *b, const char *case_id, const char *vendor_code) {
  if (!b || !case_id)
    return 0;
  return has_key(b, case_id, vendor_code ? vendor_code : "") || has_key(b, case_id, "*");
}

size_t cfm_baseline_count(const cfm_baseline *b) {
  return b ? b->count : 0;
}

void cfm_baseline_free(cfm_baseline *b) {
  size_t i;
  if (!b)
    return;
  for (i = 0; i < b->count; i++)
    free(b->keys[i]);
  free(b->keys);
  free(b);
}

int cfm_baseline_write_from_report(const char *report_json, const char *out_path,
                                   cfm_error_t *err) {
  json_t *report, *cases, *out, *entries;
  size_t i;
  int rc = CFM_EOK;
  report = cfm_json_load_file(report_json, REPORT_MAX_BYTES, err);
  if (!report)
    return CFM_ECONFIG;
  cases = json_object_get(report, "cases");
  if (!json_is_array(cases) ||
      strcmp(str_of(json_object_get(report, "format")), "conform-report/1") != 0) {
    json_decref(report);
    return cfm_error_set(err, CFM_ECONFIG, report_json, "", "not a conform report.json");
  }
  entries = json_array();
  out = json_pack("{s:s, s:s, s:o}", "format", "conform-baseline/1", "run_id",
                  str_of(json_object_get(report, "run_id")), "entries", entries);
  if (!out) {
    json_decref(report);
    return cfm_error_set(err, CFM_ENOMEM, out_path, "", "out of memory");
  }
  for (i = 0; i < json_array_size(cases); i++) {
    json_t *c = json_array_get(cases, i);
    const json_t *resp = json_object_get(c, "response");
    if (strcmp(str_of(json_object_get(c, "verdict")), "fail") != 0 ||
        !json_is_string(json_object_get(c, "id")))
      continue;
    json_array_append_new(entries,
                          json_pack("{s:s, s:s, s:s}", "id", str_of(json_object_get(c, "id")),
                                    "vendor_code", str_of(json_object_get(resp, "vendor_code")),
                                    "reason", str_of(json_object_get(c, "reason"))));
  }
  if (json_dump_file(out, out_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
    rc = cfm_error_set(err, CFM_EIO, out_path, "", "cannot write: %s", strerror(errno));
  json_decref(out);
  json_decref(report);
  return rc;
}

/* FNV-1a, 64 bit: stable across platforms and runs. */
static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

int cfm_shard_selects(const char *key, unsigned index, unsigned count) {
  if (count <= 1)
    return 1;
  if (!key || index < 1 || index > count)
    return 0;
  return fnv1a(key) % count == index - 1;
}

int cfm_shard_parse(const char *text, unsigned *index, unsigned *count) {
  char *end;
  unsigned long i, n;
  if (!text || !*text || *text == '-' || *text == '+')
    return -1;
  errno = 0;
  i = strtoul(text, &end, 10);
  if (errno || end == text || *end != '/' || end[1] == '-' || end[1] == '+')
    return -1;
  text = end + 1;
  n = strtoul(text, &end, 10);
  if (errno || end == text || *end != '\0' || n < 1 || n > 100000 || i < 1 || i > n)
    return -1;
  *index = (unsigned)i;
  *count = (unsigned)n;
  return 0;
}

/* ---- which entries a run used ---------------------------------------------------- */

/* The vendor_code of a baseline entry as its key text ("*" when absent),
 * into buf (cap bytes); NULL when it is of no valid type. */
static const char *entry_code(const json_t *e, char *buf, size_t cap) {
  const json_t *code = json_object_get(e, "vendor_code");
  if (json_is_integer(code)) {
    snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(code));
    return buf;
  }
  if (json_is_string(code))
    return json_string_value(code);
  return code ? NULL : "*";
}

int cfm_baseline_audit(const char *baseline_path, const char *report_json, cfm_baseline_usage *u,
                       json_t **stale, const char *prune_to, cfm_error_t *err) {
  json_t *bl = NULL, *report = NULL, *ran = NULL, *used = NULL, *keep = NULL, *gone = NULL;
  cfm_baseline *b = NULL;
  size_t i;
  int rc = CFM_EOK;
  memset(u, 0, sizeof(*u));
  if (stale)
    *stale = NULL;
  if ((rc = cfm_baseline_load(baseline_path, &b, err)) != CFM_EOK)
    return rc;
  cfm_baseline_free(b);
  bl = cfm_json_load_file(baseline_path, BASELINE_MAX_BYTES, err);
  report = bl ? cfm_json_load_file(report_json, REPORT_MAX_BYTES, err) : NULL;
  if (!bl || !report) {
    rc = CFM_ECONFIG;
    goto out;
  }
  if (!json_is_array(json_object_get(report, "cases")) ||
      strcmp(str_of(json_object_get(report, "format")), "conform-report/1") != 0) {
    rc = cfm_error_set(err, CFM_ECONFIG, report_json, "", "not a conform report.json");
    goto out;
  }
  /* ran: case id -> true; used: "id\x1f" "code" keys that accepted a case. */
  ran = json_object();
  used = json_object();
  keep = json_array();
  gone = json_array();
  if (!ran || !used || !keep || !gone) {
    rc = cfm_error_set(err, CFM_ENOMEM, report_json, "", "out of memory");
    goto out;
  }
  {
    const json_t *c;
    json_array_foreach(json_object_get(report, "cases"), i, c) {
      const char *id = json_string_value(json_object_get(c, "id"));
      const char *code = str_of(json_object_get(json_object_get(c, "response"), "vendor_code"));
      char *k;
      if (!id)
        continue;
      json_object_set_new(ran, id, json_true());
      if (!json_is_true(json_object_get(c, "baselined")))
        continue;
      /* The entry that accepted it: the exact code first, else "*". */
      k = make_key(id, code);
      if (!k) {
        rc = cfm_error_set(err, CFM_ENOMEM, report_json, "", "out of memory");
        goto out;
      }
      json_object_set_new(used, k, json_true());
      k[strlen(id) + 1] = '*';
      k[strlen(id) + 2] = '\0';
      json_object_set_new(used, k, json_true());
      free(k);
    }
  }
  {
    const json_t *e;
    json_array_foreach(json_object_get(bl, "entries"), i, e) {
      const char *id = json_string_value(json_object_get(e, "id"));
      char buf[64], *k;
      const char *code = entry_code(e, buf, sizeof(buf));
      u->entries++;
      if (!id || !code || !(k = make_key(id, code))) {
        json_array_append(keep, (json_t *)e);
        continue;
      }
      if (!json_object_get(ran, id)) {
        u->not_run++;
        json_array_append(keep, (json_t *)e);
      } else if (json_object_get(used, k)) {
        u->used++;
        json_array_append(keep, (json_t *)e);
      } else {
        u->stale++;
        json_array_append(gone, (json_t *)e);
      }
      free(k);
    }
  }
  if (prune_to) {
    json_object_set(bl, "entries", keep);
    if (json_dump_file(bl, prune_to, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
      rc = cfm_error_set(err, CFM_EIO, prune_to, "", "cannot write: %s", strerror(errno));
      goto out;
    }
  }
  if (stale) {
    *stale = gone;
    gone = NULL;
  }
out:
  json_decref(bl);
  json_decref(report);
  json_decref(ran);
  json_decref(used);
  json_decref(keep);
  json_decref(gone);
  return rc;
}
