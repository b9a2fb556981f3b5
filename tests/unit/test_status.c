/* test_status.c - adlog-admin status: the cron status file reader, the lag
 * arithmetic, the verdict and its exit status, JSON string escaping, the
 * tiny HTTP client (URL, response head, a real GET from a one-shot local
 * server, its deadline, a refused connection) and serve's counters in the
 * JSON, ingest's manifest look-up, and one whole collection over a made-up
 * spool, quarantine and status folder with MySQL down. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "fsutil.h"
#include "utchour.h"
#include "../../admin/httpget.h"
#include "../../admin/status.h"
#include "manifest.h"

static const char job_ok[] =
	"job=analyze\nstate=ok\npid=4242\nhost=box\n"
	"command=/usr/bin/adlog-analyze -c /etc/adlog/adlog.conf --pending --json\n"
	"start=2026-01-01T05:12:00Z\nstart_unix=1767244320\n"
	"end=2026-01-01T05:12:09Z\nend_unix=1767244329\nseconds=9\nexit=0\n"
	"message=\nlast_ok=2026-01-01T05:12:09Z\ncount.records=3\n"
	"count.action.loaded=2\ncount.action.unchanged=1\ncount.events=4000\n";

static void test_job_parse(void **state)
{
	struct status_job j;

	(void)state;
	assert_int_equal(status_job_parse(job_ok, strlen(job_ok), &j), 0);
	assert_string_equal(j.job, "analyze");
	assert_string_equal(j.state, "ok");
	assert_int_equal(j.exit_code, 0);
	assert_int_equal(j.pid, 4242);
	assert_int_equal(j.start_unix, 1767244320);
	assert_int_equal(j.end_unix, 1767244329);
	assert_string_equal(j.end, "2026-01-01T05:12:09Z");
	assert_string_equal(j.last_ok, "2026-01-01T05:12:09Z");
	/* count.records is the wrapper's own, not the job's */
	assert_int_equal(j.ncounts, 3);
	assert_string_equal(j.counts[0].name, "action.loaded");
	assert_int_equal(j.counts[0].value, 2);
	assert_string_equal(j.counts[2].name, "events");
	assert_int_equal(j.counts[2].value, 4000);
}

static void test_job_parse_running_and_failed(void **state)
{
	static const char running[] = "job=ingest\nstate=running\npid=7\n"
				      "start_unix=1767244320\nlast_ok=";
	static const char failed[] =
		"job=analyze\nstate=failed\nexit=1\nmessage=analyze: cannot "
		"connect to MySQL at /run/mysqld/mysqld.sock: gone\n"
		"count.bogus=12x\n";
	struct status_job j;

	(void)state;
	assert_int_equal(status_job_parse(running, strlen(running), &j), 0);
	assert_string_equal(j.state, "running");
	assert_int_equal(j.exit_code, -1);     /* not ended: no exit yet */
	assert_string_equal(j.end, "");
	assert_string_equal(j.last_ok, "");
	assert_int_equal(status_job_parse(failed, strlen(failed), &j), 0);
	assert_int_equal(j.exit_code, 1);
	assert_string_equal(j.message, "analyze: cannot connect to MySQL at "
			    "/run/mysqld/mysqld.sock: gone");
	assert_int_equal(j.ncounts, 0);        /* not a number: ignored */
	/* no job= line: not a status file */
	assert_int_equal(status_job_parse("state=ok\n", 9, &j), -1);
	assert_int_equal(status_job_parse("", 0, &j), -1);
}

static void test_lag(void **state)
{
	int64_t h2 = hour_start_ms(2026010102);
	char buf[32];

	(void)state;
	/* an hour lags from its end, never before */
	assert_int_equal(status_hour_lag(2026010102, h2), 0);
	assert_int_equal(status_hour_lag(2026010102, h2 + HOUR_MS), 0);
	assert_int_equal(status_hour_lag(2026010102, h2 + HOUR_MS + 65000), 65);
	assert_int_equal(status_hour_lag(2026010102, h2 + 3 * HOUR_MS), 7200);
	assert_int_equal(status_hour_lag(2026013125, h2), 0);   /* no such hour */
	assert_string_equal(status_duration(42, buf, sizeof(buf)), "42s");
	assert_string_equal(status_duration(65, buf, sizeof(buf)), "1m05s");
	assert_string_equal(status_duration(3 * 3600 + 300, buf, sizeof(buf)),
			    "3h05m");
	assert_string_equal(status_duration(2 * 86400 + 4 * 3600, buf, sizeof(buf)),
			    "2d04h");
	assert_string_equal(status_duration(-5, buf, sizeof(buf)), "0s");
}

static void test_analyze_line(void **state)
{
	static const char loaded[] =
		"{\"hour\":\"2026010101\",\"action\":\"loaded\",\"segments\":2,"
		"\"digest\":\"0123456789abcdef0123456789abcdef\",\"events\":10,"
		"\"invalid_by_reason\":{\"prefetch\":1}}";
	static const char unchanged[] =
		"{\"hour\":\"2026010100\",\"action\":\"unchanged\",\"segments\":1,"
		"\"digest\":\"ffff\"}";
	char d[65];
	uint32_t h;

	(void)state;
	assert_true(status_analyze_line(loaded, strlen(loaded), &h, d, sizeof(d)));
	assert_int_equal(h, 2026010101);
	assert_string_equal(d, "0123456789abcdef0123456789abcdef");
	assert_true(status_analyze_line(unchanged, strlen(unchanged), &h, d,
					sizeof(d)));
	assert_int_equal(h, 2026010100);
	assert_string_equal(d, "ffff");
	/* the day pass stamped its marks on a loaded hour */
	const char *stamped = "{\"hour\":\"2026010102\",\"action\":"
			      "\"marks-applied\",\"digest\":\"ab\"}";

	assert_true(status_analyze_line(stamped, strlen(stamped), &h, d,
					sizeof(d)));
	assert_int_equal(h, 2026010102);
	/* not an hour analysed into MySQL */
	const char *no[] = {
		"{\"hour\":\"2026010101\",\"action\":\"dry-run\",\"digest\":\"ab\"}",
		"{\"day\":\"20260101\",\"action\":\"loaded\",\"publishers\":3}",
		"{\"hour\":\"2026013125\",\"action\":\"loaded\",\"digest\":\"ab\"}",
		"{\"hour\":\"2026010101\",\"action\":\"loaded\",\"digest\":\"x\"}",
		"{\"hour\":\"2026010101\",\"action\":\"loaded\",\"digest\":\"ab",
		"analyze: hour 2026010101: 10 events",
		"",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(status_analyze_line(no[i], strlen(no[i]), &h, d,
						 sizeof(d)));
	/* a digest longer than the caller's buffer is refused, not cut */
	assert_false(status_analyze_line(loaded, strlen(loaded), &h, d, 8));
}

static void test_verdict(void **state)
{
	static struct status s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.mysql_ok = true;
	s.max_lag_s = 7200;
	s.ingest_lag_s = 7200;                 /* at the threshold: fine */
	s.quar_files = 3;                      /* informational only */
	s.cron_err = 2;                        /* ENOENT: no runs yet */
	assert_true(status_verdict(&s));
	assert_int_equal(s.nattention, 0);

	s.ingest_lag_s = 7201;
	s.analyze_lag_s = 9000;
	s.nwaiting = 3;
	s.mysql_ok = false;
	snprintf(s.mysql_err, sizeof(s.mysql_err), "mysql: gone");
	s.njobs = 2;
	snprintf(s.jobs[0].job, sizeof(s.jobs[0].job), "ingest");
	snprintf(s.jobs[0].state, sizeof(s.jobs[0].state), "ok");
	snprintf(s.jobs[1].job, sizeof(s.jobs[1].job), "analyze");
	snprintf(s.jobs[1].state, sizeof(s.jobs[1].state), "failed");
	s.jobs[1].exit_code = 1;
	snprintf(s.jobs[1].message, sizeof(s.jobs[1].message), "no MySQL");
	assert_false(status_verdict(&s));
	assert_int_equal(s.nattention, 4);
	assert_string_equal(s.attention[0], "MySQL unreachable: mysql: gone");
	assert_string_equal(s.attention[1],
			    "cron job analyze failed (exit 1): no MySQL");
	assert_non_null(strstr(s.attention[2], "ingest lags 2h00m"));
	assert_non_null(strstr(s.attention[3], "analyze lags 2h30m"));
	assert_non_null(strstr(s.attention[3], "3 hours waiting"));
	/* a second verdict starts afresh */
	s.mysql_ok = true;
	s.njobs = 0;
	s.ingest_lag_s = s.analyze_lag_s = 0;
	assert_true(status_verdict(&s));
}

static char *json_of(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	status_json_str(f, in);
	fclose(f);
	return buf;
}

static void test_json_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "", "\"\"" },
		{ "plain /var/spool", "\"plain /var/spool\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "tab\there\nnl\r\x01\x1f\x7f", "\"tab\\there\\nnl\\u000d\\u0001\\u001f\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		/* not UTF-8: a stray byte, a cut sequence, an overlong form,
		 * a surrogate, past U+10FFFF */
		{ "x\xffy", "\"x\\ufffdy\"" },
		{ "\xc3", "\"\\ufffd\"" },
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(cases[i].in);

		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_http_url_and_head(void **state)
{
	char host[64], port[8];
	const char *path;
	size_t off;
	static const char resp[] = "HTTP/1.1 200 OK\r\nServer: nginx\r\n"
				   "Content-Type: text/plain\r\n\r\nuptime_seconds 1\n";

	(void)state;
	assert_int_equal(http_url_parse("http://127.0.0.1/status", host,
					sizeof(host), port, sizeof(port), &path), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "80");
	assert_string_equal(path, "/status");
	assert_int_equal(http_url_parse("http://localhost:8080", host,
					sizeof(host), port, sizeof(port), &path), 0);
	assert_string_equal(host, "localhost");
	assert_string_equal(port, "8080");
	assert_string_equal(path, "/");
	assert_int_equal(http_url_parse("http://[::1]:81/status/0", host,
					sizeof(host), port, sizeof(port), &path), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "81");
	assert_string_equal(path, "/status/0");
	const char *bad[] = {
		"https://127.0.0.1/status", "http://", "http:///status",
		"http://h:0/", "http://h:65536/", "http://h:80x/", "http://h:/",
		"http://user:pw@h/", "http://[::1/", "127.0.0.1/status",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_url_parse(bad[i], host, sizeof(host), port,
						sizeof(port), &path), -1);

	assert_int_equal(http_response_status(resp, strlen(resp), &off), 200);
	assert_string_equal(resp + off, "uptime_seconds 1\n");
	assert_int_equal(http_response_status("HTTP/1.0 403 Forbidden\n\n", 24,
					      &off), 403);
	assert_int_equal(off, 24);
	/* a head cut short, or not HTTP at all */
	assert_int_equal(http_response_status(resp, 30, &off), -1);
	assert_int_equal(http_response_status("SSH-2.0-OpenSSH_9.2\r\n\r\n", 23,
					      &off), -1);
	assert_int_equal(http_response_status("HTTP/1.1 2x0 OK\r\n\r\n", 19,
					      &off), -1);
}

/* A one-shot HTTP server on 127.0.0.1 in a child process: it answers
 * the first request with resp (NULL: accepts and stays silent). */
static pid_t serve_once(const char *resp, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 4), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char req[2048];
		int c = accept(ls, NULL, NULL);

		if (c >= 0 && read(c, req, sizeof(req)) > 0) {
			if (resp)
				(void)!write(c, resp, strlen(resp));
			else
				sleep(5);
		}
		_exit(0);
	}
	close(ls);
	return pid;
}

static void test_http_get(void **state)
{
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
		"adlog-serve node 10 pid 15810\nevents_written 5\n"
		"requests ad 2 200=2\nwrite_errors 0\n";
	char url[64], err[256], *body;
	size_t len;
	int port, st;
	pid_t pid;

	(void)state;
	pid = serve_once(resp, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status", port);
	assert_int_equal(http_get(url, 2000, &body, &len, err, sizeof(err)), 200);
	assert_string_equal(body, "adlog-serve node 10 pid 15810\nevents_written 5\n"
			    "requests ad 2 200=2\nwrite_errors 0\n");
	assert_int_equal(len, strlen(body));
	free(body);
	waitpid(pid, &st, 0);

	/* a server that never answers: the deadline holds */
	pid = serve_once(NULL, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status", port);
	assert_int_equal(http_get(url, 200, &body, &len, err, sizeof(err)), -1);
	assert_null(body);
	assert_string_equal(err, "timed out after 200 ms");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);

	/* nobody listens (the port the server above had is closed now) */
	assert_int_equal(http_get(url, 2000, &body, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "Connection refused");

	/* serve's counters in status --json: "name N" lines as numbers */
	{
		static struct status s;
		struct config c;
		char *json = NULL;
		size_t jlen = 0;
		FILE *f;

		memset(&s, 0, sizeof(s));
		config_defaults(&c);
		s.mysql_ok = true;
		s.serve_asked = s.serve_ok = true;
		s.serve_body = strdup("adlog-serve node 10 pid 15810\r\n"
				      "events_written 5\nrequests ad 2 200=2\n"
				      "write_errors 0\nEvil\"key 1\n");
		f = open_memstream(&json, &jlen);
		status_print_json(&s, &c, f);
		fclose(f);
		assert_non_null(strstr(json, "\"counters\":{\"events_written\":5,"
				       "\"write_errors\":0},\"lines\":["
				       "\"adlog-serve node 10 pid 15810\","
				       "\"events_written 5\",\"requests ad 2 200=2\","
				       "\"write_errors 0\",\"Evil\\\"key 1\"]"));
		free(json);
		status_release(&s);
	}
}

static void test_manifest_lists(void **state)
{
	static const char m[] =
		MANIFEST_HEADER
		"source=adlog.2026010100.a.0001.5\tsegment=-\tevents=0\n"
		"source=adlog.2026010100.a.0001.55\tsegment=x.seg\tevents=3";

	(void)state;
	assert_true(manifest_lists(m, strlen(m), "adlog.2026010100.a.0001.5"));
	assert_true(manifest_lists(m, strlen(m), "adlog.2026010100.a.0001.55"));
	/* a prefix of a listed source is not listed */
	assert_false(manifest_lists(m, strlen(m), "adlog.2026010100.a.0001"));
	assert_false(manifest_lists(m, strlen(m), "adlog.2026010100.a.0001.555"));
	assert_false(manifest_lists(m, 0, "adlog.2026010100.a.0001.5"));
}

/* ---- one whole collection, MySQL down, serve not asked ---- */

static char root[] = "/tmp/adlog-test-status.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fs_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

static void mkd(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(fs_mkdir_p(p), 0);
}

static void set(struct config *c, const char *sec, const char *key,
		const char *rel)
{
	char v[512], err[256];

	snprintf(v, sizeof(v), "%s%s", rel[0] ? root : "", rel);
	assert_int_equal(config_set(c, sec, key, v, err, sizeof(err)), 0);
}

static void test_collect_mysql_down(void **state)
{
	static struct status s;
	struct config c;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	mkd("spool");
	mkd("data/2026010100");
	mkd("q");
	mkd("status");
	/* hour 00 ingested (its manifest lists it; after = keep left it),
	 * hour 01 and 02 closed and waiting, hour 03 open */
	put("spool/adlog.2026010100.b.0001.1.log", "x\n");
	put("data/2026010100/manifest.tsv", MANIFEST_HEADER
	    "source=adlog.2026010100.b.0001.1\tsegment=-\tevents=0\n");
	put("spool/adlog.2026010101.b.0001.2.log.gz", "x");
	put("spool/adlog.2026010102.b.0001.3.log", "x\n");
	put("spool/adlog.2026010103.b.0001.4.open", "x\n");
	put("spool/.adlog.2026010100.b.0001.9.log", "temp\n");
	put("q/adlog.2026010100.b.0001.1.rej",
	    "0\tbad_ts\tx\n10\tbad_ts\ty\n20\tno_lf\tz\n");
	put("q/.adlog.x.rej.tmp", "0\tbad_ts\tx\n");
	put("status/ingest.status", "job=ingest\nstate=ok\nexit=0\ncount.lines=5\n");
	put("status/analyze.status", "job=analyze\nstate=failed\nexit=1\n"
	    "message=analyze: cannot connect\nlast_ok=2026-01-01T01:12:00Z\n");
	{
		/* a run killed mid-way (its pid is gone) and one still going */
		char host[256], text[512];
		pid_t dead = fork();
		int st;

		assert_true(dead >= 0);
		if (dead == 0)
			_exit(0);
		waitpid(dead, &st, 0);
		assert_int_equal(gethostname(host, sizeof(host)), 0);
		snprintf(text, sizeof(text), "job=export\nstate=running\npid=%d\n"
			 "host=%s\n", (int)dead, host);
		put("status/export.status", text);
		snprintf(text, sizeof(text), "job=purge\nstate=running\npid=%d\n"
			 "host=%s\n", (int)getpid(), host);
		put("status/purge.status", text);
	}
	put("status/analyze.ok.json",
	    "{\"hour\":\"2026010100\",\"action\":\"loaded\",\"digest\":\"00\"}\n");

	config_defaults(&c);
	set(&c, "common", "spool_dir", "/spool");
	set(&c, "common", "data_dir", "/data");
	set(&c, "ingest", "quarantine_dir", "/q");
	set(&c, "cron", "status_dir", "/status");
	set(&c, "mysql", "socket", "/no.sock");
	set(&c, "admin", "serve_status_url", "");
	clock_set_fake(hour_start_ms(2026010105) + 60000);
	status_collect(&s, &c);
	clock_set_fake(0);

	assert_false(s.mysql_ok);
	assert_int_equal(s.closed_waiting, 2);
	assert_int_equal(s.closed_ingested, 1);
	assert_int_equal(s.open_files, 1);
	assert_int_equal(s.oldest_hour, 2026010101);
	assert_non_null(strstr(s.oldest, "/spool/adlog.2026010101.b.0001.2.log.gz"));
	assert_int_equal(s.ingest_lag_s, 3 * 3600 + 60);
	/* no segments at all: nothing waits for analyze */
	assert_int_equal(s.waiting_from, STATUS_SRC_CRON);
	assert_int_equal(s.nwaiting, 0);
	assert_int_equal(s.last_analysed, 2026010100);
	assert_string_equal(s.last_analysed_at, "2026-01-01T01:12:00Z");
	assert_int_equal(s.quar_files, 1);
	assert_int_equal(s.quar_lines, 3);
	assert_int_equal(s.nreasons, 2);
	assert_string_equal(s.reasons[0].name, "bad_ts");
	assert_int_equal(s.reasons[0].value, 2);
	assert_false(s.serve_asked);
	/* the pipeline's order: ingest before analyze */
	assert_int_equal(s.njobs, 4);
	assert_string_equal(s.jobs[0].job, "ingest");
	assert_string_equal(s.jobs[2].job, "export");
	assert_true(s.jobs[2].pid_gone);
	assert_string_equal(s.jobs[3].job, "purge");
	assert_false(s.jobs[3].pid_gone);
	/* MySQL, the failed job, the ingest lag over 2 h */
	assert_int_equal(s.nattention, 3);

	f = open_memstream(&json, &len);
	status_print_json(&s, &c, f);
	fclose(f);
	assert_non_null(strstr(json, "\"ok\":false"));
	assert_non_null(strstr(json, "\"closed_waiting\":2"));
	assert_non_null(strstr(json, "\"by_reason\":{\"bad_ts\":2,\"no_lf\":1}"));
	assert_non_null(strstr(json, "\"serve\":null"));
	assert_non_null(strstr(json, "\"hours_waiting\":[]"));
	assert_non_null(strstr(json, "\"pid_gone\":true"));
	free(json);
	status_release(&s);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_list_header(void **state)
{
	static const char dc[] =
		"# datacenters.txt - ...\n"
		"# as-of: 2026-08-22T06:05:04Z\n"
		"# source: aws aws https://ip-ranges.amazonaws.com/ip-ranges.json ranges=1752\n"
		"# source: azure azure /var/lib/x.json ranges=9 stale-since=2026-08-20T04:20:00Z\n"
		"\n3.0.0.0/15\n2600:1f00::/40\n";
	static const char bots[] =
		"# Sources (fetched with npm pack):\n"
		"#   crawler-user-agents 1.60.0, license MIT, https://x\n"
		"#     pattern by its tags: social-preview -> [preview]; http-library,\n"
		"#   isbot 5.2.4, license Unlicense, https://isbot.js.org\n"
		"[bot]\nGooglebot\\/\n[wW]get\n[tool]\n^curl\n";
	struct status_list l;

	(void)state;
	status_list_parse(dc, sizeof(dc) - 1, &l);
	assert_int_equal(l.entries, 2);
	assert_int_equal(l.as_of_ms, 1787378704000LL);
	assert_int_equal(l.nsources, 2);
	assert_string_equal(l.sources[0], "aws ranges=1752");
	assert_string_equal(l.sources[1], "azure ranges=9 stale-since=2026-08-20T04:20:00Z");
	status_list_parse(bots, sizeof(bots) - 1, &l);
	assert_int_equal(l.entries, 3);
	assert_int_equal(l.as_of_ms, -1);
	assert_int_equal(l.nsources, 2);
	assert_string_equal(l.sources[0], "crawler-user-agents 1.60.0 (MIT)");
	assert_string_equal(l.sources[1], "isbot 5.2.4 (Unlicense)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_parse),
		cmocka_unit_test(test_list_header),
		cmocka_unit_test(test_job_parse_running_and_failed),
		cmocka_unit_test(test_lag),
		cmocka_unit_test(test_analyze_line),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_http_url_and_head),
		cmocka_unit_test(test_http_get),
		cmocka_unit_test(test_manifest_lists),
		cmocka_unit_test(test_collect_mysql_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
