/* mdbread.h: point lookups in an LMDB 0.9 data file by pread, without mapping it.
 *
 * The module's check reads a handful of pages (a name in the main table, one
 * key in each of three tables, the duplicates of two identities).  Through
 * LMDB that is an mmap of the file, a page fault per page touched (each also
 * mapping its cached neighbours), a munmap, and LMDB's own set-up calls, on
 * every check: about half of what the module costs a login (bench/RESULTS.md).
 * This reader answers the same lookups with one pread per page.
 *
 * It is used only where nothing can change under it: the module's lock-free
 * read, while writer.lock is held shared (every writer holds it exclusively
 * for its whole transaction; store.c gate_shared).  It reads the newest meta
 * page as LMDB does and follows the B-tree from its root; every page is
 * checked (its number, type, bounds, the tree's depth) before a byte of it is
 * used.  A page that is not one LMDB writes (another page's number in its
 * header, a type that cannot be there, offsets or nodes past its end, a branch
 * of fewer than two keys, a tree deeper or shallower than its record says, an
 * overflow value's header) is damage: -EBADMSG.  LMDB makes none of these
 * checks and reads on (a node offset past the page faults, a branch of one
 * key is an assertion and abort()), so on a damaged file the reader's answer
 * is the error, not LMDB's crash in sshd's process.  Anything else it does not
 * fully understand (another page size than it can read, a data file shorter
 * than its pages, a flag it does not know, an overflow value over 256 KiB, a
 * duplicate set of more than one page) is BG_MR_FALLBACK: the caller then asks
 * LMDB itself, which gives the answer or the error it always gave.  So this
 * reader agrees with LMDB, steps aside, or (on a damaged file only) says
 * damaged; tests/unit/test_mdbread.c holds it to LMDB on stores of every
 * shape (never damaged, never a fallback on the ordinary ones) and on damaged
 * files, and tests/fuzz/fuzz_mdbread.c feeds it arbitrary files.
 *
 * Only the layout of 64-bit little-endian builds is read (LMDB's file format
 * follows the host's word size and byte order); elsewhere bg_mr_open always
 * falls back. */
#ifndef BG_MDBREAD_H
#define BG_MDBREAD_H

#include <stddef.h>
#include <stdint.h>

/* A positive code: "ask LMDB".  Every other result is 0 or a negative errno. */
#define BG_MR_FALLBACK 1

struct bg_mr;

/* One table: what its record in the main table says. */
struct bg_mr_db {
	uint64_t root;	/* UINT64_MAX: empty */
	uint32_t pad;	/* key size of LEAF2 pages (duplicate sub-tables) */
	uint16_t flags; /* LMDB's persistent flags (MDB_DUPSORT, ...) */
	uint16_t depth; /* levels, the leaves included */
};

/* Reads the meta pages of the data file open on fd (not closed by bg_mr_close).
 * 0, BG_MR_FALLBACK, -EBADMSG (the newest meta's main table out of the file,
 * or two page sizes), or -ENOMEM. */
int bg_mr_open(struct bg_mr **out, int fd);
/* The same for a regular file of `size` bytes (its fstat already made). */
int bg_mr_open_sized(struct bg_mr **out, int fd, uint64_t size);
void bg_mr_close(struct bg_mr *m);

/* The named table `name`, which must have been made with exactly `flags`
 * (e.g. MDB_DUPSORT | MDB_DUPFIXED, or 0).  0, -EBADMSG or BG_MR_FALLBACK (a missing
 * table too: LMDB's own open says what is wrong). */
int bg_mr_table(struct bg_mr *m, const char *name, unsigned flags, struct bg_mr_db *db);

/* The value of `key` in a table without duplicates: 0 with *val and *len (valid
 * until the next call on m), -ENOENT, BG_MR_FALLBACK, or -EBADMSG (damaged;
 * also a node of this key claiming duplicates, on which LMDB's own lookup
 * follows a duplicate cursor the table does not have). */
int bg_mr_get(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
	      const void **val, size_t *len);

/* Every value of `key` in a MDB_DUPSORT|MDB_DUPFIXED table, in LMDB's order,
 * each handed to cb (a non-zero return stops the walk and is returned):
 * 0, -ENOENT, BG_MR_FALLBACK, -EBADMSG, or cb's code.  The reader falls back, if it
 * does, before the first value is handed over (every check comes first).
 * Values in the key's node, in a sub-page or in a sub-table of one page are
 * read here; a larger sub-table (over a thousand 4-byte values) is LMDB's. */
int bg_mr_dups(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
	       int (*cb)(const void *val, size_t len, void *arg), void *arg);

/* Before a write (store.c, the module's): LMDB's write copies, splits and
 * shifts whole pages and trusts every node it finds there, where a damaged
 * node is a wild memcpy in sshd's process.  These check the pages a write
 * walks as LMDB will: each page's header and every node within it (a branch's
 * children, a leaf's data and overflow page in range), not only the nodes a
 * lookup touches.  0: sound; BG_MR_FALLBACK: a page the reader cannot vouch
 * for (damaged, or a shape it does not read); or -ENOMEM.
 * bg_mr_sound_path: the path to key in db (a table of the store; tables: the
 * main table, whose values are table records).  bg_mr_sound_free_list: LMDB's
 * free list (table 0): its flags, its first and last paths, and the page lists
 * of its first leaf, which the allocation copies. */
int bg_mr_sound_path(struct bg_mr *m, const struct bg_mr_db *db, const void *key, size_t klen,
		     bool tables);
int bg_mr_sound_free_list(struct bg_mr *m);
/* The main table's record (the tables' names). */
const struct bg_mr_db *bg_mr_main(const struct bg_mr *m);

/* Pages read so far (tests and the benchmark). */
unsigned bg_mr_pages_read(const struct bg_mr *m);

#endif
