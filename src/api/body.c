#include "api/body.h"

#include <stdio.h>
#include <string.h>

#include "core/jsondepth.h"

const char *const fc_api_login_fields[] = {"password", NULL};
const char *const fc_api_target_add_fields[] = {"fid", "root", NULL};
const char *const fc_api_target_put_fields[] = {"root", NULL};
const char *const fc_api_client_add_fields[] = {"fid", NULL};

yajl_val fc_api_body_object(const char *body, size_t len, const char *const *allowed,
                            const char **code, char *msg, size_t msg_size)
{
    if (!fc_json_shape_ok(body, len, FC_API_BODY_MAX_DEPTH, FC_API_BODY_MAX_ITEMS)) {
        *code = "too_deep";
        snprintf(msg, msg_size, "the body nests deeper than %d levels or has more than %d values",
                 FC_API_BODY_MAX_DEPTH, FC_API_BODY_MAX_ITEMS);
        return NULL;
    }
    char err[256] = "";
    yajl_val v = len ? yajl_tree_parse(body, err, sizeof(err)) : NULL;
    if (!v || !YAJL_IS_OBJECT(v)) {
        for (char *c = err; *c; c++)
            if (*c == '\n')
                *c = ' ';
        *code = "invalid_json";
        snprintf(msg, msg_size, "the body must be a JSON object%s%s", *err ? ": " : "", err);
        yajl_tree_free(v);
        return NULL;
    }
    for (size_t i = 0; i < YAJL_GET_OBJECT(v)->len; i++) {
        const char *k = YAJL_GET_OBJECT(v)->keys[i];
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(allowed[j], k) == 0;
        if (!ok) {
            *code = "invalid_field";
            snprintf(msg, msg_size, "unknown field \"%.60s\"", k);
            yajl_tree_free(v);
            return NULL;
        }
    }
    return v;
}

yajl_val fc_api_body_field(yajl_val obj, const char *name)
{
    const char *path[] = {name, NULL};
    return yajl_tree_get(obj, path, yajl_t_any);
}

bool fc_api_body_fid_text(yajl_val obj, char out[32])
{
    yajl_val v = fc_api_body_field(obj, "fid");
    if (v && YAJL_IS_INTEGER(v))
        snprintf(out, 32, "%lld", YAJL_GET_INTEGER(v));
    else if (v && YAJL_IS_STRING(v) && strlen(v->u.string) < 32)
        snprintf(out, 32, "%s", YAJL_GET_STRING(v));
    else
        return false;
    return true;
}

bool fc_api_body_bool(yajl_val obj, const char *name, bool def, bool *out)
{
    yajl_val v = fc_api_body_field(obj, name);
    if (!v) {
        *out = def;
        return true;
    }
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
        return false;
    *out = YAJL_IS_TRUE(v);
    return true;
}

const char *fc_api_body_string(yajl_val obj, const char *name, size_t max)
{
    yajl_val v = fc_api_body_field(obj, name);
    if (!v || !YAJL_IS_STRING(v) || strlen(v->u.string) > max)
        return NULL;
    return v->u.string;
}
