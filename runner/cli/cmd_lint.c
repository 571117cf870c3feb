/* conform lint — check specs against the format and its semantic rules. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/spec.h"

static void usage(FILE *f) {
  fputs("usage: conform lint [--json] [--specs-dir DIR] [SPEC|DIR...]\n\n"
        "Checks each spec against specs/spec.schema.json and the rules in\n"
        "specs/README.md (path parameters, patterns compile, limits consistent,\n"
        "provenance present, references resolve, examples fit the schemas).\n"
        "Prints file:pointer: message per finding. Exit 0 clean, 3 findings or\n"
        "an unreadable spec, 2 usage.\n",
        f);
}

int cmd_lint(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_lint_report rep = {0};
  cfm_error_t err;
  int i, json = 0, paths = 0, rc = CFM_EXIT_OK;
  size_t k;
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"json", no_argument, NULL, 'j'},
                                     {"specs-dir", required_argument, NULL, 'S'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"lint", "h", lo, 0, ""};
  int c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'j') {
      json = 1;
    } else if (c == 'S') {
      cfm_cli_set_specs_dir(optarg);
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  for (i = optind; i < argc; i++) {
    {
      cfm_error_init(&err);
      if (cfm_specset_add_path(&set, argv[i], &err) != CFM_EOK) {
        cfm_cli_report_error(&err);
        rc = CFM_EXIT_SPEC;
      }
      paths++;
    }
  }
  if (!paths) {
    cfm_error_init(&err);
    if (cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      rc = CFM_EXIT_SPEC;
    }
  }
  for (k = 0; k < set.count; k++)
    if (cfm_spec_lint(set.items[k], &rep) < 0) {
      cfm_cli_error("out of memory");
      rc = CFM_EXIT_INTERNAL;
    }
  if (json)
    fputc('[', stdout);
  for (k = 0; k < rep.count; k++) {
    if (json) {
      json_t *o = json_pack("{s:s, s:s, s:s}", "file", rep.items[k].file, "pointer",
                            rep.items[k].pointer, "message", rep.items[k].message);
      char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
      printf("%s%s", k ? ",\n" : "\n", t ? t : "{}");
      free(t);
      json_decref(o);
    } else {
      printf("%s:%s: %s\n", rep.items[k].file, rep.items[k].pointer[0] ? rep.items[k].pointer : "/",
             rep.items[k].message);
    }
  }
  if (json)
    fputs("\n]\n", stdout);
  fprintf(stderr, "conform: %zu spec%s, %zu finding%s\n", set.count, set.count == 1 ? "" : "s",
          rep.count, rep.count == 1 ? "" : "s");
  if (rep.count && rc == CFM_EXIT_OK)
    rc = CFM_EXIT_SPEC;
  cfm_lint_report_release(&rep);
  cfm_specset_release(&set);
  return rc;
}
