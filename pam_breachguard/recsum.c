/* recsum.c: the keyed digest of one store record (see recsum.h).  The MAC is
 * the library's HMAC-SHA-256 (digest.c, nettle): no construction of our own. */
#include <string.h>

#include "recsum.h"

int bg_recsum(struct bg_hmac *h, char tag, const void *key, size_t klen, const void *val,
	      size_t vlen, unsigned char out[BG_RECSUM_LEN])
{
	unsigned char buf[2048];
	size_t n = 0;
	int rc;

	/* Records are small (a key <= 511 bytes, a value of a few hundred);
	 * anything longer is cut, which only weakens the digest for it. */
	if (klen > 1024)
		klen = 1024;
	if (vlen > sizeof(buf) - 3 - klen)
		vlen = sizeof(buf) - 3 - klen;
	buf[n++] = (unsigned char)tag;
	buf[n++] = (unsigned char)(klen >> 8);
	buf[n++] = (unsigned char)klen;
	memcpy(buf + n, key, klen);
	n += klen;
	memcpy(buf + n, val, vlen);
	n += vlen;
	rc = bg_hmac_digest(h, "rec", buf, n, out);
	bg_wipe(buf, n);
	return rc;
}
