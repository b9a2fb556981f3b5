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
	if (d > c->id_skew_ms || d < -c->id_skew_ms)
		return REJ_ID_TS;
	return 0;
}

/* Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

uint32_t hour_of_ms(int64_t ms)
{
	int64_t h = ms / HOUR_MS;
	int y;
	unsigned m, d;

	civil_from_days(h / 24, &y, &m, &d);
	return (uint32_t)y * 1000000u + m * 10000u + d * 100u + (uint32_t)(h % 24);
}

int64_t hour_start_ms(uint32_t v)
{
	unsigned hh = v % 100, d = v / 100 % 100, m = v / 10000 % 100;
	int y = (int)(v / 1000000);
	int y2;
	unsigned m2, d2;
	int64_t days;

	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 || hh > 23)
		return -1;
	days = days_from_civil(y, m, d);
	civil_from_days(days, &y2, &m2, &d2);
	if (m2 != m || d2 != d)
		return -1;    /* 31 April and the like */
	return (days * 24 + hh) * HOUR_MS;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && !memcmp(s + n - k, suf, k);
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
	if (n == 0 || base[0] == '.' || n >= cap)
		return 0;
	memcpy(dst, base, n);
	dst[n] = '\0';
	return n;
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
