/* digest.c: keyed digests through libcrypto (EVP_MAC HMAC-SHA-256) and the site
 * key file.  OpenSSL errors are translated here, once, and logged with their text. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "digest.h"
#include "safeopen.h"

struct bg_hmac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	const struct bg_logger *log;
};

/* The one OpenSSL error mapper: the queue's first error as text, the queue
 * cleared.  The tool's bundle code puts it in its own messages. */
const char *bg_crypto_why(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "unknown libcrypto error");
	ERR_clear_error();
	return buf;
}

/* Logs the queue and yields -EIO. */
static int ossl_fail(const struct bg_logger *log, const char *what)
{
	char buf[256];

	bg_log(log, LOG_ERR, "%s: %s", what, bg_crypto_why(buf, sizeof(buf)));
	return -EIO;
}

void bg_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int bg_hmac_new(struct bg_hmac **out, const unsigned char key[BG_KEY_LEN],
		const struct bg_logger *log)
{
	OSSL_PARAM params[2];
	struct bg_hmac *h;
	char digest[] = "SHA256";
	int rc = 0;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->log = log;
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!h->mac) {
		rc = ossl_fail(log, "HMAC unavailable");
		goto out;
	}
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (!h->ctx) {
		rc = ossl_fail(log, "HMAC context");
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(h->ctx, key, BG_KEY_LEN, params) != 1) {
		rc = ossl_fail(log, "HMAC init");
		goto out;
	}
	*out = h;
	h = NULL;
out:
	bg_hmac_free(h);
	return rc;
}

void bg_hmac_free(struct bg_hmac *h)
{
	if (!h)
		return;
	EVP_MAC_CTX_free(h->ctx); /* OpenSSL cleanses the key material */
	EVP_MAC_free(h->mac);
	free(h);
}

int bg_hmac_digest(struct bg_hmac *h, const char *domain, const void *data, size_t len,
		   unsigned char out[BG_DIGEST_LEN])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	size_t outl = 0;

	/* A NULL key re-initialises with the key already set: cheap per digest. */
	if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(h->ctx, (const unsigned char *)domain, strlen(domain) + 1) != 1 ||
	    EVP_MAC_update(h->ctx, data, len) != 1 ||
	    EVP_MAC_final(h->ctx, full, &outl, sizeof(full)) != 1 || outl < BG_DIGEST_LEN)
		return ossl_fail(h->log, "HMAC");
	memcpy(out, full, BG_DIGEST_LEN);
	bg_wipe(full, sizeof(full));
	return 0;
}

int bg_key_id(const unsigned char key[BG_KEY_LEN], unsigned char id[BG_KEY_ID_LEN],
	      const struct bg_logger *log)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(key, BG_KEY_LEN, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return ossl_fail(log, "SHA-256");
	memcpy(id, md, BG_KEY_ID_LEN);
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
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		bg_log(log, LOG_ERR, "key file %s: is readable by group or others (want 0600)",
		       path);
		rc = -EPERM;
		goto out;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			bg_log(log, LOG_ERR, "key file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
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

int bg_key_create(const char *path, const struct bg_logger *log)
{
	unsigned char key[BG_KEY_LEN];
	int fd, rc = 0;

	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		return ossl_fail(log, "random key");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		bg_log(log, LOG_ERR, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) != 0) {
		rc = errno ? -errno : -EIO;
		bg_log(log, LOG_ERR, "key file %s: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) != 0) {
		rc = -errno;
		bg_log(log, LOG_ERR, "key file %s: %s", path, strerror(errno));
		unlink(path);
	}
out:
	bg_wipe(key, sizeof(key));
	return rc;
}
