/* Serves the embedded web UI: index.html at / (never cached), every other
 * asset at /ui/<version>/<name> (cached for a year: the version changes with
 * any content), with ETag / If-None-Match and gzip when the client takes it. */
#ifndef FC_API_UI_H
#define FC_API_UI_H

#include <stdbool.h>

#include "api/http.h"

/* The UI's own paths: "/" and "/ui/..." */
bool fc_api_ui_path(const char *path);

/* The Content-Security-Policy of the UI (and of every admin answer): only
 * this origin's scripts and styles, nothing inline. */
extern const char fc_api_ui_csp[];

/* Answers GET/HEAD for a UI path (404 for an unknown asset, 405 for other methods). */
void fc_api_ui_serve(const struct fc_http_req *req, struct fc_http_resp *resp);

#endif
