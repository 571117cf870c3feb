/* conform — the limit grammar.
 *
 * A limit phrase is a quantity with a cap word before it or after it, an
 * optional unit after it, inside one clause:
 *
 *   phrase   = cap filler? quantity unit?        "最多可传 60 个", "up to 32 bytes",
 *            | quantity unit? postcap            "6,000 at the maximum", "64 characters or less"
 *   quantity = digits ("," 3digits)*             "6,000"
 *   unit     = chars | bytes | KB | MB | items   "字符", "bytes", "个", "keys", "group members"
 *   scope    = the clause (ends at 。；;，, or ". ") — a veto word in it
 *              (recommended, default, minimum, for example, …) drops the phrase
 *
 * One table of cap words per language instead of one regular expression
 * per sentence: a new phrasing is usually a row here.  The kind of limit
 * then follows from the unit and the parameter's type (extract_int.h). */
#include <ctype.h>
#include <string.h>

#include "extract_int.h"

/* Cap words before the quantity (the longest match wins). */
static const char *const caps[] = {"最多",          "至多",          "不超过",
                                   "不得超过",      "不能超过",      "不可超过",
                                   "不要超过",      "不大于",        "上限为",
                                   "上限是",        "上限",          "最大为",
                                   "最大值为",      "最大值",        "最大长度为",
                                   "最大长度",      "最长为",        "最长",
                                   "最大",          "up to",         "at most",
                                   "a maximum of",  "maximum",       "max",
                                   "no more than",  "not more than", "not exceed",
                                   "cannot exceed", "can't exceed",  "must not exceed",
                                   "limit of",      "limited to",    "less than or equal to"};

/* Cap words after the quantity and its unit. */
static const char *const postcaps[] = {"at the maximum", "at most", "or less", "or fewer", "以内"};

/* Words that make a clause something other than a hard upper bound. */
static const char *const vetoes[] = {
    "建议", "推荐", "例如", "默认", "至少", "最少", "最小", "recommend", "default", "minimum",
    "at least", "e.g.", "for example", "suggest", "server returns", "服务器返回",
    /* the length of the whole URL bounds no one parameter */
    "URL 长度", "URL长度", "URL 的长度", "URL length", "length of the URL"};

static const struct {
  const char *word;
  limit_unit unit;
  int scale; /* bytes per unit */
} units[] = {
    {"个字符", U_CHARS, 1},     {"字符", U_CHARS, 1},      {"个汉字", U_CHARS, 1},
    {"characters", U_CHARS, 1}, {"character", U_CHARS, 1}, {"chars", U_CHARS, 1},
    {"个字节", U_BYTES, 1},     {"字节", U_BYTES, 1},      {"bytes", U_BYTES, 1},
    {"byte", U_BYTES, 1},       {"KB", U_BYTES, 1024},     {"MB", U_BYTES, 1024 * 1024},
    {"个", U_ITEMS, 1},         {"条", U_ITEMS, 1},        {"项", U_ITEMS, 1},
    {"名", U_ITEMS, 1},         {"人", U_ITEMS, 1},
};

/* Words after a quantity that make it no bound of a value (time, rate). */
static const char *const not_units[] = {"次",   "秒",     "分钟",    "小时", "天",      "位",
                                        "%",    "second", "minute",  "hour", "day",     "ms",
                                        "time", "call",   "request", "per",  "percent", "bit"};

/* Is there a clause boundary right before d.p[i]?  ; ! ? | newline, a
 * comma not inside a number, ". ", and 。；，！？ (three bytes each). */
static int boundary_before(span d, size_t i) {
  unsigned char c = (unsigned char)d.p[i - 1];
  if (c == ';' || c == '!' || c == '?' || c == '|' || c == '\n')
    return 1;
  if (c == ',')
    return !(i >= 2 && isdigit((unsigned char)d.p[i - 2]) && i < d.n &&
             isdigit((unsigned char)d.p[i]));
  if (c == '.')
    return i < d.n && d.p[i] == ' ';
  if (i >= 3 && (unsigned char)d.p[i - 3] == 0xE3 && (unsigned char)d.p[i - 2] == 0x80 && c == 0x82)
    return 1;
  return i >= 3 && (unsigned char)d.p[i - 3] == 0xEF && (unsigned char)d.p[i - 2] == 0xBC &&
         (c == 0x9B || c == 0x8C || c == 0x81 || c == 0x9F);
}

/* Where the clause holding position i starts, and where it ends; a clause
 * is read at most CLAUSE_MAX bytes either side (linear time on hostile
 * input with thousands of numbers in one sentence). */
#define CLAUSE_MAX 160
static size_t clause_start(span d, size_t i) {
  size_t stop = i > CLAUSE_MAX ? i - CLAUSE_MAX : 0;
  while (i > stop && !boundary_before(d, i))
    i--;
  return i;
}

static size_t clause_end(span d, size_t i) {
  size_t stop = d.n - i > CLAUSE_MAX ? i + CLAUSE_MAX : d.n;
  for (; i < stop; i++)
    if (boundary_before(d, i + 1))
      return i;
  return stop;
}

/* Does a cap word end within `filler` bytes before d.p[end] in the clause
 * starting at from?  English cap words must stand alone ("max", not
 * "maxResults"). */
static int cap_before(span d, size_t from, size_t end, size_t filler) {
  size_t k, i;
  span w;
  if (end - from > filler + 32) /* the longest cap word is under 32 bytes */
    from = end - filler - 32;
  w = (span){d.p + from, end - from};
  for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
    size_t n = strlen(caps[k]);
    int word = isalpha((unsigned char)caps[k][0]);
    for (i = 0; i + n <= w.n; i++) {
      if (!cfm__span_starts((span){w.p + i, w.n - i}, caps[k]))
        continue;
      if (word && ((i > 0 && isalpha((unsigned char)w.p[i - 1])) ||
                   (i + n < w.n && isalpha((unsigned char)w.p[i + n]))))
        continue;
      if (w.n - (i + n) <= filler)
        return 1;
    }
  }
  return 0;
}

static int has_any(span s, const char *const *words, size_t n) {
  size_t k;
  for (k = 0; k < n; k++)
    if (cfm__span_has(s, words[k]))
      return 1;
  return 0;
}

/* The unit after a quantity ending at d.p[i]: sets *unit and *scale, returns
 * the bytes it spans (0 for none); -1 when the word says time or rate. */
static int unit_after(span d, size_t i, limit_unit *unit, int *scale) {
  size_t k, s = i;
  span rest;
  while (s < d.n && (d.p[s] == ' ' || d.p[s] == '`'))
    s++;
  rest = (span){d.p + s, d.n - s};
  *unit = U_NONE;
  *scale = 1;
  for (k = 0; k < sizeof(not_units) / sizeof(not_units[0]); k++)
    if (cfm__span_starts(rest, not_units[k]))
      return -1;
  for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
    size_t n = strlen(units[k].word);
    if (cfm__span_starts(rest, units[k].word) &&
        (!isalpha((unsigned char)units[k].word[0]) || s + n >= d.n ||
         !isalpha((unsigned char)d.p[s + n]))) {
      *unit = units[k].unit;
      *scale = units[k].scale;
      return (int)(s - i + n);
    }
  }
  /* an English noun after the number counts things: "16 keys", "100,000 group members" */
  if (s < d.n && s > i && isalpha((unsigned char)d.p[s])) {
    static const char *const stop[] = {"at", "or", "and", "in", "of", "is", "to", "the", "by"};
    size_t e = s;
    while (e < d.n && isalpha((unsigned char)d.p[e]))
      e++;
    for (k = 0; k < sizeof(stop) / sizeof(stop[0]); k++)
      if (e - s == strlen(stop[k]) && cfm__span_starts(rest, stop[k]))
        return 0;
    *unit = U_ITEMS;
    return (int)(e - i);
  }
  return 0;
}

static int is_number_start(span d, size_t i) {
  if (!isdigit((unsigned char)d.p[i]))
    return 0;
  if (i == 0)
    return 1;
  return !isalnum((unsigned char)d.p[i - 1]) && d.p[i - 1] != '.' && d.p[i - 1] != '/' &&
         d.p[i - 1] != '_' && d.p[i - 1] != '-' && d.p[i - 1] != '#';
}

/* Reads "6,000" from d.p[i]; sets *end; -1 when it is no whole quantity. */
static long read_quantity(span d, size_t i, size_t *end) {
  long v = 0;
  size_t s = i;
  *end = i;
  while (s < d.n) {
    if (isdigit((unsigned char)d.p[s])) {
      /* saturate like strtol: a bound past every integer stays a bound */
      v = v > (__LONG_MAX__ - 9) / 10 ? __LONG_MAX__ : v * 10 + (d.p[s] - '0');
      s++;
    } else if (d.p[s] == ',' && s + 3 < d.n + 1 && s + 3 <= d.n &&
               isdigit((unsigned char)d.p[s + 1]) && isdigit((unsigned char)d.p[s + 2]) &&
               isdigit((unsigned char)d.p[s + 3]) &&
               (s + 4 >= d.n || !isdigit((unsigned char)d.p[s + 4]))) {
      s++;
    } else {
      break;
    }
  }
  *end = s;
  if (s < d.n && (d.p[s] == '.' || isalpha((unsigned char)d.p[s])) && s + 1 < d.n &&
      isdigit((unsigned char)d.p[s + 1]))
    return -1; /* 1.5, 0x10, v4 */
  return v;
}

size_t cfm__limit_phrases(span d, limit_phrase *out, size_t cap) {
  size_t i, n = 0;
  if (!cfm__has_digit(d))
    return 0; /* every limit phrase holds a number */
  for (i = 0; i < d.n && n < cap; i++) {
    size_t end, cs, ce, post;
    long v;
    int ul, scale, ok;
    limit_unit unit;
    span clause;
    if (!is_number_start(d, i))
      continue;
    v = read_quantity(d, i, &end);
    if (v < 0) {
      i = end;
      continue;
    }
    ul = unit_after(d, end, &unit, &scale);
    cs = clause_start(d, i);
    ce = clause_end(d, end);
    /* the words after the unit; a unit may run past the clause's bound */
    post = end + (size_t)(ul > 0 ? ul : 0);
    post = post < ce ? post : ce;
    clause = (span){d.p + cs, ce - cs};
    ok = ul >= 0 && !has_any(clause, vetoes, sizeof(vetoes) / sizeof(vetoes[0])) &&
         (cap_before(d, cs, i, 24) ||
          has_any((span){d.p + post, ce - post}, postcaps, sizeof(postcaps) / sizeof(postcaps[0])));
    if (ok && !__builtin_mul_overflow(v, (long)scale, &v)) {
      out[n].max = v;
      out[n].unit = unit;
      n++;
    }
    i = end;
  }
  return n;
}

static void add_limit(json_t *limits, const char *kind, long min, long max, const char *unit,
                      int has_min) {
  size_t i;
  json_t *l;
  json_array_foreach(limits, i, l) {
    if (strcmp(json_string_value(json_object_get(l, "kind")), kind) == 0 &&
        json_integer_value(json_object_get(l, "max")) == max)
      return; /* stated twice */
  }
  l = json_pack("{s:s, s:I}", "kind", kind, "max", (json_int_t)max);
  if (!l)
    return;
  if (unit)
    json_object_set_new(l, "unit", json_string(unit));
  if (has_min)
    json_object_set_new(l, "min", json_integer(min));
  json_array_append_new(limits, l);
}

json_t *cfm__limits_from_phrases(const limit_phrase *ph, size_t n, const char *type, span d) {
  json_t *limits = json_array();
  int numeric = type && (!strcmp(type, "integer") || !strcmp(type, "number"));
  int many = type && (!strcmp(type, "array") || !strcmp(type, "object"));
  int list = cfm__span_has(d, "逗号") || cfm__span_has(d, "comma");
  size_t i;
  for (i = 0; i < n && limits; i++) {
    if (ph[i].unit == U_CHARS && !numeric)
      add_limit(limits, "max_length", 0, ph[i].max, "chars", 0);
    else if (ph[i].unit == U_BYTES && !numeric)
      add_limit(limits, "max_bytes", 0, ph[i].max, "bytes", 0);
    else if (numeric)
      add_limit(limits, "range", 0, ph[i].max, NULL, 0); /* a bound on the value */
    else if (many || list)
      add_limit(limits, "max_items", 0, ph[i].max, "items", 0);
  }
  return limits;
}

json_t *cfm__limits_in(span d, const char *type, json_t **dflt, json_t **clamp) {
  limit_phrase ph[16];
  size_t n;
  json_t *limits;
  span c[3];
  *dflt = NULL;
  *clamp = NULL;
  n = cfm__limit_phrases(d, ph, sizeof(ph) / sizeof(ph[0]));
  limits = cfm__limits_from_phrases(ph, n, type, d);
  if (!limits || !cfm__has_digit(d))
    return limits;
  if (cfm__rx_match(RX_RANGE, d, c, 0)) {
    long a = cfm__span_long(c[0]), b = cfm__span_long(c[1]);
    size_t i;
    json_t *l;
    if (a <= b) {
      /* a range replaces a bare upper bound on the same value */
      json_array_foreach(limits, i, l) {
        if (!strcmp(json_string_value(json_object_get(l, "kind")), "range") &&
            json_integer_value(json_object_get(l, "max")) == b) {
          json_array_remove(limits, i);
          break;
        }
      }
      add_limit(limits, "range", a, b, NULL, 1);
    }
  }
  if (cfm__rx_match(RX_DEFAULT, d, c, 0))
    *dflt = json_integer(cfm__span_long(c[0]));
  if (cfm__rx_match(RX_CLAMP, d, c, 0) && cfm__span_long(c[0]) == cfm__span_long(c[1]))
    *clamp = json_integer(cfm__span_long(c[1]));
  return limits;
}

long cfm__rate_in(span t) {
  span c[3];
  if (!cfm__has_digit(t))
    return 0;
  if (!cfm__span_has(t, "\xE7\xA7\x92") /* 秒 */ && !cfm__span_has(t, "second") &&
      !cfm__span_has(t, "QPS") && !cfm__span_has(t, "/s"))
    return 0;
  return cfm__rx_match(RX_RATE, t, c, 0) ? cfm__span_long(c[0]) : 0;
}
