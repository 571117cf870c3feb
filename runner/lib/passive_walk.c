/* conform — passive expectations over cursor walks: paging returns each
 * item once (judged page by page), and a complete walk returns every group
 * that existed while it ran (judged once the rest of the stream is in:
 * cfm_passive_stream_settle).  Owns the walk and group-lifetime state of
 * cfm_passive_stream; must not judge single exchanges (passive.c) nor
 * deleted-id rules (passive_stream.c).
 *
 * Times are bounds: an exchange that started at t (to the resolution its
 * recording gives) answered by t + resolution + time.  A group existed
 * throughout a walk when its create answered before the walk's first page
 * started, no deletion of it started before the walk's last page answered,
 * and an exchange sent after that answered success for it (it was still
 * there: a deletion the stream did not see, by another client, cannot
 * explain the miss); only then must the walk return it. */
#include "passive_internal.h"
#include "conform/jsonutil.h"
#include "conform/verdict.h"

#include <stdio.h>
#include <string.h>

#define MAX_LIVES 100000
#define MAX_DONE 256
#define MAX_DONE_IDS 1000000
#define MAX_WALK_IDS 100000

/* The start and the latest end of the exchange rv describes (ms); 0 when
 * the recording does not say (no start, or no time to the answer). */
static int times_of(const req_view *rv, double *lo, double *hi) {
  const passive_facts *f = rv->facts;
  if (!f || f->started_ms <= 0 || f->time_ms < 0)
    return 0;
  *lo = f->started_ms;
  *hi = f->started_ms + f->res_ms + f->time_ms;
  return 1;
}

/* The account a request addresses: its URL without the query and without
 * the segments of the operation's path ("https://host/org/app" for
 * ".../org/app/chatgroups"), so a walk is held only to the groups created
 * in the same account. */
static void scope_of(const char *url, const json_t *op, char *out, size_t cap) {
  const char *path = cfm_json_str(op, "path"), *p;
  size_t n = strcspn(url ? url : "", "?#"), segs = 0;
  for (p = path ? path : ""; *p; p++)
    segs += *p == '/';
  while (n > 0 && segs > 0) {
    if (url[--n] == '/')
      segs--;
  }
  snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), url ? url : "");
}

/* The cursor walk step of a spec's scenarios over op, or NULL (borrowed);
 * *covers 1 when the step expects the walk to return what it created. */
static const json_t *cursor_walk(const cfm_spec *spec, const char *opid, const json_t **prov,
                                 int *covers) {
  const json_t *sc, *st;
  size_t i, k;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    json_array_foreach(json_object_get(sc, "steps"), k, st) {
      const json_t *w = json_object_get(st, "walk"), *ex = json_object_get(st, "expect");
      const json_t *ep = json_object_get(ex, "provenance");
      if (cfm_json_str(w, "op") && !strcmp(cfm_json_str(w, "op"), opid) &&
          json_object_get(w, "cursor") && json_is_true(json_object_get(ex, "unique"))) {
        *prov = ep ? ep : json_object_get(sc, "provenance");
        *covers = json_object_get(ex, "covers") != NULL;
        return w;
      }
    }
  }
  return NULL;
}

/* The ids every kept complete walk holds. */
static size_t done_ids(const cfm_passive_stream *s) {
  size_t i, n = 0;
  const json_t *w;
  json_array_foreach(s->done, i, w) n += json_object_size(json_object_get(w, "ids"));
  return n;
}

/* The walk that ends with this page: kept for settle when it began with a
 * page asked without a cursor and every time is known.  -1 out of memory. */
static int walk_ended(const cfm_spec *spec, const json_t *op, const req_view *rv,
                      cfm_passive_stream *s, const cfm_http_response *res, json_t *walk,
                      const json_t *prov) {
  double lo, hi;
  const json_t *ids = json_object_get(walk, "ids");
  json_t *d;
  if (!json_object_get(walk, "start") || !times_of(rv, &lo, &hi))
    return 0;
  if (json_array_size(s->done) >= MAX_DONE || done_ids(s) + json_object_size(ids) > MAX_DONE_IDS) {
    s->unjudged_walks++;
    return 0;
  }
  d = json_pack("{s:s, s:s, s:O, s:O, s:f, s:O, s:O, s:I, s:s, s:s, s:I, s:O?}", "vendor",
                spec->vendor, "op", cfm_json_str(op, "id"), "scope", json_object_get(walk, "scope"),
                "start", json_object_get(walk, "start"), "end", hi, "ids", ids, "first",
                json_object_get(walk, "first"), "entry", (json_int_t)(s->entries - 1), "method",
                rv->req->method ? rv->req->method : "GET", "url", rv->req->url ? rv->req->url : "",
                "status", (json_int_t)res->status, "prov", prov);
  return d && !json_array_append_new(s->done, d) ? 0 : -1;
}

/* The walk this page continues (the one handed its cursor), or a new one:
 * {"ids", "scope", "first", "start" (only when the page was asked without
 * a cursor: the walk's beginning)}.  New reference; NULL out of memory. */
static json_t *walk_of(const cfm_spec *spec, const json_t *op, const req_view *rv,
                       cfm_passive_stream *s, const char *cur) {
  char key[700], scope[600];
  double lo, hi;
  json_t *walk;
  if (cur && !*cur)
    cur = NULL; /* an empty cursor asks for the first page */
  snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", spec->vendor, cfm_json_str(op, "id"),
           cur ? cur : "");
  if (cur && (walk = json_incref(json_object_get(s->walks, key))) != NULL) {
    json_object_del(s->walks, key);
    return walk;
  }
  scope_of(rv->req->url, op, scope, sizeof(scope));
  walk = json_pack("{s:{}, s:s, s:I}", "ids", "scope", scope, "first", (json_int_t)s->entries);
  if (walk && !cur && times_of(rv, &lo, &hi) && json_object_set_new(walk, "start", json_real(lo))) {
    json_decref(walk);
    return NULL;
  }
  return walk;
}

/* Cursor paging returns each item once: the pages a chain of cursors
 * links are one walk.  Returns -1 out of memory, else 0. */
int cfm__passive_walk_rule(const cfm_spec *spec, const json_t *op, const req_view *rv,
                           cfm_passive_stream *s, const cfm_http_response *res, cfm_judgement *j) {
  const json_t *prov = NULL, *items, *it, *cursor;
  const char *opid = cfm_json_str(op, "id"), *param, *next, *idp;
  int covers = 0, rc = 0;
  const json_t *w = opid ? cursor_walk(spec, opid, &prov, &covers) : NULL;
  json_t *body, *walk, *seen;
  char key[700], idt[256];
  size_t i;
  cfm_mapped m;
  if (!w || !s || j->verdict != CFM_VERDICT_PASS)
    return 0;
  cfm_verdict_map(spec, op, res, &m);
  if (m.is_error || !(body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0)))
    return 0;
  cursor = json_object_get(w, "cursor");
  param = cfm_json_str(cursor, "param");
  if (!(walk = walk_of(spec, op, rv, s, param ? cfm_json_str(rv->query, param) : NULL))) {
    json_decref(body);
    return -1;
  }
  seen = json_object_get(walk, "ids");
  items = cfm_json_pointer(body, cfm_json_str(w, "items") ? cfm_json_str(w, "items") : "");
  idp = cfm_json_str(w, "id") ? cfm_json_str(w, "id") : "";
  json_array_foreach(items, i, it) {
    const json_t *id = cfm_json_pointer(it, idp);
    if (!id)
      continue;
    cfm_json_scalar_text(id, idt, sizeof(idt));
    if (json_object_get(seen, idt)) {
      cfm_judgement_set(j, CFM_VERDICT_FAIL, prov,
                        "cursor paging returned %s again (first at entry %lld of this walk)", idt,
                        (long long)json_integer_value(json_object_get(seen, idt)));
      break;
    }
    if (json_object_size(seen) < MAX_WALK_IDS)
      json_object_set_new(seen, idt, json_integer((json_int_t)s->entries));
    else
      json_object_del(walk, "start"); /* too long to judge whole */
  }
  next = json_string_value(cfm_json_pointer(
      body, cfm_json_str(cursor, "from") ? cfm_json_str(cursor, "from") : "/cursor"));
  if (next && *next) {
    snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", spec->vendor, opid, next);
    if (json_object_size(s->walks) < 1000 && json_object_set(s->walks, key, walk))
      rc = -1;
  } else if (covers && j->verdict == CFM_VERDICT_PASS) {
    rc = walk_ended(spec, op, rv, s, res, walk, prov);
  }
  json_decref(walk);
  json_decref(body);
  return rc;
}

/* The id of the resource r the request names ("vendor\x1fid" in key), or 0. */
static int named_id(const cfm_spec *spec, const passive_resource *r, const req_view *rv, char *key,
                    size_t cap) {
  char idtext[400];
  const json_t *idv = !strcmp(r->in, "path") ? json_object_get(rv->path, r->param)
                                             : json_object_get(rv->body, r->param);
  if (!idv)
    return 0;
  snprintf(key, cap, "%s\x1f%s", spec->vendor, cfm_json_scalar_text(idv, idtext, sizeof(idtext)));
  return 1;
}

/* A create's answer: the group exists from its end on. */
static int note_made(const cfm_spec *spec, const json_t *op, const passive_resource *r,
                     const req_view *rv, cfm_passive_stream *s, const cfm_http_response *res,
                     double hi) {
  cfm_mapped m;
  json_t *body;
  const json_t *id;
  char key[600], idtext[400], scope[600];
  int rc = 0;
  cfm_verdict_map(spec, op, res, &m);
  if (m.is_error || !cfm_verdict_is_api_answer(res) || json_object_size(s->lives) >= MAX_LIVES ||
      !(body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0)))
    return 0;
  if ((id = cfm_json_pointer(body, r->id_ptr ? r->id_ptr : "")) != NULL) {
    snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
             cfm_json_scalar_text(id, idtext, sizeof(idtext)));
    scope_of(rv->req->url, op, scope, sizeof(scope));
    rc = json_object_set_new(s->lives, key,
                             json_pack("{s:s, s:f, s:I}", "scope", scope, "made", hi, "entry",
                                       (json_int_t)s->entries))
             ? -1
             : 0;
  }
  json_decref(body);
  return rc;
}

/* The earlier of two deletion starts, -1 (unknown: any time) first. */
static double earlier(double a, double b) {
  return a < 0 || b < 0 ? -1 : a < b ? a : b;
}

/* A success answer naming the group, sent at lo: it existed then. */
static int note_alive(const cfm_spec *spec, const json_t *op, json_t *life,
                      const cfm_http_response *res, double lo) {
  cfm_mapped m;
  const json_t *was = json_object_get(life, "alive");
  cfm_verdict_map(spec, op, res, &m);
  if (m.is_error || !cfm_verdict_is_api_answer(res) || (was && json_number_value(was) >= lo))
    return 0;
  return json_object_set_new(life, "alive", json_real(lo)) ? -1 : 0;
}

int cfm__passive_note_lives(const cfm_spec *spec, const json_t *op, const req_view *rv,
                            cfm_passive_stream *s, const cfm_http_response *res) {
  passive_resource r;
  const char *opid = cfm_json_str(op, "id");
  double lo = 0, hi = 0, gone;
  int known;
  char key[600];
  json_t *life;
  if (!s || !opid || !cfm__passive_find_resource(spec, &r))
    return 0;
  known = times_of(rv, &lo, &hi);
  if (known && hi > s->latest_ms)
    s->latest_ms = hi;
  if (!strcmp(opid, r.create))
    return known ? note_made(spec, op, &r, rv, s, res, hi) : 0;
  if (!named_id(spec, &r, rv, key, sizeof(key)) || !(life = json_object_get(s->lives, key)))
    return 0;
  if (known && note_alive(spec, op, life, res, lo))
    return -1;
  if (strcmp(opid, r.del))
    return 0;
  /* Any deletion, whatever it answered, may have ended the group from its start. */
  gone = known ? lo : -1;
  if (json_object_get(life, "gone"))
    gone = earlier(gone, json_number_value(json_object_get(life, "gone")));
  return json_object_set_new(life, "gone", json_real(gone)) ? -1 : 0;
}

/* Adds the gap [lo, hi] (ms; lo < 0: at an unknown time) to s's
 * intervals, joining those it overlaps, and the two nearest when they are
 * full. */
static void add_gap(cfm_passive_stream *s, double lo, double hi) {
  size_t i = 0, k, best = 0;
  if (lo < 0) {
    s->gap_unknown = 1;
    return;
  }
  while (i < s->ngaps && s->gaps[i][1] < lo)
    i++;
  for (k = i; k < s->ngaps && s->gaps[k][0] <= hi; k++) { /* overlapped: joined */
    lo = s->gaps[k][0] < lo ? s->gaps[k][0] : lo;
    hi = s->gaps[k][1] > hi ? s->gaps[k][1] : hi;
  }
  memmove(&s->gaps[i + 1], &s->gaps[k], (s->ngaps - k) * sizeof(s->gaps[0]));
  s->ngaps -= k - i;
  s->gaps[i][0] = lo;
  s->gaps[i][1] = hi;
  if (++s->ngaps < CFM_PASSIVE_GAPS)
    return;
  for (i = 1; i + 1 < s->ngaps; i++) { /* the nearest neighbours */
    if (s->gaps[i + 1][0] - s->gaps[i][1] < s->gaps[best + 1][0] - s->gaps[best][1])
      best = i;
  }
  s->gaps[best][1] = s->gaps[best + 1][1];
  memmove(&s->gaps[best + 1], &s->gaps[best + 2], (s->ngaps - best - 2) * sizeof(s->gaps[0]));
  s->ngaps--;
}

void cfm_passive_stream_gap_span(cfm_passive_stream *s, double from_ms, double to_ms) {
  if (s)
    add_gap(s, from_ms > 0 ? from_ms : -1, to_ms > from_ms ? to_ms : from_ms);
}

void cfm_passive_stream_gap(const cfm_specset *set, cfm_passive_stream *s, const char *method,
                            const char *url, double started_ms) {
  double t = started_ms > 0 ? started_ms : -1;
  if (!s)
    return;
  if (set && method && url) {
    cfm_match mt;
    passive_resource r;
    int other = 0;
    if (cfm_match_request(set, method, url, &mt) == CFM_EOK) {
      other = !mt.op || !cfm__passive_find_resource(mt.spec, &r) ||
              strcmp(cfm_json_str(mt.op, "id"), r.del) != 0;
      cfm_match_release(&mt);
    }
    if (other)
      return; /* not a deletion: nothing the walks depend on */
  }
  add_gap(s, t, t);
}

/* 1 when a deletion the stream could not judge may have ended a group made
 * at made before a walk ended at end: one started between the two. */
static int in_gap(const cfm_passive_stream *s, double made, double end) {
  size_t i;
  if (s->gap_unknown)
    return 1;
  for (i = 0; i < s->ngaps; i++) {
    if (s->gaps[i][0] < end && s->gaps[i][1] > made)
      return 1;
  }
  return 0;
}

/* What a walk missed: groups of its account it had to return (n; the
 * first one's id and entry), and of those, how many a deletion the stream
 * could not judge may have ended (unsure). */
typedef struct missed {
  size_t n, unsure;
  const char *id;
  long long entry;
} missed;

static void missing_of(const cfm_passive_stream *s, const json_t *w, missed *ms) {
  const char *key, *vendor = cfm_json_str(w, "vendor"), *scope = cfm_json_str(w, "scope");
  const json_t *life, *ids = json_object_get(w, "ids");
  double start = json_number_value(json_object_get(w, "start"));
  double end = json_number_value(json_object_get(w, "end"));
  size_t vl = strlen(vendor);
  json_object_foreach((json_t *)s->lives, key, life) {
    const json_t *gone = json_object_get(life, "gone"), *alive = json_object_get(life, "alive");
    double made = json_number_value(json_object_get(life, "made"));
    int unsure;
    if (strncmp(key, vendor, vl) || key[vl] != '\x1f' ||
        strcmp(cfm_json_str(life, "scope") ? cfm_json_str(life, "scope") : "", scope) ||
        made > start || (gone && (json_number_value(gone) < 0 || json_number_value(gone) < end)) ||
        !alive || json_number_value(alive) < end || json_object_get(ids, key + vl + 1))
      continue;
    unsure = in_gap(s, made, end);
    /* The first a fail names is one no unjudged deletion explains. */
    if (!ms->n || (!unsure && ms->unsure == ms->n)) {
      ms->id = key + vl + 1;
      ms->entry = (long long)json_integer_value(json_object_get(life, "entry"));
    }
    ms->n++;
    ms->unsure += (size_t)unsure;
  }
}

/* Judges one complete walk; fn gets a finding when it missed a group:
 * fail, or warn when every group it missed may have ended unseen. */
static void judge_walk(const cfm_passive_stream *s, const json_t *w, cfm_passive_finding_fn fn,
                       void *user) {
  cfm_passive_finding f;
  missed ms = {0, 0, "", 0};
  char more[64] = "";
  missing_of(s, w, &ms);
  if (!ms.n)
    return;
  memset(&f, 0, sizeof(f));
  f.vendor = cfm_json_str(w, "vendor");
  f.op = cfm_json_str(w, "op");
  f.entry = (size_t)json_integer_value(json_object_get(w, "entry"));
  f.method = cfm_json_str(w, "method");
  f.url = cfm_json_str(w, "url");
  f.status = (long)json_integer_value(json_object_get(w, "status"));
  f.provenance = json_object_get(w, "prov");
  f.verdict = ms.unsure == ms.n ? CFM_VERDICT_WARN : CFM_VERDICT_FAIL;
  if (ms.n > 1)
    snprintf(more, sizeof(more), " (and %zu more)", ms.n - 1);
  snprintf(f.reason, sizeof(f.reason),
           "a complete cursor walk of %s (entries %lld to %zu, %zu items) did not return %.200s%s, "
           "created at entry %lld before the walk began and not deleted before it ended: "
           "following the cursor yields every group%s",
           f.op, (long long)json_integer_value(json_object_get(w, "first")), f.entry + 1,
           json_object_size(json_object_get(w, "ids")), ms.id, more, ms.entry,
           f.verdict == CFM_VERDICT_WARN
               ? " (warn: a deletion the stream could not judge may have ended it)"
               : "");
  fn(user, &f);
}

int cfm_passive_stream_settle(cfm_passive_stream *s, int final, cfm_passive_finding_fn fn,
                              void *user) {
  size_t i = 0;
  while (s && i < json_array_size(s->done)) {
    const json_t *w = json_array_get(s->done, i);
    if (!final &&
        !(s->latest_ms - json_number_value(json_object_get(w, "end")) > CFM_PASSIVE_SETTLE_MS)) {
      i++;
      continue;
    }
    judge_walk(s, w, fn, user);
    s->judged_walks++;
    if (json_array_remove(s->done, i))
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}
