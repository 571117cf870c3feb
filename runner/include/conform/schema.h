/* conform — the JSON Schema subset validator.
 *
 * Keywords: type (string or array of strings; "integer" accepts integral
 * reals too), properties, required, additionalProperties (bool or schema),
 * items, minItems/maxItems, minLength/maxLength (Unicode code points),
 * x-maxBytes (UTF-8 bytes), minimum/maximum, exclusiveMinimum/
 * exclusiveMaximum (numbers, as in draft 2020-12), enum, const, pattern (PCRE2,
 * unanchored as in JSON Schema).  Unknown keywords are ignored, "x-*"
 * annotations included.  Every violation is reported, with a JSON pointer. */
#ifndef CONFORM_SCHEMA_H
#define CONFORM_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#define CFM_SCHEMA_MAX_VIOLATIONS 64

typedef struct cfm_violation {
  char pointer[256]; /* JSON pointer into the instance ("" = root) */
  char keyword[32];  /* the schema keyword that failed */
  char message[224]; /* one line, lower case */
} cfm_violation;

typedef struct cfm_violations {
  size_t count; /* violations stored (<= CFM_SCHEMA_MAX_VIOLATIONS) */
  size_t total; /* violations found, including those not stored */
  cfm_violation items[CFM_SCHEMA_MAX_VIOLATIONS];
} cfm_violations;

/* Validates `instance` against `schema` (both borrowed).  Fills out (which
 * may be NULL) and returns the total number of violations, 0 when valid,
 * or -1 if the schema itself is malformed (a bad pattern, a non-object). */
int cfm_schema_validate(const json_t *schema, const json_t *instance, cfm_violations *out);

/* The JSON Schema type name of v ("object", "array", "string", "integer"
 * for a JSON integer, "number" for a real, "boolean", "null"); a static
 * string. */
const char *cfm_schema_type_name(const json_t *v);

/* Counts Unicode code points in a UTF-8 string of len bytes (invalid bytes
 * count one each). */
size_t cfm_utf8_length(const char *s, size_t len);

#endif
