/* fuzz_bundle.c: the bundle parser (bg_bundle_verify) on hostile bytes.  The
 * trusted key and the site key are the fixed ones the seeds in corpus/bundle/
 * were made with, so mutations get past the header checks into the records
 * and the signature.  To make more seeds: the Ed25519 key is the PKCS#8 DER
 * 302e020100300506032b657004220420 followed by the 32 bytes
 * "bg-fuzz-bundle-signing-key-0001!" (openssl pkey -inform DER -out sign.pem),
 * the site key 32 bytes of 0x07, fold_case and subaddress as their defaults;
 * then breachguard import and export --sign.
 * A refusal must say why.  A bundle that verifies is then applied to a new
 * store (LMDB, a small map that must grow), where every call may be made to
 * fail (wrap.c); with nothing injected it must apply. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bundle.h"
#include "fuzz.h"
#include "store.h"

static const unsigned char signer[BG_ED25519_LEN] = {
    0x72, 0x9e, 0xe1, 0xec, 0x1e, 0xc5, 0xa3, 0x59, 0x2e, 0x66, 0x83, 0x2e, 0x31, 0xec, 0x06, 0xcb,
    0x6c, 0xa9, 0x7c, 0x5d, 0x6a, 0x84, 0xb9, 0x24, 0xde, 0x70, 0xa8, 0x24, 0x25, 0xb5, 0x6e, 0xb3,
};

struct apply_job {
	int fd;
	const struct bg_bundle_site *site;
	const struct bg_trust *tr;
	const struct bg_bundle_info *info;
	struct bg_bundle_result res;
	char err[2048];
};

static int apply_job(struct bg_txn *t, void *arg)
{
	struct apply_job *j = arg;

	return bg_bundle_apply(t, false, false, j->fd, "fuzz.bgb", j->site, j->tr, j->info, &j->res,
			       j->err, sizeof(j->err));
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Applies the verified bundle in fd to a new store keyed with site. */
static void apply(struct apply_job *j, const unsigned char site[BG_KEY_LEN])
{
	static const struct bg_logger log = {.fn = fuzz_log};
	char dir[] = "/tmp/bg-fuzz-store.XXXXXX";
	struct bg_store *st = NULL;
	int rc;

	if (!mkdtemp(dir))
		return;
	rc = bg_store_open(&st, dir, site, BG_STORE_CREATE | BG_STORE_GROW, 256u << 10, &log);
	if (rc == 0) {
		j->err[0] = '\0';
		rc = bg_store_write(st, 0, apply_job, j);
		bg_store_close(st);
	}
	if (rc != 0 && !fuzz_injected())
		abort(); /* a verified bundle applies to an empty store */
	remove_dir(dir);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	static struct apply_job j;
	static struct bg_trust tr;
	static struct bg_bundle_info info;
	static struct bg_bundle_site here = {.norm = {.fold_case = true, .subaddress = "+"}};
	unsigned char site[BG_KEY_LEN];
	char err[2048];
	size_t off = 0;
	int fd, rc;

	memset(site, 7, sizeof(site));
	if (bg_key_id(site, here.kid, NULL) != 0)
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
	rc = bg_bundle_verify(fd, "fuzz.bgb", &here, &tr, &info, err, sizeof(err));
	if (rc != 0 && !err[0])
		abort(); /* every refusal says why */
	if (rc == 0 && (info.n_adv == 0 || info.n_adv > BG_BUNDLE_MAX_ADV))
		abort();
	{
		/* The header check a piped bundle gets before its spool: what it
		 * refuses, verify refused, with the same words (when no call of
		 * verify's was made to fail). */
		static struct bg_bundle_info hinfo;
		char herr[2048];
		int hr = bg_bundle_header(data, size, "fuzz.bgb", &here, &tr, &hinfo, herr,
					  sizeof(herr));

		if (hr != 0 && !fuzz_injected() && (rc == 0 || strcmp(herr, err) != 0))
			abort();
	}
	if (rc == 0) {
		j.fd = fd;
		j.site = &here;
		j.tr = &tr;
		j.info = &info;
		apply(&j, site);
	}
	close(fd);
	return 0;
}
