/* The document extractor on arbitrary text (vendor pages are untrusted),
 * then the drift report of the draft against a shipped spec, as
 * `conform extract --against` makes it. */
#include "conform/extract.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *d = cfm_extract("fuzz.md", (const char *)data, size, NULL);
  if (d) {
    const cfm_spec *spec = cfm_fuzz_spec("agora-chat");
    const char *doc = json_string_value(
        json_object_get(json_array_get(json_object_get(spec->root, "documents"), 0), "file"));
    json_decref(cfm_extract_drift(d, spec->root, doc));
    json_decref(d);
  }
  return 0;
}
