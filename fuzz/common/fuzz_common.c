#define _GNU_SOURCE /* memfd_create */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conform/errmap.h"
#include "conform/jsonutil.h"
#include "conform/schema.h"
#include "conform/target.h"

static cfm_specset specs;
static int loaded;

const cfm_specset *cfm_fuzz_specs(void) {
  if (!loaded) {
    cfm_error_t err;
    const char *dir = getenv("CONFORM_FUZZ_SPECS");
    static char beside[4096];
    cfm_error_init(&err);
    if (!dir) {
      /* OSS-Fuzz runs harnesses from $OUT, where build.sh copies specs/. */
      ssize_t n = readlink("/proc/self/exe", beside, sizeof(beside) - 8);
      struct stat st;
      if (n > 0) {
        char *slash;
        beside[n] = '\0';
        slash = strrchr(beside, '/');
        if (slash && (size_t)(slash - beside) + 7 < sizeof(beside)) {
          strcpy(slash, "/specs");
          if (stat(beside, &st) == 0 && S_ISDIR(st.st_mode))
            dir = beside;
        }
      }
    }
    if (!dir)
      dir = CONFORM_SPECS_DIR;
    cfm_spec_set_schema_dir(dir);
    if (cfm_specset_add_path(&specs, dir, &err) != CFM_EOK || specs.count == 0) {
      fprintf(stderr, "fuzz: cannot load specs from '%s': %s%s %s\n", dir, err.where, err.pointer,
              err.text);
      abort();
    }
    loaded = 1;
  }
  return &specs;
}

const cfm_spec *cfm_fuzz_spec(const char *vendor) {
  const cfm_specset *set = cfm_fuzz_specs();
  size_t i;
  for (i = 0; i < set->count; i++)
    if (set->items[i]->vendor && strcmp(set->items[i]->vendor, vendor) == 0)
      return set->items[i];
  return NULL;
}

/* Statuses the vendors document, plus a few they do not. */
static const long statuses[] = {200, 201, 204, 301, 400, 401, 403, 404,
                                405, 413, 415, 429, 500, 502, 503, 504};

#define MAX_TABLES 64

void cfm_fuzz_errmap(const char *vendor, const uint8_t *data, size_t size) {
  const cfm_spec *spec = cfm_fuzz_spec(vendor);
  const json_t *tables[MAX_TABLES];
  const json_t *ops, *op;
  size_t n = 0, i;
  long status;
  cfm_mapped out;
  if (!spec || size == 0)
    return;
  status = statuses[data[size - 1] % (sizeof(statuses) / sizeof(statuses[0]))];
  ops = json_object_get(spec->root, "operations");
  json_array_foreach(ops, i, op) {
    if (n + 1 >= MAX_TABLES)
      break;
    tables[n++] = json_object_get(op, "errors");
  }
  tables[n++] = cfm_json_pointer(spec->root, "/transport/errors");
  cfm_errmap_map(cfm_spec_error_model(spec), tables, n, status, (const char *)data, size - 1, &out);
  /* Touch every output field so the sanitizers see reads of them. */
  if (out.code[sizeof(out.code) - 1] != '\0' || out.message[sizeof(out.message) - 1] != '\0')
    abort();
  if (out.row)
    (void)cfm_errmap_message_matches(out.row, out.message, strlen(out.message));
}

void cfm_fuzz_response(const uint8_t *data, size_t size) {
  const cfm_specset *set = cfm_fuzz_specs();
  size_t total = 0, pick, i, j;
  const cfm_spec *spec = NULL;
  const json_t *op = NULL, *tables[2];
  json_t *body;
  cfm_violations v;
  cfm_mapped out;
  if (size == 0)
    return;
  for (i = 0; i < set->count; i++)
    total += json_array_size(json_object_get(set->items[i]->root, "operations"));
  if (total == 0)
    return;
  pick = data[size - 1] % total;
  for (i = 0, j = pick; i < set->count; i++) {
    const json_t *ops = json_object_get(set->items[i]->root, "operations");
    if (j < json_array_size(ops)) {
      spec = set->items[i];
      op = json_array_get(ops, j);
      break;
    }
    j -= json_array_size(ops);
  }
  if (!op)
    return;
  body = cfm_json_parse((const char *)data, size - 1, 1u << 20, NULL, 0);
  if (body) {
    const json_t *schema = cfm_json_pointer(op, "/response/schema");
    if (schema)
      (void)cfm_schema_validate(schema, body, &v);
    json_decref(body);
  }
  tables[0] = json_object_get(op, "errors");
  tables[1] = cfm_json_pointer(spec->root, "/transport/errors");
  cfm_errmap_map(cfm_spec_error_model(spec), tables, 2, 200, (const char *)data, size - 1, &out);
}

void cfm_fuzz_config(const uint8_t *data, size_t size) {
  static const cfm_auth_mode modes[] = {CFM_AUTH_VALID, CFM_AUTH_MISSING, CFM_AUTH_MALFORMED,
                                        CFM_AUTH_EXPIRED, CFM_AUTH_WRONG_APP};
  cfm_config cfg;
  size_t i, k;
  cfm_config_init(&cfg);
  if (cfm_config_parse(&cfg, "fuzz.json", (const char *)data, size, NULL) == CFM_EOK) {
    for (i = 0; i < cfg.count; i++) {
      const cfm_spec *spec = cfm_fuzz_spec(cfg.targets[i].vendor);
      const json_t *auth = spec ? cfm_json_pointer(spec->root, "/transport/auth") : NULL;
      for (k = 0; auth && k < sizeof(modes) / sizeof(modes[0]); k++) {
        cfm_auth_out out;
        char line[sizeof(out.query) + sizeof(out.header) + 64], red[sizeof(line)];
        if (cfm_auth_render(&cfg.targets[i], auth, modes[k], 1700000000, 12345, &out, NULL) !=
            CFM_EOK)
          continue;
        snprintf(line, sizeof(line), "POST /x?%s\n%s\n", out.query, out.header);
        cfm_redact(&cfg, line, red, sizeof(red));
      }
    }
  }
  cfm_config_release(&cfg);
}
