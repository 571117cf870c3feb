/* conform credential — prints a fresh credential of one vendor's target
 * (an Agora app token, a DingTalk access token, a Tencent UserSig) for a
 * reproduction's environment reference, from the same providers and
 * config as a run.  Owns the command only: the providers live in
 * runner/lib (config.c, credential.c, agora_token.c, usersig.c).  The
 * value goes to stdout and nowhere else. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conform/credential.h"
#include "conform/repro.h"
#include "conform/spec.h"
#include "conform/target.h"

static void usage(FILE *f) {
  fputs("usage: conform credential [--config FILE] [--specs-dir DIR] VENDOR\n\n"
        "Prints a fresh credential of VENDOR's target to stdout, the value a\n"
        "reproduction in a report names as an environment variable:\n"
        "  agora-chat      AGORA_APP_TOKEN        app token minted from app_certificate\n"
        "  dingtalk-rooms  DINGTALK_ACCESS_TOKEN  access token fetched with app_key/app_secret\n"
        "  tencent-im      TENCENT_USERSIG        UserSig signed with secret_key (24 h)\n"
        "e.g.  export AGORA_APP_TOKEN=\"$(conform credential --config c.json agora-chat)\"\n"
        "Without --config: the embedded mock's demo credentials.\n\n"
        "  --config FILE     targets and credentials, as for conform run (docs/config.md)\n"
        "  --specs-dir DIR   the shipped specs\n"
        "  -h, --help        this help\n\n"
        "Exit: 0 printed, 2 usage (unknown vendor), 3 bad config or a missing\n"
        "      credential, 4 the token endpoint unreachable or without a token,\n"
        "      5 internal error.\n",
        f);
}

/* The exit code of a provider's error. */
static int exit_of(int rc) {
  if (rc == CFM_ECONFIG || rc == CFM_EUSAGE)
    return CFM_EXIT_SPEC;
  if (rc == CFM_ENETWORK || rc == CFM_ETIMEOUT || rc == CFM_EPARSE)
    return CFM_EXIT_UNREACHABLE;
  return CFM_EXIT_INTERNAL;
}

/* The spec of vendor in set; NULL after printing the usage error (with a
 * suggestion). */
static const cfm_spec *spec_of(const cfm_specset *set, const char *vendor) {
  const char *names[64];
  const char *near;
  size_t i, n = 0;
  for (i = 0; i < set->count; i++) {
    if (!strcmp(set->items[i]->vendor, vendor))
      return set->items[i];
    if (n + 1 < sizeof(names) / sizeof(names[0]))
      names[n++] = set->items[i]->vendor;
  }
  names[n] = NULL;
  near = cfm_did_you_mean(vendor, names);
  cfm_cli_usage_error("credential", "unknown vendor '%s'%s%s%s", vendor,
                      near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
  return NULL;
}

/* The config a run would use: the file, else the mock's demo credentials.
 * Returns CFM_EXIT_OK or an exit code (printed). */
static int load_config(cfm_config *cfg, const char *path, const cfm_specset *set) {
  cfm_error_t err;
  cfm_error_init(&err);
  if (!path)
    return cfm_config_use_mock(cfg, 0) == CFM_EOK ? CFM_EXIT_OK : CFM_EXIT_INTERNAL;
  if (cfm_config_load(cfg, path, &err) != CFM_EOK || cfm_config_check(cfg, set, &err) != CFM_EOK)
    return cfm_cli_input_failure(&err);
  return CFM_EXIT_OK;
}

/* Renders vendor's valid credential and prints its value.  Returns an
 * exit code. */
static int print_credential(const cfm_spec *spec, const cfm_target *t) {
  const json_t *auth = json_object_get(json_object_get(spec->root, "transport"), "auth");
  cfm_repro_auth a;
  cfm_auth_out out;
  cfm_error_t err;
  char value[CFM_CRED_TOKEN_MAX], query[sizeof(out.query) + 2];
  int rc;
  cfm_error_init(&err);
  cfm_repro_auth_of(spec, &a);
  if (!a.env[0]) {
    cfm_cli_error("'%s' has no credential to print (its spec names none)", spec->vendor);
    return CFM_EXIT_SPEC;
  }
  rc = cfm_auth_render(t, auth, CFM_AUTH_VALID, (int64_t)time(NULL), 0, &out, &err);
  if (rc != CFM_EOK) {
    cfm_cli_report_error(&err);
    return exit_of(rc);
  }
  snprintf(query, sizeof(query), "?%s", out.query);
  if (cfm_repro_credential(&a, out.header, value, sizeof(value)) != 0 &&
      cfm_repro_credential(&a, query, value, sizeof(value)) != 0) {
    cfm_cli_error("no credential in what '%s' renders", spec->vendor);
    return CFM_EXIT_INTERNAL;
  }
  if (printf("%s\n", value) < 0 || fflush(stdout) != 0) {
    cfm_cli_error("cannot write the credential to stdout");
    return CFM_EXIT_INTERNAL;
  }
  return CFM_EXIT_OK;
}

int cmd_credential(int argc, char **argv) {
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"config", required_argument, NULL, 'c'},
                                     {"specs-dir", required_argument, NULL, 'S'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"credential", "h", lo, 0, ""};
  const char *config = NULL, *vendor;
  cfm_specset set;
  cfm_config cfg;
  cfm_error_t err;
  const cfm_spec *spec;
  const cfm_target *t;
  int c, rc;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'c') {
      config = optarg;
    } else if (c == 'S') {
      cfm_cli_set_specs_dir(optarg);
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (argc - optind == 0)
    return cfm_cli_usage_error("credential", "no VENDOR given");
  if (argc - optind > 1)
    return cfm_cli_usage_error("credential", "one VENDOR, not %d", argc - optind);
  vendor = argv[optind];
  memset(&set, 0, sizeof(set));
  cfm_error_init(&err);
  cfm_config_init(&cfg);
  if (cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  if (!(spec = spec_of(&set, vendor))) {
    rc = CFM_EXIT_USAGE;
    goto out;
  }
  if ((rc = load_config(&cfg, config, &set)) != CFM_EXIT_OK)
    goto out;
  if (!(t = cfm_config_target(&cfg, vendor))) {
    cfm_cli_error("the config has no target '%s'", vendor);
    rc = CFM_EXIT_SPEC;
    goto out;
  }
  rc = print_credential(spec, t);
out:
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
  return rc;
}
