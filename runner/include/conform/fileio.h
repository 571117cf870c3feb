/* conform — reading whole input files with a hard size cap. */
#ifndef CONFORM_FILEIO_H
#define CONFORM_FILEIO_H

#include <jansson.h>
#include <stddef.h>

#include "conform/error.h"

/* Reads the file at path (a regular file, or a stream such as a pipe or
 * /dev/stdin) into a new NUL-terminated buffer of at most cap bytes.
 * Returns CFM_EOK with *out (free it) and *len set, or CFM_EIO (cannot
 * open, a directory, read error), CFM_ETOOBIG (over cap) or CFM_ENOMEM,
 * with err filled and *out NULL. */
int cfm_read_file(const char *path, size_t cap, char **out, size_t *len, cfm_error_t *err);

/* cfm_read_file + cfm_json_parse: a new reference, or NULL with err set
 * (CFM_EIO, CFM_ETOOBIG, CFM_ENOMEM or CFM_EPARSE). */
json_t *cfm_json_load_file(const char *path, size_t cap, cfm_error_t *err);

#endif
