/* conform — streamed reports: report.json, junit.xml, report.html and the
 * terminal summary, written case by case.
 *
 * Memory stays flat in the number of cases: each case is written out as it
 * arrives.  What must appear before the cases in a file (JUnit's counts, the
 * HTML summary, failures first) is kept as per-operation counters, and the
 * case bodies go to temporary files in the run directory that close()
 * splices in order.  Only the coverage table (bounded by the specs' size)
 * and the first few failures (for the terminal) stay in memory. */
#include "conform/report.h"
#include "report_internal.h"

#include "conform/sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef CONFORM_VERSION
#define CONFORM_VERSION "0"
#endif

#define TERM_LINES 20       /* causes listed in the terminal summary, over all vendors */
#define TERM_GROUPS 256     /* distinct causes kept for it (memory bound) */
#define TERM_IDS 3          /* example case ids kept per cause */
#define COV_CASE_IDS 5      /* case ids kept per coverage item */
#define TERM_REASON_MAX 400 /* bytes of a reason on a terminal line */

typedef struct op_stat {
  char *vendor;
  char *operation;
  size_t counts[CFM_VERDICT__COUNT];
} op_stat;

/* One cause of failures for the terminal: same vendor, same verdict and
 * same reason (an unreachable target is one cause, not one per case); the
 * check (the case kind) when they all share one. */
typedef struct fail_group {
  char *vendor;
  char *kind;
  char *reason; /* sanitised for the terminal */
  cfm_verdict verdict;
  size_t count;
  char *ids[TERM_IDS]; /* sanitised */
  size_t nids;
} fail_group;

/* One JUnit testsuite: a vendor's cases, kept in a temporary file of the
 * run directory until close() writes junit.xml. */
#define JUNIT_SUITES 32 /* vendors; past it, the last suite takes the rest */
typedef struct junit_suite {
  char *name;
  FILE *f;
  size_t tests, failures, errors, skipped;
  double ms;
} junit_suite;

typedef struct cov_item {
  char *key;    /* "spec#pointer" */
  json_t *item; /* the documented item (own reference) */
  size_t ncases;
  size_t npass;
  size_t nfail;
  json_t *case_ids; /* first COV_CASE_IDS ids */
} cov_item;

struct cfm_report {
  char root[400];
  char run_id[96];
  char run_dir[512];
  FILE *json;
  junit_suite suites[JUNIT_SUITES];
  size_t nsuites;
  FILE *html_fail_tmp;
  FILE *html_rest_tmp;
  FILE *term;
  int tty;
  size_t expected;
  size_t n;
  size_t counts[CFM_VERDICT__COUNT];
  size_t prov_counts[4][CFM_VERDICT__COUNT];
  size_t baselined;
  op_stat *ops;
  size_t nops;
  size_t capops;
  cov_item *cov; /* sorted by key */
  size_t ncov;
  fail_group groups[TERM_GROUPS];
  size_t ngroups;
  size_t ungrouped; /* failures past TERM_GROUPS causes */
  char *shard;
  json_t *targets;
  char started[32];
  struct timespec last_progress;
  int io_error;
  int aborted;                                /* cfm_report_open failed: close only cleans up */
  int json_failed, junit_failed, html_failed; /* a write to that file failed */
  char failure[3][600]; /* per file: "cannot write '<path>': <reason>" or "" */
};

static int mkdir_p(const char *path) {
  char tmp[600];
  char *p;
  snprintf(tmp, sizeof(tmp), "%s", path);
  for (p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

static FILE *open_in_run(cfm_report *r, const char *name, const char *mode) {
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", r->run_dir, name);
  return fopen(path, mode);
}

/* Records the first write failure of each file: the file and the reason. */
static void note_failure(cfm_report *r, const char *name, int e) {
  int i = name[7] == 'j' ? 0 : name[0] == 'j' ? 1 : 2; /* report.json, junit.xml, report.html */
  r->io_error = 1;
  if (!r->failure[i][0])
    snprintf(r->failure[i], sizeof(r->failure[i]), "cannot write '%s/%s': %s", r->run_dir, name,
             strerror(e ? e : EIO));
}

/* Each report file is written under a temporary name in the run
 * directory and renamed when complete and on disk, so report.json,
 * junit.xml and report.html are each either whole or absent. */
#define TMP_PREFIX ".partial-"

/* Flushes, syncs and closes f (TMP_PREFIX name), then renames it to name
 * unless it failed (bad: an earlier write to it failed, already noted).
 * Returns 0, or -1 with the failure noted and the temporary file removed. */
static int commit_file(cfm_report *r, FILE *f, const char *name, int bad) {
  char tmp[700], path[700];
  int e = 0;
  snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%s", r->run_dir, name);
  snprintf(path, sizeof(path), "%s/%s", r->run_dir, name);
  errno = 0;
  if (fflush(f) != 0 || ferror(f))
    e = errno ? errno : EIO;
  else if (fsync(fileno(f)) != 0)
    e = errno;
  if (fclose(f) != 0 && !e)
    e = errno ? errno : EIO;
  if (!e && !bad && rename(tmp, path) != 0)
    e = errno;
  if (e || bad) {
    note_failure(r, name, e);
    remove(tmp);
    return -1;
  }
  return 0;
}

static void sync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

static void remove_in_run(cfm_report *r, const char *name) {
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", r->run_dir, name);
  remove(path);
}

static int cov_cmp(const void *a, const void *b) {
  return strcmp(((const cov_item *)a)->key, ((const cov_item *)b)->key);
}

static int load_coverage(cfm_report *r, const json_t *items) {
  size_t i, n = json_array_size(items);
  if (n == 0)
    return 0;
  r->cov = calloc(n, sizeof(*r->cov));
  if (!r->cov)
    return -1;
  for (i = 0; i < n; i++) {
    json_t *it = json_array_get(items, i);
    char key[600];
    if (!json_is_object(it))
      continue;
    cfm__coverage_key(json_string_value(json_object_get(it, "spec")),
                      json_string_value(json_object_get(it, "pointer")), key, sizeof(key));
    r->cov[r->ncov].key = strdup(key);
    r->cov[r->ncov].item = json_incref(it);
    r->cov[r->ncov].case_ids = json_array();
    if (!r->cov[r->ncov++].key || !r->cov[r->ncov - 1].case_ids)
      return -1;
  }
  qsort(r->cov, r->ncov, sizeof(*r->cov), cov_cmp);
  return 0;
}

static void make_run_id(char *out, size_t cap) {
  struct timespec ts;
  struct tm tm;
  char stamp[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
  snprintf(out, cap, "%s-%04x", stamp,
           (unsigned)(((unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 8)) & 0xffff));
}

/* One self-contained file: no network (the CSP forbids any fetch), no
 * external script; the inline script only filters, searches and sorts. */
static const char html_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>conform report</title>\n<style>\n"
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;padding:0 1em;"
    "color:#222}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\n"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.sort thead th{cursor:pointer}table.sort thead th:after{content:' \\2195';color:#aaa}\n"
    ".pass{color:#17692f}.fail,.error{color:#b00020;font-weight:600}.warn{color:#8a5a00}"
    ".skip{color:#666}\n"
    "pre{background:#f7f7f7;padding:.5em;overflow-x:auto;white-space:pre-wrap;"
    "word-break:break-all}\n"
    "details{margin:.2em 0}summary{cursor:pointer}.muted{color:#666}\n"
    ".banner{padding:.8em 1em;border-radius:4px;font-size:1.3em;font-weight:700;color:#fff}\n"
    ".banner.PASS{background:#17692f}.banner.FAIL{background:#b00020}"
    ".banner.INCOMPLETE{background:#8a5a00}\n"
    "#filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}"
    "#filters select,#filters input{margin-right:.5em;max-width:22em}\n"
    "</style></head><body>\n";

/* Filters (vendor, operation, kind, verdict, cause), free-text search and
 * sortable tables; without script every case is simply listed.  The URL
 * fragment presets them (report.html#vendor=agora-chat&verdict=fail&q=403),
 * and body[data-ready] says the script ran to its end. */
static const char html_script[] =
    "<script>\n"
    "(function(){\n"
    "var cases=[].slice.call(document.querySelectorAll('.case'));\n"
    "var sels=[].slice.call(document.querySelectorAll('#filters select'));\n"
    "var q=document.getElementById('q'),shown=document.getElementById('shown');\n"
    "sels.forEach(function(s){var seen={};cases.forEach(function(c){var v=c.dataset[s.name];"
    "if(v&&!seen[v]){seen[v]=1;}});Object.keys(seen).sort().forEach(function(v){"
    "if(s.querySelector('option[value=\"'+v.replace(/\"/g,'')+'\"]'))return;"
    "var o=document.createElement('option');o.value=v;o.textContent=v;s.appendChild(o);});"
    "s.addEventListener('change',apply);});\n"
    "function apply(){var t=q.value.toLowerCase(),n=0;cases.forEach(function(c){"
    "var ok=sels.every(function(s){return !s.value||c.dataset[s.name]===s.value;});"
    "if(ok&&t)ok=c.textContent.toLowerCase().indexOf(t)>=0;c.hidden=!ok;if(ok)n++;});"
    "shown.textContent=n+' of '+cases.length+' cases shown';}\n"
    "q.addEventListener('input',apply);\n"
    "[].slice.call(document.querySelectorAll('button[data-cause]')).forEach(function(b){"
    "b.addEventListener('click',function(){var s=document.querySelector("
    "'#filters select[name=cause]');s.value=b.dataset.cause;apply();"
    "document.getElementById('cases').scrollIntoView();});});\n"
    "[].slice.call(document.querySelectorAll('table.sort')).forEach(function(t){"
    "[].slice.call(t.tHead.rows[0].cells).forEach(function(th,i){th.addEventListener('click',"
    "function(){var rows=[].slice.call(t.tBodies[0].rows),dir=th.dataset.dir==='a'?-1:1;"
    "th.dataset.dir=dir>0?'a':'d';rows.sort(function(x,y){var a=x.cells[i].textContent,"
    "b=y.cells[i].textContent,na=parseFloat(a),nb=parseFloat(b);"
    "if(!isNaN(na)&&!isNaN(nb))return dir*(na-nb);return dir*a.localeCompare(b);});"
    "rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});});\n"
    "location.hash.slice(1).split('&').forEach(function(kv){var p=kv.split('='),"
    "k=decodeURIComponent(p[0]),v=decodeURIComponent(p[1]||'');if(k==='q')q.value=v;"
    "sels.forEach(function(s){if(s.name===k)s.value=v;});});\n"
    "apply();\n"
    "document.body.setAttribute('data-ready','1');\n"
    "})();\n"
    "</script>\n";

int cfm_report_open(const cfm_report_options *opt, cfm_report **out, cfm_error_t *err) {
  cfm_report *r;
  time_t now = time(NULL);
  struct tm tm;
  json_t *head;
  char *text;
  int attempt;
  *out = NULL;
  if (!opt || !opt->dir || !*opt->dir)
    return cfm_error_set(err, CFM_EUSAGE, "report", "", "no reports directory given");
  r = calloc(1, sizeof(*r));
  if (!r)
    return cfm_error_set(err, CFM_ENOMEM, "report", "", "out of memory");
  snprintf(r->root, sizeof(r->root), "%s", opt->dir);
  if (mkdir_p(r->root) != 0) {
    cfm_error_set(err, CFM_EIO, opt->dir, "", "cannot create reports directory: %s",
                  strerror(errno));
    free(r);
    return CFM_EIO;
  }
  for (attempt = 0;; attempt++) {
    if (opt->run_id && attempt == 0)
      snprintf(r->run_id, sizeof(r->run_id), "%s", opt->run_id);
    else if (opt->run_id)
      snprintf(r->run_id, sizeof(r->run_id), "%.80s-%d", opt->run_id, attempt);
    else
      make_run_id(r->run_id, sizeof(r->run_id));
    snprintf(r->run_dir, sizeof(r->run_dir), "%s/%s", r->root, r->run_id);
    if (mkdir(r->run_dir, 0755) == 0)
      break;
    if (errno != EEXIST || attempt >= 20) {
      cfm_error_set(err, CFM_EIO, r->run_dir, "", "cannot create run directory: %s",
                    strerror(errno));
      free(r);
      return CFM_EIO;
    }
  }
  gmtime_r(&now, &tm);
  strftime(r->started, sizeof(r->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
  r->term = opt->term;
  r->tty = opt->term_is_tty;
  r->expected = opt->expected_cases;
  r->shard = opt->shard ? strdup(opt->shard) : NULL;
  cfm_sanitize_add_config(opt->cfg);
  r->targets = json_object();
  if (r->targets && opt->targets) {
    const char *k;
    json_t *v;
    json_object_foreach(opt->targets, k, v) {
      json_object_set_new(r->targets, k, cfm__json_text(json_string_value(v)));
    }
  }
  if (load_coverage(r, opt->coverage_items) != 0) {
    r->aborted = 1;
    cfm_report_close(r, 0, NULL);
    return cfm_error_set(err, CFM_ENOMEM, "report", "", "out of memory");
  }
  r->json = open_in_run(r, TMP_PREFIX "report.json", "w");
  r->html_fail_tmp = open_in_run(r, ".html-failures.tmp", "w+");
  r->html_rest_tmp = open_in_run(r, ".html-cases.tmp", "w+");
  if (!r->json || !r->html_fail_tmp || !r->html_rest_tmp) {
    cfm_error_set(err, CFM_EIO, r->run_dir, "", "cannot write report files: %s", strerror(errno));
    r->aborted = 1;
    cfm_report_close(r, 0, NULL);
    return CFM_EIO;
  }
  head = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:O, s:o}", "format", "conform-report/1", "tool",
                   "name", "conform", "version", CONFORM_VERSION, "run_id", r->run_id, "started",
                   r->started, "targets", r->targets, "shard",
                   r->shard ? json_string(r->shard) : json_null());
  text = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(head);
  if (!text) {
    r->aborted = 1;
    cfm_report_close(r, 0, NULL);
    return cfm_error_set(err, CFM_ENOMEM, "report", "", "out of memory");
  }
  /* Drop the closing brace: cases, summary and coverage follow. */
  text[strlen(text) - 1] = '\0';
  fprintf(r->json, "%s,\n\"cases\":[", text);
  free(text);
  *out = r;
  return CFM_EOK;
}

static op_stat *find_op(cfm_report *r, const char *vendor, const char *operation) {
  size_t i;
  for (i = 0; i < r->nops; i++)
    if (strcmp(r->ops[i].vendor, vendor) == 0 && strcmp(r->ops[i].operation, operation) == 0)
      return &r->ops[i];
  if (r->nops == r->capops) {
    size_t ncap = r->capops ? r->capops * 2 : 32;
    op_stat *n = realloc(r->ops, ncap * sizeof(*n));
    if (!n)
      return NULL;
    r->ops = n;
    r->capops = ncap;
  }
  memset(&r->ops[r->nops], 0, sizeof(op_stat));
  r->ops[r->nops].vendor = strdup(vendor);
  r->ops[r->nops].operation = strdup(operation);
  if (!r->ops[r->nops].vendor || !r->ops[r->nops].operation) {
    free(r->ops[r->nops].vendor);
    free(r->ops[r->nops].operation);
    return NULL;
  }
  return &r->ops[r->nops++];
}

static void note_coverage(cfm_report *r, const cfm_case_result *res) {
  size_t i;
  for (i = 0; i < json_array_size(res->covers); i++) {
    const char *c = json_string_value(json_array_get(res->covers, i));
    const char *hash;
    char key[600];
    cov_item probe, *hit;
    if (!c || !(hash = strchr(c, '#')))
      continue;
    {
      char spec[512];
      snprintf(spec, sizeof(spec), "%.*s", (int)(hash - c), c);
      cfm__coverage_key(spec, hash + 1, key, sizeof(key));
    }
    probe.key = key;
    hit = r->ncov ? bsearch(&probe, r->cov, r->ncov, sizeof(*r->cov), cov_cmp) : NULL;
    if (!hit)
      continue;
    hit->ncases++;
    if (res->verdict == CFM_VERDICT_PASS)
      hit->npass++;
    else if (res->verdict == CFM_VERDICT_FAIL)
      hit->nfail++;
    if (json_array_size(hit->case_ids) < COV_CASE_IDS)
      json_array_append_new(hit->case_ids, cfm__json_text(res->id));
  }
}

static const char *s_or(const char *s, const char *dflt) {
  return s && *s ? s : dflt;
}

static void write_provenance_text(FILE *f, const json_t *prov) {
  const char *doc = json_string_value(json_object_get(prov, "doc"));
  const char *sec = json_string_value(json_object_get(prov, "section"));
  const char *secondary = json_string_value(json_object_get(prov, "secondary"));
  const char *assumed = json_string_value(json_object_get(prov, "assumed"));
  if (doc) {
    cfm__xml_escape(f, doc);
    if (sec) {
      fputs(" \xC2\xA7 ", f);
      cfm__xml_escape(f, sec);
    }
  } else if (secondary) {
    fputs("secondary: ", f);
    cfm__xml_escape(f, secondary);
    if (sec) {
      fputs(" \xC2\xA7 ", f);
      cfm__xml_escape(f, sec);
    }
  } else if (assumed) {
    fputs("assumed: ", f);
    cfm__xml_escape(f, assumed);
  } else {
    fputs("no provenance", f);
  }
}

/* The suite of a vendor, its file opened on first use; NULL when it
 * cannot be opened (noted as a junit.xml failure). */
static junit_suite *suite_of(cfm_report *r, const char *vendor) {
  junit_suite *s;
  char name[64];
  size_t i;
  for (i = 0; i < r->nsuites; i++)
    if (!strcmp(r->suites[i].name, vendor))
      return &r->suites[i];
  if (r->nsuites == JUNIT_SUITES) {
    s = &r->suites[JUNIT_SUITES - 1];
    if (strcmp(s->name, "(other vendors)")) {
      char *n = strdup("(other vendors)");
      if (n) {
        free(s->name);
        s->name = n;
      }
    }
    return s;
  }
  s = &r->suites[r->nsuites];
  memset(s, 0, sizeof(*s));
  snprintf(name, sizeof(name), ".junit-suite-%zu.tmp", r->nsuites);
  s->name = strdup(vendor);
  s->f = s->name ? open_in_run(r, name, "w+") : NULL;
  if (!s->f) {
    free(s->name);
    if (!r->junit_failed)
      note_failure(r, "junit.xml", errno ? errno : ENOMEM);
    r->junit_failed = 1;
    return NULL;
  }
  r->nsuites++;
  return s;
}

static void junit_property(FILE *f, const char *name, const char *value) {
  if (!value || !*value)
    return;
  fprintf(f, "<property name=\"%s\" value=\"", name);
  cfm__xml_escape(f, value);
  fputs("\"/>", f);
}

/* A testcase: classname "<vendor>.<operation>", name the rest of the case
 * id (no repeated prefix), properties the kind and the provenance. */
static void write_junit_case(cfm_report *r, const cfm_case_result *res) {
  const char *vendor = s_or(res->vendor, "?"), *id = s_or(res->id, "?"), *name = id;
  const json_t *prov = res->provenance;
  junit_suite *s = suite_of(r, vendor);
  size_t vl = strlen(vendor), ol = strlen(s_or(res->operation, ""));
  FILE *f;
  if (!s)
    return;
  f = s->f;
  if (!strncmp(id, vendor, vl) && id[vl] == '.' && res->operation &&
      !strncmp(id + vl + 1, res->operation, ol) && id[vl + 1 + ol] == '.' && id[vl + 2 + ol])
    name = id + vl + 2 + ol;
  s->tests++;
  s->ms += res->duration_ms;
  fputs("    <testcase classname=\"", f);
  cfm__xml_escape(f, vendor);
  fputc('.', f);
  cfm__xml_escape(f, s_or(res->operation, "?"));
  fputs("\" name=\"", f);
  cfm__xml_escape(f, name);
  fprintf(f, "\" time=\"%.6f\">\n      <properties>", res->duration_ms / 1000.0);
  junit_property(f, "id", id);
  junit_property(f, "kind", res->kind);
  fputs("<property name=\"provenance\" value=\"", f);
  write_provenance_text(f, prov);
  fputs("\"/>", f);
  junit_property(f, "provenance.doc", json_string_value(json_object_get(prov, "doc")));
  junit_property(f, "provenance.section", json_string_value(json_object_get(prov, "section")));
  junit_property(f, "provenance.url", json_string_value(json_object_get(prov, "url")));
  junit_property(f, "provenance.title", json_string_value(json_object_get(prov, "title")));
  fputs("</properties>\n      ", f);
  if (res->baselined) {
    s->skipped++;
    fputs("<skipped message=\"accepted by baseline: ", f);
    cfm__xml_escape(f, res->reason);
    fputs("\"/>", f);
  } else if (res->verdict == CFM_VERDICT_FAIL || res->verdict == CFM_VERDICT_ERROR) {
    const char *tag = res->verdict == CFM_VERDICT_FAIL ? "failure" : "error";
    if (res->verdict == CFM_VERDICT_FAIL)
      s->failures++;
    else
      s->errors++;
    fprintf(f, "<%s type=\"%s\" message=\"", tag, cfm_verdict_name(res->verdict));
    cfm__xml_escape(f, res->reason);
    fputs("\">", f);
    cfm__xml_escape(f, res->reason);
    fputs("\ndoc: ", f);
    write_provenance_text(f, res->provenance);
    fputs("\nrequest: ", f);
    cfm__xml_escape(f, res->request_summary);
    fprintf(f, "\nresponse: HTTP %ld code=", res->http_status);
    cfm__xml_escape(f, res->vendor_code);
    fputs(" class=", f);
    cfm__xml_escape(f, res->observed_class);
    fputs("\nrepro: ", f);
    cfm__xml_escape(f, res->repro);
    fprintf(f, "</%s>", tag);
  } else if (res->verdict == CFM_VERDICT_SKIP) {
    s->skipped++;
    fputs("<skipped message=\"", f);
    cfm__xml_escape(f, res->reason);
    fputs("\"/>", f);
  } else if (res->verdict == CFM_VERDICT_WARN) {
    fputs("<system-out>warn: ", f);
    cfm__xml_escape(f, res->reason);
    fputs("</system-out>", f);
  }
  fputs("\n    </testcase>\n", f);
  if (ferror(f) && !r->junit_failed) {
    note_failure(r, "junit.xml", errno);
    r->junit_failed = 1;
  }
}

/* 1 when url is an http(s) URL, the only links a report renders. */
static int web_url(const char *url) {
  return url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
}

/* The statement tested: a link to the public page when the provenance
 * carries "url" (and "title"), the seed file and section otherwise, and
 * the quoted text when it has one. */
static void write_provenance_html(FILE *f, const json_t *prov) {
  const char *url = json_string_value(json_object_get(prov, "url"));
  const char *title = json_string_value(json_object_get(prov, "title"));
  const char *sec = json_string_value(json_object_get(prov, "section"));
  const char *quote = json_string_value(json_object_get(prov, "quote"));
  if (web_url(url)) {
    fputs("<a href=\"", f);
    cfm__xml_escape(f, url);
    fputs("\" rel=\"noreferrer noopener\" target=\"_blank\">", f);
    cfm__xml_escape(f, title && *title ? title : url);
    if (sec) {
      fputs(" \xC2\xA7 ", f);
      cfm__xml_escape(f, sec);
    }
    fputs("</a> <span class=\"muted\">(", f);
    write_provenance_text(f, prov);
    fputs(")</span>", f);
  } else {
    write_provenance_text(f, prov);
  }
  if (quote && *quote) {
    fputs("<blockquote>", f);
    cfm__xml_escape(f, quote);
    fputs("</blockquote>", f);
  }
}

static void html_data(FILE *f, const char *name, const char *value) {
  fprintf(f, " data-%s=\"", name);
  cfm__xml_escape(f, value);
  fputc('"', f);
}

/* One case: its attributes feed the filters; cause is its index in
 * r->groups (failures), else -1. */
static void write_html_case(cfm_report *r, const cfm_case_result *res, long cause) {
  int bad =
      !res->baselined && (res->verdict == CFM_VERDICT_FAIL || res->verdict == CFM_VERDICT_ERROR);
  FILE *f = bad ? r->html_fail_tmp : r->html_rest_tmp;
  const char *v = cfm_verdict_name(res->verdict);
  const json_t *row = json_object_get(res->provenance, "row");
  fprintf(f, "<details class=\"case\"%s", bad ? " open" : "");
  html_data(f, "vendor", s_or(res->vendor, "?"));
  html_data(f, "operation", s_or(res->operation, "?"));
  html_data(f, "kind", s_or(res->kind, "?"));
  html_data(f, "verdict", res->baselined ? "baselined" : v);
  if (cause >= 0)
    fprintf(f, " data-cause=\"%ld\"", cause);
  fprintf(f, "><summary><span class=\"%s\">%s</span>%s <code>", v, v,
          res->baselined ? " (baselined)" : "");
  cfm__xml_escape(f, res->id);
  fputs("</code> \xE2\x80\x94 ", f);
  cfm__xml_escape(f, res->reason);
  fputs("</summary>\n<table><tr><th>statement</th><td>", f);
  write_provenance_html(f, res->provenance);
  fputs("</td></tr>\n", f);
  if (json_is_string(row)) {
    fputs("<tr><th>matched row</th><td>", f);
    cfm__xml_escape(f, json_string_value(row));
    fputs("</td></tr>\n", f);
  }
  fputs("<tr><th>request</th><td><code>", f);
  cfm__xml_escape(f, res->request_summary);
  fprintf(f, "</code></td></tr>\n<tr><th>response</th><td>HTTP %ld, code <code>", res->http_status);
  cfm__xml_escape(f, s_or(res->vendor_code, "-"));
  fputs("</code>, class <code>", f);
  cfm__xml_escape(f, s_or(res->observed_class, "-"));
  fprintf(f, "</code>, %.2f ms</td></tr>\n", res->duration_ms);
  if (res->response_excerpt && *res->response_excerpt) {
    fputs("<tr><th>body</th><td><pre>", f);
    cfm__xml_escape(f, res->response_excerpt);
    fputs("</pre></td></tr>\n", f);
  }
  fputs("<tr><th>reproduce</th><td><pre>", f);
  cfm__xml_escape(f, s_or(res->repro, "-"));
  fputs("</pre></td></tr></table></details>\n", f);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void progress(cfm_report *r, int force) {
  static const double every_ms = 100.0;
  double t;
  if (!r->term || !(r->tty & CFM_TERM_PROGRESS))
    return;
  t = now_ms();
  if (!force &&
      t - ((double)r->last_progress.tv_sec * 1000.0 + (double)r->last_progress.tv_nsec / 1e6) <
          every_ms)
    return;
  r->last_progress.tv_sec = (time_t)(t / 1000.0);
  r->last_progress.tv_nsec = (long)((t - (double)r->last_progress.tv_sec * 1000.0) * 1e6);
  if (r->expected)
    fprintf(r->term, "\r\033[K  %zu/%zu cases  pass %zu  fail %zu  error %zu", r->n, r->expected,
            r->counts[CFM_VERDICT_PASS], r->counts[CFM_VERDICT_FAIL], r->counts[CFM_VERDICT_ERROR]);
  else
    fprintf(r->term, "\r\033[K  %zu cases  pass %zu  fail %zu  error %zu", r->n,
            r->counts[CFM_VERDICT_PASS], r->counts[CFM_VERDICT_FAIL], r->counts[CFM_VERDICT_ERROR]);
  fflush(r->term);
}

/* Counts a failure under its cause; a target's words reach the terminal
 * only as sanitised fields. */
static long note_failure_cause(cfm_report *r, const cfm_case_result *res) {
  const char *vendor = s_or(res->vendor, "?"), *kind = s_or(res->kind, ""),
             *reason = s_or(res->reason, "");
  char *treason = cfm_sanitize(NULL, reason, strlen(reason), TERM_REASON_MAX, CFM_SINK_TERM, NULL);
  fail_group *g = NULL;
  size_t i;
  if (!treason) {
    r->ungrouped++;
    return -1;
  }
  for (i = 0; i < r->ngroups && !g; i++)
    if (r->groups[i].verdict == res->verdict && !strcmp(r->groups[i].vendor, vendor) &&
        !strcmp(r->groups[i].reason, treason))
      g = &r->groups[i];
  if (g && strcmp(g->kind, kind))
    g->kind[0] = '\0'; /* checks of several kinds */
  if (!g && r->ngroups < TERM_GROUPS) {
    g = &r->groups[r->ngroups];
    memset(g, 0, sizeof(*g));
    g->vendor = cfm_sanitize(NULL, vendor, strlen(vendor), 100, CFM_SINK_TERM, NULL);
    g->kind = strdup(kind);
    g->reason = treason;
    g->verdict = res->verdict;
    treason = NULL;
    if (!g->vendor || !g->kind) {
      free(g->vendor);
      free(g->kind);
      free(g->reason);
      g = NULL;
    } else {
      r->ngroups++;
    }
  }
  free(treason);
  if (!g) {
    r->ungrouped++;
    return -1;
  }
  g->count++;
  if (g->nids < TERM_IDS) {
    const char *id = s_or(res->id, "?");
    g->ids[g->nids] = cfm_sanitize(NULL, id, strlen(id), 300, CFM_SINK_TERM, NULL);
    if (g->ids[g->nids])
      g->nids++;
  }
  return (long)(g - r->groups);
}

int cfm_report_add(cfm_report *r, const cfm_case_result *res) {
  json_t *obj;
  op_stat *op;
  long cause = -1;
  int grade;
  if (!r || !res || (int)res->verdict < 0 || res->verdict >= CFM_VERDICT__COUNT)
    return CFM_EINTERNAL;
  obj = cfm__case_to_json(res);
  if (!obj)
    return CFM_ENOMEM;
  if (r->n > 0)
    fputc(',', r->json);
  fputc('\n', r->json);
  if (json_dumpf(obj, r->json, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
    note_failure(r, "report.json", errno);
    r->json_failed = 1;
  }
  json_decref(obj);
  write_junit_case(r, res);
  if (!res->baselined && (res->verdict == CFM_VERDICT_FAIL || res->verdict == CFM_VERDICT_ERROR))
    cause = note_failure_cause(r, res);
  write_html_case(r, res, cause);
  r->n++;
  r->counts[res->verdict]++;
  if (res->baselined)
    r->baselined++;
  grade = cfm__provenance_grade(res->provenance);
  r->prov_counts[grade][res->verdict]++;
  op = find_op(r, s_or(res->vendor, "?"), s_or(res->operation, "?"));
  if (!op)
    return CFM_ENOMEM;
  op->counts[res->verdict]++;
  note_coverage(r, res);
  if (ferror(r->json) && !r->json_failed) {
    note_failure(r, "report.json", errno);
    r->json_failed = 1;
  }
  if ((ferror(r->html_fail_tmp) || ferror(r->html_rest_tmp)) && !r->html_failed) {
    note_failure(r, "report.html", errno);
    r->html_failed = 1;
  }
  progress(r, 0);
  return r->io_error ? CFM_EIO : CFM_EOK;
}

static json_t *verdict_counts(const size_t *counts) {
  json_t *o = json_object();
  int v;
  for (v = 0; v < CFM_VERDICT__COUNT; v++)
    json_object_set_new(o, cfm_verdict_name((cfm_verdict)v), json_integer((json_int_t)counts[v]));
  return o;
}

static json_t *summary_json(cfm_report *r, double wall_ms) {
  static const char *const grades[] = {"doc", "secondary", "assumed", "none"};
  json_t *s = verdict_counts(r->counts), *byprov = json_object(), *byop = json_array();
  size_t i;
  json_object_set_new(s, "total", json_integer((json_int_t)r->n));
  json_object_set_new(s, "baselined", json_integer((json_int_t)r->baselined));
  json_object_set_new(s, "wall_ms", json_real(wall_ms));
  for (i = 0; i < 4; i++)
    json_object_set_new(byprov, grades[i], verdict_counts(r->prov_counts[i]));
  json_object_set_new(s, "by_provenance", byprov);
  for (i = 0; i < r->nops; i++) {
    json_t *o = verdict_counts(r->ops[i].counts);
    json_object_set_new(o, "vendor", cfm__json_text(r->ops[i].vendor));
    json_object_set_new(o, "operation", cfm__json_text(r->ops[i].operation));
    json_array_append_new(byop, o);
  }
  json_object_set_new(s, "by_operation", byop);
  return s;
}

static json_t *coverage_json(cfm_report *r) {
  json_t *c = json_object(), *items = json_array();
  size_t i, exercised = 0, observed = 0;
  for (i = 0; i < r->ncov; i++) {
    json_t *o = json_deep_copy(r->cov[i].item);
    if (!o)
      continue;
    json_object_set_new(o, "cases", json_integer((json_int_t)r->cov[i].ncases));
    json_object_set_new(o, "passed", json_integer((json_int_t)r->cov[i].npass));
    json_object_set_new(o, "failed", json_integer((json_int_t)r->cov[i].nfail));
    json_object_set(o, "case_ids", r->cov[i].case_ids);
    json_object_set_new(o, "observed", json_boolean(r->cov[i].npass > 0));
    json_array_append_new(items, o);
    exercised += r->cov[i].ncases > 0;
    observed += r->cov[i].npass > 0;
  }
  json_object_set_new(c, "documented", json_integer((json_int_t)r->ncov));
  json_object_set_new(c, "exercised", json_integer((json_int_t)exercised));
  json_object_set_new(c, "observed", json_integer((json_int_t)observed));
  json_object_set_new(c, "items", items);
  return c;
}

static int splice(FILE *dst, FILE *src) {
  char chunk[16384];
  size_t n;
  if (fflush(src) != 0 || fseek(src, 0, SEEK_SET) != 0)
    return -1;
  while ((n = fread(chunk, 1, sizeof(chunk), src)) > 0)
    if (fwrite(chunk, 1, n, dst) != n)
      return -1;
  return ferror(src) ? -1 : 0;
}

static void junit_suite_head(FILE *f, const char *tag, const char *name, size_t tests,
                             size_t failures, size_t errors, size_t skipped, double ms) {
  fprintf(f, "<%s name=\"", tag);
  cfm__xml_escape(f, name);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
          tests, failures, errors, skipped, ms / 1000.0);
}

/* junit.xml: one testsuite per vendor (the shape Jenkins, GitLab and
 * Surefire read; tests/data/junit.xsd). */
static int write_junit(cfm_report *r, double wall_ms) {
  FILE *f = open_in_run(r, TMP_PREFIX "junit.xml", "w");
  size_t i, t[4] = {0, 0, 0, 0};
  int rc = 0;
  if (!f) {
    note_failure(r, "junit.xml", errno);
    return -1;
  }
  for (i = 0; i < r->nsuites; i++) {
    t[0] += r->suites[i].tests;
    t[1] += r->suites[i].failures;
    t[2] += r->suites[i].errors;
    t[3] += r->suites[i].skipped;
  }
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  junit_suite_head(f, "testsuites", "conform", t[0], t[1], t[2], t[3], wall_ms);
  fputs(">\n", f);
  for (i = 0; i < r->nsuites; i++) {
    junit_suite *s = &r->suites[i];
    fputs("  ", f);
    junit_suite_head(f, "testsuite", s->name, s->tests, s->failures, s->errors, s->skipped, s->ms);
    fprintf(f, " timestamp=\"%s\">\n    <properties><property name=\"run_id\" value=\"",
            r->started);
    cfm__xml_escape(f, r->run_id);
    fputs("\"/>", f);
    if (r->shard)
      junit_property(f, "shard", r->shard);
    if (json_is_string(json_object_get(r->targets, s->name)))
      junit_property(f, "target", json_string_value(json_object_get(r->targets, s->name)));
    fputs("</properties>\n", f);
    if (splice(f, s->f) != 0)
      rc = -1;
    fputs("  </testsuite>\n", f);
  }
  fputs("</testsuites>\n", f);
  if (rc != 0 || r->junit_failed) {
    note_failure(r, "junit.xml", errno);
    rc = -1;
  }
  if (commit_file(r, f, "junit.xml", rc != 0) != 0)
    rc = -1;
  return rc;
}

static void html_counts_row(FILE *f, const size_t *counts) {
  int v;
  for (v = 0; v < CFM_VERDICT__COUNT; v++)
    fprintf(f, "<td class=\"n%s\">%zu</td>",
            counts[v] ? (v == CFM_VERDICT_FAIL || v == CFM_VERDICT_ERROR ? " fail" : "") : "",
            counts[v]);
}

static void html_verdict_header(FILE *f) {
  int v;
  for (v = 0; v < CFM_VERDICT__COUNT; v++)
    fprintf(f, "<th>%s</th>", cfm_verdict_name((cfm_verdict)v));
}

static int op_cmp(const void *a, const void *b) {
  const op_stat *x = a, *y = b;
  int c = strcmp(x->vendor, y->vendor);
  return c ? c : strcmp(x->operation, y->operation);
}

/* By operation: one sortable table per vendor, with the vendor's totals. */
static void write_html_ops(cfm_report *r, FILE *f) {
  size_t i = 0, j, k;
  int v;
  qsort(r->ops, r->nops, sizeof(*r->ops), op_cmp);
  fputs("<h3>By operation</h3>\n", f);
  while (i < r->nops) {
    size_t tot[CFM_VERDICT__COUNT] = {0};
    for (j = i; j < r->nops && !strcmp(r->ops[j].vendor, r->ops[i].vendor); j++)
      for (v = 0; v < CFM_VERDICT__COUNT; v++)
        tot[v] += r->ops[j].counts[v];
    fputs("<h4>", f);
    cfm__xml_escape(f, r->ops[i].vendor);
    fputs("</h4>\n<table class=\"sort\"><thead><tr><th>operation</th>", f);
    html_verdict_header(f);
    fputs("</tr></thead><tbody>\n", f);
    for (k = i; k < j; k++) {
      fputs("<tr><td>", f);
      cfm__xml_escape(f, r->ops[k].operation);
      fputs("</td>", f);
      html_counts_row(f, r->ops[k].counts);
      fputs("</tr>\n", f);
    }
    fputs("</tbody><tfoot><tr><th>all</th>", f);
    html_counts_row(f, tot);
    fputs("</tr></tfoot></table>\n", f);
    i = j;
  }
}

/* Failures grouped by cause (vendor, verdict, reason), with counts; a
 * button shows that cause's cases. */
static void write_html_causes(cfm_report *r, FILE *f) {
  size_t i, k;
  if (!r->ngroups)
    return;
  fprintf(f,
          "<h2>Failures by cause (%zu causes)</h2>\n<table class=\"sort\" id=\"causes\">"
          "<thead><tr><th>vendor</th><th>verdict</th><th>kind</th><th>reason</th>"
          "<th>cases</th><th>e.g.</th><th></th></tr></thead><tbody>\n",
          r->ngroups);
  for (i = 0; i < r->ngroups; i++) {
    const fail_group *g = &r->groups[i];
    const char *v = cfm_verdict_name(g->verdict);
    fputs("<tr><td>", f);
    cfm__xml_escape(f, g->vendor);
    fprintf(f, "</td><td class=\"%s\">%s</td><td>", v, v);
    cfm__xml_escape(f, *g->kind ? g->kind : "(several)");
    fputs("</td><td>", f);
    cfm__xml_escape(f, g->reason);
    fprintf(f, "</td><td class=\"n\">%zu</td><td>", g->count);
    for (k = 0; k < g->nids; k++) {
      fputs(k ? "<br><code>" : "<code>", f);
      cfm__xml_escape(f, g->ids[k]);
      fputs("</code>", f);
    }
    fprintf(f,
            "</td><td><button type=\"button\" data-cause=\"%zu\">show cases</button></td></tr>\n",
            i);
  }
  fputs("</tbody></table>\n", f);
  if (r->ungrouped)
    fprintf(f, "<p class=\"muted\">%zu more failures of other causes are listed below.</p>\n",
            r->ungrouped);
}

static void write_html_filters(cfm_report *r, FILE *f) {
  static const char *const names[] = {"vendor", "operation", "kind", "verdict"};
  size_t i;
  fputs("<div id=\"filters\">", f);
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    fprintf(f, "<label>%s <select name=\"%s\"><option value=\"\">all</option></select></label>",
            names[i], names[i]);
  fputs("<label>cause <select name=\"cause\"><option value=\"\">all</option>", f);
  for (i = 0; i < r->ngroups; i++) {
    fprintf(f, "<option value=\"%zu\">", i);
    cfm__xml_escape(f, r->groups[i].vendor);
    fprintf(f, ": %zu \xC3\x97 ", r->groups[i].count);
    cfm__xml_escape(f, r->groups[i].reason);
    fputs("</option>", f);
  }
  fputs("</select></label><input id=\"q\" type=\"search\" placeholder=\"search ids, reasons, "
        "evidence\" size=\"30\"> <span id=\"shown\" class=\"muted\"></span></div>\n",
        f);
}

static int write_html(cfm_report *r, double wall_ms) {
  static const char *const grades[] = {"document", "secondary source", "assumed", "none"};
  FILE *f = open_in_run(r, TMP_PREFIX "report.html", "w");
  size_t i, exercised = 0;
  size_t bad = r->counts[CFM_VERDICT_FAIL] + r->counts[CFM_VERDICT_ERROR] - r->baselined;
  size_t open_fail =
      r->counts[CFM_VERDICT_FAIL] > r->baselined ? r->counts[CFM_VERDICT_FAIL] - r->baselined : 0;
  const char *verdict = open_fail ? "FAIL" : bad ? "INCOMPLETE" : "PASS";
  int rc = 0, g;
  const char *k;
  json_t *v;
  if (!f) {
    note_failure(r, "report.html", errno);
    return -1;
  }
  fputs(html_head, f);
  fprintf(f,
          "<div class=\"banner %s\" id=\"banner\">%s \xE2\x80\x94 %zu cases: %zu pass, %zu fail, "
          "%zu error, %zu warn, %zu skip",
          verdict, verdict, r->n, r->counts[CFM_VERDICT_PASS], r->counts[CFM_VERDICT_FAIL],
          r->counts[CFM_VERDICT_ERROR], r->counts[CFM_VERDICT_WARN], r->counts[CFM_VERDICT_SKIP]);
  if (r->baselined)
    fprintf(f, " (%zu accepted by the baseline)", r->baselined);
  fputs("</div>\n<h1>conform report</h1>\n<p class=\"muted\">run <code>", f);
  cfm__xml_escape(f, r->run_id);
  fprintf(f, "</code>, started %s, %zu cases in %.1f ms", r->started, r->n, wall_ms);
  if (r->shard) {
    fputs(", shard ", f);
    cfm__xml_escape(f, r->shard);
  }
  fputs("</p>\n<table><tr><th>target</th><th>URL</th></tr>\n", f);
  json_object_foreach(r->targets, k, v) {
    fputs("<tr><td>", f);
    cfm__xml_escape(f, k);
    fputs("</td><td><code>", f);
    cfm__xml_escape(f, json_is_string(v) ? json_string_value(v) : "");
    fputs("</code></td></tr>\n", f);
  }
  fputs("</table>\n<h2>Summary</h2>\n<table><tr><th></th>", f);
  html_verdict_header(f);
  fputs("<th>baselined</th></tr>\n<tr><th>all cases</th>", f);
  html_counts_row(f, r->counts);
  fprintf(f, "<td class=\"n\">%zu</td></tr>\n</table>\n", r->baselined);
  fputs("<h3>By provenance of the statement tested</h3>\n<table><tr><th></th>", f);
  html_verdict_header(f);
  fputs("</tr>\n", f);
  for (g = 0; g < 4; g++) {
    fprintf(f, "<tr><th>%s</th>", grades[g]);
    html_counts_row(f, r->prov_counts[g]);
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
  write_html_ops(r, f);
  write_html_causes(r, f);
  fputs("<h2 id=\"cases\">Cases</h2>\n", f);
  write_html_filters(r, f);
  fprintf(f, "<h3>Failures and errors (%zu)</h3>\n", bad);
  if (splice(f, r->html_fail_tmp) != 0 || r->html_failed) {
    note_failure(r, "report.html", errno);
    rc = -1;
  }
  fputs("<h3>All other cases</h3>\n", f);
  if (splice(f, r->html_rest_tmp) != 0) {
    note_failure(r, "report.html", errno);
    rc = -1;
  }
  for (i = 0; i < r->ncov; i++)
    exercised += r->cov[i].ncases > 0;
  fprintf(f,
          "<h2>Coverage of documented statements</h2>\n<p>%zu documented items, %zu exercised "
          "by at least one case.  <em>observed</em>: a case exercising the item passed, so the "
          "target was seen behaving as documented.</p>\n",
          r->ncov, exercised);
  fputs("<table class=\"sort\"><thead><tr><th>spec</th><th>item</th><th>kind</th><th>doc</th>"
        "<th>cases</th><th>observed</th></tr></thead><tbody>\n",
        f);
  for (i = 0; i < r->ncov; i++) {
    const json_t *it = r->cov[i].item;
    size_t j;
    fputs("<tr><td>", f);
    cfm__xml_escape(f, json_string_value(json_object_get(it, "spec")));
    fputs("</td><td>", f);
    cfm__xml_escape(f, s_or(json_string_value(json_object_get(it, "label")),
                            json_string_value(json_object_get(it, "pointer"))));
    fputs("</td><td>", f);
    cfm__xml_escape(f, json_string_value(json_object_get(it, "kind")));
    fputs("</td><td>", f);
    write_provenance_html(f, json_object_get(it, "provenance"));
    fprintf(f, "</td><td class=\"n%s\" title=\"", r->cov[i].ncases ? "" : " fail");
    for (j = 0; j < json_array_size(r->cov[i].case_ids); j++) {
      cfm__xml_escape(f, json_string_value(json_array_get(r->cov[i].case_ids, j)));
      fputc(' ', f);
    }
    fprintf(f, "\">%zu</td><td class=\"%s\">%s</td></tr>\n", r->cov[i].ncases,
            r->cov[i].npass ? "pass" : "muted", r->cov[i].npass ? "yes" : "no");
  }
  fputs("</tbody></table>\n<p class=\"muted\">Generated by conform " CONFORM_VERSION ".</p>\n", f);
  fputs(html_script, f);
  fputs("</body></html>\n", f);
  if (commit_file(r, f, "report.html", rc != 0) != 0)
    rc = -1;
  return rc;
}

/* Writes a path or other text to the terminal as one sanitised field. */
static void term_field(FILE *f, const char *s) {
  cfm_sanitize_write(f, NULL, s, strlen(s), 1024, CFM_SINK_TERM);
}

static void update_latest(cfm_report *r) {
  char link[700], tmp[720];
  struct stat st;
  snprintf(link, sizeof(link), "%s/latest", r->root);
  snprintf(tmp, sizeof(tmp), "%s/.latest.%ld", r->root, (long)getpid());
  if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
    if (r->term) {
      fputs("conform: warning: '", r->term);
      term_field(r->term, link);
      fputs("' is not a symlink; not updating it\n", r->term);
    }
    return;
  }
  remove(tmp);
  if (symlink(r->run_id, tmp) != 0 || rename(tmp, link) != 0) {
    remove(tmp);
    if (r->term) {
      fputs("conform: warning: cannot update '", r->term);
      term_field(r->term, link);
      fputs("'\n", r->term);
    }
  }
}

static int group_by_count(const void *a, const void *b) {
  const fail_group *x = *(const fail_group *const *)a, *y = *(const fail_group *const *)b;
  return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* The failures by vendor and cause, most frequent cause first, TERM_LINES
 * causes in all shared round-robin between the vendors (so one vendor's
 * many failures cannot hide another's). */
static void term_causes(cfm_report *r, const char *red, const char *off) {
  const char *vendors[TERM_GROUPS];
  size_t nv = 0, quota[TERM_GROUPS], have[TERM_GROUPS], i, v, lines = 0;
  fail_group *list[TERM_GROUPS];
  int more = 1;
  if (!r->ngroups && !r->ungrouped)
    return;
  for (i = 0; i < r->ngroups; i++) {
    for (v = 0; v < nv && strcmp(vendors[v], r->groups[i].vendor); v++)
      ;
    if (v == nv) {
      vendors[nv] = r->groups[i].vendor;
      have[nv] = 0;
      quota[nv++] = 0;
    }
    have[v]++;
  }
  while (more && lines < TERM_LINES) {
    more = 0;
    for (v = 0; v < nv && lines < TERM_LINES; v++)
      if (quota[v] < have[v]) {
        quota[v]++;
        lines++;
        more = 1;
      }
  }
  fputs("failures by vendor and cause:\n", r->term);
  for (v = 0; v < nv; v++) {
    size_t n = 0, cases = 0, rest = 0;
    for (i = 0; i < r->ngroups; i++)
      if (!strcmp(r->groups[i].vendor, vendors[v])) {
        list[n++] = &r->groups[i];
        cases += r->groups[i].count;
      }
    qsort(list, n, sizeof(*list), group_by_count);
    fprintf(r->term, "  %s: %zu case%s, %zu cause%s\n", vendors[v], cases, cases == 1 ? "" : "s", n,
            n == 1 ? "" : "s");
    for (i = 0; i < n; i++) {
      const fail_group *g = list[i];
      size_t k;
      if (i >= quota[v]) {
        rest += g->count;
        continue;
      }
      fprintf(r->term, "    %s%-5s%s %4zu x %s%s%s%s\n", red,
              g->verdict == CFM_VERDICT_FAIL ? "FAIL" : "ERROR", off, g->count, *g->kind ? "[" : "",
              g->kind, *g->kind ? "] " : "", g->reason);
      fputs("               e.g.", r->term);
      for (k = 0; k < g->nids; k++)
        fprintf(r->term, "%s %s", k ? "," : "", g->ids[k]);
      fputc('\n', r->term);
    }
    if (n > quota[v])
      fprintf(r->term, "    ... %zu more cause%s (%zu case%s): see report.html\n", n - quota[v],
              n - quota[v] == 1 ? "" : "s", rest, rest == 1 ? "" : "s");
  }
  if (r->ungrouped)
    fprintf(r->term, "  ... and %zu more failures of other causes: see report.html\n",
            r->ungrouped);
}

static void term_summary(cfm_report *r, double wall_ms) {
  int col = (r->tty & CFM_TERM_COLOUR) != 0;
  const char *red = col ? "\033[31m" : "", *green = col ? "\033[32m" : "",
             *bold = col ? "\033[1m" : "", *off = col ? "\033[0m" : "";
  size_t i;
  if (!r->term)
    return;
  if (r->tty & CFM_TERM_PROGRESS)
    fputs("\r\033[K", r->term);
  term_causes(r, red, off);
  fprintf(r->term,
          "%sconform:%s %zu cases in %.3f s: %s%zu pass%s, %zu warn, %zu skip, %s%zu fail%s, "
          "%s%zu error%s",
          bold, off, r->n, wall_ms / 1000.0, green, r->counts[CFM_VERDICT_PASS], off,
          r->counts[CFM_VERDICT_WARN], r->counts[CFM_VERDICT_SKIP],
          r->counts[CFM_VERDICT_FAIL] ? red : "", r->counts[CFM_VERDICT_FAIL], off,
          r->counts[CFM_VERDICT_ERROR] ? red : "", r->counts[CFM_VERDICT_ERROR], off);
  if (r->baselined)
    fprintf(r->term, " (%zu accepted by the baseline)", r->baselined);
  fputc('\n', r->term);
  if (r->io_error) {
    /* No "reports:" line for files that were not written. */
    for (i = 0; i < 3; i++) {
      if (!r->failure[i][0])
        continue;
      fputs("conform: error: ", r->term);
      term_field(r->term, r->failure[i]);
      fputc('\n', r->term);
    }
    fputs("conform: error: the reports are incomplete; 'latest' is unchanged\n", r->term);
    return;
  }
  if (r->tty & CFM_TERM_NO_PATHS)
    return;
  fputs("reports: ", r->term);
  term_field(r->term, r->run_dir);
  fputs("/{report.json,junit.xml,report.html}\n", r->term);
}

const char *cfm_report_run_dir(const cfm_report *r) {
  return r->run_dir;
}

int cfm_report_close(cfm_report *r, double wall_ms, cfm_report_summary *summary) {
  int rc = CFM_EOK;
  size_t i;
  if (!r)
    return CFM_EOK;
  if (r->json && r->aborted) {
    fclose(r->json);
    remove_in_run(r, TMP_PREFIX "report.json");
  } else if (r->json) {
    json_t *s = summary_json(r, wall_ms), *c = coverage_json(r);
    fputs("\n],\n\"summary\":", r->json);
    if (!s || json_dumpf(s, r->json, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
      note_failure(r, "report.json", s ? errno : ENOMEM);
      r->json_failed = 1;
    }
    fputs(",\n\"coverage\":", r->json);
    if (!c || json_dumpf(c, r->json, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
      note_failure(r, "report.json", c ? errno : ENOMEM);
      r->json_failed = 1;
    }
    fputs("}\n", r->json);
    json_decref(s);
    json_decref(c);
    commit_file(r, r->json, "report.json", r->json_failed);
    /* junit.xml and report.html are written even after a failure, so the
     * run directory keeps every file that could be completed. */
    write_junit(r, wall_ms);
    write_html(r, wall_ms);
    if (!r->io_error) {
      sync_dir(r->run_dir); /* the renames themselves on disk before latest names them */
      update_latest(r);     /* only when every file is complete */
    }
    if (r->io_error)
      rc = CFM_EIO;
    term_summary(r, wall_ms);
  }
  if (summary) {
    summary->error[0] = '\0';
    memcpy(summary->counts, r->counts, sizeof(summary->counts));
    summary->baselined = r->baselined;
    summary->wall_ms = wall_ms;
    snprintf(summary->run_dir, sizeof(summary->run_dir), "%s", r->run_dir);
    for (i = 0; i < 3 && !summary->error[0]; i++)
      snprintf(summary->error, sizeof(summary->error), "%s", r->failure[i]);
  }
  for (i = 0; i < r->nsuites; i++) {
    char name[64];
    fclose(r->suites[i].f);
    free(r->suites[i].name);
    snprintf(name, sizeof(name), ".junit-suite-%zu.tmp", i);
    remove_in_run(r, name);
  }
  if (r->html_fail_tmp)
    fclose(r->html_fail_tmp);
  if (r->html_rest_tmp)
    fclose(r->html_rest_tmp);
  remove_in_run(r, ".html-failures.tmp");
  remove_in_run(r, ".html-cases.tmp");
  for (i = 0; i < r->nops; i++) {
    free(r->ops[i].vendor);
    free(r->ops[i].operation);
  }
  free(r->ops);
  for (i = 0; i < r->ncov; i++) {
    free(r->cov[i].key);
    json_decref(r->cov[i].item);
    json_decref(r->cov[i].case_ids);
  }
  free(r->cov);
  for (i = 0; i < r->ngroups; i++) {
    size_t k;
    free(r->groups[i].vendor);
    free(r->groups[i].kind);
    free(r->groups[i].reason);
    for (k = 0; k < r->groups[i].nids; k++)
      free(r->groups[i].ids[k]);
  }
  free(r->shard);
  json_decref(r->targets);
  free(r);
  return rc;
}
