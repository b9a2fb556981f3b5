/* validate.c - the time checks ingest adds to the shared parser. */
#include "validate.h"

#include "eventid.h"

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
	/* a render carries the id of the ad served before it, so its id may
	 * be older than its time (the token's age is serve's to judge) */
	if (d > c->id_skew_ms ||
	    (d < -c->id_skew_ms &&
	     !(ev->type == EVENT_IMPRESSION && (ev->flags & EVENT_F_RENDER_MASK))))
		return REJ_ID_TS;
	return 0;
}
