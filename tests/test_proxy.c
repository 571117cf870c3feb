/* conform proxy: traffic passes unchanged (compared byte for byte with
 * direct access to an echoing upstream), faults of the mock are reported
 * whether curl-like requests or `conform run` drive it, the faithful mock
 * gives no fail, a full queue drops judging and never traffic, reports
 * roll and are redacted, and the command's usage errors.  Loopback only,
 * ephemeral ports, bounded loops. */
#include <criterion/criterion.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "conform/fileio.h"
#include "conform/mock.h"
#include "conform/proxy.h"
#include "conform/runner.h"
#include "helper_cli.h"
#include "helper_http.h"

static cfm_specset specs;

static void load(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  memset(&specs, 0, sizeof(specs));
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_specset_check(&specs, &err), CFM_EOK, "%s", err.text);
}
static void unload(void) {
  cfm_specset_release(&specs);
}

TestSuite(proxy, .init = load, .fini = unload);

/* ---- an echoing upstream: the answer shows what arrived ---------------------- */

typedef struct echo_req {
  char text[16384];
  size_t len;
} echo_req;

static enum MHD_Result echo_header(void *cls, enum MHD_ValueKind kind, const char *k,
                                   const char *v) {
  echo_req *e = cls;
  (void)kind;
  if (e->len < sizeof(e->text))
    e->len +=
        (size_t)snprintf(e->text + e->len, sizeof(e->text) - e->len, "%s: %s\n", k, v ? v : "");
  return MHD_YES;
}

static void *echo_uri(void *cls, const char *uri, struct MHD_Connection *c) {
  echo_req *e = calloc(1, sizeof(*e));
  (void)cls;
  (void)c;
  if (e)
    e->len = (size_t)snprintf(e->text, sizeof(e->text), "uri %s\n", uri);
  return e;
}

static void echo_done(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode code) {
  (void)cls;
  (void)c;
  (void)code;
  free(*state);
  *state = NULL;
}

/* ?json=1: a DingTalk group as JSON; ?json=deflate: the same, deflate
 * content-encoded (as a vendor answers a client that accepts it). */
static enum MHD_Result json_answer(struct MHD_Connection *c, int deflate) {
  static const char body[] = "{\"groupId\":7,\"groupName\":\"g\",\"parentId\":0}";
  unsigned char z[256];
  uLongf zn = sizeof(z);
  struct MHD_Response *r;
  enum MHD_Result ret;
  if (deflate)
    cr_assert_eq(compress2(z, &zn, (const Bytef *)body, sizeof(body) - 1, 9), Z_OK);
  r = deflate
          ? MHD_create_response_from_buffer(zn, z, MHD_RESPMEM_MUST_COPY)
          : MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, "Content-Type", "application/json");
  if (deflate)
    MHD_add_response_header(r, "Content-Encoding", "deflate");
  ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return ret;
}

/* Answers with status 201 (or the ?status= asked), a custom header and a
 * body listing method, raw URI, headers and the request body. */
static enum MHD_Result echo_answer(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **state) {
  echo_req *e = *state;
  struct MHD_Response *r;
  enum MHD_Result ret;
  const char *st = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
  (void)cls;
  (void)url;
  (void)version;
  if (!e)
    return MHD_NO;
  if (*upload_size) {
    if (e->len + *upload_size + 8 < sizeof(e->text)) {
      memcpy(e->text + e->len, "body ", 5);
      memcpy(e->text + e->len + 5, upload, *upload_size);
      e->len += 5 + *upload_size;
    }
    *upload_size = 0;
    return MHD_YES;
  }
  if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "json"))
    return json_answer(
        c, !strcmp(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "json"), "deflate"));
  if (strncmp(e->text, "uri", 3) == 0 && !strstr(e->text, "\nmethod ")) {
    MHD_get_connection_values(c, MHD_HEADER_KIND, echo_header, e);
    e->len += (size_t)snprintf(e->text + e->len, sizeof(e->text) - e->len, "method %s\n", method);
  }
  r = MHD_create_response_from_buffer(e->len, e->text, MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
  MHD_add_response_header(r, "X-Echo", "yes");
  ret = MHD_queue_response(c, st ? (unsigned)atoi(st) : 201u, r);
  MHD_destroy_response(r);
  return ret;
}

static struct MHD_Daemon *echo_start(char *base, size_t cap) {
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL, 0, NULL, NULL,
      echo_answer, NULL, MHD_OPTION_URI_LOG_CALLBACK, echo_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
      echo_done, NULL, MHD_OPTION_END);
  const union MHD_DaemonInfo *info;
  cr_assert_not_null(d);
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(base, cap, "http://127.0.0.1:%u", (unsigned)info->port);
  return d;
}

/* ---- the proxy in front of an upstream ------------------------------------- */

typedef struct rig {
  cfm_config cfg;
  cfm_proxy *px;
  char base[64];    /* the proxy */
  char reports[64]; /* its reports root ("" = none) */
} rig;

static void rig_start(rig *g, const char *upstream, int reports, cfm_proxy_options *o) {
  cfm_proxy_options def;
  cfm_error_t err;
  static const char *const vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};
  char arg[160];
  size_t i;
  memset(g, 0, sizeof(*g));
  cfm_error_init(&err);
  cfm_config_init(&g->cfg);
  for (i = 0; i < 3; i++) {
    snprintf(arg, sizeof(arg), "%s=%s", vendors[i], upstream);
    cr_assert_eq(cfm_config_set_target_url(&g->cfg, arg, &err), CFM_EOK, "%s", err.text);
  }
  if (!o) {
    memset(&def, 0, sizeof(def));
    o = &def;
  }
  o->set = &specs;
  o->cfg = &g->cfg;
  if (reports) {
    snprintf(g->reports, sizeof(g->reports), "/tmp/cfm-proxy-XXXXXX");
    cr_assert_not_null(mkdtemp(g->reports));
    o->reports_dir = g->reports;
  }
  cr_assert_eq(cfm_proxy_start(o, &g->px, &err), CFM_EOK, "%s", err.text);
  snprintf(g->base, sizeof(g->base), "http://127.0.0.1:%u", (unsigned)cfm_proxy_port(g->px));
}

static void rig_stop(rig *g, cfm_proxy_stats *st) {
  cfm_proxy_stop(g->px, st);
  cfm_config_release(&g->cfg);
}

static void rig_clean(rig *g) {
  char out[64];
  if (g->reports[0])
    cfm_th_sh(out, sizeof(out), "rm -rf %s", g->reports);
}

/* The request a test sends both ways. */
typedef struct exch {
  const char *method, *path, *headers, *body;
} exch;

static const exch exchanges[] = {
    {"GET", "/v1.0/rooms/groups/7?unionId=u%20v&x=%2F&status=200", "X-Trace: abc\nAccept: */*",
     NULL},
    {"POST", "/app-id/a/chatgroups?status=400", "Content-Type: application/json\nX-Empty: x",
     "{\"groupname\":\"caf\xc3\xa9\",\"n\":[1,2]}"},
    {"PUT", "/a/b%2Fc/d", "Content-Type: text/plain", "plain body"},
    {"DELETE", "/v4/group_open_http_svc/destroy_group?usersig=abc&random=1", NULL, NULL},
    {"POST", "/empty?status=204", "Content-Type: application/json", ""},
};

Test(proxy, traffic_passes_unchanged) {
  char up[64];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  rig g;
  cfm_proxy_stats st;
  size_t i, n = sizeof(exchanges) / sizeof(exchanges[0]);
  rig_start(&g, up, 0, NULL);
  for (i = 0; i < n; i++) {
    const exch *e = &exchanges[i];
    cfm_th_resp direct, via;
    cr_assert_eq(cfm_th_request(NULL, up, e->method, e->path, e->headers, e->body,
                                e->body ? strlen(e->body) : 0, &direct),
                 0);
    cr_assert_eq(cfm_th_request(NULL, g.base, e->method, e->path, e->headers, e->body,
                                e->body ? strlen(e->body) : 0, &via),
                 0);
    cr_assert_eq(via.status, direct.status, "%s %s", e->method, e->path);
    cr_assert_str_eq(via.content_type, direct.content_type);
    cr_assert_eq(via.len, direct.len, "%s %s:\ndirect:\n%.*s\nvia:\n%.*s", e->method, e->path,
                 (int)direct.len, direct.body ? direct.body : "", (int)via.len,
                 via.body ? via.body : "");
    cr_assert(direct.len == 0 || memcmp(via.body, direct.body, direct.len) == 0,
              "%s %s:\ndirect:\n%s\nvia:\n%s", e->method, e->path, direct.body, via.body);
    cfm_th_resp_free(&direct);
    cfm_th_resp_free(&via);
  }
  rig_stop(&g, &st);
  MHD_stop_daemon(echo);
  cr_assert_eq(st.forwarded, n);
  cr_assert_eq(st.judged + st.dropped, n);
  cr_assert_eq(st.upstream_errors, 0);
}

#define DT_TOKEN "x-acs-dingtalk-access-token: t0k3n-for-the-test"

/* One request through a fresh proxy in front of up: its answer in via,
 * the proxy's verdict counts of the exchange in counts. */
static void through_proxy(const char *up, const char *method, const char *path, const char *headers,
                          const char *body, size_t len, cfm_th_resp *via, size_t *counts) {
  cfm_proxy_stats st;
  rig g;
  rig_start(&g, up, 0, NULL);
  cr_assert_eq(cfm_th_request(NULL, g.base, method, path, headers, body, len, via), 0);
  rig_stop(&g, &st);
  cr_assert_eq(st.judged, 1);
  memcpy(counts, st.counts, sizeof(st.counts));
}

/* The verdicts of one DingTalk read through a fresh proxy. */
static void judged_once(const char *up, const char *path, size_t *counts) {
  cfm_th_resp via, direct;
  through_proxy(up, "GET", path, DT_TOKEN, NULL, 0, &via, counts);
  cr_assert_eq(cfm_th_request(NULL, up, "GET", path, DT_TOKEN, NULL, 0, &direct), 0);
  cr_assert_eq(via.len, direct.len);
  cr_assert(memcmp(via.body, direct.body, via.len) == 0, "the encoded bytes pass unchanged");
  cfm_th_resp_free(&via);
  cfm_th_resp_free(&direct);
}

/* A deflate-encoded answer reaches the client as sent and is judged as
 * the same answer unencoded. */
Test(proxy, encoded_answer_is_judged_decoded) {
  char up[64];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  size_t plain[CFM_VERDICT__COUNT], encoded[CFM_VERDICT__COUNT];
  judged_once(up, "/v1.0/rooms/groups/7?unionId=u&json=1", plain);
  judged_once(up, "/v1.0/rooms/groups/7?unionId=u&json=deflate", encoded);
  MHD_stop_daemon(echo);
  cr_assert_eq(plain[CFM_VERDICT_PASS], 1, "the plain answer is as documented");
  cr_assert_arr_eq(plain, encoded, sizeof(plain), "pass %zu/%zu fail %zu/%zu error %zu/%zu",
                   plain[CFM_VERDICT_PASS], encoded[CFM_VERDICT_PASS], plain[CFM_VERDICT_FAIL],
                   encoded[CFM_VERDICT_FAIL], plain[CFM_VERDICT_ERROR], encoded[CFM_VERDICT_ERROR]);
}

/* The verdicts of one DingTalk create sent through a fresh proxy, its
 * body gzip-encoded or not (the upstream answers a group either way). */
static void create_judged(const char *up, int gzip, size_t *counts) {
  static const char body[] = "{\"groupName\":\"g\",\"unionId\":\"u\",\"parentGroupId\":0}";
  unsigned char z[512];
  z_stream zs;
  cfm_th_resp via;
  memset(&zs, 0, sizeof(zs));
  cr_assert_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = (Bytef *)body;
  zs.avail_in = sizeof(body) - 1;
  zs.next_out = z;
  zs.avail_out = sizeof(z);
  cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
  deflateEnd(&zs);
  through_proxy(up, "POST", "/v1.0/rooms/groups?json=1",
                gzip ? DT_TOKEN "\nContent-Encoding: gzip" : DT_TOKEN,
                gzip ? (const char *)z : body, gzip ? zs.total_out : sizeof(body) - 1, &via,
                counts);
  cfm_th_resp_free(&via);
}

/* A gzip-encoded request body reaches the upstream as sent and is judged
 * as the same request unencoded. */
Test(proxy, encoded_request_is_judged_decoded) {
  char up[64];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  size_t plain[CFM_VERDICT__COUNT], encoded[CFM_VERDICT__COUNT];
  create_judged(up, 0, plain);
  create_judged(up, 1, encoded);
  MHD_stop_daemon(echo);
  cr_assert_arr_eq(plain, encoded, sizeof(plain), "pass %zu/%zu warn %zu/%zu fail %zu/%zu",
                   plain[CFM_VERDICT_PASS], encoded[CFM_VERDICT_PASS], plain[CFM_VERDICT_WARN],
                   encoded[CFM_VERDICT_WARN], plain[CFM_VERDICT_FAIL], encoded[CFM_VERDICT_FAIL]);
}

/* An upstream nobody listens on: the client gets a 502 from the proxy,
 * and the exchange is judged an error, not a pass. */
Test(proxy, unreachable_upstream_is_502_and_error) {
  rig g;
  cfm_proxy_stats st;
  cfm_th_resp r;
  rig_start(&g, "http://127.0.0.1:1", 0, NULL);
  cr_assert_eq(
      cfm_th_request(NULL, g.base, "GET", "/v1.0/rooms/groups/7?unionId=u", NULL, NULL, 0, &r), 0);
  cr_assert_eq(r.status, 502);
  cr_assert_str_eq(cfm_th_str(&r, "/error"), "conform_proxy");
  cfm_th_resp_free(&r);
  rig_stop(&g, &st);
  cr_assert_eq(st.upstream_errors, 1);
  cr_assert_eq(st.counts[CFM_VERDICT_ERROR], 1);
  cr_assert_eq(st.counts[CFM_VERDICT_PASS], 0);
}

/* Requests an application without Agora credentials would make: a mock
 * that does not enforce auth accepts them; the faithful one refuses. */
static cfm_proxy_stats curl_driven(const char *fault, rig *g) {
  const char *faults[2] = {fault, NULL};
  char mbase[64], why[256];
  cfm_mock *m =
      cfm_th_mock_start(NULL, fault ? faults : NULL, mbase, sizeof(mbase), why, sizeof(why));
  cfm_proxy_stats st;
  cfm_th_resp r;
  cr_assert_not_null(m, "%s", why);
  rig_start(g, mbase, 1, NULL);
  cr_assert_eq(cfm_th_request(NULL, g->base, "GET", "/app-id/conform-demo-app/chatgroups?limit=10",
                              NULL, NULL, 0, &r),
               0);
  cr_assert_eq(r.status, fault ? 200 : 401);
  cfm_th_resp_free(&r);
  cr_assert_eq(cfm_th_request(NULL, g->base, "GET", "/app-id/conform-demo-app/chatgroups?limit=10",
                              "Authorization: Bearer conform-demo-app-token", NULL, 0, &r),
               0);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
  rig_stop(g, &st);
  cfm_mock_stop(m);
  return st;
}

Test(proxy, curl_driven_fault_is_reported) {
  rig g;
  char out[256];
  cfm_proxy_stats st = curl_driven("agora-auth-not-enforced", &g);
  cr_assert_eq(st.judged, 2);
  cr_assert_geq(st.counts[CFM_VERDICT_FAIL], 1);
  cr_assert_eq(st.reports, 1);
  /* The report says so, in run's formats; the token is redacted. */
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "cd %s/latest && ls report.json junit.xml report.html >/dev/null && "
                         "grep -c '\"fail\"' report.json && ! grep -rl conform-demo-app-token .",
                         g.reports),
               0, "%s", out);
  rig_clean(&g);
}

Test(proxy, curl_driven_faithful_has_no_fail) {
  rig g;
  cfm_proxy_stats st = curl_driven(NULL, &g);
  cr_assert_eq(st.judged, 2);
  cr_assert_eq(st.counts[CFM_VERDICT_FAIL], 0);
  cr_assert_geq(st.counts[CFM_VERDICT_PASS], 1);
  rig_clean(&g);
}

/* `conform run` (the library) of vendor against a mock with fault (or
 * none), directly (st NULL) or with its target the proxy in front of the
 * mock (the proxy's counters in st). */
static void run_vendor(const char *vendor, const char *fault, size_t *run_counts,
                       cfm_proxy_stats *st) {
  const char *faults[2] = {fault, NULL};
  char mbase[64], why[256];
  cfm_mock *m =
      cfm_th_mock_start(NULL, fault ? faults : NULL, mbase, sizeof(mbase), why, sizeof(why));
  cfm_proxy_options o;
  cfm_run_options ro;
  cfm_run_result res;
  cfm_config rc;
  cfm_error_t err;
  rig g;
  cr_assert_not_null(m, "%s", why);
  cfm_config_init(&rc);
  if (st) {
    memset(&o, 0, sizeof(o));
    o.queue_cap = 100000; /* judge every exchange */
    o.queue_bytes = 512u * 1024u * 1024u;
    rig_start(&g, mbase, 0, &o);
    cfm_config_use_mock(&rc, cfm_proxy_port(g.px));
  } else {
    cfm_config_use_mock(&rc, cfm_mock_port(m));
  }
  memset(&ro, 0, sizeof(ro));
  ro.vendor = vendor;
  ro.concurrency = 8;
  ro.timeout_ms = 5000;
  cfm_error_init(&err);
  cr_assert_eq(cfm_run(&specs, &rc, &ro, &res, &err), CFM_EOK, "%s", err.text);
  memcpy(run_counts, res.counts, sizeof(res.counts));
  cfm_config_release(&rc);
  if (st)
    rig_stop(&g, st);
  cfm_mock_stop(m);
}

Test(proxy, run_driven_fault_is_reported) {
  size_t via[CFM_VERDICT__COUNT], direct[CFM_VERDICT__COUNT];
  cfm_proxy_stats st;
  run_vendor("dingtalk-rooms", "dingtalk-token-not-checked", via, &st);
  run_vendor("dingtalk-rooms", "dingtalk-token-not-checked", direct, NULL);
  cr_assert_arr_eq(via, direct, sizeof(via), "the run through the proxy differs from direct");
  cr_assert_gt(via[CFM_VERDICT_FAIL], 0);
  cr_assert_eq(st.dropped, 0);
  cr_assert_eq(st.judged, st.forwarded);
  cr_assert_gt(st.counts[CFM_VERDICT_FAIL], 0);
}

Test(proxy, run_driven_faithful_has_no_fail) {
  size_t via[CFM_VERDICT__COUNT], direct[CFM_VERDICT__COUNT];
  cfm_proxy_stats st;
  run_vendor("dingtalk-rooms", NULL, via, &st);
  run_vendor("dingtalk-rooms", NULL, direct, NULL);
  cr_assert_arr_eq(via, direct, sizeof(via), "the run through the proxy differs from direct");
  cr_assert_eq(via[CFM_VERDICT_FAIL], 0);
  cr_assert_gt(st.judged, 20);
  cr_assert_eq(st.counts[CFM_VERDICT_FAIL], 0);
  cr_assert_eq(st.counts[CFM_VERDICT_ERROR], 0);
}

/* A walk that skips a group shows only once the stream has gone on (the
 * run's deletions in flight when the walk ended): the proxy judges it when
 * it stops.  The faithful mock's Agora run: no fail. */
Test(proxy, run_driven_walk_that_skips_a_group_is_reported, .timeout = 120) {
  size_t counts[CFM_VERDICT__COUNT];
  cfm_proxy_stats st;
  run_vendor("agora-chat", "agora-list-drops", counts, &st);
  cr_assert_eq(st.dropped, 0);
  cr_assert_gt(st.counts[CFM_VERDICT_FAIL], 0);
  run_vendor("agora-chat", NULL, counts, &st);
  cr_assert_eq(st.dropped, 0);
  cr_assert_gt(st.judged, 1000);
  cr_assert_eq(st.counts[CFM_VERDICT_FAIL], 0);
}

/* Judging held and a queue of 2: every request is still answered; the
 * exchanges past the queue are dropped from judging. */
Test(proxy, full_queue_drops_judging_not_traffic) {
  char up[64];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  cfm_proxy_options o;
  cfm_proxy_stats st;
  rig g;
  int i;
  memset(&o, 0, sizeof(o));
  o.queue_cap = 2;
  o.hold_judging = 1;
  rig_start(&g, up, 0, &o);
  for (i = 0; i < 10; i++) {
    cfm_th_resp r;
    cr_assert_eq(
        cfm_th_request(NULL, g.base, "GET", "/v1.0/rooms/groups/7?status=200", NULL, NULL, 0, &r),
        0);
    cr_assert_eq(r.status, 200);
    cr_assert(r.body && strstr(r.body, "uri /v1.0/rooms/groups/7?status=200"));
    cfm_th_resp_free(&r);
  }
  /* Forwarded is counted before the answer goes out; an exchange is
   * queued (or dropped) once its answer is sent, so drops are counted
   * after the stop. */
  cfm_proxy_stats_get(g.px, &st);
  cr_assert_eq(st.forwarded, 10);
  cr_assert_eq(st.judged, 0);
  /* The stop ends listening first (every answer sent, every exchange
   * queued or dropped), then lets the held judge drain the queue. */
  rig_stop(&g, &st);
  MHD_stop_daemon(echo);
  cr_assert_eq(st.judged, 2);
  cr_assert_eq(st.dropped, 8);
}

/* --roll-every 2 over 5 exchanges: three reports; a roll asked for
 * (SIGHUP) closes the current one. */
Test(proxy, reports_roll_by_count_and_on_request) {
  char up[64], out[256];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  cfm_proxy_options o;
  cfm_proxy_stats st;
  rig g;
  int i;
  memset(&o, 0, sizeof(o));
  o.roll_every = 2;
  rig_start(&g, up, 1, &o);
  for (i = 0; i < 5; i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(NULL, g.base, "GET", "/v1.0/rooms/groups/7", NULL, NULL, 0, &r), 0);
    cfm_th_resp_free(&r);
  }
  rig_stop(&g, &st);
  cr_assert_eq(st.judged, 5);
  cr_assert_eq(st.reports, 3);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "ls -d %s/2*/report.json | wc -l", g.reports), 0);
  cr_assert_eq(atoi(out), 3, "%s", out);
  rig_clean(&g);
  /* A roll with nothing judged since writes nothing; one after traffic does. */
  memset(&o, 0, sizeof(o));
  rig_start(&g, up, 1, &o);
  for (i = 0; i < 2; i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(NULL, g.base, "GET", "/v1.0/rooms/groups/7", NULL, NULL, 0, &r), 0);
    cfm_th_resp_free(&r);
    cfm_proxy_roll(g.px);
  }
  rig_stop(&g, &st);
  MHD_stop_daemon(echo);
  cr_assert_eq(st.judged, 2);
  cr_assert_geq(st.reports, 1);
  cr_assert_leq(st.reports, 2);
  rig_clean(&g);
}

/* --roll-seconds 1: the report of an exchange judged after the hold is
 * lifted is closed by age before the stop; the stop then writes no empty
 * one.  (The wait is bounded: 300 polls of 0.1 s.) */
Test(proxy, reports_roll_by_age) {
  char up[64];
  struct MHD_Daemon *echo = echo_start(up, sizeof(up));
  cfm_proxy_options o;
  cfm_proxy_stats st;
  cfm_th_resp r;
  rig g;
  int i;
  memset(&o, 0, sizeof(o));
  o.roll_seconds = 1;
  o.hold_judging = 1;
  rig_start(&g, up, 1, &o);
  cr_assert_eq(cfm_th_request(NULL, g.base, "GET", "/v1.0/rooms/groups/7", NULL, NULL, 0, &r), 0);
  cfm_th_resp_free(&r);
  cfm_proxy_resume(g.px);
  for (i = 0; i < 300; i++) {
    cfm_proxy_stats_get(g.px, &st);
    if (st.reports)
      break;
    usleep(100000);
  }
  cr_assert_eq(st.reports, 1, "no report closed by age");
  cr_assert_eq(st.judged, 1);
  rig_stop(&g, &st);
  MHD_stop_daemon(echo);
  cr_assert_eq(st.reports, 1);
  rig_clean(&g);
}

/* IPv6: --listen [::1]:PORT serves (its URL printed with brackets); an
 * IPv6 address off the loopback needs --allow-remote; one without its
 * brackets is a usage error. */
Test(proxy, listens_on_the_ipv6_loopback, .timeout = 60) {
  char out[4096], dir[] = "/tmp/cfm-proxy-v6-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s proxy --listen '[::]:0' --upstream agora-chat=http://127.0.0.1:1 "
                         "2>&1 | grep -c allow-remote",
                         CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s proxy --listen ::1:0 --upstream agora-chat=http://127.0.0.1:1 "
                         "2>/dev/null",
                         CONFORM_BIN),
               2);
  /* The upstream is unreachable: the proxy's own 502 comes back over IPv6. */
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out),
                "cd %s && %s proxy --listen '[::1]:0' --upstream dingtalk-rooms=http://127.0.0.1:1 "
                "--no-reports >port.txt 2>err.txt & pid=$!; cd %s && for i in $(seq 1 100); do "
                "grep -q listening port.txt && break; sleep 0.1; done; cat port.txt; "
                "url=$(sed 's/listening on //' port.txt); "
                "curl -s -o /dev/null -w '%%{http_code}\n' -m 5 $url/v1.0/rooms/groups/1; "
                "kill -TERM $pid; wait $pid; echo rc=$?",
                dir, CONFORM_BIN, dir),
      0, "%s", out);
  cr_assert(!strncmp(out, "listening on http://[::1]:", 26), "%s", out);
  cr_assert(strstr(out, "\n502\nrc=6"), "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}

/* The command: usage errors, then SIGHUP and SIGTERM on the real binary. */
Test(proxy, command_usage_and_signals) {
  char out[4096], dir[] = "/tmp/cfm-proxy-cli-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s proxy --no-reports 2>/dev/null", CONFORM_BIN), 3);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s proxy --listen 10.1.2.3:0 --upstream agora-chat=http://127.0.0.1:1 "
                         "2>&1 | grep -c allow-remote",
                         CONFORM_BIN),
               0, "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "%s proxy --listen 10.1.2.3:0 --upstream agora-chat=http://127.0.0.1:1 "
                         "2>/dev/null",
                         CONFORM_BIN),
               2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s proxy --roll-every x 2>/dev/null", CONFORM_BIN), 2);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "%s proxy --upstream nobody=http://h 2>/dev/null", CONFORM_BIN),
      2);
  cr_assert_eq(cfm_th_sh(out, sizeof(out), "%s proxy extra 2>/dev/null", CONFORM_BIN), 2);
  /* Serve: two exchanges split by SIGHUP (sent until the first report is
   * complete: r/latest), then SIGTERM: two reports; the upstream was
   * unreachable, so the verdicts are error: exit 6. */
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out),
                "cd %s && %s proxy --upstream dingtalk-rooms=http://127.0.0.1:1 --reports r "
                ">port.txt 2>err.txt & pid=$!; cd %s && for i in $(seq 1 100); do "
                "grep -q listening port.txt && break; sleep 0.1; done; "
                "url=$(sed 's/listening on //' port.txt); "
                "curl -s -o /dev/null -m 5 $url/v1.0/rooms/groups/1; "
                "for i in $(seq 1 100); do kill -HUP $pid; sleep 0.1; [ -e r/latest ] && break; "
                "done; curl -s -o /dev/null -m 5 $url/v1.0/rooms/groups/2; kill -TERM $pid; "
                "wait $pid; echo rc=$?; ls -d r/2* | wc -l; grep -c '2 judged' err.txt",
                dir, CONFORM_BIN, dir),
      0, "%s", out);
  cr_assert(!strncmp(out, "rc=6\n2\n1", 8), "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}
