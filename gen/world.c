/* world.c - builds the synthetic ad network that adlog-gen's traffic runs
 * on: who publishes, what is advertised, which browsers visit.  Popularity
 * is Zipf-like everywhere (a few publishers and zones take most traffic),
 * and the browser mix differs by region (in-app WeChat and UC are common in
 * the UTC+8 region, Facebook and Instagram in the others). */
#include "world.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

const struct world_region world_regions[WORLD_REGIONS] = {
	{ "asia-utc+8", 8, 0.20 },
	{ "europe-utc+1", 1, 0.45 },
	{ "us-east-utc-5", -5, 0.25 },
	{ "us-west-utc-8", -8, 0.10 },
};

const struct world_size world_sizes[WORLD_SIZES] = {
	{ 300, 250, 0.30 }, { 728, 90, 0.15 }, { 320, 50, 0.15 },
	{ 160, 600, 0.06 }, { 300, 600, 0.08 }, { 970, 250, 0.05 },
	{ 336, 280, 0.07 }, { 320, 100, 0.09 }, { 468, 60, 0.05 },
};

/* Visits by local hour, relative: a night trough near 4h, a lunch bump and
 * an evening peak near 21h.  Normalised to mean 1 at first use. */
static const double local_curve[24] = {
	0.42, 0.26, 0.17, 0.13, 0.12, 0.16, 0.30, 0.55, 0.82, 0.98, 1.05, 1.12,
	1.25, 1.18, 1.08, 1.06, 1.12, 1.25, 1.45, 1.68, 1.85, 1.82, 1.45, 0.90,
};

double world_region_weight(const struct world *w, int g, int64_t hour_ms)
{
	double sum = 0;

	if (!w->region_zones[g])
		return 0;
	int64_t utc_h = (hour_ms / 3600000) % 24;
	int h = (int)((utc_h + world_regions[g].utc_offset_h + 48) % 24);

	for (int i = 0; i < 24; i++)
		sum += pow(local_curve[i], w->curve_k);
	return world_regions[g].share * pow(local_curve[h], w->curve_k) *
	       24.0 / sum;
}

int world_hour_regions(const struct world *w, int64_t hour_ms,
		       struct alias *a)
{
	double rw[WORLD_REGIONS];

	for (int g = 0; g < WORLD_REGIONS; g++)
		rw[g] = world_region_weight(w, g, hour_ms);
	alias_release(a);
	return alias_init(a, rw, WORLD_REGIONS);  /* a world has traffic */
}

int world_region_pick(const struct world *w, const struct alias *a,
		      struct rng *r)
{
	int g = a->n ? (int)alias_pick(a, r) :
		       (int)rng_below(r, WORLD_REGIONS);

	/* a region without traffic has weight 0; rounding in the alias
	 * table must not pick it anyway */
	for (int i = 0; i < WORLD_REGIONS && !w->region_zones[g]; i++)
		g = (g + 1) % WORLD_REGIONS;
	return g;
}

/* ---- user agents ---- */

enum ua_family {
	F_CHROME_WIN, F_CHROME_MAC, F_CHROME_ANDROID, F_CHROME_IOS,
	F_FIREFOX_WIN, F_FIREFOX_MAC, F_FIREFOX_ANDROID,
	F_SAFARI_MAC, F_SAFARI_IPHONE, F_SAFARI_IPAD,
	F_EDGE_WIN, F_EDGE_ANDROID, F_SAMSUNG,
	F_WECHAT_ANDROID, F_WECHAT_IOS, F_FACEBOOK_IOS, F_FACEBOOK_ANDROID,
	F_INSTAGRAM_IOS, F_INSTAGRAM_ANDROID, F_UC_ANDROID,
	F__COUNT
};

static const struct {
	const char *name;
	uint8_t kind;
	double mix[WORLD_REGIONS];   /* share per region, normalised later */
} families[F__COUNT] = {
	[F_CHROME_WIN]       = { "chrome-win", UA_DESKTOP, { .10, .22, .20, .20 } },
	[F_CHROME_MAC]       = { "chrome-mac", UA_DESKTOP, { .02, .05, .07, .09 } },
	[F_CHROME_ANDROID]   = { "chrome-android", UA_MOBILE, { .08, .18, .12, .10 } },
	[F_CHROME_IOS]       = { "chrome-ios", UA_MOBILE, { .01, .02, .03, .03 } },
	[F_FIREFOX_WIN]      = { "firefox-win", UA_DESKTOP, { .01, .04, .03, .03 } },
	[F_FIREFOX_MAC]      = { "firefox-mac", UA_DESKTOP, { .002, .01, .01, .01 } },
	[F_FIREFOX_ANDROID]  = { "firefox-android", UA_MOBILE, { .001, .01, .005, .005 } },
	[F_SAFARI_MAC]       = { "safari-mac", UA_DESKTOP, { .02, .04, .06, .07 } },
	[F_SAFARI_IPHONE]    = { "safari-iphone", UA_MOBILE, { .12, .14, .22, .22 } },
	[F_SAFARI_IPAD]      = { "safari-ipad", UA_MOBILE, { .02, .02, .03, .03 } },
	[F_EDGE_WIN]         = { "edge-win", UA_DESKTOP, { .04, .06, .06, .05 } },
	[F_EDGE_ANDROID]     = { "edge-android", UA_MOBILE, { .002, .005, .005, .005 } },
	[F_SAMSUNG]          = { "samsung-android", UA_MOBILE, { .01, .06, .04, .03 } },
	[F_WECHAT_ANDROID]   = { "wechat-android", UA_INAPP, { .18, .005, .003, .003 } },
	[F_WECHAT_IOS]       = { "wechat-ios", UA_INAPP, { .12, .003, .002, .002 } },
	[F_FACEBOOK_IOS]     = { "facebook-ios", UA_INAPP, { .002, .03, .05, .05 } },
	[F_FACEBOOK_ANDROID] = { "facebook-android", UA_INAPP, { .002, .04, .03, .03 } },
	[F_INSTAGRAM_IOS]    = { "instagram-ios", UA_INAPP, { .002, .03, .04, .04 } },
	[F_INSTAGRAM_ANDROID]= { "instagram-android", UA_INAPP, { .002, .02, .02, .02 } },
	[F_UC_ANDROID]       = { "uc-android", UA_INAPP, { .12, .01, .002, .002 } },
};

enum { UA_VARIANTS = 16 };   /* distinct strings per family */

static const char *const android_models[] = {
	"SM-S918B", "SM-A546E", "SM-G991B", "Pixel 7", "Pixel 8 Pro",
	"Redmi Note 12", "22081212C", "V2111", "CPH2219", "M2101K6G",
	"ELS-NX9", "LE2123",
};
static const char *const android_builds[] = {
	"TP1A.220624.014", "UP1A.231005.007", "SKQ1.211019.001",
	"RKQ1.200826.002", "QP1A.190711.020", "AP2A.240805.005",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *world_ua_family_name(uint8_t family)
{
	return family < F__COUNT ? families[family].name : "?";
}

#define IPHONE "Mozilla/5.0 (iPhone; CPU iPhone OS %u_%u like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
#define WEBVIEW "Mozilla/5.0 (Linux; Android %u; %s Build/%s; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/%u.0.%u.%u Mobile Safari/537.36"

/* One user agent of family f with versions drawn from r, into buf. */
static int ua_render(char *buf, size_t cap, int f, struct rng *r)
{
	unsigned chrome = 118 + rng_below(r, 14);
	unsigned ios = 15 + rng_below(r, 4), ios_min = rng_below(r, 7);
	unsigned android = 10 + rng_below(r, 5);
	unsigned b1 = 5000 + rng_below(r, 1500), b2 = rng_below(r, 200);
	unsigned ff = 115 + rng_below(r, 18);
	unsigned app = 400 + rng_below(r, 80);
	const char *model = android_models[rng_below(r, NELEM(android_models))];
	const char *build = android_builds[rng_below(r, NELEM(android_builds))];
	char pre[256];

	switch (f) {
	case F_CHROME_WIN:
		return snprintf(buf, cap, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.0.0 Safari/537.36", chrome);
	case F_CHROME_MAC:
		return snprintf(buf, cap, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.0.0 Safari/537.36", chrome);
	case F_CHROME_ANDROID:
		return snprintf(buf, cap, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.0.0 Mobile Safari/537.36", chrome);
	case F_CHROME_IOS:
		snprintf(pre, sizeof(pre), IPHONE, ios, ios_min);
		return snprintf(buf, cap, "%s CriOS/%u.0.%u.%u Mobile/15E148 Safari/604.1", pre, chrome, b1, b2);
	case F_FIREFOX_WIN:
		return snprintf(buf, cap, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:%u.0) Gecko/20100101 Firefox/%u.0", ff, ff);
	case F_FIREFOX_MAC:
		return snprintf(buf, cap, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:%u.0) Gecko/20100101 Firefox/%u.0", ff, ff);
	case F_FIREFOX_ANDROID:
		return snprintf(buf, cap, "Mozilla/5.0 (Android %u; Mobile; rv:%u.0) Gecko/%u.0 Firefox/%u.0", android, ff, ff, ff);
	case F_SAFARI_MAC:
		return snprintf(buf, cap, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/%u.%u Safari/605.1.15", ios, ios_min);
	case F_SAFARI_IPHONE:
		snprintf(pre, sizeof(pre), IPHONE, ios, ios_min);
		return snprintf(buf, cap, "%s Version/%u.%u Mobile/15E148 Safari/604.1", pre, ios, ios_min);
	case F_SAFARI_IPAD:
		return snprintf(buf, cap, "Mozilla/5.0 (iPad; CPU OS %u_%u like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/%u.%u Mobile/15E148 Safari/604.1", ios, ios_min, ios, ios_min);
	case F_EDGE_WIN:
		return snprintf(buf, cap, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.0.0 Safari/537.36 Edg/%u.0.%u.%u", chrome, chrome, b1 / 2, b2);
	case F_EDGE_ANDROID:
		return snprintf(buf, cap, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.0.0 Mobile Safari/537.36 EdgA/%u.0.%u.%u", chrome, chrome, b1 / 2, b2);
	case F_SAMSUNG:
		return snprintf(buf, cap, "Mozilla/5.0 (Linux; Android %u; %s) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/%u.0 Chrome/%u.0.0.0 Mobile Safari/537.36", android, model, 20 + rng_below(r, 6), chrome);
	case F_WECHAT_ANDROID:
		snprintf(pre, sizeof(pre), WEBVIEW, android, model, build, chrome - 10, b1, b2);
		return snprintf(buf, cap, "%s XWEB/%u MMWEBSDK/20240301 MMWEBID/%u MicroMessenger/8.0.%u.%u(0x28003%03X) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64", pre, 1160000 + b1, b1 + b2, 40 + rng_below(r, 12), 2400 + b2, 0x100 + b2);
	case F_WECHAT_IOS:
		snprintf(pre, sizeof(pre), IPHONE, ios, ios_min);
		return snprintf(buf, cap, "%s Mobile/15E148 MicroMessenger/8.0.%u(0x18003%03X) NetType/WIFI Language/zh_CN", pre, 40 + rng_below(r, 12), 0x100 + b2);
	case F_FACEBOOK_IOS:
		snprintf(pre, sizeof(pre), IPHONE, ios, ios_min);
		return snprintf(buf, cap, "%s Mobile/15E148 [FBAN/FBIOS;FBAV/%u.0.0.%u.%u;FBBV/%u;FBDV/iPhone%u,%u;FBMD/iPhone;FBSN/iOS;FBSV/%u.%u;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]", pre, app, b2 % 60, b2, 500000000 + b1 * 1000, 12 + rng_below(r, 4), 1 + rng_below(r, 4), ios, ios_min);
	case F_FACEBOOK_ANDROID:
		snprintf(pre, sizeof(pre), WEBVIEW, android, model, build, chrome, b1, b2);
		return snprintf(buf, cap, "%s [FB_IAB/FB4A;FBAV/%u.0.0.%u.%u;]", pre, app, b2 % 60, b2);
	case F_INSTAGRAM_IOS:
		snprintf(pre, sizeof(pre), IPHONE, ios, ios_min);
		return snprintf(buf, cap, "%s Mobile/15E148 Instagram %u.0.0.%u.%u (iPhone%u,%u; iOS %u_%u; en_US; en-US; scale=3.00; 1170x2532; %u)", pre, 300 + app % 60, b2 % 40, b2, 12 + rng_below(r, 4), 1 + rng_below(r, 4), ios, ios_min, 500000000 + b1 * 1000);
	case F_INSTAGRAM_ANDROID:
		snprintf(pre, sizeof(pre), WEBVIEW, android, model, build, chrome, b1, b2);
		return snprintf(buf, cap, "%s Instagram %u.0.0.%u.%u Android (%u/%u; 420dpi; 1080x2400; samsung; %s; qcom; en_US; %u)", pre, 300 + app % 60, b2 % 40, b2, 29 + android - 10, android, model, 500000000 + b1 * 1000);
	case F_UC_ANDROID:
		return snprintf(buf, cap, "Mozilla/5.0 (Linux; U; Android %u; en-US; %s Build/%s) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/%u.0.%u.%u UCBrowser/13.%u.%u.%u Mobile Safari/537.36", android, model, build, chrome - 20, b1, b2, rng_below(r, 8), rng_below(r, 9), 1300 + b2);
	}
	return -1;
}

/* ---- storage ---- */

static const char *arena_put(struct world *w, const char *s, size_t len)
{
	/* the arena never moves once built: every string is placed into a
	 * block sized up front by world_build */
	if (w->arena_len + len + 1 > w->arena_cap)
		return NULL;
	char *dst = w->arena + w->arena_len;
	memcpy(dst, s, len);
	dst[len] = '\0';
	w->arena_len += len + 1;
	return dst;
}

/* ---- publishers ---- */

static const char *const syl_a[16] = {
	"daily", "morning", "city", "green", "urban", "metro", "happy", "smart",
	"true", "blue", "north", "bright", "quick", "open", "prime", "silver",
};
static const char *const syl_b[16] = {
	"news", "tech", "sport", "food", "travel", "game", "auto", "money",
	"style", "movie", "home", "health", "music", "photo", "deal", "weather",
};
static const char *const syl_c[16] = {
	"hub", "zone", "post", "times", "daily", "world", "net", "online",
	"point", "base", "spot", "insider", "wire", "review", "guide", "feed",
};
static const char *const tlds[WORLD_REGIONS][4] = {
	{ ".cn", ".com.cn", ".com", ".hk" },
	{ ".de", ".fr", ".co.uk", ".eu" },
	{ ".com", ".net", ".com", ".org" },
	{ ".com", ".io", ".net", ".com" },
};

static int build_domain(struct world *w, struct world_pub *pub, uint32_t i,
			uint64_t seed)
{
	/* an odd multiplier mod 4096 is a bijection: names stay unique up to
	 * 4096 publishers, then a number keeps them unique */
	uint32_t j = (uint32_t)((i * 2654435761u + (uint32_t)seed) & 4095u);
	char buf[96];
	int n;

	if (i < 4096)
		n = snprintf(buf, sizeof(buf), "%s%s%s%s", syl_a[j >> 8],
			     syl_b[(j >> 4) & 15], syl_c[j & 15],
			     tlds[pub->region][mix64(seed ^ i) & 3]);
	else
		n = snprintf(buf, sizeof(buf), "%s%s%u%s", syl_a[j >> 8],
			     syl_b[(j >> 4) & 15], i,
			     tlds[pub->region][mix64(seed ^ i) & 3]);
	pub->domain = arena_put(w, buf, (size_t)n);
	pub->domain_len = (uint16_t)n;
	return pub->domain ? 0 : -ENOMEM;
}

static double zipf(uint32_t rank, double s)
{
	return 1.0 / pow((double)rank + 1.0, s);
}

/* Region of a publisher: drawn by traffic share from its id. */
static uint8_t pub_region(uint64_t seed, uint32_t id)
{
	double x = (double)(mix64(seed ^ 0x7265670000000000ull ^ id) >> 11) *
		   0x1.0p-53;
	int g = 0;

	for (; g < WORLD_REGIONS - 1; g++) {
		if (x < world_regions[g].share)
			break;
		x -= world_regions[g].share;
	}
	return (uint8_t)g;
}

/* Zipf popularity (s = 1.1) over a shuffled order, so that id 1 is not
 * always the biggest. */
static double *pub_weights(uint32_t n, struct rng *r)
{
	double *pw = malloc(n * sizeof(*pw));

	if (!pw)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		pw[i] = zipf(i, 1.1);
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = rng_below(r, i);
		double t = pw[i - 1];

		pw[i - 1] = pw[j];
		pw[j] = t;
	}
	return pw;
}

/* Zones and ads exist: index ads by size, weigh zones (publisher
 * popularity x Zipf rank within the publisher, 0 when no ad fits), and
 * build each region's zone table. */
static int world_finish(struct world *w, const double *pubw, struct rng *r)
{
	double *zw = malloc((w->nzones + w->nads + 1) * sizeof(*zw));
	uint32_t *rank = calloc(w->npubs, sizeof(*rank));
	uint32_t *cnt = calloc(w->nsizes, sizeof(*cnt));
	int rc = -ENOMEM;

	w->size_ads = calloc(w->nsizes, sizeof(*w->size_ads));
	w->size_alias = calloc(w->nsizes, sizeof(*w->size_alias));
	if (!zw || !rank || !cnt || !w->size_ads || !w->size_alias)
		goto out;
	for (uint32_t a = 0; a < w->nads; a++)
		cnt[w->ads[a].size] += w->ads[a].eligible;
	for (uint32_t s = 0; s < w->nsizes; s++) {
		uint32_t n = 0;

		if (!cnt[s])
			continue;
		if (!(w->size_ads[s] = malloc(cnt[s] * sizeof(uint32_t))))
			goto out;
		for (uint32_t a = 0; a < w->nads; a++) {
			if (w->ads[a].size != s || !w->ads[a].eligible)
				continue;
			w->size_ads[s][n] = a;
			zw[n++] = w->ads[a].weight;
		}
		if ((rc = alias_init(&w->size_alias[s], zw, n)))
			goto out;
	}

	for (uint32_t z = 0; z < w->nzones; z++) {
		struct world_zone *zone = &w->zones[z];

		/* log-uniform in 0.1%..1% */
		zone->ctr = (float)(0.001 * pow(10.0, rng_unit(r)));
		zw[z] = cnt[zone->size] ? pubw[zone->pub] *
					  zipf(rank[zone->pub]++, 1.0) : 0;
	}
	rc = -EINVAL;
	for (int g = 0; g < WORLD_REGIONS; g++) {
		uint32_t n = 0;

		for (uint32_t z = 0; z < w->nzones; z++)
			n += zw[z] > 0 && w->pubs[w->zones[z].pub].region == g;
		if (n == 0)
			continue;     /* no traffic in this region */
		w->region_zones[g] = malloc(n * sizeof(uint32_t));
		double *rw = malloc(n * sizeof(*rw));
		if (!w->region_zones[g] || !rw) {
			free(rw);
			rc = -ENOMEM;
			goto out;
		}
		n = 0;
		for (uint32_t z = 0; z < w->nzones; z++) {
			if (zw[z] > 0 && w->pubs[w->zones[z].pub].region == g) {
				w->region_zones[g][n] = z;
				rw[n++] = zw[z];
			}
		}
		int arc = alias_init(&w->region_zone_alias[g], rw, n);
		free(rw);
		if (arc) {
			rc = arc;
			goto out;
		}
		rc = 0;   /* at least one region has traffic */
	}
out:
	free(zw);
	free(rank);
	free(cnt);
	return rc;
}

static int build_pubs_zones(struct world *w, const struct world_params *p,
			    struct rng *r, double **pubw_out)
{
	double *pubw = pub_weights(p->pubs, r);
	double *sizew = malloc(w->nsizes * sizeof(*sizew));
	struct alias size_pick = { 0 };
	int rc = -ENOMEM;

	if (!pubw || !sizew)
		goto out;
	for (uint32_t s = 0; s < w->nsizes; s++)
		sizew[s] = w->sizes[s].share;
	if ((rc = alias_init(&size_pick, sizew, w->nsizes)))
		goto out;
	for (uint32_t i = 0; i < p->pubs; i++) {
		struct world_pub *pub = &w->pubs[i];

		pub->id = i + 1;
		pub->region = pub_region(p->seed, pub->id);
		if ((rc = build_domain(w, pub, i, p->seed)))
			goto out;
	}

	/* zones: every publisher gets one, the rest go by popularity */
	double rest = 0;
	for (uint32_t i = 0; i < p->pubs; i++)
		rest += pubw[i];
	uint32_t z = 0;
	for (uint32_t i = 0; i < p->pubs; i++) {
		uint32_t left = p->zones - z, pubs_left = p->pubs - i;
		uint32_t extra = left - pubs_left;
		uint32_t n = 1 + (uint32_t)(extra * (pubw[i] / rest) + 0.5);

		rest -= pubw[i];
		if (i == p->pubs - 1)
			n = left;
		if (n > left - (pubs_left - 1))
			n = left - (pubs_left - 1);
		for (uint32_t k = 0; k < n; k++, z++) {
			w->zones[z].id = z + 1;
			w->zones[z].pub = i;
			w->zones[z].size = alias_pick(&size_pick, r);
		}
	}
	rc = 0;
out:
	alias_release(&size_pick);
	free(sizew);
	if (rc) {
		free(pubw);
		pubw = NULL;
	}
	*pubw_out = pubw;
	return rc;
}

static void build_ads(struct world *w, struct rng *r)
{
	for (uint32_t c = 0; c < w->ncamps; c++) {
		w->camps[c].id = c + 1;
		w->camps[c].advertiser = 1 + c / 3;
	}
	for (uint32_t a = 0; a < w->nads; a++) {
		struct world_ad *ad = &w->ads[a];

		ad->id = a + 1;
		/* the first ads cover every size and every campaign */
		ad->camp = a < w->ncamps ? a : rng_below(r, w->ncamps);
		ad->size = a < w->nsizes ? a : rng_below(r, w->nsizes);
		ad->weight = 1 + rng_below(r, 100);
		ad->unsigned_ok = rng_chance(r, 0.10);
		ad->eligible = true;
	}
}

static int build_uas(struct world *w, struct rng *r)
{
	double *uw = malloc(w->nuas * sizeof(*uw));
	char buf[600];
	int rc = 0;

	if (!uw)
		return -ENOMEM;
	for (uint32_t i = 0; i < w->nuas; i++) {
		struct world_ua *ua = &w->uas[i];
		int f = (int)(i / UA_VARIANTS);
		int n = ua_render(buf, sizeof(buf), f, r);

		if (n <= 0 || (size_t)n >= sizeof(buf)) {
			rc = -EINVAL;
			goto out;
		}
		ua->s = arena_put(w, buf, (size_t)n);
		if (!ua->s) {
			rc = -ENOMEM;
			goto out;
		}
		ua->len = (uint16_t)n;
		ua->family = (uint8_t)f;
		ua->kind = families[f].kind;
	}
	for (int g = 0; g < WORLD_REGIONS; g++) {
		double sum = 0;

		for (int f = 0; f < F__COUNT; f++)
			sum += families[f].mix[g];
		/* within a family, newer versions (lower variant) dominate */
		for (uint32_t i = 0; i < w->nuas; i++)
			uw[i] = families[i / UA_VARIANTS].mix[g] / sum *
				zipf(i % UA_VARIANTS, 1.0) *
				(families[i / UA_VARIANTS].kind == UA_INAPP ?
				 w->inapp_scale : 1.0);
		if ((rc = alias_init(&w->region_ua_alias[g], uw, w->nuas)))
			goto out;
	}
out:
	free(uw);
	return rc;
}

/* The seed's people (docs/gen.md, "People vary by seed"): how deep the
 * night is and how much of the traffic comes through in-app browsers. */
static void draw_people(struct world *w, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, mix64(seed ^ 0x70656f706c65ull));  /* "people" */
	w->curve_k = rng_uniform(&r, 0.6, 1.3);
	w->inapp_scale = rng_log_uniform(&r, 0.5, 2.0);
}

/* Allocate the tables of w for the given counts; arena for domains. */
static int world_alloc(struct world *w, uint32_t pubs, uint32_t zones,
		       uint32_t camps, uint32_t ads, uint32_t sizes,
		       size_t domain_bytes)
{
	w->npubs = pubs;
	w->nzones = zones;
	w->ncamps = camps;
	w->nads = ads;
	w->nsizes = sizes;
	w->nuas = F__COUNT * UA_VARIANTS;
	w->arena_cap = domain_bytes + (size_t)w->nuas * 600;
	w->arena = malloc(w->arena_cap);
	w->pubs = calloc(pubs ? pubs : 1, sizeof(*w->pubs));
	w->zones = calloc(zones ? zones : 1, sizeof(*w->zones));
	w->camps = calloc(camps ? camps : 1, sizeof(*w->camps));
	w->ads = calloc(ads ? ads : 1, sizeof(*w->ads));
	w->sizes = calloc(sizes ? sizes : 1, sizeof(*w->sizes));
	w->uas = calloc(w->nuas, sizeof(*w->uas));
	if (!w->arena || !w->pubs || !w->zones || !w->camps || !w->ads ||
	    !w->sizes || !w->uas)
		return -ENOMEM;
	return 0;
}

int world_build(struct world *w, const struct world_params *p,
		char *err, size_t errlen)
{
	struct rng r;
	double *pubw = NULL;
	int rc;

	memset(w, 0, sizeof(*w));
	if (p->pubs == 0 || p->zones < p->pubs || p->camps == 0 ||
	    p->ads < p->camps || p->ads < WORLD_SIZES) {
		snprintf(err, errlen, "bad network size: need 1 <= pubs <= "
			 "zones, 1 <= camps <= ads, ads >= %d", WORLD_SIZES);
		return -EINVAL;
	}
	rng_seed(&r, mix64(p->seed ^ 0x776f726c64ull));  /* "world" */
	if ((rc = world_alloc(w, p->pubs, p->zones, p->camps, p->ads,
			      WORLD_SIZES, (size_t)p->pubs * 64)))
		goto fail;
	memcpy(w->sizes, world_sizes, sizeof(world_sizes));
	if ((rc = build_pubs_zones(w, p, &r, &pubw)))
		goto fail;
	build_ads(w, &r);
	draw_people(w, p->seed);
	if ((rc = build_uas(w, &r)) || (rc = world_finish(w, pubw, &r)))
		goto fail;
	free(pubw);
	return 0;
fail:
	free(pubw);
	snprintf(err, errlen, "cannot build the network: %s", strerror(-rc));
	world_release(w);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of the size w x h in w->sizes, added if new. */
static uint32_t size_index(struct world *w, uint32_t width, uint32_t height)
{
	for (uint32_t s = 0; s < w->nsizes; s++)
		if (w->sizes[s].w == width && w->sizes[s].h == height)
			return s;
	w->sizes[w->nsizes].w = (uint16_t)width;
	w->sizes[w->nsizes].h = (uint16_t)height;
	return w->nsizes++;
}

int world_from_inventory(struct world *w, const struct inventory *inv,
			 uint64_t seed, int64_t from_ms, int64_t to_ms,
			 char *err, size_t errlen)
{
	struct rng r;
	double *pubw = NULL;
	uint64_t *pub_ix = NULL;   /* id << 32 | index, sorted */
	size_t dom = 0;
	int rc = -ENOMEM;

	memset(w, 0, sizeof(*w));
	if (!inv->npubs || !inv->nzones || !inv->ncamps || !inv->nads) {
		snprintf(err, errlen, "inventory needs publishers, zones, "
			 "campaigns and ads");
		return -EINVAL;
	}
	for (size_t i = 0; i < inv->npubs; i++)
		dom += 64 + strlen(inv->pubs[i].domains);
	rng_seed(&r, mix64(seed ^ 0x776f726c64ull));
	if ((rc = world_alloc(w, (uint32_t)inv->npubs, (uint32_t)inv->nzones,
			      (uint32_t)inv->ncamps, (uint32_t)inv->nads, 0,
			      dom)))
		goto fail;
	free(w->sizes);
	w->sizes = calloc(inv->nzones + inv->nads, sizeof(*w->sizes));
	pub_ix = malloc(inv->npubs * sizeof(*pub_ix));
	pubw = pub_weights(w->npubs, &r);
	if (!w->sizes || !pub_ix || !pubw)
		goto fail;

	for (uint32_t i = 0; i < w->npubs; i++) {
		const struct inv_pub *ip = &inv->pubs[i];
		struct world_pub *pub = &w->pubs[i];
		const char *d = ip->domains;
		size_t n = strcspn(d, ",");
		char buf[80];

		pub->id = ip->id;
		pub->region = pub_region(seed, ip->id);
		if (n == 0 || (n == 1 && d[0] == '-') || n > 200) {
			n = (size_t)snprintf(buf, sizeof(buf), "pub%u.example", ip->id);
			d = buf;
		}
		pub->domain = arena_put(w, d, n);
		pub->domain_len = (uint16_t)n;
		if (!pub->domain)
			goto fail;
		pub_ix[i] = (uint64_t)ip->id << 32 | i;
	}
	qsort(pub_ix, w->npubs, sizeof(*pub_ix), cmp_u64);
	for (uint32_t i = 0; i < w->nzones; i++) {
		const struct inv_zone *iz = &inv->zones[i];
		uint64_t key = (uint64_t)iz->pub << 32, *hit;
		size_t lo = 0, hi = w->npubs;

		/* first entry >= key: the zone's publisher (refs resolve) */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (pub_ix[mid] < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		hit = &pub_ix[lo < w->npubs ? lo : 0];
		w->zones[i].id = iz->id;
		w->zones[i].pub = (uint32_t)*hit;
		w->zones[i].size = size_index(w, iz->width, iz->height);
	}
	for (uint32_t i = 0; i < w->ncamps; i++) {
		w->camps[i].id = inv->camps[i].id;
		w->camps[i].advertiser = inv->camps[i].advertiser;
	}
	for (uint32_t i = 0; i < w->nads; i++) {
		const struct inv_ad *ia = &inv->ads[i];
		const struct inv_camp *c = ia->campaign;
		struct world_ad *ad = &w->ads[i];

		ad->id = ia->id;
		ad->camp = (uint32_t)(c - inv->camps);
		ad->size = size_index(w, ia->width, ia->height);
		ad->weight = ia->weight;
		ad->unsigned_ok = ia->unsigned_ok;
		/* serve would show it during the whole span */
		ad->eligible = ia->weight > 0 && c->active &&
			       c->start_s * 1000 <= from_ms &&
			       (c->end_s == 0 || c->end_s * 1000 >= to_ms);
	}
	draw_people(w, seed);
	if ((rc = build_uas(w, &r)))
		goto fail;
	if ((rc = world_finish(w, pubw, &r)) == -EINVAL) {
		snprintf(err, errlen, "no zone of the inventory has an ad "
			 "that serve could show during the whole span");
		goto fail_msg;
	}
	if (rc)
		goto fail;
	free(pubw);
	free(pub_ix);
	return 0;
fail:
	snprintf(err, errlen, "cannot build the network: %s", strerror(-rc));
fail_msg:
	free(pubw);
	free(pub_ix);
	world_release(w);
	return rc;
}

void world_release(struct world *w)
{
	for (uint32_t s = 0; s < w->nsizes; s++) {
		if (w->size_ads)
			free(w->size_ads[s]);
		if (w->size_alias)
			alias_release(&w->size_alias[s]);
	}
	free(w->size_ads);
	free(w->size_alias);
	for (int g = 0; g < WORLD_REGIONS; g++) {
		free(w->region_zones[g]);
		alias_release(&w->region_zone_alias[g]);
		alias_release(&w->region_ua_alias[g]);
	}
	free(w->pubs);
	free(w->zones);
	free(w->camps);
	free(w->ads);
	free(w->sizes);
	free(w->uas);
	free(w->arena);
	memset(w, 0, sizeof(*w));
}

int world_add_hidden_zones(struct world *w, uint32_t pub, uint32_t n)
{
	uint32_t size = UINT32_MAX, max_id = 0;
	struct world_zone *z;

	for (uint32_t i = 0; i < w->nzones; i++) {
		if (w->zones[i].id > max_id)
			max_id = w->zones[i].id;
		if (size == UINT32_MAX && w->zones[i].pub == pub &&
		    w->size_ads[w->zones[i].size])
			size = w->zones[i].size;
	}
	if (size == UINT32_MAX)
		return -EINVAL;
	if (!(z = realloc(w->zones, (w->nzones + n) * sizeof(*z))))
		return -ENOMEM;
	w->zones = z;
	for (uint32_t k = 0; k < n; k++)
		w->zones[w->nzones++] = (struct world_zone){
			.id = max_id + 1 + k, .pub = pub, .size = size,
		};
	w->nhidden += n;
	return 0;
}

int world_write_inventory(const struct world *w, FILE *f)
{
	char version[64], name[256], img[64], land[96];
	int rc;

	snprintf(version, sizeof(version), "gen-%u-%u-%u-%u", w->npubs,
		 w->nzones, w->ncamps, w->nads);
	rc = inventory_write_header(f, version,
				    "written by adlog-gen; ids match its generated traffic");
	for (uint32_t i = 0; i < w->npubs && !rc; i++) {
		const struct world_pub *p = &w->pubs[i];

		snprintf(name, sizeof(name), "%.*s",
			 (int)(strchr(p->domain, '.') - p->domain), p->domain);
		rc = inventory_write_pub(f, p->id, name, p->domain);
	}
	for (uint32_t i = 0; i < w->ncamps && !rc; i++)
		rc = inventory_write_camp(f, w->camps[i].id,
					  w->camps[i].advertiser, 1577836800, 0,
					  true);
	for (uint32_t i = 0; i < w->nzones && !rc; i++) {
		const struct world_zone *z = &w->zones[i];

		rc = inventory_write_zone(f, z->id, w->pubs[z->pub].id,
					  w->sizes[z->size].w,
					  w->sizes[z->size].h);
	}
	for (uint32_t i = 0; i < w->nads && !rc; i++) {
		const struct world_ad *a = &w->ads[i];
		const struct world_camp *c = &w->camps[a->camp];

		snprintf(img, sizeof(img), "https://cdn.adlog.example/img/%u.png",
			 a->id);
		snprintf(land, sizeof(land),
			 "https://adv%u.example.com/landing?ad=%u", c->advertiser,
			 a->id);
		rc = inventory_write_ad(f, a->id, c->id, w->sizes[a->size].w,
					w->sizes[a->size].h, a->weight,
					a->unsigned_ok, img, land);
	}
	return rc || fflush(f) || ferror(f) ? -EIO : 0;
}
