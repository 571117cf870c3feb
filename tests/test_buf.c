#include <criterion/criterion.h>
#include <string.h>

#include "conform/buf.h"
#include "conform/error.h"

Test(buf, appends_and_terminates) {
  cfm_buf b;
  cfm_buf_init(&b, 1024);
  cr_assert_str_eq(cfm_buf_str(&b), "");
  cr_assert_eq(cfm_buf_adds(&b, "hello"), CFM_EOK);
  cr_assert_eq(cfm_buf_addf(&b, " %d %s", 42, "x"), CFM_EOK);
  cr_assert_str_eq(cfm_buf_str(&b), "hello 42 x");
  cr_assert_eq(b.len, 10);
  cfm_buf_release(&b);
}

Test(buf, cap_is_hard_and_releases) {
  cfm_buf b;
  cfm_buf_init(&b, 8);
  cr_assert_eq(cfm_buf_add(&b, "12345678", 8), CFM_EOK);
  cr_assert_eq(cfm_buf_add(&b, "9", 1), CFM_ETOOBIG);
  cr_assert_null(b.data, "contents are released when the cap is passed");
  cr_assert_eq(b.len, 0);
}

Test(buf, cap_check_does_not_overflow) {
  cfm_buf b;
  cfm_buf_init(&b, 16);
  cr_assert_eq(cfm_buf_add(&b, "abc", 3), CFM_EOK);
  cr_assert_eq(cfm_buf_add(&b, "x", (size_t)-1), CFM_ETOOBIG);
}

Test(buf, large_formatted_append) {
  cfm_buf b;
  char big[2000];
  memset(big, 'z', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cfm_buf_init(&b, 4096);
  cr_assert_eq(cfm_buf_addf(&b, "[%s]", big), CFM_EOK);
  cr_assert_eq(b.len, sizeof(big) + 1);
  cr_assert_eq(cfm_buf_addf(&b, "%s%s", big, big), CFM_ETOOBIG);
}

Test(buf, detach_transfers_ownership) {
  cfm_buf b;
  size_t n;
  char *s;
  cfm_buf_init(&b, 64);
  s = cfm_buf_detach(&b, &n);
  cr_assert_str_eq(s, "");
  cr_assert_eq(n, 0);
  free(s);
  cr_assert_eq(cfm_buf_add(&b, "a\0b", 3), CFM_EOK);
  s = cfm_buf_detach(&b, &n);
  cr_assert_eq(n, 3);
  cr_assert_eq(memcmp(s, "a\0b", 3), 0);
  cr_assert_null(b.data);
  free(s);
}

Test(error, first_error_wins_and_names) {
  cfm_error_t e;
  cfm_error_init(&e);
  cr_assert_eq(cfm_error_set(&e, CFM_EPARSE, "a.json", "/x", "bad %d", 1), CFM_EPARSE);
  cfm_error_set(&e, CFM_EIO, "b.json", "", "later");
  cr_assert_eq(e.code, CFM_EPARSE);
  cr_assert_str_eq(e.where, "a.json");
  cr_assert_str_eq(e.pointer, "/x");
  cr_assert_str_eq(e.text, "bad 1");
  cr_assert_str_eq(cfm_err_name(CFM_ENOMEM), "NOMEM");
  cr_assert_str_eq(cfm_err_name(-1), "UNKNOWN");
  cr_assert_str_eq(cfm_err_name(CFM_E__COUNT), "UNKNOWN");
  cr_assert_eq(cfm_error_set(NULL, CFM_EIO, NULL, NULL, "x"), CFM_EIO);
}
