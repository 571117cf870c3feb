/* The document extractor on arbitrary text (vendor pages are untrusted),
 * then the drift report (`conform extract --against`) of the draft against
 * itself: both of its sides read fuzzed values, at a cost proportional to
 * the input (a shipped spec as the other side made each run 9x slower). */
#include "conform/extract.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *d = cfm_extract("fuzz.md", (const char *)data, size, NULL);
  if (d) {
    json_decref(cfm_extract_drift(d, d, "fuzz.md"));
    json_decref(d);
  }
  return 0;
}
