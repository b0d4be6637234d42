/* fuzz_archive.c: archive members through the archive layer and format
 * detection, under small bomb limits.  Each member is detected and read like a
 * file; a fatal error must say why, and the limits must hold. */
#include "fuzz.h"

#include "unpack.h"
#include "workbook.h"

struct ctx {
	struct bg_sink sink;
	struct fuzz_count count;
};

static int member(void *arg, struct bg_input *in, int depth, struct bg_err *err)
{
	struct ctx *c = arg;
	struct bg_err refusal = BG_ERR_INIT;
	const struct bg_reader *r = bg_reader_detect(in, bg_input_name(in), &refusal);
	struct bg_reader_ctx rc;
	int rv;

	(void)depth;
	if (!r)
		return 0;
	bg_reader_ctx_init(&rc, in, NULL, NULL, &c->sink);
	rv = r->read(&rc);
	bg_err_copy(err, &rc.err);
	return rv;
}

static int book(void *arg, int fd, int kind, const char *name, struct bg_err *err)
{
	(void)kind;
	struct ctx *c = arg;
	struct bg_reader_ctx rc;
	int rv;

	bg_reader_ctx_init(&rc, NULL, name, NULL, &c->sink);
	rv = bg_workbook_read(&rc, fd);
	bg_err_copy(err, &rc.err);
	return rv;
}

static void skipped(void *arg, const char *name, const char *why)
{
	(void)arg;
	(void)strlen(name);
	(void)strlen(why);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_input *in = NULL;
	struct bg_unpack u;
	struct ctx c;
	struct bg_err err = BG_ERR_INIT;
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof(path)), kind, r;

	if (fd < 0)
		return 0;
	fuzz_sink(&c.sink, &c.count);
	bg_unpack_init(&u);
	u.max_bytes = 8u << 20;
	u.max_members = 64;
	u.member = member;
	u.workbook = book;
	u.skipped = skipped;
	u.arg = &c;
	if (bg_input_open(&in, path, &err) == 0) {
		kind = bg_archive_kind(in);
		if (kind != BG_ARCHIVE_NONE) {
			r = bg_unpack_read(&u, in, kind, 0, &err);
			if (r < 0 && !err.msg[0])
				__builtin_trap();
			/* The limits hold (a member may overshoot by one buffer). */
			if (u.unpacked > u.max_bytes + (1u << 20) || u.members > u.max_members + 1)
				__builtin_trap();
		}
		bg_input_close(in);
	}
	bg_unpack_free(&u);
	close(fd);
	return 0;
}
