/* givt.c - the per-event rules of ingest.  A user agent is matched against
 * the pattern classes once per distinct UA (per thread cache), so the cost
 * of the regular expressions is paid per UA, not per line. */
#include "givt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

static const char *const class_names[GC__COUNT] = {
	"bot", "tool", "preview", "allow"
};

void givt_init(struct givt *r)
{
	memset(r, 0, sizeof(*r));
	cidr_init(&r->dc);
}

void givt_release(struct givt *r)
{
	for (int i = 0; i < GC__COUNT; i++) {
		pcre2_code_free(r->re[i]);
		free(r->pending[i].s);
		r->pending[i] = (struct givt_pat){ 0 };
	}
	cidr_release(&r->dc);
	givt_init(r);
}

static int pat_append(struct givt_pat *b, const char *s, size_t n)
{
	if (b->len + n + 8 > b->cap) {
		size_t c = (b->cap + n + 8) * 2;
		char *p = realloc(b->s, c);

		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = c;
	}
	if (b->len)
		b->s[b->len++] = '|';
	memcpy(b->s + b->len, "(?:", 3);
	memcpy(b->s + b->len + 3, s, n);
	b->s[b->len + 3 + n] = ')';
	b->len += n + 4;
	b->s[b->len] = '\0';
	return 0;
}

static pcre2_code *compile(const char *s, size_t n, int *ecode, size_t *eoff)
{
	return pcre2_compile((PCRE2_SPTR)s, n, PCRE2_CASELESS | PCRE2_NO_UTF_CHECK,
			     ecode, eoff, NULL);
}

int givt_add_patterns(struct givt *r, const char *text, size_t len,
		       const char *name, enum givt_class class_default,
		       char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	enum givt_class cls = class_default;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n;

		line++;
		while (le > p && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		n = (size_t)(le - p);
		if (n && p[0] == '[' && le[-1] == ']') {
			int c;

			for (c = 0; c < GC__COUNT; c++)
				if (n - 2 == strlen(class_names[c]) &&
				    !memcmp(p + 1, class_names[c], n - 2))
					break;
			if (c == GC__COUNT) {
				snprintf(err, errlen, "%s:%u: unknown section '%.*s'",
					 name, line, (int)n, p);
				return -1;
			}
			cls = (enum givt_class)c;
		} else if (n && p[0] != '#') {
			int ec;
			size_t eo;
			pcre2_code *one = compile(p, n, &ec, &eo);

			if (!one) {
				PCRE2_UCHAR msg[120];

				pcre2_get_error_message(ec, msg, sizeof(msg));
				snprintf(err, errlen, "%s:%u: bad pattern '%.*s': %s",
					 name, line, (int)(n > 60 ? 60 : n), p,
					 (const char *)msg);
				return -1;
			}
			pcre2_code_free(one);
			if (pat_append(&r->pending[cls], p, n)) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			r->npatterns[cls]++;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int givt_compile(struct givt *r, char *err, size_t errlen)
{
	for (int i = 0; i < GC__COUNT; i++) {
		int ec;
		size_t eo;

		pcre2_code_free(r->re[i]);
		r->re[i] = NULL;
		if (!r->pending[i].len)
			continue;
		r->re[i] = compile(r->pending[i].s, r->pending[i].len, &ec, &eo);
		if (!r->re[i]) {
			snprintf(err, errlen, "cannot compile the %s patterns",
				 class_names[i]);
			return -1;
		}
		/* JIT is an optimisation: without it matching still works */
		pcre2_jit_compile(r->re[i], PCRE2_JIT_COMPLETE);
		free(r->pending[i].s);
		r->pending[i] = (struct givt_pat){ 0 };
	}
	cidr_finish(&r->dc);
	return 0;
}

static int load_patterns(struct givt *r, const char *path,
			 enum givt_class cls, char *err, size_t errlen)
{
	size_t len;
	char *text;
	int rc;

	if (!path[0])
		return 0;
	if (!(text = fs_read_file(path, &len))) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	rc = givt_add_patterns(r, text, len, path, cls, err, errlen);
	free(text);
	return rc;
}

int givt_load(struct givt *r, const char *bots, const char *local,
	       const char *cidrs, char *err, size_t errlen)
{
	givt_init(r);
	if (load_patterns(r, bots, GC_BOT, err, errlen) ||
	    load_patterns(r, local, GC_BOT, err, errlen) ||
	    (cidrs[0] && cidr_load_file(&r->dc, cidrs, err, errlen)) ||
	    givt_compile(r, err, errlen)) {
		givt_release(r);
		return -1;
	}
	return 0;
}

int givt_ctx_init(struct givt_ctx *c, const struct givt *r)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->md = pcre2_match_data_create(1, NULL);
	c->cache = calloc(GIVT_UA_CACHE_SLOTS, sizeof(*c->cache));
	if (!c->md || !c->cache) {
		givt_ctx_release(c);
		return -ENOMEM;
	}
	return 0;
}

void givt_ctx_release(struct givt_ctx *c)
{
	pcre2_match_data_free(c->md);
	free(c->cache);
	c->md = NULL;
	c->cache = NULL;
}

static bool match(struct givt_ctx *c, enum givt_class cls, const char *s,
		  size_t n)
{
	const pcre2_code *re = c->r->re[cls];

	return re && pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, c->md, NULL) >= 0;
}

/* One reason per agent, the most specific class first: a link preview is a
 * preview whatever else it matches (the lists' generic patterns also match
 * "facebookexternalhit/1.1"), an allowed agent is a person, a tool is a
 * tool ("curl/8.0" has a version like a bot's), and only then a bot.  The
 * small classes run first; the large [bot] pattern only for what is left. */
static uint32_t classify(struct givt_ctx *c, const char *ua, size_t len)
{
	if (len == 0)
		return SEG_R_NON_BROWSER;
	if (match(c, GC_PREVIEW, ua, len))
		return SEG_R_PREVIEW_UA;
	if (match(c, GC_ALLOW, ua, len))
		return 0;
	if (match(c, GC_TOOL, ua, len))
		return SEG_R_NON_BROWSER;
	if (match(c, GC_BOT, ua, len))
		return SEG_R_BOT_UA;
	return 0;
}

uint32_t givt_ua(struct givt_ctx *c, const char *ua, size_t len,
		  uint64_t key)
{
	struct ua_slot *s = &c->cache[key & (GIVT_UA_CACHE_SLOTS - 1)];

	if (s->used && s->key == key) {
		c->hits++;
		return s->verdict;
	}
	c->misses++;
	s->key = key;
	s->verdict = classify(c, ua, len);
	s->used = 1;
	return s->verdict;
}

uint32_t givt_event(struct givt_ctx *c, const struct event *ev,
		     uint64_t ua_key)
{
	uint32_t v = givt_ua(c, ev->ua.ptr, ev->ua.len, ua_key);
	uint32_t f = ev->flags;

	if (cidr_contains(&c->r->dc, &ev->ip))
		v |= SEG_R_DATACENTER;
	if (f & (EVENT_F_HEAD | EVENT_F_PREFETCH))
		v |= SEG_R_PREFETCH;
	if (f & EVENT_F_TOKEN_BAD)
		v |= SEG_R_TOKEN_BAD;
	if (f & EVENT_F_TOKEN_EXPIRED)
		v |= SEG_R_TOKEN_EXPIRED;
	if (f & EVENT_F_UNSIGNED_DENY)
		v |= SEG_R_UNSIGNED_DENY;
	if (f & EVENT_F_UNKNOWN)
		v |= SEG_R_UNKNOWN;
	return v;
}
