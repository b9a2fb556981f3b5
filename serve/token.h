/* token.h - signed click tokens: impression id, ad and zone under an
 * HMAC-SHA256 tag (96 bits), base64url.  Two keys are accepted at once so
 * keys can be rotated without breaking clicks on ads already shown.
 *
 * Ownership: struct token_keys is plain data; a struct token_mac holds
 * libcrypto state for one thread (token_mac_init / token_mac_release). */
#ifndef ADLOG_SERVE_TOKEN_H
#define ADLOG_SERVE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_KEY_BYTES 32
#define TOKEN_TAG_BYTES 12
#define TOKEN_RAW_BYTES (1 + 8 + 4 + 4 + TOKEN_TAG_BYTES)  /* 29 */
#define TOKEN_LEN 39        /* base64url characters, no padding */

struct token_keys {
	int n;                            /* 1 or 2 */
	uint8_t id[2];                    /* [0] current, [1] old */
	uint8_t key[2][TOKEN_KEY_BYTES];
};

struct token_mac {
	const struct token_keys *keys;
	void *ctx[2];                     /* EVP_MAC_CTX *, keyed */
};

enum token_verdict {
	TOKEN_VALID = 0,
	TOKEN_EXPIRED,     /* signature good, impression older than max age */
	TOKEN_BAD,         /* decodes, but key id unknown or tag wrong */
	TOKEN_MALFORMED,   /* not a token at all: nothing inside is usable */
};

struct token_info {
	uint64_t imp;
	uint32_t ad, zone;
	uint8_t key_id;
};

/* Keys from config text: 64 hex digits each; old_hex may be "".  Returns 0
 * or -1 with a message in err. */
int token_keys_init(struct token_keys *k, unsigned cur_id, const char *cur_hex,
		    unsigned old_id, const char *old_hex, char *err,
		    size_t errlen);

/* Per-thread MAC state for keys (which must outlive it).  0 or -1. */
int token_mac_init(struct token_mac *m, const struct token_keys *keys);
void token_mac_release(struct token_mac *m);

/* Sign with the current key; writes TOKEN_LEN characters (no NUL).
 * Returns 0, or -1 if libcrypto fails. */
int token_make(struct token_mac *m, uint64_t imp, uint32_t ad, uint32_t zone,
	       char out[TOKEN_LEN]);

/* Check a token.  For VALID, EXPIRED and BAD, *info holds what the token
 * says (for BAD it is unproven).  Age is measured from the time inside the
 * impression id; max_age_ms < 0 never expires. */
enum token_verdict token_check(struct token_mac *m, const char *t, size_t len,
			       int64_t now_ms, int64_t max_age_ms,
			       struct token_info *info);

#endif
