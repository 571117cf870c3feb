/* conform mock — Agora Chat group management, read from seed
 * 002_b389115bb8c2e7c3.txt (群组管理) and the add-members fixture of
 * reference/VENDOR-FACTS.md.  Errors: HTTP status + {error, exception,
 * timestamp, duration, error_description}.
 *
 * This file owns the fault list, the state's life, what every answer
 * shares (errors, the envelope, look-ups, body parsing), auth and the
 * routing of a request to its handler.  The handlers live in
 * mock_agora_write.c (create, modify, disable, delete, add members: the
 * field checks) and mock_agora_read.c (lists and details); this file must
 * not answer a route itself beyond is_joined. */
#include "mock_agora_int.h"
#include "mock_vendors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conform/agora_token.h"
#include "conform/jsonutil.h"

const cfm_mock_fault cfm__mock_agora_faults[] = {
    {"agora-public-keeps-allowinvites", "agora-chat",
     "creating a public group forces allowinvites to false (创建群组 > 请求 body)",
     "agora-chat.rule.public_forces_allowinvites_false"},
    {"agora-groupname-over-limit-stored", "agora-chat",
     "groupname is at most 128 characters (创建群组 > 请求 body) — a longer one is stored as "
     "sent",
     "agora-chat.*groupname*"},
    {"agora-groupname-counts-bytes", "agora-chat",
     "groupname is at most 128 characters (创建群组 > 请求 body) — the mock counts bytes, so "
     "128 CJK characters are refused",
     "agora-chat.*.limit.groupname.cjk_* agora-chat.*.limit.groupname.emoji_*"},
    {"agora-avatar-off-by-one", "agora-chat",
     "avatar may be 1024 characters (创建群组 > 请求 body) — exactly 1024 is refused",
     "agora-chat.*.limit.avatar.*at"},
    {"agora-list-no-clamp", "agora-chat",
     "limit above 1000 still returns up to 1000 groups (获取 App 中的群组 > 查询参数) — refused "
     "instead",
     "agora-chat.list_app_groups.limit.limit.above"},
    {"agora-pagesize-no-clamp", "agora-chat",
     "pagesize above 20 still returns 20 (获取单个用户加入的所有群组 > 查询参数) — refused "
     "instead",
     "agora-chat.list_user_groups.limit.pagesize.above"},
    {"agora-list-unclamped", "agora-chat",
     "limit above 1000 still returns at most 1000 groups (获取 App 中的群组 > 查询参数) — "
     "returns more",
     "agora-chat.list_app_groups.limit.limit.above"},
    {"agora-pagesize-unclamped", "agora-chat",
     "pagesize above 20 still returns at most 20 groups (获取单个用户加入的所有群组 > 查询参数) — "
     "returns more",
     "agora-chat.list_user_groups.limit.pagesize.above"},
    {"agora-list-duplicates", "agora-chat",
     "cursor paging returns each group once (获取 App 中的群组) — a page repeats an item",
     "agora-chat.scenario.app_groups_cursor_walk"},
    {"agora-list-drops", "agora-chat",
     "cursor paging returns every group (获取 App 中的群组) — a page skips an item",
     "agora-chat.scenario.app_groups_cursor_walk"},
    {"agora-auth-not-enforced", "agora-chat",
     "every call needs a valid app token, else 401 unauthorized (认证方式) — any token works",
     "agora-chat.*.auth.*"},
    {"agora-auth-403", "agora-chat",
     "a bad token answers 401 unauthorized (错误码) — answers 403 instead", "agora-chat.*.auth.*"},
    {"agora-use-after-delete", "agora-chat",
     "a deleted group does not exist (解散群组, 获取群组详情 > 错误码) — it is still returned",
     "agora-chat.scenario.lifecycle"},
    {"agora-not-found-type", "agora-chat",
     "a missing group answers error type resource_not_found (错误码) — another type is sent",
     "agora-chat.*.not_found.*"},
    {"agora-not-found-message", "agora-chat",
     "a missing group answers 'grpID XX does not exist!' (错误码) — another message is sent",
     "agora-chat.*.not_found.*"},
    {"agora-create-renames-groupid", "agora-chat",
     "create answers data.groupid (创建群组 > 响应 body) — the field is renamed",
     "agora-chat.create_group.example.*"},
    {"agora-disabled-not-shown", "agora-chat",
     "details show disabled true after disabling (获取群组详情 > 响应 body) — stays false",
     "agora-chat.rule.disabled_* agora-chat.scenario.lifecycle"},
    {"agora-modify-accepts-unsupported", "agora-chat",
     "modifying an unsupported field fails with 'some of [...] are not valid fields' (修改群组信息 "
     "> 错误码) — accepted silently",
     "agora-chat.rule.modify_rejects_*"},
    {"agora-members-over-max", "agora-chat",
     "members may not exceed maxusers (创建群组 > 请求 body, 错误码) — accepted",
     "agora-chat.rule.members_over_maxusers"},
    {"agora-public-optional", "agora-chat",
     "public is required (创建群组 > 请求 body, 错误码) — a group is created without it",
     "agora-chat.create_group.required.public agora-chat.rule.create_requires_public"},
    {"agora-is-joined-string", "agora-chat",
     "is_joined answers data as a Boolean (查看指定用户是否已加入群组 > 响应 body) — sent as the "
     "string \"true\"/\"false\"",
     "agora-chat.is_joined.example.* agora-chat.rule.*joined*"},
    /* Faults only a combination or a sequence reveals (conform fuzz). */
    {"agora-name-desc-sum-500", "agora-chat",
     "groupname (128) and description (512) have separate limits (创建群组 > 请求 body) — the "
     "mock answers 500 when both together pass 600 characters [fuzz]",
     NULL},
    {"agora-modify-disabled-reenables", "agora-chat",
     "a disabled group stays disabled until enabled (封禁群组) — modifying it re-enables it "
     "[fuzz]",
     NULL},
    {"agora-combining-dropped", "agora-chat",
     "names and descriptions are stored as sent (修改群组信息) — combining marks are dropped "
     "[fuzz]",
     NULL},
    {"agora-zwj-cjk-500", "agora-chat",
     "any Unicode text within the limits is accepted (创建群组 > 请求 body) — a CJK groupname "
     "with a ZWJ sequence in the description answers 500 [fuzz]",
     NULL},
    {"agora-enable-clears-custom", "agora-chat",
     "enabling a group changes only its disabled state (解禁群组) — custom is cleared [fuzz]",
     NULL},
    {NULL, NULL, NULL, NULL}};

int cfm__mock_agora_init(cfm_mock *m) {
  m->agora = calloc(1, sizeof(*m->agora));
  if (!m->agora)
    return -1;
  m->agora->next_id = 200000000000001ull;
  return 0;
}

void cfm__mock_agora_free(cfm_mock *m) {
  size_t i;
  if (!m->agora)
    return;
  for (i = 0; i < m->agora->count; i++)
    json_decref(m->agora->items[i].g);
  free(m->agora->items);
  free(m->agora);
  m->agora = NULL;
}

void cfm__agora_error(mock_resp *resp, int status, const char *type, const char *exception,
                      const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  cfm__mock_json(resp, status,
                 json_pack("{s:s, s:s, s:I, s:i, s:s}", "error", type, "exception", exception,
                           "timestamp", (json_int_t)cfm__mock_now_ms(), "duration", 0,
                           "error_description", msg));
}

json_t *cfm__agora_envelope(const cfm_mock *m, const char *action, const char *uri) {
  char full[sizeof(((mock_req *)0)->path) + 32];
  snprintf(full, sizeof(full), "http://127.0.0.1:%u%s", (unsigned)m->port, uri);
  return json_pack("{s:s, s:s, s:s, s:[], s:I, s:i}", "action", action, "application",
                   m->cfg.agora_app_id, "uri", full, "entities", "timestamp",
                   (json_int_t)cfm__mock_now_ms(), "duration", 0);
}

/* Ids are decimal, all of one width, allocated in increasing order, so the
 * creation-ordered array is sorted by strcmp too. */
agroup *cfm__agora_find_group(cfm_mock *m, const char *id) {
  size_t lo = 0, hi = m->agora->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(m->agora->items[mid].id, id);
    if (c == 0)
      return &m->agora->items[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

int cfm__agora_is_member(const json_t *g, const char *u) {
  size_t i;
  const json_t *v;
  if (!strcmp(json_string_value(json_object_get(g, "owner")), u))
    return 1;
  json_array_foreach(json_object_get(g, "members"), i, v) {
    if (json_is_string(v) && !strcmp(json_string_value(v), u))
      return 1;
  }
  return 0;
}

void cfm__agora_not_found(cfm_mock *m, mock_resp *resp, const char *id) {
  if (cfm__mock_fault(m, "agora-not-found-type"))
    cfm__agora_error(resp, 404, "group_not_found", "GroupNotFoundException",
                     "grpID %.256s does not exist!", id);
  else if (cfm__mock_fault(m, "agora-not-found-message"))
    cfm__agora_error(resp, 404, "resource_not_found", "ResourceNotFoundException",
                     "group %s not found", id);
  else
    cfm__agora_error(resp, 404, "resource_not_found", "ResourceNotFoundException",
                     "grpID %.256s does not exist!", id);
}

/* The calls with a body document "Content-Type: application/json".  A
 * request without the header, or with curl's default form type (the
 * document's own modify example sends that), is read as JSON; any other
 * declared type is refused with the generic 415. */
static int json_content_type(const mock_req *r) {
  char ct[256];
  size_t n;
  if (!cfm__mock_header(r, "Content-Type", ct, sizeof(ct)))
    return 1;
  n = strcspn(ct, "; ");
  return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
         (n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0);
}

json_t *cfm__agora_parse_body(const mock_req *r, mock_resp *resp) {
  json_t *body;
  if (r->body_too_big) {
    cfm__agora_error(resp, 413, "request_entity_too_large", "RequestEntityTooLargeException",
                     "request body is too large%s", "");
    return NULL;
  }
  if (!json_content_type(r)) {
    cfm__agora_error(resp, 415, "unsupported_media_type", "UnsupportedMediaTypeException",
                     "Content-Type must be application/json%s", "");
    return NULL;
  }
  body = cfm_json_parse(r->body, r->body_len, 1u << 20, NULL, 0);
  if (!json_is_object(body)) {
    json_decref(body);
    cfm__agora_error(resp, 400, "invalid_parameter", "JsonParseException",
                     "request body is not a JSON object%s", "");
    return NULL;
  }
  return body;
}

/* A copy of a state value for an answer.  Answers are encoded after the
 * state lock is released, so they must not share values with the state:
 * jansson's reference counts are atomic but do not order the last free
 * after another thread's reads. */
json_t *cfm__agora_cp(const json_t *v) {
  return v ? json_copy((json_t *)v) : json_null();
}

/* Splits "/a/b/c" (after the prefix) into at most max segments of up to
 * 4 KiB; empty segments are kept ("//" is an empty id).  Returns max + 1
 * when there are more. */
static size_t segments(const char *path, char seg[][4096], size_t max) {
  size_t n = 0;
  const char *p = path;
  if (*p != '/')
    return 0;
  while (*p == '/' && n < max) {
    const char *s = p + 1, *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s), keep = len < 4095 ? len : 4095;
    memcpy(seg[n], s, keep);
    seg[n++][keep] = '\0';
    p = s + len;
  }
  return *p ? max + 1 : n;
}

/* The configured static token, or an AccessToken2 app token minted for
 * our app id with our certificate, unexpired by the mock's clock. */
static int authorized(cfm_mock *m, const mock_req *r) {
  char auth[CFM_AGORA_TOKEN_MAX + 16];
  const char *tok = auth + 7;
  if (!cfm__mock_header(r, "Authorization", auth, sizeof(auth)) || strncmp(auth, "Bearer ", 7))
    return 0;
  if (m->cfg.agora_token && !strcmp(tok, m->cfg.agora_token))
    return 1;
  return m->cfg.agora_app_certificate && !strncmp(tok, "007", 3) &&
         cfm_agora_token_verify(tok, strlen(tok), m->cfg.agora_app_id, m->cfg.agora_app_certificate,
                                cfm__mock_clock_s(m)) == CFM_AGORA_TOKEN_OK &&
         !cfm__mock_agora_revoked(m, tok);
}

int cfm__mock_agora(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  char prefix[256], seg[6][4096];
  size_t n, plen;
  const char *rest, *method = r->method;
  double rate = 100;
  snprintf(prefix, sizeof(prefix), "/app-id/%s/chatgroups", m->cfg.agora_app_id);
  plen = strlen(prefix);
  if (strncmp(r->path, prefix, plen) != 0 || (r->path[plen] != '\0' && r->path[plen] != '/')) {
    if (strncmp(r->path, "/app-id/", 8) != 0)
      return 0;
    cfm__agora_error(resp, 404, "organization_application_not_found",
                     "ApplicationNotFoundException", "Could not find application for %s", r->path);
    return 1;
  }
  rest = r->path + plen;
  n = segments(rest, seg, 5);
  /* Auth first, as the service does. */
  if (!cfm__mock_fault(m, "agora-auth-not-enforced") && !authorized(m, r)) {
    cfm__agora_error(resp, cfm__mock_fault(m, "agora-auth-403") ? 403 : 401, "unauthorized",
                     "UnauthorizedException", "Unable to authenticate (OAuth)%s", "");
    return 1;
  }
  if (n == 2 && !strcmp(seg[0], "user") && !strcmp(method, "GET"))
    rate = 50;
  pthread_mutex_lock(&m->lock);
  if (!cfm__mock_rate_take(m, rate == 50 ? "agora.user_groups" : "agora", rate)) {
    cfm__agora_error(resp, 429, "reach_limit", "ReachLimitException",
                     "This request has reached api limit%s", "");
  } else if (n == 0 && !strcmp(method, "POST")) {
    cfm__agora_create_group(m, r, resp);
  } else if (n == 0 && !strcmp(method, "GET")) {
    cfm__agora_list_groups(m, r, resp);
  } else if (n == 2 && !strcmp(seg[0], "user") && !strcmp(method, "GET")) {
    cfm__agora_user_groups(m, r, resp, seg[1]);
  } else if (n == 1 && !strcmp(method, "GET")) {
    cfm__agora_get_groups(m, r, resp, seg[0]);
  } else if (n == 1 && !strcmp(method, "PUT")) {
    cfm__agora_modify_group(m, r, resp, seg[0]);
  } else if (n == 1 && !strcmp(method, "DELETE")) {
    cfm__agora_delete_group(m, r, resp, seg[0]);
  } else if (n == 2 && !strcmp(seg[1], "disable") && !strcmp(method, "POST")) {
    cfm__agora_set_disabled(m, r, resp, seg[0], 1);
  } else if (n == 2 && !strcmp(seg[1], "enable") && !strcmp(method, "POST")) {
    cfm__agora_set_disabled(m, r, resp, seg[0], 0);
  } else if (n == 2 && !strcmp(seg[1], "users") && !strcmp(method, "POST")) {
    /* The alternative reading lacks this fixture operation (a secondary
     * source) and answers as for a path it does not serve. */
    if (m->cfg.reading_alt)
      cfm__agora_error(resp, 404, "no_route", "NoRouteException", "no route for %s", r->path);
    else
      cfm__agora_add_members(m, r, resp, seg[0]);
  } else if (n == 4 && !strcmp(seg[1], "user") && !strcmp(seg[3], "is_joined") &&
             !strcmp(method, "GET")) {
    agroup *g = cfm__agora_find_group(m, seg[0]);
    if (!g) {
      cfm__agora_not_found(m, resp, seg[0]);
    } else {
      json_t *env = cfm__agora_envelope(m, "get", r->path);
      int joined = cfm__agora_is_member(g->g, seg[2]);
      json_object_set_new(env, "data",
                          cfm__mock_fault(m, "agora-is-joined-string")
                              ? json_string(joined ? "true" : "false")
                              : json_boolean(joined));
      json_object_set_new(env, "organization", json_string("conform-demo-org"));
      cfm__mock_json(resp, 200, env);
    }
  } else {
    cfm__agora_error(resp, 405, "method_not_allowed", "MethodNotAllowedException",
                     "%s is not supported here", method);
  }
  pthread_mutex_unlock(&m->lock);
  return 1;
}

const cfm__mock_vendor cfm__mock_vendor_agora = {"agora-chat", cfm__mock_agora_init,
                                                 cfm__mock_agora_free, cfm__mock_agora,
                                                 cfm__mock_agora_faults};
