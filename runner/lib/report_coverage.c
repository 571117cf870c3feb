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

void cfm__cov_note(cfm_report *r, const cfm_case_result *res) {
  size_t i;
  for (i = 0; i < json_array_size(res->covers); i++) {
    const char *c = json_string_value(json_array_get(res->covers, i));
    const char *hash;
    char key[600];
    cov_item probe, *hit;
    if (!c || !(hash = strchr(c, '#')))
      continue;
    {
      char spec[512];
      snprintf(spec, sizeof(spec), "%.*s", (int)(hash - c), c);
      cfm__coverage_key(spec, hash + 1, key, sizeof(key));
    }
    probe.key = key;
    hit = r->ncov ? bsearch(&probe, r->cov, r->ncov, sizeof(*r->cov), cov_cmp) : NULL;
    if (!hit)
      continue;
    hit->ncases++;
    if (res->verdict == CFM_VERDICT_PASS)
      hit->npass++;
    else if (res->verdict == CFM_VERDICT_FAIL)
      hit->nfail++;
    if (json_array_size(hit->case_ids) < COV_CASE_IDS)
      json_array_append_new(hit->case_ids, cfm__json_text(res->id));
  }
}

json_t *cfm__cov_json(cfm_report *r) {
  json_t *c = json_object(), *items = json_array();
  size_t i, exercised = 0, observed = 0;
  for (i = 0; i < r->ncov; i++) {
    json_t *o = json_deep_copy(r->cov[i].item);
    if (!o)
      continue;
    json_object_set_new(o, "cases", json_integer((json_int_t)r->cov[i].ncases));
    json_object_set_new(o, "passed", json_integer((json_int_t)r->cov[i].npass));
    json_object_set_new(o, "failed", json_integer((json_int_t)r->cov[i].nfail));
    json_object_set(o, "case_ids", r->cov[i].case_ids);
    json_object_set_new(o, "observed", json_boolean(r->cov[i].npass > 0));
    json_array_append_new(items, o);
    exercised += r->cov[i].ncases > 0;
    observed += r->cov[i].npass > 0;
  }
  json_object_set_new(c, "documented", json_integer((json_int_t)r->ncov));
  json_object_set_new(c, "exercised", json_integer((json_int_t)exercised));
  json_object_set_new(c, "observed", json_integer((json_int_t)observed));
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
