/* test_rollup.c - the hourly aggregates: every event counted once, each
 * invalid one under its first reason, batched counting equal to one by
 * one, unique visitors exact while few and within the HyperLogLog's error
 * when many, and money from valid events only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/rollup.h"
#include "../../analyze/rules.h"

static struct seg_record rec(char type, uint32_t pub, uint32_t zone,
			     uint32_t camp, uint32_t ad)
{
	struct seg_record r;

	memset(&r, 0, sizeof(r));
	r.type = (uint8_t)type;
	r.pub = pub;
	r.zone = zone;
	r.camp = camp;
	r.ad = ad;
	return r;
}

static void test_counts_and_reasons(void **state)
{
	struct rollup r;
	struct seg_record i1 = rec('i', 1, 10, 100, 1000);
	struct seg_record c1 = rec('c', 1, 10, 100, 1000);
	struct seg_record i2 = rec('i', 2, 20, 200, 2000);
	uint64_t sum = 0;

	(void)state;
	assert_int_equal(rollup_init(&r, 2026010112u), 0);
	assert_int_equal(rollup_add(&r, &i1, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &i1, 2, SEG_R_PREFETCH), 0);
	/* two reasons: counted once, under the lower bit (ingest's) */
	assert_int_equal(rollup_add(&r, &c1, 1, SEG_R_DATACENTER | IVT_DUP_CLICK), 0);
	assert_int_equal(rollup_add(&r, &c1, 1, IVT_DUP_CLICK), 0);
	assert_int_equal(rollup_add(&r, &c1, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &i2, 3, 0), 0);
	rollup_finish(&r);

	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.rows[0].k.pub, 1);
	assert_int_equal(r.rows[0].imps, 2);
	assert_int_equal(r.rows[0].vimps, 1);
	assert_int_equal(r.rows[0].clicks, 3);
	assert_int_equal(r.rows[0].vclicks, 1);
	assert_int_equal(r.rows[0].uniques, 2);
	assert_int_equal(r.rows[1].imps, 1);
	assert_int_equal(r.ninv, 3);   /* prefetch imp, datacenter click, dup click */
	for (size_t i = 0; i < r.ninv; i++)
		sum += r.inv[i].events;
	assert_int_equal(sum, r.events - r.vimps - r.vclicks);
	assert_int_equal(r.by_first[1][2], 1);     /* datacenter = bit 2 */
	assert_int_equal(r.by_first[1][16], 1);    /* dup_click = bit 16 */
	assert_int_equal(r.by_bit[1][16], 2);      /* every bit counted here */
	rollup_release(&r);
}

static char *tsv(struct rollup *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(rollup_write_tsv(r, f), 0);
	fclose(f);
	return buf;
}

/* many keys (so the table grows inside batches), repeated keys inside a
 * batch, reasons: batch and single give the same rows */
/* A served ad only adds to served: not an event, never invalid; a render
 * is an impression that also counts as rendered; a pixel does not. */
static void test_served_rendered(void **state)
{
	struct rollup r;
	struct seg_record s1 = rec('s', 1, 10, 100, 1000);
	struct seg_record s2 = rec('s', 1, 11, 100, 1000);
	struct seg_record rd = rec('i', 1, 10, 100, 1000);
	struct seg_record px = rec('i', 1, 10, 100, 1000);
	struct seg_record rb = rec('i', 1, 10, 100, 1000);

	(void)state;
	rd.flags = EVENT_F_TOKEN_VALID;
	rb.flags = EVENT_F_TOKEN_BAD;
	assert_int_equal(rollup_init(&r, 2026010112u), 0);
	assert_int_equal(rollup_add(&r, &s1, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &s1, 2, 0), 0);
	assert_int_equal(rollup_add(&r, &s2, 3, SEG_R_BOT_UA), 0);
	assert_int_equal(rollup_add(&r, &rd, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &px, 4, 0), 0);
	assert_int_equal(rollup_add(&r, &rb, 5, SEG_R_TOKEN_BAD), 0);
	rollup_finish(&r);
	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.rows[0].served, 2);
	assert_int_equal(r.rows[0].rendered, 2);
	assert_int_equal(r.rows[0].imps, 3);
	assert_int_equal(r.rows[0].vimps, 2);
	assert_int_equal(r.rows[0].uniques, 3);   /* visitors of events only */
	assert_int_equal(r.rows[1].served, 1);    /* a row of served ads alone */
	assert_int_equal(r.rows[1].imps, 0);
	assert_int_equal(r.events, 3);
	assert_int_equal(r.served, 3);
	assert_int_equal(r.ninv, 1);              /* the forged render */
	rollup_release(&r);
}

static void test_batch_equals_single(void **state)
{
	struct rollup a, b;
	struct seg_record *recs = calloc(20000, sizeof(*recs));
	struct rollup_ev ev[ROLLUP_BATCH];
	char *ta, *tb;
	size_t n = 0;

	(void)state;
	assert_non_null(recs);
	for (int i = 0; i < 20000; i++)
		recs[i] = rec(i % 50 ? i % 7 ? 'i' : 's' : 'c', (uint32_t)i % 13,
			      (uint32_t)(i * 7) % 3001, 5, (uint32_t)i % 3);
	assert_int_equal(rollup_init(&a, 2026010112u), 0);
	assert_int_equal(rollup_init(&b, 2026010112u), 0);
	for (int i = 0; i < 20000; i++) {
		uint32_t why = i % 17 ? 0 : IVT_IMP_FLOOD;

		assert_int_equal(rollup_add(&a, &recs[i], (uint64_t)i % 97, why), 0);
		ev[n++] = (struct rollup_ev){ &recs[i], (uint64_t)i % 97, why };
		if (n == ROLLUP_BATCH || i == 19999) {
			assert_int_equal(rollup_add_batch(&b, ev, n), 0);
			n = 0;
		}
	}
	rollup_finish(&a);
	rollup_finish(&b);
	ta = tsv(&a);
	tb = tsv(&b);
	assert_string_equal(ta, tb);
	assert_int_equal(a.events + a.served, 20000);
	assert_true(a.served > 2000);
	free(ta);
	free(tb);
	free(recs);
	rollup_release(&a);
	rollup_release(&b);
}

static void test_uniques(void **state)
{
	struct seg_record x = rec('i', 1, 1, 1, 1);
	struct rollup r;
	double est;

	(void)state;
	/* exact while small (each visitor seen three times) */
	assert_int_equal(rollup_init(&r, 2026010112u), 0);
	for (int k = 0; k < 3; k++)
		for (uint64_t v = 1; v <= 100; v++)
			assert_int_equal(rollup_add(&r, &x, v * 0x9e3779b97f4a7c15ull, 0), 0);
	rollup_finish(&r);
	assert_int_equal(r.rows[0].uniques, 100);
	rollup_release(&r);

	/* 200,000 visitors: within 4 standard errors (3.3 % each) */
	assert_int_equal(rollup_init(&r, 2026010112u), 0);
	for (uint64_t v = 1; v <= 200000; v++)
		assert_int_equal(rollup_add(&r, &x, v * 0x9e3779b97f4a7c15ull ^ (v << 7), 0), 0);
	rollup_finish(&r);
	est = (double)r.rows[0].uniques;
	assert_true(est > 200000 * (1 - 4 * 0.033) && est < 200000 * (1 + 4 * 0.033));
	rollup_release(&r);
}

static void price(void *arg, uint32_t camp, uint32_t pub,
		  struct rollup_price *out)
{
	(void)arg;
	(void)pub;
	out->pricing = camp == 1 ? 1 : camp == 2 ? 2 : 0;
	out->price_micros = camp == 1 ? 2500000 : 400000;
	out->share_bp = 7000;
}

static void test_money(void **state)
{
	struct seg_record cpm = rec('i', 1, 1, 1, 1), cpc = rec('c', 1, 1, 2, 2);
	struct seg_record cpc_i = rec('i', 1, 1, 2, 2), none = rec('c', 1, 1, 3, 3);
	struct rollup r;

	(void)state;
	assert_int_equal(rollup_init(&r, 2026010112u), 0);
	for (int i = 0; i < 1001; i++)
		assert_int_equal(rollup_add(&r, &cpm, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &cpm, 1, SEG_R_BOT_UA), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rollup_add(&r, &cpc, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &cpc, 1, IVT_DUP_CLICK), 0);
	assert_int_equal(rollup_add(&r, &cpc_i, 1, 0), 0);
	assert_int_equal(rollup_add(&r, &none, 1, 0), 0);
	rollup_finish(&r);
	rollup_money(&r, price, NULL);
	assert_int_equal(r.nrows, 3);
	/* CPM: floor(1001 * 2.5 / 1000 units) = 2502500 micros, bot not paid */
	assert_int_equal(r.rows[0].spend, 2502500);
	assert_int_equal(r.rows[0].earnings, 1751750);
	/* CPC: 3 valid clicks, the impression and the duplicate are free */
	assert_int_equal(r.rows[1].spend, 1200000);
	assert_int_equal(r.rows[1].earnings, 840000);
	/* unknown campaign: counted, no money */
	assert_int_equal(r.rows[2].clicks, 1);
	assert_int_equal(r.rows[2].spend, 0);
	rollup_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_reasons),
		cmocka_unit_test(test_served_rendered),
		cmocka_unit_test(test_batch_equals_single),
		cmocka_unit_test(test_uniques),
		cmocka_unit_test(test_money),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
