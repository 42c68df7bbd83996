#include "fc/decode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/hex.h"
#include "fc/bytes.h"

/* ---- path hashing: a value's position relative to its object root ---- */

#define H_ROOT 0xcbf29ce484222325ULL

static uint64_t hmix(uint64_t h, const char *s, size_t n)
{
    h ^= 0x2e; /* '.' separates tokens */
    h *= 0x100000001b3ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
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

struct field_def {
    const char *path;
    enum field field;
};

static const struct field_def msg_defs[] = {
    {"data.type", F_TYPE}, {"data.fid", F_FID}, {"data.timestamp", F_TS},
    {"data.network", F_NETWORK}, {"hash", F_HASH}, {"hashScheme", F_IGNORE},
    {"signature", F_SIG}, {"signatureScheme", F_IGNORE}, {"signer", F_SIGNER},
    {"dataBytes", F_DATABYTES},
    {"data.castAddBody", F_O_CAST_ADD},
    {"data.castAddBody.embedsDeprecated", F_A_EMBEDS_DEP},
    {"data.castAddBody.embedsDeprecated[]", F_EMBED_DEP},
    {"data.castAddBody.mentions", F_A_MENTIONS}, {"data.castAddBody.mentions[]", F_MENTION},
    {"data.castAddBody.parentCastId.fid", F_PARENT_FID},
    {"data.castAddBody.parentCastId.hash", F_PARENT_HASH},
    {"data.castAddBody.parentUrl", F_PARENT_URL}, {"data.castAddBody.text", F_TEXT},
    {"data.castAddBody.mentionsPositions", F_A_POSITIONS},
    {"data.castAddBody.mentionsPositions[]", F_POSITION},
    {"data.castAddBody.embeds", F_A_EMBEDS}, {"data.castAddBody.embeds[]", F_EMBED_ELEM},
    {"data.castAddBody.embeds[].url", F_EMBED_URL},
    {"data.castAddBody.embeds[].castId.fid", F_EMBED_FID},
    {"data.castAddBody.embeds[].castId.hash", F_EMBED_HASH},
    {"data.castAddBody.type", F_CAST_TYPE},
    {"data.castRemoveBody", F_O_CAST_REMOVE},
    {"data.castRemoveBody.targetHash", F_REMOVE_TARGET},
    {"data.reactionBody", F_O_REACTION}, {"data.reactionBody.type", F_REACTION_TYPE},
    {"data.reactionBody.targetCastId.fid", F_REACTION_FID},
    {"data.reactionBody.targetCastId.hash", F_REACTION_HASH},
    {"data.reactionBody.targetUrl", F_REACTION_URL},
    {"data.linkBody", F_O_LINK}, {"data.linkBody.type", F_LINK_TYPE},
    {"data.linkBody.displayTimestamp", F_LINK_DISPLAY}, {"data.linkBody.targetFid", F_LINK_TARGET},
    {"data.linkCompactStateBody", F_O_COMPACT},
    {"data.linkCompactStateBody.type", F_COMPACT_TYPE},
    {"data.linkCompactStateBody.targetFids", F_A_COMPACT},
    {"data.linkCompactStateBody.targetFids[]", F_COMPACT_TARGET},
    {"data.verificationAddAddressBody", F_O_VER_ADD},
    {"data.verificationAddAddressBody.address", F_VER_ADDRESS},
    {"data.verificationAddAddressBody.claimSignature", F_VER_CLAIM},
    {"data.verificationAddAddressBody.blockHash", F_VER_BLOCKHASH},
    {"data.verificationAddAddressBody.type", F_VER_TYPE},
    {"data.verificationAddAddressBody.verificationType", F_VER_TYPE},
    {"data.verificationAddAddressBody.chainId", F_VER_CHAIN},
    {"data.verificationAddAddressBody.protocol", F_VER_PROTOCOL},
    {"data.verificationAddAddressBody.ethSignature", F_IGNORE},
    {"data.verificationAddEthAddressBody", F_SKIP}, /* Hubble's duplicate of the above */
    {"data.verificationRemoveBody", F_O_VER_RM},
    {"data.verificationRemoveBody.address", F_VERRM_ADDRESS},
    {"data.verificationRemoveBody.protocol", F_VERRM_PROTOCOL},
    {"data.userDataBody", F_O_USER_DATA}, {"data.userDataBody.type", F_UD_TYPE},
    {"data.userDataBody.value", F_UD_VALUE},
    {"data.usernameProofBody", F_O_PROOF}, {"data.usernameProofBody.timestamp", F_UP_TS},
    {"data.usernameProofBody.name", F_UP_NAME}, {"data.usernameProofBody.owner", F_UP_OWNER},
    {"data.usernameProofBody.signature", F_UP_SIG}, {"data.usernameProofBody.fid", F_UP_FID},
    {"data.usernameProofBody.type", F_UP_TYPE},
    {"data.frameActionBody", F_O_FRAME},
    {"data.lendStorageBody", F_O_LEND}, {"data.lendStorageBody.toFid", F_LEND_TO},
    {"data.lendStorageBody.numUnits", F_LEND_UNITS},
    {"data.lendStorageBody.unitType", F_LEND_UNIT_TYPE},
    {"data.keyAddBody", F_O_KEY_ADD}, {"data.keyAddBody.key", F_KEY_KEY},
    {"data.keyAddBody.metadata", F_KEY_METADATA}, {"data.keyAddBody.keyType", F_KEY_TYPE},
    {"data.keyAddBody.custodySignature", F_KEY_CUSTODY_SIG},
    {"data.keyAddBody.deadline", F_KEY_DEADLINE}, {"data.keyAddBody.nonce", F_KEY_NONCE},
    {"data.keyAddBody.metadataType", F_KEY_MDTYPE},
    {"data.keyAddBody.registrationTxHash", F_KEY_REGTX},
    {"data.keyAddBody.scopes", F_A_SCOPES}, {"data.keyAddBody.scopes[]", F_KEY_SCOPE},
    {"data.keyAddBody.ttl", F_KEY_TTL},
    {"data.keyRemoveBody", F_O_KEY_RM}, {"data.keyRemoveBody.key", F_KEY_KEY},
    {"data.keyRemoveBody.signature", F_KEY_SIG},
    {"data.keyRemoveBody.signatureType", F_KEY_SIGTYPE},
    {"data.keyRemoveBody.deadline", F_KEY_DEADLINE}, {"data.keyRemoveBody.nonce", F_KEY_NONCE},
    {"data.channelUpdateBody", F_SKIP}, {"data.channelMemberBody", F_SKIP},
    {"data.channelPinBody", F_SKIP}, {"data.channelModerateBody", F_SKIP},
};

static const struct field_def proof_defs[] = {
    {"timestamp", F_UP_TS}, {"name", F_UP_NAME}, {"owner", F_UP_OWNER},
    {"signature", F_UP_SIG}, {"fid", F_UP_FID}, {"type", F_UP_TYPE},
};

static const struct field_def event_defs[] = {
    {"type", F_EV_TYPE}, {"id", F_EV_ID}, {"blockNumber", F_EV_BLOCK},
    {"shardIndex", F_EV_SHARD}, {"timestamp", F_IGNORE},
    {"mergeMessageBody.message", F_S_MESSAGE},
    {"mergeMessageBody.deletedMessages", F_A_DELETED},
    {"mergeMessageBody.deletedMessages[]", F_S_DELETED},
    {"pruneMessageBody.message", F_S_MESSAGE}, {"revokeMessageBody.message", F_S_MESSAGE},
    {"mergeFailure.message", F_S_MESSAGE}, {"mergeFailure.code", F_FAIL_CODE},
    {"mergeFailure.reason", F_FAIL_REASON},
    {"mergeFailureBody.message", F_S_MESSAGE}, {"mergeFailureBody.code", F_FAIL_CODE},
    {"mergeFailureBody.reason", F_FAIL_REASON},
    {"mergeOnChainEventBody.onChainEvent", F_S_ONCHAIN},
    {"mergeUsernameProofBody.usernameProof", F_S_PROOF},
    {"mergeUsernameProofBody.deletedUsernameProof", F_S_DELETED_PROOF},
    {"mergeUsernameProofBody.usernameProofMessage", F_S_PROOF_MSG},
    {"mergeUsernameProofBody.deletedUsernameProofMessage", F_S_DELETED_PROOF_MSG},
    {"blockConfirmedBody.blockNumber", F_BC_BLOCK}, {"blockConfirmedBody.shardIndex", F_BC_SHARD},
    {"blockConfirmedBody.timestamp", F_BC_TS}, {"blockConfirmedBody.blockHash", F_BC_HASH},
    {"blockConfirmedBody.totalEvents", F_BC_TOTAL},
    {"channelOwnerChangeHintBody", F_SKIP},
};

static const struct field_def onchain_defs[] = {
    {"type", F_OC_TYPE}, {"chainId", F_OC_CHAIN}, {"blockNumber", F_OC_BLOCK},
    {"blockHash", F_OC_BLOCKHASH}, {"blockTimestamp", F_OC_BLOCKTS},
    {"transactionHash", F_OC_TX}, {"logIndex", F_OC_LOG}, {"fid", F_OC_FID},
    {"txIndex", F_OC_TXINDEX}, {"version", F_OC_VERSION},
    {"signerEventBody", F_O_SIGNER}, {"signerEventBody.key", F_SG_KEY},
    {"signerEventBody.keyType", F_SG_KEYTYPE}, {"signerEventBody.eventType", F_SG_EVTYPE},
    {"signerEventBody.metadata", F_SG_METADATA}, {"signerEventBody.metadataType", F_SG_MDTYPE},
    {"signerMigratedEventBody", F_O_MIGRATED},
    {"signerMigratedEventBody.migratedAt", F_MIG_AT},
    {"idRegisterEventBody", F_O_IDREG}, {"idRegisterEventBody.to", F_IR_TO},
    {"idRegisterEventBody.eventType", F_IR_EVTYPE}, {"idRegisterEventBody.from", F_IR_FROM},
    {"idRegisterEventBody.recoveryAddress", F_IR_RECOVERY},
    {"storageRentEventBody", F_O_STORAGE}, {"storageRentEventBody.payer", F_SR_PAYER},
    {"storageRentEventBody.units", F_SR_UNITS}, {"storageRentEventBody.expiry", F_SR_EXPIRY},
    {"tier_purchase_event_body", F_O_TIER}, {"tier_purchase_event_body.payer", F_TP_PAYER},
    {"tier_purchase_event_body.for_days", F_TP_DAYS},
    {"tier_purchase_event_body.tier_type", F_TP_TIER},
    {"channelRegisterEventBody", F_SKIP},
};

/* Open-addressing tables from path hash to field, one per object kind. */
#define TABLE_SIZE 1024
struct table {
    uint64_t key[TABLE_SIZE];
    uint16_t field[TABLE_SIZE];
};
static struct table tables[C_NKINDS];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void table_put(struct table *t, uint64_t h, enum field f, bool only_if_absent)
{
    size_t i = h & (TABLE_SIZE - 1);
    while (t->key[i] && t->key[i] != h)
        i = (i + 1) & (TABLE_SIZE - 1);
    if (t->key[i] == h && only_if_absent)
        return;
    t->key[i] = h;
    t->field[i] = (uint16_t)f;
}

static enum field table_get(const struct table *t, uint64_t h)
{
    size_t i = h & (TABLE_SIZE - 1);
    while (t->key[i]) {
        if (t->key[i] == h)
            return (enum field)t->field[i];
        i = (i + 1) & (TABLE_SIZE - 1);
    }
    return F_NONE;
}

/* Hashes "a.b[].c" the way the parser does while walking. */
static uint64_t path_hash(const char *path, uint64_t *prefix_hashes, size_t *n_prefix)
{
    uint64_t h = H_ROOT;
    const char *p = path;
    *n_prefix = 0;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        bool arr = len >= 2 && p[len - 2] == '[' && p[len - 1] == ']';
        h = hmix(h, p, arr ? len - 2 : len);
        if (arr) {
            prefix_hashes[(*n_prefix)++] = h;
            h = H_ELEM(h);
        }
        if (!dot)
            break;
        prefix_hashes[(*n_prefix)++] = h;
        p = dot + 1;
    }
    return h;
}

static void build_table(enum ctx_kind k, const struct field_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t prefixes[16];
        size_t np;
        uint64_t h = path_hash(defs[i].path, prefixes, &np);
        table_put(&tables[k], h, defs[i].field, false);
        for (size_t j = 0; j < np; j++)
            table_put(&tables[k], prefixes[j], F_CONTAINER, true);
    }
}

static void build_tables(void)
{
    build_table(C_MSG, msg_defs, sizeof(msg_defs) / sizeof(msg_defs[0]));
    build_table(C_PROOF, proof_defs, sizeof(proof_defs) / sizeof(proof_defs[0]));
    build_table(C_EVENT, event_defs, sizeof(event_defs) / sizeof(event_defs[0]));
    build_table(C_ONCHAIN, onchain_defs, sizeof(onchain_defs) / sizeof(onchain_defs[0]));
}

/* ---- decoder state ---- */

#define MAX_DEPTH 24
#define MAX_CTX 6

struct vec {
    void *p;
    size_t n, cap;
};

static void *vec_push(struct vec *v, size_t elem)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->p = fc_xrealloc(v->p, v->cap * elem);
    }
    return (char *)v->p + elem * v->n++;
}

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
    struct vec mentions, positions, embeds, compact, deleted, embeds_dep;
    uint8_t scopes[32]; /* keyAddBody.scopes as message type values */
    size_t n_scopes;
};

struct frame {
    bool is_array;
    bool skip;
    uint64_t h;      /* container's own path hash (relative) */
    uint64_t val_h;  /* map: hash of the current key's value */
    char key[48];
    size_t index;
};

struct fc_decoder {
    yajl_handle y;
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

/* Memory a reset decoder keeps for the next page. */
#define FC_DECODER_KEEP_BYTES (1u << 20)

static size_t pos_now(struct fc_decoder *d)
{
    return d->chunk_start + yajl_get_bytes_consumed(d->y);
}

static void path_text(struct fc_decoder *d, struct fc_buf *out, const char *last_key)
{
    for (int i = 0; i < d->depth; i++) {
        const struct frame *f = &d->frames[i];
        if (f->is_array) /* index counts elements started: the current one is index-1 */
            fc_buf_printf(out, "[%zu]", f->index ? f->index - 1 : 0);
        else if (i + 1 < d->depth || !last_key)
            fc_buf_printf(out, "%s%s", out->len ? "." : "", f->key);
    }
    if (last_key)
        fc_buf_printf(out, "%s%s", out->len ? "." : "", last_key);
}

static void item_error(struct fc_decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void item_error(struct fc_decoder *d, const char *fmt, ...)
{
    if (d->error)
        return; /* the first problem names the item */
    struct fc_buf path = FC_BUF_INIT, msg = FC_BUF_INIT;
    path_text(d, &path, NULL);
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

static struct ctx *cur(struct fc_decoder *d)
{
    return d->nctx ? &d->ctx[d->nctx - 1] : NULL;
}

static void ctx_reset(struct ctx *c)
{
    struct vec keep[6] = {c->mentions, c->positions, c->embeds, c->compact, c->deleted,
                          c->embeds_dep};
    memset(c, 0, sizeof(*c));
    c->mentions = keep[0];
    c->positions = keep[1];
    c->embeds = keep[2];
    c->compact = keep[3];
    c->deleted = keep[4];
    c->embeds_dep = keep[5];
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

/* ---- value conversion helpers (errors are recorded on the item) ---- */

static bool to_u64(struct fc_decoder *d, const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        goto bad;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            goto bad;
        uint64_t nv = v * 10 + (uint64_t)(s[i] - '0');
        if (nv / 10 != v)
            goto bad;
        v = nv;
    }
    if (v > max) {
        item_error(d, "%.*s is out of range (at most %llu)", (int)n, s, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
bad:
    item_error(d, "expected an unsigned integer, got %.*s", (int)(n > 40 ? 40 : n), s);
    return false;
}

static bool hex_exact(struct fc_decoder *d, const char *s, size_t n, uint8_t *out, size_t want)
{
    size_t got;
    if (n != 2 + 2 * want || fc_hex_decode(s, n, true, out, want, &got, NULL) != FC_OK) {
        item_error(d, "expected 0x and %zu hex digits, got \"%.*s\"", 2 * want,
                   (int)(n > 80 ? 80 : n), s);
        return false;
    }
    return true;
}

/* An empty byte field as either server writes it: "" (Hubble) or "0x"
 * (Snapchain, whatever the field's usual alphabet). */
static bool is_empty_bytes(const char *s, size_t n)
{
    return n == 0 || (n == 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
}

/* Hex of up to cap bytes; "" and "0x" are empty. */
static bool hex_var(struct fc_decoder *d, const char *s, size_t n, uint8_t *out, size_t cap,
                    size_t *len)
{
    struct fc_diag diag;
    if (n == 0) {
        *len = 0;
        return true;
    }
    if (fc_hex_decode(s, n, true, out, cap, len, &diag) != FC_OK) {
        item_error(d, "expected 0x-hex of at most %zu bytes, got \"%.*s\": %s", cap,
                   (int)(n > 80 ? 80 : n), s, diag.msg);
        return false;
    }
    return true;
}

static const uint8_t *b64_arena(struct fc_decoder *d, const char *s, size_t n, size_t cap,
                                size_t *len)
{
    struct fc_diag diag;
    uint8_t *out = fc_arena_alloc(&d->arena, n / 4 * 3 + 3);
    if (is_empty_bytes(s, n)) {
        *len = 0;
        return out;
    }
    if (fc_base64_decode(s, n, out, cap, len, &diag) != FC_OK) {
        item_error(d, "expected base64, got \"%.*s\": %s", (int)(n > 80 ? 80 : n), s, diag.msg);
        return NULL;
    }
    return out;
}

/* Copies a string into the arena after checking UTF-8 and size; NULs become
 * U+FFFD (PostgreSQL text cannot hold them) and *had_nul is set. */
static const char *text_arena(struct fc_decoder *d, const char *s, size_t n, size_t cap,
                              size_t *len, bool *had_nul)
{
    if (n > cap) {
        item_error(d, "%zu bytes exceed the limit of %zu", n, cap);
        return NULL;
    }
    if (!fc_utf8_valid(s, n)) {
        item_error(d, "invalid UTF-8");
        return NULL;
    }
    size_t nuls = 0;
    for (size_t i = 0; i < n; i++)
        nuls += s[i] == '\0';
    char *out = fc_arena_alloc(&d->arena, n + 2 * nuls + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *len = o;
    if (had_nul)
        *had_nul = nuls > 0;
    if (nuls && d->nctx && cur(d)->kind == C_MSG)
        ((struct fc_message *)cur(d)->obj)->lossy = true;
    return out;
}

static int enum_index(const char *s, size_t n, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (names[i] && strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return i;
    return -1;
}

/* Enum value by name (several spellings allowed) or number; unknown names
 * are counted and give -1. */
static int enum_value(struct fc_decoder *d, const char *s, size_t n, bool is_number,
                      const char *const *names, int count)
{
    if (is_number) {
        uint64_t v;
        if (!to_u64(d, s, n, 1000, &v))
            return -1;
        return (int)v;
    }
    int i = enum_index(s, n, names, count);
    if (i < 0)
        d->info.unknown_enums++;
    return i;
}

static const char *const network_names[] = {"FARCASTER_NETWORK_NONE", "FARCASTER_NETWORK_MAINNET",
                                            "FARCASTER_NETWORK_TESTNET", "FARCASTER_NETWORK_DEVNET"};
static const char *const cast_type_names[] = {"CAST", "LONG_CAST", "TEN_K_CAST"};
static const char *const reaction_names[] = {"REACTION_TYPE_NONE", "REACTION_TYPE_LIKE",
                                             "REACTION_TYPE_RECAST"};
static const char *const protocol_names[] = {"PROTOCOL_ETHEREUM", "PROTOCOL_SOLANA"};
static const char *const user_data_names[] = {
    "USER_DATA_TYPE_NONE", "USER_DATA_TYPE_PFP", "USER_DATA_TYPE_DISPLAY", "USER_DATA_TYPE_BIO",
    NULL, "USER_DATA_TYPE_URL", "USER_DATA_TYPE_USERNAME", "USER_DATA_TYPE_LOCATION",
    "USER_DATA_TYPE_TWITTER", "USER_DATA_TYPE_GITHUB", "USER_DATA_TYPE_BANNER",
    "USER_DATA_PRIMARY_ADDRESS_ETHEREUM", "USER_DATA_PRIMARY_ADDRESS_SOLANA",
    "USER_DATA_TYPE_PROFILE_TOKEN", "USER_DATA_TYPE_LIVE_AT"};
static const char *const username_names[] = {"USERNAME_TYPE_NONE", "USERNAME_TYPE_FNAME",
                                             "USERNAME_TYPE_ENS_L1", "USERNAME_TYPE_BASENAME"};
static const char *const signer_event_names[] = {"SIGNER_EVENT_TYPE_NONE", "SIGNER_EVENT_TYPE_ADD",
                                                 "SIGNER_EVENT_TYPE_REMOVE",
                                                 "SIGNER_EVENT_TYPE_ADMIN_RESET"};
static const char *const idreg_names[] = {"ID_REGISTER_EVENT_TYPE_NONE",
                                          "ID_REGISTER_EVENT_TYPE_REGISTER",
                                          "ID_REGISTER_EVENT_TYPE_TRANSFER",
                                          "ID_REGISTER_EVENT_TYPE_CHANGE_RECOVERY"};
static const char *const idreg_short[] = {"None", "Register", "Transfer", "ChangeRecovery"};
static const char *const unit_names[] = {"UnitTypeLegacy", "UnitType2024", "UnitType2025"};

#define NAMES(a) a, (int)(sizeof(a) / sizeof(a[0]))

/* ---- scalars ---- */

static void proof_field(struct fc_decoder *d, struct fc_username_proof *p, enum field f,
                        const char *s, size_t n, bool num)
{
    uint64_t v;
    switch (f) {
    case F_UP_TS:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            p->timestamp_unix = v;
        break;
    case F_UP_NAME:
        p->name = text_arena(d, s, n, 256, &p->name_len, NULL);
        break;
    case F_UP_OWNER:
        hex_var(d, s, n, p->owner, 32, &p->owner_len);
        break;
    case F_UP_SIG:
        p->signature = b64_arena(d, s, n, FC_MAX_BYTES_FIELD, &p->signature_len);
        break;
    case F_UP_FID:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            p->fid = v;
        break;
    case F_UP_TYPE:
        p->type = enum_value(d, s, n, num, NAMES(username_names));
        break;
    default:
        break;
    }
}

static void message_field(struct fc_decoder *d, struct ctx *c, enum field f, const char *s,
                          size_t n, bool num)
{
    struct fc_message *m = c->obj;
    uint64_t v;
    size_t len;
    switch (f) {
    case F_TYPE:
        c->has_type = true;
        c->type_text = fc_arena_strndup(&d->arena, s, n);
        c->type_len = n;
        m->type = num ? (to_u64(d, s, n, 100, &v) ? (enum fc_msg_type)v : FC_MSG_NONE)
                      : fc_msg_type_parse(s, n);
        break;
    case F_FID:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            m->fid = v;
            c->has_fid = true;
        }
        break;
    case F_TS:
        if (to_u64(d, s, n, UINT32_MAX, &v)) {
            m->fc_ts = (uint32_t)v;
            c->has_ts = true;
        }
        break;
    case F_NETWORK:
        m->network = enum_value(d, s, n, num, NAMES(network_names));
        break;
    case F_HASH:
        c->has_hash = hex_exact(d, s, n, m->hash, 20);
        break;
    case F_SIG:
        m->signature = b64_arena(d, s, n, 128, &m->signature_len);
        break;
    case F_SIGNER:
        hex_var(d, s, n, m->signer, 32, &m->signer_len);
        break;
    case F_DATABYTES:
        m->data_bytes = b64_arena(d, s, n, 65536, &m->data_bytes_len);
        break;
    case F_EMBED_DEP: {
        struct fc_text *t = vec_push(&c->embeds_dep, sizeof(*t));
        t->s = text_arena(d, s, n, FC_MAX_URL_BYTES, &t->len, NULL);
        if (!t->s)
            c->embeds_dep.n--;
        break;
    }
    case F_MENTION:
        if (c->mentions.n >= FC_MAX_MENTIONS) {
            item_error(d, "more than %d mentions", FC_MAX_MENTIONS);
        } else if (to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            *(uint64_t *)vec_push(&c->mentions, sizeof(uint64_t)) = v;
        }
        break;
    case F_POSITION:
        if (c->positions.n >= FC_MAX_MENTIONS) {
            item_error(d, "more than %d mention positions", FC_MAX_MENTIONS);
        } else if (to_u64(d, s, n, UINT32_MAX, &v)) {
            *(uint32_t *)vec_push(&c->positions, sizeof(uint32_t)) = (uint32_t)v;
        }
        break;
    case F_PARENT_FID:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.cast_add.parent.fid = v;
        m->body.cast_add.has_parent_cast = true;
        break;
    case F_PARENT_HASH:
        hex_exact(d, s, n, m->body.cast_add.parent.hash, 20);
        m->body.cast_add.has_parent_cast = true;
        break;
    case F_PARENT_URL:
        m->body.cast_add.parent_url = text_arena(d, s, n, FC_MAX_URL_BYTES,
                                                 &m->body.cast_add.parent_url_len, NULL);
        break;
    case F_TEXT:
        m->body.cast_add.text = text_arena(d, s, n, FC_MAX_TEN_K_CAST_TEXT,
                                           &m->body.cast_add.text_len,
                                           &m->body.cast_add.text_had_nul);
        break;
    case F_EMBED_URL:
    case F_EMBED_FID:
    case F_EMBED_HASH: {
        if (!c->embeds.n)
            break;
        struct fc_embed *e = (struct fc_embed *)c->embeds.p + c->embeds.n - 1;
        if (f == F_EMBED_URL) {
            e->url = text_arena(d, s, n, FC_MAX_URL_BYTES, &e->url_len, NULL);
        } else if (f == F_EMBED_FID) {
            e->is_cast = true;
            if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
                e->cast.fid = v;
        } else {
            e->is_cast = true;
            hex_exact(d, s, n, e->cast.hash, 20);
        }
        break;
    }
    case F_CAST_TYPE:
        m->body.cast_add.cast_type = enum_value(d, s, n, num, NAMES(cast_type_names));
        break;
    case F_REMOVE_TARGET: {
        size_t got;
        const uint8_t *b = b64_arena(d, s, n, 20, &got);
        if (b && got != 20)
            item_error(d, "expected a base64 20-byte hash, got %zu bytes", got);
        else if (b)
            memcpy(m->body.cast_remove.target_hash, b, 20);
        break;
    }
    case F_REACTION_TYPE:
        m->body.reaction.reaction_type = enum_value(d, s, n, num, NAMES(reaction_names));
        break;
    case F_REACTION_FID:
        m->body.reaction.has_target_cast = true;
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.reaction.target.fid = v;
        break;
    case F_REACTION_HASH:
        m->body.reaction.has_target_cast = true;
        hex_exact(d, s, n, m->body.reaction.target.hash, 20);
        break;
    case F_REACTION_URL:
        m->body.reaction.target_url = text_arena(d, s, n, FC_MAX_URL_BYTES,
                                                 &m->body.reaction.target_url_len, NULL);
        break;
    case F_LINK_TYPE:
    case F_COMPACT_TYPE: {
        const char *t = text_arena(d, s, n, FC_MAX_LINK_TYPE_BYTES, &len, NULL);
        if (f == F_LINK_TYPE)
            m->body.link.link_type = t;
        else
            m->body.compact.link_type = t;
        break;
    }
    case F_LINK_DISPLAY:
        if (to_u64(d, s, n, UINT32_MAX, &v)) {
            m->body.link.display_fc_ts = (uint32_t)v;
            m->body.link.has_display_ts = true;
        }
        break;
    case F_LINK_TARGET:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.link.target_fid = v;
        break;
    case F_COMPACT_TARGET:
        if (c->compact.n >= FC_MAX_COMPACT_TARGETS)
            item_error(d, "more than %d target fids", FC_MAX_COMPACT_TARGETS);
        else if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            *(uint64_t *)vec_push(&c->compact, sizeof(uint64_t)) = v;
        break;
    case F_VER_ADDRESS:
    case F_VERRM_ADDRESS:
        c->addr_raw = fc_arena_strndup(&d->arena, s, n);
        c->addr_raw_len = n;
        break;
    case F_VER_BLOCKHASH:
        c->bh_raw = fc_arena_strndup(&d->arena, s, n);
        c->bh_raw_len = n;
        break;
    case F_VER_TYPE:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            m->body.verification.verification_type = (uint32_t)v;
        break;
    case F_VER_CHAIN:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            m->body.verification.chain_id = (uint32_t)v;
        break;
    case F_VER_PROTOCOL:
    case F_VERRM_PROTOCOL:
        m->body.verification.protocol = enum_value(d, s, n, num, NAMES(protocol_names));
        break;
    case F_UD_TYPE:
        m->body.user_data.user_data_type = enum_value(d, s, n, num, NAMES(user_data_names));
        break;
    case F_UD_VALUE:
        m->body.user_data.value = text_arena(d, s, n, FC_MAX_USER_DATA_BYTES,
                                             &m->body.user_data.value_len, NULL);
        break;
    case F_UP_TS: case F_UP_NAME: case F_UP_OWNER: case F_UP_SIG: case F_UP_FID: case F_UP_TYPE:
        proof_field(d, &m->body.proof, f, s, n, num);
        break;
    case F_LEND_TO:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.lend.to_fid = v;
        break;
    case F_LEND_UNITS:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.lend.num_units = v;
        break;
    case F_LEND_UNIT_TYPE:
        m->body.lend.unit_type = enum_value(d, s, n, num, NAMES(unit_names));
        break;
    case F_KEY_KEY:
        hex_var(d, s, n, m->body.key.key, 32, &m->body.key.key_len);
        break;
    case F_KEY_METADATA: {
        uint8_t *md = fc_arena_alloc(&d->arena, n / 2 + 1);
        size_t mdlen;
        if (hex_var(d, s, n, md, n / 2 + 1, &mdlen)) {
            m->body.key.metadata = md;
            m->body.key.metadata_len = mdlen;
            uint64_t fid;
            if (mdlen && fc_signed_key_request_fid(md, mdlen, &fid, NULL) == FC_OK)
                m->body.key.request_fid = fid;
        }
        break;
    }
    case F_KEY_CUSTODY_SIG:
    case F_KEY_REGTX:
    case F_KEY_SIG: {
        uint8_t *b = fc_arena_alloc(&d->arena, n / 2 + 1);
        if (!hex_var(d, s, n, b, n / 2 + 1, &len))
            break;
        if (f == F_KEY_CUSTODY_SIG) {
            m->body.key.custody_signature = b;
            m->body.key.custody_signature_len = len;
        } else if (f == F_KEY_REGTX) {
            m->body.key.registration_tx_hash = b;
            m->body.key.registration_tx_hash_len = len;
        } else {
            m->body.key.signature = b;
            m->body.key.signature_len = len;
        }
        break;
    }
    case F_KEY_TYPE:
    case F_KEY_MDTYPE:
    case F_KEY_SIGTYPE:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            *(f == F_KEY_TYPE ? &m->body.key.key_type
              : f == F_KEY_MDTYPE ? &m->body.key.metadata_type
                                  : &m->body.key.signature_type) = (uint32_t)v;
        break;
    case F_KEY_DEADLINE:
    case F_KEY_NONCE:
    case F_KEY_TTL:
        if (to_u64(d, s, n, UINT64_MAX, &v))
            *(f == F_KEY_DEADLINE ? &m->body.key.deadline
              : f == F_KEY_NONCE ? &m->body.key.nonce
                                 : &m->body.key.ttl) = v;
        break;
    case F_KEY_SCOPE: {
        enum fc_msg_type t = num ? (to_u64(d, s, n, 100, &v) ? (enum fc_msg_type)v : FC_MSG_NONE)
                                 : fc_msg_type_parse(s, n);
        if (t == FC_MSG_NONE)
            m->lossy = true; /* a scope this build cannot name: kept out */
        else if (c->n_scopes < sizeof(c->scopes))
            c->scopes[c->n_scopes++] = (uint8_t)t;
        else
            item_error(d, "more than %zu key scopes", sizeof(c->scopes));
        break;
    }
    case F_VER_CLAIM:
        m->body.verification.claim_signature =
            b64_arena(d, s, n, FC_MAX_BYTES_FIELD, &m->body.verification.claim_signature_len);
        break;
    default:
        break;
    }
}

static void event_field(struct fc_decoder *d, struct ctx *c, enum field f, const char *s, size_t n,
                        bool num)
{
    struct fc_hub_event *e = c->obj;
    uint64_t v;
    switch (f) {
    case F_EV_TYPE:
        c->has_type = true;
        c->type_text = fc_arena_strndup(&d->arena, s, n);
        c->type_len = n;
        e->type = num ? (to_u64(d, s, n, 100, &v) ? (enum fc_event_type)v : FC_EVENT_NONE)
                      : fc_event_type_parse(s, n);
        break;
    case F_EV_ID:
        if (to_u64(d, s, n, UINT64_MAX, &v)) {
            e->id = v;
            c->has_id = true;
        }
        break;
    case F_EV_BLOCK:
        if (to_u64(d, s, n, UINT64_MAX, &v))
            e->block_number = v;
        break;
    case F_EV_SHARD:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            e->shard_index = (uint32_t)v;
        break;
    case F_FAIL_CODE:
        e->failure_code = text_arena(d, s, n, 256, &(size_t){0}, NULL);
        break;
    case F_FAIL_REASON:
        e->failure_reason = text_arena(d, s, n, FC_MAX_STRING_BYTES, &(size_t){0}, NULL);
        break;
    case F_BC_BLOCK:
        if (to_u64(d, s, n, UINT64_MAX, &v))
            e->block.block_number = v;
        break;
    case F_BC_SHARD:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            e->block.shard_index = (uint32_t)v;
        break;
    case F_BC_TS:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            e->block.fc_ts = (uint32_t)v;
        break;
    case F_BC_HASH:
        hex_var(d, s, n, e->block.block_hash, 32, &e->block.block_hash_len);
        break;
    case F_BC_TOTAL:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            e->block.total_events = (uint32_t)v;
        break;
    default:
        break;
    }
}

static void onchain_field(struct fc_decoder *d, struct ctx *c, enum field f, const char *s,
                          size_t n, bool num)
{
    struct fc_onchain_event *o = c->obj;
    uint64_t v;
    switch (f) {
    case F_OC_TYPE:
        c->has_type = true;
        c->type_text = fc_arena_strndup(&d->arena, s, n);
        c->type_len = n;
        o->type = num ? (to_u64(d, s, n, 100, &v) ? (enum fc_onchain_type)v : FC_ONCHAIN_NONE)
                      : fc_onchain_type_parse(s, n);
        break;
    case F_OC_CHAIN:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->chain_id = (uint32_t)v;
        break;
    case F_OC_BLOCK:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->block_number = v;
        break;
    case F_OC_BLOCKHASH:
        hex_var(d, s, n, o->block_hash, 32, &o->block_hash_len);
        break;
    case F_OC_BLOCKTS:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->block_timestamp_unix = v;
        break;
    case F_OC_TX:
        hex_var(d, s, n, o->tx_hash, 32, &o->tx_hash_len);
        break;
    case F_OC_LOG:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->log_index = (uint32_t)v;
        break;
    case F_OC_FID:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            o->fid = v;
            c->has_fid = true;
        }
        break;
    case F_OC_TXINDEX:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->tx_index = (uint32_t)v;
        break;
    case F_OC_VERSION:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->version = (uint32_t)v;
        break;
    case F_SG_KEY:
        hex_var(d, s, n, o->body.signer.key, 32, &o->body.signer.key_len);
        break;
    case F_SG_KEYTYPE:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->body.signer.key_type = (uint32_t)v;
        break;
    case F_SG_EVTYPE:
        o->body.signer.event_type = enum_value(d, s, n, num, NAMES(signer_event_names));
        break;
    case F_SG_METADATA:
        o->body.signer.metadata = b64_arena(d, s, n, FC_MAX_BYTES_FIELD,
                                            &o->body.signer.metadata_len);
        break;
    case F_SG_MDTYPE:
        if (to_u64(d, s, n, UINT32_MAX, &v))
            o->body.signer.metadata_type = (uint32_t)v;
        break;
    case F_MIG_AT:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.migrated.migrated_at_unix = v;
        break;
    case F_IR_TO:
    case F_IR_FROM:
    case F_IR_RECOVERY: {
        /* Each may be empty ("" on Hubble, "0x" on Snapchain): TRANSFER has no
         * recovery address, CHANGE_RECOVERY no to or from, REGISTER no from. */
        size_t len = 0;
        uint8_t *dst = f == F_IR_TO     ? o->body.id_register.to
                       : f == F_IR_FROM ? o->body.id_register.from
                                        : o->body.id_register.recovery;
        if (hex_var(d, s, n, dst, 20, &len) && len && len != 20)
            item_error(d, "expected an empty or 20-byte address, got %zu bytes", len);
        bool *has = f == F_IR_TO     ? &o->body.id_register.has_to
                    : f == F_IR_FROM ? &o->body.id_register.has_from
                                     : &o->body.id_register.has_recovery;
        *has = len == 20;
        break;
    }
    case F_IR_EVTYPE: {
        int t = enum_index(s, n, NAMES(idreg_names));
        if (t < 0)
            t = enum_index(s, n, NAMES(idreg_short)); /* Snapchain spells it short */
        if (t < 0 && num && to_u64(d, s, n, 3, &v))
            t = (int)v;
        if (t < 0)
            d->info.unknown_enums++;
        o->body.id_register.event_type = t;
        break;
    }
    case F_SR_PAYER:
        c->payer_raw = fc_arena_strndup(&d->arena, s, n);
        c->payer_raw_len = n;
        break;
    case F_SR_UNITS:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.storage.units = v;
        break;
    case F_SR_EXPIRY:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.storage.expiry_unix = v;
        break;
    case F_TP_PAYER:
        c->tp_payer_raw = fc_arena_strndup(&d->arena, s, n);
        c->tp_payer_raw_len = n;
        break;
    case F_TP_DAYS:
        if (to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.tier.for_days = v;
        break;
    case F_TP_TIER:
        o->body.tier.tier_type = text_arena(d, s, n, 64, &(size_t){0}, NULL);
        break;
    default:
        break;
    }
}

/* The hash of the value position the parser is at (key in a map, or the
 * next element of an array), relative to the current object's root. */
static uint64_t value_hash(struct fc_decoder *d)
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
                if (to_u64(d, s, n, UINT64_MAX, &v)) {
                    d->info.has_next_event_id = true;
                    d->info.next_event_id = v;
                }
            }
        } else if (d->kind == FC_PAGE_FIDS && fr->is_array && d->depth == d->items_depth) {
            uint64_t v;
            struct fc_item it = {.kind = FC_ITEM_FID, .index = fr->index};
            if (to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
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
    struct ctx *c = cur(d);
    uint64_t h = value_hash(d);
    if (fr->is_array)
        fr->index++;
    if (is_null)
        return; /* absent and null mean the same */
    if (c->undecided && is_string)
        decide_events_item(c, s, n);
    enum field f = table_get(&tables[c->kind], h);
    if (f == F_NONE) {
        count_unknown(d);
        return;
    }
    if (f == F_IGNORE || f == F_CONTAINER || f == F_SKIP)
        return;
    switch (c->kind) {
    case C_MSG: message_field(d, c, f, s, n, !is_string); break;
    case C_EVENT: event_field(d, c, f, s, n, !is_string); break;
    case C_ONCHAIN: onchain_field(d, c, f, s, n, !is_string); break;
    case C_PROOF: proof_field(d, c->obj, f, s, n, !is_string); break;
    default: break;
    }
}

static int cb_null(void *ud)
{
    on_scalar(ud, "null", 4, false, true);
    return 1;
}

static int cb_bool(void *ud, int v)
{
    struct fc_decoder *d = ud;
    if (!d->skip_depth && in_item(d) && d->depth) {
        struct frame *fr = &d->frames[d->depth - 1];
        enum field f = table_get(&tables[cur(d)->kind], value_hash(d));
        if (fr->is_array)
            fr->index++;
        if (f != F_IGNORE && f != F_NONE)
            item_error(d, "unexpected boolean %s", v ? "true" : "false");
        else if (f == F_NONE)
            count_unknown(d);
    }
    return 1;
}

static int cb_number(void *ud, const char *s, size_t n)
{
    on_scalar(ud, s, n, false, false);
    return 1;
}

static int cb_string(void *ud, const unsigned char *s, size_t n)
{
    on_scalar(ud, (const char *)s, n, true, false);
    return 1;
}

static int cb_map_key(void *ud, const unsigned char *key, size_t n)
{
    struct fc_decoder *d = ud;
    if (d->skip_depth)
        return 1;
    struct frame *f = &d->frames[d->depth - 1];
    size_t k = n < sizeof(f->key) - 1 ? n : sizeof(f->key) - 1;
    memcpy(f->key, key, k);
    f->key[k] = '\0';
    f->val_h = hmix(f->h, (const char *)key, n);
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
            cur(d)->undecided = undecided;
            d->item_index = 0;
            d->single = true;
            d->item_open = true;
        }
    }
    return 1;
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

static int cb_start(struct fc_decoder *d, bool is_array)
{
    if (d->skip_depth) {
        d->skip_depth++;
        return 1;
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
            return 1;
        }
    } else {
        f = table_get(&tables[cur(d)->kind], value_hash(d));
        if (f == F_NONE || f == F_SKIP) {
            if (f == F_NONE)
                count_unknown(d);
            struct frame *pf = &d->frames[d->depth - 1];
            if (pf->is_array)
                pf->index++;
            d->skip_depth = 1;
            return 1;
        }
    }
    struct frame *parent = d->depth ? &d->frames[d->depth - 1] : NULL;
    size_t parent_index = parent && parent->is_array ? parent->index : 0;
    if (at_item) {
        if (d->info.n_items >= FC_MAX_ITEMS_PER_PAGE)
            return 0;
        d->item_start = pos_now(d) - 1;
        begin_item(d);
        d->item_index = parent_index;
        d->error = d->error_path = NULL;
        push_ctx(d, item_kind(d->kind), D_ITEM);
        if (d->kind == FC_PAGE_HUB_EVENTS)
            cur(d)->undecided = true;
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
                return 0;
            push_ctx(d, subs[i].k, subs[i].dest);
            sub = true;
        }
    }
    if (parent && parent->is_array)
        parent->index++;
    if (!push_frame(d, is_array))
        return 0;
    if (at_item || sub || d->depth == 1)
        d->frames[d->depth - 1].h = H_ROOT;
    if (d->depth == 1 && !is_array && d->kind == FC_PAGE_AUTO) {
        /* might be a single object: decided at its first key, see cb_map_key */
    }
    /* body objects seen, to check they match the message type */
    if (in_item(d) && cur(d)->kind == C_MSG && f >= F_O_CAST_ADD && f <= F_O_FRAME)
        cur(d)->bodies |= 1u << (f - F_O_CAST_ADD);
    if (f == F_EMBED_ELEM) {
        struct ctx *c = cur(d);
        if (c->embeds.n >= FC_MAX_EMBEDS) {
            item_error(d, "more than %d embeds", FC_MAX_EMBEDS);
        } else {
            struct fc_embed *e = vec_push(&c->embeds, sizeof(*e));
            memset(e, 0, sizeof(*e));
        }
    }
    return 1;
}

static int cb_start_map(void *ud)
{
    return cb_start(ud, false);
}

static int cb_start_array(void *ud)
{
    return cb_start(ud, true);
}

/* ---- finishing objects ---- */

static size_t cast_text_limit(int cast_type)
{
    return cast_type == 2 ? FC_MAX_TEN_K_CAST_TEXT
           : cast_type == 1 ? FC_MAX_LONG_CAST_TEXT
                            : FC_MAX_CAST_TEXT;
}

/* Body object key expected for each message type (bit in ctx.bodies). */
static int body_bit(enum fc_msg_type t)
{
    switch (t) {
    case FC_MSG_CAST_ADD: return F_O_CAST_ADD - F_O_CAST_ADD;
    case FC_MSG_CAST_REMOVE: return F_O_CAST_REMOVE - F_O_CAST_ADD;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: return F_O_REACTION - F_O_CAST_ADD;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: return F_O_LINK - F_O_CAST_ADD;
    case FC_MSG_LINK_COMPACT_STATE: return F_O_COMPACT - F_O_CAST_ADD;
    case FC_MSG_VERIFICATION_ADD: return F_O_VER_ADD - F_O_CAST_ADD;
    case FC_MSG_VERIFICATION_REMOVE: return F_O_VER_RM - F_O_CAST_ADD;
    case FC_MSG_USER_DATA_ADD: return F_O_USER_DATA - F_O_CAST_ADD;
    case FC_MSG_USERNAME_PROOF: return F_O_PROOF - F_O_CAST_ADD;
    case FC_MSG_LEND_STORAGE: return F_O_LEND - F_O_CAST_ADD;
    case FC_MSG_KEY_ADD: return F_O_KEY_ADD - F_O_CAST_ADD;
    case FC_MSG_KEY_REMOVE: return F_O_KEY_RM - F_O_CAST_ADD;
    case FC_MSG_FRAME_ACTION: return F_O_FRAME - F_O_CAST_ADD;
    default: return -1;
    }
}

static void decode_address(struct fc_decoder *d, struct ctx *c, struct fc_message *m)
{
    struct fc_diag diag;
    if (!c->addr_raw) {
        item_error(d, "verification without an address");
        return;
    }
    size_t want = m->body.verification.protocol == 1 ? 32 : 20;
    if (m->body.verification.protocol == 1) {
        if (fc_base58_decode(c->addr_raw, c->addr_raw_len, m->body.verification.address, 32,
                             &m->body.verification.address_len, &diag) ||
            m->body.verification.address_len != 32)
            item_error(d, "Solana address \"%.60s\" is not 32 bytes of base58", c->addr_raw);
        if (c->bh_raw && !is_empty_bytes(c->bh_raw, c->bh_raw_len) &&
            fc_base58_decode(c->bh_raw, c->bh_raw_len, m->body.verification.block_hash, 32,
                             &m->body.verification.block_hash_len, &diag))
            item_error(d, "Solana block hash is not base58: %s", diag.msg);
    } else {
        if (c->addr_raw_len != 2 + 2 * want ||
            fc_hex_decode(c->addr_raw, c->addr_raw_len, true, m->body.verification.address, 32,
                          &m->body.verification.address_len, &diag))
            item_error(d, "expected 0x and 40 hex digits for the address, got \"%.80s\"",
                       c->addr_raw);
        if (c->bh_raw && c->bh_raw_len &&
            fc_hex_decode(c->bh_raw, c->bh_raw_len, true, m->body.verification.block_hash, 32,
                          &m->body.verification.block_hash_len, &diag))
            item_error(d, "block hash: %s", diag.msg);
    }
}

/* Returns false when the message type is unknown (the item is skipped). */
static bool finish_message(struct fc_decoder *d, struct ctx *c)
{
    struct fc_message *m = c->obj;
    if (!c->has_type) {
        item_error(d, "message without data.type");
        return true;
    }
    if (m->type == FC_MSG_NONE)
        return false;
    if (!c->has_fid || m->fid == 0)
        item_error(d, "message without a positive data.fid");
    if (!c->has_hash)
        item_error(d, "message without a 20-byte hash");
    if (!c->has_ts)
        item_error(d, "message without data.timestamp");
    int bit = body_bit(m->type);
    if (bit >= 0 && !(c->bodies & (1u << bit)) && m->type != FC_MSG_FRAME_ACTION)
        item_error(d, "%s without its body", fc_msg_type_name(m->type));
    switch (m->type) {
    case FC_MSG_CAST_ADD: {
        __typeof__(m->body.cast_add) *b = &m->body.cast_add;
        b->mentions = fc_arena_memdup(&d->arena, c->mentions.p, c->mentions.n * sizeof(uint64_t));
        b->n_mentions = c->mentions.n;
        b->positions = fc_arena_memdup(&d->arena, c->positions.p, c->positions.n * sizeof(uint32_t));
        b->n_positions = c->positions.n;
        b->embeds = fc_arena_memdup(&d->arena, c->embeds.p, c->embeds.n * sizeof(struct fc_embed));
        b->n_embeds = c->embeds.n;
        b->embeds_deprecated = fc_arena_memdup(&d->arena, c->embeds_dep.p,
                                               c->embeds_dep.n * sizeof(struct fc_text));
        b->n_embeds_deprecated = c->embeds_dep.n;
        if (!b->text)
            b->text = "";
        if (b->cast_type < 0) { /* a cast type this build cannot name */
            b->cast_type = 0;
            m->lossy = true;
        }
        if (b->text_len > cast_text_limit(b->cast_type))
            item_error(d, "text of %zu bytes exceeds the %zu-byte limit of its cast type",
                       b->text_len, cast_text_limit(b->cast_type));
        if (b->n_mentions != b->n_positions)
            item_error(d, "%zu mentions but %zu mention positions", b->n_mentions,
                       b->n_positions);
        for (size_t i = 0; i < b->n_positions; i++) {
            if (b->positions[i] > b->text_len)
                item_error(d, "mention position %u is beyond the text (%zu bytes)",
                           b->positions[i], b->text_len);
            if (i && b->positions[i] < b->positions[i - 1])
                item_error(d, "mention positions are not in order");
        }
        if (b->has_parent_cast && b->parent_url)
            item_error(d, "both parentCastId and parentUrl are set");
        for (size_t i = 0; i < b->n_embeds; i++)
            if (!b->embeds[i].url && !b->embeds[i].is_cast)
                item_error(d, "embed %zu has neither url nor castId", i);
        break;
    }
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        if (m->body.reaction.reaction_type != 1 && m->body.reaction.reaction_type != 2)
            item_error(d, "reaction type must be LIKE or RECAST");
        if (m->body.reaction.has_target_cast == (m->body.reaction.target_url != NULL))
            item_error(d, "a reaction needs exactly one of targetCastId and targetUrl");
        break;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        if (!m->body.link.link_type || !*m->body.link.link_type)
            item_error(d, "link without a type");
        if (!m->body.link.target_fid)
            item_error(d, "link without a targetFid");
        break;
    case FC_MSG_LINK_COMPACT_STATE:
        m->body.compact.target_fids = fc_arena_memdup(&d->arena, c->compact.p,
                                                      c->compact.n * sizeof(uint64_t));
        m->body.compact.n_target_fids = c->compact.n;
        if (!m->body.compact.link_type)
            item_error(d, "link compact state without a type");
        break;
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE:
        if (m->body.verification.protocol < 0) { /* a protocol this build cannot name */
            m->body.verification.protocol = 0;
            m->lossy = true;
        }
        decode_address(d, c, m);
        break;
    case FC_MSG_USER_DATA_ADD:
        if (!m->body.user_data.value)
            m->body.user_data.value = "";
        break;
    case FC_MSG_KEY_ADD:
        m->body.key.scopes = fc_arena_memdup(&d->arena, c->scopes, c->n_scopes);
        m->body.key.n_scopes = c->n_scopes;
        break;
    default:
        break;
    }
    return true;
}

static void finish_onchain(struct fc_decoder *d, struct ctx *c)
{
    struct fc_onchain_event *o = c->obj;
    if (!c->has_type)
        item_error(d, "on-chain event without type");
    if (!c->has_fid)
        item_error(d, "on-chain event without fid");
    /* storage payer: hex on Snapchain, base64 on Hubble; told apart by length */
    const char *raw[2] = {c->payer_raw, c->tp_payer_raw};
    size_t rawlen[2] = {c->payer_raw_len, c->tp_payer_raw_len};
    uint8_t *dst[2] = {o->body.storage.payer, o->body.tier.payer};
    bool *has[2] = {&o->body.storage.has_payer, &o->body.tier.has_payer};
    for (int i = 0; i < 2; i++) {
        if (!raw[i] || !rawlen[i] || (rawlen[i] == 2 && memcmp(raw[i], "0x", 2) == 0))
            continue;
        size_t len = 0;
        struct fc_diag diag;
        enum fc_err err = rawlen[i] == 42 && raw[i][0] == '0' && raw[i][1] == 'x'
                              ? fc_hex_decode(raw[i], rawlen[i], true, dst[i], 20, &len, &diag)
                              : fc_base64_decode(raw[i], rawlen[i], dst[i], 20, &len, &diag);
        if (err || len != 20)
            item_error(d, "payer \"%.60s\" is not a 20-byte address in hex or base64", raw[i]);
        else
            *has[i] = true;
    }
    if (o->type == FC_ONCHAIN_ID_REGISTER) {
        int t = o->body.id_register.event_type;
        if ((t == 1 || t == 2) && !o->body.id_register.has_to)
            item_error(d, "%s without a custody address (to)", t == 1 ? "REGISTER" : "TRANSFER");
    }
    if (o->type == FC_ONCHAIN_SIGNER) {
        __typeof__(o->body.signer) *s = &o->body.signer;
        if (s->key_len != 32)
            item_error(d, "signer key must be 32 bytes");
        if (s->event_type == 1) {
            struct fc_diag diag;
            if (s->metadata_type != 1 || !s->metadata_len)
                s->metadata_error = "no SignedKeyRequest metadata";
            else if (fc_signed_key_request_fid(s->metadata, s->metadata_len, &s->request_fid,
                                               &diag) != FC_OK)
                s->metadata_error = fc_arena_strndup(&d->arena, diag.msg, strlen(diag.msg));
        }
    }
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
        *(struct fc_message **)vec_push(&parent->deleted, sizeof(void *)) = child->obj;
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

static int cb_end(struct fc_decoder *d, bool is_array)
{
    (void)is_array;
    if (d->skip_depth) {
        d->skip_depth--;
        return 1;
    }
    struct ctx *c = cur(d);
    struct frame *fr = &d->frames[d->depth - 1];
    /* arrays collected element by element end here */
    if (c && fr->is_array) {
        enum field f = F_NONE;
        if (d->depth - 1 > c->root_depth) {
            /* the array's own path hash is its frame's h */
            f = table_get(&tables[c->kind], fr->h);
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
        bool known = true;
        if (c->undecided)
            c->kind = C_EVENT;
        if (c->kind == C_MSG)
            known = finish_message(d, c);
        else if (c->kind == C_ONCHAIN)
            finish_onchain(d, c);
        else if (c->kind == C_EVENT) {
            struct fc_hub_event *e = c->obj;
            if (!c->has_type)
                item_error(d, "event without type");
            if (!c->has_id)
                item_error(d, "event without id");
            known = e->type != FC_EVENT_NONE;
            if (e->type == FC_EVENT_MERGE_MESSAGE && !e->message && known)
                item_error(d, "merge event without a message");
            if (e->type == FC_EVENT_MERGE_MESSAGE && !e->deleted) {
                e->deleted = fc_arena_memdup(&d->arena, c->deleted.p,
                                             c->deleted.n * sizeof(void *));
                e->n_deleted = c->deleted.n;
            }
        }
        d->nctx--;
        if (c->dest == D_ITEM)
            emit_item(d, c, known);
        else if (!known && c->kind == C_MSG)
            item_error(d, "unknown message type \"%.*s\"", (int)c->type_len, c->type_text);
        else
            attach(d, c, known);
    }
    return 1;
}

static int cb_end_map(void *ud)
{
    return cb_end(ud, false);
}

static int cb_end_array(void *ud)
{
    return cb_end(ud, true);
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

/* A single object page (a message, event, on-chain event or proof): the
 * root map is the item. Decided at the root's first key in auto mode. */
static int cb_map_key_single(void *ud, const unsigned char *key, size_t n)
{
    return cb_map_key(ud, key, n);
}

struct fc_decoder *fc_decoder_new(enum fc_page_kind kind, fc_item_fn fn, void *ud)
{
    pthread_once(&tables_once, build_tables);
    struct fc_decoder *d = fc_xcalloc(1, sizeof(*d));
    d->kind = kind;
    d->info.kind = kind;
    d->fn = fn;
    d->ud = ud;
    (void)cb_map_key_single;
    d->y = yajl_alloc(&callbacks, NULL, d);
    /* We check UTF-8 per field so one bad string fails one item, not the page. */
    yajl_config(d->y, yajl_dont_validate_strings, 1);
    return d;
}

enum fc_err fc_decoder_feed(struct fc_decoder *d, const char *data, size_t n, struct fc_diag *diag)
{
    if (d->fed_total + n > FC_MAX_PAGE_BYTES)
        return fc_diag_set(diag, FC_ERR_LIMIT, "page larger than %u bytes", FC_MAX_PAGE_BYTES);
    d->chunk = data;
    d->chunk_start = d->fed_total;
    yajl_status st = yajl_parse(d->y, (const unsigned char *)data, n);
    d->fed_total += n;
    if (st == yajl_status_ok) {
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
    unsigned char *msg = yajl_get_error(d->y, 0, NULL, 0);
    enum fc_err e = fc_diag_set(diag, FC_ERR_INVALID, "invalid JSON at byte %zu: %s",
                                d->chunk_start + yajl_get_bytes_consumed(d->y),
                                (const char *)msg);
    yajl_free_error(d->y, msg);
    return e;
}

enum fc_err fc_decoder_finish(struct fc_decoder *d, struct fc_page_info *info, struct fc_diag *diag)
{
    yajl_status st = yajl_complete_parse(d->y);
    if (st != yajl_status_ok || d->depth != 0) {
        unsigned char *msg = yajl_get_error(d->y, 0, NULL, 0);
        enum fc_err e = fc_diag_set(diag, FC_ERR_INVALID, "incomplete JSON after %zu bytes: %s",
                                    d->fed_total, (const char *)msg);
        yajl_free_error(d->y, msg);
        return e;
    }
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
    yajl_free(d->y);
    struct fc_arena arena = d->arena;
    struct fc_buf carry = d->carry;
    struct ctx ctx[MAX_CTX];
    memcpy(ctx, d->ctx, sizeof(ctx));
    memset(d, 0, sizeof(*d));
    /* Keep a page's worth of memory for the next page, not a hostile one's. */
    if (arena.head && arena.total > FC_DECODER_KEEP_BYTES)
        fc_arena_reset(&arena);
    else
        fc_arena_clear(&arena);
    d->arena = arena;
    if (carry.cap > FC_DECODER_KEEP_BYTES)
        fc_buf_cleanup(&carry);
    fc_buf_reset(&carry);
    d->carry = carry;
    for (int i = 0; i < MAX_CTX; i++) { /* scratch vectors: small ones are kept */
        struct vec *v[] = {&ctx[i].mentions, &ctx[i].positions, &ctx[i].embeds, &ctx[i].compact,
                           &ctx[i].deleted};
        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
            if (v[k]->cap > 16384) {
                free(v[k]->p);
                memset(v[k], 0, sizeof(*v[k]));
            }
    }
    memcpy(d->ctx, ctx, sizeof(ctx)); /* keeps the scratch vectors' storage */
    d->kind = kind;
    d->info.kind = kind;
    d->fn = fn;
    d->ud = ud;
    d->y = yajl_alloc(&callbacks, NULL, d);
    yajl_config(d->y, yajl_dont_validate_strings, 1);
}

void fc_decoder_free(struct fc_decoder *d)
{
    if (!d)
        return;
    yajl_free(d->y);
    for (int i = 0; i < MAX_CTX; i++) {
        free(d->ctx[i].mentions.p);
        free(d->ctx[i].positions.p);
        free(d->ctx[i].embeds.p);
        free(d->ctx[i].compact.p);
        free(d->ctx[i].deleted.p);
        free(d->ctx[i].embeds_dep.p);
    }
    fc_arena_reset(&d->arena);
    fc_buf_cleanup(&d->carry);
    free(d);
}

size_t fc_decoder_retained_bytes(const struct fc_decoder *d)
{
    size_t n = fc_arena_capacity(&d->arena) + d->carry.cap;
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
