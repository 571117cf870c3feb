/* conform — the documented items of a spec set, for the coverage view of
 * the reports (operations, parameters, limits, error rows, auth,
 * scenarios), and the error rows one case expected and observed.  Must not
 * generate or judge cases. */
#include "conform/runner.h"
#include "conform/coverage.h"
#include "conform/error.h"
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

/* ---- error rows a case expected and observed ------------------------------ */

/* "<vendor>#<pointer>" of the row in spec that is row itself (when row is
 * not NULL) or has id (when row is NULL), op's rows before the transport's.
 * Returns 0, or -1 when there is none. */
static int find_row(const cfm_spec *spec, const json_t *op, const json_t *row, const char *id,
                    char *out, size_t cap) {
  const json_t *ops = json_object_get(spec->root, "operations"), *o, *r;
  const json_t *transport = json_object_get(json_object_get(spec->root, "transport"), "errors");
  size_t i, j;
  json_array_foreach(ops, i, o) {
    if (op && o != op)
      continue;
    json_array_foreach(json_object_get(o, "errors"), j, r) {
      if (row ? r == row : (cfm_json_str(r, "id") && !strcmp(cfm_json_str(r, "id"), id))) {
        snprintf(out, cap, "%s#/operations/%zu/errors/%zu", spec->vendor, i, j);
        return 0;
      }
    }
  }
  json_array_foreach(transport, j, r) {
    if (row ? r == row : (cfm_json_str(r, "id") && !strcmp(cfm_json_str(r, "id"), id))) {
      snprintf(out, cap, "%s#/transport/errors/%zu", spec->vendor, j);
      return 0;
    }
  }
  return -1;
}

/* Appends s to *arr (created on first use) unless it is there. */
static int add_once(json_t **arr, const char *s) {
  size_t i;
  json_t *v;
  if (!*arr && !(*arr = json_array()))
    return CFM_ENOMEM;
  json_array_foreach(*arr, i, v) {
    if (!strcmp(json_string_value(v), s))
      return CFM_EOK;
  }
  return json_array_append_new(*arr, json_string(s)) ? CFM_ENOMEM : CFM_EOK;
}

int cfm_coverage_note_rows(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                           const json_t *row, json_t **expected, json_t **observed) {
  char ptr[300];
  size_t i;
  const json_t *id;
  json_array_foreach(step ? step->expect.errors : NULL, i, id) {
    if (json_is_string(id) && !find_row(spec, op, NULL, json_string_value(id), ptr, sizeof(ptr)) &&
        add_once(expected, ptr))
      return CFM_ENOMEM;
  }
  if (row && !find_row(spec, NULL, row, NULL, ptr, sizeof(ptr)) && add_once(observed, ptr))
    return CFM_ENOMEM;
  return CFM_EOK;
}
