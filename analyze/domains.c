/* domains.c - publishers' registered domains and the referer host test
 * (domains.h, docs/rules.md "foreign_referer").  A publisher is looked up
 * once an event, in analyze's table (table.h). */
#include "domains.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The most publishers with domains: the cap only stops a runaway
 * inventory file from taking the machine's memory. */
#define PUB_DOMAINS_PUBS_MAX (1u << 24)

struct pub_domains_entry {
	uint32_t pub;                  /* the key */
	uint32_t n;
	char *dom[PUB_DOMAINS_MAX];    /* lower case */
};

/* Hosts that serve a publisher's page under their own name and write the
 * page's own host into their first label (the AMP Cache URL format,
 * developers.google.com/amp/cache/overview: "-" doubled, "." as "-"). */
static const char *const proxy_suffix[] = {
	".cdn.ampproject.org",          /* Google AMP Cache */
	".translate.goog",              /* Google Translate's page proxy */
};

/* Hosts of page caches that keep the origin only in the path: a referer
 * from them says nothing of where the ad was shown. */
static const char *const opaque_host[] = {
	"webcache.googleusercontent.com",
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

void pub_domains_init(struct pub_domains *d)
{
	memset(&d->pubs, 0, sizeof(d->pubs));
}

static void entry_clear(struct pub_domains_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->dom[i]);
	e->n = 0;
}

void pub_domains_release(struct pub_domains *d)
{
	struct pub_domains_entry *e;

	for (size_t i = 0; (e = table_next(&d->pubs, &i, NULL)); )
		entry_clear(e);
	table_release(&d->pubs);
}

int pub_domains_set(struct pub_domains *d, uint32_t pub, const char *csv)
{
	struct pub_domains_entry *e;
	const char *p = csv;
	bool isnew;

	if (!d->pubs.ssize &&
	    table_init(&d->pubs, sizeof(pub), sizeof(*e), PUB_DOMAINS_PUBS_MAX,
		       NULL))
		return -ENOMEM;
	if (!(e = table_put(&d->pubs, mix_u64(pub), &pub, &isnew)))
		return -ENOMEM;
	entry_clear(e);
	if (!strcmp(csv, "-"))
		return 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			char *s;

			if (len > PUB_DOMAIN_LEN || e->n == PUB_DOMAINS_MAX)
				return -EINVAL;
			if (!(s = malloc(len + 1)))
				return -ENOMEM;
			for (size_t i = 0; i < len; i++)
				s[i] = lower(p[i]);
			s[len] = '\0';
			e->dom[e->n++] = s;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

/* The host of an absolute URL: *host, *len; false if none. */
static bool url_host(struct span ref, const char **host, size_t *len)
{
	const char *s = ref.ptr, *e = ref.ptr + ref.len, *h;
	size_t i;

	for (i = 0; i + 2 < ref.len && i < 10; i++)
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
			break;
	if (i + 2 >= ref.len || i >= 10)
		return false;
	h = s + i + 3;
	*host = h;
	for (const char *q = h; q < e && *q != '/' && *q != '?' && *q != '#';
	     q++)
		if (*q == '@')
			*host = q + 1;
	for (h = *host; h < e && *h != '/' && *h != '?' && *h != '#' &&
	     *h != ':'; h++)
		;
	*len = (size_t)(h - *host);
	return *len > 0;
}

/* Is host (len bytes, any case) dom or a name under it? */
static bool host_under(const char *host, size_t len, const char *dom)
{
	size_t dl = strlen(dom);

	if (len < dl)
		return false;
	for (size_t i = 0; i < dl; i++)
		if (lower(host[len - dl + i]) != dom[i])
			return false;
	return len == dl || host[len - dl - 1] == '.';
}

static bool host_is(const char *host, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(host[i]) != name[i])
			return false;
	return true;
}

/* The first label of a proxy host, decoded into out ("--" -> "-", "-" ->
 * "."): the host of the page the proxy serves.  Returns its length, 0
 * when host is no such proxy's. */
static size_t proxied_host(const char *host, size_t len, char *out,
			   size_t cap)
{
	for (size_t k = 0; k < sizeof(proxy_suffix) / sizeof(*proxy_suffix); k++) {
		size_t sl = strlen(proxy_suffix[k]), n = 0, lab;

		if (len <= sl || !host_under(host, len, proxy_suffix[k] + 1))
			continue;
		lab = len - sl;
		if (memchr(host, '.', lab) || host[len - sl] != '.')
			return 0;       /* a name deeper than one label */
		for (size_t i = 0; i < lab && n < cap; i++) {
			if (host[i] == '-' && i + 1 < lab && host[i + 1] == '-') {
				out[n++] = '-';
				i++;
			} else {
				out[n++] = host[i] == '-' ? '.' : host[i];
			}
		}
		return n < cap ? n : 0;
	}
	return 0;
}

enum pub_ref pub_domains_class(const struct pub_domains *d, uint32_t pub,
			       struct span ref)
{
	const struct pub_domains_entry *e;
	char origin[PUB_DOMAIN_LEN + 1];
	const char *host;
	size_t len, olen;

	if (!pub_domains_any(d) || !ref.len)
		return PUB_REF_NONE;
	e = table_find(&d->pubs, mix_u64(pub), &pub);
	if (!e || !e->n)
		return PUB_REF_NONE;
	if (!url_host(ref, &host, &len))
		return PUB_REF_NO_HOST;
	for (size_t k = 0; k < sizeof(opaque_host) / sizeof(*opaque_host); k++)
		if (host_is(host, len, opaque_host[k]))
			return PUB_REF_NONE;
	olen = proxied_host(host, len, origin, sizeof(origin));
	if (olen) {
		host = origin;
		len = olen;
	}
	for (size_t i = 0; i < e->n; i++)
		if (host_under(host, len, e->dom[i]))
			return PUB_REF_INSIDE;
	return PUB_REF_OUTSIDE;
}
