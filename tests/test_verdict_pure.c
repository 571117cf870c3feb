/* The verdict module alone: recorded exchanges judged against steps of the
 * shipped specs, with no server and no run.  One test per verdict rule,
 * each vendor's error model, the throttle path, and what a success yields
 * (captures, created ids) as output values. */
#include <criterion/criterion.h>
#include <string.h>

#include "conform/spec.h"
#include "conform/verdict.h"

static cfm_specset specs;

static void load(void) {
  cfm_error_t err;
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
}

static void unload(void) {
  cfm_specset_release(&specs);
}

TestSuite(verdict_pure, .init = load, .fini = unload);

static const cfm_spec *spec_of(const char *vendor) {
  size_t i;
  for (i = 0; i < specs.count; i++)
    if (!strcmp(specs.items[i]->vendor, vendor))
      return specs.items[i];
  cr_assert_fail("no spec %s", vendor);
  return NULL;
}

/* Judges a recorded response (status, content type, body) to a step given
 * as JSON text; keeps the step's JSON alive in *keep. */
static void judge(const char *vendor, const char *step_text, long status, const char *ctype,
                  const char *body, int error, cfm_judgement *j, json_t **keep) {
  const cfm_spec *spec = spec_of(vendor);
  json_error_t je;
  json_t *st = json_loads(step_text, 0, &je);
  cfm_step step;
  cfm_http_response res;
  cfm_exchange ex = {NULL, &res};
  cr_assert_not_null(st, "%s", je.text);
  cr_assert_eq(cfm_step_decode(st, &step), 0);
  memset(&res, 0, sizeof(res));
  res.error = error;
  if (error)
    snprintf(res.error_text, sizeof(res.error_text), "connection refused");
  res.status = status;
  res.content_type = ctype;
  res.retry_after = "";
  res.body = body;
  res.len = strlen(body);
  res.attempts = 1;
  cr_assert_eq(cfm_verdict_judge(spec, cfm_spec_operation(spec, step.op), &step, NULL, 0, &ex, j),
               CFM_EOK);
  *keep = st;
}

#define JSONCT "application/json"
#define TX_OK "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}"
#define TX_CREATE                                                                                  \
  "{\"op\":\"create_group\",\"expect\":{\"outcome\":\"success\",\"what\":\"create\"}}"
#define TX_CREATED                                                                                 \
  "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"GroupId\":\"@TGS#1\"}"

Test(verdict_pure, transport_error_is_error) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", TX_CREATE, 0, "", "", CFM_ENETWORK, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_ERROR);
  cr_assert(strstr(j.reason, "connection refused"), "%s", j.reason);
  cr_assert_eq(j.go_on, 0);
  cr_assert_eq(j.mapped, 0);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, success_yields_captures_and_created_ids) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im",
        "{\"op\":\"create_group\",\"capture\":{\"gid\":\"/GroupId\"},\"expect\":{\"outcome\":"
        "\"success\"}}",
        200, JSONCT, TX_CREATED, 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cr_assert_eq(j.go_on, 1);
  cr_assert_str_eq(json_string_value(json_object_get(j.captures, "gid")), "@TGS#1");
  cr_assert_eq(json_array_size(j.created), 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j.created, 0), "id")),
                   "@TGS#1");
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j.created, 0), "op")),
                   "destroy_group");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, missing_capture_fails) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im",
        "{\"op\":\"create_group\",\"capture\":{\"gid\":\"/Nope\"},\"expect\":{\"schema\":false}}",
        200, JSONCT, TX_CREATED, 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert(strstr(j.reason, "no /Nope to capture as ${gid}"), "%s", j.reason);
  cr_assert_null(j.created);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, tencent_error_in_http_200_fails_a_success) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", TX_CREATE, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,\"ErrorInfo\":\"bad\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.code, "10004");
  cr_assert_str_eq(j.cls, "INVALID_ARGUMENT");
  cr_assert(strstr(j.reason, "expected: create; got HTTP 200, 10004: bad"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, silent_expectation_only_warns) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", "{\"op\":\"create_group\",\"expect\":{\"silent\":true}}", 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,\"ErrorInfo\":\"bad\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_WARN);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, tencent_throttle_code_skips) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", TX_CREATE, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":60007,\"ErrorInfo\":\"limit\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP);
  cr_assert(strstr(j.reason, "throttled after 1 attempts (HTTP 200 60007)"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, agora_429_skips_and_dingtalk_429_too) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", "{\"op\":\"create_group\"}", 429, JSONCT,
        "{\"error\":\"reach_limit\",\"error_description\":\"This request has reached api limit\"}",
        0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("dingtalk-rooms", "{\"op\":\"create_group\"}", 429, JSONCT,
        "{\"code\":\"x\",\"message\":\"slow down\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, dingtalk_throttle_code_in_403_skips) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms", "{\"op\":\"create_group\"}", 403, JSONCT,
        "{\"code\":\"Forbidden.AccessDenied.QpsLimitForApi\",\"message\":\"qps\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP, "%s", j.reason);
  cr_assert_str_eq(j.code, "Forbidden.AccessDenied.QpsLimitForApi");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, html_page_is_not_the_api) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", "{\"op\":\"create_group\"}", 502, "text/html", "<html>bad gateway</html>", 0,
        &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_ERROR);
  cr_assert(strstr(j.reason, "with text/html, not JSON"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, failed_setup_skips) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", "{\"op\":\"create_group\",\"setup\":true}", 400, JSONCT,
        "{\"error\":\"invalid_parameter\",\"error_description\":\"owner must be provided\"}", 0, &j,
        &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP);
  cr_assert(strstr(j.reason, "set-up step create_group failed (HTTP 400, invalid_parameter"), "%s",
            j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, wrong_status_fails) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", "{\"op\":\"create_group\",\"expect\":{\"status\":201,\"schema\":false}}", 200,
        JSONCT, TX_CREATED, 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.reason, "expected HTTP 201, got 200");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, json_content_type_with_garbage_is_not_json) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms", "{\"op\":\"create_group\"}", 200, JSONCT, "{not json", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert(strstr(j.reason, "not JSON (invalid JSON at line 1 column 4"), "%s", j.reason);
  cr_assert(strstr(j.reason, "Content-Type 'application/json')"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, json_body_with_other_content_type_warns) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms", "{\"op\":\"create_group\"}", 200, "text/plain", "{\"result\":5}", 0, &j,
        &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_WARN);
  cr_assert_eq(j.go_on, 1);
  cr_assert(strstr(j.reason, "JSON body with Content-Type 'text/plain'"), "%s", j.reason);
  cr_assert_str_eq(json_string_value(json_object_get(j.provenance, "assumed")),
                   "the documents show JSON bodies");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, schema_violation_fails_with_the_response_provenance) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms", "{\"op\":\"create_group\"}", 200, JSONCT, "{\"result\":\"five\"}", 0, &j,
        &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert(strstr(j.reason, "response does not match the documented fields: /result"), "%s",
            j.reason);
  cr_assert_not_null(json_object_get(j.provenance, "secondary"));
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, body_checks) {
  static const struct {
    const char *check, *reason;
  } cases[] = {
      {"{\"pointer\":\"/result\",\"equals\":6}", "/result is 5, expected 6"},
      {"{\"pointer\":\"/result\",\"equals\":\"5\"}", NULL}, /* "5" equals 5 */
      {"{\"pointer\":\"/gone\",\"exists\":true}", "/gone is missing"},
      {"{\"pointer\":\"/result\",\"exists\":false}", "/result is present"},
      {"{\"pointer\":\"/list\",\"length\":3}", "/list has 2 items, expected 3"},
      {"{\"pointer\":\"/list\",\"contains\":{\"a\":2}}", NULL},
      {"{\"pointer\":\"/list\",\"contains\":{\"a\":3}}", "/list has no item with {\"a\":3}"},
      {"{\"pointer\":\"/nope\",\"equals\":1}", "/nope is missing from the response"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char step[512];
    cfm_judgement j;
    json_t *k;
    snprintf(step, sizeof(step),
             "{\"op\":\"create_group\",\"expect\":{\"what\":\"w\",\"schema\":false,\"body\":[%s]}}",
             cases[i].check);
    judge("dingtalk-rooms", step, 200, JSONCT, "{\"result\":5,\"list\":[{\"a\":1},{\"a\":2}]}", 0,
          &j, &k);
    if (!cases[i].reason) {
      cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s: %s", cases[i].check, j.reason);
    } else {
      char want[300];
      snprintf(want, sizeof(want), "w: %s", cases[i].reason);
      cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", cases[i].check);
      cr_assert_str_eq(j.reason, want);
    }
    cfm_judgement_release(&j);
    json_decref(k);
  }
}

Test(verdict_pure, array_cap) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms",
        "{\"op\":\"create_group\",\"expect\":{\"what\":\"w\",\"schema\":false,\"array_max\":{"
        "\"pointer\":\"/list\",\"max\":1}}}",
        200, JSONCT, "{\"list\":[1,2]}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.reason, "w: /list has 2 items");
  cfm_judgement_release(&j);
  json_decref(k);
}

#define AG_NOT_FOUND(msg) "{\"error\":\"resource_not_found\",\"error_description\":\"" msg "\"}"
#define AG_EXPECT_ROW                                                                              \
  "{\"op\":\"disable_group\",\"expect\":{\"outcome\":\"error\",\"what\":\"nf\",\"errors\":["       \
  "\"group_"                                                                                       \
  "not_found\"]}}"

Test(verdict_pure, agora_documented_error_row_passes) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_EXPECT_ROW, 404, JSONCT, AG_NOT_FOUND("grpID 12 does not exist!"), 0, &j,
        &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cr_assert_not_null(j.row);
  cr_assert_str_eq(json_string_value(json_object_get(j.row, "id")), "group_not_found");
  cr_assert_str_eq(j.cls, "NOT_FOUND");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, agora_same_code_other_message_fails) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_EXPECT_ROW, 404, JSONCT, AG_NOT_FOUND("group 12 not found"), 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert(strstr(j.reason, "code resource_not_found as documented, but message 'group 12 not "
                             "found' does not match"),
            "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, other_error_than_the_documented_row_fails) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_EXPECT_ROW, 403, JSONCT,
        "{\"error\":\"forbidden\",\"error_description\":\"no\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.reason, "expected: nf (error group_not_found (HTTP 404, code "
                             "resource_not_found)); got HTTP 403 forbidden: no");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, accepted_when_an_error_is_expected_fails) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_EXPECT_ROW, 200, JSONCT, "{\"data\":{}}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.reason, "expected: nf; the target accepted it (HTTP 200)");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, dingtalk_classes) {
  cfm_judgement j;
  json_t *k;
  const char *step = "{\"op\":\"delete_group\",\"expect\":{\"outcome\":\"error\",\"what\":\"c\","
                     "\"classes\":[\"NOT_FOUND\"]}}";
  judge("dingtalk-rooms", step, 400, JSONCT,
        "{\"code\":\"group.not.found\",\"message\":\"Group Not Found\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("dingtalk-rooms", step, 400, JSONCT,
        "{\"code\":\"param.error\",\"message\":\"Param Error\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(
      j.reason, "expected: c (class NOT_FOUND); got HTTP 400 param.error, class INVALID_ARGUMENT");
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, undocumented_error_code_warns) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", "{\"op\":\"create_group\",\"expect\":{\"outcome\":\"error\"}}", 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":99999,\"ErrorInfo\":\"?\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_WARN, "%s %s", j.reason, j.cls);
  cr_assert_str_eq(j.reason, "error code 99999 is in no documented table");
  cr_assert_eq(j.go_on, 1);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, silent_error_row_with_matching_class_passes) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat",
        "{\"op\":\"disable_group\",\"expect\":{\"outcome\":\"error\",\"silent\":true,\"errors\":["
        "\"group_not_found\"],\"classes\":[\"PERMISSION_DENIED\"]}}",
        403, JSONCT, "{\"error\":\"forbidden\",\"error_description\":\"no\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, worse_verdict_wins_and_first_warn_stays) {
  cfm_judgement j;
  memset(&j, 0, sizeof(j));
  cfm_judgement_set(&j, CFM_VERDICT_WARN, NULL, "first warn");
  cfm_judgement_set(&j, CFM_VERDICT_WARN, NULL, "second warn");
  cr_assert_str_eq(j.reason, "first warn");
  cfm_judgement_set(&j, CFM_VERDICT_FAIL, NULL, "fail");
  cfm_judgement_set(&j, CFM_VERDICT_ERROR, NULL, "error");
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert_str_eq(j.reason, "fail");
  cfm_judgement_release(&j);
}

/* Issue 14: the error model holds on every answer. */
#define TX_EXPECT_NF                                                                               \
  "{\"op\":\"destroy_group\",\"expect\":{\"outcome\":\"error\",\"what\":\"gone\","                 \
  "\"errors\":[\"group_not_found\"]}}"

Test(verdict_pure, tencent_status_field_must_agree_with_the_code) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", TX_EXPECT_NF, 200, JSONCT,
        "{\"ActionStatus\":\"OK\",\"ErrorCode\":10010,\"ErrorInfo\":\"gone\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cr_assert(strstr(j.reason, "/ActionStatus is OK with code 10010; the documents say FAIL"), "%s",
            j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  /* and on a success too */
  judge("tencent-im", TX_CREATE, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"GroupId\":\"@TGS#1\"}", 0,
        &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("tencent-im", TX_EXPECT_NF, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10010,\"ErrorInfo\":\"gone\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, error_body_field_types_are_checked_on_error_cases) {
  cfm_judgement j;
  json_t *k;
  judge("tencent-im", TX_EXPECT_NF, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":\"10010\",\"ErrorInfo\":\"gone\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cr_assert(strstr(j.reason, "/ErrorCode is not of type integer"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("agora-chat", AG_EXPECT_ROW, 404, JSONCT,
        "{\"error\":\"resource_not_found\",\"error_description\":7}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cr_assert(strstr(j.reason, "/error_description is not a string"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

/* A candidate set: either documented row passes; a miss names them all. */
#define TX_EXPECT_MALFORMED                                                                        \
  "{\"op\":\"destroy_group\",\"expect\":{\"outcome\":\"error\",\"what\":\"bad id\","               \
  "\"errors\":[\"bad_group_id\",\"group_not_found\"]}}"

Test(verdict_pure, candidate_rows_accept_either_and_a_miss_names_all) {
  static const char *const codes[] = {"10015", "10010"};
  cfm_judgement j;
  json_t *k;
  char body[200];
  size_t i;
  for (i = 0; i < 2; i++) {
    snprintf(body, sizeof(body), "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":%s,\"ErrorInfo\":\"x\"}",
             codes[i]);
    judge("tencent-im", TX_EXPECT_MALFORMED, 200, JSONCT, body, 0, &j, &k);
    cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s: %s", codes[i], j.reason);
    cr_assert(strstr(j.reason, codes[i]), "the matched row is named: %s", j.reason);
    cfm_judgement_release(&j);
    json_decref(k);
  }
  judge("tencent-im", TX_EXPECT_MALFORMED, 200, JSONCT,
        "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,\"ErrorInfo\":\"x\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL);
  cr_assert(strstr(j.reason, "error bad_group_id (HTTP 200, code 10015) or error group_not_found "
                             "(HTTP 200, code 10010)"),
            "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

#define DT_EXPECT_NF                                                                               \
  "{\"op\":\"delete_group\",\"expect\":{\"outcome\":\"error\",\"what\":\"nf\","                    \
  "\"errors\":[\"group_not_found\"]}}"

Test(verdict_pure, empty_bodied_documented_status_is_judged_on_the_status) {
  cfm_judgement j;
  json_t *k;
  judge("dingtalk-rooms", DT_EXPECT_NF, 400, "", "", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_WARN, "%s", j.reason);
  cr_assert_null(strstr(j.reason, "proxy"), "%s", j.reason);
  cr_assert(strstr(j.reason, "HTTP 400 as documented, but with an empty body"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  /* where the status carries no error (Tencent: always 200), an empty body is no answer */
  judge("tencent-im", TX_EXPECT_NF, 200, "", "", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_ERROR, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  /* an undocumented status with an empty body is still not the API */
  judge("dingtalk-rooms", DT_EXPECT_NF, 502, "", "", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_ERROR, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, redirect_is_an_error_not_followed) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_EXPECT_ROW, 302, "text/html", "<a href=/login>moved</a>", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_ERROR, "%s", j.reason);
  cr_assert(strstr(j.reason, "redirect to (no Location) not followed (HTTP 302)"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, invalid_json_names_the_parser_reason_and_position) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", "{\"op\":\"get_group\"}", 200, JSONCT, "{\"data\": [1, 2,}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cr_assert(strstr(j.reason, "invalid JSON at line 1 column"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

/* A fixture operation (secondary provenance) the target does not serve is
 * an unmet precondition; a seed operation's missing route still fails. */
Test(verdict_pure, missing_fixture_route_skips_but_a_seed_route_fails) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", "{\"op\":\"add_members\"}", 404, JSONCT,
        "{\"error\":\"no_route\",\"error_description\":\"no route\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP, "%s", j.reason);
  cr_assert(strstr(j.reason, "does not serve add_members"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("dingtalk-rooms", "{\"op\":\"list_groups\"}", 404, "text/plain", "Not Found", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_SKIP, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
  judge("agora-chat", "{\"op\":\"get_group\"}", 404, JSONCT,
        "{\"error\":\"no_route\",\"error_description\":\"no route\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}

/* The read-back oracle: an accepted over-limit value is read back. */
#define AG_OVER_LIMIT                                                                              \
  "{\"op\":\"create_group\",\"capture\":{\"rb\":\"/data/groupid\"},\"expect\":{\"outcome\":"       \
  "\"error\",\"silent\":true,\"read_back\":true,\"what\":\"too long\",\"classes\":["               \
  "\"INVALID_ARGUMENT\"]}}"
#define AG_READ_BACK                                                                               \
  "{\"op\":\"get_group\",\"expect\":{\"outcome\":\"success\",\"silent\":true,\"schema\":false,"    \
  "\"what\":\"read back\",\"provenance\":{\"doc\":\"002\",\"section\":\"limit\"},\"stored\":{"     \
  "\"pointer\":\"/data/0/name\",\"max\":3,\"unit\":\"chars\",\"sent\":4}}}"

Test(verdict_pure, over_limit_acceptance_goes_on_to_the_read_back) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_OVER_LIMIT, 200, JSONCT, "{\"data\":{\"groupid\":\"77\"}}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cr_assert_eq(j.go_on, 1);
  cr_assert_str_eq(json_string_value(json_object_get(j.captures, "rb")), "77");
  cfm_judgement_release(&j);
  json_decref(k);
  /* refused: nothing to read back, the case ends as a pass */
  judge("agora-chat", AG_OVER_LIMIT, 400, JSONCT,
        "{\"error\":\"invalid_parameter\",\"error_description\":\"too long\"}", 0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_PASS, "%s", j.reason);
  cr_assert_eq(j.go_on, 0);
  cfm_judgement_release(&j);
  json_decref(k);
}

Test(verdict_pure, stored_beyond_the_maximum_fails_and_truncated_warns) {
  cfm_judgement j;
  json_t *k;
  judge("agora-chat", AG_READ_BACK, 200, JSONCT,
        "{\"data\":[{\"name\":\"\xe4\xb8\x80"
        "bcd\"}]}",
        0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_FAIL, "%s", j.reason);
  cr_assert(strstr(j.reason, "stored 4 chars at /data/0/name, beyond the documented maximum of 3"),
            "%s", j.reason);
  cr_assert_str_eq(json_string_value(json_object_get(j.provenance, "section")), "limit");
  cfm_judgement_release(&j);
  json_decref(k);
  judge("agora-chat", AG_READ_BACK, 200, JSONCT,
        "{\"data\":[{\"name\":\"\xe4\xb8\x80"
        "bc\"}]}",
        0, &j, &k);
  cr_assert_eq(j.verdict, CFM_VERDICT_WARN, "%s", j.reason);
  cr_assert(strstr(j.reason, "accepted 4 chars (the limit is 3) and stored 3"), "%s", j.reason);
  cfm_judgement_release(&j);
  json_decref(k);
}
