/* loop.c - epoll request threads over libfcgi (see loop.h).  libfcgi reads
 * and answers one request per connection with blocking I/O; this file only
 * decides when: a connection is read when epoll reports it readable, so a
 * thread never parks on an idle kept connection.
 *
 * Trust: the socket is nginx's alone (mode 0660).  nginx sends a request
 * whole with one writev, so the blocking read finds it all there.  A peer
 * that sends part of a request and stops holds the thread for one read
 * timeout (IO_TIMEOUT_MS) and is closed; one that trickles bytes holds it
 * longer, and libfcgi itself can be crashed by a hostile peer (docs/serve.md
 * "Trust").  No socket access, no such peer.
 *
 * Counted once: a request nginx has given up on (its connection closed) or
 * passed on more than request_max_age_ms ago is neither logged nor handled
 * (docs/serve.md "Stalls and retries"). */
#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "parse.h"

#define STACK_BYTES (256 * 1024)
#define ACCEPT_BURST 64
#define IO_TIMEOUT_MS 1000        /* one blocking read or write, at most */
#define ACCEPT_PAUSE_MS 100       /* out of descriptors: stop accepting this long */

struct conn {
	FCGX_Request rq;
	struct conn *prev, *next;         /* the thread's connections */
};

struct loop_thread {
	pthread_t tid;
	struct serve_loop *l;
	struct serve_worker w;
	int ep;
	int64_t accept_paused;            /* mono ms accepting stopped, or 0 */
	_Atomic int running;
	char *out;                        /* APP_BATCH_MAX answers */
	size_t len[APP_BATCH_MAX];
	struct conn *ready[APP_BATCH_MAX];
	struct conn *conns;               /* every connection it accepted */
};

static char listen_tag, wake_tag;     /* epoll data of the two fixed fds */

static int watch(int ep, int fd, void *ptr, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Bound each blocking read and write libfcgi makes on the connection: a
 * peer that sends half a request and stops, or stops reading, gets its
 * connection closed after IO_TIMEOUT_MS. */
static int set_timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, IO_TIMEOUT_MS % 1000 * 1000 };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	       setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void conn_add(struct loop_thread *t, struct conn *c)
{
	c->prev = NULL;
	c->next = t->conns;
	if (t->conns)
		t->conns->prev = c;
	t->conns = c;
}

/* Forget a connection libfcgi has closed (or close it), and free it. */
static void conn_drop(struct loop_thread *t, struct conn *c)
{
	if (c->rq.ipcFd >= 0)
		FCGX_Free(&c->rq, 1);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Out of descriptors (or another hard accept error): the socket stays
 * readable, so stop watching it for ACCEPT_PAUSE_MS instead of spinning. */
static void accept_failed(struct loop_thread *t)
{
	static struct ratelimit rl = { .interval_ms = 10000 };

	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
	    errno == ECONNABORTED)
		return;
	diag_ratelimited(&rl, "cannot accept a connection: %s (pausing %d ms)",
			 strerror(errno), ACCEPT_PAUSE_MS);
	if (epoll_ctl(t->ep, EPOLL_CTL_DEL, t->l->listen_fd, NULL) == 0)
		t->accept_paused = clock_mono_ms();
}

static void accept_resume(struct loop_thread *t)
{
	if (t->accept_paused &&
	    clock_mono_ms() - t->accept_paused >= ACCEPT_PAUSE_MS &&
	    watch(t->ep, t->l->listen_fd, &listen_tag, EPOLLIN | EPOLLEXCLUSIVE) == 0)
		t->accept_paused = 0;
}

/* Take the connections waiting on the socket into this thread's set.  A
 * fresh request struct is marked "keep" so that libfcgi's FCGX_Accept_r,
 * which first finishes the previous request, does not close it, and
 * "detached" so that closing it does not linger (libfcgi's OS_Close would
 * wait up to 2 s for the peer to finish sending). */
static void accept_burst(struct loop_thread *t)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(t->l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			accept_failed(t);
			return;
		}
		c = malloc(sizeof(*c));
		if (!c || FCGX_InitRequest(&c->rq, -1, 0) || set_timeouts(fd) ||
		    watch(t->ep, fd, c, EPOLLIN | EPOLLRDHUP)) {
			diag_err("cannot take a connection: %s", strerror(errno));
			free(c);
			close(fd);
			continue;
		}
		c->rq.ipcFd = fd;
		c->rq.keepConnection = 1;
		FCGX_Detach(&c->rq);
		conn_add(t, c);
	}
}

/* the FastCGI parameters serve reads (conf/nginx.conf passes only these) */
static const struct {
	const char *name;
	size_t off;
} params[] = {
#define P(name, field) { name, offsetof(struct serve_request, field) }
	P("REQUEST_METHOD", method), P("DOCUMENT_URI", uri),
	P("QUERY_STRING", query), P("REMOTE_ADDR", addr),
	P("HTTP_COOKIE", cookie), P("HTTP_USER_AGENT", ua),
	P("HTTP_REFERER", referer), P("HTTP_ACCEPT_LANGUAGE", accept_lang),
	P("HTTP_ORIGIN", origin),
	P("HTTP_PURPOSE", purpose), P("HTTP_SEC_PURPOSE", sec_purpose),
	P("HTTP_X_PURPOSE", x_purpose), P("HTTP_X_MOZ", x_moz),
#undef P
};

/* nginx's $msec ("1733340000.123") as Unix ms, or -1. */
static int64_t msec_parse(const char *s)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	uint64_t sec;
	int64_t ms = 0;

	if (!dot || strlen(dot) != 4 ||
	    parse_dec(s, (size_t)(dot - s), 99999999999ULL, &sec))
		return -1;
	for (int i = 1; i < 4; i++) {
		if (dot[i] < '0' || dot[i] > '9')
			return -1;
		ms = ms * 10 + (dot[i] - '0');
	}
	return (int64_t)sec * 1000 + ms;
}

/* Whether nginx passed the request on more than max_ms ago (REQUEST_START,
 * its $msec): nginx may give up on it before the answer is back. */
static bool too_old(FCGX_Request *rq, int64_t max_ms)
{
	int64_t start;

	if (!max_ms)
		return false;
	start = msec_parse(FCGX_GetParam("REQUEST_START", rq->envp));
	return start >= 0 && clock_real_ms() - start > max_ms;
}

static const char late_answer[] =
	"Status: 503 Service Unavailable\r\nCache-Control: no-store\r\n"
	"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nlate\n";

/* nginx closed the connection: it has stopped waiting for the answer and
 * may have sent the request elsewhere.  Count it if a request was there. */
static void abandon(struct loop_thread *t, struct conn *c)
{
	int pending = 0;

	if (ioctl(c->rq.ipcFd, FIONREAD, &pending) == 0 && pending > 0)
		stats_add(&t->w.app->stats.t[t->w.idx].abandoned, 1);
	conn_drop(t, c);
}

/* Read the connection's next request and handle it into answer slot k.
 * False when the connection is gone: libfcgi found EOF or a protocol error
 * and closed it (with no listening socket of its own to fall back on, its
 * accept fails at once), or the parameters were cut short - libfcgi then
 * returns what it read, which must not become an event. */
static bool take_request(struct loop_thread *t, struct conn *c, size_t k)
{
	FCGX_Request *rq = &c->rq;
	struct serve_request r;
	int status;

	if (FCGX_Accept_r(rq) < 0 || FCGX_GetError(rq->in)) {
		conn_drop(t, c);
		return false;
	}
	t->w.at[k].file = 0;              /* no line yet */
	if (too_old(rq, t->l->app->cfg->serve.request_max_age_ms)) {
		stats_add(&t->w.app->stats.t[t->w.idx].late, 1);
		memcpy(t->out + k * APP_OUT_MAX, late_answer, sizeof(late_answer) - 1);
		t->len[k] = sizeof(late_answer) - 1;
		return true;
	}
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		*(const char **)((char *)&r + params[i].off) =
			FCGX_GetParam(params[i].name, rq->envp);
	t->len[k] = app_handle(&t->w, k, &r, t->out + k * APP_OUT_MAX, &status);
	return true;
}

/* Send answer k; a connection nginx did not ask to keep is closed by
 * libfcgi here.  Closing the streams (stderr first, so that stdout's close
 * sends the answer and the end of the request in one write) tells whether
 * the answer reached nginx: on a local socket a write fails at once once
 * nginx has closed the connection, and then its event is retracted.
 * nginx had given up on it (read timeout, client gone) and may have
 * passed the request to the other responder, which logs it afresh. */
static void answer(struct loop_thread *t, size_t k)
{
	struct conn *c = t->ready[k];

	FCGX_PutStr(t->out + k * APP_OUT_MAX, (int)t->len[k], c->rq.out);
	FCGX_FClose(c->rq.err);
	if (FCGX_FClose(c->rq.out))
		app_retract(&t->w, k);
	FCGX_Finish_r(&c->rq);
	if (c->rq.ipcFd < 0)
		conn_drop(t, c);
}

/* A test's freeze (docs/serve.md): ADLOG_TEST_STALL=NODE:MS makes the
 * responder of that node sleep MS once, between writing the lines of its
 * first batch that has any and sending their answers. */
static int64_t test_stall_of(unsigned node)
{
	const char *s = getenv("ADLOG_TEST_STALL");
	unsigned n;
	long long ms;

	if (!s || sscanf(s, "%u:%lld", &n, &ms) != 2 || n != node || ms <= 0)
		return 0;
	return ms;
}

static void test_stall(struct serve_loop *l)
{
	int64_t ms = atomic_exchange(&l->test_stall_ms, 0);
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	if (ms)
		nanosleep(&ts, NULL);
}

static void *thread_main(void *arg)
{
	struct loop_thread *t = arg;
	struct epoll_event ev[APP_BATCH_MAX];

	while (!atomic_load(&t->l->stopping)) {
		int n = epoll_wait(t->ep, ev, APP_BATCH_MAX,
				   t->accept_paused ? ACCEPT_PAUSE_MS : -1);
		size_t k = 0;

		accept_resume(t);
		for (int i = 0; i < n; i++) {
			void *ptr = ev[i].data.ptr;

			if (ptr == &listen_tag)
				accept_burst(t);
			else if (ptr == &wake_tag)
				continue;
			else if (ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				abandon(t, ptr);
			else if (take_request(t, ptr, k))
				t->ready[k++] = ptr;
		}
		bool wrote = t->w.lines_n > 0;

		app_flush(&t->w);          /* the lines first, then the answers */
		if (wrote && atomic_load(&t->l->test_stall_ms))
			test_stall(t->l);
		for (size_t j = 0; j < k; j++)
			answer(t, j);
	}
	while (t->conns)                   /* idle kept connections */
		conn_drop(t, t->conns);
	atomic_store(&t->running, 0);
	return NULL;
}

static int thread_init(struct loop_thread *t, struct serve_loop *l, size_t i)
{
	t->l = l;
	t->out = malloc((size_t)APP_BATCH_MAX * APP_OUT_MAX);
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!t->out || t->ep < 0 || worker_init(&t->w, l->app, i) ||
	    watch(t->ep, l->listen_fd, &listen_tag, EPOLLIN | EPOLLEXCLUSIVE) ||
	    watch(t->ep, l->wake_fd, &wake_tag, EPOLLIN))
		return -1;
	return 0;
}

int loop_start(struct serve_loop *l, struct serve_app *app, int listen_fd,
	       size_t nthreads)
{
	pthread_attr_t attr;
	int rc = 0;

	l->app = app;
	l->listen_fd = listen_fd;
	l->n = 0;
	atomic_store(&l->stopping, 0);
	atomic_store(&l->test_stall_ms, test_stall_of(app->node));
	l->wake_fd = eventfd(0, EFD_CLOEXEC);
	l->t = calloc(nthreads, sizeof(*l->t));
	if (l->wake_fd < 0 || !l->t ||
	    fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK))
		return -1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_BYTES);
	for (size_t i = 0; i < nthreads && !rc; i++) {
		struct loop_thread *t = &l->t[i];

		atomic_store(&t->running, 1);
		if (thread_init(t, l, i) ||
		    pthread_create(&t->tid, &attr, thread_main, t))
			rc = -1;
		else
			l->n++;
	}
	pthread_attr_destroy(&attr);
	if (rc)
		loop_stop(l, 1000);
	return rc;
}

static size_t busy(struct serve_loop *l)
{
	size_t r = 0;

	for (size_t i = 0; i < l->n; i++)
		r += (size_t)atomic_load(&l->t[i].running);
	return r;
}

size_t loop_stop(struct serve_loop *l, int64_t wait_ms)
{
	int64_t deadline = clock_mono_ms() + wait_ms;
	struct timespec ms20 = { 0, 20 * 1000000 };
	uint64_t one = 1;

	atomic_store(&l->stopping, 1);
	if (write(l->wake_fd, &one, sizeof(one)) != sizeof(one))
		diag_err("cannot wake the request threads: %s", strerror(errno));
	while (busy(l) && clock_mono_ms() < deadline)
		nanosleep(&ms20, NULL);
	return busy(l);
}
