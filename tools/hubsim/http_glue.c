/* libmicrohttpd glue: collects a request, counts it, applies the network
 * faults (delay, hang, rate limit, error, reset, slow, truncate, broken JSON)
 * around hubsim_handle, and takes the listener down and up again. */
#include "internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conn_state {
    struct fc_buf upload;
    bool too_big;
};

struct arg_collect {
    const char *keys[MAX_QUERY_ARGS];
    const char *vals[MAX_QUERY_ARGS];
    size_t n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct arg_collect *a = cls;
    if (a->n < MAX_QUERY_ARGS) {
        a->keys[a->n] = key;
        a->vals[a->n] = value ? value : "";
        a->n++;
    }
    return MHD_YES;
}

/* Streams a body with a fault: cut the connection mid-body, or pace it. */
struct stream {
    char *data;
    size_t len;
    enum fault_kind kind;
    int bytes_per_sec;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    if (s->kind == FAULT_RESET && pos >= s->len / 2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (pos >= s->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = s->len - (size_t)pos;
    if (s->kind == FAULT_RESET && pos + n > s->len / 2)
        n = s->len / 2 - (size_t)pos;
    if (s->kind == FAULT_SLOW) {
        size_t chunk = (size_t)(s->bytes_per_sec / 10 > 0 ? s->bytes_per_sec / 10 : 1);
        if (n > chunk)
            n = chunk;
        hubsim_sleep_ms(100);
    }
    if (n > max)
        n = max;
    memcpy(buf, s->data + pos, n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    free(s->data);
    free(s);
}

static void *down_thread(void *arg);

/* Buffers an upload chunk; a body over MAX_UPLOAD_BYTES is remembered and
 * answered with 413 once complete. */
static void collect_upload(struct conn_state *cs, const char *data, size_t *size)
{
    if (cs->upload.len + *size > MAX_UPLOAD_BYTES)
        cs->too_big = true;
    else
        fc_buf_append(&cs->upload, data, *size);
    *size = 0;
}

/* Counts a hub request and draws its network fault; sleeps the drawn delay.
 * Control requests (/_sim/...) are neither counted nor faulted. */
static struct fault_decision count_and_draw_fault(struct hubsim *hs, const char *url)
{
    struct fault_decision fd = {0};
    if (strncmp(url, "/_sim/", 6) == 0)
        return fd;
    pthread_mutex_lock(&hs->stats_lock);
    hs->requests[hubsim_endpoint_index(url)]++;
    pthread_mutex_unlock(&hs->stats_lock);
    fd = faults_decide(&hs->faults, url);
    if (fd.delay_ms)
        hubsim_sleep_ms(fd.delay_ms);
    return fd;
}

/* The answer before transport faults: 413, a drawn status fault, or the
 * handler's response with item faults applied. */
static void build_response(struct hubsim *hs, struct MHD_Connection *conn, const char *url,
                           const char *method, const struct conn_state *cs,
                           const struct fault_decision *fd, struct sim_response *resp)
{
    if (cs->too_big) {
        resp->status = 413;
        resp->content_type = "application/json";
        fc_buf_puts(&resp->body, "{\"error\":\"body too large\"}");
    } else if (fd->kind == FAULT_RATE_LIMIT) {
        resp->status = 429;
        resp->content_type = "application/json";
        resp->retry_after_s = fd->retry_after_s;
        fc_buf_puts(&resp->body, "{\"error\":\"rate limit exceeded\"}");
    } else if (fd->kind == FAULT_ERROR) {
        resp->status = fd->status;
        resp->content_type = "text/plain";
        fc_buf_printf(&resp->body, "simulated error %d", fd->status);
    } else {
        struct arg_collect a = {.n = 0};
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
        hubsim_handle(hs, method, url, a.keys, a.vals, a.n, cs->upload.data, cs->upload.len,
                      resp);
        if (resp->status == 200)
            faults_apply_items(&hs->faults, fd, &resp->body);
    }
    if (!resp->body.data)
        fc_buf_puts(&resp->body, "");
}

/* The MHD response carrying body with the transport fault applied: cut or
 * paced as a stream, truncated, or with a byte broken. Takes the body. */
static struct MHD_Response *fault_body(const struct fault_decision *fd, struct fc_buf *body)
{
    if (fd->kind == FAULT_RESET || fd->kind == FAULT_SLOW) {
        struct stream *s = fc_xcalloc(1, sizeof(*s));
        s->len = body->len;
        s->data = fc_buf_take(body);
        s->kind = fd->kind;
        s->bytes_per_sec = fd->slow_bytes_per_sec;
        return MHD_create_response_from_callback(s->len, 16384, stream_read, s, stream_free);
    }
    size_t len = body->len;
    if (fd->kind == FAULT_TRUNCATE)
        len /= 2;
    if (fd->kind == FAULT_BROKEN_JSON && len > 2)
        body->data[len / 2] = 0x01; /* a raw control byte is invalid anywhere in JSON */
    return MHD_create_response_from_buffer(len, fc_buf_take(body), MHD_RESPMEM_MUST_FREE);
}

static void add_headers(const struct hubsim *hs, const struct sim_response *resp,
                        struct MHD_Response *mr)
{
    if (resp->content_type)
        MHD_add_response_header(mr, "Content-Type", resp->content_type);
    if (resp->retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", resp->retry_after_s);
        MHD_add_response_header(mr, "Retry-After", ra);
    }
    if (hs->o.flavour == SIM_SNAPCHAIN)
        MHD_add_response_header(mr, "Access-Control-Allow-Origin", "*");
}

struct down_ctx {
    struct hubsim *hs;
    int ms;
};

/* A "down" fault: the listener closes after this answer, for down_ms. */
static void schedule_down(struct hubsim *hs, int down_ms)
{
    if (!down_ms || hs->downer_running)
        return;
    hs->downer_running = true;
    hs->down = true;
    struct down_ctx *ctx = fc_xmalloc(sizeof(*ctx));
    ctx->hs = hs;
    ctx->ms = down_ms;
    if (pthread_create(&hs->downer, NULL, down_thread, ctx) != 0) {
        free(ctx);
        hs->downer_running = false;
        hs->down = false;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct hubsim *hs = cls;
    struct conn_state *cs = *con_cls;
    if (!cs) {
        /* Answering on the first call would make MHD close the connection. */
        *con_cls = fc_xcalloc(1, sizeof(*cs));
        return MHD_YES;
    }
    if (*upload_size) {
        collect_upload(cs, upload_data, upload_size);
        return MHD_YES;
    }
    struct fault_decision fd = count_and_draw_fault(hs, url);
    if (fd.kind == FAULT_HANG) {
        hubsim_sleep_ms(fd.hang_ms);
        return MHD_NO; /* drop the connection without an answer */
    }
    struct sim_response resp = {0};
    build_response(hs, conn, url, method, cs, &fd, &resp);
    /* h_sim_faults asks for a "down" with a negative retry_after_s. */
    int down_ms = resp.retry_after_s < 0 ? -resp.retry_after_s : 0;
    if (down_ms)
        resp.retry_after_s = 0;
    struct MHD_Response *mr = fault_body(&fd, &resp.body);
    add_headers(hs, &resp, mr);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, mr);
    MHD_destroy_response(mr);
    fc_buf_cleanup(&resp.body);
    schedule_down(hs, down_ms);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct conn_state *cs = *con_cls;
    if (cs) {
        fc_buf_cleanup(&cs->upload);
        free(cs);
        *con_cls = NULL;
    }
}

struct MHD_Daemon *hubsim_listen(struct hubsim *hs, uint16_t port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, hs->o.bind ? hs->o.bind : "127.0.0.1", &addr.sin_addr) != 1)
        return NULL;
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ITC,
                            port, NULL, NULL, on_request, hs, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, hs,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_CONNECTION_LIMIT,
                            4096, MHD_OPTION_CONNECTION_TIMEOUT, 120, MHD_OPTION_END);
}

/* Takes the server down for a while: new connections are refused (the
 * listening socket is closed), then a fresh daemon takes the same port. */
static void *down_thread(void *arg)
{
    struct down_ctx *ctx = arg;
    struct hubsim *hs = ctx->hs;
    int ms = ctx->ms;
    free(ctx);
    hubsim_sleep_ms(50); /* let the control response leave first */
    MHD_socket fd = MHD_quiesce_daemon(hs->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int waited = 0; waited < ms && !hs->stopping; waited += 20)
        hubsim_sleep_ms(20);
    struct MHD_Daemon *old = hs->daemon;
    MHD_stop_daemon(old);
    hs->daemon = hs->stopping ? NULL : hubsim_listen(hs, hs->port);
    hs->down = false;
    return NULL;
}
