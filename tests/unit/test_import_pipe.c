/* test_import_pipe.c: the import's pipe (tools/import_pipe.c) hands out each
 * file's distinct digests once, in digest order, and counts the rest as
 * repeats, whatever the number of sorted runs its merge meets: runs of one
 * digest, a few, hundreds (not a power of two), runs that end early, a file
 * with nothing valid, several files, and the merge started over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "identity.h"
#include "import_pipe.h"
#include "t.h"

static const unsigned char key[BG_KEY_LEN] = "0123456789abcdef0123456789abcde";

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, BG_DIGEST_LEN);
}

/* The digests a file of the addresses addr(i), i < n, must give: sorted, once. */
static size_t expected(struct bg_hmac *h, const struct bg_norm_opts *o, const unsigned *ids,
		       size_t n, unsigned char *out)
{
	size_t k = 0, u = 0;

	for (size_t i = 0; i < n; i++) {
		char a[64], norm[BG_ID_MAX];
		int len;

		snprintf(a, sizeof(a), "User%u@Example.COM", ids[i]);
		len = bg_normalise(a, strlen(a), o, norm, sizeof(norm));
		if (len < 0 || bg_hmac_digest(h, "id", norm, (size_t)len, out + k * BG_DIGEST_LEN))
			return 0;
		k++;
	}
	qsort(out, k, BG_DIGEST_LEN, cmp_digest);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || memcmp(out + (u - 1) * BG_DIGEST_LEN, out + i * BG_DIGEST_LEN,
				     BG_DIGEST_LEN) != 0)
			memmove(out + u++ * BG_DIGEST_LEN, out + i * BG_DIGEST_LEN, BG_DIGEST_LEN);
	return u;
}

struct file {
	unsigned *ids;
	size_t n, junk;
	unsigned char *want;
	size_t n_want;
	struct bg_file_stats st;
};

/* Runs the files through a pipe with runs of at most cap digests, twice
 * through the merge (bg_pipe_rewind between), and checks what comes out. */
static void run_files(struct file *fs, size_t nf, size_t cap)
{
	struct bg_norm_opts o = {.fold_case = true};
	struct bg_pipe *p = NULL;
	struct bg_err e = BG_ERR_INIT;
	struct bg_hmac *h = NULL;
	unsigned char d[BG_DIGEST_LEN];

	T_EQ_INT(bg_hmac_new(&h, key, NULL), 0);
	T_EQ_INT(bg_pipe_new(&p, &o, key, &e), 0);
	if (!p || !h)
		goto out;
	bg_pipe_set_run_cap(p, cap);
	for (size_t f = 0; f < nf; f++) {
		fs[f].want = malloc((fs[f].n + 1) * BG_DIGEST_LEN);
		fs[f].n_want = fs[f].want ? expected(h, &o, fs[f].ids, fs[f].n, fs[f].want) : 0;
		memset(&fs[f].st, 0, sizeof(fs[f].st));
		T_EQ_INT(bg_pipe_begin_file(p, &fs[f].st), 0);
		for (size_t i = 0; i < fs[f].n; i++) {
			char a[64];

			snprintf(a, sizeof(a), "User%u@Example.COM", fs[f].ids[i]);
			T_EQ_INT(bg_pipe_add(p, a, strlen(a), i + 1), 0);
			if (i < fs[f].junk)
				T_EQ_INT(bg_pipe_add(p, "no-at-sign", 10, i + 1), 0);
		}
		T_EQ_INT(bg_pipe_end_file(p, f + 1 == nf), 0);
	}
	for (int pass = 0; pass < 2; pass++) {
		size_t f = 0, got = 0;
		struct bg_file_stats *which = NULL;
		int r;

		while ((r = bg_pipe_next(p, d, &which)) == 1) {
			while (f < nf && which != &fs[f].st) {
				T_EQ_INT(got, fs[f].n_want);
				f++, got = 0;
			}
			if (f == nf || got >= fs[f].n_want) {
				T_FAIL_AT();
				fprintf(stderr, "a digest past the file's %zu\n", got);
				t_failed++;
				break;
			}
			T_CHECK(memcmp(d, fs[f].want + got * BG_DIGEST_LEN, BG_DIGEST_LEN) == 0);
			got++;
		}
		T_EQ_INT(r, 0);
		for (; f < nf; f++, got = 0)
			T_EQ_INT(got, fs[f].n_want);
		for (size_t k = 0; k < nf; k++) {
			T_EQ_INT(fs[k].st.addresses, fs[k].n);
			T_EQ_INT(fs[k].st.invalid, fs[k].junk);
			T_EQ_INT(fs[k].st.duplicates, fs[k].n - fs[k].n_want);
		}
		bg_pipe_rewind(p);
	}
out:
	for (size_t f = 0; f < nf; f++)
		free(fs[f].want);
	bg_pipe_free(p);
	bg_hmac_free(h);
}

static unsigned *ids_of(size_t n, unsigned mod, unsigned seed)
{
	unsigned *v = malloc(n * sizeof(*v));
	uint32_t x = seed;

	for (size_t i = 0; v && i < n; i++) {
		x = x * 1103515245u + 12345u;
		v[i] = (x >> 8) % mod; /* repeats near and far */
	}
	return v;
}

static void test_many_runs(void)
{
	/* 1 run; a few; 3 to a power of two; hundreds, not a power of two */
	static const size_t caps[] = {1u << 20, 9000, 7000, 97, 1};
	struct file f = {.n = 20000};

	f.ids = ids_of(f.n, 15000, 7);
	T_CHECK(f.ids != NULL);
	for (size_t i = 0; f.ids && i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t n = f.n;

		if (caps[i] == 1) /* one digest per run: 600 runs */
			f.n = 600;
		run_files(&f, 1, caps[i]);
		f.n = n;
	}
	free(f.ids);
}

static void test_files(void)
{
	struct file fs[4] = {{.n = 5000}, {.n = 0, .junk = 0}, {.n = 3, .junk = 3}, {.n = 12345}};

	fs[0].ids = ids_of(fs[0].n, 4000, 1);
	fs[1].ids = ids_of(1, 10, 2);
	fs[2].ids = ids_of(fs[2].n, 2, 3);
	fs[3].ids = ids_of(fs[3].n, 100000, 4); /* mostly distinct */
	if (fs[0].ids && fs[1].ids && fs[2].ids && fs[3].ids) {
		run_files(fs, 4, 333);
		run_files(fs, 4, 1u << 20);
	}
	for (size_t i = 0; i < 4; i++)
		free(fs[i].ids);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_many_runs);
	T_RUN(test_files);
	return t_done("test_import_pipe");
}
