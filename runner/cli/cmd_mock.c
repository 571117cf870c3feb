/* conform mock — serve the reference mock of all three vendors. */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conform/mock.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* Checks a --listen value: HOST:PORT, HOST an IPv4 loopback address,
 * PORT 0-65535 in digits.  Fills host (cap bytes) and port, or writes why
 * not into why and returns -1. */
static int parse_listen(const char *arg, char *host, size_t cap, unsigned *port, char *why,
                        size_t whycap) {
  const char *colon = strrchr(arg, ':'), *p;
  struct in_addr a;
  unsigned long v = 0;
  if (!colon || colon == arg || (size_t)(colon - arg) >= cap) {
    snprintf(why, whycap, "--listen wants HOST:PORT, got '%s'", arg);
    return -1;
  }
  for (p = colon + 1; *p; p++) {
    if (*p < '0' || *p > '9' || p - colon > 5) {
      snprintf(why, whycap, "--listen: bad port in '%s' (0-65535)", arg);
      return -1;
    }
    v = v * 10 + (unsigned long)(*p - '0');
  }
  if (p == colon + 1 || v > 65535) {
    snprintf(why, whycap, "--listen: bad port in '%s' (0-65535)", arg);
    return -1;
  }
  snprintf(host, cap, "%.*s", (int)(colon - arg), arg);
  if (inet_pton(AF_INET, host, &a) != 1) {
    snprintf(why, whycap, "--listen: '%s' is not an IPv4 address", host);
    return -1;
  }
  if ((ntohl(a.s_addr) >> 24) != 127) {
    snprintf(why, whycap,
             "--listen: '%s' is not a loopback address; the mock serves 127.0.0.0/8 only", host);
    return -1;
  }
  *port = (unsigned)v;
  return 0;
}

/* A fixed port already taken is a usage error (exit 2), told apart from
 * an internal failure by binding it once ourselves. */
static int port_in_use(const char *host, unsigned port) {
  struct sockaddr_in sa;
  int fd, rc = 0, one = 1;
  if (port == 0)
    return 0;
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, host, &sa.sin_addr);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && (errno == EADDRINUSE || errno == EACCES))
    rc = errno;
  close(fd);
  return rc;
}

/* Raises the descriptor limit to its hard maximum: the mock's connection
 * cap follows it, so slow clients cannot take every connection. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static void usage(FILE *f) {
  fputs("usage: conform mock [--listen 127.0.0.1:PORT] [--fault NAME]... [--rate-limits]\n"
        "                   [--reading faithful|alt]\n"
        "       conform mock --list-faults\n\n"
        "Serves Tencent Cloud IM, Agora Chat and DingTalk group APIs from one\n"
        "loopback listener (port 0 = ephemeral; the chosen port is printed).\n"
        "Demo credentials are in docs/mock.md; override them with the environment:\n"
        "CONFORM_MOCK_TENCENT_KEY, CONFORM_MOCK_AGORA_TOKEN, CONFORM_MOCK_DINGTALK_TOKEN.\n"
        "--fault makes the mock break one documented statement (repeatable).\n"
        "--rate-limits enforces the documented call rates.\n"
        "--reading alt answers the other way wherever the documents leave it open\n"
        "(docs/mock.md, Alternative readings; default: faithful).\n"
        "Runs until SIGINT or SIGTERM.\n",
        f);
}

/* Starts the mock on cfg and serves until SIGINT or SIGTERM.  Returns the
 * exit code. */
static int serve(cfm_mock_config *cfg) {
  cfm_mock *m = NULL;
  char err[256];
  /* Block both signals before the port is announced (a client that
   * reads it may signal at once), then wait for them atomically (no
   * lost wake-up between the test of stop and the wait). */
  sigset_t block, old;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (cfm_mock_start(cfg, &m, err, sizeof(err)) != 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    cfm_cli_error("%s", err);
    return strstr(err, "unknown fault") || strstr(err, "cannot listen") ? CFM_EXIT_USAGE
                                                                        : CFM_EXIT_INTERNAL;
  }
  printf("listening on http://%s:%u\n", cfg->listen_host, (unsigned)cfm_mock_port(m));
  fflush(stdout);
  while (!stop)
    sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  cfm_mock_stop(m);
  fprintf(stderr, "conform: mock stopped\n");
  return CFM_EXIT_OK;
}

int cmd_mock(int argc, char **argv) {
  cfm_mock_config cfg;
  const char *faults[65];
  size_t nf = 0;
  char err[256], host[64];
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"list-faults", no_argument, NULL, 'L'},
                                     {"listen", required_argument, NULL, 'l'},
                                     {"fault", required_argument, NULL, 'f'},
                                     {"rate-limits", no_argument, NULL, 'R'},
                                     {"reading", required_argument, NULL, 'r'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"mock", "h", lo, 0, ""};
  int c;
  cfm_mock_config_init(&cfg);
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'L') {
      const cfm_mock_fault *f;
      for (f = cfm_mock_faults(); f->name; f++)
        printf("%-36s %-15s %s\n", f->name, f->vendor, f->statement);
      return CFM_EXIT_OK;
    } else if (c == 'l') {
      unsigned port;
      if (parse_listen(optarg, host, sizeof(host), &port, err, sizeof(err)) != 0)
        return cfm_cli_usage_error("mock", "%s", err);
      cfg.listen_host = host;
      cfg.port = (uint16_t)port;
    } else if (c == 'f') {
      if (nf == 64)
        return cfm_cli_usage_error("mock", "too many faults (at most 64)");
      faults[nf++] = optarg;
    } else if (c == 'R') {
      cfg.enforce_rate_limits = 1;
    } else if (c == 'r') {
      if (strcmp(optarg, "alt") && strcmp(optarg, "faithful"))
        return cfm_cli_usage_error("mock", "--reading takes 'faithful' or 'alt', not '%s'", optarg);
      cfg.reading_alt = !strcmp(optarg, "alt");
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return cfm_cli_usage_error("mock", "unexpected argument '%s'", argv[optind]);
  faults[nf] = NULL;
  cfg.faults = faults;
  if (getenv("CONFORM_MOCK_TENCENT_KEY"))
    cfg.tencent_key = getenv("CONFORM_MOCK_TENCENT_KEY");
  if (getenv("CONFORM_MOCK_AGORA_TOKEN"))
    cfg.agora_token = getenv("CONFORM_MOCK_AGORA_TOKEN");
  if (getenv("CONFORM_MOCK_DINGTALK_TOKEN"))
    cfg.dingtalk_token = getenv("CONFORM_MOCK_DINGTALK_TOKEN");
  {
    int e = port_in_use(cfg.listen_host, cfg.port);
    if (e) {
      cfm_cli_error("cannot listen on %s:%u: %s", cfg.listen_host, (unsigned)cfg.port, strerror(e));
      return CFM_EXIT_USAGE;
    }
  }
  raise_fd_limit();
  return serve(&cfg);
}
