#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/extract.h"

static json_t *extract_file(const char *path) {
  FILE *f = fopen(path, "rb");
  static char buf[1 << 20];
  size_t n;
  cfm_error_t err;
  json_t *d;
  cr_assert_not_null(f, "cannot open %s", path);
  n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  cfm_error_init(&err);
  d = cfm_extract(path, buf, n, &err);
  cr_assert_not_null(d, "%s", err.text);
  return d;
}

static const json_t *op_by_path(const json_t *d, const char *method, const char *path) {
  size_t i;
  const json_t *op;
  json_array_foreach(json_object_get(d, "operations"), i, op) {
    if (!strcmp(json_string_value(json_object_get(op, "method")), method) &&
        !strcmp(json_string_value(json_object_get(op, "path")), path))
      return op;
  }
  cr_assert_fail("no operation %s %s", method, path);
  return NULL;
}

static const json_t *param(const json_t *op, const char *name) {
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "name")), name))
      return p;
  }
  cr_assert_fail("no parameter %s", name);
  return NULL;
}

static void assert_limit(const json_t *p, const char *kind, long max) {
  const json_t *l = json_array_get(json_object_get(p, "limits"), 0);
  cr_assert_not_null(l, "no limit on %s", json_string_value(json_object_get(p, "name")));
  cr_assert_str_eq(json_string_value(json_object_get(l, "kind")), kind);
  cr_assert_eq(json_integer_value(json_object_get(l, "max")), max);
}

static int has_note(const json_t *d, const char *fragment) {
  size_t i;
  const json_t *n;
  json_array_foreach(json_object_get(d, "notes"), i, n) {
    if (strstr(json_string_value(json_object_get(n, "text")), fragment))
      return 1;
  }
  return 0;
}

/* Pages written for these tests in the seeds' three styles, about made-up
 * APIs, so the extractor is checked on text it was not developed on. */
Test(extract, english_markdown_page) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/en-markdown.md");
  const json_t *op = op_by_path(d, "POST", "/v2/channel_svc/archive_channel"), *e;
  cr_assert_str_eq(json_string_value(json_object_get(op, "id")), "archive_channel");
  cr_assert(json_is_true(json_object_get(param(op, "ChannelId"), "required")));
  assert_limit(param(op, "ChannelId"), "max_length", 64);
  assert_limit(param(op, "Note"), "max_bytes", 300);
  assert_limit(param(op, "Notify_Accounts"), "max_items", 200);
  assert_limit(param(op, "Priority"), "range", 9);
  cr_assert_eq(json_integer_value(json_object_get(param(op, "Priority"), "default")), 5);
  e = json_array_get(json_object_get(op, "errors"), 1);
  cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "channel.missing");
  cr_assert_str_eq(json_string_value(json_object_get(e, "message")),
                   "^Channel (.+) does not exist$");
  cr_assert_str_eq(json_string_value(json_object_get(e, "class")), "NOT_FOUND");
  cr_assert_eq(json_integer_value(json_object_get(
                   json_object_get(json_object_get(d, "transport"), "rate_limit"), "per_second")),
               50);
  cr_assert_eq(json_array_size(json_object_get(json_object_get(d, "transport"), "hosts")), 2);
  cr_assert(has_note(d, "no auth scheme"), "an unknown auth scheme is flagged, not guessed");
  json_decref(d);
}

Test(extract, chinese_markdown_page_with_two_operations) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md");
  const json_t *create = op_by_path(d, "POST", "/topics"), *list = op_by_path(d, "GET", "/topics");
  const json_t *lim;
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(d, "transport"), "base_url")),
                   "https://{host}/space/{space_id}");
  assert_limit(param(create, "title"), "max_length", 64);
  assert_limit(param(create, "tags"), "max_items", 10);
  assert_limit(param(create, "extra"), "max_bytes", 2048);
  lim = json_array_get(json_object_get(param(list, "limit"), "limits"), 0);
  cr_assert_eq(json_integer_value(json_object_get(lim, "min")), 1);
  cr_assert_eq(json_integer_value(json_object_get(lim, "max")), 50);
  cr_assert_str_eq(json_string_value(json_object_get(lim, "above")), "clamp");
  cr_assert_eq(json_integer_value(json_object_get(lim, "clamp_to")), 50);
  /* Each operation keeps its own error table. */
  cr_assert_eq(json_array_size(json_object_get(create, "errors")), 2);
  cr_assert_eq(json_array_size(json_object_get(list, "errors")), 1);
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_array_get(json_object_get(create, "errors"), 0), "message")),
                   "^(.+) must be provided$");
  json_decref(d);
}

/* The zh test page with one phrase replaced, so a test can vary the text
 * of a single statement. */
static json_t *extract_edited(const char *from, const char *to) {
  FILE *f = fopen(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md", "rb");
  static char buf[1 << 16], out[1 << 16];
  size_t n;
  char *at;
  json_t *d;
  cr_assert_not_null(f);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  at = strstr(buf, from);
  cr_assert_not_null(at, "'%s' is not on the test page", from);
  n = (size_t)snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
  d = cfm_extract("edited", out, n, NULL);
  cr_assert_not_null(d);
  return d;
}

/* "no more than N KB/MB" scales N; a size beyond any integer is dropped,
 * never overflowed (found by fuzz_extract under UBSan). */
Test(extract, byte_limits_scale_and_never_overflow) {
  json_t *d = extract_edited("不要超过 2 KB", "不要超过 3 MB");
  assert_limit(param(op_by_path(d, "POST", "/topics"), "extra"), "max_bytes", 3L * 1024 * 1024);
  json_decref(d);
  d = extract_edited("不要超过 2 KB", "不要超过 9999999999999999999 KB");
  cr_assert_eq(
      json_array_size(json_object_get(param(op_by_path(d, "POST", "/topics"), "extra"), "limits")),
      0);
  json_decref(d);
  d = extract_edited("不要超过 2 KB", "不要超过 9007199254740993 MB");
  cr_assert_eq(
      json_array_size(json_object_get(param(op_by_path(d, "POST", "/topics"), "extra"), "limits")),
      0);
  json_decref(d);
}

Test(extract, scraped_page_with_run_together_cells) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/scraped.txt");
  const json_t *op = op_by_path(d, "DELETE", "/v2.0/desks/bookings/{bookingId}"), *e;
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "bookingId"), "in")), "path");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "bookingId"), "type")), "integer");
  cr_assert(json_is_true(json_object_get(param(op, "operatorId"), "required")));
  cr_assert(json_is_false(json_object_get(param(op, "reason"), "required")));
  assert_limit(param(op, "operatorId"), "max_length", 32);
  e = json_array_get(json_object_get(op, "errors"), 1);
  cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "operator.not.allowed");
  cr_assert_eq(json_integer_value(json_object_get(e, "status")), 403);
  cr_assert_str_eq(json_string_value(json_object_get(e, "message")), "^Operator Not Allowed$");
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(d, "transport"), "auth"), "scheme")),
                   "header_token");
  cr_assert_not_null(
      json_object_get(json_object_get(json_object_get(op, "response"), "schema"), "properties"));
  json_decref(d);
}

Test(extract, two_revisions_are_recorded) {
  json_t *d = extract_file(CONFORM_SEEDS_DIR "/000_4eff4c7e6a321155.txt");
  cr_assert(has_note(d, "two revisions"));
  cr_assert(has_note(d, "host 'console.tim.qq.com' appears only in revision 1"));
  cr_assert_eq(json_array_size(json_object_get(d, "operations")), 1);
  json_decref(d);
}

Test(extract, hostile_input_is_bounded) {
  static char junk[8192];
  size_t i;
  cfm_error_t err;
  json_t *d;
  for (i = 0; i < sizeof(junk); i++)
    junk[i] = "|#`{}\n-XPOST /a"[i % 15];
  d = cfm_extract("junk", junk, sizeof(junk), NULL);
  cr_assert_not_null(d);
  json_decref(d);
  cfm_error_init(&err);
  cr_assert_null(cfm_extract("huge", junk, CFM_EXTRACT_MAX_BYTES + 1, &err));
  cr_assert_eq(err.code, CFM_ETOOBIG);
}

Test(extract, drift_against_a_spec) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md");
  json_t *spec = json_deep_copy(d), *drift, *p, *m;
  /* The spec forgets one parameter and states another limit. */
  json_t *params =
      json_object_get(json_array_get(json_object_get(spec, "operations"), 0), "params");
  json_array_remove(params, 1);
  p = json_array_get(json_object_get(json_array_get(params, 0), "limits"), 0);
  json_object_set_new(p, "max", json_integer(65));
  drift = cfm_extract_drift(d, spec, "zh-markdown.md");
  cr_assert_not_null(drift);
  cr_assert_gt(json_array_size(json_object_get(drift, "only_in_doc")), 0);
  cr_assert_eq(json_array_size(json_object_get(drift, "differ")), 1);
  m = json_object_get(json_object_get(drift, "metrics"), "fields");
  cr_assert_lt(json_real_value(json_object_get(m, "precision")), 1.0);
  cr_assert_eq(json_real_value(json_object_get(m, "recall")), 1.0);
  json_decref(drift);
  json_decref(spec);
  json_decref(d);
}

/* A limit too large for any integer type is compared as text, never cast
 * (the drift report once converted it to long long: undefined). */
Test(extract, drift_with_a_limit_beyond_every_integer) {
  json_t *d = extract_edited("最大长度为 64 字符", "最大长度为 99999999999999999999 字符");
  json_t *spec = extract_file(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md"), *drift, *row;
  char *text;
  drift = cfm_extract_drift(d, spec, "zh-markdown.md");
  cr_assert_not_null(drift);
  cr_assert_eq(json_array_size(json_object_get(drift, "differ")), 1);
  row = json_array_get(json_object_get(drift, "differ"), 0);
  text = json_dumps(row, JSON_COMPACT);
  cr_assert(text && strstr(text, "..64") && strstr(text, "..9.22337e+18"), "%s", text);
  free(text);
  json_decref(drift);
  json_decref(spec);
  json_decref(d);
}
