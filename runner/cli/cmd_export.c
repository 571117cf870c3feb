/* conform export openapi — a spec as OpenAPI 3.1, with x-conform-*
 * extensions for what OpenAPI cannot say (in-body error codes, error
 * tables, rate limits, provenance). */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conform/spec.h"

static void usage(FILE *f) {
  fputs("usage: conform export openapi [-o FILE] SPEC\n\n"
        "Writes the spec as an OpenAPI 3.1 document (JSON). Servers come from the\n"
        "documented hosts, parameters and request bodies from the parameters,\n"
        "responses from the response schemas; error tables, the error model,\n"
        "rate limits and provenance travel as x-conform-* extensions.\n",
        f);
}

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* A JSON Schema for a parameter (new reference). */
static json_t *param_schema(const json_t *p) {
  json_t *s = json_pack("{s:s}", "type", str(p, "type") ? str(p, "type") : "string");
  const json_t *l;
  size_t i;
  if (json_object_get(p, "items"))
    json_object_set(s, "items", json_object_get(p, "items"));
  if (json_object_get(p, "enum"))
    json_object_set(s, "enum", json_object_get(p, "enum"));
  if (json_object_get(p, "default"))
    json_object_set(s, "default", json_object_get(p, "default"));
  json_array_foreach(json_object_get(p, "limits"), i, l) {
    const char *k = str(l, "kind");
    json_t *max = json_object_get(l, "max"), *min = json_object_get(l, "min");
    if (!k)
      continue;
    if (!strcmp(k, "max_length"))
      json_object_set(s, "maxLength", max);
    else if (!strcmp(k, "max_bytes"))
      json_object_set(s, "x-maxBytes", max);
    else if (!strcmp(k, "max_items") && str(p, "style"))
      json_object_set(s, "x-maxItems", max);
    else if (!strcmp(k, "max_items"))
      json_object_set(s, "maxItems", max);
    else if (!strcmp(k, "range")) {
      if (min)
        json_object_set(s, "minimum", min);
      /* Clamped bounds are served, not refused: say so instead of maximum. */
      if (str(l, "above") && !strcmp(str(l, "above"), "clamp"))
        json_object_set(s, "x-conform-clamp-above", max);
      else
        json_object_set(s, "maximum", max);
    }
  }
  return s;
}

/* Servers from the documented hosts (else the local mock); {variables} in
 * the base path become the first server's variables with their defaults. */
static void export_servers(const json_t *root, const json_t *t, json_t *servers) {
  const char *base = str(t, "base_url"), *vn;
  const char *rest = base && !strncmp(base, "https://{host}", 14) ? base + 14 : "";
  const json_t *h;
  json_t *vv, *s0;
  size_t i;
  json_array_foreach(json_object_get(t, "hosts"), i, h) {
    char url[512];
    snprintf(url, sizeof(url), "https://%s%s", str(h, "host"), rest);
    json_array_append_new(servers, json_pack("{s:s, s:s}", "url", url, "description",
                                             str(h, "region") ? str(h, "region") : ""));
  }
  if (json_array_size(servers) == 0) {
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:8080%s", rest);
    json_array_append_new(servers, json_pack("{s:s, s:s}", "url", url, "description",
                                             "the documents name no host; the local mock"));
  }
  s0 = json_array_get(servers, 0);
  json_object_foreach(json_object_get(root, "variables"), vn, vv) {
    char needle[80];
    snprintf(needle, sizeof(needle), "{%s}", vn);
    if (strstr(json_string_value(json_object_get(s0, "url")), needle)) {
      json_t *vars = json_object_get(s0, "variables");
      if (!vars) {
        vars = json_object();
        json_object_set_new(s0, "variables", vars);
      }
      json_object_set_new(vars, vn, json_pack("{s:O}", "default", json_object_get(vv, "default")));
    }
  }
}

/* The security scheme of the spec's auth (into sec, as "auth"). */
static void export_security(const json_t *t, json_t *sec) {
  const char *scheme = str(json_object_get(t, "auth"), "scheme");
  if (scheme && !strcmp(scheme, "bearer"))
    json_object_set_new(sec, "auth", json_pack("{s:s, s:s}", "type", "http", "scheme", "bearer"));
  else if (scheme && !strcmp(scheme, "header_token"))
    json_object_set_new(sec, "auth",
                        json_pack("{s:s, s:s, s:s}", "type", "apiKey", "in", "header", "name",
                                  str(json_object_get(t, "auth"), "header")));
  else
    json_object_set_new(sec, "auth",
                        json_pack("{s:s, s:s, s:s, s:s}", "type", "apiKey", "in", "query", "name",
                                  "usersig", "description",
                                  "Tencent UserSig (TLS sig v2) with sdkappid, "
                                  "identifier, random and contenttype=json"));
}

/* One non-body parameter (new).  Its example value: the document's, else
 * the default, else the spec's never-existing id (peer tools need one to
 * send a request). */
static json_t *export_param(const json_t *op, const json_t *p, const char *in) {
  const json_t *exreq =
      json_object_get(json_array_get(json_object_get(op, "examples"), 0), "request");
  const json_t *exv = json_object_get(json_object_get(exreq, in), str(p, "name"));
  json_t *po = json_pack("{s:s, s:s, s:b, s:o}", "name", str(p, "name"), "in", in, "required",
                         json_is_true(json_object_get(p, "required")) || !strcmp(in, "path"),
                         "schema", param_schema(p));
  if (!exv)
    exv = json_object_get(p, "default");
  if (!exv)
    exv = json_object_get(p, "absent");
  if (!exv && !strcmp(in, "path"))
    exv = json_object_get(p, "name");
  if (exv)
    json_object_set(po, "example", (json_t *)exv);
  return po;
}

/* The operation's parameters and request body into o. */
static void export_params(const json_t *op, json_t *o) {
  json_t *params = json_array(), *props = json_object(), *required = json_array();
  const json_t *p;
  size_t k;
  int has_body = 0;
  json_array_foreach(json_object_get(op, "params"), k, p) {
    const char *in = str(p, "in");
    if (!strcmp(in, "body")) {
      has_body = 1;
      json_object_set_new(props, str(p, "name"), param_schema(p));
      if (json_is_true(json_object_get(p, "required")))
        json_array_append_new(required, json_string(str(p, "name")));
      continue;
    }
    if (!strcmp(in, "header") &&
        (!strcasecmp(str(p, "name"), "Content-Type") || !strcasecmp(str(p, "name"), "Accept") ||
         !strcasecmp(str(p, "name"), "Authorization")))
      continue; /* OpenAPI describes these itself */
    json_array_append_new(params, export_param(op, p, in));
  }
  json_object_set_new(o, "parameters", params);
  if (has_body)
    json_object_set_new(o, "requestBody",
                        json_pack("{s:b, s:{s:{s:{s:s, s:o, s:o}}}}", "required", 1, "content",
                                  "application/json", "schema", "type", "object", "properties",
                                  props, "required", required));
  else {
    json_decref(props);
    json_decref(required);
  }
}

/* The documented success and the HTTP error statuses of the tables (not
 * in-body codes) into o's responses. */
static void export_responses(const json_t *op, json_t *o) {
  const json_t *resp = json_object_get(op, "response"), *p;
  char st[24];
  json_t *schema = json_object_get(resp, "schema") ? json_deep_copy(json_object_get(resp, "schema"))
                                                   : json_object();
  const json_t *ex = json_object_get(
      json_object_get(json_array_get(json_object_get(op, "examples"), 0), "response"), "body");
  json_t *media = json_pack("{s:o}", "schema", schema);
  size_t k;
  snprintf(st, sizeof(st), "%lld",
           json_integer_value(json_object_get(resp, "status"))
               ? (long long)json_integer_value(json_object_get(resp, "status"))
               : 200LL);
  if (ex)
    json_object_set(media, "example", (json_t *)ex);
  json_object_set_new(o, "responses",
                      json_pack("{s:{s:s, s:{s:o}}}", st, "description", "documented success",
                                "content", "application/json", media));
  json_array_foreach(json_object_get(op, "errors"), k, p) {
    long long status = (long long)json_integer_value(json_object_get(p, "status"));
    if (status < 400)
      continue;
    snprintf(st, sizeof(st), "%lld", status);
    if (!json_object_get(json_object_get(o, "responses"), st))
      json_object_set_new(
          json_object_get(o, "responses"), st,
          json_pack("{s:s}", "description", str(p, "when") ? str(p, "when") : "error"));
  }
}

/* One operation into its path item of paths. */
static void export_operation(const json_t *op, json_t *paths) {
  const char *path = str(op, "path");
  char method[16];
  json_t *item = json_object_get(paths, path), *o;
  size_t k;
  if (!item) {
    item = json_object();
    json_object_set_new(paths, path, item);
  }
  snprintf(method, sizeof(method), "%s", str(op, "method"));
  for (k = 0; method[k]; k++)
    method[k] = (char)(method[k] >= 'A' && method[k] <= 'Z' ? method[k] + 32 : method[k]);
  o = json_pack("{s:s, s:s}", "operationId", str(op, "id"), "summary",
                str(op, "summary") ? str(op, "summary") : str(op, "id"));
  export_params(op, o);
  export_responses(op, o);
  json_object_set(o, "x-conform-errors", json_object_get(op, "errors"));
  if (json_object_get(op, "rate_limit"))
    json_object_set(o, "x-conform-rate-limit", json_object_get(op, "rate_limit"));
  json_object_set(o, "x-conform-provenance", json_object_get(op, "provenance"));
  json_object_set_new(item, method, o);
}

static json_t *export_spec(const cfm_spec *spec) {
  const json_t *root = spec->root, *t = json_object_get(root, "transport"), *op;
  json_t *doc =
      json_pack("{s:s, s:{s:s, s:s}, s:[], s:{}, s:{s:{}}}", "openapi", "3.1.0", "info", "title",
                str(root, "title") ? str(root, "title") : spec->vendor, "version", "conform-spec/1",
                "servers", "paths", "components", "securitySchemes");
  size_t i;
  export_servers(root, t, json_object_get(doc, "servers"));
  export_security(t, json_object_get(json_object_get(doc, "components"), "securitySchemes"));
  json_object_set_new(doc, "security", json_pack("[{s:[]}]", "auth"));
  json_object_set(doc, "x-conform-error-model", json_object_get(t, "error_model"));
  json_object_set(doc, "x-conform-errors", json_object_get(t, "errors"));
  if (json_object_get(t, "rate_limit"))
    json_object_set(doc, "x-conform-rate-limit", json_object_get(t, "rate_limit"));
  json_array_foreach(json_object_get(root, "operations"), i, op) {
    export_operation(op, json_object_get(doc, "paths"));
  }
  return doc;
}

int cmd_export(int argc, char **argv) {
  const char *out = NULL, *path = NULL;
  cfm_spec *spec;
  cfm_error_t err;
  json_t *doc;
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"output", required_argument, NULL, 'o'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"export", "ho:", lo, 0, ""};
  int rc, c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'o') {
      out = optarg;
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return cfm_cli_usage_error("export", "no format given (openapi)");
  if (strcmp(argv[optind], "openapi"))
    return cfm_cli_usage_error("export", "unknown format '%s' (openapi)", argv[optind]);
  if (optind + 1 >= argc)
    return cfm_cli_usage_error("export", "no spec given (SPEC)");
  if (optind + 2 < argc)
    return cfm_cli_usage_error("export", "unexpected argument '%s'", argv[optind + 2]);
  path = argv[optind + 1];
  cfm_error_init(&err);
  if (cfm_spec_load(path, &spec, &err) != CFM_EOK || cfm_spec_check(spec, &err) != CFM_EOK) {
    cfm_spec_free(spec);
    return cfm_cli_input_failure(&err);
  }
  doc = export_spec(spec);
  cfm_spec_free(spec);
  if (!doc) {
    cfm_cli_error("out of memory");
    return CFM_EXIT_INTERNAL;
  }
  rc = out ? json_dump_file(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
           : json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (!out)
    putchar('\n');
  json_decref(doc);
  if (rc) {
    cfm_cli_error("cannot write '%s'", out ? out : "stdout");
    return CFM_EXIT_INTERNAL;
  }
  return CFM_EXIT_OK;
}
