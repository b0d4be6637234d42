/* test_sha_async.c: the input's SHA-256 on its own thread (tools/sha_async.c)
 * gives OpenSSL's SHA-256 of the same bytes, whatever the sizes fed, across
 * the inline limit and the slots' edges, with sums asked on the way; and a
 * large file read through bg_input hashes as on disk. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "input.h"
#include "sha_async.h"
#include "t.h"

static void ref_sha(const unsigned char *p, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 2463534242u;

	for (size_t i = 0; p && i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* Feeds n bytes in pieces of `step` (0: growing, odd sizes), asking the sum
 * at every `ask` pieces (0: never before the end). */
static void feed(const unsigned char *p, size_t n, size_t step, size_t ask)
{
	struct bg_sha_async *h = NULL;
	unsigned char got[32], want[32];
	size_t off = 0, k = 0;

	T_EQ_INT(bg_sha_async_new(&h), 0);
	if (!h)
		return;
	while (off < n) {
		size_t take = step ? step : 1 + (k * 7919) % 300000;

		if (take > n - off)
			take = n - off;
		bg_sha_async_update(h, p + off, take);
		off += take;
		if (ask && ++k % ask == 0) {
			bg_sha_async_sum(h, got);
			ref_sha(p, off, want);
			T_CHECK(memcmp(got, want, 32) == 0);
		}
		k += !ask;
	}
	bg_sha_async_sum(h, got);
	ref_sha(p, n, want);
	T_CHECK(memcmp(got, want, 32) == 0);
	bg_sha_async_sum(h, got); /* twice: the same */
	T_CHECK(memcmp(got, want, 32) == 0);
	bg_sha_async_free(h);
}

static void test_sizes(void)
{
	/* around the inline limit (4 MiB) and the slots (256 KiB, four) */
	static const size_t sizes[] = {0,
				       1,
				       64,
				       65535,
				       4u << 20,
				       (4u << 20) + 1,
				       (5u << 20) + 262144,
				       (5u << 20) + 262143,
				       23u << 20};
	unsigned char *p = pattern(23u << 20);

	T_CHECK(p != NULL);
	if (!p)
		return;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		feed(p, sizes[i], 65536, 0);
		feed(p, sizes[i], 0, 0);
		feed(p, sizes[i], 262144, 3);
		feed(p, sizes[i], 0, 5);
	}
	feed(p, 23u << 20, 23u << 20, 0); /* one piece far over the slots */
	free(p);
}

static void test_free_unsummed(void)
{
	struct bg_sha_async *h = NULL;
	unsigned char *p = pattern(9u << 20);

	/* freed with slots still out: the thread drains and is joined */
	T_EQ_INT(bg_sha_async_new(&h), 0);
	if (h && p)
		bg_sha_async_update(h, p, 9u << 20);
	bg_sha_async_free(h);
	bg_sha_async_free(NULL);
	free(p);
}

static void test_input_file(void)
{
	char path[] = "/tmp/bg_sha_async_XXXXXX";
	size_t n = (11u << 20) + 12345;
	unsigned char *p = pattern(n), got[32], want[32];
	struct bg_input *in = NULL;
	struct bg_err err = BG_ERR_INIT;
	char buf[65536];
	int fd = mkstemp(path);
	long r;

	T_CHECK(fd >= 0 && p != NULL);
	if (fd < 0 || !p)
		goto out;
	T_EQ_INT(write(fd, p, n), (long)n);
	close(fd);
	T_EQ_INT(bg_input_open(&in, path, &err), 0);
	if (!in)
		goto out;
	T_EQ_INT(bg_input_set_encoding(in, "raw", &err), 0);
	while ((r = bg_input_read_plain(in, buf, sizeof(buf), &err)) > 0)
		;
	T_EQ_INT(r, 0);
	bg_input_sha256(in, got);
	ref_sha(p, n, want);
	T_CHECK(memcmp(got, want, 32) == 0);
	bg_input_close(in);
out:
	unlink(path);
	free(p);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_sizes);
	T_RUN(test_free_unsummed);
	T_RUN(test_input_file);
	return t_done("test_sha_async");
}
