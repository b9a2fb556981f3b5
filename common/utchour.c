/* utchour.c - UTC hours as YYYYMMDDHH numbers: the unit in which spool
 * files, segment folders and rollups are named, for every stage. */
#include "utchour.h"

#include <errno.h>
#include <stdio.h>

#include "parse.h"

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

int hour_parse(const char *s, size_t len, uint32_t *hour)
{
	uint64_t v;

	if (len != 10 || s[0] == '0' || parse_u64(s, len, &v) ||
	    v < 1970010100 || hour_start_ms((uint32_t)v) < 0)
		return -EINVAL;
	*hour = (uint32_t)v;
	return 0;
}

uint32_t hour_add(uint32_t hour, int delta)
{
	return hour_of_ms(hour_start_ms(hour) + (int64_t)delta * HOUR_MS);
}

void hour_sql(uint32_t hour, char *buf, size_t cap)
{
	snprintf(buf, cap, "%04u-%02u-%02u %02u:00:00", hour / 1000000,
		 hour / 10000 % 100, hour / 100 % 100, hour % 100);
}

void hour_format(uint32_t hour, char buf[11])
{
	for (int i = 9; i >= 0; i--, hour /= 10)
		buf[i] = (char)('0' + hour % 10);
	buf[10] = '\0';
}
