/* gen.h - adlog-gen's driver: plans how many events each hour gets, merges
 * the time-ordered streams of its sources (the valid-traffic model, later
 * labelled fraud scenarios) and hands every event, in time order, to a sink
 * (per-hour files, stdout, or memory in tests).
 *
 * Ownership: gen_run() owns everything it builds and frees it before it
 * returns; events passed to a sink live only for the duration of the call. */
#ifndef ADLOG_GEN_GEN_H
#define ADLOG_GEN_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "world.h"

#define GEN_NODES_MAX 1024u

/* Label of an event: which source made it.  0 is valid traffic; the
 * injected fraud scenarios and the traps (valid traffic that looks odd and
 * must not be filtered) follow, in the order of docs/gen.md. */
enum gen_label {
	GEN_LABEL_VALID = 0,
	GEN_LABEL_CRAWLER,        /* GIVT: declared crawlers */
	GEN_LABEL_SCRIPT_DC,      /* GIVT: library UAs on data-centre addresses */
	GEN_LABEL_SPOOF_DC,       /* GIVT: browser UAs from data-centre addresses */
	GEN_LABEL_DOUBLE_CLICK,   /* GIVT: the second of an accidental double click */
	GEN_LABEL_BOTNET,         /* SIVT: residential botnet */
	GEN_LABEL_CLICK_FARM,     /* SIVT */
	GEN_LABEL_SELF_CLICK,     /* SIVT: publisher clicking its own ads */
	GEN_LABEL_HIT_INFLATION,  /* SIVT: hidden zones, foreign referers */
	GEN_LABEL_PUB_POOL,       /* SIVT: publishers sharing one bot pool */
	GEN_LABEL_COOKIE_REPLAY,  /* SIVT: one cookie from many addresses */
	GEN_LABEL_TRAP_NAT,       /* trap: carrier NAT, hundreds of people */
	GEN_LABEL_TRAP_INAPP,     /* trap: in-app browsers */
	GEN_LABEL_TRAP_VIRAL,     /* trap: a legitimate viral spike */
	GEN_LABEL__COUNT
};

enum gen_label_class { GEN_CLASS_VALID, GEN_CLASS_GIVT, GEN_CLASS_SIVT,
		       GEN_CLASS_TRAP };

/* Stable snake_case name of label l ("botnet"); NULL past the end. */
const char *gen_label_name(unsigned l);
/* Label named s (len bytes), or -1. */
int gen_label_parse(const char *s, size_t len);
enum gen_label_class gen_label_class(unsigned l);

struct gen_opts {
	uint64_t seed;
	uint64_t events;         /* lines in total, clicks included */
	uint32_t hours;          /* >= 1 */
	int64_t start_ms;        /* first hour, Unix ms, a multiple of 3600000 */
	uint32_t nodes;          /* 1..GEN_NODES_MAX: nodes 0..nodes-1 */
	uint32_t node_base;      /* added to the node in ids (hosts of one
				  * network have distinct node ids) */
	struct world_params world;
	/* publishers, zones, campaigns, ads from here instead (serve's
	 * parsed inventory, not owned); NULL: generate them from world */
	const struct inventory *inventory;
	/* scenarios injected next to valid traffic: bit l for label l
	 * (0: none, the default) */
	uint32_t scenarios;
	/* when set, "event_id_hex<TAB>label" for every event whose label is
	 * not GEN_LABEL_VALID, after one "pub<TAB>ID<TAB>label" line per
	 * publisher a scenario makes fraudulent (not owned) */
	FILE *labels;
};

/* Fill o with the defaults documented in docs/gen.md. */
void gen_opts_default(struct gen_opts *o);

/* Where events go.  Each callback returns 0, or a negative errno that stops
 * the run.  hour_open/hour_close bracket every hour of the span, even one
 * without events. */
struct gen_sink {
	void *ctx;
	int (*hour_open)(void *ctx, int64_t hour_ms);
	int (*event)(void *ctx, const struct event *ev, uint32_t node,
		     uint32_t label);
	int (*hour_close)(void *ctx, int64_t hour_ms);
};

struct gen_stats {
	uint64_t lines, impressions, clicks;
	uint64_t clicks_unsigned;    /* NO_TOKEN */
	uint64_t no_uid;             /* uid "-" */
	uint64_t uid_new;            /* UID_NEW */
	uint64_t ipv6;
	uint64_t clicks_dropped;     /* due after the span or the hour's quota */
};

/* ---- the source interface: what a traffic model or scenario provides ---- */

struct gen;   /* the running driver, handed to sources */

struct gen_source {
	const char *name;
	void *self;
	/* A new hour [hour_ms, hour_ms + 1 h) starts; quota is the number
	 * of lines this source writes in it (the driver's plan: today the
	 * valid model gets all of --events; a scenario added next to it
	 * gets its own plan on top). */
	void (*hour_begin)(void *self, int64_t hour_ms, uint64_t quota);
	/* ts of this source's next event in the hour, INT64_MAX when done. */
	int64_t (*peek)(void *self);
	/* Emit exactly that event through gen_emit().  Returns 0 or the
	 * sink's error. */
	int (*emit)(void *self, struct gen *g);
};

/* A fresh event id for node at ts_ms, ascending per node. */
uint64_t gen_next_id(struct gen *g, uint32_t node, int64_t ts_ms);

/* Give one event to the sink and count it. */
int gen_emit(struct gen *g, const struct event *ev, uint32_t node,
	     uint32_t label);

/* The hit-inflation publisher's hidden zones (world_add_hidden_zones), when
 * scenarios include hit_inflation: the same in the traffic and in the
 * inventory written for it.  Returns 0 or a negative errno. */
struct scenario;
int gen_hide_zones(struct world *w, const struct scenario *sc,
		   uint32_t scenarios);

/* Generate everything o asks for into sink.  Returns 0 or a negative errno
 * with a message in err. */
int gen_run(const struct gen_opts *o, const struct gen_sink *sink,
	    struct gen_stats *st, char *err, size_t errlen);

/* Relative traffic of w in the UTC hour starting at hour_ms (daily curves
 * of its regions, mixed by their shares). */
double gen_hour_weight(const struct world *w, int64_t hour_ms);

#endif
