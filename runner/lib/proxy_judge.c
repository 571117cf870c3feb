/* conform proxy — the judging side: the bounded queue the listener's
 * threads push exchanges into, and the one thread that judges them with
 * cfm_passive_judge (one stream for the proxy's life, so stateful rules
 * see every exchange) and streams the results into a report, rolled
 * after N exchanges, S seconds or on request.  Must not touch the client
 * connection or forward anything. */
#include "proxy_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "conform/buf.h"
#include "conform/jsonutil.h"
#include "conform/report.h"

void cfm__px_exchange_free(cfm__px_exchange *x) {
  if (!x)
    return;
  free(x->method);
  free(x->url);
  cfm__px_strv_free(x->headers);
  free(x->req_body);
  free(x->content_type);
  free(x->res_body);
  free(x);
}

size_t cfm__px_exchange_size(const cfm__px_exchange *x) {
  return sizeof(*x) + x->req_len + x->res_len + (x->url ? strlen(x->url) : 0);
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cfm__proxy_enqueue(cfm_proxy *p, cfm__px_exchange *x) {
  size_t sz = cfm__px_exchange_size(x);
  pthread_mutex_lock(&p->lock);
  if (p->queued >= p->opt.queue_cap || p->queued_bytes + sz > p->opt.queue_bytes) {
    p->stats.dropped++;
    if (p->drop_from_ms == 0)
      p->drop_from_ms = x->started_ms > 0 ? x->started_ms : -1;
    if (x->started_ms > p->drop_to_ms)
      p->drop_to_ms = x->started_ms;
    pthread_mutex_unlock(&p->lock);
    cfm__px_exchange_free(x);
    return;
  }
  x->next = NULL;
  if (p->tail)
    p->tail->next = x;
  else
    p->head = x;
  p->tail = x;
  p->queued++;
  p->queued_bytes += sz;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

void cfm_proxy_roll(cfm_proxy *p) {
  pthread_mutex_lock(&p->lock);
  p->roll_asked = 1;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

void cfm_proxy_resume(cfm_proxy *p) {
  pthread_mutex_lock(&p->lock);
  p->held = 0;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

void cfm_proxy_stats_get(cfm_proxy *p, cfm_proxy_stats *out) {
  pthread_mutex_lock(&p->lock);
  *out = p->stats;
  pthread_mutex_unlock(&p->lock);
}

/* ---- reports ---------------------------------------------------------------- */

static void report_open(cfm_proxy *p) {
  cfm_report_options ro;
  cfm_error_t err;
  memset(&ro, 0, sizeof(ro));
  cfm_error_init(&err);
  ro.dir = p->opt.reports_dir;
  ro.term = p->opt.term;
  ro.term_is_tty = p->opt.term_is_tty & ~CFM_TERM_PROGRESS;
  ro.targets = p->targets;
  ro.cfg = p->opt.cfg;
  p->rep_exchanges = 0;
  p->rep_started = mono_s();
  if (cfm_report_open(&ro, &p->rep, &err) != CFM_EOK) {
    p->rep = NULL;
    pthread_mutex_lock(&p->lock);
    p->stats.report_failed = 1;
    pthread_mutex_unlock(&p->lock);
  }
}

static void report_close(cfm_proxy *p) {
  cfm_report_summary sum;
  int rc;
  if (!p->rep)
    return;
  memset(&sum, 0, sizeof(sum));
  rc = cfm_report_close(p->rep, (mono_s() - p->rep_started) * 1000.0, &sum);
  p->rep = NULL;
  pthread_mutex_lock(&p->lock);
  p->stats.reports++;
  if (rc != CFM_EOK)
    p->stats.report_failed = 1;
  snprintf(p->stats.last_run_dir, sizeof(p->stats.last_run_dir), "%s", sum.run_dir);
  pthread_mutex_unlock(&p->lock);
}

/* ---- judging ---------------------------------------------------------------- */

typedef struct emit_args {
  const char *id, *vendor, *op, *kind, *reason, *code, *cls;
  const char *body; /* the answer as judged (decoded), body_len bytes */
  size_t body_len;
  cfm_verdict v;
  json_t *prov;
} emit_args;

/* Streams one result into the current report (opened on first use). */
static void emit(cfm_proxy *p, const cfm__px_exchange *x, const emit_args *a) {
  cfm_case_result r;
  char summary[700], excerpt[512];
  size_t n = a->body_len < 300 ? a->body_len : 300;
  int baselined = a->v == CFM_VERDICT_FAIL && p->opt.baseline &&
                  cfm_baseline_accepts(p->opt.baseline, a->id, a->code);
  json_t *assumed =
      a->prov ? NULL : json_pack("{s:s}", "assumed", "no documented statement applies");
  snprintf(summary, sizeof(summary), "%s %.600s", x->method, x->url);
  snprintf(excerpt, sizeof(excerpt), "%.*s", (int)n, a->body);
  memset(&r, 0, sizeof(r));
  r.id = (char *)a->id;
  r.vendor = (char *)a->vendor;
  r.operation = (char *)a->op;
  r.kind = (char *)a->kind;
  r.verdict = a->v;
  r.reason = (char *)a->reason;
  r.provenance = a->prov ? a->prov : assumed;
  r.repro = summary;
  r.request_summary = summary;
  r.http_status = x->status;
  r.vendor_code = (char *)a->code;
  r.observed_class = (char *)a->cls;
  r.response_excerpt = excerpt;
  r.duration_ms = x->ms;
  r.baselined = baselined;
  if (p->opt.reports_dir && !p->rep)
    report_open(p);
  if (p->rep && cfm_report_add(p->rep, &r) != CFM_EOK) {
    pthread_mutex_lock(&p->lock);
    p->stats.report_failed = 1;
    pthread_mutex_unlock(&p->lock);
  }
  pthread_mutex_lock(&p->lock);
  p->stats.counts[a->v]++;
  p->stats.baselined += (size_t)baselined;
  pthread_mutex_unlock(&p->lock);
  json_decref(assumed);
}

/* Inflates a body of len bytes in a gzip or deflate content coding for
 * judging (the other side got it as it came), into out (capped by cap).
 * Returns 0, or -1: not such a coding, or not inflatable within the cap. */
static int inflate_body(const char *coding, const char *data, size_t len, size_t cap,
                        cfm_buf *out) {
  static const char *const codings[] = {"gzip", "x-gzip", "deflate"};
  unsigned char chunk[16384];
  z_stream z;
  size_t i;
  int zr = Z_DATA_ERROR, known = 0;
  for (i = 0; i < sizeof(codings) / sizeof(codings[0]); i++)
    known |= !strcasecmp(coding, codings[i]);
  cfm_buf_init(out, cap);
  memset(&z, 0, sizeof(z));
  if (!known || !len || inflateInit2(&z, 15 + 32) != Z_OK)
    return -1;
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)len;
  do {
    z.next_out = chunk;
    z.avail_out = sizeof(chunk);
    zr = inflate(&z, Z_NO_FLUSH);
    if ((zr == Z_OK || zr == Z_STREAM_END) &&
        cfm_buf_add(out, chunk, sizeof(chunk) - z.avail_out) != CFM_EOK)
      zr = Z_MEM_ERROR;
  } while (zr == Z_OK);
  inflateEnd(&z);
  if (zr != Z_STREAM_END) {
    cfm_buf_release(out);
    return -1;
  }
  return 0;
}

/* The request's Content-Encoding ("" when none). */
static const char *request_coding(const cfm__px_exchange *x) {
  size_t i;
  for (i = 0; x->headers && x->headers[i]; i++) {
    const char *h = x->headers[i];
    if (!strncasecmp(h, "Content-Encoding:", 17)) {
      for (h += 17; *h == ' ' || *h == '\t';)
        h++;
      return h;
    }
  }
  return "";
}

static void judge_one(cfm_proxy *p, const cfm__px_exchange *x) {
  cfm_http_request req;
  cfm_http_response res;
  cfm_passive_result pr;
  char id[400];
  emit_args a;
  cfm_buf plain, sent;
  size_t seq = p->seq++;
  int rc;
  memset(&req, 0, sizeof(req));
  memset(&res, 0, sizeof(res));
  req.method = x->method;
  req.url = x->url;
  req.headers = (const char *const *)x->headers;
  req.body = x->req_body;
  req.body_len = x->req_len;
  res.error = x->error;
  snprintf(res.error_text, sizeof(res.error_text), "%s", x->error_text);
  res.status = x->status;
  res.content_type = x->content_type ? x->content_type : "";
  res.retry_after = "";
  res.body = x->res_body ? x->res_body : "";
  res.len = x->res_len;
  res.duration_ms = x->ms;
  res.attempts = 1;
  if (inflate_body(x->content_encoding, x->res_body, x->res_len, p->opt.max_body, &plain) == 0) {
    res.body = plain.data ? plain.data : "";
    res.len = plain.len;
  }
  if (inflate_body(request_coding(x), x->req_body, x->req_len, p->opt.max_body, &sent) == 0) {
    req.body = sent.data ? sent.data : "";
    req.body_len = sent.len;
  }
  rc = x->started_ms > 0
           ? cfm_passive_judge_at(p->opt.set, &p->stream, &req, &res, x->started_ms, &pr)
           : cfm_passive_judge(p->opt.set, &p->stream, &req, &res, &pr);
  if (rc != CFM_EOK) {
    cfm_buf_release(&plain);
    cfm_buf_release(&sent);
    pthread_mutex_lock(&p->lock);
    p->stats.report_failed = 1; /* out of memory: the exchange is not judged */
    pthread_mutex_unlock(&p->lock);
    return;
  }
  memset(&a, 0, sizeof(a));
  a.body = res.body;
  a.body_len = res.len;
  a.vendor = pr.match.spec ? pr.match.spec->vendor : "proxy";
  a.op = pr.match.op ? cfm_json_str(pr.match.op, "id") : "";
  if (!pr.match.op)
    snprintf(id, sizeof(id), "proxy.unmatched.passive.x%zu", seq);
  else
    snprintf(id, sizeof(id), "%s.%s.passive.x%zu", a.vendor, a.op, seq);
  a.id = id;
  a.kind = "passive";
  a.v = pr.verdict;
  a.reason = pr.reason;
  a.prov = pr.provenance;
  a.code = pr.code;
  a.cls = pr.cls;
  emit(p, x, &a);
  if (pr.client != CFM_VERDICT_PASS) {
    snprintf(id, sizeof(id), "%s.%s.client.x%zu", a.vendor, a.op, seq);
    a.kind = "client";
    a.v = pr.client;
    a.reason = pr.client_reason;
    a.prov = pr.client_provenance;
    a.code = "";
    a.cls = "";
    emit(p, x, &a);
  }
  cfm_buf_release(&plain);
  cfm_buf_release(&sent);
  cfm_passive_result_release(&pr);
  p->rep_exchanges++;
  pthread_mutex_lock(&p->lock);
  p->stats.judged++;
  pthread_mutex_unlock(&p->lock);
}

/* A finding of the end of the stream, into the current report: its
 * evidence is the walk's last page (its request; the answer was judged
 * when it came). */
static void emit_finding(void *user, const cfm_passive_finding *f) {
  cfm_proxy *p = user;
  cfm__px_exchange x;
  emit_args a;
  char id[400];
  memset(&x, 0, sizeof(x));
  x.method = (char *)f->method;
  x.url = (char *)f->url;
  x.status = f->status;
  memset(&a, 0, sizeof(a));
  snprintf(id, sizeof(id), "%s.%s.stream.x%zu", f->vendor, f->op, f->entry);
  a.id = id;
  a.vendor = f->vendor;
  a.op = f->op;
  a.kind = "passive";
  a.v = f->verdict;
  a.reason = f->reason;
  a.prov = (json_t *)f->provenance;
  a.code = "";
  a.cls = "";
  a.body = "";
  emit(p, &x, &a);
}

/* Judges what the rest of the stream has settled (final: everything);
 * an exchange the queue dropped may have been a deletion. */
static void settle(cfm_proxy *p, int final) {
  double from, to;
  pthread_mutex_lock(&p->lock);
  from = p->drop_from_ms;
  to = p->drop_to_ms;
  p->drop_from_ms = p->drop_to_ms = 0;
  pthread_mutex_unlock(&p->lock);
  if (from != 0)
    cfm_passive_stream_gap_span(&p->stream, from < 0 ? 0 : from, to);
  if (cfm_passive_stream_settle(&p->stream, final, emit_finding, p) != CFM_EOK) {
    pthread_mutex_lock(&p->lock);
    p->stats.report_failed = 1;
    pthread_mutex_unlock(&p->lock);
  }
}

/* 1 when the current report is due to roll by size or age. */
static int roll_due(const cfm_proxy *p) {
  if (!p->rep)
    return 0;
  if (p->opt.roll_every && p->rep_exchanges >= p->opt.roll_every)
    return 1;
  return p->opt.roll_seconds > 0 && mono_s() - p->rep_started >= p->opt.roll_seconds;
}

/* Waits (lock held) until there is something to do; at most a second, so
 * a time roll is never late by more than that. */
static void wait_work(cfm_proxy *p) {
  struct timespec ts;
  if ((p->head && !p->held) || p->stopping || p->roll_asked)
    return;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 1;
  (void)pthread_cond_timedwait(&p->wake, &p->lock, &ts);
}

static void *judge_main(void *arg) {
  cfm_proxy *p = arg;
  cfm__px_exchange *x;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    wait_work(p);
    if (p->stopping)
      p->held = 0;
    if (p->roll_asked || roll_due(p)) {
      p->roll_asked = 0;
      pthread_mutex_unlock(&p->lock);
      report_close(p);
      pthread_mutex_lock(&p->lock);
      continue;
    }
    if (p->head && !p->held) {
      x = p->head;
      p->head = x->next;
      if (!p->head)
        p->tail = NULL;
      p->queued--;
      p->queued_bytes -= cfm__px_exchange_size(x);
      pthread_mutex_unlock(&p->lock);
      judge_one(p, x);
      cfm__px_exchange_free(x);
      settle(p, 0);
      pthread_mutex_lock(&p->lock);
      continue;
    }
    if (p->stopping)
      break;
  }
  pthread_mutex_unlock(&p->lock);
  settle(p, 1);
  /* The final report; one (empty) even when nothing came, so a run of the
   * proxy always leaves one. */
  if (!p->rep && !p->stats.reports && p->opt.reports_dir)
    report_open(p);
  report_close(p);
  return NULL;
}

int cfm__proxy_judge_start(cfm_proxy *p) {
  int e = pthread_create(&p->judge, NULL, judge_main, p);
  if (e)
    return e == EAGAIN ? CFM_ENOMEM : CFM_EINTERNAL;
  p->judge_started = 1;
  return CFM_EOK;
}

void cfm__proxy_judge_stop(cfm_proxy *p) {
  if (!p->judge_started)
    return;
  pthread_mutex_lock(&p->lock);
  p->stopping = 1;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->judge, NULL);
  p->judge_started = 0;
}
