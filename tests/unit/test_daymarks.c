/* test_daymarks.c - the judgement over a rolling day on hand-made days of
 * ordinary people (one impression an hour, a click in four addresses, CTR
 * about 1%): a self-clicker with two home addresses clicking each of its 2
 * impressions an hour (96 clicks, never 5 in an hour) is marked on both
 * addresses and its kept uids, every event of the day, but not an event
 * ingest flagged; a keen reader (5 clicks in 24 impressions) and the
 * people are not; an actor clicking 3 of 3 before midnight and 3 of 3
 * after is marked through the rolling window; the marks file reads back
 * with the same verdicts, a damaged one is refused; a late segment of the
 * window or another threshold makes another digest. */
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

#include "../../analyze/daymarks.h"
#include "../../analyze/reason.h"
#include "event.h"

#define DAY 20260102u
#define D0_MS 1767312000000LL    /* 2026-01-02 00:00 UTC */
#define HOUR_MS 3600000LL
#define PEOPLE 400
#define SELF_A 1000              /* the self-clicker's addresses */
#define SELF_B 1001
#define KEEN 1002
#define STRADDLE 1003

static char dir[64];
static uint32_t next_seq;
static const struct daymarks_params params = { 10.6, 0.01, 5 };

struct hourbuf {
	struct seg_record *v;
	size_t n, cap;
};

static struct hourbuf hours[48];     /* D-1 then D */

static uint32_t hour_no(int i)
{
	return hour_add(DAY * 100, i - 24);
}

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

/* An event of address a (its own kept uid) at ts; a click names imp. */
static struct seg_record rec(char type, int64_t ts, uint32_t a, uint64_t imp)
{
	struct seg_record r;

	memset(&r, 0, sizeof(r));
	r.ts_ms = ts;
	r.id = ((uint64_t)(ts - 1577836800000LL) << 22) | (next_seq++ % 4096);
	r.type = (uint8_t)type;
	r.imp = type == 'c' ? imp : 0;
	r.ip_family = 4;
	r.ip[10] = r.ip[11] = 0xff;
	r.ip[12] = 10;
	r.ip[13] = (uint8_t)(a >> 8);
	r.ip[14] = (uint8_t)a;
	r.ip[15] = 7;
	r.has_uid = 1;
	memcpy(r.uid, &a, sizeof(a));
	r.ua = r.ref = SEG_NO_STRING;
	r.ad = r.zone = r.pub = r.camp = 1 + a % 5;
	r.flags = type == 'c' ? EVENT_F_TOKEN_VALID : 0;
	return r;
}

static struct seg_record *push(int i, struct seg_record r)
{
	struct hourbuf *b = &hours[i];

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		assert_non_null(b->v);
	}
	b->v[b->n] = r;
	return &b->v[b->n++];
}

/* An impression of a at minute min of window hour i, and its click 20 s
 * later when clicked. */
static void visit(int i, int min, uint32_t a, bool clicked)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	uint64_t id = push(i, rec('i', ts, a, 0))->id;

	if (clicked)
		push(i, rec('c', ts + 20000, a, id));
}

static int cmp_ts(const void *x, const void *y)
{
	const struct seg_record *a = x, *b = y;

	return a->ts_ms < b->ts_ms ? -1 : a->ts_ms > b->ts_ms;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_daymarks.%ld", (long)getpid());
	mkdir(dir, 0755);
	memset(hours, 0, sizeof(hours));
	for (int i = 0; i < 48; i++) {
		for (uint32_t a = 0; a < PEOPLE; a++)
			visit(i, (int)(a % 50), a, a % 4 == 0 && (int)(a % 48) == i);
		if (i >= 24)
			for (int k = 0; k < 2; k++) {
				visit(i, 10 + k * 20, SELF_A, true);
				visit(i, 15 + k * 20, SELF_B, true);
			}
		/* 5 clicks in the day's 24 impressions */
		visit(i, 55, KEEN, i >= 24 && i % 5 == 0);
		/* 3 of 3 before midnight, 3 of 3 after */
		if (i >= 21 && i < 27)
			visit(i, 58, STRADDLE, true);
	}
	for (int i = 0; i < 48; i++) {
		qsort(hours[i].v, hours[i].n, sizeof(*hours[i].v), cmp_ts);
		write_seg(hour_no(i), "a.seg", hours[i].v, hours[i].n);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	for (int i = 0; i < 48; i++)
		free(hours[i].v);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The day bits of the events of address a in window hours [from, to). */
static void expect_marked(const struct daymarks *m, uint32_t a, int from,
			  int to, bool marked)
{
	size_t seen = 0;

	for (int i = from; i < to; i++)
		for (size_t k = 0; k < hours[i].n; k++) {
			struct seg_record r = hours[i].v[k];
			uint32_t x;

			memcpy(&x, r.uid, sizeof(x));
			if (x != a)
				continue;
			seen++;
			assert_int_equal(daymarks_event(m, &r),
					 marked ? IVT_DAY_ADDR : 0);
			/* an event ingest flagged is never the day's */
			r.reasons = SEG_R_DATACENTER;
			assert_int_equal(daymarks_event(m, &r), 0);
		}
	assert_true(seen > 0);
}

static void test_self_clicker(void **state)
{
	struct daymarks m;
	char err[256];

	(void)state;
	assert_int_equal(daymarks_compute(&m, dir, DAY, &params, err,
					  sizeof(err)), 0);
	assert_int_equal(m.day, DAY);
	/* the self-clicker's two addresses and two uids, the straddler's
	 * address and uid */
	assert_int_equal(m.addrs_marked, 3);
	assert_int_equal(m.uids_marked, 3);
	expect_marked(&m, SELF_A, 24, 48, true);
	expect_marked(&m, SELF_B, 24, 48, true);
	expect_marked(&m, STRADDLE, 24, 27, true);
	expect_marked(&m, KEEN, 0, 48, false);
	for (uint32_t a = 0; a < PEOPLE; a += 37)
		expect_marked(&m, a, 0, 48, false);
	assert_true(daymarks_covers(&m, DAY * 100 + 23));
	assert_false(daymarks_covers(&m, hour_no(23)));
	daymarks_release(&m);
}

static void test_save_load(void **state)
{
	struct daymarks m, back;
	char err[256], path[128];
	FILE *f;

	(void)state;
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), 0);
	assert_int_equal(back.day, 0);
	assert_int_equal(daymarks_event(&back, &hours[30].v[0]), 0);
	assert_int_equal(daymarks_compute(&m, dir, DAY, &params, err,
					  sizeof(err)), 0);
	assert_int_equal(daymarks_save(&m, dir, err, sizeof(err)), 0);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), 1);
	assert_string_equal(back.digest, m.digest);
	assert_int_equal(back.n, m.n);
	expect_marked(&back, SELF_A, 24, 48, true);
	expect_marked(&back, KEEN, 24, 48, false);
	daymarks_release(&back);
	daymarks_release(&m);
	/* cut short: refused, not read as fewer marks */
	snprintf(path, sizeof(path), "%s/day/%u.marks", dir, DAY);
	assert_int_equal(truncate(path, 70), 0);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	assert_non_null(f = fopen(path, "w"));
	fputs("not marks", f);
	fclose(f);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), -1);
	unlink(path);
}

static void test_digest(void **state)
{
	char a[40], b[40], c[40], err[256];
	struct daymarks_params other = params;
	struct seg_record late;

	(void)state;
	assert_int_equal(daymarks_digest(dir, DAY, &params, a, err, sizeof(err)), 0);
	assert_int_equal(daymarks_digest(dir, DAY, &params, b, err, sizeof(err)), 0);
	assert_string_equal(a, b);
	other.alpha = 0.02;
	assert_int_equal(daymarks_digest(dir, DAY, &other, c, err, sizeof(err)), 0);
	assert_string_not_equal(a, c);
	/* a late segment of the day before, inside the window */
	late = rec('i', D0_MS - 2 * HOUR_MS + 5, 77, 0);
	write_seg(hour_no(22), "late.seg", &late, 1);
	assert_int_equal(daymarks_digest(dir, DAY, &params, c, err, sizeof(err)), 0);
	assert_string_not_equal(a, c);
	snprintf(err, sizeof(err), "%s/%u/late.seg", dir, hour_no(22));
	unlink(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_clicker),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
