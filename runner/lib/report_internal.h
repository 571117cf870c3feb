/* conform — internals shared by the report writers (report.c, merge.c). */
#ifndef CONFORM_REPORT_INTERNAL_H
#define CONFORM_REPORT_INTERNAL_H
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "conform/result.h"

/* Writes s as XML/HTML text with &<>"' escaped; invalid UTF-8 and control
 * characters XML forbids become U+FFFD. */
void cfm__xml_escape(FILE *f, const char *s);

/* A new JSON string of s (NULL → ""), invalid UTF-8 replaced; new reference. */
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
