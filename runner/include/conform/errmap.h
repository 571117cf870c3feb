/* conform — the error mapper: any HTTP response → (vendor code, canonical
 * class, message).
 *
 * Total on every input: garbage, HTML, empty, truncated or huge bodies give
 * a result (class UNKNOWN/INTERNAL/…) and never crash. */
#ifndef CONFORM_ERRMAP_H
#define CONFORM_ERRMAP_H

#include <jansson.h>
#include <stddef.h>

#define CFM_CLASS_MAP(XX)                                                                          \
  XX(OK)                                                                                           \
  XX(INVALID_ARGUMENT)                                                                             \
  XX(UNAUTHENTICATED)                                                                              \
  XX(PERMISSION_DENIED)                                                                            \
  XX(NOT_FOUND)                                                                                    \
  XX(ALREADY_EXISTS)                                                                               \
  XX(FAILED_PRECONDITION)                                                                          \
  XX(RESOURCE_EXHAUSTED)                                                                           \
  XX(INTERNAL)                                                                                     \
  XX(UNAVAILABLE)                                                                                  \
  XX(UNKNOWN)

typedef enum {
#define CFM_CLASS_ENUM(name) CFM_CLASS_##name,
  CFM_CLASS_MAP(CFM_CLASS_ENUM)
#undef CFM_CLASS_ENUM
      CFM_CLASS__COUNT
} cfm_class;

/* "NOT_FOUND" etc.; "UNKNOWN" when out of range. */
const char *cfm_class_name(cfm_class c);
/* Parses a class name; returns -1 when unknown. */
int cfm_class_parse(const char *name);
/* The built-in HTTP status → class map (400 INVALID_ARGUMENT, 401
 * UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ALREADY_EXISTS,
 * 412 FAILED_PRECONDITION, 413/429 RESOURCE_EXHAUSTED, 5xx INTERNAL, 502-504
 * UNAVAILABLE, 2xx OK, other UNKNOWN). */
cfm_class cfm_class_from_status(long status);

/* Result of mapping one response.  Strings are NUL-terminated copies,
 * truncated to fit. */
typedef struct cfm_mapped {
  cfm_class cls;
  int is_error;      /* 1 when the response reports an error */
  int body_is_json;  /* 1 when the body parsed as a JSON object */
  long status;       /* the HTTP status given */
  char code[128];    /* vendor code as text ("10010", "param.error"); "" if none */
  char message[512]; /* vendor message; "" if none */
  const json_t *row; /* the matching error row (borrowed from the tables), or NULL */
  char why[160];     /* how the class was decided, for reports */
} cfm_mapped;

/* Maps a response.
 *   model  — a spec's transport.error_model object (borrowed);
 *   tables — zero or more arrays of error rows (borrowed; NULL entries
 *            skipped), searched in order: usually the operation's, then the
 *            transport's;
 *   status, body/len — the response (body need not be NUL-terminated).
 * A row matches when its status and code equal the response's; when several
 * do, one whose message pattern matches wins.  Without a row, the class
 * comes from model.status_classes, then cfm_class_from_status.
 * Returns 0, or -1 if model is malformed (out is still filled as UNKNOWN). */
int cfm_errmap_map(const json_t *model, const json_t *const *tables, size_t ntables, long status,
                   const char *body, size_t len, cfm_mapped *out);

/* Returns 1 when `message` matches the row's "message" PCRE2 pattern (or
 * the row has none), 0 when not, -1 if the pattern does not compile.
 * Patterns are compiled once and cached (thread-safe). */
int cfm_errmap_message_matches(const json_t *row, const char *message, size_t len);

#endif
