/* The storage writer's conflict rules against a real PostgreSQL: remove
 * before add, later timestamp wins, remove wins a tie, late old adds stay
 * dead, link compact state, prunes and revokes, user data last-write-wins,
 * and applying everything again changes nothing. */
#include "support/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/decode.h"
#include "store/writer.h"

static char url[512];
static struct fc_db *db;
static struct fc_writer *w;
/* Everything applied so far, for the replay in everything_twice_changes_nothing. */
static struct {
    const char *as;
    char *json;
} applied[256];
static size_t n_applied;

static int setup(void **state)
{
    (void)state;
    fct_db_create_migrated("writer", url, sizeof(url));
    db = fct_db_connect(url);
    struct fc_diag d;
    if (fc_writer_new(db, &w, &d))
        fail_msg("%s", d.msg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_applied; i++)
        free(applied[i].json);
    fc_writer_free(w);
    fc_db_close(db);
    fct_db_drop(url);
    return 0;
}

struct apply_ctx {
    const char *as; /* "message" | "prune" | "revoke" */
};

static void apply_item(void *ud, const struct fc_item *it)
{
    struct apply_ctx *a = ud;
    struct fc_diag d;
    enum fc_err err = FC_OK;
    if (it->kind == FC_ITEM_ERROR)
        fail_msg("decode: %s: %s", it->error_path, it->error);
    if (it->kind == FC_ITEM_ONCHAIN) {
        if (fc_writer_onchain(w, it->onchain, &d))
            fail_msg("apply: %s", d.msg);
        return;
    }
    if (it->kind != FC_ITEM_MESSAGE)
        return;
    if (strcmp(a->as, "message") == 0)
        err = fc_writer_message(w, it->message, &d);
    else
        err = fc_writer_delete_message(w, it->message, strcmp(a->as, "prune") == 0 ? "pruned"
                                                                                    : "revoked", &d);
    if (err)
        fail_msg("apply: %s", d.msg);
}

/* Decodes one message JSON and applies it in its own transaction. */
static void apply(const char *as, const char *json)
{
    if (n_applied < sizeof(applied) / sizeof(applied[0])) {
        applied[n_applied].as = as;
        applied[n_applied++].json = fc_xstrdup(json);
    }
    struct apply_ctx a = {as};
    struct fc_diag d;
    assert_int_equal(fc_writer_begin(w, &d), FC_OK);
    if (fc_decode_buffer(FC_PAGE_AUTO, json, strlen(json), apply_item, &a, NULL, &d, NULL))
        fail_msg("%s", d.msg);
    assert_int_equal(fc_writer_commit(w, &d), FC_OK);
}

#define HDR(type, fid, ts) "{\"data\":{\"type\":\"" type "\",\"fid\":" #fid ",\"timestamp\":" #ts ","
#define TAIL(hashbyte) "},\"hash\":\"0x" hashbyte "00000000000000000000000000000000000000\"}"
#define H(b) "0x" b "00000000000000000000000000000000000000"
/* The same hash as an SQL bytea literal. */
#define HASH_SQL(b) "'\\x" b "00000000000000000000000000000000000000'"

static char *q(const char *sql)
{
    return fct_sql_value(url, sql);
}

static void expect(const char *sql, const char *want)
{
    fct_assert_sql(url, sql, want);
}

static const char *cast_add(void)
{
    return HDR("MESSAGE_TYPE_CAST_ADD", 10, 1000) "\"castAddBody\":{\"text\":\"hello\"}" TAIL("c1");
}

static void remove_before_add_stays_removed(void **state)
{
    (void)state;
    /* targetHash of 0xc1000...: base64 of 20 bytes c1 00.. */
    apply("message", HDR("MESSAGE_TYPE_CAST_REMOVE", 10, 2000)
          "\"castRemoveBody\":{\"targetHash\":\"wQAAAAAAAAAAAAAAAAAAAAAAAAA=\"}" TAIL("c2"));
    expect("SELECT deleted_reason || ':' || (text IS NULL) FROM casts WHERE hash = " HASH_SQL("c1"),
           "removed:true");
    apply("message", cast_add());
    /* the late add fills the content but cannot resurrect the cast */
    expect("SELECT deleted_reason || ':' || text FROM casts WHERE hash = " HASH_SQL("c1"),
           "removed:hello");
}

/* A like by fid of target (the reactionBody member naming a cast or a URL). */
static const char *reaction_of(int fid, const char *type, int ts, const char *target,
                               const char *hashbyte)
{
    static char buf[4][600];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 600, "{\"data\":{\"type\":\"%s\",\"fid\":%d,\"timestamp\":%d,\"reactionBody\":{"
                     "\"type\":\"REACTION_TYPE_LIKE\",%s}},"
                     "\"hash\":\"0x%s00000000000000000000000000000000000000\"}",
             type, fid, ts, target, hashbyte);
    return b;
}

/* fid 20 likes cast 0xc1... */
static const char *reaction(const char *type, int ts, const char *hashbyte)
{
    return reaction_of(20, type, ts, "\"targetCastId\":{\"fid\":10,\"hash\":\"" H("c1") "\"}",
                       hashbyte);
}

/* fid's live reactions as "<first hash byte><+ add | - remove>", by hash. */
static void expect_live_reactions(int fid, const char *want)
{
    char sql[400];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(string_agg(encode(substr(hash,1,1),'hex') || (CASE WHEN is_remove "
             "THEN '-' ELSE '+' END), ',' ORDER BY hash), '') FROM reactions WHERE fid = %d "
             "AND deleted_at IS NULL",
             fid);
    expect(sql, want);
}

static void later_wins_remove_wins_ties_old_adds_stay_dead(void **state)
{
    (void)state;
    apply("message", reaction("MESSAGE_TYPE_REACTION_ADD", 100, "a1"));
    expect_live_reactions(20, "a1+");
    apply("message", reaction("MESSAGE_TYPE_REACTION_REMOVE", 200, "a2"));
    expect_live_reactions(20, "a2-");
    apply("message", reaction("MESSAGE_TYPE_REACTION_ADD", 50, "a0")); /* older add arrives late */
    expect_live_reactions(20, "a2-");
    apply("message", reaction("MESSAGE_TYPE_REACTION_ADD", 300, "a3")); /* a new like */
    expect_live_reactions(20, "a3+");
    /* equal timestamps: the remove wins whichever arrives first */
    apply("message", reaction("MESSAGE_TYPE_REACTION_REMOVE", 400, "b1"));
    apply("message", reaction("MESSAGE_TYPE_REACTION_ADD", 400, "ff"));
    expect_live_reactions(20, "b1-");
    expect("SELECT count(*) FROM reactions WHERE fid = 20", "6");
}

/* Reactions to a URL are settled among those to the same URL: a remove
 * stops an older add of that URL and leaves a like of another URL alone. */
static void url_reactions_resolve_by_their_url(void **state)
{
    (void)state;
    const char *a = "\"targetUrl\":\"https://a.example/\"";
    const char *b = "\"targetUrl\":\"https://b.example/\"";
    apply("message", reaction_of(21, "MESSAGE_TYPE_REACTION_ADD", 100, a, "d1"));
    apply("message", reaction_of(21, "MESSAGE_TYPE_REACTION_ADD", 100, b, "e1"));
    expect_live_reactions(21, "d1+,e1+");
    apply("message", reaction_of(21, "MESSAGE_TYPE_REACTION_REMOVE", 200, a, "d2"));
    expect_live_reactions(21, "d2-,e1+");
    apply("message", reaction_of(21, "MESSAGE_TYPE_REACTION_ADD", 50, a, "d0"));
    expect_live_reactions(21, "d2-,e1+");
}

static void link_compact_state(void **state)
{
    (void)state;
    char buf[600];
    const int targets[] = {5, 6, 7};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof(buf), "{\"data\":{\"type\":\"MESSAGE_TYPE_LINK_ADD\",\"fid\":30,"
                 "\"timestamp\":100,\"linkBody\":{\"type\":\"follow\",\"targetFid\":%d}},"
                 "\"hash\":\"0xd%d00000000000000000000000000000000000000\"}", targets[i], i);
        apply("message", buf);
    }
    apply("message", "{\"data\":{\"type\":\"MESSAGE_TYPE_LINK_ADD\",\"fid\":30,\"timestamp\":300,"
                     "\"linkBody\":{\"type\":\"follow\",\"targetFid\":8}},\"hash\":\"0xd9"
                     "00000000000000000000000000000000000000\"}");
    apply("message", "{\"data\":{\"type\":\"MESSAGE_TYPE_LINK_COMPACT_STATE\",\"fid\":30,"
                     "\"timestamp\":200,\"linkCompactStateBody\":{\"type\":\"follow\","
                     "\"targetFids\":[5]}},\"hash\":\"0xe1" "00000000000000000000000000000000000000\"}");
    /* older links not in the snapshot are gone; newer ones stay */
    expect("SELECT string_agg(target_fid::text, ',' ORDER BY target_fid) FROM links WHERE fid = 30 "
           "AND NOT is_remove AND deleted_at IS NULL", "5,8");
    /* an older add arriving again after the snapshot stays gone */
    apply("message", "{\"data\":{\"type\":\"MESSAGE_TYPE_LINK_ADD\",\"fid\":30,\"timestamp\":100,"
                     "\"linkBody\":{\"type\":\"follow\",\"targetFid\":6}},\"hash\":\"0xd1"
                     "00000000000000000000000000000000000000\"}");
    expect("SELECT string_agg(target_fid::text, ',' ORDER BY target_fid) FROM links WHERE fid = 30 "
           "AND NOT is_remove AND deleted_at IS NULL", "5,8");
}

static void prune_and_revoke(void **state)
{
    (void)state;
    static const char reaction_reason[] =
        "SELECT deleted_reason FROM reactions WHERE hash = " HASH_SQL("a3");
    apply("prune", reaction("MESSAGE_TYPE_REACTION_ADD", 300, "a3"));
    expect(reaction_reason, "pruned");
    /* replaying the add does not bring it back */
    apply("message", reaction("MESSAGE_TYPE_REACTION_ADD", 300, "a3"));
    expect(reaction_reason, "pruned");
    /* a revoked profile field disappears from the profile */
    static const char bio[] = HDR("MESSAGE_TYPE_USER_DATA_ADD", 40, 100)
        "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_BIO\",\"value\":\"first\"}" TAIL("f1");
    apply("message", bio);
    expect("SELECT bio FROM users WHERE fid = 40", "first");
    apply("revoke", bio);
    expect("SELECT coalesce(bio, '<none>') FROM users WHERE fid = 40", "<none>");
    /* a pruned cast is kept with its reason */
    static const char cast[] =
        HDR("MESSAGE_TYPE_CAST_ADD", 10, 900) "\"castAddBody\":{\"text\":\"x\"}" TAIL("c7");
    apply("message", cast);
    apply("prune", cast);
    expect("SELECT deleted_reason || ':' || text FROM casts WHERE hash = " HASH_SQL("c7"),
           "pruned:x");
}

static void user_data_last_write_wins(void **state)
{
    (void)state;
    apply("message", HDR("MESSAGE_TYPE_USER_DATA_ADD", 41, 200)
          "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_DISPLAY\",\"value\":\"New\"}" TAIL("e2"));
    apply("message", HDR("MESSAGE_TYPE_USER_DATA_ADD", 41, 100)
          "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_DISPLAY\",\"value\":\"Old\"}" TAIL("e1"));
    expect("SELECT display_name FROM users WHERE fid = 41", "New");
    /* an empty value clears the field */
    apply("message", HDR("MESSAGE_TYPE_USER_DATA_ADD", 41, 300)
          "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_DISPLAY\",\"value\":\"\"}" TAIL("e3"));
    expect("SELECT coalesce(display_name, '<none>') FROM users WHERE fid = 41", "<none>");
}

/* Every row of every table the writer fills, as text (but synced_at, when
 * fcindex last wrote a row). */
static char *state_fingerprint(void)
{
    static const char *const tables[] = {"casts", "reactions", "links", "link_compact_states",
                                         "verifications", "user_data", "users",
                                         "username_proofs", "onchain_events", "signers"};
    struct fc_buf sql = FC_BUF_INIT;
    fc_buf_puts(&sql, "SELECT concat_ws('|'");
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        fc_buf_printf(&sql, ", (SELECT '%s:' || count(*) || ':' || coalesce(md5(string_agg((to_jsonb(t) "
                            "- 'synced_at')::text, ',' ORDER BY (to_jsonb(t) - 'synced_at')::text)), "
                            "'') FROM %s t)",
                      tables[i], tables[i]);
    fc_buf_puts(&sql, ")");
    char *fp = q(sql.data);
    fc_buf_cleanup(&sql);
    return fp;
}

/* Every message the tests above applied, applied again in reverse order:
 * no row of any table changes. */
static void everything_twice_changes_nothing(void **state)
{
    (void)state;
    assert_true(n_applied >= 20);
    char *before = state_fingerprint();
    for (size_t i = n_applied; i-- > 0;)
        apply(applied[i].as, applied[i].json);
    char *after = state_fingerprint();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* An id-register event as each server renders it; empty byte fields are ""
 * on Hubble and "0x" on Snapchain. kind: 1 REGISTER, 2 TRANSFER, 3 CHANGE_RECOVERY. */
static const char *id_register(bool snap, int fid, int block, int kind, const char *to,
                               const char *from, const char *recovery)
{
    static char buf[4][1200];
    static int k;
    char *b = buf[k++ % 4];
    static const char *const snap_names[] = {"", "Register", "Transfer", "ChangeRecovery"};
    static const char *const hubble_names[] = {"", "ID_REGISTER_EVENT_TYPE_REGISTER",
                                               "ID_REGISTER_EVENT_TYPE_TRANSFER",
                                               "ID_REGISTER_EVENT_TYPE_CHANGE_RECOVERY"};
    const char *empty = snap ? "0x" : "";
    snprintf(b, 1200,
             "{\"type\":\"EVENT_TYPE_ID_REGISTER\",\"chainId\":10,\"blockNumber\":%d,"
             "\"blockHash\":\"0x%064d\",\"blockTimestamp\":1700000000,"
             "\"transactionHash\":\"0x%032d%032d\",\"logIndex\":1,\"fid\":%d,"
             "\"idRegisterEventBody\":{\"to\":\"%s\",\"eventType\":\"%s\",\"from\":\"%s\","
             "\"recoveryAddress\":\"%s\"}%s,\"txIndex\":0,\"version\":0}",
             block, block, fid, block, fid, to ? to : empty,
             snap ? snap_names[kind] : hubble_names[kind], from ? from : empty,
             recovery ? recovery : empty, snap ? ",\"tier_purchase_event_body\":null" : "");
    return b;
}

#define ADDR(c) "0x" c c c c c c c c c c c c c c c c c c c c

/* TRANSFER (empty recovery) and CHANGE_RECOVERY (empty to and from) decode in
 * both dialects and set only what they carry; applied in any order, the
 * newest event of each address wins. */
static void id_register_events_with_empty_fields(void **state)
{
    (void)state;
    for (int snap = 0; snap < 2; snap++) {
        for (int reversed = 0; reversed < 2; reversed++) {
            int fid = 70 + snap * 2 + reversed;
            const char *ev[3] = {
                id_register(snap, fid, 100, 1, ADDR("aa"), NULL, ADDR("bb")),
                id_register(snap, fid, 200, 2, ADDR("cc"), ADDR("aa"), NULL),
                id_register(snap, fid, 300, 3, NULL, NULL, ADDR("dd")),
            };
            for (int i = 0; i < 3; i++)
                apply("message", ev[reversed ? 2 - i : i]);
            char sql[300];
            snprintf(sql, sizeof(sql), "SELECT encode(custody_address,'hex') || ':' || "
                     "encode(recovery_address,'hex') FROM users WHERE fid = %d", fid);
            expect(sql, "cccccccccccccccccccccccccccccccccccccccc:"
                        "dddddddddddddddddddddddddddddddddddddddd");
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM onchain_events WHERE fid = %d", fid);
            expect(sql, "3");
        }
    }
    /* a CHANGE_RECOVERY alone leaves the custody unknown, not cleared */
    apply("message", id_register(true, 80, 100, 1, ADDR("aa"), NULL, ADDR("bb")));
    apply("message", id_register(true, 80, 300, 3, NULL, NULL, ADDR("dd")));
    expect("SELECT encode(custody_address,'hex') FROM users WHERE fid = 80",
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

/* A prune or revoke of a profile value the writer has not seen yet (a
 * backfill read the hub before the prune, and writes after it) leaves a
 * tombstone: the value never comes back, older values neither, and only a
 * newer message sets the field again. */
static void user_data_prune_leaves_a_tombstone(void **state)
{
    (void)state;
#define BIO(fid, ts, v, h) HDR("MESSAGE_TYPE_USER_DATA_ADD", fid, ts) \
        "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_BIO\",\"value\":\"" v "\"}" TAIL(h)
    apply("message", BIO(42, 100, "old", "b1"));
    apply("prune", BIO(42, 200, "new", "b2"));          /* the stream prunes first */
    expect("SELECT coalesce(bio, '<none>') FROM users WHERE fid = 42", "<none>");
    apply("message", BIO(42, 200, "new", "b2"));        /* the backfill's copy arrives */
    apply("message", BIO(42, 100, "old", "b1"));
    expect("SELECT coalesce(bio, '<none>') FROM users WHERE fid = 42", "<none>");
    expect("SELECT deleted_reason FROM user_data WHERE fid = 42 AND type = 3", "pruned");
    apply("message", BIO(42, 300, "newest", "b3"));     /* a newer value is a new value */
    expect("SELECT bio FROM users WHERE fid = 42", "newest");
    /* a prune of an older message leaves the newer value alone */
    apply("prune", BIO(42, 250, "older", "b4"));
    expect("SELECT bio FROM users WHERE fid = 42", "newest");
    /* revoke before anything was seen */
    apply("revoke", BIO(43, 100, "gone", "b5"));
    apply("message", BIO(43, 100, "gone", "b5"));
    expect("SELECT coalesce(bio, '<none>') FROM users WHERE fid = 43", "<none>");
#undef BIO
}

FCT_MAIN_NEEDS_DB(setup, teardown, remove_before_add_stays_removed,
                  later_wins_remove_wins_ties_old_adds_stay_dead,
                  url_reactions_resolve_by_their_url, link_compact_state,
                  prune_and_revoke, user_data_last_write_wins, everything_twice_changes_nothing,
                  id_register_events_with_empty_fields, user_data_prune_leaves_a_tombstone)
