/* spool.c - the one writer and reader of spool file names. */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "utchour.h"

int spool_name_format(char *buf, size_t cap, const char *dir, uint32_t hour,
		      const char *host, uint32_t node, int64_t start_ms,
		      const char *suffix)
{
	int n = snprintf(buf, cap, "%s%s" SPOOL_PREFIX "%010u.%s.%04u.%lld%s",
			 dir ? dir : "", dir ? "/" : "", hour, host, node,
			 (long long)start_ms, suffix);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

/* The n decimal digits at s (leading zeros allowed: NODE is %04u) as a
 * number of at most max; false when n is 0, a byte is no digit or the
 * value is larger. */
static bool digits(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (max - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool spool_name_parse(const char *stem, size_t len, struct spool_name *out)
{
	const size_t pre = sizeof(SPOOL_PREFIX) - 1;
	const char *dot_start = NULL, *dot_node = NULL;
	uint64_t node, start;

	if (len < pre + 11 || memcmp(stem, SPOOL_PREFIX, pre) ||
	    stem[pre + 10] != '.' ||
	    hour_parse(stem + pre, 10, &out->hour))
		return false;
	/* NODE and START are the last two fields: HOST may hold dots */
	for (size_t i = len; i-- > pre + 11;) {
		if (stem[i] != '.')
			continue;
		if (!dot_start) {
			dot_start = stem + i;
		} else {
			dot_node = stem + i;
			break;
		}
	}
	if (!dot_node)
		return false;
	out->host = stem + pre + 11;
	out->host_len = (size_t)(dot_node - out->host);
	if (!out->host_len || dot_start - dot_node - 1 < 4 ||
	    !digits(dot_node + 1, (size_t)(dot_start - dot_node - 1),
		    UINT32_MAX, &node) ||
	    !digits(dot_start + 1, (size_t)(stem + len - dot_start - 1),
		    INT64_MAX, &start))
		return false;
	for (size_t i = 0; i < out->host_len; i++)
		if ((unsigned char)out->host[i] < 0x20 || out->host[i] == 0x7f)
			return false;
	out->node = (uint32_t)node;
	out->start_ms = (int64_t)start;
	return true;
}

bool spool_hour(const char *stem, uint32_t *hour)
{
	const size_t pre = sizeof(SPOOL_PREFIX) - 1;

	if (strncmp(stem, SPOOL_PREFIX, pre) || strlen(stem) < pre + 11 ||
	    stem[pre + 10] != '.')
		return false;
	return !hour_parse(stem + pre, 10, hour);
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && !memcmp(s + n - k, suf, k);
}

bool spool_has_control(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

size_t spool_stem(const char *path, char *dst, size_t cap)
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
	if (ends_with(base, n, SPOOL_LOG))
		n -= 4;
	if (n == 0 || base[0] == '.' || n >= cap || spool_has_control(base))
		return 0;
	memcpy(dst, base, n);
	dst[n] = '\0';
	return n;
}

bool spool_is_closed(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       (ends_with(name, n, SPOOL_LOG) || ends_with(name, n, ".log.gz"));
}
