/* bundle.c: signed bundles (format in bundle.h): the Ed25519 keys, export
 * from a store, and the one parser that both verifies a bundle and applies it.
 * Memory stays flat whatever the bundle's size: records are streamed through
 * a fixed buffer, in both directions. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bundle.h"
#include "cli.h" /* bg_name_all_digits */
#include "escape.h"
#include "safeopen.h"
#include "unicode.h"

#define SIG_CONTEXT "breachguard-bundle-v2"
#define HDR_LEN BG_BUNDLE_HDR_LEN
#define HDR_NORM (HDR_LEN - 1 - BG_NORM_ENC_MAX) /* offset of the settings */
#define ADV_LEN (8 + 8 + 4 + 32 + 2)
#define REC_D_LEN (16 + 8)
#define KEY_FILE_MAX (64 * 1024)
#define BUF_LEN (256 * 1024)
/* 9999-12-31T23:59:59Z: the last time a local --date can name and bg_day() print. */
#define TIME_MAX 253402300799LL

static const char magic[BG_BUNDLE_MAGIC_LEN] = BG_BUNDLE_MAGIC;

bool bg_bundle_magic(const void *buf, size_t len)
{
	return len >= BG_BUNDLE_MAGIC_LEN && memcmp(buf, magic, BG_BUNDLE_MAGIC_LEN) == 0;
}

static void put_be(unsigned char *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void bg_signer_id(const unsigned char pub[BG_ED25519_LEN], char out[17])
{
	unsigned char md[32];
	unsigned int len = 0;

	if (EVP_Digest(pub, BG_ED25519_LEN, md, &len, EVP_sha256(), NULL) != 1) {
		ERR_clear_error();
		memset(md, 0, sizeof(md));
	}
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* --- keys ------------------------------------------------------------------ */

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1; /* an encrypted key is refused, never prompted for */
}

/* Reads a PEM key file through the safe open; private: also refused when group
 * or others may read it. */
static EVP_PKEY *load_pem(const char *path, bool private_key, char *err, size_t errlen)
{
	const char *why = NULL;
	char buf[KEY_FILE_MAX], ebuf[256];
	struct stat st;
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	size_t got;
	ssize_t n;
	int fd;

	fd = bg_open_regular(path, 1, KEY_FILE_MAX, &st, &why);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, why ? why : strerror(-fd));
		return NULL;
	}
	if (private_key && (st.st_mode & (S_IRGRP | S_IROTH))) {
		snprintf(err, errlen,
			 "%s: the signing key is readable by group or others (want 0600)", path);
		goto out;
	}
	if ((n = bg_read_full(fd, buf, sizeof(buf))) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror((int)-n));
		goto out;
	}
	got = (size_t)n;
	bio = BIO_new_mem_buf(buf, (int)got);
	if (!bio) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	pk = private_key ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
			 : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!pk) {
		snprintf(err, errlen, "%s: not a PEM %s key (%s)", path,
			 private_key ? "private" : "public", bg_crypto_why(ebuf, sizeof(ebuf)));
		goto out;
	}
	if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 key (make one with breachguard keygen)",
			 path);
		EVP_PKEY_free(pk);
		pk = NULL;
	}
out:
	BIO_free(bio);
	bg_wipe(buf, sizeof(buf));
	close(fd);
	return pk;
}

static int raw_public(EVP_PKEY *pk, unsigned char pub[BG_ED25519_LEN])
{
	size_t len = BG_ED25519_LEN;

	if (EVP_PKEY_get_raw_public_key(pk, pub, &len) != 1 || len != BG_ED25519_LEN) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

int bg_trust_load(struct bg_trust *tr, const struct bg_list *paths, char *err, size_t errlen)
{
	memset(tr, 0, sizeof(*tr));
	for (const char *p = bg_list_next(paths, NULL); p; p = bg_list_next(paths, p)) {
		EVP_PKEY *pk;

		if (tr->n == BG_TRUST_MAX) {
			snprintf(err, errlen, "trusted_keys: more than %d keys", BG_TRUST_MAX);
			return -E2BIG;
		}
		if (!(pk = load_pem(p, false, err, errlen)))
			return -EINVAL;
		if (raw_public(pk, tr->key[tr->n]) != 0) {
			snprintf(err, errlen, "%s: cannot read the public key", p);
			EVP_PKEY_free(pk);
			return -EIO;
		}
		EVP_PKEY_free(pk);
		snprintf(tr->path[tr->n], sizeof(tr->path[0]), "%s", p);
		tr->n++;
	}
	return 0;
}

/* Writes all of buf to a new file (O_EXCL|O_NOFOLLOW, mode exactly as given). */
static int write_new(const char *path, const void *buf, size_t len, mode_t mode, char *err,
		     size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int rc = 0;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (refusing to overwrite a key)" : "");
		return rc;
	}
	if (fchmod(fd, mode) != 0)
		rc = -errno;
	if (rc == 0)
		rc = bg_write_full(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		unlink(path);
	}
	return rc;
}

/* A PEM through a memory BIO: the caller writes it with write_new. */
static int pem_of(EVP_PKEY *pk, bool private_key, BIO **out)
{
	BIO *b = BIO_new(BIO_s_mem());

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((private_key ? PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_bio_PUBKEY(b, pk)) != 1) {
		BIO_free(b);
		return -EIO;
	}
	*out = b;
	return 0;
}

int bg_keygen(const char *path, char id[17], char *err, size_t errlen)
{
	char pub_path[BG_PATH_MAX + 8], ebuf[256];
	unsigned char pub[BG_ED25519_LEN];
	EVP_PKEY_CTX *kc = NULL;
	EVP_PKEY *pk = NULL;
	BIO *priv_pem = NULL, *pub_pem = NULL;
	struct stat st;
	char *data;
	long len;
	int rc = -EIO;

	if (snprintf(pub_path, sizeof(pub_path), "%s.pub", path) >= (int)sizeof(pub_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/* Both names free before anything is made: no half of a pair is left. */
	if (lstat(pub_path, &st) == 0 || errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", pub_path,
			 errno == ENOENT || lstat(pub_path, &st) == 0
			     ? "already exists (refusing to overwrite a key)"
			     : strerror(errno));
		return -EEXIST;
	}
	kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (!kc || EVP_PKEY_keygen_init(kc) != 1 || EVP_PKEY_keygen(kc, &pk) != 1 ||
	    raw_public(pk, pub) != 0 || pem_of(pk, true, &priv_pem) != 0 ||
	    pem_of(pk, false, &pub_pem) != 0) {
		snprintf(err, errlen, "Ed25519 key generation: %s",
			 bg_crypto_why(ebuf, sizeof(ebuf)));
		goto out;
	}
	len = BIO_get_mem_data(priv_pem, &data);
	if ((rc = write_new(path, data, (size_t)len, 0600, err, errlen)) != 0)
		goto out;
	len = BIO_get_mem_data(pub_pem, &data);
	if ((rc = write_new(pub_path, data, (size_t)len, 0644, err, errlen)) != 0) {
		unlink(path);
		goto out;
	}
	bg_signer_id(pub, id);
out:
	if (priv_pem) {
		len = BIO_get_mem_data(priv_pem, &data);
		if (len > 0)
			bg_wipe(data, (size_t)len);
	}
	BIO_free(priv_pem);
	BIO_free(pub_pem);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(kc);
	return rc;
}

/* The signed message: context string, NUL, SHA-512 of the stream. */
static void sig_message(const unsigned char sha[64], unsigned char msg[sizeof(SIG_CONTEXT) + 64])
{
	memcpy(msg, SIG_CONTEXT, sizeof(SIG_CONTEXT)); /* with its NUL */
	memcpy(msg + sizeof(SIG_CONTEXT), sha, 64);
}

/* --- export ---------------------------------------------------------------- */

struct writer {
	FILE *f;
	EVP_MD_CTX *md;
	int err;
};

static void w_put(struct writer *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (EVP_DigestUpdate(w->md, p, n) != 1)
		w->err = -EIO;
	else if (fwrite(p, 1, n, w->f) != n)
		w->err = errno ? -errno : -EIO;
}

struct export_job {
	struct writer *w;
	const uint32_t *ids;
	size_t n;
	uint64_t digests;
	uint64_t count[BG_BUNDLE_MAX_ADV];
};

static int export_digest(const unsigned char d[BG_DIGEST_LEN], const uint32_t *ids, size_t n,
			 void *arg)
{
	struct export_job *j = arg;
	unsigned char rec[1 + REC_D_LEN];
	uint64_t mask = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < j->n; k++)
			if (ids[i] == j->ids[k])
				mask |= 1ULL << k;
	if (!mask)
		return 0;
	for (size_t k = 0; k < j->n; k++)
		if (mask & (1ULL << k))
			j->count[k]++;
	j->digests++;
	rec[0] = 'D';
	memcpy(rec + 1, d, BG_DIGEST_LEN);
	put_be(rec + 1 + BG_DIGEST_LEN, mask, 8);
	w_put(j->w, rec, sizeof(rec));
	return j->w->err;
}

int bg_bundle_export(struct bg_txn *txn, const uint32_t *ids, size_t n, const char *key_path,
		     const struct bg_bundle_site *site, const char *out, const struct stat *old,
		     struct bg_bundle_info *info, char *err, size_t errlen)
{
	static const struct stat none; /* st_mode 0: a new file */
	char tmp[BG_PATH_MAX + 16], ebuf[256];
	unsigned char hdr[HDR_LEN], sig[BG_SIG_LEN], msg[sizeof(SIG_CONTEXT) + 64];
	struct writer w = {NULL, NULL, 0};
	struct export_job j;
	EVP_MD_CTX *sc = NULL;
	EVP_PKEY *pk = NULL;
	unsigned int shalen = 0;
	size_t siglen = sizeof(sig);
	int fd = -1, rc = -EIO;

	memset(info, 0, sizeof(*info));
	memset(&j, 0, sizeof(j));
	if (n == 0 || n > BG_BUNDLE_MAX_ADV) {
		snprintf(err, errlen, "a bundle holds 1 to %d advisories", BG_BUNDLE_MAX_ADV);
		return -EINVAL;
	}
	if (!(pk = load_pem(key_path, true, err, errlen)))
		return -EINVAL;
	if (raw_public(pk, info->signer) != 0) {
		snprintf(err, errlen, "%s: cannot read the public half", key_path);
		goto out;
	}
	info->version = BG_BUNDLE_VERSION;
	info->n_adv = (unsigned)n;
	memcpy(info->site_key_id, site->kid, BG_KEY_ID_LEN);
	info->norm = site->norm;
	info->created = (int64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		struct bg_advisory a;

		if ((rc = bg_advisory_get(txn, ids[i], &a)) != 0) {
			snprintf(err, errlen, "advisory %u: %s", ids[i],
				 rc == -ENOENT ? "not in the store" : strerror(-rc));
			goto out;
		}
		snprintf(info->adv[i].name, sizeof(info->adv[i].name), "%s", a.name);
		info->adv[i].published = a.published;
		info->adv[i].imported = a.imported;
		info->adv[i].grace_days = a.grace_days;
		memcpy(info->adv[i].source_sha256, a.source_sha256, 32);
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", out);
		rc = -ENAMETOOLONG;
		goto out;
	}
	/* 0600 while it is written; bg_out_mode gives it its mode at the end. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(w.f = fdopen(fd, "w"))) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s %s beside it: %s", out,
			 fd < 0 ? "creating" : "opening", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		fd = -1;
		goto out;
	}
	setvbuf(w.f, NULL, _IOFBF, BUF_LEN);
	if (!(w.md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(w.md, EVP_sha512(), NULL) != 1) {
		snprintf(err, errlen, "SHA-512: %s", bg_crypto_why(ebuf, sizeof(ebuf)));
		rc = -EIO;
		goto fail;
	}
	memcpy(hdr, magic, BG_BUNDLE_MAGIC_LEN);
	put_be(hdr + 8, BG_BUNDLE_VERSION, 2);
	put_be(hdr + 10, n, 2);
	memcpy(hdr + 12, site->kid, BG_KEY_ID_LEN);
	memcpy(hdr + 20, info->signer, BG_ED25519_LEN);
	put_be(hdr + 52, (uint64_t)info->created, 8);
	memset(hdr + HDR_NORM, 0, 1 + BG_NORM_ENC_MAX);
	hdr[HDR_NORM] = (unsigned char)bg_norm_encode(&info->norm, hdr + HDR_NORM + 1);
	w_put(&w, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		const struct bg_bundle_adv *a = &info->adv[i];
		unsigned char rec[ADV_LEN];
		size_t nl = strlen(a->name);

		put_be(rec, (uint64_t)a->published, 8);
		put_be(rec + 8, (uint64_t)a->imported, 8);
		put_be(rec + 16, (uint32_t)a->grace_days, 4);
		memcpy(rec + 20, a->source_sha256, 32);
		put_be(rec + 52, nl, 2);
		w_put(&w, rec, sizeof(rec));
		w_put(&w, a->name, nl);
	}
	j.w = &w;
	j.ids = ids;
	j.n = n;
	rc = bg_exposure_foreach(txn, export_digest, &j);
	if (rc == 0 && w.err == 0) {
		unsigned char e[1 + 8 + 8 * BG_BUNDLE_MAX_ADV];

		e[0] = 'E';
		put_be(e + 1, j.digests, 8);
		for (size_t i = 0; i < n; i++) {
			put_be(e + 9 + 8 * i, j.count[i], 8);
			info->adv[i].count = j.count[i];
		}
		w_put(&w, e, 9 + 8 * n);
	}
	if (rc != 0 || w.err != 0) {
		if (rc == 0)
			rc = w.err;
		if (rc == w.err)
			snprintf(err, errlen, "%s: writing %s: %s", out, tmp, strerror(-rc));
		else
			snprintf(err, errlen, "reading the store: %s", strerror(-rc));
		goto fail;
	}
	info->digests = j.digests;
	if (EVP_DigestFinal_ex(w.md, info->sha512, &shalen) != 1 || shalen != 64) {
		snprintf(err, errlen, "SHA-512: %s", bg_crypto_why(ebuf, sizeof(ebuf)));
		rc = -EIO;
		goto fail;
	}
	sig_message(info->sha512, msg);
	/* Ed25519 takes no digest of its own (NULL md) and signs in one shot. */
	if (!(sc = EVP_MD_CTX_new()) || EVP_DigestSignInit(sc, NULL, NULL, NULL, pk) != 1 ||
	    EVP_DigestSign(sc, sig, &siglen, msg, sizeof(msg)) != 1 || siglen != BG_SIG_LEN) {
		snprintf(err, errlen, "signing with %s: %s", key_path,
			 bg_crypto_why(ebuf, sizeof(ebuf)));
		rc = -EIO;
		goto fail;
	}
	errno = 0;
	if (fputc('S', w.f) == EOF || fwrite(sig, 1, siglen, w.f) != siglen || fflush(w.f) != 0) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: writing %s: %s", out, tmp, strerror(-rc));
		goto fail;
	}
	/* An existing bundle's owner, group and mode are kept (as report --html's). */
	if ((rc = bg_out_mode(fileno(w.f), old ? old : &none)) != 0) {
		snprintf(err, errlen, "%s: setting the mode of %s: %s", out, tmp, strerror(-rc));
		goto fail;
	}
	if (fsync(fileno(w.f)) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: writing %s: %s", out, tmp, strerror(-rc));
		goto fail;
	}
	rc = fclose(w.f) == 0 ? 0 : (errno ? -errno : -EIO);
	w.f = NULL;
	if (rc != 0) {
		snprintf(err, errlen, "%s: writing %s: %s", out, tmp, strerror(-rc));
		goto fail;
	}
	if (rename(tmp, out) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: renaming %s over it: %s", out, tmp, strerror(-rc));
		goto fail;
	}
	goto out;
fail:
	if (w.f)
		fclose(w.f);
	w.f = NULL;
	unlink(tmp);
out:
	EVP_MD_CTX_free(w.md);
	EVP_MD_CTX_free(sc);
	EVP_PKEY_free(pk);
	return rc;
}

/* --- the parser: verify and apply ------------------------------------------ */

struct reader {
	int fd;
	unsigned char *buf;
	size_t len, pos, hashed;
	uint64_t off; /* file offset of buf[0] */
	EVP_MD_CTX *md;
	bool hashing;
	int err;
};

/* Hashes what has been consumed and not yet hashed (while hashing is on). */
static void r_hash(struct reader *r)
{
	if (r->hashing && r->pos > r->hashed &&
	    EVP_DigestUpdate(r->md, r->buf + r->hashed, r->pos - r->hashed) != 1)
		r->err = -EIO;
	r->hashed = r->pos;
}

/* Makes n bytes available at r->buf + r->pos.  1, 0 at a clean end (nothing
 * left), -ENODATA when fewer than n are left, or a read error. */
static int r_need(struct reader *r, size_t n)
{
	if (r->len - r->pos >= n)
		return 1;
	r_hash(r);
	memmove(r->buf, r->buf + r->pos, r->len - r->pos);
	r->off += r->pos;
	r->len -= r->pos;
	r->pos = r->hashed = 0;
	while (r->len < BUF_LEN) {
		ssize_t got = read(r->fd, r->buf + r->len, BUF_LEN - r->len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return r->err = -errno;
		if (got == 0)
			break;
		r->len += (size_t)got;
		if (r->len >= n)
			break;
	}
	if (r->len >= n)
		return 1;
	return r->len == 0 ? 0 : -ENODATA;
}

static const unsigned char *r_take(struct reader *r, size_t n)
{
	const unsigned char *p = r->buf + r->pos;

	r->pos += n;
	return p;
}

static uint64_t r_offset(const struct reader *r)
{
	return r->off + r->pos;
}

/* The header's settings: u8 n, then n bytes of bg_norm_encode and zeros up
 * to BG_NORM_ENC_MAX, so that one setting has one signed form. */
static int read_norm(const unsigned char *p, struct bg_norm_opts *o)
{
	size_t n = p[0];

	if (n == 0 || n > BG_NORM_ENC_MAX)
		return -EBADMSG;
	for (size_t i = n; i < BG_NORM_ENC_MAX; i++)
		if (p[1 + i] != 0)
			return -EBADMSG;
	return bg_norm_decode(p + 1, n, o);
}

struct walk {
	const char *name;
	const struct bg_bundle_site *site;
	const struct bg_trust *tr;
	struct bg_bundle_info *info;
	/* apply: after the advisories, then per digest record */
	int (*on_adv)(struct walk *w);
	int (*on_digest)(struct walk *w, const unsigned char *d, uint64_t mask);
	void *arg;
	char *err;
	size_t errlen;
	size_t signer; /* check_header: the signer's index in tr */
};

#define FAIL(rc_, ...)                                                                             \
	do {                                                                                       \
		rc = (rc_); /* first: an -errno argument is read before snprintf runs */           \
		snprintf(w->err, w->errlen, __VA_ARGS__);                                          \
		goto out;                                                                          \
	} while (0)

/* Truncated input: the message says where. */
#define NEED(n, what)                                                                              \
	do {                                                                                       \
		int n_ = r_need(&r, (n));                                                          \
		if (n_ < 0 && n_ != -ENODATA)                                                      \
			FAIL(n_, "%s: %s", w->name, strerror(-n_));                                \
		if (n_ <= 0)                                                                       \
			FAIL(-EBADMSG, "%s: truncated at byte %llu (in the %s)", w->name,          \
			     (unsigned long long)(r.off + r.len), what);                           \
	} while (0)

/* The header, h[0..len) (len < HDR_LEN: the input ended there), checked as
 * far as it goes in the order a reader meets it: the magic, the version, then
 * the rest.  Fills w->info's header fields.  Shared by walk and
 * bg_bundle_header, which checks a bundle on a pipe before it is spooled. */
#define SHORT()                                                                                    \
	FAIL(-EBADMSG, "%s: truncated at byte %llu (in the header)", w->name,                      \
	     (unsigned long long)len)

static int check_header(const unsigned char *h, size_t len, struct walk *w)
{
	struct bg_bundle_info *in = w->info;
	const unsigned char *p;
	char a_id[17], b_id[17];
	int rc = 0;

	if (len < BG_BUNDLE_MAGIC_LEN)
		SHORT();
	if (!bg_bundle_magic(h, BG_BUNDLE_MAGIC_LEN))
		FAIL(-EBADMSG, "%s: not a breachguard bundle (no BGBUNDLE magic)", w->name);
	if (len < BG_BUNDLE_MAGIC_LEN + 2)
		SHORT();
	in->version = (unsigned)get_be(h + BG_BUNDLE_MAGIC_LEN, 2);
	if (in->version == 1)
		FAIL(-EPROTONOSUPPORT,
		     "%s: bundle format version 1, which does not say the fold_case and subaddress "
		     "its digests were made under; export it again with this breachguard",
		     w->name);
	if (in->version != BG_BUNDLE_VERSION)
		FAIL(-EPROTONOSUPPORT,
		     "%s: bundle format version %u; this breachguard reads version %d%s", w->name,
		     in->version, BG_BUNDLE_VERSION,
		     in->version > BG_BUNDLE_VERSION ? " (upgrade breachguard on this host)" : "");
	if (len < HDR_LEN)
		SHORT();
	p = h + BG_BUNDLE_MAGIC_LEN + 2; /* past the version */
	in->n_adv = (unsigned)get_be(p, 2);
	if (in->n_adv == 0 || in->n_adv > BG_BUNDLE_MAX_ADV)
		FAIL(-EBADMSG, "%s: header: %u advisories (1 to %d allowed)", w->name, in->n_adv,
		     BG_BUNDLE_MAX_ADV);
	memcpy(in->site_key_id, p + 2, BG_KEY_ID_LEN);
	memcpy(in->signer, p + 2 + BG_KEY_ID_LEN, BG_ED25519_LEN);
	in->created = (int64_t)get_be(p + 2 + BG_KEY_ID_LEN + BG_ED25519_LEN, 8);
	if (in->created <= 0 || in->created > TIME_MAX)
		FAIL(-EBADMSG, "%s: header: impossible creation time %lld", w->name,
		     (long long)in->created);
	if (read_norm(p + HDR_NORM - BG_BUNDLE_MAGIC_LEN - 2, &in->norm) != 0)
		FAIL(-EBADMSG, "%s: header: the fold_case and subaddress settings are damaged",
		     w->name);
	bg_signer_id(in->signer, b_id);
	for (w->signer = 0; w->signer < w->tr->n; w->signer++)
		if (memcmp(w->tr->key[w->signer], in->signer, BG_ED25519_LEN) == 0)
			break;
	if (w->signer == w->tr->n)
		FAIL(-EKEYREJECTED, "%s: signed by key %s, which is not in trusted_keys", w->name,
		     b_id);
	if (memcmp(in->site_key_id, w->site->kid, BG_KEY_ID_LEN) != 0) {
		for (int i = 0; i < 4; i++) {
			snprintf(a_id + 2 * i, 3, "%02x", in->site_key_id[i]);
			snprintf(b_id + 2 * i, 3, "%02x", w->site->kid[i]);
		}
		FAIL(-EKEYREJECTED,
		     "%s: made under another site key (bundle key id %s..., this host's %s...); "
		     "the hosts of a fleet must share the management host's site key",
		     w->name, a_id, b_id);
	}
	if (!bg_norm_same(&in->norm, &w->site->norm)) {
		char made[BG_NORM_TEXT_MAX], here[BG_NORM_TEXT_MAX];

		bg_norm_describe(&in->norm, made, sizeof(made));
		bg_norm_describe(&w->site->norm, here, sizeof(here));
		FAIL(-EKEYREJECTED,
		     "%s: its digests were made with %s on the management host, but this host's "
		     "config says %s: none of its users would match them; set them the same in "
		     "breachguard.conf",
		     w->name, made, here);
	}

out:
	return rc;
}

static int walk(int fd, struct walk *w)
{
	struct bg_bundle_info *in = w->info;
	struct reader r;
	unsigned char last[BG_DIGEST_LEN], sig[BG_SIG_LEN], msg[sizeof(SIG_CONTEXT) + 64];
	uint64_t counts[BG_BUNDLE_MAX_ADV], all_mask, digests = 0;
	const unsigned char *p;
	char ebuf[256];
	unsigned int shalen = 0;
	EVP_MD_CTX *vc = NULL;
	EVP_PKEY *pub = NULL;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(*in));
	memset(counts, 0, sizeof(counts));
	r.fd = fd;
	r.hashing = true;
	if (lseek(fd, 0, SEEK_SET) != 0)
		FAIL(-errno, "%s: cannot read it from the start: %s", w->name, strerror(errno));
	if (!(r.buf = malloc(BUF_LEN)) || !(r.md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(r.md, EVP_sha512(), NULL) != 1)
		FAIL(-ENOMEM, "%s: out of memory", w->name);

	/* Header. */
	{
		int n_ = r_need(&r, HDR_LEN);

		if (n_ < 0 && n_ != -ENODATA)
			FAIL(n_, "%s: %s", w->name, strerror(-n_));
		if ((rc = check_header(r.buf + r.pos,
				       r.len - r.pos < HDR_LEN ? r.len - r.pos : HDR_LEN, w)) != 0)
			goto out;
		r_take(&r, HDR_LEN);
	}

	/* Advisories. */
	for (unsigned i = 0; i < in->n_adv; i++) {
		struct bg_bundle_adv *a = &in->adv[i];
		size_t nl;

		NEED(ADV_LEN, "advisory records");
		p = r_take(&r, ADV_LEN);
		a->published = (int64_t)get_be(p, 8);
		a->imported = (int64_t)get_be(p + 8, 8);
		a->grace_days = (int32_t)(uint32_t)get_be(p + 16, 4);
		memcpy(a->source_sha256, p + 20, 32);
		nl = (size_t)get_be(p + 52, 2);
		if (!bg_advisory_times_ok(a->published, a->imported, a->grace_days) ||
		    a->published > TIME_MAX || a->imported > TIME_MAX || nl == 0 ||
		    nl >= BG_NAME_MAX)
			FAIL(-EBADMSG, "%s: advisory record %u (byte %llu): invalid fields",
			     w->name, i + 1, (unsigned long long)(r_offset(&r) - ADV_LEN));
		NEED(nl, "advisory records");
		p = r_take(&r, nl);
		if (memchr(p, '\0', nl) || !bg_utf8_valid((const char *)p, nl))
			FAIL(-EBADMSG, "%s: advisory record %u: the name is not valid UTF-8 text",
			     w->name, i + 1);
		memcpy(a->name, p, nl);
		a->name[nl] = '\0';
		/* The names a local import accepts, checked here so that a dry run
		 * refuses what the write would. */
		const char *why = bg_name_problem(a->name);

		if (why || bg_name_all_digits(a->name))
			FAIL(-EBADMSG,
			     "%s: advisory record %u: the name is not one the store takes (%s)",
			     w->name, i + 1, why ? why : BG_NAME_DIGITS_WHY);
		for (unsigned k = 0; k < i; k++)
			if (strcmp(in->adv[k].name, a->name) == 0)
				FAIL(-EBADMSG, "%s: advisory \"%s\" is listed twice", w->name,
				     a->name);
	}
	all_mask = in->n_adv == 64 ? ~0ULL : (1ULL << in->n_adv) - 1;
	if (w->on_adv && (rc = w->on_adv(w)) != 0)
		goto out;

	/* Digest records, then the end record. */
	for (;;) {
		uint64_t mask;
		unsigned char tag;

		NEED(1, "digest records");
		tag = *r_take(&r, 1);
		if (tag == 'E')
			break;
		if (tag != 'D')
			FAIL(-EBADMSG, "%s: byte %llu: not a record (tag 0x%02x)", w->name,
			     (unsigned long long)(r_offset(&r) - 1), tag);
		NEED(REC_D_LEN, "digest records");
		p = r_take(&r, REC_D_LEN);
		mask = get_be(p + BG_DIGEST_LEN, 8);
		if (digests && memcmp(p, last, BG_DIGEST_LEN) <= 0)
			FAIL(-EBADMSG, "%s: digest record %llu is out of order", w->name,
			     (unsigned long long)digests + 1);
		if (mask == 0 || (mask & ~all_mask))
			FAIL(-EBADMSG, "%s: digest record %llu names no advisory of the bundle",
			     w->name, (unsigned long long)digests + 1);
		memcpy(last, p, BG_DIGEST_LEN);
		digests++;
		for (unsigned k = 0; k < in->n_adv; k++)
			counts[k] += (mask >> k) & 1;
		if (w->on_digest && (rc = w->on_digest(w, p, mask)) != 0)
			goto out;
	}
	NEED(8 + 8 * (size_t)in->n_adv, "end record");
	p = r_take(&r, 8 + 8 * (size_t)in->n_adv);
	if (get_be(p, 8) != digests)
		FAIL(-EBADMSG, "%s: the end record counts %llu digests, the bundle holds %llu",
		     w->name, (unsigned long long)get_be(p, 8), (unsigned long long)digests);
	for (unsigned k = 0; k < in->n_adv; k++) {
		in->adv[k].count = get_be(p + 8 + 8 * k, 8);
		if (in->adv[k].count != counts[k])
			FAIL(-EBADMSG,
			     "%s: the end record's count for \"%s\" does not match its records",
			     w->name, in->adv[k].name);
	}
	in->digests = digests;
	r_hash(&r);
	r.hashing = false;
	if (r.err)
		FAIL(r.err, "%s: SHA-512 failed", w->name);
	if (EVP_DigestFinal_ex(r.md, in->sha512, &shalen) != 1 || shalen != 64)
		FAIL(-EIO, "%s: SHA-512 failed", w->name);

	/* The signature, and nothing after it. */
	{
		int n_ = r_need(&r, 1);

		if (n_ == 0)
			FAIL(-EBADMSG, "%s: not signed (it ends after its records)", w->name);
		if (n_ < 0)
			FAIL(n_, "%s: %s", w->name, strerror(-n_));
	}
	if (*r_take(&r, 1) != 'S')
		FAIL(-EBADMSG, "%s: byte %llu: expected the signature", w->name,
		     (unsigned long long)(r_offset(&r) - 1));
	NEED(BG_SIG_LEN, "signature");
	memcpy(sig, r_take(&r, BG_SIG_LEN), BG_SIG_LEN);
	{
		int n_ = r_need(&r, 1);

		if (n_ != 0)
			FAIL(n_ < 0 && n_ != -ENODATA ? n_ : -EBADMSG,
			     "%s: data after the signature (byte %llu)", w->name,
			     (unsigned long long)r_offset(&r));
	}
	sig_message(in->sha512, msg);
	pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, in->signer, BG_ED25519_LEN);
	if (!pub || !(vc = EVP_MD_CTX_new()) ||
	    EVP_DigestVerifyInit(vc, NULL, NULL, NULL, pub) != 1)
		FAIL(-EIO, "%s: cannot set up Ed25519: %s", w->name,
		     bg_crypto_why(ebuf, sizeof(ebuf)));
	if (EVP_DigestVerify(vc, sig, BG_SIG_LEN, msg, sizeof(msg)) != 1) {
		ERR_clear_error();
		FAIL(-EBADMSG,
		     "%s: the signature does not verify against %s: the bundle was altered or "
		     "damaged",
		     w->name, w->tr->path[w->signer]);
	}
out:
	EVP_MD_CTX_free(vc);
	EVP_PKEY_free(pub);
	EVP_MD_CTX_free(r.md);
	free(r.buf);
	return rc;
}

int bg_bundle_header(const void *buf, size_t len, const char *name,
		     const struct bg_bundle_site *site, const struct bg_trust *tr,
		     struct bg_bundle_info *info, char *err, size_t errlen)
{
	struct walk w = {name, site, tr, info, NULL, NULL, NULL, err, errlen, 0};

	memset(info, 0, sizeof(*info));
	return check_header(buf, len < HDR_LEN ? len : HDR_LEN, &w);
}

int bg_bundle_verify(int fd, const char *name, const struct bg_bundle_site *site,
		     const struct bg_trust *tr, struct bg_bundle_info *info, char *err,
		     size_t errlen)
{
	struct walk w = {name, site, tr, info, NULL, NULL, NULL, err, errlen, 0};

	return walk(fd, &w);
}

struct apply {
	struct bg_txn *t;
	bool dry_run, unforget;
	struct bg_bundle_result *res;
	const struct bg_bundle_info *verified; /* the counts, known from pass 1 */
	uint64_t existed_mask;		       /* the bundle's advisories already in the store */
};

/* The bundle's advisory i, absent from the store: one that forget removed
 * here (the same name, import time and source) comes back only with unforget,
 * else the import is refused saying when it was forgotten.  An old bundle
 * imported again (a replay, a configuration run) must not undo an admin's
 * forget without a word. */
static int replayed(struct walk *w, unsigned i)
{
	struct apply *ap = w->arg;
	const struct bg_bundle_adv *b = &w->info->adv[i];
	struct bg_advisory key;
	char when[32];
	int64_t at = 0;
	int rc;

	memset(&key, 0, sizeof(key));
	snprintf(key.name, sizeof(key.name), "%s", b->name);
	key.imported = b->imported;
	memcpy(key.source_sha256, b->source_sha256, 32);
	rc = bg_forgotten_get(ap->t, &key, &at);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		snprintf(w->err, w->errlen, "%s: reading the store: %s", w->name, strerror(-rc));
		return rc;
	}
	bg_iso_time(at, when, sizeof(when));
	if (!ap->unforget) {
		snprintf(w->err, w->errlen,
			 "%s: advisory \"%s\" was forgotten on this host on %s (breachguard "
			 "forget); import --again brings it back",
			 w->name, b->name, when);
		return -ECANCELED;
	}
	ap->res->forgotten[i] = at > 0 ? at : 1;
	if (!ap->dry_run && (rc = bg_forgotten_del(ap->t, &key)) != 0 && rc != -ENOENT) {
		snprintf(w->err, w->errlen, "%s: writing the store: %s", w->name, strerror(-rc));
		return rc;
	}
	return 0;
}

/* Maps the bundle's advisories onto the store's: a new one is created with the
 * management host's name, dates and grace; one already present must match. */
static int apply_adv(struct walk *w)
{
	struct apply *ap = w->arg;
	struct bg_bundle_info *in = w->info;
	int rc;

	if (in->n_adv != ap->verified->n_adv) {
		snprintf(w->err, w->errlen, "%s: changed since it was verified", w->name);
		return -ESTALE;
	}
	for (unsigned i = 0; i < in->n_adv; i++) {
		const struct bg_bundle_adv *b = &in->adv[i];
		uint64_t count = ap->verified->adv[i].count;
		struct bg_advisory a;

		memset(&a, 0, sizeof(a)); /* filled only when found */
		rc = bg_advisory_find(ap->t, b->name, &a);
		if (rc != 0 && rc != -ENOENT) {
			snprintf(w->err, w->errlen, "%s: reading the store: %s", w->name,
				 strerror(-rc));
			return rc;
		}
		ap->res->existed[i] = rc == 0;
		if (rc == 0)
			ap->existed_mask |= 1ULL << i;
		if (rc == 0) {
			const char *what = a.published != b->published	   ? "published date"
					   : a.imported != b->imported	   ? "import time"
					   : a.grace_days != b->grace_days ? "grace"
					   : memcmp(a.source_sha256, b->source_sha256, 32) != 0
					       ? "source digest"
					   : a.count != count ? "number of identities"
							      : NULL;
			if (what) {
				snprintf(
				    w->err, w->errlen,
				    "%s: advisory \"%s\" is already in the store with another %s; "
				    "refusing to merge (forget it first if the bundle is right)",
				    w->name, b->name, what);
				return -EEXIST;
			}
			ap->res->id[i] = a.id;
			continue;
		}
		if ((rc = replayed(w, i)) != 0)
			return rc;
		if (ap->dry_run) {
			ap->res->id[i] = 0;
			continue;
		}
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s", b->name);
		a.published = b->published;
		a.imported = b->imported;
		a.grace_days = b->grace_days;
		a.count = count;
		memcpy(a.source_sha256, b->source_sha256, 32);
		if ((rc = bg_advisory_put(ap->t, &a)) != 0) {
			snprintf(w->err, w->errlen, "%s: writing the store: %s", w->name,
				 strerror(-rc));
			return rc;
		}
		ap->res->id[i] = a.id;
	}
	return 0;
}

static int apply_digest(struct walk *w, const unsigned char *d, uint64_t mask)
{
	struct apply *ap = w->arg;
	bool fresh = false;

	/* A digest named only by advisories already present must be there already:
	 * a read, no write (LMDB would copy every page a put touches, even one
	 * that finds its pair), so that importing a bundle again costs reads. */
	if (ap->dry_run || (mask & ~ap->existed_mask) == 0) {
		uint32_t ids[BG_STORE_MAX_ADV];
		size_t n = 0;
		int rc = bg_exposure_ids(ap->t, d, ids, BG_STORE_MAX_ADV, &n);

		if (rc != 0 && rc != -ENOENT) {
			snprintf(w->err, w->errlen, "%s: reading the store: %s", w->name,
				 strerror(-rc));
			return rc;
		}
		fresh = rc == -ENOENT;
		/* An existing advisory must already hold every pair. */
		for (unsigned k = 0; k < w->info->n_adv; k++) {
			bool have = false;

			if (!((mask >> k) & 1) || !ap->res->existed[k])
				continue;
			for (size_t i = 0; i < n; i++)
				have = have || ids[i] == ap->res->id[k];
			if (!have)
				goto conflict;
		}
	} else {
		bool first = true;

		for (unsigned k = 0; k < w->info->n_adv; k++) {
			int rc;

			if (!((mask >> k) & 1))
				continue;
			rc = bg_exposure_add(ap->t, d, ap->res->id[k]);
			if (rc < 0) {
				snprintf(w->err, w->errlen, "%s: writing the store: %s", w->name,
					 rc == -E2BIG ? "map full" : strerror(-rc));
				return rc;
			}
			if (first)
				fresh = rc == BG_EXP_NEW_IDENTITY;
			first = false;
			if (ap->res->existed[k] && rc != BG_EXP_KNOWN_PAIR)
				goto conflict;
		}
	}
	if (fresh)
		ap->res->fresh++;
	else
		ap->res->known++;
	return 0;
conflict:
	snprintf(w->err, w->errlen,
		 "%s: an advisory of the bundle is already in the store with other digests; "
		 "refusing to merge",
		 w->name);
	return -EEXIST;
}

int bg_bundle_apply(struct bg_txn *t, bool dry_run, bool unforget, int fd, const char *name,
		    const struct bg_bundle_site *site, const struct bg_trust *tr,
		    const struct bg_bundle_info *verified, struct bg_bundle_result *res, char *err,
		    size_t errlen)
{
	struct bg_bundle_info *again = malloc(sizeof(*again));
	struct apply ap = {t, dry_run, unforget, res, verified, 0};
	struct walk w = {name, site, tr, again, apply_adv, apply_digest, &ap, err, errlen, 0};
	int rc;

	if (!again) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memset(res, 0, sizeof(*res));
	/* The store records the settings its digests now share (walk refuses a
	 * bundle made under others). */
	rc = dry_run ? 0 : bg_store_norm_pin(t, &site->norm);
	if (rc == -ESTALE)
		snprintf(err, errlen,
			 "%s: the store records other fold_case and subaddress settings (changed "
			 "since it was checked)",
			 name);
	if (rc == 0)
		rc = walk(fd, &w);
	/* The file must be the one verified: a change in between is refused too. */
	if (rc == 0 && memcmp(again->sha512, verified->sha512, 64) != 0) {
		snprintf(err, errlen, "%s: changed since it was verified; nothing written", name);
		rc = -ESTALE;
	}
	free(again);
	return rc;
}
