/* store.c: the LMDB store.  Owns the environment's safety checks, the reads
 * and writes of records (their bytes: record.c), the one LMDB error mapper,
 * and write transactions with a sticky error.  Writers serialise on a gate
 * file (flock) so that the module can decline to wait for a long import
 * instead of hanging a login. */
#include <endian.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "config.h"
#include "escape.h"
#include "gate.h"
#include "identity.h"
#include "mdbread.h"
#include "record.h"
#include "recsum.h"
#include "safeopen.h"
#include "store.h"

#define GATE_FILE "writer.lock"

struct bg_store {
	MDB_env *env;	      /* NULL while the pread reader answers (mr) */
	struct bg_hmac *hmac; /* rotation keys: HMAC(site key, "rot" || user name) */
	MDB_dbi meta, adv, exp, rot;
	/* The module's lock-free read, while the gate is held shared: lookups by
	 * pread (mdbread.h) on data_fd, LMDB opened only when the reader steps
	 * aside (lmdb_now).  data is the file checked before the open. */
	struct bg_mr *mr;
	struct bg_mr_db mr_meta, mr_adv, mr_exp, mr_rot;
	int data_fd;
	struct stat data;
	unsigned char kid[BG_KEY_ID_LEN];
	/* meta "norm" as the open read it: norm_len 0 absent (a store from before
	 * it), NORM_BAD not one bg_norm_encode writes. */
	unsigned char norm[BG_NORM_ENC_MAX];
	size_t norm_len;
	unsigned flags;
	int gate_fd;
	const struct bg_logger *log;
	char dir[BG_PATH_MAX];
	/* LMDB's assertions (lmdb_stopped): the caller's trap, the transactions a
	 * jump there ends (live: ours; raw: an LMDB one of this file's own), and
	 * whether a write transaction has begun to change pages (no jump then). */
	sigjmp_buf *const *trap;
	struct bg_txn *live;
	MDB_txn *raw;
	bool changing;
	int pin_fd; /* the pinned directory, while LMDB opens (bg_store_abandon) */
};

struct bg_txn {
	struct bg_store *st;
	MDB_txn *txn;
	MDB_cursor *exp_cur;
	bool write;
	int err;
	int64_t identities_delta;
	bool appending, have_last;
	unsigned char last[BG_DIGEST_LEN];
	/* The last advisory id exposure_add encoded (idv_len 0: none yet): an
	 * import adds millions of records of one id. */
	uint32_t idv_id;
	unsigned char idv[4];
	size_t idv_len;
	/* XOR of the digests of the records this transaction put or deleted:
	 * folded into meta "digest" at commit (issue 10 item 17). */
	bool sum_dirty;
	unsigned char sum_delta[BG_RECSUM_LEN];
	/* The forget records' part of it, for meta "digest_forgot". */
	bool fsum_dirty;
	unsigned char fsum_delta[BG_RECSUM_LEN];
	/* Under a trap: the pread reader on the committed file, that vouches for
	 * the pages a change will walk (sound_before_change). */
	struct bg_mr *probe;
	bool probed;
};

/* The one LMDB error mapper.  Logs with mdb_strerror unless the code is an
 * expected outcome (not found, map full: the caller decides). */
static int mdb_fail(const struct bg_store *st, const char *what, int rc)
{
	int e;

	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		bg_log(st->log, LOG_DEBUG, "store %s: %s: map full", st->dir, what);
		return -E2BIG;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_INVALID:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		e = -EBADMSG;
		break;
	case MDB_READERS_FULL: /* pam_breachguard.c caller_starved() */
		e = -EUSERS;
		break;
	case MDB_MAP_RESIZED:
		e = -ESTALE;
		break;
	default:
		e = rc > 0 ? -rc : -EIO;
		break;
	}
	bg_log(st->log, LOG_ERR, "store %s: %s: %s", st->dir, what, mdb_strerror(rc));
	return e;
}

/* LMDB calls this where it then calls abort(): a page it finds impossible
 * (a damaged file).  With the caller's trap set, the jump (store.h); in the
 * tool, the end of the process with status 1 (nothing was committed; LMDB's
 * lock file recovers a writer's mutex from a dead process); else the line,
 * and LMDB's abort. */
static void lmdb_stopped(MDB_env *env, const char *what)
{
	struct bg_store *st = mdb_env_get_userctx(env);

	if (!st)
		return;
	if (st->trap && *st->trap && !st->changing) {
		bg_log(st->log, LOG_ERR,
		       "store %s: damaged: LMDB cannot read it (%s); left as it was", st->dir,
		       what);
		siglongjmp(**st->trap, 1);
	}
	if (st->flags & BG_STORE_EXIT_DAMAGED) {
		bg_log(st->log, LOG_ERR,
		       "store %s: damaged: LMDB cannot read it (%s); nothing was written. Restore "
		       "it from a backup, or make it again (init, then import the advisories)",
		       st->dir, what);
		exit(1);
	}
	bg_log(st->log, LOG_ERR, "store %s: damaged: LMDB stops the process (%s)", st->dir, what);
}

/* An advisory id as the advisories' key or an exposure's value (record.c's
 * bg_rec_adv_id): the bytes in buf, the value pointing at them. */
static MDB_val id_val(uint32_t id, unsigned char buf[4])
{
	MDB_val v = {0, buf};

	(void)bg_rec_encode(&bg_rec_adv_id, &id, buf, 4, &v.mv_size); /* cannot fail */
	return v;
}

/* The checks of one file of the store on its stat (lstat, or fstat of a
 * descriptor opened O_NOFOLLOW): trusted (bg_check_trusted), and a directory or
 * a regular file as wanted.  Logs and returns a negative errno, or 0. */
static int judge(const struct bg_store *st, const char *name, const struct stat *s, bool want_dir)
{
	const char *why = NULL;
	int rc;

	if ((rc = bg_check_trusted(s, &why)) != 0) {
		bg_log(st->log, LOG_ERR, "store %s: %s %s; refusing to use it", st->dir, name, why);
		return rc;
	}
	if (want_dir ? !S_ISDIR(s->st_mode) : !S_ISREG(s->st_mode)) {
		bg_log(st->log, LOG_ERR, "store %s: %s is not a %s", st->dir, name,
		       want_dir ? "directory" : "regular file");
		return -EINVAL;
	}
	return 0;
}

/* 0, or -EBADMSG when v is not an advisory id. */
static int id_get(const MDB_val *v, uint32_t *id)
{
	return bg_rec_decode(&bg_rec_adv_id, v->mv_data, v->mv_size, id);
}

/* Checks one file of the store, relative to the pinned directory (dirfd) or,
 * with dirfd == AT_FDCWD, by path.  missing_ok: absence is fine (-ENOENT, not
 * logged). */
static int check_at(const struct bg_store *st, int dirfd, const char *name, bool want_dir,
		    bool missing_ok, struct stat *out)
{
	struct stat st_;
	int rc;

	if (fstatat(dirfd, name, &st_, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT && missing_ok)
			return -ENOENT;
		rc = -errno;
		if (rc == -ENOENT)
			bg_log(st->log, LOG_ERR,
			       "store %s: %s does not exist (run \"breachguard init\")", st->dir,
			       name);
		else
			bg_log(st->log, LOG_ERR, "store %s: %s: %s", st->dir, name,
			       strerror(errno));
		return rc;
	}
	if ((rc = judge(st, name, &st_, want_dir)) != 0)
		return rc;
	if (out)
		*out = st_;
	return 0;
}

/* With MDB_WRITEMAP the tool writes pages straight into the file-backed map, so
 * a big import's dirty pages are not heap.  A write into a sparse map on a full
 * disk would be SIGBUS: allocate the map's blocks first, and a full disk is a
 * clean -ENOSPC before anything is written. */
static int back_map(struct bg_store *st)
{
	MDB_envinfo info;
	int fd, rc;

	if (!(st->flags & BG_STORE_WRITEMAP))
		return 0;
	if (mdb_env_get_fd(st->env, &fd) != 0 || mdb_env_info(st->env, &info) != 0)
		return -EIO;
	rc = posix_fallocate(fd, 0, (off_t)info.me_mapsize);
	if (rc == EOPNOTSUPP || rc == EINVAL)
		return 0; /* a file system without it: LMDB's own writes must do */
	if (rc != 0) {
		bg_log(st->log, LOG_ERR, "store %s: cannot allocate %llu bytes for the map: %s",
		       st->dir, (unsigned long long)info.me_mapsize, strerror(rc));
		return -rc;
	}
	return 0;
}

#define NORM_BAD ((size_t)-1)
#define NORM_KEY "norm" /* meta's key of the settings */
/* meta's keys of forget's records: the prefix, then the advisory's import
 * time (u64, big-endian), source SHA-256 and name (bg_forgotten_*). */
#define FORGOT_PREFIX "forgot"
#define FORGOT_HEAD (sizeof(FORGOT_PREFIX) - 1 + 8 + 32)
#define FORGOT_KEY_MAX (FORGOT_HEAD + BG_NAME_MAX)
#define FORGOT_SUM_KEY "digest_forgot" /* their part of the digest */

static void keep_norm(struct bg_store *st, const void *v, size_t n)
{
	struct bg_norm_opts o;

	if (bg_norm_decode(v, n, &o) != 0) {
		st->norm_len = NORM_BAD;
		return;
	}
	memcpy(st->norm, v, n);
	st->norm_len = n;
}

int bg_store_norm(const struct bg_store *st, struct bg_norm_opts *o)
{
	if (st->norm_len == 0)
		return -ENOENT;
	if (st->norm_len == NORM_BAD)
		return -EBADMSG;
	return bg_norm_decode(st->norm, st->norm_len, o);
}

static int open_dbis(struct bg_store *st, bool create)
{
	const unsigned char *kid = st->kid;
	unsigned char schema[4];
	uint32_t version = BG_SCHEMA_VERSION;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	unsigned cf = create ? MDB_CREATE : 0;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, create ? 0 : MDB_RDONLY, &txn);
	if (rc) {
		txn = NULL;
		rc = mdb_fail(st, "begin", rc);
		goto out;
	}
	/* init's write makes the tables (LMDB's puts: no jump); a read's, a jump ends. */
	if (create)
		st->changing = true;
	else
		st->raw = txn;
	if ((rc = mdb_dbi_open(txn, "meta", cf, &st->meta)) ||
	    (rc = mdb_dbi_open(txn, "advisories", cf, &st->adv)) ||
	    (rc = mdb_dbi_open(txn, "exposures", cf | MDB_DUPSORT | MDB_DUPFIXED, &st->exp)) ||
	    (rc = mdb_dbi_open(txn, "rotations", cf, &st->rot))) {
		if (rc == MDB_NOTFOUND) {
			bg_log(st->log, LOG_ERR,
			       "store %s: not a breachguard store (tables missing); run "
			       "\"breachguard init\"",
			       st->dir);
			rc = -EBADMSG;
		} else {
			rc = mdb_fail(st, "open tables", rc);
		}
		goto out;
	}
	k.mv_data = "schema";
	k.mv_size = 6;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND && create) {
		v.mv_data = schema;
		(void)bg_rec_encode(&bg_rec_meta_u32, &version, schema, sizeof(schema), &v.mv_size);
		if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
			rc = mdb_fail(st, "write schema", rc);
			goto out;
		}
		k.mv_data = "key_id";
		k.mv_size = 6;
		v.mv_data = st->kid;
		v.mv_size = sizeof(st->kid);
		if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
			rc = mdb_fail(st, "write key id", rc);
			goto out;
		}
		{
			unsigned char zero[BG_RECSUM_LEN] = {0};

			k.mv_data = "digest"; /* of no records */
			k.mv_size = 6;
			v.mv_data = zero;
			v.mv_size = sizeof(zero);
			if ((rc = mdb_put(txn, st->meta, &k, &v, 0)) != 0) {
				rc = mdb_fail(st, "write digest", rc);
				goto out;
			}
		}
	} else if (rc != 0) {
		rc = rc == MDB_NOTFOUND ? -EBADMSG : mdb_fail(st, "read schema", rc);
		if (rc == -EBADMSG)
			bg_log(st->log, LOG_ERR,
			       "store %s: no schema version; not a breachguard store", st->dir);
		goto out;
	} else if (bg_rec_decode(&bg_rec_meta_u32, v.mv_data, v.mv_size, &version) != 0 ||
		   version != BG_SCHEMA_VERSION) {
		bg_log(st->log, LOG_ERR,
		       "store %s: schema version %llu, this build reads version %d", st->dir,
		       (unsigned long long)version, BG_SCHEMA_VERSION); /* 0: not 4 bytes */
		rc = -EBADMSG;
		goto out;
	} else {
		k.mv_data = "key_id";
		k.mv_size = 6;
		rc = mdb_get(txn, st->meta, &k, &v);
		if (rc != 0 || v.mv_size != BG_KEY_ID_LEN ||
		    memcmp(v.mv_data, kid, BG_KEY_ID_LEN) != 0) {
			bg_log(st->log, LOG_ERR,
			       "store %s: was made with a different site key; refusing to match "
			       "against it",
			       st->dir);
			rc = -EBADMSG;
			goto out;
		}
		k.mv_data = NORM_KEY;
		k.mv_size = sizeof(NORM_KEY) - 1;
		if ((rc = mdb_get(txn, st->meta, &k, &v)) == 0)
			keep_norm(st, v.mv_data, v.mv_size);
		else if (rc != MDB_NOTFOUND) {
			rc = mdb_fail(st, "read norm", rc);
			goto out;
		}
	}
	/* Commit even a read-only txn: LMDB closes handles opened in an aborted one. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		rc = mdb_fail(st, "commit", rc);
out:
	if (txn)
		mdb_txn_abort(txn);
	st->raw = NULL;
	st->changing = false;
	return rc;
}

/* LMDB writes its lock file through a memory map: on a full file system that
 * is SIGBUS, not an error.  A new store's lock file is made here first, its
 * blocks allocated, so that a full disk is a clean -ENOSPC. */
static int prealloc_lock(const struct bg_store *st, int dirfd)
{
	int fd = openat(dirfd, "lock.mdb", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0) {
		rc = -errno;
		bg_log(st->log, LOG_ERR, "store %s: lock.mdb: %s", st->dir, strerror(errno));
		return rc;
	}
	rc = posix_fallocate(fd, 0, 64 * 1024);
	close(fd);
	if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
		bg_log(st->log, LOG_ERR, "store %s: cannot allocate its lock file: %s", st->dir,
		       strerror(rc));
		return -rc;
	}
	return 0;
}

/* The writers' gate, writer.lock: every write transaction holds it exclusively
 * from before mdb_txn_begin until after its commit or abort (bg_txn_begin,
 * txn_end), and init holds it exclusively while it creates data.mdb and the
 * tables.  Writes to data.mdb happen nowhere else: opening an existing
 * environment writes nothing, a read-write mdb_env_close writes nothing, and
 * growing the map (ftruncate, posix_fallocate) only touches the file beyond
 * the committed pages.  The module's fingerprint and the password phase's
 * rotation go through bg_store_write like every tool write, after the reading
 * store was closed (bg_ctx_writable), so a process never asks for the gate
 * exclusively while it holds it shared.
 *
 * So a reader holding the gate shared sees no writer at all for as long as it
 * holds it: the newest meta page is complete and the pages it points to are
 * never reused under it.  Such a reader needs none of LMDB's reader table:
 * MDB_NOLOCK, no lock.mdb to open, lock and map (a quarter of an environment's
 * open and close).  A killed reader's flock goes with its descriptor.  The
 * module only holds it for the microseconds of one verdict; when a writer has
 * it (an import's merge), LOCK_NB fails and the module reads through the
 * ordinary lock-file path instead, concurrently with the writer (MVCC), as
 * before: it never waits.  Returns 0 with st->gate_fd held shared, -EAGAIN to
 * read the ordinary way (a writer active, no gate file yet, a flock error),
 * or check_at's error when the gate file is not a trusted regular file. */
static int gate_shared(struct bg_store *st, int dirfd)
{
	struct stat gs;
	int fd, rc;

	/* The gate file's checks are check_at's, made on the descriptor instead of a
	 * separate lstat (O_NOFOLLOW: a symlink fails to open; O_NONBLOCK: a FIFO in
	 * its place does not hang the open): the same refusals and messages. */
	fd = openat(dirfd, GATE_FILE, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ELOOP)
			return -EAGAIN; /* no gate file yet (an old store): the ordinary way */
		gs.st_mode = S_IFLNK;
		return judge(st, GATE_FILE, &gs, false);
	}
	if ((rc = fstat(fd, &gs) != 0 ? -errno : judge(st, GATE_FILE, &gs, false)) != 0) {
		close(fd);
		return rc;
	}
	while ((rc = flock(fd, LOCK_SH | LOCK_NB)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		close(fd);
		return -EAGAIN;
	}
	st->gate_fd = fd;
	return 0;
}

/* LMDB opens data.mdb (and, in some versions, lock.mdb) without
 * close-on-exec and has no flag for it: set it on both after mdb_env_open.
 * The lock file's descriptor is not exposed; it is found by its inode (a
 * MDB_NOLOCK reader, the module's usual path, has none). */
static int set_cloexec(const struct bg_store *st, int storefd, bool lockfile)
{
	struct stat lk, fst;
	struct dirent *de;
	DIR *d;
	int fd;

	if (mdb_env_get_fd(st->env, &fd) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		bg_log(st->log, LOG_ERR, "store %s: cannot set close-on-exec on data.mdb", st->dir);
		return -EIO;
	}
	if (!lockfile || fstatat(storefd, "lock.mdb", &lk, AT_SYMLINK_NOFOLLOW) != 0)
		return 0; /* MDB_NOLOCK or no lock file: nothing to find */
	if (!(d = opendir("/proc/self/fd")))
		return 0; /* no /proc: LMDB 0.9.24 and later set it on lock.mdb themselves */
	while ((de = readdir(d)) != NULL) {
		char *end;
		long n = strtol(de->d_name, &end, 10);

		if (*end || n < 0 || n == storefd || n == (long)dirfd(d))
			continue;
		if (fstat((int)n, &fst) == 0 && fst.st_dev == lk.st_dev &&
		    fst.st_ino == lk.st_ino &&
		    fcntl((int)n, F_SETFD, fcntl((int)n, F_GETFD) | FD_CLOEXEC) != 0) {
			closedir(d);
			bg_log(st->log, LOG_ERR, "store %s: cannot set close-on-exec on lock.mdb",
			       st->dir);
			return -EIO;
		}
	}
	closedir(d);
	return 0;
}

/* After a failed init, remove what this call made: no half-made store stays. */
static void undo_create(int dirfd, const char *dir, bool made_files, bool made_dir)
{
	if (made_files) {
		unlinkat(dirfd, "data.mdb", 0);
		unlinkat(dirfd, "lock.mdb", 0);
		unlinkat(dirfd, GATE_FILE, 0);
	}
	if (made_dir)
		rmdir(dir);
}

/* LMDB's environment on the checked store: where is the directory (or its
 * pinned /proc name), before the data file's stat from the checks (fresh: none
 * yet, init makes it).  On failure st->env may be set: the caller closes it. */
static int env_open(struct bg_store *st, const char *where, unsigned envflags, size_t map_size,
		    bool fresh, bool nolock, int dirfd, const struct stat *before)
{
	unsigned flags = st->flags;
	struct stat after;
	const char *why = NULL;
	int rc, fd;

	if ((rc = mdb_env_create(&st->env)) != 0) {
		st->env = NULL;
		return mdb_fail(st, "create environment", rc);
	}
	mdb_env_set_userctx(st->env, st);
	mdb_env_set_assert(st->env, lmdb_stopped);
	mdb_env_set_maxdbs(st->env, 8);
	if (fresh || ((flags & BG_STORE_GROW) && map_size))
		mdb_env_set_mapsize(st->env, map_size ? map_size : BG_STORE_DEFAULT_MAP);
	/* Map only the committed pages (LMDB raises a smaller size to them): a
	 * lock-free read that came to LMDB maps them for one check. */
	if (nolock)
		mdb_env_set_mapsize(st->env, 1);
	if (flags & BG_STORE_RDONLY)
		envflags |= MDB_RDONLY | (nolock ? MDB_NOLOCK : 0);
	else if (flags & BG_STORE_GROW)
		st->flags |= BG_STORE_WRITEMAP;
	/* MDB_NORDAHEAD is madvise(MADV_RANDOM) over the whole map: ~1.5 us for a
	 * map that lives one check, and it changes no fault here (the kernel's
	 * fault-around maps 16 cached pages a fault either way, measured).  What
	 * it saves, read-around on a cold page cache, costs a check of a few pages
	 * little and warms what the next one reads: the module's lock-free read
	 * goes without it. */
	if (nolock)
		envflags &= ~(unsigned)MDB_NORDAHEAD;
	if (st->flags & BG_STORE_WRITEMAP)
		envflags |= MDB_WRITEMAP;
	if ((rc = mdb_env_open(st->env, where, envflags, 0600)) != 0)
		return mdb_fail(st, "open", rc);
	/* Nothing of the store may leak into a program sshd or sudo runs next. */
	if ((rc = set_cloexec(st, dirfd, !nolock)) != 0)
		return rc;
	/* The data file LMDB opened must be the one we checked: no swap in between. */
	if (mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &after) != 0 ||
	    (!fresh && (after.st_dev != before->st_dev || after.st_ino != before->st_ino)) ||
	    bg_check_trusted(&after, &why) != 0) {
		bg_log(st->log, LOG_ERR,
		       "store %s: data.mdb changed while being opened; refusing it", st->dir);
		return -EPERM;
	}
	{
		MDB_envinfo info;
		MDB_stat ms;

		/* A data file shorter than its committed pages (truncated, copied short)
		 * would be read past its end through the map: SIGBUS in sshd or sudo. */
		if (mdb_env_info(st->env, &info) == 0 && mdb_env_stat(st->env, &ms) == 0 &&
		    (uint64_t)after.st_size < (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize) {
			bg_log(st->log, LOG_ERR,
			       "store %s: data.mdb holds %lld bytes, its data needs %llu: "
			       "truncated; refusing it",
			       st->dir, (long long)after.st_size,
			       (unsigned long long)(info.me_last_pgno + 1) * ms.ms_psize);
			return -EBADMSG;
		}
	}
	if (!nolock) {
		int dead = 0;
		/* Readers killed while holding a slot would otherwise pin old pages. */
		mdb_reader_check(st->env, &dead);
		if (dead)
			bg_log(st->log, LOG_NOTICE, "store %s: cleared %d stale reader slot(s)",
			       st->dir, dead);
	}
	if ((rc = back_map(st)) != 0)
		return rc;
	return open_dbis(st, flags & BG_STORE_CREATE);
}

/* The pread reader's result, with the line when it found a page damaged
 * (mdbread.h: a page LMDB itself would read on, and may crash on). */
static int mr_rc(const struct bg_store *st, int rc)
{
	if (rc == -EBADMSG)
		bg_log(st->log, LOG_ERR,
		       "store %s: damaged: a page read for the check is not one LMDB writes; left "
		       "as it was",
		       st->dir);
	return rc;
}

static int mr_get(const struct bg_store *st, const struct bg_mr_db *db, const void *key,
		  size_t klen, const void **val, size_t *len)
{
	return mr_rc(st, bg_mr_get(st->mr, db, key, klen, val, len));
}

/* The reader's view of the store: the four tables with the flags they were
 * made with, the schema version and the site key's id, as open_dbis checks
 * them.  Anything else (even a wrong key) is BG_MR_FALLBACK: LMDB's open then
 * says what is wrong, in its words. */
static int mr_tables(struct bg_store *st)
{
	const void *v;
	size_t n;
	uint32_t version;
	int rc;

	if ((rc = mr_rc(st, bg_mr_table(st->mr, "meta", 0, &st->mr_meta))) != 0 ||
	    (rc = mr_rc(st, bg_mr_table(st->mr, "advisories", 0, &st->mr_adv))) != 0 ||
	    (rc = mr_rc(st, bg_mr_table(st->mr, "exposures", MDB_DUPSORT | MDB_DUPFIXED,
					&st->mr_exp))) != 0 ||
	    (rc = mr_rc(st, bg_mr_table(st->mr, "rotations", 0, &st->mr_rot))) != 0)
		return rc;
	if ((rc = mr_get(st, &st->mr_meta, "schema", 6, &v, &n)) != 0)
		return rc < 0 && rc != -ENOENT ? rc : BG_MR_FALLBACK;
	if (bg_rec_decode(&bg_rec_meta_u32, v, n, &version) != 0 || version != BG_SCHEMA_VERSION)
		return BG_MR_FALLBACK;
	if ((rc = mr_get(st, &st->mr_meta, "key_id", 6, &v, &n)) != 0)
		return rc < 0 && rc != -ENOENT ? rc : BG_MR_FALLBACK;
	if (n != BG_KEY_ID_LEN || memcmp(v, st->kid, n) != 0)
		return BG_MR_FALLBACK;
	if ((rc = mr_get(st, &st->mr_meta, NORM_KEY, sizeof(NORM_KEY) - 1, &v, &n)) == 0)
		keep_norm(st, v, n);
	return rc == -ENOENT ? 0 : rc;
}

/* The module's lock-free read (the gate held shared): data.mdb opened through
 * the pinned directory, checked to be the file checked before (as env_open
 * checks LMDB's), and read by pread.  0: the reader answers; BG_MR_FALLBACK:
 * open LMDB instead; or a negative errno. */
static int mr_open(struct bg_store *st, int dirfd, const struct stat *before)
{
	const char *why = NULL;
	int fd, rc;

	fd = openat(dirfd, "data.mdb", O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return BG_MR_FALLBACK;
	if (fstat(fd, &st->data) != 0 || st->data.st_dev != before->st_dev ||
	    st->data.st_ino != before->st_ino || bg_check_trusted(&st->data, &why) != 0) {
		close(fd);
		bg_log(st->log, LOG_ERR,
		       "store %s: data.mdb changed while being opened; refusing it", st->dir);
		return -EPERM;
	}
	if ((rc = mr_rc(st, bg_mr_open_sized(&st->mr, fd, (uint64_t)st->data.st_size))) == 0 &&
	    (rc = mr_tables(st)) == 0) {
		st->data_fd = fd;
		return 0;
	}
	bg_mr_close(st->mr);
	st->mr = NULL;
	close(fd);
	return rc;
}

/* The reader stepped aside (a shape it does not read, a cap): LMDB's
 * environment on the same snapshot (the gate is still held shared), opened
 * as the lock-free read always opened it, and t's transaction in it. */
static int lmdb_now(struct bg_txn *t)
{
	struct bg_store *st = t->st;
	int rc;

	if (t->txn)
		return 0;
	if (!st->env && (rc = env_open(st, st->dir, MDB_NOTLS | MDB_RDONLY | MDB_NOLOCK, 0, false,
				       true, -1, &st->data)) != 0) {
		if (st->env)
			mdb_env_close(st->env);
		st->env = NULL;
		return rc;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t->txn)) != 0) {
		t->txn = NULL;
		return mdb_fail(st, "begin transaction", rc);
	}
	return 0;
}

int bg_store_open(struct bg_store **out, const char *dir, const unsigned char key[BG_KEY_LEN],
		  unsigned flags, size_t map_size, const struct bg_logger *log)
{
	return bg_store_open_trap(out, dir, key, flags, map_size, log, NULL);
}

int bg_store_open_trap(struct bg_store **out, const char *dir, const unsigned char key[BG_KEY_LEN],
		       unsigned flags, size_t map_size, const struct bg_logger *log,
		       sigjmp_buf *const *trap)
{
	char envpath[64];
	const char *where = dir;
	struct bg_store *st;
	struct stat dir_st, pinned, before;
	const char *why = NULL;
	bool fresh = false, made_dir = false, nolock = false, pinned_first;
	int rc, dirfd = -1;
	unsigned envflags = MDB_NOTLS | MDB_NORDAHEAD;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->gate_fd = -1;
	st->data_fd = -1;
	st->pin_fd = -1;
	st->log = log;
	st->flags = flags;
	st->trap = trap;
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir)) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if ((rc = bg_key_id(key, st->kid, log)) != 0)
		goto fail;
	/* The usual case (not init): pin the directory first and check what was
	 * pinned (check_at's checks on its fstat: one lstat fewer).  When it cannot
	 * be opened so (missing, a symlink, not a directory), or for init, which may
	 * have to make it, check_at first, then pin and compare. */
	pinned_first = !(flags & BG_STORE_CREATE) &&
		       (dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0;
	if (pinned_first) {
		if (fstat(dirfd, &dir_st) != 0) {
			rc = -errno;
			bg_log(log, LOG_ERR, "store %s: %s", dir, strerror(errno));
		} else {
			rc = judge(st, dir, &dir_st, true);
		}
	} else {
		rc = check_at(st, AT_FDCWD, dir, true, flags & BG_STORE_CREATE, &dir_st);
	}
	/* Only init creates: anywhere else a missing store is an error, never a new one. */
	if (rc == -ENOENT && (flags & BG_STORE_CREATE)) {
		if (mkdir(dir, 0700) != 0) {
			rc = -errno;
			bg_log(log, LOG_ERR, "store %s: cannot create: %s", dir, strerror(errno));
			goto fail;
		}
		made_dir = true;
		rc = check_at(st, AT_FDCWD, dir, true, false, &dir_st);
	}
	if (rc)
		goto fail;
	if ((rc = bg_parents_ok("store ", dir, log)) != 0)
		goto fail;
	/* Pin the directory we checked: everything below is opened through it, so
	 * a directory swapped in after the check is never used. */
	if (!pinned_first &&
	    ((dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	     fstat(dirfd, &pinned) != 0 || pinned.st_dev != dir_st.st_dev ||
	     pinned.st_ino != dir_st.st_ino)) {
		bg_log(log, LOG_ERR, "store %s: changed while being opened; refusing it", dir);
		rc = -EPERM;
		goto fail;
	}
	rc = check_at(st, dirfd, "data.mdb", false, flags & BG_STORE_CREATE, &before);
	if (rc == -ENOENT && (flags & BG_STORE_CREATE))
		fresh = true;
	else if (rc)
		goto fail;
	if (fresh && (rc = prealloc_lock(st, dirfd)) != 0)
		goto fail;
	/* Checked even by a lock-free read, which never opens it: a lock file not
	 * root's, or a symlink, is tampering with the store (tests/reliability). */
	if ((rc = check_at(st, dirfd, "lock.mdb", false, true, NULL)) != 0 && rc != -ENOENT)
		goto fail;
	if ((flags & BG_STORE_RDONLY) && (flags & BG_STORE_NOLOCK)) {
		/* The gate's checks are made on its descriptor (gate_shared). */
		rc = gate_shared(st, dirfd);
		if (rc != 0 && rc != -EAGAIN)
			goto fail;
		nolock = rc == 0;
		if (!nolock && (rc = check_at(st, dirfd, GATE_FILE, false, true, NULL)) != 0 &&
		    rc != -ENOENT)
			goto fail;
	} else if ((rc = check_at(st, dirfd, GATE_FILE, false, true, NULL)) != 0 && rc != -ENOENT) {
		goto fail;
	}
	if (!(flags & BG_STORE_RDONLY)) {
		struct stat gs;

		st->gate_fd =
		    openat(dirfd, GATE_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (st->gate_fd < 0 || fstat(st->gate_fd, &gs) != 0 ||
		    bg_check_trusted(&gs, &why) != 0 || !S_ISREG(gs.st_mode)) {
			rc = st->gate_fd < 0 ? -errno : -EPERM;
			bg_log(log, LOG_ERR, "store %s: " GATE_FILE ": %s", dir,
			       st->gate_fd < 0 ? strerror(errno) : "not a trusted regular file");
			goto fail;
		}
		/* init writes data.mdb (its meta pages, the tables) as a writer does. */
		if ((flags & BG_STORE_CREATE) &&
		    (rc = bg_gate_lock_ex(st->gate_fd, dir, false, log)) != 0) {
			if (rc != -EBUSY)
				bg_log(log, LOG_ERR, "store %s: " GATE_FILE ": %s", dir,
				       strerror(-rc));
			goto fail;
		}
	}
	/* LMDB opens its files by name: through the pinned directory
	 * (/proc/self/fd/N), so that a directory swapped in after the checks is never
	 * used.  A lock-free reader opens data.mdb only, and that file's identity is
	 * checked against the pinned directory's after the open (below): it needs no
	 * pinned name, and saves the access() and the longer lookup through /proc. */
	snprintf(envpath, sizeof(envpath), "/proc/self/fd/%d", dirfd);
	if (!nolock && access(envpath, X_OK) == 0)
		where = envpath; /* else no /proc: the path, checked just above */

	/* A lock-free read is answered by pread (mdbread.h) when the reader can;
	 * LMDB is opened then only if it steps aside (lmdb_now). */
	if (nolock && (rc = mr_open(st, dirfd, &before)) <= 0) {
		if (rc != 0)
			goto fail;
	} else {
		/* LMDB reads pages from here: a jump to the trap finds the store in
		 * *out, its directory in pin_fd, and abandons both. */
		if (trap) {
			st->pin_fd = dirfd;
			*out = st;
		}
		rc = env_open(st, where, envflags, map_size, fresh, nolock, dirfd, &before);
		st->pin_fd = -1;
		*out = NULL;
		if (rc != 0)
			goto fail;
	}
	if ((rc = bg_hmac_new(&st->hmac, key, log)) != 0)
		goto fail;
	if (flags & BG_STORE_CREATE)
		flock(st->gate_fd, LOCK_UN);
	close(dirfd);
	*out = st;
	return 0;
fail:
	bg_store_close(st);
	if ((flags & BG_STORE_CREATE) && (fresh || made_dir))
		undo_create(dirfd >= 0 ? dirfd : AT_FDCWD, dir, fresh, made_dir);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

void bg_store_abandon(struct bg_store *st)
{
	if (!st)
		return;
	if (st->raw)
		mdb_txn_abort(st->raw);
	st->raw = NULL;
	if (st->live)
		bg_txn_abort(st->live);
	bg_store_close(st);
}

void bg_store_close(struct bg_store *st)
{
	if (!st)
		return;
	if (st->env)
		mdb_env_close(st->env);
	bg_mr_close(st->mr);
	if (st->data_fd >= 0)
		close(st->data_fd);
	bg_hmac_free(st->hmac);
	if (st->gate_fd >= 0)
		close(st->gate_fd);
	if (st->pin_fd >= 0)
		close(st->pin_fd);
	free(st);
}

static uint64_t meta_u64(struct bg_txn *t, const char *name)
{
	MDB_val k = {strlen(name), (void *)name}, v;
	uint64_t n;

	if (mdb_get(t->txn, t->st->meta, &k, &v) != 0 ||
	    bg_rec_decode(&bg_rec_meta_u64, v.mv_data, v.mv_size, &n) != 0)
		return 0;
	return n;
}

/* mdb_reader_list prints a header, then one line per slot in use. */
static int count_reader(const char *msg, void *ctx)
{
	unsigned *n = ctx;

	if (!strstr(msg, "pid") && !strstr(msg, "no active readers"))
		(*n)++;
	return 0;
}

int bg_store_stats(struct bg_store *st, struct bg_store_stats *s)
{
	struct bg_txn *t;
	MDB_stat ms;
	MDB_envinfo info;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = bg_txn_begin(st, false, &t)) != 0)
		return rc;
	if ((rc = lmdb_now(t)) != 0) {
		bg_txn_abort(t);
		return rc;
	}
	if (mdb_stat(t->txn, st->exp, &ms) == 0)
		s->exposures = ms.ms_entries;
	if (mdb_stat(t->txn, st->adv, &ms) == 0)
		s->advisories = ms.ms_entries;
	if (mdb_stat(t->txn, st->rot, &ms) == 0)
		s->rotations = ms.ms_entries;
	s->identities = meta_u64(t, "identities");
	mdb_env_stat(st->env, &ms);
	mdb_env_info(st->env, &info);
	s->map_size = info.me_mapsize;
	s->used_bytes = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	s->max_readers = info.me_maxreaders;
	/* me_numreaders is a high-water mark: count the slots that hold a pid. */
	s->readers_used = 0;
	mdb_reader_list(st->env, count_reader, &s->readers_used);
	bg_txn_abort(t);
	return 0;
}

unsigned bg_store_preads(const struct bg_store *st)
{
	return bg_mr_pages_read(st->mr);
}

int bg_store_reserve(struct bg_store *st, uint64_t bytes)
{
	MDB_envinfo info;
	MDB_stat ms;
	uint64_t used, want;
	int rc;

	if (!(st->flags & BG_STORE_GROW))
		return -EPERM;
	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &ms);
	used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	if (info.me_mapsize >= used + bytes)
		return 0;
	want = info.me_mapsize * 2;
	if (want < used + bytes)
		want = used + bytes;
	want = (want + (1u << 16) - 1) & ~(uint64_t)((1u << 16) - 1);
	if ((rc = mdb_env_set_mapsize(st->env, (size_t)want)) != 0)
		return mdb_fail(st, "grow map", rc);
	if ((rc = back_map(st)) != 0) {
		/* No room: back to the size that fits, so the store stays as it was. */
		mdb_env_set_mapsize(st->env, info.me_mapsize);
		return rc;
	}
	bg_log(st->log, LOG_DEBUG, "store %s: map grown to %llu bytes", st->dir,
	       (unsigned long long)want);
	return 0;
}

int bg_store_write(struct bg_store *st, uint64_t estimate, int (*fn)(struct bg_txn *t, void *arg),
		   void *arg)
{
	uint64_t want = estimate;
	int rc = -E2BIG;

	for (int attempt = 0; attempt < 16; attempt++) {
		struct bg_store_stats ss;
		struct bg_txn *t = NULL;

		if ((st->flags & BG_STORE_GROW) && (rc = bg_store_reserve(st, want)) != 0)
			return rc;
		if ((rc = bg_txn_begin(st, true, &t)) != 0)
			return rc;
		rc = fn(t, arg);
		if (rc != 0 && rc != bg_txn_error(t)) {
			bg_txn_abort(t); /* the work's own failure (not found, ...) */
			return rc;
		}
		rc = bg_txn_commit(t);
		if (rc != -E2BIG || !(st->flags & BG_STORE_GROW))
			break;
		/* The map was full: ask for more than was free, and do it all again. */
		if (bg_store_stats(st, &ss) != 0)
			break;
		want = want * 2 > (ss.map_size - ss.used_bytes) * 2
			   ? want * 2
			   : (ss.map_size - ss.used_bytes) * 2;
		want += 1u << 20;
		bg_log(st->log, LOG_DEBUG, "store %s: map full, retrying with %llu bytes free",
		       st->dir, (unsigned long long)want);
	}
	if (rc == -E2BIG)
		bg_log(st->log, LOG_ERR, "store %s: the map is full%s", st->dir,
		       (st->flags & BG_STORE_GROW)
			   ? " and cannot grow further"
			   : " (breachguard grows it; the module never does)");
	return rc;
}

int bg_txn_begin(struct bg_store *st, bool write, struct bg_txn **out)
{
	struct bg_txn *t;
	int rc;

	*out = NULL;
	if (write && (st->flags & BG_STORE_RDONLY))
		return -EROFS;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->st = st;
	t->write = write;
	if (write && (rc = bg_gate_lock_ex(st->gate_fd, st->dir, (st->flags & BG_STORE_NOWAIT) != 0,
					   st->log)) != 0) {
		free(t);
		return rc;
	}
	if (st->mr && !st->env) { /* the pread reader: a snapshot while the gate is held */
		st->live = t;
		*out = t;
		return 0;
	}
	rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size and try again. */
		mdb_env_set_mapsize(st->env, 0);
		rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	}
	if (rc != 0) {
		rc = mdb_fail(st, "begin transaction", rc);
		if (write)
			flock(st->gate_fd, LOCK_UN);
		free(t);
		return rc;
	}
	st->live = t;
	*out = t;
	return 0;
}

/* From here on this write transaction changes pages: LMDB cannot be left in
 * the middle of that, so a damaged page no longer jumps to the trap. */
static void changing(struct bg_txn *t)
{
	t->st->changing = true;
}

/* Under a trap (the module), before a change of key in dbi: the pages LMDB's
 * write will walk and copy, checked by the pread reader on the committed
 * file, which is what the write starts from (the gate is held exclusively):
 * the tables' records in the main table (the commit rewrites them), the
 * meta counters and digest, the free list, and key's path.  LMDB trusts
 * every node of a page it copies or splits; a damaged one is a wild memcpy
 * in sshd's process, past any trap.  A page the reader cannot vouch for
 * stops the write before it changes anything: the sticky -EBADMSG, the store
 * left as it was.  0 where there is no trap, or no reader for this file's
 * layout (another word size or byte order). */
static int sound_before_change(struct bg_txn *t, MDB_dbi dbi, const MDB_val *k)
{
	static const char *const names[] = {"meta", "advisories", "exposures", "rotations"};
	static const char *const counters[] = {"digest", "identities"};
	struct bg_store *st = t->st;
	struct bg_mr_db meta, db;
	const char *what = NULL;
	int rc = 0, fd;

	if (t->err || !st->trap || !*st->trap || !st->env || !t->write)
		return t->err;
	if (!t->probed) {
		t->probed = true;
		if (mdb_env_get_fd(st->env, &fd) != 0 || (rc = bg_mr_open(&t->probe, fd)) != 0) {
			t->probe = NULL; /* a layout the reader does not read: LMDB alone */
			if (rc == -EBADMSG || rc == -ENOMEM)
				what = rc == -ENOMEM ? "" : "its meta pages";
		}
	}
	if (!t->probe && !what)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !what; i++)
		if ((rc = bg_mr_sound_path(t->probe, bg_mr_main(t->probe), names[i],
					   strlen(names[i]), true)) != 0)
			what = rc == -ENOMEM ? "" : "the main table";
	if (!what && bg_mr_table(t->probe, "meta", 0, &meta) != 0)
		what = "the meta table";
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]) && !what; i++)
		if ((rc = bg_mr_sound_path(t->probe, &meta, counters[i], strlen(counters[i]),
					   false)) != 0)
			what = rc == -ENOMEM ? "" : "the meta table";
	if (!what && (rc = bg_mr_sound_free_list(t->probe)) != 0)
		what = rc == -ENOMEM ? "" : "LMDB's free list";
	if (!what && dbi != st->meta) {
		const char *name = dbi == st->rot   ? "rotations"
				   : dbi == st->adv ? "advisories"
						    : NULL;

		/* Exposures (duplicates) are the import's, never the module's. */
		if (!name || bg_mr_table(t->probe, name, 0, &db) != 0 ||
		    (rc = bg_mr_sound_path(t->probe, &db, k->mv_data, k->mv_size, false)) != 0)
			what = rc == -ENOMEM ? "" : name ? name : "a table it does not write";
	} else if (!what &&
		   (rc = bg_mr_sound_path(t->probe, &meta, k->mv_data, k->mv_size, false)) != 0) {
		what = rc == -ENOMEM ? "" : "the meta table";
	}
	if (!what)
		return 0;
	if (!*what)
		return t->err = -ENOMEM;
	bg_log(st->log, LOG_ERR,
	       "store %s: damaged: a page of %s that this write would change cannot be read "
	       "soundly; nothing written",
	       st->dir, what);
	return t->err = -EBADMSG;
}

static void txn_end(struct bg_txn *t)
{
	bg_mr_close(t->probe);
	if (t->st->live == t)
		t->st->live = NULL;
	if (t->write) {
		t->st->changing = false;
		flock(t->st->gate_fd, LOCK_UN);
	}
	free(t);
}

void bg_txn_abort(struct bg_txn *t)
{
	if (!t)
		return;
	if (t->txn)
		mdb_txn_abort(t->txn); /* closes its cursors */
	txn_end(t);
}

int bg_txn_error(const struct bg_txn *t)
{
	return t->err;
}

static int sticky(struct bg_txn *t, const char *what, int mdb_rc)
{
	if (mdb_rc != 0 && t->err == 0)
		t->err = mdb_fail(t->st, what, mdb_rc);
	return t->err;
}

static void meta_add(struct bg_txn *t, const char *name, int64_t delta)
{
	unsigned char buf[8];
	MDB_val k = {strlen(name), (void *)name}, v = {0, buf};
	uint64_t n = (uint64_t)((int64_t)meta_u64(t, name) + delta);

	(void)bg_rec_encode(&bg_rec_meta_u64, &n, buf, sizeof(buf), &v.mv_size);
	if (sound_before_change(t, t->st->meta, &k) != 0)
		return;
	changing(t);
	sticky(t, "update counters", mdb_put(t->txn, t->st->meta, &k, &v, 0));
}

int bg_store_norm_pin(struct bg_txn *t, const struct bg_norm_opts *o)
{
	unsigned char buf[BG_NORM_ENC_MAX];
	MDB_val k = {sizeof(NORM_KEY) - 1, (void *)NORM_KEY}, v = {bg_norm_encode(o, buf), buf},
		cur;
	struct bg_store *st = t->st;
	int rc;

	if (!t->write)
		return -EROFS;
	/* Asked of this transaction, not of what the open read: a write run
	 * again after a full map must write again what the aborted one did. */
	rc = mdb_get(t->txn, st->meta, &k, &cur);
	if (rc == 0)
		return cur.mv_size == v.mv_size && memcmp(cur.mv_data, buf, v.mv_size) == 0
			   ? 0
			   : -ESTALE; /* others, or damaged: bg_ctx_norm_check says which */
	if (rc != MDB_NOTFOUND)
		return sticky(t, "read norm", rc);
	if (sound_before_change(t, st->meta, &k) != 0)
		return t->err;
	changing(t);
	sticky(t, "write norm", mdb_put(t->txn, st->meta, &k, &v, 0));
	return t->err;
}

/* The store's digest: XOR of bg_recsum over every record of advisories (tag
 * 'a'), exposures ('e', one per digest/id pair), rotations ('r') and forget's
 * records in meta ('f': a replay refused only while its record is there).
 * Every put and delete of those records goes through the functions below,
 * which XOR the record in or out: any writer (import, forget, flag, reset, the
 * module, bundles) keeps it current without knowing about it.  A store
 * without forget records has the digest it had before they were in it.
 * The forget records' part is kept apart too (meta "digest_forgot", written
 * once there have been some), so that verify can say which records changed. */
static void sum_rec(struct bg_txn *t, char tag, const MDB_val *k, const MDB_val *v)
{
	unsigned char d[BG_RECSUM_LEN];

	if (bg_recsum(t->st->hmac, tag, k->mv_data, k->mv_size, v->mv_data, v->mv_size, d) != 0)
		sticky(t, "record digest", MDB_PANIC);
	for (int i = 0; i < BG_RECSUM_LEN; i++)
		t->sum_delta[i] ^= d[i];
	t->sum_dirty = true;
	if (tag == 'f') {
		for (int i = 0; i < BG_RECSUM_LEN; i++)
			t->fsum_delta[i] ^= d[i];
		t->fsum_dirty = true;
	}
}

/* XORs out the record at k in dbi, if there is one (before a put or delete). */
static int sum_out(struct bg_txn *t, MDB_dbi dbi, char tag, MDB_val *k)
{
	MDB_val old;
	int rc = mdb_get(t->txn, dbi, k, &old);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return sticky(t, "read record", rc);
	sum_rec(t, tag, k, &old);
	return 0;
}

/* Every put and delete of a record goes through these two, so that the
 * store's digest follows: the old record's digest out, the new one's in.
 * rec_put: 0 or the sticky error.  rec_del: 0, -ENOENT when there was no
 * record (not an error of the transaction), or the sticky error. */
static int rec_put(struct bg_txn *t, MDB_dbi dbi, char tag, MDB_val *k, void *val, size_t len,
		   const char *what)
{
	MDB_val v = {len, val};

	if (sum_out(t, dbi, tag, k) != 0 || sound_before_change(t, dbi, k) != 0)
		return t->err;
	changing(t);
	if (sticky(t, what, mdb_put(t->txn, dbi, k, &v, 0)))
		return t->err;
	v.mv_data = val; /* LMDB may have pointed v at its own copy */
	v.mv_size = len;
	sum_rec(t, tag, k, &v);
	return 0;
}

static int rec_del(struct bg_txn *t, MDB_dbi dbi, char tag, MDB_val *k, const char *what)
{
	int rc;

	if (sum_out(t, dbi, tag, k) != 0 || sound_before_change(t, dbi, k) != 0)
		return t->err;
	changing(t);
	rc = mdb_del(t->txn, dbi, k, NULL);
	return rc == MDB_NOTFOUND ? -ENOENT : sticky(t, what, rc);
}

/* The address range of data.mdb's map, from /proc/self/maps: a damaged page
 * can make LMDB hand out a record pointer outside it, which the walk must
 * not follow (a crash, not a report).  0 and lo = hi = 0 when unknown. */
static void map_range(const struct bg_store *st, uintptr_t *lo, uintptr_t *hi)
{
	struct stat fs;
	char line[1024];
	FILE *f;
	int fd;

	*lo = *hi = 0;
	if (mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &fs) != 0 ||
	    !(f = fopen("/proc/self/maps", "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b, ino;
		char *p = line, *end;

		a = strtoull(p, &end, 16);
		if (*end != '-')
			continue;
		b = strtoull(end + 1, &end, 16);
		/* perms offset dev inode */
		for (int field = 0; field < 3 && end; field++)
			end = strchr(end + 1, ' ');
		if (!end)
			continue;
		ino = strtoull(end + 1, NULL, 10);
		if (ino == (unsigned long long)fs.st_ino) {
			if (*lo == 0 || a < *lo)
				*lo = (uintptr_t)a;
			if (b > *hi)
				*hi = (uintptr_t)b;
		}
	}
	fclose(f);
}

static bool in_map(uintptr_t lo, uintptr_t hi, const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return lo == hi || (a >= lo && a <= hi && n <= hi - a);
}

static bool is_forgot_key(const MDB_val *k)
{
	return k->mv_size >= sizeof(FORGOT_PREFIX) - 1 &&
	       memcmp(k->mv_data, FORGOT_PREFIX, sizeof(FORGOT_PREFIX) - 1) == 0;
}

int bg_store_digest_walk(
    struct bg_txn *t, unsigned char out[BG_RECSUM_LEN], unsigned char forgot[BG_RECSUM_LEN],
    int (*rec)(void *arg, char tag, const void *k, size_t kl, const void *v, size_t vl), void *arg)
{
	/* The tables, then forget's records: the meta keys that start with
	 * FORGOT_PREFIX (meta's others: the schema, key id, settings, counters and
	 * the digests themselves). */
	static const char tags[4] = {'a', 'e', 'r', 'f'};
	MDB_dbi dbis[4];
	uintptr_t lo, hi;
	int rc = 0;

	memset(out, 0, BG_RECSUM_LEN);
	if (forgot)
		memset(forgot, 0, BG_RECSUM_LEN);
	if ((rc = lmdb_now(t)) != 0)
		return rc;
	dbis[0] = t->st->adv;
	dbis[1] = t->st->exp;
	dbis[2] = t->st->rot;
	dbis[3] = t->st->meta;
	map_range(t->st, &lo, &hi);
	for (int i = 0; i < 4 && rc == 0; i++) {
		MDB_cursor *c;
		MDB_val k = {sizeof(FORGOT_PREFIX) - 1, (void *)FORGOT_PREFIX}, v, pk = {0, NULL},
			pv = {0, NULL};

		if ((rc = mdb_cursor_open(t->txn, dbis[i], &c)) != 0)
			return mdb_fail(t->st, "cursor", rc);
		for (rc = mdb_cursor_get(c, &k, &v, tags[i] == 'f' ? MDB_SET_RANGE : MDB_FIRST);
		     rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			unsigned char d[BG_RECSUM_LEN];
			const char *bad = NULL;

			/* A write transaction's own new pages are heap (no WRITEMAP): only
			 * a read transaction's records must all lie in the map. */
			if (!t->write && (!in_map(lo, hi, k.mv_data, k.mv_size) ||
					  !in_map(lo, hi, v.mv_data, v.mv_size))) {
				mdb_cursor_close(c);
				bg_log(t->st->log, LOG_ERR,
				       "store %s: a record lies outside the store's map (a damaged "
				       "page)",
				       t->st->dir);
				return -EFAULT;
			}
			if (tags[i] == 'f' && !is_forgot_key(&k))
				break; /* past forget's records */
			/* verify (rec set): the walk follows leaf pages, a login searches
			 * from the root through branch pages.  Every record must be in
			 * order and be found by a search too, or a damaged branch page
			 * hides it from logins while the walk still sees it. */
			if (rec) {
				MDB_cursor *s = NULL;
				MDB_val sk = k, sv = v;
				int c1 = pk.mv_data ? mdb_cmp(t->txn, dbis[i], &pk, &k) : -1;

				if (c1 > 0 || (c1 == 0 &&
					       (i != 1 || mdb_dcmp(t->txn, dbis[i], &pv, &v) >= 0)))
					bad = "records out of order";
				else if (mdb_cursor_open(t->txn, dbis[i], &s) != 0 ||
					 mdb_cursor_get(s, &sk, &sv,
							i == 1 ? MDB_GET_BOTH : MDB_SET_KEY) != 0 ||
					 sv.mv_size != v.mv_size ||
					 memcmp(sv.mv_data, v.mv_data, v.mv_size) != 0)
					bad = "a record the walk finds is not found by a search";
				if (s)
					mdb_cursor_close(s);
				pk = k;
				pv = v;
			}
			if (bad) {
				mdb_cursor_close(c);
				bg_log(t->st->log, LOG_ERR, "store %s: %s (a damaged page)",
				       t->st->dir, bad);
				return -EBADMSG;
			}
			if (bg_recsum(t->st->hmac, tags[i], k.mv_data, k.mv_size, v.mv_data,
				      v.mv_size, d) != 0) {
				mdb_cursor_close(c);
				return -EIO;
			}
			for (int j = 0; j < BG_RECSUM_LEN; j++)
				out[j] ^= d[j];
			for (int j = 0; forgot && tags[i] == 'f' && j < BG_RECSUM_LEN; j++)
				forgot[j] ^= d[j];
			if (rec && (rc = rec(arg, tags[i], k.mv_data, k.mv_size, v.mv_data,
					     v.mv_size)) != 0) {
				mdb_cursor_close(c);
				return rc;
			}
		}
		mdb_cursor_close(c);
		rc = rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_fail(t->st, "walk", rc);
	}
	return rc;
}

/* A digest in meta (key "digest" or FORGOT_SUM_KEY): 0, -ENOENT, -EBADMSG. */
static int meta_digest_get(struct bg_txn *t, const char *key, unsigned char out[BG_RECSUM_LEN])
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = lmdb_now(t);

	if (rc != 0)
		return rc;
	if ((rc = mdb_get(t->txn, t->st->meta, &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? -ENOENT : mdb_fail(t->st, "read digest", rc);
	return bg_rec_decode(&bg_rec_meta_digest, v.mv_data, v.mv_size, out);
}

static void meta_digest_put(struct bg_txn *t, const char *key, const unsigned char d[BG_RECSUM_LEN])
{
	unsigned char buf[BG_RECSUM_LEN];
	MDB_val k = {strlen(key), (void *)key}, v = {0, buf};

	(void)bg_rec_encode(&bg_rec_meta_digest, d, buf, sizeof(buf), &v.mv_size);
	if (sound_before_change(t, t->st->meta, &k) != 0)
		return;
	changing(t);
	sticky(t, "write digest", mdb_put(t->txn, t->st->meta, &k, &v, 0));
}

int bg_store_digest_get(struct bg_txn *t, unsigned char out[BG_RECSUM_LEN])
{
	return meta_digest_get(t, "digest", out);
}

int bg_store_forgot_digest_get(struct bg_txn *t, unsigned char out[BG_RECSUM_LEN])
{
	return meta_digest_get(t, FORGOT_SUM_KEY, out);
}

/* At commit: meta FORGOT_SUM_KEY ^= the forget records' delta (or, whole,
 * their digest just walked).  A store that never had a forget record has no
 * such key, as before they were digested. */
static void fsum_commit(struct bg_txn *t, const unsigned char *whole)
{
	unsigned char cur[BG_RECSUM_LEN];
	int rc;

	if (whole) {
		memcpy(cur, whole, sizeof(cur));
	} else if ((rc = bg_store_forgot_digest_get(t, cur)) == 0 || rc == -ENOENT) {
		if (rc == -ENOENT)
			memset(cur, 0, sizeof(cur));
		for (int i = 0; i < BG_RECSUM_LEN; i++)
			cur[i] ^= t->fsum_delta[i];
	} else if (rc == -EBADMSG) {
		return; /* a damaged digest stays as it is: verify reports it */
	} else {
		t->err = t->err ? t->err : rc;
		return;
	}
	meta_digest_put(t, FORGOT_SUM_KEY, cur);
}

/* At commit: meta "digest" ^= this transaction's delta.  A store made before
 * the digest existed gets it computed whole, once, by its first write. */
static void sum_commit(struct bg_txn *t)
{
	static const unsigned char zero[BG_RECSUM_LEN];
	unsigned char cur[BG_RECSUM_LEN], fcur[BG_RECSUM_LEN] = {0};
	bool walked = false;
	int rc = bg_store_digest_get(t, cur);

	if (rc == 0) {
		for (int i = 0; i < BG_RECSUM_LEN; i++)
			cur[i] ^= t->sum_delta[i];
	} else if (rc == -EBADMSG) {
		return; /* a damaged digest stays as it is: verify reports it */
	} else if (rc == -ENOENT) {
		/* Computing it walks the whole store: the tool does that, never a
		 * login (the module leaves it to the tool's next write). */
		if (t->st->flags & BG_STORE_NOWAIT)
			return;
		if ((rc = bg_store_digest_walk(t, cur, fcur, NULL, NULL)) != 0) {
			t->err = t->err ? t->err : rc;
			return;
		}
		walked = true;
	} else {
		t->err = t->err ? t->err : rc;
		return;
	}
	meta_digest_put(t, "digest", cur);
	if (t->fsum_dirty || memcmp(fcur, zero, sizeof(zero)) != 0) /* fcur: walked */
		fsum_commit(t, walked ? fcur : NULL);
}

int bg_txn_commit(struct bg_txn *t)
{
	int rc;

	if (!t->write) {
		bg_txn_abort(t);
		return 0;
	}
	if (t->err == 0 && t->identities_delta != 0)
		meta_add(t, "identities", t->identities_delta);
	if (t->err == 0 && t->sum_dirty)
		sum_commit(t);
	if (t->err != 0) {
		rc = t->err;
		bg_txn_abort(t);
		return rc;
	}
	changing(t);
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	rc = rc ? mdb_fail(t->st, "commit", rc) : 0;
	txn_end(t);
	return rc;
}

struct ids_out {
	uint32_t *ids;
	size_t max, *n;
};

/* One exposure value from the pread reader; not an id: let LMDB's path say so. */
static int ids_add(const void *val, size_t len, void *arg)
{
	struct ids_out *o = arg;
	MDB_val v = {len, (void *)val};
	uint32_t id;

	if (id_get(&v, &id) != 0)
		return BG_MR_FALLBACK;
	if (*o->n < o->max)
		o->ids[*o->n] = id;
	(*o->n)++;
	return 0;
}

int bg_exposure_ids(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t *ids,
		    size_t max, size_t *n)
{
	MDB_cursor *c;
	MDB_val k = {BG_DIGEST_LEN, (void *)d}, v;
	int rc;

	*n = 0;
	if (!t->txn) {
		struct ids_out o = {ids, max, n};

		if ((rc = mr_rc(t->st, bg_mr_dups(t->st->mr, &t->st->mr_exp, d, BG_DIGEST_LEN,
						  ids_add, &o))) != BG_MR_FALLBACK)
			return rc;
		*n = 0;
		if ((rc = lmdb_now(t)) != 0)
			return rc;
	}
	if ((rc = mdb_cursor_open(t->txn, t->st->exp, &c)) != 0)
		return mdb_fail(t->st, "cursor", rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		uint32_t id;

		if (id_get(&v, &id) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (*n < max)
			ids[*n] = id;
		(*n)++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return *n ? 0 : -ENOENT;
	return mdb_fail(t->st, "read exposures", rc);
}

/* a->id is the key's; the copy in the value (*value_id, when not NULL) only
 * verify compares. */
static int adv_decode(const MDB_val *k, const MDB_val *v, struct bg_advisory *a, uint32_t *value_id)
{
	if (bg_rec_decode(&bg_rec_advisory, v->mv_data, v->mv_size, a) != 0)
		return -EBADMSG;
	if (value_id)
		*value_id = a->id;
	return id_get(k, &a->id);
}

int bg_advisory_get(struct bg_txn *t, uint32_t id, struct bg_advisory *a)
{
	unsigned char kb[4];
	MDB_val k = id_val(id, kb), v;
	const void *p = NULL;
	int rc;

	if (!t->txn && (rc = mr_get(t->st, &t->st->mr_adv, kb, k.mv_size, &p, &v.mv_size)) == 0)
		v.mv_data = (void *)p; /* read only, as LMDB's own values */
	if (t->txn || rc == BG_MR_FALLBACK) {
		if ((rc = lmdb_now(t)) != 0)
			return rc;
		if ((rc = mdb_get(t->txn, t->st->adv, &k, &v)) != 0)
			return mdb_fail(t->st, "read advisory", rc);
	} else if (rc != 0) {
		return rc;
	}
	if (adv_decode(&k, &v, a, NULL) != 0) {
		bg_log(t->st->log, LOG_ERR, "store %s: advisory %u: corrupt record", t->st->dir,
		       id);
		return -EBADMSG;
	}
	return 0;
}

int bg_advisory_foreach(struct bg_txn *t, int (*cb)(const struct bg_advisory *a, void *arg),
			void *arg)
{
	struct bg_advisory a;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = lmdb_now(t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t->txn, t->st->adv, &c)) != 0)
		return mdb_fail(t->st, "cursor", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		int r;

		if (adv_decode(&k, &v, &a, NULL) != 0) {
			bg_log(t->st->log, LOG_ERR, "store %s: corrupt advisory record",
			       t->st->dir);
			mdb_cursor_close(c);
			return -EBADMSG;
		}
		if ((r = cb(&a, arg)) != 0) {
			mdb_cursor_close(c);
			return r;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : mdb_fail(t->st, "read advisories", rc);
}

struct find_arg {
	const char *name;
	struct bg_advisory *out;
};

static int find_cb(const struct bg_advisory *a, void *arg)
{
	struct find_arg *f = arg;

	if (strcmp(a->name, f->name) != 0)
		return 0;
	*f->out = *a;
	return 1;
}

int64_t bg_advisory_exposure(const struct bg_advisory *a)
{
	return a->published >= 0 ? a->published : a->imported;
}

bool bg_advisory_times_ok(int64_t published, int64_t imported, int32_t grace_days)
{
	return imported > 0 && published >= -1 && grace_days >= -1 &&
	       grace_days <= BG_GRACE_DAYS_MAX;
}

int bg_advisory_find(struct bg_txn *t, const char *name, struct bg_advisory *a)
{
	/* a is written when found, never read: callers need not fill it. */
	/* cppcheck-suppress ctuuninitvar */
	struct find_arg f = {name, a};
	int rc = bg_advisory_foreach(t, find_cb, &f);

	return rc == 1 ? 0 : rc == 0 ? -ENOENT : rc;
}

/* Rotation records are keyed by a keyed digest of the user name ("rot": its
 * own domain, so it never equals an identity's digest): a copied store names
 * no account.  Stores made before keep their plaintext keys until the next
 * write of that record moves it (issue 10 item 14). */
static int rot_key(struct bg_txn *t, const char *user, unsigned char d[BG_DIGEST_LEN])
{
	size_t n = strlen(user);

	if (n == 0 || n > 511)
		return -EINVAL;
	return bg_hmac_digest(t->st->hmac, "rot", user, n, d);
}

static int rot_decode(const MDB_val *v, struct bg_rotation *r)
{
	return bg_rec_decode(&bg_rec_rotation, v->mv_data, v->mv_size, r);
}

/* bg_rotation_get's two lookups by the pread reader: k holds the keyed name. */
static int rot_mr(struct bg_txn *t, const char *user, const MDB_val *k, MDB_val *v)
{
	const struct bg_mr_db *db = &t->st->mr_rot;
	const void *p = NULL;
	int rc = mr_get(t->st, db, k->mv_data, k->mv_size, &p, &v->mv_size);

	if (rc == -ENOENT)
		rc = mr_get(t->st, db, user, strlen(user), &p, &v->mv_size);
	v->mv_data = (void *)p; /* read only, as LMDB's own values */
	return rc;
}

int bg_rotation_get(struct bg_txn *t, const char *user, struct bg_rotation *r)
{
	unsigned char d[BG_DIGEST_LEN];
	MDB_val k = {BG_DIGEST_LEN, d}, v;
	int rc;

	memset(r, 0, sizeof(*r));
	if (rot_key(t, user, d) != 0)
		return -ENOENT;
	if (!t->txn && (rc = rot_mr(t, user, &k, &v)) != BG_MR_FALLBACK) {
		if (rc != 0)
			return rc;
	} else {
		if ((rc = lmdb_now(t)) != 0)
			return rc;
		rc = mdb_get(t->txn, t->st->rot, &k, &v);
		if (rc == MDB_NOTFOUND) { /* a record from before: keyed by the plain name */
			k.mv_size = strlen(user);
			k.mv_data = (void *)user;
			rc = mdb_get(t->txn, t->st->rot, &k, &v);
		}
		if (rc != 0)
			return mdb_fail(t->st, "read rotation", rc);
	}
	if ((rc = rot_decode(&v, r)) != 0)
		bg_log(t->st->log, LOG_ERR,
		       "store %s: the rotation record of %s is corrupt (%zu bytes)", t->st->dir,
		       user, v.mv_size);
	return rc;
}

int bg_rotation_decode(struct bg_store *st, const void *val, size_t len, struct bg_rotation *r)
{
	(void)st;
	return bg_rec_decode(&bg_rec_rotation, val, len, r);
}

/* a > b in memcmp order, as two big-endian words: no call for the append
 * check of every digest of an import. */
static inline bool digest_after(const unsigned char a[BG_DIGEST_LEN],
				const unsigned char b[BG_DIGEST_LEN])
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	a0 = be64toh(a0), b0 = be64toh(b0);
	return a0 > b0 || (a0 == b0 && be64toh(a1) > be64toh(b1));
}

static int exposure_add(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t id,
			bool sum)
{
	MDB_val val, k = {BG_DIGEST_LEN, (void *)d}, v;
	int rc;

	if (t->idv_len == 0 || t->idv_id != id) {
		t->idv_len = id_val(id, t->idv).mv_size;
		t->idv_id = id;
	}
	val.mv_size = t->idv_len;
	val.mv_data = t->idv;
	v = val;
	if (t->err)
		return t->err;
	changing(t);
	if (!t->exp_cur) {
		MDB_stat ms;

		if (sticky(t, "cursor", mdb_cursor_open(t->txn, t->st->exp, &t->exp_cur)))
			return t->err;
		/* Into an empty table, sorted input can be appended: full pages, no search. */
		t->appending = mdb_stat(t->txn, t->st->exp, &ms) == 0 && ms.ms_entries == 0;
	}
	if (t->appending) {
		if (!t->have_last || digest_after(d, t->last)) {
			rc = mdb_cursor_put(t->exp_cur, &k, &v, MDB_APPEND);
			if (rc == 0) {
				v = val; /* LMDB may point v at the stored copy */
				if (sum)
					sum_rec(t, 'e', &k, &v);
				memcpy(t->last, d, BG_DIGEST_LEN);
				t->have_last = true;
				t->identities_delta++;
				return BG_EXP_NEW_IDENTITY;
			}
			if (rc != MDB_KEYEXIST)
				return sticky(t, "write exposure", rc);
		}
		t->appending = false; /* out of order: the general path from now on */
	}
	/* A new identity is the common case: one put, no probe before it. */
	rc = mdb_cursor_put(t->exp_cur, &k, &v, MDB_NOOVERWRITE);
	if (rc == 0) {
		v = val;
		if (sum)
			sum_rec(t, 'e', &k, &v);
		t->identities_delta++;
		return BG_EXP_NEW_IDENTITY;
	}
	if (rc != MDB_KEYEXIST)
		return sticky(t, "write exposure", rc);
	/* The key exists; MDB_NOOVERWRITE pointed v at its data: set ours again. */
	v = val;
	rc = mdb_cursor_put(t->exp_cur, &k, &v, MDB_NODUPDATA);
	if (rc == MDB_KEYEXIST)
		return BG_EXP_KNOWN_PAIR;
	if (sticky(t, "write exposure", rc))
		return t->err;
	v = val;
	if (sum)
		sum_rec(t, 'e', &k, &v);
	return BG_EXP_NEW_PAIR;
}

int bg_exposure_add(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t id)
{
	return exposure_add(t, d, id, true);
}

int bg_exposure_add_nosum(struct bg_txn *t, const unsigned char d[BG_DIGEST_LEN], uint32_t id)
{
	return exposure_add(t, d, id, false);
}

/* What sum_rec XORs in for the record (d, id): the same bytes. */
int bg_exposure_recsum(struct bg_hmac *h, const unsigned char d[BG_DIGEST_LEN], uint32_t id,
		       unsigned char out[BG_DIGEST_LEN])
{
	unsigned char vb[4];
	const MDB_val v = id_val(id, vb);

	return bg_recsum(h, 'e', d, BG_DIGEST_LEN, v.mv_data, v.mv_size, out);
}

void bg_txn_sum_fold(struct bg_txn *t, const unsigned char x[BG_DIGEST_LEN])
{
	for (int i = 0; i < BG_RECSUM_LEN; i++)
		t->sum_delta[i] ^= x[i];
	t->sum_dirty = true;
}

int bg_store_hmac_dup(const struct bg_store *st, struct bg_hmac **out)
{
	return bg_hmac_dup(out, st->hmac);
}

int bg_txn_hmac_dup(struct bg_txn *t, struct bg_hmac **out)
{
	return bg_store_hmac_dup(t->st, out);
}

int bg_advisory_put(struct bg_txn *t, struct bg_advisory *a)
{
	unsigned char kb[4], vb[BG_REC_MAX];
	MDB_val k;
	size_t nlen = strnlen(a->name, sizeof(a->name)), vlen;

	if (t->err)
		return t->err;
	if (nlen == 0 || nlen >= sizeof(a->name) || bg_name_problem(a->name))
		return t->err = -EINVAL; /* every writer: import, flag, bundles */
	if (a->id == 0) {
		MDB_cursor *c;
		MDB_val lk, lv;
		uint32_t last;
		int rc;

		if (sticky(t, "cursor", mdb_cursor_open(t->txn, t->st->adv, &c)))
			return t->err;
		rc = mdb_cursor_get(c, &lk, &lv, MDB_LAST);
		a->id = rc == 0 && id_get(&lk, &last) == 0 ? last + 1 : 1;
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return sticky(t, "read advisories", rc);
	}
	k = id_val(a->id, kb);
	if (bg_rec_encode(&bg_rec_advisory, a, vb, sizeof(vb), &vlen) != 0)
		return t->err = -EINVAL;
	return rec_put(t, t->st->adv, 'a', &k, vb, vlen, "write advisory");
}

int bg_advisory_delete(struct bg_txn *t, uint32_t id, uint64_t *pairs_removed)
{
	unsigned char kb[4];
	MDB_val k = id_val(id, kb), ek, ev;
	MDB_cursor *c;
	uint64_t removed = 0;
	int rc;

	*pairs_removed = 0;
	if (t->err)
		return t->err;
	if ((rc = rec_del(t, t->st->adv, 'a', &k, "delete advisory")) != 0)
		return rc;
	if (sticky(t, "cursor", mdb_cursor_open(t->txn, t->st->exp, &c)))
		return t->err;
	/* After a delete LMDB leaves the cursor so that MDB_NEXT yields the next pair. */
	for (rc = mdb_cursor_get(c, &ek, &ev, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &ek, &ev, MDB_NEXT)) {
		size_t dups = 0;
		uint32_t eid;

		if (id_get(&ev, &eid) != 0 || eid != id)
			continue;
		sum_rec(t, 'e', &ek, &ev);
		if ((rc = mdb_cursor_count(c, &dups)) != 0 || (rc = mdb_cursor_del(c, 0)) != 0)
			break;
		removed++;
		if (dups == 1)
			t->identities_delta--;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return sticky(t, "delete exposures", rc);
	*pairs_removed = removed;
	return 0;
}

/* What forget leaves behind (bg_forgotten_*): meta FORGOT_PREFIX, the
 * advisory's import time (u64, big-endian), source SHA-256 and name -> the
 * time of the forget (a meta u64, as the counters: bg_rec_meta_u64).
 * In meta: a store from before has none, and a breachguard from before never
 * asks for one.  Under the store's digest (tag 'f'), as a record removed or
 * changed would let a replay bring back what was forgotten. */
static MDB_val forgot_key(const struct bg_advisory *a, unsigned char *buf)
{
	size_t nl = strnlen(a->name, BG_NAME_MAX - 1), pl = sizeof(FORGOT_PREFIX) - 1;
	MDB_val k = {FORGOT_HEAD + nl, buf};

	memcpy(buf, FORGOT_PREFIX, pl);
	for (size_t i = 0; i < 8; i++)
		buf[pl + i] = (unsigned char)((uint64_t)a->imported >> (8 * (7 - i)));
	memcpy(buf + pl + 8, a->source_sha256, 32);
	memcpy(buf + FORGOT_HEAD, a->name, nl);
	return k;
}

int bg_forgotten_put(struct bg_txn *t, const struct bg_advisory *a, int64_t when)
{
	unsigned char kb[FORGOT_KEY_MAX], vb[8];
	MDB_val k = forgot_key(a, kb), v = {0, vb};
	uint64_t n = (uint64_t)when;

	if (t->err)
		return t->err;
	if (!t->write)
		return -EROFS;
	(void)bg_rec_encode(&bg_rec_meta_u64, &n, vb, sizeof(vb), &v.mv_size);
	return rec_put(t, t->st->meta, 'f', &k, vb, v.mv_size, "write forget");
}

int bg_forgotten_get(struct bg_txn *t, const struct bg_advisory *a, int64_t *when)
{
	unsigned char kb[FORGOT_KEY_MAX];
	MDB_val k = forgot_key(a, kb), v;
	uint64_t n = 0;
	int rc;

	if ((rc = lmdb_now(t)) != 0)
		return rc;
	rc = mdb_get(t->txn, t->st->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return mdb_fail(t->st, "read forget", rc);
	if (bg_rec_decode(&bg_rec_meta_u64, v.mv_data, v.mv_size, &n) != 0)
		return -EBADMSG;
	*when = (int64_t)n;
	return 0;
}

int bg_forgotten_del(struct bg_txn *t, const struct bg_advisory *a)
{
	unsigned char kb[FORGOT_KEY_MAX];
	MDB_val k = forgot_key(a, kb);

	if (t->err)
		return t->err;
	if (!t->write)
		return -EROFS;
	return rec_del(t, t->st->meta, 'f', &k, "delete forget");
}

int bg_rotation_put(struct bg_txn *t, const char *user, const struct bg_rotation *r)
{
	unsigned char vb[BG_REC_MAX], d[BG_DIGEST_LEN];
	MDB_val k = {BG_DIGEST_LEN, d}, old = {strlen(user), (void *)user};
	size_t vlen;
	int rc;

	if (t->err)
		return t->err;
	if (rot_key(t, user, d) != 0 || bg_rec_encode(&bg_rec_rotation, r, vb, sizeof(vb), &vlen))
		return t->err = -EINVAL;
	if (rec_put(t, t->st->rot, 'r', &k, vb, vlen, "write rotation") != 0)
		return t->err;
	/* Migrate: the plaintext-keyed record of a store made before goes. */
	rc = rec_del(t, t->st->rot, 'r', &old, "migrate rotation");
	return rc == -ENOENT ? 0 : rc;
}

struct rotation_job {
	const char *user;
	const struct bg_rotation *r;
};

static int rotation_job(struct bg_txn *t, void *arg)
{
	const struct rotation_job *j = arg;

	return bg_rotation_put(t, j->user, j->r);
}

int bg_rotation_write(struct bg_store *st, const char *user, const struct bg_rotation *r)
{
	struct rotation_job j = {user, r};

	/* One record: a few pages copied at most. */
	return bg_store_write(st, 64u << 10, rotation_job, &j);
}

int bg_rotation_delete(struct bg_txn *t, const char *user)
{
	unsigned char d[BG_DIGEST_LEN];
	MDB_val k = {BG_DIGEST_LEN, d}, old = {strlen(user), (void *)user};
	int rc;

	if (t->err)
		return t->err;
	if (rot_key(t, user, d) != 0)
		return 0;
	rc = rec_del(t, t->st->rot, 'r', &k, "delete rotation");
	if (rc == 0 || rc == -ENOENT) /* and the plaintext-keyed one of a store made before */
		rc = rec_del(t, t->st->rot, 'r', &old, "delete rotation");
	return rc == -ENOENT ? 0 : rc;
}

int bg_exposure_foreach(struct bg_txn *t,
			int (*cb)(const unsigned char d[BG_DIGEST_LEN], const uint32_t *ids,
				  size_t n, void *arg),
			void *arg)
{
	uint32_t ids[BG_STORE_MAX_ADV];
	unsigned char cur[BG_DIGEST_LEN];
	MDB_cursor *c;
	MDB_val k, v;
	size_t n = 0;
	int rc, r = 0;

	if ((rc = lmdb_now(t)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(t->txn, t->st->exp, &c)) != 0)
		return mdb_fail(t->st, "cursor", rc);
	/* Pairs come in key order, then id order: one callback per digest. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint32_t id;

		if (k.mv_size != BG_DIGEST_LEN || id_get(&v, &id) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (n && memcmp(cur, k.mv_data, BG_DIGEST_LEN) != 0) {
			if ((r = cb(cur, ids, n, arg)) != 0)
				break;
			n = 0;
		}
		memcpy(cur, k.mv_data, BG_DIGEST_LEN);
		if (n < BG_STORE_MAX_ADV)
			ids[n++] = id;
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	if (rc != MDB_NOTFOUND)
		return mdb_fail(t->st, "read exposures", rc);
	return n ? cb(cur, ids, n, arg) : 0;
}

const char *bg_store_check_record(struct bg_store *st, char tag, const void *k, size_t kl,
				  const void *v, size_t vl, struct bg_advisory *adv)
{
	MDB_val kv = {kl, (void *)k}, vv = {vl, (void *)v};
	struct bg_advisory a;
	struct bg_rotation r;
	uint32_t value_id;

	(void)st;
	switch (tag) {
	case 'a':
		if (adv_decode(&kv, &vv, &a, &value_id) != 0)
			return "advisory record of a wrong layout";
		if (value_id != a.id || a.id == 0)
			return "advisory record whose id does not match its key";
		if (bg_name_problem(a.name))
			return "advisory name with control characters or invalid UTF-8";
		if (!bg_advisory_times_ok(a.published, a.imported, a.grace_days))
			return "advisory record with impossible dates or grace";
		if (adv)
			*adv = a;
		return NULL;
	case 'e':
		if (kl != BG_DIGEST_LEN || vl != 4)
			return "exposure pair of a wrong size";
		return NULL;
	case 'f': {
		char name[BG_NAME_MAX];
		uint64_t when;

		if (kl <= FORGOT_HEAD || kl >= FORGOT_KEY_MAX)
			return "forget record with a key of a wrong size";
		memcpy(name, (const char *)k + FORGOT_HEAD, kl - FORGOT_HEAD);
		name[kl - FORGOT_HEAD] = '\0';
		if (strlen(name) != kl - FORGOT_HEAD || bg_name_problem(name))
			return "forget record whose advisory name has control characters or "
			       "invalid "
			       "UTF-8";
		if (bg_rec_decode(&bg_rec_meta_u64, v, vl, &when) != 0 || when == 0 ||
		    when > (uint64_t)INT64_MAX)
			return "forget record of a wrong layout";
		return NULL;
	}
	case 'r':
		if (kl == 0 || kl > 511)
			return "rotation record with a key of a wrong size";
		if (rot_decode(&vv, &r) != 0)
			return "rotation record of a wrong layout";
		if (r.rotated_at < 0 || r.fp_exposure < 0 || r.fp_recorded < 0 ||
		    r.how > BG_ROT_OBSERVED)
			return "rotation record with impossible times";
		return NULL;
	}
	return "record of an unknown table";
}
