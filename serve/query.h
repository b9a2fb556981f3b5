/* query.h - bounded readers of the untrusted parts of a request: the query
 * string, the Cookie header, the prefetch hint headers and the Origin.
 *
 * Ownership: nothing here allocates; a struct query points into the
 * caller's query string, which must outlive it. */
#ifndef ADLOG_SERVE_QUERY_H
#define ADLOG_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUERY_MAX_LEN 2048   /* longer query strings are refused */
#define QUERY_MAX_PARAMS 32
#define QUERY_VALUE_MAX 256  /* decoded value of a parameter we read */

enum query_err {
	QUERY_OK = 0,
	QUERY_E_LONG = -1,     /* query string longer than QUERY_MAX_LEN */
	QUERY_E_MANY = -2,     /* more than QUERY_MAX_PARAMS parameters */
	QUERY_E_ENCODING = -3, /* bad %-escape, or a NUL/control byte */
	QUERY_E_ABSENT = -4,   /* no such parameter (query_get) */
	QUERY_E_DUP = -5,      /* parameter given twice (query_get) */
	QUERY_E_VALUE = -6,    /* value too long or not what was asked */
};

struct query_param {
	const char *name, *val;
	size_t name_len, val_len;  /* raw, still %-encoded */
};

struct query {
	struct query_param p[QUERY_MAX_PARAMS];
	size_t n;
};

/* Split a query string into parameters and check every %-escape.  Empty
 * pieces ("a=1&&b=2") are skipped.  Returns QUERY_OK or a negative
 * enum query_err. */
int query_parse(const char *qs, size_t len, struct query *q);

/* Decode the one parameter called name into out (cap bytes, NUL added).
 * Returns the decoded length, or QUERY_E_ABSENT, QUERY_E_DUP (given more
 * than once, even with equal values), QUERY_E_VALUE (does not fit or holds
 * a control byte). */
int query_get(const struct query *q, const char *name, char *out, size_t cap);

/* The parameter as a decimal id 1..4294967295.  Returns 0, QUERY_E_ABSENT,
 * QUERY_E_DUP or QUERY_E_VALUE. */
int query_get_id(const struct query *q, const char *name, uint32_t *out);

/* Short stable name of an error, for messages and counters. */
const char *query_err_name(int err);

/* Find cookie name in a Cookie header.  The first cookie of that name
 * counts; returns its value span in *val or false when absent. */
bool cookie_find(const char *hdr, size_t len, const char *name,
		 const char **val, size_t *val_len);

/* Does a Purpose / Sec-Purpose / X-Purpose / X-Moz header value ask for a
 * prefetch, prerender or preview?  (case-insensitive substring) */
bool purpose_is_prefetch(const char *v, size_t len);

#define ORIGIN_MAX 255       /* longer Origin headers are never granted */

/* Is an Origin header value exactly "http[s]://HOST[:PORT]" (HOST of
 * lowercase letters, digits, '-' and '.', no empty label; PORT 1..65535
 * without leading zero) and HOST one of the comma-separated registered
 * domains, or a name under one (www.example.com under example.com)?  An
 * origin that passes holds only those bytes, so it may be echoed in a
 * header.  domains "-" matches nothing. */
bool origin_allowed(const char *origin, size_t len, const char *domains);

#endif
