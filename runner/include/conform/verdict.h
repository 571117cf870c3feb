/* conform — the verdict: one exchange judged against one step.
 *
 * A pure function of (spec operation, step and its expectation, request,
 * response): no I/O, no run state, no clock.  Whatever a live run, a proxy
 * or a recorded file saw can be judged the same way.  The rules are listed
 * in docs/internals.md. */
#ifndef CONFORM_VERDICT_H
#define CONFORM_VERDICT_H

#include <jansson.h>
#include <stdarg.h>

#include "conform/errmap.h"
#include "conform/exec.h"
#include "conform/result.h"
#include "conform/spec.h"
#include "conform/step.h"

/* What was sent and what came back (both borrowed).  The request may be
 * NULL: no rule reads it yet. */
typedef struct cfm_exchange {
  const cfm_http_request *request;
  const cfm_http_response *response;
} cfm_exchange;

/* The judgement of one exchange. */
typedef struct cfm_judgement {
  cfm_verdict verdict; /* PASS when the step met its expectation */
  int go_on;           /* 1 when the case may continue with its next step */
  char reason[600];    /* "" on a plain pass */
  json_t *provenance;  /* new reference: the statement the reason is about, or NULL */
  int mapped;          /* 1 when the response was mapped (code and cls below) */
  char code[128];      /* the vendor code observed ("" if none) */
  char cls[32];        /* the canonical class observed */
  const json_t *row;   /* the matched error row (borrowed from the spec), or NULL */
  json_t *captures;    /* new reference: {name: value} the step captured (on success) */
  json_t *created;     /* new reference: [{vendor, op, id}] resources the call created */
} cfm_judgement;

/* Judges ex against step (of spec's operation op, both borrowed).  checks
 * are the expectation's body checks with templates already resolved (the
 * caller's variables), or NULL for step->expect.body as written.  As a
 * set-up step (step->setup or setup != 0) only the transport, the error
 * model and the captures count.  Returns CFM_EOK or CFM_ENOMEM; out is
 * always filled (release it with cfm_judgement_release). */
int cfm_verdict_judge(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                      const json_t *checks, int setup, const cfm_exchange *ex, cfm_judgement *out);
void cfm_judgement_release(cfm_judgement *j);

/* Maps a response with spec's error model and the tables of op (may be
 * NULL) then the transport's. */
void cfm_verdict_map(const cfm_spec *spec, const json_t *op, const cfm_http_response *res,
                     cfm_mapped *m);

/* 1 when a mapped response is the spec's documented throttle answer
 * (transport.throttle: an HTTP status with an error, or a vendor code). */
int cfm_verdict_is_throttle(const cfm_spec *spec, long status, const cfm_mapped *m);

/* 1 when a response is an answer of a JSON API: no transport error, and a
 * JSON Content-Type or a body that starts like JSON (a 429 counts: the
 * target was reached).  HTML pages of proxies and gateways, garbage and
 * empty bodies are not. */
int cfm_verdict_is_api_answer(const cfm_http_response *res);

/* The one rule for keeping a verdict: records v with its reason (and a
 * copy of prov, when an object) over *cur unless *cur is already worse:
 * the first fail/error decides; a warn is kept unless a fail or error
 * comes.  cfm_judgement_set applies it to a judgement, the flow to a case. */
void cfm_verdict_vrecord(cfm_verdict *cur, char *reason, size_t rcap, json_t **cur_prov,
                         cfm_verdict v, const json_t *prov, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 0)))
#endif
    ;
/* Records v in j as cfm_verdict_vrecord does. */
void cfm_judgement_set(cfm_judgement *j, cfm_verdict v, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
