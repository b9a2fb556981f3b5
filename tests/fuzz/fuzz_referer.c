/* fuzz_referer.c - libFuzzer target for pubscore's referer classifier, which
 * reads the referer text of every logged event (untrusted: any page can send
 * any Referer).  Input: a domain list, a NUL byte, then the referer.  A
 * referer must classify without reading past its length, and a host that
 * is exactly a registered domain must be inside. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/pubscore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pubscore ps;
	struct pubscore_params p;
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
	pubscore_params_default(&p);
	if (pubscore_init(&ps, &p))
		abort();
	if (pubscore_set_domains(&ps, 1, domains) == 0) {
		c = pubscore_ref_class(&ps, 1, (struct span){ ref, rlen });
		if (c != PUB_REF_NONE && c != PUB_REF_INSIDE &&
		    c != PUB_REF_OUTSIDE)
			abort();
		if (rlen == 0 && c != PUB_REF_NONE)
			abort();
	}
	pubscore_release(&ps);
	free(domains);
	free(ref);
	return 0;
}
