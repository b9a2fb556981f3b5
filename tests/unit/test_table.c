/* test_table.c - analyze's hash table (analyze/table.h) keeps what it is
 * given: inserts up to its cap and refuses (and counts) the rest, finds by
 * exact key even when hashes collide, removes without losing the entries
 * behind, iterates over each entry once, packs its values; and a random
 * sequence of operations agrees with a plain array. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/table.h"

struct val {
	uint64_t key;
	uint32_t n;
};

/* A hash with many collisions: 16 distinct values. */
static uint64_t bad_hash(uint64_t key)
{
	return key % 16 * 0x100000001ull;
}

static struct val *put(struct table *t, uint64_t h, uint64_t key, bool *isnew)
{
	struct val want = { .key = key };

	return table_put(t, h, &want, isnew);
}

static void test_cap_and_full(void **state)
{
	struct table t;
	uint64_t full = 0;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, 0, sizeof(uint32_t), 100, &full), 0);
	for (uint64_t i = 1; i <= 100; i++) {
		uint32_t *v = table_put(&t, mix_u64(i), NULL, &isnew);

		assert_non_null(v);
		assert_true(isnew);
		assert_int_equal(*v, 0);     /* zeroed on insert */
		*v = (uint32_t)i;
	}
	assert_int_equal(t.n, 100);
	/* the 101st key is refused and counted; known keys still answer */
	assert_null(table_put(&t, mix_u64(101), NULL, &isnew));
	assert_int_equal(full, 1);
	assert_int_equal(*(uint32_t *)table_put(&t, mix_u64(7), NULL, &isnew),
			 7);
	assert_false(isnew);
	assert_int_equal(full, 1);
	assert_null(table_find(&t, mix_u64(101), NULL));
	/* memory is counted, a power of two of slots, at most half full */
	assert_int_equal(table_bytes(&t), t.cap * 16);
	assert_true(t.cap >= 2 * t.n && (t.cap & (t.cap - 1)) == 0);
	/* clear forgets every entry but keeps the cap */
	table_clear(&t);
	assert_int_equal(t.n, 0);
	assert_null(table_find(&t, mix_u64(7), NULL));
	for (uint64_t i = 1; i <= 100; i++)
		assert_non_null(table_put(&t, mix_u64(i + 1000), NULL, &isnew));
	table_release(&t);
}

static void test_dense_fills_three_quarters(void **state)
{
	struct table half, dense;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&half, 0, 8, 1000, NULL), 0);
	assert_int_equal(table_init(&dense, 0, 8, 1000, NULL), 0);
	table_dense(&dense);
	for (uint64_t i = 0; i < 96; i++) {
		assert_non_null(table_put(&half, mix_u64(i), NULL, &isnew));
		assert_non_null(table_put(&dense, mix_u64(i), NULL, &isnew));
	}
	assert_int_equal(half.cap, 256);
	assert_int_equal(dense.cap, 128);       /* 96 = 3/4 of 128 */
	for (uint64_t i = 0; i < 96; i++)
		assert_non_null(table_find(&dense, mix_u64(i), NULL));
	table_release(&half);
	table_release(&dense);
}

static void test_hash_zero_is_a_key(void **state)
{
	struct table t;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, 0, 8, 16, NULL), 0);
	assert_non_null(table_put(&t, 0, NULL, &isnew));
	assert_true(isnew);
	assert_non_null(table_find(&t, 0, NULL));
	assert_int_equal(t.n, 1);
	table_release(&t);
}

static void test_collisions_exact_keys(void **state)
{
	struct table t;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint64_t), sizeof(struct val),
				    10000, NULL), 0);
	for (uint64_t k = 0; k < 1000; k++) {
		struct val *v = put(&t, bad_hash(k), k, &isnew);

		assert_non_null(v);
		assert_true(isnew);
		assert_int_equal(v->key, k);         /* the key is copied */
		v->n = (uint32_t)k * 3;
	}
	for (uint64_t k = 0; k < 1000; k++) {
		const struct val *v = table_find(&t, bad_hash(k), &k);

		assert_non_null(v);
		assert_int_equal(v->key, k);
		assert_int_equal(v->n, k * 3);
	}
	for (uint64_t k = 1000; k < 1100; k++)
		assert_null(table_find(&t, bad_hash(k), &k));
	table_release(&t);
}

static void test_remove_keeps_the_run(void **state)
{
	struct table t;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint64_t), sizeof(struct val),
				    1000, NULL), 0);
	/* one long run of colliding keys, then remove from its middle */
	for (uint64_t k = 0; k < 40; k++)
		put(&t, 5, k, &isnew)->n = (uint32_t)k + 1;
	for (uint64_t k = 0; k < 40; k += 3)
		assert_true(table_remove(&t, 5, &k));
	for (uint64_t k = 0; k < 40; k++) {
		const struct val *v = table_find(&t, 5, &k);

		if (k % 3 == 0) {
			assert_null(v);
		} else {
			assert_non_null(v);
			assert_int_equal(v->n, k + 1);
		}
	}
	assert_false(table_remove(&t, 5, &(uint64_t){ 0 }));
	assert_int_equal(t.n, 40 - 14);
	/* a removed key comes back zeroed */
	assert_int_equal(put(&t, 5, 3, &isnew)->n, 0);
	assert_true(isnew);
	table_release(&t);
}

static void test_iterate_and_pack(void **state)
{
	struct table t;
	uint8_t seen[500] = { 0 };
	const struct val *v;
	struct val *packed;
	uint64_t h, sum = 0;
	size_t n, count = 0;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint64_t), sizeof(struct val),
				    1000, NULL), 0);
	for (uint64_t k = 0; k < 500; k++)
		put(&t, mix_u64(k), k, &isnew)->n = 1;
	for (size_t i = 0; (v = table_next(&t, &i, &h)); count++) {
		assert_true(v->key < 500);
		assert_int_equal(h, mix_u64(v->key) ? mix_u64(v->key) : 1);
		seen[v->key]++;
	}
	assert_int_equal(count, 500);
	for (size_t k = 0; k < 500; k++)
		assert_int_equal(seen[k], 1);
	packed = table_pack(&t, &n);
	assert_int_equal(n, 500);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(packed[i].n, 1);
		sum += packed[i].key;
	}
	assert_int_equal(sum, 499 * 500 / 2);
	table_release(&t);
}

static void test_reserve_moves_nothing(void **state)
{
	struct table t;
	struct val *first;
	bool isnew;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint64_t), sizeof(struct val),
				    100000, NULL), 0);
	assert_int_equal(table_reserve(&t, 5000), 0);
	first = put(&t, mix_u64(0), 0, &isnew);
	for (uint64_t k = 1; k < 5000; k++)
		put(&t, mix_u64(k), k, &isnew);
	assert_ptr_equal(table_find(&t, mix_u64(0), &(uint64_t){ 0 }), first);
	table_release(&t);
}

/* ---- against a plain array ---- */

#define PROP_KEYS 300
#define PROP_CAP 200

static uint64_t rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ull;
	return mix_u64(*s);
}

static void test_property_against_array(void **state)
{
	struct table t;
	/* the model: present[k], its value, how many entries */
	bool present[PROP_KEYS] = { false };
	uint32_t value[PROP_KEYS] = { 0 };
	size_t n = 0;
	uint64_t seed = 42, full = 0, refused = 0;

	(void)state;
	assert_int_equal(table_init(&t, sizeof(uint64_t), sizeof(struct val),
				    PROP_CAP, &full), 0);
	for (int step = 0; step < 200000; step++) {
		uint64_t r = rnd(&seed), k = r % PROP_KEYS;
		/* odd keys under a weak hash: long runs and collisions */
		uint64_t h = k & 1 ? bad_hash(k) : mix_u64(k);
		unsigned op = (unsigned)(r >> 20) % 4;
		struct val *v;
		bool isnew;

		if (op == 0) {
			v = table_find(&t, h, &k);
			assert_int_equal(v != NULL, present[k]);
			if (v)
				assert_int_equal(v->n, value[k]);
		} else if (op == 1) {
			assert_int_equal(table_remove(&t, h, &k), present[k]);
			n -= present[k];
			present[k] = false;
		} else {
			v = put(&t, h, k, &isnew);
			if (!present[k] && n == PROP_CAP) {
				assert_null(v);
				refused++;
				continue;
			}
			assert_non_null(v);
			assert_int_equal(isnew, !present[k]);
			if (isnew) {
				present[k] = true;
				value[k] = 0;
				n++;
			}
			assert_int_equal(v->n, value[k]);
			v->n = value[k] = (uint32_t)(r >> 32);
		}
		assert_int_equal(t.n, n);
		if (step % 20000 == 0) {
			const struct val *x;
			size_t count = 0;

			for (size_t i = 0; (x = table_next(&t, &i, NULL));
			     count++) {
				assert_true(present[x->key]);
				assert_int_equal(x->n, value[x->key]);
			}
			assert_int_equal(count, n);
		}
	}
	assert_int_equal(full, refused);
	assert_true(refused > 0);   /* the cap was reached */
	table_release(&t);
}

static void test_key_longer_than_value_refused(void **state)
{
	struct table t;

	(void)state;
	assert_int_equal(table_init(&t, 16, 8, 100, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_and_full),
		cmocka_unit_test(test_dense_fills_three_quarters),
		cmocka_unit_test(test_hash_zero_is_a_key),
		cmocka_unit_test(test_collisions_exact_keys),
		cmocka_unit_test(test_remove_keeps_the_run),
		cmocka_unit_test(test_iterate_and_pack),
		cmocka_unit_test(test_reserve_moves_nothing),
		cmocka_unit_test(test_property_against_array),
		cmocka_unit_test(test_key_longer_than_value_refused),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
