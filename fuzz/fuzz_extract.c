/* The document extractor on arbitrary text (vendor pages are untrusted),
 * through each reader: the input as it is (markdown when it has a fence or a
 * pipe table, scraped text otherwise), then the same lines through the other
 * reader — a pipe-table line appended turns a scraped page into markdown,
 * and markup stripped of '|' and '`' turns markdown into scraped text.  Both
 * pass the limit grammar, the word tables and assembly.  The drift report
 * (`conform extract --against`) of the draft against itself then reads
 * fuzzed values on both sides at a cost proportional to the input. */
#include <stdlib.h>
#include <string.h>

#include "conform/extract.h"
#include "fuzz_common.h"

static void one(const char *data, size_t size) {
  json_t *d = cfm_extract("fuzz.md", data, size, NULL);
  if (d) {
    json_decref(cfm_extract_drift(d, d, "fuzz.md"));
    json_decref(d);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char tail[] = "\n| a |\n";
  const char *text = (const char *)data;
  char *other = malloc(size + sizeof(tail));
  size_t i, n = 0;
  int markdown = 0;
  one(text, size);
  if (!other)
    return 0;
  for (i = 0; i < size && !markdown; i++)
    markdown = text[i] == '`' || (text[i] == '|' && (i == 0 || text[i - 1] == '\n'));
  if (markdown) {
    for (i = 0; i < size; i++) /* the other reader: no fences, no pipe tables */
      if (text[i] != '|' && text[i] != '`')
        other[n++] = text[i];
  } else {
    memcpy(other, text, size);
    memcpy(other + size, tail, sizeof(tail) - 1);
    n = size + sizeof(tail) - 1;
  }
  one(other, n);
  free(other);
  return 0;
}
