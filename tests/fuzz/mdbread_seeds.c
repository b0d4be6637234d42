/* mdbread_seeds.c: makes the seeds of fuzz_mdbread (tests/fuzz/corpus/mdbread/):
 * small LMDB data files with the store's four tables ("meta", "advisories",
 * "exposures" MDB_DUPSORT|MDB_DUPFIXED, "rotations") in the shapes the reader
 * reads, each prefixed with wrap.c's 4 zero bytes (nothing injected):
 *   empty     the four tables, empty
 *   small     a few keys in each; duplicates in the node and in a sub-page
 *   subtree   duplicates in a sub-tree of one leaf and of two levels
 *   overflow  values of 5000 and 9000 bytes (overflow pages)
 *   deep      a table two levels deep, several leaves
 *   snapshots two commits: the older meta holds another tree
 * `make fuzz-seeds` (part of fuzz-replay) builds it, runs it into a scratch
 * directory and fails unless the files are the committed seeds, byte for byte.
 * To remake the seeds after a change here:
 *   make fuzz-seeds; cp -r build/fuzz/seeds-mdbread/. tests/fuzz/corpus/mdbread */
#include <fcntl.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t seed = 1;

static unsigned char rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (unsigned char)(seed >> 16);
}

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "mdbread_seeds: %s: %s\n", what, mdb_strerror(rc));
		exit(1);
	}
}

static void put(MDB_txn *t, MDB_dbi d, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};

	check(mdb_put(t, d, &key, &val, 0), "mdb_put");
}

struct store {
	MDB_env *env;
	MDB_dbi meta, adv, exp, rot;
	char dir[256];
};

static MDB_txn *begin(struct store *s)
{
	MDB_txn *t = NULL;

	check(mdb_txn_begin(s->env, NULL, 0, &t), "mdb_txn_begin");
	check(mdb_dbi_open(t, "meta", MDB_CREATE, &s->meta), "meta");
	check(mdb_dbi_open(t, "advisories", MDB_CREATE, &s->adv), "advisories");
	check(mdb_dbi_open(t, "exposures", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &s->exp),
	      "exposures");
	check(mdb_dbi_open(t, "rotations", MDB_CREATE, &s->rot), "rotations");
	return t;
}

/* The records every store has: its schema and key id. */
static void basics(struct store *s, MDB_txn *t)
{
	static const unsigned char one[4] = {1, 0, 0, 0};
	unsigned char kid[16];

	fill(kid, sizeof(kid));
	put(t, s->meta, "schema", 6, one, sizeof(one));
	put(t, s->meta, "key_id", 6, kid, sizeof(kid));
}

static void advisory(struct store *s, MDB_txn *t, uint32_t id, size_t len)
{
	unsigned char k[4] = {(unsigned char)(id >> 24), (unsigned char)(id >> 16),
			      (unsigned char)(id >> 8), (unsigned char)id};
	unsigned char *v = malloc(len);

	if (!v)
		exit(1);
	fill(v, len);
	put(t, s->adv, k, sizeof(k), v, len);
	free(v);
}

static void exposure(struct store *s, MDB_txn *t, unsigned n)
{
	unsigned char d[16], id[4];

	fill(d, sizeof(d));
	for (unsigned i = 0; i < n; i++) {
		fill(id, sizeof(id));
		put(t, s->exp, d, sizeof(d), id, sizeof(id));
	}
}

static void rotation(struct store *s, MDB_txn *t, size_t len)
{
	unsigned char k[32], v[256];

	fill(k, sizeof(k));
	fill(v, len);
	put(t, s->rot, k, sizeof(k), v, len);
}

static void open_store(struct store *s, const char *name)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/mdbread-seed-%s-%d", name, (int)getpid());
	if (mkdir(s->dir, 0700) != 0) {
		perror(s->dir);
		exit(1);
	}
	check(mdb_env_create(&s->env), "mdb_env_create");
	check(mdb_env_set_maxdbs(s->env, 8), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(s->env, 1u << 20), "mdb_env_set_mapsize");
	check(mdb_env_open(s->env, s->dir, MDB_NOSYNC, 0600), "mdb_env_open");
}

/* Closes the store and writes its data file, after 4 zero bytes, to out/name. */
static void finish(struct store *s, const char *out, const char *name)
{
	char path[512], buf[65536];
	int in, fd;
	ssize_t n;
	size_t total = 0;

	mdb_env_close(s->env);
	snprintf(path, sizeof(path), "%s/data.mdb", s->dir);
	in = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/%s", out, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || fd < 0 || write(fd, "\0\0\0\0", 4) != 4) {
		perror(path);
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			perror(path);
			exit(1);
		}
		total += (size_t)n;
	}
	close(in);
	close(fd);
	snprintf(path, sizeof(path), "%s/data.mdb", s->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", s->dir);
	unlink(path);
	rmdir(s->dir);
	printf("%s: %zu bytes\n", name, total + 4);
}

int main(int argc, char **argv)
{
	struct store s;
	MDB_txn *t;

	if (argc != 2) {
		fprintf(stderr, "usage: mdbread_seeds DIR\n");
		return 2;
	}
	memset(&s, 0, sizeof(s));

	open_store(&s, "empty");
	t = begin(&s);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "empty");

	open_store(&s, "small");
	t = begin(&s);
	basics(&s, t);
	for (uint32_t i = 1; i <= 3; i++)
		advisory(&s, t, i, 60 + 20 * i);
	for (unsigned i = 0; i < 5; i++)
		exposure(&s, t, 1);
	exposure(&s, t, 3);
	rotation(&s, t, 96);
	rotation(&s, t, 120);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "small");

	open_store(&s, "subtree");
	t = begin(&s);
	basics(&s, t);
	advisory(&s, t, 1, 80);
	exposure(&s, t, 2);
	exposure(&s, t, 600);
	exposure(&s, t, 1500);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "subtree");

	open_store(&s, "overflow");
	t = begin(&s);
	basics(&s, t);
	advisory(&s, t, 1, 100);
	advisory(&s, t, 2, 5000);
	advisory(&s, t, 3, 9000);
	exposure(&s, t, 1);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "overflow");

	open_store(&s, "deep");
	t = begin(&s);
	basics(&s, t);
	for (unsigned i = 0; i < 160; i++)
		rotation(&s, t, 64);
	for (unsigned i = 0; i < 40; i++)
		exposure(&s, t, 1 + i % 3);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "deep");

	open_store(&s, "snapshots");
	t = begin(&s);
	basics(&s, t);
	for (uint32_t i = 1; i <= 6; i++)
		advisory(&s, t, i, 100);
	exposure(&s, t, 1);
	exposure(&s, t, 4);
	rotation(&s, t, 96);
	check(mdb_txn_commit(t), "commit");
	t = begin(&s);
	advisory(&s, t, 2, 150);
	advisory(&s, t, 7, 90);
	exposure(&s, t, 2);
	check(mdb_txn_commit(t), "commit");
	finish(&s, argv[1], "snapshots");
	return 0;
}
