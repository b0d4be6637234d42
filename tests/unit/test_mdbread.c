/* test_mdbread.c: mdbread.c, the pread reader of LMDB data files, held to
 * LMDB itself.  Stores of many shapes are made with liblmdb (no table, empty
 * tables, one key, trees 1 to 5 levels deep, keys of 1 to 511 bytes, values
 * from 0 bytes to many overflow pages, duplicates in a node, a sub-page and
 * sub-trees, churn over many commits, hundreds of tables, flags the reader
 * does not read, a store made by store.c), and every stored key and many
 * absent neighbours are looked up both ways: the reader must give LMDB's
 * answer or BG_MR_FALLBACK, and on the ordinary shapes it never falls back.
 * Then damaged copies (truncated, bytes changed, nodes reordered, page
 * numbers bent out of range or into cycles, foreign metas): the reader must
 * not crash and, wherever LMDB answers without crashing, give the same answer
 * or fall back.  LMDB runs on those in child processes (it may SIGSEGV or
 * SIGBUS on them); a lookup is only retried on the pages it reads, since an
 * edit elsewhere cannot change its answer.  main() runs the cases in a child
 * and removes the temporary directory whatever happens to it.
 *   BG_MR_SAVE=DIR  keeps each damaged file the reader disagreed on
 *   BG_MR_STATS=1   prints each shape's figures
 *   BG_MR_SHOW=N    prints the first N failures (60) */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mdbread.h"
#include "store.h"
#include "t.h"

#define FB BG_MR_FALLBACK
#define PSZ 4096u
#define NOPG UINT64_MAX
#define MAXKEY 511u
#define DUPS (MDB_DUPSORT | MDB_DUPFIXED)

/* LMDB 0.9's layout (the test reads its own sound files with it) */
#define MP_BRANCH 0x01u
#define MP_LEAF 0x02u
#define MP_OVERFLOW 0x04u
#define MP_META 0x08u
#define MP_DIRTY 0x10u
#define MP_LEAF2 0x20u
#define MP_SUBP 0x40u
#define NF_BIG 0x01u
#define NF_SUB 0x02u
#define NF_DUP 0x04u
#define META_TXNID 144u /* offsets in a meta page */
#define META_LAST 136u
#define META_PSIZE 40u
#define META_MAIN 88u /* the main table's record */
#define META_FREE 40u /* the free table's (its pad is the page size) */

static char top[64]; /* this run's directory */
static unsigned shown, show_max = 60;
static bool stats;
static uint64_t rs = 0x9e3779b97f4a7c15u;

/* ---- small things ---------------------------------------------------------- */

static void fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A failed comparison: counted always, printed up to a limit. */
static void fail_at(int line, const char *fmt, ...)
{
	va_list ap;

	t_failed++;
	if (shown++ >= show_max) {
		if (shown == show_max + 1)
			fprintf(stderr, "test_mdbread: more failures not shown\n");
		return;
	}
	fprintf(stderr, "%s:%d: [%s] FAIL: ", __FILE__, line, t_case_name ? t_case_name : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define FAIL(...) fail_at(__LINE__, __VA_ARGS__)
/* A check of the test's own set-up (an LMDB call). */
#define SETUP(cond, ...)                                                                           \
	do {                                                                                       \
		t_run++;                                                                           \
		if (!(cond))                                                                       \
			FAIL(__VA_ARGS__);                                                         \
	} while (0)

static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void rnd_fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(rnd() >> 29);
}

static const char *hex(const void *p, size_t n)
{
	static char buf[4][120];
	static unsigned which;
	char *o = buf[which++ % 4];
	size_t m = n > 40 ? 40 : n;

	if (n == 0)
		return "(empty)";
	for (size_t i = 0; i < m; i++)
		snprintf(o + 2 * i, 3, "%02x", ((const unsigned char *)p)[i]);
	if (n > m)
		snprintf(o + 2 * m, 40, "..(%zu bytes)", n);
	return o;
}

static uint16_t g16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t g32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t g64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int keycmp(const void *a, size_t al, const void *b, size_t bl)
{
	int d = al && bl ? memcmp(a, b, al < bl ? al : bl) : 0;

	return d ? d : (al > bl) - (al < bl);
}

/* Values as LMDB or the reader hand them over: each as a 4-byte length and
 * its bytes. */
struct vec {
	unsigned char *b;
	size_t len, cap, n;
};

static void vec_add(struct vec *v, const void *p, size_t n)
{
	uint32_t l = (uint32_t)n;

	if (v->len + n + 4 > v->cap) {
		size_t cap = (v->len + n + 4) * 2;
		unsigned char *b = realloc(v->b, cap);

		if (!b)
			abort();
		v->b = b;
		v->cap = cap;
	}
	memcpy(v->b + v->len, &l, 4);
	if (n)
		memcpy(v->b + v->len + 4, p, n);
	v->len += n + 4;
	v->n++;
}

static bool vec_eq(const struct vec *a, const struct vec *b)
{
	return a->n == b->n && a->len == b->len && (!a->len || memcmp(a->b, b->b, a->len) == 0);
}

/* A hash of a value (its length too), 8 bytes a step: fnv for the reader's
 * values (ASan checks every byte read), fnv_raw for a value LMDB hands out on
 * a damaged file, which may point anywhere (not checked by ASan: a bad
 * pointer is a signal, caught). */
#define FNV_DEFINE(name, attr)                                                                     \
	attr static uint64_t name(uint64_t h, const void *p, size_t n)                             \
	{                                                                                          \
		const unsigned char *c = p;                                                        \
		uint64_t w;                                                                        \
		size_t i = 0;                                                                      \
                                                                                                   \
		h = (h ^ n) * 0x100000001b3u;                                                      \
		for (; i + 8 <= n; i += 8) {                                                       \
			memcpy(&w, c + i, 8);                                                      \
			h = (h ^ w) * 0x100000001b3u;                                              \
			h ^= h >> 29;                                                              \
		}                                                                                  \
		for (; i < n; i++)                                                                 \
			h = (h ^ c[i]) * 0x100000001b3u;                                           \
		return h;                                                                          \
	}
FNV_DEFINE(fnv, )
FNV_DEFINE(fnv_raw, __attribute__((no_sanitize_address)))

#define FNV0 0xcbf29ce484222325u

static int rm_one(const char *path, const struct stat *s, int type, struct FTW *f)
{
	(void)s;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- making stores with LMDB --------------------------------------------- */

struct env {
	MDB_env *env;
	char dir[128], data[256];
};

static bool env_new(struct env *e, const char *name, size_t map, unsigned flags)
{
	int rc;

	snprintf(e->dir, sizeof(e->dir), "%s/%s", top, name);
	snprintf(e->data, sizeof(e->data), "%s/data.mdb", e->dir);
	e->env = NULL;
	if (mkdir(e->dir, 0700) != 0) {
		SETUP(0, "mkdir %s: %s", e->dir, strerror(errno));
		return false;
	}
	if ((rc = mdb_env_create(&e->env)) == 0 && (rc = mdb_env_set_maxdbs(e->env, 400)) == 0 &&
	    (rc = mdb_env_set_mapsize(e->env, map)) == 0)
		rc = mdb_env_open(e->env, e->dir, MDB_NOSYNC | flags, 0600);
	SETUP(rc == 0, "%s: mdb_env_open: %s", name, mdb_strerror(rc));
	if (rc != 0 && e->env) {
		mdb_env_close(e->env);
		e->env = NULL;
	}
	return rc == 0;
}

static void env_done(struct env *e)
{
	if (e->env)
		mdb_env_close(e->env);
	e->env = NULL;
	rm_tree(e->dir);
}

static MDB_txn *wtxn(struct env *e)
{
	MDB_txn *t = NULL;
	int rc = mdb_txn_begin(e->env, NULL, 0, &t);

	SETUP(rc == 0, "mdb_txn_begin: %s", mdb_strerror(rc));
	return t;
}

static MDB_dbi mkdbi(MDB_txn *t, const char *name, unsigned flags)
{
	MDB_dbi d = 0;
	int rc = mdb_dbi_open(t, name, flags | MDB_CREATE, &d);

	SETUP(rc == 0, "mdb_dbi_open %s: %s", name ? name : "(main)", mdb_strerror(rc));
	return d;
}

static void put(MDB_txn *t, MDB_dbi d, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
	int rc = mdb_put(t, d, &key, &val, 0);

	if (rc != 0)
		FAIL("mdb_put %s: %s", hex(k, kl), mdb_strerror(rc));
}

static void commit(MDB_txn *t)
{
	int rc = mdb_txn_commit(t);

	SETUP(rc == 0, "mdb_txn_commit: %s", mdb_strerror(rc));
}

/* A value of length n for key k (its first bytes name the key). */
static void value_for(unsigned char *v, size_t n, const unsigned char *k, size_t kl)
{
	rnd_fill(v, n);
	memcpy(v, k, n < kl ? n : kl);
}

/* ---- one table compared both ways ------------------------------------------ */

struct cmp {
	const char *shape, *name;
	unsigned flags;
	bool dups;	/* bg_mr_dups and a cursor; else bg_mr_get and mdb_get */
	bool strict;	/* bg_mr_table must open it */
	unsigned batch; /* lookups per bg_mr_open */
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	int fd;
	struct bg_mr *m;
	struct bg_mr_db db;
	int trc;
	unsigned used;
	unsigned long lookups, found, fb, fb_fresh, fb_odd;
	struct vec lv, rv;
};

static void rd_close(struct cmp *c)
{
	if (c->m)
		bg_mr_close(c->m);
	c->m = NULL;
}

static void rd_open(struct cmp *c)
{
	int rc;

	rd_close(c);
	c->used = 0;
	rc = bg_mr_open(&c->m, c->fd);
	t_run++;
	if (rc != 0) {
		FAIL("%s: bg_mr_open of a sound store: %d", c->shape, rc);
		c->m = NULL;
		c->trc = rc;
		return;
	}
	c->trc = bg_mr_table(c->m, c->name, c->flags, &c->db);
	t_run++;
	if (c->trc != 0 && (c->strict || c->trc != FB))
		FAIL("%s: bg_mr_table(%s, %#x): %d", c->shape, c->name, c->flags, c->trc);
	/* A sound store's pages are sound for a write too (store.c checks them
	 * before the module writes): the table's record, LMDB's free list. */
	if (c->strict) {
		t_run++;
		if ((rc = bg_mr_sound_path(c->m, bg_mr_main(c->m), c->name, strlen(c->name), true)))
			FAIL("%s: bg_mr_sound_path(main, %s): %d", c->shape, c->name, rc);
		t_run++;
		if ((rc = bg_mr_sound_free_list(c->m)) != 0)
			FAIL("%s: bg_mr_sound_free_list: %d", c->shape, rc);
	}
}

static void cmp_begin(struct cmp *c, struct env *e, const char *shape, const char *name,
		      unsigned flags, bool dups, bool strict)
{
	MDB_stat st;
	unsigned fl = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	c->shape = shape;
	c->name = name;
	c->flags = flags;
	c->dups = dups;
	c->strict = strict;
	c->batch = 8;
	c->fd = -1;
	rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &c->txn);
	SETUP(rc == 0, "%s: mdb_txn_begin: %s", shape, mdb_strerror(rc));
	rc = mdb_dbi_open(c->txn, name, 0, &c->dbi);
	SETUP(rc == 0, "%s: mdb_dbi_open %s: %s", shape, name, mdb_strerror(rc));
	rc = mdb_cursor_open(c->txn, c->dbi, &c->cur);
	SETUP(rc == 0, "%s: mdb_cursor_open: %s", shape, mdb_strerror(rc));
	c->fd = open(e->data, O_RDONLY | O_CLOEXEC);
	SETUP(c->fd >= 0, "%s: open %s: %s", shape, e->data, strerror(errno));
	rd_open(c);
	if (c->trc != 0)
		return;
	/* The table's record, as LMDB reads it. */
	mdb_stat(c->txn, c->dbi, &st);
	mdb_dbi_flags(c->txn, c->dbi, &fl);
	T_EQ_INT(c->db.depth, st.ms_depth);
	T_EQ_INT(c->db.flags, fl);
	T_EQ_INT(c->db.root == UINT64_MAX, st.ms_entries == 0);
	if (c->db.root != UINT64_MAX)
		T_CHECK(c->db.root >= 2);
}

static void cmp_end(struct cmp *c)
{
	rd_close(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->cur)
		mdb_cursor_close(c->cur);
	if (c->txn)
		mdb_txn_abort(c->txn);
	free(c->lv.b);
	free(c->rv.b);
	if (stats)
		printf("  %-14s %-12.12s %8lu lookups, %8lu found, %lu fallbacks (%lu on a fresh "
		       "open, %lu of keys LMDB cannot hold)\n",
		       c->shape, c->name, c->lookups, c->found, c->fb, c->fb_fresh, c->fb_odd);
	c->txn = NULL;
	c->cur = NULL;
}

/* LMDB's answer: its code and the value (get) or the values in c->lv (dups). */
static int lmdb_lookup(struct cmp *c, const void *k, size_t kl, MDB_val *v)
{
	MDB_val key = {kl, (void *)k};
	int rc;

	v->mv_size = 0;
	v->mv_data = NULL;
	if (!c->dups)
		return mdb_get(c->txn, c->dbi, &key, v);
	c->lv.len = c->lv.n = 0;
	rc = mdb_cursor_get(c->cur, &key, v, MDB_SET_KEY);
	while (rc == 0) {
		vec_add(&c->lv, v->mv_data, v->mv_size);
		rc = mdb_cursor_get(c->cur, &key, v, MDB_NEXT_DUP);
	}
	return rc == MDB_NOTFOUND && c->lv.n ? 0 : rc;
}

static int collect(const void *v, size_t len, void *arg)
{
	vec_add(arg, v, len);
	return 0;
}

static int rd_lookup(struct cmp *c, const void *k, size_t kl, const void **v, size_t *len)
{
	c->rv.len = c->rv.n = 0;
	if (!c->m)
		return FB;
	if (c->trc != 0)
		return c->trc;
	if (!c->dups)
		return bg_mr_get(c->m, &c->db, k, kl, v, len);
	return bg_mr_dups(c->m, &c->db, k, kl, collect, &c->rv);
}

/* An answer in words, LMDB's codes (lmdb) or the reader's; four calls may
 * share one message. */
static const char *says(bool lmdb, int rc, size_t n)
{
	static char buf[4][64];
	static unsigned which;
	char *o = buf[which++ % 4];

	if (rc == 0)
		snprintf(o, sizeof(buf[0]), "found (%zu)", n);
	else if (lmdb)
		snprintf(o, sizeof(buf[0]), "%s", mdb_strerror(rc));
	else if (rc == -ENOENT)
		snprintf(o, sizeof(buf[0]), "-ENOENT");
	else if (rc == FB)
		snprintf(o, sizeof(buf[0]), "BG_MR_FALLBACK");
	else
		snprintf(o, sizeof(buf[0]), "%d", rc);
	return o;
}

#define lmdb_says(rc, n) says(true, rc, n)
#define rd_says(rc, n) says(false, rc, n)

struct stop {
	struct vec v;
	size_t at;
};

static int stop_at(const void *v, size_t len, void *arg)
{
	struct stop *s = arg;

	vec_add(&s->v, v, len);
	return s->v.n == s->at ? 42 : 0;
}

/* A callback's non-zero return stops the walk there and is returned. */
static void cmp_stop(struct cmp *c, const void *k, size_t kl)
{
	struct stop s = {.at = 1 + rndn((unsigned)c->lv.n)};
	int rc = bg_mr_dups(c->m, &c->db, k, kl, stop_at, &s);

	if (rc != FB) {
		t_run++;
		if (rc != 42 || s.v.n != s.at || memcmp(s.v.b, c->lv.b, s.v.len) != 0)
			FAIL("%s/%s key %s: a callback stopping at value %zu: %d after %zu values",
			     c->shape, c->name, hex(k, kl), s.at, rc, s.v.n);
	}
	free(s.v.b);
}

/* One lookup both ways.  expect: 1 stored, 0 absent, -1 LMDB decides.
 * Returns the reader's final code. */
/* A key the reader found (or not) on a sound store: its path is sound for a
 * write too (store.c checks it before the module writes). */
static void sound_for_write(struct cmp *c, const void *k, size_t kl)
{
	int rc;

	if (c->dups || c->flags != 0)
		return;
	t_run++;
	if ((rc = bg_mr_sound_path(c->m, &c->db, k, kl, false)) != 0)
		FAIL("%s/%s key %s: read, but its path not sound for a write: %d", c->shape,
		     c->name, hex(k, kl), rc);
}

static int cmp_key(struct cmp *c, const void *k, size_t kl, int expect)
{
	MDB_val lv;
	const void *rv = NULL;
	size_t rlen = 0;
	unsigned before;
	int lrc = lmdb_lookup(c, k, kl, &lv), rrc;
	size_t ln = c->dups ? c->lv.n : lv.mv_size;

	if (expect >= 0)
		SETUP(lrc == (expect ? 0 : MDB_NOTFOUND), "%s/%s key %s: LMDB says %s", c->shape,
		      c->name, hex(k, kl), lmdb_says(lrc, ln));
	if (c->used >= c->batch)
		rd_open(c);
	c->used++;
	c->lookups++;
	before = bg_mr_pages_read(c->m);
	rrc = rd_lookup(c, k, kl, &rv, &rlen);
	if (rrc == FB) {
		/* The reader's caps are per open: ask once more on a fresh one. */
		c->fb++;
		t_run++;
		if (c->rv.n)
			FAIL("%s/%s key %s: fell back after handing %zu values to the callback",
			     c->shape, c->name, hex(k, kl), c->rv.n);
		rd_open(c);
		c->used = 1;
		before = bg_mr_pages_read(c->m);
		rrc = rd_lookup(c, k, kl, &rv, &rlen);
		if (rrc == FB) {
			/* Keys LMDB cannot store are not the ordinary shape. */
			if (kl == 0 || kl > MAXKEY)
				c->fb_odd++;
			else
				c->fb_fresh++;
			if (stats && kl && kl <= MAXKEY && c->fb_fresh <= 3)
				printf("  %s/%.12s: key %s falls back (LMDB: %s)\n", c->shape,
				       c->name, hex(k, kl), lmdb_says(lrc, ln));
			t_run++;
			if (c->rv.n)
				FAIL("%s/%s key %s: fell back after handing %zu values", c->shape,
				     c->name, hex(k, kl), c->rv.n);
			return rrc;
		}
	}
	t_run++;
	if (lrc == 0 && rrc == 0) {
		if (c->dups ? !vec_eq(&c->lv, &c->rv)
			    : rlen != lv.mv_size || (rlen && memcmp(rv, lv.mv_data, rlen) != 0)) {
			FAIL("%s/%s key %s: LMDB and the reader found different values (%zu, %zu)",
			     c->shape, c->name, hex(k, kl), ln, c->dups ? c->rv.n : rlen);
			return rrc;
		}
		c->found++;
		/* One pread per page of the path (and two for an overflow value). */
		t_run++;
		if (!c->dups && bg_mr_pages_read(c->m) - before > c->db.depth + 2u)
			FAIL("%s/%s key %s: %u pages read for a tree %u deep", c->shape, c->name,
			     hex(k, kl), bg_mr_pages_read(c->m) - before, c->db.depth);
		if (c->dups && c->lv.n > 1 && rndn(4) == 0)
			cmp_stop(c, k, kl);
		sound_for_write(c, k, kl);
		return rrc;
	}
	if (lrc == MDB_NOTFOUND && rrc == -ENOENT && c->rv.n == 0) {
		sound_for_write(c, k, kl);
		return rrc;
	}
	FAIL("%s/%s key %s: LMDB %s, reader %s", c->shape, c->name, hex(k, kl), lmdb_says(lrc, ln),
	     rd_says(rrc, c->dups ? c->rv.n : rlen));
	return rrc;
}

/* Absent neighbours of a key (LMDB decides whether each is absent). */
static void cmp_near(struct cmp *c, const unsigned char *k, size_t kl)
{
	unsigned char b[MAXKEY + 2];

	if (kl == 0 || kl > MAXKEY)
		return;
	memcpy(b, k, kl);
	b[kl - 1]++;
	cmp_key(c, b, kl, -1);
	b[kl - 1] = (unsigned char)(b[kl - 1] - 2);
	cmp_key(c, b, kl, -1);
	b[kl - 1]++;
	b[0] ^= 0x80;
	cmp_key(c, b, kl, -1);
	b[0] ^= 0x80;
	b[kl / 2] ^= 0x01;
	cmp_key(c, b, kl, -1);
	b[kl / 2] ^= 0x01;
	if (kl > 1)
		cmp_key(c, b, kl - 1, -1);
	if (kl < MAXKEY) {
		b[kl] = 0;
		cmp_key(c, b, kl + 1, -1);
		b[kl] = 0xff;
		cmp_key(c, b, kl + 1, -1);
	}
}

/* Keys below and above everything, and longer than LMDB stores. */
static void cmp_edges(struct cmp *c)
{
	unsigned char b[600];

	memset(b, 0, sizeof(b));
	cmp_key(c, b, 1, -1);
	cmp_key(c, b, 16, -1);
	cmp_key(c, b, 32, -1);
	cmp_key(c, b, MAXKEY, -1);
	memset(b, 0xff, sizeof(b));
	cmp_key(c, b, 1, -1);
	cmp_key(c, b, 32, -1);
	cmp_key(c, b, MAXKEY, -1);
	cmp_key(c, b, MAXKEY + 1, -1);
	cmp_key(c, b, sizeof(b), -1);
}

/* Every key LMDB holds (neighbours for every near_step-th), then the edges. */
static void cmp_all(struct cmp *c, unsigned near_step)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	unsigned long i = 0;
	int rc = mdb_cursor_open(c->txn, c->dbi, &cur);

	SETUP(rc == 0, "mdb_cursor_open: %s", mdb_strerror(rc));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP), i++) {
		cmp_key(c, k.mv_data, k.mv_size, 1);
		if (near_step && i % near_step == 0)
			cmp_near(c, k.mv_data, k.mv_size);
	}
	SETUP(rc == MDB_NOTFOUND, "mdb_cursor_get: %s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	cmp_edges(c);
}

/* ---- reading a sound image (the test's own files) ---------------------------- */

struct pages {
	unsigned n;
	bool all;
	uint64_t p[40];
};

static void pages_add(struct pages *pa, uint64_t pg)
{
	for (unsigned i = 0; i < pa->n; i++)
		if (pa->p[i] == pg)
			return;
	if (pa->n == sizeof(pa->p) / sizeof(pa->p[0]))
		pa->all = true;
	else
		pa->p[pa->n++] = pg;
}

struct img {
	const unsigned char *b;
	size_t size;
	uint64_t last, main_root;
	unsigned cur; /* the newest meta's page */
};

static bool img_init(struct img *im, const unsigned char *b, size_t size)
{
	im->b = b;
	im->size = size;
	if (size < 2 * PSZ || g32(b + 16) != 0xBEEFC0DEu || g32(b + META_PSIZE) != PSZ)
		return false;
	im->cur = g64(b + META_TXNID) < g64(b + PSZ + META_TXNID);
	im->last = g64(b + im->cur * PSZ + META_LAST);
	im->main_root = g64(b + im->cur * PSZ + META_MAIN + 40);
	return true;
}

static const unsigned char *img_page(const struct img *im, uint64_t pg)
{
	if (pg > im->last || (pg + 1) * PSZ > im->size)
		return NULL;
	return im->b + pg * PSZ;
}

static unsigned pnkeys(const unsigned char *p)
{
	return (g16(p + 12) - 16u) / 2u;
}

static const unsigned char *pnode(const unsigned char *p, unsigned i)
{
	return p + g16(p + 16 + 2 * i);
}

static uint64_t nchild(const unsigned char *n)
{
	return g16(n) | (uint64_t)g16(n + 2) << 16 | (uint64_t)g16(n + 4) << 32;
}

static const unsigned char *ndata(const unsigned char *n)
{
	return n + 8 + g16(n + 6);
}

/* The leaf node of key in the tree at root, or NULL; the pages read on the way
 * go to pa. */
static const unsigned char *img_find(const struct img *im, uint64_t root, const void *k, size_t kl,
				     struct pages *pa)
{
	const unsigned char *p;

	for (uint64_t pg = root; pg != NOPG && (p = img_page(im, pg)) != NULL;) {
		unsigned n = pnkeys(p), at = 0;

		pages_add(pa, pg);
		if (!(g16(p + 10) & MP_BRANCH)) {
			for (unsigned i = 0; i < n; i++) {
				const unsigned char *nd = pnode(p, i);

				if (keycmp(k, kl, nd + 8, g16(nd + 6)) == 0)
					return nd;
			}
			return NULL;
		}
		for (unsigned i = 1; i < n; i++) {
			const unsigned char *nd = pnode(p, i);

			if (keycmp(k, kl, nd + 8, g16(nd + 6)) < 0)
				break;
			at = i;
		}
		pg = nchild(pnode(p, at));
	}
	return NULL;
}

static void img_all(const struct img *im, uint64_t pg, struct pages *pa, unsigned level)
{
	const unsigned char *p = img_page(im, pg);

	if (!p || level > 8)
		return;
	pages_add(pa, pg);
	if (g16(p + 10) & MP_BRANCH)
		for (unsigned i = 0; i < pnkeys(p); i++)
			img_all(im, nchild(pnode(p, i)), pa, level + 1);
}

/* The record of table name in the main table, or NULL. */
static const unsigned char *img_table(const struct img *im, const char *name, struct pages *pa)
{
	const unsigned char *nd = img_find(im, im->main_root, name, strlen(name), pa);

	return nd && (g16(nd + 4) & NF_SUB) ? ndata(nd) : NULL;
}

/* The depth of the duplicate sub-tree of key in table name (0: none; -1: in
 * the node, -2: a sub-page). */
static int img_dup_depth(const struct img *im, const char *name, const void *k, size_t kl)
{
	struct pages pa = {0};
	const unsigned char *rec = img_table(im, name, &pa), *nd;

	if (!rec || !(nd = img_find(im, g64(rec + 40), k, kl, &pa)))
		return 0;
	if ((g16(nd + 4) & (NF_SUB | NF_DUP)) == (NF_SUB | NF_DUP))
		return g16(ndata(nd) + 6);
	return g16(nd + 4) & NF_DUP ? -2 : -1;
}

static unsigned char *slurp(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat s;
	unsigned char *b = NULL;

	*size = 0;
	if (fd >= 0 && fstat(fd, &s) == 0 && (b = malloc((size_t)s.st_size + 1)) != NULL &&
	    pread(fd, b, (size_t)s.st_size, 0) == s.st_size)
		*size = (size_t)s.st_size;
	if (fd >= 0)
		close(fd);
	SETUP(*size > 0, "read %s", path);
	return b;
}

/* ---- sound stores of many shapes -------------------------------------------- */

/* No named table: the file LMDB makes on its first open. */
static void case_no_table(void)
{
	struct env e = {NULL, {0}, {0}};
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	MDB_txn *t = NULL;
	MDB_dbi d;
	int fd, pfd[2], rc;

	if (!env_new(&e, "none", 1u << 20, 0))
		return;
	fd = open(e.data, O_RDONLY | O_CLOEXEC);
	T_CHECK(fd >= 0);
	rc = bg_mr_open(&m, fd);
	T_CHECK(rc == 0 || rc == FB);
	if (rc == 0) {
		T_EQ_INT(bg_mr_table(m, "meta", 0, &db), FB);
		T_EQ_INT(bg_mr_table(m, "exposures", DUPS, &db), FB);
		bg_mr_close(m);
	}
	T_EQ_INT(mdb_txn_begin(e.env, NULL, MDB_RDONLY, &t), 0);
	T_EQ_INT(mdb_dbi_open(t, "meta", 0, &d), MDB_NOTFOUND);
	mdb_txn_abort(t);
	close(fd);
	/* Not a store at all: an empty file, 100 bytes, a pipe, a directory. */
	fd = open(e.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	T_EQ_INT(bg_mr_open(&m, fd), FB);
	close(fd);
	T_CHECK(pipe(pfd) == 0);
	T_EQ_INT(bg_mr_open(&m, pfd[0]), FB);
	close(pfd[0]);
	close(pfd[1]);
	fd = memfd_create("bg-mr", MFD_CLOEXEC);
	T_EQ_INT(bg_mr_open(&m, fd), FB);
	T_CHECK(ftruncate(fd, 100) == 0);
	T_EQ_INT(bg_mr_open(&m, fd), FB);
	close(fd);
	T_EQ_INT(bg_mr_open(&m, -1), FB);
	env_done(&e);
}

/* Empty tables: made empty, and emptied by deleting every key. */
static void case_empty_tables(void)
{
	static const struct {
		const char *name;
		unsigned flags;
	} tabs[] = {{"plain", 0}, {"dups", DUPS}, {"emptied", 0}, {"emptied-dups", DUPS}};
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d[4];
	unsigned char k[32], v[8];

	if (!env_new(&e, "empty", 8u << 20, 0))
		return;
	t = wtxn(&e);
	for (unsigned i = 0; i < 4; i++)
		d[i] = mkdbi(t, tabs[i].name, tabs[i].flags);
	for (unsigned i = 0; i < 3000; i++) {
		rnd_fill(k, sizeof(k));
		rnd_fill(v, sizeof(v));
		put(t, d[2], k, sizeof(k), v, sizeof(v));
		put(t, d[3], k, sizeof(k), v, 4);
	}
	commit(t);
	t = wtxn(&e);
	T_EQ_INT(mdb_drop(t, d[2], 0), 0);
	T_EQ_INT(mdb_drop(t, d[3], 0), 0);
	commit(t);
	for (unsigned i = 0; i < 4; i++) {
		cmp_begin(&c, &e, "empty", tabs[i].name, tabs[i].flags, tabs[i].flags != 0, true);
		T_EQ_INT(c.db.root, UINT64_MAX);
		T_EQ_INT(c.db.depth, 0);
		for (unsigned j = 0; j < 50; j++) {
			rnd_fill(k, sizeof(k));
			cmp_key(&c, k, 1 + j % 32, 0);
		}
		cmp_edges(&c);
		T_EQ_INT(c.found, 0);
		T_EQ_INT(c.fb_fresh, 0);
		cmp_end(&c);
	}
	env_done(&e);
}

static void case_one_key(void)
{
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi p, d, d3;
	unsigned char k[32], v[10];

	if (!env_new(&e, "one", 1u << 20, 0))
		return;
	rnd_fill(k, sizeof(k));
	rnd_fill(v, sizeof(v));
	t = wtxn(&e);
	p = mkdbi(t, "plain", 0);
	d = mkdbi(t, "dups", DUPS);
	d3 = mkdbi(t, "dups3", DUPS);
	put(t, p, k, sizeof(k), v, sizeof(v));
	put(t, d, k, sizeof(k), v, 4);
	for (unsigned i = 0; i < 3; i++)
		put(t, d3, k, sizeof(k), v + i, 4);
	commit(t);
	cmp_begin(&c, &e, "one", "plain", 0, false, true);
	T_EQ_INT(c.db.depth, 1);
	cmp_all(&c, 1);
	T_EQ_INT(c.found, 1);
	T_EQ_INT(c.fb_fresh, 0);
	cmp_end(&c);
	cmp_begin(&c, &e, "one", "dups", DUPS, true, true);
	cmp_all(&c, 1);
	T_EQ_INT(c.found, 1);
	T_EQ_INT(c.fb_fresh, 0);
	cmp_end(&c);
	cmp_begin(&c, &e, "one", "dups3", DUPS, true, true);
	cmp_all(&c, 1);
	T_EQ_INT(c.found, 1);
	T_EQ_INT(c.fb_fresh, 0);
	cmp_end(&c);
	env_done(&e);
}

/* Trees 1 to 4 levels deep of 32-byte random keys (the store's shape). */
static void case_depths(void)
{
	static const struct {
		const char *name;
		unsigned n, vlen, depth, near;
		bool writemap;
	} shapes[] = {
	    {"depth1", 40, 8, 1, 1, false},	     {"depth2", 2000, 8, 2, 1, true},
	    {"depth3", 20000, 8, 3, 4, false},	     {"depth4", 60000, 300, 4, 16, true},
	    {"depth4-1M", 1100000, 4, 4, 512, true},
	};
	unsigned char *keys, v[300];

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct env e = {NULL, {0}, {0}};
		struct cmp c;
		MDB_txn *t;
		MDB_dbi d;
		size_t n = shapes[s].n;
		MDB_stat st;

		if (!env_new(&e, shapes[s].name, n * (shapes[s].vlen + 90) * 2 + (4u << 20),
			     shapes[s].writemap ? MDB_WRITEMAP : 0))
			return;
		if (!(keys = malloc(n * 32)))
			abort();
		rnd_fill(keys, n * 32);
		t = wtxn(&e);
		d = mkdbi(t, "t", 0);
		for (size_t i = 0; i < n; i++) {
			value_for(v, shapes[s].vlen, keys + 32 * i, 32);
			put(t, d, keys + 32 * i, 32, v, shapes[s].vlen);
		}
		mdb_stat(t, d, &st);
		T_EQ_INT(st.ms_depth, shapes[s].depth);
		commit(t);
		cmp_begin(&c, &e, shapes[s].name, "t", 0, false, true);
		if (n <= 100000) {
			cmp_all(&c, shapes[s].near);
		} else {
			/* Every 8th key and the neighbours of every 512th. */
			for (size_t i = 0; i < n; i += 8) {
				cmp_key(&c, keys + 32 * i, 32, 1);
				if (i % shapes[s].near == 0)
					cmp_near(&c, keys + 32 * i, 32);
			}
			cmp_edges(&c);
		}
		T_EQ_INT(c.fb_fresh, 0);
		T_CHECK(c.found >= n / 8);
		cmp_end(&c);
		free(keys);
		env_done(&e);
	}
}

/* Keys of 1 to 511 bytes, prefixes of each other, runs of 0x00 and 0xff;
 * values of 0 to 64 bytes. */
static void case_key_lengths(void)
{
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d;
	unsigned char k[MAXKEY], v[64];
	MDB_stat st;

	if (!env_new(&e, "keylen", 64u << 20, 0))
		return;
	t = wtxn(&e);
	d = mkdbi(t, "t", 0);
	for (unsigned i = 0; i < 20000; i++) {
		size_t kl = i % 2 ? 1 + rndn(16) : 1 + rndn(MAXKEY), vl = rndn(65);

		rnd_fill(k, kl);
		value_for(v, vl, k, kl);
		put(t, d, k, kl, v, vl);
	}
	rnd_fill(k, sizeof(k));
	for (size_t kl = 1; kl <= MAXKEY; kl++)
		put(t, d, k, kl, k, kl % 65);
	for (unsigned b = 0; b < 256; b++) {
		k[0] = (unsigned char)b;
		put(t, d, k, 1, v, b % 7);
	}
	for (unsigned b = 0; b < 2; b++) {
		memset(k, b ? 0xff : 0, sizeof(k));
		for (size_t kl = 1; kl <= MAXKEY; kl += 1 + kl / 8)
			put(t, d, k, kl, v, 3);
	}
	mdb_stat(t, d, &st);
	T_CHECK(st.ms_depth >= 4);
	commit(t);
	cmp_begin(&c, &e, "keylen", "t", 0, false, true);
	cmp_all(&c, 1);
	T_EQ_INT(c.fb_fresh, 0);
	cmp_end(&c);
	env_done(&e);
}

/* Values from 0 bytes to many overflow pages, around the thresholds: a node
 * spills to an overflow page past 2038 bytes, a page holds 4080 bytes after
 * its header.  Under 2 KB the reader must never fall back; above, its caps
 * allow it (counted). */
static void case_values(void)
{
	static const size_t sizes[] = {
	    0,	   1,	   2,	   15,	   100,	   1000,   1990,   1995,    1996,    1997,  1998,
	    1999,  2000,   2001,   2005,   2010,   2040,   2047,   2048,    2100,    3000,  4000,
	    4079,  4080,   4081,   4096,   8159,   8160,   8161,   8176,    8177,    10000, 65536,
	    99999, 100000, 262127, 262128, 262144, 262145, 300000, 1000000, 2000000,
	};
	enum { N = sizeof(sizes) / sizeof(sizes[0]), PER = 3, SMALL = 3000 };
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d;
	unsigned char k[32], *v = malloc(2000000);
	unsigned long fb_big = 0, fb_small = 0;

	if (!v || !env_new(&e, "values", 256u << 20, MDB_WRITEMAP)) {
		free(v);
		return;
	}
	t = wtxn(&e);
	d = mkdbi(t, "t", 0);
	rs = 77;
	for (unsigned i = 0; i < N * PER + SMALL; i++) {
		size_t vl = i < N * PER ? sizes[i / PER] : rndn(200);

		rnd_fill(k, sizeof(k));
		value_for(v, vl, k, sizeof(k));
		put(t, d, k, sizeof(k), v, vl);
	}
	commit(t);
	cmp_begin(&c, &e, "values", "t", 0, false, true);
	rs = 77;
	for (unsigned i = 0; i < N * PER + SMALL; i++) {
		size_t vl = i < N * PER ? sizes[i / PER] : rndn(200);
		int rc;

		rnd_fill(k, sizeof(k));
		value_for(v, vl, k, sizeof(k));
		rc = cmp_key(&c, k, sizeof(k), 1);
		if (rc == FB && vl < 2048)
			fb_small++;
		else if (rc == FB)
			fb_big++;
		if (stats && rc == FB && i % PER == 0)
			printf("  values: a value of %zu bytes falls back\n", vl);
		if (i < N * PER)
			cmp_near(&c, k, sizeof(k));
	}
	cmp_edges(&c);
	T_EQ_INT(fb_small, 0);
	/* Up to the reader's cap (256 KiB) an overflow value is read too. */
	T_CHECK(fb_big <= 4 * PER);
	cmp_end(&c);
	free(v);
	env_done(&e);
}

/* DUPSORT|DUPFIXED: one value in the node, a few in a sub-page, thousands in
 * a sub-tree of one, two or three levels; 4- and 8-byte values. */
static void case_dups(void)
{
	static const unsigned counts[] = {
	    1,	 2,   3,    5,	  6,	10,   50,   100,  250,	400,  480,  500,  510,	 511,	512,
	    520, 600, 1000, 1020, 1021, 1022, 2000, 3000, 4095, 4096, 4097, 5000, 20000, 400000};
	enum { N = sizeof(counts) / sizeof(counts[0]), ORD = 20000 };
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d4, d8, ds, g;
	unsigned char(*sk)[32] = malloc(N * 32), (*ok)[32] = malloc(ORD * 32), v[8];
	bool seen_node = false, seen_subp = false, seen_d[4] = {false};
	unsigned char *img;
	size_t size;
	struct img im;

	if (!sk || !ok || !env_new(&e, "dups", 256u << 20, MDB_WRITEMAP)) {
		free(sk);
		free(ok);
		return;
	}
	rnd_fill(sk[0], N * 32);
	rnd_fill(ok[0], ORD * 32);
	t = wtxn(&e);
	d4 = mkdbi(t, "dups4", DUPS);
	d8 = mkdbi(t, "dups8", DUPS);
	ds = mkdbi(t, "dupsort", MDB_DUPSORT);
	g = mkdbi(t, "get", DUPS);
	for (unsigned i = 0; i < N; i++)
		for (unsigned j = 0; j < counts[i]; j++) {
			rnd_fill(v, sizeof(v));
			put(t, d4, sk[i], 32, v, 4);
			if (counts[i] <= 4096)
				put(t, d8, sk[i], 32, v, 8);
			if (counts[i] <= 600)
				put(t, ds, sk[i], 32, v, 1 + j % 8);
		}
	/* The ordinary shape: many keys of 1 to 5 values. */
	for (unsigned i = 0; i < ORD; i++)
		for (unsigned j = 0, n = 1 + rndn(5); j < n; j++) {
			rnd_fill(v, sizeof(v));
			put(t, d4, ok[i], 32, v, 4);
			if (i < 2000)
				put(t, g, ok[i], 32, v, 4);
		}
	commit(t);

	/* The shapes are there: a node, a sub-page, sub-trees 1 to 3 deep. */
	img = slurp(e.data, &size);
	T_CHECK(img && img_init(&im, img, size));
	for (unsigned i = 0; img && i < N; i++) {
		int dd = img_dup_depth(&im, "dups4", sk[i], 32);

		seen_node |= dd == -1;
		seen_subp |= dd == -2;
		if (dd >= 1 && dd <= 3)
			seen_d[dd] = true;
	}
	T_CHECK(seen_node && seen_subp && seen_d[1] && seen_d[2] && seen_d[3]);
	free(img);

	cmp_begin(&c, &e, "dups", "dups4", DUPS, true, true);
	for (unsigned i = 0; i < N; i++) {
		int rc = cmp_key(&c, sk[i], 32, 1);

		if (stats && rc == FB)
			printf("  dups: a key of %u values falls back\n", counts[i]);
		/* A sub-page (up to ~480 values) is in the node: read too.  A
		 * sub-tree may be past the reader's caps. */
		t_run++;
		if (rc == FB && counts[i] <= 400)
			FAIL("dups: a key of %u values fell back", counts[i]);
		cmp_near(&c, sk[i], 32);
	}
	c.fb = c.fb_fresh = 0;
	for (unsigned i = 0; i < ORD; i++) {
		cmp_key(&c, ok[i], 32, 1);
		if (i % 16 == 0)
			cmp_near(&c, ok[i], 32);
	}
	cmp_edges(&c);
	T_EQ_INT(c.fb_fresh, 0); /* the ordinary shape */
	cmp_end(&c);
	free(sk);
	free(ok);

	cmp_begin(&c, &e, "dups", "dups8", DUPS, true, true);
	cmp_all(&c, 1);
	cmp_end(&c);
	/* Not DUPFIXED: the table opens with its flags, its lookups may fall back. */
	cmp_begin(&c, &e, "dups", "dupsort", MDB_DUPSORT, true, false);
	cmp_all(&c, 1);
	cmp_end(&c);
	/* bg_mr_get on a duplicate table: LMDB's first value, or a fallback. */
	cmp_begin(&c, &e, "dups", "get", DUPS, false, true);
	cmp_all(&c, 4);
	cmp_end(&c);
	env_done(&e);
}

/* Deletes and re-puts over many commits: freed pages reused, the newest meta
 * on page 0 and on page 1, sub-pages grown into sub-trees and back. */
static void case_churn(void)
{
	enum { KEYS = 3000, DKEYS = 800, ROUNDS = 12 };
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi p, d;
	unsigned char *keys = malloc(KEYS * 32), *dkeys = malloc(DKEYS * 32), v[3000];
	bool parity[2] = {false, false};

	if (!keys || !dkeys || !env_new(&e, "churn", 64u << 20, 0)) {
		free(keys);
		free(dkeys);
		return;
	}
	rnd_fill(keys, KEYS * 32);
	rnd_fill(dkeys, DKEYS * 32);
	for (unsigned r = 0; r < ROUNDS; r++) {
		MDB_envinfo info;

		t = wtxn(&e);
		p = mkdbi(t, "plain", 0);
		d = mkdbi(t, "dups", DUPS);
		for (unsigned i = 0; i < KEYS; i++) {
			MDB_val key = {32, keys + 32 * i};
			unsigned x = rndn(10);

			if (r > 0 && x < 3) {
				mdb_del(t, p, &key, NULL);
			} else if (r == 0 || x < 6) {
				size_t vl = rndn(50) == 0 ? 2500 + rndn(500) : 8 + rndn(100);

				value_for(v, vl, key.mv_data, 32);
				put(t, p, key.mv_data, 32, v, vl);
			}
		}
		for (unsigned i = 0; i < DKEYS; i++) {
			/* Three keys swing between 2 values (a sub-page) and 700 to 900
			 * (a sub-tree of one leaf). */
			MDB_val key = {32, dkeys + 32 * i}, val = {4, v};
			unsigned x = rndn(10),
				 n = i < 3 ? (r % 2 ? 700 + 100 * i : 2) : 1 + rndn(4);

			if (r > 0 && x < 2 && i >= 3) {
				mdb_del(t, d, &key, NULL); /* gone */
				continue;
			}
			if (r > 0 && (x < 4 || i < 3)) {
				mdb_del(t, d, &key, NULL); /* and put again */
			} else if (r > 0 && x < 5) {
				MDB_cursor *cur = NULL;

				/* One value of several: the others stay. */
				if (mdb_cursor_open(t, d, &cur) == 0 &&
				    mdb_cursor_get(cur, &key, &val, MDB_SET_KEY) == 0)
					mdb_cursor_del(cur, 0);
				mdb_cursor_close(cur);
				continue;
			}
			for (unsigned j = 0; j < n; j++) {
				rnd_fill(v, 4);
				put(t, d, key.mv_data, 32, v, 4);
			}
		}
		if (r == ROUNDS - 1)
			T_EQ_INT(mdb_drop(t, p, 0), 0); /* the last round empties it */
		commit(t);
		T_EQ_INT(mdb_env_info(e.env, &info), 0);
		parity[info.me_last_txnid % 2] = true;
		if (r % 3 == 2 || r >= ROUNDS - 2) {
			cmp_begin(&c, &e, "churn", "plain", 0, false, true);
			cmp_all(&c, 8);
			for (unsigned i = 0; i < KEYS; i += 7)
				cmp_key(&c, keys + 32 * i, 32, -1);
			T_EQ_INT(c.fb_fresh, 0);
			cmp_end(&c);
			cmp_begin(&c, &e, "churn", "dups", DUPS, true, true);
			cmp_all(&c, 8);
			for (unsigned i = 0; i < DKEYS; i += 3)
				cmp_key(&c, dkeys + 32 * i, 32, -1);
			T_EQ_INT(c.fb_fresh, 0);
			cmp_end(&c);
		}
	}
	T_CHECK(parity[0] && parity[1]);
	free(keys);
	free(dkeys);
	env_done(&e);
}

/* A fresh reader on a sound store (the caps are per open). */
static struct bg_mr *reopen(struct bg_mr *m, int fd)
{
	struct bg_mr *n = NULL;
	int rc;

	if (m)
		bg_mr_close(m);
	rc = bg_mr_open(&n, fd);
	t_run++;
	if (rc != 0) {
		FAIL("bg_mr_open of a sound store: %d", rc);
		return NULL;
	}
	return n;
}

/* Many tables (the main table several levels deep, names up to 400 bytes), the
 * store's four among them; a plain key in the main table; wrong flags and
 * missing names fall back. */
static void case_tables(void)
{
	static const struct {
		const char *name;
		unsigned flags;
	} core[] = {{"meta", 0}, {"advisories", 0}, {"exposures", DUPS}, {"rotations", 0}};
	static const unsigned wrong[] = {0,
					 MDB_DUPSORT,
					 MDB_DUPFIXED,
					 DUPS,
					 MDB_INTEGERKEY,
					 MDB_REVERSEKEY,
					 DUPS | MDB_INTEGERDUP,
					 DUPS | MDB_REVERSEDUP,
					 MDB_CREATE,
					 DUPS | MDB_CREATE,
					 0x8000};
	enum { EXTRA = 300 };
	char names[EXTRA][420];
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d, main_dbi;
	MDB_stat st;
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	unsigned char k[32], v[64];
	int fd, rc;

	if (!env_new(&e, "tables", 64u << 20, 0))
		return;
	t = wtxn(&e);
	for (unsigned i = 0; i < 4; i++) {
		d = mkdbi(t, core[i].name, core[i].flags);
		for (unsigned j = 0; j < 200; j++) {
			rnd_fill(k, sizeof(k));
			rnd_fill(v, sizeof(v));
			put(t, d, k, 4 + 4 * i, v, core[i].flags ? 4 : 10 + j % 50);
		}
	}
	for (unsigned i = 0; i < EXTRA; i++) {
		int n = snprintf(names[i], sizeof(names[i]), "table-%03u-", (i * 7919) % EXTRA);

		memset(names[i] + n, 'a' + (int)(i % 26), (size_t)(i % 4 ? 10 : 390));
		names[i][n + (i % 4 ? 10 : 390)] = '\0';
		d = mkdbi(t, names[i], i % 3 ? 0 : DUPS);
		if (i % 5) {
			rnd_fill(k, sizeof(k));
			put(t, d, k, sizeof(k), v, 4);
		}
	}
	main_dbi = mkdbi(t, NULL, 0);
	put(t, main_dbi, "plainkey", 8, "value", 5);
	mdb_stat(t, main_dbi, &st);
	T_CHECK(st.ms_depth >= 2);
	commit(t);

	for (unsigned i = 0; i < 4; i++) {
		cmp_begin(&c, &e, "tables", core[i].name, core[i].flags, core[i].flags != 0, true);
		cmp_all(&c, 4);
		T_EQ_INT(c.fb_fresh, 0);
		cmp_end(&c);
	}
	for (unsigned i = 0; i < EXTRA; i += 7) {
		cmp_begin(&c, &e, "tables", names[i], i % 3 ? 0 : DUPS, i % 3 == 0, true);
		cmp_all(&c, 0);
		T_EQ_INT(c.fb_fresh, 0);
		cmp_end(&c);
	}

	fd = open(e.data, O_RDONLY | O_CLOEXEC);
	T_EQ_INT(mdb_txn_begin(e.env, NULL, MDB_RDONLY, &t), 0);
	m = reopen(NULL, fd);
	for (unsigned i = 0; m && i < EXTRA; i++) {
		unsigned fl = i % 3 ? 0 : DUPS;

		rc = bg_mr_table(m, names[i], fl, &db);
		if (rc == FB && (m = reopen(m, fd)) != NULL)
			rc = bg_mr_table(m, names[i], fl, &db);
		T_EQ_INT(rc, 0);
	}
	for (unsigned i = 0; m && i < 4; i++)
		for (size_t w = 0; m && w < sizeof(wrong) / sizeof(wrong[0]); w++) {
			if (wrong[w] == core[i].flags || !(m = reopen(m, fd)))
				continue;
			rc = bg_mr_table(m, core[i].name, wrong[w], &db);
			t_run++;
			if (rc != FB)
				FAIL("bg_mr_table(%s, %#x), made with %#x: %d", core[i].name,
				     wrong[w], core[i].flags, rc);
		}
	/* Missing names: LMDB finds none of them either. */
	{
		char big[600];
		const char *missing[] = {"met",	       "metaa",	   "meta\x01", "Meta", "rotation",
					 "rotationsz", "exposure", "plainkey", "",     "zzzz",
					 "\x01",       "table-",   big};

		memset(big, 'q', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		for (size_t i = 0; m && i < sizeof(missing) / sizeof(missing[0]); i++) {
			rc = mdb_dbi_open(t, missing[i], 0, &d);
			SETUP(rc != 0, "LMDB opened table %s", hex(missing[i], strlen(missing[i])));
			for (unsigned w = 0; m && w < 2; w++) {
				if (!(m = reopen(m, fd)))
					break;
				rc = bg_mr_table(m, missing[i], w ? DUPS : 0, &db);
				t_run++;
				if (rc != FB)
					FAIL("bg_mr_table(%s), not a table: %d",
					     hex(missing[i], strlen(missing[i])), rc);
			}
		}
	}
	mdb_txn_abort(t);
	bg_mr_close(m);
	close(fd);
	env_done(&e);
}

/* Flags the reader does not read (reverse or integer keys, duplicates not
 * DUPFIXED, integer or reverse duplicates), asked for exactly: it may open
 * them, but then must agree; and a main table with reversed keys. */
static void case_other_flags(void)
{
	static const struct {
		const char *name;
		unsigned flags;
		size_t klen, vlen;
	} tabs[] = {
	    {"reverse", MDB_REVERSEKEY, 32, 20},
	    {"integer", MDB_INTEGERKEY, 8, 20},
	    {"integer4", MDB_INTEGERKEY, 4, 20},
	    {"dupsort", MDB_DUPSORT, 32, 6},
	    {"intdup", DUPS | MDB_INTEGERDUP, 32, 4},
	    {"revdup", DUPS | MDB_REVERSEDUP, 32, 4},
	    {"revdupsort", MDB_DUPSORT | MDB_REVERSEDUP, 32, 5},
	    {"revkeydups", DUPS | MDB_REVERSEKEY, 32, 4},
	};
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi d;
	unsigned char k[32], v[20];
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	int fd, rc;

	if (!env_new(&e, "flags", 64u << 20, 0))
		return;
	t = wtxn(&e);
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		d = mkdbi(t, tabs[i].name, tabs[i].flags);
		for (unsigned j = 0; j < 3000; j++) {
			unsigned n = tabs[i].flags & MDB_DUPSORT ? 1 + j % 4 : 1;

			rnd_fill(k, sizeof(k));
			for (unsigned x = 0; x < n; x++) {
				rnd_fill(v, sizeof(v));
				put(t, d, k, tabs[i].klen, v, tabs[i].vlen);
			}
		}
	}
	commit(t);
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		cmp_begin(&c, &e, "flags", tabs[i].name, tabs[i].flags,
			  (tabs[i].flags & MDB_DUPSORT) != 0, false);
		cmp_all(&c, 2);
		cmp_end(&c);
		if (tabs[i].flags & MDB_DUPSORT) { /* and bg_mr_get on it */
			cmp_begin(&c, &e, "flags-get", tabs[i].name, tabs[i].flags, false, false);
			cmp_all(&c, 0);
			cmp_end(&c);
		}
	}
	env_done(&e);

	/* The main table with reversed keys: table names compare backwards. */
	if (!env_new(&e, "mainrev", 8u << 20, 0))
		return;
	t = wtxn(&e);
	mkdbi(t, NULL, MDB_REVERSEKEY);
	for (unsigned i = 0; i < 200; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%c%u%c", 'a' + i % 26, i * 37, 'z' - i % 26);
		d = mkdbi(t, name, 0);
		put(t, d, name, strlen(name), name, strlen(name));
	}
	d = mkdbi(t, "meta", 0);
	put(t, d, "k", 1, "v", 1);
	commit(t);
	fd = open(e.data, O_RDONLY | O_CLOEXEC);
	T_EQ_INT(mdb_txn_begin(e.env, NULL, MDB_RDONLY, &t), 0);
	for (unsigned i = 0; i < 220; i++) {
		char name[32];
		MDB_dbi ld;

		snprintf(name, sizeof(name), "%c%u%c", 'a' + i % 26, i * 37, 'z' - i % 26);
		if (i == 219)
			snprintf(name, sizeof(name), "meta");
		rc = bg_mr_open(&m, fd);
		T_CHECK(rc == 0 || rc == FB);
		if (rc != 0)
			continue;
		rc = bg_mr_table(m, name, 0, &db);
		t_run++;
		if (rc == 0) {
			const void *val;
			size_t len;
			int lrc = mdb_dbi_open(t, name, 0, &ld);

			if (lrc != 0)
				FAIL("mainrev: reader opened %s, LMDB: %s", name,
				     mdb_strerror(lrc));
			rc = bg_mr_get(m, &db, name, strlen(name), &val, &len);
			t_run++;
			if (rc != FB && (rc != 0 || len != strlen(name)))
				FAIL("mainrev: %s: reader %d", name, rc);
		} else if (rc != FB) {
			FAIL("mainrev: bg_mr_table(%s): %d", name, rc);
		}
		bg_mr_close(m);
	}
	mdb_txn_abort(t);
	close(fd);
	env_done(&e);
}

/* An empty key: LMDB refuses it (MDB_BAD_VALSIZE), so only a fallback agrees. */
static void case_empty_key(void)
{
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	MDB_txn *t;
	MDB_dbi p, d;
	unsigned char k[32];

	if (!env_new(&e, "emptykey", 8u << 20, 0))
		return;
	t = wtxn(&e);
	p = mkdbi(t, "plain", 0);
	d = mkdbi(t, "dups", DUPS);
	for (unsigned i = 0; i < 500; i++) {
		rnd_fill(k, sizeof(k));
		put(t, p, k, 1 + i % 32, k, 4);
		put(t, d, k, 1 + i % 32, k, 4);
	}
	commit(t);
	cmp_begin(&c, &e, "emptykey", "plain", 0, false, true);
	cmp_key(&c, "", 0, -1);
	cmp_end(&c);
	cmp_begin(&c, &e, "emptykey", "dups", DUPS, true, true);
	cmp_key(&c, "", 0, -1);
	cmp_end(&c);
	env_done(&e);
}

/* The header: a value bg_mr_get hands out is valid until the next call on
 * the reader (its page buffers are few and reused, as is the one buffer of an
 * overflow value): lookups on other leaves and overflow values of growing and
 * shrinking sizes in turn, each value checked before the next call, and the
 * reader's buffers handed over whole (ASan in the child reports a use of a
 * freed or reused buffer). */
static void case_value_until_next_call(void)
{
	enum { N = 40 };
	struct env e = {NULL, {0}, {0}};
	MDB_txn *t;
	MDB_dbi d;
	unsigned char k[N][32], v[9000];
	pid_t pid;
	int st = 0;

	if (!env_new(&e, "lifetime", 16u << 20, 0))
		return;
	rnd_fill(k[0], sizeof(k));
	t = wtxn(&e);
	d = mkdbi(t, "t", 0);
	for (unsigned i = 0; i < 4000; i++) { /* many leaves */
		unsigned char f[32];

		rnd_fill(f, sizeof(f));
		put(t, d, f, sizeof(f), f, 24);
	}
	for (unsigned i = 0; i < N; i++) {
		size_t vl = i % 5 == 4 ? 3000 + 1000 * (i % 3) : 40; /* some overflow values */

		value_for(v, vl, k[i], 32);
		put(t, d, k[i], 32, v, vl);
	}
	commit(t);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct bg_mr *m = NULL;
		struct bg_mr_db db;
		const void *val[N];
		size_t len[N];
		MDB_val lv[N];
		int fd = open(e.data, O_RDONLY | O_CLOEXEC), bad = 0;

		if (mdb_txn_begin(e.env, NULL, MDB_RDONLY, &t) != 0 || bg_mr_open(&m, fd) != 0 ||
		    bg_mr_table(m, "t", 0, &db) != 0)
			_exit(2);
		for (unsigned r = 0; r < 3 * N; r++) {
			unsigned i = (r * 7) % N; /* other leaves, overflow sizes in turn */
			MDB_val key = {32, k[i]};

			if (mdb_get(t, d, &key, &lv[i]) != 0 ||
			    bg_mr_get(m, &db, k[i], 32, &val[i], &len[i]) != 0)
				_exit(2);
			if (len[i] != lv[i].mv_size || memcmp(val[i], lv[i].mv_data, len[i]) != 0) {
				fprintf(
				    stderr,
				    "test_mdbread: key %u (%zu bytes), lookup %u: wrong value\n", i,
				    len[i], r);
				bad = 1;
			}
		}
		bg_mr_close(m);
		_exit(bad);
	}
	T_CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	t_run++;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("a value handed out by bg_mr_get is wrong before the next call "
		     "(the child: %s %d)",
		     WIFEXITED(st) ? "exit" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	env_done(&e);
}

/* bg_mr_open_sized: the size given, not the file's, bounds the pages. */
static void case_open_sized(void)
{
	struct env e = {NULL, {0}, {0}};
	MDB_txn *t;
	MDB_dbi d;
	unsigned char k[32];
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	struct stat s;
	const void *val;
	size_t len;
	int fd;

	if (!env_new(&e, "sized", 16u << 20, 0))
		return;
	t = wtxn(&e);
	d = mkdbi(t, "t", 0);
	for (unsigned i = 0; i < 2000; i++) {
		rnd_fill(k, sizeof(k));
		put(t, d, k, sizeof(k), k, 16);
	}
	commit(t);
	fd = open(e.data, O_RDONLY | O_CLOEXEC);
	T_CHECK(fd >= 0 && fstat(fd, &s) == 0);
	T_EQ_INT(bg_mr_open_sized(&m, fd, (uint64_t)s.st_size), 0);
	if (m) {
		T_EQ_INT(bg_mr_table(m, "t", 0, &db), 0);
		T_EQ_INT(bg_mr_get(m, &db, k, sizeof(k), &val, &len), 0);
		T_CHECK(len == 16 && memcmp(val, k, 16) == 0);
		bg_mr_close(m);
	}
	/* Shorter than its pages: LMDB's to refuse. */
	for (uint64_t cut = 0; cut < 3 * PSZ; cut += PSZ / 2) {
		m = NULL;
		T_EQ_INT(bg_mr_open_sized(&m, fd, (uint64_t)s.st_size - PSZ - cut), FB);
	}
	T_EQ_INT(bg_mr_open_sized(&m, fd, 0), FB);
	T_EQ_INT(bg_mr_open_sized(&m, fd, 100), FB);
	close(fd);
	env_done(&e);
}

/* A store made by store.c: its four tables, read both ways. */
static void case_project_store(void)
{
	static const struct {
		const char *name;
		unsigned flags;
	} tabs[] = {{"meta", 0}, {"advisories", 0}, {"exposures", DUPS}, {"rotations", 0}};
	unsigned char key[BG_KEY_LEN];
	char sdir[160];
	struct bg_store *st = NULL;
	struct bg_txn *t = NULL;
	struct env e = {NULL, {0}, {0}};
	struct cmp c;
	int rc;

	memset(key, 0x33, sizeof(key));
	snprintf(e.dir, sizeof(e.dir), "%s/project", top);
	snprintf(sdir, sizeof(sdir), "%s/store", e.dir);
	snprintf(e.data, sizeof(e.data), "%s/data.mdb", sdir);
	T_EQ_INT(mkdir(e.dir, 0700), 0);
	T_EQ_INT(bg_store_open(&st, sdir, key, BG_STORE_CREATE | BG_STORE_GROW, 32u << 20, NULL),
		 0);
	if (!st)
		return;
	/* Three commits: advisories and exposures, rotations, a few more. */
	for (unsigned round = 0, a = 0; round < 3; round++) {
		T_EQ_INT(bg_txn_begin(st, true, &t), 0);
		for (unsigned end = round == 0 ? 650 : 700; round != 1 && a < end; a++) {
			struct bg_advisory adv;

			memset(&adv, 0, sizeof(adv));
			snprintf(adv.name, sizeof(adv.name), "advisory %u%s", a,
				 a % 9 ? "" : " with a longer name");
			adv.published = a % 2 ? -1 : 1600000000 + (int64_t)a;
			adv.grace_days = a % 3 ? -1 : 7;
			bg_advisory_put(t, &adv);
			for (unsigned i = 0; i < (a < 3 ? 3000u : 1u); i++) {
				unsigned char d[BG_DIGEST_LEN];

				memset(d, 0, sizeof(d));
				d[0] = (unsigned char)(i >> 8);
				d[1] = (unsigned char)i;
				d[2] = (unsigned char)(i % 5 + a);
				if (bg_exposure_add(t, d, adv.id) > 0)
					adv.count++;
				memset(d, 0xee, sizeof(d)); /* one identity in every advisory */
				if (i == 0 && bg_exposure_add(t, d, adv.id) > 0)
					adv.count++;
			}
			bg_advisory_put(t, &adv);
		}
		for (unsigned u = 0; round == 1 && u < 60; u++) {
			struct bg_rotation r;
			char user[64];

			memset(&r, 0, sizeof(r));
			r.rotated_at = 1700000000 + u;
			r.how = BG_ROT_PASSWORD;
			r.n_matched = u % 4;
			for (size_t j = 0; j < r.n_matched; j++)
				r.matched[j] = (uint32_t)(j + 1);
			snprintf(user, sizeof(user), "user%u", u);
			bg_rotation_put(t, user, &r);
		}
		rc = bg_txn_commit(t);
		T_EQ_INT(rc, 0);
	}
	bg_store_close(st);
	rc = mdb_env_create(&e.env);
	if (rc == 0 && (rc = mdb_env_set_maxdbs(e.env, 8)) == 0)
		rc = mdb_env_open(e.env, sdir, MDB_RDONLY | MDB_NOLOCK, 0);
	SETUP(rc == 0, "project: mdb_env_open: %s", mdb_strerror(rc));
	for (unsigned i = 0; rc == 0 && i < 4; i++) {
		cmp_begin(&c, &e, "project", tabs[i].name, tabs[i].flags, tabs[i].flags != 0, true);
		cmp_all(&c, 3);
		T_CHECK(c.found > 0);
		T_EQ_INT(c.fb_fresh, 0);
		cmp_end(&c);
	}
	env_done(&e);
}

/* ---- damaged files ------------------------------------------------------------ */

/* The store's four tables, as the module opens them. */
static const struct {
	const char *name;
	unsigned flags;
} dtab[4] = {{"meta", 0}, {"advisories", 0}, {"exposures", DUPS}, {"rotations", 0}};

struct lk { /* one lookup, and the pages it reads on the sound file */
	unsigned char key[40];
	uint8_t t, klen;
	bool big; /* duplicates in a sub-tree of more than one level */
	struct pages pa;
};

struct lay_page {
	uint64_t pg, parent;
	unsigned level, depth;
	bool branch;
	int t; /* its table; -1: the main table */
	bool sub;
};

struct layout {
	struct lay_page page[600];
	unsigned npage;
	uint32_t rec[80]; /* offsets of table and sub-table records (48 bytes) */
	unsigned nrec;
	uint32_t subp[80]; /* offsets of sub-pages */
	unsigned nsubp;
	uint32_t big[40]; /* offsets of overflow nodes */
	unsigned nbig;
	uint32_t node[1500]; /* offsets of some leaf nodes */
	unsigned nnode;
};

struct dstore {
	const char *name;
	unsigned char *img;
	size_t size;
	struct img im;
	struct layout lay;
	struct lk *lk;
	unsigned nlk;
};

static void lay_tree(struct layout *ly, const struct img *im, uint64_t pg, uint64_t parent,
		     unsigned level, unsigned depth, int t, bool sub)
{
	const unsigned char *p = img_page(im, pg);
	unsigned n;

	if (!p || level > depth || ly->npage == sizeof(ly->page) / sizeof(ly->page[0]))
		return;
	n = pnkeys(p);
	ly->page[ly->npage++] =
	    (struct lay_page){pg, parent, level, depth, (g16(p + 10) & MP_BRANCH) != 0, t, sub};
	if (g16(p + 10) & MP_BRANCH) {
		for (unsigned i = 0; i < n; i++)
			lay_tree(ly, im, nchild(pnode(p, i)), pg, level + 1, depth, t, sub);
		return;
	}
	if (g16(p + 10) & MP_LEAF2)
		return;
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *nd = pnode(p, i), *data = ndata(nd);
		uint32_t off = (uint32_t)(nd - im->b);
		unsigned fl = g16(nd + 4);

		if ((i == 0 || i == n / 2 || i == n - 1 || i % 9 == 4) && ly->nnode < 1500)
			ly->node[ly->nnode++] = off;
		if (t < 0 && (fl & NF_SUB)) {
			int tt = -1;

			for (int j = 0; j < 4; j++)
				if (keycmp(nd + 8, g16(nd + 6), dtab[j].name,
					   strlen(dtab[j].name)) == 0)
					tt = j;
			if (ly->nrec < 80)
				ly->rec[ly->nrec++] = (uint32_t)(data - im->b);
			lay_tree(ly, im, g64(data + 40), pg, 1, g16(data + 6), tt, false);
		} else if (t >= 0 && (fl & (NF_SUB | NF_DUP)) == (NF_SUB | NF_DUP)) {
			if (ly->nrec < 80)
				ly->rec[ly->nrec++] = (uint32_t)(data - im->b);
			lay_tree(ly, im, g64(data + 40), pg, 1, g16(data + 6), t, true);
		} else if (t >= 0 && (fl & NF_DUP)) {
			if (ly->nsubp < 80)
				ly->subp[ly->nsubp++] = (uint32_t)(data - im->b);
		} else if (fl & NF_BIG) {
			if (ly->nbig < 40)
				ly->big[ly->nbig++] = off;
		}
	}
}

static void lk_add(struct dstore *ds, unsigned t, const void *k, size_t kl)
{
	struct lk *l;
	const unsigned char *rec, *nd;

	if (kl > sizeof(l->key))
		return;
	if (!(ds->nlk % 256) && !(ds->lk = realloc(ds->lk, (ds->nlk + 256) * sizeof(*ds->lk))))
		abort();
	l = &ds->lk[ds->nlk++];
	memset(l, 0, sizeof(*l));
	memcpy(l->key, k, kl);
	l->klen = (uint8_t)kl;
	l->t = (uint8_t)t;
	pages_add(&l->pa, 0);
	pages_add(&l->pa, 1);
	if (!(rec = img_table(&ds->im, dtab[t].name, &l->pa)))
		return;
	if (!(nd = img_find(&ds->im, g64(rec + 40), k, kl, &l->pa)))
		return;
	if ((g16(nd + 4) & (NF_SUB | NF_DUP)) == (NF_SUB | NF_DUP)) {
		img_all(&ds->im, g64(ndata(nd) + 40), &l->pa, 1);
		l->big = g16(ndata(nd) + 6) > 1;
	} else if (g16(nd + 4) & NF_BIG) {
		uint64_t pg = g64(ndata(nd));
		const unsigned char *op = img_page(&ds->im, pg);

		for (uint32_t i = 0; op && i < g32(op + 12); i++)
			pages_add(&l->pa, pg + i);
	}
}

/* Reads the store back: its layout, and the lookups (every key of both
 * snapshots and neighbours). */
static bool dstore_load(struct dstore *ds, struct env *e, unsigned sample)
{
	MDB_txn *t = NULL;

	ds->img = slurp(e->data, &ds->size);
	if (!ds->img || !img_init(&ds->im, ds->img, ds->size)) {
		SETUP(0, "%s: not a store", ds->name);
		return false;
	}
	lay_tree(&ds->lay, &ds->im, ds->im.main_root, NOPG, 1,
		 g16(ds->img + ds->im.cur * PSZ + META_MAIN + 6), -1, false);
	T_EQ_INT(mdb_txn_begin(e->env, NULL, MDB_RDONLY, &t), 0);
	for (unsigned tt = 0; t && tt < 4; tt++) {
		MDB_dbi d;
		MDB_cursor *cur = NULL;
		MDB_val k, v;
		unsigned i = 0;
		unsigned char b[40];

		if (mdb_dbi_open(t, dtab[tt].name, 0, &d) != 0 || mdb_cursor_open(t, d, &cur) != 0)
			continue;
		for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP), i++) {
			if (i % sample || k.mv_size > 32)
				continue;
			lk_add(ds, tt, k.mv_data, k.mv_size);
			memcpy(b, k.mv_data, k.mv_size);
			b[k.mv_size - 1]++;
			lk_add(ds, tt, b, k.mv_size);
			if (i % 4 == 0)
				lk_add(ds, tt, b, k.mv_size - 1);
		}
		memset(b, 0, sizeof(b));
		lk_add(ds, tt, b, 4);
		memset(b, 0xff, sizeof(b));
		lk_add(ds, tt, b, 32);
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(t);
	return ds->nlk > 0;
}

/* Four tables like the store's, in two commits (the older meta's snapshot
 * differs: some values changed, some keys deleted or added). */
static bool dstore_make(struct dstore *ds, const char *name, unsigned scale, unsigned sample)
{
	struct env e = {NULL, {0}, {0}};
	MDB_txn *t;
	MDB_dbi d[4];
	unsigned char k[32], v[9000];
	bool ok;

	memset(ds, 0, sizeof(*ds));
	ds->name = name;
	if (!env_new(&e, name, 16u << 20, 0))
		return false;
	rs = 4242 + scale;
	t = wtxn(&e);
	for (unsigned i = 0; i < 4; i++)
		d[i] = mkdbi(t, dtab[i].name, dtab[i].flags);
	for (unsigned i = 0; i < 10; i++) {
		char mk[32];
		int n = snprintf(mk, sizeof(mk), "meta-key-%u", i * 13);

		rnd_fill(v, 8 + i * 3);
		put(t, d[0], mk, (size_t)n, v, 8 + i * 3);
	}
	for (unsigned i = 1; i <= 40 * scale + 2; i++) {
		size_t vl = i == 41 ? 5000 : i == 42 ? 9000 : 100 + rndn(150);

		k[0] = (unsigned char)(i >> 24);
		k[1] = (unsigned char)(i >> 16);
		k[2] = (unsigned char)(i >> 8);
		k[3] = (unsigned char)i;
		value_for(v, vl, k, 4);
		put(t, d[1], k, 4, v, vl);
	}
	for (unsigned i = 0; i < 108 * scale; i++) {
		unsigned n = i < 100 * scale ? 1 : i < 106 * scale ? 3 : i % 2 ? 300 : 1500;

		rnd_fill(k, 16);
		for (unsigned j = 0; j < n; j++) {
			rnd_fill(v, 4);
			put(t, d[2], k, 16, v, 4);
		}
	}
	for (unsigned i = 0; i < 40 * scale; i++) {
		rnd_fill(k, 32);
		value_for(v, 400, k, 32);
		put(t, d[3], k, 32, v, 400);
	}
	commit(t);
	t = wtxn(&e);
	for (unsigned i = 1; i <= 5; i++) {
		k[0] = k[1] = k[2] = 0;
		k[3] = (unsigned char)i;
		value_for(v, 60, k, 4);
		put(t, d[1], k, 4, v, 60);
	}
	{
		MDB_cursor *cur = NULL;
		MDB_val key, val;

		if (mdb_cursor_open(t, d[3], &cur) == 0) {
			for (unsigned i = 0;
			     i < 5 && mdb_cursor_get(cur, &key, &val, MDB_FIRST) == 0; i++)
				mdb_cursor_del(cur, 0);
			mdb_cursor_close(cur);
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		rnd_fill(k, 16);
		put(t, d[2], k, 16, v, 4);
	}
	commit(t);
	ok = dstore_load(ds, &e, sample);
	env_done(&e);
	return ok;
}

static void dstore_free(struct dstore *ds)
{
	free(ds->img);
	free(ds->lk);
	ds->img = NULL;
	ds->lk = NULL;
}

/* A damaged copy: the sound file cut or extended to size, with a few edits. */
struct variant {
	uint32_t size;
	uint32_t seed, stride; /* which of the lookups it touches run: 1 in stride */
	uint8_t nedit;
	struct {
		uint32_t off;
		uint8_t len;
		unsigned char b[8];
	} e[3];
	char why[80];
};

struct vlist {
	struct variant *v;
	unsigned n;
	const struct dstore *ds;
};

static struct variant *var_new(struct vlist *vl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static struct variant *var_new(struct vlist *vl, const char *fmt, ...)
{
	struct variant *v;
	va_list ap;

	if (!(vl->n % 1024) && !(vl->v = realloc(vl->v, (vl->n + 1024) * sizeof(*vl->v))))
		abort();
	memset(&vl->v[vl->n], 0, sizeof(*v));
	v = &vl->v[vl->n];
	v->seed = vl->n++;
	v->stride = 1;
	v->size = (uint32_t)vl->ds->size;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
	return v;
}

/* Sets len (1 to 8) little-endian bytes of val at off. */
static void var_put(struct variant *v, size_t off, uint64_t val, unsigned len)
{
	if (v->nedit == 3 || off + len > v->size)
		return;
	v->e[v->nedit].off = (uint32_t)off;
	v->e[v->nedit].len = (uint8_t)len;
	for (unsigned i = 0; i < len; i++)
		v->e[v->nedit].b[i] = (unsigned char)(val >> (8 * i));
	v->nedit++;
}

static void var_one(struct vlist *vl, size_t off, uint64_t val, unsigned len, const char *what)
{
	var_put(var_new(vl, "%s at %zu := %#llx", what, off, (unsigned long long)val), off, val,
		len);
}

/* Whether lookup l reads a page v changes (and is one of those v runs). */
static bool lk_touched(const struct dstore *ds, const struct variant *v, const struct lk *l)
{
	if (v->stride > 1) {
		uint64_t h =
		    ((uint64_t)v->seed << 32 | (uint64_t)(l - ds->lk)) * 0x9e3779b97f4a7c15u;

		if ((h >> 40) % v->stride != 0)
			return false;
	}
	if (v->size != ds->size || l->pa.all)
		return true;
	for (unsigned i = 0; i < v->nedit; i++) {
		uint64_t a = v->e[i].off / PSZ, b = (v->e[i].off + v->e[i].len - 1u) / PSZ;

		for (unsigned j = 0; j < l->pa.n; j++)
			if (l->pa.p[j] == a || l->pa.p[j] == b)
				return true;
	}
	return false;
}

/* Makes fd hold variant v (fd holds the sound file before and after). */
static void var_apply(int fd, const struct dstore *ds, const struct variant *v, bool undo)
{
	for (unsigned i = 0; i < v->nedit; i++) {
		const void *b = undo ? ds->img + v->e[i].off : v->e[i].b;

		if (pwrite(fd, b, v->e[i].len, v->e[i].off) != v->e[i].len)
			abort();
	}
	if (v->size != ds->size) {
		if (ftruncate(fd, undo ? (off_t)ds->size : (off_t)v->size) != 0)
			abort();
		if (undo && v->size < ds->size &&
		    pwrite(fd, ds->img + v->size, ds->size - v->size, v->size) !=
			(ssize_t)(ds->size - v->size))
			abort();
	}
}

static int sound_fd(const struct dstore *ds)
{
	int fd = memfd_create("bg-mr", 0);

	if (fd < 0 || pwrite(fd, ds->img, ds->size, 0) != (ssize_t)ds->size)
		abort();
	return fd;
}

/* LMDB's answers, from a child. */
#define LR_NONE INT32_MIN	 /* not asked (the lookup does not read an edited page) */
#define LR_CRASH (INT32_MIN + 1) /* LMDB crashed or hung on it */

struct lres {
	int32_t rc;
	uint32_t n;
	uint64_t h;
};

struct shared {
	volatile uint32_t v, i; /* the lookup the child is at */
	struct lres r[];
};

/* A fresh cursor for each lookup: a cursor already on a page first looks
 * there (mdb_cursor_set), which on a damaged page answers otherwise. */
static void lmdb_lookup_one(MDB_txn *txn, MDB_dbi dbi, const struct lk *l, struct lres *r)
{
	MDB_cursor *cur = NULL;
	MDB_val k = {l->klen, (void *)l->key}, v = {0, NULL};
	int rc;

	r->n = 0;
	r->h = FNV0;
	if (!(dtab[l->t].flags & MDB_DUPSORT)) {
		rc = mdb_get(txn, dbi, &k, &v);
		if (rc == 0) {
			r->h = fnv_raw(r->h, v.mv_data, v.mv_size);
			r->n = 1;
		}
		r->rc = rc;
		return;
	}
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		r->rc = rc;
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		r->h = fnv_raw(r->h, v.mv_data, v.mv_size);
		if (++r->n > 100000) { /* a cycle LMDB walks for ever: as good as a hang */
			rc = LR_CRASH;
			break;
		}
	}
	mdb_cursor_close(cur);
	r->rc = rc == MDB_NOTFOUND && r->n ? 0 : rc;
}

/* LMDB in a child, opened as store.c opens it when the reader steps aside
 * (lmdb_now: MDB_NOTLS | MDB_RDONLY | MDB_NOLOCK, a map of the committed
 * pages only).  A crash (SIGSEGV, SIGBUS, an assertion's abort, a hang) in
 * one lookup is caught and that lookup marked; the next gets a new
 * environment.  After an error the transaction is renewed, so that each
 * answer is the one LMDB gives to a lookup asked first. */
struct lctx {
	const struct dstore *ds;
	char path[64];
	MDB_env *env;
	MDB_txn *txn;
	int rc; /* the open's */
	bool opened;
	MDB_dbi dbi[4];
	int orc[4];
	bool have[4];
};

static sigjmp_buf lmdb_jb;
static volatile sig_atomic_t lmdb_armed; /* lmdb_jb is set: in a lookup */

static void lmdb_sig(int sig)
{
	if (!lmdb_armed)
		_exit(3); /* outside a lookup: the parent starts a new child */
	siglongjmp(lmdb_jb, sig);
}

static void lctx_txn_end(struct lctx *x)
{
	for (unsigned t = 0; t < 4; t++)
		x->have[t] = false;
	if (x->txn)
		mdb_txn_abort(x->txn);
	x->txn = NULL;
}

static void lctx_close(struct lctx *x)
{
	lctx_txn_end(x);
	if (x->env)
		mdb_env_close(x->env);
	x->env = NULL;
	x->opened = false;
}

static void lctx_open(struct lctx *x)
{
	int rc = mdb_env_create(&x->env);

	x->opened = true;
	if (rc == 0 && (rc = mdb_env_set_maxdbs(x->env, 8)) == 0 &&
	    (rc = mdb_env_set_mapsize(x->env, 1)) == 0)
		rc = mdb_env_open(x->env, x->path,
				  MDB_NOSUBDIR | MDB_NOTLS | MDB_RDONLY | MDB_NOLOCK, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(x->env, NULL, MDB_RDONLY, &x->txn);
	x->rc = rc;
}

/* One lookup; the ctx's objects are reached through x only, so a longjmp
 * leaves nothing indeterminate. */
static void lctx_lookup(struct lctx *x, const struct lk *l, struct lres *r)
{
	if (sigsetjmp(lmdb_jb, 1) != 0) {
		MDB_env *env = x->env;

		r->rc = LR_CRASH;
		alarm(5);
		/* LMDB's state is unknown: its transaction is forgotten, its
		 * environment closed if that works. */
		x->env = NULL;
		x->txn = NULL;
		memset(x->have, 0, sizeof(x->have));
		x->opened = false;
		if (env && sigsetjmp(lmdb_jb, 1) == 0)
			mdb_env_close(env);
		lmdb_armed = 0;
		return;
	}
	lmdb_armed = 1;
	if (!x->opened)
		lctx_open(x);
	if (x->rc != 0) {
		r->rc = x->rc;
	} else {
		if (!x->txn && (x->rc = mdb_txn_begin(x->env, NULL, MDB_RDONLY, &x->txn)) != 0) {
			r->rc = x->rc;
			lmdb_armed = 0;
			return;
		}
		if (!x->have[l->t]) {
			x->orc[l->t] = mdb_dbi_open(x->txn, dtab[l->t].name, 0, &x->dbi[l->t]);
			x->have[l->t] = true;
		}
		if (x->orc[l->t] != 0)
			r->rc = x->orc[l->t];
		else
			lmdb_lookup_one(x->txn, x->dbi[l->t], l, r);
		if (r->rc != 0 && r->rc != MDB_NOTFOUND)
			lctx_txn_end(x); /* MDB_TXN_ERROR would answer for the next */
	}
	lmdb_armed = 0;
}

/* The child: LMDB on variants [from, to) of a chunk (vs, sh->r), from lookup
 * i0 of the first. */
static void lmdb_child(const struct dstore *ds, const struct variant *vs, unsigned from,
		       unsigned to, unsigned i0, struct shared *sh)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGALRM};
	static struct lctx x;
	struct sigaction sa;
	int fd = sound_fd(ds), null = open("/dev/null", O_WRONLY);

	/* No sanitizer report for LMDB's crashes, no LMDB assertion text. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = lmdb_sig;
	sa.sa_flags = SA_NODEFER;
	for (size_t s = 0; s < sizeof(sigs) / sizeof(sigs[0]); s++)
		sigaction(sigs[s], &sa, NULL);
	if (null >= 0 && !getenv("BG_MR_CHILD_STDERR"))
		dup2(null, 2);
	memset(&x, 0, sizeof(x));
	x.ds = ds;
	snprintf(x.path, sizeof(x.path), "/proc/self/fd/%d", fd);
	for (unsigned v = from; v < to; v++) {
		sh->v = v;
		sh->i = 0;
		alarm(5);
		var_apply(fd, ds, &vs[v], false);
		for (unsigned i = v == from ? i0 : 0; i < ds->nlk; i++) {
			if (!lk_touched(ds, &vs[v], &ds->lk[i]))
				continue;
			sh->i = i;
			lctx_lookup(&x, &ds->lk[i], &sh->r[(size_t)v * ds->nlk + i]);
		}
		lctx_close(&x);
		alarm(0);
		var_apply(fd, ds, &vs[v], true);
	}
	_exit(0);
}

struct dtally {
	unsigned long variants, run, compared, agreed, fb, lmdb_crash, lmdb_err, lmdb_children,
	    damaged, damaged_crash;
};

/* What the LMDB child reads (a memfd it maps after exec): the sound file,
 * the lookups, the chunk's variants. */
struct blob {
	uint64_t size, nlk, nvar;
};

static int blob_fd(const struct dstore *ds, const struct variant *vs, unsigned n)
{
	struct blob b = {ds->size, ds->nlk, n};
	size_t lks = ds->nlk * sizeof(*ds->lk);
	int fd = memfd_create("bg-mr-blob", 0);

	if (fd < 0 || pwrite(fd, &b, sizeof(b), 0) != (ssize_t)sizeof(b) ||
	    pwrite(fd, ds->img, ds->size, sizeof(b)) != (ssize_t)ds->size ||
	    pwrite(fd, ds->lk, lks, (off_t)(sizeof(b) + ds->size)) != (ssize_t)lks ||
	    pwrite(fd, vs, n * sizeof(*vs), (off_t)(sizeof(b) + ds->size + lks)) !=
		(ssize_t)(n * sizeof(*vs)))
		abort();
	return fd;
}

/* The child after exec (main: BG_MR_LMDB_CHILD=blob,shared,start,i0). */
static void lmdb_child_exec(const char *spec)
{
	unsigned long a[4];
	char *end;
	struct stat st;
	const struct blob *b;
	const unsigned char *m;
	struct dstore ds;
	struct shared *sh;

	for (int i = 0; i < 4; i++, spec = end + (*end == ',')) {
		a[i] = strtoul(spec, &end, 10);
		if (end == spec)
			_exit(125);
	}
	if (fstat((int)a[0], &st) != 0 ||
	    (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, (int)a[0], 0)) ==
		MAP_FAILED ||
	    fstat((int)a[1], &st) != 0 ||
	    (sh = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)a[1],
		       0)) == MAP_FAILED)
		_exit(125);
	b = (const struct blob *)m;
	memset(&ds, 0, sizeof(ds));
	ds.img = (unsigned char *)(m + sizeof(*b));
	ds.size = b->size;
	ds.lk = (struct lk *)(m + sizeof(*b) + b->size);
	ds.nlk = (unsigned)b->nlk;
	lmdb_child(&ds,
		   (const struct variant *)(m + sizeof(*b) + b->size + b->nlk * sizeof(*ds.lk)),
		   (unsigned)a[2], (unsigned)b->nvar, (unsigned)a[3], sh);
}

/* LMDB over variants [from, to): a child, and a new one should it die all
 * the same (the lookup it died in counts as a crash).  The child is this
 * program again, with ASan told to leave LMDB's wild reads to the signal
 * handler (its memcmp interceptor would report and exit instead). */
static void lmdb_run(const struct dstore *ds, const struct variant *vs, unsigned from, unsigned to,
		     struct shared *sh, int shfd, struct dtally *dt)
{
	unsigned v = from, i = 0;
	int bfd = blob_fd(ds, vs + from, to - from);

	for (size_t j = 0; j < (size_t)(to - from) * ds->nlk; j++)
		sh->r[j].rc = LR_NONE;
	for (;;) {
		int st = 0;
		pid_t pid;
		unsigned cv;

		sh->v = v - from;
		sh->i = i;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			abort();
		if (pid == 0) {
			char spec[80], opts[512];
			const char *old = getenv("ASAN_OPTIONS");
			char *argv[] = {(char *)"test_mdbread", NULL};

			snprintf(spec, sizeof(spec), "%d,%d,%u,%u", bfd, shfd, v - from, i);
			snprintf(opts, sizeof(opts),
				 "%s%sintercept_memcmp=0:handle_segv=0:handle_sigbus=0:"
				 "handle_abort=0:handle_sigfpe=0:handle_sigill=0:"
				 "allow_user_segv_handler=1:symbolize=0:detect_leaks=0",
				 old ? old : "", old && *old ? ":" : "");
			setenv("BG_MR_LMDB_CHILD", spec, 1);
			setenv("ASAN_OPTIONS", opts, 1);
			execv("/proc/self/exe", argv);
			/* No exec: the same in this process. */
			lmdb_child(ds, vs + from, v - from, to - from, i, sh);
		}
		dt->lmdb_children++;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			break;
		t_run++;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 125) {
			FAIL("the LMDB child could not start");
			break;
		}
		cv = from + sh->v;
		sh->r[(size_t)(cv - from) * ds->nlk + sh->i].rc = LR_CRASH;
		v = cv;
		i = sh->i + 1;
		if (v >= to)
			break;
	}
	close(bfd);
}

static const struct variant *hang_variant;

static void on_alarm(int sig)
{
	static const char msg[] = "test_mdbread: the reader hung on a damaged file: ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, hang_variant->why, strlen(hang_variant->why)) < 0 || write(2, "\n", 1) < 0)
		_exit(3);
	_exit(3);
}

/* Hashing reads every byte: ASan sees a value handed out past its buffer. */
static int hash_cb(const void *v, size_t len, void *arg)
{
	struct lres *r = arg;

	r->h = fnv(r->h, v, len);
	r->n++;
	return 0;
}

static void save_variant(const struct dstore *ds, const char *family, unsigned idx, int fd)
{
	const char *dir = getenv("BG_MR_SAVE");
	char path[300];
	unsigned char *b;
	struct stat s;
	int out;

	if (!dir || !*dir || fstat(fd, &s) != 0 || !(b = malloc((size_t)s.st_size + 1)))
		return;
	snprintf(path, sizeof(path), "%s/%s-%s-%u.mdb", dir, ds->name, family, idx);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out >= 0 && pread(fd, b, (size_t)s.st_size, 0) == s.st_size &&
	    write(out, b, (size_t)s.st_size) == s.st_size)
		fprintf(stderr, "  saved as %s\n", path);
	if (out >= 0)
		close(out);
	free(b);
}

/* The reader on variant v (in fd), held to LMDB's answers r. */
static void reader_variant(const struct dstore *ds, const char *family, unsigned idx,
			   const struct variant *v, const struct lres *r, int fd, struct dtally *dt)
{
	struct bg_mr *m = NULL;
	struct bg_mr_db db[4];
	int orc = FB, trc[4];
	unsigned used = 8;
	bool saved = false;

	hang_variant = v;
	alarm(20);
	for (unsigned i = 0; i < ds->nlk; i++) {
		const struct lk *l = &ds->lk[i];
		struct lres rr = {FB, 0, FNV0};
		const void *val;
		size_t len;
		int rc = FB;

		if (!lk_touched(ds, v, l))
			continue;
		if (used == 8) {
			if (m)
				bg_mr_close(m);
			m = NULL;
			orc = bg_mr_open(&m, fd);
			for (unsigned t = 0; t < 4; t++)
				trc[t] = 2; /* not yet */
			used = 0;
			t_run++;
			if (orc != 0 && orc != FB && orc != -EBADMSG)
				FAIL("%s %s: bg_mr_open: %d", ds->name, v->why, orc);
		}
		used++;
		if (orc == 0 && trc[l->t] == 2) {
			trc[l->t] = bg_mr_table(m, dtab[l->t].name, dtab[l->t].flags, &db[l->t]);
			t_run++;
			if (trc[l->t] != 0 && trc[l->t] != FB && trc[l->t] != -EBADMSG)
				FAIL("%s %s: bg_mr_table(%s): %d", ds->name, v->why,
				     dtab[l->t].name, trc[l->t]);
		}
		if (orc == 0 && trc[l->t] == 0) {
			if (dtab[l->t].flags & MDB_DUPSORT) {
				rr.n = 0;
				rc = bg_mr_dups(m, &db[l->t], l->key, l->klen, hash_cb, &rr);
			} else if ((rc = bg_mr_get(m, &db[l->t], l->key, l->klen, &val, &len)) ==
				   0) {
				rr.n = 0;
				hash_cb(val, len, &rr);
			}
		}
		t_run++;
		dt->compared++;
		if (rc == -EBADMSG || orc == -EBADMSG || (orc == 0 && trc[l->t] == -EBADMSG)) {
			/* "Damaged": a page LMDB reads unchecked.  Only on a damaged file. */
			dt->damaged++;
			if (r[i].rc == LR_CRASH)
				dt->damaged_crash++;
			if (strcmp(family, "sound") == 0)
				FAIL("%s, sound: %s key %s: the reader said damaged (LMDB: %s)",
				     ds->name, dtab[l->t].name, hex(l->key, l->klen),
				     lmdb_says(r[i].rc, r[i].n));
		} else if (rc != 0 && rc != -ENOENT && rc != FB) {
			FAIL("%s %s #%u: %s key %s: the reader returned %d", ds->name, v->why, idx,
			     dtab[l->t].name, hex(l->key, l->klen), rc);
		} else if (rc == FB && rr.n) {
			FAIL("%s %s #%u: %s key %s: fell back after handing %u values", ds->name,
			     v->why, idx, dtab[l->t].name, hex(l->key, l->klen), rr.n);
		} else if (r[i].rc == LR_CRASH) {
			dt->lmdb_crash++;
		} else if (rc == FB) {
			dt->fb++;
			if (strcmp(family, "sound") == 0 && !l->big)
				FAIL("%s, sound: %s key %s: the reader fell back (LMDB: %s)",
				     ds->name, dtab[l->t].name, hex(l->key, l->klen),
				     lmdb_says(r[i].rc, r[i].n));
			if (strcmp(family, "sound") == 0 && !l->big && !saved)
				save_variant(ds, family, idx, fd);
			saved = saved || (strcmp(family, "sound") == 0 && !l->big);
			if (r[i].rc != 0 && r[i].rc != MDB_NOTFOUND)
				dt->lmdb_err++;
		} else if (r[i].rc == LR_NONE ||
			   (rc == 0 ? r[i].rc != 0 || r[i].n != rr.n || r[i].h != rr.h
				    : r[i].rc != MDB_NOTFOUND)) {
			FAIL("%s %s: variant %s #%u: %s key %s: LMDB %s (%u values), reader %s "
			     "(%u values)%s",
			     ds->name, family, v->why, idx, dtab[l->t].name, hex(l->key, l->klen),
			     r[i].rc == LR_NONE ? "not asked" : lmdb_says(r[i].rc, r[i].n), r[i].n,
			     rd_says(rc, rr.n), rr.n,
			     r[i].rc == 0 && rc == 0 ? ", values differ" : "");
			if (!saved)
				save_variant(ds, family, idx, fd);
			saved = true;
		} else {
			dt->agreed++;
		}
	}
	if (m)
		bg_mr_close(m);
	alarm(0);
}

/* Every variant: LMDB's answers in children, then the reader's here. */
static void damage_run(const struct dstore *ds, struct vlist *vl, const char *family)
{
	enum { CHUNK = 1024 };
	struct dtally dt = {0};
	size_t shsize = sizeof(struct shared) + (size_t)CHUNK * ds->nlk * sizeof(struct lres);
	int shfd = memfd_create("bg-mr-shared", 0);
	struct shared *sh = shfd < 0 || ftruncate(shfd, (off_t)shsize) != 0
				? MAP_FAILED
				: mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED, shfd, 0);
	int fd = sound_fd(ds);
	struct sigaction sa;
	unsigned w = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (sh == MAP_FAILED)
		abort();
	/* Only the variants some lookup reads; of a variant that many lookups
	 * read (a meta, the main table, a root), about 48 of them. */
	for (unsigned v = 0; v < vl->n; v++) {
		unsigned n = 0;

		for (unsigned i = 0; i < ds->nlk; i++)
			n += lk_touched(ds, &vl->v[v], &ds->lk[i]);
		vl->v[v].stride = n > 48 ? (n + 47) / 48 : 1;
		if (n)
			vl->v[w++] = vl->v[v];
	}
	dt.variants = vl->n;
	vl->n = w;
	for (unsigned from = 0; from < vl->n; from += CHUNK) {
		unsigned to = from + CHUNK < vl->n ? from + CHUNK : vl->n;

		lmdb_run(ds, vl->v, from, to, sh, shfd, &dt);
		for (unsigned v = from; v < to; v++) {
			var_apply(fd, ds, &vl->v[v], false);
			reader_variant(ds, family, v, &vl->v[v],
				       &sh->r[(size_t)(v - from) * ds->nlk], fd, &dt);
			var_apply(fd, ds, &vl->v[v], true);
			dt.run++;
		}
	}
	if (stats)
		printf("  %-6s %-10s %5lu variants (%lu run), %7lu lookups: %lu agreed, %lu "
		       "fallbacks (%lu where LMDB erred), %lu LMDB crashes; %lu said damaged (%lu "
		       "where LMDB crashed); %lu children\n",
		       ds->name, family, dt.variants, dt.run, dt.compared, dt.agreed, dt.fb,
		       dt.lmdb_err, dt.lmdb_crash, dt.damaged, dt.damaged_crash, dt.lmdb_children);
	T_CHECK(dt.run > 0);
	munmap(sh, shsize);
	close(shfd);
	close(fd);
	signal(SIGALRM, SIG_DFL);
	free(vl->v);
	vl->v = NULL;
	vl->n = 0;
}

/* The sound file: every lookup agrees, none falls back. */
static void sound_check(const struct dstore *ds)
{
	struct vlist vl = {NULL, 0, ds};
	struct variant *v = var_new(&vl, "sound");
	size_t shsize = sizeof(struct shared) + ds->nlk * sizeof(struct lres);
	int shfd = memfd_create("bg-mr-shared", 0);
	struct shared *sh = shfd < 0 || ftruncate(shfd, (off_t)shsize) != 0
				? MAP_FAILED
				: mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED, shfd, 0);
	struct dtally dt = {0};
	int fd = sound_fd(ds);
	unsigned big = 0;

	if (sh == MAP_FAILED)
		abort();
	v->size++; /* a byte more than its pages: every lookup runs */
	lmdb_run(ds, v, 0, 1, sh, shfd, &dt);
	var_apply(fd, ds, v, false);
	reader_variant(ds, "sound", 0, v, sh->r, fd, &dt);
	for (unsigned i = 0; i < ds->nlk; i++)
		big += ds->lk[i].big;
	T_CHECK(dt.fb <= big);
	T_EQ_INT(dt.lmdb_crash, 0);
	T_EQ_INT(dt.agreed + dt.fb, ds->nlk);
	munmap(sh, shsize);
	close(shfd);
	close(fd);
	free(vl.v);
}

/* (a) cut short, or longer. */
static void case_damaged_truncated(void)
{
	struct dstore ds;
	struct vlist vl = {NULL, 0, &ds};
	static const uint32_t fixed[] = {0,    1,    16,   100,	 151,  152,  153,  4095,
					 4096, 4097, 4247, 4248, 4249, 8191, 8192, 8193};

	if (!dstore_make(&ds, "small", 1, 1))
		return;
	sound_check(&ds);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		var_new(&vl, "cut to %u bytes", fixed[i])->size = fixed[i];
	for (uint32_t pg = 2; pg * PSZ < ds.size; pg++) {
		var_new(&vl, "cut before page %u", pg)->size = pg * PSZ;
		var_new(&vl, "cut mid page %u", pg)->size = pg * PSZ + PSZ / 2;
		var_new(&vl, "cut at page %u + 16", pg)->size = pg * PSZ + 16;
	}
	var_new(&vl, "a byte short")->size = (uint32_t)ds.size - 1;
	var_new(&vl, "a byte more")->size = (uint32_t)ds.size + 1;
	var_new(&vl, "a page more")->size = (uint32_t)ds.size + PSZ;
	damage_run(&ds, &vl, "truncated");
	dstore_free(&ds);
}

/* (b) bytes changed: every byte of each page's header and node offsets,
 * every 16th of the rest (the phase moving from page to page), on the small
 * store; random bytes on the larger. */
static void case_damaged_bytes(void)
{
	static const unsigned char mut[] = {0xff, 0x01, 0x80, 0x10};
	struct dstore ds;
	struct vlist vl = {NULL, 0, &ds};

	if (!dstore_make(&ds, "small", 1, 1))
		return;
	for (uint64_t pg = 0; pg <= ds.im.last && (pg + 1) * PSZ <= ds.size; pg++) {
		const unsigned char *p = ds.img + pg * PSZ;
		size_t lower = pg < 2 ? 160 : g16(p + 12);

		if (lower > PSZ)
			lower = PSZ;
		for (size_t o = 0; o < PSZ; o++) {
			size_t off = pg * PSZ + o;
			unsigned char b = ds.img[off];

			if (o < lower) {
				var_one(&vl, off, b ^ mut[(o + pg) % 4], 1, "byte");
			} else if (o % 16 == pg % 16) {
				var_one(&vl, off, o % 32 < 16 ? (unsigned char)~b : 0, 1, "byte");
			}
		}
	}
	damage_run(&ds, &vl, "bytes");
	dstore_free(&ds);

	if (!dstore_make(&ds, "large", 25, 8))
		return;
	sound_check(&ds);
	T_CHECK(ds.lay.npage > 100);
	rs = 1234;
	for (unsigned n = 0; n < 4000; n++) {
		const struct lay_page *lp = &ds.lay.page[rndn(ds.lay.npage)];
		struct variant *v =
		    var_new(&vl, "random bytes in page %llu", (unsigned long long)lp->pg);

		for (unsigned j = 0, k = 1 + rndn(3); j < k; j++) {
			size_t o = rndn(4) == 0 ? rndn(64) : rndn(PSZ);

			var_put(v, lp->pg * PSZ + o, rnd() & 0xff, 1);
		}
	}
	damage_run(&ds, &vl, "random");
	dstore_free(&ds);
}

/* (c, d) page numbers bent: children out of range, to themselves, to a meta
 * page, to their parent (a cycle), to another table's pages; page headers,
 * node offsets and node fields changed; nodes swapped out of order. */
static void var_structure(struct vlist *vl, const struct dstore *ds, bool leaves)
{
	const struct layout *ly = &ds->lay;
	uint64_t last = ds->im.last, other_leaf = NOPG, a_big = NOPG, a_sub = NOPG;

	for (unsigned i = 0; i < ly->npage; i++) {
		if (!ly->page[i].branch && ly->page[i].t == 1)
			other_leaf = ly->page[i].pg;
		if (ly->page[i].sub)
			a_sub = ly->page[i].pg;
	}
	if (ly->nbig)
		a_big = g64(ndata(ds->img + ly->big[0]));
	for (unsigned i = 0; i < ly->npage; i++) {
		const struct lay_page *lp = &ly->page[i];
		const unsigned char *p = ds->img + lp->pg * PSZ;
		size_t base = lp->pg * PSZ;
		unsigned n = pnkeys(p), lower = g16(p + 12), upper = g16(p + 14);
		unsigned idx[4] = {0, 1, n / 2, n - 1};
		const uint64_t to[] = {last + 1,
				       last + 1000,
				       0xffffffffffffu,
				       lp->pg,
				       lp->parent,
				       0,
				       1,
				       2,
				       last,
				       ds->im.main_root,
				       other_leaf,
				       a_big,
				       a_sub,
				       nchild(pnode(p, n - 1)),
				       nchild(pnode(p, 0)) | 1ull << 32};

		if (n == 0 || (!leaves && !lp->branch))
			continue;
		/* The header. */
		static const unsigned flags[] = {
		    0,		 MP_BRANCH, MP_LEAF,	       MP_LEAF | MP_LEAF2,
		    MP_OVERFLOW, MP_META,   MP_LEAF | MP_SUBP, MP_BRANCH | MP_LEAF,
		    MP_DIRTY,	 0x100};
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			var_one(vl, base + 10, g16(p + 10) ^ flags[f], 2, "page flags ^");
		var_one(vl, base, lp->pg + 1, 8, "page number");
		var_one(vl, base, 0, 8, "page number");
		{
			const unsigned lows[] = {0,	    15,	   16,	      17,    lower - 2,
						 lower + 2, upper, upper + 2, 0xffff};
			const unsigned ups[] = {0,	   lower, lower - 2, upper - 1,
						upper + 1, PSZ,	  PSZ + 2,   0xffff};

			for (size_t j = 0; j < sizeof(lows) / sizeof(lows[0]); j++)
				var_one(vl, base + 12, lows[j] & 0xffff, 2, "lower");
			for (size_t j = 0; j < sizeof(ups) / sizeof(ups[0]); j++)
				var_one(vl, base + 14, ups[j] & 0xffff, 2, "upper");
		}
		if (g16(p + 10) & MP_LEAF2)
			continue; /* no nodes: its keys are the values */
		/* The node offsets: bent, and swapped out of order. */
		for (unsigned j = 0; j < 4; j++) {
			const unsigned bad[] = {0, 1, 15, upper - 1, PSZ - 8, PSZ - 7, PSZ, 0xffff};

			if (idx[j] >= n || (j && idx[j] == idx[j - 1]))
				continue;
			for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
				var_one(vl, base + 16 + 2 * idx[j], bad[b] & 0xffff, 2,
					"node offset");
			if (n > 1) /* two nodes at one place */
				var_one(vl, base + 16 + 2 * idx[j],
					g16(p + 16 + 2 * ((idx[j] + 1) % n)), 2, "node offset");
		}
		for (unsigned j = 0; j + 1 < n; j++) {
			struct variant *v = var_new(vl, "page %llu nodes %u and %u swapped",
						    (unsigned long long)lp->pg, j, j + 1);

			var_put(v, base + 16 + 2 * j, g16(p + 16 + 2 * (j + 1)), 2);
			var_put(v, base + 16 + 2 * (j + 1), g16(p + 16 + 2 * j), 2);
			if (j + 2 < n && j % 3 == 0) {
				v = var_new(vl, "page %llu nodes %u and %u swapped",
					    (unsigned long long)lp->pg, j, n - 1);
				var_put(v, base + 16 + 2 * j, g16(p + 16 + 2 * (n - 1)), 2);
				var_put(v, base + 16 + 2 * (n - 1), g16(p + 16 + 2 * j), 2);
			}
		}
		if (!lp->branch) {
			/* A key made larger or smaller than its neighbours. */
			for (unsigned j = 0; j < n; j += 1 + n / 8) {
				const unsigned char *nd = pnode(p, j);

				if (g16(nd + 6) == 0)
					continue;
				var_one(vl, (size_t)(nd + 8 - ds->img), 0x00, 1, "leaf key[0]");
				var_one(vl, (size_t)(nd + 8 - ds->img), 0xff, 1, "leaf key[0]");
				var_one(vl, (size_t)(nd + 8 + g16(nd + 6) - 1 - ds->img),
					nd[8 + g16(nd + 6) - 1] ^ 1u, 1, "leaf key[last]");
			}
			continue;
		}
		/* Branch children, and branch keys made out of order. */
		for (unsigned j = 0; j < 4; j++) {
			const unsigned char *nd;

			if (idx[j] >= n || (j && idx[j] == idx[j - 1]))
				continue;
			nd = pnode(p, idx[j]);
			for (size_t k = 0; k < sizeof(to) / sizeof(to[0]); k++)
				if (to[k] != NOPG && to[k] != nchild(nd))
					var_one(vl, (size_t)(nd - ds->img), to[k], 6,
						"branch child");
			if (g16(nd + 6)) {
				var_one(vl, (size_t)(nd + 8 - ds->img), 0x00, 1, "branch key[0]");
				var_one(vl, (size_t)(nd + 8 - ds->img), 0xff, 1, "branch key[0]");
				var_one(vl, (size_t)(nd + 6 - ds->img), g16(nd + 6) - 1u, 2,
					"branch key size");
			}
		}
	}
	/* Leaf nodes: flags, key size, data size. */
	for (unsigned i = 0; leaves && i < ly->nnode; i++) {
		const unsigned char *nd = ds->img + ly->node[i];
		size_t off = ly->node[i];
		unsigned fl = g16(nd + 4), ks = g16(nd + 6);
		uint32_t dl = g32(nd);
		static const unsigned nflags[] = {
		    0, NF_BIG, NF_SUB, NF_DUP, NF_SUB | NF_DUP, NF_BIG | NF_DUP, 0x08, 0x8000};
		const unsigned kss[] = {0, 1, ks - 1, ks + 1, 511, 600, 0xffff};
		const uint32_t dls[] = {0,	 dl - 1,  dl + 1,     PSZ,	   2038,
					0x3ffff, 0x40001, 0x7fffffff, 0xffffffffu, dl + 8};

		for (size_t j = 0; j < sizeof(nflags) / sizeof(nflags[0]); j++)
			if (nflags[j] != fl)
				var_one(vl, off + 4, nflags[j], 2, "node flags");
		for (size_t j = 0; j < sizeof(kss) / sizeof(kss[0]); j++)
			if (kss[j] != ks)
				var_one(vl, off + 6, kss[j] & 0xffff, 2, "node key size");
		for (size_t j = 0; j < sizeof(dls) / sizeof(dls[0]); j++)
			if (dls[j] != dl)
				var_one(vl, off, dls[j], 4, "node data size");
	}
	/* Overflow values: the page number, the first page's header. */
	for (unsigned i = 0; i < ly->nbig; i++) {
		const unsigned char *nd = ds->img + ly->big[i];
		size_t off = (size_t)(ndata(nd) - ds->img);
		uint64_t pg = g64(ndata(nd));
		const uint64_t to[] = {
		    0,
		    1,
		    2,
		    last,
		    last + 1,
		    pg + 1,
		    pg - 1,
		    other_leaf,
		    ly->nbig > 1 ? g64(ndata(ds->img + ly->big[(i + 1) % ly->nbig])) : 0};
		const uint32_t pages = pg <= last ? g32(ds->img + pg * PSZ + 12) : 0;
		const uint32_t np[] = {0, 1, pages - 1, pages + 1, 0xffffffffu};

		for (size_t j = 0; j < sizeof(to) / sizeof(to[0]); j++)
			if (to[j] != pg && to[j] != NOPG)
				var_one(vl, off, to[j], 8, "overflow page");
		if (pg > last)
			continue;
		for (size_t j = 0; j < sizeof(np) / sizeof(np[0]); j++)
			if (np[j] != pages)
				var_one(vl, pg * PSZ + 12, np[j], 4, "overflow pages");
		var_one(vl, pg * PSZ + 10, MP_LEAF, 2, "overflow flags");
		var_one(vl, pg * PSZ + 10, MP_OVERFLOW | MP_LEAF, 2, "overflow flags");
		var_one(vl, pg * PSZ, 0, 8, "overflow page number");
	}
	/* Table and sub-table records. */
	for (unsigned i = 0; i < ly->nrec; i++) {
		size_t off = ly->rec[i];
		const unsigned char *r = ds->img + off;
		uint64_t root = g64(r + 40);
		unsigned depth = g16(r + 6);
		const uint64_t roots[] = {
		    NOPG,	0,     1,    2, last, last + 1, 0xffffffffffffu, ds->im.main_root,
		    other_leaf, a_big, a_sub};
		const unsigned depths[] = {0, 1, depth - 1, depth + 1, 32, 33, 0xffff};
		static const unsigned fls[] = {0,
					       MDB_DUPSORT,
					       MDB_DUPFIXED,
					       DUPS,
					       MDB_INTEGERKEY,
					       MDB_REVERSEKEY,
					       DUPS | MDB_INTEGERDUP,
					       DUPS | MDB_REVERSEDUP,
					       MDB_INTEGERKEY | MDB_DUPFIXED,
					       0xffff};
		static const uint32_t pads[] = {0, 1, 3, 4, 5, 8, 2048, 4096, 4097, 0xffffffffu};

		for (size_t j = 0; j < sizeof(roots) / sizeof(roots[0]); j++)
			if (roots[j] != root)
				var_one(vl, off + 40, roots[j], 8, "record root");
		for (size_t j = 0; j < sizeof(depths) / sizeof(depths[0]); j++)
			if (depths[j] != depth)
				var_one(vl, off + 6, depths[j] & 0xffff, 2, "record depth");
		for (size_t j = 0; j < sizeof(fls) / sizeof(fls[0]); j++)
			if (fls[j] != g16(r + 4))
				var_one(vl, off + 4, fls[j], 2, "record flags");
		for (size_t j = 0; j < sizeof(pads) / sizeof(pads[0]); j++)
			if (pads[j] != g32(r))
				var_one(vl, off, pads[j], 4, "record pad");
		var_one(vl, off + 32, 0, 8, "record entries");
	}
	/* Sub-pages: key size, flags, lower. */
	for (unsigned i = 0; i < ly->nsubp; i++) {
		size_t off = ly->subp[i];
		const unsigned char *sp = ds->img + off;
		unsigned lower = g16(sp + 12);
		static const unsigned pads[] = {0, 1, 3, 5, 8, 1000, 0xffff};
		static const unsigned fls[] = {MP_LEAF | MP_SUBP,
					       MP_LEAF | MP_LEAF2,
					       MP_LEAF2 | MP_SUBP,
					       MP_BRANCH | MP_LEAF2 | MP_SUBP,
					       MP_LEAF | MP_LEAF2 | MP_SUBP | MP_DIRTY,
					       0};
		const unsigned lows[] = {0, 15, 16, 17, lower - 2, lower + 2, lower + 200, 0xffff};

		for (size_t j = 0; j < sizeof(pads) / sizeof(pads[0]); j++)
			var_one(vl, off + 8, pads[j], 2, "sub-page key size");
		for (size_t j = 0; j < sizeof(fls) / sizeof(fls[0]); j++)
			var_one(vl, off + 10, fls[j], 2, "sub-page flags");
		for (size_t j = 0; j < sizeof(lows) / sizeof(lows[0]); j++)
			var_one(vl, off + 12, lows[j] & 0xffff, 2, "sub-page lower");
	}
}

static void case_damaged_structure(void)
{
	struct dstore ds;
	struct vlist vl = {NULL, 0, &ds};

	if (!dstore_make(&ds, "small", 1, 1))
		return;
	T_CHECK(ds.lay.nbig >= 2 && ds.lay.nsubp >= 1 && ds.lay.nrec >= 5);
	var_structure(&vl, &ds, true);
	damage_run(&ds, &vl, "structure");
	dstore_free(&ds);
	/* Three levels: a child can point at its parent's parent. */
	if (!dstore_make(&ds, "large", 25, 8))
		return;
	{
		unsigned deepest = 0;

		for (unsigned i = 0; i < ds.lay.npage; i++)
			if (ds.lay.page[i].level > deepest)
				deepest = ds.lay.page[i].level;
		T_CHECK(deepest >= 3);
	}
	var_structure(&vl, &ds, false);
	damage_run(&ds, &vl, "structure");
	dstore_free(&ds);
}

/* (e) the meta pages: magic, version, page size, which is newest, last page,
 * the main table's record. */
static void case_damaged_meta(void)
{
	static const uint32_t psizes[] = {0,	3,     256,   512,   1024,     2048,
					  8192, 16384, 32768, 65536, 1u << 20, 0xffffffffu};
	struct dstore ds;
	struct vlist vl = {NULL, 0, &ds};

	if (!dstore_make(&ds, "small", 1, 1))
		return;
	for (unsigned mp = 0; mp < 3; mp++) { /* meta 0, meta 1, both */
		const unsigned which[2] = {mp == 1 ? 1u : 0u, mp == 0 ? 0u : 1u};
		uint64_t txn = g64(ds.img + ds.im.cur * PSZ + META_TXNID);
		uint64_t last = ds.im.last;

#define META_VAR(off, val, len, what)                                                              \
	do {                                                                                       \
		struct variant *v_ =                                                               \
		    var_new(&vl, "meta %u: %s := %#llx", mp, what, (unsigned long long)(val));     \
		for (unsigned w_ = which[0]; w_ <= which[1]; w_++)                                 \
			var_put(v_, w_ *PSZ + (off), (val), (len));                                \
	} while (0)
		META_VAR(16, 0xBEEFC0DFu, 4, "magic");
		META_VAR(16, 0, 4, "magic");
		META_VAR(20, 0, 4, "version");
		META_VAR(20, 2, 4, "version");
		META_VAR(20, 999, 4, "version");
		META_VAR(10, 0, 2, "page flags");
		META_VAR(10, MP_META | MP_LEAF, 2, "page flags");
		META_VAR(0, 5, 8, "page number");
		for (size_t i = 0; i < sizeof(psizes) / sizeof(psizes[0]); i++)
			META_VAR(META_PSIZE, psizes[i], 4, "page size");
		META_VAR(META_TXNID, 0, 8, "txnid");
		META_VAR(META_TXNID, txn + 1, 8, "txnid");
		META_VAR(META_TXNID, UINT64_MAX, 8, "txnid");
		META_VAR(META_LAST, 0, 8, "last page");
		META_VAR(META_LAST, 1, 8, "last page");
		META_VAR(META_LAST, 2, 8, "last page");
		META_VAR(META_LAST, last - 1, 8, "last page");
		META_VAR(META_LAST, last + 1, 8, "last page");
		META_VAR(META_LAST, last + 100000, 8, "last page");
		META_VAR(META_LAST, UINT64_MAX, 8, "last page");
		META_VAR(META_MAIN + 40, NOPG, 8, "main root");
		META_VAR(META_MAIN + 40, 0, 8, "main root");
		META_VAR(META_MAIN + 40, 1, 8, "main root");
		META_VAR(META_MAIN + 40, last + 1, 8, "main root");
		META_VAR(META_MAIN + 40, ds.im.main_root + 1, 8, "main root");
		META_VAR(META_MAIN + 6, 0, 2, "main depth");
		META_VAR(META_MAIN + 6, 2, 2, "main depth");
		META_VAR(META_MAIN + 6, 33, 2, "main depth");
		META_VAR(META_MAIN + 4, MDB_DUPSORT, 2, "main flags");
		META_VAR(META_MAIN + 4, MDB_INTEGERKEY, 2, "main flags");
		META_VAR(META_MAIN + 4, MDB_REVERSEKEY, 2, "main flags");
		META_VAR(META_MAIN + 4, 0xffff, 2, "main flags");
		META_VAR(META_MAIN, 7, 4, "main pad");
		META_VAR(32, 0, 8, "map size");
		META_VAR(32, 4096, 8, "map size");
		META_VAR(32, 1ull << 62, 8, "map size");
		META_VAR(24, 0x7f0000000000u, 8, "address");
		META_VAR(META_FREE + 40, last + 5, 8, "free root");
		META_VAR(META_FREE + 4, 0xffff, 2, "env flags");
#undef META_VAR
	}
	/* The older snapshot made the newest: a sound tree, other answers. */
	{
		unsigned old = 1 - ds.im.cur;
		uint64_t txn = g64(ds.img + ds.im.cur * PSZ + META_TXNID);

		var_one(&vl, old * PSZ + META_TXNID, txn + 1, 8, "older meta's txnid");
		var_one(&vl, ds.im.cur * PSZ + META_TXNID, txn - 2, 8, "newer meta's txnid");
		var_one(&vl, ds.im.cur * PSZ + META_TXNID, txn - 1, 8, "newer meta's txnid");
		var_one(&vl, old * PSZ + META_PSIZE, 8192, 4, "older meta's page size");
	}
	damage_run(&ds, &vl, "meta");
	dstore_free(&ds);
}

/* A table's record in the main table flagged as duplicates (one bit): LMDB's
 * mdb_dbi_open of it follows a duplicate cursor the main table does not have
 * and crashes (a NULL pointer in mdb_xcursor_init1, inside sshd).  The reader
 * says damaged, never "ask LMDB" (a red team's bit flip). */
static void case_table_record_dupdata(void)
{
	struct env e;
	MDB_txn *t;
	struct bg_mr *m = NULL;
	struct bg_mr_db db;
	unsigned char *buf = NULL;
	struct stat sb;
	int fd = -1, rc, hits = 0;

	if (!env_new(&e, "tabdup", 1 << 20, 0))
		return;
	t = wtxn(&e);
	mkdbi(t, "meta", 0);
	mkdbi(t, "exposures", MDB_DUPSORT | MDB_DUPFIXED);
	commit(t);
	mdb_env_close(e.env);
	e.env = NULL;
	fd = open(e.data, O_RDWR);
	SETUP(fd >= 0 && fstat(fd, &sb) == 0, "open %s: %s", e.data, strerror(errno));
	if (fd < 0)
		goto out;
	buf = malloc((size_t)sb.st_size);
	SETUP(buf && pread(fd, buf, (size_t)sb.st_size, 0) == sb.st_size, "read %s", e.data);
	/* the node: lo, hi, flags (F_SUBDATA), key size, then the key */
	for (off_t i = 8; buf && i + 9 <= sb.st_size; i++)
		if (memcmp(buf + i, "exposures", 9) == 0 && g16(buf + i - 2) == 9 &&
		    g16(buf + i - 4) == 2) {
			buf[i - 4] |= 4; /* F_DUPDATA */
			hits++;
		}
	T_CHECK(hits >= 1);
	if (buf)
		SETUP(pwrite(fd, buf, (size_t)sb.st_size, 0) == sb.st_size, "write %s", e.data);
	rc = bg_mr_open(&m, fd);
	T_EQ_INT(rc, 0);
	if (rc == 0) {
		T_EQ_INT(bg_mr_table(m, "exposures", MDB_DUPSORT | MDB_DUPFIXED, &db), -EBADMSG);
		/* the other table is still read */
		T_EQ_INT(bg_mr_table(m, "meta", 0, &db), 0);
	}
out:
	bg_mr_close(m);
	free(buf);
	if (fd >= 0)
		close(fd);
	env_done(&e);
}

/* ---- main ------------------------------------------------------------------- */

static void run_cases(void)
{
	T_RUN(case_no_table);
	T_RUN(case_empty_tables);
	T_RUN(case_one_key);
	T_RUN(case_depths);
	T_RUN(case_key_lengths);
	T_RUN(case_values);
	T_RUN(case_dups);
	T_RUN(case_churn);
	T_RUN(case_tables);
	T_RUN(case_other_flags);
	T_RUN(case_empty_key);
	T_RUN(case_value_until_next_call);
	T_RUN(case_open_sized);
	T_RUN(case_table_record_dupdata);
	T_RUN(case_project_store);
	T_RUN(case_damaged_truncated);
	T_RUN(case_damaged_bytes);
	T_RUN(case_damaged_structure);
	T_RUN(case_damaged_meta);
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/bg-test-mdbread-XXXXXX";
	const char *s = getenv("BG_MR_STATS");
	pid_t pid;
	int st = 0;

	if ((s = getenv("BG_MR_LMDB_CHILD")) != NULL) {
		lmdb_child_exec(s);
		return 125;
	}
	s = getenv("BG_MR_STATS");
	t_init(argc, argv);
	stats = s && *s && strcmp(s, "0") != 0;
	if ((s = getenv("BG_MR_SHOW")) != NULL)
		show_max = (unsigned)strtoul(s, NULL, 10);
	if (t_list_only) {
		run_cases();
		return 0;
	}
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(top, sizeof(top), "%s", tmpl);
	/* The cases run in a child, so the directory goes however it ends. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		run_cases();
		exit(t_done("test_mdbread"));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		st = 1 << 8;
	rm_tree(top);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "test_mdbread: killed by signal %d\n", WTERMSIG(st));
		return 1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
