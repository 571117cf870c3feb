/* The ceiling: a minimal libmicrohttpd server answering one fixed JSON body
 * to every request, with the same threading model as the mock.  Benchmarks
 * measure the mock and the executor against it, on the same machine, in
 * the same run.  usage: bench_hello [PORT]  (0 = ephemeral; prints the port) */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] =
    "{\"data\":[{\"groupid\":\"1\",\"groupname\":\"g\"}],\"count\":1,\"timestamp\":1}";

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  static int marker;
  struct MHD_Response *r;
  enum MHD_Result ret;
  (void)cls;
  (void)url;
  (void)method;
  (void)version;
  (void)upload;
  if (*state == NULL) {
    *state = &marker;
    return MHD_YES;
  }
  *upload_size = 0;
  r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, "Content-Type", "application/json");
  ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return ret;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv) {
  unsigned port = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
  struct MHD_Daemon *d;
  const union MHD_DaemonInfo *info;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(0x7f000001);
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, NULL,
                       MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
                       (unsigned)sysconf(_SC_NPROCESSORS_ONLN), MHD_OPTION_CONNECTION_LIMIT, 1024u,
                       MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "bench_hello: cannot listen on 127.0.0.1:%u\n", port);
    return 1;
  }
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  printf("%u\n", (unsigned)info->port);
  fflush(stdout);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  while (!stop)
    pause();
  MHD_stop_daemon(d);
  return 0;
}
