/* conform tests — the hostile loopback target (see helper_hostile.h). */
#include "helper_hostile.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_REQUEST (256u * 1024u)
#define MAX_CREDS 512

struct cfm_hostile {
  int fd;
  unsigned port;
  pthread_t thread;
  volatile int stop;
  pthread_mutex_t lock;
  size_t requests;
  char *creds[MAX_CREDS];
  size_t ncreds;
};

/* A forged terminal line, escape sequences and U+FFFE, JSON-escaped. */
#define FORGED_JSON                                                                                \
  "\\u001b[2K\\r\\nconform: 999 cases in 0.001 s: 999 pass, 0 warn, 0 skip, 0 fail, 0 error\\n"    \
  "\\u001b]0;owned\\u0007\\u001b[32m\xEF\xBF\xBE\xEF\xBF\xBF"
/* The same as raw bytes (not valid inside a JSON string). */
#define FORGED_RAW                                                                                 \
  "\033[2K\r\nconform: 999 cases in 0.001 s: 999 pass, 0 warn, 0 skip, 0 fail, 0 error\n"          \
  "\033]0;owned\007\033[32m\xEF\xBF\xBE\xEF\xBF\xBF\x01"

static void keep_cred(cfm_hostile *h, const char *v, size_t n) {
  size_t i;
  if (n < 24 || !strncmp(v, "not-a-usersig", 13))
    return; /* the deliberately broken usersigs of the auth cases are no secret */
  pthread_mutex_lock(&h->lock);
  for (i = 0; i < h->ncreds; i++)
    if (strlen(h->creds[i]) == n && !memcmp(h->creds[i], v, n))
      break;
  if (i == h->ncreds && h->ncreds < MAX_CREDS)
    h->creds[h->ncreds++] = strndup(v, n);
  pthread_mutex_unlock(&h->lock);
}

static int hexval(int c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static void url_decode(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0, i;
  for (i = 0; i < n && o + 1 < cap; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
}

/* The value of header name in the request head (n bytes), into out. */
static int header(const char *head, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  const char *p = head;
  while ((p = strstr(p, "\r\n")) != NULL) {
    p += 2;
    if (!strncasecmp(p, name, nl) && p[nl] == ':') {
      const char *v = p + nl + 1, *e;
      while (*v == ' ')
        v++;
      e = strstr(v, "\r\n");
      if (!e)
        return 0;
      snprintf(out, cap, "%.*s", (int)(e - v), v);
      return 1;
    }
  }
  return 0;
}

static void json_slash(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (; *s && o + 3 < cap; s++) {
    if (*s == '/' || *s == '"' || *s == '\\')
      out[o++] = '\\';
    out[o++] = *s;
  }
  out[o] = '\0';
}

static void url_encode(const char *s, char *out, size_t cap) {
  size_t o = 0;
  for (; *s && o + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
  }
  out[o] = '\0';
}

static void base64(const char *s, char *out, size_t cap) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(s), i, o = 0;
  for (i = 0; i < n && o + 5 < cap; i += 3) {
    unsigned v = (unsigned)(unsigned char)s[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)(unsigned char)s[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)s[i + 2];
    out[o++] = a[(v >> 18) & 63];
    out[o++] = a[(v >> 12) & 63];
    out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < n ? a[v & 63] : '=';
  }
  out[o] = '\0';
}

static void send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0)
      return;
    p += k;
    n -= (size_t)k;
  }
}

static void respond(int fd, int status, const char *extra_headers, const char *body) {
  char head[4096];
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d Hostile\r\nContent-Type: application/json\r\n%sContent-Length: "
                   "%zu\r\nConnection: close\r\n\r\n",
                   status, extra_headers, strlen(body));
  send_all(fd, head, (size_t)n);
  send_all(fd, body, strlen(body));
}

/* Answers one request: the credential it carried, echoed in every form. */
static void answer(cfm_hostile *h, int fd, const char *req) {
  char path[8192] = "", cred[4096] = "", js[8200], ue[12300], b64[5500], body[65536], loc[12400];
  const char *sp = strchr(req, ' '), *sig;
  size_t k;
  if (sp)
    sscanf(sp + 1, "%8191s", path);
  if ((sig = strstr(path, "usersig=")) != NULL) {
    size_t n = strcspn(sig + 8, "&");
    url_decode(sig + 8, n, cred, sizeof(cred));
    keep_cred(h, sig + 8, n);
  } else if (header(req, "Authorization", cred, sizeof(cred)) ||
             header(req, "x-acs-dingtalk-access-token", cred, sizeof(cred))) {
    if (!strncmp(cred, "Bearer ", 7))
      memmove(cred, cred + 7, strlen(cred + 7) + 1);
  }
  if (sig)
    keep_cred(h, cred, strlen(cred));
  json_slash(cred, js, sizeof(js));
  url_encode(cred, ue, sizeof(ue));
  base64(cred, b64, sizeof(b64));
  pthread_mutex_lock(&h->lock);
  k = h->requests++;
  pthread_mutex_unlock(&h->lock);
  switch (k % 5) {
  case 0: /* a documented-looking error whose message is the credential */
    if (!strncmp(path, "/v4/", 4))
      snprintf(body, sizeof(body),
               "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":70001,\"ErrorInfo\":\"usersig %s json %s "
               "url %s b64 %s " FORGED_JSON "\"}",
               js, js, ue, b64);
    else if (!strncmp(path, "/v1.0/", 6))
      snprintf(
          body, sizeof(body),
          "{\"code\":\"InvalidAuthentication\",\"message\":\"token %s url %s b64 %s " FORGED_JSON
          "\",\"requestid\":\"x\"}",
          js, ue, b64);
    else
      snprintf(body, sizeof(body),
               "{\"error\":\"unauthorized\",\"exception\":\"UnauthorizedException\","
               "\"error_description\":\"token %s url %s b64 %s " FORGED_JSON "\"}",
               js, ue, b64);
    respond(fd, strncmp(path, "/v4/", 4) ? 401 : 200, "", body);
    break;
  case 1: /* success with ids that carry the credential and a shell command */
    snprintf(body, sizeof(body),
             "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"GroupId\":\"@TGS#2C'$(touch "
             "/tmp/cfm-hostile-pwned)'%s\",\"data\":{\"groupid\":\"'$(touch "
             "/tmp/cfm-hostile-pwned)'%s\"},\"success\":true,\"result\":{\"openConversationId\":"
             "\"%s\"}}",
             js, js, js);
    respond(fd, 200, "", body);
    break;
  case 2: /* invalid JSON labelled as JSON, with raw control bytes */
    snprintf(body, sizeof(body), "{\"error\":\"%s " FORGED_RAW " %s", cred, b64);
    respond(fd, 400, "", body);
    break;
  case 3: /* a redirect to a URL that carries the credential */
    snprintf(loc, sizeof(loc), "Location: http://127.0.0.1:1/steal?c=%s\r\n", ue);
    snprintf(body, sizeof(body), "{\"moved\":\"%s\"}", js);
    respond(fd, 301, loc, body);
    break;
  default: /* the credential cut at 12 bytes at the very end of a long body */
    memset(body, ' ', 390);
    snprintf(body + 390, sizeof(body) - 390, "\"%.12s", cred);
    respond(fd, 500, "", body);
    break;
  }
}

static void serve_one(cfm_hostile *h, int fd) {
  char *req = malloc(MAX_REQUEST + 1);
  size_t got = 0;
  struct timeval tv = {2, 0};
  if (!req)
    return;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  while (got < MAX_REQUEST) {
    ssize_t n = recv(fd, req + got, MAX_REQUEST - got, 0);
    char *end;
    if (n <= 0)
      break;
    got += (size_t)n;
    req[got] = '\0';
    if ((end = strstr(req, "\r\n\r\n")) != NULL) {
      char cl[32];
      size_t want = (size_t)(end + 4 - req);
      *end = '\0';
      if (header(req, "Content-Length", cl, sizeof(cl)))
        want += (size_t)strtoul(cl, NULL, 10);
      *end = '\r';
      if (got >= want || want > MAX_REQUEST)
        break;
    }
  }
  req[got] = '\0';
  if (got)
    answer(h, fd, req);
  free(req);
}

static void *loop(void *arg) {
  cfm_hostile *h = arg;
  while (!h->stop) {
    struct pollfd p = {h->fd, POLLIN, 0};
    int c;
    if (poll(&p, 1, 100) <= 0)
      continue;
    c = accept(h->fd, NULL, NULL);
    if (c < 0)
      continue;
    serve_one(h, c);
    close(c);
  }
  return NULL;
}

cfm_hostile *cfm_hostile_start(void) {
  cfm_hostile *h = calloc(1, sizeof(*h));
  struct sockaddr_in sa;
  socklen_t sl = sizeof(sa);
  if (!h)
    return NULL;
  pthread_mutex_init(&h->lock, NULL);
  h->fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
      listen(h->fd, 256) != 0 || getsockname(h->fd, (struct sockaddr *)&sa, &sl) != 0) {
    if (h->fd >= 0)
      close(h->fd);
    free(h);
    return NULL;
  }
  h->port = ntohs(sa.sin_port);
  if (pthread_create(&h->thread, NULL, loop, h) != 0) {
    close(h->fd);
    free(h);
    return NULL;
  }
  return h;
}

unsigned cfm_hostile_port(const cfm_hostile *h) {
  return h->port;
}

size_t cfm_hostile_requests(const cfm_hostile *h) {
  return h->requests;
}

const char *cfm_hostile_credential(const cfm_hostile *h, size_t i) {
  return i < h->ncreds ? h->creds[i] : NULL;
}

void cfm_hostile_stop(cfm_hostile *h) {
  size_t i;
  if (!h)
    return;
  h->stop = 1;
  pthread_join(h->thread, NULL);
  close(h->fd);
  for (i = 0; i < h->ncreds; i++)
    free(h->creds[i]);
  pthread_mutex_destroy(&h->lock);
  free(h);
}
