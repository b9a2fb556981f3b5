/* query.c - the query string, Cookie header and prefetch hints of a request,
 * read with hard bounds.  Anything odd is a defined error, never a guess. */
#include "query.h"

#include <string.h>

#include "parse.h"

int query_parse(const char *qs, size_t len, struct query *q)
{
	size_t i = 0;

	q->n = 0;
	if (len > QUERY_MAX_LEN)
		return QUERY_E_LONG;
	while (i < len) {
		size_t start = i, eq = (size_t)-1;
		struct query_param *p;

		for (; i < len && qs[i] != '&'; i++) {
			unsigned char c = (unsigned char)qs[i];

			if (c < 0x20 || c == 0x7f)
				return QUERY_E_ENCODING;
			if (c == '=' && eq == (size_t)-1)
				eq = i;
			if (c == '%' && (i + 2 >= len ||
					 hex_digit((unsigned char)qs[i + 1]) < 0 ||
					 hex_digit((unsigned char)qs[i + 2]) < 0))
				return QUERY_E_ENCODING;
		}
		if (i > start) {
			if (q->n == QUERY_MAX_PARAMS)
				return QUERY_E_MANY;
			p = &q->p[q->n++];
			p->name = qs + start;
			if (eq == (size_t)-1) {
				p->name_len = i - start;
				p->val = qs + i;
				p->val_len = 0;
			} else {
				p->name_len = eq - start;
				p->val = qs + eq + 1;
				p->val_len = i - eq - 1;
			}
		}
		i++;  /* skip '&' */
	}
	return QUERY_OK;
}

int query_get(const struct query *q, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name), o = 0;
	const struct query_param *hit = NULL;

	for (size_t i = 0; i < q->n; i++) {
		if (q->p[i].name_len != nlen || memcmp(q->p[i].name, name, nlen))
			continue;
		if (hit)
			return QUERY_E_DUP;
		hit = &q->p[i];
	}
	if (!hit)
		return QUERY_E_ABSENT;
	for (size_t i = 0; i < hit->val_len; i++) {
		unsigned char c = (unsigned char)hit->val[i];

		if (c == '%') {
			/* query_parse checked both digits exist */
			c = (unsigned char)(hex_digit(hit->val[i + 1]) << 4 |
					    hex_digit(hit->val[i + 2]));
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f)
			return QUERY_E_VALUE;
		if (o + 1 >= cap)
			return QUERY_E_VALUE;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

int query_get_id(const struct query *q, const char *name, uint32_t *out)
{
	char buf[16];
	uint64_t v;
	int n = query_get(q, name, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (parse_dec(buf, (size_t)n, 4294967295u, &v) || v == 0)
		return QUERY_E_VALUE;
	*out = (uint32_t)v;
	return 0;
}

const char *query_err_name(int err)
{
	switch (err) {
	case QUERY_OK: return "ok";
	case QUERY_E_LONG: return "query too long";
	case QUERY_E_MANY: return "too many parameters";
	case QUERY_E_ENCODING: return "bad encoding";
	case QUERY_E_ABSENT: return "missing parameter";
	case QUERY_E_DUP: return "duplicate parameter";
	case QUERY_E_VALUE: return "bad parameter";
	default: return "bad request";
	}
}

bool cookie_find(const char *hdr, size_t len, const char *name,
		 const char **val, size_t *val_len)
{
	size_t nlen = strlen(name), i = 0;

	while (i < len) {
		size_t start, end, eq;

		while (i < len && (hdr[i] == ' ' || hdr[i] == '\t' || hdr[i] == ';'))
			i++;
		start = i;
		while (i < len && hdr[i] != ';')
			i++;
		end = i;
		while (end > start && (hdr[end - 1] == ' ' || hdr[end - 1] == '\t'))
			end--;
		for (eq = start; eq < end && hdr[eq] != '='; eq++)
			;
		if (eq < end) {
			size_t ne = eq;

			while (ne > start && hdr[ne - 1] == ' ')
				ne--;
			if (ne - start == nlen && !memcmp(hdr + start, name, nlen)) {
				size_t vs = eq + 1;

				while (vs < end && hdr[vs] == ' ')
					vs++;
				if (end - vs >= 2 && hdr[vs] == '"' &&
				    hdr[end - 1] == '"') {
					vs++;
					end--;
				}
				*val = hdr + vs;
				*val_len = end - vs;
				return true;
			}
		}
	}
	return false;
}

static bool contains_ci(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= len; i++) {
		size_t j = 0;

		while (j < wl && (s[i + j] | 0x20) == word[j])
			j++;
		if (j == wl)
			return true;
	}
	return false;
}

bool purpose_is_prefetch(const char *v, size_t len)
{
	return contains_ci(v, len, "prefetch") ||
	       contains_ci(v, len, "prerender") ||
	       contains_ci(v, len, "preview");
}

/* Host of a well-formed origin, or len 0. */
static size_t origin_host(const char *o, size_t len, const char **host)
{
	size_t i, start, end, label = 0;

	if (len > ORIGIN_MAX)
		return 0;
	if (len > 7 && !memcmp(o, "http://", 7))
		start = 7;
	else if (len > 8 && !memcmp(o, "https://", 8))
		start = 8;
	else
		return 0;
	for (i = start; i < len && o[i] != ':'; i++) {
		char c = o[i];

		if (c == '.') {
			if (!label)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-') {
			label++;
		} else {
			return 0;
		}
	}
	if (!label)
		return 0;       /* empty host, or a trailing dot */
	end = i;
	if (i < len) {
		uint32_t port = 0;

		if (++i == len || i + 5 < len || o[i] == '0')
			return 0;
		for (; i < len; i++) {
			if (o[i] < '0' || o[i] > '9')
				return 0;
			port = port * 10 + (uint32_t)(o[i] - '0');
		}
		if (port > 65535)
			return 0;
	}
	*host = o + start;
	return end - start;
}

bool origin_allowed(const char *origin, size_t len, const char *domains)
{
	const char *host, *d = domains;
	size_t hl = origin_host(origin, len, &host);

	if (!hl || !strcmp(domains, "-"))
		return false;
	while (*d) {
		const char *comma = strchr(d, ',');
		size_t dl = comma ? (size_t)(comma - d) : strlen(d);

		if (dl && (hl == dl || (hl > dl && host[hl - dl - 1] == '.')) &&
		    !memcmp(host + hl - dl, d, dl))
			return true;
		if (!comma)
			break;
		d = comma + 1;
	}
	return false;
}
