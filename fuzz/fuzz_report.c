/* report.json as `conform merge` and `conform baseline write` read it
 * (shard reports are files users move around and may edit), and the
 * escaping every report writer applies to hostile response text. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_report(data, size);
  return 0;
}
