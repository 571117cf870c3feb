/* conform — merging shard reports into one run (all formats). */
#include "conform/fileio.h"
#include "conform/report.h"
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_BYTES (1024u * 1024u * 1024u)

/* The documented part of a coverage item, without a run's counters. */
static json_t *coverage_core(const json_t *item) {
  static const char *const keys[] = {"spec", "pointer", "kind", "label", "provenance"};
  json_t *o = json_object();
  size_t i;
  for (i = 0; o && i < sizeof(keys) / sizeof(keys[0]); i++) {
    json_t *v = json_object_get(item, keys[i]);
    if (v)
      json_object_set(o, keys[i], v);
  }
  return o;
}

static int check_report(const json_t *rep, const char *path, cfm_error_t *err) {
  const char *fmt = json_string_value(json_object_get(rep, "format"));
  if (!json_is_object(rep) || !fmt || strcmp(fmt, "conform-report/1") != 0 ||
      !json_is_array(json_object_get(rep, "cases")))
    return cfm_error_set(err, CFM_ECONFIG, path, "", "not a conform report.json");
  return CFM_EOK;
}

int cfm_report_merge(const char *const *report_jsons, size_t n, const char *reports_dir,
                     cfm_report_summary *summary, cfm_error_t *err) {
  json_t *targets = json_object(), *coverage = json_array(), *seen_cov = json_object();
  json_t *seen_ids = json_object();
  cfm_report_options opt;
  cfm_report *rep = NULL;
  double wall = 0;
  size_t i, j;
  int rc = CFM_EOK;
  if (!targets || !coverage || !seen_cov || !seen_ids) {
    rc = cfm_error_set(err, CFM_ENOMEM, "merge", "", "out of memory");
    goto out;
  }
  if (n == 0) {
    rc = cfm_error_set(err, CFM_EUSAGE, "merge", "", "no report.json given");
    goto out;
  }
  /* Pass 1: targets, the union of documented items, the longest shard. */
  for (i = 0; i < n; i++) {
    json_t *r = cfm_json_load_file(report_jsons[i], REPORT_MAX_BYTES, err);
    json_t *items;
    double w;
    if (!r) {
      rc = CFM_ECONFIG;
      goto out;
    }
    rc = check_report(r, report_jsons[i], err);
    if (rc) {
      json_decref(r);
      goto out;
    }
    json_object_update_missing(targets, json_object_get(r, "targets"));
    items = json_object_get(json_object_get(r, "coverage"), "items");
    for (j = 0; j < json_array_size(items); j++) {
      json_t *it = json_array_get(items, j);
      char key[600];
      cfm__coverage_key(json_string_value(json_object_get(it, "spec")),
                        json_string_value(json_object_get(it, "pointer")), key, sizeof(key));
      if (json_object_get(seen_cov, key))
        continue;
      json_object_set_new(seen_cov, key, json_true());
      json_array_append_new(coverage, coverage_core(it));
    }
    w = json_number_value(json_object_get(json_object_get(r, "summary"), "wall_ms"));
    if (w > wall)
      wall = w;
    json_decref(r);
  }
  memset(&opt, 0, sizeof(opt));
  opt.dir = reports_dir;
  opt.run_id = NULL;
  opt.targets = targets;
  opt.coverage_items = coverage;
  opt.shard = "merged";
  rc = cfm_report_open(&opt, &rep, err);
  if (rc)
    goto out;
  /* Pass 2: stream every case, once per id. */
  for (i = 0; i < n && rc == CFM_EOK; i++) {
    json_t *r = cfm_json_load_file(report_jsons[i], REPORT_MAX_BYTES, err);
    json_t *cases = json_object_get(r, "cases");
    if (!r) {
      rc = CFM_ECONFIG;
      break;
    }
    for (j = 0; j < json_array_size(cases) && rc == CFM_EOK; j++) {
      cfm_case_result res;
      if (cfm__case_from_json(json_array_get(cases, j), &res) != 0) {
        char ptr[64];
        snprintf(ptr, sizeof(ptr), "/cases/%zu", j);
        rc = cfm_error_set(err, CFM_ECONFIG, report_jsons[i], ptr, "not a case object");
        break;
      }
      if (!json_object_get(seen_ids, res.id)) {
        json_object_set_new(seen_ids, res.id, json_true());
        rc = cfm_report_add(rep, &res);
        if (rc)
          cfm_error_set(err, rc, reports_dir, "", "cannot write the merged report");
      }
      cfm_case_result_release(&res);
    }
    json_decref(r);
  }
  {
    int crc = cfm_report_close(rep, wall, summary);
    if (!rc && crc)
      rc = cfm_error_set(err, crc, reports_dir, "", "cannot write the merged report");
  }
out:
  json_decref(targets);
  json_decref(coverage);
  json_decref(seen_cov);
  json_decref(seen_ids);
  return rc;
}
