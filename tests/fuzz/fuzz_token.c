/* fuzz_token.c - libFuzzer target for the click-token checker: any bytes
 * give a verdict without a crash, and only a token made with the key is
 * ever VALID (the fuzzer cannot forge a 96-bit tag). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../serve/token.h"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct token_keys keys;
	static struct token_mac mac;
	static int ready;
	struct token_info ti;
	char err[128], tok[TOKEN_LEN];
	enum token_verdict v;

	if (!ready) {
		if (token_keys_init(&keys, 1, KEY, 0, "", err, sizeof(err)) ||
		    token_mac_init(&mac, &keys))
			abort();
		ready = 1;
	}
	v = token_check(&mac, (const char *)data, size, 1800000000000LL, -1, &ti);
	if (v == TOKEN_VALID) {
		/* must be exactly what we would have made */
		if (token_make(&mac, ti.imp, ti.ad, ti.zone, tok) ||
		    size != TOKEN_LEN || memcmp(tok, data, TOKEN_LEN))
			abort();
	}
	return 0;
}
