/* conform specs — what the specs hold: vendors, operations, and counts of
 * parameters, limits, error rows, examples and scenarios. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/runner.h"
#include "conform/spec.h"

static void usage(FILE *f) {
  fputs("usage: conform specs [--json] [--variables] [--specs-dir DIR] [SPEC|DIR...]\n\n"
        "Lists each vendor's operations (seed or fixture) with their parameters,\n"
        "limits, error rows and examples, then the totals. Default: the shipped specs.\n"
        "--variables lists every variable of each vendor instead: what it is, the\n"
        "mock's default and the cases that need it (set them under\n"
        "targets.VENDOR.variables in the config).\n",
        f);
}

static size_t limits_of(const json_t *op) {
  size_t i, n = 0;
  const json_t *p;
  json_array_foreach(json_object_get(op, "params"), i, p) n +=
      json_array_size(json_object_get(p, "limits"));
  return n;
}

/* --variables: every variable of every spec, with its description, its
 * default (which fits the embedded mock) and the cases that use it. */
static int print_variables(const cfm_specset *set, int as_json) {
  cfm_caselist list = {0};
  json_t *out = json_array();
  size_t s, i;
  if (!out || cfm_cases_generate(set, &list) != CFM_EOK) {
    json_decref(out);
    cfm_caselist_release(&list);
    cfm_cli_error("specs: cannot generate the cases");
    return CFM_EXIT_SPEC;
  }
  for (s = 0; s < set->count; s++) {
    const cfm_spec *spec = set->items[s];
    const char *base =
        json_string_value(json_object_get(json_object_get(spec->root, "transport"), "base_url"));
    const char *name;
    json_t *decl;
    json_object_foreach(json_object_get(spec->root, "variables"), name, decl) {
      char ref[80], ph[80];
      json_t *ids = json_array();
      int in_base;
      snprintf(ref, sizeof(ref), "${var.%s}", name);
      snprintf(ph, sizeof(ph), "{%s}", name);
      in_base = base && strstr(base, ph) != NULL;
      for (i = 0; i < list.count; i++)
        if (list.items[i].spec == spec && (in_base || strstr(list.items[i].steps_json, ref)))
          json_array_append_new(ids, json_string(list.items[i].id));
      json_array_append_new(out,
                            json_pack("{s:s, s:s, s:s, s:O*, s:b, s:o}", "vendor", spec->vendor,
                                      "variable", name, "description",
                                      json_string_value(json_object_get(decl, "description"))
                                          ? json_string_value(json_object_get(decl, "description"))
                                          : "",
                                      "default", json_object_get(decl, "default"), "in_base_url",
                                      in_base, "cases", ids));
    }
  }
  if (as_json) {
    json_dumpf(out, stdout, JSON_INDENT(1));
    putchar('\n');
  } else {
    json_t *v;
    printf("%-16s %-16s %-20s %6s  %s\n", "vendor", "variable", "mock default", "cases",
           "what it is (first case that needs it)");
    json_array_foreach(out, i, v) {
      char *def = json_dumps(json_object_get(v, "default"), JSON_ENCODE_ANY);
      const json_t *ids = json_object_get(v, "cases");
      printf("%-16s %-16s %-20s %6zu  %s%s%s%s%s\n",
             json_string_value(json_object_get(v, "vendor")),
             json_string_value(json_object_get(v, "variable")), def ? def : "-",
             json_array_size(ids), json_string_value(json_object_get(v, "description")),
             json_is_true(json_object_get(v, "in_base_url")) ? " [base URL: every case]" : "",
             json_array_size(ids) ? " (" : "",
             json_array_size(ids) ? json_string_value(json_array_get(ids, 0)) : "",
             json_array_size(ids) ? ")" : "");
      free(def);
    }
  }
  json_decref(out);
  cfm_caselist_release(&list);
  return CFM_EXIT_OK;
}

/* Each operation's counts (a table, or a JSON array), then the totals. */
static void print_operations(const cfm_specset *set, int as_json) {
  json_t *out = json_array();
  size_t s, k, tot[6] = {0, 0, 0, 0, 0, 0};
  if (!as_json)
    printf("%-16s %-22s %-8s %6s %6s %6s %8s\n", "vendor", "operation", "kind", "params", "limits",
           "errors", "examples");
  for (s = 0; s < set->count; s++) {
    const json_t *root = set->items[s]->root, *op;
    size_t terr = json_array_size(json_object_get(json_object_get(root, "transport"), "errors"));
    json_array_foreach(json_object_get(root, "operations"), k, op) {
      size_t np = json_array_size(json_object_get(op, "params")), nl = limits_of(op),
             ne = json_array_size(json_object_get(op, "errors")),
             nx = json_array_size(json_object_get(op, "examples"));
      int seed = json_is_true(json_object_get(op, "seed"));
      if (as_json)
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "vendor", set->items[s]->vendor,
                           "operation", json_string_value(json_object_get(op, "id")), "seed", seed,
                           "params", (json_int_t)np, "limits", (json_int_t)nl, "errors",
                           (json_int_t)ne, "examples", (json_int_t)nx));
      else
        printf("%-16s %-22s %-8s %6zu %6zu %6zu %8zu\n", set->items[s]->vendor,
               json_string_value(json_object_get(op, "id")), seed ? "seed" : "fixture", np, nl, ne,
               nx);
      tot[0] += seed;
      tot[1] += np;
      tot[2] += nl;
      tot[3] += ne;
      tot[4] += nx;
    }
    tot[3] += terr;
    tot[5] += json_array_size(json_object_get(root, "scenarios"));
    if (!as_json)
      printf("%-16s %-22s %-8s %6s %6s %6zu\n", set->items[s]->vendor, "(any call)", "transport",
             "", "", terr);
  }
  if (as_json) {
    json_dumpf(out, stdout, JSON_INDENT(1));
    putchar('\n');
  } else {
    printf("\n%zu specs, %zu seed operations, %zu parameters, %zu limits, %zu error rows, "
           "%zu examples, %zu scenarios\n",
           set->count, tot[0], tot[1], tot[2], tot[3], tot[4], tot[5]);
  }
  json_decref(out);
}

int cmd_specs(int argc, char **argv) {
  cfm_specset set = {0};
  cfm_error_t err;
  int i, as_json = 0, paths = 0, rc = CFM_EXIT_OK, variables = 0;
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"json", no_argument, NULL, 'j'},
                                     {"variables", no_argument, NULL, 'V'},
                                     {"specs-dir", required_argument, NULL, 'S'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"specs", "h", lo, 0, ""};
  int c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'j') {
      as_json = 1;
    } else if (c == 'V') {
      variables = 1;
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
        goto done;
      }
      paths++;
    }
  }
  cfm_error_init(&err);
  if (!paths && cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = CFM_EXIT_SPEC;
    goto done;
  }
  if (cfm_specset_check(&set, &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto done;
  }
  if (variables) {
    rc = print_variables(&set, as_json);
    goto done;
  }
  print_operations(&set, as_json);
done:
  cfm_specset_release(&set);
  return rc;
}
