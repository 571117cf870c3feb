/* conform — internals shared by the report writers (report.c, merge.c). */
#ifndef CONFORM_REPORT_INTERNAL_H
#define CONFORM_REPORT_INTERNAL_H
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "conform/result.h"

/* Every string a report writes goes through the sanitiser
 * (conform/sanitize.h): secrets redacted, then cut to this many bytes,
 * then escaped for the file. */
#define CFM__FIELD_MAX ((size_t)65536)

/* Writes s (NULL = "") sanitised for XML/HTML: secrets redacted, cut to
 * CFM__FIELD_MAX, &<>"' escaped, every code point XML 1.0 forbids
 * (invalid UTF-8, C0 controls but tab/LF/CR, U+FFFE/U+FFFF) as U+FFFD. */
void cfm__xml_escape(FILE *f, const char *s);

/* A new JSON string of s (NULL → "") sanitised: secrets redacted, cut to
 * CFM__FIELD_MAX, invalid UTF-8 and NUL replaced; new reference. */
json_t *cfm__json_text(const char *s);

/* "spec#pointer" with the spec reduced to its base name without ".json"
 * ("specs/agora-chat.json#/x" and "agora-chat#/x" give "agora-chat#/x").
 * Writes into out (cap bytes). */
void cfm__coverage_key(const char *spec, const char *pointer, char *out, size_t cap);

/* The grade of a provenance object: 0 doc, 1 secondary, 2 assumed, 3 none. */
int cfm__provenance_grade(const json_t *prov);

/* The JSON object report.json stores for one case (new reference). */
json_t *cfm__case_to_json(const cfm_case_result *r);

/* Fills r from a report.json case object (strings copied).  Returns 0, or
 * -1 when it is not a case object. */
int cfm__case_from_json(const json_t *obj, cfm_case_result *r);

#endif
