/* httpget.c - one bounded HTTP/1.0 GET for adlog-admin status.  A server
 * that is down, slow or answers garbage is an answer to report, never a
 * hang: connect, send and every read share one deadline. */
#include "httpget.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "parse.h"

static int copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int http_url_parse(const char *url, char *host, size_t hostcap, char *port,
		   size_t portcap, const char **path)
{
	const char *p = url, *h, *hend, *slash;
	uint64_t num;

	if (strncmp(p, "http://", 7))
		return -1;
	p += 7;
	slash = strchr(p, '/');
	*path = slash ? slash : "/";
	hend = slash ? slash : p + strlen(p);
	if (memchr(p, '@', (size_t)(hend - p)))
		return -1;              /* no credentials in a status URL */
	h = p;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(hend - h));

		if (!rb || copy_part(host, hostcap, h + 1, (size_t)(rb - h - 1)))
			return -1;
		p = rb + 1;
	} else {
		const char *colon = memchr(h, ':', (size_t)(hend - h));

		p = colon ? colon : hend;
		if (copy_part(host, hostcap, h, (size_t)(p - h)))
			return -1;
	}
	if (p == hend)
		return copy_part(port, portcap, "80", 2);
	if (*p != ':' || parse_dec(p + 1, (size_t)(hend - p - 1), 65535, &num) ||
	    num == 0)
		return -1;
	return copy_part(port, portcap, p + 1, (size_t)(hend - p - 1));
}

int http_response_status(const char *resp, size_t len, size_t *body_off)
{
	const char *sp, *eol, *blank = NULL;
	uint64_t code;

	if (len < 12 || memcmp(resp, "HTTP/1.", 7))
		return -1;
	sp = memchr(resp, ' ', len);
	if (!sp || (size_t)(sp - resp) + 4 > len ||
	    parse_dec(sp + 1, 3, 999, &code) || code < 100)
		return -1;
	eol = memchr(resp, '\n', len);
	if (!eol || eol < sp + 4)
		return -1;
	for (const char *q = eol; q && q < resp + len; ) {
		const char *next = memchr(q + 1, '\n', (size_t)(resp + len - q - 1));

		if (!next)
			break;
		/* "\n\n" or "\n\r\n": the end of the head */
		if (next == q + 1 || (next == q + 2 && q[1] == '\r')) {
			blank = next + 1;
			break;
		}
		q = next;
	}
	if (!blank)
		return -1;
	*body_off = (size_t)(blank - resp);
	return (int)code;
}

/* Wait for events on fd until deadline; 0 ready, -1 timed out or failed. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - clock_mono_ms();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0 || errno != EINTR)
			return -1;
	}
}

static int connect_to(const char *host, const char *port, int64_t deadline,
		      int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int fd = -1, e = 0, r;

	r = getaddrinfo(host, port, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
			 gai_strerror(r));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		socklen_t elen = sizeof(e);

		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			if (wait_fd(fd, POLLOUT, deadline)) {
				e = ETIMEDOUT;
			} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) ||
				   e == 0) {
				e = 0;
				break;
			}
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		if (e == ETIMEDOUT)
			snprintf(err, errlen, "connect timed out after %d ms",
				 timeout_ms);
		else
			snprintf(err, errlen, "%s", strerror(e));
	}
	return fd;
}

int http_get(const char *url, int timeout_ms, char **body, size_t *len,
	     char *err, size_t errlen)
{
	char host[256], port[8], req[1024], *buf = NULL;
	const char *path;
	int64_t deadline = clock_mono_ms() + timeout_ms;
	size_t got = 0, cap = HTTPGET_MAX_BODY + 4096, off = 0, sent = 0;
	int fd, code = -1, n;

	*body = NULL;
	*len = 0;
	if (http_url_parse(url, host, sizeof(host), port, sizeof(port), &path)) {
		snprintf(err, errlen, "bad URL '%s' (want http://HOST[:PORT]/PATH)",
			 url);
		return -1;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
		     "User-Agent: adlog-admin/" ADLOG_VERSION "\r\n"
		     "Connection: close\r\n\r\n", path, host);
	if (n < 0 || (size_t)n >= sizeof(req) || strpbrk(path, " \r\n")) {
		snprintf(err, errlen, "bad URL path in '%s'", url);
		return -1;
	}
	fd = connect_to(host, port, deadline, timeout_ms, err, errlen);
	if (fd < 0)
		return -1;
	while (sent < (size_t)n) {
		ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);

		if (w > 0) {
			sent += (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "send: %s", strerror(errno));
			goto out_close;
		} else if (wait_fd(fd, POLLOUT, deadline)) {
			snprintf(err, errlen, "timed out after %d ms", timeout_ms);
			goto out_close;
		}
	}
	if (!(buf = malloc(cap + 1))) {
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
	while (got < cap) {
		ssize_t r = recv(fd, buf + got, cap - got, 0);

		if (r > 0) {
			got += (size_t)r;
		} else if (r == 0) {
			break;
		} else if (errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "recv: %s", strerror(errno));
			goto out_close;
		} else if (wait_fd(fd, POLLIN, deadline)) {
			snprintf(err, errlen, "timed out after %d ms", timeout_ms);
			goto out_close;
		}
	}
	code = http_response_status(buf, got, &off);
	if (code < 0) {
		snprintf(err, errlen, "not an HTTP response");
		goto out_close;
	}
	got -= off;
	if (got > HTTPGET_MAX_BODY)
		got = HTTPGET_MAX_BODY;
	memmove(buf, buf + off, got);
	buf[got] = '\0';
	*body = buf;
	*len = got;
	buf = NULL;
out_close:
	free(buf);
	close(fd);
	return *body ? code : -1;
}
