/* conform tests — running the real binary (see helper_cli.h). */
#include "helper_cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>

int cfm_th_sh(char *out, size_t cap, const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  FILE *p;
  size_t n;
  int st;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  va_end(ap);
  if (cap)
    out[0] = '\0';
  p = popen(cmd, "r");
  if (!p)
    return -1;
  n = cap ? fread(out, 1, cap - 1, p) : 0;
  if (cap)
    out[n] = '\0';
  st = pclose(p);
  return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
