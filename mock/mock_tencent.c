#include "mock_internal.h"
const cfm_mock_fault cfm__mock_tencent_faults[] = {{NULL, NULL, NULL}};
int cfm__mock_tencent_init(cfm_mock *m) { (void)m; return 0; }
void cfm__mock_tencent_free(cfm_mock *m) { (void)m; }
int cfm__mock_tencent(cfm_mock *m, const mock_req *r, mock_resp *resp) { (void)m; (void)r; (void)resp; return 0; }
