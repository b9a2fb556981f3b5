/* test_manifest.c - the per-hour manifest: a source's line is replaced,
 * never duplicated, other sources' lines are kept, the file stays sorted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "../../ingest/manifest_entry.h"

static char dir[] = "/tmp/adlog-test-manifest.XXXXXX";

static char *manifest(void)
{
	char p[256];
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, MANIFEST_NAME);
	return fs_read_file(p, &n);
}

static void test_format(void **state)
{
	struct ingest_stats st = { 0 };
	struct manifest_entry e = { .source = "adlog.2026112704.h.0001.5",
				    .segment = "adlog.2026112704.h.0001.5.seg",
				    .events = 7, .flagged = 2, .checksum = 0xabc,
				    .src = &st, .damage = "none" };
	char line[1024];

	(void)state;
	st.lines = 10;
	st.accepted = 7;
	st.rejected = 3;
	st.rej[EVENT_E_TS] = 2;
	st.rej[REJ_NO_LF] = 1;
	e.flag[2] = 2;
	assert_true(manifest_format(&e, line, sizeof(line)) > 0);
	assert_string_equal(line,
		"source=adlog.2026112704.h.0001.5\tsegment=adlog.2026112704.h.0001.5.seg"
		"\tevents=7\tchecksum=0000000000000abc\tflagged=2\tflag.datacenter=2"
		"\tlines=10\taccepted=7\trejected=3\trej.bad_ts=2\trej.no_lf=1"
		"\tbytes=0\tdamage=none\tnul_runs=0\tnul_bytes=0\tid_repeats=0\tretracted=0\n");
	assert_int_equal(manifest_format(&e, line, 20), 0);
}

static void test_replace_keep_sort(void **state)
{
	char *m;

	(void)state;
	assert_int_equal(manifest_update(dir, "b", "source=b\tevents=1\n", 18), 0);
	assert_int_equal(manifest_update(dir, "a", "source=a\tevents=2\n", 18), 0);
	assert_int_equal(manifest_update(dir, "ab", "source=ab\tevents=5\n", 19), 0);
	assert_int_equal(manifest_update(dir, "b", "source=b\tevents=3\n", 18), 0);
	m = manifest();
	assert_string_equal(m, MANIFEST_HEADER
			    "source=a\tevents=2\nsource=ab\tevents=5\nsource=b\tevents=3\n");
	free(m);
	assert_true(manifest_update("/nonexistent/dir", "a", "source=a\n", 9) < 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/%s", dir, MANIFEST_NAME);
	unlink(p);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_replace_keep_sort),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
