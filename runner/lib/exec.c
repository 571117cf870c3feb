/* conform — the HTTP executor on libcurl multi.
 *
 * Requests wait in a FIFO queue; a request starts when a transfer slot is
 * free and both its key's token bucket and the global bucket have a token.
 * Throttle answers are retried after a backoff (Retry-After wins), never
 * passed up until retries run out.  Easy handles are reused, so connections
 * stay alive across requests. */
#include "conform/exec.h"
#include "conform/buf.h"
#include "conform/error.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_BUCKETS 256

typedef struct job {
  struct job *next;
  char *method, *url, *body;
  size_t body_len;
  struct curl_slist *headers;
  int bucket; /* -1 = none */
  char *ca_file;
  int no_verify;
  cfm_exec_done_fn done;
  void *user;
  unsigned attempts;
  double not_before; /* monotonic seconds */
  /* transfer state */
  CURL *easy;
  cfm_buf resp;    /* the response body, capped at max_response_bytes */
  int resp_failed; /* CFM_ETOOBIG or CFM_ENOMEM when the body did not fit */
  char ctype[128];
  char retry_after[32];
  char location[CFM_EXEC_MAX_LOCATION + 1];
  double started;
} job;

typedef struct tbucket {
  char key[96];
  double rate, tokens, last;
} tbucket;

struct cfm_exec {
  cfm_exec_options opt;
  CURLM *multi;
  CURL **idle; /* reusable easy handles */
  size_t nidle;
  job *head, *tail; /* waiting */
  size_t running;
  job **inflight; /* concurrency slots */
  tbucket buckets[MAX_BUCKETS];
  size_t nbuckets;
  tbucket global;
  volatile sig_atomic_t cancelled;
  cfm_exec_stats stats;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cfm_exec_options_init(cfm_exec_options *opt) {
  memset(opt, 0, sizeof(*opt));
  opt->concurrency = 8;
  opt->timeout_ms = 10000;
  opt->connect_timeout_ms = 3000;
  opt->max_response_bytes = 4u * 1024u * 1024u;
  opt->max_retries = 3;
  opt->backoff_ms = 100;
  opt->max_backoff_ms = 5000;
  opt->verify_tls = 1;
}

cfm_exec *cfm_exec_new(const cfm_exec_options *opt) {
  cfm_exec *ex;
  pthread_once(&curl_once, curl_init);
  ex = calloc(1, sizeof(*ex));
  if (!ex)
    return NULL;
  if (opt)
    ex->opt = *opt;
  else
    cfm_exec_options_init(&ex->opt);
  if (!ex->opt.concurrency)
    ex->opt.concurrency = 8;
  if (!ex->opt.max_response_bytes)
    ex->opt.max_response_bytes = 4u * 1024u * 1024u;
  ex->multi = curl_multi_init();
  ex->idle = calloc(ex->opt.concurrency, sizeof(CURL *));
  ex->inflight = calloc(ex->opt.concurrency, sizeof(job *));
  if (!ex->multi || !ex->idle || !ex->inflight) {
    cfm_exec_free(ex);
    return NULL;
  }
  curl_multi_setopt(ex->multi, CURLMOPT_MAXCONNECTS, (long)ex->opt.concurrency * 2);
  ex->global.rate = ex->opt.global_rate_per_s;
  ex->global.tokens = ex->global.rate > 1 ? 1 : ex->global.rate;
  ex->global.last = now_s();
  return ex;
}

static void job_free(job *j) {
  if (!j)
    return;
  free(j->method);
  free(j->url);
  free(j->body);
  free(j->ca_file);
  cfm_buf_release(&j->resp);
  curl_slist_free_all(j->headers);
  free(j);
}

static int bucket_for(cfm_exec *ex, const char *key, double rate) {
  size_t i;
  if (!key || rate <= 0)
    return -1;
  for (i = 0; i < ex->nbuckets; i++)
    if (strcmp(ex->buckets[i].key, key) == 0)
      return (int)i;
  if (ex->nbuckets == MAX_BUCKETS)
    return -1;
  snprintf(ex->buckets[ex->nbuckets].key, sizeof(ex->buckets[0].key), "%s", key);
  ex->buckets[ex->nbuckets].rate = rate;
  /* Start with one token: a burst never exceeds the documented rate. */
  ex->buckets[ex->nbuckets].tokens = 1;
  ex->buckets[ex->nbuckets].last = now_s();
  return (int)ex->nbuckets++;
}

int cfm_exec_submit(cfm_exec *ex, const cfm_http_request *req, cfm_exec_done_fn done, void *user) {
  job *j = calloc(1, sizeof(*j));
  size_t i;
  if (!j)
    return CFM_ENOMEM;
  j->method = strdup(req->method ? req->method : "GET");
  j->url = strdup(req->url ? req->url : "");
  if (req->body) {
    j->body = malloc(req->body_len + 1);
    if (j->body) {
      memcpy(j->body, req->body, req->body_len);
      j->body[req->body_len] = '\0';
    }
    j->body_len = req->body_len;
  }
  for (i = 0; req->headers && req->headers[i]; i++) {
    struct curl_slist *n = curl_slist_append(j->headers, req->headers[i]);
    if (!n) {
      job_free(j);
      return CFM_ENOMEM;
    }
    j->headers = n;
  }
  if (!j->method || !j->url || (req->body && !j->body)) {
    job_free(j);
    return CFM_ENOMEM;
  }
  j->bucket = bucket_for(ex, req->rate_key, req->rate_per_s);
  j->no_verify = req->no_verify;
  if (req->ca_file && !(j->ca_file = strdup(req->ca_file))) {
    job_free(j);
    return CFM_ENOMEM;
  }
  j->done = done;
  j->user = user;
  if (ex->tail)
    ex->tail->next = j;
  else
    ex->head = j;
  ex->tail = j;
  return CFM_EOK;
}

static size_t on_body(char *p, size_t size, size_t n, void *userp) {
  job *j = userp;
  size_t len = size * n;
  int rc = cfm_buf_add(&j->resp, p, len);
  if (rc != CFM_EOK) {
    j->resp_failed = rc;
    return 0; /* abort the transfer */
  }
  return len;
}

/* A redirect's Location as shown in a verdict: it comes from the target,
 * so blanks are trimmed, every control byte becomes '?', and it is cut at
 * CFM_EXEC_MAX_LOCATION bytes on a character boundary (redaction happens
 * at the sinks, like every target text). */
static void keep_location(char *out, const char *p, size_t len) {
  size_t k = 0;
  while (len && (*p == ' ' || *p == '\t'))
    p++, len--;
  while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' '))
    len--;
  if (len > CFM_EXEC_MAX_LOCATION)
    for (len = CFM_EXEC_MAX_LOCATION; len && ((unsigned char)p[len] & 0xC0) == 0x80;)
      len--;
  for (; k < len; k++)
    out[k] = (unsigned char)p[k] < 0x20 || p[k] == 0x7f ? '?' : p[k];
  out[k] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *userp) {
  job *j = userp;
  size_t len = size * n;
  if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
    size_t s = 13;
    while (s < len && (p[s] == ' ' || p[s] == '\t'))
      s++;
    snprintf(j->ctype, sizeof(j->ctype), "%.*s", (int)(len - s), p + s);
    j->ctype[strcspn(j->ctype, "\r\n")] = '\0';
  } else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
    size_t s = 12;
    while (s < len && p[s] == ' ')
      s++;
    snprintf(j->retry_after, sizeof(j->retry_after), "%.*s", (int)(len - s), p + s);
    j->retry_after[strcspn(j->retry_after, "\r\n")] = '\0';
  } else if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
    keep_location(j->location, p + 9, len - 9);
  } else if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
    j->ctype[0] = '\0'; /* a new response (after 100-continue) */
    j->retry_after[0] = j->location[0] = '\0';
  }
  return len;
}

static int start(cfm_exec *ex, job *j) {
  CURL *e = ex->nidle ? ex->idle[--ex->nidle] : curl_easy_init();
  if (!e)
    return -1;
  curl_easy_reset(e);
  j->easy = e;
  cfm_buf_release(&j->resp);
  cfm_buf_init(&j->resp, ex->opt.max_response_bytes);
  j->resp_failed = 0;
  j->ctype[0] = j->retry_after[0] = j->location[0] = '\0';
  j->started = now_s();
  j->attempts++;
  curl_easy_setopt(e, CURLOPT_URL, j->url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->method);
  if (!strcmp(j->method, "GET"))
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (j->body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
  curl_easy_setopt(e, CURLOPT_PRIVATE, j);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ex->opt.timeout_ms > 0 ? ex->opt.timeout_ms : 10000L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   ex->opt.connect_timeout_ms > 0 ? ex->opt.connect_timeout_ms : 3000L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ex->opt.max_response_bytes);
  {
    int verify = ex->opt.verify_tls && !j->no_verify;
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  }
  if (j->ca_file)
    curl_easy_setopt(e, CURLOPT_CAINFO, j->ca_file);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* curl's own decoders, capped */
  if (curl_multi_add_handle(ex->multi, e) != CURLM_OK) {
    ex->idle[ex->nidle++] = e;
    return -1;
  }
  {
    size_t i;
    for (i = 0; i < ex->opt.concurrency; i++)
      if (!ex->inflight[i]) {
        ex->inflight[i] = j;
        break;
      }
  }
  ex->running++;
  ex->stats.requests++;
  return 0;
}

static void refill(tbucket *b, double t) {
  double burst = b->rate < 1 ? 1 : (b->rate < 10 ? b->rate : 10);
  b->tokens += (t - b->last) * b->rate;
  if (b->tokens > burst)
    b->tokens = burst;
  b->last = t;
}

/* Seconds until job j may start (0 = now). */
static double wait_for(cfm_exec *ex, job *j, double t) {
  double w = j->not_before > t ? j->not_before - t : 0;
  if (j->bucket >= 0) {
    tbucket *b = &ex->buckets[j->bucket];
    refill(b, t);
    if (b->tokens < 1 && (1 - b->tokens) / b->rate > w)
      w = (1 - b->tokens) / b->rate;
  }
  if (ex->global.rate > 0) {
    refill(&ex->global, t);
    if (ex->global.tokens < 1 && (1 - ex->global.tokens) / ex->global.rate > w)
      w = (1 - ex->global.tokens) / ex->global.rate;
  }
  return w;
}

/* The response of job j as the caller sees it (borrows j's buffers). */
static void view_of(job *j, long status, cfm_http_response *res) {
  memset(res, 0, sizeof(*res));
  res->status = status;
  res->content_type = j->ctype;
  res->retry_after = j->retry_after;
  res->location = j->location;
  res->body = cfm_buf_str(&j->resp);
  res->len = j->resp.len;
  res->attempts = j->attempts;
}

static void deliver(cfm_exec *ex, job *j, int error, const char *text, long status) {
  cfm_http_response res;
  view_of(j, status, &res);
  res.error = error;
  if (text)
    snprintf(res.error_text, sizeof(res.error_text), "%s", text);
  res.duration_ms = (now_s() - j->started) * 1000.0;
  ex->stats.bytes_in += j->resp.len;
  if (error)
    ex->stats.errors++;
  if (j->done)
    j->done(j->user, &res);
  job_free(j);
}

/* Completes every queued job unsent once the interrupt level reaches
 * drop_at (their callbacks may queue more: those are dropped too). */
static void drop_queued(cfm_exec *ex) {
  job *j;
  if (ex->opt.drop_at <= 0 || !ex->opt.cancel_flag || *ex->opt.cancel_flag < ex->opt.drop_at)
    return;
  while ((j = ex->head) != NULL) {
    ex->head = j->next;
    if (!ex->head)
      ex->tail = NULL;
    j->next = NULL;
    ex->stats.dropped++;
    deliver(ex, j, CFM_EINTERNAL, "not sent: interrupted", 0);
  }
}

/* Starts every waiting job that may start; returns the shortest wait. */
static double dispatch(cfm_exec *ex) {
  job *prev, *j;
  double t = now_s(), shortest = 1.0;
  drop_queued(ex);
  prev = NULL;
  j = ex->head;
  while (j && ex->running < ex->opt.concurrency) {
    double w = wait_for(ex, j, t);
    job *next = j->next;
    if (w <= 0) {
      if (prev)
        prev->next = next;
      else
        ex->head = next;
      if (ex->tail == j)
        ex->tail = prev;
      j->next = NULL;
      if (j->bucket >= 0)
        ex->buckets[j->bucket].tokens -= 1;
      if (ex->global.rate > 0)
        ex->global.tokens -= 1;
      if (start(ex, j) != 0)
        deliver(ex, j, CFM_ENOMEM, "cannot start the transfer", 0);
    } else {
      if (w < shortest)
        shortest = w;
      prev = j;
    }
    j = next;
  }
  return shortest;
}

static double backoff_s(cfm_exec *ex, job *j) {
  double b = (double)(ex->opt.backoff_ms > 0 ? ex->opt.backoff_ms : 100) / 1000.0;
  unsigned i;
  double cap = (double)(ex->opt.max_backoff_ms > 0 ? ex->opt.max_backoff_ms : 5000) / 1000.0;
  for (i = 1; i < j->attempts; i++)
    b *= 2;
  if (j->retry_after[0]) {
    char *end;
    double ra = strtod(j->retry_after, &end);
    if (end != j->retry_after && ra >= 0)
      b = ra;
  }
  return b > cap ? cap : b;
}

static void finish(cfm_exec *ex, CURLMsg *msg) {
  job *j = NULL;
  CURL *e = msg->easy_handle;
  long status = 0;
  CURLcode rc = msg->data.result;
  curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_multi_remove_handle(ex->multi, e);
  ex->running--;
  {
    size_t i;
    for (i = 0; i < ex->opt.concurrency; i++)
      if (ex->inflight[i] == j)
        ex->inflight[i] = NULL;
  }
  if (ex->nidle < ex->opt.concurrency)
    ex->idle[ex->nidle++] = e;
  else
    curl_easy_cleanup(e);
  j->easy = NULL;
  if (ex->cancelled) {
    deliver(ex, j, CFM_EINTERNAL, "cancelled", status);
    return;
  }
  if (j->resp_failed == CFM_ENOMEM) {
    deliver(ex, j, CFM_ENOMEM, "out of memory reading the response", status);
    return;
  }
  if (j->resp_failed == CFM_ETOOBIG || rc == CURLE_FILESIZE_EXCEEDED) {
    char text[128];
    snprintf(text, sizeof(text), "response body larger than the %zu-byte cap",
             ex->opt.max_response_bytes);
    deliver(ex, j, CFM_ETOOBIG, text, status);
    return;
  }
  if (rc == CURLE_OUT_OF_MEMORY) {
    /* libcurl's answer to a header line over CURL_MAX_HTTP_HEADER (or to
     * headers over 300 KiB in all): the target's fault, not memory. */
    char text[128];
    snprintf(text, sizeof(text), "response header line over %d bytes (headers too large)",
             CURL_MAX_HTTP_HEADER);
    deliver(ex, j, CFM_ENETWORK, text, status);
    return;
  }
  if (rc != CURLE_OK) {
    int code = rc == CURLE_OPERATION_TIMEDOUT ? CFM_ETIMEOUT : CFM_ENETWORK;
    deliver(ex, j, code, curl_easy_strerror(rc), status);
    return;
  }
  {
    cfm_http_response probe;
    int throttled;
    view_of(j, status, &probe);
    throttled =
        ex->opt.throttled ? ex->opt.throttled(ex->opt.throttled_user, &probe) : status == 429;
    if (throttled && j->attempts <= ex->opt.max_retries) {
      j->not_before = now_s() + backoff_s(ex, j);
      ex->stats.retries++;
      if (ex->tail)
        ex->tail->next = j;
      else
        ex->head = j;
      ex->tail = j;
      return;
    }
  }
  deliver(ex, j, CFM_EOK, NULL, status);
}

int cfm_exec_run(cfm_exec *ex) {
  while ((ex->head || ex->running) && !ex->cancelled) {
    int still = 0, numfds = 0, left;
    if (ex->opt.cancel_flag && *ex->opt.cancel_flag >= ex->opt.cancel_at) {
      ex->cancelled = 1;
      break;
    }
    CURLMsg *msg;
    double wait;
    long ms;
    dispatch(ex);
    curl_multi_perform(ex->multi, &still);
    while ((msg = curl_multi_info_read(ex->multi, &left)) != NULL)
      if (msg->msg == CURLMSG_DONE)
        finish(ex, msg);
    /* Callbacks may have queued work that can start right away. */
    wait = dispatch(ex);
    ms = (long)(wait * 1000);
    if (ms > 1000)
      ms = 1000;
    if (ms < 1)
      ms = 1;
    if (ex->running) {
      curl_multi_poll(ex->multi, NULL, 0, (int)ms, &numfds);
    } else if (ex->head) {
      struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  if (ex->cancelled) {
    /* Complete everything still pending. */
    job *j;
    while ((j = ex->head) != NULL) {
      ex->head = j->next;
      deliver(ex, j, CFM_EINTERNAL, "cancelled", 0);
    }
    ex->tail = NULL;
    for (size_t i = 0; i < ex->opt.concurrency; i++) {
      job *r = ex->inflight[i];
      if (!r)
        continue;
      ex->inflight[i] = NULL;
      curl_multi_remove_handle(ex->multi, r->easy);
      curl_easy_cleanup(r->easy);
      r->easy = NULL;
      ex->running--;
      deliver(ex, r, CFM_EINTERNAL, "cancelled", 0);
    }
  }
  return CFM_EOK;
}

void cfm_exec_cancel(cfm_exec *ex) {
  if (ex)
    ex->cancelled = 1;
}

void cfm_exec_stats_get(const cfm_exec *ex, cfm_exec_stats *out) {
  *out = ex->stats;
}

void cfm_exec_free(cfm_exec *ex) {
  size_t i;
  job *j;
  if (!ex)
    return;
  while ((j = ex->head) != NULL) {
    ex->head = j->next;
    job_free(j);
  }
  for (i = 0; i < ex->nidle; i++)
    curl_easy_cleanup(ex->idle[i]);
  free(ex->idle);
  free(ex->inflight);
  if (ex->multi)
    curl_multi_cleanup(ex->multi);
  free(ex);
}
