/* conform — the markdown reader: # headings, pipe tables, fences; also
 * pages converted from HTML (front matter, tags) and MDX sources (import
 * lines, JSX tags).  A page with no fence and no pipe table is scraped
 * text: its lines go to the scraped reader. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"

/* Is the host at t.p[at] the target of a markdown link or an image
 * ("](https://console…")?  Links point at consoles and docs, not at the API. */
static int in_link(span t, size_t at) {
  size_t i = at;
  while (i > 0 && t.p[i - 1] != '(' && t.p[i - 1] != ' ' && t.p[i - 1] != '<')
    i--;
  return i >= 2 && t.p[i - 1] == '(' && t.p[i - 2] == ']';
}

static void hosts_in(extractor *x, span t) {
  span c[3];
  size_t start = 0;
  while (cfm__rx_match(RX_HOST, t, c, start) && c[0].n) {
    char host[128];
    size_t at = (size_t)(c[0].p - t.p);
    snprintf(host, sizeof(host), "%.*s", (int)c[0].n, c[0].p);
    if (!in_link(t, at) && !cfm__is_doc_host(host) && host[0] != '.')
      cfm__add_finding(x, "host", json_pack("{s:s}", "host", host));
    start = at + c[0].n;
  }
}

/* ASCII identifiers a line names ("`Limit`", "GroupIdList"), for limits
 * stated in prose: a new array. */
static json_t *names_in(span t) {
  json_t *names = json_array();
  size_t i = 0;
  while (names && i < t.n) {
    size_t s = i;
    if (!(isalpha((unsigned char)t.p[i]) || t.p[i] == '_') ||
        (i > 0 && (isalnum((unsigned char)t.p[i - 1]) || t.p[i - 1] == '_'))) {
      i++;
      continue;
    }
    while (i < t.n && (isalnum((unsigned char)t.p[i]) || t.p[i] == '_'))
      i++;
    if (i - s >= 2 && i - s < 64)
      json_array_append_new(names, json_stringn(t.p + s, i - s));
  }
  return names;
}

/* Limits stated in a sentence ("一次请求最多支持50个群组", "Maximum value:
 * 200"): a "plimit" finding with the phrases and the names the line holds;
 * assembly attaches it to the parameter it bounds. */
static void prose_limits(extractor *x, span t) {
  limit_phrase ph[8];
  size_t n = cfm__limit_phrases(t, ph, sizeof(ph) / sizeof(ph[0])), i;
  json_t *arr, *f;
  if (n == 0)
    return;
  arr = json_array();
  for (i = 0; i < n && arr; i++)
    json_array_append_new(
        arr, json_pack("{s:I, s:i}", "max", (json_int_t)ph[i].max, "unit", (int)ph[i].unit));
  f = json_pack("{s:o, s:o, s:s%}", "phrases", arr, "names", names_in(t), "text", t.p, t.n);
  cfm__add_finding(x, "plimit", f);
}

/* "**请求地址**：`https://…`", "Request URL: https://…": the operation's URL. */
static void url_line(extractor *x, span t) {
  const char *u = cfm__strstr_n(t, "https://");
  size_t n = 0;
  if (!(cfm__span_has(t, "请求地址") || cfm__span_has(t, "request url") ||
        cfm__span_has(t, "request address")) ||
      !u || cfm__in_example(x))
    return;
  while (u + n < t.p + t.n && u[n] != '`' && u[n] != ' ' && u[n] != '?' && u[n] != ')')
    n++;
  cfm__add_finding(x, "url", json_pack("{s:s%, s:s}", "url", u, n, "query", ""));
}

/* Endpoints, rate limits, methods, limits and host names (in table rows,
 * hosts_ok, or lines that speak of domains) in a line; a table row
 * (in_table) states no rate or prose limit of the operation. */
void cfm__prose(extractor *x, span line, int hosts_ok, int in_table) {
  span c[3];
  span t = cfm__trim(line);
  long rate;
  hosts_ok = hosts_ok || cfm__span_starts(t, "Host:") || cfm__span_has(t, "域名") ||
             cfm__span_has(t, "domain");
  if (cfm__looks_like_endpoint(t) && !cfm__in_example(x) && cfm__rx_match(RX_ENDPOINT, t, c, 0))
    cfm__add_finding(x, "endpoint",
                     json_pack("{s:s%, s:s%, s:s%}", "method", c[0].p, c[0].n, "url", c[1].p,
                               c[1].n, "query", c[2].p, c[2].n));
  if (!in_table && (rate = cfm__rate_in(t)) > 0)
    cfm__add_finding(x, "rate", json_pack("{s:I}", "per_second", (json_int_t)rate));
  else if (!in_table)
    prose_limits(x, t);
  if (!in_table)
    url_line(x, t);
  if (cfm__span_has(t, "request method is ") || cfm__span_has(t, "请求方式")) {
    static const char *const methods[] = {"POST", "GET", "PUT", "DELETE", "PATCH"};
    size_t m;
    for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
      if (cfm__span_has(t, methods[m])) {
        cfm__add_finding(x, "method", json_pack("{s:s}", "method", methods[m]));
        break;
      }
  }
  if (hosts_ok)
    hosts_in(x, t);
}

/* The reader's state over one page. */
typedef struct md {
  int markdown;    /* '#' lines are headings */
  int plain_heads; /* plain section-name lines are headings too */
  int in_fence;
  size_t fence_start;
  tbuf tb;
  scraped sc;
} md;

/* A '#' heading line: sets the heading and returns 1. */
static int md_heading(extractor *x, md *m, span line, span t) {
  int level = 0;
  if (!m->markdown || !t.n || t.p[0] != '#' || line.p[0] != '#')
    return 0;
  while ((size_t)level < t.n && t.p[level] == '#')
    level++;
  if ((size_t)level >= t.n || t.p[level] != ' ')
    return 0;
  cfm__set_heading(x, level, (span){t.p + level, t.n - (size_t)level});
  m->sc.table = ST_NONE;
  return 1;
}

/* A JSON body after "Response body example" on a scraped page: returns
 * the offset after it, or 0 when t does not open one. */
static size_t bare_json(extractor *x, const char *text, size_t len, size_t off, span t) {
  size_t end = off, depth = 0;
  if (t.n != 1 || t.p[0] != '{' || !x->have[3] ||
      !cfm__span_has((span){x->heads[3], strlen(x->heads[3])}, "example"))
    return 0;
  for (; end < len; end++) {
    if (text[end] == '{')
      depth++;
    else if (text[end] == '}' && depth && --depth == 0)
      break;
  }
  if (end >= len)
    return 0;
  cfm__code_block(x, (span){text + off, end + 1 - off}, cfm__current_head(x));
  while (end < len && text[end] != '\n')
    end++;
  return end + 1;
}

/* One line outside tables and fences; returns the next offset. */
static size_t md_line(extractor *x, md *m, const char *text, size_t len, size_t off, size_t n) {
  span line = {text + off, n}, t = cfm__trim(line);
  size_t next = off + n + 1, after;
  int sl;
  if (md_heading(x, m, line, t))
    return next;
  sl = m->markdown && !m->plain_heads ? 0 : cfm__scraped_heading(t);
  if (sl) {
    cfm__set_heading(x, sl, t);
    m->sc.table = ST_NONE;
    return next;
  }
  if (cfm__scraped_line(x, &m->sc, t))
    return next;
  if ((after = bare_json(x, text, len, off, t)) != 0)
    return after;
  if (t.n && !m->markdown && t.p[0] == '#')
    return next; /* a code comment of a scraped sample */
  if (t.n)
    cfm__prose(x, t, 0, 0);
  return next;
}

void cfm__read_markdown(extractor *x, const char *text, size_t len) {
  span all = {text, len};
  md m;
  size_t off = 0;
  memset(&m, 0, sizeof(m));
  /* Markdown pages have fences or pipe tables; scraped pages have neither,
   * and their '#' lines are code comments, not headings. */
  m.markdown = cfm__span_has(all, "```") || cfm__span_has(all, "\n|") || cfm__span_starts(all, "|");
  /* Pipe tables under plain-line section names (a scraped page that kept
   * its tables): those lines are headings too. */
  m.plain_heads = !cfm__span_starts(all, "# ") && !cfm__span_starts(all, "## ") &&
                  !cfm__span_has(all, "\n# ") && !cfm__span_has(all, "\n## ") &&
                  !cfm__span_has(all, "\n### ");
  while (off < len) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t n = nl ? (size_t)(nl - text - off) : len - off;
    span t = cfm__trim((span){text + off, n});
    if (!m.in_fence && t.n && t.p[0] == '|') {
      cfm__tbuf_push(&m.tb, t);
      off += n + 1;
      continue;
    }
    cfm__table_flush(x, &m.tb);
    if (t.n >= 3 && strncmp(t.p, "```", 3) == 0) {
      if (m.in_fence)
        cfm__code_block(x, (span){text + m.fence_start, off - m.fence_start}, cfm__current_head(x));
      m.in_fence = !m.in_fence;
      m.fence_start = off + n + 1;
      off += n + 1;
      continue;
    }
    off = m.in_fence ? off + n + 1 : md_line(x, &m, text, len, off, n);
  }
  cfm__table_flush(x, &m.tb);
  x->oom |= m.tb.oom;
  free(m.tb.rows);
}
