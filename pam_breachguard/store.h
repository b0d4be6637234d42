/* store.h: the LMDB store of exposures, advisories and rotations.
 * Internal functions return 0 or a negative errno; LMDB codes are mapped in one
 * place (store.c) and logged with mdb_strerror.  Write transactions carry a
 * sticky error: after the first failure every step is a no-op and
 * bg_txn_commit() aborts and returns that error.
 * Errors: -ENOENT absent, -E2BIG the map is full (the tool grows it and redoes),
 * -ENOSPC the disk is full, -EBADMSG corrupt or foreign data, -EBUSY another
 * writer holds the store (BG_STORE_NOWAIT), -EPERM unsafe owner or mode. */
#ifndef BG_STORE_H
#define BG_STORE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "digest.h"
#include "log.h"

#define BG_NAME_MAX 128
#define BG_SCHEMA_VERSION 1
#define BG_STORE_MAX_ADV 64 /* a first guess of advisory ids per identity (no cap) */

enum bg_store_flags {
	BG_STORE_RDONLY = 1 << 0,   /* read transactions only */
	BG_STORE_CREATE = 1 << 1,   /* init: create dir and meta when absent */
	BG_STORE_GROW = 1 << 2,	    /* the tool: may grow the map */
	BG_STORE_NOWAIT = 1 << 3,   /* the module: never wait for another writer */
	BG_STORE_WRITEMAP = 1 << 4, /* set by bg_store_open for GROW writers */
	/* With RDONLY, the module's brief reads: no LMDB lock file, the writers'
	 * gate held shared instead (see gate_shared() in store.c).  Falls back to
	 * an ordinary reader when a writer holds the gate: never waits. */
	BG_STORE_NOLOCK = 1 << 5,
	/* The tool: a store LMDB finds damaged ends the process with status 1 and
	 * the store's name, not with LMDB's abort() (see bg_store_open_trap). */
	BG_STORE_EXIT_DAMAGED = 1 << 6,
};

struct bg_advisory {
	uint32_t id;
	char name[BG_NAME_MAX];
	int64_t published; /* epoch seconds of the published day (UTC), -1 unknown */
	int64_t imported;  /* epoch seconds */
	uint64_t count;	   /* identities held */
	unsigned char source_sha256[32];
	int32_t grace_days; /* -1: the config's grace_days */
};

enum bg_rotation_how {
	BG_ROT_NONE = 0,
	BG_ROT_PASSWORD = 1, /* the password stack */
	BG_ROT_ADMIN = 2,    /* breachguard reset */
	BG_ROT_OBSERVED = 3, /* seen in shadow */
};

/* Advisory ids kept in a rotation record: those the account was matched for
 * when enforcement began (the newest when there are more). */
#define BG_ROT_MATCHED 64

struct bg_rotation {
	int64_t rotated_at; /* 0 = none */
	uint8_t how;
	int64_t fp_exposure; /* the exposure time the fingerprint belongs to, 0 none */
	int64_t fp_recorded;
	unsigned char fingerprint[BG_DIGEST_LEN];
	/* The advisories the account was matched for (issue 10 item 4): the verdict
	 * honours them even when no identity matches any more (a GECOS edited). */
	size_t n_matched;
	uint32_t matched[BG_ROT_MATCHED];
};

struct bg_store_stats {
	uint64_t identities; /* distinct digests */
	uint64_t exposures;  /* digest/advisory pairs */
	uint64_t advisories;
	uint64_t rotations;
	uint64_t map_size;
	uint64_t used_bytes;
	unsigned max_readers, readers_used;
};

struct bg_store;
struct bg_txn;

/* Opens (and with BG_STORE_CREATE makes) the store in dir, refusing an unsafe
 * directory or file and a store made with another key.  Returns 0 or a negative
 * errno; the cause is logged with the path. */
/* map_size: the map a new store gets (0: BG_STORE_DEFAULT_MAP); an existing
 * store keeps its own unless map_size is larger (BG_STORE_GROW). */
#define BG_STORE_DEFAULT_MAP (64u << 20)
int bg_store_open(struct bg_store **out, const char *dir, const unsigned char key[BG_KEY_LEN],
		  unsigned flags, size_t map_size, const struct bg_logger *log);
/* A damaged page (LMDB keeps no checksums) can be one LMDB finds impossible:
 * it then calls abort(), which in sshd or sudo ends the login instead of
 * applying on_error.  A store opened with a trap jumps instead: when *trap is
 * set at that moment, the cause is logged (LOG_ERR, "damaged") and
 * siglongjmp(**trap, 1) is called, except once a write transaction has begun
 * to change pages (LMDB cannot be left there: it aborts, after the line).
 * The caller must then bg_store_abandon() the store, and nothing else of it.
 * bg_ctx_guard (session.h) is the one user. */
int bg_store_open_trap(struct bg_store **out, const char *dir, const unsigned char key[BG_KEY_LEN],
		       unsigned flags, size_t map_size, const struct bg_logger *log,
		       sigjmp_buf *const *trap);
void bg_store_close(struct bg_store *st);
/* After a jump to the trap: ends the LMDB transaction that was open (nothing of
 * it is committed), closes the store and frees it. */
void bg_store_abandon(struct bg_store *st);
int bg_store_stats(struct bg_store *st, struct bg_store_stats *s);
/* Pages the module's pread reader has read on this open (mdbread.h); 0 when
 * LMDB answers (a writer active, a tool's open).  For tests and the bench. */
unsigned bg_store_preads(const struct bg_store *st);
/* Makes sure at least `bytes` more are free in the map (BG_STORE_GROW only). */
int bg_store_reserve(struct bg_store *st, uint64_t bytes);

/* Runs fn in one write transaction and commits it.  When the map is full and
 * the store was opened BG_STORE_GROW (the tool), grows the map and runs fn again
 * from the start (fn must only work through the transaction).  estimate: the
 * bytes the writes may need.  Returns fn's error, the commit's, or 0. */
int bg_store_write(struct bg_store *st, uint64_t estimate, int (*fn)(struct bg_txn *t, void *arg),
		   void *arg);

int bg_txn_begin(struct bg_store *st, bool write, struct bg_txn **out);
/* Commits a write transaction (or ends a read one); returns the sticky error.
 * -ENOSPC means the map is full (the caller may grow and redo). */
int bg_txn_commit(struct bg_txn *t);
void bg_txn_abort(struct bg_txn *t);
int bg_txn_error(const struct bg_txn *t);

/* Reads.  -ENOENT when absent.  bg_exposure_ids fills at most max ids and sets
 * *n to how many the identity has (all of them): *n > max means call again
 * with a larger buffer, never that the rest do not exist. */
int bg_exposure_ids(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t *ids,
		    size_t max, size_t *n);
int bg_advisory_get(struct bg_txn *t, uint32_t id, struct bg_advisory *a);
/* When an advisory's exposure happened: its published day, else its import
 * time (design.md, verdict step 4). */
int64_t bg_advisory_exposure(const struct bg_advisory *a);
/* Whether an advisory's dates and grace are possible (a stored record, a
 * bundle's): imported > 0, published -1 (unknown) or later, grace_days -1 (the
 * config's) or 0 to BG_GRACE_DAYS_MAX (config.h). */
bool bg_advisory_times_ok(int64_t published, int64_t imported, int32_t grace_days);
int bg_advisory_find(struct bg_txn *t, const char *name, struct bg_advisory *a);
/* Calls cb for each advisory in id order; a non-zero return stops and is returned. */
int bg_advisory_foreach(struct bg_txn *t, int (*cb)(const struct bg_advisory *a, void *arg),
			void *arg);
/* Rotation records are keyed by HMAC(site key, "rot" || user); a plaintext
 * key from an older store is read too, and moved by the next write. */
int bg_rotation_get(struct bg_txn *t, const char *user, struct bg_rotation *r);
/* Calls cb once per digest in digest (memcmp) order with the advisory ids it
 * names (at most BG_STORE_MAX_ADV); a non-zero return stops and is returned.
 * The export of signed bundles streams through this. */
int bg_exposure_foreach(struct bg_txn *t,
			int (*cb)(const unsigned char d[BG_DIGEST_LEN], const uint32_t *ids,
				  size_t n, void *arg),
			void *arg);
/* Decodes a stored rotation value (verify); 0 or -EBADMSG. */
int bg_rotation_decode(struct bg_store *st, const void *val, size_t len, struct bg_rotation *r);

/* The store's digest (issue 10 item 17): meta "digest", the XOR of a keyed
 * digest (recsum.h) of every advisory, exposure pair, rotation record and
 * forget record (bg_forgotten_put), kept current by every put and delete at
 * commit.  _get reads it (-ENOENT: a store from before it existed);
 * _forgot_digest_get reads the forget records' part of it (-ENOENT: a store
 * that never had one); _walk recomputes both over every record (forgot may
 * be NULL), calling rec (when not NULL) for each; a non-zero rec return
 * stops. */
int bg_store_digest_get(struct bg_txn *t, unsigned char out[16]);
int bg_store_forgot_digest_get(struct bg_txn *t, unsigned char out[16]);
int bg_store_digest_walk(struct bg_txn *t, unsigned char out[16], unsigned char forgot[16],
			 int (*rec)(void *arg, char tag, const void *k, size_t kl, const void *v,
				    size_t vl),
			 void *arg);

/* Checks one record's layout as bg_store_digest_walk hands it over (tag 'a',
 * 'e', 'r' or 'f'); NULL when sound (and *adv filled for an advisory, when not
 * NULL), else what is wrong. */
const char *bg_store_check_record(struct bg_store *st, char tag, const void *k, size_t kl,
				  const void *v, size_t vl, struct bg_advisory *adv);

/* The digest settings the store's identities were made under (meta "norm",
 * identity.h's encoding), as read at open: 0, -ENOENT for a store from before
 * they were recorded, -EBADMSG when the value is not one breachguard writes.
 * _pin, in a write transaction (the tool's init and imports): records o as
 * the store's when it has none yet; 0 also when they are o already, -ESTALE
 * when they are others (or damaged). */
struct bg_norm_opts;
int bg_store_norm(const struct bg_store *st, struct bg_norm_opts *o);
int bg_store_norm_pin(struct bg_txn *t, const struct bg_norm_opts *o);

/* Writes (sticky error). */
enum bg_exposure_add { BG_EXP_KNOWN_PAIR = 0, BG_EXP_NEW_PAIR = 1, BG_EXP_NEW_IDENTITY = 2 };
/* Adds digest -> id.  Returns an enum bg_exposure_add or a negative errno. */
int bg_exposure_add(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t id);
/* The same, but the store digest's part for a new record (any result but
 * BG_EXP_KNOWN_PAIR) is the caller's: bg_exposure_recsum of (d, id) on any
 * thread (h from bg_txn_hmac_dup), XORed together, then bg_txn_sum_fold before
 * the commit.  For the import, whose record digests run on the other core. */
int bg_exposure_add_nosum(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t id);
int bg_exposure_recsum(struct bg_hmac *h, const unsigned char d[BG_DIGEST_LEN], uint32_t id,
		       unsigned char out[BG_DIGEST_LEN]);
void bg_txn_sum_fold(struct bg_txn *t, const unsigned char x[BG_DIGEST_LEN]);
/* A copy of the store's HMAC context (keyed with the site key at open) for
 * another thread or the caller's own digests (bg_hmac_free it). */
int bg_store_hmac_dup(const struct bg_store *st, struct bg_hmac **out);
int bg_txn_hmac_dup(struct bg_txn *t, struct bg_hmac **out);
/* a->id == 0 allocates the next id (written back). */
int bg_advisory_put(struct bg_txn *t, struct bg_advisory *a);
/* Removes the advisory and every exposure pair naming it. */
int bg_advisory_delete(struct bg_txn *t, uint32_t id, uint64_t *pairs_removed);
/* forget's record of an advisory it removed (a's name, import time and source
 * SHA-256: the same advisory when a bundle brings it back), with the time of
 * the forget; kept in meta, so a store without any still works.  _get: 0 and
 * *when, or -ENOENT; _del: 0 or -ENOENT. */
int bg_forgotten_put(struct bg_txn *t, const struct bg_advisory *a, int64_t when);
int bg_forgotten_get(struct bg_txn *t, const struct bg_advisory *a, int64_t *when);
int bg_forgotten_del(struct bg_txn *t, const struct bg_advisory *a);
int bg_rotation_put(struct bg_txn *t, const char *user, const struct bg_rotation *r);
int bg_rotation_delete(struct bg_txn *t, const char *user);
/* Writes one rotation record in its own transaction through bg_store_write()
 * (the tool grows a full map; the module never does). */
int bg_rotation_write(struct bg_store *st, const char *user, const struct bg_rotation *r);

#endif
