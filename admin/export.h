/* export.h - adlog-admin export-inventory: the inventory tables as serve's
 * inventory file (docs/inventory-format.md), replaced atomically. */
#ifndef ADLOG_EXPORT_H
#define ADLOG_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct export_counts {
	unsigned int pubs, camps, zones, ads;
	unsigned int skipped;      /* rows left out (each named on stderr) */
	bool unchanged;            /* the file already held exactly this */
	char version[32];
};

/* Read publishers (with domains), active and paused campaigns, zones and
 * the ads of those campaigns from one consistent snapshot, render them, and
 * unless path already holds the same bytes, write a temporary file in the
 * same folder, fsync it and rename it over path (then fsync the folder).
 * The version record is a digest of the records, so an unchanged inventory
 * gives an identical file.  A row with a value serve would refuse (a URL
 * with a space or quote, an id out of range) is left out, and so are the
 * zones of a publisher and the ads of a campaign left out, each named on
 * stderr and counted in skipped: one bad row must not freeze every other
 * change (a paused campaign would keep serving).  path "-" writes to standard output instead.  Returns 0 or DB_ERR /
 * DB_RETRY with the reason in err. */
int export_inventory(struct db *db, const char *path,
		     struct export_counts *counts, char *err, size_t errlen);

#endif
