/* fuzz_segment.c - libFuzzer target for the segment reader: analyze trusts
 * what segment_open() accepts, so every index it hands out must resolve and
 * every record must be readable, whatever bytes are on disk.  Each input is
 * read twice: as it is, and with its checksums made right (the header's,
 * every block's and the END block's chain, docs/segment-format.md), so that
 * mutations reach the checks behind the checksums. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "segment.h"

#define BT_END 3            /* block types, docs/segment-format.md */
#define END_CHAIN_AT 32     /* the chain's offset in the END payload */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Rewrite every checksum of the segment in buf as a writer would, for as
 * far as the block lengths stay inside the buffer. */
static void fix_checksums(uint8_t *buf, size_t size)
{
	uint64_t chain, off = SEG_HEADER_SIZE;

	if (size < SEG_HEADER_SIZE)
		return;
	put64(buf + 56, XXH3_64bits(buf, 56));
	chain = get64(buf + 56);
	while (size - off >= SEG_BLOCK_HEADER_SIZE) {
		uint8_t *h = buf + off, *pl = h + SEG_BLOCK_HEADER_SIZE;
		uint64_t len = get64(h + 8), sum;
		uint32_t type;

		memcpy(&type, h, 4);
		off += SEG_BLOCK_HEADER_SIZE;
		if (len > size - off)
			break;
		if (type == BT_END && len >= END_CHAIN_AT + 8)
			put64(pl + END_CHAIN_AT, chain);
		sum = XXH3_64bits(pl, len);
		put64(h + 16, sum);
		put64(h + 24, XXH3_64bits(h, 24));
		chain = XXH3_64bits_withSeed(&sum, sizeof(sum), chain);
		off += len;
	}
}

static uint64_t read_all(void *buf, size_t size)
{
	struct segment_reader r;
	struct seg_cursor c = { 0, 0 };
	const struct seg_record *x;
	uint64_t n = 0, sum = 0;

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
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = (size + 7) & ~(size_t)7;
	void *buf = aligned_alloc(8, cap ? cap : 8);
	uint64_t sum;

	memcpy(buf, data, size);
	sum = read_all(buf, size);
	fix_checksums(buf, size);
	sum += read_all(buf, size);
	free(buf);
	return (int)(sum & 0);
}
