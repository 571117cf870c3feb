/* conform — draft assembly, first half: the operations (one per method +
 * path template) and the base URL from the findings, then each finding
 * into its operation (parameters, response fields, errors, examples, rate
 * limits, hosts).  Must not finish operations or build the draft:
 * extract_assemble.c does, and drives the whole. */
#include <stdarg.h>
#include <strings.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_draft_int.h"

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
void cfm__draft_op_id(const char *method, const char *path, char *out, size_t cap, int long_form) {
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

json_t *cfm__draft_find_param(json_t *params, const char *name, const char *in) {
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

void cfm__draft_note(json_t *notes, const json_t *prov, const char *fmt, ...) {
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
void cfm__draft_finish_limits(dctx *d, json_t *lims, size_t from, json_t *prov, json_t *clamp,
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
      cfm__draft_note(d->notes, prov,
                      "review: '%s' states several %s bounds; keep the one that bounds it", pname,
                      k);
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
    d->query_token |= !strcmp(in, "query") && !d->usersig_auth;
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
  if (d->usersig_auth && strcmp(in, "query") == 0)
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
  if (!(in = param_home(d, name, in)) || cfm__draft_find_param(params, name, in))
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
    cfm__draft_note(d->notes, prov, "review: whether '%s' is required is not stated%s", name, "");
  if ((v = json_object_get(f, "default")))
    json_object_set(p, "default", v);
  if ((v = json_object_get(f, "limits"))) {
    json_t *lims = json_deep_copy(v);
    cfm__draft_finish_limits(d, lims, 0, prov, json_object_get(f, "clamp_to"), name);
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

op_acc *cfm__draft_finding_op(dctx *d, const json_t *f) {
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
  cfm__draft_op_id(method ? method : "post", path, id, sizeof(id), 0);
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

void cfm__draft_collect_ops(dctx *d) {
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
void cfm__draft_compute_base(dctx *d) {
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
  if (d->usersig_auth) {
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
    cfm__draft_note(
        d->notes, json_object_get(f, "provenance"),
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
    cfm__draft_note(d->notes, json_object_get(f, "provenance"),
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

void cfm__draft_assign(dctx *d) {
  size_t i, k;
  json_t *f;
  json_array_foreach(d->x->findings, i, f) {
    const char *kind = FIND_STR(f, "kind");
    op_acc *acc = cfm__draft_finding_op(d, f);
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
      cfm__draft_note(d->notes, json_object_get(f, "provenance"), "%s", FIND_STR(f, "text"));
  }
}
