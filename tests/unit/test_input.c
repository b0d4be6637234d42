/* test_input.c: bg_input (open refusals, gzip, charsets, line ends, hostile lines,
 * peek/read, SHA-256, bounded memory) and bg_reader_detect's refusals and picks. */
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zlib.h>

#include <openssl/evp.h>

#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

struct line {
	char text[256];
	size_t len;
	unsigned flags;
};

/* Reads every line of path into out (at most max); returns the count, or the
 * negative errno that stopped it (err set). */
static long read_lines(const char *path, struct line *out, size_t max, struct bg_err *err)
{
	struct bg_input *in = NULL;
	const char *s;
	size_t n;
	unsigned fl;
	long count = 0;
	int r;

	r = bg_input_open(&in, path, err);
	if (r < 0)
		return r;
	while ((r = bg_input_getline(in, &s, &n, &fl, err)) == 1) {
		if ((size_t)count < max) {
			snprintf(out[count].text, sizeof(out[count].text), "%.*s", (int)n, s);
			out[count].len = n;
			out[count].flags = fl;
		}
		count++;
		if (bg_input_lineno(in) != (unsigned long)count)
			return -1000;
	}
	bg_input_close(in);
	return r < 0 ? r : count;
}

static void sha256_file(const char *path, unsigned char out[32])
{
	unsigned char buf[4096];
	unsigned int n = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t got;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while (f && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(md, buf, got);
	EVP_DigestFinal_ex(md, out, &n);
	EVP_MD_CTX_free(md);
	if (f)
		fclose(f);
}

static void test_refusals(void)
{
	struct bg_input *in = NULL;
	struct bg_err err;
	char expect[512];
	const char *fifo;
	int r;

	r = bg_input_open(&in, fixture(""), ts_err(&err));
	T_EQ_INT(r, -EISDIR);
	T_CHECK(in == NULL);
	snprintf(expect, sizeof(expect), "%s: is a directory", fixture(""));
	T_EQ_STR(err.msg, expect);

	fifo = scratch("pipe");
	T_EQ_INT(mkfifo(fifo, 0600), 0);
	r = bg_input_open(&in, fifo, ts_err(&err)); /* must not block */
	T_EQ_INT(r, -EINVAL);
	snprintf(expect, sizeof(expect), "%s: is a fifo, not a regular file", fifo);
	T_EQ_STR(err.msg, expect);

	r = bg_input_open(&in, "/dev/null", ts_err(&err));
	T_EQ_INT(r, -EINVAL);
	T_EQ_STR(err.msg, "/dev/null: is a character device, not a regular file");

	r = bg_input_open(&in, fixture("no-such-file"), ts_err(&err));
	T_EQ_INT(r, -ENOENT);
	snprintf(expect, sizeof(expect), "%s: No such file or directory", fixture("no-such-file"));
	T_EQ_STR(err.msg, expect);
}

static void test_empty(void)
{
	struct bg_input *in = NULL;
	const char *path = write_file("empty.txt", "", 0), *s;
	struct bg_err err;
	char expect[512];
	size_t n;
	unsigned fl;

	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	T_EQ_INT(bg_input_peek(in, &s, 65536), 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 0);
	T_CHECK(bg_reader_detect(in, path, ts_err(&err)) == NULL);
	snprintf(expect, sizeof(expect), "%s: empty file, no addresses", path);
	T_EQ_STR(err.msg, expect);
	bg_input_close(in);

	/* A BOM alone decodes to nothing: still empty. */
	path = write_file("bom-only.txt", "\xef\xbb\xbf", 3);
	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	T_CHECK(bg_reader_detect(in, path, ts_err(&err)) == NULL);
	snprintf(expect, sizeof(expect), "%s: empty file, no addresses", path);
	T_EQ_STR(err.msg, expect);
	bg_input_close(in);
}

/* The line's end, its NUL and its first high byte are found in one scan, sixteen
 * bytes at a time: each at every offset around the blocks, an LF, a CR or a CRLF
 * after them, and a second line that must not lend the first its flags. */
static void test_line_scan(void)
{
	static const char *const ends[] = {"\n", "\r", "\r\n"};
	char buf[160];

	for (size_t e = 0; e < 3; e++) {
		for (size_t at = 0; at < 40; at++) {
			for (int kind = 0; kind < 3; kind++) {
				struct bg_input *in = NULL;
				struct bg_err err;
				const char *path, *s;
				size_t len = 40, o, n;
				unsigned fl;

				if (kind == 2 && at + 2 > len)
					continue; /* "é" must fit before the end */
				memset(buf, 'a', len);
				/* a NUL, an invalid byte, or valid UTF-8 ("é") at at */
				if (kind == 0)
					buf[at] = '\0';
				else if (kind == 1)
					buf[at] = '\xff';
				else
					memcpy(buf + at, "\xc3\xa9", 2);
				o = len;
				memcpy(buf + o, ends[e], strlen(ends[e]));
				o += strlen(ends[e]);
				/* the second line: clean, then a NUL and a bad byte past its end */
				memcpy(buf + o, "b@x.jp\n\0\xff", 9);
				o += 9;
				path = write_file("scan.txt", buf, o);
				T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
				/* as UTF-8: detection would read 0xff as Windows-1252 */
				T_EQ_INT(bg_input_set_encoding(in, "UTF-8", ts_err(&err)), 0);
				T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
				T_EQ_INT(n, len);
				T_EQ_INT((fl & BG_LINE_HAS_NUL) != 0, kind == 0);
				T_EQ_INT((fl & BG_LINE_BAD_UTF8) != 0, kind == 1);
				T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
				T_EQ_INT(n, 6);
				T_EQ_INT(fl & (BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8), 0);
				T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
				T_EQ_INT(n, 2);
				T_EQ_INT((fl & BG_LINE_HAS_NUL) != 0, 1);
				T_EQ_INT((fl & BG_LINE_BAD_UTF8) != 0, 1);
				bg_input_close(in);
			}
		}
	}
}

static void test_line_ends(void)
{
	struct line l[16];
	struct bg_err err;
	long n;

	n = read_lines(fixture("crlf.txt"), l, 16, ts_err(&err));
	T_EQ_INT(n, 5);
	T_EQ_STR(l[0].text, "alice@example.com");
	T_EQ_STR(l[1].text, "bob@example.org");
	T_EQ_INT(l[2].len, 0);
	T_EQ_STR(l[3].text, "carol@example.net");
	T_EQ_STR(l[4].text, "dave@example.com");
	T_EQ_INT(l[0].flags | l[1].flags | l[2].flags | l[3].flags | l[4].flags, 0);

	/* No final line end; a CR as the very last byte. */
	n = read_lines(write_file("noeol.txt", "a\nb", 3), l, 16, ts_err(&err));
	T_EQ_INT(n, 2);
	T_EQ_STR(l[1].text, "b");
	n = read_lines(write_file("cr-end.txt", "a\r\r\n", 4), l, 16, ts_err(&err));
	T_EQ_INT(n, 2);
	T_EQ_INT(l[1].len, 0);
}

static void test_hostile(void)
{
	struct line l[8];
	struct bg_err err;
	long n;

	n = read_lines(fixture("hostile.txt"), l, 8, ts_err(&err));
	T_EQ_INT(n, 4);
	T_EQ_INT(l[0].flags, 0);
	T_EQ_INT(l[1].flags, BG_LINE_HAS_NUL);
	T_EQ_INT(l[1].len, 19);
	/* A lone Latin-1 byte: the file is read as Windows-1252. */
	T_EQ_INT(l[2].flags, 0);
	T_EQ_STR(l[2].text, "M\xc3\xbcller <mueller@example.com>");
	T_EQ_INT(l[3].flags, 0);
	T_EQ_STR(l[3].text, "also.ok@example.net");

	/* Overlong encodings, surrogates and past-U+10FFFF are not UTF-8. */
	T_CHECK(bg_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80", 10));
	T_CHECK(!bg_utf8_valid("\xc0\xaf", 2));
	T_CHECK(!bg_utf8_valid("\xed\xa0\x80", 3));
	T_CHECK(!bg_utf8_valid("\xf4\x90\x80\x80", 4));
	T_CHECK(!bg_utf8_valid("\xe2\x82", 2));
}

static void test_long_line(void)
{
	static char buf[300 * 1024];
	struct bg_input *in = NULL;
	const char *path, *s;
	struct bg_err err;
	size_t n, off = 0, i;
	unsigned fl;

	off += (size_t)sprintf(buf + off, "x@example.com\n");
	memset(buf + off, 'a', 100 * 1024);
	off += 100 * 1024;
	buf[off++] = '\n';
	off += (size_t)sprintf(buf + off, "y@example.org\n");
	/* A cut in the middle of a 3-byte character is not bad UTF-8. */
	for (i = 0; i < 30000; i++)
		off += (size_t)sprintf(buf + off, "\xe2\x82\xac");
	off += (size_t)sprintf(buf + off, "\r\nz@example.net");
	path = write_file("long.txt", buf, off);

	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(fl, 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(n, BG_LINE_MAX);
	T_EQ_INT(fl, BG_LINE_TOO_LONG);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(bg_input_lineno(in), 3);
	T_CHECK(n == 13 && memcmp(s, "y@example.org", 13) == 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(fl, BG_LINE_TOO_LONG);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_CHECK(n == 13 && memcmp(s, "z@example.net", 13) == 0);
	T_EQ_INT(bg_input_lineno(in), 5);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 0);
	bg_input_close(in);

	/* A line cut short has its flags looked for on what was kept: a NUL and
	 * an invalid byte near its end, then the same past the cut (not kept). */
	off = 0;
	for (int past = 0; past < 2; past++) {
		size_t at = past ? BG_LINE_MAX + 100 : BG_LINE_MAX - 100;

		memset(buf + off, 'a', BG_LINE_MAX + 200);
		buf[off + at] = '\0';
		buf[off + at + 1] = '\xff';
		off += BG_LINE_MAX + 200;
		buf[off++] = '\n';
	}
	path = write_file("long-flags.txt", buf, off);
	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	T_EQ_INT(bg_input_set_encoding(in, "UTF-8", ts_err(&err)), 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(fl, BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(fl, BG_LINE_TOO_LONG);
	bg_input_close(in);
}

static void test_gzip(void)
{
	struct line plain[32], gz[32];
	struct bg_input *in = NULL;
	unsigned char want[32], got[32];
	struct bg_err err;
	char expect[512], buf[4096];
	const char *s;
	size_t n;
	unsigned fl;
	long np, ng, r;
	int i;
	struct stat st;

	np = read_lines(fixture("notice.txt"), plain, 32, ts_err(&err));
	ng = read_lines(fixture("notice.txt.gz"), gz, 32, ts_err(&err));
	T_EQ_INT(np, 17);
	T_EQ_INT(ng, np); /* two gzip members read as one stream */
	for (i = 0; i < np && i < ng; i++)
		T_EQ_STR(gz[i].text, plain[i].text);

	/* The hash and byte count are of the file as on disk, not the text. */
	T_EQ_INT(bg_input_open(&in, fixture("notice.txt.gz"), ts_err(&err)), 0);
	while (bg_input_getline(in, &s, &n, &fl, ts_err(&err)) == 1)
		;
	bg_input_sha256(in, got);
	sha256_file(fixture("notice.txt.gz"), want);
	T_CHECK(memcmp(got, want, 32) == 0);
	bg_input_sha256(in, got); /* asking twice gives the same */
	T_CHECK(memcmp(got, want, 32) == 0);
	T_EQ_INT(stat(fixture("notice.txt.gz"), &st), 0);
	T_EQ_INT(bg_input_bytes(in), st.st_size);
	bg_input_close(in);

	/* A truncated .gz is an error, never a quiet end; and it stays one. */
	T_EQ_INT(bg_input_open(&in, fixture("truncated.txt.gz"), ts_err(&err)), 0);
	ng = 0;
	while ((r = bg_input_getline(in, &s, &n, &fl, ts_err(&err))) == 1)
		ng++;
	T_EQ_INT(r, -EBADMSG);
	T_CHECK(ng > 100 && ng < 4000);
	snprintf(expect, sizeof(expect), "%s: gzip stream cut short (unexpected end of file)",
		 fixture("truncated.txt.gz"));
	T_EQ_STR(err.msg, expect);
	bg_err_clear(&err);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), -EBADMSG);
	T_EQ_STR(err.msg, expect);
	T_EQ_INT(bg_input_read(in, buf, sizeof(buf), ts_err(&err)), -EBADMSG);
	bg_input_close(in);

	/* The same through the raw read interface. */
	T_EQ_INT(bg_input_open(&in, fixture("truncated.txt.gz"), ts_err(&err)), 0);
	while ((r = bg_input_read(in, buf, sizeof(buf), ts_err(&err))) > 0)
		;
	T_EQ_INT(r, -EBADMSG);
	T_EQ_STR(err.msg, expect);
	bg_input_close(in);

	/* Garbage after a gzip member is reported; zero padding is not. */
	{
		static char gzb[1024];
		size_t len;
		FILE *f = fopen(fixture("notice.txt.gz"), "rb");
		struct line l[32];

		len = f ? fread(gzb, 1, sizeof(gzb) - 8, f) : 0;
		if (f)
			fclose(f);
		memset(gzb + len, 0, 4);
		T_EQ_INT(read_lines(write_file("padded.gz", gzb, len + 4), l, 32, ts_err(&err)),
			 17);
		memcpy(gzb + len, "junk", 4);
		T_EQ_INT(read_lines(write_file("junk.gz", gzb, len + 4), l, 32, ts_err(&err)),
			 -EBADMSG);
		T_CHECK(strstr(err.msg, "junk.gz: trailing garbage after the gzip data") != NULL);
	}
}

/* Writes text in UTF-16 (le or be), with or without a BOM; units given raw. */
static const char *write_utf16(const char *name, const uint16_t *u, size_t n, bool le, bool bom)
{
	unsigned char b[1024];
	size_t o = 0, i;

	if (bom) {
		b[o++] = le ? 0xff : 0xfe;
		b[o++] = le ? 0xfe : 0xff;
	}
	for (i = 0; i < n; i++) {
		b[o++] = (unsigned char)(le ? u[i] & 0xff : u[i] >> 8);
		b[o++] = (unsigned char)(le ? u[i] >> 8 : u[i] & 0xff);
	}
	return write_file(name, b, o);
}

/* UTF-16 text whose characters take three bytes in UTF-8 (Japanese): the
 * decoder's output is half again its input, and a full input buffer once
 * decoded past the end of the output (a heap overflow, found by fuzz_text). */
static void test_utf16_wide(void)
{
	enum { LINES = 2000, WIDE = 100 };
	size_t cap = 2 + (size_t)LINES * (WIDE + 1) * 2, o = 0, n, i, good = 0;
	unsigned char *b = malloc(cap);
	struct bg_input *in = NULL;
	struct bg_err err;
	const char *s;
	unsigned fl;
	char want[WIDE * 3];

	T_CHECK(b != NULL);
	if (!b)
		return;
	b[o++] = 0xff;
	b[o++] = 0xfe;
	for (i = 0; i < LINES; i++) {
		for (int k = 0; k < WIDE; k++) {
			b[o++] = 0x71; /* U+5C71 山 */
			b[o++] = 0x5c;
		}
		b[o++] = '\n';
		b[o++] = 0;
	}
	for (i = 0; i < WIDE; i++)
		memcpy(want + 3 * i, "\xe5\xb1\xb1", 3);
	T_EQ_INT(bg_input_open(&in, write_file("wide16.txt", b, o), ts_err(&err)), 0);
	for (i = 0; i < LINES + 1; i++) {
		if (bg_input_getline(in, &s, &n, &fl, ts_err(&err)) != 1)
			break;
		good += n == sizeof(want) && fl == 0 && memcmp(s, want, n) == 0;
	}
	T_EQ_INT(i, LINES);
	T_EQ_INT(good, LINES);
	bg_input_close(in);
	free(b);

	/* Through a decompressor (libarchive's xz) the whole input buffer fills at
	 * once: this one crashed the tool (SIGSEGV) before. */
	in = NULL;
	T_EQ_INT(bg_input_open(&in, fixture("exact/utf16-japanese-large.txt.xz"), ts_err(&err)), 0);
	for (i = good = 0; i < 4000; i++) {
		if (bg_input_getline(in, &s, &n, &fl, ts_err(&err)) != 1)
			break;
		good += fl == 0 &&
			(n == sizeof(want) ? memcmp(s, want, n) == 0 : memchr(s, '@', n) != NULL);
	}
	T_EQ_INT(i, 3040);
	T_EQ_INT(good, 3040);
	bg_input_close(in);
}

/* bg_input_long_pieces: a line of 200 KiB comes in pieces that each end at a
 * separator, carry the line's one number and join to the line again. */
static void test_pieces(void)
{
	static char buf[300 * 1024], back[300 * 1024];
	struct bg_input *in = NULL;
	struct bg_err err;
	const char *s;
	size_t n, off = 0, got = 0, line, pieces = 0;
	unsigned fl;
	bool ends = true, numbered = true;

	off += (size_t)sprintf(buf + off, "a@x.jp\n");
	line = off;
	while (off - line < 200 * 1024)
		off += (size_t)sprintf(buf + off, "user%zu@example.jp, ", off);
	off += (size_t)sprintf(buf + off, "end@example.jp\nz@x.jp\n");
	T_EQ_INT(bg_input_open(&in, write_file("pieces.txt", buf, off), ts_err(&err)), 0);
	bg_input_long_pieces(in, NULL);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(n, 6);
	do {
		T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
		T_CHECK(n <= BG_LINE_MAX && s[n] == '\0');
		if (fl & BG_LINE_PIECE)
			ends = ends && (s[n - 1] == ' ' || s[n - 1] == ',');
		numbered = numbered && bg_input_lineno(in) == 2;
		memcpy(back + got, s, n);
		got += n;
		pieces++;
	} while ((fl & BG_LINE_PIECE) && pieces < 10);
	T_CHECK(ends);
	T_CHECK(numbered);
	T_CHECK(pieces >= 4);
	T_EQ_INT(fl, 0);
	T_CHECK(got == off - line - 8 && memcmp(back, buf + line, got) == 0);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_CHECK(n == 6 && memcmp(s, "z@x.jp", 6) == 0);
	T_EQ_INT(bg_input_lineno(in), 3);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 0);
	bg_input_close(in);
}

static void test_charsets(void)
{
	static const uint16_t text[] = {'a',  '@',  'x',    '.',    't', 'e',	 's',  't',
					'\r', '\n', 0xd83d, 0xde00, ' ', 0x20ac, '\n', 'b',
					'@',  'y',  '.',    'n',    'e', 't',	 '\n'};
	static const uint16_t broken[] = {'o',	'k', '\n', 0xd800, 'x', '\n', 0xdc00,
					  '\n', 'f', 'i',  'n',	   'e', '\n', 0xd83d};
	struct line l[8];
	struct bg_err err;
	long n;

	n = read_lines(fixture("unicode-export.csv"), l, 8, ts_err(&err));
	T_EQ_INT(n, 3);
	T_EQ_STR(l[0].text, "Email,Name");
	T_EQ_STR(l[1].text, "zoe@example.com,Zo\xc3\xab \xc3\x85gren");
	T_EQ_STR(l[2].text, "li.wei@example.org,\xe6\x9d\x8e\xe4\xbc\x9f \xf0\x9f\x98\x80");
	T_EQ_INT(l[0].flags | l[1].flags | l[2].flags, 0);

	n = read_lines(write_utf16("be.txt", text, sizeof(text) / 2, false, true), l, 8,
		       ts_err(&err));
	T_EQ_INT(n, 3);
	T_EQ_STR(l[0].text, "a@x.test");
	T_EQ_STR(l[1].text, "\xf0\x9f\x98\x80 \xe2\x82\xac");
	T_EQ_STR(l[2].text, "b@y.net");

	/* UTF-16 without a BOM is recognised by its zero bytes. */
	n = read_lines(write_utf16("le-nobom.txt", text, sizeof(text) / 2, true, false), l, 8,
		       ts_err(&err));
	T_EQ_INT(n, 3);
	T_EQ_STR(l[2].text, "b@y.net");

	/* Unpaired surrogates: U+FFFD, and that line (only) flagged. */
	n = read_lines(write_utf16("broken.txt", broken, sizeof(broken) / 2, true, true), l, 8,
		       ts_err(&err));
	T_EQ_INT(n, 5);
	T_EQ_INT(l[0].flags, 0);
	T_EQ_STR(l[1].text, "\xef\xbf\xbdx");
	T_EQ_INT(l[1].flags, BG_LINE_BAD_UTF8);
	T_EQ_INT(l[2].flags, BG_LINE_BAD_UTF8);
	T_EQ_INT(l[3].flags, 0);
	T_EQ_STR(l[4].text, "\xef\xbf\xbd");
	T_EQ_INT(l[4].flags, BG_LINE_BAD_UTF8);

	/* A UTF-8 BOM is dropped. */
	n = read_lines(write_file("bom8.txt",
				  "\xef\xbb\xbf"
				  "a@x.test\n",
				  12),
		       l, 8, ts_err(&err));
	T_EQ_INT(n, 1);
	T_EQ_STR(l[0].text, "a@x.test");
}

static void test_peek_read(void)
{
	struct bg_input *in = NULL;
	const char *head, *s;
	struct bg_err err;
	char buf[64];
	size_t n;
	unsigned fl;
	long r;

	T_EQ_INT(bg_input_open(&in, fixture("notice.txt.gz"), ts_err(&err)), 0);
	r = bg_input_peek(in, &head, 10);
	T_EQ_INT(r, 10);
	T_CHECK(memcmp(head, "# Breach a", 10) == 0);
	r = bg_input_peek(in, &head, 1 << 20); /* bigger than the file: all of it */
	T_EQ_INT(r, 635);
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_EQ_INT(n, 64);
	T_EQ_INT(bg_input_read(in, buf, 8, ts_err(&err)), 8);
	T_CHECK(memcmp(buf, "# Source", 8) == 0);
	bg_input_close(in);

	/* A 64 KiB window on a bigger input. */
	{
		static char big[200 * 1024];
		const char *path;

		memset(big, 'q', sizeof(big));
		path = write_file("big.txt", big, sizeof(big));
		T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
		T_EQ_INT(bg_input_peek(in, &head, 65536), 65536);
		T_EQ_INT(bg_input_read(in, buf, 1, ts_err(&err)), 1);
		T_EQ_INT(bg_input_peek(in, &head, 65536), 65536);
		bg_input_close(in);
	}
}

static void test_stdin(void)
{
	struct line l[4];
	struct bg_input *in = NULL;
	int fd, saved = dup(0);
	const char *s;
	struct bg_err err;
	size_t n;
	unsigned fl;

	fd = open(fixture("crlf.txt"), O_RDONLY);
	T_CHECK(fd >= 0 && saved >= 0);
	dup2(fd, 0);
	close(fd);
	T_EQ_INT(bg_input_open(&in, "-", ts_err(&err)), 0);
	T_EQ_STR(bg_input_name(in), "stdin");
	T_EQ_INT(bg_input_getline(in, &s, &n, &fl, ts_err(&err)), 1);
	T_CHECK(n == 17 && memcmp(s, "alice@example.com", n) == 0);
	bg_input_close(in);
	dup2(saved, 0);
	close(saved);
	(void)l;
}

/* 64 MiB of text behind a small .gz: the memory use must not follow. */
static void test_bounded_memory(void)
{
	struct rusage before, after;
	struct bg_input *in = NULL;
	const char *path = scratch("huge.txt.gz"), *s;
	struct bg_err err;
	char line[64];
	gzFile gz = gzopen(path, "wb9");
	long i, lines = 0, total = 1024L * 1024;
	size_t n;
	unsigned fl;
	int r;

	T_CHECK(gz != NULL);
	for (i = 0; i < total; i++) {
		snprintf(line, sizeof(line), "user%07ld@example.org, padding padding pad\n", i);
		gzputs(gz, line);
	}
	gzclose(gz);
	getrusage(RUSAGE_SELF, &before);
	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	while ((r = bg_input_getline(in, &s, &n, &fl, ts_err(&err))) == 1)
		lines++;
	T_EQ_INT(r, 0);
	T_EQ_INT(lines, total);
	bg_input_close(in);
	getrusage(RUSAGE_SELF, &after);
	/* Growth of the peak RSS in KiB: the buffers are well under 2 MiB. */
	T_CHECK(after.ru_maxrss - before.ru_maxrss < 8 * 1024);
}

static void test_detect(void)
{
	static const struct {
		const char *file, *reader;
	} picks[] = {
	    {"notice.txt", "text"},	   {"notice.txt.gz", "text"}, {"crlf.txt", "text"},
	    {"contacts.csv", "csv"},	   {"people.tsv", "csv"},     {"excel-fr.csv", "csv"},
	    {"unicode-export.csv", "csv"}, {"hostile.txt", "text"},
	};
	static const struct {
		const char *file, *why;
	} refusals[] = {
	    {"fake.xlsx",
	     "looks like a zip archive or workbook that could not be read; export the list as CSV"},
	    {"report.pdf", "looks like a PDF document; export the list as text or CSV"},
	    {"old.xls", "looks like an old Excel workbook (.xls, OLE2); save it as .xlsx, or "
			"export it as CSV"},
	};
	const struct bg_reader *r;
	struct bg_input *in = NULL;
	struct bg_err err;
	char expect[512], bin[2048];
	const char *path;
	size_t i;
	unsigned x = 12345;

	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
		bg_err_clear(&err);
		T_EQ_INT(bg_input_open(&in, fixture(picks[i].file), ts_err(&err)), 0);
		r = bg_reader_detect(in, fixture(picks[i].file), ts_err(&err));
		T_EQ_STR(r ? r->name : err.msg, picks[i].reader);
		bg_input_close(in);
	}
	/* Content decides, not the name: a CSV through stdin-like "-" path. */
	T_EQ_INT(bg_input_open(&in, fixture("excel-fr.csv"), ts_err(&err)), 0);
	r = bg_reader_detect(in, "-", ts_err(&err));
	T_EQ_STR(r ? r->name : err.msg, "csv");
	bg_input_close(in);

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		T_EQ_INT(bg_input_open(&in, fixture(refusals[i].file), ts_err(&err)), 0);
		T_CHECK(bg_reader_detect(in, fixture(refusals[i].file), ts_err(&err)) == NULL);
		snprintf(expect, sizeof(expect), "%s: %s", fixture(refusals[i].file),
			 refusals[i].why);
		T_EQ_STR(err.msg, expect);
		bg_input_close(in);
	}

	for (i = 0; i < sizeof(bin); i++) {
		x = x * 1103515245u + 12345u;
		bin[i] = (char)(x >> 16);
	}
	path = write_file("random.bin", bin, sizeof(bin));
	T_EQ_INT(bg_input_open(&in, path, ts_err(&err)), 0);
	T_CHECK(bg_reader_detect(in, path, ts_err(&err)) == NULL);
	snprintf(expect, sizeof(expect), "%s: binary data, not an advisory list", path);
	T_EQ_STR(err.msg, expect);
	bg_input_close(in);

	/* A .gz cut inside the head fails detection with the input's own message. */
	T_EQ_INT(bg_input_open(&in, fixture("truncated.txt.gz"), ts_err(&err)), 0);
	T_CHECK(bg_reader_detect(in, fixture("truncated.txt.gz"), ts_err(&err)) == NULL);
	snprintf(expect, sizeof(expect), "%s: gzip stream cut short (unexpected end of file)",
		 fixture("truncated.txt.gz"));
	T_EQ_STR(err.msg, expect);
	bg_input_close(in);

	T_CHECK(bg_reader_by_name("text") == &bg_reader_text);
	T_CHECK(bg_reader_by_name("csv") == &bg_reader_csv);
	T_CHECK(bg_reader_by_name("json") == &bg_reader_json);
	T_CHECK(bg_reader_by_name("eml") == &bg_reader_eml);
	T_CHECK(bg_reader_by_name("xlsx") == NULL);
	T_CHECK(bg_reader_by_name(NULL) == NULL);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_refusals);
	T_RUN(test_empty);
	T_RUN(test_line_ends);
	T_RUN(test_line_scan);
	T_RUN(test_hostile);
	T_RUN(test_long_line);
	T_RUN(test_gzip);
	T_RUN(test_charsets);
	T_RUN(test_utf16_wide);
	T_RUN(test_pieces);
	T_RUN(test_peek_read);
	T_RUN(test_stdin);
	T_RUN(test_bounded_memory);
	T_RUN(test_detect);
	ts_cleanup();
	return t_done("test_input");
}
