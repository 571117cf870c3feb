/* The error mapper on agora-chat's error model: any status + body. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_errmap("agora-chat", data, size);
  return 0;
}
