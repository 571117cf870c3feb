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

#include "conform/repro.h"
#include "conform/request.h"
#include "conform/sanitize.h"
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

/* ---- full reproductions (issue 20, "Reproductions") ------------------------ */

/* Makes the reproduction of r as the run does (valid credentials). */
static void make_repro(const char *vendor, const cfm_request *r, const char *file, cfm_repro *p) {
  cfm_repro_auth auth;
  cfm_repro_opts o;
  cfm_repro_auth_of(spec_of(vendor), &auth);
  o.cfg = &cfg;
  o.auth = &auth;
  o.body_file = file;
  cr_assert_eq(cfm_repro_make(r, &o, p), CFM_EOK);
}

/* Runs repro under sh with env set (a "NAME=value; export NAME" line). */
static char *run_repro_env(const char *env, const char *repro, const char *dir) {
  char *both = malloc(strlen(env) + strlen(repro) + 2);
  char *args;
  sprintf(both, "%s\n%s", env, repro);
  args = run_repro(both, dir);
  free(both);
  return args;
}

Test(request, credentials_are_environment_references) {
  static const struct {
    const char *vendor, *op, *env, *want;
  } v[] = {
      {"agora-chat", "create_group", "AGORA_APP_TOKEN", "Authorization: Bearer tok-1'$x\n"},
      {"dingtalk-rooms", "create_group", "DINGTALK_ACCESS_TOKEN",
       "x-acs-dingtalk-access-token: tok-1'$x\n"},
      {"tencent-im", "destroy_group", "TENCENT_USERSIG", "&usersig=tok-1'$x&"},
  };
  char dir[] = "/tmp/conform-repro-XXXXXX", env[200], ref[64], cmd[300];
  size_t i;
  cr_assert_not_null(mkdtemp(dir));
  for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    cfm_request r;
    cfm_error_t err;
    cfm_repro p;
    char *args, *redacted;
    size_t n;
    cr_assert_eq(build(v[i].vendor, v[i].op, "{\"body\": {}}", NULL, &r, &err), CFM_EOK, "%s",
                 err.text);
    make_repro(v[i].vendor, &r, NULL, &p);
    snprintf(ref, sizeof(ref), "$%s\"", v[i].env);
    cr_assert_not_null(strstr(p.command, ref), "%s", p.command);
    cr_assert_null(strstr(p.command, ": REDACTED"), "%s", p.command);
    cr_assert_null(strstr(p.command, "usersig=REDACTED"), "%s", p.command);
    /* Every sink's sanitiser keeps the reference whole. */
    redacted = cfm_sanitize(&cfg, p.command, strlen(p.command), 1u << 20, CFM_SINK_RAW, &n);
    cr_assert_str_eq(redacted, p.command);
    free(redacted);
    /* The shell fills it in, as one argument, whatever the value holds. */
    snprintf(env, sizeof(env), "%s='tok-1'\\''$x'; export %s", v[i].env, v[i].env);
    args = run_repro_env(env, p.command, dir);
    cr_assert_not_null(strstr(args, v[i].want), "%s: %s", p.command, args);
    free(args);
    cfm_repro_release(&p);
    cfm_request_release(&r);
  }
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(request, a_wrong_credential_stays_redacted_not_referenced) {
  cfm_request r;
  cfm_error_t err;
  cfm_repro p;
  cfm_repro_opts o = {&cfg, NULL, NULL}; /* no auth: what an auth case sends */
  cr_assert_eq(build("agora-chat", "create_group", "{\"body\": {}}", NULL, &r, &err), CFM_EOK);
  cr_assert_eq(cfm_repro_make(&r, &o, &p), CFM_EOK);
  cr_assert_null(strstr(p.command, "$AGORA_APP_TOKEN"), "%s", p.command);
  cr_assert_not_null(strstr(p.command, "REDACTED"), "%s", p.command);
  cfm_repro_release(&p);
  cfm_request_release(&r);
}

/* 1 when s holds only valid UTF-8. */
static int valid_utf8(const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    size_t k = *u < 0x80 ? 1 : (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3 : 4, i;
    for (i = 1; i < k; i++)
      if ((u[i] & 0xC0) != 0x80)
        return 0;
    u += k;
  }
  return 1;
}

Test(request, long_bodies_go_to_a_file_whole_and_never_execute) {
  char dir[] = "/tmp/conform-repro-XXXXXX", marker[200], path[300], cmd[300], tmpl[8000];
  char big[5000] = "";
  cfm_request r;
  cfm_error_t err;
  cfm_repro p;
  char *args;
  FILE *f;
  struct stat st;
  size_t i;
  cr_assert_not_null(mkdtemp(dir));
  snprintf(marker, sizeof(marker), "%s/MARK", dir);
  for (i = 0; i < 700; i++)
    strcat(big, "\xE7\xBE\xA4"); /* 群: the limit cases' text */
  strcat(big, "'$(touch MARK)'`touch MARK`");
  snprintf(tmpl, sizeof(tmpl), "{\"body\": {\"groupname\": \"%s\"}}", big);
  cr_assert_eq(build("agora-chat", "create_group", tmpl, NULL, &r, &err), CFM_EOK, "%s", err.text);
  cr_assert_gt(r.body.len, CFM_REPRO_INLINE_MAX);
  make_repro("agora-chat", &r, "repro/agora-chat.create_group.limit.x.json", &p);
  cr_assert_not_null(
      strstr(p.command, " --data-binary '@repro/agora-chat.create_group.limit.x.json'"), "%s",
      p.command);
  cr_assert_lt(strlen(p.command), 1024, "%s", p.command);
  cr_assert_not_null(p.body);
  /* The file holds the body whole, byte for byte. */
  cr_assert_eq(p.body_len, r.body.len);
  cr_assert_eq(memcmp(p.body, r.body.data, r.body.len), 0);
  snprintf(path, sizeof(path), "%s/repro", dir);
  cr_assert_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/repro/agora-chat.create_group.limit.x.json", dir);
  f = fopen(path, "wb");
  cr_assert_eq(fwrite(p.body, 1, p.body_len, f), p.body_len);
  fclose(f);
  args = run_repro_env("AGORA_APP_TOKEN=t; export AGORA_APP_TOKEN", p.command, dir);
  cr_assert_neq(stat(marker, &st), 0, "the reproduction ran a command: %s", p.command);
  cr_assert_not_null(strstr(args, "\n@repro/agora-chat.create_group.limit.x.json\n"), "%s", args);
  free(args);
  cfm_repro_release(&p);
  /* Without a file (clean-up's reproductions) the body is cut between
   * characters, never inside one. */
  args = cfm_request_repro(&r, redact_cb, &cfg);
  cr_assert(valid_utf8(args), "cut inside a character");
  cr_assert_not_null(strstr(args, "...'"), "%s", args);
  free(args);
  cfm_request_release(&r);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(request, body_file_names_are_plain_files_under_repro) {
  char out[300];
  cfm_repro_body_path("a.b/../../etc/x y", out, sizeof(out));
  cr_assert_str_eq(out, "repro/a.b_.__.__etc_x_y.json");
  cr_assert(cfm_repro_body_path_ok(out));
  cfm_repro_body_path(".hidden", out, sizeof(out));
  cr_assert_str_eq(out, "repro/_hidden.json");
  cr_assert_not(cfm_repro_body_path_ok("repro/../x.json"));
  cr_assert_not(cfm_repro_body_path_ok("/etc/passwd"));
  cr_assert_not(cfm_repro_body_path_ok("repro/a/b.json"));
}
