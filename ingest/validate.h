/* validate.h - ingest's checks on top of event_parse(): is the event's time
 * sane for the file's hour, does its id agree with its time.  The spool
 * file name and its hour are spool.h's.
 *
 * Ownership: nothing here allocates. */
#ifndef ADLOG_VALIDATE_H
#define ADLOG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "utchour.h"

/* Reject reasons: event_parse()'s enum event_err values 1..EVENT_E__COUNT-1,
 * then ingest's own. */
enum ingest_rej {
	REJ_NO_LF = EVENT_E__COUNT, /* the input ended without a final LF */
	REJ_NUL_RUN,     /* line cut short by a run of NUL bytes */
	REJ_TS_OLD,      /* before the file's hour minus late_window */
	REJ_TS_NEW,      /* after the file's hour end plus clock_skew */
	REJ_ID_TS,       /* the id's time is more than id_skew from ts */
	REJ_HOURS,       /* the event would open a segment past the per-file cap */
	REJ__COUNT
};

/* Stable short name of a reject reason ("bad_ts", "ts_too_old"). */
const char *rej_name(unsigned rej);

struct validate_cfg {
	bool has_hour;        /* false: the source name tells no hour */
	int64_t hour_start_ms;
	int64_t late_ms, skew_ms, id_skew_ms;
};

/* 0 if ev is acceptable, else an enum ingest_rej. */
unsigned validate_event(const struct validate_cfg *c, const struct event *ev);

#endif
