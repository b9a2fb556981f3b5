/* segment.c - write and read hourly segments (docs/segment-format.md): the
 * compact, checksummed form in which ingest hands events to analyze.  The
 * writer keeps memory bounded (one block of records, one block of pending
 * strings, a capped string dictionary); the reader maps the file and checks
 * every byte it will later trust. */
#include "segment.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fsutil.h"

static_assert(sizeof(struct seg_record) == 96, "record layout is on disk");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "segments are little-endian; add byte swaps for this target");

enum { BT_STRINGS = 1, BT_EVENTS = 2, BT_END = 3 };

#define END_PAYLOAD 64
#define SBUF_FLUSH (1u << 20)      /* flush a string block past 1 MiB */
#define SBUF_MAX (SBUF_FLUSH + EVENT_TEXT_MAX)
#define DICT_MAX (1u << 16)        /* distinct strings before a reset: 2 MiB */
#define DICT_MIN_SLOTS 4096u

static const char *const reason_names[SEG_R__COUNT] = {
	"bot_ua", "non_browser", "datacenter", "prefetch", "preview_ua",
	"token_bad", "token_expired", "unsigned_deny", "unknown_ad_zone",
};

const char *seg_reason_name(unsigned bit)
{
	return bit < SEG_R__COUNT ? reason_names[bit] : NULL;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* ---- string dictionary: 128-bit hash -> index, open addressing ----
 * Hand-written rather than uthash: 16 bytes a slot and no allocation per
 * string; a capped table that is simply cleared keeps memory bounded.  The
 * slot load is the one cache miss per string (perf: 80% of this function on
 * 250,000 distinct referers a million lines), hence small slots and
 * segment_string_prefetch(). */

struct dict_slot {
	uint64_t lo;        /* 96 bits of the XXH3-128 of the string */
	uint32_t hi;
	uint32_t idx;       /* index + 1; 0 = empty */
};

struct seg_dict {
	struct dict_slot *slots;
	uint32_t mask, used;
};

static int dict_alloc(struct seg_dict *d, uint32_t nslots)
{
	d->slots = calloc(nslots, sizeof(*d->slots));
	if (!d->slots)
		return -ENOMEM;
	d->mask = nslots - 1;
	d->used = 0;
	return 0;
}

static struct dict_slot *dict_find(struct seg_dict *d, uint64_t lo, uint32_t hi)
{
	uint32_t i = (uint32_t)lo & d->mask;

	for (;;) {
		struct dict_slot *s = &d->slots[i];

		if (!s->idx || (s->lo == lo && s->hi == hi))
			return s;
		i = (i + 1) & d->mask;
	}
}

static int dict_grow(struct seg_dict *d)
{
	struct seg_dict n;

	if (dict_alloc(&n, (d->mask + 1) * 2))
		return -ENOMEM;
	for (uint32_t i = 0; i <= d->mask; i++) {
		struct dict_slot *s = &d->slots[i];

		if (s->idx)
			*dict_find(&n, s->lo, s->hi) = *s;
	}
	n.used = d->used;
	free(d->slots);
	*d = n;
	return 0;
}

/* ---- writer ---- */

static void chain_add(struct segment_writer *w, uint64_t sum)
{
	w->chain = XXH3_64bits_withSeed(&sum, sizeof(sum), w->chain);
}

static int write_block(struct segment_writer *w, uint32_t type, uint32_t count,
		       const void *payload, size_t len)
{
	uint8_t h[SEG_BLOCK_HEADER_SIZE];
	uint64_t sum = XXH3_64bits(payload, len);
	int e;

	assert(len % 8 == 0);
	put32(h, type);
	put32(h + 4, count);
	put64(h + 8, len);
	put64(h + 16, sum);
	put64(h + 24, XXH3_64bits(h, 24));
	chain_add(w, sum);
	if ((e = fs_write_all(w->fd, h, sizeof(h))) ||
	    (e = fs_write_all(w->fd, payload, len)))
		return e;
	w->blocks++;
	return 0;
}

int segment_writer_init(struct segment_writer *w, int fd, uint32_t hour)
{
	uint8_t h[SEG_HEADER_SIZE] = { 0 };

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->hour = hour;
	w->scap = 64u << 10;   /* grows to SBUF_MAX */
	w->soff_cap = 1024;
	w->dict = calloc(1, sizeof(*w->dict));
	w->recs = malloc(SEG_BLOCK_EVENTS * sizeof(*w->recs));
	w->sbuf = malloc(w->scap);
	w->soffs = malloc((w->soff_cap + 1) * sizeof(*w->soffs));
	w->shash = malloc(w->soff_cap * sizeof(*w->shash));
	if (!w->dict || !w->recs || !w->sbuf || !w->soffs || !w->shash ||
	    dict_alloc(w->dict, DICT_MIN_SLOTS)) {
		segment_writer_release(w);
		return -ENOMEM;
	}
	memcpy(h, SEG_MAGIC, 8);
	put32(h + 8, SEG_VERSION);
	put32(h + 12, SEG_HEADER_SIZE);
	put32(h + 16, sizeof(struct seg_record));
	put32(h + 20, hour);
	put32(h + 24, SEG_BLOCK_EVENTS);
	put64(h + 56, XXH3_64bits(h, 56));
	w->chain = get64(h + 56);
	w->err = fs_write_all(fd, h, sizeof(h));
	return w->err;
}

void segment_writer_release(struct segment_writer *w)
{
	if (w->dict)
		free(w->dict->slots);
	free(w->dict);
	free(w->recs);
	free(w->sbuf);
	free(w->soffs);
	free(w->shash);
	w->dict = NULL;
	w->recs = NULL;
	w->sbuf = NULL;
	w->soffs = NULL;
	w->shash = NULL;
}

/* Pending strings as one block: first, count, offsets, hashes, bytes. */
static int flush_strings(struct segment_writer *w)
{
	size_t offs_len, hdr, total;
	uint8_t *blk;
	int e;

	if (!w->s_count)
		return 0;
	offs_len = pad8(8 + (w->s_count + 1) * 4ul);
	hdr = offs_len + w->s_count * 8ul;
	total = hdr + pad8(w->slen);
	blk = calloc(1, total);
	if (!blk)
		return -ENOMEM;
	put32(blk, w->s_first);
	put32(blk + 4, w->s_count);
	w->soffs[w->s_count] = (uint32_t)w->slen;
	memcpy(blk + 8, w->soffs, (w->s_count + 1) * 4ul);
	memcpy(blk + offs_len, w->shash, w->s_count * 8ul);
	memcpy(blk + hdr, w->sbuf, w->slen);
	e = write_block(w, BT_STRINGS, w->s_count, blk, total);
	free(blk);
	w->s_first += w->s_count;
	w->s_count = 0;
	w->slen = 0;
	return e;
}

static int flush_events(struct segment_writer *w)
{
	int e;

	if ((e = flush_strings(w)))
		return e;
	if (!w->nrecs)
		return 0;
	e = write_block(w, BT_EVENTS, w->nrecs, w->recs,
			w->nrecs * sizeof(*w->recs));
	w->nrecs = 0;
	return e;
}

uint32_t segment_string(struct segment_writer *w, const char *s, size_t len,
			const void *h128)
{
	XXH128_hash_t h;
	struct dict_slot *slot;
	uint32_t idx;

	if (len == 0 || w->err)
		return SEG_NO_STRING;
	if (len > EVENT_TEXT_MAX) {
		w->err = -EINVAL;
		return SEG_NO_STRING;
	}
	if (h128)
		memcpy(&h, h128, sizeof(h));
	else
		h = XXH3_128bits(s, len);
	slot = dict_find(w->dict, h.low64, (uint32_t)h.high64);
	if (slot->idx)
		return slot->idx - 1;
	if (w->dict->used >= DICT_MAX) {
		/* bounded memory: forget every string; equal strings may now
		 * get a second index (readers compare hashes, not indexes) */
		memset(w->dict->slots, 0,
		       (w->dict->mask + 1) * sizeof(*w->dict->slots));
		w->dict->used = 0;
		w->dict_resets++;
		slot = dict_find(w->dict, h.low64, (uint32_t)h.high64);
	} else if ((w->dict->used + 1) * 2 > w->dict->mask + 1) {
		if ((w->err = dict_grow(w->dict)))
			return SEG_NO_STRING;
		slot = dict_find(w->dict, h.low64, (uint32_t)h.high64);
	}
	if (w->s_count == w->soff_cap) {
		uint32_t cap = w->soff_cap * 2;
		uint32_t *o = realloc(w->soffs, (cap + 1) * sizeof(*o));

		if (o)
			w->soffs = o;
		uint64_t *hs = o ? realloc(w->shash, cap * sizeof(*hs)) : NULL;

		if (!hs) {
			w->err = -ENOMEM;
			return SEG_NO_STRING;
		}
		w->shash = hs;
		w->soff_cap = cap;
	}
	if (w->slen + len > w->scap) {
		size_t cap = w->scap * 2 > SBUF_MAX ? SBUF_MAX : w->scap * 2;
		uint8_t *b = realloc(w->sbuf, cap);

		if (!b) {
			w->err = -ENOMEM;
			return SEG_NO_STRING;
		}
		w->sbuf = b;
		w->scap = cap;
	}
	idx = w->s_first + w->s_count;
	w->soffs[w->s_count] = (uint32_t)w->slen;
	w->shash[w->s_count] = XXH3_64bits(s, len);
	memcpy(w->sbuf + w->slen, s, len);
	w->slen += len;
	w->s_count++;
	w->strings++;
	slot->lo = h.low64;
	slot->hi = (uint32_t)h.high64;
	slot->idx = idx + 1;
	w->dict->used++;
	if (w->slen >= SBUF_FLUSH)
		w->err = flush_strings(w);
	return idx;
}

void segment_string_prefetch(const struct segment_writer *w, const void *h128)
{
	uint64_t lo;

	memcpy(&lo, h128, sizeof(lo));
	__builtin_prefetch(&w->dict->slots[(uint32_t)lo & w->dict->mask]);
}

void segment_record_from_event(struct segment_writer *w,
			       const struct event *ev, uint32_t reasons,
			       const void *ua_h128, const void *ref_h128,
			       struct seg_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ts_ms = ev->ts_ms;
	r->id = ev->id;
	r->imp = ev->imp;
	if (ev->ip.family == 4) {
		r->ip[10] = 0xff;
		r->ip[11] = 0xff;
		memcpy(r->ip + 12, ev->ip.bytes, 4);
	} else {
		memcpy(r->ip, ev->ip.bytes, 16);
	}
	r->ip_family = ev->ip.family;
	r->has_uid = ev->has_uid;
	if (ev->has_uid)
		memcpy(r->uid, ev->uid, 16);
	r->flags = (uint16_t)ev->flags;
	r->type = (uint8_t)ev->type;
	r->reasons = reasons;
	r->ad = ev->ad;
	r->zone = ev->zone;
	r->pub = ev->pub;
	r->camp = ev->camp;
	r->ua = segment_string(w, ev->ua.ptr, ev->ua.len, ua_h128);
	r->ref = segment_string(w, ev->ref.ptr, ev->ref.len, ref_h128);
}

int segment_append(struct segment_writer *w, const struct seg_record *r)
{
	if (w->err)
		return w->err;
	w->recs[w->nrecs++] = *r;
	w->events++;
	if (w->nrecs == SEG_BLOCK_EVENTS)
		w->err = flush_events(w);
	return w->err;
}

int segment_finish(struct segment_writer *w, uint64_t *checksum)
{
	uint8_t end[END_PAYLOAD] = { 0 };

	if (w->err || (w->err = flush_events(w)))
		return w->err;
	put64(end, w->events);
	put64(end + 8, w->strings);
	put64(end + 16, w->blocks);
	put32(end + 24, w->dict_resets);
	put32(end + 28, w->hour);
	put64(end + 32, w->chain);
	*checksum = w->chain;
	w->err = write_block(w, BT_END, 0, end, sizeof(end));
	return w->err;
}

/* ---- reader ---- */

const char *segment_strerror(int err)
{
	switch (err) {
	case SEG_OK: return "ok";
	case SEG_E_IO: return "cannot read";
	case SEG_E_MAGIC: return "not a segment";
	case SEG_E_VERSION: return "unknown segment version";
	case SEG_E_TRUNCATED: return "truncated segment";
	case SEG_E_CHECKSUM: return "checksum mismatch";
	case SEG_E_CORRUPT: return "corrupt segment";
	case SEG_E_NOMEM: return "out of memory";
	default: return "unknown error";
	}
}

static int push(void **arr, size_t *n, size_t *cap, size_t elem,
		const void *item)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, c * elem);

		if (!p)
			return SEG_E_NOMEM;
		*arr = p;
		*cap = c;
	}
	memcpy((uint8_t *)*arr + *n * elem, item, elem);
	(*n)++;
	return 0;
}

/* Where verification reads a block from: the file through buf (pread),
 * or the bytes of the mapping / caller's buffer themselves. */
struct seg_src {
	int fd;                     /* -1: read r->map */
	uint8_t *buf;
	size_t cap;
};

#define SRC_BUF_MAX (64u << 20)    /* larger blocks are read through the map */

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return SEG_E_IO;
		}
		if (n == 0) {
			errno = EIO;    /* shorter than when it was mapped */
			return SEG_E_IO;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* len bytes at off (already checked to be inside the file) into *out. */
static int src_get(const struct segment_reader *r, struct seg_src *s,
		   uint64_t off, size_t len, const uint8_t **out)
{
	if (s->fd < 0 || len > SRC_BUF_MAX) {
		*out = r->map + off;
		return 0;
	}
	if (len > s->cap) {
		size_t cap = len < (1u << 20) ? 1u << 20 : len;
		uint8_t *b = malloc(cap);

		if (!b)
			return SEG_E_NOMEM;
		free(s->buf);
		s->buf = b;
		s->cap = cap;
	}
	*out = s->buf;
	return pread_all(s->fd, s->buf, len, off);
}

/* p: the payload as read; m: the same bytes in the mapping, where the
 * reader will find them later. */
static int check_strings(struct segment_reader *r, const uint8_t *p,
			 const uint8_t *m, uint64_t len, uint32_t count,
			 size_t *scap)
{
	struct seg_strblock sb;
	const uint32_t *offs;
	size_t offs_len, hdr;

	if (len < 8 || get32(p + 4) != count || count == 0 ||
	    get32(p) != r->strings)
		return SEG_E_CORRUPT;
	offs_len = pad8(8 + ((size_t)count + 1) * 4);
	if (count > len / 12 || offs_len + (uint64_t)count * 8 > len)
		return SEG_E_CORRUPT;
	hdr = offs_len + (size_t)count * 8;
	offs = (const uint32_t *)(p + 8);
	if (offs[0] != 0)
		return SEG_E_CORRUPT;
	for (uint32_t i = 0; i < count; i++)
		if (offs[i + 1] <= offs[i] ||
		    offs[i + 1] - offs[i] > EVENT_TEXT_MAX)
			return SEG_E_CORRUPT;
	if (offs[count] > len - hdr)
		return SEG_E_CORRUPT;
	sb.first = get32(p);
	sb.count = count;
	sb.offs = (const uint32_t *)(m + 8);
	sb.hash = (const uint64_t *)(m + offs_len);
	sb.data = (const char *)(m + hdr);
	r->strings += count;
	if (r->strings >= SEG_NO_STRING)
		return SEG_E_CORRUPT;
	return push((void **)&r->sblocks, &r->nsblocks, scap, sizeof(sb), &sb);
}

/* Every record of an events block, while its bytes are at hand.  String
 * indexes are checked against the strings seen so far: a strings block
 * always comes before the events that refer to it. */
static int check_records(const struct segment_reader *r,
			 const struct seg_record *x, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++, x++)
		if ((x->ua != SEG_NO_STRING && x->ua >= r->strings) ||
		    (x->ref != SEG_NO_STRING && x->ref >= r->strings) ||
		    (x->type != 'i' && x->type != 'c' &&
		     (x->type != 's' || r->version < 2)) ||
		    (x->ip_family != 4 && x->ip_family != 6) ||
		    x->has_uid > 1)
			return SEG_E_CORRUPT;
	return 0;
}

static int parse_blocks(struct segment_reader *r, struct seg_src *src)
{
	uint8_t p[SEG_HEADER_SIZE];
	const uint8_t *q;
	uint64_t chain, off = SEG_HEADER_SIZE, blocks = 0;
	size_t scap = 0, ecap = 0;
	int e;

	if (r->size < SEG_HEADER_SIZE)
		return SEG_E_MAGIC;
	if ((e = src_get(r, src, 0, SEG_HEADER_SIZE, &q)))
		return e;
	memcpy(p, q, sizeof(p));
	if (memcmp(p, SEG_MAGIC, 8))
		return SEG_E_MAGIC;
	if (get64(p + 56) != XXH3_64bits(p, 56))
		return SEG_E_CHECKSUM;
	r->version = get32(p + 8);
	if (r->version < 1 || r->version > SEG_VERSION)
		return SEG_E_VERSION;
	if (get32(p + 12) != SEG_HEADER_SIZE ||
	    get32(p + 16) != sizeof(struct seg_record))
		return SEG_E_CORRUPT;
	r->hour = get32(p + 20);
	chain = get64(p + 56);
	for (;;) {
		uint8_t h[SEG_BLOCK_HEADER_SIZE];
		const uint8_t *pl;
		uint64_t len, sum;
		uint32_t type, count;

		if (r->size - off < SEG_BLOCK_HEADER_SIZE)
			return SEG_E_TRUNCATED;
		if ((e = src_get(r, src, off, SEG_BLOCK_HEADER_SIZE, &q)))
			return e;
		memcpy(h, q, sizeof(h));
		if (get64(h + 24) != XXH3_64bits(h, 24))
			return SEG_E_CHECKSUM;
		type = get32(h);
		count = get32(h + 4);
		len = get64(h + 8);
		off += SEG_BLOCK_HEADER_SIZE;
		if (len % 8)
			return SEG_E_CORRUPT;
		if (len > r->size - off)
			return SEG_E_TRUNCATED;
		if ((e = src_get(r, src, off, len, &pl)))
			return e;
		sum = XXH3_64bits(pl, len);
		if (sum != get64(h + 16))
			return SEG_E_CHECKSUM;
		if (type == BT_END) {
			if (len != END_PAYLOAD || get64(pl) != r->events ||
			    get64(pl + 8) != r->strings ||
			    get64(pl + 16) != blocks ||
			    get32(pl + 28) != r->hour ||
			    get64(pl + 32) != chain ||
			    off + len != r->size)
				return SEG_E_CORRUPT;
			r->dict_resets = get32(pl + 24);
			r->checksum = chain;
			return 0;
		}
		chain = XXH3_64bits_withSeed(&sum, sizeof(sum), chain);
		if (type == BT_STRINGS) {
			if ((e = check_strings(r, pl, r->map + off, len, count,
					       &scap)))
				return e;
		} else if (type == BT_EVENTS) {
			const struct seg_record *x = (const void *)pl;
			struct seg_evblock eb = {
				(const struct seg_record *)(r->map + off), count,
				0 };

			if (count == 0 || count > SEG_BLOCK_EVENTS ||
			    len != count * sizeof(struct seg_record))
				return SEG_E_CORRUPT;
			if ((e = check_records(r, x, count)))
				return e;
			eb.last_ts = x[count - 1].ts_ms;
			if ((e = push((void **)&r->eblocks, &r->neblocks, &ecap,
				      sizeof(eb), &eb)))
				return e;
			r->events += count;
		} else {
			return SEG_E_CORRUPT;
		}
		blocks++;
		off += len;
	}
}

int segment_open_mem(struct segment_reader *r, const void *buf, size_t len)
{
	struct seg_src src = { -1, NULL, 0 };
	int e;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if ((uintptr_t)buf % 8)
		return SEG_E_CORRUPT;
	r->map = buf;
	r->size = len;
	e = parse_blocks(r, &src);
	if (e)
		segment_close(r);
	return e;
}

int segment_open(struct segment_reader *r, const char *path)
{
	struct seg_src src = { -1, NULL, 0 };
	struct stat st;
	void *m;
	int fd, e;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return SEG_E_IO;
	if (fstat(fd, &st)) {
		close(fd);
		return SEG_E_IO;
	}
	if ((size_t)st.st_size < SEG_HEADER_SIZE) {
		close(fd);
		return st.st_size ? SEG_E_TRUNCATED : SEG_E_MAGIC;
	}
	/* no readahead: it fills the page cache with large folios (up to
	 * 2 MiB), and a fault on the mapping maps a whole folio, so every
	 * string looked up would count up to 2 MiB resident.  Every pread
	 * is a whole block already (docs/analyze.md, "Memory") */
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		close(fd);
		return SEG_E_IO;
	}
	r->map = m;
	r->size = (size_t)st.st_size;
	r->mapped = true;
	r->fd = fd;
	src.fd = fd;
	e = parse_blocks(r, &src);
	free(src.buf);
	if (e)
		segment_close(r);
	return e;
}

int segment_peek(int dirfd, const char *name, uint64_t *size,
		 uint64_t *checksum)
{
	uint8_t tail[SEG_BLOCK_HEADER_SIZE + END_PAYLOAD];
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	int rc = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto out_close;
	*size = (uint64_t)st.st_size;
	*checksum = 0;
	/* the end block: type, count 0, length 64, payload sum, header sum;
	 * the chain at payload offset 32 */
	if ((size_t)st.st_size >= SEG_HEADER_SIZE + sizeof(tail) &&
	    pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) ==
		    (ssize_t)sizeof(tail) &&
	    get32(tail) == BT_END && get64(tail + 8) == END_PAYLOAD &&
	    get64(tail + 24) == XXH3_64bits(tail, 24))
		*checksum = get64(tail + SEG_BLOCK_HEADER_SIZE + 32);
	rc = 0;
out_close:
	close(fd);
	return rc;
}

long segment_read_events(const struct segment_reader *r, size_t b,
			 struct seg_record *buf)
{
	const struct seg_evblock *eb;
	size_t len;

	if (b >= r->neblocks)
		return SEG_E_CORRUPT;
	eb = &r->eblocks[b];
	len = eb->count * sizeof(*buf);
	if (r->fd < 0)
		memcpy(buf, eb->recs, len);
	else if (pread_all(r->fd, buf, len,
			   (uint64_t)((const uint8_t *)eb->recs - r->map)))
		return SEG_E_IO;
	return eb->count;
}

void segment_close(struct segment_reader *r)
{
	if (r->mapped && r->map)
		munmap((void *)r->map, r->size);
	if (r->mapped && r->fd >= 0)
		close(r->fd);
	free(r->sblocks);
	free(r->eblocks);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

const struct seg_record *segment_next(const struct segment_reader *r,
				      struct seg_cursor *c)
{
	while (c->block < r->neblocks) {
		if (c->i < r->eblocks[c->block].count)
			return &r->eblocks[c->block].recs[c->i++];
		c->block++;
		c->i = 0;
	}
	return NULL;
}

/* The block holding string idx: blocks are contiguous and in order (the
 * reader checked), one per event block, so idx's place in the strings
 * names the block nearly: interpolation search, a step or two where a
 * binary search took a dozen (perf: the lookup was 4 % of analyze's run,
 * one per event's referer). */
static const struct seg_strblock *find_sblock(const struct segment_reader *r,
					      uint32_t idx)
{
	size_t lo = 0, hi = r->nsblocks;

	while (lo < hi) {
		const struct seg_strblock *a = &r->sblocks[lo];
		const struct seg_strblock *z = &r->sblocks[hi - 1];
		uint64_t span = (uint64_t)z->first + z->count - a->first;
		const struct seg_strblock *b;
		size_t mid;

		if (idx < a->first || idx - a->first >= span)
			return NULL;
		mid = lo + (size_t)((uint64_t)(idx - a->first) * (hi - lo) /
				    span);
		b = &r->sblocks[mid];
		if (idx < b->first)
			hi = mid;
		else if (idx - b->first >= b->count)
			lo = mid + 1;
		else
			return b;
	}
	return NULL;
}

bool segment_string_get(const struct segment_reader *r, uint32_t idx,
			struct span *out)
{
	const struct seg_strblock *b;

	if (idx == SEG_NO_STRING) {
		*out = (struct span){ "", 0 };
		return true;
	}
	b = find_sblock(r, idx);
	if (!b)
		return false;
	idx -= b->first;
	out->ptr = b->data + b->offs[idx];
	out->len = b->offs[idx + 1] - b->offs[idx];
	return true;
}

void segment_text_prefetch(const struct segment_reader *r, uint32_t idx,
			   bool text)
{
	const struct seg_strblock *b;

	if (idx == SEG_NO_STRING || !(b = find_sblock(r, idx)))
		return;
	idx -= b->first;
	if (text)
		__builtin_prefetch(b->data + b->offs[idx]);
	else
		__builtin_prefetch(&b->offs[idx]);
}

uint64_t segment_string_hash(const struct segment_reader *r, uint32_t idx)
{
	const struct seg_strblock *b;

	if (idx == SEG_NO_STRING)
		return 0;
	b = find_sblock(r, idx);
	return b ? b->hash[idx - b->first] : 0;
}

void segment_record_addr(const struct seg_record *rec, struct event_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = rec->ip_family;
	if (rec->ip_family == 4)
		memcpy(a->bytes, rec->ip + 12, 4);
	else
		memcpy(a->bytes, rec->ip, 16);
}
