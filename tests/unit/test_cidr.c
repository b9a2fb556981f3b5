/* test_cidr.c - the data-centre range table: edges of ranges, merging of
 * overlaps, IPv6 and IPv4-mapped addresses, bad lines named by file:line,
 * and 100,000 random ranges answering exactly as a linear scan does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static bool has(const struct cidr_table *t, const char *ip)
{
	struct event_addr a;

	assert_int_equal(addr_parse(ip, strlen(ip), &a), 0);
	return cidr_contains(t, &a);
}

/* t initialised with the ranges of text, finished */
static void load(struct cidr_table *t, const char *text)
{
	char err[128];

	cidr_init(t);
	assert_int_equal(cidr_add_text(t, text, strlen(text), "x", err,
				       sizeof(err)), 0);
	cidr_finish(t);
}

static void test_edges_and_merge(void **state)
{
	static const char text[] =
		"# comment\n"
		"10.0.0.0/8   trailing words\n"
		"10.1.0.0/16\n"            /* inside the /8: merged away */
		"192.168.1.7\n"            /* bare address */
		"172.16.0.0/16\n172.17.0.0/16\n"  /* adjacent: merged */
		"100.64.5.9/24\n"          /* host bits ignored */
		"\n"
		"2001:db8:1::/48\r\n"
		"::ffff:198.18.0.0/111\n"; /* mapped form of 198.18.0.0/15 */
	struct cidr_table t;

	(void)state;
	load(&t, text);
	assert_int_equal(t.n4, 5);
	assert_int_equal(t.n6, 1);
	assert_true(has(&t, "10.0.0.0"));
	assert_true(has(&t, "10.255.255.255"));
	assert_false(has(&t, "11.0.0.0"));
	assert_false(has(&t, "9.255.255.255"));
	assert_true(has(&t, "192.168.1.7"));
	assert_false(has(&t, "192.168.1.8"));
	assert_true(has(&t, "172.17.255.255"));
	assert_false(has(&t, "172.18.0.0"));
	assert_true(has(&t, "100.64.5.0"));
	assert_true(has(&t, "100.64.5.255"));
	assert_true(has(&t, "198.19.1.1"));
	assert_true(has(&t, "::ffff:10.2.3.4"));
	assert_true(has(&t, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
	assert_false(has(&t, "2001:db8:2::"));
	assert_false(has(&t, "::1"));
	cidr_release(&t);
}

static void test_all_and_none(void **state)
{
	struct cidr_table t;
	char err[128];

	(void)state;
	cidr_init(&t);
	cidr_finish(&t);
	assert_false(has(&t, "1.2.3.4"));
	assert_false(has(&t, "2001:db8::1"));
	assert_int_equal(cidr_add_text(&t, "0.0.0.0/0\n::/0\n", 15, "x", err,
				       sizeof(err)), 0);
	cidr_finish(&t);
	assert_true(has(&t, "255.255.255.255"));
	assert_true(has(&t, "0.0.0.0"));
	assert_true(has(&t, "ffff::1"));
	cidr_release(&t);
}

static void test_bad_lines(void **state)
{
	struct cidr_table t;
	char err[128];

	(void)state;
	cidr_init(&t);
	assert_int_equal(cidr_add_text(&t, "1.2.3.0/24\n1.2.3.0/33\n", 22,
				       "dc.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "dc.txt:2: bad range '1.2.3.0/33'");
	assert_int_equal(cidr_add_text(&t, "1.2.3/24\n", 9, "dc.txt", err,
				       sizeof(err)), -1);
	assert_int_equal(cidr_add_text(&t, "2001:db8::/129\n", 15, "dc.txt",
				       err, sizeof(err)), -1);
	assert_int_equal(cidr_load_file(&t, "/nonexistent", err, sizeof(err)), -1);
	cidr_release(&t);
}

/* the text cidr_write gives for text */
static char *written(const char *text, char *out, size_t cap)
{
	struct cidr_table t;
	FILE *f = fmemopen(out, cap, "w");

	assert_non_null(f);
	load(&t, text);
	assert_int_equal(cidr_write(&t, f), 0);
	assert_int_equal(fclose(f), 0);
	cidr_release(&t);
	return out;
}

static void test_write_smallest_set(void **state)
{
	char out[1024];

	(void)state;
	/* two halves make one block; a block inside another disappears */
	assert_string_equal(written("10.0.0.0/9\n10.128.0.0/9\n10.7.0.0/16\n",
				    out, sizeof(out)), "10.0.0.0/8\n");
	/* a range that is no block splits into the fewest aligned blocks */
	assert_string_equal(written("192.0.2.1\n192.0.2.2/31\n192.0.2.4/30\n",
				    out, sizeof(out)),
			    "192.0.2.1/32\n192.0.2.2/31\n192.0.2.4/30\n");
	assert_string_equal(written("0.0.0.0/1\n128.0.0.0/1\n", out,
				    sizeof(out)), "0.0.0.0/0\n");
	/* IPv6 halves join across the 64-bit boundary of the table */
	assert_string_equal(written("2001:db8::/33\n2001:db8:8000::/33\n"
				    "2001:db9::/32\n1.2.3.4\n", out, sizeof(out)),
			    "1.2.3.4/32\n2001:db8::/31\n");
	assert_string_equal(written("2001:db8::/64\n2001:db8:0:1::/64\n",
				    out, sizeof(out)), "2001:db8::/63\n");
}

static void test_special_space_removed(void **state)
{
	static const char text[] =
		"0.0.0.0/0\n"              /* everything... */
		"::/0\n";
	struct cidr_table t;

	(void)state;
	load(&t, text);
	assert_int_equal(cidr_remove_special(&t), 0);
	/* ...less private, documentation, loopback and multicast space */
	assert_true(has(&t, "8.8.8.8"));
	assert_true(has(&t, "9.255.255.255"));
	assert_false(has(&t, "10.0.0.0"));
	assert_false(has(&t, "10.255.255.255"));
	assert_true(has(&t, "11.0.0.0"));
	assert_false(has(&t, "192.0.2.77"));
	assert_true(has(&t, "192.0.3.0"));
	assert_false(has(&t, "203.0.113.7"));
	assert_false(has(&t, "127.0.0.1"));
	assert_false(has(&t, "239.1.1.1"));
	assert_false(has(&t, "255.255.255.255"));
	assert_true(has(&t, "223.255.255.255"));
	assert_false(has(&t, "0.1.2.3"));
	assert_true(has(&t, "2600:1f00::1"));
	assert_false(has(&t, "2001:db8::1"));
	assert_false(has(&t, "::1"));
	assert_false(has(&t, "fe80::1"));
	assert_false(has(&t, "ff02::1"));
	assert_true(has(&t, "2001:db9::"));
	assert_true(has(&t, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	cidr_release(&t);
	/* a feed's example range alone leaves nothing */
	load(&t, "203.0.113.0/24\n2001:db8::/32\n2001:2::/48\n");
	assert_int_equal(cidr_remove_special(&t), 0);
	assert_int_equal(t.n4 + t.n6, 0);
	cidr_release(&t);
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

static void test_100k_against_linear_scan(void **state)
{
	enum { N = 100000, PROBES = 3000 };
	struct { uint32_t lo, hi; } *r = malloc(N * sizeof(*r));
	char *text = malloc(N * 24), err[128];
	size_t n = 0, wlen;
	uint64_t s = 12345;
	struct cidr_table t, back;
	char *w;
	FILE *f;

	(void)state;
	for (int i = 0; i < N; i++) {
		uint32_t a = rnd(&s);
		unsigned len = 12 + rnd(&s) % 21;
		uint32_t host = len == 32 ? 0 : UINT32_MAX >> len;

		r[i].lo = a & ~host;
		r[i].hi = a | host;
		n += (size_t)snprintf(text + n, 24, "%u.%u.%u.%u/%u\n", a >> 24,
				      a >> 16 & 255, a >> 8 & 255, a & 255, len);
	}
	cidr_init(&t);
	assert_int_equal(cidr_add_text(&t, text, n, "big", err, sizeof(err)), 0);
	cidr_finish(&t);
	/* what cidr_write gives reads back as the same addresses */
	assert_non_null(f = open_memstream(&w, &wlen));
	assert_int_equal(cidr_write(&t, f), 0);
	assert_int_equal(fclose(f), 0);
	cidr_init(&back);
	assert_int_equal(cidr_add_text(&back, w, wlen, "w", err, sizeof(err)), 0);
	cidr_finish(&back);
	assert_int_equal(back.n4, t.n4);
	for (int p = 0; p < PROBES; p++) {
		uint32_t x = p % 2 ? rnd(&s) : r[rnd(&s) % N].lo + rnd(&s) % 3 - 1;
		struct event_addr a = { .family = 4 };
		bool want = false;

		for (int i = 0; i < N && !want; i++)
			want = x >= r[i].lo && x <= r[i].hi;
		a.bytes[0] = (uint8_t)(x >> 24);
		a.bytes[1] = (uint8_t)(x >> 16);
		a.bytes[2] = (uint8_t)(x >> 8);
		a.bytes[3] = (uint8_t)x;
		assert_int_equal(cidr_contains(&t, &a), want);
		assert_int_equal(cidr_contains(&back, &a), want);
	}
	cidr_release(&back);
	free(w);
	cidr_release(&t);
	free(text);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges_and_merge),
		cmocka_unit_test(test_all_and_none),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_write_smallest_set),
		cmocka_unit_test(test_special_space_removed),
		cmocka_unit_test(test_100k_against_linear_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
