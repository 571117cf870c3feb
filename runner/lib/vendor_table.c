/* conform — the vendor table (vendor_table.h): data only. */
#include "vendor_table.h"

static const char *const tencent_demo[] = {"sdkappid",   "1400000000",
                                           "identifier", "administrator",
                                           "secret_key", "conform-demo-secret-key",
                                           NULL};
static const char *const agora_demo[] = {"app_token", "conform-demo-app-token", NULL};
static const char *const dingtalk_demo[] = {"access_token", "conform-demo-access-token", NULL};

const cfm_vendor_row cfm_vendor_table[] = {
    {"tencent-im", tencent_demo},
    {"agora-chat", agora_demo},
    {"dingtalk-rooms", dingtalk_demo},
};
const size_t cfm_vendor_count = sizeof(cfm_vendor_table) / sizeof(cfm_vendor_table[0]);
