/* scenario.c - adlog-gen's labelled invalid traffic and traps: one source
 * that draws each hour's events of every enabled scenario up front, sorts
 * them by time and emits them with their label (docs/gen.md). */
#include "scenario.h"

#include <errno.h>
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

static uint64_t share(uint64_t quota, double f, uint64_t min)
{
	uint64_t n = (uint64_t)((double)quota * f);

	return n < min ? min : n;
}

/* Fill the hour.  Every scenario's quota is a share of the valid model's
 * quota for the hour, so a bigger run keeps the mix. */
static int draw_hour(struct scenario *s, int64_t h, uint64_t q)
{
	const struct world *w = s->w;
	uint64_t key = mix64(s->hour_no * 7919u + 1);
	uint32_t m = s->mask;
	struct scen_ev *e;
	uint8_t uid[16];
	struct event_addr ip;

	if (m & (1u << GEN_LABEL_CRAWLER))
		for (uint64_t n = share(q, 0.01, 20); n--;) {
			uint32_t z = zone_pick(s, UINT32_MAX);
			const char *ua = crawler_uas[rng_below(&s->rng,
						N_ELEMS(crawler_uas))];

			FAIL_IF(e = imp_at(s, GEN_LABEL_CRAWLER, t_in(s, h), z, true));
			addr_v4(&ip, 66, 249, (uint8_t)(64 + rng_below(&s->rng, 32)),
				(uint8_t)(1 + rng_below(&s->rng, 254)));
			uid_of(uid, rng_next(&s->rng), 0);
			visitor_set(e, &ip, uid, true, ua, strlen(ua));
		}
	if (m & (1u << GEN_LABEL_SCRIPT_DC))
		for (uint64_t n = share(q, 0.005, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX);
			const char *ua = script_uas[rng_below(&s->rng,
						N_ELEMS(script_uas))];
			uint32_t i = s->nev;

			FAIL_IF(e = imp_at(s, GEN_LABEL_SCRIPT_DC, t_in(s, h), z, false));
			addr_dc(&ip, rng_below(&s->rng, 40));
			uid_of(uid, rng_next(&s->rng), 0);
			visitor_set(e, &ip, uid, true, ua, strlen(ua));
			n--;
			if (n && rng_chance(&s->rng, 0.3)) {
				FAIL_IF(click_on(s, GEN_LABEL_SCRIPT_DC, i,
						 100 + rng_below(&s->rng, 5000)));
				n--;
			}
		}
	if (m & (1u << GEN_LABEL_SPOOF_DC))
		for (uint64_t n = share(q, 0.005, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX);
			uint32_t b = rng_below(&s->rng, 60), i = s->nev;
			const struct world_ua *u = ua_of(w, UA_DESKTOP, b);

			FAIL_IF(e = imp_at(s, GEN_LABEL_SPOOF_DC, t_in(s, h), z, true));
			addr_dc(&ip, 1000 + b);
			uid_of(uid, 0x5900f + b, 0);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, 0.2)) {
				FAIL_IF(click_on(s, GEN_LABEL_SPOOF_DC, i,
						 2000 + rng_below(&s->rng, 20000)));
				n--;
			}
		}
	if (m & (1u << GEN_LABEL_DOUBLE_CLICK))
		for (uint64_t n = share(q, 0.0005, 5); n--;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;
			uint64_t v = rng_next(&s->rng);
			const struct world_ua *u = ua_of(w, -1, v);

			/* the impression and first click are valid */
			FAIL_IF(e = imp_at(s, GEN_LABEL_VALID, t_in(s, h), z, true));
			addr_home(&ip, 0xd0b1e, v);
			uid_of(uid, 0xd0b1e, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			FAIL_IF(click_on(s, GEN_LABEL_VALID, i,
					 2000 + rng_below(&s->rng, 30000)));
			FAIL_IF(click_on(s, GEN_LABEL_DOUBLE_CLICK, s->nev - 1,
					 150 + rng_below(&s->rng, 550)));
			s->ev[s->nev - 1].imp_seq = (int32_t)i;
		}
	if (m & (1u << GEN_LABEL_BOTNET)) {
		/* bots firing at a fixed period each, fresh cookie every time */
		uint64_t n = share(q, 0.005, 30);
		uint32_t bots = (uint32_t)(n / 150) + 1;

		for (uint32_t b = 0; b < bots && n > 0; b++) {
			uint64_t bk = key ^ (b * 0x1234567ull);
			int64_t period = 20000 + (int64_t)(mix64(bk) % 20000);
			int64_t t = h + (int64_t)(mix64(bk ^ 1) % (uint64_t)period);
			const struct world_ua *u = ua_of(w, -1, bk);

			addr_home(&ip, 0xb07, b + s->hour_no * 7);
			for (; t < h + HOUR_MS - 60000 && n > 0; t += period) {
				uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;

				uid_of(uid, rng_next(&s->rng), 0);
				if (rng_chance(&s->rng, 0.5)) {
					/* a click on an impression never shown */
					FAIL_IF(e = imp_at(s, GEN_LABEL_BOTNET, t, z, false));
					e->type = EVENT_CLICK;
					e->imp_seq = -2;
					e->flags = EVENT_F_TOKEN_VALID;
					visitor_set(e, &ip, uid, true, BROWSER(u));
					n--;
					continue;
				}
				FAIL_IF(e = imp_at(s, GEN_LABEL_BOTNET, t, z, true));
				visitor_set(e, &ip, uid, true, BROWSER(u));
				n--;
				if (n) {
					FAIL_IF(click_on(s, GEN_LABEL_BOTNET, i,
							 100 + rng_below(&s->rng, 300)));
					n--;
				}
			}
		}
	}
	/* the click farm's shift: 09:00-18:00 at UTC+8, the night of the
	 * American pages it clicks; a skeleton crew the rest of the day */
	int farm_local = (int)((h / HOUR_MS + 8) % 24);
	double farm_share = farm_local >= 9 && farm_local < 18 ? 0.004 : 0.001;

	if (m & (1u << GEN_LABEL_CLICK_FARM))
		for (uint64_t n = share(q, farm_share, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;
			uint32_t net = rng_below(&s->rng, 3);
			uint64_t c = rng_below(&s->rng, 3000);
			const struct world_ua *u = ua_of(w, UA_MOBILE, c);

			FAIL_IF(e = imp_at(s, GEN_LABEL_CLICK_FARM, t_in(s, h), z, true));
			addr_v4(&ip, 96, (uint8_t)(40 + net), 17,
				(uint8_t)(1 + rng_below(&s->rng, 60)));
			uid_of(uid, 0xfa53, c);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, 0.4)) {
				FAIL_IF(click_on(s, GEN_LABEL_CLICK_FARM, i,
						 3000 + rng_below(&s->rng, 12000)));
				n--;
			}
		}
	if (m & (1u << GEN_LABEL_SELF_CLICK))
		for (uint64_t n = share(q, 0.001, 10); n > 1; n -= 2) {
			uint32_t z = zone_pick(s, s->self_pub), i = s->nev;
			uint64_t v = rng_next(&s->rng);
			const struct world_ua *u = ua_of(w, -1, v);

			FAIL_IF(e = imp_at(s, GEN_LABEL_SELF_CLICK, t_in(s, h), z, true));
			addr_home(&ip, 0x5e1f, v);
			uid_of(uid, 0x5e1f, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			FAIL_IF(click_on(s, GEN_LABEL_SELF_CLICK, i,
					 5000 + rng_below(&s->rng, 35000)));
		}
	if (m & (1u << GEN_LABEL_HIT_INFLATION))
		for (uint64_t n = share(q, 0.01, 20); n > 0;) {
			/* a page of stacked hidden frames: several impressions
			 * within a few ms, referer elsewhere */
			uint32_t z = zone_pick(s, s->hit_pub);
			uint64_t v = rng_below(&s->rng, 400);
			const struct world_ua *u = ua_of(w, -1, v);
			int64_t t = t_in(s, h);
			uint32_t k = 3 + rng_below(&s->rng, 6), page = rng_below(&s->rng, 50);

			/* its hidden zones, when the world has them */
			if (w->nhidden)
				z = w->nzones - w->nhidden +
				    (uint32_t)(mix64(v ^ (uint64_t)page << 32) %
					       w->nhidden);

			addr_home(&ip, 0x417, v);
			uid_of(uid, 0x417, v);
			for (uint32_t j = 0; j < k && n > 0; j++, n--) {
				FAIL_IF(e = imp_at(s, GEN_LABEL_HIT_INFLATION,
						   t + j * 3, z, false));
				visitor_set(e, &ip, uid, false, BROWSER(u));
				set_ref(e, "cheap-traffic-exchange.example", 30, page);
			}
		}
	if (m & (1u << GEN_LABEL_PUB_POOL))
		for (uint64_t n = share(q, 0.003, 20); n > 0;) {
			uint32_t z = zone_pick(s, s->pool_pub[rng_below(&s->rng, 3)]);
			uint64_t b = rng_below(&s->rng, 200);
			const struct world_ua *u = ua_of(w, -1, b ^ 0x9001);
			uint32_t i = s->nev;

			FAIL_IF(e = imp_at(s, GEN_LABEL_PUB_POOL, t_in(s, h), z, true));
			addr_home(&ip, 0x9001, b);
			uid_of(uid, 0x9001, b);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, 0.25)) {
				FAIL_IF(click_on(s, GEN_LABEL_PUB_POOL, i,
						 1000 + rng_below(&s->rng, 7000)));
				n--;
			}
		}
	if (m & (1u << GEN_LABEL_COOKIE_REPLAY)) {
		const struct world_ua *u = ua_of(w, UA_DESKTOP, 0xc00c);

		for (uint64_t n = share(q, 0.001, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;

			FAIL_IF(e = imp_at(s, GEN_LABEL_COOKIE_REPLAY, t_in(s, h), z, true));
			addr_home(&ip, 0xc00c, rng_next(&s->rng));
			visitor_set(e, &ip, s->replay_uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, 0.3)) {
				FAIL_IF(click_on(s, GEN_LABEL_COOKIE_REPLAY, i,
						 2000 + rng_below(&s->rng, 8000)));
				n--;
			}
		}
	}
	/* traps: people, however odd they look */
	if (m & (1u << GEN_LABEL_TRAP_NAT))
		for (uint64_t n = share(q, 0.004, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;
			uint64_t v = rng_below(&s->rng, 600);
			const struct world_ua *u = ua_of(w, UA_MOBILE, v);

			FAIL_IF(e = imp_at(s, GEN_LABEL_TRAP_NAT, t_in(s, h), z, true));
			addr_v4(&ip, 172, 56, 21, 7);
			uid_of(uid, 0x4a7, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, w->zones[z].ctr)) {
				FAIL_IF(click_on(s, GEN_LABEL_TRAP_NAT, i,
						 3000 + rng_below(&s->rng, 60000)));
				n--;
			}
		}
	if (m & (1u << GEN_LABEL_TRAP_INAPP))
		for (uint64_t n = share(q, 0.01, 20); n > 0;) {
			uint32_t z = zone_pick(s, UINT32_MAX), i = s->nev;
			uint64_t v = rng_below(&s->rng, 20000);
			const struct world_ua *u = ua_of(w, UA_INAPP, v);

			FAIL_IF(e = imp_at(s, GEN_LABEL_TRAP_INAPP, t_in(s, h), z, true));
			addr_home(&ip, 0x1a99, v);
			uid_of(uid, 0x1a99, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			e->flags |= rng_chance(&s->rng, 0.3) ? EVENT_F_NO_ACCEPT_LANG : 0;
			n--;
			if (n && rng_chance(&s->rng, w->zones[z].ctr)) {
				FAIL_IF(click_on(s, GEN_LABEL_TRAP_INAPP, i,
						 2000 + rng_below(&s->rng, 60000)));
				n--;
			}
		}
	if ((m & (1u << GEN_LABEL_TRAP_VIRAL)) && s->hour_no == s->hours / 2)
		for (uint64_t n = share(q, 0.03, 50); n > 0;) {
			uint32_t z = zone_pick(s, s->viral_pub), i = s->nev;
			uint64_t v = rng_next(&s->rng);
			const struct world_ua *u = ua_of(w, -1, v);

			FAIL_IF(e = imp_at(s, GEN_LABEL_TRAP_VIRAL, t_in(s, h), z, true));
			addr_home(&ip, 0x7172, v);
			uid_of(uid, 0x7172, v);
			visitor_set(e, &ip, uid, false, BROWSER(u));
			n--;
			if (n && rng_chance(&s->rng, w->zones[z].ctr)) {
				FAIL_IF(click_on(s, GEN_LABEL_TRAP_VIRAL, i,
						 2000 + rng_below(&s->rng, 60000)));
				n--;
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

int scenario_init(struct scenario *s, const struct world *w, uint64_t seed,
		  uint32_t nodes, uint32_t hours, uint32_t mask)
{
	uint32_t picked[6], np = 0;

	memset(s, 0, sizeof(*s));
	s->w = w;
	s->mask = mask;
	s->nodes = nodes;
	s->hours = hours;
	rng_seed(&s->rng, seed ^ 0x5ce7a7105ull);
	if (!w->nzones || !w->npubs || !w->nuas)
		return -EINVAL;
	/* six distinct publishers with traffic: self, hit, 3 pool, viral */
	for (int tries = 0; np < 6 && tries < 100000; tries++) {
		uint32_t z = zone_pick(s, UINT32_MAX), p, j;

		if (z == UINT32_MAX)
			return -EINVAL;
		p = w->zones[z].pub;
		for (j = 0; j < np && picked[j] != p; j++)
			;
		if (j == np)
			picked[np++] = p;
	}
	if (np < 6)
		return -EINVAL;
	s->self_pub = picked[0];
	s->hit_pub = picked[1];
	memcpy(s->pool_pub, picked + 2, 3 * sizeof(*picked));
	s->viral_pub = picked[5];
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
		for (int i = 0; i < 3; i++)
			rc |= fprintf(f, "pub\t%u\tpub_pool\n",
				      p[s->pool_pub[i]].id) < 0;
	return rc ? -EIO : 0;
}
