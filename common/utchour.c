/* utchour.c - UTC hours as YYYYMMDDHH numbers: the unit in which spool
 * files, segment folders and rollups are named, for every stage. */
#include "utchour.h"

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
