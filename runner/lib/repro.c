/* conform — reproductions (conform/repro.h): the curl command of a built
 * request, its credential as an environment reference, its body inline or
 * in a file beside the report.
 *
 * Owns the text of a reproduction only.  Must not build requests (request.c),
 * write files (the report does) or decide what is secret (sanitize.c). */
#include "conform/repro.h"
#include "conform/error.h"
#include "conform/jsonutil.h"
#include "conform/sanitize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CHECK(expr)                                                                                \
  do {                                                                                             \
    int rc_ = (expr);                                                                              \
    if (rc_)                                                                                       \
      return rc_;                                                                                  \
  } while (0)

int cfm_shell_quote(cfm_buf *b, const char *s, size_t len) {
  size_t i, start = 0;
  CHECK(cfm_buf_add(b, "'", 1));
  for (i = 0; i < len; i++) {
    if (s[i] != '\'')
      continue;
    CHECK(cfm_buf_add(b, s + start, i - start));
    CHECK(cfm_buf_add(b, "'\\''", 4));
    start = i + 1;
  }
  CHECK(cfm_buf_add(b, s + start, len - start));
  return cfm_buf_add(b, "'", 1);
}

/* ---- credentials as references -------------------------------------------- */

/* Appends the upper-cased [A-Za-z0-9] run of s (others as '_') to out. */
static void env_append(char *out, size_t cap, const char *s, size_t n) {
  size_t len = strlen(out), i;
  for (i = 0; i < n && s[i] && len + 1 < cap; i++)
    out[len++] = isalnum((unsigned char)s[i]) ? (char)toupper((unsigned char)s[i]) : '_';
  out[len] = '\0';
}

/* 1 when name is a portable environment variable name. */
static int env_name_ok(const char *name) {
  size_t i;
  if (!name[0] || isdigit((unsigned char)name[0]))
    return 0;
  for (i = 0; name[i]; i++)
    if (!isupper((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) && name[i] != '_')
      return 0;
  return 1;
}

void cfm_repro_auth_of(const cfm_spec *spec, cfm_repro_auth *a) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char *vendor = spec->vendor ? spec->vendor : "", *env = cfm_json_str(auth, "env");
  const char *header = cfm_json_str(auth, "header");
  const char *usersig = cfm_json_str(json_object_get(auth, "query"), "usersig");
  const char *cred = json_string_value(json_array_get(json_object_get(auth, "credentials"), 0));
  memset(a, 0, sizeof(*a));
  if (header && !usersig)
    snprintf(a->header, sizeof(a->header), "%s", header);
  else if (usersig)
    snprintf(a->query, sizeof(a->query), "%s", usersig);
  if (env) {
    snprintf(a->env, sizeof(a->env), "%s", env);
  } else if (a->header[0] || a->query[0]) {
    env_append(a->env, sizeof(a->env), vendor, strcspn(vendor, "-"));
    env_append(a->env, sizeof(a->env), "_", 1);
    if (a->query[0])
      env_append(a->env, sizeof(a->env), a->query, strlen(a->query));
    else
      env_append(a->env, sizeof(a->env), cred ? cred : "token", strlen(cred ? cred : "token"));
  }
  if (!env_name_ok(a->env))
    memset(a, 0, sizeof(*a));
}

/* The credential's place in arg (a URL or a "Name: value" header): it
 * starts at *v, with a scheme word of *slen bytes and a space first
 * ("Bearer "), and ends at *e.  Returns 1 when arg carries it. */
static int credential_span(const cfm_repro_auth *a, const char *arg, size_t *v, size_t *slen,
                           size_t *e) {
  size_t n = strlen(arg), hl = strlen(a->header), ql = strlen(a->query), i, j;
  *slen = 0;
  if (hl && n > hl && !strncasecmp(arg, a->header, hl) && arg[hl] == ':') {
    for (i = hl + 1; arg[i] == ' '; i++)
      ;
    for (j = i; isalpha((unsigned char)arg[j]) && j - i < 16; j++)
      ;
    if (j > i && arg[j] == ' ' && arg[j + 1])
      *slen = j - i;
    *v = i;
    *e = n;
    return *e > *v + *slen;
  }
  for (i = 0; ql && i + ql + 1 < n; i++) {
    if ((arg[i] != '?' && arg[i] != '&') || strncmp(arg + i + 1, a->query, ql) ||
        arg[i + 1 + ql] != '=')
      continue;
    *v = i + ql + 2;
    *e = *v + strcspn(arg + *v, "&#");
    return *e > *v;
  }
  return 0;
}

int cfm_repro_credential(const cfm_repro_auth *a, const char *arg, char *out, size_t cap) {
  size_t v, slen, e;
  if (!a->env[0] || !credential_span(a, arg, &v, &slen, &e))
    return -1;
  if (slen)
    v += slen + 1;
  if (e - v >= cap)
    return -1;
  memcpy(out, arg + v, e - v);
  out[e - v] = '\0';
  return 0;
}

/* ---- arguments ------------------------------------------------------------ */

typedef struct redactor {
  cfm_redact_fn fn; /* NULL: no redaction */
  const void *user;
} redactor;

/* Appends the first n bytes of s, redacted, single-quoted. */
static int quoted(cfm_buf *b, const redactor *rd, const char *s, size_t n) {
  size_t cap = 2 * n + 256;
  char *copy, *clean;
  int rc;
  if (!rd->fn)
    return cfm_shell_quote(b, s, n);
  copy = malloc(n + 1);
  clean = malloc(cap);
  if (!copy || !clean) {
    free(copy);
    free(clean);
    return CFM_ENOMEM;
  }
  memcpy(copy, s, n);
  copy[n] = '\0';
  rd->fn(rd->user, copy, clean, cap);
  rc = cfm_shell_quote(b, clean, strlen(clean));
  free(copy);
  free(clean);
  return rc;
}

/* Appends " <opt> '<arg redacted>'" (opt may be ""), the credential (when
 * auth says where it is) as "[scheme ]$ENV" outside the single quotes.
 * The quoted text before it ends right after "Name: " or "usersig=", so
 * the sanitiser's credential-by-position rule finds no value to redact. */
static int repro_arg(cfm_buf *b, const char *opt, const char *arg, const redactor *rd,
                     const cfm_repro_auth *auth) {
  size_t v, e, slen;
  CHECK(cfm_buf_addf(b, " %s%s", opt, opt[0] ? " " : ""));
  if (!auth || !auth->env[0] || !credential_span(auth, arg, &v, &slen, &e))
    return quoted(b, rd, arg, strlen(arg));
  if (v)
    CHECK(quoted(b, rd, arg, v));
  CHECK(cfm_buf_addf(b, "\"%.*s%s$%s\"", (int)slen, arg + v, slen ? " " : "", auth->env));
  return arg[e] ? quoted(b, rd, arg + e, strlen(arg + e)) : CFM_EOK;
}

/* ---- bodies --------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t k, i;
  if (s[0] < 0x80)
    return 1;
  k = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
  if (!k || k > n)
    return 0;
  for (i = 1; i < k; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return k;
}

/* 1 when len bytes of s can stand on a command line: no control byte but
 * tab, LF and CR, no DEL, valid UTF-8, at most CFM_REPRO_INLINE_MAX. */
static int inline_safe(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, k;
  if (len > CFM_REPRO_INLINE_MAX)
    return 0;
  while (i < len) {
    if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r') || u[i] == 0x7F)
      return 0;
    if (!(k = utf8_len(u + i, len - i)))
      return 0;
    i += k;
  }
  return 1;
}

/* The body inline, redacted, cut to CFM_REPRO_INLINE_MAX at a UTF-8
 * boundary and marked "..." when longer. */
static int body_inline(cfm_buf *b, const redactor *rd, const cfm_request *r) {
  size_t cap = 2 * r->body.len + 256, n;
  char *clean = malloc(cap);
  const char *body = cfm_buf_str(&r->body);
  int rc;
  if (!clean)
    return CFM_ENOMEM;
  if (rd->fn)
    rd->fn(rd->user, body, clean, cap);
  else
    snprintf(clean, cap, "%s", body);
  n = strlen(clean);
  if (n > CFM_REPRO_INLINE_MAX) {
    n = CFM_REPRO_INLINE_MAX;
    while (n > 0 && ((unsigned char)clean[n] & 0xC0) == 0x80)
      n--; /* clean[n] starts the next character: cut before it */
    memcpy(clean + n, "...", 4);
    n += 3;
  }
  rc = cfm_buf_adds(b, " --data-binary ");
  if (!rc)
    rc = cfm_shell_quote(b, clean, n);
  free(clean);
  return rc;
}

/* The body from o->body_file: the command names it, out->body holds it. */
static int body_to_file(cfm_buf *b, const cfm_repro_opts *o, const cfm_request *r, cfm_repro *out) {
  char at[300];
  out->body = cfm_sanitize(o->cfg, r->body.data, r->body.len, CFM_REPRO_FILE_MAX, CFM_SINK_RAW,
                           &out->body_len);
  if (!out->body)
    return CFM_ENOMEM;
  snprintf(at, sizeof(at), "@%s", o->body_file);
  CHECK(cfm_buf_adds(b, " --data-binary "));
  return cfm_shell_quote(b, at, strlen(at));
}

/* ---- the command ---------------------------------------------------------- */

static void redact_cfg(const void *user, const char *in, char *out, size_t cap) {
  cfm_redact(user, in, out, cap);
}

static int command(cfm_buf *b, const cfm_request *r, const redactor *rd, const cfm_repro_opts *o,
                   cfm_repro *out) {
  size_t i;
  const char *method = r->method && r->method[0] ? r->method : "GET";
  CHECK(cfm_buf_adds(b, "curl -sS -X "));
  /* A method of letters needs no quotes; anything else gets them. */
  if (strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(method))
    CHECK(cfm_buf_adds(b, method));
  else
    CHECK(cfm_shell_quote(b, method, strlen(method)));
  CHECK(repro_arg(b, "", cfm_buf_str(&r->url), rd, o ? o->auth : NULL));
  for (i = 0; i < r->nheaders; i++)
    CHECK(repro_arg(b, "-H", r->headers[i], rd, o ? o->auth : NULL));
  if (!r->has_body)
    return CFM_EOK;
  if (inline_safe(r->body.data ? r->body.data : "", r->body.len))
    return repro_arg(b, "--data-binary", cfm_buf_str(&r->body), rd, NULL);
  if (o && o->body_file && cfm_repro_body_path_ok(o->body_file))
    return body_to_file(b, o, r, out);
  return body_inline(b, rd, r);
}

int cfm_repro_make(const cfm_request *r, const cfm_repro_opts *o, cfm_repro *out) {
  cfm_buf b;
  redactor rd = {redact_cfg, o->cfg};
  int rc;
  memset(out, 0, sizeof(*out));
  cfm_buf_init(&b, 4u << 20);
  rc = command(&b, r, &rd, o, out);
  if (rc) {
    cfm_buf_release(&b);
    cfm_repro_release(out);
    return CFM_ENOMEM;
  }
  out->command = cfm_buf_detach(&b, NULL);
  if (!out->command) {
    cfm_repro_release(out);
    return CFM_ENOMEM;
  }
  return CFM_EOK;
}

void cfm_repro_release(cfm_repro *p) {
  free(p->command);
  free(p->body);
  memset(p, 0, sizeof(*p));
}

char *cfm_request_repro(const cfm_request *r, cfm_redact_fn redact, const void *user) {
  cfm_buf b;
  redactor rd = {redact, user};
  cfm_repro unused;
  memset(&unused, 0, sizeof(unused));
  cfm_buf_init(&b, 4u << 20);
  if (command(&b, r, &rd, NULL, &unused) != CFM_EOK) {
    cfm_buf_release(&b);
    return NULL;
  }
  return cfm_buf_detach(&b, NULL);
}

void cfm_repro_body_path(const char *id, char *out, size_t cap) {
  size_t i, len;
  snprintf(out, cap, "repro/%.200s", id && *id ? id : "case");
  len = strlen(out);
  for (i = 6; i < len; i++)
    if ((!isalnum((unsigned char)out[i]) && out[i] != '.' && out[i] != '_' && out[i] != '-') ||
        (out[i] == '.' && (i == 6 || out[i - 1] == '.')))
      out[i] = '_'; /* no hidden file, no ".." */
  if (len + 5 < cap)
    memcpy(out + len, ".json", 6);
}

int cfm_repro_body_path_ok(const char *path) {
  size_t i;
  if (!path || strncmp(path, "repro/", 6) || !path[6] || path[6] == '.' || strlen(path) > 250)
    return 0;
  for (i = 6; path[i]; i++)
    if (!isalnum((unsigned char)path[i]) && path[i] != '.' && path[i] != '_' && path[i] != '-')
      return 0;
  return strstr(path, "..") == NULL;
}
