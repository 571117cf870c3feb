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

/* ---- every bound at, below and above its edge --------------------------- */

#define CJK "\xE7\xBE\xA4"       /* 群: 1 code point, 3 bytes */
#define EMOJI "\xF0\x9F\x98\x80" /* 😀: 1 code point, 4 bytes, 2 UTF-16 units */

typedef struct edge {
  const char *schema, *instance;
  const char *keyword; /* the one violation expected, NULL = valid */
} edge;

static void check_edges(const edge *rows, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    cfm_violations v;
    int got = check(rows[i].schema, rows[i].instance, &v);
    if (!rows[i].keyword) {
      cr_expect_eq(got, 0, "%s against %s: %d violation(s), first %s", rows[i].instance,
                   rows[i].schema, got, got > 0 ? v.items[0].keyword : "-");
      continue;
    }
    cr_expect_eq(got, 1, "%s against %s: %d violation(s), want one %s", rows[i].instance,
                 rows[i].schema, got, rows[i].keyword);
    if (got == 1) {
      cr_expect_str_eq(v.items[0].keyword, rows[i].keyword, "%s against %s", rows[i].instance,
                       rows[i].schema);
      cr_expect_str_eq(v.items[0].pointer, "", "%s", rows[i].instance);
    }
  }
}

Test(schema, numeric_bounds_at_below_and_above) {
  static const edge rows[] = {
      {"{\"minimum\":5}", "4", "minimum"},
      {"{\"minimum\":5}", "4.999", "minimum"},
      {"{\"minimum\":5}", "5", NULL},
      {"{\"minimum\":5}", "5.0", NULL},
      {"{\"minimum\":5}", "6", NULL},
      {"{\"minimum\":-5}", "-6", "minimum"},
      {"{\"minimum\":-5}", "-5", NULL},
      {"{\"minimum\":0}", "-0.0", NULL},
      {"{\"minimum\":0}", "-1e-9", "minimum"},
      {"{\"maximum\":10}", "9", NULL},
      {"{\"maximum\":10}", "10", NULL},
      {"{\"maximum\":10}", "10.0", NULL},
      {"{\"maximum\":10}", "10.0001", "maximum"},
      {"{\"maximum\":10}", "11", "maximum"},
      {"{\"maximum\":0}", "0", NULL},
      {"{\"maximum\":0}", "1e-9", "maximum"},
      {"{\"maximum\":2147483647}", "2147483647", NULL},
      {"{\"maximum\":2147483647}", "2147483648", "maximum"},
      {"{\"minimum\":1,\"maximum\":1}", "1", NULL},
      {"{\"minimum\":1,\"maximum\":1}", "0", "minimum"},
      {"{\"minimum\":1,\"maximum\":1}", "2", "maximum"},
      {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}", "1000", NULL},
      {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}", "1001", "maximum"},
      {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}", "1", NULL},
      {"{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}", "0", "minimum"},
      /* bounds apply to numbers only */
      {"{\"maximum\":1}", "\"99\"", NULL},
  };
  check_edges(rows, sizeof(rows) / sizeof(rows[0]));
}

Test(schema, length_bounds_count_code_points) {
  static const edge rows[] = {
      {"{\"minLength\":2,\"maxLength\":3}", "\"a\"", "minLength"},
      {"{\"minLength\":2,\"maxLength\":3}", "\"ab\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"abc\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"abcd\"", "maxLength"},
      /* CJK: 3 bytes a character; a byte count would refuse "群群" */
      {"{\"minLength\":2,\"maxLength\":3}", "\"" CJK "\"", "minLength"},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" CJK CJK "\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" CJK CJK CJK "\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" CJK CJK CJK CJK "\"", "maxLength"},
      /* emoji: 4 bytes and two UTF-16 units a character */
      {"{\"minLength\":2,\"maxLength\":3}", "\"" EMOJI "\"", "minLength"},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" EMOJI EMOJI "\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" EMOJI EMOJI EMOJI "\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"" EMOJI EMOJI EMOJI EMOJI "\"", "maxLength"},
      {"{\"minLength\":2,\"maxLength\":3}", "\"a" CJK EMOJI "\"", NULL},
      {"{\"minLength\":2,\"maxLength\":3}", "\"a" CJK EMOJI "b\"", "maxLength"},
      /* escapes count as the character they stand for */
      {"{\"maxLength\":1}", "\"\\u7fa4\"", NULL},
      {"{\"maxLength\":1}", "\"\\ud83d\\ude00\"", NULL},
      {"{\"minLength\":1}", "\"\"", "minLength"},
      {"{\"minLength\":0}", "\"\"", NULL},
      {"{\"maxLength\":0}", "\"\"", NULL},
      {"{\"maxLength\":0}", "\"a\"", "maxLength"},
  };
  check_edges(rows, sizeof(rows) / sizeof(rows[0]));
}

Test(schema, byte_bounds_count_utf8_bytes) {
  static const edge rows[] = {
      {"{\"x-maxBytes\":6}", "\"abcde\"", NULL},
      {"{\"x-maxBytes\":6}", "\"abcdef\"", NULL},
      {"{\"x-maxBytes\":6}", "\"abcdefg\"", "x-maxBytes"},
      {"{\"x-maxBytes\":6}", "\"" CJK "a\"", NULL},
      {"{\"x-maxBytes\":6}", "\"" CJK CJK "\"", NULL},
      {"{\"x-maxBytes\":6}", "\"" CJK CJK "a\"", "x-maxBytes"},
      {"{\"x-maxBytes\":6}", "\"" EMOJI "ab\"", NULL},
      {"{\"x-maxBytes\":6}", "\"" EMOJI "abc\"", "x-maxBytes"},
      {"{\"x-maxBytes\":6}", "\"" EMOJI EMOJI "\"", "x-maxBytes"},
      /* 2 characters fit maxLength, 6 bytes do not fit 5 */
      {"{\"x-maxBytes\":5,\"maxLength\":2}", "\"" CJK CJK "\"", "x-maxBytes"},
      /* 3 characters of 1 byte: bytes fit, characters do not */
      {"{\"x-maxBytes\":5,\"maxLength\":2}", "\"abc\"", "maxLength"},
      {"{\"x-maxBytes\":0}", "\"\"", NULL},
      {"{\"x-maxBytes\":0}", "\"a\"", "x-maxBytes"},
  };
  check_edges(rows, sizeof(rows) / sizeof(rows[0]));
}

Test(schema, item_count_bounds) {
  static const edge rows[] = {
      {"{\"minItems\":1,\"maxItems\":3}", "[]", "minItems"},
      {"{\"minItems\":1,\"maxItems\":3}", "[1]", NULL},
      {"{\"minItems\":1,\"maxItems\":3}", "[1,2]", NULL},
      {"{\"minItems\":1,\"maxItems\":3}", "[1,2,3]", NULL},
      {"{\"minItems\":1,\"maxItems\":3}", "[1,2,3,4]", "maxItems"},
      {"{\"maxItems\":0}", "[]", NULL},
      {"{\"maxItems\":0}", "[null]", "maxItems"},
      {"{\"minItems\":2}", "[[1,2,3]]", "minItems"},
      /* counts apply to arrays only */
      {"{\"maxItems\":1}", "\"abc\"", NULL},
      {"{\"maxItems\":1}", "{\"a\":1,\"b\":2}", NULL},
  };
  check_edges(rows, sizeof(rows) / sizeof(rows[0]));
}

/* exclusiveMinimum / exclusiveMaximum (JSON Schema 2020-12, numeric form):
 * the bound itself is outside; integers and reals alike. */
Test(schema, exclusive_bounds_at_below_and_above) {
  static const edge rows[] = {
      {"{\"exclusiveMinimum\":5}", "5", "exclusiveMinimum"},
      {"{\"exclusiveMinimum\":5}", "4", "exclusiveMinimum"},
      {"{\"exclusiveMinimum\":5}", "5.0001", NULL},
      {"{\"exclusiveMinimum\":5}", "6", NULL},
      {"{\"exclusiveMaximum\":10}", "10", "exclusiveMaximum"},
      {"{\"exclusiveMaximum\":10}", "11", "exclusiveMaximum"},
      {"{\"exclusiveMaximum\":10}", "9.9999", NULL},
      {"{\"exclusiveMaximum\":10}", "9", NULL},
      {"{\"exclusiveMinimum\":-1.5}", "-1.5", "exclusiveMinimum"},
      {"{\"exclusiveMinimum\":-1.5}", "-1", NULL},
      {"{\"exclusiveMinimum\":0,\"exclusiveMaximum\":1}", "0.5", NULL},
      {"{\"exclusiveMinimum\":0,\"exclusiveMaximum\":1}", "1", "exclusiveMaximum"},
      /* numbers only */
      {"{\"exclusiveMaximum\":1}", "\"5\"", NULL},
  };
  check_edges(rows, sizeof(rows) / sizeof(rows[0]));
}

/* Boundary violations carry a pointer into the instance and a message
 * that names the bound. */
Test(schema, bound_violation_messages) {
  cfm_violations v;
  cr_assert_eq(check("{\"properties\":{\"n\":{\"maximum\":10}}}", "{\"n\":11}", &v), 1);
  cr_assert_str_eq(v.items[0].pointer, "/n");
  cr_assert(strstr(v.items[0].message, "11") && strstr(v.items[0].message, "10"), "%s",
            v.items[0].message);
  cr_assert_eq(check("{\"exclusiveMaximum\":10}", "10", &v), 1);
  cr_assert(strstr(v.items[0].message, "not below the exclusive maximum 10"), "%s",
            v.items[0].message);
  cr_assert_eq(check("{\"items\":{\"maxLength\":1}}", "[\"a\",\"" CJK CJK "\"]", &v), 1);
  cr_assert_str_eq(v.items[0].pointer, "/1");
  cr_assert(strstr(v.items[0].message, "2 characters"), "%s", v.items[0].message);
}
