/* conform — the verdict of an expected success (verdict.h's rule 5): the
 * status, a JSON body, the response schema, body checks, the array cap,
 * the stored size, then the captures and created resources it yields.
 * Pure like verdict.c, which owns every other rule and the order in which
 * they apply; this file must not judge error answers or transport. */
#include "conform/jsonutil.h"
#include "conform/schema.h"
#include "verdict_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks {pointer, equals} of an already resolved expectation. */
static int check_equals(const json_t *at, const json_t *w, const char *ptr, char *why, size_t cap) {
  int ok = json_equal(w, (json_t *)at) ||
           (json_is_string(w) && json_is_integer(at) &&
            strtoll(json_string_value(w), NULL, 10) == json_integer_value(at));
  if (!ok) {
    char *a = json_dumps(at, JSON_COMPACT | JSON_ENCODE_ANY),
         *e = json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(why, cap, "%s is %.120s, expected %.120s", ptr, a ? a : "?", e ? e : "?");
    free(a);
    free(e);
  }
  return ok;
}

/* Checks {pointer, contains}: some item of the array has every field of w. */
static int check_contains(const json_t *at, const json_t *w, const char *ptr, char *why,
                          size_t cap) {
  size_t i;
  const json_t *item;
  json_array_foreach(at, i, item) {
    const char *k;
    json_t *wv;
    int all = 1;
    json_object_foreach((json_t *)w, k, wv) {
      const json_t *iv = json_object_get(item, k);
      if (!iv || !json_equal(iv, wv))
        all = 0;
    }
    if (all)
      return 1;
  }
  {
    char *e = json_dumps(w, JSON_COMPACT);
    snprintf(why, cap, "%s has no item with %.200s", ptr, e ? e : "?");
    free(e);
  }
  return 0;
}

/* Checks {pointer, equals|exists|length|contains} on a body. */
static int body_check(const json_t *body, const json_t *chk, char *why, size_t cap) {
  const char *ptr = cfm_json_str(chk, "pointer");
  const json_t *at = cfm_json_pointer(body, ptr ? ptr : "");
  const json_t *want;
  if ((want = json_object_get(chk, "exists")) != NULL) {
    if (json_is_true(want) != (at != NULL)) {
      snprintf(why, cap, "%s %s", ptr, at ? "is present" : "is missing");
      return 0;
    }
    return 1;
  }
  if (!at) {
    snprintf(why, cap, "%s is missing from the response", ptr);
    return 0;
  }
  if ((want = json_object_get(chk, "equals")) != NULL)
    return check_equals(at, want, ptr, why, cap);
  if ((want = json_object_get(chk, "length")) != NULL) {
    if ((json_int_t)json_array_size(at) != json_integer_value(want)) {
      snprintf(why, cap, "%s has %zu items, expected %lld", ptr, json_array_size(at),
               (long long)json_integer_value(want));
      return 0;
    }
    return 1;
  }
  if ((want = json_object_get(chk, "contains")) != NULL)
    return check_contains(at, want, ptr, why, cap);
  return 1;
}

/* The captures and created resources of a successful call.  Returns 0 when
 * a capture is missing (verdict recorded), -1 out of memory, 1 otherwise. */
int cfm__verdict_yield_values(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                              const json_t *body, cfm_judgement *j) {
  const char *name;
  json_t *ptr;
  const json_t *cr = json_object_get(op, "creates");
  const json_t *id = cr ? cfm_json_pointer(body, cfm_json_str(cr, "id")) : NULL;
  json_object_foreach((json_t *)step->capture, name, ptr) {
    const json_t *val = cfm_json_pointer(body, json_string_value(ptr));
    if (!val) {
      cfm_judgement_set(j, CFM_VERDICT_FAIL, step->expect.provenance,
                        "response has no %s to capture as ${%s}", json_string_value(ptr), name);
      return 0;
    }
    if (!j->captures && !(j->captures = json_object()))
      return -1;
    if (json_object_set(j->captures, name, (json_t *)val))
      return -1;
  }
  /* Resources this call created: deleted when the case ends. */
  if (id) {
    json_t *e = json_pack("{s:s, s:s?, s:O}", "vendor", spec->vendor, "op",
                          cfm_json_str(json_object_get(cr, "cleanup"), "op"), "id", id);
    if (!e || !(j->created = json_array())) {
      json_decref(e);
      return -1;
    }
    if (json_array_append_new(j->created, e))
      return -1;
  }
  return 1;
}

/* Schema, body checks and the array cap of a success (not for set-up). */
static int success_checks(const json_t *op, const cfm_step *step, const json_t *checks,
                          const json_t *body, cfm_verdict bad, cfm_judgement *j) {
  const cfm_expect *e = &step->expect;
  const json_t *schema = json_object_get(json_object_get(op, "response"), "schema");
  const json_t *chk;
  size_t i;
  if (schema && e->schema) {
    cfm_violations v;
    int n = cfm_schema_validate(schema, body, &v);
    if (n > 0) {
      const json_t *rp = json_object_get(json_object_get(op, "response"), "provenance");
      cfm_judgement_set(j, CFM_VERDICT_FAIL, rp ? rp : e->provenance,
                        "response does not match the documented fields: %s %s (%d violation%s)",
                        v.items[0].pointer, v.items[0].message, n, n == 1 ? "" : "s");
      return 0;
    }
  }
  json_array_foreach(checks, i, chk) {
    char why[300];
    if (!body_check(body, chk, why, sizeof(why))) {
      cfm_judgement_set(j, bad, e->provenance, "%s: %s", e->what, why);
      return 0;
    }
  }
  if (e->array_max_pointer) {
    const json_t *arr = cfm_json_pointer(body, e->array_max_pointer);
    if (!json_is_array(arr) || (long long)json_array_size(arr) > e->array_max) {
      cfm_judgement_set(j, bad, e->provenance, "%s: %s has %zu items", e->what,
                        e->array_max_pointer, json_array_size(arr));
      return 0;
    }
  }
  return 1;
}

/* The size of a value read back, in unit (chars: code points, bytes,
 * items); -1 when it has no size in that unit. */
static long long stored_size(const json_t *v, const char *unit) {
  if (json_is_array(v))
    return (long long)json_array_size(v);
  if (json_is_integer(v))
    return (long long)json_integer_value(v);
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t i, n = 0, len = json_string_length(v);
    if (!strcmp(unit, "bytes"))
      return (long long)len;
    for (i = 0; i < len; i++)
      n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return (long long)n;
  }
  return -1;
}

/* The read-back oracle: the target accepted a value beyond a documented
 * maximum; what it stored decides.  Beyond the maximum: fail citing the
 * limit; cut to fit: warn saying what was stored. */
static int stored_as_documented(const cfm_expect *e, const json_t *body, cfm_judgement *j) {
  const json_t *v = cfm_json_pointer(body, e->stored_pointer);
  long long n = v ? stored_size(v, e->stored_unit) : -1;
  if (n < 0) {
    cfm_judgement_set(j, CFM_VERDICT_WARN, e->provenance,
                      "the target accepted %lld %s (the limit is %lld); reading it back shows no "
                      "value at %s",
                      e->stored_sent, e->stored_unit, e->stored_max, e->stored_pointer);
    return 1;
  }
  if (n > e->stored_max) {
    cfm_judgement_set(j, CFM_VERDICT_FAIL, e->provenance,
                      "the target stored %lld %s at %s, beyond the documented maximum of %lld", n,
                      e->stored_unit, e->stored_pointer, e->stored_max);
    return 0;
  }
  cfm_judgement_set(j, CFM_VERDICT_WARN, e->provenance,
                    "the target accepted %lld %s (the limit is %lld) and stored %lld at %s "
                    "(truncated or clamped); refusing is our reading",
                    e->stored_sent, e->stored_unit, e->stored_max, n, e->stored_pointer);
  return 1;
}

/* A success is expected (or this is a set-up step). */
int cfm__verdict_judge_success(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                               const json_t *checks, int setup, const cfm_http_response *res,
                               const cfm_mapped *m, cfm_judgement *j) {
  const cfm_expect *e = &step->expect;
  cfm_verdict bad = e->silent ? CFM_VERDICT_WARN : CFM_VERDICT_FAIL;
  json_t *body;
  char perr[200];
  int rc;
  if (m->is_error) {
    cfm_judgement_set(j, bad, e->provenance, "expected: %s; got HTTP %ld, %s%s%s (%s)", e->what,
                      res->status, m->code[0] ? m->code : cfm_class_name(m->cls),
                      m->message[0] ? ": " : "", m->message, m->why);
    return 0;
  }
  if (!cfm__verdict_status_as_expected(j, bad, e, res))
    return 0;
  body = cfm_json_parse(res->body, res->len, 16u << 20, perr, sizeof(perr));
  if (!body) {
    cfm_judgement_set(j, bad, e->provenance,
                      "the response body is not JSON (%s; Content-Type '%s')", perr,
                      res->content_type);
    return 0;
  }
  if (!setup && !strstr(res->content_type, "json")) {
    json_t *ap = json_pack("{s:s}", "assumed", "the documents show JSON bodies");
    cfm_judgement_set(j, CFM_VERDICT_WARN, ap, "JSON body with Content-Type '%s'",
                      res->content_type);
    json_decref(ap);
  }
  rc = setup ? 1 : success_checks(op, step, checks, body, bad, j);
  if (rc == 1 && !setup && e->stored_pointer)
    rc = stored_as_documented(e, body, j);
  if (rc == 1)
    rc = cfm__verdict_yield_values(spec, op, step, body, j);
  json_decref(body);
  return rc;
}
