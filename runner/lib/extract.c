/* conform — extracting draft specs from vendor documents.
 *
 * One pass over the lines (the markdown reader, which hands scraped-text
 * lines to the scraped reader) builds a flat list of findings — endpoint,
 * table row, error row, example, rate limit, limit sentence, host — each
 * tagged with its heading path, its revision and its "anchor" (the section
 * that holds one operation).  Assembly then assigns findings to
 * operations and writes the draft.  Recognition is table-driven (header
 * words, type words, cap words of the limit grammar, in English and
 * Chinese; cells' content where headers are silent), so a new page style
 * usually needs a row in a table, not new code.  extract_int.h maps the
 * files. */
#include "conform/extract.h"

#include <string.h>

#include "extract_int.h"

json_t *cfm_extract(const char *name, const char *text, size_t len, cfm_error_t *err) {
  extractor x;
  json_t *draft;
  const char *base;
  if (len > CFM_EXTRACT_MAX_BYTES) {
    cfm_error_set(err, CFM_ETOOBIG, name, "", "document larger than %u bytes",
                  CFM_EXTRACT_MAX_BYTES);
    return NULL;
  }
  if (cfm__rx_ready() != 0) {
    cfm_error_set(err, CFM_EINTERNAL, name, "", "extractor patterns do not compile");
    return NULL;
  }
  memset(&x, 0, sizeof(x));
  base = strrchr(name, '/');
  x.name = base ? base + 1 : name;
  x.findings = json_array();
  if (x.findings)
    cfm__read_markdown(&x, text, len);
  json_decref(x.prov);
  x.prov = NULL;
  draft = x.findings && !x.oom ? cfm__assemble(&x, text, len) : NULL;
  json_decref(x.findings);
  if (!draft)
    cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
  return draft;
}
