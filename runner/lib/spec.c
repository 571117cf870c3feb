/* conform — loading specs (files, directories, spec sets), the
 * meta-schema, and look-ups of operations and error rows.  Must not lint:
 * spec_lint.c owns the checks a spec must pass before it is used. */
#include "conform/spec.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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
