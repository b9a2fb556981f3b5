/* test_db.c - the parts of common/db.c that need no server: a config file
 * others may read or write is refused with a message that says what to do.
 * (Connections, statements and retries are tested against a real MariaDB
 * in tests/integration/t300*.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"

static char path[64];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "/tmp/adlog-test-db.%d", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("[mysql]\npassword = secret\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static int check(mode_t mode, char *err, size_t errlen)
{
	assert_int_equal(chmod(path, mode), 0);
	err[0] = '\0';
	return db_check_config_mode(path, err, errlen);
}

static void test_private_modes_pass(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(check(0600, err, sizeof err), 0);
	assert_int_equal(check(0640, err, sizeof err), 0);
	assert_int_equal(check(0400, err, sizeof err), 0);
	assert_int_equal(check(0660, err, sizeof err), 0);
	assert_int_equal(db_check_config_mode("", err, sizeof err), 0);
}

static void test_world_access_refused(void **state)
{
	char err[256], want[256];

	(void)state;
	assert_int_equal(check(0644, err, sizeof err), DB_ERR);
	snprintf(want, sizeof want,
		 "config '%s' is world-readable (mode 0644) and holds the MySQL password; run chmod o-rwx on it",
		 path);
	assert_string_equal(err, want);
	assert_int_equal(check(0604, err, sizeof err), DB_ERR);
	assert_int_equal(check(0602, err, sizeof err), DB_ERR);
	assert_non_null(strstr(err, "world-writable (mode 0602)"));
}

static void test_missing_file(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(db_check_config_mode("/nonexistent/adlog.conf", err,
					      sizeof err), DB_ERR);
	assert_string_equal(err,
		"cannot stat config '/nonexistent/adlog.conf': No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_private_modes_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_world_access_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
