#include "item_faults.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/hash.h"
#include "core/hex.h"
#include "core/vec.h"
#include "jspan.h"
#include "rng.h"

unsigned item_fault_way(const char *name)
{
    if (strcmp(name, "hash") == 0)
        return ITEM_FAULT_HASH;
    if (strcmp(name, "fid") == 0)
        return ITEM_FAULT_FID;
    if (strcmp(name, "utf8") == 0)
        return ITEM_FAULT_UTF8;
    return 0;
}

unsigned item_forge_way(const char *name)
{
    static const char *const names[FORGE_NWAYS] = {"text", "hash", "signature", "signer"};
    for (unsigned i = 0; i < FORGE_NWAYS; i++)
        if (strcmp(name, names[i]) == 0)
            return 1u << i;
    return 0;
}

static uint64_t bytes_hash(const char *p, size_t n, uint64_t seed)
{
    return sim_mix(fc_fnv1a(FC_FNV1A_INIT ^ seed, p, n));
}

static const char *find(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, needle, k) == 0)
            return p + i;
    return NULL;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Appends item with one way applied; false (nothing appended) when the way
 * does not apply to it. */
static bool break_item(struct jspan item, unsigned way, struct fc_buf *out)
{
    const char *p = item.p, *end = item.p + item.n;
    if (way == ITEM_FAULT_HASH) {
        const char *h = find(p, item.n, "\"hash\":\"0x");
        if (!h || end - h < 10 + 41)
            return false;
        const char *digits = h + 10;
        for (int i = 0; i < 40; i++)
            if (!is_hex(digits[i]))
                return false;
        if (digits[40] != '"')
            return false;
        fc_buf_append(out, p, (size_t)(digits - p));
        fc_buf_puts(out, "12");
        fc_buf_append(out, digits + 40, (size_t)(end - (digits + 40)));
        return true;
    }
    if (way == ITEM_FAULT_FID) {
        const char *f = find(p, item.n, "\"fid\":");
        if (!f || f + 6 >= end || f[6] < '0' || f[6] > '9')
            return false;
        const char *d = f + 6, *e = d;
        while (e < end && *e >= '0' && *e <= '9')
            e++;
        fc_buf_append(out, p, (size_t)(d - p));
        fc_buf_puts(out, "\"x\"");
        fc_buf_append(out, e, (size_t)(end - e));
        return true;
    }
    if (way == ITEM_FAULT_UTF8) {
        static const char *const keys[] = {"\"text\":\"", "\"value\":\"", "\"name\":\""};
        for (size_t k = 0; k < 3; k++) {
            const char *s = find(p, item.n, keys[k]);
            if (!s)
                continue;
            const char *q = s + strlen(keys[k]);
            fc_buf_append(out, p, (size_t)(q - p));
            fc_buf_append(out, "\xc3\x28", 2); /* a lead byte without its continuation */
            fc_buf_append(out, q, (size_t)(end - q));
            return true;
        }
        return false;
    }
    return false;
}

/* The message envelope's hash: "hash":"0x<40 hex>","hashScheme" (not a
 * parent's or target's hash inside the data). */
static const char *envelope_hash(const char *p, size_t n)
{
    for (const char *h = p; (h = find(h, (size_t)(p + n - h), "\"hash\":\"0x"));) {
        const char *d = h + 10;
        if (p + n - d >= 40 + 15 && memcmp(d + 40, "\",\"hashScheme\"", 14) == 0)
            return d;
        h = d;
    }
    return NULL;
}

/* Appends item with one forge way applied; false when it does not apply. */
static bool forge_item(struct jspan item, unsigned way, uint64_t seed, struct fc_buf *out)
{
    const char *p = item.p, *end = item.p + item.n;
    if (find(p, item.n, "\"HUB_EVENT_TYPE_") && !find(p, item.n, "\"HUB_EVENT_TYPE_MERGE_MESSAGE\""))
        return false; /* only messages, and events that merge one */
    const char *hash = envelope_hash(p, item.n);
    if (!hash)
        return false;
    if (way == FORGE_TEXT) {
        const char *t = find(p, item.n, "\"text\":\"");
        if (!t || t > hash)
            return false;
        const char *q = t + 8;
        fc_buf_append(out, p, (size_t)(q - p));
        fc_buf_puts(out, "forged ");
        fc_buf_append(out, q, (size_t)(end - q));
        return true;
    }
    if (way == FORGE_HASH) {
        fc_buf_append(out, p, (size_t)(hash - p));
        fc_buf_putc(out, hash[0] == '0' ? '1' : '0');
        fc_buf_append(out, hash + 1, (size_t)(end - (hash + 1)));
        return true;
    }
    const char *sig = find(hash, (size_t)(end - hash), "\"signature\":\"");
    const char *signer = find(hash, (size_t)(end - hash), "\"signer\":\"0x");
    if (!sig || !signer || end - sig < 13 + 88 || end - signer < 12 + 64 || sig[13 + 88] != '"')
        return false;
    sig += 13;
    if (way == FORGE_SIGNATURE) {
        /* the first character carries 6 bits of the first byte: any change alters it */
        fc_buf_append(out, p, (size_t)(sig - p));
        fc_buf_putc(out, sig[0] == 'A' ? 'B' : 'A');
        fc_buf_append(out, sig + 1, (size_t)(end - (sig + 1)));
        return true;
    }
    if (way == FORGE_SIGNER && signer > sig) {
        /* a fresh key pair from the item's bytes: no account added it */
        uint8_t h[20], kseed[crypto_sign_SEEDBYTES], pk[32], sk[64], s[64];
        size_t hn = 0;
        struct fc_diag d;
        if (fc_hex_decode(hash, 40, false, h, sizeof(h), &hn, &d) != FC_OK || hn != 20)
            return false;
        sim_bytes(seed, bytes_hash(p, item.n, seed), 0x519E5, 0, kseed, sizeof(kseed));
        crypto_sign_seed_keypair(pk, sk, kseed);
        crypto_sign_detached(s, NULL, h, 20, sk);
        char b64[89], pkhex[67];
        fc_base64_encode(s, 64, b64);
        fc_hex_encode(pk, 32, pkhex);
        const char *signer_digits = signer + 10;
        fc_buf_append(out, p, (size_t)(sig - p));
        fc_buf_puts(out, b64);
        fc_buf_append(out, sig + 88, (size_t)(signer_digits - (sig + 88)));
        fc_buf_puts(out, pkhex);
        fc_buf_append(out, signer_digits + 66, (size_t)(end - (signer_digits + 66)));
        return true;
    }
    return false;
}

/* Tries the allowed forge ways starting from one picked by h; the way used, or 0. */
static unsigned forge_any(struct jspan item, unsigned ways, uint64_t h, uint64_t seed,
                          struct fc_buf *out)
{
    for (unsigned k = 0; k < FORGE_NWAYS; k++) {
        unsigned way = 1u << ((h + k) % FORGE_NWAYS);
        if ((ways & way) && forge_item(item, way, seed, out))
            return way;
    }
    return 0;
}

/* Tries the allowed ways starting from one picked by h. */
static bool break_any(struct jspan item, unsigned ways, uint64_t h, struct fc_buf *out)
{
    static const unsigned order[] = {ITEM_FAULT_HASH, ITEM_FAULT_FID, ITEM_FAULT_UTF8};
    for (unsigned k = 0; k < 3; k++) {
        unsigned way = order[(h + k) % 3];
        if ((ways & way) && break_item(item, way, out))
            return true;
    }
    return false;
}

size_t item_faults_apply(const struct item_fault_rule *r, uint64_t seed, struct fc_buf *body,
                         uint64_t forged[FORGE_NWAYS])
{
    if (!item_faults_active(r) || !body->data)
        return 0;
    struct jspan page = {body->data, body->len}, arr;
    if (!jspan_get(page, "messages", &arr) && !jspan_get(page, "events", &arr) &&
        !jspan_get(page, "proofs", &arr))
        return 0;
    FC_VEC(struct jspan) all = {0};
    const char *cursor = NULL;
    struct jspan el;
    while (jspan_next(arr, &cursor, &el))
        *fc_vec_push(&all) = el;
    struct jspan *items = all.p;
    size_t n = all.n;
    if (!n) {
        free(items);
        return 0;
    }
    bool *want = fc_xcalloc(n, sizeof(bool));
    for (int k = 0; k < r->n_at; k++) {
        long long at = r->at[k] < 0 ? (long long)n + r->at[k] : r->at[k];
        if (at >= 0 && at < (long long)n)
            want[at] = true;
    }
    unsigned ways = r->ways ? r->ways : ITEM_FAULT_ALL;
    struct fc_buf out = FC_BUF_INIT;
    const char *copied = body->data;
    size_t broken = 0;
    bool carry = false; /* a chosen item could not carry its fault: the next one takes it */
    for (size_t i = 0; i < n; i++) {
        uint64_t h = bytes_hash(items[i].p, items[i].n, seed);
        bool bad = want[i] || carry || (r->rate > 0 && sim_unit(h) <= r->rate);
        uint64_t hf = bytes_hash(items[i].p, items[i].n, seed ^ 0xF0F6EDULL);
        if (!bad && r->forge_rate > 0 && sim_unit(hf) <= r->forge_rate) {
            struct fc_buf one = FC_BUF_INIT;
            unsigned way = forge_any(items[i], r->forge_ways ? r->forge_ways : FORGE_ALL, hf >> 8,
                                     seed, &one);
            if (way) {
                fc_buf_append(&out, copied, (size_t)(items[i].p - copied));
                fc_buf_append(&out, one.data, one.len);
                copied = items[i].p + items[i].n;
                for (unsigned k = 0; k < FORGE_NWAYS; k++)
                    forged[k] += way == 1u << k;
                broken++;
            }
            fc_buf_cleanup(&one);
            continue;
        }
        if (!bad)
            continue;
        struct fc_buf one = FC_BUF_INIT;
        if (!break_any(items[i], ways, h >> 8, &one)) {
            carry = carry || want[i];
            fc_buf_cleanup(&one);
            continue;
        }
        carry = false;
        fc_buf_append(&out, copied, (size_t)(items[i].p - copied));
        fc_buf_append(&out, one.data, one.len);
        copied = items[i].p + items[i].n;
        fc_buf_cleanup(&one);
        broken++;
    }
    if (broken) {
        fc_buf_append(&out, copied, (size_t)(body->data + body->len - copied));
        fc_buf_cleanup(body);
        *body = out;
    } else {
        fc_buf_cleanup(&out);
    }
    free(want);
    free(items);
    return broken;
}
