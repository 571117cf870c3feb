/* conform — error codes and the caller-owned error detail struct.
 *
 * One X-macro table generates the enum, the names and the messages
 * (after libuv's UV_ERRNO_MAP).  Details go in a cfm_error_t owned by the
 * caller: it may be NULL, the first error wins, filling it never allocates
 * (after jansson's json_error_t). */
#ifndef CONFORM_ERROR_H
#define CONFORM_ERROR_H

#include <stddef.h>

#define CFM_ERR_MAP(XX)                                                                            \
  XX(OK, "success")                                                                                \
  XX(NOMEM, "out of memory")                                                                       \
  XX(TOOBIG, "input exceeds a hard size cap")                                                      \
  XX(IO, "input/output error")                                                                     \
  XX(PARSE, "malformed input")                                                                     \
  XX(SPEC, "invalid spec")                                                                         \
  XX(SCHEMA, "value does not match the schema")                                                    \
  XX(CONFIG, "invalid configuration")                                                              \
  XX(USAGE, "invalid usage")                                                                       \
  XX(NOTFOUND, "no such item")                                                                     \
  XX(NETWORK, "network error")                                                                     \
  XX(TIMEOUT, "timed out")                                                                         \
  XX(CRYPTO, "cryptographic failure")                                                              \
  XX(INTERNAL, "internal error")

typedef enum {
#define CFM_ERR_ENUM(name, msg) CFM_E##name,
  CFM_ERR_MAP(CFM_ERR_ENUM)
#undef CFM_ERR_ENUM
      CFM_E__COUNT
} cfm_err;

/* Returns the constant name ("NOMEM") of rc; "UNKNOWN" if out of range. */
const char *cfm_err_name(int rc);
/* Returns the constant human message of rc. */
const char *cfm_err_message(int rc);

#define CFM_ERROR_TEXT_LENGTH 256
#define CFM_ERROR_WHERE_LENGTH 256

/* Error details.  `where` is a file name or a location such as
 * "specs/x.json", `pointer` a JSON pointer inside it ("" = the whole
 * document), `text` a one-line lower-case reason. */
typedef struct cfm_error {
  int code; /* a cfm_err; CFM_EOK when unset */
  char where[CFM_ERROR_WHERE_LENGTH];
  char pointer[CFM_ERROR_WHERE_LENGTH];
  char text[CFM_ERROR_TEXT_LENGTH];
} cfm_error_t;

/* Clears err (no-op when NULL). */
void cfm_error_init(cfm_error_t *err);
/* Sets err if it is non-NULL and still unset (first error wins); truncates
 * silently; never allocates.  Returns code, so callers can
 * `return cfm_error_set(err, CFM_EPARSE, ...)`. */
int cfm_error_set(cfm_error_t *err, int code, const char *where, const char *pointer,
                  const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#endif
