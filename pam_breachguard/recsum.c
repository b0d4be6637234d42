/* recsum.c: SipHash-2-4 (Aumasson and Bernstein), written from the paper, as
 * the keyed record digest of the store.  A 128-bit output is two runs with
 * independent keys derived from the site key (store.c). */
#include <string.h>

#include "recsum.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                               \
	do {                                                                                   \
		v0 += v1;                                                                      \
		v1 = ROTL(v1, 13);                                                             \
		v1 ^= v0;                                                                      \
		v0 = ROTL(v0, 32);                                                             \
		v2 += v3;                                                                      \
		v3 = ROTL(v3, 16);                                                             \
		v3 ^= v2;                                                                      \
		v0 += v3;                                                                      \
		v3 = ROTL(v3, 21);                                                             \
		v3 ^= v0;                                                                      \
		v2 += v1;                                                                      \
		v1 = ROTL(v1, 17);                                                             \
		v1 ^= v2;                                                                      \
		v2 = ROTL(v2, 32);                                                             \
	} while (0)

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t bg_siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t end = len & ~(size_t)7;

	for (size_t i = 0; i < end; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < len - end; j++)
		b |= (uint64_t)in[end + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void bg_recsum(const uint64_t k[4], char tag, const void *key, size_t klen, const void *val,
	       size_t vlen, unsigned char out[BG_RECSUM_LEN])
{
	unsigned char buf[2048];
	size_t n = 0;
	uint64_t h[2];

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
	h[0] = bg_siphash24(k[0], k[1], buf, n);
	h[1] = bg_siphash24(k[2], k[3], buf, n);
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)(h[0] >> (8 * i));
		out[8 + i] = (unsigned char)(h[1] >> (8 * i));
	}
}
