/* conform run against a hostile target (issue 16): a loopback server that
 * echoes the credentials it receives, in every encoding, next to escape
 * sequences, forged summary lines, U+FFFE, shell commands in ids,
 * redirects and invalid JSON.  Every output of the run -- report.json,
 * junit.xml, report.html, stdout, stderr -- is searched for every secret
 * (configured and derived) in every form and for any 8-byte piece. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_hostile.h"

/* Secrets with '/' and '+' so that every encoding differs from the raw form. */
#define TENCENT_KEY "tx/Key+9fQ2mZr7LwX4vB8nK1pS6dH3j"
#define AGORA_TOKEN "ag/Tok+Y7c2Qm9WzL4xR1vN8bT5kP3sJ6h"
#define DING_TOKEN "dt/Acc+E4r8Uy2Io6Pa1Sd5Fg9Hj3Kl7Zx"

static char dir[256];

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *data;
  long n;
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)n + 1);
  cr_assert_not_null(data);
  cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
  data[n] = '\0';
  fclose(f);
  return data;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

static void json_slash(const char *s, char *out) {
  for (; *s; s++) {
    if (*s == '/')
      *out++ = '\\';
    *out++ = *s;
  }
  *out = '\0';
}

static void url_encode(const char *s, char *out) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.')
      *out++ = (char)c;
    else
      out += sprintf(out, "%%%02X", c);
  }
  *out = '\0';
}

/* base64 of s without the last group (whose characters depend on padding). */
static void base64_core(const char *s, char *out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(s), i;
  for (i = 0; i + 3 <= n; i += 3) {
    unsigned v = (unsigned)(unsigned char)s[i] << 16 | (unsigned)(unsigned char)s[i + 1] << 8 |
                 (unsigned char)s[i + 2];
    *out++ = a[(v >> 18) & 63];
    *out++ = a[(v >> 12) & 63];
    *out++ = a[(v >> 6) & 63];
    *out++ = a[v & 63];
  }
  *out = '\0';
}

/* Fails when any 8-byte piece of any form of secret is in text. */
static void assert_no_secret(const char *what, const char *text, const char *secret) {
  char forms[4][4096];
  size_t f, i;
  snprintf(forms[0], sizeof(forms[0]), "%s", secret);
  json_slash(secret, forms[1]);
  url_encode(secret, forms[2]);
  base64_core(secret, forms[3]);
  for (f = 0; f < 4; f++)
    for (i = 0; i + 8 <= strlen(forms[f]); i++) {
      char piece[9];
      memcpy(piece, forms[f] + i, 8);
      piece[8] = '\0';
      cr_assert_null(strstr(text, piece), "%s holds '%s' (form %zu of a secret)", what, piece, f);
    }
}

/* Waits for pid at most ms milliseconds (then kills it); its wait status. */
static int wait_bounded(pid_t pid, int ms) {
  int st = 0, i;
  for (i = 0; i < ms / 20 && waitpid(pid, &st, WNOHANG) == 0; i++)
    usleep(20 * 1000);
  if (i == ms / 20) {
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
  }
  return st;
}

/* Runs conform against the hostile target; returns its wait status. */
static int run_conform(unsigned port) {
  char cfg[2048], path[512], out[512], err[512];
  pid_t pid;
  snprintf(path, sizeof(path), "%s/dingtalk.secret", dir);
  write_file(path, DING_TOKEN "\n");
  snprintf(cfg, sizeof(cfg),
           "{\"concurrency\": 4, \"timeout_ms\": 3000, \"targets\": {"
           "\"tencent-im\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": {"
           "\"sdkappid\": \"1400000000\", \"identifier\": \"administrator\","
           " \"secret_key\": {\"env\": \"CFM_HOSTILE_TENCENT\"}}},"
           "\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": {"
           "\"app_token\": {\"env\": \"CFM_HOSTILE_AGORA\"}}},"
           "\"dingtalk-rooms\": {\"base_url\": \"http://127.0.0.1:%u\", \"credentials\": {"
           "\"access_token\": {\"file\": \"%s\"}}}}}",
           port, port, port, path);
  snprintf(path, sizeof(path), "%s/conform.json", dir);
  write_file(path, cfg);
  snprintf(out, sizeof(out), "%s/stdout.txt", dir);
  snprintf(err, sizeof(err), "%s/stderr.txt", dir);
  pid = fork();
  cr_assert_neq(pid, -1);
  if (pid == 0) {
    char reports[512];
    snprintf(reports, sizeof(reports), "%s/reports", dir);
    if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
      _exit(126);
    setenv("CFM_HOSTILE_TENCENT", TENCENT_KEY, 1);
    setenv("CFM_HOSTILE_AGORA", AGORA_TOKEN, 1);
    alarm(150); /* bounded: a hung run dies of SIGALRM and fails the test */
    execl(CONFORM_BIN, CONFORM_BIN, "run", "--config", path, "--no-pace", "--reports", reports,
          (char *)NULL);
    _exit(127);
  }
  return wait_bounded(pid, 180000);
}

static cfm_hostile *target;

/* Starts the hostile target and runs conform against it once. */
static void hostile_run(void) {
  int st;
  snprintf(dir, sizeof(dir), "/tmp/conform-test-hostile-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  unlink("/tmp/cfm-hostile-pwned");
  target = cfm_hostile_start();
  cr_assert_not_null(target);
  st = run_conform(cfm_hostile_port(target));
  cr_assert(WIFEXITED(st), "conform died: status %d", st);
  cr_assert(WEXITSTATUS(st) == 1, "exit %d (want 1: contract failures)", WEXITSTATUS(st));
  cr_assert_gt(cfm_hostile_requests(target), 100);
}

static void hostile_stop(void) {
  cfm_hostile_stop(target);
  target = NULL;
}

Test(hostile, no_secret_and_no_injection_in_any_output, .init = hostile_run, .fini = hostile_stop,
     .timeout = 240) {
  static const char *const outputs[] = {"reports/latest/report.json", "reports/latest/junit.xml",
                                        "reports/latest/report.html", "stdout.txt", "stderr.txt"};
  char path[600];
  const char *cred;
  size_t i, c = 0;
  for (i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
    char *text;
    snprintf(path, sizeof(path), "%s/%s", dir, outputs[i]);
    text = slurp(path);
    cr_assert_not_null(text, "missing output %s", path);
    assert_no_secret(outputs[i], text, TENCENT_KEY);
    assert_no_secret(outputs[i], text, AGORA_TOKEN);
    assert_no_secret(outputs[i], text, DING_TOKEN);
    /* derived credentials: every usersig the target received */
    for (c = 0; (cred = cfm_hostile_credential(target, c)) != NULL; c++)
      assert_no_secret(outputs[i], text, cred);
    if (i >= 3) { /* the terminal: no escape sequence, no forged line */
      cr_assert_null(strstr(text, "\033"), "%s holds ESC", outputs[i]);
      cr_assert_null(strstr(text, "\nconform: 999 cases"), "%s: a forged summary line", outputs[i]);
      cr_assert(strncmp(text, "conform: 999 cases", 18) != 0, "%s: a forged summary line",
                outputs[i]);
    } else if (i > 0) { /* XML and HTML: no code point XML 1.0 forbids */
      cr_assert_null(strstr(text, "\xEF\xBF\xBE"), "%s holds U+FFFE", outputs[i]);
      cr_assert_null(strstr(text, "\xEF\xBF\xBF"), "%s holds U+FFFF", outputs[i]);
      cr_assert_null(strstr(text, "\033"), "%s holds ESC", outputs[i]);
    }
    free(text);
  }
  cr_assert_gt(c, 0, "the target saw no derived credential (usersig)");
  if (system("command -v xmllint >/dev/null 2>&1") == 0) {
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "xmllint --noout '%s/reports/latest/junit.xml'", dir);
    cr_assert_eq(system(cmd), 0, "junit.xml is not well-formed");
  }
}

/* Every reproduction of the run, pasted into a shell with `curl` stubbed,
 * runs nothing else: each argument is single-quoted with ' as '\'' (a
 * hostile GroupId "'$(touch ...)'" used to run a command; issue 16,
 * deliver 2). */
Test(hostile, reproductions_run_no_command, .init = hostile_run, .fini = hostile_stop,
     .timeout = 240) {
  char path[700], stub[300], env_path[400];
  json_t *doc, *cases;
  size_t i;
  snprintf(stub, sizeof(stub), "%s/bin", dir);
  cr_assert_eq(mkdir(stub, 0755), 0);
  snprintf(path, sizeof(path), "%s/curl", stub);
  write_file(path, "#!/bin/sh\nexit 0\n");
  cr_assert_eq(chmod(path, 0755), 0);
  snprintf(env_path, sizeof(env_path), "PATH=%s:/usr/bin:/bin", stub);
  snprintf(path, sizeof(path), "%s/reports/latest/report.json", dir);
  doc = json_load_file(path, 0, NULL);
  cr_assert_not_null(doc);
  cases = json_object_get(doc, "cases");
  cr_assert_gt(json_array_size(cases), 100);
  for (i = 0; i < json_array_size(cases); i++) {
    const char *repro = json_string_value(json_object_get(json_array_get(cases, i), "repro"));
    char *const envp[] = {env_path, NULL};
    pid_t pid;
    if (!repro || !*repro)
      continue;
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      alarm(5);
      execle("/bin/sh", "sh", "-c", repro, (char *)NULL, envp);
      _exit(127);
    }
    wait_bounded(pid, 5000);
    cr_assert_neq(access("/tmp/cfm-hostile-pwned", F_OK), 0,
                  "reproduction %zu ran a command the target put in an id: %s", i, repro);
  }
  json_decref(doc);
}
