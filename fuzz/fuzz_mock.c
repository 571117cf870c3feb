/* The mock's request handling in-process, without sockets: method, path,
 * query, headers and body from one input.  Input format (as the seeds in
 * corpus/mock/ are written): "METHOD URL\n" header lines "Name: value\n",
 * an empty line, then the body. */
#include <stdlib.h>
#include <string.h>

#include "conform/mock.h"
#include "fuzz_common.h"

static cfm_mock *mock;

static cfm_mock *get_mock(void) {
  if (!mock) {
    cfm_mock_config cfg;
    char err[256];
    cfm_mock_config_init(&cfg);
    cfg.max_groups = 2000; /* bounded state across a long fuzzing session */
    if (cfm_mock_start(&cfg, &mock, err, sizeof(err)) != 0)
      abort();
  }
  return mock;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = malloc(size + 1), *line_end, *sp, *headers, *body;
  int status = 0;
  char *resp = NULL;
  size_t resp_len = 0;
  const char *ctype = NULL;
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  copy[size] = '\0';
  line_end = strchr(copy, '\n');
  if (!line_end || (size_t)(line_end - copy) > 8192)
    goto out;
  *line_end = '\0';
  sp = strchr(copy, ' ');
  if (!sp)
    goto out;
  *sp = '\0';
  headers = line_end + 1;
  if (headers[0] == '\n') { /* no headers */
    body = headers + 1;
    headers[0] = '\0';
  } else if ((body = strstr(headers, "\n\n")) != NULL) {
    body[1] = '\0';
    body += 2;
  } else {
    body = copy + size;
  }
  cfm_mock_handle(get_mock(), copy, sp + 1, headers, body, (size_t)(copy + size - body), &status,
                  &resp, &resp_len, &ctype);
  free(resp);
out:
  free(copy);
  return 0;
}
