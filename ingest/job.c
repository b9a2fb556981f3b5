/* job.c - one source file through ingest.  Memory per job is bounded: the
 * line reader's buffers, at most JOB_MAX_HOURS segment writers, and the
 * quarantine's write buffer; nothing grows with the number of lines. */
#define _GNU_SOURCE   /* sync_file_range */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "diag.h"
#include "fsutil.h"
#include "linereader.h"
#include "manifest_entry.h"
#include "spool.h"

#define QBUF_SIZE (64u << 10)
#define QRAW_MAX 8192          /* escaped bytes of a quarantined line */
#define QCLOSE_MAX 64          /* the closing quarantine_full record */

struct hour_out {
	uint32_t hour;
	int64_t hidx;              /* ts_ms / HOUR_MS */
	int fd;
	char dir[4096], tmp[4096], final[4096];
	struct segment_writer w;
	uint64_t events, flagged, flag[SEG_R__COUNT], checksum;
	bool named;                /* the source's own hour, maybe empty */
};

/* The source's quarantine file.  A run of identical rejects (the same
 * reason and bytes, line after line) is one record with a count; records
 * stop at the configured bytes and lines, and one last record counts what
 * was not kept. */
struct quarantine {
	int fd;
	char tmp[4096], final[4096];
	char *buf;
	size_t len;
	int err;
	uint64_t bytes, recs;      /* written or buffered */
	/* the run waiting to be written: its first line, escaped, in pend */
	bool run;
	unsigned run_why;
	uint64_t run_off, run_next, run_count, run_hash;
	size_t run_len, pend_len;
	char *pend;
	uint64_t dropped, drop_off; /* rejects not kept, from drop_off on */
};

struct job {
	const struct ingest_opts *o;
	const struct job_file *f;
	struct givt_ctx *rc;
	struct linereader lr;
	struct validate_cfg vc;
	struct hour_out *hours[JOB_MAX_HOURS];
	unsigned nhours;
	struct hour_out *last;
	struct quarantine q;
	struct ingest_stats st;
	uint64_t last_id[3][1024];  /* last id per type (i, c, s) and node */
	int fd;
};

/* ---- quarantine: "OFFSET<TAB>REASON<TAB>escaped raw line" per reject ---- */

static int q_flush(struct quarantine *q)
{
	if (!q->err && q->len)
		q->err = fs_write_all(q->fd, q->buf, q->len);
	q->len = 0;
	return q->err;
}

static int q_open(struct job *j)
{
	struct quarantine *q = &j->q;
	int e;

	if ((e = fs_mkdir_p(j->o->quarantine_dir)))
		return e;
	if (snprintf(q->final, sizeof(q->final), "%s/%s.rej",
		     j->o->quarantine_dir, j->f->stem) >= (int)sizeof(q->final) ||
	    snprintf(q->tmp, sizeof(q->tmp), "%s/.%s" QUARANTINE_TMP_SUFFIX,
		     j->o->quarantine_dir, j->f->stem) >= (int)sizeof(q->tmp))
		return -ENAMETOOLONG;
	q->buf = malloc(QBUF_SIZE);
	q->pend = malloc(QRAW_MAX);
	if (!q->buf || !q->pend) {
		free(q->buf);
		free(q->pend);
		q->buf = q->pend = NULL;
		return -ENOMEM;
	}
	q->fd = open(q->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (q->fd < 0) {
		free(q->buf);
		free(q->pend);
		q->buf = q->pend = NULL;
		return -errno;
	}
	return 0;
}

/* Append "OFFSET<TAB>REASON<TAB>TEXT[<TAB>COUNT]" (COUNT when > 1) unless
 * the caps are reached (then it is counted as not kept; the closing
 * record of q_close_runs always goes in, in the room kept for it). */
static int q_record(struct job *j, uint64_t off, const char *reason,
		    const char *text, size_t tlen, uint64_t count, bool closing)
{
	struct quarantine *q = &j->q;
	char head[64], tail[32];
	int hn, tn = 0;
	size_t n;

	hn = snprintf(head, sizeof(head), "%llu\t%s\t",
		      (unsigned long long)off, reason);
	if (count > 1)
		tn = snprintf(tail, sizeof(tail), "\t%llu", (unsigned long long)count);
	n = (size_t)hn + tlen + (size_t)tn + 1;
	if (!closing && (q->dropped || q->recs + 2 > j->o->quar_max_lines ||
			 q->bytes + n + QCLOSE_MAX > j->o->quar_max_bytes)) {
		if (!q->dropped)
			q->drop_off = off;
		q->dropped += count;
		return 0;
	}
	if (q->len + n > QBUF_SIZE && q_flush(q))
		return q->err;
	memcpy(q->buf + q->len, head, (size_t)hn);
	memcpy(q->buf + q->len + hn, text, tlen);
	memcpy(q->buf + q->len + hn + tlen, tail, (size_t)tn);
	q->len += n;
	q->buf[q->len - 1] = '\n';
	q->bytes += n;
	q->recs++;
	return 0;
}

static int q_end_run(struct job *j)
{
	struct quarantine *q = &j->q;

	if (!q->run)
		return 0;
	q->run = false;
	return q_record(j, q->run_off, rej_name(q->run_why), q->pend,
			q->pend_len, q->run_count, false);
}

/* The run in progress, then what the caps kept out. */
static int q_close_runs(struct job *j)
{
	struct quarantine *q = &j->q;
	int e;

	if ((e = q_end_run(j)))
		return e;
	if (q->dropped)
		return q_record(j, q->drop_off, "quarantine_full", "-", 1,
				q->dropped, true);
	return 0;
}

static int reject(struct job *j, unsigned why, const struct lr_line *l)
{
	struct quarantine *q = &j->q;
	uint64_t h;
	int e;

	j->st.rejected++;
	j->st.rej[why]++;
	if (!q->buf && (e = q_open(j)))
		return q->err = e;
	h = XXH3_64bits(l->ptr, l->len);
	if (q->run && why == q->run_why && l->offset == q->run_next &&
	    l->len == q->run_len && h == q->run_hash) {
		q->run_count++;
		q->run_next = l->offset + l->len + 1;
		return q->err;
	}
	if ((e = q_end_run(j)))
		return e;
	q->run = true;
	q->run_why = why;
	q->run_off = l->offset;
	q->run_next = l->offset + l->len + 1;
	q->run_len = l->len;
	q->run_hash = h;
	q->run_count = 1;
	q->pend_len = event_escape(l->ptr, l->len, q->pend, QRAW_MAX);
	return q->err;
}

/* ---- segments, one per hour ---- */

static void hour_free(struct hour_out *h, bool unlink_tmp)
{
	if (h->fd >= 0) {
		close(h->fd);
		if (unlink_tmp)
			unlink(h->tmp);
	}
	segment_writer_release(&h->w);
	free(h);
}

static struct hour_out *hour_open(struct job *j, int64_t hidx, int *err)
{
	struct hour_out *h = calloc(1, sizeof(*h));
	const char *data = j->o->data_dir;

	*err = -ENOMEM;
	if (!h)
		return NULL;
	h->fd = -1;
	h->hidx = hidx;
	h->hour = hour_of_ms(hidx * HOUR_MS);
	if (snprintf(h->dir, sizeof(h->dir), "%s/%010u", data, h->hour) >=
		     (int)sizeof(h->dir) ||
	    snprintf(h->final, sizeof(h->final), "%s/%s.seg", h->dir,
		     j->f->stem) >= (int)sizeof(h->final) ||
	    snprintf(h->tmp, sizeof(h->tmp), "%s/.%s.seg.tmp", h->dir,
		     j->f->stem) >= (int)sizeof(h->tmp)) {
		*err = -ENAMETOOLONG;
		goto out_free;
	}
	if (mkdir(h->dir, 0755) == 0) {
		if ((*err = fs_fsync_dir(data)))
			goto out_free;
	} else if (errno != EEXIST) {
		*err = -errno;
		goto out_free;
	}
	h->fd = open(h->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (h->fd < 0) {
		*err = -errno;
		goto out_free;
	}
	if ((*err = segment_writer_init(&h->w, h->fd, h->hour)))
		goto out_free;
	return h;
out_free:
	hour_free(h, true);
	return NULL;
}

/* The writer for hidx, opening it if needed; NULL with *err (0 when the
 * per-file cap is reached: the caller rejects the line). */
static struct hour_out *hour_get(struct job *j, int64_t hidx, int *err)
{
	struct hour_out *h;

	*err = 0;
	if (j->last && j->last->hidx == hidx)
		return j->last;
	for (unsigned i = 0; i < j->nhours; i++)
		if (j->hours[i]->hidx == hidx)
			return j->last = j->hours[i];
	if (j->nhours == JOB_MAX_HOURS)
		return NULL;
	if (!(h = hour_open(j, hidx, err)))
		return NULL;
	j->hours[j->nhours++] = h;
	return j->last = h;
}

/* ---- one line ---- */

/* Start writing the segment's dirty pages now, so that the fsync at the
 * end waits for little (a 5 M-line segment is 480 MB). */
#define WRITEBACK_EVENTS (1u << 18)   /* 24 MiB of records */

static void start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

/* A line whose id equals the last of its node and type in this source
 * is a repeat (a doubled line), counted for the manifest; analyze counts
 * the event once.  (Equal, not "not above": a render carries the older
 * id of the ad served.) */
static void note_id(struct job *j, const struct event *ev)
{
	unsigned t = ev->type == EVENT_CLICK ? 1 : ev->type == EVENT_IMPRESSION ? 0 : 2;
	uint64_t *last = &j->last_id[t][(ev->id >> 12) & 1023];

	if (ev->id == *last)
		j->st.id_repeats++;
	else
		*last = ev->id;
}

static int accept_line(struct job *j, const struct lr_line *l)
{
	struct event ev;
	struct seg_record rec;
	struct hour_out *h;
	XXH128_hash_t uah, refh;
	size_t off;
	unsigned why;
	uint32_t reasons;
	int e;

	if (l->kind == LR_PARTIAL)
		return reject(j, REJ_NO_LF, l);
	if (l->kind == LR_NUL)
		return reject(j, REJ_NUL_RUN, l);
	if (l->kind == LR_LONG)
		return reject(j, EVENT_E_LONG, l);
	why = event_parse(l->ptr, l->len, &ev, &off);
	if (!why)
		why = validate_event(&j->vc, &ev);
	if (why)
		return reject(j, why, l);
	if (ev.retracted) {
		j->st.retracted++;
		return 0;
	}
	h = hour_get(j, ev.ts_ms / HOUR_MS, &e);
	if (!h)
		return e ? e : reject(j, REJ_HOURS, l);
	uah = XXH3_128bits(ev.ua.ptr, ev.ua.len);
	refh = XXH3_128bits(ev.ref.ptr, ev.ref.len);
	segment_string_prefetch(&h->w, &uah);
	segment_string_prefetch(&h->w, &refh);
	reasons = givt_event(j->rc, &ev, uah.low64);
	segment_record_from_event(&h->w, &ev, reasons, &uah, &refh, &rec);
	if ((e = segment_append(&h->w, &rec)))
		return e;
	j->st.accepted++;
	note_id(j, &ev);
	if (++h->events % WRITEBACK_EVENTS == 0)
		start_writeback(h->fd);
	stats_flags(&h->flagged, h->flag, reasons);
	return 0;
}

static int read_all(struct job *j)
{
	struct lr_line l;
	uint64_t reported = 0;
	int k, e;

	while ((k = lr_next(&j->lr, &l)) > 0) {
		j->st.lines++;
		if ((e = accept_line(j, &l)))
			return e;
		if ((j->st.lines & 8191) == 0 && j->o->progress) {
			atomic_fetch_add(j->o->progress, j->lr.in_bytes - reported);
			reported = j->lr.in_bytes;
		}
	}
	if (j->o->progress)
		atomic_fetch_add(j->o->progress, j->lr.in_bytes - reported);
	return k;   /* 0 at the end, or -errno */
}

/* ---- commit: segments, quarantine, manifests, then the source ---- */

static int finish_segments(struct job *j)
{
	int e;

	for (unsigned i = 0; i < j->nhours; i++) {
		struct hour_out *h = j->hours[i];

		if ((e = segment_finish(&h->w, &h->checksum)))
			return e;
		if (fsync(h->fd))
			return -errno;
	}
	if (j->q.buf) {
		if ((e = q_close_runs(j)) || q_flush(&j->q))
			return j->q.err ? j->q.err : e;
		if (fsync(j->q.fd))
			return -errno;
	}
	return 0;
}

static int rename_all(struct job *j)
{
	int e;

	for (unsigned i = 0; i < j->nhours; i++) {
		struct hour_out *h = j->hours[i];

		close(h->fd);
		h->fd = -1;
		if (!h->events) {
			/* the source's own hour without events: no segment */
			unlink(h->tmp);
			if (unlink(h->final) && errno != ENOENT)
				return -errno;
		} else if (rename(h->tmp, h->final)) {
			return -errno;
		}
		if ((e = fs_fsync_dir(h->dir)))
			return e;
		j->st.segments += h->events != 0;
	}
	if (j->q.buf) {
		if (rename(j->q.tmp, j->q.final))
			return -errno;
		return fs_fsync_dir(j->o->quarantine_dir);
	} else {
		/* a rerun with no rejects must not leave an older file */
		char path[4096];

		if (snprintf(path, sizeof(path), "%s/%s.rej", j->o->quarantine_dir,
			     j->f->stem) < (int)sizeof(path) && unlink(path) == 0)
			return fs_fsync_dir(j->o->quarantine_dir);
	}
	return 0;
}

static int update_manifests(struct job *j)
{
	char line[4096], seg[300];
	int e = 0;

	pthread_mutex_lock(j->o->manifest_mu);
	for (unsigned i = 0; i < j->nhours && !e; i++) {
		struct hour_out *h = j->hours[i];
		struct manifest_entry me = {
			.source = j->f->stem, .segment = seg,
			.events = h->events, .flagged = h->flagged,
			.checksum = h->checksum, .src = &j->st,
			.damage = lr_damage_name(j->lr.st.damage),
		};
		size_t n;

		memcpy(me.flag, h->flag, sizeof(me.flag));
		snprintf(seg, sizeof(seg), "%s.seg", j->f->stem);
		if (!h->events) {
			me.segment = NULL;
			me.checksum = 0;
		}
		n = manifest_format(&me, line, sizeof(line));
		e = n ? manifest_update(h->dir, j->f->stem, line, n) : -ENAMETOOLONG;
	}
	pthread_mutex_unlock(j->o->manifest_mu);
	return e;
}

/* Copy or gzip the source into the archive, durably, then remove it. */
static int archive_source(struct job *j)
{
	const char *base = strrchr(j->f->path, '/');
	char dst[4096], tmp[4096], spool[4096], *buf = NULL;
	size_t blen = strlen(base = base ? base + 1 : j->f->path);
	bool gz = j->lr.gzip;
	gzFile out = NULL;
	int in = -1, fd = -1, e;

	if ((e = fs_mkdir_p(j->o->archive_dir)))
		return e;
	if (snprintf(dst, sizeof(dst), "%s/%s%s", j->o->archive_dir, base,
		     blen > 3 && !strcmp(base + blen - 3, ".gz") ? "" : ".gz")
		    >= (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", j->o->archive_dir, base)
		    >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(j->f->path, O_RDONLY | O_CLOEXEC);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	buf = malloc(LR_BUF_SIZE);
	if (in < 0 || fd < 0 || !buf) {
		e = -(errno ? errno : ENOMEM);
		goto out_close;
	}
	if (!gz) {
		/* level 1: archiving must not cost more than ingesting */
		if (!(out = gzdopen(dup(fd), "wb1"))) {
			e = -ENOMEM;
			goto out_close;
		}
	}
	for (;;) {
		ssize_t n = read(in, buf, LR_BUF_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = -errno;
			goto out_close;
		}
		if (n == 0)
			break;
		if (gz ? (e = fs_write_all(fd, buf, (size_t)n)) != 0
		       : gzwrite(out, buf, (unsigned)n) != (int)n) {
			e = e ? e : -EIO;
			goto out_close;
		}
	}
	if (out) {
		int z = gzclose(out);

		out = NULL;
		if (z != Z_OK) {
			e = -EIO;
			goto out_close;
		}
	}
	if (fsync(fd) || rename(tmp, dst)) {
		e = -errno;
		goto out_close;
	}
	if ((e = fs_fsync_dir(j->o->archive_dir)))
		goto out_close;
	if (unlink(j->f->path)) {
		e = -errno;
		goto out_close;
	}
	fs_dirname(j->f->path, spool, sizeof(spool));
	e = fs_fsync_dir(spool);
out_close:
	if (out)
		gzclose(out);
	if (fd >= 0)
		close(fd);
	if (in >= 0)
		close(in);
	if (e)
		unlink(tmp);
	free(buf);
	return e;
}

static int after_source(struct job *j)
{
	char spool[4096];

	if (!j->f->spool || j->o->after == AFTER_KEEP)
		return 0;
	if (j->o->after == AFTER_ARCHIVE)
		return archive_source(j);
	if (unlink(j->f->path))
		return -errno;
	fs_dirname(j->f->path, spool, sizeof(spool));
	return fs_fsync_dir(spool);
}

/* ---- the job ---- */

static void job_init_validate(struct job *j)
{
	uint32_t hour;

	j->vc.late_ms = j->o->late_ms;
	j->vc.skew_ms = j->o->skew_ms;
	j->vc.id_skew_ms = j->o->id_skew_ms;
	if (spool_hour(j->f->stem, &hour)) {
		j->vc.has_hour = true;
		j->vc.hour_start_ms = hour_start_ms(hour);
	}
}

static int open_named_hour(struct job *j)
{
	int e;

	/* the source's own hour always gets a manifest line, even empty */
	if (!j->vc.has_hour)
		return 0;
	struct hour_out *h = hour_get(j, j->vc.hour_start_ms / HOUR_MS, &e);

	if (h)
		h->named = true;
	return h ? 0 : e;
}

int job_run(const struct ingest_opts *o, struct givt_ctx *rc,
	    const struct job_file *f, struct ingest_stats *st)
{
	struct job *j = calloc(1, sizeof(*j));
	const char *step = "cannot read";
	int e;

	if (!j) {
		diag_err("out of memory for '%s'", f->path);
		return -ENOMEM;
	}
	j->o = o;
	j->f = f;
	j->rc = rc;
	j->q.fd = -1;
	/* a spool file swapped for a link after the scan is not followed */
	j->fd = strcmp(f->path, "-") ?
		open(f->path, O_RDONLY | O_CLOEXEC | (f->spool ? O_NOFOLLOW : 0)) : 0;
	if (j->fd < 0) {
		e = -errno;
		goto out_fail;
	}
	if (j->fd > 0)
		posix_fadvise(j->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	job_init_validate(j);
	if ((e = lr_open_fd(&j->lr, j->fd, true)))
		goto out_fail;
	step = "cannot write segments for";
	if ((e = open_named_hour(j)))
		goto out_fail;
	step = "cannot ingest";
	if ((e = read_all(j)))
		goto out_fail;
	j->st.files = 1;
	j->st.bytes = j->lr.st.bytes;
	j->st.bytes_in = j->lr.in_bytes;
	j->st.nul_runs = j->lr.st.nul_runs;
	j->st.nul_bytes = j->lr.st.nul_bytes;
	j->st.files_damaged = j->lr.st.damage != LR_D_NONE;
	if (j->st.lines != j->st.accepted + j->st.rejected + j->st.retracted) {
		diag_err("accounting error in '%s': %llu lines != %llu accepted + "
			 "%llu rejected + %llu retracted", f->path,
			 (unsigned long long)j->st.lines,
			 (unsigned long long)j->st.accepted,
			 (unsigned long long)j->st.rejected,
			 (unsigned long long)j->st.retracted);
		e = -EPROTO;
		goto out_fail;
	}
	if (j->lr.st.damage != LR_D_NONE)
		diag_err("damaged input '%s': %s at byte %llu; the lines before "
			 "it were kept", f->path, lr_damage_name(j->lr.st.damage),
			 (unsigned long long)j->lr.st.damage_offset);
	step = "cannot commit";
	if ((e = finish_segments(j)) || (e = rename_all(j)) ||
	    (e = update_manifests(j)))
		goto out_fail;
	step = "cannot archive or remove";
	if ((e = after_source(j)))
		goto out_fail;
	for (unsigned i = 0; i < j->nhours; i++) {
		j->st.flagged += j->hours[i]->flagged;
		for (unsigned b = 0; b < SEG_R__COUNT; b++)
			j->st.flag[b] += j->hours[i]->flag[b];
	}
	stats_add(st, &j->st);
	goto out_free;
out_fail:
	diag_err("%s '%s': %s", step, f->path,
		 e == -EPROTO ? "accounting mismatch" : strerror(-e));
	st->files++;
	st->files_failed++;
out_free:
	for (unsigned i = 0; i < j->nhours; i++)
		hour_free(j->hours[i], e != 0);
	if (j->q.fd >= 0) {
		close(j->q.fd);
		if (e)
			unlink(j->q.tmp);
	}
	free(j->q.buf);
	free(j->q.pend);
	lr_close(&j->lr);
	if (j->fd > 0)
		close(j->fd);
	free(j);
	return e;
}
