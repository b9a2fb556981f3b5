/* httpget.h - the smallest HTTP client adlog-admin status needs: one
 * HTTP/1.0 GET of a plain http:// URL (serve's /status behind nginx) over
 * a TCP socket, every step bounded by one deadline.  No TLS, no redirects.
 *
 * Ownership: the body returned is malloc'd; the caller frees it. */
#ifndef ADLOG_HTTPGET_H
#define ADLOG_HTTPGET_H

#include <stddef.h>

#define HTTPGET_MAX_BODY (64u << 10)   /* bytes kept of a response */

/* Split "http://HOST[:PORT][/PATH]" into its parts (HOST may be [v6]).
 * path points into url ("/" when absent).  Returns 0, or -1 when url is
 * not of that form or a part does not fit. */
int http_url_parse(const char *url, char *host, size_t hostcap, char *port,
		   size_t portcap, const char **path);

/* The status code of a response's first line ("HTTP/1.1 200 OK" -> 200),
 * and where its body starts (after the blank line) in *body_off.  Returns
 * -1 when resp (len bytes) is not an HTTP response head. */
int http_response_status(const char *resp, size_t len, size_t *body_off);

/* GET url within timeout_ms in all.  Returns the HTTP status code with the
 * body (NUL-terminated, at most HTTPGET_MAX_BODY bytes) in *body and its
 * length in *len; or -1 with the reason in err ("connection refused",
 * "timed out after 2000 ms"). */
int http_get(const char *url, int timeout_ms, char **body, size_t *len,
	     char *err, size_t errlen);

#endif
