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

#define ITEM_FAULT_MAX_AT 8

struct item_fault_rule {
    double rate;                  /* each item is bad with this probability */
    int at[ITEM_FAULT_MAX_AT];    /* and these positions of every page (-1 = last) */
    int n_at;
    unsigned ways;                /* ITEM_FAULT_* allowed (0 = all) */
};

static inline bool item_faults_active(const struct item_fault_rule *r)
{
    return r->rate > 0 || r->n_at > 0;
}

/* Parses a way's name ("hash", "fid", "utf8"); 0 when unknown. */
unsigned item_fault_way(const char *name);

/* Rewrites the page in body (messages, events or proofs) so the chosen
 * items fail validation. An item is chosen by its position or, for the
 * rate, by a hash of its bytes and seed: the same item is bad on every
 * read, as on a real hub. A chosen item none of the allowed ways applies
 * to (a block confirmation has no fid, hash or text) passes the fault to
 * the next item that can carry it. Returns the number of items broken. */
size_t item_faults_apply(const struct item_fault_rule *r, uint64_t seed, struct fc_buf *body);

#endif
