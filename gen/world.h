/* world.h - the generated ad network adlog-gen draws traffic from:
 * publishers with domains and zones, campaigns with ads whose sizes match
 * the zones, regions with time zones, and a pool of browser user agents.
 * Ids are 1..N in each table (pub, zone, camp, ad); the same seed gives the
 * same world, and world_write_inventory() prints it as an inventory file.
 *
 * Ownership: world_build() allocates everything; world_release() frees it.
 * Strings (domains, user agents) live in the world and die with it. */
#ifndef ADLOG_GEN_WORLD_H
#define ADLOG_GEN_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rng.h"

enum { WORLD_REGIONS = 4, WORLD_SIZES = 9 };

struct world_region {
	const char *name;
	int utc_offset_h;        /* local = UTC + offset */
	double share;            /* of daily traffic */
};
extern const struct world_region world_regions[WORLD_REGIONS];

struct world_size {
	uint16_t w, h;
	double share;            /* of zones */
};
extern const struct world_size world_sizes[WORLD_SIZES];

struct world_pub {
	uint32_t id;
	uint8_t region;
	const char *domain;      /* registered domain, e.g. "morvanews.de" */
	uint16_t domain_len;
};

struct world_zone {
	uint32_t id;
	uint32_t pub;            /* index into pubs[] */
	uint32_t size;           /* index into sizes[] */
	float ctr;               /* click probability per impression */
};

struct world_camp {
	uint32_t id;
	uint32_t advertiser;
};

struct world_ad {
	uint32_t id;
	uint32_t camp;           /* index into camps[] */
	uint32_t size;           /* index into sizes[] */
	uint32_t weight;
	bool unsigned_ok;        /* may be clicked without a token */
	bool eligible;           /* serve may show it during the whole span */
};

enum ua_kind { UA_DESKTOP, UA_MOBILE, UA_INAPP };

struct world_ua {
	const char *s;
	uint16_t len;
	uint8_t family;          /* index into the family table in world.c */
	uint8_t kind;            /* enum ua_kind */
};

struct world {
	struct world_pub *pubs;
	struct world_zone *zones;
	struct world_camp *camps;
	struct world_ad *ads;
	uint32_t npubs, nzones, ncamps, nads;
	uint32_t nhidden;        /* the last nhidden zones: hidden, no
				    person ever sees them */
	struct world_size *sizes;
	uint32_t nsizes;

	/* eligible ads of each size, drawn by weight (NULL: none) */
	uint32_t **size_ads;
	struct alias *size_alias;

	/* zones of each region's publishers that have an eligible ad, drawn
	 * by popularity (NULL: the region has no traffic) */
	uint32_t *region_zones[WORLD_REGIONS];
	struct alias region_zone_alias[WORLD_REGIONS];

	/* user agents, drawn by each region's browser mix */
	struct world_ua *uas;
	uint32_t nuas;
	struct alias region_ua_alias[WORLD_REGIONS];

	/* people of this seed (docs/gen.md): the local daily curve raised
	 * to curve_k (deeper or flatter nights), in-app browsers' weight in
	 * every region's mix times inapp_scale */
	double curve_k, inapp_scale;

	char *arena;             /* domains and user agents */
	size_t arena_len, arena_cap;
};

struct world_params {
	uint64_t seed;
	uint32_t pubs;           /* default 200 */
	uint32_t zones;          /* default 2000 */
	uint32_t camps;          /* default 100 */
	uint32_t ads;            /* default 1000 */
};

/* Build a world for p.  Returns 0 or -ENOMEM / -EINVAL (message in err). */
int world_build(struct world *w, const struct world_params *p,
		char *err, size_t errlen);

/* Take publishers, zones, campaigns and ads from a parsed inventory (serve's
 * parser), with ids as there.  An ad gets traffic only when serve could
 * show it during all of [from_ms, to_ms): weight > 0, campaign active and
 * running.  A publisher's domain is the first of its DOMAINS (pubID.example
 * for "-"); regions and popularity are drawn from seed.  Same returns. */
struct inventory;
int world_from_inventory(struct world *w, const struct inventory *inv,
			 uint64_t seed, int64_t from_ms, int64_t to_ms,
			 char *err, size_t errlen);
void world_release(struct world *w);

/* Append n hidden zones to publisher pub (index): registered in the
 * inventory like any zone, sized like its first zone with ads, with no
 * valid traffic (hit_inflation loads them in hidden frames).  Returns 0,
 * -EINVAL (pub has no zone with ads) or -ENOMEM. */
int world_add_hidden_zones(struct world *w, uint32_t pub, uint32_t n);

/* Print w as an inventory file (docs/inventory-format.md).  Returns 0 or
 * -EIO. */
int world_write_inventory(const struct world *w, FILE *f);

/* Traffic of region g in the UTC hour starting at hour_ms: its share
 * times its local daily curve (mean 1 over a day); 0 when w has no zone
 * with traffic there. */
double world_region_weight(const struct world *w, int g, int64_t hour_ms);

/* The regions of the UTC hour starting at hour_ms, drawn by their traffic
 * (world_region_weight), into a (released first).  Returns 0 or
 * -ENOMEM. */
int world_hour_regions(const struct world *w, int64_t hour_ms,
		       struct alias *a);

/* A region with traffic, drawn from a (world_hour_regions); before any
 * hour (a empty), every region alike. */
int world_region_pick(const struct world *w, const struct alias *a,
		      struct rng *r);

/* Name of a user-agent family ("chrome-win", "wechat-ios", ...). */
const char *world_ua_family_name(uint8_t family);

#endif
