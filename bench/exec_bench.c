/* Executor throughput: N requests of one URL through cfm_exec (libcurl
 * multi, keep-alive) at concurrency C; prints one JSON line.
 * usage: bench_exec URL N C ["Header: value"] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "conform/error.h"
#include "conform/exec.h"

typedef struct state {
  cfm_exec *ex;
  cfm_http_request req;
  size_t remaining; /* still to submit */
  size_t ok;
  size_t failed;
} state;

static void done(void *user, const cfm_http_response *res) {
  state *s = user;
  if (res->error == CFM_EOK && res->status == 200)
    s->ok++;
  else
    s->failed++;
  if (s->remaining > 0) {
    s->remaining--;
    cfm_exec_submit(s->ex, &s->req, done, s);
  }
}

int main(int argc, char **argv) {
  cfm_exec_options opt;
  state s = {0};
  const char *headers[2] = {NULL, NULL};
  struct timespec t0, t1;
  size_t n, c, i;
  double secs;
  cfm_exec_stats st;
  if (argc < 4) {
    fprintf(stderr, "usage: bench_exec URL N CONCURRENCY [HEADER]\n");
    return 2;
  }
  n = strtoul(argv[2], NULL, 10);
  c = strtoul(argv[3], NULL, 10);
  if (argc > 4)
    headers[0] = argv[4];
  cfm_exec_options_init(&opt);
  opt.concurrency = (unsigned)c;
  s.ex = cfm_exec_new(&opt);
  if (!s.ex)
    return 5;
  s.req.method = "GET";
  s.req.url = argv[1];
  s.req.headers = headers;
  s.remaining = n;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  /* Keep C requests in flight; each completion submits the next. */
  for (i = 0; i < c && s.remaining > 0; i++) {
    s.remaining--;
    cfm_exec_submit(s.ex, &s.req, done, &s);
  }
  cfm_exec_run(s.ex);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  cfm_exec_stats_get(s.ex, &st);
  cfm_exec_free(s.ex);
  secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"requests\": %zu, \"ok\": %zu, \"failed\": %zu, \"seconds\": %.3f, "
         "\"requests_per_s\": %.0f}\n",
         n, s.ok, s.failed, secs, (double)n / secs);
  return s.failed ? 1 : 0;
}
