/* The API response cache: single flight, TTL, invalidation by fid (also of
 * a fill racing the invalidation), failures not cached, LRU eviction, and
 * dated fills (a lagging read replica's data) against invalidations that
 * arrived after their date. */
#include "api/cache.h"
#include "core/fctime.h"
#include "support/testenv.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

struct fill_ctx {
    atomic_int calls;
    int sleep_ms;
    const char *body;
    uint64_t dep;
    bool fail;
    struct fc_cache *invalidate_during; /* invalidate dep while filling */
    int64_t as_of_ms;                   /* the data's date (a replica's); 0: none */
};

static bool fill(void *arg, struct fc_cache_value *v)
{
    struct fill_ctx *f = arg;
    f->calls++;
    if (f->sleep_ms)
        usleep((useconds_t)f->sleep_ms * 1000);
    if (f->invalidate_during)
        fc_cache_invalidate(f->invalidate_during, &f->dep, 1);
    v->status = f->fail ? 500 : 200;
    fc_buf_puts(&v->body, f->body);
    if (f->dep)
        fc_cache_value_depend(v, f->dep);
    v->as_of_ms = f->as_of_ms;
    return !f->fail;
}

/* key through the cache (TTL 60 s) into out; returns whether the cache
 * answered it (a hit) rather than a fill. */
static bool get(struct fc_cache *c, const char *key, struct fill_ctx *f, char *out)
{
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "");
    int status;
    bool hit;
    fc_cache_get(c, key, 60, fill, f, &status, &b, &hit);
    strcpy(out, b.data);
    fc_buf_cleanup(&b);
    return hit;
}

struct stampede {
    struct fc_cache *c;
    struct fill_ctx *f;
    char out[64];
};

static void *stampede_main(void *p)
{
    struct stampede *s = p;
    get(s->c, "feed:1", s->f, s->out);
    return NULL;
}

static void stampede_makes_one_fill(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    struct fill_ctx f = {.sleep_ms = 200, .body = "page", .dep = 7};
    enum { N = 16 };
    pthread_t t[N];
    struct stampede s[N];
    for (int i = 0; i < N; i++) {
        s[i] = (struct stampede){c, &f, ""};
        pthread_create(&t[i], NULL, stampede_main, &s[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_string_equal(s[i].out, "page");
    }
    assert_int_equal(f.calls, 1);
    struct fc_cache_stats st;
    fc_cache_stats(c, &st);
    assert_int_equal(st.misses, 1);
    assert_true(st.waits >= 1);
    fc_cache_free(c);
}

static void invalidation_by_fid(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    struct fill_ctx a = {.body = "a", .dep = 1}, b = {.body = "b", .dep = 2};
    char out[64];
    assert_false(get(c, "ka", &a, out));
    get(c, "kb", &b, out);
    assert_true(get(c, "ka", &a, out));
    uint64_t one = 1;
    fc_cache_invalidate(c, &one, 1);
    assert_false(get(c, "ka", &a, out)); /* depends on 1: refilled */
    assert_int_equal(a.calls, 2);
    assert_true(get(c, "kb", &b, out)); /* depends on 2 only: still cached */
    assert_int_equal(b.calls, 1);
    fc_cache_clear(c);
    assert_false(get(c, "kb", &b, out));
    fc_cache_free(c);
}

static void fill_racing_invalidation_is_not_served(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    struct fill_ctx f = {.body = "old", .dep = 5};
    f.invalidate_during = c; /* the indexer commits while we read */
    char out[64];
    get(c, "k", &f, out);
    f.invalidate_during = NULL;
    f.body = "new";
    assert_false(get(c, "k", &f, out));
    assert_string_equal(out, "new");
    assert_true(get(c, "k", &f, out));
    fc_cache_free(c);
}

static void failures_not_cached_and_ttl(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    struct fill_ctx f = {.body = "err", .fail = true};
    bool hit;
    char out[64];
    get(c, "k", &f, out);
    assert_false(get(c, "k", &f, out));
    assert_int_equal(f.calls, 2);
    /* ttl 0 bypasses the cache */
    struct fill_ctx g = {.body = "x"};
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "");
    int status;
    fc_cache_get(c, "t", 0, fill, &g, &status, &b, &hit);
    fc_cache_get(c, "t", 0, fill, &g, &status, &b, &hit);
    assert_int_equal(g.calls, 2);
    /* ttl 1: expired after a second */
    fc_cache_get(c, "t1", 1, fill, &g, &status, &b, &hit);
    fc_cache_get(c, "t1", 1, fill, &g, &status, &b, &hit);
    assert_true(hit);
    usleep(1100000);
    fc_cache_get(c, "t1", 1, fill, &g, &status, &b, &hit);
    assert_false(hit);
    fc_buf_cleanup(&b);
    fc_cache_free(c);
}

static void lru_eviction(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(3, 0);
    struct fill_ctx f = {.body = "v"};
    char out[64];
    get(c, "1", &f, out);
    get(c, "2", &f, out);
    get(c, "3", &f, out);
    get(c, "1", &f, out); /* 1 is now the most recent */
    get(c, "4", &f, out); /* evicts 2 */
    assert_true(get(c, "1", &f, out));
    assert_false(get(c, "2", &f, out));
    struct fc_cache_stats st;
    fc_cache_stats(c, &st);
    assert_true(st.entries <= 3);
    assert_true(st.evictions >= 1);
    fc_cache_free(c);
}

/* A fill from a replica whose data is older than an invalidation of its
 * fid (the replica had not replayed that change) is stale at once; once its
 * data is dated after the invalidation it is kept. */
static void dated_fill_older_than_invalidation_is_not_kept(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    struct fill_ctx f = {.body = "old", .dep = 7};
    char out[64];
    int64_t before = fc_now_mono_ms();
    usleep(2000);
    uint64_t fid = 7;
    fc_cache_invalidate(c, &fid, 1); /* arrives after the replica's date */
    f.as_of_ms = before;
    assert_false(get(c, "user:7", &f, out));
    assert_string_equal(out, "old"); /* served: the replica is within its allowed lag */
    assert_false(get(c, "user:7", &f, out)); /* but not kept: it may miss the change */
    assert_int_equal(f.calls, 2);
    /* another fid's invalidation says nothing about this value */
    struct fill_ctx g = {.body = "other", .dep = 8, .as_of_ms = before};
    get(c, "user:8", &g, out);
    assert_true(get(c, "user:8", &g, out));
    /* the replica has caught up past the invalidation: kept */
    usleep(2000);
    f.as_of_ms = fc_now_mono_ms();
    f.body = "new";
    assert_false(get(c, "user:7", &f, out));
    assert_true(get(c, "user:7", &f, out));
    assert_string_equal(out, "new");
    assert_int_equal(f.calls, 3);
    fc_cache_free(c);
}

/* A dated fill older than every remembered invalidation arrival cannot be
 * checked: it is served but not kept. */
static void dated_fill_older_than_memory_is_not_kept(void **state)
{
    (void)state;
    struct fc_cache *c = fc_cache_new(100, 0);
    int64_t before = fc_now_mono_ms();
    usleep(2000);
    for (uint64_t fid = 1000; fid < 1000 + 5000; fid++)
        fc_cache_invalidate(c, &fid, 1);
    struct fill_ctx f = {.body = "x", .dep = 7, .as_of_ms = before};
    char out[64];
    get(c, "user:7", &f, out);
    assert_false(get(c, "user:7", &f, out));
    assert_int_equal(f.calls, 2);
    struct fc_cache_stats st;
    fc_cache_stats(c, &st);
    assert_int_equal(st.too_old, 2);
    fc_cache_free(c);
}

FCT_MAIN(NULL, NULL, stampede_makes_one_fill, invalidation_by_fid,
         fill_racing_invalidation_is_not_served, failures_not_cached_and_ttl, lru_eviction,
         dated_fill_older_than_invalidation_is_not_kept, dated_fill_older_than_memory_is_not_kept)
