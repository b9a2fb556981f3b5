/* writer.c - append event lines to the hourly spool file.  The request path
 * takes no lock: it protects the current file with a hazard slot and does
 * one write(2) on an O_APPEND descriptor.  The rare paths (open at the first
 * event of an hour, close, errors) take the roll mutex. */
#include "writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "spool.h"
#include "utchour.h"


void writer_host(const char *name, char *out, size_t cap)
{
	char buf[256];
	size_t i;

	if (!name || !*name) {
		if (gethostname(buf, sizeof(buf) - 1))
			memcpy(buf, "localhost", 10);
		buf[sizeof(buf) - 1] = '\0';
		name = buf;
	}
	for (i = 0; name[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-';

		out[i] = ok ? (char)c : '-';
	}
	out[i] = '\0';
}

int writer_init(struct writer *w, const char *dir, const char *host,
		unsigned node, size_t nthreads)
{
	memset(w, 0, sizeof(*w));
	if (strlen(dir) >= sizeof(w->dir) || node > 1023)
		return -EINVAL;
	memcpy(w->dir, dir, strlen(dir) + 1);
	writer_host(host, w->host, sizeof(w->host));
	w->node = node;
	w->rl.interval_ms = 10000;
	if (pthread_mutex_init(&w->roll, NULL))
		return -ENOMEM;
	return hazard_init(&w->hz, nthreads);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* fdatasync, rename .open -> .log, close.  The file is no longer shared. */
static int close_file(struct writer *w, struct writer_file *f)
{
	int rc = 0;

	if (fdatasync(f->fd) && errno != EINVAL)
		rc = -errno;
	if (rename(f->open_path, f->log_path)) {
		rc = -errno;
		diag_err("cannot rename '%s': %s", f->open_path, strerror(errno));
	}
	close(f->fd);
	sync_dir(w->dir);
	atomic_fetch_add(&w->files_closed, 1);
	pthread_mutex_destroy(&f->append);
	free(f);
	return rc;
}

/* Open a new .open file for hour, named with a START no other file of this
 * host and node has used (a restart within one ms, or a frozen test clock,
 * would otherwise collide). */
static struct writer_file *open_file(struct writer *w, int64_t hour)
{
	struct writer_file *f = calloc(1, sizeof(*f));
	uint32_t yh = hour_of_ms(hour * HOUR_MS);
	int64_t start = clock_now_ms();

	if (!f)
		return NULL;
	pthread_mutex_init(&f->append, NULL);
	f->hour = hour;
	f->id = atomic_fetch_add(&w->files_opened, 1) + 1;
	for (int tries = 0; tries < 1000; tries++, start++) {
		struct stat st;

		spool_name_format(f->log_path, sizeof(f->log_path), w->dir, yh,
				  w->host, w->node, start, SPOOL_LOG);
		spool_name_format(f->open_path, sizeof(f->open_path), w->dir,
				  yh, w->host, w->node, start, SPOOL_OPEN);
		if (stat(f->log_path, &st) == 0)
			continue;
		f->fd = open(f->open_path,
			     O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
			     0644);
		if (f->fd >= 0)
			return f;
		if (errno != EEXIST)
			break;
	}
	diag_ratelimited(&w->rl, "cannot open '%s': %s", f->open_path,
			 strerror(errno));
	free(f);
	return NULL;
}

/* Make the current file right for hour (open one, or replace one that is
 * broken or of an earlier hour).  Called with no hazard held. */
static void roll(struct writer *w, int64_t hour)
{
	struct writer_file *f, *nf;

	pthread_mutex_lock(&w->roll);
	f = atomic_load(&w->cur);
	if (f && f->hour >= hour && !atomic_load(&f->broken))
		goto out_unlock;          /* another thread did it */
	if (clock_mono_ms() < atomic_load(&w->retry_ms))
		goto out_unlock;
	nf = open_file(w, f && f->hour > hour ? f->hour : hour);
	if (!nf) {
		atomic_fetch_add(&w->write_errors, 1);
		atomic_store(&w->retry_ms, clock_mono_ms() + WRITER_RETRY_MS);
		if (!f || !atomic_load(&f->broken))
			goto out_unlock;  /* keep writing the old hour's file */
	}
	atomic_store(&w->cur, nf);
	if (f) {
		/* hand the old file to the control thread; if it has not yet
		 * taken the previous one, close that one here */
		struct writer_file *prev = atomic_exchange(&w->retired, f);

		if (prev) {
			hazard_wait(&w->hz, prev);
			close_file(w, prev);
		}
		if (w->on_retire)
			w->on_retire();
	}
out_unlock:
	pthread_mutex_unlock(&w->roll);
}

/* A write came back short after written bytes: cut them off (the caller
 * counts every line of the write as dropped), then back to the last whole
 * line should anything else be left torn (a crash in mid-write).  Called
 * with f->append held (or at start, before any append), so nothing was
 * appended after the short write. */
static void cut_partial(struct writer *w, struct writer_file *f,
			size_t written)
{
	char buf[EVENT_LINE_MAX];
	struct stat st;
	off_t from;
	ssize_t n;

	pthread_mutex_lock(&w->roll);
	if (fstat(f->fd, &st)) {
		atomic_store(&f->broken, true);
		goto out_unlock;
	}
	if (st.st_size >= (off_t)written &&
	    ftruncate(f->fd, st.st_size - (off_t)written) == 0)
		st.st_size -= (off_t)written;
	if (st.st_size > 0) {
		from = st.st_size > (off_t)sizeof(buf) ?
		       st.st_size - (off_t)sizeof(buf) : 0;
		n = pread(f->fd, buf, (size_t)(st.st_size - from), from);
		if (n < 0) {
			atomic_store(&f->broken, true);
			goto out_unlock;
		}
		while (n > 0 && buf[n - 1] != '\n')
			n--;
		if ((n > 0 || from == 0) && ftruncate(f->fd, from + n))
			atomic_store(&f->broken, true);
	}
out_unlock:
	pthread_mutex_unlock(&w->roll);
}

/* Where the write of len bytes that just ended on f began (f->append
 * held).  The size is counted, not asked: a system call per batch is
 * about a tenth of a request's.  After a short write it is asked once
 * (O_APPEND leaves the descriptor's offset at the file's end). */
static void landed(struct writer_file *f, size_t len, struct writer_at *at)
{
	if (f->size < 0)
		f->size = (int64_t)lseek(f->fd, 0, SEEK_CUR) - (int64_t)len;
	at->file = f->size >= 0 ? f->id : 0;
	at->off = f->size;
	f->size = f->size >= 0 ? f->size + (int64_t)len : -1;
}

int writer_append(struct writer *w, size_t slot, const char *line, size_t len,
		  int64_t ts_ms, struct writer_at *at)
{
	int64_t hour = ts_ms / HOUR_MS;
	struct writer_file *f;
	ssize_t n;
	int err;

	if (at)
		at->file = 0;

	for (int tries = 0;; tries++) {
		f = hazard_take(&w->hz, slot, &w->cur);
		if (f && f->hour >= hour && !atomic_load(&f->broken))
			break;
		if (tries == 2 || (f && f->hour >= hour && tries == 1))
			break;
		hazard_drop(&w->hz, slot);
		roll(w, hour);
	}
	if (!f) {
		hazard_drop(&w->hz, slot);
		return -EIO;
	}
	pthread_mutex_lock(&f->append);
	n = write(f->fd, line, len);
	if (n == (ssize_t)len) {
		if (at)
			landed(f, len, at);
		else if (f->size >= 0)
			f->size += (int64_t)len;
		pthread_mutex_unlock(&f->append);
		hazard_drop(&w->hz, slot);
		return 0;
	}
	err = n < 0 ? errno : ENOSPC;
	f->size = -1;
	if (n > 0)
		cut_partial(w, f, (size_t)n);
	pthread_mutex_unlock(&f->append);
	if (err != ENOSPC && err != EDQUOT && err != EFBIG && err != EINTR)
		atomic_store(&f->broken, true);   /* reopen on the next event */
	hazard_drop(&w->hz, slot);
	atomic_fetch_add(&w->write_errors, 1);
	diag_ratelimited(&w->rl, "cannot write '%s': %s (events dropped)",
			 f->open_path, strerror(err));
	return -err;
}

/* Upper-case the type byte of the line at off (f->append held). */
static int retract_in(struct writer_file *f, int64_t off)
{
	char head[EVENT_TYPE_OFF + 1], up;
	int fd, rc = 0;

	if (pread(f->fd, head, sizeof(head), off) != (ssize_t)sizeof(head))
		return -EIO;
	if (head[EVENT_TYPE_OFF] < 'a' || head[EVENT_TYPE_OFF] > 'z')
		return -EINVAL;
	up = (char)(head[EVENT_TYPE_OFF] - 'a' + 'A');
	/* Linux appends whatever pwrite's offset on an O_APPEND descriptor */
	fd = open(f->open_path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &up, 1, off + EVENT_TYPE_OFF) != 1)
		rc = -EIO;
	close(fd);
	return rc;
}

int writer_retract(struct writer *w, size_t slot, struct writer_at at)
{
	_Atomic(void *) *src[2] = { &w->cur, &w->retired };
	int rc = -ESTALE;

	for (int i = 0; i < 2 && rc == -ESTALE && at.file; i++) {
		struct writer_file *f = hazard_take(&w->hz, slot, src[i]);

		if (f && f->id == at.file) {
			pthread_mutex_lock(&f->append);
			rc = retract_in(f, at.off);
			pthread_mutex_unlock(&f->append);
		}
		hazard_drop(&w->hz, slot);
	}
	return rc;
}

static int close_current_locked(struct writer *w)
{
	struct writer_file *f = atomic_exchange(&w->cur, NULL);

	if (!f)
		return 0;
	hazard_wait(&w->hz, f);
	return close_file(w, f);
}

static void reap_locked(struct writer *w)
{
	struct writer_file *f = atomic_exchange(&w->retired, NULL);

	if (f) {
		hazard_wait(&w->hz, f);
		close_file(w, f);
	}
}

void writer_reap(struct writer *w)
{
	pthread_mutex_lock(&w->roll);
	reap_locked(w);
	pthread_mutex_unlock(&w->roll);
}

int writer_close(struct writer *w)
{
	int rc;

	pthread_mutex_lock(&w->roll);
	reap_locked(w);
	rc = close_current_locked(w);
	pthread_mutex_unlock(&w->roll);
	return rc;
}

void writer_tick(struct writer *w, int64_t now_ms)
{
	struct writer_file *f;

	pthread_mutex_lock(&w->roll);   /* appenders free files only under it */
	reap_locked(w);
	f = atomic_load(&w->cur);
	if (f && f->hour < now_ms / HOUR_MS)
		close_current_locked(w);
	pthread_mutex_unlock(&w->roll);
}

bool writer_is_open(struct writer *w)
{
	return atomic_load(&w->cur) != NULL;
}

/* adlog.YYYYMMDDHH.HOST.NODE.START.open of this host and node? */
static bool own_open_file(const struct writer *w, const char *name)
{
	size_t n = strlen(name), ol = strlen(SPOOL_OPEN);
	struct spool_name sn;

	return n > ol && !strcmp(name + n - ol, SPOOL_OPEN) &&
	       spool_name_parse(name, n - ol, &sn) && sn.node == w->node &&
	       sn.host_len == strlen(w->host) &&
	       !memcmp(sn.host, w->host, sn.host_len);
}

int writer_recover(struct writer *w)
{
	DIR *d = opendir(w->dir);
	struct dirent *e;
	int closed = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct writer_file *f;

		if (!own_open_file(w, e->d_name))
			continue;
		f = calloc(1, sizeof(*f));
		if (!f)
			break;
		pthread_mutex_init(&f->append, NULL);
		snprintf(f->open_path, sizeof(f->open_path), "%s/%s", w->dir,
			 e->d_name);
		memcpy(f->log_path, f->open_path, strlen(f->open_path) - 4);
		memcpy(f->log_path + strlen(f->open_path) - 4, "log", 4);
		f->fd = open(f->open_path, O_RDWR | O_CLOEXEC);
		if (f->fd < 0) {
			free(f);
			continue;
		}
		cut_partial(w, f, 0);  /* a crash in mid-write leaves no torn line */
		close_file(w, f);
		closed++;
	}
	closedir(d);
	return closed;
}

void writer_release(struct writer *w)
{
	writer_close(w);
	hazard_release(&w->hz);
	pthread_mutex_destroy(&w->roll);
}
