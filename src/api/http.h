/* The HTTP layer of the API: a request as handlers see it, the response they
 * fill, and the JSON error shape every client mistake gets. Only http_req.c,
 * conn.c and server.c see libmicrohttpd. */
#ifndef FC_API_HTTP_H
#define FC_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define FC_HTTP_MAX_PARAMS 4

struct fc_api;

struct fc_http_req {
    const char *method;
    const char *path;
    void *conn;            /* struct MHD_Connection * */
    const char *body;      /* NUL-terminated copy of the request body */
    size_t body_len;
    char ip[64];           /* client address */
    char request_id[40];
    const char *param[FC_HTTP_MAX_PARAMS]; /* :name segments of the route, in order */
    size_t n_param;
    struct fc_api *api;
    char subject[64];      /* admin routes: the session's subject, id and expiry once checked */
    char session_id[40];
    int64_t session_exp;
    /* on a connection's thread: the handler answers only from the cache
     * (or with a parameter error); needing the database, it sets
     * need_worker and the request goes to a query worker */
    bool probe, need_worker;
    bool public_read;      /* a public or search route: may read from the read replica */
    int64_t read_as_of_ms; /* oldest replica data read so far (fc_now_mono_ms); 0: none */
};

struct fc_http_resp {
    int status;
    struct fc_buf body;
    const char *content_type; /* default application/json */
    struct fc_buf headers;    /* "Name: value\n" lines */
    char cache[16];           /* "hit" / "miss" / "": for metrics and X-Cache */
};

/* Query argument, header or cookie value; NULL when absent. */
const char *fc_http_arg(const struct fc_http_req *r, const char *key);
const char *fc_http_header(const struct fc_http_req *r, const char *name);
/* Copies cookie name's value into out; false when absent or too long. */
bool fc_http_cookie(const struct fc_http_req *r, const char *name, char *out, size_t out_size);

void fc_http_add_header(struct fc_http_resp *resp, const char *name, const char *value);

/* Sets status and the body {"error":{"code":code,"message":...}}. */
void fc_http_error(struct fc_http_resp *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets status and a JSON body copied from json[len]. */
void fc_http_json(struct fc_http_resp *resp, int status, const char *json, size_t len);

#endif
