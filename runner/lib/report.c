/* conform — streamed reports: report.json, junit.xml, report.html and the
 * terminal summary, written case by case.  This file owns the run
 * directory, the atomic commit of each file and the lifecycle (open, add,
 * close); each format is written by its sink (report_sink.h).
 *
 * Memory stays flat in the number of cases: each case is written out as it
 * arrives.  What must appear before the cases in a file (JUnit's counts, the
 * HTML summary, failures first) is kept as per-operation counters, and the
 * case bodies go to temporary files in the run directory that close()
 * splices in order.  Only the coverage table (bounded by the specs' size)
 * and the first few failures (for the terminal) stay in memory. */
#include "report_sink.h"

#include "conform/repro.h"
#include "conform/sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

FILE *cfm__report_open_in_run(cfm_report *r, const char *name, const char *mode) {
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", r->run_dir, name);
  return fopen(path, mode);
}

/* Records the first write failure of each file: the file and the reason. */
void cfm__report_note_failure(cfm_report *r, const char *name, int e) {
  int i = !strcmp(name, "report.json")   ? 0
          : !strcmp(name, "junit.xml")   ? 1
          : !strcmp(name, "report.html") ? 2
                                         : 3; /* a reproduction's body file */
  r->io_error = 1;
  if (!r->failure[i][0])
    snprintf(r->failure[i], sizeof(r->failure[i]), "cannot write '%s/%s': %s", r->run_dir, name,
             strerror(e ? e : EIO));
}

/* Flushes, syncs and closes f (TMP_PREFIX name), then renames it to name
 * unless it failed (bad: an earlier write to it failed, already noted).
 * Returns 0, or -1 with the failure noted and the temporary file removed. */
int cfm__report_commit(cfm_report *r, FILE *f, const char *name, int bad) {
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
    cfm__report_note_failure(r, name, e);
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

/* Creates <root>/<run id>, a fresh directory (a suffix when the id is
 * taken).  Returns CFM_EOK or CFM_EIO (err filled). */
static int make_run_dir(cfm_report *r, const cfm_report_options *opt, cfm_error_t *err) {
  int attempt;
  for (attempt = 0;; attempt++) {
    if (opt->run_id && attempt == 0)
      snprintf(r->run_id, sizeof(r->run_id), "%s", opt->run_id);
    else if (opt->run_id)
      snprintf(r->run_id, sizeof(r->run_id), "%.80s-%d", opt->run_id, attempt);
    else
      make_run_id(r->run_id, sizeof(r->run_id));
    snprintf(r->run_dir, sizeof(r->run_dir), "%s/%s", r->root, r->run_id);
    if (mkdir(r->run_dir, 0755) == 0)
      return CFM_EOK;
    if (errno != EEXIST || attempt >= 20)
      return cfm_error_set(err, CFM_EIO, r->run_dir, "", "cannot create run directory: %s",
                           strerror(errno));
  }
}

/* Gives up on a half-opened report: close only cleans up. */
static int abort_open(cfm_report *r, int rc) {
  r->aborted = 1;
  cfm_report_close(r, 0, NULL);
  return rc;
}

int cfm_report_open(const cfm_report_options *opt, cfm_report **out, cfm_error_t *err) {
  cfm_report *r;
  time_t now = time(NULL);
  struct tm tm;
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
  if (make_run_dir(r, opt, err) != CFM_EOK) {
    free(r);
    return CFM_EIO;
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
  if (cfm__cov_load(r, opt->coverage_items) != 0)
    return abort_open(r, cfm_error_set(err, CFM_ENOMEM, "report", "", "out of memory"));
  r->json = cfm__report_open_in_run(r, TMP_PREFIX "report.json", "w");
  r->html_fail_tmp = cfm__report_open_in_run(r, ".html-failures.tmp", "w+");
  r->html_rest_tmp = cfm__report_open_in_run(r, ".html-cases.tmp", "w+");
  if (!r->json || !r->html_fail_tmp || !r->html_rest_tmp) {
    cfm_error_set(err, CFM_EIO, r->run_dir, "", "cannot write report files: %s", strerror(errno));
    return abort_open(r, CFM_EIO);
  }
  if (cfm__json_head(r) != 0)
    return abort_open(r, cfm_error_set(err, CFM_ENOMEM, "report", "", "out of memory"));
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

/* Writes the body file of a reproduction (repro/<case>.json) into the run
 * directory; a name the reproduction code would not make is refused. */
static void write_repro_body(cfm_report *r, const cfm_case_result *res) {
  char path[800];
  FILE *f;
  int e = 0;
  if (!cfm_repro_body_path_ok(res->repro_file)) {
    cfm__report_note_failure(r, res->repro_file, EINVAL);
    return;
  }
  snprintf(path, sizeof(path), "%s/repro", r->run_dir);
  if (!r->repro_dir && mkdir(path, 0755) != 0 && errno != EEXIST) {
    cfm__report_note_failure(r, "repro", errno);
    return;
  }
  r->repro_dir = 1;
  snprintf(path, sizeof(path), "%s/%s", r->run_dir, res->repro_file);
  errno = 0;
  if (!(f = fopen(path, "wb")))
    e = errno ? errno : EIO;
  else if (fwrite(res->repro_body, 1, res->repro_body_len, f) != res->repro_body_len)
    e = errno ? errno : EIO;
  if (f && fclose(f) != 0 && !e)
    e = errno ? errno : EIO;
  if (e)
    cfm__report_note_failure(r, res->repro_file, e);
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
    cfm__report_note_failure(r, "report.json", errno);
    r->json_failed = 1;
  }
  json_decref(obj);
  cfm__junit_case(r, res);
  if (res->repro_file && res->repro_body)
    write_repro_body(r, res);
  if (!res->baselined && (res->verdict == CFM_VERDICT_FAIL || res->verdict == CFM_VERDICT_ERROR))
    cause = cfm__term_note_cause(r, res);
  cfm__html_case(r, res, cause);
  r->n++;
  r->counts[res->verdict]++;
  if (res->baselined)
    r->baselined++;
  grade = cfm__provenance_grade(res->provenance);
  r->prov_counts[grade][res->verdict]++;
  op = find_op(r, cfm__s_or(res->vendor, "?"), cfm__s_or(res->operation, "?"));
  if (!op)
    return CFM_ENOMEM;
  op->counts[res->verdict]++;
  cfm__cov_note(r, res);
  if (ferror(r->json) && !r->json_failed) {
    cfm__report_note_failure(r, "report.json", errno);
    r->json_failed = 1;
  }
  if ((ferror(r->html_fail_tmp) || ferror(r->html_rest_tmp)) && !r->html_failed) {
    cfm__report_note_failure(r, "report.html", errno);
    r->html_failed = 1;
  }
  cfm__term_progress(r, 0);
  return r->io_error ? CFM_EIO : CFM_EOK;
}

int cfm__report_splice(FILE *dst, FILE *src) {
  char chunk[16384];
  size_t n;
  if (fflush(src) != 0 || fseek(src, 0, SEEK_SET) != 0)
    return -1;
  while ((n = fread(chunk, 1, sizeof(chunk), src)) > 0)
    if (fwrite(chunk, 1, n, dst) != n)
      return -1;
  return ferror(src) ? -1 : 0;
}

static void update_latest(cfm_report *r) {
  char link[700], tmp[720];
  struct stat st;
  snprintf(link, sizeof(link), "%s/latest", r->root);
  snprintf(tmp, sizeof(tmp), "%s/.latest.%ld", r->root, (long)getpid());
  if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
    if (r->term) {
      fputs("conform: warning: '", r->term);
      cfm__term_field(r->term, link);
      fputs("' is not a symlink; not updating it\n", r->term);
    }
    return;
  }
  remove(tmp);
  if (symlink(r->run_id, tmp) != 0 || rename(tmp, link) != 0) {
    remove(tmp);
    if (r->term) {
      fputs("conform: warning: cannot update '", r->term);
      cfm__term_field(r->term, link);
      fputs("'\n", r->term);
    }
  }
}

/* Frees r and everything it holds; removes the temporary files. */
static void report_free(cfm_report *r) {
  size_t i;
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
  cfm__cov_release(r);
  cfm__term_release(r);
  free(r->shard);
  json_decref(r->targets);
  free(r);
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
    cfm__json_finish(r, wall_ms);
    /* junit.xml and report.html are written even after a failure, so the
     * run directory keeps every file that could be completed. */
    cfm__junit_write(r, wall_ms);
    cfm__html_write(r, wall_ms);
    if (!r->io_error) {
      sync_dir(r->run_dir); /* the renames themselves on disk before latest names them */
      update_latest(r);     /* only when every file is complete */
    }
    if (r->io_error)
      rc = CFM_EIO;
    cfm__term_summary(r, wall_ms);
  }
  if (summary) {
    summary->error[0] = '\0';
    memcpy(summary->counts, r->counts, sizeof(summary->counts));
    summary->baselined = r->baselined;
    summary->wall_ms = wall_ms;
    snprintf(summary->run_dir, sizeof(summary->run_dir), "%s", r->run_dir);
    for (i = 0; i < 4 && !summary->error[0]; i++)
      snprintf(summary->error, sizeof(summary->error), "%s", r->failure[i]);
  }
  report_free(r);
  return rc;
}
