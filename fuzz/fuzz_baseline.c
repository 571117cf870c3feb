/* The baseline parser on arbitrary documents (baselines are user-edited). */
#include "conform/report.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_baseline *b = NULL;
  if (cfm_baseline_parse("fuzz.json", (const char *)data, size, &b, NULL) == CFM_EOK) {
    (void)cfm_baseline_accepts(b, "agora-chat.get_group.example.doc", "");
    cfm_baseline_free(b);
  }
  return 0;
}
