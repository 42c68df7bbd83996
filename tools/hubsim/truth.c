#include "truth.h"

#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/vec.h"
#include "render.h"
#include "sign.h"

enum source { SRC_NONE, SRC_FOLLOW, SRC_CLIENT, SRC_CONFIG };

struct target {
    uint64_t fid;
    enum source source;
    bool root;
};

typedef FC_VEC(struct target) tset;

static struct target *tset_find(tset *s, uint64_t fid)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i].fid == fid)
            return &s->p[i];
    return NULL;
}

static void tset_add(tset *s, uint64_t fid, enum source src, bool root)
{
    struct target *t = tset_find(s, fid);
    if (t) {
        if (src > t->source)
            t->source = src;
        t->root |= root;
        return;
    }
    *fc_vec_push(s) = (struct target){fid, src, root};
}

static int cmp_target(const void *a, const void *b)
{
    const struct target *x = a, *y = b;
    return x->fid < y->fid ? -1 : x->fid > y->fid;
}

static void put_hash(struct fc_buf *b, const uint8_t h[20])
{
    char hex[43];
    fc_hex_encode(h, 20, hex);
    fc_buf_printf(b, "\"%s\"", hex);
}

static const char *profile_field(unsigned t)
{
    switch (t) {
    case 1: return "pfp";
    case 2: return "display";
    case 3: return "bio";
    case 5: return "url";
    case 6: return "username";
    case 7: return "location";
    case 8: return "twitter";
    case 9: return "github";
    }
    return NULL;
}

static int cmp_signer_block(const void *a, const void *b)
{
    const struct sim_signer *x = a, *y = b;
    if (x->block_number != y->block_number)
        return x->block_number < y->block_number ? -1 : 1;
    return (int)x->log_index - (int)y->log_index;
}

static void write_target(struct sim_state *s, const struct target *t, struct fc_buf *out)
{
    static const char *const src_names[] = {"none", "follow", "client", "config"};
    const struct sim_params *p = &s->p;
    struct sim_msg *list;
    size_t n;
    fc_buf_printf(out, "{\"fid\":%llu,\"is_root\":%s,\"source\":\"%s\",\"casts\":[",
                  (unsigned long long)t->fid, t->root ? "true" : "false", src_names[t->source]);
    n = sim_state_list(s, t->fid, K_CAST, &list);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (list[i].type != MT_CAST_ADD)
            continue;
        if (!first)
            fc_buf_putc(out, ',');
        first = false;
        put_hash(out, list[i].hash);
    }
    fc_buf_puts(out, "],\"removed_casts\":[");
    first = true;
    for (size_t i = 0; i < n; i++) {
        if (list[i].type != MT_CAST_REMOVE)
            continue;
        uint8_t h[20];
        sim_remove_target_hash(p, &list[i], h);
        if (!first)
            fc_buf_putc(out, ',');
        first = false;
        put_hash(out, h);
    }
    free(list);
    fc_buf_puts(out, "],\"follows\":[");
    n = sim_state_list(s, t->fid, K_LINK, &list);
    for (size_t i = 0; i < n; i++)
        fc_buf_printf(out, "%s%llu", i ? "," : "", (unsigned long long)list[i].target_fid);
    free(list);
    fc_buf_puts(out, "],\"reactions\":[");
    n = sim_state_list(s, t->fid, K_REACTION, &list);
    for (size_t i = 0; i < n; i++) {
        fc_buf_printf(out, "%s{\"hash\":", i ? "," : "");
        put_hash(out, list[i].hash);
        fc_buf_printf(out, ",\"type\":\"%s\",", list[i].sub == 2 ? "recast" : "like");
        if (list[i].target_fid) {
            uint8_t h[20];
            sim_cast_hash(p, list[i].target_fid, list[i].target_idx, h);
            fc_buf_printf(out, "\"target_fid\":%llu,\"target_hash\":",
                          (unsigned long long)list[i].target_fid);
            put_hash(out, h);
        } else {
            const char *u = sim_channel_url(list[i].target_idx);
            fc_buf_puts(out, "\"target_url\":");
            fc_buf_json_str(out, u, strlen(u));
        }
        fc_buf_putc(out, '}');
    }
    free(list);
    fc_buf_puts(out, "],\"verifications\":[");
    n = sim_state_list(s, t->fid, K_VERIF, &list);
    for (size_t i = 0; i < n; i++) {
        uint8_t addr[32];
        size_t an = sim_verif_address(p, &list[i], addr);
        char text[80];
        if (list[i].sub)
            sim_base58(addr, an, text, sizeof(text));
        else
            fc_hex_encode(addr, an, text);
        fc_buf_printf(out, "%s\"%s\"", i ? "," : "", text);
    }
    free(list);
    fc_buf_puts(out, "],\"profile\":{");
    n = sim_state_list(s, t->fid, K_USERDATA, &list);
    first = true;
    for (size_t i = 0; i < n; i++) {
        const char *field = profile_field(list[i].sub);
        if (!field)
            continue;
        struct fc_buf v = FC_BUF_INIT;
        sim_userdata_value(p, &list[i], &v);
        fc_buf_printf(out, "%s\"%s\":", first ? "" : ",", field);
        fc_buf_json_str(out, v.data, v.len);
        fc_buf_cleanup(&v);
        first = false;
    }
    free(list);
    struct sim_signer *sg;
    size_t ns = sim_state_signers(s, t->fid, &sg);
    qsort(sg, ns, sizeof(*sg), cmp_signer_block);
    fc_buf_printf(out, "},\"app_fid\":%llu", ns ? (unsigned long long)sg[0].app_fid : 0ull);
    free(sg);
    uint8_t addr[20];
    char hex[43];
    sim_custody(p, t->fid, addr);
    fc_hex_encode(addr, 20, hex);
    fc_buf_printf(out, ",\"custody_address\":\"%s\"", hex);
    sim_recovery(p, t->fid, addr);
    fc_hex_encode(addr, 20, hex);
    fc_buf_printf(out, ",\"recovery_address\":\"%s\"}", hex);
}

void truth_write(struct sim_state *s, const struct truth_options *o, struct fc_buf *out)
{
    tset set = {0};
    for (size_t i = 0; i < o->n_roots; i++)
        if (sim_fid_exists(&s->p, o->roots[i]))
            tset_add(&set, o->roots[i], SRC_CONFIG, true);
    /* Users who added a signer of a monitored app in the retained stream. */
    for (size_t l = 0; l < s->n_logs; l++) {
        struct sim_event_log *log = &s->logs[l];
        for (size_t i = log->start; i < log->len; i++) {
            const struct sim_event *e = &log->ev[i];
            if (e->type != EV_MERGE_ON_CHAIN_EVENT)
                continue;
            for (size_t c = 0; c < o->n_clients; c++)
                if (e->signer.app_fid == o->clients[c])
                    tset_add(&set, e->msg.fid, SRC_CLIENT, true);
        }
    }
    size_t level_start = 0, level_end = set.n;
    for (unsigned d = 0; d < o->depth; d++) {
        for (size_t i = level_start; i < level_end; i++) {
            struct sim_msg *list;
            size_t n = sim_state_list(s, set.p[i].fid, K_LINK, &list);
            for (size_t k = 0; k < n; k++)
                tset_add(&set, list[k].target_fid, SRC_FOLLOW, false);
            free(list);
        }
        level_start = level_end;
        level_end = set.n;
    }
    qsort(set.p, set.n, sizeof(*set.p), cmp_target);
    fc_buf_printf(out, "{\"seed\":%llu,\"fids\":%llu,\"tick\":%u,\"flavour\":\"%s\",\"targets\":[",
                  (unsigned long long)s->p.seed, (unsigned long long)s->p.n_fids, s->head_tick,
                  s->p.flavour == SIM_SNAPCHAIN ? "snapchain" : "hubble");
    for (size_t i = 0; i < set.n; i++) {
        if (i)
            fc_buf_puts(out, ",\n");
        write_target(s, &set.p[i], out);
    }
    fc_buf_puts(out, "]}\n");
    fc_vec_free(&set);
}
