/* conform — draft assembly, second half and driver (cfm__assemble): limits
 * stated outside the tables, the finished operations (paths, ids, types,
 * provenance), revision notes, auth and error model, the draft itself.
 * Must not read the page's text beyond detecting its style: findings come
 * from the extractor, operations from extract_draft.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/schema.h"
#include "extract_draft_int.h"

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
  cfm__draft_finish_limits(d, have, from, prov, NULL, FIND_STR(p, "name"));
  if (json_array_size(have) == 0)
    json_object_del(p, "limits");
}

/* Limits in comments of sample bodies, for parameters that state none. */
static void apply_hints(dctx *d, const json_t *f) {
  op_acc *acc = cfm__draft_finding_op(d, f);
  json_t *p =
      acc ? cfm__draft_find_param(json_object_get(acc->op, "params"), FIND_STR(f, "name"), "body")
          : NULL;
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
  op_acc *acc = cfm__draft_finding_op(d, f);
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
    if (!cfm__draft_find_param(params, pn, "path"))
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
  cfm__draft_op_id(m, p, id, cap, 0);
  if (json_object_get(seen, id))
    cfm__draft_op_id(m, p, id, cap, 1);
  while (json_object_get(seen, id) && n < 1000) {
    size_t l = strlen(id);
    if (snprintf(id + (l > cap - 8 ? cap - 8 : l), 8, "_%d", n++) >= 8)
      break; /* n < 1000: never */
  }
  json_object_set_new(seen, id, json_true());
}

/* The JSON type of a sample value; NULL for null. */
static const char *value_type(const json_t *v) {
  return json_is_null(v) ? NULL : cfm_schema_type_name(v);
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
        cfm__draft_note(
            d->notes, json_object_get(ex, "provenance"),
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
      cfm__draft_note(
          d->notes, json_object_get(p, "provenance"),
          "review: type of '%s' not recognised ('%s'); draft says %s, as the sample request "
          "shows",
          name, tt, vt);
    } else {
      cfm__draft_note(d->notes, json_object_get(p, "provenance"),
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
      cfm__draft_note(d->notes, json_object_get(acc->op, "provenance"),
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
    cfm__draft_note(d->notes, d->page_prov,
                    "the document holds %s revisions of the page ('%s' repeats)",
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
    cfm__draft_note(d->notes, d->page_prov, "revision difference: %s appears only in revision %s",
                    key, which);
  }
  json_decref(masks);
}

/* ---- transport and the draft ---------------------------------------------- */

static json_t *auth_for(dctx *d, const json_t *prov) {
  if (d->usersig_auth)
    return json_pack("{s:s, s:O, s:[sss], s:O}", "scheme", "tencent_usersig", "query",
                     d->auth_query, "credentials", "sdkappid", "identifier", "secret_key",
                     "provenance", prov);
  if (d->header_token)
    return json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "header_token", "header",
                     "x-acs-dingtalk-access-token", "credentials", "access_token", "provenance",
                     prov);
  if (d->query_token) {
    cfm__draft_note(d->notes, prov,
                    "review: the access_token travels in the query string; conform-spec/1 has no "
                    "query-token scheme, the draft says header_token%s",
                    "");
    return json_pack("{s:s, s:{s:s}, s:[s], s:O}", "scheme", "header_token", "query",
                     "access_token", "access_token", "credentials", "access_token", "provenance",
                     prov);
  }
  if (!d->bearer)
    cfm__draft_note(d->notes, prov, "review: no auth scheme recognised%s%s", "", "");
  return json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "bearer", "header", "Authorization",
                   "credentials", "app_token", "provenance", prov);
}

static json_t *error_model(dctx *d, const json_t *prov) {
  if (d->usersig_auth)
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
  d->usersig_auth = cfm__span_has(all, "usersig") && cfm__span_has(all, "ErrorCode");
  d->bearer = cfm__span_has(all, "Bearer ");
  d->header_token = cfm__span_has(all, "x-acs-dingtalk-access-token");
  d->query_token = !d->usersig_auth && cfm__span_has(all, "?access_token=");
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
  cfm__draft_collect_ops(&d);
  cfm__draft_compute_base(&d);
  cfm__draft_assign(&d);
  apply_limits(&d);
  ops = finish_ops(&d);
  if (d.nops == 0)
    cfm__draft_note(d.notes, d.page_prov, "review: no endpoint (METHOD URL) found in '%s'%s",
                    x->name, "");
  if (json_array_size(d.hosts) == 0)
    cfm__draft_note(d.notes, d.page_prov, "review: no host named in '%s'%s", x->name, "");
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
