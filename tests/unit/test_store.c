/* test_store.c: the LMDB store: create, refuse wrong key / unsafe modes /
 * symlinks / garbage, exposures and forget with shared identities, a tiny map
 * filling up (-E2BIG) and growing, the writer gate with NOWAIT, the module's
 * NOLOCK reads under the gate held shared, its pread reader against LMDB, and
 * the normalisation settings the store records (meta "norm"). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "identity.h"
#include "recsum.h"
#include "store.h"
#include "t.h"

static char dir[128], sdir[200];
static unsigned char key[BG_KEY_LEN], key2[BG_KEY_LEN];

static void digest_of(unsigned n, unsigned char d[BG_DIGEST_LEN])
{
	memset(d, 0, BG_DIGEST_LEN);
	for (int i = 0; i < 4; i++)
		d[i] = (unsigned char)(n >> (24 - 8 * i));
	d[15] = 0x5a;
}

static int open_store(struct bg_store **st, const unsigned char *k, unsigned flags)
{
	return bg_store_open(st, sdir, k, flags, 0, NULL);
}

static uint32_t add(struct bg_store *st, const char *name, unsigned from, unsigned to)
{
	struct bg_advisory a;
	struct bg_txn *t = NULL;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.published = -1;
	a.grace_days = -1;
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	for (unsigned i = from; i < to; i++) {
		unsigned char d[BG_DIGEST_LEN];

		digest_of(i, d);
		if (bg_exposure_add(t, d, a.id) > 0)
			a.count++;
	}
	bg_advisory_put(t, &a);
	T_EQ_INT(bg_txn_commit(t), 0);
	return a.id;
}

/* Each case gets its own directory (dir) and store path in it (sdir, not made). */
static void case_dir(void)
{
	char tmpl[] = "/tmp/bg-test-store-XXXXXX";

	snprintf(dir, sizeof(dir), "%s", mkdtemp(tmpl));
	snprintf(sdir, sizeof(sdir), "%s/store", dir);
}

static void case_done(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	T_EQ_INT(system(cmd), 0);
}

/* A store holding "first" (identities 0..999, id 1) and "second" (500..1499, id 2). */
static void two_advisories(void)
{
	struct bg_store *st = NULL;

	case_dir();
	T_EQ_INT(open_store(&st, key, BG_STORE_CREATE | BG_STORE_GROW), 0);
	T_EQ_INT(add(st, "first", 0, 1000), 1);
	T_EQ_INT(add(st, "second", 500, 1500), 2);
	bg_store_close(st);
}

/* Only init creates: the module's and the readers' opens of a missing store
 * fail and make nothing. */
static void case_missing_store_is_not_made(void)
{
	struct bg_store *st = NULL;
	char data[300];

	case_dir();
	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -ENOENT); /* not initialised */
	T_EQ_INT(open_store(&st, key, BG_STORE_NOWAIT), -ENOENT); /* the module's flags */
	T_CHECK(access(sdir, F_OK) != 0);			  /* and nothing created */
	mkdir(sdir, 0700);
	T_EQ_INT(open_store(&st, key, BG_STORE_NOWAIT), -ENOENT);
	snprintf(data, sizeof(data), "%s/data.mdb", sdir);
	T_CHECK(access(data, F_OK) != 0);
	case_done();
}

/* Exposures with shared identities; an aborted write leaves no trace; forget
 * removes an advisory's pairs and keeps identities another one names. */
static void case_exposures_and_forget(void)
{
	struct bg_store *st = NULL;
	struct bg_store_stats s;
	struct bg_txn *t = NULL;
	unsigned char d[BG_DIGEST_LEN];
	uint32_t ids[4];
	size_t n;
	uint64_t removed;

	two_advisories();
	T_EQ_INT(open_store(&st, key, BG_STORE_GROW), 0);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1500);
	T_EQ_INT(s.exposures, 2000);
	T_EQ_INT(s.advisories, 2);
	/* Same pairs again: nothing new. */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	digest_of(10, d);
	T_EQ_INT(bg_exposure_add(t, d, 1), BG_EXP_KNOWN_PAIR);
	T_EQ_INT(bg_exposure_add(t, d, 3), BG_EXP_NEW_PAIR);
	digest_of(999999, d);
	T_EQ_INT(bg_exposure_add(t, d, 3), BG_EXP_NEW_IDENTITY);
	bg_txn_abort(t); /* aborted: no trace */
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1500);

	/* forget: exposures of the advisory go, shared identities stay. */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_advisory_delete(t, 1, &removed), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(removed, 1000);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1000);
	T_EQ_INT(s.exposures, 1000);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	digest_of(10, d);
	T_EQ_INT(bg_exposure_ids(t, d, ids, 4, &n), -ENOENT);
	digest_of(700, d);
	T_EQ_INT(bg_exposure_ids(t, d, ids, 4, &n), 0);
	T_EQ_INT(n, 1);
	T_EQ_INT(ids[0], 2);
	bg_txn_abort(t);
	bg_store_close(st);
	case_done();
}

/* The writer gate: a second writer with NOWAIT gets -EBUSY, never waits. */
static void case_writer_gate_nowait(void)
{
	struct bg_store *st = NULL, *st2 = NULL;
	struct bg_txn *t = NULL, *t2 = NULL;

	two_advisories();
	T_EQ_INT(open_store(&st, key, BG_STORE_GROW), 0);
	T_EQ_INT(open_store(&st2, key, BG_STORE_NOWAIT), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_txn_begin(st2, true, &t2), -EBUSY);
	T_EQ_INT(bg_txn_begin(st2, false, &t2), 0); /* readers never wait */
	bg_txn_abort(t2);
	bg_txn_abort(t);
	bg_store_close(st2);
	bg_store_close(st);
	case_done();
}

/* The module's reads (RDONLY | NOLOCK): the gate held shared for as long as
 * the store is open, so no writer can begin meanwhile; with a writer in its
 * transaction the open reads the ordinary way instead of waiting. */
static void case_nolock_reads(void)
{
	struct bg_store *st2 = NULL, *r = NULL, *r2 = NULL;
	struct bg_txn *t2 = NULL;
	unsigned char d[BG_DIGEST_LEN];
	uint32_t ids[4];
	size_t n;
	char path[300];
	int gate;

	two_advisories();
	T_EQ_INT(open_store(&st2, key, BG_STORE_NOWAIT), 0);
	digest_of(700, d);
	T_EQ_INT(open_store(&r, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0);
	T_EQ_INT(bg_txn_begin(r, false, &t2), 0);
	T_EQ_INT(bg_exposure_ids(t2, d, ids, 4, &n), 0);
	T_EQ_INT(n, 2);
	bg_txn_abort(t2);
	T_EQ_INT(bg_txn_begin(r, true, &t2), -EROFS);
	T_EQ_INT(open_store(&r2, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0); /* shared */
	T_EQ_INT(bg_txn_begin(st2, true, &t2), -EBUSY); /* a writer must wait */
	bg_store_close(r2);
	bg_store_close(r);
	T_EQ_INT(bg_txn_begin(st2, true, &t2), 0); /* closed: the writer may begin */
	bg_txn_abort(t2);
	/* A writer holding the gate (as bg_txn_begin does): the NOLOCK open does
	 * not wait, reads through LMDB's reader table, holds no gate. */
	snprintf(path, sizeof(path), "%s/writer.lock", sdir);
	gate = open(path, O_RDWR | O_CLOEXEC);
	T_CHECK(gate >= 0 && flock(gate, LOCK_EX | LOCK_NB) == 0);
	T_EQ_INT(open_store(&r, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0);
	T_EQ_INT(bg_txn_begin(r, false, &t2), 0);
	T_EQ_INT(bg_exposure_ids(t2, d, ids, 4, &n), 0);
	bg_txn_abort(t2);
	close(gate);
	T_EQ_INT(bg_txn_begin(st2, true, &t2), 0); /* r holds nothing shared */
	bg_txn_abort(t2);
	bg_store_close(r);
	bg_store_close(st2);
	case_done();
}

/* A store made with another key, unsafe modes, a symlink: refused. */
static void case_refuses_key_modes_symlink(void)
{
	struct bg_store *st = NULL;
	char path[300], link[200];

	two_advisories();
	T_EQ_INT(open_store(&st, key2, BG_STORE_RDONLY), -EBADMSG);
	chmod(sdir, 0777);
	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -EPERM);
	chmod(sdir, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", sdir);
	chmod(path, 0620);
	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -EPERM);
	chmod(path, 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	T_EQ_INT(symlink(sdir, link), 0);
	T_EQ_INT(bg_store_open(&st, link, key, BG_STORE_RDONLY, 0, NULL), -ELOOP);
	case_done();
}

/* Garbage where the data file should be. */
static void case_refuses_garbage(void)
{
	struct bg_store *st = NULL;
	char gdir[200], gdata[240];
	int fd;

	case_dir();
	snprintf(gdir, sizeof(gdir), "%s/garbage", dir);
	mkdir(gdir, 0700);
	snprintf(gdata, sizeof(gdata), "%s/data.mdb", gdir);
	fd = open(gdata, O_WRONLY | O_CREAT, 0600);
	for (int i = 0; i < 64; i++)
		T_EQ_INT(write(fd, "garbage!garbage!garbage!garbage!", 32), 32);
	close(fd);
	T_CHECK(bg_store_open(&st, gdir, key, BG_STORE_RDONLY, 0, NULL) < 0);
	T_CHECK(bg_store_open(&st, gdir, key, 0, 0, NULL) < 0);
	case_done();
}

/* A tiny map fills (-E2BIG, nothing written) and then grows. */
static void case_tiny_map_fills_then_grows(void)
{
	struct bg_store *st = NULL;
	struct bg_store_stats s;
	struct bg_txn *t = NULL;
	struct bg_advisory a;

	case_dir();
	T_EQ_INT(bg_store_open(&st, sdir, key, BG_STORE_CREATE | BG_STORE_GROW, 1 << 17, NULL), 0);
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "big");
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	for (unsigned i = 0; i < 20000 && bg_txn_error(t) == 0; i++) {
		unsigned char d[BG_DIGEST_LEN];

		digest_of(i, d);
		bg_exposure_add(t, d, a.id);
	}
	T_EQ_INT(bg_txn_commit(t), -E2BIG);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.exposures, 0);
	T_EQ_INT(bg_store_reserve(st, 20000 * 96), 0);
	add(st, "big", 0, 20000);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 20000);
	bg_store_close(st);
	case_done();
}

/* Many advisories in one transaction, every one exposing identity 0 (a
 * duplicate set of `n` values: a sub-table deeper than one page past ~1000)
 * and identity n + its id; rotation records for users u0..u9. */
static void many_advisories(unsigned n)
{
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	unsigned char d[BG_DIGEST_LEN];

	case_dir();
	T_EQ_INT(open_store(&st, key, BG_STORE_CREATE | BG_STORE_GROW), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	for (unsigned i = 1; i <= n; i++) {
		struct bg_advisory a;

		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "adv-%u", i);
		a.published = -1;
		a.grace_days = -1;
		T_EQ_INT(bg_advisory_put(t, &a), 0);
		digest_of(0, d);
		bg_exposure_add(t, d, a.id);
		digest_of(n + a.id, d);
		bg_exposure_add(t, d, a.id);
		if (i % 3 == 0) { /* and a few more of its own */
			digest_of(10 * n + i, d);
			bg_exposure_add(t, d, a.id);
			digest_of(0x10000 + i % 7, d);
			bg_exposure_add(t, d, a.id);
		}
	}
	for (unsigned u = 0; u < 10; u++) {
		struct bg_rotation r;
		char user[16];

		memset(&r, 0, sizeof(r));
		r.rotated_at = 1000 + u;
		r.fp_exposure = 7;
		snprintf(user, sizeof(user), "u%u", u);
		T_EQ_INT(bg_rotation_put(t, user, &r), 0);
	}
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_store_close(st);
}

/* Both answers of one lookup, LMDB's (lm) and the module's lock-free read
 * (pr: pread, falling back to LMDB where it must), compared. */
static int ids_of(struct bg_store *st, unsigned who, uint32_t *ids, size_t max, size_t *n)
{
	struct bg_txn *t = NULL;
	unsigned char d[BG_DIGEST_LEN];
	int rc;

	digest_of(who, d);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	rc = bg_exposure_ids(t, d, ids, max, n);
	bg_txn_abort(t);
	return rc;
}

static void compare_reads(struct bg_store *lm, struct bg_store *pr, unsigned n)
{
	static uint32_t a[4096], b[4096];
	unsigned bad = 0;
	size_t na, nb;

	/* Every identity (present and absent neighbours), every advisory, the rotations. */
	for (unsigned who = 0; who <= 12 * n && who < 0x10010; who += (who < 16 * n ? 1 : 97)) {
		int ra = ids_of(lm, who, a, 4096, &na), rb = ids_of(pr, who, b, 4096, &nb);

		if (ra != rb || na != nb || (ra == 0 && memcmp(a, b, na * sizeof(a[0])) != 0))
			bad++;
	}
	for (unsigned who = 0x10000; who < 0x10008; who++) {
		int ra = ids_of(lm, who, a, 4096, &na), rb = ids_of(pr, who, b, 4096, &nb);

		if (ra != rb || na != nb || (ra == 0 && memcmp(a, b, na * sizeof(a[0])) != 0))
			bad++;
	}
	T_EQ_INT(bad, 0);
	for (uint32_t id = 0; id <= n + 2; id++) {
		struct bg_advisory x, y;
		struct bg_txn *t1 = NULL, *t2 = NULL;
		int ra, rb;

		T_EQ_INT(bg_txn_begin(lm, false, &t1), 0);
		T_EQ_INT(bg_txn_begin(pr, false, &t2), 0);
		ra = bg_advisory_get(t1, id, &x);
		rb = bg_advisory_get(t2, id, &y);
		if (ra != rb || (ra == 0 && (strcmp(x.name, y.name) != 0 || x.id != y.id)))
			bad++;
		bg_txn_abort(t1);
		bg_txn_abort(t2);
	}
	T_EQ_INT(bad, 0);
	for (unsigned u = 0; u < 12; u++) {
		struct bg_rotation x, y;
		struct bg_txn *t1 = NULL, *t2 = NULL;
		char user[16];
		int ra, rb;

		snprintf(user, sizeof(user), "u%u", u);
		T_EQ_INT(bg_txn_begin(lm, false, &t1), 0);
		T_EQ_INT(bg_txn_begin(pr, false, &t2), 0);
		ra = bg_rotation_get(t1, user, &x);
		rb = bg_rotation_get(t2, user, &y);
		if (ra != rb || (ra == 0 && x.rotated_at != y.rotated_at))
			bad++;
		T_EQ_INT(ra, u < 10 ? 0 : -ENOENT);
		bg_txn_abort(t1);
		bg_txn_abort(t2);
	}
	T_EQ_INT(bad, 0);
}

/* The module's lock-free read answers by pread (mdbread.c) exactly as LMDB
 * does: identities with one, a few and some hundreds of advisories (a
 * sub-table of one page, read by pread) or over a thousand (a deeper
 * sub-table: LMDB opened mid-transaction on the same state), advisories,
 * rotations, absent keys; stats and the digest walk open LMDB on demand. */
static void case_pread_reader_agrees(void)
{
	static const unsigned sizes[] = {3, 600, 1500};

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct bg_store *lm = NULL, *pr = NULL;
		struct bg_store_stats a, b;
		struct bg_txn *t = NULL;
		unsigned char da[BG_RECSUM_LEN], db[BG_RECSUM_LEN];

		many_advisories(sizes[s]);
		T_EQ_INT(open_store(&lm, key, BG_STORE_RDONLY), 0);
		T_EQ_INT(open_store(&pr, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0);
		T_EQ_INT(bg_store_preads(lm), 0);
		compare_reads(lm, pr, sizes[s]);
		T_CHECK(bg_store_preads(pr) > 0); /* the reader answered */
		T_EQ_INT(bg_store_stats(lm, &a), 0);
		T_EQ_INT(bg_store_stats(pr, &b), 0);
		T_EQ_INT(a.exposures, b.exposures);
		T_EQ_INT(bg_txn_begin(lm, false, &t), 0);
		T_EQ_INT(bg_store_digest_get(t, da), 0);
		bg_txn_abort(t);
		T_EQ_INT(bg_txn_begin(pr, false, &t), 0);
		T_EQ_INT(bg_store_digest_get(t, db), 0);
		bg_txn_abort(t);
		T_CHECK(memcmp(da, db, sizeof(da)) == 0);
		compare_reads(lm, pr, sizes[s]); /* LMDB open by now: the same answers */
		bg_store_close(pr);
		bg_store_close(lm);
		case_done();
	}
}

static struct bg_norm_opts norm_of(bool fold, const char *seps)
{
	struct bg_norm_opts o;

	memset(&o, 0, sizeof(o));
	o.fold_case = fold;
	snprintf(o.subaddress, sizeof(o.subaddress), "%s", seps);
	return o;
}

/* What both readers (LMDB, and the module's pread reader) say the store's
 * settings are: 0 with *o, -ENOENT or -EBADMSG. */
static int norm_read(struct bg_norm_opts *o, int *pread_rc)
{
	struct bg_store *lm = NULL, *pr = NULL;
	struct bg_norm_opts o2;
	int rc;

	T_EQ_INT(open_store(&lm, key, BG_STORE_RDONLY), 0);
	T_EQ_INT(open_store(&pr, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0);
	rc = bg_store_norm(lm, o);
	T_CHECK(bg_store_preads(pr) > 0); /* the pread reader read the meta table */
	*pread_rc = bg_store_norm(pr, &o2);
	if (rc == 0 && *pread_rc == 0)
		T_CHECK(bg_norm_same(o, &o2));
	bg_store_close(pr);
	bg_store_close(lm);
	return rc;
}

/* Meta "norm" written as is, past the store's own checks. */
static void norm_raw(const void *v, size_t n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {4, (void *)"norm"}, d = {n, (void *)v};

	T_EQ_INT(mdb_env_create(&env), 0);
	T_EQ_INT(mdb_env_set_maxdbs(env, 16), 0);
	T_EQ_INT(mdb_env_open(env, sdir, 0, 0600), 0);
	T_EQ_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
	T_EQ_INT(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	T_EQ_INT(mdb_put(txn, dbi, &k, &d, 0), 0);
	T_EQ_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The settings the digests were made under: absent in a store from before
 * them, recorded by the first pin, kept by an equal one, refused (-ESTALE)
 * when another differs; read the same by both readers; damage is -EBADMSG. */
static void case_norm_pinned(void)
{
	struct bg_norm_opts yes_plus = norm_of(true, "+"), got;
	struct bg_norm_opts no_plus = norm_of(false, "+"), yes_none = norm_of(true, "");
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	int prc;

	two_advisories(); /* made by bg_store_open alone: nothing recorded */
	T_EQ_INT(norm_read(&got, &prc), -ENOENT);
	T_EQ_INT(prc, -ENOENT);
	T_EQ_INT(open_store(&st, key, BG_STORE_GROW), 0);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	T_EQ_INT(bg_store_norm_pin(t, &yes_plus), -EROFS);
	bg_txn_abort(t);
	/* An aborted pin is gone (a write run again after a full map pins again). */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_store_norm_pin(t, &no_plus), 0);
	bg_txn_abort(t);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_store_norm_pin(t, &yes_plus), 0);
	T_EQ_INT(bg_store_norm_pin(t, &yes_plus), 0);
	T_EQ_INT(bg_store_norm_pin(t, &no_plus), -ESTALE);
	T_EQ_INT(bg_store_norm_pin(t, &yes_none), -ESTALE);
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_store_close(st);
	T_EQ_INT(norm_read(&got, &prc), 0);
	T_EQ_INT(prc, 0);
	T_CHECK(bg_norm_same(&got, &yes_plus) && !bg_norm_same(&got, &no_plus));
	/* Reopened: the recorded settings hold against another pin. */
	T_EQ_INT(open_store(&st, key, BG_STORE_GROW), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_store_norm_pin(t, &no_plus), -ESTALE);
	T_EQ_INT(bg_store_norm_pin(t, &yes_plus), 0);
	bg_txn_abort(t);
	bg_store_close(st);
	/* Damaged records: every reader says so, and no pin overwrites them. */
	static const unsigned char bad[][3] = {{2, '+'}, {1, '-', '+'}, {1, '+', '+'}, {1, 0}};
	static const size_t bad_len[] = {2, 3, 3, 2};
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		norm_raw(bad[i], bad_len[i]);
		T_EQ_INT(norm_read(&got, &prc), -EBADMSG);
		T_EQ_INT(prc, -EBADMSG);
		T_EQ_INT(open_store(&st, key, BG_STORE_GROW), 0);
		T_EQ_INT(bg_txn_begin(st, true, &t), 0);
		T_EQ_INT(bg_store_norm_pin(t, &yes_plus), -ESTALE);
		bg_txn_abort(t);
		bg_store_close(st);
	}
	norm_raw("", 0);
	T_EQ_INT(norm_read(&got, &prc), -EBADMSG);
	case_done();
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	memset(key, 7, sizeof(key));
	memset(key2, 9, sizeof(key2));
	T_RUN(case_missing_store_is_not_made);
	T_RUN(case_exposures_and_forget);
	T_RUN(case_writer_gate_nowait);
	T_RUN(case_nolock_reads);
	T_RUN(case_pread_reader_agrees);
	T_RUN(case_norm_pinned);
	T_RUN(case_refuses_key_modes_symlink);
	T_RUN(case_refuses_garbage);
	T_RUN(case_tiny_map_fills_then_grows);
	return t_done("test_store");
}
