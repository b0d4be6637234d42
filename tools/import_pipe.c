/* import_pipe.c: the digest pipeline of an import.  The reader's thread fills a
 * batch of candidate addresses; a worker thread normalises, digests (HMAC) and
 * collects them into a chunk, which is sorted into a run when full.  Two batches
 * alternate so both cores work.  Results that depend on order (the invalid list)
 * are merged by the reader's thread in batch order, so reports are
 * deterministic. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import_pipe.h"
#include "unicode.h"

#define CHUNK_DIGESTS (2u << 20) /* 32 MiB of digests per sorted run */
#define BATCH_ITEMS 16384
#define BATCH_TEXT (1u << 20)

struct item {
	uint32_t off, len;
	unsigned long line;
};

struct batch {
	char *text;
	size_t used, n;
	struct item *items;
	struct bg_file_stats st; /* addresses and invalid found by the worker */
};

struct run {
	off_t off;
	uint64_t n;
	const unsigned char *mem; /* in-memory run (the last one), else NULL */
};

struct bg_pipe {
	struct bg_norm_opts norm;
	struct bg_hmac *hmac;
	/* worker handshake */
	pthread_t th;
	bool threaded, work_ready, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[2];
	int filling;         /* the batch the reader fills */
	struct batch *work;  /* the batch handed to the worker, merged when done */
	int werr;
	/* worker-owned while it runs */
	unsigned char *chunk, *tmp;
	size_t *bucket_end;
	size_t chunk_n;
	uint64_t dups;
	int spool_fd;
	off_t spool_end;
	struct run *runs;
	size_t n_runs, cap_runs;
	/* reader-owned */
	struct bg_file_stats *cur;
	char err[256];
};

void bg_invalid_note(struct bg_file_stats *f, unsigned long line, const char *why,
		     const char *text, size_t len)
{
	struct bg_invalid *r;
	size_t at = f->n_shown, o = 0;

	f->invalid++;
	while (at > 0 && f->shown[at - 1].line > line)
		at--;
	if (at >= BG_SHOWN_INVALID)
		return;
	if (f->n_shown < BG_SHOWN_INVALID)
		f->n_shown++;
	memmove(&f->shown[at + 1], &f->shown[at], (f->n_shown - 1 - at) * sizeof(f->shown[0]));
	r = &f->shown[at];
	r->line = line;
	snprintf(r->why, sizeof(r->why), "%s", why);
	/* Printable and valid UTF-8, whole characters only: it is shown and put in JSON. */
	for (size_t i = 0; text && i < len && o + 8 < sizeof(r->text);) {
		unsigned char c = (unsigned char)text[i];
		size_t n;

		if (c < 0x80) {
			r->text[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
			i++;
			continue;
		}
		n = bg_utf8_seq((const unsigned char *)text + i, len - i);
		if (n == 0) {
			r->text[o++] = '?';
			n = 1;
		} else {
			memcpy(r->text + o, text + i, n);
			o += n;
		}
		i += n;
	}
	if (text && len > 0 && o + 8 >= sizeof(r->text)) {
		memcpy(r->text + o, "...", 3);
		o += 3;
	}
	r->text[o] = '\0';
}

/* Digests are uniformly random: a counting pass on their first 16 bits into
 * 65536 buckets leaves a few dozen per bucket, finished by insertion sort; far
 * cheaper than qsort's calls to memcmp.  end has BUCKETS + 1 slots. */
#define BUCKETS 65536
static void sort_digests(unsigned char *d, unsigned char *tmp, size_t *end, size_t n)
{
	memset(end, 0, (BUCKETS + 1) * sizeof(*end));
	for (size_t i = 0; i < n; i++)
		end[((size_t)d[i * BG_DIGEST_LEN] << 8 | d[i * BG_DIGEST_LEN + 1]) + 1]++;
	for (size_t b = 1; b <= BUCKETS; b++)
		end[b] += end[b - 1];
	for (size_t i = 0; i < n; i++) {
		size_t b = (size_t)d[i * BG_DIGEST_LEN] << 8 | d[i * BG_DIGEST_LEN + 1];

		memcpy(tmp + end[b]++ * BG_DIGEST_LEN, d + i * BG_DIGEST_LEN, BG_DIGEST_LEN);
	}
	/* end[b] now marks where bucket b stops. */
	for (size_t b = 0, lo = 0; b < BUCKETS; lo = end[b], b++) {
		for (size_t i = lo + 1; i < end[b]; i++) {
			unsigned char key[BG_DIGEST_LEN];
			size_t j = i;

			memcpy(key, tmp + i * BG_DIGEST_LEN, BG_DIGEST_LEN);
			while (j > lo && memcmp(tmp + (j - 1) * BG_DIGEST_LEN, key, BG_DIGEST_LEN) > 0) {
				memcpy(tmp + j * BG_DIGEST_LEN, tmp + (j - 1) * BG_DIGEST_LEN,
				       BG_DIGEST_LEN);
				j--;
			}
			memcpy(tmp + j * BG_DIGEST_LEN, key, BG_DIGEST_LEN);
		}
	}
	memcpy(d, tmp, n * BG_DIGEST_LEN);
}

static int spool_open(struct bg_pipe *p)
{
	const char *dir = getenv("TMPDIR");
	char path[1024];
	int fd;

	if (!dir || !*dir)
		dir = "/var/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/breachguard-spool-XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0) {
		snprintf(p->err, sizeof(p->err), "spool file in %s: %s", dir, strerror(errno));
		return -errno;
	}
	p->spool_fd = fd;
	return 0;
}

/* Sorts the chunk, drops repeats (counted), and keeps it as a run: spooled,
 * or in memory when it is the import's last. */
static int flush_chunk(struct bg_pipe *p, bool keep_in_memory)
{
	size_t n = p->chunk_n, out = 0, left;
	const unsigned char *src;
	struct run *r;

	if (n == 0)
		return 0;
	sort_digests(p->chunk, p->tmp, p->bucket_end, n);
	for (size_t i = 0; i < n; i++) {
		if (out && memcmp(p->chunk + (out - 1) * BG_DIGEST_LEN,
				  p->chunk + i * BG_DIGEST_LEN, BG_DIGEST_LEN) == 0) {
			p->dups++;
			continue;
		}
		if (out != i)
			memcpy(p->chunk + out * BG_DIGEST_LEN, p->chunk + i * BG_DIGEST_LEN,
			       BG_DIGEST_LEN);
		out++;
	}
	if (p->n_runs == p->cap_runs) {
		size_t cap = p->cap_runs ? p->cap_runs * 2 : 16;
		struct run *nr = realloc(p->runs, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		p->runs = nr;
		p->cap_runs = cap;
	}
	r = &p->runs[p->n_runs++];
	r->n = out;
	r->off = p->spool_end;
	r->mem = NULL;
	p->chunk_n = 0;
	if (keep_in_memory) {
		r->mem = p->chunk;
		return 0;
	}
	if (p->spool_fd < 0 && spool_open(p) != 0)
		return -EIO;
	src = p->chunk;
	left = out * BG_DIGEST_LEN;
	while (left) {
		ssize_t w = write(p->spool_fd, src, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			snprintf(p->err, sizeof(p->err), "writing the spool file: %s", strerror(e));
			return -e;
		}
		src += w;
		left -= (size_t)w;
		p->spool_end += w;
	}
	return 0;
}

/* The worker's part: normalise, digest, collect. */
static int process(struct bg_pipe *p, struct batch *b)
{
	char norm[BG_ID_MAX];

	for (size_t i = 0; i < b->n; i++) {
		const struct item *it = &b->items[i];
		const char *addr = b->text + it->off;
		int n = bg_normalise(addr, it->len, &p->norm, norm, sizeof(norm));
		int rc;

		if (n < 0) {
			if (n == BG_NORM_NOMEM)
				return -ENOMEM;
			bg_invalid_note(&b->st, it->line, bg_norm_strerror(n), addr, it->len);
			continue;
		}
		b->st.addresses++;
		rc = bg_hmac_digest(p->hmac, "id", norm, (size_t)n,
				    p->chunk + p->chunk_n * BG_DIGEST_LEN);
		if (rc != 0)
			return rc;
		if (++p->chunk_n == CHUNK_DIGESTS && (rc = flush_chunk(p, false)) != 0)
			return rc;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct bg_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		int rc;

		while (!p->work_ready && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		rc = p->werr ? 0 : process(p, p->work);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->werr)
			p->werr = rc;
		p->work_ready = false;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Folds a finished batch's results into the file's, in batch order. */
static void merge_batch(struct bg_pipe *p, struct batch *b)
{
	p->cur->addresses += b->st.addresses;
	for (size_t i = 0; i < b->st.n_shown; i++)
		bg_invalid_note(p->cur, b->st.shown[i].line, b->st.shown[i].why,
				b->st.shown[i].text, strlen(b->st.shown[i].text));
	p->cur->invalid += b->st.invalid - b->st.n_shown;
	memset(&b->st, 0, sizeof(b->st));
	b->n = b->used = 0;
}

/* Waits until the worker is idle and merges what it finished. */
static int drain(struct bg_pipe *p)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		while (p->work_ready)
			pthread_cond_wait(&p->cv, &p->mu);
		pthread_mutex_unlock(&p->mu);
	}
	if (p->work) {
		merge_batch(p, p->work);
		p->work = NULL;
	}
	return p->werr;
}

static int submit(struct bg_pipe *p)
{
	struct batch *b = &p->b[p->filling];
	int rc;

	if ((rc = drain(p)) != 0)
		return rc;
	if (b->n == 0)
		return 0;
	p->work = b;
	p->filling ^= 1;
	if (!p->threaded) {
		p->werr = process(p, b);
		return p->werr;
	}
	pthread_mutex_lock(&p->mu);
	p->work_ready = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int bg_pipe_add(struct bg_pipe *p, const char *addr, size_t len, unsigned long line)
{
	struct batch *b = &p->b[p->filling];
	int rc;

	if (len > 4 * BG_ID_MAX) {
		/* Longer than any address: no need to carry it to the worker. */
		bg_invalid_note(p->cur, line, bg_norm_strerror(BG_NORM_TOO_LONG), addr, len);
		return 0;
	}
	if (b->n == BATCH_ITEMS || b->used + len > BATCH_TEXT) {
		if ((rc = submit(p)) != 0)
			return rc;
		b = &p->b[p->filling];
	}
	memcpy(b->text + b->used, addr, len);
	b->items[b->n].off = (uint32_t)b->used;
	b->items[b->n].len = (uint32_t)len;
	b->items[b->n].line = line;
	b->n++;
	b->used += len;
	return 0;
}

void bg_pipe_begin_file(struct bg_pipe *p, struct bg_file_stats *f)
{
	p->cur = f;
	f->run_first = p->n_runs;
	f->run_count = 0;
	p->dups = 0;
}

int bg_pipe_end_file(struct bg_pipe *p, bool last)
{
	int rc;

	if ((rc = submit(p)) != 0 || (rc = drain(p)) != 0)
		return rc;
	/* The worker is idle: the chunk is ours now. */
	rc = flush_chunk(p, last);
	p->cur->duplicates += p->dups;
	p->dups = 0;
	p->cur->run_count = p->n_runs - p->cur->run_first;
	return rc;
}

const char *bg_pipe_error(const struct bg_pipe *p)
{
	return p->err[0] ? p->err : NULL;
}

uint64_t bg_pipe_run_len(const struct bg_pipe *p, size_t run)
{
	return p->runs[run].n;
}

int bg_pipe_run_read(const struct bg_pipe *p, size_t run, uint64_t pos, unsigned char *buf,
		     size_t n)
{
	const struct run *r = &p->runs[run];
	size_t bytes = n * BG_DIGEST_LEN;
	ssize_t got;

	if (r->mem) {
		memcpy(buf, r->mem + pos * BG_DIGEST_LEN, bytes);
		return 0;
	}
	got = pread(p->spool_fd, buf, bytes, r->off + (off_t)(pos * BG_DIGEST_LEN));
	return got == (ssize_t)bytes ? 0 : -EIO;
}

uint64_t bg_pipe_total_digests(const struct bg_pipe *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n_runs; i++)
		n += p->runs[i].n;
	return n;
}

int bg_pipe_new(struct bg_pipe **out, const struct bg_norm_opts *norm, struct bg_hmac *hmac)
{
	struct bg_pipe *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->norm = *norm;
	p->hmac = hmac;
	p->spool_fd = -1;
	p->chunk = malloc((size_t)CHUNK_DIGESTS * BG_DIGEST_LEN);
	p->tmp = malloc((size_t)CHUNK_DIGESTS * BG_DIGEST_LEN);
	p->bucket_end = malloc((BUCKETS + 1) * sizeof(size_t));
	for (int i = 0; i < 2; i++) {
		p->b[i].text = malloc(BATCH_TEXT);
		p->b[i].items = malloc(BATCH_ITEMS * sizeof(struct item));
	}
	if (!p->chunk || !p->tmp || !p->bucket_end || !p->b[0].text || !p->b[1].text ||
	    !p->b[0].items || !p->b[1].items) {
		bg_pipe_free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	/* Without a second thread the same work runs inline: slower, still correct. */
	p->threaded = pthread_create(&p->th, NULL, worker, p) == 0;
	*out = p;
	return 0;
}

void bg_pipe_free(struct bg_pipe *p)
{
	if (!p)
		return;
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		while (p->work_ready)
			pthread_cond_wait(&p->cv, &p->mu);
		p->stop = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->th, NULL);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
	}
	if (p->spool_fd >= 0)
		close(p->spool_fd);
	for (int i = 0; i < 2; i++) {
		free(p->b[i].text);
		free(p->b[i].items);
	}
	free(p->runs);
	free(p->chunk);
	free(p->tmp);
	free(p->bucket_end);
	free(p);
}
