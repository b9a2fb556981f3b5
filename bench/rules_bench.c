/* rules_bench.c - per-event cost and memory of analyze's activity rules
 * (analyze/rules.c and its rule_*.c families) on a synthetic hour, in
 * batches (rules) or one record
 * at a time (rules1), against the obvious exact
 * alternative: the same pass-1 facts (user agents per uid, impressions per
 * address) kept exactly in uthash tables, one malloc per key.  Built and run by bench/rules.sh.
 *
 *   rules_bench error N    per-address impressions against exact counts
 *   rules_bench rules|rules1|exact|gen N     prints "mode N cpu_seconds ns/event rss_mb"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <uthash.h>
#include <xxhash.h>

#include "../analyze/rules.h"

#define T0 1767229200000LL

struct gen {
	uint64_t n, i, visitors, addrs;
	uint64_t last_imp;
	int64_t last_ts;
};

static uint64_t rnd(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The i-th record of a deterministic hour: ~8 events per visitor, 10%
 * cookieless, addresses shared by ~1.4 visitors on average plus a few big
 * NAT pools, 0.5% clicks, 500 user agents. */
static void gen_next(struct gen *g, struct seg_record *r, uint64_t *ua)
{
	uint64_t h = rnd(g->i), v = h % g->visitors;
	uint64_t vh = rnd(v ^ 0xabcdef), addr;

	memset(r, 0, sizeof(*r));
	r->ts_ms = T0 + (int64_t)(g->i * 3600000 / g->n);
	r->id = g->i + 1;
	addr = (vh >> 8) % 16 == 0 ? (vh >> 20) % 200 : (vh >> 20) % g->addrs;
	r->ip_family = 4;
	r->ip[10] = r->ip[11] = 0xff;
	memcpy(r->ip + 12, &addr, 4);
	r->has_uid = vh % 10 != 0;
	if (r->has_uid)
		memcpy(r->uid, &vh, 8);
	r->zone = 1 + (uint32_t)((h >> 16) % 5000);
	r->ad = 1 + (uint32_t)((h >> 32) % 2000);
	r->pub = r->zone / 10;
	*ua = rnd(vh % 500);
	if ((h >> 48) % 200 == 0 && g->last_imp) {
		r->type = 'c';
		r->imp = g->last_imp;
		r->flags = EVENT_F_TOKEN_VALID;
	} else {
		r->type = 'i';
		g->last_imp = r->id;
		g->last_ts = r->ts_ms;
	}
	g->i++;
}

static bool cb_imp(void *ctx, uint64_t imp, int64_t *ts)
{
	(void)ctx;
	*ts = T0 + (int64_t)imp % 3600000 - 5000;
	return imp % 97 != 0;
}

static bool cb_saw(void *ctx, const struct seg_record *c, uint64_t v)
{
	(void)ctx;
	(void)c;
	return v % 13 != 0;
}

struct key_ent {
	uint64_t key;
	uint32_t n;
	UT_hash_handle hh;
};

/* Exact counterpart of pass 1: a counter per key. */
static uint32_t exact_bump(struct key_ent **t, uint64_t key)
{
	struct key_ent *e;

	HASH_FIND(hh, *t, &key, sizeof(key), e);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			abort();
		e->key = key;
		HASH_ADD(hh, *t, key, sizeof(key), e);
	}
	return ++e->n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Per address, the rules' estimate of its impressions against the exact
 * count: prints the mean, 99th-percentile and largest over-count. */
static uint64_t sketch_error(struct gen *g)
{
	struct rules rl;
	struct rules_params p;
	struct rules_lookback lb = { NULL, cb_imp, cb_saw, NULL, NULL, NULL };
	struct key_ent *imps = NULL, *e, *tmp;
	struct seg_record r;
	uint64_t ua, n = 0;
	uint32_t *over;
	double sum = 0;

	rules_params_default(&p);
	if (rules_init(&rl, &p, &lb))
		abort();
	rules_begin_hour(&rl, T0);
	for (uint64_t i = 0; i < g->n; i++) {
		gen_next(g, &r, &ua);
		rules_observe(&rl, &r, ua);
		if (r.type == 'i')
			exact_bump(&imps, rules_addr_key(&r));
	}
	rules_end_observe(&rl);
	over = calloc(HASH_COUNT(imps) + 1, sizeof(uint32_t));
	if (!over)
		abort();
	HASH_ITER(hh, imps, e, tmp) {
		over[n] = rules_addr_imps(&rl, e->key) - e->n;
		sum += over[n];
		n++;
	}
	qsort(over, n, sizeof(uint32_t), cmp_u32);
	fprintf(stderr, "  %llu addresses: impressions over-count mean %.2f "
		"p99 %u max %u\n", (unsigned long long)n, sum / n,
		over[n * 99 / 100], over[n - 1]);
	rules_release(&rl);
	free(over);
	return n;
}

/* CPU seconds of this process: the machine is shared, wall time is not
 * what one core costs. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct gen g = { 0 };
	struct seg_record r;
	uint64_t ua, sink = 0;
	double t;
	struct rusage ru;
	const char *mode;

	if (argc != 3) {
		fprintf(stderr, "usage: rules_bench rules|rules1|exact|gen|error N\n");
		return 2;
	}
	mode = argv[1];
	g.n = strtoull(argv[2], NULL, 10);
	g.visitors = g.n / 8 + 1;
	g.addrs = g.visitors * 10 / 14 + 1;
	t = now_s();
	if (!strcmp(mode, "gen")) {
		for (int pass = 0; pass < 2; pass++) {
			g.i = 0;
			for (uint64_t i = 0; i < g.n; i++) {
				gen_next(&g, &r, &ua);
				sink += r.id ^ ua;
			}
		}
	} else if (!strcmp(mode, "rules") || !strcmp(mode, "rules1")) {
		bool one = !strcmp(mode, "rules1");
		struct rules rl;
		struct rules_params p;
		struct rules_lookback lb = { NULL, cb_imp, cb_saw, NULL, NULL, NULL };

		rules_params_default(&p);
		if (rules_init(&rl, &p, &lb))
			return 1;
		rules_begin_hour(&rl, T0);
		for (int pass = 0; pass < 2; pass++) {
			struct seg_record buf[RULES_BATCH];
			const struct seg_record *ptr[RULES_BATCH];
			uint64_t uas[RULES_BATCH];
			uint32_t bits[RULES_BATCH];

			g.i = 0;
			for (uint64_t i = 0; i < g.n; i += RULES_BATCH) {
				size_t m = g.n - i < RULES_BATCH ?
					   g.n - i : RULES_BATCH;

				for (size_t j = 0; j < m; j++) {
					gen_next(&g, &buf[j], &uas[j]);
					ptr[j] = &buf[j];
				}
				if (one && pass == 0)
					for (size_t j = 0; j < m; j++)
						rules_observe(&rl, ptr[j], uas[j]);
				else if (one)
					for (size_t j = 0; j < m; j++)
						sink += rules_event(&rl, ptr[j],
								    uas[j]);
				else if (pass == 0)
					rules_observe_batch(&rl, ptr, uas, m);
				else
					rules_event_batch(&rl, ptr, uas, m,
							  bits);
				sink += bits[0];
			}
			if (pass == 0)
				rules_end_observe(&rl);
		}
		for (unsigned b = 0; b < IVT__COUNT; b++)
			if (ivt_reason_name(IVT_FIRST_BIT + b))
				fprintf(stderr, "  %-14s %llu\n",
					ivt_reason_name(IVT_FIRST_BIT + b),
					(unsigned long long)rl.st.flagged[b]);
		fprintf(stderr, "  rules_memory %.1f MB, table_full %llu\n",
			rules_memory(&rl) / 1048576.0,
			(unsigned long long)rl.st.table_full);
		rules_release(&rl);
	} else if (!strcmp(mode, "error")) {
		sink += sketch_error(&g);
	} else {
		struct key_ent *imps = NULL, *uids = NULL;

		for (uint64_t i = 0; i < g.n; i++) {
			uint64_t a, k[2];

			gen_next(&g, &r, &ua);
			a = rules_addr_key(&r);
			if (r.type == 'i')
				exact_bump(&imps, a);
			if (r.has_uid) {
				k[0] = rules_visitor_key(&r, ua);
				k[1] = ua;
				exact_bump(&uids, XXH3_64bits_withSeed(k, 16, 2));
				exact_bump(&uids, k[0]);
			}
		}
		g.i = 0;
		for (uint64_t i = 0; i < g.n; i++) {
			struct key_ent *e;
			uint64_t a;

			gen_next(&g, &r, &ua);
			a = rules_addr_key(&r);
			HASH_FIND(hh, imps, &a, sizeof(a), e);
			sink += e ? e->n : 0;
		}
		sink += HASH_COUNT(uids);
	}
	t = now_s() - t;
	getrusage(RUSAGE_SELF, &ru);
	printf("%s %llu %.3f %.1f %.1f\n", mode, (unsigned long long)g.n, t,
	       t * 1e9 / (double)g.n, ru.ru_maxrss / 1024.0);
	return sink == 42 ? 1 : 0;
}
