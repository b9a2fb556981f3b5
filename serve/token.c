/* token.c - make and check click tokens with libcrypto's HMAC-SHA256.  Each
 * thread keeps one keyed EVP_MAC_CTX per key and re-initialises it per use,
 * which avoids the algorithm fetch that the one-shot HMAC() pays each call. */
#include "token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "eventid.h"
#include "parse.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int parse_key(const char *hex, uint8_t out[TOKEN_KEY_BYTES])
{
	if (strlen(hex) != 2 * TOKEN_KEY_BYTES)
		return -1;
	for (int i = 0; i < TOKEN_KEY_BYTES; i++) {
		int hi = hex_digit((unsigned char)hex[2 * i]);
		int lo = hex_digit((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int token_keys_init(struct token_keys *k, unsigned cur_id, const char *cur_hex,
		    unsigned old_id, const char *old_hex, char *err,
		    size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (cur_id > 255 || parse_key(cur_hex, k->key[0])) {
		snprintf(err, errlen, "token_key must be 64 hex digits");
		return -1;
	}
	k->id[0] = (uint8_t)cur_id;
	k->n = 1;
	if (!*old_hex)
		return 0;
	if (old_id > 255 || old_id == cur_id || parse_key(old_hex, k->key[1])) {
		snprintf(err, errlen,
			 "token_old_key must be 64 hex digits with an id other than token_key_id");
		return -1;
	}
	k->id[1] = (uint8_t)old_id;
	k->n = 2;
	return 0;
}

int token_mac_init(struct token_mac *m, const struct token_keys *keys)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->keys = keys;
	if (!mac)
		return -1;
	for (int i = 0; i < keys->n; i++) {
		EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);

		m->ctx[i] = c;
		if (!c || !EVP_MAC_init(c, keys->key[i], TOKEN_KEY_BYTES, params))
			rc = -1;
	}
	EVP_MAC_free(mac);
	if (rc)
		token_mac_release(m);
	return rc;
}

void token_mac_release(struct token_mac *m)
{
	for (int i = 0; i < 2; i++) {
		EVP_MAC_CTX_free(m->ctx[i]);
		m->ctx[i] = NULL;
	}
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* tag of raw[0..17) with key slot k into tag */
static int mac_tag(struct token_mac *m, int k, const uint8_t *msg, size_t len,
		   uint8_t tag[TOKEN_TAG_BYTES])
{
	uint8_t full[32];
	size_t outl = 0;
	EVP_MAC_CTX *c = m->ctx[k];

	if (!c || !EVP_MAC_init(c, NULL, 0, NULL) ||
	    !EVP_MAC_update(c, msg, len) ||
	    !EVP_MAC_final(c, full, &outl, sizeof(full)) || outl != 32)
		return -1;
	memcpy(tag, full, TOKEN_TAG_BYTES);
	return 0;
}

int token_make(struct token_mac *m, uint64_t imp, uint32_t ad, uint32_t zone,
	       char out[TOKEN_LEN])
{
	uint8_t raw[TOKEN_RAW_BYTES];
	uint32_t acc = 0;
	int bits = 0, o = 0;

	raw[0] = m->keys->id[0];
	put_be(raw + 1, imp, 8);
	put_be(raw + 9, ad, 4);
	put_be(raw + 13, zone, 4);
	if (mac_tag(m, 0, raw, 17, raw + 17))
		return -1;
	for (int i = 0; i < TOKEN_RAW_BYTES; i++) {
		acc = acc << 8 | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	out[o] = b64[(acc << (6 - bits)) & 63];  /* 29 bytes leave 2 bits */
	return 0;
}

static int b64_val(unsigned char c)
{
	const char *p = c ? memchr(b64, c, 64) : NULL;

	return p ? (int)(p - b64) : -1;
}

/* Exactly TOKEN_LEN characters, canonical (unused low bits zero). */
static bool decode(const char *t, size_t len, uint8_t raw[TOKEN_RAW_BYTES])
{
	uint32_t acc = 0;
	int bits = 0, o = 0;

	if (len != TOKEN_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v = b64_val((unsigned char)t[i]);

		if (v < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == TOKEN_RAW_BYTES && (acc & ((1u << bits) - 1)) == 0;
}

enum token_verdict token_check(struct token_mac *m, const char *t, size_t len,
			       int64_t now_ms, int64_t max_age_ms,
			       struct token_info *info)
{
	uint8_t raw[TOKEN_RAW_BYTES], tag[TOKEN_TAG_BYTES];
	int k = -1;

	memset(info, 0, sizeof(*info));
	if (!decode(t, len, raw))
		return TOKEN_MALFORMED;
	info->key_id = raw[0];
	info->imp = get_be(raw + 1, 8);
	info->ad = (uint32_t)get_be(raw + 9, 4);
	info->zone = (uint32_t)get_be(raw + 13, 4);
	for (int i = 0; i < m->keys->n; i++)
		if (m->keys->id[i] == raw[0])
			k = i;
	if (k < 0 || mac_tag(m, k, raw, 17, tag) ||
	    CRYPTO_memcmp(tag, raw + 17, TOKEN_TAG_BYTES))
		return TOKEN_BAD;
	if (max_age_ms >= 0 && now_ms - eventid_ms(info->imp) > max_age_ms)
		return TOKEN_EXPIRED;
	return TOKEN_VALID;
}
