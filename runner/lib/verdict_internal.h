/* conform — what verdict.c (the rules and their order) and
 * verdict_success.c (rule 5, an expected success) share. */
#ifndef CONFORM_VERDICT_INTERNAL_H
#define CONFORM_VERDICT_INTERNAL_H

#include "conform/verdict.h"

/* 1 if the expectation names no HTTP status or res has it; otherwise
 * records the verdict `bad` and returns 0. */
int cfm__verdict_status_as_expected(cfm_judgement *j, cfm_verdict bad, const cfm_expect *e,
                                    const cfm_http_response *res);

/* Judges res as the success step expects (or a set-up step): m is its
 * mapped code, checks the resolved body checks (borrowed).  Returns 1
 * passed, 0 verdict recorded, -1 out of memory. */
int cfm__verdict_judge_success(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                               const json_t *checks, int setup, const cfm_http_response *res,
                               const cfm_mapped *m, cfm_judgement *j);

/* The captures and created resources of a successful call into j.  Returns
 * 0 when a capture is missing (verdict recorded), -1 out of memory, 1
 * otherwise. */
int cfm__verdict_yield_values(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                              const json_t *body, cfm_judgement *j);

#endif
