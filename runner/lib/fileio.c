/* conform — reading whole input files with a hard size cap. */
#include "conform/fileio.h"
#include "conform/jsonutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cfm_read_file(const char *path, size_t cap, char **out, size_t *len, cfm_error_t *err) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  char *data = NULL;
  size_t n = 0, size;
  int rc = CFM_EOK;
  *out = NULL;
  *len = 0;
  if (cap > SIZE_MAX / 4)
    cap = SIZE_MAX / 4; /* keeps cap + 1 and the doubling below from wrapping */
  if (!f)
    return cfm_error_set(err, CFM_EIO, path, "", "cannot open: %s", strerror(errno));
  if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
    fclose(f);
    return cfm_error_set(err, CFM_EIO, path, "", "not a regular file");
  }
  /* A regular file is sized up front (one byte more, to notice a file
   * that grows while it is read); a stream grows to cap + 1 bytes, which
   * is how one that is too large is noticed. */
  if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > cap) {
    fclose(f);
    return cfm_error_set(err, CFM_ETOOBIG, path, "", "larger than %zu bytes", cap);
  }
  size = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
  for (;;) {
    size_t got;
    if (!data || n == size) {
      char *grown;
      if (data)
        size = size > cap / 2 ? cap + 1 : size * 2;
      grown = realloc(data, size + 1);
      if (!grown) {
        rc = cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
        break;
      }
      data = grown;
    }
    got = fread(data + n, 1, size - n, f);
    n += got;
    if (n > cap) {
      rc = cfm_error_set(err, CFM_ETOOBIG, path, "", "larger than %zu bytes", cap);
      break;
    }
    if (got == 0) {
      if (ferror(f))
        rc = cfm_error_set(err, CFM_EIO, path, "", "read error: %s", strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc != CFM_EOK) {
    free(data);
    return rc;
  }
  data[n] = '\0';
  *out = data;
  *len = n;
  return CFM_EOK;
}

json_t *cfm_json_load_file(const char *path, size_t cap, cfm_error_t *err) {
  char *data;
  size_t len;
  char why[200];
  json_t *j;
  if (cfm_read_file(path, cap, &data, &len, err) != CFM_EOK)
    return NULL;
  j = cfm_json_parse(data, len, cap, why, sizeof(why));
  free(data);
  if (!j)
    cfm_error_set(err, CFM_EPARSE, path, "", "%s", why);
  return j;
}
