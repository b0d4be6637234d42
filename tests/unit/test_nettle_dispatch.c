/* test_nettle_dispatch.c: the module's copy of nettle (Makefile: nettle_dispatch.o
 * before libnettle.a, when NETTLE_DISPATCH is on) computes SHA-256 exactly as
 * libcrypto does, through each compression function the dispatch may choose:
 * the SHA extensions (when this CPU has them) and nettle's plain x86_64
 * assembly, which a CPU without them gets and which the module's own tests
 * would otherwise never run here.  Each variant is driven directly, one block
 * at a time, with the round constants computed from their definition (FIPS
 * 180-4: cube roots of the first 64 primes), on random messages of 0 to 300
 * bytes.  The HMAC built on top is covered by test_digest, linked the same way. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "t.h"

#if BG_NETTLE_DISPATCH
#include <sys/platform/x86.h>

typedef void compress_fn(uint32_t *state, const uint8_t *input, const uint32_t *k);
compress_fn _nettle_sha256_compress, _nettle_sha256_compress_x86_64, _nettle_sha256_compress_sha_ni;

static uint32_t K[64], H0[8];

static uint32_t frac32(double x)
{
	return (uint32_t)ldexp(x - floor(x), 32);
}

static void constants(void)
{
	int n = 0;

	for (int p = 2; n < 64; p++) {
		int prime = 1;

		for (int d = 2; d * d <= p; d++)
			if (p % d == 0)
				prime = 0;
		if (!prime)
			continue;
		if (n < 8)
			H0[n] = frac32(sqrt(p));
		K[n++] = frac32(cbrt(p));
	}
}

/* SHA-256 of msg with compress doing every block. */
static void sha256_with(compress_fn *compress, const unsigned char *msg, size_t len,
			unsigned char out[32])
{
	uint32_t st[8];
	unsigned char block[128];
	size_t full = len / 64 * 64, rest = len - full, pad;
	uint64_t bits = (uint64_t)len * 8;

	memcpy(st, H0, sizeof(st));
	for (size_t i = 0; i < full; i += 64)
		compress(st, msg + i, K);
	memset(block, 0, sizeof(block));
	memcpy(block, msg + full, rest);
	block[rest] = 0x80;
	pad = rest < 56 ? 64 : 128;
	for (size_t i = 0; i < 8; i++)
		block[pad - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t i = 0; i < pad; i += 64)
		compress(st, block + i, K);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (unsigned char)(st[i] >> (24 - 8 * j));
}

static void check_variant(compress_fn *compress)
{
	unsigned char msg[300], want[32], got[32];
	int same = 0, runs = 0;

	for (size_t len = 0; len <= sizeof(msg); len++) {
		T_CHECK(RAND_bytes(msg, sizeof(msg)) == 1);
		SHA256(msg, len, want);
		sha256_with(compress, msg, len, got);
		runs++;
		same += memcmp(want, got, 32) == 0;
	}
	T_EQ_INT(same, runs);
}

static void round_constants(void)
{
	constants();
	T_EQ_INT(K[0], 0x428a2f98u);
	T_EQ_INT(K[63], 0xc67178f2u);
	T_EQ_INT(H0[0], 0x6a09e667u);
	T_EQ_INT(H0[7], 0x5be0cd19u);
}

static void plain_x86_64(void)
{
	check_variant(_nettle_sha256_compress_x86_64);
}

static void sha_extensions(void)
{
	if (!CPU_FEATURE_ACTIVE(SHA)) {
		printf(
		    "test_nettle_dispatch: this CPU has no SHA extensions; that variant not run\n");
		return;
	}
	check_variant(_nettle_sha256_compress_sha_ni);
}

static void dispatched(void)
{
	check_variant(_nettle_sha256_compress);
}
#endif

int main(int argc, char **argv)
{
	t_init(argc, argv);
#if BG_NETTLE_DISPATCH
	T_RUN(round_constants);
	T_RUN(plain_x86_64);
	T_RUN(sha_extensions);
	T_RUN(dispatched);
#else
	printf("test_nettle_dispatch: the module uses nettle's own dispatch (NETTLE_DISPATCH=0)\n");
	T_CHECK(1);
#endif
	return t_done("test_nettle_dispatch");
}
