/* The stream follower's pieces, shared by its files: the state of one page
 * being applied (follower.c), the filter rule and event application
 * (event_filter.c), the Snapchain block check (block_check.c) and target
 * discovery from events (expansion.c). One thread follows at a time. */
#ifndef FC_INDEXER_FOLLOWER_H
#define FC_INDEXER_FOLLOWER_H

#include "core/vec.h"
#include "indexer/internal.h"
#include "indexer/page_targets.h"
#include "indexer/verify_gate.h"

struct fc_item;
struct fc_message;
struct fc_onchain_event;

/* One page being applied. */
/* A shared-set change or backfill job a stream page makes. It is carried out
 * only once the page's transaction commits: done before, a process that
 * rebuilds the shared sets from PostgreSQL at that moment cannot see the
 * row yet and drops the fid from the set for good, and a rolled-back page
 * would leave it there. */
enum fc_after_op { FC_AFTER_ADD_TARGET, FC_AFTER_REMOVE_TARGET, FC_AFTER_ADD_ROOT, FC_AFTER_QUEUE };
struct fc_after_commit {
    enum fc_after_op op;
    uint64_t fid;
};
typedef FC_VEC(struct fc_after_commit) fc_after_list;
typedef FC_VEC(uint64_t) fc_fid_list;

struct follower {
    struct fc_indexer *ix;
    struct fc_writer *w;
    enum fc_err err;
    struct fc_diag diag;
    struct fc_sync_stats *stats;
    const char *source;
    struct fc_page_targets *pt; /* NULL: ask the set itself */
    struct fc_page_targets *pr; /* roots among the page's follow authors; NULL: ask the set */
    struct fc_page_targets *changed; /* fids whose rows the page changes */
    bool reach_changed; /* a follow within the depth (>= 2) changed the reach; recompute after */
    fc_fid_list *new_roots; /* sign-ups: their known follows join after the commit */
    fc_after_list *after; /* carried out after the page's commit */
    /* message checks (indexer/verify_gate.h): results of the page's checks
     * made up front, indexed like the page's items (FC_VERIFY_RESULT_MAX:
     * not checked yet), the signer keys known for the page, and the stream's
     * connection for fetching an account's signer events */
    const struct page_items *items;
    size_t at; /* index of the item being applied */
    enum fc_verify_result *checked;
    struct fc_keyset *keys;
    struct fc_signer_fetch *fetch;
};

bool fc_follower_is_root(const struct follower *fo, uint64_t fid);
/* Whether the filter keeps message m (its author or the fid it points at is a target). */
bool fc_follower_touches_target(const struct follower *fo, const struct fc_message *m);

/* Signer events the follower fetched from a hub because a message's signer
 * was not known (an account that is not a target, or not yet backfilled, has
 * none in `signers`). An account is fetched at most once per turn of the
 * follower, as a key added since may be what a message needs; the keys found
 * are kept across turns, with the SIGNER adds of every page read (a fetch
 * only ever adds keys, as `signers` and a page's SIGNER events do), up to
 * FC_SIGNER_FETCH_KEYS (about 10 MB), then it starts over. */
#define FC_SIGNER_FETCH_KEYS 200000
struct fc_signer_fetch {
    struct fc_hub_conn *conn; /* its own: the page's items live in the stream's */
    struct fc_keyset keys;    /* keys the fetched events added */
    FC_VEC(uint64_t) fids;    /* fids fetched in this turn */
};
/* The indexer's fetch cache, made at the first call; fc_signer_fetch_free
 * (called by fc_indexer_free) frees it. */
struct fc_signer_fetch *fc_ix_signer_fetch(struct fc_indexer *ix);
void fc_signer_fetch_free(struct fc_signer_fetch *sf);
/* Checks messages of the page that the filter keeps, up front and in
 * parallel, and loads their authors' known signer keys. */
FC_MUST_CHECK
enum fc_err fc_follower_check_page(struct follower *fo, struct fc_diag *diag);
/* The verdict on the kept message of the item being applied (fo->at): checked (signer included)
 * and counted; false when it must not be written (it went to dead_letters). */
bool fc_follower_message_passes(struct follower *fo, const struct fc_message *m);
bool fc_follower_is_target(const struct follower *fo, uint64_t fid);
/* Records op on fid, carried out once the page's transaction commits. */
void fc_follower_after_commit(struct follower *fo, enum fc_after_op op, uint64_t fid);
/* Records a target added or removed while the page is applied: the page
 * cache now, the shared set after the commit. */
void fc_follower_target_added(struct follower *fo, uint64_t fid);
void fc_follower_target_removed(struct follower *fo, uint64_t fid);
/* The fids the filter and apply may ask about for one event. */
void fc_follower_note_event_fids(struct fc_page_targets *pt, const struct fc_item *it);
/* The fids whose rows one event may write (its author, a followed account's
 * target row, proof owners): the page's fid locks. */
void fc_follower_note_written_fids(struct fc_page_targets *pt, const struct fc_item *it);
/* Applies one item of the page (an item callback; ud is a struct follower):
 * kept events are written, bad items dead-lettered; fo->err stops the page. */
void fc_follower_apply_event(void *ud, const struct fc_item *it);

/* Root follows and unfollows grow and shrink the target set. */
FC_MUST_CHECK
enum fc_err fc_follower_expand_on_follow(struct follower *fo, const struct fc_message *m);
/* A user signing up through a monitored app becomes a root; true when it did
 * (fo->err says why not on a database error). */
bool fc_follower_client_signup(struct follower *fo, const struct fc_onchain_event *oc);

/* Items of one events page, gathered so the page can be checked before it
 * is applied (valid until the next request on the connection). */
struct page_items {
    const struct fc_item **p;
    size_t n, cap;
};

/* Snapchain: the first block of the page that lost events in transit, or 0;
 * *cut is the index of its first item (the items before it are complete). */
uint64_t fc_follower_incomplete_block(const struct page_items *pi, uint64_t from, size_t *cut);

#endif
