/* conform — the state of one open report and the entry points of its
 * sinks.  report.c owns the run directory, the atomic file commits and the
 * lifecycle (open/add/close); each sink file writes one format:
 * report_json.c (report.json), report_junit.c (junit.xml), report_html.c
 * (report.html), report_term.c (the terminal), report_coverage.c (the
 * coverage counters).  A sink touches only its own files and counters. */
#ifndef CONFORM_REPORT_SINK_H
#define CONFORM_REPORT_SINK_H
#include "conform/report.h"
#include "report_internal.h"

#include <time.h>

#ifndef CONFORM_VERSION
#define CONFORM_VERSION "0"
#endif

#define TERM_LINES 20       /* causes listed in the terminal summary, over all vendors */
#define TERM_GROUPS 256     /* distinct causes kept for it (memory bound) */
#define TERM_IDS 3          /* example case ids kept per cause */
#define COV_CASE_IDS 5      /* case ids kept per coverage item */
#define TERM_REASON_MAX 400 /* bytes of a reason on a terminal line */

typedef struct op_stat {
  char *vendor;
  char *operation;
  size_t counts[CFM_VERDICT__COUNT];
} op_stat;

/* One cause of failures for the terminal: same vendor, same verdict and
 * same reason (an unreachable target is one cause, not one per case); the
 * check (the case kind) when they all share one. */
typedef struct fail_group {
  char *vendor;
  char *kind;
  char *reason; /* sanitised for the terminal */
  cfm_verdict verdict;
  size_t count;
  char *ids[TERM_IDS]; /* sanitised */
  size_t nids;
} fail_group;

/* One JUnit testsuite: a vendor's cases, kept in a temporary file of the
 * run directory until close() writes junit.xml. */
#define JUNIT_SUITES 32 /* vendors; past it, the last suite takes the rest */
typedef struct junit_suite {
  char *name;
  FILE *f;
  size_t tests, failures, errors, skipped;
  double ms;
} junit_suite;

typedef struct cov_item {
  char *key;    /* "spec#pointer" */
  json_t *item; /* the documented item (own reference) */
  size_t ncases;
  size_t npass;
  size_t nfail;
  json_t *case_ids; /* first COV_CASE_IDS ids */
  size_t nseen;     /* cases whose answers matched it (error rows) */
  size_t stamp;     /* the case (r->n) that counted it last: once per case */
} cov_item;

struct cfm_report {
  char root[400];
  char run_id[96];
  char run_dir[512];
  FILE *json;
  junit_suite suites[JUNIT_SUITES];
  size_t nsuites;
  FILE *html_fail_tmp;
  FILE *html_rest_tmp;
  FILE *term;
  int tty;
  size_t expected;
  size_t n;
  size_t counts[CFM_VERDICT__COUNT];
  size_t prov_counts[4][CFM_VERDICT__COUNT];
  size_t baselined;
  op_stat *ops;
  size_t nops;
  size_t capops;
  cov_item *cov; /* sorted by key */
  size_t ncov;
  fail_group groups[TERM_GROUPS];
  size_t ngroups;
  size_t ungrouped; /* failures past TERM_GROUPS causes */
  char *shard;
  json_t *targets;
  char started[32];
  struct timespec last_progress;
  int io_error;
  int repro_dir;                              /* <run_dir>/repro exists */
  int aborted;                                /* cfm_report_open failed: close only cleans up */
  int json_failed, junit_failed, html_failed; /* a write to that file failed */
  char failure[4][600]; /* report.json, junit.xml, report.html, repro/: "cannot write ..." or "" */
};

/* Each report file is written under a temporary name in the run
 * directory and renamed when complete and on disk, so report.json,
 * junit.xml and report.html are each either whole or absent. */
#define TMP_PREFIX ".partial-"

static inline const char *cfm__s_or(const char *s, const char *dflt) {
  return s && *s ? s : dflt;
}

/* report.c: files of the run directory. */
FILE *cfm__report_open_in_run(cfm_report *r, const char *name, const char *mode);
/* Records the first write failure of each file: the file and the reason. */
void cfm__report_note_failure(cfm_report *r, const char *name, int e);
/* Flushes, syncs and closes f (TMP_PREFIX name), then renames it to name
 * unless it failed (bad: an earlier write to it failed, already noted).
 * Returns 0, or -1 with the failure noted and the temporary file removed. */
int cfm__report_commit(cfm_report *r, FILE *f, const char *name, int bad);
/* Copies src from its start to dst; 0 or -1. */
int cfm__report_splice(FILE *dst, FILE *src);

/* report_json.c: report.json. */
int cfm__json_head(cfm_report *r);
void cfm__json_finish(cfm_report *r, double wall_ms);
json_t *cfm__json_summary(cfm_report *r, double wall_ms);

/* report_junit.c: junit.xml, and the provenance as plain escaped text. */
void cfm__provenance_text(FILE *f, const json_t *prov);
void cfm__junit_case(cfm_report *r, const cfm_case_result *res);
int cfm__junit_write(cfm_report *r, double wall_ms);

/* report_html.c: report.html (cause: index in r->groups, or -1). */
void cfm__html_case(cfm_report *r, const cfm_case_result *res, long cause);
int cfm__html_write(cfm_report *r, double wall_ms);

/* report_term.c: the progress line, failure causes, the summary. */
void cfm__term_progress(cfm_report *r, int force);
long cfm__term_note_cause(cfm_report *r, const cfm_case_result *res);
void cfm__term_summary(cfm_report *r, double wall_ms);
void cfm__term_field(FILE *f, const char *s);
void cfm__term_release(cfm_report *r);

/* report_coverage.c: documented items and the cases that exercised them. */
int cfm__cov_load(cfm_report *r, const json_t *items);
void cfm__cov_note(cfm_report *r, const cfm_case_result *res);
/* The coverage object of report.json (new reference): documented,
 * exercised, observed, by_kind, unexercised and items.  report.html
 * renders the same object, so the two always agree. */
json_t *cfm__cov_json(cfm_report *r);
void cfm__cov_release(cfm_report *r);

#endif
