/* conform — draft assembly: findings → operations (one per method + path
 * template), the base URL, parameters and fields per operation, errors,
 * examples, rate limits, hosts, auth and error model, review notes. */
#include <stdarg.h>
#include <strings.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

/* "https://{host}/app-id/{app_id}/chatgroups" → path "/app-id/{app_id}/chatgroups";
 * placeholder hosts (xxxxxx, XXXX, {host}) are not hosts. */
static void url_path(const char *url, char *path, size_t cap, char *host, size_t hcap) {
  const char *p = strstr(url, "://"), *slash;
  host[0] = '\0';
  if (!p) {
    snprintf(path, cap, "%s", url);
    path[strcspn(path, "(,")] = '\0';
    return;
  }
  p += 3;
  slash = strchr(p, '/');
  snprintf(host, hcap, "%.*s", (int)(slash ? slash - p : (long)strlen(p)), p);
  if (strchr(host, '{') || strspn(host, "xX") == strlen(host))
    host[0] = '\0';
  snprintf(path, cap, "%s", slash ? slash : "/");
  /* "…/mute/{member1}(,{member2},…)": list notation, not more segments */
  path[strcspn(path, "(,")] = '\0';
  {
    char *ell = strstr(path, "\xE2\x80\xA6"); /* … */
    if (ell)
      *ell = '\0';
  }
}

/* An operation id from method + path: "destroy_group" when the path ends
 * in a snake_case action (unless long_form), else method + segments
 * ("{x}" → "by_x"). */
static void op_id_for(const char *method, const char *path, char *out, size_t cap, int long_form) {
  char buf[256], *s, *save = NULL, *last = NULL;
  size_t o = 0, i;
  snprintf(buf, sizeof(buf), "%s", path);
  for (s = strtok_r(buf, "/", &save); s; s = strtok_r(NULL, "/", &save))
    last = s;
  if (!long_form && last && last[0] != '{' && strchr(last, '_')) {
    snprintf(out, cap, "%s", last);
    return;
  }
  for (i = 0; method[i] && o + 1 < cap; i++)
    out[o++] = (char)tolower((unsigned char)method[i]);
  out[o] = '\0';
  snprintf(buf, sizeof(buf), "%s", path);
  save = NULL;
  for (s = strtok_r(buf, "/", &save); s && o + 4 < cap; s = strtok_r(NULL, "/", &save)) {
    if (strcmp(s, "v4") == 0 || strcmp(s, "v1.0") == 0)
      continue;
    out[o++] = '_';
    if (s[0] == '{') {
      memcpy(out + o, "by_", 3);
      o += 3;
      s++;
    }
    for (; *s && *s != '}' && o + 1 < cap; s++)
      out[o++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '_';
    out[o] = '\0';
  }
}

typedef struct op_acc {
  json_t *op;
  int anchor;
  char full_path[256];
} op_acc;

/* What assembly knows about the page while it builds the draft. */
typedef struct dctx {
  extractor *x;
  op_acc *ops; /* grows: no cap on operations per page */
  size_t nops, cap;
  json_t *notes, *hosts, *auth_query, *errors_common, *page_prov;
  int tencent, bearer, header_token, query_token, has_type, oom, status_note;
  char base_prefix[256];
  long rate;
  const json_t *rate_prov;
} dctx;

#define FIND_STR(f, k) json_string_value(json_object_get((f), (k)))

static json_t *find_param(json_t *params, const char *name, const char *in) {
  size_t i;
  json_t *p;
  json_array_foreach(params, i, p) {
    if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
        strcmp(json_string_value(json_object_get(p, "in")), in) == 0)
      return p;
  }
  return NULL;
}

static json_t *find_error(json_t *errors, const json_t *e) {
  size_t i;
  json_t *r;
  json_array_foreach(errors, i, r) {
    const json_t *m1 = json_object_get(r, "message"), *m2 = json_object_get(e, "message");
    if (json_equal(json_object_get(r, "code"), json_object_get(e, "code")) &&
        json_equal(json_object_get(r, "status"), json_object_get(e, "status")) &&
        ((!m1 && !m2) || (m1 && m2 && json_equal(m1, m2))))
      return r;
  }
  return NULL;
}

static void add_note(json_t *notes, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void add_note(json_t *notes, const json_t *prov, const char *fmt, ...) {
  char text[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  json_array_append_new(notes, json_pack("{s:s, s:O}", "text", text, "provenance", prov));
}

/* Limits as the spec wants them: an id per limit (kind, then kind_2 …
 * when one parameter states several bounds of a kind), what happens above
 * the bound (assumed: reject, unless the page says values are clamped),
 * and the provenance. */
static void finish_limits(dctx *d, json_t *lims, size_t from, json_t *prov, json_t *clamp,
                          const char *pname) {
  size_t i, j;
  json_t *l;
  json_array_foreach(lims, i, l) {
    const char *k = FIND_STR(l, "kind");
    if (i < from)
      continue;
    size_t same = 1;
    char id[48];
    for (j = 0; j < i; j++)
      same += strcmp(FIND_STR(json_array_get(lims, j), "kind"), k) == 0;
    if (same > 1)
      snprintf(id, sizeof(id), "%s_%zu", k, same);
    else
      snprintf(id, sizeof(id), "%s", k);
    json_object_set_new(l, "id", json_string(id));
    if (same == 2)
      add_note(d->notes, prov, "review: '%s' states several %s bounds; keep the one that bounds it",
               pname, k);
    if (!strcmp(k, "range") && clamp) {
      json_object_set_new(l, "above", json_string("clamp"));
      json_object_set(l, "clamp_to", clamp);
    } else {
      json_object_set_new(l, "above", json_string("reject"));
      json_object_set_new(l, "above_provenance",
                          json_pack("{s:s}", "assumed",
                                    "the document states the bound, not what happens above it"));
    }
    json_object_set(l, "provenance", prov);
  }
}

/* A response field into the operation's response schema (by leaf name). */
static void merge_response_field(op_acc *acc, json_t *f) {
  json_t *props = json_object_get(json_object_get(json_object_get(acc->op, "response"), "schema"),
                                  "properties"),
         *v, *s;
  const char *name = FIND_STR(f, "name"), *leaf = strrchr(name, '.');
  leaf = leaf ? leaf + 1 : name;
  if (json_object_get(props, leaf))
    return;
  s = json_object();
  if ((v = json_object_get(f, "type")))
    json_object_set(s, "type", v);
  json_object_set(s, "x-provenance", json_object_get(f, "provenance"));
  json_object_set_new(props, leaf, s);
}

/* Where a parameter really goes: NULL when it is no field of the operation
 * (auth roles of Tencent's URL list, URL pieces, credentials, base URL
 * variables). */
static const char *param_home(dctx *d, const char *name, const char *in) {
  static const char *const roles[] = {"sdkappid", "identifier", "usersig", "random", "contenttype"};
  size_t r;
  if (cfm__is_credential(name)) {
    d->query_token |= !strcmp(in, "query") && !d->tencent;
    return NULL; /* the auth scheme carries it */
  }
  if (!strcmp(in, "common"))
    return NULL;
  if (strcmp(in, "url") == 0) {
    for (r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
      if (strcmp(name, roles[r]) == 0) {
        json_object_set_new(d->auth_query, roles[r], json_string(name));
        return NULL;
      }
    if (strchr(name, '/') || strchr(name, '.') || strcmp(name, "https") == 0 ||
        strspn(name, "xX") == strlen(name))
      return NULL;
    in = "query";
  }
  if (d->tencent && strcmp(in, "query") == 0)
    return NULL;
  return in;
}

/* Params of one finding into its operation. */
static void merge_field(dctx *d, op_acc *acc, json_t *f) {
  const char *name = FIND_STR(f, "name"), *in = FIND_STR(f, "in");
  json_t *prov = json_object_get(f, "provenance");
  json_t *params = json_object_get(acc->op, "params"), *p, *v;
  if (!name || !in)
    return;
  if (strcmp(FIND_STR(f, "kind"), "field") == 0) {
    merge_response_field(acc, f);
    return;
  }
  if (!(in = param_home(d, name, in)) || find_param(params, name, in))
    return;
  p = json_pack("{s:s, s:s}", "name", name, "in", in);
  if (!p) {
    d->oom = 1;
    return;
  }
  if ((v = json_object_get(f, "type"))) {
    json_object_set(p, "type", v);
  } else {
    /* decided in finish_ops, from a sample request if one shows it */
    json_object_set_new(p, "type", json_string("string"));
    json_object_set_new(p, "x-type-text",
                        json_string(FIND_STR(f, "type_text") ? FIND_STR(f, "type_text") : "none"));
  }
  v = json_object_get(f, "required");
  json_object_set_new(p, "required", json_boolean(v && json_integer_value(v) == 1));
  if (!v || json_integer_value(v) < 0)
    add_note(d->notes, prov, "review: whether '%s' is required is not stated%s", name, "");
  if ((v = json_object_get(f, "default")))
    json_object_set(p, "default", v);
  if ((v = json_object_get(f, "limits"))) {
    json_t *lims = json_deep_copy(v);
    finish_limits(d, lims, 0, prov, json_object_get(f, "clamp_to"), name);
    json_object_set_new(p, "limits", lims);
  }
  json_object_set(p, "provenance", prov);
  json_array_append_new(params, p);
}

static op_acc *op_for_anchor(dctx *d, int anchor) {
  size_t i;
  if (d->nops == 1)
    return &d->ops[0];
  for (i = 0; i < d->nops; i++)
    if (d->ops[i].anchor == anchor)
      return &d->ops[i];
  return NULL;
}

static op_acc *finding_op(dctx *d, const json_t *f) {
  return op_for_anchor(d, (int)json_integer_value(json_object_get(f, "anchor")));
}

/* ---- operations ---------------------------------------------------------- */

/* Does a concrete path ("/rooms/0ffb7xxxxx") fit a template
 * ("/rooms/{roomId}")?  Segment by segment; a placeholder fits any. */
static int path_fits(const char *tmpl, const char *path) {
  while (*tmpl && *path) {
    size_t a = strcspn(tmpl + 1, "/") + 1, b = strcspn(path + 1, "/") + 1;
    if (!(tmpl[1] == '{' || path[1] == '{') && (a != b || strncmp(tmpl, path, a) != 0))
      return 0;
    tmpl += a;
    path += b;
  }
  return *tmpl == *path;
}

static op_acc *op_new(dctx *d, const char *method, const char *path, const json_t *f) {
  op_acc *o;
  char id[96];
  if (d->nops == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    op_acc *n = realloc(d->ops, cap * sizeof(*n));
    if (!n) {
      d->oom = 1;
      return NULL;
    }
    d->ops = n;
    d->cap = cap;
  }
  o = &d->ops[d->nops];
  memset(o, 0, sizeof(*o));
  snprintf(o->full_path, sizeof(o->full_path), "%s", path);
  o->anchor = (int)json_integer_value(json_object_get(f, "anchor"));
  op_id_for(method ? method : "post", path, id, sizeof(id), 0);
  o->op = json_pack("{s:s, s:b, s:s, s:[], s:{s:i, s:{s:s, s:{}}}, s:[], s:[], s:O}", "id", id,
                    "seed", 1, "summary", "drafted from the document", "params", "response",
                    "status", 200, "schema", "type", "object", "properties", "errors", "examples",
                    "provenance", json_object_get(f, "provenance"));
  if (!o->op) {
    d->oom = 1;
    return NULL;
  }
  if (method)
    json_object_set_new(o->op, "method", json_string(method));
  d->nops++;
  return o;
}

/* The operation an endpoint finding names, found or made.  Sample
 * requests (example: true) only confirm an operation: their concrete
 * paths fit a template seen elsewhere; they make one only on a page that
 * names no endpoint otherwise. */
static void endpoint_op(dctx *d, const json_t *f, const char *method, int examples) {
  char path[256], host[128];
  size_t j;
  url_path(FIND_STR(f, "url"), path, sizeof(path), host, sizeof(host));
  if (host[0])
    json_array_append_new(d->x->findings,
                          json_pack("{s:s, s:s, s:O, s:i, s:O}", "kind", "host", "host", host,
                                    "anchor", json_object_get(f, "anchor"), "revision", 0,
                                    "provenance", json_object_get(f, "provenance")));
  for (j = 0; j < d->nops; j++) {
    const char *m = FIND_STR(d->ops[j].op, "method");
    int fits =
        examples ? path_fits(d->ops[j].full_path, path) : strcmp(d->ops[j].full_path, path) == 0;
    if (fits && (!method || !m || strcmp(m, method) == 0)) {
      if (method && !m)
        json_object_set_new(d->ops[j].op, "method", json_string(method));
      return;
    }
  }
  if (!examples || d->nops == 0 || json_is_true(json_object_get(f, "only_examples")))
    op_new(d, method, path, f);
}

static void collect_ops(dctx *d) {
  const char *pending = NULL;
  size_t i, n = json_array_size(d->x->findings), made = 0;
  json_t *f;
  int pass;
  for (pass = 0; pass < 2; pass++) {
    for (i = 0; i < n; i++) {
      const char *kind;
      int example;
      f = json_array_get(d->x->findings, i);
      kind = FIND_STR(f, "kind");
      example = json_is_true(json_object_get(f, "example"));
      if (strcmp(kind, "method") == 0 && pass == 0) {
        pending = FIND_STR(f, "method");
        /* a URL seen before its method (Tencent: sample URL, then prose) */
        if (d->nops && !json_object_get(d->ops[d->nops - 1].op, "method"))
          json_object_set_new(d->ops[d->nops - 1].op, "method", json_string(pending));
      } else if (strcmp(kind, "endpoint") == 0 && example == pass) {
        endpoint_op(d, f, FIND_STR(f, "method"), pass);
      } else if (strcmp(kind, "url") == 0 && example == pass) {
        if (pass && made == 0)
          json_object_set_new(f, "only_examples", json_true());
        endpoint_op(d, f, pending, pass);
      }
    }
    made = d->nops;
  }
}

/* The base URL: the leading segments every path shares, up to the last
 * placeholder that names the tenant ({app_id}, {org_name}, {app_name}) —
 * never a per-request parameter such as {group_id}. */
static void compute_base(dctx *d) {
  const char *first;
  size_t k, j, last = 0;
  if (d->nops == 0)
    return;
  first = d->ops[0].full_path;
  for (k = 1;; k++) {
    char c = first[k];
    if (c == '/' || c == '\0') {
      int all = 1;
      for (j = 1; j < d->nops; j++)
        if (strncmp(d->ops[j].full_path, first, k) != 0 ||
            (d->ops[j].full_path[k] != '/' && d->ops[j].full_path[k] != '\0'))
          all = 0;
      if (!all || c == '\0')
        break; /* the whole path of an operation is never the base */
      if (first[k - 1] == '}') {
        const char *open = first + k - 1;
        char var[64];
        while (open > first && *open != '{')
          open--;
        snprintf(var, sizeof(var), "%.*s", (int)(first + k - 1 - open - 1), open + 1);
        if (!cfm__is_tenant_var(var))
          break;
        last = k;
      }
    }
  }
  if (last)
    snprintf(d->base_prefix, sizeof(d->base_prefix), "%.*s", (int)last, first);
}

/* ---- findings into operations ----------------------------------------------- */

static void add_host(dctx *d, const json_t *f) {
  const char *h = FIND_STR(f, "host");
  size_t k;
  json_t *e;
  json_array_foreach(d->hosts, k, e) {
    if (strcmp(FIND_STR(e, "host"), h) == 0)
      return;
  }
  json_array_append_new(d->hosts, json_pack("{s:s, s:s, s:O}", "region", "unknown", "host", h,
                                            "provenance", json_object_get(f, "provenance")));
}

static void add_rate(dctx *d, op_acc *acc, const json_t *f) {
  if (acc && d->nops > 1) {
    if (!json_object_get(acc->op, "rate_limit"))
      json_object_set_new(acc->op, "rate_limit",
                          json_pack("{s:O, s:O}", "per_second", json_object_get(f, "per_second"),
                                    "provenance", json_object_get(f, "provenance")));
  } else if (!d->rate) {
    /* the first stated rate is the operation's; later ones are prose */
    d->rate = (long)json_integer_value(json_object_get(f, "per_second"));
    d->rate_prov = json_object_get(f, "provenance");
  }
}

/* HTTP status of an error row from a table without a status column. */
static void error_status(dctx *d, json_t *e, const json_t *f) {
  const char *c = FIND_STR(f, "code");
  if (d->tencent) {
    /* Tencent: HTTP 200, integer codes. */
    json_object_set_new(e, "status", json_integer(200));
    if (c && *c && strspn(c, "0123456789") == strlen(c))
      json_object_set_new(e, "code", json_integer(strtol(c, NULL, 10)));
    return;
  }
  if (json_integer_value(json_object_get(f, "status")) >= 100)
    return;
  json_object_set_new(e, "status", json_integer(200));
  if (c && *c && strspn(c, "0123456789") == strlen(c))
    json_object_set_new(e, "code", json_integer(strtol(c, NULL, 10)));
  if (!d->status_note++)
    add_note(d->notes, json_object_get(f, "provenance"),
             "review: the error table states no HTTP status; the draft says 200 (code in the "
             "body)%s",
             "");
}

static void add_error(dctx *d, op_acc *acc, const json_t *f) {
  json_t *e =
      json_pack("{s:O, s:O, s:O, s:s, s:s, s:O}", "code", json_object_get(f, "code"), "status",
                json_object_get(f, "status"), "class", json_object_get(f, "class"), "trigger",
                "other", "when", "drafted from the document's error table", "provenance",
                json_object_get(f, "provenance"));
  json_t *target = acc ? json_object_get(acc->op, "errors") : d->errors_common;
  char eid[64];
  if (!e) {
    d->oom = 1;
    return;
  }
  if (json_object_get(f, "message"))
    json_object_set(e, "message", json_object_get(f, "message"));
  error_status(d, e, f);
  if (strcmp(FIND_STR(f, "class"), "UNKNOWN") == 0)
    add_note(d->notes, json_object_get(f, "provenance"),
             "review: canonical class of error '%s' not decided%s", FIND_STR(f, "code"), "");
  if (find_error(target, e)) {
    json_decref(e);
    return;
  }
  snprintf(eid, sizeof(eid), "e%zu", json_array_size(target) + 1);
  json_object_set_new(e, "id", json_string(eid));
  json_array_append_new(target, e);
}

static void add_example(op_acc *acc, const json_t *f) {
  json_t *exs = json_object_get(acc->op, "examples");
  const char *role = FIND_STR(f, "role");
  json_t *last = json_array_get(exs, json_array_size(exs) - 1);
  json_t *resp = json_pack("{s:i, s:O}", "status", 200, "body", json_object_get(f, "body"));
  char eid[32];
  if (strcmp(role, "response") == 0 && last && !json_object_get(last, "response")) {
    json_object_set_new(last, "response", resp);
    return;
  }
  snprintf(eid, sizeof(eid), "doc%zu", json_array_size(exs) + 1);
  last = json_pack("{s:s, s:O}", "id", eid, "provenance", json_object_get(f, "provenance"));
  if (strcmp(role, "request") == 0) {
    json_object_set_new(last, "request", json_pack("{s:O}", "body", json_object_get(f, "body")));
    json_decref(resp);
  } else {
    json_object_set_new(last, "response", resp);
  }
  json_array_append_new(exs, last);
}

static void assign_findings(dctx *d) {
  size_t i, k;
  json_t *f;
  json_array_foreach(d->x->findings, i, f) {
    const char *kind = FIND_STR(f, "kind");
    op_acc *acc = finding_op(d, f);
    if (strcmp(kind, "host") == 0)
      add_host(d, f);
    else if (strcmp(kind, "rate") == 0)
      add_rate(d, acc, f);
    else if ((strcmp(kind, "param") == 0 || strcmp(kind, "field") == 0) && acc)
      merge_field(d, acc, f);
    else if (strcmp(kind, "field") == 0)
      for (k = 0; k < d->nops; k++) /* a common response table (公共参数) */
        merge_field(d, &d->ops[k], f);
    else if (strcmp(kind, "error") == 0)
      add_error(d, acc, f);
    else if (strcmp(kind, "example") == 0 && acc)
      add_example(acc, f);
    else if (strcmp(kind, "note") == 0)
      add_note(d->notes, json_object_get(f, "provenance"), "%s", FIND_STR(f, "text"));
  }
}

/* ---- limits stated outside the tables ----------------------------------------- */

static void add_limits(dctx *d, json_t *p, json_t *lims, json_t *prov) {
  json_t *have = json_object_get(p, "limits"), *l, *h;
  size_t i, j, from;
  if (!have) {
    json_object_set_new(p, "limits", json_array());
    have = json_object_get(p, "limits");
  }
  from = json_array_size(have);
  json_array_foreach(lims, i, l) {
    int dup = 0;
    json_array_foreach(have, j, h) {
      dup |= json_equal(json_object_get(h, "max"), json_object_get(l, "max")) &&
             json_equal(json_object_get(h, "kind"), json_object_get(l, "kind"));
    }
    if (!dup)
      json_array_append(have, l);
  }
  finish_limits(d, have, from, prov, NULL, FIND_STR(p, "name"));
  if (json_array_size(have) == 0)
    json_object_del(p, "limits");
}

/* Limits in comments of sample bodies, for parameters that state none. */
static void apply_hints(dctx *d, const json_t *f) {
  op_acc *acc = finding_op(d, f);
  json_t *p =
      acc ? find_param(json_object_get(acc->op, "params"), FIND_STR(f, "name"), "body") : NULL;
  json_t *lims;
  if (!p || json_object_get(p, "limits"))
    return;
  lims = json_deep_copy(json_object_get(f, "limits"));
  add_limits(d, p, lims, json_object_get(f, "provenance"));
  json_decref(lims);
}

/* The parameter a sentence's limit bounds: one the sentence names, else
 * the operation's only required array (or only array) for a count. */
static json_t *bounded_param(op_acc *acc, const json_t *f, int counts) {
  json_t *params = json_object_get(acc->op, "params"), *p, *n, *arr = NULL, *req = NULL;
  size_t i, j, narr = 0, nreq = 0;
  json_array_foreach(params, i, p) {
    json_array_foreach(json_object_get(f, "names"), j, n) {
      if (strcmp(json_string_value(n), FIND_STR(p, "name")) == 0)
        return p;
    }
  }
  if (!counts)
    return NULL;
  json_array_foreach(params, i, p) {
    if (strcmp(FIND_STR(p, "type"), "array") != 0)
      continue;
    narr++;
    arr = p;
    if (json_is_true(json_object_get(p, "required"))) {
      nreq++;
      req = p;
    }
  }
  return nreq == 1 ? req : narr == 1 ? arr : NULL;
}

static void apply_prose_limit(dctx *d, const json_t *f) {
  op_acc *acc = finding_op(d, f);
  limit_phrase ph[8];
  size_t n = 0, i;
  int counts = 1;
  json_t *e, *p, *lims;
  const char *text = FIND_STR(f, "text");
  if (!acc)
    return;
  json_array_foreach(json_object_get(f, "phrases"), i, e) {
    if (n < sizeof(ph) / sizeof(ph[0])) {
      ph[n].max = (long)json_integer_value(json_object_get(e, "max"));
      ph[n].unit = (limit_unit)json_integer_value(json_object_get(e, "unit"));
      counts &= ph[n].unit == U_ITEMS;
      n++;
    }
  }
  if (!(p = bounded_param(acc, f, counts)))
    return;
  lims = cfm__limits_from_phrases(ph, n, FIND_STR(p, "type"), (span){text, strlen(text)});
  if (json_array_size(lims))
    add_limits(d, p, lims, json_object_get(f, "provenance"));
  json_decref(lims);
}

static void apply_limits(dctx *d) {
  size_t i;
  json_t *f;
  json_array_foreach(d->x->findings, i, f) {
    const char *kind = FIND_STR(f, "kind");
    if (strcmp(kind, "hint") == 0)
      apply_hints(d, f);
    else if (strcmp(kind, "plimit") == 0)
      apply_prose_limit(d, f);
  }
}

/* ---- the operations, finished ------------------------------------------------ */

/* Path parameters the template names but no table documents. */
static void template_params(op_acc *acc, const char *path) {
  const char *q = path;
  json_t *params = json_object_get(acc->op, "params");
  while ((q = strchr(q, '{')) != NULL) {
    const char *e = strchr(q, '}');
    char pn[64];
    if (!e)
      break;
    snprintf(pn, sizeof(pn), "%.*s", (int)(e - q - 1), q + 1);
    if (!find_param(params, pn, "path"))
      json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:b, s:O}", "name", pn, "in", "path",
                                              "type", "string", "required", 1, "provenance",
                                              json_object_get(acc->op, "provenance")));
    q = e;
  }
}

/* A unique operation id: the short form, else method + segments, else a
 * counter. */
static void unique_id(json_t *seen, const char *m, const char *p, char *id, size_t cap) {
  int n = 2;
  op_id_for(m, p, id, cap, 0);
  if (json_object_get(seen, id))
    op_id_for(m, p, id, cap, 1);
  while (json_object_get(seen, id) && n < 1000) {
    size_t l = strlen(id);
    snprintf(id + (l > cap - 8 ? cap - 8 : l), 8, "_%d", n++);
  }
  json_object_set_new(seen, id, json_true());
}

/* The JSON type of a sample value; NULL for null. */
static const char *value_type(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  default:
    return NULL;
  }
}

/* Response fields against the operation's sample responses: a field the
 * tables leave untyped takes the sample's type; where table and sample
 * disagree the draft follows the sample and says so in a review note. */
static void reconcile_examples(dctx *d, op_acc *acc) {
  json_t *props = json_object_get(json_object_get(json_object_get(acc->op, "response"), "schema"),
                                  "properties"),
         *ex, *v, *prop;
  size_t i;
  const char *k;
  json_array_foreach(json_object_get(acc->op, "examples"), i, ex) {
    json_t *body = json_object_get(json_object_get(ex, "response"), "body");
    json_object_foreach(body, k, v) {
      const char *vt = value_type(v), *pt;
      if (!vt || !(prop = json_object_get(props, k)))
        continue;
      pt = FIND_STR(prop, "type");
      if (pt && (!strcmp(pt, vt) || (!strcmp(pt, "number") && !strcmp(vt, "integer"))))
        continue;
      if (pt)
        add_note(d->notes, json_object_get(ex, "provenance"),
                 "review: '%s' of %s is %s in the table but %s in the example; draft says %s", k,
                 FIND_STR(acc->op, "id"), pt, vt, vt);
      json_object_set_new(prop, "type", json_string(vt));
    }
  }
}

/* Body parameters whose table gives no known type: the sample request's
 * value decides (with a review note), else the draft says string. */
static void param_types(dctx *d, op_acc *acc) {
  json_t *p, *ex;
  size_t i, j;
  json_array_foreach(json_object_get(acc->op, "params"), i, p) {
    const char *tt = FIND_STR(p, "x-type-text"), *vt = NULL, *name = FIND_STR(p, "name");
    if (!tt)
      continue;
    json_array_foreach(json_object_get(acc->op, "examples"), j, ex) {
      json_t *v = json_object_get(json_object_get(json_object_get(ex, "request"), "body"), name);
      if (v && strcmp(FIND_STR(p, "in"), "body") == 0 && (vt = value_type(v)) != NULL)
        break;
    }
    if (vt) {
      json_object_set_new(p, "type", json_string(vt));
      add_note(d->notes, json_object_get(p, "provenance"),
               "review: type of '%s' not recognised ('%s'); draft says %s, as the sample request "
               "shows",
               name, tt, vt);
    } else {
      add_note(d->notes, json_object_get(p, "provenance"),
               "review: type of '%s' not recognised ('%s'); draft says string", name, tt);
    }
    json_object_del(p, "x-type-text");
  }
}

/* The response's provenance: where its first field is documented, else
 * the operation's. */
static void response_provenance(op_acc *acc) {
  json_t *resp = json_object_get(acc->op, "response"), *prov = NULL, *v;
  const char *k;
  json_object_foreach(json_object_get(json_object_get(resp, "schema"), "properties"), k, v) {
    prov = json_object_get(v, "x-provenance");
    break;
  }
  json_object_set(resp, "provenance", prov ? prov : json_object_get(acc->op, "provenance"));
}

/* Paths relative to the base; ids; methods decided or flagged. */
static json_t *finish_ops(dctx *d) {
  json_t *ops = json_array(), *seen = json_object();
  size_t i, bl = strlen(d->base_prefix);
  for (i = 0; i < d->nops && ops && seen; i++) {
    op_acc *acc = &d->ops[i];
    const char *p = acc->full_path, *m = FIND_STR(acc->op, "method");
    char id[96];
    if (bl && strncmp(p, d->base_prefix, bl) == 0)
      p += bl;
    json_object_set_new(acc->op, "path", json_string(*p ? p : "/"));
    unique_id(seen, m ? m : "POST", *p ? p : "/", id, sizeof(id));
    json_object_set_new(acc->op, "id", json_string(id));
    reconcile_examples(d, acc);
    param_types(d, acc);
    response_provenance(acc);
    if (!m) {
      json_object_set_new(acc->op, "method", json_string("POST"));
      add_note(d->notes, json_object_get(acc->op, "provenance"),
               "review: method of '%s' not stated; draft says POST%s", id, "");
    }
    template_params(acc, p);
    if (json_array_size(json_object_get(acc->op, "errors")) == 0 &&
        json_array_size(d->errors_common))
      json_object_set(acc->op, "errors", d->errors_common);
    json_array_append(ops, acc->op);
  }
  json_decref(seen);
  return ops;
}

/* The key of a finding for the comparison of revisions; 0 when it has none. */
static int revision_key(const json_t *f, char *k, size_t cap) {
  const char *kind = FIND_STR(f, "kind");
  if (strcmp(kind, "host") == 0)
    snprintf(k, cap, "host '%s'", FIND_STR(f, "host"));
  else if (strcmp(kind, "param") == 0 || strcmp(kind, "field") == 0)
    snprintf(k, cap, "%s '%s' (%s)", kind, FIND_STR(f, "name"), FIND_STR(f, "in"));
  else if (strcmp(kind, "error") == 0)
    snprintf(k, cap, "error '%s'", FIND_STR(f, "code"));
  else
    return 0;
  return 1;
}

/* What differs between the revisions of the page (up to 16 revisions). */
static void revision_notes(dctx *d, int revisions) {
  json_t *masks, *m, *f;
  const char *key;
  unsigned full;
  size_t i;
  if (revisions > 1)
    add_note(d->notes, d->page_prov, "the document holds %s revisions of the page ('%s' repeats)",
             revisions == 2 ? "two" : "several", d->x->first_head);
  if (revisions < 2 || revisions > 16)
    return;
  full = (1u << revisions) - 1;
  masks = json_object();
  json_array_foreach(d->x->findings, i, f) {
    char k[256];
    int rev = (int)json_integer_value(json_object_get(f, "revision"));
    if (!revision_key(f, k, sizeof(k)))
      continue;
    m = json_object_get(masks, k);
    json_object_set_new(masks, k,
                        json_integer((json_int_t)((unsigned)json_integer_value(m) | (1u << rev))));
  }
  json_object_foreach(masks, key, m) {
    unsigned v = (unsigned)json_integer_value(m);
    char which[64] = "";
    int r;
    size_t o = 0;
    if (v == full)
      continue;
    for (r = 0; r < revisions; r++)
      if (v & (1u << r))
        o += (size_t)snprintf(which + o, sizeof(which) - o, "%s%d", o ? ", " : "", r + 1);
    add_note(d->notes, d->page_prov, "revision difference: %s appears only in revision %s", key,
             which);
  }
  json_decref(masks);
}

/* ---- transport and the draft ---------------------------------------------- */

static json_t *auth_for(dctx *d, const json_t *prov) {
  if (d->tencent)
    return json_pack("{s:s, s:O, s:[sss], s:O}", "scheme", "tencent_usersig", "query",
                     d->auth_query, "credentials", "sdkappid", "identifier", "secret_key",
                     "provenance", prov);
  if (d->header_token)
    return json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "header_token", "header",
                     "x-acs-dingtalk-access-token", "credentials", "access_token", "provenance",
                     prov);
  if (d->query_token) {
    add_note(d->notes, prov,
             "review: the access_token travels in the query string; conform-spec/1 has no "
             "query-token scheme, the draft says header_token%s",
             "");
    return json_pack("{s:s, s:{s:s}, s:[s], s:O}", "scheme", "header_token", "query",
                     "access_token", "access_token", "credentials", "access_token", "provenance",
                     prov);
  }
  if (!d->bearer)
    add_note(d->notes, prov, "review: no auth scheme recognised%s%s", "", "");
  return json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "bearer", "header", "Authorization",
                   "credentials", "app_token", "provenance", prov);
}

static json_t *error_model(dctx *d, const json_t *prov) {
  if (d->tencent)
    return json_pack("{s:b, s:[i], s:s, s:s, s:i, s:s, s:{s:s, s:s, s:s}, s:O}", "http_errors", 0,
                     "success_status", 200, "code", "/ErrorCode", "code_type", "integer",
                     "success_code", 0, "message", "/ErrorInfo", "status_field", "pointer",
                     "/ActionStatus", "ok", "OK", "fail", "FAIL", "provenance", prov);
  return json_pack("{s:b, s:[i], s:s, s:s, s:s, s:O}", "http_errors", 1, "success_status", 200,
                   "code", d->has_type ? "/error" : "/code", "code_type", "string", "message",
                   d->has_type ? "/error_description" : "/message", "provenance", prov);
}

static json_t *build_draft(dctx *d, json_t *ops) {
  json_t *prov = json_pack("{s:s, s:s}", "doc", d->x->name, "section", d->x->first_head);
  json_t *transport, *draft;
  char base_url[320];
  snprintf(base_url, sizeof(base_url), "https://{host}%s", d->base_prefix);
  transport =
      json_pack("{s:s, s:O, s:o, s:s, s:o, s:o, s:O}", "base_url", base_url, "hosts", d->hosts,
                "auth", auth_for(d, prov), "content_type", "application/json", "error_model",
                error_model(d, prov), "errors", json_array(), "provenance", prov);
  if (d->rate && transport)
    json_object_set_new(
        transport, "rate_limit",
        json_pack("{s:I, s:O}", "per_second", (json_int_t)d->rate, "provenance", d->rate_prov));
  draft = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}], s:o, s:o, s:[], s:O}", "format",
                    "conform-spec/1", "vendor", "draft", "title", d->x->first_head, "documents",
                    "file", d->x->name, "title", d->x->first_head, "transport", transport,
                    "operations", ops, "scenarios", "notes", d->notes);
  json_decref(prov);
  return draft;
}

static void detect_style(dctx *d, const char *text, size_t len) {
  span all = {text, len};
  d->tencent = cfm__span_has(all, "usersig") && cfm__span_has(all, "ErrorCode");
  d->bearer = cfm__span_has(all, "Bearer ");
  d->header_token = cfm__span_has(all, "x-acs-dingtalk-access-token");
  d->query_token = !d->tencent && cfm__span_has(all, "?access_token=");
  d->has_type = cfm__span_has(all, "错误类型") || cfm__span_has(all, "error type");
}

json_t *cfm__assemble(extractor *x, const char *text, size_t len) {
  dctx d;
  json_t *ops, *draft = NULL;
  size_t i;
  memset(&d, 0, sizeof(d));
  d.x = x;
  d.page_prov = json_pack("{s:s, s:s}", "doc", x->name, "section", x->first_head);
  d.notes = json_array();
  d.hosts = json_array();
  d.auth_query = json_object();
  d.errors_common = json_array();
  if (!d.page_prov || !d.notes || !d.hosts || !d.auth_query || !d.errors_common)
    goto out;
  detect_style(&d, text, len);
  collect_ops(&d);
  compute_base(&d);
  assign_findings(&d);
  apply_limits(&d);
  ops = finish_ops(&d);
  if (d.nops == 0)
    add_note(d.notes, d.page_prov, "review: no endpoint (METHOD URL) found in '%s'%s", x->name, "");
  if (json_array_size(d.hosts) == 0)
    add_note(d.notes, d.page_prov, "review: no host named in '%s'%s", x->name, "");
  revision_notes(&d, x->revision + 1);
  if (ops && !d.oom)
    draft = build_draft(&d, ops);
  else
    json_decref(ops);
out:
  for (i = 0; i < d.nops; i++)
    json_decref(d.ops[i].op);
  free(d.ops);
  json_decref(d.page_prov);
  json_decref(d.notes);
  json_decref(d.hosts);
  json_decref(d.auth_query);
  json_decref(d.errors_common);
  return draft;
}
