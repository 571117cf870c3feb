/* The document extractor on arbitrary text (vendor pages are untrusted). */
#include "conform/extract.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *d = cfm_extract("fuzz.md", (const char *)data, size, NULL);
  json_decref(d);
  return 0;
}
