/* validate.c - the time checks ingest adds to the shared parser, and the
 * hour and file-name arithmetic of the segment store. */
#include "validate.h"

#include <string.h>

#include "eventid.h"
#include "parse.h"

static const char *const own_names[REJ__COUNT - EVENT_E__COUNT] = {
	"no_lf", "nul_run", "ts_too_old", "ts_too_new", "id_ts_mismatch",
	"too_many_hours",
};

const char *rej_name(unsigned rej)
{
	if (rej < EVENT_E__COUNT)
		return event_err_name((enum event_err)rej);
	if (rej < REJ__COUNT)
		return own_names[rej - EVENT_E__COUNT];
	return "unknown";
}

unsigned validate_event(const struct validate_cfg *c, const struct event *ev)
{
	int64_t d = eventid_ms(ev->id) - ev->ts_ms;

	if (c->has_hour) {
		if (ev->ts_ms < c->hour_start_ms - c->late_ms)
			return REJ_TS_OLD;
		if (ev->ts_ms >= c->hour_start_ms + HOUR_MS + c->skew_ms)
			return REJ_TS_NEW;
	}
	/* a render carries the id of the ad served before it, so its id may
	 * be older than its time (the token's age is serve's to judge) */
	if (d > c->id_skew_ms ||
	    (d < -c->id_skew_ms &&
	     !(ev->type == EVENT_IMPRESSION && (ev->flags & EVENT_F_RENDER_MASK))))
		return REJ_ID_TS;
	return 0;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && !memcmp(s + n - k, suf, k);
}

bool name_has_control(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

size_t source_stem(const char *path, char *dst, size_t cap)
{
	const char *base = strrchr(path, '/');
	size_t n;

	if (!strcmp(path, "-"))
		base = "stdin";
	else
		base = base ? base + 1 : path;
	n = strlen(base);
	if (ends_with(base, n, ".gz"))
		n -= 3;
	if (ends_with(base, n, ".log"))
		n -= 4;
	if (n == 0 || base[0] == '.' || n >= cap || name_has_control(base))
		return 0;
	memcpy(dst, base, n);
	dst[n] = '\0';
	return n;
}

bool source_closed_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       (ends_with(name, n, ".log") || ends_with(name, n, ".log.gz"));
}

bool source_hour(const char *stem, uint32_t *hour)
{
	uint64_t v;

	if (strncmp(stem, "adlog.", 6) || strlen(stem) < 17 || stem[16] != '.')
		return false;
	if (parse_dec(stem + 6, 10, UINT32_MAX, &v) || hour_start_ms((uint32_t)v) < 0)
		return false;
	*hour = (uint32_t)v;
	return true;
}
