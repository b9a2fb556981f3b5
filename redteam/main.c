/* main.c - adlog-redteam: labelled traffic written independently of the
 * rules, from public descriptions of people and of click fraud (brief and
 * sources: redteam/BRIEF.md, docs/redteam.md).  It writes spool files as
 * serve closes them, the inventory they were served from, and a label file
 * adlog-eval reads; nothing here links or reads ingest's or analyze's code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fraud.h"
#include "fsutil.h"
#include "labels.h"
#include "net.h"
#include "out.h"
#include "parse.h"
#include "people.h"
#include "utchour.h"

static const char usage[] =
"usage: adlog-redteam [options]\n"
"\n"
"Write a labelled day (or span) of people, fraud and traps as spool files.\n"
"\n"
"  --seed N             seed of every draw, parameters included (default 1)\n"
"  --events N           about N valid lines; fraud and traps come on top\n"
"                       (default 100000)\n"
"  --hours H            hours to write (default 1)\n"
"  --start YYYYMMDDHH   first UTC hour (default 2026010100)\n"
"  --out DIR            spool folder, created if missing (default .)\n"
"  --nodes K            serve nodes 0..K-1, one file per node and hour (1)\n"
"  --pubs N             publishers (default: drawn, 150-400)\n"
"  --write-inventory FILE, --inventory FILE\n"
"                       write the network as an inventory file (the red\n"
"                       team always draws its own network)\n"
"  --labels FILE        write the label file\n"
"  --label-names own|gen  label names: the red team's families (default,\n"
"                       with class lines) or adlog-gen's nearest ones\n"
"  --params FILE        write each family's drawn parameters\n"
"  --quiet              no summary on stderr\n"
"  --help, --version\n";

struct opts {
	uint64_t seed, events, hours, nodes, pubs;
	uint32_t start;
	const char *out, *inventory, *labels, *params;
	bool gen_names, quiet;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	o->seed = 1;
	o->events = 100000;
	o->hours = 1;
	o->nodes = 1;
	o->start = 2026010100;
	o->out = ".";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (!strcmp(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!strcmp(a, "--version")) {
			printf("adlog-redteam %s\n", ADLOG_VERSION);
			exit(0);
		}
		if (!strcmp(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if (!v) {
			diag_err("unknown or incomplete option '%s'", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--out"))
			o->out = v;
		else if (!strcmp(a, "--inventory") || !strcmp(a, "--write-inventory"))
			o->inventory = v;
		else if (!strcmp(a, "--labels"))
			o->labels = v;
		else if (!strcmp(a, "--params"))
			o->params = v;
		else if (!strcmp(a, "--label-names")) {
			if (strcmp(v, "own") && strcmp(v, "gen")) {
				diag_err("bad --label-names '%s'", v);
				return -1;
			}
			o->gen_names = !strcmp(v, "gen");
		} else if (parse_u64(v, strlen(v), &x)) {
			diag_err("bad number '%s' for %s", v, a);
			return -1;
		} else if (!strcmp(a, "--seed"))
			o->seed = x;
		else if (!strcmp(a, "--events") && x >= 1 && x <= 4000000000ull)
			o->events = x;
		else if (!strcmp(a, "--hours") && x >= 1 && x <= 24 * 366)
			o->hours = x;
		else if (!strcmp(a, "--nodes") && x >= 1 && x <= 64)
			o->nodes = x;
		else if (!strcmp(a, "--pubs") && x >= 20 && x <= 60000)
			o->pubs = x;
		else if (!strcmp(a, "--start") && x <= UINT32_MAX &&
			 hour_start_ms((uint32_t)x) >= 0)
			o->start = (uint32_t)x;
		else {
			diag_err("bad option '%s %s'", a, v);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts op = { 0 };
	struct rt_uas uas;
	struct rt_net net;
	struct rt_people pe;
	struct rt_fraud fr;
	struct rt_out out;
	int rc, status = 1;

	diag_init("adlog-redteam");
	if (parse_args(argc, argv, &op))
		return 2;
	int64_t start_ms = hour_start_ms(op.start);
	struct rt_rng r_uas = rt_rng_fork(op.seed, "uas", 0);
	struct rt_rng r_net = rt_rng_fork(op.seed, "net", 0);
	uint32_t npubs = op.pubs ? (uint32_t)op.pubs : 150 + rt_below(&r_net, 251);

	memset(&uas, 0, sizeof(uas));
	memset(&net, 0, sizeof(net));
	memset(&pe, 0, sizeof(pe));
	memset(&fr, 0, sizeof(fr));
	memset(&out, 0, sizeof(out));
	if ((rc = rt_uas_init(&uas, &r_uas)) || (rc = rt_net_init(&net, &r_net, npubs)) ||
	    (rc = rt_people_init(&pe, &net, &uas, op.seed, op.events,
				 (uint32_t)op.hours, start_ms)) ||
	    (rc = rt_fraud_init(&fr, &net, &pe, &uas, op.seed, op.events,
				(uint32_t)op.hours, start_ms))) {
		diag_err("cannot set up the model: %s", strerror(-rc));
		goto out;
	}
	if (op.inventory && (rc = rt_net_write_inventory(&net, op.inventory, op.seed))) {
		diag_err("cannot write '%s': %s", op.inventory, strerror(-rc));
		goto out;
	}
	if (op.params) {
		FILE *f = fopen(op.params, "w");

		if (!f) {
			diag_err("cannot write '%s': %s", op.params, strerror(errno));
			goto out;
		}
		rt_fraud_describe(&fr, f);
		if (fclose(f)) {
			diag_err("cannot write '%s': %s", op.params, strerror(errno));
			goto out;
		}
	}
	if ((rc = fs_mkdir_p(op.out))) {
		diag_err("cannot create '%s': %s", op.out, strerror(-rc));
		goto out;
	}
	if ((rc = rt_out_init(&out, &net, &uas, op.seed, op.out, op.labels,
			      op.gen_names))) {
		diag_err("cannot write '%s': %s", op.labels, strerror(-rc));
		goto out;
	}
	out.nodes = (uint32_t)op.nodes;
	out.hours = (uint32_t)op.hours;
	out.start_ms = start_ms;
	fr.o = &out;
	pe.hook = rt_fraud_on_page;
	pe.hook_ctx = &fr;
	rt_out_label_classes(&out);
	rt_fraud_label_pubs(&fr, &out);
	for (uint32_t h = 0; h < op.hours; h++) {
		struct rt_rng rp = rt_rng_fork(op.seed, "hour-people", h);
		struct rt_rng rf = rt_rng_fork(op.seed, "hour-fraud", h);

		rt_out_begin_hour(&out, h);
		rt_people_hour(&pe, &net, &out, h, &rp);
		rt_fraud_hour(&fr, &out, h, &rf);
		if (rt_out_flush_hour(&out, h))
			goto out;
	}
	if (out.labels && fflush(out.labels)) {
		diag_err("cannot write '%s': %s", op.labels, strerror(errno));
		goto out;
	}
	if (!op.quiet) {
		uint64_t cls[4] = { 0 };

		for (unsigned l = 0; l < RT_LABEL__COUNT; l++)
			cls[rt_label_class(l)] += out.by_label[l];
		fprintf(stderr, "adlog-redteam: %llu lines (%llu clicks): valid %llu, "
			"givt %llu, sivt %llu, trap %llu\n",
			(unsigned long long)out.written, (unsigned long long)out.clicks,
			(unsigned long long)cls[0], (unsigned long long)cls[1],
			(unsigned long long)cls[2], (unsigned long long)cls[3]);
		for (unsigned l = 1; l < RT_LABEL__COUNT; l++)
			fprintf(stderr, "  %-20s %llu\n", rt_label_name(l),
				(unsigned long long)out.by_label[l]);
	}
	status = 0;
out:
	rt_out_release(&out);
	rt_fraud_release(&fr);
	rt_people_release(&pe);
	rt_net_release(&net);
	rt_uas_release(&uas);
	return status;
}
