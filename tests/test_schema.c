#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "conform/schema.h"

static json_t *J(const char *s) {
  return json_loads(s, JSON_DECODE_ANY, NULL);
}

static int check(const char *schema, const char *instance, cfm_violations *v) {
  json_t *s = J(schema), *i = J(instance);
  int n;
  cr_assert_not_null(s, "schema %s", schema);
  cr_assert_not_null(i, "instance %s", instance);
  n = cfm_schema_validate(s, i, v);
  json_decref(s);
  json_decref(i);
  return n;
}

Test(schema, every_keyword_and_pointer) {
  cfm_violations v;
  const char *s = "{\"type\":\"object\",\"required\":[\"a\",\"z\"],\"additionalProperties\":false,"
                  "\"properties\":{\"a\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":2,"
                  "\"items\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9}},"
                  "\"b\":{\"enum\":[\"x\",\"y\"]},\"c\":{\"const\":true},"
                  "\"d\":{\"type\":\"string\",\"pattern\":\"^[a-z]+$\",\"minLength\":2}}}";
  cr_assert_eq(check(s, "{\"a\":[1,2]}", &v), 1);
  cr_assert_str_eq(v.items[0].pointer, "/z");
  cr_assert_str_eq(v.items[0].keyword, "required");
  {
    int n = check(s, "{\"a\":[1,10,2.5],\"b\":\"q\",\"c\":false,\"d\":\"A\",\"e\":1,\"z\":0}", &v);
    /* maxItems, maximum, type, enum, const, minLength, pattern, and two
     * members outside the closed set (e, z). */
    cr_assert_eq(n, 9, "got %d", n);
    cr_assert_str_eq(v.items[1].pointer, "/a/1");
  }
  cr_assert_eq(check("{\"type\":\"integer\"}", "3.0", &v), 0, "integral reals are integers");
  cr_assert_eq(check("{\"type\":[\"string\",\"null\"]}", "null", &v), 0);
}

Test(schema, lengths_in_code_points_and_bytes) {
  cfm_violations v;
  /* 3 CJK characters = 9 bytes; 2 emoji = 8 bytes. */
  cr_assert_eq(check("{\"maxLength\":3}", "\"\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\"", &v), 0);
  cr_assert_eq(check("{\"maxLength\":2}", "\"\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\"", &v), 1);
  cr_assert_eq(check("{\"x-maxBytes\":8}", "\"\xE7\xBE\xA4\xE7\xBE\xA4\xE7\xBE\xA4\"", &v), 1);
  cr_assert_eq(
      check("{\"x-maxBytes\":8,\"maxLength\":2}", "\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"", &v), 0);
  cr_assert_eq(cfm_utf8_length("\xE7\xBE\xA4"
                               "a\xF0\x9F\x98\x80",
                               8),
               3);
  cr_assert_eq(cfm_utf8_length("\xff\xfe", 2), 2, "invalid bytes count one each");
}

Test(schema, refs_and_combinators) {
  cfm_violations v;
  const char *s =
      "{\"$defs\":{\"p\":{\"type\":\"string\"}},\"type\":\"object\","
      "\"properties\":{\"x\":{\"$ref\":\"#/$defs/p\"},"
      "\"y\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
      "\"z\":{\"anyOf\":[{\"const\":1},{\"const\":2}]},\"w\":{\"not\":{\"type\":\"null\"}}}}";
  cr_assert_eq(check(s, "{\"x\":\"a\",\"y\":1,\"z\":2,\"w\":0}", &v), 0);
  cr_assert_gt(check(s, "{\"x\":1}", &v), 0);
  cr_assert_str_eq(v.items[0].pointer, "/x");
  cr_assert_gt(check(s, "{\"y\":true}", &v), 0);
  cr_assert_gt(check(s, "{\"z\":3}", &v), 0);
  cr_assert_gt(check(s, "{\"w\":null}", &v), 0);
}

Test(schema, malformed_and_hostile_schemas) {
  cfm_violations v;
  char *deep = malloc(20000), *p;
  int i;
  json_t *s, *inst;
  cr_assert_eq(check("{\"pattern\":\"(unclosed\"}", "\"x\"", &v), -1);
  cr_assert_eq(check("{\"$ref\":\"#/nope\"}", "1", &v), -1);
  cr_assert_eq(check("{\"$ref\":\"#\"}", "1", &v), -1, "a cycle ends in an error, not a crash");
  cr_assert_eq(check("{\"type\":\"frobnicate\"}", "1", &v), -1);
  /* 60 nested "items" levels against a 60-deep array. */
  p = deep;
  for (i = 0; i < 60; i++)
    p += sprintf(p, "{\"items\":");
  p += sprintf(p, "{\"type\":\"string\"}");
  for (i = 0; i < 60; i++)
    *p++ = '}';
  *p = '\0';
  s = J(deep);
  p = deep;
  for (i = 0; i < 60; i++)
    *p++ = '[';
  *p++ = '1';
  for (i = 0; i < 60; i++)
    *p++ = ']';
  *p = '\0';
  inst = J(deep);
  cr_assert_eq(cfm_schema_validate(s, inst, &v), 1);
  json_decref(s);
  json_decref(inst);
  free(deep);
}
