/* test_writer.c - the event writer's file protocol: lines land in
 * adlog.HOUR.HOST.NODE.START.open, the hour's end and writer_close rename
 * to .log, a crash's leftover .open is closed at start, a full file system
 * (here: a file-size limit) drops events whole and writing resumes, and a
 * line is retracted in place while its file is open, never after. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "../../serve/writer.h"

#define H0 1800000000000LL   /* 2027-01-15T08:00:00Z */

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_writer.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* how many names in dir end with suffix; the last one in *name */
static int count(const char *suffix, char *name, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		if (l > s && !strcmp(e->d_name + l - s, suffix)) {
			n++;
			if (name)
				snprintf(name, cap, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	return n;
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

static int retired_calls;

static void retired_cb(void)
{
	retired_calls++;
}

static void test_hourly_files_and_close(void **state)
{
	struct writer w;
	char name[512];

	(void)state;
	clock_set_fake(H0 + 5);
	writer_host("web 1.example", w.host, sizeof(w.host));
	assert_string_equal(w.host, "web-1-example");
	assert_int_equal(writer_init(&w, dir, "web1", 7, 2), 0);
	assert_int_equal(writer_append(&w, 0, "a\n", 2, H0 + 5, NULL), 0);
	assert_int_equal(writer_append(&w, 1, "b\n", 2, H0 + 6, NULL), 0);
	assert_int_equal(count(".open", name, sizeof(name)), 1);
	assert_non_null(strstr(name, "/adlog.2027011508.web1.0007.1800000000005.open"));
	/* an event stamped a little earlier than the current hour stays */
	assert_int_equal(writer_append(&w, 1, "c\n", 2, H0 - 1, NULL), 0);
	assert_int_equal(file_size(name), 6);
	/* first event of the next hour retires the old file; the control
	 * thread is told and closes it */
	clock_set_fake(H0 + 3600000);
	w.on_retire = retired_cb;
	assert_int_equal(writer_append(&w, 0, "d\n", 2, H0 + 3600000, NULL), 0);
	assert_int_equal(retired_calls, 1);
	assert_int_equal(count(".open", NULL, 0), 2);
	writer_reap(&w);
	assert_int_equal(count(".log", name, sizeof(name)), 1);
	assert_non_null(strstr(name, ".2027011508.web1.0007."));
	assert_int_equal(file_size(name), 6);
	assert_int_equal(count(".open", NULL, 0), 1);
	/* the clock moves on with no traffic: tick closes the file */
	writer_tick(&w, H0 + 2 * 3600000);
	assert_int_equal(count(".open", NULL, 0), 0);
	assert_int_equal(count(".log", NULL, 0), 2);
	assert_false(writer_is_open(&w));
	/* same frozen START again: a new name, never an overwrite */
	assert_int_equal(writer_append(&w, 0, "e\n", 2, H0 + 3600000, NULL), 0);
	assert_int_equal(writer_close(&w), 0);
	assert_int_equal(count(".log", NULL, 0), 3);
	writer_release(&w);
	clock_set_fake(0);
}

static void test_recover_leftovers(void **state)
{
	struct writer w;
	char path[512], name[512];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/adlog.2027011508.web1.0007.5.open", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "whole\ntorn", 10), 10);
	close(fd);
	snprintf(path, sizeof(path), "%s/adlog.2027011508.web1.0008.5.open", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));   /* another node's */
	assert_int_equal(writer_init(&w, dir, "web1", 7, 1), 0);
	assert_int_equal(writer_recover(&w), 1);
	assert_int_equal(count(".log", name, sizeof(name)), 1);
	assert_non_null(strstr(name, "0007.5.log"));
	assert_int_equal(file_size(name), 6);   /* the torn tail is cut */
	assert_int_equal(count(".open", NULL, 0), 1);
	writer_release(&w);
}

static void test_full_disk_drops_whole_lines(void **state)
{
	struct writer w;
	struct writer_at at;
	struct rlimit old, lim;
	char name[512], line[100];

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 250;   /* room for 2.5 lines */
	assert_int_equal(writer_init(&w, dir, "web1", 9, 1), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(writer_append(&w, 0, line, 100, H0, NULL), 0);
	assert_int_equal(writer_append(&w, 0, line, 100, H0, NULL), 0);
	assert_true(writer_append(&w, 0, line, 100, H0, NULL) < 0);  /* short write */
	assert_true(writer_append(&w, 0, line, 100, H0, NULL) < 0);
	assert_int_equal(count(".open", name, sizeof(name)), 1);
	assert_int_equal(file_size(name), 200);   /* no partial line */
	assert_true(atomic_load(&w.write_errors) >= 2);
	/* space returns: writing resumes by itself, and the offset of what
	 * lands is still the file's size (a line cut back is not counted) */
	setrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(writer_append(&w, 0, line, 100, H0, &at), 0);
	assert_int_equal(file_size(name), 300);
	assert_int_equal(at.off, 200);
	assert_int_equal(writer_append(&w, 0, line, 100, H0, &at), 0);
	assert_int_equal(at.off, 300);
	writer_release(&w);
}

struct racer {
	struct writer *w;
	size_t slot;
};

#define RACE_LINES 20000

/* Each thread's events move through three hours; the first writer of an
 * hour closes the last one while the others keep appending. */
static void read_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_retract_in_open_files_only(void **state)
{
	struct writer_at a, b, c;
	struct writer w;
	char name[512], text[64];

	(void)state;
	clock_set_fake(H0);
	assert_int_equal(writer_init(&w, dir, "web1", 7, 1), 0);
	assert_int_equal(writer_append(&w, 0, "1\ti\tx\n2\ts\ty\n", 12, H0, &a), 0);
	assert_int_equal(writer_append(&w, 0, "1\tc\tz\n", 6, H0, &b), 0);
	assert_true(a.file > 0 && a.file == b.file);
	assert_int_equal(a.off, 0);
	assert_int_equal(b.off, 12);
	/* the second line of the first write, and the click */
	assert_int_equal(writer_retract(&w, 0, (struct writer_at){ a.file, 6 }), 0);
	assert_int_equal(writer_retract(&w, 0, b), 0);
	assert_int_equal(count(".open", name, sizeof(name)), 1);
	read_file(name, text, sizeof(text));
	assert_string_equal(text, "1\ti\tx\n2\tS\ty\n1\tC\tz\n");
	/* twice is refused: the byte is no longer a lower-case type */
	assert_int_equal(writer_retract(&w, 0, b), -EINVAL);
	/* the next hour retires the file: still open, still retractable */
	clock_set_fake(H0 + 3600000);
	assert_int_equal(writer_append(&w, 0, "1\ti\tq\n", 6, H0 + 3600000, &c), 0);
	assert_true(c.file > a.file);
	assert_int_equal(writer_retract(&w, 0, a), 0);
	/* once closed, a file is the readers': nothing changes in it */
	writer_reap(&w);
	assert_int_equal(writer_retract(&w, 0, (struct writer_at){ a.file, 6 }), -ESTALE);
	assert_int_equal(count(".log", name, sizeof(name)), 1);
	read_file(name, text, sizeof(text));
	assert_string_equal(text, "1\tI\tx\n2\tS\ty\n1\tC\tz\n");
	assert_int_equal(writer_retract(&w, 0, c), 0);
	assert_int_equal(writer_close(&w), 0);
	assert_int_equal(writer_retract(&w, 0, c), -ESTALE);
	writer_release(&w);
	clock_set_fake(0);
}

static void *race(void *arg)
{
	struct racer *r = arg;
	char line[64];

	for (int i = 0; i < RACE_LINES; i++) {
		int64_t ts = H0 + (int64_t)i * (3 * 3600000LL / RACE_LINES);
		int n = snprintf(line, sizeof(line), "%zu %d\n", r->slot, i);

		if (writer_append(r->w, r->slot, line, (size_t)n, ts, NULL))
			abort();
	}
	return NULL;
}

static void test_threads_cross_hours(void **state)
{
	struct writer w;
	struct racer r[4];
	pthread_t t[4];
	char cmd[256], out[64];
	FILE *p;

	(void)state;
	assert_int_equal(writer_init(&w, dir, "web1", 3, 4), 0);
	for (size_t i = 0; i < 4; i++) {
		r[i] = (struct racer){ &w, i };
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (size_t i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	writer_close(&w);
	assert_true(count(".log", NULL, 0) >= 3);
	assert_int_equal(count(".open", NULL, 0), 0);
	/* every line once, whole: 4 x RACE_LINES distinct "slot i" lines */
	snprintf(cmd, sizeof(cmd),
		 "cat %s/*.log | grep -cE '^[0-3] [0-9]+$'; cat %s/*.log | sort -u | wc -l",
		 dir, dir);
	p = popen(cmd, "r");
	assert_non_null(fgets(out, sizeof(out), p));
	assert_int_equal(strtol(out, NULL, 10), 4 * RACE_LINES);
	assert_non_null(fgets(out, sizeof(out), p));
	assert_int_equal(strtol(out, NULL, 10), 4 * RACE_LINES);
	pclose(p);
	writer_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hourly_files_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_drops_whole_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_cross_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retract_in_open_files_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
