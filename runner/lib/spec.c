/* conform — loading specs, linting them, looking things up. */
#include "conform/spec.h"
#include "conform/errmap.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CONFORM_DEFAULT_SPECS
#define CONFORM_DEFAULT_SPECS "specs"
#endif

/* ---- parsing ------------------------------------------------------------- */

int cfm_spec_parse(const char *name, const char *data, size_t len, cfm_spec **out,
                   cfm_error_t *err) {
  json_t *root;
  cfm_spec *spec;
  const char *vendor;
  *out = NULL;
  if (len > CFM_SPEC_MAX_BYTES)
    return cfm_error_set(err, CFM_ETOOBIG, name, "", "spec larger than %u bytes",
                         CFM_SPEC_MAX_BYTES);
  {
    char why[160];
    root = cfm_json_parse(data, len, CFM_SPEC_MAX_BYTES, why, sizeof(why));
    if (!root) /* the reason carries jansson's line and column */
      return cfm_error_set(err, strcmp(why, "out of memory") ? CFM_EPARSE : CFM_ENOMEM, name, "",
                           "%s", why);
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ESPEC, name, "", "a spec must be a JSON object");
  }
  vendor = json_string_value(json_object_get(root, "vendor"));
  if (!vendor || !*vendor) {
    json_decref(root);
    return cfm_error_set(err, CFM_ESPEC, name, "/vendor", "missing \"vendor\" string");
  }
  spec = calloc(1, sizeof(*spec));
  if (!spec || !(spec->path = strdup(name))) {
    free(spec);
    json_decref(root);
    return cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
  }
  spec->root = root;
  spec->vendor = vendor;
  *out = spec;
  return CFM_EOK;
}

/* Adds "url" and "title" from sources (sources.json's "sources", borrowed)
 * to every provenance object under v that cites a listed seed "doc". */
static void add_citations(json_t *v, const json_t *sources) {
  const char *k;
  json_t *c;
  size_t i;
  if (json_is_array(v)) {
    json_array_foreach(v, i, c) add_citations(c, sources);
    return;
  }
  if (!json_is_object(v))
    return;
  if (json_is_string(json_object_get(v, "doc")) && json_is_string(json_object_get(v, "section"))) {
    const json_t *src = json_object_get(sources, json_string_value(json_object_get(v, "doc")));
    const json_t *url = json_object_get(src, "url"), *title = json_object_get(src, "title");
    if (json_is_string(url) && json_is_string(title)) {
      json_object_set(v, "url", (json_t *)url);
      json_object_set(v, "title", (json_t *)title);
    }
    return;
  }
  json_object_foreach(v, k, c) add_citations(c, sources);
}

int cfm_spec_load(const char *path, cfm_spec **out, cfm_error_t *err) {
  char *data, src[4096];
  const char *slash = strrchr(path, '/');
  size_t n;
  int rc;
  *out = NULL;
  rc = cfm_read_file(path, CFM_SPEC_MAX_BYTES, &data, &n, err);
  if (rc != CFM_EOK)
    return rc;
  rc = cfm_spec_parse(path, data, n, out, err);
  free(data);
  /* The seeds' public pages, from sources.json beside the spec (optional). */
  snprintf(src, sizeof(src), "%.*s%ssources.json", slash ? (int)(slash - path) : 0, path,
           slash ? "/" : "");
  if (rc == CFM_EOK && access(src, R_OK) == 0) {
    json_t *sources = cfm_json_load_file(src, CFM_SPEC_MAX_BYTES, NULL);
    add_citations((*out)->root, json_object_get(sources, "sources"));
    json_decref(sources);
  }
  return rc;
}

void cfm_spec_free(cfm_spec *spec) {
  if (!spec)
    return;
  json_decref(spec->root);
  free(spec->path);
  free(spec);
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_push(cfm_specset *set, cfm_spec *spec) {
  cfm_spec **n = realloc(set->items, (set->count + 1) * sizeof(*n));
  if (!n)
    return CFM_ENOMEM;
  set->items = n;
  set->items[set->count++] = spec;
  return CFM_EOK;
}

int cfm_specset_add_path(cfm_specset *set, const char *path, cfm_error_t *err) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0, i;
  int rc = CFM_EOK;
  if (stat(path, &st) != 0)
    return cfm_error_set(err, CFM_EIO, path, "", "cannot open: %s", strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    cfm_spec *spec;
    rc = cfm_spec_load(path, &spec, err);
    if (rc == CFM_EOK && (rc = set_push(set, spec)) != CFM_EOK) {
      cfm_spec_free(spec);
      rc = cfm_error_set(err, rc, path, "", "out of memory");
    }
    return rc;
  }
  d = opendir(path);
  if (!d)
    return cfm_error_set(err, CFM_EIO, path, "", "cannot open: %s", strerror(errno));
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    char **nn;
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 ||
        strcmp(e->d_name, "spec.schema.json") == 0 || strcmp(e->d_name, "sources.json") == 0 ||
        e->d_name[0] == '.')
      continue;
    nn = realloc(names, (n + 1) * sizeof(*nn));
    if (!nn || !(nn[n] = malloc(strlen(path) + len + 2))) {
      names = nn ? nn : names;
      rc = cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
      break;
    }
    names = nn;
    sprintf(names[n++], "%s/%s", path, e->d_name);
  }
  closedir(d);
  if (rc == CFM_EOK && n > 0) /* qsort(NULL, 0) is undefined: an empty directory */
    qsort(names, n, sizeof(*names), name_cmp);
  for (i = 0; i < n; i++) {
    if (rc == CFM_EOK) {
      cfm_spec *spec;
      rc = cfm_spec_load(names[i], &spec, err);
      if (rc == CFM_EOK && (rc = set_push(set, spec)) != CFM_EOK) {
        cfm_spec_free(spec);
        rc = cfm_error_set(err, rc, names[i], "", "out of memory");
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

void cfm_specset_release(cfm_specset *set) {
  size_t i;
  for (i = 0; i < set->count; i++)
    cfm_spec_free(set->items[i]);
  free(set->items);
  set->items = NULL;
  set->count = 0;
}

/* ---- look-ups ------------------------------------------------------------ */

const json_t *cfm_spec_operation(const cfm_spec *spec, const char *op_id) {
  size_t i;
  const json_t *op;
  if (!spec || !op_id)
    return NULL;
  json_array_foreach(json_object_get(spec->root, "operations"), i, op) {
    const char *id = json_string_value(json_object_get(op, "id"));
    if (id && strcmp(id, op_id) == 0)
      return op;
  }
  return NULL;
}

const json_t *cfm_spec_error_model(const cfm_spec *spec) {
  return spec ? json_object_get(json_object_get(spec->root, "transport"), "error_model") : NULL;
}

static const json_t *row_in(const json_t *rows, const char *id) {
  size_t i;
  const json_t *r;
  json_array_foreach(rows, i, r) {
    const char *rid = json_string_value(json_object_get(r, "id"));
    if (rid && strcmp(rid, id) == 0)
      return r;
  }
  return NULL;
}

const json_t *cfm_spec_error_row(const cfm_spec *spec, const json_t *op, const char *row_id) {
  const json_t *r = op ? row_in(json_object_get(op, "errors"), row_id) : NULL;
  if (!r && spec)
    r = row_in(json_object_get(json_object_get(spec->root, "transport"), "errors"), row_id);
  return r;
}

/* ---- the meta-schema ----------------------------------------------------- */

static char schema_dir[1024];
static json_t *meta_schema;
static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;

void cfm_spec_set_schema_dir(const char *dir) {
  pthread_mutex_lock(&meta_lock);
  snprintf(schema_dir, sizeof(schema_dir), "%s", dir ? dir : "");
  json_decref(meta_schema);
  meta_schema = NULL;
  pthread_mutex_unlock(&meta_lock);
}

json_t *cfm_spec_meta_schema(cfm_error_t *err) {
  json_t *s;
  pthread_mutex_lock(&meta_lock);
  if (!meta_schema) {
    char path[1100];
    json_error_t jerr;
    snprintf(path, sizeof(path), "%s/spec.schema.json",
             schema_dir[0] ? schema_dir : CONFORM_DEFAULT_SPECS);
    meta_schema = json_load_file(path, 0, &jerr);
    if (!meta_schema)
      cfm_error_set(err, CFM_EIO, path, "", "cannot load the meta-schema: %s", jerr.text);
  }
  s = json_incref(meta_schema);
  pthread_mutex_unlock(&meta_lock);
  return s;
}

/* ---- lint ------------------------------------------------------------------ */

typedef struct lint_ctx {
  const cfm_spec *spec;
  cfm_lint_report *report;
  int added;
  int oom;
} lint_ctx;

static void finding(lint_ctx *c, const char *pointer, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void finding(lint_ctx *c, const char *pointer, const char *fmt, ...) {
  cfm_lint_report *r = c->report;
  cfm_lint_issue *it;
  va_list ap;
  if (r->count == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 16;
    cfm_lint_issue *n = realloc(r->items, ncap * sizeof(*n));
    if (!n) {
      c->oom = 1;
      return;
    }
    r->items = n;
    r->cap = ncap;
  }
  it = &r->items[r->count++];
  snprintf(it->file, sizeof(it->file), "%s", c->spec->path);
  snprintf(it->pointer, sizeof(it->pointer), "%s", pointer);
  va_start(ap, fmt);
  vsnprintf(it->message, sizeof(it->message), fmt, ap);
  va_end(ap);
  c->added++;
}

void cfm_lint_report_release(cfm_lint_report *report) {
  free(report->items);
  report->items = NULL;
  report->count = report->cap = 0;
}

/* Provenance: present, one form, and a doc named in documents. */
static void check_provenance(lint_ctx *c, const json_t *item, const char *ptr, const char *key) {
  const json_t *p = json_object_get(item, key);
  const char *doc;
  size_t i;
  const json_t *d;
  int found = 0;
  if (!p) {
    finding(c, ptr, "no %s: every item cites its source (doc, secondary or assumed)", key);
    return;
  }
  doc = cfm_json_str(p, "doc");
  if (!doc)
    return;
  json_array_foreach(json_object_get(c->spec->root, "documents"), i, d) {
    if (cfm_json_str(d, "file") && strcmp(cfm_json_str(d, "file"), doc) == 0)
      found = 1;
  }
  if (!found)
    finding(c, ptr, "provenance names document '%s', which \"documents\" does not list", doc);
}

static int has_op(const cfm_spec *spec, const char *id) {
  return id && cfm_spec_operation(spec, id) != NULL;
}

static void check_rows(lint_ctx *c, const json_t *rows, const char *base) {
  size_t i, j;
  const json_t *r, *r2;
  json_array_foreach(rows, i, r) {
    char ptr[256];
    const char *id = cfm_json_str(r, "id"), *msg = cfm_json_str(r, "message");
    snprintf(ptr, sizeof(ptr), "%s/%zu", base, i);
    check_provenance(c, r, ptr, "provenance");
    if (msg && cfm_errmap_message_matches(r, "", 0) < 0)
      finding(c, ptr, "message pattern does not compile (PCRE2): %.120s", msg);
    if (cfm_json_str(r, "class") && cfm_class_parse(cfm_json_str(r, "class")) < 0)
      finding(c, ptr, "unknown class '%s'", cfm_json_str(r, "class"));
    for (j = i + 1; id && j < json_array_size(rows); j++) {
      r2 = json_array_get(rows, j);
      if (cfm_json_str(r2, "id") && strcmp(cfm_json_str(r2, "id"), id) == 0)
        finding(c, ptr, "error id '%s' is used twice", id);
    }
  }
}

static void check_limits(lint_ctx *c, const json_t *op, const json_t *param, const char *pptr) {
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(param, "limits"), i, l) {
    char ptr[256];
    const char *kind = cfm_json_str(l, "kind"), *unit = cfm_json_str(l, "unit"),
               *above = cfm_json_str(l, "above");
    const json_t *min = json_object_get(l, "min"), *max = json_object_get(l, "max");
    const json_t *clamp = json_object_get(l, "clamp_to");
    snprintf(ptr, sizeof(ptr), "%s/limits/%zu", pptr, i);
    check_provenance(c, l, ptr, "provenance");
    if (min && max && json_number_value(min) > json_number_value(max))
      finding(c, ptr, "min %g is above max %g", json_number_value(min), json_number_value(max));
    if (kind && unit &&
        ((!strcmp(kind, "max_length") && strcmp(unit, "chars")) ||
         (!strcmp(kind, "max_bytes") && strcmp(unit, "bytes")) ||
         (!strcmp(kind, "max_items") && strcmp(unit, "items"))))
      finding(c, ptr, "unit '%s' does not fit kind '%s'", unit, kind);
    if (above && !strcmp(above, "clamp")) {
      if (!clamp)
        finding(c, ptr, "above is \"clamp\" but no clamp_to is given");
      else if ((max && json_number_value(clamp) > json_number_value(max)) ||
               (min && json_number_value(clamp) < json_number_value(min)))
        finding(c, ptr, "clamp_to %g is outside [min, max]", json_number_value(clamp));
    }
    if (cfm_json_str(l, "error") && !cfm_spec_error_row(c->spec, op, cfm_json_str(l, "error")))
      finding(c, ptr, "limit error '%s' names no row of the operation or the transport",
              cfm_json_str(l, "error"));
    if (kind && strcmp(kind, "range") && max) {
      long cap = !strcmp(kind, "max_items") ? CFM_SPEC_MAX_ITEMS_LIMIT : CFM_SPEC_MAX_TEXT_LIMIT;
      char n[32];
      if (json_number_value(max) < 0 || json_number_value(max) > (double)cap)
        finding(c, ptr, "max %s is outside [0, %ld]: cases build and send a value one past it",
                cfm_number_text(json_number_value(max), n, sizeof(n)), cap);
    }
  }
  {
    const json_t *d = json_object_get(param, "default");
    const json_t *l0;
    json_array_foreach(json_object_get(param, "limits"), i, l0) {
      if (d && json_is_number(d) && cfm_json_str(l0, "kind") &&
          !strcmp(cfm_json_str(l0, "kind"), "range") &&
          ((json_object_get(l0, "min") &&
            json_number_value(d) < json_number_value(json_object_get(l0, "min"))) ||
           (json_object_get(l0, "max") &&
            json_number_value(d) > json_number_value(json_object_get(l0, "max")))))
        finding(c, pptr, "default %g is outside the documented range", json_number_value(d));
    }
  }
}

/* Every {name} in the path has a path parameter and vice versa. */
static void check_path(lint_ctx *c, const json_t *op, const char *optr) {
  const char *path = cfm_json_str(op, "path"), *p;
  size_t i;
  const json_t *param;
  char ptr[256];
  if (!path)
    return;
  for (p = path; (p = strchr(p, '{')) != NULL;) {
    const char *e = strchr(p, '}');
    char name[128];
    int found = 0;
    if (!e)
      break;
    snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
    json_array_foreach(json_object_get(op, "params"), i, param) {
      if (cfm_json_str(param, "in") && !strcmp(cfm_json_str(param, "in"), "path") &&
          cfm_json_str(param, "name") && !strcmp(cfm_json_str(param, "name"), name))
        found = 1;
    }
    if (!found) {
      snprintf(ptr, sizeof(ptr), "%s/path", optr);
      finding(c, ptr, "path placeholder {%s} has no path parameter", name);
    }
    p = e;
  }
  json_array_foreach(json_object_get(op, "params"), i, param) {
    char needle[140];
    if (!cfm_json_str(param, "in") || strcmp(cfm_json_str(param, "in"), "path") ||
        !cfm_json_str(param, "name"))
      continue;
    snprintf(needle, sizeof(needle), "{%s}", cfm_json_str(param, "name"));
    if (!strstr(path, needle)) {
      snprintf(ptr, sizeof(ptr), "%s/params/%zu", optr, i);
      finding(c, ptr, "path parameter '%s' does not appear in the path",
              cfm_json_str(param, "name"));
    }
  }
}

static void check_expect_rows(lint_ctx *c, const json_t *op, const json_t *expect,
                              const char *ptr) {
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(expect, "errors"), i, r) {
    if (json_is_string(r) && !cfm_spec_error_row(c->spec, op, json_string_value(r)))
      finding(c, ptr, "expected error row '%s' does not exist", json_string_value(r));
  }
}

static void check_steps(lint_ctx *c, const json_t *steps, const char *base) {
  size_t i;
  const json_t *st;
  json_array_foreach(steps, i, st) {
    char ptr[256];
    const char *opid = cfm_json_str(st, "op");
    const json_t *walk = json_object_get(st, "walk");
    snprintf(ptr, sizeof(ptr), "%s/%zu", base, i);
    if (walk)
      opid = cfm_json_str(walk, "op");
    if (!has_op(c->spec, opid))
      finding(c, ptr, "step names operation '%s', which does not exist", opid ? opid : "(none)");
    else
      check_expect_rows(c, cfm_spec_operation(c->spec, opid), json_object_get(st, "expect"), ptr);
  }
}

static void check_examples(lint_ctx *c, const json_t *op, const char *optr) {
  size_t i;
  const json_t *ex;
  const json_t *schema = cfm_json_pointer(op, "/response/schema");
  const json_t *model = cfm_spec_error_model(c->spec);
  long ok_status = (long)json_integer_value(cfm_json_pointer(op, "/response/status"));
  json_array_foreach(json_object_get(op, "examples"), i, ex) {
    char ptr[256];
    const json_t *resp = json_object_get(ex, "response"), *body;
    long st;
    snprintf(ptr, sizeof(ptr), "%s/examples/%zu", optr, i);
    check_provenance(c, ex, ptr, "provenance");
    if (!resp || !(body = json_object_get(resp, "body")))
      continue;
    st = json_is_integer(json_object_get(resp, "status"))
             ? (long)json_integer_value(json_object_get(resp, "status"))
             : (ok_status ? ok_status : 200);
    {
      /* Success examples validate against the schema; error examples must
       * map to one of the rows. */
      char *text = json_dumps(body, JSON_COMPACT);
      const json_t *tables[2] = {
          json_object_get(op, "errors"),
          json_object_get(json_object_get(c->spec->root, "transport"), "errors")};
      cfm_mapped m;
      if (!text)
        continue;
      cfm_errmap_map(model, tables, 2, st, text, strlen(text), &m);
      free(text);
      if (!m.is_error && schema) {
        cfm_violations v;
        int n = cfm_schema_validate(schema, body, &v);
        if (n < 0)
          finding(c, optr, "response schema is malformed");
        else if (n > 0)
          finding(c, ptr, "example response does not validate: %s: %s", v.items[0].pointer,
                  v.items[0].message);
      } else if (m.is_error && !m.row && m.code[0]) {
        finding(c, ptr, "example error (code %s) matches no error row", m.code);
      }
    }
  }
}

/* The spec against the format's meta-schema. */
static void lint_meta(lint_ctx *c) {
  cfm_error_t err;
  json_t *meta;
  cfm_violations v;
  size_t i;
  int n;
  cfm_error_init(&err);
  meta = cfm_spec_meta_schema(&err);
  if (!meta) {
    finding(c, "", "%s", err.text);
    return;
  }
  n = cfm_schema_validate(meta, c->spec->root, &v);
  if (n < 0)
    finding(c, "", "the meta-schema itself is malformed");
  for (i = 0; n > 0 && i < v.count; i++)
    finding(c, v.items[i].pointer, "%s", v.items[i].message);
  if (n > 0 && v.total > v.count)
    finding(c, "", "... and %zu more schema violations", v.total - v.count);
  json_decref(meta);
}

/* The transport: provenance, error rows, auth errors naming rows. */
static void lint_transport(lint_ctx *c) {
  const json_t *t = json_object_get(c->spec->root, "transport"), *r;
  const char *mode;
  json_t *rows;
  size_t j;
  check_provenance(c, t, "/transport", "provenance");
  check_rows(c, json_object_get(t, "errors"), "/transport/errors");
  json_object_foreach(json_object_get(json_object_get(t, "auth"), "errors"), mode, rows) {
    json_array_foreach(rows, j, r) {
      if (json_is_string(r) && !cfm_spec_error_row(c->spec, NULL, json_string_value(r)))
        finding(c, "/transport/auth/errors", "auth error '%s' names no transport row",
                json_string_value(r));
    }
  }
}

/* Operation i: unique id, path, parameters, rows, set-up, clean-up, examples. */
static void lint_operation(lint_ctx *c, const json_t *op, size_t i) {
  const json_t *ops = json_object_get(c->spec->root, "operations"), *p;
  char optr[64], sub[128];
  size_t j;
  snprintf(optr, sizeof(optr), "/operations/%zu", i);
  check_provenance(c, op, optr, "provenance");
  for (j = i + 1; j < json_array_size(ops); j++) {
    const json_t *o2 = json_array_get(ops, j);
    if (cfm_json_str(op, "id") && cfm_json_str(o2, "id") &&
        !strcmp(cfm_json_str(op, "id"), cfm_json_str(o2, "id")))
      finding(c, optr, "operation id '%s' is used twice", cfm_json_str(op, "id"));
  }
  check_path(c, op, optr);
  json_array_foreach(json_object_get(op, "params"), j, p) {
    snprintf(sub, sizeof(sub), "%s/params/%zu", optr, j);
    check_provenance(c, p, sub, "provenance");
    check_limits(c, op, p, sub);
  }
  snprintf(sub, sizeof(sub), "%s/errors", optr);
  check_rows(c, json_object_get(op, "errors"), sub);
  snprintf(sub, sizeof(sub), "%s/setup", optr);
  check_steps(c, json_object_get(op, "setup"), sub);
  if (json_object_get(op, "creates")) {
    const char *cop =
        cfm_json_str(json_object_get(json_object_get(op, "creates"), "cleanup"), "op");
    if (cop && !has_op(c->spec, cop))
      finding(c, optr, "cleanup operation '%s' does not exist", cop);
  }
  check_examples(c, op, optr);
}

int cfm_spec_lint(const cfm_spec *spec, cfm_lint_report *report) {
  lint_ctx c = {spec, report, 0, 0};
  const json_t *op, *sc;
  size_t i;
  lint_meta(&c);
  lint_transport(&c);
  json_array_foreach(json_object_get(spec->root, "operations"), i, op) lint_operation(&c, op, i);
  json_array_foreach(json_object_get(spec->root, "scenarios"), i, sc) {
    char sptr[128];
    snprintf(sptr, sizeof(sptr), "/scenarios/%zu", i);
    check_provenance(&c, sc, sptr, "provenance");
    snprintf(sptr, sizeof(sptr), "/scenarios/%zu/steps", i);
    check_steps(&c, json_object_get(sc, "steps"), sptr);
  }
  return c.oom ? -1 : c.added;
}

int cfm_spec_check(const cfm_spec *spec, cfm_error_t *err) {
  cfm_lint_report rep = {0};
  int rc = CFM_EOK;
  if (cfm_spec_lint(spec, &rep) < 0)
    rc = cfm_error_set(err, CFM_ENOMEM, spec->path, "", "out of memory");
  else if (rep.count)
    rc = cfm_error_set(err, CFM_ESPEC, rep.items[0].file, rep.items[0].pointer,
                       "%s (%zu finding%s; 'conform lint %s' lists them)", rep.items[0].message,
                       rep.count, rep.count == 1 ? "" : "s", spec->path);
  cfm_lint_report_release(&rep);
  return rc;
}

int cfm_specset_check(const cfm_specset *set, cfm_error_t *err) {
  size_t i;
  int rc = CFM_EOK;
  for (i = 0; i < set->count && rc == CFM_EOK; i++)
    rc = cfm_spec_check(set->items[i], err);
  return rc;
}
