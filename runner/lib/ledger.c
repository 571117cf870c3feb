/* conform — the clean-up ledger (conform/ledger.h).
 *
 * Owns the ledger file: one JSON object a line, {"created": {vendor, op,
 * id}} before the case goes on and {"deleted": {...}} after a deletion
 * succeeded, each fsync'd.  Must not send anything itself: deletions are
 * cleanup.c's. */

#include "conform/jsonutil.h"
#include "conform/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEDGER_MAX_BYTES (64u << 20)

int cfm_ledger_open(cfm_ledger_writer *l, const char *path) {
  snprintf(l->path, sizeof(l->path), "%s", path);
  l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  return l->fd < 0 ? -1 : 0;
}

int cfm_ledger_note(cfm_ledger_writer *l, const char *what, const json_t *e, int sync) {
  json_t *line;
  char *text;
  size_t n, off = 0;
  int rc = 0;
  if (l->fd < 0)
    return 0;
  line = json_pack("{s:O}", what, (json_t *)e);
  text = line ? json_dumps(line, JSON_COMPACT) : NULL;
  json_decref(line);
  if (!text)
    return -1;
  n = strlen(text);
  text[n] = '\n'; /* json_dumps' NUL becomes the line's end */
  while (off < n + 1) {
    ssize_t w = write(l->fd, text + off, n + 1 - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      rc = -1;
      break;
    }
    off += (size_t)w;
  }
  free(text);
  if (sync && fsync(l->fd) != 0)
    rc = -1;
  return rc;
}

void cfm_ledger_close(cfm_ledger_writer *l) {
  if (l->fd >= 0)
    close(l->fd);
  l->fd = -1;
}

/* The key of a resource: vendor, op and id as text. */
static void key_of(const json_t *e, char *out, size_t cap) {
  char id[300];
  cfm_json_scalar_text(json_object_get(e, "id"), id, sizeof(id));
  snprintf(out, cap, "%s\x1f%s\x1f%s", cfm_json_str(e, "vendor") ? cfm_json_str(e, "vendor") : "",
           cfm_json_str(e, "op") ? cfm_json_str(e, "op") : "", id);
}

json_t *cfm_ledger_left(const char *path, cfm_error_t *err) {
  FILE *f = fopen(path, "r");
  json_t *created, *left;
  char *line = NULL;
  size_t cap = 0, total = 0;
  ssize_t n;
  const char *k;
  json_t *v;
  if (!f) {
    cfm_error_set(err, CFM_EIO, path, "", "cannot read the ledger: %s", strerror(errno));
    return NULL;
  }
  created = json_object();
  while (created && (n = getline(&line, &cap, f)) > 0 && (total += (size_t)n) < LEDGER_MAX_BYTES) {
    json_t *l = cfm_json_parse(line, (size_t)n, 1 << 20, NULL, 0);
    const json_t *c = json_object_get(l, "created"), *d = json_object_get(l, "deleted");
    char key[700];
    if (json_is_object(c)) {
      key_of(c, key, sizeof(key));
      json_object_set(created, key, (json_t *)c);
    } else if (json_is_object(d)) {
      key_of(d, key, sizeof(key));
      json_object_del(created, key);
    } else if (!json_object_get(l, "finished")) {
      json_decref(l);
      json_decref(created);
      free(line);
      fclose(f);
      cfm_error_set(err, CFM_ESPEC, path, "", "not a conform ledger (a line is not a record)");
      return NULL;
    }
    json_decref(l);
  }
  free(line);
  fclose(f);
  left = json_array();
  json_object_foreach(created, k, v) json_array_append(left, v);
  json_decref(created);
  if (!left)
    cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
  return left;
}

/* Appends to out the unfinished ledger-*.jsonl files of dir; with depth
 * 1 also those of its run directories (real subdirectories: `latest` is a
 * link to one of them).  At most LEDGER_MAX_DIRS entries are looked at. */
#define LEDGER_MAX_DIRS 100000
static void unfinished_in(const char *dir, int depth, json_t *out) {
  DIR *d = opendir(dir);
  struct dirent *de;
  size_t seen = 0;
  if (!d)
    return;
  while ((de = readdir(d)) != NULL && seen++ < LEDGER_MAX_DIRS) {
    size_t n = strlen(de->d_name);
    char path[1200];
    struct stat st;
    cfm_error_t err;
    json_t *left;
    snprintf(path, sizeof(path), "%.600s/%s", dir, de->d_name);
    if (depth && de->d_name[0] != '.' && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      unfinished_in(path, 0, out);
      continue;
    }
    if (strncmp(de->d_name, "ledger-", 7) || n < 13 || strcmp(de->d_name + n - 6, ".jsonl"))
      continue;
    cfm_error_init(&err);
    left = cfm_ledger_left(path, &err);
    if (json_array_size(left))
      json_array_append_new(out, json_string(path));
    json_decref(left);
  }
  closedir(d);
}

/* Ledgers live in the run directories (<dir>/<run>/ledger-*.jsonl); the
 * reports root is searched too, where earlier versions kept them. */
json_t *cfm_ledger_unfinished(const char *dir) {
  json_t *out = json_array();
  if (out && dir)
    unfinished_in(dir, 1, out);
  return out;
}
