/* config.c - load the INI file with libinih against the key table; any
 * unknown key or bad value stops the program before it does anything. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

struct load_ctx {
	struct config *c;
	FILE *f;
	int line;          /* lines handed to inih so far */
	int failed_line;   /* line of the first bad key, 0 if none */
	char why[384];
};

const char *config_path(const char *opt)
{
	const char *env = getenv("ADLOG_CONF");

	if (opt && *opt)
		return opt;
	return env && *env ? env : CONF_PATH_DEFAULT;
}

static const struct conf_key *find_key(const char *section, const char *name)
{
	size_t n;
	const struct conf_key *k = config_keys(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].section, section) && !strcmp(k[i].name, name))
			return &k[i];
	return NULL;
}

static int set_bool(bool *dst, const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") ||
	    !strcmp(v, "on"))
		*dst = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") ||
		 !strcmp(v, "0") || !strcmp(v, "off"))
		*dst = false;
	else
		return -EINVAL;
	return 0;
}

static int set_value(struct config *c, const struct conf_key *k,
		     const char *v, const char **why)
{
	char *dst = (char *)c + k->off;
	size_t len = strlen(v);
	uint64_t u;
	double d;

	switch (k->type) {
	case CONF_STR:
		*why = "value too long";
		if (len >= k->size)
			return -EINVAL;
		memcpy(dst, v, len + 1);
		return 0;
	case CONF_BOOL:
		*why = "want true or false";
		return set_bool((bool *)dst, v);
	case CONF_INT:
		*why = "want a whole number in range";
		if (parse_u64(v, len, &u) || (double)u < k->min ||
		    (double)u > k->max)
			return -EINVAL;
		*(int64_t *)dst = (int64_t)u;
		return 0;
	case CONF_DOUBLE:
		*why = "want a number in range";
		if (parse_double(v, len, &d) || d < k->min || d > k->max)
			return -EINVAL;
		*(double *)dst = d;
		return 0;
	}
	return -EINVAL;
}

int config_set(struct config *c, const char *section, const char *name,
	       const char *value, char *err, size_t errlen)
{
	const struct conf_key *k = find_key(section, name);
	const struct conf_retired *gone;
	const char *why = "";

	if (!k && (gone = config_retired(section, name))) {
		snprintf(err, errlen, "key '%s' in [%s] is no longer read (%s):"
			 " delete the line", name, section, gone->why);
		return -1;
	}
	if (!k) {
		snprintf(err, errlen, "unknown key '%s' in [%s]", name, section);
		return -1;
	}
	if (set_value(c, k, value, &why)) {
		snprintf(err, errlen, "bad value '%s' for key '%s' in [%s]: %s",
			 value, name, section, why);
		return -1;
	}
	return 0;
}

void config_defaults(struct config *c)
{
	size_t n;
	const struct conf_key *k = config_keys(&n);
	const char *why;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++)
		if (set_value(c, &k[i], k[i].def, &why))
			abort();   /* a bad default is a bug in config_keys.c */
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct load_ctx *x = user;

	if (x->failed_line)
		return 0;
	if (!name)   /* a bare section header, when inih reports those */
		return 1;
	if (config_set(x->c, section, name, value, x->why, sizeof(x->why))) {
		x->failed_line = x->line;
		return 0;
	}
	return 1;
}

/* inih calls the handler right after reading a key's line, so counting the
 * lines read gives the line of each key. */
static char *read_line(char *buf, int size, void *user)
{
	struct load_ctx *x = user;
	char *r = fgets(buf, size, x->f);

	if (r)
		x->line++;
	return r;
}

/* Rules between keys, and key values a single range cannot say. */
static int check_keys(const struct config *c, char *err, size_t errlen)
{
	const struct config_serve *s = &c->serve;

	if (*s->click_base && strncmp(s->click_base, "https://", 8) &&
	    strncmp(s->click_base, "http://", 7)) {
		snprintf(err, errlen, "%s: click_base '%s' in [serve] must start with https:// or http://",
			 c->path, s->click_base);
		return -1;
	}
	if (*s->token_old_key && s->token_old_key_id == s->token_key_id) {
		snprintf(err, errlen, "%s: token_old_key_id in [serve] must differ from token_key_id (%lld)",
			 c->path, (long long)s->token_key_id);
		return -1;
	}
	return 0;
}

int config_load(struct config *c, const char *path, bool missing_ok,
		char *err, size_t errlen)
{
	struct load_ctx x = { .c = c };
	int line;

	config_defaults(c);
	x.f = fopen(path, "r");
	if (!x.f) {
		if (errno == ENOENT && missing_ok)
			return 0;
		snprintf(err, errlen, "cannot open config '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	line = ini_parse_stream(read_line, &x, on_key, &x);
	fclose(x.f);
	if (line == 0) {
		snprintf(c->path, sizeof(c->path), "%s", path);
		return check_keys(c, err, errlen);
	}
	if (x.failed_line && x.failed_line <= line)
		snprintf(err, errlen, "%s:%d: %s", path, x.failed_line, x.why);
	else
		snprintf(err, errlen, "%s:%d: syntax error", path, line);
	return -1;
}
