/* event.c - render and parse the event line (v1 and v2), the contract between serve,
 * every downstream reader and third-party tools (docs/log-format.md). */
#include "event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "parse.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char hexdig[] = "0123456789abcdef";

/* ---- small writers: each returns the new end; callers size buffers ---- */

static char *put_hex16(char *p, uint64_t v)
{
	for (int i = 15; i >= 0; i--)
		*p++ = hexdig[(v >> (i * 4)) & 0xf];
	return p;
}

static char *put_hex_min(char *p, uint64_t v)
{
	int i = 15;

	while (i > 0 && !((v >> (i * 4)) & 0xf))
		i--;
	for (; i >= 0; i--)
		*p++ = hexdig[(v >> (i * 4)) & 0xf];
	return p;
}

/* ---- uid ---- */

void uid_format(const uint8_t uid[16], char dst[EVENT_UID_LEN])
{
	uint32_t acc = 0;
	int bits = 0, o = 0;

	for (int i = 0; i < 16; i++) {
		acc = acc << 8 | uid[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			dst[o++] = b64url[(acc >> bits) & 63];
		}
	}
	dst[o] = b64url[(acc << (6 - bits)) & 63];
}

/* value of each base64url character, -1 for any other byte */
static const signed char b64url_tab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int uid_parse(const char *s, size_t len, uint8_t uid[16])
{
	const unsigned char *u = (const unsigned char *)s;
	int a, b, c, d;

	if (len != EVENT_UID_LEN)
		return -EINVAL;
	/* five groups of 4 characters -> 3 bytes, then 2 -> 1 byte + 4 zero bits */
	for (int g = 0; g < 5; g++, u += 4, uid += 3) {
		a = b64url_tab[u[0]];
		b = b64url_tab[u[1]];
		c = b64url_tab[u[2]];
		d = b64url_tab[u[3]];
		if ((a | b | c | d) < 0)
			return -EINVAL;
		uint32_t x = (uint32_t)a << 18 | (uint32_t)b << 12 |
			     (uint32_t)c << 6 | (uint32_t)d;
		uid[0] = (uint8_t)(x >> 16);
		uid[1] = (uint8_t)(x >> 8);
		uid[2] = (uint8_t)x;
	}
	a = b64url_tab[u[0]];
	b = b64url_tab[u[1]];
	if ((a | b) < 0 || (b & 15))
		return -EINVAL;
	uid[0] = (uint8_t)(a << 2 | b >> 4);
	return 0;
}

/* ---- addresses ---- */

static int parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		uint64_t v;

		while (i < len && s[i] != '.')
			i++;
		if (parse_dec(s + start, i - start, 255, &v))
			return -EINVAL;
		out[part] = (uint8_t)v;
		if (part < 3 && (i == len || s[i++] != '.'))
			return -EINVAL;
	}
	return i == len ? 0 : -EINVAL;
}

int addr_parse(const char *s, size_t len, struct event_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	memset(a, 0, sizeof(*a));
	if (len < 2 || len >= sizeof(buf))
		return -EINVAL;
	if (!memchr(s, ':', len)) {
		a->family = 4;
		return parse_ipv4(s, len, a->bytes);
	}
	for (size_t i = 0; i < len; i++)
		if (hex_digit((unsigned char)s[i]) < 0 && s[i] != ':' &&
		    s[i] != '.')
			return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	a->family = 6;
	return inet_pton(AF_INET6, buf, a->bytes) == 1 ? 0 : -EINVAL;
}

size_t addr_format(const struct event_addr *a, char *dst, size_t cap)
{
	char *p = dst;

	if (a->family == 6)
		return inet_ntop(AF_INET6, a->bytes, dst, (socklen_t)cap) ?
		       strlen(dst) : 0;
	if (cap < INET_ADDRSTRLEN)
		return 0;
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = fmt_dec(p, a->bytes[i]);
	}
	*p = '\0';
	return (size_t)(p - dst);
}

/* ---- text fields ---- */

static size_t escape_byte(unsigned char c, char out[4])
{
	switch (c) {
	case '\\': out[1] = '\\'; break;
	case '\t': out[1] = 't'; break;
	case '\n': out[1] = 'n'; break;
	case '\r': out[1] = 'r'; break;
	default:
		if (c >= 0x20 && c != 0x7f) {
			out[0] = (char)c;
			return 1;
		}
		out[1] = 'x';
		out[2] = hexdig[c >> 4];
		out[3] = hexdig[c & 15];
		out[0] = '\\';
		return 4;
	}
	out[0] = '\\';
	return 2;
}

size_t event_escape(const char *raw, size_t len, char *dst, size_t cap)
{
	size_t o = 0;

	if (len == 0 || (len == 1 && raw[0] == '-')) {
		/* "-" means empty, so a lone dash is written as an escape */
		const char *s = len ? "\\x2d" : "-";
		size_t n = len ? 4 : 1;

		if (cap < n)
			return 0;
		memcpy(dst, s, n);
		return n;
	}
	for (size_t i = 0; i < len; i++) {
		char e[4];
		size_t n, run = i;

		/* bytes that stand for themselves are copied a run at a time
		 * (the generator and serve spend most of a line here) */
		while (run < len && (unsigned char)raw[run] >= 0x20 &&
		       raw[run] != '\\' && raw[run] != 0x7f)
			run++;
		if (run > i) {
			n = run - i;
			if (o + n > cap)
				n = cap - o;
			memcpy(dst + o, raw + i, n);
			o += n;
			i += n;
			if (i < run)
				break;
			if (i == len)
				break;
		}
		n = escape_byte((unsigned char)raw[i], e);
		if (o + n > cap)
			break;
		memcpy(dst + o, e, n);
		o += n;
	}
	return o;
}

/* Length of the escape starting at s[0] == '\\', or 0 if invalid.  Any byte
 * may be written as \xHH (lowercase) on input; output uses it only where the
 * contract says. */
static size_t escape_len(const char *s, size_t left, unsigned char *val)
{
	if (left < 2)
		return 0;
	switch (s[1]) {
	case '\\': *val = '\\'; return 2;
	case 't': *val = '\t'; return 2;
	case 'n': *val = '\n'; return 2;
	case 'r': *val = '\r'; return 2;
	case 'x': {
		int hi, lo;

		if (left < 4)
			return 0;
		hi = hex_digit((unsigned char)s[2]);
		lo = hex_digit((unsigned char)s[3]);
		if (hi < 0 || lo < 0 || (s[2] >= 'A' && s[2] <= 'F') ||
		    (s[3] >= 'A' && s[3] <= 'F'))
			return 0;  /* lowercase only */
		*val = (unsigned char)(hi << 4 | lo);
		return 4;
	}
	default:
		return 0;
	}
}

/* Whether 8 bytes hold no control byte, DEL or backslash (word-at-a-time
 * test: text_check was the top item of ingest's profile). */
static bool plain8(const char *s)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t v, del, bs;

	memcpy(&v, s, 8);
	del = v ^ (ones * 0x7f);
	bs = v ^ (ones * '\\');
	return !(((v - ones * 0x20) & ~v & high) |
		 ((del - ones) & ~del & high) |
		 ((bs - ones) & ~bs & high));
}

/* 0 if esc is a well-formed field; else the offset of the first bad byte
 * plus one. */
static size_t text_check(const char *s, size_t len)
{
	if (len == 0 || len > EVENT_TEXT_MAX)
		return 1;
	for (size_t i = 0; i < len;) {
		unsigned char c, v;
		size_t n;

		if (len - i >= 8 && plain8(s + i)) {
			i += 8;
			continue;
		}
		c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return i + 1;
		if (c != '\\') {
			i++;
			continue;
		}
		n = escape_len(s + i, len - i, &v);
		if (!n)
			return i + 1;
		i += n;
	}
	return 0;
}

size_t event_unescape(struct span esc, char *dst, size_t cap)
{
	size_t o = 0;

	if (esc.len == 0)
		return 0;
	if (text_check(esc.ptr, esc.len))
		return (size_t)-1;
	if (esc.len == 1 && esc.ptr[0] == '-')
		return 0;
	for (size_t i = 0; i < esc.len;) {
		unsigned char v = (unsigned char)esc.ptr[i];
		size_t n = v == '\\' ? escape_len(esc.ptr + i, esc.len - i, &v)
				     : 1;

		if (o == cap)
			return (size_t)-1;
		dst[o++] = (char)v;
		i += n;
	}
	return o;
}

/* ---- render ---- */

bool event_is_v2(const struct event *ev)
{
	return ev->type == EVENT_SERVED ||
	       (ev->type == EVENT_IMPRESSION &&
		(ev->flags & EVENT_F_TOKEN_MASK));
}

size_t event_render(const struct event *ev, char *buf, size_t cap)
{
	char *p = buf;

	if (cap < EVENT_LINE_MAX)
		return 0;
	*p++ = event_is_v2(ev) ? '2' : '1';
	*p++ = '\t';
	*p++ = ev->retracted ? (char)(ev->type - 'a' + 'A') : ev->type;
	*p++ = '\t';
	p = fmt_dec(p, (uint64_t)ev->ts_ms);
	*p++ = '\t';
	p = put_hex16(p, ev->id);
	*p++ = '\t';
	if (ev->imp)
		p = put_hex16(p, ev->imp);
	else
		*p++ = '-';
	*p++ = '\t';
	p += addr_format(&ev->ip, p, 46);
	*p++ = '\t';
	if (ev->has_uid) {
		uid_format(ev->uid, p);
		p += EVENT_UID_LEN;
	} else {
		*p++ = '-';
	}
	*p++ = '\t';
	p = put_hex_min(p, ev->flags);
	const uint32_t ids[4] = { ev->ad, ev->zone, ev->pub, ev->camp };
	for (int i = 0; i < 4; i++) {
		*p++ = '\t';
		p = fmt_dec(p, ids[i]);
	}
	*p++ = '\t';
	p += event_escape(ev->ua.ptr, ev->ua.len, p, EVENT_TEXT_MAX);
	*p++ = '\t';
	p += event_escape(ev->ref.ptr, ev->ref.len, p, EVENT_TEXT_MAX);
	*p++ = '\n';
	return (size_t)(p - buf);
}

/* ---- parse ---- */

static const char *const err_names[EVENT_E__COUNT] = {
	[EVENT_OK] = "ok",
	[EVENT_E_EMPTY] = "empty_line",
	[EVENT_E_LONG] = "line_too_long",
	[EVENT_E_NUL] = "nul_byte",
	[EVENT_E_FIELDS] = "field_count",
	[EVENT_E_VERSION] = "bad_version",
	[EVENT_E_TYPE] = "bad_type",
	[EVENT_E_TS] = "bad_ts",
	[EVENT_E_ID] = "bad_id",
	[EVENT_E_IMP] = "bad_imp",
	[EVENT_E_IP] = "bad_ip",
	[EVENT_E_UID] = "bad_uid",
	[EVENT_E_FLAGS] = "bad_flags",
	[EVENT_E_AD] = "bad_ad",
	[EVENT_E_ZONE] = "bad_zone",
	[EVENT_E_PUB] = "bad_pub",
	[EVENT_E_CAMP] = "bad_camp",
	[EVENT_E_UA] = "bad_ua",
	[EVENT_E_REF] = "bad_ref",
};

const char *event_err_name(enum event_err err)
{
	return (unsigned)err < EVENT_E__COUNT ? err_names[err] : "unknown";
}

static bool is_dash(struct span f)
{
	return f.len == 1 && f.ptr[0] == '-';
}

/* Cut the line at TABs; 0 when there are exactly EVENT_FIELDS fields. */
static int split_fields(const char *line, size_t len,
			struct span f[EVENT_FIELDS], size_t *err_off)
{
	const char *p = line, *end = line + len;

	for (int i = 0; i < EVENT_FIELDS; i++) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));

		if ((tab == NULL) != (i == EVENT_FIELDS - 1)) {
			*err_off = tab ? (size_t)(tab - line) : len;
			return -1;
		}
		if (!tab)
			tab = end;
		f[i].ptr = p;
		f[i].len = (size_t)(tab - p);
		p = tab + 1;
	}
	return 0;
}

/* Token facts must agree with the type, the impression id and the
 * version: in v2 an impression may carry one token verdict (a render). */
static enum event_err check_token(const struct event *ev, int version)
{
	uint32_t tok = ev->flags & EVENT_F_TOKEN_MASK;
	uint32_t state = tok & ~(uint32_t)EVENT_F_UNSIGNED_DENY;

	if (ev->type != EVENT_CLICK) {
		if (ev->imp)
			return EVENT_E_IMP;
		if (!tok)
			return EVENT_OK;
		if (version < 2 || ev->type != EVENT_IMPRESSION ||
		    (tok & ~(uint32_t)EVENT_F_RENDER_MASK) ||
		    (tok & (tok - 1)))
			return EVENT_E_FLAGS;
		return EVENT_OK;
	}
	if (!state || (state & (state - 1)))
		return EVENT_E_FLAGS;   /* exactly one token verdict */
	if ((tok & EVENT_F_UNSIGNED_DENY) && state != EVENT_F_NO_TOKEN)
		return EVENT_E_FLAGS;
	if (state & (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_EXPIRED))
		return ev->imp ? EVENT_OK : EVENT_E_IMP;
	if (state == EVENT_F_NO_TOKEN && ev->imp)
		return EVENT_E_IMP;
	return EVENT_OK;
}

#define FAIL(code, field) do { \
	*err_off = (size_t)(f[field].ptr - line); return (code); } while (0)

static enum event_err parse_fields(const char *line, const struct span *f,
				   struct event *ev, size_t *err_off)
{
	uint64_t v;
	enum event_err e;
	size_t bad;
	int version;

	memset(ev, 0, sizeof(*ev));
	if (f[0].len != 1 || f[0].ptr[0] < '1' || f[0].ptr[0] > '0' + EVENT_VERSION)
		FAIL(EVENT_E_VERSION, 0);
	version = f[0].ptr[0] - '0';
	if (f[1].len != 1)
		FAIL(EVENT_E_TYPE, 1);
	ev->type = f[1].ptr[0];
	if (ev->type >= 'A' && ev->type <= 'Z') {
		ev->retracted = true;
		ev->type = (char)(ev->type - 'A' + 'a');
	}
	if (ev->type != 'i' && ev->type != 'c' &&
	    (ev->type != 's' || version < 2))
		FAIL(EVENT_E_TYPE, 1);
	if (parse_dec(f[2].ptr, f[2].len, EVENT_TS_MAX_MS - 1, &v) ||
	    v < EVENT_ID_EPOCH_MS)
		FAIL(EVENT_E_TS, 2);
	ev->ts_ms = (int64_t)v;
	if (parse_hex16(f[3].ptr, f[3].len, &ev->id) || !ev->id)
		FAIL(EVENT_E_ID, 3);
	if (!is_dash(f[4]) &&
	    (parse_hex16(f[4].ptr, f[4].len, &ev->imp) || !ev->imp))
		FAIL(EVENT_E_IMP, 4);
	if (addr_parse(f[5].ptr, f[5].len, &ev->ip))
		FAIL(EVENT_E_IP, 5);
	ev->has_uid = !is_dash(f[6]);
	if (ev->has_uid && uid_parse(f[6].ptr, f[6].len, ev->uid))
		FAIL(EVENT_E_UID, 6);
	if (parse_hex_min(f[7].ptr, f[7].len, &v) || (v & ~(uint64_t)EVENT_F_ALL))
		FAIL(EVENT_E_FLAGS, 7);
	ev->flags = (uint32_t)v;
	e = check_token(ev, version);
	if (e)
		FAIL(e, e == EVENT_E_IMP ? 4 : 7);
	uint32_t *ids[4] = { &ev->ad, &ev->zone, &ev->pub, &ev->camp };
	for (int i = 0; i < 4; i++)
		if (parse_u32(f[8 + i].ptr, f[8 + i].len, ids[i]))
			FAIL((enum event_err)(EVENT_E_AD + i), 8 + i);
	for (int i = 0; i < 2; i++) {
		bad = text_check(f[12 + i].ptr, f[12 + i].len);
		if (bad) {
			*err_off = (size_t)(f[12 + i].ptr - line) + bad - 1;
			return i ? EVENT_E_REF : EVENT_E_UA;
		}
	}
	ev->ua = is_dash(f[12]) ? (struct span){ f[12].ptr, 0 } : f[12];
	ev->ref = is_dash(f[13]) ? (struct span){ f[13].ptr, 0 } : f[13];
	return EVENT_OK;
}

enum event_err event_parse(const char *line, size_t len, struct event *ev,
			   size_t *err_off)
{
	struct span f[EVENT_FIELDS];
	const char *nul;

	*err_off = 0;
	if (len == 0)
		return EVENT_E_EMPTY;
	if (len >= EVENT_LINE_MAX) {
		*err_off = EVENT_LINE_MAX - 1;
		return EVENT_E_LONG;
	}
	nul = memchr(line, '\0', len);
	if (nul) {
		*err_off = (size_t)(nul - line);
		return EVENT_E_NUL;
	}
	if (split_fields(line, len, f, err_off))
		return EVENT_E_FIELDS;
	return parse_fields(line, f, ev, err_off);
}
