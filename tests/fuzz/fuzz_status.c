/* fuzz_status.c - libFuzzer target for the readers adlog-admin status runs
 * on bytes it did not write: an HTTP response head (serve's /status through
 * nginx), cron status files, analyze's JSON lines, manifests, and the JSON
 * string writer.  Offsets stay inside the input, strings stay terminated,
 * and the JSON written is one string with no raw control byte and only
 * the escapes JSON allows. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utchour.h"
#include "../../admin/httpget.h"
#include "../../admin/status.h"
#include "manifest.h"

static void check_json(const char *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return;
	status_json_str(f, in);
	fclose(f);
	if (len < 2 || out[0] != '"' || out[len - 1] != '"')
		abort();
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c == '"')
			abort();
		if (c == '\\') {
			c = (unsigned char)out[++i];
			if (i + 1 >= len || !strchr("\\\"ntu", c))
				abort();
			if (c == 'u' && i + 4 >= len)
				abort();
		}
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct status_job j;
	char digest[65], *str;
	uint32_t hour;
	size_t off;

	if (http_response_status(p, size, &off) >= 0 && off > size)
		abort();
	if (status_job_parse(p, size, &j) == 0 &&
	    (strlen(j.job) >= sizeof(j.job) || strlen(j.message) >= sizeof(j.message) ||
	     j.ncounts > STATUS_MAX_COUNTS || j.exit_code > 255))
		abort();
	if (status_analyze_line(p, size, &hour, digest, sizeof(digest)) &&
	    (hour_start_ms(hour) < 0 || !digest[0] ||
	     strspn(digest, "0123456789abcdefABCDEF") != strlen(digest)))
		abort();
	manifest_lists(p, size, "adlog.2026010100.a.0001.5");
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';
	check_json(str);
	free(str);
	return 0;
}
