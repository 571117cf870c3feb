/* conform — reproductions: a curl command a person can paste into a POSIX
 * shell to repeat one request (docs/reports.md, "Reproductions").
 *
 * Every argument is redacted (conform/sanitize.h) and single-quoted, so
 * nothing a target sent can run as a command.  The credential of a request
 * made with valid credentials is written as an environment reference
 * ("$AGORA_APP_TOKEN") that `conform credential VENDOR` fills; a body too
 * long for a command line, or with bytes unsafe on one, is sent from a file
 * beside the report (--data-binary @repro/<case>.json).  Nothing is ever
 * cut inside a UTF-8 sequence. */
#ifndef CONFORM_REPRO_H
#define CONFORM_REPRO_H

#include <stddef.h>

#include "conform/request.h"
#include "conform/spec.h"
#include "conform/target.h"

/* Longest body a command line carries inline; a longer one goes to a file. */
#define CFM_REPRO_INLINE_MAX 1024
/* Longest body written to a reproduction file (past it the file is cut,
 * at a UTF-8 boundary, and the command says so). */
#define CFM_REPRO_FILE_MAX ((size_t)4 << 20)

/* Where and how a request carries its credential, from the spec's
 * transport.auth, and the environment variable a reproduction names
 * instead of the value. */
typedef struct cfm_repro_auth {
  char env[64];    /* "AGORA_APP_TOKEN"; "" = no reference */
  char header[64]; /* header whose value (after a scheme word) is the credential, or "" */
  char query[64];  /* query parameter that is the credential, or "" */
} cfm_repro_auth;

/* Fills a from spec's transport.auth: transport.auth.env when the spec sets
 * it, else <VENDOR PREFIX>_<CREDENTIAL>, the prefix being the vendor id up
 * to its first '-' and the credential the auth's first credential (header
 * schemes) or the name of its usersig query parameter, upper-cased:
 * AGORA_APP_TOKEN, DINGTALK_ACCESS_TOKEN, TENCENT_USERSIG. */
void cfm_repro_auth_of(const cfm_spec *spec, cfm_repro_auth *a);

/* Copies the credential arg carries where a says (a "Name: [scheme ]value"
 * header or a URL with "?name=" / "&name=") into out (cap).  Returns 0, or
 * -1 when arg carries none or it does not fit. */
int cfm_repro_credential(const cfm_repro_auth *a, const char *arg, char *out, size_t cap);

/* What to make of a request. */
typedef struct cfm_repro_opts {
  const cfm_config *cfg;      /* its secrets are redacted (may be NULL) */
  const cfm_repro_auth *auth; /* credentials as references (NULL: redacted) */
  const char *body_file;      /* "repro/<case>.json": long bodies go there (NULL: inline) */
} cfm_repro_opts;

/* A reproduction.  body is set when command sends the body from
 * opts.body_file: the bytes to write there (redacted, body_len long). */
typedef struct cfm_repro {
  char *command;
  char *body;
  size_t body_len;
} cfm_repro;

/* Makes the reproduction of r.  Without a body file, a body over
 * CFM_REPRO_INLINE_MAX is cut at a UTF-8 boundary and marked "...".
 * Returns CFM_EOK or CFM_ENOMEM (out empty); release out either way. */
int cfm_repro_make(const cfm_request *r, const cfm_repro_opts *o, cfm_repro *out);
void cfm_repro_release(cfm_repro *p);

/* "repro/<id>.json" with every byte of id outside [A-Za-z0-9._-] as '_'
 * (cut to fit cap). */
void cfm_repro_body_path(const char *id, char *out, size_t cap);

/* 1 when path is a name cfm_repro_body_path makes (a relative file under
 * repro/, no "..", no other directory). */
int cfm_repro_body_path_ok(const char *path);

#endif
