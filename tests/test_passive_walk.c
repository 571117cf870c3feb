/* Passive expectations at the end of a stream: a complete cursor walk
 * returns every group that existed while it ran (cfm_passive_stream_settle),
 * judged from the exchanges' times; and the times HAR files carry.  No
 * server: each stream is written out exchange by exchange. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/passive.h"
#include "helper_cli.h"
#include "helper_specs.h"

CFM_TH_SPECS_SUITE(walk, specs);

static const char *const agora_h[] = {"Authorization: Bearer t0k3n", "Accept: application/json",
                                      "Content-Type: application/json", NULL};
#define APP "http://127.0.0.1:1/app-id/app"
#define AGORA APP "/chatgroups"
#define T0 1796188900000.0 /* ms since the epoch */

/* An exchange with Agora's headers answered 200 with res_body after took ms. */
static void exchange(cfm_http_request *req, cfm_http_response *res, const char *method,
                     const char *url, const char *body, const char *res_body, double took) {
  memset(req, 0, sizeof(*req));
  memset(res, 0, sizeof(*res));
  req->method = method;
  req->url = url;
  req->headers = agora_h;
  req->body = body;
  req->body_len = body ? strlen(body) : 0;
  res->status = 200;
  res->content_type = "application/json";
  res->retry_after = "";
  res->body = res_body;
  res->len = strlen(res_body);
  res->attempts = 1;
  res->duration_ms = took;
}

/* Judges one exchange of s that started at T0 + at ms and took took ms;
 * returns the target's verdict. */
static cfm_verdict at(cfm_passive_stream *s, double at_ms, double took, const char *method,
                      const char *url, const char *body, const char *res_body) {
  cfm_http_request req;
  cfm_http_response res;
  cfm_passive_result r;
  cfm_verdict v;
  exchange(&req, &res, method, url, body, res_body, took);
  cr_assert_eq(cfm_passive_judge_at(&specs, s, &req, &res, T0 + at_ms, &r), CFM_EOK);
  v = r.verdict;
  cfm_passive_result_release(&r);
  return v;
}

/* Creates group id (its answer at T0 + at_ms + 1) in the account of url. */
static void create_in(cfm_passive_stream *s, double at_ms, const char *url, const char *id) {
  char answer[128];
  snprintf(answer, sizeof(answer), "{\"data\":{\"groupid\":\"%s\"}}", id);
  cr_assert_eq(at(s, at_ms, 1, "POST", url, "{\"public\":true,\"owner\":\"u1\"}", answer),
               CFM_VERDICT_PASS);
}

static void create(cfm_passive_stream *s, double at_ms, const char *id) {
  create_in(s, at_ms, AGORA, id);
}

static void delete (cfm_passive_stream *s, double at_ms, double took, const char *id) {
  char url[256], answer[128];
  snprintf(url, sizeof(url), AGORA "/%s", id);
  snprintf(answer, sizeof(answer), "{\"data\":{\"success\":true,\"groupid\":\"%s\"}}", id);
  cr_assert_eq(at(s, at_ms, took, "DELETE", url, NULL, answer), CFM_VERDICT_PASS);
}

/* A read of group id at T0 + at_ms that finds it. */
static void read_ok(cfm_passive_stream *s, double at_ms, const char *id) {
  char url[256], answer[128];
  snprintf(url, sizeof(url), AGORA "/%s", id);
  snprintf(answer, sizeof(answer), "{\"data\":[{\"id\":\"%s\"}]}", id);
  cr_assert_eq(at(s, at_ms, 1, "GET", url, NULL, answer), CFM_VERDICT_PASS);
}

/* A two-page walk from T0 + from ms: the first page (two ids), then the
 * last (the rest, no cursor). */
static void walk(cfm_passive_stream *s, double from, const char *first, const char *last) {
  char answer[256];
  snprintf(answer, sizeof(answer), "{\"data\":[%s],\"cursor\":\"c1\"}", first);
  cr_assert_eq(at(s, from, 1, "GET", AGORA "?limit=2", NULL, answer), CFM_VERDICT_PASS);
  snprintf(answer, sizeof(answer), "{\"data\":[%s]}", last);
  cr_assert_eq(at(s, from + 2, 1, "GET", AGORA "?limit=2&cursor=c1", NULL, answer),
               CFM_VERDICT_PASS);
}

typedef struct findings {
  size_t n;
  cfm_verdict v;
  char reason[700];
  size_t entry;
} findings;

static void collect(void *user, const cfm_passive_finding *f) {
  findings *fs = user;
  fs->n++;
  fs->v = f->verdict;
  fs->entry = f->entry;
  snprintf(fs->reason, sizeof(fs->reason), "%s", f->reason);
  cr_assert(f->provenance, "a finding cites the document");
  cr_assert_str_eq(f->op, "list_app_groups");
}

static findings settle(cfm_passive_stream *s, int final) {
  findings fs;
  memset(&fs, 0, sizeof(fs));
  cr_assert_eq(cfm_passive_stream_settle(s, final, collect, &fs), CFM_EOK);
  return fs;
}

#define G(id) "{\"groupid\":\"" id "\"}"

Test(walk, a_complete_walk_must_return_every_group_that_lived_through_it) {
  cfm_passive_stream s;
  findings fs;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  create(&s, 2, "g2");
  create(&s, 4, "g3");
  walk(&s, 10, G("g3") "," G("g2"), "");
  delete (&s, 20, 1, "g1"); /* still there after the walk */
  /* The walk ended a moment ago: requests in flight may still show. */
  fs = settle(&s, 0);
  cr_assert_eq(fs.n, 0);
  fs = settle(&s, 1);
  cr_assert_eq(fs.n, 1);
  cr_assert_eq(fs.v, CFM_VERDICT_FAIL, "%s", fs.reason);
  cr_assert(strstr(fs.reason, "did not return g1,"), "%s", fs.reason);
  cr_assert_eq(fs.entry, 4, "the evidence is the walk's last page");
  cr_assert(strstr(fs.reason, "created at entry 1 "), "%s", fs.reason);
  cr_assert_eq(s.judged_walks, 1);
  /* Judged once. */
  cr_assert_eq(settle(&s, 1).n, 0);
  cfm_passive_stream_release(&s);
}

Test(walk, a_walk_that_returned_every_group_passes) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  create(&s, 2, "g2");
  create(&s, 4, "g3");
  walk(&s, 10, G("g3") "," G("g2"), G("g1"));
  cr_assert_eq(settle(&s, 1).n, 0);
  cr_assert_eq(s.judged_walks, 1);
  cfm_passive_stream_release(&s);
}

/* A group no exchange after the walk shows alive is not held to it:
 * another client may have deleted it unseen.  A later error answer naming
 * it does not show it alive; a success does. */
Test(walk, a_group_not_seen_alive_after_the_walk_is_not_held_to_it) {
  cfm_passive_stream s;
  cfm_http_request req;
  cfm_http_response res;
  cfm_passive_result r;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  walk(&s, 10, "", "");
  cr_assert_eq(settle(&s, 1).n, 0);
  walk(&s, 30, "", "");
  exchange(&req, &res, "GET", AGORA "/g1", NULL,
           "{\"error\":\"resource_not_found\",\"exception\":\"x\","
           "\"error_description\":\"group g1 not found\"}",
           1);
  res.status = 404;
  cr_assert_eq(cfm_passive_judge_at(&specs, &s, &req, &res, T0 + 40, &r), CFM_EOK);
  cfm_passive_result_release(&r);
  cr_assert_eq(settle(&s, 1).n, 0, "an error answer does not show it alive");
  walk(&s, 50, "", "");
  cr_assert_eq(at(&s, 60, 1, "GET", AGORA "/g1", NULL, "{\"data\":[{\"id\":\"g1\"}]}"),
               CFM_VERDICT_PASS);
  cr_assert_eq(settle(&s, 1).n, 1, "a success after the walk does");
  cr_assert_eq(s.judged_walks, 3);
  cfm_passive_stream_release(&s);
}

/* Only groups that existed through the whole walk: created before it
 * began, no deletion started before it ended (answered later or not). */
Test(walk, groups_created_or_deleted_while_it_ran_may_be_missing) {
  cfm_passive_stream s;
  cfm_http_request req;
  cfm_http_response res;
  cfm_passive_result r;
  findings fs;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  create(&s, 2, "g2");
  create(&s, 4, "g3");
  create(&s, 6, "g4");
  create(&s, 9.5, "g5"); /* answered at 10.5: after the walk began at 10 */
  create(&s, 7, "g6");
  walk(&s, 10, G("g1"), "");
  delete (&s, 11, 30, "g2"); /* started during the walk, answered long after */
  delete (&s, 1, 1, "g3");   /* deleted before */
  delete (&s, 20, 1, "g4");  /* deleted after the walk ended (13) */
  read_ok(&s, 25, "g5");
  /* A deletion started during the walk that failed, then the group read
   * back: the id may name a group made again since; not held to it. */
  exchange(&req, &res, "DELETE", AGORA "/g6", NULL, "{\"error\":\"internal\"}", 1);
  res.status = 500;
  cr_assert_eq(cfm_passive_judge_at(&specs, &s, &req, &res, T0 + 12, &r), CFM_EOK);
  cfm_passive_result_release(&r);
  read_ok(&s, 26, "g6");
  fs = settle(&s, 1);
  cr_assert_eq(fs.n, 1);
  cr_assert(strstr(fs.reason, "did not return g4,"), "%s", fs.reason);
  cr_assert_null(strstr(fs.reason, "more)"), "%s", fs.reason);
  cfm_passive_stream_release(&s);
}

/* A walk the stream did not see whole, or without times, is not held to it. */
Test(walk, an_incomplete_or_untimed_walk_is_not_judged) {
  cfm_passive_stream s;
  cfm_passive_result r;
  cfm_http_request req;
  cfm_http_response res;
  const char *last = "{\"data\":[]}";
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  /* Begins with a cursor another stream was handed. */
  cr_assert_eq(at(&s, 10, 1, "GET", AGORA "?limit=2&cursor=c9", NULL, last), CFM_VERDICT_PASS);
  /* Ends with a cursor nobody followed. */
  cr_assert_eq(at(&s, 12, 1, "GET", AGORA "?limit=2", NULL, "{\"data\":[],\"cursor\":\"c5\"}"),
               CFM_VERDICT_PASS);
  /* No times (a recording without startedDateTime). */
  exchange(&req, &res, "GET", AGORA "?limit=2", NULL, last, 1);
  cr_assert_eq(cfm_passive_judge(&specs, &s, &req, &res, &r), CFM_EOK);
  cfm_passive_result_release(&r);
  cr_assert_eq(settle(&s, 1).n, 0);
  cr_assert_eq(s.judged_walks, 0);
  cfm_passive_stream_release(&s);
}

/* A deletion the stream could not judge (an unusable HAR entry, an
 * exchange the proxy dropped) before the walk ended: warn, not fail.
 * Other unjudged exchanges, and gaps after the walk, change nothing. */
Test(walk, a_deletion_the_stream_could_not_judge_makes_it_warn) {
  static const struct {
    const char *method, *url;
    double at;
    cfm_verdict want;
  } gaps[] = {
      {"DELETE", AGORA "/g9", 5, CFM_VERDICT_WARN},
      {NULL, NULL, 0, CFM_VERDICT_WARN}, /* unknown request at an unknown time */
      {"GET", AGORA "/g9", 5, CFM_VERDICT_FAIL},
      {"DELETE", AGORA "/g9", 50, CFM_VERDICT_FAIL}, /* after the walk */
      {"DELETE", AGORA "/g9", -5, CFM_VERDICT_FAIL}, /* before the group was made */
      {"GET", "http://elsewhere/x", 5, CFM_VERDICT_FAIL},
  };
  size_t i;
  for (i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
    cfm_passive_stream s;
    findings fs;
    cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
    create(&s, 0, "g1");
    cfm_passive_stream_gap(&specs, &s, gaps[i].method, gaps[i].url,
                           gaps[i].at ? T0 + gaps[i].at : 0);
    walk(&s, 10, "", "");
    delete (&s, 60, 1, "g1");
    fs = settle(&s, 1);
    cr_assert_eq(fs.n, 1, "gap %zu", i);
    cr_assert_eq(fs.v, gaps[i].want, "gap %zu: %s", i, fs.reason);
    cfm_passive_stream_release(&s);
  }
}

/* Groups of another account (another org/app path) are not the walk's. */
Test(walk, another_account_s_groups_are_not_held_to_the_walk) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create_in(&s, 0, "http://127.0.0.1:1/app-id/other/chatgroups", "g1");
  walk(&s, 10, "", "");
  delete (&s, 20, 1, "g1");
  cr_assert_eq(settle(&s, 1).n, 0);
  cr_assert_eq(s.judged_walks, 1);
  cfm_passive_stream_release(&s);
}

/* Walks that ended CFM_PASSIVE_SETTLE_MS before the latest exchange are
 * judged without waiting for the end (a proxy's long stream). */
Test(walk, an_old_walk_is_judged_before_the_stream_ends) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  walk(&s, 10, "", "");
  delete (&s, 20 + CFM_PASSIVE_SETTLE_MS, 1, "g1");
  cr_assert_eq(settle(&s, 0).n, 1);
  cr_assert_eq(s.judged_walks, 1);
  cfm_passive_stream_release(&s);
}

/* startedDateTime to its resolution, "time", offsets; absent ones unknown. */
Test(walk, har_times_are_read_to_their_resolution) {
  static const struct {
    const char *started, *time;
    double ms, res, took;
  } rows[] = {
      {"2026-12-02T05:21:40.296123Z", "2.5", 1796188900296.123, 0.001, 2.5},
      {"2026-12-02T05:21:40.296Z", "3", 1796188900296.0, 1, 3},
      {"2026-12-02T05:21:40Z", "-1", 1796188900000.0, 1000, -1},
      {"2026-12-02T06:21:40.5+01:00", "\"x\"", 1796188900500.0, 100, -1},
  };
  size_t i;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char text[512];
    cfm_har h;
    cfm_error_t err;
    snprintf(text, sizeof(text),
             "{\"log\":{\"entries\":[{\"startedDateTime\":\"%s\",\"time\":%s,\"request\":{"
             "\"method\":\"GET\",\"url\":\"http://h/x\"},\"response\":{\"status\":200}}]}}",
             rows[i].started, rows[i].time);
    cfm_error_init(&err);
    cr_assert_eq(cfm_har_parse("t.har", text, strlen(text), &h, &err), CFM_EOK, "%s", err.text);
    cr_assert_float_eq(h.entries[0].started_ms, rows[i].ms, 1e-3, "row %zu: %f", i,
                       h.entries[0].started_ms);
    cr_assert_float_eq(h.entries[0].started_res, rows[i].res, 1e-9, "row %zu", i);
    cr_assert_float_eq(h.entries[0].time_ms, rows[i].took, 1e-9, "row %zu", i);
    cfm_har_release(&h);
  }
}

/* The writer keeps the start to the microsecond and the whole time. */
Test(walk, the_har_writer_keeps_microseconds) {
  char path[] = "/tmp/cfm-walk-XXXXXX";
  cfm_har_writer *w;
  cfm_har h;
  cfm_error_t err;
  cfm_http_request req;
  cfm_http_response res;
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  close(fd);
  exchange(&req, &res, "GET", AGORA, NULL, "{}", 1.25);
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_writer_open(path, NULL, &w, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_har_writer_add(w, &req, &res), CFM_EOK);
  cr_assert_eq(cfm_har_writer_close(w), CFM_EOK);
  cr_assert_eq(cfm_har_load(path, &h, &err), CFM_EOK, "%s", err.text);
  unlink(path);
  cr_assert_eq(h.count, 1);
  cr_assert_float_eq(h.entries[0].started_res, 0.001, 1e-9);
  cr_assert_float_eq(h.entries[0].time_ms, 1.25, 1e-6);
  cfm_har_release(&h);
}

/* A HAR entry at 05:21:40.<ms>Z that took 1 ms. */
#define HAR_ENTRY(ms, method, url, req, status, answer)                                            \
  "{\"startedDateTime\":\"2026-12-02T05:21:40." ms                                                 \
  "Z\",\"time\":1,\"request\":{\"method\":\"" method "\",\"url\":\"" url                           \
  "\",\"headers\":[{\"name\":\"Authorization\",\"value\":\"Bearer "                                \
  "t\"}],\"postData\":{\"mimeType\":\"application/json\",\"text\":\"" req "\"}},"                  \
  "\"response\":{\"status\":" status ",\"content\":{\"mimeType\":\"application/json\","            \
  "\"text\":\"" answer "\"}}}"
#define HAR_CREATE                                                                                 \
  HAR_ENTRY("100", "POST", AGORA, "{\\\"public\\\":true,\\\"owner\\\":\\\"u1\\\"}", "200",         \
            "{\\\"data\\\":{\\\"groupid\\\":\\\"g1\\\"}}")
#define HAR_WALK HAR_ENTRY("200", "GET", AGORA "?limit=2", "", "200", "{\\\"data\\\":[]}")
#define HAR_DELETE                                                                                 \
  HAR_ENTRY("300", "DELETE", AGORA "/g1", "", "200",                                               \
            "{\\\"data\\\":{\\\"success\\\":true,\\\"groupid\\\":\\\"g1\\\"}}")

/* conform check judges the end of each file's stream: exit 1 for a walk
 * that skipped a group, 0 (a warn) when an entry it could not judge may
 * have deleted it. */
Test(walk, check_reports_a_walk_that_skipped_a_group, .timeout = 60) {
  static const char *const hars[] = {
      "{\"log\":{\"entries\":[" HAR_CREATE "," HAR_WALK "," HAR_DELETE "]}}",
      "{\"log\":{\"entries\":[" HAR_CREATE ",{\"startedDateTime\":\"2026-12-02T05:21:40.150Z\","
      "\"request\":{\"method\":\"DELETE\",\"url\":\"" AGORA "/g1\"}}," HAR_WALK "," HAR_DELETE
      "]}}",
  };
  char dir[] = "/tmp/cfm-walk-XXXXXX", path[300], out[8192];
  FILE *f;
  cr_assert_not_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/a.har", dir);
  cr_assert_not_null(f = fopen(path, "w"));
  fputs(hars[0], f);
  fclose(f);
  snprintf(path, sizeof(path), "%s/b.har", dir);
  cr_assert_not_null(f = fopen(path, "w"));
  fputs(hars[1], f);
  fclose(f);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "cd %s && %s check --reports r a.har 2>&1", dir, CONFORM_BIN), 1,
      "%s", out);
  cr_assert(strstr(out, "1 fail"), "%s", out);
  cr_assert_eq(cfm_th_sh(out, sizeof(out),
                         "grep -c 'list_app_groups.stream.f1.e1' %s/r/latest/report.json", dir),
               0, "the finding's id names the walk's last entry: %s", out);
  cr_assert_eq(
      cfm_th_sh(out, sizeof(out), "cd %s && %s check --no-reports b.har 2>&1", dir, CONFORM_BIN), 0,
      "%s", out);
  cr_assert(strstr(out, "1 warn") || strstr(out, "warn"), "%s", out);
  cfm_th_sh(out, sizeof(out), "rm -rf %s", dir);
}

/* Of two groups missed, one an unjudged deletion may explain: fail, naming
 * the other. */
Test(walk, a_fail_names_a_group_no_unjudged_deletion_explains) {
  cfm_passive_stream s;
  findings fs;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  cfm_passive_stream_gap(&specs, &s, "DELETE", AGORA "/g1", T0 + 5);
  create(&s, 6, "g2");
  walk(&s, 10, "", "");
  delete (&s, 20, 1, "g1");
  delete (&s, 21, 1, "g2");
  fs = settle(&s, 1);
  cr_assert_eq(fs.n, 1);
  cr_assert_eq(fs.v, CFM_VERDICT_FAIL, "%s", fs.reason);
  cr_assert(strstr(fs.reason, "did not return g2 (and 1 more)"), "%s", fs.reason);
  cfm_passive_stream_release(&s);
}

/* A first page asked with an empty cursor begins a walk too. */
Test(walk, an_empty_cursor_asks_for_the_first_page) {
  cfm_passive_stream s;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  create(&s, 0, "g1");
  cr_assert_eq(at(&s, 10, 1, "GET", AGORA "?limit=2&cursor=", NULL, "{\"data\":[]}"),
               CFM_VERDICT_PASS);
  delete (&s, 20, 1, "g1");
  cr_assert_eq(settle(&s, 1).n, 1);
  cfm_passive_stream_release(&s);
}

#define AUTH_HEADER "\"headers\":[{\"name\":\"Authorization\",\"value\":\"Bearer t\"}],"

/* A recording whose entries have a start but no "time" cannot say when
 * the create answered: nothing is held against the walk. */
Test(walk, entries_without_a_time_are_not_ordered) {
  static const char har[] =
      "{\"log\":{\"entries\":["
      "{\"startedDateTime\":\"2026-12-02T05:21:40.100Z\",\"request\":{\"method\":"
      "\"POST\"," AUTH_HEADER "\"url\":\"" AGORA
      "\",\"postData\":{\"text\":\"{\\\"public\\\":true,\\\"owner\\\":\\\"u\\\"}\"}},"
      "\"response\":{\"status\":200,\"content\":{\"mimeType\":\"application/json\",\"text\":"
      "\"{\\\"data\\\":{\\\"groupid\\\":\\\"g1\\\"}}\"}}},"
      "{\"startedDateTime\":\"2026-12-02T05:21:40.200Z\",\"request\":{\"method\":"
      "\"GET\"," AUTH_HEADER "\"url\":\"" AGORA
      "?limit=2\"},\"response\":{\"status\":200,\"content\":{\"mimeType\":"
      "\"application/json\",\"text\":\"{\\\"data\\\":[]}\"}}},"
      "{\"startedDateTime\":\"2026-12-02T05:21:40.300Z\",\"request\":{\"method\":"
      "\"DELETE\"," AUTH_HEADER "\"url\":\"" AGORA
      "/g1\"},\"response\":{\"status\":200,\"content\":{\"mimeType\":"
      "\"application/json\",\"text\":\"{\\\"data\\\":{\\\"success\\\":true}}\"}}}]}}";
  cfm_passive_stream s;
  cfm_har h;
  cfm_error_t err;
  size_t i;
  cfm_error_init(&err);
  cr_assert_eq(cfm_har_parse("t.har", har, sizeof(har) - 1, &h, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(h.count, 3);
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  for (i = 0; i < h.count; i++) {
    cfm_passive_result r;
    cr_assert_eq(cfm_passive_judge_entry(&specs, &s, &h.entries[i], &r), CFM_EOK);
    cfm_passive_result_release(&r);
  }
  cr_assert_eq(settle(&s, 1).n, 0);
  cr_assert_eq(s.judged_walks, 0);
  cfm_passive_stream_release(&s);
  /* The same with times: the walk missed g1. */
  for (i = 0; i < h.count; i++)
    h.entries[i].time_ms = 1;
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  for (i = 0; i < h.count; i++) {
    cfm_passive_result r;
    cr_assert_eq(cfm_passive_judge_entry(&specs, &s, &h.entries[i], &r), CFM_EOK);
    cfm_passive_result_release(&r);
  }
  cr_assert_eq(settle(&s, 1).n, 1);
  cfm_passive_stream_release(&s);
  cfm_har_release(&h);
}

/* Unjudged deletions are kept as times, not as one span from the first to
 * the last: gaps before a group was made and after the walk ended leave
 * its miss a fail; a span of drops (the proxy's) that covers the walk
 * makes it a warn. */
Test(walk, gaps_are_kept_as_intervals) {
  static const struct {
    double from, to; /* a span when to > from */
    cfm_verdict want;
  } rows[] = {
      {5, 0, CFM_VERDICT_FAIL}, /* with a gap at 50 too, below */
      {8, 20, CFM_VERDICT_WARN},
      {0, 0, CFM_VERDICT_WARN}, /* at an unknown time */
  };
  size_t i;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    cfm_passive_stream s;
    findings fs;
    cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
    create(&s, 6, "g2");
    if (rows[i].to > rows[i].from)
      cfm_passive_stream_gap_span(&s, T0 + rows[i].from, T0 + rows[i].to);
    else
      cfm_passive_stream_gap(&specs, &s, NULL, NULL, rows[i].from ? T0 + rows[i].from : 0);
    cfm_passive_stream_gap(&specs, &s, NULL, NULL, T0 + 50);
    walk(&s, 10, "", "");
    delete (&s, 60, 1, "g2");
    fs = settle(&s, 1);
    cr_assert_eq(fs.n, 1, "row %zu", i);
    cr_assert_eq(fs.v, rows[i].want, "row %zu: %s", i, fs.reason);
    cfm_passive_stream_release(&s);
  }
}

/* More gaps than the stream keeps: the nearest are joined, so every gap
 * given still lies in an interval, and the count stays bounded. */
Test(walk, many_gaps_stay_bounded_and_covered) {
  cfm_passive_stream s;
  size_t i, k;
  double t[500];
  cr_assert_eq(cfm_passive_stream_init(&s), CFM_EOK);
  for (i = 0; i < 500; i++) {
    t[i] = T0 + (double)((i * 7919) % 500) * 10.0 + (double)(i % 3);
    cfm_passive_stream_gap(&specs, &s, NULL, NULL, t[i]);
    cr_assert_lt(s.ngaps, CFM_PASSIVE_GAPS);
  }
  for (i = 0; i < s.ngaps; i++) {
    cr_assert_leq(s.gaps[i][0], s.gaps[i][1]);
    if (i)
      cr_assert_lt(s.gaps[i - 1][1], s.gaps[i][0], "in time order, apart");
  }
  for (i = 0; i < 500; i++) {
    int in = 0;
    for (k = 0; k < s.ngaps; k++)
      in |= s.gaps[k][0] <= t[i] && t[i] <= s.gaps[k][1];
    cr_assert(in, "gap %zu (%f) is in no interval", i, t[i]);
  }
  cr_assert_eq(s.gap_unknown, 0);
  cfm_passive_stream_release(&s);
}
