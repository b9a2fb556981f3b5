/* stats.c - counters of an ingest run and the summary printed at its end. */
#include "stats.h"

void stats_add(struct ingest_stats *to, const struct ingest_stats *from)
{
	const uint64_t *src = (const uint64_t *)from;
	uint64_t *dst = (uint64_t *)to;

	/* every member is a uint64_t */
	for (size_t i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

void stats_flags(uint64_t *flagged, uint64_t flag[SEG_R__COUNT],
		 uint32_t reasons)
{
	if (!reasons)
		return;
	(*flagged)++;
	for (unsigned b = 0; b < SEG_R__COUNT; b++)
		if (reasons & (1u << b))
			flag[b]++;
}

void stats_print_text(FILE *f, const struct ingest_stats *s, double secs,
		      double load_ms)
{
	fprintf(f, "files      %llu (%llu failed, %llu damaged)\n",
		(unsigned long long)s->files, (unsigned long long)s->files_failed,
		(unsigned long long)s->files_damaged);
	fprintf(f, "lines      %llu\n", (unsigned long long)s->lines);
	fprintf(f, "accepted   %llu\n", (unsigned long long)s->accepted);
	fprintf(f, "rejected   %llu\n", (unsigned long long)s->rejected);
	if (s->retracted)
		fprintf(f, "retracted  %llu (logged, answer never delivered)\n",
			(unsigned long long)s->retracted);
	for (unsigned i = 1; i < REJ__COUNT; i++)
		if (s->rej[i])
			fprintf(f, "  %-18s %llu\n", rej_name(i),
				(unsigned long long)s->rej[i]);
	fprintf(f, "flagged    %llu\n", (unsigned long long)s->flagged);
	for (unsigned i = 0; i < SEG_R__COUNT; i++)
		if (s->flag[i])
			fprintf(f, "  %-18s %llu\n", seg_reason_name(i),
				(unsigned long long)s->flag[i]);
	if (s->nul_runs)
		fprintf(f, "nul runs   %llu (%llu bytes)\n",
			(unsigned long long)s->nul_runs,
			(unsigned long long)s->nul_bytes);
	if (s->id_repeats)
		fprintf(f, "id repeats %llu (analyze counts each event once)\n",
			(unsigned long long)s->id_repeats);
	fprintf(f, "segments   %llu\n", (unsigned long long)s->segments);
	fprintf(f, "time       %.3f s (rules loaded in %.1f ms)\n", secs, load_ms);
	fprintf(f, "speed      %.0f lines/s\n", secs > 0 ? s->lines / secs : 0.0);
}

void stats_print_json(FILE *f, const struct ingest_stats *s, double secs,
		      double load_ms)
{
	const char *sep = "";

	fprintf(f, "{\"files\":%llu,\"files_failed\":%llu,\"files_damaged\":%llu,"
		"\"lines\":%llu,\"accepted\":%llu,\"rejected\":%llu,"
		"\"flagged\":%llu,\"bytes_in\":%llu,\"bytes\":%llu,"
		"\"segments\":%llu,\"nul_runs\":%llu,\"nul_bytes\":%llu,"
		"\"id_repeats\":%llu,\"retracted\":%llu,",
		(unsigned long long)s->files, (unsigned long long)s->files_failed,
		(unsigned long long)s->files_damaged,
		(unsigned long long)s->lines, (unsigned long long)s->accepted,
		(unsigned long long)s->rejected, (unsigned long long)s->flagged,
		(unsigned long long)s->bytes_in, (unsigned long long)s->bytes,
		(unsigned long long)s->segments,
		(unsigned long long)s->nul_runs, (unsigned long long)s->nul_bytes,
		(unsigned long long)s->id_repeats,
		(unsigned long long)s->retracted);
	fputs("\"rejected_by\":{", f);
	for (unsigned i = 1; i < REJ__COUNT; i++)
		if (s->rej[i]) {
			fprintf(f, "%s\"%s\":%llu", sep, rej_name(i),
				(unsigned long long)s->rej[i]);
			sep = ",";
		}
	fputs("},\"flagged_by\":{", f);
	sep = "";
	for (unsigned i = 0; i < SEG_R__COUNT; i++)
		if (s->flag[i]) {
			fprintf(f, "%s\"%s\":%llu", sep, seg_reason_name(i),
				(unsigned long long)s->flag[i]);
			sep = ",";
		}
	fprintf(f, "},\"seconds\":%.3f,\"lines_per_s\":%.0f,"
		"\"rules_load_ms\":%.1f}\n",
		secs, secs > 0 ? s->lines / secs : 0.0, load_ms);
}
