/* conform — the judging proxy (`conform proxy`, docs/passive.md).
 *
 * A forwarding HTTP proxy: each request that reaches the listener is sent
 * to the upstream of its vendor unchanged (method, path and query as the
 * client wrote them, headers minus the hop-by-hop ones, body) and the
 * upstream's answer goes back unchanged (status, headers minus hop-by-hop,
 * body).  A copy of the exchange is handed to a bounded queue; one judging
 * thread drains it through cfm_passive_judge (the judge `conform check`
 * uses, stream rules included) into the usual reports.  Judging never
 * blocks or alters traffic: when the queue is full the exchange is counted
 * as dropped and not judged.
 *
 * Listener: libmicrohttpd, one thread per client connection (the forward
 * is a blocking libcurl transfer on that thread, whose easy handle keeps
 * its upstream connection alive).  Upstream TLS is verified (libcurl's
 * defaults; a target's ca_file / verify_tls of the config apply). */
#ifndef CONFORM_PROXY_H
#define CONFORM_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/report.h"
#include "conform/result.h"
#include "conform/spec.h"
#include "conform/target.h"

typedef struct cfm_proxy cfm_proxy;

/* Defaults of cfm_proxy_options. */
#define CFM_PROXY_QUEUE 1024u                       /* exchanges waiting to be judged */
#define CFM_PROXY_QUEUE_BYTES (64u * 1024u * 1024u) /* their bodies, in bytes */
#define CFM_PROXY_MAX_BODY (4u * 1024u * 1024u)     /* a request or response body */
#define CFM_PROXY_TIMEOUT_MS 30000L                 /* one upstream transfer */
#define CFM_PROXY_CONNECTIONS 256u                  /* client connections at once */

typedef struct cfm_proxy_options {
  const char *listen_host; /* IPv4 address; NULL = "127.0.0.1" */
  uint16_t port;           /* 0 = ephemeral (cfm_proxy_port tells it) */
  int allow_remote;        /* 1 permits a listen address off the loopback */
  const cfm_specset *set;  /* borrowed, linted: routing and judging */
  /* Borrowed: the upstreams are its targets with a base_url (scheme, host,
   * port and an optional path prefix); their secrets are redacted from
   * the reports; ca_file / verify_tls apply to the upstream. */
  const cfm_config *cfg;
  const char *reports_dir;      /* NULL = no report files (counts only) */
  const cfm_baseline *baseline; /* borrowed, may be NULL */
  size_t roll_every;            /* start a new report after this many exchanges; 0 = never */
  double roll_seconds;          /* ... or after this many seconds; 0 = never */
  size_t queue_cap;             /* 0 = CFM_PROXY_QUEUE */
  size_t queue_bytes;           /* 0 = CFM_PROXY_QUEUE_BYTES */
  size_t max_body;              /* 0 = CFM_PROXY_MAX_BODY */
  long timeout_ms;              /* 0 = CFM_PROXY_TIMEOUT_MS */
  FILE *term;                   /* each report's terminal summary, or NULL */
  int term_is_tty;              /* CFM_TERM_* bits */
  /* Tests: the judging thread takes nothing from the queue until
   * cfm_proxy_resume (so a full queue can be made without timing). */
  int hold_judging;
} cfm_proxy_options;

typedef struct cfm_proxy_stats {
  size_t forwarded;       /* exchanges answered to clients (upstream errors included) */
  size_t upstream_errors; /* of them, answered 502/504 by the proxy itself */
  size_t refused;         /* requests answered by the proxy without forwarding (413, 502) */
  size_t judged;          /* exchanges judged */
  size_t dropped;         /* exchanges not judged: the queue was full */
  size_t reports;         /* report directories written */
  size_t counts[CFM_VERDICT__COUNT];
  size_t baselined;
  int report_failed;      /* 1 when a report could not be written */
  char last_run_dir[512]; /* the latest report directory ("" when none) */
} cfm_proxy_stats;

/* Starts listening.  Returns CFM_EOK (*out set), CFM_EUSAGE (a listen
 * address that is not IPv4, or off the loopback without allow_remote; a
 * port in use), CFM_ECONFIG (no target has a base_url), CFM_ENOMEM or
 * CFM_EINTERNAL; err says why. */
int cfm_proxy_start(const cfm_proxy_options *opt, cfm_proxy **out, cfm_error_t *err);
/* The port listened on. */
uint16_t cfm_proxy_port(const cfm_proxy *p);
/* Asks the judging thread to finish the current report and start a new
 * one with the next exchange (SIGHUP).  Not async-signal-safe. */
void cfm_proxy_roll(cfm_proxy *p);
/* Lets a proxy started with hold_judging judge. */
void cfm_proxy_resume(cfm_proxy *p);
/* A snapshot of the counters. */
void cfm_proxy_stats_get(cfm_proxy *p, cfm_proxy_stats *out);
/* Stops listening (transfers in flight finish), judges what is queued,
 * writes the final report, fills out (may be NULL) and frees p. */
void cfm_proxy_stop(cfm_proxy *p, cfm_proxy_stats *out);

#endif
