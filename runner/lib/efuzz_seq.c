/* conform — the endpoint fuzzer's documented sequences: the rule, scenario
 * and observable-limit cases of a vendor (create, delete, then use; a
 * public group's allowinvites read back; members past maxusers; a list
 * filled past its clamp; a list walked page by page) taken whole from the
 * deterministic cases, as trials the generator mixes with its own.  Every
 * step is marked "keep": shrinking only drops what follows the failure.
 * Must not judge (efuzz_exec.c) nor vary values (efuzz_gen.c). */
#include "efuzz_internal.h"

#include <stdio.h>
#include <string.h>

#include "conform/jsonutil.h"

/* Cases whose statement needs a sequence or state the generated calls do
 * not build: rules, scenarios, and limits made observable (a list filled
 * past its clamp by a repeated set-up, an over-limit value read back). */
static int wanted(const cfm_case *c, const json_t *steps) {
  const json_t *st;
  size_t i;
  if (c->kind_id == CFM_CASE_RULE || c->kind_id == CFM_CASE_SCENARIO)
    return 1;
  if (c->kind_id != CFM_CASE_LIMIT)
    return 0;
  json_array_foreach(steps, i, st) {
    if (json_object_get(st, "repeat") ||
        json_is_true(json_object_get(json_object_get(st, "expect"), "read_back")))
      return 1;
  }
  return 0;
}

/* The request as the run builds it (flow.c, call_request): set-up, rule
 * and scenario steps name only what differs from the operation's example,
 * in path, query, headers and an object body. */
static void normalize(json_t *st, int partial) {
  static const char *const slots[] = {"path", "query", "headers"};
  json_t *req = json_object_get(st, "request");
  size_t s;
  json_object_set_new(st, "keep", json_true());
  if (json_object_get(st, "walk") || !(partial || json_is_true(json_object_get(st, "setup"))))
    return;
  if (!req) {
    req = json_object();
    json_object_set_new(st, "request", req);
  }
  for (s = 0; s < 3; s++)
    if (!json_is_object(json_object_get(req, slots[s])))
      json_object_set_new(req, slots[s], json_object());
  if (json_object_get(req, "body") && !json_is_object(json_object_get(req, "body")))
    json_object_del(req, "body");
}

int cfm__ef_seqs_read(cfm__ef_vendor *v, const cfm_caselist *cl) {
  size_t i, k;
  if (!(v->seqs = json_array()))
    return CFM_ENOMEM;
  for (i = 0; i < cl->count; i++) {
    const cfm_case *c = &cl->items[i];
    json_t *steps, *st;
    int partial = c->kind_id == CFM_CASE_RULE || c->kind_id == CFM_CASE_SCENARIO;
    if (c->spec != v->spec)
      continue;
    if (!(steps = cfm_case_steps(c)))
      return CFM_ENOMEM;
    if (!wanted(c, steps)) {
      json_decref(steps);
      continue;
    }
    json_array_foreach(steps, k, st) normalize(st, partial);
    if (json_array_append_new(v->seqs, json_pack("{s:s, s:o, s:b}", "id", c->id, "steps", steps,
                                                 "heavy", c->heavy_setup > 0)))
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}

json_t *cfm__ef_seq_trial(cfm__ef_rng *r, const cfm__ef_vendor *v, int local) {
  size_t n = json_array_size(v->seqs), tries;
  for (tries = 0; n && tries < 8; tries++) {
    const json_t *s = json_array_get(v->seqs, cfm__ef_below(r, n));
    if (json_is_true(json_object_get(s, "heavy")) && (!local || cfm__ef_below(r, 8)))
      continue; /* too many groups for a live target; locally, one draw in 8 */
    return json_deep_copy(json_object_get(s, "steps"));
  }
  return NULL;
}

int cfm__ef_seq_foreign(const json_t *op, const json_t *resolved, const json_t *made) {
  const json_t *bind = json_object_get(op, "bind"), *p;
  size_t i;
  if (!json_is_true(json_object_get(op, "destructive")))
    return 0;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in");
    const char *b = cfm_json_str(bind, name ? name : "");
    const json_t *v;
    char text[256];
    if (!name || !in || !b || strncmp(b, "${", 2) || !strncmp(b, "${var.", 6) ||
        !strncmp(b, "${run", 5) || (strcmp(in, "path") && strcmp(in, "body")))
      continue;
    v = json_object_get(json_object_get(resolved, in), name);
    if (!v && !strcmp(in, "body"))
      continue; /* names nothing */
    if (!v || !(json_is_string(v) || json_is_integer(v)))
      return 1;
    cfm_json_scalar_text(v, text, sizeof(text));
    if (!text[0] || !json_object_get(made, text))
      return 1;
  }
  return 0;
}
