/* conform — the typed view of a case step and its expectation.
 *
 * cases.c writes each case's steps as compact JSON text (cfm_case.steps_json:
 * parsed trees of every case would be most of a run's memory); this is the
 * one codec that reads a step back.  cfm_step_decode fills a cfm_step from
 * one parsed step object, once, so the flow and the verdict read typed
 * fields and enums, never string keys.  docs/internals.md lists the keys.
 *
 * Every pointer in a decoded step is borrowed from the JSON it was decoded
 * from and lives as long as that JSON. */
#ifndef CONFORM_STEP_H
#define CONFORM_STEP_H

#include <jansson.h>

#include "conform/target.h"

/* What a case tests; its id's third part. */
#define CFM_CASE_KIND_MAP(XX)                                                                      \
  XX(EXAMPLE, "example")                                                                           \
  XX(REQUIRED, "required")                                                                         \
  XX(TYPE, "type")                                                                                 \
  XX(LIMIT, "limit")                                                                               \
  XX(ENUM, "enum")                                                                                 \
  XX(AUTH, "auth")                                                                                 \
  XX(NOT_FOUND, "not_found")                                                                       \
  XX(ROBUSTNESS, "robustness")                                                                     \
  XX(RULE, "rule")                                                                                 \
  XX(SCENARIO, "scenario")

typedef enum {
#define CFM_CASE_KIND_ENUM(name, text) CFM_CASE_##name,
  CFM_CASE_KIND_MAP(CFM_CASE_KIND_ENUM)
#undef CFM_CASE_KIND_ENUM
      CFM_CASE__UNKNOWN
} cfm_case_kind;

/* The kind named text; CFM_CASE__UNKNOWN when none. */
cfm_case_kind cfm_case_kind_parse(const char *text);

typedef enum {
  CFM_STEP_CALL = 0, /* one request (maybe repeated), judged against expect */
  CFM_STEP_WALK      /* pages through a list, then checks which ids it saw */
} cfm_step_kind;

typedef enum {
  CFM_OUTCOME_SUCCESS = 0, /* "outcome": "success" (or absent) */
  CFM_OUTCOME_ERROR        /* "outcome": "error" */
} cfm_outcome;

/* What a step expects ("expect" object). */
typedef struct cfm_expect {
  cfm_outcome outcome;
  int silent;                    /* "silent": a miss is a warn (the statement is assumed) */
  const char *what;              /* "what": the statement, for reasons; never NULL */
  int has_status;                /* "status" given */
  long status;                   /* the documented HTTP status */
  int schema;                    /* 0 when "schema": false (the response schema is not checked) */
  const json_t *provenance;      /* "provenance" (any JSON; objects replace the case's) */
  const json_t *body;            /* "body": [{pointer, equals|exists|length|contains}] or NULL */
  const json_t *errors;          /* "errors": ids of documented error rows (any matches) or NULL */
  const json_t *classes;         /* "classes": canonical classes (any matches) or NULL */
  const char *array_max_pointer; /* "array_max.pointer": an array capped at */
  long long array_max;           /* "array_max.max" items; NULL pointer = no cap */
  const json_t *covers;          /* walk: "covers", ids each seen exactly once (a template) */
  int read_back;                 /* "read_back": when the target accepts (an error expected), go
                                    on to the following read-back steps instead of a warn */
  const char *stored_pointer;    /* "stored.pointer": the value read back, checked against */
  long long stored_max;          /* "stored.max" (a documented maximum) in */
  const char *stored_unit;       /* "stored.unit": chars, bytes or items */
  long long stored_sent;         /* "stored.sent": the size the over-limit request sent */
} cfm_expect;

/* How a walk step pages ("walk" object). */
typedef struct cfm_walk {
  const char *op;     /* the list operation */
  const json_t *path; /* path and query parameters of every page (may be NULL) */
  const json_t *query;
  const char *items;                      /* pointer to the page's array */
  const char *id;                         /* pointer, within an item, to its id */
  const char *cursor_param, *cursor_from; /* cursor paging, or NULL */
  const char *page_param;                 /* page-number paging, or NULL */
  long long page_start;
  unsigned max_pages; /* 100 when not given */
} cfm_walk;

typedef struct cfm_step {
  cfm_step_kind kind;
  const char *op;        /* the operation called (for a walk: walk.op) */
  const json_t *request; /* "request": {path, query, headers, body} template, or NULL */
  const json_t *capture; /* "capture": name -> pointer into the response, or NULL */
  int setup;             /* "setup": a set-up step (its failure skips the case) */
  unsigned repeat;       /* "repeat": times to send it (1 when absent) */
  int repeat_given;      /* "repeat" present: captures collect into arrays */
  cfm_auth_mode auth;    /* "auth": missing|malformed|expired|wrong_app (valid when absent) */
  const char *raw_body;  /* "raw_body": sent as is instead of request.body */
  cfm_expect expect;
  cfm_walk walk; /* kind == CFM_STEP_WALK */
} cfm_step;

/* Decodes one step object (borrowed).  Returns 0, or -1 when j is not a
 * step (no object, or neither "op" nor "walk"). */
int cfm_step_decode(const json_t *j, cfm_step *out);

#endif
