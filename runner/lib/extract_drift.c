/* conform — drift between a document (as extracted) and a curated spec, and
 * the extractor's recall/precision against that spec.
 *
 * Operations are paired by method + full path (base URL path + operation
 * path): the same placeholder names first, then the same template with
 * other names, so two DELETEs on one template stay two.  Within a pair every
 * item is compared whatever it cites:
 *   fields  params by location + name, response fields by leaf name
 *   limits  by parameter + kind (and the order of that kind)
 *   errors  by HTTP status + code; a spec's transport-wide rows hold for
 *           every operation
 * A contradiction (type, required flag, limit value, status of a code)
 * quotes both sources; then come the items only one side has.  Spec
 * operations no document item pairs with are listed only when they cite the
 * document (a page does not claim the rest of a spec).
 *
 * The metrics keep their meaning — the extractor against the curated items
 * that cite the document — so they stay comparable across versions. */
#include "conform/extract.h"
#include "conform/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STR(o, k) json_string_value(json_object_get((o), (k)))

/* An operation's full path under the base URL; with names = 0 every
 * {placeholder} is written "{}". */
static void full_path(const json_t *spec, const json_t *op, int names, char *out, size_t cap) {
  const char *base = STR(json_object_get(spec, "transport"), "base_url"), *p;
  const char *path = STR(op, "path");
  char buf[512], *w;
  size_t n;
  if (!base)
    base = "";
  p = strstr(base, "://");
  if (p) {
    p = strchr(p + 3, '/');
    base = p ? p : "";
  }
  snprintf(buf, sizeof(buf), "%s%s", base, path ? path : "");
  for (w = buf, p = buf; *p;) {
    const char *e = *p == '{' && !names ? strchr(p, '}') : NULL;
    if (e) {
      *w++ = '{';
      *w++ = '}';
      p = e + 1;
    } else {
      *w++ = *p++;
    }
  }
  *w = '\0';
  n = strlen(buf);
  if (n > 1 && buf[n - 1] == '/')
    buf[n - 1] = '\0';
  snprintf(out, cap, "%s", buf);
}

static int from_doc(const json_t *prov, const char *doc) {
  const char *d = STR(prov, "doc"), *slash;
  if (!d || !doc)
    return 0;
  slash = strrchr(doc, '/');
  return strcmp(d, slash ? slash + 1 : doc) == 0;
}

/* Where an item comes from, quoted: "doc § section", "secondary: …". */
static void source_of(const json_t *prov, char *out, size_t cap) {
  if (STR(prov, "doc"))
    snprintf(out, cap, "%s \xC2\xA7 %s", STR(prov, "doc"),
             STR(prov, "section") ? STR(prov, "section") : "");
  else if (STR(prov, "secondary"))
    snprintf(out, cap, "secondary: %s", STR(prov, "secondary"));
  else if (STR(prov, "assumed"))
    snprintf(out, cap, "assumed: %s", STR(prov, "assumed"));
  else
    snprintf(out, cap, "unstated");
}

static void code_text(const json_t *row, char *out, size_t cap) {
  const json_t *c = json_object_get(row, "code");
  if (json_is_integer(c))
    snprintf(out, cap, "%lld", (long long)json_integer_value(c));
  else
    snprintf(out, cap, "%s", json_string_value(c) ? json_string_value(c) : "");
}

static void limit_text(const json_t *l, char *out, size_t cap) {
  char a[32], b[32];
  if (json_object_get(l, "min"))
    snprintf(out, cap, "%s..%s",
             cfm_number_text(json_number_value(json_object_get(l, "min")), a, sizeof(a)),
             cfm_number_text(json_number_value(json_object_get(l, "max")), b, sizeof(b)));
  else
    snprintf(out, cap, "..%s",
             cfm_number_text(json_number_value(json_object_get(l, "max")), b, sizeof(b)));
}

/* ---- one side's items per operation ------------------------------------- */

/* item = {"value", "type", "required", "prov" (borrowed JSON), "cited"} */
typedef struct side {
  const json_t *spec;
  const char *doc;
  json_t *fields, *limits, *errors; /* objects: key → item */
} side;

static void put(json_t *set, const char *key, const char *value, const json_t *prov,
                const char *doc) {
  json_t *it;
  if (json_object_get(set, key))
    return;
  it = json_pack("{s:s, s:O?, s:b}", "value", value ? value : "", "prov", prov, "cited",
                 from_doc(prov, doc));
  json_object_set_new(set, key, it);
}

static void response_items(side *s, const json_t *schema, const json_t *rprov, int depth) {
  const char *name;
  json_t *sub;
  if (!json_is_object(schema) || depth > 8)
    return;
  json_object_foreach(json_object_get(schema, "properties"), name, sub) {
    char key[300];
    const json_t *xp = json_object_get(sub, "x-provenance");
    snprintf(key, sizeof(key), "response|%s", name);
    put(s->fields, key, STR(sub, "type") ? STR(sub, "type") : "", xp ? xp : rprov, s->doc);
    response_items(s, sub, rprov, depth + 1);
  }
  response_items(s, json_object_get(schema, "items"), rprov, depth + 1);
}

static int auth_header(const char *name) {
  return strcasecmp(name, "Authorization") == 0 || strstr(name, "access-token") != NULL;
}

static void param_items(side *s, const json_t *p) {
  const char *name = STR(p, "name"), *in = STR(p, "in"), *kind;
  const json_t *prov = json_object_get(p, "provenance"), *l;
  char key[300], val[96];
  size_t k;
  json_t *seen = json_object();
  if (!name || !in || (strcmp(in, "header") == 0 && auth_header(name))) {
    json_decref(seen);
    return;
  }
  snprintf(key, sizeof(key), "%s|%s", in, name);
  snprintf(val, sizeof(val), "%s%s", STR(p, "type") ? STR(p, "type") : "?",
           json_is_true(json_object_get(p, "required")) ? " required" : "");
  put(s->fields, key, val, prov, s->doc);
  json_array_foreach(json_object_get(p, "limits"), k, l) {
    json_int_t nth;
    if (!(kind = STR(l, "kind")))
      continue;
    nth = json_integer_value(json_object_get(seen, kind)) + 1;
    json_object_set_new(seen, kind, json_integer(nth));
    snprintf(key, sizeof(key), "%s|%s%s", name, kind, nth > 1 ? "+" : "");
    if (nth > 2)
      continue; /* third and further bounds of one kind: compared as the second */
    limit_text(l, val, sizeof(val));
    put(s->limits, key, val,
        json_object_get(l, "provenance") ? json_object_get(l, "provenance") : prov, s->doc);
  }
  json_decref(seen);
}

static void error_items(side *s, const json_t *rows) {
  size_t j;
  const json_t *e;
  json_array_foreach(rows, j, e) {
    char key[160], code[96];
    code_text(e, code, sizeof(code));
    snprintf(key, sizeof(key), "%lld|%s",
             (long long)json_integer_value(json_object_get(e, "status")), code);
    put(s->errors, key, STR(e, "message"), json_object_get(e, "provenance"), s->doc);
  }
}

/* The items of one operation (transport-wide error rows are the report's). */
static int op_items(side *s, const json_t *op) {
  size_t j;
  const json_t *p, *resp = json_object_get(op, "response");
  s->fields = json_object();
  s->limits = json_object();
  s->errors = json_object();
  if (!s->fields || !s->limits || !s->errors)
    return -1;
  json_array_foreach(json_object_get(op, "params"), j, p) param_items(s, p);
  response_items(s, json_object_get(resp, "schema"),
                 json_object_get(resp, "provenance") ? json_object_get(resp, "provenance")
                                                     : json_object_get(op, "provenance"),
                 0);
  error_items(s, json_object_get(op, "errors"));
  return 0;
}

static void side_release(side *s) {
  json_decref(s->fields);
  json_decref(s->limits);
  json_decref(s->errors);
  s->fields = s->limits = s->errors = NULL;
}

/* ---- the report ---------------------------------------------------------- */

typedef struct report {
  json_t *out, *only_doc, *only_spec, *differ;
  json_t *transport, *hit; /* the spec's transport-wide error rows; those a page states */
  size_t n[3][3];          /* [fields, limits, errors][doc, spec cited, both] */
  size_t doc_both[3];
} report;

static const char *const kinds[3] = {"fields", "limits", "errors"};

static json_t *item_row(const char *kind, const char *opname, const char *key, const json_t *it) {
  char src[400];
  source_of(json_object_get(it, "prov"), src, sizeof(src));
  return json_pack(
      "{s:s, s:s, s:s, s:s, s:s}", "kind", kind, "operation", opname, "item", key, "section",
      STR(json_object_get(it, "prov"), "section") ? STR(json_object_get(it, "prov"), "section")
                                                  : "",
      "source", src);
}

static void contradiction(report *r, const char *what, const char *opname, const char *key,
                          const char *dv, const json_t *di, const char *sv, const json_t *si) {
  char ds[400], ss[400];
  json_t *row;
  source_of(json_object_get(di, "prov"), ds, sizeof(ds));
  source_of(json_object_get(si, "prov"), ss, sizeof(ss));
  row = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", what, "operation", opname, "item", key,
      "doc", dv, "spec", sv, "doc_source", ds, "spec_source", ss, "section",
      STR(json_object_get(di, "prov"), "section") ? STR(json_object_get(di, "prov"), "section")
                                                  : "");
  json_array_append_new(r->differ, row);
}

/* Field values are "type[ required]". */
static void compare_field(report *r, const char *opname, const char *key, const json_t *d,
                          const json_t *s) {
  const char *dv = STR(d, "value"), *sv = STR(s, "value");
  size_t dl = strcspn(dv, " "), sl = strcspn(sv, " ");
  char a[48], b[48];
  if (dl && sl && (dl != sl || strncmp(dv, sv, dl) != 0) && dv[0] != '?' && sv[0] != '?' &&
      !((dl == 7 && !strncmp(dv, "integer", 7) && sl == 6 && !strncmp(sv, "number", 6)))) {
    snprintf(a, sizeof(a), "%.*s", (int)dl, dv);
    snprintf(b, sizeof(b), "%.*s", (int)sl, sv);
    contradiction(r, "type", opname, key, a, d, b, s);
  }
  if (strncmp(key, "response|", 9) != 0 &&
      (strstr(dv, " required") != NULL) != (strstr(sv, " required") != NULL))
    contradiction(r, "required", opname, key, strstr(dv, " required") ? "required" : "optional", d,
                  strstr(sv, " required") ? "required" : "optional", s);
}

/* Error rows: the same code under another status is a contradiction. */
static const char *status_elsewhere(const json_t *items, const char *key, char *st, size_t cap) {
  const char *bar = strchr(key, '|'), *k;
  json_t *v;
  json_object_foreach((json_t *)items, k, v) {
    const char *kb = strchr(k, '|');
    if (kb && bar && strcmp(kb, bar) == 0 && strcmp(k, key) != 0 && bar[1]) {
      snprintf(st, cap, "%.*s", (int)(kb - k), k);
      return k;
    }
  }
  return NULL;
}

static void compare_kind(report *r, int kind, const char *opname, json_t *d, json_t *s) {
  const char *key;
  json_t *dv, *sv;
  json_object_foreach(d, key, dv) {
    r->n[kind][0]++;
    sv = json_object_get(s, key);
    if (sv) {
      r->doc_both[kind]++;
      if (kind == 2 && json_object_get(r->transport, key)) /* the page repeats a transport row */
        json_object_set_new(r->hit, key, json_true());
      if (kind == 0)
        compare_field(r, opname, key, dv, sv);
      else if (kind == 1 && strcmp(STR(dv, "value"), STR(sv, "value")) != 0)
        contradiction(r, "limit", opname, key, STR(dv, "value"), dv, STR(sv, "value"), sv);
      continue;
    }
    if (kind == 2 && json_object_get(r->transport, key)) {
      r->doc_both[kind]++;
      json_object_set_new(r->hit, key, json_true());
      continue;
    }
    if (kind == 2) {
      char st[16];
      const char *other = status_elsewhere(s, key, st, sizeof(st));
      if (other) {
        char ds[16];
        snprintf(ds, sizeof(ds), "%.*s", (int)strcspn(key, "|"), key);
        contradiction(r, "status", opname, key + strcspn(key, "|") + 1, ds, dv, st,
                      json_object_get(s, other));
        continue;
      }
    }
    json_array_append_new(r->only_doc, item_row(kinds[kind], opname, key, dv));
  }
  json_object_foreach(s, key, sv) {
    int cited = json_is_true(json_object_get(sv, "cited"));
    char st[16];
    r->n[kind][1] += cited;
    if (json_object_get(d, key)) {
      r->n[kind][2] += cited;
      continue;
    }
    if (kind == 2 && status_elsewhere(d, key, st, sizeof(st)))
      continue; /* reported as a status contradiction */
    json_array_append_new(r->only_spec, item_row(kinds[kind], opname, key, sv));
  }
}

static void compare_ops(report *r, const json_t *draft, const json_t *dop, const json_t *spec,
                        const json_t *sop, const char *doc) {
  side d = {draft, doc, NULL, NULL, NULL}, s = {spec, doc, NULL, NULL, NULL};
  char path[512], opname[560];
  int k;
  full_path(draft, dop ? dop : sop, 1, path, sizeof(path));
  if (!dop)
    full_path(spec, sop, 1, path, sizeof(path));
  snprintf(opname, sizeof(opname), "%s %s",
           STR(dop ? dop : sop, "method") ? STR(dop ? dop : sop, "method") : "?", path);
  if ((dop && op_items(&d, dop) != 0) || (sop && op_items(&s, sop) != 0)) {
    side_release(&d);
    side_release(&s);
    return;
  }
  for (k = 0; k < 3; k++) {
    json_t *de = k == 0 ? d.fields : k == 1 ? d.limits : d.errors;
    json_t *se = k == 0 ? s.fields : k == 1 ? s.limits : s.errors;
    json_t *empty = json_object();
    compare_kind(r, k, opname, de ? de : empty, se ? se : empty);
    json_decref(empty);
  }
  side_release(&d);
  side_release(&s);
}

/* The spec operation for a draft one: same method and path, else same
 * template; -1 when none. */
static long pair_of(const json_t *draft, const json_t *dop, const json_t *spec, const char *used) {
  const json_t *ops = json_object_get(spec, "operations"), *sop;
  char dp[512], sp[512];
  size_t i;
  int names;
  for (names = 1; names >= 0; names--) {
    full_path(draft, dop, names, dp, sizeof(dp));
    json_array_foreach(ops, i, sop) {
      if (used[i] || !STR(sop, "method") || !STR(dop, "method") ||
          strcmp(STR(sop, "method"), STR(dop, "method")))
        continue;
      full_path(spec, sop, names, sp, sizeof(sp));
      if (strcmp(dp, sp) == 0)
        return (long)i;
    }
  }
  return -1;
}

static int spec_op_cites(const json_t *op, const char *doc) {
  size_t i;
  const json_t *p;
  if (from_doc(json_object_get(op, "provenance"), doc))
    return 1;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (from_doc(json_object_get(p, "provenance"), doc))
      return 1;
  }
  return 0;
}

/* Transport-wide rows count once: matched when any operation states them. */
static void transport_rows(report *r) {
  const char *key;
  json_t *it;
  json_object_foreach(r->transport, key, it) {
    int cited = json_is_true(json_object_get(it, "cited"));
    r->n[2][1] += cited;
    if (json_object_get(r->hit, key))
      r->n[2][2] += cited;
    else if (cited)
      json_array_append_new(r->only_spec, item_row("errors", "*", key, it));
  }
}

static void metrics(report *r) {
  json_t *m = json_object_get(r->out, "metrics");
  int k;
  for (k = 0; k < 3; k++) {
    size_t doc = r->n[k][0], spec = r->n[k][1], both = r->n[k][2];
    json_object_set_new(m, kinds[k],
                        json_pack("{s:I, s:I, s:I, s:f, s:f}", "doc", (json_int_t)doc, "spec",
                                  (json_int_t)spec, "both", (json_int_t)both, "recall",
                                  spec ? (double)both / (double)spec : 1.0, "precision",
                                  doc ? (double)r->doc_both[k] / (double)doc : 1.0));
  }
}

json_t *cfm_extract_drift(const json_t *draft, const json_t *spec, const char *doc) {
  const json_t *dops = json_object_get(draft, "operations"),
               *sops = json_object_get(spec, "operations"), *op;
  size_t i, nspec = json_array_size(sops);
  char *used = calloc(nspec + 1, 1);
  report r;
  memset(&r, 0, sizeof(r));
  r.out = json_pack("{s:s, s:{}, s:{s:I, s:[], s:[]}, s:[], s:[], s:[]}", "doc", doc ? doc : "",
                    "metrics", "operations", "paired", (json_int_t)0, "only_in_doc", "only_in_spec",
                    "only_in_doc", "only_in_spec", "differ");
  if (!used || !r.out) {
    free(used);
    json_decref(r.out);
    return NULL;
  }
  {
    side t = {spec, doc, NULL, NULL, json_object()};
    error_items(&t, json_object_get(json_object_get(spec, "transport"), "errors"));
    r.transport = t.errors;
    r.hit = json_object();
  }
  r.only_doc = json_object_get(r.out, "only_in_doc");
  r.only_spec = json_object_get(r.out, "only_in_spec");
  r.differ = json_object_get(r.out, "differ");
  json_array_foreach(dops, i, op) {
    long j = pair_of(draft, op, spec, used);
    json_t *ops = json_object_get(r.out, "operations");
    if (j >= 0) {
      used[j] = 1;
      json_object_set_new(ops, "paired",
                          json_integer(json_integer_value(json_object_get(ops, "paired")) + 1));
    } else {
      char p[512], name[560];
      full_path(draft, op, 1, p, sizeof(p));
      snprintf(name, sizeof(name), "%s %s", STR(op, "method") ? STR(op, "method") : "?", p);
      json_array_append_new(json_object_get(ops, "only_in_doc"), json_string(name));
    }
    compare_ops(&r, draft, op, spec, j >= 0 ? json_array_get(sops, (size_t)j) : NULL, doc);
  }
  json_array_foreach(sops, i, op) {
    if (used[i] || !spec_op_cites(op, doc))
      continue;
    {
      char p[512], name[560];
      full_path(spec, op, 1, p, sizeof(p));
      snprintf(name, sizeof(name), "%s %s", STR(op, "method") ? STR(op, "method") : "?", p);
      json_array_append_new(json_object_get(json_object_get(r.out, "operations"), "only_in_spec"),
                            json_string(name));
    }
    compare_ops(&r, draft, NULL, spec, op, doc);
  }
  transport_rows(&r);
  metrics(&r);
  free(used);
  json_decref(r.transport);
  json_decref(r.hit);
  return r.out;
}
