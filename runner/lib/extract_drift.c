/* conform — drift between a document (as extracted) and a curated spec, and
 * the extractor's recall/precision against that spec.
 *
 * Both sides are reduced to keyed items:
 *   fields  "<METHOD> <path>|<in>|<name>"   (params; response fields by leaf name)
 *   limits  "<METHOD> <path>|<param>|<kind>" with value "min..max"
 *   errors  "<METHOD> <path>|<status>|<code>", or "*|..." for a spec's
 *           transport-wide rows
 * where <path> is the full path (base URL path + operation path) with every
 * {placeholder} written "{}".  Only spec items whose provenance names the
 * document are compared. */
#include "conform/extract.h"
#include "conform/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Full normalised path of an operation under a base URL. */
static void op_key(const json_t *spec, const json_t *op, char *out, size_t cap) {
  const char *base =
      json_string_value(json_object_get(json_object_get(spec, "transport"), "base_url"));
  const char *path = json_string_value(json_object_get(op, "path"));
  const char *method = json_string_value(json_object_get(op, "method"));
  char full[512], *w;
  const char *p;
  size_t o = 0;
  if (!base)
    base = "";
  p = strstr(base, "://");
  if (p) {
    p = strchr(p + 3, '/');
    base = p ? p : "";
  }
  snprintf(full, sizeof(full), "%s%s", base, path ? path : "");
  /* {anything} -> {} ; drop a trailing slash */
  for (w = full, p = full; *p;) {
    if (*p == '{') {
      const char *e = strchr(p, '}');
      if (e) {
        *w++ = '{';
        *w++ = '}';
        p = e + 1;
        continue;
      }
    }
    *w++ = *p++;
  }
  *w = '\0';
  o = strlen(full);
  if (o > 1 && full[o - 1] == '/')
    full[o - 1] = '\0';
  snprintf(out, cap, "%s %s", method ? method : "?", full);
}

static int from_doc(const json_t *prov, const char *doc) {
  const char *d = json_string_value(json_object_get(prov, "doc"));
  const char *slash;
  if (!d || !doc)
    return 0;
  slash = strrchr(doc, '/');
  if (slash)
    doc = slash + 1;
  return strcmp(d, doc) == 0;
}

static int auth_header(const char *name) {
  return strcasecmp(name, "Authorization") == 0 || strstr(name, "access-token") != NULL;
}

/* An error row's code as text (integer or string). */
static void code_text(const json_t *row, char *out, size_t cap) {
  const json_t *c = json_object_get(row, "code");
  if (json_is_integer(c))
    snprintf(out, cap, "%lld", (long long)json_integer_value(c));
  else
    snprintf(out, cap, "%s", json_string_value(c) ? json_string_value(c) : "");
}

static void put(json_t *set, const char *key, const char *value, const char *section) {
  if (!json_object_get(set, key))
    json_object_set_new(
        set, key,
        json_pack("{s:s, s:s}", "value", value ? value : "", "section", section ? section : ""));
}

static const char *section_of(const json_t *prov) {
  const char *s = json_string_value(json_object_get(prov, "section"));
  return s ? s : "";
}

static void response_fields(const json_t *schema, const char *opk, int all, const char *doc,
                            json_t *fields, int depth) {
  const char *name;
  json_t *sub;
  if (!json_is_object(schema) || depth > 8)
    return;
  json_object_foreach(json_object_get(schema, "properties"), name, sub) {
    const json_t *xp = json_object_get(sub, "x-provenance");
    if (xp ? from_doc(xp, doc) : all) {
      char key[700];
      const char *t = json_string_value(json_object_get(sub, "type"));
      snprintf(key, sizeof(key), "%s|response|%s", opk, name);
      put(fields, key, t ? t : "", section_of(json_object_get(sub, "x-provenance")));
    }
    response_fields(sub, opk, all, doc, fields, depth + 1);
  }
  response_fields(json_object_get(schema, "items"), opk, all, doc, fields, depth + 1);
}

/* Collects keyed items of a spec (or draft).  only_doc: keep only items
 * whose provenance is the document. */
static void collect(const json_t *spec, const char *doc, int only_doc, json_t *fields,
                    json_t *limits, json_t *errors) {
  const json_t *ops = json_object_get(spec, "operations"), *op;
  size_t i, j, k;
  json_array_foreach(ops, i, op) {
    char opk[512];
    const json_t *p, *e, *resp;
    op_key(spec, op, opk, sizeof(opk));
    json_array_foreach(json_object_get(op, "params"), j, p) {
      const char *name = json_string_value(json_object_get(p, "name"));
      const char *in = json_string_value(json_object_get(p, "in"));
      const json_t *prov = json_object_get(p, "provenance"), *l;
      char key[700], val[64];
      if (!name || !in || (only_doc && !from_doc(prov, doc)))
        continue;
      if (strcmp(in, "header") == 0 && auth_header(name))
        continue;
      snprintf(key, sizeof(key), "%s|%s|%s", opk, in, name);
      snprintf(val, sizeof(val), "%s%s",
               json_string_value(json_object_get(p, "type"))
                   ? json_string_value(json_object_get(p, "type"))
                   : "?",
               json_is_true(json_object_get(p, "required")) ? " required" : "");
      put(fields, key, val, section_of(prov));
      json_array_foreach(json_object_get(p, "limits"), k, l) {
        const char *kind = json_string_value(json_object_get(l, "kind"));
        const json_t *lp = json_object_get(l, "provenance");
        char a[32], b[32];
        if (!kind || (only_doc && lp && !from_doc(lp, doc)))
          continue;
        snprintf(key, sizeof(key), "%s|%s|%s", opk, name, kind);
        if (json_object_get(l, "min"))
          snprintf(val, sizeof(val), "%s..%s",
                   cfm_number_text(json_number_value(json_object_get(l, "min")), a, sizeof(a)),
                   cfm_number_text(json_number_value(json_object_get(l, "max")), b, sizeof(b)));
        else
          snprintf(val, sizeof(val), "..%s",
                   cfm_number_text(json_number_value(json_object_get(l, "max")), b, sizeof(b)));
        put(limits, key, val, section_of(lp ? lp : prov));
      }
    }
    resp = json_object_get(op, "response");
    if (!only_doc || from_doc(json_object_get(resp, "provenance"), doc) ||
        from_doc(json_object_get(op, "provenance"), doc))
      response_fields(json_object_get(resp, "schema"), opk,
                      !only_doc || from_doc(json_object_get(resp, "provenance"), doc), doc, fields,
                      0);
    json_array_foreach(json_object_get(op, "errors"), j, e) {
      char key[700], code[96];
      if (only_doc && !from_doc(json_object_get(e, "provenance"), doc))
        continue;
      code_text(e, code, sizeof(code));
      snprintf(key, sizeof(key), "%s|%lld|%s", opk,
               (long long)json_integer_value(json_object_get(e, "status")), code);
      put(errors, key, json_string_value(json_object_get(e, "message")),
          section_of(json_object_get(e, "provenance")));
    }
  }
  {
    const json_t *e;
    json_array_foreach(json_object_get(json_object_get(spec, "transport"), "errors"), j, e) {
      char key[300], code[96];
      if (only_doc && !from_doc(json_object_get(e, "provenance"), doc))
        continue;
      code_text(e, code, sizeof(code));
      snprintf(key, sizeof(key), "*|%lld|%s",
               (long long)json_integer_value(json_object_get(e, "status")), code);
      put(errors, key, json_string_value(json_object_get(e, "message")),
          section_of(json_object_get(e, "provenance")));
    }
  }
}

/* The transport-wide form "*|status|code" of an operation error key. */
static void wildcard_of(const char *key, char *out, size_t cap) {
  const char *bar = strchr(key, '|');
  snprintf(out, cap, "*%s", bar ? bar : "");
}

static json_t *split_item(const char *kind, const char *key, const char *section) {
  char op[512];
  const char *bar = strchr(key, '|');
  snprintf(op, sizeof(op), "%.*s", bar ? (int)(bar - key) : (int)strlen(key), key);
  return json_pack("{s:s, s:s, s:s, s:s}", "kind", kind, "operation", op, "item",
                   bar ? bar + 1 : "", "section", section);
}

static void compare(const char *kind, json_t *doc_items, json_t *spec_items, int wildcards,
                    json_t *metrics, json_t *only_doc, json_t *only_spec, json_t *differ) {
  const char *key;
  json_t *v;
  size_t both_doc = 0, both_spec = 0;
  json_t *matched_spec = json_object();
  json_object_foreach(doc_items, key, v) {
    json_t *sv = json_object_get(spec_items, key);
    char wc[700];
    const char *skey = key;
    if (!sv && wildcards) {
      wildcard_of(key, wc, sizeof(wc));
      sv = json_object_get(spec_items, wc);
      skey = wc;
    }
    if (sv) {
      both_doc++;
      json_object_set_new(matched_spec, skey, json_true());
      if (wildcards && skey == key) {
        /* The document repeats a transport-wide row in this operation's table. */
        wildcard_of(key, wc, sizeof(wc));
        if (json_object_get(spec_items, wc))
          json_object_set_new(matched_spec, wc, json_true());
      }
      if (strcmp(kind, "limits") == 0 &&
          strcmp(json_string_value(json_object_get(v, "value")),
                 json_string_value(json_object_get(sv, "value"))) != 0) {
        json_t *d = split_item(kind, key, json_string_value(json_object_get(v, "section")));
        json_object_set(d, "doc", json_object_get(v, "value"));
        json_object_set(d, "spec", json_object_get(sv, "value"));
        json_array_append_new(differ, d);
      }
    } else {
      json_array_append_new(
          only_doc, split_item(kind, key, json_string_value(json_object_get(v, "section"))));
    }
  }
  json_object_foreach(spec_items, key, v) {
    if (json_object_get(matched_spec, key))
      both_spec++;
    else
      json_array_append_new(
          only_spec, split_item(kind, key, json_string_value(json_object_get(v, "section"))));
  }
  json_object_set_new(
      metrics, kind,
      json_pack("{s:I, s:I, s:I, s:f, s:f}", "doc", (json_int_t)json_object_size(doc_items), "spec",
                (json_int_t)json_object_size(spec_items), "both", (json_int_t)both_spec, "recall",
                json_object_size(spec_items)
                    ? (double)both_spec / (double)json_object_size(spec_items)
                    : 1.0,
                "precision",
                json_object_size(doc_items) ? (double)both_doc / (double)json_object_size(doc_items)
                                            : 1.0));
  json_decref(matched_spec);
}

json_t *cfm_extract_drift(const json_t *draft, const json_t *spec, const char *doc) {
  json_t *df = json_object(), *dl = json_object(), *de = json_object();
  json_t *sf = json_object(), *sl = json_object(), *se = json_object();
  json_t *out = json_pack("{s:s, s:{}, s:[], s:[], s:[]}", "doc", doc ? doc : "", "metrics",
                          "only_in_doc", "only_in_spec", "differ");
  if (!df || !dl || !de || !sf || !sl || !se || !out) {
    json_decref(out);
    out = NULL;
    goto done;
  }
  collect(draft, doc, 0, df, dl, de);
  collect(spec, doc, 1, sf, sl, se);
  compare("fields", df, sf, 0, json_object_get(out, "metrics"), json_object_get(out, "only_in_doc"),
          json_object_get(out, "only_in_spec"), json_object_get(out, "differ"));
  compare("limits", dl, sl, 0, json_object_get(out, "metrics"), json_object_get(out, "only_in_doc"),
          json_object_get(out, "only_in_spec"), json_object_get(out, "differ"));
  compare("errors", de, se, 1, json_object_get(out, "metrics"), json_object_get(out, "only_in_doc"),
          json_object_get(out, "only_in_spec"), json_object_get(out, "differ"));
done:
  json_decref(df);
  json_decref(dl);
  json_decref(de);
  json_decref(sf);
  json_decref(sl);
  json_decref(se);
  return out;
}
