/* conform mock — Agora Chat group management, read from seed
 * 002_b389115bb8c2e7c3.txt (群组管理) and the add-members fixture of
 * reference/VENDOR-FACTS.md.  Errors: HTTP status + {error, exception,
 * timestamp, duration, error_description}. */
#include "mock_internal.h"
#include "mock_vendors.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conform/agora_token.h"
#include "conform/jsonutil.h"

#define LIMIT_NAME 128       /* 创建群组 > 请求 body: groupname */
#define LIMIT_AVATAR 1024    /* avatar */
#define LIMIT_DESC 512       /* description */
#define LIMIT_CUSTOM 8192    /* custom: 8 KB, read as bytes */
#define LIMIT_DETAIL_IDS 100 /* 获取群组详情: up to 100 ids */
#define LIMIT_ADD 60         /* add members (secondary) */

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

typedef struct agroup {
  char id[32];
  json_t *g; /* groupname avatar description public maxusers allowinvites membersonly
                invite_need_confirm owner members[] custom disabled created */
} agroup;

struct agora_state {
  agroup *items; /* creation order */
  size_t count, cap;
  unsigned long long next_id;
};

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

static void agora_error(mock_resp *resp, int status, const char *type, const char *exception,
                        const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
static void agora_error(mock_resp *resp, int status, const char *type, const char *exception,
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

static json_t *envelope(const cfm_mock *m, const char *action, const char *uri) {
  char full[sizeof(((mock_req *)0)->path) + 32];
  snprintf(full, sizeof(full), "http://127.0.0.1:%u%s", (unsigned)m->port, uri);
  return json_pack("{s:s, s:s, s:s, s:[], s:I, s:i}", "action", action, "application",
                   m->cfg.agora_app_id, "uri", full, "entities", "timestamp",
                   (json_int_t)cfm__mock_now_ms(), "duration", 0);
}

/* Ids are decimal, all of one width, allocated in increasing order, so the
 * creation-ordered array is sorted by strcmp too. */
static agroup *find_group(cfm_mock *m, const char *id) {
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

/* Users that exist in the demo app. */
static int user_exists(const char *u) {
  const char *p = "conform-user-";
  char *end;
  long n;
  if (!u)
    return 0;
  if (strcmp(u, "conform-owner") == 0)
    return 1;
  if (strncmp(u, p, strlen(p)) != 0 || !u[strlen(p)])
    return 0;
  u += strlen(p);
  if (u[0] < '0' || u[0] > '9' || (u[0] == '0' && u[1])) /* digits, no leading zero */
    return 0;
  n = strtol(u, &end, 10);
  return *end == '\0' && n >= 0 && n <= 999;
}

/* A dense index of an existing user: conform-user-N is N, the owner last. */
#define AGORA_USERS 1001
static size_t user_index(const char *u) {
  return strcmp(u, "conform-owner") == 0 ? AGORA_USERS - 1
                                         : (size_t)strtol(u + strlen("conform-user-"), NULL, 10);
}

static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* The first max characters of s, as a new JSON string. */
static json_t *utf8_prefix(const char *s, size_t max) {
  size_t n = 0, i = 0;
  for (; s[i]; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == max)
      break;
  }
  return json_stringn(s, i);
}

/* For the fuzz-only faults: whether s holds a code point in [lo, hi]. */
static int has_cp(const char *s, unsigned lo, unsigned hi) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    unsigned cp = *p, n = 0;
    if (cp >= 0xF0)
      cp &= 0x07, n = 3;
    else if (cp >= 0xE0)
      cp &= 0x0F, n = 2;
    else if (cp >= 0xC0)
      cp &= 0x1F, n = 1;
    for (p++; n && (*p & 0xC0) == 0x80; n--, p++)
      cp = (cp << 6) | (*p & 0x3F);
    if (cp >= lo && cp <= hi)
      return 1;
  }
  return 0;
}

/* agora-combining-dropped: the text with U+0300..U+036F removed (new). */
static json_t *drop_combining(const json_t *v) {
  const char *s = json_string_value(v);
  size_t n = strlen(s), i, o = 0;
  char *t = malloc(n + 1);
  json_t *out;
  if (!t)
    return json_incref((json_t *)v);
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c == 0xCC || (c == 0xCD && (unsigned char)s[i + 1] < 0xB0)) && i + 1 < n) {
      i++;
      continue;
    }
    t[o++] = s[i];
  }
  out = json_stringn(t, o);
  free(t);
  return out ? out : json_incref((json_t *)v);
}

/* The combination faults of check_fields.  Returns 0, or fills resp. */
static int combination_faults(cfm_mock *m, const json_t *body, mock_resp *resp) {
  const char *name = json_string_value(json_object_get(body, "groupname"));
  const char *desc = json_string_value(json_object_get(body, "description"));
  if (name && desc && cfm__mock_fault(m, "agora-name-desc-sum-500") &&
      utf8_chars(name) + utf8_chars(desc) > 600) {
    agora_error(resp, 500, "internal_error", "Exception", "name and description too long%s", "");
    return -1;
  }
  if (name && desc && cfm__mock_fault(m, "agora-zwj-cjk-500") && has_cp(name, 0x4E00, 0x9FFF) &&
      has_cp(desc, 0x200D, 0x200D)) {
    agora_error(resp, 500, "internal_error", "Exception", "cannot index text%s", "");
    return -1;
  }
  return 0;
}

static int is_member(const json_t *g, const char *u) {
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

static void not_found(cfm_mock *m, mock_resp *resp, const char *id) {
  if (cfm__mock_fault(m, "agora-not-found-type"))
    agora_error(resp, 404, "group_not_found", "GroupNotFoundException",
                "grpID %.256s does not exist!", id);
  else if (cfm__mock_fault(m, "agora-not-found-message"))
    agora_error(resp, 404, "resource_not_found", "ResourceNotFoundException", "group %s not found",
                id);
  else
    agora_error(resp, 404, "resource_not_found", "ResourceNotFoundException",
                "grpID %.256s does not exist!", id);
}

/* Field checks shared by create and modify.  Returns 0, or fills resp. */
static int check_fields(cfm_mock *m, json_t *body, mock_resp *resp) {
  static const struct {
    const char *name;
    size_t max;
  } strs[] = {{"groupname", LIMIT_NAME}, {"avatar", LIMIT_AVATAR}, {"description", LIMIT_DESC}};
  static const char *const bools[] = {"public", "allowinvites", "membersonly",
                                      "invite_need_confirm"};
  size_t i;
  const json_t *v;
  for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
    size_t max = strs[i].max;
    v = json_object_get(body, strs[i].name);
    if (!v)
      continue;
    if (!json_is_string(v) && m->cfg.reading_alt) {
      /* The page gives types, not what another type answers: the
       * alternative reading ignores a field of the wrong type. */
      json_object_del(body, strs[i].name);
      continue;
    }
    if (!json_is_string(v)) {
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "%s must be a string",
                  strs[i].name);
      return -1;
    }
    if (i == 1 && cfm__mock_fault(m, "agora-avatar-off-by-one"))
      max--;
    if ((i == 0 && cfm__mock_fault(m, "agora-groupname-counts-bytes")
             ? json_string_length(v)
             : utf8_chars(json_string_value(v))) > max) {
      if (i == 0 && cfm__mock_fault(m, "agora-groupname-over-limit-stored"))
        continue;
      if (m->cfg.reading_alt && i != 1) {
        /* For groupname and description the document gives the maximum,
         * not what a longer value answers (avatar has its error row): the
         * alternative reading keeps the first max characters. */
        json_object_set_new(body, strs[i].name, utf8_prefix(json_string_value(v), max));
        continue;
      }
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "%s length is too big", strs[i].name);
      return -1;
    }
  }
  for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
    v = json_object_get(body, bools[i]);
    if (v && !json_is_boolean(v) && m->cfg.reading_alt) {
      json_object_del(body, bools[i]);
      continue;
    }
    if (v && !json_is_boolean(v)) {
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "%s must be a boolean", bools[i]);
      return -1;
    }
  }
  v = json_object_get(body, "maxusers");
  if (v && !json_is_integer(v) && m->cfg.reading_alt)
    json_object_del(body, "maxusers");
  else if (v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                "maxusers must be a positive integer%s", "");
    return -1;
  }
  v = json_object_get(body, "custom");
  if (v && !json_is_string(v) && m->cfg.reading_alt)
    json_object_del(body, "custom");
  else if (v && (!json_is_string(v) || json_string_length(v) > LIMIT_CUSTOM)) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "custom %s",
                json_is_string(v) ? "length is too big" : "must be a string");
    return -1;
  }
  return combination_faults(m, body, resp);
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

static json_t *parse_body(const mock_req *r, mock_resp *resp) {
  json_t *body;
  if (r->body_too_big) {
    agora_error(resp, 413, "request_entity_too_large", "RequestEntityTooLargeException",
                "request body is too large%s", "");
    return NULL;
  }
  if (!json_content_type(r)) {
    agora_error(resp, 415, "unsupported_media_type", "UnsupportedMediaTypeException",
                "Content-Type must be application/json%s", "");
    return NULL;
  }
  body = cfm_json_parse(r->body, r->body_len, 1u << 20, NULL, 0);
  if (!json_is_object(body)) {
    json_decref(body);
    agora_error(resp, 400, "invalid_parameter", "JsonParseException",
                "request body is not a JSON object%s", "");
    return NULL;
  }
  return body;
}

static void create_group(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  json_t *body = parse_body(r, resp), *g, *members, *v, *env, *uniq = NULL;
  unsigned char seen[AGORA_USERS] = {0};
  agroup *slot;
  size_t i;
  json_int_t maxusers;
  int pub;
  if (!body)
    return;
  if (!json_object_get(body, "public") && !cfm__mock_fault(m, "agora-public-optional")) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                "group must contain public field!%s", "");
    goto out;
  }
  if (!json_is_string(json_object_get(body, "owner"))) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "%s must be provided",
                "owner");
    goto out;
  }
  if (check_fields(m, body, resp))
    goto out;
  if (!user_exists(json_string_value(json_object_get(body, "owner")))) {
    agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                "username %.256s doesn't exist!",
                json_string_value(json_object_get(body, "owner")));
    goto out;
  }
  members = json_object_get(body, "members");
  if (members && !json_is_array(members)) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                "members must be an array%s", "");
    goto out;
  }
  uniq = json_array();
  json_array_foreach(members, i, v) {
    size_t k;
    int dup;
    if (!json_is_string(v) || !user_exists(json_string_value(v))) {
      agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                  "username %.256s doesn't exist!", json_is_string(v) ? json_string_value(v) : "?");
      goto out;
    }
    /* The owner is not a member of the list; a repeated id counts once. */
    k = user_index(json_string_value(v));
    dup = json_equal(v, json_object_get(body, "owner")) || seen[k];
    seen[k] = 1;
    if (!dup)
      json_array_append(uniq, v);
  }
  maxusers = json_is_integer(json_object_get(body, "maxusers"))
                 ? json_integer_value(json_object_get(body, "maxusers"))
                 : 200;
  if ((json_int_t)json_array_size(uniq) + 1 > maxusers &&
      !cfm__mock_fault(m, "agora-members-over-max")) {
    agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                "members size is greater than max user size !%s", "");
    goto out;
  }
  if (m->agora->count >= m->cfg.max_groups) {
    agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                "user %s has joined too many groups!",
                json_string_value(json_object_get(body, "owner")));
    goto out;
  }
  pub = json_is_true(json_object_get(body, "public"));
  g = json_pack("{s:s, s:s, s:s, s:b, s:I, s:b, s:b, s:b, s:O, s:o, s:s, s:b, s:I}", "groupname",
                json_string_value(json_object_get(body, "groupname"))
                    ? json_string_value(json_object_get(body, "groupname"))
                    : "",
                "avatar",
                json_string_value(json_object_get(body, "avatar"))
                    ? json_string_value(json_object_get(body, "avatar"))
                    : "",
                "description",
                json_string_value(json_object_get(body, "description"))
                    ? json_string_value(json_object_get(body, "description"))
                    : "",
                "public", pub, "maxusers", maxusers, "allowinvites",
                json_is_true(json_object_get(body, "allowinvites")), "membersonly",
                json_is_true(json_object_get(body, "membersonly")), "invite_need_confirm",
                json_object_get(body, "invite_need_confirm")
                    ? json_is_true(json_object_get(body, "invite_need_confirm"))
                    : 1,
                "owner", json_object_get(body, "owner"), "members", json_incref(uniq), "custom",
                json_string_value(json_object_get(body, "custom"))
                    ? json_string_value(json_object_get(body, "custom"))
                    : "",
                "disabled", 0, "created", (json_int_t)cfm__mock_now_ms());
  if (!g) {
    agora_error(resp, 500, "internal_error", "Exception", "out of memory%s", "");
    goto out;
  }
  if (cfm__mock_fault(m, "agora-combining-dropped")) {
    json_object_set_new(g, "groupname", drop_combining(json_object_get(g, "groupname")));
    json_object_set_new(g, "description", drop_combining(json_object_get(g, "description")));
  }
  /* The documented rule: public groups never allow member invites at creation. */
  if (pub && !cfm__mock_fault(m, "agora-public-keeps-allowinvites"))
    json_object_set_new(g, "allowinvites", json_false());
  if (m->agora->count == m->agora->cap) {
    size_t ncap = m->agora->cap ? m->agora->cap * 2 : 64;
    agroup *n = realloc(m->agora->items, ncap * sizeof(*n));
    if (!n) {
      json_decref(g);
      agora_error(resp, 500, "internal_error", "Exception", "out of memory%s", "");
      goto out;
    }
    m->agora->items = n;
    m->agora->cap = ncap;
  }
  slot = &m->agora->items[m->agora->count++];
  snprintf(slot->id, sizeof(slot->id), "%llu", m->agora->next_id++);
  slot->g = g;
  env = envelope(m, "post", r->path);
  json_object_set_new(
      env, "data",
      json_pack("{s:s}",
                cfm__mock_fault(m, "agora-create-renames-groupid") ? "group_id" : "groupid",
                slot->id));
  cfm__mock_json(resp, 200, env);
out:
  json_decref(uniq);
  json_decref(body);
}

static void set_disabled(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id,
                         int disabled) {
  agroup *g = find_group(m, id);
  json_t *env;
  if (!g) {
    not_found(m, resp, id);
    return;
  }
  if (!cfm__mock_fault(m, "agora-disabled-not-shown"))
    json_object_set_new(g->g, "disabled", json_boolean(disabled));
  if (!disabled && cfm__mock_fault(m, "agora-enable-clears-custom"))
    json_object_set_new(g->g, "custom", json_string(""));
  env = envelope(m, "post", r->path);
  json_object_set_new(env, "data", json_pack("{s:b}", "disabled", disabled));
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
}

static void modify_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  static const char *const allowed[] = {
      "groupname",           "avatar", "description", "maxusers", "membersonly", "allowinvites",
      "invite_need_confirm", "public", "custom"};
  json_t *body = parse_body(r, resp), *data, *env, *v;
  const char *key;
  agroup *g;
  size_t i;
  if (!body)
    return;
  g = find_group(m, id);
  if (!g) {
    not_found(m, resp, id);
    goto out;
  }
  json_object_foreach(body, key, v) {
    int ok = 0;
    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
      ok |= strcmp(key, allowed[i]) == 0;
    if (!ok && !cfm__mock_fault(m, "agora-modify-accepts-unsupported")) {
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "some of [%s] are not valid fields", key);
      goto out;
    }
  }
  if (check_fields(m, body, resp))
    goto out;
  data = json_object();
  json_object_foreach(body, key, v) {
    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
      if (strcmp(key, allowed[i]) == 0) {
        int drop = json_is_string(v) && cfm__mock_fault(m, "agora-combining-dropped") &&
                   (!strcmp(key, "groupname") || !strcmp(key, "description"));
        json_object_set_new(g->g, key, drop ? drop_combining(v) : json_incref(v));
        json_object_set_new(data, key, json_true());
      }
  }
  if (cfm__mock_fault(m, "agora-modify-disabled-reenables"))
    json_object_set_new(g->g, "disabled", json_false());
  env = envelope(m, "put", r->path);
  json_object_set_new(env, "data", data);
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
out:
  json_decref(body);
}

/* Index of the newest group whose numeric id is <= id, or -1.  Groups sit
 * in creation order with increasing ids. */
static long newest_at_or_below(const cfm_mock *m, unsigned long long id) {
  long lo = 0, hi = (long)m->agora->count - 1, best = -1;
  while (lo <= hi) {
    long mid = lo + (hi - lo) / 2;
    if (strtoull(m->agora->items[mid].id, NULL, 10) <= id) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/* The cursor is "c" + the id of the next group to return, in the
 * newest-first order.  Being a position in the id order rather than an
 * offset, it neither repeats nor skips a group when others are created or
 * deleted between pages (the document does not say; a stable walk is the
 * reading least likely to surprise a client). */
static void list_groups(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  char buf[64];
  long limit = 10, i, emitted = 0;
  json_t *env, *data;
  if (cfm__mock_query(r, "limit", buf, sizeof(buf))) {
    char *end;
    limit = strtol(buf, &end, 10);
    if (*end || end == buf || limit < 1 ||
        (limit > 1000 && cfm__mock_fault(m, "agora-list-no-clamp"))) {
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "limit must be in [1,1000]: %s", buf);
      return;
    }
    if (limit > 1000 && !cfm__mock_fault(m, "agora-list-unclamped"))
      limit = 1000; /* documented: above 1000 still returns 1000 */
  }
  i = (long)m->agora->count - 1;
  if (cfm__mock_query(r, "cursor", buf, sizeof(buf)) && buf[0]) {
    char *end = NULL;
    unsigned long long at = 0;
    if (buf[0] == 'c' && buf[1] >= '0' && buf[1] <= '9')
      at = strtoull(buf + 1, &end, 10);
    if (!end || *end) {
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "bad cursor %s", buf);
      return;
    }
    i = newest_at_or_below(m, at);
  }
  data = json_array();
  for (; i >= 0 && emitted < limit; i--, emitted++) {
    const agroup *g = &m->agora->items[i];
    char lm[32];
    snprintf(lm, sizeof(lm), "%lld",
             (long long)json_integer_value(json_object_get(g->g, "created")));
    json_array_append_new(
        data,
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "owner",
                  json_string_value(json_object_get(g->g, "owner")), "groupid", g->id,
                  "affiliations", (json_int_t)json_array_size(json_object_get(g->g, "members")) + 1,
                  "type", "group", "lastModified", lm, "groupname",
                  json_string_value(json_object_get(g->g, "groupname"))));
  }
  if (cfm__mock_fault(m, "agora-list-duplicates") && i >= 0 && emitted > 0)
    i++; /* the next page starts one too early */
  if (cfm__mock_fault(m, "agora-list-drops") && i >= 0)
    i--; /* the next page skips one */
  env = envelope(m, "get", r->path);
  if (cfm__mock_query(r, "limit", buf, sizeof(buf)))
    json_object_set_new(env, "params", json_pack("{s:[s]}", "limit", buf));
  json_object_set_new(env, "data", data);
  json_object_set_new(env, "count", json_integer((json_int_t)json_array_size(data)));
  if (i >= 0) {
    snprintf(buf, sizeof(buf), "c%s", m->agora->items[i].id);
    json_object_set_new(env, "cursor", json_string(buf));
  }
  cfm__mock_json(resp, 200, env);
}

/* A copy of a state value for an answer.  Answers are encoded after the
 * state lock is released, so they must not share values with the state:
 * jansson's reference counts are atomic but do not order the last free
 * after another thread's reads. */
static json_t *cp(const json_t *v) {
  return v ? json_copy((json_t *)v) : json_null();
}

static void user_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *user) {
  char buf[64];
  long pagesize = 5, pagenum = 0, skip, i, total = 0;
  json_t *env, *ents = json_array();
  if (cfm__mock_query(r, "pagesize", buf, sizeof(buf))) {
    char *end;
    pagesize = strtol(buf, &end, 10);
    if (*end || end == buf || pagesize < 1 ||
        (pagesize > 20 && cfm__mock_fault(m, "agora-pagesize-no-clamp"))) {
      json_decref(ents);
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "pagesize must be in [1,20]: %s", buf);
      return;
    }
    if (pagesize > 20 && !cfm__mock_fault(m, "agora-pagesize-unclamped"))
      pagesize = 20;
  }
  if (cfm__mock_query(r, "pagenum", buf, sizeof(buf))) {
    char *end;
    pagenum = strtol(buf, &end, 10);
    if (*end || end == buf || pagenum < 0) {
      json_decref(ents);
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "pagenum must be a number: %s", buf);
      return;
    }
  }
  /* A page past any list is empty, also one whose offset would overflow. */
  skip = pagenum > (LONG_MAX - pagesize) / pagesize ? LONG_MAX - pagesize : pagenum * pagesize;
  for (i = (long)m->agora->count - 1; i >= 0; i--) {
    const agroup *g = &m->agora->items[i];
    if (!is_member(g->g, user))
      continue;
    if (total >= skip && total < skip + pagesize)
      json_array_append_new(
          ents, json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                          g->id, "groupId", g->id, "name", cp(json_object_get(g->g, "groupname")),
                          "avatar", cp(json_object_get(g->g, "avatar")), "owner",
                          json_string_value(json_object_get(g->g, "owner")), "description",
                          cp(json_object_get(g->g, "description")), "disabled",
                          cp(json_object_get(g->g, "disabled")), "public",
                          cp(json_object_get(g->g, "public")), "allowinvites",
                          cp(json_object_get(g->g, "allowinvites")), "membersonly",
                          cp(json_object_get(g->g, "membersonly")), "maxusers",
                          cp(json_object_get(g->g, "maxusers")), "created",
                          cp(json_object_get(g->g, "created"))));
    total++;
  }
  env = envelope(m, "get", r->path);
  json_object_set_new(env, "entities", ents);
  json_object_set_new(env, "total", json_integer(total));
  cfm__mock_json(resp, 200, env);
}

static json_t *detail(const agroup *g) {
  json_t *aff = json_array(), *v;
  size_t i;
  json_array_foreach(json_object_get(g->g, "members"), i, v)
      json_array_append_new(aff, json_pack("{s:o}", "member", cp(v)));
  json_array_append_new(aff, json_pack("{s:o}", "owner", cp(json_object_get(g->g, "owner"))));
  return json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o, s:o}", "id", g->id,
      "name", cp(json_object_get(g->g, "groupname")), "avatar", cp(json_object_get(g->g, "avatar")),
      "description", cp(json_object_get(g->g, "description")), "membersonly",
      cp(json_object_get(g->g, "membersonly")), "allowinvites",
      cp(json_object_get(g->g, "allowinvites")), "maxusers", cp(json_object_get(g->g, "maxusers")),
      "owner", cp(json_object_get(g->g, "owner")), "created", cp(json_object_get(g->g, "created")),
      "affiliations", aff, "affiliations_count",
      (json_int_t)json_array_size(json_object_get(g->g, "members")) + 1, "disabled",
      cp(json_object_get(g->g, "disabled")), "mute", 0, "public",
      cp(json_object_get(g->g, "public")), "custom", cp(json_object_get(g->g, "custom")));
}

static void get_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *ids) {
  char copy[4096], *tok, *save = NULL;
  json_t *data = json_array(), *env;
  size_t n = 0, found = 0;
  char first_missing[256] = "";
  snprintf(copy, sizeof(copy), "%s", ids);
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (++n > LIMIT_DETAIL_IDS) {
      json_decref(data);
      agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                  "at most 100 group ids may be given%s", "");
      return;
    }
  }
  snprintf(copy, sizeof(copy), "%s", ids);
  save = NULL;
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    agroup *g = find_group(m, tok);
    if (g) {
      json_array_append_new(data, detail(g));
      found++;
    } else {
      if (!first_missing[0])
        snprintf(first_missing, sizeof(first_missing), "%s", tok);
      json_array_append_new(data,
                            json_pack("{s:s, s:s}", "id", tok, "error", "group id doesn't exist"));
    }
  }
  if (found == 0) {
    json_decref(data);
    not_found(m, resp, first_missing[0] ? first_missing : ids);
    return;
  }
  env = envelope(m, "get", r->path);
  json_object_set_new(env, "data", data);
  json_object_set_new(env, "count", json_integer((json_int_t)found));
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
}

static void delete_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  agroup *g = find_group(m, id);
  json_t *env;
  if (!g) {
    not_found(m, resp, id);
    return;
  }
  if (!cfm__mock_fault(m, "agora-use-after-delete")) {
    size_t idx = (size_t)(g - m->agora->items);
    json_decref(g->g);
    memmove(g, g + 1, (m->agora->count - idx - 1) * sizeof(*g));
    m->agora->count--;
  }
  env = envelope(m, "delete", r->path);
  json_object_set_new(env, "data", json_pack("{s:b, s:s}", "success", 1, "groupid", id));
  cfm__mock_json(resp, 200, env);
}

static void add_members(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  json_t *body = parse_body(r, resp), *names, *v, *added, *env;
  agroup *g;
  size_t i;
  if (!body)
    return;
  g = find_group(m, id);
  names = json_object_get(body, "usernames");
  if (!g) {
    not_found(m, resp, id);
    goto out;
  }
  if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > LIMIT_ADD) {
    agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                "usernames must be an array of 1 to 60 user ids%s", "");
    goto out;
  }
  json_array_foreach(names, i, v) {
    if (!json_is_string(v) || !user_exists(json_string_value(v))) {
      agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                  "username %.256s doesn't exist!", json_is_string(v) ? json_string_value(v) : "?");
      goto out;
    }
    if (is_member(g->g, json_string_value(v))) {
      agora_error(resp, 403, "forbidden_op", "ForbiddenOpException", "user %s is already a member",
                  json_string_value(v));
      goto out;
    }
  }
  if ((json_int_t)(json_array_size(json_object_get(g->g, "members")) + json_array_size(names) + 1) >
      json_integer_value(json_object_get(g->g, "maxusers"))) {
    agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                "members size is greater than max user size !%s", "");
    goto out;
  }
  added = json_array();
  json_array_foreach(names, i, v) {
    json_array_append(json_object_get(g->g, "members"), v);
    json_array_append(added, v);
  }
  env = envelope(m, "post", r->path);
  json_object_set_new(
      env, "data",
      json_pack("{s:o, s:s, s:s}", "newmembers", added, "groupid", g->id, "action", "add_member"));
  cfm__mock_json(resp, 200, env);
out:
  json_decref(body);
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
    agora_error(resp, 404, "organization_application_not_found", "ApplicationNotFoundException",
                "Could not find application for %s", r->path);
    return 1;
  }
  rest = r->path + plen;
  n = segments(rest, seg, 5);
  /* Auth first, as the service does. */
  if (!cfm__mock_fault(m, "agora-auth-not-enforced") && !authorized(m, r)) {
    agora_error(resp, cfm__mock_fault(m, "agora-auth-403") ? 403 : 401, "unauthorized",
                "UnauthorizedException", "Unable to authenticate (OAuth)%s", "");
    return 1;
  }
  if (n == 2 && !strcmp(seg[0], "user") && !strcmp(method, "GET"))
    rate = 50;
  pthread_mutex_lock(&m->lock);
  if (!cfm__mock_rate_take(m, rate == 50 ? "agora.user_groups" : "agora", rate)) {
    agora_error(resp, 429, "reach_limit", "ReachLimitException",
                "This request has reached api limit%s", "");
  } else if (n == 0 && !strcmp(method, "POST")) {
    create_group(m, r, resp);
  } else if (n == 0 && !strcmp(method, "GET")) {
    list_groups(m, r, resp);
  } else if (n == 2 && !strcmp(seg[0], "user") && !strcmp(method, "GET")) {
    user_groups(m, r, resp, seg[1]);
  } else if (n == 1 && !strcmp(method, "GET")) {
    get_groups(m, r, resp, seg[0]);
  } else if (n == 1 && !strcmp(method, "PUT")) {
    modify_group(m, r, resp, seg[0]);
  } else if (n == 1 && !strcmp(method, "DELETE")) {
    delete_group(m, r, resp, seg[0]);
  } else if (n == 2 && !strcmp(seg[1], "disable") && !strcmp(method, "POST")) {
    set_disabled(m, r, resp, seg[0], 1);
  } else if (n == 2 && !strcmp(seg[1], "enable") && !strcmp(method, "POST")) {
    set_disabled(m, r, resp, seg[0], 0);
  } else if (n == 2 && !strcmp(seg[1], "users") && !strcmp(method, "POST")) {
    /* The alternative reading lacks this fixture operation (a secondary
     * source) and answers as for a path it does not serve. */
    if (m->cfg.reading_alt)
      agora_error(resp, 404, "no_route", "NoRouteException", "no route for %s", r->path);
    else
      add_members(m, r, resp, seg[0]);
  } else if (n == 4 && !strcmp(seg[1], "user") && !strcmp(seg[3], "is_joined") &&
             !strcmp(method, "GET")) {
    agroup *g = find_group(m, seg[0]);
    if (!g) {
      not_found(m, resp, seg[0]);
    } else {
      json_t *env = envelope(m, "get", r->path);
      int joined = is_member(g->g, seg[2]);
      json_object_set_new(env, "data",
                          cfm__mock_fault(m, "agora-is-joined-string")
                              ? json_string(joined ? "true" : "false")
                              : json_boolean(joined));
      json_object_set_new(env, "organization", json_string("conform-demo-org"));
      cfm__mock_json(resp, 200, env);
    }
  } else {
    agora_error(resp, 405, "method_not_allowed", "MethodNotAllowedException",
                "%s is not supported here", method);
  }
  pthread_mutex_unlock(&m->lock);
  return 1;
}

const cfm__mock_vendor cfm__mock_vendor_agora = {"agora-chat", cfm__mock_agora_init,
                                                 cfm__mock_agora_free, cfm__mock_agora,
                                                 cfm__mock_agora_faults};
