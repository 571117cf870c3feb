/* conform — specs: loading, linting and looking things up.
 *
 * The spec model is the parsed JSON tree itself (format in specs/README.md,
 * schema in specs/spec.schema.json), validated by lint; accessors below
 * return borrowed references into it, valid while the cfm_spec lives. */
#ifndef CONFORM_SPEC_H
#define CONFORM_SPEC_H

#include <jansson.h>
#include <stddef.h>

#include "conform/error.h"

/* Hard cap on a spec file's size. */
#define CFM_SPEC_MAX_BYTES (8u * 1024u * 1024u)
/* Largest length/size limit (characters or bytes) and item-count limit a
 * spec may state: cases build a value one past each limit and send it, so
 * a limit must fit in memory and in a request.  Lint enforces both. */
#define CFM_SPEC_MAX_TEXT_LIMIT (1024L * 1024L)
#define CFM_SPEC_MAX_ITEMS_LIMIT 100000L

typedef struct cfm_spec {
  json_t *root;       /* owned */
  char *path;         /* owned copy of the file name */
  const char *vendor; /* borrowed from root */
} cfm_spec;

typedef struct cfm_specset {
  cfm_spec **items; /* owned */
  size_t count;
} cfm_specset;

/* One lint finding. */
typedef struct cfm_lint_issue {
  char file[256];
  char pointer[256];
  char message[256];
} cfm_lint_issue;

typedef struct cfm_lint_report {
  cfm_lint_issue *items; /* owned; release with cfm_lint_report_release */
  size_t count;
  size_t cap;
} cfm_lint_report;

/* Parses a spec from memory (len bytes, no NUL needed); `name` is used in
 * messages.  Does not lint.  On success *out is a new cfm_spec owned by the
 * caller.  Returns CFM_EOK or an error with err filled (file, pointer,
 * reason). */
int cfm_spec_parse(const char *name, const char *data, size_t len, cfm_spec **out,
                   cfm_error_t *err);
/* Reads and parses a file (capped at CFM_SPEC_MAX_BYTES). */
int cfm_spec_load(const char *path, cfm_spec **out, cfm_error_t *err);
void cfm_spec_free(cfm_spec *spec);

/* Lints a parsed spec: meta-schema + semantic checks (specs/README.md).
 * Appends findings to report; returns the number appended, or -1 on OOM. */
int cfm_spec_lint(const cfm_spec *spec, cfm_lint_report *report);
void cfm_lint_report_release(cfm_lint_report *report);
/* Lints spec, or every spec of a set, for code that needs a valid spec
 * (case generation, export, drift).  Returns CFM_EOK, CFM_ENOMEM, or
 * CFM_ESPEC with err naming the first finding and how many there are. */
int cfm_spec_check(const cfm_spec *spec, cfm_error_t *err);

/* Loads every *.json except spec.schema.json from a directory, or one file,
 * sorted by file name, into set (appending).  Parse errors go to err.  */
int cfm_specset_add_path(cfm_specset *set, const char *path, cfm_error_t *err);
void cfm_specset_release(cfm_specset *set);
int cfm_specset_check(const cfm_specset *set, cfm_error_t *err);

/* Look-ups (borrowed; NULL if absent). */
const json_t *cfm_spec_operation(const cfm_spec *spec, const char *op_id);
const json_t *cfm_spec_error_model(const cfm_spec *spec);
/* The error row with this id in the operation's errors, then the transport's. */
const json_t *cfm_spec_error_row(const cfm_spec *spec, const json_t *op, const char *row_id);

/* The meta-schema (spec.schema.json) as a new reference, read once from
 * the directory set by cfm_spec_set_schema_dir or the build's default. */
json_t *cfm_spec_meta_schema(cfm_error_t *err);
void cfm_spec_set_schema_dir(const char *dir);

#endif
