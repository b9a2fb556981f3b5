/* labels.h - what adlog-redteam says each event is: valid, or one family of
 * general (GIVT) or sophisticated (SIVT) invalid traffic in the MRC's sense,
 * or a trap (people whose traffic looks odd and must be kept).  Names are
 * stable: they are what the label file and adlog-eval print. */
#ifndef ADLOG_REDTEAM_LABELS_H
#define ADLOG_REDTEAM_LABELS_H

enum rt_label {
	RT_VALID = 0,
	RT_CRAWLER, RT_PREVIEW, RT_DC_SCRIPT, RT_DC_SPOOF, RT_DOUBLE_CLICK,
	RT_BOTNET, RT_CLICK_FARM, RT_SELF_CLICK, RT_HIDDEN_ADS,
	RT_AD_INJECTION, RT_COOKIE_STUFFING, RT_POOL, RT_LOW_SLOW,
	RT_TOKEN_ABUSE, RT_IMP_FLOOD,
	RT_TRAP_CGNAT, RT_TRAP_OFFICE, RT_TRAP_INAPP, RT_TRAP_VIRAL,
	RT_TRAP_VPN, RT_TRAP_PROXY_REF,
	RT_LABEL__COUNT
};

enum rt_class { RT_CLASS_VALID, RT_CLASS_GIVT, RT_CLASS_SIVT, RT_CLASS_TRAP };

const char *rt_label_name(unsigned l);      /* "rt_botnet" */
enum rt_class rt_label_class(unsigned l);
const char *rt_class_name(enum rt_class c); /* "givt" */
/* The nearest adlog-gen label, for an adlog-eval that knows only those. */
const char *rt_label_gen_name(unsigned l);

#endif
