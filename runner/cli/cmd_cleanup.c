/* conform cleanup — delete what an interrupted or killed run left behind,
 * from its clean-up ledger (docs/cli.md "conform cleanup"). */
#include "cli.h"
#include "cli_inputs.h"

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
        "With no LEDGER: every unfinished ledger-*.jsonl in the run directories of the\n"
        "reports directory (and, from older versions, in the reports directory itself).\n\n"
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

/* What the command line asked for. */
typedef struct cleanup_args {
  cfm_cli_inputs in;    /* the shipped specs, --config, --target */
  const char **targets; /* in.targets' storage (owned) */
  const char *dir;      /* --reports */
  json_t *ledgers;      /* LEDGER operands (owned) */
} cleanup_args;

/* parse_args' answer to --help. */
#define CLEANUP_HELP (-1)

static int parse_args(int argc, char **argv, cleanup_args *ca) {
  int i;
  memset(ca, 0, sizeof(*ca));
  ca->dir = "reports";
  ca->targets = calloc((size_t)argc + 1, sizeof(*ca->targets));
  ca->ledgers = json_array();
  if (!ca->targets || !ca->ledgers)
    return CFM_EXIT_INTERNAL;
  ca->in.targets = ca->targets;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_val = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      return CLEANUP_HELP;
    } else if (!strcmp(a, "--config") && has_val) {
      ca->in.config = argv[++i];
    } else if (!strcmp(a, "--target") && has_val) {
      ca->targets[ca->in.ntargets++] = argv[++i];
    } else if (!strcmp(a, "--specs-dir") && has_val) {
      cfm_cli_set_specs_dir(argv[++i]);
    } else if (!strcmp(a, "--reports") && has_val) {
      ca->dir = argv[++i];
    } else if (a[0] == '-') {
      cfm_cli_error("cleanup: unknown option '%s'", a);
      usage(stderr);
      return CFM_EXIT_USAGE;
    } else {
      json_array_append_new(ca->ledgers, json_string(a));
    }
  }
  return CFM_EXIT_OK;
}

/* Cleans up every ledger of ledgers until done or interrupted, adding to
 * *deleted and *left.  Returns the exit status so far. */
static int clean_ledgers(const cfm_specset *set, cfm_config *cfg, const json_t *ledgers,
                         size_t *deleted_total, size_t *left_total) {
  int rc = CFM_EXIT_OK;
  size_t k;
  for (k = 0; k < json_array_size(ledgers) && !cleanup_stop; k++) {
    const char *path = json_string_value(json_array_get(ledgers, k));
    size_t deleted = 0, left = 0;
    cfm_error_t err;
    cfm_error_init(&err);
    if (cfm_ledger_cleanup(set, cfg, path, &cleanup_stop, stderr, &deleted, &left, &err) !=
        CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
      continue;
    }
    fprintf(stderr, "conform: %s: %zu deleted, %zu NOT deleted\n", path, deleted, left);
    *deleted_total += deleted;
    *left_total += left;
  }
  return rc;
}

int cmd_cleanup(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_config cfg;
  cleanup_args ca;
  int rc;
  size_t total_left = 0, total_deleted = 0;
  cfm_config_init(&cfg);
  rc = parse_args(argc, argv, &ca);
  if (rc == CLEANUP_HELP) {
    usage(stdout);
    rc = CFM_EXIT_OK;
    goto out;
  }
  /* The targets as run sees them: regions, base URL templates and the
   * provider keys resolved by the same check. */
  if (rc != CFM_EXIT_OK || (rc = cfm_cli_load_inputs(&ca.in, &set, &cfg)) != CFM_EXIT_OK)
    goto out;
  if (json_array_size(ca.ledgers) == 0) {
    json_decref(ca.ledgers);
    ca.ledgers = cfm_ledger_unfinished(ca.dir);
    if (json_array_size(ca.ledgers) == 0) {
      fprintf(stderr, "conform: no unfinished ledger in '%s': nothing to clean up\n", ca.dir);
      goto out;
    }
  }
  cleanup_stop = 0;
  cleanup_signal = 0;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  rc = clean_ledgers(&set, &cfg, ca.ledgers, &total_deleted, &total_left);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (cleanup_stop) {
    int sig = cleanup_signal ? (int)cleanup_signal : SIGINT;
    fprintf(stderr, "conform: interrupted; %zu deleted, %zu NOT deleted so far\n", total_deleted,
            total_left);
    json_decref(ca.ledgers);
    cfm_specset_release(&set);
    cfm_config_release(&cfg);
    free(ca.targets);
    raise(sig);
    return CFM_EXIT_INTERNAL;
  }
  if (total_left && rc == CFM_EXIT_OK)
    rc = CFM_EXIT_INCOMPLETE;
out:
  json_decref(ca.ledgers);
  cfm_specset_release(&set);
  cfm_config_release(&cfg);
  free(ca.targets);
  return rc;
}
