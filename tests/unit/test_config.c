/* test_config.c - the INI loader: defaults, values, and errors that name
 * file, line and key; and conf/adlog.conf.example lists every key with its
 * default. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/adlog-test-conf.%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.common.node_id, 0);
	assert_int_equal(c.serve.threads, 1);
	assert_true(c.serve.cookie_secure);
	assert_string_equal(c.common.spool_dir, "/var/spool/adlog");
}

static void test_values(void **state)
{
	struct config c;
	char err[512];
	const char *p = write_tmp("[common]\nnode_id = 7\n; comment\n\n"
				  "[serve]\nthreads = 64\ncookie_secure = off\n"
				  "socket = /tmp/x.sock\n");

	(void)state;
	assert_int_equal(config_load(&c, p, false, err, sizeof(err)), 0);
	assert_int_equal(c.common.node_id, 7);
	assert_int_equal(c.serve.threads, 64);
	assert_false(c.serve.cookie_secure);
	assert_string_equal(c.serve.socket, "/tmp/x.sock");
	assert_string_equal(c.path, p);
	unlink(p);
}

static void expect_error(const char *text, const char *want)
{
	struct config c;
	char err[512], full[600];
	const char *p = write_tmp(text);

	assert_int_equal(config_load(&c, p, false, err, sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s:%s", p, want);
	if (strncmp(err, full, strlen(full)))
		fail_msg("got '%s', want prefix '%s'", err, full);
	unlink(p);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("[serve]\nthreads = 8\nthraeds = 9\n",
		     "3: unknown key 'thraeds' in [serve]");
	expect_error("[nosuch]\nx = 1\n", "2: unknown key 'x' in [nosuch]");
	expect_error("[analyze]\npub_ref_outside_share = 0.2\n",
		     "2: key 'pub_ref_outside_share' in [analyze] is no "
		     "longer read (referer_outside_domains");
	expect_error("[analyze]\nfanout_addrs = 8\n",
		     "2: key 'fanout_addrs' in [analyze] is no longer read "
		     "(uid_fanout counts");
	expect_error("[common]\n\nnode_id = 1024\n",
		     "3: bad value '1024' for key 'node_id' in [common]");
	expect_error("[serve]\ncookie_secure = maybe\n",
		     "2: bad value 'maybe' for key 'cookie_secure'");
	expect_error("[common]\nnode_id = -1\n", "2: bad value '-1'");
	expect_error("[common\nnode_id = 1\n", "1: syntax error");
}

static void test_missing(void **state)
{
	struct config c;
	char err[512];

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/adlog.conf", true, err,
				     sizeof(err)), 0);
	assert_int_equal(config_load(&c, "/nonexistent/adlog.conf", false, err,
				     sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/adlog.conf"));
}

/* Every key appears in its section as "name = default". */
/* click_base becomes the start of every click URL; the old key's id picks
 * the key a token is checked with */
static void test_cross_checks(void **state)
{
	static const char key[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct config c;
	char err[512], text[512];

	(void)state;
	assert_int_equal(config_load(&c, write_tmp("[serve]\nclick_base = javascript:alert(1)//\n"),
				     false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "click_base"));
	assert_int_equal(config_load(&c, write_tmp("[serve]\nclick_base = //evil.example\n"),
				     false, err, sizeof(err)), -1);
	assert_int_equal(config_load(&c, write_tmp("[serve]\nclick_base = https://ads.example\n"),
				     false, err, sizeof(err)), 0);
	snprintf(text, sizeof(text), "[serve]\ntoken_key_id = 3\ntoken_key = %s\n"
		 "token_old_key_id = 3\ntoken_old_key = %s\n", key, key);
	assert_int_equal(config_load(&c, write_tmp(text), false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "token_old_key_id"));
	snprintf(text, sizeof(text), "[serve]\ntoken_key_id = 3\ntoken_key = %s\n"
		 "token_old_key_id = 2\ntoken_old_key = %s\n", key, key);
	assert_int_equal(config_load(&c, write_tmp(text), false, err, sizeof(err)), 0);
}

static void test_example_complete(void **state)
{
	struct config c;
	char err[512], line[1024], sec[64] = "";
	size_t n, found = 0;
	const struct conf_key *k = config_keys(&n);
	bool *seen = calloc(n, sizeof(*seen));
	FILE *f;

	(void)state;
	assert_int_equal(config_load(&c, "conf/adlog.conf.example", false, err,
				     sizeof(err)), 0);
	f = fopen("conf/adlog.conf.example", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '[') {
			snprintf(sec, sizeof(sec), "%.*s",
				 (int)strcspn(line + 1, "]"), line + 1);
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			char want[700];

			snprintf(want, sizeof(want), "%s = %s", k[i].name, k[i].def);
			/* "host = " may carry no trailing space in an editor */
			if (!strcmp(sec, k[i].section) &&
			    !strncmp(line, want, strlen(line)) &&
			    strlen(line) + 1 >= strlen(want) && !seen[i]) {
				seen[i] = true;
				found++;
			}
		}
	}
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			print_error("missing from example: [%s] %s = %s\n",
				    k[i].section, k[i].name, k[i].def);
	free(seen);
	assert_int_equal(found, n);
}

/* Every key's line in the example comes right after its doc line from the
 * key table, and the example has no key the table does not: the file is
 * the table written out (for the rules' keys, the table of rules reads the
 * same entries: test_rules' test_table). */
static void test_example_docs(void **state)
{
	char line[1024], prev[1024] = "", sec[64] = "";
	size_t n, keys = 0, bad = 0;
	const struct conf_key *k = config_keys(&n);
	FILE *f = fopen("conf/adlog.conf.example", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *eq = strstr(line, " =");
		const struct conf_key *key = NULL;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '[') {
			snprintf(sec, sizeof(sec), "%.*s",
				 (int)strcspn(line + 1, "]"), line + 1);
		} else if (line[0] != ';' && eq) {
			for (size_t i = 0; i < n; i++)
				if (!strcmp(sec, k[i].section) &&
				    strlen(k[i].name) == (size_t)(eq - line) &&
				    !strncmp(line, k[i].name, eq - line))
					key = &k[i];
			keys++;
			if (!key || strncmp(prev, "; ", 2) ||
			    strcmp(prev + 2, key->doc)) {
				print_error("example: '%s' after '%s' is not "
					    "in the key table with that doc\n",
					    line, prev);
				bad++;
			}
		}
		memcpy(prev, line, sizeof(prev));
	}
	fclose(f);
	assert_int_equal(bad, 0);
	assert_int_equal(keys, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_example_complete),
		cmocka_unit_test(test_example_docs),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
