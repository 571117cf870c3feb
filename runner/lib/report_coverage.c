/* conform — the coverage counters of a report: the documented items
 * (bounded by the specs' size, kept sorted in memory) and, per item, the
 * cases that exercised it.  Writes no file itself: report.json and
 * report.html read what it counts. */
#include "report_sink.h"

#include <stdlib.h>
#include <string.h>

static int cov_cmp(const void *a, const void *b) {
  return strcmp(((const cov_item *)a)->key, ((const cov_item *)b)->key);
}

int cfm__cov_load(cfm_report *r, const json_t *items) {
  size_t i, n = json_array_size(items);
  if (n == 0)
    return 0;
  r->cov = calloc(n, sizeof(*r->cov));
  if (!r->cov)
    return -1;
  for (i = 0; i < n; i++) {
    json_t *it = json_array_get(items, i);
    char key[600];
    if (!json_is_object(it))
      continue;
    cfm__coverage_key(json_string_value(json_object_get(it, "spec")),
                      json_string_value(json_object_get(it, "pointer")), key, sizeof(key));
    r->cov[r->ncov].key = strdup(key);
    r->cov[r->ncov].item = json_incref(it);
    r->cov[r->ncov].case_ids = json_array();
    if (!r->cov[r->ncov++].key || !r->cov[r->ncov - 1].case_ids)
      return -1;
  }
  qsort(r->cov, r->ncov, sizeof(*r->cov), cov_cmp);
  return 0;
}

/* The item of a "spec#pointer" text (the spec may be a path), or NULL. */
static cov_item *find_item(cfm_report *r, const char *c) {
  const char *hash;
  char key[600], spec[512];
  cov_item probe;
  if (!c || !r->ncov || !(hash = strchr(c, '#')))
    return NULL;
  snprintf(spec, sizeof(spec), "%.*s", (int)(hash - c), c);
  cfm__coverage_key(spec, hash + 1, key, sizeof(key));
  probe.key = key;
  return bsearch(&probe, r->cov, r->ncov, sizeof(*r->cov), cov_cmp);
}

/* Counts res once under every item of list; seen: the target's answer
 * matched the item (an observed error row). */
static void count_list(cfm_report *r, const cfm_case_result *res, const json_t *list, int seen) {
  size_t i;
  for (i = 0; i < json_array_size(list); i++) {
    cov_item *hit = find_item(r, json_string_value(json_array_get(list, i)));
    if (!hit)
      continue;
    if (seen)
      hit->nseen++;
    if (hit->stamp == r->n)
      continue;
    hit->stamp = r->n;
    hit->ncases++;
    if (res->verdict == CFM_VERDICT_PASS)
      hit->npass++;
    else if (res->verdict == CFM_VERDICT_FAIL)
      hit->nfail++;
    if (json_array_size(hit->case_ids) < COV_CASE_IDS)
      json_array_append_new(hit->case_ids, cfm__json_text(res->id));
  }
}

void cfm__cov_note(cfm_report *r, const cfm_case_result *res) {
  count_list(r, res, res->covers, 0);
  count_list(r, res, res->expected_rows, 0);
  count_list(r, res, res->observed_rows, 1);
}

/* Observed: for an error row, a case saw the target answer with it; for
 * any other item, a case exercising it passed. */
static int observed(const cov_item *c) {
  const char *kind = json_string_value(json_object_get(c->item, "kind"));
  return kind && !strcmp(kind, "error") ? c->nseen > 0 : c->npass > 0;
}

/* Adds one item to the counters of its kind in by_kind. */
static void count_kind(json_t *by_kind, const cov_item *c) {
  static const char *const keys[] = {"documented", "exercised", "observed"};
  const char *kind = json_string_value(json_object_get(c->item, "kind"));
  json_t *k = json_object_get(by_kind, kind ? kind : "?");
  int add[3], i;
  if (!k) {
    k = json_pack("{s:i, s:i, s:i}", keys[0], 0, keys[1], 0, keys[2], 0);
    if (!k || json_object_set_new(by_kind, kind ? kind : "?", k))
      return;
  }
  add[0] = 1;
  add[1] = c->ncases > 0;
  add[2] = observed(c);
  for (i = 0; i < 3; i++)
    json_object_set_new(k, keys[i],
                        json_integer(json_integer_value(json_object_get(k, keys[i])) + add[i]));
}

/* The documented part of an item, for the list of unexercised ones. */
static json_t *item_ref(const json_t *it) {
  return json_pack("{s:O?, s:O?, s:O?, s:O?}", "spec", json_object_get(it, "spec"), "pointer",
                   json_object_get(it, "pointer"), "kind", json_object_get(it, "kind"), "label",
                   json_object_get(it, "label"));
}

json_t *cfm__cov_json(cfm_report *r) {
  json_t *c = json_object(), *items = json_array(), *by_kind = json_object();
  json_t *unexercised = json_array();
  size_t i, exercised = 0, nobserved = 0;
  if (!c || !items || !by_kind || !unexercised) {
    json_decref(c);
    json_decref(items);
    json_decref(by_kind);
    json_decref(unexercised);
    return NULL;
  }
  for (i = 0; i < r->ncov; i++) {
    json_t *o = json_deep_copy(r->cov[i].item);
    if (!o)
      continue;
    json_object_set_new(o, "cases", json_integer((json_int_t)r->cov[i].ncases));
    json_object_set_new(o, "passed", json_integer((json_int_t)r->cov[i].npass));
    json_object_set_new(o, "failed", json_integer((json_int_t)r->cov[i].nfail));
    json_object_set_new(o, "seen", json_integer((json_int_t)r->cov[i].nseen));
    json_object_set(o, "case_ids", r->cov[i].case_ids);
    json_object_set_new(o, "observed", json_boolean(observed(&r->cov[i])));
    json_array_append_new(items, o);
    count_kind(by_kind, &r->cov[i]);
    exercised += r->cov[i].ncases > 0;
    nobserved += observed(&r->cov[i]) != 0;
    if (!r->cov[i].ncases)
      json_array_append_new(unexercised, item_ref(r->cov[i].item));
  }
  json_object_set_new(c, "documented", json_integer((json_int_t)r->ncov));
  json_object_set_new(c, "exercised", json_integer((json_int_t)exercised));
  json_object_set_new(c, "observed", json_integer((json_int_t)nobserved));
  json_object_set_new(c, "by_kind", by_kind);
  json_object_set_new(c, "unexercised", unexercised);
  json_object_set_new(c, "items", items);
  return c;
}

void cfm__cov_release(cfm_report *r) {
  size_t i;
  for (i = 0; i < r->ncov; i++) {
    free(r->cov[i].key);
    json_decref(r->cov[i].item);
    json_decref(r->cov[i].case_ids);
  }
  free(r->cov);
}
