/* Whole-file reads with a cap (fileio.c), and the in-memory parsers that
 * the loaders share with the fuzz harnesses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform/fileio.h"
#include "conform/report.h"
#include "conform/target.h"

static char tmpdir[64];

static void make_dir(void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/conform-fileio-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_dir(void) {
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  cr_assert_eq(system(cmd), 0);
}

/* Writes len bytes of text to tmpdir/name; the path goes to path. */
static void put(const char *name, const char *text, size_t len, char *path, size_t cap) {
  FILE *f;
  snprintf(path, cap, "%s/%s", tmpdir, name);
  f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(text, 1, len, f), len);
  cr_assert_eq(fclose(f), 0);
}

TestSuite(fileio, .init = make_dir, .fini = remove_dir);

Test(fileio, reads_a_regular_file_whole_and_terminated) {
  char path[128], *data;
  size_t len = 99;
  cfm_error_t err;
  put("a.txt", "hello\0world", 11, path, sizeof(path));
  cfm_error_init(&err);
  cr_assert_eq(cfm_read_file(path, 11, &data, &len, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(len, 11);
  cr_assert_eq(memcmp(data, "hello\0world", 11), 0);
  cr_assert_eq(data[11], '\0');
  free(data);
  put("empty", "", 0, path, sizeof(path));
  cr_assert_eq(cfm_read_file(path, 11, &data, &len, &err), CFM_EOK);
  cr_assert_eq(len, 0);
  cr_assert_eq(data[0], '\0');
  free(data);
}

Test(fileio, a_file_over_the_cap_is_refused) {
  char path[128], *data = (char *)1;
  size_t len;
  cfm_error_t err;
  put("big.txt", "0123456789", 10, path, sizeof(path));
  cfm_error_init(&err);
  cr_assert_eq(cfm_read_file(path, 9, &data, &len, &err), CFM_ETOOBIG);
  cr_assert_null(data);
  cr_assert(strstr(err.text, "larger than 9 bytes"), "%s", err.text);
}

/* A stream has no size: it is read in growing chunks up to the cap. */
static int pipe_with(const char *text, size_t len, char *path, size_t cap) {
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  cr_assert_eq(write(fds[1], text, len), (ssize_t)len);
  close(fds[1]);
  snprintf(path, cap, "/proc/self/fd/%d", fds[0]);
  return fds[0];
}

Test(fileio, reads_a_stream_and_caps_it) {
  static char text[20000];
  char path[64], *data;
  size_t len;
  cfm_error_t err;
  int fd;
  memset(text, 'x', sizeof(text));
  text[sizeof(text) - 1] = 'y';
  fd = pipe_with(text, sizeof(text), path, sizeof(path));
  cfm_error_init(&err);
  cr_assert_eq(cfm_read_file(path, sizeof(text), &data, &len, &err), CFM_EOK, "%s", err.text);
  cr_assert_eq(len, sizeof(text));
  cr_assert_eq(data[len - 1], 'y');
  cr_assert_eq(data[len], '\0');
  free(data);
  close(fd);
  fd = pipe_with(text, sizeof(text), path, sizeof(path));
  cr_assert_eq(cfm_read_file(path, sizeof(text) - 1, &data, &len, NULL), CFM_ETOOBIG);
  cr_assert_null(data);
  close(fd);
}

Test(fileio, missing_files_and_directories_are_io_errors) {
  char path[128], *data;
  size_t len;
  cfm_error_t err;
  snprintf(path, sizeof(path), "%s/nope", tmpdir);
  cfm_error_init(&err);
  cr_assert_eq(cfm_read_file(path, 100, &data, &len, &err), CFM_EIO);
  cr_assert(strstr(err.text, "cannot open"), "%s", err.text);
  cfm_error_init(&err);
  cr_assert_eq(cfm_read_file(tmpdir, 100, &data, &len, &err), CFM_EIO);
  cr_assert(strstr(err.text, "not a regular file"), "%s", err.text);
}

Test(fileio, json_load_reports_the_parse_error_with_the_file) {
  char path[128];
  cfm_error_t err;
  json_t *j;
  put("ok.json", "{\"a\": [1, 2]}", 13, path, sizeof(path));
  j = cfm_json_load_file(path, 100, NULL);
  cr_assert_eq(json_integer_value(json_array_get(json_object_get(j, "a"), 1)), 2);
  json_decref(j);
  put("bad.json", "{\"a\": ", 6, path, sizeof(path));
  cfm_error_init(&err);
  cr_assert_null(cfm_json_load_file(path, 100, &err));
  cr_assert_eq(err.code, CFM_EPARSE);
  cr_assert_str_eq(err.where, path);
}

Test(fileio, config_parses_from_memory_like_from_a_file) {
  static const char text[] =
      "{\"concurrency\": 5, \"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:1\"}}}";
  cfm_config cfg;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_parse(&cfg, "mem", text, sizeof(text) - 1, &err), CFM_EOK, "%s",
               err.text);
  cr_assert_eq(cfg.concurrency, 5);
  cr_assert_str_eq(cfm_config_target(&cfg, "agora-chat")->base_url, "http://127.0.0.1:1");
  cfm_config_release(&cfg);
  cfm_config_init(&cfg);
  cr_assert_eq(cfm_config_parse(&cfg, "mem", text, 10, &err), CFM_ECONFIG);
  cfm_config_release(&cfg);
}

Test(fileio, a_secret_file_over_its_cap_is_a_config_error) {
  static char big[9000];
  char secret[128], text[300];
  cfm_config cfg;
  cfm_error_t err;
  memset(big, 's', sizeof(big));
  put("secret", big, sizeof(big), secret, sizeof(secret));
  snprintf(
      text, sizeof(text),
      "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": {\"file\": \"%s\"}}}}}",
      secret);
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_parse(&cfg, "mem", text, strlen(text), &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "cannot read secret file") && strstr(err.text, "larger than"), "%s",
            err.text);
  cr_assert_str_eq(err.pointer, "/targets/agora-chat/credentials/app_token");
  cfm_config_release(&cfg);
}

Test(fileio, baseline_parses_from_memory) {
  static const char text[] = "{\"format\": \"conform-baseline/1\", \"entries\": ["
                             "{\"id\": \"a.b.c\", \"vendor_code\": 10010}]}";
  cfm_baseline *b;
  cfm_error_t err;
  cfm_error_init(&err);
  cr_assert_eq(cfm_baseline_parse("mem", text, sizeof(text) - 1, &b, &err), CFM_EOK, "%s",
               err.text);
  cr_assert(cfm_baseline_accepts(b, "a.b.c", "10010"));
  cr_assert_not(cfm_baseline_accepts(b, "a.b.c", "10011"));
  cfm_baseline_free(b);
  cr_assert_eq(cfm_baseline_parse("mem", "{\"format\": 1}", 13, &b, NULL), CFM_ECONFIG);
  cr_assert_null(b);
}

Test(fileio, a_secret_file_must_be_a_regular_file_or_a_pipe) {
  static const char text[] = "{\"targets\": {\"agora-chat\": {\"credentials\": {\"app_token\": "
                             "{\"file\": \"/dev/null\"}}}}}";
  cfm_config cfg;
  cfm_error_t err;
  cfm_config_init(&cfg);
  cfm_error_init(&err);
  cr_assert_eq(cfm_config_parse(&cfg, "mem", text, sizeof(text) - 1, &err), CFM_ECONFIG);
  cr_assert(strstr(err.text, "not a regular file or a pipe"), "%s", err.text);
  cfm_config_release(&cfg);
}
