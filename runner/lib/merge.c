/* conform — merging shard reports into one run (all formats). */
#include "conform/fileio.h"
#include "conform/report.h"
#include "conform/repro.h"
#include "report_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_BYTES (1024u * 1024u * 1024u)

/* The body file of a shard's reproduction, read from beside its
 * report.json so the merged run directory has it too (when it cannot be
 * read, the command still names it). */
static void load_repro_body(const char *report_json, cfm_case_result *res) {
  char path[1200];
  const char *slash = strrchr(report_json, '/');
  if (!cfm_repro_body_path_ok(res->repro_file))
    return;
  snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - report_json + 1) : 0, report_json,
           res->repro_file);
  if (cfm_read_file(path, CFM_REPRO_FILE_MAX, &res->repro_body, &res->repro_body_len, NULL) !=
      CFM_EOK) {
    res->repro_body = NULL;
    res->repro_body_len = 0;
  }
}

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

/* ---- the shard set a report belongs to ---------------------------------------- */

int cfm_report_stamp(const char *report_json, const json_t *shard_set, cfm_error_t *err) {
  json_t *r = cfm_json_load_file(report_json, REPORT_MAX_BYTES, err);
  char tmp[1024];
  FILE *f;
  int rc = CFM_EOK;
  if (!r)
    return CFM_EIO;
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", report_json) >= (int)sizeof(tmp)) {
    json_decref(r);
    return cfm_error_set(err, CFM_EIO, report_json, "", "path too long");
  }
  if (json_object_set(r, "shard_set", (json_t *)shard_set)) {
    json_decref(r);
    return cfm_error_set(err, CFM_ENOMEM, report_json, "", "out of memory");
  }
  /* Written beside it and renamed: a reader sees the old or the new file. */
  f = fopen(tmp, "w");
  if (!f || json_dumpf(r, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 || fflush(f) != 0)
    rc = cfm_error_set(err, CFM_EIO, tmp, "", "cannot write");
  if (f && fclose(f) != 0 && rc == CFM_EOK)
    rc = cfm_error_set(err, CFM_EIO, tmp, "", "cannot write");
  if (rc == CFM_EOK && rename(tmp, report_json) != 0)
    rc = cfm_error_set(err, CFM_EIO, report_json, "", "cannot replace");
  if (rc != CFM_EOK)
    remove(tmp);
  json_decref(r);
  return rc;
}

/* What every shard of one run must agree on. */
static const char *const set_keys[] = {"run", "count", "targets", "spec_hash", "selection"};

/* Checks the shard_set of report r (from path, the i-th input) against the
 * first input's (*first, set here when NULL) and marks its index in seen
 * (count entries, allocated with the first).  */
static int check_shard(const json_t *r, const char *path, json_t **first, unsigned char **seen,
                       cfm_error_t *err) {
  const json_t *ss = json_object_get(r, "shard_set");
  json_int_t idx = json_integer_value(json_object_get(ss, "index"));
  json_int_t cnt = json_integer_value(json_object_get(ss, "count"));
  json_int_t expected = json_integer_value(json_object_get(ss, "cases_expected"));
  size_t i;
  if (!json_is_object(ss) || !json_is_string(json_object_get(ss, "run")) || cnt < 1 ||
      cnt > 100000 || idx < 1 || idx > cnt ||
      !json_is_integer(json_object_get(ss, "cases_expected")))
    return cfm_error_set(
        err, CFM_ECONFIG, path, "/shard_set",
        "not a shard report of 'conform run' (no run id, shard I/N, target set and "
        "spec hash; a merged report cannot be merged again)");
  if (json_array_size(json_object_get(r, "cases")) != (size_t)expected)
    return cfm_error_set(err, CFM_ECONFIG, path, "/cases",
                         "incomplete shard %d/%d: %zu of %d cases (an interrupted run?)", (int)idx,
                         (int)cnt, json_array_size(json_object_get(r, "cases")), (int)expected);
  if (!*first) {
    *first = json_incref((json_t *)ss);
    *seen = calloc((size_t)cnt + 1, 1);
    if (!*seen)
      return cfm_error_set(err, CFM_ENOMEM, "merge", "", "out of memory");
  }
  for (i = 0; i < sizeof(set_keys) / sizeof(set_keys[0]); i++) {
    if (!json_equal(json_object_get(ss, set_keys[i]), json_object_get(*first, set_keys[i]))) {
      char ptr[64];
      snprintf(ptr, sizeof(ptr), "/shard_set/%s", set_keys[i]);
      return cfm_error_set(err, CFM_ECONFIG, path, ptr,
                           "%s differs from the first report's: not a shard of the same run",
                           set_keys[i]);
    }
  }
  if ((*seen)[idx])
    return cfm_error_set(err, CFM_ECONFIG, path, "/shard_set/index", "shard %d/%d is given twice",
                         (int)idx, (int)cnt);
  (*seen)[idx] = 1;
  return CFM_EOK;
}

int cfm_report_merge(const char *const *report_jsons, size_t n, const char *reports_dir,
                     cfm_report_summary *summary, cfm_error_t *err) {
  json_t *targets = json_object(), *coverage = json_array(), *seen_cov = json_object();
  json_t *seen_ids = json_object(), *first = NULL;
  unsigned char *seen_shards = NULL;
  size_t total_cases = 0;
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
    if (!rc)
      rc = check_shard(r, report_jsons[i], &first, &seen_shards, err);
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
    total_cases += json_array_size(json_object_get(r, "cases"));
    /* Shards are disjoint: a case in two of them is refused, never
     * resolved to one of its verdicts.  Within one shard (--repeat) every
     * result is kept. */
    items = json_object_get(r, "cases");
    for (j = 0; j < json_array_size(items) && !rc; j++) {
      const char *id = json_string_value(json_object_get(json_array_get(items, j), "id"));
      json_t *from = id ? json_object_get(seen_ids, id) : NULL;
      if (from && (size_t)json_integer_value(from) != i)
        rc = cfm_error_set(err, CFM_ECONFIG, report_jsons[i], "",
                           "case '%.120s' is also in '%.80s': shards overlap", id,
                           report_jsons[json_integer_value(from)]);
      else if (id && json_object_set_new(seen_ids, id, json_integer((json_int_t)i)))
        rc = cfm_error_set(err, CFM_ENOMEM, "merge", "", "out of memory");
    }
    json_decref(r);
    if (rc)
      goto out;
  }
  {
    json_int_t cnt = json_integer_value(json_object_get(first, "count")), k;
    for (k = 1; k <= cnt; k++) {
      if (!seen_shards[k]) {
        rc = cfm_error_set(err, CFM_ECONFIG, "merge", "",
                           "shard %d/%d of run '%s' is missing: a merge needs every shard", (int)k,
                           (int)cnt, json_string_value(json_object_get(first, "run")));
        goto out;
      }
    }
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
      if (res.repro_file)
        load_repro_body(report_jsons[i], &res);
      rc = cfm_report_add(rep, &res);
      if (rc)
        cfm_error_set(err, rc, reports_dir, "", "cannot write the merged report");
      cfm_case_result_release(&res);
    }
    json_decref(r);
  }
  {
    cfm_report_summary sum;
    int crc = cfm_report_close(rep, wall, &sum);
    if (!rc && crc)
      rc = cfm_error_set(err, crc, reports_dir, "", "cannot write the merged report");
    if (summary)
      *summary = sum;
    if (!rc) {
      /* The merged report names the run it completes; index 0 = merged. */
      json_t *ss = json_deep_copy(first);
      char path[600];
      snprintf(path, sizeof(path), "%s/report.json", sum.run_dir);
      if (!ss || json_object_set_new(ss, "index", json_integer(0)) ||
          json_object_set_new(ss, "cases_expected", json_integer((json_int_t)total_cases)))
        rc = cfm_error_set(err, CFM_ENOMEM, "merge", "", "out of memory");
      else
        rc = cfm_report_stamp(path, ss, err);
      json_decref(ss);
    }
  }
out:
  json_decref(first);
  free(seen_shards);
  json_decref(targets);
  json_decref(coverage);
  json_decref(seen_cov);
  json_decref(seen_ids);
  return rc;
}
