#include "conform/buf.h"
#include "conform/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cfm_buf_init(cfm_buf *b, size_t cap) {
  b->data = NULL;
  b->len = 0;
  b->size = 0;
  b->cap = cap;
}

void cfm_buf_release(cfm_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->size = 0;
}

void cfm_buf_reset(cfm_buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

int cfm_buf_add(cfm_buf *b, const void *p, size_t n) {
  size_t need;
  if (n > b->cap || b->len > b->cap - n) {
    cfm_buf_release(b);
    return CFM_ETOOBIG;
  }
  need = b->len + n + 1;
  if (need > b->size) {
    size_t nsize = b->size ? b->size : 256;
    char *nd;
    while (nsize < need)
      nsize = nsize > ((size_t)-1) / 2 ? need : nsize * 2;
    if (nsize > b->cap + 1)
      nsize = b->cap + 1;
    nd = realloc(b->data, nsize);
    if (!nd) {
      cfm_buf_release(b);
      return CFM_ENOMEM;
    }
    b->data = nd;
    b->size = nsize;
  }
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return CFM_EOK;
}

int cfm_buf_adds(cfm_buf *b, const char *s) {
  return cfm_buf_add(b, s, strlen(s));
}

int cfm_buf_vaddf(cfm_buf *b, const char *fmt, va_list ap) {
  char small[512];
  va_list cp;
  int n;
  va_copy(cp, ap);
  n = vsnprintf(small, sizeof(small), fmt, cp);
  va_end(cp);
  if (n < 0)
    return CFM_EINTERNAL;
  if ((size_t)n < sizeof(small))
    return cfm_buf_add(b, small, (size_t)n);
  {
    char *big = malloc((size_t)n + 1);
    int rc;
    if (!big) {
      cfm_buf_release(b);
      return CFM_ENOMEM;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    rc = cfm_buf_add(b, big, (size_t)n);
    free(big);
    return rc;
  }
}

int cfm_buf_addf(cfm_buf *b, const char *fmt, ...) {
  va_list ap;
  int rc;
  va_start(ap, fmt);
  rc = cfm_buf_vaddf(b, fmt, ap);
  va_end(ap);
  return rc;
}

const char *cfm_buf_str(const cfm_buf *b) {
  return b->data ? b->data : "";
}

char *cfm_buf_detach(cfm_buf *b, size_t *len) {
  char *d = b->data;
  if (!d) {
    d = malloc(1);
    if (d)
      d[0] = '\0';
  }
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = 0;
  b->size = 0;
  return d;
}
