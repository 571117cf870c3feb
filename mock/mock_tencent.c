/* conform mock — Tencent Cloud IM group REST (v4), read from seeds
 * 000_4eff4c7e6a321155.txt (destroy_group, both revisions) and
 * 001_cf3c053bb968e3ee.txt (delete_group_member), with the fixture
 * operations and public codes of reference/VENDOR-FACTS.md.  Every API
 * outcome is HTTP 200 with ActionStatus / ErrorCode / ErrorInfo. */
#include "mock_internal.h"
#include "mock_vendors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/usersig.h"

#define PREFIX "/v4/group_open_http_svc/"
#define MAX_DELETE 500 /* 001: at most 500 members per call */
#define MAX_CREATE_MEMBERS 100
#define MAX_GROUP_ID 48 /* longer ids are malformed (10015) */

const cfm_mock_fault cfm__mock_tencent_faults[] = {
    {"tencent-usersig-not-checked", "tencent-im",
     "the UserSig must verify, else a 7000x code (VENDOR-FACTS public codes) — any UserSig works",
     "tencent-im.*.auth.*"},
    {"tencent-expired-accepted", "tencent-im",
     "an expired UserSig answers 70001 (VENDOR-FACTS public codes) — it is accepted",
     "tencent-im.*.auth.expired"},
    {"tencent-member-limit-not-enforced", "tencent-im",
     "at most 500 members per deletion (001 请求包示例) — 501 are accepted",
     "tencent-im.delete_group_member.limit.MemberToDel_Account.above "
     "tencent-im.rule.member_deletion_cap_500"},
    {"tencent-nonmember-delete-fails", "tencent-im",
     "removing a non-member still succeeds (001 请求包示例) — answers 10004",
     "tencent-im.rule.non_member_deletion_succeeds"},
    {"tencent-avchatroom-allowed", "tencent-im",
     "AVChatRoom/BChatRoom member deletion answers 10004 (001 适用的群组类型) — succeeds",
     "tencent-im.rule.*chatroom_member_deletion"},
    {"tencent-http-404-missing-group", "tencent-im",
     "HTTP is 200 for API errors (000 Error Codes) — a missing group answers HTTP 404",
     "tencent-im.*.not_found.GroupId"},
    {"tencent-missing-group-10015", "tencent-im",
     "a missing group answers 10010 (000 Error Codes) — answers 10015",
     "tencent-im.*.not_found.GroupId tencent-im.rule.destroyed_group_answers_10010"},
    {"tencent-actionstatus-missing", "tencent-im",
     "responses carry ActionStatus (000 Response packet fields) — it is left out",
     "tencent-im.*.example.*"},
    {"tencent-errorcode-string", "tencent-im",
     "ErrorCode is an Integer (000 Response packet fields) — sent as a string",
     "tencent-im.*.example.*"},
    {"tencent-actionstatus-ok-on-error", "tencent-im",
     "ActionStatus FAIL indicates failure (000 Response packet fields) — errors say OK",
     "tencent-im.*"},
    {"tencent-use-after-destroy", "tencent-im",
     "a disbanded group answers 10010 (000 Error Codes) — it keeps working",
     "tencent-im.rule.destroyed_group_answers_10010 tencent-im.scenario.lifecycle"},
    /* A fault only a combination reveals (conform fuzz). */
    {"tencent-name-intro-sum-500", "tencent-im",
     "Name (30 bytes) and Introduction (240 bytes) have separate limits (VENDOR-FACTS fixture "
     "operations) — HTTP 500 when both together pass 260 bytes [fuzz]",
     NULL},
    {NULL, NULL, NULL, NULL}};

typedef struct tgroup {
  char id[64];
  char type[16];
  char name[64];
  char owner[64];
  json_t *members; /* array of account strings */
  int destroyed;
} tgroup;

struct tencent_state {
  tgroup *items;
  size_t count, cap;
  unsigned long next;
};

int cfm__mock_tencent_init(cfm_mock *m) {
  m->tencent = calloc(1, sizeof(*m->tencent));
  if (!m->tencent)
    return -1;
  m->tencent->next = 1;
  return 0;
}

void cfm__mock_tencent_free(cfm_mock *m) {
  size_t i;
  if (!m->tencent)
    return;
  for (i = 0; i < m->tencent->count; i++)
    json_decref(m->tencent->items[i].members);
  free(m->tencent->items);
  free(m->tencent);
  m->tencent = NULL;
}

static void reply(cfm_mock *m, mock_resp *resp, int code, json_t *extra, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static void reply(cfm_mock *m, mock_resp *resp, int code, json_t *extra, const char *fmt, ...) {
  char info[256];
  va_list ap;
  json_t *o = json_object();
  va_start(ap, fmt);
  vsnprintf(info, sizeof(info), fmt, ap);
  va_end(ap);
  if (!cfm__mock_fault(m, "tencent-actionstatus-missing"))
    json_object_set_new(o, "ActionStatus",
                        json_string(code && !cfm__mock_fault(m, "tencent-actionstatus-ok-on-error")
                                        ? "FAIL"
                                        : "OK"));
  if (cfm__mock_fault(m, "tencent-errorcode-string")) {
    char c[16];
    snprintf(c, sizeof(c), "%d", code);
    json_object_set_new(o, "ErrorCode", json_string(c));
  } else {
    json_object_set_new(o, "ErrorCode", json_integer(code));
  }
  json_object_set_new(o, "ErrorInfo", json_string(info));
  if (extra) {
    json_object_update(o, extra);
    json_decref(extra);
  }
  cfm__mock_json(resp, 200, o);
}

static int account_exists(const char *a) {
  const char *p = "conform-user-";
  char *end;
  long n;
  if (!a || strncmp(a, p, strlen(p)) != 0 || !a[strlen(p)])
    return 0;
  n = strtol(a + strlen(p), &end, 10);
  return *end == '\0' && n >= 0 && n <= 999;
}

/* 0 ok, 10015 malformed. */
static int check_id(const char *id) {
  size_t i, n = strlen(id);
  if (n == 0 || n > MAX_GROUP_ID)
    return 10015;
  for (i = 0; i < n; i++)
    if (!isprint((unsigned char)id[i]))
      return 10015;
  return 0;
}

static tgroup *find(cfm_mock *m, const char *id) {
  size_t i;
  for (i = 0; i < m->tencent->count; i++)
    if (!strcmp(m->tencent->items[i].id, id))
      return &m->tencent->items[i];
  return NULL;
}

/* Resolves GroupId of a body: the group, or replies and returns NULL. */
static tgroup *group_of(cfm_mock *m, const json_t *body, mock_resp *resp, int allow_destroyed) {
  const json_t *g = json_object_get(body, "GroupId");
  const char *id;
  tgroup *t;
  if (!g) {
    reply(m, resp, 10004, NULL, "GroupId is required");
    return NULL;
  }
  if (!json_is_string(g)) {
    reply(m, resp, 10004, NULL, "GroupId must be a string");
    return NULL;
  }
  id = json_string_value(g);
  if (check_id(id)) {
    /* 000 lists both 10010 and 10015 without saying which ids are
     * invalid: the alternative reading answers "does not exist". */
    reply(m, resp, m->cfg.reading_alt ? 10010 : 10015, NULL, "group id invalid");
    return NULL;
  }
  t = find(m, id);
  if (!t || (t->destroyed && !allow_destroyed)) {
    if (cfm__mock_fault(m, "tencent-http-404-missing-group")) {
      cfm__mock_json(resp, 404, json_pack("{s:s}", "error", "not found"));
      return NULL;
    }
    reply(m, resp, cfm__mock_fault(m, "tencent-missing-group-10015") ? 10015 : 10010, NULL,
          "group does not exist or has been disbanded: %.60s", id);
    return NULL;
  }
  return t;
}

static int is_member(const tgroup *g, const char *a) {
  size_t i;
  const json_t *v;
  if (!strcmp(g->owner, a))
    return 1;
  json_array_foreach(g->members, i, v) {
    if (!strcmp(json_string_value(v), a))
      return 1;
  }
  return 0;
}

/* Create's own fields: Type, Name, the byte caps (and the fuzz-only sum
 * fault).  Returns 0, or -1 with resp filled. */
static int create_fields_ok(cfm_mock *m, const json_t *body, mock_resp *resp) {
  static const char *const types[] = {"Public",    "Private", "ChatRoom", "AVChatRoom",
                                      "Community", "Work",    "Meeting",  "BChatRoom"};
  static const struct {
    const char *f;
    size_t max;
  } caps[] = {{"Introduction", 240}, {"Notification", 300}, {"FaceUrl", 100}};
  const char *type = json_string_value(json_object_get(body, "Type"));
  const char *name = json_string_value(json_object_get(body, "Name"));
  size_t i;
  int ok = 0;
  for (i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
    ok |= !strcmp(type, types[i]);
  if (!ok) {
    reply(m, resp, 10004, NULL, "Type is required and must be a known group type");
    return -1;
  }
  if (!name || !*name || (strlen(name) > 30 && !m->cfg.reading_alt)) {
    reply(m, resp, 10004, NULL, "Name is required, at most 30 bytes");
    return -1;
  }
  for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
    const json_t *v = json_object_get(body, caps[i].f);
    if (v && (!json_is_string(v) || (json_string_length(v) > caps[i].max && !m->cfg.reading_alt))) {
      reply(m, resp, 10004, NULL, "%s must be a string of at most %zu bytes", caps[i].f,
            caps[i].max);
      return -1;
    }
  }
  if (cfm__mock_fault(m, "tencent-name-intro-sum-500") &&
      json_is_string(json_object_get(body, "Introduction")) &&
      strlen(name) + json_string_length(json_object_get(body, "Introduction")) > 260) {
    cfm__mock_json(resp, 500, json_pack("{s:s}", "error", "internal"));
    return -1;
  }
  return 0;
}

/* Create's accounts and ids: the owner, MemberList, the custom GroupId
 * and room for one more group.  Returns 0, or -1 with resp filled. */
static int create_accounts_ok(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const char *type = json_string_value(json_object_get(body, "Type"));
  const char *owner = json_string_value(json_object_get(body, "Owner_Account"));
  const char *custom = json_string_value(json_object_get(body, "GroupId"));
  const json_t *list = json_object_get(body, "MemberList"), *it;
  size_t i;
  if (owner && !account_exists(owner)) {
    reply(m, resp, 10019, NULL, "account does not exist: %.60s", owner);
    return -1;
  }
  if (list && (!json_is_array(list) || json_array_size(list) > MAX_CREATE_MEMBERS)) {
    reply(m, resp, 10004, NULL, "MemberList must be an array of at most 100 members");
    return -1;
  }
  if (json_array_size(list) && !strcmp(type, "AVChatRoom")) {
    reply(m, resp, 10007, NULL, "an AVChatRoom cannot be created with members");
    return -1;
  }
  json_array_foreach(list, i, it) {
    const char *a = json_string_value(json_object_get(it, "Member_Account"));
    if (!account_exists(a)) {
      reply(m, resp, 10019, NULL, "account does not exist: %.60s", a ? a : "?");
      return -1;
    }
  }
  if (custom && (check_id(custom) || find(m, custom))) {
    reply(m, resp, check_id(custom) ? 10004 : 10021, NULL, "group id %.60s is not available",
          custom);
    return -1;
  }
  if (m->tencent->count >= m->cfg.max_groups) {
    reply(m, resp, 10004, NULL, "the mock holds its maximum number of groups");
    return -1;
  }
  return 0;
}

/* A zeroed slot for a new group, or NULL with resp filled. */
static tgroup *new_slot(cfm_mock *m, mock_resp *resp) {
  tgroup *g;
  if (m->tencent->count == m->tencent->cap) {
    size_t ncap = m->tencent->cap ? m->tencent->cap * 2 : 64;
    tgroup *n = realloc(m->tencent->items, ncap * sizeof(*n));
    if (!n) {
      reply(m, resp, 10002, NULL, "out of memory");
      return NULL;
    }
    m->tencent->items = n;
    m->tencent->cap = ncap;
  }
  g = &m->tencent->items[m->tencent->count++];
  memset(g, 0, sizeof(*g));
  return g;
}

static void create_group(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const char *type = json_string_value(json_object_get(body, "Type"));
  const char *name = json_string_value(json_object_get(body, "Name"));
  const char *owner = json_string_value(json_object_get(body, "Owner_Account"));
  const char *custom = json_string_value(json_object_get(body, "GroupId"));
  const json_t *list = json_object_get(body, "MemberList"), *it;
  tgroup *g;
  size_t i, name_len;
  if ((json_object_get(body, "Owner_Account") && !owner) ||
      (json_object_get(body, "GroupId") && !custom)) {
    reply(m, resp, 10004, NULL, "Owner_Account and GroupId must be strings");
    return;
  }
  if (create_fields_ok(m, body, resp) || create_accounts_ok(m, body, resp) ||
      !(g = new_slot(m, resp)))
    return;
  /* The secondary source gives the byte caps, not the answer above them:
   * the alternative reading accepts, keeping Name's first 30 bytes (whole
   * characters) and the other fields as sent. */
  name_len = strlen(name);
  while (name_len > 30 ||
         (name_len < strlen(name) && ((unsigned char)name[name_len] & 0xC0) == 0x80))
    name_len--;
  if (custom)
    snprintf(g->id, sizeof(g->id), "%s", custom);
  else
    snprintf(g->id, sizeof(g->id), "@TGS#2C%07lu", m->tencent->next++);
  snprintf(g->type, sizeof(g->type), "%s", type);
  snprintf(g->name, sizeof(g->name), "%.*s", (int)name_len, name);
  snprintf(g->owner, sizeof(g->owner), "%s", owner ? owner : m->cfg.tencent_admin);
  g->members = json_array();
  json_array_foreach(list, i, it)
      json_array_append(g->members, json_object_get(it, "Member_Account"));
  reply(m, resp, 0, json_pack("{s:s}", "GroupId", g->id), "%s", "");
}

static void destroy_group(cfm_mock *m, const json_t *body, mock_resp *resp) {
  tgroup *g = group_of(m, body, resp, 0);
  if (!g)
    return;
  if (!cfm__mock_fault(m, "tencent-use-after-destroy"))
    g->destroyed = 1;
  reply(m, resp, 0, NULL, "%s", "");
}

static void delete_member(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const json_t *list = json_object_get(body, "MemberToDel_Account"), *v;
  const json_t *silence = json_object_get(body, "Silence"),
               *reason = json_object_get(body, "Reason");
  tgroup *g;
  size_t i;
  if (!json_is_array(list) || json_array_size(list) == 0) {
    reply(m, resp, 10004, NULL, "MemberToDel_Account must be a non-empty array");
    return;
  }
  if (json_array_size(list) > MAX_DELETE &&
      !cfm__mock_fault(m, "tencent-member-limit-not-enforced")) {
    reply(m, resp, 10004, NULL, "at most 500 members per request");
    return;
  }
  if (silence && (!json_is_integer(silence) ||
                  (json_integer_value(silence) != 0 && json_integer_value(silence) != 1))) {
    reply(m, resp, 10004, NULL, "Silence must be 0 or 1");
    return;
  }
  if (reason && !json_is_string(reason)) {
    reply(m, resp, 10004, NULL, "Reason must be a string");
    return;
  }
  json_array_foreach(list, i, v) {
    if (!json_is_string(v)) {
      reply(m, resp, 10004, NULL, "accounts must be strings");
      return;
    }
  }
  g = group_of(m, body, resp, 0);
  if (!g)
    return;
  if ((!strcmp(g->type, "AVChatRoom") || !strcmp(g->type, "BChatRoom")) &&
      !cfm__mock_fault(m, "tencent-avchatroom-allowed")) {
    reply(m, resp, 10004, NULL, "%s groups do not support removing members", g->type);
    return;
  }
  json_array_foreach(list, i, v) {
    size_t k;
    const json_t *mm;
    int found = 0;
    json_array_foreach(g->members, k, mm) {
      if (!strcmp(json_string_value(mm), json_string_value(v))) {
        json_array_remove(g->members, k);
        found = 1;
        break;
      }
    }
    if (!found && cfm__mock_fault(m, "tencent-nonmember-delete-fails")) {
      reply(m, resp, 10004, NULL, "%.60s is not a member", json_string_value(v));
      return;
    }
  }
  reply(m, resp, 0, NULL, "%s", "");
}

static void add_member(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const json_t *list = json_object_get(body, "MemberList"), *it;
  json_t *out;
  tgroup *g = group_of(m, body, resp, 0);
  size_t i;
  if (!g)
    return;
  if (json_object_get(body, "Silence") && !json_is_integer(json_object_get(body, "Silence"))) {
    reply(m, resp, 10004, NULL, "Silence must be 0 or 1");
    return;
  }
  if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 500) {
    reply(m, resp, 10004, NULL, "MemberList must hold 1 to 500 members");
    return;
  }
  if (!strcmp(g->type, "AVChatRoom")) {
    reply(m, resp, 10007, NULL, "members cannot be added to an AVChatRoom");
    return;
  }
  out = json_array();
  json_array_foreach(list, i, it) {
    const char *a = json_string_value(json_object_get(it, "Member_Account"));
    int result = 0;
    if (a && account_exists(a)) {
      if (is_member(g, a))
        result = 2;
      else {
        json_array_append_new(g->members, json_string(a));
        result = 1;
      }
    }
    json_array_append_new(out,
                          json_pack("{s:s, s:i}", "Member_Account", a ? a : "", "Result", result));
  }
  reply(m, resp, 0, json_pack("{s:o}", "MemberList", out), "%s", "");
}

static void group_info(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const json_t *ids = json_object_get(body, "GroupIdList"), *v;
  json_t *out;
  size_t i;
  if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > 50) {
    reply(m, resp, 10004, NULL, "GroupIdList must hold 1 to 50 ids");
    return;
  }
  out = json_array();
  json_array_foreach(ids, i, v) {
    const char *id = json_string_value(v);
    tgroup *g = id && !check_id(id) ? find(m, id) : NULL;
    if (!id || check_id(id))
      json_array_append_new(out, json_pack("{s:s, s:i, s:s}", "GroupId", id ? id : "", "ErrorCode",
                                           10015, "ErrorInfo", "group id invalid"));
    else if (!g || g->destroyed)
      json_array_append_new(out, json_pack("{s:s, s:i, s:s}", "GroupId", id, "ErrorCode", 10010,
                                           "ErrorInfo", "group does not exist"));
    else
      json_array_append_new(out, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I}", "GroupId", id,
                                           "ErrorCode", 0, "ErrorInfo", "", "Type", g->type, "Name",
                                           g->name, "Owner_Account", g->owner, "MemberNum",
                                           (json_int_t)json_array_size(g->members) + 1));
  }
  reply(m, resp, 0, json_pack("{s:o}", "GroupInfo", out), "%s", "");
}

/* Checks the URL parameters; 0 when the call may go on. */
static int check_auth(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  char app[64], id[128], sig[CFM_USERSIG_MAX + 1], rnd[32], ct[32];
  char want_app[32];
  cfm_usersig_status st;
  if (!cfm__mock_query(r, "sdkappid", app, sizeof(app))) {
    reply(m, resp, 60012, NULL, "sdkappid is missing from the URL");
    return -1;
  }
  snprintf(want_app, sizeof(want_app), "%llu", (unsigned long long)m->cfg.tencent_sdkappid);
  if (strcmp(app, want_app)) {
    reply(m, resp, 70020, NULL, "SDKAppID not found");
    return -1;
  }
  if (!cfm__mock_query(r, "identifier", id, sizeof(id)) || !id[0]) {
    reply(m, resp, 60004, NULL, "identifier is missing");
    return -1;
  }
  if (!cfm__mock_query(r, "random", rnd, sizeof(rnd)) || !rnd[0] ||
      strspn(rnd, "0123456789") != strlen(rnd) || strlen(rnd) > 10 ||
      strtoull(rnd, NULL, 10) > 4294967295ull) {
    reply(m, resp, 60002, NULL, "random must be a 32-bit unsigned integer");
    return -1;
  }
  if (!cfm__mock_query(r, "contenttype", ct, sizeof(ct)) || strcmp(ct, "json")) {
    reply(m, resp, 60002, NULL, "contenttype must be json");
    return -1;
  }
  if (cfm__mock_fault(m, "tencent-usersig-not-checked"))
    return 0;
  if (!cfm__mock_query(r, "usersig", sig, sizeof(sig)))
    sig[0] = '\0';
  st = cfm_usersig_verify(sig, strlen(sig), m->cfg.tencent_sdkappid, id, m->cfg.tencent_key,
                          strlen(m->cfg.tencent_key), (int64_t)time(NULL));
  if (st == CFM_USERSIG_EXPIRED && cfm__mock_fault(m, "tencent-expired-accepted"))
    st = CFM_USERSIG_OK;
  if (st != CFM_USERSIG_OK) {
    reply(m, resp, cfm_usersig_vendor_code(st), NULL, "UserSig check failed (%d)", (int)st);
    return -1;
  }
  if (strcmp(id, m->cfg.tencent_admin)) {
    reply(m, resp, 60010, NULL, "only the app admin may call this API");
    return -1;
  }
  return 0;
}

int cfm__mock_tencent(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  const char *cmd;
  json_t *body;
  double rate = 200;
  if (strncmp(r->path, "/v4/", 4) != 0)
    return 0;
  if (strncmp(r->path, PREFIX, strlen(PREFIX)) != 0) {
    reply(m, resp, 60009, NULL, "unknown service or command");
    return 1;
  }
  cmd = r->path + strlen(PREFIX);
  if (strcmp(r->method, "POST")) {
    reply(m, resp, 60002, NULL, "the request method must be POST");
    return 1;
  }
  if (check_auth(m, r, resp))
    return 1;
  if (r->body_too_big) {
    reply(m, resp, 60003, NULL, "request body too large");
    return 1;
  }
  body = cfm_json_parse(r->body, r->body_len, 1u << 20, NULL, 0);
  if (!json_is_object(body)) {
    json_decref(body);
    reply(m, resp, 60003, NULL, "request JSON parse error");
    return 1;
  }
  if (!strcmp(cmd, "delete_group_member"))
    rate = 100;
  pthread_mutex_lock(&m->lock);
  if (!cfm__mock_rate_take(m, rate == 100 ? "tencent.delete_group_member" : "tencent", rate))
    reply(m, resp, 60007, NULL, "REST API call frequency exceeded");
  else if (!strcmp(cmd, "destroy_group"))
    destroy_group(m, body, resp);
  else if (!strcmp(cmd, "delete_group_member"))
    delete_member(m, body, resp);
  else if (!strcmp(cmd, "create_group"))
    create_group(m, body, resp);
  else if (!strcmp(cmd, "add_group_member"))
    add_member(m, body, resp);
  else if (!strcmp(cmd, "get_group_info"))
    group_info(m, body, resp);
  else
    reply(m, resp, 10003, NULL, "invalid command word");
  pthread_mutex_unlock(&m->lock);
  json_decref(body);
  return 1;
}

const cfm__mock_vendor cfm__mock_vendor_tencent = {"tencent-im", cfm__mock_tencent_init,
                                                   cfm__mock_tencent_free, cfm__mock_tencent,
                                                   cfm__mock_tencent_faults};
