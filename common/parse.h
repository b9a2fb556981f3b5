/* parse.h - bounded readers of numbers in counted strings.  Each takes the
 * whole token (no sign, no space, no trailing bytes), returns 0 on success
 * or -EINVAL, and never reads past len.  No atoi/strtol/sscanf anywhere. */
#ifndef ADLOG_PARSE_H
#define ADLOG_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal without leading zeros ("0" itself is fine), at most max. */
int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out);
int parse_u64(const char *s, size_t len, uint64_t *out);
int parse_u32(const char *s, size_t len, uint32_t *out);

/* Lowercase hex of 1..16 digits without leading zeros ("0" is fine). */
int parse_hex_min(const char *s, size_t len, uint64_t *out);

/* Exactly 16 lowercase hex digits. */
int parse_hex16(const char *s, size_t len, uint64_t *out);

/* A decimal fraction such as "0.25" or "3" (no exponent), in [0, 1e15). */
int parse_double(const char *s, size_t len, double *out);

/* Write v in decimal at p (at most 20 bytes, no NUL); returns the new end.
 * The one writer of the numbers parse_dec reads. */
char *fmt_dec(char *p, uint64_t v);

/* Hex value of one character, or -1. */
int hex_digit(int c);

#endif
