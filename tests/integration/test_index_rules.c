/* The realtime rules on a hand-made stream served by hubsim's corpus mode:
 * replies, reactions and follows that touch a target are kept and others
 * ignored; a root's follow adds a target, which stays while another root
 * follows it and goes when none does; a sign-up through a monitored app
 * makes a root; a malformed message becomes a dead letter, the rest of its
 * page is applied. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B 100ULL /* block height of every event */
#define SIG "\"hashScheme\":\"HASH_SCHEME_BLAKE3\",\"signature\":\"AAAA\",\"signatureScheme\":\"SIGNATURE_SCHEME_ED25519\",\"signer\":\"0x69104ef20c6676aacc9e8c291800d1b7e911e20f85b4066156ea118ace44b8d7\""
#define META "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAjwAAAAAAAAAAAAAAAAALveQ3XmTo1/YR8BT7drpQNBVWWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZUIN1QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBvQZ3N2tHQPlWptWR6GPZSLwncdWsEJv6V70kEnw1yks80A1WWTdQgC7/lM0o5lsyqwYBKklA8KW4wlyh5UBQdhsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static int seq;
static struct fc_buf events;

static void ev(const char *body)
{
    fc_buf_printf(&events, ",{\"type\":\"HUB_EVENT_TYPE_MERGE_MESSAGE\",\"id\":%llu,"
                           "\"mergeMessageBody\":{\"message\":%s,\"deletedMessages\":[]},"
                           "\"blockNumber\":%llu,\"shardIndex\":1}",
                  (B << 14) | (unsigned long long)++seq, body, B);
}

static char *msg(const char *type, int fid, const char *body_key, const char *body, int hashbyte)
{
    static char buf[8][1200];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 1200, "{\"data\":{\"type\":\"%s\",\"fid\":%d,\"timestamp\":%d,\"network\":"
                      "\"FARCASTER_NETWORK_MAINNET\",\"%s\":%s},\"hash\":\"0x%02x"
                      "00000000000000000000000000000000000000\"," SIG "}",
             type, fid, 1000 + seq, body_key, body, hashbyte);
    return b;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void realtime_rules(void **state)
{
    (void)state;
    char dir[] = "/tmp/fcrules-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[600], path[700];
    snprintf(sub, sizeof(sub), "%s/snapchain", dir);
    mkdir(sub, 0755);
    /* the stream */
    fc_buf_puts(&events, "");
    ev(msg("MESSAGE_TYPE_CAST_ADD", 10, "castAddBody", "{\"text\":\"hello\"}", 0xa1));
    /* a malformed message from a target (5 embeds, 4 allowed): kept as a
     * dead letter, and the rest of the page still applied */
    ev(msg("MESSAGE_TYPE_CAST_ADD", 10, "castAddBody",
           "{\"text\":\"x\",\"embeds\":[{\"url\":\"a\"},{\"url\":\"b\"},{\"url\":\"c\"},"
           "{\"url\":\"d\"},{\"url\":\"e\"}]}", 0xa0));
    char reply[300];
    snprintf(reply, sizeof(reply), "{\"text\":\"re\",\"parentCastId\":{\"fid\":10,\"hash\":\"0xa1"
             "00000000000000000000000000000000000000\"}}");
    ev(msg("MESSAGE_TYPE_CAST_ADD", 50, "castAddBody", reply, 0xa2)); /* reply to a target: kept */
    ev(msg("MESSAGE_TYPE_CAST_ADD", 51, "castAddBody",
           "{\"text\":\"x\",\"parentCastId\":{\"fid\":60,\"hash\":\"0xb1"
           "00000000000000000000000000000000000000\"}}", 0xa3)); /* not about a target: ignored */
    ev(msg("MESSAGE_TYPE_REACTION_ADD", 52, "reactionBody",
           "{\"type\":\"REACTION_TYPE_LIKE\",\"targetCastId\":{\"fid\":10,\"hash\":\"0xa1"
           "00000000000000000000000000000000000000\"}}", 0xa4));
    ev(msg("MESSAGE_TYPE_LINK_ADD", 53, "linkBody", "{\"type\":\"follow\",\"targetFid\":10}", 0xa5));
    ev(msg("MESSAGE_TYPE_LINK_ADD", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":20}", 0xc1));
    ev(msg("MESSAGE_TYPE_LINK_ADD", 2, "linkBody", "{\"type\":\"follow\",\"targetFid\":20}", 0xc2));
    ev(msg("MESSAGE_TYPE_LINK_ADD", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":21}", 0xc5));
    ev(msg("MESSAGE_TYPE_LINK_REMOVE", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":20}", 0xc3));
    ev(msg("MESSAGE_TYPE_LINK_REMOVE", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":21}", 0xc6));
    /* 22 was added by an operator as a plain target: an unfollow does not drop it */
    ev(msg("MESSAGE_TYPE_LINK_ADD", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":22}", 0xc7));
    ev(msg("MESSAGE_TYPE_LINK_REMOVE", 1, "linkBody", "{\"type\":\"follow\",\"targetFid\":22}", 0xc8));
    /* a sign-up through app 9152 */
    fc_buf_printf(&events, ",{\"type\":\"HUB_EVENT_TYPE_MERGE_ON_CHAIN_EVENT\",\"id\":%llu,"
                  "\"mergeOnChainEventBody\":{\"onChainEvent\":{\"type\":\"EVENT_TYPE_SIGNER\","
                  "\"chainId\":10,\"blockNumber\":5,\"blockHash\":\"0x01\",\"blockTimestamp\":1700000000,"
                  "\"transactionHash\":\"0x02\",\"logIndex\":1,\"fid\":30,\"signerEventBody\":{\"key\":"
                  "\"0x0852c07b5695ff94138b025e3f9b4788e06133f04e254f0ea0eb85a06e999cdd\",\"keyType\":1,"
                  "\"eventType\":\"SIGNER_EVENT_TYPE_ADD\",\"metadata\":\"" META "\",\"metadataType\":1},"
                  "\"txIndex\":0,\"version\":0}},\"blockNumber\":%llu,\"shardIndex\":1}",
                  (B << 14) | (unsigned long long)++seq, B);
    struct fc_buf page = FC_BUF_INIT;
    fc_buf_printf(&page, "{\"events\":[{\"type\":\"HUB_EVENT_TYPE_BLOCK_CONFIRMED\",\"id\":%llu,"
                         "\"blockConfirmedBody\":{\"blockNumber\":%llu,\"shardIndex\":1,\"timestamp\":1,"
                         "\"blockHash\":\"0x00\",\"totalEvents\":%d},\"blockNumber\":%llu,\"shardIndex\":1}%s]}",
                  B << 14, B, seq + 1, B, events.data);
    snprintf(path, sizeof(path), "%s/events.json", sub);
    write_file(path, page.data);
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    write_file(path, "{\"dialects\":{\"snapchain\":{\"num_shards\":1}},\"files\":[{\"file\":"
                     "\"snapchain/events.json\",\"dialect\":\"snapchain\",\"endpoint\":\"/v1/events\","
                     "\"query\":{\"shard_index\":\"1\",\"from_event_id\":\"0\"}}]}");
    int port;
    int pid = fct_hubsim_start((const char *[]){"--corpus", dir, "--flavour", "snapchain", NULL}, &port);
    char db[512], e1[600], e2[100];
    fct_db_create("rules", db, sizeof(db));
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    /* the hand-made messages carry placeholder hashes and signatures: this
     * test is about the filter rules, verification has its own (test_verify_ingest) */
    const char *env[] = {e1, e2, "FCINDEX_STRATEGY_ROOT_TARGETS=1,2,10",
                         "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", "REDIS_URL=",
                         "FCINDEX_VERIFY_MODE=off", NULL};
    struct fc_buf out = FC_BUF_INIT;
    const char *migrate[] = {fct_fcindex_bin(), "migrate", NULL};
    assert_int_equal(fct_run(migrate, env, &out), 0);
    const char *add22[] = {fct_fcindex_bin(), "targets", "add", "22", "--non-root", NULL};
    assert_int_equal(fct_run(add22, env, &out), 0);
    const char *sync[] = {fct_fcindex_bin(), "sync", "--until-head", NULL};
    fc_buf_reset(&out);
    if (fct_run(sync, env, &out) != 0)
        fail_msg("sync: %s", out.data);
    /* 20: followed by 1 and 2, unfollowed by 1: stays; 21: followed by 1 only, unfollowed: gone;
     * 22: added by an operator, followed and unfollowed by 1: stays; 30: signed up through
     * app 9152: a root */
    fct_assert_sql(db, "SELECT string_agg(fid || ':' || is_root || ':' || source, ',' "
                       "ORDER BY fid) FROM targets",
                   "1:true:config,2:true:config,10:true:config,20:false:follow,"
                   "22:false:admin,30:true:client");
    /* the reply to a target, not the other one */
    fct_assert_sql(db, "SELECT string_agg(fid::text, ',' ORDER BY fid) FROM casts", "10,50");
    /* nothing silently dropped */
    fct_assert_sql(db, "SELECT count(*) || ':' || bool_and(reason LIKE '%embeds%') "
                       "FROM dead_letters", "1:true");
    fct_assert_sql(db, "SELECT count(*) FROM reactions WHERE fid = 52", "1");
    fct_assert_sql(db, "SELECT count(*) FROM links WHERE fid = 53 AND target_fid = 10", "1");
    fct_assert_sql(db, "SELECT request_fid FROM signers WHERE fid = 30", "9152");

    /* Clean-up of a dropped account (21): its own rows go, except those that
     * still touch a target; an account dropped then re-added (20) keeps all. */
    free(fct_sql_value(db,
        "INSERT INTO casts (hash, fid, text) VALUES (decode(repeat('21', 20), 'hex'), 21, 'own'), "
        " (decode(repeat('22', 20), 'hex'), 20, 'own');"
        "INSERT INTO casts (hash, fid, text, parent_hash, parent_fid) VALUES "
        " (decode(repeat('23', 20), 'hex'), 21, 'reply', decode(repeat('a1', 20), 'hex'), 10);"
        "INSERT INTO links (hash, fid, target_fid, type, \"timestamp\") VALUES "
        " (decode(repeat('24', 20), 'hex'), 21, 99, 'follow', now()), "
        " (decode(repeat('25', 20), 'hex'), 21, 10, 'follow', now());"
        "INSERT INTO user_data (fid, type, value, hash, \"timestamp\") VALUES "
        " (21, 2, 'Twenty One', decode(repeat('26', 20), 'hex'), now())"));
    const char *remove20[] = {fct_fcindex_bin(), "targets", "remove", "20", NULL};
    const char *add20[] = {fct_fcindex_bin(), "targets", "add", "20", NULL};
    const char *cleanup[] = {fct_fcindex_bin(), "targets", "cleanup", NULL};
    assert_int_equal(fct_run(remove20, env, &out), 0);
    assert_int_equal(fct_run(add20, env, &out), 0);
    fc_buf_reset(&out);
    assert_int_equal(fct_run(cleanup, env, &out), 0);
    assert_non_null(strstr(out.data, "deleted 3 rows of 1 dropped accounts"));
    fct_assert_sql(db, "SELECT string_agg(fid || ':' || text, ',' ORDER BY hash) FROM casts "
                       "WHERE fid IN (20, 21)", "20:own,21:reply");
    fct_assert_sql(db, "SELECT string_agg(fid || '>' || target_fid, ',') FROM links "
                       "WHERE fid = 21", "21>10");
    fct_assert_sql(db, "SELECT (SELECT count(*) FROM user_data WHERE fid = 21) + "
                       "(SELECT count(*) FROM dropped_targets)", "0");
    fc_buf_cleanup(&out);
    fc_buf_cleanup(&page);
    fc_buf_cleanup(&events);
    fct_db_drop(db);
    fct_hubsim_stop(pid);
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

FCT_MAIN_NEEDS_DB(NULL, NULL, realtime_rules)
