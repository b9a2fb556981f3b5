/* manifest_entry.c - ingest's line of manifest.tsv: one source's counts
 * in the hour, rendered as the ledger analyze and operators check counts
 * against (lines = accepted + rejected). */
#include "manifest_entry.h"

#include <stdarg.h>
#include <stdio.h>

struct out {
	char *p;
	size_t len, cap;
	bool over;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = true;
	else
		o->len += (size_t)n;
}

size_t manifest_format(const struct manifest_entry *e, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap, false };
	const struct ingest_stats *s = e->src;

	put(&o, "source=%s\tsegment=%s\tevents=%llu\tchecksum=%016llx\tflagged=%llu",
	    e->source, e->segment ? e->segment : "-",
	    (unsigned long long)e->events, (unsigned long long)e->checksum,
	    (unsigned long long)e->flagged);
	for (unsigned i = 0; i < SEG_R__COUNT; i++)
		if (e->flag[i])
			put(&o, "\tflag.%s=%llu", seg_reason_name(i),
			    (unsigned long long)e->flag[i]);
	put(&o, "\tlines=%llu\taccepted=%llu\trejected=%llu",
	    (unsigned long long)s->lines, (unsigned long long)s->accepted,
	    (unsigned long long)s->rejected);
	for (unsigned i = 1; i < REJ__COUNT; i++)
		if (s->rej[i])
			put(&o, "\trej.%s=%llu", rej_name(i),
			    (unsigned long long)s->rej[i]);
	put(&o, "\tbytes=%llu\tdamage=%s\tnul_runs=%llu\tnul_bytes=%llu"
	    "\tid_repeats=%llu\tretracted=%llu\n",
	    (unsigned long long)s->bytes, e->damage,
	    (unsigned long long)s->nul_runs, (unsigned long long)s->nul_bytes,
	    (unsigned long long)s->id_repeats,
	    (unsigned long long)s->retracted);
	return o.over ? 0 : o.len;
}
