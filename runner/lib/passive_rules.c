/* conform — passive rules that the spec's scenarios state and traffic can
 * show: cross-field rules of one request (members over maxusers, fields a
 * modify does not take) and facts the stream saw about the groups it
 * created (type, members, sub-groups, disabled, allowinvites forced off
 * for a public group, a value stored beyond its documented maximum).
 *
 * Each rule is switched on by the scenario of the spec that states it
 * (looked up by id) and cites that scenario's (or the spec row's)
 * provenance; a spec without the scenario gets no rule.  Only groups the
 * stream itself saw created are judged.  Owns cfm_passive_stream.groups;
 * must not judge what one exchange shows on its own (passive_request.c,
 * passive.c) nor deleted ids and cursor walks (passive_stream.c). */
#include "passive_internal.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most groups a stream keeps facts about (bounded memory). */
#define MAX_GROUPS 100000

/* The provenance of the spec's scenario id (borrowed), or NULL when the
 * spec has no such scenario: the rule is then off. */
static const json_t *scenario_prov(const cfm_spec *spec, const char *id) {
  const json_t *sc;
  size_t i;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    if (cfm_json_str(sc, "id") && !strcmp(cfm_json_str(sc, "id"), id))
      return json_object_get(sc, "provenance");
  }
  return NULL;
}

/* 1 when the scenario id creates a group of type (a create step's body
 * Type, a ${var.X} resolved to the variable's default). */
static int scenario_creates_type(const cfm_spec *spec, const char *id, const char *type) {
  const json_t *sc, *st;
  size_t i, k;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    if (!cfm_json_str(sc, "id") || strcmp(cfm_json_str(sc, "id"), id))
      continue;
    json_array_foreach(json_object_get(sc, "steps"), k, st) {
      const char *t = cfm_json_str(json_object_get(json_object_get(st, "request"), "body"), "Type");
      char var[64];
      if (t && sscanf(t, "${var.%63[^}]}", var) == 1)
        t = cfm_json_str(json_object_get(json_object_get(spec->root, "variables"), var), "default");
      if (t && !strcmp(t, type))
        return 1;
    }
  }
  return 0;
}

static int op_is(const json_t *op, const char *id) {
  const char *o = cfm_json_str(op, "id");
  return o && !strcmp(o, id);
}

/* The facts kept about the group id names (borrowed), or NULL. */
static json_t *group_of(const cfm_spec *spec, const cfm_passive_stream *s, const json_t *id) {
  char key[600], t[400];
  if (!s || !s->groups || !id || json_is_null(id))
    return NULL;
  snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor, cfm_json_scalar_text(id, t, sizeof(t)));
  return json_object_get(s->groups, key);
}

/* The id of the group the request names (borrowed), or NULL. */
static const json_t *request_group(const cfm_spec *spec, const req_view *rv) {
  passive_resource r;
  if (!cfm__passive_find_resource(spec, &r))
    return NULL;
  return !strcmp(r.in, "path") ? json_object_get(rv->path, r.param)
                               : json_object_get(rv->body, r.param);
}

/* ---- one request -------------------------------------------------------------- */

/* A modify that names a field it does not take is refused (the row whose
 * trigger is unsupported_field). */
static void unsupported_fields(const cfm_spec *spec, const json_t *op, const req_view *rv,
                               violation *vi) {
  const json_t *row = NULL, *r, *p, *v;
  const char *k;
  size_t i;
  json_array_foreach(json_object_get(op, "errors"), i, r) {
    if (cfm_json_str(r, "trigger") && !strcmp(cfm_json_str(r, "trigger"), "unsupported_field"))
      row = r;
  }
  if (!row || !rv->body)
    return;
  (void)spec;
  json_object_foreach(rv->body, k, v) {
    int known = 0;
    json_array_foreach(json_object_get(op, "params"), i, p) {
      known |= cfm_json_str(p, "in") && !strcmp(cfm_json_str(p, "in"), "body") &&
               cfm_json_str(p, "name") && !strcmp(cfm_json_str(p, "name"), k);
    }
    if (!known) {
      cfm__passive_violate(vi, json_object_get(row, "provenance"), cfm_json_str(row, "id"),
                           "body field %s is not one the operation takes", k);
      return;
    }
  }
}

/* Creating a group with more members than maxusers is refused. */
static void members_over_max(const cfm_spec *spec, const json_t *op, const req_view *rv,
                             violation *vi) {
  const json_t *prov = scenario_prov(spec, "members_over_maxusers");
  const json_t *members = json_object_get(rv->body, "members");
  const json_t *max = json_object_get(rv->body, "maxusers");
  if (!prov || !op_is(op, "create_group") || !json_is_array(members) || !json_is_integer(max) ||
      !cfm_spec_error_row(spec, op, "members_over_max"))
    return;
  /* Whether the owner counts against maxusers is read both ways
   * (docs/passive.md): only members alone over it break the statement. */
  if ((json_int_t)json_array_size(members) > json_integer_value(max))
    cfm__passive_violate(vi, prov, "members_over_max",
                         "%zu members for maxusers %lld: members may not exceed maxusers",
                         json_array_size(members), (long long)json_integer_value(max));
}

/* The value the user declared (check --config) for the variable that the
 * scenario id sends as the query parameter name of op, or NULL. */
static const char *declared_sender(const cfm_spec *spec, const cfm_passive_stream *s,
                                   const char *id, const json_t *op, const char *name) {
  const json_t *sc, *st;
  size_t i, k;
  char var[64];
  if (!s->declared)
    return NULL;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    if (!cfm_json_str(sc, "id") || strcmp(cfm_json_str(sc, "id"), id))
      continue;
    json_array_foreach(json_object_get(sc, "steps"), k, st) {
      const char *v = cfm_json_str(json_object_get(json_object_get(st, "request"), "query"), name);
      if (op_is(op, cfm_json_str(st, "op") ? cfm_json_str(st, "op") : "") && v &&
          sscanf(v, "${var.%63[^}]}", var) == 1)
        return cfm_json_str(json_object_get(s->declared, spec->vendor), var);
    }
  }
  return NULL;
}

/* A deletion by another operator than the group's creator: refused when
 * the operator is the non-admin account the user declared; otherwise who
 * else is an admin is not in the traffic, so a success only warns. */
static void non_admin(const cfm_spec *spec, const json_t *op, const req_view *rv,
                      const cfm_passive_stream *s, const json_t *g, const json_t *prov,
                      violation *vi) {
  const char *who = cfm_json_str(rv->query, "unionId");
  const char *na = declared_sender(spec, s, "non_admin_refused", op, "unionId");
  int first = !vi->found;
  if (na && !strcmp(na, who)) {
    cfm__passive_violate(vi, prov, NULL,
                         "the operator %s is the non-admin account the configuration declares, "
                         "not the group's creator %s",
                         who, cfm_json_str(g, "creator"));
    return;
  }
  cfm__passive_violate(vi, prov, NULL,
                       "the operator %s is not the group's creator %s, and the stream does not "
                       "show it is an admin",
                       who, cfm_json_str(g, "creator"));
  if (first)
    vi->silent = 1;
}

/* Rules over the group a request names that the stream saw created. */
static void group_request_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                const cfm_passive_stream *s, violation *vi) {
  const json_t *g = group_of(spec, s, request_group(spec, rv)), *prov;
  const char *type = cfm_json_str(g, "type");
  if (!g)
    return;
  if (op_is(op, "delete_group_member") && type &&
      (((prov = scenario_prov(spec, "avchatroom_member_deletion")) &&
        scenario_creates_type(spec, "avchatroom_member_deletion", type)) ||
       ((prov = scenario_prov(spec, "bchatroom_member_deletion")) &&
        scenario_creates_type(spec, "bchatroom_member_deletion", type))))
    cfm__passive_violate(vi, prov, "invalid_param",
                         "members cannot be removed from a group of type %s (created at entry "
                         "%lld)",
                         type, (long long)json_integer_value(json_object_get(g, "entry")));
  if (op_is(op, "delete_group") && json_integer_value(json_object_get(g, "children")) > 0 &&
      (prov = scenario_prov(spec, "subgroups_block_deletion")))
    cfm__passive_violate(vi, prov, NULL,
                         "the group has %lld sub-groups the stream created and did not delete: "
                         "a group with sub-groups cannot be deleted",
                         (long long)json_integer_value(json_object_get(g, "children")));
  if (op_is(op, "delete_group") && cfm_json_str(g, "creator") &&
      cfm_json_str(rv->query, "unionId") &&
      strcmp(cfm_json_str(g, "creator"), cfm_json_str(rv->query, "unionId")) &&
      (prov = scenario_prov(spec, "non_admin_refused")))
    non_admin(spec, op, rv, s, g, prov, vi);
}

void cfm__passive_request_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                const cfm_passive_stream *s, violation *vi) {
  unsupported_fields(spec, op, rv, vi);
  members_over_max(spec, op, rv, vi);
  group_request_rules(spec, op, rv, s, vi);
}

/* ---- facts over the stream ------------------------------------------------------ */

/* Body parameters of op with a read_back and a max_length limit the
 * request's value exceeds: {name: {"max", "op", "pointer", "prov"}} into g. */
static void note_over_limit(const json_t *op, const req_view *rv, json_t *g) {
  const json_t *p, *lim;
  size_t i, k;
  json_t *over = json_object_get(g, "over");
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const json_t *rb = json_object_get(p, "read_back");
    const json_t *v =
        json_object_get(rv->body, cfm_json_str(p, "name") ? cfm_json_str(p, "name") : "");
    if (!rb || !json_is_string(v))
      continue;
    if (over)
      json_object_del(over, cfm_json_str(p, "name"));
    json_array_foreach(json_object_get(p, "limits"), k, lim) {
      long long max = json_integer_value(json_object_get(lim, "max"));
      if (!cfm_json_str(lim, "kind") || strcmp(cfm_json_str(lim, "kind"), "max_length") ||
          (long long)cfm_utf8_length(json_string_value(v), json_string_length(v)) <= max)
        continue;
      if (!over && (over = json_object()) && json_object_set_new(g, "over", over))
        return;
      json_object_set_new(over, cfm_json_str(p, "name"),
                          json_pack("{s:I, s:s?, s:s?, s:O?}", "max", (json_int_t)max, "op",
                                    cfm_json_str(rb, "op"), "pointer", cfm_json_str(rb, "pointer"),
                                    "prov", json_object_get(lim, "provenance")));
    }
  }
}

/* A new group's facts (new reference). */
static json_t *new_group(const cfm_spec *spec, const json_t *op, const req_view *rv,
                         const cfm_passive_stream *s) {
  const json_t *b = rv->body, *m;
  json_t *g = json_pack("{s:I, s:{}}", "entry", (json_int_t)s->entries, "members");
  size_t i;
  if (!g)
    return NULL;
  if (json_is_string(json_object_get(b, "Type")))
    json_object_set(g, "type", json_object_get(b, "Type"));
  if (json_is_string(json_object_get(b, "Owner_Account")))
    json_object_set(g, "owner", json_object_get(b, "Owner_Account"));
  json_array_foreach(json_object_get(b, "MemberList"), i, m) {
    const char *a = cfm_json_str(m, "Member_Account");
    if (a)
      json_object_set_new(json_object_get(g, "members"), a, json_true());
  }
  if (json_is_string(json_object_get(b, "unionId")))
    json_object_set(g, "creator", json_object_get(b, "unionId"));
  if (json_is_true(json_object_get(b, "public")) &&
      json_is_true(json_object_get(b, "allowinvites")))
    json_object_set_new(g, "allowinvites_forced", json_true());
  {
    const json_t *parent = json_object_get(b, "parentGroupId");
    json_t *pg = group_of(spec, s, parent);
    if (pg) {
      json_object_set(g, "parent", (json_t *)parent);
      json_object_set_new(pg, "children",
                          json_integer(json_integer_value(json_object_get(pg, "children")) + 1));
    }
  }
  note_over_limit(op, rv, g);
  return g;
}

/* A successful call changes what the stream knows of the group g. */
static void update_group(const cfm_spec *spec, const json_t *op, const req_view *rv,
                         const cfm_passive_stream *s, json_t *g) {
  const json_t *m;
  size_t i;
  if (op_is(op, "disable_group") || op_is(op, "enable_group"))
    json_object_set_new(g, "disabled", json_boolean(op_is(op, "disable_group")));
  if (op_is(op, "modify_group")) {
    if (json_object_get(rv->body, "allowinvites") || json_object_get(rv->body, "public"))
      json_object_del(g, "allowinvites_forced");
    note_over_limit(op, rv, g);
  }
  json_array_foreach(json_object_get(rv->body, "MemberList"), i, m) {
    if (op_is(op, "add_group_member") && cfm_json_str(m, "Member_Account"))
      json_object_set_new(json_object_get(g, "members"), cfm_json_str(m, "Member_Account"),
                          json_true());
  }
  json_array_foreach(json_object_get(rv->body, "MemberToDel_Account"), i, m) {
    if (op_is(op, "delete_group_member") && json_is_string(m))
      json_object_del(json_object_get(g, "members"), json_string_value(m));
  }
  if (op_is(op, "delete_group")) {
    json_t *pg = group_of(spec, s, json_object_get(g, "parent"));
    if (pg && json_integer_value(json_object_get(pg, "children")) > 0)
      json_object_set_new(pg, "children",
                          json_integer(json_integer_value(json_object_get(pg, "children")) - 1));
    json_object_del(g, "parent");
  }
}

/* A read of group g (item, one element of the answer) against its facts. */
static void judge_item(const cfm_spec *spec, const json_t *op, const json_t *item, const char *dis,
                       const json_t *g, cfm_judgement *j) {
  const json_t *prov, *d = json_object_get(item, dis);
  const json_t *resp_prov = json_object_get(json_object_get(op, "response"), "provenance");
  if (json_is_boolean(json_object_get(g, "disabled")) && json_is_boolean(d) &&
      json_equal(d, json_object_get(g, "disabled")) == 0)
    cfm_judgement_set(j, CFM_VERDICT_FAIL, resp_prov,
                      "the group shows %s %s, but the stream %s it (the field tells whether the "
                      "group is disabled)",
                      dis, json_is_true(d) ? "true" : "false",
                      json_is_true(json_object_get(g, "disabled")) ? "disabled" : "enabled");
  if (json_is_true(json_object_get(g, "allowinvites_forced")) &&
      json_is_true(json_object_get(item, "allowinvites")) &&
      (prov = scenario_prov(spec, "public_forces_allowinvites_false")))
    cfm_judgement_set(j, CFM_VERDICT_FAIL, prov,
                      "the group was created public with allowinvites true (entry %lld) and "
                      "shows allowinvites true: a public group is created with allowinvites false",
                      (long long)json_integer_value(json_object_get(g, "entry")));
}

/* Values stored beyond their documented maximum, read back. */
static void judge_read_back(const json_t *op, const json_t *body, const json_t *g,
                            cfm_judgement *j) {
  const char *k;
  json_t *o;
  json_object_foreach(json_object_get(g, "over"), k, o) {
    const json_t *v = cfm_json_pointer(body, cfm_json_str(o, "pointer"));
    long long max = json_integer_value(json_object_get(o, "max"));
    if (!op_is(op, cfm_json_str(o, "op") ? cfm_json_str(o, "op") : "") || !json_is_string(v) ||
        (long long)cfm_utf8_length(json_string_value(v), json_string_length(v)) <= max)
      continue;
    cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(o, "prov"),
                      "%s reads back %zu characters; the documented maximum is %lld", k,
                      cfm_utf8_length(json_string_value(v), json_string_length(v)), max);
  }
}

/* Reads of groups the stream knows: details (/data) and a user's list
 * (/entities). */
static void judge_reads(const cfm_spec *spec, const json_t *op, const req_view *rv,
                        const cfm_passive_stream *s, const json_t *body, cfm_judgement *j) {
  static const struct {
    const char *op, *items, *id, *disabled;
  } reads[] = {{"get_group", "/data", "id", "disabled"},
               {"list_user_groups", "/entities", "groupId", "disabled"}};
  size_t r, i;
  const json_t *it, *g;
  for (r = 0; r < sizeof(reads) / sizeof(reads[0]); r++) {
    if (!op_is(op, reads[r].op))
      continue;
    json_array_foreach(cfm_json_pointer(body, reads[r].items), i, it) {
      if ((g = group_of(spec, s, json_object_get(it, reads[r].id))))
        judge_item(spec, op, it, reads[r].disabled, g, j);
    }
  }
  if ((g = group_of(spec, s, request_group(spec, rv))))
    judge_read_back(op, body, g, j);
}

/* Removing an account that is not in the group succeeds: a refusal of a
 * request that names one (and not the owner) fails. */
static void non_member_deletion(const cfm_spec *spec, const json_t *op, const req_view *rv,
                                const json_t *g, const cfm_mapped *m, cfm_judgement *j) {
  const json_t *prov = scenario_prov(spec, "non_member_deletion_succeeds"), *a;
  const char *type = cfm_json_str(g, "type"), *stranger = NULL;
  size_t i;
  if (!prov || !type || !op_is(op, "delete_group_member") || !m->is_error ||
      (m->cls != CFM_CLASS_INVALID_ARGUMENT && m->cls != CFM_CLASS_FAILED_PRECONDITION &&
       m->cls != CFM_CLASS_PERMISSION_DENIED) ||
      !scenario_creates_type(spec, "member_deletion_supported_types", type))
    return;
  json_array_foreach(json_object_get(rv->body, "MemberToDel_Account"), i, a) {
    if (!json_is_string(a) ||
        (cfm_json_str(g, "owner") && !strcmp(cfm_json_str(g, "owner"), json_string_value(a))))
      return;
    if (!json_object_get(json_object_get(g, "members"), json_string_value(a)))
      stranger = json_string_value(a);
  }
  if (stranger)
    cfm_judgement_set(j, CFM_VERDICT_FAIL, prov,
                      "removing %s, not a member of this %s group as far as the stream shows, "
                      "was refused (%s): removing an account that is not in the group succeeds",
                      stranger, type, m->code[0] ? m->code : cfm_class_name(m->cls));
}

int cfm__passive_fact_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                            cfm_passive_stream *s, const cfm_http_response *res, int request_ok,
                            cfm_judgement *j) {
  passive_resource r;
  cfm_mapped m;
  json_t *body, *g;
  if (!s || !s->groups || !cfm__passive_find_resource(spec, &r) || !cfm_verdict_is_api_answer(res))
    return 0;
  cfm_verdict_map(spec, op, res, &m);
  g = group_of(spec, s, request_group(spec, rv));
  if (g && request_ok)
    non_member_deletion(spec, op, rv, g, &m, j);
  if (m.is_error || !(body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0)))
    return 0;
  if (op_is(op, r.create)) {
    const json_t *id = cfm_json_pointer(body, r.id_ptr ? r.id_ptr : "");
    char key[600], t[400];
    json_t *ng;
    if (id && json_object_size(s->groups) < MAX_GROUPS) {
      snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor, cfm_json_scalar_text(id, t, sizeof(t)));
      if (!(ng = new_group(spec, op, rv, s)) || json_object_set_new(s->groups, key, ng)) {
        json_decref(body);
        return -1;
      }
    }
  } else {
    if (request_ok)
      judge_reads(spec, op, rv, s, body, j);
    if (g)
      update_group(spec, op, rv, s, g);
  }
  json_decref(body);
  return 0;
}
