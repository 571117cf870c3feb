/* conform — passive conformance: judging exchanges the tool did not send.
 *
 * Three parts, used by `conform check` (recorded HAR files), `conform run
 * --record` and the tests (docs/passive.md):
 *  - matching (match.c): a request's method and URL → the spec operation,
 *    or "no documented operation" with the nearest candidates;
 *  - passive expectations (passive.c): what the documents say about one
 *    observed exchange, whatever the client meant — request validity (held
 *    against the client), the target's answer (judged by cfm_verdict_judge
 *    against an expectation built from the request), and stateful rules
 *    over a stream of exchanges (a deleted group answers not-found);
 *  - HAR 1.2 (har.c): a bounded reader and a streaming writer. */
#ifndef CONFORM_PASSIVE_H
#define CONFORM_PASSIVE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/exec.h"
#include "conform/result.h"
#include "conform/spec.h"
#include "conform/target.h"

/* ---- matching ------------------------------------------------------------ */

#define CFM_MATCH_NEAR 3

typedef struct cfm_match {
  const cfm_spec *spec; /* borrowed; NULL when no documented operation matched */
  const json_t *op;     /* borrowed from spec */
  json_t *path_params;  /* new reference: {name: "decoded value"} (empty object when none) */
  int exact;            /* 1: the whole path is the spec's base path + the operation's;
                           0: the operation's path ends the URL after another prefix */
  size_t nnear;
  char near[CFM_MATCH_NEAR][160]; /* "vendor.op (METHOD /path)", best first, when op is NULL */
} cfm_match;

/* Finds the operation of set a request (method, absolute or origin-form
 * URL) calls.  The query (credentials included) is ignored; path segments
 * are compared after %-decoding.  An exact match (the spec's base_url path
 * then the operation path, each {name} one non-empty segment) wins over a
 * suffix match; among equals the template with more literal segments wins.
 * Returns CFM_EOK (out->op NULL and out->near filled when nothing
 * matched) or CFM_ENOMEM.  Release with cfm_match_release. */
int cfm_match_request(const cfm_specset *set, const char *method, const char *url, cfm_match *out);
void cfm_match_release(cfm_match *m);

/* ---- passive expectations -------------------------------------------------- */

/* State carried across the exchanges of one stream (deleted resources,
 * cursor walks, facts about the groups it created); bounded (100 000 ids
 * deleted, 1 000 walks in progress, 256 complete walks waiting for the
 * end of the stream, 100 000 groups). */
#define CFM_PASSIVE_GAPS 64

typedef struct cfm_passive_stream {
  json_t *deleted; /* {"vendor\x1fid": {"entry": n}} */
  json_t *walks;   /* cursor paging: {"vendor\x1fop\x1fcursor": walk} the walk that was handed
                      this cursor: {"ids": {id: entry}, "start": ms, "scope": s} (passive_walk.c) */
  json_t *done;  /* complete walks waiting for the rest of the stream (cfm_passive_stream_settle) */
  json_t *lives; /* {"vendor\x1fid": {"scope", "made", "entry", "gone"}}: when the groups the
                    stream created existed (ms since the epoch), at most 100 000 */
  double latest_ms; /* the latest end of an exchange seen (ms since the epoch; 0 none) */
  /* Deletions the stream could not judge (an unusable entry, an exchange
   * the proxy dropped): their starts (ms) as intervals [from, to] in time
   * order, fewer than CFM_PASSIVE_GAPS (the two nearest are joined when
   * more come: a wider interval only makes more misses warn), and whether
   * one came at an unknown time. */
  double gaps[CFM_PASSIVE_GAPS][2];
  size_t ngaps;
  int gap_unknown;
  size_t unjudged_walks; /* complete walks dropped unjudged (over the bounds) */
  size_t judged_walks;   /* complete walks cfm_passive_stream_settle judged */
  size_t entries;        /* exchanges judged so far */
  json_t *groups;        /* {"vendor\x1fid": facts} of groups the stream saw created (type, members,
                            sub-groups, disabled, ...; passive_rules.c), at most 100 000 */
  json_t *declared;      /* {"vendor": {"variable": "value"}}: the accounts the user declared
                            (cfm_passive_stream_declare), or NULL: none */
} cfm_passive_stream;

int cfm_passive_stream_init(cfm_passive_stream *s);
void cfm_passive_stream_release(cfm_passive_stream *s);

/* Declares the values the run used for the specs' variables (the spec's
 * default, overridden by cfg's targets.<vendor>.variables): the accounts
 * rules that need who is who judge with (a declared non-admin operator,
 * docs/passive.md).  Returns CFM_EOK or CFM_ENOMEM. */
int cfm_passive_stream_declare(cfm_passive_stream *s, const cfm_specset *set,
                               const cfm_config *cfg);

/* The judgement of one observed exchange. */
typedef struct cfm_passive_result {
  cfm_match match;
  /* The target's answer. */
  cfm_verdict verdict;
  char reason[600];
  json_t *provenance; /* new reference or NULL */
  char code[128], cls[32];
  /* The client's request: WARN when it breaks a documented statement
   * (required field missing, wrong type, enum, limit, no credential). */
  cfm_verdict client;
  char client_reason[400];
  json_t *client_provenance; /* new reference or NULL */
} cfm_passive_result;

/* A verdict only the rest of a stream can give (cfm_passive_stream_settle):
 * strings and provenance are borrowed for the callback. */
typedef struct cfm_passive_finding {
  const char *vendor, *op;  /* the operation the evidence called */
  size_t entry;             /* the evidence: the stream's exchange (0-based, in judging order) */
  const char *method, *url; /* and its request */
  long status;              /* and the status it answered */
  cfm_verdict verdict;
  char reason[700];
  const json_t *provenance;
} cfm_passive_finding;

typedef void (*cfm_passive_finding_fn)(void *user, const cfm_passive_finding *f);

/* How long after a walk ended its stream is waited for (ms): every request
 * that started before the walk ended has answered by then. */
#define CFM_PASSIVE_SETTLE_MS 60000.0

/* Judges what only the rest of the stream shows: a complete cursor walk
 * (the first page asked without a cursor, each next page with the cursor
 * the last one gave, until none) returns every group the stream created,
 * in the same account, whose create answered before the walk began and
 * whose deletion did not start before the walk ended (a deletion in flight
 * when the walk ends is seen only later).  final 0 judges the walks that
 * ended CFM_PASSIVE_SETTLE_MS before the latest exchange seen; final 1
 * every walk (the stream is over).  A group that a deletion the stream
 * could not judge (cfm_passive_stream_gap) may have ended before the walk
 * ended is missed with a warn, not a fail.  Calls fn for each finding.  Returns CFM_EOK or
 * CFM_ENOMEM. */
int cfm_passive_stream_settle(cfm_passive_stream *s, int final, cfm_passive_finding_fn fn,
                              void *user);

/* An exchange the stream cannot judge (an unusable HAR entry, one the proxy
 * dropped): method and url when known (NULL: unknown, taken as a possible
 * deletion), started_ms its start (0: unknown). */
void cfm_passive_stream_gap(const cfm_specset *set, cfm_passive_stream *s, const char *method,
                            const char *url, double started_ms);

/* Exchanges the stream cannot judge, of unknown requests, started between
 * from_ms and to_ms (the proxy's drops; from_ms 0: at an unknown time). */
void cfm_passive_stream_gap_span(cfm_passive_stream *s, double from_ms, double to_ms);

/* Judges one exchange (req, res borrowed; req->body may be NULL) of
 * stream s (may be NULL: no stateful rules).  Never fails on bad input:
 * an unmatched request is a SKIP "no documented operation", a body that
 * is not JSON is judged as such.  Returns CFM_EOK or CFM_ENOMEM (out is
 * then released). */
int cfm_passive_judge(const cfm_specset *set, cfm_passive_stream *s, const cfm_http_request *req,
                      const cfm_http_response *res, cfm_passive_result *out);
void cfm_passive_result_release(cfm_passive_result *r);

/* cfm_passive_judge of an exchange that started at started_ms (ms since
 * the epoch, to the microsecond) and answered res->duration_ms later: the
 * times let cfm_passive_stream_settle order it against the stream. */
int cfm_passive_judge_at(const cfm_specset *set, cfm_passive_stream *s, const cfm_http_request *req,
                         const cfm_http_response *res, double started_ms, cfm_passive_result *out);

/* ---- HAR 1.2 ------------------------------------------------------------------ */

/* Caps of the reader: a file (bytes), entries, a decoded body. */
#define CFM_HAR_MAX_BYTES (64u * 1024u * 1024u)
#define CFM_HAR_MAX_ENTRIES 100000u
#define CFM_HAR_MAX_BODY (16u * 1024u * 1024u)
#define CFM_HAR_MAX_HEADERS 64u

/* One entry read from a HAR file.  Strings are owned by the entry. */
typedef struct cfm_har_entry {
  size_t index; /* 0-based position in log.entries */
  char *method, *url;
  char **headers; /* "Name: value", NULL-terminated (at most CFM_HAR_MAX_HEADERS) */
  char *req_body;
  size_t req_len;
  int has_response; /* 0: no response (aborted, or the object is missing) */
  long status;
  char *content_type; /* "" when absent */
  char *res_body;     /* decoded (base64) and, when content-encoded, inflated */
  size_t res_len;
  char note[200];     /* what was tolerated ("response body base64", ...) or why the entry
                         cannot be judged ("" when none) */
  int unusable;       /* 1: the entry cannot be judged (note says why) */
  long long started;  /* startedDateTime, seconds since the epoch (0: absent or unreadable) */
  double started_ms;  /* the same in ms, with its fraction (0: absent or unreadable) */
  double started_res; /* its resolution in ms (1 for "…:23.596Z", 0.001 for six digits) */
  double time_ms;     /* "time": start to the end of the answer (-1: absent) */
  /* The UserSig's issue time and validity (seconds) that `run --record`
   * keeps beside the redacted UserSig (request._usersig); has_usersig 0: none. */
  int has_usersig;
  long long usersig_issued, usersig_expire;
} cfm_har_entry;

typedef struct cfm_har {
  cfm_har_entry *entries;
  size_t count;
  size_t skipped; /* entries beyond CFM_HAR_MAX_ENTRIES */
} cfm_har;

/* Parses a HAR document of len bytes (no NUL needed; name labels errors).
 * Tolerates what real exports hold: missing request or response bodies,
 * base64 content (content.encoding), gzip/deflate content that was not
 * decoded (Content-Encoding), non-JSON bodies, missing fields; each such
 * entry gets a note, unusable ones a flag.  Returns CFM_EOK, CFM_ENOMEM, or
 * CFM_ESPEC when the document is not HAR (no log.entries array) or over a
 * cap (err says why). */
int cfm_har_parse(const char *name, const char *data, size_t len, cfm_har *out, cfm_error_t *err);
int cfm_har_load(const char *path, cfm_har *out, cfm_error_t *err);
void cfm_har_release(cfm_har *h);

/* Judges one usable entry read from a HAR file (e->unusable must be 0),
 * as cfm_passive_judge. */
int cfm_passive_judge_entry(const cfm_specset *set, cfm_passive_stream *s, const cfm_har_entry *e,
                            cfm_passive_result *out);

/* A HAR writer: entries are streamed to a file as they come (memory stays
 * flat); every text (URL, headers, bodies) passes cfm_redact first. */
typedef struct cfm_har_writer cfm_har_writer;

/* Opens path for writing (cfg, borrowed, may be NULL: its secrets are
 * redacted).  Returns CFM_EOK, CFM_EIO or CFM_ENOMEM (err filled). */
int cfm_har_writer_open(const char *path, const cfm_config *cfg, cfm_har_writer **out,
                        cfm_error_t *err);
/* Appends one exchange.  Returns CFM_EOK, CFM_EIO or CFM_ENOMEM. */
int cfm_har_writer_add(cfm_har_writer *w, const cfm_http_request *req,
                       const cfm_http_response *res);
/* Finishes the file and frees w.  Returns CFM_EOK or CFM_EIO. */
int cfm_har_writer_close(cfm_har_writer *w);

/* A recorder for cfm_run_options.record: pairs each request with its
 * response by key (the run's case handle) and writes the pair.  Use
 * cfm_har_record as the callback and the writer as its user pointer. */
void cfm_har_record(void *user, const void *key, const cfm_http_request *req,
                    const cfm_http_response *res);

#endif
