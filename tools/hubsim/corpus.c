#include "corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/buf.h"
#include "core/hex.h"
#include "core/vec.h"
#include "jspan.h"
#include "rng.h"

struct named_list {
    char *name;
    struct corpus_list list;
    size_t cap;
};

struct exact_file {
    char *canon;
    char *body;
    size_t len;
};

struct corpus {
    enum sim_flavour flavour;
    unsigned shards;
    FC_VEC(struct named_list) lists;
    struct exact_file *files;
    size_t n_files;
    char **bodies; /* every file's bytes, owned; items point into them */
    size_t n_bodies;
    uint64_t n_messages;
};


static struct named_list *list_get(struct corpus *c, const char *name, bool create)
{
    for (size_t i = 0; i < c->lists.n; i++)
        if (strcmp(c->lists.p[i].name, name) == 0)
            return &c->lists.p[i];
    if (!create)
        return NULL;
    struct named_list *l = fc_vec_push(&c->lists);
    memset(l, 0, sizeof(*l));
    l->name = fc_xstrdup(name);
    return l;
}

static struct corpus_item *list_push(struct named_list *l)
{
    if (l->list.n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->list.items = fc_xrealloc(l->list.items, l->cap * sizeof(*l->list.items));
    }
    struct corpus_item *it = &l->list.items[l->list.n++];
    memset(it, 0, sizeof(*it));
    return it;
}

static int cmp_pair(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void corpus_canon(const char *path, const char *const *keys, const char *const *vals, size_t n,
                  char *out, size_t out_size)
{
    char **pairs = fc_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_printf(&b, "%s=%s", keys[i], vals[i]);
        pairs[i] = fc_buf_take(&b);
    }
    qsort(pairs, n, sizeof(char *), cmp_pair);
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_printf(&b, "%s?", path);
    for (size_t i = 0; i < n; i++) {
        fc_buf_printf(&b, "%s%s", i ? "&" : "", pairs[i]);
        free(pairs[i]);
    }
    free(pairs);
    snprintf(out, out_size, "%s", b.data);
    fc_buf_cleanup(&b);
}

static bool message_key(struct jspan item, uint8_t key[24], uint64_t *fid)
{
    struct jspan data, v, hash;
    uint64_t ts;
    char hex[64];
    size_t n;
    if (!jspan_get(item, "data", &data) || !jspan_get(data, "timestamp", &v) ||
        !jspan_u64(v, &ts) || !jspan_get(data, "fid", &v) || !jspan_u64(v, fid) ||
        !jspan_get(item, "hash", &hash) || !jspan_str(hash, hex, sizeof(hex)) ||
        fc_hex_decode(hex, strlen(hex), true, key + 4, 20, &n, NULL) != FC_OK || n != 20)
        return false;
    key[0] = (uint8_t)(ts >> 24);
    key[1] = (uint8_t)(ts >> 16);
    key[2] = (uint8_t)(ts >> 8);
    key[3] = (uint8_t)ts;
    return true;
}

static int cmp_id(const void *a, const void *b)
{
    const struct corpus_item *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Adds the items of one recorded response to the right list. */
FC_MUST_CHECK
static enum fc_err index_file(struct corpus *c, const char *endpoint, const char *fid_s,
                              const char *extra, const char *body, size_t len,
                              struct fc_diag *diag, const char *file)
{
    struct jspan top = {body, len}, arr;
    char name[256];
    const char *ep = endpoint + strlen("/v1/");
    const char *array_key = "messages";
    if (strcmp(ep, "events") == 0 || strncmp(ep, "onChain", 7) == 0)
        array_key = "events";
    else if (strcmp(ep, "fids") == 0)
        array_key = "fids";
    else if (strcmp(ep, "userNameProofsByFid") == 0)
        array_key = "proofs";
    if (strcmp(ep, "events") == 0 || strcmp(ep, "fids") == 0)
        snprintf(name, sizeof(name), "%s:%s", ep, extra);
    else if (strcmp(ep, "onChainEventsByFid") == 0)
        snprintf(name, sizeof(name), "%s:%s:%s", ep, fid_s, extra);
    else
        snprintf(name, sizeof(name), "%s:%s", ep, fid_s);
    if (!jspan_get(top, array_key, &arr))
        return fc_diag_set(diag, FC_ERR_INVALID, "%s: no \"%s\" array", file, array_key);
    struct named_list *l = list_get(c, name, true);
    const char *cur = NULL;
    struct jspan item;
    while (jspan_next(arr, &cur, &item)) {
        struct corpus_item *it = list_push(l);
        it->json = item.p;
        it->len = item.n;
        struct jspan v;
        if (strcmp(array_key, "messages") == 0) {
            if (!message_key(item, it->key, &it->fid))
                return fc_diag_set(diag, FC_ERR_INVALID, "%s: a message lacks fid/timestamp/hash",
                                   file);
            c->n_messages++;
        } else if (strcmp(ep, "events") == 0) {
            if (!jspan_get(item, "id", &v) || !jspan_u64(v, &it->id))
                return fc_diag_set(diag, FC_ERR_INVALID, "%s: an event lacks id", file);
        } else if (strcmp(ep, "fids") == 0) {
            if (!jspan_u64(item, &it->id))
                return fc_diag_set(diag, FC_ERR_INVALID, "%s: bad fid", file);
        } else if (strcmp(array_key, "events") == 0) {
            uint64_t block = 0, logi = 0;
            if (jspan_get(item, "blockNumber", &v))
                jspan_u64(v, &block);
            if (jspan_get(item, "logIndex", &v))
                jspan_u64(v, &logi);
            it->id = block << 20 | logi;
        }
    }
    return FC_OK;
}

static const char *obj_str(yajl_val obj, const char *key)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_string);
    return v ? YAJL_GET_STRING(v) : NULL;
}

enum fc_err corpus_load(const char *dir, enum sim_flavour flavour, struct corpus **out,
                        struct fc_diag *diag)
{
    char path[4096], errbuf[256];
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    size_t mlen;
    char *manifest = fc_read_file(path, &mlen);
    if (!manifest)
        return fc_diag_set(diag, FC_ERR_IO, "%s: %s", path, strerror(errno));
    yajl_val root = yajl_tree_parse(manifest, errbuf, sizeof(errbuf));
    free(manifest);
    if (!root)
        return fc_diag_set(diag, FC_ERR_INVALID, "%s: %s", path, errbuf);
    const char *dialect = flavour == SIM_SNAPCHAIN ? "snapchain" : "hubble";
    struct corpus *c = fc_xcalloc(1, sizeof(*c));
    c->flavour = flavour;
    c->shards = 1;
    const char *shards_path[] = {"dialects", "snapchain", "num_shards", NULL};
    yajl_val ns = yajl_tree_get(root, shards_path, yajl_t_number);
    if (flavour == SIM_SNAPCHAIN && ns && YAJL_IS_INTEGER(ns))
        c->shards = (unsigned)YAJL_GET_INTEGER(ns);
    const char *files_path[] = {"files", NULL};
    yajl_val files = yajl_tree_get(root, files_path, yajl_t_array);
    enum fc_err err = FC_OK;
    if (!files) {
        err = fc_diag_set(diag, FC_ERR_INVALID, "%s: no files array", path);
        goto out;
    }
    c->files = fc_xcalloc(YAJL_GET_ARRAY(files)->len + 1, sizeof(*c->files));
    c->bodies = fc_xcalloc(YAJL_GET_ARRAY(files)->len + 1, sizeof(char *));
    for (size_t i = 0; i < YAJL_GET_ARRAY(files)->len && !err; i++) {
        yajl_val f = YAJL_GET_ARRAY(files)->values[i];
        const char *d = obj_str(f, "dialect"), *file = obj_str(f, "file"),
                   *endpoint = obj_str(f, "endpoint");
        if (!d || !file || !endpoint || strcmp(d, dialect) != 0)
            continue;
        const char *qpath[] = {"query", NULL};
        yajl_val q = yajl_tree_get(f, qpath, yajl_t_object);
        size_t nq = q ? YAJL_GET_OBJECT(q)->len : 0;
        const char **keys = fc_xcalloc(nq + 1, sizeof(char *));
        const char **vals = fc_xcalloc(nq + 1, sizeof(char *));
        for (size_t k = 0; k < nq; k++) {
            keys[k] = YAJL_GET_OBJECT(q)->keys[k];
            yajl_val v = YAJL_GET_OBJECT(q)->values[k];
            vals[k] = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "";
        }
        char canon[2048];
        corpus_canon(endpoint, keys, vals, nq, canon, sizeof(canon));
        const char *fid_s = obj_str(q, "fid");
        const char *extra = obj_str(q, "event_type");
        if (strcmp(endpoint, "/v1/events") == 0)
            extra = flavour == SIM_SNAPCHAIN ? obj_str(q, "shard_index") : "0";
        else if (strcmp(endpoint, "/v1/fids") == 0)
            extra = flavour == SIM_SNAPCHAIN ? obj_str(q, "shard_id") : "0";
        free(keys);
        free(vals);
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        size_t len;
        char *body = fc_read_file(path, &len);
        if (!body) {
            err = fc_diag_set(diag, FC_ERR_IO, "%s: %s", path, strerror(errno));
            break;
        }
        c->bodies[c->n_bodies++] = body;
        struct exact_file *ef = &c->files[c->n_files++];
        ef->canon = fc_xstrdup(canon);
        ef->body = body;
        ef->len = len;
        err = index_file(c, endpoint, fid_s ? fid_s : "", extra ? extra : "", body, len, diag,
                         path);
    }
    /* Events and fids pages were recorded in order, but sort and de-duplicate
     * in case pages overlap. */
    for (size_t i = 0; i < c->lists.n && !err; i++) {
        struct named_list *l = &c->lists.p[i];
        if (strncmp(l->name, "events:", 7) != 0 && strncmp(l->name, "fids:", 5) != 0)
            continue;
        qsort(l->list.items, l->list.n, sizeof(*l->list.items), cmp_id);
        size_t w = 0;
        for (size_t r = 0; r < l->list.n; r++)
            if (w == 0 || l->list.items[w - 1].id != l->list.items[r].id)
                l->list.items[w++] = l->list.items[r];
        l->list.n = w;
    }
out:
    yajl_tree_free(root);
    if (err) {
        corpus_free(c);
        return err;
    }
    *out = c;
    return FC_OK;
}

void corpus_free(struct corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->lists.n; i++) {
        free(c->lists.p[i].name);
        free(c->lists.p[i].list.items);
    }
    fc_vec_free(&c->lists);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i].canon);
    free(c->files);
    for (size_t i = 0; i < c->n_bodies; i++)
        free(c->bodies[i]);
    free(c->bodies);
    free(c);
}

struct corpus_list corpus_get(const struct corpus *c, const char *name)
{
    struct named_list *l = list_get((struct corpus *)c, name, false);
    struct corpus_list empty = {NULL, 0};
    return l ? l->list : empty;
}

const char *corpus_exact(const struct corpus *c, const char *canon, size_t *len)
{
    for (size_t i = 0; i < c->n_files; i++) {
        if (strcmp(c->files[i].canon, canon) == 0) {
            *len = c->files[i].len;
            return c->files[i].body;
        }
    }
    return NULL;
}

unsigned corpus_shards(const struct corpus *c)
{
    return c->shards;
}

size_t corpus_fid_count(const struct corpus *c)
{
    size_t n = 0;
    for (unsigned s = 0; s <= c->shards; s++) {
        char name[32];
        snprintf(name, sizeof(name), "fids:%u", s);
        n += corpus_get(c, name).n;
    }
    return n;
}

uint64_t corpus_message_count(const struct corpus *c)
{
    return c->n_messages;
}

const struct corpus_list *corpus_list_at(const struct corpus *c, size_t i, const char *prefix)
{
    size_t plen = strlen(prefix), seen = 0;
    for (size_t k = 0; k < c->lists.n; k++) {
        if (strncmp(c->lists.p[k].name, prefix, plen) != 0)
            continue;
        if (seen++ == i)
            return &c->lists.p[k].list;
    }
    return NULL;
}
