/* conform CLI — the specs, the config and --target, loaded and checked
 * together for run and cleanup (cli_inputs.h).
 *
 * Owns the order (specs, config, --target, check) and its exit statuses.
 * Must not start a mock, choose vendors or run anything. */
#include "cli_inputs.h"

#include "cli.h"

static int load_specs(const cfm_cli_inputs *in, cfm_specset *set) {
  cfm_error_t err;
  int i;
  cfm_error_init(&err);
  for (i = 0; i < in->nspec_paths; i++)
    if (cfm_specset_add_path(set, in->spec_paths[i], &err) != CFM_EOK) {
      cfm_cli_report_error(&err);
      return CFM_EXIT_SPEC;
    }
  if (!in->nspec_paths && cfm_specset_add_path(set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return CFM_EXIT_SPEC;
  }
  if (set->count == 0) {
    cfm_cli_error("no spec to run: the paths given hold no *.json spec");
    return CFM_EXIT_SPEC;
  }
  return CFM_EXIT_OK;
}

int cfm_cli_load_inputs(const cfm_cli_inputs *in, cfm_specset *set, cfm_config *cfg) {
  cfm_error_t err;
  int i, rc = load_specs(in, set);
  if (rc != CFM_EXIT_OK)
    return rc;
  cfm_error_init(&err);
  if (in->config && cfm_config_load(cfg, in->config, &err) != CFM_EOK)
    return cfm_cli_input_failure(&err);
  for (i = 0; i < in->ntargets; i++) {
    cfm_error_init(&err);
    if (cfm_config_set_target_url(cfg, in->targets[i], &err) != CFM_EOK) {
      cfm_cli_error("%s", err.text);
      return err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_USAGE;
    }
  }
  cfm_error_init(&err);
  if (cfm_config_check(cfg, set, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return err.code == CFM_EUSAGE   ? CFM_EXIT_USAGE
           : err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL
                                    : CFM_EXIT_SPEC;
  }
  return CFM_EXIT_OK;
}
