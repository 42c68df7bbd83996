#include "fc/msgdata.h"

#include <string.h>

/* Wire types. */
enum { WT_VARINT = 0, WT_LEN = 2 };

/* MessageData's body oneof: field number of each message type's body. */
static int body_field(enum fc_msg_type t)
{
    switch (t) {
    case FC_MSG_CAST_ADD: return 5;
    case FC_MSG_CAST_REMOVE: return 6;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: return 7;
    case FC_MSG_VERIFICATION_ADD: return 9;
    case FC_MSG_VERIFICATION_REMOVE: return 10;
    case FC_MSG_USER_DATA_ADD: return 12;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: return 14;
    case FC_MSG_USERNAME_PROOF: return 15;
    case FC_MSG_LINK_COMPACT_STATE: return 17;
    case FC_MSG_LEND_STORAGE: return 18;
    case FC_MSG_KEY_ADD: return 19;
    case FC_MSG_KEY_REMOVE: return 20;
    default: return 0; /* frame actions and channel messages: bodies not kept */
    }
}

struct writer {
    struct fc_buf *b;
    enum fc_pb_style style;
};

/* v as a varint into out (10 bytes hold any); returns its length. */
static size_t varint_bytes(uint64_t v, uint8_t out[10])
{
    size_t n = 0;
    do {
        out[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            out[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

static void varint(struct writer *w, uint64_t v)
{
    uint8_t tmp[10];
    fc_buf_append(w->b, tmp, varint_bytes(v, tmp));
}

static void tag(struct writer *w, int field, int wire_type)
{
    varint(w, (uint64_t)field << 3 | (uint64_t)wire_type);
}

/* A plain proto3 scalar: the default (0) is not written. */
static void uint_field(struct writer *w, int field, uint64_t v)
{
    if (!v)
        return;
    tag(w, field, WT_VARINT);
    varint(w, v);
}

/* A set oneof member or proto3 optional: written even when 0. */
static void uint_always(struct writer *w, int field, uint64_t v)
{
    tag(w, field, WT_VARINT);
    varint(w, v);
}

static void bytes_always(struct writer *w, int field, const void *p, size_t n)
{
    tag(w, field, WT_LEN);
    varint(w, n);
    fc_buf_append(w->b, p, n);
}

/* A plain string or bytes field: empty is not written. */
static void bytes_field(struct writer *w, int field, const void *p, size_t n)
{
    if (n)
        bytes_always(w, field, p, n);
}

/* A length-delimited sub-message: open writes the tag and remembers where
 * the body starts; close inserts the body's length in front of it. */
static size_t open_sub(struct writer *w, int field)
{
    tag(w, field, WT_LEN);
    return w->b->len;
}

static void close_sub(struct writer *w, size_t start)
{
    size_t body = w->b->len - start;
    uint8_t len[10];
    size_t n = varint_bytes(body, len);
    fc_buf_reserve(w->b, n);
    memmove(w->b->data + start + n, w->b->data + start, body);
    memcpy(w->b->data + start, len, n);
    w->b->len += n;
    w->b->data[w->b->len] = '\0';
}

/* Packed repeated varints of element type T; the styles differ only on an
 * empty list. */
#define PACKED(name, T)                                                                            \
    static void name(struct writer *w, int field, const T *v, size_t n)                            \
    {                                                                                              \
        if (!n && w->style == FC_PB_PROST)                                                         \
            return;                                                                                \
        size_t s = open_sub(w, field);                                                             \
        for (size_t i = 0; i < n; i++)                                                             \
            varint(w, v[i]);                                                                       \
        close_sub(w, s);                                                                           \
    }
PACKED(packed_u64, uint64_t)
PACKED(packed_u32, uint32_t)
PACKED(packed_u8, uint8_t)
#undef PACKED

static void cast_id(struct writer *w, int field, const struct fc_cast_id *c)
{
    size_t s = open_sub(w, field);
    uint_field(w, 1, c->fid);
    bytes_field(w, 2, c->hash, sizeof(c->hash));
    close_sub(w, s);
}

static void cast_add(struct writer *w, const struct fc_message *m)
{
    const __typeof__(m->body.cast_add) *b = &m->body.cast_add;
    for (size_t i = 0; i < b->n_embeds_deprecated; i++)
        bytes_always(w, 1, b->embeds_deprecated[i].s, b->embeds_deprecated[i].len);
    packed_u64(w, 2, b->mentions, b->n_mentions);
    if (b->has_parent_cast)
        cast_id(w, 3, &b->parent);
    else if (b->parent_url)
        bytes_always(w, 7, b->parent_url, b->parent_url_len);
    bytes_field(w, 4, b->text, b->text_len);
    packed_u32(w, 5, b->positions, b->n_positions);
    for (size_t i = 0; i < b->n_embeds; i++) {
        const struct fc_embed *e = &b->embeds[i];
        size_t s = open_sub(w, 6);
        if (e->is_cast)
            cast_id(w, 2, &e->cast);
        else if (e->url)
            bytes_always(w, 1, e->url, e->url_len);
        close_sub(w, s);
    }
    uint_field(w, 8, (uint64_t)b->cast_type);
}

static void username_proof(struct writer *w, const struct fc_username_proof *p)
{
    uint_field(w, 1, p->timestamp_unix);
    bytes_field(w, 2, p->name, p->name_len);
    bytes_field(w, 3, p->owner, p->owner_len);
    bytes_field(w, 4, p->signature, p->signature_len);
    uint_field(w, 5, p->fid);
    uint_field(w, 6, (uint64_t)p->type);
}

static void body(struct writer *w, const struct fc_message *m)
{
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        cast_add(w, m);
        break;
    case FC_MSG_CAST_REMOVE:
        bytes_field(w, 1, m->body.cast_remove.target_hash, 20);
        break;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        uint_field(w, 1, (uint64_t)m->body.reaction.reaction_type);
        if (m->body.reaction.has_target_cast)
            cast_id(w, 2, &m->body.reaction.target);
        else if (m->body.reaction.target_url)
            bytes_always(w, 3, m->body.reaction.target_url, m->body.reaction.target_url_len);
        break;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: {
        const char *t = m->body.link.link_type;
        bytes_field(w, 1, t, t ? strlen(t) : 0);
        if (m->body.link.has_display_ts)
            uint_always(w, 2, m->body.link.display_fc_ts);
        uint_always(w, 3, m->body.link.target_fid); /* the target oneof */
        break;
    }
    case FC_MSG_LINK_COMPACT_STATE: {
        const char *t = m->body.compact.link_type;
        bytes_field(w, 1, t, t ? strlen(t) : 0);
        packed_u64(w, 2, m->body.compact.target_fids, m->body.compact.n_target_fids);
        break;
    }
    case FC_MSG_VERIFICATION_ADD: {
        const __typeof__(m->body.verification) *v = &m->body.verification;
        bytes_field(w, 1, v->address, v->address_len);
        bytes_field(w, 2, v->claim_signature, v->claim_signature_len);
        bytes_field(w, 3, v->block_hash, v->block_hash_len);
        uint_field(w, 4, v->verification_type);
        uint_field(w, 5, v->chain_id);
        uint_field(w, 7, (uint64_t)v->protocol);
        break;
    }
    case FC_MSG_VERIFICATION_REMOVE:
        bytes_field(w, 1, m->body.verification.address, m->body.verification.address_len);
        uint_field(w, 2, (uint64_t)m->body.verification.protocol);
        break;
    case FC_MSG_USER_DATA_ADD:
        uint_field(w, 1, (uint64_t)m->body.user_data.user_data_type);
        bytes_field(w, 2, m->body.user_data.value, m->body.user_data.value_len);
        break;
    case FC_MSG_USERNAME_PROOF:
        username_proof(w, &m->body.proof);
        break;
    case FC_MSG_LEND_STORAGE:
        uint_field(w, 1, m->body.lend.to_fid);
        uint_field(w, 2, m->body.lend.num_units);
        uint_field(w, 3, (uint64_t)m->body.lend.unit_type);
        break;
    case FC_MSG_KEY_ADD: {
        const __typeof__(m->body.key) *k = &m->body.key;
        bytes_field(w, 1, k->key, k->key_len);
        uint_field(w, 2, k->key_type);
        bytes_field(w, 3, k->custody_signature, k->custody_signature_len);
        uint_field(w, 4, k->deadline);
        uint_field(w, 5, k->nonce);
        bytes_field(w, 6, k->metadata, k->metadata_len);
        uint_field(w, 7, k->metadata_type);
        bytes_field(w, 8, k->registration_tx_hash, k->registration_tx_hash_len);
        packed_u8(w, 9, k->scopes, k->n_scopes);
        uint_field(w, 10, k->ttl);
        break;
    }
    case FC_MSG_KEY_REMOVE: {
        const __typeof__(m->body.key) *k = &m->body.key;
        bytes_field(w, 1, k->key, k->key_len);
        bytes_field(w, 2, k->signature, k->signature_len);
        uint_field(w, 3, k->signature_type);
        uint_field(w, 4, k->deadline);
        uint_field(w, 5, k->nonce);
        break;
    }
    default:
        break;
    }
}

/* Enum fields the decoder left at -1 (a name it does not know). */
static const char *unknown_enum(const struct fc_message *m)
{
    if (m->network < 0)
        return "network";
    switch (m->type) {
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        return m->body.reaction.reaction_type < 0 ? "reaction type" : NULL;
    case FC_MSG_USER_DATA_ADD:
        return m->body.user_data.user_data_type < 0 ? "user data type" : NULL;
    case FC_MSG_USERNAME_PROOF:
        return m->body.proof.type < 0 ? "username proof type" : NULL;
    case FC_MSG_LEND_STORAGE:
        return m->body.lend.unit_type < 0 ? "storage unit type" : NULL;
    default:
        return NULL;
    }
}

enum fc_err fc_msgdata_encode(const struct fc_message *m, enum fc_pb_style style,
                              struct fc_buf *out, struct fc_diag *diag)
{
    int field = body_field(m->type);
    if (!field)
        return fc_diag_set(diag, FC_ERR_INVALID, "the body of %s messages is not kept",
                           fc_msg_type_name(m->type) ? fc_msg_type_name(m->type) : "unknown");
    if (m->lossy)
        return fc_diag_set(diag, FC_ERR_INVALID,
                           "a field was not kept as sent (NUL bytes or an unknown value)");
    const char *what = unknown_enum(m);
    if (what)
        return fc_diag_set(diag, FC_ERR_INVALID, "the %s is a name this build does not know",
                           what);
    struct writer w = {out, style};
    uint_field(&w, 1, (uint64_t)m->type);
    uint_field(&w, 2, m->fid);
    uint_field(&w, 3, m->fc_ts);
    uint_field(&w, 4, (uint64_t)m->network);
    size_t s = open_sub(&w, field);
    body(&w, m);
    close_sub(&w, s);
    return FC_OK;
}

bool fc_msgdata_styles_differ(const struct fc_message *m)
{
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        return !m->body.cast_add.n_mentions || !m->body.cast_add.n_positions;
    case FC_MSG_LINK_COMPACT_STATE:
        return !m->body.compact.n_target_fids;
    case FC_MSG_KEY_ADD:
        return !m->body.key.n_scopes;
    default:
        return false;
    }
}
