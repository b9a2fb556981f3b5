/* out.h - where adlog-redteam's events go: a buffer of the hours being
 * generated, flushed hour by hour into spool files named as serve names its
 * closed files (adlog.YYYYMMDDHH.HOST.NODE.START.log, time order, ids
 * ascending per node), and the label side file.
 *
 * Ownership: rt_out owns its buffer, id sets and open files;
 * rt_out_release() frees them (after rt_out_finish() on success). */
#ifndef ADLOG_REDTEAM_OUT_H
#define ADLOG_REDTEAM_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "labels.h"
#include "net.h"
#include "rtrand.h"
#include "uas.h"

/* One event before rendering: ua and referer by reference. */
struct rt_ev {
	int64_t ts;
	uint64_t id, imp;
	uint32_t flags, ad, zone, pub, camp;   /* ids, as in the line */
	uint32_t ua;                           /* UINT32_MAX: none */
	uint32_t ref_a, ref_b;
	struct event_addr ip;
	uint8_t uid[16];
	uint8_t has_uid, type, label, ref_kind;
	uint16_t node;
};

struct rt_idset {
	uint64_t *k;
	size_t mask, n;
};

struct rt_out {
	const struct rt_net *net;
	const struct rt_uas *uas;
	const char *dir, *host;
	uint32_t nodes, hours;
	int64_t start_ms;
	uint32_t gen_hour;        /* hour being generated: 0..hours-1 */
	struct rt_ev *e;
	size_t n, cap;
	struct rt_ev scratch;     /* events outside the span land here */
	struct rt_idset ids[3];
	struct rt_rng rng;
	FILE *labels;
	bool gen_names;
	uint64_t written, clicks, by_label[RT_LABEL__COUNT];
};

/* 0 or -errno (the label file cannot be opened). */
int rt_out_init(struct rt_out *o, const struct rt_net *net,
		const struct rt_uas *uas, uint64_t seed, const char *dir,
		const char *labels_path, bool gen_names);
void rt_out_release(struct rt_out *o);

/* Head of the label file: a class line per label (unless gen_names). */
void rt_out_label_classes(struct rt_out *o);
/* A fraudulent publisher line of the label file. */
void rt_out_label_pub(struct rt_out *o, uint32_t pub_id, unsigned label);

/* A new event at ts of the given type and label, with a unique id on a
 * node drawn at random; the caller fills the rest.  Events outside the
 * span, or more than an hour past the hour being generated, go to a
 * scratch slot that is never written.  Never NULL. */
struct rt_ev *rt_out_new(struct rt_out *o, int64_t ts, char type, unsigned label);
/* Copy of a person's request facts from proto into a new event. */
struct rt_ev *rt_out_like(struct rt_out *o, const struct rt_ev *proto,
			  int64_t ts, char type, unsigned label);
/* Set ev's zone (index), its publisher, a fresh ad for it, and camp. */
void rt_ev_zone(struct rt_out *o, struct rt_ev *ev, uint32_t zone, struct rt_rng *r);

/* Hour h (0-based) is about to be generated. */
void rt_out_begin_hour(struct rt_out *o, uint32_t h);
/* Hour h is generated: write its events.  0 or -errno. */
int rt_out_flush_hour(struct rt_out *o, uint32_t h);

#endif
