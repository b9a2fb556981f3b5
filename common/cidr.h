/* cidr.h - the data-centre address list: IPv4 and IPv6 ranges in sorted,
 * merged arrays, looked up by binary search (O(log n), no allocation).
 *
 * Ownership: the caller owns struct cidr_table; cidr_release() frees the
 * arrays.  A loaded table is read-only and may be shared by threads. */
#ifndef ADLOG_CIDR_H
#define ADLOG_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct cidr_v4 {
	uint32_t lo, hi;           /* inclusive */
};

struct cidr_v6 {
	uint64_t lo_hi, lo_lo;     /* first address, big-endian halves */
	uint64_t hi_hi, hi_lo;     /* last address */
};

struct cidr_table {
	struct cidr_v4 *v4;
	size_t n4, cap4;
	struct cidr_v6 *v6;
	size_t n6, cap6;
};

void cidr_init(struct cidr_table *t);

/* Add the ranges of text: one "ADDR/LEN" or bare "ADDR" per line, '#'
 * comments and blank lines ignored, anything after the first space or TAB
 * ignored.  name is used in messages.  Returns 0, or -1 with "name:LINE:
 * bad range 'TEXT'" in err. */
int cidr_add_text(struct cidr_table *t, const char *text, size_t len,
		  const char *name, char *err, size_t errlen);

/* Read a whole file with cidr_add_text.  -1 with a message on error. */
int cidr_load_file(struct cidr_table *t, const char *path, char *err,
		   size_t errlen);

/* Sort and merge; call once after the last add, before lookups. */
void cidr_finish(struct cidr_table *t);

/* Whether a is inside one of the ranges (IPv4-mapped IPv6 counts as IPv4). */
bool cidr_contains(const struct cidr_table *t, const struct event_addr *a);

/* Take IANA's special-purpose addresses (private, loopback, link-local,
 * documentation, multicast, reserved; IPv4 and IPv6) out of a finished
 * table.  Returns 0 or -ENOMEM (the table unchanged). */
int cidr_remove_special(struct cidr_table *t);

/* Write a finished table as the smallest set of CIDRs that covers exactly
 * its addresses, one "ADDR/LEN" a line, IPv4 first, ascending.  Returns 0
 * or -EIO. */
int cidr_write(const struct cidr_table *t, FILE *f);

void cidr_release(struct cidr_table *t);

#endif
