/* The spec loader and linter on arbitrary bytes (user-written specs); a
 * spec that lints clean goes on to case generation, as `conform run`
 * would take it. */
#include "conform/runner.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cfm_spec *spec = NULL;
  if (cfm_spec_parse("fuzz.json", (const char *)data, size, &spec, NULL) == CFM_EOK) {
    cfm_specset one = {&spec, 1};
    cfm_caselist cases = {0};
    if (cfm_specset_check(&one, NULL) == CFM_EOK) {
      cases.max_text = 16u * 1024u * 1024u; /* the harness's own memory budget */
      cfm_cases_generate(&one, &cases);
      cfm_caselist_release(&cases);
    }
    cfm_spec_free(spec);
  }
  return 0;
}
