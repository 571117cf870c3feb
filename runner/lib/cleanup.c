/* conform — deleting what the run created.
 *
 * Owns the deletions: each created resource {vendor, op, id} is deleted
 * with the operation its creator names (creates.cleanup), right when its
 * case ends, or in the clean-up phase for what interrupted or dry runs
 * kept; it counts the deletions sent and those that failed.  Must not
 * judge cases or touch their verdicts. */
#include "run_internal.h"

#include "conform/jsonutil.h"
#include "conform/ledger.h"
#include "conform/sanitize.h"

#include <stdio.h>
#include <stdlib.h>

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

#define DELETE_ATTEMPTS 3

/* One deletion in flight. */
typedef struct del_job {
  cfm__run *rh;
  json_t *e; /* {vendor, op, id} */
  const cfm_spec *spec;
  const json_t *op; /* the deleting operation */
  unsigned attempts;
  int phase; /* 1 when sent by the clean-up phase */
} del_job;

/* 1 when res says the resource is gone: deleted now, or not found (a
 * case deleted it itself, or an earlier attempt did). */
static int gone(const del_job *d, const cfm_http_response *res) {
  cfm_mapped m;
  if (res->error)
    return 0;
  cfm_verdict_map(d->spec, d->op, res, &m);
  if (m.cls == CFM_CLASS_NOT_FOUND || res->status == 404)
    return 1;
  return !m.is_error && res->status >= 200 && res->status <= 299;
}

static int submit_delete(cfm__run *rh, const json_t *e, unsigned attempts, int phase);

static void on_deleted(void *user, const cfm_http_response *res) {
  del_job *d = user;
  cfm__run *rh = d->rh;
  /* Recorded like every other exchange: a recording's stream then knows
   * when each group stopped existing (cfm_passive_stream_settle). */
  if (rh->opt->record.fn)
    rh->opt->record.fn(rh->opt->record.user, d, NULL, res);
  /* A provider token the vendor refused: forgotten, so the retry below (or
   * the clean-up phase's) is sent with a new one. */
  if (!res->error) {
    const cfm_target *t = cfm_config_target(rh->cfg, d->spec->vendor);
    if (cfm_target_token_refused(t, d->spec, res->status, res->body, res->len))
      cfm_target_credential_invalidate(t);
  }
  /* 404: already gone (an earlier attempt, or a run that was killed). */
  if (gone(d, res)) {
    rh->cleanup_sent++;
    (void)cfm_ledger_note(&rh->ledger, "deleted", d->e, 0);
  } else if (!d->phase || cfm__run_stopped(rh)) {
    /* Interrupted or failed during the run: the clean-up phase retries. */
    if (!d->phase)
      json_array_append(rh->cleanup, d->e);
    else if (d->attempts < DELETE_ATTEMPTS && *rh->stop < 2 && !res->error)
      (void)submit_delete(rh, d->e, d->attempts, 1);
    else
      json_array_append(rh->not_deleted, d->e);
  } else if (d->attempts < DELETE_ATTEMPTS && strcmp(res->error_text, "cancelled")) {
    (void)submit_delete(rh, d->e, d->attempts, 1);
  } else {
    json_array_append(rh->not_deleted, d->e);
  }
  json_decref(d->e);
  free(d);
}

/* Queues the deletion of one created resource {vendor, op, id}.  Returns
 * 0, or -1 when it cannot be sent (kept in rh->not_deleted). */
static int submit_delete(cfm__run *rh, const json_t *e, unsigned attempts, int phase) {
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
    del_job *d;
    int sent = 0;
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
      if (rh->opt->dry_run) {
        char *repro = cfm_request_repro(&r, NULL, NULL);
        FILE *out = rh->opt->out ? rh->opt->out : stdout;
        fputs("clean-up  ", out);
        (void)cfm_sanitize_write(out, rh->cfg, repro ? repro : "(out of memory)",
                                 repro ? strlen(repro) : 15, 1u << 20, CFM_SINK_TERM);
        fputc('\n', out);
        free(repro);
        rh->dry_requests++;
        rh->dry_deletes++;
        sent = 1;
      } else if ((d = calloc(1, sizeof(*d))) != NULL) {
        d->rh = rh;
        d->e = json_incref((json_t *)e);
        d->attempts = attempts + 1;
        d->spec = spec;
        d->op = op;
        d->phase = phase;
        cfm_request_http(&r, t.target, &hr);
        if (cfm_exec_submit(rh->ex, &hr, on_deleted, d) == CFM_EOK) {
          sent = 1; /* queued: its answer comes from cfm_exec_run, after this */
          if (rh->opt->record.fn)
            rh->opt->record.fn(rh->opt->record.user, d, &hr, NULL);
        } else {
          json_decref(d->e);
          free(d);
        }
      }
    }
    cfm_request_release(&r);
    json_decref(vars);
    if (sent)
      return 0;
    break;
  }
  json_array_append(rh->not_deleted, (json_t *)e);
  return -1;
}

void cfm__cleanup_add(cfm__run *rh, const json_t *e) {
  if (cfm__run_stopped(rh) || rh->opt->dry_run)
    json_array_append(rh->cleanup, (json_t *)e);
  else
    (void)submit_delete(rh, e, 0, 0);
}

void cfm__cleanup_phase(cfm__run *rh) {
  size_t i;
  const json_t *e;
  cfm_exec_options eo;
  /* What interrupted cases left behind and failed deletions: clean-up
   * runs even after an interrupt, on a fresh executor that two more
   * signals cancel (the signal handler only writes the counter, so no
   * freed executor is ever reachable from it). */
  if (json_array_size(rh->cleanup) == 0)
    return;
  if (rh->opt->dry_run) {
    json_array_foreach(rh->cleanup, i, e)(void) submit_delete(rh, e, 0, 1);
    return;
  }
  cfm_exec_free(rh->ex);
  cfm_exec_options_init(&eo);
  eo.concurrency = 8;
  eo.timeout_ms = 5000;
  eo.cancel_flag = rh->stop;
  eo.cancel_at = *rh->stop + 2;
  if (!(rh->ex = cfm_exec_new(&eo))) {
    json_array_extend(rh->not_deleted, rh->cleanup);
    return;
  }
  json_array_foreach(rh->cleanup, i, e)(void) submit_delete(rh, e, 0, 1);
  json_array_clear(rh->cleanup);
  cfm_exec_run(rh->ex);
}

int cfm_ledger_cleanup(const cfm_specset *set, cfm_config *cfg, const char *path,
                       volatile sig_atomic_t *stop, FILE *term, size_t *deleted, size_t *left,
                       cfm_error_t *err) {
  static volatile sig_atomic_t none;
  cfm__run rh;
  cfm_run_options opt;
  json_t *pending = cfm_ledger_left(path, err);
  size_t i;
  const json_t *e;
  *deleted = *left = 0;
  if (!pending)
    return err->code;
  memset(&rh, 0, sizeof(rh));
  memset(&opt, 0, sizeof(opt));
  rh.set = set;
  rh.cfg = cfg;
  rh.opt = &opt;
  rh.stop = stop ? stop : &none;
  rh.rng = (uint64_t)time(NULL);
  rh.ledger.fd = -1;
  rh.cleanup = pending;
  rh.created_ids = json_object();
  rh.not_deleted = json_array();
  if (!rh.not_deleted || !rh.created_ids || cfm_ledger_open(&rh.ledger, path) != 0) {
    json_decref(pending);
    json_decref(rh.not_deleted);
    json_decref(rh.created_ids);
    return cfm_error_set(err, CFM_EIO, path, "", "cannot append to the ledger");
  }
  cfm__cleanup_phase(&rh);
  cfm_exec_free(rh.ex);
  *deleted = rh.cleanup_sent;
  *left = json_array_size(rh.not_deleted);
  json_array_foreach(rh.not_deleted, i, e) {
    char id[300], line[700];
    cfm_json_scalar_text(json_object_get(e, "id"), id, sizeof(id));
    snprintf(line, sizeof(line), "conform: NOT deleted: %s %s %s\n", cfm_json_str(e, "vendor"),
             cfm_json_str(e, "op"), id);
    if (term)
      (void)cfm_sanitize_write(term, cfg, line, strlen(line) - 1, 1000, CFM_SINK_TERM),
          fputc('\n', term);
  }
  if (!*left)
    (void)cfm_ledger_note(&rh.ledger, "finished", json_true(), 1);
  cfm_ledger_close(&rh.ledger);
  json_decref(pending);
  json_decref(rh.not_deleted);
  json_decref(rh.created_ids);
  return CFM_EOK;
}
