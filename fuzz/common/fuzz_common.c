#define _GNU_SOURCE /* fmemopen, readlink */
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
#include "nocov.h"
#include "report_internal.h"

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
  static int stdin_closed;
  cfm_config cfg;
  size_t i, k;
  /* Secret files may be pipes: {"file": "/dev/stdin"} must not wait for
   * whatever stdin the fuzzer inherited. */
  if (!stdin_closed && freopen("/dev/null", "r", stdin))
    stdin_closed = 1;
  cfm_config_init(&cfg);
  cfg.offline = cfg.no_commands = 1; /* fuzz input runs nothing, fetches nothing */
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

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if none:
 * an independent check of the writers' output. */
CFM_NO_COVERAGE static size_t utf8_len(const unsigned char *s, size_t n) {
  size_t len = s[0] < 0x80             ? 1
               : (s[0] & 0xE0) == 0xC0 ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
  size_t i;
  if (!len || len > n || (len == 2 && s[0] < 0xC2) || (len == 4 && s[0] > 0xF4))
    return 0;
  for (i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0)))
    return 0; /* overlong or a surrogate */
  if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
    return 0;
  return len;
}

CFM_NO_COVERAGE static void check_xml_text(const char *text, size_t len) {
  size_t i = 0;
  while (i < len) {
    unsigned char c = (unsigned char)text[i];
    size_t k = utf8_len((const unsigned char *)text + i, len - i);
    if (!k || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == '<' || c == '>' ||
        c == '"' || c == '\'')
      abort(); /* invalid UTF-8, a control character or unescaped markup */
    if (c == '&' && strncmp(text + i, "&amp;", 5) && strncmp(text + i, "&lt;", 4) &&
        strncmp(text + i, "&gt;", 4) && strncmp(text + i, "&quot;", 6) &&
        strncmp(text + i, "&#39;", 5))
      abort(); /* a bare ampersand */
    i += k;
  }
}

/* One stream over one buffer for the escaped text, kept across inputs:
 * an open_memstream per input spent a fifth of an ASan run in page
 * faults on fresh buffers. Escaping makes at most 6 bytes of one. */
static char *xml_buf;
static size_t xml_cap;
static FILE *xml_file;

static FILE *xml_stream(size_t size) {
  size_t need = size < (SIZE_MAX - 1) / 6 ? size * 6 + 1 : SIZE_MAX;
  if (need > xml_cap) {
    if (xml_file)
      fclose(xml_file);
    free(xml_buf);
    xml_cap = need < 65536 ? 65536 : need;
    xml_buf = malloc(xml_cap);
    xml_file = xml_buf ? fmemopen(xml_buf, xml_cap, "w") : NULL;
    if (!xml_file) {
      free(xml_buf);
      xml_buf = NULL;
      xml_cap = 0;
    }
  }
  return xml_file;
}

void cfm_fuzz_report(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  size_t i;
  FILE *f;
  json_t *doc, *cases, *s;
  if (!text)
    return;
  memcpy(text, data, size);
  text[size] = '\0'; /* the writers take C strings: the text up to the first NUL */
  f = xml_stream(size);
  if (f) {
    long len;
    rewind(f);
    cfm__xml_escape(f, text);
    if (fflush(f) == 0 && (len = ftell(f)) >= 0)
      check_xml_text(xml_buf, (size_t)len);
  }
  s = cfm__json_text(text);
  if (!s || !json_is_string(s))
    abort(); /* any bytes must become a JSON string */
  json_decref(s);
  free(text);
  doc = cfm_json_parse((const char *)data, size, 1u << 20, NULL, 0);
  cases = json_object_get(doc, "cases");
  for (i = 0; i < json_array_size(cases); i++) {
    cfm_case_result r, again;
    json_t *first, *second;
    if (cfm__case_from_json(json_array_get(cases, i), &r) != 0)
      continue;
    first = cfm__case_to_json(&r);
    if (!first || cfm__case_from_json(first, &again) != 0)
      abort(); /* what we write, we must read */
    second = cfm__case_to_json(&again);
    if (!second || !json_equal(first, second))
      abort(); /* read(write(x)) changed the case */
    json_decref(first);
    json_decref(second);
    cfm_case_result_release(&r);
    cfm_case_result_release(&again);
  }
  json_decref(doc);
}
