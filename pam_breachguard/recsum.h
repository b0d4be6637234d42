/* recsum.h: the keyed digest of one store record, for the store's commit-time
 * digest (meta "digest") and `breachguard verify`. */
#ifndef BG_RECSUM_H
#define BG_RECSUM_H

#include <stddef.h>
#include <stdint.h>

#define BG_RECSUM_LEN 16

/* SipHash-2-4 of in with the key (k0, k1). */
uint64_t bg_siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len);

/* SipHash-2-4 twice (keys k[0..1] and k[2..3]) over tag || len(key) || key ||
 * value: a keyed 128-bit PRF of the record.  XOR over records is the table's
 * digest: order-independent, so each put and delete updates it in O(1). */
void bg_recsum(const uint64_t k[4], char tag, const void *key, size_t klen, const void *val,
	       size_t vlen, unsigned char out[BG_RECSUM_LEN]);

#endif
