/* conform — the extractor's internal interface (not installed).
 *
 * The extractor is split by job (docs/extract.md, "Internals"):
 *   extract.c          cfm_extract: picks the reader, then draft assembly
 *   extract_doc.c      the document model: headings, sections, findings
 *   extract_text.c     spans, cell cleaning, the regular expressions
 *   extract_words.c    the shared word tables (column roles, type words,
 *                      required words, locations, credentials, classes)
 *   extract_limits.c   the limit grammar (quantity + unit + scope)
 *   extract_table.c    pipe tables: column roles from header and content
 *   extract_md.c       the markdown reader (also HTML-converted and MDX)
 *   extract_scraped.c  the scraped-text reader (run-together cells)
 *   extract_examples.c code blocks: endpoints, sample bodies, comments
 *   extract_draft.c    draft assembly: operations, base URL, transport
 * A reader turns lines into findings (JSON objects tagged with kind,
 * section, revision and anchor); assembly turns findings into a draft. */
#ifndef CONFORM_EXTRACT_INT_H
#define CONFORM_EXTRACT_INT_H
#include <jansson.h>
#include <stddef.h>

#define MAX_CELLS 12 /* cells read per table row; further cells are ignored */
#define MAX_DEPTH 7  /* heading levels 1..6 */
#define SECTION_MAX 384

typedef struct span {
  const char *p;
  size_t n;
} span;

/* ---- text (extract_text.c) ---- */
span cfm__trim(span s);
int cfm__span_eq_ci(span s, const char *lit);
int cfm__span_has(span s, const char *needle);
int cfm__span_starts(span s, const char *lit);
int cfm__has_digit(span s);
long cfm__span_long(span s);
const char *cfm__strstr_n(span s, const char *needle);
/* A malloc'd copy of a cell without markdown decoration (backticks, bold,
 * tags, escapes, a leading "- "); NULL on out of memory. */
char *cfm__clean_cell(span s);
/* An anchored PCRE2 pattern for a documented message (XX → (.+)); malloc'd. */
char *cfm__message_pattern(const char *msg);

enum {
  RX_ENDPOINT, /* METHOD URL */
  RX_RANGE,    /* range [a,b] / from a to b */
  RX_DEFAULT,  /* default N */
  RX_CLAMP,    /* above N, still N */
  RX_RATE,     /* N calls per second */
  RX_HOST,     /* a vendor host name */
  RX__COUNT
};
/* 0 when the patterns compiled (once per process), else -1. */
int cfm__rx_ready(void);
/* Matches pattern r in s from start; fills up to 3 capture spans. */
int cfm__rx_match(int r, span s, span cap[3], size_t start);

/* ---- the document model (extract_doc.c) ---- */
typedef struct extractor {
  const char *name;
  json_t *findings; /* array of finding objects */
  char heads[MAX_DEPTH][128];
  int have[MAX_DEPTH];
  int top_level; /* smallest heading level seen */
  int revision;  /* 0-based */
  char first_head[128];
  int anchor; /* running id of the operation-level section */
  int anchor_level;
  json_t *prov; /* the current section's provenance, shared by its findings */
  int oom;      /* an allocation failed: the draft would be incomplete */
} extractor;

const char *cfm__current_head(const extractor *x);
/* Appends obj (stolen; NULL is an out-of-memory mark) as a finding. */
void cfm__add_finding(extractor *x, const char *kind, json_t *obj);
void cfm__set_heading(extractor *x, int level, span text);
int cfm__in_example(const extractor *x);

/* ---- word tables (extract_words.c) ---- */
typedef enum {
  C_OTHER,
  C_NAME,
  C_TYPE,
  C_REQUIRED,
  C_DESC,
  C_STATUS,
  C_CODE,
  C_MESSAGE,
  C_VALUE
} col_role;

col_role cfm__role_of(const char *cell);
const char *cfm__json_type_of(const char *t);
int cfm__required_of(const char *t); /* 1 required, 0 optional, -1 undecided */
int cfm__is_yes_no_word(const char *c);
const char *cfm__param_location(const char *head);
int cfm__scraped_heading(span line);
int cfm__looks_like_endpoint(span t);
int cfm__is_credential(const char *name);
/* 1 for a host of a documentation site, its assets or code hosting. */
int cfm__is_doc_host(const char *host);
int cfm__is_tenant_var(const char *name);
const char *cfm__class_for(long status, const char *code, const char *text);
extern const char *const cfm__scraped_types[];
extern const size_t cfm__n_scraped_types;

/* ---- the limit grammar (extract_limits.c) ---- */
typedef enum { U_NONE, U_CHARS, U_BYTES, U_ITEMS } limit_unit;
typedef struct limit_phrase {
  long max;
  limit_unit unit;
} limit_phrase;
/* Upper bounds stated in d ("最多可传 60 个", "up to 32 bytes", "6,000 at
 * the maximum", "不得超过5000"); at most cap phrases; returns how many. */
size_t cfm__limit_phrases(span d, limit_phrase *out, size_t cap);
/* Limits for a parameter of JSON type `type` (may be NULL) from phrases:
 * a new array of {kind, max[, min], unit}. */
json_t *cfm__limits_from_phrases(const limit_phrase *ph, size_t n, const char *type, span d);
/* Limits, default and clamp stated in a description.  Returns a new array;
 * *dflt and *clamp receive new references or NULL. */
json_t *cfm__limits_in(span d, const char *type, json_t **dflt, json_t **clamp);
/* A rate limit (calls per second) stated in a line; 0 when none. */
long cfm__rate_in(span line);

/* ---- tables (extract_table.c) ---- */
typedef enum { T_NONE, T_PARAMS, T_FIELDS, T_ERRORS, T_KV } table_kind;
typedef struct tbuf {
  span *rows;
  size_t n, cap;
  int oom;
} tbuf;
size_t cfm__split_cells(span line, span cells[MAX_CELLS]);
void cfm__tbuf_push(tbuf *b, span line);
/* Reads the gathered rows as one table into findings; empties b. */
void cfm__table_flush(extractor *x, tbuf *b);
/* A parameter or field finding (kind "param"/"field") from its cells. */
void cfm__field_finding(extractor *x, const char *name, const char *where, const char *type,
                        int required, const char *desc);

/* ---- readers ---- */
void cfm__read_markdown(extractor *x, const char *text, size_t len);
/* The scraped-text state of one page (extract_scraped.c). */
typedef enum {
  ST_NONE,   /* not in a table */
  ST_PARAMS, /* Name Type Required Description */
  ST_FIELDS, /* Name Type Description (response) */
  ST_ERRORS, /* HttpCode Code Message Description */
  ST_KV      /* Field Value (basic information) */
} scraped_table;
typedef struct scraped {
  scraped_table table;
  const char *where;
} scraped;
/* Reads line t when it belongs to a scraped table; returns 1 when used. */
int cfm__scraped_line(extractor *x, scraped *st, span t);
/* Endpoints, rate limits, methods, prose limits and (hosts_ok) hosts. */
void cfm__prose(extractor *x, span line, int hosts_ok, int in_table);
void cfm__code_block(extractor *x, span code, const char *head);

/* ---- assembly (extract_draft.c) ---- */
/* The draft for the findings of x; NULL on out of memory. */
json_t *cfm__assemble(extractor *x, const char *text, size_t len);

#endif
