/* test_validate.c - ingest's time checks (late window, clock skew, id
 * against timestamp), the hour arithmetic behind DATA/YYYYMMDDHH, and the
 * source names segments are named after. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "eventid.h"
#include "spool.h"
#include "../../ingest/validate.h"

static void test_hours(void **state)
{
	(void)state;
	assert_int_equal(hour_of_ms(0), 1970010100);
	assert_int_equal(hour_start_ms(1970010100), 0);
	assert_int_equal(hour_of_ms(1795752000000LL), 2026112704);
	assert_int_equal(hour_start_ms(2026112704), 1795752000000LL);
	assert_int_equal(hour_of_ms(1795752000000LL - 1), 2026112703);
	assert_int_equal(hour_of_ms(1709164800000LL), 2024022900);  /* leap day */
	assert_int_equal(hour_start_ms(2024022900), 1709164800000LL);
	assert_int_equal(hour_start_ms(2023022900), -1);
	assert_int_equal(hour_start_ms(2026043100), -1);
	assert_int_equal(hour_start_ms(2026010124), -1);
	assert_int_equal(hour_start_ms(2026130100), -1);
	for (int64_t h = 0; h < 24 * 800; h += 7) {
		int64_t ms = 1577836800000LL + h * HOUR_MS;

		assert_int_equal(hour_start_ms(hour_of_ms(ms + 1234)), ms);
	}
}

static void test_names(void **state)
{
	char s[64];
	uint32_t h;

	(void)state;
	assert_int_equal(spool_stem("/sp/adlog.2026112704.web-1.0003.1795752000123.log",
				     s, sizeof(s)), 41);
	assert_string_equal(s, "adlog.2026112704.web-1.0003.1795752000123");
	assert_true(spool_hour(s, &h));
	assert_int_equal(h, 2026112704);
	assert_true(spool_stem("x/adlog.2026112704.h.0.1.log.gz", s, sizeof(s)) > 0);
	assert_string_equal(s, "adlog.2026112704.h.0.1");
	assert_true(spool_stem("-", s, sizeof(s)) > 0);
	assert_string_equal(s, "stdin");
	assert_false(spool_hour(s, &h));
	assert_true(spool_stem("events.txt", s, sizeof(s)) > 0);
	assert_string_equal(s, "events.txt");
	assert_int_equal(spool_stem("dir/.log", s, sizeof(s)), 0);
	assert_int_equal(spool_stem("dir/.hidden.log", s, sizeof(s)), 0);
	assert_int_equal(spool_stem("", s, sizeof(s)), 0);
	assert_false(spool_hour("adlog.2026133304.h.0.1", &h));
	assert_false(spool_hour("adlog.20261127.h", &h));
	assert_false(spool_hour("other.2026112704.h.0.1", &h));
}

/* The writer's names parse back; the host may hold dots; every field is
 * checked. */
static void test_spool_name(void **state)
{
	char buf[256];
	struct spool_name sn;
	int n;

	(void)state;
	n = spool_name_format(buf, sizeof(buf), "/sp", 2026112704,
			      "web-1.dc.example", 3, 1795752000123LL, SPOOL_OPEN);
	assert_int_equal(n, (int)strlen("/sp/adlog.2026112704.web-1.dc.example.0003.1795752000123.open"));
	assert_string_equal(buf, "/sp/adlog.2026112704.web-1.dc.example.0003.1795752000123.open");
	n = spool_name_format(buf, sizeof(buf), NULL, 2026112704, "h", 12345,
			      7, "");
	assert_string_equal(buf, "adlog.2026112704.h.12345.7");
	assert_true(spool_name_parse(buf, (size_t)n, &sn));
	assert_int_equal(sn.hour, 2026112704);
	assert_int_equal(sn.host_len, 1);
	assert_int_equal(sn.node, 12345);
	assert_true(sn.start_ms == 7);
	assert_true(spool_name_parse("adlog.2026112704.a.b.0001.99", 28, &sn));
	assert_int_equal(sn.host_len, 3);
	assert_false(spool_name_parse("adlog.2026112704.h.001.7", 24, &sn));
	assert_false(spool_name_parse("adlog.2026112704..0001.7", 24, &sn));
	assert_false(spool_name_parse("adlog.2026112704.h.0001.", 24, &sn));
	assert_false(spool_name_parse("adlog.2026112799.h.0001.7", 25, &sn));
	assert_false(spool_name_parse("adlog.2026112704.h.00x1.7", 25, &sn));
	assert_int_equal(spool_name_format(buf, 20, "/sp", 2026112704, "h", 1,
					   1, SPOOL_LOG), -ENAMETOOLONG);
}

static void test_window(void **state)
{
	int64_t hs = 1795752000000LL;   /* 2026112704 */
	struct validate_cfg c = { true, hs, 3600000, 300000, 60000 };
	struct event ev = { 0 };

	(void)state;
	ev.ts_ms = hs + 10;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), 0);
	/* late, within the window: accepted (into its own hour) */
	ev.ts_ms = hs - 3600000;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), 0);
	ev.ts_ms = hs - 3600001;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), REJ_TS_OLD);
	/* after the hour: within the clock skew only */
	ev.ts_ms = hs + HOUR_MS + 299999;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), 0);
	ev.ts_ms = hs + HOUR_MS + 300000;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), REJ_TS_NEW);
	/* the id's clock must agree with ts */
	ev.ts_ms = hs + 5;
	ev.id = eventid_make(ev.ts_ms + 60000, 1, 0);
	assert_int_equal(validate_event(&c, &ev), 0);
	ev.id = eventid_make(ev.ts_ms + 60001, 1, 0);
	assert_int_equal(validate_event(&c, &ev), REJ_ID_TS);
	ev.id = eventid_make(ev.ts_ms - 60001, 1, 0);
	assert_int_equal(validate_event(&c, &ev), REJ_ID_TS);
	/* no hour known (stdin): no window, the id check stays */
	c.has_hour = false;
	ev.ts_ms = hs - 30 * 86400000LL;
	ev.id = eventid_make(ev.ts_ms, 1, 0);
	assert_int_equal(validate_event(&c, &ev), 0);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(rej_name(EVENT_E_TS), "bad_ts");
	assert_string_equal(rej_name(REJ_NO_LF), "no_lf");
	assert_string_equal(rej_name(REJ_TS_OLD), "ts_too_old");
	assert_string_equal(rej_name(REJ_HOURS), "too_many_hours");
	assert_string_equal(rej_name(REJ__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_spool_name),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
