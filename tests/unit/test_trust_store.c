/* test_trust_store.c: issue 10 items 14 and 16 on a real store.
 *  - 16: a rotation recorded between the account phase's read (its verdict)
 *    and its write (the enforcement record) is kept: the write is a
 *    read-check-write in one transaction, not a copy of what was read;
 *  - 16: no descriptor of the store survives fork + exec (/proc/self/fd of
 *    the child);
 *  - 14: rotation records are keyed by a keyed digest: data.mdb does not hold
 *    the user name; a plaintext-keyed record of an older store is read, and
 *    moved by the next write.
 *  - 17: the store digest kept by every write equals a walk over the records.
 * The account is root with exempt_users and min_uid cleared (vsetup.h); each
 * case starts from its own store. */
#include <fcntl.h>
#include <sys/wait.h>

#include <lmdb.h>

#include "identity.h"
#include "recsum.h"
#include "vsetup.h"

/* The shadow entry of every case: a password 400 days old. */
static struct fake_shadow fs = {1, now_day - 400, -1, "$y$j9T$salt$hash1", 0};

static void ctx_for_test(struct bg_ctx *ctx, unsigned flags, time_t now)
{
	vs_ctx(ctx, &fs, flags, now);
}

/* A small store (1 MiB map) with one advisory naming user:root. */
static void begin_with_advisory(void)
{
	vs_begin("truststore", 1 << 20);
	vs_add_advisory("race", "user:root", (int64_t)(now_day - 10) * DAY,
			(int64_t)(now_day - 10) * DAY, 0);
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

/* A record's digest is the library's HMAC (digest.c, proved equal to
 * libcrypto's by test_digest) over tag || len(key) || key || value. */
static void record_digest_layout(void)
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
	/* Every size on either side of the small-record buffer (61 bytes of key
	 * and value), and a key over 1024 bytes (cut there, as the value to fit
	 * 2048): the definition's bytes, built here independently. */
	{
		static unsigned char key[1500], val[1500], want[2048];
		size_t bad = 0;

		for (size_t i = 0; i < sizeof(key); i++) {
			key[i] = (unsigned char)(i * 31 + 7);
			val[i] = (unsigned char)(i * 17 + 3);
		}
		for (size_t kl = 0; kl <= 70; kl++)
			for (size_t vl = 0; vl <= 70; vl++) {
				want[0] = 'x';
				want[1] = (unsigned char)(kl >> 8);
				want[2] = (unsigned char)kl;
				memcpy(want + 3, key, kl);
				memcpy(want + 3 + kl, val, vl);
				T_EQ_INT(bg_recsum(h, 'x', key, kl, val, vl, a), 0);
				T_EQ_INT(bg_hmac_digest(h, "rec", want, 3 + kl + vl, b), 0);
				bad += memcmp(a, b, sizeof(a)) != 0;
			}
		T_EQ_INT((int)bad, 0);
		want[1] = 1024 >> 8;
		want[2] = 0;
		memcpy(want + 3, key, 1024);
		memcpy(want + 3 + 1024, val, 2048 - 3 - 1024);
		T_EQ_INT(bg_recsum(h, 'x', key, 1500, val, 1500, a), 0);
		T_EQ_INT(bg_hmac_digest(h, "rec", want, 2048, b), 0);
		T_CHECK(memcmp(a, b, sizeof(a)) == 0);
	}
	bg_hmac_free(h);
}

/* The account phase's verdict and the rotation written in between (16);
 * leaves the store with the enforcement record and the rotation. */
static void enforce_with_rotation_in_between(struct bg_result *r)
{
	struct bg_ctx ctx, other;
	struct bg_result r2;
	time_t now = VS_NOW;

	/* The account phase reads (enforce, record due) ... */
	ctx_for_test(&ctx, BG_STORE_RDONLY | BG_STORE_NOWAIT, now);
	T_EQ_INT(bg_verdict(&ctx, "root", r), 0);
	T_EQ_INT(r->verdict, BG_V_ENFORCE);
	T_CHECK(r->record_fp);
	/* ... a rotation is recorded in between (the password phase, or a reset) ... */
	ctx_for_test(&other, BG_STORE_GROW, now + 1);
	T_EQ_INT(bg_record_rotation(&other, "root", BG_ROT_ADMIN), 1);
	bg_ctx_close(&other);
	/* ... then the account phase writes what it decided on before. */
	T_EQ_INT(bg_record_enforcement(&ctx, "root", r), 0);
	bg_ctx_close(&ctx);
	ctx_for_test(&ctx, BG_STORE_RDONLY, now + 2);
	T_EQ_INT(bg_verdict(&ctx, "root", &r2), 0);
	T_EQ_INT(r2.verdict, BG_V_ROTATED); /* the rotation is not lost */
	T_EQ_INT(r2.rotation.how, BG_ROT_ADMIN);
	T_EQ_INT(r2.rotation.fp_exposure, r->exposure); /* and the fingerprint is kept */
	bg_ctx_close(&ctx);
}

/* 16: the write is a read-check-write in one transaction, not a copy of what
 * the verdict read. */
static void rotation_between_read_and_write_is_kept(void)
{
	struct bg_result r;

	begin_with_advisory();
	enforce_with_rotation_in_between(&r);
	vs_end();
}

/* 16: nothing of the store is inherited across fork + exec. */
static void no_store_descriptor_across_exec(void)
{
	struct bg_ctx ctx;
	struct bg_result r;
	int pipefd[2];
	char out[8192];
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	int status = 0;

	begin_with_advisory();
	ctx_for_test(&ctx, BG_STORE_RDONLY, VS_NOW);
	T_EQ_INT(bg_verdict(&ctx, "root", &r), 0); /* the store is open */
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
	bg_ctx_close(&ctx);
	vs_end();
}

/* 17: the digest every write kept equals one recomputed over all records. */
static void kept_digest_equals_walk(void)
{
	unsigned char kept[16], walked[16];
	struct bg_result r;
	struct bg_txn *t = NULL;
	struct bg_ctx ctx;

	begin_with_advisory();
	enforce_with_rotation_in_between(&r);
	ctx_for_test(&ctx, BG_STORE_RDONLY, VS_NOW);
	T_EQ_INT(bg_ctx_open(&ctx), 0);
	T_EQ_INT(bg_txn_begin(ctx.store, false, &t), 0);
	T_EQ_INT(bg_store_digest_get(t, kept), 0);
	T_EQ_INT(bg_store_digest_walk(t, walked, NULL, NULL, NULL), 0);
	T_CHECK(memcmp(kept, walked, 16) == 0);
	bg_txn_abort(t);
	bg_ctx_close(&ctx);
	vs_end();
}

/* 14: rotation records are keyed by a keyed digest: after enforcement and
 * reset the file names nobody; a plaintext-keyed record (a store made
 * before) is read, then moved by the next write. */
static void rotation_keys_name_nobody(void)
{
	char data[300], sdir[300];
	struct bg_result r, r2;
	struct bg_ctx ctx;
	time_t now = VS_NOW;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	unsigned char val[49] = {0};
	MDB_val k = {4, (void *)"root"}, v = {sizeof(val), val};

	begin_with_advisory();
	snprintf(data, sizeof(data), "%s/store/data.mdb", vs_dir);
	snprintf(sdir, sizeof(sdir), "%s/store", vs_dir);
	enforce_with_rotation_in_between(&r);
	T_EQ_INT(file_holds(data, "root"), 0);
	val[0] = 0x10; /* rotated_at 16: long ago */
	val[8] = BG_ROT_ADMIN;
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
	vs_end();
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(record_digest_layout);
	T_RUN(rotation_between_read_and_write_is_kept);
	T_RUN(no_store_descriptor_across_exec);
	T_RUN(kept_digest_equals_walk);
	T_RUN(rotation_keys_name_nobody);
	return t_done("test_trust_store");
}
