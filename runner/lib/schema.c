/* conform — the JSON Schema subset validator (keywords in schema.h), plus
 * $ref to local definitions, allOf/anyOf/oneOf/not.  Reports every
 * violation with its JSON pointer; bounded recursion against hostile or
 * cyclic schemas. */
#include "conform/schema.h"
#include "conform/jsonutil.h"

#include <math.h>
#include "conform/pattern.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct vctx {
  const json_t *root; /* for $ref */
  cfm_violations *out;
  size_t total;
  int bad_schema;
} vctx;

/* ---- helpers ----------------------------------------------------------------- */

size_t cfm_utf8_length(const char *s, size_t len) {
  size_t i = 0, n = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (i < len) {
    size_t k = 1;
    unsigned char c = p[i];
    if (c >= 0xC2 && c <= 0xDF)
      k = 2;
    else if (c >= 0xE0 && c <= 0xEF)
      k = 3;
    else if (c >= 0xF0 && c <= 0xF4)
      k = 4;
    if (k > 1) {
      size_t j;
      if (i + k > len)
        k = 1;
      for (j = 1; j < k; j++)
        if ((p[i + j] & 0xC0) != 0x80) {
          k = 1;
          break;
        }
    }
    i += k;
    n++;
  }
  return n;
}

static void violation(vctx *c, const char *ptr, const char *kw, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void violation(vctx *c, const char *ptr, const char *kw, const char *fmt, ...) {
  c->total++;
  if (c->out && c->out->count < CFM_SCHEMA_MAX_VIOLATIONS) {
    cfm_violation *v = &c->out->items[c->out->count++];
    va_list ap;
    snprintf(v->pointer, sizeof(v->pointer), "%s", ptr);
    snprintf(v->keyword, sizeof(v->keyword), "%s", kw);
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
  }
}

const char *cfm_schema_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "?";
}

static int type_ok(const char *t, const json_t *v) {
  if (!strcmp(t, "object"))
    return json_is_object(v);
  if (!strcmp(t, "array"))
    return json_is_array(v);
  if (!strcmp(t, "string"))
    return json_is_string(v);
  if (!strcmp(t, "integer"))
    return json_is_integer(v) ||
           (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
            isfinite(json_real_value(v)));
  if (!strcmp(t, "number"))
    return json_is_number(v);
  if (!strcmp(t, "boolean"))
    return json_is_boolean(v);
  if (!strcmp(t, "null"))
    return json_is_null(v);
  return -1;
}

static double num(const json_t *v) {
  return json_number_value(v);
}

static void validate(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap, int depth);

/* Validates in a scratch context; returns the number of violations. */
static size_t count_violations(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap,
                               int depth) {
  vctx sub = {c->root, NULL, 0, 0};
  validate(&sub, s, v, ptr, cap, depth);
  if (sub.bad_schema)
    c->bad_schema = 1;
  return sub.total;
}

static const json_t *resolve_ref(vctx *c, const char *ref) {
  if (ref[0] != '#') {
    c->bad_schema = 1;
    return NULL;
  }
  return cfm_json_pointer(c->root, ref + 1);
}

/* "type": 0 when v has another type (the violation is recorded). */
static int check_type(vctx *c, const json_t *s, const json_t *v, const char *ptr) {
  const json_t *k;
  if ((k = json_object_get(s, "type")) != NULL) {
    int ok = 0;
    if (json_is_string(k)) {
      int r = type_ok(json_string_value(k), v);
      if (r < 0)
        c->bad_schema = 1;
      ok = r == 1;
    } else if (json_is_array(k)) {
      size_t i;
      const json_t *t;
      json_array_foreach(k, i, t) {
        if (json_is_string(t) && type_ok(json_string_value(t), v) == 1)
          ok = 1;
      }
    } else {
      c->bad_schema = 1;
    }
    if (!ok) {
      violation(c, ptr, "type", "expected %s, got %s",
                json_is_string(k) ? json_string_value(k) : "one of the listed types",
                cfm_schema_type_name(v));
      return 0; /* the other keywords would only repeat it */
    }
  }
  return 1;
}

/* "enum", "const", and the string keywords. */
static void check_scalar(vctx *c, const json_t *s, const json_t *v, const char *ptr) {
  const json_t *k;
  if ((k = json_object_get(s, "enum")) != NULL) {
    size_t i;
    const json_t *e;
    int hit = 0;
    json_array_foreach(k, i, e) hit |= json_equal(e, v);
    if (!hit)
      violation(c, ptr, "enum", "value not in the documented set");
  }
  if ((k = json_object_get(s, "const")) != NULL && !json_equal(k, v))
    violation(c, ptr, "const", "value differs from the documented constant");
  if (json_is_string(v)) {
    const char *str = json_string_value(v);
    size_t blen = json_string_length(v), chars = 0;
    int need_chars = json_object_get(s, "maxLength") || json_object_get(s, "minLength");
    if (need_chars)
      chars = cfm_utf8_length(str, blen);
    if ((k = json_object_get(s, "maxLength")) && json_is_number(k) && (double)chars > num(k))
      violation(c, ptr, "maxLength", "%zu characters, at most %.0f allowed", chars, num(k));
    if ((k = json_object_get(s, "minLength")) && json_is_number(k) && (double)chars < num(k))
      violation(c, ptr, "minLength", "%zu characters, at least %.0f required", chars, num(k));
    if ((k = json_object_get(s, "x-maxBytes")) && json_is_number(k) && (double)blen > num(k))
      violation(c, ptr, "x-maxBytes", "%zu bytes, at most %.0f allowed", blen, num(k));
    if ((k = json_object_get(s, "pattern")) && json_is_string(k)) {
      int r = cfm_pattern_match(json_string_value(k), str, blen);
      if (r < 0)
        c->bad_schema = 1;
      else if (r == 0)
        violation(c, ptr, "pattern", "does not match %.150s", json_string_value(k));
    }
  }
  if (json_is_number(v)) {
    double d = num(v);
    char a[32], b[32];
    if ((k = json_object_get(s, "minimum")) && json_is_number(k) && d < num(k))
      violation(c, ptr, "minimum", "%s is below the minimum %s", cfm_number_text(d, a, sizeof(a)),
                cfm_number_text(num(k), b, sizeof(b)));
    if ((k = json_object_get(s, "maximum")) && json_is_number(k) && d > num(k))
      violation(c, ptr, "maximum", "%s is above the maximum %s", cfm_number_text(d, a, sizeof(a)),
                cfm_number_text(num(k), b, sizeof(b)));
    /* draft 2020-12: a number; the bound itself is outside */
    if ((k = json_object_get(s, "exclusiveMinimum")) && json_is_number(k) && d <= num(k))
      violation(c, ptr, "exclusiveMinimum", "%s is not above the exclusive minimum %s",
                cfm_number_text(d, a, sizeof(a)), cfm_number_text(num(k), b, sizeof(b)));
    if ((k = json_object_get(s, "exclusiveMaximum")) && json_is_number(k) && d >= num(k))
      violation(c, ptr, "exclusiveMaximum", "%s is not below the exclusive maximum %s",
                cfm_number_text(d, a, sizeof(a)), cfm_number_text(num(k), b, sizeof(b)));
  }
}

/* The array keywords, then each item. */
static void check_array(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap,
                        int depth) {
  size_t plen = strlen(ptr);
  const json_t *k;
  if (json_is_array(v)) {
    size_t n = json_array_size(v), i;
    const json_t *item;
    if ((k = json_object_get(s, "maxItems")) && json_is_number(k) && (double)n > num(k))
      violation(c, ptr, "maxItems", "%zu items, at most %.0f allowed", n, num(k));
    if ((k = json_object_get(s, "minItems")) && json_is_number(k) && (double)n < num(k))
      violation(c, ptr, "minItems", "%zu items, at least %.0f required", n, num(k));
    if ((k = json_object_get(s, "items")) != NULL) {
      json_array_foreach(v, i, item) {
        cfm_json_pointer_append_index(ptr, cap, i);
        validate(c, k, item, ptr, cap, depth + 1);
        ptr[plen] = '\0';
      }
    }
  }
}

/* "required", then each member against its property or additionalProperties. */
static void check_object(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap,
                         int depth) {
  size_t plen = strlen(ptr);
  const json_t *k;
  if (json_is_object(v)) {
    const json_t *props = json_object_get(s, "properties"), *addl;
    const char *key;
    json_t *val;
    if ((k = json_object_get(s, "required")) != NULL) {
      size_t i;
      const json_t *r;
      json_array_foreach(k, i, r) {
        if (json_is_string(r) && !json_object_get(v, json_string_value(r))) {
          cfm_json_pointer_append(ptr, cap, json_string_value(r));
          violation(c, ptr, "required", "required member '%.100s' is missing",
                    json_string_value(r));
          ptr[plen] = '\0';
        }
      }
    }
    addl = json_object_get(s, "additionalProperties");
    json_object_foreach((json_t *)v, key, val) {
      const json_t *ps = props ? json_object_get(props, key) : NULL;
      cfm_json_pointer_append(ptr, cap, key);
      if (ps)
        validate(c, ps, val, ptr, cap, depth + 1);
      else if (json_is_false(addl))
        violation(c, ptr, "additionalProperties", "member '%.100s' is not allowed", key);
      else if (json_is_object(addl))
        validate(c, addl, val, ptr, cap, depth + 1);
      ptr[plen] = '\0';
    }
  }
}

/* "allOf" and "anyOf" (the closest alternative is reported). */
static void check_all_any(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap,
                          int depth) {
  const json_t *k;
  if ((k = json_object_get(s, "allOf")) != NULL) {
    size_t i;
    const json_t *sub;
    json_array_foreach(k, i, sub) validate(c, sub, v, ptr, cap, depth + 1);
  }
  if ((k = json_object_get(s, "anyOf")) != NULL) {
    size_t i, best = (size_t)-1;
    const json_t *sub, *best_s = NULL;
    int ok = 0;
    json_array_foreach(k, i, sub) {
      size_t n = count_violations(c, sub, v, ptr, cap, depth + 1);
      if (n == 0) {
        ok = 1;
        break;
      }
      if (n < best) {
        best = n;
        best_s = sub;
      }
    }
    if (!ok) {
      violation(c, ptr, "anyOf", "matches none of the alternatives; closest:");
      if (best_s)
        validate(c, best_s, v, ptr, cap, depth + 1);
    }
  }
}

/* "oneOf" and "not". */
static void check_one_not(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap,
                          int depth) {
  const json_t *k;
  if ((k = json_object_get(s, "oneOf")) != NULL) {
    size_t i, hits = 0, best = (size_t)-1;
    const json_t *sub, *best_s = NULL;
    json_array_foreach(k, i, sub) {
      size_t n = count_violations(c, sub, v, ptr, cap, depth + 1);
      if (n == 0)
        hits++;
      else if (n < best) {
        best = n;
        best_s = sub;
      }
    }
    if (hits == 0) {
      violation(c, ptr, "oneOf", "matches none of the alternatives; closest:");
      if (best_s)
        validate(c, best_s, v, ptr, cap, depth + 1);
    } else if (hits > 1) {
      violation(c, ptr, "oneOf", "matches %zu alternatives, exactly one allowed", hits);
    }
  }
  if ((k = json_object_get(s, "not")) != NULL &&
      count_violations(c, k, v, ptr, cap, depth + 1) == 0)
    violation(c, ptr, "not", "matches a schema it must not match");
}

static void validate(vctx *c, const json_t *s, const json_t *v, char *ptr, size_t cap, int depth) {
  const json_t *k;
  if (json_is_true(s))
    return;
  if (json_is_false(s)) {
    violation(c, ptr, "false", "no value is allowed here");
    return;
  }
  if (!json_is_object(s) || depth > MAX_DEPTH) {
    c->bad_schema = 1;
    return;
  }
  if ((k = json_object_get(s, "$ref")) != NULL) {
    const json_t *target = json_is_string(k) ? resolve_ref(c, json_string_value(k)) : NULL;
    if (!target) {
      c->bad_schema = 1;
      return;
    }
    validate(c, target, v, ptr, cap, depth + 1);
  }
  if (json_object_get(s, "type") && !check_type(c, s, v, ptr))
    return;
  check_scalar(c, s, v, ptr);
  check_array(c, s, v, ptr, cap, depth);
  check_object(c, s, v, ptr, cap, depth);
  check_all_any(c, s, v, ptr, cap, depth);
  check_one_not(c, s, v, ptr, cap, depth);
}

int cfm_schema_validate(const json_t *schema, const json_t *instance, cfm_violations *out) {
  vctx c;
  char ptr[256];
  if (out) {
    out->count = 0;
    out->total = 0;
  }
  if (!json_is_object(schema) && !json_is_boolean(schema))
    return -1;
  c.root = schema;
  c.out = out;
  c.total = 0;
  c.bad_schema = 0;
  ptr[0] = '\0';
  validate(&c, schema, instance, ptr, sizeof(ptr), 0);
  if (out)
    out->total = c.total;
  return c.bad_schema ? -1 : (int)(c.total > 0x7fffffff ? 0x7fffffff : c.total);
}
