/* main.c - adlog-gen: synthetic v1 event logs for tests and benchmarks,
 * written as the per-hour spool files serve would close, and a verifier
 * that parses such files back (docs/gen.md). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "fsutil.h"
#include "gen.h"
#include "out.h"
#include "scenario.h"
#include "parse.h"
#include "scenario.h"
#include "verify.h"
#include "inventory.h"
#include "utchour.h"

static const char usage[] =
"usage: adlog-gen [options]\n"
"       adlog-gen --verify FILE...\n"
"\n"
"Write synthetic v1 event lines, one file per hour per node named\n"
"adlog.YYYYMMDDHH.HOST.NODE.START.log[.gz], deterministic for a seed.\n"
"\n"
"  --seed N             random seed (default 1)\n"
"  --events N           lines in total, clicks included (default 100000)\n"
"  --hours H            hours to spread them over (default 1)\n"
"  --start YYYYMMDDHH   first UTC hour (default 2026010100)\n"
"  --out DIR            folder for the files, created (with parents) if\n"
"                       missing (default .)\n"
"  --stdout             write every line to stdout instead, in time order\n"
"  --gzip               compress (.log.gz) with deflate\n"
"  --gzip-level N       deflate level 1..9 (default 1)\n"
"  --threads N          output workers; 0 writes from the generating thread\n"
"                       (default 1, or one per CPU with --gzip, at most 8)\n"
"  --host NAME          HOST part of file names (default gen)\n"
"  --nodes K            nodes 0..K-1, one file per node per hour (default 1)\n"
"  --node-base B        number the nodes B..B+K-1 in ids and file names,\n"
"                       as distinct hosts of one network are (default 0)\n"
"  --pubs N --zones N --camps N --ads N\n"
"                       size of the generated network (200 2000 100 1000)\n"
"  --inventory FILE     take publishers, zones, campaigns and ads from an\n"
"                       inventory file (docs/inventory-format.md)\n"
"  --write-inventory FILE\n"
"                       also write the network as an inventory file\n"
"  --scenarios LIST     inject labelled invalid traffic and traps next to\n"
"                       the valid traffic: all, none (default) or a\n"
"                       comma-separated list of names (docs/gen.md)\n"
"  --labels FILE        write event_id_hex<TAB>scenario for every injected\n"
"                       event (and pub<TAB>ID<TAB>scenario per fraudulent\n"
"                       publisher)\n"
"  --imperfect          as real spool files: some late lines (in the next\n"
"                       hour's file), lines out of order, malformed lines\n"
"  --quiet              no summary on stderr\n"
"  --verify FILE...     parse every line of each file (plain or gzip) and\n"
"                       count by reason; exit 1 if any line is rejected\n"
"  --help, --version\n";

static int num_arg(const char *opt, const char *val, uint64_t max,
		   uint64_t *out)
{
	if (!val || parse_dec(val, strlen(val), max, out)) {
		diag_err("bad value for %s '%s'", opt, val ? val : "");
		return -EINVAL;
	}
	return 0;
}

static int run_verify(int argc, char **argv, int first)
{
	struct verify_counts total = { 0 };
	char err[512];
	int failed = 0;

	if (first >= argc) {
		diag_err("--verify needs at least one file");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		struct verify_counts c = { 0 };

		if (verify_file(argv[i], &c, err, sizeof(err))) {
			diag_err("%s", err);
			failed = 1;
		}
		printf("%s: %llu lines, %llu impressions, %llu clicks, "
		       "%llu rejects\n", argv[i], (unsigned long long)c.lines,
		       (unsigned long long)c.impressions,
		       (unsigned long long)c.clicks,
		       (unsigned long long)c.rejects);
		total.lines += c.lines;
		total.impressions += c.impressions;
		total.clicks += c.clicks;
		total.rejects += c.rejects;
		total.out_of_hour += c.out_of_hour;
		total.out_of_order += c.out_of_order;
		for (int e = 0; e < EVENT_E__COUNT; e++)
			total.by_reason[e] += c.by_reason[e];
	}
	printf("total: %llu lines, %llu impressions, %llu clicks, "
	       "%llu rejects\n", (unsigned long long)total.lines,
	       (unsigned long long)total.impressions,
	       (unsigned long long)total.clicks,
	       (unsigned long long)total.rejects);
	for (int e = 1; e < EVENT_E__COUNT; e++)
		if (total.by_reason[e])
			printf("reject %s: %llu\n", event_err_name(e),
			       (unsigned long long)total.by_reason[e]);
	printf("out_of_hour: %llu\nout_of_order: %llu\n",
	       (unsigned long long)total.out_of_hour,
	       (unsigned long long)total.out_of_order);
	if (failed)
		return 2;
	return total.rejects ? 1 : 0;
}

static int write_inventory(const struct gen_opts *o, const char *path)
{
	struct world w;
	struct world_params wp = o->world;
	char err[256];
	FILE *f;
	int rc;

	wp.seed = o->seed;
	if (o->inventory ?
	    world_from_inventory(&w, o->inventory, o->seed, o->start_ms,
				 o->start_ms + (int64_t)o->hours * 3600000,
				 err, sizeof(err)) :
	    world_build(&w, &wp, err, sizeof(err))) {
		diag_err("%s", err);
		return -EINVAL;
	}
	/* the hidden zones the traffic will load are the publisher's too */
	if (!o->inventory && o->scenarios) {
		struct scenario sc;

		rc = scenario_init(&sc, &w, o->seed, o->nodes, o->hours,
				   o->scenarios);
		if (!rc)
			rc = gen_hide_zones(&w, &sc, o->scenarios);
		scenario_release(&sc);
		if (rc) {
			diag_err("cannot add the hidden zones: %s",
				 strerror(-rc));
			goto out_world;
		}
	}
	f = fopen(path, "w");
	if (!f) {
		rc = -errno;
		diag_err("cannot create '%s': %s", path, strerror(errno));
		goto out_world;
	}
	rc = world_write_inventory(&w, f);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (rc)
		diag_err("cannot write '%s'", path);
out_world:
	world_release(&w);
	return rc;
}

/* Run the generator into files or stdout.  Returns the exit status. */
static int generate(const struct gen_opts *o, const struct out_opts *oo,
		    bool quiet)
{
	struct out out;
	struct gen_stats st;
	int64_t t0 = clock_mono_ms();
	char err[512];
	int rc;

	if (!oo->to_stdout && (rc = fs_mkdir_p(oo->dir))) {
		diag_err("cannot create '%s': %s", oo->dir, strerror(-rc));
		return 1;
	}
	if (out_init(&out, oo, err, sizeof(err))) {
		diag_err("%s", err);
		return 1;
	}
	struct gen_sink sink = out_sink(&out);
	rc = gen_run(o, &sink, &st, err, sizeof(err));
	if (!rc && (rc = out_finish(&out)))
		snprintf(err, sizeof(err), "cannot write events: %s",
			 strerror(-rc));
	if (rc) {
		diag_err("%s", err);
		out_release(&out);
		return rc == -EINVAL ? 2 : 1;   /* bad options or inventory */
	}
	if (!quiet)
		fprintf(stderr, "adlog-gen: %llu lines (%llu impressions, %llu "
			"clicks) in %llu files, %llu bytes, %.2f s\n",
			(unsigned long long)st.lines,
			(unsigned long long)st.impressions,
			(unsigned long long)st.clicks,
			(unsigned long long)out.files,
			(unsigned long long)out.bytes,
			(double)(clock_mono_ms() - t0) / 1000.0);
	if (!quiet && oo->imperfect)
		fprintf(stderr, "adlog-gen: imperfect: %llu late, %llu out of "
			"order, %llu malformed\n",
			(unsigned long long)out.late,
			(unsigned long long)out.swapped,
			(unsigned long long)out.malformed);
	out_release(&out);
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	struct out_opts oo = { .dir = ".", .host = "gen", .level = OUT_GZIP_LEVEL };
	const char *inventory_out = NULL, *inventory_in = NULL;
	const char *labels_path = NULL;
	struct inventory *inv = NULL;
	bool quiet = false;
	uint64_t threads = UINT64_MAX;
	uint64_t v;
	char err[512];

	diag_init("adlog-gen");
	gen_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

#define OPT(name) (!strcmp(a, name))
#define TAKE(name, max, dst) \
	else if (OPT(name)) { \
		if (num_arg(name, val, max, &v)) return 2; \
		dst = v; i++; }
		if (OPT("--help") || OPT("-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (OPT("--version")) {
			printf("adlog-gen %s\n", ADLOG_VERSION);
			return 0;
		} else if (OPT("--verify")) {
			return run_verify(argc, argv, i + 1);
		}
		TAKE("--seed", UINT64_MAX, o.seed)
		TAKE("--events", UINT64_MAX / 2, o.events)
		TAKE("--hours", 24 * 366 * 10, o.hours)
		TAKE("--nodes", GEN_NODES_MAX, o.nodes)
		TAKE("--node-base", GEN_NODES_MAX - 1, o.node_base)
		TAKE("--gzip-level", 9, oo.level)
		TAKE("--threads", 64, threads)
		TAKE("--pubs", 1000000, o.world.pubs)
		TAKE("--zones", 10000000, o.world.zones)
		TAKE("--camps", 1000000, o.world.camps)
		TAKE("--ads", 10000000, o.world.ads)
		else if (OPT("--start")) {
			uint32_t h;

			if (!val || hour_parse(val, strlen(val), &h)) {
				diag_err("bad value for --start '%s' (want YYYYMMDDHH)",
					 val ? val : "");
				return 2;
			}
			o.start_ms = hour_start_ms(h);
			i++;
		} else if (OPT("--out") && val) {
			oo.dir = val;
			i++;
		} else if (OPT("--host") && val) {
			oo.host = val;
			i++;
		} else if (OPT("--inventory") && val) {
			inventory_in = val;
			i++;
		} else if (OPT("--scenarios") && val) {
			if (scenario_parse_list(val, &o.scenarios)) {
				diag_err("bad value for --scenarios '%s'", val);
				return 2;
			}
			i++;
		} else if (OPT("--labels") && val) {
			labels_path = val;
			i++;
		} else if (OPT("--write-inventory") && val) {
			inventory_out = val;
			i++;
		} else if (OPT("--gzip")) {
			oo.gzip = true;
		} else if (OPT("--stdout")) {
			oo.to_stdout = true;
		} else if (OPT("--quiet")) {
			quiet = true;
		} else if (OPT("--imperfect")) {
			oo.imperfect = true;
		} else {
			diag_err("unknown or incomplete option '%s'", a);
			fputs(usage, stderr);
			return 2;
		}
#undef TAKE
#undef OPT
	}
	if (oo.level < 1) {
		diag_err("bad value for --gzip-level '0'");
		return 2;
	}
	if (inventory_in) {
		if (inventory_load(inventory_in, &inv, err, sizeof(err))) {
			diag_err("%s", err);
			return 2;
		}
		o.inventory = inv;
	}
	if (o.node_base + o.nodes > GEN_NODES_MAX) {
		diag_err("--node-base %u with --nodes %u passes node %u",
			 o.node_base, o.nodes, GEN_NODES_MAX - 1);
		return 2;
	}
	oo.nodes = o.nodes;
	oo.node_base = o.node_base;
	oo.end_ms = o.start_ms + (int64_t)o.hours * 3600000;
	oo.threads = threads == UINT64_MAX ? out_default_threads(oo.gzip)
					   : (uint32_t)threads;
	if (inventory_out && write_inventory(&o, inventory_out)) {
		inventory_free(inv);
		return 1;
	}

	if (labels_path && !(o.labels = fopen(labels_path, "w"))) {
		diag_err("cannot create '%s': %s", labels_path, strerror(errno));
		inventory_free(inv);
		return 1;
	}
	int rc = generate(&o, &oo, quiet);
	if (o.labels && fclose(o.labels) && !rc) {
		diag_err("cannot write '%s'", labels_path);
		rc = 1;
	}
	inventory_free(inv);
	return rc;
}
