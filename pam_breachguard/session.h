/* session.h: the resources of one call (site key, HMAC, store: read-only,
 * reopened writable when a write is due) and the module's two writes beside
 * them, the enforcement record (fingerprint) and the rotation, under one retry
 * rule.  The tool's commands that only open the store use this header alone. */
#ifndef BG_SESSION_H
#define BG_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "digest.h"
#include "log.h"
#include "store.h"

struct bg_shadow; /* verdict.h */
struct bg_result; /* verdict.h */

/* Fills *out for user.  Returns 0 (found or not) or a negative errno. */
typedef int (*bg_shadow_fn)(void *arg, const char *user, struct bg_shadow *out);

/* Lazily opened resources of one call: the store is opened on first need and
 * everything is released by bg_ctx_close().  Nothing outlives a call. */
struct bg_ctx {
	const struct bg_config *cfg;
	const struct bg_logger *log;
	unsigned store_flags;
	time_t now;
	bg_shadow_fn shadow;
	void *shadow_arg;
	/* owned */
	struct bg_store *store;
	struct bg_hmac *hmac;
	unsigned char key[BG_KEY_LEN];
	bool key_loaded;
	int norm_rc; /* bg_ctx_norm_check's answer, once known (norm_known) */
	bool norm_known;
	/* Set by bg_ctx_guard while it runs: the store jumps there on a damaged page. */
	sigjmp_buf *trap;
};

void bg_ctx_init(struct bg_ctx *ctx, const struct bg_config *cfg, const struct bg_logger *log,
		 unsigned store_flags);
/* Loads the key and opens the store if not yet done.  0 or a negative errno. */
int bg_ctx_open(struct bg_ctx *ctx);
/* Makes ctx->store writable: a store opened BG_STORE_RDONLY (cheap: LMDB
 * allocates no write buffers) is closed and opened again for writing. */
int bg_ctx_writable(struct bg_ctx *ctx);
void bg_ctx_close(struct bg_ctx *ctx);
/* Whether the store's identities were made under this config's fold_case and
 * subaddress (meta "norm", store.h): 0 (also for a store from before they
 * were recorded), or -EBADMSG, logged: none of the identities this config
 * makes could match a digest.  The ctx form opens the store if need be and
 * logs once per ctx. */
int bg_norm_check_store(const struct bg_store *st, const struct bg_config *cfg,
			const struct bg_logger *log);
int bg_ctx_norm_check(struct bg_ctx *ctx);
/* Runs fn(ctx, arg) so that a page of the store LMDB finds impossible (a
 * damaged file: it would abort() the process, sshd's or sudo's) ends only
 * this: the store is abandoned (ctx->store NULL, nothing written), the cause
 * logged, and -EBADMSG returned, which on_error then decides.  What fn
 * allocated beyond the store is not freed on that path: fn keeps its memory
 * in arg.  Nests.  Returns fn's result otherwise. */
int bg_ctx_guard(struct bg_ctx *ctx, int (*fn)(struct bg_ctx *ctx, void *arg), void *arg);

/* The writes.  A store opened BG_STORE_NOWAIT (the module) answers -EBUSY
 * while another writer holds it; the one retry rule (session.c) decides how
 * long each write tries again.  The tool's stores wait for the lock instead. */

/* Records the rotation of an exposed user (password stack: BG_ROT_PASSWORD,
 * reset: BG_ROT_ADMIN), on the verdict read in the same attempt.  Returns 1
 * when recorded, 0 when the user has no exposure (nothing to record),
 * -EALREADY when the password-stack call finds the password hash unchanged
 * since enforcement began (a failed change), or a negative errno (-EBUSY:
 * a writer held the store for the whole retry time). */
int bg_record_rotation(struct bg_ctx *ctx, const char *user, uint8_t how);

/* Writes r->fp_record, the record the account phase keeps when enforcement
 * begins (fingerprint, matched advisories), when r asks for one and the
 * action is not audit (report-only writes nothing).  Best effort: a busy store
 * postpones it to a later login; a failure is logged.  0 or a negative errno. */
int bg_record_enforcement(struct bg_ctx *ctx, const char *user, const struct bg_result *r);

#endif
