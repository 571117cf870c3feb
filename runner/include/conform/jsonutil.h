/* conform — small JSON helpers shared by the runner, the mock and the
 * fuzzers (parsing with caps; JSON pointers). */
#ifndef CONFORM_JSONUTIL_H
#define CONFORM_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

/* Parses len bytes (no NUL needed) as JSON with a depth/size guard:
 * rejects input over max_bytes or nested deeper than 64.  Returns a new
 * reference or NULL (errbuf, if non-NULL, gets a one-line reason: "out of
 * memory" exactly when that was it). */
json_t *cfm_json_parse(const char *data, size_t len, size_t max_bytes, char *errbuf, size_t errcap);

/* Resolves an RFC 6901 JSON pointer ("" = root).  Returns a borrowed
 * reference or NULL. */
json_t *cfm_json_pointer(const json_t *root, const char *pointer);

/* Appends `token` escaped as a JSON pointer token to ptr (capacity cap),
 * with a leading '/'; truncates safely. */
void cfm_json_pointer_append(char *ptr, size_t cap, const char *token);
void cfm_json_pointer_append_index(char *ptr, size_t cap, size_t index);

/* The one number-to-text rule: whole numbers in full (9007199254740991,
 * not 9.0072e+15), others as %g.  Returns buf. */
const char *cfm_number_text(double d, char *buf, size_t cap);

/* The one JSON-value-to-text rule (request values, vendor codes, ids):
 * strings as they are, integers in full, reals as cfm_number_text,
 * booleans true/false, null "null", arrays and objects as compact JSON.
 * cfm_json_scalar_text writes it to buf (cut to cap: only for short values
 * such as codes) and returns buf; cfm_json_scalar_dup returns it malloc'd
 * (never cut), or NULL out of memory. */
const char *cfm_json_scalar_text(const json_t *v, char *buf, size_t cap);
char *cfm_json_scalar_dup(const json_t *v);

/* The string value of o[key] (borrowed), or NULL when absent or not a
 * string.  The one string accessor of the library. */
const char *cfm_json_str(const json_t *o, const char *key);

#endif
