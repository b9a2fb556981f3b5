/* test_token.c - click tokens: round trip, tags equal to libcrypto's
 * one-shot HMAC, every flipped character refused, expiry from the time in
 * the impression id, key rotation, malformed text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "eventid.h"
#include "../../serve/token.h"

#define K1 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define K2 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define NOW 1800000000000LL

static void test_round_trip_and_tamper(void **state)
{
	struct token_keys k;
	struct token_mac m;
	struct token_info ti;
	char err[128], tok[TOKEN_LEN];
	uint64_t imp = eventid_make(NOW - 1000, 7, 3);

	(void)state;
	assert_int_equal(token_keys_init(&k, 1, K1, 0, "", err, sizeof(err)), 0);
	assert_int_equal(token_mac_init(&m, &k), 0);
	assert_int_equal(token_make(&m, imp, 42, 9, tok), 0);
	assert_int_equal(token_check(&m, tok, TOKEN_LEN, NOW, 86400000, &ti),
			 TOKEN_VALID);
	assert_true(ti.imp == imp);
	assert_int_equal(ti.ad, 42);
	assert_int_equal(ti.zone, 9);
	for (int i = 0; i < TOKEN_LEN; i++) {
		char t2[TOKEN_LEN];
		enum token_verdict v;

		memcpy(t2, tok, sizeof(t2));
		t2[i] = t2[i] == 'A' ? 'B' : 'A';
		v = token_check(&m, t2, TOKEN_LEN, NOW, 86400000, &ti);
		assert_true(v == TOKEN_BAD || v == TOKEN_MALFORMED);
	}
	/* expired: the impression is older than max age */
	assert_int_equal(token_check(&m, tok, TOKEN_LEN, NOW + 86400000, 86400000,
				     &ti), TOKEN_EXPIRED);
	assert_int_equal(token_check(&m, tok, TOKEN_LEN - 1, NOW, 86400000, &ti),
			 TOKEN_MALFORMED);
	assert_int_equal(token_check(&m, "!!!", 3, NOW, 86400000, &ti),
			 TOKEN_MALFORMED);
	token_mac_release(&m);
}

static void test_tag_is_hmac_sha256(void **state)
{
	struct token_keys k;
	struct token_mac m;
	char err[128], tok[TOKEN_LEN];
	uint8_t msg[17] = { 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7 };
	uint8_t full[32];
	unsigned len = 0;
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	(void)state;
	assert_int_equal(token_keys_init(&k, 1, K1, 0, "", err, sizeof(err)), 0);
	assert_int_equal(token_mac_init(&m, &k), 0);
	assert_int_equal(token_make(&m, 5, 6, 7, tok), 0);
	assert_non_null(HMAC(EVP_sha256(), k.key[0], 32, msg, 17, full, &len));
	/* bytes 17..28 of the token are the tag; byte 17 starts at bit 136,
	 * i.e. character 22 plus 4 bits: compare the first whole characters */
	char c1 = b64[((uint32_t)msg[16] << 2 & 0x3c) | full[0] >> 6];

	assert_int_equal(tok[22], c1);
	assert_int_equal(tok[23], b64[full[0] & 63]);
	assert_int_equal(tok[24], b64[full[1] >> 2]);
	token_mac_release(&m);
}

static void test_rotation(void **state)
{
	struct token_keys old_only, both, wrong;
	struct token_mac mo, mb, mw;
	struct token_info ti;
	char err[128], tok[TOKEN_LEN];
	uint64_t imp = eventid_make(NOW, 1, 1);

	(void)state;
	assert_int_equal(token_keys_init(&old_only, 1, K1, 0, "", err, sizeof(err)), 0);
	assert_int_equal(token_keys_init(&both, 2, K2, 1, K1, err, sizeof(err)), 0);
	assert_int_equal(token_keys_init(&wrong, 1, K2, 0, "", err, sizeof(err)), 0);
	assert_int_equal(token_mac_init(&mo, &old_only), 0);
	assert_int_equal(token_mac_init(&mb, &both), 0);
	assert_int_equal(token_mac_init(&mw, &wrong), 0);
	assert_int_equal(token_make(&mo, imp, 1, 2, tok), 0);
	assert_int_equal(token_check(&mb, tok, TOKEN_LEN, NOW, -1, &ti), TOKEN_VALID);
	assert_int_equal(ti.key_id, 1);
	/* same key id, other key: a forgery */
	assert_int_equal(token_check(&mw, tok, TOKEN_LEN, NOW, -1, &ti), TOKEN_BAD);
	assert_int_equal(token_make(&mb, imp, 1, 2, tok), 0);
	assert_int_equal(token_check(&mo, tok, TOKEN_LEN, NOW, -1, &ti), TOKEN_BAD);
	assert_int_equal(token_keys_init(&wrong, 1, "abc", 0, "", err, sizeof(err)), -1);
	assert_int_equal(token_keys_init(&wrong, 1, K1, 1, K2, err, sizeof(err)), -1);
	token_mac_release(&mo);
	token_mac_release(&mb);
	token_mac_release(&mw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_tamper),
		cmocka_unit_test(test_tag_is_hmac_sha256),
		cmocka_unit_test(test_rotation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
