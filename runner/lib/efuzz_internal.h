/* conform — what the endpoint fuzzer's files share (efuzz_gen.c values,
 * efuzz_model.c the per-vendor model, efuzz_exec.c executing a trial,
 * efuzz_shrink.c shrinking, efuzz.c the run and replay). */
#ifndef CONFORM_EFUZZ_INTERNAL_H
#define CONFORM_EFUZZ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "conform/efuzz.h"
#include "conform/runner.h"

/* splitmix64: the run's one source of choices. */
typedef struct cfm__ef_rng {
  uint64_t s;
} cfm__ef_rng;
uint64_t cfm__ef_next(cfm__ef_rng *r);
/* A number in [0, n) (0 when n is 0). */
size_t cfm__ef_below(cfm__ef_rng *r, size_t n);

/* Kinds of documented constraint a near-valid request breaks. */
enum { EF_BROKEN_LIMIT = 0, EF_BROKEN_TYPE, EF_BROKEN_ENUM, EF_BROKEN_REQUIRED, EF_BROKEN__N };

/* One body or query parameter of an operation, as the generator sees it. */
typedef struct cfm__ef_field {
  const char *name; /* borrowed from the spec */
  const char *in;   /* "body" or "query" */
  const char *type; /* "string" "integer" "boolean" ... */
  int required;
  int vary;    /* valid values may be generated for it */
  int has_len; /* a length limit: at most maxlen code points, or bytes when unit_bytes */
  long long maxlen;
  int unit_bytes;
  int len_reject; /* past the length limit the documents say: refused */
  int has_range;  /* integer range [min, max] */
  long long min, max;
  int range_reject;                   /* past the range: refused (not clamped) */
  int range_clamp;                    /* past the range: clamped to it, still accepted */
  const json_t *enumv;                /* borrowed, or NULL */
  const json_t *broken[EF_BROKEN__N]; /* the documented expectation when broken, or NULL */
} cfm__ef_field;

enum { EF_ROLE_OTHER = 0, EF_ROLE_CREATE, EF_ROLE_DELETE, EF_ROLE_READ };

typedef struct cfm__ef_op {
  const char *id;   /* borrowed */
  const json_t *op; /* borrowed */
  json_t *base;     /* owned: the call step, "${G}" standing for the group */
  int group;        /* 1 when the call works on a group */
  int role;
  cfm__ef_field *fields;
  size_t nfields;
  json_t *extras;     /* owned: the op's not-found, malformed-id, auth and robustness calls */
  const json_t *gone; /* the expectation for a group that does not exist (borrowed), or NULL */
} cfm__ef_op;

typedef struct cfm__ef_vendor {
  const cfm_spec *spec;
  cfm__ef_op *ops;
  size_t nops;
  int create, del, read; /* indices into ops, or -1 */
  json_t *readmap;       /* owned: {body field: pointer in the read answer} */
  json_t *facts;         /* owned: {op: {pointer: value}} after that call succeeds */
  json_t *expects;       /* owned: keeps the expectations fields borrow */
  json_t *seqs;          /* owned: documented sequences [{id, steps, heavy}] (efuzz_seq.c) */
} cfm__ef_vendor;

typedef struct cfm__ef_model {
  cfm__ef_vendor *v;
  size_t n;
} cfm__ef_model;

/* Builds the model of every spec in set from its cases (cfm_cases_generate)
 * and scenarios.  Returns CFM_EOK, CFM_ENOMEM or CFM_ECONFIG (err). */
int cfm__ef_model_build(const cfm_specset *set, const char *vendor, cfm__ef_model *m,
                        cfm_error_t *err);
void cfm__ef_model_release(cfm__ef_model *m);
const cfm__ef_vendor *cfm__ef_model_vendor(const cfm__ef_model *m, const char *vendor);

/* A valid string value for f (new reference): "${run}" kept as prefix
 * when prefix_len > 0 (the resolved prefix is that long). */
json_t *cfm__ef_valid_string(cfm__ef_rng *r, const cfm__ef_field *f, int keep_run,
                             size_t prefix_len);
/* A string one to three units past f's length limit (new reference). */
json_t *cfm__ef_long_string(cfm__ef_rng *r, const cfm__ef_field *f, int keep_run,
                            size_t prefix_len);
/* A valid value of f of another kind than strings (new reference), or
 * NULL when f has none to offer. */
json_t *cfm__ef_valid_scalar(cfm__ef_rng *r, const cfm__ef_field *f);

/* Replaces "${from}" by "${to}" in every string of v (in place). */
void cfm__ef_rename_var(json_t *v, const char *from, const char *to);

/* Code points of UTF-8 text. */
size_t cfm__ef_cps(const char *s, size_t len);

/* One trial of vendor v (new reference: array of steps); local: the
 * target is local, so documented sequences that create many groups may
 * be drawn. */
json_t *cfm__ef_trial(cfm__ef_rng *r, const cfm__ef_vendor *v, size_t prefix_len, int local);

/* Reads v's documented sequences from its rule, scenario and observable-
 * limit cases into v->seqs.  Returns CFM_EOK or CFM_ENOMEM. */
int cfm__ef_seqs_read(cfm__ef_vendor *v, const cfm_caselist *cl);
/* 1 when a destructive call of op (a documented sequence's step, its
 * request resolved) names a bound id that is not in made (the ids the
 * trial created, as text): not sent to a live target, like the run's
 * foreign-id rule (docs/safety.md). */
int cfm__ef_seq_foreign(const json_t *op, const json_t *resolved, const json_t *made);
/* One documented sequence of v, whole (new reference), or NULL when v has
 * none it may draw (heavy ones need a local target). */
json_t *cfm__ef_seq_trial(cfm__ef_rng *r, const cfm__ef_vendor *v, int local);

/* What broke: the property a failure violates (part of its signature). */
#define EF_PROP_MAP(XX)                                                                            \
  XX(NONE, "none")                                                                                 \
  XX(TRANSPORT, "transport")                                                                       \
  XX(SERVER_ERROR, "no-5xx")                                                                       \
  XX(VALID_REFUSED, "valid-succeeds")                                                              \
  XX(NEAR_VALID, "near-valid-refused")                                                             \
  XX(READBACK, "read-back")                                                                        \
  XX(RULE, "documented-rule")

typedef enum {
#define EF_PROP_ENUM(n, t) EF_P_##n,
  EF_PROP_MAP(EF_PROP_ENUM)
#undef EF_PROP_ENUM
} ef_prop;

/* One execution of a trial. */
typedef struct ef_outcome {
  ef_prop prop;   /* EF_P_NONE when every step passed */
  char op[128];   /* the failing step's operation */
  char code[128]; /* the vendor code it answered ("" for none) */
  size_t step;    /* its index */
  char reason[600];
  char warn[600];   /* the first warning */
  char unsent[256]; /* why a step could not be built (credentials ...) */
  size_t warns, requests;
} ef_outcome;

typedef struct ef_ctx {
  const cfm__ef_vendor *v;
  cfm_config *cfg;
  const char *prefix;
  cfm_efuzz_send_fn send;
  void *user;
  cfm__ef_rng nonce;
  size_t cleanup_sent, cleanup_failed;
  int live;       /* the target is not local: the foreign-id guard applies */
  size_t guarded; /* documented steps not sent: they named an id the trial did not create */
} ef_ctx;

/* Runs the steps of one trial against the target (efuzz_exec.c): out
 * gets the first failure (EF_P_NONE when none), warnings and requests;
 * whatever the trial created and left is deleted. */
void cfm__ef_execute(ef_ctx *cx, const json_t *steps, ef_outcome *out);

/* Reduces a failing trial (efuzz_shrink.c): a new reference to the
 * smallest steps that still fail as *last did; *last gets their outcome,
 * *runs and *requests what shrinking spent (at most budget runs). */
/* Walks a documented sequence's walk step through cx's sender
 * (efuzz_walk.c): 0 every covered id came back once, 1 a failure (out
 * filled), 2 stopped (a page could not be built, or was throttled). */
int cfm__ef_walk(ef_ctx *cx, const cfm_step *st, const json_t *vars, ef_outcome *out);

json_t *cfm__ef_shrink(ef_ctx *cx, const json_t *steps, ef_outcome *last, size_t budget,
                       size_t *runs, size_t *requests);

#endif
