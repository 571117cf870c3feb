/* conform CLI — loading what a command runs against: the specs, the
 * config file and --target VENDOR=URL, checked together (cli_inputs.c).
 * Shared by run and cleanup so that both see the same targets. */
#ifndef CONFORM_CLI_INPUTS_H
#define CONFORM_CLI_INPUTS_H

#include "conform/spec.h"
#include "conform/target.h"

typedef struct cfm_cli_inputs {
  char *const *spec_paths; /* SPEC|DIR operands (borrowed); none = the shipped specs */
  int nspec_paths;
  const char *config;         /* --config FILE, or NULL */
  const char *const *targets; /* --target VENDOR=URL values, applied after the config */
  int ntargets;
} cfm_cli_inputs;

/* Loads the specs of in into set (at least one spec), the config into cfg
 * (initialised by the caller), applies the --target values and checks the
 * result against the specs (cfm_config_check: names, regions, base URL
 * placeholders, provider keys).  Errors are printed.  Returns
 * CFM_EXIT_OK, CFM_EXIT_USAGE (a bad --target), CFM_EXIT_SPEC (a bad spec
 * or config) or CFM_EXIT_INTERNAL (out of memory). */
int cfm_cli_load_inputs(const cfm_cli_inputs *in, cfm_specset *set, cfm_config *cfg);

#endif
