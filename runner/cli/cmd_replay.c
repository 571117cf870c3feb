/* conform replay: re-run one case of a run (with its set-up and clean-up)
 * through the run library, selected by exact id (cfm_run_selects), or a
 * case file of `conform fuzz` through cfm_efuzz_replay; print the verdict
 * and every exchange, redacted (docs/passive.md).  Must not judge or
 * select cases itself. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/efuzz.h"
#include "conform/fileio.h"
#include "conform/jsonutil.h"
#include "conform/mock.h"
#include "conform/sanitize.h"

#define REPLAY_MAX_TARGETS 16
#define REPORT_MAX_BYTES (256u * 1024u * 1024u)

static void usage(FILE *f) {
  fputs("usage: conform replay CASE_ID [--from REPORT.json] [--target VENDOR=URL]...\n"
        "                      [--config FILE] [--specs-dir DIR]\n"
        "       conform replay FUZZ-CASE.json [--target VENDOR=URL]... [--config FILE]\n"
        "\n"
        "Re-runs one case with its set-up and clean-up (the run's own code, the case\n"
        "picked by its exact id) and prints its verdict and every exchange, secrets\n"
        "redacted.  A file argument is a case file `conform fuzz` saved: it runs as\n"
        "`conform fuzz --replay FILE` does.\n"
        "\n"
        "  --from REPORT.json   the run to replay from: its targets (unless --target\n"
        "                       names the vendor's) and its verdict for comparison\n"
        "  --target VENDOR=URL  send VENDOR's requests there (repeatable)\n"
        "  --config FILE        targets, credentials, variables (docs/config.md)\n"
        "  --specs-dir DIR      the shipped specs\n"
        "  -h, --help           this help\n"
        "\n"
        "Without a target the embedded mock answers.  Exit codes: 0 the case passed\n"
        "(warn, skip) or the fuzz failure did not recur, 1 it failed / recurred,\n"
        "2 usage (an unknown case id), 3 invalid spec, config, report or case file,\n"
        "5 internal error, 6 the case ended in error.\n",
        f);
}

typedef struct replay_args {
  const char *what, *from, *config;
  const char *targets[REPLAY_MAX_TARGETS];
  int ntargets;
} replay_args;

static int parse(int argc, char **argv, replay_args *a) {
  static const struct option lo[] = {
      {"from", required_argument, NULL, 'f'},   {"target", required_argument, NULL, 't'},
      {"config", required_argument, NULL, 'c'}, {"specs-dir", required_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"replay", "h", lo, 0, ""};
  int c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'f') {
      a->from = optarg;
    } else if (c == 't') {
      if (a->ntargets == REPLAY_MAX_TARGETS)
        return cfm_cli_usage_error("replay", "too many --target (at most %d)", REPLAY_MAX_TARGETS);
      a->targets[a->ntargets++] = optarg;
    } else if (c == 'c') {
      a->config = optarg;
    } else if (c == 's') {
      cfm_cli_set_specs_dir(optarg);
    } else if (c == 'h') {
      usage(stdout);
      return -1;
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return cfm_cli_usage_error("replay", "no case id or fuzz case file given");
  if (optind + 1 < argc)
    return cfm_cli_usage_error("replay", "one case at a time; unexpected '%s'", argv[optind + 1]);
  a->what = argv[optind];
  return CFM_EXIT_OK;
}

/* ---- printing exchanges ------------------------------------------------------------ */

typedef struct printer {
  FILE *out;
  const cfm_config *cfg;
  size_t n;
} printer;

static void field(printer *pr, const char *mark, const char *text, size_t len) {
  char *s = cfm_sanitize(pr->cfg, text, len, 4096, CFM_SINK_TERM, NULL);
  fprintf(pr->out, "%s %s\n", mark, s ? s : "(out of memory)");
  free(s);
}

static void print_request(printer *pr, const cfm_http_request *req) {
  size_t i;
  char line[64], *text;
  size_t n = strlen(req->method) + strlen(req->url) + 2;
  snprintf(line, sizeof(line), "[%zu] >", ++pr->n);
  if ((text = malloc(n)) != NULL) {
    snprintf(text, n, "%s %s", req->method, req->url);
    field(pr, line, text, n - 1);
    free(text);
  }
  for (i = 0; req->headers && req->headers[i]; i++)
    field(pr, ">", req->headers[i], strlen(req->headers[i]));
  if (req->body)
    field(pr, ">", req->body, req->body_len);
}

static void print_response(printer *pr, const cfm_http_response *res) {
  char line[400];
  if (res->error) {
    snprintf(line, sizeof(line), "no response: %s", res->error_text);
    field(pr, "<", line, strlen(line));
    return;
  }
  snprintf(line, sizeof(line), "%ld %s", res->status, res->content_type ? res->content_type : "");
  field(pr, "<", line, strlen(line));
  field(pr, "<", res->body ? res->body : "", res->body ? res->len : 0);
}

/* cfm_run_options.record: each request as sent, each response as it came. */
static void record(void *user, const void *key, const cfm_http_request *req,
                   const cfm_http_response *res) {
  (void)key;
  if (req)
    print_request(user, req);
  if (res)
    print_response(user, res);
}

/* ---- a fuzz case file ---------------------------------------------------------------- */

typedef struct fuzz_send {
  printer *pr;
  cfm_efuzz_send_fn send;
  void *user;
} fuzz_send;

static void fuzz_send_print(void *user, const cfm_http_request *req, cfm_http_response *res) {
  fuzz_send *fs = user;
  print_request(fs->pr, req);
  fs->send(fs->user, req, res);
  print_response(fs->pr, res);
}

static int replay_fuzz(const replay_args *a, const cfm_specset *set, cfm_config *cfg,
                       int have_target, cfm_mock *mock) {
  cfm_cli_fuzz_mock ip = {mock, NULL};
  cfm_efuzz_http *http = NULL;
  cfm_efuzz_result res;
  cfm_error_t err;
  printer pr = {stdout, cfg, 0};
  fuzz_send fs = {&pr, cfm_cli_fuzz_mock_send, &ip};
  json_t *c;
  int rc;
  cfm_error_init(&err);
  if (!(c = cfm_json_load_file(a->what, 1u << 24, &err)))
    return cfm_cli_input_failure(&err);
  if (have_target) {
    size_t t;
    int remote = 0;
    for (t = 0; t < cfg->count; t++)
      remote |= cfg->targets[t].base_url && !cfm_target_is_local(cfg->targets[t].base_url);
    if (!(http = cfm_efuzz_http_new(remote ? 5.0 : 0, 10000))) {
      json_decref(c);
      return CFM_EXIT_INTERNAL;
    }
    fs.send = cfm_efuzz_http_send;
    fs.user = http;
  }
  if (cfm_efuzz_replay(set, cfg, c, fuzz_send_print, &fs, &res, &err) != CFM_EOK) {
    cfm_cli_error("%s: %s", a->what, err.text);
    rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  } else {
    printf("verdict: %s\nreason: %s\n", res.fails ? "fail (reproduced)" : "pass (not reproduced)",
           res.reason);
    rc = res.fails ? CFM_EXIT_FAIL : CFM_EXIT_OK;
    cfm_efuzz_result_release(&res);
  }
  json_decref(c);
  cfm_efuzz_http_free(http);
  free(ip.body);
  return rc;
}

/* ---- one case of a run ------------------------------------------------------------------- */

/* The case's result in a report.json (new reference), or NULL. */
static json_t *report_case(const json_t *report, const char *id) {
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(report, "cases"), i, c) {
    if (!strcmp(cfm_json_str(c, "id") ? cfm_json_str(c, "id") : "", id))
      return json_incref(c);
  }
  return NULL;
}

/* The run's targets, where --target does not name the vendor: shard_set
 * tells an embedded mock ("embedded-mock": its port is gone; the
 * embedded mock of this process answers) from a URL. */
static int targets_from(const replay_args *a, const json_t *report, cfm_config *cfg) {
  const json_t *t = json_object_get(json_object_get(report, "shard_set"), "targets"), *v;
  const char *vendor;
  cfm_error_t err;
  char arg[1200];
  int i;
  if (!json_is_object(t))
    t = json_object_get(report, "targets");
  json_object_foreach((json_t *)t, vendor, v) {
    const char *url = json_string_value(v);
    size_t n = strlen(vendor);
    int named = 0;
    for (i = 0; i < a->ntargets; i++)
      named |= !strncmp(a->targets[i], vendor, n) && a->targets[i][n] == '=';
    if (named || !url || !strcmp(url, "embedded-mock"))
      continue;
    snprintf(arg, sizeof(arg), "%s=%.1000s", vendor, url);
    cfm_error_init(&err);
    if (cfm_config_set_target_url(cfg, arg, &err) != CFM_EOK) {
      cfm_cli_error("'%s': %s", a->from, err.text);
      return CFM_EXIT_SPEC;
    }
  }
  return CFM_EXIT_OK;
}

/* The id as a glob that matches only itself (cfm_run_selects uses fnmatch). */
static void exact_glob(const char *id, char *out, size_t cap) {
  size_t n = 0;
  for (; *id && n + 3 < cap; id++) {
    if (strchr("*?[]\\", *id))
      out[n++] = '\\';
    out[n++] = *id;
  }
  out[n] = '\0';
}

/* 1 when the set has a case with this exact id; else says which is near. */
static int case_exists(const cfm_specset *set, const cfm_run_options *opt, const char *id) {
  cfm_caselist list;
  const char **names;
  const char *hint = NULL;
  size_t i, found = 0;
  memset(&list, 0, sizeof(list));
  if (cfm_cases_generate(set, &list) != CFM_EOK)
    return -1;
  names = calloc(list.count + 1, sizeof(*names));
  for (i = 0; i < list.count; i++) {
    found += cfm_run_selects(opt, &list.items[i]);
    if (names)
      names[i] = list.items[i].id;
  }
  if (!found && names)
    hint = cfm_did_you_mean(id, names);
  if (!found)
    cfm_cli_usage_error("replay", "no case '%s'%s%s%s", id, hint ? "; did you mean '" : "",
                        hint ? hint : "", hint ? "'?" : "");
  free(names);
  cfm_caselist_release(&list);
  return found ? 1 : 0;
}

/* Prints the verdict of the replayed case from the run's report.json and,
 * given the report replayed from, what it was then.  Returns the exit code. */
static int verdict(const char *run_dir, const char *id, const json_t *was) {
  char path[700];
  cfm_error_t err;
  json_t *rep, *c;
  const char *v;
  int rc;
  snprintf(path, sizeof(path), "%.600s/report.json", run_dir);
  cfm_error_init(&err);
  if (!(rep = cfm_json_load_file(path, REPORT_MAX_BYTES, &err)))
    return cfm_cli_input_failure(&err);
  if (!(c = report_case(rep, id))) {
    json_decref(rep);
    cfm_cli_error("the run did not report case '%s'", id);
    return CFM_EXIT_INTERNAL;
  }
  v = cfm_json_str(c, "verdict") ? cfm_json_str(c, "verdict") : "error";
  printf("verdict: %s\n", v);
  if (cfm_json_str(c, "reason") && *cfm_json_str(c, "reason"))
    printf("reason: %s\n", cfm_json_str(c, "reason"));
  if (was)
    printf("was: %s%s%s\n", cfm_json_str(was, "verdict") ? cfm_json_str(was, "verdict") : "?",
           cfm_json_str(was, "reason") && *cfm_json_str(was, "reason") ? ": " : "",
           cfm_json_str(was, "reason") ? cfm_json_str(was, "reason") : "");
  rc = !strcmp(v, "fail") ? CFM_EXIT_FAIL : !strcmp(v, "error") ? CFM_EXIT_INCOMPLETE : CFM_EXIT_OK;
  json_decref(c);
  json_decref(rep);
  return rc;
}

static int run_case(const replay_args *a, cfm_specset *set, cfm_config *cfg, cfm_mock *mock,
                    const json_t *was) {
  cfm_run_options opt;
  cfm_run_result res;
  cfm_error_t err;
  printer pr = {stdout, cfg, 0};
  char glob[600], vendor[128], dir[600];
  const char *tmp = getenv("TMPDIR");
  int rc;
  memset(&opt, 0, sizeof(opt));
  exact_glob(a->what, glob, sizeof(glob));
  snprintf(vendor, sizeof(vendor), "%.*s", (int)strcspn(a->what, "."), a->what);
  opt.filter = glob;
  opt.vendor = vendor;
  opt.concurrency = 1;
  opt.pace = mock == NULL;
  opt.record.fn = record;
  opt.record.user = &pr;
  if (!mock && (rc = cfm_cli_run_restrict(set, cfg, vendor)) != CFM_EXIT_OK)
    return rc;
  if ((rc = cfm_cli_run_preflight(set, cfg, &opt, mock != NULL)) != CFM_EXIT_OK)
    return rc;
  snprintf(dir, sizeof(dir), "%.400s/conform-replay-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    cfm_cli_error("cannot create a private report directory");
    return CFM_EXIT_INTERNAL;
  }
  opt.reports_dir = dir;
  cfm_error_init(&err);
  if (cfm_run(set, cfg, &opt, &res, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_ECONFIG || err.code == CFM_ESPEC ? CFM_EXIT_SPEC : CFM_EXIT_INTERNAL;
  } else {
    fflush(stdout);
    rc = verdict(res.run_dir, a->what, was);
    if (res.cleanup_failed && rc == CFM_EXIT_OK)
      rc = CFM_EXIT_INCOMPLETE;
  }
  if (cfm_cli_remove_tree(dir) != 0)
    cfm_cli_warn("cannot remove the private report directory '%s'", dir);
  return rc;
}

/* Loads --from (may be NULL: *report stays NULL) and checks it ran the case. */
static int load_from(const replay_args *a, json_t **report, json_t **was) {
  cfm_error_t err;
  *report = *was = NULL;
  if (!a->from)
    return CFM_EXIT_OK;
  cfm_error_init(&err);
  if (!(*report = cfm_json_load_file(a->from, REPORT_MAX_BYTES, &err)))
    return cfm_cli_input_failure(&err);
  if (!json_is_array(json_object_get(*report, "cases"))) {
    cfm_cli_error("'%s' is not a report.json (no cases)", a->from);
    return CFM_EXIT_SPEC;
  }
  if (!(*was = report_case(*report, a->what)))
    return cfm_cli_usage_error("replay", "'%s' has no case '%s'", a->from, a->what);
  return CFM_EXIT_OK;
}

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int setup_targets(const replay_args *a, const json_t *report, const cfm_specset *set,
                         cfm_config *cfg, cfm_mock **mock) {
  cfm_error_t err;
  size_t t;
  int i, rc, have = 0;
  cfm_error_init(&err);
  if (a->config && cfm_config_load(cfg, a->config, &err) != CFM_EOK)
    return cfm_cli_input_failure(&err);
  for (i = 0; i < a->ntargets; i++)
    if (cfm_config_set_target_url(cfg, a->targets[i], &err) != CFM_EOK)
      return cfm_cli_usage_error("replay", "%s", err.text);
  if (report && (rc = targets_from(a, report, cfg)) != CFM_EXIT_OK)
    return rc;
  if (cfm_config_check(cfg, set, &err) != CFM_EOK)
    return err.code == CFM_EUSAGE ? cfm_cli_usage_error("replay", "%s", err.text)
                                  : cfm_cli_input_failure(&err);
  for (t = 0; t < cfg->count; t++)
    have |= cfg->targets[t].base_url != NULL;
  if (!have) {
    cfm_mock_config mc;
    char why[256];
    cfm_mock_config_init(&mc);
    if (cfm_mock_start(&mc, mock, why, sizeof(why)) != 0) {
      cfm_cli_error("cannot start the embedded mock: %s", why);
      return CFM_EXIT_INTERNAL;
    }
    cfm_config_use_mock(cfg, cfm_mock_port(*mock));
  }
  return CFM_EXIT_OK;
}

int cmd_replay(int argc, char **argv) {
  replay_args a;
  cfm_specset set = {0};
  cfm_config cfg;
  cfm_error_t err;
  cfm_mock *mock = NULL;
  json_t *report = NULL, *was = NULL;
  int rc, fuzz_file;
  memset(&a, 0, sizeof(a));
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  if ((rc = parse(argc, argv, &a)) != 0)
    return rc < 0 ? CFM_EXIT_OK : rc;
  fuzz_file = is_file(a.what);
  if (fuzz_file && a.from) {
    rc = cfm_cli_usage_error("replay", "--from applies to a case id, not a fuzz case file");
    goto out;
  }
  if (cfm_specset_add_path(&set, cfm_cli_specs_dir(), &err) != CFM_EOK ||
      cfm_specset_check(&set, &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  if ((rc = load_from(&a, &report, &was)) != CFM_EXIT_OK)
    goto out;
  if (!fuzz_file) {
    cfm_run_options sel;
    char glob[600];
    memset(&sel, 0, sizeof(sel));
    exact_glob(a.what, glob, sizeof(glob));
    sel.filter = glob;
    if ((rc = case_exists(&set, &sel, a.what)) != 1) {
      rc = rc < 0 ? CFM_EXIT_INTERNAL : CFM_EXIT_USAGE;
      goto out;
    }
  }
  if ((rc = setup_targets(&a, report, &set, &cfg, &mock)) != CFM_EXIT_OK)
    goto out;
  rc = fuzz_file ? replay_fuzz(&a, &set, &cfg, mock == NULL, mock)
                 : run_case(&a, &set, &cfg, mock, was);
out:
  cfm_mock_stop(mock);
  json_decref(was);
  json_decref(report);
  cfm_config_release(&cfg);
  cfm_specset_release(&set);
  return rc;
}
