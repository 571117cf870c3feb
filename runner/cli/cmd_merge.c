/* conform merge — merge shard reports into one run directory. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/report.h"

static void usage(FILE *f) {
  fputs("usage: conform merge [--reports DIR] REPORT.json...\n\n"
        "Merges the report.json of every shard of one run (conform run --shard I/N)\n"
        "into one run under DIR (default: reports), writing every format again.\n"
        "Refused (exit 3): reports of different runs (run id, shard count, targets,\n"
        "spec hash, selection), a shard given twice or missing, an incomplete shard,\n"
        "a case id in two shards. Exit 1 when the merged run has failures not\n"
        "accepted by a baseline, 6 when it has errors, 0 otherwise.\n",
        f);
}

int cmd_merge(int argc, char **argv) {
  const char *dir = "reports";
  const char **inputs;
  size_t n = 0;
  cfm_report_summary sum;
  cfm_error_t err;
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"reports", required_argument, NULL, 'r'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"merge", "h", lo, 0, ""};
  int i, rc, c;
  inputs = calloc((size_t)argc + 1, sizeof(*inputs));
  if (!inputs)
    return CFM_EXIT_INTERNAL;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      free(inputs);
      return CFM_EXIT_OK;
    } else if (c == 'r') {
      dir = optarg;
    } else {
      free(inputs);
      return CFM_EXIT_USAGE;
    }
  }
  for (i = optind; i < argc; i++)
    inputs[n++] = argv[i];
  if (n == 0) {
    free(inputs);
    return cfm_cli_usage_error("merge", "no report given (REPORT.json...)");
  }
  cfm_error_init(&err);
  memset(&sum, 0, sizeof(sum));
  rc = cfm_report_merge(inputs, n, dir, &sum, &err);
  free(inputs);
  if (rc) {
    cfm_cli_report_error(&err);
    return rc == CFM_ENOMEM || rc == CFM_EIO ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  }
  fprintf(stderr, "conform: merged %zu reports: %zu pass, %zu warn, %zu skip, %zu fail, %zu error",
          n, sum.counts[CFM_VERDICT_PASS], sum.counts[CFM_VERDICT_WARN],
          sum.counts[CFM_VERDICT_SKIP], sum.counts[CFM_VERDICT_FAIL],
          sum.counts[CFM_VERDICT_ERROR]);
  if (sum.baselined)
    fprintf(stderr, " (%zu accepted by the baseline)", sum.baselined);
  fprintf(stderr, "\nreports: %s/{report.json,junit.xml,report.html}\n", sum.run_dir);
  if (sum.counts[CFM_VERDICT_FAIL] > sum.baselined)
    return CFM_EXIT_FAIL;
  return sum.counts[CFM_VERDICT_ERROR] ? CFM_EXIT_INCOMPLETE : CFM_EXIT_OK;
}
