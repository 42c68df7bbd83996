#include "support/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "support/testenv.h"

yajl_val fct_json_get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *fct_json_sorted_csv(yajl_val arr, const char *field)
{
    size_t n = arr && YAJL_IS_ARRAY(arr) ? YAJL_GET_ARRAY(arr)->len : 0;
    char **items = fc_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        yajl_val v = YAJL_GET_ARRAY(arr)->values[i];
        if (field)
            v = fct_json_get(v, field);
        char tmp[128];
        if (YAJL_IS_STRING(v))
            snprintf(tmp, sizeof(tmp), "%s", YAJL_GET_STRING(v));
        else
            snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(v));
        items[i] = fc_xstrdup(tmp);
    }
    qsort(items, n, sizeof(char *), cmp_str);
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        fc_buf_printf(&b, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    free(items);
    return fc_buf_take(&b);
}

char *fct_json_keys_csv(yajl_val obj)
{
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "");
    for (size_t i = 0; YAJL_IS_OBJECT(obj) && i < YAJL_GET_OBJECT(obj)->len; i++)
        fc_buf_printf(&b, "%s%s", i ? "," : "", YAJL_GET_OBJECT(obj)->keys[i]);
    return fc_buf_take(&b);
}

yajl_val fct_json_fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", fct_require_env("FCINDEX_FIXTURES"), name);
    size_t len;
    char *text = fc_read_file(path, &len);
    if (!text)
        fail_msg("cannot read %s (FCINDEX_FIXTURES)", path);
    char err[128];
    yajl_val v = yajl_tree_parse(text, err, sizeof(err));
    free(text);
    if (!v)
        fail_msg("%s: %s", path, err);
    return v;
}
