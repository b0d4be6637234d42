/* sitekey.c: making the site key file from libcrypto's CSPRNG (breachguard
 * init).  Kept apart from digest.c so that the module, which only reads the
 * key, does not link libcrypto: the archive member holding this function is
 * pulled into the tool only.  OpenSSL errors are translated here, once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "digest.h"

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
