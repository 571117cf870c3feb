/* Findings of issue 15 not covered elsewhere (the finding -> test table is
 * in docs/cli.md, "Safety"):
 * - every created resource carries the run prefix (deliver 4): a full run
 *   against the recording target lists every create it answered, and each
 *   one's name (or, where the prefix cannot fit beside the value under
 *   test, another text field of the request) starts with the prefix;
 * - an operation without a documented rate is paced against a live target
 *   (deliver 5: DingTalk was sent 86 requests in 37 ms). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/request.h"
#include "conform/runner.h"
#include "helper_record.h"

#define PREFIX "cfm-pfx-test"

/* 1 when a top-level string of body starts with the run prefix. */
static int carries_prefix(const json_t *body, const char **field) {
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)body, k, v) {
    if (json_is_string(v) && !strncmp(json_string_value(v), PREFIX, strlen(PREFIX))) {
      *field = k;
      return 1;
    }
  }
  return 0;
}

/* The name fields of the shipped specs' creates. */
static int is_name_field(const char *k) {
  return !strcmp(k, "groupname") || !strcmp(k, "Name") || !strcmp(k, "groupName");
}

/* The shipped specs and a config naming the recording target r. */
static void load(cfm_rec *r, cfm_specset *specs, cfm_config *cfg) {
  cfm_error_t err;
  cr_assert_not_null(r);
  memset(specs, 0, sizeof(*specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cfm_config_init(cfg);
  cr_assert_eq(cfm_config_use_mock(cfg, (uint16_t)cfm_rec_port(r)), CFM_EOK);
}

Test(safety_audit, every_created_group_carries_the_run_prefix) {
  cfm_rec *r = cfm_rec_start();
  cfm_specset specs;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  json_t *created, *e;
  size_t i, bad = 0, elsewhere = 0, limit_names = 0;
  load(r, &specs, &cfg);
  cfm_error_init(&err);
  cfg.run_prefix = strdup(PREFIX);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 8;
  opt.seed = 7;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  created = cfm_rec_created(r);
  cr_assert_gt(json_array_size(created), 200, "a full run creates groups");
  json_array_foreach(created, i, e) {
    const json_t *body = json_object_get(e, "body");
    const char *field = NULL, *k;
    const json_t *v;
    if (!carries_prefix(body, &field)) {
      char *text = json_dumps(body, JSON_COMPACT);
      if (bad++ < 5)
        fprintf(stderr, "created without the run prefix: %s %.200s\n",
                json_string_value(json_object_get(e, "url")), text ? text : "(no body)");
      free(text);
      continue;
    }
    elsewhere += !is_name_field(field);
    json_object_foreach((json_t *)body, k, v) {
      limit_names += is_name_field(k) && json_is_string(v) && json_string_length(v) > 20 &&
                     !strncmp(json_string_value(v), PREFIX, strlen(PREFIX));
    }
  }
  fprintf(stderr,
          "run prefix: %zu creates, %zu without the prefix, %zu long (limit) names "
          "with it, %zu with it in another field\n",
          json_array_size(created), bad, limit_names, elsewhere);
  cr_assert_eq(bad, 0, "%zu created groups lack the run prefix", bad);
  cr_assert_geq(limit_names, 5, "the limit cases' names carry the prefix");
  json_decref(created);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  cfm_rec_stop(r);
}

/* The dry run's estimate at the configured pace ("estimated time at the
 * configured pace: N s"), or -1. */
static double estimate_of(const char *text) {
  const char *p = strstr(text, "estimated time at the configured pace: ");
  return p ? strtod(p + strlen("estimated time at the configured pace: "), NULL) : -1;
}

/* DingTalk documents no rate: against a live target its operations get
 * the conservative default (5 requests/s each), so the DingTalk cases'
 * creates (one operation, create_group) alone need creates / 5 seconds.
 * Unpaced, the estimate is 0. */
Test(safety_audit, undocumented_rates_are_paced_against_a_live_target) {
  cfm_rec *r = cfm_rec_start();
  cfm_specset specs;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  char *text = NULL;
  size_t len = 0;
  double est;
  FILE *out = open_memstream(&text, &len);
  load(r, &specs, &cfg);
  cfm_error_init(&err);
  memset(&opt, 0, sizeof(opt));
  opt.concurrency = 8;
  opt.assume_live = 1;
  opt.dry_run = 1;
  opt.pace = 1;
  opt.out = out;
  opt.vendor = "dingtalk-rooms";
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  fclose(out);
  est = estimate_of(text);
  cr_assert_gt(res.dry_creates, 10);
  cr_assert_geq(est, (double)res.dry_creates / 5.0 - 0.5, "%zu creates in %.0f s: %s",
                res.dry_creates, est, strstr(text, "dry run: ") ? strstr(text, "dry run: ") : "");
  cr_assert_eq(cfm_rec_requests(r), 0);
  free(text);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  cfm_rec_stop(r);
}

/* ${run:N} (the prefix in a limit case's text) is exactly N bytes: a short
 * prefix padded with '-', a long one cut, never inside a UTF-8 sequence. */
Test(safety_audit, the_fitted_run_prefix_has_exactly_n_bytes) {
  static const struct {
    const char *prefix, *want;
  } rows[] = {{"cfm-1a2b", "cfm-1a2b--------"},
              {"nightly-build-prefix-42", "nightly-build-pr"},
              {"ci-\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4x",
               "ci-\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4x"},
              {"ci-\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4",
               "ci-\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4-"},
              {"", "----------------"}};
  size_t i;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    cfm_tmpl t;
    json_t *v = json_string("${run:16}aaa"), *r;
    memset(&t, 0, sizeof(t));
    t.run_prefix = rows[i].prefix;
    r = cfm_tmpl_resolve(&t, v, NULL, 0);
    cr_assert(json_is_string(r), "row %zu", i);
    cr_assert_eq(json_string_length(r), 19, "row %zu: %s", i, json_string_value(r));
    cr_assert_eq(strncmp(json_string_value(r), rows[i].want, 16), 0, "row %zu: %s", i,
                 json_string_value(r));
    json_decref(v);
    json_decref(r);
  }
}
