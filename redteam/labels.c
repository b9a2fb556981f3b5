/* labels.c - the families' names, classes and nearest adlog-gen label. */
#include "labels.h"

static const struct {
	const char *name;
	enum rt_class cls;
	const char *gen;
} tab[RT_LABEL__COUNT] = {
	[RT_VALID] = { "valid", RT_CLASS_VALID, "valid" },
	[RT_CRAWLER] = { "rt_crawler", RT_CLASS_GIVT, "crawler" },
	[RT_PREVIEW] = { "rt_preview", RT_CLASS_GIVT, "crawler" },
	[RT_DC_SCRIPT] = { "rt_dc_script", RT_CLASS_GIVT, "script_dc" },
	[RT_DC_SPOOF] = { "rt_dc_spoof", RT_CLASS_GIVT, "spoof_dc" },
	[RT_DOUBLE_CLICK] = { "rt_double_click", RT_CLASS_GIVT, "double_click" },
	[RT_BOTNET] = { "rt_botnet", RT_CLASS_SIVT, "botnet" },
	[RT_CLICK_FARM] = { "rt_click_farm", RT_CLASS_SIVT, "click_farm" },
	[RT_SELF_CLICK] = { "rt_self_click", RT_CLASS_SIVT, "self_click" },
	[RT_HIDDEN_ADS] = { "rt_hidden_ads", RT_CLASS_SIVT, "hit_inflation" },
	[RT_AD_INJECTION] = { "rt_ad_injection", RT_CLASS_SIVT, "hit_inflation" },
	[RT_COOKIE_STUFFING] = { "rt_cookie_stuffing", RT_CLASS_SIVT, "self_click" },
	[RT_POOL] = { "rt_pool", RT_CLASS_SIVT, "pub_pool" },
	[RT_LOW_SLOW] = { "rt_low_slow", RT_CLASS_SIVT, "botnet" },
	[RT_TOKEN_ABUSE] = { "rt_token_abuse", RT_CLASS_SIVT, "cookie_replay" },
	[RT_IMP_FLOOD] = { "rt_imp_flood", RT_CLASS_SIVT, "botnet" },
	[RT_TRAP_CGNAT] = { "rt_trap_cgnat", RT_CLASS_TRAP, "trap_nat" },
	[RT_TRAP_OFFICE] = { "rt_trap_office", RT_CLASS_TRAP, "trap_nat" },
	[RT_TRAP_INAPP] = { "rt_trap_inapp", RT_CLASS_TRAP, "trap_inapp" },
	[RT_TRAP_VIRAL] = { "rt_trap_viral", RT_CLASS_TRAP, "trap_viral" },
	[RT_TRAP_VPN] = { "rt_trap_vpn", RT_CLASS_TRAP, "trap_nat" },
	[RT_TRAP_PROXY_REF] = { "rt_trap_proxy_ref", RT_CLASS_TRAP, "trap_inapp" },
};

const char *rt_label_name(unsigned l)
{
	return l < RT_LABEL__COUNT ? tab[l].name : "?";
}

enum rt_class rt_label_class(unsigned l)
{
	return l < RT_LABEL__COUNT ? tab[l].cls : RT_CLASS_VALID;
}

const char *rt_class_name(enum rt_class c)
{
	static const char *const n[] = { "valid", "givt", "sivt", "trap" };

	return n[c];
}

const char *rt_label_gen_name(unsigned l)
{
	return l < RT_LABEL__COUNT ? tab[l].gen : "valid";
}
