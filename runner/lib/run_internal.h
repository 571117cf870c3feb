/* conform — the run handle and the case state shared by the run's modules
 * (run.c, flow.c, walk.c, cleanup.c).  Internal: not installed.
 *
 * All state of one cfm_run lives in one cfm__run, so two runs can live in
 * one process. */
#ifndef CONFORM_RUN_INTERNAL_H
#define CONFORM_RUN_INTERNAL_H

#include <signal.h>
#include <stdint.h>

#include "conform/exec.h"
#include "conform/ledger.h"
#include "conform/request.h"
#include "conform/runner.h"
#include "conform/step.h"
#include "conform/verdict.h"

#define CFM__EXCERPT 400

typedef struct cfm__run {
  const cfm_specset *set;
  cfm_config *cfg;
  const cfm_run_options *opt;
  cfm_exec *ex;
  cfm_report *rep;
  char prefix[64];
  /* The interrupt level: 1 starts nothing new, one more abandons the
   * requests in flight.  Written by signal handlers only. */
  volatile sig_atomic_t *stop;
  uint64_t rng;    /* the run's PRNG (auth nonces) */
  json_t *cleanup; /* [{vendor, op, id}] deletions left for the clean-up phase */
  cfm_case **queue;
  size_t nqueue, next, inflight;
  unsigned concurrency;
  json_t *throttle_codes;    /* union over the specs, as text: executor retries */
  json_t *throttle_status;   /* union over the specs */
  json_t *throttle_pointers; /* the error models' code pointers */
  size_t counts[CFM_VERDICT__COUNT];
  size_t baselined;
  json_t *reach; /* vendor -> [API answers, anything else] */
  int report_error;
  size_t cleanup_sent, cleanup_failed;
  json_t *created_ids;      /* "vendor/id" -> true: every id this run created (deleted or not) */
  size_t guarded;           /* requests not sent: they would name a foreign id */
  cfm_ledger_writer ledger; /* the clean-up ledger */
  json_t *not_deleted;      /* [{vendor, op, id}] deletions that failed after retries */
  size_t dry_requests, dry_creates, dry_deletes; /* --dry-run totals */
  json_t *dry_pace; /* --dry-run: rate key -> seconds its requests need */
} cfm__run;

/* One case in flight. */
typedef struct cfm__case_run {
  cfm__run *run;
  const cfm_case *c;
  json_t *steps; /* parsed from c->steps_json while the case runs */
  cfm_step cur;  /* steps[step], decoded */
  unsigned rep;  /* --repeat copy */
  size_t step;
  unsigned iter;   /* repeat index within a step */
  json_t *vars;    /* captures */
  json_t *created; /* [{vendor, op, id}] resources to delete when the case ends */
  /* walk */
  json_t *walk_ids;
  unsigned walk_pages;
  char *walk_cursor; /* malloc'd; NULL before the first page */
  long walk_page;
  /* outcome */
  cfm_verdict verdict;
  int done;
  int token_retried; /* the current request went again with a new provider token */
  char reason[600];
  json_t *prov;
  json_t *expected_rows, *observed_rows; /* error rows (conform/coverage.h) */
  long status;
  char code[128];
  char cls[32];
  char excerpt[CFM__EXCERPT + 1];
  char summary[700];
  char *repro;
  char *repro_body; /* the body file of repro (conform/repro.h), or NULL */
  size_t repro_body_len;
  double started;
} cfm__case_run;

double cfm__now_ms(void);
/* The next value of the run's PRNG (splitmix64). */
uint32_t cfm__run_random(cfm__run *rh);
/* The interrupt level (0 = none). */
int cfm__run_stopped(const cfm__run *rh);
/* target_local.c: 1 when vendor's target takes heavy set-up
 * (cfm_run_options.local_targets). */
int cfm__run_local(const cfm__run *rh, const char *vendor);
/* The template context of a case in flight. */
void cfm__case_tmpl(const cfm__case_run *cs, cfm_tmpl *t);

/* flow.c: records a verdict on the case (first fail/error decides). */
void cfm__case_set(cfm__case_run *cs, cfm_verdict v, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* flow.c: runs n cases (each opt->repeat times) at most concurrency at once. */
void cfm__flow_run(cfm__run *rh, cfm_case **cases, size_t n, unsigned concurrency);
/* flow.c: sends the case's current step (or finishes it). */
void cfm__flow_issue(cfm__case_run *cs);
/* flow.c: reports the case and frees it. */
void cfm__flow_finish(cfm__case_run *cs);

/* flow.c: 1 when vendor's target is live (not on loopback, or the run
 * assumes live targets). */
int cfm__run_live(const cfm__run *rh, const char *vendor);

/* walk.c: the request template of the walk's next page (new reference). */
json_t *cfm__walk_request(const cfm__case_run *cs);
/* walk.c: takes one page.  Returns 1 when the case goes on (next page or
 * next step already issued), 0 when it finished. */
void cfm__walk_on_page(cfm__case_run *cs, const cfm_http_response *res);

/* cleanup.c: deletes e = {vendor, op, id} now, or keeps it for the
 * clean-up phase when the run is stopping or dry. */
void cfm__cleanup_add(cfm__run *rh, const json_t *e);
/* cleanup.c: deletes what was kept, on a fresh executor; retries each
 * failed deletion, then keeps it in rh->not_deleted. */
void cfm__cleanup_phase(cfm__run *rh);

#endif
