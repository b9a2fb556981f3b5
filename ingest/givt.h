/* givt.h - ingest's per-event (GIVT) rules, docs/rules.md: user-agent
 * classes from pattern files (pcre2, JIT, compiled once), data-centre
 * addresses, and the request facts serve logged in the flags.
 *
 * Ownership: struct givt is loaded once, read-only, shared by threads;
 * each thread owns a struct givt_ctx (match data and a verdict cache). */
#ifndef ADLOG_GIVT_H
#define ADLOG_GIVT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "event.h"
#include "segment.h"

#define GIVT_UA_CACHE_SLOTS (1u << 16)  /* direct-mapped, 1 MiB a thread */

enum givt_class { GC_BOT, GC_TOOL, GC_PREVIEW, GC_ALLOW, GC__COUNT };

struct givt_pat {                  /* patterns of a class, before compiling */
	char *s;
	size_t len, cap;
};

struct givt {
	pcre2_code *re[GC__COUNT];      /* NULL when a class has no pattern */
	struct givt_pat pending[GC__COUNT];
	unsigned npatterns[GC__COUNT];
	struct cidr_table dc;
};

struct ua_slot {
	uint64_t key;       /* XXH3-64 of the escaped UA */
	uint32_t verdict;   /* SEG_R_* bits */
	uint32_t used;
};

struct givt_ctx {
	const struct givt *r;
	pcre2_match_data *md;
	struct ua_slot *cache;
	uint64_t hits, misses;
};

/* Load the generated pattern file, the hand-kept local one (both in the
 * bots.txt format, [bot] until a section says otherwise; their patterns of
 * a class are merged) and the CIDR list.  Any path may be "" for none.
 * Returns 0, or -1 with "FILE:LINE: ..." in err. */
int givt_load(struct givt *r, const char *bots, const char *local,
	       const char *cidrs, char *err, size_t errlen);

/* Add patterns from text in the bots.txt format (tests); class_default is
 * the class of lines before any [section].  0 or -1 with err. */
int givt_add_patterns(struct givt *r, const char *text, size_t len,
		       const char *name, enum givt_class class_default,
		       char *err, size_t errlen);

/* Compile what givt_add_patterns collected (givt_load calls it). */
int givt_compile(struct givt *r, char *err, size_t errlen);

void givt_init(struct givt *r);
void givt_release(struct givt *r);

int givt_ctx_init(struct givt_ctx *c, const struct givt *r);
void givt_ctx_release(struct givt_ctx *c);

/* SEG_R_BOT_UA / NON_BROWSER / PREVIEW_UA bits of an escaped UA; key is
 * its XXH3-64 (the cache key). */
uint32_t givt_ua(struct givt_ctx *c, const char *ua, size_t len,
		  uint64_t key);

/* Every ingest reason bit of a parsed event; ua_key as for givt_ua. */
uint32_t givt_event(struct givt_ctx *c, const struct event *ev,
		     uint64_t ua_key);

#endif
