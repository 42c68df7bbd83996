/* When several indexers share a database, one follows the event stream and
 * the others only backfill: the follower holds a session lock on its control
 * connection, so a crashed leader's lock goes with its connection and
 * another process takes over at its next try. */
#include "indexer/internal.h"

#include "core/log.h"
#include "store/leader.h"

bool fc_ix_try_lead(struct fc_indexer *ix)
{
    bool held = false;
    struct fc_diag d;
    if (fc_leader_try_lock(ix->db, &held, &d)) {
        log_warn("serve", "cannot take the follower lock: %s", d.msg);
        return false;
    }
    return held;
}
