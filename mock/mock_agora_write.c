/* conform mock — Agora Chat: the handlers that change groups (create,
 * modify, disable/enable, delete, add members) and the field checks they
 * share (limits, types, the fuzz-only combination faults).  Must not route
 * requests or check auth (mock_agora.c) nor answer lists (mock_agora_read.c). */
#include "mock_agora_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_NAME 128    /* 创建群组 > 请求 body: groupname */
#define LIMIT_AVATAR 1024 /* avatar */
#define LIMIT_DESC 512    /* description */
#define LIMIT_CUSTOM 8192 /* custom: 8 KB, read as bytes */
#define LIMIT_ADD 60      /* add members (secondary) */

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
    cfm__agora_error(resp, 500, "internal_error", "Exception", "name and description too long%s",
                     "");
    return -1;
  }
  if (name && desc && cfm__mock_fault(m, "agora-zwj-cjk-500") && has_cp(name, 0x4E00, 0x9FFF) &&
      has_cp(desc, 0x200D, 0x200D)) {
    cfm__agora_error(resp, 500, "internal_error", "Exception", "cannot index text%s", "");
    return -1;
  }
  return 0;
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
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                       "%s must be a string", strs[i].name);
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
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
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
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                       "%s must be a boolean", bools[i]);
      return -1;
    }
  }
  v = json_object_get(body, "maxusers");
  if (v && !json_is_integer(v) && m->cfg.reading_alt)
    json_object_del(body, "maxusers");
  else if (v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                     "maxusers must be a positive integer%s", "");
    return -1;
  }
  v = json_object_get(body, "custom");
  if (v && !json_is_string(v) && m->cfg.reading_alt)
    json_object_del(body, "custom");
  else if (v && (!json_is_string(v) || json_string_length(v) > LIMIT_CUSTOM)) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "custom %s",
                     json_is_string(v) ? "length is too big" : "must be a string");
    return -1;
  }
  return combination_faults(m, body, resp);
}

/* The distinct members of a create (not the owner), each an existing user.
 * Returns 0 with *uniq set (new), or -1 with resp filled. */
static int create_members(const json_t *body, mock_resp *resp, json_t **uniq) {
  unsigned char seen[AGORA_USERS] = {0};
  json_t *members, *v;
  size_t i;
  members = json_object_get(body, "members");
  if (members && !json_is_array(members)) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                     "members must be an array%s", "");
    return -1;
  }
  *uniq = json_array();
  json_array_foreach(members, i, v) {
    size_t k;
    int dup;
    if (!json_is_string(v) || !user_exists(json_string_value(v))) {
      cfm__agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                       "username %.256s doesn't exist!",
                       json_is_string(v) ? json_string_value(v) : "?");
      return -1;
    }
    /* The owner is not a member of the list; a repeated id counts once. */
    k = user_index(json_string_value(v));
    dup = json_equal(v, json_object_get(body, "owner")) || seen[k];
    seen[k] = 1;
    if (!dup)
      json_array_append(*uniq, v);
  }
  return 0;
}

/* The stored group object of a create (new), or NULL when out of memory. */
static json_t *group_record(cfm_mock *m, const json_t *body, json_t *uniq, json_int_t maxusers,
                            int pub) {
  json_t *g;
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
  if (!g)
    return NULL;
  if (cfm__mock_fault(m, "agora-combining-dropped")) {
    json_object_set_new(g, "groupname", drop_combining(json_object_get(g, "groupname")));
    json_object_set_new(g, "description", drop_combining(json_object_get(g, "description")));
  }
  /* The documented rule: public groups never allow member invites at creation. */
  if (pub && !cfm__mock_fault(m, "agora-public-keeps-allowinvites"))
    json_object_set_new(g, "allowinvites", json_false());
  return g;
}

/* A slot at the end of the groups for g (stolen), with the next id; NULL
 * when out of memory (g freed, resp filled). */
static agroup *store_group(cfm_mock *m, json_t *g, mock_resp *resp) {
  agroup *slot;
  if (m->agora->count == m->agora->cap) {
    size_t ncap = m->agora->cap ? m->agora->cap * 2 : 64;
    agroup *n = realloc(m->agora->items, ncap * sizeof(*n));
    if (!n) {
      json_decref(g);
      cfm__agora_error(resp, 500, "internal_error", "Exception", "out of memory%s", "");
      return NULL;
    }
    m->agora->items = n;
    m->agora->cap = ncap;
  }
  slot = &m->agora->items[m->agora->count++];
  snprintf(slot->id, sizeof(slot->id), "%llu", m->agora->next_id++);
  slot->g = g;
  return slot;
}

void cfm__agora_create_group(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  json_t *body = cfm__agora_parse_body(r, resp), *g, *env, *uniq = NULL;
  agroup *slot;
  json_int_t maxusers;
  int pub;
  if (!body)
    return;
  if (!json_object_get(body, "public") && !cfm__mock_fault(m, "agora-public-optional")) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                     "group must contain public field!%s", "");
    goto out;
  }
  if (!json_is_string(json_object_get(body, "owner"))) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                     "%s must be provided", "owner");
    goto out;
  }
  if (check_fields(m, body, resp))
    goto out;
  if (!user_exists(json_string_value(json_object_get(body, "owner")))) {
    cfm__agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                     "username %.256s doesn't exist!",
                     json_string_value(json_object_get(body, "owner")));
    goto out;
  }
  if (create_members(body, resp, &uniq))
    goto out;
  maxusers = json_is_integer(json_object_get(body, "maxusers"))
                 ? json_integer_value(json_object_get(body, "maxusers"))
                 : 200;
  if ((json_int_t)json_array_size(uniq) + 1 > maxusers &&
      !cfm__mock_fault(m, "agora-members-over-max")) {
    cfm__agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                     "members size is greater than max user size !%s", "");
    goto out;
  }
  if (m->agora->count >= m->cfg.max_groups) {
    cfm__agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                     "user %s has joined too many groups!",
                     json_string_value(json_object_get(body, "owner")));
    goto out;
  }
  pub = json_is_true(json_object_get(body, "public"));
  if (!(g = group_record(m, body, uniq, maxusers, pub))) {
    cfm__agora_error(resp, 500, "internal_error", "Exception", "out of memory%s", "");
    goto out;
  }
  if (!(slot = store_group(m, g, resp)))
    goto out;
  env = cfm__agora_envelope(m, "post", r->path);
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

void cfm__agora_set_disabled(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id,
                             int disabled) {
  agroup *g = cfm__agora_find_group(m, id);
  json_t *env;
  if (!g) {
    cfm__agora_not_found(m, resp, id);
    return;
  }
  if (!cfm__mock_fault(m, "agora-disabled-not-shown"))
    json_object_set_new(g->g, "disabled", json_boolean(disabled));
  if (!disabled && cfm__mock_fault(m, "agora-enable-clears-custom"))
    json_object_set_new(g->g, "custom", json_string(""));
  env = cfm__agora_envelope(m, "post", r->path);
  json_object_set_new(env, "data", json_pack("{s:b}", "disabled", disabled));
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
}

void cfm__agora_modify_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  static const char *const allowed[] = {
      "groupname",           "avatar", "description", "maxusers", "membersonly", "allowinvites",
      "invite_need_confirm", "public", "custom"};
  json_t *body = cfm__agora_parse_body(r, resp), *data, *env, *v;
  const char *key;
  agroup *g;
  size_t i;
  if (!body)
    return;
  g = cfm__agora_find_group(m, id);
  if (!g) {
    cfm__agora_not_found(m, resp, id);
    goto out;
  }
  json_object_foreach(body, key, v) {
    int ok = 0;
    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
      ok |= strcmp(key, allowed[i]) == 0;
    if (!ok && !cfm__mock_fault(m, "agora-modify-accepts-unsupported")) {
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
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
  env = cfm__agora_envelope(m, "put", r->path);
  json_object_set_new(env, "data", data);
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
out:
  json_decref(body);
}

void cfm__agora_delete_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  agroup *g = cfm__agora_find_group(m, id);
  json_t *env;
  if (!g) {
    cfm__agora_not_found(m, resp, id);
    return;
  }
  if (!cfm__mock_fault(m, "agora-use-after-delete")) {
    size_t idx = (size_t)(g - m->agora->items);
    json_decref(g->g);
    memmove(g, g + 1, (m->agora->count - idx - 1) * sizeof(*g));
    m->agora->count--;
  }
  env = cfm__agora_envelope(m, "delete", r->path);
  json_object_set_new(env, "data", json_pack("{s:b, s:s}", "success", 1, "groupid", id));
  cfm__mock_json(resp, 200, env);
}

void cfm__agora_add_members(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id) {
  json_t *body = cfm__agora_parse_body(r, resp), *names, *v, *added, *env;
  agroup *g;
  size_t i;
  if (!body)
    return;
  g = cfm__agora_find_group(m, id);
  names = json_object_get(body, "usernames");
  if (!g) {
    cfm__agora_not_found(m, resp, id);
    goto out;
  }
  if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > LIMIT_ADD) {
    cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                     "usernames must be an array of 1 to 60 user ids%s", "");
    goto out;
  }
  json_array_foreach(names, i, v) {
    if (!json_is_string(v) || !user_exists(json_string_value(v))) {
      cfm__agora_error(resp, 404, "resource_not_found", "EntityNotFoundException",
                       "username %.256s doesn't exist!",
                       json_is_string(v) ? json_string_value(v) : "?");
      goto out;
    }
    if (cfm__agora_is_member(g->g, json_string_value(v))) {
      cfm__agora_error(resp, 403, "forbidden_op", "ForbiddenOpException",
                       "user %s is already a member", json_string_value(v));
      goto out;
    }
  }
  if ((json_int_t)(json_array_size(json_object_get(g->g, "members")) + json_array_size(names) + 1) >
      json_integer_value(json_object_get(g->g, "maxusers"))) {
    cfm__agora_error(resp, 403, "exceed_limit", "ExceedLimitException",
                     "members size is greater than max user size !%s", "");
    goto out;
  }
  added = json_array();
  json_array_foreach(names, i, v) {
    json_array_append(json_object_get(g->g, "members"), v);
    json_array_append(added, v);
  }
  env = cfm__agora_envelope(m, "post", r->path);
  json_object_set_new(
      env, "data",
      json_pack("{s:o, s:s, s:s}", "newmembers", added, "groupid", g->id, "action", "add_member"));
  cfm__mock_json(resp, 200, env);
out:
  json_decref(body);
}
