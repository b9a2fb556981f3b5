/* hourdir.c - find an hour's segments under DATA/YYYYMMDDHH/, name the
 * set by a digest (so a late or changed segment is noticed), list the
 * hours under DATA, and read an opened set's blocks.  Resident memory
 * stays bounded: pages already read are handed back. */
#define _DEFAULT_SOURCE  /* madvise(MADV_DONTNEED): posix_madvise's is a no-op */
#include "hourdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>

#define DROP_EVERY 16          /* block reads between hand-backs of strings */

/* ---- the segment set ---- */

static int cmp_seg(const void *a, const void *b)
{
	return strcmp(((const struct hour_seg *)a)->name,
		      ((const struct hour_seg *)b)->name);
}

static bool is_segment_name(const char *n)
{
	size_t len = strlen(n), sl = strlen(HOUR_SEG_SUFFIX);

	return n[0] != '.' && len > sl && len <= HOUR_NAME_MAX &&
	       !strcmp(n + len - sl, HOUR_SEG_SUFFIX);
}

int hour_scan(struct hour_set *h, const char *data_dir, uint32_t hour,
	      char *err, size_t errlen)
{
	XXH3_state_t *st;
	XXH128_hash_t dg;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->hour = hour;
	if ((size_t)snprintf(h->dir, sizeof(h->dir), "%s/%010u", data_dir,
			     hour) >= sizeof(h->dir)) {
		snprintf(err, errlen, "data folder name too long '%s'", data_dir);
		return -1;
	}
	st = XXH3_createState();
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XXH3_128bits_reset(st);
	d = opendir(h->dir);
	if (!d) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot read '%s': %s", h->dir,
				 strerror(errno));
			goto out_state;
		}
		goto out_digest;
	}
	while ((de = readdir(d))) {
		struct hour_seg *s;

		if (!is_segment_name(de->d_name))
			continue;
		if (h->n == cap) {
			size_t c = cap ? cap * 2 : 16;
			void *p = realloc(h->segs, c * sizeof(*h->segs));

			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto out_dir;
			}
			h->segs = p;
			cap = c;
		}
		s = &h->segs[h->n];
		memset(s, 0, sizeof(*s));
		memcpy(s->name, de->d_name, strlen(de->d_name) + 1);
		if (segment_peek(dirfd(d), s->name, &s->size, &s->checksum)) {
			if (errno == ENOENT)
				continue;   /* removed while we looked */
			snprintf(err, errlen, "cannot read '%s/%s': %s", h->dir,
				 s->name, strerror(errno));
			goto out_dir;
		}
		h->n++;
	}
	if (h->n)
		qsort(h->segs, h->n, sizeof(*h->segs), cmp_seg);
	for (size_t i = 0; i < h->n; i++) {
		XXH3_128bits_update(st, h->segs[i].name,
				    strlen(h->segs[i].name) + 1);
		XXH3_128bits_update(st, &h->segs[i].size, 8);
		XXH3_128bits_update(st, &h->segs[i].checksum, 8);
	}
out_digest:
	dg = XXH3_128bits_digest(st);
	snprintf(h->digest, sizeof(h->digest), "%016llx%016llx",
		 (unsigned long long)dg.high64, (unsigned long long)dg.low64);
	rc = 0;
out_dir:
	if (d)
		closedir(d);
out_state:
	XXH3_freeState(st);
	if (rc)
		hour_release(h);
	return rc;
}

int hour_context(struct hour_set *h, const char *data_dir, char *err,
		 size_t errlen)
{
	struct hour_set p;
	char both[2 * HOUR_DIGEST_HEX];
	XXH128_hash_t dg;

	if (hour_scan(&p, data_dir, hour_add(h->hour, -1), err, errlen))
		return -1;
	memcpy(both, h->digest, HOUR_DIGEST_HEX);
	memcpy(both + HOUR_DIGEST_HEX, p.digest, HOUR_DIGEST_HEX);
	hour_release(&p);
	dg = XXH3_128bits(both, sizeof(both));
	snprintf(h->context, sizeof(h->context), "%016llx%016llx",
		 (unsigned long long)dg.high64, (unsigned long long)dg.low64);
	return 0;
}

int hour_open(struct hour_set *h, char *err, size_t errlen)
{
	char path[4096 + HOUR_NAME_MAX + 2];

	h->events = 0;
	h->read_err = 0;
	for (size_t i = 0; i < h->n; i++) {
		struct hour_seg *s = &h->segs[i];
		int e;

		if (s->open) {
			h->events += s->r.events;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", h->dir, s->name);
		errno = 0;
		e = segment_open(&s->r, path);
		if (e) {
			snprintf(err, errlen, "bad segment '%s': %s%s%s", path,
				 segment_strerror(e), e == SEG_E_IO ? ": " : "",
				 e == SEG_E_IO ? strerror(errno) : "");
			return -1;
		}
		s->open = true;
		/* only strings are read through the mapping, at random */
		posix_madvise((void *)s->r.map, s->r.size, POSIX_MADV_RANDOM);
		s->ua = calloc(HOUR_UA_CACHE, sizeof(*s->ua));
		s->buf[0] = malloc(SEG_BLOCK_EVENTS * sizeof(struct seg_record));
		s->buf[1] = malloc(SEG_BLOCK_EVENTS * sizeof(struct seg_record));
		if (!s->ua || !s->buf[0] || !s->buf[1]) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (s->r.hour != h->hour) {
			snprintf(err, errlen, "segment '%s' is of hour %u, not %u",
				 path, s->r.hour, h->hour);
			return -1;
		}
		if (s->r.checksum != s->checksum || s->r.size != s->size) {
			snprintf(err, errlen, "segment '%s' changed while read",
				 path);
			return -1;
		}
		h->events += s->r.events;
	}
	return 0;
}

char *hour_segment_list(const struct hour_set *h)
{
	size_t cap = 1, off = 0;
	char *out;

	for (size_t i = 0; i < h->n; i++)
		cap += strlen(h->segs[i].name) + 18;
	out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = 0;
	for (size_t i = 0; i < h->n; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s%s:%016llx",
					i ? "," : "", h->segs[i].name,
					(unsigned long long)h->segs[i].checksum);
	return out;
}

uint64_t hour_ua_hash(struct hour_seg *s, uint32_t idx)
{
	struct hour_ua_slot *x;

	if (idx == SEG_NO_STRING)
		return 0;
	x = &s->ua[(idx * 0x9e3779b1u) >> (32 - 12)];
	if (x->idx != idx + 1) {
		x->idx = idx + 1;
		x->hash = segment_string_hash(&s->r, idx);
	}
	return x->hash;
}

const struct seg_record *hour_seg_block(struct hour_set *h, size_t i,
					size_t b, uint32_t *n)
{
	struct hour_seg *s = &h->segs[i];
	unsigned k = b & 1;
	long got;

	if (s->bufb[k] == b + 1) {
		*n = s->nbuf[k];
		return s->buf[k];
	}
	s->bufb[k] = 0;
	got = segment_read_events(&s->r, b, s->buf[k]);
	if (got < 0) {
		if (!h->read_err)
			h->read_err = got == SEG_E_IO && errno ? errno : EIO;
		*n = 0;
		return s->buf[k];
	}
	s->bufb[k] = b + 1;
	s->nbuf[k] = (uint32_t)got;
	/* string pages looked up meanwhile go back now and then */
	if (++s->reads % DROP_EVERY == 0)
		madvise((void *)s->r.map, s->r.size, MADV_DONTNEED);
	*n = (uint32_t)got;
	return s->buf[k];
}

int hour_read_error(const struct hour_set *h, char *err, size_t errlen)
{
	if (!h->read_err)
		return 0;
	snprintf(err, errlen, "cannot read a segment of '%s': %s", h->dir,
		 strerror(h->read_err));
	return -1;
}

void hour_release(struct hour_set *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct hour_seg *s = &h->segs[i];

		if (!s->open)
			continue;
		segment_close(&s->r);
		free(s->ua);
		free(s->buf[0]);
		free(s->buf[1]);
		s->ua = NULL;
		s->buf[0] = s->buf[1] = NULL;
		s->open = false;
	}
	free(h->segs);
	h->segs = NULL;
	h->n = 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

long hour_list(const char *data_dir, uint32_t **out, char *err,
	       size_t errlen)
{
	struct dirent *de;
	uint32_t *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(data_dir);

	*out = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read '%s': %s", data_dir,
			 strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		uint32_t hr;

		if (hour_parse(de->d_name, strlen(de->d_name), &hr))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			void *p = realloc(v, c * sizeof(*v));

			if (!p) {
				free(v);
				closedir(d);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			v = p;
			cap = c;
		}
		v[n++] = hr;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_u32);
	*out = v;
	return (long)n;
}

