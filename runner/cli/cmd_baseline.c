/* conform baseline — write, check or prune a baseline of accepted deviations. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conform/report.h"
#include "conform/target.h"

#define LATEST_REPORT "reports/latest/report.json"

static void usage(FILE *f) {
  fputs("usage: conform baseline write [--from REPORT.json] [-o FILE]\n"
        "       conform baseline check [--report REPORT.json] FILE\n"
        "       conform baseline prune [--report REPORT.json] [-o OUT] FILE\n\n"
        "write: every 'fail' of a run becomes an accepted deviation keyed on\n"
        "       (case id, observed vendor code); default input\n"
        "       " LATEST_REPORT ", default output conform-baseline.json.\n"
        "       Prints the number of entries written.\n"
        "check: load a baseline and print its entry count; with a run's report\n"
        "       (--report, default " LATEST_REPORT " when it exists)\n"
        "       also how many entries it used and list the unused (stale) ones.\n"
        "prune: write the baseline without the entries the run did not use\n"
        "       (to OUT, default FILE itself); entries whose case did not run\n"
        "       (a --filter or a shard) are kept.\n"
        "Then: conform run --baseline FILE fails only on new failures.\n"
        "Exit: 0 done (stale entries are reported, not an error), 2 usage,\n"
        "      3 not a baseline or not a report.\n",
        f);
}

static int report_error(const cfm_error_t *err, int rc) {
  cfm_cli_error("%s%s%s: %s", err->where, *err->pointer ? "#" : "", err->pointer, err->text);
  return rc == CFM_ENOMEM ? CFM_EXIT_INTERNAL : rc == CFM_EIO ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
}

static size_t count_entries(const char *path) {
  cfm_baseline *b = NULL;
  cfm_error_t err;
  size_t n = 0;
  cfm_error_init(&err);
  if (cfm_baseline_load(path, &b, &err) == CFM_EOK)
    n = cfm_baseline_count(b);
  cfm_baseline_free(b);
  return n;
}

static int do_write(const char *from, const char *out) {
  cfm_error_t err;
  int rc;
  cfm_error_init(&err);
  rc = cfm_baseline_write_from_report(from ? from : LATEST_REPORT,
                                      out ? out : "conform-baseline.json", &err);
  if (rc)
    return report_error(&err, rc);
  fprintf(stderr, "conform: wrote baseline '%s' (%zu entries) from '%s'\n",
          out ? out : "conform-baseline.json", count_entries(out ? out : "conform-baseline.json"),
          from ? from : LATEST_REPORT);
  return CFM_EXIT_OK;
}

/* Prints the unused entries (at most 50) of a usage audit. */
static void print_stale(const json_t *stale) {
  size_t i;
  const json_t *e;
  json_array_foreach(stale, i, e) {
    const json_t *code = json_object_get(e, "vendor_code");
    if (i == 50) {
      printf("  ... and %zu more\n", json_array_size(stale) - 50);
      break;
    }
    if (json_is_string(code))
      printf("  unused: %s (vendor_code '%s')\n", json_string_value(json_object_get(e, "id")),
             json_string_value(code));
    else if (json_is_integer(code))
      printf("  unused: %s (vendor_code %" JSON_INTEGER_FORMAT ")\n",
             json_string_value(json_object_get(e, "id")), json_integer_value(code));
    else
      printf("  unused: %s (vendor_code *)\n", json_string_value(json_object_get(e, "id")));
  }
}

static int do_check_or_prune(int prune, const char *path, const char *report, const char *out) {
  cfm_baseline *b;
  cfm_baseline_usage u;
  cfm_error_t err;
  json_t *stale = NULL;
  struct stat st;
  int rc;
  size_t n;
  cfm_error_init(&err);
  rc = cfm_baseline_load(path, &b, &err);
  if (rc)
    return report_error(&err, rc);
  n = cfm_baseline_count(b);
  cfm_baseline_free(b);
  if (!report && stat(LATEST_REPORT, &st) == 0)
    report = LATEST_REPORT;
  if (!report) {
    if (prune)
      return cfm_cli_usage_error("baseline prune", "no report to prune against: run first, or "
                                                   "give --report REPORT.json");
    printf("%s: valid baseline, %zu entries\n", path, n);
    return CFM_EXIT_OK;
  }
  rc = cfm_baseline_audit(path, report, &u, &stale, prune ? (out ? out : path) : NULL, &err);
  if (rc)
    return report_error(&err, rc);
  printf("%s: valid baseline, %zu entries; against '%s': %zu used, %zu unused, %zu not run\n", path,
         u.entries, report, u.used, u.stale, u.not_run);
  print_stale(stale);
  json_decref(stale);
  fflush(stdout);
  if (prune)
    fprintf(stderr, "conform: pruned %zu unused entries; wrote '%s' (%zu entries)\n", u.stale,
            out ? out : path, u.entries - u.stale);
  else if (u.stale)
    fprintf(stderr, "conform: %zu unused entries: 'conform baseline prune %s' removes them\n",
            u.stale, path);
  return CFM_EXIT_OK;
}

int cmd_baseline(int argc, char **argv) {
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"from", required_argument, NULL, 'f'},
                                     {"output", required_argument, NULL, 'o'},
                                     {"report", required_argument, NULL, 'r'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"baseline", "ho:", lo, 0, ""};
  const char *from = NULL, *out = NULL, *report = NULL, *sub;
  int c, nargs;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'f') {
      from = optarg;
    } else if (c == 'o') {
      out = optarg;
    } else if (c == 'r') {
      report = optarg;
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return cfm_cli_usage_error("baseline", "no subcommand given (write, check or prune)");
  sub = argv[optind];
  nargs = argc - optind - 1;
  if (!strcmp(sub, "write")) {
    if (report || nargs)
      return cfm_cli_usage_error("baseline", "write: unexpected %s",
                                 report ? "option '--report'" : "argument");
    return do_write(from, out);
  }
  if (!strcmp(sub, "check") || !strcmp(sub, "prune")) {
    int prune = sub[0] == 'p';
    if (from || (out && !prune))
      return cfm_cli_usage_error("baseline", "%s: unexpected option '%s'", sub,
                                 from ? "--from" : "-o");
    if (nargs != 1)
      return cfm_cli_usage_error("baseline", "%s wants one baseline FILE", sub);
    return do_check_or_prune(prune, argv[optind + 1], report, out);
  }
  {
    static const char *const subs[] = {"check", "prune", "write", NULL};
    const char *hint = cfm_did_you_mean(sub, subs);
    if (hint)
      return cfm_cli_usage_error("baseline", "unknown subcommand '%s'; did you mean '%s'?", sub,
                                 hint);
    return cfm_cli_usage_error("baseline", "unknown subcommand '%s' (write, check or prune)", sub);
  }
}
