/* conform tests — a small libcurl client for the mock over real loopback
 * HTTP.  Criterion-free (return codes), bounded in time and size. */
#ifndef CONFORM_TEST_HELPER_HTTP_H
#define CONFORM_TEST_HELPER_HTTP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>

#include "conform/mock.h"

#define CFM_TH_MAX_BODY (8u * 1024u * 1024u)

typedef struct cfm_th_resp {
  long status;            /* HTTP status, 0 when the transfer failed */
  int curl_code;          /* CURLcode of the transfer */
  char *body;             /* NUL-terminated, malloc'd (may be NULL) */
  size_t len;             /* bytes in body */
  json_t *json;           /* body parsed, NULL when not JSON */
  char content_type[128]; /* Content-Type header value, "" if none */
  char retry_after[32];   /* Retry-After header value, "" if none */
  long new_connections;   /* CURLINFO_NUM_CONNECTS: 0 = a kept-alive one */
} cfm_th_resp;

/* Starts a mock on 127.0.0.1:0 from cfg (NULL = demo defaults) plus the
 * NULL-terminated faults (NULL = none) and writes "http://127.0.0.1:PORT"
 * to base.  Returns the mock, or NULL with err filled. */
cfm_mock *cfm_th_mock_start(const cfm_mock_config *cfg, const char *const *faults, char *base,
                            size_t base_cap, char *err, size_t err_cap);

/* One request to base + path.  headers: "Name: value" lines separated by
 * '\n' (NULL = none); body may be NULL (no body).  handle: a CURL easy
 * handle to reuse (keep-alive), or NULL for a fresh one.  Timeouts: 2 s to
 * connect, 10 s in all.  Returns 0 when a response arrived (out filled;
 * release with cfm_th_resp_free), -1 otherwise (out->curl_code set). */
int cfm_th_request(CURL *handle, const char *base, const char *method, const char *path,
                   const char *headers, const char *body, size_t body_len, cfm_th_resp *out);

/* Frees the body and the JSON; out may then be reused. */
void cfm_th_resp_free(cfm_th_resp *r);

/* The string at a JSON pointer of r->json, or "" when absent. */
const char *cfm_th_str(const cfm_th_resp *r, const char *pointer);

#endif
