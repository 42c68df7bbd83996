/* The Snapchain block check: a page must hold every event of the blocks it
 * shows. */
#include "indexer/follower.h"

#include "hub/client.h"

/* Where an item sits in the stream: its id when known (a valid event, or a
 * bad one whose id was readable). */
static bool item_id(const struct fc_item *it, uint64_t *id)
{
    if (it->kind == FC_ITEM_EVENT) {
        *id = it->event->id;
        return true;
    }
    if (it->kind == FC_ITEM_ERROR && it->has_event_id) {
        *id = it->event_id;
        return true;
    }
    return false;
}

/* Snapchain: every block starts with BLOCK_CONFIRMED (seq 0) counting its
 * events; a block whose events in the page are not exactly seq 0..total-1
 * lost events in transit. A bad event holds its place like any other (by
 * its id, or, when even that is unreadable, as one of the missing seqs it
 * sits among). Blocks cut by the page end are checked only for the part
 * present. Returns the first bad block, or 0; *cut receives the index of
 * that block's first item in the page (everything before it is complete). */
uint64_t fc_follower_incomplete_block(const struct page_items *pi, uint64_t from, size_t *cut)
{
    uint64_t block = 0, expected = 0, total = 0;
    size_t block_start = 0, unplaced = 0; /* bad items without an id since the last event */
    bool first = true;
    *cut = 0;
    for (size_t i = 0; i < pi->n; i++) {
        const struct fc_item *it = pi->p[i];
        uint64_t id;
        if (!item_id(it, &id)) {
            if (it->kind == FC_ITEM_ERROR)
                unplaced++;
            continue;
        }
        uint64_t b = fc_snapchain_event_block(id);
        uint32_t seq = fc_snapchain_event_seq(id);
        if (b != block) {
            if (block && total != UINT64_MAX && expected + unplaced < total) {
                *cut = block_start;
                return block; /* the previous block ended early */
            }
            block = b;
            block_start = i - unplaced;
            expected = 0;
            total = 0;
            unplaced = 0;
            if (first && b == fc_snapchain_event_block(from) && fc_snapchain_event_seq(from)) {
                /* the page resumes a block begun on the previous page */
                expected = fc_snapchain_event_seq(from);
                total = UINT64_MAX;
            }
            first = false;
        }
        if (seq < expected || seq > expected + unplaced) {
            *cut = block_start;
            return b;
        }
        unplaced = 0;
        expected = (uint64_t)seq + 1;
        if (it->kind == FC_ITEM_EVENT && it->event->type == FC_EVENT_BLOCK_CONFIRMED &&
            total != UINT64_MAX)
            total = it->event->block.total_events;
    }
    return 0;
}
