/* conform — secret values of a config: literal, {"env"}, {"file"} (a
 * regular file or a pipe, bounded in size and time) or {"command"}.
 *
 * Owns reading secrets.  Must not keep them (the caller does), nor put a
 * byte of one into an error text. */
#include "config_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define SECRET_FILE_MAX 8192
/* How long a secret file that is a pipe may take to deliver its secret. */
#define SECRET_PIPE_WAIT_MS 2000

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the secret file fp into a new NUL-terminated buffer (*n bytes).
 * Opened non-blocking: a pipe nobody writes to fails after
 * SECRET_PIPE_WAIT_MS instead of hanging the run.  NULL with err set. */
static char *read_secret_file(const char *fp, size_t *n, const char *path, const char *ptr,
                              cfm_error_t *err) {
  int fd = open(fp, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fifo;
  int64_t deadline = mono_ms() + SECRET_PIPE_WAIT_MS;
  struct stat st;
  char *buf;
  size_t len = 0;
  if (fd < 0) {
    cfm_error_set(err, CFM_ECONFIG, path, ptr, "cannot open secret file '%s': %s", fp,
                  strerror(errno));
    return NULL;
  }
  /* A regular file or a pipe (a secret manager's FIFO, a process
   * substitution); never a terminal or another device. */
  if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))) {
    close(fd);
    cfm_error_set(err, CFM_ECONFIG, path, ptr, "secret file '%s' is not a regular file or a pipe",
                  fp);
    return NULL;
  }
  fifo = S_ISFIFO(st.st_mode);
  if (!(buf = malloc(SECRET_FILE_MAX + 1))) {
    close(fd);
    cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
    return NULL;
  }
  for (;;) {
    ssize_t r = read(fd, buf + len, SECRET_FILE_MAX + 1 - len);
    if (r > 0) {
      len += (size_t)r;
      if (len > SECRET_FILE_MAX)
        break;
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno != EAGAIN) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr, "cannot read secret file '%s': %s", fp,
                    strerror(errno));
      goto fail;
    }
    if (r == 0 && (!fifo || len > 0))
      break; /* end of file; a pipe is done once a writer gave data and left */
    if (mono_ms() >= deadline) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr,
                    "secret file '%s' is a pipe that gave no secret within %d ms", fp,
                    SECRET_PIPE_WAIT_MS);
      goto fail;
    }
    {
      /* No writer yet (read 0) or no data yet (EAGAIN): wait a little. */
      struct pollfd pfd = {fd, POLLIN, 0};
      if (poll(r == 0 ? NULL : &pfd, r == 0 ? 0 : 1, 20) < 0 && errno != EINTR) {
        cfm_error_set(err, CFM_ECONFIG, path, ptr, "cannot read secret file '%s'", fp);
        goto fail;
      }
    }
  }
  close(fd);
  if (len > SECRET_FILE_MAX) {
    OPENSSL_cleanse(buf, SECRET_FILE_MAX + 1);
    free(buf);
    cfm_error_set(err, CFM_ECONFIG, path, ptr, "cannot read secret file '%s': larger than %d bytes",
                  fp, SECRET_FILE_MAX);
    return NULL;
  }
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  buf[len] = '\0';
  *n = len;
  return buf;
fail:
  close(fd);
  OPENSSL_cleanse(buf, SECRET_FILE_MAX + 1);
  free(buf);
  return NULL;
}

/* A secret: a string, {"env": NAME}, {"file": PATH} or {"command": [...],
 * "timeout_ms": N}.  A new string of *n bytes, or NULL with err set (which
 * never holds a byte of the secret). */
char *cfm__config_resolve_secret(const json_t *v, int no_commands, size_t *n, const char *path,
                                 const char *ptr, cfm_error_t *err) {
  if (json_is_object(v) && json_object_get(v, "command") && no_commands) {
    cfm_error_set(err, CFM_ECONFIG, path, ptr, "secrets from commands are turned off here");
    return NULL;
  }
  if (json_is_object(v) && json_object_get(v, "command")) {
    char *out = malloc(CFM_CRED_TOKEN_MAX);
    cfm_error_t why;
    cfm_error_init(&why);
    if (!out) {
      cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
      return NULL;
    }
    if (cfm_cred_from_command_json(v, out, CFM_CRED_TOKEN_MAX, &why) != CFM_EOK) {
      char sub[CFM_ERROR_WHERE_LENGTH * 2];
      snprintf(sub, sizeof(sub), "%s%s", ptr, why.pointer);
      cfm_error_set(err, CFM_ECONFIG, path, sub, "%s", why.text);
      free(out);
      return NULL;
    }
    *n = strlen(out);
    return out;
  }
  if (json_is_object(v) && json_object_size(v) != 1) {
    cfm_error_set(err, CFM_ECONFIG, path, ptr,
                  "a credential object has one key, \"env\" or \"file\", or is "
                  "{\"command\": [...], \"timeout_ms\": N}");
    return NULL;
  }
  if (json_is_string(v)) {
    char *d = malloc(json_string_length(v) + 1);
    if (d) {
      memcpy(d, json_string_value(v), json_string_length(v) + 1);
      *n = json_string_length(v);
    }
    return d;
  }
  if (json_is_object(v) && json_is_string(json_object_get(v, "env"))) {
    const char *name = json_string_value(json_object_get(v, "env"));
    const char *val = getenv(name);
    if (!val) {
      cfm_error_set(err, CFM_ECONFIG, path, ptr, "environment variable '%s' is not set", name);
      return NULL;
    }
    *n = strlen(val);
    return strdup(val);
  }
  if (json_is_object(v) && json_is_string(json_object_get(v, "file")))
    return read_secret_file(json_string_value(json_object_get(v, "file")), n, path, ptr, err);
  cfm_error_set(err, CFM_ECONFIG, path, ptr,
                "a credential is a string, {\"env\": NAME}, {\"file\": PATH} or "
                "{\"command\": [PROGRAM, ARG...]}");
  return NULL;
}
