/* fuzz_bundle.c: the bundle parser (bg_bundle_verify) on hostile bytes.  The
 * trusted key and the site key are the fixed ones the seeds in corpus/bundle/
 * were made with, so mutations get past the header checks into the records
 * and the signature.  To make more seeds: the Ed25519 key is the PKCS#8 DER
 * 302e020100300506032b657004220420 followed by the 32 bytes
 * "bg-fuzz-bundle-signing-key-0001!" (openssl pkey -inform DER -out sign.pem),
 * the site key 32 bytes of 0x07; then breachguard import and export --sign.
 * A refusal must say why. */
#include <stdlib.h>
#include <sys/mman.h>

#include "bundle.h"
#include "fuzz.h"

static const unsigned char signer[BG_ED25519_LEN] = {
    0x72, 0x9e, 0xe1, 0xec, 0x1e, 0xc5, 0xa3, 0x59, 0x2e, 0x66, 0x83, 0x2e, 0x31, 0xec, 0x06, 0xcb,
    0x6c, 0xa9, 0x7c, 0x5d, 0x6a, 0x84, 0xb9, 0x24, 0xde, 0x70, 0xa8, 0x24, 0x25, 0xb5, 0x6e, 0xb3,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bg_trust tr;
	static struct bg_bundle_info info;
	unsigned char site[BG_KEY_LEN], kid[BG_KEY_ID_LEN];
	char err[2048];
	size_t off = 0;
	int fd, rc;

	memset(site, 7, sizeof(site));
	if (bg_key_id(site, kid, NULL) != 0)
		abort();
	tr.n = 1;
	memcpy(tr.key[0], signer, sizeof(signer));
	snprintf(tr.path[0], sizeof(tr.path[0]), "fuzz.pub");
	fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	err[0] = '\0';
	rc = bg_bundle_verify(fd, "fuzz.bgb", kid, &tr, &info, err, sizeof(err));
	if (rc != 0 && !err[0])
		abort(); /* every refusal says why */
	if (rc == 0 && (info.n_adv == 0 || info.n_adv > BG_BUNDLE_MAX_ADV))
		abort();
	close(fd);
	return 0;
}
