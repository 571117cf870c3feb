/* conform tests — a recording target on loopback: the real mock behind a
 * front that logs every request in order and flags each state-changing
 * request naming a group id the mock did not hand out in this session (a
 * foreign resource).  Criterion-free, bounded (libmicrohttpd, one internal
 * thread, bodies capped at 1 MiB, at most 4096 requests logged). */
#ifndef CONFORM_TEST_HELPER_RECORD_H
#define CONFORM_TEST_HELPER_RECORD_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "conform/runner.h"

typedef struct cfm_rec cfm_rec;

/* Starts the front and its mock on 127.0.0.1 (ephemeral port).  NULL when
 * either cannot start. */
cfm_rec *cfm_rec_start(void);
/* The same with mock faults (NULL-terminated, may be NULL). */
cfm_rec *cfm_rec_start_faults(const char *const *faults);
/* fail = 1: every deletion answers 503 (not forwarded); 2: until the
 * first signal of cfm_rec_signal_at. */
void cfm_rec_fail_deletes(cfm_rec *r, int fail);
unsigned cfm_rec_port(const cfm_rec *r);
/* Requests answered; state-changing requests naming a foreign id; creates
 * answered with a new id; deletions answered 2xx. */
size_t cfm_rec_requests(cfm_rec *r);
size_t cfm_rec_foreign(cfm_rec *r);
size_t cfm_rec_creates(cfm_rec *r);
size_t cfm_rec_deletes(cfm_rec *r);
/* The first foreign request ("METHOD URL"), or "" (copied into out). */
void cfm_rec_first_foreign(cfm_rec *r, char *out, size_t cap);
/* Groups created and not deleted (handed-out ids still alive). */
size_t cfm_rec_alive(cfm_rec *r);
/* When the n-th request (1-based) arrives, the front increments *counter
 * (as a signal handler would) before answering it; again at the n2-th
 * request (0 = never); then once more at each of the m-th ..
 * (m+extra-1)-th deletion that arrives after the n-th (m = 0: never).
 * The counter may be NULL. */
void cfm_rec_signal_at(cfm_rec *r, volatile sig_atomic_t *counter, size_t n, size_t n2, size_t m,
                       size_t extra);
/* Requests other than deletions that arrived after the first signal. */
size_t cfm_rec_after_signal(cfm_rec *r);
/* The options of a run against the recording target: treated as live
 * (assume_live), concurrency 8, seed 7, interrupted through *stop. */
void cfm_rec_options(cfm_run_options *opt, volatile sig_atomic_t *stop);
/* One run of the shipped specs (helper_run.h's cfm_test_specs) against the
 * recording target with opt.  Returns CFM_EOK or an error code with err
 * filled. */
int cfm_rec_run(cfm_rec *r, const cfm_run_options *opt, cfm_run_result *res, cfm_error_t *err);
/* Every create answered with a new id, in order: a new array of
 * {"url", "body"} (body: the JSON sent, or null). */
json_t *cfm_rec_created(cfm_rec *r);
/* Stops and frees.  NULL is a no-op. */
void cfm_rec_stop(cfm_rec *r);

#endif
