/* HAR 1.2: what real exports hold is read or reported, never fatal; the
 * writer's output reads back, redacted. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "conform/passive.h"
#include "conform/sanitize.h"
#include "conform/usersig.h"

static cfm_har parse_ok(const char *text) {
  cfm_har h;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_parse("t.har", text, strlen(text), &h, &err), CFM_EOK, "%s", err.text);
  return h;
}

#define ENTRY(resp)                                                                                \
  "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"http://h/x\"}," resp "}]}}"

Test(har, a_plain_entry) {
  cfm_har h = parse_ok(ENTRY("\"response\":{\"status\":200,\"content\":{\"mimeType\":"
                             "\"application/json\",\"text\":\"{}\"}}"));
  cr_assert_eq(h.count, 1);
  cr_assert_str_eq(h.entries[0].method, "GET");
  cr_assert_eq(h.entries[0].status, 200);
  cr_assert_eq(h.entries[0].res_len, 2);
  cr_assert_eq(h.entries[0].unusable, 0);
  cr_assert_str_eq(h.entries[0].content_type, "application/json");
  cfm_har_release(&h);
}

Test(har, base64_content_is_decoded) {
  cfm_har h = parse_ok(ENTRY("\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\","
                             "\"text\":\"eyJhIjoxfQ==\"}}"));
  cr_assert_eq(h.entries[0].res_len, 7);
  cr_assert_str_eq(h.entries[0].res_body, "{\"a\":1}");
  cr_assert(strstr(h.entries[0].note, "base64"));
  cfm_har_release(&h);
  h = parse_ok(ENTRY("\"response\":{\"status\":200,\"content\":{\"encoding\":\"base64\","
                     "\"text\":\"!!!\"}}"));
  cr_assert_eq(h.entries[0].unusable, 1);
  cfm_har_release(&h);
}

Test(har, compressed_content_is_inflated) {
  static const char plain[] = "{\"data\":[1,2,3]}";
  unsigned char z[128];
  uLongf zn = sizeof(z);
  char text[512], b64[256];
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i, o = 0;
  cfm_har h;
  cr_assert_eq(compress(z, &zn, (const unsigned char *)plain, sizeof(plain) - 1), Z_OK);
  for (i = 0; i < zn; i += 3) {
    unsigned v = (unsigned)z[i] << 16 | (i + 1 < zn ? (unsigned)z[i + 1] << 8 : 0) |
                 (i + 2 < zn ? z[i + 2] : 0);
    b64[o++] = digits[v >> 18];
    b64[o++] = digits[(v >> 12) & 63];
    b64[o++] = i + 1 < zn ? digits[(v >> 6) & 63] : '=';
    b64[o++] = i + 2 < zn ? digits[v & 63] : '=';
  }
  b64[o] = '\0';
  snprintf(text, sizeof(text),
           ENTRY("\"response\":{\"status\":200,\"headers\":[{\"name\":\"Content-Encoding\","
                 "\"value\":\"deflate\"}],\"content\":{\"encoding\":\"base64\",\"text\":\"%s\"}}"),
           b64);
  h = parse_ok(text);
  cr_assert_eq(h.entries[0].unusable, 0, "%s", h.entries[0].note);
  cr_assert_str_eq(h.entries[0].res_body, plain);
  cr_assert(strstr(h.entries[0].note, "inflated"));
  cfm_har_release(&h);
}

Test(har, missing_parts_are_noted_not_fatal) {
  cfm_har h =
      parse_ok("{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"u\"}},"
               "{\"request\":{\"url\":\"u\"},\"response\":{\"status\":200}},"
               "{\"request\":{\"method\":\"GET\",\"url\":\"u\"},\"response\":{\"status\":0}},"
               "{\"request\":{\"method\":\"GET\",\"url\":\"u\"},\"response\":{\"status\":"
               "200,\"content\":{}}},7,"
               "{\"request\":{\"method\":\"POST\",\"url\":\"u\",\"postData\":{}},"
               "\"response\":{\"status\":200,\"content\":{\"text\":\"<html>\"}}}]}}");
  cr_assert_eq(h.count, 6);
  cr_assert(h.entries[0].unusable && strstr(h.entries[0].note, "no response"));
  cr_assert(h.entries[1].unusable && strstr(h.entries[1].note, "without method"));
  cr_assert(h.entries[2].unusable);
  cr_assert(h.entries[3].unusable && strstr(h.entries[3].note, "not recorded"));
  cr_assert(h.entries[4].unusable);
  cr_assert_eq(h.entries[5].unusable, 0); /* a non-JSON answer is judged as such */
  cr_assert(strstr(h.entries[5].note, "request body not recorded"));
  cfm_har_release(&h);
}

Test(har, not_har_is_refused) {
  cfm_har h;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_parse("t.har", "{\"log\":{}}", 10, &h, &err), CFM_ESPEC);
  cr_assert(strstr(err.text, "log.entries"), "%s", err.text);
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_parse("t.har", "{\"log\":", 7, &h, &err), CFM_ESPEC);
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_parse("t.har", "", 0, &h, &err), CFM_ESPEC);
}

Test(har, headers_are_capped) {
  size_t cap = 200 * 40 + 256, n = 0, i;
  char *t = malloc(cap);
  cfm_har h;
  n += (size_t)snprintf(t + n, cap - n,
                        "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"u\","
                        "\"headers\":[");
  for (i = 0; i < 200; i++)
    n += (size_t)snprintf(t + n, cap - n, "%s{\"name\":\"h%zu\",\"value\":\"v\"}", i ? "," : "", i);
  snprintf(t + n, cap - n, "]}}]}}");
  h = parse_ok(t);
  for (i = 0; h.entries[0].headers[i]; i++)
    ;
  cr_assert_eq(i, CFM_HAR_MAX_HEADERS);
  cfm_har_release(&h);
  free(t);
}

/* What the writer writes reads back; credentials are redacted. */
Test(har, the_writer_round_trips_redacted) {
  char path[] = "/tmp/cfm-har-XXXXXX";
  static const char *const hs[] = {"Authorization: Bearer s3cr3t-token-value",
                                   "Content-Type: application/json", NULL};
  cfm_http_request req = {
      "POST", "http://h/v4/x?usersig=abcdefgh123&random=1", hs, "{\"a\":1}", 7, NULL, 0, NULL, 0};
  cfm_http_response res;
  cfm_har_writer *w;
  cfm_har h;
  cfm_error_t err;
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  memset(&res, 0, sizeof(res));
  res.status = 200;
  res.content_type = "application/json";
  res.body = "{\"ok\":true}";
  res.len = strlen(res.body);
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_writer_open(path, NULL, &w, &err), CFM_EOK);
  cr_assert_eq(cfm_har_writer_add(w, &req, &res), CFM_EOK);
  cfm_har_record(w, &req, &req, NULL);
  cfm_har_record(w, &req, NULL, &res);
  cr_assert_eq(cfm_har_writer_close(w), CFM_EOK);
  cr_assert_eq(cfm_har_load(path, &h, &err), CFM_EOK, "%s", err.text);
  unlink(path);
  cr_assert_eq(h.count, 2);
  cr_assert_str_eq(h.entries[1].method, "POST");
  cr_assert_null(strstr(h.entries[0].url, "abcdefgh123"), "%s", h.entries[0].url);
  cr_assert(strstr(h.entries[0].url, "usersig="), "%s", h.entries[0].url);
  cr_assert_str_eq(h.entries[0].headers[0], "Authorization: Bearer " CFM_SANITIZE_MARKER);
  cr_assert_str_eq(h.entries[0].req_body, "{\"a\":1}");
  cr_assert_str_eq(h.entries[1].res_body, "{\"ok\":true}");
  cr_assert_eq(h.entries[1].status, 200);
  cfm_har_release(&h);
}

/* Writes req with a 200 JSON answer to a new HAR file and reads it back. */
static cfm_har write_read_one(const cfm_http_request *req) {
  char path[] = "/tmp/cfm-har-XXXXXX";
  cfm_http_response res = {0};
  cfm_har_writer *w;
  cfm_har h;
  cfm_error_t err;
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  res.status = 200;
  res.content_type = "application/json";
  res.body = "{}";
  res.len = 2;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_writer_open(path, NULL, &w, &err), CFM_EOK);
  cr_assert_eq(cfm_har_writer_add(w, req, &res), CFM_EOK);
  cr_assert_eq(cfm_har_writer_close(w), CFM_EOK);
  cr_assert_eq(cfm_har_load(path, &h, &err), CFM_EOK, "%s", err.text);
  unlink(path);
  return h;
}

/* The UserSig is redacted, its issue time and validity are kept
 * (request._usersig) and read back with the entry's start time. */
Test(har, the_writer_keeps_the_usersig_times_not_the_usersig) {
  char sig[512], url[800];
  cfm_http_request req = {0};
  cfm_har h;
  cr_assert_eq(cfm_usersig_sign(1400000000, "admin", "k3y", 3, 1700000000, 60, sig, sizeof(sig)),
               0);
  snprintf(url, sizeof(url), "http://h/v4/x?sdkappid=1400000000&usersig=%s&random=1", sig);
  req.method = "POST";
  req.url = url;
  h = write_read_one(&req);
  cr_assert_null(strstr(h.entries[0].url, sig), "%s", h.entries[0].url);
  cr_assert_eq(h.entries[0].has_usersig, 1);
  cr_assert_eq(h.entries[0].usersig_issued, 1700000000);
  cr_assert_eq(h.entries[0].usersig_expire, 60);
  cr_assert_gt(h.entries[0].started, 1700000000, "%lld", h.entries[0].started);
  cfm_har_release(&h);
}

Test(har, started_date_time_with_an_offset) {
  cfm_har h = parse_ok("{\"log\":{\"entries\":[{\"startedDateTime\":\"2023-11-14T23:13:20.123+01:"
                       "00\",\"request\":{\"method\":\"GET\",\"url\":\"http://h/x\"}},{"
                       "\"startedDateTime\":\"yesterday\",\"request\":{\"method\":\"GET\",\"url\":"
                       "\"http://h/x\"}}]}}");
  cr_assert_eq(h.entries[0].started, 1700000000);
  cr_assert_eq(h.entries[1].started, 0);
  cr_assert_eq(h.entries[0].has_usersig, 0);
  cfm_har_release(&h);
}
