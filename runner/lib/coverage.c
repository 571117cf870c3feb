/* conform — the documented items of a spec set, for the coverage view of
 * the reports (operations, parameters, limits, error rows, auth,
 * scenarios).  Must not generate cases. */
#include "conform/runner.h"
#include "conform/jsonutil.h"

#include <stdio.h>
#include <string.h>

/* An error row's code as text (integer codes in decimal). */
static void row_code(const json_t *r, char *code, size_t cap) {
  if (json_is_integer(json_object_get(r, "code")))
    snprintf(code, cap, "%lld", (long long)json_integer_value(json_object_get(r, "code")));
  else
    snprintf(code, cap, "%s", cfm_json_str(r, "code") ? cfm_json_str(r, "code") : "");
}

json_t *cfm_coverage_items(const cfm_specset *set) {
  json_t *items = json_array();
  size_t s, i, j, k;
  for (s = 0; s < set->count; s++) {
    const cfm_spec *spec = set->items[s];
    const json_t *op, *p, *l, *r, *sc;
    char ptr[256], label[300], num[64];
#define ITEM(kind_, prov_)                                                                         \
  json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:O}", "spec", spec->vendor,        \
                                         "pointer", ptr, "kind", kind_, "label", label,            \
                                         "provenance", (prov_) ? (prov_) : json_null()))
    json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
      snprintf(ptr, sizeof(ptr), "/operations/%zu/response", i);
      snprintf(label, sizeof(label), "%s: response fields", cfm_json_str(op, "id"));
      ITEM("response_field", json_object_get(json_object_get(op, "response"), "provenance"));
      json_array_foreach(json_object_get(op, "examples"), j, p) {
        snprintf(ptr, sizeof(ptr), "/operations/%zu/examples/%zu", i, j);
        snprintf(label, sizeof(label), "%s: example %s", cfm_json_str(op, "id"),
                 cfm_json_str(p, "id"));
        ITEM("example", json_object_get(p, "provenance"));
      }
      json_array_foreach(json_object_get(op, "params"), j, p) {
        snprintf(ptr, sizeof(ptr), "/operations/%zu/params/%zu", i, j);
        snprintf(label, sizeof(label), "%s: %s %s", cfm_json_str(op, "id"), cfm_json_str(p, "in"),
                 cfm_json_str(p, "name"));
        ITEM("param", json_object_get(p, "provenance"));
        json_array_foreach(json_object_get(p, "limits"), k, l) {
          snprintf(ptr, sizeof(ptr), "/operations/%zu/params/%zu/limits/%zu", i, j, k);
          snprintf(label, sizeof(label), "%s: %s %s %s", cfm_json_str(op, "id"),
                   cfm_json_str(p, "name"), cfm_json_str(l, "kind"),
                   cfm_number_text(json_number_value(json_object_get(l, "max")), num, sizeof(num)));
          ITEM("limit", json_object_get(l, "provenance"));
        }
      }
      json_array_foreach(json_object_get(op, "errors"), j, r) {
        char code[64];
        row_code(r, code, sizeof(code));
        snprintf(ptr, sizeof(ptr), "/operations/%zu/errors/%zu", i, j);
        snprintf(label, sizeof(label), "%s: error %s (HTTP %lld)", cfm_json_str(op, "id"), code,
                 (long long)json_integer_value(json_object_get(r, "status")));
        ITEM("error", json_object_get(r, "provenance"));
      }
    }
    json_array_foreach(json_object_get(json_object_get(spec->root, "transport"), "errors"), j, r) {
      char code[64];
      row_code(r, code, sizeof(code));
      snprintf(ptr, sizeof(ptr), "/transport/errors/%zu", j);
      snprintf(label, sizeof(label), "any call: error %s", code);
      ITEM("error", json_object_get(r, "provenance"));
    }
    snprintf(ptr, sizeof(ptr), "/transport/auth");
    snprintf(label, sizeof(label), "authentication");
    ITEM("auth", json_object_get(json_object_get(json_object_get(spec->root, "transport"), "auth"),
                                 "provenance"));
    json_array_foreach(json_object_get(spec->root, "scenarios"), j, sc) {
      snprintf(ptr, sizeof(ptr), "/scenarios/%zu", j);
      snprintf(label, sizeof(label), "%s",
               cfm_json_str(sc, "statement") ? cfm_json_str(sc, "statement")
                                             : cfm_json_str(sc, "id"));
      ITEM(cfm_json_str(sc, "kind") && !strcmp(cfm_json_str(sc, "kind"), "rule") ? "rule" : "flow",
           json_object_get(sc, "provenance"));
    }
#undef ITEM
  }
  return items;
}
