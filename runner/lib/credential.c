/* conform — credential providers (see conform/credential.h).
 *
 * Secrets pass through here: every buffer that held one is cleansed before
 * it is freed or reused, and error texts carry names (a command, a URL, an
 * HTTP status, a vendor error code), never values. */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include "conform/credential.h"

#include "conform/agora_token.h"
#include "conform/buf.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void cfm_cred_cache_init(cfm_cred_cache *c) {
  memset(c, 0, sizeof(*c));
  c->margin_s = CFM_CRED_DEFAULT_MARGIN_S;
  c->lifetime_s = CFM_CRED_DEFAULT_MINTED_LIFETIME_S;
  c->timeout_ms = CFM_CRED_DEFAULT_TIMEOUT_MS;
  c->verify_tls = 1;
}

void cfm_cred_invalidate(cfm_cred_cache *c) {
  OPENSSL_cleanse(c->token, sizeof(c->token));
  c->expires_at = c->refresh_at = 0;
}

void cfm_cred_cache_release(cfm_cred_cache *c) {
  cfm_cred_invalidate(c);
  memset(c->inputs, 0, sizeof(c->inputs));
}

/* Digest of the NULL-terminated list of inputs, each with its NUL, so a
 * cache notices a change of key or secret without keeping them. */
static int digest_inputs(unsigned char out[32], const char *const *parts) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned int n = 0;
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  for (; ok && *parts; parts++)
    ok = EVP_DigestUpdate(ctx, *parts, strlen(*parts) + 1);
  ok = ok && EVP_DigestFinal_ex(ctx, out, &n) && n == 32;
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : -1;
}

/* The cached token, when it was made from `inputs` and is not yet due for
 * refresh: copied to out, 1.  0 = get a new one; <0 = error set. */
static int cached(const cfm_cred_cache *c, const unsigned char inputs[32], int64_t now, char *out,
                  size_t cap, cfm_error_t *err) {
  size_t n = strlen(c->token);
  if (!n || now >= c->refresh_at || CRYPTO_memcmp(c->inputs, inputs, 32) != 0)
    return 0;
  if (n >= cap)
    return -cfm_error_set(err, CFM_ETOOBIG, "credentials", "", "token buffer too small");
  memcpy(out, c->token, n + 1);
  return 1;
}

/* Stores a new token lasting lifetime seconds from now, copies it to out. */
static int store(cfm_cred_cache *c, const unsigned char inputs[32], const char *token, int64_t now,
                 int64_t lifetime, char *out, size_t cap, cfm_error_t *err) {
  size_t n = strlen(token);
  int64_t margin = c->margin_s < 0 ? 0 : c->margin_s;
  if (n >= sizeof(c->token) || n >= cap)
    return cfm_error_set(err, CFM_ETOOBIG, "credentials", "", "token too long (%zu bytes)", n);
  if (margin > lifetime / 2)
    margin = lifetime / 2; /* a short-lived token is still used for a while */
  memcpy(c->token, token, n + 1);
  memcpy(c->inputs, inputs, 32);
  c->expires_at = now + lifetime;
  c->refresh_at = c->expires_at - margin;
  c->fetches++;
  memcpy(out, token, n + 1);
  return CFM_EOK;
}

/* ---- Agora ------------------------------------------------------------ */

int cfm_cred_minted_token(cfm_cred_cache *c, const char *app_id, const char *cert, int64_t now,
                          char *out, size_t cap, cfm_error_t *err) {
  const char *parts[] = {"agora", app_id, cert, NULL};
  unsigned char inputs[32];
  char tok[CFM_AGORA_TOKEN_MAX];
  uint32_t salt;
  int rc;
  if (!app_id || !*app_id || !cert || !*cert)
    return cfm_error_set(err, CFM_EUSAGE, "agora-chat", "",
                         "minting an app token needs app_id and app_certificate");
  if (c->lifetime_s < 1 || c->lifetime_s > CFM_CRED_MINTED_MAX_LIFETIME_S)
    return cfm_error_set(err, CFM_EUSAGE, "agora-chat", "",
                         "token lifetime must be 1 to %d seconds", CFM_CRED_MINTED_MAX_LIFETIME_S);
  if (now <= 0 || now > (int64_t)UINT32_MAX - c->lifetime_s)
    return cfm_error_set(err, CFM_EUSAGE, "agora-chat", "", "clock out of range");
  if (digest_inputs(inputs, parts) != 0)
    return cfm_error_set(err, CFM_ECRYPTO, "agora-chat", "", "sha-256 failed");
  rc = cached(c, inputs, now, out, cap, err);
  if (rc)
    return rc > 0 ? CFM_EOK : -rc;
  salt = cfm_agora_token_salt();
  if (!salt)
    return cfm_error_set(err, CFM_ECRYPTO, "agora-chat", "", "no random salt");
  rc = cfm_agora_token_mint(app_id, cert, NULL, (uint32_t)now, c->lifetime_s, salt, tok,
                            sizeof(tok), err);
  if (rc == CFM_EOK)
    rc = store(c, inputs, tok, now, c->lifetime_s, out, cap, err);
  OPENSSL_cleanse(tok, sizeof(tok));
  return rc;
}

/* ---- DingTalk --------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  return cfm_buf_add(ud, p, size * n) == CFM_EOK ? size * n : 0;
}

/* 1 when s is a token safe to put in a header: printable ASCII, no space. */
static int header_safe(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F)
      return 0;
  return 1;
}

/* POSTs the request; fills *status and body.  Returns a cfm_err. */
static int post_json(const cfm_cred_cache *c, const char *url, const char *json, cfm_buf *body,
                     long *status, cfm_error_t *err) {
  CURL *e;
  struct curl_slist *hdrs = NULL, *h2;
  CURLcode cc;
  int rc = CFM_EOK;
  pthread_once(&curl_once, curl_init);
  e = curl_easy_init();
  hdrs = curl_slist_append(NULL, "Content-Type: application/json");
  h2 = hdrs ? curl_slist_append(hdrs, "Accept: application/json") : NULL;
  if (!e || !h2) {
    rc = cfm_error_set(err, CFM_ENOMEM, "dingtalk-rooms", "", "cannot set up the token request");
    goto out;
  }
  hdrs = h2;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 10000L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CFM_CRED_MAX_RESPONSE);
  curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->verify_tls ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->verify_tls ? 2L : 0L);
  if (c->ca_file)
    curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
  cc = curl_easy_perform(e);
  if (cc == CURLE_OPERATION_TIMEDOUT)
    rc = cfm_error_set(err, CFM_ETIMEOUT, "dingtalk-rooms", "", "token request to '%s' timed out",
                       url);
  else if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
    rc = cfm_error_set(err, CFM_ETOOBIG, "dingtalk-rooms", "",
                       "token answer from '%s' exceeds %d bytes", url, CFM_CRED_MAX_RESPONSE);
  else if (cc != CURLE_OK)
    rc = cfm_error_set(err, CFM_ENETWORK, "dingtalk-rooms", "", "token request to '%s': %s", url,
                       curl_easy_strerror(cc));
  else
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
out:
  curl_slist_free_all(hdrs);
  if (e)
    curl_easy_cleanup(e);
  return rc;
}

int cfm_cred_fetched_token(cfm_cred_cache *c, const char *token_url, const char *app_key,
                           const char *app_secret, int64_t now, char *out, size_t cap,
                           cfm_error_t *err) {
  const char *parts[] = {"dingtalk", token_url, app_key, app_secret, NULL};
  unsigned char inputs[32];
  json_t *req = NULL, *ans = NULL, *tok, *exp;
  char *json = NULL;
  cfm_buf body;
  long status = 0;
  int rc;
  cfm_buf_init(&body, CFM_CRED_MAX_RESPONSE);
  if (!token_url || !*token_url || !app_key || !*app_key || !app_secret || !*app_secret)
    return cfm_error_set(err, CFM_EUSAGE, "dingtalk-rooms", "",
                         "fetching an access token needs a token url, app_key and app_secret");
  if (digest_inputs(inputs, parts) != 0)
    return cfm_error_set(err, CFM_ECRYPTO, "dingtalk-rooms", "", "sha-256 failed");
  rc = cached(c, inputs, now, out, cap, err);
  if (rc)
    return rc > 0 ? CFM_EOK : -rc;
  req = json_pack("{s:s, s:s}", "appKey", app_key, "appSecret", app_secret);
  json = req ? json_dumps(req, JSON_COMPACT) : NULL;
  if (!json) {
    rc = cfm_error_set(err, CFM_ENOMEM, "dingtalk-rooms", "", "out of memory");
    goto out;
  }
  rc = post_json(c, token_url, json, &body, &status, err);
  if (rc)
    goto out;
  ans = json_loadb(cfm_buf_str(&body), body.len, 0, NULL);
  if (status != 200) {
    json_t *code = json_object_get(ans, "code");
    const char *cs = json_is_string(code) ? json_string_value(code) : "";
    if (strlen(cs) > 64 || !header_safe(cs))
      cs = "";
    rc = cfm_error_set(err, CFM_ENETWORK, "dingtalk-rooms", "",
                       "token endpoint '%s' answered HTTP %ld%s%s%s", token_url, status,
                       *cs ? " (" : "", cs, *cs ? ")" : "");
    goto out;
  }
  tok = json_object_get(ans, "accessToken");
  exp = json_object_get(ans, "expireIn");
  if (!json_is_string(tok) || !*json_string_value(tok) || !header_safe(json_string_value(tok)) ||
      !json_is_integer(exp) || json_integer_value(exp) <= 0 ||
      json_integer_value(exp) > 10 * 365 * 86400LL) {
    rc = cfm_error_set(err, CFM_EPARSE, "dingtalk-rooms", "",
                       "token endpoint '%s' answered without accessToken and expireIn", token_url);
    goto out;
  }
  rc = store(c, inputs, json_string_value(tok), now, (int64_t)json_integer_value(exp), out, cap,
             err);
out:
  if (json) {
    OPENSSL_cleanse(json, strlen(json));
    free(json);
  }
  if (body.data)
    OPENSSL_cleanse(body.data, body.len);
  cfm_buf_release(&body);
  json_decref(req);
  json_decref(ans);
  return rc;
}

/* ---- command ---------------------------------------------------------- */

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kills the child's process group (and the child, should it have left the
 * group) and reaps the child. */
static void kill_and_reap(pid_t pid) {
  int st;
  kill(-pid, SIGKILL);
  kill(pid, SIGKILL);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
}

/* Reads the child's stdout into out until EOF, the cap or the deadline.
 * Returns CFM_EOK (EOF), CFM_ETIMEOUT, CFM_ETOOBIG or CFM_EIO. */
static int read_output(int fd, int64_t deadline, char *out, size_t cap, size_t *len) {
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int64_t left = deadline - mono_ms();
    ssize_t n;
    char extra;
    if (left <= 0)
      return CFM_ETIMEOUT;
    n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
    if (n < 0 && errno != EINTR)
      return CFM_EIO;
    if (n <= 0)
      continue;
    if (*len + 1 < cap)
      n = read(fd, out + *len, cap - 1 - *len);
    else if ((n = read(fd, &extra, 1)) > 0)
      return CFM_ETOOBIG;
    if (n == 0)
      return CFM_EOK;
    if (n < 0 && errno != EINTR && errno != EAGAIN)
      return CFM_EIO;
    if (n > 0)
      *len += (size_t)n;
  }
}

/* Waits for the child to exit until the deadline; 0 with *status, or -1. */
static int wait_until(pid_t pid, int64_t deadline, int *status) {
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    struct timespec nap = {0, 5 * 1000 * 1000};
    if (r == pid)
      return 0;
    if (r < 0 && errno != EINTR)
      return -1;
    if (mono_ms() >= deadline)
      return -1;
    nanosleep(&nap, NULL);
  }
}

/* Trims surrounding whitespace in place; the rest must be one line. */
static int trim_one_line(char *s, size_t len, const char *name, cfm_error_t *err) {
  size_t a = 0, b = len, i;
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n'))
    a++;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n'))
    b--;
  for (i = a; i < b; i++)
    if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
      return cfm_error_set(err, CFM_EPARSE, name, "", "command '%s' printed more than one line",
                           name);
  if (a == b)
    return cfm_error_set(err, CFM_EPARSE, name, "", "command '%s' printed nothing", name);
  memmove(s, s + a, b - a);
  s[b - a] = '\0';
  return CFM_EOK;
}

static int spawn(char *const argv[], int out_fd, pid_t *pid) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t none, dflt;
  int rc;
  sigemptyset(&none);
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGINT);
  sigaddset(&dflt, SIGTERM);
  sigaddset(&dflt, SIGHUP);
  sigaddset(&dflt, SIGCHLD);
  if (posix_spawn_file_actions_init(&fa) != 0)
    return ENOMEM;
  if (posix_spawnattr_init(&at) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return ENOMEM;
  }
  rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (!rc)
    rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  if (!rc) /* no descriptor of ours (sockets, files) leaks into the helper */
    rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
  if (!rc)
    rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF);
  if (!rc)
    rc = posix_spawnattr_setpgroup(&at, 0);
  if (!rc)
    rc = posix_spawnattr_setsigmask(&at, &none);
  if (!rc)
    rc = posix_spawnattr_setsigdefault(&at, &dflt);
  if (!rc)
    rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
  posix_spawnattr_destroy(&at);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

int cfm_cred_from_command(char *const argv[], unsigned timeout_ms, char *out, size_t cap,
                          cfm_error_t *err) {
  const char *name = argv && argv[0] ? argv[0] : "";
  int fds[2], rc, status = 0;
  pid_t pid;
  size_t len = 0;
  int64_t deadline = mono_ms() + (timeout_ms ? timeout_ms : 1);
  if (!*name || !out || cap < 2)
    return cfm_error_set(err, CFM_EUSAGE, "command", "", "a credential command needs a program");
  out[0] = '\0';
  if (pipe2(fds, O_CLOEXEC) != 0)
    return cfm_error_set(err, CFM_EIO, name, "", "cannot create a pipe: %s", strerror(errno));
  rc = spawn(argv, fds[1], &pid);
  close(fds[1]);
  if (rc) {
    close(fds[0]);
    return cfm_error_set(err, rc == ENOENT || rc == EACCES ? CFM_ENOTFOUND : CFM_EIO, name, "",
                         "cannot run command '%s': %s", name, strerror(rc));
  }
  rc = read_output(fds[0], deadline, out, cap, &len);
  close(fds[0]);
  if (rc == CFM_EOK && wait_until(pid, deadline, &status) != 0)
    rc = CFM_ETIMEOUT;
  if (rc != CFM_EOK) {
    kill_and_reap(pid);
    OPENSSL_cleanse(out, cap);
    out[0] = '\0';
    if (rc == CFM_ETIMEOUT)
      return cfm_error_set(err, rc, name, "", "command '%s' did not finish within %u ms", name,
                           timeout_ms);
    if (rc == CFM_ETOOBIG)
      return cfm_error_set(err, rc, name, "", "command '%s' printed more than %zu bytes", name,
                           cap - 1);
    return cfm_error_set(err, rc, name, "", "cannot read the output of command '%s'", name);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    OPENSSL_cleanse(out, cap);
    out[0] = '\0';
    if (WIFSIGNALED(status))
      return cfm_error_set(err, CFM_EIO, name, "", "command '%s' was killed by signal %d", name,
                           WTERMSIG(status));
    return cfm_error_set(err, CFM_EIO, name, "", "command '%s' exited with status %d", name,
                         WEXITSTATUS(status));
  }
  rc = trim_one_line(out, len, name, err);
  if (rc) {
    OPENSSL_cleanse(out, cap);
    out[0] = '\0';
  }
  return rc;
}

/* ---- config helpers --------------------------------------------------- */

int cfm_cred_from_command_json(const json_t *source, char *out, size_t cap, cfm_error_t *err) {
  char *argv[CFM_CRED_COMMAND_MAX_ARGS + 1];
  const json_t *cmd = json_object_get(source, "command"),
               *to = json_object_get(source, "timeout_ms");
  const char *key;
  json_t *v;
  size_t i, n;
  json_int_t timeout = CFM_CRED_DEFAULT_TIMEOUT_MS;
  if (!json_is_object(source))
    return cfm_error_set(err, CFM_ECONFIG, "", "", "a command source must be an object");
  json_object_foreach((json_t *)source, key, v) {
    if (strcmp(key, "command") && strcmp(key, "timeout_ms"))
      return cfm_error_set(err, CFM_ECONFIG, "", "", "unknown key '%.64s' (command, timeout_ms)",
                           key);
  }
  n = json_array_size(cmd);
  if (!json_is_array(cmd) || n == 0 || n > CFM_CRED_COMMAND_MAX_ARGS)
    return cfm_error_set(err, CFM_ECONFIG, "", "/command",
                         "must be an array of 1 to %d strings: the program, then its arguments",
                         CFM_CRED_COMMAND_MAX_ARGS);
  for (i = 0; i < n; i++) {
    const json_t *a = json_array_get(cmd, i);
    char where[32];
    snprintf(where, sizeof(where), "/command/%zu", i);
    if (!json_is_string(a) || json_string_length(a) > CFM_CRED_COMMAND_MAX_ARG ||
        strlen(json_string_value(a)) != json_string_length(a) || (i == 0 && !json_string_length(a)))
      return cfm_error_set(err, CFM_ECONFIG, "", where,
                           i ? "must be a string without NUL of at most %d bytes"
                             : "must name a program (at most %d bytes)",
                           CFM_CRED_COMMAND_MAX_ARG);
    argv[i] = (char *)(uintptr_t)json_string_value(a);
  }
  argv[n] = NULL;
  if (to) {
    if (!json_is_integer(to) || json_integer_value(to) < 1 ||
        json_integer_value(to) > CFM_CRED_COMMAND_MAX_TIMEOUT_MS)
      return cfm_error_set(err, CFM_ECONFIG, "", "/timeout_ms", "must be an integer in 1..%d",
                           CFM_CRED_COMMAND_MAX_TIMEOUT_MS);
    timeout = json_integer_value(to);
  }
  return cfm_cred_from_command(argv, (unsigned)timeout, out, cap, err);
}

int cfm_cred_region_url(const json_t *hosts, const char *region, char *out, size_t cap,
                        cfm_error_t *err) {
  char known[160] = "";
  size_t i, used = 0;
  json_t *h;
  json_array_foreach((json_t *)hosts, i, h) {
    const char *r = json_string_value(json_object_get(h, "region"));
    const char *host = json_string_value(json_object_get(h, "host"));
    if (!r || !host)
      continue;
    if (region && !strcmp(r, region)) {
      if ((size_t)snprintf(out, cap, "https://%s", host) >= cap)
        return cfm_error_set(err, CFM_ETOOBIG, "", "", "host name too long");
      return CFM_EOK;
    }
    if (used < sizeof(known))
      used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", r);
  }
  return cfm_error_set(err, CFM_ENOTFOUND, "", "/region", "unknown region '%.64s' (known: %s)",
                       region ? region : "", *known ? known : "none");
}
