/* conform — the report.json sink: case results <-> report.json objects,
 * the file's head and its summary/coverage tail, and the escaping every
 * writer uses.  Touches no other report file. */
#include "report_sink.h"

#include "conform/sanitize.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cfm__xml_escape(FILE *f, const char *s) {
  cfm_sanitize_write(f, NULL, s, s ? strlen(s) : 0, CFM__FIELD_MAX, CFM_SINK_XML);
}

json_t *cfm__json_text(const char *s) {
  size_t n;
  char *clean = cfm_sanitize(NULL, s, s ? strlen(s) : 0, CFM__FIELD_MAX, CFM_SINK_JSON, &n);
  json_t *j = clean ? json_stringn(clean, n) : NULL;
  free(clean);
  return j;
}

void cfm__coverage_key(const char *spec, const char *pointer, char *out, size_t cap) {
  const char *base, *slash;
  size_t blen;
  if (!spec)
    spec = "";
  slash = strrchr(spec, '/');
  base = slash ? slash + 1 : spec;
  blen = strlen(base);
  if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
    blen -= 5;
  snprintf(out, cap, "%.*s#%s", (int)blen, base, pointer ? pointer : "");
}

int cfm__provenance_grade(const json_t *prov) {
  if (!json_is_object(prov))
    return 3;
  if (json_object_get(prov, "doc"))
    return 0;
  if (json_object_get(prov, "secondary"))
    return 1;
  if (json_object_get(prov, "assumed"))
    return 2;
  return 3;
}

static int set_text(json_t *o, const char *key, const char *s) {
  return json_object_set_new(o, key, cfm__json_text(s));
}

json_t *cfm__case_to_json(const cfm_case_result *r) {
  json_t *o = json_object(), *resp;
  if (!o)
    return NULL;
  set_text(o, "id", r->id);
  set_text(o, "vendor", r->vendor);
  set_text(o, "operation", r->operation);
  set_text(o, "kind", r->kind);
  json_object_set_new(o, "verdict", json_string(cfm_verdict_name(r->verdict)));
  set_text(o, "reason", r->reason);
  json_object_set(o, "provenance", r->provenance ? r->provenance : json_null());
  set_text(o, "request", r->request_summary);
  set_text(o, "repro", r->repro);
  if (r->repro_file)
    set_text(o, "repro_file", r->repro_file);
  resp = json_object();
  json_object_set_new(resp, "status", json_integer(r->http_status));
  set_text(resp, "vendor_code", r->vendor_code);
  set_text(resp, "class", r->observed_class);
  set_text(resp, "excerpt", r->response_excerpt);
  json_object_set_new(o, "response", resp);
  json_object_set_new(o, "duration_ms", json_real(r->duration_ms));
  json_object_set_new(o, "baselined", json_boolean(r->baselined));
  json_object_set_new(o, "covers", r->covers ? json_incref(r->covers) : json_array());
  json_object_set_new(o, "expected_rows",
                      r->expected_rows ? json_incref(r->expected_rows) : json_array());
  json_object_set_new(o, "observed_rows",
                      r->observed_rows ? json_incref(r->observed_rows) : json_array());
  return o;
}

static char *dup_field(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return strdup(s ? s : "");
}

int cfm__case_from_json(const json_t *obj, cfm_case_result *r) {
  const json_t *resp, *v;
  int verdict;
  memset(r, 0, sizeof(*r));
  if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "id")))
    return -1;
  verdict = cfm_verdict_parse(json_string_value(json_object_get(obj, "verdict")));
  if (verdict < 0)
    return -1;
  r->verdict = (cfm_verdict)verdict;
  r->id = dup_field(obj, "id");
  r->vendor = dup_field(obj, "vendor");
  r->operation = dup_field(obj, "operation");
  r->kind = dup_field(obj, "kind");
  r->reason = dup_field(obj, "reason");
  r->request_summary = dup_field(obj, "request");
  r->repro = dup_field(obj, "repro");
  v = json_object_get(obj, "repro_file");
  r->repro_file = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
  v = json_object_get(obj, "provenance");
  r->provenance = json_is_object(v) ? json_deep_copy(v) : NULL;
  resp = json_object_get(obj, "response");
  r->http_status = (long)json_integer_value(json_object_get(resp, "status"));
  r->vendor_code = dup_field(resp, "vendor_code");
  r->observed_class = dup_field(resp, "class");
  r->response_excerpt = dup_field(resp, "excerpt");
  r->duration_ms = json_number_value(json_object_get(obj, "duration_ms"));
  /* Only a failure can be accepted by a baseline (as the runner sets it). */
  r->baselined = r->verdict == CFM_VERDICT_FAIL && json_is_true(json_object_get(obj, "baselined"));
  v = json_object_get(obj, "covers");
  r->covers = json_is_array(v) ? json_deep_copy(v) : NULL;
  v = json_object_get(obj, "expected_rows");
  r->expected_rows = json_is_array(v) ? json_deep_copy(v) : NULL;
  v = json_object_get(obj, "observed_rows");
  r->observed_rows = json_is_array(v) ? json_deep_copy(v) : NULL;
  if (!r->id || !r->vendor || !r->operation || !r->kind || !r->reason || !r->request_summary ||
      !r->repro || !r->vendor_code || !r->observed_class || !r->response_excerpt) {
    cfm_case_result_release(r);
    return -1;
  }
  return 0;
}

static json_t *verdict_counts(const size_t *counts) {
  json_t *o = json_object();
  int v;
  for (v = 0; v < CFM_VERDICT__COUNT; v++)
    json_object_set_new(o, cfm_verdict_name((cfm_verdict)v), json_integer((json_int_t)counts[v]));
  return o;
}

json_t *cfm__json_summary(cfm_report *r, double wall_ms) {
  static const char *const grades[] = {"doc", "secondary", "assumed", "none"};
  json_t *s = verdict_counts(r->counts), *byprov = json_object(), *byop = json_array();
  size_t i;
  json_object_set_new(s, "total", json_integer((json_int_t)r->n));
  json_object_set_new(s, "baselined", json_integer((json_int_t)r->baselined));
  json_object_set_new(s, "wall_ms", json_real(wall_ms));
  for (i = 0; i < 4; i++)
    json_object_set_new(byprov, grades[i], verdict_counts(r->prov_counts[i]));
  json_object_set_new(s, "by_provenance", byprov);
  for (i = 0; i < r->nops; i++) {
    json_t *o = verdict_counts(r->ops[i].counts);
    json_object_set_new(o, "vendor", cfm__json_text(r->ops[i].vendor));
    json_object_set_new(o, "operation", cfm__json_text(r->ops[i].operation));
    json_array_append_new(byop, o);
  }
  json_object_set_new(s, "by_operation", byop);
  return s;
}

/* The head of report.json up to the opening of "cases"; 0, or -1 when out
 * of memory. */
int cfm__json_head(cfm_report *r) {
  json_t *head;
  char *text;
  head = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:O, s:o}", "format", "conform-report/1", "tool",
                   "name", "conform", "version", CONFORM_VERSION, "run_id", r->run_id, "started",
                   r->started, "targets", r->targets, "shard",
                   r->shard ? json_string(r->shard) : json_null());
  text = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(head);
  if (!text)
    return -1;
  /* Drop the closing brace: cases, summary and coverage follow. */
  text[strlen(text) - 1] = '\0';
  fprintf(r->json, "%s,\n\"cases\":[", text);
  free(text);
  return 0;
}

/* Closes "cases", writes the summary and the coverage, and commits
 * report.json (a failure is noted in r). */
void cfm__json_finish(cfm_report *r, double wall_ms) {
  json_t *s = cfm__json_summary(r, wall_ms), *c = cfm__cov_json(r);
  fputs("\n],\n\"summary\":", r->json);
  if (!s || json_dumpf(s, r->json, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
    cfm__report_note_failure(r, "report.json", s ? errno : ENOMEM);
    r->json_failed = 1;
  }
  fputs(",\n\"coverage\":", r->json);
  if (!c || json_dumpf(c, r->json, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
    cfm__report_note_failure(r, "report.json", c ? errno : ENOMEM);
    r->json_failed = 1;
  }
  fputs("}\n", r->json);
  json_decref(s);
  json_decref(c);
  cfm__report_commit(r, r->json, "report.json", r->json_failed);
}
