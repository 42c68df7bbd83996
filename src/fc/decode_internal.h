/* Inside the hub JSON decoder (decode.c walks the JSON, decode_fields.c maps
 * paths to fields, decode_values.c and decode_finish.c check Farcaster's
 * rules). Not for use outside src/fc/decode*.c. */
#ifndef FC_FC_DECODE_INTERNAL_H
#define FC_FC_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/json_scan.h"
#include "core/vec.h"
#include "fc/decode.h"

/* ---- path hashing: a value's position relative to its object root ---- */

#define H_ROOT FC_FNV1A_INIT

/* The path hash h continued by one token (a key, or "[]" for an element). */
static inline uint64_t hmix(uint64_t h, const char *s, size_t n)
{
    return fc_hash_words(h, s, n);
}
#define H_ELEM(h) hmix((h), "[]", 2)

enum ctx_kind { C_MSG, C_EVENT, C_ONCHAIN, C_PROOF, C_NKINDS };

/* Fields: what a scalar (or container) at a known path means. */
enum field {
    F_NONE = 0, F_CONTAINER, F_SKIP, F_IGNORE,
    /* message */
    F_TYPE, F_FID, F_TS, F_NETWORK, F_HASH, F_SIG, F_SIGNER, F_DATABYTES,
    F_EMBED_DEP, F_MENTION, F_PARENT_FID, F_PARENT_HASH, F_PARENT_URL, F_TEXT, F_POSITION,
    F_EMBED_URL, F_EMBED_FID, F_EMBED_HASH, F_EMBED_ELEM, F_CAST_TYPE, F_REMOVE_TARGET,
    F_REACTION_TYPE, F_REACTION_FID, F_REACTION_HASH, F_REACTION_URL,
    F_LINK_TYPE, F_LINK_DISPLAY, F_LINK_TARGET, F_COMPACT_TYPE, F_COMPACT_TARGET,
    F_VER_ADDRESS, F_VER_BLOCKHASH, F_VER_TYPE, F_VER_CHAIN, F_VER_PROTOCOL,
    F_VERRM_ADDRESS, F_VERRM_PROTOCOL, F_UD_TYPE, F_UD_VALUE,
    F_LEND_TO, F_LEND_UNITS, F_LEND_UNIT_TYPE, F_KEY_KEY, F_KEY_METADATA,
    F_VER_CLAIM, F_KEY_TYPE, F_KEY_CUSTODY_SIG, F_KEY_DEADLINE, F_KEY_NONCE, F_KEY_MDTYPE,
    F_KEY_REGTX, F_KEY_SCOPE, F_KEY_TTL, F_KEY_SIG, F_KEY_SIGTYPE, F_A_SCOPES,
    F_A_MENTIONS, F_A_POSITIONS, F_A_EMBEDS, F_A_COMPACT, F_A_EMBEDS_DEP,
    F_O_CAST_ADD, F_O_CAST_REMOVE, F_O_REACTION, F_O_LINK, F_O_COMPACT, F_O_VER_ADD,
    F_O_VER_RM, F_O_USER_DATA, F_O_PROOF, F_O_LEND, F_O_KEY_ADD, F_O_KEY_RM, F_O_FRAME,
    /* username proof (own object, or inside a message body) */
    F_UP_TS, F_UP_NAME, F_UP_OWNER, F_UP_SIG, F_UP_FID, F_UP_TYPE,
    /* hub event */
    F_EV_TYPE, F_EV_ID, F_EV_BLOCK, F_EV_SHARD, F_S_MESSAGE, F_S_DELETED, F_A_DELETED,
    F_S_ONCHAIN, F_S_PROOF, F_S_DELETED_PROOF, F_S_PROOF_MSG, F_S_DELETED_PROOF_MSG,
    F_FAIL_CODE, F_FAIL_REASON, F_BC_BLOCK, F_BC_SHARD, F_BC_TS, F_BC_HASH, F_BC_TOTAL,
    /* on-chain event */
    F_OC_TYPE, F_OC_CHAIN, F_OC_BLOCK, F_OC_BLOCKHASH, F_OC_BLOCKTS, F_OC_TX, F_OC_LOG, F_OC_FID,
    F_OC_TXINDEX, F_OC_VERSION, F_SG_KEY, F_SG_KEYTYPE, F_SG_EVTYPE, F_SG_METADATA, F_SG_MDTYPE,
    F_MIG_AT, F_IR_TO, F_IR_EVTYPE, F_IR_FROM, F_IR_RECOVERY, F_SR_PAYER, F_SR_UNITS, F_SR_EXPIRY,
    F_TP_PAYER, F_TP_DAYS, F_TP_TIER, F_O_SIGNER, F_O_IDREG, F_O_STORAGE, F_O_TIER, F_O_MIGRATED,
};


/* Open-addressing tables from path hash to field, one per object kind
 * (decode_fields.c): small (the largest holds about 110 paths) and each
 * slot's hash beside its field, so a lookup touches one cache line. */
#define FC_DEC_TABLE_SIZE 256
struct fc_dec_table {
    struct {
        uint64_t key;
        uint64_t field;
    } slot[FC_DEC_TABLE_SIZE];
};
extern struct fc_dec_table fc_dec_tables[C_NKINDS];

/* Builds the path tables once (thread-safe). */
void fc_dec_fields_init(void);

/* What the value at path hash h means inside an object of kind k (inline:
 * every key and value asks). */
static inline enum field fc_dec_field_at(enum ctx_kind k, uint64_t h)
{
    const struct fc_dec_table *t = &fc_dec_tables[k];
    size_t i = h & (FC_DEC_TABLE_SIZE - 1);
    while (t->slot[i].key) {
        if (t->slot[i].key == h)
            return (enum field)t->slot[i].field;
        i = (i + 1) & (FC_DEC_TABLE_SIZE - 1);
    }
    return F_NONE;
}

/* ---- decoder state ---- */

#define MAX_DEPTH 24
#define MAX_CTX 6

enum dest { D_ITEM, D_MESSAGE, D_DELETED, D_ONCHAIN, D_PROOF, D_DELETED_PROOF, D_PROOF_MSG,
            D_DELETED_PROOF_MSG };

struct ctx {
    enum ctx_kind kind;
    bool undecided;  /* an "events" item before its type says hub or on-chain */
    int root_depth;
    enum dest dest;
    void *obj;
    unsigned bodies; /* body objects seen (bit per F_O_*) */
    bool has_type, has_fid, has_hash, has_ts, has_id;
    const char *type_text;
    size_t type_len;
    /* raw values decoded once the protocol (or flavour) is known */
    const char *addr_raw, *bh_raw, *payer_raw, *tp_payer_raw;
    size_t addr_raw_len, bh_raw_len, payer_raw_len, tp_payer_raw_len;
    size_t n_scopes;
    /* Everything above is zeroed for each object (CTX_KEPT); below, the
     * arrays collected element by element, whose storage is kept between
     * objects and pages (see fc_decoder_reset), and scopes up to n_scopes. */
    FC_VEC(uint64_t) mentions;
    FC_VEC(uint32_t) positions;
    FC_VEC(struct fc_embed) embeds;
    FC_VEC(uint64_t) compact;
    FC_VEC(struct fc_message *) deleted;
    FC_VEC(struct fc_text) embeds_dep;
    uint8_t scopes[32]; /* keyAddBody.scopes as message type values */
};
#define CTX_KEPT offsetof(struct ctx, mentions)

struct frame {
    bool is_array;
    bool skip;
    uint64_t h;      /* container's own path hash (relative) */
    uint64_t val_h;  /* map: hash of the current key's value */
    char key[48];
    size_t index;
};

struct fc_decoder {
    struct fc_json_scan scan;
    enum fc_page_kind kind;
    fc_item_fn fn;
    void *ud;
    struct fc_arena arena;
    /* The page is never kept whole: only the bytes of an item still open
     * when a chunk ends are carried (up to FC_MAX_RAW_ITEM_BYTES), so an
     * error item's raw bytes can be copied into the arena when it ends. */
    const char *chunk;      /* the caller's chunk being parsed */
    size_t chunk_start;     /* page offset of chunk[0] */
    size_t fed_total;       /* bytes fed so far */
    bool item_open;         /* an item (or a possible single-object page) has begun */
    struct fc_buf carry;    /* bytes of the open item from item_start, before chunk */
    bool carry_truncated;
    struct frame frames[MAX_DEPTH];
    int depth;              /* number of open containers */
    int skip_depth;         /* >0 while inside an ignored subtree */
    struct ctx ctx[MAX_CTX];
    int nctx;
    int items_depth;        /* depth of the page's item array (0 = single object page) */
    size_t item_start;
    size_t item_index;
    char *error_path;       /* first error of the current item */
    char *error;
    struct fc_page_info info;
    bool top_decided;
    bool single; /* the page is one object, not a list */
    bool token_too_long;
};


/* ---- shared by the walker and the checks ---- */

/* The innermost open object, or NULL outside items. */
static inline struct ctx *fc_dec_cur(struct fc_decoder *d)
{
    return d->nctx ? &d->ctx[d->nctx - 1] : NULL;
}
/* Records the current item's first error, with its JSON path. */
void fc_dec_item_error(struct fc_decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Farcaster values (decode_values.c) ---- */

/* Decimal digits up to max; records the item's error otherwise. */
bool fc_dec_to_u64(struct fc_decoder *d, const char *s, size_t n, uint64_t max, uint64_t *out);
/* An empty byte field as either server writes it: "" (Hubble) or "0x". */
bool fc_dec_is_empty_bytes(const char *s, size_t n);
/* Stores the scalar s (a JSON number when num) of field f into c's object,
 * checking it; a bad value becomes the item's error. */
void fc_dec_scalar(struct fc_decoder *d, struct ctx *c, enum field f, const char *s, size_t n,
                   bool num);

/* ---- Farcaster objects (decode_finish.c) ---- */

/* Checks the complete object of context c and moves its collected arrays
 * into it. Returns false when its type is one this build does not know. */
bool fc_dec_finish(struct fc_decoder *d, struct ctx *c);

#endif
