/* mkdump.c: the mdb_load side of the import benchmark.  Reads an advisory file
 * with the project's own reader, normaliser and keyed digest (the same code and
 * key as `breachguard import`), keeps the distinct digests, sorts them and
 * writes them as an mdb_dump "bytevalue" dump of a DUPSORT|DUPFIXED database
 * named "exposures" (key: the 16-byte digest, data: advisory id 1, 4 bytes big
 * endian, as store.c writes it).  mdb_load then loads exactly the keys the
 * import stores.  This preparation is not timed.
 *
 * usage: mkdump CONF FILE MAPSIZE > dump     (prints "distinct N" to stderr) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "digest.h"
#include "identity.h"
#include "reader.h"

struct acc {
	struct bg_norm_opts norm;
	struct bg_hmac *hmac;
	unsigned char *d;
	size_t n, cap;
	unsigned long invalid;
};

static int on_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct acc *a = s->arg;
	char norm[BG_ID_MAX];
	int n;

	(void)line;
	n = bg_normalise(addr, len, &a->norm, norm, sizeof(norm));
	if (n < 0) {
		a->invalid++;
		return 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 1u << 20;
		unsigned char *p = realloc(a->d, cap * BG_DIGEST_LEN);

		if (!p)
			return -ENOMEM;
		a->d = p;
		a->cap = cap;
	}
	return bg_hmac_digest(a->hmac, "id", norm, (size_t)n, a->d + a->n++ * BG_DIGEST_LEN);
}

static void on_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
		       size_t len)
{
	struct acc *a = s->arg;

	(void)line, (void)why, (void)text, (void)len;
	a->invalid++;
}

static void on_record(struct bg_sink *s)
{
	(void)s;
}

static int cmp(const void *x, const void *y)
{
	return memcmp(x, y, BG_DIGEST_LEN);
}

int main(int argc, char **argv)
{
	static const char hex[] = "0123456789abcdef";
	struct bg_logger log = {NULL, NULL, false};
	struct bg_config cfg;
	struct acc a = {0};
	struct bg_sink sink = {
	    .address = on_address, .invalid = on_invalid, .record = on_record, .arg = &a};
	struct bg_input *in = NULL;
	struct bg_reader_ctx rc;
	struct bg_err err = BG_ERR_INIT;
	unsigned char key[BG_KEY_LEN];
	char line[40];
	size_t out = 0;
	unsigned unknown = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: mkdump CONF FILE MAPSIZE > dump\n");
		return 2;
	}
	bg_config_defaults(&cfg);
	if (bg_config_load(&cfg, argv[1], false, false, &log, &unknown) != 0 ||
	    bg_key_load(cfg.key_file, key, &log) != 0 || bg_hmac_new(&a.hmac, key, &log) != 0)
		return 1;
	bg_wipe(key, sizeof(key));
	bg_norm_opts_from_config(&a.norm, &cfg);
	if (bg_input_open(&in, argv[2], &err) != 0) {
		fprintf(stderr, "mkdump: %s\n", err.msg);
		return 1;
	}
	bg_reader_ctx_init(&rc, in, NULL, NULL, &sink);
	if (bg_reader_finish(&rc, bg_reader_text.read(&rc)) != 0) {
		fprintf(stderr, "mkdump: %s\n", rc.err.msg);
		return 1;
	}
	bg_input_close(in);
	bg_hmac_free(a.hmac);
	qsort(a.d, a.n, BG_DIGEST_LEN, cmp);
	printf("VERSION=3\nformat=bytevalue\ndatabase=exposures\ntype=btree\nmapsize=%s\n"
	       "maxreaders=126\ndupsort=1\ndupfixed=1\nHEADER=END\n",
	       argv[3]);
	line[0] = ' ';
	line[2 * BG_DIGEST_LEN + 1] = '\n';
	for (size_t i = 0; i < a.n; i++) {
		const unsigned char *d = a.d + i * BG_DIGEST_LEN;

		if (out && memcmp(a.d + (out - 1) * BG_DIGEST_LEN, d, BG_DIGEST_LEN) == 0)
			continue;
		if (out != i)
			memcpy(a.d + out * BG_DIGEST_LEN, d, BG_DIGEST_LEN);
		out++;
		for (size_t j = 0; j < BG_DIGEST_LEN; j++) {
			line[1 + 2 * j] = hex[d[j] >> 4];
			line[2 + 2 * j] = hex[d[j] & 15];
		}
		fwrite(line, 1, 2 * BG_DIGEST_LEN + 2, stdout);
		fputs(" 00000001\n", stdout);
	}
	fputs("DATA=END\n", stdout);
	if (fflush(stdout) != 0) {
		perror("mkdump: write");
		return 1;
	}
	fprintf(stderr, "distinct %zu addresses %zu invalid %lu\n", out, a.n, a.invalid);
	free(a.d);
	return 0;
}
