/* test_segment.c - the hourly segment: what the writer stores the reader
 * gives back (records, strings once, hashes), and every kind of damage to
 * the file is refused rather than trusted. */
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
#include <xxhash.h>

#include "segment.h"

static char path[] = "/tmp/adlog-test-segment.XXXXXX";

/* Write n events whose ua cycles over nua strings and ref is unique per
 * event when unique_refs; returns the checksum. */
static uint64_t write_seg(const char *p, unsigned n, unsigned nua,
			  bool unique_refs)
{
	struct segment_writer w;
	uint64_t sum = 0;
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(segment_writer_init(&w, fd, 2026112704), 0);
	for (unsigned i = 0; i < n; i++) {
		struct event ev = { 0 };
		struct seg_record r;
		char ua[64], ref[64];

		ev.type = i % 7 ? 'i' : 'c';
		ev.ts_ms = 1795752000000LL + i;
		ev.id = 1000 + i;
		ev.imp = ev.type == 'c' ? 999 : 0;
		ev.ip.family = i % 3 ? 4 : 6;
		ev.ip.bytes[0] = 203;
		ev.ip.bytes[3] = (uint8_t)i;
		ev.has_uid = i % 2;
		ev.uid[0] = (uint8_t)(ev.has_uid * 7);
		ev.flags = 1;
		ev.ad = i;
		ev.zone = i * 2;
		ev.pub = 3;
		ev.camp = 4;
		ev.ua.len = (size_t)snprintf(ua, sizeof(ua), "Mozilla/5.0 agent %u",
					     i % nua);
		ev.ua.ptr = ua;
		ev.ref.len = unique_refs ? (size_t)snprintf(ref, sizeof(ref),
				"https://x.example/%u", i) : 0;
		ev.ref.ptr = ref;
		segment_record_from_event(&w, &ev, i % 5 ? 0 : SEG_R_DATACENTER,
					  NULL, NULL, &r);
		assert_int_equal(segment_append(&w, &r), 0);
	}
	assert_int_equal(segment_finish(&w, &sum), 0);
	segment_writer_release(&w);
	close(fd);
	return sum;
}

static void test_round_trip(void **state)
{
	struct segment_reader r;
	struct seg_cursor c = { 0, 0 };
	const struct seg_record *x;
	unsigned n = 10000, i = 0;
	uint64_t sum;

	(void)state;
	sum = write_seg(path, n, 37, true);
	assert_int_equal(segment_open(&r, path), SEG_OK);
	assert_int_equal(r.events, n);
	assert_int_equal(r.hour, 2026112704);
	assert_int_equal(r.checksum, sum);
	assert_int_equal(r.strings, 37 + n);   /* each UA once */
	assert_true(r.neblocks >= n / SEG_BLOCK_EVENTS);
	while ((x = segment_next(&r, &c))) {
		struct span ua, ref;
		char want[64];
		struct event_addr a;

		assert_int_equal(x->id, 1000 + i);
		assert_int_equal(x->ts_ms, 1795752000000LL + i);
		assert_int_equal(x->type, i % 7 ? 'i' : 'c');
		assert_int_equal(x->reasons, i % 5 ? 0 : SEG_R_DATACENTER);
		assert_int_equal(x->ad, i);
		assert_int_equal(x->has_uid, i % 2);
		segment_record_addr(x, &a);
		assert_int_equal(a.family, i % 3 ? 4 : 6);
		assert_int_equal(a.bytes[3], (uint8_t)i);
		assert_true(segment_string_get(&r, x->ua, &ua));
		snprintf(want, sizeof(want), "Mozilla/5.0 agent %u", i % 37);
		assert_int_equal(ua.len, strlen(want));
		assert_memory_equal(ua.ptr, want, ua.len);
		assert_int_equal(segment_string_hash(&r, x->ua),
				 XXH3_64bits(want, strlen(want)));
		assert_true(segment_string_get(&r, x->ref, &ref));
		snprintf(want, sizeof(want), "https://x.example/%u", i);
		assert_memory_equal(ref.ptr, want, ref.len);
		i++;
	}
	assert_int_equal(i, n);
	segment_close(&r);
}

static void test_empty_fields_and_empty_segment(void **state)
{
	struct segment_reader r;
	struct span s;

	(void)state;
	write_seg(path, 3, 1, false);
	assert_int_equal(segment_open(&r, path), SEG_OK);
	assert_int_equal(r.eblocks[0].recs[0].ref, SEG_NO_STRING);
	assert_true(segment_string_get(&r, SEG_NO_STRING, &s));
	assert_int_equal(s.len, 0);
	assert_false(segment_string_get(&r, 5, &s));
	segment_close(&r);
	write_seg(path, 0, 1, false);
	assert_int_equal(segment_open(&r, path), SEG_OK);
	assert_int_equal(r.events, 0);
	segment_close(&r);
}

static void test_deterministic(void **state)
{
	char p2[] = "/tmp/adlog-test-segment2.XXXXXX";
	int fd = mkstemp(p2);
	char cmd[200];

	(void)state;
	close(fd);
	assert_int_equal(write_seg(path, 5000, 10, true),
			 write_seg(p2, 5000, 10, true));
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", path, p2);
	assert_int_equal(system(cmd), 0);
	unlink(p2);
}

static uint8_t *slurp(const char *p, size_t *n)
{
	struct stat st;
	uint8_t *b;
	int fd = open(p, O_RDONLY);

	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	b = aligned_alloc(8, ((size_t)st.st_size + 8) & ~(size_t)7);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)st.st_size), st.st_size);
	close(fd);
	*n = (size_t)st.st_size;
	return b;
}

static void test_damage_refused(void **state)
{
	struct segment_reader r;
	size_t n;
	uint8_t *b;

	(void)state;
	write_seg(path, 5000, 10, true);
	b = slurp(path, &n);
	assert_int_equal(segment_open_mem(&r, b, n), SEG_OK);
	segment_close(&r);
	/* every truncation point is refused */
	for (size_t cut = 0; cut < n; cut += 997)
		assert_true(segment_open_mem(&r, b, cut) < 0);
	assert_true(segment_open_mem(&r, b, n - 1) < 0);
	/* one flipped bit anywhere is refused */
	for (size_t off = 0; off < n; off += 1231) {
		b[off] ^= 0x10;
		assert_true(segment_open_mem(&r, b, n) < 0);
		b[off] ^= 0x10;
	}
	b[0] = 'X';
	assert_int_equal(segment_open_mem(&r, b, n), SEG_E_MAGIC);
	free(b);
	assert_int_equal(segment_open(&r, "/nonexistent/x.seg"), SEG_E_IO);
	assert_string_equal(segment_strerror(SEG_E_CHECKSUM), "checksum mismatch");
}

/* The file path verifies through pread, not the mapping: damage in the
 * file is refused the same way; blocks read back equal the mapping's;
 * segment_peek finds the end block's checksum without verifying. */
static void test_file_reads_and_peek(void **state)
{
	struct segment_reader r;
	struct seg_record *buf = malloc(SEG_BLOCK_EVENTS * sizeof(*buf));
	uint64_t sum = write_seg(path, 9000, 10, true), size, peeked;
	size_t n;
	uint8_t *b = slurp(path, &n);
	int fd;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(segment_open(&r, path), SEG_OK);
	assert_int_equal(r.checksum, sum);
	assert_int_equal(r.neblocks, 3);
	for (size_t k = 0; k < r.neblocks; k++) {
		assert_int_equal(segment_read_events(&r, k, buf),
				 r.eblocks[k].count);
		assert_memory_equal(buf, r.eblocks[k].recs,
				    r.eblocks[k].count * sizeof(*buf));
		assert_int_equal(r.eblocks[k].last_ts,
				 r.eblocks[k].recs[r.eblocks[k].count - 1].ts_ms);
	}
	assert_int_equal(segment_read_events(&r, 3, buf), SEG_E_CORRUPT);
	segment_close(&r);
	assert_int_equal(segment_peek(AT_FDCWD, path, &size, &peeked), 0);
	assert_int_equal(size, n);
	assert_int_equal(peeked, sum);

	/* a flipped bit in the last record block, written to the file */
	b[n - 200] ^= 0x04;
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
	assert_int_equal(segment_open(&r, path), SEG_E_CHECKSUM);
	assert_int_equal(segment_peek(AT_FDCWD, "/nonexistent", &size, &peeked), -1);
	free(b);
	free(buf);
}

static void test_dictionary_bounded(void **state)
{
	struct segment_reader r;
	struct stat st;

	(void)state;
	/* more distinct strings than the dictionary holds: still readable,
	 * and equal strings still have equal hashes */
	write_seg(path, 150000, 150000, false);
	assert_int_equal(segment_open(&r, path), SEG_OK);
	assert_true(r.dict_resets >= 1);
	assert_int_equal(r.events, 150000);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size < 150000 * 140);
	segment_close(&r);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(seg_reason_name(0), "bot_ua");
	assert_string_equal(seg_reason_name(8), "unknown_ad_zone");
	assert_null(seg_reason_name(SEG_R__COUNT));
	assert_int_equal(sizeof(struct seg_record), 96);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_fields_and_empty_segment),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_damage_refused),
		cmocka_unit_test(test_file_reads_and_peek),
		cmocka_unit_test(test_dictionary_bounded),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
