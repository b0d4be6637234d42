/* tsink.h: the recording bg_sink of the reader and input tests, plus small file
 * helpers.  Keeps every address and invalid record (bounded), the record count
 * and the reader's result, so tests assert exact values; runs a reader over a
 * file, a string or bytes in memory. */
#ifndef BG_TSINK_H
#define BG_TSINK_H

#include <errno.h>
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

	(void)text;
	(void)len;
	if (t->ninvalid < TS_MAX) {
		snprintf(t->why[t->ninvalid], sizeof(t->why[0]), "%s", why);
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

/* The same over bytes in memory (a memfd, as the fuzz harnesses do). */
static inline int ts_run_mem(struct tsink *t, const struct bg_reader *rd, const char *data,
			     size_t len, const struct bg_read_opts *o)
{
	char path[64];
	int fd = memfd_create("tsink", MFD_CLOEXEC), rc;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror("memfd");
		exit(2);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = ts_run_file(t, rd, path, o);
	close(fd);
	return rc;
}

static inline int ts_run_str(struct tsink *t, const struct bg_reader *rd, const char *s,
			     const struct bg_read_opts *o)
{
	return ts_run_mem(t, rd, s, strlen(s), o);
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

#endif
