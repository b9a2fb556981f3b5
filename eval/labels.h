/* labels.h - the label side file adlog-eval judges against: which events
 * and publishers are invalid, and the class of each label (GIVT, SIVT, a
 * trap of valid traffic).  adlog-gen writes it (--labels); any other
 * generator may, declaring its own label names first (docs/rules.md,
 * "Measured on labelled traffic"):
 *
 *   class<TAB>NAME<TAB>valid|givt|sivt|trap
 *   pub<TAB>PUBLISHER_ID<TAB>NAME
 *   EVENT_ID_HEX16<TAB>NAME
 *
 * Ownership: the caller owns struct labels; labels_release() frees the
 * event table. */
#ifndef ADLOG_EVAL_LABELS_H
#define ADLOG_EVAL_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LABELS_MAX 64            /* adlog-gen's and another generator's */
#define LABELS_PUBS_MAX 64
#define LABELS_NAME_MAX 31
#define LABELS_LINE_MAX 4096

struct label_ent {
	uint64_t id;
	uint8_t label;
};

struct labels {
	struct label_ent *e;     /* sorted by id after labels_finish */
	size_t n, cap;
	uint32_t pubs[LABELS_PUBS_MAX];
	uint8_t pub_label[LABELS_PUBS_MAX];
	uint64_t pub_fraud[LABELS_PUBS_MAX];  /* the caller's count */
	size_t npubs;
	/* adlog-gen's labels (enum gen_label) first, then the file's */
	char names[LABELS_MAX][LABELS_NAME_MAX + 1];
	uint8_t cls[LABELS_MAX];  /* enum gen_label_class */
	uint64_t undeclared;      /* bit l: named before any class line,
				     counted as SIVT */
	uint64_t used;            /* bit l: named by the file */
	unsigned nlabels;
};

/* adlog-gen's labels, no events. */
void labels_init(struct labels *L);
void labels_release(struct labels *L);

/* One line (len bytes, no LF).  Returns 0, -EINVAL for a bad line (a
 * name not snake_case or too long, a bad id or class, too many labels)
 * or -ENOMEM. */
int labels_line(struct labels *L, const char *line, size_t len);

/* Sort the events for labels_of; call once after the last line. */
void labels_finish(struct labels *L);

/* labels_init, then every line of the file at path, then labels_finish.
 * Returns 0, or -1 with "path:line" or the system's reason in err. */
int labels_load(struct labels *L, const char *path, char *err,
		size_t errlen);

/* The label of event id (GEN_LABEL_VALID when not listed). */
unsigned labels_of(const struct labels *L, uint64_t id);

/* Does label l belong in a report of this file: named by it, or one of
 * adlog-gen's when the file names any of those (a family that wrote
 * nothing this run is still a row)? */
bool labels_shown(const struct labels *L, unsigned l);

/* Is label l GIVT or SIVT? */
bool labels_fraud(const struct labels *L, unsigned l);

#endif
