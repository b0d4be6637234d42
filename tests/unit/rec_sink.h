/* rec_sink.h: a sink for the reader tests that keeps what a reader reported
 * (addresses with their lines, invalid notes with line and why, the record
 * count) so a test can assert it exactly, and a way to feed a reader a string. */
#ifndef BG_REC_SINK_H
#define BG_REC_SINK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

#define REC_MAX 256

struct rec {
	struct bg_sink sink;
	int naddr, ninvalid, records;
	char addr[REC_MAX][128];
	unsigned long addr_line[REC_MAX];
	char why[REC_MAX][160];
	unsigned long inv_line[REC_MAX];
	int stop_after; /* address() fails with -ECANCELED after this many; 0 = never */
	char err[512];
	int rc;
};

static int rec_address(struct bg_sink *s, const char *a, size_t len, unsigned long line)
{
	struct rec *r = s->arg;

	if (r->naddr < REC_MAX) {
		snprintf(r->addr[r->naddr], sizeof(r->addr[0]), "%.*s", (int)len, a);
		r->addr_line[r->naddr] = line;
	}
	r->naddr++;
	if (r->stop_after && r->naddr >= r->stop_after)
		return -125;
	return 0;
}

static void rec_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			size_t len)
{
	struct rec *r = s->arg;

	(void)text;
	(void)len;
	if (r->ninvalid < REC_MAX) {
		snprintf(r->why[r->ninvalid], sizeof(r->why[0]), "%s", why);
		r->inv_line[r->ninvalid] = line;
	}
	r->ninvalid++;
}

static void rec_record(struct bg_sink *s)
{
	((struct rec *)s->arg)->records++;
}

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->sink.address = rec_address;
	r->sink.invalid = rec_invalid;
	r->sink.record = rec_record;
	r->sink.arg = r;
}

/* Runs reader rd over the file at path; the result is in r. */
static int rec_run_file(struct rec *r, const struct bg_reader *rd, const char *path,
			const struct bg_read_opts *o)
{
	struct bg_input *in = NULL;
	int stop = r->stop_after;

	rec_init(r);
	r->stop_after = stop;
	r->rc = bg_input_open(&in, path, r->err, sizeof(r->err));
	if (r->rc == 0)
		r->rc = rd->read(in, o, &r->sink, r->err, sizeof(r->err));
	bg_input_close(in);
	return r->rc;
}

/* The same over bytes in memory (a memfd, as the fuzz harnesses do). */
static int rec_run_mem(struct rec *r, const struct bg_reader *rd, const char *data, size_t len,
		       const struct bg_read_opts *o)
{
	char path[64];
	int fd = memfd_create("rec", MFD_CLOEXEC), rc;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror("memfd");
		exit(2);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = rec_run_file(r, rd, path, o);
	close(fd);
	return rc;
}

static int rec_run_str(struct rec *r, const struct bg_reader *rd, const char *s,
		       const struct bg_read_opts *o)
{
	return rec_run_mem(r, rd, s, strlen(s), o);
}

/* Index of address a among those reported, or -1. */
static int rec_find(const struct rec *r, const char *a)
{
	for (int i = 0; i < r->naddr && i < REC_MAX; i++)
		if (strcmp(r->addr[i], a) == 0)
			return i;
	return -1;
}

#endif
