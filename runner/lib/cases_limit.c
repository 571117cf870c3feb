/* conform — the limit cases of a parameter: lengths in characters or
 * bytes (ASCII, CJK, emoji, a multi-byte character on the bound), item
 * counts, numeric ranges and clamps.
 *
 * Owns the values at, below and above each documented limit and what each
 * should answer.  Must not run anything or know a vendor: member-list items
 * and list pointers come from the spec (items schema, scenario walks). */
#include "cases_internal.h"

#include "conform/jsonutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* n distinct items for an array parameter: user ids of the target app
 * when the spec marks the items as users ("item_kind": "user"), made-up
 * ids otherwise.  Object items carry the id in the first required
 * property of the items schema (a member list's account field). */
static json_t *items_of(const json_t *param, size_t n) {
  json_t *a = json_array();
  size_t i;
  const char *kind = cfm_json_str(param, "item_kind");
  const json_t *items = json_object_get(param, "items");
  const char *it = cfm_json_str(items, "type");
  const char *key = json_string_value(json_array_get(json_object_get(items, "required"), 0));
  for (i = 0; i < n; i++) {
    char buf[64];
    if (kind && !strcmp(kind, "user"))
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
json_t *cfm__vary(const json_t *req, const json_t *param, json_t *value, int remove) {
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
  return row ? json_pack("[s]", row) : cfm__rows_by_trigger(x->spec, x->op, limit_trig);
}

/* The read-back of an above-limit case (issue 14): when the parameter
 * names a documented read (read_back: {capture, op, request, pointer}),
 * the over-limit step goes on when the target accepts, and a read step
 * checks what was stored against the maximum.  steps is changed in place;
 * returns it, or NULL out of memory (steps released). */
static json_t *with_read_back(const limit_ctx *x, json_t *steps, long long sent, const char *unit) {
  const json_t *rb = json_object_get(x->p, "read_back");
  json_t *last = json_array_get(steps, json_array_size(steps) - 1), *read;
  if (!steps || !rb || sent < 0)
    return steps;
  read = json_pack("{s:s, s:O, s:{s:s, s:b, s:b, s:s, s:O, s:{s:s, s:I, s:s, s:I}}}", "op",
                   cfm_json_str(rb, "op"), "request", json_object_get(rb, "request"), "expect",
                   "outcome", "success", "silent", 1, "schema", 0, "what",
                   "the over-limit value read back", "provenance", x->prov, "stored", "pointer",
                   cfm_json_str(rb, "pointer"), "max", (json_int_t)x->max, "unit", unit, "sent",
                   (json_int_t)sent);
  if (!read || json_object_set_new(json_object_get(last, "expect"), "read_back", json_true()) ||
      (json_object_get(rb, "capture") &&
       json_object_set(last, "capture", json_object_get(rb, "capture"))) ||
      json_array_append_new(steps, read)) {
    json_decref(steps);
    return NULL;
  }
  return steps;
}

/* Adds "<vendor>.<op>.limit.<param>.<detail>": the request with value
 * (stolen) expecting exp (stolen); an above-limit value of sent units
 * (>= 0) gets the parameter's read-back. */
static int limit_case_rb(const limit_ctx *x, json_t *value, json_t *exp, const char *detail,
                         long long sent, const char *unit) {
  const char *o = cfm_json_str(x->op, "id");
  return cfm__case_add(
      x->l, x->spec, o, "limit",
      with_read_back(
          x, cfm__steps_with(x->op, cfm__main_step(x->op, cfm__vary(x->req, x->p, value, 0), exp)),
          sent, unit),
      x->prov,
      json_pack("[o]",
                cfm__cover(x->spec, "/operations/%zu/params/%zu/limits/%zu", x->oi, x->pi, x->li)),
      0, "%s.%s.limit.%s.%s", x->spec->vendor, o, cfm_json_str(x->p, "name"), detail);
}

static int limit_case(const limit_ctx *x, json_t *value, json_t *exp, const char *detail) {
  return limit_case_rb(x, value, exp, detail, -1, NULL);
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

/* Every created resource carries the run prefix (issue 15): a parameter
 * whose request value starts with ${run} names the resource, so its limit
 * texts start with the prefix fitted to RUN_TAG bytes (${run:N}, cut or
 * padded with '-'); the rest keeps the unit the case counts (characters,
 * or bytes: ASCII fills what a multi-byte character cannot).  Where the
 * tag does not fit, the prefix goes in another text parameter of the
 * request (one with room for it) and the value under test stays whole. */
#define RUN_TAG 16
#define RUN_TAG_TEXT "${run:16}"

static int names_resource(const limit_ctx *x) {
  const char *v = json_string_value(json_object_get(
      json_object_get(x->req, cfm_json_str(x->p, "in")), cfm_json_str(x->p, "name")));
  return v && !strncmp(v, "${run}", 6);
}

/* The tagged text of a variant keeping chars (or else bytes); NULL when the
 * tag does not fit or out of memory. */
static json_t *tagged_text(const struct variant *v, int keep_chars) {
  size_t bytes = text_bytes(v->units, v->width), w = v->width == 3 ? 3 : v->width == 4 ? 4 : 1;
  size_t rest = keep_chars || v->width == TEXT_CJK_END || w == 1 ? v->units : bytes;
  json_t *tail, *out;
  char pad[4] = "aaa";
  if (rest < RUN_TAG + (keep_chars || w == 1 || v->width == TEXT_CJK_END ? 1 : w))
    return NULL;
  rest -= RUN_TAG;
  if (keep_chars || w == 1 || v->width == TEXT_CJK_END) {
    tail = text_of(rest, v->width);
    pad[0] = '\0';
  } else {
    tail = text_of(rest / w, v->width);
    pad[rest % w] = '\0';
  }
  out = tail ? json_sprintf(RUN_TAG_TEXT "%s%s", pad, json_string_value(tail)) : NULL;
  json_decref(tail);
  return out;
}

/* The request with the run prefix in another text parameter (new
 * reference): one of the same place with no enum and room for a prefix. */
static json_t *prefix_elsewhere(const limit_ctx *x) {
  const json_t *q, *lim;
  size_t i, j;
  json_array_foreach(json_object_get(x->op, "params"), i, q) {
    json_t *slot = json_object_get(x->req, cfm_json_str(q, "in"));
    if (q == x->p || strcmp(cfm_json_str(q, "in"), cfm_json_str(x->p, "in")) ||
        strcmp(cfm_json_str(q, "type") ? cfm_json_str(q, "type") : "", "string") ||
        json_object_get(q, "enum") || !json_is_object(slot))
      continue;
    json_array_foreach(json_object_get(q, "limits"), j, lim) {
      if (json_number_value(json_object_get(lim, "max")) >= 64)
        return cfm__vary(x->req, q, json_string("${run}"), 0);
    }
  }
  return json_incref((json_t *)x->req);
}

/* "<name> of <n> <kind> (<b> bytes)" for the text sent (value given:
 * the tagged one, counted as sent). */
static void text_what(char *out, size_t cap, const char *name, const struct variant *v,
                      const json_t *value, size_t sent[2]) {
  size_t chars = v->units, nbytes = text_bytes(v->units, v->width), i;
  const char *s = json_string_value(value);
  if (s) {
    nbytes = json_string_length(value) - strlen(RUN_TAG_TEXT) + RUN_TAG;
    for (chars = RUN_TAG - strlen(RUN_TAG_TEXT), i = 0; s[i]; i++)
      chars += ((unsigned char)s[i] & 0xC0) != 0x80;
  }
  snprintf(out, cap, "%s of %zu %s%s (%zu bytes)", name, chars, text_kind(v->width),
           s ? " after the run prefix" : "", nbytes);
  sent[0] = chars;
  sent[1] = nbytes;
}

static int text_limit_cases(const limit_ctx *x0, int bytes) {
  const char *name = cfm_json_str(x0->p, "name");
  struct variant vs[12];
  size_t nv = text_variants(x0->max, bytes, vs), k;
  int rc = CFM_EOK, tag = names_resource(x0);
  json_t *other = tag ? prefix_elsewhere(x0) : NULL;
  for (k = 0; k < nv && rc == CFM_EOK; k++) {
    char text[200], what[300];
    size_t sent[2];
    json_t *exp, *value = NULL;
    limit_ctx y = *x0, *x = &y;
    if (tag && !(value = tagged_text(&vs[k], !bytes || !strcmp(vs[k].detail, "cjk_as_chars"))))
      y.req = other;
    text_what(text, sizeof(text), name, &vs[k], value, sent);
    if (vs[k].ok) {
      snprintf(what, sizeof(what), "%s is accepted", text);
      exp = cfm__expect_success(x->op, x->prov, cfm__is_assumed(x->prov), what);
    } else {
      snprintf(what, sizeof(what), "%s is refused: the limit is %ld %s", text, x->max,
               bytes ? "bytes" : "characters");
      exp = cfm__expect_error(above_rows(x), limit_classes, x->aprov, cfm__is_assumed(x->aprov),
                              what);
    }
    rc = limit_case_rb(x, value ? value : text_of(vs[k].units, vs[k].width), exp, vs[k].detail,
                       vs[k].ok ? -1 : (long long)sent[bytes], bytes ? "bytes" : "chars");
  }
  json_decref(other);
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
    exp = k ? cfm__expect_error(above_rows(x), limit_classes, x->aprov, cfm__is_assumed(x->aprov),
                                what)
            : cfm__expect_success(x->op, x->prov, cfm__is_assumed(x->prov), what);
    rc = limit_case(x, style && !strcmp(style, "csv") ? csv_ids(x, n) : items_of(x->p, n), exp,
                    k ? "above" : "at");
  }
  return rc;
}

/* Most creates a clamp case's set-up may send to any target; a clamp
 * needing more (an app list clamped at 1,000) runs only against a local
 * one (cfm_case.heavy_setup, cfm_run_options.local_targets). */
#define LIVE_FILL_MAX 100

/* The step that fills op's list, as the spec shows it: the first scenario
 * that repeats a call of a creating operation and later reads op (a call
 * or a walk).  Returns a copy of that step (new reference) and, in *path,
 * the path the scenario reads the list at (borrowed, maybe NULL); NULL
 * when no scenario shows it. */
static json_t *clamp_filler(const cfm_spec *spec, const json_t *op, const json_t **path) {
  const char *id = cfm_json_str(op, "id");
  const json_t *sc, *st;
  size_t i, j;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    const json_t *fill = NULL;
    json_array_foreach(json_object_get(sc, "steps"), j, st) {
      const json_t *w = json_object_get(st, "walk");
      const char *sop = cfm_json_str(st, "op");
      if (sop && json_object_get(st, "repeat") &&
          json_object_get(cfm_spec_operation(spec, sop), "creates")) {
        fill = st;
      } else if (fill && ((sop && !strcmp(sop, id)) ||
                          (cfm_json_str(w, "op") && !strcmp(cfm_json_str(w, "op"), id)))) {
        *path = json_object_get(w ? w : json_object_get(st, "request"), "path");
        return json_deep_copy(fill);
      }
    }
  }
  *path = NULL;
  return NULL;
}

/* The clamp case: set-up creates clamp_to + 1 items where the list is
 * read (so an unclamped answer would be longer), then the request with
 * value (stolen) expecting exp (stolen).  With no scenario to show how
 * the list fills, or a clamp past what a case may create and delete, the
 * request names a value no step provides, so the case is skip ("no value
 * for ...") rather than a pass that proves nothing. */
static int clamp_case(const limit_ctx *x, json_t *value, json_t *exp) {
  const char *o = cfm_json_str(x->op, "id"), *k;
  const json_t *path = NULL, *v;
  size_t fill = (size_t)json_integer_value(json_object_get(x->lim, "clamp_to")) + 1;
  json_t *filler = fill <= CFM_CASE_MAX_CREATED ? clamp_filler(x->spec, x->op, &path) : NULL;
  json_t *req = cfm__vary(x->req, x->p, value, 0), *steps, *slot;
  int rc;
  slot = json_object_get(req, filler ? "path" : "headers");
  if (!json_is_object(slot) && req &&
      json_object_set_new(req, filler ? "path" : "headers", slot = json_object()))
    req = (json_decref(req), NULL);
  if (req && !filler &&
      json_object_set_new(slot, "X-Conform-Clamp",
                          json_string("${no_scenario_fills_this_list_so_the_clamp_is_unseen}")))
    req = (json_decref(req), NULL);
  json_object_foreach((json_t *)path, k, v) {
    if (req && json_object_set(slot, k, (json_t *)v))
      req = (json_decref(req), NULL);
  }
  steps = cfm__steps_with(x->op, cfm__main_step(x->op, req, exp));
  if (filler && steps &&
      (json_object_set_new(filler, "repeat", json_integer((json_int_t)fill)) ||
       json_object_set_new(filler, "setup", json_true()) ||
       json_array_insert(steps, json_array_size(steps) - 1, filler)))
    steps = (json_decref(steps), NULL);
  json_decref(filler);
  rc = cfm__case_add(x->l, x->spec, o, "limit", steps, x->prov,
                     json_pack("[o]", cfm__cover(x->spec, "/operations/%zu/params/%zu/limits/%zu",
                                                 x->oi, x->pi, x->li)),
                     0, "%s.%s.limit.%s.above", x->spec->vendor, o, cfm_json_str(x->p, "name"));
  if (rc == CFM_EOK && filler && fill > LIVE_FILL_MAX)
    x->l->items[x->l->count - 1].heavy_setup = fill;
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
    exp = cfm__expect_success(x->op, x->prov, cfm__is_assumed(x->prov), what);
    if (exp && json_object_set_new(exp, "array_max",
                                   json_pack("{s:s, s:O}", "pointer",
                                             list_pointer(x->spec, x->op, lp, sizeof(lp)), "max",
                                             clamp_to ? clamp_to : json_null())))
      exp = (json_decref(exp), NULL);
    return exp;
  }
  if (ok) {
    snprintf(what, sizeof(what), "%s=%ld is accepted", name, value);
    return cfm__expect_success(x->op, x->prov, cfm__is_assumed(x->prov), what);
  }
  bp = k == 2 ? json_pack("{s:s}", "assumed",
                          "the document gives the range, not what happens below it")
              : json_incref((json_t *)x->aprov);
  snprintf(what, sizeof(what), "%s=%ld is refused: the range is [%ld,%ld]", name, value, x->min,
           x->max);
  exp = k == 2 && !bp ? NULL
                      : cfm__expect_error(cfm__rows_by_trigger(x->spec, x->op, limit_trig),
                                          limit_classes, bp, cfm__is_assumed(bp), what);
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
  for (k = 0; k < 4 && rc == CFM_EOK; k++) {
    json_t *exp = range_expect(x, k, vs[k].value, vs[k].ok);
    if (k == 3 && vs[k].ok)
      rc = clamp_case(x, json_integer(vs[k].value), exp);
    else
      rc = limit_case(x, json_integer(vs[k].value), exp, vs[k].detail);
  }
  return rc;
}

int cfm__limit_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi,
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
