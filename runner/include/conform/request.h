/* conform — building one request of a case: ${...} templates, the URL,
 * headers and body, and the reproduction a person can paste into a shell.
 *
 * Knows the spec's transport (base URL, auth) and the target, nothing of
 * verdicts or of the run's scheduling. */
#ifndef CONFORM_REQUEST_H
#define CONFORM_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conform/buf.h"
#include "conform/error.h"
#include "conform/exec.h"
#include "conform/spec.h"
#include "conform/target.h"

/* What ${...} names resolve to. */
typedef struct cfm_tmpl {
  const char *run_prefix;   /* ${run} */
  unsigned iter;            /* ${i}: the repeat index within a step */
  const json_t *vars;       /* ${name}: the case's captures (may be NULL) */
  const cfm_spec *spec;     /* ${var.name}: the spec variable's default ... */
  const cfm_target *target; /* ... unless the target sets it (may be NULL) */
} cfm_tmpl;

/* Resolves ${...} in a JSON value (borrowed); returns a new reference, or
 * NULL out of memory.  A string that is exactly "${name}" becomes the
 * value itself (any JSON type); inside longer strings values are spliced
 * as text.  Unknown names stay as written; the first one is copied to
 * missing (when non-NULL and still empty). */
json_t *cfm_tmpl_resolve(const cfm_tmpl *t, const json_t *v, char *missing, size_t mcap);
/* The value of spec variable name for t (borrowed), or NULL. */
const json_t *cfm_tmpl_spec_var(const cfm_tmpl *t, const char *name);

/* A built request.  Owns its strings. */
typedef struct cfm_request {
  const char *method; /* borrowed from the operation */
  cfm_buf url;
  cfm_buf body;
  int has_body;
  char **headers; /* "Name: value", NULL-terminated */
  size_t nheaders, hcap;
  char missing[128]; /* the first ${name} with no value ("" when all resolved) */
  json_t *resolved;  /* the template with ${...} resolved ({path, query, headers, body}) */
} cfm_request;

/* Most headers one request may carry (more is an error, not a silent drop). */
#define CFM_REQUEST_MAX_HEADERS 64

/* The pieces of a request besides the template. */
typedef struct cfm_request_args {
  const json_t *op;      /* the spec operation (borrowed) */
  const json_t *request; /* {path, query, headers, body} template or NULL */
  cfm_auth_mode auth;    /* how credentials are presented */
  const char *raw_body;  /* sent as is instead of request.body, or NULL */
  int64_t now;           /* seconds, for signatures */
  uint32_t nonce;        /* the auth's random parameter */
} cfm_request_args;

/* Builds a request of a->op to t's target (out is initialised here; release
 * it with cfm_request_release even on error).  Returns CFM_EOK, CFM_ECONFIG
 * (no target URL, credentials), CFM_ETOOBIG (a value over a buffer cap, too
 * many headers) or CFM_ENOMEM, with err filled. */
int cfm_request_build(const cfm_tmpl *t, const cfm_request_args *a, cfm_request *out,
                      cfm_error_t *err);
void cfm_request_release(cfm_request *r);

/* The executor's view of r (borrows r's buffers) for target tg (may be NULL). */
void cfm_request_http(const cfm_request *r, const cfm_target *tg, cfm_http_request *hr);

/* A curl command that repeats r (malloc'd, or NULL out of memory): every
 * argument is passed through redact (when non-NULL; it must write a NUL-
 * terminated copy of in with secrets replaced, into out of cap bytes) and
 * then single-quoted for a POSIX shell (' becomes '\''), so nothing a
 * target sent can run as a command.  Bodies over 2 KiB are cut (marked
 * "..."). */
typedef void (*cfm_redact_fn)(const void *user, const char *in, char *out, size_t cap);
char *cfm_request_repro(const cfm_request *r, cfm_redact_fn redact, const void *user);

/* Appends s to b quoted for a POSIX shell.  Returns CFM_EOK or an error of
 * cfm_buf_add. */
int cfm_shell_quote(cfm_buf *b, const char *s, size_t len)
#if defined(__GNUC__)
    __attribute__((warn_unused_result))
#endif
    ;

#endif
