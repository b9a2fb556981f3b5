/* loop.h - the request threads of one responder process.  Each thread has
 * its own epoll set holding the listening socket (EPOLLEXCLUSIVE, so one
 * thread wakes per new connection) and the connections it accepted, so a
 * kept nginx connection costs a file descriptor, not a thread.  The
 * requests ready at one epoll_wait form a batch: each is read and handled
 * (libfcgi, app_handle), their event lines go to the file with one write(2)
 * (app_flush), and only then are the answers sent.
 *
 * Ownership: the caller owns struct serve_loop and the listening socket;
 * the loop owns its threads, epoll sets and accepted connections. */
#ifndef ADLOG_SERVE_LOOP_H
#define ADLOG_SERVE_LOOP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

struct loop_thread;

struct serve_loop {
	struct serve_app *app;
	int listen_fd;
	int wake_fd;                /* eventfd: readable once stopping */
	_Atomic int stopping;
	size_t n;
	struct loop_thread *t;
	_Atomic int64_t test_stall_ms;  /* ADLOG_TEST_STALL (docs/serve.md) */
};

/* Start nthreads threads answering on listen_fd (made non-blocking).
 * Returns 0, or -1 with errno when a thread could not start (the ones
 * started are stopped again). */
int loop_start(struct serve_loop *l, struct serve_app *app, int listen_fd,
	       size_t nthreads);

/* Stop accepting; every thread finishes the batch in hand (its lines
 * written, its answers sent) and exits.  Waits up to wait_ms; returns the
 * number of threads still busy then. */
size_t loop_stop(struct serve_loop *l, int64_t wait_ms);

#endif
