/* conform — what the case generator's files share (cases.c: the list and
 * the builders; cases_param.c: an operation's cases; cases_limit.c: limit
 * cases).  Internal: not installed.
 *
 * Every builder returns a new reference that is whole, or NULL when out
 * of memory; arguments documented as stolen are released on failure too,
 * so calls nest and the outermost (cfm__case_add) reports CFM_ENOMEM. */
#ifndef CONFORM_CASES_INTERNAL_H
#define CONFORM_CASES_INTERNAL_H

#include "conform/runner.h"

/* Appends the case "<fmt...>" of kind (steps and covers stolen; NULL means
 * out of memory).  Returns CFM_EOK, CFM_ENOMEM or CFM_ETOOBIG. */
int cfm__case_add(cfm_caselist *l, const cfm_spec *spec, const char *op, const char *kind,
                  json_t *steps, const json_t *prov, json_t *covers, int exclusive, const char *fmt,
                  ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 9, 10)))
#endif
    ;

/* "<vendor>#<pointer>" for a covers list. */
json_t *cfm__cover(const cfm_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The request a case starts from: the first example, bound values,
 * defaults or placeholders for required parameters. */
json_t *cfm__base_request(const json_t *op);
/* {op, request, expect} (request and expect stolen). */
json_t *cfm__main_step(const json_t *op, json_t *request, json_t *expect);
/* The operation's set-up steps, then step (stolen). */
json_t *cfm__steps_with(const json_t *op, json_t *step);
/* Ids of the error rows of op and the transport whose trigger is listed. */
json_t *cfm__rows_by_trigger(const cfm_spec *spec, const json_t *op, const char *const *trig);
/* An error expectation: rows (stolen, maybe empty) else classes. */
json_t *cfm__expect_error(json_t *rows, const char *const *classes, const json_t *prov, int silent,
                          const char *what);
/* A success expectation (schema checked, the documented status). */
json_t *cfm__expect_success(const json_t *op, const json_t *prov, int silent, const char *what);
/* 1 when a provenance is an assumption (its misses are warnings). */
int cfm__is_assumed(const json_t *prov);

/* A copy of req with parameter param set to value (stolen), or removed
 * when value is NULL and remove is set. */
json_t *cfm__vary(const json_t *req, const json_t *param, json_t *value, int remove);
/* The limit cases of parameter p (index pi) of op (index oi). */
int cfm__limit_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi,
                     const json_t *p, size_t pi, const json_t *req);
/* Every case of operation op (index oi). */
int cfm__op_cases(cfm_caselist *l, const cfm_spec *spec, const json_t *op, size_t oi);

#endif
