/* fuzz_spool.c - libFuzzer target for the spool file name parser (names
 * come from whatever lies in the spool folder): any bytes are parsed or
 * refused; a parsed name written again with spool_name_format reads back
 * as the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_name sn, back;
	char host[256], buf[512];
	int n;

	if (!spool_name_parse((const char *)data, size, &sn))
		return 0;
	if (sn.host_len >= sizeof(host))
		return 0;
	memcpy(host, sn.host, sn.host_len);
	host[sn.host_len] = '\0';
	n = spool_name_format(buf, sizeof(buf), NULL, sn.hour, host, sn.node,
			      sn.start_ms, "");
	if (n < 0)
		return 0;
	if (!spool_name_parse(buf, (size_t)n, &back) || back.hour != sn.hour ||
	    back.node != sn.node || back.start_ms != sn.start_ms ||
	    back.host_len != sn.host_len ||
	    memcmp(back.host, sn.host, sn.host_len))
		abort();
	return 0;
}
