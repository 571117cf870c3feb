/* Passive expectations: single exchanges judged with no server (one test
 * per rule), and the done-when of issue 18: a run against the mock with
 * each fault, recorded as HAR and judged by `check`'s engine, shows the
 * fault; the faithful mock's recording has no fail.  Prints the table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "helper_cli.h"
#include "conform/passive.h"
#include "helper_specs.h"
#include "conform/runner.h"

CFM_TH_SPECS_SUITE(passive, specs);

/* Judges one exchange of stream s (may be NULL); returns the target's verdict. */
static cfm_verdict judge(cfm_passive_stream *s, const char *method, const char *url,
                         const char *const *headers, const char *body, long status,
                         const char *res_body, cfm_passive_result *out) {
  cfm_http_request req;
  cfm_http_response res;
  memset(&req, 0, sizeof(req));
  memset(&res, 0, sizeof(res));
  req.method = method;
  req.url = url;
  req.headers = headers;
  req.body = body;
  req.body_len = body ? strlen(body) : 0;
  res.status = status;
  res.content_type = "application/json";
  res.retry_after = "";
  res.body = res_body;
  res.len = strlen(res_body);
  res.attempts = 1;
  cr_assert_eq(cfm_passive_judge(&specs, s, &req, &res, out), CFM_EOK);
  return out->verdict;
}

static const char *const agora_h[] = {"Authorization: Bearer t0k3n", "Accept: application/json",
                                      "Content-Type: application/json", NULL};
#define AGORA "http://127.0.0.1:1/app-id/app/chatgroups"
#define CREATED "{\"data\":{\"groupid\":\"g1\"}}"

Test(passive, a_valid_request_answered_as_documented_passes) {
  cfm_passive_result r;
  cr_assert_eq(
      judge(NULL, "POST", AGORA, agora_h, "{\"public\":true,\"owner\":\"u1\"}", 200, CREATED, &r),
      CFM_VERDICT_PASS, "%s", r.reason);
  cr_assert_eq(r.client, CFM_VERDICT_PASS, "%s", r.client_reason);
  cfm_passive_result_release(&r);
}

/* A request over a documented limit: the client is warned, and a target
 * that accepts it fails. */
Test(passive, a_limit_broken_by_the_client_must_be_refused) {
  cfm_passive_result r;
  char body[2200];
  snprintf(body, sizeof(body), "{\"public\":true,\"owner\":\"u1\",\"avatar\":\"%01025d\"}", 0);
  cr_assert_eq(judge(NULL, "POST", AGORA, agora_h, body, 200, CREATED, &r), CFM_VERDICT_FAIL, "%s",
               r.reason);
  cr_assert_eq(r.client, CFM_VERDICT_WARN);
  cr_assert(strstr(r.client_reason, "avatar has 1025 characters"), "%s", r.client_reason);
  cfm_passive_result_release(&r);
}

Test(passive, a_missing_credential_must_be_refused_with_the_documented_row) {
  static const char *const none[] = {"Accept: application/json", NULL};
  cfm_passive_result r;
  cr_assert_eq(judge(NULL, "GET", AGORA "/g1", none, NULL, 200, "{\"data\":[]}", &r),
               CFM_VERDICT_FAIL, "%s", r.reason);
  cr_assert(strstr(r.client_reason, "Authorization"), "%s", r.client_reason);
  cfm_passive_result_release(&r);
  cr_assert_eq(judge(NULL, "GET", AGORA "/g1", none, NULL, 401,
                     "{\"error\":\"unauthorized\",\"error_description\":\"Unable to authenticate "
                     "(OAuth)\"}",
                     &r),
               CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
}

Test(passive, a_response_off_the_schema_fails) {
  cfm_passive_result r;
  cr_assert_eq(judge(NULL, "POST", AGORA, agora_h, "{\"public\":true,\"owner\":\"u1\"}", 200,
                     "{\"data\":{\"group_id\":\"g1\"}}", &r),
               CFM_VERDICT_FAIL, "%s", r.reason);
  cfm_passive_result_release(&r);
}

Test(passive, a_documented_code_under_another_status_fails) {
  /* DELETE is a seed operation: a 404 on a fixture operation without a
   * documented row reads as a missing route (precondition), not this rule. */
  static const char *const dh[] = {"x-acs-dingtalk-access-token: t", NULL};
  cfm_passive_result r;
  cr_assert_eq(judge(NULL, "DELETE", "http://h/v1.0/rooms/groups/7?unionId=u", dh, NULL, 404,
                     "{\"code\":\"group.not.found\",\"message\":\"x\"}", &r),
               CFM_VERDICT_FAIL, "%s", r.reason);
  cr_assert(strstr(r.reason, "documented with HTTP 400"), "%s", r.reason);
  cfm_passive_result_release(&r);
}

Test(passive, a_clamped_list_may_not_exceed_the_clamp) {
  cfm_passive_result r;
  char *body = malloc(1001 * 32 + 64);
  size_t i, n = 0;
  n += (size_t)sprintf(body + n, "{\"data\":[");
  for (i = 0; i < 1001; i++)
    n += (size_t)sprintf(body + n, "%s{\"groupid\":\"g%zu\"}", i ? "," : "", i);
  sprintf(body + n, "]}");
  cr_assert_eq(judge(NULL, "GET", AGORA "?limit=5000", agora_h, NULL, 200, body, &r),
               CFM_VERDICT_FAIL, "%s", r.reason);
  cfm_passive_result_release(&r);
  free(body);
}

Test(passive, a_deleted_group_answers_not_found_over_the_stream) {
  cfm_passive_stream s;
  cfm_passive_result r;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  cr_assert_eq(judge(&s, "DELETE", AGORA "/g9", agora_h, NULL, 200,
                     "{\"data\":{\"success\":true,\"groupid\":\"g9\"}}", &r),
               CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
  /* Another group is unaffected. */
  cr_assert_eq(
      judge(&s, "GET", AGORA "/g8", agora_h, NULL, 200, "{\"data\":[{\"id\":\"g8\"}]}", &r),
      CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
  cr_assert_eq(
      judge(&s, "GET", AGORA "/g9", agora_h, NULL, 200, "{\"data\":[{\"id\":\"g9\"}]}", &r),
      CFM_VERDICT_FAIL, "%s", r.reason);
  cr_assert(strstr(r.reason, "deleted"), "%s", r.reason);
  cfm_passive_result_release(&r);
  cfm_passive_stream_release(&s);
}

Test(passive, cursor_paging_returns_each_group_once) {
  cfm_passive_stream s;
  cfm_passive_result r;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  cr_assert_eq(judge(&s, "GET", AGORA "?limit=2", agora_h, NULL, 200,
                     "{\"data\":[{\"groupid\":\"a\"},{\"groupid\":\"b\"}],\"cursor\":\"c1\"}", &r),
               CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
  /* Another walk from the start sees a and b again: no repeat. */
  cr_assert_eq(judge(&s, "GET", AGORA "?limit=2", agora_h, NULL, 200,
                     "{\"data\":[{\"groupid\":\"a\"},{\"groupid\":\"b\"}],\"cursor\":\"c1\"}", &r),
               CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
  cr_assert_eq(judge(&s, "GET", AGORA "?limit=2&cursor=c1", agora_h, NULL, 200,
                     "{\"data\":[{\"groupid\":\"b\"},{\"groupid\":\"c\"}]}", &r),
               CFM_VERDICT_FAIL, "%s", r.reason);
  cr_assert(strstr(r.reason, "returned b again"), "%s", r.reason);
  cfm_passive_result_release(&r);
  cfm_passive_stream_release(&s);
}

/* Judges one exchange (as judge) and asserts its verdict (want; any
 * when CFM_VERDICT__COUNT) and, when needle is given, that the target's
 * or the client's reason names it.  Returns the verdict. */
static cfm_verdict expect(cfm_verdict want, const char *needle, cfm_passive_stream *s,
                          const char *method, const char *url, const char *const *headers,
                          const char *body, long status, const char *res_body) {
  cfm_passive_result r;
  cfm_verdict v = judge(s, method, url, headers, body, status, res_body, &r);
  if (want != CFM_VERDICT__COUNT)
    cr_assert_eq(v, want, "%s %s: %s", method, url, r.reason);
  if (needle)
    cr_assert(strstr(r.reason, needle) || strstr(r.client_reason, needle), "%s | %s", r.reason,
              r.client_reason);
  cfm_passive_result_release(&r);
  return v;
}

/* A deleted group answers the documented not-found row, not another
 * error (agora-not-found-type, tencent-missing-group-10015). */
Test(passive, a_deleted_group_answers_the_documented_not_found_row) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  expect(CFM_VERDICT_PASS, NULL, &s, "DELETE", AGORA "/g9", agora_h, NULL, 200,
         "{\"data\":{\"success\":true,\"groupid\":\"g9\"}}");
  expect(CFM_VERDICT_PASS, NULL, &s, "GET", AGORA "/g9", agora_h, NULL, 404,
         "{\"error\":\"resource_not_found\",\"error_description\":\"grpID g9 does not "
         "exist!\"}");
  expect(CFM_VERDICT_FAIL, NULL, &s, "GET", AGORA "/g9", agora_h, NULL, 404,
         "{\"error\":\"illegal_argument\",\"error_description\":\"grpID g9 does not "
         "exist!\"}");
  cfm_passive_stream_release(&s);
}

/* Cross-field rules of one request. */
Test(passive, members_over_maxusers_must_be_refused) {
  const char *body = "{\"public\":false,\"owner\":\"u1\",\"maxusers\":3,\"members\":[\"a\",\"b\","
                     "\"c\",\"d\"]}";
  expect(CFM_VERDICT_FAIL, "members may not exceed maxusers", NULL, "POST", AGORA, agora_h, body,
         200, CREATED);
  expect(CFM_VERDICT_PASS, NULL, NULL, "POST", AGORA, agora_h, body, 403,
         "{\"error\":\"exceed_limit\",\"error_description\":\"members size is greater "
         "than max user size !\"}");
  /* Members and the owner together over it: read both ways, no statement. */
  expect(CFM_VERDICT_PASS, NULL, NULL, "POST", AGORA, agora_h,
         "{\"public\":false,\"owner\":\"u1\",\"maxusers\":3,\"members\":[\"a\",\"b\","
         "\"c\"]}",
         200, CREATED);
}

Test(passive, a_modify_of_an_unsupported_field_must_be_refused) {
  expect(CFM_VERDICT_FAIL, "body field groupid", NULL, "PUT", AGORA "/g1", agora_h,
         "{\"groupid\":\"other\"}", 200, "{\"data\":{\"groupid\":true}}");
  expect(CFM_VERDICT_PASS, NULL, NULL, "PUT", AGORA "/g1", agora_h, "{\"description\":\"x\"}", 200,
         "{\"data\":{\"description\":true}}");
}

/* Facts the stream saw: a group created public with allowinvites true
 * reads allowinvites false; a disabled group reads disabled. */
Test(passive, a_read_agrees_with_what_the_stream_did_to_the_group) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  expect(CFM_VERDICT_PASS, NULL, &s, "POST", AGORA, agora_h,
         "{\"public\":true,\"owner\":\"u1\",\"allowinvites\":true}", 200, CREATED);
  expect(CFM_VERDICT_PASS, NULL, &s, "GET", AGORA "/g1", agora_h, NULL, 200,
         "{\"data\":[{\"id\":\"g1\",\"allowinvites\":false,\"disabled\":false}]}");
  expect(CFM_VERDICT_FAIL, "allowinvites", &s, "GET", AGORA "/g1", agora_h, NULL, 200,
         "{\"data\":[{\"id\":\"g1\",\"allowinvites\":true,\"disabled\":false}]}");
  expect(CFM_VERDICT_PASS, NULL, &s, "POST", AGORA "/g1/disable", agora_h, NULL, 200,
         "{\"data\":{\"disabled\":true}}");
  expect(CFM_VERDICT_FAIL, "disabled false", &s, "GET", AGORA "/g1", agora_h, NULL, 200,
         "{\"data\":[{\"id\":\"g1\",\"allowinvites\":false,\"disabled\":false}]}");
  expect(CFM_VERDICT_PASS, NULL, &s, "GET", AGORA "/g1", agora_h, NULL, 200,
         "{\"data\":[{\"id\":\"g1\",\"allowinvites\":false,\"disabled\":true}]}");
  cfm_passive_stream_release(&s);
}

/* A value over its documented maximum that the target accepted may not
 * read back longer than the maximum. */
Test(passive, an_over_long_value_is_not_stored_as_sent) {
  cfm_passive_stream s;
  char body[400], read[600];
  snprintf(body, sizeof(body), "{\"public\":false,\"owner\":\"u1\",\"groupname\":\"%0129d\"}", 0);
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", AGORA, agora_h, body, 200, CREATED);
  snprintf(read, sizeof(read), "{\"data\":[{\"id\":\"g1\",\"name\":\"%0128d\"}]}", 0);
  expect(CFM_VERDICT_PASS, NULL, &s, "GET", AGORA "/g1", agora_h, NULL, 200, read);
  snprintf(read, sizeof(read), "{\"data\":[{\"id\":\"g1\",\"name\":\"%0129d\"}]}", 0);
  expect(CFM_VERDICT_FAIL, "groupname reads back 129 characters", &s, "GET", AGORA "/g1", agora_h,
         NULL, 200, read);
  cfm_passive_stream_release(&s);
}

#define TENCENT "http://h/v4/group_open_http_svc/"
#define TQ                                                                                         \
  "?sdkappid=1400000000&identifier=administrator&usersig=REDACTED&random=1&contenttype=json"
#define T_OK "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}"
#define T_10004 "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,\"ErrorInfo\":\"invalid\"}"

/* Tencent: members cannot be removed from an AVChatRoom; removing a
 * non-member of another group succeeds. */
Test(passive, member_removal_follows_the_group_type_and_membership) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  (void)expect(
      CFM_VERDICT__COUNT, NULL, &s, "POST", TENCENT "create_group" TQ, NULL,
      "{\"Type\":\"AVChatRoom\",\"Name\":\"a\",\"Owner_Account\":\"o\"}", 200,
      "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"GroupId\":\"@TGS#A\"}");
  (void)expect(
      CFM_VERDICT__COUNT, NULL, &s, "POST", TENCENT "create_group" TQ, NULL,
      "{\"Type\":\"Private\",\"Name\":\"p\",\"Owner_Account\":\"o\",\"MemberList\":[{"
      "\"Member_Account\":\"m\"}]}",
      200, "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"GroupId\":\"@TGS#P\"}");
  expect(CFM_VERDICT_FAIL, "type AVChatRoom", &s, "POST", TENCENT "delete_group_member" TQ, NULL,
         "{\"GroupId\":\"@TGS#A\",\"MemberToDel_Account\":[\"m\"]}", 200, T_OK);
  expect(CFM_VERDICT_PASS, NULL, &s, "POST", TENCENT "delete_group_member" TQ, NULL,
         "{\"GroupId\":\"@TGS#A\",\"MemberToDel_Account\":[\"m\"]}", 200, T_10004);
  expect(CFM_VERDICT_FAIL, "not in the group succeeds", &s, "POST",
         TENCENT "delete_group_member" TQ, NULL,
         "{\"GroupId\":\"@TGS#P\",\"MemberToDel_Account\":[\"stranger\"]}", 200, T_10004);
  /* The member itself may be refused for reasons the documents give. */
  expect(CFM_VERDICT_PASS, NULL, &s, "POST", TENCENT "delete_group_member" TQ, NULL,
         "{\"GroupId\":\"@TGS#P\",\"MemberToDel_Account\":[\"m\"]}", 200, T_10004);
  cfm_passive_stream_release(&s);
}

/* DingTalk: a group with a sub-group the stream created cannot be deleted. */
Test(passive, a_group_with_sub_groups_must_not_be_deleted) {
  static const char *const dh[] = {"x-acs-dingtalk-access-token: t", NULL};
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"p\",\"parentGroupId\":0}", 200,
               "{\"result\":101}");
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"c\",\"parentGroupId\":101}", 200,
               "{\"result\":102}");
  /* Refused, then the sub-group deleted first: the parent may go. */
  cr_assert_neq(expect(CFM_VERDICT__COUNT, NULL, &s, "DELETE",
                       "http://h/v1.0/rooms/groups/101?unionId=admin", dh, NULL, 400,
                       "{\"code\":\"group.has.sub\",\"message\":\"x\"}"),
                CFM_VERDICT_FAIL);
  expect(CFM_VERDICT_PASS, NULL, &s, "DELETE", "http://h/v1.0/rooms/groups/102?unionId=admin", dh,
         NULL, 200, "{\"result\":true}");
  expect(CFM_VERDICT_PASS, NULL, &s, "DELETE", "http://h/v1.0/rooms/groups/101?unionId=admin", dh,
         NULL, 200, "{\"result\":true}");
  /* Another parent deleted while its sub-group lives: a fail. */
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"p\",\"parentGroupId\":0}", 200,
               "{\"result\":201}");
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"c\",\"parentGroupId\":201}", 200,
               "{\"result\":202}");
  expect(CFM_VERDICT_FAIL, "1 sub-groups", &s, "DELETE",
         "http://h/v1.0/rooms/groups/201?unionId=admin", dh, NULL, 200, "{\"result\":true}");
  cfm_passive_stream_release(&s);
}

/* DingTalk: who else is an admin is not in the traffic: a deletion by
 * another operator than the creator that succeeds warns. */
Test(passive, a_deletion_by_another_operator_than_the_creator_warns) {
  static const char *const dh[] = {"x-acs-dingtalk-access-token: t", NULL};
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"p\",\"parentGroupId\":0}", 200,
               "{\"result\":301}");
  expect(CFM_VERDICT_WARN, "not the group's creator", &s, "DELETE",
         "http://h/v1.0/rooms/groups/301?unionId=someone", dh, NULL, 200, "{\"result\":true}");
  cfm_passive_stream_release(&s);
}

/* With the accounts the user declares (check --config): a deletion by the
 * declared non-admin operator of a group another account created must be
 * refused; another operator still only warns. */
Test(passive, a_deletion_by_the_declared_non_admin_must_be_refused) {
  static const char *const dh[] = {"x-acs-dingtalk-access-token: t", NULL};
  static const char conf[] =
      "{\"targets\": {\"dingtalk-rooms\": {\"variables\": {\"user_union_id\": \"someone\"}}}}";
  cfm_passive_stream s;
  cfm_config cfg;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_parse(&cfg, "t.json", conf, strlen(conf), &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  cr_assert_eq(cfm_passive_stream_declare(&s, &specs, &cfg), CFM_EOK);
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"p\",\"parentGroupId\":0}", 200,
               "{\"result\":301}");
  expect(CFM_VERDICT_FAIL, "non-admin account the configuration declares", &s, "DELETE",
         "http://h/v1.0/rooms/groups/301?unionId=someone", dh, NULL, 200, "{\"result\":true}");
  (void)expect(CFM_VERDICT__COUNT, NULL, &s, "POST", "http://h/v1.0/rooms/groups", dh,
               "{\"unionId\":\"admin\",\"groupName\":\"p\",\"parentGroupId\":0}", 200,
               "{\"result\":302}");
  expect(CFM_VERDICT_WARN, "not the group's creator", &s, "DELETE",
         "http://h/v1.0/rooms/groups/302?unionId=other", dh, NULL, 200, "{\"result\":true}");
  expect(CFM_VERDICT_PASS, NULL, &s, "DELETE", "http://h/v1.0/rooms/groups/302?unionId=someone", dh,
         NULL, 400, "{\"code\":\"user.not.admin\",\"message\":\"User Not Admin\"}");
  cfm_passive_stream_release(&s);
  cfm_config_release(&cfg);
}

/* As the run's cases: a wrong type accepted warns; a malformed Tencent id
 * may answer any row the spec names for it (10015 or 10010). */
Test(passive, a_wrong_type_warns_and_malformed_ids_take_the_spec_rows) {
  expect(CFM_VERDICT_WARN, "not of the documented type", NULL, "POST", AGORA, agora_h,
         "{\"public\":\"yes\",\"owner\":\"u1\"}", 200, CREATED);
  expect(CFM_VERDICT_PASS, NULL, NULL, "POST", TENCENT "destroy_group" TQ, NULL,
         "{\"GroupId\":\"\"}", 200,
         "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10010,\"ErrorInfo\":\"group id invalid\"}");
  expect(CFM_VERDICT_PASS, NULL, NULL, "POST", TENCENT "destroy_group" TQ, NULL,
         "{\"GroupId\":\"\"}", 200,
         "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10015,\"ErrorInfo\":\"group id invalid\"}");
  expect(CFM_VERDICT_FAIL, NULL, NULL, "POST", TENCENT "destroy_group" TQ, NULL,
         "{\"GroupId\":\"\"}", 200,
         "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10004,\"ErrorInfo\":\"invalid\"}");
}

/* An expired UserSig (its times kept by the recording, the UserSig
 * redacted) must be refused with the documented row. */
Test(passive, an_expired_usersig_must_be_refused) {
  static const char *const fmt =
      "{\"log\":{\"entries\":[{\"startedDateTime\":\"2023-11-14T22:14:%02dZ\",\"request\":{"
      "\"method\":\"POST\",\"url\":\"" TENCENT "get_group_info" TQ "\",\"_usersig\":{\"issued\":"
      "1700000000,\"expire\":60},\"postData\":{\"text\":\"{\\\"GroupIdList\\\":[\\\"@TGS#1\\\"]}"
      "\"}},\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\",\"text\":"
      "\"%s\"}}}]}}";
  static const struct {
    int second;
    const char *answer;
    cfm_verdict want;
  } cases[] = {
      {19,
       "{\\\"ActionStatus\\\":\\\"OK\\\",\\\"ErrorCode\\\":0,\\\"ErrorInfo\\\":\\\"\\\","
       "\\\"GroupInfo\\\":[]}",
       CFM_VERDICT_PASS},
      {21,
       "{\\\"ActionStatus\\\":\\\"OK\\\",\\\"ErrorCode\\\":0,\\\"ErrorInfo\\\":\\\"\\\","
       "\\\"GroupInfo\\\":[]}",
       CFM_VERDICT_FAIL},
      {21,
       "{\\\"ActionStatus\\\":\\\"FAIL\\\",\\\"ErrorCode\\\":70001,\\\"ErrorInfo\\\":"
       "\\\"expired\\\"}",
       CFM_VERDICT_PASS},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char text[2048];
    cfm_har h;
    cfm_error_t err;
    cfm_passive_result r;
    snprintf(text, sizeof(text), fmt, cases[i].second, cases[i].answer);
    cfm_error_init(&err);
    cr_assert_eq(cfm_har_parse("t.har", text, strlen(text), &h, &err), CFM_EOK, "%s", err.text);
    cr_assert_eq(cfm_passive_judge_entry(&specs, NULL, &h.entries[0], &r), CFM_EOK);
    cr_assert_eq(r.verdict, cases[i].want, "case %zu: %s", i, r.reason);
    if (cases[i].second > 20)
      cr_assert(strstr(r.client_reason, "UserSig expired"), "%s", r.client_reason);
    cfm_passive_result_release(&r);
    cfm_har_release(&h);
  }
}

/* A query that is not UTF-8 is judged, not taken for out of memory (fuzz_har). */
Test(passive, a_query_that_is_not_utf8_is_judged) {
  cfm_passive_result r;
  cr_assert_eq(judge(NULL, "GET", AGORA "/g1?limit=\xff\xfe&\xc3=1", agora_h, NULL, 200,
                     "{\"data\":[]}", &r),
               CFM_VERDICT_PASS, "%s", r.reason);
  cfm_passive_result_release(&r);
}

Test(passive, an_undocumented_call_is_skipped_with_the_nearest) {
  cfm_passive_result r;
  cr_assert_eq(judge(NULL, "GET", "http://h/app-id/a/chatgroupz", agora_h, NULL, 200, "{}", &r),
               CFM_VERDICT_SKIP);
  cr_assert(strstr(r.reason, "nearest: agora-chat."), "%s", r.reason);
  cfm_passive_result_release(&r);
}

/* ---- recorded runs against the mock, each fault ------------------------------ */

/* Runs vendor's cases against the mock (alt: in its alternative reading)
 * with fault (or none), recording a HAR, and judges it; returns the number
 * of fail verdicts.  CFM_PASSIVE_KEEP=1 keeps the HAR (its path printed),
 * CFM_PASSIVE_VERBOSE=1 prints every fail. */
static size_t passive_fails(const char *fault, const char *vendor, int alt, size_t *entries) {
  cfm_mock_config mc;
  cfm_mock *m;
  const char *faults[2] = {fault, NULL};
  char why[256], path[] = "/tmp/cfm-passive-XXXXXX";
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_har_writer *w;
  cfm_har har;
  cfm_passive_stream st;
  size_t i, fails = 0;
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  mc.reading_alt = alt;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.vendor = vendor;
  opt.concurrency = 16;
  opt.timeout_ms = 5000;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_writer_open(path, &cfg, &w, &err), CFM_EOK, "%s", err.text);
  opt.record.fn = cfm_har_record;
  opt.record.user = w;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_har_writer_close(w), CFM_EOK);
  cfm_mock_stop(m);
  cr_assert_eq(cfm_har_load(path, &har, &err), CFM_EOK, "%s", err.text);
  if (getenv("CFM_PASSIVE_KEEP"))
    printf("  %s: kept %s\n", fault ? fault : "faithful", path);
  else
    unlink(path);
  cr_assert_eq(cfm_passive_stream_init(&st), CFM_EOK);
  /* As `check --config` with the config the run used (the mock's). */
  cr_assert_eq(cfm_passive_stream_declare(&st, &specs, &cfg), CFM_EOK);
  cfm_config_release(&cfg);
  for (i = 0; i < har.count; i++) {
    const cfm_har_entry *e = &har.entries[i];
    cfm_passive_result r;
    if (e->unusable)
      continue;
    cr_assert_eq(cfm_passive_judge_entry(&specs, &st, e, &r), CFM_EOK);
    if (r.verdict == CFM_VERDICT_FAIL) {
      if (getenv("CFM_PASSIVE_VERBOSE"))
        printf("  %s: e%zu %s %s: %s\n",
               fault ? fault
               : alt ? "alt"
                     : "faithful",
               i, e->method, e->url, r.reason);
      fails++;
    }
    cfm_passive_result_release(&r);
  }
  cfm_passive_stream_release(&st);
  *entries = har.count;
  cfm_har_release(&har);
  return fails;
}

Test(passive, recorded_faithful_run_has_no_fail, .timeout = 120) {
  size_t entries;
  cr_assert_eq(passive_fails(NULL, NULL, 0, &entries), 0);
  cr_assert_gt(entries, 500, "a run records every exchange (%zu)", entries);
}

/* A target that reads the documents' open points the other way
 * (test_readings) still conforms: its recording has no fail either. */
Test(passive, recorded_alternative_reading_run_has_no_fail, .timeout = 120) {
  size_t entries;
  cr_assert_eq(passive_fails(NULL, NULL, 1, &entries), 0);
  cr_assert_gt(entries, 500, "a run records every exchange (%zu)", entries);
}

/* What tests/data/passive-detection.txt says of fault: 'f' found, 'm'
 * missed (the reason is in the file), 0 not listed. */
static char expected_detection(const char *fault) {
  FILE *f = fopen(CONFORM_TESTDATA_DIR "/passive-detection.txt", "r");
  char line[512], word[16], name[128];
  char got = 0;
  cr_assert_not_null(f, "tests/data/passive-detection.txt");
  while (!got && fgets(line, sizeof(line), f)) {
    if (line[0] == '#' || sscanf(line, "%15s %127s", word, name) != 2 || strcmp(name, fault))
      continue;
    got = !strcmp(word, "found") ? 'f' : !strcmp(word, "missed") ? 'm' : '?';
  }
  fclose(f);
  return got;
}

/* Every fault of the mock, recorded and judged: each the data file lists
 * as found gives a fail, each it lists as missed none (a missed fault
 * that is found belongs in the found list).  CFM_PASSIVE_ONLY=NAME runs
 * one fault. */
/* The faults are judged in DETECT_SHARDS tests (fault i in shard i % N), so
 * Criterion runs them in parallel and each stays well inside its timeout
 * under ASan on a loaded machine; together they cover every fault. */
#define DETECT_SHARDS 4
static void detect_shard(size_t shard) {
  const cfm_mock_fault *f;
  const char *only = getenv("CFM_PASSIVE_ONLY");
  size_t n = 0, detected = 0, entries, i;
  char missed[2048] = "", wrong[2048] = "";
  for (f = cfm_mock_faults(), i = 0; f->name; f++, i++) {
    char want = expected_detection(f->name);
    size_t fails;
    if (only ? shard != 0 || strcmp(only, f->name) != 0 : i % DETECT_SHARDS != shard)
      continue;
    cr_assert(want == 'f' || want == 'm', "%s: not listed in tests/data/passive-detection.txt",
              f->name);
    /* A [fuzz] fault shows only in combinations or sequences the cases do
     * not send (test_mutation holds the cases to missing it): its
     * recording holds nothing to find, so it is not run. */
    if (strstr(f->statement, "[fuzz]")) {
      cr_assert_eq(want, 'm', "%s is a [fuzz] fault: list it missed", f->name);
      continue;
    }
    fails = passive_fails(f->name, f->vendor, 0, &entries);
    n++;
    printf("passive detection: %-36s %s (%zu fail)\n", f->name, fails ? "found " : "MISSED", fails);
    if (fails)
      detected++;
    else
      snprintf(missed + strlen(missed), sizeof(missed) - strlen(missed), " %s", f->name);
    if ((want == 'f') != (fails > 0))
      snprintf(wrong + strlen(wrong), sizeof(wrong) - strlen(wrong), " %s (%s)", f->name,
               want == 'f' ? "listed found, missed" : "listed missed, found");
  }
  printf("passive detection (shard %zu/%d): %zu/%zu%s%s\n", shard, DETECT_SHARDS, detected, n,
         missed[0] ? "; missed:" : "", missed);
  if (only && shard == 0)
    cr_assert_gt(n, 0, "CFM_PASSIVE_ONLY names no fault");
  cr_assert_eq(wrong[0], '\0', "against tests/data/passive-detection.txt:%s", wrong);
}

Test(passive, recorded_faulty_runs_show_the_fault_0, .timeout = 280) {
  detect_shard(0);
}
Test(passive, recorded_faulty_runs_show_the_fault_1, .timeout = 280) {
  detect_shard(1);
}
Test(passive, recorded_faulty_runs_show_the_fault_2, .timeout = 280) {
  detect_shard(2);
}
Test(passive, recorded_faulty_runs_show_the_fault_3, .timeout = 280) {
  detect_shard(3);
}

/* conform check: run's report formats and exit codes. */
Test(passive, check_command_exit_codes, .timeout = 120) {
  char out[4096], dir[] = "/tmp/cfm-check-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check --bogus x.har 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "echo '{}' > %s/not.har; %s check --no-reports %s/not.har 2>/dev/null",
                         dir, CONFORM_BIN, dir),
               3);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s check --no-reports %s/missing.har 2>/dev/null",
                         CONFORM_BIN, dir),
               3);
  /* A recorded faithful run: no fail, reports written. */
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && %s run --vendor dingtalk-rooms --no-reports --record ok.har "
                         "2>/dev/null && %s check --reports r ok.har 2>/dev/null && ls r/latest/",
                         dir, CONFORM_BIN, CONFORM_BIN),
               0);
  cr_assert(strstr(out, "report.json") && strstr(out, "junit.xml"), "%s", out);
  /* --config: the run's declared accounts; a faithful run still has no fail,
   * a config that is not one is refused (3). */
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && printf '%%s' '{\"targets\": {\"dingtalk-rooms\": "
                         "{\"variables\": {\"user_union_id\": \"conform-user-union\"}}}}' "
                         "> c.json && %s check --no-reports --config c.json ok.har 2>&1",
                         dir, CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s && echo '{\"bogus\": 1}' > b.json && %s check --no-reports "
                         "--config b.json ok.har 2>/dev/null",
                         dir, CONFORM_BIN),
               3);
  /* An accepted request without credentials: exit 1. */
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out),
                "cd %s && printf '%%s' '{\"log\":{\"entries\":[{\"request\":{\"method\":"
                "\"DELETE\",\"url\":\"http://h/v1.0/rooms/groups/7?unionId=u\"},"
                "\"response\":{\"status\":200,\"content\":{\"mimeType\":"
                "\"application/json\",\"text\":\"{\\\"result\\\":true}\"}}}]}}' > bad.har && "
                "%s check --no-reports bad.har 2>&1",
                dir, CONFORM_BIN),
      1, "%s", out);
  cr_assert(strstr(out, "1 fail"), "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}
