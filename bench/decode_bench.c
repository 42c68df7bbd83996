/* Decoder throughput against the bare yajl parser (no callbacks), the yajl
 * tree parser and the decoder's own JSON scanner with nothing to do per
 * token, in the same run, on a ~1 MB castsByFid page and a ~1 MB events
 * page rendered by the simulator. Writes the pages to files so the node
 * comparison (bench/decode.sh) parses the same bytes.
 * usage: decode_bench OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "core/json_scan.h"
#include "fc/decode.h"
#include "model.h"
#include "render.h"
#include "state.h"

static size_t count;
static void on_item(void *ud, const struct fc_item *it)
{
    (void)ud;
    (void)it;
    count++;
}

typedef void (*run_fn)(const char *p, size_t n);

static void run_bare(const char *p, size_t n)
{
    yajl_handle y = yajl_alloc(NULL, NULL, NULL);
    yajl_parse(y, (const unsigned char *)p, n);
    yajl_complete_parse(y);
    yajl_free(y);
}

static void run_tree(const char *p, size_t n)
{
    (void)n;
    char err[64];
    yajl_val v = yajl_tree_parse(p, err, sizeof(err));
    yajl_tree_free(v);
}

static bool no_event(void *ud)
{
    (void)ud;
    return true;
}
static bool no_bool(void *ud, bool v)
{
    (void)ud;
    (void)v;
    return true;
}
static bool no_text(void *ud, const char *s, size_t n)
{
    (void)ud;
    (void)s;
    (void)n;
    return true;
}
static const struct fc_json_sink no_sink = {no_event, no_bool, no_text, no_text, no_text,
                                            no_event, no_event, no_event, no_event};

static void run_scan(const char *p, size_t n)
{
    static struct fc_json_scan s; /* reused, as the decoder reuses its own */
    fc_json_scan_reset(&s, &no_sink, NULL);
    enum fc_json_status st = FC_JSON_OK;
    for (size_t off = 0; off < n && st == FC_JSON_OK; off += 16384)
        st = fc_json_scan_feed(&s, p + off, n - off < 16384 ? n - off : 16384);
    if (st == FC_JSON_OK)
        st = fc_json_scan_finish(&s);
    if (st != FC_JSON_OK) {
        fprintf(stderr, "decode_bench: the page does not scan: %s\n", s.error);
        exit(1);
    }
}

static struct fc_decoder *reused;

static void run_decode(const char *p, size_t n)
{
    /* one decoder per worker, reset between pages, as the hub client does */
    if (!reused)
        reused = fc_decoder_new(FC_PAGE_AUTO, on_item, NULL);
    else
        fc_decoder_reset(reused, FC_PAGE_AUTO, on_item, NULL);
    struct fc_decoder *d = reused;
    struct fc_diag diag;
    /* fed in 16 KiB chunks, as curl's write callback delivers them */
    enum fc_err err = FC_OK;
    for (size_t off = 0; off < n && !err; off += 16384)
        err = fc_decoder_feed(d, p + off, n - off < 16384 ? n - off : 16384, &diag);
    if (!err)
        err = fc_decoder_finish(d, NULL, &diag);
    if (err) {
        fprintf(stderr, "decode_bench: the page does not decode: %s\n", diag.msg);
        exit(1);
    }
}

static double mbps(run_fn fn, const char *p, size_t n, size_t *iters)
{
    int64_t start = fc_now_mono_ms(), now;
    size_t i = 0;
    do {
        fn(p, n);
        i++;
        now = fc_now_mono_ms();
    } while (now - start < 1500);
    *iters = i;
    return (double)n * (double)i / 1e6 / ((double)(now - start) / 1000.0);
}

int main(int argc, char **argv)
{
    const char *outdir = argc > 1 ? argv[1] : "/tmp";
    struct sim_params p = {.seed = 7, .n_fids = 5000, .shards = 2, .flavour = SIM_SNAPCHAIN,
                           .apps = {9152}, .n_apps = 1};
    /* The busiest account's first 1000 casts. */
    uint64_t best = 1;
    for (uint64_t f = 1; f <= 2000; f++)
        if (sim_count(&p, f, K_CAST) > sim_count(&p, best, K_CAST))
            best = f;
    struct sim_fid_data *d = sim_fid_generate(&p, best);
    struct fc_buf casts = FC_BUF_INIT;
    fc_buf_puts(&casts, "{\"messages\":[");
    size_t nmsg = d->n[K_CAST] < 1000 ? d->n[K_CAST] : 1000;
    for (size_t i = 0; i < nmsg; i++) {
        if (i)
            fc_buf_putc(&casts, ',');
        sim_render_message(&p, &d->list[K_CAST][i], &casts);
    }
    fc_buf_puts(&casts, "],\"nextPageToken\":\"\"}");
    sim_fid_data_free(d);

    struct sim_state s;
    sim_state_init(&s, &p, 86400, 1000);
    sim_state_advance(&s, 2);
    struct fc_buf events = FC_BUF_INIT;
    /* events pages are rendered by the server; reuse its JSON via the handler is
     * heavier than needed here, so approximate with merge events of the casts */
    fc_buf_puts(&events, "{\"events\":[");
    for (size_t i = 0; i < nmsg; i++) {
        if (i)
            fc_buf_putc(&events, ',');
        fc_buf_printf(&events, "{\"type\":\"HUB_EVENT_TYPE_MERGE_MESSAGE\",\"id\":%zu,"
                               "\"mergeMessageBody\":{\"message\":", (size_t)114688016385 + i);
        struct fc_buf one = FC_BUF_INIT;
        struct sim_fid_data *dd = sim_fid_generate(&p, 1 + i % 500);
        if (dd->n[K_LINK])
            sim_render_message(&p, &dd->list[K_LINK][0], &one);
        else
            sim_render_message(&p, &dd->list[K_USERDATA][0], &one);
        sim_fid_data_free(dd);
        fc_buf_append(&events, one.data, one.len);
        fc_buf_cleanup(&one);
        fc_buf_puts(&events, ",\"deletedMessages\":[]},\"blockNumber\":7000001,\"shardIndex\":1}");
    }
    fc_buf_puts(&events, "]}");
    sim_state_cleanup(&s);

    struct {
        const char *name;
        struct fc_buf *page;
    } pages[] = {{"castsByFid", &casts}, {"events", &events}};
    printf("%-12s %9s %12s %12s %12s %12s %10s %10s\n", "page", "bytes", "bare_MB/s",
           "tree_MB/s", "scan_MB/s", "decode_MB/s", "msgs/s", "vs_bare");
    for (int k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s.json", outdir, pages[k].name);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(pages[k].page->data, 1, pages[k].page->len, f);
            fclose(f);
        }
        size_t it_bare, it_tree, it_scan, it_dec;
        const char *pd = pages[k].page->data;
        size_t pn = pages[k].page->len;
        double bare = mbps(run_bare, pd, pn, &it_bare);
        double tree = mbps(run_tree, pd, pn, &it_tree);
        double scan = mbps(run_scan, pd, pn, &it_scan);
        count = 0;
        double dec = mbps(run_decode, pd, pn, &it_dec);
        double per_page = (double)count / (double)it_dec;
        printf("%-12s %9zu %12.0f %12.0f %12.0f %12.0f %10.0f %9.0f%%\n", pages[k].name, pn, bare,
               tree, scan, dec, dec * 1e6 / (double)pn * per_page, 100.0 * dec / bare);
    }
    fc_buf_cleanup(&casts);
    fc_buf_cleanup(&events);
    fc_decoder_free(reused);
    return 0;
}
