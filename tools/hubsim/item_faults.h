/* Item-level faults: inside an otherwise valid page, chosen messages or
 * events are rewritten so they fail validation, the way a hub now and then
 * serves an item an indexer must dead-letter without losing its page. */
#ifndef HUBSIM_ITEM_FAULTS_H
#define HUBSIM_ITEM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Ways an item is broken (bit mask). */
enum {
    ITEM_FAULT_HASH = 1, /* a message hash of 1 byte instead of 20 */
    ITEM_FAULT_FID = 2,  /* "fid":"x" instead of a number */
    ITEM_FAULT_UTF8 = 4, /* invalid UTF-8 at the start of a text, value or name */
    ITEM_FAULT_ALL = 7,
};

/* Ways a message is forged (bit mask): still well-formed, it no longer
 * authenticates, as a buggy or hostile hub could serve it. */
enum {
    FORGE_TEXT = 1,      /* a cast's text altered after signing: hash mismatch */
    FORGE_HASH = 2,      /* one hex digit of the hash changed: hash mismatch */
    FORGE_SIGNATURE = 4, /* one byte of the signature changed: bad signature */
    FORGE_SIGNER = 8,    /* signed again by a key the account never added: unknown signer */
    FORGE_ALL = 15,
    FORGE_NWAYS = 4,
};

#define ITEM_FAULT_MAX_AT 8

struct item_fault_rule {
    double rate;                  /* each item is bad with this probability */
    int at[ITEM_FAULT_MAX_AT];    /* and these positions of every page (-1 = last) */
    int n_at;
    unsigned ways;                /* ITEM_FAULT_* allowed (0 = all) */
    double forge_rate;            /* each message (or merge event) is forged with this probability */
    unsigned forge_ways;          /* FORGE_* allowed (0 = all) */
};

static inline bool item_faults_active(const struct item_fault_rule *r)
{
    return r->rate > 0 || r->n_at > 0 || r->forge_rate > 0;
}

/* Parses a forge way's name ("text", "hash", "signature", "signer"); 0 when unknown. */
unsigned item_forge_way(const char *name);

/* Parses a way's name ("hash", "fid", "utf8"); 0 when unknown. */
unsigned item_fault_way(const char *name);

/* Rewrites the page in body (messages, events or proofs) so the chosen
 * items fail validation. An item is chosen by its position or, for the
 * rate, by a hash of its bytes and seed: the same item is bad on every
 * read, as on a real hub. A chosen item none of the allowed ways applies
 * to (a block confirmation has no fid, hash or text) passes the fault to
 * the next item that can carry it. Returns the number of items broken. */
/* Forged messages (forge_rate) are chosen the same way, among messages and
 * merge-message events, and counted per way in forged[FORGE_NWAYS] (text,
 * hash, signature, signer). */
size_t item_faults_apply(const struct item_fault_rule *r, uint64_t seed, struct fc_buf *body,
                         uint64_t forged[FORGE_NWAYS]);

#endif
