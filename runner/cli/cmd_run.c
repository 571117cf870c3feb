/* conform run — generate the cases from the specs and run them. */
#include "cli.h"
#include "cli_inputs.h"

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

/* What the command line asked for. */
typedef struct run_args {
  cfm_run_options opt;
  cfm_cli_inputs in;    /* specs, --config, --target */
  const char **targets; /* in.targets' storage (owned) */
  const char *baseline_path, *run_id, *record_path;
  int colour, no_pace;
  double max_rps;
} run_args;

/* What a run holds until it ends (run_release). */
typedef struct run_state {
  cfm_specset set;
  cfm_config cfg;
  cfm_baseline *baseline;
  cfm_mock *mock;
  char private_dir[512]; /* "" = none */
} run_state;

/* parse_option's answer to --help. */
#define RUN_HELP (-1)

/* --max-rps, --concurrency, --timeout, --repeat. */
static int parse_number(int c, const char *a, run_args *ra) {
  char *end;
  long v;
  if (c == O_MAX_RPS) {
    ra->max_rps = strtod(a, &end);
    if (*end || end == a || !(ra->max_rps > 0 && ra->max_rps <= CFM_MAX_RPS_LIMIT))
      return cfm_cli_usage_error("run", "--max-rps wants a number in (0,%d], got '%s'",
                                 CFM_MAX_RPS_LIMIT, a);
    return CFM_EXIT_OK;
  }
  v = strtol(a, &end, 10);
  if (*end || end == a || v < 1 || v > (c != O_TIMEOUT ? 1000 : 600000))
    return cfm_cli_usage_error("run", "--%s wants a positive number, got '%s'",
                               c == O_CONCURRENCY ? "concurrency"
                               : c == O_TIMEOUT   ? "timeout"
                                                  : "repeat",
                               a);
  if (c == O_CONCURRENCY)
    ra->opt.concurrency = (unsigned)v;
  else if (c == O_TIMEOUT)
    ra->opt.timeout_ms = v;
  else
    ra->opt.repeat = (unsigned)v;
  return CFM_EXIT_OK;
}

/* The options whose value is checked: --shard, --run-id, --color and the
 * numbers. */
static int parse_checked(int c, const char *a, run_args *ra) {
  switch (c) {
  case O_SHARD:
    if (cfm_shard_parse(a, &ra->opt.shard_index, &ra->opt.shard_count) != 0)
      return cfm_cli_usage_error("run", "--shard wants I/N with 1 <= I <= N, got '%s'", a);
    return CFM_EXIT_OK;
  case O_RUN_ID:
    ra->run_id = a;
    if (!*ra->run_id || strlen(ra->run_id) > 128)
      return cfm_cli_usage_error("run", "--run-id wants 1 to 128 characters");
    return CFM_EXIT_OK;
  case O_COLOR:
    if (cfm_cli_colour_parse(a, &ra->colour) != 0)
      return cfm_cli_usage_error("run", "--color wants auto, always or never, got '%s'", a);
    return CFM_EXIT_OK;
  default:
    return parse_number(c, a, ra);
  }
}

/* One option c with its value a: CFM_EXIT_OK, RUN_HELP or an exit status. */
static int parse_option(int c, const char *a, run_args *ra) {
  cfm_run_options *opt = &ra->opt;
  switch (c) {
  case 'h':
    return RUN_HELP;
  case O_TARGET:
    /* Applied after the config, which they override. */
    ra->targets[ra->in.ntargets++] = a;
    break;
  case O_SPECS_DIR:
    cfm_cli_set_specs_dir(a);
    break;
  case O_CONFIG:
    ra->in.config = a;
    break;
  case O_FILTER:
    opt->filter = a;
    break;
  case O_EXCLUDE:
    opt->exclude = a;
    break;
  case O_VENDOR:
    opt->vendor = a;
    break;
  case O_LIST:
    opt->list = 1;
    break;
  case O_DRY_RUN:
    opt->dry_run = 1;
    break;
  case O_BASELINE:
    ra->baseline_path = a;
    break;
  case O_REPORTS:
    opt->reports_dir = a;
    break;
  case O_NO_PACE:
    ra->no_pace = 1;
    break;
  case O_UNSAFE:
    opt->unsafe = 1;
    break;
  case O_RECORD:
    ra->record_path = a;
    break;
  case O_NO_REPORTS:
    opt->reports_dir = NULL;
    break;
  case O_SHARD:
  case O_RUN_ID:
  case O_COLOR:
  case O_MAX_RPS:
  case O_CONCURRENCY:
  case O_TIMEOUT:
  case O_REPEAT:
    return parse_checked(c, a, ra);
  default:
    return CFM_EXIT_USAGE;
  }
  return CFM_EXIT_OK;
}

/* The command line into ra (which it initialises). */
static int parse_args(int argc, char **argv, run_args *ra) {
  cfm_cli_opt p = {"run", "h", run_options, 0, ""};
  int c, rc;
  memset(ra, 0, sizeof(*ra));
  ra->opt.reports_dir = "reports";
  ra->opt.out = stdout;
  ra->opt.term = stderr;
  ra->run_id = getenv("CONFORM_RUN_ID");
  ra->colour = CFM_CLI_COLOUR_AUTO;
  if (!(ra->targets = calloc((size_t)argc + 1, sizeof(*ra->targets))))
    return CFM_EXIT_INTERNAL;
  ra->in.targets = ra->targets;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1)
    if ((rc = parse_option(c, optarg, ra)) != CFM_EXIT_OK)
      return rc;
  ra->in.spec_paths = argv + optind;
  ra->in.nspec_paths = argc - optind;
  ra->opt.term_is_tty = (isatty(2) ? CFM_TERM_PROGRESS : 0) |
                        (cfm_cli_colour_on(ra->colour, 2) ? CFM_TERM_COLOUR : 0);
  return CFM_EXIT_OK;
}

/* No target URL: the embedded mock, at concurrency 16 unless asked. */
static int start_mock(run_args *ra, run_state *st) {
  cfm_mock_config mc;
  char why[256];
  cfm_mock_config_init(&mc);
  if (cfm_mock_start(&mc, &st->mock, why, sizeof(why)) != 0) {
    cfm_cli_error("cannot start the embedded mock: %s", why);
    return CFM_EXIT_INTERNAL;
  }
  cfm_config_use_mock(&st->cfg, cfm_mock_port(st->mock));
  if (!ra->opt.concurrency)
    ra->opt.concurrency = 16;
  return CFM_EXIT_OK;
}

/* Rates, vendors, the baseline, and the embedded mock or pacing. */
static int prepare(run_args *ra, run_state *st) {
  cfm_run_options *opt = &ra->opt;
  cfm_error_t err;
  int rc, have_target = 0;
  size_t t;
  if (ra->max_rps > 0)
    st->cfg.global_rate_per_s = ra->max_rps;
  opt->max_rps = st->cfg.global_rate_per_s > 0 ? st->cfg.global_rate_per_s : 0;
  /* Any URL, in the config or on the command line, means real targets:
   * never the embedded mock, and only the vendors that have one. */
  for (t = 0; t < st->cfg.count; t++)
    have_target |= st->cfg.targets[t].base_url != NULL;
  if ((rc = cfm_cli_run_vendor_known(&st->set, opt->vendor)) != CFM_EXIT_OK ||
      (rc = cfm_cli_run_selects(&st->set, opt)) != CFM_EXIT_OK)
    return rc;
  if (have_target && (rc = cfm_cli_run_restrict(&st->set, &st->cfg, opt->vendor)) != CFM_EXIT_OK)
    return rc;
  if (ra->baseline_path) {
    cfm_error_init(&err);
    if (cfm_baseline_load(ra->baseline_path, &st->baseline, &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      return CFM_EXIT_SPEC;
    }
    opt->baseline = st->baseline;
  }
  if (!have_target && !opt->list)
    return start_mock(ra, st);
  opt->pace = !ra->no_pace;
  return CFM_EXIT_OK;
}

/* The exit status needs every verdict: without --reports they go to a
 * private directory, removed after. */
static int private_reports(run_args *ra, run_state *st) {
  const char *tmp = getenv("TMPDIR");
  if (ra->opt.reports_dir || ra->opt.list || ra->opt.dry_run)
    return CFM_EXIT_OK;
  snprintf(st->private_dir, sizeof(st->private_dir), "%.400s/conform-run-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(st->private_dir)) {
    cfm_cli_error("cannot create a private report directory in '%.400s'",
                  tmp && *tmp ? tmp : "/tmp");
    st->private_dir[0] = '\0';
    return CFM_EXIT_INTERNAL;
  }
  ra->opt.reports_dir = st->private_dir;
  ra->opt.term_is_tty |= CFM_TERM_NO_PATHS;
  return CFM_EXIT_OK;
}

/* Reports are closed and clean-up ran: says exactly what is left. */
static void say_interrupted(const cfm_run_result *res) {
  if (res->cleanup_failed)
    fprintf(stderr,
            "conform: interrupted; %zu created resource(s) deleted, %zu NOT deleted (listed "
            "above; ledger %s): run 'conform cleanup %s'\n",
            res->cleanup_sent, res->cleanup_failed, res->ledger[0] ? res->ledger : "none",
            res->ledger[0] ? res->ledger : "LEDGER");
  else
    fprintf(stderr, "conform: interrupted; all %zu created resource(s) deleted%s%s%s\n",
            res->cleanup_sent, res->ledger[0] ? " (ledger " : "", res->ledger,
            res->ledger[0] ? ")" : "");
}

/* A baseline entry no failure used is stale: says so, once. */
static void audit_baseline(const char *baseline_path, const char *run_dir, int private_dir) {
  cfm_baseline_usage u;
  cfm_error_t err;
  char path[600];
  snprintf(path, sizeof(path), "%s/report.json", run_dir);
  cfm_error_init(&err);
  if (cfm_baseline_audit(baseline_path, path, &u, NULL, NULL, &err) == CFM_EOK && u.stale)
    fprintf(stderr,
            "conform: baseline '%s': %zu of %zu entries unused by this run "
            "('conform baseline check --report %s %s' lists them; "
            "'conform baseline prune' removes them)\n",
            baseline_path, u.stale, u.entries, private_dir ? "REPORT.json" : path, baseline_path);
}

/* The exit status of a run that finished, after its closing lines. */
static int finish(const run_args *ra, run_state *st, const cfm_run_result *res) {
  int rc;
  if (ra->opt.list || ra->opt.dry_run)
    return CFM_EXIT_OK;
  fprintf(stderr, "conform: %zu requests in %.3f s (%.0f requests/s)\n", res->requests,
          res->wall_ms / 1000.0,
          res->wall_ms > 0 ? (double)res->requests * 1000.0 / res->wall_ms : 0.0);
  rc = run_status(res, st->baseline, res->run_dir);
  if (ra->baseline_path && res->run_dir[0])
    audit_baseline(ra->baseline_path, res->run_dir, st->private_dir[0] != '\0');
  if (res->cleanup_failed && rc == CFM_EXIT_OK)
    rc = CFM_EXIT_INCOMPLETE; /* resources left behind: named above, and in the ledger */
  if (!st->private_dir[0] && res->run_dir[0] &&
      cfm_cli_run_stamp(res->run_dir, &st->set, &st->cfg, &ra->opt, st->mock != NULL,
                        ra->run_id && *ra->run_id ? ra->run_id : NULL, res->cases) != CFM_EXIT_OK)
    rc = CFM_EXIT_INTERNAL;
  return rc;
}

/* Frees what ra and st hold; warn: say when the private directory stays. */
static void run_release(run_args *ra, run_state *st, int warn) {
  cfm_mock_stop(st->mock);
  cfm_baseline_free(st->baseline);
  cfm_specset_release(&st->set);
  cfm_config_release(&st->cfg);
  if (st->private_dir[0] && cfm_cli_remove_tree(st->private_dir) != 0 && warn)
    cfm_cli_warn("cannot remove the private report directory '%s'", st->private_dir);
  free(ra->targets);
}

/* Runs the prepared cases with the interrupt handlers installed. */
static int run_cases(run_args *ra, run_state *st, cfm_run_result *res) {
  cfm_error_t err;
  int rc;
  cfm_error_init(&err);
  run_stop = 0;
  run_signal = 0;
  ra->opt.interrupt = &run_stop;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (ra->record_path &&
      (rc = cfm_cli_record_open(ra->record_path, &st->cfg, &ra->opt)) != CFM_EXIT_OK)
    return rc;
  if (cfm_cli_record_close(&ra->opt, cfm_run(&st->set, &st->cfg, &ra->opt, res, &err)) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return err.code == CFM_ECONFIG || err.code == CFM_ESPEC ? CFM_EXIT_SPEC : CFM_EXIT_INTERNAL;
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  return CFM_EXIT_OK;
}

int cmd_run(int argc, char **argv) {
  run_args ra;
  run_state st;
  cfm_run_result res;
  int rc;
  memset(&st, 0, sizeof(st));
  cfm_config_init(&st.cfg);
  rc = parse_args(argc, argv, &ra);
  if (rc == RUN_HELP) {
    usage(stdout);
    rc = CFM_EXIT_OK;
    goto out;
  }
  if (rc != CFM_EXIT_OK || (rc = cfm_cli_load_inputs(&ra.in, &st.set, &st.cfg)) != CFM_EXIT_OK ||
      (rc = prepare(&ra, &st)) != CFM_EXIT_OK)
    goto out;
  if (!ra.opt.list &&
      (rc = cfm_cli_run_preflight(&st.set, &st.cfg, &ra.opt, st.mock != NULL)) != CFM_EXIT_OK)
    goto out;
  if (ra.opt.max_rps > 0 && !ra.opt.list)
    fprintf(stderr, "conform: at most %g requests/s over the run%s\n", ra.opt.max_rps,
            ra.opt.pace ? "" : " (not applied: the embedded mock or --no-pace)");
  if ((rc = private_reports(&ra, &st)) != CFM_EXIT_OK ||
      (rc = run_cases(&ra, &st, &res)) != CFM_EXIT_OK)
    goto out;
  if (res.interrupted) {
    /* Die of the signal received, as shells and CI runners expect (exit
     * status 130 for SIGINT, 143 for SIGTERM). */
    int sig = run_signal ? (int)run_signal : SIGINT;
    say_interrupted(&res);
    run_release(&ra, &st, 0);
    signal(sig, SIG_DFL);
    raise(sig);
    return CFM_EXIT_INTERNAL;
  }
  rc = finish(&ra, &st, &res);
out:
  run_release(&ra, &st, 1);
  return rc;
}
