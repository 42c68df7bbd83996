/* The Snapchain block check: a page must hold every event of the blocks it
 * shows. */
#include "indexer/follower.h"

#include "hub/client.h"

/* Snapchain: every block starts with BLOCK_CONFIRMED (seq 0) counting its
 * events; a block whose events in the page are not exactly seq 0..total-1
 * lost events in transit. Blocks cut by the page end are checked when the
 * page ends inside them only for the part present. Returns the first bad
 * block, or 0. */
uint64_t fc_follower_incomplete_block(const struct page_items *pi, uint64_t from)
{
    uint64_t block = 0, expected = 0, total = 0;
    bool first = true;
    for (size_t i = 0; i < pi->n; i++) {
        const struct fc_item *it = pi->p[i];
        if (it->kind != FC_ITEM_EVENT)
            continue;
        uint64_t b = fc_snapchain_event_block(it->event->id);
        uint32_t seq = fc_snapchain_event_seq(it->event->id);
        if (b != block) {
            if (block && total != UINT64_MAX && expected != total)
                return block; /* the previous block ended early */
            block = b;
            expected = 0;
            total = 0;
            if (first && b == fc_snapchain_event_block(from) && fc_snapchain_event_seq(from)) {
                /* the page resumes a block begun on the previous page */
                expected = fc_snapchain_event_seq(from);
                total = UINT64_MAX;
            }
            first = false;
        }
        if (seq != expected)
            return b;
        if (it->event->type == FC_EVENT_BLOCK_CONFIRMED && total != UINT64_MAX)
            total = it->event->block.total_events;
        expected++;
    }
    return 0;
}

