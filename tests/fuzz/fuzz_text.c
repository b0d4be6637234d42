/* fuzz_text.c: the free-text reader behind bg_input (gzip, UTF-16, line ends),
 * run twice: replaying repeated lines (bg_addrtok_repeats) and tokenising them
 * again must hand the sink the very same calls. */
#include "fuzz.h"

/* FNV-1a over every call the sink gets, in order. */
struct fuzz_trace {
	struct fuzz_count c;
	uint64_t h;
};

static void trace(struct fuzz_trace *t, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		t->h = (t->h ^ b[i]) * 0x100000001b3u;
}

static int trace_address(struct bg_sink *s, const char *a, size_t len, unsigned long line)
{
	struct fuzz_trace *t = s->arg;

	trace(t, "A", 1);
	trace(t, &line, sizeof(line));
	trace(t, a, len);
	t->c.addr++;
	return 0;
}

static void trace_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			  size_t len)
{
	struct fuzz_trace *t = s->arg;

	trace(t, "I", 1);
	trace(t, &line, sizeof(line));
	trace(t, why, strlen(why) + 1);
	trace(t, text, len);
	t->c.invalid++;
}

static void trace_record(struct bg_sink *s)
{
	trace(s->arg, "R", 1);
}

static void trace_defanged(struct bg_sink *s, unsigned long line)
{
	trace(s->arg, "D", 1);
	trace(s->arg, &line, sizeof(line));
}

static uint64_t run(const char *path, bool tokenise_repeats, int *rc)
{
	struct bg_read_opts o;
	struct bg_input *in = NULL;
	struct bg_sink sink;
	struct fuzz_trace t;
	struct bg_reader_ctx c;
	struct bg_err err = BG_ERR_INIT;

	memset(&o, 0, sizeof(o));
	o.tokenise_repeats = tokenise_repeats;
	memset(&sink, 0, sizeof(sink));
	memset(&t, 0, sizeof(t));
	t.h = 0xcbf29ce484222325u;
	sink.address = trace_address;
	sink.invalid = trace_invalid;
	sink.record = trace_record;
	sink.defanged = trace_defanged;
	sink.arg = &t;
	*rc = bg_input_open(&in, path, &err);
	if (*rc == 0) {
		bg_reader_ctx_init(&c, in, NULL, &o, &sink);
		*rc = bg_reader_text.read(&c);
		if (*rc < 0 && !c.err.msg[0])
			__builtin_trap();
		bg_err_copy(&err, &c.err);
	}
	bg_input_close(in);
	trace(&t, err.msg, strlen(err.msg));
	return t.h;
}

int fuzz_one(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path)), rc1, rc2;

	if (fd < 0)
		return 0;
	/* (Unless a failure was injected into one of the runs.) */
	if ((run(path, false, &rc1) != run(path, true, &rc2) || rc1 != rc2) && !fuzz_injected())
		__builtin_trap();
	close(fd);
	return 0;
}
