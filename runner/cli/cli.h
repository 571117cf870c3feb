/* conform CLI — the command table and the documented exit codes.
 *
 * Adding a command = one file runner/cli/cmd_<name>.c defining
 * `int cmd_<name>(int argc, char **argv)` + one row in the sorted table in
 * cli_main.c + its prototype below (git's builtin/ layout). */
#ifndef CONFORM_CLI_H
#define CONFORM_CLI_H

#include <stdio.h>

#include "conform/error.h"

/* Exit codes; docs/cli.md and README.md list them for users. */
enum cfm_exit {
  CFM_EXIT_OK = 0,          /* no contract failure (or command succeeded) */
  CFM_EXIT_FAIL = 1,        /* contract failures (new ones, with a baseline) */
  CFM_EXIT_USAGE = 2,       /* bad command line */
  CFM_EXIT_SPEC = 3,        /* invalid spec, config or baseline */
  CFM_EXIT_UNREACHABLE = 4, /* the target could not be reached */
  CFM_EXIT_INTERNAL = 5     /* internal error (out of memory, bug) */
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

int cmd_baseline(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_mock(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_specs(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
