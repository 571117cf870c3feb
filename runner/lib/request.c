/* conform — building one request: ${...} templates, URL, headers, body;
 * its reproduction lives in repro.c.
 *
 * Owns the text of what is sent.  Must not judge responses, schedule
 * requests or keep run state: everything it needs comes in cfm_tmpl and
 * cfm_request_args. */
#include "conform/request.h"
#include "conform/jsonutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expr)                                                                                \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_)                                                                                       \
      return rc_;                                                                                  \
  } while (0)

/* ---- templates ------------------------------------------------------------ */

const json_t *cfm_tmpl_spec_var(const cfm_tmpl *t, const char *name) {
  const json_t *v = t->target ? json_object_get(t->target->variables, name) : NULL;
  if (v)
    return v;
  return json_object_get(json_object_get(json_object_get(t->spec->root, "variables"), name),
                         "default");
}

/* The run prefix fitted to exactly n bytes: cut at a character boundary,
 * or padded with '-' (${run:N}: a limit case's text keeps its length). */
static json_t *run_fitted(const char *prefix, size_t n) {
  char buf[65];
  size_t k = strlen(prefix);
  n = n < sizeof(buf) ? n : sizeof(buf) - 1;
  for (k = k < n ? k : n; k > 0 && ((unsigned char)prefix[k] & 0xC0) == 0x80;)
    k--;
  memcpy(buf, prefix, k);
  memset(buf + k, '-', n - k);
  return json_stringn(buf, n);
}

/* Value of one template name (new reference) or NULL. */
static json_t *lookup(const cfm_tmpl *t, const char *name) {
  if (!strcmp(name, "run"))
    return json_string(t->run_prefix ? t->run_prefix : "");
  if (!strncmp(name, "run:", 4))
    return run_fitted(t->run_prefix ? t->run_prefix : "", strtoul(name + 4, NULL, 10));
  if (!strcmp(name, "i"))
    return json_integer(t->iter);
  if (!strncmp(name, "var.", 4)) {
    const json_t *v = cfm_tmpl_spec_var(t, name + 4);
    return v ? json_incref((json_t *)v) : NULL;
  }
  {
    json_t *v = json_object_get(t->vars, name);
    return v ? json_incref(v) : NULL;
  }
}

static void note_missing(char *missing, size_t mcap, const char *name, size_t n) {
  if (missing && !missing[0])
    snprintf(missing, mcap, "%.*s", (int)n, name);
}

/* Splices the value of ${name} (name of n bytes) into b as text. */
static int splice(const cfm_tmpl *t, cfm_buf *b, const char *name, size_t n, char *missing,
                  size_t mcap) {
  char key[128];
  json_t *r;
  int rc = CFM_EOK;
  snprintf(key, sizeof(key), "%.*s", (int)n, name);
  r = lookup(t, key);
  if (json_is_string(r))
    rc = cfm_buf_add(b, json_string_value(r), json_string_length(r));
  else if (json_is_integer(r))
    rc = cfm_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(r));
  else {
    note_missing(missing, mcap, name, n);
    rc = cfm_buf_add(b, name - 2, n + 3);
  }
  json_decref(r);
  return rc;
}

/* "...${a}...${b}..." as one string (new reference) or NULL. */
static json_t *resolve_text(const cfm_tmpl *t, const char *s, char *missing, size_t mcap) {
  cfm_buf b;
  const char *p = s;
  json_t *out = NULL;
  int rc = CFM_EOK;
  cfm_buf_init(&b, 1u << 20);
  while (*p && !rc) {
    const char *st = strstr(p, "${"), *en;
    if (!st || !(en = strchr(st, '}'))) {
      rc = cfm_buf_adds(&b, p);
      break;
    }
    rc = cfm_buf_add(&b, p, (size_t)(st - p));
    if (!rc)
      rc = splice(t, &b, st + 2, (size_t)(en - st - 2), missing, mcap);
    p = en + 1;
  }
  if (!rc)
    out = json_string(cfm_buf_str(&b));
  cfm_buf_release(&b);
  return out;
}

json_t *cfm_tmpl_resolve(const cfm_tmpl *t, const json_t *v, char *missing, size_t mcap) {
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}' && !memchr(s + 2, '}', n - 3)) {
      char name[128];
      json_t *r;
      snprintf(name, sizeof(name), "%.*s", (int)(n - 3), s + 2);
      if ((r = lookup(t, name)) != NULL)
        return r;
      note_missing(missing, mcap, name, strlen(name));
      return json_incref((json_t *)v);
    }
    return strstr(s, "${") ? resolve_text(t, s, missing, mcap) : json_incref((json_t *)v);
  }
  if (json_is_array(v) || json_is_object(v)) {
    json_t *out = json_is_array(v) ? json_array() : json_object(), *x, *r;
    const char *k;
    size_t i;
    if (!out)
      return NULL;
    json_array_foreach(v, i, x) {
      if (!(r = cfm_tmpl_resolve(t, x, missing, mcap)) || json_array_append_new(out, r))
        goto oom;
    }
    json_object_foreach((json_t *)v, k, x) {
      if (!(r = cfm_tmpl_resolve(t, x, missing, mcap)) || json_object_set_new(out, k, r))
        goto oom;
    }
    return out;
  oom:
    json_decref(out);
    return NULL;
  }
  return v ? json_incref((json_t *)v) : json_null();
}

/* ---- URL, headers, body --------------------------------------------------- */

/* Appends s percent-encoded; `keep` lists punctuation sent as is ('#' is
 * always encoded). */
static int url_escape(cfm_buf *b, const char *s, const char *keep) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c != '#' && (isalnum(c) || strchr(keep, c)))
      CHECK(cfm_buf_add(b, s, 1));
    else
      CHECK(cfm_buf_addf(b, "%%%02X", c));
  }
  return CFM_EOK;
}

/* Appends the text of a JSON value percent-encoded (never cut). */
static int url_value(cfm_buf *b, const json_t *v, const char *keep) {
  char *text = cfm_json_scalar_dup(v);
  int rc;
  if (!text)
    return CFM_ENOMEM;
  rc = url_escape(b, text, keep);
  free(text);
  return rc;
}

/* Appends "{name}"-templated text: names from vals (a JSON object, or the
 * spec variables when vars_of is set). */
static int url_template(cfm_buf *b, const char *p, const cfm_tmpl *t, const json_t *vals,
                        const char *keep) {
  while (*p) {
    const char *e = *p == '{' ? strchr(p, '}') : NULL;
    if (e) {
      char name[128];
      const json_t *val;
      snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
      val = vals ? json_object_get(vals, name) : cfm_tmpl_spec_var(t, name);
      CHECK(url_value(b, val, keep));
      p = e + 1;
    } else {
      CHECK(cfm_buf_add(b, p++, 1));
    }
  }
  return CFM_EOK;
}

static int add_header(cfm_request *r, const char *name, const char *sep, const char *value) {
  size_t n = strlen(name) + strlen(sep) + strlen(value) + 1;
  char *line;
  if (r->nheaders + 1 >= r->hcap) {
    size_t ncap = r->hcap ? r->hcap * 2 : 8;
    char **h;
    if (ncap > CFM_REQUEST_MAX_HEADERS + 1)
      return CFM_ETOOBIG;
    if (!(h = realloc(r->headers, ncap * sizeof(*h))))
      return CFM_ENOMEM;
    r->headers = h;
    r->hcap = ncap;
  }
  if (!(line = malloc(n)))
    return CFM_ENOMEM;
  snprintf(line, n, "%s%s%s", name, sep, value);
  r->headers[r->nheaders++] = line;
  r->headers[r->nheaders] = NULL;
  return CFM_EOK;
}

static int add_query_sep(cfm_request *r) {
  return cfm_buf_adds(&r->url, strchr(cfm_buf_str(&r->url), '?') ? "&" : "?");
}

/* The URL: the target's base URL (cfm_target_base_url: the target, then
 * its base_path or the spec's base path, with {variables}), the path, the
 * query. */
static int build_url(const cfm_tmpl *t, const char *base, const json_t *op, const json_t *req,
                     cfm_request *r) {
  const char *path = cfm_json_str(op, "path");
  const char *k;
  json_t *v;
  CHECK(cfm_buf_adds(&r->url, base));
  /* Keep commas readable in csv ids. */
  CHECK(url_template(&r->url, path ? path : "", t, json_object_get(req, "path"), "-_.~,@"));
  json_object_foreach(json_object_get(req, "query"), k, v) {
    CHECK(add_query_sep(r));
    CHECK(url_escape(&r->url, k, "-_.~"));
    CHECK(cfm_buf_adds(&r->url, "="));
    CHECK(url_value(&r->url, v, "-_.~"));
  }
  return CFM_EOK;
}

/* Credentials, Accept, the template's headers, the body. */
static int build_rest(const cfm_request_args *a, const json_t *req, const cfm_auth_out *auth,
                      cfm_request *r) {
  const char *k;
  json_t *v;
  if (auth->query[0]) {
    CHECK(add_query_sep(r));
    CHECK(cfm_buf_adds(&r->url, auth->query));
  }
  if (auth->header[0])
    CHECK(add_header(r, auth->header, "", ""));
  CHECK(add_header(r, "Accept", ": ", "application/json"));
  json_object_foreach(json_object_get(req, "headers"), k, v) {
    char *text = cfm_json_scalar_dup(v);
    int rc = text ? add_header(r, k, ": ", text) : CFM_ENOMEM;
    free(text);
    CHECK(rc);
  }
  if (a->raw_body) {
    CHECK(cfm_buf_adds(&r->body, a->raw_body));
  } else if (json_object_get(req, "body")) {
    char *text = json_dumps(json_object_get(req, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
    int rc = text ? cfm_buf_adds(&r->body, text) : CFM_ENOMEM;
    free(text);
    CHECK(rc);
  } else {
    return CFM_EOK;
  }
  r->has_body = 1;
  return add_header(r, "Content-Type", ": ", "application/json");
}

int cfm_request_build(const cfm_tmpl *t, const cfm_request_args *a, cfm_request *r,
                      cfm_error_t *err) {
  const json_t *transport = json_object_get(t->spec->root, "transport");
  cfm_auth_out auth;
  json_t *req;
  char base[4096];
  int rc;
  memset(r, 0, sizeof(*r));
  cfm_buf_init(&r->url, 64 * 1024);
  cfm_buf_init(&r->body, 16u << 20);
  r->method = cfm_json_str(a->op, "method");
  if (!t->target || !t->target->base_url)
    return cfm_error_set(err, CFM_ECONFIG, t->spec->vendor, "", "no target URL for '%s'",
                         t->spec->vendor);
  if ((rc = cfm_target_base_url(t->target, t->spec, base, sizeof(base), err)) != CFM_EOK)
    return rc;
  req = cfm_tmpl_resolve(t, a->request ? a->request : json_null(), r->missing, sizeof(r->missing));
  if (!req)
    return cfm_error_set(err, CFM_ENOMEM, "request", "", "out of memory");
  rc = build_url(t, base, a->op, req, r);
  if (!rc && cfm_auth_render(t->target, json_object_get(transport, "auth"), a->auth, a->now,
                             a->nonce, &auth, err) != CFM_EOK) {
    json_decref(req);
    return CFM_ECONFIG;
  }
  if (!rc)
    rc = build_rest(a, req, &auth, r);
  if (!rc && r->url.len == 0)
    rc = cfm_buf_adds(&r->url, "");
  r->resolved = req;
  if (rc == CFM_ETOOBIG)
    return cfm_error_set(err, rc, cfm_json_str(a->op, "id"), "",
                         "request too big: a URL over 64 KiB, a body over 16 MiB or over %d "
                         "headers",
                         CFM_REQUEST_MAX_HEADERS);
  if (rc)
    return cfm_error_set(err, CFM_ENOMEM, "request", "", "out of memory");
  return CFM_EOK;
}

void cfm_request_release(cfm_request *r) {
  size_t i;
  json_decref(r->resolved);
  r->resolved = NULL;
  cfm_buf_release(&r->url);
  cfm_buf_release(&r->body);
  for (i = 0; i < r->nheaders; i++)
    free(r->headers[i]);
  free(r->headers);
  r->headers = NULL;
  r->nheaders = r->hcap = 0;
}

void cfm_request_http(const cfm_request *r, const cfm_target *tg, cfm_http_request *hr) {
  memset(hr, 0, sizeof(*hr));
  hr->method = r->method;
  hr->url = cfm_buf_str(&r->url);
  hr->headers = (const char *const *)r->headers;
  hr->body = r->has_body ? cfm_buf_str(&r->body) : NULL;
  hr->body_len = r->has_body ? r->body.len : 0;
  if (tg) {
    hr->ca_file = tg->ca_file;
    hr->no_verify = !tg->verify_tls;
  }
}
