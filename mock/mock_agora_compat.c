/* conform mock — Agora extras kept out of mock_agora.c: the older
 * Easemob URL layout /{org_name}/{app_name}/chatgroups... (VENDOR-FACTS
 * "Credentials a real account needs"), served by rewriting it onto the
 * /app-id/{app_id}/ layout, and the test hook that revokes minted app
 * tokens in the middle of a run (cfm_mock_config.agora_revoke_at).
 *
 * Owns only the path rewrite and the revocation rule.  Must not answer an
 * Agora call itself nor touch Agora state: mock_agora.c does. */
#include "mock_vendors.h"

#include "conform/agora_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cfm__mock_agora_revoked(const cfm_mock *m, const char *tok) {
  cfm_agora_token_info info;
  int64_t at = m->cfg.agora_revoke_at;
  if (at <= 0 || cfm__mock_clock_s(m) < at)
    return 0;
  return cfm_agora_token_parse(tok, strlen(tok), &info) != CFM_AGORA_TOKEN_OK ||
         (int64_t)info.issue_ts < at;
}

/* /{org}/{app}/chatgroups... for the demo org and app: answered as the
 * same call under /app-id/{app_id}/.  Any other path is not ours. */
static int org_app_layout(cfm_mock *m, const mock_req *r, mock_resp *resp) {
  static const char prefix[] = "/" CFM_MOCK_AGORA_ORG "/" CFM_MOCK_AGORA_APP "/chatgroups";
  size_t plen = sizeof(prefix) - 1;
  mock_req *alt;
  int rc;
  if (strncmp(r->path, prefix, plen) != 0 || (r->path[plen] && r->path[plen] != '/'))
    return 0;
  if (!(alt = malloc(sizeof(*alt)))) {
    cfm__mock_json(resp, 500, NULL);
    return 1;
  }
  *alt = *r;
  if ((size_t)snprintf(alt->path, sizeof(alt->path), "/app-id/%s/chatgroups%s", m->cfg.agora_app_id,
                       r->path + plen) >= sizeof(alt->path)) {
    free(alt);
    cfm__mock_json(
        resp, 404,
        json_pack("{s:s, s:s}", "error", "no_such_path", "error_description", "path too long"));
    return 1;
  }
  rc = cfm__mock_agora(m, alt, resp);
  free(alt);
  return rc;
}

static int no_state(cfm_mock *m) {
  (void)m;
  return 0;
}

static void no_release(cfm_mock *m) {
  (void)m;
}

static const cfm_mock_fault no_faults[] = {{NULL, NULL, NULL, NULL}};

const cfm__mock_vendor cfm__mock_vendor_agora_org_app = {"agora-chat-org-app", no_state, no_release,
                                                         org_app_layout, no_faults};
