/* out.c - buffer, ids, spool files and labels of adlog-redteam. */
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "eventid.h"
#include "spool.h"
#include "utchour.h"

#define SLOTS 3

static int idset_clear(struct rt_idset *s, size_t want)
{
	size_t size = 1u << 16;

	while (size < want * 2)
		size <<= 1;
	if (!s->k || s->mask + 1 < size) {
		free(s->k);
		if (!(s->k = malloc(size * sizeof(*s->k))))
			return -ENOMEM;
		s->mask = size - 1;
	}
	memset(s->k, 0, (s->mask + 1) * sizeof(*s->k));
	s->n = 0;
	return 0;
}

static int idset_grow(struct rt_idset *s)
{
	struct rt_idset b = { 0 };
	int rc = idset_clear(&b, s->mask + 1);

	if (rc)
		return rc;
	for (size_t i = 0; i <= s->mask; i++)
		if (s->k[i]) {
			size_t j = (size_t)(s->k[i] * 0x9e3779b97f4a7c15ull >> 20) & b.mask;

			while (b.k[j])
				j = (j + 1) & b.mask;
			b.k[j] = s->k[i];
			b.n++;
		}
	free(s->k);
	*s = b;
	return 0;
}

/* Insert id; false if it was there (or memory ran out). */
static bool idset_add(struct rt_idset *s, uint64_t id)
{
	if (s->n * 2 > s->mask && idset_grow(s))
		return false;
	size_t j = (size_t)(id * 0x9e3779b97f4a7c15ull >> 20) & s->mask;

	while (s->k[j]) {
		if (s->k[j] == id)
			return false;
		j = (j + 1) & s->mask;
	}
	s->k[j] = id;
	s->n++;
	return true;
}

int rt_out_init(struct rt_out *o, const struct rt_net *net,
		const struct rt_uas *uas, uint64_t seed, const char *dir,
		const char *labels_path, bool gen_names)
{
	memset(o, 0, sizeof(*o));
	o->net = net;
	o->uas = uas;
	o->dir = dir;
	o->host = "redteam";
	o->gen_names = gen_names;
	o->rng = rt_rng_fork(seed, "out", 0);
	for (unsigned i = 0; i < SLOTS; i++)
		if (idset_clear(&o->ids[i], 1u << 15))
			return -ENOMEM;
	if (labels_path && !(o->labels = fopen(labels_path, "w")))
		return -errno;
	return 0;
}

void rt_out_release(struct rt_out *o)
{
	for (unsigned i = 0; i < SLOTS; i++)
		free(o->ids[i].k);
	free(o->e);
	if (o->labels)
		fclose(o->labels);
	memset(o, 0, sizeof(*o));
}

void rt_out_label_classes(struct rt_out *o)
{
	if (!o->labels || o->gen_names)
		return;
	for (unsigned l = 1; l < RT_LABEL__COUNT; l++)
		fprintf(o->labels, "class\t%s\t%s\n", rt_label_name(l),
			rt_class_name(rt_label_class(l)));
}

void rt_out_label_pub(struct rt_out *o, uint32_t pub_id, unsigned label)
{
	if (o->labels)
		fprintf(o->labels, "pub\t%u\t%s\n", pub_id, o->gen_names ?
			rt_label_gen_name(label) : rt_label_name(label));
}

void rt_out_begin_hour(struct rt_out *o, uint32_t h)
{
	o->gen_hour = h;
	/* the slot of hour h+1 last held hour h-2, written by now */
	idset_clear(&o->ids[(h + 1) % SLOTS], o->ids[h % SLOTS].n);
}

struct rt_ev *rt_out_new(struct rt_out *o, int64_t ts, char type, unsigned label)
{
	int64_t end = o->start_ms + (int64_t)o->hours * HOUR_MS;
	int64_t lim = o->start_ms + (int64_t)(o->gen_hour + 2) * HOUR_MS;
	struct rt_ev *ev = &o->scratch;

	if (ts >= o->start_ms && ts < end && ts < lim) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 65536;
			struct rt_ev *ne = realloc(o->e, cap * sizeof(*ne));

			if (ne) {
				o->e = ne;
				o->cap = cap;
			}
		}
		if (o->n < o->cap)
			ev = &o->e[o->n++];
	}
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts;
	ev->type = (uint8_t)type;
	ev->label = (uint8_t)label;
	ev->ua = UINT32_MAX;
	ev->node = (uint16_t)rt_below(&o->rng, o->nodes);
	if (ev == &o->scratch) {
		ev->id = eventid_make(ts > EVENT_ID_EPOCH_MS ? ts : EVENT_ID_EPOCH_MS,
				      ev->node, rt_below(&o->rng, 4096));
		return ev;
	}
	struct rt_idset *s = &o->ids[(uint32_t)((ts - o->start_ms) / HOUR_MS) % SLOTS];

	do
		ev->id = eventid_make(ts, ev->node, rt_below(&o->rng, 4096));
	while (!idset_add(s, ev->id));
	return ev;
}

struct rt_ev *rt_out_like(struct rt_out *o, const struct rt_ev *proto,
			  int64_t ts, char type, unsigned label)
{
	struct rt_ev *ev = rt_out_new(o, ts, type, label);
	uint64_t id = ev->id;
	uint16_t node = ev->node;

	*ev = *proto;
	ev->id = id;
	ev->node = node;
	ev->ts = ts;
	ev->type = (uint8_t)type;
	ev->label = (uint8_t)label;
	ev->imp = 0;
	ev->flags &= EVENT_F_NO_ACCEPT_LANG;
	return ev;
}

void rt_ev_zone(struct rt_out *o, struct rt_ev *ev, uint32_t zone, struct rt_rng *r)
{
	const struct rt_net *n = o->net;
	uint32_t ad = rt_net_pick_ad(n, zone, r);

	ev->zone = n->zones[zone].id;
	ev->pub = n->pubs[n->zones[zone].pub].id;
	ev->ad = n->ads[ad].id;
	ev->camp = n->ads[ad].camp;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct rt_ev *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cannot_write(const char *path, int rc)
{
	diag_err("cannot write '%s': %s", path, strerror(-rc));
	return rc;
}

static int write_hour(struct rt_out *o, uint32_t h, size_t count)
{
	int64_t hs = o->start_ms + (int64_t)h * HOUR_MS;
	FILE **f = calloc(o->nodes, sizeof(*f));
	char (*path)[512] = calloc(o->nodes, sizeof(*path));
	char line[EVENT_LINE_MAX], ref[640];
	int rc = 0;

	if (!f || !path) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (uint32_t k = 0; k < o->nodes; k++) {
		spool_name_format(path[k], sizeof(path[k]), o->dir,
				  hour_of_ms(hs), o->host, k, hs, SPOOL_OPEN);
		if (!(f[k] = fopen(path[k], "w"))) {
			rc = cannot_write(path[k], -errno);
			goto out_close;
		}
	}
	for (size_t i = 0; i < count; i++) {
		const struct rt_ev *e = &o->e[i];
		struct event ev = {
			.type = (char)e->type, .ts_ms = e->ts, .id = e->id,
			.imp = e->imp, .ip = e->ip, .has_uid = e->has_uid,
			.flags = e->flags, .ad = e->ad, .zone = e->zone,
			.pub = e->pub, .camp = e->camp,
		};
		size_t len;

		memcpy(ev.uid, e->uid, 16);
		if (e->ua != UINT32_MAX) {
			ev.ua.ptr = rt_ua_str(o->uas, e->ua);
			ev.ua.len = strlen(ev.ua.ptr);
		}
		rt_ref_render(o->net, e->ref_kind, e->ref_a, e->ref_b, ref, sizeof(ref));
		ev.ref.ptr = ref;
		ev.ref.len = strlen(ref);
		len = event_render(&ev, line, sizeof(line));
		if (fwrite(line, 1, len, f[e->node]) != len) {
			rc = cannot_write(path[e->node], -EIO);
			goto out_close;
		}
		o->written++;
		o->clicks += e->type == EVENT_CLICK;
		o->by_label[e->label]++;
		if (e->label && o->labels)
			fprintf(o->labels, "%016llx\t%s\n", (unsigned long long)e->id,
				o->gen_names ? rt_label_gen_name(e->label) :
					       rt_label_name(e->label));
	}
	for (uint32_t k = 0; k < o->nodes; k++) {
		char final[512];
		FILE *x = f[k];

		f[k] = NULL;
		if (fclose(x)) {
			rc = cannot_write(path[k], -errno);
			goto out_close;
		}
		memcpy(final, path[k], sizeof(final));
		memcpy(final + strlen(final) - 5, ".log", 5);
		if (rename(path[k], final)) {
			rc = cannot_write(path[k], -errno);
			goto out_close;
		}
	}
out_close:
	for (uint32_t k = 0; k < o->nodes; k++)
		if (f[k]) {
			fclose(f[k]);
			remove(path[k]);
		}
out_free:
	free(f);
	free(path);
	return rc;
}

int rt_out_flush_hour(struct rt_out *o, uint32_t h)
{
	int64_t end = o->start_ms + (int64_t)(h + 1) * HOUR_MS;
	size_t count = 0;
	int rc;

	qsort(o->e, o->n, sizeof(*o->e), ev_cmp);
	while (count < o->n && o->e[count].ts < end)
		count++;
	if ((rc = write_hour(o, h, count)))
		return rc;
	memmove(o->e, o->e + count, (o->n - count) * sizeof(*o->e));
	o->n -= count;
	if (o->labels && fflush(o->labels))
		return -errno;
	return 0;
}
