/* conform mock — DingTalk room groups (v1.0), read from seed
 * 003_b567ae6603894095.txt (delete a Room group) with the fixture
 * operations, auth and throttling answers of reference/VENDOR-FACTS.md.
 * Errors: HTTP status + {"code", "requestid", "message"}. */
#include "mock_internal.h"
#include "mock_vendors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"

const cfm_mock_fault cfm__mock_dingtalk_faults[] = {
    {"dingtalk-token-not-checked", "dingtalk-rooms",
     "calls need a valid x-acs-dingtalk-access-token (003 Request headers) — any token works",
     "dingtalk-rooms.*.auth.*"},
    {"dingtalk-unionid-optional", "dingtalk-rooms",
     "unionId is required (003 Query parameters) — deletion works without it",
     "dingtalk-rooms.delete_group.required.unionId dingtalk-rooms.rule.missing_operator_refused"},
    {"dingtalk-non-admin-allowed", "dingtalk-rooms",
     "a non-admin operator answers user.not.admin (003 Error codes) — deletion works",
     "dingtalk-rooms.rule.non_admin_refused"},
    {"dingtalk-subgroup-delete-allowed", "dingtalk-rooms",
     "a group with sub-groups cannot be deleted (003 Path parameters) — it is deleted",
     "dingtalk-rooms.rule.subgroups_block_deletion"},
    {"dingtalk-missing-group-200", "dingtalk-rooms",
     "a missing group answers group.not.found (003 Error codes) — answers result true",
     "dingtalk-rooms.delete_group.not_found.* dingtalk-rooms.rule.deleted_group_not_found"},
    {"dingtalk-result-string", "dingtalk-rooms",
     "result is a Boolean (003 Response body) — sent as the string \"true\"",
     "dingtalk-rooms.delete_group.example.*"},
    {"dingtalk-not-found-404", "dingtalk-rooms",
     "group.not.found comes with HTTP 400 (003 Error codes) — sent with HTTP 404",
     "dingtalk-rooms.delete_group.not_found.* dingtalk-rooms.rule.deleted_group_not_found"},
    {"dingtalk-code-renamed", "dingtalk-rooms",
     "error bodies carry code (VENDOR-FACTS error body) — the field is named errcode",
     "dingtalk-rooms.*.not_found.* dingtalk-rooms.*.auth.*"},
    {"dingtalk-use-after-delete", "dingtalk-rooms",
     "a deleted group is gone (003 Error codes) — deleting it again succeeds",
     "dingtalk-rooms.rule.deleted_group_not_found"},
    /* A fault only generated Unicode reveals (conform fuzz). */
    {"dingtalk-astral-name-cut", "dingtalk-rooms",
     "groupName is stored as sent (003 创建 > 请求 body) — cut at the first character outside "
     "the BMP (an emoji) [fuzz]",
     NULL},
    {NULL, NULL, NULL, NULL}};

typedef struct dgroup {
  long long id;
  long long parent;
  char name[128];
  int deleted;
} dgroup;

/* Access tokens issued by the token endpoint: a ring, the oldest
 * forgotten first (a client holds one token at a time). */
#define ISSUED_MAX 16
typedef struct issued_token {
  char value[48];
  int64_t expires_at;
  unsigned long serial; /* 1 for the first token issued */
} issued_token;

struct dingtalk_state {
  dgroup *items;
  size_t count, cap;
  long long next;
  unsigned long reqid;
  issued_token issued[ISSUED_MAX];
  unsigned long nissued;
  unsigned long rooms_calls;  /* counted for cfg.dingtalk_revoke_after */
  unsigned long revoked_upto; /* tokens of this serial and below are refused */
};

int cfm__mock_dingtalk_init(cfm_mock *m) {
  m->dingtalk = calloc(1, sizeof(*m->dingtalk));
  if (!m->dingtalk)
    return -1;
  m->dingtalk->next = 1001;
  return 0;
}

void cfm__mock_dingtalk_free(cfm_mock *m) {
  if (!m->dingtalk)
    return;
  free(m->dingtalk->items);
  free(m->dingtalk);
  m->dingtalk = NULL;
}

static void derr(cfm_mock *m, mock_resp *resp, int status, const char *code, const char *msg) {
  char rid[48];
  snprintf(rid, sizeof(rid), "conform-%08lx", ++m->dingtalk->reqid);
  cfm__mock_json(resp, status,
                 json_pack("{s:s, s:s, s:s}",
                           cfm__mock_fault(m, "dingtalk-code-renamed") ? "errcode" : "code", code,
                           "requestid", rid, "message", msg));
}

static dgroup *find(cfm_mock *m, long long id) {
  size_t i;
  for (i = 0; i < m->dingtalk->count; i++)
    if (m->dingtalk->items[i].id == id && !m->dingtalk->items[i].deleted)
      return &m->dingtalk->items[i];
  return NULL;
}

static int has_children(cfm_mock *m, long long id) {
  size_t i;
  for (i = 0; i < m->dingtalk->count; i++)
    if (m->dingtalk->items[i].parent == id && !m->dingtalk->items[i].deleted)
      return 1;
  return 0;
}

/* unionId: 0 admin, 1 missing (replied), 2 not admin (replied). */
static int operator_check(cfm_mock *m, const char *union_id, int present, mock_resp *resp,
                          int allow_missing) {
  if (!present || !union_id[0]) {
    if (allow_missing)
      return 0;
    derr(m, resp, 400, "param.error", "Param Error");
    return 1;
  }
  if (strcmp(union_id, m->cfg.dingtalk_admin_union_id) &&
      !cfm__mock_fault(m, "dingtalk-non-admin-allowed")) {
    derr(m, resp, 400, "user.not.admin", "User Not Admin");
    return 2;
  }
  return 0;
}

static int parse_id(const char *s, long long *out) {
  char *end;
  if (!*s)
    return -1;
  *out = strtoll(s, &end, 10);
  return *end || *out <= 0 ? -1 : 0;
}

static void delete_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *idtext) {
  char uid[256];
  int have = cfm__mock_query(r, "unionId", uid, sizeof(uid));
  long long id;
  dgroup *g;
  if (operator_check(m, uid, have, resp, cfm__mock_fault(m, "dingtalk-unionid-optional")))
    return;
  if (parse_id(idtext, &id)) {
    derr(m, resp, 400, "param.error", "Param Error");
    return;
  }
  g = find(m, id);
  if (!g) {
    if (cfm__mock_fault(m, "dingtalk-missing-group-200"))
      cfm__mock_json(resp, 200, json_pack("{s:b}", "result", 1));
    else
      derr(m, resp, cfm__mock_fault(m, "dingtalk-not-found-404") ? 404 : 400, "group.not.found",
           "Group Not Found");
    return;
  }
  if (has_children(m, id) && !cfm__mock_fault(m, "dingtalk-subgroup-delete-allowed")) {
    /* The page names no code for this refusal. */
    derr(m, resp, 400, "group.has.subgroups", "Group Has Sub-groups");
    return;
  }
  if (!cfm__mock_fault(m, "dingtalk-use-after-delete"))
    g->deleted = 1;
  if (cfm__mock_fault(m, "dingtalk-result-string"))
    cfm__mock_json(resp, 200, json_pack("{s:s}", "result", "true"));
  else
    cfm__mock_json(resp, 200, json_pack("{s:b}", "result", 1));
}

static void create_group(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  json_t *body;
  const char *uid, *name;
  long long parent = 0;
  dgroup *g;
  if (r->body_too_big) {
    derr(m, resp, 400, "param.error", "Param Error");
    return;
  }
  body = cfm_json_parse(r->body, r->body_len, 1u << 20, NULL, 0);
  uid = json_string_value(json_object_get(body, "unionId"));
  name = json_string_value(json_object_get(body, "groupName"));
  /* The public create-room-group page: groupName optional, parentGroupId
   * required (0 = the root group). */
  if (!json_is_object(body) || (json_object_get(body, "groupName") && !name) ||
      !json_object_get(body, "parentGroupId")) {
    json_decref(body);
    derr(m, resp, 400, "param.error", "Param Error");
    return;
  }
  if (operator_check(m, uid ? uid : "", uid != NULL, resp, 0)) {
    json_decref(body);
    return;
  }
  {
    const json_t *p = json_object_get(body, "parentGroupId");
    if (!json_is_integer(p)) {
      json_decref(body);
      derr(m, resp, 400, "param.error", "Param Error");
      return;
    }
    parent = json_integer_value(p);
    if (parent < 0 || (parent > 0 && !find(m, parent))) {
      json_decref(body);
      derr(m, resp, 400, "group.not.found", "Group Not Found");
      return;
    }
  }
  if (m->dingtalk->count >= m->cfg.max_groups) {
    json_decref(body);
    derr(m, resp, 400, "group.too.much", "Group Too Much");
    return;
  }
  if (m->dingtalk->count == m->dingtalk->cap) {
    size_t ncap = m->dingtalk->cap ? m->dingtalk->cap * 2 : 64;
    dgroup *n = realloc(m->dingtalk->items, ncap * sizeof(*n));
    if (!n) {
      json_decref(body);
      derr(m, resp, 500, "system.error", "System Error");
      return;
    }
    m->dingtalk->items = n;
    m->dingtalk->cap = ncap;
  }
  g = &m->dingtalk->items[m->dingtalk->count++];
  memset(g, 0, sizeof(*g));
  g->id = m->dingtalk->next++;
  g->parent = parent;
  snprintf(g->name, sizeof(g->name), "%s", name ? name : "");
  if (cfm__mock_fault(m, "dingtalk-astral-name-cut"))
    g->name[strcspn(g->name, "\xF0\xF1\xF2\xF3\xF4")] = '\0';
  json_decref(body);
  cfm__mock_json(resp, 200, json_pack("{s:I}", "result", (json_int_t)g->id));
}

static void query_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *idtext) {
  char uid[256];
  long long id;
  dgroup *g;
  if (!cfm__mock_query(r, "unionId", uid, sizeof(uid)) || !uid[0] || parse_id(idtext, &id)) {
    derr(m, resp, 400, "param.error", "Param Error");
    return;
  }
  g = find(m, id);
  if (!g) {
    derr(m, resp, 400, "group.not.found", "Group Not Found");
    return;
  }
  cfm__mock_json(resp, 200,
                 json_pack("{s:I, s:s, s:I}", "groupId", (json_int_t)g->id, "groupName", g->name,
                           "parentId", (json_int_t)g->parent));
}

static void list_groups(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  char uid[256];
  json_t *out;
  size_t i;
  if (!cfm__mock_query(r, "unionId", uid, sizeof(uid)) || !uid[0]) {
    derr(m, resp, 400, "param.error", "Param Error");
    return;
  }
  out = json_array();
  for (i = 0; i < m->dingtalk->count; i++) {
    const dgroup *g = &m->dingtalk->items[i];
    if (!g->deleted)
      json_array_append_new(out,
                            json_pack("{s:I, s:s, s:I}", "groupId", (json_int_t)g->id, "groupName",
                                      g->name, "parentId", (json_int_t)g->parent));
  }
  cfm__mock_json(resp, 200, json_pack("{s:o}", "result", out));
}

/* POST /v1.0/oauth2/accessToken {appKey, appSecret} -> {accessToken,
 * expireIn} (VENDOR-FACTS "DingTalk open API").  The error codes of this
 * endpoint are not in the facts; the ones below are assumed. */
static void issue_token(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  json_t *in = json_loadb(r->body ? r->body : "", r->body_len, 0, NULL);
  const char *key = json_string_value(json_object_get(in, "appKey"));
  const char *secret = json_string_value(json_object_get(in, "appSecret"));
  unsigned life = m->cfg.dingtalk_token_lifetime_s ? m->cfg.dingtalk_token_lifetime_s : 7200;
  issued_token *t;
  if (strcmp(r->method, "POST"))
    derr(m, resp, 405, "method.not.allowed", "method not allowed");
  else if (!key || !secret || !*key || !*secret)
    derr(m, resp, 400, "MissingParameter", "appKey and appSecret are required");
  else if (!m->cfg.dingtalk_app_key || !m->cfg.dingtalk_app_secret ||
           strcmp(key, m->cfg.dingtalk_app_key) || strcmp(secret, m->cfg.dingtalk_app_secret))
    derr(m, resp, 400, "invalidClientIdOrSecret", "appKey or appSecret is not valid");
  else {
    t = &m->dingtalk->issued[m->dingtalk->nissued % ISSUED_MAX];
    snprintf(t->value, sizeof(t->value), "conform-issued-%lu-%08lx", ++m->dingtalk->nissued,
             (unsigned long)(cfm__mock_now_ms() & 0xFFFFFFFF));
    t->expires_at = cfm__mock_clock_s(m) + life;
    t->serial = m->dingtalk->nissued;
    cfm__mock_json(resp, 200,
                   json_pack("{s:s, s:I}", "accessToken", t->value, "expireIn", (json_int_t)life));
  }
  json_decref(in);
}

/* The static token, or an issued one not yet expired by the mock's clock
 * nor revoked (cfg.dingtalk_revoke_after). */
static int token_ok(cfm_mock *m, const char *tok) {
  size_t i;
  int64_t now = cfm__mock_clock_s(m);
  if (m->cfg.dingtalk_token && !strcmp(tok, m->cfg.dingtalk_token))
    return 1;
  for (i = 0; i < ISSUED_MAX; i++)
    if (m->dingtalk->issued[i].value[0] && !strcmp(tok, m->dingtalk->issued[i].value))
      return now < m->dingtalk->issued[i].expires_at &&
             m->dingtalk->issued[i].serial > m->dingtalk->revoked_upto;
  return 0;
}

int cfm__mock_dingtalk(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  static const char groups[] = "/v1.0/rooms/groups";
  char tok[1024];
  const char *rest;
  if (!strcmp(r->path, "/v1.0/oauth2/accessToken")) {
    pthread_mutex_lock(&m->lock);
    issue_token(m, r, resp);
    pthread_mutex_unlock(&m->lock);
    return 1;
  }
  if (strncmp(r->path, "/v1.0/rooms/", 12) != 0)
    return 0;
  pthread_mutex_lock(&m->lock);
  if (m->cfg.dingtalk_revoke_after &&
      ++m->dingtalk->rooms_calls == m->cfg.dingtalk_revoke_after) /* a test hook: once */
    m->dingtalk->revoked_upto = m->dingtalk->nissued;
  if (!cfm__mock_header(r, "x-acs-dingtalk-access-token", tok, sizeof(tok))) {
    if (cfm__mock_fault(m, "dingtalk-token-not-checked"))
      goto authed;
    derr(m, resp, 400, "AuthenticationFailed.MissingParameter", "access token is missing");
    goto out;
  }
  if (!token_ok(m, tok) && !cfm__mock_fault(m, "dingtalk-token-not-checked")) {
    derr(m, resp, 400, "InvalidAuthentication", "access token is not valid");
    goto out;
  }
authed:
  if (!cfm__mock_rate_take(m, "dingtalk", 20)) {
    derr(m, resp, 403, "Forbidden.AccessDenied.QpsLimitForApi", "QPS limit for this API");
    goto out;
  }
  /* The alternative reading lacks the list fixture operation (a secondary
   * source): the path falls through to the no-such-API answer. */
  if (!strcmp(r->path, "/v1.0/rooms/groupLists") && !strcmp(r->method, "GET") &&
      !m->cfg.reading_alt) {
    list_groups(m, r, resp);
    goto out;
  }
  if (strncmp(r->path, groups, sizeof(groups) - 1) != 0) {
    derr(m, resp, 404, "resource.not.found", "no such API");
    goto out;
  }
  rest = r->path + sizeof(groups) - 1;
  if (!*rest && !strcmp(r->method, "POST"))
    create_group(m, r, resp);
  else if (*rest == '/' && !strchr(rest + 1, '/') && !strcmp(r->method, "DELETE"))
    delete_group(m, r, resp, rest + 1);
  else if (*rest == '/' && !strchr(rest + 1, '/') && !strcmp(r->method, "GET"))
    query_group(m, r, resp, rest + 1);
  else
    derr(m, resp, 405, "method.not.allowed", "method not allowed");
out:
  pthread_mutex_unlock(&m->lock);
  return 1;
}

const cfm__mock_vendor cfm__mock_vendor_dingtalk = {"dingtalk-rooms", cfm__mock_dingtalk_init,
                                                    cfm__mock_dingtalk_free, cfm__mock_dingtalk,
                                                    cfm__mock_dingtalk_faults};
