/* The baseline loader on arbitrary files (baselines are user-edited). */
#include <unistd.h>

#include "conform/report.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  cfm_baseline *b = NULL;
  int fd = cfm_fuzz_memfile(data, size, path, sizeof(path));
  if (fd < 0)
    return 0;
  if (cfm_baseline_load(path, &b, NULL) == CFM_EOK) {
    (void)cfm_baseline_accepts(b, "agora-chat.get_group.example.doc", "");
    cfm_baseline_free(b);
  }
  close(fd);
  return 0;
}
