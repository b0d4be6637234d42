/* nettle_dispatch.c: the two dispatching functions of nettle's "fat" build that
 * the module's HMAC-SHA-256 needs, for the module's static copy of nettle only
 * (see the Makefile: linked before libnettle.a, so that its fat-x86_64.o, which
 * holds the originals, is not linked at all).
 *
 * Why: fat-x86_64.o carries an ELF constructor that asks the CPU what it has
 * with three CPUID instructions when the module is loaded.  In a virtual
 * machine each CPUID is a trap to the hypervisor (4.7 us measured here): about
 * 14 us added to every su/sudo/login process.  glibc has asked the CPU already,
 * at process start, and keeps the answer (<sys/platform/x86.h>): the choice is
 * made from that, with no CPUID.
 *
 * The choice is nettle's own (fat-x86_64.c): SHA-256 compression with the SHA
 * extensions when the CPU has them, else nettle's x86_64 assembly; memxor in
 * nettle's x86_64 assembly (nettle picks its SSE2 variant on Intel CPUs only;
 * both give the same bytes).  The functions called are nettle's, with the
 * prototypes of its internal headers (nettle 3.x): a nettle without them fails
 * to link the module instead of running something else.  The digests stay
 * byte-identical: tests/unit/test_digest.c compares nettle with libcrypto, and
 * the module's matches in tests/pam go through this file.  No state: each call
 * reads glibc's answer (a few nanoseconds). */
#include <stddef.h>
#include <stdint.h>

#include <nettle/version.h>

#if defined(NETTLE_VERSION_MAJOR) && NETTLE_VERSION_MAJOR != 3
#error "nettle_dispatch.c follows nettle 3's fat-x86_64.c; check it against this version"
#endif

#if defined(__x86_64__) && __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>

void _nettle_sha256_compress(uint32_t *state, const uint8_t *input, const uint32_t *k);
void _nettle_sha256_compress_x86_64(uint32_t *state, const uint8_t *input, const uint32_t *k);
void _nettle_sha256_compress_sha_ni(uint32_t *state, const uint8_t *input, const uint32_t *k);
void *nettle_memxor(void *dst, const void *src, size_t n);
void *_nettle_memxor_x86_64(void *dst, const void *src, size_t n);

void _nettle_sha256_compress(uint32_t *state, const uint8_t *input, const uint32_t *k)
{
	if (CPU_FEATURE_ACTIVE(SHA))
		_nettle_sha256_compress_sha_ni(state, input, k);
	else
		_nettle_sha256_compress_x86_64(state, input, k);
}

void *nettle_memxor(void *dst, const void *src, size_t n)
{
	return _nettle_memxor_x86_64(dst, src, n);
}
#endif
