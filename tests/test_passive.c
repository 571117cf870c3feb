/* Passive expectations: single exchanges and small streams judged with no
 * server, one test per rule.  The recorded runs against the mock (issue
 * 18's done-when) are tests/test_passive_recorded.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/passive.h"
#include "helper_specs.h"

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
  /* A macro, so the format is a literal the compiler checks. */
#define EXPIRY_HAR_FMT                                                                             \
  "{\"log\":{\"entries\":[{\"startedDateTime\":\"2023-11-14T22:14:%02dZ\",\"request\":{"           \
  "\"method\":\"POST\",\"url\":\"" TENCENT "get_group_info" TQ "\",\"_usersig\":{\"issued\":"      \
  "1700000000,\"expire\":60},\"postData\":{\"text\":\"{\\\"GroupIdList\\\":[\\\"@TGS#1\\\"]}"      \
  "\"}},\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\",\"text\":"     \
  "\"%s\"}}}]}}"
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
    snprintf(text, sizeof(text), EXPIRY_HAR_FMT, cases[i].second, cases[i].answer);
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
