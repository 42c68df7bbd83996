#include "support/store.h"

struct fc_db *fct_db_connect(const char *url)
{
    struct fc_db_options o = {.url = url};
    struct fc_db *db;
    struct fc_diag d;
    if (fc_db_open(&o, &db, &d))
        fail_msg("%s", d.msg);
    return db;
}
