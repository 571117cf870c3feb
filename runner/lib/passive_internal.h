/* conform — what the passive judge's files share (passive.c: the
 * expectation of one exchange and cfm_passive_judge; passive_request.c:
 * what the request breaks; passive_stream.c: rules over a stream of
 * exchanges).  Internal: not installed. */
#ifndef CONFORM_PASSIVE_INTERNAL_H
#define CONFORM_PASSIVE_INTERNAL_H

#include "conform/passive.h"
#include "conform/verdict.h"

#include <stdint.h>

/* What the request breaks: the first statement, held against the client. */
typedef struct violation {
  int found;
  char why[400];
  const json_t *prov;
  const char *error; /* the documented error row id, or NULL */
  json_t *errors;    /* or several (auth), borrowed */
  int silent;
  int many;            /* more than one statement broken */
  const char *trigger; /* the error rows' "trigger" the statement names, or NULL */
} violation;

typedef struct req_view {
  const cfm_http_request *req;
  json_t *body;       /* parsed body or NULL */
  int body_bad;       /* a body was sent and is not a JSON object */
  json_t *query;      /* {name: "value"} */
  const json_t *path; /* the match's path parameters */
  /* Facts the recording carries beside the request (passive_facts). */
  const struct passive_facts *facts;
} req_view;

/* What a recording knows beside the exchange: when the request was sent
 * (seconds since the epoch, 0 unknown) and the UserSig's issue time and
 * validity kept when it was redacted (has_sig 0: none kept); the start in
 * ms (0 unknown), its resolution, and the time to the end of the answer
 * (ms, -1 unknown). */
typedef struct passive_facts {
  int64_t now;
  int has_sig;
  int64_t sig_issued, sig_expire;
  double started_ms, res_ms, time_ms;
} passive_facts;

/* cfm_passive_judge with the recording's facts (f may be NULL). */
int cfm__passive_judge_facts(const cfm_specset *set, cfm_passive_stream *s,
                             const cfm_http_request *req, const cfm_http_response *res,
                             const passive_facts *f, cfm_passive_result *out);

/* Records the first statement the request breaks in v (later ones set
 * v->many); error is the documented row id or NULL. */
void cfm__passive_violate(violation *v, const json_t *prov, const char *error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The query of url as {name: "value"} (new reference; NULL out of memory). */
json_t *cfm__passive_parse_query(const char *url);

/* The credential the transport documents: absent → the documented errors
 * (vi); *auth_header is the transport's credential header or NULL. */
void cfm__passive_check_auth(const cfm_spec *spec, const req_view *rv, violation *vi,
                             const char **auth_header);

/* Checks every documented parameter of op against the request: what the
 * target must refuse goes to server, header mistakes to client; a value
 * above a clamped range sets *clamp, the spec's absent id *absent. */
int cfm__passive_check_params(const json_t *op, const req_view *rv, violation *server,
                              violation *client, const json_t **clamp, const char *auth_header,
                              const json_t **absent);

/* The resource a spec creates: its create op, delete op and the name and
 * place ("path" or "body") of the parameter that carries its id. */
typedef struct passive_resource {
  const char *create, *del, *param, *in;
  const char *id_ptr;
  const json_t *prov;
} passive_resource;

/* Finds the spec's resource (the first operation whose creates names a
 * clean-up taking ${id}); 1 found, else 0.  Strings borrowed from spec. */
int cfm__passive_find_resource(const cfm_spec *spec, passive_resource *r);

/* The parameter of op (borrowed) whose value names a resource the stream
 * saw deleted, or NULL: the request then calls for the not-found rows. */
const json_t *cfm__passive_deleted_param(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                         const cfm_passive_stream *s);

/* Cross-field rules of one request and rules over the groups the stream
 * saw created (passive_rules.c): what the request breaks goes to vi. */
void cfm__passive_request_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                const cfm_passive_stream *s, violation *vi);

/* After the judgement: reads of groups the stream knows against its facts
 * (request_ok: the request broke no statement), then the facts updated.
 * Returns -1 out of memory, else 0. */
int cfm__passive_fact_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                            cfm_passive_stream *s, const cfm_http_response *res, int request_ok,
                            cfm_judgement *j);

/* A deleted resource answers not-found; a delete or a create updates the
 * state of s.  Returns -1 out of memory, else 0. */
int cfm__passive_stream_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                              cfm_passive_stream *s, const cfm_http_response *res,
                              cfm_judgement *j);

/* Cursor paging returns each item once; a complete walk is kept for
 * cfm_passive_stream_settle.  Returns -1 out of memory, else 0. */
int cfm__passive_walk_rule(const cfm_spec *spec, const json_t *op, const req_view *rv,
                           cfm_passive_stream *s, const cfm_http_response *res, cfm_judgement *j);

/* Notes when the groups the stream creates exist: a create's answer, the
 * start of any deletion (passive_walk.c).  Returns -1 out of memory, else 0. */
int cfm__passive_note_lives(const cfm_spec *spec, const json_t *op, const req_view *rv,
                            cfm_passive_stream *s, const cfm_http_response *res);

#endif
