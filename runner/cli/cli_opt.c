/* GNU-style option parsing for every command: getopt_long with the
 * messages of the GNU tools ("option '--filter' requires an argument",
 * "Try 'conform run --help' for more information.") and a "did you mean"
 * for a mistyped long option.  A usage error is one error line and the
 * Try line, never the whole usage text. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/target.h"

void cfm_cli_try(const char *cmd) {
  fprintf(stderr, "Try 'conform%s%s --help' for more information.\n", cmd && *cmd ? " " : "",
          cmd ? cmd : "");
}

static void vusage_error(const char *cmd, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* The error line and the Try line in one write: a reader that stops after
 * the first line (head -1) must not make the second a SIGPIPE. */
static void vusage_error(const char *cmd, const char *fmt, va_list ap) {
  char msg[1024];
  int n = snprintf(msg, sizeof(msg), "conform: error: ");
  n += vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
  if (n > (int)sizeof(msg) - 1)
    n = (int)sizeof(msg) - 1;
  snprintf(msg + n, sizeof(msg) - (size_t)n, "\nTry 'conform%s%s --help' for more information.\n",
           cmd && *cmd ? " " : "", cmd ? cmd : "");
  fflush(stderr);
  if (write(2, msg, strlen(msg)) < 0)
    return;
}

int cfm_cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vusage_error(cmd, fmt, ap);
  va_end(ap);
  return CFM_EXIT_USAGE;
}

static void usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vusage_error(cmd, fmt, ap);
  va_end(ap);
}

/* The long option named exactly name (len bytes), or NULL. */
static const struct option *long_named(const struct option *lo, const char *name, size_t len) {
  for (; lo && lo->name; lo++)
    if (strlen(lo->name) == len && !strncmp(lo->name, name, len))
      return lo;
  return NULL;
}

/* The long option whose val is val, or NULL. */
static const struct option *long_of(const struct option *lo, int val) {
  for (; lo && lo->name; lo++)
    if (!lo->flag && lo->val == val)
      return lo;
  return NULL;
}

static size_t prefix_matches(const struct option *lo, const char *name, size_t len) {
  size_t n = 0;
  for (; lo && lo->name; lo++)
    n += !strncmp(lo->name, name, len);
  return n;
}

/* Prints why the option at argv[optind-1] was refused. */
static void refuse(const cfm_cli_opt *p, int c, int argc, char **argv) {
  const char *arg = optind > 0 && optind - 1 < argc ? argv[optind - 1] : "";
  if (!strncmp(arg, "--", 2) && arg[2]) {
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct option *lo = long_named(p->longopts, name, len);
    if (!lo && c != ':' && prefix_matches(p->longopts, name, len) == 1) {
      const struct option *o;
      for (o = p->longopts; o->name; o++)
        if (!strncmp(o->name, name, len))
          lo = o;
    }
    if (c == ':') {
      usage_error(p->cmd, "option '--%s' requires an argument", lo ? lo->name : name);
    } else if (lo && eq && lo->has_arg == no_argument) {
      usage_error(p->cmd, "option '--%s' doesn't allow an argument", lo->name);
    } else if (!lo && prefix_matches(p->longopts, name, len) > 1) {
      usage_error(p->cmd, "option '--%.*s' is ambiguous", (int)len, name);
    } else {
      const char *names[128], *hint;
      char word[128];
      size_t k = 0;
      const struct option *o;
      for (o = p->longopts; o && o->name && k < 127; o++)
        names[k++] = o->name;
      names[k] = NULL;
      snprintf(word, sizeof(word), "%.*s", (int)(len < 100 ? len : 100), name);
      hint = cfm_did_you_mean(word, names);
      if (hint)
        usage_error(p->cmd, "unrecognized option '--%s'; did you mean '--%s'?", word, hint);
      else
        usage_error(p->cmd, "unrecognized option '--%s'", word);
    }
  } else if (c == ':') {
    const struct option *lo = long_of(p->longopts, optopt);
    if (lo && optopt < 256)
      usage_error(p->cmd, "option '-%c' (--%s) requires an argument", optopt, lo->name);
    else
      usage_error(p->cmd, "option '-%c' requires an argument", optopt);
  } else {
    usage_error(p->cmd, "invalid option -- '%c'", optopt ? optopt : '?');
  }
}

int cfm_cli_getopt(cfm_cli_opt *p, int argc, char **argv) {
  int c;
  if (!p->started) {
    /* Commands run in-process from the tests: start afresh each time
     * (glibc re-initialises when optind is 0). */
    const char *so = p->shortopts ? p->shortopts : "";
    /* A leading '+' (stop at the first operand) must stay first. */
    if (*so == '+')
      snprintf(p->sopts, sizeof(p->sopts), "+:%s", so + 1);
    else
      snprintf(p->sopts, sizeof(p->sopts), ":%s", so);
    optind = 0;
    opterr = 0;
    p->started = 1;
  }
  c = getopt_long(argc, argv, p->sopts, p->longopts, NULL);
  if (c == '?' || c == ':') {
    refuse(p, c, argc, argv);
    return '?';
  }
  return c;
}

/* ---- colour ----------------------------------------------------------------------- */

int cfm_cli_colour_parse(const char *when, int *mode) {
  if (!when || !strcmp(when, "auto"))
    *mode = CFM_CLI_COLOUR_AUTO;
  else if (!strcmp(when, "always") || !strcmp(when, "yes") || !strcmp(when, "force"))
    *mode = CFM_CLI_COLOUR_ALWAYS;
  else if (!strcmp(when, "never") || !strcmp(when, "no") || !strcmp(when, "none"))
    *mode = CFM_CLI_COLOUR_NEVER;
  else
    return -1;
  return 0;
}

int cfm_cli_colour_on(int mode, int fd) {
  const char *nc = getenv("NO_COLOR");
  if (mode == CFM_CLI_COLOUR_ALWAYS)
    return 1;
  if (mode == CFM_CLI_COLOUR_NEVER || (nc && *nc))
    return 0;
  return isatty(fd);
}
