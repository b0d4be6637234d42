/* wrap.c: failure injection for every libFuzzer harness, so that the error
 * paths are fuzzed as well as the parsers.  The harnesses link with
 * -Wl,--wrap=NAME for each NAME wrapped here (fuzz.mk takes the list from this
 * file), so the calls our code makes to the allocator, LMDB, OpenSSL, iconv,
 * libarchive, libxml2, uchardet, zlib and a few system calls go through a
 * __wrap_NAME that may fail instead of calling the real one.
 *
 * What fails is decided by the input: its first 4 bytes (little-endian) are the
 * injection word, the rest is the harness's data (fuzz_one).
 *   bits 0-15   N: the Nth wrapped call fails (0: none by count);
 *   bits 16-31  S: when not 0, each wrapped call also fails with probability
 *               1/1024, drawn from a generator seeded with S.
 * A word of 0 injects nothing: the seeds in tests/fuzz/corpus start with 4 zero
 * bytes and replay exactly as they were written.  An input shorter than 4 bytes
 * is data, with nothing injected.  A failure looks like the library's own: the
 * return value and errno its manual gives (a commit that fails has aborted its
 * transaction, a reader that fails has closed its input).  Injection is armed
 * only while fuzz_one runs, so libFuzzer's own calls never fail.
 * BG_FUZZ_VERBOSE=1 names each injected failure on stderr, with its stack. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <libxml/xmlreader.h>
#include <lmdb.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uchardet/uchardet.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	bool armed, verbose;
	uint32_t nth, rng;
	uint32_t calls, injected;
} inj;

/* True when this wrapped call is to fail. */
static bool fail(const char *name)
{
	bool f;

	if (!inj.armed)
		return false;
	f = ++inj.calls == inj.nth;
	if (inj.rng) {
		/* xorshift32: deterministic for a given seed */
		inj.rng ^= inj.rng << 13;
		inj.rng ^= inj.rng >> 17;
		inj.rng ^= inj.rng << 5;
		f |= (inj.rng & 1023u) == 0;
	}
	if (!f)
		return false;
	inj.injected++;
	if (inj.verbose)
		fprintf(stderr, "fuzz: injected failure of %s (wrapped call %u)\n", name,
			inj.calls);
	return true;
}

/* One of two failure codes, alternating with the call count. */
static int pick(int a, int b)
{
	return inj.calls % 2 ? a : b;
}

unsigned fuzz_injected(void)
{
	return inj.injected;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("BG_FUZZ_VERBOSE");

	(void)argc;
	(void)argv;
	inj.verbose = v && *v && strcmp(v, "0") != 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t word = 0;

	if (size >= 4) {
		word = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
		       (uint32_t)data[3] << 24;
		data += 4;
		size -= 4;
	}
	inj.nth = word & 0xffffu;
	inj.rng = word >> 16;
	inj.calls = inj.injected = 0;
	inj.armed = true;
	errno = 0; /* nothing carries over from the last input (libarchive reads a stale one) */
	fuzz_one(data, size);
	inj.armed = false;
	return 0;
}

/* WRAP(type, name, (parameters), (arguments), failure statements): a wrapper
 * that runs the failure statements when fail() says so, else the real call. */
#define WRAP(type, name, params, args, ...)                                                        \
	type __real_##name params;                                                                 \
	type __wrap_##name params;                                                                 \
	type __wrap_##name params                                                                  \
	{                                                                                          \
		if (fail(#name)) {                                                                 \
			__VA_ARGS__;                                                               \
		}                                                                                  \
		return __real_##name args;                                                         \
	}

/* Allocation */
WRAP(void *, malloc, (size_t n), (n), errno = ENOMEM; return NULL)
WRAP(void *, calloc, (size_t n, size_t k), (n, k), errno = ENOMEM; return NULL)
WRAP(void *, realloc, (void *p, size_t n), (p, n), errno = ENOMEM; return NULL)
WRAP(char *, strdup, (const char *s), (s), errno = ENOMEM; return NULL)
WRAP(char *, strndup, (const char *s, size_t n), (s, n), errno = ENOMEM; return NULL)

/* System calls */
WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), errno = pick(EIO, EINTR);
     return -1)
WRAP(ssize_t, pread, (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off),
     errno = pick(EIO, EINTR);
     return -1)
WRAP(int, pthread_create, (pthread_t * t, const pthread_attr_t *a, void *(*fn)(void *), void *arg),
     (t, a, fn, arg), return EAGAIN)

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, unsigned);
		va_end(ap);
	}
	if (fail("open")) {
		errno = pick(EACCES, EMFILE);
		return -1;
	}
	return __real_open(path, flags, mode);
}

/* LMDB: the error codes it returns itself */
WRAP(int, mdb_env_create, (MDB_env * *env), (env), return ENOMEM)
WRAP(int, mdb_env_open, (MDB_env * env, const char *path, unsigned flags, mdb_mode_t mode),
     (env, path, flags, mode), return pick(EIO, MDB_INVALID))
WRAP(int, mdb_env_set_mapsize, (MDB_env * env, size_t size), (env, size), return EINVAL)
WRAP(int, mdb_env_set_maxdbs, (MDB_env * env, MDB_dbi n), (env, n), return EINVAL)
WRAP(int, mdb_env_info, (MDB_env * env, MDB_envinfo *s), (env, s), return EINVAL)
WRAP(int, mdb_env_stat, (MDB_env * env, MDB_stat *s), (env, s), return EINVAL)
WRAP(int, mdb_reader_check, (MDB_env * env, int *dead), (env, dead), return EIO)
WRAP(int, mdb_txn_begin, (MDB_env * env, MDB_txn *parent, unsigned flags, MDB_txn **txn),
     (env, parent, flags, txn), return pick(ENOMEM, MDB_READERS_FULL))
/* A commit that fails has freed its transaction, as the real one does. */
WRAP(int, mdb_txn_commit, (MDB_txn * txn), (txn), mdb_txn_abort(txn);
     return pick(EIO, MDB_MAP_FULL))
WRAP(int, mdb_dbi_open, (MDB_txn * txn, const char *name, unsigned flags, MDB_dbi *dbi),
     (txn, name, flags, dbi), return pick(MDB_DBS_FULL, EIO))
WRAP(int, mdb_stat, (MDB_txn * txn, MDB_dbi dbi, MDB_stat *s), (txn, dbi, s), return EINVAL)
WRAP(int, mdb_get, (MDB_txn * txn, MDB_dbi dbi, MDB_val *k, MDB_val *v), (txn, dbi, k, v),
     return pick(EIO, MDB_CORRUPTED))
WRAP(int, mdb_put, (MDB_txn * txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags),
     (txn, dbi, k, v, flags), return pick(MDB_MAP_FULL, EIO))
WRAP(int, mdb_del, (MDB_txn * txn, MDB_dbi dbi, MDB_val *k, MDB_val *v), (txn, dbi, k, v),
     return EIO)
WRAP(int, mdb_cursor_open, (MDB_txn * txn, MDB_dbi dbi, MDB_cursor **c), (txn, dbi, c),
     return ENOMEM)
WRAP(int, mdb_cursor_get, (MDB_cursor * c, MDB_val *k, MDB_val *v, MDB_cursor_op op), (c, k, v, op),
     return pick(EIO, MDB_CORRUPTED))
WRAP(int, mdb_cursor_put, (MDB_cursor * c, MDB_val *k, MDB_val *v, unsigned flags),
     (c, k, v, flags), return pick(MDB_MAP_FULL, EIO))
WRAP(int, mdb_cursor_del, (MDB_cursor * c, unsigned flags), (c, flags), return EIO)

/* OpenSSL: NULL or 0, with nothing on the error queue */
WRAP(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), return NULL)
WRAP(int, EVP_DigestInit_ex, (EVP_MD_CTX * c, const EVP_MD *md, ENGINE *e), (c, md, e), return 0)
WRAP(int, EVP_DigestUpdate, (EVP_MD_CTX * c, const void *d, size_t n), (c, d, n), return 0)
WRAP(int, EVP_DigestFinal_ex, (EVP_MD_CTX * c, unsigned char *md, unsigned *n), (c, md, n),
     return 0)
WRAP(int, EVP_Digest,
     (const void *d, size_t n, unsigned char *md, unsigned *len, const EVP_MD *t, ENGINE *e),
     (d, n, md, len, t, e), return 0)
WRAP(int, EVP_MD_CTX_copy_ex, (EVP_MD_CTX * out, const EVP_MD_CTX *in), (out, in), return 0)
WRAP(int, EVP_DigestVerifyInit,
     (EVP_MD_CTX * c, EVP_PKEY_CTX **pc, const EVP_MD *t, ENGINE *e, EVP_PKEY *k), (c, pc, t, e, k),
     return 0)
WRAP(int, EVP_DigestVerify,
     (EVP_MD_CTX * c, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
      size_t tbslen),
     (c, sig, siglen, tbs, tbslen), return 0)
WRAP(EVP_PKEY *, EVP_PKEY_new_raw_public_key,
     (int type, ENGINE *e, const unsigned char *pub, size_t len), (type, e, pub, len), return NULL)
WRAP(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len), return NULL)
WRAP(EVP_PKEY *, PEM_read_bio_PUBKEY, (BIO * b, EVP_PKEY **x, pem_password_cb *cb, void *u),
     (b, x, cb, u), return NULL)

/* iconv, uchardet, zlib */
WRAP(iconv_t, iconv_open, (const char *to, const char *from), (to, from), errno = ENOMEM;
     return (iconv_t)-1)
WRAP(uchardet_t, uchardet_new, (void), (), return NULL)
WRAP(int, uchardet_handle_data, (uchardet_t u, const char *d, size_t n), (u, d, n), return 1)
WRAP(int, inflateInit2_, (z_streamp s, int bits, const char *version, int size),
     (s, bits, version, size), return Z_MEM_ERROR)
WRAP(int, inflate, (z_streamp s, int flush), (s, flush), return Z_MEM_ERROR)

/* libarchive: a failure carries a message, as the library's own do.  Not the
 * archive_read_open calls with callbacks: the real one closes the client on
 * failure, which a wrapper cannot do in its place. */
WRAP(struct archive *, archive_read_new, (void), (), return NULL)
WRAP(int, archive_read_support_filter_all, (struct archive * a), (a),
     archive_set_error(a, ENOMEM, "injected failure");
     return ARCHIVE_FATAL)
WRAP(int, archive_read_open_fd, (struct archive * a, int fd, size_t block), (a, fd, block),
     archive_set_error(a, EIO, "injected failure");
     return ARCHIVE_FATAL)
WRAP(int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e),
     archive_set_error(a, EIO, "injected failure");
     return ARCHIVE_FATAL)
WRAP(la_ssize_t, archive_read_data, (struct archive * a, void *buf, size_t n), (a, buf, n),
     archive_set_error(a, EIO, "injected failure");
     return ARCHIVE_FATAL)

/* libxml2: a reader that cannot be made has closed its input, as the real one. */
WRAP(xmlTextReaderPtr, xmlReaderForIO,
     (xmlInputReadCallback rd, xmlInputCloseCallback cl, void *ctx, const char *url,
      const char *enc, int options),
     (rd, cl, ctx, url, enc, options), if (cl) cl(ctx);
     return NULL)
WRAP(int, xmlTextReaderRead, (xmlTextReaderPtr r), (r), return -1)
