/* conform — running cases: building requests, judging responses, cleaning up.
 *
 * Cases run concurrently on one executor; each case is a small state
 * machine whose steps run in order (a step's response may feed the next
 * through captures).  Cases that walk whole lists run afterwards, one at a
 * time, so concurrent creates and deletes cannot shift their pages. */
#include "conform/runner.h"
#include "conform/buf.h"
#include "conform/errmap.h"
#include "conform/exec.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"

#include <ctype.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXCERPT 400
#define MAX_WALK_IDS 100000

static volatile sig_atomic_t interrupted;
static cfm_exec *volatile active_exec;

static volatile sig_atomic_t was_interrupted;

int cfm_run_was_interrupted(void) {
  return was_interrupted;
}

void cfm_run_interrupt(void) {
  /* First signal: start nothing new, let requests in flight finish (so
   * whatever they create is known and deleted).  Second: abandon them. */
  if (interrupted && active_exec)
    cfm_exec_cancel(active_exec);
  was_interrupted = 1;
  interrupted = 1;
}

typedef struct runctx runctx;

typedef struct casestate {
  runctx *rc;
  const cfm_case *c;
  json_t *steps; /* parsed from c->steps_json while the case runs */
  unsigned rep;  /* --repeat copy */
  size_t step;
  unsigned iter;   /* repeat index within a step */
  json_t *vars;    /* captures */
  json_t *created; /* [{vendor, op, id}] resources to delete when the case ends */
  /* walk */
  json_t *walk_ids;
  unsigned walk_pages;
  char walk_cursor[512];
  long walk_page;
  /* outcome */
  cfm_verdict verdict;
  int done;
  char reason[600];
  json_t *prov;
  long status;
  char code[128];
  char cls[32];
  char excerpt[EXCERPT + 1];
  char summary[700];
  char repro[4096];
  double started;
} casestate;

struct runctx {
  const cfm_specset *set;
  cfm_config *cfg;
  const cfm_run_options *opt;
  cfm_exec *ex;
  cfm_report *rep;
  char prefix[64];
  json_t *cleanup; /* [{vendor, op, id}] */
  cfm_case **queue;
  size_t nqueue, next, inflight;
  unsigned concurrency;
  json_t *throttle_codes; /* union over specs */
  json_t *throttle_status;
  size_t counts[CFM_VERDICT__COUNT];
  size_t baselined;
  json_t *reach; /* vendor -> [ok, neterr] */
  int report_error;
};

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- templates -------------------------------------------------------------- */

static const json_t *spec_var(const casestate *cs, const char *name) {
  const cfm_target *t = cfm_config_target(cs->rc->cfg, cs->c->spec->vendor);
  const json_t *v = t ? json_object_get(t->variables, name) : NULL;
  if (v)
    return v;
  return json_object_get(json_object_get(json_object_get(cs->c->spec->root, "variables"), name),
                         "default");
}

/* Value of one template name (new reference) or NULL. */
static json_t *lookup(const casestate *cs, const char *name) {
  if (!strcmp(name, "run"))
    return json_string(cs->rc->prefix);
  if (!strcmp(name, "i"))
    return json_integer(cs->iter);
  if (!strncmp(name, "var.", 4)) {
    const json_t *v = spec_var(cs, name + 4);
    return v ? json_incref((json_t *)v) : NULL;
  }
  {
    json_t *v = json_object_get(cs->vars, name);
    return v ? json_incref(v) : NULL;
  }
}

/* Resolves ${...} in a JSON value (new reference).  *missing gets the first
 * unknown name (when missing is non-NULL, unknown names stay as text). */
static json_t *resolve(const casestate *cs, const json_t *v, char *missing, size_t mcap) {
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}' && !memchr(s + 2, '}', n - 3)) {
      char name[128];
      json_t *r;
      snprintf(name, sizeof(name), "%.*s", (int)(n - 3), s + 2);
      r = lookup(cs, name);
      if (r)
        return r;
      if (missing && !missing[0])
        snprintf(missing, mcap, "%s", name);
      return json_incref((json_t *)v);
    }
    if (strstr(s, "${")) {
      cfm_buf b;
      const char *p = s;
      json_t *out;
      cfm_buf_init(&b, 1u << 20);
      while (*p) {
        const char *st = strstr(p, "${"), *en;
        if (!st || !(en = strchr(st, '}'))) {
          cfm_buf_adds(&b, p);
          break;
        }
        cfm_buf_add(&b, p, (size_t)(st - p));
        {
          char name[128];
          json_t *r;
          snprintf(name, sizeof(name), "%.*s", (int)(en - st - 2), st + 2);
          r = lookup(cs, name);
          if (json_is_string(r))
            cfm_buf_adds(&b, json_string_value(r));
          else if (json_is_integer(r))
            cfm_buf_addf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(r));
          else {
            if (missing && !missing[0])
              snprintf(missing, mcap, "%s", name);
            cfm_buf_add(&b, st, (size_t)(en - st + 1));
          }
          json_decref(r);
        }
        p = en + 1;
      }
      out = json_string(cfm_buf_str(&b));
      cfm_buf_release(&b);
      return out ? out : json_string("");
    }
    return json_incref((json_t *)v);
  }
  if (json_is_array(v)) {
    json_t *a = json_array(), *x;
    size_t i;
    json_array_foreach(v, i, x) json_array_append_new(a, resolve(cs, x, missing, mcap));
    return a;
  }
  if (json_is_object(v)) {
    json_t *o = json_object(), *x;
    const char *k;
    json_object_foreach((json_t *)v, k, x) json_object_set_new(o, k, resolve(cs, x, missing, mcap));
    return o;
  }
  return json_incref((json_t *)v);
}

/* ---- requests ------------------------------------------------------------------- */

static void url_escape(cfm_buf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || strchr("-_.~", c))
      cfm_buf_addf(b, "%c", c);
    else
      cfm_buf_addf(b, "%%%02X", c);
  }
}

static void scalar_text(const json_t *v, char *out, size_t cap) {
  if (json_is_string(v))
    snprintf(out, cap, "%s", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    snprintf(out, cap, "%g", json_real_value(v));
  else if (json_is_boolean(v))
    snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
  else {
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(out, cap, "%s", t ? t : "");
    free(t);
  }
}

typedef struct built {
  cfm_buf url;
  cfm_buf body;
  int has_body;
  char *headers[16];
  size_t nheaders;
  const json_t *op;
  char missing[128];
} built;

/* The executor's request for a built request of op to target tg (which may
 * be NULL); borrows b's buffers. */
static void request_of(built *b, const json_t *op, const cfm_target *tg, cfm_http_request *hr) {
  memset(hr, 0, sizeof(*hr));
  hr->method = str(op, "method");
  hr->url = cfm_buf_str(&b->url);
  hr->headers = (const char *const *)b->headers;
  hr->body = b->has_body ? cfm_buf_str(&b->body) : NULL;
  hr->body_len = b->has_body ? b->body.len : 0;
  if (tg) {
    hr->ca_file = tg->ca_file;
    hr->no_verify = !tg->verify_tls;
  }
}

static void built_release(built *b) {
  size_t i;
  cfm_buf_release(&b->url);
  cfm_buf_release(&b->body);
  for (i = 0; i < b->nheaders; i++)
    free(b->headers[i]);
}

static int add_header(built *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int add_header(built *b, const char *fmt, ...) {
  char line[2200];
  va_list ap;
  if (b->nheaders + 1 >= sizeof(b->headers) / sizeof(b->headers[0]))
    return -1;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  b->headers[b->nheaders] = strdup(line);
  if (!b->headers[b->nheaders])
    return -1;
  b->nheaders++;
  b->headers[b->nheaders] = NULL;
  return 0;
}

static cfm_auth_mode mode_of(const char *s) {
  if (!s || !strcmp(s, "valid"))
    return CFM_AUTH_VALID;
  if (!strcmp(s, "missing"))
    return CFM_AUTH_MISSING;
  if (!strcmp(s, "malformed"))
    return CFM_AUTH_MALFORMED;
  if (!strcmp(s, "expired"))
    return CFM_AUTH_EXPIRED;
  return CFM_AUTH_WRONG_APP;
}

/* Builds the HTTP request of op with request template req (resolved here). */
static int build(casestate *cs, const json_t *op, const json_t *req_t, const char *auth_mode,
                 const char *raw_body, built *b, cfm_error_t *err) {
  const cfm_spec *spec = cs->c->spec;
  const cfm_target *t = cfm_config_target(cs->rc->cfg, spec->vendor);
  const json_t *transport = json_object_get(spec->root, "transport");
  const char *base = str(transport, "base_url"), *path = str(op, "path"), *p;
  json_t *req = resolve(cs, req_t ? req_t : json_null(), b->missing, sizeof(b->missing));
  cfm_auth_out auth;
  const char *k;
  json_t *v;
  int first = 1;
  cfm_buf_init(&b->url, 64 * 1024);
  cfm_buf_init(&b->body, 16u << 20);
  b->op = op;
  if (!t || !t->base_url) {
    json_decref(req);
    return cfm_error_set(err, CFM_ECONFIG, spec->vendor, "", "no target URL for '%s'",
                         spec->vendor);
  }
  cfm_buf_adds(&b->url, t->base_url);
  /* base_url after "https://{host}", with {variables}. */
  p = base && !strncmp(base, "https://{host}", 14) ? base + 14 : "";
  while (*p) {
    if (*p == '{' && strchr(p, '}')) {
      const char *e = strchr(p, '}');
      char name[64];
      const json_t *val;
      char text[256];
      snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
      val = spec_var(cs, name);
      scalar_text(val ? val : json_string(""), text, sizeof(text));
      url_escape(&b->url, text);
      p = e + 1;
    } else {
      cfm_buf_add(&b->url, p++, 1);
    }
  }
  for (p = path ? path : ""; *p;) {
    if (*p == '{' && strchr(p, '}')) {
      const char *e = strchr(p, '}');
      char name[64], text[8192];
      const json_t *val;
      snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
      val = json_object_get(json_object_get(req, "path"), name);
      scalar_text(val ? val : json_string(""), text, sizeof(text));
      {
        /* Keep commas readable in csv ids. */
        const char *s;
        for (s = text; *s; s++) {
          unsigned char c = (unsigned char)*s;
          if (isalnum(c) || strchr("-_.~,@#", c))
            cfm_buf_addf(&b->url, c == '#' ? "%%23" : "%c", c);
          else
            cfm_buf_addf(&b->url, "%%%02X", c);
        }
      }
      p = e + 1;
    } else {
      cfm_buf_add(&b->url, p++, 1);
    }
  }
  json_object_foreach(json_object_get(req, "query"), k, v) {
    char text[8192];
    scalar_text(v, text, sizeof(text));
    cfm_buf_adds(&b->url, first ? "?" : "&");
    first = 0;
    url_escape(&b->url, k);
    cfm_buf_adds(&b->url, "=");
    url_escape(&b->url, text);
  }
  if (cfm_auth_render(t, json_object_get(transport, "auth"), mode_of(auth_mode),
                      (int64_t)time(NULL), (uint32_t)rand(), &auth, err) != CFM_EOK) {
    json_decref(req);
    return CFM_ECONFIG;
  }
  if (auth.query[0]) {
    cfm_buf_adds(&b->url, first ? "?" : "&");
    cfm_buf_adds(&b->url, auth.query);
  }
  if (auth.header[0])
    add_header(b, "%s", auth.header);
  add_header(b, "Accept: application/json");
  json_object_foreach(json_object_get(req, "headers"), k, v) {
    char text[1024];
    scalar_text(v, text, sizeof(text));
    add_header(b, "%s: %s", k, text);
  }
  if (raw_body) {
    cfm_buf_adds(&b->body, raw_body);
    b->has_body = 1;
    add_header(b, "Content-Type: application/json");
  } else if (json_object_get(req, "body")) {
    char *text = json_dumps(json_object_get(req, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
    if (text) {
      cfm_buf_adds(&b->body, text);
      free(text);
    }
    b->has_body = 1;
    add_header(b, "Content-Type: application/json");
  }
  json_decref(req);
  if (b->url.len == 0 && cfm_buf_adds(&b->url, "") != 0)
    return cfm_error_set(err, CFM_ENOMEM, "request", "", "out of memory");
  return CFM_EOK;
}

static void repro_of(const runctx *rc, const char *method, const built *b, char *out, size_t cap) {
  cfm_buf r;
  size_t i;
  cfm_buf_init(&r, 1u << 20);
  cfm_buf_addf(&r, "curl -sS -X %s '%s'", method, cfm_buf_str(&b->url));
  for (i = 0; i < b->nheaders; i++)
    cfm_buf_addf(&r, " -H '%s'", b->headers[i]);
  if (b->has_body) {
    if (b->body.len > 2048)
      cfm_buf_addf(&r, " --data-binary '%.2048s...'", cfm_buf_str(&b->body));
    else
      cfm_buf_addf(&r, " --data-binary '%s'", cfm_buf_str(&b->body));
  }
  cfm_redact(rc->cfg, cfm_buf_str(&r), out, cap);
  cfm_buf_release(&r);
}

/* ---- judging --------------------------------------------------------------------- */

static const json_t *find_op(const cfm_spec *spec, const char *id) {
  return cfm_spec_operation(spec, id);
}

static void set_verdict(casestate *cs, cfm_verdict v, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void set_verdict(casestate *cs, cfm_verdict v, const json_t *prov, const char *fmt, ...) {
  va_list ap;
  /* The first fail/error decides; a warn is kept unless something worse comes. */
  if (cs->verdict == CFM_VERDICT_FAIL || cs->verdict == CFM_VERDICT_ERROR)
    return;
  if (v == CFM_VERDICT_WARN && cs->verdict == CFM_VERDICT_WARN)
    return;
  cs->verdict = v;
  va_start(ap, fmt);
  vsnprintf(cs->reason, sizeof(cs->reason), fmt, ap);
  va_end(ap);
  if (prov && json_is_object(prov)) {
    json_decref(cs->prov);
    cs->prov = json_deep_copy(prov);
  }
}

/* Checks {pointer, equals|exists|length|type|contains} on a body. */
static int body_check(casestate *cs, const json_t *body, const json_t *chk, char *why, size_t cap) {
  const char *ptr = str(chk, "pointer");
  const json_t *at = cfm_json_pointer(body, ptr ? ptr : "");
  const json_t *want;
  if ((want = json_object_get(chk, "exists")) != NULL) {
    if (json_is_true(want) != (at != NULL)) {
      snprintf(why, cap, "%s %s", ptr, at ? "is present" : "is missing");
      return 0;
    }
    return 1;
  }
  if (!at) {
    snprintf(why, cap, "%s is missing from the response", ptr);
    return 0;
  }
  if ((want = json_object_get(chk, "equals")) != NULL) {
    json_t *w = resolve(cs, want, NULL, 0);
    int ok = json_equal(w, (json_t *)at) ||
             (json_is_string(w) && json_is_integer(at) &&
              strtoll(json_string_value(w), NULL, 10) == json_integer_value(at));
    if (!ok) {
      char *a = json_dumps(at, JSON_COMPACT | JSON_ENCODE_ANY),
           *e = json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY);
      snprintf(why, cap, "%s is %.120s, expected %.120s", ptr, a ? a : "?", e ? e : "?");
      free(a);
      free(e);
    }
    json_decref(w);
    return ok;
  }
  if ((want = json_object_get(chk, "length")) != NULL) {
    if ((json_int_t)json_array_size(at) != json_integer_value(want)) {
      snprintf(why, cap, "%s has %zu items, expected %lld", ptr, json_array_size(at),
               (long long)json_integer_value(want));
      return 0;
    }
    return 1;
  }
  if ((want = json_object_get(chk, "contains")) != NULL) {
    json_t *w = resolve(cs, want, NULL, 0);
    size_t i;
    const json_t *item;
    int found = 0;
    json_array_foreach(at, i, item) {
      const char *k;
      json_t *wv;
      int all = 1;
      json_object_foreach(w, k, wv) {
        const json_t *iv = json_object_get(item, k);
        if (!iv || !json_equal(iv, wv))
          all = 0;
      }
      if (all)
        found = 1;
    }
    if (!found) {
      char *e = json_dumps(w, JSON_COMPACT);
      snprintf(why, cap, "%s has no item with %.200s", ptr, e ? e : "?");
      free(e);
    }
    json_decref(w);
    return found;
  }
  return 1;
}

static int in_list(const json_t *list, const char *s) {
  size_t i;
  const json_t *v;
  json_array_foreach(list, i, v) {
    if (json_is_string(v) && !strcmp(json_string_value(v), s))
      return 1;
  }
  return 0;
}

static int is_throttle(const runctx *rc, long status, const cfm_mapped *m) {
  size_t i;
  const json_t *v;
  json_array_foreach(rc->throttle_status, i, v) {
    if (json_integer_value(v) == status && m->is_error)
      return 1;
  }
  return m->code[0] && in_list(rc->throttle_codes, m->code);
}

/* 1 when a response is an answer of a JSON API: no transport error, and a
 * JSON Content-Type or a body that starts like JSON (a 429 counts: the
 * target was reached).  HTML pages of proxies and gateways, garbage and
 * empty bodies are not. */
static int is_api_answer(const cfm_http_response *res) {
  size_t i = 0;
  if (res->error)
    return 0;
  if (res->status == 429 || (res->content_type && strstr(res->content_type, "json")))
    return 1;
  while (i < res->len && isspace((unsigned char)res->body[i]))
    i++;
  return i < res->len && (res->body[i] == '{' || res->body[i] == '[');
}

/* 1 if the expectation e names no HTTP status or res has it; otherwise
 * sets the verdict `bad` and returns 0. */
static int status_as_expected(casestate *cs, cfm_verdict bad, const json_t *prov, const json_t *e,
                              const cfm_http_response *res) {
  const json_t *want = json_object_get(e, "status");
  if (!json_is_integer(want) || json_integer_value(want) == res->status)
    return 1;
  set_verdict(cs, bad, prov, "expected HTTP %lld, got %ld", (long long)json_integer_value(want),
              res->status);
  return 0;
}

/* Judges one response against a step's expectation.  Returns 1 to go on. */
static int judge(casestate *cs, const json_t *step, const json_t *op, const cfm_http_response *res,
                 int setup) {
  const cfm_spec *spec = cs->c->spec;
  const json_t *e = json_object_get(step, "expect");
  const json_t *prov = json_object_get(e, "provenance");
  int silent = json_is_true(json_object_get(e, "silent"));
  cfm_verdict bad = silent ? CFM_VERDICT_WARN : CFM_VERDICT_FAIL;
  const char *outcome = str(e, "outcome"), *what = str(e, "what");
  const json_t *tables[2] = {json_object_get(op, "errors"),
                             json_object_get(json_object_get(spec->root, "transport"), "errors")};
  cfm_mapped m;
  if (!what)
    what = "the documented outcome";
  cs->status = res->status;
  snprintf(cs->excerpt, sizeof(cs->excerpt), "%.*s", (int)(res->len < EXCERPT ? res->len : EXCERPT),
           res->body);
  if (res->error) {
    set_verdict(cs, CFM_VERDICT_ERROR, prov, "%s: %s", cfm_err_name(res->error), res->error_text);
    return 0;
  }
  cfm_errmap_map(cfm_spec_error_model(spec), tables, 2, res->status, res->body, res->len, &m);
  snprintf(cs->code, sizeof(cs->code), "%s", m.code);
  snprintf(cs->cls, sizeof(cs->cls), "%s", cfm_class_name(m.cls));
  if (is_throttle(cs->rc, res->status, &m)) {
    set_verdict(cs, CFM_VERDICT_SKIP, prov,
                "throttled after %u attempts (HTTP %ld %s); not a contract failure", res->attempts,
                res->status, m.code);
    return 0;
  }
  if (!is_api_answer(res)) {
    set_verdict(cs, CFM_VERDICT_ERROR, prov,
                "the target answered HTTP %ld with %s, not JSON: is it the API (a proxy or "
                "gateway page)?",
                res->status,
                res->content_type && res->content_type[0] ? res->content_type : "no Content-Type");
    return 0;
  }
  if (setup && m.is_error) {
    set_verdict(cs, CFM_VERDICT_SKIP, prov,
                "set-up step %s failed (HTTP %ld, %s %s); the case could not run", str(step, "op"),
                res->status, m.code, m.message);
    return 0;
  }
  if (setup || !outcome || !strcmp(outcome, "success")) {
    const json_t *schema = json_object_get(json_object_get(op, "response"), "schema");
    const json_t *chk;
    size_t i;
    json_t *body;
    if (m.is_error) {
      set_verdict(cs, bad, prov, "expected: %s; got HTTP %ld, %s%s%s (%s)", what, res->status,
                  m.code[0] ? m.code : cfm_class_name(m.cls), m.message[0] ? ": " : "", m.message,
                  m.why);
      return 0;
    }
    if (!status_as_expected(cs, bad, prov, e, res))
      return 0;
    body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0);
    if (!body) {
      set_verdict(cs, bad, prov, "the response body is not JSON (Content-Type '%s')",
                  res->content_type);
      return 0;
    }
    if (!setup && !strstr(res->content_type, "json")) {
      json_t *ap = json_pack("{s:s}", "assumed", "the documents show JSON bodies");
      set_verdict(cs, CFM_VERDICT_WARN, ap, "JSON body with Content-Type '%s'", res->content_type);
      json_decref(ap);
    }
    if (!setup && schema && !json_is_false(json_object_get(e, "schema"))) {
      cfm_violations v;
      int n = cfm_schema_validate(schema, body, &v);
      if (n > 0) {
        const json_t *rp = json_object_get(json_object_get(op, "response"), "provenance");
        set_verdict(cs, CFM_VERDICT_FAIL, rp ? rp : prov,
                    "response does not match the documented fields: %s %s (%d violation%s)",
                    v.items[0].pointer, v.items[0].message, n, n == 1 ? "" : "s");
        json_decref(body);
        return 0;
      }
    }
    json_array_foreach(setup ? NULL : json_object_get(e, "body"), i, chk) {
      char why[300];
      if (!body_check(cs, body, chk, why, sizeof(why))) {
        set_verdict(cs, bad, prov, "%s: %s", what, why);
        json_decref(body);
        return 0;
      }
    }
    if (!setup && (chk = json_object_get(e, "array_max")) != NULL) {
      const json_t *arr = cfm_json_pointer(body, str(chk, "pointer"));
      if (!json_is_array(arr) ||
          (json_int_t)json_array_size(arr) > json_integer_value(json_object_get(chk, "max"))) {
        set_verdict(cs, bad, prov, "%s: %s has %zu items", what, str(chk, "pointer"),
                    json_array_size(arr));
        json_decref(body);
        return 0;
      }
    }
    /* Captures. */
    {
      const char *name;
      json_t *ptr;
      json_object_foreach(json_object_get(step, "capture"), name, ptr) {
        const json_t *val = cfm_json_pointer(body, json_string_value(ptr));
        if (!val) {
          set_verdict(cs, CFM_VERDICT_FAIL, prov, "response has no %s to capture as ${%s}",
                      json_string_value(ptr), name);
          json_decref(body);
          return 0;
        }
        if (json_object_get(step, "repeat")) {
          json_t *list = json_object_get(cs->vars, name);
          if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(cs->vars, name, list);
          }
          json_array_append(list, (json_t *)val);
        } else {
          json_object_set(cs->vars, name, (json_t *)val);
        }
      }
    }
    /* Resources this call created: deleted when the case ends. */
    {
      const json_t *cr = json_object_get(op, "creates");
      const json_t *id = cr ? cfm_json_pointer(body, str(cr, "id")) : NULL;
      if (id && json_array_size(cs->created) < 1000)
        json_array_append_new(cs->created,
                              json_pack("{s:s, s:s, s:O}", "vendor", spec->vendor, "op",
                                        str(json_object_get(cr, "cleanup"), "op"), "id", id));
    }
    json_decref(body);
    return 1;
  }
  /* An error is expected. */
  if (!m.is_error) {
    set_verdict(cs, bad, prov, "expected: %s; the target accepted it (HTTP %ld)", what,
                res->status);
    return 0;
  }
  if (!status_as_expected(cs, bad, prov, e, res))
    return 0;
  {
    const json_t *rows = json_object_get(e, "errors");
    const json_t *classes = json_object_get(e, "classes");
    const char *rid = m.row ? str(m.row, "id") : NULL;
    int class_ok = !json_array_size(classes) || in_list(classes, cfm_class_name(m.cls));
    if (json_array_size(rows)) {
      size_t i;
      const json_t *r;
      if (rid && in_list(rows, rid) &&
          cfm_errmap_message_matches(m.row, m.message, strlen(m.message)) == 1)
        return 1;
      /* The same code with another message: the message is documented too. */
      json_array_foreach(rows, i, r) {
        const json_t *row = cfm_spec_error_row(spec, op, json_string_value(r));
        char rc_[128];
        scalar_text(json_object_get(row, "code"), rc_, sizeof(rc_));
        if (row && !strcmp(rc_, m.code) &&
            json_integer_value(json_object_get(row, "status")) == res->status) {
          if (cfm_errmap_message_matches(row, m.message, strlen(m.message)) == 1)
            return 1;
          if (!silent) {
            set_verdict(cs, CFM_VERDICT_FAIL, json_object_get(row, "provenance"),
                        "%s: code %s as documented, but message '%.150s' does not match '%.150s'",
                        what, m.code, m.message, str(row, "message"));
            return 0;
          }
        }
      }
      if (silent && class_ok)
        return 1;
      set_verdict(cs, bad, prov, "expected: %s (error %s); got HTTP %ld %s%s%s", what,
                  json_string_value(json_array_get(rows, 0)), res->status,
                  m.code[0] ? m.code : "(no code)", m.message[0] ? ": " : "", m.message);
      return 0;
    }
    if (!class_ok) {
      set_verdict(cs, bad, prov, "expected: %s (class %s); got HTTP %ld %s, class %s", what,
                  json_string_value(json_array_get(classes, 0)), res->status,
                  m.code[0] ? m.code : "(no code)", cfm_class_name(m.cls));
      return 0;
    }
    if (m.cls == CFM_CLASS_UNKNOWN ||
        (!m.row && !json_object_get(cfm_spec_error_model(spec), "status_classes") && 0))
      set_verdict(cs, CFM_VERDICT_WARN, prov, "error code %s is in no documented table", m.code);
  }
  return 1;
}

/* ---- the state machine --------------------------------------------------------------- */

static void issue(casestate *cs);
static void finish_case(casestate *cs);
static void submit_cleanup(runctx *rc, const json_t *e);

static void on_response(void *user, const cfm_http_response *res) {
  casestate *cs = user;
  const json_t *step = json_array_get(cs->steps, cs->step);
  const json_t *walk = json_object_get(step, "walk");
  runctx *rc = cs->rc;
  const char *vendor = cs->c->spec->vendor;
  json_t *reach = json_object_get(rc->reach, vendor);
  if (!reach) {
    reach = json_pack("[i, i]", 0, 0);
    json_object_set_new(rc->reach, vendor, reach);
  }
  {
    /* [API answers, anything else]: a vendor with none of the first is
     * unreachable (refused, hanging, garbage, HTML, oversized bodies). */
    size_t slot = is_api_answer(res) ? 0 : 1;
    json_array_set_new(reach, slot,
                       json_integer(json_integer_value(json_array_get(reach, slot)) + 1));
  }
  if (interrupted) {
    /* Judge the answer only to learn what it created, then stop. */
    const json_t *st = json_array_get(cs->steps, cs->step);
    const json_t *sop = find_op(cs->c->spec, str(st, "op"));
    if (sop && !json_object_get(st, "walk"))
      (void)judge(cs, st, sop, res, 1);
    cs->verdict = CFM_VERDICT_PASS;
    set_verdict(cs, CFM_VERDICT_ERROR, NULL, "interrupted before the case finished");
    finish_case(cs);
    return;
  }
  if (walk) {
    const json_t *op = find_op(cs->c->spec, str(walk, "op"));
    json_t *body;
    const json_t *items, *it;
    size_t i;
    int more = 0;
    cs->status = res->status;
    if (!res->error && op) {
      /* A page that stays throttled after the retries is not a failure. */
      cfm_mapped m;
      const json_t *tables[2] = {
          json_object_get(op, "errors"),
          json_object_get(json_object_get(cs->c->spec->root, "transport"), "errors")};
      cfm_errmap_map(cfm_spec_error_model(cs->c->spec), tables, 2, res->status, res->body, res->len,
                     &m);
      if (is_throttle(rc, res->status, &m)) {
        set_verdict(cs, CFM_VERDICT_SKIP,
                    json_object_get(json_object_get(step, "expect"), "provenance"),
                    "throttled while paging %s (page %u, HTTP %ld %s); not a contract failure",
                    str(op, "id"), cs->walk_pages, res->status, m.code);
        finish_case(cs);
        return;
      }
    }
    if (res->error || res->status != 200 ||
        !(body = cfm_json_parse(res->body, res->len, 16u << 20, NULL, 0))) {
      set_verdict(cs, !is_api_answer(res) ? CFM_VERDICT_ERROR : CFM_VERDICT_FAIL,
                  json_object_get(json_object_get(step, "expect"), "provenance"),
                  "paging %s failed on page %u (HTTP %ld)", op ? str(op, "id") : "?",
                  cs->walk_pages, res->status);
      finish_case(cs);
      return;
    }
    items = cfm_json_pointer(body, str(walk, "items"));
    json_array_foreach(items, i, it) {
      const json_t *id = cfm_json_pointer(it, str(walk, "id"));
      if (id && json_array_size(cs->walk_ids) < MAX_WALK_IDS)
        json_array_append(cs->walk_ids, (json_t *)id);
    }
    cs->walk_pages++;
    if (json_object_get(walk, "cursor")) {
      const json_t *cur = cfm_json_pointer(body, str(json_object_get(walk, "cursor"), "from"));
      if (json_is_string(cur) && json_string_length(cur) && json_array_size(items)) {
        snprintf(cs->walk_cursor, sizeof(cs->walk_cursor), "%s", json_string_value(cur));
        more = 1;
      }
    } else {
      more = json_array_size(items) > 0;
      cs->walk_page++;
    }
    json_decref(body);
    if (more &&
        cs->walk_pages < (unsigned)(json_integer_value(json_object_get(walk, "max_pages")) > 0
                                        ? json_integer_value(json_object_get(walk, "max_pages"))
                                        : 100)) {
      issue(cs);
      return;
    }
    /* Every captured id exactly once. */
    {
      const json_t *e = json_object_get(step, "expect");
      json_t *want = resolve(cs, json_object_get(e, "covers"), NULL, 0);
      const json_t *w;
      json_array_foreach(want, i, w) {
        size_t j, seen = 0;
        const json_t *got;
        json_array_foreach(cs->walk_ids, j, got) seen += json_equal(got, w);
        if (seen != 1) {
          char *t = json_dumps(w, JSON_ENCODE_ANY);
          set_verdict(cs, CFM_VERDICT_FAIL, json_object_get(e, "provenance"),
                      "paging returned group %s %zu times over %u pages (expected once)",
                      t ? t : "?", seen, cs->walk_pages);
          free(t);
          json_decref(want);
          finish_case(cs);
          return;
        }
      }
      json_decref(want);
    }
    cs->step++;
    cs->iter = 0;
    issue(cs);
    return;
  }
  {
    const json_t *op = find_op(cs->c->spec, str(step, "op"));
    if (!judge(cs, step, op, res, json_is_true(json_object_get(step, "setup")))) {
      finish_case(cs);
      return;
    }
  }
  cs->iter++;
  if (cs->iter >= (unsigned)(json_integer_value(json_object_get(step, "repeat")) > 0
                                 ? json_integer_value(json_object_get(step, "repeat"))
                                 : 1)) {
    cs->step++;
    cs->iter = 0;
  }
  issue(cs);
}

static void start_next(runctx *rc);

static void issue(casestate *cs) {
  runctx *rc = cs->rc;
  const json_t *step = json_array_get(cs->steps, cs->step);
  const json_t *walk, *op, *req_t;
  json_t *req_copy = NULL;
  built b;
  cfm_error_t err;
  cfm_http_request hr;
  const json_t *rate;
  if (!step) {
    finish_case(cs);
    return;
  }
  memset(&b, 0, sizeof(b));
  cfm_error_init(&err);
  walk = json_object_get(step, "walk");
  op = find_op(cs->c->spec, walk ? str(walk, "op") : str(step, "op"));
  if (!op) {
    set_verdict(cs, CFM_VERDICT_ERROR, NULL, "step names unknown operation");
    finish_case(cs);
    return;
  }
  if (walk) {
    /* Copies: the cursor and page number go into this request only. */
    req_copy =
        json_pack("{s:o, s:o}", "path",
                  json_object_get(walk, "path") ? json_deep_copy(json_object_get(walk, "path"))
                                                : json_object(),
                  "query",
                  json_object_get(walk, "query") ? json_deep_copy(json_object_get(walk, "query"))
                                                 : json_object());
    if (json_object_get(walk, "cursor") && cs->walk_cursor[0])
      json_object_set_new(json_object_get(req_copy, "query"),
                          str(json_object_get(walk, "cursor"), "param"),
                          json_string(cs->walk_cursor));
    if (json_object_get(walk, "page"))
      json_object_set_new(
          json_object_get(req_copy, "query"), str(json_object_get(walk, "page"), "param"),
          json_integer(json_integer_value(json_object_get(json_object_get(walk, "page"), "start")) +
                       cs->walk_page));
    req_t = req_copy;
  } else {
    /* Scenario steps name only what differs from the operation's example. */
    const json_t *given = json_object_get(step, "request");
    if (json_object_get(step, "setup") || !strcmp(cs->c->kind, "rule") ||
        !strcmp(cs->c->kind, "scenario")) {
      const json_t *ex =
          json_object_get(json_array_get(json_object_get(op, "examples"), 0), "request");
      const char *k;
      json_t *v;
      req_copy = json_pack("{s:{}, s:{}, s:{}}", "path", "query", "headers");
      if (json_is_object(json_object_get(given, "body")))
        json_object_set(req_copy, "body", json_object_get(given, "body"));
      else if (json_object_get(ex, "body") && !strcmp(str(op, "method"), "POST") && 0)
        json_object_set(req_copy, "body", json_object_get(ex, "body"));
      json_object_foreach((json_t *)json_object_get(given, "path"), k, v)
          json_object_set(json_object_get(req_copy, "path"), k, v);
      json_object_foreach((json_t *)json_object_get(given, "query"), k, v)
          json_object_set(json_object_get(req_copy, "query"), k, v);
      json_object_foreach((json_t *)json_object_get(given, "headers"), k, v)
          json_object_set(json_object_get(req_copy, "headers"), k, v);
      req_t = req_copy;
    } else {
      req_t = given;
    }
  }
  if (build(cs, op, req_t, str(step, "auth"), str(step, "raw_body"), &b, &err) != CFM_EOK) {
    set_verdict(cs, CFM_VERDICT_ERROR, NULL, "%s", err.text);
    json_decref(req_copy);
    built_release(&b);
    finish_case(cs);
    return;
  }
  json_decref(req_copy);
  if (b.missing[0]) {
    set_verdict(cs, CFM_VERDICT_SKIP, NULL,
                "no value for ${%s} (an earlier step did not provide it)", b.missing);
    built_release(&b);
    finish_case(cs);
    return;
  }
  {
    char summary[700], redacted[700];
    snprintf(summary, sizeof(summary), "%s %s", str(op, "method"), cfm_buf_str(&b.url));
    cfm_redact(rc->cfg, summary, redacted, sizeof(redacted));
    snprintf(cs->summary, sizeof(cs->summary), "%s", redacted);
    repro_of(rc, str(op, "method"), &b, cs->repro, sizeof(cs->repro));
  }
  if (rc->opt->dry_run) {
    size_t i;
    FILE *out = rc->opt->out ? rc->opt->out : stdout;
    fprintf(out, "%s  step %zu: %s\n", cs->c->id, cs->step, cs->repro);
    (void)i;
    built_release(&b);
    cs->step++;
    issue(cs);
    return;
  }
  request_of(&b, op, cfm_config_target(rc->cfg, cs->c->spec->vendor), &hr);
  rate = json_object_get(json_object_get(op, "rate_limit"), "per_second");
  if (!rate)
    rate = json_object_get(
        json_object_get(json_object_get(cs->c->spec->root, "transport"), "rate_limit"),
        "per_second");
  {
    char key[160];
    if (rc->opt->pace && rate) {
      snprintf(key, sizeof(key), "%s.%s", cs->c->spec->vendor, str(op, "id"));
      hr.rate_key = key;
      hr.rate_per_s =
          json_number_value(rate) * (rc->cfg->rate_scale > 0 ? rc->cfg->rate_scale : 0.8);
    }
    if (cfm_exec_submit(rc->ex, &hr, on_response, cs) != CFM_EOK) {
      set_verdict(cs, CFM_VERDICT_ERROR, NULL, "out of memory");
      built_release(&b);
      finish_case(cs);
      return;
    }
  }
  built_release(&b);
}

static void finish_case(casestate *cs) {
  runctx *rc = cs->rc;
  cfm_case_result r;
  char id[300], excerpt[EXCERPT + 64];
  if (cs->done)
    return;
  cs->done = 1;
  memset(&r, 0, sizeof(r));
  if (cs->rep)
    snprintf(id, sizeof(id), "%s.r%u", cs->c->id, cs->rep);
  else
    snprintf(id, sizeof(id), "%s", cs->c->id);
  if (cs->verdict == CFM_VERDICT_PASS && !cs->reason[0])
    snprintf(cs->reason, sizeof(cs->reason), "as documented");
  r.id = id;
  r.vendor = (char *)cs->c->spec->vendor;
  r.operation = cs->c->operation[0] ? cs->c->operation : cs->c->kind;
  r.kind = cs->c->kind;
  r.verdict = cs->verdict;
  r.reason = cs->reason;
  r.provenance = cs->prov ? cs->prov : cs->c->provenance;
  r.repro = cs->repro;
  r.request_summary = cs->summary;
  r.http_status = cs->status;
  r.vendor_code = cs->code;
  r.observed_class = cs->cls;
  cfm_redact(rc->cfg, cs->excerpt, excerpt, sizeof(excerpt));
  r.response_excerpt = excerpt;
  r.duration_ms = now_ms() - cs->started;
  r.covers = cs->c->covers;
  if (r.verdict == CFM_VERDICT_FAIL && rc->opt->baseline &&
      cfm_baseline_accepts(rc->opt->baseline, id, cs->code)) {
    r.baselined = 1;
    rc->baselined++;
  }
  rc->counts[r.verdict]++;
  if (rc->rep && cfm_report_add(rc->rep, &r) != CFM_EOK)
    rc->report_error = 1;
  {
    size_t i;
    const json_t *e;
    json_array_foreach(cs->created, i, e) {
      if (interrupted || rc->opt->dry_run)
        json_array_append(rc->cleanup, (json_t *)e);
      else
        submit_cleanup(rc, e);
    }
  }
  json_decref(cs->created);
  json_decref(cs->steps);
  json_decref(cs->vars);
  json_decref(cs->walk_ids);
  json_decref(cs->prov);
  free(cs);
  rc->inflight--;
  start_next(rc);
}

static void start_case(runctx *rc, cfm_case *c, unsigned rep) {
  casestate *cs = calloc(1, sizeof(*cs));
  if (!cs || !(cs->steps = cfm_case_steps(c))) {
    free(cs);
    rc->counts[CFM_VERDICT_ERROR]++;
    return;
  }
  cs->rc = rc;
  cs->c = c;
  cs->rep = rep;
  cs->vars = json_object();
  cs->created = json_array();
  cs->walk_ids = json_array();
  cs->started = now_ms();
  cs->verdict = CFM_VERDICT_PASS;
  rc->inflight++;
  issue(cs);
}

static void start_next(runctx *rc) {
  while (rc->inflight < rc->concurrency && rc->next < rc->nqueue && !interrupted) {
    size_t k = rc->next++;
    unsigned reps = rc->opt->repeat ? rc->opt->repeat : 1;
    cfm_case *c = rc->queue[k % (rc->nqueue / reps ? rc->nqueue / reps : 1)];
    start_case(rc, c, (unsigned)(k / (rc->nqueue / reps ? rc->nqueue / reps : 1)));
  }
}

static int throttled_cb(void *user, const cfm_http_response *res) {
  runctx *rc = user;
  const json_t *v;
  size_t i;
  json_array_foreach(rc->throttle_status, i, v) {
    if (json_integer_value(v) == res->status)
      return 1;
  }
  if (res->len && res->len < 65536 && json_array_size(rc->throttle_codes)) {
    json_t *b = cfm_json_parse(res->body, res->len, 65536, NULL, 0);
    static const char *const keys[] = {"ErrorCode", "code", "error"};
    size_t k;
    int hit = 0;
    for (k = 0; k < 3 && b; k++) {
      char text[64];
      const json_t *c = json_object_get(b, keys[k]);
      if (!c)
        continue;
      scalar_text(c, text, sizeof(text));
      hit |= in_list(rc->throttle_codes, text);
    }
    json_decref(b);
    return hit;
  }
  return 0;
}

static int selected(const cfm_run_options *opt, const cfm_case *c) {
  if (opt->vendor && strcmp(opt->vendor, c->spec->vendor))
    return 0;
  if (opt->filter && fnmatch(opt->filter, c->id, 0) != 0)
    return 0;
  if (opt->exclude && fnmatch(opt->exclude, c->id, 0) == 0)
    return 0;
  if (opt->shard_count > 1 && !cfm_shard_selects(c->id, opt->shard_index, opt->shard_count))
    return 0;
  return 1;
}

static void run_phase(runctx *rc, cfm_case **cases, size_t n, unsigned concurrency) {
  unsigned reps = rc->opt->repeat ? rc->opt->repeat : 1;
  rc->queue = cases;
  rc->nqueue = n * reps;
  rc->next = 0;
  rc->concurrency = concurrency;
  if (n == 0)
    return;
  start_next(rc);
  cfm_exec_run(rc->ex);
  /* Cancelled runs leave cases unfinished; count them as errors. */
  rc->counts[CFM_VERDICT_ERROR] += rc->nqueue - rc->next;
}

static void cleanup_phase(runctx *rc);

int cfm_run(const cfm_specset *set, cfm_config *cfg, const cfm_run_options *opt,
            cfm_run_result *res, cfm_error_t *err) {
  runctx rc;
  cfm_caselist list = {0};
  cfm_case **normal = NULL, **exclusive = NULL;
  size_t nn = 0, ne = 0, i;
  int rcode = CFM_EOK;
  double t0 = now_ms();
  cfm_exec_options eo;
  memset(&rc, 0, sizeof(rc));
  memset(res, 0, sizeof(*res));
  /* Cases trust the spec format: an invalid spec is refused, not run. */
  if ((rcode = cfm_specset_check(set, err)) != CFM_EOK)
    return rcode;
  interrupted = 0;
  was_interrupted = 0;
  rc.set = set;
  rc.cfg = cfg;
  rc.opt = opt;
  rc.cleanup = json_array();
  rc.reach = json_object();
  rc.throttle_codes = json_array();
  rc.throttle_status = json_array();
  if (cfg->run_prefix)
    snprintf(rc.prefix, sizeof(rc.prefix), "%s", cfg->run_prefix);
  else
    snprintf(rc.prefix, sizeof(rc.prefix), "cfm-%04x",
             (unsigned)((getpid() ^ time(NULL)) & 0xffff));
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (i = 0; i < set->count; i++) {
    const json_t *th =
        json_object_get(json_object_get(set->items[i]->root, "transport"), "throttle");
    const json_t *v;
    size_t k;
    json_array_foreach(json_object_get(th, "codes"), k, v) {
      char text[64];
      scalar_text(v, text, sizeof(text));
      json_array_append_new(rc.throttle_codes, json_string(text));
    }
    json_array_foreach(json_object_get(th, "status"), k, v)
        json_array_append(rc.throttle_status, (json_t *)v);
  }
  if ((rcode = cfm_cases_generate(set, &list)) != CFM_EOK) {
    if (rcode == CFM_ETOOBIG)
      rcode = cfm_error_set(err, CFM_ESPEC, "cases", "",
                            "the specs' cases would need over %u MiB: lower or split the limits",
                            CFM_CASES_MAX_TEXT >> 20);
    else
      rcode = cfm_error_set(err, CFM_ENOMEM, "cases", "", "out of memory");
    goto out;
  }
  normal = calloc(list.count + 1, sizeof(*normal));
  exclusive = calloc(list.count + 1, sizeof(*exclusive));
  if (!normal || !exclusive) {
    rcode = cfm_error_set(err, CFM_ENOMEM, "cases", "", "out of memory");
    goto out;
  }
  for (i = 0; i < list.count; i++) {
    if (!selected(opt, &list.items[i]))
      continue;
    if (list.items[i].exclusive)
      exclusive[ne++] = &list.items[i];
    else
      normal[nn++] = &list.items[i];
  }
  res->cases = (nn + ne) * (opt->repeat ? opt->repeat : 1);
  if (opt->list) {
    FILE *out = opt->out ? opt->out : stdout;
    for (i = 0; i < list.count; i++)
      if (selected(opt, &list.items[i]))
        fprintf(out, "%-70s %s\n", list.items[i].id, list.items[i].kind);
    goto out;
  }
  /* Every vendor in play needs a target. */
  for (i = 0; i < nn + ne; i++) {
    const cfm_case *c = i < nn ? normal[i] : exclusive[i - nn];
    const cfm_target *t = cfm_config_target(cfg, c->spec->vendor);
    if (!t || !t->base_url) {
      rcode = cfm_error_set(err, CFM_ECONFIG, c->spec->vendor, "",
                            "no target for '%s': give --target %s=URL or a config file",
                            c->spec->vendor, c->spec->vendor);
      goto out;
    }
  }
  cfm_exec_options_init(&eo);
  eo.concurrency = opt->concurrency ? opt->concurrency : cfg->concurrency ? cfg->concurrency : 8;
  eo.timeout_ms = opt->timeout_ms ? opt->timeout_ms : cfg->timeout_ms ? cfg->timeout_ms : 10000;
  eo.global_rate_per_s = opt->pace ? cfg->global_rate_per_s : 0;
  eo.throttled = throttled_cb;
  eo.throttled_user = &rc;
  /* TLS verification and CA bundles are per target, set on each request. */
  rc.ex = cfm_exec_new(&eo);
  if (!rc.ex) {
    rcode = cfm_error_set(err, CFM_ENOMEM, "executor", "", "out of memory");
    goto out;
  }
  active_exec = rc.ex;
  if (opt->reports_dir && !opt->dry_run) {
    cfm_report_options ro;
    json_t *targets = json_object(), *cov = cfm_coverage_items(set);
    char shard[32];
    memset(&ro, 0, sizeof(ro));
    for (i = 0; i < cfg->count; i++)
      if (cfg->targets[i].base_url)
        json_object_set_new(targets, cfg->targets[i].vendor, json_string(cfg->targets[i].base_url));
    ro.dir = opt->reports_dir;
    ro.term = opt->term;
    ro.term_is_tty = opt->term_is_tty;
    ro.expected_cases = res->cases;
    if (opt->shard_count > 1) {
      snprintf(shard, sizeof(shard), "%u/%u", opt->shard_index, opt->shard_count);
      ro.shard = shard;
    }
    ro.targets = targets;
    ro.coverage_items = cov;
    rcode = cfm_report_open(&ro, &rc.rep, err);
    json_decref(targets);
    json_decref(cov);
    if (rcode)
      goto out;
  }
  run_phase(&rc, normal, nn, eo.concurrency);
  run_phase(&rc, exclusive, ne, 1);
  {
    cfm_exec_stats st;
    cfm_exec_stats_get(rc.ex, &st);
    res->requests = st.requests;
  }
  if (!opt->dry_run)
    cleanup_phase(&rc);
  res->wall_ms = now_ms() - t0;
  {
    const char *vendor;
    json_t *v;
    json_object_foreach(rc.reach, vendor, v) {
      if (json_integer_value(json_array_get(v, 0)) == 0 &&
          json_integer_value(json_array_get(v, 1)) > 0)
        res->unreachable_targets++;
    }
  }
  memcpy(res->counts, rc.counts, sizeof(res->counts));
  res->baselined = rc.baselined;
  if (rc.rep) {
    cfm_report_summary sum;
    int crc = cfm_report_close(rc.rep, res->wall_ms, &sum);
    rc.rep = NULL;
    snprintf(res->run_dir, sizeof(res->run_dir), "%s", sum.run_dir);
    if (crc || rc.report_error)
      rcode = cfm_error_set(err, CFM_EIO, opt->reports_dir, "", "cannot write the reports");
  }
out:
  active_exec = NULL;
  if (rc.rep)
    cfm_report_close(rc.rep, now_ms() - t0, NULL);
  cfm_exec_free(rc.ex);
  free(normal);
  free(exclusive);
  cfm_caselist_release(&list);
  json_decref(rc.cleanup);
  json_decref(rc.reach);
  json_decref(rc.throttle_codes);
  json_decref(rc.throttle_status);
  return rcode;
}

/* ---- clean-up ------------------------------------------------------------------- */

typedef struct cleanup_job {
  int dummy;
} cleanup_job;

static void on_cleanup(void *user, const cfm_http_response *res) {
  (void)user;
  (void)res;
}

/* Queues the deletion of one created resource {vendor, op, id}. */
static void submit_cleanup(runctx *rc, const json_t *e) {
  size_t s;
  for (s = 0; s < rc->set->count; s++) {
    const cfm_spec *spec = rc->set->items[s];
    const json_t *op, *req_t;
    casestate cs;
    built b;
    cfm_error_t err;
    cfm_http_request hr;
    json_t *creator_cleanup = NULL;
    size_t k;
    const json_t *o;
    static cfm_case dummy;
    if (strcmp(spec->vendor, str(e, "vendor")))
      continue;
    op = cfm_spec_operation(spec, str(e, "op"));
    json_array_foreach(json_object_get(spec->root, "operations"), k, o) {
      const json_t *cl = json_object_get(json_object_get(o, "creates"), "cleanup");
      if (cl && !strcmp(str(cl, "op"), str(e, "op")))
        creator_cleanup = (json_t *)cl;
    }
    if (!op || !creator_cleanup)
      continue;
    memset(&cs, 0, sizeof(cs));
    memset(&b, 0, sizeof(b));
    cs.rc = rc;
    dummy.spec = spec;
    dummy.kind = "cleanup";
    cs.c = &dummy;
    cs.vars = json_pack("{s:O}", "id", json_object_get(e, "id"));
    req_t = json_object_get(creator_cleanup, "request");
    cfm_error_init(&err);
    if (build(&cs, op, req_t, NULL, NULL, &b, &err) == CFM_EOK && !b.missing[0]) {
      request_of(&b, op, cfm_config_target(rc->cfg, spec->vendor), &hr);
      cfm_exec_submit(rc->ex, &hr, on_cleanup, NULL);
    }
    built_release(&b);
    json_decref(cs.vars);
  }
}

static void cleanup_phase(runctx *rc) {
  size_t i;
  const json_t *e;
  int saved = interrupted;
  /* What interrupted cases left behind: clean-up runs even after an
   * interrupt, on a fresh executor. */
  if (json_array_size(rc->cleanup) == 0)
    return;
  interrupted = 0;
  cfm_exec_free(rc->ex);
  {
    cfm_exec_options eo;
    cfm_exec_options_init(&eo);
    eo.concurrency = 8;
    eo.timeout_ms = 5000;
    rc->ex = cfm_exec_new(&eo);
    if (!rc->ex)
      return;
  }
  json_array_foreach(rc->cleanup, i, e) submit_cleanup(rc, e);
  cfm_exec_run(rc->ex);
  interrupted = saved;
}
