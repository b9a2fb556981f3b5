/* net.c - regions and their address blocks, the ad network, referers and
 * the inventory file.  Consumer and carrier blocks are those of large
 * consumer ISPs and mobile carriers of each region (RIR allocations as
 * whois shows them); data-centre blocks come from the ranges the cloud and
 * crawler operators publish (AWS ip-ranges.json, Google's cloud.json and
 * googlebot.json, Microsoft's service tags, bingbot.json, ...). */
#include "net.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "inventory.h"

struct region_def {
	const char *name;
	int off_min;
	const char *blocks[BK__REGION];
};

static const struct region_def region_defs[RT_REGIONS] = {
	{ "us-east", -300, {
		"73.0.0.0/8 98.192.0.0/10 174.48.0.0/12 108.0.0.0/11 71.160.0.0/11 24.0.0.0/12",
		"2601::/20 2600:1700::/24 2603:6000::/20",
		"172.56.0.0/13 174.192.0.0/10 107.64.0.0/10",
		"2607:fb90::/32 2600:1000::/28" } },
	{ "us-west", -480, {
		"73.0.0.0/8 76.168.0.0/13 99.0.0.0/10 68.4.0.0/14 47.144.0.0/13",
		"2601::/20 2600:1700::/24",
		"172.56.0.0/13 174.192.0.0/10 166.128.0.0/11",
		"2607:fb90::/32 2600:1000::/28" } },
	{ "europe-central", 60, {
		"79.192.0.0/10 87.128.0.0/10 91.0.0.0/10 84.128.0.0/10 90.0.0.0/9 88.0.0.0/11",
		"2003::/19 2a01:cb00::/24 2a02:8100::/26",
		"80.187.0.0/16 109.40.0.0/13 37.80.0.0/12",
		"2a01:598::/32 2a02:3030::/28" } },
	{ "uk", 0, {
		"86.128.0.0/10 81.128.0.0/11 2.24.0.0/13 90.192.0.0/11 82.0.0.0/11",
		"2a00:23c0::/26 2a02:c7c::/30",
		"31.94.0.0/16 92.40.0.0/14 148.252.0.0/16",
		"2a01:4c8::/29" } },
	{ "india", 330, {
		"122.160.0.0/12 117.192.0.0/10 59.88.0.0/13 182.64.0.0/12",
		"2401:4900::/30",
		"49.32.0.0/11 106.192.0.0/11 157.32.0.0/12",
		"2409:4000::/22" } },
	{ "china", 480, {
		"113.64.0.0/10 183.0.0.0/10 123.112.0.0/12 221.192.0.0/11 58.32.0.0/11",
		"240e::/20 2408:8000::/20",
		"111.0.0.0/10 117.128.0.0/10 120.192.0.0/10",
		"2409:8000::/20" } },
	{ "brazil", -180, {
		"177.32.0.0/11 187.64.0.0/10 189.0.0.0/11 179.208.0.0/12",
		"2804:14c::/32 2804:d41::/32",
		"187.0.0.0/11 201.0.0.0/12 179.96.0.0/12",
		"2804:18::/32" } },
	{ "indonesia", 420, {
		"36.64.0.0/11 180.240.0.0/12 110.136.0.0/13",
		"2001:448a::/32",
		"114.120.0.0/13 114.4.0.0/14 112.215.0.0/16",
		"2400:9800::/32" } },
};

static const char *const dc_defs[DC__KINDS] = {
	[DC_CLOUD] = "3.208.0.0/12 18.204.0.0/14 52.0.0.0/11 54.144.0.0/12 "
		     "34.64.0.0/10 35.184.0.0/13 20.36.0.0/14 40.76.0.0/14 "
		     "52.224.0.0/11 104.131.0.0/16 159.203.0.0/16 167.99.0.0/16 "
		     "138.197.0.0/16 51.68.0.0/16 145.239.0.0/16 5.9.0.0/16 "
		     "88.198.0.0/16 78.46.0.0/15 95.216.0.0/15 45.33.0.0/17 "
		     "172.104.0.0/15 45.76.0.0/15 149.28.0.0/16 47.74.0.0/15 "
		     "2600:1f00::/24 2a05:d000::/25 2a01:4f8::/29 2604:a880::/32",
	[DC_VPN] = "185.156.172.0/22 89.187.160.0/19 193.27.12.0/22 "
		   "146.70.0.0/16 45.87.212.0/22 212.102.32.0/19",
	[DC_GOOGLE] = "66.249.64.0/19",
	[DC_BING] = "157.55.39.0/24 207.46.13.0/24 40.77.167.0/24",
	[DC_APPLE] = "17.241.0.0/16",
	[DC_YANDEX] = "5.255.253.0/24 213.180.203.0/24",
	[DC_BAIDU] = "180.76.15.0/24 116.179.32.0/24",
	[DC_SEO] = "54.36.148.0/23 5.39.1.0/24 85.208.96.0/22 185.191.171.0/24",
	[DC_AI] = "20.171.206.0/23 52.230.152.0/24",
	[DC_META] = "69.63.176.0/20 66.220.144.0/20 173.252.64.0/18 31.13.24.0/21",
	[DC_TWITTER] = "199.16.156.0/22 199.59.148.0/22",
	[DC_TELEGRAM] = "149.154.160.0/20 91.108.4.0/22",
	[DC_LINKEDIN] = "108.174.0.0/20",
};

/* Well-known sites: the pages ad injectors and arbitrage traffic sit on. */
static const char *const foreign_sites[] = {
	"amazon.com", "walmart.com", "ebay.com", "wikipedia.org", "youtube.com",
	"reddit.com", "bbc.co.uk", "cnn.com", "yahoo.com", "weather.com",
	"target.com", "bestbuy.com", "nytimes.com", "imdb.com", "booking.com",
	"aliexpress.com", "etsy.com", "espn.com", "msn.com", "quora.com",
	"daily-win-prizes.xyz", "topnewsviral.club", "best-recipes-now.site",
	"celebgossipfeed.online", "quizmaniahub.fun", "free-movies-hd.top",
	"gamesplayfree.icu", "horoscope-daily.live",
};
#define NFOREIGN (sizeof(foreign_sites) / sizeof(*foreign_sites))

static const uint16_t sizes[][2] = {
	{ 300, 250 }, { 728, 90 }, { 320, 50 }, { 320, 100 }, { 300, 600 },
	{ 336, 280 }, { 160, 600 }, { 970, 250 }, { 468, 60 }, { 300, 50 },
};
#define NSIZES (sizeof(sizes) / sizeof(*sizes))

static const char *const syll[] = {
	"bright", "daily", "metro", "pixel", "harbor", "maple", "atlas", "cedar",
	"orbit", "river", "summit", "willow", "ember", "lumen", "nova", "quartz",
	"tidal", "vista", "zephyr", "kettle", "garden", "coach", "wander",
	"pantry", "circuit", "ledger", "meadow", "spark", "canyon", "fable",
};
static const char *const tlds[RT_REGIONS][3] = {
	{ ".com", ".net", ".us" }, { ".com", ".io", ".co" },
	{ ".de", ".fr", ".eu" }, { ".co.uk", ".uk", ".com" },
	{ ".in", ".co.in", ".com" }, { ".cn", ".com.cn", ".net" },
	{ ".com.br", ".br", ".com" }, { ".co.id", ".id", ".com" },
};
static const char *const sections[] = {
	"news", "sport", "business", "tech", "life", "travel", "food", "health",
	"culture", "opinion", "world", "local", "money", "auto",
};
static const char *const words[] = {
	"city", "plan", "team", "record", "storm", "market", "new", "best",
	"season", "guide", "review", "prices", "school", "election", "recipe",
	"match", "study", "update", "weekend", "top", "ways", "home",
};
#define N_(a) (sizeof(a) / sizeof(*(a)))

static int blocks_parse(struct rt_blocks *b, const char *text)
{
	const char *s = text;

	b->n = 0;
	b->p = calloc(16, sizeof(*b->p));
	if (!b->p)
		return -ENOMEM;
	while (*s && b->n < 16) {
		size_t len = strcspn(s, " ");
		const char *slash = memchr(s, '/', len);
		unsigned bits = 0;

		if (!slash || addr_parse(s, (size_t)(slash - s), &b->p[b->n].base))
			return -EINVAL;
		for (const char *q = slash + 1; q < s + len; q++)
			bits = bits * 10 + (unsigned)(*q - '0');
		b->p[b->n++].len = (uint8_t)bits;
		s += len;
		while (*s == ' ')
			s++;
	}
	return 0;
}

void rt_addr_in(const struct rt_blocks *b, struct rt_rng *r, struct event_addr *a)
{
	const struct rt_prefix *p = &b->p[rt_below(r, b->n)];
	unsigned total = p->base.family == 4 ? 32 : 128;

	*a = p->base;
	for (unsigned bit = p->len; bit < total; bit++) {
		if (rt_u64(r) & 1)
			a->bytes[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		else
			a->bytes[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	}
	if (a->family == 4 && (a->bytes[3] == 0 || a->bytes[3] == 255))
		a->bytes[3] = (uint8_t)(1 + rt_below(r, 254));
}

void rt_addr_near(const struct event_addr *a, struct rt_rng *r, struct event_addr *out)
{
	*out = *a;
	if (a->family == 4) {
		out->bytes[3] = (uint8_t)(1 + rt_below(r, 254));
		return;
	}
	for (unsigned i = 8; i < 16; i++)
		out->bytes[i] = (uint8_t)rt_u64(r);
}

static void make_domain(struct rt_rng *r, uint8_t region, char *dst, size_t cap)
{
	const char *a = syll[rt_below(r, N_(syll))], *b = syll[rt_below(r, N_(syll))];
	const char *t = tlds[region][rt_below(r, 3)];

	snprintf(dst, cap, "%s%s%s", a, b, t);
}

static bool domain_used(const struct rt_net *n, uint32_t upto, const char *d)
{
	for (uint32_t i = 0; i < upto; i++)
		if (!strcmp(n->pubs[i].domain, d) || !strcmp(n->pubs[i].domain2, d))
			return true;
	return false;
}

static int zone_push(struct rt_net *n, struct rt_zone z)
{
	if (n->nzones == n->zcap) {
		uint32_t cap = n->zcap ? n->zcap * 2 : 1024;
		struct rt_zone *nz = realloc(n->zones, cap * sizeof(*nz));

		if (!nz)
			return -ENOMEM;
		n->zones = nz;
		n->zcap = cap;
	}
	z.id = n->nzones + 1;
	n->zones[n->nzones++] = z;
	return 0;
}

static int build_pubs(struct rt_net *n, struct rt_rng *r, uint32_t npubs)
{
	struct rt_table pop;
	double zipf_s = rt_range(r, 0.8, 1.3), ctr_level = rt_logrange(r, 0.5, 2.0);
	int rc;

	n->npubs = npubs;
	if (!(n->pubs = calloc(npubs, sizeof(*n->pubs))))
		return -ENOMEM;
	if ((rc = rt_table_zipf(&pop, r, npubs, zipf_s)))
		return rc;
	for (uint32_t i = 0; i < npubs; i++) {
		struct rt_pub *p = &n->pubs[i];
		uint32_t nz = 1 + rt_below(r, rt_chance(r, 0.3) ? 8 : 4);

		p->id = i + 1;
		p->region = (uint8_t)rt_table_pick(&n->reg_pick, r);
		do
			make_domain(r, p->region, p->domain, sizeof(p->domain));
		while (domain_used(n, i, p->domain));
		if (rt_chance(r, 0.15)) {
			do
				make_domain(r, p->region, p->domain2, sizeof(p->domain2));
			while (domain_used(n, i, p->domain2) ||
			       !strcmp(p->domain2, p->domain));
		}
		p->url_style = (uint8_t)rt_below(r, 4);
		p->mobile_host = rt_chance(r, 0.25);
		p->pages = 50 + rt_below(r, 20000);
		p->pop = pop.cum[i] - (i ? pop.cum[i - 1] : 0);
		p->zone_first = n->nzones;
		p->zone_n = nz;
		for (uint32_t k = 0; k < nz; k++) {
			uint8_t s = (uint8_t)(k == 0 ? rt_below(r, 3) : rt_below(r, NSIZES));
			struct rt_zone z = {
				.pub = i, .w = sizes[s][0], .h = sizes[s][1], .size = s,
				/* display CTRs are of the order of 0.05-1% */
				.ctr = fmin(0.03, ctr_level * rt_logrange(r, 0.0005, 0.012)),
				.presence = k == 0 ? 1.0 : rt_range(r, 0.3, 1.0),
			};

			if ((rc = zone_push(n, z)))
				break;
		}
		if (rc)
			break;
	}
	rt_table_release(&pop);
	return rc;
}

static int build_ads(struct rt_net *n, struct rt_rng *r)
{
	uint32_t count[NSIZES] = { 0 };
	double *w;

	n->ncamps = 40 + rt_below(r, 120);
	n->nads = n->ncamps * (3 + rt_below(r, 8));
	if (n->nads < NSIZES)
		n->nads = NSIZES;
	n->ads = calloc(n->nads, sizeof(*n->ads));
	n->ads_by_size = calloc(NSIZES, sizeof(*n->ads_by_size));
	n->size_ads = calloc(NSIZES, sizeof(*n->size_ads));
	w = calloc(n->nads, sizeof(*w));
	if (!n->ads || !n->ads_by_size || !n->size_ads || !w) {
		free(w);
		return -ENOMEM;
	}
	double unsigned_share = rt_range(r, 0.03, 0.2);

	for (uint32_t i = 0; i < n->nads; i++) {
		struct rt_ad *a = &n->ads[i];
		uint8_t s = (uint8_t)(i < NSIZES ? i : rt_below(r, NSIZES));

		a->id = i + 1;
		a->camp = 1 + rt_below(r, n->ncamps);
		a->w = sizes[s][0];
		a->h = sizes[s][1];
		a->weight = 1 + rt_below(r, 100);
		a->unsigned_ok = rt_chance(r, unsigned_share);
		count[s]++;
	}
	for (unsigned s = 0; s < NSIZES; s++) {
		uint32_t k = 0;

		if (!(n->size_ads[s] = calloc(count[s], sizeof(uint32_t)))) {
			free(w);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < n->nads; i++)
			if (n->ads[i].w == sizes[s][0] && n->ads[i].h == sizes[s][1]) {
				n->size_ads[s][k] = i;
				w[k++] = n->ads[i].weight;
			}
		if (rt_table_init(&n->ads_by_size[s], w, k)) {
			free(w);
			return -ENOMEM;
		}
	}
	free(w);
	return 0;
}

int rt_net_init(struct rt_net *n, struct rt_rng *r, uint32_t npubs)
{
	double w[RT_REGIONS];
	int rc;

	memset(n, 0, sizeof(*n));
	for (unsigned i = 0; i < RT_REGIONS; i++) {
		n->reg[i].name = region_defs[i].name;
		n->reg[i].utc_off_min = region_defs[i].off_min;
		for (unsigned k = 0; k < BK__REGION; k++)
			if ((rc = blocks_parse(&n->reg[i].b[k], region_defs[i].blocks[k])))
				return rc;
		/* the network's audience: a few regions carry most of it */
		w[i] = rt_logrange(r, 0.02, 1.0);
	}
	double sum = 0;

	for (unsigned i = 0; i < RT_REGIONS; i++)
		sum += w[i];
	for (unsigned i = 0; i < RT_REGIONS; i++)
		n->reg_share[i] = w[i] / sum;
	if ((rc = rt_table_init(&n->reg_pick, w, RT_REGIONS)))
		return rc;
	for (unsigned k = 0; k < DC__KINDS; k++)
		if ((rc = blocks_parse(&n->dc[k], dc_defs[k])))
			return rc;
	if ((rc = build_pubs(n, r, npubs)) || (rc = build_ads(n, r)))
		return rc;
	for (unsigned g = 0; g < RT_REGIONS; g++) {
		double *pw = calloc(npubs, sizeof(*pw));

		if (!pw)
			return -ENOMEM;
		/* readers mostly read their own region's publishers */
		for (uint32_t i = 0; i < npubs; i++)
			pw[i] = n->pubs[i].pop * (n->pubs[i].region == g ? 1.0 : 0.08);
		rc = rt_table_init(&n->pub_by_region[g], pw, npubs);
		free(pw);
		if (rc)
			return rc;
	}
	n->nforeign = NFOREIGN;
	return 0;
}

void rt_net_release(struct rt_net *n)
{
	for (unsigned i = 0; i < RT_REGIONS; i++) {
		for (unsigned k = 0; k < BK__REGION; k++)
			free(n->reg[i].b[k].p);
		rt_table_release(&n->pub_by_region[i]);
	}
	for (unsigned k = 0; k < DC__KINDS; k++)
		free(n->dc[k].p);
	rt_table_release(&n->reg_pick);
	if (n->ads_by_size)
		for (unsigned s = 0; s < NSIZES; s++) {
			rt_table_release(&n->ads_by_size[s]);
			free(n->size_ads[s]);
		}
	free(n->ads_by_size);
	free(n->size_ads);
	free(n->pubs);
	free(n->zones);
	free(n->ads);
	memset(n, 0, sizeof(*n));
}

uint32_t rt_net_add_hidden_zone(struct rt_net *n, uint32_t pub)
{
	struct rt_zone z = n->zones[n->pubs[pub].zone_first];

	z.hidden = true;
	z.presence = 0;
	z.ctr = 0;
	return zone_push(n, z) ? UINT32_MAX : n->nzones - 1;
}

uint32_t rt_net_pick_ad(const struct rt_net *n, uint32_t z, struct rt_rng *r)
{
	unsigned s = n->zones[z].size;

	return n->size_ads[s][rt_table_pick(&n->ads_by_size[s], r)];
}

/* "www-example-co-uk" as the AMP cache and Google's translation proxy
 * write a host name: dashes doubled, dots made dashes. */
static void dashed(const char *d, char *dst, size_t cap)
{
	size_t k = 0;

	for (; *d && k + 3 < cap; d++) {
		if (*d == '-') {
			dst[k++] = '-';
			dst[k++] = '-';
		} else {
			dst[k++] = *d == '.' ? '-' : *d;
		}
	}
	dst[k] = 0;
}

static void page_path(const struct rt_pub *p, uint32_t page, char *dst, size_t cap)
{
	const char *sec = sections[page % N_(sections)];
	const char *w1 = words[page % N_(words)], *w2 = words[(page / 7) % N_(words)];

	switch (p->url_style) {
	case 0: snprintf(dst, cap, "/%s/%s-%s-%u/", sec, w1, w2, page); break;
	case 1: snprintf(dst, cap, "/%s/%u.html", sec, page); break;
	case 2: snprintf(dst, cap, "/?p=%u", page); break;
	default: snprintf(dst, cap, "/articles/%u-%s-%s", page, w1, w2); break;
	}
}

void rt_ref_render(const struct rt_net *n, unsigned kind, uint32_t a,
		   uint32_t b, char *dst, size_t cap)
{
	static const char *const engines[] = {
		"https://www.google.com/", "https://www.bing.com/",
		"https://duckduckgo.com/", "https://search.yahoo.com/",
		"https://yandex.ru/", "https://www.baidu.com/",
	};
	static const char *const apps[] = {
		"android-app://com.facebook.katana/", "android-app://com.google.android.gm/",
		"android-app://org.telegram.messenger/", "android-app://com.twitter.android/",
	};
	char path[160], host[120];
	const struct rt_pub *p = kind <= REF_TRANSLATE && kind != REF_NONE ?
				 &n->pubs[a] : NULL;
	bool mobile = b & 0x80000000u;
	const char *dom = p && p->domain2[0] && (b & 0x40000000u) ? p->domain2 :
			  p ? p->domain : "";

	b &= 0x3fffffffu;
	switch (kind) {
	case REF_PAGE:
		page_path(p, b, path, sizeof(path));
		snprintf(dst, cap, "https://%s.%s%s",
			 mobile && p->mobile_host ? "m" : "www", dom, path);
		break;
	case REF_ORIGIN:
		snprintf(dst, cap, "https://%s.%s/",
			 mobile && p->mobile_host ? "m" : "www", dom);
		break;
	case REF_AMP:
		snprintf(path, sizeof(path), "www.%s", dom);
		dashed(path, host, sizeof(host));
		snprintf(dst, cap, "https://%s.cdn.ampproject.org/", host);
		break;
	case REF_TRANSLATE:
		snprintf(path, sizeof(path), "www.%s", dom);
		dashed(path, host, sizeof(host));
		page_path(p, b, path, sizeof(path));
		snprintf(dst, cap, "https://%s.translate.goog%s%s_x_tr_sl=auto&_x_tr_tl=en",
			 host, path, strchr(path, '?') ? "&" : "?");
		break;
	case REF_FOREIGN: {
		const char *site = foreign_sites[a % NFOREIGN];

		if (b % 3 == 0)
			snprintf(dst, cap, "https://www.%s/", site);
		else
			snprintf(dst, cap, "https://www.%s/%s/%s-%u", site,
				 sections[b % N_(sections)], words[b % N_(words)], b);
		break;
	}
	case REF_SEARCH:
		snprintf(dst, cap, "%s", engines[a % N_(engines)]);
		break;
	case REF_APP:
		snprintf(dst, cap, "%s", apps[a % N_(apps)]);
		break;
	default:
		dst[0] = 0;
		break;
	}
}

int rt_net_write_inventory(const struct rt_net *n, const char *path, uint64_t seed)
{
	char *buf = NULL, version[64], name[32], dom[160], img[64], land[96];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return -ENOMEM;
	snprintf(version, sizeof(version), "redteam-seed-%llu",
		 (unsigned long long)seed);
	rc = inventory_write_header(f, version, NULL);
	for (uint32_t i = 0; i < n->npubs && !rc; i++) {
		const struct rt_pub *p = &n->pubs[i];

		snprintf(name, sizeof(name), "Publisher %u", p->id);
		snprintf(dom, sizeof(dom), "%s%s%s", p->domain,
			 p->domain2[0] ? "," : "", p->domain2);
		rc = inventory_write_pub(f, p->id, name, dom);
	}
	for (uint32_t c = 1; c <= n->ncamps && !rc; c++)
		rc = inventory_write_camp(f, c, 1 + (c - 1) / 4, 1577836800, 0,
					  true);
	for (uint32_t z = 0; z < n->nzones && !rc; z++)
		rc = inventory_write_zone(f, n->zones[z].id,
					  n->pubs[n->zones[z].pub].id,
					  n->zones[z].w, n->zones[z].h);
	for (uint32_t i = 0; i < n->nads && !rc; i++) {
		const struct rt_ad *a = &n->ads[i];

		snprintf(img, sizeof(img), "https://cdn.adnet.example/cr/%u.png",
			 a->id);
		snprintf(land, sizeof(land),
			 "https://advertiser%u.example/landing?ad=%u",
			 1 + (a->camp - 1) / 4, a->id);
		rc = inventory_write_ad(f, a->id, a->camp, a->w, a->h,
					a->weight, a->unsigned_ok, img, land);
	}
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (!rc)
		rc = fs_replace_file(path, buf, len);
	free(buf);
	return rc;
}
