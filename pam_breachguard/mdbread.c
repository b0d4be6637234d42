/* mdbread.c: point lookups in an LMDB 0.9 data file by pread (mdbread.h).
 *
 * The on-disk layout read here is LMDB 0.9's (libraries/liblmdb/mdb.c, data
 * version 1), on a 64-bit little-endian host:
 *   page:  pgno u64 @0, pad u16 @8 (LEAF2 key size), flags u16 @10,
 *          lower u16 @12, upper u16 @14 (overflow: page count u32 @12),
 *          then the node offsets u16 @16 + 2i; the node count is (lower - 16) / 2.
 *   node:  lo u16, hi u16, flags u16, ksize u16, key, data.  A leaf's data size
 *          is lo | hi << 16; a branch's child is lo | hi << 16 | flags << 32.
 *          A LEAF2 page has no nodes: key i is at 16 + i * ksize.
 *   meta:  (pages 0 and 1, after the page header) magic u32, version u32,
 *          address, mapsize, the free and main tables (48 bytes each:
 *          pad u32, flags u16, depth u16, branch, leaf and overflow page counts,
 *          entries, root), last page u64, txnid u64.  The page size is the free
 *          table's pad.  The meta with the larger txnid is the snapshot.
 * Keys compare as LMDB's default (memcmp over the shorter length, then the
 * shorter first), the only order the store's tables use. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "mdbread.h"

#define HDR 16u
#define NODE 8u
#define META_LEN 152u
#define P_BRANCH 0x01u
#define P_LEAF 0x02u
#define P_OVERFLOW 0x04u
#define P_META 0x08u
#define P_DIRTY 0x10u /* in-memory flags a page may still carry: ignored */
#define P_LEAF2 0x20u
#define P_SUBP 0x40u
#define P_KEEP 0x8000u
#define F_BIGDATA 0x01u
#define F_SUBDATA 0x02u
#define F_DUPDATA 0x04u
#define MAGIC 0xBEEFC0DEu
#define DATA_VERSION 1u
#define NO_PAGE UINT64_MAX
#define MAX_DEPTH 32u
/* Pages kept, least recently used out: a check's lookups share the upper
 * pages of a tree.  Few, because in a new process (su, sudo, login) every
 * buffer is fresh memory, a page fault on first touch. */
#define SLOTS 4u
#define BIG_MAX (256u << 10) /* one overflow value */
/* A page that is not one LMDB writes (its own number, a type, offsets and
 * nodes within it, a tree's shape): damaged.  LMDB reads such a page without
 * these checks, and a node offset past the page is a fault in sshd's
 * process; the reader says so instead of stepping aside (mdbread.h). */
#define DAMAGED (-EBADMSG)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                        \
    UINTPTR_MAX == UINT64_MAX
#define MR_LAYOUT_OK 1
#else
#define MR_LAYOUT_OK 0
#endif

struct bg_mr {
	int fd;
	uint32_t psize;
	uint64_t last; /* last page of the snapshot */
	struct bg_mr_db main;
	struct bg_mr_db free; /* LMDB's free list (table 0) */
	bool free_ok;	      /* its record parsed (root and depth in range) */
	uint64_t pgno[SLOTS];
	unsigned char *page[SLOTS];
	unsigned used[SLOTS], clock;
	unsigned char *big; /* the last overflow value */
	unsigned reads;
};

static uint16_t u16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool read_all(struct bg_mr *m, void *buf, size_t len, uint64_t off)
{
	ssize_t r;

	if (off > (uint64_t)INT64_MAX - len)
		return false;
	m->reads++;
	do
		r = pread(m->fd, buf, len, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r >= 0 && (size_t)r == len;
}

/* A table record (48 bytes) as the meta page and the main table hold it. */
static int db_parse(const struct bg_mr *m, const unsigned char *p, struct bg_mr_db *db)
{
	db->pad = u32(p);
	db->flags = u16(p + 4);
	db->depth = u16(p + 6);
	db->root = u64(p + 40);
	if (db->root == NO_PAGE)
		return 0;
	if (db->depth == 0 || db->depth > MAX_DEPTH || db->root < 2 || db->root > m->last)
		return BG_MR_FALLBACK;
	return 0;
}

int bg_mr_open(struct bg_mr **out, int fd)
{
	struct stat s;

	*out = NULL;
	if (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode))
		return BG_MR_FALLBACK;
	return bg_mr_open_sized(out, fd, (uint64_t)s.st_size);
}

int bg_mr_open_sized(struct bg_mr **out, int fd, uint64_t size)
{
	unsigned char buf[4096 + META_LEN];
	const unsigned char *meta[2];
	unsigned char second[META_LEN];
	struct bg_mr *m;
	uint64_t txn[2], pages;
	bool both;
	int pick;

	*out = NULL;
	if (!MR_LAYOUT_OK)
		return BG_MR_FALLBACK;
	if (!(m = calloc(1, sizeof(*m))))
		return -ENOMEM;
	m->fd = fd;
	/* The page size is in the first meta; LMDB's usual 4096 puts the second
	 * meta in the same read. */
	both = read_all(m, buf, sizeof(buf), 0);
	if (!both && !read_all(m, buf, META_LEN, 0))
		goto fallback;
	m->psize = u32(buf + HDR + 24);
	if (m->psize < 512 || m->psize > 32768 || (m->psize & (m->psize - 1)) != 0)
		goto fallback;
	meta[0] = buf + HDR;
	if (m->psize == 4096 && both) {
		meta[1] = buf + 4096 + HDR;
	} else {
		if (!read_all(m, second, META_LEN, m->psize))
			goto fallback;
		meta[1] = second + HDR;
	}
	for (int i = 0; i < 2; i++) {
		if (!(u16(meta[i] - HDR + 10) & P_META) || u32(meta[i]) != MAGIC ||
		    u32(meta[i] + 4) != DATA_VERSION)
			goto fallback;
		txn[i] = u64(meta[i] + 128);
	}
	pick = txn[0] < txn[1];
	if (u32(meta[pick] + 24) != m->psize)
		goto damaged; /* two page sizes: no LMDB writes that */
	m->last = u64(meta[pick] + 120);
	/* A file shorter than its pages is LMDB's to report (store.c: "truncated"). */
	pages = size / m->psize;
	if (m->last < 1 || m->last >= pages)
		goto fallback;
	if (db_parse(m, meta[pick] + 72, &m->main) != 0)
		goto damaged;
	if (m->main.flags != 0)
		goto fallback;
	/* Not read by a lookup: kept for bg_mr_sound_free_list, never a reason to step aside. */
	m->free_ok = db_parse(m, meta[pick] + 24, &m->free) == 0;
	*out = m;
	return 0;
fallback:
	bg_mr_close(m);
	return BG_MR_FALLBACK;
damaged:
	bg_mr_close(m);
	return DAMAGED;
}

void bg_mr_close(struct bg_mr *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < SLOTS; i++)
		free(m->page[i]);
	free(m->big);
	free(m);
}

const struct bg_mr_db *bg_mr_main(const struct bg_mr *m)
{
	return &m->main;
}

unsigned bg_mr_pages_read(const struct bg_mr *m)
{
	return m ? m->reads : 0;
}

/* Page pgno of a tree, checked before use: its own number, a branch or leaf
 * (LEAF2 only where leaf2), and offsets within the page.  *out stays valid
 * until the next page_get. */
static int page_get(struct bg_mr *m, uint64_t pgno, bool leaf2, const unsigned char **out)
{
	unsigned char *p = NULL;
	unsigned flags, lower, upper, slot = 0;

	for (unsigned i = 0; i < SLOTS; i++) {
		if (m->page[i] && m->pgno[i] == pgno) {
			slot = i;
			p = m->page[i];
			break;
		}
		if (m->used[i] < m->used[slot])
			slot = i;
	}
	if (!p) {
		if (pgno < 2 || pgno > m->last)
			return DAMAGED;
		if (!m->page[slot] && !(m->page[slot] = malloc(m->psize)))
			return -ENOMEM;
		p = m->page[slot];
		m->pgno[slot] = 0; /* not a page until it is read whole */
		if (!read_all(m, p, m->psize, pgno * m->psize) || u64(p) != pgno)
			return DAMAGED;
		m->pgno[slot] = pgno;
	}
	m->used[slot] = ++m->clock;
	flags = u16(p + 10) & ~(P_DIRTY | P_KEEP);
	lower = u16(p + 12);
	upper = u16(p + 14);
	if ((flags != P_BRANCH && flags != P_LEAF && (!leaf2 || flags != (P_LEAF | P_LEAF2))) ||
	    lower < HDR + 2 || (lower - HDR) % 2 != 0 || lower > upper || upper > m->psize)
		return DAMAGED;
	*out = p;
	return 0;
}

static unsigned nkeys(const unsigned char *p)
{
	return (u16(p + 12) - HDR) / 2;
}

struct node {
	const unsigned char *key, *data;
	size_t klen, dlen;
	unsigned flags;
	uint64_t child;
};

/* Node i of a branch or leaf page of size `size`, bounds checked. */
static int node_at(const unsigned char *p, size_t size, unsigned i, struct node *n)
{
	size_t off = u16(p + HDR + 2 * i), lo, hi, fl;

	if (off < u16(p + 14) || off + NODE > size)
		return DAMAGED;
	lo = u16(p + off);
	hi = u16(p + off + 2);
	fl = u16(p + off + 4);
	n->klen = u16(p + off + 6);
	n->key = p + off + NODE;
	if (off + NODE + n->klen > size)
		return DAMAGED;
	n->data = n->key + n->klen;
	n->child = lo | hi << 16 | (uint64_t)fl << 32;
	n->flags = (unsigned)fl;
	n->dlen = lo | hi << 16;
	return 0;
}

/* A leaf node's data must lie within its page (an overflow value: its page number). */
static int leaf_data_ok(const struct node *n, const unsigned char *p, size_t size)
{
	size_t need = (n->flags & F_BIGDATA) ? 8 : n->dlen;

	return (size_t)(n->data - p) + need <= size ? 0 : DAMAGED;
}

static int cmp(const void *a, size_t al, const void *b, size_t bl)
{
	int d = memcmp(a, b, al < bl ? al : bl);

	return d ? d : (al > bl) - (al < bl);
}

/* LMDB's own node search (mdb_node_search), probe for probe, so that even a
 * page whose keys are out of order gives the answer LMDB would: a node from
 * `low` (1 on a branch page: its first key is not compared), *at the first
 * node whose key is >= key (count when none), *exact when it is key. */
static int search(const unsigned char *p, size_t size, int low, const void *key, size_t klen,
		  unsigned *at, bool *exact)
{
	int high = (int)nkeys(p) - 1, c = 0, i = 0;
	struct node n;

	while (low <= high) {
		int rc;

		i = (low + high) >> 1;
		if ((rc = node_at(p, size, (unsigned)i, &n)) != 0)
			return rc;
		if ((c = cmp(key, klen, n.key, n.klen)) == 0)
			break;
		if (c > 0)
			low = i + 1;
		else
			high = i - 1;
	}
	*at = (unsigned)(c > 0 ? i + 1 : i);
	*exact = c == 0 && nkeys(p) > 0;
	return 0;
}

/* The leaf node of key in db: 0 (found, *n), -ENOENT, BG_MR_FALLBACK.  The
 * descent is mdb_page_search_root's: on a branch page, the child before the
 * first key greater than key. */
static int find(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
		struct node *n)
{
	const unsigned char *p;
	uint64_t pgno = db->root;
	unsigned at, count;
	bool exact;
	int rc;

	/* LMDB refuses such a key (MDB_BAD_VALSIZE): its answer, not ours. */
	if (klen == 0 || klen > 511)
		return BG_MR_FALLBACK;
	if (pgno == NO_PAGE)
		return -ENOENT;
	for (unsigned level = 1;; level++) {
		if ((rc = page_get(m, pgno, false, &p)) != 0)
			return rc;
		count = nkeys(p);
		if (u16(p + 10) & P_BRANCH) {
			if (level >= db->depth || count < 2)
				return DAMAGED; /* count < 2: LMDB asserts (abort) */
			if ((rc = search(p, m->psize, 1, key, klen, &at, &exact)) != 0)
				return rc;
			if (at >= count)
				at = count - 1;
			else if (!exact)
				at--;
			if ((rc = node_at(p, m->psize, at, n)) != 0)
				return rc;
			pgno = n->child;
			continue;
		}
		if (level != db->depth)
			return DAMAGED;
		if ((rc = search(p, m->psize, 0, key, klen, &at, &exact)) != 0)
			return rc;
		if (!exact || at >= count)
			return -ENOENT;
		if ((rc = node_at(p, m->psize, at, n)) != 0)
			return rc;
		return leaf_data_ok(n, p, m->psize);
	}
}

/* An overflow value: its first page's header checked, the bytes read into
 * the one buffer for it (valid until the next overflow value). */
static int big_get(struct bg_mr *m, const struct node *n, const void **val)
{
	unsigned char hdr[HDR];
	uint64_t pgno = u64(n->data), pages;
	size_t len = n->dlen;

	if (len > BIG_MAX)
		return BG_MR_FALLBACK;
	if (pgno < 2 || pgno > m->last || !read_all(m, hdr, HDR, pgno * m->psize) ||
	    u64(hdr) != pgno || (u16(hdr + 10) & ~(P_DIRTY | P_KEEP)) != P_OVERFLOW)
		return DAMAGED;
	pages = u32(hdr + 12);
	if (pages < (HDR - 1 + len) / m->psize + 1 || pages - 1 > m->last - pgno)
		return DAMAGED;
	free(m->big);
	if (!(m->big = malloc(len + 1)))
		return -ENOMEM;
	if (!read_all(m, m->big, len, pgno * m->psize + HDR))
		return DAMAGED;
	*val = m->big;
	return 0;
}

int bg_mr_get(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
	      const void **val, size_t *len)
{
	struct node n;
	int rc;

	if (db->flags & (MDB_DUPSORT | MDB_INTEGERKEY | MDB_REVERSEKEY))
		return BG_MR_FALLBACK;
	if ((rc = find(m, db, key, klen, &n)) != 0)
		return rc;
	*len = n.dlen;
	if (n.flags == F_BIGDATA)
		return big_get(m, &n, val);
	/* Duplicates in a table made without them: LMDB's lookup of this key
	 * follows a duplicate cursor the table does not have (a NULL pointer). */
	if (n.flags & F_DUPDATA)
		return DAMAGED;
	if (n.flags != 0)
		return BG_MR_FALLBACK;
	*val = n.data;
	return 0;
}

/* Every node of page p within it, as LMDB's write trusts them when it copies,
 * splits or shifts the page: a branch's children in range (and two of them at
 * least), a leaf's data in the page, its node flags among `allow`, an
 * overflow value's page in range, a table record 48 bytes. */
static int page_sound(const struct bg_mr *m, const unsigned char *p, unsigned allow)
{
	unsigned count = nkeys(p);
	bool branch = (u16(p + 10) & P_BRANCH) != 0;
	struct node n;

	if ((u16(p + 10) & P_LEAF2) || (branch && count < 2))
		return BG_MR_FALLBACK;
	for (unsigned i = 0; i < count; i++) {
		if (node_at(p, m->psize, i, &n) != 0)
			return BG_MR_FALLBACK;
		if (branch) {
			if (n.child < 2 || n.child > m->last)
				return BG_MR_FALLBACK;
		} else if ((n.flags & ~allow) != 0 || leaf_data_ok(&n, p, m->psize) != 0 ||
			   ((n.flags & F_SUBDATA) && n.dlen != 48) ||
			   ((n.flags & F_BIGDATA) && (u64(n.data) < 2 || u64(n.data) > m->last))) {
			return BG_MR_FALLBACK;
		}
	}
	return 0;
}

/* The descent of find() (key NULL: to the first leaf, or with last the
 * last), every page on it page_sound; *leaf the leaf (NULL: empty table). */
static int sound_descent(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
			 bool last, unsigned allow, const unsigned char **leaf)
{
	const unsigned char *p;
	uint64_t pgno = db->root;
	struct node n;
	unsigned at;
	bool exact;
	int rc;

	*leaf = NULL;
	if (key && (klen == 0 || klen > 511))
		return BG_MR_FALLBACK;
	if (pgno == NO_PAGE)
		return 0;
	for (unsigned level = 1;; level++) {
		if ((rc = page_get(m, pgno, false, &p)) != 0 || (rc = page_sound(m, p, allow)) != 0)
			return rc;
		if (!(u16(p + 10) & P_BRANCH)) {
			if (level != db->depth)
				return BG_MR_FALLBACK;
			*leaf = p;
			return 0;
		}
		if (level >= db->depth)
			return BG_MR_FALLBACK;
		if (!key) {
			at = last ? nkeys(p) - 1 : 0;
		} else {
			if (search(p, m->psize, 1, key, klen, &at, &exact) != 0)
				return BG_MR_FALLBACK;
			if (at >= nkeys(p))
				at = nkeys(p) - 1;
			else if (!exact)
				at--;
		}
		if (node_at(p, m->psize, at, &n) != 0)
			return BG_MR_FALLBACK;
		pgno = n.child;
	}
}

int bg_mr_sound_path(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
		     bool tables)
{
	const unsigned char *leaf;

	if (db->flags & (MDB_DUPSORT | MDB_INTEGERKEY | MDB_REVERSEKEY))
		return BG_MR_FALLBACK;
	return sound_descent(m, db, key, klen, false, tables ? F_SUBDATA : F_BIGDATA, &leaf);
}

int bg_mr_sound_free_list(struct bg_mr *m)
{
	const unsigned odd = MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP | MDB_REVERSEDUP;
	const unsigned char *p;
	int rc;

	if (!m->free_ok || (m->free.flags & odd))
		return BG_MR_FALLBACK;
	/* A write frees pages under its own (the largest) key, and takes the
	 * oldest lists first. */
	if ((rc = sound_descent(m, &m->free, NULL, 0, true, F_BIGDATA, &p)) != 0 ||
	    (rc = sound_descent(m, &m->free, NULL, 0, false, F_BIGDATA, &p)) != 0 || !p)
		return rc;
	/* The first leaf's lists, which the allocation copies: a count, then that
	 * many page numbers, each a page of the file. */
	for (unsigned i = 0; i < nkeys(p); i++) {
		const unsigned char *v;
		struct node n;
		uint64_t count;

		if (node_at(p, m->psize, i, &n) != 0)
			return BG_MR_FALLBACK;
		v = n.data;
		if (n.flags & F_BIGDATA) {
			const void *big;

			if (n.dlen > BIG_MAX)
				continue; /* read by LMDB alone; its header was checked */
			if ((rc = big_get(m, &n, &big)) != 0)
				return rc;
			v = big;
		}
		if (n.dlen < 8 || (count = u64(v)) > n.dlen / 8 - 1)
			return BG_MR_FALLBACK;
		for (uint64_t j = 1; j <= count; j++)
			if (u64(v + 8 * j) < 2 || u64(v + 8 * j) > m->last)
				return BG_MR_FALLBACK;
	}
	return 0;
}

int bg_mr_table(struct bg_mr *m, const char *name, unsigned flags, struct bg_mr_db *db)
{
	struct node n;
	int rc = find(m, &m->main, name, strlen(name), &n);

	if (rc == -ENOMEM || rc == DAMAGED)
		return rc;
	/* The main table has no duplicates: LMDB's open of this table would
	 * follow a duplicate cursor it does not have (a NULL pointer). */
	if (rc == 0 && (n.flags & F_DUPDATA))
		return DAMAGED;
	if (rc != 0 || n.flags != F_SUBDATA || n.dlen != 48 || db_parse(m, n.data, db) != 0 ||
	    db->flags != flags)
		return BG_MR_FALLBACK;
	return 0;
}

/* The LEAF2 keys of one page or sub-page, handed to cb in order. */
static int leaf2_each(const unsigned char *p, size_t size, size_t pad,
		      int (*cb)(const void *val, size_t len, void *arg), void *arg)
{
	unsigned lower = u16(p + 12), count;
	int rc = 0;

	if (pad == 0 || lower < HDR + 2 || (lower - HDR) % 2 != 0)
		return BG_MR_FALLBACK;
	count = (lower - HDR) / 2u;
	if (HDR + (size_t)count * pad > size)
		return BG_MR_FALLBACK;
	for (unsigned i = 0; rc == 0 && i < count; i++)
		rc = cb(p + HDR + (size_t)i * pad, pad, arg);
	return rc;
}

int bg_mr_dups(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
	       int (*cb)(const void *val, size_t len, void *arg), void *arg)
{
	struct bg_mr_db sub;
	const unsigned char *p;
	struct node n;
	int rc;

	if (db->flags != (MDB_DUPSORT | MDB_DUPFIXED))
		return BG_MR_FALLBACK;
	if ((rc = find(m, db, key, klen, &n)) != 0)
		return rc;
	switch (n.flags) {
	case 0: /* a single value, in the node */
		return cb(n.data, n.dlen, arg);
	case F_DUPDATA: /* a sub-page inside the node: LEAF2 keys of its own size */
		if (n.dlen < HDR || (u16(n.data + 10) & ~P_DIRTY) != (P_LEAF | P_LEAF2 | P_SUBP))
			return BG_MR_FALLBACK;
		return leaf2_each(n.data, n.dlen, u16(n.data + 8), cb, arg);
	case F_DUPDATA | F_SUBDATA: /* a sub-table: read here when it is one leaf */
		if (n.dlen != 48 || db_parse(m, n.data, &sub) != 0 || sub.flags != MDB_DUPFIXED ||
		    sub.root == NO_PAGE || sub.depth != 1)
			return BG_MR_FALLBACK;
		if ((rc = page_get(m, sub.root, true, &p)) != 0)
			return rc;
		if (!(u16(p + 10) & P_LEAF2)) /* page_get allows a branch or a LEAF2 leaf */
			return BG_MR_FALLBACK;
		return leaf2_each(p, m->psize, sub.pad, cb, arg);
	}
	return BG_MR_FALLBACK;
}
