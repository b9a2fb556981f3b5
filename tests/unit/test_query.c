/* test_query.c - query strings, cookies and prefetch hints as a browser or
 * an attacker sends them: decoding, duplicates, bad escapes, control bytes,
 * overlong input, ids out of range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "../../serve/query.h"

static int parse(const char *qs, struct query *q)
{
	return query_parse(qs, strlen(qs), q);
}

static void test_values_decode(void **state)
{
	struct query q;
	char buf[64];
	uint32_t id;

	(void)state;
	assert_int_equal(parse("ad=12&zone=7&&r=%41%2fb+c&flag", &q), 0);
	assert_int_equal(query_get_id(&q, "ad", &id), 0);
	assert_int_equal(id, 12);
	assert_int_equal(query_get(&q, "r", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "A/b c");
	assert_int_equal(query_get(&q, "flag", buf, sizeof(buf)), 0);
	assert_int_equal(query_get(&q, "nope", buf, sizeof(buf)), QUERY_E_ABSENT);
	assert_int_equal(parse("", &q), 0);
	assert_int_equal(q.n, 0);
}

static void test_hostile_queries(void **state)
{
	struct query q;
	char buf[16], big[QUERY_MAX_LEN + 2];
	uint32_t id;

	(void)state;
	assert_int_equal(parse("ad=1&ad=1", &q), 0);
	assert_int_equal(query_get_id(&q, "ad", &id), QUERY_E_DUP);
	assert_int_equal(parse("ad=%zz", &q), QUERY_E_ENCODING);
	assert_int_equal(parse("ad=1%4", &q), QUERY_E_ENCODING);
	assert_int_equal(parse("ad=1%", &q), QUERY_E_ENCODING);
	assert_int_equal(parse("ad=1\r\nX: y", &q), QUERY_E_ENCODING);
	/* encoded CR LF and NUL decode to control bytes: refused as values */
	assert_int_equal(parse("t=a%0d%0aSet-Cookie:x&z=%00", &q), 0);
	assert_int_equal(query_get(&q, "t", buf, sizeof(buf)), QUERY_E_VALUE);
	assert_int_equal(query_get(&q, "z", buf, sizeof(buf)), QUERY_E_VALUE);
	/* ids: decimal 1..2^32-1, no sign, no leading zero, no junk */
	const char *bad_ids[] = { "ad=0", "ad=-1", "ad=4294967296", "ad=01",
				  "ad=1x", "ad=", "ad=99999999999999999999",
				  "ad=%31%00" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(*bad_ids); i++) {
		assert_int_equal(parse(bad_ids[i], &q), 0);
		assert_int_equal(query_get_id(&q, "ad", &id), QUERY_E_VALUE);
	}
	assert_int_equal(parse("ad=4294967295", &q), 0);
	assert_int_equal(query_get_id(&q, "ad", &id), 0);
	assert_int_equal(id, 4294967295u);
	/* value longer than the caller's buffer */
	assert_int_equal(parse("t=0123456789abcdef0123", &q), 0);
	assert_int_equal(query_get(&q, "t", buf, sizeof(buf)), QUERY_E_VALUE);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &q), QUERY_E_LONG);
	char many[200] = "";
	for (int i = 0; i < QUERY_MAX_PARAMS + 1; i++)
		strcat(many, "a=1&");
	assert_int_equal(parse(many, &q), QUERY_E_MANY);
}

static void test_cookies(void **state)
{
	const char *v;
	size_t n;

	(void)state;
	assert_true(cookie_find("a=1; uid=XYZ; b=2", 17, "uid", &v, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(v, "XYZ", 3);
	assert_true(cookie_find("uid=\"Q\";uid=second", 18, "uid", &v, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(v, "Q", 1);
	assert_false(cookie_find("xuid=1; uidx=2", 14, "uid", &v, &n));
	assert_false(cookie_find("uid", 3, "uid", &v, &n));
	assert_false(cookie_find(";;;  ;", 6, "uid", &v, &n));
	assert_true(cookie_find("uid=", 4, "uid", &v, &n));
	assert_int_equal(n, 0);
}

static void test_prefetch_hints(void **state)
{
	(void)state;
	assert_true(purpose_is_prefetch("prefetch", 8));
	assert_true(purpose_is_prefetch("prefetch;prerender", 18));
	assert_true(purpose_is_prefetch("Preview", 7));
	assert_false(purpose_is_prefetch("", 0));
	assert_false(purpose_is_prefetch("pref", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_decode),
		cmocka_unit_test(test_hostile_queries),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_prefetch_hints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
