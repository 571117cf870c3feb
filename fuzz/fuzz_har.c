/* A HAR file as `conform check` reads it (recorded traffic is untrusted:
 * any tool, any server), then every entry it yields through operation
 * matching and the passive judge, as one stream, then the end of that
 * stream (cursor walks against the groups' lifetimes). */
#include "conform/passive.h"
#include "fuzz_common.h"

/* The end of the stream's findings: judged, then dropped. */
static void ignore(void *user, const cfm_passive_finding *f) {
  (void)user;
  (void)f->reason;
}

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
      cfm_passive_result r;
      if (e->unusable) {
        cfm_passive_stream_gap(set, &st, e->method, e->url, e->started_ms);
        continue;
      }
      if (cfm_passive_judge_entry(set, &st, e, &r) == CFM_EOK)
        cfm_passive_result_release(&r);
    }
    (void)cfm_passive_stream_settle(&st, 1, ignore, NULL);
    cfm_passive_stream_release(&st);
  }
  cfm_har_release(&har);
  return 0;
}
