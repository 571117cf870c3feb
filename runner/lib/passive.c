/* conform — passive expectations: what the documents say about one observed
 * exchange, whatever the client meant.
 *
 * The request is checked first (credentials present, required fields,
 * types, enums, malformed values, limits); what it breaks is held against
 * the client (a warn) and decides what the target must answer: a refusal
 * (the documented error row when the statement names one).  A request the
 * documents accept may get a success (status, schema, clamped list sizes)
 * or a documented error (row, status and message pattern).  That
 * expectation is written as a step and judged by cfm_verdict_judge, so
 * passive and active verdicts follow one set of rules; passive.c adds only
 * what needs several exchanges (a deleted resource answers not-found) and
 * a documented code under another HTTP status. */
#include "conform/passive.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"
#include "conform/step.h"
#include "conform/verdict.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Most deleted resources a stream remembers (bounded memory). */
#define MAX_DELETED 100000

int cfm_passive_stream_init(cfm_passive_stream *s) {
  s->entries = 0;
  s->deleted = json_object();
  s->walks = json_object();
  return s->deleted && s->walks ? CFM_EOK : CFM_ENOMEM;
}

void cfm_passive_stream_release(cfm_passive_stream *s) {
  json_decref(s->deleted);
  json_decref(s->walks);
  s->deleted = s->walks = NULL;
}

void cfm_passive_result_release(cfm_passive_result *r) {
  cfm_match_release(&r->match);
  json_decref(r->provenance);
  json_decref(r->client_provenance);
  r->provenance = r->client_provenance = NULL;
}

/* What the request breaks: the first statement, held against the client. */
typedef struct violation {
  int found;
  char why[400];
  const json_t *prov;
  const char *error; /* the documented error row id, or NULL */
  json_t *errors;    /* or several (auth), borrowed */
  int silent;
  int many;            /* more than one statement broken */
  const char *trigger; /* the error rows' "trigger" the statement names, or NULL */
} violation;

typedef struct req_view {
  const cfm_http_request *req;
  json_t *body;       /* parsed body or NULL */
  int body_bad;       /* a body was sent and is not a JSON object */
  json_t *query;      /* {name: "value"} */
  const json_t *path; /* the match's path parameters */
} req_view;

static int is_assumed(const json_t *prov) {
  return json_object_get(prov, "assumed") != NULL;
}

static void violate(violation *v, const json_t *prov, const char *error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void violate(violation *v, const json_t *prov, const char *error, const char *fmt, ...) {
  va_list ap;
  if (v->found) {
    v->many = 1;
    return;
  }
  v->found = 1;
  v->prov = prov;
  v->error = error;
  v->silent = is_assumed(prov);
  va_start(ap, fmt);
  vsnprintf(v->why, sizeof(v->why), fmt, ap);
  va_end(ap);
}

static int hexv(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX and '+' of [s, e) into a new string. */
static char *url_decode(const char *s, const char *e) {
  char *out = malloc((size_t)(e - s) + 1), *o = out;
  if (!out)
    return NULL;
  while (s < e) {
    if (*s == '%' && e - s >= 3 && hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
      *o++ = (char)(hexv(s[1]) * 16 + hexv(s[2]));
      s += 3;
    } else {
      *o++ = *s == '+' ? ' ' : *s;
      s++;
    }
  }
  *o = '\0';
  return out;
}

static json_t *parse_query(const char *url) {
  json_t *q = json_object();
  const char *p = strchr(url, '?');
  if (!q || !p)
    return q;
  p++;
  while (*p && *p != '#') {
    const char *end = p + strcspn(p, "&#"), *eq = memchr(p, '=', (size_t)(end - p));
    char *k = url_decode(p, eq ? eq : end), *v = eq ? url_decode(eq + 1, end) : strdup("");
    if (!k || !v) {
      free(k);
      free(v);
      json_decref(q);
      return NULL;
    }
    /* A name or value that is not UTF-8 names no documented parameter. */
    (void)json_object_set_new(q, k, json_string(v));
    free(k);
    free(v);
    p = *end == '&' ? end + 1 : end;
  }
  return q;
}

/* The value of header name, or NULL. */
static const char *header(const cfm_http_request *req, const char *name) {
  size_t n = strlen(name), i;
  for (i = 0; req->headers && req->headers[i]; i++) {
    const char *h = req->headers[i];
    if (!strncasecmp(h, name, n) && h[n] == ':') {
      h += n + 1;
      while (*h == ' ' || *h == '\t')
        h++;
      return h;
    }
  }
  return NULL;
}

/* The parameter's value as JSON (new reference), or NULL when absent. */
static json_t *param_value(const req_view *rv, const json_t *p) {
  const char *in = cfm_json_str(p, "in"), *name = cfm_json_str(p, "name");
  const char *text = NULL;
  if (!in || !name)
    return NULL;
  if (!strcmp(in, "body"))
    return json_incref(json_object_get(rv->body, name));
  if (!strcmp(in, "query"))
    text = cfm_json_str(rv->query, name);
  else if (!strcmp(in, "path"))
    text = cfm_json_str(rv->path, name);
  else if (!strcmp(in, "header"))
    text = header(rv->req, name);
  return text ? json_string(text) : NULL;
}

/* 1 when v (a string from a URL or header for non-body params) has the type. */
static int type_ok(const json_t *v, const char *type, int textual) {
  if (!type)
    return 1;
  if (textual && json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    if (!strcmp(type, "integer")) {
      (void)strtoll(s, &end, 10);
      return *s && !*end;
    }
    if (!strcmp(type, "boolean"))
      return !strcmp(s, "true") || !strcmp(s, "false");
    return !strcmp(type, "string");
  }
  if (!strcmp(type, "string"))
    return json_is_string(v);
  if (!strcmp(type, "integer"))
    return json_is_integer(v) ||
           (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v));
  if (!strcmp(type, "boolean"))
    return json_is_boolean(v);
  if (!strcmp(type, "array"))
    return json_is_array(v);
  if (!strcmp(type, "object"))
    return json_is_object(v);
  if (!strcmp(type, "number"))
    return json_is_number(v);
  return 1;
}

static long long int_of(const json_t *v) {
  if (json_is_string(v))
    return strtoll(json_string_value(v), NULL, 10);
  return json_is_real(v) ? (long long)json_real_value(v) : (long long)json_integer_value(v);
}

/* Checks one limit of p on v; a clamp above the range sets *clamp. */
static void check_limit(const json_t *p, const json_t *lim, const json_t *v, violation *vi,
                        const json_t **clamp) {
  const char *kind = cfm_json_str(lim, "kind"), *above = cfm_json_str(lim, "above");
  const char *name = cfm_json_str(p, "name");
  const json_t *aprov = json_object_get(lim, "above_provenance");
  const json_t *prov = aprov ? aprov : json_object_get(lim, "provenance");
  const char *err = cfm_json_str(lim, "error");
  long long max = json_integer_value(json_object_get(lim, "max"));
  if (!kind)
    return;
  if (!strcmp(kind, "max_length") && json_is_string(v)) {
    size_t n = cfm_utf8_length(json_string_value(v), json_string_length(v));
    if ((long long)n > max)
      violate(vi, prov, err, "%s has %zu characters; the documented maximum is %lld", name, n, max);
  } else if (!strcmp(kind, "max_bytes") && json_is_string(v)) {
    if ((long long)json_string_length(v) > max)
      violate(vi, prov, err, "%s has %zu bytes; the documented maximum is %lld", name,
              json_string_length(v), max);
  } else if (!strcmp(kind, "max_items") && json_is_array(v)) {
    if ((long long)json_array_size(v) > max)
      violate(vi, prov, err, "%s has %zu items; the documented maximum is %lld", name,
              json_array_size(v), max);
  } else if (!strcmp(kind, "range") && (json_is_number(v) || json_is_string(v))) {
    long long x = int_of(v), min = json_integer_value(json_object_get(lim, "min"));
    if (json_object_get(lim, "min") && x < min) {
      json_t *bp = json_object_get(lim, "below_provenance");
      violate(vi, bp ? bp : prov, err, "%s=%lld is below the documented range [%lld,%lld]", name, x,
              min, max);
      if (!bp)
        vi->silent = 1; /* the documents give the range, not what happens below it */
    } else if (json_object_get(lim, "max") && x > max) {
      if (above && !strcmp(above, "clamp"))
        *clamp = lim;
      else
        violate(vi, prov, err, "%s=%lld is above the documented range [..,%lld]", name, x, max);
    }
  }
}

/* Checks every documented parameter of op against the request. */
static int check_params(const json_t *op, const req_view *rv, violation *server, violation *client,
                        const json_t **clamp, const char *auth_header, const json_t **absent) {
  const json_t *p;
  size_t i;
  json_array_foreach(json_object_get(op, "params"), i, p) {
    const char *name = cfm_json_str(p, "name"), *in = cfm_json_str(p, "in");
    const char *type = cfm_json_str(p, "type");
    const json_t *prov = json_object_get(p, "provenance"), *lim, *en = json_object_get(p, "enum");
    int textual = in && strcmp(in, "body");
    violation *vi;
    json_t *v;
    size_t k;
    if (!name || !in)
      continue;
    if (!strcmp(in, "header") && auth_header && !strcasecmp(name, auth_header))
      continue; /* the credential: checked with the transport's auth */
    /* Headers only concern the client: targets commonly accept requests
     * without them, and no case of a run holds them to refusing. */
    vi = strcmp(in, "header") ? server : client;
    if (!strcmp(in, "body") && rv->body_bad)
      continue;
    v = param_value(rv, p);
    if (!v) {
      if (json_is_true(json_object_get(p, "required")))
        violate(vi, prov, NULL, "required %s %s is missing", in, name);
      continue;
    }
    if (!type_ok(v, type, textual)) {
      violate(vi, prov, NULL, "%s %s is not of the documented type %s", in, name, type);
      json_decref(v);
      continue;
    }
    if (json_is_array(en)) {
      int ok = 0;
      const json_t *e;
      json_array_foreach(en, k, e) {
        if (json_equal(e, v) || (textual && json_is_string(v) && json_is_string(e) &&
                                 !strncasecmp(json_string_value(e), json_string_value(v),
                                              strcspn(json_string_value(v), ";"))))
          ok = 1;
      }
      if (!ok)
        violate(vi, prov, NULL, "%s %s is not one of the documented values", in, name);
    }
    if (json_is_string(v)) {
      const json_t *bad;
      json_array_foreach(json_object_get(p, "malformed"), k, bad) {
        if (json_equal(bad, v)) {
          int first = !vi->found;
          violate(vi, json_object_get(p, "malformed_provenance"), NULL, "%s %s is malformed", in,
                  name);
          if (first)
            vi->trigger = "malformed_id";
        }
      }
      /* The spec's id of a resource that does not exist: not the client's
       * fault, but the documented not-found answer is due. */
      if (json_object_get(p, "absent") && json_equal(json_object_get(p, "absent"), v))
        *absent = p;
    }
    if (json_is_array(v) && json_is_object(json_object_get(p, "items"))) {
      json_t *sch = json_pack("{s:s, s:O}", "type", "array", "items", json_object_get(p, "items"));
      cfm_violations viol;
      if (sch && cfm_schema_validate(sch, v, &viol) > 0)
        violate(vi, prov, NULL, "%s %s: %s %s", in, name, viol.items[0].pointer,
                viol.items[0].message);
      json_decref(sch);
    }
    json_array_foreach(json_object_get(p, "limits"), k, lim) check_limit(p, lim, v, vi, clamp);
    json_decref(v);
  }
  return 0;
}

/* The credential the transport documents: absent → the documented errors. */
static void check_auth(const cfm_spec *spec, const req_view *rv, violation *vi,
                       const char **auth_header) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char *scheme = cfm_json_str(auth, "scheme"), *h = cfm_json_str(auth, "header");
  const json_t *missing = json_object_get(json_object_get(auth, "errors"), "missing");
  const json_t *prov = json_object_get(auth, "provenance");
  *auth_header = h;
  if (!scheme)
    return;
  if (h && !header(rv->req, h)) {
    violate(vi, prov, NULL, "the request carries no %s credential header", h);
  } else if (!h && !strcmp(scheme, "tencent_usersig")) {
    const char *q = cfm_json_str(json_object_get(auth, "query"), "usersig");
    if (q && !json_object_get(rv->query, q))
      violate(vi, prov, NULL, "the request carries no %s query parameter", q);
    else
      return;
  } else {
    return;
  }
  vi->errors = (json_t *)missing;
}

/* The array a list answer holds (for clamps): the response schema's array
 * property whose name sorts first. */
static void list_array(const json_t *op, char *buf, size_t cap) {
  const json_t *props =
      json_object_get(json_object_get(json_object_get(op, "response"), "schema"), "properties");
  const char *k, *best = NULL;
  json_t *v;
  json_object_foreach((json_t *)props, k, v) {
    if (cfm_json_str(v, "type") && !strcmp(cfm_json_str(v, "type"), "array") &&
        (!best || strcmp(k, best) < 0))
      best = k;
  }
  buf[0] = '\0';
  if (best)
    cfm_json_pointer_append(buf, cap, best);
}

/* The ids of the error rows of op, then of the transport, whose trigger
 * is trigger (new reference, maybe empty; NULL out of memory). */
static json_t *rows_with(const cfm_spec *spec, const json_t *op, const char *trigger) {
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  json_t *ids = json_array();
  const json_t *row;
  size_t t, i;
  for (t = 0; t < 2 && ids; t++) {
    json_array_foreach(tables[t], i, row) {
      const char *tr = cfm_json_str(row, "trigger"), *id = cfm_json_str(row, "id");
      if (tr && id && !strcmp(tr, trigger) && json_array_append_new(ids, json_string(id))) {
        json_decref(ids);
        return NULL;
      }
    }
  }
  return ids;
}

/* The expectation the observed request calls for (new reference). */
static json_t *expectation(const cfm_spec *spec, const json_t *op, const violation *vi,
                           const json_t *clamp, const json_t *absent,
                           const cfm_http_response *res) {
  const json_t *resp = json_object_get(op, "response");
  json_t *e;
  if (vi->found && vi->trigger && !vi->many) {
    e = json_pack("{s:s, s:s++, s:O?, s:b, s:o*}", "outcome", "error", "what",
                  "a malformed value is refused with the documented error (", vi->why, ")",
                  "provenance", vi->prov, "silent", vi->silent, "errors",
                  rows_with(spec, op, vi->trigger));
    if (e && !json_array_size(json_object_get(e, "errors")))
      json_object_del(e, "errors");
    return e;
  }
  if (!vi->found && absent) {
    json_t *rows = rows_with(spec, op, "not_found");
    if (rows && json_array_size(rows))
      return json_pack("{s:s, s:s+, s:O?, s:o}", "outcome", "error", "what",
                       "an id that does not exist answers the documented not-found error: ",
                       cfm_json_str(absent, "name"), "provenance",
                       json_object_get(absent, "provenance"), "errors", rows);
    json_decref(rows);
  }
  if (vi->found) {
    e = json_pack("{s:s, s:s++, s:O?, s:b}", "outcome", "error", "what",
                  "a request that breaks a documented statement is refused (", vi->why, ")",
                  "provenance", vi->prov, "silent", vi->silent);
    if (e && !vi->many && (vi->error || vi->errors)) {
      json_t *ids = vi->errors ? json_deep_copy(vi->errors) : json_pack("[s]", vi->error);
      const json_t *row = vi->error ? cfm_spec_error_row(spec, op, vi->error) : NULL;
      json_object_set_new(e, "errors", ids);
      if (row && json_object_get(row, "status"))
        json_object_set(e, "status", json_object_get(row, "status"));
    }
    return e;
  }
  {
    cfm_mapped m;
    cfm_verdict_map(spec, op, res, &m);
    /* A value above a clamped range is served, not refused. */
    if (m.is_error && !clamp) {
      e = json_pack("{s:s, s:s}", "outcome", "error", "what", "a documented error");
      if (e && m.row && cfm_json_str(m.row, "id")) {
        json_object_set_new(e, "errors", json_pack("[s]", cfm_json_str(m.row, "id")));
        json_object_set(e, "provenance", json_object_get(m.row, "provenance"));
      }
      return e;
    }
  }
  e = json_pack("{s:s, s:s, s:O?}", "outcome", "success", "what", "the documented answer",
                "provenance", json_object_get(resp, "provenance"));
  if (e && json_object_get(resp, "status"))
    json_object_set(e, "status", json_object_get(resp, "status"));
  if (e && clamp) {
    char ptr[128];
    list_array(op, ptr, sizeof(ptr));
    if (ptr[0])
      json_object_set_new(e, "array_max",
                          json_pack("{s:s, s:O}", "pointer", ptr, "max",
                                    json_object_get(clamp, "clamp_to")
                                        ? json_object_get(clamp, "clamp_to")
                                        : json_object_get(clamp, "max")));
    json_object_set(e, "provenance", json_object_get(clamp, "provenance"));
  }
  return e;
}

/* A code the tables document, answered under another HTTP status; an API
 * error under an HTTP status the error model excludes. */
static void check_code_status(const cfm_spec *spec, const json_t *op, const cfm_http_response *res,
                              cfm_judgement *j) {
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  cfm_mapped m;
  size_t t, i;
  const json_t *row;
  const json_t *model = cfm_spec_error_model(spec);
  cfm_verdict_map(spec, op, res, &m);
  if (json_is_false(json_object_get(model, "http_errors")) && res->status != 200 &&
      cfm_verdict_is_api_answer(res) && !cfm_verdict_is_throttle(spec, res->status, &m)) {
    const json_t *ok;
    int listed = 0;
    json_array_foreach(json_object_get(model, "success_status"), i, ok) {
      listed |= json_integer_value(ok) == res->status;
    }
    if (!listed) {
      cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(model, "provenance"),
                        "API errors come with HTTP 200 in this error model; got HTTP %ld",
                        res->status);
      return;
    }
  }
  if (!m.is_error || m.row || !m.code[0])
    return;
  for (t = 0; t < 2; t++) {
    json_array_foreach(tables[t], i, row) {
      char code[128];
      cfm_json_scalar_text(json_object_get(row, "code"), code, sizeof(code));
      if (!strcmp(code, m.code)) {
        cfm_judgement_set(j, CFM_VERDICT_FAIL, json_object_get(row, "provenance"),
                          "error %s is documented with HTTP %lld (row %s), got HTTP %ld", m.code,
                          (long long)json_integer_value(json_object_get(row, "status")),
                          cfm_json_str(row, "id") ? cfm_json_str(row, "id") : "?", res->status);
        return;
      }
    }
  }
}

/* The resource a spec creates: its create op, delete op and the name and
 * place ("path" or "body") of the parameter that carries its id. */
typedef struct resource {
  const char *create, *del, *param, *in;
  const char *id_ptr;
  const json_t *prov;
} resource;

static int find_resource(const cfm_spec *spec, resource *r) {
  const json_t *op;
  size_t i;
  json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
    const json_t *cr = json_object_get(op, "creates"), *cl = json_object_get(cr, "cleanup");
    const json_t *req = json_object_get(cl, "request");
    const char *places[2] = {"path", "body"}, *k;
    json_t *v;
    size_t p;
    if (!cr || !cfm_json_str(cl, "op"))
      continue;
    for (p = 0; p < 2; p++) {
      json_object_foreach(json_object_get(req, places[p]), k, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), "${id}")) {
          r->create = cfm_json_str(op, "id");
          r->del = cfm_json_str(cl, "op");
          r->param = k;
          r->in = places[p];
          r->id_ptr = cfm_json_str(cr, "id");
          r->prov = json_object_get(cfm_spec_operation(spec, r->del), "provenance");
          return 1;
        }
      }
    }
  }
  return 0;
}

/* A deleted resource answers not-found; a delete or a create updates the state. */
static int stream_rules(const cfm_spec *spec, const json_t *op, const req_view *rv,
                        cfm_passive_stream *s, const cfm_http_response *res, cfm_judgement *j) {
  resource r;
  cfm_mapped m;
  const char *opid = cfm_json_str(op, "id");
  const json_t *idv;
  char key[600], idtext[400];
  if (!s || !opid || !find_resource(spec, &r))
    return 0;
  cfm_verdict_map(spec, op, res, &m);
  if (!strcmp(opid, r.create)) {
    json_t *body = m.is_error ? NULL : cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0);
    const json_t *id = body ? cfm_json_pointer(body, r.id_ptr ? r.id_ptr : "") : NULL;
    if (id) {
      snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
               cfm_json_scalar_text(id, idtext, sizeof(idtext)));
      json_object_del(s->deleted, key);
    }
    json_decref(body);
    return 0;
  }
  idv = !strcmp(r.in, "path") ? json_object_get(rv->path, r.param)
                              : json_object_get(rv->body, r.param);
  if (!idv || !res->status)
    return 0;
  snprintf(key, sizeof(key), "%s\x1f%s", spec->vendor,
           cfm_json_scalar_text(idv, idtext, sizeof(idtext)));
  {
    const json_t *was = json_object_get(s->deleted, key);
    if (was && cfm_verdict_is_api_answer(res)) {
      if (!m.is_error)
        cfm_judgement_set(j, CFM_VERDICT_FAIL, r.prov,
                          "%s answered success for %s, deleted by %s at entry %lld: a deleted "
                          "resource answers not-found",
                          opid, idtext, r.del,
                          (long long)json_integer_value(json_object_get(was, "entry")));
      else if (m.cls != CFM_CLASS_NOT_FOUND && m.cls != CFM_CLASS_UNAUTHENTICATED &&
               m.cls != CFM_CLASS_INVALID_ARGUMENT)
        cfm_judgement_set(j, CFM_VERDICT_WARN, r.prov,
                          "%s answered class %s for %s, deleted at entry %lld (not-found expected)",
                          opid, cfm_class_name(m.cls), idtext,
                          (long long)json_integer_value(json_object_get(was, "entry")));
      return 0;
    }
  }
  if (!strcmp(opid, r.del) && !m.is_error && cfm_verdict_is_api_answer(res) &&
      json_object_size(s->deleted) < MAX_DELETED) {
    if (json_object_set_new(s->deleted, key, json_pack("{s:I}", "entry", (json_int_t)s->entries)))
      return -1;
  }
  return 0;
}

/* The cursor walk step of a spec's scenarios over op, or NULL (borrowed). */
static const json_t *cursor_walk(const cfm_spec *spec, const char *opid, const json_t **prov) {
  const json_t *sc, *st;
  size_t i, k;
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    json_array_foreach(json_object_get(sc, "steps"), k, st) {
      const json_t *w = json_object_get(st, "walk");
      const json_t *ep = json_object_get(json_object_get(st, "expect"), "provenance");
      if (cfm_json_str(w, "op") && !strcmp(cfm_json_str(w, "op"), opid) &&
          json_object_get(w, "cursor") &&
          json_is_true(json_object_get(json_object_get(st, "expect"), "unique"))) {
        *prov = ep ? ep : json_object_get(sc, "provenance");
        return w;
      }
    }
  }
  return NULL;
}

/* Cursor paging returns each item once: the pages a chain of cursors
 * links are one walk.  Returns -1 out of memory, else 0. */
static int walk_rule(const cfm_spec *spec, const json_t *op, const req_view *rv,
                     cfm_passive_stream *s, const cfm_http_response *res, cfm_judgement *j) {
  const json_t *prov = NULL, *items, *it;
  const char *opid = cfm_json_str(op, "id"), *param, *cur, *next;
  const json_t *w = opid ? cursor_walk(spec, opid, &prov) : NULL;
  json_t *body, *seen;
  char key[700], idt[256];
  size_t i;
  cfm_mapped m;
  if (!w || !s || j->verdict != CFM_VERDICT_PASS)
    return 0;
  cfm_verdict_map(spec, op, res, &m);
  if (m.is_error || !(body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0)))
    return 0;
  param = cfm_json_str(json_object_get(w, "cursor"), "param");
  cur = param ? cfm_json_str(rv->query, param) : NULL;
  snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", spec->vendor, opid, cur ? cur : "");
  seen = cur ? json_incref(json_object_get(s->walks, key)) : NULL;
  if (seen)
    json_object_del(s->walks, key);
  else
    seen = json_object();
  items = cfm_json_pointer(body, cfm_json_str(w, "items") ? cfm_json_str(w, "items") : "");
  json_array_foreach(items, i, it) {
    const json_t *id = cfm_json_pointer(it, cfm_json_str(w, "id") ? cfm_json_str(w, "id") : "");
    if (!id || !seen)
      continue;
    cfm_json_scalar_text(id, idt, sizeof(idt));
    if (json_object_get(seen, idt)) {
      cfm_judgement_set(j, CFM_VERDICT_FAIL, prov,
                        "cursor paging returned %s again (first at entry %lld of this walk)", idt,
                        (long long)json_integer_value(json_object_get(seen, idt)));
      break;
    }
    if (json_object_size(seen) < 100000)
      json_object_set_new(seen, idt, json_integer((json_int_t)s->entries));
  }
  next = json_string_value(
      cfm_json_pointer(body, cfm_json_str(json_object_get(w, "cursor"), "from")
                                 ? cfm_json_str(json_object_get(w, "cursor"), "from")
                                 : "/cursor"));
  if (next && *next && seen && json_object_size(s->walks) < 1000) {
    snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", spec->vendor, opid, next);
    if (json_object_set(s->walks, key, seen)) {
      json_decref(seen);
      json_decref(body);
      return -1;
    }
  }
  json_decref(seen);
  json_decref(body);
  return 0;
}

int cfm_passive_judge(const cfm_specset *set, cfm_passive_stream *s, const cfm_http_request *req,
                      const cfm_http_response *res, cfm_passive_result *out) {
  req_view rv;
  violation vi, hv;
  const json_t *clamp = NULL, *absent = NULL;
  const char *auth_header = NULL;
  json_t *stepj = NULL, *exp = NULL;
  cfm_step step;
  cfm_judgement j;
  cfm_exchange ex = {req, res};
  int rc;
  memset(out, 0, sizeof(*out));
  memset(&rv, 0, sizeof(rv));
  memset(&vi, 0, sizeof(vi));
  memset(&hv, 0, sizeof(hv));
  out->verdict = CFM_VERDICT_PASS;
  out->client = CFM_VERDICT_PASS;
  rc = cfm_match_request(set, req->method, req->url, &out->match);
  if (rc)
    return rc;
  if (s)
    s->entries++;
  if (!out->match.op) {
    size_t i;
    int n = snprintf(out->reason, sizeof(out->reason), "no documented operation for %s %.200s",
                     req->method ? req->method : "?", req->url ? req->url : "?");
    for (i = 0; i < out->match.nnear && n > 0 && (size_t)n < sizeof(out->reason); i++)
      n += snprintf(out->reason + n, sizeof(out->reason) - (size_t)n, "%s%s",
                    i ? ", " : "; nearest: ", out->match.near[i]);
    out->verdict = CFM_VERDICT_SKIP;
    return CFM_EOK;
  }
  rv.req = req;
  rv.path = out->match.path_params;
  if (!(rv.query = parse_query(req->url ? req->url : ""))) {
    rc = CFM_ENOMEM;
    goto out;
  }
  if (req->body && req->body_len) {
    rv.body = cfm_json_parse(req->body, req->body_len, 16u << 20, NULL, 0);
    if (!json_is_object(rv.body)) {
      rv.body_bad = 1;
      json_decref(rv.body);
      rv.body = NULL;
    }
  }
  check_auth(out->match.spec, &rv, &vi, &auth_header);
  if (rv.body_bad) {
    json_t *prov = json_object_get(json_object_get(out->match.op, "request"), "provenance");
    violate(&vi, prov ? prov : json_object_get(out->match.op, "provenance"), NULL,
            "the request body is not a JSON object");
  }
  check_params(out->match.op, &rv, &vi, &hv, &clamp, auth_header, &absent);
  if (vi.found || hv.found) {
    const violation *cv = vi.found ? &vi : &hv;
    out->client = CFM_VERDICT_WARN;
    snprintf(out->client_reason, sizeof(out->client_reason), "client: %.360s%s", cv->why,
             cv->many || (vi.found && hv.found) ? " (and more)" : "");
    if (json_is_object(cv->prov))
      out->client_provenance = json_deep_copy(cv->prov);
  }
  exp = expectation(out->match.spec, out->match.op, &vi, clamp, absent, res);
  stepj =
      exp ? json_pack("{s:s, s:O}", "op", cfm_json_str(out->match.op, "id"), "expect", exp) : NULL;
  if (!stepj || cfm_step_decode(stepj, &step)) {
    rc = CFM_ENOMEM;
    goto out;
  }
  rc = cfm_verdict_judge(out->match.spec, out->match.op, &step, NULL, 0, &ex, &j);
  if (rc == CFM_EOK && j.verdict == CFM_VERDICT_PASS)
    check_code_status(out->match.spec, out->match.op, res, &j);
  if (rc == CFM_EOK && stream_rules(out->match.spec, out->match.op, &rv, s, res, &j))
    rc = CFM_ENOMEM;
  if (rc == CFM_EOK && walk_rule(out->match.spec, out->match.op, &rv, s, res, &j))
    rc = CFM_ENOMEM;
  out->verdict = j.verdict;
  snprintf(out->reason, sizeof(out->reason), "%s", j.reason);
  out->provenance = j.provenance;
  j.provenance = NULL;
  snprintf(out->code, sizeof(out->code), "%s", j.code);
  snprintf(out->cls, sizeof(out->cls), "%s", j.cls);
  cfm_judgement_release(&j);
out:
  json_decref(stepj);
  json_decref(exp);
  json_decref(rv.query);
  json_decref(rv.body);
  if (rc)
    cfm_passive_result_release(out);
  return rc;
}
