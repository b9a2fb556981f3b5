/* reason.h - the reason bits analyze sets in seg_record.reasons, bits
 * 16..31 (ingest owns 0..15).  Their values are part of the contract with
 * MySQL rows and reports; their names, and the rule family that sets each,
 * come from the table of rules (rules_table.c, ivt_reason_name()). */
#ifndef ADLOG_REASON_H
#define ADLOG_REASON_H

/* One line each in the table of rules; docs/rules.md gives the whole rule. */
enum ivt_reason {
	IVT_DUP_CLICK     = 1u << 16,
	/* bit 17 was repeat_click: kept free, MySQL rows of old hours name it */
	IVT_NO_IMPRESSION = 1u << 18,
	IVT_FAST_CLICK    = 1u << 19,
	IVT_STALE_CLICK   = 1u << 20,
	IVT_IMP_FLOOD     = 1u << 21,
	/* bit 22 was addr_burst: kept free, as bit 17 */
	IVT_UID_FANOUT    = 1u << 23,
	IVT_ADDR_CTR      = 1u << 24,
	IVT_NET_CTR       = 1u << 25,
	IVT_IMP_STACK     = 1u << 26,
	IVT_ONE_SHOT      = 1u << 27,
	IVT_HOT_ADDR      = 1u << 28,
	IVT_FOREIGN_REFERER = 1u << 29,
	IVT_DAY_ADDR      = 1u << 30,   /* set by the day pass (daymarks.h) */
	IVT_IMP_REFRESH   = 1u << 31,
};
#define IVT_FIRST_BIT 16
#define IVT__COUNT 16               /* bits 16..31 */
#define IVT_RETIRED (1u << 17 | 1u << 22)   /* no rule sets these any more */
#define IVT_MASK (0xffff0000u & ~IVT_RETIRED)
/* the bits the day pass sets, after the hours were judged */
#define IVT_DAY_MASK IVT_DAY_ADDR

/* Stable snake_case name of reason bit number bit (0..31) of
 * seg_record.reasons, ingest's or analyze's ("dup_click"); NULL for a bit
 * no one defines. */
const char *ivt_reason_name(unsigned bit);

#endif
