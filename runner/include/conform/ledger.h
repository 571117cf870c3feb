/* conform — the clean-up ledger: every resource a run created, appended
 * (and fsync'd) before the case goes on, and every deletion after it
 * succeeded; it lives in the run's report directory.  A ledger whose
 * created resources are not all deleted is unfinished: `conform cleanup`
 * deletes what it lists (docs/cli.md). */
#ifndef CONFORM_LEDGER_H
#define CONFORM_LEDGER_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "conform/error.h"
#include "conform/runner.h"
#include "conform/target.h"

/* A ledger being written (by a run, or by `conform cleanup`): appended
 * to, one JSON object a line. */
typedef struct cfm_ledger_writer {
  int fd;         /* -1 = none */
  char path[600]; /* "" = none */
} cfm_ledger_writer;

/* Opens (appends to) the ledger at path.  Returns 0 or -1. */
int cfm_ledger_open(cfm_ledger_writer *l, const char *path);
/* Appends {"created"|"deleted"|"finished": e}, fsync'd when sync is set
 * (a created resource of a live target: a lost "deleted" line only makes
 * `conform cleanup` find the resource gone).  0 (also when none is open)
 * or -1. */
int cfm_ledger_note(cfm_ledger_writer *l, const char *what, const json_t *e, int sync);
void cfm_ledger_close(cfm_ledger_writer *l);

/* The resources path lists as created and not deleted: a new array of
 * {vendor, op, id}, or NULL with err filled (unreadable, not a ledger). */
json_t *cfm_ledger_left(const char *path, cfm_error_t *err);

/* The unfinished ledgers (ledger-*.jsonl with resources left) of the
 * reports root dir: those in its run directories (<dir>/<run>/, where a
 * run keeps its ledger) and in dir itself.  A new array of path strings
 * (empty when none or dir is unreadable). */
json_t *cfm_ledger_unfinished(const char *dir);

/* Deletes what the ledger at path left, with the specs' clean-up
 * operations against cfg's targets; deletions are appended to the ledger.
 * stop: an interrupt counter (NULL = none): two increments cancel.  Lines
 * for each resource not deleted go to term (may be NULL).  Returns CFM_EOK
 * (*deleted, *left filled) or an error. */
int cfm_ledger_cleanup(const cfm_specset *set, cfm_config *cfg, const char *path,
                       volatile sig_atomic_t *stop, FILE *term, size_t *deleted, size_t *left,
                       cfm_error_t *err);

#endif
