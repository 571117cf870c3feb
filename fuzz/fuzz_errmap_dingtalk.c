/* The error mapper on dingtalk-rooms's error model: any status + body. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_errmap("dingtalk-rooms", data, size);
  return 0;
}
