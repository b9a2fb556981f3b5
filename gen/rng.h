/* rng.h - the generator's randomness: xoshiro256** seeded through
 * splitmix64, a stateless 64-bit mixer for per-visitor facts, and Vose alias
 * tables for O(1) draws from skewed (Zipf-like) weights.
 *
 * Ownership: struct rng is plain state the caller owns; an alias table owns
 * two arrays, freed by alias_release(). */
#ifndef ADLOG_GEN_RNG_H
#define ADLOG_GEN_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seed the four state words from one 64-bit seed (splitmix64). */
void rng_seed(struct rng *r, uint64_t seed);

/* splitmix64's finalizer: a bijective, well-mixed hash of x. */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman & Vigna): 64 random bits. */
static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return out;
}

/* Uniform integer in [0, n) from the top 32 bits of x (Lemire's multiply;
 * the bias for n << 2^32 is far below anything the model can show). */
static inline uint32_t rng_scale(uint64_t x, uint32_t n)
{
	return (uint32_t)(((x >> 32) * (uint64_t)n) >> 32);
}

static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return rng_scale(rng_next(r), n);
}

/* Uniform double in [0, 1). */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* True with probability p. */
static inline int rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Standard normal deviate (Box-Muller, one of the pair). */
double rng_normal(struct rng *r);
/* Uniform in [lo, hi), and log-uniform (every factor of ten alike). */
double rng_uniform(struct rng *r, double lo, double hi);
double rng_log_uniform(struct rng *r, double lo, double hi);

/* Vose's alias method over n weights. */
struct alias {
	uint32_t n;
	uint32_t *prob;   /* keep i when the low 32 bits are below prob[i] */
	uint32_t *alias;
};

/* Build from n >= 1 weights (>= 0, sum > 0).  Returns 0, -ENOMEM or
 * -EINVAL. */
int alias_init(struct alias *a, const double *w, uint32_t n);
void alias_release(struct alias *a);

/* Index drawn with probability w[i] / sum(w), from 64 random bits x. */
static inline uint32_t alias_pick_bits(const struct alias *a, uint64_t x)
{
	uint32_t i = rng_scale(x, a->n);

	return (uint32_t)x < a->prob[i] ? i : a->alias[i];
}

static inline uint32_t alias_pick(const struct alias *a, struct rng *r)
{
	return alias_pick_bits(a, rng_next(r));
}

#endif
