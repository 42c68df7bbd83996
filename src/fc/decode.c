/* Walks hub JSON as it streams in (the JSON scanner's tokens): tracks containers and
 * the object being decoded, finds each value's field by its path, hands
 * values and complete objects to the Farcaster checks, and emits items.
 * The page itself is never kept: see carry and keep_raw. */
#include "fc/decode.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json_scan_loop.h"
#include "fc/decode_internal.h"

/* Memory a reset decoder keeps for the next page. */
#define FC_DECODER_KEEP_BYTES (1u << 20)

static size_t pos_now(struct fc_decoder *d)
{
    return fc_json_scan_pos(&d->scan);
}

/* The JSON path of the value being read, e.g. "messages[3].data.fid". */
static void path_text(struct fc_decoder *d, struct fc_buf *out)
{
    for (int i = 0; i < d->depth; i++) {
        const struct frame *f = &d->frames[i];
        if (f->is_array) /* index counts elements started: the current one is index-1 */
            fc_buf_printf(out, "[%zu]", f->index ? f->index - 1 : 0);
        else
            fc_buf_printf(out, "%s%s", out->len ? "." : "", f->key);
    }
}

void fc_dec_item_error(struct fc_decoder *d, const char *fmt, ...)
{
    if (d->error)
        return; /* the first problem names the item */
    struct fc_buf path = FC_BUF_INIT, msg = FC_BUF_INIT;
    path_text(d, &path);
    va_list ap;
    va_start(ap, fmt);
    fc_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    d->error_path = fc_arena_strndup(&d->arena, path.data ? path.data : "", path.len);
    d->error = fc_arena_strndup(&d->arena, msg.data, msg.len);
    fc_buf_cleanup(&path);
    fc_buf_cleanup(&msg);
}

/* Copies the bytes of the item that just ended (item_start to the current
 * position) into the arena: the carried part, then the part in this chunk. */
static void keep_raw(struct fc_decoder *d, struct fc_item *it)
{
    size_t end = pos_now(d), len = end - d->item_start;
    bool truncated = false;
    if (len > FC_MAX_RAW_ITEM_BYTES) {
        len = FC_MAX_RAW_ITEM_BYTES;
        truncated = true;
    }
    char *raw = fc_arena_alloc(&d->arena, len + 1);
    size_t got = 0;
    if (d->item_start < d->chunk_start) {
        got = d->carry.len < len ? d->carry.len : len;
        if (got)
            memcpy(raw, d->carry.data, got);
        truncated |= d->carry_truncated;
        if (!d->carry_truncated && got < len) {
            size_t more = len - got;
            memcpy(raw + got, d->chunk, more);
            got += more;
        }
    } else {
        got = len;
        memcpy(raw, d->chunk + (d->item_start - d->chunk_start), len);
    }
    raw[got] = '\0';
    it->raw = raw;
    it->raw_len = got;
    it->raw_truncated = truncated;
}

/* An item begins at item_start: forget what was carried for the previous one. */
static void begin_item(struct fc_decoder *d)
{
    d->item_open = true;
    fc_buf_reset(&d->carry);
    d->carry_truncated = false;
}

static void ctx_reset(struct ctx *c)
{
    memset(c, 0, CTX_KEPT); /* the arrays' storage stays */
    c->mentions.n = c->positions.n = c->embeds.n = c->compact.n = c->deleted.n = 0;
    c->embeds_dep.n = 0;
}

static void push_ctx(struct fc_decoder *d, enum ctx_kind kind, enum dest dest)
{
    struct ctx *c = &d->ctx[d->nctx++];
    ctx_reset(c);
    c->kind = kind;
    c->dest = dest;
    c->root_depth = d->depth; /* the map about to be opened */
    size_t size = kind == C_MSG ? sizeof(struct fc_message)
                  : kind == C_EVENT ? sizeof(struct fc_hub_event)
                  : kind == C_ONCHAIN ? sizeof(struct fc_onchain_event)
                                      : sizeof(struct fc_username_proof);
    /* An undecided "events" item may turn into an on-chain event: size for both. */
    if (size < sizeof(struct fc_onchain_event))
        size = sizeof(struct fc_onchain_event);
    if (size < sizeof(struct fc_hub_event))
        size = sizeof(struct fc_hub_event);
    c->obj = fc_arena_alloc(&d->arena, size);
    memset(c->obj, 0, size);
}

/* The hash of the value position the parser is at (key in a map, or the
 * next element of an array), relative to the current object's root. */
static inline uint64_t value_hash(struct fc_decoder *d)
{
    struct frame *f = &d->frames[d->depth - 1];
    return f->is_array ? H_ELEM(f->h) : f->val_h;
}

static bool in_item(struct fc_decoder *d)
{
    return d->nctx > 0;
}

static void count_unknown(struct fc_decoder *d)
{
    d->info.unknown_fields++;
}

/* An "events" item whose first field is its type: decide hub vs on-chain. */
static void decide_events_item(struct ctx *c, const char *s, size_t n)
{
    if (!c->undecided)
        return;
    c->undecided = false;
    c->kind = n >= 15 && memcmp(s, "HUB_EVENT_TYPE_", 15) == 0 ? C_EVENT : C_ONCHAIN;
}

static void on_scalar(struct fc_decoder *d, const char *s, size_t n, bool is_string, bool is_null)
{
    if (d->skip_depth || d->depth == 0)
        return;
    struct frame *fr = &d->frames[d->depth - 1];
    if (!in_item(d)) {
        /* Page-level scalars. */
        if (d->depth == 1 && !fr->is_array) {
            if (strcmp(fr->key, "nextPageToken") == 0 && is_string) {
                if (n >= sizeof(d->info.next_token)) {
                    d->token_too_long = true;
                } else {
                    memcpy(d->info.next_token, s, n);
                    d->info.next_token[n] = '\0';
                    d->info.has_next_token = true;
                }
            }
            else if (strcmp(fr->key, "nextPageEventId") == 0 && !is_string && !is_null) {
                uint64_t v;
                if (fc_dec_to_u64(d, s, n, UINT64_MAX, &v)) {
                    d->info.has_next_event_id = true;
                    d->info.next_event_id = v;
                }
            }
        } else if (d->kind == FC_PAGE_FIDS && fr->is_array && d->depth == d->items_depth) {
            uint64_t v;
            struct fc_item it = {.kind = FC_ITEM_FID, .index = fr->index};
            if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
                it.fid = v;
            } else {
                it.kind = FC_ITEM_ERROR;
                it.error_path = d->error_path;
                it.error = d->error;
                /* the scalar as JSON (a string is quoted again) */
                struct fc_buf raw = FC_BUF_INIT;
                if (is_string)
                    fc_buf_json_str(&raw, s, n);
                else
                    fc_buf_append(&raw, s, n);
                it.raw = fc_arena_strndup(&d->arena, raw.data, raw.len);
                it.raw_len = raw.len;
                fc_buf_cleanup(&raw);
                d->info.n_errors++;
            }
            d->error = d->error_path = NULL;
            d->info.n_items++;
            d->fn(d->ud, &it);
            fr->index++;
        }
        if (fr->is_array)
            fr->index++;
        return;
    }
    struct ctx *c = fc_dec_cur(d);
    uint64_t h = value_hash(d);
    if (fr->is_array)
        fr->index++;
    if (is_null)
        return; /* absent and null mean the same */
    if (c->undecided && is_string)
        decide_events_item(c, s, n);
    enum field f = fc_dec_field_at(c->kind, h);
    if (f == F_NONE) {
        count_unknown(d);
        return;
    }
    if (f == F_IGNORE || f == F_CONTAINER || f == F_SKIP)
        return;
    fc_dec_scalar(d, c, f, s, n, !is_string);
}

static bool cb_null(void *ud)
{
    on_scalar(ud, "null", 4, false, true);
    return true;
}

static bool cb_bool(void *ud, bool v)
{
    struct fc_decoder *d = ud;
    if (!d->skip_depth && in_item(d) && d->depth) {
        struct frame *fr = &d->frames[d->depth - 1];
        enum field f = fc_dec_field_at(fc_dec_cur(d)->kind, value_hash(d));
        if (fr->is_array)
            fr->index++;
        if (f != F_IGNORE && f != F_NONE)
            fc_dec_item_error(d, "unexpected boolean %s", v ? "true" : "false");
        else if (f == F_NONE)
            count_unknown(d);
    }
    return true;
}

static bool cb_number(void *ud, const char *s, size_t n)
{
    on_scalar(ud, s, n, false, false);
    return true;
}

static bool cb_string(void *ud, const char *s, size_t n)
{
    on_scalar(ud, s, n, true, false);
    return true;
}

/* Copies a key of k bytes: most are under 16, where overlapping fixed-size
 * copies beat a call to memcpy. */
static inline void key_copy(char *dst, const char *src, size_t k)
{
    if (k >= 8 && k <= 16) {
        memcpy(dst, src, 8);
        memcpy(dst + k - 8, src + k - 8, 8);
    } else if (k >= 4 && k < 8) {
        memcpy(dst, src, 4);
        memcpy(dst + k - 4, src + k - 4, 4);
    } else {
        memcpy(dst, src, k);
    }
}

static bool cb_map_key(void *ud, const char *key, size_t n)
{
    struct fc_decoder *d = ud;
    if (d->skip_depth)
        return true;
    struct frame *f = &d->frames[d->depth - 1];
    size_t k = n < sizeof(f->key) - 1 ? n : sizeof(f->key) - 1;
    key_copy(f->key, key, k);
    f->key[k] = '\0';
    f->val_h = hmix(f->h, key, n);
    if (!d->top_decided && d->depth == 1 && d->kind == FC_PAGE_AUTO) {
        /* The first key tells the page's shape. */
        d->top_decided = true;
        d->item_open = false; /* set again below for a single object */
        if (strcmp(f->key, "messages") == 0)
            d->kind = FC_PAGE_MESSAGES;
        else if (strcmp(f->key, "events") == 0 || strcmp(f->key, "nextPageEventId") == 0)
            d->kind = FC_PAGE_HUB_EVENTS; /* items decide hub vs on-chain by type */
        else if (strcmp(f->key, "proofs") == 0)
            d->kind = FC_PAGE_PROOFS;
        else if (strcmp(f->key, "fids") == 0)
            d->kind = FC_PAGE_FIDS;
        else if (strcmp(f->key, "nextPageToken") != 0) {
            /* A single object: the root map is the item. */
            enum ctx_kind kind = C_MSG;
            bool undecided = false;
            if (strcmp(f->key, "type") == 0 || strcmp(f->key, "id") == 0)
                kind = C_EVENT, undecided = true;
            else if (strcmp(f->key, "timestamp") == 0 || strcmp(f->key, "name") == 0 ||
                     strcmp(f->key, "owner") == 0)
                kind = C_PROOF;
            d->depth = 0; /* so the context's root is the root frame */
            push_ctx(d, kind, D_ITEM);
            d->depth = 1;
            fc_dec_cur(d)->undecided = undecided;
            d->item_index = 0;
            d->single = true;
            d->item_open = true;
        }
    }
    return true;
}

static const char *page_array_key(enum fc_page_kind k)
{
    switch (k) {
    case FC_PAGE_MESSAGES: return "messages";
    case FC_PAGE_HUB_EVENTS:
    case FC_PAGE_ONCHAIN_EVENTS: return "events";
    case FC_PAGE_PROOFS: return "proofs";
    case FC_PAGE_FIDS: return "fids";
    default: return "";
    }
}

static enum ctx_kind item_kind(enum fc_page_kind k)
{
    switch (k) {
    case FC_PAGE_HUB_EVENTS: return C_EVENT;
    case FC_PAGE_ONCHAIN_EVENTS: return C_ONCHAIN;
    case FC_PAGE_PROOFS: return C_PROOF;
    default: return C_MSG;
    }
}

static bool push_frame(struct fc_decoder *d, bool is_array)
{
    if (d->depth == MAX_DEPTH) {
        return false;
    }
    uint64_t h = d->depth ? value_hash(d) : H_ROOT;
    struct frame *f = &d->frames[d->depth++];
    memset(f, 0, sizeof(*f));
    f->is_array = is_array;
    f->h = h;
    return true;
}

static bool cb_start(struct fc_decoder *d, bool is_array)
{
    if (d->skip_depth) {
        d->skip_depth++;
        return true;
    }
    /* Where this container sits, before pushing it. */
    bool at_item = false;
    enum field f = F_NONE;
    if (d->depth == 0) {
        d->top_decided = false;
        d->item_start = pos_now(d) - 1;
        if (!is_array && d->kind == FC_PAGE_AUTO)
            begin_item(d); /* may turn out to be a single-object page */
    } else if (!in_item(d)) {
        struct frame *pf = &d->frames[d->depth - 1];
        if (d->depth == 1 && is_array && d->kind != FC_PAGE_AUTO &&
            strcmp(pf->key, page_array_key(d->kind)) == 0) {
            d->items_depth = d->depth + 1;
        } else if (pf->is_array && d->depth == d->items_depth && !is_array) {
            at_item = true;
        } else {
            d->skip_depth = 1; /* unknown page-level key */
            count_unknown(d);
            return true;
        }
    } else {
        f = fc_dec_field_at(fc_dec_cur(d)->kind, value_hash(d));
        if (f == F_NONE || f == F_SKIP) {
            if (f == F_NONE)
                count_unknown(d);
            struct frame *pf = &d->frames[d->depth - 1];
            if (pf->is_array)
                pf->index++;
            d->skip_depth = 1;
            return true;
        }
    }
    struct frame *parent = d->depth ? &d->frames[d->depth - 1] : NULL;
    size_t parent_index = parent && parent->is_array ? parent->index : 0;
    if (at_item) {
        if (d->info.n_items >= FC_MAX_ITEMS_PER_PAGE)
            return false;
        d->item_start = pos_now(d) - 1;
        begin_item(d);
        d->item_index = parent_index;
        d->error = d->error_path = NULL;
        push_ctx(d, item_kind(d->kind), D_ITEM);
        if (d->kind == FC_PAGE_HUB_EVENTS)
            fc_dec_cur(d)->undecided = true;
    }
    /* Sub-objects of an event are decoded as objects of their own kind. */
    static const struct {
        enum field f;
        enum ctx_kind k;
        enum dest dest;
    } subs[] = {
        {F_S_MESSAGE, C_MSG, D_MESSAGE}, {F_S_DELETED, C_MSG, D_DELETED},
        {F_S_ONCHAIN, C_ONCHAIN, D_ONCHAIN}, {F_S_PROOF, C_PROOF, D_PROOF},
        {F_S_DELETED_PROOF, C_PROOF, D_DELETED_PROOF}, {F_S_PROOF_MSG, C_MSG, D_PROOF_MSG},
        {F_S_DELETED_PROOF_MSG, C_MSG, D_DELETED_PROOF_MSG},
    };
    bool sub = false;
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]) && !is_array; i++) {
        if (f == subs[i].f) {
            if (d->nctx == MAX_CTX)
                return false;
            push_ctx(d, subs[i].k, subs[i].dest);
            sub = true;
        }
    }
    if (parent && parent->is_array)
        parent->index++;
    if (!push_frame(d, is_array))
        return false;
    if (at_item || sub || d->depth == 1)
        d->frames[d->depth - 1].h = H_ROOT;
    /* body objects seen, to check they match the message type */
    if (in_item(d) && fc_dec_cur(d)->kind == C_MSG && f >= F_O_CAST_ADD && f <= F_O_FRAME)
        fc_dec_cur(d)->bodies |= 1u << (f - F_O_CAST_ADD);
    if (f == F_EMBED_ELEM) {
        struct ctx *c = fc_dec_cur(d);
        if (c->embeds.n >= FC_MAX_EMBEDS) {
            fc_dec_item_error(d, "more than %d embeds", FC_MAX_EMBEDS);
        } else {
            struct fc_embed *e = fc_vec_push(&c->embeds);
            memset(e, 0, sizeof(*e));
        }
    }
    return true;
}

static bool cb_start_map(void *ud)
{
    return cb_start(ud, false);
}

static bool cb_start_array(void *ud)
{
    return cb_start(ud, true);
}

static void attach(struct fc_decoder *d, struct ctx *child, bool known)
{
    struct ctx *parent = &d->ctx[d->nctx - 1];
    struct fc_hub_event *e = parent->obj;
    if (!known)
        return;
    switch (child->dest) {
    case D_MESSAGE: e->message = child->obj; break;
    case D_DELETED:
        *fc_vec_push(&parent->deleted) = child->obj;
        break;
    case D_ONCHAIN: e->onchain = child->obj; break;
    case D_PROOF: e->proof = child->obj; break;
    case D_DELETED_PROOF: e->deleted_proof = child->obj; break;
    case D_PROOF_MSG: e->proof_message = child->obj; break;
    case D_DELETED_PROOF_MSG: e->deleted_proof_message = child->obj; break;
    default: break;
    }
}

static void emit_item(struct fc_decoder *d, struct ctx *c, bool known)
{
    struct fc_item it;
    memset(&it, 0, sizeof(it));
    it.index = d->item_index;
    d->info.n_items++;
    d->item_open = false;
    if (d->error) {
        it.kind = FC_ITEM_ERROR;
        it.error_path = d->error_path;
        it.error = d->error;
        keep_raw(d, &it);
        if (c->kind == C_EVENT && c->has_id) {
            it.has_event_id = true;
            it.event_id = ((const struct fc_hub_event *)c->obj)->id;
        }
        d->info.n_errors++;
    } else if (!known) {
        d->info.unknown_types++;
        d->info.n_items--;
        return;
    } else {
        switch (c->kind) {
        case C_MSG: it.kind = FC_ITEM_MESSAGE; it.message = c->obj; break;
        case C_EVENT: it.kind = FC_ITEM_EVENT; it.event = c->obj; break;
        case C_ONCHAIN: it.kind = FC_ITEM_ONCHAIN; it.onchain = c->obj; break;
        case C_PROOF: it.kind = FC_ITEM_PROOF; it.proof = c->obj; break;
        default: break;
        }
    }
    d->fn(d->ud, &it);
}

static bool cb_end(struct fc_decoder *d, bool is_array)
{
    if (d->skip_depth) {
        d->skip_depth--;
        return true;
    }
    struct ctx *c = fc_dec_cur(d);
    struct frame *fr = &d->frames[d->depth - 1];
    /* arrays collected element by element end here */
    if (c && fr->is_array) {
        enum field f = F_NONE;
        if (d->depth - 1 > c->root_depth) {
            /* the array's own path hash is its frame's h */
            f = fc_dec_field_at(c->kind, fr->h);
        }
        if (f == F_A_DELETED) {
            struct fc_hub_event *e = c->obj;
            e->deleted = fc_arena_memdup(&d->arena, c->deleted.p, c->deleted.n * sizeof(void *));
            e->n_deleted = c->deleted.n;
        }
    }
    d->depth--;
    if (c && !is_array && d->depth == c->root_depth) {
        /* the object of this context is complete */
        if (c->undecided)
            c->kind = C_EVENT;
        bool known = fc_dec_finish(d, c);
        d->nctx--;
        if (c->dest == D_ITEM)
            emit_item(d, c, known);
        else if (!known && c->kind == C_MSG)
            fc_dec_item_error(d, "unknown message type \"%.*s\"", (int)c->type_len, c->type_text);
        else
            attach(d, c, known);
    }
    return true;
}

static bool cb_end_map(void *ud)
{
    return cb_end(ud, false);
}

static bool cb_end_array(void *ud)
{
    return cb_end(ud, true);
}

static const struct fc_json_sink sink = {
    .null_value = cb_null, .bool_value = cb_bool, .number = cb_number, .string = cb_string,
    .key = cb_map_key, .start_map = cb_start_map, .end_map = cb_end_map,
    .start_array = cb_start_array, .end_array = cb_end_array,
};

/* What a new or reset decoder starts from: the page kind and the callback.
 * (The scanner leaves UTF-8 to the per-field checks, so one bad string fails
 * one item, not the page.) */
static void start(struct fc_decoder *d, enum fc_page_kind kind, fc_item_fn fn, void *ud)
{
    d->kind = kind;
    d->info.kind = kind;
    d->fn = fn;
    d->ud = ud;
}

struct fc_decoder *fc_decoder_new(enum fc_page_kind kind, fc_item_fn fn, void *ud)
{
    fc_dec_fields_init();
    struct fc_decoder *d = fc_xcalloc(1, sizeof(*d));
    fc_json_scan_init(&d->scan, &sink, d);
    start(d, kind, fn, ud);
    return d;
}

enum fc_err fc_decoder_feed(struct fc_decoder *d, const char *data, size_t n, struct fc_diag *diag)
{
    if (d->fed_total + n > FC_MAX_PAGE_BYTES)
        return fc_diag_set(diag, FC_ERR_LIMIT, "page larger than %u bytes", FC_MAX_PAGE_BYTES);
    d->chunk = data;
    d->chunk_start = d->fed_total;
    enum fc_json_status st = fc_json_scan_feed_with(&d->scan, &sink, data, n);
    d->fed_total += n;
    if (st == FC_JSON_OK) {
        /* The chunk belongs to the caller: carry the open item's bytes in it. */
        if (d->item_open && !d->carry_truncated) {
            size_t from = d->item_start > d->chunk_start ? d->item_start - d->chunk_start : 0;
            size_t take = n - from;
            if (d->carry.len + take > FC_MAX_RAW_ITEM_BYTES) {
                take = FC_MAX_RAW_ITEM_BYTES - d->carry.len;
                d->carry_truncated = true;
            }
            fc_buf_append(&d->carry, data + from, take);
        }
        d->chunk = NULL;
        return FC_OK;
    }
    d->chunk = NULL;
    if (d->info.n_items >= FC_MAX_ITEMS_PER_PAGE)
        return fc_diag_set(diag, FC_ERR_LIMIT, "more than %d items in a page",
                           FC_MAX_ITEMS_PER_PAGE);
    if (d->depth >= MAX_DEPTH)
        return fc_diag_set(diag, FC_ERR_LIMIT, "JSON nested deeper than %d", MAX_DEPTH);
    if (st == FC_JSON_STOPPED) /* the walker stops only at the limits above */
        return fc_diag_set(diag, FC_ERR_LIMIT, "the page's JSON exceeds a decoder limit");
    return fc_diag_set(diag, FC_ERR_INVALID, "invalid JSON at byte %zu: %s", d->scan.error_at,
                       d->scan.error);
}

enum fc_err fc_decoder_finish(struct fc_decoder *d, struct fc_page_info *info, struct fc_diag *diag)
{
    enum fc_json_status st = fc_json_scan_finish(&d->scan);
    if (st == FC_JSON_STOPPED)
        return fc_diag_set(diag, FC_ERR_LIMIT, "the page's JSON exceeds a decoder limit");
    if (st != FC_JSON_OK || d->depth != 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "incomplete JSON after %zu bytes: %s",
                           d->fed_total, st != FC_JSON_OK ? d->scan.error : "containers left open");
    if (d->token_too_long)
        return fc_diag_set(diag, FC_ERR_LIMIT, "nextPageToken longer than %zu bytes",
                           sizeof(d->info.next_token) - 1);
    d->info.kind = d->kind;
    if (info)
        *info = d->info;
    return FC_OK;
}

void fc_decoder_reset(struct fc_decoder *d, enum fc_page_kind kind, fc_item_fn fn, void *ud)
{
    struct fc_json_scan scan = d->scan;
    struct fc_arena arena = d->arena;
    struct fc_buf carry = d->carry;
    struct ctx ctx[MAX_CTX];
    memcpy(ctx, d->ctx, sizeof(ctx));
    memset(d, 0, sizeof(*d));
    /* Keep a page's worth of memory for the next page, not a hostile one's. */
    if (arena.head && arena.total > FC_DECODER_KEEP_BYTES)
        fc_arena_cleanup(&arena);
    else
        fc_arena_clear(&arena);
    d->arena = arena;
    if (carry.cap > FC_DECODER_KEEP_BYTES)
        fc_buf_cleanup(&carry);
    fc_buf_reset(&carry);
    d->carry = carry;
/* A scratch array grown past 16384 elements is given back; smaller ones
 * are kept for the next page. */
#define SHRINK(v) ((v)->cap > 16384 ? fc_vec_free(v) : (void)0)
    for (int i = 0; i < MAX_CTX; i++) {
        SHRINK(&ctx[i].mentions);
        SHRINK(&ctx[i].positions);
        SHRINK(&ctx[i].embeds);
        SHRINK(&ctx[i].compact);
        SHRINK(&ctx[i].deleted);
    }
#undef SHRINK
    memcpy(d->ctx, ctx, sizeof(ctx)); /* keeps the scratch vectors' storage */
    if (scan.token.cap > FC_DECODER_KEEP_BYTES || scan.unescaped.cap > FC_DECODER_KEEP_BYTES) {
        fc_json_scan_cleanup(&scan);
        fc_json_scan_init(&scan, &sink, d);
    }
    d->scan = scan;
    fc_json_scan_reset(&d->scan, &sink, d);
    start(d, kind, fn, ud);
}

void fc_decoder_free(struct fc_decoder *d)
{
    if (!d)
        return;
    fc_json_scan_cleanup(&d->scan);
    for (int i = 0; i < MAX_CTX; i++) {
        fc_vec_free(&d->ctx[i].mentions);
        fc_vec_free(&d->ctx[i].positions);
        fc_vec_free(&d->ctx[i].embeds);
        fc_vec_free(&d->ctx[i].compact);
        fc_vec_free(&d->ctx[i].deleted);
        fc_vec_free(&d->ctx[i].embeds_dep);
    }
    fc_arena_cleanup(&d->arena);
    fc_buf_cleanup(&d->carry);
    free(d);
}

size_t fc_decoder_retained_bytes(const struct fc_decoder *d)
{
    size_t n = fc_arena_capacity(&d->arena) + d->carry.cap + d->scan.token.cap +
               d->scan.unescaped.cap;
    for (int i = 0; i < MAX_CTX; i++)
        n += d->ctx[i].mentions.cap * sizeof(uint64_t) + d->ctx[i].positions.cap * sizeof(uint32_t) +
             d->ctx[i].embeds.cap * sizeof(struct fc_embed) + d->ctx[i].compact.cap * sizeof(uint64_t) +
             d->ctx[i].deleted.cap * sizeof(void *);
    return n;
}

enum fc_err fc_decode_buffer(enum fc_page_kind kind, const char *data, size_t n, fc_item_fn fn,
                             void *ud, struct fc_page_info *info, struct fc_diag *diag,
                             struct fc_decoder **keep)
{
    struct fc_decoder *d = fc_decoder_new(kind, fn, ud);
    enum fc_err err = fc_decoder_feed(d, data, n, diag);
    if (!err)
        err = fc_decoder_finish(d, info, diag);
    if (keep && !err)
        *keep = d;
    else
        fc_decoder_free(d);
    return err;
}
