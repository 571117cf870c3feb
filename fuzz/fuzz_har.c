/* A HAR file as `conform check` reads it (recorded traffic is untrusted:
 * any tool, any server), then every entry it yields through operation
 * matching and the passive judge, as one stream. */
#include <string.h>

#include "conform/passive.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const cfm_specset *set = cfm_fuzz_specs();
  cfm_har har;
  cfm_passive_stream st;
  size_t i;
  if (cfm_har_parse("fuzz.har", (const char *)data, size, &har, NULL) != CFM_EOK)
    return 0;
  if (set && cfm_passive_stream_init(&st) == CFM_EOK) {
    for (i = 0; i < har.count; i++) {
      const cfm_har_entry *e = &har.entries[i];
      cfm_http_request req;
      cfm_http_response res;
      cfm_passive_result r;
      if (e->unusable)
        continue;
      memset(&req, 0, sizeof(req));
      memset(&res, 0, sizeof(res));
      req.method = e->method;
      req.url = e->url;
      req.headers = (const char *const *)e->headers;
      req.body = e->req_body;
      req.body_len = e->req_len;
      res.status = e->status;
      res.content_type = e->content_type;
      res.retry_after = "";
      res.body = e->res_body;
      res.len = e->res_len;
      res.attempts = 1;
      if (cfm_passive_judge(set, &st, &req, &res, &r) == CFM_EOK)
        cfm_passive_result_release(&r);
    }
    cfm_passive_stream_release(&st);
  }
  cfm_har_release(&har);
  return 0;
}
