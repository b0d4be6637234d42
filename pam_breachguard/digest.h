/* digest.h: keyed digests of identities (HMAC-SHA-256, nettle; see digest.c)
 * and the plain SHA-256 of files (the import's source digest). */
#ifndef BG_DIGEST_H
#define BG_DIGEST_H

#include <stddef.h>

#include "log.h"

#define BG_KEY_LEN 32
#define BG_DIGEST_LEN 16 /* HMAC-SHA-256 truncated to 128 bits */
#define BG_KEY_ID_LEN 8
#define BG_SHA256_LEN 32

struct bg_hmac; /* one per thread */

int bg_hmac_new(struct bg_hmac **h, const unsigned char key[BG_KEY_LEN],
		const struct bg_logger *log);
void bg_hmac_free(struct bg_hmac *h);
/* A second context with the same key (for another thread).  0 or -ENOMEM. */
int bg_hmac_dup(struct bg_hmac **out, const struct bg_hmac *h);
/* HMAC(key, domain || data) truncated; domain separates identities ("id") from
 * password-hash fingerprints ("fp").  Returns 0 or -EIO (logged). */
int bg_hmac_digest(struct bg_hmac *h, const char *domain, const void *data, size_t len,
		   unsigned char out[BG_DIGEST_LEN]);

/* First bytes of SHA-256(key): stored in the store's meta to refuse a wrong key. */
int bg_key_id(const unsigned char key[BG_KEY_LEN], unsigned char id[BG_KEY_ID_LEN],
	      const struct bg_logger *log);

/* SHA-256 of a stream (an input file as it is read).  Only the allocation can
 * fail (-ENOMEM); bg_sha256_sum gives the digest of what was fed so far and the
 * stream may go on. */
struct bg_sha256;

int bg_sha256_new(struct bg_sha256 **out);
void bg_sha256_update(struct bg_sha256 *s, const void *data, size_t len);
void bg_sha256_sum(const struct bg_sha256 *s, unsigned char out[BG_SHA256_LEN]);
void bg_sha256_free(struct bg_sha256 *s);
/* SHA-256 of one buffer. */
void bg_sha256(const void *data, size_t len, unsigned char out[BG_SHA256_LEN]);

/* Reads the site key (trusted file, exactly BG_KEY_LEN bytes). */
int bg_key_load(const char *path, unsigned char key[BG_KEY_LEN], const struct bg_logger *log);
/* Makes a new key file from the OS CSPRNG (0600, O_EXCL). */
int bg_key_create(const char *path, const struct bg_logger *log);

void bg_wipe(void *p, size_t n);
/* The one OpenSSL error mapper: the first error of libcrypto's queue as text
 * in buf (the queue is cleared); for the tool's own calls (signed bundles). */
const char *bg_crypto_why(char *buf, size_t len);

#endif
