/* utchour.h - UTC hour arithmetic shared by every stage: a Unix ms time <->
 * its hour written as the number YYYYMMDDHH, and that number as text.  Nothing here allocates. */
#ifndef ADLOG_UTCHOUR_H
#define ADLOG_UTCHOUR_H

#include <stddef.h>
#include <stdint.h>

#define HOUR_MS 3600000LL

/* YYYYMMDDHH of the UTC hour holding ms (ms >= 0). */
uint32_t hour_of_ms(int64_t ms);

/* The Unix ms where hour YYYYMMDDHH starts; -1 if it is not a valid hour. */
int64_t hour_start_ms(uint32_t yyyymmddhh);

/* Exactly 10 digits of a real hour (no leading zero) -> YYYYMMDDHH, the
 * name of an hour folder and the hour field of a spool file name.
 * Returns 0 or -EINVAL. */
int hour_parse(const char *s, size_t len, uint32_t *hour);

/* The hour delta hours after (before, when negative) hour. */
uint32_t hour_add(uint32_t hour, int delta);

/* "YYYY-MM-DD HH:00:00" for SQL DATETIME, into buf (cap >= 20). */
void hour_sql(uint32_t hour, char *buf, size_t cap);

/* hour as its 10 digits and a NUL, into buf. */
void hour_format(uint32_t hour, char buf[11]);

#endif
