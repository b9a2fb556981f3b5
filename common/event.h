/* event.h - the event line (formats v1 and v2): the one definition of how
 * a served ad, an impression or a click is written to the spool and read
 * back (docs/log-format.md).
 *
 * Ownership: nothing here allocates.  event_render() reads ua/ref as RAW
 * bytes and escapes them; event_parse() points ua/ref at the ESCAPED text
 * inside the caller's line, which must outlive the struct. */
#ifndef ADLOG_EVENT_H
#define ADLOG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_VERSION 2       /* newest format this code reads and writes */
#define EVENT_FIELDS 14
#define EVENT_TEXT_MAX 512    /* ua/ref after escaping, in bytes */
#define EVENT_LINE_MAX 2048   /* longest valid line, LF included */
#define EVENT_UID_LEN 22      /* base64url characters of a 128-bit uid */
#define EVENT_ID_EPOCH_MS 1577836800000LL /* 2020-01-01T00:00:00Z */
#define EVENT_TS_MAX_MS 4102444800000LL   /* 2100-01-01T00:00:00Z */

/* Request facts, field 8.  Values are part of the public contract. */
enum event_flag {
	EVENT_F_UID_NEW        = 0x001, /* uid issued by this response */
	EVENT_F_HEAD           = 0x002, /* HEAD request */
	EVENT_F_PREFETCH       = 0x004, /* Purpose/Sec-Purpose/X-Moz prefetch or prerender */
	EVENT_F_NO_ACCEPT_LANG = 0x008, /* no Accept-Language header */
	EVENT_F_TOKEN_VALID    = 0x010, /* click token good and fresh */
	EVENT_F_TOKEN_BAD      = 0x020, /* click token malformed or bad signature */
	EVENT_F_TOKEN_EXPIRED  = 0x040, /* click token signature good but too old */
	EVENT_F_UNKNOWN        = 0x080, /* ad or zone unknown to the inventory */
	EVENT_F_NO_TOKEN       = 0x100, /* click carried no token (unsigned) */
	EVENT_F_UNSIGNED_DENY  = 0x200, /* unsigned click on an ad not allowed unsigned */
};
#define EVENT_F_ALL        0x3ffu
#define EVENT_F_TOKEN_MASK (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_BAD | \
			    EVENT_F_TOKEN_EXPIRED | EVENT_F_NO_TOKEN | \
			    EVENT_F_UNSIGNED_DENY)
/* v2: the token verdicts an impression may carry when it is the render of
 * a served ad (/r); such an impression has the served ad's id */
#define EVENT_F_RENDER_MASK (EVENT_F_TOKEN_VALID | EVENT_F_TOKEN_BAD | \
			     EVENT_F_TOKEN_EXPIRED)

/* 's' (v2): an ad was answered to /ad or /f and may be rendered; not billed.
 * 'i': an impression (rendered, or a pixel); 'c': a click. */
enum event_type { EVENT_IMPRESSION = 'i', EVENT_CLICK = 'c', EVENT_SERVED = 's' };

/* A retracted line has its type in upper case ('I', 'C', 'S'): serve
 * logged the event, then could not deliver its answer (nginx had given up
 * on the request and may have passed it to another responder), so the
 * event did not happen here.  Readers parse it as its type with
 * retracted set, and count it apart from events.  The type is the byte at
 * EVENT_TYPE_OFF of every line (field 1 is one digit). */
#define EVENT_TYPE_OFF 2

/* Why a line is not a valid event.  0 is success. */
enum event_err {
	EVENT_OK = 0,
	EVENT_E_EMPTY,       /* zero-length line */
	EVENT_E_LONG,        /* longer than EVENT_LINE_MAX */
	EVENT_E_NUL,         /* NUL byte inside the line */
	EVENT_E_FIELDS,      /* not exactly 14 TAB-separated fields */
	EVENT_E_VERSION,
	EVENT_E_TYPE,
	EVENT_E_TS,          /* not decimal, or outside 2020..2100 */
	EVENT_E_ID,          /* not 16 lowercase hex digits */
	EVENT_E_IMP,         /* bad impression id, or one where none belongs */
	EVENT_E_IP,
	EVENT_E_UID,
	EVENT_E_FLAGS,       /* not lowercase hex, unknown bits, or bits that
				contradict the type */
	EVENT_E_AD,
	EVENT_E_ZONE,
	EVENT_E_PUB,
	EVENT_E_CAMP,
	EVENT_E_UA,          /* raw control byte, bad escape, or too long */
	EVENT_E_REF,
	EVENT_E__COUNT
};

struct span {
	const char *ptr;
	size_t len;
};

struct event_addr {
	uint8_t family;      /* 4 or 6 */
	uint8_t bytes[16];   /* IPv4 in the first 4 */
};

struct event {
	char type;               /* enum event_type */
	bool retracted;          /* the line's type was upper case */
	int64_t ts_ms;           /* Unix epoch milliseconds, UTC */
	uint64_t id;
	uint64_t imp;            /* impression id of a click, 0 for '-' */
	struct event_addr ip;
	bool has_uid;
	uint8_t uid[16];         /* decoded 128-bit visitor id */
	uint32_t flags;          /* enum event_flag */
	uint32_t ad, zone, pub, camp; /* 0 when unknown */
	struct span ua, ref;     /* raw for render, escaped after parse */
};

/* Render ev as one line ending in LF into buf (cap >= EVENT_LINE_MAX is
 * always enough), in the oldest format that can say it: v2 for a served ad
 * or a render, v1 otherwise.  Returns the line length, or 0 if cap is too
 * small. */
size_t event_render(const struct event *ev, char *buf, size_t cap);

/* Does ev need format v2 (a served ad, or an impression with a token)? */
bool event_is_v2(const struct event *ev);

/* Parse one line (without its LF), v1 or v2.  Returns EVENT_OK, or the
 * reason the line is bad with *err_off set to the byte offset where the
 * fault starts. */
enum event_err event_parse(const char *line, size_t len, struct event *ev,
			   size_t *err_off);

/* Short stable name of a reason ("bad_ts"), for counters and quarantine. */
const char *event_err_name(enum event_err err);

/* Escape raw bytes as in fields 13-14, cut to at most cap bytes without
 * splitting an escape.  Empty input gives "-".  Returns bytes written. */
size_t event_escape(const char *raw, size_t len, char *dst, size_t cap);

/* Undo event_escape on a parsed field into dst; "-" gives "".  Returns the
 * raw length, or (size_t)-1 if the text is not a valid escaped field or dst
 * is too small. */
size_t event_unescape(struct span esc, char *dst, size_t cap);

/* Format / parse an IP address as text.  addr_format needs cap >= 46 and
 * returns the length; addr_parse returns 0 or -EINVAL. */
size_t addr_format(const struct event_addr *a, char *dst, size_t cap);
int addr_parse(const char *s, size_t len, struct event_addr *a);

/* uid <-> 22 base64url characters.  uid_parse accepts only the canonical
 * encoding of 128 bits (the last character's low 4 bits are zero). */
void uid_format(const uint8_t uid[16], char dst[EVENT_UID_LEN]);
int uid_parse(const char *s, size_t len, uint8_t uid[16]);

#endif
