#include "conform/result.h"

#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[CFM_VERDICT__COUNT] = {"pass", "warn", "skip", "fail",
                                                              "error"};

const char *cfm_verdict_name(cfm_verdict v) {
  if ((int)v < 0 || v >= CFM_VERDICT__COUNT)
    return "error";
  return verdict_names[v];
}

int cfm_verdict_parse(const char *name) {
  int i;
  if (!name)
    return -1;
  for (i = 0; i < CFM_VERDICT__COUNT; i++)
    if (strcmp(name, verdict_names[i]) == 0)
      return i;
  return -1;
}

void cfm_case_result_release(cfm_case_result *r) {
  if (!r)
    return;
  free(r->id);
  free(r->vendor);
  free(r->operation);
  free(r->kind);
  free(r->reason);
  json_decref(r->provenance);
  free(r->repro);
  free(r->request_summary);
  free(r->vendor_code);
  free(r->observed_class);
  free(r->response_excerpt);
  json_decref(r->covers);
  json_decref(r->expected_rows);
  json_decref(r->observed_rows);
  free(r->repro_file);
  free(r->repro_body);
  memset(r, 0, sizeof(*r));
}
