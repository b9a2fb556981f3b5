/* model.c - the valid-traffic model behind adlog-gen (see model.h).  Per
 * event it costs a handful of random draws and O(1) alias picks; visitor
 * facts (cookie, browser, address) are hashes of the visitor number, so
 * the only per-visitor memory is one "has its cookie" bit. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eventid.h"
#include "parse.h"
#include "utchour.h"


/* Shares of the model, documented in docs/gen.md (those that vary by
 * seed are in struct model_people). */
#define UNSIGNED_CLICK  0.30   /* of clicks on ads that allow unsigned ones */
#define PREFETCH        0.002  /* impressions that were prerendered */
#define NO_LANG_INAPP   0.02   /* in-app requests without Accept-Language */
#define NO_REF_BROWSER  0.04
#define NO_REF_INAPP    0.30
#define CLICK_SLOW      0.07   /* clicks after minutes: median 2 min */
#define CLICK_MAX_MS    (30 * 60 * 1000)

struct model_pending {
	int64_t ts;
	uint64_t imp;            /* 0: unsigned click */
	uint32_t visitor;
	uint32_t zone;
	uint32_t ad;
	uint32_t page;           /* 0: no referer */
};

/* ---- visitors ---- */

struct visitor {
	uint32_t n;
	uint8_t region;
	bool cookie;
	const struct world_ua *ua;
	struct event_addr ip;
	uint8_t uid[16];
};

/* First octets of each region's consumer ISPs, none of them in a /8 that
 * ingest's data-centre list (data/datacenters.txt, the clouds' published
 * ranges) touches: valid traffic must not look hosted.  t0103 ingests this
 * traffic with that list and expects no datacenter flag. */
static const uint8_t v4_asia[] = {
	14, 39, 49, 59, 60, 61, 101, 106, 112, 113, 114, 115, 117, 123, 125,
	126, 133, 153, 171, 183, 211, 218, 219, 222,
};
static const uint8_t v4_europe[] = { 2, 41, 90, 105, 154, 196, 197 };
static const uint8_t v4_america[] = { 12, 73, 179, 181, 186, 187, 189, 190, 200 };
static const struct { const uint8_t *first; unsigned n; } v4_region[4] = {
	{ v4_asia, sizeof(v4_asia) }, { v4_europe, sizeof(v4_europe) },
	{ v4_america, sizeof(v4_america) }, { v4_america, sizeof(v4_america) },
};
static const uint16_t v6_prefix[4][2] = {
	{ 0x2409, 0x8a00 }, { 0x2a02, 0x8100 }, { 0x2600, 0x1700 },
	{ 0x2600, 0x6c50 },
};

static void make_addr(struct event_addr *a, int region, uint64_t h, bool v6)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		uint64_t lo = mix64(h ^ 0x6666);

		a->family = 6;
		a->bytes[0] = (uint8_t)(v6_prefix[region][0] >> 8);
		a->bytes[1] = (uint8_t)v6_prefix[region][0];
		a->bytes[2] = (uint8_t)(v6_prefix[region][1] >> 8);
		a->bytes[3] = (uint8_t)(v6_prefix[region][1] | ((h >> 8) & 0xff));
		for (int i = 4; i < 8; i++)
			a->bytes[i] = (uint8_t)(h >> (8 * i));
		for (int i = 8; i < 16; i++)
			a->bytes[i] = (uint8_t)(lo >> (8 * (i - 8)));
		return;
	}
	a->family = 4;
	a->bytes[0] = v4_region[region].first[rng_scale(h, v4_region[region].n)];
	a->bytes[1] = (uint8_t)(h >> 8);
	a->bytes[2] = (uint8_t)(h >> 16);
	a->bytes[3] = (uint8_t)(1 + rng_scale(mix64(h), 254));
}

static void visitor_get(const struct model *m, uint32_t n, struct visitor *v)
{
	uint64_t h = mix64(m->vseed ^ n);
	int g = 0;

	while (g < 3 && n >= m->region_base[g] + m->region_count[g])
		g++;
	v->n = n;
	v->region = (uint8_t)g;
	v->cookie = (double)(h & 0xffff) >= m->pp.cookieless * 65536;
	v->ua = &m->w->uas[alias_pick_bits(&m->w->region_ua_alias[g],
					   mix64(h ^ 0x7561))];
	uint64_t a = mix64(h ^ 0x6970);
	uint32_t cnt = m->region_count[g];
	if (v->ua->kind != UA_DESKTOP &&
	    (double)(a & 0xffff) < m->pp.carrier_nat * 65536) {
		uint32_t pool = cnt / m->pp.cgnat_visitors + 1;
		uint64_t slot = rng_scale(a, pool);

		make_addr(&v->ip, g, mix64(m->vseed ^ (slot << 8) ^ 0xc6 ^
					   ((uint64_t)g << 40)), false);
	} else {
		uint32_t homes = (uint32_t)(cnt * m->pp.home_share) + 1;
		uint64_t home = rng_scale(mix64(a), homes);
		uint64_t hh = mix64(m->vseed ^ (home << 8) ^ 0x40 ^
				    ((uint64_t)g << 40));

		make_addr(&v->ip, g, hh, (double)(hh & 0xffff) < m->pp.ipv6_homes * 65536);
	}
	uint64_t u0 = mix64(h ^ 0x75696430), u1 = mix64(h ^ 0x75696431);
	memcpy(v->uid, &u0, 8);
	memcpy(v->uid + 8, &u1, 8);
}

/* A visitor of region g; heavy users (low numbers) come back often. */
static uint32_t visitor_pick(struct model *m, int g)
{
	double u = rng_unit(&m->rng);

	return m->region_base[g] + (uint32_t)(m->region_count[g] * u * sqrt(u));
}

/* ---- referers ---- */

static const char *const sections[10] = {
	"news", "sport", "tech", "life", "money", "travel", "video", "games",
	"auto", "food",
};

static char *put_str(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

/* The page of publisher pub, number page, as a mobile or desktop URL. */
static size_t ref_render(char *buf, const struct world_pub *pub,
			 uint32_t page, bool mobile)
{
	const char *sec = sections[mix64(page ^ ((uint64_t)pub->id << 32)) % 10];
	char *p = buf;

	p = put_str(p, "https://", 8);
	p = mobile ? put_str(p, "m.", 2) : put_str(p, "www.", 4);
	p = put_str(p, pub->domain, pub->domain_len);
	*p++ = '/';
	p = put_str(p, sec, strlen(sec));
	p = put_str(p, "/article-", 9);
	p = fmt_dec(p, page);
	p = put_str(p, ".html", 5);
	return (size_t)(p - buf);
}

/* ---- pending clicks: a binary min-heap on ts ---- */

static int heap_push(struct model *m, const struct model_pending *c)
{
	if (m->nheap == m->capheap) {
		uint32_t cap = m->capheap ? m->capheap * 2 : 1024;
		struct model_pending *h = realloc(m->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		m->heap = h;
		m->capheap = cap;
	}
	uint32_t i = m->nheap++;
	while (i) {
		uint32_t up = (i - 1) / 2;

		if (m->heap[up].ts <= c->ts)
			break;
		m->heap[i] = m->heap[up];
		i = up;
	}
	m->heap[i] = *c;
	return 0;
}

static void heap_pop(struct model *m)
{
	struct model_pending last = m->heap[--m->nheap];
	uint32_t i = 0, n = m->nheap;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && m->heap[c + 1].ts < m->heap[c].ts)
			c++;
		if (last.ts <= m->heap[c].ts)
			break;
		m->heap[i] = m->heap[c];
		i = c;
	}
	if (n)
		m->heap[i] = last;
}

/* ---- the source ---- */

/* When the next of m->remaining impressions spread uniformly over the rest
 * of the hour comes: the minimum of that many uniforms, drawn directly. */
static void next_impression(struct model *m)
{
	if (m->remaining == 0) {
		m->next_imp = INT64_MAX;
		return;
	}
	double u = 1.0 - rng_unit(&m->rng);
	double span = (double)m->hour_end - m->t;

	m->t += span * -expm1(log(u) / (double)m->remaining);
	int64_t ts = (int64_t)m->t;
	m->next_imp = ts < m->hour_end ? ts : m->hour_end - 1;
}

static void model_hour_begin(void *self, int64_t hour_ms, uint64_t quota)
{
	struct model *m = self;

	/* clicks that fell into the last hour after its quota ran out */
	while (m->nheap && m->heap[0].ts < hour_ms) {
		heap_pop(m);
		m->dropped++;
	}
	world_hour_regions(m->w, hour_ms, &m->hour_regions);
	m->hour_end = hour_ms + HOUR_MS;
	m->t = (double)hour_ms;
	m->remaining = quota;
	next_impression(m);
}

static int64_t model_peek(void *self)
{
	struct model *m = self;

	if (m->remaining == 0)
		return INT64_MAX;
	if (m->nheap && m->heap[0].ts < m->hour_end &&
	    m->heap[0].ts <= m->next_imp)
		return m->heap[0].ts;
	return m->next_imp;
}

static int64_t click_delay(struct model *m)
{
	/* Log-normal with no floor: most clicks within seconds, a tail of
	 * minutes, and the seed's share (1-3%) within a second - people's
	 * fast and accidental clicks (docs/gen.md). */
	double d = rng_chance(&m->rng, CLICK_SLOW) ?
		   120000.0 * exp(rng_normal(&m->rng)) :
		   m->pp.click_med_ms * exp(rng_normal(&m->rng) *
					    m->pp.click_sigma);

	if (d > CLICK_MAX_MS)
		d = CLICK_MAX_MS - rng_below(&m->rng, 60000);
	return d < 1 ? 1 : (int64_t)d;
}

/* z with P(Z > z) = p for a standard normal Z (bisection on erfc). */
static double normal_upper(double p)
{
	double lo = -10, hi = 10;

	for (int i = 0; i < 80; i++) {
		double mid = (lo + hi) / 2;

		if (0.5 * erfc(mid / sqrt(2.0)) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* The seed's people, from the ranges of docs/gen.md. */
static void people_draw(struct model_people *pp, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, mix64(seed ^ 0x706f706c65ull));   /* "pople" */
	pp->cookieless = rng_uniform(&r, 0.05, 0.30);
	pp->ipv6_homes = rng_uniform(&r, 0.10, 0.45);
	pp->carrier_nat = rng_uniform(&r, 0.20, 0.90);
	pp->cgnat_visitors = (uint32_t)rng_log_uniform(&r, 30, 3000);
	pp->home_share = 1.0 / rng_uniform(&r, 1.3, 3.0);
	pp->fast_clicks = rng_uniform(&r, 0.01, 0.03);
	pp->click_med_ms = rng_log_uniform(&r, 2000, 10000);
	/* the fast share comes from the main component alone */
	pp->click_sigma = (log(pp->click_med_ms) - log(1000.0)) /
			  normal_upper(pp->fast_clicks / (1 - CLICK_SLOW));
}

/* Address, browser and uid of v.  As serve does, a request without a
 * cookie gets a fresh uid and UID_NEW: a cookie visitor on first sight
 * (the uid it keeps from then on), a cookieless one on every request. */
static void fill_visitor(struct model *m, struct event *ev,
			 const struct visitor *v)
{
	ev->ip = v->ip;
	ev->ua.ptr = v->ua->s;
	ev->ua.len = v->ua->len;
	ev->has_uid = true;
	if (!v->cookie) {
		uint64_t u0 = rng_next(&m->rng), u1 = rng_next(&m->rng);

		memcpy(ev->uid, &u0, 8);
		memcpy(ev->uid + 8, &u1, 8);
		ev->flags |= EVENT_F_UID_NEW;
		return;
	}
	memcpy(ev->uid, v->uid, 16);
	if (!(m->seen[v->n >> 3] & (1u << (v->n & 7)))) {
		m->seen[v->n >> 3] |= (uint8_t)(1u << (v->n & 7));
		ev->flags |= EVENT_F_UID_NEW;
	}
}

static int emit_click(struct model *m, struct gen *g)
{
	struct model_pending c = m->heap[0];
	const struct world *w = m->w;
	const struct world_zone *z = &w->zones[c.zone];
	const struct world_pub *pub = &w->pubs[z->pub];
	struct event ev = { .type = EVENT_CLICK, .ts_ms = c.ts };
	struct visitor v;
	uint32_t node = rng_below(&m->rng, m->nodes);

	heap_pop(m);
	m->remaining--;
	if (m->remaining == 0)
		m->next_imp = INT64_MAX;
	visitor_get(m, c.visitor, &v);
	fill_visitor(m, &ev, &v);
	ev.id = gen_next_id(g, node, c.ts);
	ev.imp = c.imp;
	ev.flags = c.imp ? EVENT_F_TOKEN_VALID : EVENT_F_NO_TOKEN;
	if (v.ua->kind == UA_INAPP && rng_chance(&m->rng, NO_LANG_INAPP))
		ev.flags |= EVENT_F_NO_ACCEPT_LANG;
	ev.ad = w->ads[c.ad].id;
	ev.zone = z->id;
	ev.pub = pub->id;
	ev.camp = w->camps[w->ads[c.ad].camp].id;
	if (c.page) {
		ev.ref.ptr = m->ref;
		ev.ref.len = ref_render(m->ref, pub, c.page,
					v.ua->kind != UA_DESKTOP && (pub->id & 1));
	}
	return gen_emit(g, &ev, node, GEN_LABEL_VALID);
}

static int emit_impression(struct model *m, struct gen *g)
{
	const struct world *w = m->w;
	int region = world_region_pick(w, &m->hour_regions, &m->rng);
	uint32_t zi = w->region_zones[region][alias_pick(
		&w->region_zone_alias[region], &m->rng)];
	const struct world_zone *z = &w->zones[zi];
	const struct world_pub *pub = &w->pubs[z->pub];
	uint32_t ai = w->size_ads[z->size][alias_pick(&w->size_alias[z->size],
						     &m->rng)];
	const struct world_ad *ad = &w->ads[ai];
	struct event ev = { .type = EVENT_IMPRESSION, .ts_ms = m->next_imp };
	struct visitor v;
	uint32_t node = rng_below(&m->rng, m->nodes);
	uint32_t page = 0;
	int rc;

	visitor_get(m, visitor_pick(m, region), &v);
	fill_visitor(m, &ev, &v);
	ev.id = gen_next_id(g, node, ev.ts_ms);
	if (v.ua->kind == UA_INAPP) {
		if (rng_chance(&m->rng, NO_LANG_INAPP))
			ev.flags |= EVENT_F_NO_ACCEPT_LANG;
	} else if (rng_chance(&m->rng, PREFETCH)) {
		ev.flags |= EVENT_F_PREFETCH;
	}
	ev.ad = ad->id;
	ev.zone = z->id;
	ev.pub = pub->id;
	ev.camp = w->camps[ad->camp].id;
	if (!rng_chance(&m->rng, v.ua->kind == UA_INAPP ? NO_REF_INAPP
							: NO_REF_BROWSER)) {
		double u = rng_unit(&m->rng);

		page = 1 + (uint32_t)(5000 * u * u * u);
		ev.ref.ptr = m->ref;
		ev.ref.len = ref_render(m->ref, pub, page,
					v.ua->kind != UA_DESKTOP && (pub->id & 1));
	}
	if ((rc = gen_emit(g, &ev, node, GEN_LABEL_VALID)))
		return rc;

	if (rng_chance(&m->rng, z->ctr) && !(ev.flags & EVENT_F_PREFETCH)) {
		struct model_pending c = {
			.ts = ev.ts_ms + click_delay(m),
			.imp = ev.id,
			.visitor = v.n,
			.zone = zi,
			.ad = ai,
			.page = page,
		};
		if (ad->unsigned_ok && rng_chance(&m->rng, UNSIGNED_CLICK))
			c.imp = 0;
		if ((rc = heap_push(m, &c)))
			return rc;
	}
	m->remaining--;
	next_impression(m);
	return 0;
}

static int model_emit(void *self, struct gen *g)
{
	struct model *m = self;

	if (m->nheap && m->heap[0].ts < m->hour_end &&
	    m->heap[0].ts <= m->next_imp)
		return emit_click(m, g);
	return emit_impression(m, g);
}

struct gen_source model_source(struct model *m)
{
	return (struct gen_source){
		.name = "valid",
		.self = m,
		.hour_begin = model_hour_begin,
		.peek = model_peek,
		.emit = model_emit,
	};
}

int model_init(struct model *m, const struct world *w, uint64_t seed,
	       uint32_t nodes, uint32_t visitors)
{
	uint32_t base = 0;

	memset(m, 0, sizeof(*m));
	m->w = w;
	people_draw(&m->pp, seed);
	rng_seed(&m->rng, mix64(seed ^ 0x6d6f64656cull));  /* "model" */
	m->vseed = mix64(seed ^ 0x7669736974ull);           /* "visit" */
	m->nodes = nodes ? nodes : 1;
	if (visitors < 16)
		visitors = 16;
	for (int g = 0; g < WORLD_REGIONS; g++) {
		uint32_t n = (uint32_t)(visitors * world_regions[g].share) + 1;

		m->region_base[g] = base;
		m->region_count[g] = n;
		base += n;
	}
	m->nvisitors = base;
	m->seen = calloc(base / 8 + 1, 1);
	if (!m->seen)
		return -ENOMEM;
	m->next_imp = INT64_MAX;
	return 0;
}

void model_release(struct model *m)
{
	free(m->seen);
	free(m->heap);
	alias_release(&m->hour_regions);
	memset(m, 0, sizeof(*m));
}
