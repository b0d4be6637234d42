/* import_pipe.c: the digest pipeline of an import.  The reader's thread fills
 * batches of candidate addresses; worker threads (one per core) normalise,
 * digest (HMAC, a context each) and collect them into their own chunk, which is
 * sorted into a run when full.  Batch results (counts, the invalid list, kept
 * as the first ones by line number) are merged by the reader's thread, so the
 * report does not depend on which worker ran what.  After the last file, the
 * merge (its own section, at the end) reads each file's runs back in digest
 * order and hands out its unique digests one at a time. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "import_pipe.h"
#include "config.h" /* bg_list */
#include "unpack.h" /* bg_spool_open */
#include "unicode.h"

#define CHUNK_DIGESTS (1u << 20) /* 16 MiB of digests per sorted run, per worker */
#define BATCH_ITEMS 16384
#define BATCH_TEXT (1u << 20)
#define MAX_WORKERS 4
#define N_BATCHES (MAX_WORKERS * 2)

struct item {
	uint32_t off, len;
	unsigned long line;
};

enum batch_state { B_FREE, B_QUEUED, B_RUNNING, B_DONE };

struct batch {
	char *text;
	size_t used, n;
	struct item *items;
	enum batch_state state;
	struct bg_file_stats st; /* addresses and invalid found by the worker */
};

struct run {
	off_t off;
	uint64_t n;
	const unsigned char *mem; /* in-memory run (the import's last ones), else NULL */
};

struct worker {
	struct bg_pipe *p;
	pthread_t th;
	bool started;
	struct bg_hmac *hmac;
	unsigned char *chunk, *tmp;
	size_t *bucket_end;
	size_t chunk_n;
	/* End of a file: sort and keep the chunk (under the pipe's mu). */
	bool flush_req, flush_last;
	int flush_rc;
};

struct bg_pipe {
	struct bg_norm_opts norm;
	size_t run_cap; /* digests per sorted run (CHUNK_DIGESTS; less in tests) */
	/* Shared with the workers, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch b[N_BATCHES];
	struct batch *queue[N_BATCHES]; /* queued batches, oldest first */
	size_t queued;
	bool stop;
	struct bg_err err; /* the first failure; workers stop at its code */
	uint64_t dups;
	int spool_fd;
	off_t spool_end;
	struct run *runs;
	size_t n_runs, cap_runs;
	/* The reader's. */
	struct worker w[MAX_WORKERS];
	size_t n_workers;
	struct batch *filling;
	struct bg_file_stats *cur;
	struct bg_file_stats **files; /* every file begun, in order */
	size_t n_files, cap_files;
	struct merge *merge; /* after the last file (see the merge section) */
	/* the configured domains, normalised, each ended by a NUL (read by the
	 * workers, set before them) */
	char dom[BG_PIPE_DOMAINS];
	size_t dom_len;
};

static void merge_free(struct merge *m);

void bg_invalid_note(struct bg_file_stats *f, unsigned long line, const char *why, const char *text,
		     size_t len)
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

_Static_assert(BG_DIGEST_LEN == 16, "the digest compares below read two 8-byte words");

/* memcmp order of two digests from two big-endian words: no call per compare. */
static inline bool digest_gt(const unsigned char *a, const unsigned char *b)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	if (x != y)
		return be64toh(x) > be64toh(y);
	memcpy(&x, a + 8, 8);
	memcpy(&y, b + 8, 8);
	return be64toh(x) > be64toh(y);
}

static inline bool digest_eq(const unsigned char *a, const unsigned char *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1];
}

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
			while (j > lo && digest_gt(tmp + (j - 1) * BG_DIGEST_LEN, key)) {
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
	int fd = bg_spool_open();

	if (fd < 0)
		return bg_err_set(&p->err, fd, "no spool file in $TMPDIR, /var/tmp or /tmp: %s",
				  strerror(-fd));
	p->spool_fd = fd;
	return 0;
}

/* Sorts a worker's chunk, drops repeats (counted), and keeps it as a run:
 * spooled, or in memory when the import has nothing more to read. */
static int flush_chunk(struct bg_pipe *p, struct worker *w, bool keep_in_memory)
{
	size_t n = w->chunk_n, out = 0, left;
	const unsigned char *src;
	uint64_t dups = 0;
	off_t at;
	struct run *r;
	int rc = 0;

	if (n == 0)
		return 0;
	sort_digests(w->chunk, w->tmp, w->bucket_end, n);
	for (size_t i = 0; i < n; i++) {
		if (out &&
		    digest_eq(w->chunk + (out - 1) * BG_DIGEST_LEN, w->chunk + i * BG_DIGEST_LEN)) {
			dups++;
			continue;
		}
		if (out != i)
			memcpy(w->chunk + out * BG_DIGEST_LEN, w->chunk + i * BG_DIGEST_LEN,
			       BG_DIGEST_LEN);
		out++;
	}
	w->chunk_n = 0;
	pthread_mutex_lock(&p->mu);
	p->dups += dups;
	if (p->n_runs == p->cap_runs) {
		size_t cap = p->cap_runs ? p->cap_runs * 2 : 16;
		struct run *nr = realloc(p->runs, cap * sizeof(*nr));

		if (!nr) {
			rc = bg_err_set(&p->err, -ENOMEM, "sorting digests: out of memory");
			pthread_mutex_unlock(&p->mu);
			return rc;
		}
		p->runs = nr;
		p->cap_runs = cap;
	}
	if (!keep_in_memory && p->spool_fd < 0)
		rc = spool_open(p);
	r = &p->runs[p->n_runs++];
	r->n = out;
	r->mem = keep_in_memory ? w->chunk : NULL;
	/* Each run gets its own place in the spool; the writes need no lock. */
	at = r->off = p->spool_end;
	if (!keep_in_memory)
		p->spool_end += (off_t)(out * BG_DIGEST_LEN);
	pthread_mutex_unlock(&p->mu);
	if (rc != 0 || keep_in_memory)
		return rc;
	src = w->chunk;
	left = out * BG_DIGEST_LEN;
	while (left) {
		ssize_t wr = pwrite(p->spool_fd, src, left, at);

		if (wr < 0 && errno == EINTR)
			continue;
		if (wr <= 0) {
			int e = wr < 0 ? errno : ENOSPC;

			pthread_mutex_lock(&p->mu);
			rc = bg_err_errno(&p->err, -e, "writing the spool file");
			pthread_mutex_unlock(&p->mu);
			return rc;
		}
		src += wr;
		at += wr;
		left -= (size_t)wr;
	}
	return 0;
}

/* A worker's part: normalise, digest, collect. */
static int process(struct worker *w, struct batch *b)
{
	struct bg_pipe *p = w->p;
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
		if (p->dom_len && bg_pipe_in_domains(p, norm, (size_t)n))
			b->st.in_domains++;
		rc = bg_hmac_digest(w->hmac, "id", norm, (size_t)n,
				    w->chunk + w->chunk_n * BG_DIGEST_LEN);
		if (rc != 0)
			return rc;
		if (++w->chunk_n == p->run_cap && (rc = flush_chunk(p, w, false)) != 0)
			return rc;
	}
	return 0;
}

/* process() failed (called with mu held): its cause, unless one is set. */
static void process_failed(struct bg_pipe *p, int rc)
{
	bg_err_errno(&p->err, rc, "normalising and digesting addresses");
}

/* The reader's thread is the import's critical path: it reads and tokenises
 * every line alone, while the workers (one per core) have time to spare.  On
 * a core it shares with a worker it lost a tenth of its time, and the import
 * with it; a worker's nice value 10 above the process's gives the reader the
 * core whenever it can run, the workers everything it leaves (a 10M-line
 * import on two cores: 4.93 s -> 4.64 s, medians of four).  Linux keeps a nice
 * value per thread (setpriority(2), NOTES); raising it needs no privilege and
 * ends with the thread.  Elsewhere, or on failure, nothing changes. */
#define WORKER_NICE 10

static void yield_to_reader(void)
{
	id_t tid = (id_t)gettid();
	int cur;

	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid);
	if (cur == -1 && errno != 0)
		return;
	(void)setpriority(PRIO_PROCESS, tid, cur + WORKER_NICE > 19 ? 19 : cur + WORKER_NICE);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bg_pipe *p = w->p;

	yield_to_reader();
	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct batch *b;
		int rc;

		while (p->queued == 0 && !p->stop && !w->flush_req)
			pthread_cond_wait(&p->cv, &p->mu);
		if (w->flush_req) {
			bool last = w->flush_last;

			pthread_mutex_unlock(&p->mu);
			rc = flush_chunk(p, w, last);
			pthread_mutex_lock(&p->mu);
			w->flush_rc = rc;
			w->flush_req = false;
			pthread_cond_broadcast(&p->cv);
			continue;
		}
		if (p->queued == 0)
			break;
		b = p->queue[0];
		memmove(&p->queue[0], &p->queue[1], --p->queued * sizeof(p->queue[0]));
		b->state = B_RUNNING;
		pthread_mutex_unlock(&p->mu);
		rc = p->err.code ? 0 : process(w, b);
		pthread_mutex_lock(&p->mu);
		if (rc)
			process_failed(p, rc);
		b->state = B_DONE;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Folds a finished batch's results into the file's (called with mu held). */
static void merge_batch(struct bg_pipe *p, struct batch *b)
{
	p->cur->addresses += b->st.addresses;
	p->cur->in_domains += b->st.in_domains;
	for (size_t i = 0; i < b->st.n_shown; i++)
		bg_invalid_note(p->cur, b->st.shown[i].line, b->st.shown[i].why,
				b->st.shown[i].text, strlen(b->st.shown[i].text));
	p->cur->invalid += b->st.invalid - b->st.n_shown;
	memset(&b->st, 0, sizeof(b->st));
	b->n = b->used = 0;
	b->state = B_FREE;
}

/* A free batch for the reader, merging finished ones; waits if all are busy. */
static int next_batch(struct bg_pipe *p, struct batch **out)
{
	int rc;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct batch *free_b = NULL;

		for (size_t i = 0; i < N_BATCHES; i++) {
			if (p->b[i].state == B_DONE)
				merge_batch(p, &p->b[i]);
			if (p->b[i].state == B_FREE && !free_b && &p->b[i] != p->filling)
				free_b = &p->b[i];
		}
		if (p->err.code || free_b) {
			*out = free_b;
			break;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
	rc = p->err.code;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* Queues the batch being filled and takes a free one. */
static int submit(struct bg_pipe *p)
{
	struct batch *b = p->filling, *next = NULL;
	int rc;

	if (b->n == 0)
		return 0;
	if (p->n_workers == 0) { /* no thread could start: do the work here */
		rc = process(&p->w[0], b);
		pthread_mutex_lock(&p->mu);
		if (rc)
			process_failed(p, rc);
		merge_batch(p, b);
		rc = p->err.code;
		pthread_mutex_unlock(&p->mu);
		return rc;
	}
	pthread_mutex_lock(&p->mu);
	b->state = B_QUEUED;
	p->queue[p->queued++] = b;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	rc = next_batch(p, &next);
	if (next)
		p->filling = next;
	return rc;
}

/* Waits until every batch is merged and every worker idle. */
static int drain(struct bg_pipe *p)
{
	int rc;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		bool busy = false;

		for (size_t i = 0; i < N_BATCHES; i++) {
			if (p->b[i].state == B_DONE)
				merge_batch(p, &p->b[i]);
			busy = busy || p->b[i].state == B_QUEUED || p->b[i].state == B_RUNNING;
		}
		if (!busy)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	rc = p->err.code;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int bg_pipe_add(struct bg_pipe *p, const char *addr, size_t len, unsigned long line)
{
	struct batch *b = p->filling;
	int rc;

	if (len > 4 * BG_ID_MAX) {
		/* Longer than any address: no need to carry it to a worker. */
		bg_invalid_note(p->cur, line, bg_norm_strerror(BG_NORM_TOO_LONG), addr, len);
		return 0;
	}
	if (b->n == BATCH_ITEMS || b->used + len > BATCH_TEXT) {
		if ((rc = submit(p)) != 0)
			return rc;
		b = p->filling;
	}
	memcpy(b->text + b->used, addr, len);
	b->items[b->n].off = (uint32_t)b->used;
	b->items[b->n].len = (uint32_t)len;
	b->items[b->n].line = line;
	b->n++;
	b->used += len;
	return 0;
}

int bg_pipe_begin_file(struct bg_pipe *p, struct bg_file_stats *f)
{
	if (p->n_files == p->cap_files) {
		size_t cap = p->cap_files ? p->cap_files * 2 : 8;
		struct bg_file_stats **nf = realloc(p->files, cap * sizeof(*nf));

		if (!nf)
			return bg_err_set(&p->err, -ENOMEM, "out of memory");
		p->files = nf;
		p->cap_files = cap;
	}
	p->files[p->n_files++] = f;
	p->cur = f;
	f->run_first = p->n_runs;
	f->run_count = 0;
	p->dups = 0;
	return 0;
}

int bg_pipe_end_file(struct bg_pipe *p, bool last)
{
	size_t nw = p->n_workers ? p->n_workers : 1;
	int rc;

	rc = submit(p);
	if (drain(p) != 0 && rc == 0)
		rc = p->err.code;
	if (rc == 0 && p->n_workers == 0) {
		rc = flush_chunk(p, &p->w[0], last);
	} else if (rc == 0) {
		/* Each worker sorts its own last chunk, in parallel. */
		pthread_mutex_lock(&p->mu);
		for (size_t i = 0; i < nw; i++) {
			p->w[i].flush_last = last;
			p->w[i].flush_req = true;
		}
		pthread_cond_broadcast(&p->cv);
		for (size_t i = 0; i < nw; i++) {
			while (p->w[i].flush_req)
				pthread_cond_wait(&p->cv, &p->mu);
			if (rc == 0)
				rc = p->w[i].flush_rc;
		}
		pthread_mutex_unlock(&p->mu);
	}
	p->cur->duplicates += p->dups;
	p->dups = 0;
	p->cur->run_count = p->n_runs - p->cur->run_first;
	return rc;
}

void bg_pipe_set_run_cap(struct bg_pipe *p, size_t n)
{
	p->run_cap = n < 1 ? 1 : n > CHUNK_DIGESTS ? CHUNK_DIGESTS : n;
}

const struct bg_err *bg_pipe_err(const struct bg_pipe *p)
{
	return &p->err;
}

uint64_t bg_pipe_total_digests(const struct bg_pipe *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n_runs; i++)
		n += p->runs[i].n;
	return n;
}

static int worker_init(struct worker *w, struct bg_pipe *p, const unsigned char *key)
{
	w->p = p;
	w->chunk = malloc((size_t)CHUNK_DIGESTS * BG_DIGEST_LEN);
	w->tmp = malloc((size_t)CHUNK_DIGESTS * BG_DIGEST_LEN);
	w->bucket_end = malloc((BUCKETS + 1) * sizeof(size_t));
	if (!w->chunk || !w->tmp || !w->bucket_end)
		return -ENOMEM;
	return bg_hmac_new(&w->hmac, key, NULL);
}

_Static_assert(BG_PIPE_DOMAINS >= 4 * BG_LIST_MAX, "room for every configured domain in ACE");

int bg_pipe_domains(struct bg_pipe *p, const struct bg_list *domains)
{
	char addr[BG_ID_MAX], norm[BG_ID_MAX];

	p->dom_len = 0;
	for (const char *d = bg_list_next(domains, NULL); d; d = bg_list_next(domains, d)) {
		int k = snprintf(addr, sizeof(addr), "x@%s", d), n;
		const char *at;

		if (k <= 0 || (size_t)k >= sizeof(addr))
			continue;
		n = bg_normalise(addr, (size_t)k, &p->norm, norm, sizeof(norm));
		if (n == BG_NORM_NOMEM)
			return -ENOMEM;
		/* a domain no address can have (config.c refuses most) counts none */
		if (n < 0 || !(at = memrchr(norm, '@', (size_t)n)))
			continue;
		k = n - (int)(at + 1 - norm);
		if (p->dom_len + (size_t)k + 1 > sizeof(p->dom))
			break;
		memcpy(p->dom + p->dom_len, at + 1, (size_t)k);
		p->dom_len += (size_t)k;
		p->dom[p->dom_len++] = '\0';
	}
	return 0;
}

bool bg_pipe_in_domains(const struct bg_pipe *p, const char *norm, size_t n)
{
	const char *at = memrchr(norm, '@', n);
	size_t dl;

	if (!at)
		return false;
	dl = n - (size_t)(at + 1 - norm);
	for (size_t i = 0, l; i < p->dom_len; i += l + 1) {
		l = strlen(p->dom + i);
		if (l == dl && memcmp(p->dom + i, at + 1, dl) == 0)
			return true;
	}
	return false;
}

int bg_pipe_new(struct bg_pipe **out, const struct bg_norm_opts *norm,
		const unsigned char key[BG_KEY_LEN], struct bg_err *e)
{
	struct bg_pipe *p = calloc(1, sizeof(*p));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (size_t)cores;
	int rc = -ENOMEM;

	*out = NULL;
	if (!p)
		return bg_err_set(e, -ENOMEM, "out of memory");
	p->norm = *norm;
	p->run_cap = CHUNK_DIGESTS;
	p->spool_fd = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (size_t i = 0; i < N_BATCHES; i++) {
		p->b[i].text = malloc(BATCH_TEXT);
		p->b[i].items = malloc(BATCH_ITEMS * sizeof(struct item));
		if (!p->b[i].text || !p->b[i].items)
			goto fail;
	}
	p->filling = &p->b[0];
	for (size_t i = 0; i < want; i++)
		if ((rc = worker_init(&p->w[i], p, key)) != 0)
			goto fail;
	/* Without threads the same work runs inline on w[0]: slower, still correct. */
	for (size_t i = 0; i < want; i++) {
		if (pthread_create(&p->w[i].th, NULL, worker_main, &p->w[i]) != 0)
			break;
		p->w[i].started = true;
		p->n_workers++;
	}
	*out = p;
	return 0;
fail:
	bg_pipe_free(p);
	return rc == -ENOMEM ? bg_err_set(e, rc, "out of memory")
			     : bg_err_errno(e, rc, "setting up the digests");
}

void bg_pipe_free(struct bg_pipe *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &p->w[i];

		if (w->started)
			pthread_join(w->th, NULL);
		bg_hmac_free(w->hmac);
		free(w->chunk);
		free(w->tmp);
		free(w->bucket_end);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	if (p->spool_fd >= 0)
		close(p->spool_fd);
	for (size_t i = 0; i < N_BATCHES; i++) {
		free(p->b[i].text);
		free(p->b[i].items);
	}
	free(p->runs);
	free(p->files);
	merge_free(p->merge);
	free(p);
}

/* --- the merge ----------------------------------------------------------------
 * After the last file, on the reader's thread (the workers are idle): each
 * file's runs are read back in digest order, and each digest is handed out
 * once per file.  Repeats inside a run were dropped (and counted) as it was
 * sorted; those across the file's runs are dropped and counted here. */

#define RUN_BUF 4096 /* digests buffered per run while merging */

struct run_reader {
	size_t run;
	uint64_t pos, len; /* digests consumed, digests in the run */
	size_t have, at;
	bool live;	 /* hi/lo hold the run's next digest */
	uint64_t hi, lo; /* that digest as two host-order words */
	unsigned char buf[RUN_BUF * BG_DIGEST_LEN];
};

struct merge {
	size_t file; /* the file being merged; p->n_files: all done */
	bool open;   /* its run readers are loaded */
	struct run_reader *rr;
	size_t n_rr, cap_rr;
	/* A loser tree over the runs' heads: win[0] is the run with the least
	 * head, win[1..k) the losers of each match (k leaves, a power of two;
	 * leaves past n_rr and runs at their end lose to every live one). */
	size_t *win, k, cap_k;
	bool have_last;
	uint64_t last_hi, last_lo; /* the digest handed out last, in this file */
};

static void merge_free(struct merge *m)
{
	if (!m)
		return;
	free(m->rr);
	free(m->win);
	free(m);
}

/* Copies n digests of run from position pos into buf.  0 or a negative errno. */
static int run_read(struct bg_pipe *p, size_t run, uint64_t pos, unsigned char *buf, size_t n)
{
	const struct run *r = &p->runs[run];
	size_t bytes = n * BG_DIGEST_LEN;
	ssize_t got;

	if (r->mem) {
		memcpy(buf, r->mem + pos * BG_DIGEST_LEN, bytes);
		return 0;
	}
	got = pread(p->spool_fd, buf, bytes, r->off + (off_t)(pos * BG_DIGEST_LEN));
	if (got == (ssize_t)bytes)
		return 0;
	if (got < 0)
		return bg_err_errno(&p->err, -errno, "reading the spool file");
	return bg_err_set(&p->err, -EIO, "reading the spool file: it ends early");
}

/* Loads the run's next digest into hi/lo (memcmp order becomes integer order:
 * the merge compares two words per run and calls nothing).  0 or a negative errno. */
static int run_load(struct bg_pipe *p, struct run_reader *rr)
{
	uint64_t x, y;
	int rc;

	if (rr->at == rr->have) {
		uint64_t left = rr->len - rr->pos;
		size_t want = left < RUN_BUF ? (size_t)left : RUN_BUF;

		rr->live = false;
		if (want == 0)
			return 0;
		if ((rc = run_read(p, rr->run, rr->pos, rr->buf, want)) != 0)
			return rc;
		rr->have = want;
		rr->at = 0;
	}
	memcpy(&x, rr->buf + rr->at * BG_DIGEST_LEN, 8);
	memcpy(&y, rr->buf + rr->at * BG_DIGEST_LEN + 8, 8);
	rr->hi = be64toh(x);
	rr->lo = be64toh(y);
	rr->live = true;
	return 0;
}

/* Run a's head goes before run b's: a live run's before an ended one's (or a
 * leaf past the runs), the lesser digest first. */
static inline bool head_before(const struct merge *m, size_t a, size_t b)
{
	const struct run_reader *x = &m->rr[a], *y = &m->rr[b];

	if (a >= m->n_rr || !x->live)
		return false;
	if (b >= m->n_rr || !y->live)
		return true;
	return x->hi < y->hi || (x->hi == y->hi && x->lo < y->lo);
}

/* The winner of the subtree at node (leaves at k..2k), its losers kept. */
static size_t tree_build(struct merge *m, size_t node)
{
	size_t a, b;

	if (node >= m->k)
		return node - m->k;
	a = tree_build(m, 2 * node);
	b = tree_build(m, 2 * node + 1);
	if (head_before(m, b, a)) {
		m->win[node] = a;
		return b;
	}
	m->win[node] = b;
	return a;
}

/* Run w's head moved on: its matches are played again up to the root. */
static void tree_replay(struct merge *m, size_t w)
{
	for (size_t node = (w + m->k) / 2; node >= 1; node /= 2)
		if (head_before(m, m->win[node], w)) {
			size_t t = m->win[node];

			m->win[node] = w;
			w = t;
		}
	m->win[0] = w;
}

/* Loads the heads of file f's runs. */
static int merge_open(struct bg_pipe *p, struct merge *m, const struct bg_file_stats *f)
{
	int rc;

	if (f->run_count > m->cap_rr) {
		struct run_reader *rr = realloc(m->rr, f->run_count * sizeof(*rr));

		if (!rr)
			return bg_err_set(&p->err, -ENOMEM,
					  "merging sorted digests: out of memory");
		m->rr = rr;
		m->cap_rr = f->run_count;
	}
	m->n_rr = f->run_count;
	for (m->k = 1; m->k < m->n_rr; m->k *= 2)
		;
	if (m->k > m->cap_k) {
		size_t *w = realloc(m->win, m->k * sizeof(*w));

		if (!w)
			return bg_err_set(&p->err, -ENOMEM,
					  "merging sorted digests: out of memory");
		m->win = w;
		m->cap_k = m->k;
	}
	m->have_last = false;
	for (size_t i = 0; i < m->n_rr; i++) {
		struct run_reader *rr = &m->rr[i];

		rr->run = f->run_first + i;
		rr->len = p->runs[rr->run].n;
		rr->pos = 0;
		rr->have = rr->at = 0;
		if ((rc = run_load(p, rr)) != 0)
			return rc;
	}
	m->win[0] = tree_build(m, 1);
	m->open = true;
	return 0;
}

/* The open file's next unique digest: 1, 0 at its end, or a negative errno. */
static int merge_step(struct bg_pipe *p, struct merge *m, struct bg_file_stats *f,
		      unsigned char digest[BG_DIGEST_LEN])
{
	for (;;) {
		struct run_reader *b;
		size_t bi = m->win[0];
		bool repeat;
		int rc;

		if (bi >= m->n_rr || !m->rr[bi].live)
			return 0;
		b = &m->rr[bi];
		repeat = m->have_last && b->hi == m->last_hi && b->lo == m->last_lo;
		if (repeat) {
			f->duplicates++;
			f->cross_dups++;
		} else {
			memcpy(digest, b->buf + b->at * BG_DIGEST_LEN, BG_DIGEST_LEN);
			m->last_hi = b->hi;
			m->last_lo = b->lo;
			m->have_last = true;
		}
		b->at++;
		b->pos++;
		if ((rc = run_load(p, b)) != 0)
			return rc;
		tree_replay(m, bi);
		if (!repeat)
			return 1;
	}
}

int bg_pipe_next(struct bg_pipe *p, unsigned char digest[BG_DIGEST_LEN],
		 struct bg_file_stats **file)
{
	struct merge *m = p->merge;
	int rc;

	if (p->err.code)
		return p->err.code;
	if (!m && !(m = p->merge = calloc(1, sizeof(*m))))
		return bg_err_set(&p->err, -ENOMEM, "merging sorted digests: out of memory");
	while (m->file < p->n_files) {
		struct bg_file_stats *f = p->files[m->file];

		if (!m->open && (rc = merge_open(p, m, f)) != 0)
			return rc;
		if ((rc = merge_step(p, m, f, digest)) != 0) {
			*file = f;
			return rc;
		}
		m->open = false;
		m->file++;
	}
	return 0;
}

void bg_pipe_rewind(struct bg_pipe *p)
{
	if (p->merge) {
		p->merge->file = 0;
		p->merge->open = false;
	}
	for (size_t i = 0; i < p->n_files; i++) {
		struct bg_file_stats *f = p->files[i];

		f->duplicates -= f->cross_dups;
		f->cross_dups = 0;
		f->fresh = f->known = 0;
	}
}
