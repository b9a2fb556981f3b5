/* scenario.c - adlog-gen's labelled invalid traffic and traps: one source
 * that draws each hour's events of every enabled scenario up front, sorts
 * them by time and emits them with their label (docs/gen.md). */
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eventid.h"

#define HOUR_MS 3600000LL

struct scen_ev {
	int64_t ts;
	uint64_t id;             /* given at emit */
	uint32_t seq;            /* draw order */
	int32_t imp_seq;         /* impression of a click: its seq; -1 none,
				    -2 an impression never logged */
	uint32_t label, flags;
	uint32_t zone, ad;       /* indexes into the world */
	struct event_addr ip;
	uint8_t uid[16];
	uint8_t type, has_uid, ref_len;
	const char *ua;
	uint16_t ua_len;
	char ref[96];
};

static const char *const label_names[GEN_LABEL__COUNT] = {
	"valid", "crawler", "script_dc", "spoof_dc", "double_click",
	"botnet", "click_farm", "self_click", "hit_inflation", "pub_pool",
	"cookie_replay", "trap_nat", "trap_inapp", "trap_viral",
};

const char *gen_label_name(unsigned l)
{
	return l < GEN_LABEL__COUNT ? label_names[l] : NULL;
}

int gen_label_parse(const char *s, size_t len)
{
	for (unsigned l = 0; l < GEN_LABEL__COUNT; l++)
		if (strlen(label_names[l]) == len && !memcmp(s, label_names[l], len))
			return (int)l;
	return -1;
}

enum gen_label_class gen_label_class(unsigned l)
{
	if (l == GEN_LABEL_VALID)
		return GEN_CLASS_VALID;
	if (l <= GEN_LABEL_DOUBLE_CLICK)
		return GEN_CLASS_GIVT;
	if (l <= GEN_LABEL_COOKIE_REPLAY)
		return GEN_CLASS_SIVT;
	return GEN_CLASS_TRAP;
}

int scenario_parse_list(const char *s, uint32_t *mask)
{
	*mask = 0;
	if (!strcmp(s, "none"))
		return 0;
	if (!strcmp(s, "all")) {
		*mask = ((1u << GEN_LABEL__COUNT) - 1) & ~1u;
		return 0;
	}
	while (*s) {
		size_t n = strcspn(s, ",");
		int l = gen_label_parse(s, n);

		if (l <= 0)
			return -EINVAL;
		*mask |= 1u << l;
		s += n + (s[n] == ',');
	}
	return *mask ? 0 : -EINVAL;
}

/* ---- what scenarios draw from ---- */

static const char *const crawler_uas[] = {
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
	"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
	"Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
	"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
};
static const char *const script_uas[] = {
	"python-requests/2.31.0", "curl/8.4.0", "Go-http-client/1.1",
	"Java/17.0.2", "okhttp/4.12.0", "Wget/1.21.3",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
};
/* data-centre blocks of data/datacenters.txt: 34.192.0.0/12, 3.208.0.0/12 */
static const uint8_t dc_first[2][2] = { { 34, 192 }, { 3, 208 } };
/* residential first octets the valid model uses too */
static const uint8_t home_first[] = { 12, 73, 179, 181, 186, 187, 189, 190 };

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void addr_v4(struct event_addr *a, uint8_t b0, uint8_t b1,
		    uint8_t b2, uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

/* Address number n of a residential pool named by key. */
static void addr_home(struct event_addr *a, uint64_t key, uint64_t n)
{
	uint64_t h = mix64(key * 0x9e3779b97f4a7c15ull ^ n);

	addr_v4(a, home_first[h % N_ELEMS(home_first)], (uint8_t)(h >> 8),
		(uint8_t)(h >> 16), (uint8_t)(1 + (h >> 24) % 254));
}

static void addr_dc(struct event_addr *a, uint64_t n)
{
	uint64_t h = mix64(n ^ 0xdcdcdc);
	const uint8_t *f = dc_first[h & 1];

	addr_v4(a, f[0], (uint8_t)(f[1] + ((h >> 8) & 15)), (uint8_t)(h >> 16),
		(uint8_t)(1 + (h >> 24) % 254));
}

static void uid_of(uint8_t uid[16], uint64_t key, uint64_t n)
{
	uint64_t a = mix64(key ^ (n << 1)), b = mix64(a ^ n ^ 0x51d);

	memcpy(uid, &a, 8);
	memcpy(uid + 8, &b, 8);
	uid[15] &= 0xf0;         /* canonical base64url: low 4 bits zero */
}

/* A user agent of kind (-1: any) from the world's pool, chosen by n. */
static const struct world_ua *ua_of(const struct world *w, int kind,
				    uint64_t n)
{
	uint32_t start = (uint32_t)(mix64(n ^ 0x0a) % w->nuas);

	for (uint32_t i = 0; i < w->nuas; i++) {
		const struct world_ua *u = &w->uas[(start + i) % w->nuas];

		if (kind < 0 || u->kind == kind)
			return u;
	}
	return &w->uas[start];
}

/* ---- one hour's events ---- */

static struct scen_ev *add(struct scenario *s)
{
	if (s->nev == s->capev) {
		uint32_t cap = s->capev ? s->capev * 2 : 4096;
		struct scen_ev *e = realloc(s->ev, cap * sizeof(*e));

		if (!e)
			return NULL;
		s->ev = e;
		s->capev = cap;
	}
	struct scen_ev *e = &s->ev[s->nev];

	memset(e, 0, sizeof(*e));
	e->seq = s->nev++;
	e->imp_seq = -1;
	return e;
}

static void set_ref(struct scen_ev *e, const char *host, size_t hlen,
		    uint32_t page)
{
	int n = snprintf(e->ref, sizeof(e->ref), "https://%.*s/p/%u",
			 (int)hlen, host, page);

	e->ref_len = n > 0 && (size_t)n < sizeof(e->ref) ? (uint8_t)n : 0;
}

/* A zone with an eligible ad: of publisher pub, or any when pub is
 * UINT32_MAX, from a region picked by its traffic this hour (people and
 * bots alike go where the pages are being read).  Returns UINT32_MAX
 * when there is none. */
static uint32_t zone_pick(struct scenario *s, uint32_t pub)
{
	const struct world *w = s->w;

	for (int tries = 0; tries < 64; tries++) {
		uint32_t z;

		if (pub == UINT32_MAX) {
			int g = world_region_pick(w, &s->hour_regions,
						  &s->rng);

			if (!w->region_zones[g])
				continue;
			z = w->region_zones[g][alias_pick(
				&w->region_zone_alias[g], &s->rng)];
		} else {
			z = rng_below(&s->rng, w->nzones - w->nhidden);
		}
		if ((pub == UINT32_MAX || w->zones[z].pub == pub) &&
		    w->size_ads[w->zones[z].size])
			return z;
	}
	/* a publisher with few zones: scan */
	for (uint32_t z = 0; z < w->nzones - w->nhidden; z++)
		if ((pub == UINT32_MAX || w->zones[z].pub == pub) &&
		    w->size_ads[w->zones[z].size])
			return z;
	return UINT32_MAX;
}

/* An impression at ts on zone z by the visitor (ip, uid, ua) the caller
 * fills in after; NULL when out of memory. */
static struct scen_ev *imp_at(struct scenario *s, uint32_t label, int64_t ts,
			      uint32_t z, bool own_ref)
{
	const struct world *w = s->w;
	struct scen_ev *e = add(s);

	if (!e)
		return NULL;
	e->ts = ts;
	e->label = label;
	e->type = EVENT_IMPRESSION;
	e->zone = z;
	uint32_t sz = w->zones[z].size;
	e->ad = w->size_ads[sz][alias_pick(&w->size_alias[sz], &s->rng)];
	if (own_ref) {
		const struct world_pub *p = &w->pubs[w->zones[z].pub];

		set_ref(e, p->domain, p->domain_len,
			1 + rng_below(&s->rng, 500));
	}
	return e;
}

/* A click by the same visitor on impression i, delay ms later (signed with
 * the impression's token). */
static struct scen_ev *click_on(struct scenario *s, uint32_t label,
				uint32_t i, int64_t delay)
{
	struct scen_ev *e = add(s);

	if (!e)
		return NULL;
	*e = s->ev[i];
	e->seq = s->nev - 1;
	e->ts += delay < 1 ? 1 : delay;
	e->label = label;
	e->type = EVENT_CLICK;
	e->imp_seq = (int32_t)i;
	e->flags = EVENT_F_TOKEN_VALID;
	return e;
}

static void visitor_set(struct scen_ev *e, const struct event_addr *ip,
			const uint8_t *uid, bool uid_new,
			const char *ua, size_t ua_len)
{
	e->ip = *ip;
	e->has_uid = 1;
	memcpy(e->uid, uid, 16);
	if (uid_new)
		e->flags |= EVENT_F_UID_NEW;
	e->ua = ua;
	e->ua_len = (uint16_t)ua_len;
}

#define BROWSER(u) (u)->s, (u)->len
#define FAIL_IF(x) do { if (!(x)) return -ENOMEM; } while (0)

static int64_t t_in(struct scenario *s, int64_t h)
{
	return h + rng_below(&s->rng, (uint32_t)(HOUR_MS - 120000));
}

/* Lines family f writes in the hour starting at h, whose valid quota is
 * q: its share of an average hour, shaped by its time of day, rounded
 * at random so that a few lines a day still happen. */
static uint64_t fam_lines(struct scenario *s, const struct scen_fam *f,
			  int64_t h, uint64_t q)
{
	double wgt = gen_hour_weight(s->w, h);
	double avg = wgt > 0 ? (double)q / wgt : (double)q;
	double x = f->share;
	int utc = (int)((h / HOUR_MS) % 24);

	switch (f->time) {
	case SCEN_PEOPLE:
		x *= (double)q;
		break;
	case SCEN_SHIFT:        /* 90% of the day in 9 hours */
		x *= avg * ((utc - f->shift_start + 24) % 24 < 9 ?
			    0.9 * 24 / 9 : 0.1 * 24 / 15);
		break;
	default:
		x *= avg;
		break;
	}
	uint64_t n = (uint64_t)x;

	return n + (rng_chance(&s->rng, x - (double)n) ? 1 : 0);
}

/* Who visits for family f: address, cookie and agent (kind -1: any). */
struct who {
	struct event_addr ip;
	uint8_t uid[16];
	bool uid_new;
	const char *ua;
	size_t ua_len;
};

static void fam_who(struct scenario *s, uint32_t l, int kind, struct who *o)
{
	const struct scen_fam *f = &s->fam[l];
	uint64_t v = f->addr == SCEN_FRESH ? rng_next(&s->rng) :
		     rng_below(&s->rng, f->naddr);
	uint64_t d = v << 16 | rng_below(&s->rng, f->ndev);
	const struct world_ua *u;

	if (l == GEN_LABEL_SCRIPT_DC || l == GEN_LABEL_SPOOF_DC) {
		addr_dc(&o->ip, f->key + v);
	} else if (f->addr == SCEN_NET24) {
		uint64_t b = mix64(f->key ^ 0x24);

		addr_v4(&o->ip, home_first[b % N_ELEMS(home_first)],
			(uint8_t)(b >> 8), (uint8_t)(b >> 16),
			(uint8_t)(1 + v % 254));
	} else {
		addr_home(&o->ip, f->key, v);
	}
	o->uid_new = f->fresh_cookie;
	uid_of(o->uid, f->fresh_cookie ? rng_next(&s->rng) : f->key, d);
	u = ua_of(s->w, kind, f->uas ? f->key ^ (d % f->uas) :
		  mix64(f->key ^ d));
	o->ua = u->s;
	o->ua_len = u->len;
	if (l == GEN_LABEL_SCRIPT_DC) {
		o->ua = script_uas[rng_below(&s->rng, N_ELEMS(script_uas))];
		o->ua_len = strlen(o->ua);
	} else if (l == GEN_LABEL_COOKIE_REPLAY) {
		memcpy(o->uid, s->replay_uid, 16);
		o->uid_new = false;
	}
}

static void fam_ref(struct scenario *s, const struct scen_fam *f,
		    struct scen_ev *e)
{
	if (f->ref == SCEN_REF_NONE) {
		e->ref_len = 0;
	} else if (f->ref == SCEN_REF_FOREIGN) {
		set_ref(e, "cheap-traffic-exchange.example", 30,
			rng_below(&s->rng, 50));
	} /* own: imp_at set it */
}

static int64_t fam_delay(struct scenario *s, const struct scen_fam *f)
{
	double d = f->click_med_ms * exp(rng_normal(&s->rng) * f->click_sigma);

	return d > 1800000 ? 1800000 : (int64_t)d;
}

/* One visit of family f (label l) to zone z at ts: an impression, and
 * with f->ctr a click; with f->unshown, a click on an impression never
 * logged instead.  Returns the lines written (0: out of memory). */
static uint64_t fam_visit(struct scenario *s, const struct scen_fam *f,
			  uint32_t l, uint32_t z, int64_t ts,
			  const struct who *o, uint64_t left)
{
	struct scen_ev *e;
	uint32_t i = s->nev;

	if (z == UINT32_MAX)
		return 1;        /* nowhere to go: count it as done */
	if (!(e = imp_at(s, l, ts, z, f->ref == SCEN_REF_OWN)))
		return 0;
	visitor_set(e, &o->ip, o->uid, o->uid_new, o->ua, o->ua_len);
	fam_ref(s, f, e);
	if (f->unshown > 0 && rng_chance(&s->rng, f->unshown)) {
		e->type = EVENT_CLICK;
		e->imp_seq = -2;
		e->flags |= EVENT_F_TOKEN_VALID;
		return 1;
	}
	if (left > 1 && rng_chance(&s->rng, f->ctr)) {
		if (!click_on(s, l, i, fam_delay(s, f)))
			return 0;
		return 2;
	}
	return 1;
}

/* A zone for family f: its publishers' when it has any, else where
 * pages are read this hour. */
static uint32_t fam_zone(struct scenario *s, uint32_t l)
{
	if (l == GEN_LABEL_SELF_CLICK)
		return zone_pick(s, s->self_pub);
	if (l == GEN_LABEL_PUB_POOL)
		return zone_pick(s, s->pool_pub[rng_below(&s->rng, s->npool)]);
	return zone_pick(s, UINT32_MAX);
}

/* The generic families: visits until the hour's lines are written. */
static int draw_visits(struct scenario *s, uint32_t l, int64_t h, uint64_t q,
		       int kind)
{
	const struct scen_fam *f = &s->fam[l];
	struct who o;

	for (uint64_t n = fam_lines(s, f, h, q); n > 0;) {
		uint64_t k;

		fam_who(s, l, kind, &o);
		k = fam_visit(s, f, l, fam_zone(s, l), t_in(s, h), &o, n);
		if (!k)
			return -ENOMEM;
		n -= k < n ? k : n;
	}
	return 0;
}

/* The botnet's bots each fire at their own period: a few bots a lot, or
 * many bots now and then. */
static int draw_botnet(struct scenario *s, int64_t h, uint64_t q)
{
	const struct scen_fam *f = &s->fam[GEN_LABEL_BOTNET];
	uint64_t n = fam_lines(s, f, h, q);
	struct who o;

	while (n > 0) {
		int64_t period = (int64_t)rng_log_uniform(&s->rng, 5000, 1800000);
		int64_t t = h + (int64_t)rng_below(&s->rng, (uint32_t)period);

		fam_who(s, GEN_LABEL_BOTNET, -1, &o);
		for (; t < h + HOUR_MS - 60000 && n > 0; t += period) {
			uint64_t k = fam_visit(s, f, GEN_LABEL_BOTNET,
					       zone_pick(s, UINT32_MAX), t, &o, n);

			if (!k)
				return -ENOMEM;
			n -= k < n ? k : n;
			if (f->fresh_cookie)
				uid_of(o.uid, rng_next(&s->rng), 0);
		}
	}
	return 0;
}

/* Pages of hidden frames: frames impressions within a few ms (stacked)
 * or one (plain) per page view. */
static int draw_hits(struct scenario *s, int64_t h, uint64_t q)
{
	const struct world *w = s->w;
	const struct scen_fam *f = &s->fam[GEN_LABEL_HIT_INFLATION];
	struct scen_ev *e;
	struct who o;

	for (uint64_t n = fam_lines(s, f, h, q); n > 0;) {
		uint32_t z = zone_pick(s, s->hit_pub);
		uint32_t page = rng_below(&s->rng, 50);
		int64_t t = t_in(s, h);

		if (z == UINT32_MAX)
			return 0;
		fam_who(s, GEN_LABEL_HIT_INFLATION, -1, &o);
		if (f->hidden && w->nhidden)
			z = w->nzones - w->nhidden +
			    (uint32_t)(mix64(f->key ^ (uint64_t)page << 32) %
				       w->nhidden);
		for (uint32_t j = 0; j < f->frames && n > 0; j++, n--) {
			FAIL_IF(e = imp_at(s, GEN_LABEL_HIT_INFLATION,
					   t + j * 3, z, f->ref == SCEN_REF_OWN));
			visitor_set(e, &o.ip, o.uid, o.uid_new, o.ua, o.ua_len);
			fam_ref(s, f, e);
		}
	}
	return 0;
}

/* Fill the hour.  Every family's lines are a share of an average hour's
 * valid lines, so a bigger run keeps the mix. */
static int draw_hour(struct scenario *s, int64_t h, uint64_t q)
{
	const struct world *w = s->w;
	uint32_t m = s->mask;
	struct scen_ev *e;
	uint8_t uid[16];
	struct event_addr ip;

	if (m & (1u << GEN_LABEL_CRAWLER))
		for (uint64_t n = fam_lines(s, &s->fam[GEN_LABEL_CRAWLER], h, q); n--;) {
			uint32_t z = zone_pick(s, UINT32_MAX);
			const char *ua = crawler_uas[rng_below(&s->rng,
						N_ELEMS(crawler_uas))];

			if (z == UINT32_MAX)
				break;
			FAIL_IF(e = imp_at(s, GEN_LABEL_CRAWLER, t_in(s, h), z, true));
			addr_v4(&ip, 66, 249, (uint8_t)(64 + rng_below(&s->rng, 32)),
				(uint8_t)(1 + rng_below(&s->rng, 254)));
			uid_of(uid, rng_next(&s->rng), 0);
			visitor_set(e, &ip, uid, true, ua, strlen(ua));
		}
	if ((m & (1u << GEN_LABEL_SCRIPT_DC)) &&
	    draw_visits(s, GEN_LABEL_SCRIPT_DC, h, q, -1))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_SPOOF_DC)) &&
	    draw_visits(s, GEN_LABEL_SPOOF_DC, h, q, UA_DESKTOP))
		return -ENOMEM;
	if (m & (1u << GEN_LABEL_DOUBLE_CLICK)) {
		const struct scen_fam *f = &s->fam[GEN_LABEL_DOUBLE_CLICK];

		for (uint64_t n = fam_lines(s, f, h, q); n--;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;
			uint64_t v = rng_next(&s->rng);
			const struct world_ua *u = ua_of(w, -1, v);

			if (z == UINT32_MAX)
				break;
			/* the impression and first click are valid */
			FAIL_IF(e = imp_at(s, GEN_LABEL_VALID, t_in(s, h), z, true));
			addr_home(&ip, f->key, v);
			uid_of(uid, f->key, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			FAIL_IF(click_on(s, GEN_LABEL_VALID, i, fam_delay(s, f)));
			FAIL_IF(click_on(s, GEN_LABEL_DOUBLE_CLICK, s->nev - 1,
					 80 + rng_below(&s->rng, 920)));
			s->ev[s->nev - 1].imp_seq = (int32_t)i;
		}
	}
	if ((m & (1u << GEN_LABEL_BOTNET)) && draw_botnet(s, h, q))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_CLICK_FARM)) &&
	    draw_visits(s, GEN_LABEL_CLICK_FARM, h, q, UA_MOBILE))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_SELF_CLICK)) &&
	    draw_visits(s, GEN_LABEL_SELF_CLICK, h, q, -1))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_HIT_INFLATION)) && draw_hits(s, h, q))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_PUB_POOL)) &&
	    draw_visits(s, GEN_LABEL_PUB_POOL, h, q, -1))
		return -ENOMEM;
	if ((m & (1u << GEN_LABEL_COOKIE_REPLAY)) &&
	    draw_visits(s, GEN_LABEL_COOKIE_REPLAY, h, q, UA_DESKTOP))
		return -ENOMEM;
	/* traps: people, however odd they look, clicking at the zone's CTR
	 * after people's delays (trap_nat: naddr carrier addresses, ndev
	 * people behind each) */
	for (uint32_t l = GEN_LABEL_TRAP_NAT; l <= GEN_LABEL_TRAP_VIRAL; l++) {
		struct scen_fam *f = &s->fam[l];
		int kind = l == GEN_LABEL_TRAP_NAT ? UA_MOBILE :
			   l == GEN_LABEL_TRAP_INAPP ? UA_INAPP : -1;
		struct who o;

		if (!(m & (1u << l)))
			continue;
		if (l == GEN_LABEL_TRAP_VIRAL &&
		    (s->hour_no < s->hours / 2 ||
		     s->hour_no >= s->hours / 2 + f->hours))
			continue;
		for (uint64_t n = fam_lines(s, f, h, q); n > 0;) {
			uint32_t z = l == GEN_LABEL_TRAP_VIRAL ?
				     zone_pick(s, s->viral_pub) :
				     zone_pick(s, UINT32_MAX);
			uint64_t k;

			if (z == UINT32_MAX)
				break;
			fam_who(s, l, kind, &o);
			f->ctr = w->zones[z].ctr;
			k = fam_visit(s, f, l, z, t_in(s, h), &o, n);
			FAIL_IF(k);
			if (l == GEN_LABEL_TRAP_INAPP && rng_chance(&s->rng, 0.3))
				s->ev[s->nev - k].flags |= EVENT_F_NO_ACCEPT_LANG;
			n -= k < n ? k : n;
		}
	}
	return 0;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct scen_ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void scen_hour_begin(void *self, int64_t hour_ms, uint64_t quota)
{
	struct scenario *s = self;

	s->nev = s->next = 0;
	if (world_hour_regions(s->w, hour_ms, &s->hour_regions) == 0 &&
	    draw_hour(s, hour_ms, quota) == 0) {
		/* clicks past the hour are dropped with what follows them */
		qsort(s->ev, s->nev, sizeof(*s->ev), ev_cmp);
		uint32_t *pos = realloc(s->pos, (s->nev + 1) * sizeof(*pos));

		if (pos) {
			s->pos = pos;
			for (uint32_t i = 0; i < s->nev; i++)
				pos[s->ev[i].seq] = i;
			while (s->nev && s->ev[s->nev - 1].ts >= hour_ms + HOUR_MS)
				s->nev--;
		} else {
			s->nev = 0;
		}
	} else {
		s->nev = 0;      /* out of memory: this hour without scenarios */
	}
	s->hour_no++;
}

static int64_t scen_peek(void *self)
{
	struct scenario *s = self;

	return s->next < s->nev ? s->ev[s->next].ts : INT64_MAX;
}

static int scen_emit(void *self, struct gen *g)
{
	struct scenario *s = self;
	const struct world *w = s->w;
	struct scen_ev *x = &s->ev[s->next++];
	const struct world_zone *z = &w->zones[x->zone];
	uint32_t node = rng_below(&s->rng, s->nodes);
	struct event ev = { .type = (char)x->type, .ts_ms = x->ts };

	ev.id = x->id = gen_next_id(g, node, x->ts);
	if (x->imp_seq >= 0)
		ev.imp = s->ev[s->pos[x->imp_seq]].id;
	else if (x->imp_seq == -2)
		ev.imp = eventid_make(x->ts - 1000 - rng_below(&s->rng, 60000),
				      node, rng_below(&s->rng, 4096));
	ev.ip = x->ip;
	ev.has_uid = x->has_uid;
	memcpy(ev.uid, x->uid, 16);
	ev.flags = x->flags;
	ev.ad = w->ads[x->ad].id;
	ev.zone = z->id;
	ev.pub = w->pubs[z->pub].id;
	ev.camp = w->camps[w->ads[x->ad].camp].id;
	ev.ua.ptr = x->ua;
	ev.ua.len = x->ua_len;
	ev.ref.ptr = x->ref;
	ev.ref.len = x->ref_len;
	return gen_emit(g, &ev, node, x->label);
}

struct gen_source scenario_source(struct scenario *s)
{
	return (struct gen_source){
		.name = "scenarios",
		.self = s,
		.hour_begin = scen_hour_begin,
		.peek = scen_peek,
		.emit = scen_emit,
	};
}

/* Address reuse for a family that may use any: fresh, a few, a /24 or a
 * pool, with lo..hi addresses (log-uniform) for the last three. */
static void draw_addr(struct rng *r, struct scen_fam *f, uint32_t few_max,
		      double pool_lo, double pool_hi)
{
	f->addr = (uint8_t)rng_below(r, 4);
	f->naddr = f->addr == SCEN_FEW ? 1 + rng_below(r, few_max) :
		   f->addr == SCEN_NET24 ? 10 + rng_below(r, 245) :
		   (uint32_t)rng_log_uniform(r, pool_lo, pool_hi);
}

static void draw_click(struct rng *r, struct scen_fam *f, double ctr_lo,
		       double ctr_hi, double med_lo, double med_hi)
{
	f->ctr = rng_uniform(r, ctr_lo, ctr_hi);
	f->click_med_ms = rng_log_uniform(r, med_lo, med_hi);
	f->click_sigma = rng_uniform(r, 0.1, 1.2);
}

/* Every family's parameters for this seed: the ranges of docs/gen.md. */
static void draw_families(struct scenario *s, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, mix64(seed ^ 0xfa3111e5ull));
	for (unsigned l = 1; l < GEN_LABEL__COUNT; l++) {
		struct scen_fam *f = &s->fam[l];

		memset(f, 0, sizeof(*f));
		f->key = rng_next(&r);
		f->ndev = 1;
		f->naddr = 1;
		f->frames = 1;
		f->time = SCEN_FLAT;
		/* intensity: SIVT from a few lines a day to thousands an
		 * hour (at 12 M valid lines a day) */
		f->share = rng_log_uniform(&r, 5e-7, 5e-3);
		f->ref = (uint8_t)rng_below(&r, 3);
		f->uas = (uint8_t)(rng_chance(&r, 0.5) ? 0 : 1 + rng_below(&r, 3));
		f->fresh_cookie = (uint8_t)rng_chance(&r, 0.3);
		f->click_med_ms = rng_log_uniform(&r, 2000, 10000);  /* people */
		f->click_sigma = rng_uniform(&r, 0.5, 1.2);
		switch (l) {
		case GEN_LABEL_CRAWLER:
			f->share = rng_log_uniform(&r, 1e-3, 3e-2);
			break;
		case GEN_LABEL_SCRIPT_DC:
		case GEN_LABEL_SPOOF_DC:
			f->share = rng_log_uniform(&r, 1e-4, 1e-2);
			f->addr = SCEN_FEW;
			f->naddr = (uint32_t)rng_log_uniform(&r, 1, 200);
			f->key %= 1u << 20;
			f->fresh_cookie = l == GEN_LABEL_SCRIPT_DC;
			f->ref = l == GEN_LABEL_SCRIPT_DC ? SCEN_REF_NONE :
							    SCEN_REF_OWN;
			draw_click(&r, f, 0, 0.5, 100, 20000);
			break;
		case GEN_LABEL_DOUBLE_CLICK:
			f->share = rng_log_uniform(&r, 1e-5, 1e-3);
			f->ref = SCEN_REF_OWN;
			break;
		case GEN_LABEL_BOTNET:
			draw_addr(&r, f, 5, 5, 5000);
			f->unshown = rng_uniform(&r, 0, 0.7);
			f->time = (uint8_t)rng_below(&r, 2);
			draw_click(&r, f, 0.05, 1, 50, 20000);
			break;
		case GEN_LABEL_CLICK_FARM:
			draw_addr(&r, f, 5, 20, 2000);
			if (f->addr == SCEN_FRESH)
				f->addr = SCEN_NET24, f->naddr = 60;
			f->ndev = (uint32_t)rng_log_uniform(&r, 1, 50);
			f->fresh_cookie = 0;
			f->ref = (uint8_t)(rng_chance(&r, 0.5) ? SCEN_REF_OWN :
					   SCEN_REF_NONE);
			f->uas = 0;
			f->time = rng_chance(&r, 0.7) ? SCEN_SHIFT : SCEN_PEOPLE;
			f->shift_start = (uint8_t)rng_below(&r, 24);
			draw_click(&r, f, 0.1, 0.8, 1000, 30000);
			break;
		case GEN_LABEL_SELF_CLICK:
			draw_addr(&r, f, 3, 20, 2000);
			f->ndev = 1 + rng_below(&r, 3);
			f->ref = (uint8_t)(rng_chance(&r, 0.5) ? SCEN_REF_OWN :
					   SCEN_REF_NONE);
			f->time = (uint8_t)rng_below(&r, 2);
			draw_click(&r, f, 0.2, 1, 300, 60000);
			break;
		case GEN_LABEL_HIT_INFLATION:
			draw_addr(&r, f, 5, 50, 5000);
			f->frames = (uint8_t)(rng_chance(&r, 0.5) ? 1 :
					      2 + rng_below(&r, 7));
			f->hidden = (uint8_t)rng_chance(&r, 0.5);
			f->time = (uint8_t)rng_below(&r, 2);
			f->fresh_cookie = 0;
			break;
		case GEN_LABEL_PUB_POOL:
			draw_addr(&r, f, 5, 20, 2000);
			if (f->addr == SCEN_FRESH)
				f->addr = SCEN_POOL, f->naddr = 200;
			f->ndev = 1 + rng_below(&r, 5);
			f->time = (uint8_t)rng_below(&r, 2);
			draw_click(&r, f, 0.05, 0.6, 300, 20000);
			break;
		case GEN_LABEL_COOKIE_REPLAY:
			f->addr = rng_chance(&r, 0.5) ? SCEN_FRESH : SCEN_POOL;
			f->naddr = (uint32_t)rng_log_uniform(&r, 20, 2000);
			f->uas = 1;         /* the replayed browser */
			f->ref = (uint8_t)(rng_chance(&r, 0.5) ? SCEN_REF_OWN :
					   SCEN_REF_NONE);
			draw_click(&r, f, 0.05, 0.5, 1000, 20000);
			break;
		case GEN_LABEL_TRAP_NAT:
			f->share = rng_log_uniform(&r, 5e-4, 1e-2);
			f->addr = SCEN_FEW;
			f->naddr = 1 + rng_below(&r, 4);
			f->ndev = (uint32_t)rng_log_uniform(&r, 100, 3000);
			break;
		case GEN_LABEL_TRAP_INAPP:
			f->share = rng_log_uniform(&r, 2e-3, 3e-2);
			f->addr = SCEN_POOL;
			f->naddr = (uint32_t)rng_log_uniform(&r, 1000, 50000);
			break;
		case GEN_LABEL_TRAP_VIRAL:
			f->share = rng_log_uniform(&r, 5e-3, 1e-1);
			f->hours = 1 + rng_below(&r, 3);
			f->addr = SCEN_FRESH;
			break;
		}
		if (gen_label_class(l) == GEN_CLASS_TRAP) {
			/* people: own pages, their cookies and browsers */
			f->ref = SCEN_REF_OWN;
			f->fresh_cookie = 0;
			f->uas = 0;
			f->time = SCEN_PEOPLE;
		}
	}
	s->npool = 2 + rng_below(&r, SCEN_POOL_PUBS_MAX - 1);
}

int scenario_init(struct scenario *s, const struct world *w, uint64_t seed,
		  uint32_t nodes, uint32_t hours, uint32_t mask)
{
	uint32_t picked[3 + SCEN_POOL_PUBS_MAX], np = 0, want;

	memset(s, 0, sizeof(*s));
	s->w = w;
	s->mask = mask;
	s->nodes = nodes;
	s->hours = hours;
	rng_seed(&s->rng, seed ^ 0x5ce7a7105ull);
	if (!w->nzones || !w->npubs || !w->nuas)
		return -EINVAL;
	draw_families(s, seed);
	want = 3 + s->npool;
	/* distinct publishers with traffic: self, hit, viral, the pool */
	for (int tries = 0; np < want && tries < 100000; tries++) {
		uint32_t z = zone_pick(s, UINT32_MAX), p, j;

		if (z == UINT32_MAX)
			return -EINVAL;
		p = w->zones[z].pub;
		for (j = 0; j < np && picked[j] != p; j++)
			;
		if (j == np)
			picked[np++] = p;
	}
	if (np < want)
		return -EINVAL;
	s->self_pub = picked[0];
	s->hit_pub = picked[1];
	s->viral_pub = picked[2];
	memcpy(s->pool_pub, picked + 3, s->npool * sizeof(*picked));
	uid_of(s->replay_uid, seed, 0xc00c1e);
	return 0;
}

void scenario_release(struct scenario *s)
{
	alias_release(&s->hour_regions);
	free(s->ev);
	free(s->pos);
	s->ev = NULL;
	s->pos = NULL;
}

int scenario_write_pubs(const struct scenario *s, FILE *f)
{
	const struct world_pub *p = s->w->pubs;
	int rc = 0;

	if (s->mask & (1u << GEN_LABEL_SELF_CLICK))
		rc |= fprintf(f, "pub\t%u\tself_click\n", p[s->self_pub].id) < 0;
	if (s->mask & (1u << GEN_LABEL_HIT_INFLATION))
		rc |= fprintf(f, "pub\t%u\thit_inflation\n", p[s->hit_pub].id) < 0;
	if (s->mask & (1u << GEN_LABEL_PUB_POOL))
		for (uint32_t i = 0; i < s->npool; i++)
			rc |= fprintf(f, "pub\t%u\tpub_pool\n",
				      p[s->pool_pub[i]].id) < 0;
	return rc ? -EIO : 0;
}
