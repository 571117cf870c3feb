/* Allocation failure, the jansson way (test_chaos.c): the Nth allocation
 * fails, for N over the whole run of spec loading, case generation and one
 * verdict.  Each run either succeeds or reports out of memory; none may
 * crash, and under ASan none may leak.  The library's own malloc, calloc,
 * realloc and strdup are wrapped at link time (-Wl,--wrap, see
 * tests/CMakeLists.txt); jansson's through json_set_alloc_funcs, except
 * inside its parser: jansson 2.14's lexer writes past a buffer when an
 * allocation fails mid-string (valgrind: invalid write under json_loadb),
 * so json_loadb/json_loads run with allocations left alone. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "conform/runner.h"
#include "conform/verdict.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long fail_at = -1; /* the allocation to fail; -1 = none */
static long allocations;  /* counted since the last arm() */
static int hit;           /* the armed allocation was reached (and failed) */
static int in_parser;     /* inside jansson's parser: allocations succeed */

static int should_fail(void) {
  if (fail_at < 0 || allocations++ != fail_at)
    return 0;
  hit = 1;
  return 1;
}

void *__wrap_malloc(size_t n) {
  return should_fail() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size) {
  return should_fail() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n) {
  return should_fail() ? NULL : __real_realloc(p, n);
}
char *__wrap_strdup(const char *s) {
  return should_fail() ? NULL : __real_strdup(s);
}
static void *json_malloc(size_t n) {
  return in_parser || !should_fail() ? __real_malloc(n) : NULL;
}

json_t *__real_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
json_t *__real_json_loads(const char *input, size_t flags, json_error_t *error);
json_t *__wrap_json_loads(const char *input, size_t flags, json_error_t *error);

json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error) {
  json_t *v;
  in_parser = 1;
  v = __real_json_loadb(buffer, buflen, flags, error);
  in_parser = 0;
  return v;
}

json_t *__wrap_json_loads(const char *input, size_t flags, json_error_t *error) {
  json_t *v;
  in_parser = 1;
  v = __real_json_loads(input, flags, error);
  in_parser = 0;
  return v;
}

/* Fails allocation n from now on (-1: none). */
static void arm(long n) {
  fail_at = n;
  allocations = 0;
  hit = 0;
}

/* Stops failing; failed() still tells whether the run hit its failure. */
static void disarm(void) {
  fail_at = -1;
}

/* 1 when the last armed run reached its failure. */
static int failed(void) {
  return hit;
}

static void setup(void) {
  json_set_alloc_funcs(json_malloc, free);
}

TestSuite(alloc, .init = setup);

/* The Ns to try: every one of the first 300, then a spread up to the
 * total (every allocation of a whole spec load would take minutes). */
static long next_n(long n) {
  static long step = -1;
  if (step < 0) /* ALLOC_STEP=k tries every k-th allocation (slow; by hand) */
    step = getenv("ALLOC_STEP") ? atol(getenv("ALLOC_STEP")) : 0;
  if (step > 0)
    return n + step;
  return n < 300 ? n + 1 : n + n / 40 + 7;
}

static int load(cfm_specset *set, cfm_error_t *err) {
  memset(set, 0, sizeof(*set));
  cfm_error_init(err);
  return cfm_specset_add_path(set, CONFORM_SPECS_DIR, err);
}

Test(alloc, spec_loading, .timeout = 240) {
  long n, runs = 0;
  for (n = 0;; n = next_n(n)) {
    cfm_specset set;
    cfm_error_t err;
    int rc;
    if (getenv("ALLOC_TRACE"))
      fprintf(stderr, "n=%ld\n", n);
    arm(n);
    rc = load(&set, &err);
    disarm();
    runs++;
    if (rc == CFM_EOK) {
      cfm_specset_release(&set);
      if (!failed())
        break; /* the whole load ran without a failure: done */
      continue;
    }
    cr_assert_eq(rc, CFM_ENOMEM, "allocation %ld: rc %d, %s", n, rc, err.text);
    cr_assert(strstr(err.text, "out of memory"), "allocation %ld: %s", n, err.text);
    cfm_specset_release(&set);
  }
  cr_assert_gt(runs, 3);
}

Test(alloc, case_generation, .timeout = 240) {
  cfm_specset set;
  cfm_error_t err;
  long n, runs = 0;
  size_t full;
  cfm_caselist all;
  cr_assert_eq(load(&set, &err), CFM_EOK, "%s", err.text);
  memset(&all, 0, sizeof(all));
  cr_assert_eq(cfm_cases_generate(&set, &all), CFM_EOK);
  full = all.count;
  cfm_caselist_release(&all);
  for (n = 0;; n = next_n(n)) {
    cfm_caselist list;
    int rc;
    memset(&list, 0, sizeof(list));
    arm(n);
    rc = cfm_cases_generate(&set, &list);
    disarm();
    runs++;
    cr_assert(rc == CFM_EOK || rc == CFM_ENOMEM, "allocation %ld: rc %d", n, rc);
    if (rc == CFM_EOK && !failed()) {
      /* No failure injected: the whole list. */
      cr_assert_eq(list.count, full);
      cfm_caselist_release(&list);
      break;
    }
    /* Out of memory never drops a case silently. */
    cr_assert(rc != CFM_EOK || list.count == full, "allocation %ld: %zu of %zu cases", n,
              list.count, full);
    cfm_caselist_release(&list);
  }
  cr_assert_gt(runs, 300);
  cfm_specset_release(&set);
}

Test(alloc, one_verdict) {
  cfm_specset set;
  cfm_error_t err;
  const cfm_spec *spec;
  json_t *st = NULL;
  cfm_step step;
  cfm_http_response res;
  cfm_exchange ex = {NULL, &res};
  const char *body =
      "{\"ActionStatus\":\"OK\",\"ErrorCode\":0,\"ErrorInfo\":\"\",\"GroupId\":\"g1\"}";
  long n;
  size_t i;
  cr_assert_eq(load(&set, &err), CFM_EOK, "%s", err.text);
  for (i = 0, spec = NULL; i < set.count; i++)
    if (!strcmp(set.items[i]->vendor, "tencent-im"))
      spec = set.items[i];
  cr_assert_not_null(spec);
  st =
      json_loads("{\"op\":\"create_group\",\"capture\":{\"g\":\"/GroupId\"},\"expect\":{\"body\":[{"
                 "\"pointer\":\"/GroupId\",\"equals\":\"g1\"}]}}",
                 0, NULL);
  cr_assert_eq(cfm_step_decode(st, &step), 0);
  memset(&res, 0, sizeof(res));
  res.status = 200;
  res.content_type = "application/json";
  res.retry_after = "";
  res.body = body;
  res.len = strlen(body);
  res.attempts = 1;
  for (n = 0;; n++) {
    cfm_judgement j;
    int rc;
    arm(n);
    rc = cfm_verdict_judge(spec, cfm_spec_operation(spec, "create_group"), &step, NULL, 0, &ex, &j);
    disarm();
    if (rc == CFM_EOK && j.verdict == CFM_VERDICT_PASS) {
      cr_assert_not_null(j.captures);
      cr_assert_eq(json_array_size(j.created), 1);
    } else {
      /* Out of memory: reported, or seen as an unreadable body. */
      cr_assert(rc == CFM_ENOMEM || j.verdict != CFM_VERDICT_PASS, "allocation %ld", n);
    }
    cfm_judgement_release(&j);
    if (!failed())
      break;
    cr_assert_lt(n, 100000);
  }
  json_decref(st);
  cfm_specset_release(&set);
}
