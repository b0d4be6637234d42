/* recsum.h: the keyed digest of one store record, for the store's commit-time
 * digest (meta "digest") and `breachguard verify`. */
#ifndef BG_RECSUM_H
#define BG_RECSUM_H

#include <stddef.h>

#include "digest.h"

#define BG_RECSUM_LEN BG_DIGEST_LEN

/* HMAC-SHA-256 (the site key's bg_hmac, domain "rec", so that it can never
 * equal an identity's or a fingerprint's digest) over tag || len(key) || key
 * || value, truncated to 128 bits: a keyed PRF of the record.  XOR over the
 * records is the store's digest: order-independent, so each put and delete
 * updates it in O(1).  0 or a negative errno. */
int bg_recsum(struct bg_hmac *h, char tag, const void *key, size_t klen, const void *val,
	      size_t vlen, unsigned char out[BG_RECSUM_LEN]);

#endif
