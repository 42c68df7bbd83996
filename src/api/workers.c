/* The query workers: requests that need the database (or whose checks do)
 * wait in one queue for a worker, so the connection threads never wait on
 * PostgreSQL and keep answering /healthz, the cache's hits and the UI. */
#include "api/server_parts.h"

#include <pthread.h>
#include <stdlib.h>

static void *query_worker(void *arg)
{
    struct fc_api *api = arg;
    for (;;) {
        pthread_mutex_lock(&api->work_lock);
        while (!api->work_head && !api->work_stop)
            pthread_cond_wait(&api->work_cond, &api->work_lock);
        struct conn_state *cs = api->work_head;
        if (!cs) { /* stopping and drained */
            pthread_mutex_unlock(&api->work_lock);
            return NULL;
        }
        api->work_head = cs->next;
        if (!api->work_head)
            api->work_tail = NULL;
        api->work_len--;
        pthread_mutex_unlock(&api->work_lock);
        fc_api_conn_serve(api, cs);
        cs->done = true;
        fc_api_conn_resume(cs);
    }
}

void fc_api_workers_start(struct fc_api *api)
{
    pthread_mutex_init(&api->work_lock, NULL);
    pthread_cond_init(&api->work_cond, NULL);
    api->n_workers = (size_t)api->cfg->db_pool_size;
    api->workers = fc_xcalloc(api->n_workers, sizeof(pthread_t));
    for (size_t i = 0; i < api->n_workers; i++)
        pthread_create(&api->workers[i], NULL, query_worker, api);
}

bool fc_api_workers_push(struct fc_api *api, struct conn_state *cs)
{
    pthread_mutex_lock(&api->work_lock);
    bool full = api->work_stop || api->work_len >= (size_t)api->cfg->api_max_connections;
    if (!full) {
        fc_api_conn_suspend(cs); /* before a worker can resume it */
        cs->next = NULL;
        if (api->work_tail)
            api->work_tail->next = cs;
        else
            api->work_head = cs;
        api->work_tail = cs;
        api->work_len++;
        pthread_cond_signal(&api->work_cond);
    }
    pthread_mutex_unlock(&api->work_lock);
    return !full;
}

void fc_api_workers_stop(struct fc_api *api)
{
    pthread_mutex_lock(&api->work_lock);
    api->work_stop = true;
    pthread_cond_broadcast(&api->work_cond);
    pthread_mutex_unlock(&api->work_lock);
    for (size_t i = 0; i < api->n_workers; i++)
        pthread_join(api->workers[i], NULL);
    free(api->workers);
    api->workers = NULL;
    api->n_workers = 0;
}

void fc_api_workers_free(struct fc_api *api)
{
    pthread_mutex_destroy(&api->work_lock);
    pthread_cond_destroy(&api->work_cond);
}
