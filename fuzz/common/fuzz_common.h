/* Shared set-up for the fuzz harnesses: the shipped specs, loaded once,
 * and the drivers that several harnesses call with different selectors. */
#ifndef CONFORM_FUZZ_COMMON_H
#define CONFORM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "conform/spec.h"

/* The libFuzzer entry point every fuzz/fuzz_<name>.c defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shipped specs (CONFORM_SPECS_DIR, or $CONFORM_FUZZ_SPECS), loaded on
 * first use; aborts if they do not load: a harness without them is useless. */
const cfm_specset *cfm_fuzz_specs(void);
/* The spec of one vendor, or NULL. */
const cfm_spec *cfm_fuzz_spec(const char *vendor);

/* Error mapper driver: the last input byte selects an HTTP status from a
 * fixed table, the rest is the body; runs cfm_errmap_map with every error
 * table of the vendor's spec. */
void cfm_fuzz_errmap(const char *vendor, const uint8_t *data, size_t size);

/* Response validation driver: the last byte picks one operation of all the
 * shipped specs; the rest is a response body, parsed with the runner's cap,
 * validated against that operation's response schema and mapped. */
void cfm_fuzz_response(const uint8_t *data, size_t size);

/* Config driver: parses the input as a config file; for every target it
 * yields, renders the vendor's auth in every mode (so fuzzed credentials
 * reach signing) and redacts a request line carrying them. */
void cfm_fuzz_config(const uint8_t *data, size_t size);

/* Report driver: the input's bytes go through the writers' escaping
 * (XML/HTML text and JSON strings; the output must be valid UTF-8 with no
 * unescaped markup), then, parsed as a report.json, every case object is
 * loaded as `conform merge` loads it and written back; writing what was
 * read back again must give the same object.  Aborts on a violation. */
void cfm_fuzz_report(const uint8_t *data, size_t size);

#endif
