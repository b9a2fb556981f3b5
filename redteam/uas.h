/* uas.h - the user agents adlog-redteam's people, crawlers and bots send:
 * real-looking strings built from the published formats of each browser,
 * in-app browser, crawler, link-preview fetcher and HTTP library, with
 * version spreads drawn per seed.
 *
 * Ownership: rt_uas_init() allocates every string; rt_uas_release() frees
 * them.  Indices stay valid until then. */
#ifndef ADLOG_REDTEAM_UAS_H
#define ADLOG_REDTEAM_UAS_H

#include <stdbool.h>
#include <stdint.h>

#include "rtrand.h"

enum rt_ua_kind {
	UA_DESKTOP,      /* Chrome, Edge, Firefox, Safari, Opera on desktops */
	UA_MOBILE,       /* phone and tablet browsers */
	UA_INAPP,        /* Facebook, Instagram, TikTok, WeChat, LINE, Snapchat webviews */
	UA_CHEAP_PHONE,  /* low-cost Android models, as in device farms */
	UA_CRAWLER,      /* declared search and SEO crawlers */
	UA_PREVIEW,      /* link-preview fetchers of chat and social apps */
	UA_SCRIPT,       /* HTTP libraries and command-line clients */
	UA_HEADLESS,     /* headless browsers that say so */
	UA__KINDS
};

enum rt_ua_trait {
	UA_T_WEBKIT_ITP = 1,  /* blocks third-party cookies (Safari, iOS webviews) */
	UA_T_MOBILE = 2,
};

struct rt_uas {
	char **s;
	uint8_t *trait;
	uint32_t n, cap;
	uint32_t first[UA__KINDS];
	struct rt_table pick[UA__KINDS];
};

/* Build every pool; the version mix depends on rng.  0 or -ENOMEM. */
int rt_uas_init(struct rt_uas *u, struct rt_rng *rng);
void rt_uas_release(struct rt_uas *u);
/* One user agent of the kind, by its popularity. */
uint32_t rt_ua_pick(const struct rt_uas *u, enum rt_ua_kind k, struct rt_rng *r);
static inline const char *rt_ua_str(const struct rt_uas *u, uint32_t i)
{
	return u->s[i];
}
static inline bool rt_ua_has(const struct rt_uas *u, uint32_t i, unsigned t)
{
	return (u->trait[i] & t) != 0;
}

#endif
