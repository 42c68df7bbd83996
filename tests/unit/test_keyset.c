/* The signer key set the verification gate looks keys up in
 * (indexer/verify_gate.h): every key added is found, under its own fid only;
 * a key added twice is held once; it grows past its first table; clearing
 * empties it; only SIGNER add events add a key. */
#include "support/testenv.h"

#include <string.h>

#include "indexer/verify_gate.h"

static void key_of(uint64_t i, uint8_t key[32])
{
    memset(key, 0, 32);
    for (int b = 0; b < 8; b++)
        key[b] = (uint8_t)(i >> (8 * b));
    key[31] = 0xa5;
}

static void added_keys_are_found_under_their_fid_only(void **state)
{
    (void)state;
    struct fc_keyset ks = {0};
    uint8_t key[32];
    key_of(1, key);
    assert_false(fc_keyset_has(&ks, 7, key, 32)); /* empty */
    for (uint64_t i = 1; i <= 1000; i++) { /* far past the first table */
        key_of(i, key);
        fc_keyset_add(&ks, 1000 + i, key);
    }
    assert_int_equal(ks.n, 1000);
    for (uint64_t i = 1; i <= 1000; i++) {
        key_of(i, key);
        assert_true(fc_keyset_has(&ks, 1000 + i, key, 32));
        assert_false(fc_keyset_has(&ks, 2000 + i, key, 32)); /* another account */
        assert_false(fc_keyset_has(&ks, 1000 + i, key, 31)); /* not a 32-byte key */
    }
    key_of(1001, key);
    assert_false(fc_keyset_has(&ks, 2001, key, 32)); /* a key never added */
    fc_keyset_cleanup(&ks);
}

/* One key (the same bytes) registered by many accounts is one entry each. */
static void the_same_key_under_many_accounts(void **state)
{
    (void)state;
    struct fc_keyset ks = {0};
    uint8_t key[32];
    key_of(42, key);
    for (uint64_t fid = 1; fid <= 500; fid++)
        fc_keyset_add(&ks, fid, key);
    assert_int_equal(ks.n, 500);
    for (uint64_t fid = 1; fid <= 500; fid++)
        assert_true(fc_keyset_has(&ks, fid, key, 32));
    for (uint64_t fid = 501; fid <= 1000; fid++)
        assert_false(fc_keyset_has(&ks, fid, key, 32));
    fc_keyset_cleanup(&ks);
}

static void a_key_added_twice_is_held_once(void **state)
{
    (void)state;
    struct fc_keyset ks = {0};
    uint8_t key[32];
    key_of(5, key);
    fc_keyset_add(&ks, 9, key);
    fc_keyset_add(&ks, 9, key);
    fc_keyset_add(&ks, 0, key); /* no account has fid 0 */
    assert_int_equal(ks.n, 1);
    assert_false(fc_keyset_has(&ks, 0, key, 32));
    fc_keyset_clear(&ks);
    assert_int_equal(ks.n, 0);
    assert_false(fc_keyset_has(&ks, 9, key, 32));
    fc_keyset_add(&ks, 9, key); /* usable again */
    assert_true(fc_keyset_has(&ks, 9, key, 32));
    fc_keyset_cleanup(&ks);
}

static void only_signer_adds_add_a_key(void **state)
{
    (void)state;
    struct fc_keyset ks = {0};
    struct fc_onchain_event o;
    memset(&o, 0, sizeof(o));
    o.type = FC_ONCHAIN_SIGNER;
    o.fid = 3;
    key_of(77, o.body.signer.key);
    o.body.signer.key_len = 32;
    o.body.signer.event_type = 2; /* a remove */
    fc_keyset_note_onchain(&ks, &o);
    assert_false(fc_keyset_has(&ks, 3, o.body.signer.key, 32));
    o.body.signer.event_type = 1; /* an add */
    fc_keyset_note_onchain(&ks, &o);
    assert_true(fc_keyset_has(&ks, 3, o.body.signer.key, 32));
    fc_keyset_cleanup(&ks);
}

FCT_MAIN(NULL, NULL, added_keys_are_found_under_their_fid_only, the_same_key_under_many_accounts,
         a_key_added_twice_is_held_once, only_signer_adds_add_a_key)
