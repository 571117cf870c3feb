/* conform cleanup — delete what an interrupted or killed run left behind,
 * from its clean-up ledger (docs/cli.md "conform cleanup"). */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/ledger.h"
#include "conform/runner.h"

static void usage(FILE *f) {
  fputs("usage: conform cleanup [options] [LEDGER...]\n\n"
        "Deletes every resource a ledger lists as created and not deleted, with the\n"
        "clean-up operation of its spec, and records each deletion in the ledger.\n"
        "With no LEDGER: every unfinished ledger-*.jsonl in the reports directory.\n\n"
        "  --config FILE         targets and credentials (as for run)\n"
        "  --target VENDOR=URL   the target of VENDOR (overrides the config)\n"
        "  --specs-dir DIR       the shipped specs\n"
        "  --reports DIR         where ledgers are looked for (default: reports)\n\n"
        "Exit: 0 everything deleted (or nothing to do), 2 usage, 3 bad config or\n"
        "      ledger, 6 resources left (each named on stderr); 130/143 when\n"
        "      interrupted (two signals cancel the deletions in flight).\n",
        f);
}

static volatile sig_atomic_t cleanup_stop, cleanup_signal;

static void on_signal(int sig) {
  if (cleanup_stop < 100)
    cleanup_stop++;
  cleanup_signal = sig;
}

int cmd_cleanup(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  const char *config = NULL, *dir = "reports";
  const char **targets = NULL;
  json_t *ledgers = json_array();
  int i, ntargets = 0, rc = CFM_EXIT_OK;
  size_t k, total_left = 0, total_deleted = 0;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  targets = calloc((size_t)argc + 1, sizeof(*targets));
  if (!targets || !ledgers) {
    rc = CFM_EXIT_INTERNAL;
    goto out;
  }
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_val = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      goto out;
    } else if (!strcmp(a, "--config") && has_val) {
      config = argv[++i];
    } else if (!strcmp(a, "--target") && has_val) {
      targets[ntargets++] = argv[++i];
    } else if (!strcmp(a, "--specs-dir") && has_val) {
      cfm_cli_set_specs_dir(argv[++i]);
    } else if (!strcmp(a, "--reports") && has_val) {
      dir = argv[++i];
    } else if (a[0] == '-') {
      cfm_cli_error("cleanup: unknown option '%s'", a);
      usage(stderr);
      rc = CFM_EXIT_USAGE;
      goto out;
    } else {
      json_array_append_new(ledgers, json_string(a));
    }
  }
  if (cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
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
  if (json_array_size(ledgers) == 0) {
    json_decref(ledgers);
    ledgers = cfm_ledger_unfinished(dir);
    if (json_array_size(ledgers) == 0) {
      fprintf(stderr, "conform: no unfinished ledger in '%s': nothing to clean up\n", dir);
      goto out;
    }
  }
  cleanup_stop = 0;
  cleanup_signal = 0;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  for (k = 0; k < json_array_size(ledgers) && !cleanup_stop; k++) {
    const char *path = json_string_value(json_array_get(ledgers, k));
    size_t deleted = 0, left = 0;
    cfm_error_init(&err);
    if (cfm_ledger_cleanup(&set, &cfg, path, &cleanup_stop, stderr, &deleted, &left, &err) !=
        CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
      continue;
    }
    fprintf(stderr, "conform: %s: %zu deleted, %zu NOT deleted\n", path, deleted, left);
    total_deleted += deleted;
    total_left += left;
  }
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (cleanup_stop) {
    int sig = cleanup_signal ? (int)cleanup_signal : SIGINT;
    fprintf(stderr, "conform: interrupted; %zu deleted, %zu NOT deleted so far\n", total_deleted,
            total_left);
    json_decref(ledgers);
    cfm_specset_release(&set);
    cfm_config_release(&cfg);
    free(targets);
    raise(sig);
    return CFM_EXIT_INTERNAL;
  }
  if (total_left && rc == CFM_EXIT_OK)
    rc = CFM_EXIT_INCOMPLETE;
out:
  json_decref(ledgers);
  cfm_specset_release(&set);
  cfm_config_release(&cfg);
  free(targets);
  return rc;
}
