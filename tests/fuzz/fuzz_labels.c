/* fuzz_labels.c - libFuzzer target for the label side file parser
 * (eval/labels.c): any bytes, line by line, are taken or refused, and
 * what was taken stays inside its tables: every event's and publisher's
 * label exists, every name is snake_case and bounded, every class one of
 * four, and lookups find what was listed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../eval/labels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct labels L;
	const char *p = (const char *)data, *end = p + size;

	labels_init(&L);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len <= LABELS_LINE_MAX)
			labels_line(&L, p, len);
		p += len + 1;
	}
	labels_finish(&L);
	if (L.nlabels > LABELS_MAX || L.npubs > LABELS_PUBS_MAX)
		abort();
	for (unsigned l = 0; l < L.nlabels; l++) {
		size_t n = strlen(L.names[l]);

		if (!n || n > LABELS_NAME_MAX || L.cls[l] > 3 ||
		    strspn(L.names[l], "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
			abort();
	}
	for (size_t i = 0; i < L.npubs; i++)
		if (L.pub_label[i] >= L.nlabels)
			abort();
	for (size_t i = 0; i < L.n; i++) {
		if (L.e[i].label >= L.nlabels || (i && L.e[i - 1].id > L.e[i].id))
			abort();
		unsigned got = labels_of(&L, L.e[i].id);

		if (got >= L.nlabels)
			abort();
	}
	labels_release(&L);
	return 0;
}
