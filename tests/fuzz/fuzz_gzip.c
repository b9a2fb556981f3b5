/* fuzz_gzip.c - libFuzzer target for the gzip side of the line reader.
 * First byte 0x00-0x7f: the rest is fed as gzip bytes as they are (after a
 * forced magic), so inflate meets hostile headers and data.  0x80-0xff: the
 * rest is compressed as two gzip members, cut at a point chosen by the
 * byte, and the lines read must be the plain text's lines up to the cut -
 * damage may lose the tail, never change what came before it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../ingest/linereader.h"

static size_t gz_member(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	deflateEnd(&zs);
	return cap - zs.avail_out;
}

static void raw(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 2);
	struct linereader lr;
	struct lr_line l;

	buf[0] = 0x1f;
	buf[1] = 0x8b;
	memcpy(buf + 2, data, size);
	if (lr_open_mem(&lr, buf, size + 2) == 0) {
		while (lr_next(&lr, &l) > 0)
			if (l.offset + l.len > lr.st.bytes)
				abort();
		lr_close(&lr);
	}
	free(buf);
}

static void cut(uint8_t sel, const uint8_t *text, size_t n)
{
	size_t cap = n * 2 + 256, half = n / 2, z1, z, at;
	uint8_t *gz = malloc(cap);
	struct linereader plain, lr;
	struct lr_line a, b;
	int ka, kb;

	z1 = gz_member(text, half, gz, cap);
	z = z1 + gz_member(text + half, n - half, gz + z1, cap - z1);
	at = z * (sel & 0x7f) / 127;
	if (at < 2)
		at = 2;   /* a 1-byte file cannot say it is gzip: it is plain */
	if (lr_open_mem(&plain, text, n) || lr_open_mem(&lr, gz, at))
		abort();
	while ((kb = lr_next(&lr, &b)) > 0) {
		ka = lr_next(&plain, &a);
		if (ka <= 0 || a.offset != b.offset)
			abort();
		/* the last line before damage may be shorter, never different */
		if (b.len > a.len || memcmp(a.ptr, b.ptr, b.len))
			abort();
		if (kb == LR_LINE && (ka != LR_LINE || a.len != b.len))
			abort();
	}
	if (at == z && lr.st.damage != LR_D_NONE)
		abort();
	lr_close(&plain);
	lr_close(&lr);
	free(gz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 16))
		return 0;
	if (data[0] < 0x80)
		raw(data + 1, size - 1);
	else
		cut(data[0], data + 1, size - 1);
	return 0;
}
