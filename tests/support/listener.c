#include "support/listener.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *accept_loop(void *arg)
{
    struct fct_listener *l = arg;
    while (!atomic_load(&l->stop)) {
        struct pollfd pfd = {l->fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        int c = accept(l->fd, NULL, NULL);
        if (c >= 0)
            l->on_accept(l->arg, c);
    }
    return NULL;
}

void fct_listener_start(struct fct_listener *l, void (*on_accept)(void *arg, int conn),
                        void *arg)
{
    memset(l, 0, sizeof(*l));
    l->on_accept = on_accept;
    l->arg = arg;
    l->fd = fct_listen_loopback(&l->port);
    assert_int_equal(pthread_create(&l->thread, NULL, accept_loop, l), 0);
}

void fct_listener_stop(struct fct_listener *l)
{
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    close(l->fd);
}
