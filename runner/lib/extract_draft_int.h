/* conform — what the two halves of draft assembly share (extract_draft.c:
 * operations and findings into them; extract_assemble.c: finishing and the
 * draft).  Internal to the extractor. */
#ifndef CONFORM_EXTRACT_DRAFT_INT_H
#define CONFORM_EXTRACT_DRAFT_INT_H

#include "extract_int.h"

typedef struct op_acc {
  json_t *op;
  int anchor;
  char full_path[256];
} op_acc;

/* What assembly knows about the page while it builds the draft. */
typedef struct dctx {
  extractor *x;
  op_acc *ops; /* grows: no cap on operations per page */
  size_t nops, cap;
  json_t *notes, *hosts, *auth_query, *errors_common, *page_prov;
  /* usersig_auth: calls are signed by a usersig in the query and answers
   * carry ErrorCode (HTTP 200, integer codes) */
  int usersig_auth, bearer, header_token, query_token, has_type, oom, status_note;
  char base_prefix[256];
  long rate;
  const json_t *rate_prov;
} dctx;

#define FIND_STR(f, k) json_string_value(json_object_get((f), (k)))

/* Appends {text, provenance} to notes (prov borrowed). */
void cfm__draft_note(json_t *notes, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* An operation id from method + path: the path's last segment when it is
 * a snake_case action (unless long_form), else method + segments ("{x}" →
 * "by_x"). */
void cfm__draft_op_id(const char *method, const char *path, char *out, size_t cap, int long_form);
/* The parameter called name in `in` among params (borrowed), or NULL. */
json_t *cfm__draft_find_param(json_t *params, const char *name, const char *in);
/* Ids, "above" and provenance for lims[from…] of parameter pname. */
void cfm__draft_finish_limits(dctx *d, json_t *lims, size_t from, json_t *prov, json_t *clamp,
                              const char *pname);
/* The operation a finding belongs to (by its anchor), or NULL. */
op_acc *cfm__draft_finding_op(dctx *d, const json_t *f);
/* The operations of the page, from its endpoint findings. */
void cfm__draft_collect_ops(dctx *d);
/* The base URL prefix common to the operations. */
void cfm__draft_compute_base(dctx *d);
/* Every finding into its operation (or the page's transport). */
void cfm__draft_assign(dctx *d);

#endif
