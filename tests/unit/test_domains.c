/* test_domains.c - publishers' registered domains and the referer host
 * test that foreign_referer and the publisher score share: names under a
 * domain, look-alikes, userinfo tricks, empty and unparsable referers,
 * and the page proxies that name the page's host (AMP cache, Google
 * Translate) or hide it (Google's web cache). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "../../analyze/domains.h"

static enum pub_ref cls(const struct pub_domains *d, uint32_t pub,
			const char *ref)
{
	return pub_domains_class(d, pub, (struct span){ ref, strlen(ref) });
}

static void test_class(void **state)
{
	struct pub_domains d;

	(void)state;
	pub_domains_init(&d);
	assert_int_equal(pub_domains_set(&d, 7, "Example.com, news.example.org"), 0);
	assert_int_equal(pub_domains_set(&d, 8, "-"), 0);
	assert_int_equal(cls(&d, 7, "https://example.com/"), PUB_REF_INSIDE);
	assert_int_equal(cls(&d, 7, "https://www.EXAMPLE.com/a?b"), PUB_REF_INSIDE);
	assert_int_equal(cls(&d, 7, "http://news.example.org:8080/x"), PUB_REF_INSIDE);
	assert_int_equal(cls(&d, 7, "https://example.com"), PUB_REF_INSIDE);
	assert_int_equal(cls(&d, 7, "https://notexample.com/"), PUB_REF_OUTSIDE);
	assert_int_equal(cls(&d, 7, "https://example.com.evil.io/"), PUB_REF_OUTSIDE);
	assert_int_equal(cls(&d, 7, "https://example.com@evil.io/"), PUB_REF_OUTSIDE);
	assert_int_equal(cls(&d, 7, "example.org.org"), PUB_REF_NO_HOST);
	assert_int_equal(cls(&d, 7, ""), PUB_REF_NONE);
	assert_int_equal(cls(&d, 8, "https://x.com/"), PUB_REF_NONE);
	assert_int_equal(cls(&d, 9, "https://x.com/"), PUB_REF_NONE);
	/* set again: replaces */
	assert_int_equal(pub_domains_set(&d, 7, "other.net"), 0);
	assert_int_equal(cls(&d, 7, "https://example.com/"), PUB_REF_OUTSIDE);
	pub_domains_release(&d);
}

static void test_proxies(void **state)
{
	struct pub_domains d;

	(void)state;
	pub_domains_init(&d);
	assert_int_equal(pub_domains_set(&d, 1, "my-news.example.com"), 0);
	/* the AMP cache and Translate name the page in their first label */
	assert_int_equal(cls(&d, 1, "https://my--news-example-com.cdn.ampproject.org/c/s/my-news.example.com/a"),
			 PUB_REF_INSIDE);
	assert_int_equal(cls(&d, 1, "https://my--news-example-com.translate.goog/a?_x_tr_sl=auto"),
			 PUB_REF_INSIDE);
	/* ... so another site's page through them is still foreign */
	assert_int_equal(cls(&d, 1, "https://evil-example-net.cdn.ampproject.org/c/s/evil.example.net/"),
			 PUB_REF_OUTSIDE);
	assert_int_equal(cls(&d, 1, "https://cdn.ampproject.org/"), PUB_REF_OUTSIDE);
	assert_int_equal(cls(&d, 1, "https://a.my--news-example-com.cdn.ampproject.org/"),
			 PUB_REF_OUTSIDE);
	/* Google's web cache keeps the page in its path: unknown */
	assert_int_equal(cls(&d, 1, "https://webcache.googleusercontent.com/search?q=cache:x"),
			 PUB_REF_NONE);
	pub_domains_release(&d);
}

static void test_limits(void **state)
{
	struct pub_domains d;
	char many[300 * 4 + 1], longd[300];

	(void)state;
	pub_domains_init(&d);
	many[0] = '\0';
	for (int i = 0; i < 300; i++)
		strcat(many, "a.b,");
	assert_int_equal(pub_domains_set(&d, 1, many), -EINVAL);
	memset(longd, 'x', sizeof(longd) - 1);
	longd[sizeof(longd) - 1] = '\0';
	assert_int_equal(pub_domains_set(&d, 2, longd), -EINVAL);
	pub_domains_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_proxies),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
