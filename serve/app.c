/* app.c - the request handler of adlog-serve: route on DOCUMENT_URI, read
 * the query, cookie and hint headers, queue the event line and render the
 * answer; the caller writes the queued lines with one write(2) (app_flush)
 * before it sends any of their answers.  Nothing from the request is copied
 * into a response header but an Origin the zone's publisher owns (CORS);
 * the redirect target comes from the inventory. */
#include "app.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "event.h"
#include "inventory.h"
#include "query.h"
#include "utchour.h"

static const unsigned char gif[43] = {
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0,
	0, 0, 0, 0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0,
	1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
};

/* ---- a bounded response builder ---- */

struct buf {
	char *p;
	size_t len, cap;
};

static void put_mem(struct buf *b, const void *s, size_t n)
{
	if (n > b->cap - b->len)
		n = b->cap - b->len;   /* cap is far above any response */
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

static void put_dec(struct buf *b, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(b, tmp + sizeof(tmp) - n, (size_t)n);
}

static void put_hex16(struct buf *b, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];

	for (int i = 15; i >= 0; i--, v >>= 4)
		tmp[i] = hex[v & 15];
	put_mem(b, tmp, 16);
}

/* JSON string body; inventory URLs hold no quotes or controls, but a
 * backslash is possible. */
static void put_json_str(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			put_mem(b, "\\", 1);
		put_mem(b, s + i, 1);
	}
}

/* HTML attribute value; inventory URLs hold no quotes, but '&' is usual. */
static void put_html_attr(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': put_str(b, "&amp;"); break;
		case '<': put_str(b, "&lt;"); break;
		case '>': put_str(b, "&gt;"); break;
		case '"': put_str(b, "&quot;"); break;
		case '\'': put_str(b, "&#39;"); break;
		default: put_mem(b, s + i, 1);
		}
	}
}

static const char *status_line(int status)
{
	switch (status) {
	case 200: return "Status: 200 OK\r\n";
	case 204: return "Status: 204 No Content\r\n";
	case 302: return "Status: 302 Found\r\n";
	case 400: return "Status: 400 Bad Request\r\n";
	case 404: return "Status: 404 Not Found\r\n";
	case 405: return "Status: 405 Method Not Allowed\r\n";
	default: return "Status: 500 Internal Server Error\r\n";
	}
}

/* ---- randomness ---- */

static void rand_fill(struct serve_worker *w, uint8_t *dst, size_t n)
{
	if (w->rnd_left < n) {
		if (RAND_bytes(w->rnd, sizeof(w->rnd)) != 1) {
			/* libcrypto failing is not a reason to break the page;
			 * fall back to the per-thread generator */
			for (size_t i = 0; i < sizeof(w->rnd); i++) {
				uint64_t x = w->rng[0] ^ (w->rng[0] << 23);

				w->rng[0] = w->rng[1];
				w->rng[1] = x ^ w->rng[1] ^ (x >> 17) ^
					    (w->rng[1] >> 26);
				w->rnd[i] = (uint8_t)(w->rng[1] + w->rng[0]);
			}
		}
		w->rnd_left = sizeof(w->rnd);
	}
	memcpy(dst, w->rnd + sizeof(w->rnd) - w->rnd_left, n);
	w->rnd_left -= n;
}

static uint64_t rand64(struct serve_worker *w)
{
	uint64_t v;

	rand_fill(w, (uint8_t *)&v, sizeof(v));
	return v;
}

/* ---- set-up ---- */

static bool cookie_text_ok(const char *s, bool domain)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (domain && c == '.')))
			return false;
	}
	return true;
}

int app_init(struct serve_app *app, const struct config *cfg, unsigned node,
	     size_t nthreads, char *err, size_t errlen)
{
	const struct config_serve *s = &cfg->serve;
	int n;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->node = node;
	app->nthreads = nthreads;
	app->start_mono_ms = clock_mono_ms();
	if (node > EVENTID_NODE_MAX) {
		snprintf(err, errlen, "node id %u above %u", node, EVENTID_NODE_MAX);
		return -1;
	}
	if (token_keys_init(&app->keys, (unsigned)s->token_key_id, s->token_key,
			    (unsigned)s->token_old_key_id, s->token_old_key,
			    err, errlen))
		return -1;
	if (!*s->cookie_name || !cookie_text_ok(s->cookie_name, false) ||
	    !cookie_text_ok(s->cookie_domain, true)) {
		snprintf(err, errlen, "cookie_name or cookie_domain has bytes other than letters, digits, '-', '_' (and '.')");
		return -1;
	}
	for (const char *c = s->click_base; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == '"' || *c == '\\' ||
		    (unsigned char)*c == 0x7f) {
			snprintf(err, errlen, "click_base has a control byte, space, quote or backslash");
			return -1;
		}
	n = snprintf(app->cookie_tail, sizeof(app->cookie_tail),
		     "; Max-Age=%lld; Path=/%s%s%s\r\n",
		     (long long)s->cookie_max_age,
		     *s->cookie_domain ? "; Domain=" : "", s->cookie_domain,
		     s->cookie_secure ? "; SameSite=None; Secure" : "; SameSite=Lax");
	app->cookie_tail_len = (size_t)n;
	memcpy(app->click_base, s->click_base, strlen(s->click_base) + 1);
	eventid_init(&app->ids, node);
	if (stats_init(&app->stats, nthreads) ||
	    hazard_init(&app->inv_hz, nthreads + 1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = writer_init(&app->writer, cfg->common.spool_dir, cfg->common.host,
			node, nthreads + 1);
	if (n) {
		snprintf(err, errlen, "cannot use spool directory '%s': %s",
			 cfg->common.spool_dir, strerror(-n));
		return -1;
	}
	if (mkdir(cfg->common.spool_dir, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create spool directory '%s': %s",
			 cfg->common.spool_dir, strerror(errno));
		return -1;
	}
	n = writer_recover(&app->writer);
	if (n < 0) {
		snprintf(err, errlen, "cannot read spool directory '%s': %s",
			 cfg->common.spool_dir, strerror(-n));
		return -1;
	}
	if (n > 0)
		diag_err("closed %d event file(s) left open by an earlier run", n);
	if (app_reload(app, true) < 0) {
		snprintf(err, errlen, "no usable inventory");
		return -1;
	}
	return 0;
}

void app_release(struct serve_app *app)
{
	writer_release(&app->writer);
	inventory_free(atomic_exchange(&app->inv, NULL));
	hazard_release(&app->inv_hz);
	stats_release(&app->stats);
}

int app_reload(struct serve_app *app, bool force)
{
	const char *path = app->cfg->serve.inventory;
	struct inventory *inv, *old;
	struct stat st;
	char err[512];
	int64_t mtime_ns;

	if (stat(path, &st)) {
		if (force) {
			diag_err("cannot stat inventory '%s': %s", path,
				 strerror(errno));
			atomic_fetch_add(&app->inv_errors, 1);
			return -1;
		}
		return 0;
	}
	mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (!force && st.st_ino == app->inv_ino && st.st_dev == app->inv_dev &&
	    st.st_size == app->inv_size && mtime_ns == app->inv_mtime_ns)
		return 0;
	/* remember what was tried, so a broken file is reported once */
	app->inv_ino = st.st_ino;
	app->inv_dev = st.st_dev;
	app->inv_size = st.st_size;
	app->inv_mtime_ns = mtime_ns;
	if (inventory_load(path, &inv, err, sizeof(err))) {
		diag_err("inventory refused, keeping the old one: %s", err);
		atomic_fetch_add(&app->inv_errors, 1);
		return -1;
	}
	old = atomic_exchange(&app->inv, inv);
	atomic_store(&app->inv_loaded_ms, clock_mono_ms());
	atomic_fetch_add(&app->inv_reloads, 1);
	hazard_wait(&app->inv_hz, old);
	inventory_free(old);
	diag_err("inventory '%s' version '%s' loaded: %zu ads, %zu zones",
		 path, inv->version, inv->nads, inv->nzones);
	return 1;
}

int worker_init(struct serve_worker *w, struct serve_app *app, size_t idx)
{
	memset(w, 0, sizeof(*w));
	w->app = app;
	w->idx = idx;
	w->lines = malloc(APP_BATCH_MAX * EVENT_LINE_MAX);
	if (!w->lines || token_mac_init(&w->mac, &app->keys))
		return -1;
	if (RAND_bytes((uint8_t *)w->rng, sizeof(w->rng)) != 1)
		w->rng[0] = (uint64_t)clock_mono_ms() ^ idx, w->rng[1] = ~idx;
	return 0;
}

void worker_release(struct serve_worker *w)
{
	token_mac_release(&w->mac);
	free(w->lines);
	w->lines = NULL;
}

/* ---- handling ---- */

struct ctx {
	struct serve_worker *w;
	const struct serve_request *r;
	struct stats_thread *st;
	const struct inventory *inv;
	struct query q;
	struct event ev;
	int64_t now;
	bool head;
};

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Whether an event at ms fits the event line (2020 to before 2100). */
static bool clock_in_range(int64_t ms)
{
	return ms >= EVENT_ID_EPOCH_MS && ms < EVENT_TS_MAX_MS;
}

/* Facts every event of this request shares; a new uid when none is valid. */
static void event_base(struct ctx *c, char type)
{
	const struct serve_request *r = c->r;
	struct event *ev = &c->ev;
	const char *v;
	size_t vl;

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_ms = c->now;
	/* a clock outside the format's years would also poison the generator */
	ev->id = clock_in_range(c->now) ? eventid_next(&c->w->app->ids, c->now) : 0;
	if (!r->addr || addr_parse(r->addr, strlen(r->addr), &ev->ip))
		ev->ip.family = 4;     /* 0.0.0.0: nginx always sends one */
	if (r->cookie &&
	    cookie_find(r->cookie, strlen(r->cookie),
			c->w->app->cfg->serve.cookie_name, &v, &vl) &&
	    uid_parse(v, vl, ev->uid) == 0) {
		ev->has_uid = true;
	} else {
		rand_fill(c->w, ev->uid, sizeof(ev->uid));
		ev->has_uid = true;
		ev->flags |= EVENT_F_UID_NEW;
	}
	if (c->head)
		ev->flags |= EVENT_F_HEAD;
	if ((r->purpose && purpose_is_prefetch(r->purpose, strlen(r->purpose))) ||
	    (r->sec_purpose &&
	     purpose_is_prefetch(r->sec_purpose, strlen(r->sec_purpose))) ||
	    (r->x_purpose &&
	     purpose_is_prefetch(r->x_purpose, strlen(r->x_purpose))) ||
	    (r->x_moz && purpose_is_prefetch(r->x_moz, strlen(r->x_moz))))
		ev->flags |= EVENT_F_PREFETCH;
	if (!slen(r->accept_lang))
		ev->flags |= EVENT_F_NO_ACCEPT_LANG;
	ev->ua = (struct span){ r->ua, slen(r->ua) };
	ev->ref = (struct span){ r->referer, slen(r->referer) };
}

void app_flush(struct serve_worker *w)
{
	struct stats_thread *st = &w->app->stats.t[w->idx];

	if (!w->lines_n)
		return;
	struct writer_at at;

	if (writer_append(&w->app->writer, w->idx, w->lines, w->lines_len,
			  w->lines_ts, &at) == 0) {
		stats_add(&st->events, w->lines_n);
		stats_add(&st->bytes, w->lines_len);
		for (size_t i = 0; i < w->lines_n; i++)
			w->at[w->line_slot[i]] = (struct writer_at){
				at.file, at.off + (int64_t)w->line_off[i] };
	} else {
		stats_add(&st->dropped, w->lines_n);
	}
	w->lines_len = w->lines_n = 0;
}

void app_retract(struct serve_worker *w, size_t slot)
{
	struct stats_thread *st = &w->app->stats.t[w->idx];

	if (!w->at[slot].file)
		return;
	if (writer_retract(&w->app->writer, w->idx, w->at[slot]) == 0)
		stats_add(&st->retracted, 1);
	else
		stats_add(&st->unretracted, 1);
	w->at[slot].file = 0;
}

/* Queue the event's line for app_flush; the answer goes out whatever
 * happens to it. */
static void event_log(struct ctx *c)
{
	static struct ratelimit rl = { .interval_ms = 10000 };
	struct serve_worker *w = c->w;
	size_t n;

	if (!clock_in_range(c->ev.ts_ms)) {   /* ingest would refuse the line */
		stats_add(&c->st->dropped, 1);
		stats_add(&c->st->clock_bad, 1);
		diag_ratelimited(&rl, "clock reads %lld ms, outside 2020..2099: events dropped",
				 (long long)c->ev.ts_ms);
		return;
	}

	if (w->lines_n && (w->lines_n == APP_BATCH_MAX ||
			   w->lines_ts / HOUR_MS != c->ev.ts_ms / HOUR_MS))
		app_flush(w);
	n = event_render(&c->ev, w->lines + w->lines_len, EVENT_LINE_MAX);
	if (!n) {
		stats_add(&c->st->dropped, 1);
		return;
	}
	if (!w->lines_n)
		w->lines_ts = c->ev.ts_ms;
	w->line_slot[w->lines_n] = w->slot;
	w->line_off[w->lines_n] = w->lines_len;
	w->lines_len += n;
	w->lines_n++;
}

static void head_common(struct ctx *c, struct buf *b, int status)
{
	put_str(b, status_line(status));
	put_str(b, "Cache-Control: no-store\r\n");
	if (c->ev.flags & EVENT_F_UID_NEW) {
		char uid[EVENT_UID_LEN];

		uid_format(c->ev.uid, uid);
		put_str(b, "Set-Cookie: ");
		put_str(b, c->w->app->cfg->serve.cookie_name);
		put_mem(b, "=", 1);
		put_mem(b, uid, sizeof(uid));
		put_mem(b, c->w->app->cookie_tail, c->w->app->cookie_tail_len);
	}
}

/* A short text answer (errors, 404). */
static size_t answer_text(struct ctx *c, struct buf *b, int status,
			  const char *text)
{
	size_t n = strlen(text);

	head_common(c, b, status);
	if (status == 405)
		put_str(b, "Allow: GET, HEAD\r\n");
	put_str(b, "Content-Type: text/plain\r\nContent-Length: ");
	put_dec(b, n + 1);
	put_str(b, "\r\n\r\n");
	if (!c->head) {
		put_mem(b, text, n);
		put_mem(b, "\n", 1);
	}
	return b->len;
}

static void set_ids(struct ctx *c, uint32_t ad_id, uint32_t zone_id,
		    const struct inv_ad **ad_out)
{
	const struct inv_ad *ad = ad_id ? inventory_ad(c->inv, ad_id) : NULL;
	const struct inv_zone *z = zone_id ? inventory_zone(c->inv, zone_id) : NULL;

	c->ev.ad = ad_id;
	c->ev.zone = zone_id;
	c->ev.camp = ad ? ad->camp : 0;
	c->ev.pub = z ? z->pub : 0;
	if (!ad || !z)
		c->ev.flags |= EVENT_F_UNKNOWN;
	*ad_out = ad;
}

static size_t do_pixel(struct ctx *c, struct buf *b, int *status)
{
	uint32_t ad_id, zone_id;
	const struct inv_ad *ad;
	int e;

	if ((e = query_get_id(&c->q, "ad", &ad_id)) ||
	    (e = query_get_id(&c->q, "zone", &zone_id))) {
		*status = 400;
		return answer_text(c, b, 400, query_err_name(e));
	}
	event_base(c, EVENT_IMPRESSION);
	set_ids(c, ad_id, zone_id, &ad);
	event_log(c);
	*status = 200;
	head_common(c, b, 200);
	put_str(b, "Content-Type: image/gif\r\nContent-Length: 43\r\n\r\n");
	if (!c->head)
		put_mem(b, gif, sizeof(gif));
	return b->len;
}

/* The CORS headers of an /ad answer: the Origin echoed only when it is a
 * domain of the zone's publisher (checked byte by byte, so only a plain
 * scheme://host[:port] is ever echoed); others are counted. */
static void put_cors(struct ctx *c, struct buf *b, const struct inv_zone *z)
{
	const char *o = c->r->origin;
	const struct inv_pub *p;

	put_str(b, "Vary: Origin\r\n");
	if (!o)
		return;         /* same origin, or not a browser's fetch */
	p = z ? inventory_pub(c->inv, z->pub) : NULL;
	if (!p || !origin_allowed(o, strlen(o), p->domains)) {
		stats_add(&c->st->cors_refused, 1);
		return;
	}
	put_str(b, "Access-Control-Allow-Origin: ");
	put_str(b, o);
	put_str(b, "\r\nAccess-Control-Allow-Credentials: true\r\n");
}

/* An ad picked for the zone of ?zone=, logged as served ('s'), with the
 * token its render report and its click carry.  Returns NULL with the
 * answer written (400, 404, 204 or 500) when there is none. */
static const struct inv_ad *serve_pick(struct ctx *c, struct buf *b,
				       int *status, bool cors,
				       char tok[TOKEN_LEN])
{
	struct serve_worker *w = c->w;
	const struct inv_zone *z;
	const struct inv_ad *ad;
	uint32_t zone_id;
	int e = query_get_id(&c->q, "zone", &zone_id);

	if (e) {
		*status = 400;
		answer_text(c, b, 400, query_err_name(e));
		return NULL;
	}
	z = inventory_zone(c->inv, zone_id);
	if (!z) {
		*status = 404;
		answer_text(c, b, 404, "unknown zone");
		return NULL;
	}
	ad = inventory_pick(c->inv, z, c->now, rand64(w));
	if (!ad) {
		stats_add(&c->st->no_fill, 1);
		*status = 204;
		put_str(b, status_line(204));
		if (cors)
			put_cors(c, b, z);
		put_str(b, "Cache-Control: no-store\r\n\r\n");
		return NULL;
	}
	event_base(c, EVENT_SERVED);
	c->ev.ad = ad->id;
	c->ev.zone = z->id;
	c->ev.pub = z->pub;
	c->ev.camp = ad->camp;
	if (token_make(&w->mac, c->ev.id, ad->id, z->id, tok)) {
		*status = 500;
		answer_text(c, b, 500, "cannot sign");
		return NULL;
	}
	event_log(c);
	*status = 200;
	head_common(c, b, 200);
	if (cors)
		put_cors(c, b, z);
	return ad;
}

/* The end of an answer whose headers are written: its type, its length
 * and (not for HEAD) the body. */
static size_t put_body(struct ctx *c, struct buf *b, const char *type,
		       const struct buf *body)
{
	put_str(b, "Content-Type: ");
	put_str(b, type);
	put_str(b, "\r\nContent-Length: ");
	put_dec(b, body->len);
	put_str(b, "\r\n\r\n");
	if (!c->head)
		put_mem(b, body->p, body->len);
	return b->len;
}

/* click_base + path + token */
static void put_signed_url(struct buf *b, const struct serve_app *app,
			   const char *path, const char tok[TOKEN_LEN],
			   bool html)
{
	if (html)
		put_html_attr(b, app->click_base, strlen(app->click_base));
	else
		put_json_str(b, app->click_base, strlen(app->click_base));
	put_str(b, path);
	put_mem(b, tok, TOKEN_LEN);
}

static size_t do_ad(struct ctx *c, struct buf *b, int *status)
{
	struct serve_app *app = c->w->app;
	char tok[TOKEN_LEN];
	const struct inv_ad *ad = serve_pick(c, b, status, true, tok);

	if (!ad)
		return b->len;
	/* body first, so the header can carry its exact length */
	char body[2 * INVENTORY_URL_MAX + 3 * CONF_STR_MAX + 256];
	struct buf j = { body, 0, sizeof(body) };

	put_str(&j, "{\"id\":\"");
	put_hex16(&j, c->ev.id);
	put_str(&j, "\",\"ad\":");
	put_dec(&j, ad->id);
	put_str(&j, ",\"width\":");
	put_dec(&j, ad->width);
	put_str(&j, ",\"height\":");
	put_dec(&j, ad->height);
	put_str(&j, ",\"image\":\"");
	put_json_str(&j, ad->image, ad->image_len);
	put_str(&j, "\",\"alt\":\"" APP_AD_ALT "\",\"click\":\"");
	put_signed_url(&j, app, "/c?t=", tok, false);
	put_str(&j, "\",\"render\":\"");
	put_signed_url(&j, app, "/r?t=", tok, false);
	put_str(&j, "\"}\n");
	return put_body(c, b, "application/json", &j);
}

/* The iframe form: a page that shows the ad and reports its render once
 * the creative has loaded (or, with scripts off, as the page is read). */
static size_t do_frame(struct ctx *c, struct buf *b, int *status)
{
	struct serve_app *app = c->w->app;
	char tok[TOKEN_LEN];
	const struct inv_ad *ad = serve_pick(c, b, status, false, tok);

	if (!ad)
		return b->len;
	char body[3 * INVENTORY_URL_MAX + 9 * CONF_STR_MAX + 1024];
	struct buf h = { body, 0, sizeof(body) };

	/* no referer from inside the frame: it would be the frame's URL on
	 * adlog, which the publisher rules would count as a referer outside
	 * the publisher's domains; the served event carries the page */
	put_str(&h, "<!doctype html><html><head><meta charset=\"utf-8\">"
		"<meta name=\"referrer\" content=\"no-referrer\">"
		"<title>ad</title><style>html,body{margin:0;overflow:hidden}"
		"img{display:block;border:0}</style></head><body>"
		"<a href=\"");
	put_signed_url(&h, app, "/c?t=", tok, true);
	put_str(&h, "\" target=\"_top\"><img src=\"");
	put_html_attr(&h, ad->image, ad->image_len);
	put_str(&h, "\" width=\"");
	put_dec(&h, ad->width);
	put_str(&h, "\" height=\"");
	put_dec(&h, ad->height);
	put_str(&h, "\" alt=\"" APP_AD_ALT "\" onload=\"new Image().src=this.dataset.r\" data-r=\"");
	put_signed_url(&h, app, "/r?t=", tok, true);
	put_str(&h, "\"></a><noscript><img src=\"");
	put_signed_url(&h, app, "/r?t=", tok, true);
	put_str(&h, "\" width=\"1\" height=\"1\" alt=\"\"></noscript></body></html>\n");
	return put_body(c, b, "text/html; charset=utf-8", &h);
}

/* Check ?t= of a render or click into the event: its verdict flag, and
 * for a signed token the served id, ad and zone.  Returns the verdict, or
 * a QUERY_E_* below 0 when t is absent or given twice. */
static int token_event(struct ctx *c, struct token_info *ti)
{
	struct serve_worker *w = c->w;
	char t[QUERY_VALUE_MAX];
	int tl = query_get(&c->q, "t", t, sizeof(t));
	enum token_verdict v;

	if (tl == QUERY_E_DUP || tl == QUERY_E_ABSENT)
		return tl;
	v = tl < 0 ? TOKEN_MALFORMED :
		token_check(&w->mac, t, (size_t)tl, c->now,
			    w->app->cfg->serve.token_max_age * 1000, ti);
	c->ev.flags |= v == TOKEN_VALID ? EVENT_F_TOKEN_VALID :
		       v == TOKEN_EXPIRED ? EVENT_F_TOKEN_EXPIRED :
		       EVENT_F_TOKEN_BAD;
	if (v == TOKEN_MALFORMED)
		c->ev.flags |= EVENT_F_UNKNOWN;
	return (int)v;
}

/* The render report of a served ad: an impression under the served id
 * when the token is signed, under a new id when it is not (a forged
 * token must not take the id of a real ad).  Answered with the GIF. */
static size_t do_render(struct ctx *c, struct buf *b, int *status)
{
	const struct inv_ad *ad;
	struct token_info ti;
	int v;

	event_base(c, EVENT_IMPRESSION);
	v = token_event(c, &ti);
	if (v < 0) {
		*status = 400;
		return answer_text(c, b, 400, query_err_name(v));
	}
	if (v == TOKEN_VALID || v == TOKEN_EXPIRED)
		c->ev.id = ti.imp;
	if (v != TOKEN_MALFORMED)
		set_ids(c, ti.ad, ti.zone, &ad);
	event_log(c);
	*status = 200;
	head_common(c, b, 200);
	put_str(b, "Content-Type: image/gif\r\nContent-Length: 43\r\n\r\n");
	if (!c->head)
		put_mem(b, gif, sizeof(gif));
	return b->len;
}

static size_t do_click(struct ctx *c, struct buf *b, int *status)
{
	const struct inv_ad *ad;
	struct token_info ti;
	uint32_t ad_id = 0, zone_id = 0;
	int v;

	event_base(c, EVENT_CLICK);
	v = token_event(c, &ti);
	if (v == QUERY_E_DUP) {
		*status = 400;
		return answer_text(c, b, 400, query_err_name(v));
	}
	if (v == QUERY_E_ABSENT) {
		/* unsigned click from a creative delivered elsewhere */
		int e = query_get_id(&c->q, "ad", &ad_id);

		if (e || ((e = query_get_id(&c->q, "zone", &zone_id)) &&
			  e != QUERY_E_ABSENT)) {
			*status = 400;
			return answer_text(c, b, 400, query_err_name(e));
		}
		c->ev.flags |= EVENT_F_NO_TOKEN;
		set_ids(c, ad_id, zone_id, &ad);
		if (ad && !ad->unsigned_ok)
			c->ev.flags |= EVENT_F_UNSIGNED_DENY;
	} else if (v == TOKEN_MALFORMED) {
		event_log(c);
		*status = 400;
		return answer_text(c, b, 400, "bad token");
	} else {
		c->ev.imp = ti.imp;
		set_ids(c, ti.ad, ti.zone, &ad);
	}
	event_log(c);
	if (!ad) {
		*status = 404;
		return answer_text(c, b, 404, "unknown ad");
	}
	*status = 302;
	head_common(c, b, 302);
	put_str(b, "Location: ");
	put_mem(b, ad->landing, ad->landing_len);
	put_str(b, "\r\nContent-Length: 0\r\n\r\n");
	return b->len;
}

static size_t do_status(struct ctx *c, struct buf *b, int *status)
{
	struct serve_app *app = c->w->app;
	struct stats_view v;
	char fmt[16];
	size_t at, n;
	bool prom = query_get(&c->q, "format", fmt, sizeof(fmt)) >= 0 &&
		    !strcmp(fmt, "prometheus");

	stats_sum(&app->stats, &v);
	v.write_errors = atomic_load(&app->writer.write_errors);
	v.files_closed = atomic_load(&app->writer.files_closed);
	v.open_files = writer_is_open(&app->writer);
	v.inv_reloads = atomic_load(&app->inv_reloads);
	v.inv_errors = atomic_load(&app->inv_errors);
	v.inv_ads = c->inv->nads;
	v.inv_zones = c->inv->nzones;
	v.inv_version = c->inv->version;
	v.uptime_s = (clock_mono_ms() - app->start_mono_ms) / 1000;
	v.inv_age_s = (clock_mono_ms() - atomic_load(&app->inv_loaded_ms)) / 1000;
	v.node = app->node;
	v.pid = (long)getpid();
	*status = 200;
	put_str(b, status_line(200));
	put_str(b, prom ? "Content-Type: text/plain; version=0.0.4\r\n" :
			  "Content-Type: text/plain\r\n");
	put_str(b, "Cache-Control: no-store\r\n\r\n");
	at = b->len;
	n = stats_render(&v, prom, b->p + at, b->cap - at);
	b->len = c->head ? at : at + n;
	return b->len;
}

enum route { R_AD, R_I, R_C, R_STATUS, R_NONE, R_R, R_F };

static enum route route_of(const char *uri)
{
	if (!uri)
		return R_NONE;
	if (!strcmp(uri, "/i"))
		return R_I;
	if (!strcmp(uri, "/ad"))
		return R_AD;
	if (!strcmp(uri, "/c"))
		return R_C;
	if (!strcmp(uri, "/r"))
		return R_R;
	if (!strcmp(uri, "/f"))
		return R_F;
	if (!strcmp(uri, "/status") || !strncmp(uri, "/status/", 8))
		return R_STATUS;
	return R_NONE;
}

size_t app_handle(struct serve_worker *w, size_t slot,
		  const struct serve_request *r, char *out, int *status)
{
	static const enum stats_ep eps[] = { EP_AD, EP_I, EP_C, EP_STATUS,
					     EP_OTHER, EP_R, EP_F };
	struct ctx c;
	struct buf b = { out, 0, APP_OUT_MAX };
	enum route rt = route_of(r->uri);
	size_t n;
	int e;

	memset(&c.ev, 0, sizeof(c.ev));
	w->slot = slot;
	w->at[slot].file = 0;
	c.w = w;
	c.r = r;
	c.st = &w->app->stats.t[w->idx];
	c.now = clock_now_ms();
	c.head = r->method && !strcmp(r->method, "HEAD");
	stats_add(&c.st->busy, 1);
	c.inv = hazard_take(&w->app->inv_hz, w->idx, &w->app->inv);
	if (rt == R_NONE) {
		*status = 404;
		n = answer_text(&c, &b, 404, "not found");
	} else if (!c.head && (!r->method || strcmp(r->method, "GET"))) {
		*status = 405;
		n = answer_text(&c, &b, 405, "method not allowed");
	} else if ((e = query_parse(r->query ? r->query : "", slen(r->query),
				    &c.q))) {
		*status = 400;
		n = answer_text(&c, &b, 400, query_err_name(e));
	} else if (rt == R_I) {
		n = do_pixel(&c, &b, status);
	} else if (rt == R_AD) {
		n = do_ad(&c, &b, status);
	} else if (rt == R_C) {
		n = do_click(&c, &b, status);
	} else if (rt == R_R) {
		n = do_render(&c, &b, status);
	} else if (rt == R_F) {
		n = do_frame(&c, &b, status);
	} else {
		n = do_status(&c, &b, status);
	}
	hazard_drop(&w->app->inv_hz, w->idx);
	stats_add(&c.st->req[eps[rt]][stats_code_of(*status)], 1);
	stats_add(&c.st->busy, (uint64_t)-1);
	return n;
}
