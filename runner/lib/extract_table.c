/* conform — pipe tables.  A table's rows are gathered first; each column
 * gets a role from its header words (extract_words.c) or, where the header
 * is silent, from what most of its cells look like; the heading above the
 * table says where its rows go (header, path, query, body, response). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

size_t cfm__split_cells(span line, span cells[MAX_CELLS]) {
  size_t n = 0, i, start;
  line = cfm__trim(line);
  if (line.n && line.p[0] == '|') {
    line.p++;
    line.n--;
  }
  if (line.n && line.p[line.n - 1] == '|')
    line.n--;
  start = 0;
  for (i = 0; i <= line.n && n < MAX_CELLS; i++) {
    if (n == MAX_CELLS - 1) { /* the last cell keeps the rest of the row */
      cells[n].p = line.p + start;
      cells[n].n = line.n - start;
      n++;
      break;
    }
    if (i == line.n || line.p[i] == '|') {
      cells[n].p = line.p + start;
      cells[n].n = i - start;
      n++;
      start = i + 1;
    }
  }
  return n;
}

static int is_separator_row(span line) {
  size_t i;
  int dash = 0;
  for (i = 0; i < line.n; i++) {
    char c = line.p[i];
    if (c == '-')
      dash = 1;
    else if (c != '|' && c != ':' && !isspace((unsigned char)c))
      return 0;
  }
  return dash;
}

typedef struct table {
  col_role roles[MAX_CELLS];
  size_t ncols;
  table_kind kind;
  const char *where; /* param location for T_PARAMS */
} table;

static void classify_table(table *t, const char *head) {
  size_t i;
  int has_name = 0, has_code = 0, has_status = 0, has_type = 0, has_value = 0;
  span h = {head, strlen(head)};
  for (i = 0; i < t->ncols; i++) {
    has_name |= t->roles[i] == C_NAME;
    has_code |= t->roles[i] == C_CODE;
    has_status |= t->roles[i] == C_STATUS;
    has_type |= t->roles[i] == C_TYPE;
    has_value |= t->roles[i] == C_VALUE;
  }
  t->where = cfm__param_location(head);
  if (has_code && (has_status || cfm__span_has(h, "错误") || cfm__span_has(h, "error")))
    t->kind = T_ERRORS;
  else if (has_name && has_type && t->where)
    t->kind = strcmp(t->where, "response") == 0 ? T_FIELDS : T_PARAMS;
  else if (has_name && t->where && strcmp(t->where, "url") == 0)
    t->kind = T_PARAMS;
  else if (has_value)
    t->kind = T_KV;
  else
    t->kind = T_NONE;
}

void cfm__field_finding(extractor *x, const char *name, const char *where, const char *type,
                        int required, const char *desc) {
  const char *jt = type ? cfm__json_type_of(type) : NULL;
  json_t *f = json_pack("{s:s, s:s}", "name", name, "in", where);
  json_t *dflt, *clamp, *limits;
  if (!f) {
    x->oom = 1;
    return;
  }
  if (jt)
    json_object_set_new(f, "type", json_string(jt));
  else if (type)
    json_object_set_new(f, "type_text", json_string(type));
  if (required != -2)
    json_object_set_new(f, "required", json_integer(required));
  limits = cfm__limits_in((span){desc, strlen(desc)}, jt, &dflt, &clamp);
  if (json_array_size(limits))
    json_object_set_new(f, "limits", limits);
  else
    json_decref(limits);
  if (dflt)
    json_object_set_new(f, "default", dflt);
  if (clamp)
    json_object_set_new(f, "clamp_to", clamp);
  cfm__add_finding(x, strcmp(where, "response") == 0 ? "field" : "param", f);
}

/* The cells of one row by role. */
typedef struct row {
  const char *name, *type, *req, *desc, *status, *code, *msg, *value;
} row;

static void row_roles(const table *t, char **v, size_t n, row *r) {
  size_t i;
  memset(r, 0, sizeof(*r));
  r->desc = "";
  for (i = 0; i < n && i < t->ncols; i++) {
    switch (t->roles[i]) {
    case C_NAME:
      r->name = r->name ? r->name : v[i];
      break;
    case C_TYPE:
      r->type = v[i];
      break;
    case C_REQUIRED:
      r->req = v[i];
      break;
    case C_DESC:
      r->desc = *r->desc ? r->desc : v[i];
      break;
    case C_STATUS:
      r->status = v[i];
      break;
    case C_CODE:
      r->code = r->code ? r->code : v[i];
      break;
    case C_MESSAGE:
      r->msg = v[i];
      break;
    case C_VALUE:
      r->value = v[i];
      break;
    default:
      break;
    }
  }
}

/* Two-column key/value tables (Field | Value) carry the endpoint. */
static void kv_row(extractor *x, const row *r) {
  span k = {r->name, strlen(r->name)};
  if (cfm__span_eq_ci(k, "HTTP URL")) {
    const char *q = strchr(r->value, '?');
    cfm__add_finding(x, "url",
                     json_pack("{s:s%, s:s}", "url", r->value,
                               q ? (size_t)(q - r->value) : strlen(r->value), "query", q ? q : ""));
  } else if (cfm__span_eq_ci(k, "HTTP Method")) {
    cfm__add_finding(x, "method", json_pack("{s:s}", "method", r->value));
  }
}

static void error_row(extractor *x, const row *r) {
  long st = r->status ? strtol(r->status, NULL, 10) : 0;
  json_t *e = json_pack("{s:s, s:I}", "code", r->code, "status", (json_int_t)st);
  const char *why = *r->desc ? r->desc : r->msg ? r->msg : "";
  if (e && r->msg && *r->msg) {
    char *pat = cfm__message_pattern(r->msg);
    if (pat)
      json_object_set_new(e, "message", json_string(pat));
    free(pat);
  }
  if (e)
    json_object_set_new(e, "class", json_string(cfm__class_for(st, r->code, why)));
  cfm__add_finding(x, "error", e);
}

static void table_row(extractor *x, const table *t, span *cells, size_t n) {
  char *v[MAX_CELLS] = {0};
  size_t i;
  row r;
  for (i = 0; i < n && i < t->ncols; i++)
    if (!(v[i] = cfm__clean_cell(cells[i]))) {
      x->oom = 1;
      goto out;
    }
  row_roles(t, v, n, &r);
  if (t->kind == T_KV && r.name && r.value)
    kv_row(x, &r);
  else if (t->kind == T_ERRORS && r.code && (*r.code || (r.status && atoi(r.status) >= 100)))
    error_row(x, &r);
  else if ((t->kind == T_PARAMS || t->kind == T_FIELDS) && r.name && *r.name)
    cfm__field_finding(x, r.name, t->where, r.type, r.req ? cfm__required_of(r.req) : -2, r.desc);
out:
  for (i = 0; i < MAX_CELLS; i++)
    free(v[i]);
}

/* ---- column roles from content ------------------------------------------ */

/* What a cell looks like, as a bit set of column roles it could fill. */
enum { LK_IDENT = 1, LK_TYPE = 2, LK_YESNO = 4, LK_STATUS = 8, LK_CODE = 16 };

static int cell_looks(const char *c) {
  size_t n = strlen(c), i, digits = 0, lower = 0, sep = 0, bad = 0;
  int look = 0;
  if (n == 0)
    return 0;
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)c[i];
    digits += isdigit(ch) != 0;
    lower += islower(ch) != 0;
    sep += ch == '.' || ch == '_';
    bad += !(isalnum(ch) || ch == '_' || ch == '.' || ch == '-');
  }
  if (!bad && n <= 64 && (isalpha((unsigned char)c[0]) || c[0] == '_'))
    look |= LK_IDENT;
  if (cfm__json_type_of(c))
    look |= LK_TYPE;
  if (cfm__is_yes_no_word(c))
    look |= LK_YESNO;
  if (n == 3 && digits == 3 && c[0] >= '1' && c[0] <= '5')
    look |= LK_STATUS;
  if ((digits == n && n >= 4) || (!bad && lower && sep && !(look & LK_TYPE)) ||
      (n > 9 && strcmp(c + n - 9, "Exception") == 0))
    look |= LK_CODE;
  return look;
}

/* Columns the header words left unknown get a role when most of their
 * cells look like it: identifiers (name), type words, yes/no words
 * (required), HTTP statuses, vendor codes. */
static void content_roles(table *t, span *rows, size_t nrows) {
  static const struct {
    int look;
    col_role role;
  } order[] = {{LK_STATUS, C_STATUS},
               {LK_TYPE, C_TYPE},
               {LK_YESNO, C_REQUIRED},
               {LK_CODE, C_CODE},
               {LK_IDENT, C_NAME}};
  size_t col, k, r;
  for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
    int taken = 0;
    for (col = 0; col < t->ncols; col++)
      taken |= t->roles[col] == order[k].role;
    for (col = 0; col < t->ncols && !taken; col++) {
      size_t cells = 0, hits = 0;
      if (t->roles[col] != C_OTHER)
        continue;
      for (r = 0; r < nrows; r++) {
        span cs[MAX_CELLS];
        char *c;
        if (cfm__split_cells(rows[r], cs) <= col)
          continue;
        c = cfm__clean_cell(cs[col]);
        if (c && *c) {
          cells++;
          hits += (cell_looks(c) & order[k].look) != 0;
        }
        free(c);
      }
      if (cells && hits * 10 >= cells * 8) {
        t->roles[col] = order[k].role;
        taken = 1;
      }
    }
  }
}

void cfm__tbuf_push(tbuf *b, span line) {
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 32;
    span *r = realloc(b->rows, cap * sizeof(*r));
    if (!r) {
      b->oom = 1; /* reported by cfm_extract */
      return;
    }
    b->rows = r;
    b->cap = cap;
  }
  b->rows[b->n++] = line;
}

static int same_cells(span a, span b) {
  span ca[MAX_CELLS], cb[MAX_CELLS];
  size_t na = cfm__split_cells(a, ca), nb = cfm__split_cells(b, cb), i;
  if (na != nb)
    return 0;
  for (i = 0; i < na; i++) {
    span x = cfm__trim(ca[i]), y = cfm__trim(cb[i]);
    if (x.n != y.n || memcmp(x.p, y.p, x.n) != 0)
      return 0;
  }
  return 1;
}

void cfm__table_flush(extractor *x, tbuf *b) {
  table tab;
  span cells[MAX_CELLS];
  size_t nc, r, i, nd = 0;
  if (b->n == 0)
    return;
  memset(&tab, 0, sizeof(tab));
  tab.ncols = cfm__split_cells(b->rows[0], cells);
  if (tab.ncols == MAX_CELLS && memchr(cells[MAX_CELLS - 1].p, '|', cells[MAX_CELLS - 1].n))
    cfm__add_finding(x, "note",
                     json_pack("{s:s}", "text",
                               "review: a table has more than 12 columns; the columns past the "
                               "12th were not read"));
  for (i = 0; i < tab.ncols; i++) {
    char *c = cfm__clean_cell(cells[i]);
    tab.roles[i] = c ? cfm__role_of(c) : C_OTHER;
    free(c);
  }
  /* data rows: not the separator, not a repeated header */
  for (r = 1; r < b->n; r++)
    if (!is_separator_row(b->rows[r]) && !same_cells(b->rows[r], b->rows[0]))
      b->rows[1 + nd++] = b->rows[r];
  content_roles(&tab, b->rows + 1, nd);
  classify_table(&tab, cfm__current_head(x));
  for (r = 1; r <= nd; r++) {
    nc = cfm__split_cells(b->rows[r], cells);
    if (tab.kind != T_NONE)
      table_row(x, &tab, cells, nc);
    cfm__prose(x, b->rows[r], 1, 1);
  }
  b->n = 0;
}
