/* sha_async.h: an input's SHA-256 (the advisory's source_sha256), computed on
 * a thread of its own once the input is large, so that the reader thread,
 * which the import waits on, does not pay for it.  The bytes are copied into a
 * few fixed slots and hashed in order; the digest is the same as
 * bg_sha256 over the same bytes, whichever way they went.  Small inputs (and
 * every input if no thread can start) are hashed inline, as before. */
#ifndef BG_SHA_ASYNC_H
#define BG_SHA_ASYNC_H

#include <stddef.h>

#include "digest.h"

struct bg_sha_async;

/* 0 or -ENOMEM.  No thread yet: one starts when the input grows past the
 * inline limit. */
int bg_sha_async_new(struct bg_sha_async **out);
/* Feeds bytes in order; may wait for a free slot. */
void bg_sha_async_update(struct bg_sha_async *h, const void *data, size_t len);
/* The digest of everything fed so far (waits for the thread to catch up);
 * feeding may go on after it. */
void bg_sha_async_sum(struct bg_sha_async *h, unsigned char out[BG_SHA256_LEN]);
/* Stops and joins the thread, if any.  NULL is fine. */
void bg_sha_async_free(struct bg_sha_async *h);

#endif
