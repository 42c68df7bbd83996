#include "state/procs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"
#include "state/facade.h"
#include "state/procs_backend.h"

FC_STATE_FACADE(procs)
FC_STATE_FACADE_OPENERS(procs)

enum fc_err fc_procs_publish(struct fc_procs *p, struct fc_proc_status *s, struct fc_diag *diag)
{
    s->heartbeat_unix_ms = fc_now_unix_ms();
    return p->ops->publish(p->impl, s, diag);
}

enum fc_err fc_procs_remove(struct fc_procs *p, const char *id, struct fc_diag *diag)
{
    return p->ops->remove(p->impl, id, diag);
}

static int by_start(const void *a, const void *b)
{
    const struct fc_proc_status *x = a, *y = b;
    if (x->started_unix_ms != y->started_unix_ms)
        return x->started_unix_ms < y->started_unix_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

enum fc_err fc_procs_list(struct fc_procs *p, struct fc_proc_status **out, size_t *n,
                          struct fc_diag *diag)
{
    int64_t now = fc_now_unix_ms();
    struct fc_proc_status *list = NULL;
    size_t count = 0;
    enum fc_err err = p->ops->list(p->impl, now - FC_PROC_FORGET_MS, &list, &count, diag);
    if (err)
        return err;
    for (size_t i = 0; i < count; i++)
        list[i].alive = now - list[i].heartbeat_unix_ms <= FC_PROC_ALIVE_MS;
    if (count > 1)
        qsort(list, count, sizeof(*list), by_start);
    *out = list;
    *n = count;
    return FC_OK;
}

void fc_proc_status_identify(struct fc_proc_status *s, const char *role, const char *version,
                             int64_t started_unix_ms)
{
    if (gethostname(s->host, sizeof(s->host)) != 0)
        snprintf(s->host, sizeof(s->host), "unknown");
    s->host[sizeof(s->host) - 1] = '\0';
    s->pid = (int)getpid();
    s->started_unix_ms = started_unix_ms;
    snprintf(s->role, sizeof(s->role), "%s", role);
    snprintf(s->version, sizeof(s->version), "%s", version);
    snprintf(s->id, sizeof(s->id), "%s:%d:%" PRId64, s->host, s->pid, started_unix_ms);
}

/* ---- text form: one "key value" line per field ----
 * Strings never hold a newline (names and errors are flattened on write). */

static void put_str(struct fc_buf *o, const char *key, const char *v)
{
    fc_buf_printf(o, "%s ", key);
    for (const char *c = v; *c; c++)
        fc_buf_putc(o, (*c == '\n' || *c == '\r') ? ' ' : *c);
    fc_buf_putc(o, '\n');
}

void fc_proc_status_encode(const struct fc_proc_status *s, struct fc_buf *o)
{
    put_str(o, "id", s->id);
    put_str(o, "role", s->role);
    put_str(o, "host", s->host);
    put_str(o, "version", s->version);
    fc_buf_printf(o, "pid %d\nstarted %" PRId64 "\nheartbeat %" PRId64 "\n", s->pid,
                  s->started_unix_ms, s->heartbeat_unix_ms);
    if (!s->indexer)
        return;
    fc_buf_printf(o,
                  "indexer 1\nfollower %d\nevents_read %" PRIu64 "\nevents_applied %" PRIu64
                  "\nbackfill_messages %" PRIu64 "\ndead_letters %" PRIu64
                  "\nretention_resyncs %" PRIu64 "\nblock_rereads %" PRIu64
                  "\nwriter_retries %" PRIu64 "\ndb_down %" PRIu64 "\nredis_down %" PRIu64
                  "\nevents_per_s %.3f\nmessages_per_s %.3f\n",
                  s->follower ? 1 : 0, s->events_read, s->events_applied, s->backfill_messages,
                  s->dead_letters, s->retention_resyncs, s->block_rereads, s->writer_retries,
                  s->db_down, s->redis_down, s->events_per_s, s->messages_per_s);
    for (unsigned i = 0; i < 6; i++)
        fc_buf_printf(o, "verify_%u %" PRIu64 "\n", i, s->verify[i]);
    fc_buf_printf(o, "verify_rejected %" PRIu64 "\n", s->verify_rejected);
    for (unsigned i = 0; i < s->n_streams; i++)
        fc_buf_printf(o, "stream %u %" PRIu64 " %.3f\n", s->stream[i].shard, s->stream[i].cursor,
                      s->stream[i].lag_s);
    for (unsigned h = 0; h < s->n_hubs; h++) {
        const struct fc_proc_hub *hub = &s->hub[h];
        fc_buf_printf(o, "hub %u %d %.3f ", h, hub->breaker_open ? 1 : 0, hub->latency_ms);
        for (const char *c = hub->name; *c; c++) /* names hold no spaces in the text form */
            fc_buf_putc(o, (*c == ' ' || *c == '\n' || *c == '\r') ? '_' : *c);
        fc_buf_putc(o, '\n');
        char key[32];
        snprintf(key, sizeof(key), "hub_error %u", h);
        put_str(o, key, hub->last_error);
        for (unsigned k = 0; k < hub->n_outcomes; k++)
            fc_buf_printf(o, "hub_outcome %u %s %" PRIu64 "\n", h, hub->outcome[k].name,
                          hub->outcome[k].count);
    }
}

FC_MUST_CHECK
static enum fc_err bad(struct fc_diag *d, const char *line, size_t n)
{
    return fc_diag_set(d, FC_ERR_INVALID, "process status: malformed line '%.*s'",
                       (int)(n > 80 ? 80 : n), line);
}

static void copy_str(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v)
        return false;
    *out = v;
    return true;
}

/* One numeric field line: key and value already split. */
static bool numeric_field(struct fc_proc_status *s, const char *key, const char *val)
{
    static const struct {
        const char *key;
        size_t off;
    } u64s[] = {
        {"events_read", offsetof(struct fc_proc_status, events_read)},
        {"events_applied", offsetof(struct fc_proc_status, events_applied)},
        {"backfill_messages", offsetof(struct fc_proc_status, backfill_messages)},
        {"dead_letters", offsetof(struct fc_proc_status, dead_letters)},
        {"verify_0", offsetof(struct fc_proc_status, verify[0])},
        {"verify_1", offsetof(struct fc_proc_status, verify[1])},
        {"verify_2", offsetof(struct fc_proc_status, verify[2])},
        {"verify_3", offsetof(struct fc_proc_status, verify[3])},
        {"verify_4", offsetof(struct fc_proc_status, verify[4])},
        {"verify_5", offsetof(struct fc_proc_status, verify[5])},
        {"verify_rejected", offsetof(struct fc_proc_status, verify_rejected)},
        {"retention_resyncs", offsetof(struct fc_proc_status, retention_resyncs)},
        {"block_rereads", offsetof(struct fc_proc_status, block_rereads)},
        {"writer_retries", offsetof(struct fc_proc_status, writer_retries)},
        {"db_down", offsetof(struct fc_proc_status, db_down)},
        {"redis_down", offsetof(struct fc_proc_status, redis_down)},
    };
    for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
        if (strcmp(key, u64s[i].key) == 0)
            return parse_u64(val, (uint64_t *)(void *)((char *)s + u64s[i].off));
    int64_t v;
    if (strcmp(key, "pid") == 0) {
        if (!parse_i64(val, &v) || v <= 0 || v > INT32_MAX)
            return false;
        s->pid = (int)v;
        return true;
    }
    if (strcmp(key, "started") == 0)
        return parse_i64(val, &s->started_unix_ms);
    if (strcmp(key, "heartbeat") == 0)
        return parse_i64(val, &s->heartbeat_unix_ms);
    if (strcmp(key, "events_per_s") == 0)
        return parse_double(val, &s->events_per_s);
    if (strcmp(key, "messages_per_s") == 0)
        return parse_double(val, &s->messages_per_s);
    if (strcmp(key, "indexer") == 0 || strcmp(key, "follower") == 0) {
        if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
            return false;
        *(key[0] == 'i' ? &s->indexer : &s->follower) = val[0] == '1';
        return true;
    }
    return true; /* a field from a newer version */
}

static bool hub_line(struct fc_proc_status *s, const char *key, char *val)
{
    unsigned h;
    int used = 0;
    if (sscanf(val, "%u%n", &h, &used) != 1 || h >= FC_PROC_MAX_HUBS || val[used] != ' ')
        return false;
    char *rest = val + used + 1;
    struct fc_proc_hub *hub = &s->hub[h];
    if (h >= s->n_hubs)
        s->n_hubs = h + 1;
    if (strcmp(key, "hub_error") == 0) {
        copy_str(hub->last_error, sizeof(hub->last_error), rest, strlen(rest));
        return true;
    }
    if (strcmp(key, "hub") == 0) {
        int open, n = 0;
        double lat;
        if (sscanf(rest, "%d %lf %n", &open, &lat, &n) != 2 || (open != 0 && open != 1) || !n ||
            lat != lat || !rest[n])
            return false;
        hub->breaker_open = open == 1;
        hub->latency_ms = lat;
        copy_str(hub->name, sizeof(hub->name), rest + n, strlen(rest + n));
        return true;
    }
    /* hub_outcome H NAME COUNT */
    char *sp = strchr(rest, ' ');
    if (!sp || sp == rest || hub->n_outcomes >= FC_PROC_MAX_OUTCOMES)
        return false;
    uint64_t count;
    if (!parse_u64(sp + 1, &count))
        return false;
    copy_str(hub->outcome[hub->n_outcomes].name, sizeof(hub->outcome[0].name), rest,
             (size_t)(sp - rest));
    hub->outcome[hub->n_outcomes++].count = count;
    return true;
}

static bool stream_line(struct fc_proc_status *s, const char *val)
{
    if (s->n_streams >= FC_PROC_MAX_STREAMS)
        return false;
    char shard[16], cursor[24], lag[32];
    int n = 0;
    if (sscanf(val, "%15s %23s %31s%n", shard, cursor, lag, &n) != 3 || val[n])
        return false;
    uint64_t sh;
    struct fc_proc_stream *st = &s->stream[s->n_streams];
    if (!parse_u64(shard, &sh) || sh > UINT32_MAX || !parse_u64(cursor, &st->cursor) ||
        !parse_double(lag, &st->lag_s))
        return false;
    st->shard = (unsigned)sh;
    s->n_streams++;
    return true;
}

static bool field(struct fc_proc_status *s, const char *key, char *val)
{
    if (strcmp(key, "id") == 0)
        copy_str(s->id, sizeof(s->id), val, strlen(val));
    else if (strcmp(key, "role") == 0)
        copy_str(s->role, sizeof(s->role), val, strlen(val));
    else if (strcmp(key, "host") == 0)
        copy_str(s->host, sizeof(s->host), val, strlen(val));
    else if (strcmp(key, "version") == 0)
        copy_str(s->version, sizeof(s->version), val, strlen(val));
    else if (strcmp(key, "stream") == 0)
        return stream_line(s, val);
    else if (strncmp(key, "hub", 3) == 0 &&
             (!key[3] || strcmp(key, "hub_error") == 0 || strcmp(key, "hub_outcome") == 0))
        return hub_line(s, key, val);
    else
        return numeric_field(s, key, val);
    return true;
}

enum fc_err fc_proc_status_decode(const char *text, size_t len, struct fc_proc_status *out,
                                  struct fc_diag *diag)
{
    struct fc_proc_status s;
    memset(&s, 0, sizeof(s));
    size_t pos = 0;
    char line[512];
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *start = text + pos;
        pos += n + 1;
        if (n == 0)
            continue;
        if (n >= sizeof(line) || memchr(start, '\0', n))
            return bad(diag, start, n);
        memcpy(line, start, n);
        line[n] = '\0';
        char *sp = strchr(line, ' ');
        if (!sp || sp == line)
            return bad(diag, start, n);
        *sp = '\0';
        if (!field(&s, line, sp + 1))
            return bad(diag, start, n);
    }
    if (!s.id[0] || !s.role[0] || s.pid <= 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "process status: id, role or pid missing");
    *out = s;
    return FC_OK;
}
