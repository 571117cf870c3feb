/* conform — what the passive judge's files share (passive.c: the
 * expectation of one exchange and cfm_passive_judge; passive_request.c:
 * what the request breaks; passive_stream.c: rules over a stream of
 * exchanges).  Internal: not installed. */
#ifndef CONFORM_PASSIVE_INTERNAL_H
#define CONFORM_PASSIVE_INTERNAL_H

#include "conform/passive.h"
#include "conform/verdict.h"

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
} req_view;

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

/* A deleted resource answers not-found; a delete or a create updates the
 * state of s.  Returns -1 out of memory, else 0. */
int cfm__passive_stream_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                              cfm_passive_stream *s, const cfm_http_response *res,
                              cfm_judgement *j);

/* Cursor paging returns each item once.  Returns -1 out of memory, else 0. */
int cfm__passive_walk_rule(const cfm_spec *spec, const json_t *op, const req_view *rv,
                           cfm_passive_stream *s, const cfm_http_response *res, cfm_judgement *j);

#endif
