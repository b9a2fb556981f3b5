/* test_daymarks.c - the judgement over a rolling day on hand-made days of
 * ordinary people (three impressions an hour on five publishers, a click
 * in four addresses; the farms below bring the window's CTR to about
 * 1%, five times the people's): a self-clicker with two home addresses
 * clicking each of its 2 impressions an hour on its own publisher (96
 * clicks, never 5 in an hour) is marked on both addresses and its kept
 * uids, every event of the day, but not an event ingest flagged; a
 * device clicking one in six of what it sees, under ten times the
 * window's CTR but not the people's, is marked; a visitor whose browser
 * a publisher's page makes click every hour is marked on that
 * publisher's clicks and the impressions they name, and keeps its
 * views there and its day elsewhere; a keen reader (5 clicks in 24
 * impressions) and the people are not; an actor clicking 3 of 3 before
 * midnight and 3 of 3 after is marked through the rolling window; on an
 * address shared by
 * people and a farm (a few kept uids reused, a fresh cookie per click,
 * a new cookie every 4 clicks, or uids whose day over other addresses
 * names them) the farm's events are marked and the people's are not;
 * on a house address where a bot and a person's browser both take a
 * fresh cookie on every event, the bot's browser is marked and the
 * person's is not; so is a script beside a person that clicks under the
 * tested rate but always within a second;
 * a farm of 40 hosts of one /24, each clicking 1 of its 2 impressions
 * of the day, is marked by its network, and the people there are not;
 * the marks file reads back
 * with the same verdicts, a damaged one is refused; a late segment of the
 * window or another threshold makes another digest.  On a day of single
 * views, a publisher whose views from fresh addresses click far more
 * often than people's has those addresses marked (one-shot publishers);
 * a viral one is not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "../../analyze/daymarks.h"
#include "../../analyze/reason.h"
#include "event.h"

#define DAY 20260102u
#define D0_MS 1767312000000LL    /* 2026-01-02 00:00 UTC */
#define HOUR_MS 3600000LL
#define PEOPLE 400
#define SELF_A 1000              /* the self-clicker's addresses */
#define SELF_B 1001
#define KEEN 1002
#define STRADDLE 1003
#define SLOW_BOT 1004            /* 8 clicks in 48 impressions */
#define STUFFED 1005             /* a visitor of the stuffing publisher */
#define OWN_PUB 7                /* the self-clicker's publisher */
#define STUFFER_PUB 9            /* its pages click in its visitors' browsers */
#define SHARED_UIDS 1010         /* people and a farm of 3 kept uids */
#define SHARED_CHURN 1011        /* people and a farm of fresh cookies */
#define SHARED_SESSION 1012      /* people and a farm, a new uid a session */
#define SHARED_ROAM 1013         /* people and 10 farm uids seen elsewhere */
#define ROAM_UID 9000            /* ROAM_UID + 0..9, each also on 2000 + j */
#define SHARED_PEOPLE 10         /* people's uids: 5000 + 16 * (a - 1010) + i */
#define FARM_UID 6000            /* FARM_UID + 0..2 */
#define CHURN_UID 7000           /* and up, one per event, issued */
#define SESSION_UID 8000         /* and up, one per 2 hours, issued once */
#define NET_FARM 1020            /* a /24: a farm's hosts and people */
#define NET_HOSTS 40             /* hosts 1..40: 1 click in 2 impressions */
#define NET_PEOPLE 5             /* hosts 101..105: 1 click in 24 */
#define NET_UID 10000            /* NET_UID + host */
#define NET_REPLAY 1030          /* a /24 replaying one token */
#define REPLAY_HOSTS 8           /* hosts 1..8: a view each, the token */
#define HOUSE 1014               /* a bot and a person, no cookie kept */
#define HOUSE_BOT_UID 11000      /* and up, even: the bot's fresh cookies */
#define HOUSE_UID 12000          /* and up: the person's */
#define FAST_HOUSE 1015          /* a clicking script and a person */
#define FAST_BOT_UID 14000       /* and up, even: the script's fresh cookies */
#define FAST_PERSON_UID 15000    /* and up: the person's */
#define FAST_STUFFED 1016        /* a visitor the stuffer's page clicks fast */
#define UA_BOT 0                 /* user agents: indexes into uas[] */
#define UA_PERSON 1

static const char *const uas[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/126.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605.1.15",
};

static char dir[64];
static uint32_t next_seq;
/* one-shot publishers not judged (test_one_shot_publisher turns them on) */
static const struct daymarks_params params = { 10.6, 0.01, 5, 1000, 2.0,
						0.995, { 0, 0, 0, 0 } };

struct hourbuf {
	struct seg_record *v;
	size_t n, cap;
};

static struct hourbuf hours[48];     /* D-1 then D */

static uint32_t hour_no(int i)
{
	return hour_add(DAY * 100, i - 24);
}

static void write_seg(uint32_t hour, const char *name,
		      const struct seg_record *recs, size_t n)
{
	struct segment_writer w;
	char path[256];
	uint64_t sum;
	int fd;

	snprintf(path, sizeof(path), "%s/%u", dir, hour);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/%s", dir, hour, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(segment_writer_init(&w, fd, hour), 0);
	for (size_t i = 0; i < n; i++) {
		struct seg_record r = recs[i];

		if (r.ua != SEG_NO_STRING)
			r.ua = segment_string(&w, uas[r.ua],
					      strlen(uas[r.ua]), NULL);
		assert_int_equal(segment_append(&w, &r), 0);
	}
	assert_int_equal(segment_finish(&w, &sum), 0);
	segment_writer_release(&w);
	close(fd);
}

/* An event of address a with kept uid u at ts; a click names imp. */
static struct seg_record rec_uid(char type, int64_t ts, uint32_t a,
				 uint32_t u, uint64_t imp)
{
	struct seg_record r;

	memset(&r, 0, sizeof(r));
	r.ts_ms = ts;
	r.id = ((uint64_t)(ts - 1577836800000LL) << 22) | (next_seq++ % 4096);
	r.type = (uint8_t)type;
	r.imp = type == 'c' ? imp : 0;
	r.ip_family = 4;
	r.ip[10] = r.ip[11] = 0xff;
	r.ip[12] = 10;
	r.ip[13] = (uint8_t)(a >> 8);
	r.ip[14] = (uint8_t)a;
	r.ip[15] = 7;
	r.has_uid = 1;
	memcpy(r.uid, &u, sizeof(u));
	r.ua = r.ref = SEG_NO_STRING;
	/* one of five publishers by the minute and the hour; the
	 * self-clicker's own */
	r.pub = 1 + (uint32_t)((ts / 60000 + ts / HOUR_MS) % 5);
	if (a == SELF_A || a == SELF_B)
		r.pub = OWN_PUB;
	r.ad = r.zone = r.camp = r.pub;
	r.flags = type == 'c' ? EVENT_F_TOKEN_VALID : 0;
	return r;
}

/* An event of address a with its own kept uid. */
static struct seg_record rec(char type, int64_t ts, uint32_t a, uint64_t imp)
{
	return rec_uid(type, ts, a, a, imp);
}

static struct seg_record *push(int i, struct seg_record r)
{
	struct hourbuf *b = &hours[i];

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		assert_non_null(b->v);
	}
	b->v[b->n] = r;
	return &b->v[b->n++];
}

/* An impression of a at minute min of window hour i, and its click 20 s
 * later when clicked. */
static void visit(int i, int min, uint32_t a, bool clicked)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	uint64_t id = push(i, rec('i', ts, a, 0))->id;

	if (clicked)
		push(i, rec('c', ts + 20000, a, id));
}

/* A forced click: an impression of a on the stuffer's page at minute
 * min of window hour i, clicked by the page 2 s later. */
static void stuffed(int i, int min, uint32_t a)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	struct seg_record r = rec('i', ts, a, 0);
	uint64_t id;

	r.pub = r.ad = r.zone = r.camp = STUFFER_PUB;
	id = push(i, r)->id;
	r = rec('c', ts + 2000, a, id);
	r.pub = r.ad = r.zone = r.camp = STUFFER_PUB;
	push(i, r);
}

/* A view of a on the stuffer's page that the page did not click. */
static void stuffed_view(int i, int min, uint32_t a)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	struct seg_record r = rec('i', ts, a, 0);

	r.pub = r.ad = r.zone = r.camp = STUFFER_PUB;
	push(i, r);
}

/* The same with uid u on host h of address a's /24 (10.a.h); new: a uid
 * this response issued. */
static void visit_host(int i, int min, uint32_t a, uint8_t h, uint32_t u,
		       bool clicked, bool new)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	struct seg_record r = rec_uid('i', ts, a, u, 0);
	uint64_t id;

	r.ip[15] = h;
	r.flags |= new ? EVENT_F_UID_NEW : 0;
	id = push(i, r)->id;
	if (!clicked)
		return;
	r = rec_uid('c', ts + 20000, a, new ? u + 1 : u, id);
	r.ip[15] = h;
	r.flags |= new ? EVENT_F_UID_NEW : 0;
	push(i, r);
}

/* visit_host on address a's own host (10.a.7) */
static void visit_uid(int i, int min, uint32_t a, uint32_t u, bool clicked,
		      bool new)
{
	visit_host(i, min, a, 7, u, clicked, new);
}

/* The session farm's 2 impressions and clicks of hour i on address a: a
 * uid issued by the first impression of every other hour and sent back
 * for its 4 clicks (under day_addr_min_clicks: no pair is tested). */
static void session_hour(int i, uint32_t a)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS;
	uint32_t u = SESSION_UID + (uint32_t)(i - 24) / 2;

	for (int k = 0; k < 2; k++) {
		struct seg_record r = rec_uid('i', ts + (20 + k * 20) * 60000LL,
					      a, u, 0);
		uint64_t id;

		r.flags |= i % 2 == 0 && k == 0 ? EVENT_F_UID_NEW : 0;
		id = push(i, r)->id;
		push(i, rec_uid('c', r.ts_ms + 20000, a, u, id));
	}
}

/* Address a shared by SHARED_PEOPLE people (an impression every 2 hours
 * each, one click on the day: a 4% CTR, keen but people) and a farm
 * clicking 2 of 2 impressions an hour over the day: 3 kept uids in turn
 * (SHARED_UIDS), a fresh cookie on every event (SHARED_CHURN), or a new
 * cookie every other hour (SHARED_SESSION). */
static void shared_hour(int i, uint32_t a)
{
	static uint32_t fresh = CHURN_UID;

	for (uint32_t p = 0; p < SHARED_PEOPLE; p++)
		if ((i + (int)p) % 2 == 0)
			visit_uid(i, (int)p, a,
				  5000 + 16 * (a - SHARED_UIDS) + p,
				  i >= 24 && i < 26, false);
	if (i < 24)
		return;
	if (a == SHARED_SESSION) {
		session_hour(i, a);
		return;
	}
	if (a == SHARED_ROAM) {
		/* 4 clicks here, in hours 24-43, and 8 of 8 at its own
		 * address in hours 24-31: 12 of 12 for the uid */
		for (uint32_t j = 0; j < 10 && i < 32; j++)
			visit_uid(i, 30 + (int)j, 2000 + j, ROAM_UID + j, true,
				  false);
		for (int k = 0; k < 2 && i < 44; k++)
			visit_uid(i, 20 + k * 20, a,
				  ROAM_UID + (uint32_t)(i - 24) / 2, true,
				  false);
		return;
	}
	for (int k = 0; k < 2; k++) {
		if (a == SHARED_CHURN) {
			visit_uid(i, 20 + k * 20, a, fresh, true, true);
			fresh += 2;
		} else {
			visit_uid(i, 20 + k * 20, a,
				  FARM_UID + (uint32_t)(i * 2 + k) % 3, true,
				  false);
		}
	}
}

/* The browsers of hour i's events from index from on: the person's
 * (uids from person up), else the bot's. */
static void browsers(int i, size_t from, uint32_t person)
{
	for (size_t k = from; k < hours[i].n; k++) {
		uint32_t u;

		memcpy(&u, hours[i].v[k].uid, sizeof(u));
		hours[i].v[k].ua = u >= person ? UA_PERSON : UA_BOT;
	}
}

/* Hour i of the house: the person's browser, which keeps no cookie, an
 * impression an hour and one click on day D; the bot's, a fresh cookie
 * too, 2 impressions an hour of day D, each clicked. */
static void house_hour(int i)
{
	static uint32_t bot = HOUSE_BOT_UID, person = HOUSE_UID;
	size_t from = hours[i].n;

	visit_uid(i, 12, HOUSE, person, i == 30, true);
	person += 2;
	for (int k = 0; k < 2 && i >= 24; k++) {
		visit_uid(i, 25 + k * 20, HOUSE, bot, true, true);
		bot += 2;
	}
	browsers(i, from, HOUSE_UID);
}

/* Hour i of the fast house: the person's browser as the house's; the
 * script's, a fresh cookie on every event, 4 impressions an hour of day
 * D and, in every third hour from 26, one of them clicked 300 ms after
 * it loaded (6 clicks in 96: under the tested rate, but every click
 * fast, where the people's take 20 s). */
static void fast_house_hour(int i)
{
	static uint32_t bot = FAST_BOT_UID, person = FAST_PERSON_UID;
	size_t from = hours[i].n;

	visit_uid(i, 14, FAST_HOUSE, person, i == 31, true);
	person += 2;
	for (int k = 0; k < 4 && i >= 24; k++) {
		int64_t ts = D0_MS + (i - 24) * HOUR_MS + (22 + k * 9) * 60000LL;
		struct seg_record r = rec_uid('i', ts, FAST_HOUSE, bot, 0);

		r.flags |= EVENT_F_UID_NEW;
		push(i, r);
		if (k == 0 && i >= 26 && (i - 26) % 3 == 0) {
			r = rec_uid('c', ts + 300, FAST_HOUSE, bot + 1, r.id);
			r.flags |= EVENT_F_UID_NEW;
			push(i, r);
		}
		bot += 2;
	}
	browsers(i, from, FAST_PERSON_UID);
}

/* Hour i of the visitor whose browser the stuffer's page clicks fast:
 * an impression an hour elsewhere (rec()'s publishers), 2 an hour on
 * STUFFER_PUB of day D, the first of hours 24-29 clicked 300 ms after
 * it loaded (6 fast clicks in 48 there: no excess of clicks, all fast). */
static void fast_stuffed_hour(int i)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + 45 * 60000LL;

	visit(i, 3, FAST_STUFFED, false);
	for (int k = 0; k < 2 && i >= 24; k++) {
		struct seg_record r = rec('i', ts + k * 60000, FAST_STUFFED, 0);

		r.pub = r.ad = r.zone = r.camp = STUFFER_PUB;
		push(i, r);
		if (k > 0 || i >= 30)
			continue;
		r = rec('c', r.ts_ms + 300, FAST_STUFFED, r.id);
		r.pub = r.ad = r.zone = r.camp = STUFFER_PUB;
		push(i, r);
	}
}

/* The user agent hash the analyzer passes for r (hour_ua_hash). */
static uint64_t ua_of(const struct seg_record *r)
{
	return r->ua == SEG_NO_STRING ? 0 :
	       XXH3_64bits(uas[r->ua], strlen(uas[r->ua]));
}

/* An impression of host h of the /24 NET_FARM (uid NET_UID + h), and
 * its click when clicked. */
static void net_visit(int i, int min, uint32_t h, bool clicked)
{
	visit_host(i, min, NET_FARM, (uint8_t)h, NET_UID + h, clicked, false);
}

/* Hour i of the /24: the farm's hosts, each 2 impressions in one hour of
 * day D, the first clicked; its people, an impression every 2 hours and
 * one click on day D each. */
static void net_hour(int i)
{
	for (uint32_t h = 1; h <= NET_HOSTS; h++)
		for (int k = 0; i >= 24 && (uint32_t)(i - 24) == h % 24 && k < 2;
		     k++)
			net_visit(i, (int)h + k * 5, h, k == 0);
	for (uint32_t h = 101; h < 101 + NET_PEOPLE; h++)
		if ((i + (int)h) % 2 == 0)
			net_visit(i, 50, h, i / 2 == 15 + (int)(h - 101));
}

static int cmp_ts(const void *x, const void *y)
{
	const struct seg_record *a = x, *b = y;

	return a->ts_ms < b->ts_ms ? -1 : a->ts_ms > b->ts_ms;
}

/* The window's hours, each in time order, as one segment each. */
static void write_hours(void)
{
	for (int i = 0; i < 48; i++) {
		qsort(hours[i].v, hours[i].n, sizeof(*hours[i].v), cmp_ts);
		write_seg(hour_no(i), "a.seg", hours[i].v, hours[i].n);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_daymarks.%ld", (long)getpid());
	mkdir(dir, 0755);
	memset(hours, 0, sizeof(hours));
	for (int i = 0; i < 48; i++) {
		for (uint32_t a = 0; a < PEOPLE; a++) {
			visit(i, (int)(a % 50), a, (a + (uint32_t)i) % 48 == 0);
			visit(i, (int)(a % 50) + 4, a, false);
			visit(i, (int)(a % 50) + 8, a, false);
		}
		if (i >= 24)
			for (int k = 0; k < 2; k++) {
				visit(i, 10 + k * 20, SELF_A, true);
				visit(i, 15 + k * 20, SELF_B, true);
			}
		/* 5 clicks in the day's 24 impressions */
		visit(i, 55, KEEN, i >= 24 && i % 5 == 0);
		/* 3 of 3 before midnight, 3 of 3 after */
		if (i >= 21 && i < 27)
			visit(i, 58, STRADDLE, true);
		for (int j = 0; j < 10; j++)
			visit(i, 40 + j, SLOW_BOT, (i * 10 + j) % 6 == 0);
		visit(i, 5, STUFFED, i == 30);
		visit(i, 16, STUFFED, false);
		if (i >= 24)
			stuffed(i, 27, STUFFED);
		if (i >= 24 && i % 4 == 0)
			stuffed_view(i, 33, STUFFED);
		shared_hour(i, SHARED_UIDS);
		shared_hour(i, SHARED_CHURN);
		shared_hour(i, SHARED_SESSION);
		shared_hour(i, SHARED_ROAM);
		net_hour(i);
		house_hour(i);
		fast_house_hour(i);
		fast_stuffed_hour(i);
	}
	write_hours();
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	for (int i = 0; i < 48; i++)
		free(hours[i].v);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The day's marks over the fixture's window, which must compute. */
static void compute(struct daymarks *m)
{
	char err[256];

	assert_int_equal(daymarks_compute(m, dir, DAY, &params, err,
					  sizeof(err)), 0);
}

/* The day bits of the events of address a in window hours [from, to). */
static void expect_marked(const struct daymarks *m, uint32_t a, int from,
			  int to, bool marked)
{
	size_t seen = 0;

	for (int i = from; i < to; i++)
		for (size_t k = 0; k < hours[i].n; k++) {
			struct seg_record r = hours[i].v[k];
			uint32_t x;

			memcpy(&x, r.uid, sizeof(x));
			if (x != a)
				continue;
			seen++;
			assert_int_equal(daymarks_event(m, &r, ua_of(&r)),
					 marked ? IVT_DAY_ADDR : 0);
			/* an event ingest flagged is never the day's */
			r.reasons = SEG_R_DATACENTER;
			assert_int_equal(daymarks_event(m, &r, ua_of(&r)), 0);
		}
	assert_true(seen > 0);
}

/* Does a click of the window name impression id? */
static bool clicked(uint64_t id)
{
	for (int i = 0; i < 48; i++)
		for (size_t k = 0; k < hours[i].n; k++)
			if (hours[i].v[k].type == 'c' && hours[i].v[k].imp == id)
				return true;
	return false;
}

/* The day bits of the day's events of address a on publisher pub (on
 * the others when !on): marked when asked, except, on pub, the
 * impressions no click names (counted). */
static size_t expect_on_pub(const struct daymarks *m, uint32_t a,
			    uint32_t pub, bool on, bool marked)
{
	size_t seen = 0, kept = 0;

	for (int i = 24; i < 48; i++)
		for (size_t k = 0; k < hours[i].n; k++) {
			const struct seg_record *r = &hours[i].v[k];
			bool want = marked;
			uint32_t x;

			memcpy(&x, r->uid, sizeof(x));
			if (x != a || (r->pub == pub) != on)
				continue;
			if (on && r->type == 'i' && !clicked(r->id)) {
				want = false;
				kept++;
			}
			seen++;
			assert_int_equal(daymarks_event(m, r, ua_of(r)),
					 want ? IVT_DAY_ADDR : 0);
		}
	assert_true(seen > kept);
	return kept;
}

/* Which of day D's events an expectation is about. */
struct match {
	uint32_t a, lo, hi;         /* expect_visitors */
	uint32_t pub;               /* expect_singles */
	bool clicking;
	bool (*fn)(const struct match *w, const struct seg_record *r);
};

/* The day bits of day D's events that w matches (at least one):
 * IVT_DAY_ADDR when marked, else none. */
static void expect_day(const struct daymarks *m, const struct match *w,
		       bool marked)
{
	size_t seen = 0;

	for (int i = 24; i < 48; i++)
		for (size_t k = 0; k < hours[i].n; k++) {
			const struct seg_record *r = &hours[i].v[k];

			if (!w->fn(w, r))
				continue;
			seen++;
			assert_int_equal(daymarks_event(m, r, ua_of(r)),
					 marked ? IVT_DAY_ADDR : 0);
		}
	assert_true(seen > 0);
}

/* An event of address w->a from a uid in [w->lo, w->hi). */
static bool from_visitors(const struct match *w, const struct seg_record *r)
{
	uint32_t u;

	memcpy(&u, r->uid, sizeof(u));
	return r->ip[13] == (uint8_t)(w->a >> 8) &&
	       r->ip[14] == (uint8_t)w->a && u >= w->lo && u < w->hi;
}

/* The day bits of the events of address a in window hours [24, 48) from
 * the uids in [lo, hi). */
static void expect_visitors(const struct daymarks *m, uint32_t a,
			    uint32_t lo, uint32_t hi, bool marked)
{
	struct match w = { .a = a, .lo = lo, .hi = hi, .fn = from_visitors };

	expect_day(m, &w, marked);
}

static void test_shared_address(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	/* the three shared addresses split: the farm of 3 kept uids by its
	 * 3 (address, uid) pairs, the cookie churner by the address's
	 * uid-less group, the session farm by its 12 new uids' pairs (the
	 * new-uid group, marked whole); the people keep their day */
	/* the roaming farm by its 10 uids, each marked by its day; the
	 * house by the bot's browser; the fast house's script by its fast
	 * clicks (test_fast_browser) */
	assert_int_equal(m.addrs_split, 5);
	assert_int_equal(m.parts_marked, 3 + 1 + 12 + 10 + 1 + 1);
	expect_visitors(&m, SHARED_UIDS, FARM_UID, FARM_UID + 3, true);
	expect_visitors(&m, SHARED_UIDS, 5000, FARM_UID, false);
	expect_visitors(&m, SHARED_CHURN, CHURN_UID, UINT32_MAX, true);
	expect_visitors(&m, SHARED_CHURN, 5000, FARM_UID, false);
	expect_visitors(&m, SHARED_SESSION, SESSION_UID, UINT32_MAX, true);
	expect_visitors(&m, SHARED_SESSION, 5000, FARM_UID, false);
	expect_visitors(&m, SHARED_ROAM, ROAM_UID, ROAM_UID + 10, true);
	expect_visitors(&m, SHARED_ROAM, 5000, FARM_UID, false);
	daymarks_release(&m);
}

/* No cookie comes back from either browser of the house (every event
 * issues a uid, so the address is shared): each browser's events are a
 * part, and the bot's is marked, the person's keeps its day. */
static void test_house_browsers(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	expect_visitors(&m, HOUSE, HOUSE_BOT_UID, HOUSE_UID, true);
	expect_visitors(&m, HOUSE, HOUSE_UID, UINT32_MAX, false);
	daymarks_release(&m);
}

/* The script beside a person at the fast house clicks under the tested
 * rate, but every click within 1 s: its browser's day is marked, its
 * views too; the person's is not.  A visitor whose every click is the
 * stuffer's fast one keeps its day elsewhere. */
static void test_fast_browser(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	/* the script's browser; the fast-stuffed visitor's uid and pair */
	assert_int_equal(m.fast_marked, 1 + 2);
	expect_visitors(&m, FAST_HOUSE, FAST_BOT_UID, FAST_PERSON_UID, true);
	expect_visitors(&m, FAST_HOUSE, FAST_PERSON_UID, UINT32_MAX, false);
	/* the stuffer's fast clicks mark its visitor there only: the
	 * clicks and the 6 impressions they name, not its other 42 views
	 * there nor its day elsewhere */
	assert_int_equal(expect_on_pub(&m, FAST_STUFFED, STUFFER_PUB, true,
				       true), 42);
	expect_on_pub(&m, FAST_STUFFED, STUFFER_PUB, false, false);
	daymarks_release(&m);
}

static void test_self_clicker(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	assert_int_equal(m.day, DAY);
	/* whole: the straddler's and the slow device's address and uid
	 * (one visitor each), the shared addresses' farm uids, the roaming
	 * farm's 10 uids and the 10 addresses they have alone, the /24
	 * farm's hosts; on one publisher: the self-clicker's two addresses
	 * and uids (it has no other events) */
	assert_int_equal(m.addrs_marked, 2 + 10 + NET_HOSTS);
	assert_int_equal(m.uids_marked, 2 + 3 + 10);
	expect_marked(&m, SELF_A, 24, 48, true);
	expect_marked(&m, SELF_B, 24, 48, true);
	expect_marked(&m, STRADDLE, 24, 27, true);
	expect_marked(&m, SLOW_BOT, 24, 48, true);
	expect_marked(&m, KEEN, 0, 48, false);
	for (uint32_t a = 0; a < PEOPLE; a += 37)
		expect_marked(&m, a, 0, 48, false);
	assert_true(daymarks_covers(&m, DAY * 100 + 23));
	assert_false(daymarks_covers(&m, hour_no(23)));
	daymarks_release(&m);
}

/* The stuffer's forced clicks mark its visitor on the stuffer alone:
 * improbable there, an ordinary reader elsewhere. */
static void test_one_publisher(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	/* the stuffed visitor's and the self-clicker's two visitors' each
	 * by its address, its uid and their pair; the fast-stuffed
	 * visitor's by its uid and its pair (test_fast_browser) */
	assert_int_equal(m.keys_narrowed, 3 * 3);
	assert_int_equal(m.pubs_marked, 3 * 3 + 2);
	/* the views the page did not click are kept */
	assert_int_equal(expect_on_pub(&m, STUFFED, STUFFER_PUB, true, true), 6);
	expect_on_pub(&m, STUFFED, STUFFER_PUB, false, false);
	assert_int_equal(expect_on_pub(&m, SELF_A, OWN_PUB, true, true), 0);
	daymarks_release(&m);
}

/* The /24 farm: no host has day_addr_min_clicks clicks, but the network's
 * are improbable: its hosts above the tested rate are marked whole, its
 * people (a 4% CTR, under it) keep their day.  Every other network is
 * one address, explained or not by itself alone. */
static void test_network(void **state)
{
	struct daymarks m;

	(void)state;
	compute(&m);
	assert_int_equal(m.nets_marked, 1);
	assert_int_equal(m.addrs_by_net, NET_HOSTS);
	expect_visitors(&m, NET_FARM, NET_UID + 1, NET_UID + NET_HOSTS + 1,
			true);
	expect_visitors(&m, NET_FARM, NET_UID + 101,
			NET_UID + 101 + NET_PEOPLE, false);
	daymarks_release(&m);
}

/* Hour 30 of the replaying /24 (uid NET_UID + 200 + host): each host
 * views an impression and clicks host 1's, the hosts' clicks in turn.
 * The network's own distinct clicks are one; its addresses' are one
 * each, what judge_nets() tests. */
static void write_replay(void)
{
	struct seg_record v[2 * REPLAY_HOSTS];
	int64_t ts = D0_MS + 6 * HOUR_MS;
	uint64_t token = 0;

	for (uint32_t h = 1; h <= REPLAY_HOSTS; h++) {
		struct seg_record *r = &v[h - 1];

		*r = rec_uid('i', ts + h * 1000, NET_REPLAY, NET_UID + 200 + h,
			     0);
		r->ip[15] = (uint8_t)h;
		token = token ? token : r->id;
		v[REPLAY_HOSTS + h - 1] = rec_uid('c', ts + 60000 + h * 1000,
						  NET_REPLAY,
						  NET_UID + 200 + h, token);
		v[REPLAY_HOSTS + h - 1].ip[15] = (uint8_t)h;
	}
	write_seg(hour_no(30), "replay.seg", v, 2 * REPLAY_HOSTS);
}

/* A network judge_nets() tests is a test of the Bonferroni count, though
 * its own distinct clicks are under day_addr_min_clicks: a token
 * replayed over its addresses counts once for the network and once on
 * each address. */
static void test_network_counted(void **state)
{
	struct daymarks before, after;
	char path[128];

	(void)state;
	compute(&before);
	write_replay();
	compute(&after);
	snprintf(path, sizeof(path), "%s/%u/replay.seg", dir, hour_no(30));
	unlink(path);
	assert_int_equal(after.nets_marked, before.nets_marked + 1);
	assert_int_equal(after.addrs_by_net,
			 before.addrs_by_net + REPLAY_HOSTS);
	assert_int_equal(after.nets_tested, before.nets_tested + 1);
	assert_int_equal(after.tests, before.tests + 1);
	daymarks_release(&before);
	daymarks_release(&after);
}

static void test_save_load(void **state)
{
	struct daymarks m, back;
	char err[256], path[128];
	FILE *f;

	(void)state;
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), 0);
	assert_int_equal(back.day, 0);
	assert_int_equal(daymarks_event(&back, &hours[30].v[0], 0), 0);
	compute(&m);
	assert_int_equal(daymarks_save(&m, dir, err, sizeof(err)), 0);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), 1);
	assert_string_equal(back.digest, m.digest);
	assert_int_equal(back.n, m.n);
	expect_marked(&back, SELF_A, 24, 48, true);
	expect_marked(&back, KEEN, 24, 48, false);
	expect_on_pub(&back, STUFFED, STUFFER_PUB, true, true);
	expect_on_pub(&back, STUFFED, STUFFER_PUB, false, false);
	daymarks_release(&back);
	daymarks_release(&m);
	/* cut short: refused, not read as fewer marks */
	snprintf(path, sizeof(path), "%s/day/%u.marks", dir, DAY);
	assert_int_equal(truncate(path, 70), 0);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	assert_non_null(f = fopen(path, "w"));
	fputs("not marks", f);
	fclose(f);
	assert_int_equal(daymarks_load(&back, dir, DAY, err, sizeof(err)), -1);
	unlink(path);
}

static void test_digest(void **state)
{
	char a[40], b[40], c[40], err[256];
	struct daymarks_params other = params;
	struct seg_record late;

	(void)state;
	assert_int_equal(daymarks_digest(dir, DAY, &params, a, err, sizeof(err)), 0);
	assert_int_equal(daymarks_digest(dir, DAY, &params, b, err, sizeof(err)), 0);
	assert_string_equal(a, b);
	other.alpha = 0.02;
	assert_int_equal(daymarks_digest(dir, DAY, &other, c, err, sizeof(err)), 0);
	assert_string_not_equal(a, c);
	/* a late segment of the day before, inside the window */
	late = rec('i', D0_MS - 2 * HOUR_MS + 5, 77, 0);
	write_seg(hour_no(22), "late.seg", &late, 1);
	assert_int_equal(daymarks_digest(dir, DAY, &params, c, err, sizeof(err)), 0);
	assert_string_not_equal(a, c);
	snprintf(err, sizeof(err), "%s/%u/late.seg", dir, hour_no(22));
	unlink(err);
}

/* A day of single views (fresh addresses, uids issued: n numbers
 * them): the people's on five publishers and on a viral one, one in 80
 * clicked; and on SHOT_PUB a person's view every 6 hours and a
 * self-clicker's views from a proxy network, a fresh exit and browser
 * each, every one clicked 5 s later. */
#define SHOT_PUB 11
#define VIRAL_PUB 12
#define SHOT_FRAUD 8             /* the self-clicker's views an hour */

static uint32_t fresh_no;

/* A single view on pub at minute min of window hour i from a fresh
 * address, clicked when asked; its address number. */
static uint32_t single_view(int i, int min, uint32_t pub, bool clicked)
{
	int64_t ts = D0_MS + (i - 24) * HOUR_MS + min * 60000LL;
	uint32_t n = fresh_no++;
	struct seg_record r = rec_uid('i', ts, 0, 100000 + n, 0);
	uint64_t id;

	r.ip[12] = 11;
	r.ip[13] = (uint8_t)(n >> 16);
	r.ip[14] = (uint8_t)(n >> 8);
	r.ip[15] = (uint8_t)n;
	r.pub = r.ad = r.zone = r.camp = pub;
	r.flags |= EVENT_F_UID_NEW;
	id = push(i, r)->id;
	if (clicked) {
		r.type = 'c';
		r.ts_ms = ts + 5000;
		r.id += 5000ull << 22;
		r.imp = id;
		r.flags = EVENT_F_TOKEN_VALID;
		push(i, r);
	}
	return n;
}

static void shot_hour(int i)
{
	for (int k = 0; k < 160; k++)
		single_view(i, k % 60, 1 + (uint32_t)k % 5, k % 80 == 0);
	for (int k = 0; k < 80; k++)
		single_view(i, k % 60, VIRAL_PUB, k % 80 == 1);
	if (i % 6 == 0)
		single_view(i, 30, SHOT_PUB, false);
	for (int k = 0; k < SHOT_FRAUD; k++)
		single_view(i, 3 + k * 7, SHOT_PUB, true);
}

static int setup_shots(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dayshot.%ld", (long)getpid());
	mkdir(dir, 0755);
	memset(hours, 0, sizeof(hours));
	fresh_no = 0;
	for (int i = 0; i < 48; i++) {
		for (uint32_t a = 0; a < PEOPLE; a++) {
			visit(i, (int)(a % 50), a, (a + (uint32_t)i) % 48 == 0);
			visit(i, (int)(a % 50) + 4, a, false);
		}
		shot_hour(i);
	}
	write_hours();
	return 0;
}

/* An event on w->pub of a fresh address (single_view) that clicked
 * (one-shot) when w->clicking, that did not else. */
static bool from_singles(const struct match *w, const struct seg_record *r)
{
	return r->ip[12] == 11 && r->pub == w->pub &&
	       (r->type == 'c' || clicked(r->id)) == w->clicking;
}

/* The day bits of every event of day D on pub from the fresh addresses,
 * clicking ones (one-shot) or not: marked when asked. */
static void expect_singles(const struct daymarks *m, uint32_t pub,
			   bool clicking, bool marked)
{
	struct match w = { .pub = pub, .clicking = clicking,
			   .fn = from_singles };

	expect_day(m, &w, marked);
}

/* The self-clicker's 8 one-shot visits an hour are an improbable excess
 * over people's one in 80 (one-shot addresses against single-view
 * visits): marked, view and click, over both days' hours.  The people's
 * one-shot clicks elsewhere and on the viral publisher, at people's
 * rate, are not; nor are the views that did not click, on SHOT_PUB
 * too. */
static void test_one_shot_publisher(void **state)
{
	struct daymarks_params p = params;
	struct daymarks m;
	char err[256];

	(void)state;
	p.shot = (struct dayshot_params){ 2.0, 0.995, 5, 1000 };
	assert_int_equal(daymarks_compute(&m, dir, DAY, &p, err,
					  sizeof(err)), 0);
	assert_int_equal(m.shot.pubs_marked, 1);
	assert_int_equal(m.shot.addrs_marked, 2 * 24 * SHOT_FRAUD);
	expect_singles(&m, SHOT_PUB, true, true);
	expect_singles(&m, SHOT_PUB, false, false);
	expect_singles(&m, VIRAL_PUB, true, false);
	expect_singles(&m, 1, true, false);
	for (uint32_t a = 0; a < PEOPLE; a += 37)
		expect_marked(&m, a, 0, 48, false);
	daymarks_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_clicker),
		cmocka_unit_test(test_house_browsers),
		cmocka_unit_test(test_fast_browser),
		cmocka_unit_test(test_shared_address),
		cmocka_unit_test(test_one_publisher),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_network_counted),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_digest),
	};

	const struct CMUnitTest shots[] = {
		cmocka_unit_test(test_one_shot_publisher),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);

	return failed + cmocka_run_group_tests(shots, setup_shots, teardown);
}
