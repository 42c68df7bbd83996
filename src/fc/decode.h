/* Streaming decoder for hub JSON: feed it the bytes of one response as they
 * arrive (e.g. from curl's write callback) and it calls back once per item,
 * already validated, with everything allocated in one per-page arena.
 *
 * A malformed item never aborts its page: it becomes an FC_ITEM_ERROR naming
 * the JSON path and the reason, and decoding goes on. Only JSON that is not
 * JSON (truncated, broken) fails the page. Unknown fields, enum values and
 * message types from newer hubs are counted, not fatal.
 * Everything an item points to (values, strings, an error item's raw
 * bytes) lives in the decoder's per-page arena, never in the caller's
 * chunks, so items stay valid after the chunks are gone, until the decoder
 * is reset or freed. The page itself is not kept. Not thread-safe: one per page. */
#ifndef FC_FC_DECODE_H
#define FC_FC_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "fc/types.h"

enum fc_page_kind {
    FC_PAGE_AUTO,           /* detect from the top-level keys and type names */
    FC_PAGE_MESSAGES,       /* {"messages":[...],"nextPageToken":...} */
    FC_PAGE_HUB_EVENTS,     /* {"events":[HubEvent...]} (+ nextPageEventId on Hubble) */
    FC_PAGE_ONCHAIN_EVENTS, /* {"events":[OnChainEvent...]} */
    FC_PAGE_PROOFS,         /* {"proofs":[...]} */
    FC_PAGE_FIDS,           /* {"fids":[...]} */
};

enum fc_item_kind {
    FC_ITEM_MESSAGE, FC_ITEM_EVENT, FC_ITEM_ONCHAIN, FC_ITEM_PROOF, FC_ITEM_FID, FC_ITEM_ERROR,
};

struct fc_item {
    enum fc_item_kind kind;
    size_t index;                 /* position in the page's array (0 for a single object) */
    const struct fc_message *message;
    const struct fc_hub_event *event;
    const struct fc_onchain_event *onchain;
    const struct fc_username_proof *proof;
    uint64_t fid;
    const char *error_path;       /* FC_ITEM_ERROR: e.g. "messages[3].data.fid" */
    const char *error;            /* FC_ITEM_ERROR: the reason */
    const char *raw;              /* FC_ITEM_ERROR: the item's bytes as received (else NULL) */
    size_t raw_len;
    bool raw_truncated;           /* only the first FC_MAX_RAW_ITEM_BYTES were kept */
    /* FC_ITEM_ERROR in an events page: the event's id when it was readable,
     * so a stream reader can place the bad event and move past it. */
    bool has_event_id;
    uint64_t event_id;
};

typedef void (*fc_item_fn)(void *ud, const struct fc_item *item);

struct fc_page_info {
    enum fc_page_kind kind;        /* as detected */
    bool has_next_token;           /* false when absent or null */
    char next_token[1024];         /* "" when the hub said "" (exhausted) */
    bool has_next_event_id;
    uint64_t next_event_id;
    size_t n_items, n_errors;
    size_t unknown_fields, unknown_enums, unknown_types;
};

struct fc_decoder;

/* A decoder calling fn(ud, item) per item; the caller frees it with
 * fc_decoder_free (items it handed out die with it or its next reset). */
struct fc_decoder *fc_decoder_new(enum fc_page_kind kind, fc_item_fn fn, void *ud);

/* Feeds the next bytes. FC_ERR_INVALID when the text is not JSON (the page
 * must be fetched again), FC_ERR_LIMIT beyond the page caps. */
FC_MUST_CHECK
enum fc_err fc_decoder_feed(struct fc_decoder *d, const char *data, size_t n,
                            struct fc_diag *diag);

/* Ends the page; fills info. FC_ERR_INVALID when the JSON was incomplete. */
FC_MUST_CHECK
enum fc_err fc_decoder_finish(struct fc_decoder *d, struct fc_page_info *info,
                              struct fc_diag *diag);

/* Makes d ready for a new page (items of the previous page become invalid),
 * keeping at most about 1 MiB of its memory for reuse. */
void fc_decoder_reset(struct fc_decoder *d, enum fc_page_kind kind, fc_item_fn fn, void *ud);

void fc_decoder_free(struct fc_decoder *d);

/* Bytes of memory the decoder holds (arena blocks and carried item bytes). */
size_t fc_decoder_retained_bytes(const struct fc_decoder *d);

/* Convenience: decode a whole buffer. */
FC_MUST_CHECK
enum fc_err fc_decode_buffer(enum fc_page_kind kind, const char *data, size_t n, fc_item_fn fn,
                             void *ud, struct fc_page_info *info, struct fc_diag *diag,
                             struct fc_decoder **keep);

#endif
