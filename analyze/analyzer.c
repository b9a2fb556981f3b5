/* analyzer.c - the heart of adlog-analyze: an hour's segments in, its
 * rollup out.  Order of work: answer the look-back for the hour's clicks,
 * warm the rules' windows with the previous hour's tail, rules pass 1
 * (hour-wide facts) and pass 2 (a verdict per event) over one merged,
 * time-ordered stream, each event counted with ingest's and analyze's
 * reasons.  The result depends only on the segments read. */
#include "analyzer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

/* rules_referer.classify: the judged event's referer (its strings are
 * a->cur's) against its publisher's domains. */
static int referer_class(void *ctx, const struct seg_record *rec)
{
	const struct analyzer *a = ctx;
	struct span ref;

	if (!a->cur || !segment_string_get(a->cur, rec->ref, &ref))
		return PUB_REF_NONE;
	return (int)pub_domains_class(&a->dom, rec->pub, ref);
}

int analyzer_init(struct analyzer *a, const struct config *cfg,
		  const char *data_dir, char *err, size_t errlen)
{
	struct rules_lookback cb;
	struct rules_referer rc = { NULL, referer_class };
	int e;

	memset(a, 0, sizeof(*a));
	a->data_dir = data_dir;
	pub_domains_init(&a->dom);
	rules_params_from_config(&a->rp, cfg);
	if (lookback_init(&a->lb, data_dir, a->rp.lookback_ms)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lookback_callbacks(&a->lb, &cb);
	e = rules_init(&a->rules, &a->rp, &cb);
	if (e) {
		snprintf(err, errlen, "cannot set up the rules: %s",
			 strerror(-e));
		lookback_release(&a->lb);
		return -1;
	}
	rc.ctx = a;
	rules_set_referer(&a->rules, &rc);
	return 0;
}

void analyzer_release(struct analyzer *a)
{
	rules_release(&a->rules);
	lookback_release(&a->lb);
	hour_copies_release(&a->pass1_copies);
	pub_domains_release(&a->dom);
	inventory_free(a->inv);
	a->inv = NULL;
}

const char *analyzer_pub_name(void *ctx, uint32_t pub)
{
	const struct analyzer *a = ctx;
	const struct inv_pub *p = a->inv ? inventory_pub(a->inv, pub) : NULL;

	return p && p->name && *p->name ? p->name : NULL;
}

int analyzer_domains(struct analyzer *a, const struct inventory *inv,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < inv->npubs; i++) {
		int e = pub_domains_set(&a->dom, inv->pubs[i].id,
					inv->pubs[i].domains);

		if (e) {
			snprintf(err, errlen, "publisher %u's domains: %s",
				 inv->pubs[i].id, strerror(-e));
			return -1;
		}
	}
	return 0;
}

int analyzer_domains_file(struct analyzer *a, const char *path, char *err,
			  size_t errlen)
{
	struct inventory *inv;
	struct stat st;
	int rc;

	if (stat(path, &st) && errno == ENOENT) {
		snprintf(err, errlen, "no inventory file '%s': publishers' "
			 "domains unknown, foreign_referer off", path);
		return 1;
	}
	if (inventory_load(path, &inv, err, errlen))
		return -1;
	rc = analyzer_domains(a, inv, err, errlen);
	inventory_free(a->inv);
	a->inv = inv;
	return rc;
}

/* Feed the previous hour's (opened) last rules_warmup_ms into the
 * windows, so a duplicate click a second after midnight is still one. */
static int warm(struct analyzer *a, struct hour_set *p, uint32_t hour)
{
	int64_t start = hour_start_ms(hour);
	struct hour_merge m;
	const struct seg_record *rec;
	uint32_t seg;

	a->warmed = 0;
	if (!p->n)
		return 0;
	if (hour_merge_init(&m, p, start - rules_warmup_ms(&a->rules)))
		return -1;
	while ((rec = hour_merge_next(&m, &seg)) && rec->ts_ms < start) {
		if (rec->type == EVENT_SERVED)
			continue;
		rules_warm(&a->rules, rec,
			   hour_ua_hash(&p->segs[seg], rec->ua));
		a->warmed++;
	}
	if (m.nomem) {
		hour_merge_release(&m);
		return -1;
	}
	hour_merge_release(&m);
	return 0;
}

static void feed_pubscore(struct analyzer *a, const struct segment_reader *r,
			  const struct seg_record *rec, uint32_t hour,
			  uint32_t reasons, uint64_t visitor)
{
	struct pub_event pe;
	struct span ref = { "", 0 };

	memset(&pe, 0, sizeof(pe));
	pe.pub = rec->pub;
	pe.zone = rec->zone;
	pe.type = rec->type;
	pe.render = (rec->flags & EVENT_F_RENDER_MASK) != 0;
	pe.hour = (uint8_t)(hour % 100);
	if (rec->ref != SEG_NO_STRING && segment_string_get(r, rec->ref, &ref))
		pe.ref = (uint8_t)pub_domains_class(&a->dom, rec->pub, ref);
	pe.has_uid = rec->has_uid;
	pe.uid_new = (rec->flags & EVENT_F_UID_NEW) != 0;
	pe.reasons = reasons;
	pe.addr = rules_addr_key(rec);
	/* a kept uid is one person over the addresses it roams; without
	 * one, the address */
	if (rec->has_uid && !(rec->flags & EVENT_F_UID_NEW))
		pe.visitor = visitor;
	if (rec->type == EVENT_CLICK)
		pe.addr_imps = rules_addr_imps(&a->rules, pe.addr);
	pubscore_event(a->ps, &pe);
}

int analyzer_hour(struct analyzer *a, struct hour_set *h, struct rollup *out,
		  char *err, size_t errlen)
{
	struct hour_merge m;
	struct hour_set prev;
	const struct seg_record *rec;
	const struct daymarks *dm = daymarks_covers(a->marks, h->hour) ?
				    a->marks : NULL;
	uint32_t seg;
	int64_t t0 = clock_mono_ms(), t1;
	int rc;

	a->day_marked = 0;
	if (hour_open(h, err, errlen))
		return -1;
	/* keys grow far slower than events (~2 x 10^5 at 5 M and at 20 M) */
	if (rollup_reserve(out, h->events / 16 < 200000 ? h->events / 16 : 200000))
		goto out_nomem;
	/* the previous hour: warm-up and most of the look-back, opened once */
	if (hour_scan(&prev, a->data_dir, hour_add(h->hour, -1), err, errlen))
		return -1;
	rc = hour_open(&prev, err, errlen) ||
	     lookback_prepare(&a->lb, h, &prev, err, errlen);
	if (!rc) {
		rules_begin_hour(&a->rules, hour_start_ms(h->hour));
		if (warm(a, &prev, h->hour)) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
	}
	if (!rc)
		rc = hour_read_error(&prev, err, errlen);
	hour_release(&prev);
	if (rc)
		return -1;
	t1 = clock_mono_ms();
	a->ms_lookback = t1 - t0;

	if (hour_merge_init(&m, h, INT64_MIN))
		goto out_nomem;
	hour_merge_keep(&m, &a->pass1_copies);
	while ((rec = hour_merge_next(&m, &seg))) {
		if (rec->type == EVENT_SERVED)
			continue;       /* counted, never judged: not billed */
		rules_observe(&a->rules, rec, hour_ua_hash(&h->segs[seg], rec->ua));
		lookback_observe(&a->lb, rec, &h->segs[seg]);
	}
	a->out_of_order = m.out_of_order;
	if (m.nomem) {
		hour_merge_release(&m);
		goto out_nomem;
	}
	hour_merge_release(&m);
	rules_end_observe(&a->rules);
	if (a->ps && rules_pubscore(&a->rules, a->ps))
		goto out_nomem;

	if (hour_merge_init(&m, h, INT64_MIN))
		goto out_nomem;
	/* the same stream again: pass 1's copies, without the window */
	hour_merge_replay(&m, &a->pass1_copies);
	/* the referer rule and the publisher scores read each one; without
	 * domains the rule reads none */
	if (pub_domains_any(&a->dom) || a->ps)
		hour_merge_refs_ahead(&m);
	for (;;) {
		struct rollup_ev ev[ROLLUP_BATCH];
		/* a record lives until the next hour_merge_next */
		struct seg_record copy[ROLLUP_BATCH];
		size_t n = 0;

		while (n < ROLLUP_BATCH && (rec = hour_merge_next(&m, &seg))) {
			const struct segment_reader *r = &h->segs[seg].r;
			uint64_t ua = hour_ua_hash(&h->segs[seg], rec->ua);
			uint64_t vkey = rules_visitor_key(rec, ua);
			bool served = rec->type == EVENT_SERVED;
			uint32_t reasons, day;

			a->cur = r;
			reasons = served ? 0 : rec->reasons |
				  rules_event(&a->rules, rec, ua);
			day = dm ? daymarks_event(dm, rec, ua) : 0;
			a->day_marked += day != 0;
			reasons |= day;

			copy[n] = *rec;
			rollup_prefetch(out, rec);
			ev[n] = (struct rollup_ev){
				&copy[n], vkey, reasons };
			n++;
			if (a->ps)
				feed_pubscore(a, r, rec, h->hour, reasons,
					      vkey);
			if (a->on_event &&
			    a->on_event(a->on_event_ctx, r, rec, reasons)) {
				hour_merge_release(&m);
				snprintf(err, errlen, "hour %010u: the verdict of "
					 "event %016llx was not taken", h->hour,
					 (unsigned long long)rec->id);
				return -1;
			}
		}
		if (!n)
			break;
		if (rollup_add_batch(out, ev, n)) {
			hour_merge_release(&m);
			goto out_nomem;
		}
	}
	a->cur = NULL;
	a->copies = out->copies = m.copies;
	if (m.nomem) {
		hour_merge_release(&m);
		goto out_nomem;
	}
	hour_merge_release(&m);
	if (hour_read_error(h, err, errlen))
		return -1;
	rollup_finish(out);
	a->ms_passes = clock_mono_ms() - t1;
	return 0;
out_nomem:
	snprintf(err, errlen, "out of memory analysing hour %010u", h->hour);
	return -1;
}
