/* Farcaster's rules for single values: integers in range, hex and base64
 * of the right size, UTF-8 text within its limit, enum names; each stored
 * into the object being decoded. A bad value becomes the item's error. */
#include "fc/decode_internal.h"

#include <string.h>

#include "core/base64.h"
#include "core/hex.h"
#include "fc/bytes.h"

bool fc_dec_to_u64(struct fc_decoder *d, const char *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        goto bad;
    for (size_t i = 0; i < n; i++) {
        unsigned digit = (unsigned char)s[i] - (unsigned)'0';
        if (digit > 9)
            goto bad;
        if (i == 19) { /* 19 digits always fit; a 20th may not */
            if (v > (UINT64_MAX - digit) / 10)
                goto bad;
        }
        v = v * 10 + digit;
    }
    if (v > max) {
        fc_dec_item_error(d, "%.*s is out of range (at most %llu)", (int)n, s, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
bad:
    fc_dec_item_error(d, "expected an unsigned integer, got %.*s", (int)(n > 40 ? 40 : n), s);
    return false;
}

static bool hex_exact(struct fc_decoder *d, const char *s, size_t n, uint8_t *out, size_t want)
{
    size_t got;
    if (n != 2 + 2 * want || fc_hex_decode(s, n, true, out, want, &got, NULL) != FC_OK) {
        fc_dec_item_error(d, "expected 0x and %zu hex digits, got \"%.*s\"", 2 * want,
                   (int)(n > 80 ? 80 : n), s);
        return false;
    }
    return true;
}

/* An empty byte field as either server writes it: "" (Hubble) or "0x"
 * (Snapchain, whatever the field's usual alphabet). */
bool fc_dec_is_empty_bytes(const char *s, size_t n)
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
        fc_dec_item_error(d, "expected 0x-hex of at most %zu bytes, got \"%.*s\": %s", cap,
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
    if (fc_dec_is_empty_bytes(s, n)) {
        *len = 0;
        return out;
    }
    if (fc_base64_decode(s, n, out, cap, len, &diag) != FC_OK) {
        fc_dec_item_error(d, "expected base64, got \"%.*s\": %s", (int)(n > 80 ? 80 : n), s, diag.msg);
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
        fc_dec_item_error(d, "%zu bytes exceed the limit of %zu", n, cap);
        return NULL;
    }
    if (!fc_utf8_valid(s, n)) {
        fc_dec_item_error(d, "invalid UTF-8");
        return NULL;
    }
    size_t nuls = 0;
    if (memchr(s, '\0', n)) /* rare: count them only then */
        for (size_t i = 0; i < n; i++)
            nuls += s[i] == '\0';
    char *out = fc_arena_alloc(&d->arena, n + 2 * nuls + 1);
    if (!nuls) {
        memcpy(out, s, n);
        out[n] = '\0';
        *len = n;
        if (had_nul)
            *had_nul = false;
        return out;
    }
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
    if (nuls && d->nctx && fc_dec_cur(d)->kind == C_MSG)
        ((struct fc_message *)fc_dec_cur(d)->obj)->lossy = true;
    return out;
}

/* Enum value by name (several spellings allowed) or number; unknown names
 * are counted and give -1. */
static int enum_value(struct fc_decoder *d, const char *s, size_t n, bool is_number,
                      const char *const *names, int count)
{
    if (is_number) {
        uint64_t v;
        if (!fc_dec_to_u64(d, s, n, 1000, &v))
            return -1;
        return (int)v;
    }
    int i = fc_name_index(names, count, s, n);
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
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
        m->type = num ? (fc_dec_to_u64(d, s, n, 100, &v) ? (enum fc_msg_type)v : FC_MSG_NONE)
                      : fc_msg_type_parse(s, n);
        break;
    case F_FID:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            m->fid = v;
            c->has_fid = true;
        }
        break;
    case F_TS:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v)) {
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
        struct fc_text *t = fc_vec_push(&c->embeds_dep);
        t->s = text_arena(d, s, n, FC_MAX_URL_BYTES, &t->len, NULL);
        if (!t->s)
            c->embeds_dep.n--;
        break;
    }
    case F_MENTION:
        if (c->mentions.n >= FC_MAX_MENTIONS) {
            fc_dec_item_error(d, "more than %d mentions", FC_MAX_MENTIONS);
        } else if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            *fc_vec_push(&c->mentions) = v;
        }
        break;
    case F_POSITION:
        if (c->positions.n >= FC_MAX_MENTIONS) {
            fc_dec_item_error(d, "more than %d mention positions", FC_MAX_MENTIONS);
        } else if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v)) {
            *fc_vec_push(&c->positions) = (uint32_t)v;
        }
        break;
    case F_PARENT_FID:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
        struct fc_embed *e = &c->embeds.p[c->embeds.n - 1];
        if (f == F_EMBED_URL) {
            e->url = text_arena(d, s, n, FC_MAX_URL_BYTES, &e->url_len, NULL);
        } else if (f == F_EMBED_FID) {
            e->is_cast = true;
            if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
            fc_dec_item_error(d, "expected a base64 20-byte hash, got %zu bytes", got);
        else if (b)
            memcpy(m->body.cast_remove.target_hash, b, 20);
        break;
    }
    case F_REACTION_TYPE:
        m->body.reaction.reaction_type = enum_value(d, s, n, num, NAMES(reaction_names));
        break;
    case F_REACTION_FID:
        m->body.reaction.has_target_cast = true;
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v)) {
            m->body.link.display_fc_ts = (uint32_t)v;
            m->body.link.has_display_ts = true;
        }
        break;
    case F_LINK_TARGET:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.link.target_fid = v;
        break;
    case F_COMPACT_TARGET:
        if (c->compact.n >= FC_MAX_COMPACT_TARGETS)
            fc_dec_item_error(d, "more than %d target fids", FC_MAX_COMPACT_TARGETS);
        else if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            *fc_vec_push(&c->compact) = v;
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
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            m->body.verification.verification_type = (uint32_t)v;
        break;
    case F_VER_CHAIN:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            m->body.lend.to_fid = v;
        break;
    case F_LEND_UNITS:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            *(f == F_KEY_TYPE ? &m->body.key.key_type
              : f == F_KEY_MDTYPE ? &m->body.key.metadata_type
                                  : &m->body.key.signature_type) = (uint32_t)v;
        break;
    case F_KEY_DEADLINE:
    case F_KEY_NONCE:
    case F_KEY_TTL:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX, &v))
            *(f == F_KEY_DEADLINE ? &m->body.key.deadline
              : f == F_KEY_NONCE ? &m->body.key.nonce
                                 : &m->body.key.ttl) = v;
        break;
    case F_KEY_SCOPE: {
        enum fc_msg_type t = num ? (fc_dec_to_u64(d, s, n, 100, &v) ? (enum fc_msg_type)v : FC_MSG_NONE)
                                 : fc_msg_type_parse(s, n);
        if (t == FC_MSG_NONE)
            m->lossy = true; /* a scope this build cannot name: kept out */
        else if (c->n_scopes < sizeof(c->scopes))
            c->scopes[c->n_scopes++] = (uint8_t)t;
        else
            fc_dec_item_error(d, "more than %zu key scopes", sizeof(c->scopes));
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
        e->type = num ? (fc_dec_to_u64(d, s, n, 100, &v) ? (enum fc_event_type)v : FC_EVENT_NONE)
                      : fc_event_type_parse(s, n);
        break;
    case F_EV_ID:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX, &v)) {
            e->id = v;
            c->has_id = true;
        }
        break;
    case F_EV_BLOCK:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX, &v))
            e->block_number = v;
        break;
    case F_EV_SHARD:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            e->shard_index = (uint32_t)v;
        break;
    case F_FAIL_CODE:
        e->failure_code = text_arena(d, s, n, 256, &(size_t){0}, NULL);
        break;
    case F_FAIL_REASON:
        e->failure_reason = text_arena(d, s, n, FC_MAX_STRING_BYTES, &(size_t){0}, NULL);
        break;
    case F_BC_BLOCK:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX, &v))
            e->block.block_number = v;
        break;
    case F_BC_SHARD:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            e->block.shard_index = (uint32_t)v;
        break;
    case F_BC_TS:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            e->block.fc_ts = (uint32_t)v;
        break;
    case F_BC_HASH:
        hex_var(d, s, n, e->block.block_hash, 32, &e->block.block_hash_len);
        break;
    case F_BC_TOTAL:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
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
        o->type = num ? (fc_dec_to_u64(d, s, n, 100, &v) ? (enum fc_onchain_type)v : FC_ONCHAIN_NONE)
                      : fc_onchain_type_parse(s, n);
        break;
    case F_OC_CHAIN:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            o->chain_id = (uint32_t)v;
        break;
    case F_OC_BLOCK:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->block_number = v;
        break;
    case F_OC_BLOCKHASH:
        hex_var(d, s, n, o->block_hash, 32, &o->block_hash_len);
        break;
    case F_OC_BLOCKTS:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->block_timestamp_unix = v;
        break;
    case F_OC_TX:
        hex_var(d, s, n, o->tx_hash, 32, &o->tx_hash_len);
        break;
    case F_OC_LOG:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            o->log_index = (uint32_t)v;
        break;
    case F_OC_FID:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v)) {
            o->fid = v;
            c->has_fid = true;
        }
        break;
    case F_OC_TXINDEX:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            o->tx_index = (uint32_t)v;
        break;
    case F_OC_VERSION:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            o->version = (uint32_t)v;
        break;
    case F_SG_KEY:
        hex_var(d, s, n, o->body.signer.key, 32, &o->body.signer.key_len);
        break;
    case F_SG_KEYTYPE:
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT32_MAX, &v))
            o->body.signer.metadata_type = (uint32_t)v;
        break;
    case F_MIG_AT:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
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
            fc_dec_item_error(d, "expected an empty or 20-byte address, got %zu bytes", len);
        bool *has = f == F_IR_TO     ? &o->body.id_register.has_to
                    : f == F_IR_FROM ? &o->body.id_register.has_from
                                     : &o->body.id_register.has_recovery;
        *has = len == 20;
        break;
    }
    case F_IR_EVTYPE: {
        int t = fc_name_index(NAMES(idreg_names), s, n);
        if (t < 0)
            t = fc_name_index(NAMES(idreg_short), s, n); /* Snapchain spells it short */
        if (t < 0 && num && fc_dec_to_u64(d, s, n, 3, &v))
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
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.storage.units = v;
        break;
    case F_SR_EXPIRY:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.storage.expiry_unix = v;
        break;
    case F_TP_PAYER:
        c->tp_payer_raw = fc_arena_strndup(&d->arena, s, n);
        c->tp_payer_raw_len = n;
        break;
    case F_TP_DAYS:
        if (fc_dec_to_u64(d, s, n, UINT64_MAX >> 1, &v))
            o->body.tier.for_days = v;
        break;
    case F_TP_TIER:
        o->body.tier.tier_type = text_arena(d, s, n, 64, &(size_t){0}, NULL);
        break;
    default:
        break;
    }
}


/* Fields the hubs always write as JSON strings (text, URLs, names, hex and
 * base64). A number there is a broken message, not text that reads "5". */
static bool string_only(enum field f)
{
    switch (f) {
    case F_HASH: case F_SIG: case F_SIGNER: case F_DATABYTES: case F_PARENT_HASH:
    case F_PARENT_URL: case F_TEXT: case F_EMBED_URL: case F_EMBED_HASH: case F_REMOVE_TARGET:
    case F_REACTION_HASH: case F_REACTION_URL: case F_LINK_TYPE: case F_COMPACT_TYPE:
    case F_VER_ADDRESS: case F_VER_BLOCKHASH: case F_VER_CLAIM: case F_VERRM_ADDRESS:
    case F_UD_VALUE: case F_KEY_KEY: case F_KEY_METADATA: case F_KEY_CUSTODY_SIG:
    case F_KEY_SIG: case F_UP_NAME: case F_UP_OWNER: case F_UP_SIG: case F_FAIL_REASON:
    case F_BC_HASH: case F_OC_BLOCKHASH: case F_OC_TX: case F_SG_KEY: case F_SG_METADATA:
    case F_IR_TO: case F_IR_FROM: case F_IR_RECOVERY: case F_SR_PAYER: case F_TP_PAYER:
        return true;
    default:
        return false;
    }
}

void fc_dec_scalar(struct fc_decoder *d, struct ctx *c, enum field f, const char *s, size_t n,
                   bool num)
{
    if (num && string_only(f)) {
        fc_dec_item_error(d, "expected a string, got %.*s", (int)(n > 40 ? 40 : n), s);
        return;
    }
    switch (c->kind) {
    case C_MSG: message_field(d, c, f, s, n, num); break;
    case C_EVENT: event_field(d, c, f, s, n, num); break;
    case C_ONCHAIN: onchain_field(d, c, f, s, n, num); break;
    case C_PROOF: proof_field(d, c->obj, f, s, n, num); break;
    default: break;
    }
}
