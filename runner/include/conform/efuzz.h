/* conform — contract fuzzing of an endpoint: seeded generation of valid
 * and near-valid requests and call sequences from the specs, judged by the
 * verdict code (cfm_verdict_judge) plus the fuzzer's properties, with
 * shrinking of a failure to a case file that replays.
 *
 * A trial is a list of steps in the case step format (docs/internals.md)
 * with three extra keys the engine reads: "group" (the capture name of the
 * group a step works on), "mutated" (the one field a near-valid step
 * breaks; shrinking leaves it alone), "readback" (a read of the group
 * whose expected fields come from what the target accepted before),
 * "gone" (a call on a group this execution deleted; skipped otherwise) and
 * "keep" (a step of a documented sequence: a rule, scenario or limit case
 * run whole, which shrinking never drops or simplifies).
 * docs/fuzzing.md "Endpoint fuzzing" describes generators, properties,
 * shrinking and safety. */
#ifndef CONFORM_EFUZZ_H
#define CONFORM_EFUZZ_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/exec.h"
#include "conform/spec.h"
#include "conform/target.h"

/* Sends one request synchronously and fills *res.  res->body stays valid
 * until the next call with the same user. */
typedef void (*cfm_efuzz_send_fn)(void *user, const cfm_http_request *req, cfm_http_response *res);

typedef struct cfm_efuzz_options {
  unsigned long long seed; /* the PRNG seed: same seed, same trials */
  size_t budget;           /* requests to generate; 0 = 10000 (unless time_s) */
  double time_s;           /* stop after this many seconds too (0 = no limit) */
  const char *vendor;      /* only this vendor; NULL = every spec */
  size_t max_shrink;       /* re-executions spent shrinking; 0 = 400 */
  int keep_going;          /* 1: count every failing trial instead of stopping at the first */
  FILE *log;               /* one line per failure and a summary, or NULL */
  /* A signal handler's counter: when non-zero no new trial starts (the
   * current one finishes and deletes what it created).  May be NULL. */
  const volatile sig_atomic_t *interrupt;
} cfm_efuzz_options;

typedef struct cfm_efuzz_result {
  size_t requests;           /* requests of the generated trials (shrinking excluded) */
  size_t trials;             /* trials run */
  size_t fails;              /* failing trials */
  size_t warns;              /* warnings (undocumented errors, assumed statements) */
  size_t first_fail_request; /* requests sent up to the first failure; 0 = none */
  size_t shrink_runs;        /* re-executions while shrinking */
  size_t shrink_requests;    /* their requests */
  size_t cleanup_sent;       /* deletions of what the trials left */
  size_t cleanup_failed;
  size_t guarded;            /* documented steps not sent to a live target: they named an id
                                the trial did not create (the foreign-id rule) */
  unsigned long long digest; /* FNV-1a over every generated step: same seed, same digest */
  char reason[600];          /* the first failure's reason ("" when none) */
  char first_warn[600];      /* the first warning's reason */
  json_t *repro;             /* new reference: the shrunk failing case file, or NULL */
  double seconds;
} cfm_efuzz_result;

/* Fuzzes every spec of set (linted by the caller) against cfg's targets
 * through send.  Returns CFM_EOK (res filled; release it), CFM_ENOMEM or
 * CFM_ECONFIG (a spec gives the fuzzer nothing to generate), err filled. */
int cfm_efuzz_run(const cfm_specset *set, cfm_config *cfg, const cfm_efuzz_options *opt,
                  cfm_efuzz_send_fn send, void *user, cfm_efuzz_result *res, cfm_error_t *err);

/* Runs a case file written by cfm_efuzz_run (borrowed) once.  res->fails
 * is 1 when the failure it records happens again (res->reason says what
 * was seen).  Returns CFM_EOK, CFM_EPARSE (not a fuzz case file; err
 * says why), CFM_ECONFIG (its vendor has no spec) or CFM_ENOMEM. */
int cfm_efuzz_replay(const cfm_specset *set, cfm_config *cfg, const json_t *casefile,
                     cfm_efuzz_send_fn send, void *user, cfm_efuzz_result *res, cfm_error_t *err);

void cfm_efuzz_result_release(cfm_efuzz_result *res);

/* A sender over the HTTP executor (one request at a time; max_rps <= 0 =
 * unpaced).  NULL out of memory. */
typedef struct cfm_efuzz_http cfm_efuzz_http;
cfm_efuzz_http *cfm_efuzz_http_new(double max_rps, long timeout_ms);
void cfm_efuzz_http_send(void *user, const cfm_http_request *req, cfm_http_response *res);
void cfm_efuzz_http_free(cfm_efuzz_http *h);

#endif
