/* conform mock — what the Agora Chat files share: the state, the answer
 * helpers of mock_agora.c and the handlers of mock_agora_write.c and
 * mock_agora_read.c, which mock_agora.c routes to.  The state lock is held
 * by every caller. */
#ifndef CONFORM_MOCK_AGORA_INT_H
#define CONFORM_MOCK_AGORA_INT_H

#include "mock_internal.h"

typedef struct agroup {
  char id[32];
  json_t *g; /* groupname avatar description public maxusers allowinvites membersonly
                invite_need_confirm owner members[] custom disabled created */
} agroup;

struct agora_state {
  agroup *items; /* creation order */
  size_t count, cap;
  unsigned long long next_id;
};

/* Answers status with an Agora error body {error: type, exception, …}. */
void cfm__agora_error(mock_resp *resp, int status, const char *type, const char *exception,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* The envelope of a success answer (new): action, application, uri, … */
json_t *cfm__agora_envelope(const cfm_mock *m, const char *action, const char *uri);
/* The group with that id, or NULL. */
agroup *cfm__agora_find_group(cfm_mock *m, const char *id);
/* Whether u owns or is a member of the group object g. */
int cfm__agora_is_member(const json_t *g, const char *u);
/* Answers the missing group id (with its faults). */
void cfm__agora_not_found(cfm_mock *m, mock_resp *resp, const char *id);
/* The request's JSON object body (new), or NULL with resp filled. */
json_t *cfm__agora_parse_body(const mock_req *r, mock_resp *resp);
/* A copy of a state value for an answer (new; null for NULL). */
json_t *cfm__agora_cp(const json_t *v);

void cfm__agora_create_group(cfm_mock *m, const mock_req *r, mock_resp *resp);
void cfm__agora_set_disabled(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id,
                             int disabled);
void cfm__agora_modify_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id);
void cfm__agora_delete_group(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id);
void cfm__agora_add_members(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *id);
void cfm__agora_list_groups(cfm_mock *m, const mock_req *r, mock_resp *resp);
void cfm__agora_user_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *user);
void cfm__agora_get_groups(cfm_mock *m, const mock_req *r, mock_resp *resp, const char *ids);

#endif
