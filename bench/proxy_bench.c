/* The proxy's cost: latency (p50/p99 of N sequential keep-alive requests)
 * and throughput (C client threads, keep-alive) of one documented call,
 * direct to the mock and through `conform proxy` (judging on), both in
 * this process on loopback.  Prints one JSON line.
 *
 * usage: bench_proxy SPECS_DIR [N] [C]      (defaults 2000, 4) */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/mock.h"
#include "conform/proxy.h"
#include "conform/spec.h"
#include "conform/target.h"

#define GROUP_PATH "/app-id/conform-demo-app/chatgroups"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *p, size_t s, size_t n, void *u) {
  (void)p;
  (void)u;
  return s * n;
}

/* One client: a keep-alive handle sending GET url with the demo token. */
typedef struct client {
  CURL *h;
  struct curl_slist *hdrs;
} client;

static int client_init(client *c, const char *url) {
  c->h = curl_easy_init();
  c->hdrs = curl_slist_append(NULL, "Authorization: Bearer conform-demo-app-token");
  if (!c->h || !c->hdrs)
    return -1;
  curl_easy_setopt(c->h, CURLOPT_URL, url);
  curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
  curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 10000L);
  return 0;
}

static int client_get(client *c) {
  long status = 0;
  if (curl_easy_perform(c->h) != CURLE_OK)
    return -1;
  curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
  return status == 200 ? 0 : -1;
}

static void client_free(client *c) {
  curl_slist_free_all(c->hdrs);
  curl_easy_cleanup(c->h);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* p50 and p99 (ms) of n sequential requests; -1 on a failed request. */
static int latency(const char *url, size_t n, double *p50, double *p99) {
  client c;
  double *ms = calloc(n, sizeof(double));
  size_t i;
  int rc = 0;
  if (!ms || client_init(&c, url) != 0)
    return -1;
  for (i = 0; i < n && rc == 0; i++) {
    double t0 = now_s();
    rc = client_get(&c);
    ms[i] = (now_s() - t0) * 1000.0;
  }
  qsort(ms, n, sizeof(double), cmp);
  *p50 = ms[n / 2];
  *p99 = ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
  client_free(&c);
  free(ms);
  return rc;
}

typedef struct worker {
  pthread_t t;
  const char *url;
  size_t n, failed;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  client c;
  size_t i;
  if (client_init(&c, w->url) != 0) {
    w->failed = w->n;
    return NULL;
  }
  for (i = 0; i < w->n; i++)
    w->failed += client_get(&c) != 0;
  client_free(&c);
  return NULL;
}

/* Requests per second of n requests over c threads. */
static double throughput(const char *url, size_t n, size_t c, size_t *failed) {
  worker w[64];
  size_t i;
  double t0 = now_s();
  *failed = 0;
  for (i = 0; i < c; i++) {
    w[i].url = url;
    w[i].n = n / c;
    w[i].failed = 0;
    pthread_create(&w[i].t, NULL, work, &w[i]);
  }
  for (i = 0; i < c; i++) {
    pthread_join(w[i].t, NULL);
    *failed += w[i].failed;
  }
  return (double)(n / c * c) / (now_s() - t0);
}

/* Creates one group on the mock; writes its URL under base to out. */
static int make_group(const char *base, char *out, size_t cap) {
  char url[256], body[4096] = "";
  const char *gid;
  CURL *h = curl_easy_init();
  struct curl_slist *l = curl_slist_append(NULL, "Authorization: Bearer conform-demo-app-token");
  FILE *mem;
  int rc;
  l = curl_slist_append(l, "Content-Type: application/json");
  snprintf(url, sizeof(url), "%s%s", base, GROUP_PATH);
  mem = fmemopen(body, sizeof(body) - 1, "w");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS,
                   "{\"groupname\":\"bench\",\"public\":true,\"maxusers\":200,"
                   "\"owner\":\"conform-owner\"}");
  curl_easy_setopt(h, CURLOPT_WRITEDATA, mem);
  rc = curl_easy_perform(h) == CURLE_OK ? 0 : -1;
  fclose(mem);
  curl_slist_free_all(l);
  curl_easy_cleanup(h);
  gid = strstr(body, "\"groupid\":\"");
  if (rc || !gid)
    return -1;
  gid += 11;
  snprintf(out, cap, "%s/%.*s", GROUP_PATH, (int)strcspn(gid, "\""), gid);
  return 0;
}

int main(int argc, char **argv) {
  cfm_mock_config mc;
  cfm_mock *m;
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_proxy_options po;
  cfm_proxy_stats st;
  cfm_proxy *px;
  cfm_error_t err;
  char why[256], mbase[64], pbase[64], path[200], durl[300], purl[300], arg[100];
  size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000,
         c = argc > 3 ? strtoul(argv[3], NULL, 10) : 4;
  double d50, d99, p50, p99, drps, prps;
  size_t dfail, pfail;
  if (argc < 2 || n < 100 || c < 1 || c > 64) {
    fprintf(stderr, "usage: bench_proxy SPECS_DIR [N>=100] [C<=64]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  cfm_error_init(&err);
  cfm_spec_set_schema_dir(argv[1]);
  if (cfm_specset_add_path(&set, argv[1], &err) || cfm_specset_check(&set, &err)) {
    fprintf(stderr, "bench_proxy: %s\n", err.text);
    return 3;
  }
  cfm_mock_config_init(&mc);
  if (cfm_mock_start(&mc, &m, why, sizeof(why)) != 0) {
    fprintf(stderr, "bench_proxy: %s\n", why);
    return 5;
  }
  snprintf(mbase, sizeof(mbase), "http://127.0.0.1:%u", (unsigned)cfm_mock_port(m));
  cfm_config_init(&cfg);
  snprintf(arg, sizeof(arg), "agora-chat=%s", mbase);
  cfm_config_set_target_url(&cfg, arg, &err);
  memset(&po, 0, sizeof(po));
  po.set = &set;
  po.cfg = &cfg;
  if (cfm_proxy_start(&po, &px, &err) != 0 || make_group(mbase, path, sizeof(path)) != 0) {
    fprintf(stderr, "bench_proxy: cannot start: %s\n", err.text);
    return 5;
  }
  snprintf(pbase, sizeof(pbase), "http://127.0.0.1:%u", (unsigned)cfm_proxy_port(px));
  snprintf(durl, sizeof(durl), "%s%s", mbase, path);
  snprintf(purl, sizeof(purl), "%s%s", pbase, path);
  if (latency(durl, n, &d50, &d99) || latency(purl, n, &p50, &p99)) {
    fprintf(stderr, "bench_proxy: a request failed\n");
    return 5;
  }
  drps = throughput(durl, n, c, &dfail);
  prps = throughput(purl, n, c, &pfail);
  cfm_proxy_stop(px, &st);
  printf("{\"requests\": %zu, \"clients\": %zu, \"direct\": {\"p50_ms\": %.3f, \"p99_ms\": %.3f, "
         "\"rps\": %.0f, \"failed\": %zu}, \"proxy\": {\"p50_ms\": %.3f, \"p99_ms\": %.3f, "
         "\"rps\": %.0f, \"failed\": %zu, \"judged\": %zu, \"dropped\": %zu, \"fail\": %zu}}\n",
         n, c, d50, d99, drps, dfail, p50, p99, prps, pfail, st.judged, st.dropped,
         st.counts[CFM_VERDICT_FAIL]);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
  cfm_mock_stop(m);
  return dfail || pfail ? 1 : 0;
}
