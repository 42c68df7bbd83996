#include "fc/emit.h"

#include <string.h>

#include "core/fctime.h"
#include "core/hex.h"
#include "fc/bytes.h"

static void hex(struct fc_buf *b, const uint8_t *p, size_t n)
{
    char tmp[2 * 64 + 3];
    if (n > 64)
        n = 64;
    fc_hex_encode(p, n, tmp);
    fc_buf_printf(b, "\"%s\"", tmp);
}

static void str(struct fc_buf *b, const char *s, size_t n)
{
    if (!s)
        fc_buf_puts(b, "null");
    else
        fc_buf_json_str(b, s, n);
}

static void cstr(struct fc_buf *b, const char *s)
{
    str(b, s, s ? strlen(s) : 0);
}

static void cast_id(struct fc_buf *b, const struct fc_cast_id *c)
{
    fc_buf_printf(b, "{\"fid\":%llu,\"hash\":", (unsigned long long)c->fid);
    hex(b, c->hash, 20);
    fc_buf_putc(b, '}');
}

static const char *const user_data_types[] = {
    "USER_DATA_TYPE_NONE", "USER_DATA_TYPE_PFP", "USER_DATA_TYPE_DISPLAY", "USER_DATA_TYPE_BIO",
    "USER_DATA_TYPE_NONE", "USER_DATA_TYPE_URL", "USER_DATA_TYPE_USERNAME",
    "USER_DATA_TYPE_LOCATION", "USER_DATA_TYPE_TWITTER", "USER_DATA_TYPE_GITHUB",
    "USER_DATA_TYPE_BANNER", "USER_DATA_PRIMARY_ADDRESS_ETHEREUM",
    "USER_DATA_PRIMARY_ADDRESS_SOLANA", "USER_DATA_TYPE_PROFILE_TOKEN", "USER_DATA_TYPE_LIVE_AT"};
static const char *const username_types[] = {"USERNAME_TYPE_NONE", "USERNAME_TYPE_FNAME",
                                             "USERNAME_TYPE_ENS_L1", "USERNAME_TYPE_BASENAME"};

static const char *name_or(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : "UNKNOWN";
}

static void proof(struct fc_buf *b, const struct fc_username_proof *p)
{
    fc_buf_printf(b, "{\"type\":\"%s\",\"fid\":%llu,\"name\":",
                  name_or(username_types, 4, p->type), (unsigned long long)p->fid);
    str(b, p->name, p->name_len);
    fc_buf_puts(b, ",\"owner\":");
    hex(b, p->owner, p->owner_len);
    fc_buf_printf(b, ",\"timestamp\":%llu}", (unsigned long long)p->timestamp_unix);
}

static void message_body(struct fc_buf *b, const struct fc_message *m)
{
    switch (m->type) {
    case FC_MSG_CAST_ADD: {
        const __typeof__(m->body.cast_add) *c = &m->body.cast_add;
        static const char *const types[] = {"CAST", "LONG_CAST", "TEN_K_CAST"};
        fc_buf_puts(b, "{\"text\":");
        str(b, c->text, c->text_len);
        fc_buf_printf(b, ",\"text_had_nul\":%s,\"cast_type\":\"%s\",\"parent_cast\":",
                      c->text_had_nul ? "true" : "false", name_or(types, 3, c->cast_type));
        if (c->has_parent_cast)
            cast_id(b, &c->parent);
        else
            fc_buf_puts(b, "null");
        fc_buf_puts(b, ",\"parent_url\":");
        str(b, c->parent_url, c->parent_url_len);
        fc_buf_puts(b, ",\"mentions\":[");
        for (size_t i = 0; i < c->n_mentions; i++)
            fc_buf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)c->mentions[i]);
        fc_buf_puts(b, "],\"mentions_positions\":[");
        for (size_t i = 0; i < c->n_positions; i++)
            fc_buf_printf(b, "%s%u", i ? "," : "", c->positions[i]);
        fc_buf_puts(b, "],\"embeds\":[");
        for (size_t i = 0; i < c->n_embeds; i++) {
            if (i)
                fc_buf_putc(b, ',');
            if (c->embeds[i].is_cast) {
                fc_buf_puts(b, "{\"cast\":");
                cast_id(b, &c->embeds[i].cast);
                fc_buf_putc(b, '}');
            } else {
                fc_buf_puts(b, "{\"url\":");
                str(b, c->embeds[i].url, c->embeds[i].url_len);
                fc_buf_putc(b, '}');
            }
        }
        fc_buf_puts(b, "]}");
        break;
    }
    case FC_MSG_CAST_REMOVE:
        fc_buf_puts(b, "{\"target_hash\":");
        hex(b, m->body.cast_remove.target_hash, 20);
        fc_buf_putc(b, '}');
        break;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        fc_buf_printf(b, "{\"reaction_type\":\"%s\",\"target_cast\":",
                      m->body.reaction.reaction_type == 2 ? "recast" : "like");
        if (m->body.reaction.has_target_cast)
            cast_id(b, &m->body.reaction.target);
        else
            fc_buf_puts(b, "null");
        fc_buf_puts(b, ",\"target_url\":");
        str(b, m->body.reaction.target_url, m->body.reaction.target_url_len);
        fc_buf_putc(b, '}');
        break;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        fc_buf_puts(b, "{\"link_type\":");
        cstr(b, m->body.link.link_type);
        fc_buf_printf(b, ",\"target_fid\":%llu,\"display_timestamp\":",
                      (unsigned long long)m->body.link.target_fid);
        if (m->body.link.has_display_ts)
            fc_buf_printf(b, "%lld}", (long long)fc_time_to_unix(m->body.link.display_fc_ts));
        else
            fc_buf_puts(b, "null}");
        break;
    case FC_MSG_LINK_COMPACT_STATE:
        fc_buf_puts(b, "{\"link_type\":");
        cstr(b, m->body.compact.link_type);
        fc_buf_puts(b, ",\"target_fids\":[");
        for (size_t i = 0; i < m->body.compact.n_target_fids; i++)
            fc_buf_printf(b, "%s%llu", i ? "," : "",
                          (unsigned long long)m->body.compact.target_fids[i]);
        fc_buf_puts(b, "]}");
        break;
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE: {
        const __typeof__(m->body.verification) *v = &m->body.verification;
        fc_buf_printf(b, "{\"protocol\":\"%s\",\"address\":",
                      v->protocol == 1 ? "solana" : "ethereum");
        if (v->protocol == 1) {
            char b58[80];
            fc_base58_encode(v->address, v->address_len, b58, sizeof(b58));
            fc_buf_printf(b, "\"%s\"", b58);
        } else {
            hex(b, v->address, v->address_len);
        }
        if (m->type == FC_MSG_VERIFICATION_ADD)
            fc_buf_printf(b, ",\"chain_id\":%u,\"verification_type\":%u", v->chain_id,
                          v->verification_type);
        fc_buf_putc(b, '}');
        break;
    }
    case FC_MSG_USER_DATA_ADD:
        fc_buf_printf(b, "{\"user_data_type\":\"%s\",\"value\":",
                      name_or(user_data_types, 15, m->body.user_data.user_data_type));
        str(b, m->body.user_data.value, m->body.user_data.value_len);
        fc_buf_putc(b, '}');
        break;
    case FC_MSG_USERNAME_PROOF:
        proof(b, &m->body.proof);
        break;
    case FC_MSG_KEY_ADD:
    case FC_MSG_KEY_REMOVE:
        fc_buf_puts(b, "{\"key\":");
        hex(b, m->body.key.key, m->body.key.key_len);
        fc_buf_printf(b, ",\"request_fid\":%llu}", (unsigned long long)m->body.key.request_fid);
        break;
    case FC_MSG_LEND_STORAGE:
        fc_buf_printf(b, "{\"to_fid\":%llu,\"num_units\":%llu,\"unit_type\":%d}",
                      (unsigned long long)m->body.lend.to_fid,
                      (unsigned long long)m->body.lend.num_units, m->body.lend.unit_type);
        break;
    default:
        fc_buf_puts(b, "{}");
    }
}

void fc_emit_message(const struct fc_message *m, struct fc_buf *b)
{
    const char *tn = fc_msg_type_name(m->type);
    fc_buf_printf(b, "{\"type\":\"%s\",\"fid\":%llu,\"hash\":", tn ? tn : "UNKNOWN",
                  (unsigned long long)m->fid);
    hex(b, m->hash, 20);
    fc_buf_printf(b, ",\"timestamp\":%lld,\"signer\":", (long long)fc_time_to_unix(m->fc_ts));
    hex(b, m->signer, m->signer_len);
    fc_buf_puts(b, ",\"body\":");
    message_body(b, m);
    fc_buf_putc(b, '}');
}

void fc_emit_onchain(const struct fc_onchain_event *o, struct fc_buf *b)
{
    const char *tn = fc_onchain_type_name(o->type);
    fc_buf_printf(b, "{\"type\":\"%s\",\"fid\":%llu,\"chain_id\":%u,\"block_number\":%llu,"
                     "\"timestamp\":%llu,\"transaction_hash\":",
                  tn ? tn : "UNKNOWN", (unsigned long long)o->fid, o->chain_id,
                  (unsigned long long)o->block_number,
                  (unsigned long long)o->block_timestamp_unix);
    hex(b, o->tx_hash, o->tx_hash_len);
    fc_buf_printf(b, ",\"log_index\":%u,\"body\":", o->log_index);
    switch (o->type) {
    case FC_ONCHAIN_SIGNER: {
        static const char *const ev[] = {"none", "add", "remove", "admin_reset"};
        fc_buf_puts(b, "{\"key\":");
        hex(b, o->body.signer.key, o->body.signer.key_len);
        fc_buf_printf(b, ",\"key_type\":%u,\"event_type\":\"%s\",\"request_fid\":",
                      o->body.signer.key_type, name_or(ev, 4, o->body.signer.event_type));
        if (o->body.signer.request_fid)
            fc_buf_printf(b, "%llu", (unsigned long long)o->body.signer.request_fid);
        else
            fc_buf_puts(b, "null");
        fc_buf_puts(b, ",\"metadata_error\":");
        cstr(b, o->body.signer.event_type == 1 ? o->body.signer.metadata_error : NULL);
        fc_buf_putc(b, '}');
        break;
    }
    case FC_ONCHAIN_ID_REGISTER: {
        static const char *const ev[] = {"none", "register", "transfer", "change_recovery"};
        fc_buf_printf(b, "{\"event_type\":\"%s\",\"to\":",
                      name_or(ev, 4, o->body.id_register.event_type));
        if (o->body.id_register.has_to)
            hex(b, o->body.id_register.to, 20);
        else
            fc_buf_puts(b, "null");
        fc_buf_puts(b, ",\"from\":");
        if (o->body.id_register.has_from)
            hex(b, o->body.id_register.from, 20);
        else
            fc_buf_puts(b, "null");
        fc_buf_puts(b, ",\"recovery_address\":");
        if (o->body.id_register.has_recovery)
            hex(b, o->body.id_register.recovery, 20);
        else
            fc_buf_puts(b, "null");
        fc_buf_putc(b, '}');
        break;
    }
    case FC_ONCHAIN_STORAGE_RENT:
        fc_buf_puts(b, "{\"payer\":");
        if (o->body.storage.has_payer)
            hex(b, o->body.storage.payer, 20);
        else
            fc_buf_puts(b, "null");
        fc_buf_printf(b, ",\"units\":%llu,\"expiry\":%llu}",
                      (unsigned long long)o->body.storage.units,
                      (unsigned long long)o->body.storage.expiry_unix);
        break;
    case FC_ONCHAIN_SIGNER_MIGRATED:
        fc_buf_printf(b, "{\"migrated_at\":%llu}",
                      (unsigned long long)o->body.migrated.migrated_at_unix);
        break;
    case FC_ONCHAIN_TIER_PURCHASE:
        fc_buf_printf(b, "{\"for_days\":%llu,\"tier_type\":", (unsigned long long)o->body.tier.for_days);
        cstr(b, o->body.tier.tier_type);
        fc_buf_putc(b, '}');
        break;
    default:
        fc_buf_puts(b, "{}");
    }
    fc_buf_putc(b, '}');
}

/* Appends `,"key":<value>` pairs of an object without its braces. */
static void splice(struct fc_buf *b, struct fc_buf *obj)
{
    /* obj is "{...}": drop the outer braces */
    if (obj->len > 2) {
        fc_buf_putc(b, ',');
        fc_buf_append(b, obj->data + 1, obj->len - 2);
    }
}

/* Appends {"kind":"<kind>"} with the members of the object obj holds. */
static void kind_object(struct fc_buf *b, const char *kind, struct fc_buf *obj)
{
    fc_buf_printf(b, "{\"kind\":\"%s\"", kind);
    splice(b, obj);
    fc_buf_putc(b, '}');
}

void fc_emit_item(const struct fc_item *it, struct fc_buf *b)
{
    struct fc_buf tmp = FC_BUF_INIT;
    switch (it->kind) {
    case FC_ITEM_MESSAGE:
        fc_emit_message(it->message, &tmp);
        kind_object(b, "message", &tmp);
        break;
    case FC_ITEM_EVENT: {
        const struct fc_hub_event *e = it->event;
        const char *tn = fc_event_type_name(e->type);
        uint64_t fid = e->message ? e->message->fid : e->onchain ? e->onchain->fid
                                                  : e->proof ? e->proof->fid : 0;
        fc_buf_printf(b, "{\"kind\":\"event\",\"type\":\"%s\",\"event_id\":%llu,\"fid\":%llu,"
                         "\"block_number\":%llu,\"shard_index\":%u",
                      tn ? tn : "UNKNOWN", (unsigned long long)e->id, (unsigned long long)fid,
                      (unsigned long long)e->block_number, e->shard_index);
        if (e->message) {
            fc_buf_puts(b, ",\"message\":");
            fc_emit_message(e->message, b);
        }
        if (e->type == FC_EVENT_MERGE_MESSAGE) {
            fc_buf_puts(b, ",\"deleted_messages\":[");
            for (size_t i = 0; i < e->n_deleted; i++) {
                if (i)
                    fc_buf_putc(b, ',');
                fc_emit_message(e->deleted[i], b);
            }
            fc_buf_putc(b, ']');
        }
        if (e->onchain) {
            fc_buf_puts(b, ",\"onchain_event\":");
            fc_emit_onchain(e->onchain, b);
        }
        if (e->proof) {
            fc_buf_puts(b, ",\"username_proof\":");
            proof(b, e->proof);
        }
        if (e->deleted_proof) {
            fc_buf_puts(b, ",\"deleted_username_proof\":");
            proof(b, e->deleted_proof);
        }
        if (e->proof_message) {
            fc_buf_puts(b, ",\"username_proof_message\":");
            fc_emit_message(e->proof_message, b);
        }
        if (e->deleted_proof_message) {
            fc_buf_puts(b, ",\"deleted_username_proof_message\":");
            fc_emit_message(e->deleted_proof_message, b);
        }
        if (e->type == FC_EVENT_MERGE_FAILURE) {
            fc_buf_puts(b, ",\"failure\":{\"code\":");
            cstr(b, e->failure_code);
            fc_buf_puts(b, ",\"reason\":");
            cstr(b, e->failure_reason);
            fc_buf_putc(b, '}');
        }
        if (e->type == FC_EVENT_BLOCK_CONFIRMED) {
            fc_buf_printf(b, ",\"timestamp\":%lld,\"block\":{\"block_number\":%llu,"
                             "\"shard_index\":%u,\"total_events\":%u,\"block_hash\":",
                          (long long)fc_time_to_unix(e->block.fc_ts),
                          (unsigned long long)e->block.block_number, e->block.shard_index,
                          e->block.total_events);
            hex(b, e->block.block_hash, e->block.block_hash_len);
            fc_buf_putc(b, '}');
        }
        fc_buf_putc(b, '}');
        break;
    }
    case FC_ITEM_ONCHAIN:
        fc_emit_onchain(it->onchain, &tmp);
        kind_object(b, "onchain_event", &tmp);
        break;
    case FC_ITEM_PROOF:
        proof(&tmp, it->proof);
        kind_object(b, "username_proof", &tmp);
        break;
    case FC_ITEM_FID:
        fc_buf_printf(b, "{\"kind\":\"fid\",\"fid\":%llu}", (unsigned long long)it->fid);
        break;
    case FC_ITEM_ERROR:
        fc_buf_printf(b, "{\"kind\":\"error\",\"index\":%zu,\"path\":", it->index);
        cstr(b, it->error_path);
        fc_buf_puts(b, ",\"error\":");
        cstr(b, it->error);
        fc_buf_putc(b, '}');
        break;
    }
    fc_buf_cleanup(&tmp);
}
