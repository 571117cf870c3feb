/* UserSig decoding and verification on hostile signatures. */
#include <string.h>

#include "conform/usersig.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char key[] = "conform-demo-secret-key";
  (void)cfm_usersig_verify((const char *)data, size, 1400000000u, "administrator", key, strlen(key),
                           1700000000);
  return 0;
}
