/* conform — targets, credentials and request signing (docs/config.md). */
#define _GNU_SOURCE /* strcasestr */
#include "conform/target.h"
#include "conform/credential.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"
#include "conform/sanitize.h"
#include "conform/usersig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define CONFIG_MAX_BYTES (1u << 20)
#define SECRET_FILE_MAX 8192
/* How long a secret file that is a pipe may take to deliver its secret. */
#define SECRET_PIPE_WAIT_MS 2000

/* The token cache of one target: an Agora app token minted from
 * app_certificate, or a DingTalk access token fetched with app_key and
 * app_secret.  Locked: requests may be built from more than one thread. */
struct cfm_cred_state {
  pthread_mutex_t lock;
  cfm_cred_cache cache;
  char *app_id; /* Agora: resolved by cfm_config_check */
  int offline;
  int no_commands;
  int64_t (*clock)(void *arg);
  void *clock_arg;
};

static struct cfm_cred_state *cred_state_new(void) {
  struct cfm_cred_state *s = calloc(1, sizeof(*s));
  if (!s)
    return NULL;
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    free(s);
    return NULL;
  }
  cfm_cred_cache_init(&s->cache);
  return s;
}

static void cred_state_free(struct cfm_cred_state *s) {
  if (!s)
    return;
  cfm_cred_cache_release(&s->cache);
  pthread_mutex_destroy(&s->lock);
  free(s->app_id);
  free(s);
}

void cfm_config_init(cfm_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->rate_scale = 0.8;
}

static void target_release(cfm_target *t) {
  free(t->vendor);
  free(t->base_url);
  json_decref(t->credentials);
  json_decref(t->variables);
  free(t->ca_file);
  free(t->config_url);
  free(t->region);
  free(t->token_url);
  free(t->base_path);
  cred_state_free(t->cred);
  memset(t, 0, sizeof(*t));
}

void cfm_config_release(cfm_config *cfg) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    target_release(&cfg->targets[i]);
  free(cfg->targets);
  free(cfg->run_prefix);
  free(cfg->source);
  cfm_config_init(cfg);
}

cfm_target *cfm_config_target(cfm_config *cfg, const char *vendor) {
  size_t i;
  for (i = 0; i < cfg->count; i++)
    if (strcmp(cfg->targets[i].vendor, vendor) == 0)
      return &cfg->targets[i];
  return NULL;
}

static cfm_target *add_target(cfm_config *cfg, const char *vendor) {
  cfm_target *t = cfm_config_target(cfg, vendor), *n;
  if (t)
    return t;
  n = realloc(cfg->targets, (cfg->count + 1) * sizeof(*n));
  if (!n)
    return NULL;
  cfg->targets = n;
  t = &cfg->targets[cfg->count];
  memset(t, 0, sizeof(*t));
  t->vendor = strdup(vendor);
  t->credentials = json_object();
  t->variables = json_object();
  t->cred = cred_state_new();
  t->verify_tls = 1;
  if (!t->vendor || !t->credentials || !t->variables || !t->cred) {
    target_release(t);
    return NULL;
  }
  t->cred->offline = cfg->offline;
  t->cred->no_commands = cfg->no_commands;
  t->cred->clock = cfg->clock;
  t->cred->clock_arg = cfg->clock_arg;
  cfg->count++;
  return t;
}

static int valid_vendor(const char *v) {
  if (!*v)
    return 0;
  for (; *v; v++)
    if (!(islower((unsigned char)*v) || isdigit((unsigned char)*v) || *v == '-'))
      return 0;
  return 1;
}

static int valid_url(const char *u) {
  return (strncmp(u, "http://", 7) == 0 && u[7]) || (strncmp(u, "https://", 8) == 0 && u[8]);
}

/* 1 when the URL's authority has userinfo ("user:secret@host"). */
static int url_has_userinfo(const char *u) {
  const char *a = strstr(u, "://"), *end;
  if (!a)
    return 0;
  a += 3;
  end = a + strcspn(a, "/?#");
  return memchr(a, '@', (size_t)(end - a)) != NULL;
}

/* Why url cannot be a target (never echoing it: it may hold a secret),
 * or NULL when it can. */
static const char *url_problem(const char *u) {
  if (!u || !valid_url(u))
    return "must be an http:// or https:// URL";
  if (url_has_userinfo(u))
    return "must not carry credentials (user:password@); give them under credentials, "
           "from the environment or a file (docs/config.md)";
  return NULL;
}

static char *dup_url(const char *u) {
  char *d = strdup(u);
  size_t ul = d ? strlen(d) : 0;
  while (ul > 0 && d[ul - 1] == '/')
    d[--ul] = '\0';
  return d;
}

int cfm_config_set_target_url(cfm_config *cfg, const char *vendor_eq_url, cfm_error_t *err) {
  const char *eq = strchr(vendor_eq_url, '='), *why;
  char vendor[64];
  cfm_target *t;
  char *url;
  if (!eq || eq == vendor_eq_url || (size_t)(eq - vendor_eq_url) >= sizeof(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "expected VENDOR=URL, got '%.100s'",
                         url_has_userinfo(vendor_eq_url) ? "(a URL with credentials)"
                                                         : vendor_eq_url);
  snprintf(vendor, sizeof(vendor), "%.*s", (int)(eq - vendor_eq_url), vendor_eq_url);
  if (!valid_vendor(vendor))
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "bad vendor name '%s'", vendor);
  if ((why = url_problem(eq + 1)) != NULL)
    return cfm_error_set(err, CFM_EUSAGE, "--target", "", "the URL of '%s' %s", vendor, why);
  url = dup_url(eq + 1);
  t = url ? add_target(cfg, vendor) : NULL;
  if (!t) {
    free(url);
    return cfm_error_set(err, CFM_ENOMEM, "--target", "", "out of memory");
  }
  if (t->base_url && !t->url_from_cli && !t->config_url) {
    t->config_url = t->base_url;
    t->base_url = NULL;
  }
  free(t->base_url);
  t->base_url = url;
  t->url_from_cli = 1;
  return CFM_EOK;
}

int cfm_config_use_mock(cfm_config *cfg, uint16_t port) {
  static const char *const vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};
  size_t i;
  char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
  for (i = 0; i < 3; i++) {
    cfm_target *t = add_target(cfg, vendors[i]);
    if (!t)
      return CFM_ENOMEM;
    if (t->base_url)
      continue;
    t->base_url = strdup(url);
    if (i == 0) {
      json_object_set_new(t->credentials, "sdkappid", json_string("1400000000"));
      json_object_set_new(t->credentials, "identifier", json_string("administrator"));
      json_object_set_new(t->credentials, "secret_key", json_string("conform-demo-secret-key"));
    } else if (i == 1) {
      json_object_set_new(t->credentials, "app_token", json_string("conform-demo-app-token"));
    } else {
      json_object_set_new(t->credentials, "access_token", json_string("conform-demo-access-token"));
    }
    if (!t->base_url)
      return CFM_ENOMEM;
  }
  return CFM_EOK;
}

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
static char *resolve_secret(const json_t *v, int no_commands, size_t *n, const char *path,
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

int cfm_config_load(cfm_config *cfg, const char *path, cfm_error_t *err) {
  char *data;
  size_t n;
  int rc = cfm_read_file(path, CONFIG_MAX_BYTES, &data, &n, err);
  if (rc != CFM_EOK)
    return rc == CFM_ENOMEM ? rc : CFM_ECONFIG;
  rc = cfm_config_parse(cfg, path, data, n, err);
  free(data);
  return rc;
}

/* ---- strict keys ------------------------------------------------------------ */

/* Levenshtein distance of a and b, capped at 99 (names are short). */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, cur;
  if (la > 62 || lb > 62)
    return 99;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    prev = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t best = prev + (a[i - 1] != b[j - 1]);
      cur = row[j];
      if (row[j] + 1 < best)
        best = row[j] + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      prev = cur;
      row[j] = best;
    }
  }
  return row[lb];
}

const char *cfm_did_you_mean(const char *word, const char *const *names) {
  const char *best = NULL;
  size_t bd = 99, wl = strlen(word), i;
  size_t limit = wl / 2 > 2 ? wl / 2 : 2;
  for (i = 0; names[i]; i++) {
    size_t d = edit_distance(word, names[i]);
    /* "agora" for "agora-chat", "token" for "app_token" */
    if (d > limit && wl >= 4 && (strstr(names[i], word) || strstr(word, names[i])))
      d = limit;
    if (d <= limit && d < bd) {
      bd = d;
      best = names[i];
    }
  }
  return best;
}

/* ptr + "/" + key, with key escaped as RFC 6901 says (~0, ~1). */
static void pointer_join(char *out, size_t cap, const char *ptr, const char *key) {
  size_t n = (size_t)snprintf(out, cap, "%s/", ptr);
  for (; *key && n + 3 < cap; key++) {
    if (*key == '~' || *key == '/') {
      out[n++] = '~';
      out[n++] = *key == '~' ? '0' : '1';
    } else {
      out[n++] = *key;
    }
  }
  if (n < cap)
    out[n] = '\0';
}

/* An error for a name that is not one of names (NULL-terminated). */
static int unknown_name(cfm_error_t *err, int code, const char *where, const char *ptr,
                        const char *what, const char *name, const char *const *names) {
  const char *hint = cfm_did_you_mean(name, names);
  char list[200];
  size_t i, n = 0;
  list[0] = '\0';
  for (i = 0; names[i] && n < sizeof(list); i++)
    n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", names[i]);
  if (hint)
    return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s'; did you mean '%s'?", what,
                         name, hint);
  return cfm_error_set(err, code, where, ptr, "unknown %s '%.60s' (known: %s)", what, name, list);
}

/* Every key of obj must be one of names; "$comment" is allowed anywhere. */
static int known_keys(const json_t *obj, const char *const *names, const char *path,
                      const char *ptr, cfm_error_t *err) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    int ok = !strcmp(k, "$comment");
    char kp[CFM_ERROR_WHERE_LENGTH];
    for (i = 0; !ok && names[i]; i++)
      ok = !strcmp(k, names[i]);
    if (ok)
      continue;
    pointer_join(kp, sizeof(kp), ptr, k);
    return unknown_name(err, CFM_ECONFIG, path, kp, "key", k, names);
  }
  return CFM_EOK;
}

static const char *const root_keys[] = {"$schema", "concurrency", "timeout_ms", "rate_scale",
                                        "max_rps", "run_prefix",  "targets",    NULL};
static const char *const target_keys[] = {
    "base_url",   "region",  "base_path", "credentials",      "variables",
    "verify_tls", "ca_file", "token_url", "token_lifetime_s", NULL};
static const char *const secret_keys[] = {"env", "file", "command", "timeout_ms", NULL};

/* A string key of target t (at ptr) into *dst; "must be ..." otherwise. */
static int string_key(const json_t *t, const char *key, char **dst, const char *path,
                      const char *ptr, cfm_error_t *err) {
  const json_t *v = json_object_get(t, key);
  char kp[CFM_ERROR_WHERE_LENGTH];
  if (!v)
    return CFM_EOK;
  pointer_join(kp, sizeof(kp), ptr, key);
  if (!json_is_string(v) || !json_string_length(v))
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be a non-empty string");
  free(*dst);
  if (!(*dst = strdup(json_string_value(v))))
    return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  return CFM_EOK;
}

/* The extra keys of a target: region, base_path, token_url, token_lifetime_s. */
static int parse_target_extras(cfm_target *tg, const json_t *t, const char *path, const char *ptr,
                               cfm_error_t *err) {
  const json_t *life = json_object_get(t, "token_lifetime_s");
  char kp[CFM_ERROR_WHERE_LENGTH];
  int rc;
  if ((rc = string_key(t, "region", &tg->region, path, ptr, err)) ||
      (rc = string_key(t, "base_path", &tg->base_path, path, ptr, err)) ||
      (rc = string_key(t, "token_url", &tg->token_url, path, ptr, err)))
    return rc;
  if (json_object_get(t, "region") && json_object_get(t, "base_url")) {
    pointer_join(kp, sizeof(kp), ptr, "region");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "give base_url or region, not both");
  }
  if (tg->base_path && tg->base_path[0] != '/') {
    pointer_join(kp, sizeof(kp), ptr, "base_path");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must start with '/'");
  }
  if (tg->token_url && url_problem(tg->token_url)) {
    pointer_join(kp, sizeof(kp), ptr, "token_url");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "token_url %s", url_problem(tg->token_url));
  }
  if (life) {
    json_int_t l = json_integer_value(life);
    pointer_join(kp, sizeof(kp), ptr, "token_lifetime_s");
    if (!json_is_integer(life) || l < 60 || l > CFM_CRED_AGORA_MAX_LIFETIME_S)
      return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be an integer in [60,%d]",
                           CFM_CRED_AGORA_MAX_LIFETIME_S);
    tg->cred->cache.lifetime_s = (uint32_t)l;
  }
  return CFM_EOK;
}

/* Parses targets/<vendor> (t, at ptr) into tg. */
static int parse_target(cfm_target *tg, const json_t *t, const char *path, const char *ptr,
                        cfm_error_t *err) {
  const json_t *creds = json_object_get(t, "credentials"), *vars = json_object_get(t, "variables"),
               *tls = json_object_get(t, "verify_tls"), *ca = json_object_get(t, "ca_file");
  const char *k;
  json_t *v;
  char kp[CFM_ERROR_WHERE_LENGTH];
  int rc = known_keys(t, target_keys, path, ptr, err);
  if (rc)
    return rc;
  tg->in_config = 1;
  if (json_object_get(t, "base_url")) {
    const char *u = json_string_value(json_object_get(t, "base_url")), *why = url_problem(u);
    pointer_join(kp, sizeof(kp), ptr, "base_url");
    if (why)
      return cfm_error_set(err, CFM_ECONFIG, path, kp, "base_url %s", why);
    /* --target wins whichever came first; the header names what it replaced. */
    if (tg->url_from_cli) {
      free(tg->config_url);
      tg->config_url = dup_url(u);
    } else {
      free(tg->base_url);
      tg->base_url = dup_url(u);
    }
    if (!(tg->url_from_cli ? tg->config_url : tg->base_url))
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  if ((creds && !json_is_object(creds)) || (vars && !json_is_object(vars))) {
    pointer_join(kp, sizeof(kp), ptr,
                 creds && !json_is_object(creds) ? "credentials" : "variables");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be an object");
  }
  if ((tls && !json_is_boolean(tls)) || (ca && !json_is_string(ca))) {
    pointer_join(kp, sizeof(kp), ptr, tls && !json_is_boolean(tls) ? "verify_tls" : "ca_file");
    return cfm_error_set(err, CFM_ECONFIG, path, kp, "must be a %s",
                         tls && !json_is_boolean(tls) ? "boolean" : "string");
  }
  if ((rc = parse_target_extras(tg, t, path, ptr, err)) != CFM_EOK)
    return rc;
  json_object_foreach((json_t *)creds, k, v) {
    char cptr[CFM_ERROR_WHERE_LENGTH];
    char *secret;
    size_t sn = 0;
    pointer_join(cptr, sizeof(cptr), ptr, "credentials");
    pointer_join(kp, sizeof(kp), cptr, k);
    if (json_is_object(v) && (rc = known_keys(v, secret_keys, path, kp, err)) != CFM_EOK)
      return rc;
    secret = resolve_secret(v, tg->cred->no_commands, &sn, path, kp, err);
    if (!secret)
      return err && err->code == CFM_ENOMEM ? CFM_ENOMEM : CFM_ECONFIG;
    /* A CR or LF would split the header it goes into; a NUL would cut it. */
    if (memchr(secret, '\r', sn) || memchr(secret, '\n', sn) || memchr(secret, '\0', sn))
      rc = cfm_error_set(err, CFM_ECONFIG, path, kp,
                         "the secret holds a CR, LF or NUL byte (not shown); a credential is "
                         "one line");
    else if (json_object_set_new(tg->credentials, k, json_string(secret)))
      rc = cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
    OPENSSL_cleanse(secret, sn);
    free(secret);
    if (rc)
      return rc;
  }
  json_object_foreach((json_t *)vars, k, v) {
    pointer_join(kp, sizeof(kp), ptr, "variables");
    if (!json_is_string(v) && !json_is_number(v)) {
      char vp[CFM_ERROR_WHERE_LENGTH];
      pointer_join(vp, sizeof(vp), kp, k);
      return cfm_error_set(err, CFM_ECONFIG, path, vp, "a variable is a string or a number");
    }
    if (json_object_set(tg->variables, k, v))
      return cfm_error_set(err, CFM_ENOMEM, path, kp, "out of memory");
  }
  if (tls)
    tg->verify_tls = json_is_true(tls);
  if (ca) {
    free(tg->ca_file);
    if (!(tg->ca_file = strdup(json_string_value(ca))))
      return cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
  }
  return CFM_EOK;
}

int cfm_config_parse(cfm_config *cfg, const char *path, const char *data, size_t n,
                     cfm_error_t *err) {
  char why[160];
  json_t *root, *targets, *t, *v;
  const char *vendor;
  int rc = CFM_EOK;
  root = cfm_json_parse(data, n, CONFIG_MAX_BYTES, why, sizeof(why));
  {
    /* jansson quotes the text where parsing stopped ("invalid token near
     * 'abc'"); in a config that may be a secret's first bytes. */
    char *near = strstr(why, " near '");
    if (near)
      *near = '\0';
  }
  if (!json_is_object(root)) {
    json_decref(root);
    return cfm_error_set(err, CFM_ECONFIG, path, "", "not a JSON object: %s", why);
  }
  if ((rc = known_keys(root, root_keys, path, "", err)) != CFM_EOK)
    goto out;
  free(cfg->source);
  if (!(cfg->source = strdup(path))) {
    rc = cfm_error_set(err, CFM_ENOMEM, path, "", "out of memory");
    goto out;
  }
  if ((v = json_object_get(root, "concurrency")) != NULL) {
    json_int_t c = json_integer_value(v);
    if (!json_is_integer(v) || c < 1 || c > 256) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/concurrency", "must be an integer in [1,256]");
      goto out;
    }
    cfg->concurrency = (unsigned)c;
  }
  if ((v = json_object_get(root, "timeout_ms")) != NULL) {
    json_int_t tm = json_integer_value(v);
    if (!json_is_integer(v) || tm < 1 || tm > 600000) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/timeout_ms", "must be an integer in [1,600000]");
      goto out;
    }
    cfg->timeout_ms = (long)tm;
  }
  if ((v = json_object_get(root, "rate_scale")) != NULL) {
    double r = json_number_value(v);
    if (!json_is_number(v) || !(r > 0 && r <= 1)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/rate_scale", "must be a number in (0,1]");
      goto out;
    }
    cfg->rate_scale = r;
  }
  if ((v = json_object_get(root, "max_rps")) != NULL) {
    double r = json_number_value(v);
    if (!json_is_number(v) || !(r > 0 && r <= CFM_MAX_RPS_LIMIT)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/max_rps", "must be a number in (0,%d]",
                         CFM_MAX_RPS_LIMIT);
      goto out;
    }
    cfg->global_rate_per_s = r;
  }
  if ((v = json_object_get(root, "run_prefix")) != NULL) {
    if (!json_is_string(v) || !*json_string_value(v)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, "/run_prefix", "must be a non-empty string");
      goto out;
    }
    free(cfg->run_prefix);
    if (!(cfg->run_prefix = strdup(json_string_value(v)))) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, "/run_prefix", "out of memory");
      goto out;
    }
  }
  targets = json_object_get(root, "targets");
  if (targets && !json_is_object(targets)) {
    rc = cfm_error_set(err, CFM_ECONFIG, path, "/targets", "must be an object keyed by vendor");
    goto out;
  }
  json_object_foreach(targets, vendor, t) {
    cfm_target *tg;
    char ptr[CFM_ERROR_WHERE_LENGTH];
    pointer_join(ptr, sizeof(ptr), "/targets", vendor);
    if (!valid_vendor(vendor) || !json_is_object(t)) {
      rc = cfm_error_set(err, CFM_ECONFIG, path, ptr, "bad vendor entry");
      goto out;
    }
    tg = add_target(cfg, vendor);
    if (!tg) {
      rc = cfm_error_set(err, CFM_ENOMEM, path, ptr, "out of memory");
      goto out;
    }
    if ((rc = parse_target(tg, t, path, ptr, err)) != CFM_EOK)
      goto out;
  }
out:
  json_decref(root);
  return rc;
}

/* ---- names checked against the specs -------------------------------------------- */

static const char *const shipped_vendors[] = {"tencent-im", "agora-chat", "dingtalk-rooms"};

/* The keys of obj (borrowed strings) as a NULL-terminated array; NULL on
 * out of memory. */
static const char **keys_of(const json_t *obj) {
  const char **names = calloc(json_object_size(obj) + 1, sizeof(*names));
  const char *k;
  json_t *v;
  size_t i = 0;
  if (!names)
    return NULL;
  json_object_foreach((json_t *)obj, k, v) names[i++] = k;
  return names;
}

/* The credentials a provider of scheme takes in place of the token. */
static const char *const agora_provider[] = {"app_certificate", NULL};
static const char *const dingtalk_provider[] = {"app_key", "app_secret", NULL};
static const char *const no_provider[] = {NULL};

static const char *const *provider_keys(const char *scheme) {
  if (scheme && !strcmp(scheme, "bearer"))
    return agora_provider;
  if (scheme && !strcmp(scheme, "header_token"))
    return dingtalk_provider;
  return no_provider;
}

/* The strings of arr, then extra (NULL-terminated), NULL-terminated. */
static const char **string_array_plus(const json_t *arr, const char *const *extra) {
  size_t i, n = 0, ne = 0;
  const char **names;
  while (extra[ne])
    ne++;
  if (!(names = calloc(json_array_size(arr) + ne + 1, sizeof(*names))))
    return NULL;
  for (i = 0; i < json_array_size(arr); i++)
    if (json_is_string(json_array_get(arr, i)))
      names[n++] = json_string_value(json_array_get(arr, i));
  for (i = 0; i < ne; i++)
    names[n++] = extra[i];
  return names;
}

/* 1 when template holds the placeholder {name}. */
static int has_placeholder(const char *template, const char *name) {
  size_t nl = strlen(name);
  const char *p = template;
  while (p && (p = strchr(p, '{')) != NULL) {
    if (!strncmp(p + 1, name, nl) && p[1 + nl] == '}')
      return 1;
    p++;
  }
  return 0;
}

/* The first key of obj that is not in names (nor a placeholder of
 * template, which may be NULL), or NULL. */
static const char *first_unknown(const json_t *obj, const char *const *names,
                                 const char *template) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i;
    for (i = 0; names[i] && strcmp(names[i], k); i++)
      ;
    if (!names[i] && !has_placeholder(template, k))
      return k;
  }
  return NULL;
}

/* Checks the credential and variable names of t against spec. */
static int check_target_names(const cfm_config *cfg, const cfm_target *t, const cfm_spec *spec,
                              cfm_error_t *err) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  const char **creds =
      string_array_plus(json_object_get(auth, "credentials"),
                        provider_keys(json_string_value(json_object_get(auth, "scheme"))));
  const char **vars = keys_of(json_object_get(spec->root, "variables"));
  const char *where = cfg->source ? cfg->source : "config", *bad;
  int rc = CFM_EOK, pass;
  if (!creds || !vars)
    rc = cfm_error_set(err, CFM_ENOMEM, where, "", "out of memory");
  for (pass = 0; pass < 2 && rc == CFM_EOK; pass++) {
    const char *const *names = pass ? vars : creds;
    const char *what = pass ? "variable" : "credential";
    char base[CFM_ERROR_WHERE_LENGTH], sub[CFM_ERROR_WHERE_LENGTH], ptr[CFM_ERROR_WHERE_LENGTH];
    if ((bad = first_unknown(pass ? t->variables : t->credentials, names,
                             pass ? t->base_path : NULL)) == NULL)
      continue;
    pointer_join(base, sizeof(base), "/targets", t->vendor);
    pointer_join(sub, sizeof(sub), base, pass ? "variables" : "credentials");
    pointer_join(ptr, sizeof(ptr), sub, bad);
    rc = unknown_name(err, CFM_ECONFIG, where, ptr, what, bad, names);
  }
  free(creds);
  free(vars);
  return rc;
}

/* The path template of t for spec: base_path or the spec's base_url after
 * "https://{host}" (borrowed; "" when none). */
static const char *path_template(const cfm_target *t, const cfm_spec *spec) {
  const char *b =
      json_string_value(json_object_get(json_object_get(spec->root, "transport"), "base_url"));
  if (t->base_path)
    return t->base_path;
  return b && !strncmp(b, "https://{host}", 14) ? b + 14 : "";
}

/* The value of variable name for t: the config's, else the spec's default
 * (borrowed), or NULL. */
static const json_t *variable_of(const cfm_target *t, const cfm_spec *spec, const char *name) {
  const json_t *v = json_object_get(t->variables, name);
  if (!v)
    v = json_object_get(json_object_get(json_object_get(spec->root, "variables"), name), "default");
  return v;
}

/* Text of a string or number variable into out. */
static void variable_text(const json_t *v, char *out, size_t cap) {
  if (json_is_string(v))
    snprintf(out, cap, "%s", json_string_value(v));
  else if (json_is_integer(v))
    snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  else if (json_is_real(v))
    snprintf(out, cap, "%.17g", json_real_value(v));
  else
    out[0] = '\0';
}

int cfm_target_base_url(const cfm_target *t, const cfm_spec *spec, char *out, size_t cap,
                        cfm_error_t *err) {
  const char *p = path_template(t, spec);
  size_t n;
  if (!t->base_url)
    return cfm_error_set(err, CFM_ECONFIG, t->vendor, "", "no target URL for '%s'", t->vendor);
  n = (size_t)snprintf(out, cap, "%s", t->base_url);
  while (*p && n < cap) {
    const char *e = *p == '{' ? strchr(p, '}') : NULL;
    char name[64], text[256];
    const json_t *v;
    const char *q;
    if (!e) {
      out[n++] = *p++;
      continue;
    }
    snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
    if (!(v = variable_of(t, spec, name)))
      return cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                           "the base URL placeholder {%s} has no value: set "
                           "targets.%s.variables.%s",
                           name, t->vendor, name);
    variable_text(v, text, sizeof(text));
    if (!text[0])
      return cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                           "the base URL placeholder {%s} is empty: set "
                           "targets.%s.variables.%s",
                           name, t->vendor, name);
    for (q = text; *q && n + 4 < cap; q++) {
      unsigned char c = (unsigned char)*q;
      if (isalnum(c) || strchr("-_.~", c))
        out[n++] = (char)c;
      else
        n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
    }
    p = e + 1;
  }
  if (n >= cap)
    return cfm_error_set(err, CFM_ETOOBIG, t->vendor, "", "base URL too long");
  out[n] = '\0';
  return CFM_EOK;
}

/* Region, base URL placeholders and the Agora app id of t (in cfg). */
static int check_target_values(cfm_config *cfg, cfm_target *t, const cfm_spec *spec,
                               cfm_error_t *err) {
  const char *where = cfg->source ? cfg->source : "config";
  char base[CFM_ERROR_WHERE_LENGTH], ptr[CFM_ERROR_WHERE_LENGTH], url[1024];
  cfm_error_t why;
  int rc;
  pointer_join(base, sizeof(base), "/targets", t->vendor);
  cfm_error_init(&why);
  if (t->region) {
    const json_t *hosts = json_object_get(json_object_get(spec->root, "transport"), "hosts");
    pointer_join(ptr, sizeof(ptr), base, "region");
    if ((rc = cfm_cred_region_url(hosts, t->region, url, sizeof(url), &why)) != CFM_EOK)
      return cfm_error_set(err, CFM_ECONFIG, where, ptr, "%s", why.text);
    if (!t->url_from_cli) {
      free(t->base_url);
      if (!(t->base_url = strdup(url)))
        return cfm_error_set(err, CFM_ENOMEM, where, ptr, "out of memory");
    }
  }
  if (t->base_url && cfm_target_base_url(t, spec, url, sizeof(url), &why) != CFM_EOK) {
    pointer_join(ptr, sizeof(ptr), base, "variables");
    return cfm_error_set(err, CFM_ECONFIG, where, ptr, "%s", why.text);
  }
  if (json_object_get(t->credentials, "app_certificate")) {
    char id[256];
    variable_text(variable_of(t, spec, "app_id"), id, sizeof(id));
    pointer_join(ptr, sizeof(ptr), base, "variables");
    if (!id[0])
      return cfm_error_set(err, CFM_ECONFIG, where, ptr,
                           "app_certificate needs the App ID: set variables.app_id");
    free(t->cred->app_id);
    if (!(t->cred->app_id = strdup(id)))
      return cfm_error_set(err, CFM_ENOMEM, where, ptr, "out of memory");
  }
  if (!json_object_get(t->credentials, "app_key") !=
      !json_object_get(t->credentials, "app_secret")) {
    pointer_join(ptr, sizeof(ptr), base, "credentials");
    return cfm_error_set(err, CFM_ECONFIG, where, ptr, "app_key and app_secret go together");
  }
  return CFM_EOK;
}

int cfm_config_check(cfm_config *cfg, const cfm_specset *set, cfm_error_t *err) {
  const char **known = calloc(set->count + 4, sizeof(*known));
  size_t i, j, n = 0;
  int rc = CFM_EOK;
  if (!known)
    return cfm_error_set(err, CFM_ENOMEM, "config", "", "out of memory");
  for (i = 0; i < set->count; i++)
    known[n++] = set->items[i]->vendor;
  for (i = 0; i < 3; i++) {
    for (j = 0; j < n && strcmp(known[j], shipped_vendors[i]); j++)
      ;
    if (j == n)
      known[n++] = shipped_vendors[i];
  }
  for (i = 0; i < cfg->count && rc == CFM_EOK; i++) {
    const cfm_target *t = &cfg->targets[i];
    const cfm_spec *spec = NULL;
    for (j = 0; j < n && strcmp(known[j], t->vendor); j++)
      ;
    if (j == n) {
      char ptr[CFM_ERROR_WHERE_LENGTH];
      pointer_join(ptr, sizeof(ptr), "/targets", t->vendor);
      if (t->in_config)
        rc = unknown_name(err, CFM_ECONFIG, cfg->source ? cfg->source : "config", ptr, "vendor",
                          t->vendor, known);
      else
        rc = unknown_name(err, CFM_EUSAGE, "--target", "", "vendor", t->vendor, known);
      break;
    }
    for (j = 0; j < set->count && !spec; j++)
      if (!strcmp(set->items[j]->vendor, t->vendor))
        spec = set->items[j];
    if (spec && (rc = check_target_names(cfg, t, spec, err)) == CFM_EOK)
      rc = check_target_values(cfg, &cfg->targets[i], spec, err);
  }
  free(known);
  return rc;
}

/* ---- auth ---------------------------------------------------------------- */

static const char *cred(const cfm_target *t, const char *name) {
  return t ? json_string_value(json_object_get(t->credentials, name)) : NULL;
}

int cfm_target_has_credential(const cfm_target *t, const char *name) {
  const char *v = cred(t, name);
  if (v && *v)
    return 1;
  if (!strcmp(name, "app_token"))
    return cred(t, "app_certificate") != NULL;
  if (!strcmp(name, "access_token"))
    return cred(t, "app_key") && cred(t, "app_secret");
  return 0;
}

void cfm_config_set_offline(cfm_config *cfg, int offline) {
  size_t i;
  cfg->offline = offline;
  for (i = 0; i < cfg->count; i++)
    cfg->targets[i].cred->offline = offline;
}

void cfm_config_set_clock(cfm_config *cfg, int64_t (*clock)(void *arg), void *arg) {
  size_t i;
  cfg->clock = clock;
  cfg->clock_arg = arg;
  for (i = 0; i < cfg->count; i++) {
    cfg->targets[i].cred->clock = clock;
    cfg->targets[i].cred->clock_arg = arg;
  }
}

void cfm_target_credential_invalidate(const cfm_target *t) {
  if (!t || !t->cred)
    return;
  pthread_mutex_lock(&t->cred->lock);
  cfm_cred_invalidate(&t->cred->cache);
  pthread_mutex_unlock(&t->cred->lock);
}

unsigned long cfm_target_credential_fetches(const cfm_target *t) {
  unsigned long n;
  if (!t || !t->cred)
    return 0;
  pthread_mutex_lock(&t->cred->lock);
  n = t->cred->cache.fetches;
  pthread_mutex_unlock(&t->cred->lock);
  return n;
}

/* A token of t's provider (bearer: Agora minted; else DingTalk fetched)
 * into out, taken from the cache while it is fresh.  Every new token is
 * registered for redaction. */
static int provide_token(const cfm_target *t, int bearer, int64_t now, char *out, size_t cap,
                         cfm_error_t *err) {
  struct cfm_cred_state *s = t->cred;
  unsigned long before;
  int rc;
  pthread_mutex_lock(&s->lock);
  if (s->clock)
    now = s->clock(s->clock_arg);
  before = s->cache.fetches;
  if (bearer) {
    rc = s->app_id ? cfm_cred_agora_token(&s->cache, s->app_id, cred(t, "app_certificate"), now,
                                          out, cap, err)
                   : cfm_error_set(err, CFM_ECONFIG, t->vendor, "",
                                   "app_certificate needs variables.app_id (checked config)");
  } else if (s->offline) {
    rc = (size_t)snprintf(out, cap, "(fetched-with-app_key-at-run-time)") < cap ? CFM_EOK
                                                                                : CFM_ETOOBIG;
  } else {
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", t->token_url ? t->token_url : t->base_url,
             t->token_url ? "" : "/v1.0/oauth2/accessToken");
    s->cache.verify_tls = t->verify_tls;
    s->cache.ca_file = t->ca_file;
    rc = cfm_cred_dingtalk_token(&s->cache, url, cred(t, "app_key"), cred(t, "app_secret"), now,
                                 out, cap, err);
  }
  if (rc == CFM_EOK && s->cache.fetches != before &&
      cfm_sanitize_add_secret(out, strlen(out)) != CFM_EOK)
    rc = cfm_error_set(err, CFM_ETOOBIG, t->vendor, "", "cannot register the new token");
  pthread_mutex_unlock(&s->lock);
  return rc;
}

static const char *role(const json_t *auth, const char *r) {
  const char *q = json_string_value(json_object_get(json_object_get(auth, "query"), r));
  return q ? q : r;
}

int cfm_auth_render(const cfm_target *t, const json_t *auth, cfm_auth_mode mode, int64_t now,
                    uint32_t random, cfm_auth_out *out, cfm_error_t *err) {
  const char *scheme = json_string_value(json_object_get(auth, "scheme"));
  out->query[0] = out->header[0] = '\0';
  if (!scheme)
    return CFM_EOK;
  if (!strcmp(scheme, "tencent_usersig")) {
    const char *app = cred(t, "sdkappid"), *id = cred(t, "identifier"),
               *key = cred(t, "secret_key");
    char sig[CFM_USERSIG_MAX];
    uint64_t appid;
    if (!app || !id || !key)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : "tencent", "",
                           "credentials sdkappid, identifier and secret_key are required");
    appid = strtoull(app, NULL, 10);
    sig[0] = '\0';
    switch (mode) {
    case CFM_AUTH_VALID:
      if (cfm_usersig_sign(appid, id, key, strlen(key), now, 86400, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    case CFM_AUTH_MISSING:
      break;
    case CFM_AUTH_MALFORMED:
      snprintf(sig, sizeof(sig), "not-a-usersig");
      break;
    case CFM_AUTH_EXPIRED:
      if (cfm_usersig_sign(appid, id, key, strlen(key), now - 7200, 60, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    case CFM_AUTH_WRONG_APP:
      if (cfm_usersig_sign(appid + 1, id, key, strlen(key), now, 86400, sig, sizeof(sig)))
        return cfm_error_set(err, CFM_ECRYPTO, "usersig", "", "cannot sign");
      break;
    }
    if (mode == CFM_AUTH_MISSING)
      snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%u&%s=json", role(auth, "sdkappid"),
               app, role(auth, "identifier"), id, role(auth, "random"), (unsigned)random,
               role(auth, "contenttype"));
    else
      snprintf(out->query, sizeof(out->query), "%s=%s&%s=%s&%s=%s&%s=%u&%s=json",
               role(auth, "sdkappid"), app, role(auth, "identifier"), id, role(auth, "usersig"),
               sig, role(auth, "random"), (unsigned)random, role(auth, "contenttype"));
    return CFM_EOK;
  }
  {
    const char *header = json_string_value(json_object_get(auth, "header"));
    int bearer = !strcmp(scheme, "bearer");
    const char *tok = cred(t, bearer ? "app_token" : "access_token");
    char made[CFM_CRED_TOKEN_MAX];
    if (!header)
      header = bearer ? "Authorization" : "x-acs-dingtalk-access-token";
    if (!tok && t && cfm_target_has_credential(t, bearer ? "app_token" : "access_token")) {
      int rc = CFM_EOK;
      made[0] = '\0';
      /* Only a valid request carries the real token. */
      if (mode == CFM_AUTH_VALID &&
          (rc = provide_token(t, bearer, now, made, sizeof(made), err)) != CFM_EOK)
        return rc;
      tok = made;
    }
    if (!tok)
      return cfm_error_set(err, CFM_ECONFIG, t ? t->vendor : scheme, "",
                           "credential %s is required", bearer ? "app_token" : "access_token");
    switch (mode) {
    case CFM_AUTH_VALID:
      if ((size_t)snprintf(out->header, sizeof(out->header), "%s: %s%s", header,
                           bearer ? "Bearer " : "", tok) >= sizeof(out->header))
        return cfm_error_set(err, CFM_ETOOBIG, t ? t->vendor : scheme, "", "token too long");
      break;
    case CFM_AUTH_MISSING:
      break;
    case CFM_AUTH_MALFORMED:
      snprintf(out->header, sizeof(out->header), "%s: %s", header, bearer ? "Bearer" : "%%%");
      break;
    case CFM_AUTH_EXPIRED: /* no expiry is visible in an opaque token: an unknown one */
    case CFM_AUTH_WRONG_APP:
      snprintf(out->header, sizeof(out->header), "%s: %sconform-unknown-%s-token", header,
               bearer ? "Bearer " : "", mode == CFM_AUTH_EXPIRED ? "expired" : "other-app");
      break;
    }
  }
  return CFM_EOK;
}
