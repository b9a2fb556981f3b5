/* rules.c - analyze's activity rules (rules.h; docs/rules.md).  Work in
 * progress: the API compiles, verdicts are all zero. */
#include <errno.h>
#include <string.h>

#include "rules.h"

static const char *const ivt_names[IVT__COUNT] = {
	"dup_click", "repeat_click", "no_impression", "fast_click",
	"stale_click", "imp_flood", "addr_burst", "uid_fanout",
};

const char *ivt_reason_name(unsigned bit)
{
	if (bit < IVT_FIRST_BIT)
		return seg_reason_name(bit);
	if (bit < IVT_FIRST_BIT + IVT__COUNT)
		return ivt_names[bit - IVT_FIRST_BIT];
	return NULL;
}

void rules_params_default(struct rules_params *p) { memset(p, 0, sizeof(*p)); }
void rules_params_from_config(struct rules_params *p, const struct config *c)
{ (void)c; rules_params_default(p); }
int rules_init(struct rules *r, const struct rules_params *p,
	       const struct rules_lookback *lb)
{ memset(r, 0, sizeof(*r)); r->p = *p; r->lb = *lb; return 0; }
void rules_release(struct rules *r) { (void)r; }
size_t rules_memory(const struct rules *r) { (void)r; return 0; }
void rules_begin_hour(struct rules *r, int64_t h) { r->hour_start_ms = h; }
int64_t rules_warmup_ms(const struct rules *r) { (void)r; return 0; }
void rules_warm(struct rules *r, const struct seg_record *rec, uint64_t ua)
{ (void)r; (void)rec; (void)ua; }
void rules_observe(struct rules *r, const struct seg_record *rec, uint64_t ua)
{ (void)r; (void)rec; (void)ua; }
void rules_end_observe(struct rules *r) { (void)r; }
uint32_t rules_event(struct rules *r, const struct seg_record *rec, uint64_t ua)
{ (void)r; (void)rec; (void)ua; return 0; }
uint64_t rules_visitor_key(const struct seg_record *rec, uint64_t ua)
{ (void)rec; return ua; }
uint64_t rules_addr_key(const struct seg_record *rec) { (void)rec; return 0; }
