/* parse.c - strict, bounded number readers for every parser of outside bytes. */
#include "parse.h"

#include <errno.h>

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *fmt_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u64(const char *s, size_t len, uint64_t *out)
{
	return parse_dec(s, len, UINT64_MAX, out);
}

int parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (parse_dec(s, len, UINT32_MAX, &v))
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int lower_hex(int c)
{
	return c >= 'A' && c <= 'F' ? -1 : hex_digit(c);
}

static int hex_run(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		int d = lower_hex((unsigned char)s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int parse_hex_min(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 16 || (s[0] == '0' && len > 1))
		return -EINVAL;
	return hex_run(s, len, out);
}

int parse_hex16(const char *s, size_t len, uint64_t *out)
{
	return len == 16 ? hex_run(s, len, out) : -EINVAL;
}

int parse_double(const char *s, size_t len, double *out)
{
	uint64_t ip = 0, fp = 0;
	size_t dot = len, flen;
	double scale = 1.0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '.') {
			dot = i;
			break;
		}
	if (dot == 0 || parse_dec(s, dot, 999999999999999ull, &ip))
		return -EINVAL;
	if (dot == len) {
		*out = (double)ip;
		return 0;
	}
	flen = len - dot - 1;
	if (flen == 0 || flen > 15)
		return -EINVAL;
	for (size_t i = dot + 1; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		fp = fp * 10 + d;
		scale *= 10.0;
	}
	*out = (double)ip + (double)fp / scale;
	return 0;
}
