/* conform — the junit.xml sink of a report: one testsuite per vendor,
 * each kept in a temporary file of the run directory until close splices
 * them in order.  Touches no other report file. */
#include "report_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cfm__provenance_text(FILE *f, const json_t *prov) {
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
  s->f = s->name ? cfm__report_open_in_run(r, name, "w+") : NULL;
  if (!s->f) {
    free(s->name);
    if (!r->junit_failed)
      cfm__report_note_failure(r, "junit.xml", errno ? errno : ENOMEM);
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
void cfm__junit_case(cfm_report *r, const cfm_case_result *res) {
  const char *vendor = cfm__s_or(res->vendor, "?"), *id = cfm__s_or(res->id, "?"), *name = id;
  const json_t *prov = res->provenance;
  junit_suite *s = suite_of(r, vendor);
  size_t vl = strlen(vendor), ol = strlen(cfm__s_or(res->operation, ""));
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
  cfm__xml_escape(f, cfm__s_or(res->operation, "?"));
  fputs("\" name=\"", f);
  cfm__xml_escape(f, name);
  fprintf(f, "\" time=\"%.6f\">\n      <properties>", res->duration_ms / 1000.0);
  junit_property(f, "id", id);
  junit_property(f, "kind", res->kind);
  fputs("<property name=\"provenance\" value=\"", f);
  cfm__provenance_text(f, prov);
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
    cfm__provenance_text(f, res->provenance);
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
    cfm__report_note_failure(r, "junit.xml", errno);
    r->junit_failed = 1;
  }
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
int cfm__junit_write(cfm_report *r, double wall_ms) {
  FILE *f = cfm__report_open_in_run(r, TMP_PREFIX "junit.xml", "w");
  size_t i, t[4] = {0, 0, 0, 0};
  int rc = 0;
  if (!f) {
    cfm__report_note_failure(r, "junit.xml", errno);
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
    if (cfm__report_splice(f, s->f) != 0)
      rc = -1;
    fputs("  </testsuite>\n", f);
  }
  fputs("</testsuites>\n", f);
  if (rc != 0 || r->junit_failed) {
    cfm__report_note_failure(r, "junit.xml", errno);
    rc = -1;
  }
  if (cfm__report_commit(r, f, "junit.xml", rc != 0) != 0)
    rc = -1;
  return rc;
}
