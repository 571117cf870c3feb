/* Redaction without a config: what cfm_redact removes by the shape of the
 * text alone (usersig= values, Authorization and access-token header
 * values), so a credential the config does not know — a token typed on
 * the command line of a repro, another app's token — never reaches a
 * report.  test_config.c covers redaction of the config's own secrets. */
#include <criterion/criterion.h>
#include <string.h>

#include "conform/target.h"

typedef struct shape {
  const char *text, *secret, *kept; /* kept: text that must survive */
} shape;

Test(redact, header_and_query_secrets_by_shape) {
  static const shape rows[] = {
      {"curl -H 'Authorization: Bearer tok-8f2a9c' http://h/x", "tok-8f2a9c", "http://h/x"},
      {"curl -H \"Authorization: Basic dXNlcjpwYXNz\" http://h/x", "dXNlcjpwYXNz", "http://h/x"},
      {"authorization: bearer tok-lower-case\n", "tok-lower-case", "authorization: "},
      {"x-acs-dingtalk-access-token: dt-77aa55\nAccept: */*", "dt-77aa55", "Accept: */*"},
      {"GET /v4/x?sdkappid=1&usersig=eJyrVkrOzytJzSvRLyrN\x2d*_&random=5", "eJyrVkrOzytJzSvRLyrN",
       "random=5"},
      {"'http://h/x?usersig=abc123' next", "abc123", "' next"},
  };
  size_t i;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char red[512];
    cfm_redact(NULL, rows[i].text, red, sizeof(red));
    cr_expect_null(strstr(red, rows[i].secret), "row %zu kept the secret: %s", i, red);
    cr_expect_not_null(strstr(red, "REDACTED"), "row %zu: %s", i, red);
    cr_expect_not_null(strstr(red, rows[i].kept), "row %zu lost '%s': %s", i, rows[i].kept, red);
  }
}

/* Text without a secret's shape passes unchanged. */
Test(redact, plain_text_is_unchanged) {
  static const char *const plain[] = {"GET /v1.0/groups?unionId=u1",
                                      "Content-Type: application/json", "no secrets here", ""};
  size_t i;
  for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
    char red[256];
    cfm_redact(NULL, plain[i], red, sizeof(red));
    cr_expect_str_eq(red, plain[i]);
  }
}
