/* conform mock — internals shared by the core and the vendor handlers. */
#ifndef CONFORM_MOCK_INTERNAL_H
#define CONFORM_MOCK_INTERNAL_H
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conform/buf.h"
#include "conform/mock.h"

#define MOCK_MAX_FAULTS 64
#define MOCK_MAX_RESPONSE (4u * 1024u * 1024u)

/* One request, parsed.  cfm_mock_handle sets each field one by one (no
 * memset of the 8 KiB path): a new field must be set there too. */
typedef struct mock_req {
  const char *method;
  char path[8192];     /* decoded path, no query */
  const char *query;   /* raw query string (after '?'), "" if none */
  const char *headers; /* "Name: value\n" lines */
  const char *body;
  size_t body_len;
  int body_too_big; /* the body exceeded cfg.max_body_bytes */
} mock_req;

typedef struct mock_resp {
  int status;
  cfm_buf body;
  json_t *json; /* the answer, serialised into body after the state lock is released */
  const char *content_type;
} mock_resp;

typedef struct bucket {
  char key[64];
  double tokens;
  double last;
} bucket;

typedef struct agora_state agora_state;
typedef struct tencent_state tencent_state;
typedef struct dingtalk_state dingtalk_state;

struct cfm_mock {
  cfm_mock_config cfg;
  char *strings[16]; /* owned copies of cfg strings */
  const char *faults[MOCK_MAX_FAULTS];
  size_t nfaults;
  pthread_mutex_t lock; /* guards all vendor state and buckets */
  bucket buckets[32];
  size_t nbuckets;
  agora_state *agora;
  tencent_state *tencent;
  dingtalk_state *dingtalk;
  void *daemon; /* struct MHD_Daemon * */
  uint16_t port;
};

/* Allocates a mock from cfg (strings copied, faults checked, vendor state
 * initialised) without a listener; -1 with errbuf filled. */
int cfm__mock_new(const cfm_mock_config *cfg, cfm_mock **out, char *errbuf, size_t errcap);
/* Frees everything cfm__mock_new made (the listener must be stopped). */
void cfm__mock_free(cfm_mock *m);

/* 1 when the fault is switched on. */
int cfm__mock_fault(const cfm_mock *m, const char *name);
/* The same, under the name some task briefs use. */
static inline int cfm__mock_fault_on(const cfm_mock *m, const char *name) {
  return cfm__mock_fault(m, name);
}

/* Takes a token from the bucket of key at per_second; 1 = allowed.  Only
 * enforced when cfg.enforce_rate_limits (else always 1).  Call with the
 * lock held. */
int cfm__mock_rate_take(cfm_mock *m, const char *key, double per_second);

/* Query parameter value (URL-decoded) into out; 1 if present. */
int cfm__mock_query(const mock_req *r, const char *name, char *out, size_t cap);
/* Header value (case-insensitive name) into out; 1 if present. */
int cfm__mock_header(const mock_req *r, const char *name, char *out, size_t cap);

/* Sets a JSON body (steals obj; NULL answers 500).  obj is serialised
 * after the handler has released the state lock, so it must not share any
 * value with the state: copy state values into it (json_copy). */
void cfm__mock_json(mock_resp *resp, int status, json_t *obj);

/* Milliseconds since the epoch. */
int64_t cfm__mock_now_ms(void);

/* Epoch seconds that tokens are checked against (cfg.clock, else time). */
static inline int64_t cfm__mock_clock_s(const cfm_mock *m) {
  return m->cfg.clock ? m->cfg.clock(m->cfg.clock_arg) : (int64_t)time(NULL);
}

/* A vendor of the mock.  handle returns 1 when the path is the vendor's
 * (resp filled), 0 to let the next vendor look; it takes m->lock itself
 * around its state and cfm__mock_rate_take.  A 429 gets "Retry-After: 1"
 * from the listener.  The core knows vendors only through this table. */
typedef struct cfm__mock_vendor {
  const char *name;
  int (*init)(cfm_mock *m);     /* 0, or -1 out of memory */
  void (*release)(cfm_mock *m); /* frees the vendor's state */
  int (*handle)(cfm_mock *m, const mock_req *r, mock_resp *resp);
  const cfm_mock_fault *faults; /* NULL-name terminated */
} cfm__mock_vendor;

/* The registered vendors in dispatch order (Tencent, Agora, DingTalk),
 * NULL-terminated (mock_vendors.c).  A path no vendor claims answers 404. */
extern const cfm__mock_vendor *const cfm__mock_vendors[];

#endif
