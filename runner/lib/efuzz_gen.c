/* conform — the endpoint fuzzer's generators: the PRNG, values across a
 * parameter's documented domain (Unicode classes vendors get wrong, bounds
 * of lengths and ranges, enums), near-valid values (one documented
 * constraint broken) and call sequences drawn from the operations' state
 * machine.  Pure: the same rng state gives the same trial. */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"

/* Soft cap on strings the documents give no limit for (names, reasons). */
#define EF_FREE_TEXT 40
/* Most steps of one trial (besides the closing deletions). */
#define EF_MAX_STEPS 10
/* One trial in this many is a documented sequence (efuzz_seq.c). */
#define EF_SEQ_ONE_IN 4

uint64_t cfm__ef_next(cfm__ef_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

size_t cfm__ef_below(cfm__ef_rng *r, size_t n) {
  return n ? (size_t)(cfm__ef_next(r) % n) : 0;
}

size_t cfm__ef_cps(const char *s, size_t len) {
  size_t i, n = 0;
  for (i = 0; i < len; i++)
    n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

static size_t put_cp(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Unicode classes: ASCII, Latin with diacritics, CJK, emoji, an emoji ZWJ
 * sequence, a letter with a combining mark, code points next to the
 * surrogate range and the ends of the planes, Arabic (RTL), Hangul. */
enum {
  CL_ASCII,
  CL_LATIN,
  CL_CJK,
  CL_EMOJI,
  CL_ZWJ,
  CL_COMBINING,
  CL_EDGE,
  CL_RTL,
  CL_HANGUL,
  CL_N
};

/* Writes one unit of class cl (1 to 3 code points) to o (16 bytes). */
static size_t put_unit(cfm__ef_rng *r, int cl, char *o, size_t *cps) {
  static const uint32_t edge[] = {0xD7FF, 0xE000, 0xFFFD, 0x10000, 0x10FFFF, 0xFEFF, 0x7F};
  size_t n = 0;
  *cps = 1;
  switch (cl) {
  case CL_LATIN:
    return put_cp(o, 0xC0 + (uint32_t)cfm__ef_below(r, 0x17F - 0xC0));
  case CL_CJK:
    return put_cp(o, 0x4E00 + (uint32_t)cfm__ef_below(r, 0x9FFF - 0x4E00));
  case CL_EMOJI:
    return put_cp(o, 0x1F300 + (uint32_t)cfm__ef_below(r, 0x1F64F - 0x1F300));
  case CL_ZWJ:
    n = put_cp(o, 0x1F468 + (uint32_t)cfm__ef_below(r, 4));
    n += put_cp(o + n, 0x200D);
    n += put_cp(o + n, 0x1F466 + (uint32_t)cfm__ef_below(r, 4));
    *cps = 3;
    return n;
  case CL_COMBINING:
    n = put_cp(o, 'a' + (uint32_t)cfm__ef_below(r, 26));
    n += put_cp(o + n, 0x300 + (uint32_t)cfm__ef_below(r, 0x70));
    *cps = 2;
    return n;
  case CL_EDGE:
    return put_cp(o, edge[cfm__ef_below(r, sizeof(edge) / sizeof(edge[0]) - 1)]);
  case CL_RTL:
    return put_cp(o, 0x627 + (uint32_t)cfm__ef_below(r, 0x64A - 0x627));
  case CL_HANGUL:
    return put_cp(o, 0xAC00 + (uint32_t)cfm__ef_below(r, 0xD7A3 - 0xAC00));
  default:
    return put_cp(o, 0x20 + (uint32_t)cfm__ef_below(r, 0x7F - 0x20));
  }
}

/* A length in units within [0, max], leaning on the bounds. */
static size_t pick_len(cfm__ef_rng *r, size_t max) {
  switch (cfm__ef_below(r, 6)) {
  case 0:
    return max;
  case 1:
    return max ? max - 1 : 0;
  case 2:
    return cfm__ef_below(r, 2);
  default:
    return cfm__ef_below(r, max + 1);
  }
}

/* Fills text of units (code points or bytes) with one or two classes
 * until want units, never past want when stop_at is 1; past it when 0.
 * Returns a new string reference. */
static json_t *fill(cfm__ef_rng *r, const char *prefix, size_t have, size_t want, int bytes,
                    int exact) {
  size_t plen = strlen(prefix), cap = plen + want * 16 + 64, n = plen;
  int cl1 = (int)cfm__ef_below(r, CL_N), cl2 = (int)cfm__ef_below(r, CL_N);
  char *s = malloc(cap);
  json_t *out;
  if (!s)
    return NULL;
  memcpy(s, prefix, plen);
  while (have < want) {
    char u[16];
    size_t cps, len = put_unit(r, cfm__ef_below(r, 3) ? cl1 : cl2, u, &cps);
    size_t add = bytes ? len : cps;
    if (exact && have + add > want) {
      if (cl1 == CL_ASCII && cl2 == CL_ASCII)
        break;
      cl1 = cl2 = CL_ASCII; /* close with single-byte units */
      continue;
    }
    memcpy(s + n, u, len);
    n += len;
    have += add;
  }
  out = json_stringn(s, n);
  free(s);
  return out;
}

static size_t limit_of(const cfm__ef_field *f) {
  return f->has_len ? (size_t)f->maxlen : EF_FREE_TEXT;
}

json_t *cfm__ef_valid_string(cfm__ef_rng *r, const cfm__ef_field *f, int keep_run,
                             size_t prefix_len) {
  size_t max = limit_of(f), pre = keep_run ? prefix_len + 1 : 0;
  size_t want = pick_len(r, max > pre ? max - pre : 0);
  return fill(r, keep_run ? "${run}-" : "", pre, pre + want, f->unit_bytes, 1);
}

json_t *cfm__ef_long_string(cfm__ef_rng *r, const cfm__ef_field *f, int keep_run,
                            size_t prefix_len) {
  size_t pre = keep_run ? prefix_len + 1 : 0;
  size_t want = (size_t)f->maxlen + 1 + cfm__ef_below(r, 3);
  return fill(r, keep_run ? "${run}-" : "", pre, want > pre ? want : pre + 1, f->unit_bytes, 0);
}

json_t *cfm__ef_valid_scalar(cfm__ef_rng *r, const cfm__ef_field *f) {
  if (f->enumv && json_array_size(f->enumv))
    return json_deep_copy(json_array_get(f->enumv, cfm__ef_below(r, json_array_size(f->enumv))));
  if (!strcmp(f->type, "boolean"))
    return json_boolean(cfm__ef_below(r, 2));
  if (!strcmp(f->type, "integer") && f->has_range) {
    unsigned long long span = (unsigned long long)(f->max - f->min);
    switch (cfm__ef_below(r, 5)) {
    case 0:
      return json_integer(f->min);
    case 1:
      return json_integer(f->max);
    case 2:
      /* Past a clamping bound is still valid: the target caps it. */
      if (f->range_clamp)
        return json_integer(f->max + 1 + (long long)cfm__ef_below(r, 3));
      return json_integer(f->max);
    default:
      return json_integer(f->min + (long long)(cfm__ef_next(r) % (span + 1)));
    }
  }
  return NULL;
}

/* ---- sequences ------------------------------------------------------------------ */

static void bind_group(json_t *v, const char *name) {
  cfm__ef_rename_var(v, "G", name);
}

/* The member of a step's request where f lives (borrowed; created). */
static json_t *field_home(json_t *step, const cfm__ef_field *f) {
  json_t *req = json_object_get(step, "request"), *home;
  if (!req) {
    req = json_object();
    json_object_set_new(step, "request", req);
  }
  home = json_object_get(req, f->in);
  if (!json_is_object(home)) {
    home = json_object();
    json_object_set_new(req, f->in, home);
  }
  return home;
}

static int is_template(const json_t *v) {
  return json_is_string(v) && !strncmp(json_string_value(v), "${", 2) &&
         strncmp(json_string_value(v), "${run}", 6);
}

static int keeps_run(const json_t *v) {
  return json_is_string(v) && !strncmp(json_string_value(v), "${run}", 6);
}

/* Gives f a fresh valid value in home (or leaves it out when optional). */
static void vary_field(cfm__ef_rng *r, json_t *home, const cfm__ef_field *f, size_t prefix_len) {
  const json_t *cur = json_object_get(home, f->name);
  json_t *nv = NULL;
  if (!f->vary || is_template(cur))
    return;
  if (!f->required && cfm__ef_below(r, 5) == 0) {
    if (!keeps_run(cur))
      json_object_del(home, f->name);
    return;
  }
  if (cfm__ef_below(r, 3) == 0)
    return; /* keep the documented example's value */
  if (!strcmp(f->type, "string") && !f->enumv)
    nv = cfm__ef_valid_string(r, f, keeps_run(cur), prefix_len);
  else
    nv = cfm__ef_valid_scalar(r, f);
  if (nv)
    json_object_set_new(home, f->name, nv);
}

/* A value of the wrong JSON type for f. */
static json_t *wrong_type(const cfm__ef_field *f) {
  if (!strcmp(f->type, "string"))
    return json_integer(12345);
  if (!strcmp(f->type, "boolean") || !strcmp(f->type, "integer"))
    return json_string("12345");
  return json_string("x");
}

/* Breaks one documented constraint of one field; records it in step as
 * "mutated" with the documented expectation.  Returns 0 when op has none
 * to break. */
static int break_one(cfm__ef_rng *r, json_t *step, const cfm__ef_op *o, size_t prefix_len) {
  size_t i, n = 0, pick;
  const cfm__ef_field *f = NULL;
  int kind = -1;
  json_t *home, *nv = NULL;
  for (i = 0; i < o->nfields; i++) {
    int k;
    for (k = 0; k < EF_BROKEN__N; k++)
      n += o->fields[i].broken[k] != NULL;
  }
  if (!n)
    return 0;
  pick = cfm__ef_below(r, n);
  for (i = 0; i < o->nfields && kind < 0; i++) {
    int k;
    for (k = 0; k < EF_BROKEN__N && kind < 0; k++)
      if (o->fields[i].broken[k] && pick-- == 0) {
        f = &o->fields[i];
        kind = k;
      }
  }
  home = field_home(step, f);
  switch (kind) {
  case EF_BROKEN_LIMIT:
    if (f->has_len)
      nv = cfm__ef_long_string(r, f, keeps_run(json_object_get(home, f->name)), prefix_len);
    else
      nv = json_integer(cfm__ef_below(r, 2) ? f->max + 1 : f->min - 1);
    break;
  case EF_BROKEN_TYPE:
    nv = wrong_type(f);
    break;
  case EF_BROKEN_ENUM:
    nv = !strcmp(f->type, "string") ? json_string("conform-not-in-enum") : json_integer(987654);
    break;
  default:
    json_object_del(home, f->name);
  }
  if (nv)
    json_object_set_new(home, f->name, nv);
  json_object_set_new(step, "mutated", json_string(f->name));
  json_object_set(step, "expect", (json_t *)f->broken[kind]);
  return 1;
}

/* A call of o (new reference): its base, the group bound, valid values
 * varied, or one constraint broken (near-valid, one call in four). */
static json_t *call_of(cfm__ef_rng *r, const cfm__ef_op *o, const char *g, int changed,
                       size_t prefix_len, int *near) {
  json_t *step = json_deep_copy(o->base);
  size_t i;
  if (!step)
    return NULL;
  if (g) {
    bind_group(step, g);
    json_object_set_new(step, "group", json_string(g));
  }
  for (i = 0; i < o->nfields; i++)
    vary_field(r, field_home(step, &o->fields[i]), &o->fields[i], prefix_len);
  *near = cfm__ef_below(r, 4) == 0;
  if (*near && (cfm__ef_below(r, 3) || !json_array_size(o->extras)) &&
      break_one(r, step, o, prefix_len))
    return step;
  if (*near && json_array_size(o->extras)) {
    /* An id that does not exist, broken credentials, a body not JSON. */
    json_decref(step);
    step = json_deep_copy(json_array_get(o->extras, cfm__ef_below(r, json_array_size(o->extras))));
    if (step && g) {
      bind_group(step, g);
      json_object_set_new(step, "group", json_string(g));
    }
    if (step)
      json_object_set_new(step, "mutated", json_string("*"));
    return step;
  }
  *near = 0;
  if (!*near && changed && o->role != EF_ROLE_READ) {
    /* The documents do not say what a group in this state allows: a
     * refusal is a warn; what was accepted must still read back. */
    json_t *e = json_object_get(step, "expect");
    if (json_is_object(e))
      json_object_set_new(e, "silent", json_true());
  }
  return step;
}

static json_t *readback_of(const cfm__ef_vendor *v, const char *g) {
  json_t *step = json_deep_copy(v->ops[v->read].base);
  if (!step)
    return NULL;
  bind_group(step, g);
  json_object_set_new(step, "group", json_string(g));
  json_object_set_new(step, "readback", json_true());
  return step;
}

typedef struct trial_state {
  char gone[EF_MAX_STEPS][16]; /* groups deleted by the trial */
  size_t ngone;
  char live[EF_MAX_STEPS][16]; /* group capture names still alive */
  int changed[EF_MAX_STEPS];   /* a state fact applies (disabled ...) */
  size_t nlive, next;
} trial_state;

static void add_create(cfm__ef_rng *r, const cfm__ef_vendor *v, trial_state *ts, json_t *steps,
                       size_t prefix_len) {
  const cfm__ef_op *o = &v->ops[v->create];
  int near = 0;
  json_t *step = call_of(r, o, NULL, 0, prefix_len, &near);
  char name[16];
  if (!step)
    return;
  snprintf(name, sizeof(name), "g%zu", ++ts->next);
  if (!near) {
    json_object_set_new(
        step, "capture",
        json_pack("{s:s}", name, cfm_json_str(json_object_get(o->op, "creates"), "id")));
    json_object_set_new(step, "group", json_string(name));
    snprintf(ts->live[ts->nlive], sizeof(ts->live[0]), "%s", name);
    ts->changed[ts->nlive++] = 0;
  }
  json_array_append_new(steps, step);
}

/* One call on live group k (or on none, for list operations). */
static void add_call(cfm__ef_rng *r, const cfm__ef_vendor *v, trial_state *ts, json_t *steps,
                     size_t prefix_len) {
  size_t i = cfm__ef_below(r, v->nops), k = cfm__ef_below(r, ts->nlive);
  const cfm__ef_op *o = &v->ops[i];
  const char *g = o->group ? ts->live[k] : NULL;
  int near = 0;
  json_t *step;
  if (o->group && o->gone && ts->ngone && cfm__ef_below(r, 4) == 0) {
    /* A documented rule of state: a deleted group is not found. */
    const char *dead = ts->gone[cfm__ef_below(r, ts->ngone)];
    step = json_deep_copy(o->base);
    bind_group(step, dead);
    json_object_set_new(step, "group", json_string(dead));
    json_object_set(step, "expect", (json_t *)o->gone);
    json_object_set_new(step, "mutated", json_string("*"));
    json_object_set_new(step, "gone", json_true());
    json_array_append_new(steps, step);
    return;
  }
  if ((int)i == v->create || (o->group && !ts->nlive))
    return;
  if ((int)i == v->read && v->read >= 0 && cfm__ef_below(r, 2)) {
    json_array_append_new(steps, readback_of(v, g));
    return;
  }
  step = call_of(r, o, g, g ? ts->changed[k] : 0, prefix_len, &near);
  if (!step)
    return;
  json_array_append_new(steps, step);
  if (near || !g)
    return;
  if ((int)i == v->del) {
    memcpy(ts->gone[ts->ngone++], ts->live[k], sizeof(ts->gone[0]));
    memmove(&ts->live[k], &ts->live[k + 1], (ts->nlive - k - 1) * sizeof(ts->live[0]));
    memmove(&ts->changed[k], &ts->changed[k + 1], (ts->nlive - k - 1) * sizeof(int));
    ts->nlive--;
    return;
  }
  if (json_object_get(v->facts, o->id))
    ts->changed[k] = 1;
  if (v->read >= 0 && cfm__ef_below(r, 2))
    json_array_append_new(steps, readback_of(v, g));
}

json_t *cfm__ef_trial(cfm__ef_rng *r, const cfm__ef_vendor *v, size_t prefix_len, int local) {
  json_t *steps;
  trial_state ts;
  size_t n, i;
  /* One trial in EF_SEQ_ONE_IN is a documented sequence, run whole. */
  if (json_array_size(v->seqs) && cfm__ef_below(r, EF_SEQ_ONE_IN) == 0 &&
      (steps = cfm__ef_seq_trial(r, v, local)) != NULL)
    return steps;
  n = 1 + cfm__ef_below(r, EF_MAX_STEPS - 1);
  if (!(steps = json_array()))
    return NULL;
  memset(&ts, 0, sizeof(ts));
  for (i = 0; i < n && json_array_size(steps) < EF_MAX_STEPS; i++) {
    if (v->create >= 0 && (!ts.nlive || cfm__ef_below(r, 5) == 0) && ts.next < EF_MAX_STEPS - 1)
      add_create(r, v, &ts, steps, prefix_len);
    else
      add_call(r, v, &ts, steps, prefix_len);
  }
  /* Close: what the trial created and did not delete goes now. */
  for (i = 0; i < ts.nlive && v->del >= 0; i++) {
    json_t *step = json_deep_copy(v->ops[v->del].base);
    bind_group(step, ts.live[i]);
    json_object_set_new(step, "group", json_string(ts.live[i]));
    if (ts.changed[i])
      json_object_set_new(json_object_get(step, "expect"), "silent", json_true());
    json_array_append_new(steps, step);
  }
  return steps;
}
