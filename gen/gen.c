/* gen.c - the driver of adlog-gen: splits the requested events over the
 * hours along the daily curve, runs every source hour by hour, merges their
 * events in time order and gives them ids and a sink. */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eventid.h"
#include "model.h"
#include "scenario.h"
#include "utchour.h"


struct gen {
	const struct gen_opts *o;
	const struct gen_sink *sink;
	struct gen_stats *st;
	uint64_t id_state[GEN_NODES_MAX];  /* (ms since 2020 << 12) | seq */
};

void gen_opts_default(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->events = 100000;
	o->hours = 1;
	o->start_ms = 1767225600000LL;  /* 2026-01-01T00:00:00Z */
	o->nodes = 1;
	o->world.pubs = 200;
	o->world.zones = 2000;
	o->world.camps = 100;
	o->world.ads = 1000;
}

double gen_hour_weight(const struct world *w, int64_t hour_ms)
{
	double sum = 0;

	for (int g = 0; g < WORLD_REGIONS; g++)
		sum += world_region_weight(w, g, hour_ms);
	return sum;
}

uint64_t gen_next_id(struct gen *g, uint32_t node, int64_t ts_ms)
{
	uint64_t floor = (uint64_t)(ts_ms - EVENT_ID_EPOCH_MS) << 12;
	uint64_t *s = &g->id_state[node];

	/* same rule as eventid_next: past 4096 ids in one ms, run ahead */
	*s = *s < floor ? floor : *s + 1;
	return eventid_make((int64_t)(*s >> 12) + EVENT_ID_EPOCH_MS,
			    g->o->node_base + node, (uint32_t)(*s & 0xfff));
}

int gen_emit(struct gen *g, const struct event *ev, uint32_t node,
	     uint32_t label)
{
	struct gen_stats *st = g->st;

	st->lines++;
	if (ev->type == EVENT_CLICK) {
		st->clicks++;
		st->clicks_unsigned += !!(ev->flags & EVENT_F_NO_TOKEN);
	} else {
		st->impressions++;
	}
	st->no_uid += !ev->has_uid;
	st->uid_new += !!(ev->flags & EVENT_F_UID_NEW);
	st->ipv6 += ev->ip.family == 6;
	if (label != GEN_LABEL_VALID && g->o->labels &&
	    fprintf(g->o->labels, "%016llx\t%s\n", (unsigned long long)ev->id,
		    gen_label_name(label)) < 0)
		return -EIO;
	return g->sink->event(g->sink->ctx, ev, node, label);
}

/* Lines per hour along the daily curve; largest remainders round. */
static int plan_hours(const struct gen_opts *o, const struct world *wd,
		      uint64_t *q)
{
	double *w = malloc(o->hours * sizeof(*w)), sum = 0;
	uint64_t given = 0;

	if (!w)
		return -ENOMEM;
	for (uint32_t h = 0; h < o->hours; h++)
		sum += w[h] = gen_hour_weight(wd, o->start_ms + h * HOUR_MS);
	for (uint32_t h = 0; h < o->hours; h++) {
		w[h] = (double)o->events * w[h] / sum;
		q[h] = (uint64_t)w[h];
		w[h] -= (double)q[h];
		given += q[h];
	}
	while (given < o->events) {
		uint32_t best = 0;

		for (uint32_t h = 1; h < o->hours; h++)
			if (w[h] > w[best])
				best = h;
		q[best]++;
		w[best] = -1;
		given++;
	}
	free(w);
	return 0;
}

static int run_hours(struct gen *g, struct gen_source *src, uint32_t nsrc,
		     const uint64_t *quota)
{
	const struct gen_opts *o = g->o;
	int rc;

	for (uint32_t h = 0; h < o->hours; h++) {
		int64_t hour_ms = o->start_ms + h * HOUR_MS;

		if ((rc = g->sink->hour_open(g->sink->ctx, hour_ms)))
			return rc;
		for (uint32_t i = 0; i < nsrc; i++)
			src[i].hour_begin(src[i].self, hour_ms, quota[h]);
		for (;;) {
			int64_t best_ts = INT64_MAX;
			uint32_t best = 0;

			/* few sources: a linear scan beats a heap */
			for (uint32_t i = 0; i < nsrc; i++) {
				int64_t ts = src[i].peek(src[i].self);

				if (ts < best_ts) {
					best_ts = ts;
					best = i;
				}
			}
			if (best_ts == INT64_MAX)
				break;
			if ((rc = src[best].emit(src[best].self, g)))
				return rc;
		}
		if ((rc = g->sink->hour_close(g->sink->ctx, hour_ms)))
			return rc;
	}
	return 0;
}

#define GEN_HIDDEN_ZONES 2

int gen_hide_zones(struct world *w, const struct scenario *sc,
		   uint32_t scenarios)
{
	if (!(scenarios & (1u << GEN_LABEL_HIT_INFLATION)))
		return 0;
	return world_add_hidden_zones(w, sc->hit_pub, GEN_HIDDEN_ZONES);
}

int gen_run(const struct gen_opts *o, const struct gen_sink *sink,
	    struct gen_stats *st, char *err, size_t errlen)
{
	struct gen *g = NULL;
	struct world w;
	struct model m;
	struct scenario sc;
	uint64_t *quota = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	if (o->hours == 0 || o->nodes == 0 || o->nodes > GEN_NODES_MAX ||
	    o->start_ms % HOUR_MS || o->start_ms < EVENT_ID_EPOCH_MS ||
	    o->start_ms + (int64_t)o->hours * HOUR_MS > EVENT_TS_MAX_MS) {
		snprintf(err, errlen, "bad options: hours >= 1, nodes 1..%u, "
			 "start a whole hour in 2020..2100", GEN_NODES_MAX);
		return -EINVAL;
	}
	struct world_params wp = o->world;
	wp.seed = o->seed;
	rc = o->inventory ?
	     world_from_inventory(&w, o->inventory, o->seed, o->start_ms,
				  o->start_ms + (int64_t)o->hours * HOUR_MS,
				  err, errlen) :
	     world_build(&w, &wp, err, errlen);
	if (rc)
		return rc;
	/* about 8 impressions per visitor over the span, within bounds */
	uint64_t visitors = o->events / 8;
	if (visitors < 1000)
		visitors = 1000;
	if (visitors > 50000000)
		visitors = 50000000;
	if ((rc = model_init(&m, &w, o->seed, o->nodes, (uint32_t)visitors)))
		goto out_world;
	g = calloc(1, sizeof(*g));
	quota = calloc(o->hours, sizeof(*quota));
	if (!g || !quota) {
		rc = -ENOMEM;
		goto out_model;
	}
	if ((rc = plan_hours(o, &w, quota)))
		goto out_model;
	g->o = o;
	g->sink = sink;
	g->st = st;

	struct gen_source src[] = { model_source(&m), scenario_source(&sc) };
	memset(&sc, 0, sizeof(sc));
	if (o->scenarios) {
		rc = scenario_init(&sc, &w, o->seed, o->nodes, o->hours,
				   o->scenarios);
		if (rc) {
			if (rc == -EINVAL)
				snprintf(err, errlen, "the network is too "
					 "small for the scenarios");
			goto out_scen;
		}
		if (!o->inventory &&
		    (rc = gen_hide_zones(&w, &sc, o->scenarios))) {
			snprintf(err, errlen, "cannot add the hidden zones: %s",
				 strerror(-rc));
			goto out_scen;
		}
		if (o->labels && scenario_write_pubs(&sc, o->labels)) {
			rc = -EIO;
			goto out_scen;
		}
	}
	rc = run_hours(g, src, o->scenarios ? 2 : 1, quota);
	st->clicks_dropped = m.dropped + m.nheap;
	if (rc)
		snprintf(err, errlen, "cannot write events: %s", strerror(-rc));
out_scen:
	scenario_release(&sc);
out_model:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(g);
	free(quota);
	model_release(&m);
out_world:
	world_release(&w);
	return rc;
}
