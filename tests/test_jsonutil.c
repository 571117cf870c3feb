#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"

Test(jsonutil, parse_without_nul_terminator) {
  const char text[] = "{\"a\": [1, {\"b/c\": \"x\", \"d~e\": 2}]}GARBAGE";
  json_t *v = cfm_json_parse(text, strlen(text) - 7, 1024, NULL, 0);
  cr_assert_not_null(v);
  cr_assert_str_eq(json_string_value(cfm_json_pointer(v, "/a/1/b~1c")), "x");
  cr_assert_eq(json_integer_value(cfm_json_pointer(v, "/a/1/d~0e")), 2);
  cr_assert_eq(cfm_json_pointer(v, ""), v);
  cr_assert_null(cfm_json_pointer(v, "/a/01"));
  cr_assert_null(cfm_json_pointer(v, "/a/2"));
  cr_assert_null(cfm_json_pointer(v, "a"));
  cr_assert_null(cfm_json_pointer(v, "/a/x"));
  cr_assert_null(cfm_json_pointer(v, "/a/1/~2"));
  json_decref(v);
}

Test(jsonutil, rejects_oversized_and_deep_input) {
  char err[128];
  char *deep = malloc(2001);
  memset(deep, '[', 1000);
  memset(deep + 1000, ']', 1000);
  deep[2000] = '\0';
  cr_assert_null(cfm_json_parse("[1,2,3]", 7, 4, err, sizeof(err)));
  cr_assert(strstr(err, "cap") != NULL, "reason: %s", err);
  cr_assert_null(cfm_json_parse(deep, 2000, 1 << 20, err, sizeof(err)));
  cr_assert(strstr(err, "deeper") != NULL, "reason: %s", err);
  free(deep);
  /* Brackets inside strings do not count toward depth. */
  const char *in_string =
      "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]";
  json_t *j = cfm_json_parse(in_string, strlen(in_string), 1024, NULL, 0);
  cr_assert_not_null(j);
  json_decref(j);
}

/* The depth pre-scan skips strings: an escaped quote does not end one, an
 * escaped backslash before a quote does. */
Test(jsonutil, depth_scan_follows_string_escapes) {
  char text[256], err[128];
  json_t *j;
  /* the brackets sit inside "a\"[[[...": one string, depth 1 */
  snprintf(text, sizeof(text), "[\"a\\\"%.*s\"]", 70,
           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
  j = cfm_json_parse(text, strlen(text), 1024, err, sizeof(err));
  cr_assert_not_null(j, "%s: %s", text, err);
  cr_assert_eq(json_string_length(json_array_get(j, 0)), 72);
  json_decref(j);
  /* "a\\" ends at its quote: the 70 brackets after it are real */
  snprintf(text, sizeof(text), "[\"a\\\\\",%.*s", 70,
           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
  cr_assert_null(cfm_json_parse(text, strlen(text), 1024, err, sizeof(err)));
  cr_assert(strstr(err, "deeper") != NULL, "reason: %s", err);
  /* an unterminated string is the parser's to report */
  cr_assert_null(cfm_json_parse("[\"abc\\\"", 7, 1024, err, sizeof(err)));
  cr_assert(strstr(err, "invalid JSON") != NULL, "reason: %s", err);
}

Test(jsonutil, reports_syntax_errors) {
  char err[128];
  cr_assert_null(cfm_json_parse("{\"a\":", 5, 1024, err, sizeof(err)));
  cr_assert(strstr(err, "invalid JSON") != NULL, "reason: %s", err);
  cr_assert_null(cfm_json_parse("{\"a\":1,\"a\":2}", 13, 1024, err, sizeof(err)));
  cr_assert_null(cfm_json_parse("", 0, 1024, err, sizeof(err)));
}

Test(jsonutil, pointer_building_escapes) {
  char p[32] = "";
  cfm_json_pointer_append(p, sizeof(p), "a/b");
  cfm_json_pointer_append(p, sizeof(p), "c~d");
  cfm_json_pointer_append_index(p, sizeof(p), 7);
  cr_assert_str_eq(p, "/a~1b/c~0d/7");
  /* Truncated to the capacity, never past it ... */
  cfm_json_pointer_append(p, sizeof(p), "a-very-long-token-that-will-not-fit");
  cr_assert_str_eq(p, "/a~1b/c~0d/7/a-very-long-token-");
  /* ... and never in the middle of an escape. */
  {
    char q[3] = "";
    cfm_json_pointer_append(q, sizeof(q), "~");
    cr_assert_str_eq(q, "/");
  }
  {
    char q[4] = "";
    cfm_json_pointer_append(q, sizeof(q), "~");
    cr_assert_str_eq(q, "/~0");
  }
}
