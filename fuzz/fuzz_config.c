/* The config parser on arbitrary documents (configs are user-written).
 * Secrets given as {"env": ...} or {"file": ...} resolve against this
 * process's environment and files: harmless, and it covers those paths. */
#include "conform/target.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_config cfg;
  cfm_config_init(&cfg);
  (void)cfm_config_parse(&cfg, "fuzz.json", (const char *)data, size, NULL);
  cfm_config_release(&cfg);
  return 0;
}
