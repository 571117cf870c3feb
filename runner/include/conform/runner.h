/* conform — contract cases from specs, run against targets.
 *
 * A case is a short list of steps (set-up steps, then the request under
 * test, or a scenario's steps); each step has an expectation derived from a
 * documented statement, and the case's verdict is its first non-pass step's
 * (or pass).  Case ids are stable: <vendor>.<operation>.<check>[.<detail>]. */
#ifndef CONFORM_RUNNER_H
#define CONFORM_RUNNER_H
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/exec.h"
#include "conform/report.h"
#include "conform/spec.h"
#include "conform/step.h"
#include "conform/target.h"

/* Resources one case may create and still have deleted by the run. */
#define CFM_CASE_MAX_CREATED 4096

typedef struct cfm_case {
  char *id;
  const cfm_spec *spec;  /* borrowed */
  char *operation;       /* the operation under test ("" for scenarios) */
  char *kind;            /* example required type limit enum auth not_found rule scenario */
  cfm_case_kind kind_id; /* the same, as an enum */
  char *steps_json;      /* the array of step objects as compact JSON (see cfm_case_steps) */
  json_t *provenance;    /* new reference: the statement tested */
  json_t *covers;        /* new reference: array of "vendor#/pointer" */
  int exclusive;         /* runs alone (list walks see the whole app) */
  /* 0, or the creates its set-up sends when they are too many for a live
   * target (a clamp at 1,000 made observable): the case runs only against
   * a local target (cfm_run_options.local_targets), elsewhere it is skip. */
  size_t heavy_setup;
} cfm_case;

typedef struct cfm_caselist {
  cfm_case *items;
  size_t count, cap;
  size_t text_bytes; /* sum of the cases' steps_json */
  size_t max_text;   /* cap on text_bytes; 0 = CFM_CASES_MAX_TEXT */
} cfm_caselist;

/* Cap on the text of all cases of a run: the shipped specs need 0.6 MiB;
 * specs whose limits would need more are refused, not run out of memory. */
#define CFM_CASES_MAX_TEXT (256u * 1024u * 1024u)

/* Generates every case of every spec in set, in a deterministic order.
 * The specs must pass lint (cfm_specset_check): cases trust the format.
 * Returns CFM_EOK, CFM_ENOMEM, or CFM_ETOOBIG (text over out->max_text). */
int cfm_cases_generate(const cfm_specset *set, cfm_caselist *out);
void cfm_caselist_release(cfm_caselist *list);
/* The steps of c as a new reference, or NULL (out of memory).  A case
 * keeps its steps as text: parsed trees of every case would be most of
 * a run's memory, and only the cases in flight need theirs. */
json_t *cfm_case_steps(const cfm_case *c);

/* The documented items of a spec set for the coverage view (new reference:
 * array of {"spec", "pointer", "kind", "label", "provenance"}). */
json_t *cfm_coverage_items(const cfm_specset *set);

typedef struct cfm_run_options {
  const char *filter;                /* glob on case ids; NULL = all */
  const char *exclude;               /* glob on case ids to leave out; NULL = none */
  const char *vendor;                /* only this vendor; NULL = all */
  unsigned shard_index, shard_count; /* 0/0 = no sharding */
  int list;                          /* print case ids, run nothing */
  int dry_run;                       /* print requests, send nothing */
  const char *reports_dir;           /* NULL = no reports */
  const cfm_baseline *baseline;
  unsigned concurrency; /* 0 = config or 8 */
  long timeout_ms;      /* 0 = config or 10000 */
  int pace;             /* 1 = honour documented rate limits (real targets) */
  unsigned repeat;      /* run the case set this many times (benchmarks); 0 = 1 */
  FILE *out;            /* --list / --dry-run output (stdout) */
  FILE *term;           /* progress and summary (stderr) or NULL */
  int term_is_tty;
  double max_rps; /* --max-rps / config "max_rps": requests per second over the whole run
                     against paced targets; 0 = no cap beyond the documented rates */
  /* The interrupt counter a signal handler increments (async-signal-safe:
   * the handler only writes it): 1 starts nothing new and lets requests
   * in flight finish, 2 abandons them; clean-up still runs and two more
   * cancel it.  NULL = the process-wide counter of cfm_run_interrupt. */
  volatile sig_atomic_t *interrupt;
  unsigned long long seed; /* the run's PRNG seed (auth nonces); 0 = from time and pid */
  /* The safety model (docs/config.md "What a live target is sent"): against
   * a target that is not on loopback, a destructive operation is sent only
   * when every id it names is one this run created; other cases are skip.
   * unsafe = 1 sends them anyway; assume_live = 1 treats loopback targets
   * as live too (tests with a recording target). */
  int unsafe;
  int assume_live;
  /* Which targets take cases with heavy set-up (cfm_case.heavy_setup):
   * 0 = those whose base_url is a loopback address (the embedded mock, a
   * local `conform mock`), 1 = every target, -1 = none. */
  int local_targets;
  /* Called with each request as it is sent (res NULL) and again with its
   * response (req NULL), key pairing the two (--record: cfm_har_record in
   * conform/passive.h).  NULL = nothing recorded. */
  struct cfm_run_recorder {
    void (*fn)(void *user, const void *key, const cfm_http_request *req,
               const cfm_http_response *res);
    void *user;
  } record;
} cfm_run_options;

typedef struct cfm_run_result {
  size_t counts[CFM_VERDICT__COUNT];
  size_t baselined;
  size_t cases;
  size_t requests;
  size_t unreachable_targets;
  double wall_ms;
  char run_dir[512];
  int interrupted;       /* 1 when an interrupt stopped the run */
  size_t cleanup_sent;   /* deletions of created resources sent */
  size_t cleanup_failed; /* resources not deleted after retries (named on opt->term/stderr) */
  char ledger[600];      /* the clean-up ledger ("" = none: no reports or a dry run) */
  size_t guarded;        /* requests not sent: they would name a foreign id (docs/config.md) */
  size_t dry_requests, dry_creates, dry_deletes; /* --dry-run totals */
} cfm_run_result;

/* 1 when base_url names a loopback host (localhost, 127.0.0.0/8, [::1]):
 * a local target, where heavy set-up is reasonable; 0 otherwise. */
int cfm_target_is_local(const char *base_url);

/* Runs the cases of set against cfg's targets.  Returns CFM_EOK (verdicts
 * in res) or an error (err filled): CFM_ESPEC (a spec has lint findings;
 * nothing is sent), CFM_ECONFIG (a vendor without target or credentials),
 * CFM_EIO (reports), CFM_ENOMEM. */
int cfm_run(const cfm_specset *set, cfm_config *cfg, const cfm_run_options *opt,
            cfm_run_result *res, cfm_error_t *err);

/* Increments the process-wide interrupt counter that runs given no
 * opt->interrupt watch (async-signal-safe).  Prefer opt->interrupt: one
 * counter per run. */
void cfm_run_interrupt(void);

/* 1 when the last cfm_run watching the process-wide counter was
 * interrupted (cfm_run_result.interrupted tells it for any run). */
int cfm_run_was_interrupted(void);

/* Whether opt's selection (vendor, filter, exclude, shard) takes case c:
 * the one rule run and its pre-flight checks share. */
int cfm_run_selects(const cfm_run_options *opt, const cfm_case *c);

#endif
