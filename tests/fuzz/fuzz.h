/* fuzz.h: what every libFuzzer harness shares: the entry point's prototype,
 * failure injection (wrap.c), a sink that only counts, and fuzz data as a file
 * bg_input can open (a memfd seen through /proc/self/fd, so the input API needs
 * no in-memory variant). */
#ifndef BG_FUZZ_H
#define BG_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

/* Each harness's body: wrap.c's LLVMFuzzerTestOneInput takes the first 4 bytes
 * of the input as the failure injection word and calls fuzz_one with the rest. */
int fuzz_one(const uint8_t *data, size_t size);
/* How many failures wrap.c has injected into the current input so far: an
 * invariant that holds only when every call succeeds is checked when it is 0. */
unsigned fuzz_injected(void);

/* A bg_logger function: formats every message (so that the callers' format
 * arguments are checked) and drops it. */
static inline void fuzz_log(void *arg, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static inline void fuzz_log(void *arg, int prio, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)arg;
	(void)prio;
	vsnprintf(buf, sizeof(buf), fmt, ap);
}

struct fuzz_count {
	size_t addr, invalid, record;
};

static inline int fuzz_address(struct bg_sink *s, const char *a, size_t len, unsigned long line)
{
	struct fuzz_count *c = s->arg;
	volatile char touch;

	/* Reading every byte lets ASan catch a reader handing out a bad span. */
	for (size_t i = 0; i < len; i++)
		touch = a[i];
	(void)touch;
	(void)line;
	c->addr++;
	return 0;
}

static inline void fuzz_invalid(struct bg_sink *s, unsigned long line, const char *why,
				const char *text, size_t len)
{
	struct fuzz_count *c = s->arg;
	volatile char touch;

	for (size_t i = 0; i < len; i++)
		touch = text[i];
	(void)touch;
	(void)line;
	(void)strlen(why);
	c->invalid++;
}

static inline void fuzz_record(struct bg_sink *s)
{
	struct fuzz_count *c = s->arg;

	c->record++;
}

static inline void fuzz_sink(struct bg_sink *s, struct fuzz_count *c)
{
	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	s->address = fuzz_address;
	s->invalid = fuzz_invalid;
	s->record = fuzz_record;
	s->arg = c;
	s->defanged = NULL;
}

/* Puts data in a memfd; returns its descriptor (path gets /proc/self/fd/N) or -1. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* Opens data through bg_input and runs reader r (NULL: detect first).  A
 * reader's fatal error must always say why: an empty message is a finding. */
static inline void fuzz_reader(const uint8_t *data, size_t size, const struct bg_reader *r,
			       const struct bg_read_opts *o)
{
	struct bg_input *in = NULL;
	struct bg_sink sink;
	struct fuzz_count count;
	struct bg_reader_ctx c;
	struct bg_err err = BG_ERR_INIT;
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path));

	if (fd < 0)
		return;
	fuzz_sink(&sink, &count);
	if (bg_input_open(&in, path, &err) == 0) {
		if (!r)
			r = bg_reader_detect(in, path, &err);
		bg_reader_ctx_init(&c, in, NULL, o, &sink);
		if (r && bg_reader_finish(&c, r->read(&c)) < 0 && !c.err.msg[0])
			__builtin_trap();
		bg_input_close(in);
	}
	close(fd);
}

#endif
