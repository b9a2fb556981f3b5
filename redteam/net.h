/* net.h - the world adlog-redteam's traffic happens in: regions with their
 * consumer, mobile-carrier and data-centre address blocks, the ad network
 * (publishers with domains, zones, campaigns, ads: written out as the
 * inventory file serve reads) and the referer URLs events carry.
 *
 * Ownership: rt_net_init() allocates everything; rt_net_release() frees it. */
#ifndef ADLOG_REDTEAM_NET_H
#define ADLOG_REDTEAM_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "rtrand.h"

#define RT_REGIONS 8

struct rt_prefix {
	struct event_addr base;
	uint8_t len;
};

struct rt_blocks {
	struct rt_prefix *p;
	uint32_t n;
};

enum rt_block_kind {
	BK_HOME4, BK_HOME6, BK_MOBILE4, BK_MOBILE6, BK__REGION,
};

struct rt_region {
	const char *name;
	int utc_off_min;
	struct rt_blocks b[BK__REGION];
};

/* Address blocks that are not a region's consumers. */
enum rt_dc_kind {
	DC_CLOUD,       /* public clouds and hosting providers */
	DC_VPN,         /* hosting ranges that commercial VPNs exit from */
	DC_GOOGLE, DC_BING, DC_APPLE, DC_YANDEX, DC_BAIDU, DC_SEO, DC_AI,
	DC_META, DC_TWITTER, DC_TELEGRAM, DC_LINKEDIN,
	DC__KINDS
};

struct rt_pub {
	uint32_t id;
	char domain[48];
	char domain2[48];        /* a second registered domain, or "" */
	uint8_t region;
	uint8_t url_style;
	bool mobile_host;        /* serves phones from m.DOMAIN */
	uint32_t zone_first, zone_n;   /* its visible zones, contiguous */
	uint32_t pages;          /* articles on the site */
	double pop;
};

struct rt_zone {
	uint32_t id, pub;        /* pub: index into pubs */
	uint16_t w, h;
	uint8_t size;
	double ctr;              /* people's click-through rate on it */
	double presence;         /* share of the publisher's pages carrying it */
	bool hidden;             /* no person sees it (a fraud family's) */
};

struct rt_ad {
	uint32_t id, camp;
	uint16_t w, h;
	uint32_t weight;
	bool unsigned_ok;
};

enum rt_ref_kind {
	REF_NONE, REF_PAGE, REF_ORIGIN, REF_AMP, REF_TRANSLATE,
	REF_FOREIGN, REF_SEARCH, REF_APP,
};

struct rt_net {
	struct rt_region reg[RT_REGIONS];
	double reg_share[RT_REGIONS];
	struct rt_table reg_pick;
	struct rt_blocks dc[DC__KINDS];
	struct rt_pub *pubs;
	uint32_t npubs;
	struct rt_table pub_by_region[RT_REGIONS];
	struct rt_zone *zones;
	uint32_t nzones, zcap;
	struct rt_ad *ads;
	uint32_t nads, ncamps;
	struct rt_table *ads_by_size;    /* per size index: over size_ads */
	uint32_t **size_ads;
	uint32_t nforeign;
};

/* The regions, blocks and a network drawn from rng: npubs publishers and
 * about zones_per_pub zones each.  0, -ENOMEM or -EINVAL. */
int rt_net_init(struct rt_net *n, struct rt_rng *rng, uint32_t npubs);
void rt_net_release(struct rt_net *n);

/* A hidden zone for publisher index pub, the size of its first zone.
 * Returns the zone index, or UINT32_MAX when out of memory. */
uint32_t rt_net_add_hidden_zone(struct rt_net *n, uint32_t pub);

/* An address in a random block of the list. */
void rt_addr_in(const struct rt_blocks *b, struct rt_rng *r, struct event_addr *a);
/* The /24 (IPv4) or /64 (IPv6) around a, with a new host part. */
void rt_addr_near(const struct event_addr *a, struct rt_rng *r, struct event_addr *out);

/* An ad for zone z, by weight among the ads of its size. */
uint32_t rt_net_pick_ad(const struct rt_net *n, uint32_t z, struct rt_rng *r);

/* Render a referer of the kind into dst (cap >= 600), NUL-terminated; an
 * empty string for REF_NONE.  a: publisher or foreign-site index, b: page. */
void rt_ref_render(const struct rt_net *n, unsigned kind, uint32_t a,
		   uint32_t b, char *dst, size_t cap);

/* The inventory file (docs/inventory-format.md).  0 or -errno. */
int rt_net_write_inventory(const struct rt_net *n, const char *path,
			   uint64_t seed);

#endif
