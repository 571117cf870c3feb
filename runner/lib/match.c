/* conform — operation matching: which documented operation a request calls.
 *
 * A URL is split into %-decoded path segments and compared with each
 * operation's template (the spec's base_url path, then the operation's
 * path; {name} is one non-empty segment).  The query is never read, so
 * credentials in it (Tencent's usersig) play no part; Tencent's command
 * is an ordinary literal segment of its path. */
#include "conform/passive.h"
#include "conform/jsonutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGS 64
#define SEG_CAP 512

typedef struct segs {
  size_t n;
  char s[MAX_SEGS][SEG_CAP];
} segs;

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Splits the path part of [p, end) into decoded segments.  Empty
 * segments count ("/chatgroups//disable" has three, "/chatgroups/" two):
 * a parameter left empty must not make another operation's path.
 * Returns 0, or -1 when there are too many. */
static int split(const char *p, const char *end, int decode, segs *out) {
  out->n = 0;
  if (p < end && *p == '/')
    p++;
  if (p >= end)
    return 0;
  for (;;) {
    size_t k = 0;
    if (out->n == MAX_SEGS)
      return -1;
    while (p < end && *p != '/') {
      int c = (unsigned char)*p++;
      if (decode && c == '%' && end - p >= 2 && hexval(p[0]) >= 0 && hexval(p[1]) >= 0) {
        c = hexval(p[0]) * 16 + hexval(p[1]);
        p += 2;
      }
      if (k + 1 < SEG_CAP)
        out->s[out->n][k++] = (char)c;
    }
    out->s[out->n][k] = '\0';
    out->n++;
    if (p >= end)
      return 0;
    p++; /* the '/' */
  }
}

/* The path of a URL: after "scheme://host" when there is one, up to '?' or '#'. */
static void url_path(const char *url, const char **start, const char **end) {
  const char *p = strstr(url, "://");
  if (p && p < url + strcspn(url, "/?#"))
    p = p + 3 + strcspn(p + 3, "/?#");
  else
    p = url;
  *start = p;
  *end = p + strcspn(p, "?#");
}

static int is_param(const char *seg) {
  size_t n = strlen(seg);
  return n >= 2 && seg[0] == '{' && seg[n - 1] == '}';
}

/* The template of op: the base_url's path segments, then the op's. */
static int op_template(const cfm_spec *spec, const json_t *op, segs *base, segs *tpl) {
  const char *b = cfm_json_str(json_object_get(spec->root, "transport"), "base_url");
  const char *path = cfm_json_str(op, "path");
  const char *s, *e;
  size_t i;
  url_path(b ? b : "", &s, &e);
  if (split(s, e, 0, base))
    return -1;
  if (!path || split(path, path + strlen(path), 0, tpl))
    return -1;
  if (base->n + tpl->n > MAX_SEGS)
    return -1;
  for (i = 0; i < tpl->n; i++)
    memcpy(base->s[base->n + i], tpl->s[i], SEG_CAP);
  base->n += tpl->n;
  return 0;
}

/* Matches req[off..] against tpl exactly; 1 when it does.  Counts literals. */
static int seg_match(const segs *req, size_t off, const segs *tpl, size_t *literals) {
  size_t i;
  *literals = 0;
  if (req->n - off != tpl->n)
    return 0;
  for (i = 0; i < tpl->n; i++) {
    if (is_param(tpl->s[i])) {
      if (!req->s[off + i][0])
        return 0;
    } else if (strcmp(tpl->s[i], req->s[off + i])) {
      return 0;
    } else {
      (*literals)++;
    }
  }
  return 1;
}

static int fill_params(const segs *req, size_t off, const segs *tpl, json_t *out) {
  size_t i;
  for (i = 0; i < tpl->n; i++) {
    if (is_param(tpl->s[i])) {
      char name[SEG_CAP];
      size_t n = strlen(tpl->s[i]) - 2;
      memcpy(name, tpl->s[i] + 1, n);
      name[n] = '\0';
      if (json_object_set_new(out, name, json_string_nocheck(req->s[off + i])))
        return -1;
    }
  }
  return 0;
}

/* How close a template is to a request that matched nothing. */
static int nearness(const segs *req, const segs *tpl, int same_method) {
  size_t i, j;
  int score = same_method ? 2 : 0;
  for (i = 0; i < tpl->n; i++) {
    if (is_param(tpl->s[i]))
      continue;
    for (j = 0; j < req->n; j++) {
      if (!strcmp(tpl->s[i], req->s[j])) {
        score += 3;
        break;
      }
    }
  }
  if (req->n && tpl->n && !strcmp(tpl->s[tpl->n - 1], req->s[req->n - 1]))
    score += 2;
  if (req->n == tpl->n)
    score += 1;
  return score;
}

void cfm_match_release(cfm_match *m) {
  json_decref(m->path_params);
  m->path_params = NULL;
}

int cfm_match_request(const cfm_specset *set, const char *method, const char *url, cfm_match *out) {
  segs *req = malloc(sizeof(*req)), *base = malloc(sizeof(*base)), *tpl = malloc(sizeof(*tpl));
  const char *s, *e;
  int best_score = -1, near_score[CFM_MATCH_NEAR] = {0};
  size_t best_off = 0, i, k, off = 0;
  segs *best_tpl = malloc(sizeof(*best_tpl));
  int rc = CFM_EOK;
  memset(out, 0, sizeof(*out));
  if (!req || !base || !tpl || !best_tpl || !(out->path_params = json_object())) {
    rc = CFM_ENOMEM;
    goto out;
  }
  url_path(url ? url : "", &s, &e);
  if (split(s, e, 1, req))
    goto out; /* more segments than any template: nothing matches */
  for (i = 0; i < set->count; i++) {
    const cfm_spec *spec = set->items[i];
    const json_t *op;
    json_array_foreach(json_object_get(spec->root, "operations"), k, op) {
      const char *m = cfm_json_str(op, "method");
      int same = m && method && !strcasecmp(m, method);
      size_t lit;
      int score = -1;
      if (op_template(spec, op, base, tpl))
        continue;
      if (same && req->n >= base->n && seg_match(req, 0, base, &lit)) {
        score = 1000 + (int)lit;
        off = 0;
        memcpy(tpl, base, sizeof(*tpl));
      } else if (same && req->n >= tpl->n && seg_match(req, req->n - tpl->n, tpl, &lit)) {
        score = (int)lit;
        off = req->n - tpl->n;
      }
      if (score > best_score) {
        best_score = score;
        best_off = off;
        memcpy(best_tpl, tpl, sizeof(*tpl));
        out->spec = spec;
        out->op = op;
        out->exact = score >= 1000;
      } else if (score < 0 && best_score < 0) {
        /* Keep the nearest candidates, best first. */
        int n = nearness(req, tpl, same);
        size_t slot;
        for (slot = 0; slot < CFM_MATCH_NEAR; slot++) {
          if (slot >= out->nnear || n > near_score[slot])
            break;
        }
        if (slot < CFM_MATCH_NEAR && n > 0) {
          size_t j, last = out->nnear < CFM_MATCH_NEAR ? out->nnear : CFM_MATCH_NEAR - 1;
          for (j = last; j > slot; j--) {
            memcpy(out->near[j], out->near[j - 1], sizeof(out->near[j]));
            near_score[j] = near_score[j - 1];
          }
          snprintf(out->near[slot], sizeof(out->near[slot]), "%s.%s (%s %s)", spec->vendor,
                   cfm_json_str(op, "id") ? cfm_json_str(op, "id") : "?", m ? m : "?",
                   cfm_json_str(op, "path") ? cfm_json_str(op, "path") : "?");
          near_score[slot] = n;
          if (out->nnear < CFM_MATCH_NEAR)
            out->nnear++;
        }
      }
    }
  }
  if (out->op) {
    out->nnear = 0;
    if (fill_params(req, best_off, best_tpl, out->path_params))
      rc = CFM_ENOMEM;
  }
out:
  free(req);
  free(base);
  free(tpl);
  free(best_tpl);
  return rc;
}
