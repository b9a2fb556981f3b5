/* labels.c - reads the label side file of a generator (labels.h) into a
 * sorted table of event ids and the fraudulent publishers; bounded lines,
 * bounded names, no line trusted. */
#include "labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "../gen/gen.h"

void labels_init(struct labels *L)
{
	memset(L, 0, sizeof(*L));
	for (unsigned l = 0; l < GEN_LABEL__COUNT; l++) {
		snprintf(L->names[l], sizeof(L->names[l]), "%s",
			 gen_label_name(l));
		L->cls[l] = (uint8_t)gen_label_class(l);
	}
	L->nlabels = GEN_LABEL__COUNT;
}

void labels_release(struct labels *L)
{
	free(L->e);
	L->e = NULL;
	L->n = L->cap = 0;
}

/* The label named s (len bytes); a new one gets class cls, or SIVT and
 * its undeclared bit when cls < 0.  -1 when the name is bad or the table
 * full. */
static int label_find(struct labels *L, const char *s, size_t len, int cls)
{
	for (unsigned l = 0; l < L->nlabels; l++)
		if (strlen(L->names[l]) == len && !memcmp(L->names[l], s, len)) {
			if (cls >= 0) {
				L->cls[l] = (uint8_t)cls;
				L->undeclared &= ~(1ull << l);
			}
			L->used |= 1ull << l;
			return (int)l;
		}
	if (!len || len > LABELS_NAME_MAX || L->nlabels == LABELS_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return -1;
	memcpy(L->names[L->nlabels], s, len);
	L->names[L->nlabels][len] = 0;
	L->cls[L->nlabels] = (uint8_t)(cls >= 0 ? cls : GEN_CLASS_SIVT);
	if (cls < 0)
		L->undeclared |= 1ull << L->nlabels;
	L->used |= 1ull << L->nlabels;
	return (int)L->nlabels++;
}

static int class_parse(const char *s, size_t len)
{
	static const char *const cn[] = { "valid", "givt", "sivt", "trap" };

	for (int k = 0; k < 4; k++)
		if (strlen(cn[k]) == len && !memcmp(s, cn[k], len))
			return k;
	return -1;
}

int labels_line(struct labels *L, const char *line, size_t len)
{
	const char *tab = memchr(line, '\t', len), *f2, *t2;
	size_t l1, l2;
	uint64_t v;
	int l;

	if (!tab)
		return -EINVAL;
	l1 = (size_t)(tab - line);
	f2 = tab + 1;
	l2 = len - l1 - 1;
	t2 = memchr(f2, '\t', l2);
	if (l1 == 5 && !memcmp(line, "class", 5)) {
		int c;

		if (!t2 || (c = class_parse(t2 + 1, len - (size_t)(t2 + 1 - line))) < 0 ||
		    label_find(L, f2, (size_t)(t2 - f2), c) < 0)
			return -EINVAL;
		return 0;
	}
	if (l1 == 3 && !memcmp(line, "pub", 3)) {
		if (!t2 || parse_dec(f2, (size_t)(t2 - f2), UINT32_MAX, &v) ||
		    (l = label_find(L, t2 + 1, len - (size_t)(t2 + 1 - line), -1)) < 0)
			return -EINVAL;
		if (L->npubs < LABELS_PUBS_MAX) {
			L->pubs[L->npubs] = (uint32_t)v;
			L->pub_label[L->npubs++] = (uint8_t)l;
		}
		return 0;
	}
	if (parse_hex16(line, l1, &v) || (l = label_find(L, f2, l2, -1)) < 0)
		return -EINVAL;
	if (L->n == L->cap) {
		size_t cap = L->cap ? L->cap * 2 : 65536;
		struct label_ent *e = realloc(L->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		L->e = e;
		L->cap = cap;
	}
	L->e[L->n++] = (struct label_ent){ v, (uint8_t)l };
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct label_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void labels_finish(struct labels *L)
{
	if (L->n)
		qsort(L->e, L->n, sizeof(*L->e), ent_cmp);
}

int labels_load(struct labels *L, const char *path, char *err,
		size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[LABELS_LINE_MAX + 2];
	unsigned no = 0;
	int rc = 0;

	labels_init(L);
	if (!f) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		no++;
		if (len && line[len - 1] == '\n')
			len--;
		else if (!feof(f))
			rc = -EINVAL;       /* longer than LABELS_LINE_MAX */
		if (rc || (rc = labels_line(L, line, len)))
			break;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (rc == -EINVAL)
		snprintf(err, errlen, "bad label line '%s:%u'", path, no);
	else if (rc)
		snprintf(err, errlen, "cannot read '%s': %s", path,
			 strerror(-rc));
	else
		labels_finish(L);
	return rc ? -1 : 0;
}

unsigned labels_of(const struct labels *L, uint64_t id)
{
	struct label_ent k = { id, 0 };
	const struct label_ent *e = L->n ? bsearch(&k, L->e, L->n, sizeof(k),
						   ent_cmp) : NULL;

	return e ? e->label : GEN_LABEL_VALID;
}

bool labels_shown(const struct labels *L, unsigned l)
{
	uint64_t gen = (1ull << GEN_LABEL__COUNT) - 2;   /* not valid */

	return l < L->nlabels && ((L->used >> l & 1) ||
				  (l < GEN_LABEL__COUNT && (L->used & gen)));
}

bool labels_fraud(const struct labels *L, unsigned l)
{
	return l < L->nlabels && (L->cls[l] == GEN_CLASS_GIVT ||
				  L->cls[l] == GEN_CLASS_SIVT);
}
