/* The config file loader on arbitrary files (configs are user-written).
 * Secrets given as {"env": ...} or {"file": ...} resolve against this
 * process's environment and files: harmless, and it covers those paths. */
#include <unistd.h>

#include "conform/target.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  cfm_config cfg;
  int fd = cfm_fuzz_memfile(data, size, path, sizeof(path));
  if (fd < 0)
    return 0;
  cfm_config_init(&cfg);
  (void)cfm_config_load(&cfg, path, NULL);
  cfm_config_release(&cfg);
  close(fd);
  return 0;
}
