/* Case generation on a small fixture spec (tests/data/runner/fixture.json):
 * deterministic, unique and stable ids, every kind, exact limit values in
 * characters and bytes, set-up steps for operations that need live state,
 * destructive calls only on ids the run created. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "conform/runner.h"

#define FIXTURE CONFORM_TESTDATA_DIR "/runner/fixture.json"
#define GOLDEN CONFORM_TESTDATA_DIR "/runner/fixture.ids"

static cfm_specset specs;
static cfm_caselist cases;
static json_t **parsed; /* each case's steps, parsed once (cfm_case_steps) */

static void setup(void) {
  cfm_error_t err;
  cfm_error_init(&err);
  memset(&specs, 0, sizeof(specs));
  memset(&cases, 0, sizeof(cases));
  cr_assert_eq(cfm_specset_add_path(&specs, FIXTURE, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_cases_generate(&specs, &cases), CFM_EOK);
  parsed = calloc(cases.count, sizeof(*parsed));
  cr_assert_not_null(parsed);
}

static void teardown(void) {
  size_t i;
  for (i = 0; i < cases.count; i++)
    json_decref(parsed[i]);
  free(parsed);
  cfm_caselist_release(&cases);
  cfm_specset_release(&specs);
}

TestSuite(cases, .init = setup, .fini = teardown);

/* The steps of a case of `cases` (borrowed). */
static const json_t *steps_of(const cfm_case *c) {
  size_t i = (size_t)(c - cases.items);
  cr_assert_lt(i, cases.count);
  if (!parsed[i])
    parsed[i] = cfm_case_steps(c);
  cr_assert_not_null(parsed[i], "%s: steps do not parse", c->id);
  return parsed[i];
}

static const cfm_case *find(const char *id) {
  size_t i;
  for (i = 0; i < cases.count; i++)
    if (!strcmp(cases.items[i].id, id))
      return &cases.items[i];
  cr_assert_fail("no case %s", id);
  return NULL;
}

/* The step under test: the last one of an operation's case. */
static const json_t *main_step(const cfm_case *c) {
  return json_array_get(steps_of(c), json_array_size(steps_of(c)) - 1);
}

static const json_t *body_of(const char *id, const char *field) {
  return json_object_get(json_object_get(json_object_get(main_step(find(id)), "request"), "body"),
                         field);
}

/* json_equal(a, b), releasing b. */
static int same(const json_t *a, json_t *b) {
  int eq = json_equal(a, b);
  json_decref(b);
  return eq;
}

static size_t code_points(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static void text_is(const char *id, const char *field, size_t chars, size_t bytes) {
  const json_t *v = body_of(id, field);
  cr_assert(json_is_string(v), "%s: %s is not a string", id, field);
  cr_assert_eq(json_string_length(v), bytes, "%s: %zu bytes, expected %zu", id,
               json_string_length(v), bytes);
  cr_assert_eq(code_points(json_string_value(v)), chars, "%s: %zu characters, expected %zu", id,
               code_points(json_string_value(v)), chars);
}

static const char *outcome(const char *id) {
  return json_string_value(
      json_object_get(json_object_get(main_step(find(id)), "expect"), "outcome"));
}

static int silent(const char *id) {
  return json_is_true(json_object_get(json_object_get(main_step(find(id)), "expect"), "silent"));
}

Test(cases, deterministic_and_unique) {
  cfm_caselist again = {0};
  size_t i, j;
  cr_assert_eq(cfm_cases_generate(&specs, &again), CFM_EOK);
  cr_assert_eq(again.count, cases.count);
  for (i = 0; i < cases.count; i++) {
    cr_assert_str_eq(again.items[i].id, cases.items[i].id);
    cr_assert_str_eq(again.items[i].steps_json, cases.items[i].steps_json, "%s", cases.items[i].id);
    cr_assert(json_equal(again.items[i].provenance, cases.items[i].provenance));
  }
  cfm_caselist_release(&again);
  for (i = 1; i < cases.count; i++)
    for (j = 0; j < i; j++)
      cr_assert_str_neq(cases.items[i].id, cases.items[j].id);
}

/* Ids are an interface (baselines, filters, CI history): the fixture's
 * list is pinned in tests/data/runner/fixture.ids, in order. */
Test(cases, ids_are_stable) {
  FILE *f = fopen(GOLDEN, "r");
  char line[300];
  size_t n = 0;
  cr_assert(f, "cannot open %s", GOLDEN);
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    if (!line[0])
      continue;
    cr_assert_lt(n, cases.count, "fewer cases than %s lists", GOLDEN);
    cr_assert_str_eq(cases.items[n].id, line, "case %zu", n);
    n++;
  }
  fclose(f);
  cr_assert_eq(n, cases.count, "%zu cases, %s lists %zu", cases.count, GOLDEN, n);
}

Test(cases, ids_name_vendor_operation_check) {
  size_t i;
  for (i = 0; i < cases.count; i++) {
    const cfm_case *c = &cases.items[i];
    char want[128];
    snprintf(want, sizeof(want), "fixture.%s.", c->operation[0] ? c->operation : c->kind);
    cr_assert_eq(strncmp(c->id, want, strlen(want)), 0, "%s does not start with %s", c->id, want);
    cr_assert(json_array_size(steps_of(c)) > 0, "%s has no steps", c->id);
    cr_assert(json_is_object(c->provenance), "%s has no provenance", c->id);
  }
}

Test(cases, every_kind_appears) {
  static const char *const kinds[] = {"example", "required",  "type", "limit",    "enum",
                                      "auth",    "not_found", "rule", "scenario", "robustness"};
  size_t i, k;
  for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    int seen = 0;
    for (i = 0; i < cases.count; i++)
      seen |= !strcmp(cases.items[i].kind, kinds[k]);
    cr_assert(seen, "no case of kind %s", kinds[k]);
  }
}

Test(cases, character_limits_count_code_points) {
  /* name: at most 10 characters. */
  text_is("fixture.create_item.limit.name.at", "name", 10, 10);
  text_is("fixture.create_item.limit.name.above", "name", 11, 11);
  text_is("fixture.create_item.limit.name.cjk_below", "name", 9, 27);
  text_is("fixture.create_item.limit.name.cjk_at", "name", 10, 30);
  text_is("fixture.create_item.limit.name.cjk_above", "name", 11, 33);
  text_is("fixture.create_item.limit.name.emoji_at", "name", 10, 40);
  text_is("fixture.create_item.limit.name.emoji_above", "name", 11, 44);
  cr_assert_str_eq(outcome("fixture.create_item.limit.name.cjk_at"), "success");
  cr_assert_str_eq(outcome("fixture.create_item.limit.name.emoji_at"), "success");
  cr_assert_str_eq(outcome("fixture.create_item.limit.name.above"), "error");
  cr_assert_str_eq(outcome("fixture.create_item.limit.name.emoji_above"), "error");
  /* The limit names its error row: only that row passes. */
  cr_assert(
      same(json_object_get(
               json_object_get(main_step(find("fixture.create_item.limit.name.above")), "expect"),
               "errors"),
           json_pack("[s]", "name_too_long")));
  cr_assert(!silent("fixture.create_item.limit.name.above"));
}

Test(cases, byte_limits_count_utf8_bytes) {
  /* note: at most 12 bytes. */
  text_is("fixture.create_item.limit.note.at", "note", 12, 12);
  text_is("fixture.create_item.limit.note.above", "note", 13, 13);
  text_is("fixture.create_item.limit.note.cjk_at", "note", 4, 12);
  text_is("fixture.create_item.limit.note.cjk_above", "note", 5, 15);
  text_is("fixture.create_item.limit.note.emoji_at", "note", 3, 12);
  text_is("fixture.create_item.limit.note.emoji_above", "note", 4, 16);
  /* A multi-byte character ending exactly at limit-1, limit, limit+1 bytes. */
  text_is("fixture.create_item.limit.note.cjk_end_below", "note", 9, 11);
  text_is("fixture.create_item.limit.note.cjk_end_at", "note", 10, 12);
  text_is("fixture.create_item.limit.note.cjk_end_above", "note", 11, 13);
  /* As many CJK characters as the limit has bytes: within a character
   * count, far over the byte count. */
  text_is("fixture.create_item.limit.note.cjk_as_chars", "note", 12, 36);
  cr_assert_str_eq(outcome("fixture.create_item.limit.note.cjk_end_below"), "success");
  cr_assert_str_eq(outcome("fixture.create_item.limit.note.cjk_end_at"), "success");
  cr_assert_str_eq(outcome("fixture.create_item.limit.note.cjk_end_above"), "error");
  cr_assert_str_eq(outcome("fixture.create_item.limit.note.cjk_as_chars"), "error");
  /* The bound is documented, what happens above it is not: warn, not fail. */
  cr_assert(!silent("fixture.create_item.limit.note.at"));
  cr_assert(silent("fixture.create_item.limit.note.above"));
  cr_assert(silent("fixture.create_item.limit.note.cjk_end_above"));
}

Test(cases, item_and_range_limits) {
  cr_assert_eq(json_array_size(body_of("fixture.create_item.limit.tags.at", "tags")), 3);
  cr_assert_eq(json_array_size(body_of("fixture.create_item.limit.tags.above", "tags")), 4);
  cr_assert_eq(json_integer_value(body_of("fixture.create_item.limit.size.min", "size")), 1);
  cr_assert_eq(json_integer_value(body_of("fixture.create_item.limit.size.max", "size")), 5);
  cr_assert_eq(json_integer_value(body_of("fixture.create_item.limit.size.below", "size")), 0);
  cr_assert_eq(json_integer_value(body_of("fixture.create_item.limit.size.above", "size")), 6);
  cr_assert_str_eq(outcome("fixture.create_item.limit.size.above"), "error");
  cr_assert_str_eq(outcome("fixture.create_item.limit.tags.above"), "error");
}

Test(cases, clamp_is_served_not_refused) {
  const json_t *st = main_step(find("fixture.list_items.limit.limit.above"));
  const json_t *am = json_object_get(json_object_get(st, "expect"), "array_max");
  const json_t *q = json_object_get(json_object_get(st, "request"), "query");
  cr_assert_eq(json_integer_value(json_object_get(q, "limit")), 51);
  cr_assert_str_eq(outcome("fixture.list_items.limit.limit.above"), "success");
  cr_assert_str_eq(json_string_value(json_object_get(am, "pointer")), "/data");
  cr_assert_eq(json_integer_value(json_object_get(am, "max")), 50);
}

Test(cases, required_type_enum) {
  const json_t *req =
      json_object_get(main_step(find("fixture.create_item.required.name")), "request");
  const json_t *e = json_object_get(main_step(find("fixture.create_item.required.name")), "expect");
  cr_assert_null(json_object_get(json_object_get(req, "body"), "name"));
  cr_assert_not_null(json_object_get(json_object_get(req, "body"), "color"),
                     "the rest of the example stays");
  cr_assert(same(json_object_get(e, "errors"), json_pack("[s, s]", "missing_name", "bad_param")));
  cr_assert(json_is_integer(body_of("fixture.create_item.type.name", "name")));
  cr_assert(json_is_string(body_of("fixture.create_item.type.tags", "tags")));
  cr_assert(json_is_string(body_of("fixture.create_item.type.size", "size")));
  cr_assert_str_eq(json_string_value(body_of("fixture.create_item.enum.color", "color")),
                   "conform-not-listed");
  /* A path parameter cannot be left out of a path: it is left empty. */
  {
    const json_t *st = main_step(find("fixture.get_item.required.item_id"));
    cr_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(json_object_get(st, "request"), "path"), "item_id")),
                     "");
    cr_assert_str_eq(outcome("fixture.get_item.required.item_id"), "error");
    cr_assert(silent("fixture.get_item.required.item_id"), "the documents are silent there");
  }
  /* Never on a destructive call: an empty id may name a whole collection. */
  {
    size_t i;
    for (i = 0; i < cases.count; i++)
      cr_assert_str_neq(cases.items[i].id, "fixture.delete_item.required.item_id");
  }
}

Test(cases, ids_not_found_and_malformed) {
  /* Not found: an id the case created and deleted itself (never a
   * stranger's resource), then used. */
  const json_t *st = main_step(find("fixture.get_item.not_found.item_id"));
  const json_t *steps = steps_of(find("fixture.get_item.not_found.item_id"));
  const json_t *del = json_array_get(steps, json_array_size(steps) - 2);
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(st, "request"), "path"), "item_id")),
                   "${item}");
  cr_assert(json_is_true(json_object_get(del, "setup")));
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(del, "request"), "path"), "item_id")),
                   "${item}");
  cr_assert(same(json_object_get(json_object_get(st, "expect"), "errors"),
                 json_pack("[s]", "item_not_found")));
  st = main_step(find("fixture.get_item.malformed.item_id.0"));
  cr_assert_str_eq(json_string_value(json_object_get(
                       json_object_get(json_object_get(st, "request"), "path"), "item_id")),
                   "not valid!");
  cr_assert(same(json_object_get(json_object_get(st, "expect"), "errors"),
                 json_pack("[s]", "bad_item_id")),
            "the malformed_id row, when the spec has one");
}

Test(cases, auth_modes) {
  static const char *const modes[] = {"missing", "malformed", "expired", "wrong_app"};
  size_t k;
  for (k = 0; k < 4; k++) {
    char id[128];
    const json_t *st;
    snprintf(id, sizeof(id), "fixture.list_items.auth.%s", modes[k]);
    st = main_step(find(id));
    cr_assert_str_eq(json_string_value(json_object_get(st, "auth")), modes[k]);
    cr_assert_str_eq(outcome(id), "error");
  }
  cr_assert(silent("fixture.list_items.auth.expired"), "no documented row: warn");
  cr_assert(!silent("fixture.list_items.auth.malformed"));
  cr_assert(
      same(json_object_get(
               json_object_get(main_step(find("fixture.list_items.auth.malformed")), "expect"),
               "errors"),
           json_pack("[s]", "bad_token")));
}

/* Operations with set-up get it on every case; destructive calls only ever
 * name an id an earlier step of the same case captured (or one that cannot
 * exist). */
Test(cases, setup_and_destructive_safety) {
  size_t i, j;
  size_t deletes = 0;
  for (i = 0; i < cases.count; i++) {
    const cfm_case *c = &cases.items[i];
    const json_t *st;
    if (!strcmp(c->operation, "get_item") || !strcmp(c->operation, "delete_item")) {
      const json_t *s0 = json_array_get(steps_of(c), 0);
      cr_assert_str_eq(json_string_value(json_object_get(s0, "op")), "create_item", "%s", c->id);
      cr_assert(json_is_true(json_object_get(s0, "setup")), "%s", c->id);
      cr_assert_str_eq(json_string_value(json_object_get(json_object_get(s0, "capture"), "item")),
                       "/id");
    }
    json_array_foreach(steps_of(c), j, st) {
      const char *id;
      const char *op = json_string_value(json_object_get(st, "op"));
      if (!op || strcmp(op, "delete_item"))
        continue;
      deletes++;
      id = json_string_value(
          json_object_get(json_object_get(json_object_get(st, "request"), "path"), "item_id"));
      cr_assert_not_null(id, "%s", c->id);
      cr_assert(!strncmp(id, "${", 2) || !strcmp(id, "it-never") || !id[0],
                "%s deletes '%s', which the run did not create", c->id, id);
    }
  }
  cr_assert_geq(deletes, 6);
}

Test(cases, scenarios_keep_their_steps) {
  const cfm_case *c = find("fixture.scenario.use_after_delete");
  const json_t *last = json_array_get(steps_of(c), 3);
  cr_assert_eq(json_array_size(steps_of(c)), 4);
  cr_assert_str_eq(c->kind, "scenario");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(last, "expect"), "outcome")),
                   "error");
  cr_assert(same(json_object_get(json_object_get(last, "expect"), "classes"),
                 json_pack("[s]", "NOT_FOUND")));
  c = find("fixture.rule.name_is_echoed");
  cr_assert_str_eq(c->kind, "rule");
  cr_assert_eq(c->exclusive, 0);
  c = find("fixture.scenario.walk");
  cr_assert_eq(c->exclusive, 1, "list walks run alone");
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(steps_of(c), 0), "repeat")), 3);
}

Test(cases, covers_point_into_the_spec) {
  size_t i, j;
  const cfm_spec *spec = specs.items[0];
  for (i = 0; i < cases.count; i++) {
    const json_t *cv;
    cr_assert_gt(json_array_size(cases.items[i].covers), 0, "%s covers nothing", cases.items[i].id);
    json_array_foreach(cases.items[i].covers, j, cv) {
      const char *s = json_string_value(cv);
      cr_assert_eq(strncmp(s, "fixture#", 8), 0, "%s", s);
      cr_assert_not_null(cfm_json_pointer(spec->root, s + 8), "%s: %s resolves to nothing",
                         cases.items[i].id, s);
    }
  }
}

/* A csv item-count case starts from the operation's own value however long
 * it is (a 400-byte id once overran the buffer sized for made-up ids). */
Test(cases_csv, the_bound_value_is_kept_whole) {
  cfm_specset set = {0};
  cfm_caselist list = {0};
  cfm_error_t err;
  char want[512];
  size_t i, seen = 0;
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&set, CONFORM_TESTDATA_DIR "/runner/csv-long-bound.json", &err),
               CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_specset_check(&set, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(cfm_cases_generate(&set, &list), CFM_EOK);
  memset(want, 'A', 400);
  want[400] = '\0';
  for (i = 0; i < list.count; i++) {
    json_t *steps;
    const char *ids;
    if (strncmp(list.items[i].id, "acme.get_thing.limit.ids.", 25) != 0)
      continue;
    steps = cfm_case_steps(&list.items[i]);
    ids = json_string_value(cfm_json_pointer(json_array_get(steps, 0), "/request/query/ids"));
    cr_assert_not_null(ids, "%s", list.items[i].id);
    if (!strcmp(list.items[i].id + 25, "at"))
      cr_assert_str_eq(ids, want);
    else
      cr_assert(!strncmp(ids, want, 400) && !strcmp(ids + 400, ",900000000000001"), "%s", ids);
    seen++;
    json_decref(steps);
  }
  cr_assert_eq(seen, 2);
  cfm_caselist_release(&list);
  cfm_specset_release(&set);
}
