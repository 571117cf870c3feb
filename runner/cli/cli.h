/* conform CLI — the command table and the documented exit codes.
 *
 * Adding a command = one file runner/cli/cmd_<name>.c defining
 * `int cmd_<name>(int argc, char **argv)` + one row in the sorted table in
 * cli_main.c + its prototype below (git's builtin/ layout). */
#ifndef CONFORM_CLI_H
#define CONFORM_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/exec.h"
#include "conform/runner.h"

/* Exit codes; docs/cli.md and README.md list them for users. */
enum cfm_exit {
  CFM_EXIT_OK = 0,          /* no contract failure (or command succeeded) */
  CFM_EXIT_FAIL = 1,        /* contract failures (new ones, with a baseline) */
  CFM_EXIT_USAGE = 2,       /* bad command line */
  CFM_EXIT_SPEC = 3,        /* invalid spec, config or baseline */
  CFM_EXIT_UNREACHABLE = 4, /* the target could not be reached */
  CFM_EXIT_INTERNAL = 5,    /* internal error (out of memory, bug) */
  CFM_EXIT_INCOMPLETE = 6   /* the run did not test what it was asked to: error verdicts
                               not accepted by the baseline, or a vendor whose every
                               case was skipped for throttling */
};

typedef int (*cfm_cmd_fn)(int argc, char **argv);

struct cfm_cmd {
  const char *name;
  cfm_cmd_fn fn;
  const char *summary;
};

/* Dispatches argv[1] to a command.  Returns an enum cfm_exit value. */
int cfm_cli_main(int argc, char **argv);
/* The table, sorted by name, terminated by a NULL name. */
extern const struct cfm_cmd cfm_commands[];

/* Prints "conform: error: <fmt>\n" to stderr (git message style). */
void cfm_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints an error detail as "conform: error: <where>[#<pointer>]: <text>". */
void cfm_cli_report_error(const cfm_error_t *err);
/* Reports a failure to load or check input (a spec): prints err, returns
 * CFM_EXIT_INTERNAL when it was out of memory, else CFM_EXIT_SPEC. */
int cfm_cli_input_failure(const cfm_error_t *err);
/* Prints "conform: warning: <fmt>\n" to stderr. */
void cfm_cli_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- GNU-style options (cli_opt.c) ---- */

typedef struct cfm_cli_opt {
  const char *cmd;               /* for the Try line: "run", "baseline write" */
  const char *shortopts;         /* getopt's, without the leading ':' */
  const struct option *longopts; /* terminated by a NULL name */
  int started;
  char sopts[64];
} cfm_cli_opt;
/* getopt_long over argv (argv[0] = the command).  Returns the option's
 * val, -1 after the last option (optind is then the first operand), or
 * '?' after printing one error line ("option '--filter' requires an
 * argument", "unrecognized option '--fitler'; did you mean '--filter'?")
 * and the Try line: the caller returns CFM_EXIT_USAGE. */
int cfm_cli_getopt(cfm_cli_opt *p, int argc, char **argv);
/* Prints "Try 'conform CMD --help' for more information." to stderr. */
void cfm_cli_try(const char *cmd);
/* Prints "conform: error: <fmt>" and the Try line; returns CFM_EXIT_USAGE. */
int cfm_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

enum { CFM_CLI_COLOUR_AUTO, CFM_CLI_COLOUR_ALWAYS, CFM_CLI_COLOUR_NEVER };
/* Parses a --color value (auto|always|never).  Returns 0, or -1. */
int cfm_cli_colour_parse(const char *when, int *mode);
/* 1 when output to fd is coloured: always, never, or (auto) when fd is
 * a terminal and NO_COLOR is unset or empty (https://no-color.org). */
int cfm_cli_colour_on(int mode, int fd);

/* The directory of the shipped specs and the meta-schema: --specs-dir,
 * $CONFORM_SPECS_DIR, or <dir of the executable>/../share/conform/specs
 * (installed) or <dir>/share/conform/specs (a build tree).  Borrowed. */
const char *cfm_cli_specs_dir(void);
/* Sets it (--specs-dir), for the meta-schema too. */
void cfm_cli_set_specs_dir(const char *dir);

/* ---- conform run: checks before and after (cli_run_check.c) ---- */

/* CFM_EXIT_OK when vendor is NULL or a vendor of set; else prints the
 * error (with a "did you mean") and returns CFM_EXIT_USAGE. */
int cfm_cli_run_vendor_known(const cfm_specset *set, const char *vendor);
/* Keeps in set only the specs of vendors cfg gives a URL (frees the
 * others) and says which were left out; vendor (may be NULL) must have one.
 * Returns CFM_EXIT_OK or CFM_EXIT_SPEC (printed). */
int cfm_cli_run_restrict(cfm_specset *set, const cfm_config *cfg, const char *vendor);
/* CFM_EXIT_OK when opt selects at least one case of set; else prints why
 * and returns CFM_EXIT_USAGE (selectors match nothing) or CFM_EXIT_SPEC. */
int cfm_cli_run_selects(const cfm_specset *set, const cfm_run_options *opt);
/* Before the first request: every vendor of a selected case has a target,
 * every credential its auth needs and every variable its cases use is
 * configured or (variables) defaulted by the spec.  Unless mock, prints a
 * header: each target, where its URL came from, the variables in use and
 * where each came from.  Returns CFM_EXIT_OK or CFM_EXIT_SPEC (printed,
 * naming everything missing). */
int cfm_cli_run_preflight(const cfm_specset *set, cfm_config *cfg, const cfm_run_options *opt,
                          int mock);

typedef struct cfm_cli_run_outcome {
  size_t open_errors;       /* error verdicts the baseline does not accept */
  char first_error[256];    /* "<id>: <reason>" of the first one */
  size_t throttled_vendors; /* vendors whose every case was skipped as throttled */
  char throttled[256];      /* their names, quoted, comma-separated */
} cfm_cli_run_outcome;
/* Reads a run's report.json.  Returns 0 (o filled) or -1 (printed). */
int cfm_cli_run_verdicts(const char *report_json, const cfm_baseline *baseline,
                         cfm_cli_run_outcome *o);
/* Records in <run_dir>/report.json which run and shard it is (run_id, or
 * CONFORM_RUN_ID's caller-resolved value; NULL = derived from the specs,
 * targets and selection), the targets and a hash of the specs, for
 * 'conform merge'.  Returns CFM_EXIT_OK or CFM_EXIT_INTERNAL (printed). */
int cfm_cli_run_stamp(const char *run_dir, const cfm_specset *set, cfm_config *cfg,
                      const cfm_run_options *opt, int mock, const char *run_id, size_t cases);
/* Removes a directory tree (a private report directory).  Returns 0 or -1. */
int cfm_cli_remove_tree(const char *dir);

/* conform fuzz: the embedded mock answering in process (no socket), as a
 * cfm_efuzz_send_fn; user is a cfm_cli_fuzz_mock whose body holds the
 * last answer (free it after the last call). */
typedef struct cfm_cli_fuzz_mock {
  struct cfm_mock *mock;
  char *body;
} cfm_cli_fuzz_mock;
void cfm_cli_fuzz_mock_send(void *user, const cfm_http_request *req, cfm_http_response *res);

int cmd_cleanup(int argc, char **argv);
/* conform run --record FILE.har (cmd_check.c): opens a HAR writer as
 * opt->record.  Returns CFM_EXIT_OK or CFM_EXIT_SPEC/INTERNAL (printed). */
int cfm_cli_record_open(const char *path, const cfm_config *cfg, cfm_run_options *opt);
/* Closes the writer of opt->record (if any; a write failure is printed)
 * and returns run_rc, the run's return code, unchanged. */
int cfm_cli_record_close(cfm_run_options *opt, int run_rc);

int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_credential(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_mock(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_specs(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
