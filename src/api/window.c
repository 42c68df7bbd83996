/* ?window= of the pages that look back over a time window (trending,
 * analytics): one table of the windows and the error naming those allowed. */
#include "api/internal.h"

#include <string.h>

static const struct fc_api_window windows[] = {
    {"1h", "1 hour", "minute"},
    {"24h", "24 hours", "hour"},
    {"7d", "7 days", "day"},
    {"30d", "30 days", "day"},
};

const struct fc_api_window *fc_api_window_arg(const struct fc_http_req *req,
                                              struct fc_http_resp *resp, size_t n)
{
    const char *win = fc_http_arg(req, "window");
    if (!win)
        win = "24h";
    if (n > sizeof(windows) / sizeof(windows[0]))
        n = sizeof(windows) / sizeof(windows[0]);
    for (size_t i = 0; i < n; i++)
        if (strcmp(win, windows[i].name) == 0)
            return &windows[i];
    struct fc_buf allowed = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        fc_buf_printf(&allowed, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ", windows[i].name);
    fc_http_error(resp, 400, "invalid_window", "window: expected %s, got \"%.20s\"", allowed.data,
                  win);
    fc_buf_cleanup(&allowed);
    return NULL;
}
