/* Request building: templates, no silent truncation, the header cap, and
 * reproductions that are safe to paste into a shell (issue 16 item 2):
 * hostile ids, header values and bodies are run through `sh` with curl
 * replaced by a function, and nothing else may execute. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/request.h"
#include "conform/spec.h"

static cfm_specset specs;
static cfm_config cfg;

static void load(void) {
  cfm_error_t err;
  memset(&specs, 0, sizeof(specs));
  cfm_error_init(&err);
  cr_assert_eq(cfm_specset_add_path(&specs, CONFORM_SPECS_DIR, &err), CFM_EOK, "%s", err.text);
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_use_mock(&cfg, 9), 0);
}

static void unload(void) {
  cfm_config_release(&cfg);
  cfm_specset_release(&specs);
}

TestSuite(request, .init = load, .fini = unload);

static const cfm_spec *spec_of(const char *vendor) {
  size_t i;
  for (i = 0; i < specs.count; i++)
    if (!strcmp(specs.items[i]->vendor, vendor))
      return specs.items[i];
  return NULL;
}

static void redact_cb(const void *user, const char *in, char *out, size_t cap) {
  cfm_redact(user, in, out, cap);
}

/* Builds op of vendor with template text and variables vars. */
static int build(const char *vendor, const char *op, const char *tmpl, json_t *vars, cfm_request *r,
                 cfm_error_t *err) {
  const cfm_spec *spec = spec_of(vendor);
  json_t *req = json_loads(tmpl, 0, NULL);
  cfm_tmpl t = {"cfm-test", 0, vars, spec, cfm_config_target(&cfg, vendor)};
  cfm_request_args a = {cfm_spec_operation(spec, op), req, CFM_AUTH_VALID, NULL, 1700000000, 7};
  int rc;
  cr_assert_not_null(req);
  cfm_error_init(err);
  rc = cfm_request_build(&t, &a, r, err);
  json_decref(req);
  return rc;
}

/* Runs repro under sh with curl as a function that writes its arguments,
 * one per line, to args; returns the file's text (malloc'd). */
static char *run_repro(const char *repro, const char *dir) {
  char script[600], args[600], cmd[1400];
  FILE *f;
  char *text;
  long n;
  snprintf(script, sizeof(script), "%s/repro.sh", dir);
  snprintf(args, sizeof(args), "%s/args", dir);
  f = fopen(script, "w");
  cr_assert_not_null(f);
  fprintf(f, "curl() { for a in \"$@\"; do printf '%%s\\n' \"$a\"; done > '%s'; }\n%s\n", args,
          repro);
  fclose(f);
  snprintf(cmd, sizeof(cmd), "cd '%s' && /bin/sh '%s'", dir, script);
  cr_assert_eq(system(cmd), 0, "%s", repro);
  f = fopen(args, "r");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  rewind(f);
  text = calloc(1, (size_t)n + 1);
  cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  return text;
}

Test(request, hostile_values_never_execute_from_a_reproduction) {
  char dir[] = "/tmp/conform-repro-XXXXXX", marker[200], tmpl[1200], cmd[300];
  static const char *const hostile[] = {
      "@TGS#2C'$(touch MARK)'",  "'; touch MARK; '",   "$(touch MARK)", "`touch MARK`",
      "a'\\''b\"; touch MARK #", "x'\n touch MARK\n'", "''''",
  };
  size_t i;
  cr_assert_not_null(mkdtemp(dir));
  snprintf(marker, sizeof(marker), "%s/MARK", dir);
  for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
    cfm_request r;
    cfm_error_t err;
    json_t *vars = json_pack("{s:s}", "gid", hostile[i]);
    char *repro, *args, *want_body;
    struct stat st;
    snprintf(tmpl, sizeof(tmpl),
             "{\"body\": {\"GroupId\": \"${gid}\"}, \"headers\": {\"X-Evil\": \"${gid}\"}, "
             "\"query\": {\"q\": \"${gid}\"}}");
    cr_assert_eq(build("tencent-im", "destroy_group", tmpl, vars, &r, &err), CFM_EOK, "%s",
                 err.text);
    repro = cfm_request_repro(&r, redact_cb, &cfg);
    cr_assert_not_null(repro);
    args = run_repro(repro, dir);
    cr_assert_neq(stat(marker, &st), 0, "the reproduction ran a command: %s", repro);
    /* The body reached curl as one argument, byte for byte. */
    want_body = malloc(r.body.len + 2);
    snprintf(want_body, r.body.len + 2, "%s\n", cfm_buf_str(&r.body));
    cr_assert(strstr(args, want_body) != NULL, "body not passed intact:\n%s\nwant %s", args,
              want_body);
    free(want_body);
    free(args);
    free(repro);
    cfm_request_release(&r);
    json_decref(vars);
  }
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(request, repro_redacts_credentials_of_every_argument) {
  cfm_request r;
  cfm_error_t err;
  char *repro;
  const cfm_target *t = cfm_config_target(&cfg, "agora-chat");
  const char *token = json_string_value(json_object_get(t->credentials, "app_token"));
  cr_assert_eq(
      build("agora-chat", "create_group", "{\"body\": {\"groupname\": \"g\"}}", NULL, &r, &err),
      CFM_EOK, "%s", err.text);
  repro = cfm_request_repro(&r, redact_cb, &cfg);
  cr_assert_not_null(repro);
  cr_assert_not_null(token);
  cr_assert_null(strstr(repro, token), "%s", repro);
  cr_assert(strstr(repro, "curl -sS -X POST '") == repro, "%s", repro);
  free(repro);
  cfm_request_release(&r);
}

Test(request, long_path_and_query_values_are_not_cut) {
  cfm_request r;
  cfm_error_t err;
  size_t n = 20000;
  char *big = malloc(n + 1), *tmpl = malloc(2 * n + 200);
  memset(big, 'a', n);
  big[n] = '\0';
  snprintf(tmpl, 2 * n + 200, "{\"path\": {\"group_id\": \"%s\"}, \"query\": {\"q\": \"%s\"}}", big,
           big);
  cr_assert_eq(build("agora-chat", "disable_group", tmpl, NULL, &r, &err), CFM_EOK, "%s", err.text);
  /* Both values whole: the old 8 KiB buffers cut them. */
  cr_assert_gt(r.url.len, 2 * n);
  cfm_request_release(&r);
  free(big);
  free(tmpl);
}

Test(request, too_many_headers_is_an_error_not_a_drop) {
  cfm_request r;
  cfm_error_t err;
  char tmpl[8000] = "{\"headers\": {";
  size_t i;
  for (i = 0; i < 100; i++)
    snprintf(tmpl + strlen(tmpl), sizeof(tmpl) - strlen(tmpl), "%s\"X-H%zu\": \"v\"", i ? ", " : "",
             i);
  strcat(tmpl, "}}");
  cr_assert_eq(build("agora-chat", "create_group", tmpl, NULL, &r, &err), CFM_ETOOBIG);
  cr_assert(strstr(err.text, "headers"), "%s", err.text);
  cfm_request_release(&r);
  /* 20 headers (more than the old 16) all go out. */
  strcpy(tmpl, "{\"headers\": {");
  for (i = 0; i < 20; i++)
    snprintf(tmpl + strlen(tmpl), sizeof(tmpl) - strlen(tmpl), "%s\"X-H%zu\": \"v\"", i ? ", " : "",
             i);
  strcat(tmpl, "}}");
  cr_assert_eq(build("agora-chat", "create_group", tmpl, NULL, &r, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(r.nheaders, 22); /* + Authorization, Accept */
  cfm_request_release(&r);
}

Test(request, templates_resolve_whole_values_and_splices) {
  json_t *vars = json_pack("{s:i, s:s}", "n", 42, "s", "x");
  const cfm_spec *spec = spec_of("agora-chat");
  cfm_tmpl t = {"cfm-run", 3, vars, spec, NULL};
  json_t *in =
      json_loads("{\"a\":\"${n}\",\"b\":\"id-${s}-${i}-${run}\",\"c\":\"${nope}\"}", 0, NULL);
  char missing[64] = "";
  json_t *out = cfm_tmpl_resolve(&t, in, missing, sizeof(missing));
  cr_assert_eq(json_integer_value(json_object_get(out, "a")), 42);
  cr_assert_str_eq(json_string_value(json_object_get(out, "b")), "id-x-3-cfm-run");
  cr_assert_str_eq(json_string_value(json_object_get(out, "c")), "${nope}");
  cr_assert_str_eq(missing, "nope");
  json_decref(out);
  json_decref(in);
  json_decref(vars);
}
