/* inventory.h - the ads, zones, campaigns and publishers serve answers from,
 * parsed from the text file of docs/inventory-format.md, and the one
 * writer of its lines (adlog-admin export-inventory, adlog-gen,
 * adlog-redteam).
 *
 * Ownership: a struct inventory is immutable once parsed and owns every
 * string it points to; inventory_free() releases it all.  Readers in other
 * threads reach it through serve/hazard.h, never by a plain pointer copy. */
#ifndef ADLOG_INVENTORY_H
#define ADLOG_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define INVENTORY_MAGIC "adlog-inventory\t1"
#define INVENTORY_MAX_BYTES (256u << 20)  /* refuse larger files */
#define INVENTORY_URL_MAX 2000

struct inv_pub {
	uint32_t id;
	const char *name, *domains;
	unsigned line;
};

struct inv_camp {
	uint32_t id, advertiser;
	int64_t start_s, end_s;     /* end 0 = open */
	bool active;                /* status column */
	unsigned line;
};

struct inv_zone {
	uint32_t id, pub;
	uint32_t width, height;
	uint32_t cand_off, cand_len; /* slice of inventory.cand: same-size ads */
	unsigned line;
};

struct inv_ad {
	uint32_t id, camp;
	uint32_t width, height, weight;
	bool unsigned_ok;           /* may be clicked without a token */
	const char *image, *landing;
	size_t image_len, landing_len;
	const struct inv_camp *campaign;
	unsigned line;
};

struct inventory {
	char version[128];
	size_t bytes;               /* file size, for /status */
	struct inv_pub *pubs;   size_t npubs;
	struct inv_camp *camps; size_t ncamps;
	struct inv_zone *zones; size_t nzones;
	struct inv_ad *ads;     size_t nads;
	uint32_t *cand;             /* ad indexes sorted by size, weight > 0 */
	size_t ncand;
	char *text;                 /* the file, cut into the strings above */
};

/* Parse the whole file text (len bytes, need not be NUL-terminated; copied).
 * name is used in messages.  Returns 0 and a new inventory in *out, or -1
 * with "NAME:LINE: what is wrong" in err. */
int inventory_parse(const char *text, size_t len, const char *name,
		    struct inventory **out, char *err, size_t errlen);

/* Read and parse path.  Same contract as inventory_parse. */
int inventory_load(const char *path, struct inventory **out, char *err,
		   size_t errlen);

void inventory_free(struct inventory *inv);

/* Lookups by id; NULL when absent. */
const struct inv_ad *inventory_ad(const struct inventory *inv, uint32_t id);
const struct inv_zone *inventory_zone(const struct inventory *inv, uint32_t id);
const struct inv_camp *inventory_camp(const struct inventory *inv, uint32_t id);
const struct inv_pub *inventory_pub(const struct inventory *inv, uint32_t id);

/* Is the campaign running at now_ms? */
bool inventory_camp_running(const struct inv_camp *c, int64_t now_ms);

/* One eligible ad for zone at now_ms (same size, weight > 0, campaign
 * running), weighted by weight, using the random value rnd.  NULL when no
 * ad is eligible. */
const struct inv_ad *inventory_pick(const struct inventory *inv,
				    const struct inv_zone *zone,
				    int64_t now_ms, uint64_t rnd);

/* ---- writing: the one renderer of the file's lines ---- */

/* The first line, an optional comment line ("# " + comment) and the
 * version record.  Each writer returns 0, or -EIO when f has an error. */
int inventory_write_header(FILE *f, const char *version, const char *comment);
/* domains: comma-separated, or "-" for none. */
int inventory_write_pub(FILE *f, uint32_t id, const char *name,
			const char *domains);
/* end_s 0 = open-ended. */
int inventory_write_camp(FILE *f, uint32_t id, uint32_t advertiser,
			 int64_t start_s, int64_t end_s, bool active);
int inventory_write_zone(FILE *f, uint32_t id, uint32_t pub, uint32_t width,
			 uint32_t height);
int inventory_write_ad(FILE *f, uint32_t id, uint32_t camp, uint32_t width,
		       uint32_t height, uint32_t weight, bool unsigned_ok,
		       const char *image, const char *landing);

#endif
