/* conform — the extractor's shared word tables, English and Chinese:
 * column roles, type words, required words, parameter locations, scraped
 * section names, credentials, and the words that decide an error's class.
 * A new page style usually needs a row here, not new code. */
#include <strings.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract_int.h"
#include "conform/errmap.h"

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
    {"Request parameters", 3},
    {"Response parameters", 3},
    {"Request header", 3},
    {"Path parameter", 3},
    {"Query parameter", 3},
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
    {"请求参数", 3},
    {"响应参数", 3},
    {"响应体", 3},
    {"请求 Body", 3},
};

int cfm__scraped_heading(span line) {
  size_t i;
  line = cfm__trim(line);
  for (i = 0; i < sizeof(scraped_heads) / sizeof(scraped_heads[0]); i++)
    if (cfm__span_eq_ci(line, scraped_heads[i].text))
      return scraped_heads[i].level;
  return 0;
}

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
    {"名称", C_NAME},          {"参数名称", C_NAME},      {"字段名", C_NAME},
    {"值", C_VALUE},           {"errmsg", C_MESSAGE},
};

/* A header cell without its parenthesised gloss: "错误码（errorcode）" → "错误码". */
static span header_word(const char *cell) {
  span s = {cell, strlen(cell)};
  const char *p = strstr(cell, "\xEF\xBC\x88"); /* （ */
  const char *q = strchr(cell, '(');
  if (q && (!p || q < p))
    p = q;
  if (p && p > cell)
    s.n = (size_t)(p - cell);
  return cfm__trim(s);
}

col_role cfm__role_of(const char *cell) {
  size_t i;
  span s = header_word(cell);
  for (i = 0; i < sizeof(col_words) / sizeof(col_words[0]); i++)
    if (cfm__span_eq_ci(s, col_words[i].word))
      return col_words[i].role;
  if (cfm__span_has(s, "错误码") || cfm__span_has(s, "error code") || cfm__span_has(s, "errcode"))
    return cfm__span_has(s, "描述") || cfm__span_has(s, "desc") ? C_MESSAGE : C_CODE;
  if (cfm__span_has(s, "required") || cfm__span_has(s, "必填") || cfm__span_has(s, "必选") ||
      cfm__span_has(s, "必需"))
    return C_REQUIRED;
  if (cfm__span_has(s, "状态码") || cfm__span_has(s, "status code"))
    return C_STATUS;
  if (cfm__span_has(s, "说明") || cfm__span_has(s, "描述") || cfm__span_has(s, "description"))
    return C_DESC;
  return C_OTHER;
}

/* The JSON type for a documented type word; NULL when unknown. */
const char *cfm__json_type_of(const char *t) {
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
int cfm__required_of(const char *t) {
  span s = {t, strlen(t)};
  if (cfm__span_has(s, "是") || cfm__span_starts(s, "yes") || cfm__span_starts(s, "required") ||
      cfm__span_has(s, "必填") || cfm__span_starts(s, "true") || cfm__span_eq_ci(s, "y"))
    return cfm__span_has(s, "否") || cfm__span_has(s, "选填") ? 0 : 1;
  if (cfm__span_has(s, "否") || cfm__span_starts(s, "no") || cfm__span_starts(s, "optional") ||
      cfm__span_has(s, "选填") || cfm__span_starts(s, "false") || cfm__span_eq_ci(s, "n"))
    return 0;
  return -1;
}

int cfm__is_yes_no_word(const char *c) {
  static const char *const words[] = {"是", "否",       "必填",     "选填", "可选",  "必选", "yes",
                                      "no", "required", "optional", "true", "false", "y",    "n"};
  size_t i;
  span s = {c, strlen(c)};
  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (cfm__span_eq_ci(s, words[i]))
      return 1;
  return 0;
}

/* Where a parameter table's rows go, from the heading above it. */
const char *cfm__param_location(const char *head) {
  span h = {head, strlen(head)};
  if (cfm__span_has(h, "响应") || cfm__span_has(h, "应答") || cfm__span_has(h, "response") ||
      cfm__span_has(h, "返回"))
    return "response";
  if (cfm__span_has(h, "header") || cfm__span_has(h, "请求头"))
    return "header";
  if (cfm__span_has(h, "路径") || cfm__span_has(h, "path"))
    return "path";
  if (cfm__span_has(h, "查询") || cfm__span_has(h, "query"))
    return "query";
  if (cfm__span_has(h, "body") || cfm__span_has(h, "请求包") ||
      cfm__span_has(h, "request packet") || cfm__span_has(h, "请求体") ||
      cfm__span_has(h, "request field") || cfm__span_has(h, "请求字段"))
    return "body";
  if (cfm__span_has(h, "响应") || cfm__span_has(h, "应答") || cfm__span_has(h, "response") ||
      cfm__span_has(h, "返回"))
    return "response";
  if (cfm__span_has(h, "公共参数") || cfm__span_has(h, "common"))
    return "common";
  if (cfm__span_has(h, "请求参数") || cfm__span_has(h, "request parameters"))
    return "url";
  return NULL;
}

int cfm__looks_like_endpoint(span t) {
  static const char *const starts[] = {"GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HTTP"};
  size_t i;
  for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
    if (cfm__span_starts(t, starts[i]))
      return 1;
  return 0;
}

/* Credentials travel with the auth scheme; they are not fields. */
int cfm__is_credential(const char *name) {
  static const char *const creds[] = {"Authorization", "access_token", "accessToken",
                                      "x-acs-dingtalk-access-token"};
  size_t i;
  for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
    if (strcasecmp(name, creds[i]) == 0)
      return 1;
  return 0;
}

/* Hosts a page names that serve no API: the documentation sites
 * themselves, their assets and code hosting (matched as substrings). */
int cfm__is_doc_host(const char *host) {
  static const char *const sites[] = {"cloud.tencent.com", "www.", "cdn-go", "github.com"};
  size_t i;
  for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++)
    if (strstr(host, sites[i]))
      return 1;
  return 0;
}

/* The canonical class for an error row: HTTP status when it says, else
 * words of the description; UNKNOWN = review. */
const char *cfm__class_for(long status, const char *code, const char *text) {
  span t = {text, strlen(text)}, c = {code, strlen(code)};
  if (status >= 400 && status != 400)
    return cfm_class_name(cfm_class_from_status(status));
  if (cfm__span_has(t, "not exist") || cfm__span_has(t, "不存在") ||
      cfm__span_has(t, "not found") || cfm__span_has(c, "not.found") ||
      cfm__span_has(c, "not_found"))
    return "NOT_FOUND";
  if (cfm__span_has(t, "permission") || cfm__span_has(t, "权限") || cfm__span_has(c, "not.admin") ||
      cfm__span_has(t, "not an admin"))
    return "PERMISSION_DENIED";
  if (cfm__span_has(t, "internal") || cfm__span_has(t, "内部") ||
      cfm__span_has(t, "system error") || cfm__span_has(c, "system"))
    return "INTERNAL";
  if (cfm__span_has(t, "frequen") || cfm__span_has(t, "频率") || cfm__span_has(t, "limit"))
    return "RESOURCE_EXHAUSTED";
  if (cfm__span_has(t, "invalid") || cfm__span_has(t, "非法") || cfm__span_has(t, "无效") ||
      cfm__span_has(t, "param") || cfm__span_has(t, "参数") || cfm__span_has(t, "missing") ||
      status == 400)
    return "INVALID_ARGUMENT";
  return "UNKNOWN";
}

/* Scraped tables: "NameTypeRequiredDescription" header, then rows like
 * "groupIdLongYesThe Room group ID..." — split on a known type word
 * followed by Yes/No. */
const char *const cfm__scraped_types[] = {"String", "Long",  "Integer", "Int",    "Boolean",
                                          "Bool",   "Array", "Object",  "Number", "Double",
                                          "Float",  "List",  "Map",     "JSON"};
const size_t cfm__n_scraped_types = sizeof(cfm__scraped_types) / sizeof(cfm__scraped_types[0]);

/* Placeholders that name the tenant (app, organisation) and so belong to
 * the base URL; every other placeholder is a per-request parameter. */
int cfm__is_tenant_var(const char *name) {
  static const char *const words[] = {"app",      "org",  "tenant",    "project",
                                      "instance", "corp", "workspace", "space"};
  size_t i;
  span s = {name, strlen(name)};
  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (cfm__span_starts(s, words[i]))
      return 1;
  return 0;
}
