/* test_lookback.c - the look-back of unsigned clicks over 24 hours: a
 * visitor who saw the ad five hours earlier (or 23) saw it, one who never
 * saw it or saw it 30 hours earlier did not; the older hours are answered
 * from per-hour filters saved under DATA/lookback/ and read back the next
 * time, with the same answers; a late segment makes a new filter.  The
 * address summaries hot_addr sums over the look-back: exact counts, a
 * double click and a click ingest flagged not counted, saved and reused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../analyze/lookback.h"

#define H0 2026010200u           /* the hour judged */
#define H0_MS 1767312000000LL    /* its start */
#define HOUR_MS 3600000LL

static char dir[64];
static uint32_t next_seq;

/* One segment of hour `hour` named name holding recs. */
static void write_seg(uint32_t hour, const char *name,
		      const struct seg_record *recs, size_t n)
{
	struct segment_writer w;
	char path[256];
	uint64_t sum;
	int fd;

	snprintf(path, sizeof(path), "%s/%u", dir, hour);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/%s", dir, hour, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(segment_writer_init(&w, fd, hour), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(segment_append(&w, &recs[i]), 0);
	assert_int_equal(segment_finish(&w, &sum), 0);
	segment_writer_release(&w);
	close(fd);
}

/* An impression (or an unsigned click) of ad by uid at ts. */
static struct seg_record rec(char type, int64_t ts, uint32_t uid, uint32_t ad)
{
	struct seg_record r;

	memset(&r, 0, sizeof(r));
	r.ts_ms = ts;
	r.id = ((uint64_t)(ts - 1577836800000LL) << 22) | (next_seq++ % 4096);
	r.type = (uint8_t)type;
	r.ip_family = 4;
	r.ip[10] = r.ip[11] = 0xff;
	r.ip[12] = 24;
	r.ip[15] = (uint8_t)uid;
	r.has_uid = 1;
	memcpy(r.uid, &uid, sizeof(uid));
	r.ua = r.ref = SEG_NO_STRING;
	r.ad = ad;
	r.zone = r.pub = r.camp = 1;
	if (type == 'c')
		r.flags = EVENT_F_NO_TOKEN;
	return r;
}

static uint32_t hour_minus(int d)
{
	return hour_add(H0, -d);
}

/* Files of hour h in DATA/lookback/ ending in suffix. */
static int files_of(uint32_t h, const char *suffix)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls '%s/lookback' | grep -c '^%u\\..*%s$'",
		 dir, h, suffix);
	assert_non_null(p = popen(cmd, "r"));
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static int filters_of(uint32_t h)
{
	return files_of(h, "\\.seen");
}

/* Prepare hour H0 and ask saw_ad for each of its clicks; *built and
 * *read get the filters made and consulted. */
static void judge(bool saw[], size_t n, uint32_t *built, uint32_t *read)
{
	struct lookback lb;
	struct rules_lookback cb;
	struct hour_set h;
	char err[256];
	size_t k = 0;

	assert_int_equal(lookback_init(&lb, dir, 86400000), 0);
	lookback_callbacks(&lb, &cb);
	assert_int_equal(hour_scan(&h, dir, H0, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	assert_int_equal(lookback_prepare(&lb, &h, NULL, err, sizeof(err)), 0);
	for (size_t s = 0; s < h.n; s++)
		for (size_t b = 0; b < h.segs[s].r.neblocks; b++) {
			uint32_t m;
			const struct seg_record *x = hour_seg_block(&h, s, b, &m);

			for (uint32_t i = 0; i < m; i++)
				lookback_observe(&lb, &x[i], &h.segs[s]);
		}
	for (size_t s = 0; s < h.n; s++)
		for (size_t b = 0; b < h.segs[s].r.neblocks; b++) {
			uint32_t m;
			const struct seg_record *x = hour_seg_block(&h, s, b, &m);

			for (uint32_t i = 0; i < m; i++) {
				uint64_t keys[2];
				unsigned nk;

				if (x[i].type != 'c')
					continue;
				assert_true(k < n);
				nk = rules_saw_keys(&x[i], 0, keys);
				saw[k] = false;
				for (unsigned q = 0; q < nk && !saw[k]; q++)
					saw[k] = cb.saw_ad(cb.ctx, &x[i], keys[q]);
				k++;
			}
		}
	assert_int_equal(k, n);
	*built = lb.seen_built;
	*read = lb.seen_read;
	hour_release(&h);
	lookback_release(&lb);
}

static void test_unsigned_24h(void **state)
{
	/* clicks in H0 by visitors 1..5 on ad 7 */
	struct seg_record clicks[5], old5[2], old23[1], old30[1], late[1];
	bool saw[5];
	uint32_t built, read;
	char cmd[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/adlog-test-lookback.%d", (int)getpid());
	mkdir(dir, 0755);
	for (uint32_t v = 1; v <= 5; v++)
		clicks[v - 1] = rec('c', H0_MS + 600000 + v * 1000, v, 7);
	write_seg(H0, "a.seg", clicks, 5);
	/* visitor 1 saw ad 7 five hours earlier, visitor 2 saw ad 8 */
	old5[0] = rec('i', H0_MS - 5 * HOUR_MS + 1000, 1, 7);
	old5[1] = rec('i', H0_MS - 5 * HOUR_MS + 2000, 2, 8);
	write_seg(hour_minus(5), "a.seg", old5, 2);
	/* visitor 3 saw it 23 hours earlier, visitor 4 thirty hours earlier */
	old23[0] = rec('i', H0_MS - 23 * HOUR_MS + 5000, 3, 7);
	write_seg(hour_minus(23), "a.seg", old23, 1);
	old30[0] = rec('i', H0_MS - 30 * HOUR_MS + 5000, 4, 7);
	write_seg(hour_minus(30), "a.seg", old30, 1);

	judge(saw, 5, &built, &read);
	assert_true(saw[0]);             /* 5 h: seen */
	assert_false(saw[1]);            /* another ad */
	assert_true(saw[2]);             /* 23 h: seen */
	assert_false(saw[3]);            /* 30 h: outside the look-back */
	assert_false(saw[4]);            /* never */
	assert_int_equal(built, 2);      /* the two hours with segments */
	assert_int_equal(read, 2);

	/* again: the same answers from the saved filters */
	judge(saw, 5, &built, &read);
	assert_true(saw[0] && saw[2]);
	assert_false(saw[1] || saw[3] || saw[4]);
	assert_int_equal(built, 0);
	assert_int_equal(read, 2);

	/* a late segment of H0-5: visitor 5 saw the ad; a new filter, and
	 * the old one (and a filter of 60 hours ago) deleted */
	late[0] = rec('i', H0_MS - 5 * HOUR_MS + 9000, 5, 7);
	write_seg(hour_minus(5), "b.seg", late, 1);
	snprintf(cmd, sizeof(cmd), "touch '%s/lookback/%u.x.seen'", dir,
		 hour_minus(60));
	assert_int_equal(system(cmd), 0);
	assert_int_equal(filters_of(hour_minus(60)), 1);
	judge(saw, 5, &built, &read);
	assert_true(saw[4]);
	assert_int_equal(built, 1);
	assert_int_equal(filters_of(hour_minus(5)), 1);
	assert_int_equal(filters_of(hour_minus(23)), 1);
	assert_int_equal(filters_of(hour_minus(60)), 0);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Prepare hour H0 (its clicks); the look-back's counts of address
 * records a[0..n) into k[], imps[]; *built, *read: summaries made, read. */
static void addr_counts(const struct seg_record *a, size_t n, uint32_t *k,
			uint32_t *imps, bool *seen, uint32_t *built,
			uint32_t *read)
{
	struct lookback lb;
	struct rules_lookback cb;
	struct hour_set h;
	char err[256];

	assert_int_equal(lookback_init(&lb, dir, 86400000), 0);
	lookback_callbacks(&lb, &cb);
	assert_non_null(cb.addr_before);
	assert_int_equal(hour_scan(&h, dir, H0, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	assert_int_equal(lookback_prepare(&lb, &h, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < n; i++)
		cb.addr_before(cb.ctx, rules_addr_key(&a[i]), &k[i], &imps[i]);
	for (size_t i = 0; i < n; i++)
		seen[i] = cb.addr_seen_before(cb.ctx, rules_addr_key(&a[i]));
	*built = lb.addr_built;
	*read = lb.addr_read;
	hour_release(&h);
	lookback_release(&lb);
}

static void test_addr_summaries(void **state)
{
	struct seg_record now[4], h2[6], h3[5], h5[1], h7[3], h9[1], h30[3];
	struct seg_record late[1], who[6];
	uint32_t k[6], imps[6], built, read;
	bool seen[6];
	char cmd[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/adlog-test-lookaddr.%d", (int)getpid());
	mkdir(dir, 0755);
	/* addresses 1, 50, 60, 70 click in H0 */
	now[0] = rec('c', H0_MS + 1000, 1, 7);
	now[1] = rec('c', H0_MS + 2000, 50, 7);
	now[2] = rec('c', H0_MS + 3000, 60, 7);
	now[3] = rec('c', H0_MS + 4000, 70, 7);
	write_seg(H0, "a.seg", now, 4);
	/* H0-5: address 50 was shown an ad, and did not click */
	h5[0] = rec('i', H0_MS - 5 * HOUR_MS + 1000, 50, 8);
	write_seg(hour_minus(5), "a.seg", h5, 1);
	/* H0-2: address 1 sees 2 impressions, clicks one twice (a double
	 * click) and the other once; a click ingest flagged does not count */
	h2[0] = rec('i', H0_MS - 2 * HOUR_MS + 1000, 1, 7);
	h2[1] = rec('i', H0_MS - 2 * HOUR_MS + 2000, 1, 7);
	h2[2] = rec('c', H0_MS - 2 * HOUR_MS + 3000, 1, 7);
	h2[2].imp = h2[0].id;
	h2[3] = h2[2];
	h2[3].ts_ms += 300;
	h2[3].id++;
	h2[4] = rec('c', H0_MS - 2 * HOUR_MS + 5000, 1, 7);
	h2[4].imp = h2[1].id;
	h2[5] = rec('c', H0_MS - 2 * HOUR_MS + 6000, 1, 7);
	h2[5].reasons = 1;
	write_seg(hour_minus(2), "a.seg", h2, 6);
	/* H0-3: address 1 one impression, one click; address 9, which does
	 * not click in H0, three impressions and one click */
	h3[0] = rec('i', H0_MS - 3 * HOUR_MS + 1000, 1, 7);
	h3[1] = rec('c', H0_MS - 3 * HOUR_MS + 2000, 1, 7);
	for (int i = 2; i < 5; i++)
		h3[i] = rec(i == 4 ? 'c' : 'i',
			    H0_MS - 3 * HOUR_MS + 3000 + i, 9, 7);
	h3[4].imp = h3[3].id;
	h3[4].flags = EVENT_F_TOKEN_VALID;
	write_seg(hour_minus(3), "a.seg", h3, 5);
	/* H0-7 and H0-9: address 1 seen, no click (3 and 1 impressions) */
	for (int i = 0; i < 3; i++)
		h7[i] = rec('i', H0_MS - 7 * HOUR_MS + 1000 + i, 1, 7);
	write_seg(hour_minus(7), "a.seg", h7, 3);
	h9[0] = rec('i', H0_MS - 9 * HOUR_MS + 1000, 1, 7);
	write_seg(hour_minus(9), "a.seg", h9, 1);
	/* 30 hours before: outside the look-back */
	h30[0] = rec('i', H0_MS - 30 * HOUR_MS + 1000, 1, 7);
	h30[1] = rec('c', H0_MS - 30 * HOUR_MS + 2000, 1, 7);
	h30[2] = rec('i', H0_MS - 30 * HOUR_MS + 3000, 70, 7);
	write_seg(hour_minus(30), "a.seg", h30, 3);
	who[0] = now[0];
	who[1] = h3[2];
	who[2] = rec('i', H0_MS, 200, 7);        /* never clicked */
	who[3] = now[1];
	who[4] = now[2];
	who[5] = now[3];

	addr_counts(who, 6, k, imps, seen, &built, &read);
	/* seen before: 1 (clicked), 50 (shown an ad 5 hours before); not:
	 * 60 (never), 70 (30 hours before) */
	assert_true(seen[0] && seen[3]);
	assert_false(seen[4] || seen[5]);
	/* address 1: 3 clicks; 3 impressions in the 2 hours it clicked in,
	 * and 2 hours seen without a click at its mean of 2 (rounded up) */
	assert_int_equal(k[0], 3);
	assert_int_equal(imps[0], 3 + 2 * 2);
	/* address 9 clicks on one impression: not asked how often seen */
	assert_int_equal(k[1], 1);
	assert_int_equal(imps[1], 2);
	assert_int_equal(k[2] + imps[2], 0);
	/* address 50 clicks now, seen in one earlier hour: one impression */
	assert_int_equal(k[3], 0);
	assert_int_equal(imps[3], 1);
	assert_int_equal(k[4] + imps[4], 0);
	assert_int_equal(built, 5);      /* the hours with segments */
	assert_int_equal(read, 5);
	assert_int_equal(files_of(hour_minus(2), "\\.addr"), 1);

	/* again, from the saved summaries: the same counts */
	addr_counts(who, 6, k, imps, seen, &built, &read);
	assert_int_equal(k[0], 3);
	assert_int_equal(imps[0], 7);
	assert_int_equal(imps[3], 1);
	assert_int_equal(k[1], 1);
	assert_true(seen[0] && seen[3]);
	assert_false(seen[4] || seen[5]);
	assert_int_equal(built, 0);
	assert_int_equal(read, 5);

	/* a late segment of H0-2: one more click, a new summary */
	late[0] = rec('c', H0_MS - 2 * HOUR_MS + 9000, 1, 7);
	write_seg(hour_minus(2), "b.seg", late, 1);
	addr_counts(who, 6, k, imps, seen, &built, &read);
	assert_int_equal(k[0], 4);
	assert_int_equal(built, 1);
	assert_int_equal(files_of(hour_minus(2), "\\.addr"), 1);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The sampled addresses (rules_addr_sampled) are asked whether seen
 * before though they do not click; the others only when they click. */
static void test_sampled_addresses(void **state)
{
	struct seg_record now[254], before[127];
	struct lookback lb;
	struct rules_lookback cb;
	struct hour_set h;
	char err[256], cmd[128];
	unsigned sampled[2] = { 0, 0 };

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/adlog-test-looksample.%d",
		 (int)getpid());
	mkdir(dir, 0755);
	/* addresses 1-254 are shown an ad in H0; 1-127 were 4 hours before */
	for (uint32_t a = 1; a <= 254; a++)
		now[a - 1] = rec('i', H0_MS + a, a, 7);
	for (uint32_t a = 1; a <= 127; a++)
		before[a - 1] = rec('i', H0_MS - 4 * HOUR_MS + a, a, 7);
	write_seg(H0, "a.seg", now, 254);
	write_seg(hour_minus(4), "a.seg", before, 127);
	assert_int_equal(lookback_init(&lb, dir, 86400000), 0);
	lookback_callbacks(&lb, &cb);
	assert_int_equal(hour_scan(&h, dir, H0, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	assert_int_equal(lookback_prepare(&lb, &h, NULL, err, sizeof(err)), 0);
	for (uint32_t a = 1; a <= 254; a++) {
		uint64_t akey = rules_addr_key(&now[a - 1]);
		bool s = rules_addr_sampled(akey);

		sampled[a > 127] += s;
		assert_int_equal(cb.addr_seen_before(cb.ctx, akey),
				 s && a <= 127);
	}
	/* both kinds were sampled, so both answers were checked */
	assert_true(sampled[0] > 0 && sampled[1] > 0);
	hour_release(&h);
	lookback_release(&lb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsigned_24h),
		cmocka_unit_test(test_addr_summaries),
		cmocka_unit_test(test_sampled_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
