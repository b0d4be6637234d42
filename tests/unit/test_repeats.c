/* test_repeats.c: a line repeated is replayed, not tokenised again
 * (bg_addrtok_repeats), and that must never show: thousands of generated
 * inputs, random runs of copies of lines drawn from a pool (several addresses,
 * defanged and full-width forms, Japanese punctuation, invalid text, PDF table
 * cells that wrap, blank lines, comments, NUL and bad UTF-8, a line too long),
 * go through the text reader with the replay on and off, and the sink must see
 * the same calls in the same order with the same line numbers either way.  The
 * tokeniser is driven directly too, with line breaks inside, gaps in the line
 * numbers and flushes between lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addrtok.h"
#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

/* The text reader over data, replay on or off; the log, then the result. */
static void run_text(struct ts_log *l, const char *data, size_t len, bool replay, size_t stop)
{
	struct bg_read_opts o;
	struct bg_input *in = NULL;
	struct bg_reader_ctx c;
	struct bg_err err = BG_ERR_INIT;
	char path[64];
	int fd = ts_memfd(data, len, path), rc;

	memset(&o, 0, sizeof(o));
	o.tokenise_repeats = !replay;
	ts_log_init(l, stop);
	rc = bg_input_open(&in, path, &err);
	if (rc == 0) {
		bg_reader_ctx_init(&c, in, NULL, &o, &l->sink);
		rc = bg_reader_text.read(&c);
		bg_err_copy(&err, &c.err);
	}
	bg_input_close(in);
	close(fd);
	ts_logf(l, "= %d %s\n", rc, err.msg);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Lines of notices, lists and PDF tables; runs of neighbours make tables. */
#define S(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}
static const struct {
	const char *s;
	size_t n;
} pool[] = {
    S("same.person@example.jp"),
    S("a@example.com, b@example.org; c@example.net"),
    S("x [at] example [dot] jp"),
    S("y(at)example(dot)co(dot)jp and z [@] example.com"),
    S("\xef\xbd\x81\xef\xbc\xa0\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef"
      "\xbd\x8c\xef\xbd\x85\xef\xbc\x8e\xef\xbd\x8a\xef\xbd\x90"), /* ａ＠ｅｘａｍｐｌｅ．ｊｐ */
    S("\xe3\x83\xbb\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80yamada@example.co.jp\xe6\xa7\x98"),
    S("\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xef\xbc\x9ataro@example.jp\xe3\x80\x81"
      "hanako@example.jp"),
    S("\xe3\x80\x8cjiro@example.jp\xe3\x80\x8d\xef\xbc\x88\xe5\x96\xb6\xe6\xa5\xad\xef\xbc\x89"),
    S("\xef\xbc\x91\xef\xbc\x8esaburo@example.jp\xe3\x81\x95\xe3\x82\x93"),
    S("\xe2\x80\x9c"
      "dave@example.com\xe2\x80\x9d"),
    S("no address on this one"),
    S("two@@example.com"),
    S("https://user@example.com/path"),
    S("@handle only"),
    S("email=key@example.org&x=1"),
    S("g@example.com # h@example.org in a comment"),
    S("# a comment line"),
    S(""),
    S("   "),
    S("\t"),
    S("Name      Email                     Dept"),
    S("Taro      taro.yamada@example       Sales"),
    S("          .co.jp"),
    S("Hanako    hanako@exa                Dev"),
    S("          mple.jp"),
    S("Jiro      jiro.sales.               Ops"),
    S("          admin@example.jp"),
    S("Sato      sato@example.com          HR"),
    S("          .au"),
    S("  .co.jp"),
    S("x@example"),
    S(".co.jp"),
    S("yamada."),
    S("admin@example.jp"),
    S("E-mail:"),
    S("  kim@example.com"),
    S("Regards."),
    S("   kim@example.org"),
    S("bad\x01"
      "ctl@example.com"),
    S("caf\xc3\x28 w@example.com"),
    S("nul\0byte@example.com x"),
    S("o\xe2\x80\x99"
      "brien@example.net!"),
    S("a@x.jp/b@y.jp...more"),
    S("MAILTO:d@example.com?cc=x@example.org"),
    S("\xe3\x80\x80\xe3\x80\x80sato@example.jp\xe3\x80\x80\xe3\x80\x80"),
    S("zero\xe2\x80\x8bwidth@example.com"),
};

#define NPOOL (sizeof(pool) / sizeof(pool[0]))

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* An input of runs: a line drawn from the pool (often the one after the last,
 * so table rows stay together), copied 1 to 6 times. */
static void gen(struct buf *b)
{
	size_t runs = 1 + rnd(14), k = rnd(NPOOL);
	const char *eol = rnd(8) == 0 ? "\r\n" : "\n";

	b->len = 0;
	for (size_t r = 0; r < runs; r++) {
		size_t copies = 1 + rnd(rnd(3) ? 3 : 6);

		k = rnd(3) ? (k + 1) % NPOOL : rnd(NPOOL);
		for (size_t c = 0; c < copies; c++) {
			if (rnd(40) == 0) {
				static char big[BG_LINE_MAX + 100];

				memset(big, 'w', sizeof(big));
				memcpy(big + 100, " long@example.com ", 18);
				put(b, big, sizeof(big));
			} else {
				put(b, pool[k].s, pool[k].n);
			}
			put(b, eol, strlen(eol));
		}
	}
}

static void generated_texts(void)
{
	struct buf b = {0};
	struct ts_log on, off;
	int bad = 0;

	for (int i = 0; i < 4000; i++) {
		size_t stop = rnd(6) == 0 ? 1 + rnd(8) : 0;

		gen(&b);
		run_text(&on, b.p, b.len, true, stop);
		run_text(&off, b.p, b.len, false, stop);
		t_run++;
		if (on.len != off.len || memcmp(on.log, off.log, on.len) != 0) {
			if (bad++ < 3)
				fprintf(
				    stderr,
				    "%s:%d: FAIL: input %d, stop %zu: replay on:\n%s\noff:\n%s\n",
				    __FILE__, __LINE__, i, stop, on.log, off.log);
			t_failed++;
		}
		free(on.log);
		free(off.log);
	}
	free(b.p);
}

/* The tokeniser itself, as other callers may use it: lines with breaks inside,
 * numbers that skip, flushes. */
static void run_tok(struct ts_log *l, const unsigned *pick, size_t n, bool replay)
{
	struct bg_addrtok *t = NULL;
	unsigned long line = 0;
	int rc;

	ts_log_init(l, 0);
	T_EQ_INT(bg_addrtok_new(&t, &l->sink), 0);
	bg_addrtok_empty(t, "no address on the line");
	bg_addrtok_repeats(t, replay);
	for (size_t i = 0; i < n; i++) {
		static const char *const extra[] = {"a@x.jp\rb@y.jp", "c@example.com\nd@example",
						    "  .co.jp\r\n"};
		unsigned p = pick[i] & 0xff, how = pick[i] >> 8;
		const char *s = p < NPOOL ? pool[p].s : extra[p - NPOOL];
		size_t len = p < NPOOL ? pool[p].n : strlen(s);

		line += how == 1 ? 2 : how == 2 ? 0 : 1;
		if (how == 3) {
			ts_logf(l, "F %d\n", bg_addrtok_flush(t));
			continue;
		}
		rc = bg_addrtok_line(t, s, len, line);
		ts_logf(l, "= %d\n", rc);
	}
	ts_logf(l, "F %d\n", bg_addrtok_flush(t));
	bg_addrtok_free(t);
}

static void generated_tokens(void)
{
	unsigned pick[40];
	struct ts_log on, off;
	int bad = 0;

	for (int i = 0; i < 3000; i++) {
		size_t n = 1 + rnd(40);
		unsigned p = rnd(NPOOL + 3);

		for (size_t j = 0; j < n; j++) {
			if (rnd(2))
				p = rnd(3) ? (p + 1) % (unsigned)(NPOOL + 3) : rnd(NPOOL + 3);
			pick[j] = p | (rnd(10) == 0 ? (1 + rnd(3)) << 8 : 0);
		}
		run_tok(&on, pick, n, true);
		run_tok(&off, pick, n, false);
		t_run++;
		if (on.len != off.len || memcmp(on.log, off.log, on.len) != 0) {
			if (bad++ < 3)
				fprintf(stderr,
					"%s:%d: FAIL: sequence %d: replay on:\n%s\noff:\n%s\n",
					__FILE__, __LINE__, i, on.log, off.log);
			t_failed++;
		}
		free(on.log);
		free(off.log);
	}
}

/* Cases spelled out, each the same with the replay off: a tail under a wrapped
 * cell is joined to it again on every copy; each copy of an invalid line has
 * its own note (a blank line between copies ends the run: the input skips
 * it, the gap flushes); each defanged copy is counted as such; a line with an
 * invalid word and an address. */
static void check_case(const char *in, const char *want)
{
	struct ts_log on, off;

	run_text(&on, in, strlen(in), true, 0);
	run_text(&off, in, strlen(in), false, 0);
	T_EQ_STR(on.log, off.log);
	T_EQ_STR(on.log, want);
	free(on.log);
	free(off.log);
}

static void worked_cases(void)
{
	check_case("Taro      taro.yamada@example       Sales\n"
		   "          .co.jp\n"
		   "          .co.jp\n"
		   "          .co.jp\n",
		   "R\nR\nR\nR\nA 1 [taro.yamada@example.co.jp.co.jp.co.jp]\n= 0 \n");
	check_case("nothing here\nnothing here\nnothing here\n\nnothing here\n",
		   "R\nR\nI 1 no address on the line [nothing here]\nR\n"
		   "I 2 no address on the line [nothing here]\nR\n"
		   "I 3 no address on the line [nothing here]\n"
		   "I 5 no address on the line [nothing here]\n= 0 \n");
	check_case("x [at] example [dot] jp\nx [at] example [dot] jp\nx [at] example [dot] jp\n",
		   "R\nR\nD 1\nA 1 [x@example.jp]\nR\nD 2\nA 2 [x@example.jp]\nD 3\n"
		   "A 3 [x@example.jp]\n= 0 \n");
	check_case("two@@example.com a@example.com\ntwo@@example.com a@example.com\n"
		   "two@@example.com a@example.com\n",
		   "R\nI 1 more than one '@' in one word [two@@example.com]\nR\n"
		   "I 2 more than one '@' in one word [two@@example.com]\nA 1 [a@example.com]\nR\n"
		   "I 3 more than one '@' in one word [two@@example.com]\nA 2 [a@example.com]\n"
		   "A 3 [a@example.com]\n= 0 \n");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(worked_cases);
	T_RUN(generated_texts);
	T_RUN(generated_tokens);
	return t_done("test_repeats");
}
