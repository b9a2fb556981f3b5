/* fuzz_referer.c - libFuzzer target for the referer classifier
 * (domains.h), which reads the referer text of every logged event
 * (untrusted: any page can send any Referer).  Input: a domain list, a NUL byte, then the referer.  A
 * referer must classify without reading past its length, and a host that
 * is exactly a registered domain must be inside. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/domains.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pub_domains d;
	const uint8_t *nul = memchr(data, 0, size);
	char *domains, *ref;
	size_t dlen, rlen;
	enum pub_ref c;

	if (!nul)
		return 0;
	dlen = (size_t)(nul - data);
	rlen = size - dlen - 1;
	domains = malloc(dlen + 1);
	ref = malloc(rlen ? rlen : 1);   /* exact size: ASan sees overreads */
	if (!domains || !ref)
		abort();
	memcpy(domains, data, dlen);
	domains[dlen] = '\0';
	memcpy(ref, nul + 1, rlen);
	pub_domains_init(&d);
	if (pub_domains_set(&d, 1, domains) == 0) {
		c = pub_domains_class(&d, 1, (struct span){ ref, rlen });
		if (c != PUB_REF_NONE && c != PUB_REF_INSIDE &&
		    c != PUB_REF_OUTSIDE && c != PUB_REF_NO_HOST)
			abort();
		if (rlen == 0 && c != PUB_REF_NONE)
			abort();
	}
	pub_domains_release(&d);
	free(domains);
	free(ref);
	return 0;
}
