/* digest.c: keyed digests (HMAC-SHA-256) and the site key file.  The HMAC and
 * the key id come from nettle, for the module and the tool alike: one HMAC, so
 * the module and the tool cannot disagree.  Why not libcrypto, which stays the
 * project's crypto library (key generation, signatures): loading and initialising
 * it costs a fresh su/sudo/login process about 2.7 ms (library load,
 * OPENSSL_init_crypto, the first EVP_MAC_fetch), and its EVP_MAC per address
 * is about twice nettle's cost in the import (309 ns against 163 ns per digest
 * here; EVP_MAC_CTX_dup of a keyed context is worse, 741 ns).  HMAC-SHA-256 is
 * a standard construction (RFC 2104): nettle's digests are byte-identical to
 * libcrypto's, which tests/unit/test_digest.c proves on many keys and messages,
 * so every store made before keeps working.  The key file creation, which needs
 * the CSPRNG, lives in sitekey.c: the module never links it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "config.h"
#include "digest.h"
#include "safeopen.h"

struct bg_hmac {
	/* Keyed once: nettle keeps the inner and outer pads' states and resets to
	 * the keyed state after every digest. */
	struct hmac_sha256_ctx ctx;
};

void bg_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int bg_hmac_new(struct bg_hmac **out, const unsigned char key[BG_KEY_LEN],
		const struct bg_logger *log)
{
	struct bg_hmac *h;

	(void)log; /* nettle's HMAC cannot fail once memory is there */
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	hmac_sha256_set_key(&h->ctx, BG_KEY_LEN, key);
	*out = h;
	return 0;
}

int bg_hmac_dup(struct bg_hmac **out, const struct bg_hmac *h)
{
	*out = malloc(sizeof(**out));
	if (!*out)
		return -ENOMEM;
	**out = *h; /* the keyed pads' states: no key needed */
	return 0;
}

void bg_hmac_free(struct bg_hmac *h)
{
	if (!h)
		return;
	bg_wipe(h, sizeof(*h)); /* the pads' states are as secret as the key */
	free(h);
}

int bg_hmac_digest(struct bg_hmac *h, const char *domain, const void *data, size_t len,
		   unsigned char out[BG_DIGEST_LEN])
{
	_Static_assert(BG_DIGEST_LEN <= SHA256_DIGEST_SIZE, "a truncated HMAC-SHA-256");
	hmac_sha256_update(&h->ctx, strlen(domain) + 1, (const uint8_t *)domain);
	hmac_sha256_update(&h->ctx, len, data);
	/* HMAC-SHA-256's first 128 bits: nettle writes only the bytes asked for
	 * (the inner digest stays whole), so no full copy to truncate and wipe;
	 * an import makes two of these a line. */
	hmac_sha256_digest(&h->ctx, BG_DIGEST_LEN, out);
	return 0;
}

/* The plain SHA-256 of the files an import reads (the advisory's source
 * digest): nettle too, so the import needs no second hash library. */
_Static_assert(BG_SHA256_LEN == SHA256_DIGEST_SIZE, "digest.h's SHA-256 length");

struct bg_sha256 {
	struct sha256_ctx ctx;
};

int bg_sha256_new(struct bg_sha256 **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	sha256_init(&(*out)->ctx);
	return 0;
}

void bg_sha256_update(struct bg_sha256 *s, const void *data, size_t len)
{
	sha256_update(&s->ctx, len, data);
}

void bg_sha256_sum(const struct bg_sha256 *s, unsigned char out[BG_SHA256_LEN])
{
	/* nettle's digest call resets its context: finish a copy instead. */
	struct sha256_ctx c = s->ctx;

	sha256_digest(&c, BG_SHA256_LEN, out);
}

void bg_sha256_free(struct bg_sha256 *s)
{
	free(s);
}

void bg_sha256(const void *data, size_t len, unsigned char out[BG_SHA256_LEN])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, BG_SHA256_LEN, out);
}

int bg_key_id(const unsigned char key[BG_KEY_LEN], unsigned char id[BG_KEY_ID_LEN],
	      const struct bg_logger *log)
{
	struct sha256_ctx c;
	unsigned char md[SHA256_DIGEST_SIZE];

	(void)log;
	sha256_init(&c);
	sha256_update(&c, BG_KEY_LEN, key);
	sha256_digest(&c, sizeof(md), md);
	memcpy(id, md, BG_KEY_ID_LEN);
	bg_wipe(&c, sizeof(c));
	return 0;
}

int bg_key_load(const char *path, unsigned char key[BG_KEY_LEN], const struct bg_logger *log)
{
	unsigned char buf[BG_KEY_LEN + 1];
	const char *why = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, rc = 0;

	fd = bg_open_regular(path, 1, BG_KEY_LEN, &st, &why);
	if (fd < 0) {
		bg_log(log, LOG_ERR, "key file %s: %s", path, why ? why : strerror(-fd));
		return fd;
	}
	if ((rc = bg_parents_ok("key file ", path, log)) != 0)
		goto out;
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		bg_log(log, LOG_ERR, "key file %s: is readable by group or others (want 0600)",
		       path);
		rc = -EPERM;
		goto out;
	}
	/* Short of the buffer at the size fstat gave: the end, no read() for the 0. */
	n = bg_read_sized(fd, buf, sizeof(buf), (size_t)st.st_size);
	if (n < 0) {
		rc = (int)n;
		bg_log(log, LOG_ERR, "key file %s: %s", path, strerror(-rc));
		goto out;
	}
	got = (size_t)n;
	if (got != BG_KEY_LEN) {
		bg_log(log, LOG_ERR, "key file %s: holds %zu bytes, expected %d", path, got,
		       BG_KEY_LEN);
		rc = -EINVAL;
		goto out;
	}
	memcpy(key, buf, BG_KEY_LEN);
out:
	bg_wipe(buf, sizeof(buf));
	close(fd);
	return rc;
}
