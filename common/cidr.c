/* cidr.c - load and search the data-centre ranges used by the per-event
 * rules.  100,000 ranges load in tens of milliseconds (bench/ingest.sh
 * prints the figure); a lookup is one binary search. */
#include "cidr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "parse.h"

void cidr_init(struct cidr_table *t)
{
	memset(t, 0, sizeof(*t));
}

void cidr_release(struct cidr_table *t)
{
	free(t->v4);
	free(t->v6);
	cidr_init(t);
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static bool is_mapped_v4(const uint8_t *b)
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(b, pre, 12);
}

static int add_v4(struct cidr_table *t, const uint8_t *b, unsigned len)
{
	uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		     (uint32_t)b[2] << 8 | b[3];
	uint32_t host = len == 0 ? UINT32_MAX : (len == 32 ? 0 : UINT32_MAX >> len);

	if (t->n4 == t->cap4) {
		size_t c = t->cap4 ? t->cap4 * 2 : 256;
		struct cidr_v4 *p = realloc(t->v4, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->v4 = p;
		t->cap4 = c;
	}
	t->v4[t->n4++] = (struct cidr_v4){ a & ~host, a | host };
	return 0;
}

/* mask of the host bits of a 64-bit half that keeps `keep` network bits */
static uint64_t host_mask(int keep)
{
	if (keep <= 0)
		return UINT64_MAX;
	if (keep >= 64)
		return 0;
	return UINT64_MAX >> keep;
}

static int add_v6(struct cidr_table *t, const uint8_t *b, unsigned len)
{
	uint64_t hi = be64(b), lo = be64(b + 8);
	uint64_t mh = host_mask((int)len), ml = host_mask((int)len - 64);

	if (is_mapped_v4(b) && len >= 96)
		return add_v4(t, b + 12, len - 96);
	if (t->n6 == t->cap6) {
		size_t c = t->cap6 ? t->cap6 * 2 : 64;
		struct cidr_v6 *p = realloc(t->v6, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		t->v6 = p;
		t->cap6 = c;
	}
	t->v6[t->n6++] = (struct cidr_v6){ hi & ~mh, lo & ~ml, hi | mh, lo | ml };
	return 0;
}

static int parse_range(struct cidr_table *t, const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	struct event_addr a;
	uint64_t len;
	size_t alen = slash ? (size_t)(slash - s) : n;

	if (addr_parse(s, alen, &a))
		return -EINVAL;
	len = a.family == 4 ? 32 : 128;
	if (slash && parse_dec(slash + 1, n - alen - 1, len, &len))
		return -EINVAL;
	return a.family == 4 ? add_v4(t, a.bytes, (unsigned)len)
			     : add_v6(t, a.bytes, (unsigned)len);
}

int cidr_add_text(struct cidr_table *t, const char *text, size_t len,
		  const char *name, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p;

		line++;
		while (q < le && *q != ' ' && *q != '\t' && *q != '#' && *q != '\r')
			q++;
		if (q > p && parse_range(t, p, (size_t)(q - p))) {
			snprintf(err, errlen, "%s:%u: bad range '%.*s'", name, line,
				 (int)(q - p > 60 ? 60 : q - p), p);
			return -1;
		}
		p = le + 1;
	}
	return 0;
}

int cidr_load_file(struct cidr_table *t, const char *path, char *err,
		   size_t errlen)
{
	size_t len;
	char *buf = fs_read_file(path, &len);
	int rc;

	if (!buf) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	rc = cidr_add_text(t, buf, len, path, err, errlen);
	free(buf);
	return rc;
}

static int cmp_v4(const void *a, const void *b)
{
	const struct cidr_v4 *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp128(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
	if (ah != bh)
		return ah < bh ? -1 : 1;
	return al < bl ? -1 : al > bl;
}

static int cmp_v6(const void *a, const void *b)
{
	const struct cidr_v6 *x = a, *y = b;

	return cmp128(x->lo_hi, x->lo_lo, y->lo_hi, y->lo_lo);
}

/* whether r starts at the address right after m's last */
static bool follows(const struct cidr_v6 *m, const struct cidr_v6 *r)
{
	uint64_t lo = m->hi_lo + 1, hi = m->hi_hi + (lo == 0);

	return !(lo == 0 && hi == 0) && r->lo_hi == hi && r->lo_lo == lo;
}

void cidr_finish(struct cidr_table *t)
{
	size_t o = 0;

	if (t->n4)
		qsort(t->v4, t->n4, sizeof(*t->v4), cmp_v4);
	for (size_t i = 0; i < t->n4; i++) {
		if (o && (t->v4[i].lo <= t->v4[o - 1].hi ||
			  t->v4[i].lo == t->v4[o - 1].hi + 1)) {
			if (t->v4[i].hi > t->v4[o - 1].hi)
				t->v4[o - 1].hi = t->v4[i].hi;
			continue;
		}
		t->v4[o++] = t->v4[i];
	}
	t->n4 = o;
	o = 0;
	if (t->n6)
		qsort(t->v6, t->n6, sizeof(*t->v6), cmp_v6);
	for (size_t i = 0; i < t->n6; i++) {
		struct cidr_v6 *r = &t->v6[i];

		if (o && (cmp128(r->lo_hi, r->lo_lo, t->v6[o - 1].hi_hi,
				 t->v6[o - 1].hi_lo) <= 0 ||
			  follows(&t->v6[o - 1], r))) {
			struct cidr_v6 *m = &t->v6[o - 1];

			if (cmp128(r->hi_hi, r->hi_lo, m->hi_hi, m->hi_lo) > 0) {
				m->hi_hi = r->hi_hi;
				m->hi_lo = r->hi_lo;
			}
			continue;
		}
		t->v6[o++] = *r;
	}
	t->n6 = o;
}

bool cidr_contains(const struct cidr_table *t, const struct event_addr *a)
{
	size_t lo = 0, hi;

	if (a->family == 4 || is_mapped_v4(a->bytes)) {
		const uint8_t *b = a->family == 4 ? a->bytes : a->bytes + 12;
		uint32_t x = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			     (uint32_t)b[2] << 8 | b[3];

		hi = t->n4;
		while (lo < hi) {   /* first range with lo > x, minus one */
			size_t mid = lo + (hi - lo) / 2;

			if (t->v4[mid].lo <= x)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo && x <= t->v4[lo - 1].hi;
	}
	uint64_t xh = be64(a->bytes), xl = be64(a->bytes + 8);

	hi = t->n6;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp128(t->v6[mid].lo_hi, t->v6[mid].lo_lo, xh, xl) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && cmp128(xh, xl, t->v6[lo - 1].hi_hi, t->v6[lo - 1].hi_lo) <= 0;
}

typedef unsigned __int128 u128;

/* IANA's special-purpose registries (RFC 6890 and successors): private,
 * shared, loopback, link-local, documentation, benchmarking, multicast and
 * reserved space.  Feeds list some of it by mistake (documentation ranges
 * as examples); no visitor comes from there. */
static const char special_text[] =
	"0.0.0.0/8\n10.0.0.0/8\n100.64.0.0/10\n127.0.0.0/8\n169.254.0.0/16\n"
	"172.16.0.0/12\n192.0.0.0/24\n192.0.2.0/24\n192.168.0.0/16\n"
	"198.18.0.0/15\n198.51.100.0/24\n203.0.113.0/24\n224.0.0.0/3\n"
	"::/127\n64:ff9b:1::/48\n100::/64\n2001::/23\n2001:db8::/32\nfc00::/7\n"
	"fe80::/10\n"
	"ff00::/8\n";

static u128 v6_lo(const struct cidr_v6 *r)
{
	return (u128)r->lo_hi << 64 | r->lo_lo;
}

static u128 v6_hi(const struct cidr_v6 *r)
{
	return (u128)r->hi_hi << 64 | r->hi_lo;
}

static struct cidr_v6 v6_make(u128 lo, u128 hi)
{
	return (struct cidr_v6){ (uint64_t)(lo >> 64), (uint64_t)lo,
				 (uint64_t)(hi >> 64), (uint64_t)hi };
}

struct span128 {
	u128 lo, hi;
};

/* a minus b, both sorted and disjoint, into out (room for na + nb);
 * returns the number of ranges left */
static size_t subtract(const struct span128 *a, size_t na,
		       const struct span128 *b, size_t nb, struct span128 *out)
{
	size_t n = 0, j = 0;

	for (size_t i = 0; i < na; i++) {
		u128 cur = a[i].lo;
		bool gone = false;

		while (j < nb && b[j].hi < a[i].lo)
			j++;
		for (size_t k = j; k < nb && b[k].lo <= a[i].hi; k++) {
			if (b[k].lo > cur)
				out[n++] = (struct span128){ cur, b[k].lo - 1 };
			if (b[k].hi >= a[i].hi) {
				gone = true;
				break;
			}
			cur = b[k].hi + 1;
		}
		if (!gone)
			out[n++] = (struct span128){ cur, a[i].hi };
	}
	return n;
}

/* the ranges of one family of a table as span128 */
static struct span128 *spans(const struct cidr_table *t, bool v6)
{
	size_t n = v6 ? t->n6 : t->n4;
	struct span128 *s = malloc((n + 1) * sizeof(*s));

	for (size_t i = 0; s && i < n; i++)
		s[i] = v6 ? (struct span128){ v6_lo(&t->v6[i]), v6_hi(&t->v6[i]) }
			  : (struct span128){ t->v4[i].lo, t->v4[i].hi };
	return s;
}

static int remove_family(struct cidr_table *t, const struct cidr_table *sp,
			 bool v6)
{
	size_t na = v6 ? t->n6 : t->n4, nb = v6 ? sp->n6 : sp->n4, n;
	struct span128 *a = spans(t, v6), *b = spans(sp, v6);
	struct span128 *o = malloc((na + nb + 1) * sizeof(*o));
	int rc = -ENOMEM;

	if (!a || !b || !o)
		goto out;
	n = subtract(a, na, b, nb, o);
	if (v6) {
		struct cidr_v6 *p = realloc(t->v6, (n + 1) * sizeof(*p));

		if (!p)
			goto out;
		for (size_t i = 0; i < n; i++)
			p[i] = v6_make(o[i].lo, o[i].hi);
		t->v6 = p;
		t->n6 = t->cap6 = n;
	} else {
		struct cidr_v4 *p = realloc(t->v4, (n + 1) * sizeof(*p));

		if (!p)
			goto out;
		for (size_t i = 0; i < n; i++)
			p[i] = (struct cidr_v4){ (uint32_t)o[i].lo, (uint32_t)o[i].hi };
		t->v4 = p;
		t->n4 = t->cap4 = n;
	}
	rc = 0;
out:
	free(a);
	free(b);
	free(o);
	return rc;
}

int cidr_remove_special(struct cidr_table *t)
{
	struct cidr_table sp;
	char err[64];
	int rc;

	cidr_init(&sp);
	rc = cidr_add_text(&sp, special_text, sizeof(special_text) - 1, "special",
			   err, sizeof(err)) ? -ENOMEM : 0;
	cidr_finish(&sp);
	if (!rc)
		rc = remove_family(t, &sp, false);
	if (!rc)
		rc = remove_family(t, &sp, true);
	cidr_release(&sp);
	return rc;
}


/* the largest block starting at lo that ends at or before hi, as a prefix
 * length of a bits-wide address */
static unsigned block_len(u128 lo, u128 hi, unsigned bits)
{
	unsigned len = bits;

	while (len > 0) {
		u128 size = (u128)1 << (bits - len + 1);

		if (bits - len + 1 >= 128 || (lo & (size - 1)) || hi - lo < size - 1)
			break;
		len--;
	}
	return len;
}

static int write_range(FILE *f, u128 lo, u128 hi, unsigned bits)
{
	for (;;) {
		unsigned len = block_len(lo, hi, bits);
		u128 last = len == 0 ? hi : lo + (((u128)1 << (bits - len)) - 1);
		struct event_addr a = { .family = bits == 32 ? 4 : 6 };
		char txt[64];

		if (bits == 32) {
			for (int i = 0; i < 4; i++)
				a.bytes[i] = (uint8_t)(lo >> (24 - 8 * i));
		} else {
			for (int i = 0; i < 16; i++)
				a.bytes[i] = (uint8_t)(lo >> (120 - 8 * i));
		}
		addr_format(&a, txt, sizeof(txt));
		if (fprintf(f, "%s/%u\n", txt, len) < 0)
			return -EIO;
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

int cidr_write(const struct cidr_table *t, FILE *f)
{
	for (size_t i = 0; i < t->n4; i++)
		if (write_range(f, t->v4[i].lo, t->v4[i].hi, 32))
			return -EIO;
	for (size_t i = 0; i < t->n6; i++) {
		const struct cidr_v6 *r = &t->v6[i];

		if (write_range(f, v6_lo(r), v6_hi(r), 128))
			return -EIO;
	}
	return 0;
}
