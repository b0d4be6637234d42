/* tsink.h: a recording bg_sink for the reader tests, plus small file helpers.
 * Keeps every address and invalid record (bounded) so tests assert exact values. */
#ifndef BG_TSINK_H
#define BG_TSINK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

#define TS_MAX 256

struct tsink {
	struct bg_sink sink;
	size_t naddr, ninvalid, nrecord;
	char addr[TS_MAX][128];
	unsigned long addr_line[TS_MAX];
	char why[TS_MAX][128];
	unsigned long invalid_line[TS_MAX];
	size_t stop_after; /* 0 = never: else address() fails with -ECANCELED then */
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

static inline struct tsink *ts_new(void)
{
	struct tsink *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->sink.address = ts_address;
	t->sink.invalid = ts_invalid;
	t->sink.record = ts_record;
	t->sink.arg = t;
	return t;
}

/* Runs reader r (NULL: detect) over path; returns its result, err filled. */
static inline int ts_run(struct tsink *t, const struct bg_reader *r, const char *path,
			 const struct bg_read_opts *o, char *err, size_t errlen)
{
	struct bg_input *in = NULL;
	struct bg_read_opts none;
	int rc;

	memset(&none, 0, sizeof(none));
	err[0] = '\0';
	rc = bg_input_open(&in, path, err, errlen);
	if (rc < 0)
		return rc;
	if (!r)
		r = bg_reader_detect(in, path, err, errlen);
	rc = r ? r->read(in, o ? o : &none, &t->sink, err, errlen) : -EINVAL;
	bg_input_close(in);
	return rc;
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
