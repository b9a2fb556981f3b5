/* fuzz_segment.c - libFuzzer target for the segment reader: analyze trusts
 * what segment_open() accepts, so every index it hands out must resolve and
 * every record must be readable, whatever bytes are on disk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct segment_reader r;
	struct seg_cursor c = { 0, 0 };
	const struct seg_record *x;
	uint64_t n = 0, sum = 0;
	void *buf = aligned_alloc(8, (size + 7) & ~(size_t)7 ? (size + 7) & ~(size_t)7 : 8);

	memcpy(buf, data, size);
	if (segment_open_mem(&r, buf, size) == SEG_OK) {
		while ((x = segment_next(&r, &c))) {
			struct span ua, ref;

			if (!segment_string_get(&r, x->ua, &ua) ||
			    !segment_string_get(&r, x->ref, &ref))
				abort();
			for (size_t i = 0; i < ua.len; i++)
				sum += (uint8_t)ua.ptr[i];
			sum += segment_string_hash(&r, x->ref) + (uint64_t)x->ts_ms;
			n++;
		}
		if (n != r.events)
			abort();
		segment_close(&r);
	}
	free(buf);
	return (int)(sum & 0);
}
