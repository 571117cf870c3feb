/* Operation matching: every shipped operation is found from a URL built
 * from its spec (base_url layout, path parameters from the examples), and
 * near misses are not. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "conform/jsonutil.h"
#include "conform/passive.h"
#include "helper_specs.h"

CFM_TH_SPECS_SUITE(match, specs);

/* The URL of op: base_url with {host} and variables filled, the path with
 * each {name} from the first example that gives it (else "p-<name>"),
 * then Tencent-style credentials in the query. */
static void url_of(const cfm_spec *spec, const json_t *op, char *out, size_t cap) {
  const char *b = cfm_json_str(json_object_get(spec->root, "transport"), "base_url");
  const char *path = cfm_json_str(op, "path");
  const json_t *ex = json_object_get(
      json_object_get(json_array_get(json_object_get(op, "examples"), 0), "request"), "path");
  char tpl[512];
  size_t n = 0;
  const char *p;
  snprintf(tpl, sizeof(tpl), "%s%s", b, path);
  for (p = tpl; *p && n + 64 < cap;) {
    if (*p == '{') {
      const char *e = strchr(p, '}');
      char name[64], val[96];
      snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
      if (!strcmp(name, "host"))
        snprintf(val, sizeof(val), "127.0.0.1:8080");
      else if (json_object_get(ex, name))
        cfm_json_scalar_text(json_object_get(ex, name), val, sizeof(val));
      else
        snprintf(val, sizeof(val), "p-%s", name);
      n += (size_t)snprintf(out + n, cap - n, "%s", val);
      p = e + 1;
    } else {
      out[n++] = *p++;
    }
  }
  snprintf(out + n, cap - n, "?sdkappid=1400000000&usersig=eJwSECRET&random=7");
}

Test(match, every_shipped_operation) {
  size_t i, k, total = 0;
  for (i = 0; i < specs.count; i++) {
    const json_t *op;
    json_array_foreach(json_object_get(specs.items[i]->root, "operations"), k, op) {
      char url[1024];
      cfm_match m;
      url_of(specs.items[i], op, url, sizeof(url));
      cr_assert_eq(cfm_match_request(&specs, cfm_json_str(op, "method"), url, &m), CFM_EOK);
      cr_assert(m.op == op, "%s %s matched %s.%s", cfm_json_str(op, "method"), url,
                m.spec ? m.spec->vendor : "-", m.op ? cfm_json_str(m.op, "id") : "nothing");
      cr_assert(m.exact, "%s is an exact match", url);
      cfm_match_release(&m);
      total++;
    }
  }
  cr_assert_geq(total, 19);
}

Test(match, path_parameters_are_decoded) {
  cfm_match m;
  cr_assert_eq(cfm_match_request(&specs, "GET",
                                 "http://h/app-id/a1/chatgroups/g%2042/user/bob/is_joined", &m),
               CFM_EOK);
  cr_assert_not_null(m.op);
  cr_assert_str_eq(cfm_json_str(m.op, "id"), "is_joined");
  cr_assert_str_eq(cfm_json_str(m.path_params, "group_id"), "g 42");
  cr_assert_str_eq(cfm_json_str(m.path_params, "username"), "bob");
  cfm_match_release(&m);
}

Test(match, tencent_command_in_the_path) {
  cfm_match m;
  cr_assert_eq(cfm_match_request(&specs, "POST",
                                 "https://console.tim.qq.com/v4/group_open_http_svc/"
                                 "destroy_group?sdkappid=1&identifier=admin&usersig=x",
                                 &m),
               CFM_EOK);
  cr_assert_str_eq(m.spec->vendor, "tencent-im");
  cr_assert_str_eq(cfm_json_str(m.op, "id"), "destroy_group");
  cfm_match_release(&m);
  /* A command no document describes: nothing, with the nearest commands. */
  cr_assert_eq(cfm_match_request(&specs, "POST",
                                 "https://console.tim.qq.com/v4/group_open_http_svc/"
                                 "destroy_groups",
                                 &m),
               CFM_EOK);
  cr_assert_null(m.op);
  cr_assert_gt(m.nnear, 0);
  cr_assert(strstr(m.near[0], "tencent-im."), "%s", m.near[0]);
  cfm_match_release(&m);
}

Test(match, near_misses) {
  cfm_match m;
  /* Wrong method. */
  cr_assert_eq(cfm_match_request(&specs, "PATCH", "http://h/app-id/a/chatgroups/g1", &m), CFM_EOK);
  cr_assert_null(m.op);
  cr_assert_gt(m.nnear, 0);
  cr_assert(strstr(m.near[0], "agora-chat."), "%s", m.near[0]);
  cfm_match_release(&m);
  /* A parameter segment may not be empty. */
  cr_assert_eq(cfm_match_request(&specs, "POST", "http://h/app-id/a/chatgroups//disable", &m),
               CFM_EOK);
  cr_assert_null(m.op);
  cfm_match_release(&m);
  /* Unrelated. */
  cr_assert_eq(cfm_match_request(&specs, "GET", "http://h/favicon.ico", &m), CFM_EOK);
  cr_assert_null(m.op);
  cfm_match_release(&m);
  cr_assert_eq(cfm_match_request(&specs, "GET", "", &m), CFM_EOK);
  cr_assert_null(m.op);
  cfm_match_release(&m);
}

Test(match, another_prefix_is_a_suffix_match) {
  cfm_match m;
  /* Easemob's older /{org}/{app} layout behind a gateway path. */
  cr_assert_eq(
      cfm_match_request(&specs, "DELETE", "https://gw/easemob/org1/app1/chatgroups/g7", &m),
      CFM_EOK);
  cr_assert_not_null(m.op);
  cr_assert_str_eq(cfm_json_str(m.op, "id"), "delete_group");
  cr_assert_eq(m.exact, 0);
  cr_assert_str_eq(cfm_json_str(m.path_params, "group_id"), "g7");
  cfm_match_release(&m);
  /* Origin-form URLs (a proxy's request line). */
  cr_assert_eq(cfm_match_request(&specs, "GET", "/v1.0/rooms/groupLists?x=1", &m), CFM_EOK);
  cr_assert_str_eq(cfm_json_str(m.op, "id"), "list_groups");
  cfm_match_release(&m);
}

/* An empty parameter does not turn a call into another operation. */
Test(match, empty_segments_count) {
  cfm_match m;
  cr_assert_eq(cfm_match_request(&specs, "GET", "http://h/app-id/a/chatgroups/", &m), CFM_EOK);
  cr_assert_null(m.op, "matched %s", m.op ? cfm_json_str(m.op, "id") : "");
  cfm_match_release(&m);
  cr_assert_eq(cfm_match_request(&specs, "GET", "http://h/app-id/a/chatgroups", &m), CFM_EOK);
  cr_assert_str_eq(cfm_json_str(m.op, "id"), "list_app_groups");
  cfm_match_release(&m);
}
