/* inventory.c - parse the inventory text file into sorted arrays that serve
 * looks up by id on every request.  A file is taken whole or refused whole,
 * naming the first bad line, so the caller can keep its old table. */
#include "inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "parse.h"

#define MAX_FIELDS 10
#define TS_MAX_S 4102444800ull  /* 2100-01-01 */
#define SIZE_MAX_PX 100000u

struct parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	struct inventory *inv;
	size_t cap_pubs, cap_camps, cap_zones, cap_ads;
	bool have_version;
};

static int fail(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, line);

	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int get_id(struct parser *p, const char *f, const char *what,
		  uint32_t *out)
{
	uint64_t v;

	if (parse_dec(f, strlen(f), 4294967295u, &v) || v == 0)
		return fail(p, p->line, "bad %s '%.40s' (decimal 1..4294967295)",
			    what, f);
	*out = (uint32_t)v;
	return 0;
}

static int get_num(struct parser *p, const char *f, const char *what,
		   uint64_t max, uint64_t *out)
{
	if (parse_dec(f, strlen(f), max, out))
		return fail(p, p->line, "bad %s '%.40s'", what, f);
	return 0;
}

static int get_size(struct parser *p, char **f, uint32_t *w, uint32_t *h)
{
	uint64_t a, b;

	if (get_num(p, f[0], "width", SIZE_MAX_PX, &a) ||
	    get_num(p, f[1], "height", SIZE_MAX_PX, &b))
		return -1;
	if (!a || !b)
		return fail(p, p->line, "zero width or height");
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

/* http(s) URL without control bytes, spaces or quotes. */
static int get_url(struct parser *p, const char *f, const char *what,
		   size_t *len)
{
	size_t n = strlen(f);

	if (strncmp(f, "http://", 7) && strncmp(f, "https://", 8))
		return fail(p, p->line, "%s must start with http:// or https://",
			    what);
	if (n > INVENTORY_URL_MAX)
		return fail(p, p->line, "%s longer than %u bytes", what,
			    INVENTORY_URL_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'')
			return fail(p, p->line,
				    "%s has a control byte, space or quote at byte %zu",
				    what, i + 1);
	}
	*len = n;
	return 0;
}

static int rec_version(struct parser *p, char **f, int nf)
{
	size_t n;

	if (nf != 2)
		return fail(p, p->line, "version needs 1 field, has %d", nf - 1);
	if (p->have_version)
		return fail(p, p->line, "second version record");
	n = strlen(f[1]);
	if (n == 0 || n >= sizeof(p->inv->version))
		return fail(p, p->line, "version text empty or longer than %zu bytes",
			    sizeof(p->inv->version) - 1);
	memcpy(p->inv->version, f[1], n + 1);
	p->have_version = true;
	return 0;
}

static int rec_pub(struct parser *p, char **f, int nf)
{
	struct inventory *inv = p->inv;
	struct inv_pub *pb;

	if (nf != 4)
		return fail(p, p->line, "pub needs 3 fields, has %d", nf - 1);
	if (grow_array((void **)&inv->pubs, &p->cap_pubs, inv->npubs,
		       sizeof(*pb)))
		return fail(p, p->line, "out of memory");
	pb = &inv->pubs[inv->npubs];
	if (get_id(p, f[1], "pub id", &pb->id))
		return -1;
	if (!*f[2] || !*f[3] || strchr(f[3], ' '))
		return fail(p, p->line, "pub name empty or domains bad");
	pb->name = f[2];
	pb->line = p->line;
	pb->domains = f[3];
	inv->npubs++;
	return 0;
}

static int rec_camp(struct parser *p, char **f, int nf)
{
	struct inventory *inv = p->inv;
	struct inv_camp *c;
	uint64_t start, end;

	if (nf != 6)
		return fail(p, p->line, "camp needs 5 fields, has %d", nf - 1);
	if (grow_array((void **)&inv->camps, &p->cap_camps, inv->ncamps,
		       sizeof(*c)))
		return fail(p, p->line, "out of memory");
	c = &inv->camps[inv->ncamps];
	if (get_id(p, f[1], "camp id", &c->id) ||
	    get_id(p, f[2], "advertiser id", &c->advertiser) ||
	    get_num(p, f[3], "start", TS_MAX_S, &start) ||
	    get_num(p, f[4], "end", TS_MAX_S, &end))
		return -1;
	if (end && end <= start)
		return fail(p, p->line, "campaign ends before it starts");
	if (!strcmp(f[5], "active"))
		c->active = true;
	else if (!strcmp(f[5], "paused"))
		c->active = false;
	else
		return fail(p, p->line, "bad status '%.20s' (active or paused)",
			    f[5]);
	c->start_s = (int64_t)start;
	c->end_s = (int64_t)end;
	c->line = p->line;
	inv->ncamps++;
	return 0;
}

static int rec_zone(struct parser *p, char **f, int nf)
{
	struct inventory *inv = p->inv;
	struct inv_zone *z;

	if (nf != 5)
		return fail(p, p->line, "zone needs 4 fields, has %d", nf - 1);
	if (grow_array((void **)&inv->zones, &p->cap_zones, inv->nzones,
		       sizeof(*z)))
		return fail(p, p->line, "out of memory");
	z = &inv->zones[inv->nzones];
	memset(z, 0, sizeof(*z));
	if (get_id(p, f[1], "zone id", &z->id) ||
	    get_id(p, f[2], "pub id", &z->pub) ||
	    get_size(p, f + 3, &z->width, &z->height))
		return -1;
	z->line = p->line;
	inv->nzones++;
	return 0;
}

static int rec_ad(struct parser *p, char **f, int nf)
{
	struct inventory *inv = p->inv;
	struct inv_ad *a;
	uint64_t weight;

	if (nf != 9)
		return fail(p, p->line, "ad needs 8 fields, has %d", nf - 1);
	if (grow_array((void **)&inv->ads, &p->cap_ads, inv->nads,
		       sizeof(*a)))
		return fail(p, p->line, "out of memory");
	a = &inv->ads[inv->nads];
	memset(a, 0, sizeof(*a));
	if (get_id(p, f[1], "ad id", &a->id) ||
	    get_id(p, f[2], "camp id", &a->camp) ||
	    get_size(p, f + 3, &a->width, &a->height) ||
	    get_num(p, f[5], "weight", 1000000000u, &weight))
		return -1;
	if (strcmp(f[6], "0") && strcmp(f[6], "1"))
		return fail(p, p->line, "bad unsigned flag '%.20s' (0 or 1)", f[6]);
	if (get_url(p, f[7], "image URL", &a->image_len) ||
	    get_url(p, f[8], "landing URL", &a->landing_len))
		return -1;
	a->weight = (uint32_t)weight;
	a->unsigned_ok = f[6][0] == '1';
	a->image = f[7];
	a->landing = f[8];
	a->line = p->line;
	inv->nads++;
	return 0;
}

static int parse_line(struct parser *p, char *s)
{
	char *f[MAX_FIELDS + 1];
	int nf = 0;

	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(p, p->line, "control byte in line");
	f[nf++] = s;
	for (char *c = s; *c; c++) {
		if (*c != '\t')
			continue;
		*c = '\0';
		if (nf == MAX_FIELDS + 1)
			return fail(p, p->line, "too many fields");
		f[nf++] = c + 1;
	}
	for (int i = 0; i < nf; i++)
		if (!*f[i])
			return fail(p, p->line, "empty field %d", i + 1);
	if (!strcmp(f[0], "ad"))
		return rec_ad(p, f, nf);
	if (!strcmp(f[0], "zone"))
		return rec_zone(p, f, nf);
	if (!strcmp(f[0], "camp"))
		return rec_camp(p, f, nf);
	if (!strcmp(f[0], "pub"))
		return rec_pub(p, f, nf);
	if (!strcmp(f[0], "version"))
		return rec_version(p, f, nf);
	return fail(p, p->line, "unknown record '%.20s'", f[0]);
}

#define CMP_ID(T) \
	static int cmp_##T(const void *a, const void *b) \
	{ \
		uint32_t x = ((const struct T *)a)->id; \
		uint32_t y = ((const struct T *)b)->id; \
		return (x > y) - (x < y); \
	}
CMP_ID(inv_pub)
CMP_ID(inv_camp)
CMP_ID(inv_zone)
CMP_ID(inv_ad)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static unsigned later(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* Arrays are sorted by id: a repeated id is next to its twin. */
#define CHECK_DUPS(arr, n, what) \
	for (size_t i = 1; i < (n); i++) \
		if ((arr)[i].id == (arr)[i - 1].id) \
			return fail(p, later((arr)[i].line, (arr)[i - 1].line), \
				    "duplicate " what " id %u", (arr)[i].id)

static int check_dups(struct parser *p)
{
	struct inventory *inv = p->inv;

	CHECK_DUPS(inv->pubs, inv->npubs, "pub");
	CHECK_DUPS(inv->camps, inv->ncamps, "camp");
	CHECK_DUPS(inv->zones, inv->nzones, "zone");
	CHECK_DUPS(inv->ads, inv->nads, "ad");
	return 0;
}

static const void *find(const void *arr, size_t n, size_t sz, uint32_t id)
{
	const char *base = arr;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t v = *(const uint32_t *)(base + mid * sz);

		if (v == id)
			return base + mid * sz;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct inv_ad *inventory_ad(const struct inventory *inv, uint32_t id)
{
	return find(inv->ads, inv->nads, sizeof(*inv->ads), id);
}

const struct inv_zone *inventory_zone(const struct inventory *inv, uint32_t id)
{
	return find(inv->zones, inv->nzones, sizeof(*inv->zones), id);
}

const struct inv_camp *inventory_camp(const struct inventory *inv, uint32_t id)
{
	return find(inv->camps, inv->ncamps, sizeof(*inv->camps), id);
}

const struct inv_pub *inventory_pub(const struct inventory *inv, uint32_t id)
{
	return find(inv->pubs, inv->npubs, sizeof(*inv->pubs), id);
}

/* Resolve references and build each zone's slice of same-size ads. */
static int link_tables(struct parser *p)
{
	struct inventory *inv = p->inv;
	size_t n = 0;

	for (size_t i = 0; i < inv->nzones; i++)
		if (!find(inv->pubs, inv->npubs, sizeof(*inv->pubs),
			  inv->zones[i].pub))
			return fail(p, inv->zones[i].line, "zone %u: unknown pub %u",
				    inv->zones[i].id, inv->zones[i].pub);
	for (size_t i = 0; i < inv->nads; i++) {
		inv->ads[i].campaign = inventory_camp(inv, inv->ads[i].camp);
		if (!inv->ads[i].campaign)
			return fail(p, inv->ads[i].line, "ad %u: unknown camp %u",
				    inv->ads[i].id, inv->ads[i].camp);
	}
	/* sort eligible ads by size with one key: width 17 | height 17 |
	 * index 30 bits (a 256 MiB file holds far fewer than 2^30 ads) */
	uint64_t *keys = malloc((inv->nads ? inv->nads : 1) * sizeof(*keys));

	inv->cand = malloc((inv->nads ? inv->nads : 1) * sizeof(*inv->cand));
	if (!inv->cand || !keys) {
		free(keys);
		return fail(p, 0, "out of memory");
	}
	for (size_t i = 0; i < inv->nads; i++)
		if (inv->ads[i].weight)
			keys[n++] = (uint64_t)inv->ads[i].width << 47 |
				    (uint64_t)inv->ads[i].height << 30 | i;
	qsort(keys, n, sizeof(*keys), cmp_u64);
	for (size_t i = 0; i < n; i++)
		inv->cand[i] = (uint32_t)(keys[i] & ((1u << 30) - 1));
	free(keys);
	inv->ncand = n;
	for (size_t i = 0; i < inv->nzones; i++) {
		struct inv_zone *z = &inv->zones[i];
		size_t lo = 0, hi = n;

		while (lo < hi) {   /* first ad not smaller than the zone */
			size_t mid = lo + (hi - lo) / 2;
			const struct inv_ad *a = &inv->ads[inv->cand[mid]];

			if (a->width < z->width ||
			    (a->width == z->width && a->height < z->height))
				lo = mid + 1;
			else
				hi = mid;
		}
		z->cand_off = (uint32_t)lo;
		while (lo < n && inv->ads[inv->cand[lo]].width == z->width &&
		       inv->ads[inv->cand[lo]].height == z->height)
			lo++;
		z->cand_len = (uint32_t)(lo - z->cand_off);
	}
	return 0;
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	free(inv->pubs);
	free(inv->camps);
	free(inv->zones);
	free(inv->ads);
	free(inv->cand);
	free(inv->text);
	free(inv);
}

int inventory_parse(const char *text, size_t len, const char *name,
		    struct inventory **out, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	if (len > INVENTORY_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", name,
			 INVENTORY_MAX_BYTES);
		*out = NULL;
		return -1;
	}

	struct inventory *inv = calloc(1, sizeof(*inv));
	char *s, *end;
	size_t magic = strlen(INVENTORY_MAGIC);

	*out = NULL;
	if (!inv || !(inv->text = malloc(len + 1))) {
		free(inv);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	p.inv = inv;
	memcpy(inv->text, text, len);
	inv->text[len] = '\0';
	inv->bytes = len;
	memcpy(inv->version, "-", 2);
	s = inv->text;
	end = s + len;
	if (memchr(s, '\0', len)) {
		fail(&p, 0, "NUL byte in file");
		goto out_free;
	}
	p.line = 1;
	if (len < magic || memcmp(s, INVENTORY_MAGIC, magic) ||
	    (len > magic && s[magic] != '\n')) {
		fail(&p, 1, "first line must be 'adlog-inventory<TAB>1'");
		goto out_free;
	}
	s += magic + (len > magic);
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));

		p.line++;
		if (!nl)
			nl = end;
		*nl = '\0';
		if (*s && *s != '#' && parse_line(&p, s))
			goto out_free;
		s = nl + 1;
	}
	/* an empty table is a NULL array, which qsort may not be given */
	if (inv->npubs)
		qsort(inv->pubs, inv->npubs, sizeof(*inv->pubs), cmp_inv_pub);
	if (inv->ncamps)
		qsort(inv->camps, inv->ncamps, sizeof(*inv->camps), cmp_inv_camp);
	if (inv->nzones)
		qsort(inv->zones, inv->nzones, sizeof(*inv->zones), cmp_inv_zone);
	if (inv->nads)
		qsort(inv->ads, inv->nads, sizeof(*inv->ads), cmp_inv_ad);
	if (check_dups(&p) || link_tables(&p))
		goto out_free;
	*out = inv;
	return 0;
out_free:
	inventory_free(inv);
	return -1;
}

int inventory_load(const char *path, struct inventory **out, char *err,
		   size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;
	int rc;

	*out = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || st.st_size < 0 ||
	    (uint64_t)st.st_size > INVENTORY_MAX_BYTES) {
		snprintf(err, errlen, "'%s': cannot stat or larger than %u bytes",
			 path, INVENTORY_MAX_BYTES);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "'%s': out of memory", path);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		snprintf(err, errlen, "cannot read '%s'", path);
		return -1;
	}
	rc = inventory_parse(buf, got, path, out, err, errlen);
	free(buf);
	return rc;
}

bool inventory_camp_running(const struct inv_camp *c, int64_t now_ms)
{
	int64_t now_s = now_ms / 1000;

	return c->active && now_s >= c->start_s &&
	       (c->end_s == 0 || now_s < c->end_s);
}

const struct inv_ad *inventory_pick(const struct inventory *inv,
				    const struct inv_zone *zone,
				    int64_t now_ms, uint64_t rnd)
{
	const uint32_t *c = inv->cand + zone->cand_off;
	uint64_t total = 0, r;

	for (uint32_t i = 0; i < zone->cand_len; i++) {
		const struct inv_ad *a = &inv->ads[c[i]];

		if (inventory_camp_running(a->campaign, now_ms))
			total += a->weight;
	}
	if (!total)
		return NULL;
	r = rnd % total;
	for (uint32_t i = 0; i < zone->cand_len; i++) {
		const struct inv_ad *a = &inv->ads[c[i]];

		if (!inventory_camp_running(a->campaign, now_ms))
			continue;
		if (r < a->weight)
			return a;
		r -= a->weight;
	}
	return NULL;
}

/* ---- writing ---- */

static int wrote(FILE *f, int n)
{
	return n < 0 || ferror(f) ? -EIO : 0;
}

int inventory_write_header(FILE *f, const char *version, const char *comment)
{
	int n = fprintf(f, "%s\n", INVENTORY_MAGIC);

	if (n >= 0 && comment)
		n = fprintf(f, "# %s\n", comment);
	if (n >= 0)
		n = fprintf(f, "version\t%s\n", version);
	return wrote(f, n);
}

int inventory_write_pub(FILE *f, uint32_t id, const char *name,
			const char *domains)
{
	return wrote(f, fprintf(f, "pub\t%u\t%s\t%s\n", id, name,
				domains && *domains ? domains : "-"));
}

int inventory_write_camp(FILE *f, uint32_t id, uint32_t advertiser,
			 int64_t start_s, int64_t end_s, bool active)
{
	return wrote(f, fprintf(f, "camp\t%u\t%u\t%lld\t%lld\t%s\n", id,
				advertiser, (long long)start_s,
				(long long)end_s, active ? "active" : "paused"));
}

int inventory_write_zone(FILE *f, uint32_t id, uint32_t pub, uint32_t width,
			 uint32_t height)
{
	return wrote(f, fprintf(f, "zone\t%u\t%u\t%u\t%u\n", id, pub, width,
				height));
}

int inventory_write_ad(FILE *f, uint32_t id, uint32_t camp, uint32_t width,
		       uint32_t height, uint32_t weight, bool unsigned_ok,
		       const char *image, const char *landing)
{
	return wrote(f, fprintf(f, "ad\t%u\t%u\t%u\t%u\t%u\t%d\t%s\t%s\n",
				id, camp, width, height, weight,
				unsigned_ok ? 1 : 0, image, landing));
}
