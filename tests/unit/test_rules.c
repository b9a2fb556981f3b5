/* test_rules.c - analyze's activity rules on hand-made hours: for every rule
 * a sequence that must fire and one that must not (the carrier NAT address,
 * the accidental double click, the viral spike, the replayed cookie). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyze/rule_family.h"
#include "../../analyze/rules.h"

#define T0 1767229200000LL       /* 2026-01-01T01:00:00Z, an hour start */
#define SEC 1000LL
#define MAXR 40000

/* A test hour: records, plus what the look-back knows. */
struct hour {
	struct seg_record rec[MAXR];
	size_t n;
	uint32_t bits[MAXR];
	/* impressions the look-back knows besides this hour's */
	uint64_t old_imp[16];
	int64_t old_ts[16];
	size_t nold;
	uint64_t clicked_before[16];
	size_t nclicked;
	/* addresses' distinct clicks and impressions of the hours before */
	uint64_t bef_key[128];
	uint32_t bef_k[128], bef_n[128];
	size_t nbef;
	/* addresses seen in the hours before */
	uint64_t seen_key[128];
	size_t nseen;
	struct rules r;
};

static struct hour *H;

static bool cb_impression(void *ctx, uint64_t imp, int64_t *ts)
{
	struct hour *h = ctx;

	for (size_t i = 0; i < h->n; i++)
		if (h->rec[i].type == 'i' && h->rec[i].id == imp) {
			*ts = h->rec[i].ts_ms;
			return true;
		}
	for (size_t i = 0; i < h->nold; i++)
		if (h->old_imp[i] == imp) {
			*ts = h->old_ts[i];
			return true;
		}
	return false;
}

static bool cb_saw_ad(void *ctx, const struct seg_record *c, uint64_t vkey)
{
	struct hour *h = ctx;

	for (size_t i = 0; i < h->n; i++) {
		const struct seg_record *r = &h->rec[i];
		uint64_t keys[2];
		unsigned n;

		if (r->type != 'i' || r->ad != c->ad || r->ts_ms > c->ts_ms)
			continue;
		n = rules_saw_keys(r, r->ua, keys);
		for (unsigned k = 0; k < n; k++)
			if (keys[k] == vkey)
				return true;
	}
	return false;
}

static bool cb_clicked_before(void *ctx, uint64_t imp)
{
	struct hour *h = ctx;

	for (size_t i = 0; i < h->nclicked; i++)
		if (h->clicked_before[i] == imp)
			return true;
	return false;
}

static void cb_addr_before(void *ctx, uint64_t akey, uint32_t *k,
			   uint32_t *n)
{
	struct hour *h = ctx;

	*k = *n = 0;
	for (size_t i = 0; i < h->nbef; i++)
		if (h->bef_key[i] == akey) {
			*k = h->bef_k[i];
			*n = h->bef_n[i];
		}
}

static bool cb_addr_seen_before(void *ctx, uint64_t akey)
{
	struct hour *h = ctx;

	for (size_t i = 0; i < h->nseen; i++)
		if (h->seen_key[i] == akey)
			return true;
	return false;
}

static void start(const struct rules_params *p)
{
	struct rules_params def;
	struct rules_lookback lb = { NULL, cb_impression, cb_saw_ad,
				     cb_clicked_before, cb_addr_before,
				     cb_addr_seen_before };

	H = calloc(1, sizeof(*H));
	assert_non_null(H);
	lb.ctx = H;
	if (!p) {
		rules_params_default(&def);
		def.sketch_log2 = 20;
		p = &def;
	}
	assert_int_equal(rules_init(&H->r, p, &lb), 0);
	rules_begin_hour(&H->r, T0);
}

static void finish(void)
{
	rules_release(&H->r);
	free(H);
	H = NULL;
}

static uint64_t next_id = 1000;

static void set_ip(struct seg_record *r, uint32_t ip4)
{
	memset(r->ip, 0, 16);
	r->ip[10] = r->ip[11] = 0xff;
	r->ip[12] = (uint8_t)(ip4 >> 24);
	r->ip[13] = (uint8_t)(ip4 >> 16);
	r->ip[14] = (uint8_t)(ip4 >> 8);
	r->ip[15] = (uint8_t)ip4;
	r->ip_family = 4;
}

static void set_uid(struct seg_record *r, uint32_t uid)
{
	memset(r->uid, 0, 16);
	r->has_uid = uid != 0;
	memcpy(r->uid, &uid, sizeof(uid));
}

/* An impression; uid 0 means cookieless.  Returns its index. */
static size_t add_imp(int64_t ts, uint32_t ip, uint32_t uid, uint32_t zone,
		      uint32_t ad)
{
	struct seg_record *r = &H->rec[H->n];

	assert_true(H->n < MAXR);
	memset(r, 0, sizeof(*r));
	r->ts_ms = ts;
	r->id = next_id++;
	r->type = 'i';
	set_ip(r, ip);
	set_uid(r, uid);
	r->zone = zone;
	r->ad = ad;
	r->pub = 1;
	r->camp = 1;
	r->ua = 77;              /* the ua hash itself, in tests */
	r->ref = SEG_NO_STRING;
	return H->n++;
}

/* A signed click on impression index i (same visitor unless changed). */
static size_t add_click(int64_t ts, size_t i)
{
	struct seg_record *r = &H->rec[H->n];

	assert_true(H->n < MAXR);
	*r = H->rec[i];
	r->ts_ms = ts;
	r->id = next_id++;
	r->type = 'c';
	r->imp = H->rec[i].id;
	r->flags = EVENT_F_TOKEN_VALID;
	return H->n++;
}

/* An unsigned click on ad from a visitor. */
static size_t add_unsigned(int64_t ts, uint32_t ip, uint32_t uid, uint32_t ad)
{
	size_t i = add_imp(ts, ip, uid, 1, ad);

	H->rec[i].type = 'c';
	H->rec[i].flags = EVENT_F_NO_TOKEN;
	return i;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct seg_record *x = a, *y = b;

	return (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
}

/* Both passes over the hour; records must already be in time order. */
static void run(void)
{
	for (size_t i = 1; i < H->n; i++)
		assert_true(H->rec[i - 1].ts_ms <= H->rec[i].ts_ms);
	for (size_t i = 0; i < H->n; i++)
		rules_observe(&H->r, &H->rec[i], H->rec[i].ua);
	rules_end_observe(&H->r);
	for (size_t i = 0; i < H->n; i++)
		H->bits[i] = rules_event(&H->r, &H->rec[i], H->rec[i].ua);
}

static size_t count_bits(uint32_t bit)
{
	size_t n = 0;

	for (size_t i = 0; i < H->n; i++)
		n += (H->bits[i] & bit) != 0;
	return n;
}

/* ---- names ---- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ivt_reason_name(16), "dup_click");
	assert_string_equal(ivt_reason_name(17), "repeat_click");
	assert_string_equal(ivt_reason_name(18), "no_impression");
	assert_string_equal(ivt_reason_name(19), "fast_click");
	assert_string_equal(ivt_reason_name(20), "stale_click");
	assert_string_equal(ivt_reason_name(21), "imp_flood");
	assert_string_equal(ivt_reason_name(22), "addr_burst");
	assert_string_equal(ivt_reason_name(23), "uid_fanout");
	assert_string_equal(ivt_reason_name(0), "bot_ua");
	assert_string_equal(ivt_reason_name(24), "addr_ctr");
	assert_string_equal(ivt_reason_name(25), "net_ctr");
	assert_string_equal(ivt_reason_name(26), "imp_stack");
	assert_string_equal(ivt_reason_name(27), "one_shot");
	assert_string_equal(ivt_reason_name(28), "hot_addr");
	assert_null(ivt_reason_name(29));
	assert_null(ivt_reason_name(31));
	assert_int_equal(IVT_MASK & SEG_R_INGEST_MASK, 0);
}

/* ---- duplicate click ---- */

static void test_double_click_counted_once(void **state)
{
	size_t i, c1, c2;

	(void)state;
	start(NULL);
	i = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9);
	c1 = add_click(T0 + 15 * SEC, i);
	c2 = add_click(T0 + 15 * SEC + 250, i);   /* the accidental second */
	run();
	assert_int_equal(H->bits[i], 0);
	assert_int_equal(H->bits[c1], 0);          /* billable */
	assert_int_equal(H->bits[c2], IVT_DUP_CLICK);
	finish();
}

static void test_dup_same_visitor_ad(void **state)
{
	size_t a, b, c, ca, cb, cc;

	(void)state;
	start(NULL);
	/* two impressions of ad 9 to one uid, clicked 30 s apart: dup */
	a = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9);
	b = add_imp(T0 + 11 * SEC, 0x0a000001, 5, 2, 9);
	ca = add_click(T0 + 20 * SEC, a);
	cb = add_click(T0 + 50 * SEC, b);
	/* 61 s after the last click on ad 9: not a duplicate */
	c = add_imp(T0 + 100 * SEC, 0x0a000001, 5, 1, 9);
	cc = add_click(T0 + 111 * SEC, c);
	run();
	assert_int_equal(H->bits[ca], 0);
	assert_int_equal(H->bits[cb], IVT_DUP_CLICK);
	/* (the third click on ad 9 from one address in 10 min is a repeat) */
	assert_int_equal(H->bits[cc], IVT_REPEAT_CLICK);
	finish();
}

static void test_dup_other_visitor_not(void **state)
{
	size_t a, b, ca, cb;

	(void)state;
	start(NULL);
	/* two people behind one address click the same ad 5 s apart */
	a = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9);
	b = add_imp(T0 + 11 * SEC, 0x0a000001, 6, 1, 9);
	ca = add_click(T0 + 20 * SEC, a);
	cb = add_click(T0 + 25 * SEC, b);
	run();
	assert_int_equal(H->bits[ca], 0);
	assert_int_equal(H->bits[cb], 0);
	finish();
}

static void test_dup_ignores_flagged(void **state)
{
	size_t i, pre, c;

	(void)state;
	start(NULL);
	/* a link preview fetches the click first (ingest flagged it), then
	 * the person clicks: the person's click stays billable */
	i = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9);
	pre = add_click(T0 + 14 * SEC, i);
	H->rec[pre].reasons = SEG_R_PREVIEW_UA;
	c = add_click(T0 + 15 * SEC, i);
	run();
	assert_int_equal(H->bits[c], 0);
	/* the flagged one is still judged, for honest counts */
	assert_int_equal(H->bits[pre], 0);
	finish();
}

static void test_dup_clicked_before(void **state)
{
	size_t c;

	(void)state;
	start(NULL);
	/* a token replayed two hours after its first click */
	H->old_imp[0] = 42;
	H->old_ts[0] = T0 - 2 * 3600 * SEC;
	H->nold = 1;
	H->clicked_before[0] = 42;
	H->nclicked = 1;
	c = add_imp(T0 + 5 * SEC, 0x0a000001, 5, 1, 9);
	H->rec[c].type = 'c';
	H->rec[c].imp = 42;
	H->rec[c].flags = EVENT_F_TOKEN_VALID;
	run();
	assert_int_equal(H->bits[c], IVT_DUP_CLICK);
	finish();
}

static void test_dup_across_hour_warm(void **state)
{
	struct seg_record prev;
	size_t i, c;

	(void)state;
	start(NULL);
	/* the previous hour ended with a click on ad 9 by uid 5 */
	memset(&prev, 0, sizeof(prev));
	prev.ts_ms = T0 - 20 * SEC;
	prev.type = 'c';
	prev.imp = 7;
	prev.flags = EVENT_F_TOKEN_VALID;
	set_ip(&prev, 0x0a000001);
	set_uid(&prev, 5);
	prev.ad = 9;
	prev.ua = 77;
	assert_true(rules_warmup_ms(&H->r) >= 600 * SEC);
	rules_warm(&H->r, &prev, prev.ua);
	i = add_imp(T0 + 5 * SEC, 0x0a000001, 5, 1, 9);
	c = add_click(T0 + 10 * SEC, i);
	run();
	assert_int_equal(H->bits[c], IVT_DUP_CLICK);
	finish();
}

/* ---- repeated clicks ---- */

static void test_repeat_click(void **state)
{
	size_t c[4], other;

	(void)state;
	start(NULL);
	/* one address, three cookies, one ad, within 10 min: the 3rd and
	 * later are flagged */
	for (int k = 0; k < 4; k++) {
		size_t i = add_imp(T0 + (100 * k) * SEC, 0x0b000001,
				   (uint32_t)(10 + k), 1, 9);

		c[k] = add_click(T0 + (100 * k + 30) * SEC, i);
	}
	/* the same address on another ad: its own count */
	other = add_click(T0 + 500 * SEC,
			  add_imp(T0 + 470 * SEC, 0x0b000001, 20, 1, 8));
	run();
	assert_int_equal(H->bits[c[0]], 0);
	assert_int_equal(H->bits[c[1]], 0);
	assert_int_equal(H->bits[c[2]], IVT_REPEAT_CLICK);
	assert_int_equal(H->bits[c[3]], IVT_REPEAT_CLICK);
	assert_int_equal(H->bits[other], 0);
	finish();
}

static void test_repeat_spread_not(void **state)
{
	size_t c[3];

	(void)state;
	start(NULL);
	/* three clicks on one ad from one address, 6 minutes apart: never
	 * three within 10 minutes */
	for (int k = 0; k < 3; k++) {
		size_t i = add_imp(T0 + (360 * k) * SEC, 0x0b000001,
				   (uint32_t)(10 + k), 1, 9);

		c[k] = add_click(T0 + (360 * k + 5) * SEC, i);
	}
	run();
	for (int k = 0; k < 3; k++)
		assert_int_equal(H->bits[c[k]], 0);
	finish();
}

/* ---- carrier NAT: hundreds of visitors behind one address ---- */

static void test_carrier_nat_not_flagged(void **state)
{
	size_t nclick = 0;

	(void)state;
	start(NULL);
	/* 300 returning visitors, 10 impressions each over the hour, on
	 * one address; a normal 1% of them click, a popular ad 9 gets 5 of
	 * those clicks within 10 minutes */
	for (int k = 0; k < 3000; k++) {
		uint32_t uid = 100 + (uint32_t)(k % 300);
		int64_t ts = T0 + (int64_t)k * 1200;
		size_t i = add_imp(ts, 0x64400001, uid, 1 + (uint32_t)(k % 7),
				   k < 600 ? 9 : 1 + (uint32_t)(k % 11));

		if (k % 100 == 50 || (k < 600 && k % 120 == 7)) {
			add_click(ts + 4 * SEC, i);
			nclick++;
		}
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_true(nclick >= 30);
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i], 0);
	finish();
}

/* ---- click without impression, time to click ---- */

static void test_no_impression(void **state)
{
	size_t ok, bad, u_ok, u_bad;

	(void)state;
	start(NULL);
	ok = add_click(T0 + 10 * SEC, add_imp(T0 + 2 * SEC, 0x0a000001, 5, 1, 9));
	bad = add_imp(T0 + 20 * SEC, 0x0a000002, 6, 1, 9);
	H->rec[bad].type = 'c';
	H->rec[bad].imp = 0xdeadbeef;       /* never logged */
	H->rec[bad].flags = EVENT_F_TOKEN_VALID;
	add_imp(T0 + 30 * SEC, 0x0a000003, 7, 1, 4);
	u_ok = add_unsigned(T0 + 40 * SEC, 0x0a000003, 7, 4);
	u_bad = add_unsigned(T0 + 50 * SEC, 0x0a000003, 7, 5); /* ad 5 unseen */
	run();
	assert_int_equal(H->bits[ok], 0);
	assert_int_equal(H->bits[bad], IVT_NO_IMPRESSION);
	assert_int_equal(H->bits[u_ok], 0);
	assert_int_equal(H->bits[u_bad], IVT_NO_IMPRESSION);
	finish();
}

static void test_cookie_issued_with_impression(void **state)
{
	size_t i, u, m, a, b, c1, c2;

	(void)state;
	start(NULL);
	/* a new visitor: the impression issued the cookie, the unsigned
	 * click presents it; the impression was shown to that visitor */
	i = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 4);
	H->rec[i].flags = EVENT_F_UID_NEW;
	u = add_unsigned(T0 + 20 * SEC, 0x0a000001, 5, 4);
	/* the same visitor on another address (Wi-Fi to carrier) */
	m = add_unsigned(T0 + 25 * SEC, 0x0a0000ff, 5, 4);
	/* a cookieless browser: every request gets a new uid; its double
	 * click on an unsigned ad is still one visitor clicking twice */
	a = add_imp(T0 + 30 * SEC, 0x0a000002, 700, 1, 4);
	H->rec[a].flags = EVENT_F_UID_NEW;
	b = add_imp(T0 + 30 * SEC + 500, 0x0a000002, 701, 1, 4);
	H->rec[b].flags = EVENT_F_UID_NEW;
	c1 = add_unsigned(T0 + 40 * SEC, 0x0a000002, 702, 4);
	H->rec[c1].flags |= EVENT_F_UID_NEW;
	c2 = add_unsigned(T0 + 40 * SEC + 300, 0x0a000002, 703, 4);
	H->rec[c2].flags |= EVENT_F_UID_NEW;
	run();
	assert_int_equal(H->bits[u], 0);
	assert_false(H->bits[m] & IVT_NO_IMPRESSION);
	/* two impressions within 1 s of one zone and ad by that browser */
	assert_int_equal(H->bits[b], IVT_IMP_FLOOD | IVT_IMP_STACK);
	assert_int_equal(H->bits[c1], 0);
	assert_int_equal(H->bits[c2], IVT_DUP_CLICK);
	assert_int_equal(count_bits(IVT_UID_FANOUT), 0);
	finish();
}

static void test_time_to_click(void **state)
{
	size_t fast, fine, stale, c;

	(void)state;
	start(NULL);
	fast = add_click(T0 + 10 * SEC + 300,
			 add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9));
	fine = add_click(T0 + 22 * SEC, add_imp(T0 + 20 * SEC, 0x0a000002, 6, 1, 9));
	/* an impression from 25 hours ago, still answered by the look-back */
	H->old_imp[0] = 77777;
	H->old_ts[0] = T0 - 25 * 3600 * SEC;
	H->nold = 1;
	c = add_imp(T0 + 30 * SEC, 0x0a000003, 7, 1, 9);
	H->rec[c].type = 'c';
	H->rec[c].imp = 77777;
	H->rec[c].flags = EVENT_F_TOKEN_VALID;
	stale = c;
	run();
	assert_int_equal(H->bits[fast], IVT_FAST_CLICK);
	assert_int_equal(H->bits[fine], 0);
	assert_int_equal(H->bits[stale], IVT_STALE_CLICK);
	finish();
}

/* ---- impression flooding ---- */

static void test_imp_flood(void **state)
{
	size_t a, b, c, d;

	(void)state;
	start(NULL);
	a = add_imp(T0 + 10 * SEC, 0x0a000001, 5, 1, 9);
	b = add_imp(T0 + 10 * SEC + 400, 0x0a000001, 5, 1, 9);  /* flood */
	c = add_imp(T0 + 10 * SEC + 450, 0x0a000001, 5, 2, 9);  /* other zone */
	d = add_imp(T0 + 12 * SEC, 0x0a000001, 5, 1, 9);        /* 1.6 s later */
	run();
	/* zone 1 was stacked once: every impression of it to the visitor */
	assert_int_equal(H->bits[a], IVT_IMP_STACK);
	assert_int_equal(H->bits[b], IVT_IMP_FLOOD | IVT_IMP_STACK);
	assert_int_equal(H->bits[c], 0);
	assert_int_equal(H->bits[d], IVT_IMP_STACK);
	finish();
}

static void test_imp_stack(void **state)
{
	(void)state;
	start(NULL);
	/* hidden frames: a page loading one zone 6 times within 15 ms,
	 * different ads, 12 pages in the hour; every one of its impressions
	 * in that zone */
	for (int pg = 0; pg < 12; pg++)
		for (int k = 0; k < 6; k++)
			add_imp(T0 + pg * 300 * SEC + k * 3, 0x41000001, 4100, 7,
				(uint32_t)(20 + k));
	/* the same visitor on another publisher's zone: a normal page */
	add_imp(T0 + 100 * SEC, 0x41000001, 4100, 8, 9);
	/* a person reloading a page after 3 s: not a stack */
	add_imp(T0 + 50 * SEC, 0x41000002, 4200, 7, 20);
	add_imp(T0 + 53 * SEC, 0x41000002, 4200, 7, 21);
	/* a carrier NAT: 200 people with their own cookies loading the same
	 * zone in the same milliseconds (a viral page) */
	for (int k = 0; k < 200; k++)
		add_imp(T0 + 60 * SEC + k / 4, 0x64400003, (uint32_t)(5000 + k),
			7, (uint32_t)(20 + k % 6));
	/* in-app browsers (one user agent, no cookie kept by the app's
	 * web view) of two people behind one address, 2 s apart */
	size_t x = add_imp(T0 + 70 * SEC, 0x41000003, 0, 7, 20);
	size_t y = add_imp(T0 + 72 * SEC, 0x41000003, 0, 7, 20);
	H->rec[x].ua = H->rec[y].ua = 4242;
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++) {
		uint32_t uid;

		memcpy(&uid, H->rec[i].uid, 4);
		assert_int_equal(H->bits[i] & IVT_IMP_STACK,
				 uid == 4100 && H->rec[i].zone == 7 ?
				 IVT_IMP_STACK : 0);
	}
	assert_int_equal(count_bits(IVT_IMP_STACK), 72);
	finish();
}

/* ---- address bursts ---- */

static void test_addr_burst_clicks(void **state)
{
	(void)state;
	start(NULL);
	/* one cookieless visitor clicking 30 different ads in an hour:
	 * every event of the address, impressions too (the address is
	 * automated as a whole); a household next door is not */
	for (int k = 0; k < 30; k++) {
		size_t i = add_imp(T0 + k * 100 * SEC, 0x0c000001, 0, 1,
				   (uint32_t)(100 + k));

		add_click(T0 + (k * 100 + 5) * SEC, i);
		add_imp(T0 + (k * 100 + 6) * SEC, 0x0c000002, 8, 1, 9);
	}
	run();
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i] & IVT_ADDR_BURST,
				 H->rec[i].ip[15] == 1 ? IVT_ADDR_BURST : 0);
	assert_int_equal(count_bits(IVT_ADDR_BURST), 60);
	finish();
}

static void test_addr_burst_fresh_cookies(void **state)
{
	(void)state;
	start(NULL);
	/* a bot wiping its cookie before each of 40 clicks: 40 fresh uids
	 * count as 10 visitors, so 40 clicks exceed 10 + 10 */
	for (int k = 0; k < 40; k++) {
		size_t i = add_imp(T0 + k * 80 * SEC, 0x0c000002,
				   (uint32_t)(5000 + k), 1, (uint32_t)(100 + k));

		H->rec[i].flags = EVENT_F_UID_NEW;
		add_click(T0 + (k * 80 + 3) * SEC, i);
		H->rec[H->n - 1].flags = EVENT_F_TOKEN_VALID;
	}
	run();
	assert_int_equal(count_bits(IVT_ADDR_BURST), 80);
	finish();
}

static void test_addr_burst_household_not(void **state)
{
	(void)state;
	start(NULL);
	/* a household of 3 with 8 clicks in the hour: under the base */
	for (int k = 0; k < 8; k++) {
		size_t i = add_imp(T0 + k * 400 * SEC, 0x0c000003,
				   (uint32_t)(1 + k % 3), 1, (uint32_t)(100 + k));

		add_click(T0 + (k * 400 + 5) * SEC, i);
	}
	run();
	assert_int_equal(count_bits(IVT_ADDR_BURST), 0);
	finish();
}

static void test_addr_burst_impressions(void **state)
{
	(void)state;
	start(NULL);
	/* one visitor fetching an impression a second: 3000 in the hour */
	for (int k = 0; k < 3000; k++)
		add_imp(T0 + k * SEC, 0x0c000004, 9, (uint32_t)(1 + k % 50),
			(uint32_t)(1 + k % 13));
	/* a NAT address: 300 visitors, 9000 impressions: fine */
	for (int k = 0; k < 9000; k++)
		add_imp(T0 + 3000 * SEC + k * 50, 0x64400002,
			(uint32_t)(700 + k % 300), (uint32_t)(1 + k % 50),
			(uint32_t)(1 + k % 13));
	run();
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i] & IVT_ADDR_BURST,
				 i < 3000 ? IVT_ADDR_BURST : 0);
	finish();
}

/* ---- address CTR ---- */

/* An hour of ordinary traffic: 20000 impressions from 5000 addresses,
 * 80 clicks (CTR 0.4%), each click 5 s after its impression. */
static void background(void)
{
	for (int k = 0; k < 20000; k++) {
		size_t i = add_imp(T0 + (int64_t)k * 150, 0x30000000 + (uint32_t)(k % 5000),
				   (uint32_t)(200000 + k % 5000), 1 + (uint32_t)(k % 40),
				   1 + (uint32_t)(k % 30));

		if (k % 250 == 0)
			add_click(T0 + (int64_t)k * 150 + 5 * SEC, i);
	}
}

static void test_addr_ctr(void **state)
{
	(void)state;
	start(NULL);
	background();
	/* a click-farm address: 10 kept cookies, 2 impressions each, every
	 * visit clicked (CTR 50%), under the burst allowance (10 + 10) */
	for (int c = 0; c < 10; c++) {
		int64_t ts = T0 + 60 * SEC + c * 300 * SEC;
		size_t i = add_imp(ts, 0x2d0c0005, (uint32_t)(300 + c), 1, 9);

		i = add_imp(ts + 20 * SEC, 0x2d0c0005, (uint32_t)(300 + c), 2, 8);
		add_click(ts + 24 * SEC, i);
	}
	/* a keen household: 12 impressions, 2 clicks */
	for (int k = 0; k < 12; k++) {
		size_t i = add_imp(T0 + 100 * SEC + k * 250 * SEC, 0x2d0c0099, 77, 3,
				   (uint32_t)(40 + k));

		if (k % 6 == 0)
			add_click(T0 + 100 * SEC + k * 250 * SEC + 8 * SEC, i);
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++) {
		uint8_t last = H->rec[i].ip[15];
		bool farm = H->rec[i].ip[12] == 0x2d && last == 5;

		assert_int_equal(H->bits[i] & IVT_ADDR_CTR,
				 farm ? IVT_ADDR_CTR : 0);
		assert_int_equal(H->bits[i] & IVT_ADDR_BURST, 0);
	}
	assert_int_equal(count_bits(IVT_ADDR_CTR), 30);
	finish();
}

static void test_net_ctr(void **state)
{
	(void)state;
	start(NULL);
	background();
	/* a click farm: 3 /24s, 60 hosts each, each host 2 impressions and
	 * 1 click in the hour (under addr_ctr_min_clicks and the burst
	 * allowance): every event of the three networks */
	for (int net = 0; net < 3; net++)
		for (int h = 0; h < 60; h++) {
			int64_t ts = T0 + (net * 60 + h) * 15 * SEC;
			uint32_t ip = 0x60281100 + ((uint32_t)net << 8) + 1 +
				      (uint32_t)h;
			size_t i = add_imp(ts, ip, (uint32_t)(9000 + net * 60 + h),
					   1, 9);

			add_imp(ts + 2 * SEC, ip, (uint32_t)(9000 + net * 60 + h), 2, 8);
			add_click(ts + 9 * SEC, i);
		}
	/* a carrier NAT /24: 8 addresses, 400 visitors, 4000 impressions,
	 * 20 clicks (CTR 0.5%, like everyone) */
	for (int k = 0; k < 4000; k++) {
		size_t i = add_imp(T0 + 100 + (int64_t)k * 800,
				   0x64400100 + (uint32_t)(k % 8),
				   (uint32_t)(20000 + k % 400), 3, 5);

		if (k % 200 == 7)
			add_click(T0 + 100 + (int64_t)k * 800 + 6 * SEC, i);
	}
	/* a keen household alone in its /24: 12 impressions, 2 clicks */
	for (int k = 0; k < 12; k++) {
		size_t i = add_imp(T0 + 150 * SEC + k * 250 * SEC, 0x2e0c0099,
				   78, 3, (uint32_t)(40 + k));

		if (k % 6 == 0)
			add_click(T0 + 150 * SEC + k * 250 * SEC + 8 * SEC, i);
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++) {
		bool farm = H->rec[i].ip[12] == 0x60 && H->rec[i].ip[13] == 0x28;

		assert_int_equal(H->bits[i] & IVT_NET_CTR,
				 farm ? IVT_NET_CTR : 0);
		assert_int_equal(H->bits[i] & (IVT_ADDR_CTR | IVT_ADDR_BURST), 0);
	}
	assert_int_equal(count_bits(IVT_NET_CTR), 3 * 60 * 3);
	finish();
}

/* ---- uid fan-out ---- */

/* Every event of uid bad, and only those, carry IVT_UID_FANOUT. */
static void assert_fanout_only(uint32_t bad)
{
	for (size_t i = 0; i < H->n; i++) {
		uint32_t uid;

		memcpy(&uid, H->rec[i].uid, 4);
		assert_int_equal(H->bits[i] & IVT_UID_FANOUT,
				 uid == bad ? IVT_UID_FANOUT : 0);
	}
}

static void test_uid_fanout_addresses(void **state)
{
	(void)state;
	start(NULL);
	/* one cookie replayed from 12 addresses */
	for (int k = 0; k < 12; k++)
		add_imp(T0 + k * 60 * SEC, 0x0d000000 + (uint32_t)k * 977, 31337,
			1, 9);
	/* a phone moving between wifi and the carrier: 2 addresses */
	for (int k = 0; k < 10; k++)
		add_imp(T0 + k * 60 * SEC + 500, k % 2 ? 0x0e000001 : 0x64400009,
			4242, 1, 8);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_fanout_only(31337);
	finish();
}

static void test_uid_fanout_user_agents(void **state)
{
	(void)state;
	start(NULL);
	for (int k = 0; k < 5; k++) {
		size_t i = add_imp(T0 + k * 60 * SEC, 0x0f000001, 555, 1, 9);

		H->rec[i].ua = 1000 + (uint32_t)k;     /* 5 user agents */
	}
	for (int k = 0; k < 6; k++) {
		size_t i = add_imp(T0 + k * 60 * SEC + 1, 0x0f000002, 666, 1, 9);

		H->rec[i].ua = 2000 + (uint32_t)(k % 2); /* 2: browser + app */
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_fanout_only(555);
	finish();
}

/* ---- a legitimate viral spike on one publisher ---- */

static void test_viral_spike_not_flagged(void **state)
{
	(void)state;
	start(NULL);
	/* in ten minutes 8000 people from 8000 addresses see one ad in one
	 * zone, 5% click it 2-30 s later */
	for (int k = 0; k < 8000; k++) {
		int64_t ts = T0 + 1800 * SEC + (int64_t)k * 75;
		size_t i = add_imp(ts, 0x50000000 + (uint32_t)k * 13,
				   (uint32_t)(90000 + k), 3, 9);

		if (k % 20 == 0)
			add_click(ts + (2 + k % 29) * SEC, i);
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i], 0);
	finish();
}

/* ---- one-shot clicks of a publisher ---- */

static uint32_t next_ip;

/* An address of its own with imps impressions on pub (one uid), the
 * first clicked when click; returns the index of the first impression. */
static size_t visit(uint32_t pub, int imps, bool click, int64_t ts)
{
	/* spread over /24s, so net_ctr has no say */
	uint32_t ip = 0x21000001u + next_ip++ * 2654435761u;
	size_t first = H->n;

	for (int k = 0; k < imps; k++) {
		size_t i = add_imp(ts + k * 90 * SEC, ip, ip, 1 + (uint32_t)k, 9);

		H->rec[i].pub = pub;
	}
	if (click)
		add_click(ts + 7 * SEC, first);
	return first;
}

/* Ten honest publishers: 500 households of 4 impressions (10 of them
 * click), 300 single-impression visitors (2 click): one-shot clicks at
 * 2 of 300 single impressions. */
static void honest_publishers(void)
{
	for (uint32_t pub = 1; pub <= 10; pub++) {
		for (int k = 0; k < 500; k++)
			visit(pub, 4, k % 50 == 0, T0 + (k % 3000) * SEC);
		for (int k = 0; k < 300; k++)
			visit(pub, 1, k % 150 == 0, T0 + (k * 7 % 3000) * SEC);
	}
}

static struct rules_params *oneshot_params(void)
{
	static struct rules_params p;

	rules_params_default(&p);
	p.sketch_log2 = 26;      /* ~15,000 addresses: exact counts */
	return &p;
}

static void test_one_shot(void **state)
{
	struct rules_params *p = oneshot_params();
	size_t self[40];

	(void)state;
	/* its zone's people would make 1.7 of the 40 (4.2%) */
	p->oneshot_precision = 0.9;
	start(p);
	honest_publishers();
	/* a publisher clicking its own ads: 40 fresh addresses, one
	 * impression each, clicked; besides 200 households and 100 single
	 * visitors of its own who do not click */
	for (int k = 0; k < 200; k++)
		visit(20, 4, k % 50 == 0, T0 + (k * 11 % 3000) * SEC);
	for (int k = 0; k < 100; k++)
		visit(20, 1, false, T0 + (k * 13 % 3000) * SEC);
	for (int k = 0; k < 40; k++)
		self[k] = visit(20, 1, true, T0 + (100 + k * 80) * SEC);
	for (int k = 0; k < 40; k++)
		self[k] = H->rec[self[k]].id;
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++) {
		uint64_t id = H->rec[i].type == 'c' ? H->rec[i].imp :
			      H->rec[i].id;
		bool bad = false;

		for (int k = 0; k < 40; k++)
			bad |= id == self[k];
		assert_int_equal(H->bits[i] & IVT_ONE_SHOT,
				 bad ? IVT_ONE_SHOT : 0);
	}
	assert_int_equal(count_bits(IVT_ONE_SHOT), 80);
	assert_int_equal(H->r.st.oneshot_pubs, 1);
	finish();
}

static void test_one_shot_viral_not(void **state)
{
	(void)state;
	start(oneshot_params());
	honest_publishers();
	/* a viral page: 6,000 people from 6,000 addresses see it once, 40
	 * of them click: as many one-shot clicks as the publisher above,
	 * at the CTR everyone's single impressions have */
	for (int k = 0; k < 6000; k++)
		visit(30, 1, k % 150 == 0, T0 + 1200 * SEC + k * 300);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_int_equal(count_bits(IVT_ONE_SHOT), 0);
	assert_int_equal(H->r.st.oneshot_pubs, 0);
	finish();
}

/* 60 fresh addresses clicking at a big publisher whose 4,500 single
 * visitors click at the others' rate (30 clicks): the publisher fires,
 * but a third of its one-shot clicks are people's.  Returns the events
 * flagged one_shot with oneshot_precision prec. */
static size_t one_shot_big_publisher(double prec)
{
	struct rules_params *p = oneshot_params();
	size_t n;

	p->oneshot_precision = prec;
	start(p);
	honest_publishers();
	for (int k = 0; k < 4500; k++)
		visit(40, 1, k % 150 == 0, T0 + (k % 3000) * SEC);
	for (int k = 0; k < 60; k++)
		visit(40, 1, true, T0 + (100 + k * 50) * SEC);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_int_equal(H->r.st.oneshot_pubs, 1);
	n = count_bits(IVT_ONE_SHOT);
	finish();
	return n;
}

static void test_one_shot_precision(void **state)
{
	(void)state;
	assert_int_equal(one_shot_big_publisher(0.9), 0);
	/* at 0.6 all 90 one-shot clicks and their impressions */
	assert_int_equal(one_shot_big_publisher(0.6), 180);
}

/* A big publisher whose 3,000 single visitors all see its one popular
 * zone and click there at its CTR (30 one-shot clicks), and 60 fresh
 * addresses clicking once each on 30 quiet zones: the excess is on the
 * quiet zones, so their clicks are flagged and the popular zone's not. */
static void test_one_shot_zones(void **state)
{
	size_t n;

	(void)state;
	start(oneshot_params());
	honest_publishers();
	for (int k = 0; k < 200; k++)
		visit(40, 4, k % 20 == 0, T0 + (k * 11 % 3000) * SEC);
	for (int k = 0; k < 3000; k++)
		visit(40, 1, k % 100 == 0, T0 + (k % 3000) * SEC);
	n = H->n;
	for (int k = 0; k < 60; k++)
		H->rec[visit(40, 1, true, T0 + (100 + k * 50) * SEC)].zone =
			(uint32_t)(100 + k % 30);
	for (size_t i = n; i < H->n; i++)      /* the clicks' zones too */
		if (H->rec[i].type == 'c')
			H->rec[i].zone = H->rec[i - 1].zone;
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_int_equal(H->r.st.oneshot_pubs, 1);
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i] & IVT_ONE_SHOT,
				 H->rec[i].zone >= 100 ? IVT_ONE_SHOT : 0);
	assert_int_equal(count_bits(IVT_ONE_SHOT), 120);
	finish();
}

/* A carrier NAT address ip: n impressions from 400 people, gap_ms
 * apart, on publishers pub .. pub + npubs - 1, one in 100 clicked.
 * Returns the index of its last impression. */
static size_t nat_address(uint32_t ip, int n, int64_t gap_ms, uint32_t pub,
			  uint32_t npubs)
{
	size_t last = 0;

	for (int k = 0; k < n; k++) {
		size_t i = add_imp(T0 + 100 + (int64_t)k * gap_ms, ip,
				   (uint32_t)(70000 + k % 400), 3, 5);

		H->rec[i].pub = pub + (uint32_t)k % npubs;
		last = i;
		if (k % 100 == 7)
			add_click(H->rec[i].ts_ms + 6 * SEC, i);
	}
	return last;
}

/* Every other clicking address on pub from record `from` on was seen in
 * the hours before (a household), the others are new. */
static void seen_half(uint32_t pub, size_t from)
{
	bool seen = true;

	for (size_t i = from; i < H->n; i++)
		if (H->rec[i].type == 'c' && H->rec[i].pub == pub) {
			if (seen) {
				assert_true(H->nseen < 128);
				H->seen_key[H->nseen++] =
					rules_addr_key(&H->rec[i]);
			}
			seen = !seen;
		}
}

/* A publisher with 1,500 single visitors of its own (10 click, half of
 * them from addresses seen before, as everywhere) and 60 fresh addresses
 * clicking; a double click and a carrier NAT address there too; a viral
 * spike elsewhere (6,000 once, 40 click, half seen before).  Returns the
 * events flagged one_shot, with or without the look-back's answer. */
static size_t one_shot_seen(bool lookback)
{
	struct rules_params *p = oneshot_params();
	size_t n;

	p->oneshot_precision = 0.8;   /* the 5 are 8% of the 65 */
	start(p);
	if (!lookback)
		H->r.lb.addr_seen_before = NULL;
	honest_publishers();
	for (uint32_t pub = 1; pub <= 10; pub++)
		seen_half(pub, 0);
	n = H->n;
	for (int k = 0; k < 1500; k++)
		visit(40, 1, k % 150 == 0, T0 + (k * 2 % 3000) * SEC);
	seen_half(40, n);
	n = H->n;
	for (int k = 0; k < 6000; k++)
		visit(30, 1, k % 150 == 0, T0 + 1200 * SEC + k * 300);
	seen_half(30, n);
	for (int k = 0; k < 60; k++)
		visit(40, 1, true, T0 + (100 + k * 50) * SEC);
	n = visit(40, 1, true, T0 + 700 * SEC);
	add_click(H->rec[n + 1].ts_ms + 300, n);
	nat_address(0x64400188, 1000, 3000, 40, 1);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++)
		if (H->bits[i] & IVT_ONE_SHOT) {
			assert_int_equal(H->rec[i].pub, 40);
			assert_false(cb_addr_seen_before(H,
					rules_addr_key(&H->rec[i])));
		}
	n = count_bits(IVT_ONE_SHOT);
	finish();
	return n;
}

static void test_one_shot_seen_before(void **state)
{
	(void)state;
	/* without the look-back the people's one-shot clicks everywhere
	 * make the excess less than oneshot_precision of them */
	assert_int_equal(one_shot_seen(false), 0);
	/* with it: the 60 and the 5 new people's clicks, their impressions */
	assert_int_equal(one_shot_seen(true), 130);
}

/* ---- hot addresses of a publisher ---- */

static void test_hot_addr(void **state)
{
	(void)state;
	start(oneshot_params());
	honest_publishers();
	/* a bot pool working three publishers: 60 addresses, each shown 6
	 * impressions on one of them and clicking 2 (at a 1% CTR, p 1.5e-3
	 * for one address: no address rule fires) */
	for (int k = 0; k < 60; k++) {
		size_t i = visit(50 + (uint32_t)(k % 3), 6, true,
				 T0 + (200 + k * 50) * SEC);

		add_click(H->rec[i + 3].ts_ms + 9 * SEC, i + 3);
	}
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(H->bits[i] & IVT_HOT_ADDR,
				 H->rec[i].pub >= 50 ? IVT_HOT_ADDR : 0);
	assert_int_equal(count_bits(IVT_HOT_ADDR), 60 * 8);
	assert_int_equal(count_bits(IVT_ADDR_CTR | IVT_NET_CTR |
				    IVT_ADDR_BURST), 0);
	assert_int_equal(H->r.st.hot_pubs, 3);
	finish();
}

static void test_hot_addr_people_not(void **state)
{
	(void)state;
	start(oneshot_params());
	honest_publishers();
	/* on publisher 60: 30 double clicks (one impression clicked twice
	 * 300 ms apart), 3 keen readers with 3 clicks in 8 impressions,
	 * and a carrier NAT address, 400 people, 2,000 impressions, 20 clicks */
	for (int k = 0; k < 30; k++) {
		size_t i = visit(60, 1, true, T0 + (300 + k * 60) * SEC);

		add_click(H->rec[i + 1].ts_ms + 300, i);
	}
	for (int k = 0; k < 3; k++) {
		size_t i = visit(60, 8, true, T0 + (400 + k * 900) * SEC);

		add_click(H->rec[i + 3].ts_ms + 9 * SEC, i + 3);
		add_click(H->rec[i + 6].ts_ms + 9 * SEC, i + 6);
	}
	nat_address(0x64400177, 2000, 1500, 60, 1);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_int_equal(count_bits(IVT_HOT_ADDR), 0);
	assert_int_equal(H->r.st.hot_pubs, 0);
	finish();
}

/* The address of record i clicked k distinct impressions of n in the
 * hours before this one. */
static void before(size_t i, uint32_t k, uint32_t n)
{
	assert_true(H->nbef < 128);
	H->bef_key[H->nbef] = rules_addr_key(&H->rec[i]);
	H->bef_k[H->nbef] = k;
	H->bef_n[H->nbef++] = n;
}

static void test_hot_addr_before(void **state)
{
	(void)state;
	start(oneshot_params());
	honest_publishers();
	/* a bot pool on three publishers that clicks once an hour: 60
	 * addresses, 6 impressions and one click this hour, 2 clicks of 12
	 * impressions before (p ~4e-4 for the three hours), and 20 of them
	 * that did not click this hour (3 of 12 before) */
	for (int k = 0; k < 60; k++)
		before(visit(50 + (uint32_t)(k % 3), 6, true,
			     T0 + (200 + k * 50) * SEC), 2, 12);
	for (int k = 0; k < 20; k++)
		before(visit(50 + (uint32_t)(k % 3), 4, false,
			     T0 + (250 + k * 50) * SEC), 3, 12);
	/* on the same publishers, not hot: a double click with no click
	 * before, a household with one click of 40 impressions before, a
	 * carrier NAT address (400 people) with 20 of 2,000 before */
	for (int k = 0; k < 3; k++) {
		size_t i = visit(50 + (uint32_t)k, 1, true,
				 T0 + (300 + k * 60) * SEC);

		add_click(H->rec[i + 1].ts_ms + 300, i);
		before(visit(50 + (uint32_t)k, 4, true,
			     T0 + (600 + k * 60) * SEC), 1, 40);
	}
	before(nat_address(0x64400177, 2000, 1500, 50, 3), 20, 2000);
	/* a viral spike on publisher 61: 6,000 people seen once, 40 click */
	for (int k = 0; k < 6000; k++)
		visit(61, 1, k % 150 == 0, T0 + 1200 * SEC + k * 300);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	for (size_t i = 0; i < H->n; i++) {
		bool pool = false;

		for (size_t b = 0; b < 80; b++)
			pool |= rules_addr_key(&H->rec[i]) == H->bef_key[b];
		assert_int_equal(H->bits[i] & IVT_HOT_ADDR,
				 pool ? IVT_HOT_ADDR : 0);
	}
	assert_int_equal(count_bits(IVT_HOT_ADDR), 60 * 7 + 20 * 4);
	assert_int_equal(H->r.st.hot_pubs, 3);
	finish();
}

static void test_hot_addr_before_alone_not(void **state)
{
	(void)state;
	start(oneshot_params());
	honest_publishers();
	/* the same pool without the look-back's counts: one click an hour
	 * is not hot */
	H->r.lb.addr_before = NULL;
	for (int k = 0; k < 60; k++)
		visit(50 + (uint32_t)(k % 3), 6, true,
		      T0 + (200 + k * 50) * SEC);
	qsort(H->rec, H->n, sizeof(H->rec[0]), cmp_ts);
	run();
	assert_int_equal(count_bits(IVT_HOT_ADDR), 0);
	finish();
}

/* ---- batches give the same verdicts ---- */

static void test_batch_same_bits(void **state)
{
	const struct seg_record **ptr;
	uint64_t *ua;
	uint32_t *bits;

	(void)state;
	start(NULL);
	/* a mixed hour: a NAT, a replayed cookie, a clicking bot, doubles */
	for (int k = 0; k < 6000; k++) {
		uint32_t ip = k % 3 == 0 ? 0x64400001 : 0x30000000 + (uint32_t)(k % 500);
		uint32_t uid = k % 7 == 0 ? 31337 : (uint32_t)(1 + k % 900);
		size_t i = add_imp(T0 + (int64_t)k * 500, k % 5 == 0 ? 0x0c000001 : ip,
				   uid, 1 + (uint32_t)(k % 3), 1 + (uint32_t)(k % 4));

		if (k % 9 == 0)
			add_click(T0 + (int64_t)k * 500 + 200 + (k % 2) * 100, i);
	}
	run();
	ptr = calloc(H->n, sizeof(*ptr));
	ua = calloc(H->n, sizeof(*ua));
	bits = calloc(H->n, sizeof(*bits));
	assert_non_null(ptr);
	assert_non_null(ua);
	assert_non_null(bits);
	for (size_t i = 0; i < H->n; i++) {
		ptr[i] = &H->rec[i];
		ua[i] = H->rec[i].ua;
	}
	rules_begin_hour(&H->r, T0);
	rules_observe_batch(&H->r, ptr, ua, H->n);
	rules_end_observe(&H->r);
	rules_event_batch(&H->r, ptr, ua, H->n, bits);
	assert_true(count_bits(IVT_UID_FANOUT) > 0);
	assert_true(count_bits(IVT_FAST_CLICK) > 0);
	for (size_t i = 0; i < H->n; i++)
		assert_int_equal(bits[i], H->bits[i]);
	free(ptr);
	free(ua);
	free(bits);
	finish();
}

/* ---- bounds ---- */

static void test_tables_capped(void **state)
{
	struct rules_params p;
	size_t before;

	(void)state;
	rules_params_default(&p);
	p.table_max = 1024;
	p.sketch_log2 = 18;
	start(&p);
	before = rules_memory(&H->r);
	/* 30000 clicks from distinct addresses: more than the caps */
	for (int k = 0; k < 15000; k++) {
		size_t i = add_imp(T0 + k * 100, 0x20000000 + (uint32_t)k, 0, 1, 9);

		add_click(T0 + k * 100 + 50, i);
	}
	run();
	assert_true(H->r.st.table_full > 0);
	/* tables never hold more than their cap: 2 slots per entry */
	assert_true(rules_memory(&H->r) <= before + 13 * 2 * 1024 * 72);
	assert_int_equal(H->r.st.judged, H->n);
	finish();
}

static void test_bad_params(void **state)
{
	struct rules_params p;
	struct rules r;
	struct rules_lookback lb = { NULL, cb_impression, cb_saw_ad, NULL,
				     NULL, NULL };

	(void)state;
	rules_params_default(&p);
	p.repeat_click_count = 1;
	assert_int_equal(rules_init(&r, &p, &lb), -EINVAL);
	rules_params_default(&p);
	lb.impression = NULL;
	assert_int_equal(rules_init(&r, &p, &lb), -EINVAL);
}

/* Every reason of the table has its row in docs/rules.md's event rules
 * and in its table of families. */
static void names_in_doc(const struct rule_family *const *f, size_t nf)
{
	FILE *d = fopen("docs/rules.md", "r");
	char *doc = calloc(1, 1 << 20);
	size_t len;

	assert_non_null(d);
	assert_non_null(doc);
	len = fread(doc, 1, (1 << 20) - 1, d);
	fclose(d);
	doc[len] = '\0';
	for (size_t i = 0; i < nf; i++) {
		char want[128];

		snprintf(want, sizeof(want), "| `%s` | `", f[i]->name);
		if (!strstr(doc, want))
			print_error("docs/rules.md: no family row %s\n", want);
		assert_non_null(strstr(doc, want));
		for (const struct rule_reason *x = f[i]->reasons; x->bit; x++) {
			unsigned b = 0;

			while (!(x->bit & (1u << b)))
				b++;
			snprintf(want, sizeof(want), "| %u | `%s` |", b, x->name);
			if (!strstr(doc, want))
				print_error("docs/rules.md: no row %s\n", want);
			assert_non_null(strstr(doc, want));
		}
	}
	free(doc);
}

/* The table of rules: every analyze reason bit set by exactly one family
 * under the name ivt_reason_name gives; every [analyze] key of the rules
 * (all but pub_*) read by exactly one family or the core, with a field of
 * its type; the defaults are the keys' defaults. */
static void test_table(void **state)
{
	size_t nf, nk, claimed = 0, rule_keys = 0, params = 0;
	char err[256];
	const struct rule_family *const *f = rules_families(&nf);
	const struct conf_key *k = config_keys(&nk);
	uint32_t bits = 0;
	struct rules_params def, conf;
	struct config *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	assert_true(nf <= RULES_FAMILY_MAX);
	for (size_t i = 0; i < nf; i++) {
		assert_non_null(f[i]->name);
		assert_non_null(f[i]->doc);
		assert_non_null(strchr(f[i]->doc, ' '));
		assert_null(strchr(f[i]->doc, '\n'));
		assert_true(f[i]->reasons[0].bit != 0);
		for (const struct rule_reason *x = f[i]->reasons; x->bit; x++) {
			unsigned b = 0;

			while (!(x->bit & (1u << b)))
				b++;
			assert_int_equal(x->bit & ~IVT_MASK, 0);
			assert_int_equal(bits & x->bit, 0);
			bits |= x->bit;
			assert_string_equal(ivt_reason_name(b), x->name);
		}
	}
	assert_int_equal(bits, IVT_MASK);
	names_in_doc(f, nf);
	/* the mask ends at the last bit counted (a bit may be another
	 * branch's, not yet in this table) */
	assert_int_equal(IVT_MASK >> IVT_FIRST_BIT >> (IVT__COUNT - 1), 1);
	for (size_t j = 0; j < nk; j++) {
		size_t owners = 0;

		/* lock_wait is how long a run waits for another, no rule */
		if (strcmp(k[j].section, "analyze") ||
		    !strncmp(k[j].name, "pub_", 4) ||
		    !strcmp(k[j].name, "lock_wait"))
			continue;
		rule_keys++;
		for (size_t i = 0; i <= nf; i++) {
			const struct rule_param *x = i < nf ? f[i]->params :
						     rules_core_params;

			for (; x->key; x++) {
				if (strcmp(x->key, k[j].name))
					continue;
				owners++;
				assert_int_equal(x->kind == RULE_DBL,
						 k[j].type == CONF_DOUBLE);
			}
		}
		if (owners != 1)
			print_error("[analyze] %s read by %zu families\n",
				    k[j].name, owners);
		assert_int_equal(owners, 1);
		claimed++;
	}
	/* and no family reads a key the file does not have */
	for (size_t i = 0; i <= nf; i++) {
		const struct rule_param *x = i < nf ? f[i]->params :
					     rules_core_params;

		for (; x->key; x++)
			params++;
	}
	assert_int_equal(claimed, rule_keys);
	assert_int_equal(params, claimed);
	assert_true(claimed > 0);
	rules_params_default(&def);
	config_defaults(c);
	rules_params_from_config(&conf, c);
	assert_memory_equal(&def, &conf, sizeof(def));
	/* a value set in the file reaches the rules */
	assert_int_equal(config_set(c, "analyze", "min_click_delay_ms", "250",
				    err, sizeof(err)), 0);
	assert_int_equal(config_set(c, "analyze", "dup_click_window", "7",
				    err, sizeof(err)), 0);
	rules_params_from_config(&conf, c);
	assert_int_equal(conf.min_click_delay_ms, 250);
	assert_int_equal(conf.dup_click_window_ms, 7000);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_double_click_counted_once),
		cmocka_unit_test(test_dup_same_visitor_ad),
		cmocka_unit_test(test_dup_other_visitor_not),
		cmocka_unit_test(test_dup_ignores_flagged),
		cmocka_unit_test(test_dup_clicked_before),
		cmocka_unit_test(test_dup_across_hour_warm),
		cmocka_unit_test(test_repeat_click),
		cmocka_unit_test(test_repeat_spread_not),
		cmocka_unit_test(test_carrier_nat_not_flagged),
		cmocka_unit_test(test_no_impression),
		cmocka_unit_test(test_cookie_issued_with_impression),
		cmocka_unit_test(test_time_to_click),
		cmocka_unit_test(test_imp_flood),
		cmocka_unit_test(test_imp_stack),
		cmocka_unit_test(test_addr_burst_clicks),
		cmocka_unit_test(test_addr_burst_fresh_cookies),
		cmocka_unit_test(test_addr_burst_household_not),
		cmocka_unit_test(test_addr_burst_impressions),
		cmocka_unit_test(test_addr_ctr),
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_hot_addr_before),
		cmocka_unit_test(test_one_shot_seen_before),
		cmocka_unit_test(test_hot_addr_before_alone_not),
		cmocka_unit_test(test_one_shot_viral_not),
		cmocka_unit_test(test_one_shot_zones),
		cmocka_unit_test(test_one_shot_precision),
		cmocka_unit_test(test_hot_addr),
		cmocka_unit_test(test_hot_addr_people_not),
		cmocka_unit_test(test_net_ctr),
		cmocka_unit_test(test_uid_fanout_addresses),
		cmocka_unit_test(test_uid_fanout_user_agents),
		cmocka_unit_test(test_viral_spike_not_flagged),
		cmocka_unit_test(test_batch_same_bits),
		cmocka_unit_test(test_tables_capped),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
