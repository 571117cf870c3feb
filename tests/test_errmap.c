#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "conform/errmap.h"
#include "conform/jsonutil.h"

static json_t *J(const char *s) {
  return cfm_json_parse(s, strlen(s), 1 << 20, NULL, 0);
}

static json_t *tencent_model(void) {
  return J("{\"http_errors\": false, \"success_status\": [200], \"code\": \"/ErrorCode\","
           " \"code_type\": \"integer\", \"success_code\": 0, \"message\": \"/ErrorInfo\"}");
}
static json_t *agora_model(void) {
  return J("{\"http_errors\": true, \"success_status\": [200], \"code\": \"/error\","
           " \"code_type\": \"string\", \"message\": \"/error_description\","
           " \"status_classes\": {\"429\": \"RESOURCE_EXHAUSTED\"}}");
}

Test(errmap, tencent_codes_in_a_200_body) {
  json_t *model = tencent_model();
  json_t *rows =
      J("[{\"id\": \"nf\", \"status\": 200, \"code\": 10010, \"class\": \"NOT_FOUND\"},"
        " {\"id\": \"bad\", \"status\": 200, \"code\": 10015, \"class\": \"INVALID_ARGUMENT\"}]");
  const json_t *tables[1] = {rows};
  cfm_mapped m;
  const char ok[] = "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\"}";
  const char nf[] = "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":10010,\"ErrorInfo\":\"gone\"}";
  const char as_text[] = "{\"ErrorCode\":\"10015\"}";
  cr_assert_eq(cfm_errmap_map(model, tables, 1, 200, ok, strlen(ok), &m), 0);
  cr_assert_eq(m.cls, CFM_CLASS_OK);
  cr_assert_not(m.is_error);
  cfm_errmap_map(model, tables, 1, 200, nf, strlen(nf), &m);
  cr_assert(m.is_error);
  cr_assert_eq(m.cls, CFM_CLASS_NOT_FOUND);
  cr_assert_str_eq(m.code, "10010");
  cr_assert_str_eq(m.message, "gone");
  cr_assert_str_eq(json_string_value(json_object_get(m.row, "id")), "nf");
  cfm_errmap_map(model, tables, 1, 200, as_text, strlen(as_text), &m);
  cr_assert_eq(m.cls, CFM_CLASS_INVALID_ARGUMENT, "codes compare as text");
  /* Not HTTP 200: a transport-level error, whatever the body says. */
  cfm_errmap_map(model, tables, 1, 502, ok, strlen(ok), &m);
  cr_assert(m.is_error);
  cr_assert_eq(m.cls, CFM_CLASS_UNAVAILABLE);
  /* A code in no table. */
  cfm_errmap_map(model, tables, 1, 200, "{\"ErrorCode\":42}", 16, &m);
  cr_assert_eq(m.cls, CFM_CLASS_UNKNOWN);
  json_decref(rows);
  json_decref(model);
}

Test(errmap, agora_rows_chosen_by_message) {
  json_t *model = agora_model();
  json_t *rows =
      J("[{\"id\": \"miss\", \"status\": 400, \"code\": \"invalid_parameter\","
        "   \"message\": \"^(.+) must be provided$\", \"class\": \"INVALID_ARGUMENT\"},"
        " {\"id\": \"avatar\", \"status\": 400, \"code\": \"invalid_parameter\","
        "   \"message\": \"^avatar length is too big$\", \"class\": \"INVALID_ARGUMENT\"}]");
  const json_t *tables[2] = {NULL, rows};
  cfm_mapped m;
  const char b[] =
      "{\"error\":\"invalid_parameter\",\"error_description\":\"avatar length is too big\"}";
  cfm_errmap_map(model, tables, 2, 400, b, strlen(b), &m);
  cr_assert_str_eq(json_string_value(json_object_get(m.row, "id")), "avatar");
  cr_assert_eq(cfm_errmap_message_matches(m.row, m.message, strlen(m.message)), 1);
  cfm_errmap_map(model, tables, 2, 429, "<html>busy</html>", 17, &m);
  cr_assert(m.is_error);
  cr_assert_not(m.body_is_json);
  cr_assert_eq(m.cls, CFM_CLASS_RESOURCE_EXHAUSTED, "status_classes applies");
  cfm_errmap_map(model, tables, 2, 200, "", 0, &m);
  cr_assert_eq(m.cls, CFM_CLASS_OK);
  json_decref(rows);
  json_decref(model);
}

Test(errmap, total_on_hostile_bodies) {
  json_t *model = agora_model();
  static const char *const bodies[] = {
      "null", "[]", "{", "\xff\xfe\x00", "{\"error\": {\"a\": 1}}", "{\"error\": 1e999}", ""};
  size_t i, n = 2u << 20;
  char *big = malloc(n), *deep = malloc(20001);
  cfm_mapped m;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
    cr_assert_eq(cfm_errmap_map(model, NULL, 0, 500, bodies[i], strlen(bodies[i]) + (i == 3), &m),
                 0);
  memset(big, '{', n);
  cfm_errmap_map(model, NULL, 0, 400, big, n, &m);
  cr_assert_eq(m.cls, CFM_CLASS_INVALID_ARGUMENT);
  memset(deep, '[', 20000);
  deep[20000] = '\0';
  cfm_errmap_map(model, NULL, 0, 404, deep, 20000, &m);
  cr_assert_eq(m.cls, CFM_CLASS_NOT_FOUND);
  cr_assert_eq(cfm_errmap_map(NULL, NULL, 0, 404, "{}", 2, &m), -1);
  free(big);
  free(deep);
  json_decref(model);
}

static void *match_many(void *arg) {
  json_t *row = arg;
  int i, ok = 1;
  for (i = 0; i < 2000; i++)
    ok &= cfm_errmap_message_matches(row, "grpID 42 does not exist!", 24) == 1;
  return ok ? row : NULL;
}

Test(errmap, pattern_cache_is_thread_safe) {
  json_t *row = J("{\"message\": \"^grpID (.+) does not exist!$\"}");
  json_t *bad = J("{\"message\": \"^(unclosed\"}");
  pthread_t t[4];
  void *res;
  int i;
  for (i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, match_many, row);
  for (i = 0; i < 4; i++) {
    pthread_join(t[i], &res);
    cr_assert_not_null(res);
  }
  cr_assert_eq(cfm_errmap_message_matches(bad, "x", 1), -1);
  cr_assert_eq(cfm_class_parse("NOT_FOUND"), CFM_CLASS_NOT_FOUND);
  cr_assert_eq(cfm_class_parse("nope"), -1);
  json_decref(row);
  json_decref(bad);
}
