/* stats.c - sum per-thread counters and print them for /status, as plain
 * text in the spirit of nginx's stub_status or in the Prometheus format. */
#include "stats.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ep_names[EP__N] = { "ad", "i", "c", "status", "other", "r", "f" };
static const int codes[SC__N] = { 200, 204, 302, 400, 404, 405, 500 };

int stats_init(struct stats *s, size_t nthreads)
{
	void *mem = NULL;
	size_t sz = (nthreads ? nthreads : 1) * sizeof(struct stats_thread);

	s->n = 0;
	if (posix_memalign(&mem, 64, sz))
		return -ENOMEM;
	memset(mem, 0, sz);
	s->t = mem;
	s->n = nthreads;
	return 0;
}

void stats_release(struct stats *s)
{
	free(s->t);
	s->t = NULL;
	s->n = 0;
}

enum stats_code stats_code_of(int status)
{
	for (int i = 0; i < SC__N; i++)
		if (codes[i] == status)
			return (enum stats_code)i;
	return SC_500;
}

void stats_sum(const struct stats *s, struct stats_view *v)
{
	memset(v->req, 0, sizeof(v->req));
	v->events = v->bytes = v->dropped = v->no_fill = v->in_flight = 0;
	v->cors_refused = 0;
	v->late = v->abandoned = v->clock_bad = 0;
	v->retracted = v->unretracted = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct stats_thread *t = &s->t[i];

		for (int e = 0; e < EP__N; e++)
			for (int c = 0; c < SC__N; c++)
				v->req[e][c] += atomic_load_explicit(
					&t->req[e][c], memory_order_relaxed);
		v->events += atomic_load_explicit(&t->events, memory_order_relaxed);
		v->bytes += atomic_load_explicit(&t->bytes, memory_order_relaxed);
		v->dropped += atomic_load_explicit(&t->dropped, memory_order_relaxed);
		v->no_fill += atomic_load_explicit(&t->no_fill, memory_order_relaxed);
		v->cors_refused += atomic_load_explicit(&t->cors_refused,
						       memory_order_relaxed);
		v->in_flight += atomic_load_explicit(&t->busy, memory_order_relaxed);
		v->late += atomic_load_explicit(&t->late, memory_order_relaxed);
		v->abandoned += atomic_load_explicit(&t->abandoned,
						     memory_order_relaxed);
		v->clock_bad += atomic_load_explicit(&t->clock_bad,
						     memory_order_relaxed);
		v->retracted += atomic_load_explicit(&t->retracted,
						     memory_order_relaxed);
		v->unretracted += atomic_load_explicit(&t->unretracted,
						       memory_order_relaxed);
	}
}

struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = 1;
	else
		o->len += (size_t)n;
}

static void render_plain(const struct stats_view *v, struct out *o)
{
	put(o, "adlog-serve node %u pid %ld\n", v->node, v->pid);
	put(o, "uptime_seconds %lld\n", (long long)v->uptime_s);
	put(o, "in_flight %llu\n", (unsigned long long)v->in_flight);
	for (int e = 0; e < EP__N; e++) {
		uint64_t sum = 0;

		for (int c = 0; c < SC__N; c++)
			sum += v->req[e][c];
		put(o, "requests %s %llu", ep_names[e], (unsigned long long)sum);
		for (int c = 0; c < SC__N; c++)
			if (v->req[e][c])
				put(o, " %d=%llu", codes[c],
				    (unsigned long long)v->req[e][c]);
		put(o, "\n");
	}
	put(o, "no_fill %llu\n", (unsigned long long)v->no_fill);
	put(o, "cors_refused %llu\n", (unsigned long long)v->cors_refused);
	put(o, "requests_late %llu\n", (unsigned long long)v->late);
	put(o, "requests_abandoned %llu\n", (unsigned long long)v->abandoned);
	put(o, "events_written %llu\n", (unsigned long long)v->events);
	put(o, "bytes_written %llu\n", (unsigned long long)v->bytes);
	put(o, "write_errors %llu\n", (unsigned long long)v->write_errors);
	put(o, "events_dropped %llu\n", (unsigned long long)v->dropped);
	put(o, "events_dropped_clock %llu\n", (unsigned long long)v->clock_bad);
	put(o, "events_retracted %llu\n", (unsigned long long)v->retracted);
	put(o, "events_unretracted %llu\n", (unsigned long long)v->unretracted);
	put(o, "open_log_files %llu\n", (unsigned long long)v->open_files);
	put(o, "closed_log_files %llu\n", (unsigned long long)v->files_closed);
	put(o, "inventory_version %s\n", v->inv_version);
	put(o, "inventory_age_seconds %lld\n", (long long)v->inv_age_s);
	put(o, "inventory_ads %llu\n", (unsigned long long)v->inv_ads);
	put(o, "inventory_zones %llu\n", (unsigned long long)v->inv_zones);
	put(o, "inventory_reloads %llu\n", (unsigned long long)v->inv_reloads);
	put(o, "inventory_errors %llu\n", (unsigned long long)v->inv_errors);
}

static void prom(struct out *o, const char *name, const char *type,
		 const char *help, unsigned long long val)
{
	put(o, "# HELP adlog_serve_%s %s\n# TYPE adlog_serve_%s %s\n"
	    "adlog_serve_%s %llu\n", name, help, name, type, name, val);
}

/* Inventory version is admin text: keep only safe label bytes. */
static void put_label(struct out *o, const char *s)
{
	for (; *s; s++)
		put(o, "%c", (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) ?
			       '_' : *s);
}

static void render_prom(const struct stats_view *v, struct out *o)
{
	put(o, "# HELP adlog_serve_requests_total Requests by endpoint and status.\n"
	    "# TYPE adlog_serve_requests_total counter\n");
	for (int e = 0; e < EP__N; e++)
		for (int c = 0; c < SC__N; c++)
			if (v->req[e][c])
				put(o, "adlog_serve_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
				    ep_names[e], codes[c],
				    (unsigned long long)v->req[e][c]);
	prom(o, "uptime_seconds", "gauge", "Seconds since start.",
	     (unsigned long long)v->uptime_s);
	prom(o, "in_flight", "gauge", "Requests being handled.", v->in_flight);
	prom(o, "no_fill_total", "counter", "Ad requests with no eligible ad.",
	     v->no_fill);
	prom(o, "cors_refused_total", "counter",
	     "Ad requests from an origin not of the zone's publisher.",
	     v->cors_refused);
	prom(o, "requests_late_total", "counter",
	     "Requests refused with 503 and no event: nginx passed them on too long ago.",
	     v->late);
	prom(o, "requests_abandoned_total", "counter",
	     "Requests not handled: nginx had closed the connection.",
	     v->abandoned);
	prom(o, "events_written_total", "counter", "Event lines written.",
	     v->events);
	prom(o, "bytes_written_total", "counter", "Bytes of event lines written.",
	     v->bytes);
	prom(o, "write_errors_total", "counter", "Failed writes and opens.",
	     v->write_errors);
	prom(o, "events_dropped_total", "counter",
	     "Events answered but not written.", v->dropped);
	prom(o, "events_retracted_total", "counter",
	     "Event lines retracted: their answer never reached nginx.",
	     v->retracted);
	prom(o, "events_unretracted_total", "counter",
	     "Event lines whose answer never reached nginx, left in a file closed meanwhile.",
	     v->unretracted);
	prom(o, "events_dropped_clock_total", "counter",
	     "Events answered but not written: the clock read before 2020 or from 2100.",
	     v->clock_bad);
	prom(o, "open_log_files", "gauge", "Event files open.", v->open_files);
	prom(o, "closed_log_files_total", "counter", "Event files closed.",
	     v->files_closed);
	prom(o, "inventory_age_seconds", "gauge",
	     "Seconds since the inventory was loaded.",
	     (unsigned long long)v->inv_age_s);
	prom(o, "inventory_reloads_total", "counter", "Inventory loads.",
	     v->inv_reloads);
	prom(o, "inventory_errors_total", "counter", "Refused inventory files.",
	     v->inv_errors);
	put(o, "# HELP adlog_serve_inventory_info Inventory in use.\n"
	    "# TYPE adlog_serve_inventory_info gauge\n"
	    "adlog_serve_inventory_info{version=\"");
	put_label(o, v->inv_version);
	put(o, "\",ads=\"%llu\",zones=\"%llu\"} 1\n",
	    (unsigned long long)v->inv_ads, (unsigned long long)v->inv_zones);
}

size_t stats_render(const struct stats_view *v, int prometheus, char *buf,
		    size_t cap)
{
	struct out o = { buf, 0, cap, 0 };

	if (prometheus)
		render_prom(v, &o);
	else
		render_plain(v, &o);
	return o.full ? 0 : o.len;
}
