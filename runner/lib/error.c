#include "conform/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const err_names[] = {
#define CFM_ERR_NAME(name, msg) #name,
    CFM_ERR_MAP(CFM_ERR_NAME)
#undef CFM_ERR_NAME
};

static const char *const err_messages[] = {
#define CFM_ERR_MSG(name, msg) msg,
    CFM_ERR_MAP(CFM_ERR_MSG)
#undef CFM_ERR_MSG
};

const char *cfm_err_name(int rc) {
  if (rc < 0 || rc >= CFM_E__COUNT)
    return "UNKNOWN";
  return err_names[rc];
}

const char *cfm_err_message(int rc) {
  if (rc < 0 || rc >= CFM_E__COUNT)
    return "unknown error";
  return err_messages[rc];
}

void cfm_error_init(cfm_error_t *err) {
  if (err)
    memset(err, 0, sizeof(*err));
}

static void copy_trunc(char *dst, size_t cap, const char *src) {
  size_t n;
  if (!src)
    src = "";
  n = strlen(src);
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

int cfm_error_set(cfm_error_t *err, int code, const char *where, const char *pointer,
                  const char *fmt, ...) {
  va_list ap;
  if (!err || err->code != CFM_EOK)
    return code;
  err->code = code;
  copy_trunc(err->where, sizeof(err->where), where);
  copy_trunc(err->pointer, sizeof(err->pointer), pointer);
  va_start(ap, fmt);
  vsnprintf(err->text, sizeof(err->text), fmt, ap);
  va_end(ap);
  return code;
}
