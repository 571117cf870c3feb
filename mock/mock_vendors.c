/* conform mock — the vendor table: adding a vendor is one file with its
 * registration line plus one row here. */
#include "mock_vendors.h"

#include <stddef.h>

const cfm__mock_vendor *const cfm__mock_vendors[] = {
    &cfm__mock_vendor_tencent,
    &cfm__mock_vendor_agora,
    &cfm__mock_vendor_dingtalk,
    &cfm__mock_vendor_agora_org_app,
    NULL,
};
