/* The config parser on arbitrary documents (configs are user-written),
 * then auth rendering and redaction with whatever credentials it yields.
 * Secrets given as {"env": ...} or {"file": ...} resolve against this
 * process's environment and files: harmless, and it covers those paths. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_config(data, size);
  return 0;
}
