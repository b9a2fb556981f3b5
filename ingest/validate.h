/* validate.h - ingest's checks on top of event_parse(): is the event's time
 * sane for the file's hour, does its id agree with its time; plus the hour
 * arithmetic and source naming that decide where segments go.
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

/* Whether name holds a control byte (0x00-0x1f, 0x7f): a TAB or newline
 * in a source name would break the manifest's TSV lines. */
bool name_has_control(const char *name);

/* The stem of a source: its base name without ".log" / ".log.gz" / ".gz"
 * ("-" gives "stdin").  Returns the length copied into dst (cap > 0), 0 if
 * the name does not fit or is unusable ("", ".", "..", ".hidden", a
 * control byte in it). */
size_t source_stem(const char *path, char *dst, size_t cap);

/* Whether a spool directory entry is a closed source ingest reads:
 * "*.log" or "*.log.gz", not hidden.  (serve's "*.open" files are not.) */
bool source_closed_name(const char *name);

/* The hour of a spool name adlog.YYYYMMDDHH.HOST.NODE.START.log[.gz];
 * false when the stem does not follow that pattern. */
bool source_hour(const char *stem, uint32_t *hour);

#endif
