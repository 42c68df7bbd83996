/* One contract for both target-set backends: embedded and Redis. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/fidset.h"

static void contract(struct fc_fidset *s)
{
    struct fc_diag d;
    size_t n = 99;
    assert_int_equal(fc_fidset_replace(s, NULL, 0, &d), FC_OK);
    assert_int_equal(fc_fidset_count(s, &n, &d), FC_OK);
    assert_int_equal(n, 0);
    assert_false(fc_fidset_has(s, 1));
    assert_int_equal(fc_fidset_add(s, 1, &d), FC_OK);
    assert_int_equal(fc_fidset_add(s, 1, &d), FC_OK); /* idempotent */
    assert_int_equal(fc_fidset_add(s, 9152, &d), FC_OK);
    assert_int_equal(fc_fidset_add(s, 0, &d), FC_ERR_INVALID);
    assert_true(fc_fidset_has(s, 1));
    assert_true(fc_fidset_has(s, 9152));
    assert_false(fc_fidset_has(s, 2));
    assert_false(fc_fidset_has(s, 0));
    assert_int_equal(fc_fidset_count(s, &n, &d), FC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(fc_fidset_remove(s, 1, &d), FC_OK);
    assert_int_equal(fc_fidset_remove(s, 12345, &d), FC_OK); /* absent: fine */
    assert_false(fc_fidset_has(s, 1));
    /* rebuild replaces everything, at scale */
    enum { N = 50000 };
    uint64_t *fids = malloc(N * sizeof(uint64_t));
    for (size_t i = 0; i < N; i++)
        fids[i] = 1000 + i * 3;
    assert_int_equal(fc_fidset_replace(s, fids, N, &d), FC_OK);
    assert_int_equal(fc_fidset_count(s, &n, &d), FC_OK);
    assert_int_equal(n, N);
    assert_false(fc_fidset_has(s, 9152 + 1)); /* not of the form 1000 + 3k */
    uint64_t probe[] = {1000, 1001, 1003, 1000 + 3 * (N - 1), 1000 + 3 * N};
    bool out[5];
    assert_int_equal(fc_fidset_has_many(s, probe, 5, out, &d), FC_OK);
    assert_true(out[0]);
    assert_false(out[1]);
    assert_true(out[2]);
    assert_true(out[3]);
    assert_false(out[4]);
    /* removing and re-adding many keeps the set consistent */
    for (size_t i = 0; i < N; i += 2)
        assert_int_equal(fc_fidset_remove(s, fids[i], &d), FC_OK);
    assert_int_equal(fc_fidset_count(s, &n, &d), FC_OK);
    assert_int_equal(n, N / 2);
    for (size_t i = 0; i < N; i += 4)
        assert_int_equal(fc_fidset_add(s, fids[i], &d), FC_OK);
    assert_int_equal(fc_fidset_count(s, &n, &d), FC_OK);
    assert_int_equal(n, N / 2 + N / 4);
    assert_true(fc_fidset_has(s, fids[4]));
    assert_false(fc_fidset_has(s, fids[2]));
    assert_true(fc_fidset_has(s, fids[3]));
    free(fids);
}

static void embedded_backend(void **state)
{
    (void)state;
    struct fc_fidset *s = fc_fidset_new_embedded();
    contract(s);
    fc_fidset_free(s);
}

static void redis_backend(void **state)
{
    (void)state;
    const char *url = fct_require_env("REDIS_URL");
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "fctest:%d:", (int)getpid());
    struct fc_fidset *s, *other;
    struct fc_diag d;
    if (fc_fidset_open_redis(url, prefix, "targets", &s, &d))
        fail_msg("%s", d.msg);
    contract(s);
    /* a second process-like handle sees the same set */
    assert_int_equal(fc_fidset_open_redis(url, prefix, "targets", &other, &d), FC_OK);
    assert_true(fc_fidset_has(other, 1003));
    assert_int_equal(fc_fidset_add(other, 777, &d), FC_OK);
    assert_true(fc_fidset_has(s, 777));
    assert_int_equal(fc_fidset_replace(s, NULL, 0, &d), FC_OK);
    fc_fidset_free(other);
    fc_fidset_free(s);
}

FCT_MAIN(NULL, NULL, embedded_backend, redis_backend)
