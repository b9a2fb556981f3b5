/* mix.h - analyze's one 64-bit mixer, for keys made from a few integers
 * (ids, counters, keys already hashed) without a call into xxhash; tables
 * (table.h) and sketches index by its bits. */
#ifndef ADLOG_ANALYZE_MIX_H
#define ADLOG_ANALYZE_MIX_H

#include <stdint.h>

/* SplitMix64's finaliser: a bijection of the 64-bit integers whose every
 * output bit depends on every input bit.  mix_u64(0) is 0. */
static inline uint64_t mix_u64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Two integers into one mixed key (neither order nor a zero collapses). */
static inline uint64_t mix_pair(uint64_t a, uint64_t b)
{
	return mix_u64(a ^ mix_u64(b ^ 0x9e3779b97f4a7c15ull));
}

#endif
