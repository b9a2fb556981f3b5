/* fuzz_query.c - libFuzzer target for the query-string reader: any bytes
 * must parse or fail cleanly, and a decoded value never holds a control
 * byte or overruns its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../serve/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query q;
	char out[QUERY_VALUE_MAX];
	static const char *const names[] = { "ad", "zone", "t", "format", "" };
	uint32_t id;

	if (query_parse((const char *)data, size, &q) != QUERY_OK)
		return 0;
	if (q.n > QUERY_MAX_PARAMS)
		abort();
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		int n = query_get(&q, names[i], out, sizeof(out));

		if (n >= (int)sizeof(out))
			abort();
		for (int j = 0; j < n; j++)
			if ((unsigned char)out[j] < 0x20 || out[j] == 0x7f)
				abort();
		if (query_get_id(&q, names[i], &id) == 0 && id == 0)
			abort();
	}
	return 0;
}
