/* test_store.c: the LMDB store: create, refuse wrong key / unsafe modes /
 * symlinks / garbage, exposures and forget with shared identities, a tiny map
 * filling up (-E2BIG) and growing, the writer gate with NOWAIT, the module's
 * NOLOCK reads under the gate held shared. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

int main(void)
{
	struct bg_store *st = NULL, *st2 = NULL;
	struct bg_store_stats s;
	struct bg_txn *t = NULL;
	uint32_t a1, a2, ids[4];
	size_t n;
	uint64_t removed;
	char tmpl[] = "/tmp/bg-test-store-XXXXXX", path[300];

	snprintf(dir, sizeof(dir), "%s", mkdtemp(tmpl));
	snprintf(sdir, sizeof(sdir), "%s/store", dir);
	memset(key, 7, sizeof(key));
	memset(key2, 9, sizeof(key2));

	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -ENOENT); /* not initialised */
	T_EQ_INT(open_store(&st, key, BG_STORE_NOWAIT), -ENOENT); /* the module's flags */
	T_CHECK(access(sdir, F_OK) != 0);			  /* and nothing created */
	mkdir(sdir, 0700);
	T_EQ_INT(open_store(&st, key, BG_STORE_NOWAIT), -ENOENT);
	{
		char data[300];

		snprintf(data, sizeof(data), "%s/data.mdb", sdir);
		T_CHECK(access(data, F_OK) != 0);
	}
	T_EQ_INT(open_store(&st, key, BG_STORE_CREATE | BG_STORE_GROW), 0);
	a1 = add(st, "first", 0, 1000);
	a2 = add(st, "second", 500, 1500);
	T_EQ_INT(a1, 1);
	T_EQ_INT(a2, 2);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1500);
	T_EQ_INT(s.exposures, 2000);
	T_EQ_INT(s.advisories, 2);
	/* Same pairs again: nothing new. */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	{
		unsigned char d[BG_DIGEST_LEN];

		digest_of(10, d);
		T_EQ_INT(bg_exposure_add(t, d, a1), BG_EXP_KNOWN_PAIR);
		T_EQ_INT(bg_exposure_add(t, d, 3), BG_EXP_NEW_PAIR);
		digest_of(999999, d);
		T_EQ_INT(bg_exposure_add(t, d, 3), BG_EXP_NEW_IDENTITY);
	}
	bg_txn_abort(t); /* aborted: no trace */
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1500);

	/* forget: exposures of the advisory go, shared identities stay. */
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	T_EQ_INT(bg_advisory_delete(t, a1, &removed), 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	T_EQ_INT(removed, 1000);
	T_EQ_INT(bg_store_stats(st, &s), 0);
	T_EQ_INT(s.identities, 1000);
	T_EQ_INT(s.exposures, 1000);
	T_EQ_INT(bg_txn_begin(st, false, &t), 0);
	{
		unsigned char d[BG_DIGEST_LEN];

		digest_of(10, d);
		T_EQ_INT(bg_exposure_ids(t, d, ids, 4, &n), -ENOENT);
		digest_of(700, d);
		T_EQ_INT(bg_exposure_ids(t, d, ids, 4, &n), 0);
		T_EQ_INT(n, 1);
		T_EQ_INT(ids[0], a2);
	}
	bg_txn_abort(t);

	/* The writer gate: a second writer with NOWAIT gets -EBUSY, never waits. */
	T_EQ_INT(open_store(&st2, key, BG_STORE_NOWAIT), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	{
		struct bg_txn *t2 = NULL;

		T_EQ_INT(bg_txn_begin(st2, true, &t2), -EBUSY);
		T_EQ_INT(bg_txn_begin(st2, false, &t2), 0); /* readers never wait */
		bg_txn_abort(t2);
	}
	bg_txn_abort(t);
	/* The module's reads (RDONLY | NOLOCK): the gate held shared for as long as
	 * the store is open, so no writer can begin meanwhile; with a writer in its
	 * transaction the open reads the ordinary way instead of waiting. */
	{
		struct bg_store *r = NULL, *r2 = NULL;
		struct bg_txn *t2 = NULL;
		unsigned char d[BG_DIGEST_LEN];
		int gate;

		digest_of(700, d);
		T_EQ_INT(open_store(&r, key, BG_STORE_RDONLY | BG_STORE_NOLOCK), 0);
		T_EQ_INT(bg_txn_begin(r, false, &t2), 0);
		T_EQ_INT(bg_exposure_ids(t2, d, ids, 4, &n), 0);
		T_EQ_INT(n, 1);
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
	}
	bg_store_close(st2);
	bg_store_close(st);

	/* Wrong key: refused. */
	T_EQ_INT(open_store(&st, key2, BG_STORE_RDONLY), -EBADMSG);
	/* Unsafe modes and symlinks: refused. */
	chmod(sdir, 0777);
	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -EPERM);
	chmod(sdir, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", sdir);
	chmod(path, 0620);
	T_EQ_INT(open_store(&st, key, BG_STORE_RDONLY), -EPERM);
	chmod(path, 0600);
	{
		char link[200];

		snprintf(link, sizeof(link), "%s/link", dir);
		T_EQ_INT(symlink(sdir, link), 0);
		T_EQ_INT(bg_store_open(&st, link, key, BG_STORE_RDONLY, 0, NULL), -ELOOP);
	}
	/* Garbage where the data file should be. */
	{
		char gdir[200], gdata[240];
		int fd;

		snprintf(gdir, sizeof(gdir), "%s/garbage", dir);
		mkdir(gdir, 0700);
		snprintf(gdata, sizeof(gdata), "%s/data.mdb", gdir);
		fd = open(gdata, O_WRONLY | O_CREAT, 0600);
		for (int i = 0; i < 64; i++)
			T_EQ_INT(write(fd, "garbage!garbage!garbage!garbage!", 32), 32);
		close(fd);
		T_CHECK(bg_store_open(&st, gdir, key, BG_STORE_RDONLY, 0, NULL) < 0);
		T_CHECK(bg_store_open(&st, gdir, key, 0, 0, NULL) < 0);
	}
	/* A tiny map fills (-E2BIG, nothing written) and then grows. */
	{
		char tdir[200];
		struct bg_advisory a;
		int rc;

		snprintf(tdir, sizeof(tdir), "%s/tiny", dir);
		T_EQ_INT(
		    bg_store_open(&st, tdir, key, BG_STORE_CREATE | BG_STORE_GROW, 1 << 17, NULL),
		    0);
		memset(&a, 0, sizeof(a));
		strcpy(a.name, "big");
		T_EQ_INT(bg_txn_begin(st, true, &t), 0);
		bg_advisory_put(t, &a);
		for (unsigned i = 0; i < 20000 && bg_txn_error(t) == 0; i++) {
			unsigned char d[BG_DIGEST_LEN];

			digest_of(i, d);
			bg_exposure_add(t, d, a.id);
		}
		rc = bg_txn_commit(t);
		T_EQ_INT(rc, -E2BIG);
		T_EQ_INT(bg_store_stats(st, &s), 0);
		T_EQ_INT(s.exposures, 0);
		T_EQ_INT(bg_store_reserve(st, 20000 * 96), 0);
		add(st, "big", 0, 20000);
		T_EQ_INT(bg_store_stats(st, &s), 0);
		T_EQ_INT(s.identities, 20000);
		bg_store_close(st);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	T_EQ_INT(system(path), 0);
	return t_done("test_store");
}
