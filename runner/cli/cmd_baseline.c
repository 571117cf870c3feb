/* conform baseline — write or check a baseline of accepted deviations. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "conform/report.h"

static void usage(FILE *f) {
  fputs("usage: conform baseline write [--from REPORT.json] [-o FILE]\n"
        "       conform baseline check FILE\n\n"
        "write: every 'fail' of a run becomes an accepted deviation keyed on\n"
        "       (case id, observed vendor code); default input\n"
        "       reports/latest/report.json, default output conform-baseline.json.\n"
        "check: load a baseline and print its entry count.\n"
        "Then: conform run --baseline FILE fails only on new failures.\n",
        f);
}

static int report_error(const cfm_error_t *err, int rc) {
  cfm_cli_error("%s%s%s: %s", err->where, *err->pointer ? "#" : "", err->pointer, err->text);
  return rc == CFM_ENOMEM ? CFM_EXIT_INTERNAL : rc == CFM_EIO ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
}

static int do_write(int argc, char **argv) {
  const char *from = "reports/latest/report.json", *out = "conform-baseline.json";
  cfm_error_t err;
  int i, rc;
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--from") && i + 1 < argc) {
      from = argv[++i];
    } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      out = argv[++i];
    } else {
      cfm_cli_error("baseline write: unexpected argument '%s'", argv[i]);
      usage(stderr);
      return CFM_EXIT_USAGE;
    }
  }
  cfm_error_init(&err);
  rc = cfm_baseline_write_from_report(from, out, &err);
  if (rc)
    return report_error(&err, rc);
  fprintf(stderr, "conform: wrote baseline '%s' from '%s'\n", out, from);
  return CFM_EXIT_OK;
}

static int do_check(int argc, char **argv) {
  cfm_baseline *b;
  cfm_error_t err;
  int rc;
  if (argc != 2) {
    usage(stderr);
    return CFM_EXIT_USAGE;
  }
  cfm_error_init(&err);
  rc = cfm_baseline_load(argv[1], &b, &err);
  if (rc)
    return report_error(&err, rc);
  cfm_baseline_free(b);
  printf("%s: valid baseline\n", argv[1]);
  return CFM_EXIT_OK;
}

int cmd_baseline(int argc, char **argv) {
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return CFM_EXIT_OK;
  }
  if (argc >= 2 && !strcmp(argv[1], "write"))
    return do_write(argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "check"))
    return do_check(argc - 1, argv + 1);
  usage(stderr);
  return CFM_EXIT_USAGE;
}
