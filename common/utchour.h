/* utchour.h - UTC hour arithmetic shared by every stage: a Unix ms time <->
 * its hour written as the number YYYYMMDDHH.  Nothing here allocates. */
#ifndef ADLOG_UTCHOUR_H
#define ADLOG_UTCHOUR_H

#include <stdint.h>

#define HOUR_MS 3600000LL

/* YYYYMMDDHH of the UTC hour holding ms (ms >= 0). */
uint32_t hour_of_ms(int64_t ms);

/* The Unix ms where hour YYYYMMDDHH starts; -1 if it is not a valid hour. */
int64_t hour_start_ms(uint32_t yyyymmddhh);

#endif
