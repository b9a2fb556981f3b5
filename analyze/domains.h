/* domains.h - publishers' registered domains, as the inventory file lists
 * them (docs/inventory-format.md), and where an event's referer points
 * relative to them.  The one place a referer's host is matched: the
 * foreign_referer rule and the publisher score both ask here.
 *
 * Ownership: the caller owns struct pub_domains; pub_domains_release()
 * frees every domain it holds.  Lookups do not allocate. */
#ifndef ADLOG_ANALYZE_DOMAINS_H
#define ADLOG_ANALYZE_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "table.h"

#define PUB_DOMAINS_MAX 256       /* a publisher's domains */
#define PUB_DOMAIN_LEN 253        /* a DNS name's longest text */

/* Where an event's referer points, relative to its publisher's domains. */
enum pub_ref {
	PUB_REF_NONE = 0,       /* empty, a page cache that hides its origin,
				   or a publisher without domains: unknown */
	PUB_REF_INSIDE,         /* host is a registered domain or under one
				   (also through an AMP cache or Google
				   Translate proxy host that names it) */
	PUB_REF_OUTSIDE,        /* a host, not the publisher's */
	PUB_REF_NO_HOST,        /* text that is no absolute URL */
};

struct pub_domains {
	struct table pubs;          /* struct pub_domains_entry by publisher id */
};

void pub_domains_init(struct pub_domains *d);
void pub_domains_release(struct pub_domains *d);

/* Register publisher pub's domains: comma-separated ("a.com,b.org") as in
 * the inventory file, or "-"/"" for none; replaces what pub had.  Returns
 * 0 or -ENOMEM/-EINVAL (more than PUB_DOMAINS_MAX, one too long). */
int pub_domains_set(struct pub_domains *d, uint32_t pub, const char *csv);

/* Has any publisher registered domains? */
static inline bool pub_domains_any(const struct pub_domains *d)
{
	return d->pubs.n != 0;
}

/* Classify a referer (escaped text as in the event line) for publisher
 * pub: its host against pub's registered domains. */
enum pub_ref pub_domains_class(const struct pub_domains *d, uint32_t pub,
			       struct span ref);

#endif
