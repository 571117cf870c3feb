/* conform — the endpoint fuzzer's shrinking: re-runs a failing trial
 * smaller (fewer steps, fewer optional fields, shorter and plainer
 * strings) while it fails the same way.  Never changes captured ids,
 * variables or the one field a near-valid step breaks. */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/request.h"
#include "conform/verdict.h"

typedef struct ef_shrink {
  ef_ctx *cx;
  ef_prop prop;
  char op[128], code[128]; /* the signature a candidate must keep */
  size_t budget, runs, requests;
  ef_outcome last;
} ef_shrink;

/* 1 when candidate fails the same way (same property, same operation). */
static int still_fails(ef_shrink *s, const json_t *candidate) {
  ef_outcome o;
  if (s->runs >= s->budget)
    return 0;
  s->runs++;
  cfm__ef_execute(s->cx, candidate, &o);
  s->requests += o.requests;
  if (o.prop != s->prop || strcmp(o.op, s->op) || strcmp(o.code, s->code))
    return 0;
  s->last = o;
  return 1;
}

/* Tries fewer steps: everything after the failure, then each step. */
static void drop_steps(ef_shrink *s, json_t *steps) {
  size_t i;
  while (json_array_size(steps) > s->last.step + 1)
    json_array_remove(steps, json_array_size(steps) - 1);
  for (i = json_array_size(steps); i-- > 0;) {
    json_t *c;
    if (json_is_true(json_object_get(json_array_get(steps, i), "keep")))
      continue; /* a documented sequence stays whole */
    c = json_deep_copy(steps);
    json_array_remove(c, i);
    if (json_array_size(c) && still_fails(s, c)) {
      json_array_clear(steps);
      json_array_extend(steps, c);
      while (json_array_size(steps) > s->last.step + 1)
        json_array_remove(steps, json_array_size(steps) - 1);
    }
    json_decref(c);
    if (i > json_array_size(steps))
      i = json_array_size(steps);
  }
}

/* 1 when field k of step sj may be left out (optional, not the broken one). */
static int optional(const ef_shrink *s, const json_t *sj, const char *k) {
  const json_t *op = cfm_spec_operation(s->cx->v->spec, cfm_json_str(sj, "op")), *p;
  const char *mut = cfm_json_str(sj, "mutated");
  size_t i;
  if (mut && !strcmp(mut, k))
    return 0;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (!strcmp(cfm_json_str(p, "name") ? cfm_json_str(p, "name") : "", k))
      return !json_is_true(json_object_get(p, "required"));
  }
  return 0;
}

/* A simpler string than s: half as long (the ${run} prefix kept), or the
 * same length in ASCII.  NULL when nothing simpler. */
static json_t *simpler(const char *s, int ascii) {
  size_t len = strlen(s), keep = !strncmp(s, "${run}", 6) ? 6 : 0, cps, i, n = 0;
  char *o;
  json_t *out;
  if (strstr(s + keep, "${"))
    return NULL; /* a captured id or a variable: not ours to change */
  cps = cfm__ef_cps(s + keep, len - keep);
  if (!ascii) {
    size_t want = cps / 2, seen = 0;
    if (!cps)
      return NULL;
    for (i = keep; i < len; i++) {
      if (((unsigned char)s[i] & 0xC0) != 0x80 && seen++ == want)
        break;
    }
    return json_stringn(s, i);
  }
  if (cps == len - keep)
    return NULL;
  if (!(o = malloc(len + 1)))
    return NULL;
  memcpy(o, s, keep);
  n = keep;
  for (i = keep; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80)
      o[n++] = 'a';
  out = json_stringn(o, n);
  free(o);
  return out;
}

/* Tries each body field: left out, then simpler strings. */
static void simplify_fields(ef_shrink *s, json_t *steps) {
  size_t i;
  for (i = 0; i < json_array_size(steps); i++) {
    json_t *body = json_object_get(json_object_get(json_array_get(steps, i), "request"), "body");
    const char *k;
    json_t *val, *tmp;
    if (json_is_true(json_object_get(json_array_get(steps, i), "keep")))
      continue;
    json_object_foreach_safe(body, tmp, k, val) {
      int pass;
      json_t *c = json_deep_copy(steps);
      json_t *cb = json_object_get(json_object_get(json_array_get(c, i), "request"), "body");
      if (optional(s, json_array_get(steps, i), k)) {
        json_object_del(cb, k);
        if (still_fails(s, c)) {
          json_object_del(body, k);
          json_decref(c);
          continue;
        }
      }
      json_decref(c);
      for (pass = 0; pass < 2 && json_is_string(val); pass++) {
        const char *mut = cfm_json_str(json_array_get(steps, i), "mutated");
        json_t *sv;
        if (mut && !strcmp(mut, k))
          break;
        while ((sv = simpler(json_string_value(val), pass)) != NULL) {
          c = json_deep_copy(steps);
          json_object_set(json_object_get(json_object_get(json_array_get(c, i), "request"), "body"),
                          k, sv);
          if (!still_fails(s, c)) {
            json_decref(c);
            json_decref(sv);
            break;
          }
          json_object_set_new(body, k, sv);
          val = json_object_get(body, k);
          json_decref(c);
          if (pass)
            break;
        }
      }
    }
  }
}

json_t *cfm__ef_shrink(ef_ctx *cx, const json_t *steps, ef_outcome *last, size_t budget,
                       size_t *runs, size_t *requests) {
  const ef_outcome *first = last;
  ef_shrink s;
  json_t *cur = json_deep_copy(steps);
  size_t before;
  memset(&s, 0, sizeof(s));
  s.cx = cx;
  s.prop = first->prop;
  snprintf(s.op, sizeof(s.op), "%s", first->op);
  snprintf(s.code, sizeof(s.code), "%s", first->code);
  s.budget = budget;
  s.last = *first;
  do {
    size_t n = json_array_size(cur);
    char *text = json_dumps(cur, JSON_COMPACT);
    before = s.runs;
    drop_steps(&s, cur);
    simplify_fields(&s, cur);
    /* Another round only when this one changed something. */
    {
      char *now = json_dumps(cur, JSON_COMPACT);
      int same = text && now && !strcmp(text, now) && n == json_array_size(cur);
      free(text);
      free(now);
      if (same)
        break;
    }
  } while (s.runs > before && s.runs < s.budget);
  *last = s.last;
  *runs = s.runs;
  *requests = s.requests;
  return cur;
}
