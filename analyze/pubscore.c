/* pubscore.c - publisher-per-day scoring (pubscore.h; docs/rules.md).
 * Work in progress: the API compiles, scores are all zero. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pubscore.h"

static const char *const pub_names[PUB_R__COUNT] = {
	"ctr_high", "click_addr_concentration", "cookieless_clicks",
	"referer_outside_domains", "hourly_profile",
};

const char *pub_reason_name(unsigned r)
{
	return r < PUB_R__COUNT ? pub_names[r] : NULL;
}

void pubscore_params_default(struct pubscore_params *p) { memset(p, 0, sizeof(*p)); }
void pubscore_params_from_config(struct pubscore_params *p, const struct config *c)
{ (void)c; pubscore_params_default(p); }
int pubscore_init(struct pubscore *ps, const struct pubscore_params *p)
{ memset(ps, 0, sizeof(*ps)); ps->p = *p; return 0; }
void pubscore_release(struct pubscore *ps) { (void)ps; }
int pubscore_set_domains(struct pubscore *ps, uint32_t pub, const char *csv)
{ (void)ps; (void)pub; (void)csv; return 0; }
enum pub_ref pubscore_ref_class(const struct pubscore *ps, uint32_t pub, struct span ref)
{ (void)ps; (void)pub; (void)ref; return PUB_REF_NONE; }
int pubscore_event(struct pubscore *ps, const struct pub_event *e)
{ (void)ps; (void)e; return 0; }
int pubscore_merge(struct pubscore *dst, const struct pubscore *src)
{ (void)dst; (void)src; return 0; }
int pubscore_finish(const struct pubscore *ps, struct pub_result **out, size_t *n)
{ (void)ps; *out = NULL; *n = 0; return 0; }
