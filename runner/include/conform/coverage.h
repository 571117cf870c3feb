/* conform — what a case exercised of the documented error rows: the rows
 * its steps expected and the row each answer matched, as the coverage
 * view of the reports counts them (docs/reports.md, "Coverage"). */
#ifndef CONFORM_COVERAGE_H
#define CONFORM_COVERAGE_H

#include <jansson.h>

#include "conform/spec.h"
#include "conform/step.h"

/* Adds to *expected the rows step expects (its expect.errors ids, looked up
 * in op's rows, then the transport's) and to *observed the row a judgement
 * matched (row, borrowed from spec; may be NULL), each as
 * "<vendor>#/operations/N/errors/M" or "<vendor>#/transport/errors/M" and
 * each once.  The arrays are created on first use (the caller owns them).
 * Returns CFM_EOK or CFM_ENOMEM. */
int cfm_coverage_note_rows(const cfm_spec *spec, const json_t *op, const cfm_step *step,
                           const json_t *row, json_t **expected, json_t **observed);

#endif
