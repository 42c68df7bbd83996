/* Farcaster's rules for complete objects: required fields, the body that
 * matches the message type, text and mention limits, addresses decoded by
 * protocol, on-chain payers and signer metadata, hub events. */
#include "fc/decode_internal.h"

#include <string.h>

#include "core/base64.h"
#include "core/hex.h"
#include "fc/bytes.h"

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
        fc_dec_item_error(d, "verification without an address");
        return;
    }
    size_t want = m->body.verification.protocol == 1 ? 32 : 20;
    if (m->body.verification.protocol == 1) {
        if (fc_base58_decode(c->addr_raw, c->addr_raw_len, m->body.verification.address, 32,
                             &m->body.verification.address_len, &diag) ||
            m->body.verification.address_len != 32)
            fc_dec_item_error(d, "Solana address \"%.60s\" is not 32 bytes of base58", c->addr_raw);
        if (c->bh_raw && !fc_dec_is_empty_bytes(c->bh_raw, c->bh_raw_len) &&
            fc_base58_decode(c->bh_raw, c->bh_raw_len, m->body.verification.block_hash, 32,
                             &m->body.verification.block_hash_len, &diag))
            fc_dec_item_error(d, "Solana block hash is not base58: %s", diag.msg);
    } else {
        if (c->addr_raw_len != 2 + 2 * want ||
            fc_hex_decode(c->addr_raw, c->addr_raw_len, true, m->body.verification.address, 32,
                          &m->body.verification.address_len, &diag))
            fc_dec_item_error(d, "expected 0x and 40 hex digits for the address, got \"%.80s\"",
                       c->addr_raw);
        if (c->bh_raw && c->bh_raw_len &&
            fc_hex_decode(c->bh_raw, c->bh_raw_len, true, m->body.verification.block_hash, 32,
                          &m->body.verification.block_hash_len, &diag))
            fc_dec_item_error(d, "block hash: %s", diag.msg);
    }
}

/* Returns false when the message type is unknown (the item is skipped). */
static bool finish_message(struct fc_decoder *d, struct ctx *c)
{
    struct fc_message *m = c->obj;
    if (!c->has_type) {
        fc_dec_item_error(d, "message without data.type");
        return true;
    }
    if (m->type == FC_MSG_NONE)
        return false;
    if (!c->has_fid || m->fid == 0)
        fc_dec_item_error(d, "message without a positive data.fid");
    if (!c->has_hash)
        fc_dec_item_error(d, "message without a 20-byte hash");
    if (!c->has_ts)
        fc_dec_item_error(d, "message without data.timestamp");
    int bit = body_bit(m->type);
    if (bit >= 0 && !(c->bodies & (1u << bit)) && m->type != FC_MSG_FRAME_ACTION)
        fc_dec_item_error(d, "%s without its body", fc_msg_type_name(m->type));
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
            fc_dec_item_error(d, "text of %zu bytes exceeds the %zu-byte limit of its cast type",
                       b->text_len, cast_text_limit(b->cast_type));
        if (b->n_mentions != b->n_positions)
            fc_dec_item_error(d, "%zu mentions but %zu mention positions", b->n_mentions,
                       b->n_positions);
        for (size_t i = 0; i < b->n_positions; i++) {
            if (b->positions[i] > b->text_len)
                fc_dec_item_error(d, "mention position %u is beyond the text (%zu bytes)",
                           b->positions[i], b->text_len);
            if (i && b->positions[i] < b->positions[i - 1])
                fc_dec_item_error(d, "mention positions are not in order");
        }
        if (b->has_parent_cast && b->parent_url)
            fc_dec_item_error(d, "both parentCastId and parentUrl are set");
        for (size_t i = 0; i < b->n_embeds; i++)
            if (!b->embeds[i].url && !b->embeds[i].is_cast)
                fc_dec_item_error(d, "embed %zu has neither url nor castId", i);
        break;
    }
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        if (m->body.reaction.reaction_type != 1 && m->body.reaction.reaction_type != 2)
            fc_dec_item_error(d, "reaction type must be LIKE or RECAST");
        if (m->body.reaction.has_target_cast == (m->body.reaction.target_url != NULL))
            fc_dec_item_error(d, "a reaction needs exactly one of targetCastId and targetUrl");
        break;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        if (!m->body.link.link_type || !*m->body.link.link_type)
            fc_dec_item_error(d, "link without a type");
        if (!m->body.link.target_fid)
            fc_dec_item_error(d, "link without a targetFid");
        break;
    case FC_MSG_LINK_COMPACT_STATE:
        m->body.compact.target_fids = fc_arena_memdup(&d->arena, c->compact.p,
                                                      c->compact.n * sizeof(uint64_t));
        m->body.compact.n_target_fids = c->compact.n;
        if (!m->body.compact.link_type)
            fc_dec_item_error(d, "link compact state without a type");
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
        fc_dec_item_error(d, "on-chain event without type");
    if (!c->has_fid)
        fc_dec_item_error(d, "on-chain event without fid");
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
            fc_dec_item_error(d, "payer \"%.60s\" is not a 20-byte address in hex or base64", raw[i]);
        else
            *has[i] = true;
    }
    if (o->type == FC_ONCHAIN_ID_REGISTER) {
        int t = o->body.id_register.event_type;
        if ((t == 1 || t == 2) && !o->body.id_register.has_to)
            fc_dec_item_error(d, "%s without a custody address (to)", t == 1 ? "REGISTER" : "TRANSFER");
    }
    if (o->type == FC_ONCHAIN_SIGNER) {
        __typeof__(o->body.signer) *s = &o->body.signer;
        if (s->key_len != 32)
            fc_dec_item_error(d, "signer key must be 32 bytes");
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

/* Returns false when the event type is unknown (the item is skipped). */
static bool finish_event(struct fc_decoder *d, struct ctx *c)
{
    struct fc_hub_event *e = c->obj;
    if (!c->has_type)
        fc_dec_item_error(d, "event without type");
    if (!c->has_id)
        fc_dec_item_error(d, "event without id");
    bool known = e->type != FC_EVENT_NONE;
    if (e->type == FC_EVENT_MERGE_MESSAGE && !e->message && known)
        fc_dec_item_error(d, "merge event without a message");
    if (e->type == FC_EVENT_MERGE_MESSAGE && !e->deleted) {
        e->deleted = fc_arena_memdup(&d->arena, c->deleted.p, c->deleted.n * sizeof(void *));
        e->n_deleted = c->deleted.n;
    }
    return known;
}

bool fc_dec_finish(struct fc_decoder *d, struct ctx *c)
{
    switch (c->kind) {
    case C_MSG: return finish_message(d, c);
    case C_ONCHAIN: finish_onchain(d, c); return true;
    case C_EVENT: return finish_event(d, c);
    default: return true;
    }
}
