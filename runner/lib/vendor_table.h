/* conform — the one vendor table of the runner library: the vendors whose
 * specs ship with conform (the embedded mock serves each) and the demo
 * credentials that mock accepts.  Generic code reads vendors through this
 * table and names none; scripts/check-layout.py treats vendor_table.c as
 * vendor data.  Must not hold anything a spec can say (error models,
 * fields, limits: those are spec data). */
#ifndef CONFORM_VENDOR_TABLE_H
#define CONFORM_VENDOR_TABLE_H
#include <stddef.h>

typedef struct cfm_vendor_row {
  const char *vendor;                  /* the spec's "vendor" */
  const char *const *demo_credentials; /* name, value, …, NULL: the embedded mock's */
} cfm_vendor_row;

extern const cfm_vendor_row cfm_vendor_table[];
extern const size_t cfm_vendor_count;

#endif
