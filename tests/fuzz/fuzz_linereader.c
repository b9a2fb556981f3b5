/* fuzz_linereader.c - libFuzzer target for the line reader, the first code
 * to touch spool bytes: whatever the input (plain or gzip), every line lies
 * inside the stream, holds no LF, a whole line holds no NUL, and the
 * counts add up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ingest/linereader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linereader lr;
	struct lr_line l;
	uint64_t seen = 0, last_end = 0;
	int k;

	if (lr_open_mem(&lr, data, size))
		return 0;
	while ((k = lr_next(&lr, &l)) > 0) {
		if (memchr(l.ptr, '\n', l.len) || l.offset < last_end)
			abort();
		if (k != LR_LONG && memchr(l.ptr, '\0', l.len))
			abort();
		if (l.len > LR_LINE_CAP)
			abort();
		if (k == LR_LINE || k == LR_NUL || k == LR_PARTIAL)
			seen += l.len;
		last_end = l.offset + l.len;
		if (last_end > lr.st.bytes)
			abort();
	}
	if (k < 0)
		abort();   /* memory input cannot fail to read */
	if (!lr.gzip && lr.st.bytes != size)
		abort();
	if (seen + lr.st.nul_bytes > lr.st.bytes)
		abort();
	lr_close(&lr);
	return 0;
}
