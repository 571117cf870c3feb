/* conform — the endpoint fuzzer's list walk: a documented sequence's walk
 * step paged one request at a time through the fuzzer's sender, then
 * every covered id must have come back exactly once (the rule walk.c
 * applies inside the run's asynchronous flow).  Must not judge single
 * answers (verdict.c) nor build URLs (request.c). */
#include "efuzz_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/jsonutil.h"
#include "conform/request.h"
#include "conform/verdict.h"

#define EF_WALK_MAX_IDS 100000

typedef struct ef_walk {
  const cfm_walk *w;
  json_t *ids;  /* every id seen, in order */
  char *cursor; /* the next page's cursor (cursor paging) */
  long page;    /* the next page's offset (page paging) */
  unsigned pages;
} ef_walk;

/* The template of the next page's request (new reference). */
static json_t *page_request(const ef_walk *wk) {
  const cfm_walk *w = wk->w;
  json_t *req = json_pack("{s:o, s:o}", "path", w->path ? json_deep_copy(w->path) : json_object(),
                          "query", w->query ? json_deep_copy(w->query) : json_object());
  json_t *query = json_object_get(req, "query");
  if (w->cursor_param && wk->cursor)
    json_object_set_new(query, w->cursor_param, json_string(wk->cursor));
  if (w->page_param)
    json_object_set_new(query, w->page_param, json_integer(w->page_start + wk->page));
  return req;
}

/* Takes the ids of one page; returns 1 when there is another page. */
static int take_page(ef_walk *wk, const json_t *body) {
  const cfm_walk *w = wk->w;
  const json_t *items = cfm_json_pointer(body, w->items), *it, *cur;
  size_t i;
  json_array_foreach(items, i, it) {
    const json_t *id = cfm_json_pointer(it, w->id);
    if (id && json_array_size(wk->ids) < EF_WALK_MAX_IDS)
      json_array_append(wk->ids, (json_t *)id);
  }
  wk->pages++;
  if (!w->cursor_param) {
    wk->page++;
    return json_array_size(items) > 0;
  }
  cur = cfm_json_pointer(body, w->cursor_from);
  if (!json_is_string(cur) || !json_string_length(cur) || !json_array_size(items))
    return 0;
  free(wk->cursor);
  wk->cursor = strdup(json_string_value(cur));
  return wk->cursor != NULL;
}

/* Sends one page; its parsed body (new reference) or NULL (out filled,
 * or *stop set when the page could not be built or was throttled). */
static json_t *fetch(ef_ctx *cx, const cfm_tmpl *t, const json_t *op, ef_walk *wk, ef_outcome *out,
                     int *stop) {
  json_t *tmpl = page_request(wk), *body = NULL;
  cfm_request_args a = {
      op, tmpl, CFM_AUTH_VALID, NULL, (int64_t)time(NULL), (uint32_t)cfm__ef_next(&cx->nonce)};
  cfm_request r;
  cfm_http_request hr;
  cfm_http_response res;
  cfm_error_t err;
  cfm_error_init(&err);
  if (cfm_request_build(t, &a, &r, &err) != CFM_EOK || r.missing[0]) {
    *stop = 1;
    goto out;
  }
  cfm_request_http(&r, t->target, &hr);
  memset(&res, 0, sizeof(res));
  cx->send(cx->user, &hr, &res);
  out->requests++;
  if (res.status == 429) {
    *stop = 1;
  } else if (res.error || res.status != 200 ||
             !(body = cfm_json_parse(res.body, res.len, 16u << 20, NULL, 0))) {
    out->prop = res.error || !cfm_verdict_is_api_answer(&res) ? EF_P_TRANSPORT
                : res.status >= 500                           ? EF_P_SERVER_ERROR
                                                              : EF_P_RULE;
    snprintf(out->op, sizeof(out->op), "%s", wk->w->op);
    snprintf(out->reason, sizeof(out->reason), "paging %s failed on page %u (HTTP %ld)", wk->w->op,
             wk->pages + 1, res.status);
  }
out:
  cfm_request_release(&r);
  json_decref(tmpl);
  return body;
}

/* 1 when an id of covers did not come back exactly once (out filled). */
static int not_once(const ef_walk *wk, const json_t *covers, ef_outcome *out) {
  const json_t *c, *got;
  size_t i, j;
  json_array_foreach(covers, i, c) {
    size_t seen = 0;
    json_array_foreach(wk->ids, j, got) seen += json_equal(got, c);
    if (seen != 1) {
      char *text = json_dumps(c, JSON_ENCODE_ANY);
      out->prop = EF_P_RULE;
      snprintf(out->op, sizeof(out->op), "%s", wk->w->op);
      snprintf(out->reason, sizeof(out->reason),
               "%s: paging returned %s %zu times over %u pages (expected once)", wk->w->op,
               text ? text : "?", seen, wk->pages);
      free(text);
      return 1;
    }
  }
  return 0;
}

int cfm__ef_walk(ef_ctx *cx, const cfm_step *st, const json_t *vars, ef_outcome *out) {
  const cfm_spec *spec = cx->v->spec;
  const json_t *op = cfm_spec_operation(spec, st->walk.op);
  cfm_tmpl t = {cx->prefix, 0, vars, spec, cfm_config_target(cx->cfg, spec->vendor)};
  ef_walk wk = {&st->walk, json_array(), NULL, 0, 0};
  json_t *covers = NULL, *body;
  int stop = 0, rc = 2;
  if (!op || !wk.ids)
    goto out;
  while ((body = fetch(cx, &t, op, &wk, out, &stop)) != NULL) {
    int more = take_page(&wk, body);
    json_decref(body);
    if (!more || wk.pages >= st->walk.max_pages)
      break;
  }
  if (out->prop != EF_P_NONE) {
    rc = 1;
  } else if (!stop) {
    covers = st->expect.covers ? cfm_tmpl_resolve(&t, st->expect.covers, NULL, 0) : NULL;
    rc = not_once(&wk, covers, out);
  }
out:
  json_decref(covers);
  json_decref(wk.ids);
  free(wk.cursor);
  return rc;
}
