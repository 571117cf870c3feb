#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/spec.h"
#include "conform/target.h"

/* Sorted by name; cfm_cli_main relies on it only for the help listing. */
const struct cfm_cmd cfm_commands[] = {
    {"baseline", cmd_baseline, "write or check a baseline of accepted deviations"},
    {"check", cmd_check, "judge recorded exchanges (HAR files) against the documents"},
    {"cleanup", cmd_cleanup, "delete what an interrupted or killed run left (its ledger)"},
    {"credential", cmd_credential, "print a fresh credential of a target for a reproduction"},
    {"export", cmd_export, "write a spec as OpenAPI 3.1 (with x-conform extensions)"},
    {"extract", cmd_extract, "draft a spec from a vendor document, or report drift"},
    {"fuzz", cmd_fuzz, "fuzz the endpoints with generated requests and sequences (seeded)"},
    {"help", cmd_help, "show usage of conform or of a command"},
    {"lint", cmd_lint, "check specs against the format and its rules"},
    {"merge", cmd_merge, "merge shard reports into one run"},
    {"mock", cmd_mock, "serve the reference mock of all three vendors"},
    {"proxy", cmd_proxy, "forward live traffic to the vendors and judge each exchange"},
    {"replay", cmd_replay, "re-run one case (or a fuzz case file) and print its exchanges"},
    {"run", cmd_run, "run the contract cases against targets (default: embedded mock)"},
    {"specs", cmd_specs, "list vendors, operations and their documented items"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

static void vmsg(const char *kind, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
static void vmsg(const char *kind, const char *fmt, va_list ap) {
  fprintf(stderr, "conform: %s: ", kind);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void cfm_cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("error", fmt, ap);
  va_end(ap);
}

void cfm_cli_report_error(const cfm_error_t *err) {
  cfm_cli_error("%s%s%s: %s", err->where, err->pointer[0] ? "#" : "", err->pointer, err->text);
}

int cfm_cli_input_failure(const cfm_error_t *err) {
  cfm_cli_report_error(err);
  return err->code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
}

void cfm_cli_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg("warning", fmt, ap);
  va_end(ap);
}

/* ---- where the shipped specs are ----------------------------------------------- */

static char specs_dir[PATH_MAX];

static int has_schema(const char *dir) {
  char path[PATH_MAX + 64];
  struct stat st;
  size_t n = strlen(dir);
  if (n >= PATH_MAX)
    return 0;
  memcpy(path, dir, n);
  memcpy(path + n, "/spec.schema.json", sizeof("/spec.schema.json"));
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void cfm_cli_set_specs_dir(const char *dir) {
  size_t n = strlen(dir);
  if (n >= sizeof(specs_dir))
    n = sizeof(specs_dir) - 1;
  memcpy(specs_dir, dir, n);
  specs_dir[n] = '\0';
  cfm_spec_set_schema_dir(specs_dir);
}

/* $CONFORM_SPECS_DIR, else beside the executable: <prefix>/bin/conform finds
 * <prefix>/share/conform/specs; a build tree has share/conform/specs beside
 * its binaries (a link to the source specs, made by CMake).  Never a path
 * compiled into the binary: an installed copy must not read the tree it
 * was built from. */
static void find_specs_dir(void) {
  static const char *const rel[] = {"/../share/conform/specs", "/share/conform/specs"};
  const char *env = getenv("CONFORM_SPECS_DIR");
  char exe[PATH_MAX], cand[PATH_MAX + 32];
  ssize_t n;
  size_t i;
  if (env && *env) {
    cfm_cli_set_specs_dir(env);
    return;
  }
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    cfm_cli_set_specs_dir("share/conform/specs");
    return;
  }
  exe[n] = '\0';
  if (strrchr(exe, '/'))
    *strrchr(exe, '/') = '\0';
  for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
    snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
    if (has_schema(cand)) {
      cfm_cli_set_specs_dir(cand);
      return;
    }
  }
  /* Not found: name the installed layout in the error a command prints. */
  snprintf(cand, sizeof(cand), "%s%s", exe, rel[0]);
  cfm_cli_set_specs_dir(cand);
}

const char *cfm_cli_specs_dir(void) {
  if (!specs_dir[0])
    find_specs_dir();
  return specs_dir;
}

static void usage(FILE *f) {
  const struct cfm_cmd *c;
  fputs("usage: conform [--specs-dir DIR] <command> [options]\n"
        "       conform -h|--help | -V|--version\n\ncommands:\n",
        f);
  for (c = cfm_commands; c->name; c++)
    fprintf(f, "  %-10s %s\n", c->name, c->summary);
  fputs("\nexit codes: 0 ok, 1 contract failures, 2 usage, 3 invalid spec/config,\n"
        "            4 target unreachable, 5 internal error\n"
        "            6 run incomplete (errors, or a vendor entirely throttled)\n"
        "the shipped specs: --specs-dir DIR, $CONFORM_SPECS_DIR, else\n"
        "<prefix>/share/conform/specs beside <prefix>/bin/conform.\n"
        "run 'conform help <command>' for a command's options.\n",
        f);
}

int cmd_help(int argc, char **argv) {
  const struct cfm_cmd *c;
  if (argc < 2) {
    usage(stdout);
    return CFM_EXIT_OK;
  }
  for (c = cfm_commands; c->name; c++) {
    if (strcmp(c->name, argv[1]) == 0 && c->fn != cmd_help) {
      char *hargv[] = {argv[1], "--help", NULL};
      return c->fn(2, hargv);
    }
  }
  return cfm_cli_usage_error("", "unknown command '%s'", argv[1]);
}

int cmd_version(int argc, char **argv) {
  printf("conform %s\n", CONFORM_VERSION);
  return CFM_EXIT_OK;
}

int cfm_cli_main(int argc, char **argv) {
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"version", no_argument, NULL, 'V'},
                                     {"specs-dir", required_argument, NULL, 'S'},
                                     {NULL, 0, NULL, 0}};
  /* '+': stop at the command; its options are its own. */
  cfm_cli_opt p = {"", "+hV", lo, 0, ""};
  const struct cfm_cmd *c;
  const char *names[32], *hint;
  size_t n = 0;
  int o;
  specs_dir[0] = '\0';
  find_specs_dir();
  while ((o = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (o == 'h')
      return cmd_help(1, argv);
    if (o == 'V')
      return cmd_version(1, argv);
    if (o == 'S')
      cfm_cli_set_specs_dir(optarg);
    else
      return CFM_EXIT_USAGE;
  }
  if (optind >= argc)
    return cfm_cli_usage_error("", "no command given");
  argv += optind - 1;
  argc -= optind - 1;
  for (c = cfm_commands; c->name; c++)
    if (strcmp(c->name, argv[1]) == 0)
      return c->fn(argc - 1, argv + 1);
  for (c = cfm_commands; c->name && n < 31; c++)
    names[n++] = c->name;
  names[n] = NULL;
  hint = cfm_did_you_mean(argv[1], names);
  if (hint)
    return cfm_cli_usage_error("", "unknown command '%s'; did you mean '%s'?", argv[1], hint);
  return cfm_cli_usage_error("", "unknown command '%s'", argv[1]);
}
