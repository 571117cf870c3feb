/* conform extract — draft a spec from a vendor document, or report drift
 * between a document and a spec. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform/extract.h"
#include "conform/spec.h"

static void usage(FILE *f) {
  fputs("usage: conform extract [-o FILE] DOC\n"
        "       conform extract --against SPEC [--json] DOC\n\n"
        "Without --against: writes a draft spec (conform-spec/1) drafted from DOC,\n"
        "a vendor page in markdown or scraped text, English or Chinese. Items it\n"
        "cannot decide are listed in \"notes\" as 'review: ...'.\n"
        "With --against: pairs DOC's operations with SPEC's by method + path\n"
        "template (whatever they cite) and prints contradictions (type, required\n"
        "flag, limit, status of an error code) quoting both sources, then what\n"
        "only one side states, and recall/precision per item kind (against the\n"
        "spec items citing DOC).  --json prints the same as JSON, for CI.\n"
        "Exit: 0 no drift, 1 drift found, 2 usage, 3 unreadable document or spec.\n",
        f);
}

static char *read_doc(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  size_t cap = 0, n = 0, got;
  if (!f)
    return NULL;
  for (;;) {
    if (n + 65536 > cap) {
      char *nd;
      cap = cap ? cap * 2 : 131072;
      if (cap > CFM_EXTRACT_MAX_BYTES + 65536) {
        free(data);
        fclose(f);
        errno = EFBIG;
        return NULL;
      }
      nd = realloc(data, cap);
      if (!nd) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = nd;
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  *len = n;
  return data;
}

static void print_items(const char *title, const json_t *items) {
  size_t i;
  const json_t *it;
  if (json_array_size(items) == 0)
    return;
  printf("%s (%zu):\n", title, json_array_size(items));
  json_array_foreach(items, i, it) {
    printf("  %-7s %-45s %s", json_string_value(json_object_get(it, "kind")),
           json_string_value(json_object_get(it, "operation")),
           json_string_value(json_object_get(it, "item")));
    if (json_object_get(it, "doc"))
      printf("\n          document: %s  [%s]\n          spec:     %s  [%s]",
             json_string_value(json_object_get(it, "doc")),
             json_string_value(json_object_get(it, "doc_source")),
             json_string_value(json_object_get(it, "spec")),
             json_string_value(json_object_get(it, "spec_source")));
    else if (json_string_value(json_object_get(it, "source")))
      printf("  [%s]", json_string_value(json_object_get(it, "source")));
    putchar('\n');
  }
}

/* The drift report: JSON for CI, or a text listing. */
static void print_drift(const json_t *drift, int as_json) {
  const char *kind;
  json_t *m;
  const json_t *ops = json_object_get(drift, "operations"), *o;
  size_t k;
  if (as_json) {
    json_dumpf(drift, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    return;
  }
  printf("operations paired by method + path: %lld\n",
         (long long)json_integer_value(json_object_get(ops, "paired")));
  json_array_foreach(json_object_get(ops, "only_in_doc"), k, o)
      printf("  operation only in the document: %s\n", json_string_value(o));
  json_array_foreach(json_object_get(ops, "only_in_spec"), k, o)
      printf("  operation only in the spec: %s\n", json_string_value(o));
  print_items("contradictions", json_object_get(drift, "differ"));
  print_items("only in the document", json_object_get(drift, "only_in_doc"));
  print_items("only in the spec", json_object_get(drift, "only_in_spec"));
  json_object_foreach(json_object_get(drift, "metrics"), kind, m) {
    printf("%-7s doc %3lld  spec %3lld  both %3lld  recall %5.1f %%  precision %5.1f %%\n", kind,
           (long long)json_integer_value(json_object_get(m, "doc")),
           (long long)json_integer_value(json_object_get(m, "spec")),
           (long long)json_integer_value(json_object_get(m, "both")),
           100.0 * json_real_value(json_object_get(m, "recall")),
           100.0 * json_real_value(json_object_get(m, "precision")));
  }
}

int cmd_extract(int argc, char **argv) {
  const char *out = NULL, *against = NULL, *doc = NULL;
  int as_json = 0, rc = CFM_EXIT_OK;
  char *text;
  size_t len = 0;
  json_t *draft;
  cfm_error_t err;
  static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
                                     {"output", required_argument, NULL, 'o'},
                                     {"against", required_argument, NULL, 'a'},
                                     {"json", no_argument, NULL, 'j'},
                                     {NULL, 0, NULL, 0}};
  cfm_cli_opt p = {"extract", "ho:", lo, 0, ""};
  int c;
  while ((c = cfm_cli_getopt(&p, argc, argv)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CFM_EXIT_OK;
    } else if (c == 'o') {
      out = optarg;
    } else if (c == 'a') {
      against = optarg;
    } else if (c == 'j') {
      as_json = 1;
    } else {
      return CFM_EXIT_USAGE;
    }
  }
  if (optind >= argc)
    return cfm_cli_usage_error("extract", "no document given (DOC)");
  if (optind + 1 < argc)
    return cfm_cli_usage_error("extract", "unexpected argument '%s'", argv[optind + 1]);
  doc = argv[optind];
  text = read_doc(doc, &len);
  if (!text) {
    cfm_cli_error("cannot read '%s': %s", doc, strerror(errno));
    return CFM_EXIT_SPEC;
  }
  cfm_error_init(&err);
  draft = cfm_extract(doc, text, len, &err);
  free(text);
  if (!draft) {
    cfm_cli_error("%s: %s", doc, err.text);
    return err.code == CFM_ENOMEM ? CFM_EXIT_INTERNAL : CFM_EXIT_SPEC;
  }
  if (!against) {
    if (out) {
      if (json_dump_file(draft, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        cfm_cli_error("cannot write '%s'", out);
        rc = CFM_EXIT_INTERNAL;
      }
    } else {
      json_dumpf(draft, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
      putchar('\n');
    }
  } else {
    cfm_spec *spec = NULL;
    json_t *drift;
    if (cfm_spec_load(against, &spec, &err) != CFM_EOK || cfm_spec_check(spec, &err) != CFM_EOK) {
      cfm_spec_free(spec);
      json_decref(draft);
      return cfm_cli_input_failure(&err);
    }
    drift = cfm_extract_drift(draft, spec->root, doc);
    cfm_spec_free(spec);
    if (!drift) {
      json_decref(draft);
      return CFM_EXIT_INTERNAL;
    }
    print_drift(drift, as_json);
    if (json_array_size(json_object_get(drift, "only_in_doc")) ||
        json_array_size(json_object_get(drift, "only_in_spec")) ||
        json_array_size(json_object_get(drift, "differ")))
      rc = CFM_EXIT_FAIL;
    json_decref(drift);
  }
  json_decref(draft);
  return rc;
}
