#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/extract.h"
#include "conform/spec.h"

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

/* ---- issue 19: pages the extractor was not written against ------------ */

static json_t *extract_doc(const char *doc) {
  cfm_error_t err;
  json_t *d;
  cfm_error_init(&err);
  d = cfm_extract("doc.md", doc, strlen(doc), &err);
  cr_assert_not_null(d, "%s", err.text);
  return d;
}

static int has_param(const json_t *op, const char *name) {
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "name")), name))
      return 1;
  }
  return 0;
}

static int limit_count(const json_t *p) {
  return (int)json_array_size(json_object_get(p, "limits"));
}

/* Legacy "topapi" layout: 名称 names the column, markdown escapes in names,
 * the access_token query credential, an error table headed
 * 错误码（errorcode）| 错误码描述（errmsg）. */
Test(extract, legacy_layout_name_column_escapes_and_credentials) {
  json_t *d =
      extract_doc("# 更新会议\n\n## Query参数\n\n"
                  "| 名称 | 类型 | 是否必填 | 示例值 | 描述 |\n| --- | --- | --- | --- | --- |\n"
                  "| access\\_token | String | 是 | abc | 凭证。 |\n\n## Body参数\n\n"
                  "| 名称 | 类型 | 是否必填 | 示例值 | 描述 |\n| --- | --- | --- | --- | --- |\n"
                  "| meeting\\_id | String | 是 | m1 | 会议 ID。 |\n"
                  "| topic | String | 否 | t | 主题，最长不超过40字符，建议长度在10字符以内。 |\n\n"
                  "## 示例\n\n```\nPOST https://oapi.example.com/topapi/meeting/"
                  "update?access_token=ACCESS_TOKEN\n```\n\n## 错误码\n\n"
                  "| 错误码（errorcode） | 错误码描述（errmsg） | 解决方案 |\n| --- | --- | --- |\n"
                  "| 40035 | 不合法的参数 | 检查参数。 |\n");
  const json_t *op = op_by_path(d, "POST", "/topapi/meeting/update"), *e;
  cr_assert(json_is_true(json_object_get(param(op, "meeting_id"), "required")));
  assert_limit(param(op, "topic"), "max_length", 40);
  cr_assert_eq(limit_count(param(op, "topic")), 1, "a recommendation is no limit");
  cr_assert(!has_param(op, "access_token"), "a credential is no field");
  cr_assert(!has_param(op, "access\\_token"));
  e = json_array_get(json_object_get(op, "errors"), 0);
  cr_assert_eq(json_integer_value(json_object_get(e, "code")), 40035);
  cr_assert_eq(json_integer_value(json_object_get(e, "status")), 200);
  cr_assert_not_null(json_object_get(
      json_object_get(json_object_get(json_object_get(d, "transport"), "auth"), "query"),
      "access_token"));
  json_decref(d);
}

/* Header words the tables do not know: the cells say which column is the
 * name, the type and the required flag. */
Test(extract, columns_recognised_by_their_cells) {
  json_t *d =
      extract_doc("# Rooms\n\n## Update a room\n\n```http\nPUT https://{host}/v1/rooms\n```\n\n"
                  "### Request body\n\n| Key | Kind | Must | Notes |\n|---|---|---|---|\n"
                  "| roomName | String | Yes | The name. |\n| capacity | Integer | No | Seats. |\n"
                  "| labels | Array of Long | No | Tags. |\n");
  const json_t *op = op_by_path(d, "PUT", "/v1/rooms");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "roomName"), "in")), "body");
  cr_assert(json_is_true(json_object_get(param(op, "roomName"), "required")));
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "capacity"), "type")), "integer");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "labels"), "type")), "array");
  json_decref(d);
}

/* A placeholder every endpoint shares ({room_id}) is a per-request
 * parameter: it stays in the paths; only the tenant ({app_id}) goes to
 * the base URL.  Console links in a table are no hosts. */
Test(extract, base_url_keeps_per_request_parameters) {
  json_t *d = extract_doc(
      "# Rooms\n\n## Common\n\n| 参数 | 类型 | 是否必需 | 描述 |\n| --- | --- | --- | --- |\n"
      "| `host` | String | 是 | 域名，见[控制台](https://console.example.cn/app)。 |\n\n"
      "## Get\n\n```http\nGET https://{host}/app-id/{app_id}/rooms/{room_id}\n```\n\n"
      "## List files\n\n```http\nGET https://{host}/app-id/{app_id}/rooms/{room_id}/files\n```\n");
  const json_t *t = json_object_get(d, "transport"), *h;
  size_t i;
  cr_assert_str_eq(json_string_value(json_object_get(t, "base_url")),
                   "https://{host}/app-id/{app_id}");
  cr_assert(has_param(op_by_path(d, "GET", "/rooms/{room_id}"), "room_id"));
  cr_assert(has_param(op_by_path(d, "GET", "/rooms/{room_id}/files"), "room_id"));
  json_array_foreach(json_object_get(t, "hosts"), i, h) {
    cr_assert_str_neq(json_string_value(json_object_get(h, "host")), "console.example.cn");
  }
  json_decref(d);
}

/* Limit phrasings by the grammar, each bound to the parameter it names;
 * rate limits per App Key; a URL length is no parameter's limit. */
Test(extract, limit_grammar_and_rates) {
  json_t *d = extract_doc(
      "# Members\n\n## Add members\n\n调用频率上限：100 次/秒/App Key\n\n"
      "一次请求最多支持添加500个成员。\n\n"
      "- `pageSize`: the page size. Maximum value: 50; recommended value: 20\n\n"
      "```http\nPOST https://{host}/groups/{group_id}/members\n```\n\n"
      "### 请求 body\n\n| 参数 | 类型 | 是否必需 | 描述 |\n| --- | --- | --- | --- |\n"
      "| `members` | Array | 是 | 成员列表。 |\n| `ids` | Array | 否 | 每次最多可添加 60 个。 |\n"
      "| `count` | Int | 否 | 人数，最大为6000。 |\n| `pageSize` | Int | 否 | 页大小。 |\n"
      "| `Limit` | Int | 否 | The value cannot exceed 200. |\n"
      "| `MaxMemberCount` | Int | 否 | Members, which is 6,000 at the maximum. |\n\n"
      "### 路径参数\n\n| 参数 | 类型 | 是否必需 | 描述 |\n| --- | --- | --- | --- |\n"
      "| `group_id` | String | 是 | 群组 ID，URL 长度不能超过 2048 字节。 |\n");
  const json_t *op = op_by_path(d, "POST", "/groups/{group_id}/members");
  assert_limit(param(op, "members"), "max_items", 500);
  assert_limit(param(op, "ids"), "max_items", 60);
  assert_limit(param(op, "count"), "range", 6000);
  assert_limit(param(op, "Limit"), "range", 200);
  assert_limit(param(op, "MaxMemberCount"), "range", 6000);
  assert_limit(param(op, "pageSize"), "range", 50);
  cr_assert_eq(limit_count(param(op, "pageSize")), 1);
  cr_assert_eq(limit_count(param(op, "group_id")), 0, "a URL length bounds no parameter");
  cr_assert_eq(json_integer_value(json_object_get(
                   json_object_get(json_object_get(d, "transport"), "rate_limit"), "per_second")),
               100);
  json_decref(d);
}

/* "…/mute/{member1}(,{member2},…)" is list notation: one path parameter. */
Test(extract, list_path_template_invents_no_field) {
  json_t *d =
      extract_doc("# Mute\n\n## Mute members\n\n```http\n"
                  "POST https://{host}/groups/{group_id}/mute/{member1}(,{member2},…)\n```\n");
  const json_t *op = op_by_path(d, "POST", "/groups/{group_id}/mute/{member1}");
  cr_assert(has_param(op, "member1"));
  cr_assert(!has_param(op, "member2"));
  json_decref(d);
}

/* No silent cap: a page with 70 operations drafts 70. */
Test(extract, many_operations_are_all_drafted) {
  static char doc[16384];
  size_t o = 0;
  int i;
  json_t *d;
  o += (size_t)snprintf(doc + o, sizeof(doc) - o, "# Many\n\n");
  for (i = 0; i < 70; i++)
    o += (size_t)snprintf(doc + o, sizeof(doc) - o,
                          "## Op %d\n\n```http\nGET https://{host}/x/op%d\n```\n\n", i, i);
  d = extract_doc(doc);
  cr_assert_eq(json_array_size(json_object_get(d, "operations")), 70);
  json_decref(d);
}

/* Scraped text: Chinese section names, "Array of String" types. */
Test(extract, scraped_chinese_headings_and_compound_types) {
  json_t *d =
      extract_doc("查询用户\n\n基本信息\n\nFieldValue\nHTTP URLhttps://api.example.io/v1.0/users/"
                  "query\nHTTP MethodPOST\n\n请求头\n\nNameTypeRequiredDescription\n"
                  "x-acs-dingtalk-access-tokenStringYesThe credential.\n\n请求体\n\n"
                  "NameTypeRequiredDescription\nuserIdsArray of StringYesThe users, at most 20 "
                  "items.\nverboseBooleanNoMore detail.\n");
  const json_t *op = op_by_path(d, "POST", "/v1.0/users/query");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "userIds"), "in")), "body");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "userIds"), "type")), "array");
  assert_limit(param(op, "userIds"), "max_items", 20);
  cr_assert(json_is_false(json_object_get(param(op, "verbose"), "required")));
  cr_assert(!has_param(op, "x-acs-dingtalk-access-token"));
  json_decref(d);
}

/* Every draft lints: provenance everywhere, unique operation ids, response
 * fields typed as the samples show (a table/sample conflict is a review
 * note). */
static void assert_lints(const char *path) {
  json_t *d = extract_file(path);
  char *text = json_dumps(d, 0);
  cfm_spec *spec = NULL;
  cfm_error_t err;
  cfm_lint_report rep = {0};
  size_t i;
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_parse("draft", text, strlen(text), &spec, &err), CFM_EOK, "%s", err.text);
  cr_assert_geq(cfm_spec_lint(spec, &rep), 0);
  for (i = 0; i < rep.count; i++)
    cr_log_error("%s: %s", path, rep.items[i].message);
  cr_assert_eq(rep.count, 0, "%s: %zu lint findings", path, rep.count);
  cfm_lint_report_release(&rep);
  cfm_spec_free(spec);
  free(text);
  json_decref(d);
}

Test(extract, drafts_lint_clean) {
  assert_lints(CONFORM_SEEDS_DIR "/000_4eff4c7e6a321155.txt");
  assert_lints(CONFORM_SEEDS_DIR "/001_cf3c053bb968e3ee.txt");
  assert_lints(CONFORM_SEEDS_DIR "/002_b389115bb8c2e7c3.txt");
  assert_lints(CONFORM_SEEDS_DIR "/003_b567ae6603894095.txt");
  assert_lints(CONFORM_TESTDATA_DIR "/extract/en-markdown.md");
  assert_lints(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md");
  assert_lints(CONFORM_TESTDATA_DIR "/extract/scraped.txt");
}

Test(extract, table_and_sample_conflict_is_a_review_note) {
  json_t *d = extract_file(CONFORM_SEEDS_DIR "/002_b389115bb8c2e7c3.txt");
  cr_assert(has_note(d, "review: 'entities' of "));
  cr_assert(has_note(d, "is object in the table but array in the example; draft says array"));
  json_decref(d);
}

static const json_t *differ_of(const json_t *drift, const char *kind, const char *item) {
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(drift, "differ"), i, r) {
    if (!strcmp(json_string_value(json_object_get(r, "kind")), kind) &&
        strstr(json_string_value(json_object_get(r, "item")), item))
      return r;
  }
  return NULL;
}

/* Drift pairs operations by method + path template whatever the spec's
 * items cite, and reports contradictions with both sources quoted. */
Test(extract, drift_by_operation_whatever_the_citation) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/zh-markdown.md");
  json_t *spec = json_deep_copy(d), *drift, *op, *p, *e;
  const json_t *r;
  char *text = json_dumps(spec, 0), *at;
  /* The spec cites another document everywhere. */
  while ((at = strstr(text, "zh-markdown.md")) != NULL)
    memcpy(at, "zh-elsewhere", 12), memmove(at + 12, at + 14, strlen(at + 14) + 1);
  json_decref(spec);
  spec = json_loads(text, 0, NULL);
  free(text);
  op = json_array_get(json_object_get(spec, "operations"), 0);
  p = json_array_get(json_object_get(op, "params"), 0); /* title: required string */
  json_object_set_new(p, "required", json_false());
  json_object_set_new(p, "type", json_string("integer"));
  e = json_array_get(json_object_get(op, "errors"), 0); /* 400 invalid_parameter */
  json_object_set_new(e, "status", json_integer(422));
  drift = cfm_extract_drift(d, spec, "zh-markdown.md");
  cr_assert_not_null(drift);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(drift, "operations"), "paired")),
               2);
  cr_assert_not_null(differ_of(drift, "required", "title"));
  r = differ_of(drift, "type", "title");
  cr_assert_not_null(r);
  cr_assert_str_eq(json_string_value(json_object_get(r, "doc")), "string");
  cr_assert_str_eq(json_string_value(json_object_get(r, "spec")), "integer");
  cr_assert(strstr(json_string_value(json_object_get(r, "doc_source")), "zh-markdown.md"));
  cr_assert(strstr(json_string_value(json_object_get(r, "spec_source")), "zh-elsewhere"));
  r = differ_of(drift, "status", "invalid_parameter");
  cr_assert_not_null(r);
  cr_assert_str_eq(json_string_value(json_object_get(r, "spec")), "422");
  json_decref(drift);
  json_decref(spec);
  json_decref(d);
}

/* Two DELETEs on one template ({username}, {usernames}) stay two. */
Test(extract, drift_keeps_operations_on_one_template_apart) {
  json_t *d =
      extract_doc("# Blocks\n\n## Remove one\n\n```http\nDELETE https://{host}/app-id/{app_id}/g/"
                  "{group_id}/blocks/{username}\n```\n\n## Remove many\n\n```http\nDELETE "
                  "https://{host}/app-id/{app_id}/g/{group_id}/blocks/{usernames}\n```\n\n"
                  "### 路径参数\n\n| 参数 | 类型 | 是否必需 | 描述 |\n| --- | --- | --- | --- |\n"
                  "| `usernames` | String | 是 | 用户 ID，以逗号分隔，最多 60 个。 |\n");
  json_t *drift = cfm_extract_drift(d, d, "doc.md");
  cr_assert_eq(json_array_size(json_object_get(d, "operations")), 2);
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(drift, "operations"), "paired")),
               2);
  cr_assert_eq(json_array_size(json_object_get(drift, "differ")), 0);
  cr_assert_eq(json_array_size(json_object_get(drift, "only_in_doc")), 0);
  cr_assert_eq(json_array_size(json_object_get(drift, "only_in_spec")), 0);
  json_decref(drift);
  json_decref(d);
}

/* A table wider than the reader's 12 columns says so in a review note. */
Test(extract, wide_table_is_reported) {
  json_t *d = extract_doc(
      "# W\n\n## Op\n\n```http\nGET https://{host}/w\n```\n\n### 请求 body\n\n"
      "| 参数 | 类型 | 是否必需 | a | b | c | d | e | f | g | h | i | j | k |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
      "| `x` | String | 是 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 |\n");
  cr_assert(has_note(d, "more than 12 columns"));
  cr_assert(has_param(op_by_path(d, "GET", "/w"), "x"));
  json_decref(d);
}

/* The two new test pages: a legacy "topapi" page converted from HTML, and
 * pipe tables under plain-line section names (a scraped page that kept its
 * tables). */
Test(extract, legacy_topapi_page) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/legacy-topapi.md");
  const json_t *op = op_by_path(d, "POST", "/topapi/board/rename"), *h;
  size_t i;
  cr_assert(json_is_true(json_object_get(param(op, "board_id"), "required")));
  assert_limit(param(op, "new_title"), "max_length", 24);
  assert_limit(param(op, "member_ids"), "max_items", 80);
  assert_limit(param(op, "color"), "range", 12);
  cr_assert(!has_param(op, "access_token"));
  cr_assert_eq(json_array_size(json_object_get(op, "errors")), 2);
  json_array_foreach(json_object_get(json_object_get(d, "transport"), "hosts"), i, h) {
    cr_assert_str_neq(json_string_value(json_object_get(h, "host")), "console.example.com");
  }
  json_decref(d);
  assert_lints(CONFORM_TESTDATA_DIR "/extract/legacy-topapi.md");
}

Test(extract, pipe_tables_under_plain_headings) {
  json_t *d = extract_file(CONFORM_TESTDATA_DIR "/extract/plain-headings.txt");
  const json_t *op = op_by_path(d, "GET", "/v1.0/desks/{deskId}/seats");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "deskId"), "in")), "path");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "pageSize"), "in")), "query");
  assert_limit(param(op, "pageSize"), "range", 40);
  cr_assert_eq(json_integer_value(json_object_get(param(op, "pageSize"), "default")), 10);
  assert_limit(param(op, "floorIds"), "max_items", 5);
  cr_assert_not_null(json_object_get(
      json_object_get(json_object_get(json_object_get(op, "response"), "schema"), "properties"),
      "hasMore"));
  json_decref(d);
  assert_lints(CONFORM_TESTDATA_DIR "/extract/plain-headings.txt");
}

/* The seeds against the curated specs (docs/extract.md, "Seeds"): what the
 * extractor finds of the items that cite each seed must not drop. */
static void assert_seed(const char *seed, const char *spec_file, long fields_both, long limits_both,
                        long errors_both) {
  json_t *d = extract_file(seed), *drift, *m;
  cfm_spec *spec = NULL;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_spec_load(spec_file, &spec, &err), CFM_EOK, "%s", err.text);
  drift = cfm_extract_drift(d, spec->root, seed);
  m = json_object_get(drift, "metrics");
  cr_assert_geq(json_integer_value(json_object_get(json_object_get(m, "fields"), "both")),
                fields_both, "%s fields", seed);
  cr_assert_geq(json_integer_value(json_object_get(json_object_get(m, "limits"), "both")),
                limits_both, "%s limits", seed);
  cr_assert_geq(json_integer_value(json_object_get(json_object_get(m, "errors"), "both")),
                errors_both, "%s errors", seed);
  cr_assert_geq(json_real_value(json_object_get(json_object_get(m, "fields"), "precision")), 0.99);
  json_decref(drift);
  cfm_spec_free(spec);
  json_decref(d);
}

Test(extract, seeds_do_not_regress) {
  assert_seed(CONFORM_SEEDS_DIR "/000_4eff4c7e6a321155.txt", CONFORM_SPECS_DIR "/tencent-im.json",
              4, 0, 6);
  assert_seed(CONFORM_SEEDS_DIR "/001_cf3c053bb968e3ee.txt", CONFORM_SPECS_DIR "/tencent-im.json",
              7, 1, 6);
  assert_seed(CONFORM_SEEDS_DIR "/002_b389115bb8c2e7c3.txt", CONFORM_SPECS_DIR "/agora-chat.json",
              182, 11, 23);
  assert_seed(CONFORM_SEEDS_DIR "/003_b567ae6603894095.txt",
              CONFORM_SPECS_DIR "/dingtalk-rooms.json", 3, 0, 5);
}

/* A body parameter whose table type word is unknown takes its type from
 * the sample request, with a review note. */
Test(extract, parameter_type_from_the_sample_request) {
  json_t *d =
      extract_doc("# T\n\n## Tag\n\n```http\nPOST https://{host}/tags\n```\n\n### 请求 body\n\n"
                  "| 参数 | 类型 | 是否必需 | 描述 |\n| --- | --- | --- | --- |\n"
                  "| `weight` | Varint | 是 | 权重。 |\n| `label` | Text | 否 | 标签。 |\n\n"
                  "### 请求示例\n\n```json\n{\"weight\": 3, \"label\": \"x\"}\n```\n");
  const json_t *op = op_by_path(d, "POST", "/tags");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "weight"), "type")), "integer");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "label"), "type")), "string");
  cr_assert_null(json_object_get(param(op, "weight"), "x-type-text"));
  cr_assert(
      has_note(d, "type of 'weight' not recognised ('Varint'); draft says integer, as the sample"));
  json_decref(d);
}

/* A scraped Chinese page: run-together Chinese header and 是/否 cells. */
Test(extract, scraped_chinese_required_cells) {
  json_t *d =
      extract_doc("查询\n\n基本信息\n\n字段值\nHTTP URLhttps://api.example.io/v1.0/desks/{deskId}\n"
                  "HTTP MethodGET\n\n路径参数\n\n名称类型是否必填描述\ndeskIdLong是工位 ID。\n\n"
                  "查询参数\n\n名称类型是否必填描述\nfloorString否楼层，最长不超过16字符。\n");
  const json_t *op = op_by_path(d, "GET", "/v1.0/desks/{deskId}");
  cr_assert(json_is_true(json_object_get(param(op, "deskId"), "required")));
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "floor"), "in")), "query");
  cr_assert(json_is_false(json_object_get(param(op, "floor"), "required")));
  assert_limit(param(op, "floor"), "max_length", 16);
  json_decref(d);
}

/* "Array of <element type no table knows>" is still an array, and the
 * scraped table goes on after it. */
Test(extract, scraped_unknown_element_type_keeps_the_table) {
  json_t *d = extract_doc(
      "Request\n\nBasic information\n\nFieldValue\nHTTP URLhttps://api.example.io/v1/q\n"
      "HTTP MethodPOST\n\nRequest body\n\nNameTypeRequiredDescription\n"
      "userIdsArray of thingsYesThe users.\nverboseBooleanNoMore detail.\n");
  const json_t *op = op_by_path(d, "POST", "/v1/q");
  cr_assert_str_eq(json_string_value(json_object_get(param(op, "userIds"), "type")), "array");
  cr_assert(json_is_false(json_object_get(param(op, "verbose"), "required")));
  json_decref(d);
}
