/* conform — passive expectations, the request: what an observed request
 * breaks (credential, required fields, types, enums, malformed values,
 * limits), held against the client and deciding what the target must
 * answer.  Owns the request's view (query, headers, parameter values);
 * must not judge the response (passive.c) nor keep state across
 * exchanges (passive_stream.c). */
#include "passive_internal.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"
#include "conform/usersig.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_assumed(const json_t *prov) {
  return json_object_get(prov, "assumed") != NULL;
}

void cfm__passive_violate(violation *v, const json_t *prov, const char *error, const char *fmt,
                          ...) {
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

json_t *cfm__passive_parse_query(const char *url) {
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
      cfm__passive_violate(vi, prov, err, "%s has %zu characters; the documented maximum is %lld",
                           name, n, max);
  } else if (!strcmp(kind, "max_bytes") && json_is_string(v)) {
    if ((long long)json_string_length(v) > max)
      cfm__passive_violate(vi, prov, err, "%s has %zu bytes; the documented maximum is %lld", name,
                           json_string_length(v), max);
  } else if (!strcmp(kind, "max_items") && json_is_array(v)) {
    if ((long long)json_array_size(v) > max)
      cfm__passive_violate(vi, prov, err, "%s has %zu items; the documented maximum is %lld", name,
                           json_array_size(v), max);
  } else if (!strcmp(kind, "range") && (json_is_number(v) || json_is_string(v))) {
    long long x = int_of(v), min = json_integer_value(json_object_get(lim, "min"));
    if (json_object_get(lim, "min") && x < min) {
      json_t *bp = json_object_get(lim, "below_provenance");
      cfm__passive_violate(vi, bp ? bp : prov, err,
                           "%s=%lld is below the documented range [%lld,%lld]", name, x, min, max);
      if (!bp)
        vi->silent = 1; /* the documents give the range, not what happens below it */
    } else if (json_object_get(lim, "max") && x > max) {
      if (above && !strcmp(above, "clamp"))
        *clamp = lim;
      else
        cfm__passive_violate(vi, prov, err, "%s=%lld is above the documented range [..,%lld]", name,
                             x, max);
    }
  }
}

/* Checks every documented parameter of op against the request. */
int cfm__passive_check_params(const json_t *op, const req_view *rv, violation *server,
                              violation *client, const json_t **clamp, const char *auth_header,
                              const json_t **absent) {
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
        cfm__passive_violate(vi, prov, NULL, "required %s %s is missing", in, name);
      continue;
    }
    if (!type_ok(v, type, textual)) {
      int first = !vi->found;
      cfm__passive_violate(vi, prov, NULL, "%s %s is not of the documented type %s", in, name,
                           type);
      /* The documents give the type, not that other types are refused
       * (the run's type cases read it so too: a warn). */
      if (first)
        vi->silent = 1;
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
      if (!ok) {
        int first = !vi->found;
        cfm__passive_violate(vi, prov, NULL, "%s %s is not one of the documented values", in, name);
        if (first)
          vi->silent = 1; /* as the run's enum cases: what answers it is not documented */
      }
    }
    if (json_is_string(v)) {
      const json_t *bad;
      json_array_foreach(json_object_get(p, "malformed"), k, bad) {
        if (json_equal(bad, v)) {
          int first = !vi->found;
          cfm__passive_violate(vi, json_object_get(p, "malformed_provenance"), NULL,
                               "%s %s is malformed", in, name);
          if (first) {
            vi->trigger = "malformed_id";
            /* The rows the spec names for a malformed value, else the trigger's. */
            if (json_array_size(json_object_get(p, "malformed_errors")))
              vi->errors = json_object_get(p, "malformed_errors");
          }
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
        cfm__passive_violate(vi, prov, NULL, "%s %s: %s %s", in, name, viol.items[0].pointer,
                             viol.items[0].message);
      json_decref(sch);
    }
    json_array_foreach(json_object_get(p, "limits"), k, lim) check_limit(p, lim, v, vi, clamp);
    json_decref(v);
  }
  return 0;
}

/* A UserSig whose issue time plus validity is before the request was sent
 * (its times decoded from the query, else those the recording kept):
 * violates and returns 1. */
static int usersig_expired(const req_view *rv, const char *sig, violation *vi, const json_t *prov) {
  passive_facts f = {0, 0, 0, 0, 0, 0, -1};
  if (rv->facts)
    f = *rv->facts;
  if (sig && !cfm_usersig_times(sig, strlen(sig), &f.sig_issued, &f.sig_expire))
    f.has_sig = 1;
  if (!f.has_sig || f.now <= 0 || f.sig_issued + f.sig_expire >= f.now)
    return 0;
  cfm__passive_violate(vi, prov, NULL,
                       "the UserSig expired at %lld (issued %lld, valid %lld s) before the "
                       "request was sent at %lld",
                       (long long)(f.sig_issued + f.sig_expire), (long long)f.sig_issued,
                       (long long)f.sig_expire, (long long)f.now);
  return 1;
}

/* The credential the transport documents: absent → the documented errors. */
void cfm__passive_check_auth(const cfm_spec *spec, const req_view *rv, violation *vi,
                             const char **auth_header) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char *scheme = cfm_json_str(auth, "scheme"), *h = cfm_json_str(auth, "header");
  const json_t *missing = json_object_get(json_object_get(auth, "errors"), "missing");
  const json_t *prov = json_object_get(auth, "provenance");
  *auth_header = h;
  if (!scheme)
    return;
  if (h && !header(rv->req, h)) {
    cfm__passive_violate(vi, prov, NULL, "the request carries no %s credential header", h);
  } else if (!h && !strcmp(scheme, "tencent_usersig")) {
    const char *q = cfm_json_str(json_object_get(auth, "query"), "usersig");
    if (q && !json_object_get(rv->query, q))
      cfm__passive_violate(vi, prov, NULL, "the request carries no %s query parameter", q);
    else if (!q || !usersig_expired(rv, cfm_json_str(rv->query, q), vi, prov))
      return;
    else
      missing = json_object_get(json_object_get(auth, "errors"), "expired");
  } else {
    return;
  }
  vi->errors = (json_t *)missing;
}
