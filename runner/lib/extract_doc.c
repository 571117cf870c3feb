/* conform — the extractor's document model: the heading path, revisions
 * (a repeated first heading), operation anchors and the findings list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

static void section_path(const extractor *x, char *out, size_t cap) {
  int l;
  size_t o = 0;
  out[0] = '\0';
  for (l = 1; l < MAX_DEPTH; l++) {
    if (!x->have[l])
      continue;
    o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? " > " : "", x->heads[l]);
    if (o >= cap)
      break;
  }
}

const char *cfm__current_head(const extractor *x) {
  int l;
  for (l = MAX_DEPTH - 1; l >= 1; l--)
    if (x->have[l])
      return x->heads[l];
  return "";
}

/* A new reference to the current section's provenance: built once per
 * section (cfm__set_heading drops it), never modified once shared. */
static json_t *provenance(extractor *x) {
  char sec[SECTION_MAX];
  if (!x->prov) {
    section_path(x, sec, sizeof(sec));
    x->prov = json_pack("{s:s, s:s}", "doc", x->name, "section", sec);
    if (x->prov && x->revision > 0)
      json_object_set_new(x->prov, "revision", json_sprintf("%d", x->revision + 1));
  }
  return json_incref(x->prov);
}

void cfm__add_finding(extractor *x, const char *kind, json_t *obj) {
  if (!obj)
    return;
  json_object_set_new(obj, "kind", json_string(kind));
  json_object_set_new(obj, "anchor", json_integer(x->anchor));
  json_object_set_new(obj, "revision", json_integer(x->revision));
  json_object_set_new(obj, "provenance", provenance(x));
  json_array_append_new(x->findings, obj);
}

void cfm__set_heading(extractor *x, int level, span text) {
  int l;
  char *t = cfm__clean_cell(text);
  json_decref(x->prov);
  x->prov = NULL;
  if (!t)
    return;
  if (level < 1)
    level = 1;
  if (level >= MAX_DEPTH)
    level = MAX_DEPTH - 1;
  if (!x->top_level || level < x->top_level)
    x->top_level = level;
  /* A repeat of the page's first heading starts a new revision. */
  if (!x->first_head[0]) {
    snprintf(x->first_head, sizeof(x->first_head), "%s", t);
  } else if (level == x->top_level && strcmp(t, x->first_head) == 0) {
    x->revision++;
  }
  snprintf(x->heads[level], sizeof(x->heads[level]), "%s", t);
  x->have[level] = 1;
  for (l = level + 1; l < MAX_DEPTH; l++)
    x->have[l] = 0;
  /* Operation sections sit one level below the page title (or at the top
   * level when there is no title). */
  if (level <= x->anchor_level || !x->anchor_level) {
    if (!x->anchor_level)
      x->anchor_level = level == 1 ? 2 : level;
    if (level <= x->anchor_level)
      x->anchor++;
  }
  free(t);
}

int cfm__in_example(const extractor *x) {
  const char *h = cfm__current_head(x);
  span s = {h, strlen(h)};
  return cfm__span_has(s, "example") || cfm__span_has(s, "示例") || cfm__span_has(s, "sample");
}
