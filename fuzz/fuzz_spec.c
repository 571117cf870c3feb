/* The spec loader and linter on arbitrary bytes (user-written specs). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_spec *spec = NULL;
  if (cfm_spec_parse("fuzz.json", (const char *)data, size, &spec, NULL) == CFM_EOK) {
    cfm_lint_report report = {0};
    cfm_spec_lint(spec, &report);
    cfm_lint_report_release(&report);
    cfm_spec_free(spec);
  }
  return 0;
}
