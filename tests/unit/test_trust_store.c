/* test_trust_store.c: issue 10 items 14 and 16 on a real store.
 *  - 16: a rotation recorded between the account phase's read (its verdict)
 *    and its write (the enforcement record) is kept: the write is a
 *    read-check-write in one transaction, not a copy of what was read;
 *  - 16: no descriptor of the store survives fork + exec (/proc/self/fd of
 *    the child);
 *  - 14: rotation records are keyed by a keyed digest: data.mdb does not hold
 *    the user name; a plaintext-keyed record of an older store is read, and
 *    moved by the next write.
 * The account is root with exempt_users and min_uid cleared (no fake NSS). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "identity.h"
#include "recsum.h"
#include "t.h"
#include "verdict.h"

#define DAY 86400
static const long now_day = 20000;
static struct bg_config cfg;

static int fake_shadow(void *arg, const char *user, struct bg_shadow *out)
{
	(void)arg;
	(void)user;
	memset(out, 0, sizeof(*out));
	out->found = true;
	out->lastchg = now_day - 400;
	out->min = -1;
	snprintf(out->hash, sizeof(out->hash), "$y$j9T$salt$hash1");
	return 0;
}

static void ctx_for_test(struct bg_ctx *ctx, unsigned flags, time_t now)
{
	bg_ctx_init(ctx, &cfg, NULL, flags);
	ctx->now = now;
	ctx->shadow = fake_shadow;
}

static void add_advisory(const char *identity)
{
	unsigned char key[BG_KEY_LEN], d[BG_DIGEST_LEN];
	struct bg_store *st = NULL;
	struct bg_hmac *h = NULL;
	struct bg_txn *t = NULL;
	struct bg_advisory a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "race");
	a.published = (int64_t)(now_day - 10) * DAY;
	a.imported = (int64_t)(now_day - 10) * DAY;
	a.grace_days = 0;
	T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
	T_EQ_INT(bg_store_open(&st, cfg.store, key, BG_STORE_GROW, 0, NULL), 0);
	T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
	T_EQ_INT(bg_hmac_digest(h, "id", identity, strlen(identity), d), 0);
	T_EQ_INT(bg_txn_begin(st, true, &t), 0);
	bg_advisory_put(t, &a);
	T_CHECK(bg_exposure_add(t, d, a.id) >= 0);
	T_EQ_INT(bg_txn_commit(t), 0);
	bg_hmac_free(h);
	bg_store_close(st);
}

/* Does data.mdb hold this byte string anywhere? */
static int file_holds(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), got, cap = 1 << 20;
	char *buf = malloc(cap);
	int hit = 0;

	T_CHECK(f && buf);
	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return -1;
	}
	got = fread(buf, 1, cap, f);
	fclose(f);
	for (size_t i = 0; i + n <= got && !hit; i++)
		hit = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return hit;
}

int main(void)
{
	struct bg_ctx ctx;
	struct bg_result r, r2;
	char tmpl[] = "/tmp/bg-test-truststore-XXXXXX", dir[256], data[300];
	time_t now = (time_t)now_day * DAY + 36000;

	/* A record's digest is the library's HMAC (digest.c, proved equal to
	 * libcrypto's by test_digest) over tag || len(key) || key || value. */
	{
		unsigned char k[BG_KEY_LEN], enc[3 + 4 + 5], a[BG_RECSUM_LEN], b[BG_RECSUM_LEN];
		struct bg_hmac *h = NULL;

		for (int i = 0; i < BG_KEY_LEN; i++)
			k[i] = (unsigned char)(i * 7 + 1);
		T_EQ_INT(bg_hmac_new(&h, k, NULL), 0);
		memcpy(enc, "e\0\004keysvalue", sizeof(enc));
		T_EQ_INT(bg_recsum(h, 'e', "keys", 4, "value", 5, a), 0);
		T_EQ_INT(bg_hmac_digest(h, "rec", enc, sizeof(enc), b), 0);
		T_CHECK(memcmp(a, b, sizeof(a)) == 0);
		/* Another tag, or the same bytes split otherwise, is another digest. */
		T_EQ_INT(bg_recsum(h, 'r', "keys", 4, "value", 5, b), 0);
		T_CHECK(memcmp(a, b, sizeof(a)) != 0);
		T_EQ_INT(bg_recsum(h, 'e', "key", 3, "svalue", 6, b), 0);
		T_CHECK(memcmp(a, b, sizeof(a)) != 0);
		bg_hmac_free(h);
	}
	snprintf(dir, sizeof(dir), "%s", mkdtemp(tmpl));
	bg_config_defaults(&cfg);
	snprintf(cfg.store, sizeof(cfg.store), "%s/store", dir);
	snprintf(cfg.key_file, sizeof(cfg.key_file), "%s/key", dir);
	snprintf(data, sizeof(data), "%s/store/data.mdb", dir);
	cfg.exempt_users.n = cfg.exempt_users.used = 0;
	cfg.min_uid = 0;
	T_EQ_INT(bg_key_create(cfg.key_file, NULL), 0);
	{
		unsigned char key[BG_KEY_LEN];
		struct bg_store *st = NULL;

		T_EQ_INT(bg_key_load(cfg.key_file, key, NULL), 0);
		T_EQ_INT(bg_store_open(&st, cfg.store, key, BG_STORE_CREATE, 1 << 20, NULL), 0);
		bg_store_close(st);
	}
	add_advisory("user:root");

	/* 16: the race.  The account phase reads (enforce, record due) ... */
	ctx_for_test(&ctx, BG_STORE_RDONLY | BG_STORE_NOWAIT, now);
	T_EQ_INT(bg_verdict(&ctx, "root", &r), 0);
	T_EQ_INT(r.verdict, BG_V_ENFORCE);
	T_CHECK(r.record_fp);
	/* ... a rotation is recorded in between (the password phase, or a reset) ... */
	{
		struct bg_ctx other;

		ctx_for_test(&other, BG_STORE_GROW, now + 1);
		T_EQ_INT(bg_record_rotation(&other, "root", BG_ROT_ADMIN), 1);
		bg_ctx_close(&other);
	}
	/* ... then the account phase writes what it decided on before. */
	T_EQ_INT(bg_record_enforcement(&ctx, "root", &r), 0);
	bg_ctx_close(&ctx);
	ctx_for_test(&ctx, BG_STORE_RDONLY, now + 2);
	T_EQ_INT(bg_verdict(&ctx, "root", &r2), 0);
	T_EQ_INT(r2.verdict, BG_V_ROTATED); /* the rotation is not lost */
	T_EQ_INT(r2.rotation.how, BG_ROT_ADMIN);
	T_EQ_INT(r2.rotation.fp_exposure, r.exposure); /* and the fingerprint is kept */

	/* 16: nothing of the store is inherited across fork + exec. */
	{
		int pipefd[2];
		char out[8192];
		size_t got = 0;
		ssize_t n;
		pid_t pid;
		int status = 0;

		T_EQ_INT(pipe(pipefd), 0);
		pid = fork();
		if (pid == 0) {
			dup2(pipefd[1], 1);
			execl("/bin/ls", "ls", "-l", "/proc/self/fd/", (char *)NULL);
			_exit(127);
		}
		close(pipefd[1]);
		while ((n = read(pipefd[0], out + got, sizeof(out) - 1 - got)) > 0)
			got += (size_t)n;
		out[got] = '\0';
		close(pipefd[0]);
		waitpid(pid, &status, 0);
		T_EQ_INT(WEXITSTATUS(status), 0);
		T_CHECK(strstr(out, "data.mdb") == NULL);
		T_CHECK(strstr(out, "lock.mdb") == NULL);
		if (strstr(out, ".mdb"))
			fprintf(stderr, "child's descriptors:\n%s", out);
	}
	bg_ctx_close(&ctx);

	/* 17: the digest every write kept equals one recomputed over all records. */
	{
		unsigned char kept[16], walked[16];
		struct bg_txn *t = NULL;

		ctx_for_test(&ctx, BG_STORE_RDONLY, now);
		T_EQ_INT(bg_ctx_open(&ctx), 0);
		T_EQ_INT(bg_txn_begin(ctx.store, false, &t), 0);
		T_EQ_INT(bg_store_digest_get(t, kept), 0);
		T_EQ_INT(bg_store_digest_walk(t, walked, NULL, NULL), 0);
		T_CHECK(memcmp(kept, walked, 16) == 0);
		bg_txn_abort(t);
		bg_ctx_close(&ctx);
	}

	/* 14: after enforcement and reset the file names nobody. */
	T_EQ_INT(file_holds(data, "root"), 0);
	/* A plaintext-keyed record (a store made before) is read, then moved. */
	{
		MDB_env *env = NULL;
		MDB_txn *txn = NULL;
		MDB_dbi dbi;
		unsigned char val[49] = {0};
		MDB_val k = {4, (void *)"root"}, v = {sizeof(val), val};
		char sdir[300];

		val[0] = 0x10; /* rotated_at 16: long ago */
		val[8] = BG_ROT_ADMIN;
		snprintf(sdir, sizeof(sdir), "%s/store", dir);
		T_EQ_INT(mdb_env_create(&env), 0);
		mdb_env_set_maxdbs(env, 8);
		T_EQ_INT(mdb_env_open(env, sdir, 0, 0600), 0);
		T_EQ_INT(mdb_txn_begin(env, NULL, 0, &txn), 0);
		T_EQ_INT(mdb_dbi_open(txn, "rotations", 0, &dbi), 0);
		T_EQ_INT(mdb_drop(txn, dbi, 0), 0); /* only the old-style record */
		T_EQ_INT(mdb_put(txn, dbi, &k, &v, 0), 0);
		T_EQ_INT(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
		T_EQ_INT(file_holds(data, "root"), 1);
		ctx_for_test(&ctx, BG_STORE_RDONLY, now);
		T_EQ_INT(bg_verdict(&ctx, "root", &r2), 0);
		T_EQ_INT(r2.rotation.rotated_at, 16);
		T_EQ_INT(r2.rotation.how, BG_ROT_ADMIN);
		bg_ctx_close(&ctx);
		ctx_for_test(&ctx, BG_STORE_GROW, now);
		T_EQ_INT(bg_record_rotation(&ctx, "root", BG_ROT_ADMIN), 1);
		bg_ctx_close(&ctx);
		ctx_for_test(&ctx, BG_STORE_RDONLY, now + 5);
		T_EQ_INT(bg_verdict(&ctx, "root", &r2), 0);
		T_EQ_INT(r2.verdict, BG_V_ROTATED);
		T_EQ_INT(r2.rotation.rotated_at, (long long)now);
		bg_ctx_close(&ctx);
		/* The old key is gone; LMDB may keep the bytes in a free page until
		 * it is reused, so check the table, not the file. */
		T_EQ_INT(mdb_env_create(&env), 0);
		mdb_env_set_maxdbs(env, 8);
		T_EQ_INT(mdb_env_open(env, sdir, MDB_RDONLY, 0600), 0);
		T_EQ_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
		T_EQ_INT(mdb_dbi_open(txn, "rotations", 0, &dbi), 0);
		T_EQ_INT(mdb_get(txn, dbi, &k, &v), MDB_NOTFOUND);
		{
			MDB_stat ms;

			T_EQ_INT(mdb_stat(txn, dbi, &ms), 0);
			T_EQ_INT(ms.ms_entries, 1);
		}
		mdb_txn_abort(txn);
		mdb_env_close(env);
	}
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		T_EQ_INT(system(cmd), 0);
	}
	return t_done("test_trust_store");
}
