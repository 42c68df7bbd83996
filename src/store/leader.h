/* The follower lock: when several indexers share a database, one follows
 * the event stream. It is a session advisory lock, so a crashed holder's
 * lock goes with its connection. */
#ifndef FC_STORE_LEADER_H
#define FC_STORE_LEADER_H

#include <stdbool.h>

#include "core/err.h"
#include "store/db.h"

/* Tries to take the lock on db's session (without waiting); *held says
 * whether db now holds it (also true when it already did). */
FC_MUST_CHECK
enum fc_err fc_leader_try_lock(struct fc_db *db, bool *held, struct fc_diag *diag);

#endif
