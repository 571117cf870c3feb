/* conform fuzz — contract fuzzing of the endpoint (conform/efuzz.h):
 * seeded valid and near-valid requests and call sequences, shrunk
 * failures saved as case files, --replay to run one again. */
#include "cli.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conform/efuzz.h"
#include "conform/fileio.h"
#include "conform/mock.h"

#define FUZZ_MAX_FAULTS 32

static void usage(FILE *f) {
  fputs("usage: conform fuzz [options] [SPEC|DIR...]\n\n"
        "Generates valid and near-valid requests and call sequences from the specs\n"
        "and judges every answer (no 5xx, documented errors, valid requests succeed,\n"
        "near-valid ones are refused as documented, read-back agrees).  The first\n"
        "failure is shrunk and saved as a case file.  Default target: the embedded\n"
        "mock, in process.\n\n"
        "  --seed N             the PRNG seed (default 1): same seed, same requests\n"
        "  --budget N           requests to generate (default 10000)\n"
        "  --time S             stop after S seconds too\n"
        "  --vendor NAME        only this vendor\n"
        "  --target VENDOR=URL  fuzz VENDOR at URL (loopback only unless --allow-remote)\n"
        "  --config FILE        targets, credentials, variables (docs/config.md)\n"
        "  --allow-remote       permit targets off the loopback (the volume is printed first)\n"
        "  --max-rps N          requests/s against URL targets (default 5 remote, none local)\n"
        "  --mock-fault NAME    the embedded mock answers with this fault (repeatable)\n"
        "  --mock-reading R     faithful (default) or alt: the embedded mock's reading\n"
        "                       of what the documents leave open (docs/mock.md)\n"
        "  --out FILE           where the shrunk case goes (default fuzz-case.json)\n"
        "  --replay FILE        run a saved case once: exit 1 when it still fails\n"
        "  --keep-going         count every failing trial (the first is saved)\n"
        "  --max-shrink N       re-executions spent shrinking (default 400)\n"
        "  --specs-dir DIR      the shipped specs\n\n"
        "Exit: 0 no failure (replay: not reproduced), 1 a failure (replay: reproduced),\n"
        "      2 usage, 3 bad spec/config/case file, 5 internal error.\n",
        f);
}

typedef struct fuzz_args {
  cfm_efuzz_options opt;
  const char *config, *out, *replay;
  const char *targets[16];
  int ntargets, allow_remote, nspecs;
  double max_rps;
  const char *faults[FUZZ_MAX_FAULTS + 1];
  int nfaults, reading_alt;
} fuzz_args;

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

static int number(const char *opt, const char *s, double lo, double hi, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (*end || end == s || !(v >= lo && v <= hi)) {
    cfm_cli_error("%s wants a number in [%g,%g], got '%s'", opt, lo, hi, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* The options that take a number: 0 taken, 1 a bad number (reported),
 * -1 not one of them. */
static int numeric_option(int c, fuzz_args *a) {
  double d;
  switch (c) {
  case 's':
    if (number("--seed", optarg, 0, 9007199254740991.0, &d))
      return 1;
    a->opt.seed = (unsigned long long)d;
    return 0;
  case 'b':
    if (number("--budget", optarg, 1, 100000000, &d))
      return 1;
    a->opt.budget = (size_t)d;
    return 0;
  case 't':
    return number("--time", optarg, 0.001, 86400, &a->opt.time_s) != 0;
  case 'm':
    if (number("--max-shrink", optarg, 1, 100000, &d))
      return 1;
    a->opt.max_shrink = (size_t)d;
    return 0;
  case 'r':
    return number("--max-rps", optarg, 0.001, CFM_MAX_RPS_LIMIT, &a->max_rps) != 0;
  default:
    return -1;
  }
}

/* The embedded mock's options: 0 taken, 1 refused (reported), -1 not one
 * of them. */
static int mock_option(int c, fuzz_args *a) {
  if (c == 'f') {
    if (a->nfaults == FUZZ_MAX_FAULTS) {
      cfm_cli_error("at most %d --mock-fault options", FUZZ_MAX_FAULTS);
      return 1;
    }
    a->faults[a->nfaults++] = optarg;
    return 0;
  }
  if (c != 'g')
    return -1;
  if (strcmp(optarg, "faithful") && strcmp(optarg, "alt")) {
    cfm_cli_error("--mock-reading takes 'faithful' or 'alt', not '%s'", optarg);
    return 1;
  }
  a->reading_alt = !strcmp(optarg, "alt");
  return 0;
}

static int parse(int argc, char **argv, fuzz_args *a, cfm_specset *set, cfm_error_t *err) {
  static const struct option longs[] = {{"seed", required_argument, 0, 's'},
                                        {"budget", required_argument, 0, 'b'},
                                        {"time", required_argument, 0, 't'},
                                        {"vendor", required_argument, 0, 'v'},
                                        {"target", required_argument, 0, 'T'},
                                        {"config", required_argument, 0, 'c'},
                                        {"allow-remote", no_argument, 0, 'R'},
                                        {"max-rps", required_argument, 0, 'r'},
                                        {"mock-fault", required_argument, 0, 'f'},
                                        {"mock-reading", required_argument, 0, 'g'},
                                        {"out", required_argument, 0, 'o'},
                                        {"replay", required_argument, 0, 'p'},
                                        {"keep-going", no_argument, 0, 'k'},
                                        {"max-shrink", required_argument, 0, 'm'},
                                        {"specs-dir", required_argument, 0, 'd'},
                                        {"help", no_argument, 0, 'h'},
                                        {0, 0, 0, 0}};
  int c, rc;
  cfm_cli_opt p = {"fuzz", "h", longs, 0, ""};
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if ((rc = numeric_option(c, a)) >= 0 || (rc = mock_option(c, a)) >= 0) {
      if (rc)
        return CFM_EXIT_USAGE;
      continue;
    }
    switch (c) {
    case 'T':
      if (a->ntargets == 16) {
        cfm_cli_error("at most 16 --target options");
        return CFM_EXIT_USAGE;
      }
      a->targets[a->ntargets++] = optarg;
      break;
    case 'v':
      a->opt.vendor = optarg;
      break;
    case 'c':
      a->config = optarg;
      break;
    case 'R':
      a->allow_remote = 1;
      break;
    case 'o':
      a->out = optarg;
      break;
    case 'p':
      a->replay = optarg;
      break;
    case 'k':
      a->opt.keep_going = 1;
      break;
    case 'd':
      cfm_cli_set_specs_dir(optarg);
      break;
    case 'h':
      usage(stdout);
      return -1;
    default: /* cfm_cli_getopt printed the error and the Try line */
      return CFM_EXIT_USAGE;
    }
  }
  for (; optind < argc; optind++, a->nspecs++)
    if (cfm_specset_add_path(set, argv[optind], err) != CFM_EOK)
      return cfm_cli_input_failure(err);
  return CFM_EXIT_OK;
}

/* 1 when url's host is a loopback address or localhost. */
static int loopback(const char *url) {
  const char *h = strstr(url, "://");
  char host[256];
  struct in_addr a;
  size_t n;
  h = h ? h + 3 : url;
  if (*h == '[')
    return !strncmp(h, "[::1]", 5);
  n = strcspn(h, ":/?#");
  if (n >= sizeof(host))
    return 0;
  memcpy(host, h, n);
  host[n] = '\0';
  if (!strcasecmp(host, "localhost"))
    return 1;
  return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* ---- the embedded mock, in process -------------------------------------------- */

void cfm_cli_fuzz_mock_send(void *user, const cfm_http_request *req, cfm_http_response *res) {
  cfm_cli_fuzz_mock *ip = user;
  const char *path = strstr(req->url, "://");
  char headers[16384];
  size_t n = 0, i, len = 0;
  int status = 0;
  const char *ct = "";
  path = path ? strchr(path + 3, '/') : req->url;
  headers[0] = '\0';
  for (i = 0; req->headers && req->headers[i]; i++) {
    int w = snprintf(headers + n, sizeof(headers) - n, "%s\n", req->headers[i]);
    if (w < 0 || (size_t)w >= sizeof(headers) - n)
      break;
    n += (size_t)w;
  }
  free(ip->body);
  ip->body = NULL;
  memset(res, 0, sizeof(*res));
  if (cfm_mock_handle(ip->mock, req->method, path ? path : "/", headers, req->body, req->body_len,
                      &status, &ip->body, &len, &ct) != 0 ||
      !ip->body) {
    res->error = CFM_ENOMEM;
    snprintf(res->error_text, sizeof(res->error_text), "the embedded mock failed");
  }
  res->status = status;
  res->content_type = ct ? ct : "";
  res->retry_after = "";
  res->body = ip->body ? ip->body : "";
  res->len = ip->body ? len : 0;
  res->attempts = 1;
}

static int start_mock(const fuzz_args *a, cfm_cli_fuzz_mock *ip, cfm_config *cfg) {
  cfm_mock_config mc;
  char why[256];
  cfm_mock_config_init(&mc);
  mc.faults = a->nfaults ? a->faults : NULL;
  mc.reading_alt = a->reading_alt;
  if (cfm_mock_start(&mc, &ip->mock, why, sizeof(why)) != 0) {
    cfm_cli_error("cannot start the embedded mock: %s", why);
    return strstr(why, "fault") ? CFM_EXIT_USAGE : CFM_EXIT_INTERNAL;
  }
  cfm_config_use_mock(cfg, cfm_mock_port(ip->mock));
  return CFM_EXIT_OK;
}

/* Targets with a URL must be loopback unless --allow-remote; then the
 * planned volume is printed before the first request. */
static int check_targets(const fuzz_args *a, cfm_config *cfg, int *have_url) {
  size_t t;
  int remote = 0;
  *have_url = 0;
  for (t = 0; t < cfg->count; t++) {
    if (!cfg->targets[t].base_url)
      continue;
    *have_url = 1;
    if (!loopback(cfg->targets[t].base_url))
      remote = 1;
  }
  if (remote && !a->allow_remote) {
    cfm_cli_error("fuzz sends thousands of generated requests: a target off the loopback "
                  "needs --allow-remote");
    return CFM_EXIT_USAGE;
  }
  if (remote) {
    for (t = 0; t < cfg->count; t++)
      if (cfg->targets[t].base_url)
        fprintf(stderr, "conform: fuzz: target %s at %s\n", cfg->targets[t].vendor,
                cfg->targets[t].base_url);
    fprintf(stderr,
            "conform: fuzz: planned volume: up to %zu requests%s, at most %g requests/s; "
            "every group it creates is named %s... and deleted after its trial\n",
            a->opt.budget ? a->opt.budget : (size_t)10000, a->opt.time_s > 0 ? " (or --time)" : "",
            a->max_rps > 0 ? a->max_rps : 5.0, "cfm-fz");
  }
  return CFM_EXIT_OK;
}

static int write_case(const char *path, const json_t *c) {
  if (json_dump_file(c, path, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0) {
    cfm_cli_error("cannot write '%s'", path);
    return CFM_EXIT_INTERNAL;
  }
  return CFM_EXIT_OK;
}

static int report(const fuzz_args *a, const cfm_efuzz_result *res) {
  fprintf(stderr,
          "conform: fuzz: seed %llu: %zu requests in %zu trials, %.2f s (%.0f requests/s); "
          "%zu failing, %zu warnings; digest %016llx\n",
          a->opt.seed, res->requests, res->trials, res->seconds,
          res->seconds > 0 ? (double)res->requests / res->seconds : 0.0, res->fails, res->warns,
          res->digest);
  if (res->first_warn[0])
    fprintf(stderr, "conform: fuzz: first warning: %s\n", res->first_warn);
  if (res->guarded)
    fprintf(stderr,
            "conform: fuzz: %zu documented steps not sent: they would name an id the trial did "
            "not create\n",
            res->guarded);
  if (res->cleanup_failed)
    cfm_cli_warn("%zu of %zu clean-up deletions failed", res->cleanup_failed, res->cleanup_sent);
  if (!res->repro)
    return CFM_EXIT_OK;
  fprintf(stderr,
          "conform: fuzz: first failure after %zu requests: %s\n"
          "conform: fuzz: shrunk to %zu steps in %zu runs; saved as '%s' "
          "(conform fuzz --replay %s)\n",
          res->first_fail_request, res->reason,
          json_array_size(json_object_get(res->repro, "steps")), res->shrink_runs, a->out, a->out);
  return write_case(a->out, res->repro) ? CFM_EXIT_INTERNAL : CFM_EXIT_FAIL;
}

static int replay(const fuzz_args *a, const cfm_specset *set, cfm_config *cfg,
                  cfm_efuzz_send_fn send, void *user) {
  cfm_error_t err;
  cfm_efuzz_result res;
  json_t *c;
  cfm_error_init(&err);
  if (!(c = cfm_json_load_file(a->replay, 1u << 24, &err)))
    return cfm_cli_input_failure(&err);
  if (cfm_efuzz_replay(set, cfg, c, send, user, &res, &err) != CFM_EOK) {
    json_decref(c);
    cfm_cli_error("%s: %s", a->replay, err.text);
    return err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  }
  fprintf(stderr, "conform: fuzz: replay of '%s' (%zu requests): %s: %s\n", a->replay, res.requests,
          res.fails ? "reproduced" : "not reproduced", res.reason);
  json_decref(c);
  cfm_efuzz_result_release(&res);
  return res.fails ? CFM_EXIT_FAIL : CFM_EXIT_OK;
}

static int fuzz(fuzz_args *a, cfm_specset *set, cfm_config *cfg) {
  cfm_cli_fuzz_mock ip = {NULL, NULL};
  cfm_efuzz_http *http = NULL;
  cfm_efuzz_result res;
  cfm_error_t err;
  int rc, have_url;
  cfm_efuzz_send_fn send = cfm_cli_fuzz_mock_send;
  void *user = &ip;
  if ((rc = check_targets(a, cfg, &have_url)) != CFM_EXIT_OK)
    return rc;
  if (have_url && (a->nfaults || a->reading_alt)) {
    cfm_cli_error("--mock-fault and --mock-reading apply to the embedded mock only");
    return CFM_EXIT_USAGE;
  }
  if (have_url && (rc = cfm_cli_run_restrict(set, cfg, a->opt.vendor)) != CFM_EXIT_OK)
    return rc;
  if (have_url) {
    int remote = 0;
    size_t t;
    for (t = 0; t < cfg->count; t++)
      remote |= cfg->targets[t].base_url && !loopback(cfg->targets[t].base_url);
    http = cfm_efuzz_http_new(a->max_rps > 0 ? a->max_rps : remote ? 5.0 : 0, 10000);
    if (!http)
      return CFM_EXIT_INTERNAL;
    send = cfm_efuzz_http_send;
    user = http;
  } else if ((rc = start_mock(a, &ip, cfg)) != CFM_EXIT_OK) {
    return rc;
  }
  cfm_error_init(&err);
  a->opt.interrupt = &interrupted;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (a->replay) {
    rc = replay(a, set, cfg, send, user);
  } else if (cfm_efuzz_run(set, cfg, &a->opt, send, user, &res, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  } else {
    if (interrupted)
      fprintf(stderr, "conform: fuzz: interrupted; the last trial finished and cleaned up\n");
    rc = report(a, &res);
    cfm_efuzz_result_release(&res);
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  cfm_efuzz_http_free(http);
  cfm_mock_stop(ip.mock);
  free(ip.body);
  return rc;
}

int cmd_fuzz(int argc, char **argv) {
  fuzz_args a;
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  int rc, i;
  memset(&a, 0, sizeof(a));
  a.opt.seed = 1;
  a.opt.log = stderr;
  a.out = "fuzz-case.json";
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  rc = parse(argc, argv, &a, &set, &err);
  if (rc) {
    rc = rc < 0 ? CFM_EXIT_OK : rc;
    goto out;
  }
  if (!a.nspecs && cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  if (cfm_specset_check(&set, &err) != CFM_EOK ||
      (a.config && cfm_config_load(&cfg, a.config, &err) != CFM_EOK)) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  for (i = 0; i < a.ntargets; i++)
    if (cfm_config_set_target_url(&cfg, a.targets[i], &err) != CFM_EOK) {
      cfm_cli_error("%s", err.text);
      rc = CFM_EXIT_USAGE;
      goto out;
    }
  if ((rc = cfm_cli_run_vendor_known(&set, a.opt.vendor)) != CFM_EXIT_OK)
    goto out;
  rc = fuzz(&a, &set, &cfg);
out:
  cfm_specset_release(&set);
  cfm_config_release(&cfg);
  return rc;
}
