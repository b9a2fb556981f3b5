/* scenario.h - labelled invalid traffic for adlog-gen: one source next to
 * the valid model that writes every enabled fraud scenario and trap
 * (enum gen_label) along the same hours.  Each hour's events are drawn
 * at hour_begin, sorted by time and emitted in order with their label.
 * docs/gen.md describes every scenario and its share of the traffic.
 *
 * Ownership: scenario_init() allocates; scenario_release() frees.  The
 * world must outlive the scenarios. */
#ifndef ADLOG_GEN_SCENARIO_H
#define ADLOG_GEN_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "gen.h"
#include "rng.h"
#include "world.h"

struct scen_ev;

/* A family's parameters for one seed, drawn at scenario_init from the
 * ranges of docs/gen.md.  Addresses: a fresh one per visit, a few fixed
 * ones, hosts of one /24, or a pool (shared by the publishers of
 * pub_pool); time: flat over the day, people's curve, or a 9-hour
 * shift. */
enum scen_addr { SCEN_FRESH, SCEN_FEW, SCEN_NET24, SCEN_POOL };
enum scen_ref { SCEN_REF_OWN, SCEN_REF_FOREIGN, SCEN_REF_NONE };
enum scen_time { SCEN_FLAT, SCEN_PEOPLE, SCEN_SHIFT };

struct scen_fam {
	double share;            /* lines, of an average hour's valid lines */
	uint8_t addr, ref, time; /* enum scen_addr, scen_ref, scen_time */
	uint8_t shift_start;     /* SCEN_SHIFT: first UTC hour */
	uint8_t fresh_cookie;    /* a new cookie on every visit */
	uint8_t frames;          /* impressions per page: 1 plain, more stacked */
	uint8_t hidden;          /* hit_inflation: into its hidden zones */
	uint8_t uas;             /* user agents: 0 the region mix, else that many */
	uint32_t naddr;          /* SCEN_FEW, SCEN_POOL: addresses; SCEN_NET24: hosts */
	uint32_t ndev;           /* devices (cookies, agents) per address */
	uint32_t hours;          /* trap_viral: length of the spike */
	double ctr;              /* impressions clicked */
	double unshown;          /* clicks on an impression never logged */
	double click_med_ms, click_sigma;  /* log-normal time to click */
	uint64_t key;            /* names its addresses, cookies, agents */
};

#define SCEN_POOL_PUBS_MAX 5

struct scenario {
	const struct world *w;
	struct rng rng;
	uint32_t mask;           /* bit l: label l enabled */
	uint32_t nodes;
	uint32_t hours, hour_no; /* span, and the hour being made */
	/* fraudulent publishers (indexes into w->pubs) and an honest one
	 * for the viral spike */
	uint32_t self_pub, hit_pub, viral_pub;
	uint32_t pool_pub[SCEN_POOL_PUBS_MAX], npool;
	struct scen_fam fam[GEN_LABEL__COUNT];
	struct alias hour_regions; /* the hour's traffic by region; empty
				      before the first hour */
	uint8_t replay_uid[16];
	struct scen_ev *ev;      /* this hour's events, sorted by time */
	uint32_t *pos;           /* draw order -> index in ev */
	uint32_t nev, capev, next;
	char ref[160];
};

/* Parse "all", "none" or a comma-separated list of label names into a
 * mask.  Returns 0 or -EINVAL. */
int scenario_parse_list(const char *s, uint32_t *mask);

/* Returns 0, or -ENOMEM / -EINVAL (a world without traffic). */
int scenario_init(struct scenario *s, const struct world *w, uint64_t seed,
		  uint32_t nodes, uint32_t hours, uint32_t mask);
void scenario_release(struct scenario *s);

/* "pub<TAB>ID<TAB>label" for every fraudulent publisher.  Returns 0 or
 * -EIO. */
int scenario_write_pubs(const struct scenario *s, FILE *f);

struct gen_source scenario_source(struct scenario *s);

#endif
