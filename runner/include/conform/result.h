/* conform — the result of one case, as the executor produces it and the
 * reports (JSON, JUnit, HTML, terminal), the baseline and shard merging
 * consume it.  Strings are owned by the result (malloc'd) unless noted. */
#ifndef CONFORM_RESULT_H
#define CONFORM_RESULT_H

#include <jansson.h>
#include <stddef.h>

typedef enum {
  CFM_VERDICT_PASS = 0,
  CFM_VERDICT_WARN,
  CFM_VERDICT_SKIP,
  CFM_VERDICT_FAIL,
  CFM_VERDICT_ERROR,
  CFM_VERDICT__COUNT
} cfm_verdict;

/* "pass" "warn" "skip" "fail" "error"; cfm_verdict_parse returns -1 if unknown. */
const char *cfm_verdict_name(cfm_verdict v);
int cfm_verdict_parse(const char *name);

typedef struct cfm_case_result {
  char *id; /* <vendor>.<operation>.<check>[.<detail>] */
  char *vendor;
  char *operation;
  char *kind; /* example required type limit enum auth not_found rule scenario */
  cfm_verdict verdict;
  char *reason;           /* one line a person can act on */
  json_t *provenance;     /* new reference: {doc,section} | {secondary} | {assumed} */
  char *repro;            /* curl command, secrets redacted */
  char *request_summary;  /* "POST /v4/...?..." */
  long http_status;       /* last response status; 0 if none */
  char *vendor_code;      /* observed vendor code ("" if none) */
  char *observed_class;   /* canonical class observed */
  char *response_excerpt; /* first bytes of the response body, redacted */
  double duration_ms;
  int baselined;  /* 1 when a baseline accepted this failure */
  json_t *covers; /* new reference: array of spec JSON pointers exercised
                     ("specs/x.json#/operations/0/errors/2"); may be NULL */
  /* Error rows (pointers as in covers), new references, may be NULL: the
   * rows the case's steps expected, and the rows the target's answers
   * matched (conform/coverage.h). */
  json_t *expected_rows;
  json_t *observed_rows;
  /* The body file repro sends (--data-binary @repro/<case>.json), relative
   * to the run directory, and its bytes; NULL when the body is inline.
   * The report writes the file beside report.json (conform/repro.h). */
  char *repro_file;
  char *repro_body;
  size_t repro_body_len;
} cfm_case_result;

void cfm_case_result_release(cfm_case_result *r);

#endif
