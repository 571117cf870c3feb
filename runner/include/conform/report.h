/* conform — report sinks.  The executor streams each finished case result
 * to a cfm_report, which writes every format incrementally (report.json,
 * junit.xml, report.html, the terminal summary), so memory stays flat
 * however many cases run.  Also: baselines (accepted deviations) and shard
 * selection/merging. */
#ifndef CONFORM_REPORT_H
#define CONFORM_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/result.h"

typedef struct cfm_report cfm_report;

/* Bits of cfm_report_options.term_is_tty (and cfm_run_options'). */
#define CFM_TERM_PROGRESS 1 /* stderr is a terminal: a progress line */
#define CFM_TERM_COLOUR 2   /* colour the summary (--color, NO_COLOR) */
#define CFM_TERM_NO_PATHS 4 /* the report files are private (--no-reports): name none */

typedef struct cfm_report_options {
  const char *dir;        /* reports root, e.g. "reports"; a run writes <dir>/<run_id>/ and
                             points <dir>/latest at it */
  const char *run_id;     /* e.g. "20261123T041500Z-1a2b"; NULL = generated */
  FILE *term;             /* terminal summary stream (stderr) or NULL */
  int term_is_tty;        /* CFM_TERM_* bits: progress line, colour */
  size_t expected_cases;  /* for the progress indicator; 0 if unknown */
  const char *shard;      /* "I/N" or NULL, recorded in the report */
  json_t *targets;        /* borrowed: {"vendor": "url", ...} recorded (no secrets) */
  json_t *coverage_items; /* borrowed: array of documented items
                             [{"spec":"agora-chat","pointer":"/operations/0/params/3",
                               "kind":"param|limit|error|example|rule|response_field",
                               "label":"groupname max 128 chars","provenance":{...}}] or NULL */
  /* Borrowed, may be NULL: its secrets are registered with the sanitiser
   * (conform/sanitize.h) before anything is written. */
  const struct cfm_config *cfg;
} cfm_report_options;

typedef struct cfm_report_summary {
  size_t counts[CFM_VERDICT__COUNT]; /* by verdict */
  size_t baselined;                  /* failures accepted by the baseline */
  double wall_ms;
  char run_dir[512]; /* where the files went */
  /* The first write failure ("cannot write '<file>': <reason>"), or "". */
  char error[640];
} cfm_report_summary;

/* Opens a report: creates the run directory and starts every file.
 * Returns CFM_EOK or an error (err filled). */
int cfm_report_open(const cfm_report_options *opt, cfm_report **out, cfm_error_t *err);
/* Streams one result (borrowed; the report copies what it keeps).  Returns
 * CFM_EOK or CFM_EIO/CFM_ENOMEM. */
int cfm_report_add(cfm_report *r, const cfm_case_result *res);
/* Finishes every file, each written under a temporary name, synced and
 * renamed when complete; updates <dir>/latest only when all are; fills
 * summary (may be NULL); prints the terminal summary (on a write failure:
 * the file and the reason instead of the "reports:" line); frees r.
 * Returns CFM_EOK or CFM_EIO (summary->error says which file and why). */
int cfm_report_close(cfm_report *r, double wall_ms, cfm_report_summary *summary);

/* The run directory of an open report (<dir>/<run_id>): files that
 * belong to the run, such as its clean-up ledger, go there. */
const char *cfm_report_run_dir(const cfm_report *r);

/* Baseline: accepted deviations keyed on (case id, observed vendor code). */
typedef struct cfm_baseline cfm_baseline;
int cfm_baseline_load(const char *path, cfm_baseline **out, cfm_error_t *err);
/* The same from len bytes in memory; name labels errors. */
int cfm_baseline_parse(const char *name, const char *data, size_t len, cfm_baseline **out,
                       cfm_error_t *err);
/* 1 if the baseline accepts this failing result. */
int cfm_baseline_accepts(const cfm_baseline *b, const char *case_id, const char *vendor_code);
void cfm_baseline_free(cfm_baseline *b);
/* The number of entries of b (0 for NULL). */
size_t cfm_baseline_count(const cfm_baseline *b);
/* Writes a baseline from a report.json (every fail becomes an entry). */
int cfm_baseline_write_from_report(const char *report_json, const char *out_path, cfm_error_t *err);

/* What one run made of a baseline's entries. */
typedef struct cfm_baseline_usage {
  size_t entries; /* in the baseline */
  size_t used;    /* accepted a failure of the run */
  size_t stale;   /* their case ran and did not fail that way: unused */
  size_t not_run; /* their case was not in the run (a filter, a shard) */
} cfm_baseline_usage;
/* Compares a baseline file with a run's report.json: fills u; if stale is
 * not NULL, *stale is a new array of the unused entries (as in the file);
 * if prune_to is not NULL, writes the baseline without them there (it may
 * be baseline_path itself).  Returns CFM_EOK, CFM_ECONFIG (either file not
 * what it should be), CFM_EIO or CFM_ENOMEM (err filled). */
int cfm_baseline_audit(const char *baseline_path, const char *report_json, cfm_baseline_usage *u,
                       json_t **stale, const char *prune_to, cfm_error_t *err);

/* Shard selection: deterministic in the key (a case id, or the scenario id
 * for scenario cases, so scenarios stay whole).  index is 1-based. */
int cfm_shard_selects(const char *key, unsigned index, unsigned count);
/* Parses "I/N"; returns 0 on success. */
int cfm_shard_parse(const char *text, unsigned *index, unsigned *count);
/* Adds "shard_set" (borrowed) to a report.json, replacing the file
 * atomically: {"run": id, "index": I, "count": N, "targets": {...},
 * "spec_hash": "...", "selection": "...", "cases_expected": n}.  Returns
 * CFM_EOK, CFM_EIO or CFM_ENOMEM (err filled). */
int cfm_report_stamp(const char *report_json, const json_t *shard_set, cfm_error_t *err);
/* Merges the report.json of every shard of one run into one run directory
 * (all formats).  Refused (CFM_ECONFIG, err says why): a report without a
 * shard_set, shards of different runs (run id, count, targets, spec hash,
 * selection), a shard given twice or missing, an incomplete shard, and a
 * case id in two shards. */
int cfm_report_merge(const char *const *report_jsons, size_t n, const char *reports_dir,
                     cfm_report_summary *summary, cfm_error_t *err);

#endif
