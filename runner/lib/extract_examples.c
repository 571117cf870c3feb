/* conform — code blocks: endpoints in ```http blocks and sample URLs,
 * sample bodies (JSON with // comments, curl -d), limits in comments. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "extract_int.h"

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

/* Endpoint lines inside ```http blocks, and sample URLs; those under a
 * sample heading are marked, so they confirm rather than make operations. */
static void code_endpoints(extractor *x, span code) {
  span c[3];
  size_t off = 0;
  int example = cfm__in_example(x);
  while (off < code.n) {
    const char *nl = memchr(code.p + off, '\n', code.n - off);
    span line = {code.p + off, nl ? (size_t)(nl - code.p - off) : code.n - off};
    span t = cfm__trim(line);
    if (cfm__rx_match(RX_ENDPOINT, t, c, 0)) {
      cfm__add_finding(x, "endpoint",
                       json_pack("{s:s%, s:s%, s:s%, s:b}", "method", c[0].p, c[0].n, "url", c[1].p,
                                 c[1].n, "query", c[2].p, c[2].n, "example", example));
    } else if (cfm__span_starts(t, "https://") || cfm__span_starts(t, "http://")) {
      const char *q = memchr(t.p, '?', t.n);
      size_t un = q ? (size_t)(q - t.p) : t.n;
      cfm__add_finding(x, "url",
                       json_pack("{s:s%, s:s%, s:b}", "url", t.p, un, "query", q ? q : "",
                                 q ? t.n - un : (size_t)0, "example", example));
    }
    off += line.n + 1;
  }
}

/* Limits stated in comments of sample bodies: "Key": [ // at most 500 */
static void comment_limits(extractor *x, span code) {
  size_t off = 0;
  while (off < code.n) {
    const char *nl = memchr(code.p + off, '\n', code.n - off);
    span line = {code.p + off, nl ? (size_t)(nl - code.p - off) : code.n - off};
    const char *q1 = memchr(line.p, '"', line.n), *q2, *cm;
    if (q1 && (q2 = memchr(q1 + 1, '"', line.n - (size_t)(q1 + 1 - line.p))) != NULL &&
        (cm = cfm__strstr_n(line, "//")) != NULL) {
      json_t *dflt, *clamp, *lims;
      span comment = {cm + 2, line.n - (size_t)(cm + 2 - line.p)};
      int arr = memchr(line.p, '[', line.n) != NULL;
      lims = cfm__limits_in(comment, arr ? "array" : "string", &dflt, &clamp);
      json_decref(dflt);
      json_decref(clamp);
      if (json_array_size(lims))
        cfm__add_finding(
            x, "hint",
            json_pack("{s:s%, s:o}", "name", q1 + 1, (size_t)(q2 - q1 - 1), "limits", lims));
      else
        json_decref(lims);
    }
    off += line.n + 1;
  }
}

void cfm__code_block(extractor *x, span code, const char *head) {
  span h = {head, strlen(head)};
  int response =
      cfm__span_has(h, "响应") || cfm__span_has(h, "应答") || cfm__span_has(h, "response");
  int request = cfm__span_has(h, "请求") || cfm__span_has(h, "request");
  json_t *j;
  code_endpoints(x, code);
  comment_limits(x, code);
  if (response && (j = parse_example(code)) != NULL) {
    cfm__add_finding(x, "example", json_pack("{s:s, s:o}", "role", "response", "body", j));
  } else if (request && !response) {
    j = parse_example(code);
    if (!j)
      j = curl_body(code);
    if (j)
      cfm__add_finding(x, "example", json_pack("{s:s, s:o}", "role", "request", "body", j));
  }
}
