/* sha_async.c: an input's SHA-256 on a thread of its own (sha_async.h).
 *
 * The reader fills slot `fill`; a full slot is handed over (`full` counts the
 * handed ones, oldest at `head`) and the thread hashes them in order.  The
 * slot being filled is never one the thread reads: it is handed over only
 * when fewer than NSLOT are out, and the next to fill is the one after the
 * handed ones.  The SHA-256 context is the thread's while any slot is out and
 * the reader's (inline bytes, the sum) while none is. */
#include "sha_async.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NSLOT 4
#define SLOT_CAP (256u * 1024)
/* An input this small is hashed inline: a thread and its copies would cost
 * more than the hash (and every archive member would start one). */
#define INLINE_MAX (4u * 1024 * 1024)

struct bg_sha_async {
	struct bg_sha256 *sha;
	unsigned long long total; /* bytes fed */
	bool running, failed;	  /* the thread started; it could not start */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work, space; /* a slot was handed over; one came back */
	size_t head, full, fill;
	bool stop;
	size_t len[NSLOT];
	unsigned char *slot[NSLOT];
};

static void *hasher_main(void *arg)
{
	struct bg_sha_async *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		size_t s;

		while (h->full == 0 && !h->stop)
			pthread_cond_wait(&h->work, &h->mu);
		if (h->full == 0)
			break;
		s = h->head;
		pthread_mutex_unlock(&h->mu);
		bg_sha256_update(h->sha, h->slot[s], h->len[s]);
		pthread_mutex_lock(&h->mu);
		h->len[s] = 0;
		h->head = (h->head + 1) % NSLOT;
		h->full--;
		pthread_cond_broadcast(&h->space);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int bg_sha_async_new(struct bg_sha_async **out)
{
	struct bg_sha_async *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	if (bg_sha256_new(&h->sha) != 0) {
		free(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

/* The slots and the thread; false (and inline from then on) if either fails. */
static bool start(struct bg_sha_async *h)
{
	for (size_t i = 0; i < NSLOT; i++)
		if (!(h->slot[i] = malloc(SLOT_CAP)))
			goto fail;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->space, NULL);
	if (pthread_create(&h->th, NULL, hasher_main, h) == 0) {
		h->running = true;
		return true;
	}
	pthread_cond_destroy(&h->space);
	pthread_cond_destroy(&h->work);
	pthread_mutex_destroy(&h->mu);
fail:
	for (size_t i = 0; i < NSLOT; i++) {
		free(h->slot[i]);
		h->slot[i] = NULL;
	}
	h->failed = true;
	return false;
}

/* Hands the slot being filled to the thread and waits for the next to be free. */
static void hand_over(struct bg_sha_async *h)
{
	pthread_mutex_lock(&h->mu);
	h->full++;
	pthread_cond_signal(&h->work);
	while (h->full == NSLOT)
		pthread_cond_wait(&h->space, &h->mu);
	h->fill = (h->head + h->full) % NSLOT;
	pthread_mutex_unlock(&h->mu);
}

void bg_sha_async_update(struct bg_sha_async *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!h->running && (h->failed || h->total + len <= INLINE_MAX || !start(h))) {
		bg_sha256_update(h->sha, p, len);
		h->total += len;
		return;
	}
	h->total += len;
	while (len > 0) {
		size_t s = h->fill, take = SLOT_CAP - h->len[s];

		if (take > len)
			take = len;
		memcpy(h->slot[s] + h->len[s], p, take);
		h->len[s] += take;
		p += take;
		len -= take;
		if (h->len[s] == SLOT_CAP)
			hand_over(h);
	}
}

void bg_sha_async_sum(struct bg_sha_async *h, unsigned char out[BG_SHA256_LEN])
{
	if (h->running) {
		if (h->len[h->fill] > 0)
			hand_over(h);
		pthread_mutex_lock(&h->mu);
		while (h->full > 0)
			pthread_cond_wait(&h->space, &h->mu);
		pthread_mutex_unlock(&h->mu);
	}
	bg_sha256_sum(h->sha, out);
}

void bg_sha_async_free(struct bg_sha_async *h)
{
	if (!h)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		pthread_cond_signal(&h->work);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->th, NULL);
		pthread_cond_destroy(&h->space);
		pthread_cond_destroy(&h->work);
		pthread_mutex_destroy(&h->mu);
	}
	for (size_t i = 0; i < NSLOT; i++)
		free(h->slot[i]);
	bg_sha256_free(h->sha);
	free(h);
}
