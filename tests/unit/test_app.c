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

static const char *run_from(const char *method, const char *uri,
			    const char *query, const char *cookie,
			    const char *origin, int *status, size_t *len)
{
	struct serve_request r = { .method = method, .uri = uri, .query = query,
				   .addr = "192.0.2.7", .cookie = cookie,
				   .ua = "UA", .accept_lang = "en",
				   .origin = origin };

	static char out[APP_OUT_MAX];

	*len = app_handle(&w, 0, &r, out, status);
	app_flush(&w);
	out[*len < APP_OUT_MAX ? *len : APP_OUT_MAX - 1] = '\0';
	return out;
}

static const char *run(const char *method, const char *uri, const char *query,
		       const char *cookie, int *status, size_t *len)
{
	return run_from(method, uri, query, cookie, NULL, status, len);
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
	assert_true(!strncmp(line, "2\ts\t1800000000000\t", 18));
	assert_non_null(strstr(line, "\t192.0.2.7\t"));
	/* HEAD: same headers, no body */
	out = run("HEAD", "/ad", "zone=1", NULL, &status, &len);
	assert_int_equal(status, 200);
	assert_true(len >= 4 && !memcmp(out + len - 4, "\r\n\r\n", 4));
}

/* the value of "key":"..." in a JSON answer, into dst */
static void json_str(const char *body, const char *key, char *dst, size_t cap)
{
	char pat[32];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(body, pat);
	assert_non_null(p);
	p += strlen(pat);
	q = strchr(p, '"');
	assert_non_null(q);
	assert_true((size_t)(q - p) < cap);
	memcpy(dst, p, (size_t)(q - p));
	dst[q - p] = '\0';
}

/* CORS: the Origin comes back only when the zone's publisher owns it
 * (example.com and example.org own zone 1; recipes.example.net zone 3);
 * every other origin is refused and counted. */
static void test_ad_cors(void **state)
{
	static const struct { const char *origin; bool grant; } c[] = {
		{ "https://www.example.com", true },
		{ "https://example.org:8443", true },
		{ "http://example.com", true },
		{ "https://evil.example.net", false },
		{ "https://notexample.com", false },
		{ "https://example.com.evil.net", false },
		{ "https://example.com\r\nSet-Cookie: x=1", false },
		{ "https://recipes.example.net", false },   /* zone 3's, not 1's */
		{ "null", false },
	};
	char want[128];
	int status;
	size_t len;
	const char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		out = run_from("GET", "/ad", "zone=1", NULL, c[i].origin, &status, &len);
		assert_int_equal(status, 200);
		assert_non_null(strstr(out, "\r\nVary: Origin\r\n"));
		snprintf(want, sizeof(want), "\r\nAccess-Control-Allow-Origin: %s\r\n"
			 "Access-Control-Allow-Credentials: true\r\n", c[i].origin);
		if (c[i].grant)
			assert_non_null(strstr(out, want));
		else
			assert_null(strstr(out, "Access-Control-"));
	}
	out = run_from("GET", "/ad", "zone=3", NULL, "https://recipes.example.net",
		       &status, &len);
	assert_non_null(strstr(out, "Access-Control-Allow-Origin: https://recipes.example.net\r\n"));
	/* no Origin (same origin, or not a fetch): no grant, not refused */
	out = run("GET", "/ad", "zone=1", NULL, &status, &len);
	assert_null(strstr(out, "Access-Control-"));
	out = run("GET", "/status", "", NULL, &status, &len);
	assert_non_null(strstr(out, "\ncors_refused 6\n"));
}

/* The render report of a served ad is an impression under the served
 * id; a forged token gets an id of its own and its flag. */
static void test_render(void **state)
{
	char body[4096], id[20], render[256], click[256], line[2048], want[64];
	int status;
	size_t len;
	const char *out = run("GET", "/ad", "zone=1", NULL, &status, &len);

	(void)state;
	assert_int_equal(status, 200);
	snprintf(body, sizeof(body), "%s", strstr(out, "\r\n\r\n") + 4);
	json_str(body, "id", id, sizeof(id));
	json_str(body, "render", render, sizeof(render));
	json_str(body, "click", click, sizeof(click));
	assert_non_null(strstr(body, "\"alt\":\"Advertisement\""));
	assert_true(!strncmp(render, "https://ads.example/r?t=", 24));
	/* one token for the render and the click */
	assert_string_equal(render + 24, click + 24);
	clock_set_fake(NOW + 1500);
	out = run("GET", "/r", render + 22, NULL, &status, &len);
	assert_int_equal(status, 200);
	assert_non_null(strstr(out, "Content-Type: image/gif\r\n"));
	last_line(line, sizeof(line));
	snprintf(want, sizeof(want), "2\ti\t1800000001500\t%s\t-\t", id);
	assert_true(!strncmp(line, want, strlen(want)));
	assert_non_null(strstr(line, "\t11\t"));       /* VALID | UID_NEW */
	assert_non_null(strstr(line, "\t1\t1\t10\tUA\t"));  /* zone, pub, camp */
	/* a forged tag: same served id inside, but not under it */
	render[strlen(render) - 2] = render[strlen(render) - 2] == 'A' ? 'B' : 'A';
	out = run("GET", "/r", render + 22, NULL, &status, &len);
	assert_int_equal(status, 200);
	last_line(line, sizeof(line));
	assert_true(!strncmp(line, "2\ti\t1800000001500\t", 18));
	assert_null(strstr(line, id));
	assert_non_null(strstr(line, "\t21\t"));   /* TOKEN_BAD | UID_NEW */
	out = run("GET", "/r", "t=nonsense", NULL, &status, &len);
	last_line(line, sizeof(line));
	assert_non_null(strstr(line, "\ta1\t0\t0\t0\t0\t"));  /* BAD|UNKNOWN */
	clock_set_fake(NOW);
}

/* The iframe form: a page with the creative (size, alt, signed click
 * link) that reports its render once the image loaded. */
static void test_frame(void **state)
{
	char line[2048];
	int status;
	size_t len;
	const char *out = run("GET", "/f", "zone=2", NULL, &status, &len);

	(void)state;
	assert_int_equal(status, 200);
	assert_non_null(strstr(out, "Content-Type: text/html; charset=utf-8\r\n"));
	assert_non_null(strstr(out, "<a href=\"https://ads.example/c?t="));
	assert_non_null(strstr(out, "target=\"_top\"><img src=\"https://cdn.example.com/ads/3.png\" width=\"728\" height=\"90\" alt=\"Advertisement\""));
	assert_non_null(strstr(out, "data-r=\"https://ads.example/r?t="));
	assert_non_null(strstr(out, "<meta name=\"referrer\" content=\"no-referrer\">"));
	last_line(line, sizeof(line));
	assert_true(!strncmp(line, "2\ts\t", 4));
	assert_non_null(strstr(line, "\t3\t2\t1\t10\tUA\t"));
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

	return app_handle(&w, 0, &r, out, &status);
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
		cmocka_unit_test_setup_teardown(test_ad_cors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
