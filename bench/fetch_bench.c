/* Fetch + decode pages/s from a hub against plain libcurl fetching the same
 * pages (no decode), in the same run with the same number of threads, each
 * thread with its own reused connection.
 * usage: fetch_bench HUB_URL THREADS SECONDS FIDS */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fctime.h"
#include "hub/client.h"

static const char *hub_url;
static int seconds, fids;
static struct fc_hub_client *client;

struct result {
    uint64_t pages, bytes, items;
};

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    ((struct result *)ud)->bytes += s * n;
    return s * n;
}

static void count_item(void *ud, const struct fc_item *it)
{
    (void)it;
    ((struct result *)ud)->items++;
}

static void *raw_worker(void *arg)
{
    struct result *r = arg;
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    int64_t end = fc_now_mono_ms() + seconds * 1000;
    for (unsigned long i = (unsigned long)(uintptr_t)r % 97; fc_now_mono_ms() < end; i++) {
        char url[256];
        snprintf(url, sizeof(url), "%s/v1/castsByFid?fid=%lu&pageSize=1000", hub_url,
                 1 + i % (unsigned long)fids);
        curl_easy_setopt(e, CURLOPT_URL, url);
        if (curl_easy_perform(e) == CURLE_OK)
            r->pages++;
    }
    curl_easy_cleanup(e);
    return NULL;
}

static void *decode_worker(void *arg)
{
    struct result *r = arg;
    struct fc_hub_conn *conn = fc_hub_conn_new(client);
    int64_t end = fc_now_mono_ms() + seconds * 1000;
    for (unsigned long i = (unsigned long)(uintptr_t)r % 97; fc_now_mono_ms() < end; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/v1/castsByFid?fid=%lu&pageSize=1000",
                 1 + i % (unsigned long)fids);
        struct fc_diag d;
        if (fc_hub_get(conn, path, FC_PAGE_MESSAGES, -1, count_item, r, NULL, &d) == FC_OK)
            r->pages++;
    }
    fc_hub_conn_free(conn);
    return NULL;
}

static struct result run(void *(*fn)(void *), int threads)
{
    pthread_t t[64];
    struct result r[64];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, fn, &r[i]);
    struct result sum = {0, 0, 0};
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        sum.pages += r[i].pages;
        sum.bytes += r[i].bytes;
        sum.items += r[i].items;
    }
    return sum;
}

int main(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    hub_url = argv[1];
    int threads = atoi(argv[2]);
    seconds = atoi(argv[3]);
    fids = atoi(argv[4]);
    if (threads < 1 || threads > 64)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct fc_hub_conf h;
    memset(&h, 0, sizeof(h));
    h.name = (char *)hub_url;
    h.url = (char *)hub_url;
    h.connect_timeout_ms = 2000;
    h.timeout_ms = 30000;
    h.budget_burst = 1;
    struct fc_hub_client_options o = {.hubs = &h, .n_hubs = 1, .retries = 2};
    struct fc_diag d;
    if (fc_hub_client_new(&o, &client, &d))
        return 1;
    struct result raw = run(raw_worker, threads);
    struct result dec = run(decode_worker, threads);
    double rps = (double)raw.pages / seconds, dps = (double)dec.pages / seconds;
    printf("threads=%d  curl only: %.0f pages/s (%.0f MB/s)  fetch+decode: %.0f pages/s, "
           "%.0f messages/s  ratio %.0f%%\n",
           threads, rps, (double)raw.bytes / 1e6 / seconds, dps, (double)dec.items / seconds,
           100.0 * dps / rps);
    fc_hub_client_free(client);
    curl_global_cleanup();
    return 0;
}
