/* fuzz_origin.c - libFuzzer target for the CORS Origin check: an origin
 * that is granted is "http[s]://host[:port]" of plain bytes under one of
 * the domains, so it is safe to echo in a header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../serve/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *o = (const char *)data;

	if (!origin_allowed(o, size, "example.com,example.org"))
		return 0;
	if (size > ORIGIN_MAX || size < 18)
		abort();
	for (size_t i = 0; i < size; i++) {
		char c = o[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '/'))
			abort();
	}
	if (strncmp(o, "http://", 7) && strncmp(o, "https://", 8))
		abort();
	return 0;
}
