/* fuzz_cidr.c - libFuzzer target for the data-centre list reader (its
 * lines come from providers' feeds through adlog-update-datacenters): any
 * text is loaded or refused with a name:line message; a loaded table,
 * less special-purpose space and written as CIDRs, reads back as the same
 * addresses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static bool same(const struct cidr_table *a, const struct cidr_table *b)
{
	return a->n4 == b->n4 && a->n6 == b->n6 &&
	       (!a->n4 || !memcmp(a->v4, b->v4, a->n4 * sizeof(*a->v4))) &&
	       (!a->n6 || !memcmp(a->v6, b->v6, a->n6 * sizeof(*a->v6)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_table t, back;
	char err[256], *w = NULL;
	size_t wlen = 0;
	FILE *f;

	cidr_init(&t);
	if (cidr_add_text(&t, (const char *)data, size, "fuzz", err, sizeof(err))) {
		if (strncmp(err, "fuzz:", 5))
			abort();
		cidr_release(&t);
		return 0;
	}
	cidr_finish(&t);
	if (cidr_remove_special(&t) || !(f = open_memstream(&w, &wlen)))
		abort();
	if (cidr_write(&t, f) || fclose(f))
		abort();
	cidr_init(&back);
	if (cidr_add_text(&back, w, wlen, "written", err, sizeof(err)))
		abort();
	cidr_finish(&back);
	if (!same(&t, &back))
		abort();
	for (size_t i = 0; i < t.n4; i++) {
		struct event_addr a = { .family = 4 };
		uint32_t x = t.v4[i].hi;

		a.bytes[0] = (uint8_t)(x >> 24);
		a.bytes[1] = (uint8_t)(x >> 16);
		a.bytes[2] = (uint8_t)(x >> 8);
		a.bytes[3] = (uint8_t)x;
		if (!cidr_contains(&t, &a))
			abort();
	}
	free(w);
	cidr_release(&back);
	cidr_release(&t);
	return 0;
}
