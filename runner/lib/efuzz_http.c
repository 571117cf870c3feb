/* conform — the endpoint fuzzer's sender over the HTTP executor: one
 * request at a time (a trial's steps depend on each other), paced by a
 * global rate when asked, the answer copied out of the callback. */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cfm_efuzz_http {
  cfm_exec *ex;
  cfm_http_response res; /* the last answer; its strings point below */
  char *body;
  char content_type[256];
  char retry_after[64];
};

cfm_efuzz_http *cfm_efuzz_http_new(double max_rps, long timeout_ms) {
  cfm_efuzz_http *h = calloc(1, sizeof(*h));
  cfm_exec_options o;
  if (!h)
    return NULL;
  cfm_exec_options_init(&o);
  o.concurrency = 1;
  o.global_rate_per_s = max_rps;
  if (timeout_ms > 0)
    o.timeout_ms = timeout_ms;
  if (!(h->ex = cfm_exec_new(&o))) {
    free(h);
    return NULL;
  }
  return h;
}

static void on_done(void *user, const cfm_http_response *res) {
  cfm_efuzz_http *h = user;
  free(h->body);
  h->res = *res;
  h->body = malloc(res->len + 1);
  if (h->body) {
    memcpy(h->body, res->body ? res->body : "", res->len);
    h->body[res->len] = '\0';
  } else {
    h->res.error = CFM_ENOMEM;
    h->res.len = 0;
  }
  snprintf(h->content_type, sizeof(h->content_type), "%s",
           res->content_type ? res->content_type : "");
  snprintf(h->retry_after, sizeof(h->retry_after), "%s", res->retry_after ? res->retry_after : "");
  h->res.body = h->body ? h->body : "";
  h->res.content_type = h->content_type;
  h->res.retry_after = h->retry_after;
}

void cfm_efuzz_http_send(void *user, const cfm_http_request *req, cfm_http_response *res) {
  cfm_efuzz_http *h = user;
  memset(&h->res, 0, sizeof(h->res));
  h->res.error = CFM_EINTERNAL;
  snprintf(h->res.error_text, sizeof(h->res.error_text), "not sent");
  h->res.body = "";
  h->res.content_type = "";
  h->res.retry_after = "";
  if (cfm_exec_submit(h->ex, req, on_done, h) == CFM_EOK)
    cfm_exec_run(h->ex);
  *res = h->res;
}

void cfm_efuzz_http_free(cfm_efuzz_http *h) {
  if (!h)
    return;
  cfm_exec_free(h->ex);
  free(h->body);
  free(h);
}
