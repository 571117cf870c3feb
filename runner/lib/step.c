/* conform — the step codec: a parsed step object -> cfm_step.
 *
 * Owns the reading of step and expectation keys (the writing side is
 * cases.c).  Must not judge, build requests or touch run state. */
#include "conform/step.h"
#include "conform/jsonutil.h"

#include <string.h>

static const char *const kind_names[] = {
#define CFM_CASE_KIND_NAME(name, text) text,
    CFM_CASE_KIND_MAP(CFM_CASE_KIND_NAME)
#undef CFM_CASE_KIND_NAME
};

cfm_case_kind cfm_case_kind_parse(const char *text) {
  size_t i;
  for (i = 0; text && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
    if (!strcmp(kind_names[i], text))
      return (cfm_case_kind)i;
  return CFM_CASE__UNKNOWN;
}

static cfm_auth_mode auth_mode(const char *s) {
  if (!s || !strcmp(s, "valid"))
    return CFM_AUTH_VALID;
  if (!strcmp(s, "missing"))
    return CFM_AUTH_MISSING;
  if (!strcmp(s, "malformed"))
    return CFM_AUTH_MALFORMED;
  if (!strcmp(s, "expired"))
    return CFM_AUTH_EXPIRED;
  return CFM_AUTH_WRONG_APP;
}

static void decode_expect(const json_t *e, cfm_expect *x) {
  const json_t *st = json_object_get(e, "status"), *am = json_object_get(e, "array_max");
  const char *outcome = cfm_json_str(e, "outcome");
  x->outcome = outcome && strcmp(outcome, "success") ? CFM_OUTCOME_ERROR : CFM_OUTCOME_SUCCESS;
  x->silent = json_is_true(json_object_get(e, "silent"));
  x->what = cfm_json_str(e, "what") ? cfm_json_str(e, "what") : "the documented outcome";
  x->has_status = json_is_integer(st);
  x->status = (long)json_integer_value(st);
  x->schema = !json_is_false(json_object_get(e, "schema"));
  x->provenance = json_object_get(e, "provenance");
  x->body = json_object_get(e, "body");
  x->errors = json_array_size(json_object_get(e, "errors")) ? json_object_get(e, "errors") : NULL;
  x->classes =
      json_array_size(json_object_get(e, "classes")) ? json_object_get(e, "classes") : NULL;
  if (am) {
    x->array_max_pointer = cfm_json_str(am, "pointer") ? cfm_json_str(am, "pointer") : "";
    x->array_max = (long long)json_integer_value(json_object_get(am, "max"));
  }
  x->covers = json_object_get(e, "covers");
  x->read_back = json_is_true(json_object_get(e, "read_back"));
  if (json_object_get(e, "stored")) {
    const json_t *sto = json_object_get(e, "stored");
    x->stored_pointer = cfm_json_str(sto, "pointer") ? cfm_json_str(sto, "pointer") : "";
    x->stored_max = (long long)json_integer_value(json_object_get(sto, "max"));
    x->stored_unit = cfm_json_str(sto, "unit") ? cfm_json_str(sto, "unit") : "chars";
    x->stored_sent = (long long)json_integer_value(json_object_get(sto, "sent"));
  }
}

static void decode_walk(const json_t *w, cfm_walk *x) {
  const json_t *cur = json_object_get(w, "cursor"), *page = json_object_get(w, "page");
  json_int_t max = json_integer_value(json_object_get(w, "max_pages"));
  x->op = cfm_json_str(w, "op");
  x->path = json_object_get(w, "path");
  x->query = json_object_get(w, "query");
  x->items = cfm_json_str(w, "items") ? cfm_json_str(w, "items") : "";
  x->id = cfm_json_str(w, "id") ? cfm_json_str(w, "id") : "";
  if (cur) {
    x->cursor_param = cfm_json_str(cur, "param") ? cfm_json_str(cur, "param") : "";
    x->cursor_from = cfm_json_str(cur, "from") ? cfm_json_str(cur, "from") : "";
  }
  if (page) {
    x->page_param = cfm_json_str(page, "param") ? cfm_json_str(page, "param") : "";
    x->page_start = (long long)json_integer_value(json_object_get(page, "start"));
  }
  x->max_pages = max > 0 && max <= 1000000 ? (unsigned)max : 100;
}

int cfm_step_decode(const json_t *j, cfm_step *out) {
  const json_t *walk = json_object_get(j, "walk"), *rep = json_object_get(j, "repeat");
  memset(out, 0, sizeof(*out));
  if (!json_is_object(j) || (!walk && !cfm_json_str(j, "op")))
    return -1;
  out->kind = walk ? CFM_STEP_WALK : CFM_STEP_CALL;
  out->request = json_object_get(j, "request");
  out->capture = json_object_get(j, "capture");
  out->setup = json_is_true(json_object_get(j, "setup"));
  out->repeat_given = rep != NULL;
  out->repeat = json_integer_value(rep) > 0 && json_integer_value(rep) <= 1000000
                    ? (unsigned)json_integer_value(rep)
                    : 1;
  out->auth = auth_mode(cfm_json_str(j, "auth"));
  out->raw_body = cfm_json_str(j, "raw_body");
  decode_expect(json_object_get(j, "expect"), &out->expect);
  if (walk) {
    decode_walk(walk, &out->walk);
    out->op = out->walk.op;
  } else {
    out->op = cfm_json_str(j, "op");
  }
  return 0;
}
