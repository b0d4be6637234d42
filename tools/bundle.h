/* bundle.h: signed bundles of keyed digests, the fleet's way to carry an
 * advisory from a management host to every host without its plaintext.
 *
 * Format version 2 (integers big-endian), made for streaming: the records
 * come in digest order and the signature closes the file, so neither side
 * holds the digests in memory.
 *   header     "BGBUNDLE", u16 version, u16 advisories (1..64),
 *              site key id (8: as in the store's meta), signer (32: the raw
 *              Ed25519 public key), i64 created, u8 n and 8 bytes: the
 *              fold_case and subaddress the digests were made under
 *              (identity.h's bg_norm_encode, n bytes of it, zeros after)
 *   advisory   i64 published (-1 unknown), i64 imported, i32 grace (-1: the
 *              host's grace_days), source SHA-256 (32), u16 name length, name
 *   'D' record digest (16), u64 mask of the bundle's advisories naming it;
 *              digests strictly ascending
 *   'E' record u64 digests, then u64 identities per advisory
 *   'S' record Ed25519 signature (64) of "breachguard-bundle-v2\0" followed by
 *              the SHA-512 of every byte before the 'S'.
 * Version 1 had no settings: a host whose fold_case or subaddress differ
 * from the management host's matched none of its users (README), so it is
 * refused, naming the fix (export it again).
 * OpenSSL 3.0 offers no streaming Ed25519ph through EVP, so the signature is
 * plain Ed25519 over that fixed-size digest of the stream. */
#ifndef BG_BUNDLE_H
#define BG_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"
#include "digest.h"
#include "identity.h"
#include "store.h"

#define BG_BUNDLE_MAGIC "BGBUNDLE"
#define BG_BUNDLE_MAGIC_LEN 8
#define BG_BUNDLE_VERSION 2
#define BG_BUNDLE_MAX_ADV 64
#define BG_ED25519_LEN 32
#define BG_SIG_LEN 64
/* The header, magic to settings, as above. */
#define BG_BUNDLE_HDR_LEN                                                                          \
	(BG_BUNDLE_MAGIC_LEN + 2 + 2 + BG_KEY_ID_LEN + BG_ED25519_LEN + 8 + 1 + BG_NORM_ENC_MAX)
#define BG_TRUST_MAX 16

struct bg_bundle_adv {
	char name[BG_NAME_MAX];
	int64_t published, imported;
	int32_t grace_days;
	unsigned char source_sha256[32];
	uint64_t count; /* identities naming it (from the 'E' record) */
};

/* What makes one host's digests comparable with another's: the site key (by
 * its id) and the normalisation settings. */
struct bg_bundle_site {
	unsigned char kid[BG_KEY_ID_LEN];
	struct bg_norm_opts norm;
};

struct bg_bundle_info {
	unsigned version, n_adv;
	unsigned char site_key_id[BG_KEY_ID_LEN];
	struct bg_norm_opts norm;
	unsigned char signer[BG_ED25519_LEN];
	int64_t created;
	struct bg_bundle_adv adv[BG_BUNDLE_MAX_ADV];
	uint64_t digests;
	unsigned char sha512[64];
};

/* The public keys a host trusts, raw, with the files they came from. */
struct bg_trust {
	size_t n;
	unsigned char key[BG_TRUST_MAX][BG_ED25519_LEN];
	char path[BG_TRUST_MAX][BG_PATH_MAX];
};

/* Hex of the first 8 bytes of SHA-256(raw public key): how keys are named. */
void bg_signer_id(const unsigned char pub[BG_ED25519_LEN], char out[17]);

/* True when buf (len bytes) starts with the bundle magic. */
bool bg_bundle_magic(const void *buf, size_t len);

/* Loads every trusted_keys file (opened like the config).  0, or a negative
 * errno with err naming the file and the cause. */
int bg_trust_load(struct bg_trust *tr, const struct bg_list *paths, char *err, size_t errlen);

/* Makes an Ed25519 key: path (0600, O_EXCL|O_NOFOLLOW) and path.pub (0644).
 * id gets bg_signer_id of the new key. */
int bg_keygen(const char *path, char id[17], char *err, size_t errlen);

/* Writes a bundle of the advisories ids[0..n) of the store read through txn to
 * out (a temp file beside it, fsync'd and renamed at the end), signed with the
 * PEM private key in key_path.  old: out's lstat (bg_out_path_stat), whose
 * owner, group and mode the bundle keeps (bg_out_mode); NULL or st_mode 0: a
 * new file, 0644 less the umask.  site: the store's site key id and settings.
 * Fills *info. */
int bg_bundle_export(struct bg_txn *txn, const uint32_t *ids, size_t n, const char *key_path,
		     const struct bg_bundle_site *site, const char *out, const struct stat *old,
		     struct bg_bundle_info *info, char *err, size_t errlen);

/* The header alone, buf[0..len) (its first BG_BUNDLE_HDR_LEN bytes, fewer
 * when the input ends before): the magic, the version, the signer in tr, the
 * site key id and the settings, checked as bg_bundle_verify checks them first
 * and with its messages.  A bundle on a pipe is refused by this before it is
 * spooled.  Fills info's header fields.  0, or a negative errno with err set. */
int bg_bundle_header(const void *buf, size_t len, const char *name,
		     const struct bg_bundle_site *site, const struct bg_trust *tr,
		     struct bg_bundle_info *info, char *err, size_t errlen);

/* One pass over the bundle in fd (from its start): structure, version, site
 * key id and settings (both must be site's), signer in tr, counts, and the
 * signature.  name: for messages.  Writes nothing.  0, or a negative errno
 * with err set. */
int bg_bundle_verify(int fd, const char *name, const struct bg_bundle_site *site,
		     const struct bg_trust *tr, struct bg_bundle_info *info, char *err,
		     size_t errlen);

struct bg_bundle_result {
	uint64_t fresh, known;		/* identities new to the store / already in it */
	uint32_t id[BG_BUNDLE_MAX_ADV]; /* the advisory ids in the store */
	bool existed[BG_BUNDLE_MAX_ADV];
	int64_t forgotten[BG_BUNDLE_MAX_ADV]; /* when forget removed it here, 0 never */
};

/* Applies a bundle verified by bg_bundle_verify() through the write
 * transaction t (run by bg_store_write: may be called again after a full map).
 * The file is read and checked again as it is applied, and must hash as it did
 * when verified; an advisory already in the store with other contents is an
 * error.  A store that records no settings yet records site's (bg_store_norm_pin).
 * t == a read transaction with dry_run: counts only.
 * An advisory that forget removed from this store (bg_forgotten_get) is
 * refused, saying when, unless unforget (import --again): then it is imported again (its forget
 * record goes) and res->forgotten says when it was forgotten. */
int bg_bundle_apply(struct bg_txn *t, bool dry_run, bool unforget, int fd, const char *name,
		    const struct bg_bundle_site *site, const struct bg_trust *tr,
		    const struct bg_bundle_info *verified, struct bg_bundle_result *res, char *err,
		    size_t errlen);

#endif
