/* The reach of the roots (store/targets.c): the cheap expansion after one
 * account's follows were written against the whole walk, on hand-made
 * follow graphs whose expected target sets are written out here. */
#include "support/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/targets.h"

static char url[512];
static struct fc_db *db;
static unsigned link_no;

static int setup(void **state)
{
    (void)state;
    fct_db_create_migrated("reach", url, sizeof(url));
    db = fct_db_connect(url);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fc_db_close(db);
    fct_db_drop(url);
    return 0;
}

static void sql(const char *stmt)
{
    free(fct_sql_value(url, stmt));
}

static void reset(void)
{
    sql("TRUNCATE targets, links, dropped_targets");
}

static void root(unsigned fid)
{
    char s[160];
    snprintf(s, sizeof(s), "INSERT INTO targets (fid, is_root, source) VALUES (%u, true, 'config')",
             fid);
    sql(s);
}

static void follow(unsigned from, unsigned to)
{
    char s[320];
    link_no++;
    snprintf(s, sizeof(s),
             "INSERT INTO links (hash, fid, target_fid, type, \"timestamp\") VALUES "
             "(decode(lpad(to_hex(%u), 40, '0'), 'hex'), %u, %u, 'follow', now())",
             link_no, from, to);
    sql(s);
}

static void unfollow(unsigned from, unsigned to)
{
    char s[200];
    snprintf(s, sizeof(s),
             "UPDATE links SET deleted_at = now(), deleted_reason = 'removed' "
             "WHERE fid = %u AND target_fid = %u",
             from, to);
    sql(s);
}

/* "fid:depth" of every target, by fid ("-" for no depth). */
static void expect_targets(const char *what, const char *want)
{
    char *got = fct_sql_value(url, "SELECT string_agg(fid || ':' || coalesce(depth::text, '-'), "
                                   "',' ORDER BY fid) FROM targets");
    if (strcmp(got, want) != 0)
        fail_msg("%s: targets [%s], want [%s]", what, got, want);
    free(got);
}

/* Runs fc_targets_expand_from and checks the fids it says it added. */
static void expand(unsigned fid, bool went, int depth, size_t want_added, size_t want_dropped)
{
    uint64_t *added, *dropped;
    size_t na, nd;
    struct fc_diag d;
    if (fc_targets_expand_from(db, fid, went, depth, &added, &na, &dropped, &nd, &d))
        fail_msg("expand from %u: %s", fid, d.msg);
    if (na != want_added || nd != want_dropped)
        fail_msg("expand from %u: %zu added and %zu dropped, want %zu and %zu", fid, na, nd,
                 want_added, want_dropped);
    free(added);
    free(dropped);
}

static void walk(int depth, size_t want_added, size_t want_dropped)
{
    uint64_t *added, *dropped;
    size_t na, nd;
    struct fc_diag d;
    if (fc_targets_recompute_reach(db, depth, &added, &na, &dropped, &nd, &d))
        fail_msg("walk: %s", d.msg);
    if (na != want_added || nd != want_dropped)
        fail_msg("walk: %zu added and %zu dropped, want %zu and %zu", na, nd, want_added,
                 want_dropped);
    free(added);
    free(dropped);
}

/* A target's new follows join one hop farther, without the walk: a stray
 * follow target that no root reaches (which a walk drops) is left alone,
 * and an account at the depth expands nothing. */
static void new_follows_join_without_a_walk(void **state)
{
    (void)state;
    reset();
    root(1);
    follow(1, 2);
    follow(2, 3);
    walk(2, 2, 0);
    expect_targets("after the first walk", "1:0,2:1,3:2");
    sql("INSERT INTO targets (fid, source, depth) VALUES (50, 'follow', 1)");
    follow(2, 4);
    follow(2, 5);
    follow(3, 6); /* 3 is at depth 2: its follows are beyond it */
    expand(2, false, 2, 2, 0);
    expect_targets("after 2's new follows", "1:0,2:1,3:2,4:2,5:2,50:1");
    expand(3, false, 2, 0, 0);
    expand(77, false, 2, 0, 0); /* not a target */
    expect_targets("after expanding 3 and a non-target", "1:0,2:1,3:2,4:2,5:2,50:1");
    /* the walk agrees on everything but the stray it drops */
    walk(2, 0, 1);
    expect_targets("after a walk", "1:0,2:1,3:2,4:2,5:2");
}

/* A follow that brings a target nearer to a root changes that target's
 * depth and so its reach: the walk runs, and the nearer target's follows
 * join. */
static void a_nearer_target_takes_the_walk(void **state)
{
    (void)state;
    reset();
    root(1);
    follow(1, 2);
    follow(2, 3);
    follow(3, 8);
    walk(2, 2, 0);
    expect_targets("after the first walk", "1:0,2:1,3:2");
    follow(1, 3); /* 3 now one hop from the root: 8 is within two */
    expand(1, false, 2, 1, 0);
    expect_targets("after the root follows 3", "1:0,2:1,3:1,8:2");
}

/* Follows that went (a reconcile deleted them) take the walk: what no root
 * reaches any more leaves the set. */
static void follows_that_went_take_the_walk(void **state)
{
    (void)state;
    reset();
    root(1);
    follow(1, 2);
    follow(2, 3);
    follow(1, 4);
    walk(2, 3, 0);
    expect_targets("after the first walk", "1:0,2:1,3:2,4:1");
    unfollow(1, 2);
    expand(1, true, 2, 0, 2);
    expect_targets("after the root's follow of 2 went", "1:0,4:1");
    char *dropped = fct_sql_value(url, "SELECT string_agg(fid::text, ',' ORDER BY fid) "
                                       "FROM dropped_targets");
    assert_string_equal(dropped, "2,3");
    free(dropped);
}

/* Depth 1: only a root's follows join, whatever depth a target already
 * holds (one the stream added has none). */
static void depth_one_expands_roots_only(void **state)
{
    (void)state;
    reset();
    root(1);
    sql("INSERT INTO targets (fid, source) VALUES (2, 'follow'), (9, 'admin')");
    follow(1, 2);
    follow(1, 3);
    follow(9, 4);
    expand(1, false, 1, 1, 0);
    expand(9, false, 1, 0, 0);
    expect_targets("after expanding the root and a plain target", "1:-,2:-,3:1,9:-");
    sql("INSERT INTO dropped_targets (fid) VALUES (5)");
    follow(1, 5);
    expand(1, false, 1, 1, 0);
    assert_int_equal(fct_sql_ll(url, "SELECT count(*) FROM dropped_targets"), 0);
}

FCT_MAIN_NEEDS_DB(setup, teardown, new_follows_join_without_a_walk, a_nearer_target_takes_the_walk,
                  follows_that_went_take_the_walk, depth_one_expands_roots_only)
