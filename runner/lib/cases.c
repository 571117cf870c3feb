/* conform — generating contract cases from specs.
 *
 * Every case starts from the operation's first documented example (or its
 * parameters' defaults), applies the operation's "bind" (live values such as
 * a group the set-up steps created), then varies one thing.  The order of
 * operations, parameters and limits in the spec fixes the order of cases,
 * so ids and order are stable across runs. */
#include "conform/runner.h"
#include "conform/jsonutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_case(cfm_caselist *l, const cfm_spec *spec, const char *op, const char *kind,
                    json_t *steps, const json_t *prov, json_t *covers, int exclusive,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 9, 10)))
#endif
    ;

static int add_case(cfm_caselist *l, const cfm_spec *spec, const char *op, const char *kind,
                    json_t *steps, const json_t *prov, json_t *covers, int exclusive,
                    const char *fmt, ...) {
  cfm_case *c;
  char id[256];
  int rc = CFM_EOK;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(id, sizeof(id), fmt, ap);
  va_end(ap);
  if (l->count == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 256;
    cfm_case *n = realloc(l->items, ncap * sizeof(*n));
    if (!n) {
      json_decref(steps);
      json_decref(covers);
      return CFM_ENOMEM;
    }
    l->items = n;
    l->cap = ncap;
  }
  c = &l->items[l->count];
  memset(c, 0, sizeof(*c));
  c->id = strdup(id);
  c->spec = spec;
  c->operation = strdup(op ? op : "");
  c->kind = strdup(kind);
  c->kind_id = cfm_case_kind_parse(kind);
  c->steps_json = steps ? json_dumps(steps, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(steps);
  c->provenance = prov ? json_incref((json_t *)prov) : json_null(); /* immutable: shared */
  c->covers = covers;
  c->exclusive = exclusive;
  if (!c->id || !c->operation || !c->kind || !c->steps_json || !c->covers)
    rc = CFM_ENOMEM;
  else if (l->text_bytes + strlen(c->steps_json) > (l->max_text ? l->max_text : CFM_CASES_MAX_TEXT))
    rc = CFM_ETOOBIG;
  else
    l->text_bytes += strlen(c->steps_json);
  if (rc != CFM_EOK) {
    free(c->id);
    free(c->operation);
    free(c->kind);
    free(c->steps_json);
    json_decref(c->provenance);
    json_decref(c->covers);
    return rc;
  }
  l->count++;
  return CFM_EOK;
}

json_t *cfm_case_steps(const cfm_case *c) {
  return c && c->steps_json ? json_loads(c->steps_json, JSON_ALLOW_NUL, NULL) : NULL;
}

void cfm_caselist_release(cfm_caselist *list) {
  size_t i;
  for (i = 0; i < list->count; i++) {
    free(list->items[i].id);
    free(list->items[i].operation);
    free(list->items[i].kind);
    free(list->items[i].steps_json);
    json_decref(list->items[i].provenance);
    json_decref(list->items[i].covers);
  }
  free(list->items);
  memset(list, 0, sizeof(*list));
}

static json_t *cover(const cfm_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static json_t *cover(const cfm_spec *spec, const char *fmt, ...) {
  char ptr[256], full[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ptr, sizeof(ptr), fmt, ap);
  va_end(ap);
  snprintf(full, sizeof(full), "%s#%s", spec->vendor, ptr);
  return json_string(full);
}

/* Every builder below returns a whole result or NULL (out of memory):
 * jansson setters report failure, and a case silently missing a field
 * would test something else. */

/* The request a case starts from (new reference, or NULL). */
static json_t *base_request(const json_t *op) {
  const json_t *ex = json_object_get(json_array_get(json_object_get(op, "examples"), 0), "request");
  json_t *req = json_pack("{s:{}, s:{}, s:{}}", "path", "query", "headers");
  const json_t *bind = json_object_get(op, "bind"), *p;
  const char *k;
  json_t *v;
  size_t i;
  int has_body = 0, bad = !req;
  json_array_foreach(json_object_get(op, "params"), i, p) has_body |=
      !strcmp(cfm_json_str(p, "in"), "body");
  if (json_is_object(json_object_get(ex, "body")))
    bad |= json_object_set_new(req, "body", json_deep_copy(json_object_get(ex, "body")));
  else if (has_body)
    bad |= json_object_set_new(req, "body", json_object());
  json_object_foreach((json_t *)json_object_get(ex, "query"), k, v) bad |=
      json_object_set(json_object_get(req, "query"), k, v);
  json_object_foreach((json_t *)json_object_get(ex, "path"), k, v) bad |=
      json_object_set(json_object_get(req, "path"), k, v);
  /* Required parameters the example lacks: their default, or a placeholder. */
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const char *in = cfm_json_str(p, "in");
    json_t *slot = json_object_get(req, in);
    if (!json_is_true(json_object_get(p, "required")) || !json_is_object(slot) ||
        json_object_get(slot, cfm_json_str(p, "name")) || !strcmp(in, "header"))
      continue;
    if (json_object_get(p, "default"))
      bad |= json_object_set(slot, cfm_json_str(p, "name"), json_object_get(p, "default"));
    else
      bad |= json_object_set_new(slot, cfm_json_str(p, "name"), json_string("conform"));
  }
  json_object_foreach((json_t *)bind, k, v) {
    json_array_foreach(json_object_get(op, "params"), i, p) {
      if (strcmp(cfm_json_str(p, "name"), k) == 0) {
        json_t *slot = json_object_get(req, cfm_json_str(p, "in"));
        if (json_is_object(slot))
          bad |= json_object_set(slot, k, v);
      }
    }
  }
  if (bad) {
    json_decref(req);
    return NULL;
  }
  return req;
}

/* The set-up steps of an operation (new reference, a copy, or NULL). */
static json_t *setup_steps(const json_t *op) {
  const json_t *given = json_object_get(op, "setup");
  json_t *s = given ? json_deep_copy(given) : json_array();
  json_t *st;
  size_t i;
  int bad = !s;
  json_array_foreach(s, i, st) bad |= json_object_set_new(st, "setup", json_true());
  if (bad) {
    json_decref(s);
    return NULL;
  }
  return s;
}

static json_t *main_step(const json_t *op, json_t *request, json_t *expect) {
  return json_pack("{s:s, s:o, s:o}", "op", cfm_json_str(op, "id"), "request", request, "expect",
                   expect);
}

/* The set-up steps then step (stolen); NULL out of memory. */
static json_t *steps_with(const json_t *op, json_t *step) {
  json_t *s = setup_steps(op);
  if (!s || !step || json_array_append_new(s, step)) {
    if (!s)
      json_decref(step);
    json_decref(s);
    return NULL;
  }
  return s;
}

/* Error rows of op (and transport) whose trigger is one of triggers
 * (an array, maybe empty; NULL out of memory). */
static json_t *rows_by_trigger(const cfm_spec *spec, const json_t *op, const char *const *trig) {
  json_t *ids = json_array();
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  size_t t, i, k;
  const json_t *r;
  int bad = !ids;
  for (t = 0; t < 2; t++)
    json_array_foreach(tables[t], i, r) {
      for (k = 0; trig[k]; k++)
        if (cfm_json_str(r, "trigger") && !strcmp(cfm_json_str(r, "trigger"), trig[k]))
          bad |= json_array_append_new(ids, json_string(cfm_json_str(r, "id")));
    }
  if (bad) {
    json_decref(ids);
    return NULL;
  }
  return ids;
}

/* An "error" expectation: rows (stolen; an array, maybe empty) if the
 * spec names them, else classes.  NULL out of memory (or rows NULL). */
static json_t *expect_error(json_t *rows, const char *const *classes, const json_t *prov,
                            int silent, const char *what) {
  json_t *e = json_pack("{s:s, s:O, s:b, s:s}", "outcome", "error", "provenance",
                        prov ? prov : json_null(), "silent", silent, "what", what);
  json_t *cl = json_array();
  size_t i;
  int bad = !e || !rows;
  for (i = 0; classes && classes[i]; i++)
    bad |= json_array_append_new(cl, json_string(classes[i]));
  bad |= json_object_set_new(e, "classes", cl);
  if (json_array_size(rows))
    bad |= json_object_set_new(e, "errors", rows);
  else
    json_decref(rows);
  if (bad) {
    json_decref(e);
    return NULL;
  }
  return e;
}

static json_t *expect_success(const json_t *op, const json_t *prov, int silent, const char *what) {
  json_t *e = json_pack("{s:s, s:b, s:O, s:b, s:s}", "outcome", "success", "schema", 1,
                        "provenance", prov ? prov : json_null(), "silent", silent, "what", what);
  const json_t *st = json_object_get(json_object_get(op, "response"), "status");
  if (e && json_is_integer(st) && json_object_set(e, "status", (json_t *)st)) {
    json_decref(e);
    return NULL;
  }
  return e;
}

static int is_assumed(const json_t *prov) {
  return json_object_get(prov, "assumed") != NULL;
}

/* How a limit case's text is made: n characters of one width, or ASCII
 * ending in one CJK character (so a multi-byte character straddles a byte
 * bound). */
#define TEXT_CJK_END 5

/* UTF-8 bytes of a text of n units of width. */
static size_t text_bytes(size_t n, int width) {
  if (width == TEXT_CJK_END)
    return n ? n + 2 : 0;
  return n * (size_t)(width == 3 ? 3 : width == 4 ? 4 : 1);
}

/* A string of n units: ASCII 'a', CJK (3 bytes), emoji (4 bytes), or n-1
 * ASCII then one CJK character (TEXT_CJK_END). */
static json_t *text_of(size_t n, int width) {
  static const char cjk[] = "\xE7\xBE\xA4";       /* 群 */
  static const char emoji[] = "\xF0\x9F\x98\x80"; /* 😀 */
  size_t i, w = width == 3 ? 3 : width == 4 ? 4 : 1, len = text_bytes(n, width);
  char *s = malloc(len + 1);
  json_t *j;
  if (!s)
    return NULL;
  if (width == TEXT_CJK_END) {
    memset(s, 'a', n ? n - 1 : 0);
    if (n)
      memcpy(s + n - 1, cjk, 3);
  } else {
    for (i = 0; i < n; i++)
      memcpy(s + i * w, w == 3 ? cjk : w == 4 ? emoji : "a", w);
  }
  s[len] = '\0';
  j = json_stringn(s, len);
  free(s);
  return j;
}

static const char *text_kind(int width) {
  return width == 1   ? "ASCII characters"
         : width == 3 ? "CJK characters"
         : width == 4 ? "emoji"
                      : "characters ending in a CJK one";
}

/* n distinct items for an array parameter: user-like names get user ids,
 * others made-up ones.  Object items carry the id in the first required
 * property of the items schema (the spec names it, e.g. a member list's
 * account field). */
static json_t *items_of(const json_t *param, size_t n) {
  json_t *a = json_array();
  size_t i;
  const char *name = cfm_json_str(param, "name");
  const json_t *items = json_object_get(param, "items");
  const char *it = cfm_json_str(items, "type");
  const char *key = json_string_value(json_array_get(json_object_get(items, "required"), 0));
  for (i = 0; i < n; i++) {
    char buf[64];
    if (strstr(name, "Account") || strstr(name, "username") || strstr(name, "members") ||
        strstr(name, "Member"))
      snprintf(buf, sizeof(buf), "conform-user-%zu", 100 + i % 900);
    else
      snprintf(buf, sizeof(buf), "conform-item-%zu", i);
    if (json_array_append_new(a, it && !strcmp(it, "object") && key ? json_pack("{s:s}", key, buf)
                                                                    : json_string(buf))) {
      json_decref(a);
      return NULL;
    }
  }
  return a;
}

/* A copy of req with one parameter set (value stolen) or removed (NULL
 * value given as remove); NULL out of memory. */
static json_t *vary_(const json_t *req, const json_t *param, json_t *value, int remove) {
  json_t *r = json_deep_copy(req);
  json_t *slot = json_object_get(r, cfm_json_str(param, "in"));
  int bad = !r || (!value && !remove);
  if (!bad && !json_is_object(slot)) {
    slot = json_object();
    bad = json_object_set_new(r, cfm_json_str(param, "in"), slot) != 0;
  }
  if (!bad && value)
    bad = json_object_set_new(slot, cfm_json_str(param, "name"), value) != 0;
  else if (!bad)
    json_object_del(slot, cfm_json_str(param, "name"));
  else
    json_decref(value);
  if (bad) {
    json_decref(r);
    return NULL;
  }
  return r;
}

/* The array a list operation returns (for clamp checks), as a JSON pointer
 * in buf: the items pointer of a scenario that walks op, else the array
 * property of the response schema whose name sorts first, else "". */
static const char *list_pointer(const cfm_spec *spec, const json_t *op, char *buf, size_t cap) {
  const json_t *props =
      json_object_get(json_object_get(json_object_get(op, "response"), "schema"), "properties");
  const json_t *sc, *st, *v;
  const char *k, *best = NULL;
  size_t i, j;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    json_array_foreach(json_object_get(sc, "steps"), j, st) {
      const json_t *w = json_object_get(st, "walk");
      if (cfm_json_str(w, "op") && !strcmp(cfm_json_str(w, "op"), cfm_json_str(op, "id")) &&
          cfm_json_str(w, "items")) {
        snprintf(buf, cap, "%s", cfm_json_str(w, "items"));
        return buf;
      }
    }
  }
  json_object_foreach((json_t *)props, k, v) {
    if (cfm_json_str(v, "type") && !strcmp(cfm_json_str(v, "type"), "array") &&
        (!best || strcmp(k, best) < 0))
      best = k;
  }
  buf[0] = '\0';
  if (best)
    cfm_json_pointer_append(buf, cap, best);
  return buf;
}

struct variant {
  const char *detail;
  size_t units;
  int width;
  int ok;
};

static struct variant variant_of(const char *detail, size_t units, int width, int ok) {
  struct variant v;
  v.detail = detail;
  v.units = units;
  v.width = width;
  v.ok = ok;
  return v;
}

/* One documented limit of a parameter, and what its cases share. */
typedef struct limit_ctx {
  cfm_caselist *l;
  const cfm_spec *spec;
  const json_t *op, *p, *req, *lim;
  const json_t *prov, *aprov; /* the limit's statement; the one about going above it */
  size_t oi, pi, li;
  long min, max;
} limit_ctx;

static const char *const limit_trig[] = {"limit", "invalid_param", NULL};
static const char *const limit_classes[] = {"INVALID_ARGUMENT", "RESOURCE_EXHAUSTED",
                                            "PERMISSION_DENIED", "FAILED_PRECONDITION", NULL};

/* The rows a value above the limit answers: the limit's own, else the
 * operation's limit rows. */
static json_t *above_rows(const limit_ctx *x) {
  const char *row = cfm_json_str(x->lim, "error");
  return row ? json_pack("[s]", row) : rows_by_trigger(x->spec, x->op, limit_trig);
}

/* Adds "<vendor>.<op>.limit.<param>.<detail>": the request with value
 * (stolen) expecting exp (stolen). */
static int limit_case(const limit_ctx *x, json_t *value, json_t *exp, const char *detail) {
  const char *o = cfm_json_str(x->op, "id");
  return add_case(x->l, x->spec, o, "limit",
                  steps_with(x->op, main_step(x->op, vary_(x->req, x->p, value, 0), exp)), x->prov,
                  json_pack("[o]", cover(x->spec, "/operations/%zu/params/%zu/limits/%zu", x->oi,
                                         x->pi, x->li)),
                  0, "%s.%s.limit.%s.%s", x->spec->vendor, o, cfm_json_str(x->p, "name"), detail);
}

/* The text variants of a length limit (in characters or bytes). */
static size_t text_variants(long max, int bytes, struct variant *vs) {
  size_t nv = 0;
  /* ASCII at and above the limit, then multi-byte text: at/above the limit
   * in the unit the document counts, and the other unit's boundary to show
   * which unit the target counts. */
  vs[nv++] = variant_of("at", (size_t)max, 1, 1);
  vs[nv++] = variant_of("above", (size_t)max + 1, 1, 0);
  if (bytes) {
    vs[nv++] = variant_of("cjk_at", (size_t)max / 3, 3, 1);
    vs[nv++] = variant_of("cjk_above", (size_t)max / 3 + 1, 3, 0);
    vs[nv++] = variant_of("emoji_at", (size_t)max / 4, 4, 1);
    vs[nv++] = variant_of("emoji_above", (size_t)max / 4 + 1, 4, 0);
    /* A CJK character ending at limit-1, limit and limit+1 bytes. */
    if (max >= 4) {
      vs[nv++] = variant_of("cjk_end_below", (size_t)max - 3, TEXT_CJK_END, 1);
      vs[nv++] = variant_of("cjk_end_at", (size_t)max - 2, TEXT_CJK_END, 1);
      vs[nv++] = variant_of("cjk_end_above", (size_t)max - 1, TEXT_CJK_END, 0);
    }
    /* As many characters as the limit has bytes: a target counting
     * characters accepts it. */
    vs[nv++] = variant_of("cjk_as_chars", (size_t)max, 3, 0);
  } else {
    vs[nv++] = variant_of("cjk_at", (size_t)max, 3, 1);
    vs[nv++] = variant_of("cjk_above", (size_t)max + 1, 3, 0);
    if (max > 1)
      vs[nv++] = variant_of("cjk_below", (size_t)max - 1, 3, 1);
    /* Emoji are one code point but two UTF-16 units. */
    vs[nv++] = variant_of("emoji_at", (size_t)max, 4, 1);
    vs[nv++] = variant_of("emoji_above", (size_t)max + 1, 4, 0);
  }
  return nv;
}

static int text_limit_cases(const limit_ctx *x, int bytes) {
  const char *name = cfm_json_str(x->p, "name");
  struct variant vs[12];
  size_t nv = text_variants(x->max, bytes, vs), k;
  int rc = CFM_EOK;
  for (k = 0; k < nv && rc == CFM_EOK; k++) {
    char what[200];
    json_t *exp;
    if (vs[k].ok) {
      snprintf(what, sizeof(what), "%s of %zu %s (%zu bytes) is accepted", name, vs[k].units,
               text_kind(vs[k].width), text_bytes(vs[k].units, vs[k].width));
      exp = expect_success(x->op, x->prov, is_assumed(x->prov), what);
    } else {
      snprintf(what, sizeof(what), "%s of %zu %s (%zu bytes) is refused: the limit is %ld %s", name,
               vs[k].units, text_kind(vs[k].width), text_bytes(vs[k].units, vs[k].width), x->max,
               bytes ? "bytes" : "characters");
      exp = expect_error(above_rows(x), limit_classes, x->aprov, is_assumed(x->aprov), what);
    }
    rc = limit_case(x, text_of(vs[k].units, vs[k].width), exp, vs[k].detail);
  }
  return rc;
}

/* n ids as one comma-separated string: the bound value first (a live
 * id), then made-up ids. */
static json_t *csv_ids(const limit_ctx *x, size_t n) {
  const json_t *live = json_object_get(json_object_get(x->req, cfm_json_str(x->p, "in")),
                                       cfm_json_str(x->p, "name"));
  const char *first = json_string_value(live) ? json_string_value(live) : "x";
  char *buf = malloc(strlen(first) + n * 24 + 1);
  size_t i, off = 0;
  json_t *val;
  if (!buf)
    return NULL;
  off += (size_t)sprintf(buf, "%s", first);
  for (i = 1; i < n; i++)
    off += (size_t)sprintf(buf + off, ",%llu", 900000000000000ull + (unsigned long long)i);
  val = json_string(buf);
  free(buf);
  return val;
}

static int items_limit_cases(const limit_ctx *x) {
  const char *style = cfm_json_str(x->p, "style"), *name = cfm_json_str(x->p, "name");
  size_t k;
  int rc = CFM_EOK;
  for (k = 0; k < 2 && rc == CFM_EOK; k++) {
    size_t n = (size_t)x->max + k;
    json_t *exp;
    char what[200];
    snprintf(what, sizeof(what), "%zu items of %s are %s (the limit is %ld)", n, name,
             k ? "refused" : "accepted", x->max);
    exp = k ? expect_error(above_rows(x), limit_classes, x->aprov, is_assumed(x->aprov), what)
            : expect_success(x->op, x->prov, is_assumed(x->prov), what);
    rc = limit_case(x, style && !strcmp(style, "csv") ? csv_ids(x, n) : items_of(x->p, n), exp,
                    k ? "above" : "at");
  }
  return rc;
}

/* The expectation of one value of a range: in range (or clamped above it)
 * a success, else an error (new reference or NULL). */
static json_t *range_expect(const limit_ctx *x, size_t k, long value, int ok) {
  const char *name = cfm_json_str(x->p, "name");
  const json_t *clamp_to = json_object_get(x->lim, "clamp_to");
  char what[200], lp[128];
  json_t *exp, *bp;
  if (ok && k == 3) {
    snprintf(what, sizeof(what), "%s=%ld is served as %s=%lld", name, value, name,
             (long long)json_integer_value(clamp_to));
    exp = expect_success(x->op, x->prov, is_assumed(x->prov), what);
    if (exp && json_object_set_new(exp, "array_max",
                                   json_pack("{s:s, s:O}", "pointer",
                                             list_pointer(x->spec, x->op, lp, sizeof(lp)), "max",
                                             clamp_to ? clamp_to : json_null())))
      exp = (json_decref(exp), NULL);
    return exp;
  }
  if (ok) {
    snprintf(what, sizeof(what), "%s=%ld is accepted", name, value);
    return expect_success(x->op, x->prov, is_assumed(x->prov), what);
  }
  bp = k == 2 ? json_pack("{s:s}", "assumed",
                          "the document gives the range, not what happens below it")
              : json_incref((json_t *)x->aprov);
  snprintf(what, sizeof(what), "%s=%ld is refused: the range is [%ld,%ld]", name, value, x->min,
           x->max);
  exp = k == 2 && !bp ? NULL
                      : expect_error(rows_by_trigger(x->spec, x->op, limit_trig), limit_classes, bp,
                                     is_assumed(bp), what);
  json_decref(bp);
  return exp;
}

static int range_limit_cases(const limit_ctx *x) {
  const char *above = cfm_json_str(x->lim, "above");
  const struct {
    const char *detail;
    long value;
    int ok;
  } vs[4] = {{"min", x->min, 1},
             {"max", x->max, 1},
             {"below", x->min - 1, 0},
             {"above", x->max + 1, above && !strcmp(above, "clamp")}};
  size_t k;
  int rc = CFM_EOK;
  for (k = 0; k < 4 && rc == CFM_EOK; k++)
    rc = limit_case(x, json_integer(vs[k].value), range_expect(x, k, vs[k].value, vs[k].ok),
                    vs[k].detail);
  return rc;
}

static int limit_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi,
                       const json_t *p, size_t pi, const json_t *req) {
  const json_t *lim;
  size_t li;
  int rc = CFM_EOK;
  json_array_foreach(json_object_get(p, "limits"), li, lim) {
    const char *kind = cfm_json_str(lim, "kind");
    limit_ctx x = {l,    spec, op, p,  req, lim, json_object_get(lim, "provenance"),
                   NULL, oi,   pi, li, 0,   0};
    x.aprov = json_object_get(lim, "above_provenance") ? json_object_get(lim, "above_provenance")
                                                       : x.prov;
    x.max = (long)json_number_value(json_object_get(lim, "max"));
    x.min = json_object_get(lim, "min") ? (long)json_number_value(json_object_get(lim, "min")) : 0;
    if (rc)
      break;
    if (!strcmp(kind, "max_length") || !strcmp(kind, "max_bytes"))
      rc = text_limit_cases(&x, !strcmp(kind, "max_bytes"));
    else if (!strcmp(kind, "max_items"))
      rc = items_limit_cases(&x);
    else if (!strcmp(kind, "range"))
      rc = range_limit_cases(&x);
  }
  return rc;
}

/* Rows for a malformed id: the spec's malformed_id rows when it has any
 * (the document then names the code), else the broader set. */
static json_t *malformed_rows(const cfm_spec *spec, const json_t *op, const char *const *broad) {
  static const char *const only[] = {"malformed_id", NULL};
  json_t *r = rows_by_trigger(spec, op, only);
  if (!r || json_array_size(r))
    return r;
  json_decref(r);
  return rows_by_trigger(spec, op, broad);
}

/* 1 when a required path parameter gets a case of its own sent empty: an
 * id the target looks up (the spec gives absent or malformed values), on
 * an operation that changes nothing (an empty id on a DELETE may name a
 * whole collection on some servers), and not already among the malformed
 * values. */
static int empty_path_case(const json_t *op, const json_t *p) {
  const json_t *mv;
  size_t k;
  if (!json_object_get(p, "absent") && !json_object_get(p, "malformed"))
    return 0;
  if (json_is_true(json_object_get(op, "destructive")) || !cfm_json_str(op, "method") ||
      !strcmp(cfm_json_str(op, "method"), "DELETE"))
    return 0;
  json_array_foreach(json_object_get(p, "malformed"), k, mv) {
    if (json_is_string(mv) && !json_string_length(mv))
      return 0;
  }
  return 1;
}

/* What the error cases of one parameter share. */
typedef struct param_ctx {
  cfm_caselist *l;
  const cfm_spec *spec;
  const json_t *op, *req, *p;
  size_t oi, pi;
} param_ctx;

static int param_error_case(const param_ctx *x, const char *kind, json_t *value, json_t *rows,
                            const char *const *classes, const json_t *expect_prov, int silent,
                            const json_t *prov, const char *what, const char *id_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 10, 11)))
#endif
    ;

/* Adds the case "<vendor>.<op>.<id_fmt...>" of the given kind: the base
 * request with parameter p set to value (NULL: left out, for "required";
 * out of memory otherwise; an empty path value is sent as left out) must fail with
 * one of rows (or of classes).  Steals value and rows. */
static int param_error_case(const param_ctx *x, const char *kind, json_t *value, json_t *rows,
                            const char *const *classes, const json_t *expect_prov, int silent,
                            const json_t *prov, const char *what, const char *id_fmt, ...) {
  char tail[256];
  va_list ap;
  va_start(ap, id_fmt);
  vsnprintf(tail, sizeof(tail), id_fmt, ap);
  va_end(ap);
  return add_case(
      x->l, x->spec, cfm_json_str(x->op, "id"), kind,
      steps_with(x->op, main_step(x->op, vary_(x->req, x->p, value, !strcmp(kind, "required")),
                                  expect_error(rows, classes, expect_prov, silent, what))),
      prov, json_pack("[o]", cover(x->spec, "/operations/%zu/params/%zu", x->oi, x->pi)), 0,
      "%s.%s.%s", x->spec->vendor, cfm_json_str(x->op, "id"), tail);
}

static const char *const bad_classes[] = {"INVALID_ARGUMENT", NULL};
static const char *const type_trig[] = {"type", "invalid_param", NULL};

/* example: the document's own request, bound to live values; then the
 * other documented examples, each as sent. */
static int example_cases(const param_ctx *x) {
  const cfm_spec *spec = x->spec;
  const json_t *op = x->op, *ex = json_array_get(json_object_get(op, "examples"), 0), *ex2;
  const char *v = spec->vendor, *o = cfm_json_str(op, "id");
  const json_t *prov = ex ? json_object_get(ex, "provenance") : json_object_get(op, "provenance");
  json_t *covers = json_pack("[o]", cover(spec, "/operations/%zu/response", x->oi));
  size_t k;
  int rc;
  if (ex && json_array_append_new(covers, cover(spec, "/operations/%zu/examples/0", x->oi))) {
    json_decref(covers);
    covers = NULL;
  }
  rc =
      add_case(x->l, spec, o, "example",
               steps_with(op, main_step(op, json_deep_copy(x->req),
                                        expect_success(op, prov, is_assumed(prov),
                                                       "the documented request succeeds with a "
                                                       "response that fits the documented "
                                                       "fields"))),
               prov, covers, 0, "%s.%s.example.%s", v, o, ex ? cfm_json_str(ex, "id") : "defaults");
  json_array_foreach(json_object_get(op, "examples"), k, ex2) {
    const json_t *body = json_object_get(json_object_get(ex2, "request"), "body");
    const json_t *eprov = json_object_get(ex2, "provenance");
    json_t *r2, *vv;
    const char *kk;
    char what[200];
    if (k == 0 || rc || !json_is_object(body))
      continue;
    r2 = json_deep_copy(x->req);
    if (json_object_set_new(r2, "body", json_deep_copy(body)))
      r2 = (json_decref(r2), NULL);
    json_object_foreach((json_t *)json_object_get(op, "bind"), kk, vv) {
      if (r2 && json_object_get(json_object_get(r2, "body"), kk) &&
          json_object_set(json_object_get(r2, "body"), kk, vv))
        r2 = (json_decref(r2), NULL);
    }
    snprintf(what, sizeof(what), "the documented request '%s' succeeds", cfm_json_str(ex2, "id"));
    rc = add_case(
        x->l, spec, o, "example",
        steps_with(op, main_step(op, r2, expect_success(op, eprov, is_assumed(eprov), what))),
        eprov, json_pack("[o]", cover(spec, "/operations/%zu/examples/%zu", x->oi, k)), 0,
        "%s.%s.example.%s", v, o, cfm_json_str(ex2, "id"));
  }
  return rc;
}

/* A body that is not JSON. */
static int bad_json_case(const param_ctx *x) {
  static const char *const parse_trig[] = {"invalid_param", NULL};
  const json_t *op = x->op;
  json_t *aprov = json_pack("{s:s}", "assumed", "a body that is not JSON is refused as invalid");
  json_t *st = main_step(op, json_deep_copy(x->req),
                         expect_error(rows_by_trigger(x->spec, op, parse_trig), bad_classes, aprov,
                                      1, "a request body that is not JSON is refused"));
  int rc;
  if (st && json_object_set_new(st, "raw_body", json_string("{\"truncated\": ")))
    st = (json_decref(st), NULL);
  rc = add_case(x->l, x->spec, cfm_json_str(op, "id"), "robustness", steps_with(op, st), aprov,
                json_pack("[o]", cover(x->spec, "/operations/%zu", x->oi)), 0,
                "%s.%s.robustness.bad_json", x->spec->vendor, cfm_json_str(op, "id"));
  json_decref(aprov);
  return aprov ? rc : CFM_ENOMEM;
}

/* required: omit it (path parameters cannot be omitted from a path). */
static int required_case(const param_ctx *x) {
  static const char *const missing_trig[] = {"missing_required", "invalid_param", NULL};
  /* A path parameter cannot be left out of the path: send it empty.  Only
   * for ids the target looks up (the spec gives absent or malformed
   * values): the documents never say what that answers; an error of the
   * operation's own kinds or a plain not-found is what we expect. */
  static const char *const path_trig[] = {"missing_required", "invalid_param", "not_found",
                                          "malformed_id", NULL};
  static const char *const path_classes[] = {"INVALID_ARGUMENT", "NOT_FOUND", NULL};
  const json_t *p = x->p, *prov = json_object_get(p, "provenance");
  const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in");
  char what[200];
  json_t *aprov;
  int rc;
  if (!json_is_true(json_object_get(p, "required")))
    return CFM_EOK;
  if (strcmp(in, "path")) {
    snprintf(what, sizeof(what), "omitting the required %s '%s' is refused", in, name);
    return param_error_case(x, "required", NULL, rows_by_trigger(x->spec, x->op, missing_trig),
                            bad_classes, prov, is_assumed(prov), prov, what, "required.%s", name);
  }
  if (!empty_path_case(x->op, p))
    return CFM_EOK;
  aprov =
      json_pack("{s:s}", "assumed", "an empty path parameter is refused as invalid or not found");
  snprintf(what, sizeof(what), "an empty path parameter '%s' is refused", name);
  rc = param_error_case(x, "required", json_string(""), rows_by_trigger(x->spec, x->op, path_trig),
                        path_classes, aprov, 1, aprov, what, "required.%s", name);
  json_decref(aprov);
  return aprov ? rc : CFM_ENOMEM;
}

/* type: a value of the wrong JSON type (body only: query/path are text);
 * enum: a value outside the documented ones. */
static int type_cases(const param_ctx *x) {
  const json_t *p = x->p, *prov = json_object_get(p, "provenance");
  const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in"),
             *type = cfm_json_str(p, "type");
  char what[200];
  int rc = CFM_EOK;
  if (!strcmp(in, "body")) {
    json_t *wrong = !strcmp(type, "string")   ? json_integer(12345)
                    : !strcmp(type, "array")  ? json_string("not-an-array")
                    : !strcmp(type, "object") ? json_string("not-an-object")
                                              : json_string("not-a-number-or-boolean");
    json_t *sprov =
        json_pack("{s:s}", "assumed",
                  "the document gives the type; that other types are refused is our reading");
    snprintf(what, sizeof(what), "'%s' of the wrong JSON type is refused (documented as %s)", name,
             type);
    rc = param_error_case(x, "type", wrong, rows_by_trigger(x->spec, x->op, type_trig), bad_classes,
                          sprov, 1, prov, what, "type.%s", name);
    json_decref(sprov);
    if (!sprov)
      rc = CFM_ENOMEM;
  }
  if (!rc && json_is_array(json_object_get(p, "enum"))) {
    snprintf(what, sizeof(what), "'%s' outside its documented values is refused", name);
    rc = param_error_case(x, "enum", json_string("conform-not-listed"),
                          rows_by_trigger(x->spec, x->op, type_trig), bad_classes, prov, 1, prov,
                          what, "enum.%s", name);
  }
  return rc;
}

/* not_found: a well-formed id that does not exist, and malformed ids. */
static int not_found_cases(const param_ctx *x) {
  static const char *const nf_trig[] = {"not_found", NULL};
  static const char *const malformed_trig[] = {"malformed_id", "not_found", "invalid_param", NULL};
  static const char *const nf_classes[] = {"NOT_FOUND", NULL};
  static const char *const malformed_classes[] = {"INVALID_ARGUMENT", "NOT_FOUND", NULL};
  const json_t *p = x->p, *prov = json_object_get(p, "provenance"), *mv;
  const char *name = cfm_json_str(p, "name");
  char what[200];
  size_t k;
  int rc = CFM_EOK;
  if (json_object_get(p, "absent")) {
    snprintf(what, sizeof(what), "a '%s' that does not exist answers not found", name);
    rc = param_error_case(x, "not_found", json_deep_copy(json_object_get(p, "absent")),
                          rows_by_trigger(x->spec, x->op, nf_trig), nf_classes, prov, 0, prov, what,
                          "not_found.%s", name);
  }
  json_array_foreach(json_object_get(p, "malformed"), k, mv) {
    json_t *mprov;
    if (rc)
      break;
    mprov =
        json_object_get(p, "malformed_provenance")
            ? json_incref(json_object_get(p, "malformed_provenance"))
            : json_pack("{s:s}", "assumed", "a malformed id is refused as invalid or not found");
    snprintf(what, sizeof(what), "a malformed '%s' is refused", name);
    rc = param_error_case(x, "not_found", json_deep_copy(mv),
                          malformed_rows(x->spec, x->op, malformed_trig), malformed_classes, mprov,
                          is_assumed(mprov), mprov, what, "malformed.%s.%zu", name, k);
    json_decref(mprov);
    if (!mprov)
      rc = CFM_ENOMEM;
  }
  return rc;
}

/* auth: each documented way a credential can be wrong. */
static int auth_cases(const param_ctx *x) {
  static const char *const auth_classes[] = {"UNAUTHENTICATED", "PERMISSION_DENIED", NULL};
  static const char *const modes[] = {"missing", "malformed", "expired", "wrong_app"};
  static const char *const mode_keys[] = {"missing", "invalid", "expired", "wrong_app"};
  static const char *const adjectives[] = {"missing", "malformed", "expired", "wrong-app"};
  const json_t *auth = json_object_get(json_object_get(x->spec->root, "transport"), "auth");
  const char *o = cfm_json_str(x->op, "id");
  size_t k;
  int rc = CFM_EOK;
  for (k = 0; k < 4 && !rc; k++) {
    const json_t *rows = json_object_get(json_object_get(auth, "errors"), mode_keys[k]);
    const json_t *prov = json_object_get(auth, "provenance"), *r0 = NULL;
    json_t *step, *exp;
    char what[200];
    snprintf(what, sizeof(what), "a %s credential is refused", adjectives[k]);
    if (json_array_size(rows))
      r0 = cfm_spec_error_row(x->spec, x->op, json_string_value(json_array_get(rows, 0)));
    if (r0)
      prov = json_object_get(r0, "provenance");
    exp = expect_error(json_array_size(rows) ? json_deep_copy(rows) : json_array(), auth_classes,
                       prov, !json_array_size(rows), what);
    step = main_step(x->op, json_deep_copy(x->req), exp);
    if (step && json_object_set_new(step, "auth", json_string(modes[k])))
      step = (json_decref(step), NULL);
    rc = add_case(x->l, x->spec, o, "auth", steps_with(x->op, step), prov,
                  json_pack("[o]", cover(x->spec, "/transport/auth")), 0, "%s.%s.auth.%s",
                  x->spec->vendor, o, modes[k]);
  }
  return rc;
}

static int op_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi) {
  json_t *req = base_request(op);
  const json_t *p;
  size_t pi;
  param_ctx x = {l, spec, op, req, NULL, oi, 0};
  int rc;
  if (!req)
    return CFM_ENOMEM;
  rc = example_cases(&x);
  if (!rc && json_object_get(req, "body"))
    rc = bad_json_case(&x);
  json_array_foreach(json_object_get(op, "params"), pi, p) {
    if (rc)
      break;
    if (!strcmp(cfm_json_str(p, "in"), "header"))
      continue;
    x.p = p;
    x.pi = pi;
    rc = required_case(&x);
    if (!rc)
      rc = type_cases(&x);
    if (!rc)
      rc = not_found_cases(&x);
    if (!rc)
      rc = limit_cases(l, spec, op, oi, p, pi, req);
  }
  if (!rc)
    rc = auth_cases(&x);
  json_decref(req);
  return rc;
}

/* Completes one step of scenario sc in place: the scenario's provenance
 * and statement, silent when assumed, and a call's outcome from its
 * class.  Returns 0, or -1 out of memory. */
static int scenario_step(json_t *st, const json_t *sc) {
  json_t *e = json_object_get(st, "expect");
  const json_t *sprov = json_object_get(sc, "provenance"), *stmt = json_object_get(sc, "statement");
  int bad = 0;
  if (!json_is_object(e)) {
    e = json_object();
    if (json_object_set_new(st, "expect", e))
      return -1;
  }
  if (!json_object_get(e, "provenance") && sprov)
    bad |= json_object_set(e, "provenance", (json_t *)sprov);
  bad |=
      json_object_set_new(e, "silent", json_boolean(is_assumed(json_object_get(e, "provenance"))));
  if (!json_object_get(e, "what") && stmt)
    bad |= json_object_set(e, "what", (json_t *)stmt);
  if (!json_object_get(st, "walk")) {
    const char *cls = cfm_json_str(e, "class");
    bad |= json_object_set_new(e, "outcome",
                               json_string(!cls || !strcmp(cls, "OK") ? "success" : "error"));
    if (cls && strcmp(cls, "OK") && !json_object_get(e, "classes"))
      bad |= json_object_set_new(e, "classes", json_pack("[s]", cls));
    if (!json_object_get(e, "schema"))
      bad |= json_object_set_new(e, "schema", json_true());
  }
  return bad ? -1 : 0;
}

static int scenario_cases(cfm_caselist *l, const cfm_spec *spec) {
  const json_t *sc;
  size_t i, j;
  int rc = CFM_EOK;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    json_t *steps = json_deep_copy(json_object_get(sc, "steps")), *st;
    const char *kind = !strcmp(cfm_json_str(sc, "kind"), "rule") ? "rule" : "scenario";
    int exclusive = 0;
    json_array_foreach(steps, j, st) {
      if (json_object_get(st, "walk"))
        exclusive = 1;
      if (scenario_step(st, sc)) {
        json_decref(steps);
        steps = NULL;
        break;
      }
    }
    rc = add_case(l, spec, "", kind, steps, json_object_get(sc, "provenance"),
                  json_pack("[o]", cover(spec, "/scenarios/%zu", i)), exclusive, "%s.%s.%s",
                  spec->vendor, kind, cfm_json_str(sc, "id"));
    if (rc)
      break;
  }
  return rc;
}

int cfm_cases_generate(const cfm_specset *set, cfm_caselist *out) {
  size_t s, i;
  int rc = CFM_EOK;
  for (s = 0; s < set->count && !rc; s++) {
    const cfm_spec *spec = set->items[s];
    const json_t *op;
    json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
      rc = op_cases(out, spec, op, i);
      if (rc)
        break;
    }
    if (!rc)
      rc = scenario_cases(out, spec);
  }
  return rc;
}

/* An error row's code as text (integer codes in decimal). */
static void row_code(const json_t *r, char *code, size_t cap) {
  if (json_is_integer(json_object_get(r, "code")))
    snprintf(code, cap, "%lld", (long long)json_integer_value(json_object_get(r, "code")));
  else
    snprintf(code, cap, "%s", cfm_json_str(r, "code") ? cfm_json_str(r, "code") : "");
}

json_t *cfm_coverage_items(const cfm_specset *set) {
  json_t *items = json_array();
  size_t s, i, j, k;
  for (s = 0; s < set->count; s++) {
    const cfm_spec *spec = set->items[s];
    const json_t *op, *p, *l, *r, *sc;
    char ptr[256], label[300], num[64];
#define ITEM(kind_, prov_)                                                                         \
  json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:O}", "spec", spec->vendor,        \
                                         "pointer", ptr, "kind", kind_, "label", label,            \
                                         "provenance", (prov_) ? (prov_) : json_null()))
    json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
      snprintf(ptr, sizeof(ptr), "/operations/%zu/response", i);
      snprintf(label, sizeof(label), "%s: response fields", cfm_json_str(op, "id"));
      ITEM("response_field", json_object_get(json_object_get(op, "response"), "provenance"));
      json_array_foreach(json_object_get(op, "examples"), j, p) {
        snprintf(ptr, sizeof(ptr), "/operations/%zu/examples/%zu", i, j);
        snprintf(label, sizeof(label), "%s: example %s", cfm_json_str(op, "id"),
                 cfm_json_str(p, "id"));
        ITEM("example", json_object_get(p, "provenance"));
      }
      json_array_foreach(json_object_get(op, "params"), j, p) {
        snprintf(ptr, sizeof(ptr), "/operations/%zu/params/%zu", i, j);
        snprintf(label, sizeof(label), "%s: %s %s", cfm_json_str(op, "id"), cfm_json_str(p, "in"),
                 cfm_json_str(p, "name"));
        ITEM("param", json_object_get(p, "provenance"));
        json_array_foreach(json_object_get(p, "limits"), k, l) {
          snprintf(ptr, sizeof(ptr), "/operations/%zu/params/%zu/limits/%zu", i, j, k);
          snprintf(label, sizeof(label), "%s: %s %s %s", cfm_json_str(op, "id"),
                   cfm_json_str(p, "name"), cfm_json_str(l, "kind"),
                   cfm_number_text(json_number_value(json_object_get(l, "max")), num, sizeof(num)));
          ITEM("limit", json_object_get(l, "provenance"));
        }
      }
      json_array_foreach(json_object_get(op, "errors"), j, r) {
        char code[64];
        row_code(r, code, sizeof(code));
        snprintf(ptr, sizeof(ptr), "/operations/%zu/errors/%zu", i, j);
        snprintf(label, sizeof(label), "%s: error %s (HTTP %lld)", cfm_json_str(op, "id"), code,
                 (long long)json_integer_value(json_object_get(r, "status")));
        ITEM("error", json_object_get(r, "provenance"));
      }
    }
    json_array_foreach(json_object_get(json_object_get(spec->root, "transport"), "errors"), j, r) {
      char code[64];
      row_code(r, code, sizeof(code));
      snprintf(ptr, sizeof(ptr), "/transport/errors/%zu", j);
      snprintf(label, sizeof(label), "any call: error %s", code);
      ITEM("error", json_object_get(r, "provenance"));
    }
    snprintf(ptr, sizeof(ptr), "/transport/auth");
    snprintf(label, sizeof(label), "authentication");
    ITEM("auth", json_object_get(json_object_get(json_object_get(spec->root, "transport"), "auth"),
                                 "provenance"));
    json_array_foreach(json_object_get(spec->root, "scenarios"), j, sc) {
      snprintf(ptr, sizeof(ptr), "/scenarios/%zu", j);
      snprintf(label, sizeof(label), "%s",
               cfm_json_str(sc, "statement") ? cfm_json_str(sc, "statement")
                                             : cfm_json_str(sc, "id"));
      ITEM(cfm_json_str(sc, "kind") && !strcmp(cfm_json_str(sc, "kind"), "rule") ? "rule" : "flow",
           json_object_get(sc, "provenance"));
    }
#undef ITEM
  }
  return items;
}
