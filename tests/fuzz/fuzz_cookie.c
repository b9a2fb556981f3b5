/* fuzz_cookie.c - libFuzzer target for the Cookie header reader and the
 * uid check that follows it: the value found lies inside the header, and a
 * uid that parses formats back to the same 22 characters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "../../serve/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *hdr = (const char *)data, *v;
	size_t n;
	uint8_t uid[16];
	char back[EVENT_UID_LEN];

	if (!cookie_find(hdr, size, "uid", &v, &n))
		return 0;
	if (v < hdr || v + n > hdr + size)
		abort();
	if (uid_parse(v, n, uid) == 0) {
		uid_format(uid, back);
		if (n != EVENT_UID_LEN || memcmp(back, v, n))
			abort();
	}
	purpose_is_prefetch(hdr, size);
	return 0;
}
