/* conform mock — Agora Chat: the handlers that read groups (the app's
 * list with its cursor, a user's groups by page, details of up to 100
 * ids).  Must not change the state, route requests or check auth. */
#include "mock_agora_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DETAIL_IDS 100 /* 获取群组详情: up to 100 ids */

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
void cfm__agora_list_groups(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  char buf[64];
  long limit = 10, i, emitted = 0;
  json_t *env, *data;
  if (cfm__mock_query(r, "limit", buf, sizeof(buf))) {
    char *end;
    limit = strtol(buf, &end, 10);
    if (*end || end == buf || limit < 1 ||
        (limit > 1000 && cfm__mock_fault(m, "agora-list-no-clamp"))) {
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
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
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException", "bad cursor %s",
                       buf);
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
  env = cfm__agora_envelope(m, "get", r->path);
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

void cfm__agora_user_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *user) {
  char buf[64];
  long pagesize = 5, pagenum = 0, skip, i, total = 0;
  json_t *env, *ents = json_array();
  if (cfm__mock_query(r, "pagesize", buf, sizeof(buf))) {
    char *end;
    pagesize = strtol(buf, &end, 10);
    if (*end || end == buf || pagesize < 1 ||
        (pagesize > 20 && cfm__mock_fault(m, "agora-pagesize-no-clamp"))) {
      json_decref(ents);
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
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
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                       "pagenum must be a number: %s", buf);
      return;
    }
  }
  /* A page past any list is empty, also one whose offset would overflow. */
  skip = pagenum > (LONG_MAX - pagesize) / pagesize ? LONG_MAX - pagesize : pagenum * pagesize;
  for (i = (long)m->agora->count - 1; i >= 0; i--) {
    const agroup *g = &m->agora->items[i];
    if (!cfm__agora_is_member(g->g, user))
      continue;
    if (total >= skip && total < skip + pagesize)
      json_array_append_new(
          ents,
          json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", g->id,
                    "groupId", g->id, "name", cfm__agora_cp(json_object_get(g->g, "groupname")),
                    "avatar", cfm__agora_cp(json_object_get(g->g, "avatar")), "owner",
                    json_string_value(json_object_get(g->g, "owner")), "description",
                    cfm__agora_cp(json_object_get(g->g, "description")), "disabled",
                    cfm__agora_cp(json_object_get(g->g, "disabled")), "public",
                    cfm__agora_cp(json_object_get(g->g, "public")), "allowinvites",
                    cfm__agora_cp(json_object_get(g->g, "allowinvites")), "membersonly",
                    cfm__agora_cp(json_object_get(g->g, "membersonly")), "maxusers",
                    cfm__agora_cp(json_object_get(g->g, "maxusers")), "created",
                    cfm__agora_cp(json_object_get(g->g, "created"))));
    total++;
  }
  env = cfm__agora_envelope(m, "get", r->path);
  json_object_set_new(env, "entities", ents);
  json_object_set_new(env, "total", json_integer(total));
  cfm__mock_json(resp, 200, env);
}

static json_t *detail(const agroup *g) {
  json_t *aff = json_array(), *v;
  size_t i;
  json_array_foreach(json_object_get(g->g, "members"), i, v)
      json_array_append_new(aff, json_pack("{s:o}", "member", cfm__agora_cp(v)));
  json_array_append_new(aff,
                        json_pack("{s:o}", "owner", cfm__agora_cp(json_object_get(g->g, "owner"))));
  return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o, s:o}",
                   "id", g->id, "name", cfm__agora_cp(json_object_get(g->g, "groupname")), "avatar",
                   cfm__agora_cp(json_object_get(g->g, "avatar")), "description",
                   cfm__agora_cp(json_object_get(g->g, "description")), "membersonly",
                   cfm__agora_cp(json_object_get(g->g, "membersonly")), "allowinvites",
                   cfm__agora_cp(json_object_get(g->g, "allowinvites")), "maxusers",
                   cfm__agora_cp(json_object_get(g->g, "maxusers")), "owner",
                   cfm__agora_cp(json_object_get(g->g, "owner")), "created",
                   cfm__agora_cp(json_object_get(g->g, "created")), "affiliations", aff,
                   "affiliations_count",
                   (json_int_t)json_array_size(json_object_get(g->g, "members")) + 1, "disabled",
                   cfm__agora_cp(json_object_get(g->g, "disabled")), "mute", 0, "public",
                   cfm__agora_cp(json_object_get(g->g, "public")), "custom",
                   cfm__agora_cp(json_object_get(g->g, "custom")));
}

void cfm__agora_get_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *ids) {
  char copy[4096], *tok, *save = NULL;
  json_t *data = json_array(), *env;
  size_t n = 0, found = 0;
  char first_missing[256] = "";
  snprintf(copy, sizeof(copy), "%s", ids);
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (++n > LIMIT_DETAIL_IDS) {
      json_decref(data);
      cfm__agora_error(resp, 400, "invalid_parameter", "IllegalArgumentException",
                       "at most 100 group ids may be given%s", "");
      return;
    }
  }
  snprintf(copy, sizeof(copy), "%s", ids);
  save = NULL;
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    agroup *g = cfm__agora_find_group(m, tok);
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
    cfm__agora_not_found(m, resp, first_missing[0] ? first_missing : ids);
    return;
  }
  env = cfm__agora_envelope(m, "get", r->path);
  json_object_set_new(env, "data", data);
  json_object_set_new(env, "count", json_integer((json_int_t)found));
  json_object_set_new(env, "properties", json_object());
  cfm__mock_json(resp, 200, env);
}
