/* conform — the report.html sink: one self-contained page (banner,
 * summary, failures by cause, filterable cases, coverage).  Case bodies go
 * to two temporary files (failures first) that close splices in.  Touches
 * no other report file. */
#include "report_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
    cfm__provenance_text(f, prov);
    fputs(")</span>", f);
  } else {
    cfm__provenance_text(f, prov);
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
void cfm__html_case(cfm_report *r, const cfm_case_result *res, long cause) {
  int bad =
      !res->baselined && (res->verdict == CFM_VERDICT_FAIL || res->verdict == CFM_VERDICT_ERROR);
  FILE *f = bad ? r->html_fail_tmp : r->html_rest_tmp;
  const char *v = cfm_verdict_name(res->verdict);
  const json_t *row = json_object_get(res->provenance, "row");
  fprintf(f, "<details class=\"case\"%s", bad ? " open" : "");
  html_data(f, "vendor", cfm__s_or(res->vendor, "?"));
  html_data(f, "operation", cfm__s_or(res->operation, "?"));
  html_data(f, "kind", cfm__s_or(res->kind, "?"));
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
  cfm__xml_escape(f, cfm__s_or(res->vendor_code, "-"));
  fputs("</code>, class <code>", f);
  cfm__xml_escape(f, cfm__s_or(res->observed_class, "-"));
  fprintf(f, "</code>, %.2f ms</td></tr>\n", res->duration_ms);
  if (res->response_excerpt && *res->response_excerpt) {
    fputs("<tr><th>body</th><td><pre>", f);
    cfm__xml_escape(f, res->response_excerpt);
    fputs("</pre></td></tr>\n", f);
  }
  fputs("<tr><th>reproduce</th><td><pre>", f);
  cfm__xml_escape(f, cfm__s_or(res->repro, "-"));
  fputs("</pre>", f);
  if (res->repro_file && res->repro_body) {
    fputs("body: <a href=\"", f);
    cfm__xml_escape(f, res->repro_file);
    fputs("\">", f);
    cfm__xml_escape(f, res->repro_file);
    fputs("</a> (run the command in the report's directory)", f);
  }
  fputs("</td></tr></table></details>\n", f);
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

/* The verdict banner, the run and its targets. */
static void write_html_top(cfm_report *r, FILE *f, double wall_ms) {
  size_t bad = r->counts[CFM_VERDICT_FAIL] + r->counts[CFM_VERDICT_ERROR] - r->baselined;
  size_t open_fail =
      r->counts[CFM_VERDICT_FAIL] > r->baselined ? r->counts[CFM_VERDICT_FAIL] - r->baselined : 0;
  const char *verdict = open_fail ? "FAIL" : bad ? "INCOMPLETE" : "PASS";
  const char *k;
  json_t *v;
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
  fputs("</table>\n", f);
}

static size_t count_of(const json_t *o, const char *key) {
  return (size_t)json_integer_value(json_object_get(o, key));
}

/* A coverage item's spec, label (else pointer) and kind, between seps. */
static void write_item_names(FILE *f, const json_t *it, const char *sep1, const char *sep2) {
  cfm__xml_escape(f, json_string_value(json_object_get(it, "spec")));
  fputs(sep1, f);
  cfm__xml_escape(f, cfm__s_or(json_string_value(json_object_get(it, "label")),
                               json_string_value(json_object_get(it, "pointer"))));
  fputs(sep2, f);
  cfm__xml_escape(f, json_string_value(json_object_get(it, "kind")));
}

/* Coverage by kind of item, and the items no case exercises. */
static void write_html_coverage_totals(FILE *f, const json_t *cov) {
  const char *kind;
  const json_t *k, *it;
  size_t i, n = json_array_size(json_object_get(cov, "unexercised"));
  fprintf(f,
          "<h2>Coverage of documented statements</h2>\n<p id=\"coverage-totals\" "
          "data-documented=\"%zu\" data-exercised=\"%zu\" data-observed=\"%zu\">%zu "
          "documented items, %zu exercised by at least one case, %zu observed.  "
          "<em>exercised</em>: a case sent the request the item is about (an error row: a "
          "case expected it or the target answered with it).  <em>observed</em>: the target "
          "was seen behaving as documented (an error row: it answered with that row; any "
          "other item: a case exercising it passed).</p>\n",
          count_of(cov, "documented"), count_of(cov, "exercised"), count_of(cov, "observed"),
          count_of(cov, "documented"), count_of(cov, "exercised"), count_of(cov, "observed"));
  fputs("<table id=\"coverage-kinds\"><tr><th>kind</th><th>documented</th><th>exercised</th>"
        "<th>observed</th></tr>\n",
        f);
  json_object_foreach((json_t *)json_object_get(cov, "by_kind"), kind, k) {
    fputs("<tr data-kind=\"", f);
    cfm__xml_escape(f, kind);
    fputs("\"><td>", f);
    cfm__xml_escape(f, kind);
    fprintf(f,
            "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n",
            count_of(k, "documented"), count_of(k, "exercised"), count_of(k, "observed"));
  }
  fprintf(f,
          "</table>\n<details id=\"unexercised\"%s><summary>%zu documented items no case "
          "exercises</summary><ul>\n",
          n && n <= 50 ? " open" : "", n);
  json_array_foreach(json_object_get(cov, "unexercised"), i, it) {
    fputs("<li>", f);
    write_item_names(f, it, ": ", " <span class=\"muted\">(");
    fputs(")</span></li>\n", f);
  }
  fputs("</ul></details>\n", f);
}

/* The documented items and the cases that exercised each, from the same
 * object report.json stores (so the two agree). */
static void write_html_coverage(cfm_report *r, FILE *f) {
  json_t *cov = cfm__cov_json(r);
  const json_t *it;
  size_t i, j;
  if (!cov) {
    fputs("<h2>Coverage of documented statements</h2>\n<p>out of memory</p>\n", f);
    return;
  }
  write_html_coverage_totals(f, cov);
  fputs("<table class=\"sort\"><thead><tr><th>spec</th><th>item</th><th>kind</th><th>doc</th>"
        "<th>cases</th><th>seen</th><th>observed</th></tr></thead><tbody>\n",
        f);
  json_array_foreach(json_object_get(cov, "items"), i, it) {
    size_t n = count_of(it, "cases");
    int seen = json_is_true(json_object_get(it, "observed"));
    fputs("<tr><td>", f);
    write_item_names(f, it, "</td><td>", "</td><td>");
    fputs("</td><td>", f);
    write_provenance_html(f, json_object_get(it, "provenance"));
    fprintf(f, "</td><td class=\"n%s\" title=\"", n ? "" : " fail");
    for (j = 0; j < json_array_size(json_object_get(it, "case_ids")); j++) {
      cfm__xml_escape(f, json_string_value(json_array_get(json_object_get(it, "case_ids"), j)));
      fputc(' ', f);
    }
    fprintf(f, "\">%zu</td><td class=\"n\">%zu</td><td class=\"%s\">%s</td></tr>\n", n,
            count_of(it, "seen"), seen ? "pass" : "muted", seen ? "yes" : "no");
  }
  fputs("</tbody></table>\n", f);
  json_decref(cov);
}

int cfm__html_write(cfm_report *r, double wall_ms) {
  static const char *const grades[] = {"document", "secondary source", "assumed", "none"};
  FILE *f = cfm__report_open_in_run(r, TMP_PREFIX "report.html", "w");
  size_t bad = r->counts[CFM_VERDICT_FAIL] + r->counts[CFM_VERDICT_ERROR] - r->baselined;
  int rc = 0, g;
  if (!f) {
    cfm__report_note_failure(r, "report.html", errno);
    return -1;
  }
  write_html_top(r, f, wall_ms);
  fputs("<h2>Summary</h2>\n<table><tr><th></th>", f);
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
  if (cfm__report_splice(f, r->html_fail_tmp) != 0 || r->html_failed) {
    cfm__report_note_failure(r, "report.html", errno);
    rc = -1;
  }
  fputs("<h3>All other cases</h3>\n", f);
  if (cfm__report_splice(f, r->html_rest_tmp) != 0) {
    cfm__report_note_failure(r, "report.html", errno);
    rc = -1;
  }
  write_html_coverage(r, f);
  fputs("<p class=\"muted\">Generated by conform " CONFORM_VERSION ".</p>\n", f);
  fputs(html_script, f);
  fputs("</body></html>\n", f);
  if (cfm__report_commit(r, f, "report.html", rc != 0) != 0)
    rc = -1;
  return rc;
}
