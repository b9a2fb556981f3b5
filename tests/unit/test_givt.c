/* test_givt.c - ingest's per-event rules on the shipped lists: each reason
 * fires on the traffic it names and stays quiet on real browsers, in-app
 * browsers and phones whose names look like bots; the allow-list wins; the
 * local file merges with the generated one; the verdict cache pays the
 * regular expressions once per user agent.  And the lists held to real
 * corpora (docs/rules.md), printing their figures and the agents they got
 * wrong: every crawler agent of crawler-user-agents flagged (at least 99%),
 * the browsers of npm user-agents at most 0.5%, in-app browsers never,
 * addresses inside every cloud provider's ranges flagged datacenter and
 * those just outside not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "../../ingest/givt.h"
#include "fsutil.h"

static struct givt g;
static struct givt_ctx c;

static uint32_t ua(const char *s)
{
	return givt_ua(&c, s, strlen(s), XXH3_64bits(s, strlen(s)));
}

static void test_declared_bots(void **state)
{
	(void)state;
	assert_int_equal(ua("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)"), SEG_R_BOT_UA);
	assert_int_equal(ua("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)"), SEG_R_BOT_UA);
}

static void test_non_browsers(void **state)
{
	(void)state;
	assert_int_equal(ua(""), SEG_R_NON_BROWSER);
	assert_int_equal(ua("curl/7.88.1"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("Wget/1.21.3"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("python-requests/2.31.0"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("Go-http-client/1.1"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("Java/17.0.2"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("okhttp/4.12.0"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("libwww-perl/6.72"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"), SEG_R_NON_BROWSER);
	assert_int_equal(ua("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1"), SEG_R_NON_BROWSER);
}

static void test_previews(void **state)
{
	(void)state;
	assert_int_equal(ua("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"), SEG_R_PREVIEW_UA);
	assert_true(ua("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)") & SEG_R_PREVIEW_UA);
	assert_true(ua("Twitterbot/1.0") & SEG_R_PREVIEW_UA);
	assert_int_equal(ua("WhatsApp/2.23.20.0 A"), SEG_R_PREVIEW_UA);
	assert_true(ua("TelegramBot (like TwitterBot)") & SEG_R_PREVIEW_UA);
	assert_true(ua("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)") & SEG_R_PREVIEW_UA);
	assert_int_equal(ua("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5"), SEG_R_PREVIEW_UA);
}

static void test_people(void **state)
{
	(void)state;
	/* browsers */
	assert_int_equal(ua("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"), 0);
	assert_int_equal(ua("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"), 0);
	assert_int_equal(ua("Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"), 0);
	/* a phone brand that naive "bot" lists hit */
	assert_int_equal(ua("Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"), 0);
	/* in-app browsers */
	assert_int_equal(ua("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.46(0x1800312A) NetType/WIFI Language/zh_CN"), 0);
	assert_int_equal(ua("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.0;FBBV/1;FBDV/iPhone14,2]"), 0);
	assert_int_equal(ua("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 Instagram 312.0.0.32.112 Android"), 0);
	assert_int_equal(ua("Mozilla/5.0 (Linux; U; Android 12; en-US; RMX3491) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0 UCBrowser/13.4.2.1307 Mobile Safari/537.36"), 0);
}

static void test_allow_list_wins(void **state)
{
	(void)state;
	/* WeChat's mini-program web view carries a crawler-looking token; the
	 * allow-list keeps it a person (the deny match alone would flag it) */
	assert_int_equal(ua("Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36 MicroMessenger/8.0.40 miniProgram spider-view/1"), 0);
	assert_int_equal(ua("Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36 spider-view/1"), SEG_R_BOT_UA);
	/* ...but not a preview agent's bit */
	assert_int_equal(ua("WhatsApp/2.23.20.0 A MicroMessenger/1"), SEG_R_PREVIEW_UA);
}

static void test_local_file_merged(void **state)
{
	static const char local[] =
		"# an operator's additions\n"
		"[bot]\nacme-audit-crawler\n"
		"[preview]\nacme-unfurl\n"
		"[allow]\nacme-app/\\d\n";
	char path[] = "/tmp/test_givt.XXXXXX", err[256];
	struct givt x;
	struct givt_ctx xc;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, local, sizeof(local) - 1), (ssize_t)(sizeof(local) - 1));
	close(fd);
	assert_int_equal(givt_load(&x, "data/bots.txt", path, "", err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(givt_ctx_init(&xc, &x), 0);
#define XUA(s) givt_ua(&xc, s, strlen(s), XXH3_64bits(s, strlen(s)))
	/* the local patterns count... */
	assert_int_equal(XUA("Mozilla/5.0 (compatible; acme-audit-crawler)"), SEG_R_BOT_UA);
	assert_int_equal(XUA("acme-unfurl/2"), SEG_R_PREVIEW_UA);
	/* ...and so do the generated ones: a local [allow] wins over both */
	assert_int_equal(XUA("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), SEG_R_BOT_UA);
	assert_int_equal(XUA("Mozilla/5.0 (compatible; Googlebot/2.1) acme-app/3"), 0);
#undef XUA
	givt_ctx_release(&xc);
	givt_release(&x);
}

static void test_event_reasons(void **state)
{
	struct event ev = { 0 };
	const char *chrome = "Mozilla/5.0 (X11; Linux x86_64) Chrome/129.0 Safari/537.36";
	uint64_t k = XXH3_64bits(chrome, strlen(chrome));

	(void)state;
	ev.type = 'i';
	ev.ip.family = 4;
	memcpy(ev.ip.bytes, (uint8_t[]){ 203, 0, 113, 7 }, 4);
	ev.ua = (struct span){ chrome, strlen(chrome) };
	assert_int_equal(givt_event(&c, &ev, k), 0);
	ev.flags = EVENT_F_HEAD;
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_PREFETCH);
	ev.flags = EVENT_F_PREFETCH | EVENT_F_UNKNOWN;
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_PREFETCH | SEG_R_UNKNOWN);
	ev.flags = EVENT_F_NO_ACCEPT_LANG | EVENT_F_UID_NEW;   /* facts, not reasons */
	assert_int_equal(givt_event(&c, &ev, k), 0);
	ev.type = 'c';
	ev.flags = EVENT_F_TOKEN_BAD;
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_TOKEN_BAD);
	ev.flags = EVENT_F_TOKEN_EXPIRED;
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_TOKEN_EXPIRED);
	ev.flags = EVENT_F_NO_TOKEN;
	assert_int_equal(givt_event(&c, &ev, k), 0);
	ev.flags = EVENT_F_NO_TOKEN | EVENT_F_UNSIGNED_DENY;
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_UNSIGNED_DENY);
	ev.flags = EVENT_F_TOKEN_VALID;
	assert_int_equal(givt_event(&c, &ev, k), 0);
	/* data-centre addresses, v4, v6 and v4-mapped */
	memcpy(ev.ip.bytes, (uint8_t[]){ 3, 0, 0, 1 }, 4);
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_DATACENTER);
	assert_int_equal(addr_parse("2600:1f00:1000::1", 17, &ev.ip), 0);
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_DATACENTER);
	assert_int_equal(addr_parse("::ffff:3.0.0.1", 14, &ev.ip), 0);
	assert_int_equal(givt_event(&c, &ev, k), SEG_R_DATACENTER);
	assert_int_equal(addr_parse("2001:db8::1", 11, &ev.ip), 0);
	assert_int_equal(givt_event(&c, &ev, k), 0);
	assert_int_equal(addr_parse("127.0.0.1", 9, &ev.ip), 0);
	assert_int_equal(givt_event(&c, &ev, k), 0);
}

static void test_cache_once_per_ua(void **state)
{
	struct givt_ctx c2;
	const char *s = "curl/8.0";

	(void)state;
	assert_int_equal(givt_ctx_init(&c2, &g), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(givt_ua(&c2, s, strlen(s), 42), SEG_R_NON_BROWSER);
	assert_int_equal(c2.misses, 1);
	assert_int_equal(c2.hits, 999);
	givt_ctx_release(&c2);
}

static void test_bad_lists_refused(void **state)
{
	struct givt x;
	char err[256];

	(void)state;
	givt_init(&x);
	assert_int_equal(givt_add_patterns(&x, "ok\n(unclosed\n", 13, "t.txt",
					    GC_BOT, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.txt:2: bad pattern '(unclosed'"));
	assert_int_equal(givt_add_patterns(&x, "[nope]\n", 7, "t.txt", GC_BOT,
					    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown section"));
	givt_release(&x);
	assert_int_equal(givt_load(&x, "/nonexistent/bots.txt", "", "", err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read '/nonexistent/bots.txt'"));
}

/* ---- the shipped lists held to real corpora (tests/lists/) ---- */

/* the verdict of one raw user agent, escaped as serve writes it */
static uint32_t verdict(const char *raw, size_t len)
{
	char esc[EVENT_TEXT_MAX];
	size_t n = event_escape(raw, len, esc, sizeof(esc));

	return givt_ua(&c, esc, n, XXH3_64bits(esc, n));
}

/* Count the agents of a corpus file (one a line, '#' comments) that get
 * any of the bits in mask; print up to `show` of those that disagree with
 * want_flagged.  Returns the number flagged, the total in *total. */
static unsigned corpus(const char *path, uint32_t mask, bool want_flagged,
		       unsigned show, unsigned *total)
{
	size_t len;
	char *text = fs_read_file(path, &len);
	unsigned flagged = 0, shown = 0;

	assert_non_null(text);
	*total = 0;
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n && p[0] != '#') {
			bool hit = verdict(p, n) & mask;

			++*total;
			flagged += hit;
			if (hit != want_flagged && shown++ < show)
				printf("  %s: %.*s\n", hit ? "flagged" : "missed",
				       (int)(n > 160 ? 160 : n), p);
		}
		p = nl ? nl + 1 : end;
	}
	free(text);
	return flagged;
}

static const uint32_t any_ua = SEG_R_BOT_UA | SEG_R_NON_BROWSER | SEG_R_PREVIEW_UA;

static void test_crawler_recall(void **state)
{
	unsigned total, hit;

	(void)state;
	hit = corpus("tests/lists/crawlers.txt", any_ua, true, 20, &total);
	printf("figure: crawler recall: %u of %u crawler-user-agents instances flagged (%.2f%%)\n",
	       hit, total, 100.0 * hit / total);
	assert_true(total > 1000);
	assert_true(hit * 100 >= total * 99);
}

static void test_browsers_not_flagged(void **state)
{
	unsigned total, hit;

	(void)state;
	hit = corpus("tests/lists/browsers.txt", any_ua, false, 20, &total);
	printf("figure: browsers flagged: %u of %u npm user-agents agents (%.2f%%)\n",
	       hit, total, 100.0 * hit / total);
	assert_true(total > 500);
	assert_true(hit * 1000 <= total * 5);
}

static void test_inapp_never_flagged(void **state)
{
	unsigned total, hit;

	(void)state;
	hit = corpus("tests/lists/inapp.txt", any_ua, false, 50, &total);
	printf("figure: in-app browsers flagged: %u of %u\n", hit, total);
	assert_true(total > 30);
	assert_int_equal(hit, 0);
}

static void test_datacenter_probes(void **state)
{
	size_t len;
	char *text = fs_read_file("tests/lists/datacenter-probes.txt", &len);
	char provs[16][24];
	unsigned nprov = 0, in = 0, in_hit = 0, out = 0, out_hit = 0;
	unsigned per[16] = { 0 };

	(void)state;
	assert_non_null(text);
	for (char *p = text, *end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *prov = NULL, *ip = NULL;
		struct event_addr a;
		bool hit;

		if (nl)
			*nl = '\0';
		if (p[0] != '#' && (prov = strchr(p, ' ')))
			ip = strchr(++prov, ' ');
		if (ip) {
			const char *kind = p;
			unsigned k;

			*ip++ = '\0';
			prov[-1] = '\0';
			assert_int_equal(addr_parse(ip, strlen(ip), &a), 0);
			hit = cidr_contains(&g.dc, &a);
			if (!strcmp(kind, "in")) {
				for (k = 0; k < nprov && strcmp(provs[k], prov); k++)
					;
				if (k == nprov) {
					assert_true(nprov < 16);
					snprintf(provs[nprov++], sizeof(provs[0]), "%s", prov);
				}
				per[k]++;
				in++;
				in_hit += hit;
				if (!hit)
					printf("  missed: %s %s\n", prov, ip);
			} else {
				out++;
				out_hit += hit;
				if (hit)
					printf("  flagged outside: %s\n", ip);
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(text);
	printf("figure: datacenter: %u of %u addresses inside %u provider lists flagged, "
	       "%u of %u just outside\n", in_hit, in, nprov, out_hit, out);
	assert_true(nprov >= 7);
	for (unsigned k = 0; k < nprov; k++)
		assert_true(per[k] > 0);
	assert_int_equal(in_hit, in);
	assert_true(out > 100);
	assert_int_equal(out_hit, 0);
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (givt_load(&g, "data/bots.txt", "data/bots-local.txt",
		      "data/datacenters.txt", err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return givt_ctx_init(&c, &g);
}

static int teardown(void **state)
{
	(void)state;
	givt_ctx_release(&c);
	givt_release(&g);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declared_bots),
		cmocka_unit_test(test_non_browsers),
		cmocka_unit_test(test_previews),
		cmocka_unit_test(test_people),
		cmocka_unit_test(test_allow_list_wins),
		cmocka_unit_test(test_local_file_merged),
		cmocka_unit_test(test_event_reasons),
		cmocka_unit_test(test_cache_once_per_ua),
		cmocka_unit_test(test_bad_lists_refused),
		cmocka_unit_test(test_crawler_recall),
		cmocka_unit_test(test_browsers_not_flagged),
		cmocka_unit_test(test_inapp_never_flagged),
		cmocka_unit_test(test_datacenter_probes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
