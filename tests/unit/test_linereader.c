/* test_linereader.c - lines out of plain and gzip input, and every kind of
 * damage counted without losing what came before it: no final LF, NUL
 * runs, over-long lines, several gzip members, truncated or corrupt gzip,
 * garbage after the last member, lines across buffer refills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../../ingest/linereader.h"

/* gzip one member of buf into out (malloc'd), returning its length */
static size_t gz(const void *buf, size_t len, uint8_t **out)
{
	z_stream zs = { 0 };
	size_t cap = len + len / 10 + 1024;

	*out = malloc(cap);
	assert_non_null(*out);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = *out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return cap - zs.avail_out;
}

struct got {
	int kinds[64];
	char text[64][80];
	uint64_t off[64];
	int n;
};

static void read_all(struct linereader *lr, struct got *g)
{
	struct lr_line l;
	int k;

	memset(g, 0, sizeof(*g));
	while ((k = lr_next(lr, &l)) > 0) {
		assert_true(g->n < 64);
		g->kinds[g->n] = k;
		g->off[g->n] = l.offset;
		snprintf(g->text[g->n], sizeof(g->text[0]), "%.*s",
			 (int)(l.len < 70 ? l.len : 70), l.ptr);
		g->n++;
	}
	assert_int_equal(k, LR_EOF);
}

static void test_plain_lines(void **state)
{
	static const char in[] = "one\ntwo\n\nthree";
	struct linereader lr;
	struct got g;

	(void)state;
	assert_int_equal(lr_open_mem(&lr, in, sizeof(in) - 1), 0);
	read_all(&lr, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.text[0], "one");
	assert_int_equal(g.kinds[0], LR_LINE);
	assert_string_equal(g.text[2], "");
	assert_int_equal(g.off[3], 9);
	assert_string_equal(g.text[3], "three");
	assert_int_equal(g.kinds[3], LR_PARTIAL);    /* no final LF */
	assert_int_equal(lr.st.bytes, sizeof(in) - 1);
	assert_false(lr.gzip);
	lr_close(&lr);
	assert_int_equal(lr_open_mem(&lr, "", 0), 0);
	read_all(&lr, &g);
	assert_int_equal(g.n, 0);
	lr_close(&lr);
}

static void test_nul_runs(void **state)
{
	static const char in[] = "a\n\0\0\0b\nxy\0\0cd\n\0";
	struct linereader lr;
	struct got g;

	(void)state;
	assert_int_equal(lr_open_mem(&lr, in, sizeof(in) - 1), 0);
	read_all(&lr, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.text[0], "a");
	assert_string_equal(g.text[1], "b");        /* whole line after the run */
	assert_int_equal(g.kinds[1], LR_LINE);
	assert_int_equal(g.off[1], 5);
	assert_string_equal(g.text[2], "xy");       /* cut by the run */
	assert_int_equal(g.kinds[2], LR_NUL);
	assert_string_equal(g.text[3], "cd");
	assert_int_equal(lr.st.nul_runs, 3);
	assert_int_equal(lr.st.nul_bytes, 6);
	lr_close(&lr);
}

static void test_long_line_skipped(void **state)
{
	size_t n = LR_LINE_CAP * 3 + 10;
	char *in = malloc(n + 20);
	struct linereader lr;
	struct got g;

	(void)state;
	memset(in, 'x', n);
	memcpy(in + n, "\nshort\n", 7);
	assert_int_equal(lr_open_mem(&lr, in, n + 7), 0);
	read_all(&lr, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.kinds[0], LR_LONG);
	assert_string_equal(g.text[1], "short");
	assert_int_equal(g.off[1], n + 1);
	lr_close(&lr);
	free(in);
}

static void test_gzip_members_and_damage(void **state)
{
	static const char a[] = "first\nsecond\n", b[] = "third\nfourth\n";
	uint8_t *ga, *gb, buf[4096];
	size_t na = gz(a, sizeof(a) - 1, &ga), nb = gz(b, sizeof(b) - 1, &gb);
	struct linereader lr;
	struct got g;

	(void)state;
	/* two members */
	memcpy(buf, ga, na);
	memcpy(buf + na, gb, nb);
	assert_int_equal(lr_open_mem(&lr, buf, na + nb), 0);
	read_all(&lr, &g);
	assert_true(lr.gzip);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.text[2], "third");
	assert_int_equal(g.off[2], 13);
	assert_int_equal(lr.st.damage, LR_D_NONE);
	lr_close(&lr);
	/* truncated inside the second member: the first is kept */
	assert_int_equal(lr_open_mem(&lr, buf, na + nb - 9), 0);
	read_all(&lr, &g);
	assert_true(g.n >= 2);
	assert_string_equal(g.text[1], "second");
	assert_int_equal(lr.st.damage, LR_D_GZ_TRUNCATED);
	lr_close(&lr);
	/* garbage after the last member */
	memcpy(buf + na, "\0\0\0junk", 7);
	assert_int_equal(lr_open_mem(&lr, buf, na + 7), 0);
	read_all(&lr, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(lr.st.damage, LR_D_GZ_TRAILING);
	lr_close(&lr);
	/* corrupt deflate data */
	memcpy(buf, ga, na);
	memset(buf + 12, 0xff, 4);
	assert_int_equal(lr_open_mem(&lr, buf, na), 0);
	read_all(&lr, &g);
	assert_int_equal(lr.st.damage, LR_D_GZ_CORRUPT);
	lr_close(&lr);
	assert_string_equal(lr_damage_name(LR_D_GZ_TRUNCATED), "gzip_truncated");
	free(ga);
	free(gb);
}

/* Many lines through a file, plain and gzip (threaded): every line back in
 * order, across many buffer refills. */
static void big_through_fd(bool compress)
{
	size_t cap = 3u << 20, n = 0, lines = 0;
	char *in = malloc(cap), name[] = "/tmp/adlog-test-lr.XXXXXX";
	uint8_t *z = NULL;
	struct linereader lr;
	struct lr_line l;
	int fd = mkstemp(name), k;

	assert_true(fd >= 0);
	while (n + 64 < cap) {
		n += (size_t)snprintf(in + n, 64, "line %zu %.*s\n", lines,
				      (int)((lines + 1) % 40),
				      "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
		lines++;
	}
	if (compress) {
		size_t zn = gz(in, n, &z);

		assert_int_equal(write(fd, z, zn), (ssize_t)zn);
	} else {
		assert_int_equal(write(fd, in, n), (ssize_t)n);
	}
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(lr_open_fd(&lr, fd, true), 0);
	for (size_t i = 0; (k = lr_next(&lr, &l)) > 0; i++) {
		char want[64];
		int wn = snprintf(want, sizeof(want), "line %zu ", i);

		assert_int_equal(k, LR_LINE);
		assert_memory_equal(l.ptr, want, (size_t)wn);
		assert_int_equal(l.len, (size_t)wn + (i + 1) % 40);
		assert_memory_equal(in + l.offset, l.ptr, l.len);
	}
	assert_int_equal(k, LR_EOF);
	assert_int_equal(lr.st.bytes, n);
	assert_int_equal(lr.st.damage, LR_D_NONE);
	lr_close(&lr);
	close(fd);
	unlink(name);
	free(in);
	free(z);
}

static void test_big_plain(void **state)
{
	(void)state;
	big_through_fd(false);
}

static void test_big_gzip_threaded(void **state)
{
	(void)state;
	big_through_fd(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_nul_runs),
		cmocka_unit_test(test_long_line_skipped),
		cmocka_unit_test(test_gzip_members_and_damage),
		cmocka_unit_test(test_big_plain),
		cmocka_unit_test(test_big_gzip_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
