/* conform — the reference mock: an in-memory, stateful simulation of the
 * Tencent Cloud IM, Agora Chat and DingTalk group APIs on one loopback
 * listener (libmicrohttpd).  Written from the seed documents independently
 * of the spec code: it never loads specs/. */
#ifndef CONFORM_MOCK_H
#define CONFORM_MOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct cfm_mock cfm_mock;

/* Demo credentials; every field may be overridden before start. */
typedef struct cfm_mock_config {
  const char *listen_host; /* default "127.0.0.1" */
  uint16_t port;           /* 0 = ephemeral */
  /* Tencent */
  uint64_t tencent_sdkappid; /* default 1400000000 */
  const char *tencent_admin; /* default "administrator" */
  const char *tencent_key;   /* default "conform-demo-secret-key" */
  /* Agora */
  const char *agora_app_id; /* default "conform-demo-app" */
  const char *agora_token;  /* default "conform-demo-app-token" */
  /* DingTalk */
  const char *dingtalk_token;          /* default "conform-demo-access-token" */
  const char *dingtalk_admin_union_id; /* default "conform-admin-union" */
  /* Faults (names from cfm_mock_faults), NULL-terminated; may be NULL. */
  const char *const *faults;
  /* Rate limits enforced (per operation, per second); 1 = documented. */
  int enforce_rate_limits;
  size_t max_body_bytes; /* default 1 MiB */
  size_t max_groups;     /* default 100000 */
  /* Credentials a client mints or fetches (docs/vendors.md).  Agora calls
   * are accepted with agora_token or with an AccessToken2 app token minted
   * for agora_app_id with this certificate (NULL: agora_token only). */
  const char *agora_app_certificate; /* default "conform-demo-app-certificate" */
  /* POST /v1.0/oauth2/accessToken {appKey, appSecret} issues tokens that
   * the rooms calls accept for dingtalk_token_lifetime_s seconds (as well
   * as dingtalk_token, which never expires). */
  const char *dingtalk_app_key;       /* default "conform-demo-app-key" */
  const char *dingtalk_app_secret;    /* default "conform-demo-app-secret" */
  unsigned dingtalk_token_lifetime_s; /* default 7200 (the documented expireIn) */
  /* The clock tokens are checked against, in epoch seconds (called from
   * the listener's threads); NULL = time(NULL).  Tests set it to make
   * expiry deterministic. */
  int64_t (*clock)(void *arg);
  void *clock_arg;
  /* 1 = the alternative reading of every statement the documents leave
   * open (docs/mock.md, "Alternative readings"): what another faithful
   * implementation could do.  A run against it must give no fail. */
  int reading_alt;
  /* Test hooks revoking tokens in the middle of a run (0 = never).  After
   * this many rooms calls every DingTalk token issued so far is refused
   * (400 InvalidAuthentication); from this second of the mock's clock on,
   * Agora app tokens issued before it are refused (401). */
  unsigned dingtalk_revoke_after;
  int64_t agora_revoke_at;
} cfm_mock_config;

/* The org and app names of Agora's older /{org_name}/{app_name}/ layout,
 * which the mock serves beside /app-id/{app_id}/. */
#define CFM_MOCK_AGORA_ORG "conform-demo-org"
#define CFM_MOCK_AGORA_APP "conform-demo-app"

typedef struct cfm_mock_fault {
  const char *name;      /* e.g. "tencent-destroy-http-500" */
  const char *vendor;    /* "tencent-im", "agora-chat", "dingtalk-rooms" */
  const char *statement; /* the documented statement it breaks, our words + doc section */
  /* The runner's cases that must newly fail against this fault (and pass
   * against the faithful mock): space-separated fnmatch globs on case ids.
   * tests/test_mutation.c holds every fault to it. */
  const char *cases;
} cfm_mock_fault;

/* Fills cfg with the demo defaults. */
void cfm_mock_config_init(cfm_mock_config *cfg);
/* The fault table, terminated by a NULL name. */
const cfm_mock_fault *cfm_mock_faults(void);
/* Starts a mock (threads owned by libmicrohttpd).  Returns 0 and *out, or
 * -1 with errbuf filled (unknown fault, cannot bind). */
int cfm_mock_start(const cfm_mock_config *cfg, cfm_mock **out, char *errbuf, size_t errcap);
/* The bound port. */
uint16_t cfm_mock_port(const cfm_mock *m);
/* Stops the listener and frees all state.  NULL is a no-op. */
void cfm_mock_stop(cfm_mock *m);

/* In-process request handling without sockets (used by the listener, the
 * fuzz harness and tests).  headers is "Name: value\n"-separated text.
 * Fills *status, a malloc'd body (caller frees) and content type. */
int cfm_mock_handle(cfm_mock *m, const char *method, const char *url, const char *headers,
                    const char *body, size_t body_len, int *status, char **resp_body,
                    size_t *resp_len, const char **content_type);

#endif
