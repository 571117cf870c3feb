/* conform tests — reading a whole file (helper_file.h). */
#include "helper_file.h"

#include <stdio.h>
#include <stdlib.h>

char *cfm_th_slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  long n;
  char *text = NULL;
  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (text = calloc(1, (size_t)n + 1)) && fread(text, 1, (size_t)n, f) != (size_t)n) {
    free(text);
    text = NULL;
  }
  fclose(f);
  return text;
}
