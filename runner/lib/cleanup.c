/* conform — deleting what the run created.
 *
 * Owns the deletions: each created resource {vendor, op, id} is deleted
 * with the operation its creator names (creates.cleanup), right when its
 * case ends, or in the clean-up phase for what interrupted or dry runs
 * kept; it counts the deletions sent and those that failed.  Must not
 * judge cases or touch their verdicts. */
#include "run_internal.h"

#include "conform/jsonutil.h"

#include <string.h>
#include <time.h>

/* The cleanup object ({op, request}) of the operation of spec that creates
 * what op_id deletes, or NULL. */
static const json_t *creator_cleanup(const cfm_spec *spec, const char *op_id) {
  const json_t *o, *found = NULL;
  size_t k;
  json_array_foreach(json_object_get(spec->root, "operations"), k, o) {
    const json_t *cl = json_object_get(json_object_get(o, "creates"), "cleanup");
    const char *cop = cfm_json_str(cl, "op");
    if (cop && op_id && !strcmp(cop, op_id))
      found = cl;
  }
  return found;
}

static void on_deleted(void *user, const cfm_http_response *res) {
  cfm__run *rh = user;
  if (res->error || res->status < 200 || res->status > 299)
    rh->cleanup_failed++;
}

/* Queues the deletion of one created resource {vendor, op, id}. */
static void submit_delete(cfm__run *rh, const json_t *e) {
  const char *vendor = cfm_json_str(e, "vendor"), *op_id = cfm_json_str(e, "op");
  size_t s;
  for (s = 0; vendor && s < rh->set->count; s++) {
    const cfm_spec *spec = rh->set->items[s];
    const json_t *op, *cl;
    json_t *vars;
    cfm_tmpl t;
    cfm_request_args a;
    cfm_request r;
    cfm_error_t err;
    cfm_http_request hr;
    if (strcmp(spec->vendor, vendor) || !(op = cfm_spec_operation(spec, op_id)) ||
        !(cl = creator_cleanup(spec, op_id)))
      continue;
    memset(&r, 0, sizeof(r));
    vars = json_pack("{s:O}", "id", json_object_get(e, "id"));
    memset(&t, 0, sizeof(t));
    t.run_prefix = rh->prefix;
    t.vars = vars;
    t.spec = spec;
    t.target = cfm_config_target(rh->cfg, spec->vendor);
    memset(&a, 0, sizeof(a));
    a.op = op;
    a.request = json_object_get(cl, "request");
    a.now = (int64_t)time(NULL);
    a.nonce = cfm__run_random(rh);
    cfm_error_init(&err);
    if (vars && cfm_request_build(&t, &a, &r, &err) == CFM_EOK && !r.missing[0]) {
      cfm_request_http(&r, t.target, &hr);
      if (cfm_exec_submit(rh->ex, &hr, on_deleted, rh) == CFM_EOK)
        rh->cleanup_sent++;
      else
        rh->cleanup_failed++;
    } else {
      rh->cleanup_failed++;
    }
    cfm_request_release(&r);
    json_decref(vars);
  }
}

void cfm__cleanup_add(cfm__run *rh, const json_t *e) {
  if (cfm__run_stopped(rh) || rh->opt->dry_run)
    json_array_append(rh->cleanup, (json_t *)e);
  else
    submit_delete(rh, e);
}

void cfm__cleanup_phase(cfm__run *rh) {
  size_t i;
  const json_t *e;
  cfm_exec_options eo;
  /* What interrupted cases left behind: clean-up runs even after an
   * interrupt, on a fresh executor that two more signals cancel. */
  if (json_array_size(rh->cleanup) == 0)
    return;
  cfm_exec_free(rh->ex);
  cfm_exec_options_init(&eo);
  eo.concurrency = 8;
  eo.timeout_ms = 5000;
  eo.cancel_flag = rh->stop;
  eo.cancel_at = *rh->stop + 2;
  if (!(rh->ex = cfm_exec_new(&eo)))
    return;
  json_array_foreach(rh->cleanup, i, e) submit_delete(rh, e);
  cfm_exec_run(rh->ex);
}
