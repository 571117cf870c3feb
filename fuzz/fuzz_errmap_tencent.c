/* The error mapper on tencent-im's error model: any status + body. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_errmap("tencent-im", data, size);
  return 0;
}
