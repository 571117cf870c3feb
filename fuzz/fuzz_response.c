/* Response validation for every operation: the last input byte picks the
 * operation (over all shipped specs), the rest is the response body, which
 * is validated against the operation's response schema and mapped. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_fuzz_response(data, size);
  return 0;
}
