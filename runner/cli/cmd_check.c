/* conform check: judge recorded exchanges (HAR 1.2 files) against the
 * specs, offline (docs/passive.md).  Reports in the formats and with the
 * exit codes of `conform run`. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/jsonutil.h"
#include "conform/passive.h"
#include "conform/report.h"
#include "conform/sanitize.h"

static void usage(FILE *f) {
  fputs("usage: conform check [options] FILE.har...\n"
        "\n"
        "Judges every recorded exchange against the documents: the client's request\n"
        "(required fields, types, enums, limits, credentials: a warn against the client),\n"
        "the target's answer (status, error model and documented rows, body schema,\n"
        "clamps) and rules over the stream (a deleted group answers not-found; what\n"
        "the stream did to the groups it created shows in later answers; a complete\n"
        "cursor walk returns every group that existed while it ran).\n"
        "\n"
        "  --specs-dir DIR   specs to judge against (default: the shipped specs)\n"
        "  --reports DIR     write reports under DIR (default: reports)\n"
        "  --no-reports      write no report files\n"
        "  --baseline FILE   failures this baseline accepts do not fail the check\n"
        "  --config FILE     the config the recorded run used: its variables declare\n"
        "                    the accounts (a non-admin operator; docs/passive.md)\n"
        "  -h, --help        this help\n"
        "\n"
        "Exit codes: 0 no failure, 1 contract failures, 2 usage, 3 unreadable or\n"
        "invalid input (a file that is not HAR, a spec), 5 internal error,\n"
        "6 entries that could not be judged (error verdicts).\n",
        f);
}

typedef struct check_ctx {
  cfm_specset set;
  cfm_report *rep;
  const cfm_baseline *baseline;
  const cfm_config *cfg; /* --config, or NULL */
  size_t counts[CFM_VERDICT__COUNT];
  size_t baselined;
} check_ctx;

/* Streams one result; the strings are borrowed for the call. */
static int emit(check_ctx *cx, const char *id, const char *vendor, const char *op, const char *kind,
                cfm_verdict v, const char *reason, json_t *prov, const cfm_har_entry *e,
                const char *code, const char *cls) {
  cfm_case_result r;
  char summary[700], excerpt[512];
  size_t n = e->res_len < 300 ? e->res_len : 300;
  int baselined =
      v == CFM_VERDICT_FAIL && cx->baseline && cfm_baseline_accepts(cx->baseline, id, code);
  json_t *assumed = prov ? NULL : json_pack("{s:s}", "assumed", "no documented statement applies");
  snprintf(summary, sizeof(summary), "%s %.600s", e->method, e->url);
  snprintf(excerpt, sizeof(excerpt), "%.*s", (int)n, e->res_body ? e->res_body : "");
  memset(&r, 0, sizeof(r));
  r.id = (char *)id;
  r.vendor = (char *)vendor;
  r.operation = (char *)op;
  r.kind = (char *)kind;
  r.verdict = v;
  r.reason = (char *)reason;
  r.provenance = prov ? prov : assumed;
  r.repro = summary;
  r.request_summary = summary;
  r.http_status = e->status;
  r.vendor_code = (char *)code;
  r.observed_class = (char *)cls;
  r.response_excerpt = excerpt;
  r.baselined = baselined;
  cx->counts[v]++;
  cx->baselined += (size_t)baselined;
  n = cx->rep ? (size_t)cfm_report_add(cx->rep, &r) : 0;
  json_decref(assumed);
  return (int)n;
}

static int check_entry(check_ctx *cx, cfm_passive_stream *st, size_t file, const cfm_har_entry *e) {
  cfm_passive_result pr;
  char id[400], reason[900];
  const char *vendor, *op;
  int rc;
  if (e->unusable) {
    snprintf(id, sizeof(id), "har.entry.unusable.f%zu.e%zu", file, e->index);
    snprintf(reason, sizeof(reason), "entry %zu cannot be judged: %s", e->index, e->note);
    return emit(cx, id, "har", "", "passive", CFM_VERDICT_SKIP, reason, NULL, e, "", "");
  }
  if ((rc = cfm_passive_judge_entry(&cx->set, st, e, &pr)) != CFM_EOK)
    return rc;
  vendor = pr.match.spec ? pr.match.spec->vendor : "har";
  op = pr.match.op ? cfm_json_str(pr.match.op, "id") : "";
  if (!pr.match.op)
    snprintf(id, sizeof(id), "har.unmatched.passive.f%zu.e%zu", file, e->index);
  else
    snprintf(id, sizeof(id), "%s.%s.passive.f%zu.e%zu", vendor, op, file, e->index);
  snprintf(reason, sizeof(reason), "%s%s%s", pr.reason, e->note[0] ? " [HAR: " : "",
           e->note[0] ? e->note : "");
  if (e->note[0])
    strncat(reason, "]", sizeof(reason) - strlen(reason) - 1);
  rc = emit(cx, id, vendor, op, "passive", pr.verdict, reason, pr.provenance, e, pr.code, pr.cls);
  if (!rc && pr.client != CFM_VERDICT_PASS) {
    snprintf(id, sizeof(id), "%s.%s.client.f%zu.e%zu", vendor, op, file, e->index);
    rc = emit(cx, id, vendor, op, "client", pr.client, pr.client_reason, pr.client_provenance, e,
              "", "");
  }
  cfm_passive_result_release(&pr);
  return rc;
}

/* The findings of the end of one file's stream: each is emitted with the
 * HAR entry that is its evidence. */
typedef struct settle_ctx {
  check_ctx *cx;
  const cfm_har *har;
  const size_t *judged; /* stream entry -> HAR index */
  size_t file;
  int rc;
} settle_ctx;

static void emit_finding(void *user, const cfm_passive_finding *f) {
  settle_ctx *sx = user;
  const cfm_har_entry *e = &sx->har->entries[sx->judged[f->entry]];
  char id[400];
  snprintf(id, sizeof(id), "%s.%s.stream.f%zu.e%zu", f->vendor, f->op, sx->file, e->index);
  if (!sx->rc)
    sx->rc = emit(sx->cx, id, f->vendor, f->op, "passive", f->verdict, f->reason,
                  (json_t *)f->provenance, e, "", "");
}

static int check_file(check_ctx *cx, const char *path, size_t file) {
  cfm_har har;
  cfm_passive_stream st;
  cfm_error_t err;
  settle_ctx sx;
  size_t i, *judged;
  int rc;
  cfm_error_init(&err);
  if ((rc = cfm_har_load(path, &har, &err)) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return rc == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  }
  if (har.skipped)
    cfm_cli_warn("'%s': %zu entries beyond the first %u were not judged", path, har.skipped,
                 CFM_HAR_MAX_ENTRIES);
  if (cfm_passive_stream_init(&st) ||
      (cx->cfg && cfm_passive_stream_declare(&st, &cx->set, cx->cfg))) {
    cfm_passive_stream_release(&st);
    cfm_har_release(&har);
    return CFM_EXIT_INTERNAL;
  }
  rc = (judged = calloc(har.count + 1, sizeof(*judged))) ? CFM_EXIT_OK : CFM_EXIT_INTERNAL;
  memset(&sx, 0, sizeof(sx));
  sx.cx = cx;
  sx.har = &har;
  sx.judged = judged;
  sx.file = file;
  for (i = 0; i < har.count && rc == CFM_EXIT_OK; i++) {
    const cfm_har_entry *e = &har.entries[i];
    if (check_entry(cx, &st, file, e))
      rc = CFM_EXIT_INTERNAL;
    else if (e->unusable)
      cfm_passive_stream_gap(&cx->set, &st, e->method, e->url, e->started_ms);
    else if (st.entries > 0)
      judged[st.entries - 1] = i;
    /* Walks long over are judged on the way (a long recording keeps few). */
    if (rc == CFM_EXIT_OK && json_array_size(st.done) &&
        (cfm_passive_stream_settle(&st, 0, emit_finding, &sx) || sx.rc))
      rc = CFM_EXIT_INTERNAL;
  }
  /* What only the whole recording shows (a walk that skipped a group). */
  if (rc == CFM_EXIT_OK && (cfm_passive_stream_settle(&st, 1, emit_finding, &sx) || sx.rc))
    rc = CFM_EXIT_INTERNAL;
  if (st.unjudged_walks)
    cfm_cli_warn("'%s': %zu complete cursor walks were not judged whole (over the stream's bounds)",
                 path, st.unjudged_walks);
  free(judged);
  cfm_passive_stream_release(&st);
  cfm_har_release(&har);
  return rc;
}

/* The options of check; returns -1 to go on, else the exit code. */
typedef struct check_opts {
  const char *reports, *baseline, *specs, *config;
} check_opts;

static int parse_options(int argc, char **argv, check_opts *o) {
  static const struct option longopts[] = {{"specs-dir", required_argument, NULL, 's'},
                                           {"reports", required_argument, NULL, 'r'},
                                           {"no-reports", no_argument, NULL, 'n'},
                                           {"baseline", required_argument, NULL, 'b'},
                                           {"config", required_argument, NULL, 'c'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"check", "h", longopts, 0, ""};
  int c;
  o->reports = "reports";
  o->baseline = o->specs = o->config = NULL;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    switch (c) {
    case 's':
      o->specs = optarg;
      break;
    case 'r':
      o->reports = optarg;
      break;
    case 'n':
      o->reports = NULL;
      break;
    case 'b':
      o->baseline = optarg;
      break;
    case 'c':
      o->config = optarg;
      break;
    case 'h':
      usage(stdout);
      return CFM_EXIT_OK;
    default: /* cfm_cli_getopt printed the error and the Try line */
      return CFM_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return cfm_cli_usage_error("check", "no HAR file given");
  return -1;
}

/* Closes the report (or prints the counts) and gives the exit code. */
static int finish(check_ctx *cx, int rc) {
  cfm_report_summary sum;
  if (cx->rep) {
    if (cfm_report_close(cx->rep, 0, &sum) != CFM_EOK && rc == CFM_EXIT_OK)
      rc = CFM_EXIT_INTERNAL;
    cx->rep = NULL;
  } else {
    fprintf(stderr, "check: %zu pass, %zu warn, %zu skip, %zu fail, %zu error\n",
            cx->counts[CFM_VERDICT_PASS], cx->counts[CFM_VERDICT_WARN],
            cx->counts[CFM_VERDICT_SKIP], cx->counts[CFM_VERDICT_FAIL],
            cx->counts[CFM_VERDICT_ERROR]);
  }
  if (rc == CFM_EXIT_OK && cx->counts[CFM_VERDICT_FAIL] > cx->baselined)
    rc = CFM_EXIT_FAIL;
  else if (rc == CFM_EXIT_OK && cx->counts[CFM_VERDICT_ERROR])
    rc = CFM_EXIT_INCOMPLETE;
  return rc;
}

int cmd_check(int argc, char **argv) {
  check_ctx cx;
  check_opts o;
  cfm_error_t err;
  cfm_report_options ro;
  cfm_baseline *baseline = NULL;
  cfm_config cfg;
  int rc, i;
  if ((rc = parse_options(argc, argv, &o)) >= 0)
    return rc;
  rc = CFM_EXIT_OK;
  memset(&cx, 0, sizeof(cx));
  cfm_error_init(&err);
  cfm_config_init(&cfg);
  if (o.specs)
    cfm_cli_set_specs_dir(o.specs);
  if (cfm_specset_add_path(&cx.set, cfm_cli_specs_dir(), &err) != CFM_EOK ||
      cfm_specset_check(&cx.set, &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  if (o.baseline && cfm_baseline_load(o.baseline, &baseline, &err) != CFM_EOK) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  if (o.config && (cfm_config_load(&cfg, o.config, &err) != CFM_EOK ||
                   cfm_config_check(&cfg, &cx.set, &err) != CFM_EOK)) {
    rc = cfm_cli_input_failure(&err);
    goto out;
  }
  cx.cfg = o.config ? &cfg : NULL;
  cx.baseline = baseline;
  memset(&ro, 0, sizeof(ro));
  ro.dir = o.reports;
  ro.term = stderr;
  ro.term_is_tty = isatty(2);
  if (o.reports && cfm_report_open(&ro, &cx.rep, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    rc = err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
    goto out;
  }
  for (i = optind; i < argc && rc == CFM_EXIT_OK; i++)
    rc = check_file(&cx, argv[i], (size_t)(i - optind + 1));
  rc = finish(&cx, rc);
out:
  if (cx.rep)
    (void)cfm_report_close(cx.rep, 0, NULL);
  cfm_baseline_free(baseline);
  cfm_config_release(&cfg);
  cfm_specset_release(&cx.set);
  return rc;
}

int cfm_cli_record_open(const char *path, const cfm_config *cfg, cfm_run_options *opt) {
  cfm_har_writer *w;
  cfm_error_t err;
  cfm_error_init(&err);
  if (cfm_har_writer_open(path, cfg, &w, &err) != CFM_EOK) {
    cfm_cli_report_error(&err);
    return err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  }
  opt->record.fn = cfm_har_record;
  opt->record.user = w;
  return CFM_EXIT_OK;
}

int cfm_cli_record_close(cfm_run_options *opt, int run_rc) {
  if (opt->record.fn && cfm_har_writer_close(opt->record.user) != CFM_EOK)
    cfm_cli_error("cannot write the recorded exchanges completely");
  opt->record.fn = NULL;
  opt->record.user = NULL;
  return run_rc;
}
