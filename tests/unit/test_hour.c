/* test_hour.c - analyze's view of an hour: hour numbers, the segment set and
 * its digest (a late segment changes it, temp files do not), verification
 * errors that name the file, and the merge into one time-ordered stream. */
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

#include "../../analyze/hour.h"

#define HOUR 2026010112u

static char dir[64];
static char hdir[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/adlog-test-hour.%d", (int)getpid());
	snprintf(hdir, sizeof(hdir), "%s/%u", dir, HOUR);
	mkdir(dir, 0755);
	mkdir(hdir, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* A segment of hour `hour` named name with n records: ts = t0 + i * step,
 * ids increasing. */
static void write_seg(const char *name, uint32_t hour, int64_t t0,
		      int64_t step, int n, uint32_t node)
{
	struct segment_writer w;
	char path[256];
	uint64_t sum;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", hdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(segment_writer_init(&w, fd, hour), 0);
	for (int i = 0; i < n; i++) {
		struct seg_record r;

		memset(&r, 0, sizeof(r));
		r.ts_ms = t0 + i * step;
		r.id = ((uint64_t)(r.ts_ms - 1577836800000LL) << 22) |
		       (node << 12) | (uint64_t)i % 4096;
		r.type = 'i';
		r.ip_family = 4;
		r.ua = r.ref = SEG_NO_STRING;
		r.ad = (uint32_t)i % 7;
		assert_int_equal(segment_append(&w, &r), 0);
	}
	assert_int_equal(segment_finish(&w, &sum), 0);
	segment_writer_release(&w);
	close(fd);
}

static void test_hour_numbers(void **state)
{
	uint32_t h;

	(void)state;
	assert_int_equal(hour_parse("2026010112", 10, &h), 0);
	assert_int_equal(h, 2026010112u);
	assert_int_equal(hour_parse("2024022923", 10, &h), 0);
	assert_int_not_equal(hour_parse("2026022900", 10, &h), 0);
	assert_int_not_equal(hour_parse("2026013124", 10, &h), 0);
	assert_int_not_equal(hour_parse("2026113", 7, &h), 0);
	assert_int_not_equal(hour_parse("20260101x2", 10, &h), 0);
	assert_int_equal(hour_add(2026123123u, 1), 2027010100u);
	assert_int_equal(hour_add(2026030100u, -1), 2026022823u);
	assert_int_equal(hour_add(2024030100u, -1), 2024022923u);
}

static void test_scan_digest(void **state)
{
	struct hour_set h;
	char err[256], d1[HOUR_DIGEST_HEX + 1], d2[HOUR_DIGEST_HEX + 1];
	int64_t t0 = hour_start_ms(HOUR);

	(void)state;
	/* no folder: an empty set, not an error */
	assert_int_equal(hour_scan(&h, dir, 2026010111u, err, sizeof(err)), 0);
	assert_int_equal(h.n, 0);
	hour_release(&h);

	write_seg("b.seg", HOUR, t0, 1000, 100, 1);
	write_seg(".b2.seg.tmp", HOUR, t0, 1000, 100, 2);   /* ingest's temp */
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(h.n, 1);
	memcpy(d1, h.digest, sizeof(d1));
	hour_release(&h);

	/* a late segment changes the digest; scanning again does not */
	write_seg("a.seg", HOUR, t0 + 5, 1000, 50, 3);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.segs[0].name, "a.seg");
	memcpy(d2, h.digest, sizeof(d2));
	assert_string_not_equal(d1, d2);
	hour_release(&h);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_string_equal(h.digest, d2);
	hour_release(&h);
}

static void test_merge_order(void **state)
{
	struct hour_set h;
	struct hour_merge m;
	const struct seg_record *r;
	char err[256];
	int64_t t0 = hour_start_ms(HOUR), last = INT64_MIN;
	uint32_t seg;
	int n = 0, from_a = 0;

	(void)state;
	write_seg("a.seg", HOUR, t0 + 3, 7, 9000, 1);   /* several blocks */
	write_seg("b.seg", HOUR, t0, 5, 5000, 2);
	write_seg("c.seg", HOUR, t0 + 1, 11, 1, 3);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	assert_int_equal(h.events, 14001);
	assert_int_equal(hour_merge_init(&m, &h, INT64_MIN), 0);
	while ((r = hour_merge_next(&m, &seg))) {
		assert_true(r->ts_ms >= last);
		last = r->ts_ms;
		from_a += seg == 0;
		n++;
	}
	assert_int_equal(n, 14001);
	assert_int_equal(from_a, 9000);
	assert_int_equal(m.out_of_order, 0);
	hour_merge_release(&m);

	/* from a time on: exactly the records at or after it */
	assert_int_equal(hour_merge_init(&m, &h, t0 + 30000), 0);
	n = 0;
	while ((r = hour_merge_next(&m, &seg))) {
		assert_true(r->ts_ms >= t0 + 30000);
		n++;
	}
	/* a: ts = 3 + 7i >= 30000 -> i >= 4286; b: 5i >= 30000 -> i >= 6000 */
	assert_int_equal(n, 9000 - 4286);
	hour_merge_release(&m);
	hour_release(&h);
}

/* Copies: a segment shipped twice is met once; a second merge that
 * replays the first's copies yields the same stream without the window,
 * and one given a list that is over falls back to the window. */
static void test_merge_copies(void **state)
{
	struct hour_set h;
	struct hour_merge m;
	struct hour_copies c = { 0 };
	const struct seg_record *r;
	char err[256];
	int64_t t0 = hour_start_ms(HOUR);
	uint64_t *ids = calloc(30000, sizeof(*ids));
	uint32_t seg;
	size_t n = 0;

	(void)state;
	assert_non_null(ids);
	/* 20 s of records: the window (5 s) is purged many times */
	write_seg("a.seg", HOUR, t0, 1, 20000, 1);
	write_seg("b.seg", HOUR, t0, 1, 20000, 1);   /* a copy of a.seg */
	write_seg("c.seg", HOUR, t0, 3, 5000, 2);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	assert_int_equal(hour_merge_init(&m, &h, INT64_MIN), 0);
	hour_merge_keep(&m, &c);
	while ((r = hour_merge_next(&m, &seg))) {
		assert_true(n < 30000);
		assert_int_not_equal(seg, 1);   /* the first by name is kept */
		ids[n++] = r->id;
	}
	assert_int_equal(n, 25000);
	assert_int_equal(m.copies, 20000);
	assert_false(m.nomem);
	hour_merge_release(&m);
	assert_int_equal(c.n, 20000);
	assert_false(c.over);

	for (int over = 0; over < 2; over++) {
		size_t k = 0;

		c.over = over;
		assert_int_equal(hour_merge_init(&m, &h, INT64_MIN), 0);
		hour_merge_replay(&m, &c);
		assert_true(over ? m.replay == NULL : m.replay == &c);
		while ((r = hour_merge_next(&m, &seg))) {
			assert_true(k < n);
			assert_true(r->id == ids[k]);
			k++;
		}
		assert_int_equal(k, n);
		assert_int_equal(m.copies, 20000);
		hour_merge_release(&m);
	}
	hour_copies_release(&c);
	hour_release(&h);
	free(ids);
}

/* Blocks come from read buffers: the two last blocks of a segment stay
 * valid, a record from the merge until the next call; a block read that
 * fails is reported, not silently short. */
static void test_block_buffers(void **state)
{
	struct hour_set h;
	char err[256];
	int64_t t0 = hour_start_ms(HOUR);
	const struct seg_record *b0, *b1, *again;
	uint32_t n0, n1, n;

	(void)state;
	write_seg("a.seg", HOUR, t0, 3, 9000, 1);   /* blocks of 4096, 4096, 808 */
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), 0);
	b0 = hour_seg_block(&h, 0, 0, &n0);
	b1 = hour_seg_block(&h, 0, 1, &n1);
	assert_int_equal(n0, 4096);
	assert_int_equal(n1, 4096);
	assert_int_equal(b0[0].ts_ms, t0);
	assert_int_equal(b1[0].ts_ms, t0 + 3 * 4096);
	again = hour_seg_block(&h, 0, 0, &n);   /* still held: no read */
	assert_ptr_equal(again, b0);
	assert_int_equal(b0[4095].ts_ms, t0 + 3 * 4095);
	b0 = hour_seg_block(&h, 0, 2, &n);      /* replaces block 0 */
	assert_int_equal(n, 808);
	assert_int_equal(b0[0].ts_ms, t0 + 3 * 8192);
	assert_int_equal(hour_read_error(&h, err, sizeof(err)), 0);

	/* the file's descriptor fails under the reader: the error is kept */
	close(h.segs[0].r.fd);
	h.segs[0].r.fd = open("/dev/null", O_RDONLY);
	b0 = hour_seg_block(&h, 0, 0, &n);
	assert_int_equal(n, 0);
	assert_int_equal(hour_read_error(&h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, hdir));
	hour_release(&h);
}

static void test_open_errors(void **state)
{
	struct hour_set h;
	char err[256], path[256];
	int64_t t0 = hour_start_ms(HOUR);
	FILE *f;

	(void)state;
	/* a segment of another hour in this hour's folder */
	write_seg("x.seg", 2026010113u, t0 + 3600000, 1000, 10, 1);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "x.seg"));
	hour_release(&h);
	snprintf(path, sizeof(path), "%s/x.seg", hdir);
	unlink(path);

	/* a truncated one: named in the message */
	snprintf(path, sizeof(path), "%s/y.seg", hdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("ADLOGSEG but not really a segment at all, just text here....", f);
	fclose(f);
	assert_int_equal(hour_scan(&h, dir, HOUR, err, sizeof(err)), 0);
	assert_int_equal(hour_open(&h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "y.seg"));
	hour_release(&h);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hour_numbers),
		cmocka_unit_test_setup_teardown(test_scan_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_copies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
