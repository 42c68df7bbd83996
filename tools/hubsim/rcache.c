#include "rcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "rng.h"

struct slot {
    uint8_t key[24];
    uint32_t len;
    uint64_t off; /* +1; 0 = empty */
};

struct rcache {
    struct slot *slots;
    size_t cap, used;
    struct fc_buf text;
    size_t budget;
    pthread_rwlock_t lock;
};

static uint64_t key_hash(const uint8_t k[24])
{
    uint64_t a, b, c;
    memcpy(&a, k, 8);
    memcpy(&b, k + 8, 8);
    memcpy(&c, k + 16, 8);
    return sim_mix(a ^ sim_mix(b ^ sim_mix(c)));
}

struct rcache *rcache_new(size_t budget_bytes)
{
    struct rcache *c = fc_xcalloc(1, sizeof(*c));
    c->cap = 1 << 16;
    c->slots = fc_xcalloc(c->cap, sizeof(*c->slots));
    c->budget = budget_bytes;
    pthread_rwlock_init(&c->lock, NULL);
    return c;
}

void rcache_free(struct rcache *c)
{
    if (!c)
        return;
    free(c->slots);
    fc_buf_cleanup(&c->text);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

bool rcache_get(struct rcache *c, const uint8_t key[24], struct fc_buf *out)
{
    bool hit = false;
    pthread_rwlock_rdlock(&c->lock);
    size_t i = key_hash(key) & (c->cap - 1);
    while (c->slots[i].off) {
        if (memcmp(c->slots[i].key, key, 24) == 0) {
            fc_buf_append(out, c->text.data + c->slots[i].off - 1, c->slots[i].len);
            hit = true;
            break;
        }
        i = (i + 1) & (c->cap - 1);
    }
    pthread_rwlock_unlock(&c->lock);
    return hit;
}

static void put_locked(struct rcache *c, const uint8_t key[24], const char *text, size_t len)
{
    if (c->text.len + len > c->budget || len > UINT32_MAX) {
        /* Start over rather than track ages: the working set refills quickly. */
        memset(c->slots, 0, c->cap * sizeof(*c->slots));
        c->used = 0;
        fc_buf_reset(&c->text);
    }
    if ((c->used + 1) * 2 > c->cap) {
        struct slot *old = c->slots;
        size_t old_cap = c->cap;
        c->cap *= 2;
        c->slots = fc_xcalloc(c->cap, sizeof(*c->slots));
        for (size_t k = 0; k < old_cap; k++) {
            if (!old[k].off)
                continue;
            size_t j = key_hash(old[k].key) & (c->cap - 1);
            while (c->slots[j].off)
                j = (j + 1) & (c->cap - 1);
            c->slots[j] = old[k];
        }
        free(old);
    }
    size_t i = key_hash(key) & (c->cap - 1);
    while (c->slots[i].off) {
        if (memcmp(c->slots[i].key, key, 24) == 0)
            return;
        i = (i + 1) & (c->cap - 1);
    }
    memcpy(c->slots[i].key, key, 24);
    c->slots[i].len = (uint32_t)len;
    c->slots[i].off = c->text.len + 1;
    fc_buf_append(&c->text, text, len);
    c->used++;
}

void rcache_put(struct rcache *c, const uint8_t key[24], const char *text, size_t len)
{
    pthread_rwlock_wrlock(&c->lock);
    put_locked(c, key, text, len);
    pthread_rwlock_unlock(&c->lock);
}
