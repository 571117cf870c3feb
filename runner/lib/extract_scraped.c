/* conform — the scraped-text reader: pages copied from a rendered site,
 * where table cells run together ("groupIdLongYesThe group ID") and
 * section names stand alone on their lines. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

/* Does a type word (and, with_required, Yes/No/是/否…) start at line.p[i], right
 * after the name?  Fills the type index, the required flag and the rest. */
static int type_at(span line, size_t i, int with_required, size_t *k, int *req, span *rest) {
  for (*k = 0; *k < cfm__n_scraped_types; (*k)++) {
    size_t tl = strlen(cfm__scraped_types[*k]);
    if (i + tl > line.n || strncmp(line.p + i, cfm__scraped_types[*k], tl) != 0)
      continue;
    *rest = (span){line.p + i + tl, line.n - i - tl};
    *req = -2; /* no required column */
    /* "Array of String": the type goes on to the element type */
    if (cfm__span_starts(*rest, " of ")) {
      size_t e;
      for (e = 0; e < cfm__n_scraped_types; e++)
        if (cfm__span_starts((span){rest->p + 4, rest->n - 4}, cfm__scraped_types[e]))
          break;
      if (e < cfm__n_scraped_types) {
        tl = 4 + strlen(cfm__scraped_types[e]);
      } else { /* an element type no table knows: up to the next capital */
        for (tl = 5; tl < rest->n && tl < 40 && islower((unsigned char)rest->p[tl]); tl++)
          ;
        if (tl >= rest->n || tl >= 40 || !isalpha((unsigned char)rest->p[4]))
          continue;
      }
      *rest = (span){rest->p + tl, rest->n - tl};
    }
    if (!with_required)
      return 1;
    {
      /* the required cell: English or Chinese words, run into the description */
      static const struct {
        const char *word;
        int req;
      } words[] = {{"Yes", 1},
                   {"No", 0},
                   {"Required", 1},
                   {"Optional", 0},
                   {"\xE6\x98\xAF", 1} /* 是 */,
                   {"\xE5\x90\xA6", 0} /* 否 */,
                   {"必填", 1},
                   {"选填", 0}};
      size_t w;
      for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
        if (cfm__span_starts(*rest, words[w].word)) {
          size_t wl = strlen(words[w].word);
          *req = words[w].req;
          *rest = (span){rest->p + wl, rest->n - wl};
          return 1;
        }
    }
  }
  return 0;
}

/* "groupIdLongYesThe Room group ID…": the name ends right before a type
 * word; Yes/No follows when the table has a required column. */
static int scraped_row(extractor *x, span line, int with_required, const char *where) {
  size_t i, k;
  int req;
  span rest;
  line = cfm__trim(line);
  for (i = 1; i < line.n; i++) {
    char *name, *desc;
    if (!isalnum((unsigned char)line.p[i - 1]) && line.p[i - 1] != '_')
      continue; /* the name ends right before the type word */
    if (!type_at(line, i, with_required, &k, &req, &rest))
      continue;
    name = malloc(i + 1);
    desc = cfm__clean_cell(rest);
    if (name && desc) {
      memcpy(name, line.p, i);
      name[i] = '\0';
      cfm__field_finding(x, name, where, cfm__scraped_types[k], req, desc);
    } else {
      x->oom = 1;
    }
    free(name);
    free(desc);
    return 1;
  }
  return 0;
}

/* "400param.errorParam ErrorMissing parameter error": status digits, then a
 * dotted/underscored code, then the message (words until the description). */
static int scraped_error_row(extractor *x, span line) {
  size_t i = 0, cs, ce;
  long st;
  line = cfm__trim(line);
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
      pat = cfm__message_pattern(msg);
      if (pat)
        json_object_set_new(e, "message", json_string(pat));
      free(pat);
      snprintf(msg, sizeof(msg), "%.*s", (int)(rn - m - 1), rest + m + 1);
      json_object_set_new(e, "class", json_string(cfm__class_for(st, code, msg)));
    } else if (e) {
      char desc[160];
      snprintf(desc, sizeof(desc), "%.*s", (int)rn, rest);
      json_object_set_new(e, "class", json_string(cfm__class_for(st, code, desc)));
    }
    cfm__add_finding(x, "error", e);
  }
  return 1;
}

/* A header line of run-together column names opens a scraped table. */
static int scraped_header(extractor *x, scraped *st, span t) {
  if (cfm__span_eq_ci(t, "NameTypeRequiredDescription") ||
      cfm__span_eq_ci(t, "ParameterTypeRequiredDescription") ||
      cfm__span_eq_ci(t, "名称类型是否必填描述") || cfm__span_eq_ci(t, "参数类型是否必填说明")) {
    const char *w = cfm__param_location(cfm__current_head(x));
    st->table = ST_PARAMS;
    st->where = w ? w : "query";
  } else if (cfm__span_eq_ci(t, "NameTypeDescription") || cfm__span_eq_ci(t, "名称类型描述")) {
    st->table = ST_FIELDS;
    st->where = "response";
  } else if (cfm__span_starts(t, "HttpCode") || cfm__span_starts(t, "HTTP status codeError")) {
    st->table = ST_ERRORS;
  } else if (cfm__span_eq_ci(t, "FieldValue") || cfm__span_eq_ci(t, "字段值")) {
    st->table = ST_KV;
  } else {
    return 0;
  }
  return 1;
}

/* A row of the run-together basic-information table ("HTTP MethodGET"). */
static int scraped_kv_row(extractor *x, span t) {
  if (cfm__span_starts(t, "HTTP URL")) {
    span u = cfm__trim((span){t.p + 8, t.n - 8});
    const char *q = memchr(u.p, '?', u.n);
    cfm__add_finding(
        x, "url", json_pack("{s:s%, s:s}", "url", u.p, q ? (size_t)(q - u.p) : u.n, "query", ""));
  } else if (cfm__span_starts(t, "HTTP Method")) {
    span m = cfm__trim((span){t.p + 11, t.n - 11});
    cfm__add_finding(x, "method", json_pack("{s:s%}", "method", m.p, m.n));
  }
  return 1; /* other rows of the basic-information table */
}

int cfm__scraped_line(extractor *x, scraped *st, span t) {
  int used = 0;
  if (scraped_header(x, st, t))
    return 1;
  if (!st->table || !t.n)
    return 0;
  if (st->table == ST_PARAMS)
    used = scraped_row(x, t, 1, st->where);
  else if (st->table == ST_FIELDS)
    used = scraped_row(x, t, 0, st->where);
  else if (st->table == ST_ERRORS)
    used = scraped_error_row(x, t);
  else
    used = scraped_kv_row(x, t);
  if (!used)
    st->table = ST_NONE;
  return used;
}
