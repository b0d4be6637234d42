/* digestfloor.c: the digests alone, the floor of the import's reading phase.
 *
 * Every import must compute, for each address, its keyed digest (design.md:
 * HMAC-SHA-256 under the site key, never the plain address) and, for each new
 * record, the record's keyed digest for the store digest (recsum.h).  This
 * computes exactly those with the project's own functions and key, on THREADS
 * threads over the lines of FILE, and nothing else: no decoding, tokenising,
 * normalising, sorting or LMDB.  Every line counts as one address and as one
 * new record (an import has fewer: repeats and invalid lines), so the figure
 * is an upper bound of the digests' share, within a few percent.
 *
 * usage: digestfloor KEYFILE FILE THREADS
 * prints "lines N wall S cpu S" (cpu: the threads' CPU time, summed). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "recsum.h"

struct part {
	const char *p, *end;
	struct bg_hmac *h;
	unsigned long lines;
	unsigned char x[BG_DIGEST_LEN];
	double cpu;
	int rc;
};

static double secs(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct part *w = arg;
	static const unsigned char adv[4] = {0, 0, 0, 1};
	const char *p = w->p;

	while (p < w->end && w->rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(w->end - p));
		size_t len = (size_t)((nl ? nl : w->end) - p);
		unsigned char d[BG_DIGEST_LEN], r[BG_RECSUM_LEN];

		if ((w->rc = bg_hmac_digest(w->h, "id", p, len, d)) == 0 &&
		    (w->rc = bg_recsum(w->h, 'e', d, sizeof(d), adv, sizeof(adv), r)) == 0)
			for (size_t i = 0; i < sizeof(r); i++)
				w->x[i] ^= r[i]; /* used, so that nothing is optimised away */
		w->lines++;
		p = nl ? nl + 1 : w->end;
	}
	w->cpu = secs(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned char key[BG_KEY_LEN];
	struct part w[16];
	pthread_t tid[16];
	struct bg_hmac *h = NULL;
	struct stat s;
	const char *map;
	unsigned long lines = 0;
	double t0, cpu = 0;
	int fd, n;

	if (argc != 4 || (n = atoi(argv[3])) < 1 || n > 16) {
		fprintf(stderr, "usage: digestfloor KEYFILE FILE THREADS(1-16)\n");
		return 2;
	}
	if (bg_key_load(argv[1], key, NULL) != 0 || bg_hmac_new(&h, key, NULL) != 0) {
		fprintf(stderr, "digestfloor: %s: cannot load the key\n", argv[1]);
		return 1;
	}
	if ((fd = open(argv[2], O_RDONLY)) < 0 || fstat(fd, &s) != 0 || s.st_size == 0 ||
	    (map = mmap(NULL, (size_t)s.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)) ==
		MAP_FAILED) {
		fprintf(stderr, "digestfloor: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* The file in page cache and mapped before the clock starts: the reading
	 * itself is the import's, not the digests'. */
	t0 = secs(CLOCK_MONOTONIC);
	for (int i = 0; i < n; i++) {
		const char *a = i == 0 ? map : w[i - 1].end, *b = map + s.st_size;

		if (i + 1 < n) {
			b = map + (size_t)s.st_size / (size_t)n * (size_t)(i + 1);
			if (b < a)
				b = a;
			while (b < map + s.st_size && b[-1] != '\n')
				b++;
		}
		memset(&w[i], 0, sizeof(w[i]));
		w[i].p = a;
		w[i].end = b;
		if (bg_hmac_dup(&w[i].h, h) != 0 ||
		    pthread_create(&tid[i], NULL, run, &w[i]) != 0) {
			fprintf(stderr, "digestfloor: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		if (w[i].rc != 0)
			return 1;
		lines += w[i].lines;
		cpu += w[i].cpu;
		bg_hmac_free(w[i].h);
	}
	printf("lines %lu wall %.3f cpu %.3f\n", lines, secs(CLOCK_MONOTONIC) - t0, cpu);
	bg_hmac_free(h);
	return 0;
}
