/* test_app.c - the request handler without nginx: exact response framing
 * (status, headers, Content-Length, HEAD without body), the event line
 * written before the answer, and the /status counters that follow. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "../../serve/app.h"

#define NOW 1800000000000LL

static char dir[64];
static struct config cfg;
static struct serve_app app;
static struct serve_worker w;

static int setup(void **state)
{
	char err[256], path[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_app.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	clock_set_fake(NOW);
	config_defaults(&cfg);
	snprintf(path, sizeof(path), "%s", dir);
	if (config_set(&cfg, "common", "spool_dir", path, err, sizeof(err)) ||
	    config_set(&cfg, "common", "host", "h", err, sizeof(err)) ||
	    config_set(&cfg, "serve", "inventory", "conf/inventory.example", err,
		       sizeof(err)) ||
	    config_set(&cfg, "serve", "token_key",
		       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		       err, sizeof(err)) ||
	    config_set(&cfg, "serve", "click_base", "https://ads.example", err,
		       sizeof(err)))
		return -1;
	if (app_init(&app, &cfg, 5, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return worker_init(&w, &app, 0);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	worker_release(&w);
	app_release(&app);
	clock_set_fake(0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static const char *run(const char *method, const char *uri, const char *query,
		       const char *cookie, int *status, size_t *len)
{
	struct serve_request r = { .method = method, .uri = uri, .query = query,
				   .addr = "192.0.2.7", .cookie = cookie,
				   .ua = "UA", .accept_lang = "en" };

	static char out[APP_OUT_MAX];

	*len = app_handle(&w, &r, out, status);
	app_flush(&w);
	out[*len < APP_OUT_MAX ? *len : APP_OUT_MAX - 1] = '\0';
	return out;
}

/* the last line of the spool file */
static void last_line(char *buf, size_t cap)
{
	char cmd[160];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tail -n1 %s/*.open", dir);
	p = popen(cmd, "r");
	assert_non_null(fgets(buf, (int)cap, p));
	pclose(p);
}

static void test_ad_answer_framing(void **state)
{
	int status;
	size_t len;
	const char *out = run("GET", "/ad", "zone=1", NULL, &status, &len);
	const char *body = strstr(out, "\r\n\r\n");
	const char *cl = strstr(out, "Content-Length: ");
	char line[2048];

	(void)state;
	assert_int_equal(status, 200);
	assert_true(!strncmp(out, "Status: 200 OK\r\nCache-Control: no-store\r\nSet-Cookie: uid=", 56));
	assert_non_null(strstr(out, "; Max-Age=31536000; Path=/; SameSite=None; Secure\r\n"));
	assert_non_null(body);
	assert_non_null(cl);
	body += 4;
	/* the fixed-width length is the body's length */
	assert_int_equal(strtol(cl + 16, NULL, 10), (long)(out + len - body));
	assert_non_null(strstr(body, "\"click\":\"https://ads.example/c?t="));
	last_line(line, sizeof(line));
	assert_true(!strncmp(line, "1\ti\t1800000000000\t", 18));
	assert_non_null(strstr(line, "\t192.0.2.7\t"));
	/* HEAD: same headers, no body */
	out = run("HEAD", "/ad", "zone=1", NULL, &status, &len);
	assert_int_equal(status, 200);
	assert_true(len >= 4 && !memcmp(out + len - 4, "\r\n\r\n", 4));
}

static void test_pixel_click_status(void **state)
{
	int status;
	size_t len;
	const char *out;
	char line[2048];

	(void)state;
	out = run("GET", "/i", "ad=2&zone=3", "uid=AAAAAAAAAAAAAAAAAAAAAA", &status, &len);
	assert_int_equal(status, 200);
	assert_null(strstr(out, "Set-Cookie"));
	assert_int_equal(len - (size_t)(strstr(out, "\r\n\r\n") + 4 - out), 43);
	last_line(line, sizeof(line));
	assert_non_null(strstr(line, "\tAAAAAAAAAAAAAAAAAAAAAA\t0\t2\t3\t2\t10\tUA\t-\n"));
	out = run("GET", "/c", "ad=1&zone=1&url=http://evil.example", NULL, &status, &len);
	assert_int_equal(status, 302);
	assert_non_null(strstr(out, "\r\nLocation: https://shop.example.com/landing?ad=1\r\n"));
	assert_null(strstr(out, "evil"));
	out = run("POST", "/c", "ad=1", NULL, &status, &len);
	assert_int_equal(status, 405);
	out = run("GET", "/i", "ad=1&ad=1&zone=1", NULL, &status, &len);
	assert_int_equal(status, 400);
	assert_non_null(strstr(out, "duplicate parameter\n"));
	out = run("GET", "/status", "", NULL, &status, &len);
	assert_int_equal(status, 200);
	assert_non_null(strstr(out, "requests i 2 200=1 400=1\n"));
	assert_non_null(strstr(out, "requests c 2 302=1 405=1\n"));
	assert_non_null(strstr(out, "events_written 2\n"));
	assert_non_null(strstr(out, "adlog-serve node 5 "));
}

/* the number of lines in the spool files of one hour (YYYYMMDDHH) */
static int lines_of_hour(const char *yyyymmddhh)
{
	char cmd[200], buf[32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "cat %s/adlog.%s.* 2>/dev/null | wc -l", dir,
		 yyyymmddhh);
	p = popen(cmd, "r");
	if (fgets(buf, sizeof(buf), p))
		n = (int)strtol(buf, NULL, 10);
	pclose(p);
	return n;
}

static size_t handle(const char *uri, const char *query, char *out)
{
	struct serve_request r = { .method = "GET", .uri = uri, .query = query,
				   .addr = "192.0.2.7", .ua = "UA" };
	int status;

	return app_handle(&w, &r, out, &status);
}

/* Lines wait for app_flush, which writes them all; a line of a new hour
 * first flushes the lines of the old one, so each lands in its hour's file. */
static void test_batch_flush(void **state)
{
	static char out[3][APP_OUT_MAX];
	const int64_t hour_end = 1800000000000LL / 3600000 * 3600000 + 3600000;

	(void)state;
	clock_set_fake(hour_end - 2);
	for (int i = 0; i < 3; i++)
		assert_true(handle("/i", "ad=1&zone=1", out[i]) > 43);
	assert_int_equal(w.lines_n, 3);
	assert_int_equal(lines_of_hour("2027011508"), 0);
	app_flush(&w);
	assert_int_equal(w.lines_n, 0);
	assert_int_equal(lines_of_hour("2027011508"), 3);
	handle("/i", "ad=1&zone=1", out[0]);
	clock_set_fake(hour_end);
	handle("/c", "ad=1&zone=1", out[1]);
	assert_int_equal(lines_of_hour("2027011508"), 4);
	assert_int_equal(lines_of_hour("2027011509"), 0);
	app_flush(&w);
	assert_int_equal(lines_of_hour("2027011509"), 1);
	handle("/status", "", out[2]);
	assert_non_null(strstr(out[2], "events_written 5\n"));
	assert_non_null(strstr(out[2], "events_dropped 0\n"));
	clock_set_fake(NOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ad_answer_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pixel_click_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_flush, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
