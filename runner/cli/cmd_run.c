/* conform run — generate the cases from the specs and run them. */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/mock.h"
#include "conform/runner.h"

static void usage(FILE *f) {
  fputs("usage: conform run [options] [SPEC|DIR...]\n\n"
        "Runs every documented statement of the specs (default: the shipped specs)\n"
        "as contract cases. With no target URL (no --target, no base_url in the\n"
        "config), an embedded mock is started on a loopback port and every vendor\n"
        "runs against it. With any URL, only the vendors with a URL run.\n\n"
        "  --target VENDOR=URL   run VENDOR against URL (replaces https://{host});\n"
        "                        overrides the config's base_url\n"
        "  --specs-dir DIR       the shipped specs (default: $CONFORM_SPECS_DIR, else\n"
        "                        <prefix>/share/conform/specs beside the binary)\n"
        "  --config FILE         targets, credentials (env/file), variables; docs/config.md\n"
        "  --filter GLOB         only cases whose id matches (e.g. 'agora-chat.*')\n"
        "  --exclude GLOB        leave out cases whose id matches\n"
        "  --vendor NAME         only this vendor's cases\n"
        "  --list                print the case ids and kinds, run nothing\n"
        "  --dry-run             print each request (secrets redacted), send nothing\n"
        "  --shard I/N           run the I-th of N deterministic slices\n"
        "  --run-id ID           the id shards of one run share (default: $CONFORM_RUN_ID,\n"
        "                        else derived from specs, targets and selection)\n"
        "  --baseline FILE       accepted deviations: only new failures/errors fail\n"
        "  --reports DIR         where reports go (default: reports)\n"
        "  --no-reports          write no report files\n"
        "  --record FILE.har     write every exchange (redacted) to a HAR file\n"
        "  --unsafe              also send destructive requests naming ids this run did\n"
        "                        not create to a live target (a target you own only)\n"
        "  --no-pace             ignore documented rate limits (mocks and test rigs only)\n"
        "  --max-rps N           at most N requests/s over the whole run (paced targets)\n"
        "  --concurrency N       parallel requests (default 8)\n"
        "  --timeout MS          per request (default 10000)\n"
        "  --repeat N            run the case set N times (benchmarks)\n"
        "  --color=WHEN          colour the summary: auto (default: on a terminal,\n"
        "                        unless NO_COLOR is set), always, never\n"
        "  -h, --help            this help; '--' ends the options\n\n"
        "Exit: 0 no failure, 1 failures, 2 usage (also: nothing selected), 3 bad\n"
        "      spec/config/baseline or a missing credential/variable, 4 a target\n"
        "      unreachable, 5 internal error, 6 incomplete (errors, or a vendor\n"
        "      entirely throttled). docs/cli.md has the details.\n",
        f);
}

enum {
  O_TARGET = 256,
  O_SPECS_DIR,
  O_CONFIG,
  O_FILTER,
  O_EXCLUDE,
  O_VENDOR,
  O_LIST,
  O_DRY_RUN,
  O_SHARD,
  O_RUN_ID,
  O_BASELINE,
  O_REPORTS,
  O_NO_REPORTS,
  O_RECORD,
  O_UNSAFE,
  O_NO_PACE,
  O_MAX_RPS,
  O_CONCURRENCY,
  O_TIMEOUT,
  O_REPEAT,
  O_COLOR
};

static const struct option run_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"target", required_argument, NULL, O_TARGET},
    {"specs-dir", required_argument, NULL, O_SPECS_DIR},
    {"config", required_argument, NULL, O_CONFIG},
    {"filter", required_argument, NULL, O_FILTER},
    {"exclude", required_argument, NULL, O_EXCLUDE},
    {"vendor", required_argument, NULL, O_VENDOR},
    {"list", no_argument, NULL, O_LIST},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"shard", required_argument, NULL, O_SHARD},
    {"run-id", required_argument, NULL, O_RUN_ID},
    {"baseline", required_argument, NULL, O_BASELINE},
    {"reports", required_argument, NULL, O_REPORTS},
    {"no-reports", no_argument, NULL, O_NO_REPORTS},
    {"record", required_argument, NULL, O_RECORD},
    {"unsafe", no_argument, NULL, O_UNSAFE},
    {"no-pace", no_argument, NULL, O_NO_PACE},
    {"max-rps", required_argument, NULL, O_MAX_RPS},
    {"concurrency", required_argument, NULL, O_CONCURRENCY},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"repeat", required_argument, NULL, O_REPEAT},
    {"color", required_argument, NULL, O_COLOR},
    {"colour", required_argument, NULL, O_COLOR},
    {NULL, 0, NULL, 0},
};
/* The run's interrupt counter (opt.interrupt) and the signal to die of:
 * the handler only writes these two (async-signal-safe). */
static volatile sig_atomic_t run_stop, run_signal;

static void on_signal(int sig) {
  if (run_stop < 100)
    run_stop++;
  run_signal = sig;
}

/* The exit status a finished run earns (docs/cli.md "Exit status"). */
static int run_status(const cfm_run_result *res, const cfm_baseline *baseline, const char *dir) {
  cfm_cli_run_outcome o;
  char path[600];
  int rc = CFM_EXIT_OK;
  memset(&o, 0, sizeof(o));
  snprintf(path, sizeof(path), "%s/report.json", dir);
  if (cfm_cli_run_verdicts(path, baseline, &o) != 0)
    return CFM_EXIT_INTERNAL;
  if (o.throttled_vendors)
    cfm_cli_error("every case of %s was skipped as throttled: nothing was tested there "
                  "(lower --concurrency or --max-rps, or wait for the quota)",
                  o.throttled);
  if (o.open_errors)
    cfm_cli_error("%zu case(s) ended in error (the runner could not complete them), "
                  "e.g. %s",
                  o.open_errors, o.first_error);
  if (res->unreachable_targets)
    rc = CFM_EXIT_UNREACHABLE;
  else if (res->counts[CFM_VERDICT_FAIL] > res->baselined)
    rc = CFM_EXIT_FAIL;
  else if (o.open_errors || o.throttled_vendors)
    rc = CFM_EXIT_INCOMPLETE;
  return rc;
}

int cmd_run(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_baseline *baseline = NULL;
  cfm_mock *mock = NULL;
  const char *config = NULL, *baseline_path = NULL, *run_id = getenv("CONFORM_RUN_ID");
  const char *record_path = NULL;
  const char **targets = NULL;
  char private_dir[512] = "";
  cfm_cli_opt p = {"run", "h", run_options, 0, ""};
  int c, colour = CFM_CLI_COLOUR_AUTO;
  int i, rc = CFM_EXIT_OK, have_target = 0, nspecs = 0, no_pace = 0, ntargets = 0;
  double max_rps = 0;
  size_t t;
  cfm_config_init(&cfg);
  memset(&opt, 0, sizeof(opt));
  opt.reports_dir = "reports";
  opt.out = stdout;
  opt.term = stderr;
  cfm_error_init(&err);
  targets = calloc((size_t)argc + 1, sizeof(*targets));
  if (!targets) {
    rc = CFM_EXIT_INTERNAL;
    goto out;
  }
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    const char *a = optarg;
    switch (c) {
    case 'h':
      usage(stdout);
      goto out;
    case O_TARGET:
      /* Applied after the config, which they override. */
      targets[ntargets++] = a;
      break;
    case O_SPECS_DIR:
      cfm_cli_set_specs_dir(a);
      break;
    case O_CONFIG:
      config = a;
      break;
    case O_FILTER:
      opt.filter = a;
      break;
    case O_EXCLUDE:
      opt.exclude = a;
      break;
    case O_VENDOR:
      opt.vendor = a;
      break;
    case O_LIST:
      opt.list = 1;
      break;
    case O_DRY_RUN:
      opt.dry_run = 1;
      break;
    case O_SHARD:
      if (cfm_shard_parse(a, &opt.shard_index, &opt.shard_count) != 0) {
        rc = cfm_cli_usage_error("run", "--shard wants I/N with 1 <= I <= N, got '%s'", a);
        goto out;
      }
      break;
    case O_RUN_ID:
      run_id = a;
      if (!*run_id || strlen(run_id) > 128) {
        rc = cfm_cli_usage_error("run", "--run-id wants 1 to 128 characters");
        goto out;
      }
      break;
    case O_BASELINE:
      baseline_path = a;
      break;
    case O_REPORTS:
      opt.reports_dir = a;
      break;
    case O_NO_PACE:
      no_pace = 1;
      break;
    case O_UNSAFE:
      opt.unsafe = 1;
      break;
    case O_RECORD:
      record_path = optarg;
      break;
    case O_NO_REPORTS:
      opt.reports_dir = NULL;
      break;
    case O_COLOR:
      if (cfm_cli_colour_parse(a, &colour) != 0) {
        rc = cfm_cli_usage_error("run", "--color wants auto, always or never, got '%s'", a);
        goto out;
      }
      break;
    case O_MAX_RPS: {
      char *end;
      max_rps = strtod(a, &end);
      if (*end || end == a || !(max_rps > 0 && max_rps <= CFM_MAX_RPS_LIMIT)) {
        rc = cfm_cli_usage_error("run", "--max-rps wants a number in (0,%d], got '%s'",
                                 CFM_MAX_RPS_LIMIT, a);
        goto out;
      }
      break;
    }
    case O_CONCURRENCY:
    case O_TIMEOUT:
    case O_REPEAT: {
      char *end;
      long v = strtol(a, &end, 10);
      if (*end || end == a || v < 1 || v > (c != O_TIMEOUT ? 1000 : 600000)) {
        rc = cfm_cli_usage_error("run", "--%s wants a positive number, got '%s'",
                                 c == O_CONCURRENCY ? "concurrency"
                                 : c == O_TIMEOUT   ? "timeout"
                                                    : "repeat",
                                 a);
        goto out;
      }
      if (c == O_CONCURRENCY)
        opt.concurrency = (unsigned)v;
      else if (c == O_TIMEOUT)
        opt.timeout_ms = v;
      else
        opt.repeat = (unsigned)v;
      break;
    }
    default:
      rc = CFM_EXIT_USAGE;
      goto out;
    }
  }
  for (i = optind; i < argc; i++) {
    if (cfm_specset_add_path(&set, argv[i], &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = CFM_EXIT_SPEC;
      goto out;
    }
    nspecs++;
  }
  opt.term_is_tty =
      (isatty(2) ? CFM_TERM_PROGRESS : 0) | (cfm_cli_colour_on(colour, 2) ? CFM_TERM_COLOUR : 0);
  if (!nspecs && cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = CFM_EXIT_SPEC;
    goto out;
  }
  if (set.count == 0) {
    cfm_cli_error("no spec to run: the paths given hold no *.json spec");
    rc = CFM_EXIT_SPEC;
    goto out;
  }
  if (config && cfm_config_load(&cfg, config, &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  for (i = 0; i < ntargets; i++) {
    cfm_error_init(&err);
    if (cfm_config_set_target_url(&cfg, targets[i], &err) != CFM_EOK) {
      cfm_cli_error("%s", err.text);
      rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_USAGE;
      goto out;
    }
  }
  cfm_error_init(&err);
  if (cfm_config_check(&cfg, &set, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_EUSAGE   ? CFM_EXIT_USAGE
         : err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL
                                  : CFM_EXIT_SPEC;
    goto out;
  }
  if (max_rps > 0)
    cfg.global_rate_per_s = max_rps;
  opt.max_rps = cfg.global_rate_per_s > 0 ? cfg.global_rate_per_s : 0;
  /* Any URL, in the config or on the command line, means real targets:
   * never the embedded mock, and only the vendors that have one. */
  for (t = 0; t < cfg.count; t++)
    have_target |= cfg.targets[t].base_url != NULL;
  if ((rc = cfm_cli_run_vendor_known(&set, opt.vendor)) != CFM_EXIT_OK ||
      (rc = cfm_cli_run_selects(&set, &opt)) != CFM_EXIT_OK)
    goto out;
  if (have_target && (rc = cfm_cli_run_restrict(&set, &cfg, opt.vendor)) != CFM_EXIT_OK)
    goto out;
  if (baseline_path) {
    if (cfm_baseline_load(baseline_path, &baseline, &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = CFM_EXIT_SPEC;
      goto out;
    }
    opt.baseline = baseline;
  }
  if (!have_target && !opt.list) {
    cfm_mock_config mc;
    char why[256];
    cfm_mock_config_init(&mc);
    if (cfm_mock_start(&mc, &mock, why, sizeof(why)) != 0) {
      cfm_cli_error("cannot start the embedded mock: %s", why);
      rc = CFM_EXIT_INTERNAL;
      goto out;
    }
    cfm_config_use_mock(&cfg, cfm_mock_port(mock));
    if (!opt.concurrency)
      opt.concurrency = 16;
  } else {
    opt.pace = !no_pace;
  }
  if (!opt.list && (rc = cfm_cli_run_preflight(&set, &cfg, &opt, mock != NULL)) != CFM_EXIT_OK)
    goto out;
  if (opt.max_rps > 0 && !opt.list)
    fprintf(stderr, "conform: at most %g requests/s over the run%s\n", opt.max_rps,
            opt.pace ? "" : " (not applied: the embedded mock or --no-pace)");
  /* The exit status needs every verdict: without --reports they go to a
   * private directory, removed after. */
  if (!opt.reports_dir && !opt.list && !opt.dry_run) {
    const char *tmp = getenv("TMPDIR");
    snprintf(private_dir, sizeof(private_dir), "%.400s/conform-run-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(private_dir)) {
      cfm_cli_error("cannot create a private report directory in '%.400s'",
                    tmp && *tmp ? tmp : "/tmp");
      private_dir[0] = '\0';
      rc = CFM_EXIT_INTERNAL;
      goto out;
    }
    opt.reports_dir = private_dir;
    opt.term_is_tty |= CFM_TERM_NO_PATHS;
  }
  run_stop = 0;
  run_signal = 0;
  opt.interrupt = &run_stop;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (record_path && (rc = cfm_cli_record_open(record_path, &cfg, &opt)) != CFM_EXIT_OK)
    goto out;
  if (cfm_cli_record_close(&opt, cfm_run(&set, &cfg, &opt, &res, &err)) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_ECONFIG || err.code == CFM_ESPEC ? CFM_EXIT_SPEC : CFM_EXIT_INTERNAL;
    goto out;
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (res.interrupted) {
    /* Reports are closed and clean-up ran; say exactly what is left, then
     * die of the signal received, as shells and CI runners expect (exit
     * status 130 for SIGINT, 143 for SIGTERM). */
    int sig = run_signal ? (int)run_signal : SIGINT;
    if (res.cleanup_failed)
      fprintf(stderr,
              "conform: interrupted; %zu created resource(s) deleted, %zu NOT deleted (listed "
              "above; ledger %s): run 'conform cleanup %s'\n",
              res.cleanup_sent, res.cleanup_failed, res.ledger[0] ? res.ledger : "none",
              res.ledger[0] ? res.ledger : "LEDGER");
    else
      fprintf(stderr, "conform: interrupted; all %zu created resource(s) deleted%s%s%s\n",
              res.cleanup_sent, res.ledger[0] ? " (ledger " : "", res.ledger,
              res.ledger[0] ? ")" : "");
    cfm_mock_stop(mock);
    cfm_baseline_free(baseline);
    cfm_specset_release(&set);
    cfm_config_release(&cfg);
    if (private_dir[0])
      cfm_cli_remove_tree(private_dir);
    free(targets);
    signal(sig, SIG_DFL);
    raise(sig);
    return CFM_EXIT_INTERNAL;
  }
  if (opt.list || opt.dry_run)
    goto out;
  fprintf(stderr, "conform: %zu requests in %.3f s (%.0f requests/s)\n", res.requests,
          res.wall_ms / 1000.0,
          res.wall_ms > 0 ? (double)res.requests * 1000.0 / res.wall_ms : 0.0);
  rc = run_status(&res, baseline, res.run_dir);
  if (baseline_path && res.run_dir[0]) {
    /* A baseline entry no failure used is stale: say so, once. */
    cfm_baseline_usage u;
    char path[600];
    snprintf(path, sizeof(path), "%s/report.json", res.run_dir);
    cfm_error_init(&err);
    if (cfm_baseline_audit(baseline_path, path, &u, NULL, NULL, &err) == CFM_EOK && u.stale)
      fprintf(stderr,
              "conform: baseline '%s': %zu of %zu entries unused by this run "
              "('conform baseline check --report %s %s' lists them; "
              "'conform baseline prune' removes them)\n",
              baseline_path, u.stale, u.entries, private_dir[0] ? "REPORT.json" : path,
              baseline_path);
  }
  if (res.cleanup_failed && rc == CFM_EXIT_OK)
    rc = CFM_EXIT_INCOMPLETE; /* resources left behind: named above, and in the ledger */
  if (!private_dir[0] && res.run_dir[0] &&
      cfm_cli_run_stamp(res.run_dir, &set, &cfg, &opt, mock != NULL,
                        run_id && *run_id ? run_id : NULL, res.cases) != CFM_EXIT_OK)
    rc = CFM_EXIT_INTERNAL;
out:
  cfm_mock_stop(mock);
  cfm_baseline_free(baseline);
  cfm_specset_release(&set);
  cfm_config_release(&cfg);
  if (private_dir[0] && cfm_cli_remove_tree(private_dir) != 0)
    cfm_cli_warn("cannot remove the private report directory '%s'", private_dir);
  free(targets);
  return rc;
}
