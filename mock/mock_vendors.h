/* conform mock — the vendors' entry points, for their registration lines
 * and the vendor table (mock_vendors.c) only: the core reaches vendors
 * through cfm__mock_vendors, never by name. */
#ifndef CONFORM_MOCK_VENDORS_H
#define CONFORM_MOCK_VENDORS_H

#include "mock_internal.h"

int cfm__mock_agora(cfm_mock *m, const mock_req *r, mock_resp *resp);
int cfm__mock_tencent(cfm_mock *m, const mock_req *r, mock_resp *resp);
int cfm__mock_dingtalk(cfm_mock *m, const mock_req *r, mock_resp *resp);

int cfm__mock_agora_init(cfm_mock *m);
void cfm__mock_agora_free(cfm_mock *m);
int cfm__mock_tencent_init(cfm_mock *m);
void cfm__mock_tencent_free(cfm_mock *m);
int cfm__mock_dingtalk_init(cfm_mock *m);
void cfm__mock_dingtalk_free(cfm_mock *m);

extern const cfm_mock_fault cfm__mock_agora_faults[];
extern const cfm_mock_fault cfm__mock_tencent_faults[];
extern const cfm_mock_fault cfm__mock_dingtalk_faults[];

extern const cfm__mock_vendor cfm__mock_vendor_tencent;
extern const cfm__mock_vendor cfm__mock_vendor_agora;
extern const cfm__mock_vendor cfm__mock_vendor_dingtalk;
extern const cfm__mock_vendor cfm__mock_vendor_agora_org_app;

/* 1 when tok is an Agora token revoked by cfg.agora_revoke_at
 * (mock_agora_compat.c). */
int cfm__mock_agora_revoked(const cfm_mock *m, const char *tok);

#endif
