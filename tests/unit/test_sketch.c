/* test_sketch.c - the sketches keep the error bounds docs/rules.md states:
 * Bloom false positives at 8 and 16 bits per key, count-min over-counts
 * (never under), Space-Saving heavy hitters and their merge. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "../../analyze/sketch.h"

static uint64_t key(uint64_t i)
{
	return XXH3_64bits(&i, sizeof(i));
}

static double bloom_fp(unsigned log2_bits, uint64_t n)
{
	struct sketch_bloom b;
	uint64_t fp = 0, probes = 200000;

	assert_int_equal(sketch_bloom_init(&b, log2_bits), 0);
	for (uint64_t i = 0; i < n; i++)
		sketch_bloom_add(&b, key(i));
	for (uint64_t i = 0; i < n; i++)
		assert_true(sketch_bloom_has(&b, key(i)));   /* no false negative */
	for (uint64_t i = 0; i < probes; i++)
		fp += sketch_bloom_has(&b, key(n + i));
	sketch_bloom_release(&b);
	return (double)fp / (double)probes;
}

static void test_bloom_rates(void **state)
{
	double fp8, fp16;

	(void)state;
	fp8 = bloom_fp(20, (1u << 20) / 8);
	fp16 = bloom_fp(20, (1u << 20) / 16);
	print_message("bloom fp: %.4f at 8 bits/key, %.4f at 16\n", fp8, fp16);
	assert_true(fp8 < 0.03);
	assert_true(fp16 < 0.005);
}

static void test_bloom_add_reports_presence(void **state)
{
	struct sketch_bloom b;

	(void)state;
	assert_int_equal(sketch_bloom_init(&b, 16), 0);
	assert_false(sketch_bloom_add(&b, 12345));
	assert_true(sketch_bloom_add(&b, 12345));
	assert_false(sketch_bloom_add_in(&b, 12345, 777));
	assert_true(sketch_bloom_add_in(&b, 12345, 777));
	assert_int_equal(b.added, 2);
	sketch_bloom_clear(&b);
	assert_false(sketch_bloom_has(&b, 12345));
	sketch_bloom_release(&b);
	assert_int_equal(sketch_bloom_init(&b, 8), -EINVAL);
}

/* A Zipf-like stream over 200k keys into 2^14 lines (2^18 counters): the
 * estimate is never below the truth, and the over-count is small. */
static void test_cms_overcount(void **state)
{
	struct sketch_cms c;
	enum { K = 200000 };
	uint32_t *truth = calloc(K, sizeof(uint32_t));
	uint64_t total = 0, over_bound = 0, sum_err = 0;
	double bound;

	(void)state;
	assert_non_null(truth);
	assert_int_equal(sketch_cms_init(&c, 14, 3, 1), 0);
	for (uint64_t i = 0; i < K; i++) {
		uint32_t n = (uint32_t)(1 + 20000 / (i + 1));

		truth[i] = n;
		sketch_cms_add(&c, key(i), n);
		total += n;
	}
	assert_int_equal(c.total[0], total);
	bound = sketch_cms_error(&c, 0);
	for (uint64_t i = 0; i < K; i++) {
		uint32_t est = sketch_cms_get(&c, key(i));

		assert_true(est >= truth[i]);
		sum_err += est - truth[i];
		over_bound += est - truth[i] > bound;
	}
	print_message("cms: N %llu, e*N/w %.1f, mean over-count %.2f, "
		      "share over e*N/w %.4f\n", (unsigned long long)total,
		      bound, (double)sum_err / K, (double)over_bound / K);
	/* the unblocked guarantee is e^-3 = 5%; blocking must stay near it */
	assert_true((double)over_bound / K < 0.05);
	sketch_cms_release(&c);
	free(truth);
}

static void test_cms_two_quantities_one_line(void **state)
{
	struct sketch_cms c;

	(void)state;
	assert_int_equal(sketch_cms_init(&c, 10, 3, 2), 0);
	sketch_cms_add_in(&c, 5, 0, 7);
	sketch_cms_add_in(&c, 5, 1, 3);
	/* parts never share counters */
	assert_int_equal(sketch_cms_get_in(&c, 5, 0), 7);
	assert_int_equal(sketch_cms_get_in(&c, 5, 1), 3);
	assert_int_equal(sketch_cms_get_in(&c, 6, 0), 0);
	assert_int_equal(c.total[0], 7);
	assert_int_equal(c.total[1], 3);
	/* saturates, never wraps */
	sketch_cms_add(&c, 99, UINT32_MAX - 1);
	assert_int_equal(sketch_cms_add(&c, 99, 5), UINT32_MAX);
	sketch_cms_release(&c);
	assert_int_equal(sketch_cms_init(&c, 10, 9, 2), -EINVAL);
}

static void test_topk(void **state)
{
	struct sketch_topk t;
	uint64_t err, top;

	(void)state;
	sketch_topk_init(&t, 16);
	/* 3 heavy keys with 300, 200, 100 among 5000 singletons */
	for (int i = 0; i < 5000; i++) {
		sketch_topk_add(&t, key(1000000 + (uint64_t)i), 1);
		if (i % 10 == 0)
			sketch_topk_add(&t, 1, 6);
		if (i % 25 == 0)
			sketch_topk_add(&t, 2, 10);
		if (i % 50 == 0)
			sketch_topk_add(&t, 3, 10);
	}
	top = sketch_topk_top(&t, 3, &err);
	/* true top-3 sum 3000 + 2000 + 1000 = 6000, within N/k per key */
	assert_true(top >= 6000);
	assert_true(top - err <= 6000);
	assert_true(top - 6000 <= 3 * t.total / 16);
	assert_int_equal(t.total, 5000 + 3000 + 2000 + 1000);
}

static void test_topk_merge(void **state)
{
	struct sketch_topk a, b, one;
	uint64_t ea, eo, ta, to;

	(void)state;
	sketch_topk_init(&a, 8);
	sketch_topk_init(&b, 8);
	sketch_topk_init(&one, 8);
	for (int i = 0; i < 2000; i++) {
		uint64_t k = i % 4 == 0 ? 7 : key((uint64_t)i);
		struct sketch_topk *half = i < 1000 ? &a : &b;

		sketch_topk_add(half, k, 1);
		sketch_topk_add(&one, k, 1);
	}
	sketch_topk_merge(&a, &b);
	assert_int_equal(a.total, 2000);
	ta = sketch_topk_top(&a, 1, &ea);
	to = sketch_topk_top(&one, 1, &eo);
	/* key 7 has 500: both find it, both within N/k */
	assert_true(ta >= 500 && ta - ea <= 500);
	assert_true(to >= 500 && to - eo <= 500);
	assert_true(ta - 500 <= 2000 / 8 * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bloom_rates),
		cmocka_unit_test(test_bloom_add_reports_presence),
		cmocka_unit_test(test_cms_overcount),
		cmocka_unit_test(test_cms_two_quantities_one_line),
		cmocka_unit_test(test_topk),
		cmocka_unit_test(test_topk_merge),
	};

	return cmocka_run_group_tests_name("sketch", tests, NULL, NULL);
}
