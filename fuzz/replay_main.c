/* Replay main for non-libFuzzer builds (after jansson's standaloneengine):
 * runs LLVMFuzzerTestOneInput on every file of the directories (or files)
 * given, and prints how many inputs each argument held.
 *
 *   <harness>_replay [--expect N] DIR|FILE...
 *
 * Fails (exit 1) on an argument that does not exist or cannot be read, on
 * a directory without inputs, on no inputs at all, and with --expect on any
 * other total than N: a renamed, lost or emptied corpus fails its test
 * instead of passing on nothing.  A crash fails the test by itself. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (!f) {
    fprintf(stderr, "replay: cannot open '%s'\n", path);
    return 1;
  }
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
    fprintf(stderr, "replay: cannot read '%s'\n", path);
    fclose(f);
    return 1;
  }
  buf = malloc((size_t)n ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "replay: cannot read '%s'\n", path);
    free(buf);
    fclose(f);
    return 1;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  return 0;
}

/* Replays one argument; returns the inputs run, or -1 when it is missing,
 * unreadable or an empty directory. */
static long replay_arg(const char *arg, int *bad) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  long count = 0;
  if (stat(arg, &st) != 0) {
    fprintf(stderr, "replay: '%s' does not exist\n", arg);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    *bad += run_file(arg);
    return 1;
  }
  d = opendir(arg);
  if (!d) {
    fprintf(stderr, "replay: cannot open directory '%s'\n", arg);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    if (e->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", arg, e->d_name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      *bad += run_file(path);
      count++;
    }
  }
  closedir(d);
  if (count == 0) {
    fprintf(stderr, "replay: directory '%s' holds no input\n", arg);
    return -1;
  }
  return count;
}

int main(int argc, char **argv) {
  int i, bad = 0, failed = 0;
  long total = 0, expect = -1;
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (i = 1; i < argc; i++) {
    long n;
    if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
      char *end;
      expect = strtol(argv[++i], &end, 10);
      if (*end || expect < 0) {
        fprintf(stderr, "replay: --expect wants a count, not '%s'\n", argv[i]);
        return 2;
      }
      continue;
    }
    n = replay_arg(argv[i], &bad);
    if (n < 0) {
      failed = 1;
      continue;
    }
    printf("replayed %ld inputs from %s\n", n, argv[i]);
    total += n;
  }
  printf("replayed %ld inputs in all, %d unreadable\n", total, bad);
  if (total == 0) {
    fprintf(stderr, "replay: no input replayed\n");
    failed = 1;
  }
  if (expect >= 0 && total != expect) {
    fprintf(stderr, "replay: replayed %ld inputs, expected %ld\n", total, expect);
    failed = 1;
  }
  return bad || failed ? 1 : 0;
}
