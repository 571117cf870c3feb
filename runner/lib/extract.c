/* conform — extracting draft specs from vendor documents.
 *
 * One pass over the lines builds a flat list of findings (endpoint, table
 * row, error row, example, rate limit, host), each tagged with its heading
 * path, its revision and its "anchor" (the section that holds one
 * operation).  A second step assigns findings to operations and writes the
 * draft.  Recognition is table-driven (header words, type words, limit
 * phrases in English and Chinese) so a new page style usually needs a row in
 * a table, not new code. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "conform/extract.h"
#include "conform/errmap.h"
#include "conform/jsonutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nocov.h"

#define MAX_CELLS 12
#define MAX_DEPTH 7
#define SECTION_MAX 384

typedef struct span {
  const char *p;
  size_t n;
} span;

/* ---- small string helpers ---------------------------------------------- */

CFM_NO_COVERAGE static span trim(span s) {
  while (s.n && isspace((unsigned char)s.p[0])) {
    s.p++;
    s.n--;
  }
  while (s.n && isspace((unsigned char)s.p[s.n - 1]))
    s.n--;
  return s;
}

CFM_NO_COVERAGE static int span_eq_ci(span s, const char *lit) {
  size_t n = strlen(lit), i;
  if (s.n != n)
    return 0;
  for (i = 0; i < n; i++)
    if (tolower((unsigned char)s.p[i]) != tolower((unsigned char)lit[i]))
      return 0;
  return 1;
}

/* ASCII case-insensitive equality of n bytes.  Written out rather than
 * strncasecmp: it runs for every position of every line, and libFuzzer
 * hooks each libc comparison. */
CFM_NO_COVERAGE static int ci_eq(const char *a, const char *b, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z'))
      return 0;
  }
  return 1;
}

CFM_NO_COVERAGE static int span_has(span s, const char *needle) {
  size_t n = strlen(needle), i;
  unsigned char first;
  if (n == 0 || n > s.n)
    return 0;
  first = (unsigned char)needle[0] | 0x20;
  for (i = 0; i + n <= s.n; i++)
    if (((unsigned char)s.p[i] | 0x20) == first && ci_eq(s.p + i, needle, n))
      return 1;
  return 0;
}

CFM_NO_COVERAGE static int span_starts(span s, const char *lit) {
  size_t n = strlen(lit);
  return s.n >= n && ci_eq(s.p, lit, n);
}

/* A copy of a table cell without markdown decoration: backticks, bold,
 * <br/>, leading "- " (nested rows), HTML tags. */
static char *clean_cell(span s) {
  char *out = malloc(s.n + 1);
  size_t i = 0, o = 0;
  if (!out)
    return NULL;
  s = trim(s);
  while (i < s.n) {
    char c = s.p[i];
    if (c == '<') { /* drop tags */
      size_t j = i;
      while (j < s.n && s.p[j] != '>')
        j++;
      if (j < s.n) {
        i = j + 1;
        out[o++] = ' ';
        continue;
      }
    }
    if (c == '`' || c == '*') {
      i++;
      continue;
    }
    out[o++] = c;
    i++;
  }
  out[o] = '\0';
  /* Collapse, trim, drop a leading "- " */
  {
    char *r = out, *w = out;
    int sp = 1;
    for (; *r; r++) {
      if (isspace((unsigned char)*r)) {
        if (!sp)
          *w++ = ' ';
        sp = 1;
      } else {
        *w++ = *r;
        sp = 0;
      }
    }
    if (w > out && w[-1] == ' ')
      w--;
    *w = '\0';
    while (out[0] == '-' && out[1] == ' ')
      memmove(out, out + 2, strlen(out + 2) + 1);
  }
  return out;
}

/* ---- the regexes --------------------------------------------------------- */

enum {
  RX_ENDPOINT, /* METHOD URL */
  RX_MAXLEN,   /* max length N chars/bytes */
  RX_NOMORE,   /* no more than N KB/items */
  RX_RANGE,    /* range [a,b] / from a to b */
  RX_DEFAULT,  /* default N */
  RX_CLAMP,    /* above N, still N */
  RX_ATMOST,   /* at most N items */
  RX_RATE,     /* N calls per second */
  RX_HOST,     /* a vendor host name */
  RX__COUNT
};

static const char *const rx_src[RX__COUNT] = {
    [RX_ENDPOINT] = "^(?:HTTP\\s*)?(GET|POST|PUT|DELETE|PATCH)\\s+(https?://[^\\s?]+|/[^\\s?]+)"
                    "(\\?\\S*)?",
    [RX_MAXLEN] = "(?:最大长度为?|最长|max(?:imum)?\\s+length\\s+(?:is|of)|up\\s+to|at\\s+most|"
                  "no\\s+more\\s+than|cannot\\s+exceed)\\s*`?(\\d+)`?\\s*"
                  "(个字符|字符|字节|characters?|chars?|bytes?|个|items?|elements?)",
    [RX_NOMORE] =
        "(?:不要超过|不超过|不能超过|must\\s+not\\s+exceed|not\\s+exceed)\\s*`?(\\d+)`?\\s*"
        "(KB|MB|字节|字符|个|bytes?|characters?|items?)",
    [RX_RANGE] = "(?:取值范围为?|范围为?|range(?:s)?\\s*(?:is)?|ranging\\s+from|between)\\s*"
                 "[\\[（(]?\\s*`?(-?\\d+)`?\\s*(?:,|，|~|-|to|and)\\s*`?(-?\\d+)`?",
    [RX_DEFAULT] =
        "(?:默认值为|默认为|默认值是|default(?:\\s+value)?\\s+(?:is|of))\\s*`?(-?\\d+)`?",
    [RX_CLAMP] = "(?:超过|above|greater\\s+than|exceeds?)\\s*`?(\\d+)`?[^。.;；]{0,40}?"
                 "(?:仍返回|返回|still\\s+returns?|returns?)\\s*`?(\\d+)`?",
    [RX_ATMOST] =
        "(?:最多(?:支持删除|可传|可获取|可返回|支持)?|at\\s+most|up\\s+to|a\\s+maximum\\s+of)"
        "\\s*`?(\\d[\\d,]*)`?\\s*(?:个|items?|ids?|members?|groups?|entries)",
    [RX_RATE] = "(\\d+)\\s*(?:次/秒|calls?\\s+per\\s+second|requests?\\s+per\\s+second|QPS|次每秒)",
    [RX_HOST] = "\\b((?:[a-z0-9-]+\\.)+(?:com|cn|io|net))\\b",
};

static pcre2_code *rx[RX__COUNT];
static int rx_ok;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_init(void) {
  int i, e;
  PCRE2_SIZE off;
  for (i = 0; i < RX__COUNT; i++) {
    rx[i] = pcre2_compile((PCRE2_SPTR)rx_src[i], PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &e,
                          &off, NULL);
    if (!rx[i])
      return;
    (void)pcre2_jit_compile(rx[i], PCRE2_JIT_COMPLETE);
  }
  rx_ok = 1;
}

/* Matches regex r in s; fills up to 3 capture spans.  Returns 1 on match. */
static int rx_match(int r, span s, span cap[3], size_t start) {
  pcre2_match_data *md;
  int rc, i;
  static __thread pcre2_match_data *mds[RX__COUNT];
  if (!rx_ok || start > s.n)
    return 0;
  /* One match block per pattern and thread, reused (never freed: a few
   * hundred bytes per thread). */
  if (!mds[r])
    mds[r] = pcre2_match_data_create_from_pattern(rx[r], NULL);
  md = mds[r];
  if (!md)
    return 0;
  rc = pcre2_match(rx[r], (PCRE2_SPTR)s.p, s.n, start, 0, md, NULL);
  if (rc > 0) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    for (i = 0; i < 3; i++) {
      if (i + 1 < rc && ov[2 * (i + 1)] != PCRE2_UNSET) {
        cap[i].p = s.p + ov[2 * (i + 1)];
        cap[i].n = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
      } else {
        cap[i].p = s.p;
        cap[i].n = 0;
      }
    }
  }
  return rc > 0;
}

static long span_long(span s) {
  char buf[32];
  size_t i, o = 0;
  for (i = 0; i < s.n && o + 1 < sizeof(buf); i++)
    if (s.p[i] != ',')
      buf[o++] = s.p[i];
  buf[o] = '\0';
  return strtol(buf, NULL, 10);
}

/* ---- document model ------------------------------------------------------ */

typedef enum { T_NONE, T_PARAMS, T_FIELDS, T_ERRORS, T_KV } table_kind;

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
} extractor;

static void section_path(const extractor *x, char *out, size_t cap) {
  int l;
  size_t o = 0;
  out[0] = '\0';
  for (l = 1; l < MAX_DEPTH; l++) {
    if (!x->have[l])
      continue;
    o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? " > " : "", x->heads[l]);
    if (o >= cap)
      break;
  }
}

static const char *current_head(const extractor *x) {
  int l;
  for (l = MAX_DEPTH - 1; l >= 1; l--)
    if (x->have[l])
      return x->heads[l];
  return "";
}

/* A new reference to the current section's provenance: built once per
 * section (set_heading drops it), never modified once shared. */
static json_t *provenance(extractor *x) {
  char sec[SECTION_MAX];
  if (!x->prov) {
    section_path(x, sec, sizeof(sec));
    x->prov = json_pack("{s:s, s:s}", "doc", x->name, "section", sec);
    if (x->prov && x->revision > 0)
      json_object_set_new(x->prov, "revision", json_sprintf("%d", x->revision + 1));
  }
  return json_incref(x->prov);
}

static void add_finding(extractor *x, const char *kind, json_t *obj) {
  if (!obj)
    return;
  json_object_set_new(obj, "kind", json_string(kind));
  json_object_set_new(obj, "anchor", json_integer(x->anchor));
  json_object_set_new(obj, "revision", json_integer(x->revision));
  json_object_set_new(obj, "provenance", provenance(x));
  json_array_append_new(x->findings, obj);
}

static void set_heading(extractor *x, int level, span text) {
  int l;
  char *t = clean_cell(text);
  json_decref(x->prov);
  x->prov = NULL;
  if (!t)
    return;
  if (level < 1)
    level = 1;
  if (level >= MAX_DEPTH)
    level = MAX_DEPTH - 1;
  if (!x->top_level || level < x->top_level)
    x->top_level = level;
  /* A repeat of the page's first heading starts a new revision. */
  if (!x->first_head[0]) {
    snprintf(x->first_head, sizeof(x->first_head), "%s", t);
  } else if (level == x->top_level && strcmp(t, x->first_head) == 0) {
    x->revision++;
  }
  snprintf(x->heads[level], sizeof(x->heads[level]), "%s", t);
  x->have[level] = 1;
  for (l = level + 1; l < MAX_DEPTH; l++)
    x->have[l] = 0;
  /* Operation sections sit one level below the page title (or at the top
   * level when there is no title). */
  if (level <= x->anchor_level || !x->anchor_level) {
    if (!x->anchor_level)
      x->anchor_level = level == 1 ? 2 : level;
    if (level <= x->anchor_level)
      x->anchor++;
  }
  free(t);
}

/* Scraped pages have no '#': these lines act as headings. */
static const struct {
  const char *text;
  int level;
} scraped_heads[] = {
    {"Request", 2},
    {"Response", 2},
    {"Error codes", 2},
    {"Basic information", 3},
    {"Request headers", 3},
    {"Path parameters", 3},
    {"Query parameters", 3},
    {"Request body", 3},
    {"Request example", 3},
    {"Response body", 3},
    {"Response body example", 3},
    {"Response headers", 3},
    {"请求", 2},
    {"响应", 2},
    {"错误码", 2},
    {"基本信息", 3},
    {"请求头", 3},
    {"路径参数", 3},
    {"查询参数", 3},
    {"请求体", 3},
    {"请求示例", 3},
    {"返回参数", 3},
    {"返回示例", 3},
    {"响应示例", 3},
};

static int scraped_heading(span line) {
  size_t i;
  line = trim(line);
  for (i = 0; i < sizeof(scraped_heads) / sizeof(scraped_heads[0]); i++)
    if (span_eq_ci(line, scraped_heads[i].text))
      return scraped_heads[i].level;
  return 0;
}

/* ---- column roles -------------------------------------------------------- */

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

static const struct {
  const char *word;
  col_role role;
} col_words[] = {
    {"参数", C_NAME},          {"字段", C_NAME},          {"参数名", C_NAME},
    {"field", C_NAME},         {"name", C_NAME},          {"parameter", C_NAME},
    {"类型", C_TYPE},          {"type", C_TYPE},          {"是否必需", C_REQUIRED},
    {"是否必填", C_REQUIRED},  {"必填", C_REQUIRED},      {"属性", C_REQUIRED},
    {"required", C_REQUIRED},  {"描述", C_DESC},          {"说明", C_DESC},
    {"description", C_DESC},   {"含义", C_DESC},          {"可能原因", C_DESC},
    {"http 状态码", C_STATUS}, {"http状态码", C_STATUS},  {"httpcode", C_STATUS},
    {"http code", C_STATUS},   {"http status", C_STATUS}, {"status", C_STATUS},
    {"错误类型", C_CODE},      {"错误码", C_CODE},        {"error code", C_CODE},
    {"code", C_CODE},          {"错误提示", C_MESSAGE},   {"error message", C_MESSAGE},
    {"message", C_MESSAGE},    {"错误信息", C_MESSAGE},   {"value", C_VALUE},
};

static col_role role_of(const char *cell) {
  size_t i;
  span s = {cell, strlen(cell)};
  for (i = 0; i < sizeof(col_words) / sizeof(col_words[0]); i++)
    if (span_eq_ci(s, col_words[i].word))
      return col_words[i].role;
  if (span_has(s, "说明") || span_has(s, "描述"))
    return C_DESC;
  return C_OTHER;
}

/* The JSON type for a documented type word; NULL when unknown. */
static const char *json_type_of(const char *t) {
  static const struct {
    const char *word;
    const char *type;
  } types[] = {
      {"string", "string"},      {"str", "string"},    {"int", "integer"},
      {"integer", "integer"},    {"long", "integer"},  {"int64", "integer"},
      {"int32", "integer"},      {"number", "number"}, {"float", "number"},
      {"double", "number"},      {"bool", "boolean"},  {"boolean", "boolean"},
      {"array", "array"},        {"list", "array"},    {"object", "object"},
      {"json", "object"},        {"map", "object"},    {"json array", "array"},
      {"json object", "object"},
  };
  size_t i;
  char low[32];
  size_t n = strlen(t), k;
  if (n == 0 || n >= sizeof(low))
    return NULL;
  for (k = 0; k <= n; k++)
    low[k] = (char)tolower((unsigned char)t[k]);
  if (strncmp(low, "array", 5) == 0 || strncmp(low, "list", 4) == 0 || strstr(low, "[]"))
    return "array";
  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (strcmp(low, types[i].word) == 0)
      return types[i].type;
  return NULL;
}

/* 1 required, 0 optional, -1 undecided. */
static int required_of(const char *t) {
  span s = {t, strlen(t)};
  if (span_has(s, "是") || span_starts(s, "yes") || span_starts(s, "required") ||
      span_has(s, "必填") || span_starts(s, "true") || span_eq_ci(s, "y"))
    return span_has(s, "否") || span_has(s, "选填") ? 0 : 1;
  if (span_has(s, "否") || span_starts(s, "no") || span_starts(s, "optional") ||
      span_has(s, "选填") || span_starts(s, "false") || span_eq_ci(s, "n"))
    return 0;
  return -1;
}

/* Where a parameter table's rows go, from the heading above it. */
static const char *param_location(const char *head) {
  span h = {head, strlen(head)};
  if (span_has(h, "响应") || span_has(h, "应答") || span_has(h, "response") || span_has(h, "返回"))
    return "response";
  if (span_has(h, "header") || span_has(h, "请求头"))
    return "header";
  if (span_has(h, "路径") || span_has(h, "path"))
    return "path";
  if (span_has(h, "查询") || span_has(h, "query"))
    return "query";
  if (span_has(h, "body") || span_has(h, "请求包") || span_has(h, "request packet") ||
      span_has(h, "请求体"))
    return "body";
  if (span_has(h, "响应") || span_has(h, "应答") || span_has(h, "response") || span_has(h, "返回"))
    return "response";
  if (span_has(h, "公共参数") || span_has(h, "common"))
    return "common";
  if (span_has(h, "请求参数") || span_has(h, "request parameters"))
    return "url";
  return NULL;
}

/* Cheap pre-filters, so most lines never reach a regular expression. */
static int has_digit(span s) {
  size_t i;
  for (i = 0; i < s.n; i++)
    if (s.p[i] >= '0' && s.p[i] <= '9')
      return 1;
  return 0;
}

static int looks_like_endpoint(span t) {
  static const char *const starts[] = {"GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HTTP"};
  size_t i;
  for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
    if (span_starts(t, starts[i]))
      return 1;
  return 0;
}

/* ---- limits in prose ----------------------------------------------------- */

static void add_limit(json_t *limits, const char *kind, long min, long max, const char *unit,
                      int has_min) {
  json_t *l = json_pack("{s:s, s:I, s:s}", "kind", kind, "max", (json_int_t)max, "unit", unit);
  if (!l)
    return;
  if (has_min)
    json_object_set_new(l, "min", json_integer(min));
  json_array_append_new(limits, l);
}

/* Limits, default and clamp stated in a description.  `type` is the
 * parameter's JSON type (for "up to N" on arrays). */
static json_t *limits_in(span d, const char *type, json_t **dflt, json_t **clamp) {
  json_t *limits = json_array();
  span c[3];
  *dflt = NULL;
  *clamp = NULL;
  if (!has_digit(d))
    return limits; /* every limit phrase holds a number */
  if (rx_match(RX_MAXLEN, d, c, 0)) {
    long n = span_long(c[0]);
    span u = c[1];
    if (span_has(u, "字节") || span_has(u, "byte"))
      add_limit(limits, "max_bytes", 0, n, "bytes", 0);
    else if (span_has(u, "字符") || span_has(u, "char"))
      add_limit(limits, "max_length", 0, n, "chars", 0);
    else
      add_limit(limits, "max_items", 0, n, "items", 0);
  } else if (rx_match(RX_NOMORE, d, c, 0)) {
    long n = span_long(c[0]), scaled;
    span u = c[1];
    int kb = span_eq_ci(u, "KB"), mb = span_eq_ci(u, "MB");
    if (kb || mb) {
      /* A size no machine could hold is no limit: drop it rather than
       * overflow. */
      if (!__builtin_mul_overflow(n, mb ? 1024L * 1024L : 1024L, &scaled))
        add_limit(limits, "max_bytes", 0, scaled, "bytes", 0);
    } else if (span_has(u, "字节") || span_has(u, "byte"))
      add_limit(limits, "max_bytes", 0, n, "bytes", 0);
    else if (span_has(u, "字符") || span_has(u, "char"))
      add_limit(limits, "max_length", 0, n, "chars", 0);
    else
      add_limit(limits, "max_items", 0, n, "items", 0);
  } else if (rx_match(RX_ATMOST, d, c, 0) && ((type && strcmp(type, "array") == 0) ||
                                              span_has(d, "逗号") || span_has(d, "comma"))) {
    add_limit(limits, "max_items", 0, span_long(c[0]), "items", 0);
  }
  if (rx_match(RX_RANGE, d, c, 0)) {
    long a = span_long(c[0]), b = span_long(c[1]);
    if (a <= b)
      add_limit(limits, "range", a, b, "items", 1);
  }
  if (rx_match(RX_DEFAULT, d, c, 0))
    *dflt = json_integer(span_long(c[0]));
  if (rx_match(RX_CLAMP, d, c, 0) && span_long(c[0]) == span_long(c[1]))
    *clamp = json_integer(span_long(c[1]));
  /* "range" unit is not items: numeric ranges have no unit. */
  {
    size_t i;
    json_t *l;
    json_array_foreach(limits, i, l) {
      if (strcmp(json_string_value(json_object_get(l, "kind")), "range") == 0)
        json_object_del(l, "unit");
    }
  }
  return limits;
}

/* ---- tables --------------------------------------------------------------- */

static size_t split_cells(span line, span cells[MAX_CELLS]) {
  size_t n = 0, i, start;
  line = trim(line);
  if (line.n && line.p[0] == '|') {
    line.p++;
    line.n--;
  }
  if (line.n && line.p[line.n - 1] == '|')
    line.n--;
  start = 0;
  for (i = 0; i <= line.n && n < MAX_CELLS; i++) {
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
  t->where = param_location(head);
  if (has_code && (has_status || span_has(h, "错误") || span_has(h, "error")))
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

/* Turns a documented message into an anchored PCRE2 pattern: literal text
 * escaped, the docs' XX/XXXX placeholders become (.+). */
static char *message_pattern(const char *msg) {
  size_t n = strlen(msg), i, o = 0;
  char *out = malloc(n * 2 + 16);
  if (!out)
    return NULL;
  out[o++] = '^';
  for (i = 0; i < n;) {
    if (msg[i] == 'X' && i + 1 < n && msg[i + 1] == 'X') {
      while (i < n && msg[i] == 'X')
        i++;
      memcpy(out + o, "(.+)", 4);
      o += 4;
      continue;
    }
    if (strchr("\\^$.|?*+()[]{}", msg[i]))
      out[o++] = '\\';
    out[o++] = msg[i++];
  }
  out[o++] = '$';
  out[o] = '\0';
  return out;
}

/* The canonical class for an error row: HTTP status when it says, else
 * words of the description; UNKNOWN = review. */
static const char *class_for(long status, const char *code, const char *text) {
  span t = {text, strlen(text)}, c = {code, strlen(code)};
  if (status >= 400 && status != 400)
    return cfm_class_name(cfm_class_from_status(status));
  if (span_has(t, "not exist") || span_has(t, "不存在") || span_has(t, "not found") ||
      span_has(c, "not.found") || span_has(c, "not_found"))
    return "NOT_FOUND";
  if (span_has(t, "permission") || span_has(t, "权限") || span_has(c, "not.admin") ||
      span_has(t, "not an admin"))
    return "PERMISSION_DENIED";
  if (span_has(t, "internal") || span_has(t, "内部") || span_has(t, "system error") ||
      span_has(c, "system"))
    return "INTERNAL";
  if (span_has(t, "frequen") || span_has(t, "频率") || span_has(t, "limit"))
    return "RESOURCE_EXHAUSTED";
  if (span_has(t, "invalid") || span_has(t, "非法") || span_has(t, "无效") ||
      span_has(t, "param") || span_has(t, "参数") || span_has(t, "missing") || status == 400)
    return "INVALID_ARGUMENT";
  return "UNKNOWN";
}

static void table_row(extractor *x, const table *t, span *cells, size_t n) {
  char *v[MAX_CELLS] = {0};
  size_t i;
  const char *name = NULL, *type = NULL, *req = NULL, *desc = "", *status = NULL, *code = NULL,
             *msg = NULL, *value = NULL;
  for (i = 0; i < n && i < t->ncols; i++) {
    v[i] = clean_cell(cells[i]);
    if (!v[i])
      goto out;
    switch (t->roles[i]) {
    case C_NAME:
      name = name ? name : v[i];
      break;
    case C_TYPE:
      type = v[i];
      break;
    case C_REQUIRED:
      req = v[i];
      break;
    case C_DESC:
      desc = *desc ? desc : v[i];
      break;
    case C_STATUS:
      status = v[i];
      break;
    case C_CODE:
      code = code ? code : v[i];
      break;
    case C_MESSAGE:
      msg = v[i];
      break;
    case C_VALUE:
      value = v[i];
      break;
    default:
      break;
    }
  }
  /* Two-column KV tables (Field | Value) carry the endpoint. */
  if (t->kind == T_KV && name && value) {
    add_finding(x, "kv", json_pack("{s:s, s:s}", "key", name, "value", value));
    goto out;
  }
  if (t->kind == T_ERRORS && code && *code) {
    long st = status ? strtol(status, NULL, 10) : 0;
    json_t *e = json_pack("{s:s, s:I}", "code", code, "status", (json_int_t)st);
    if (msg && *msg) {
      char *pat = message_pattern(msg);
      if (pat)
        json_object_set_new(e, "message", json_string(pat));
      free(pat);
    }
    json_object_set_new(e, "class",
                        json_string(class_for(st, code,
                                              *desc ? desc
                                              : msg ? msg
                                                    : "")));
    add_finding(x, "error", e);
    goto out;
  }
  if ((t->kind == T_PARAMS || t->kind == T_FIELDS) && name && *name) {
    const char *jt = type ? json_type_of(type) : NULL;
    json_t *f = json_pack("{s:s, s:s}", "name", name, "in", t->where);
    json_t *dflt, *clamp, *limits;
    span d = {desc, strlen(desc)};
    if (!f)
      goto out;
    if (jt)
      json_object_set_new(f, "type", json_string(jt));
    else if (type)
      json_object_set_new(f, "type_text", json_string(type));
    if (req)
      json_object_set_new(f, "required", json_integer(required_of(req)));
    limits = limits_in(d, jt, &dflt, &clamp);
    if (json_array_size(limits))
      json_object_set_new(f, "limits", limits);
    else
      json_decref(limits);
    if (dflt)
      json_object_set_new(f, "default", dflt);
    if (clamp)
      json_object_set_new(f, "clamp_to", clamp);
    add_finding(x, t->kind == T_FIELDS ? "field" : "param", f);
  }
out:
  for (i = 0; i < MAX_CELLS; i++)
    free(v[i]);
}

/* Scraped tables: "NameTypeRequiredDescription" header, then rows like
 * "groupIdLongYesThe Room group ID..." — split on a known type word
 * followed by Yes/No. */
static const char *const scraped_types[] = {"String", "Long",  "Integer", "Int",    "Boolean",
                                            "Bool",   "Array", "Object",  "Number", "Double",
                                            "Float",  "List",  "Map"};

static int scraped_row(extractor *x, span line, int with_required, const char *where) {
  size_t i, k;
  line = trim(line);
  for (i = 1; i < line.n; i++) {
    for (k = 0; k < sizeof(scraped_types) / sizeof(scraped_types[0]); k++) {
      size_t tl = strlen(scraped_types[k]);
      span rest;
      int req = -1;
      if (i + tl > line.n || strncmp(line.p + i, scraped_types[k], tl) != 0)
        continue;
      /* the name must end right before the type word */
      if (!isalnum((unsigned char)line.p[i - 1]) && line.p[i - 1] != '_')
        continue;
      rest.p = line.p + i + tl;
      rest.n = line.n - i - tl;
      if (with_required) {
        if (span_starts(rest, "Yes")) {
          req = 1;
          rest.p += 3;
          rest.n -= 3;
        } else if (span_starts(rest, "No")) {
          req = 0;
          rest.p += 2;
          rest.n -= 2;
        } else {
          continue;
        }
      }
      {
        char *name = malloc(i + 1), *desc = clean_cell(rest);
        json_t *f, *dflt, *clamp, *limits;
        const char *jt;
        char tw[16];
        if (!name || !desc) {
          free(name);
          free(desc);
          return 0;
        }
        memcpy(name, line.p, i);
        name[i] = '\0';
        snprintf(tw, sizeof(tw), "%s", scraped_types[k]);
        jt = json_type_of(tw);
        f = json_pack("{s:s, s:s, s:s}", "name", name, "in", where, "type", jt ? jt : "string");
        if (f && req >= 0)
          json_object_set_new(f, "required", json_integer(req));
        limits = limits_in((span){desc, strlen(desc)}, jt, &dflt, &clamp);
        if (f && json_array_size(limits))
          json_object_set_new(f, "limits", json_incref(limits));
        json_decref(limits);
        if (f && dflt)
          json_object_set_new(f, "default", dflt);
        else
          json_decref(dflt);
        if (f && clamp)
          json_object_set_new(f, "clamp_to", clamp);
        else
          json_decref(clamp);
        add_finding(x, strcmp(where, "response") == 0 ? "field" : "param", f);
        free(name);
        free(desc);
        return 1;
      }
    }
  }
  return 0;
}

/* "400param.errorParam ErrorMissing parameter error": status digits, then a
 * dotted/underscored code, then the message (words until the description). */
static int scraped_error_row(extractor *x, span line) {
  size_t i = 0, cs, ce;
  long st;
  line = trim(line);
  while (i < line.n && isdigit((unsigned char)line.p[i]))
    i++;
  if (i != 3)
    return 0;
  /* Three digits, read by hand: the line is not NUL-terminated. */
  st = (line.p[0] - '0') * 100 + (line.p[1] - '0') * 10 + (line.p[2] - '0');
  cs = i;
  while (i < line.n && (islower((unsigned char)line.p[i]) || line.p[i] == '.' || line.p[i] == '_' ||
                        isdigit((unsigned char)line.p[i])))
    i++;
  ce = i;
  if (ce == cs ||
      (memchr(line.p + cs, '.', ce - cs) == NULL && memchr(line.p + cs, '_', ce - cs) == NULL))
    return 0;
  {
    char code[96];
    const char *rest = line.p + ce;
    size_t rn = line.n - ce, m = 0;
    json_t *e;
    snprintf(code, sizeof(code), "%.*s", (int)(ce - cs), line.p + cs);
    /* The message is Title Case words; the description starts where a
     * capital letter follows a lower-case one without a space. */
    while (m + 1 < rn && !(islower((unsigned char)rest[m]) && isupper((unsigned char)rest[m + 1])))
      m++;
    e = json_pack("{s:s, s:I}", "code", code, "status", (json_int_t)st);
    if (e && m + 1 < rn) {
      char msg[160], *pat;
      snprintf(msg, sizeof(msg), "%.*s", (int)(m + 1), rest);
      pat = message_pattern(msg);
      if (pat)
        json_object_set_new(e, "message", json_string(pat));
      free(pat);
      snprintf(msg, sizeof(msg), "%.*s", (int)(rn - m - 1), rest + m + 1);
      json_object_set_new(e, "class", json_string(class_for(st, code, msg)));
    } else if (e) {
      char desc[160];
      snprintf(desc, sizeof(desc), "%.*s", (int)rn, rest);
      json_object_set_new(e, "class", json_string(class_for(st, code, desc)));
    }
    add_finding(x, "error", e);
  }
  return 1;
}

/* ---- examples ------------------------------------------------------------- */

/* The first occurrence of needle in s, or NULL. */
static const char *strstr_n(span s, const char *needle) {
  size_t n = strlen(needle), i;
  for (i = 0; i + n <= s.n; i++)
    if (memcmp(s.p + i, needle, n) == 0)
      return s.p + i;
  return NULL;
}

/* Parses a code block as JSON, tolerating // comments (Tencent's samples). */
static json_t *parse_example(span code) {
  char *buf = malloc(code.n + 1);
  size_t i, o = 0;
  int in_str = 0;
  json_t *j;
  if (!buf)
    return NULL;
  for (i = 0; i < code.n; i++) {
    char c = code.p[i];
    if (in_str) {
      buf[o++] = c;
      if (c == '\\' && i + 1 < code.n)
        buf[o++] = code.p[++i];
      else if (c == '"')
        in_str = 0;
      continue;
    }
    if (c == '"')
      in_str = 1;
    if (c == '/' && i + 1 < code.n && code.p[i + 1] == '/') {
      while (i < code.n && code.p[i] != '\n')
        i++;
      buf[o++] = '\n';
      continue;
    }
    buf[o++] = c;
  }
  j = cfm_json_parse(buf, o, 1u << 20, NULL, 0);
  free(buf);
  return j;
}

/* The JSON body of a curl sample: the text between -d ' and the next '. */
static json_t *curl_body(span code) {
  size_t i;
  for (i = 0; i + 4 < code.n; i++) {
    if ((code.p[i] == '-' && code.p[i + 1] == 'd' && code.p[i + 2] == ' ' &&
         code.p[i + 3] == '\'')) {
      const char *s = code.p + i + 4, *e = memchr(s, '\'', code.n - i - 4);
      if (e)
        return parse_example((span){s, (size_t)(e - s)});
    }
  }
  return NULL;
}

static void code_block(extractor *x, span code, const char *head) {
  span h = {head, strlen(head)};
  int response = span_has(h, "响应") || span_has(h, "应答") || span_has(h, "response");
  int request = span_has(h, "请求") || span_has(h, "request");
  span c[3];
  size_t off = 0;
  json_t *j;
  /* Endpoint lines inside ```http blocks or sample URLs. */
  while (off < code.n) {
    const char *nl = memchr(code.p + off, '\n', code.n - off);
    span line = {code.p + off, nl ? (size_t)(nl - code.p - off) : code.n - off};
    span t = trim(line);
    if (rx_match(RX_ENDPOINT, t, c, 0))
      add_finding(x, "endpoint",
                  json_pack("{s:s%, s:s%, s:s%}", "method", c[0].p, c[0].n, "url", c[1].p, c[1].n,
                            "query", c[2].p, c[2].n));
    else if (span_starts(t, "https://") || span_starts(t, "http://")) {
      const char *q = memchr(t.p, '?', t.n);
      size_t un = q ? (size_t)(q - t.p) : t.n;
      add_finding(
          x, "url",
          json_pack("{s:s%, s:s%}", "url", t.p, un, "query", q ? q : "", q ? t.n - un : (size_t)0));
    }
    off += line.n + 1;
  }
  /* Limits stated in comments of sample bodies: "Key": [ // at most 500 */
  off = 0;
  while (off < code.n) {
    const char *nl = memchr(code.p + off, '\n', code.n - off);
    span line = {code.p + off, nl ? (size_t)(nl - code.p - off) : code.n - off};
    const char *q1 = memchr(line.p, '"', line.n), *q2, *cm;
    if (q1 && (q2 = memchr(q1 + 1, '"', line.n - (size_t)(q1 + 1 - line.p))) != NULL &&
        (cm = strstr_n(line, "//")) != NULL) {
      json_t *dflt, *clamp, *lims;
      span comment = {cm + 2, line.n - (size_t)(cm + 2 - line.p)};
      int arr = memchr(line.p, '[', line.n) != NULL;
      lims = limits_in(comment, arr ? "array" : "string", &dflt, &clamp);
      json_decref(dflt);
      json_decref(clamp);
      if (json_array_size(lims))
        add_finding(
            x, "hint",
            json_pack("{s:s%, s:o}", "name", q1 + 1, (size_t)(q2 - q1 - 1), "limits", lims));
      else
        json_decref(lims);
    }
    off += line.n + 1;
  }
  if (response && (j = parse_example(code)) != NULL) {
    add_finding(x, "example", json_pack("{s:s, s:o}", "role", "response", "body", j));
  } else if (request && !response) {
    j = parse_example(code);
    if (!j)
      j = curl_body(code);
    if (j)
      add_finding(x, "example", json_pack("{s:s, s:o}", "role", "request", "body", j));
  }
}

/* ---- the pass over the lines ---------------------------------------------- */

static int in_example(const extractor *x) {
  const char *h = current_head(x);
  span s = {h, strlen(h)};
  return span_has(s, "example") || span_has(s, "示例") || span_has(s, "sample");
}

/* Endpoints, rates, methods and (when hosts_ok) host names in a line. */
static void prose(extractor *x, span line, int hosts_ok) {
  span c[3];
  span t = trim(line);
  size_t start = 0;
  if (!hosts_ok)
    hosts_ok = span_starts(t, "Host:") || span_has(t, "域名") || span_has(t, "domain");
  if (looks_like_endpoint(t) && !in_example(x) && rx_match(RX_ENDPOINT, t, c, 0))
    add_finding(x, "endpoint",
                json_pack("{s:s%, s:s%, s:s%}", "method", c[0].p, c[0].n, "url", c[1].p, c[1].n,
                          "query", c[2].p, c[2].n));
  if (has_digit(t) &&
      (span_has(t, "\xE7\xA7\x92") /* 秒 */ || span_has(t, "second") || span_has(t, "QPS")) &&
      rx_match(RX_RATE, t, c, 0))
    add_finding(x, "rate", json_pack("{s:I}", "per_second", (json_int_t)span_long(c[0])));
  if (span_has(t, "request method is ") || span_has(t, "请求方式为")) {
    static const char *const methods[] = {"POST", "GET", "PUT", "DELETE", "PATCH"};
    size_t m;
    for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
      if (span_has(t, methods[m])) {
        add_finding(x, "method", json_pack("{s:s}", "method", methods[m]));
        break;
      }
  }
  /* Host names anywhere on a line that speaks of domains/regions/hosts. */
  while (hosts_ok && rx_match(RX_HOST, t, c, start) && c[0].n) {
    char host[128];
    snprintf(host, sizeof(host), "%.*s", (int)c[0].n, c[0].p);
    if (!strstr(host, "cloud.tencent.com") && !strstr(host, "www.") && !strstr(host, "cdn-go") &&
        !strstr(host, "github.com") && strchr(host, '.') && strstr(host, ".") != host)
      add_finding(x, "host", json_pack("{s:s}", "host", host));
    start = (size_t)(c[0].p - t.p) + c[0].n;
  }
}

static void scan(extractor *x, const char *text, size_t len) {
  span all = {text, len};
  /* Markdown pages have fences or pipe tables; scraped pages have neither,
   * and their '#' lines are code comments, not headings. */
  int markdown = span_has(all, "```") || span_has(all, "\n|") || span_starts(all, "|");
  size_t off = 0;
  int in_fence = 0;
  size_t fence_start = 0;
  table tab;
  int in_table = 0, scraped_table = 0; /* 1 params w/ required, 2 fields, 3 errors, 4 kv */
  const char *scraped_where = "query";
  memset(&tab, 0, sizeof(tab));
  while (off < len) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t n = nl ? (size_t)(nl - text - off) : len - off;
    span line = {text + off, n}, t = trim(line);
    size_t next = off + n + 1;
    if (t.n >= 3 && strncmp(t.p, "```", 3) == 0) {
      if (!in_fence) {
        in_fence = 1;
        fence_start = next;
      } else {
        in_fence = 0;
        code_block(x, (span){text + fence_start, off > fence_start ? off - fence_start : 0},
                   current_head(x));
      }
      off = next;
      continue;
    }
    if (in_fence) {
      off = next;
      continue;
    }
    if (markdown && t.n && t.p[0] == '#' && line.p[0] == '#') {
      int level = 0;
      while ((size_t)level < t.n && t.p[level] == '#')
        level++;
      if ((size_t)level < t.n && t.p[level] == ' ') {
        set_heading(x, level, (span){t.p + level, t.n - (size_t)level});
        in_table = 0;
        scraped_table = 0;
        off = next;
        continue;
      }
    }
    {
      int sl = markdown ? 0 : scraped_heading(t);
      if (sl) {
        set_heading(x, sl, t);
        in_table = 0;
        scraped_table = 0;
        off = next;
        continue;
      }
    }
    if (t.n && t.p[0] == '|') {
      span cells[MAX_CELLS];
      size_t nc = split_cells(t, cells), i;
      if (!in_table) {
        /* header row; the separator follows */
        memset(&tab, 0, sizeof(tab));
        tab.ncols = nc;
        for (i = 0; i < nc; i++) {
          char *c = clean_cell(cells[i]);
          tab.roles[i] = c ? role_of(c) : C_OTHER;
          free(c);
        }
        classify_table(&tab, current_head(x));
        in_table = 1;
      } else if (!is_separator_row(t)) {
        if (tab.kind != T_NONE)
          table_row(x, &tab, cells, nc);
        prose(x, t, 1);
      }
      off = next;
      continue;
    }
    in_table = 0;
    /* Scraped tables: a header line of run-together column names. */
    if (span_eq_ci(t, "NameTypeRequiredDescription") ||
        span_eq_ci(t, "ParameterTypeRequiredDescription")) {
      const char *w = param_location(current_head(x));
      scraped_table = 1;
      scraped_where = w ? w : "query";
      off = next;
      continue;
    }
    if (span_eq_ci(t, "NameTypeDescription")) {
      scraped_table = 2;
      scraped_where = "response";
      off = next;
      continue;
    }
    if (span_starts(t, "HttpCode") || span_starts(t, "HTTP status codeError")) {
      scraped_table = 3;
      off = next;
      continue;
    }
    if (span_eq_ci(t, "FieldValue")) {
      scraped_table = 4;
      off = next;
      continue;
    }
    if (scraped_table && t.n) {
      int used = 0;
      if (scraped_table == 1)
        used = scraped_row(x, t, 1, scraped_where);
      else if (scraped_table == 2)
        used = scraped_row(x, t, 0, scraped_where);
      else if (scraped_table == 3)
        used = scraped_error_row(x, t);
      else if (scraped_table == 4) {
        if (span_starts(t, "HTTP URL")) {
          span u = trim((span){t.p + 8, t.n - 8});
          add_finding(x, "url", json_pack("{s:s%, s:s}", "url", u.p, u.n, "query", ""));
          used = 1;
        } else if (span_starts(t, "HTTP Method")) {
          span m = trim((span){t.p + 11, t.n - 11});
          add_finding(x, "method", json_pack("{s:s%}", "method", m.p, m.n));
          used = 1;
        } else {
          used = 1; /* other rows of the basic-information table */
        }
      }
      if (!used)
        scraped_table = 0;
      else {
        off = next;
        continue;
      }
    }
    /* A JSON body after "Response body example" on a scraped page. */
    if (t.n == 1 && t.p[0] == '{' && x->have[3] &&
        (span_has((span){x->heads[3], strlen(x->heads[3])}, "example"))) {
      size_t end = off, depth = 0;
      int done = 0;
      while (end < len && !done) {
        if (text[end] == '{')
          depth++;
        else if (text[end] == '}' && depth && --depth == 0)
          done = 1;
        end++;
      }
      if (done) {
        code_block(x, (span){text + off, end - off}, current_head(x));
        while (end < len && text[end] != '\n')
          end++;
        off = end + 1;
        continue;
      }
    }
    if (t.n)
      prose(x, t, 0);
    off = next;
  }
}

/* ---- assembling the draft -------------------------------------------------- */

/* "https://{host}/app-id/{app_id}/chatgroups" → path "/app-id/{app_id}/chatgroups";
 * placeholder hosts (xxxxxx, XXXX, {host}) are not hosts. */
static void url_path(const char *url, char *path, size_t cap, char *host, size_t hcap) {
  const char *p = strstr(url, "://"), *slash;
  host[0] = '\0';
  if (!p) {
    snprintf(path, cap, "%s", url);
    return;
  }
  p += 3;
  slash = strchr(p, '/');
  snprintf(host, hcap, "%.*s", (int)(slash ? slash - p : (long)strlen(p)), p);
  if (strchr(host, '{') || strspn(host, "xX") == strlen(host))
    host[0] = '\0';
  snprintf(path, cap, "%s", slash ? slash : "/");
}

/* An operation id from method + path: "destroy_group" when the path ends
 * in a snake_case action, else method + segments ("{x}" → "by_x"). */
static void op_id_for(const char *method, const char *path, char *out, size_t cap) {
  char buf[256], *s, *save = NULL, *last = NULL;
  size_t o = 0, i;
  snprintf(buf, sizeof(buf), "%s", path);
  for (s = strtok_r(buf, "/", &save); s; s = strtok_r(NULL, "/", &save))
    last = s;
  if (last && last[0] != '{' && strchr(last, '_')) {
    snprintf(out, cap, "%s", last);
    return;
  }
  for (i = 0; method[i] && o + 1 < cap; i++)
    out[o++] = (char)tolower((unsigned char)method[i]);
  out[o] = '\0';
  snprintf(buf, sizeof(buf), "%s", path);
  save = NULL;
  for (s = strtok_r(buf, "/", &save); s && o + 4 < cap; s = strtok_r(NULL, "/", &save)) {
    if (strcmp(s, "v4") == 0 || strcmp(s, "v1.0") == 0)
      continue;
    out[o++] = '_';
    if (s[0] == '{') {
      memcpy(out + o, "by_", 3);
      o += 3;
      s++;
    }
    for (; *s && *s != '}' && o + 1 < cap; s++)
      out[o++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '_';
    out[o] = '\0';
  }
}

typedef struct op_acc {
  json_t *op;
  int anchor;
  char full_path[256];
} op_acc;

static json_t *find_param(json_t *params, const char *name, const char *in) {
  size_t i;
  json_t *p;
  json_array_foreach(params, i, p) {
    if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
        strcmp(json_string_value(json_object_get(p, "in")), in) == 0)
      return p;
  }
  return NULL;
}

static json_t *find_error(json_t *errors, const json_t *e) {
  size_t i;
  json_t *r;
  json_array_foreach(errors, i, r) {
    const json_t *m1 = json_object_get(r, "message"), *m2 = json_object_get(e, "message");
    if (json_equal(json_object_get(r, "code"), json_object_get(e, "code")) &&
        json_equal(json_object_get(r, "status"), json_object_get(e, "status")) &&
        ((!m1 && !m2) || (m1 && m2 && json_equal(m1, m2))))
      return r;
  }
  return NULL;
}

static void add_note(json_t *notes, const json_t *prov, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void add_note(json_t *notes, const json_t *prov, const char *fmt, ...) {
  char text[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  json_array_append_new(notes, json_pack("{s:s, s:O}", "text", text, "provenance", prov));
}

/* Params and response fields of one finding into its operation. */
static void merge_field(op_acc *acc, json_t *f, int tencent, json_t *notes, json_t *auth_query) {
  const char *name = json_string_value(json_object_get(f, "name"));
  const char *in = json_string_value(json_object_get(f, "in"));
  const char *kind = json_string_value(json_object_get(f, "kind"));
  json_t *params = json_object_get(acc->op, "params"), *p, *v;
  if (!name || !in)
    return;
  if (strcmp(kind, "field") == 0) {
    json_t *props = json_object_get(json_object_get(json_object_get(acc->op, "response"), "schema"),
                                    "properties");
    const char *leaf = strrchr(name, '.');
    json_t *s = json_object();
    leaf = leaf ? leaf + 1 : name;
    if ((v = json_object_get(f, "type")))
      json_object_set(s, "type", v);
    json_object_set(s, "x-provenance", json_object_get(f, "provenance"));
    if (!json_object_get(props, leaf))
      json_object_set_new(props, leaf, s);
    else
      json_decref(s);
    return;
  }
  if (strcmp(in, "url") == 0) {
    /* Tencent-style URL parameter lists: auth roles, or URL pieces. */
    static const char *const roles[] = {"sdkappid", "identifier", "usersig", "random",
                                        "contenttype"};
    size_t r;
    for (r = 0; r < sizeof(roles) / sizeof(roles[0]); r++)
      if (strcmp(name, roles[r]) == 0) {
        json_object_set_new(auth_query, roles[r], json_string(name));
        return;
      }
    if (strstr(name, "/") || strchr(name, '.') || strcmp(name, "https") == 0 ||
        strspn(name, "xX") == strlen(name))
      return;
    in = "query";
  }
  if (strcmp(in, "header") == 0 &&
      (strcasecmp(name, "Authorization") == 0 || strstr(name, "access-token")))
    return; /* the auth scheme carries it */
  if (strcmp(in, "common") == 0)
    return; /* base URL variables */
  if (tencent && strcmp(in, "query") == 0)
    return;
  if (find_param(params, name, in))
    return;
  p = json_pack("{s:s, s:s}", "name", name, "in", in);
  if ((v = json_object_get(f, "type")))
    json_object_set(p, "type", v);
  else {
    json_object_set_new(p, "type", json_string("string"));
    add_note(notes, json_object_get(f, "provenance"),
             "review: type of '%s' not recognised ('%s'); draft says string", name,
             json_string_value(json_object_get(f, "type_text"))
                 ? json_string_value(json_object_get(f, "type_text"))
                 : "none");
  }
  v = json_object_get(f, "required");
  if (json_integer_value(v) >= 0 && v)
    json_object_set_new(p, "required", json_boolean(json_integer_value(v) == 1));
  else {
    json_object_set_new(p, "required", json_false());
    add_note(notes, json_object_get(f, "provenance"),
             "review: whether '%s' is required is not stated%s", name, "");
  }
  if ((v = json_object_get(f, "default")))
    json_object_set(p, "default", v);
  if ((v = json_object_get(f, "limits"))) {
    json_t *lims = json_deep_copy(v), *l;
    size_t i;
    json_array_foreach(lims, i, l) {
      const char *k = json_string_value(json_object_get(l, "kind"));
      json_object_set_new(l, "id", json_string(k));
      json_object_set_new(l, "above", json_string("reject"));
      if (strcmp(k, "range") == 0 && json_object_get(f, "clamp_to")) {
        json_object_set_new(l, "above", json_string("clamp"));
        json_object_set(l, "clamp_to", json_object_get(f, "clamp_to"));
      }
      json_object_set_new(l, "above_provenance",
                          json_pack("{s:s}", "assumed",
                                    "the document states the bound, not what happens above it"));
      if (strcmp(json_string_value(json_object_get(l, "above")), "clamp") == 0)
        json_object_del(l, "above_provenance");
      json_object_set(l, "provenance", json_object_get(f, "provenance"));
    }
    json_object_set_new(p, "limits", lims);
  }
  json_object_set(p, "provenance", json_object_get(f, "provenance"));
  json_array_append_new(params, p);
}

static op_acc *op_for_anchor(op_acc *ops, size_t nops, int anchor) {
  size_t i;
  if (nops == 1)
    return &ops[0];
  for (i = 0; i < nops; i++)
    if (ops[i].anchor == anchor)
      return &ops[i];
  return NULL;
}

json_t *cfm_extract(const char *name, const char *text, size_t len, cfm_error_t *err) {
  extractor x;
  json_t *draft = NULL, *ops_json, *notes, *hosts, *transport, *auth, *auth_query, *errors_common;
  op_acc ops[64];
  size_t nops = 0, i, j;
  json_t *f;
  int tencent = 0, bearer = 0, header_token = 0, has_type = 0, revisions;
  char base_prefix[256] = "";
  const char *base;
  long rate = 0;
  const json_t *rate_prov = NULL;
  json_t *page_prov = NULL;
  if (len > CFM_EXTRACT_MAX_BYTES) {
    cfm_error_set(err, CFM_ETOOBIG, name, "", "document larger than %u bytes",
                  CFM_EXTRACT_MAX_BYTES);
    return NULL;
  }
  pthread_once(&rx_once, rx_init);
  if (!rx_ok) {
    cfm_error_set(err, CFM_EINTERNAL, name, "", "extractor patterns do not compile");
    return NULL;
  }
  memset(&x, 0, sizeof(x));
  base = strrchr(name, '/');
  x.name = base ? base + 1 : name;
  x.findings = json_array();
  if (!x.findings) {
    cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
    return NULL;
  }
  scan(&x, text, len);
  json_decref(x.prov);
  x.prov = NULL;
  revisions = x.revision + 1;
  page_prov = json_pack("{s:s, s:s}", "doc", x.name, "section", x.first_head);

  /* Auth and error model from what the page mentions. */
  {
    span all = {text, len};
    tencent = span_has(all, "usersig") && span_has(all, "ErrorCode");
    bearer = span_has(all, "Bearer ");
    header_token = span_has(all, "x-acs-dingtalk-access-token");
    has_type = span_has(all, "错误类型") || span_has(all, "error type");
  }

  /* Operations: one per distinct endpoint (method + path). */
  memset(ops, 0, sizeof(ops));
  {
    const char *pending_method = NULL;
    json_array_foreach(x.findings, i, f) {
      const char *kind = json_string_value(json_object_get(f, "kind"));
      const char *method = NULL, *url = NULL;
      char path[256], host[128], id[96];
      if (strcmp(kind, "method") == 0) {
        pending_method = json_string_value(json_object_get(f, "method"));
        /* a URL seen before its method (Tencent: sample URL, then prose) */
        if (nops && !json_object_get(ops[nops - 1].op, "method"))
          json_object_set_new(ops[nops - 1].op, "method", json_string(pending_method));
        continue;
      }
      if (strcmp(kind, "endpoint") == 0) {
        method = json_string_value(json_object_get(f, "method"));
        url = json_string_value(json_object_get(f, "url"));
      } else if (strcmp(kind, "url") == 0) {
        method = pending_method;
        url = json_string_value(json_object_get(f, "url"));
      } else {
        continue;
      }
      url_path(url, path, sizeof(path), host, sizeof(host));
      if (host[0])
        json_array_append_new(x.findings,
                              json_pack("{s:s, s:s, s:I, s:I, s:O}", "kind", "host", "host", host,
                                        "anchor", json_integer_value(json_object_get(f, "anchor")),
                                        "revision", (json_int_t)0, "provenance",
                                        json_object_get(f, "provenance")));
      for (j = 0; j < nops; j++)
        if (strcmp(ops[j].full_path, path) == 0 &&
            (!method || !json_object_get(ops[j].op, "method") ||
             strcmp(json_string_value(json_object_get(ops[j].op, "method")), method) == 0))
          break;
      if (j < nops) {
        if (method && !json_object_get(ops[j].op, "method"))
          json_object_set_new(ops[j].op, "method", json_string(method));
        continue;
      }
      if (nops == sizeof(ops) / sizeof(ops[0]))
        continue;
      snprintf(ops[nops].full_path, sizeof(ops[nops].full_path), "%s", path);
      ops[nops].anchor = (int)json_integer_value(json_object_get(f, "anchor"));
      op_id_for(method ? method : "post", path, id, sizeof(id));
      ops[nops].op =
          json_pack("{s:s, s:b, s:s, s:[], s:{s:i, s:{s:s, s:{}}}, s:[], s:[], s:O}", "id", id,
                    "seed", 1, "summary", "drafted from the document", "params", "response",
                    "status", 200, "schema", "type", "object", "properties", "errors", "examples",
                    "provenance", json_object_get(f, "provenance"));
      if (method)
        json_object_set_new(ops[nops].op, "method", json_string(method));
      nops++;
    }
  }

  notes = json_array();
  hosts = json_array();
  auth_query = json_object();
  errors_common = json_array();
  /* The base URL: the common leading segments, up to the last placeholder. */
  if (nops > 1) {
    const char *first = ops[0].full_path;
    size_t k, last_ph = 0;
    for (k = 1;; k++) {
      char c = first[k];
      if (c == '/' || c == '\0') {
        int all = 1;
        for (j = 1; j < nops; j++)
          if (strncmp(ops[j].full_path, first, k) != 0 ||
              (ops[j].full_path[k] != '/' && ops[j].full_path[k] != '\0'))
            all = 0;
        if (!all)
          break;
        if (first[k - 1] == '}')
          last_ph = k;
      }
      if (c == '\0')
        break;
    }
    if (last_ph)
      snprintf(base_prefix, sizeof(base_prefix), "%.*s", (int)last_ph, first);
  }

  /* Assign findings to operations. */
  json_array_foreach(x.findings, i, f) {
    const char *kind = json_string_value(json_object_get(f, "kind"));
    op_acc *acc = op_for_anchor(ops, nops, (int)json_integer_value(json_object_get(f, "anchor")));
    if (strcmp(kind, "host") == 0) {
      const char *h = json_string_value(json_object_get(f, "host"));
      size_t k;
      json_t *e;
      int dup = 0;
      json_array_foreach(hosts, k, e) dup |=
          strcmp(json_string_value(json_object_get(e, "host")), h) == 0;
      if (!dup)
        json_array_append_new(hosts, json_pack("{s:s, s:s, s:O}", "region", "unknown", "host", h,
                                               "provenance", json_object_get(f, "provenance")));
      continue;
    }
    if (strcmp(kind, "rate") == 0) {
      if (acc && nops > 1)
        json_object_set_new(acc->op, "rate_limit",
                            json_pack("{s:O, s:O}", "per_second", json_object_get(f, "per_second"),
                                      "provenance", json_object_get(f, "provenance")));
      else {
        rate = (long)json_integer_value(json_object_get(f, "per_second"));
        rate_prov = json_object_get(f, "provenance");
      }
      continue;
    }
    if (strcmp(kind, "param") == 0 || strcmp(kind, "field") == 0) {
      if (acc) {
        merge_field(acc, f, tencent, notes, auth_query);
      } else if (!strcmp(kind, "field") && nops > 1) {
        /* A common response table (公共参数): every operation answers it. */
        size_t k;
        for (k = 0; k < nops; k++)
          merge_field(&ops[k], f, tencent, notes, auth_query);
      }
      continue;
    }
    if (strcmp(kind, "error") == 0) {
      json_t *e =
          json_pack("{s:O, s:O, s:O, s:s, s:s, s:O}", "code", json_object_get(f, "code"), "status",
                    json_object_get(f, "status"), "class", json_object_get(f, "class"), "trigger",
                    "other", "when", "drafted from the document's error table", "provenance",
                    json_object_get(f, "provenance"));
      json_t *target = acc ? json_object_get(acc->op, "errors") : errors_common;
      if (json_object_get(f, "message"))
        json_object_set(e, "message", json_object_get(f, "message"));
      if (tencent) {
        /* Tencent: HTTP 200, integer codes. */
        const char *c = json_string_value(json_object_get(f, "code"));
        json_object_set_new(e, "status", json_integer(200));
        if (c && strspn(c, "0123456789") == strlen(c))
          json_object_set_new(e, "code", json_integer(strtol(c, NULL, 10)));
      }
      if (strcmp(json_string_value(json_object_get(f, "class")), "UNKNOWN") == 0)
        add_note(notes, json_object_get(f, "provenance"),
                 "review: canonical class of error '%s' not decided%s",
                 json_string_value(json_object_get(f, "code")), "");
      if (!find_error(target, e)) {
        size_t k = json_array_size(target);
        char eid[64];
        snprintf(eid, sizeof(eid), "e%zu", k + 1);
        json_object_set_new(e, "id", json_string(eid));
        json_array_append_new(target, e);
      } else {
        json_decref(e);
      }
      continue;
    }
    if (strcmp(kind, "example") == 0 && acc) {
      json_t *exs = json_object_get(acc->op, "examples");
      const char *role = json_string_value(json_object_get(f, "role"));
      json_t *last = json_array_get(exs, json_array_size(exs) - 1);
      char eid[32];
      if (strcmp(role, "response") == 0 && last && !json_object_get(last, "response")) {
        json_object_set_new(
            last, "response",
            json_pack("{s:i, s:O}", "status", 200, "body", json_object_get(f, "body")));
      } else {
        snprintf(eid, sizeof(eid), "doc%zu", json_array_size(exs) + 1);
        json_array_append_new(exs, json_pack("{s:s, s:O}", "id", eid, "provenance",
                                             json_object_get(f, "provenance")));
        last = json_array_get(exs, json_array_size(exs) - 1);
        if (strcmp(role, "request") == 0)
          json_object_set_new(last, "request",
                              json_pack("{s:O}", "body", json_object_get(f, "body")));
        else
          json_object_set_new(
              last, "response",
              json_pack("{s:i, s:O}", "status", 200, "body", json_object_get(f, "body")));
      }
    }
  }

  /* Limits from sample comments, for parameters that state none. */
  json_array_foreach(x.findings, i, f) {
    op_acc *acc;
    json_t *p;
    if (strcmp(json_string_value(json_object_get(f, "kind")), "hint") != 0)
      continue;
    acc = op_for_anchor(ops, nops, (int)json_integer_value(json_object_get(f, "anchor")));
    p = acc ? find_param(json_object_get(acc->op, "params"),
                         json_string_value(json_object_get(f, "name")), "body")
            : NULL;
    if (p && !json_object_get(p, "limits")) {
      json_t *lims = json_deep_copy(json_object_get(f, "limits")), *l;
      size_t k;
      json_array_foreach(lims, k, l) {
        json_object_set(l, "id", json_object_get(l, "kind"));
        json_object_set_new(l, "above", json_string("reject"));
        json_object_set_new(l, "above_provenance",
                            json_pack("{s:s}", "assumed",
                                      "the document states the bound, not what happens above it"));
        json_object_set(l, "provenance", json_object_get(f, "provenance"));
      }
      json_object_set_new(p, "limits", lims);
    }
  }

  /* Paths relative to the base; methods decided or flagged. */
  ops_json = json_array();
  for (i = 0; i < nops; i++) {
    const char *p = ops[i].full_path;
    size_t bl = strlen(base_prefix);
    if (bl && strncmp(p, base_prefix, bl) == 0)
      p += bl;
    json_object_set_new(ops[i].op, "path", json_string(*p ? p : "/"));
    {
      char id[96];
      const char *m = json_string_value(json_object_get(ops[i].op, "method"));
      op_id_for(m ? m : "POST", *p ? p : "/", id, sizeof(id));
      json_object_set_new(ops[i].op, "id", json_string(id));
    }
    if (!json_object_get(ops[i].op, "method")) {
      json_object_set_new(ops[i].op, "method", json_string("POST"));
      add_note(notes, json_object_get(ops[i].op, "provenance"),
               "review: method of '%s' not stated; draft says POST%s",
               json_string_value(json_object_get(ops[i].op, "id")), "");
    }
    /* Path parameters the template names but no table documents. */
    {
      const char *q = p;
      while ((q = strchr(q, '{')) != NULL) {
        const char *e = strchr(q, '}');
        char pn[64];
        if (!e)
          break;
        snprintf(pn, sizeof(pn), "%.*s", (int)(e - q - 1), q + 1);
        if (!find_param(json_object_get(ops[i].op, "params"), pn, "path"))
          json_array_append_new(json_object_get(ops[i].op, "params"),
                                json_pack("{s:s, s:s, s:s, s:b, s:O}", "name", pn, "in", "path",
                                          "type", "string", "required", 1, "provenance",
                                          json_object_get(ops[i].op, "provenance")));
        q = e;
      }
    }
    if (json_array_size(json_object_get(ops[i].op, "errors")) == 0 &&
        json_array_size(errors_common))
      json_object_set(ops[i].op, "errors", errors_common);
    json_array_append_new(ops_json, ops[i].op);
  }
  if (nops == 0)
    add_note(notes, page_prov, "review: no endpoint (METHOD URL) found in '%s'%s", x.name, "");
  if (json_array_size(hosts) == 0)
    add_note(notes, page_prov, "review: no host named in '%s'%s", x.name, "");
  if (revisions > 1 && revisions <= 16) {
    /* What differs between the revisions of the page. */
    json_t *masks = json_object();
    const char *key;
    json_t *m;
    unsigned full = (1u << revisions) - 1;
    json_array_foreach(x.findings, i, f) {
      const char *kind = json_string_value(json_object_get(f, "kind"));
      char k[256];
      int rev = (int)json_integer_value(json_object_get(f, "revision"));
      if (strcmp(kind, "host") == 0)
        snprintf(k, sizeof(k), "host '%s'", json_string_value(json_object_get(f, "host")));
      else if (strcmp(kind, "param") == 0 || strcmp(kind, "field") == 0)
        snprintf(k, sizeof(k), "%s '%s' (%s)", kind, json_string_value(json_object_get(f, "name")),
                 json_string_value(json_object_get(f, "in")));
      else if (strcmp(kind, "error") == 0)
        snprintf(k, sizeof(k), "error '%s'", json_string_value(json_object_get(f, "code")));
      else
        continue;
      m = json_object_get(masks, k);
      json_object_set_new(
          masks, k, json_integer((json_int_t)((unsigned)json_integer_value(m) | (1u << rev))));
    }
    json_object_foreach(masks, key, m) {
      unsigned v = (unsigned)json_integer_value(m);
      char which[64] = "";
      int r;
      size_t o = 0;
      if (v == full)
        continue;
      for (r = 0; r < revisions; r++)
        if (v & (1u << r))
          o += (size_t)snprintf(which + o, sizeof(which) - o, "%s%d", o ? ", " : "", r + 1);
      add_note(notes, page_prov, "revision difference: %s appears only in revision %s", key, which);
    }
    json_decref(masks);
  }
  if (revisions > 1)
    add_note(notes, page_prov, "the document holds %s revisions of the page ('%s' repeats)",
             revisions == 2 ? "two" : "several", x.first_head);

  {
    json_t *prov = json_pack("{s:s, s:s}", "doc", x.name, "section", x.first_head);
    char base_url[320];
    snprintf(base_url, sizeof(base_url), "https://{host}%s", base_prefix);
    if (tencent)
      auth = json_pack("{s:s, s:O, s:[sss], s:O}", "scheme", "tencent_usersig", "query", auth_query,
                       "credentials", "sdkappid", "identifier", "secret_key", "provenance", prov);
    else if (header_token)
      auth = json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "header_token", "header",
                       "x-acs-dingtalk-access-token", "credentials", "access_token", "provenance",
                       prov);
    else
      auth = json_pack("{s:s, s:s, s:[s], s:O}", "scheme", "bearer", "header", "Authorization",
                       "credentials", "app_token", "provenance", prov);
    if (!tencent && !bearer && !header_token)
      add_note(notes, prov, "review: no auth scheme recognised%s%s", "", "");
    transport = json_pack(
        "{s:s, s:O, s:o, s:s, s:o, s:o, s:O}", "base_url", base_url, "hosts", hosts, "auth", auth,
        "content_type", "application/json", "error_model",
        tencent
            ? json_pack("{s:b, s:[i], s:s, s:s, s:i, s:s, s:{s:s, s:s, "
                        "s:s}, s:O}",
                        "http_errors", 0, "success_status", 200, "code", "/ErrorCode", "code_type",
                        "integer", "success_code", 0, "message", "/ErrorInfo", "status_field",
                        "pointer", "/ActionStatus", "ok", "OK", "fail", "FAIL", "provenance", prov)
            : json_pack("{s:b, s:[i], s:s, s:s, s:s, s:O}", "http_errors", 1, "success_status", 200,
                        "code", has_type ? "/error" : "/code", "code_type", "string", "message",
                        has_type ? "/error_description" : "/message", "provenance", prov),
        "errors", json_array(), "provenance", prov);
    if (rate && transport)
      json_object_set_new(
          transport, "rate_limit",
          json_pack("{s:I, s:O}", "per_second", (json_int_t)rate, "provenance", rate_prov));
    draft = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}], s:o, s:o, s:[], s:o}", "format",
                      "conform-spec/1", "vendor", "draft", "title", x.first_head, "documents",
                      "file", x.name, "title", x.first_head, "transport", transport, "operations",
                      ops_json, "scenarios", "notes", notes);
    json_decref(prov);
  }
  json_decref(page_prov);
  json_decref(hosts);
  json_decref(auth_query);
  json_decref(errors_common);
  json_decref(x.findings);
  if (!draft)
    cfm_error_set(err, CFM_ENOMEM, name, "", "out of memory");
  return draft;
}
