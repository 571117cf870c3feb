/* conform proxy — what the listener (proxy.c, proxy_forward.c) and the
 * judging thread (proxy_judge.c) share: the proxy object and one queued
 * exchange.  Not installed. */
#ifndef CONFORM_PROXY_INTERNAL_H
#define CONFORM_PROXY_INTERNAL_H

#include <pthread.h>

#include "conform/passive.h"
#include "conform/proxy.h"

/* One exchange as the client saw it, owned by the queue once pushed. */
typedef struct cfm__px_exchange {
  struct cfm__px_exchange *next;
  char *method;
  char *url;      /* the upstream URL it was sent to (query included) */
  char **headers; /* "Name: value" as forwarded, NULL-terminated */
  char *req_body;
  size_t req_len;
  int error; /* CFM_EOK, or why no upstream answer came (CFM_ENETWORK, ...) */
  char error_text[256];
  long status;
  char *content_type;        /* "" when none */
  char content_encoding[64]; /* the answer's Content-Encoding ("" when none) */
  char *res_body;
  size_t res_len;
  double ms;         /* the upstream transfer */
  double started_ms; /* when it was sent upstream (ms since the epoch; 0 never) */
} cfm__px_exchange;

void cfm__px_exchange_free(cfm__px_exchange *x);
/* Bytes an exchange holds (the queue's byte cap counts them). */
size_t cfm__px_exchange_size(const cfm__px_exchange *x);

struct cfm_proxy {
  cfm_proxy_options opt; /* copied; borrowed pointers stay the caller's */
  char host[64];
  uint16_t port;
  void *daemon; /* struct MHD_Daemon * */
  pthread_key_t curl_key;
  int have_key;
  /* Everything below is guarded by lock. */
  pthread_mutex_t lock;
  pthread_cond_t wake; /* the judge: work, a roll, stop, resume */
  cfm__px_exchange *head, *tail;
  size_t queued, queued_bytes;
  int stopping, roll_asked, held;
  cfm_proxy_stats stats;
  /* Drops the stream was not told of yet: the first one's start (0: none;
   * -1 unknown) and the last one's. */
  double drop_from_ms, drop_to_ms;
  /* The judging thread's own (no lock needed). */
  pthread_t judge;
  int judge_started;
  cfm_passive_stream stream;
  cfm_report *rep;
  size_t rep_exchanges; /* judged into the current report */
  double rep_started;   /* monotonic seconds */
  size_t seq;           /* exchanges judged since start: result ids */
  json_t *targets;      /* {"vendor": "url"} recorded in each report */
};

/* Hands x to the judging thread, or frees it and counts it dropped when
 * the queue is full.  Never blocks on judging. */
void cfm__proxy_enqueue(cfm_proxy *p, cfm__px_exchange *x);
/* Starts the judging thread.  Returns CFM_EOK or CFM_ENOMEM/CFM_EINTERNAL. */
int cfm__proxy_judge_start(cfm_proxy *p);
/* Asks it to drain the queue, write the last report and end; joins it. */
void cfm__proxy_judge_stop(cfm_proxy *p);

/* Forwards one request to url (the upstream's) with libcurl (handle kept
 * per thread in p->curl_key) and fills the response part of x.  req_hdrs
 * are the client's headers after the hop-by-hop ones were removed;
 * res_hdrs gets the upstream's answer headers to pass back ("Name: value",
 * NULL-terminated, hop-by-hop ones and Content-Length left out; free
 * with cfm__px_strv_free).  Returns CFM_EOK, or an error with x->error
 * and x->error_text set (the caller answers 502/504). */
int cfm__proxy_forward(cfm_proxy *p, const char *url, const char *const *req_hdrs,
                       cfm__px_exchange *x, char ***res_hdrs);
void cfm__px_strv_free(char **v);
/* Creates p->curl_key (each thread's easy handle, freed with the thread).
 * Returns CFM_EOK or CFM_EINTERNAL. */
int cfm__proxy_key_create(cfm_proxy *p);
/* 1 when a header (by name) is hop-by-hop (RFC 9110 7.6.1) or one the
 * proxy sets itself (Content-Length, Host, Expect). */
int cfm__proxy_hop_header(const char *name, size_t len);

#endif
