#include "render.h"

#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "core/fctime.h"
#include "core/hex.h"
#include "fc/bytes.h"
#include "rng.h"
#include "sign.h"

static const char *const words[] = {
    "gm", "farcaster", "building", "onchain", "frames", "hub", "snapchain", "indexer",
    "today", "community", "shipping", "coffee", "café", "naïve", "東京", "日本語", "🚀", "🐸",
    "✨", "🎉", "music", "art", "rust", "sqlite", "postgres", "base", "optimism", "wallet",
    "mint", "launch", "channel", "reply", "what", "do", "you", "think", "love", "this",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static void put_hex(struct fc_buf *b, const uint8_t *bytes, size_t n)
{
    char tmp[2 * 64 + 3];
    fc_hex_encode(bytes, n, tmp);
    fc_buf_puts(b, tmp);
}

static void put_b64(struct fc_buf *b, const uint8_t *bytes, size_t n)
{
    char tmp[512];
    fc_base64_encode(bytes, n, tmp);
    fc_buf_puts(b, tmp);
}

void sim_base58(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    fc_base58_encode(in, n, out, out_size);
}

/* Whether base cast ref_idx of ref_fid is older than cast idx of fid. A cast
 * refers (as parent or embed) only to older casts: its hash covers theirs,
 * so the references must not loop. Live casts (past the base count) are newer
 * than every base cast. */
static bool cast_is_older(const struct sim_params *p, uint64_t ref_fid, uint32_t ref_idx,
                          uint32_t ref_count, uint64_t fid, uint32_t idx)
{
    uint32_t n = sim_count(p, fid, K_CAST);
    if (idx >= n)
        return true;
    return sim_base_ts(p, ref_fid, K_CAST, ref_idx, ref_count) <
           sim_base_ts(p, fid, K_CAST, idx, n);
}

void sim_cast_parent(const struct sim_params *p, uint64_t fid, uint32_t idx, uint64_t *parent_fid,
                     uint32_t *parent_idx, int *parent_url)
{
    uint64_t r = sim_hash4(p->seed, fid, K_PARENT, idx);
    *parent_fid = 0;
    *parent_idx = 0;
    *parent_url = -1;
    if (r % 100 < 25) {
        uint64_t pf = sim_popular_fid(p, sim_mix(r));
        uint32_t pc = sim_count(p, pf, K_CAST);
        uint32_t pi = pc ? (uint32_t)((r >> 32) % pc) : 0;
        if (pc && pf != fid && cast_is_older(p, pf, pi, pc, fid, idx)) {
            *parent_fid = pf;
            *parent_idx = pi;
        }
    } else if (r % 100 < 40) {
        *parent_url = (int)((r >> 16) % SIM_N_CHANNELS);
    }
}

void sim_cast_content(const struct sim_params *p, uint64_t fid, uint32_t idx,
                      struct sim_cast *c, struct fc_buf *text)
{
    uint64_t h = sim_hash4(p->seed, fid, K_TEXT, idx);
    memset(c, 0, sizeof(*c));
    c->parent_url = -1;
    size_t target = (h % 10 == 0) ? 330 + (size_t)((h >> 8) % 670) : 12 + (size_t)((h >> 8) % 240);
    size_t start = text->len;
    uint64_t w = sim_mix(h);
    size_t want_mentions = (h >> 20) % 5 == 0 ? 1 + (size_t)((h >> 24) % 2) : 0;
    for (size_t k = 0; text->len - start < target; k++) {
        if (k)
            fc_buf_putc(text, ' ');
        if (c->n_mentions < want_mentions && (k == 1 || k == 4)) {
            /* The mention is spliced in by readers at this byte offset. */
            c->positions[c->n_mentions] = (uint32_t)(text->len - start);
            c->mentions[c->n_mentions] = sim_popular_fid(p, w ^ k);
            c->n_mentions++;
            fc_buf_putc(text, ' ');
        }
        w = sim_mix(w + k);
        fc_buf_puts(text, words[w % N_WORDS]);
    }
    /* Keep every text within the 1024-byte LONG_CAST limit. */
    if (text->len - start > 1000) {
        text->len = start + 1000;
        while ((text->data[text->len] & 0xc0) == 0x80)
            text->len--;
        text->data[text->len] = '\0';
    }
    c->type = text->len - start > 320 ? 1 : 0;
    sim_cast_parent(p, fid, idx, &c->parent_fid, &c->parent_idx, &c->parent_url);
    uint64_t e = sim_hash4(p->seed, fid, K_EMBED, idx);
    c->embed_url = e % 10 < 3;
    if (e % 10 == 9) {
        uint64_t ef = sim_popular_fid(p, sim_mix(e));
        uint32_t ec = sim_count(p, ef, K_CAST);
        uint32_t ei = ec ? (uint32_t)((e >> 32) % ec) : 0;
        if (ec && !(ef == fid && ei == idx) && cast_is_older(p, ef, ei, ec, fid, idx)) {
            c->embed_fid = ef;
            c->embed_idx = ei;
        }
    }
}

static void put_cast_id(const struct sim_params *p, struct fc_buf *b, uint64_t fid, uint32_t idx)
{
    uint8_t h[20];
    sim_cast_hash(p, fid, idx, h);
    fc_buf_printf(b, "{\"fid\":%llu,\"hash\":", (unsigned long long)fid);
    fc_buf_putc(b, '"');
    put_hex(b, h, 20);
    fc_buf_puts(b, "\"}");
}

static void cast_add_body(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *b)
{
    struct sim_cast c;
    struct fc_buf text = FC_BUF_INIT;
    sim_cast_content(p, m->fid, m->idx, &c, &text);
    bool snap = p->flavour == SIM_SNAPCHAIN;
    fc_buf_puts(b, "\"castAddBody\":{\"embedsDeprecated\":[],\"mentions\":[");
    for (size_t i = 0; i < c.n_mentions; i++)
        fc_buf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)c.mentions[i]);
    fc_buf_puts(b, "],");
    if (c.parent_fid) {
        fc_buf_puts(b, "\"parentCastId\":");
        put_cast_id(p, b, c.parent_fid, c.parent_idx);
        fc_buf_puts(b, snap ? ",\"parentUrl\":null," : ",");
    } else if (c.parent_url >= 0) {
        if (snap)
            fc_buf_puts(b, "\"parentCastId\":null,");
        fc_buf_puts(b, "\"parentUrl\":");
        const char *u = sim_channel_url((unsigned)c.parent_url);
        fc_buf_json_str(b, u, strlen(u));
        fc_buf_putc(b, ',');
    } else if (snap) {
        fc_buf_puts(b, "\"parentCastId\":null,\"parentUrl\":null,");
    }
    fc_buf_puts(b, "\"text\":");
    fc_buf_json_str(b, text.data ? text.data : "", text.len);
    struct fc_buf embeds = FC_BUF_INIT, positions = FC_BUF_INIT;
    fc_buf_puts(&embeds, "\"embeds\":[");
    if (c.embed_url) {
        fc_buf_puts(&embeds, "{\"url\":\"");
        sim_embed_url(m->fid, m->idx, &embeds);
        fc_buf_puts(&embeds, "\"}");
    }
    if (c.embed_fid) {
        fc_buf_puts(&embeds, c.embed_url ? ",{\"castId\":" : "{\"castId\":");
        put_cast_id(p, &embeds, c.embed_fid, c.embed_idx);
        fc_buf_putc(&embeds, '}');
    }
    fc_buf_putc(&embeds, ']');
    fc_buf_puts(&positions, "\"mentionsPositions\":[");
    for (size_t i = 0; i < c.n_mentions; i++)
        fc_buf_printf(&positions, "%s%u", i ? "," : "", c.positions[i]);
    fc_buf_putc(&positions, ']');
    /* Snapchain writes embeds before mentionsPositions; Hubble the reverse. */
    fc_buf_putc(b, ',');
    fc_buf_puts(b, snap ? embeds.data : positions.data);
    fc_buf_putc(b, ',');
    fc_buf_puts(b, snap ? positions.data : embeds.data);
    fc_buf_printf(b, ",\"type\":\"%s\"}", c.type ? "LONG_CAST" : "CAST");
    fc_buf_cleanup(&embeds);
    fc_buf_cleanup(&positions);
    fc_buf_cleanup(&text);
}

void sim_embed_url(uint64_t fid, uint32_t idx, struct fc_buf *out)
{
    fc_buf_printf(out, "https://example.com/img/%llu-%u.png", (unsigned long long)fid, idx);
}

size_t sim_verif_claim(const struct sim_params *p, const struct sim_msg *m, uint8_t block_hash[32],
                       uint8_t claim[65])
{
    sim_bytes(p->seed, m->fid, K_VERIF + 200, m->idx, block_hash, 32);
    sim_bytes(p->seed, m->fid, K_VERIF + 300, m->idx, claim, 65);
    return m->sub ? 64 : 65;
}

size_t sim_verif_address(const struct sim_params *p, const struct sim_msg *m, uint8_t out[32])
{
    size_t n = m->sub ? 32 : 20;
    sim_bytes(p->seed, m->fid, K_VERIF + 100, m->idx, out, n);
    return n;
}

static const char *userdata_name(unsigned t)
{
    switch (t) {
    case 1: return "USER_DATA_TYPE_PFP";
    case 2: return "USER_DATA_TYPE_DISPLAY";
    case 3: return "USER_DATA_TYPE_BIO";
    case 5: return "USER_DATA_TYPE_URL";
    case 6: return "USER_DATA_TYPE_USERNAME";
    case 7: return "USER_DATA_TYPE_LOCATION";
    case 8: return "USER_DATA_TYPE_TWITTER";
    case 9: return "USER_DATA_TYPE_GITHUB";
    }
    return "USER_DATA_TYPE_NONE";
}

void sim_userdata_value(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *out)
{
    char name[32];
    sim_username(p, m->fid, name);
    uint64_t h = sim_hash4(p->seed, m->fid, K_USERDATA + 50, m->idx);
    switch (m->sub) {
    case 1: fc_buf_printf(out, "https://i.example.com/pfp/%llu.png", (unsigned long long)m->fid); break;
    case 2: fc_buf_printf(out, "%c%s", name[0] - 32, name + 1); break;
    case 3:
        fc_buf_printf(out, "%s %s %s #%u", words[h % N_WORDS], words[(h >> 8) % N_WORDS],
                      words[(h >> 16) % N_WORDS], m->idx);
        break;
    case 5: fc_buf_printf(out, "https://%s.xyz", name); break;
    case 6: fc_buf_puts(out, name); break;
    case 7:
        fc_buf_printf(out, "geo:%d.%02d,%d.%02d", (int)(h % 90), (int)((h >> 8) % 100),
                      -(int)((h >> 16) % 180), (int)((h >> 24) % 100));
        break;
    default: fc_buf_puts(out, name); break;
    }
}

/* Hubble sends dataBytes for messages submitted with them: here a third of
 * the accounts' clients do. Snapchain never sends them. */
static bool sends_data_bytes(const struct sim_params *p, uint64_t fid)
{
    return p->flavour == SIM_HUBBLE && fid % 3 == 1;
}

static void envelope_tail(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *b)
{
    uint8_t sig[64], signer[32];
    sim_msg_sign(p, m, sig, signer);
    fc_buf_puts(b, "},\"hash\":\"");
    put_hex(b, m->hash, 20);
    fc_buf_puts(b, "\",\"hashScheme\":\"HASH_SCHEME_BLAKE3\",\"signature\":\"");
    put_b64(b, sig, 64);
    fc_buf_puts(b, "\",\"signatureScheme\":\"SIGNATURE_SCHEME_ED25519\",\"signer\":\"");
    put_hex(b, signer, 32);
    if (sends_data_bytes(p, m->fid)) {
        struct fc_buf data = FC_BUF_INIT, text = FC_BUF_INIT;
        sim_msg_data(p, m, &data);
        fc_buf_reserve(&text, fc_base64_encoded_size(data.len));
        fc_base64_encode((const uint8_t *)data.data, data.len, text.data);
        fc_buf_puts(b, "\",\"dataBytes\":\"");
        fc_buf_puts(b, text.data);
        fc_buf_cleanup(&data);
        fc_buf_cleanup(&text);
    }
    fc_buf_puts(b, "\"}");
}

static const char *type_name(unsigned t)
{
    switch (t) {
    case MT_CAST_ADD: return "MESSAGE_TYPE_CAST_ADD";
    case MT_CAST_REMOVE: return "MESSAGE_TYPE_CAST_REMOVE";
    case MT_REACTION_ADD: return "MESSAGE_TYPE_REACTION_ADD";
    case MT_REACTION_REMOVE: return "MESSAGE_TYPE_REACTION_REMOVE";
    case MT_LINK_ADD: return "MESSAGE_TYPE_LINK_ADD";
    case MT_LINK_REMOVE: return "MESSAGE_TYPE_LINK_REMOVE";
    case MT_VERIF_ADD: return "MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS";
    case MT_VERIF_REMOVE: return "MESSAGE_TYPE_VERIFICATION_REMOVE";
    case MT_USER_DATA_ADD: return "MESSAGE_TYPE_USER_DATA_ADD";
    }
    return "MESSAGE_TYPE_NONE";
}

void sim_render_message(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *b)
{
    bool snap = p->flavour == SIM_SNAPCHAIN;
    fc_buf_printf(b, "{\"data\":{\"type\":\"%s\",\"fid\":%llu,\"timestamp\":%u,"
                     "\"network\":\"FARCASTER_NETWORK_MAINNET\",",
                  type_name(m->type), (unsigned long long)m->fid, m->ts);
    switch (m->type) {
    case MT_CAST_ADD: cast_add_body(p, m, b); break;
    case MT_CAST_REMOVE: {
        uint8_t h[20];
        sim_remove_target_hash(p, m, h);
        fc_buf_puts(b, "\"castRemoveBody\":{\"targetHash\":\"");
        put_b64(b, h, 20);
        fc_buf_puts(b, "\"}");
        break;
    }
    case MT_REACTION_ADD:
    case MT_REACTION_REMOVE:
        fc_buf_printf(b, "\"reactionBody\":{\"type\":\"%s\",",
                      m->sub == 2 ? "REACTION_TYPE_RECAST" : "REACTION_TYPE_LIKE");
        if (m->target_fid) {
            fc_buf_puts(b, "\"targetCastId\":");
            put_cast_id(p, b, m->target_fid, m->target_idx);
        } else {
            const char *u = sim_channel_url(m->target_idx);
            fc_buf_puts(b, "\"targetUrl\":");
            fc_buf_json_str(b, u, strlen(u));
        }
        fc_buf_putc(b, '}');
        break;
    case MT_LINK_ADD:
    case MT_LINK_REMOVE:
        fc_buf_printf(b, "\"linkBody\":{\"type\":\"follow\",%s\"targetFid\":%llu}",
                      snap ? "\"displayTimestamp\":null," : "",
                      (unsigned long long)m->target_fid);
        break;
    case MT_VERIF_ADD: {
        uint8_t addr[32], bh[32], claim[65];
        size_t n = sim_verif_address(p, m, addr);
        size_t cn = sim_verif_claim(p, m, bh, claim);
        struct fc_buf body = FC_BUF_INIT;
        char a58[64], b58[64];
        fc_buf_puts(&body, "{\"address\":\"");
        if (m->sub) {
            sim_base58(addr, n, a58, sizeof(a58));
            sim_base58(bh, 32, b58, sizeof(b58));
            fc_buf_puts(&body, a58);
        } else {
            put_hex(&body, addr, n);
        }
        fc_buf_puts(&body, "\",\"claimSignature\":\"");
        put_b64(&body, claim, cn);
        fc_buf_puts(&body, "\",\"blockHash\":\"");
        if (m->sub)
            fc_buf_puts(&body, b58);
        else
            put_hex(&body, bh, 32);
        fc_buf_printf(&body, "\",\"%s\":0,\"chainId\":0,\"protocol\":\"%s\"",
                      snap ? "type" : "verificationType",
                      m->sub ? "PROTOCOL_SOLANA" : "PROTOCOL_ETHEREUM");
        if (!snap) {
            fc_buf_puts(&body, ",\"ethSignature\":\"");
            put_b64(&body, claim, cn);
            fc_buf_putc(&body, '"');
        }
        fc_buf_putc(&body, '}');
        fc_buf_printf(b, "\"verificationAddAddressBody\":%s", body.data);
        if (!snap)
            fc_buf_printf(b, ",\"verificationAddEthAddressBody\":%s", body.data);
        fc_buf_cleanup(&body);
        break;
    }
    case MT_VERIF_REMOVE: {
        uint8_t addr[32];
        size_t n = sim_verif_address(p, m, addr);
        fc_buf_puts(b, "\"verificationRemoveBody\":{\"address\":\"");
        if (m->sub) {
            char a58[64];
            sim_base58(addr, n, a58, sizeof(a58));
            fc_buf_puts(b, a58);
        } else {
            put_hex(b, addr, n);
        }
        fc_buf_printf(b, "\",\"protocol\":\"%s\"}", m->sub ? "PROTOCOL_SOLANA" : "PROTOCOL_ETHEREUM");
        break;
    }
    case MT_USER_DATA_ADD: {
        struct fc_buf v = FC_BUF_INIT;
        sim_userdata_value(p, m, &v);
        fc_buf_printf(b, "\"userDataBody\":{\"type\":\"%s\",\"value\":", userdata_name(m->sub));
        fc_buf_json_str(b, v.data, v.len);
        fc_buf_putc(b, '}');
        fc_buf_cleanup(&v);
        break;
    }
    }
    envelope_tail(p, m, b);
}

static uint64_t block_unix(uint64_t block)
{
    return 1690000000ull + (block - 100000000ull) * 2;
}

static void onchain_head(const struct sim_params *p, const char *type, uint64_t fid,
                         uint64_t block, uint32_t log_index, struct fc_buf *b)
{
    uint8_t bh[32], tx[32];
    sim_bytes(p->seed, block, 0xB10C, 0, bh, 32);
    sim_bytes(p->seed, block, 0x7C, fid, tx, 32);
    fc_buf_printf(b, "{\"type\":\"%s\",\"chainId\":10,\"blockNumber\":%llu,\"blockHash\":\"", type,
                  (unsigned long long)block);
    put_hex(b, bh, 32);
    fc_buf_printf(b, "\",\"blockTimestamp\":%llu,\"transactionHash\":\"",
                  (unsigned long long)block_unix(block));
    put_hex(b, tx, 32);
    fc_buf_printf(b, "\",\"logIndex\":%u,\"fid\":%llu,", log_index, (unsigned long long)fid);
}

static void onchain_tail(const struct sim_params *p, uint64_t block, struct fc_buf *b)
{
    if (p->flavour == SIM_SNAPCHAIN)
        fc_buf_puts(b, ",\"tier_purchase_event_body\":null");
    fc_buf_printf(b, ",\"txIndex\":%u,\"version\":0}", (unsigned)(block % 50));
}

void sim_signed_key_request(const struct sim_params *p, uint64_t request_fid, uint64_t salt,
                            uint8_t out[288])
{
    memset(out, 0, 288);
    out[31] = 0x20;
    for (int i = 0; i < 8; i++)
        out[32 + 31 - i] = (uint8_t)(request_fid >> (8 * i));
    sim_custody(p, request_fid, out + 64 + 12); /* requestSigner = the app's custody address */
    out[96 + 31] = 0x80;
    uint64_t deadline = 1700000000ull + salt % 100000000ull;
    for (int i = 0; i < 8; i++)
        out[128 + 31 - i] = (uint8_t)(deadline >> (8 * i));
    out[160 + 31] = 65;
    sim_bytes(p->seed, request_fid, 0x5157, salt, out + 192, 65);
}

void sim_render_signer_event(const struct sim_params *p, uint64_t fid,
                             const struct sim_signer *s, bool remove_event, struct fc_buf *b)
{
    uint64_t block = remove_event ? s->remove_block : s->block_number;
    onchain_head(p, "EVENT_TYPE_SIGNER", fid, block, s->log_index, b);
    fc_buf_puts(b, "\"signerEventBody\":{\"key\":\"");
    put_hex(b, s->key, 32);
    if (remove_event) {
        fc_buf_puts(b, "\",\"keyType\":1,\"eventType\":\"SIGNER_EVENT_TYPE_REMOVE\","
                       "\"metadata\":\"\",\"metadataType\":0}");
    } else {
        uint8_t md[288];
        sim_signed_key_request(p, s->app_fid, fid ^ s->block_number, md);
        fc_buf_puts(b, "\",\"keyType\":1,\"eventType\":\"SIGNER_EVENT_TYPE_ADD\",\"metadata\":\"");
        put_b64(b, md, sizeof(md));
        fc_buf_puts(b, "\",\"metadataType\":1}");
    }
    onchain_tail(p, block, b);
}

/* One id-register event; a NULL address is an empty byte field, written as
 * each server writes it ("0x" Snapchain, "" Hubble). */
static void id_register_event(const struct sim_params *p, uint64_t fid, uint64_t block, int type,
                              const uint8_t *to, const uint8_t *from, const uint8_t *recovery,
                              struct fc_buf *b)
{
    static const char *const snap_names[] = {"", "Register", "Transfer", "ChangeRecovery"};
    static const char *const hubble_names[] = {"", "ID_REGISTER_EVENT_TYPE_REGISTER",
                                               "ID_REGISTER_EVENT_TYPE_TRANSFER",
                                               "ID_REGISTER_EVENT_TYPE_CHANGE_RECOVERY"};
    bool snap = p->flavour == SIM_SNAPCHAIN;
    const char *empty = snap ? "0x" : "";
    onchain_head(p, "EVENT_TYPE_ID_REGISTER", fid, block, 1, b);
    fc_buf_puts(b, "\"idRegisterEventBody\":{\"to\":\"");
    if (to)
        put_hex(b, to, 20);
    else
        fc_buf_puts(b, empty);
    fc_buf_printf(b, "\",\"eventType\":\"%s\",\"from\":\"", snap ? snap_names[type]
                                                                 : hubble_names[type]);
    if (from)
        put_hex(b, from, 20);
    else
        fc_buf_puts(b, empty);
    fc_buf_puts(b, "\",\"recoveryAddress\":\"");
    if (recovery)
        put_hex(b, recovery, 20);
    else
        fc_buf_puts(b, empty);
    fc_buf_puts(b, "\"}");
    onchain_tail(p, block, b);
}

void sim_render_id_register(const struct sim_params *p, uint64_t fid, struct fc_buf *b)
{
    uint64_t block = sim_register_block(p, fid);
    uint8_t first[20], now[20], rec[20];
    sim_first_custody(p, fid, first);
    sim_first_recovery(p, fid, rec);
    id_register_event(p, fid, block, 1, first, NULL, rec, b);
    /* blocks chosen apart from the signer events' (block + 10 + k * 1000, + 500) */
    if (sim_custody_transferred(p, fid)) {
        sim_custody(p, fid, now);
        fc_buf_putc(b, ',');
        id_register_event(p, fid, block + 1003, 2, now, first, NULL, b);
    }
    if (sim_recovery_changed(p, fid)) {
        sim_recovery(p, fid, rec);
        fc_buf_putc(b, ',');
        id_register_event(p, fid, block + 2003, 3, NULL, NULL, rec, b);
    }
}

void sim_render_storage_rent(const struct sim_params *p, uint64_t fid, struct fc_buf *b)
{
    uint64_t block = sim_register_block(p, fid);
    uint8_t payer[20];
    sim_custody(p, fid, payer);
    onchain_head(p, "EVENT_TYPE_STORAGE_RENT", fid, block, 2, b);
    fc_buf_puts(b, "\"storageRentEventBody\":{\"payer\":\"");
    if (p->flavour == SIM_SNAPCHAIN)
        put_hex(b, payer, 20);
    else
        put_b64(b, payer, 20);
    fc_buf_printf(b, "\",\"units\":%u,\"expiry\":%llu}", 1 + (unsigned)(fid % 2),
                  (unsigned long long)(block_unix(block) + 31536000ull));
    onchain_tail(p, block, b);
}

void sim_render_username_proof(const struct sim_params *p, uint64_t fid, struct fc_buf *b)
{
    char name[32];
    uint8_t owner[20], sig[65];
    sim_username(p, fid, name);
    sim_custody(p, fid, owner);
    sim_bytes(p->seed, fid, 0xF4A3E, 0, sig, 65);
    fc_buf_printf(b, "{\"timestamp\":%llu,\"name\":\"%s\",\"owner\":\"",
                  (unsigned long long)block_unix(sim_register_block(p, fid)) + 60, name);
    put_hex(b, owner, 20);
    fc_buf_puts(b, "\",\"signature\":\"");
    put_b64(b, sig, 65);
    fc_buf_printf(b, "\",\"fid\":%llu,\"type\":\"USERNAME_TYPE_FNAME\"}", (unsigned long long)fid);
}
