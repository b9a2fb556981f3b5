/* world.c - builds the synthetic ad network that adlog-gen's traffic runs
 * on: who publishes, what is advertised, which browsers visit.  Popularity
 * is Zipf-like everywhere (a few publishers and zones take most traffic),
 * and the browser mix differs by region (in-app WeChat and UC are common in
 * the UTC+8 region, Facebook and Instagram in the others). */
#include "world.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

double world_region_weight(int g, int64_t hour_ms)
{
	double sum = 0;
	int64_t utc_h = (hour_ms / 3600000) % 24;
	int h = (int)((utc_h + world_regions[g].utc_offset_h + 48) % 24);

	for (int i = 0; i < 24; i++)
		sum += local_curve[i];
	return world_regions[g].share * local_curve[h] * 24.0 / sum;
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

static int build_pubs_zones(struct world *w, const struct world_params *p,
			    struct rng *r)
{
	double *pubw = malloc(p->pubs * sizeof(*pubw));
	double *zw = malloc(p->zones * sizeof(*zw));
	uint32_t *cnt = calloc(WORLD_REGIONS, sizeof(*cnt));
	double *sizew = malloc(WORLD_SIZES * sizeof(*sizew));
	struct alias size_pick = { 0 };
	int rc = -ENOMEM;

	if (!pubw || !zw || !cnt || !sizew)
		goto out;
	for (int s = 0; s < WORLD_SIZES; s++)
		sizew[s] = world_sizes[s].share;
	if ((rc = alias_init(&size_pick, sizew, WORLD_SIZES)))
		goto out;

	/* publishers: region by traffic share, popularity by Zipf rank in a
	 * shuffled order so that id 1 is not always the biggest */
	double rw[WORLD_REGIONS];
	for (int g = 0; g < WORLD_REGIONS; g++)
		rw[g] = world_regions[g].share;
	struct alias region_pick;
	if ((rc = alias_init(&region_pick, rw, WORLD_REGIONS)))
		goto out;
	for (uint32_t i = 0; i < p->pubs; i++) {
		struct world_pub *pub = &w->pubs[i];

		pub->id = i + 1;
		pub->region = (uint8_t)alias_pick(&region_pick, r);
		if ((rc = build_domain(w, pub, i, p->seed)))
			break;
		pubw[i] = zipf(i, 1.1);
	}
	alias_release(&region_pick);
	if (rc)
		goto out;
	for (uint32_t i = p->pubs; i > 1; i--) {
		uint32_t j = rng_below(r, i);
		double t = pubw[i - 1];

		pubw[i - 1] = pubw[j];
		pubw[j] = t;
	}

	/* zones: every publisher gets one, the rest go by popularity */
	uint32_t z = 0;
	for (uint32_t i = 0; i < p->pubs; i++) {
		double pw_sum = 0;

		for (uint32_t k = 0; k < p->pubs; k++)
			pw_sum += k >= i ? pubw[k] : 0;
		uint32_t left = p->zones - z, pubs_left = p->pubs - i;
		uint32_t extra = left - pubs_left;
		uint32_t n = 1 + (uint32_t)(extra * (pubw[i] / pw_sum) + 0.5);

		if (i == p->pubs - 1)
			n = left;
		if (n > left - (pubs_left - 1))
			n = left - (pubs_left - 1);
		w->pubs[i].zone_first = z;
		w->pubs[i].zone_count = n;
		for (uint32_t k = 0; k < n; k++, z++) {
			struct world_zone *zone = &w->zones[z];

			zone->id = z + 1;
			zone->pub = i;
			zone->size = (uint8_t)alias_pick(&size_pick, r);
			/* log-uniform in 0.1%..1% */
			zone->ctr = (float)(0.001 * pow(10.0, rng_unit(r)));
			zw[z] = pubw[i] * zipf(k, 1.0);
			cnt[w->pubs[i].region]++;
		}
	}

	for (int g = 0; g < WORLD_REGIONS; g++) {
		uint32_t n = 0;
		double *gw;

		w->region_zones[g] = malloc((cnt[g] ? cnt[g] : 1) * sizeof(uint32_t));
		gw = malloc((cnt[g] ? cnt[g] : 1) * sizeof(*gw));
		if (!w->region_zones[g] || !gw) {
			free(gw);
			rc = -ENOMEM;
			goto out;
		}
		for (uint32_t k = 0; k < p->zones; k++) {
			if (w->pubs[w->zones[k].pub].region != g)
				continue;
			w->region_zones[g][n] = k;
			gw[n++] = zw[k];
		}
		if (n == 0) {   /* a region without publishers borrows zone 0 */
			w->region_zones[g][0] = 0;
			gw[0] = 1;
			n = 1;
		}
		rc = alias_init(&w->region_zone_alias[g], gw, n);
		free(gw);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	alias_release(&size_pick);
	free(pubw);
	free(zw);
	free(cnt);
	free(sizew);
	return rc;
}

static int build_ads(struct world *w, const struct world_params *p,
		     struct rng *r)
{
	uint32_t cnt[WORLD_SIZES] = { 0 };

	for (uint32_t c = 0; c < p->camps; c++) {
		w->camps[c].id = c + 1;
		w->camps[c].advertiser = 1 + c / 3;
	}
	for (uint32_t a = 0; a < p->ads; a++) {
		struct world_ad *ad = &w->ads[a];

		ad->id = a + 1;
		/* the first ads cover every size and every campaign */
		ad->camp = a < p->camps ? a : rng_below(r, p->camps);
		ad->size = (uint8_t)(a < WORLD_SIZES ? a : rng_below(r, WORLD_SIZES));
		ad->weight = 1 + rng_below(r, 100);
		ad->unsigned_ok = rng_chance(r, 0.10);
		cnt[ad->size]++;
	}
	for (int s = 0; s < WORLD_SIZES; s++) {
		double *sw = malloc(cnt[s] * sizeof(*sw));
		uint32_t n = 0;
		int rc;

		w->size_ads[s] = malloc(cnt[s] * sizeof(uint32_t));
		if (!sw || !w->size_ads[s]) {
			free(sw);
			return -ENOMEM;
		}
		for (uint32_t a = 0; a < p->ads; a++) {
			if (w->ads[a].size != s)
				continue;
			w->size_ads[s][n] = a;
			sw[n++] = w->ads[a].weight;
		}
		rc = alias_init(&w->size_alias[s], sw, n);
		free(sw);
		if (rc)
			return rc;
	}
	return 0;
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
				zipf(i % UA_VARIANTS, 1.0);
		if ((rc = alias_init(&w->region_ua_alias[g], uw, w->nuas)))
			goto out;
	}
out:
	free(uw);
	return rc;
}

int world_build(struct world *w, const struct world_params *p,
		char *err, size_t errlen)
{
	struct rng r;
	int rc = -ENOMEM;

	memset(w, 0, sizeof(*w));
	if (p->pubs == 0 || p->zones < p->pubs || p->camps == 0 ||
	    p->ads < p->camps || p->ads < WORLD_SIZES) {
		snprintf(err, errlen, "world needs 1 <= pubs <= zones and "
			 "camps <= ads, ads >= %d", WORLD_SIZES);
		return -EINVAL;
	}
	rng_seed(&r, mix64(p->seed ^ 0x776f726c64ull));  /* "world" */
	w->npubs = p->pubs;
	w->nzones = p->zones;
	w->ncamps = p->camps;
	w->nads = p->ads;
	w->nuas = F__COUNT * UA_VARIANTS;
	w->arena_cap = (size_t)p->pubs * 64 + (size_t)w->nuas * 600;
	w->arena = malloc(w->arena_cap);
	w->pubs = calloc(p->pubs, sizeof(*w->pubs));
	w->zones = calloc(p->zones, sizeof(*w->zones));
	w->camps = calloc(p->camps, sizeof(*w->camps));
	w->ads = calloc(p->ads, sizeof(*w->ads));
	w->uas = calloc(w->nuas, sizeof(*w->uas));
	if (!w->arena || !w->pubs || !w->zones || !w->camps || !w->ads || !w->uas)
		goto fail;
	if ((rc = build_pubs_zones(w, p, &r)) || (rc = build_ads(w, p, &r)) ||
	    (rc = build_uas(w, &r)))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot build the world: %s", strerror(-rc));
	world_release(w);
	return rc;
}

void world_release(struct world *w)
{
	for (int s = 0; s < WORLD_SIZES; s++) {
		free(w->size_ads[s]);
		alias_release(&w->size_alias[s]);
	}
	for (int g = 0; g < WORLD_REGIONS; g++) {
		free(w->region_zones[g]);
		alias_release(&w->region_zone_alias[g]);
		alias_release(&w->region_ua_alias[g]);
	}
	free(w->pubs);
	free(w->zones);
	free(w->camps);
	free(w->ads);
	free(w->uas);
	free(w->arena);
	memset(w, 0, sizeof(*w));
}

int world_write_inventory(const struct world *w, FILE *f)
{
	fprintf(f, "adlog-inventory\t1\n"
		"# written by adlog-gen; ids match its generated traffic\n"
		"version\tgen-%u-%u-%u-%u\n",
		w->npubs, w->nzones, w->ncamps, w->nads);
	for (uint32_t i = 0; i < w->npubs; i++) {
		const struct world_pub *p = &w->pubs[i];
		fprintf(f, "pub\t%u\t%.*s\t%s\n", p->id,
			(int)(strchr(p->domain, '.') - p->domain), p->domain,
			p->domain);
	}
	for (uint32_t i = 0; i < w->ncamps; i++)
		fprintf(f, "camp\t%u\t%u\t1577836800\t0\tactive\n",
			w->camps[i].id, w->camps[i].advertiser);
	for (uint32_t i = 0; i < w->nzones; i++) {
		const struct world_zone *z = &w->zones[i];
		fprintf(f, "zone\t%u\t%u\t%u\t%u\n", z->id, w->pubs[z->pub].id,
			world_sizes[z->size].w, world_sizes[z->size].h);
	}
	for (uint32_t i = 0; i < w->nads; i++) {
		const struct world_ad *a = &w->ads[i];
		const struct world_camp *c = &w->camps[a->camp];
		fprintf(f, "ad\t%u\t%u\t%u\t%u\t%u\t%d\t"
			"https://cdn.adlog.example/img/%u.png\t"
			"https://adv%u.example.com/landing?ad=%u\n",
			a->id, c->id, world_sizes[a->size].w,
			world_sizes[a->size].h, a->weight, a->unsigned_ok,
			a->id, c->advertiser, a->id);
	}
	return fflush(f) || ferror(f) ? -EIO : 0;
}
