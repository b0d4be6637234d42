/* tsink.h: the recording bg_sink of the unit tests, plus small file helpers.
 * struct tsink keeps every address and invalid record (bounded), the record
 * count and the reader's result, so tests assert exact values; runs a reader
 * over a file, a string or bytes in memory.  struct ts_log is the same sink in
 * its log form: every call, in order, as one line of text, for tests that
 * compare two runs call by call (repeats replayed or not, fast path or not). */
#ifndef BG_TSINK_H
#define BG_TSINK_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

#define TS_MAX 256

struct tsink {
	struct bg_sink sink;
	size_t naddr, ninvalid, nrecord;
	char addr[TS_MAX][128];
	unsigned long addr_line[TS_MAX];
	char why[TS_MAX][160];
	char text[TS_MAX][96]; /* the excerpt shown with each why */
	unsigned long invalid_line[TS_MAX];
	size_t stop_after; /* 0 = never: else address() fails with -ECANCELED then */
	/* ts_run_file/_mem/_str: the reader's result and message */
	int rc;
	char err[512];
};

static inline int ts_address(struct bg_sink *s, const char *a, size_t len, unsigned long line)
{
	struct tsink *t = s->arg;

	if (t->stop_after && t->naddr >= t->stop_after)
		return -ECANCELED;
	if (t->naddr < TS_MAX) {
		snprintf(t->addr[t->naddr], sizeof(t->addr[0]), "%.*s", (int)len, a);
		t->addr_line[t->naddr] = line;
	}
	t->naddr++;
	return 0;
}

static inline void ts_invalid(struct bg_sink *s, unsigned long line, const char *why,
			      const char *text, size_t len)
{
	struct tsink *t = s->arg;

	if (t->ninvalid < TS_MAX) {
		snprintf(t->why[t->ninvalid], sizeof(t->why[0]), "%s", why);
		snprintf(t->text[t->ninvalid], sizeof(t->text[0]), "%.*s", (int)len,
			 text ? text : "");
		t->invalid_line[t->ninvalid] = line;
	}
	t->ninvalid++;
}

static inline void ts_record(struct bg_sink *s)
{
	struct tsink *t = s->arg;

	t->nrecord++;
}

/* Clears e and returns it: a call given ts_err(&e) leaves its own message in
 * e, as a test asserts it (an error is sticky: the first one set wins). */
static inline struct bg_err *ts_err(struct bg_err *e)
{
	bg_err_clear(e);
	return e;
}

/* Empties t (keeping stop_after) and points its sink at it. */
static inline void ts_init(struct tsink *t)
{
	size_t stop = t->stop_after;

	memset(t, 0, sizeof(*t));
	t->stop_after = stop;
	t->sink.address = ts_address;
	t->sink.invalid = ts_invalid;
	t->sink.record = ts_record;
	t->sink.arg = t;
}

static inline struct tsink *ts_new(void)
{
	struct tsink *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	ts_init(t);
	return t;
}

/* Runs reader r (NULL: detect) over path, adding to what t holds; returns its
 * result, err filled with the message (or ""). */
static inline int ts_run(struct tsink *t, const struct bg_reader *r, const char *path,
			 const struct bg_read_opts *o, char *err, size_t errlen)
{
	struct bg_input *in = NULL;
	struct bg_reader_ctx c;
	struct bg_err e = BG_ERR_INIT;
	int rc;

	rc = bg_input_open(&in, path, &e);
	if (rc == 0 && !r)
		r = bg_reader_detect(in, path, &e);
	if (rc == 0 && r) {
		bg_reader_ctx_init(&c, in, NULL, o, &t->sink);
		rc = r->read(&c);
		bg_err_copy(&e, &c.err);
	} else if (rc == 0) {
		rc = -EINVAL;
	}
	bg_input_close(in);
	snprintf(err, errlen, "%s", e.msg);
	return rc;
}

/* Runs reader rd over the file at path from an empty t; the result is in
 * t->rc and t->err. */
static inline int ts_run_file(struct tsink *t, const struct bg_reader *rd, const char *path,
			      const struct bg_read_opts *o)
{
	ts_init(t);
	t->rc = ts_run(t, rd, path, o, t->err, sizeof(t->err));
	return t->rc;
}

/* Bytes in memory as a file (a memfd, as the fuzz harnesses do): its
 * descriptor, path set to its /proc/self/fd name. */
static inline int ts_memfd(const char *data, size_t len, char path[64])
{
	int fd = memfd_create("tsink", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror("memfd");
		exit(2);
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* The same over bytes in memory. */
static inline int ts_run_mem(struct tsink *t, const struct bg_reader *rd, const char *data,
			     size_t len, const struct bg_read_opts *o)
{
	char path[64];
	int fd = ts_memfd(data, len, path), rc;

	rc = ts_run_file(t, rd, path, o);
	close(fd);
	return rc;
}

static inline int ts_run_str(struct tsink *t, const struct bg_reader *rd, const char *s,
			     const struct bg_read_opts *o)
{
	return ts_run_mem(t, rd, s, strlen(s), o);
}

/* The reader bg_reader_detect picks for a text in memory named name ("-" for
 * none): its name, or "none". */
static inline const char *ts_detect(const char *data, const char *name)
{
	struct bg_input *in = NULL;
	struct bg_err err = BG_ERR_INIT;
	const struct bg_reader *rd;
	char path[64];
	int fd = ts_memfd(data, strlen(data), path);
	const char *got;

	if (bg_input_open(&in, path, &err) != 0)
		abort();
	rd = bg_reader_detect(in, name, &err);
	got = rd ? rd->name : "none";
	bg_input_close(in);
	close(fd);
	return got;
}

/* Index of address a among those reported, or -1. */
static inline int ts_find(const struct tsink *t, const char *a)
{
	for (size_t i = 0; i < t->naddr && i < TS_MAX; i++)
		if (strcmp(t->addr[i], a) == 0)
			return (int)i;
	return -1;
}

static inline const char *fixture(const char *name)
{
	static char buf[4][512];
	static int k;
	const char *dir = getenv("BG_FIXTURES");

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir ? dir : "tests/fixtures", name);
	return buf[k];
}

/* A scratch directory for generated inputs, removed by ts_cleanup(). */
static char ts_dir[64];

static inline const char *scratch(const char *name)
{
	static char buf[4][256];
	static int k;

	if (!ts_dir[0]) {
		snprintf(ts_dir, sizeof(ts_dir), "/tmp/bgtest.XXXXXX");
		if (!mkdtemp(ts_dir))
			abort();
	}
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", ts_dir, name);
	return buf[k];
}

static inline const char *write_file(const char *name, const void *data, size_t len)
{
	const char *path = scratch(name);
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
	return path;
}

static inline void ts_cleanup(void)
{
	char cmd[128];

	if (ts_dir[0] && strncmp(ts_dir, "/tmp/bgtest.", 12) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ts_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", ts_dir);
	}
}

/* --- the log form ------------------------------------------------------------ */

struct ts_log {
	struct bg_sink sink;
	char *log; /* NUL-terminated */
	size_t len, cap;
	size_t naddr, stop_after; /* address() fails with -ECANCELED after stop_after */
};

__attribute__((format(printf, 2, 3))) static inline void ts_logf(struct ts_log *l, const char *fmt,
								 ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(l->log + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < l->cap - l->len)
			break;
		l->cap = l->cap * 2 + (size_t)(n > 0 ? n : 0) + 4096;
		l->log = realloc(l->log, l->cap);
		if (!l->log) {
			perror("realloc");
			exit(2);
		}
	}
	l->len += (size_t)n;
}

static inline int tl_address(struct bg_sink *s, const char *a, size_t len, unsigned long line)
{
	struct ts_log *l = s->arg;

	ts_logf(l, "A %lu [%.*s]\n", line, (int)len, a);
	if (l->stop_after && ++l->naddr >= l->stop_after)
		return -ECANCELED;
	return 0;
}

static inline void tl_invalid(struct bg_sink *s, unsigned long line, const char *why,
			      const char *text, size_t len)
{
	ts_logf(s->arg, "I %lu %s [%.*s]\n", line, why, (int)len, text ? text : "");
}

static inline void tl_record(struct bg_sink *s)
{
	ts_logf(s->arg, "R\n");
}

static inline void tl_defanged(struct bg_sink *s, unsigned long line)
{
	ts_logf(s->arg, "D %lu\n", line);
}

/* stop_after: 0 never stops. */
static inline void ts_log_init(struct ts_log *l, size_t stop_after)
{
	memset(l, 0, sizeof(*l));
	l->sink.address = tl_address;
	l->sink.invalid = tl_invalid;
	l->sink.record = tl_record;
	l->sink.defanged = tl_defanged;
	l->sink.arg = l;
	l->stop_after = stop_after;
	ts_logf(l, "%s", "");
}

#endif
