/* test_event.c - the v1 event line: round trips of random and hostile
 * events, the golden good and bad lines, escaping limits, ids, numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "eventid.h"
#include "parse.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_text(char *buf, size_t *len, size_t max)
{
	*len = next_rand() % (max + 1);
	for (size_t i = 0; i < *len; i++)
		buf[i] = (char)(next_rand() % 4 ? ' ' + next_rand() % 95
						: next_rand() % 256);
}

static void random_event(struct event *ev, char *ua, char *ref)
{
	uint32_t tokens[] = { EVENT_F_TOKEN_VALID, EVENT_F_TOKEN_BAD,
			      EVENT_F_TOKEN_EXPIRED, EVENT_F_NO_TOKEN,
			      EVENT_F_NO_TOKEN | EVENT_F_UNSIGNED_DENY };

	memset(ev, 0, sizeof(*ev));
	ev->type = next_rand() % 2 ? EVENT_CLICK : EVENT_IMPRESSION;
	ev->ts_ms = EVENT_ID_EPOCH_MS + (int64_t)(next_rand() % 2500000000000ull);
	ev->id = eventid_make(ev->ts_ms, next_rand() % 1024, next_rand() % 4096);
	ev->ip.family = next_rand() % 3 ? 4 : 6;
	for (int i = 0; i < 16; i++)
		ev->ip.bytes[i] = (uint8_t)(ev->ip.family == 4 && i >= 4 ? 0 : next_rand());
	ev->has_uid = next_rand() % 5;
	for (int i = 0; i < 16; i++)
		ev->uid[i] = ev->has_uid ? (uint8_t)next_rand() : 0;
	ev->flags = (uint32_t)next_rand() & 0x8f;
	if (ev->type == EVENT_CLICK) {
		ev->flags |= tokens[next_rand() % 5];
		if (ev->flags & (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_EXPIRED))
			ev->imp = ev->id - 12345;
	}
	ev->ad = (uint32_t)next_rand();
	ev->zone = (uint32_t)next_rand() % 1000;
	ev->pub = (uint32_t)next_rand() % 100;
	ev->camp = 0;
	random_text(ua, &ev->ua.len, 600);
	random_text(ref, &ev->ref.len, 100);
	ev->ua.ptr = ua;
	ev->ref.ptr = ref;
}

static void assert_same_event(const struct event *a, const struct event *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->ts_ms, b->ts_ms);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->imp, b->imp);
	assert_memory_equal(&a->ip, &b->ip, sizeof(a->ip));
	assert_int_equal(a->has_uid, b->has_uid);
	assert_memory_equal(a->uid, b->uid, 16);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->ad, b->ad);
	assert_int_equal(a->zone, b->zone);
	assert_int_equal(a->pub, b->pub);
	assert_int_equal(a->camp, b->camp);
}

/* Raw text survives a round trip whole, or as a prefix when cut at 512. */
static void assert_text_roundtrip(struct span raw, struct span esc)
{
	char back[EVENT_TEXT_MAX];
	size_t n = event_unescape(esc, back, sizeof(back));

	assert_true(n != (size_t)-1);
	assert_true(esc.len <= EVENT_TEXT_MAX);
	assert_true(n <= raw.len);
	assert_memory_equal(back, raw.ptr, n);
	if (n < raw.len) /* cut: the next escape would not have fitted */
		assert_true(esc.len > EVENT_TEXT_MAX - 4);
}

static void test_roundtrip_random(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		char ua[600], ref[100], line[EVENT_LINE_MAX];
		struct event ev, back;
		size_t n, off;

		random_event(&ev, ua, ref);
		n = event_render(&ev, line, sizeof(line));
		assert_true(n > 0 && n <= EVENT_LINE_MAX);
		assert_int_equal(line[n - 1], '\n');
		assert_null(memchr(line, '\n', n - 1));
		assert_int_equal(event_parse(line, n - 1, &back, &off), EVENT_OK);
		assert_same_event(&ev, &back);
		assert_text_roundtrip(ev.ua, back.ua);
		assert_text_roundtrip(ev.ref, back.ref);
	}
}

static void test_render_small_buffer(void **state)
{
	struct event ev = { .type = 'i', .ts_ms = EVENT_ID_EPOCH_MS + 1, .id = 1,
			    .ip = { 4, { 1, 2, 3, 4 } } };
	char buf[64];

	(void)state;
	assert_int_equal(event_render(&ev, buf, sizeof(buf)), 0);
}

static void test_escape(void **state)
{
	char out[EVENT_TEXT_MAX];
	char raw[1000];

	(void)state;
	assert_int_equal(event_escape("", 0, out, sizeof(out)), 1);
	assert_memory_equal(out, "-", 1);
	assert_int_equal(event_escape("-", 1, out, sizeof(out)), 4);
	assert_memory_equal(out, "\\x2d", 4);
	assert_int_equal(event_escape("a\\b\t\n\r\x01\x7f\xc3\xa9", 10, out,
				      sizeof(out)), 20);
	assert_memory_equal(out, "a\\\\b\\t\\n\\r\\x01\\x7f\xc3\xa9", 20);
	/* 511 plain bytes then a control byte: the escape does not fit */
	memset(raw, 'a', 511);
	raw[511] = '\x01';
	assert_int_equal(event_escape(raw, 512, out, sizeof(out)), 511);
	/* all escapes: 128 x 4 bytes fit exactly, the 129th is dropped */
	memset(raw, '\x02', 200);
	assert_int_equal(event_escape(raw, 200, out, sizeof(out)), 512);
	assert_memory_equal(out + 508, "\\x02", 4);
}

static void test_unescape_rejects(void **state)
{
	char out[16];
	const char *bad[] = { "\\", "\\q", "\\x4", "\\x4G", "\\x4F", "a\tb", "\x01" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(event_unescape((struct span){ bad[i], strlen(bad[i]) },
						out, sizeof(out)), (size_t)-1);
	assert_int_equal(event_unescape((struct span){ "\\x41b", 5 }, out,
					sizeof(out)), 2);
	assert_memory_equal(out, "Ab", 2);
	assert_int_equal(event_unescape((struct span){ "abcdef", 6 }, out, 3),
			 (size_t)-1);
}

static FILE *open_golden(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

static size_t chomp(char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '\n')
		s[--n] = '\0';
	return n;
}

static void test_golden_good(void **state)
{
	FILE *f = open_golden("event-good.txt");
	char line[4096];
	int count = 0;

	(void)state;
	while (fgets(line, sizeof(line), f)) {
		size_t n = chomp(line), off = 99;
		struct event ev;
		enum event_err e;

		if (line[0] == '#')
			continue;
		e = event_parse(line, n, &ev, &off);
		if (e != EVENT_OK)
			fail_msg("good line %d: %s at %zu", count + 1,
				 event_err_name(e), off);
		count++;
	}
	fclose(f);
	assert_true(count >= 6);
}

/* Each line is written in the oldest format that can say it, and reads
 * back as it was written: a served ad and a render need v2. */
static void test_version_written(void **state)
{
	static const struct { char type; uint32_t flags; uint64_t imp; char v; } c[] = {
		{ EVENT_SERVED, EVENT_F_UID_NEW, 0, '2' },
		{ EVENT_IMPRESSION, EVENT_F_TOKEN_VALID, 0, '2' },
		{ EVENT_IMPRESSION, EVENT_F_TOKEN_BAD | EVENT_F_UNKNOWN, 0, '2' },
		{ EVENT_IMPRESSION, EVENT_F_NO_ACCEPT_LANG, 0, '1' },
		{ EVENT_CLICK, EVENT_F_TOKEN_VALID, 7, '1' },
	};
	char buf[EVENT_LINE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct event ev = { .type = c[i].type, .ts_ms = EVENT_ID_EPOCH_MS + 5,
				    .id = 9, .imp = c[i].imp, .flags = c[i].flags,
				    .ip = { .family = 4 } }, back;
		size_t n = event_render(&ev, buf, sizeof(buf)), off;

		assert_true(n > 2);
		assert_int_equal(buf[0], c[i].v);
		assert_int_equal(event_parse(buf, n - 1, &back, &off), EVENT_OK);
		assert_int_equal(back.type, c[i].type);
		assert_int_equal(back.flags, c[i].flags);
		assert_int_equal(event_is_v2(&back), c[i].v == '2');
	}
}

/* An upper-case type is a retracted line of that type: it parses as the
 * type with retracted set, renders back as it was, and keeps the type's
 * own rules (no 'S' in v1). */
static void test_retracted(void **state)
{
	static const char *line = "1\tC\t1767225604623\t0b061cf483c03001\t"
		"0b061cf01ec03000\t203.0.113.7\t-\t10\t12\t34\t5\t6\t-\t-";
	char buf[EVENT_LINE_MAX];
	struct event ev;
	size_t off, n;

	(void)state;
	assert_int_equal(event_parse(line, strlen(line), &ev, &off), EVENT_OK);
	assert_int_equal(ev.type, EVENT_CLICK);
	assert_true(ev.retracted);
	assert_int_equal(line[EVENT_TYPE_OFF], 'C');
	n = event_render(&ev, buf, sizeof(buf));
	assert_int_equal(n, strlen(line) + 1);
	assert_memory_equal(buf, line, n - 1);
	ev.retracted = false;
	n = event_render(&ev, buf, sizeof(buf));
	assert_int_equal(buf[EVENT_TYPE_OFF], 'c');
	assert_int_equal(event_parse(buf, n - 1, &ev, &off), EVENT_OK);
	assert_false(ev.retracted);
	buf[EVENT_TYPE_OFF] = 'Q';
	assert_int_equal(event_parse(buf, n - 1, &ev, &off), EVENT_E_TYPE);
	assert_int_equal(off, EVENT_TYPE_OFF);
}

static void test_golden_bad(void **state)
{
	FILE *f = open_golden("event-bad.txt");
	char line[4096];
	int count = 0, wrong = 0;

	(void)state;
	while (fgets(line, sizeof(line), f)) {
		size_t n = chomp(line), off = 0, want_off;
		char *sp1, *sp2;
		struct event ev;
		enum event_err e;

		if (line[0] == '#')
			continue;
		sp1 = strchr(line, ' ');
		assert_non_null(sp1);
		sp2 = strchr(sp1 + 1, ' ');
		assert_non_null(sp2);
		*sp1 = *sp2 = '\0';
		assert_int_equal(parse_u64(sp1 + 1, strlen(sp1 + 1), (uint64_t *)&want_off), 0);
		e = event_parse(sp2 + 1, n - (size_t)(sp2 + 1 - line), &ev, &off);
		if (strcmp(event_err_name(e), line) || off != want_off) {
			print_error("bad line %d: want %s at %zu, got %s at %zu\n",
				    count + 1, line, want_off, event_err_name(e), off);
			wrong++;
		}
		count++;
	}
	fclose(f);
	assert_int_equal(wrong, 0);
	assert_true(count >= 30);
}

static void test_parse_limits(void **state)
{
	char line[EVENT_LINE_MAX + 10];
	struct event ev;
	size_t off;

	(void)state;
	assert_int_equal(event_parse("", 0, &ev, &off), EVENT_E_EMPTY);
	memset(line, 'a', sizeof(line));
	assert_int_equal(event_parse(line, EVENT_LINE_MAX, &ev, &off), EVENT_E_LONG);
	memcpy(line, "1\ti\t1\0", 6);
	assert_int_equal(event_parse(line, 20, &ev, &off), EVENT_E_NUL);
	assert_int_equal(off, 5);
}

static void test_eventid(void **state)
{
	struct eventid_gen g;
	int64_t t = 1767225600123;
	uint64_t prev = 0, id;

	(void)state;
	eventid_init(&g, 777);
	for (int i = 0; i < 10000; i++) {  /* > 4096 in one ms: must stay unique */
		id = eventid_next(&g, t);
		assert_true(id > prev);
		assert_int_equal(eventid_node(id), 777);
		prev = id;
	}
	assert_true(eventid_ms(id) >= t && eventid_ms(id) <= t + 3);
	id = eventid_next(&g, t - 5000);  /* clock stepped back */
	assert_true(id > prev);
	id = eventid_next(&g, t + 60000);
	assert_int_equal(eventid_ms(id), t + 60000);
	assert_int_equal(id & 0xfff, 0);
}

static void test_numbers(void **state)
{
	uint64_t v;
	uint32_t u;
	double d;

	(void)state;
	assert_int_equal(parse_u64("18446744073709551615", 20, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_not_equal(parse_u64("18446744073709551616", 20, &v), 0);
	assert_int_not_equal(parse_u64("", 0, &v), 0);
	assert_int_not_equal(parse_u64("+1", 2, &v), 0);
	assert_int_not_equal(parse_u32("4294967296", 10, &u), 0);
	assert_int_equal(parse_hex_min("3ff", 3, &v), 0);
	assert_int_equal(v, 0x3ff);
	assert_int_not_equal(parse_hex_min("03ff", 4, &v), 0);
	assert_int_equal(parse_double("0.25", 4, &d), 0);
	assert_true(d == 0.25);
	assert_int_not_equal(parse_double(".5", 2, &d), 0);
	assert_int_not_equal(parse_double("1e5", 3, &d), 0);
}

static void test_uid(void **state)
{
	uint8_t u[16], back[16];
	char s[EVENT_UID_LEN];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		for (int j = 0; j < 16; j++)
			u[j] = (uint8_t)next_rand();
		uid_format(u, s);
		assert_int_equal(uid_parse(s, sizeof(s), back), 0);
		assert_memory_equal(u, back, 16);
	}
	assert_int_not_equal(uid_parse("AAECAwQFBgcICQoLDA0ODx", 22, back), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_render_small_buffer),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_unescape_rejects),
		cmocka_unit_test(test_golden_good),
		cmocka_unit_test(test_golden_bad),
		cmocka_unit_test(test_retracted),
		cmocka_unit_test(test_version_written),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_eventid),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_uid),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
