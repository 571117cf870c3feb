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
        "runs against it.\n\n"
        "  --target VENDOR=URL   run VENDOR against URL (replaces https://{host})\n"
        "  --config FILE         targets, credentials (env/file), variables; docs/config.md\n"
        "  --filter GLOB         only cases whose id matches (e.g. 'agora-chat.*')\n"
        "  --exclude GLOB        leave out cases whose id matches\n"
        "  --vendor NAME         only this vendor's cases\n"
        "  --list                print the case ids and kinds, run nothing\n"
        "  --dry-run             print each request (secrets redacted), send nothing\n"
        "  --shard I/N           run the I-th of N deterministic slices\n"
        "  --baseline FILE       accepted deviations: only new failures fail\n"
        "  --reports DIR         where reports go (default: reports)\n"
        "  --no-reports          write no report files\n"
        "  --no-pace             ignore documented rate limits (mocks and test rigs only)\n"
        "  --concurrency N       parallel requests (default 8)\n"
        "  --timeout MS          per request (default 10000)\n"
        "  --repeat N            run the case set N times (benchmarks)\n\n"
        "Exit: 0 no failure, 1 failures, 2 usage, 3 bad spec/config/baseline,\n"
        "      4 a target unreachable, 5 internal error.\n",
        f);
}

static void on_signal(int sig) {
  (void)sig;
  cfm_run_interrupt();
}

int cmd_run(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  cfm_baseline *baseline = NULL;
  cfm_mock *mock = NULL;
  const char *config = NULL, *baseline_path = NULL;
  int i, rc = CFM_EXIT_OK, have_target = 0, nspecs = 0, no_pace = 0;
  cfm_config_init(&cfg);
  memset(&opt, 0, sizeof(opt));
  opt.reports_dir = "reports";
  opt.out = stdout;
  opt.term = stderr;
  opt.term_is_tty = isatty(2);
  cfm_error_init(&err);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_val = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      goto out;
    } else if (!strcmp(a, "--target") && has_val) {
      if (cfm_config_set_target_url(&cfg, argv[++i], &err) != CFM_EOK) {
        cfm_cli_error("%s", err.text);
        rc = CFM_EXIT_USAGE;
        goto out;
      }
      have_target = 1;
    } else if (!strcmp(a, "--config") && has_val) {
      config = argv[++i];
    } else if (!strcmp(a, "--filter") && has_val) {
      opt.filter = argv[++i];
    } else if (!strcmp(a, "--exclude") && has_val) {
      opt.exclude = argv[++i];
    } else if (!strcmp(a, "--vendor") && has_val) {
      opt.vendor = argv[++i];
    } else if (!strcmp(a, "--list")) {
      opt.list = 1;
    } else if (!strcmp(a, "--dry-run")) {
      opt.dry_run = 1;
    } else if (!strcmp(a, "--shard") && has_val) {
      if (cfm_shard_parse(argv[++i], &opt.shard_index, &opt.shard_count) != 0) {
        cfm_cli_error("--shard wants I/N with 1 <= I <= N, got '%s'", argv[i]);
        rc = CFM_EXIT_USAGE;
        goto out;
      }
    } else if (!strcmp(a, "--baseline") && has_val) {
      baseline_path = argv[++i];
    } else if (!strcmp(a, "--reports") && has_val) {
      opt.reports_dir = argv[++i];
    } else if (!strcmp(a, "--no-pace")) {
      no_pace = 1;
    } else if (!strcmp(a, "--no-reports")) {
      opt.reports_dir = NULL;
    } else if ((!strcmp(a, "--concurrency") || !strcmp(a, "--timeout") || !strcmp(a, "--repeat")) &&
               has_val) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > (strcmp(a, "--timeout") ? 1000 : 600000)) {
        cfm_cli_error("%s wants a positive number, got '%s'", a, argv[i]);
        rc = CFM_EXIT_USAGE;
        goto out;
      }
      if (!strcmp(a, "--concurrency"))
        opt.concurrency = (unsigned)v;
      else if (!strcmp(a, "--timeout"))
        opt.timeout_ms = v;
      else
        opt.repeat = (unsigned)v;
    } else if (a[0] == '-') {
      cfm_cli_error("run: unknown option '%s'", a);
      usage(stderr);
      rc = CFM_EXIT_USAGE;
      goto out;
    } else {
      if (cfm_specset_add_path(&set, a, &err) != CFM_EOK) {
        cfm_cli_report_error(&err);
        rc = CFM_EXIT_SPEC;
        goto out;
      }
      nspecs++;
    }
  }
  if (!nspecs && cfm_specset_add_path(&set, CONFORM_DEFAULT_SPECS, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = CFM_EXIT_SPEC;
    goto out;
  }
  if (config) {
    if (cfm_config_load(&cfg, config, &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = CFM_EXIT_SPEC;
      goto out;
    }
    /* A config that names no URL only tunes the run: the embedded mock
     * still serves it. */
    for (size_t t = 0; t < cfg.count; t++)
      have_target |= cfg.targets[t].base_url != NULL;
  }
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
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (cfm_run(&set, &cfg, &opt, &res, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_ECONFIG || err.code == CFM_ESPEC ? CFM_EXIT_SPEC : CFM_EXIT_INTERNAL;
    goto out;
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (cfm_run_was_interrupted()) {
    /* Reports are closed and created resources deleted; now die of the
     * signal, as shells and CI runners expect (exit status 130/143). */
    cfm_mock_stop(mock);
    cfm_baseline_free(baseline);
    cfm_specset_release(&set);
    cfm_config_release(&cfg);
    fprintf(stderr, "conform: interrupted; created resources were deleted\n");
    raise(SIGINT);
    return CFM_EXIT_INTERNAL;
  }
  if (opt.list || opt.dry_run)
    goto out;
  if (!opt.reports_dir)
    fprintf(stderr, "conform: %zu cases: %zu pass, %zu warn, %zu skip, %zu fail, %zu error\n",
            res.cases, res.counts[CFM_VERDICT_PASS], res.counts[CFM_VERDICT_WARN],
            res.counts[CFM_VERDICT_SKIP], res.counts[CFM_VERDICT_FAIL],
            res.counts[CFM_VERDICT_ERROR]);
  fprintf(stderr, "conform: %zu requests in %.3f s (%.0f requests/s)\n", res.requests,
          res.wall_ms / 1000.0,
          res.wall_ms > 0 ? (double)res.requests * 1000.0 / res.wall_ms : 0.0);
  if (res.unreachable_targets)
    rc = CFM_EXIT_UNREACHABLE;
  else if (res.counts[CFM_VERDICT_FAIL] > res.baselined)
    rc = CFM_EXIT_FAIL;
out:
  cfm_mock_stop(mock);
  cfm_baseline_free(baseline);
  cfm_specset_release(&set);
  cfm_config_release(&cfg);
  return rc;
}
