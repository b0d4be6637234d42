/* session.c: one call's resources (key, HMAC, store; read-only first,
 * writable when a write is due) and the module's two writes, the enforcement
 * record and the rotation, both read-merge-write in one transaction and both
 * run by with_retry(), the one rule for a busy store. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "identity.h"
#include "session.h"
#include "verdict.h"

void bg_ctx_init(struct bg_ctx *ctx, const struct bg_config *cfg, const struct bg_logger *log,
		 unsigned store_flags)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->log = log;
	ctx->store_flags = store_flags;
	ctx->now = time(NULL);
	ctx->shadow = bg_shadow_system;
}

int bg_ctx_open(struct bg_ctx *ctx)
{
	int rc;

	if (ctx->store)
		return 0;
	if (!ctx->key_loaded) {
		if ((rc = bg_key_load(ctx->cfg->key_file, ctx->key, ctx->log)) != 0)
			return rc;
		ctx->key_loaded = true;
	}
	if ((rc = bg_store_open_trap(&ctx->store, ctx->cfg->store, ctx->key, ctx->store_flags, 0,
				     ctx->log, &ctx->trap)) != 0)
		return rc;
	/* The store keyed its HMAC already: a copy of its pads, not a second
	 * key schedule (two SHA-256 compressions) per check. */
	if (!ctx->hmac && (rc = bg_store_hmac_dup(ctx->store, &ctx->hmac)) != 0)
		return rc;
	return 0;
}

int bg_norm_check_store(const struct bg_store *st, const struct bg_config *cfg,
			const struct bg_logger *log)
{
	struct bg_norm_opts want, made;
	char w[BG_NORM_TEXT_MAX], m[BG_NORM_TEXT_MAX];
	int rc;

	bg_norm_opts_from_config(&want, cfg);
	rc = bg_store_norm(st, &made);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		bg_log(log, LOG_ERR,
		       "store %s: its record of fold_case and subaddress is damaged; refusing to "
		       "match against it",
		       cfg->store);
		return -EBADMSG;
	}
	if (bg_norm_same(&want, &made))
		return 0;
	bg_norm_describe(&made, m, sizeof(m));
	bg_norm_describe(&want, w, sizeof(w));
	bg_log(log, LOG_ERR,
	       "store %s: its identities were made with %s, but the config says %s: no address "
	       "would match; set them back, or import the advisories again into a new store",
	       cfg->store, m, w);
	return -EBADMSG;
}

int bg_ctx_norm_check(struct bg_ctx *ctx)
{
	int rc;

	if (ctx->norm_known)
		return ctx->norm_rc;
	if ((rc = bg_ctx_open(ctx)) != 0)
		return rc;
	ctx->norm_rc = bg_norm_check_store(ctx->store, ctx->cfg, ctx->log);
	ctx->norm_known = true;
	return ctx->norm_rc;
}

int bg_ctx_guard(struct bg_ctx *ctx, int (*fn)(struct bg_ctx *ctx, void *arg), void *arg)
{
	sigjmp_buf trap, *const outer = ctx->trap;
	int rc;

	/* No signal mask saved (0): no system call; nothing here changes it. */
	if (sigsetjmp(trap, 0) != 0) {
		ctx->trap = outer;
		bg_store_abandon(ctx->store);
		ctx->store = NULL;
		return -EBADMSG;
	}
	ctx->trap = &trap;
	rc = fn(ctx, arg);
	ctx->trap = outer;
	return rc;
}

int bg_ctx_writable(struct bg_ctx *ctx)
{
	if (ctx->store && !(ctx->store_flags & BG_STORE_RDONLY))
		return 0;
	/* LMDB forbids one environment open twice in a process: close, then reopen. */
	bg_store_close(ctx->store);
	ctx->store = NULL;
	ctx->store_flags &= ~(unsigned)BG_STORE_RDONLY;
	return bg_ctx_open(ctx);
}

void bg_ctx_close(struct bg_ctx *ctx)
{
	bg_store_close(ctx->store);
	ctx->store = NULL;
	bg_hmac_free(ctx->hmac);
	ctx->hmac = NULL;
	bg_wipe(ctx->key, sizeof(ctx->key));
	ctx->key_loaded = false;
	ctx->norm_known = false;
}

/* Adds the ids of from to into (no duplicates, at most BG_ROT_MATCHED; from
 * comes first: it holds the newest). */
static void merge_matched(struct bg_rotation *into, const struct bg_rotation *from)
{
	struct bg_rotation old = *into;

	into->n_matched = 0;
	for (int pass = 0; pass < 2; pass++) {
		const struct bg_rotation *src = pass == 0 ? from : &old;

		for (size_t i = 0; i < src->n_matched && into->n_matched < BG_ROT_MATCHED; i++) {
			bool dup = false;

			for (size_t j = 0; j < into->n_matched && !dup; j++)
				dup = into->matched[j] == src->matched[i];
			if (!dup)
				into->matched[into->n_matched++] = src->matched[i];
		}
	}
}

/* One rotation record, read and written in the same write transaction, so
 * that nothing recorded between a caller's verdict and its write is lost
 * (issue 10 item 16): the enforcement record keeps a rotation made in
 * between, a rotation keeps a fingerprint or match recorded in between. */
struct rot_merge {
	const char *user;
	const struct bg_result *r;
	bool rotation; /* record a rotation (else: the enforcement record only) */
	int64_t now;
	uint8_t how;
};

static int rot_merge_job(struct bg_txn *t, void *arg)
{
	const struct rot_merge *m = arg;
	const struct bg_rotation *want = &m->r->fp_record;
	struct bg_rotation cur;
	/* Under the name the verdict read it by (NSS's), not as typed. */
	const char *user = m->r->user[0] ? m->r->user : m->user;
	int rc = bg_rotation_get(t, user, &cur);

	if (rc == -ENOENT)
		memset(&cur, 0, sizeof(cur));
	else if (rc != 0)
		return rc;
	if (m->r->record_fp) {
		/* The first fingerprint for an exposure stays: it is the hash seen when
		 * enforcement began. */
		if (want->fp_recorded > 0 &&
		    (cur.fp_exposure != want->fp_exposure || cur.fp_recorded == 0)) {
			cur.fp_exposure = want->fp_exposure;
			cur.fp_recorded = want->fp_recorded;
			memcpy(cur.fingerprint, want->fingerprint, BG_DIGEST_LEN);
		}
		merge_matched(&cur, want);
	}
	if (m->rotation) {
		cur.rotated_at = m->now;
		cur.how = m->how;
	}
	return bg_rotation_put(t, user, &cur);
}

static int rot_merge_write(struct bg_ctx *ctx, const struct rot_merge *m)
{
	int rc = bg_ctx_writable(ctx);

	/* One record: a few pages copied at most. */
	return rc ? rc : bg_store_write(ctx->store, 64u << 10, rot_merge_job, (void *)m);
}

/* The one retry rule for a write.  The module's store is opened
 * BG_STORE_NOWAIT: it never waits on writer.lock, and gets -EBUSY while
 * another writer (an import) holds it.  An attempt that gets -EBUSY is made
 * again, from a closed context (key, store and what it read are taken afresh),
 * up to `tries` times, RETRY_STEP_NS apart.  The tool's stores wait for the
 * lock and never see -EBUSY. */
#define RETRY_STEP_NS (100 * 1000 * 1000)
/* The account phase never waits: its record waits for a later login. */
#define ENFORCEMENT_TRIES 1
/* x 100 ms: how long the password phase waits for a writer. */
#define ROTATION_TRIES 20

static int with_retry(struct bg_ctx *ctx, int tries, int (*attempt)(struct bg_ctx *ctx, void *arg),
		      void *arg)
{
	for (int i = 1;; i++) {
		struct timespec ts = {0, RETRY_STEP_NS};
		int rc = attempt(ctx, arg);

		if (rc != -EBUSY || i >= tries)
			return rc;
		bg_ctx_close(ctx);
		nanosleep(&ts, NULL);
	}
}

static int enforcement_attempt(struct bg_ctx *ctx, void *arg)
{
	return rot_merge_write(ctx, arg);
}

static int enforcement_job(struct bg_ctx *ctx, void *arg)
{
	return with_retry(ctx, ENFORCEMENT_TRIES, enforcement_attempt, arg);
}

int bg_record_enforcement(struct bg_ctx *ctx, const char *user, const struct bg_result *r)
{
	struct rot_merge m = {user, r, false, 0, 0};
	int rc;

	if (!r->record_fp || r->action == BG_ACT_AUDIT)
		return 0;
	rc = bg_ctx_guard(ctx, enforcement_job, &m);
	if (rc == -EBUSY)
		bg_log(ctx->log, LOG_DEBUG, "store busy; fingerprint of user=%s postponed", user);
	else if (rc != 0)
		bg_log(ctx->log, LOG_ERR, "could not record the enforcement start of user=%s: %s",
		       user, strerror(-rc));
	return rc;
}

struct rotation_job {
	const char *user;
	uint8_t how;
};

/* One attempt: the verdict, then the write, so that a retry decides afresh. */
static int rotation_attempt(struct bg_ctx *ctx, void *arg)
{
	const struct rotation_job *j = arg;
	struct bg_result r;
	struct rot_merge m = {j->user, &r, true, 0, j->how};
	int rc;

	if ((rc = bg_verdict(ctx, j->user, &r)) != 0)
		return rc;
	if (r.n_adv == 0)
		return 0;
	if (j->how == BG_ROT_PASSWORD && (r.fp_unchanged || r.shadow_empty))
		return -EALREADY;
	m.now = (int64_t)ctx->now;
	if ((rc = rot_merge_write(ctx, &m)) != 0)
		return rc;
	return 1;
}

static int rotation_retries(struct bg_ctx *ctx, void *arg)
{
	return with_retry(ctx, ROTATION_TRIES, rotation_attempt, arg);
}

int bg_record_rotation(struct bg_ctx *ctx, const char *user, uint8_t how)
{
	struct rotation_job j = {user, how};

	return bg_ctx_guard(ctx, rotation_retries, &j);
}
