/* The mock's Agora Chat simulation over real loopback HTTP: every seed
 * operation (seed 002) and the add-members fixture, every documented error
 * row, paging, auth, throttling and each agora-* fault's effect. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "helper_http.h"

#define APP "/app-id/conform-demo-app/chatgroups"
#define HDRS                                                                                       \
  "Authorization: Bearer conform-demo-app-token\nContent-Type: application/json\nAccept: "         \
  "application/json"

static cfm_mock *mk;
static char base[64];

static void start_with(const char *fault, int rate_limits) {
  const char *faults[2] = {fault, NULL};
  cfm_mock_config cfg;
  char err[256];
  cfm_mock_config_init(&cfg);
  cfg.enforce_rate_limits = rate_limits;
  mk = cfm_th_mock_start(&cfg, fault ? faults : NULL, base, sizeof(base), err, sizeof(err));
  cr_assert_not_null(mk, "%s", err);
}
static void up(void) {
  start_with(NULL, 0);
}
static void down(void) {
  cfm_mock_stop(mk);
  mk = NULL;
}

/* A request with the demo token; body is JSON text or NULL. */
static void req(cfm_th_resp *r, const char *method, const char *path, const char *body) {
  cr_assert_eq(cfm_th_request(NULL, base, method, path, HDRS, body, body ? strlen(body) : 0, r), 0,
               "%s %s: curl %d", method, path, r->curl_code);
}

/* Asserts the vendor's error shape, status, type and message part. */
static void expect_err(const cfm_th_resp *r, long status, const char *type, const char *msg) {
  cr_assert_eq(r->status, status, "want %ld got %ld: %s", status, r->status, r->body);
  cr_assert(json_is_object(r->json), "error body is JSON: %s", r->body);
  cr_assert_str_eq(cfm_th_str(r, "/error"), type, "%s", r->body);
  cr_assert(json_is_string(json_object_get(r->json, "exception")), "%s", r->body);
  cr_assert(json_is_integer(json_object_get(r->json, "timestamp")), "%s", r->body);
  cr_assert(json_is_integer(json_object_get(r->json, "duration")), "%s", r->body);
  if (msg)
    cr_assert(strstr(cfm_th_str(r, "/error_description"), msg) != NULL, "want '%s' in %s", msg,
              r->body);
}

/* Sends a request and asserts the vendor's error answer (expect_err). */
static void refused(const char *method, const char *path, const char *body, long status,
                    const char *type, const char *msg) {
  cfm_th_resp r;
  req(&r, method, path, body);
  expect_err(&r, status, type, msg);
  cfm_th_resp_free(&r);
}

/* Creates a group from body; returns its id (static storage per call site
 * is avoided: copied into out). */
static void create(const char *body, char *out, size_t cap) {
  cfm_th_resp r;
  req(&r, "POST", APP, body);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(cfm_th_str(&r, "/data/groupid")[0], "%s", r.body);
  snprintf(out, cap, "%s", cfm_th_str(&r, "/data/groupid"));
  cfm_th_resp_free(&r);
}

static void create_simple(char *out, size_t cap) {
  create("{\"groupname\":\"g\",\"public\":false,\"owner\":\"conform-owner\","
         "\"members\":[\"conform-user-1\"],\"allowinvites\":true}",
         out, cap);
}

static void group_path(char *out, size_t cap, const char *id, const char *suffix) {
  snprintf(out, cap, APP "/%s%s", id, suffix ? suffix : "");
}

/* ---- create ------------------------------------------------------------ */

Test(mock_agora, create_success_envelope, .init = up, .fini = down) {
  cfm_th_resp r;
  req(&r, "POST", APP,
      "{\"groupname\":\"testgroup\",\"avatar\":\"https://example.com/a\",\"description\":\"d\","
      "\"public\":true,\"maxusers\":300,\"owner\":\"conform-owner\",\"members\":[\"conform-user-"
      "2\"],"
      "\"custom\":\"x\",\"membersonly\":true,\"invite_need_confirm\":false}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/action"), "post");
  cr_assert(json_is_string(cfm_json_pointer(r.json, "/data/groupid")));
  cr_assert(json_is_array(json_object_get(r.json, "entities")));
  cr_assert(json_is_integer(json_object_get(r.json, "timestamp")));
  cr_assert(json_is_integer(json_object_get(r.json, "duration")));
  cr_assert(strstr(cfm_th_str(&r, "/uri"), "/chatgroups") != NULL);
  cr_assert_str_eq(r.content_type, "application/json");
  cfm_th_resp_free(&r);
}

Test(mock_agora, create_required_fields, .init = up, .fini = down) {
  refused("POST", APP, "{\"groupname\":\"g\",\"owner\":\"conform-owner\"}", 400,
          "invalid_parameter", "group must contain public field!");
  refused("POST", APP, "{\"groupname\":\"g\",\"public\":true}", 400, "invalid_parameter",
          "owner must be provided");
}

static void string_of(char *out, const char *unit, size_t n) {
  size_t i, ul = strlen(unit);
  for (i = 0; i < n; i++)
    memcpy(out + i * ul, unit, ul);
  out[n * ul] = '\0';
}

/* field at exactly max characters passes, max + 1 is refused. */
static void check_limit(const char *field, const char *unit, size_t max, const char *msg) {
  static char val[4 * 9000], body[4 * 9000 + 256];
  cfm_th_resp r;
  string_of(val, unit, max);
  snprintf(body, sizeof(body), "{\"%s\":\"%s\",\"public\":false,\"owner\":\"conform-owner\"}",
           field, val);
  req(&r, "POST", APP, body);
  cr_assert_eq(r.status, 200, "%s of %zu accepted: %s", field, max, r.body);
  cfm_th_resp_free(&r);
  string_of(val, unit, max + 1);
  snprintf(body, sizeof(body), "{\"%s\":\"%s\",\"public\":false,\"owner\":\"conform-owner\"}",
           field, val);
  refused("POST", APP, body, 400, "invalid_parameter", msg);
}

Test(mock_agora, create_field_limits, .init = up, .fini = down) {
  check_limit("groupname", "n", 128, "groupname length is too big");
  check_limit("groupname", "\xe7\xbe\xa4", 128, "groupname"); /* characters, not bytes */
  check_limit("avatar", "a", 1024, "avatar length is too big");
  check_limit("description", "d", 512, "description");
  check_limit("custom", "c", 8192, "custom");
}

Test(mock_agora, create_members_and_maxusers, .init = up, .fini = down) {
  cfm_th_resp r;
  refused("POST", APP,
          "{\"public\":false,\"owner\":\"conform-owner\",\"maxusers\":3,"
          "\"members\":[\"conform-user-1\",\"conform-user-2\",\"conform-user-3\"]}",
          403, "exceed_limit", "members size is greater than max user size");
  req(&r, "POST", APP,
      "{\"public\":false,\"owner\":\"conform-owner\",\"maxusers\":3,"
      "\"members\":[\"conform-user-1\",\"conform-user-2\"]}");
  cr_assert_eq(r.status, 200, "owner + 2 members fit maxusers 3: %s", r.body);
  cfm_th_resp_free(&r);
  refused("POST", APP,
          "{\"public\":false,\"owner\":\"conform-owner\",\"members\":[\"nobody-here\"]}", 404,
          "resource_not_found", "username nobody-here doesn't exist!");
  refused("POST", APP, "{\"public\":false,\"owner\":\"ghost-owner\"}", 404, "resource_not_found",
          "doesn't exist!");
}

Test(mock_agora, create_wrong_types_and_bad_json, .init = up, .fini = down) {
  refused("POST", APP, "{\"public\":\"yes\",\"owner\":\"conform-owner\"}", 400, "invalid_parameter",
          "public");
  refused("POST", APP, "{\"public\":true,\"owner\":\"conform-owner\",\"maxusers\":\"9\"}", 400,
          "invalid_parameter", "maxusers");
  refused("POST", APP, "{\"public\":", 400, "invalid_parameter", NULL);
  refused("POST", APP, "[1,2]", 400, "invalid_parameter", NULL);
}

Test(mock_agora, public_create_forces_allowinvites_false, .init = up, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  create("{\"public\":true,\"allowinvites\":true,\"owner\":\"conform-owner\"}", id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_false(cfm_json_pointer(r.json, "/data/0/allowinvites")), "%s", r.body);
  cfm_th_resp_free(&r);
  /* A private group keeps it; modify may switch it on for a public one. */
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/0/allowinvites")), "%s", r.body);
  cfm_th_resp_free(&r);
}

/* ---- auth -------------------------------------------------------------- */

Test(mock_agora, every_operation_needs_the_token, .init = up, .fini = down) {
  static const char *const auths[] = {NULL, "Authorization: Bearer wrong",
                                      "Authorization: conform-demo-app-token",
                                      "Authorization: Basic conform-demo-app-token"};
  static const struct {
    const char *method, *suffix;
  } ops[] = {{"POST", ""},
             {"GET", ""},
             {"GET", "/G"},
             {"PUT", "/G"},
             {"DELETE", "/G"},
             {"POST", "/G/disable"},
             {"POST", "/G/enable"},
             {"GET", "/user/conform-owner"},
             {"GET", "/G/user/conform-owner/is_joined"},
             {"POST", "/G/users"}};
  char id[64], path[256], suffix[128];
  size_t a, o;
  create_simple(id, sizeof(id));
  for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
    const char *g = strstr(ops[o].suffix, "G");
    if (g)
      snprintf(suffix, sizeof(suffix), "%.*s%s%s", (int)(g - ops[o].suffix), ops[o].suffix, id,
               g + 1);
    else
      snprintf(suffix, sizeof(suffix), "%s", ops[o].suffix);
    snprintf(path, sizeof(path), APP "%s", suffix);
    for (a = 0; a < sizeof(auths) / sizeof(auths[0]); a++) {
      cfm_th_resp r;
      char hdr[256];
      snprintf(hdr, sizeof(hdr), "Content-Type: application/json%s%s", auths[a] ? "\n" : "",
               auths[a] ? auths[a] : "");
      cr_assert_eq(cfm_th_request(NULL, base, ops[o].method, path, hdr, "{}", 2, &r), 0);
      expect_err(&r, 401, "unauthorized", "Unable to authenticate (OAuth)");
      cfm_th_resp_free(&r);
    }
  }
  /* None of those calls changed anything. */
  {
    cfm_th_resp r;
    group_path(path, sizeof(path), id, NULL);
    req(&r, "GET", path, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(json_is_false(cfm_json_pointer(r.json, "/data/0/disabled")));
    cfm_th_resp_free(&r);
  }
}

/* ---- disable / enable ---------------------------------------------------- */

Test(mock_agora, disable_enable_round_trip, .init = up, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, "/disable");
  req(&r, "POST", path, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/disabled")));
  cr_assert_str_eq(cfm_th_str(&r, "/action"), "post");
  cfm_th_resp_free(&r);
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/0/disabled")), "%s", r.body);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-user-1", NULL);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/entities/0/disabled")), "%s", r.body);
  cfm_th_resp_free(&r);
  /* The app admin's calls still work on a disabled group. */
  req(&r, "PUT", path, "{\"description\":\"still mine\"}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
  group_path(path, sizeof(path), id, "/enable");
  req(&r, "POST", path, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_false(cfm_json_pointer(r.json, "/data/disabled")));
  cfm_th_resp_free(&r);
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_false(cfm_json_pointer(r.json, "/data/0/disabled")), "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/data/0/description"), "still mine");
  cfm_th_resp_free(&r);
}

Test(mock_agora, missing_group_rows, .init = up, .fini = down) {
  static const struct {
    const char *method, *suffix;
  } ops[] = {{"POST", "/disable"}, {"POST", "/enable"}, {"PUT", ""}, {"DELETE", ""}, {"GET", ""}};
  size_t i;
  for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    char path[256];
    cfm_th_resp r;
    group_path(path, sizeof(path), "999999999", ops[i].suffix);
    req(&r, ops[i].method, path, strcmp(ops[i].method, "PUT") ? NULL : "{\"groupname\":\"x\"}");
    expect_err(&r, 404, "resource_not_found", "grpID 999999999 does not exist!");
    cfm_th_resp_free(&r);
  }
}

/* ---- modify ------------------------------------------------------------ */

Test(mock_agora, modify_all_documented_fields, .init = up, .fini = down) {
  static const char *const fields[] = {
      "groupname",           "avatar", "description", "maxusers", "membersonly", "allowinvites",
      "invite_need_confirm", "custom", "public"};
  char id[64], path[256];
  cfm_th_resp r;
  size_t i;
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "PUT", path,
      "{\"groupname\":\"renamed\",\"avatar\":\"https://example.com/b\",\"description\":\"nd\","
      "\"maxusers\":1500,\"membersonly\":true,\"allowinvites\":false,\"invite_need_confirm\":true,"
      "\"custom\":\"abc\",\"public\":true}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/action"), "put");
  for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
    cr_assert(json_is_true(json_object_get(json_object_get(r.json, "data"), fields[i])), "%s: %s",
              fields[i], r.body);
  cfm_th_resp_free(&r);
  req(&r, "GET", path, NULL);
  cr_assert_str_eq(cfm_th_str(&r, "/data/0/name"), "renamed");
  cr_assert_str_eq(cfm_th_str(&r, "/data/0/custom"), "abc");
  cr_assert_eq(json_integer_value(cfm_json_pointer(r.json, "/data/0/maxusers")), 1500);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/0/public")));
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/0/membersonly")));
  cfm_th_resp_free(&r);
}

Test(mock_agora, modify_refuses_unsupported_and_checks_limits, .init = up, .fini = down) {
  char id[64], path[256], body[512];
  cfm_th_resp r;
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  refused("PUT", path, "{\"groupid\":\"123\"}", 400, "invalid_parameter",
          "some of [groupid] are not valid fields");
  refused("PUT", path, "{\"owner\":\"conform-user-3\",\"groupname\":\"x\"}", 400,
          "invalid_parameter", "are not valid fields");
  memset(body, 0, sizeof(body));
  strcpy(body, "{\"groupname\":\"");
  memset(body + strlen(body), 'n', 129);
  strcat(body, "\"}");
  refused("PUT", path, body, 400, "invalid_parameter", "groupname");
  /* Nothing changed. */
  req(&r, "GET", path, NULL);
  cr_assert_str_eq(cfm_th_str(&r, "/data/0/name"), "g");
  cfm_th_resp_free(&r);
}

/* ---- app groups, cursor paging ------------------------------------------ */

/* Walks all pages with limit; fills ids (newest first); returns the count. */
static size_t walk(size_t limit, char ids[][32], size_t cap, size_t *pages) {
  char path[512], cursor[128] = "";
  size_t n = 0;
  *pages = 0;
  for (;;) {
    cfm_th_resp r;
    size_t i;
    json_t *v;
    if (cursor[0])
      snprintf(path, sizeof(path), APP "?limit=%zu&cursor=%s", limit, cursor);
    else
      snprintf(path, sizeof(path), APP "?limit=%zu", limit);
    req(&r, "GET", path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_leq(json_array_size(json_object_get(r.json, "data")), limit);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "count")),
                 (json_int_t)json_array_size(json_object_get(r.json, "data")));
    json_array_foreach(json_object_get(r.json, "data"), i, v) {
      cr_assert_lt(n, cap);
      cr_assert_str_eq(json_string_value(json_object_get(v, "type")), "group");
      cr_assert(json_is_integer(json_object_get(v, "affiliations")));
      cr_assert(json_is_string(json_object_get(v, "lastModified")));
      cr_assert(json_is_string(json_object_get(v, "owner")));
      snprintf(ids[n++], 32, "%s", json_string_value(json_object_get(v, "groupid")));
    }
    (*pages)++;
    cr_assert_lt(*pages, 1000, "paging ends");
    if (!json_is_string(json_object_get(r.json, "cursor"))) {
      cfm_th_resp_free(&r);
      break;
    }
    snprintf(cursor, sizeof(cursor), "%s", cfm_th_str(&r, "/cursor"));
    cfm_th_resp_free(&r);
  }
  return n;
}

Test(mock_agora, list_cursor_walk_newest_first, .init = up, .fini = down) {
  char created[25][64], seen[64][32];
  size_t i, pages, n;
  cfm_th_resp r;
  for (i = 0; i < 25; i++)
    create_simple(created[i], sizeof(created[i]));
  n = walk(7, seen, 64, &pages);
  cr_assert_eq(n, 25);
  cr_assert_eq(pages, 4);
  for (i = 0; i < 25; i++)
    cr_assert_str_eq(seen[i], created[24 - i], "newest first, each once");
  /* Defaults: 10 per page. */
  req(&r, "GET", APP, NULL);
  cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 10);
  cr_assert(json_is_string(json_object_get(r.json, "cursor")));
  cfm_th_resp_free(&r);
  /* Above 1000 is served (clamped), not refused. */
  req(&r, "GET", APP "?limit=5000", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 25);
  cfm_th_resp_free(&r);
  refused("GET", APP "?limit=0", NULL, 400, "invalid_parameter", "limit");
  refused("GET", APP "?limit=abc", NULL, 400, "invalid_parameter", "limit");
  refused("GET", APP "?cursor=not-ours", NULL, 400, "invalid_parameter", "cursor");
}

Test(mock_agora, list_limit_clamps_at_1000, .init = up, .fini = down) {
  cfm_th_resp r;
  size_t i;
  for (i = 0; i < 1003; i++) {
    cfm_th_resp c;
    req(&c, "POST", APP, "{\"public\":false,\"owner\":\"conform-owner\"}");
    cr_assert_eq(c.status, 200);
    cfm_th_resp_free(&c);
  }
  req(&r, "GET", APP "?limit=1001", NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1000);
  cr_assert(json_is_string(json_object_get(r.json, "cursor")));
  cfm_th_resp_free(&r);
}

Test(mock_agora, list_cursor_stable_under_changes, .init = up, .fini = down) {
  char created[6][64], path[512], cursor[128], extra[64];
  cfm_th_resp r;
  size_t i;
  for (i = 0; i < 6; i++)
    create_simple(created[i], sizeof(created[i]));
  req(&r, "GET", APP "?limit=2", NULL); /* 5, 4 */
  snprintf(cursor, sizeof(cursor), "%s", cfm_th_str(&r, "/cursor"));
  cfm_th_resp_free(&r);
  create_simple(extra, sizeof(extra)); /* a newer group between pages */
  group_path(path, sizeof(path), created[3], NULL);
  req(&r, "DELETE", path, NULL); /* the next page's first group goes */
  cfm_th_resp_free(&r);
  snprintf(path, sizeof(path), APP "?limit=2&cursor=%s", cursor);
  req(&r, "GET", path, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(cfm_th_str(&r, "/data/0/groupid"), created[2], "%s", r.body);
  cr_assert_str_eq(cfm_th_str(&r, "/data/1/groupid"), created[1], "%s", r.body);
  cfm_th_resp_free(&r);
}

/* ---- a user's groups, page paging ----------------------------------------- */

Test(mock_agora, user_groups_pages_and_clamp, .init = up, .fini = down) {
  char id[64];
  cfm_th_resp r;
  size_t i;
  json_t *e;
  for (i = 0; i < 23; i++)
    create_simple(id, sizeof(id));
  req(&r, "GET", APP "/user/conform-user-1", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), 23);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 5, "default pagesize 5");
  e = cfm_json_pointer(r.json, "/entities/0");
  cr_assert_str_eq(json_string_value(json_object_get(e, "groupId")), id, "newest first");
  cr_assert(json_is_string(json_object_get(e, "name")));
  cr_assert(json_is_string(json_object_get(e, "owner")));
  cr_assert(json_is_boolean(json_object_get(e, "disabled")));
  cr_assert(json_is_boolean(json_object_get(e, "public")));
  cr_assert(json_is_integer(json_object_get(e, "maxusers")));
  cr_assert(json_is_integer(json_object_get(e, "created")));
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-user-1?pagesize=50", NULL);
  cr_assert_eq(r.status, 200, "above 20 is served: %s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 20);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-user-1?pagesize=20&pagenum=1", NULL);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 3);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-user-1?pagesize=5&pagenum=9", NULL);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 0);
  cfm_th_resp_free(&r);
  /* A page number whose offset overflows is just a page past the end. */
  req(&r, "GET", APP "/user/conform-user-1?pagesize=20&pagenum=99999999999999999999", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 0);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-owner?pagesize=1", NULL);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 1, "the owner is in");
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-user-9", NULL);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), 0);
  cfm_th_resp_free(&r);
  refused("GET", APP "/user/conform-user-1?pagesize=0", NULL, 400, "invalid_parameter", "pagesize");
}

/* ---- is_joined --------------------------------------------------------- */

Test(mock_agora, is_joined, .init = up, .fini = down) {
  char id[64], path[256];
  static const struct {
    const char *user;
    int joined;
  } rows[] = {{"conform-owner", 1}, {"conform-user-1", 1}, {"conform-user-2", 0}};
  size_t i;
  create_simple(id, sizeof(id));
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    cfm_th_resp r;
    snprintf(path, sizeof(path), APP "/%s/user/%s/is_joined", id, rows[i].user);
    req(&r, "GET", path, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(json_is_boolean(json_object_get(r.json, "data")), "%s", r.body);
    cr_assert_eq(json_is_true(json_object_get(r.json, "data")), rows[i].joined, "%s", rows[i].user);
    cr_assert_str_eq(cfm_th_str(&r, "/action"), "get");
    cfm_th_resp_free(&r);
  }
}

/* ---- details ----------------------------------------------------------- */

Test(mock_agora, details_many_and_missing, .init = up, .fini = down) {
  char a[64], b[64], path[8192];
  cfm_th_resp r;
  json_t *d;
  size_t i;
  create_simple(a, sizeof(a));
  create("{\"public\":true,\"owner\":\"conform-owner\",\"groupname\":\"two\",\"custom\":\"c2\"}", b,
         sizeof(b));
  snprintf(path, sizeof(path), APP "/%s,%s,404404", a, b);
  req(&r, "GET", path, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "count")), 2);
  cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 3);
  d = cfm_json_pointer(r.json, "/data/0");
  cr_assert_str_eq(json_string_value(json_object_get(d, "id")), a);
  cr_assert_eq(json_integer_value(json_object_get(d, "affiliations_count")), 2);
  cr_assert_eq(json_array_size(json_object_get(d, "affiliations")), 2);
  cr_assert(json_is_boolean(json_object_get(d, "mute")));
  cr_assert(json_is_integer(json_object_get(d, "created")));
  cr_assert_str_eq(cfm_th_str(&r, "/data/1/name"), "two");
  cr_assert(strstr(cfm_th_str(&r, "/data/2/error"), "doesn't exist") != NULL, "%s", r.body);
  cfm_th_resp_free(&r);
  /* 100 ids are served, 101 refused. */
  snprintf(path, sizeof(path), APP "/%s", a);
  for (i = 1; i < 100; i++)
    snprintf(path + strlen(path), sizeof(path) - strlen(path), ",%s", a);
  req(&r, "GET", path, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
  snprintf(path + strlen(path), sizeof(path) - strlen(path), ",%s", a);
  refused("GET", path, NULL, 400, "invalid_parameter", "100");
}

/* ---- delete ------------------------------------------------------------ */

Test(mock_agora, delete_then_gone, .init = up, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "DELETE", path, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/success")));
  cr_assert_str_eq(cfm_th_str(&r, "/data/groupid"), id);
  cr_assert_str_eq(cfm_th_str(&r, "/action"), "delete");
  cfm_th_resp_free(&r);
  refused("DELETE", path, NULL, 404, "resource_not_found", "does not exist!");
  refused("GET", path, NULL, 404, "resource_not_found", "does not exist!");
  req(&r, "GET", APP "/user/conform-user-1", NULL);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), 0);
  cfm_th_resp_free(&r);
}

/* ---- add members (fixture) -------------------------------------------------- */

Test(mock_agora, add_members_fixture, .init = up, .fini = down) {
  char id[64], path[256], body[4096];
  cfm_th_resp r;
  size_t i;
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, "/users");
  req(&r, "POST", path, "{\"usernames\":[\"conform-user-5\",\"conform-user-6\"]}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(cfm_json_pointer(r.json, "/data/newmembers")), 2);
  cr_assert_str_eq(cfm_th_str(&r, "/data/action"), "add_member");
  cr_assert_str_eq(cfm_th_str(&r, "/data/groupid"), id);
  cfm_th_resp_free(&r);
  refused("POST", path, "{\"usernames\":[\"conform-user-5\"]}", 403, "forbidden_op", NULL);
  refused("POST", path, "{\"usernames\":[\"stranger\"]}", 404, "resource_not_found",
          "doesn't exist!");
  strcpy(body, "{\"usernames\":[");
  for (i = 0; i < 61; i++)
    snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"conform-user-%zu\"",
             i ? "," : "", 100 + i);
  strcat(body, "]}");
  refused("POST", path, body, 400, "invalid_parameter", NULL);
  snprintf(path, sizeof(path), APP "/%s/user/conform-user-6/is_joined", id);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_true(json_object_get(r.json, "data")));
  cfm_th_resp_free(&r);
}

/* ---- routing, throttling ------------------------------------------------- */

Test(mock_agora, other_app_and_wrong_method, .init = up, .fini = down) {
  cfm_th_resp r;
  req(&r, "GET", "/app-id/someone-else/chatgroups", NULL);
  cr_assert_eq(r.status, 404, "%s", r.body);
  cr_assert(json_is_string(json_object_get(r.json, "error")));
  cfm_th_resp_free(&r);
  req(&r, "PATCH", APP, "{}");
  cr_assert_eq(r.status, 405, "%s", r.body);
  cr_assert(json_is_string(json_object_get(r.json, "error")));
  cfm_th_resp_free(&r);
}

/* The bucket holds one second's worth (50 for this operation) and only
 * refills with time, so the first 50 calls pass whatever the clock does;
 * in-process calls (microseconds each) then empty it long before a refill
 * could keep up.  The 429's shape is checked over HTTP afterwards. */
Test(mock_agora, throttled_with_rate_limits) {
  CURL *c = curl_easy_init();
  int i, first_429 = -1, limited = 0;
  start_with(NULL, 1);
  for (i = 0; i < 100000 && first_429 < 0; i++) {
    int status = 0;
    char *body = NULL;
    size_t len = 0;
    const char *ct;
    cr_assert_eq(cfm_mock_handle(mk, "GET", APP "/user/conform-owner", HDRS "\n", "", 0, &status,
                                 &body, &len, &ct),
                 0);
    cr_assert(status == 200 || status == 429, "call %d: %d %s", i, status, body);
    if (status == 429)
      first_429 = i;
    free(body);
  }
  cr_assert_geq(first_429, 50, "the first 50 calls pass (first 429 at call %d)", first_429);
  for (i = 0; i < 300 && !limited; i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(c, base, "GET", APP "/user/conform-owner", HDRS, NULL, 0, &r), 0);
    if (r.status == 429) {
      expect_err(&r, 429, "reach_limit", "This request has reached api limit");
      cr_assert_str_eq(r.retry_after, "1");
      limited = 1;
    } else {
      cr_assert_eq(r.status, 200);
    }
    cfm_th_resp_free(&r);
  }
  curl_easy_cleanup(c);
  cfm_mock_stop(mk);
  cr_assert(limited, "an emptied bucket answers 429 over HTTP too");
}

Test(mock_agora, not_throttled_by_default, .init = up, .fini = down) {
  CURL *c = curl_easy_init();
  int i;
  for (i = 0; i < 300; i++) {
    cfm_th_resp r;
    cr_assert_eq(cfm_th_request(c, base, "GET", APP "/user/conform-owner", HDRS, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cfm_th_resp_free(&r);
  }
  curl_easy_cleanup(c);
}

/* ---- faults: each agora-* fault breaks its one statement ------------------ */

static const char *const tested_faults[] = {"agora-public-keeps-allowinvites",
                                            "agora-groupname-counts-bytes",
                                            "agora-avatar-off-by-one",
                                            "agora-list-no-clamp",
                                            "agora-pagesize-no-clamp",
                                            "agora-list-unclamped",
                                            "agora-pagesize-unclamped",
                                            "agora-list-duplicates",
                                            "agora-list-drops",
                                            "agora-auth-not-enforced",
                                            "agora-auth-403",
                                            "agora-use-after-delete",
                                            "agora-not-found-type",
                                            "agora-not-found-message",
                                            "agora-create-renames-groupid",
                                            "agora-disabled-not-shown",
                                            "agora-modify-accepts-unsupported",
                                            "agora-members-over-max",
                                            "agora-public-optional",
                                            "agora-is-joined-string",
                                            "agora-groupname-over-limit-stored"};

Test(mock_agora_fault, every_agora_fault_has_a_test_here) {
  const cfm_mock_fault *f;
  size_t n = 0, i;
  for (f = cfm_mock_faults(); f->name; f++) {
    int found = 0;
    if (strcmp(f->vendor, "agora-chat") != 0 || strstr(f->statement, "[fuzz]"))
      continue; /* fuzz-only faults: tests/test_efuzz.c */
    n++;
    cr_assert(strncmp(f->name, "agora-", 6) == 0, "%s", f->name);
    cr_assert(strchr(f->statement, '(') != NULL, "%s cites a section", f->name);
    for (i = 0; i < sizeof(tested_faults) / sizeof(tested_faults[0]); i++)
      found |= strcmp(tested_faults[i], f->name) == 0;
    cr_assert(found, "fault %s has no test in test_mock_agora.c", f->name);
  }
  cr_assert_geq(n, 12);
  cr_assert_eq(n, sizeof(tested_faults) / sizeof(tested_faults[0]));
}

Test(mock_agora_fault, public_keeps_allowinvites, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  start_with("agora-public-keeps-allowinvites", 0);
  create("{\"public\":true,\"allowinvites\":true,\"owner\":\"conform-owner\"}", id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/0/allowinvites")), "%s", r.body);
  cfm_th_resp_free(&r);
}

static long create_status(const char *field, const char *unit, size_t n) {
  static char val[4 * 1100], body[4 * 1100 + 256];
  cfm_th_resp r;
  long st;
  string_of(val, unit, n);
  snprintf(body, sizeof(body), "{\"%s\":\"%s\",\"public\":false,\"owner\":\"conform-owner\"}",
           field, val);
  req(&r, "POST", APP, body);
  st = r.status;
  cfm_th_resp_free(&r);
  return st;
}

Test(mock_agora_fault, groupname_counts_bytes, .fini = down) {
  start_with("agora-groupname-counts-bytes", 0);
  cr_assert_eq(create_status("groupname", "\xe7\xbe\xa4", 128), 400);
  cr_assert_eq(create_status("groupname", "n", 128), 200);
}

Test(mock_agora_fault, groupname_over_limit_stored, .fini = down) {
  start_with("agora-groupname-over-limit-stored", 0);
  cr_assert_eq(create_status("groupname", "n", 129), 200);
  cr_assert_eq(create_status("description", "d", 513), 400);
}

Test(mock_agora_fault, avatar_off_by_one, .fini = down) {
  start_with("agora-avatar-off-by-one", 0);
  cr_assert_eq(create_status("avatar", "a", 1024), 400);
  cr_assert_eq(create_status("avatar", "a", 1023), 200);
}

Test(mock_agora_fault, list_no_clamp, .fini = down) {
  cfm_th_resp r;
  start_with("agora-list-no-clamp", 0);
  req(&r, "GET", APP "?limit=5000", NULL);
  cr_assert_eq(r.status, 400);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "?limit=1000", NULL);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, pagesize_no_clamp, .fini = down) {
  cfm_th_resp r;
  start_with("agora-pagesize-no-clamp", 0);
  req(&r, "GET", APP "/user/conform-owner?pagesize=21", NULL);
  cr_assert_eq(r.status, 400);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP "/user/conform-owner?pagesize=20", NULL);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
}

/* Without the clamp the list answers what a clamping target never would:
 * more than 1000 groups, more than 20 of a user's groups. */
Test(mock_agora_fault, list_unclamped, .fini = down) {
  cfm_th_resp r;
  size_t i;
  start_with("agora-list-unclamped", 0);
  for (i = 0; i < 1002; i++) {
    req(&r, "POST", APP, "{\"public\":false,\"owner\":\"conform-owner\"}");
    cr_assert_eq(r.status, 200);
    cfm_th_resp_free(&r);
  }
  req(&r, "GET", APP "?limit=1001", NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1001);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, pagesize_unclamped, .fini = down) {
  char id[64];
  cfm_th_resp r;
  size_t i;
  start_with("agora-pagesize-unclamped", 0);
  for (i = 0; i < 22; i++)
    create_simple(id, sizeof(id));
  req(&r, "GET", APP "/user/conform-user-1?pagesize=21", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "entities")), 21);
  cfm_th_resp_free(&r);
}

static void walk_with_fault(const char *fault, size_t *n, int *dup) {
  char created[9][64], seen[32][32];
  size_t i, j, pages;
  start_with(fault, 0);
  for (i = 0; i < 9; i++)
    create_simple(created[i], sizeof(created[i]));
  *n = walk(3, seen, 32, &pages);
  *dup = 0;
  for (i = 0; i < *n; i++)
    for (j = i + 1; j < *n; j++)
      *dup |= strcmp(seen[i], seen[j]) == 0;
}

Test(mock_agora_fault, list_duplicates, .fini = down) {
  size_t n;
  int dup;
  walk_with_fault("agora-list-duplicates", &n, &dup);
  cr_assert(dup, "a page repeats a group");
  cr_assert_gt(n, 9);
}

Test(mock_agora_fault, list_drops, .fini = down) {
  size_t n;
  int dup;
  walk_with_fault("agora-list-drops", &n, &dup);
  cr_assert_not(dup);
  cr_assert_lt(n, 9, "a page skips a group");
}

Test(mock_agora_fault, auth_not_enforced, .fini = down) {
  cfm_th_resp r;
  start_with("agora-auth-not-enforced", 0);
  cr_assert_eq(cfm_th_request(NULL, base, "GET", APP, "Authorization: Bearer wrong", NULL, 0, &r),
               0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, auth_403, .fini = down) {
  cfm_th_resp r;
  start_with("agora-auth-403", 0);
  cr_assert_eq(cfm_th_request(NULL, base, "GET", APP, "Authorization: Bearer wrong", NULL, 0, &r),
               0);
  cr_assert_eq(r.status, 403, "%s", r.body);
  cfm_th_resp_free(&r);
  req(&r, "GET", APP, NULL);
  cr_assert_eq(r.status, 200, "the right token still works");
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, use_after_delete, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  start_with("agora-use-after-delete", 0);
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "DELETE", path, NULL);
  cr_assert_eq(r.status, 200);
  cfm_th_resp_free(&r);
  req(&r, "GET", path, NULL);
  cr_assert_eq(r.status, 200, "the deleted group is still served");
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, not_found_type, .fini = down) {
  cfm_th_resp r;
  start_with("agora-not-found-type", 0);
  req(&r, "DELETE", APP "/777", NULL);
  cr_assert_eq(r.status, 404);
  cr_assert_str_neq(cfm_th_str(&r, "/error"), "resource_not_found");
  cr_assert(strstr(cfm_th_str(&r, "/error_description"), "does not exist!") != NULL);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, not_found_message, .fini = down) {
  cfm_th_resp r;
  start_with("agora-not-found-message", 0);
  req(&r, "POST", APP "/777/disable", NULL);
  cr_assert_eq(r.status, 404);
  cr_assert_str_eq(cfm_th_str(&r, "/error"), "resource_not_found");
  cr_assert_null(strstr(cfm_th_str(&r, "/error_description"), "does not exist!"));
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, create_renames_groupid, .fini = down) {
  cfm_th_resp r;
  start_with("agora-create-renames-groupid", 0);
  req(&r, "POST", APP, "{\"public\":false,\"owner\":\"conform-owner\"}");
  cr_assert_eq(r.status, 200);
  cr_assert_null(cfm_json_pointer(r.json, "/data/groupid"), "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, disabled_not_shown, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  start_with("agora-disabled-not-shown", 0);
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, "/disable");
  req(&r, "POST", path, NULL);
  cr_assert(json_is_true(cfm_json_pointer(r.json, "/data/disabled")));
  cfm_th_resp_free(&r);
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert(json_is_false(cfm_json_pointer(r.json, "/data/0/disabled")), "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, modify_accepts_unsupported, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  start_with("agora-modify-accepts-unsupported", 0);
  create_simple(id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "PUT", path, "{\"groupid\":\"123\"}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, members_over_max, .fini = down) {
  cfm_th_resp r;
  start_with("agora-members-over-max", 0);
  req(&r, "POST", APP,
      "{\"public\":false,\"owner\":\"conform-owner\",\"maxusers\":2,"
      "\"members\":[\"conform-user-1\",\"conform-user-2\"]}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, public_optional, .fini = down) {
  cfm_th_resp r;
  start_with("agora-public-optional", 0);
  req(&r, "POST", APP, "{\"owner\":\"conform-owner\"}");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
}

/* ---- where the document is silent: the mock's readings ----------------------- */

Test(mock_agora, members_deduplicated_owner_excluded, .init = up, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  create("{\"public\":false,\"owner\":\"conform-owner\",\"maxusers\":3,\"members\":"
         "[\"conform-user-1\",\"conform-user-1\",\"conform-owner\",\"conform-user-2\"]}",
         id, sizeof(id));
  group_path(path, sizeof(path), id, NULL);
  req(&r, "GET", path, NULL);
  cr_assert_eq(json_integer_value(cfm_json_pointer(r.json, "/data/0/affiliations_count")), 3, "%s",
               r.body);
  cfm_th_resp_free(&r);
  refused("POST", APP,
          "{\"public\":false,\"owner\":\"conform-owner\",\"members\":[\"conform-user-01\"]}", 404,
          "resource_not_found", "conform-user-01");
}

Test(mock_agora, declared_non_json_body_type_refused, .init = up, .fini = down) {
  static const char pub[] = "{\"public\":true,\"owner\":\"conform-owner\"}";
  cfm_th_resp r;
  cr_assert_eq(
      cfm_th_request(NULL, base, "POST", APP,
                     "Authorization: Bearer conform-demo-app-token\nContent-Type: text/plain", pub,
                     strlen(pub), &r),
      0);
  expect_err(&r, 415, "unsupported_media_type", NULL);
  cfm_th_resp_free(&r);
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP,
                              "Authorization: Bearer conform-demo-app-token\n"
                              "Content-Type: application/json; charset=utf-8",
                              pub, strlen(pub), &r),
               0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
  /* No Content-Type at all (curl's form default, as the document's modify
   * example sends): read as JSON. */
  cr_assert_eq(cfm_th_request(NULL, base, "POST", APP,
                              "Authorization: Bearer conform-demo-app-token", pub, strlen(pub), &r),
               0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora_fault, is_joined_string, .fini = down) {
  char id[64], path[256];
  cfm_th_resp r;
  start_with("agora-is-joined-string", 0);
  create_simple(id, sizeof(id));
  snprintf(path, sizeof(path), APP "/%s/user/conform-owner/is_joined", id);
  req(&r, "GET", path, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(cfm_th_str(&r, "/data"), "true", "%s", r.body);
  cfm_th_resp_free(&r);
}

Test(mock_agora, very_long_group_id_is_just_missing, .init = up, .fini = down) {
  static char path[6000];
  memcpy(path, APP "/", strlen(APP "/"));
  memset(path + strlen(APP "/"), '7', 5000);
  path[strlen(APP "/") + 5000] = '\0';
  refused("DELETE", path, NULL, 404, "resource_not_found", "does not exist!");
}
