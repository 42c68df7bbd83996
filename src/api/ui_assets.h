/* The web UI's files, embedded at build time by cmake/embed_ui.cmake. */
#ifndef FC_API_UI_ASSETS_H
#define FC_API_UI_ASSETS_H

#include <stddef.h>

struct fc_ui_asset {
    const char *name;         /* "index.html", "js/app.js", "vendor/chart.min.js" */
    const char *type;         /* Content-Type */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz;  /* gzip -9 -n of data */
    size_t gz_len;
    const char *etag;         /* hex digest of data, unquoted */
};

extern const struct fc_ui_asset fc_ui_assets[]; /* ends with a NULL name */
extern const char fc_ui_version[];              /* hash of every asset: the /ui/<version>/ prefix */
extern const size_t fc_ui_total_gzip_bytes;

#endif
