/* conform mock — serve the reference mock of all three vendors. */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void usage(FILE *f) {
  fputs("usage: conform mock [--listen 127.0.0.1:PORT] [--fault NAME]... [--rate-limits]\n"
        "       conform mock --list-faults\n\n"
        "Serves Tencent Cloud IM, Agora Chat and DingTalk group APIs from one\n"
        "loopback listener (port 0 = ephemeral; the chosen port is printed).\n"
        "Demo credentials are in docs/mock.md; override them with the environment:\n"
        "CONFORM_MOCK_TENCENT_KEY, CONFORM_MOCK_AGORA_TOKEN, CONFORM_MOCK_DINGTALK_TOKEN.\n"
        "--fault makes the mock break one documented statement (repeatable).\n"
        "--rate-limits enforces the documented call rates.\n"
        "Runs until SIGINT or SIGTERM.\n",
        f);
}

int cmd_mock(int argc, char **argv) {
  cfm_mock_config cfg;
  cfm_mock *m = NULL;
  const char *faults[65];
  size_t nf = 0;
  char err[256], host[64];
  int i;
  cfm_mock_config_init(&cfg);
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (!strcmp(argv[i], "--list-faults")) {
      const cfm_mock_fault *f;
      for (f = cfm_mock_faults(); f->name; f++)
        printf("%-36s %-15s %s\n", f->name, f->vendor, f->statement);
      return CFM_EXIT_OK;
    } else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
      const char *colon = strrchr(argv[++i], ':');
      char *end;
      long port;
      if (!colon || (size_t)(colon - argv[i]) >= sizeof(host)) {
        cfm_cli_error("--listen wants HOST:PORT, got '%s'", argv[i]);
        return CFM_EXIT_USAGE;
      }
      port = strtol(colon + 1, &end, 10);
      if (*end || port < 0 || port > 65535) {
        cfm_cli_error("bad port in '%s'", argv[i]);
        return CFM_EXIT_USAGE;
      }
      snprintf(host, sizeof(host), "%.*s", (int)(colon - argv[i]), argv[i]);
      cfg.listen_host = host;
      cfg.port = (uint16_t)port;
    } else if (!strcmp(argv[i], "--fault") && i + 1 < argc) {
      if (nf == 64) {
        cfm_cli_error("too many faults");
        return CFM_EXIT_USAGE;
      }
      faults[nf++] = argv[++i];
    } else if (!strcmp(argv[i], "--rate-limits")) {
      cfg.enforce_rate_limits = 1;
    } else {
      cfm_cli_error("mock: unknown argument '%s'", argv[i]);
      usage(stderr);
      return CFM_EXIT_USAGE;
    }
  }
  faults[nf] = NULL;
  cfg.faults = faults;
  if (getenv("CONFORM_MOCK_TENCENT_KEY"))
    cfg.tencent_key = getenv("CONFORM_MOCK_TENCENT_KEY");
  if (getenv("CONFORM_MOCK_AGORA_TOKEN"))
    cfg.agora_token = getenv("CONFORM_MOCK_AGORA_TOKEN");
  if (getenv("CONFORM_MOCK_DINGTALK_TOKEN"))
    cfg.dingtalk_token = getenv("CONFORM_MOCK_DINGTALK_TOKEN");
  if (cfm_mock_start(&cfg, &m, err, sizeof(err)) != 0) {
    cfm_cli_error("%s", err);
    return strstr(err, "unknown fault") ? CFM_EXIT_USAGE : CFM_EXIT_INTERNAL;
  }
  {
    /* Block both signals, then wait for them atomically (no lost wake-up
     * between the test of stop and the wait). */
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
    /* Only now: a client that reads this line may send SIGTERM at once. */
    printf("listening on http://%s:%u\n", cfg.listen_host, (unsigned)cfm_mock_port(m));
    fflush(stdout);
    while (!stop)
      sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
  }
  cfm_mock_stop(m);
  fprintf(stderr, "conform: mock stopped\n");
  return CFM_EXIT_OK;
}
