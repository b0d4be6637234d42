/* recsum.c: the keyed digest of one store record (see recsum.h).  The MAC is
 * the library's HMAC-SHA-256 (digest.c, nettle): no construction of our own. */
#include <string.h>

#include "recsum.h"

/* The bytes tag || len(key) || key || value into buf (cap bytes, >= 3); the
 * length written.  Longer records are cut, which only weakens their digest. */
static size_t rec_bytes(unsigned char *buf, size_t cap, char tag, const void *key, size_t klen,
			const void *val, size_t vlen)
{
	size_t n = 0;

	if (klen > 1024)
		klen = 1024;
	if (klen > cap - 3)
		klen = cap - 3;
	if (vlen > cap - 3 - klen)
		vlen = cap - 3 - klen;
	buf[n++] = (unsigned char)tag;
	buf[n++] = (unsigned char)(klen >> 8);
	buf[n++] = (unsigned char)klen;
	memcpy(buf + n, key, klen);
	n += klen;
	memcpy(buf + n, val, vlen);
	return n + vlen;
}

int bg_recsum(struct bg_hmac *h, char tag, const void *key, size_t klen, const void *val,
	      size_t vlen, unsigned char out[BG_RECSUM_LEN])
{
	unsigned char buf[2048];
	size_t n;
	int rc;

	/* Records are small (a key <= 511 bytes, a value of a few hundred); the
	 * commonest, an exposure (16 + 4 bytes), is hashed from a small buffer:
	 * an import computes one per new record. */
	if (klen + vlen <= 64 - 3) {
		unsigned char small[64];

		n = rec_bytes(small, sizeof(small), tag, key, klen, val, vlen);
		rc = bg_hmac_digest(h, "rec", small, n, out);
		bg_wipe(small, n);
		return rc;
	}
	n = rec_bytes(buf, sizeof(buf), tag, key, klen, val, vlen);
	rc = bg_hmac_digest(h, "rec", buf, n, out);
	bg_wipe(buf, n);
	return rc;
}
