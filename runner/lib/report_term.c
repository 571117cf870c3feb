/* conform — the terminal sink of a report: the progress line, failures
 * grouped by vendor and cause (kept bounded in memory), the closing
 * summary.  Writes only to the terminal stream; every target word goes
 * through the sanitiser first. */
#include "report_sink.h"

#include "conform/sanitize.h"

#include <stdlib.h>
#include <string.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void cfm__term_progress(cfm_report *r, int force) {
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
long cfm__term_note_cause(cfm_report *r, const cfm_case_result *res) {
  const char *vendor = cfm__s_or(res->vendor, "?"), *kind = cfm__s_or(res->kind, ""),
             *reason = cfm__s_or(res->reason, "");
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
    const char *id = cfm__s_or(res->id, "?");
    g->ids[g->nids] = cfm_sanitize(NULL, id, strlen(id), 300, CFM_SINK_TERM, NULL);
    if (g->ids[g->nids])
      g->nids++;
  }
  return (long)(g - r->groups);
}

/* Writes a path or other text to the terminal as one sanitised field. */
void cfm__term_field(FILE *f, const char *s) {
  cfm_sanitize_write(f, NULL, s, strlen(s), 1024, CFM_SINK_TERM);
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

void cfm__term_summary(cfm_report *r, double wall_ms) {
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
    for (i = 0; i < 4; i++) {
      if (!r->failure[i][0])
        continue;
      fputs("conform: error: ", r->term);
      cfm__term_field(r->term, r->failure[i]);
      fputc('\n', r->term);
    }
    fputs("conform: error: the reports are incomplete; 'latest' is unchanged\n", r->term);
    return;
  }
  if (r->tty & CFM_TERM_NO_PATHS)
    return;
  fputs("reports: ", r->term);
  cfm__term_field(r->term, r->run_dir);
  fputs("/{report.json,junit.xml,report.html}\n", r->term);
}

void cfm__term_release(cfm_report *r) {
  size_t i, k;
  for (i = 0; i < r->ngroups; i++) {
    free(r->groups[i].vendor);
    free(r->groups[i].kind);
    free(r->groups[i].reason);
    for (k = 0; k < r->groups[i].nids; k++)
      free(r->groups[i].ids[k]);
  }
}
