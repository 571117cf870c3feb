/* conform — walking a list page by page and accounting for the ids seen.
 *
 * Owns a walk step's page requests (cursor or page number) and its check
 * that every expected id came back exactly once.  Must not build URLs
 * (request.c) or judge single responses beyond paging (verdict.c). */
#include "run_internal.h"

#include "conform/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WALK_IDS 100000

json_t *cfm__walk_request(const cfm__case_run *cs) {
  const cfm_walk *w = &cs->cur.walk;
  /* Copies: the cursor and page number go into this request only. */
  json_t *req = json_pack("{s:o, s:o}", "path", w->path ? json_deep_copy(w->path) : json_object(),
                          "query", w->query ? json_deep_copy(w->query) : json_object());
  json_t *query = json_object_get(req, "query");
  if (w->cursor_param && cs->walk_cursor)
    json_object_set_new(query, w->cursor_param, json_string(cs->walk_cursor));
  if (w->page_param)
    json_object_set_new(query, w->page_param, json_integer(w->page_start + cs->walk_page));
  return req;
}

/* 1 when every expected id was seen exactly once; else sets the verdict. */
static int ids_once(cfm__case_run *cs) {
  const cfm_expect *e = &cs->cur.expect;
  cfm_tmpl t;
  json_t *want;
  const json_t *w;
  size_t i;
  cfm__case_tmpl(cs, &t);
  want = e->covers ? cfm_tmpl_resolve(&t, e->covers, NULL, 0) : NULL;
  json_array_foreach(want, i, w) {
    size_t j, seen = 0;
    const json_t *got;
    json_array_foreach(cs->walk_ids, j, got) seen += json_equal(got, w);
    if (seen != 1) {
      char *text = json_dumps(w, JSON_ENCODE_ANY);
      cfm__case_set(cs, CFM_VERDICT_FAIL, e->provenance,
                    "paging returned group %s %zu times over %u pages (expected once)",
                    text ? text : "?", seen, cs->walk_pages);
      free(text);
      json_decref(want);
      return 0;
    }
  }
  json_decref(want);
  return 1;
}

/* Takes the ids of one page; returns 1 when there is another page. */
static int take_page(cfm__case_run *cs, const json_t *body) {
  const cfm_walk *w = &cs->cur.walk;
  const json_t *items = cfm_json_pointer(body, w->items), *it;
  size_t i;
  json_array_foreach(items, i, it) {
    const json_t *id = cfm_json_pointer(it, w->id);
    if (id && json_array_size(cs->walk_ids) < MAX_WALK_IDS)
      json_array_append(cs->walk_ids, (json_t *)id);
  }
  cs->walk_pages++;
  if (w->cursor_param) {
    const json_t *cur = cfm_json_pointer(body, w->cursor_from);
    if (json_is_string(cur) && json_string_length(cur) && json_array_size(items)) {
      char *next = strdup(json_string_value(cur));
      if (!next)
        return 0;
      free(cs->walk_cursor);
      cs->walk_cursor = next;
      return 1;
    }
    return 0;
  }
  cs->walk_page++;
  return json_array_size(items) > 0;
}

/* A page that is no list page: throttled (skip) or failed.  Returns 1
 * when the page was one (judging goes on). */
static int page_ok(cfm__case_run *cs, const json_t *op, const cfm_http_response *res,
                   json_t **body) {
  const json_t *prov = cs->cur.expect.provenance;
  *body = NULL;
  if (!res->error && op) {
    /* A page that stays throttled after the retries is not a failure. */
    cfm_mapped m;
    cfm_verdict_map(cs->c->spec, op, res, &m);
    if (cfm_verdict_is_throttle(cs->c->spec, res->status, &m)) {
      cfm__case_set(cs, CFM_VERDICT_SKIP, prov,
                    "throttled while paging %s (page %u, HTTP %ld %s); not a contract failure",
                    cfm_json_str(op, "id"), cs->walk_pages, res->status, m.code);
      return 0;
    }
  }
  if (res->error || res->status != 200 ||
      !(*body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0))) {
    cfm__case_set(cs, !cfm_verdict_is_api_answer(res) ? CFM_VERDICT_ERROR : CFM_VERDICT_FAIL, prov,
                  "paging %s failed on page %u (HTTP %ld)", op ? cfm_json_str(op, "id") : "?",
                  cs->walk_pages, res->status);
    return 0;
  }
  return 1;
}

void cfm__walk_on_page(cfm__case_run *cs, const cfm_http_response *res) {
  const json_t *op = cfm_spec_operation(cs->c->spec, cs->cur.walk.op);
  json_t *body;
  int more;
  cs->status = res->status;
  if (!page_ok(cs, op, res, &body)) {
    cfm__flow_finish(cs);
    return;
  }
  more = take_page(cs, body);
  json_decref(body);
  if (more && cs->walk_pages < cs->cur.walk.max_pages) {
    cfm__flow_issue(cs);
    return;
  }
  if (!ids_once(cs)) {
    cfm__flow_finish(cs);
    return;
  }
  cs->step++;
  cs->iter = 0;
  cfm__flow_issue(cs);
}
