/* test_sqlfile.c - how adlog-admin cuts a schema/ file into statements
 * (the rule of schema/README.md), and that every shipped file ends cleanly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../admin/sqlfile.h"

struct got {
	char stmt[8][256];
	unsigned int line[8];
	int n;
	int stop_at;               /* return 7 from this statement on, or -1 */
};

static int collect(void *arg, const char *stmt, unsigned int line)
{
	struct got *g = arg;

	if (g->n == g->stop_at)
		return 7;
	assert_true(g->n < 8);
	snprintf(g->stmt[g->n], sizeof g->stmt[0], "%s", stmt);
	g->line[g->n++] = line;
	return 0;
}

static int split(const char *text, struct got *g, unsigned int *bad)
{
	memset(g, 0, sizeof *g);
	g->stop_at = -1;
	return sqlfile_split(text, strlen(text), collect, g, bad);
}

static void test_statements_and_lines(void **state)
{
	struct got g;
	unsigned int bad = 0;

	(void)state;
	assert_int_equal(split("-- header; with a semicolon;\n"
			       "\n"
			       "CREATE TABLE a (\n"
			       "  -- a comment inside;\n"
			       "  id INT\n"
			       ");\n"
			       "  SELECT 1 ;  \n"
			       "INSERT INTO a VALUES (1)", &g, &bad), -EINVAL);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.stmt[0], "CREATE TABLE a (\n  id INT\n)");
	assert_int_equal(g.line[0], 3);
	assert_string_equal(g.stmt[1], "  SELECT 1");
	assert_int_equal(g.line[1], 7);
	assert_int_equal(bad, 8);      /* the unterminated INSERT */
}

static void test_crlf_blank_and_empty(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(split("SELECT 1;\r\n\r\n;\n   \n-- end\n", &g, NULL), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.stmt[0], "SELECT 1");
	assert_int_equal(split("", &g, NULL), 0);
	assert_int_equal(g.n, 0);
	/* a ';' inside a line does not end the statement */
	assert_int_equal(split("SELECT 'a;b'\n  FROM t;\n", &g, NULL), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.stmt[0], "SELECT 'a;b'\n  FROM t");
}

static void test_callback_stops(void **state)
{
	struct got g;

	(void)state;
	memset(&g, 0, sizeof g);
	g.stop_at = 1;
	assert_int_equal(sqlfile_split("A;\nB;\nC;\n", 9, collect, &g, NULL), 7);
	assert_int_equal(g.n, 1);
}

/* Each shipped file splits without a dangling statement. */
static int count(void *arg, const char *stmt, unsigned int line)
{
	(void)stmt;
	(void)line;
	(*(int *)arg)++;
	return 0;
}

static void test_shipped_files(void **state)
{
	glob_t gl;
	int files = 0;

	(void)state;
	assert_int_equal(glob("schema/[0-9]*_*.sql", 0, NULL, &gl), 0);
	assert_int_equal(glob("schema/sample/*.sql", GLOB_APPEND, NULL, &gl), 0);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		char *text;
		size_t len;
		unsigned int bad = 0;
		int n = 0;

		assert_int_equal(sqlfile_read(gl.gl_pathv[i], &text, &len), 0);
		if (sqlfile_split(text, len, count, &n, &bad))
			fail_msg("%s:%u: statement not ended", gl.gl_pathv[i], bad);
		assert_true(n > 0);
		free(text);
		files++;
	}
	globfree(&gl);
	assert_true(files >= 4);
}

static void test_read_missing(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(sqlfile_read("schema/no-such-file.sql", &text, &len),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_and_lines),
		cmocka_unit_test(test_crlf_blank_and_empty),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_shipped_files),
		cmocka_unit_test(test_read_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
