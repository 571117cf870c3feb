/* conform proxy: forward live traffic to the vendors unchanged and judge
 * each exchange off the request path (docs/passive.md).  Reports in the
 * formats and with the exit codes of `conform run`. */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/proxy.h"

static volatile sig_atomic_t stop_asked, roll_asked;

static void on_stop(int sig) {
  (void)sig;
  stop_asked = 1;
}

static void on_hup(int sig) {
  (void)sig;
  roll_asked = 1;
}

static void usage(FILE *f) {
  fputs("usage: conform proxy --upstream VENDOR=URL... [options]\n"
        "\n"
        "Forwards every request it receives to the vendor's upstream unchanged and\n"
        "judges each exchange against the documents off the request path (a bounded\n"
        "queue; when it is full exchanges are counted as dropped, traffic never waits).\n"
        "\n"
        "  --listen HOST:PORT   listen address (default 127.0.0.1:0; [::1]:PORT for IPv6;\n"
        "                       port 0 = ephemeral, the chosen one is printed)\n"
        "  --allow-remote       permit a --listen address off the loopback\n"
        "  --upstream VENDOR=URL  where VENDOR's requests go (repeatable; with several,\n"
        "                       a request goes to the vendor whose operation it calls)\n"
        "  --config FILE        targets (base_url: upstreams) and secrets to redact\n"
        "  --specs-dir DIR      specs to judge against (default: the shipped specs)\n"
        "  --reports DIR        write reports under DIR (default: reports)\n"
        "  --no-reports         write no report files\n"
        "  --baseline FILE      failures this baseline accepts do not count\n"
        "  --roll-every N       start a new report after N exchanges\n"
        "  --roll-seconds S     start a new report after S seconds (and on SIGHUP)\n"
        "  --queue N            exchanges waiting to be judged (default 1024)\n"
        "  --max-body BYTES     cap on a request or response body (default 4 MiB)\n"
        "  -h, --help           this help\n"
        "\n"
        "Runs until SIGINT or SIGTERM, then judges what is queued and writes the\n"
        "final report.  Exit codes: 0 no failure, 1 contract failures, 2 usage,\n"
        "3 invalid spec/config, 5 internal error, 6 exchanges judged error.\n",
        f);
}

typedef struct proxy_args {
  cfm_proxy_options opt;
  const char *config, *baseline, *reports;
  const char *ups[64];
  int nups;
  char host[64];
} proxy_args;

/* Parses HOST:PORT or [IPv6]:PORT into a->host (brackets dropped) and
 * a->opt.port.  Returns 0 or -1. */
static int parse_listen(proxy_args *a, const char *arg) {
  const char *colon = strrchr(arg, ':'), *host = arg;
  size_t len = colon ? (size_t)(colon - arg) : 0;
  char *end;
  unsigned long v;
  if (arg[0] == '[') { /* [::1]:PORT */
    if (len < 3 || colon[-1] != ']')
      return -1;
    host = arg + 1;
    len -= 2;
  } else if (colon && memchr(arg, ':', len)) {
    return -1; /* an IPv6 address needs its brackets */
  }
  if (!colon || !len || len >= sizeof(a->host) || !colon[1])
    return -1;
  v = strtoul(colon + 1, &end, 10);
  if (*end || v > 65535 || colon[1] == '-' || colon[1] == '+')
    return -1;
  snprintf(a->host, sizeof(a->host), "%.*s", (int)len, host);
  a->opt.listen_host = a->host;
  a->opt.port = (uint16_t)v;
  return 0;
}

/* A positive count.  Returns 0 or -1. */
static int parse_count(const char *s, size_t *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (!*s || *end || *s == '-' || v == 0 || v > 1000000000ull)
    return -1;
  *out = (size_t)v;
  return 0;
}

static int parse(int argc, char **argv, proxy_args *a) {
  static const struct option lo[] = {{"listen", required_argument, NULL, 'l'},
                                     {"allow-remote", no_argument, NULL, 'A'},
                                     {"upstream", required_argument, NULL, 'u'},
                                     {"config", required_argument, NULL, 'c'},
                                     {"specs-dir", required_argument, NULL, 's'},
                                     {"reports", required_argument, NULL, 'r'},
                                     {"no-reports", no_argument, NULL, 'n'},
                                     {"baseline", required_argument, NULL, 'b'},
                                     {"roll-every", required_argument, NULL, 'E'},
                                     {"roll-seconds", required_argument, NULL, 'S'},
                                     {"queue", required_argument, NULL, 'q'},
                                     {"max-body", required_argument, NULL, 'm'},
                                     {"help", no_argument, NULL, 'h'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"proxy", "h", lo, 0, ""};
  size_t n;
  int c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    switch (c) {
    case 'l':
      if (parse_listen(a, optarg))
        return cfm_cli_usage_error("proxy", "--listen wants HOST:PORT or [IPV6]:PORT, got '%s'",
                                   optarg);
      break;
    case 'A':
      a->opt.allow_remote = 1;
      break;
    case 'u':
      if (a->nups == 64)
        return cfm_cli_usage_error("proxy", "too many --upstream (at most 64)");
      a->ups[a->nups++] = optarg;
      break;
    case 'c':
      a->config = optarg;
      break;
    case 's':
      cfm_cli_set_specs_dir(optarg);
      break;
    case 'r':
      a->reports = optarg;
      break;
    case 'n':
      a->reports = NULL;
      break;
    case 'b':
      a->baseline = optarg;
      break;
    case 'E':
    case 'q':
    case 'm':
      if (parse_count(optarg, &n))
        return cfm_cli_usage_error("proxy", "--%s wants a positive number, got '%s'",
                                   c == 'E'   ? "roll-every"
                                   : c == 'q' ? "queue"
                                              : "max-body",
                                   optarg);
      *(c == 'E' ? &a->opt.roll_every : c == 'q' ? &a->opt.queue_cap : &a->opt.max_body) = n;
      break;
    case 'S':
      if (parse_count(optarg, &n))
        return cfm_cli_usage_error("proxy", "--roll-seconds wants a positive number, got '%s'",
                                   optarg);
      a->opt.roll_seconds = (double)n;
      break;
    case 'h':
      usage(stdout);
      return -1;
    default: /* cfm_cli_getopt printed the error and the Try line */
      return CFM_EXIT_USAGE;
    }
  }
  if (optind < argc)
    return cfm_cli_usage_error("proxy", "unexpected argument '%s'", argv[optind]);
  return CFM_EXIT_OK;
}

/* Serves until SIGINT/SIGTERM; SIGHUP rolls the report.  The signals are
 * blocked before the port is announced and waited for atomically. */
static void serve(cfm_proxy *px, const char *host) {
  sigset_t block, old;
  struct sigaction sa, hup;
  memset(&sa, 0, sizeof(sa));
  memset(&hup, 0, sizeof(hup));
  sa.sa_handler = on_stop;
  hup.sa_handler = on_hup;
  sigemptyset(&sa.sa_mask);
  sigemptyset(&hup.sa_mask);
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &old);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &hup, NULL);
  stop_asked = roll_asked = 0;
  if (strchr(host, ':'))
    printf("listening on http://[%s]:%u\n", host, (unsigned)cfm_proxy_port(px));
  else
    printf("listening on http://%s:%u\n", host, (unsigned)cfm_proxy_port(px));
  fflush(stdout);
  while (!stop_asked) {
    if (roll_asked) {
      roll_asked = 0;
      cfm_proxy_roll(px);
      continue;
    }
    sigsuspend(&old);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
}

static int outcome(const cfm_proxy_stats *st) {
  fprintf(stderr,
          "conform: proxy: %zu exchanges forwarded (%zu upstream errors, %zu refused), %zu judged, "
          "%zu dropped (queue full); %zu report%s\n",
          st->forwarded, st->upstream_errors, st->refused, st->judged, st->dropped, st->reports,
          st->reports == 1 ? "" : "s");
  if (st->report_failed) {
    cfm_cli_error("a report could not be written completely");
    return CFM_EXIT_INTERNAL;
  }
  if (st->counts[CFM_VERDICT_FAIL] > st->baselined)
    return CFM_EXIT_FAIL;
  return st->counts[CFM_VERDICT_ERROR] ? CFM_EXIT_INCOMPLETE : CFM_EXIT_OK;
}

static int run_proxy(proxy_args *a, cfm_specset *set, cfm_config *cfg, cfm_baseline *bl) {
  cfm_proxy *px;
  cfm_proxy_stats st;
  cfm_error_t err;
  cfm_error_init(&err);
  a->opt.set = set;
  a->opt.cfg = cfg;
  a->opt.baseline = bl;
  a->opt.reports_dir = a->reports;
  a->opt.term = stderr;
  a->opt.term_is_tty = isatty(2) ? CFM_TERM_COLOUR : 0;
  if (cfm_proxy_start(&a->opt, &px, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return err.code == CFM_EUSAGE    ? CFM_EXIT_USAGE
           : err.code == CFM_ECONFIG ? CFM_EXIT_SPEC
                                     : CFM_EXIT_INTERNAL;
  }
  serve(px, a->opt.listen_host ? a->opt.listen_host : "127.0.0.1");
  fprintf(stderr, "conform: proxy: stopping; judging what is queued\n");
  cfm_proxy_stop(px, &st);
  return outcome(&st);
}

int cmd_proxy(int argc, char **argv) {
  proxy_args a;
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_baseline *bl = NULL;
  cfm_error_t err;
  int rc, i;
  memset(&a, 0, sizeof(a));
  a.reports = "reports";
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  if ((rc = parse(argc, argv, &a)) != 0)
    return rc < 0 ? CFM_EXIT_OK : rc;
  if (cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK ||
      cfm_specset_check(&set, &err) != CFM_EOK ||
      (a.config && cfm_config_load(&cfg, a.config, &err) != CFM_EOK) ||
      (a.baseline && cfm_baseline_load(a.baseline, &bl, &err) != CFM_EOK)) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  for (i = 0; i < a.nups; i++)
    if (cfm_config_set_target_url(&cfg, a.ups[i], &err) != CFM_EOK) {
      rc = cfm_cli_usage_error("proxy", "--upstream: %s", err.text);
      goto out;
    }
  if (cfm_config_check(&cfg, &set, &err) != CFM_EOK) {
    rc = err.code == CFM_EUSAGE ? cfm_cli_usage_error("proxy", "%s", err.text)
                                : cfm_cli_input_failure(&err);
    goto out;
  }
  rc = run_proxy(&a, &set, &cfg, bl);
out:
  cfm_baseline_free(bl);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
  return rc;
}
