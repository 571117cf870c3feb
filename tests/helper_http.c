/* conform tests — libcurl client for the mock (see helper_http.h). */
#include "helper_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conform/jsonutil.h"

typedef struct sink_ctx {
  cfm_th_resp *r;
  size_t cap;
} sink_ctx;

static size_t th_body(char *p, size_t s, size_t n, void *u) {
  sink_ctx *c = u;
  size_t k = s * n;
  if (c->r->len + k > CFM_TH_MAX_BODY)
    return 0; /* abort: larger than any answer a test expects */
  if (c->r->len + k + 1 > c->cap) {
    size_t ncap = c->cap ? c->cap : 4096;
    char *nb;
    while (ncap < c->r->len + k + 1)
      ncap *= 2;
    nb = realloc(c->r->body, ncap);
    if (!nb)
      return 0;
    c->r->body = nb;
    c->cap = ncap;
  }
  memcpy(c->r->body + c->r->len, p, k);
  c->r->len += k;
  c->r->body[c->r->len] = '\0';
  return k;
}

static void th_copy_value(char *out, size_t cap, const char *v, size_t vl) {
  while (vl && (*v == ' ' || *v == '\t')) {
    v++;
    vl--;
  }
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
    vl--;
  snprintf(out, cap, "%.*s", (int)vl, v);
}

static size_t th_header(char *p, size_t s, size_t n, void *u) {
  cfm_th_resp *r = u;
  size_t k = s * n;
  if (k > 13 && strncasecmp(p, "Content-Type:", 13) == 0)
    th_copy_value(r->content_type, sizeof(r->content_type), p + 13, k - 13);
  else if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
    th_copy_value(r->retry_after, sizeof(r->retry_after), p + 12, k - 12);
  return k;
}

cfm_mock *cfm_th_mock_start(const cfm_mock_config *cfg, const char *const *faults, char *base,
                            size_t base_cap, char *err, size_t err_cap) {
  cfm_mock_config c;
  cfm_mock *m = NULL;
  if (cfg)
    c = *cfg;
  else
    cfm_mock_config_init(&c);
  c.listen_host = "127.0.0.1";
  c.port = 0;
  c.faults = faults;
  if (cfm_mock_start(&c, &m, err, err_cap) != 0)
    return NULL;
  snprintf(base, base_cap, "http://127.0.0.1:%u", (unsigned)cfm_mock_port(m));
  return m;
}

int cfm_th_request(CURL *handle, const char *base, const char *method, const char *path,
                   const char *headers, const char *body, size_t body_len, cfm_th_resp *out) {
  CURL *c = handle ? handle : curl_easy_init();
  struct curl_slist *h = NULL;
  sink_ctx sc;
  char *url, *copy = NULL;
  size_t ulen;
  CURLcode rc;
  memset(out, 0, sizeof(*out));
  if (!c) {
    out->curl_code = CURLE_FAILED_INIT;
    return -1;
  }
  ulen = strlen(base) + strlen(path) + 1;
  url = malloc(ulen);
  if (!url) {
    if (!handle)
      curl_easy_cleanup(c);
    out->curl_code = CURLE_OUT_OF_MEMORY;
    return -1;
  }
  snprintf(url, ulen, "%s%s", base, path);
  if (headers && (copy = strdup(headers)) != NULL) {
    char *save = NULL, *line;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
      h = curl_slist_append(h, line);
  }
  sc.r = out;
  sc.cap = 0;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, th_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sc);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, th_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  } else if (strcmp(method, "GET") == 0) {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  rc = curl_easy_perform(c);
  out->curl_code = (int)rc;
  if (rc == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &out->new_connections);
    if (out->body)
      out->json = cfm_json_parse(out->body, out->len, CFM_TH_MAX_BODY, NULL, 0);
  }
  curl_slist_free_all(h);
  free(copy);
  free(url);
  if (!handle)
    curl_easy_cleanup(c);
  return rc == CURLE_OK ? 0 : -1;
}

void cfm_th_resp_free(cfm_th_resp *r) {
  free(r->body);
  json_decref(r->json);
  r->body = NULL;
  r->json = NULL;
  r->len = 0;
}

const char *cfm_th_str(const cfm_th_resp *r, const char *pointer) {
  const char *s = json_string_value(cfm_json_pointer(r->json, pointer));
  return s ? s : "";
}
