/* conform — the HTTP executor: libcurl multi, keep-alive, per-key token
 * buckets plus a global cap, throttle retries with backoff, timeouts and
 * capped response buffers.  It knows nothing of specs: the runner hands it
 * fully built requests and gets each response back in a callback.
 *
 * Single-threaded: every callback runs inside cfm_exec_run, on the caller's
 * thread; a callback may submit further requests (scenario steps). */
#ifndef CONFORM_EXEC_H
#define CONFORM_EXEC_H
#include <signal.h>
#include <stddef.h>

typedef struct cfm_exec cfm_exec;

/* Most bytes of a redirect's Location a response keeps. */
#define CFM_EXEC_MAX_LOCATION 300

/* One request.  Everything is borrowed and only needs to live until
 * cfm_exec_submit returns (the executor copies it). */
typedef struct cfm_http_request {
  const char *method;         /* "GET", "POST", "PUT", "DELETE", ... */
  const char *url;            /* absolute URL, query string included */
  const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
  const char *body;           /* may be NULL */
  size_t body_len;
  const char *rate_key; /* token bucket key (e.g. "agora-chat.create_group"); NULL = none */
  double rate_per_s;    /* that bucket's rate; <= 0 = unlimited */
  const char *ca_file;  /* CA bundle for this request's TLS peer; NULL = system default */
  int no_verify;        /* 1 turns TLS verification off for this request (test rigs only) */
} cfm_http_request;

/* One response.  Owned by the executor; valid only during the callback. */
typedef struct cfm_http_response {
  int error;                /* CFM_EOK, or CFM_ENETWORK / CFM_ETIMEOUT / CFM_ETOOBIG / CFM_ENOMEM */
  char error_text[256];     /* one line when error != 0 */
  long status;              /* HTTP status; 0 when no response */
  const char *content_type; /* "" when absent */
  const char *retry_after;  /* Retry-After header value, "" when absent */
  /* Location header value ("" when absent; NULL in responses not from the
   * executor): control bytes replaced by '?', at most
   * CFM_EXEC_MAX_LOCATION bytes.  Target text: not redacted yet. */
  const char *location;
  const char *body; /* NUL-terminated copy (len bytes, capped) */
  size_t len;
  double duration_ms; /* of the final attempt */
  unsigned attempts;  /* 1 + throttle retries */
} cfm_http_response;

/* Called once per submitted request, after retries. */
typedef void (*cfm_exec_done_fn)(void *user, const cfm_http_response *res);

/* Decides whether a response is a throttle answer to retry (429, or a
 * vendor's throttle code in a 200 body).  Returns 1 to retry. */
typedef int (*cfm_exec_throttled_fn)(void *user, const cfm_http_response *res);

typedef struct cfm_exec_options {
  unsigned concurrency;            /* parallel transfers; default 8 */
  long timeout_ms;                 /* whole transfer; default 10000 */
  long connect_timeout_ms;         /* default 3000 */
  size_t max_response_bytes;       /* cap on a body; beyond it CFM_ETOOBIG; default 4 MiB */
  double global_rate_per_s;        /* cap over all keys; <= 0 = unlimited */
  unsigned max_retries;            /* throttle retries; default 3 */
  long backoff_ms;                 /* first backoff; doubles; Retry-After wins; default 100 */
  long max_backoff_ms;             /* default 5000 */
  cfm_exec_throttled_fn throttled; /* NULL = retry on 429 only */
  void *throttled_user;
  int verify_tls; /* 1 (default) verifies peers; 0 only for loopback testing */
  /* When *cancel_flag reaches cancel_at, cfm_exec_run cancels as by
   * cfm_exec_cancel (a signal handler's counter; checked at least once a
   * second).  NULL = only cfm_exec_cancel. */
  const volatile sig_atomic_t *cancel_flag;
  int cancel_at;
  /* When *cancel_flag reaches drop_at (> 0), requests not yet started are
   * completed with CFM_EINTERNAL "not sent: interrupted" and never sent;
   * transfers in flight finish.  0 = never. */
  int drop_at;
} cfm_exec_options;

/* Fills opt with the defaults above. */
void cfm_exec_options_init(cfm_exec_options *opt);

/* Creates an executor.  Returns NULL on out of memory. */
cfm_exec *cfm_exec_new(const cfm_exec_options *opt);

/* Queues a request; done(user, res) is called exactly once, from inside
 * cfm_exec_run.  Returns CFM_EOK or CFM_ENOMEM. */
int cfm_exec_submit(cfm_exec *ex, const cfm_http_request *req, cfm_exec_done_fn done, void *user);

/* Runs until every submitted request (including those submitted from
 * callbacks) has completed, or until cfm_exec_cancel.  Returns CFM_EOK. */
int cfm_exec_run(cfm_exec *ex);

/* Makes cfm_exec_run return soon; pending requests complete with
 * CFM_EINTERNAL "cancelled".  Async-signal-safe (sets a flag). */
void cfm_exec_cancel(cfm_exec *ex);

/* Counters for reports and benchmarks. */
typedef struct cfm_exec_stats {
  size_t requests; /* transfers performed, retries included */
  size_t retries;  /* throttle retries */
  size_t errors;   /* transport errors */
  size_t bytes_in;
  size_t dropped; /* queued requests never sent (drop_at) */
} cfm_exec_stats;
void cfm_exec_stats_get(const cfm_exec *ex, cfm_exec_stats *out);

void cfm_exec_free(cfm_exec *ex);

#endif
