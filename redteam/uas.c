/* uas.c - user-agent pools built from each client's published UA format.
 * Templates name the parts that vary: {V} major version, {B} and {P} build
 * numbers, {M} an Android device model, {A} an Android release, {I}/{i}
 * an iOS release as 17_4 / 17.4. */
#include "uas.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tmpl {
	enum rt_ua_kind kind;
	double weight;
	uint8_t trait;
	int vmin, vmax;        /* {V} range: later versions are more common */
	const char *fmt;
};

#define CHROME_V 112, 131
#define WK UA_T_WEBKIT_ITP
#define MOB UA_T_MOBILE

static const struct tmpl tmpls[] = {
	/* desktop (Chrome's reduced UA string since version 101) */
	{ UA_DESKTOP, 40, 0, CHROME_V, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Safari/537.36" },
	{ UA_DESKTOP, 10, 0, CHROME_V, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Safari/537.36" },
	{ UA_DESKTOP, 3, 0, CHROME_V, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Safari/537.36" },
	{ UA_DESKTOP, 12, 0, CHROME_V, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Safari/537.36 Edg/{V}.0.{B}.{P}" },
	{ UA_DESKTOP, 7, 0, 115, 133, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{V}.0) Gecko/20100101 Firefox/{V}.0" },
	{ UA_DESKTOP, 2, 0, 115, 133, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{V}.0) Gecko/20100101 Firefox/{V}.0" },
	{ UA_DESKTOP, 2, 0, 115, 133, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:{V}.0) Gecko/20100101 Firefox/{V}.0" },
	{ UA_DESKTOP, 9, WK, 16, 18, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{V}.{P} Safari/605.1.15" },
	{ UA_DESKTOP, 2, 0, CHROME_V, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Safari/537.36 OPR/{B}.0.0.0" },
	{ UA_DESKTOP, 1, 0, CHROME_V, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 YaBrowser/24.{P}.0.0 Safari/537.36" },
	/* phones and tablets */
	{ UA_MOBILE, 34, MOB, CHROME_V, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.0.0 Mobile Safari/537.36" },
	{ UA_MOBILE, 26, WK | MOB, 15, 18, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{i} Mobile/15E148 Safari/604.1" },
	{ UA_MOBILE, 4, WK | MOB, 15, 18, "Mozilla/5.0 (iPad; CPU OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{i} Mobile/15E148 Safari/604.1" },
	{ UA_MOBILE, 4, WK | MOB, CHROME_V, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{V}.0.{B}.{P} Mobile/15E148 Safari/604.1" },
	{ UA_MOBILE, 8, MOB, 20, 27, "Mozilla/5.0 (Linux; Android {A}; SAMSUNG {M}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{V}.0 Chrome/121.0.0.0 Mobile Safari/537.36" },
	{ UA_MOBILE, 1, MOB, 115, 133, "Mozilla/5.0 (Android {A}; Mobile; rv:{V}.0) Gecko/{V}.0 Firefox/{V}.0" },
	{ UA_MOBILE, 2, MOB, 13, 15, "Mozilla/5.0 (Linux; U; Android {A}; en-US; {M} Build/RP1A.201005.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/{V}.6.0.{B} Mobile Safari/537.36" },
	{ UA_MOBILE, 2, MOB, 14, 18, "Mozilla/5.0 (Linux; U; Android {A}; en-us; {M} Build/TKQ1.221114.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 XiaoMi/MiuiBrowser/{V}.{P}.0-gn" },
	/* in-app browsers (webviews carry the app's own marker) */
	{ UA_INAPP, 10, WK | MOB, 440, 490, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/{V}.0.0.{B}.{P};FBBV/{B}{P};FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/{i};FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/5]" },
	{ UA_INAPP, 12, MOB, 440, 490, "Mozilla/5.0 (Linux; Android {A}; {M} Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.{P} Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/{V}.0.0.{B}.{P};]" },
	{ UA_INAPP, 8, WK | MOB, 300, 350, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram {V}.0.0.{B}.{P} (iPhone13,2; iOS {I}; en_US; en; scale=3.00; 1170x2532; {B}{P})" },
	{ UA_INAPP, 6, MOB, 300, 350, "Mozilla/5.0 (Linux; Android {A}; {M} Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.{P} Mobile Safari/537.36 Instagram {V}.0.0.{B}.{P} Android (33/13; 420dpi; 1080x2400; samsung; {M}; a53x; s5e8825; en_US; {B}{P})" },
	{ UA_INAPP, 5, MOB, 330, 370, "Mozilla/5.0 (Linux; Android {A}; {M} Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.{P} Mobile Safari/537.36 musical_ly_{V}0{P} JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/{V}.{P}.0 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6" },
	{ UA_INAPP, 6, MOB, 40, 54, "Mozilla/5.0 (Linux; Android {A}; {M} Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/{B} MicroMessenger/8.0.{V}.{B}(0x2800{P}39) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64" },
	{ UA_INAPP, 3, WK | MOB, 40, 54, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.{V}(0x1800{P}2b) NetType/WIFI Language/zh_CN" },
	{ UA_INAPP, 2, WK | MOB, 13, 14, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/{V}.{P}.0" },
	{ UA_INAPP, 2, WK | MOB, 12, 13, "Mozilla/5.0 (iPhone; CPU iPhone OS {I} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/{V}.{P}.0.{B} (like Safari/8617.1.17.10.9, panda)" },
	/* low-cost Android phones */
	{ UA_CHEAP_PHONE, 10, MOB, 100, 126, "Mozilla/5.0 (Linux; Android {A}; {M}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.{B}.{P} Mobile Safari/537.36" },
	{ UA_CHEAP_PHONE, 3, MOB, 100, 126, "Mozilla/5.0 (Linux; Android {A}; {M} Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/{V}.0.{B}.{P} Mobile Safari/537.36" },
	/* declared crawlers, as each operator documents them */
	{ UA_CRAWLER, 20, 0, 2, 2, "Mozilla/5.0 (compatible; Googlebot/{V}.1; +http://www.google.com/bot.html)" },
	{ UA_CRAWLER, 20, MOB, CHROME_V, "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{V}.0.{B}.{P} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" },
	{ UA_CRAWLER, 6, 0, 1, 1, "Mediapartners-Google" },
	{ UA_CRAWLER, 4, 0, 1, 1, "AdsBot-Google (+http://www.google.com/adsbot.html)" },
	{ UA_CRAWLER, 12, 0, CHROME_V, "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/{V}.0.{B}.{P} Safari/537.36" },
	{ UA_CRAWLER, 8, 0, 7, 7, "Mozilla/5.0 (compatible; AhrefsBot/{V}.0; +http://ahrefs.com/robot/)" },
	{ UA_CRAWLER, 6, 0, 7, 7, "Mozilla/5.0 (compatible; SemrushBot/{V}~bl; +http://www.semrush.com/bot.html)" },
	{ UA_CRAWLER, 5, 0, 3, 3, "Mozilla/5.0 (compatible; YandexBot/{V}.0; +http://yandex.com/bots)" },
	{ UA_CRAWLER, 4, 0, 2, 2, "Mozilla/5.0 (compatible; Baiduspider/{V}.0; +http://www.baidu.com/search/spider.html)" },
	{ UA_CRAWLER, 4, 0, 1, 1, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.{V}; +http://www.apple.com/go/applebot)" },
	{ UA_CRAWLER, 5, 0, 1, 1, "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/{V}.2; +https://openai.com/gptbot" },
	{ UA_CRAWLER, 5, 0, 1, 1, "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)" },
	{ UA_CRAWLER, 3, 0, 1, 1, "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)" },
	{ UA_CRAWLER, 2, 0, 1, 1, "DuckDuckBot/1.{V}; (+http://duckduckgo.com/duckduckbot.html)" },
	{ UA_CRAWLER, 2, 0, 1, 1, "Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)" },
	{ UA_CRAWLER, 2, 0, 1, 1, "Mozilla/5.0 (compatible; DotBot/1.2; +https://opensiteexplorer.org/dotbot; help@moz.com)" },
	{ UA_CRAWLER, 2, 0, 2, 2, "CCBot/{V}.0 (https://commoncrawl.org/faq/)" },
	/* link previews */
	{ UA_PREVIEW, 20, 0, 1, 1, "facebookexternalhit/1.{V} (+http://www.facebook.com/externalhit_uatext.php)" },
	{ UA_PREVIEW, 8, 0, 1, 1, "Twitterbot/1.0" },
	{ UA_PREVIEW, 8, 0, 1, 1, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" },
	{ UA_PREVIEW, 12, 0, 21, 24, "WhatsApp/2.{V}.{P}.{B} A" },
	{ UA_PREVIEW, 6, 0, 1, 1, "TelegramBot (like TwitterBot)" },
	{ UA_PREVIEW, 5, 0, 2, 2, "Mozilla/5.0 (compatible; Discordbot/{V}.0; +https://discordapp.com)" },
	{ UA_PREVIEW, 4, 0, 1, 1, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)" },
	{ UA_PREVIEW, 2, 0, 1, 1, "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5" },
	{ UA_PREVIEW, 2, 0, 1, 1, "Iframely/1.3.1 (+https://iframely.com/docs/about)" },
	{ UA_PREVIEW, 2, 0, 1, 1, "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)" },
	{ UA_PREVIEW, 2, 0, 1, 1, "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)" },
	/* HTTP libraries */
	{ UA_SCRIPT, 14, 0, 25, 32, "python-requests/2.{V}.{P}" },
	{ UA_SCRIPT, 8, 0, 7, 8, "curl/{V}.{B}.{P}" },
	{ UA_SCRIPT, 8, 0, 1, 2, "Go-http-client/{V}.1" },
	{ UA_SCRIPT, 6, 0, 3, 4, "okhttp/{V}.{P}.0" },
	{ UA_SCRIPT, 4, 0, 8, 8, "Java/1.{V}.0_{B}" },
	{ UA_SCRIPT, 4, 0, 4, 4, "Apache-HttpClient/{V}.5.{P} (Java/1.8.0_{B})" },
	{ UA_SCRIPT, 3, 0, 1, 1, "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)" },
	{ UA_SCRIPT, 3, 0, 0, 1, "axios/{V}.{P}.{P}" },
	{ UA_SCRIPT, 2, 0, 2, 2, "Scrapy/{V}.{P}.0 (+https://scrapy.org)" },
	{ UA_SCRIPT, 2, 0, 1, 1, "Wget/{V}.21.{P}" },
	{ UA_SCRIPT, 3, 0, 1, 2, "python-urllib3/{V}.26.{B}" },
	{ UA_SCRIPT, 2, 0, 3, 3, "aiohttp/{V}.{P}.{P}" },
	{ UA_SCRIPT, 1, 0, 7, 7, "PostmanRuntime/{V}.{B}.0" },
	/* headless browsers that still say so */
	{ UA_HEADLESS, 10, 0, CHROME_V, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/{V}.0.0.0 Safari/537.36" },
	{ UA_HEADLESS, 4, 0, CHROME_V, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/{V}.0.{B}.{P} Safari/537.36" },
	{ UA_HEADLESS, 1, 0, 2, 2, "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/{V}.1.1 Safari/538.1" },
};

static const char *const models[] = {
	"SM-A536B", "SM-A546B", "SM-S911B", "SM-S918B", "SM-G991B", "SM-A145F",
	"Pixel 7", "Pixel 8", "Pixel 6a", "2201117TG", "23021RAAEG", "M2101K6G",
	"CPH2409", "V2207", "RMX3630", "moto g(60)", "motorola edge 30",
};
static const char *const cheap_models[] = {
	"SM-A105F", "SM-J260F", "SM-A022F", "Redmi Note 8", "M2006C3LG",
	"CPH2185", "vivo 1906", "TECNO KE5", "itel A571W", "Infinix X657",
	"RMX2185", "SM-A032F", "220333QAG",
};

/* Expand one template into dst; false if it does not fit. */
static bool expand(const struct tmpl *t, struct rt_rng *r, char *dst, size_t cap)
{
	int v = t->vmax - (int)(t->vmax - t->vmin + 1 > 1 ?
		rt_below(r, (uint32_t)(t->vmax - t->vmin + 1)) *
		rt_unit(r) : 0);
	int ios_major = 15 + (int)rt_below(r, 4), ios_minor = (int)rt_below(r, 7);
	int android = 10 + (int)rt_below(r, 5);
	bool cheap = t->kind == UA_CHEAP_PHONE;
	const char *model = cheap ?
		cheap_models[rt_below(r, sizeof(cheap_models) / sizeof(*cheap_models))] :
		models[rt_below(r, sizeof(models) / sizeof(*models))];
	int b = 1000 + (int)rt_below(r, 8000), p = (int)rt_below(r, 200);
	size_t n = 0;

	if (cheap)
		android = 8 + (int)rt_below(r, 5);
	for (const char *s = t->fmt; *s; s++) {
		char tmp[48];
		int k = 0;

		if (s[0] == '{' && s[1] && s[2] == '}') {
			switch (s[1]) {
			case 'V': k = snprintf(tmp, sizeof(tmp), "%d", v); break;
			case 'B': k = snprintf(tmp, sizeof(tmp), "%d", b); break;
			case 'P': k = snprintf(tmp, sizeof(tmp), "%d", p); break;
			case 'A': k = snprintf(tmp, sizeof(tmp), "%d", android); break;
			case 'M': k = snprintf(tmp, sizeof(tmp), "%s", model); break;
			case 'I': k = snprintf(tmp, sizeof(tmp), "%d_%d", ios_major, ios_minor); break;
			case 'i': k = snprintf(tmp, sizeof(tmp), "%d.%d", ios_major, ios_minor); break;
			default: tmp[0] = '?'; k = 1; break;
			}
			s += 2;
		} else {
			tmp[0] = *s;
			k = 1;
		}
		if (k < 0 || n + (size_t)k + 1 > cap)
			return false;
		memcpy(dst + n, tmp, (size_t)k);
		n += (size_t)k;
	}
	dst[n] = 0;
	return true;
}

static int add(struct rt_uas *u, const char *s, uint8_t trait)
{
	if (u->n == u->cap) {
		uint32_t cap = u->cap ? u->cap * 2 : 512;
		char **ns = realloc(u->s, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		u->s = ns;
		uint8_t *nt = realloc(u->trait, cap);

		if (!nt)
			return -ENOMEM;
		u->trait = nt;
		u->cap = cap;
	}
	if (!(u->s[u->n] = strdup(s)))
		return -ENOMEM;
	u->trait[u->n++] = trait;
	return 0;
}

int rt_uas_init(struct rt_uas *u, struct rt_rng *rng)
{
	size_t nt = sizeof(tmpls) / sizeof(*tmpls);
	double *w = NULL;
	size_t wcap = 0;
	int rc = -ENOMEM;

	memset(u, 0, sizeof(*u));
	for (unsigned k = 0; k < UA__KINDS; k++) {
		uint32_t first = u->n;

		u->first[k] = first;
		for (size_t i = 0; i < nt; i++) {
			const struct tmpl *t = &tmpls[i];
			/* fixed strings once, versioned ones in several builds
			 * whose shares of the template's weight differ */
			unsigned variants = strchr(t->fmt, '{') ? 6 + rt_below(rng, 10) : 1;
			char buf[512];

			if (t->kind != k)
				continue;
			for (unsigned j = 0; j < variants; j++) {
				if (!expand(t, rng, buf, sizeof(buf)))
					continue;
				if ((rc = add(u, buf, t->trait)))
					goto out;
				if (u->n - first > wcap) {
					double *nw = realloc(w, (wcap = 2 * wcap + 64) * sizeof(*w));

					if (!nw) {
						rc = -ENOMEM;
						goto out;
					}
					w = nw;
				}
				w[u->n - 1 - first] = t->weight / variants *
						      rt_logrange(rng, 0.2, 1.0);
			}
		}
		if ((rc = rt_table_init(&u->pick[k], w, u->n - first)))
			goto out;
	}
	rc = 0;
out:
	free(w);
	return rc;
}

void rt_uas_release(struct rt_uas *u)
{
	for (uint32_t i = 0; i < u->n; i++)
		free(u->s[i]);
	free(u->s);
	free(u->trait);
	for (unsigned k = 0; k < UA__KINDS; k++)
		rt_table_release(&u->pick[k]);
	memset(u, 0, sizeof(*u));
}

uint32_t rt_ua_pick(const struct rt_uas *u, enum rt_ua_kind k, struct rt_rng *r)
{
	return u->first[k] + rt_table_pick(&u->pick[k], r);
}
