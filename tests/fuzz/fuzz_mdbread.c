/* fuzz_mdbread.c: the pread reader of LMDB data files (mdbread.h) on arbitrary
 * files.  The data (after wrap.c's 4 bytes) is data.mdb: it is opened (by fd
 * and with its size given), the store's four tables are opened with their
 * flags, and keys are looked up in each: fixed ones, ones cut from the input,
 * and the key of every leaf node found in the file's pages, so that mutations
 * of a real store (the seeds in corpus/mdbread/, made by mdbread_seeds.c)
 * still reach its values.  Every byte of every value handed out is read
 * (ASan), a callback stops a walk part-way, and each lookup is asked twice.
 * The checks a write makes first (bg_mr_sound_path, bg_mr_sound_free_list)
 * run on the same keys, the tables' names and the free list.
 * It must not crash or hang; every result is one the header allows; a
 * fallback hands nothing to the callback; with nothing injected, -ENOMEM
 * never happens and the same question gets the same answer. */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>

#include "fuzz.h"
#include "mdbread.h"

static const struct {
	const char *name;
	unsigned flags;
} tabs[4] = {
    {"meta", 0}, {"advisories", 0}, {"exposures", MDB_DUPSORT | MDB_DUPFIXED}, {"rotations", 0}};

enum { MAX_LOOKUPS = 96 };

struct walk {
	size_t n, stop; /* values seen; the one whose callback returns 7 (0: none) */
	uint64_t h;
};

static uint64_t hash(uint64_t h, const void *v, size_t len)
{
	const unsigned char *c = v;

	h = (h ^ len) * 0x100000001b3u;
	for (size_t i = 0; i < len; i++) /* every byte: ASan sees a bad span */
		h = (h ^ c[i]) * 0x100000001b3u;
	return h;
}

static int each(const void *v, size_t len, void *arg)
{
	struct walk *w = arg;

	w->h = hash(w->h, v, len);
	return ++w->n == w->stop ? 7 : 0;
}

static bool injected_ok(int rc)
{
	return rc == -ENOMEM && fuzz_injected();
}

/* One lookup, twice; traps on a result the header does not allow. */
static void lookup(struct bg_mr *m, int t, const struct bg_mr_db *db, const void *k, size_t kl)
{
	int rc[2];
	uint64_t h[2] = {0, 0};
	size_t n[2] = {0, 0};

	for (int i = 0; i < 2; i++) {
		if (tabs[t].flags) {
			struct walk w = {0, i ? 2 : 0, 0};

			rc[i] = bg_mr_dups(m, db, k, kl, each, &w);
			if ((rc[i] == BG_MR_FALLBACK || rc[i] == -EBADMSG) && w.n)
				__builtin_trap(); /* values handed over, then a fallback */
			if ((rc[i] == 0 && w.n == 0) || (rc[i] == -ENOENT && w.n) ||
			    (rc[i] == 7 && (i == 0 || w.n != 2)))
				__builtin_trap();
			if (rc[i] != 0 && rc[i] != -ENOENT && rc[i] != BG_MR_FALLBACK &&
			    rc[i] != -EBADMSG && rc[i] != 7 && !injected_ok(rc[i]))
				__builtin_trap();
			h[i] = w.h;
			n[i] = w.n;
		} else {
			const void *v = NULL;
			size_t len = 0;

			rc[i] = bg_mr_get(m, db, k, kl, &v, &len);
			if (rc[i] == 0) {
				h[i] = hash(0, v, len);
				n[i] = len;
			} else if (rc[i] != -ENOENT && rc[i] != BG_MR_FALLBACK &&
				   rc[i] != -EBADMSG && !injected_ok(rc[i])) {
				__builtin_trap();
			}
		}
	}
	if (!tabs[t].flags) {
		int s = bg_mr_sound_path(m, db, k, kl, false);

		if (s != 0 && s != BG_MR_FALLBACK && s != -EBADMSG && !injected_ok(s))
			__builtin_trap();
	}
	/* The same question, the same answer (the second walk stops at value 2). */
	if (!fuzz_injected() && rc[0] != BG_MR_FALLBACK && rc[1] != BG_MR_FALLBACK) {
		bool same;

		if (tabs[t].flags && rc[0] == 0 && n[0] >= 2)
			same = rc[1] == 7;
		else
			same = rc[0] == rc[1] && n[0] == n[1] && h[0] == h[1];
		if (!same)
			__builtin_trap();
	}
}

static uint32_t page_size(const uint8_t *data, size_t size)
{
	uint32_t ps = 0;

	if (size >= 44)
		memcpy(&ps, data + 40, sizeof(ps));
	return ps >= 512 && ps <= 32768 && (ps & (ps - 1)) == 0 ? ps : 4096;
}

static void run(const uint8_t *data, size_t size, int fd, bool sized)
{
	static const unsigned char zero[32],
	    ones[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct bg_mr *m = NULL;
	struct bg_mr_db db[4];
	bool have[4];
	uint32_t ps = page_size(data, size);
	unsigned budget = MAX_LOOKUPS, before;
	int rc = sized ? bg_mr_open_sized(&m, fd, size) : bg_mr_open(&m, fd);

	if (rc != 0) {
		if (rc != BG_MR_FALLBACK && rc != -EBADMSG && !injected_ok(rc))
			__builtin_trap();
		return;
	}
	for (int t = 0; t < 4; t++) {
		struct bg_mr_db other;

		rc = bg_mr_table(m, tabs[t].name, tabs[t].flags, &db[t]);
		if (rc != 0 && rc != BG_MR_FALLBACK && rc != -EBADMSG && !injected_ok(rc))
			__builtin_trap();
		have[t] = rc == 0;
		/* A table that opened with its flags does not open with others. */
		rc = bg_mr_table(m, tabs[t].name, tabs[t].flags ^ MDB_DUPSORT, &other);
		if (rc != BG_MR_FALLBACK && (have[t] || rc != 0) && !(rc == -EBADMSG && !have[t]) &&
		    !injected_ok(rc))
			__builtin_trap();
	}
	{
		struct bg_mr_db other;

		/* (The input may hold a table of this name too.) */
		rc = bg_mr_table(m, "no such table", 0, &other);
		if (rc != 0 && rc != BG_MR_FALLBACK && rc != -EBADMSG && !injected_ok(rc))
			__builtin_trap();
	}
	for (int t = 0; t < 4; t++) {
		rc = bg_mr_sound_path(m, bg_mr_main(m), tabs[t].name, strlen(tabs[t].name), true);
		if (rc != 0 && rc != BG_MR_FALLBACK && rc != -EBADMSG && !injected_ok(rc))
			__builtin_trap();
	}
	rc = bg_mr_sound_free_list(m);
	if (rc != 0 && rc != BG_MR_FALLBACK && rc != -EBADMSG && !injected_ok(rc))
		__builtin_trap();
	before = bg_mr_pages_read(m);
	for (int t = 0; t < 4; t++) {
		if (!have[t])
			continue;
		lookup(m, t, &db[t], "schema", 6);
		lookup(m, t, &db[t], "key_id", 6);
		lookup(m, t, &db[t], zero, 16);
		lookup(m, t, &db[t], ones, 32);
		lookup(m, t, &db[t], "", 0);
		if (size >= 32) {
			lookup(m, t, &db[t], data + size - 32, 32);
			lookup(m, t, &db[t], data + size / 2 - 16, 16);
		}
	}
	/* The keys of the leaf nodes in the file's pages (bounds checked here). */
	for (size_t pg = 2; budget && (pg + 1) * ps <= size && pg < 64; pg++) {
		const uint8_t *p = data + pg * ps;
		uint16_t flags, lower;

		memcpy(&flags, p + 10, 2);
		memcpy(&lower, p + 12, 2);
		if (!(flags & 0x02) || (flags & 0x20) || lower < 16 || lower > ps)
			continue;
		for (unsigned i = 0; budget && i < (lower - 16u) / 2u && i < 24; i++) {
			uint16_t off, ks;

			memcpy(&off, p + 16 + 2 * i, 2);
			if ((size_t)off + 8 > ps)
				continue;
			memcpy(&ks, p + off + 6, 2);
			if ((size_t)off + 8 + ks > ps)
				continue;
			for (int t = 0; t < 4 && budget; t++)
				if (have[t]) {
					lookup(m, t, &db[t], p + off + 8, ks);
					budget--;
				}
		}
	}
	if (bg_mr_pages_read(m) < before)
		__builtin_trap();
	bg_mr_close(m);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));

	if (fd < 0)
		return 0;
	run(data, size, fd, false);
	run(data, size, fd, true);
	close(fd);
	return 0;
}
