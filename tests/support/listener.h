/* A TCP listener on 127.0.0.1 for tests that stand in for a server (a relay,
 * a server that never answers): its thread hands each connection it accepts
 * to a function of the test's until the listener is stopped. */
#ifndef FC_TESTS_LISTENER_H
#define FC_TESTS_LISTENER_H
#include <pthread.h>
#include <stdatomic.h>

#include "support/testenv.h"

struct fct_listener {
    int fd, port; /* the listening socket and its port */
    atomic_bool stop;
    pthread_t thread;
    void (*on_accept)(void *arg, int conn); /* owns conn */
    void *arg;
};

/* Listens at a port the kernel picks (l->port) and starts the thread that
 * accepts; on_accept(arg, conn) runs on that thread. Fails the test when
 * it cannot. */
void fct_listener_start(struct fct_listener *l, void (*on_accept)(void *arg, int conn),
                        void *arg);
/* Stops accepting (within 50 ms), joins the thread, closes the socket. */
void fct_listener_stop(struct fct_listener *l);
#endif
