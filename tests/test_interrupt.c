/* SIGINT in the middle of a run against a live target: the run stops,
 * deletes every group it created, and dies of the signal. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "conform/jsonutil.h"
#include "conform/mock.h"

static size_t count_at(cfm_mock *m, const char *url, const char *header, const char *ptr) {
  int status = 0;
  char *body = NULL;
  size_t len = 0, n;
  const char *ct;
  json_t *j;
  cr_assert_eq(cfm_mock_handle(m, "GET", url, header, "", 0, &status, &body, &len, &ct), 0);
  cr_assert_eq(status, 200, "%s", body);
  j = cfm_json_parse(body, len, 1 << 24, NULL, 0);
  n = json_array_size(cfm_json_pointer(j, ptr));
  json_decref(j);
  free(body);
  return n;
}

/* Interrupts `conform run` with sig once groups exist; it must die of sig
 * (130 / 143 in a shell) after deleting every group it created. */
static void interrupt_with(int sig) {
  cfm_mock_config mc;
  cfm_mock *m;
  char why[256], cfg[] = "/tmp/conform-int-XXXXXX", port[16];
  FILE *f;
  pid_t pid;
  int st = 0, i;
  cfm_mock_config_init(&mc);
  cr_assert_eq(cfm_mock_start(&mc, &m, why, sizeof(why)), 0, "%s", why);
  snprintf(port, sizeof(port), "%u", (unsigned)cfm_mock_port(m));
  f = fdopen(mkstemp(cfg), "w");
  fprintf(f,
          "{\"targets\": {\"agora-chat\": {\"base_url\": \"http://127.0.0.1:%s\", \"credentials\": "
          "{\"app_token\": \"conform-demo-app-token\"}}, \"dingtalk-rooms\": {\"base_url\": "
          "\"http://127.0.0.1:%s\", \"credentials\": {\"access_token\": "
          "\"conform-demo-access-token\"}}}}",
          port, port);
  fclose(f);
  pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", 1);
    dup2(null, 1);
    dup2(null, 2);
    execl(CONFORM_BIN, "conform", "run", "--config", cfg, "--no-pace", "--no-reports", "--repeat",
          "200", "--vendor", "agora-chat", "--exclude", "*walk*", CONFORM_SPECS_DIR, (char *)NULL);
    _exit(127);
  }
  /* Interrupt as soon as the run holds groups: the order of events (groups
   * seen, then SIGINT) is what matters, not how long either takes. */
  for (i = 0; i < 3000 && count_at(m, "/app-id/conform-demo-app/chatgroups?limit=1000",
                                   "Authorization: Bearer conform-demo-app-token\n", "/data") == 0;
       i++)
    usleep(5000);
  cr_assert_lt(i, 3000, "the run never held a group");
  kill(pid, sig);
  for (i = 0; i < 600; i++) {
    if (waitpid(pid, &st, WNOHANG) == pid)
      break;
    usleep(50000);
  }
  cr_assert_lt(i, 600, "the run must stop within 30 s of SIGINT");
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == sig, "status %d (want signal %d)", st, sig);
  cr_assert_eq(count_at(m, "/app-id/conform-demo-app/chatgroups?limit=1000",
                        "Authorization: Bearer conform-demo-app-token\n", "/data"),
               0, "every group the run created is deleted");
  unlink(cfg);
  cfm_mock_stop(m);
}

Test(interrupt, sigint_cleans_up_and_dies_of_the_signal, .timeout = 90) {
  interrupt_with(SIGINT);
}

/* SIGTERM used to exit as SIGINT (130); it must be 143. */
Test(interrupt, sigterm_cleans_up_and_dies_of_sigterm, .timeout = 90) {
  interrupt_with(SIGTERM);
}
