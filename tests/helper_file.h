/* conform tests — reading a whole file.  Criterion-free. */
#ifndef CONFORM_TEST_HELPER_FILE_H
#define CONFORM_TEST_HELPER_FILE_H

/* The whole file at path as a new NUL-terminated string (free it), or NULL
 * when it cannot be read. */
char *cfm_th_slurp(const char *path);

#endif
