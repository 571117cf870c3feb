/* conform tests — whole runs of the shipped specs (helper_run.h). */
#define _XOPEN_SOURCE 700
#include "helper_run.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/fileio.h"
#include "conform/mock.h"

const cfm_specset *cfm_test_specs(cfm_error_t *err) {
  static cfm_specset specs;
  static int loaded;
  cfm_error_init(err);
  if (!loaded) {
    if (cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, err) != CFM_EOK) {
      cfm_specset_release(&specs);
      memset(&specs, 0, sizeof(specs));
      return NULL;
    }
    loaded = 1;
  }
  return &specs;
}

json_t *cfm_test_run_on_mock(const cfm_specset *specs, const char *fault, cfm_run_options *opt,
                             cfm_run_result *res, cfm_error_t *err) {
  cfm_mock_config mc;
  cfm_mock *m;
  const char *faults[2] = {fault, NULL};
  char why[256], path[1200];
  char *dir = cfm_test_temp_dir("run");
  cfm_config cfg;
  json_t *report = NULL;
  int rc;
  cfm_error_init(err);
  if (!dir) {
    cfm_error_set(err, CFM_EIO, "", "", "cannot make a temporary directory");
    return NULL;
  }
  cfm_mock_config_init(&mc);
  mc.faults = fault ? faults : NULL;
  if (cfm_mock_start(&mc, &m, why, sizeof(why)) != 0) {
    cfm_error_set(err, CFM_ENETWORK, "", "", "mock: %s", why);
    cfm_test_remove_dir(dir);
    return NULL;
  }
  cfm_config_init(&cfg);
  cfm_config_use_mock(&cfg, cfm_mock_port(m));
  opt->reports_dir = dir;
  rc = cfm_run(specs, &cfg, opt, res, err);
  cfm_config_release(&cfg);
  cfm_mock_stop(m);
  if (rc == CFM_EOK) {
    snprintf(path, sizeof(path), "%s/report.json", res->run_dir);
    report = cfm_json_load_file(path, 64u << 20, err);
  }
  opt->reports_dir = NULL;
  cfm_test_remove_dir(dir);
  return report;
}

char *cfm_test_temp_dir(const char *stem) {
  char *d = malloc(strlen(stem) + 32);
  if (!d)
    return NULL;
  sprintf(d, "/tmp/conform-%s-XXXXXX", stem);
  if (!mkdtemp(d)) {
    free(d);
    return NULL;
  }
  return d;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int cfm_test_remove_dir(char *dir) {
  int rc = nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
  free(dir);
  return rc;
}
