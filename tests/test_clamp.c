/* Observable clamps (issue 23): a clamp case first fills the list past
 * the clamp, so a target that serves more than the clamp fails it.  The
 * target that does not clamp is the faithful mock behind a loopback proxy
 * that answers a list request above the clamp with two of the mock's
 * pages joined (as an unclamped server would).  Also: which targets are
 * local, and that a non-local target gets skip for the 1,001 creates. */
#include <criterion/criterion.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/buf.h"
#include "conform/jsonutil.h"
#include "conform/mock.h"
#include "conform/runner.h"

#define APP_LIST "agora-chat.list_app_groups.limit.limit.above"
#define USER_LIST "agora-chat.list_user_groups.limit.pagesize.above"

Test(clamp, loopback_urls_are_local) {
  static const struct {
    const char *url;
    int local;
  } t[] = {{"http://127.0.0.1:8080", 1},
           {"http://127.0.0.1", 1},
           {"https://127.9.8.7/v1", 1},
           {"http://localhost:1/x", 1},
           {"http://LOCALHOST", 1},
           {"http://[::1]:9000/", 1},
           {"http://user:pw@127.0.0.1:5/", 1},
           {"http://a.chat.agora.io", 0},
           {"https://127.0.0.1.example.com/", 0},
           {"http://localhost.example.com", 0},
           {"http://10.0.0.1:80", 0},
           {"http://128.0.0.1", 0},
           {"http://127.0.0.256", 0},
           {"http://127.0.0", 0},
           {"http://127.0.0.1.2", 0},
           {"http://[::2]:80", 0},
           {"http://[::1]x", 0},
           {"http://127.0.0.1@evil.example/", 0},
           {"127.0.0.1:80", 0},
           {"", 0},
           {NULL, 0}};
  size_t i;
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    cr_expect_eq(cfm_target_is_local(t[i].url), t[i].local, "%s", t[i].url ? t[i].url : "NULL");
}

/* The clamp case of each list: a set-up step creating clamp_to + 1 items
 * for the listed user, before the request above the clamp. */
Test(clamp, cases_fill_the_list_past_the_clamp) {
  cfm_specset specs;
  cfm_caselist list;
  cfm_error_t err;
  size_t i, seen = 0;
  memset(&specs, 0, sizeof(specs));
  memset(&list, 0, sizeof(list));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_cases_generate(&specs, &list), CFM_EOK);
  for (i = 0; i < list.count; i++) {
    const cfm_case *c = &list.items[i];
    int app = !strcmp(c->id, APP_LIST), user = !strcmp(c->id, USER_LIST);
    json_t *steps, *fill, *last;
    char *text;
    if (!app && !user) {
      cr_expect_eq(c->heavy_setup, 0, "%s", c->id);
      continue;
    }
    seen++;
    steps = cfm_case_steps(c);
    cr_assert_geq(json_array_size(steps), 2, "%s", c->id);
    fill = json_array_get(steps, json_array_size(steps) - 2);
    last = json_array_get(steps, json_array_size(steps) - 1);
    cr_expect_str_eq(cfm_json_str(fill, "op"), "create_group");
    cr_expect(json_is_true(json_object_get(fill, "setup")));
    cr_expect_eq(json_integer_value(json_object_get(fill, "repeat")), app ? 1001 : 21);
    text = json_dumps(json_object_get(fill, "request"), 0);
    cr_expect(text && strstr(text, "${run}") != NULL, "created names carry the run prefix");
    free(text);
    cr_expect_eq(c->heavy_setup, app ? 1001u : 0u, "%s", c->id);
    if (user) /* the list read is the filled user's */
      cr_expect_str_eq(json_string_value(cfm_json_pointer(last, "/request/path/username")),
                       json_string_value(cfm_json_pointer(fill, "/request/body/owner")));
    cr_expect_eq(json_integer_value(cfm_json_pointer(last, "/expect/array_max/max")),
                 app ? 1000 : 20);
    json_decref(steps);
  }
  cr_expect_eq(seen, 2);
  cfm_caselist_release(&list);
  cfm_specset_release(&specs);
}

/* ---- a target that does not clamp: the mock behind a joining proxy ---- */

typedef struct proxy {
  cfm_mock *mock;
  struct MHD_Daemon *d;
} proxy;

typedef struct text {
  cfm_buf b;
  int first;
} text;

static enum MHD_Result put_header(void *cls, enum MHD_ValueKind kind, const char *k,
                                  const char *v) {
  text *t = cls;
  (void)kind;
  if (cfm_buf_add(&t->b, k, strlen(k)) || cfm_buf_add(&t->b, ": ", 2) ||
      cfm_buf_add(&t->b, v ? v : "", v ? strlen(v) : 0) || cfm_buf_add(&t->b, "\n", 1))
    return MHD_NO;
  return MHD_YES;
}

/* Query values the run sends here are ids, numbers and cursors: kept
 * as they are, anything else percent-encoded. */
static enum MHD_Result put_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
  text *t = cls;
  const char *s;
  int bad = cfm_buf_add(&t->b, t->first ? "?" : "&", 1) || cfm_buf_add(&t->b, k, strlen(k)) ||
            cfm_buf_add(&t->b, "=", 1);
  (void)kind;
  t->first = 0;
  for (s = v ? v : ""; *s && !bad; s++) {
    char enc[4];
    if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
        *s == '-' || *s == '_' || *s == '.')
      bad = cfm_buf_add(&t->b, s, 1);
    else
      bad = cfm_buf_add(&t->b, enc,
                        (size_t)snprintf(enc, sizeof(enc), "%%%02X", (unsigned)(unsigned char)*s));
  }
  return bad ? MHD_NO : MHD_YES;
}

/* One GET of the mock; the parsed body (new reference) or NULL. */
static json_t *mock_get(cfm_mock *m, const char *url, const char *headers) {
  int status = 0;
  char *body = NULL;
  size_t len = 0;
  const char *ctype;
  json_t *j;
  cfm_mock_handle(m, "GET", url, headers, "", 0, &status, &body, &len, &ctype);
  j = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
  free(body);
  return j;
}

/* A list above the clamp served unclamped: the mock's page at the clamp
 * joined with the next one, cut to what was asked.  NULL = not such a
 * request. */
static json_t *unclamped(cfm_mock *m, const char *path, const char *headers) {
  const char *lim = strstr(path, "limit="), *ps = strstr(path, "pagesize=");
  char url[1024];
  json_t *a, *b;
  long n;
  if (lim && strstr(path, "/chatgroups?") && (n = strtol(lim + 6, NULL, 10)) > 1000) {
    snprintf(url, sizeof(url), "%.*s?limit=1000", (int)(strchr(path, '?') - path), path);
    a = mock_get(m, url, headers);
    if (a && cfm_json_str(a, "cursor")) {
      snprintf(url, sizeof(url), "%.*s?limit=%ld&cursor=%s", (int)(strchr(path, '?') - path), path,
               n - 1000, cfm_json_str(a, "cursor"));
      b = mock_get(m, url, headers);
      json_array_extend(json_object_get(a, "data"), json_object_get(b, "data"));
      json_object_set_new(a, "count",
                          json_integer((json_int_t)json_array_size(json_object_get(a, "data"))));
      json_object_del(a, "cursor");
      if (cfm_json_str(b, "cursor"))
        json_object_set(a, "cursor", json_object_get(b, "cursor"));
      json_decref(b);
    }
    return a;
  }
  if (ps && strstr(path, "/chatgroups/user/") && (n = strtol(ps + 9, NULL, 10)) > 20) {
    json_t *ents;
    snprintf(url, sizeof(url), "%.*s?pagesize=20&pagenum=0", (int)(strchr(path, '?') - path), path);
    a = mock_get(m, url, headers);
    url[strlen(url) - 1] = '1';
    b = mock_get(m, url, headers);
    ents = json_object_get(a, "entities");
    json_array_extend(ents, json_object_get(b, "entities"));
    while (json_array_size(ents) > (size_t)n)
      json_array_remove(ents, json_array_size(ents) - 1);
    json_decref(b);
    return a;
  }
  return NULL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  proxy *p = cls;
  cfm_buf *body = *state;
  text path, hdrs;
  int status = 500;
  char *out = NULL;
  size_t out_len = 0;
  const char *ctype = "application/json";
  json_t *joined;
  struct MHD_Response *r;
  enum MHD_Result ret;
  (void)version;
  if (!body) {
    if (!(body = calloc(1, sizeof(*body))))
      return MHD_NO;
    cfm_buf_init(body, 1u << 20);
    *state = body;
    return MHD_YES;
  }
  if (*upload_size) {
    if (cfm_buf_add(body, upload, *upload_size))
      return MHD_NO;
    *upload_size = 0;
    return MHD_YES;
  }
  cfm_buf_init(&path.b, 64 * 1024);
  cfm_buf_init(&hdrs.b, 64 * 1024);
  path.first = 1;
  if (cfm_buf_add(&path.b, url, strlen(url)) ||
      MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, put_arg, &path) < 0 ||
      cfm_buf_add(&path.b, "", 1) ||
      MHD_get_connection_values(c, MHD_HEADER_KIND, put_header, &hdrs) < 0 ||
      cfm_buf_add(&hdrs.b, "", 1))
    return MHD_NO;
  joined = strcmp(method, "GET") ? NULL : unclamped(p->mock, path.b.data, hdrs.b.data);
  if (joined) {
    status = 200;
    out = json_dumps(joined, JSON_COMPACT);
    out_len = out ? strlen(out) : 0;
    json_decref(joined);
  } else {
    cfm_mock_handle(p->mock, method, path.b.data, hdrs.b.data, body->data ? body->data : "",
                    body->len, &status, &out, &out_len, &ctype);
  }
  cfm_buf_release(&path.b);
  cfm_buf_release(&hdrs.b);
  r = MHD_create_response_from_buffer(out_len, out ? out : (char *)"",
                                      out ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", ctype);
  ret = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **state,
                 enum MHD_RequestTerminationCode why) {
  cfm_buf *body = *state;
  (void)cls;
  (void)c;
  (void)why;
  if (body) {
    cfm_buf_release(body);
    free(body);
  }
  *state = NULL;
}

/* Starts the unclamping proxy in front of m; returns its port. */
static uint16_t proxy_start(proxy *p, cfm_mock *m) {
  const union MHD_DaemonInfo *info;
  p->mock = m;
  p->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, p,
                          MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                          (unsigned)10, MHD_OPTION_END);
  cr_assert_not_null(p->d);
  info = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_BIND_PORT);
  cr_assert_not_null(info);
  return info->port;
}

/* Runs the two clamp cases against port (local_targets as given); returns
 * the report's cases (id -> {verdict, reason}) and the run's totals. */
static json_t *run_clamps(uint16_t port, int local_targets, cfm_run_result *res) {
  cfm_specset specs;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_error_t err;
  char dir[] = "/tmp/conform-clamp-XXXXXX", path[1024], cmd[1100];
  json_t *rep, *c, *out = json_object();
  size_t i;
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cr_assert_not_null(mkdtemp(dir));
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, port);
  cfg.run_prefix = strdup("cfm-clamptest");
  memset(&opt, 0, sizeof(opt));
  opt.vendor = "agora-chat";
  opt.filter = "agora-chat.list_*.limit.*.above";
  opt.concurrency = 8;
  opt.timeout_ms = 5000;
  opt.reports_dir = dir;
  opt.local_targets = local_targets;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, res, &err), CFM_EOK, "%s", err.text);
  snprintf(path, sizeof(path), "%s/report.json", res->run_dir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep, "%s", path);
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    json_object_set_new(out, json_string_value(json_object_get(c, "id")),
                        json_pack("{s:O, s:O}", "verdict", json_object_get(c, "verdict"), "reason",
                                  json_object_get(c, "reason")));
  }
  json_decref(rep);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  return out;
}

static const char *verdict_of(const json_t *cases, const char *id) {
  const char *v = cfm_json_str(json_object_get(cases, id), "verdict");
  return v ? v : "(missing)";
}

/* The verdicts of the two clamp cases (the reason shown on a miss). */
static void expect_clamps(const json_t *cases, const char *app, const char *user) {
  const char *ids[2] = {APP_LIST, USER_LIST}, *want[2] = {app, user};
  size_t k;
  for (k = 0; k < 2; k++)
    cr_expect_str_eq(verdict_of(cases, ids[k]), want[k], "%s: %s", ids[k],
                     cfm_json_str(json_object_get(cases, ids[k]), "reason"));
}

/* Groups of the app whose name carries the test's run prefix. */
static size_t prefixed_groups(cfm_mock *m) {
  json_t *j = mock_get(m, "/app-id/conform-demo-app/chatgroups?limit=1000",
                       "Authorization: Bearer conform-demo-app-token\nAccept: application/json\n");
  const json_t *g;
  size_t i, n = 0;
  cr_assert_not_null(j);
  json_array_foreach(json_object_get(j, "data"), i, g) {
    const char *name = cfm_json_str(g, "groupname");
    n += name && !strncmp(name, "cfm-clamptest", 13);
  }
  json_decref(j);
  return n;
}

static cfm_mock *mock_up(const char *fault) {
  cfm_mock_config mc;
  cfm_mock *m;
  const char *faults[2] = {fault, NULL};
  char why[256];
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  return m;
}

Test(clamp, a_target_that_does_not_clamp_fails) {
  cfm_mock *m = mock_up(NULL);
  proxy p;
  cfm_run_result res;
  json_t *cases = run_clamps(proxy_start(&p, m), 0, &res);
  expect_clamps(cases, "fail", "fail");
  /* Every created group was deleted by the run. */
  cr_expect_geq(res.cleanup_sent, 1022);
  cr_expect_eq(res.cleanup_failed, 0);
  cr_expect_eq(prefixed_groups(m), 0);
  json_decref(cases);
  MHD_stop_daemon(p.d);
  cfm_mock_stop(m);
}

Test(clamp, the_faithful_mock_passes_and_cleans_up) {
  cfm_mock *m = mock_up(NULL);
  cfm_run_result res;
  json_t *cases = run_clamps(cfm_mock_port(m), 0, &res);
  expect_clamps(cases, "pass", "pass");
  cr_expect_eq(res.cleanup_sent, 1022);
  cr_expect_eq(res.cleanup_failed, 0);
  cr_expect_eq(prefixed_groups(m), 0);
  json_decref(cases);
  cfm_mock_stop(m);
}

/* The mock's clamp faults refuse above the clamp: still a fail. */
Test(clamp, the_mock_clamp_faults_fail) {
  cfm_mock *m = mock_up("agora-list-no-clamp");
  cfm_run_result res;
  json_t *cases = run_clamps(cfm_mock_port(m), 0, &res);
  expect_clamps(cases, "fail", "pass");
  json_decref(cases);
  cfm_mock_stop(m);
  m = mock_up("agora-pagesize-no-clamp");
  cases = run_clamps(cfm_mock_port(m), 0, &res);
  expect_clamps(cases, "pass", "fail");
  json_decref(cases);
  cfm_mock_stop(m);
}

/* A target marked non-local (here a loopback one, by the run option) gets
 * no 1,001 creates: that case is skip with the reason; the 21-group page
 * size clamp still runs. */
Test(clamp, a_live_target_skips_the_heavy_clamp) {
  cfm_mock *m = mock_up(NULL);
  proxy p;
  cfm_run_result res;
  json_t *cases = run_clamps(proxy_start(&p, m), -1, &res);
  const char *why = cfm_json_str(json_object_get(cases, APP_LIST), "reason");
  cr_expect_str_eq(verdict_of(cases, APP_LIST), "skip");
  cr_expect(why && strstr(why, "1001") && strstr(why, "local"), "%s", why ? why : "");
  cr_expect_str_eq(verdict_of(cases, USER_LIST), "fail", "the unclamping proxy still fails it");
  cr_expect_eq(res.cleanup_sent, 21);
  cr_expect_eq(prefixed_groups(m), 0);
  json_decref(cases);
  MHD_stop_daemon(p.d);
  cfm_mock_stop(m);
}

/* A clamp no scenario shows how to fill cannot be made observable: the
 * case is skip ("no value for ..."), not a pass, and sends nothing. */
Test(clamp, an_unfillable_clamp_is_skip) {
  cfm_specset specs;
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_mock *m = mock_up(NULL);
  char dir[] = "/tmp/conform-clamp-XXXXXX", path[1024], cmd[1100];
  json_t *rep, *c;
  size_t i, seen = 0;
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  for (i = 0; i < specs.count; i++)
    json_object_del(specs.items[i]->root, "scenarios");
  cr_assert_not_null(mkdtemp(dir));
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  memset(&opt, 0, sizeof(opt));
  opt.filter = "agora-chat.list_*.limit.*.above";
  opt.reports_dir = dir;
  opt.local_targets = 1;
  cr_assert_eq(cfm_run(&specs, &cfg, &opt, &res, &err), CFM_EOK, "%s", err.text);
  cr_expect_eq(res.requests, 0);
  snprintf(path, sizeof(path), "%s/report.json", res.run_dir);
  rep = json_load_file(path, 0, NULL);
  cr_assert_not_null(rep, "%s", path);
  json_array_foreach(json_object_get(rep, "cases"), i, c) {
    seen++;
    cr_expect_str_eq(cfm_json_str(c, "verdict"), "skip", "%s", cfm_json_str(c, "id"));
    cr_expect(strstr(cfm_json_str(c, "reason"), "no_scenario_fills_this_list") != NULL, "%s",
              cfm_json_str(c, "reason"));
  }
  cr_expect_eq(seen, 2);
  json_decref(rep);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
  cfm_mock_stop(m);
}
