/* test_unpack.c: the input layer's encodings (encoding.c through bg_input),
 * the other compressors, and the archive layer (unpack.c): kinds, member names,
 * limits, passwords.  Run from the source root (fixtures in tests/fixtures). */
#include <stdint.h>
#include <sys/stat.h>

#include "encoding.h"
#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"
#include "unpack.h"

#define EXACT "exact/"

/* All lines of path, joined by '\n', decoded with enc (NULL: detected). */
static int slurp(const char *path, const char *enc, char *out, size_t outlen, char *used,
		 unsigned long *bad, unsigned long *first_bad, struct bg_err *err)
{
	struct bg_input *in = NULL;
	const char *s;
	size_t n, o = 0;
	unsigned fl;
	int r;

	out[0] = '\0';
	r = bg_input_open(&in, path, err);
	if (r < 0)
		return r;
	r = bg_input_set_encoding(in, enc, err);
	while (r == 0 && (r = bg_input_getline(in, &s, &n, &fl, err)) == 1) {
		if (o + n + 2 < outlen) {
			memcpy(out + o, s, n);
			o += n;
			out[o++] = '\n';
			out[o] = '\0';
		}
		r = 0;
	}
	snprintf(used, BG_ENC_NAME_MAX, "%s", bg_input_encoding(in));
	*bad = bg_input_bad_lines(in, first_bad);
	bg_input_close(in);
	return r;
}

static void test_decide(void)
{
	struct bg_err err;
	char name[BG_ENC_NAME_MAX];

	/* 山田 in CP932, EUC-JP; an ISO-2022-JP designation; a lone ç (cp1252) */
	T_EQ_INT(bg_encoding_decide("\x8e\x52\x93\x63\x81\x40\x91\xbe\x98\x59,a@x.jp\n", 16, true,
				    name, sizeof(name), ts_err(&err)),
		 0);
	T_EQ_STR(name, "CP932");
	/* やまだ in EUC-JP: kana rows; 山田 alone (kanji) could be Chinese too. */
	T_EQ_INT(bg_encoding_decide("\xa4\xe4\xa4\xde\xa4\xc0 a@x.jp\n", 14, true, name,
				    sizeof(name), ts_err(&err)),
		 0);
	T_EQ_STR(name, "EUC-JP");
	T_EQ_INT(bg_encoding_decide("\xbb\xb3\xc5\xc4 a@x.jp\n", 12, true, name, sizeof(name),
				    ts_err(&err)),
		 -EILSEQ);
	T_CHECK(strstr(err.msg, "EUC-JP") != NULL && strstr(err.msg, "GB18030") != NULL);
	T_EQ_INT(bg_encoding_decide("\x1b$B;3ED\x1b(B a@x.jp\n", 16, true, name, sizeof(name),
				    ts_err(&err)),
		 0);
	T_EQ_STR(name, "ISO-2022-JP");
	/* (the sample starts with the ASCII byte before it: "n" of "Fran") */
	T_EQ_INT(bg_encoding_decide("n\xe7ois <f.dupont@example.fr>\n", 28, true, name,
				    sizeof(name), ts_err(&err)),
		 0);
	T_EQ_STR(name, "WINDOWS-1252");
	T_EQ_INT(
	    bg_encoding_decide("\xc3\xa9t\xc3\xa9\n", 6, true, name, sizeof(name), ts_err(&err)),
	    0);
	T_EQ_STR(name, "UTF-8");
	/* A byte of 80-9F glued before or after an address's ASCII word: a CP932
	 * lead byte taking a letter for its trail, or a Windows-1252 symbol.  The
	 * circled list number ② (87 41) and 様 (97 6C) after an address are
	 * CP932; a Western bullet is 1252 ("\x95joao@" is • joao@); ˆ (88) is
	 * either, and refused rather than guessed. */
	{
		static const struct {
			const char *s, *want;
		} g[] = {
		    {"\n\x87\x41suzuki@example.jp\r\n\x87\x42sato@example.jp\r\n", "CP932"},
		    {"\nsuzuki@example.jp\x97\x6c\r\nsato@example.jp\x97\x6c\r\n", "CP932"},
		    {"\n\x95joao@example.pt\n", "WINDOWS-1252"},
		    {"\n\x88\x41suzuki@example.jp\n", NULL},
		    /* Big5 「lee@, 台北kim@, GB18030's four-byte 김 before kim@,
		     * CP949's 찿 before li@: their trail bytes are the letters a
		     * one-byte or CP932 reading glues on; refused, not guessed */
		    {"\n\xa1\x75lee@example.com\n", NULL},
		    {"\xa5\x78\xa5\x5fkim@example.com\n", NULL},
		    {"\x82\x38\x8b\x31kim@example.com\n", NULL},
		    {"\xb1\xe8\x9f\x4fli@example.com\n", NULL},
		    /* half-width katakana glued on, in a file whose kana say
		     * Japanese (メール): CP932 */
		    {"\x83\x81\x81\x5b\x83\x8b,\xca\xc5\xbau31x0@example.co.jp\n", "CP932"},
		};

		for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
			int r = bg_encoding_decide(g[i].s, strlen(g[i].s), true, name, sizeof(name),
						   ts_err(&err));

			T_EQ_INT(r, g[i].want ? 0 : -EILSEQ);
			if (g[i].want)
				T_EQ_STR(name, g[i].want);
		}
	}
	/* UTF-8 cut by the end of a partial sample is still UTF-8. */
	T_EQ_INT(
	    bg_encoding_decide("\xc3\xa9t\xe5\xb1", 5, false, name, sizeof(name), ts_err(&err)), 0);
	T_EQ_STR(name, "UTF-8");
	/* A partial sample of a long CP932 list (the header, then rows
	 * "社員N,userN＠example.co.jp"), cut after a lead byte and elsewhere: the
	 * cut line is no evidence.  Cut after a lead byte, it was read as
	 * ISO-8859-13 (every row then invalid). */
	{
		static const char head[] = "\x8e\x81\x96\xbc,\x83\x81\x81\x5b\x83\x8b\r\n";
		size_t cap = 1 << 16, n = 0, bad = 0;
		char *buf = malloc(cap + 64);

		T_CHECK(buf != NULL);
		if (buf) {
			memcpy(buf, head, sizeof(head) - 1);
			n = sizeof(head) - 1;
			for (unsigned i = 0; n < cap; i++)
				n += (size_t)snprintf(buf + n, 64,
						      "\x8e\xd0\x88\xf5%u,user%u\x81\x97"
						      "example.co.jp\r\n",
						      i, i);
			for (size_t cut = cap - 40; cut < cap; cut++) {
				int rc = bg_encoding_decide(buf, cut, false, name, sizeof(name),
							    ts_err(&err));

				bad += rc != 0 || strcmp(name, "CP932") != 0;
			}
			T_EQ_INT((int)bad, 0);
			free(buf);
		}
	}
	/* 81 40 alone: U+3000 in CP932, a rare extension character in GB18030. */
	T_EQ_INT(bg_encoding_decide("\x81\x40kaede@example.jp\n", 19, true, name, sizeof(name),
				    ts_err(&err)),
		 0);
	T_EQ_STR(name, "CP932");
	/* Binary noise after a list is no text to judge: left UTF-8. */
	T_EQ_INT(bg_encoding_decide("\xff\xff\xff\xff\x00\x01\x02\x03\x90\x91\n", 11, true, name,
				    sizeof(name), ts_err(&err)),
		 0);
	T_EQ_STR(name, "UTF-8");

	T_EQ_INT(bg_encoding_canonical("sjis", name, sizeof(name)), 0);
	T_EQ_STR(name, "CP932");
	T_EQ_INT(bg_encoding_canonical("latin1", name, sizeof(name)), 0);
	T_EQ_STR(name, "WINDOWS-1252");
	T_EQ_INT(bg_encoding_canonical("euc-jp", name, sizeof(name)), 0);
	T_EQ_STR(name, "EUC-JP");
	T_EQ_INT(bg_encoding_canonical("no-such-encoding", name, sizeof(name)), -EINVAL);
}

static void test_decode_files(void)
{
	static char text[1 << 20];
	struct bg_err err;
	char used[BG_ENC_NAME_MAX], *big;
	unsigned long bad, first;
	size_t o = 0;

	T_EQ_INT(slurp(fixture(EXACT "cp932-excel.csv"), NULL, text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 0);
	T_EQ_STR(used, "CP932");
	/* The ideographic space (81 40) is U+3000 now, no '@' in the name. */
	T_CHECK(strstr(text, "\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80\xe5\xa4\xaa\xe9\x83\x8e,"
			     "taro.yamada@example.co.jp") != NULL);
	T_EQ_INT(bad, 0);
	T_EQ_INT(slurp(fixture(EXACT "eucjp-notice.txt"), NULL, text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 0);
	T_EQ_STR(used, "EUC-JP");
	T_CHECK(strstr(text, "kenji@example.jp") != NULL);
	T_EQ_INT(slurp(fixture(EXACT "iso2022jp-notice.txt"), NULL, text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 0);
	T_EQ_STR(used, "ISO-2022-JP");
	T_CHECK(strstr(text, "\xe5\xaf\xbe\xe8\xb1\xa1: kenji@example.jp") != NULL);

	/* The Japanese starts after 200 KB of ASCII: the decision waits for it. */
	big = malloc(300 * 1024);
	T_CHECK(big != NULL);
	while (o < 200 * 1024)
		o += (size_t)sprintf(big + o, "user%06zu@example.jp\n", o);
	memcpy(big + o, "\x8e\x52\x93\x63\x81\x40\x91\xbe\x98\x59,z@example.jp\n", 25);
	o += 25;
	T_EQ_INT(slurp(write_file("late.csv", big, o), NULL, text, sizeof(text), used, &bad, &first,
		       ts_err(&err)),
		 0);
	T_EQ_STR(used, "CP932");
	T_CHECK(strstr(text, "\xe5\xb1\xb1\xe7\x94\xb0\xe3\x80\x80") != NULL);
	free(big);

	/* Invalid sequences in a declared encoding: flagged and counted by line. */
	T_EQ_INT(slurp(write_file("bad-euc.txt", "a@x.jp\n\xbb\xb3\n\xff\xfe b@x.jp\n", 18),
		       "EUC-JP", text, sizeof(text), used, &bad, &first, ts_err(&err)),
		 0);
	T_EQ_STR(used, "EUC-JP");
	T_EQ_INT(bad, 1);
	T_EQ_INT(first, 3);
	/* An unknown --encoding is refused by name. */
	T_EQ_INT(slurp(fixture(EXACT "cp1252.csv"), "klingon", text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 -EINVAL);
	T_CHECK(strstr(err.msg, "unknown encoding \"klingon\"") != NULL);
	/* Undecidable: one error naming the candidates and --encoding. */
	T_EQ_INT(slurp(fixture(EXACT "undecidable.txt"), NULL, text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 -EILSEQ);
	T_CHECK(strstr(err.msg, "cannot tell the text encoding") != NULL);
	T_CHECK(strstr(err.msg, "EUC-JP") != NULL && strstr(err.msg, "--encoding") != NULL);
	/* --encoding decides it. */
	T_EQ_INT(slurp(fixture(EXACT "undecidable.txt"), "EUC-JP", text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 0);
	T_EQ_STR(text, "\xe5\xb1\xb1\xe7\x94\xb0 sakura@example.jp\n");
}

static void test_compressors(void)
{
	static const char *const files[] = {EXACT "bare-xz.txt.xz", EXACT "bare-bz2.txt.bz2",
					    EXACT "bare-zst.txt.zst"};
	static char text[4096];
	struct bg_err err;
	char used[BG_ENC_NAME_MAX];
	const char *line;
	unsigned long bad, first;
	struct bg_input *in = NULL;
	static unsigned char raw[4096];
	size_t n;
	FILE *f;

	for (size_t i = 0; i < 3; i++) {
		T_EQ_INT(slurp(fixture(files[i]), NULL, text, sizeof(text), used, &bad, &first,
			       ts_err(&err)),
			 0);
		T_EQ_STR(text, "haru@example.jp\nsora@example.co.jp\n");
	}
	/* An xz stream cut short is an error, never a quiet end. */
	f = fopen(fixture(EXACT "bare-xz.txt.xz"), "rb");
	T_CHECK(f != NULL);
	n = f ? fread(raw, 1, sizeof(raw), f) : 0;
	if (f)
		fclose(f);
	T_EQ_INT(slurp(write_file("cut.txt.xz", raw, n - 12), NULL, text, sizeof(text), used, &bad,
		       &first, ts_err(&err)),
		 -EBADMSG);
	T_CHECK(strstr(err.msg, "cut.txt.xz: xz stream cut short or corrupt") != NULL);
	T_EQ_INT(bg_input_open(&in, fixture(EXACT "bare-zst.txt.zst"), ts_err(&err)), 0);
	T_EQ_INT(bg_input_getline(in, &line, &n, (unsigned *)&bad, NULL), 1);
	T_EQ_STR(bg_input_compression(in), "zstd");
	bg_input_close(in);
}

struct seen {
	char names[8][256];
	char formats[8][16];
	size_t n;
	struct tsink *t;
};

static int seen_member(void *arg, struct bg_input *in, int depth, struct bg_err *err)
{
	struct seen *s = arg;
	const struct bg_reader *r;
	struct bg_reader_ctx c;
	int rc;

	(void)depth;
	if (s->n < 8)
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", bg_input_name(in));
	r = bg_reader_detect(in, bg_input_name(in), err);
	if (!r)
		return -EINVAL;
	if (s->n < 8)
		snprintf(s->formats[s->n], sizeof(s->formats[0]), "%s", r->name);
	s->n++;
	bg_reader_ctx_init(&c, in, NULL, NULL, &s->t->sink);
	rc = r->read(&c);
	bg_err_copy(err, &c.err);
	return rc;
}

static int seen_book(void *arg, int fd, int kind, const char *name, struct bg_err *err)
{
	(void)kind;
	(void)arg;
	(void)fd;
	return bg_err_set(err, -ENOTSUP, "%s: workbook", name);
}

static int unpack_file(const char *path, struct seen *s, struct bg_unpack *u, struct bg_err *err)
{
	struct bg_input *in = NULL;
	int r, kind;

	memset(s, 0, sizeof(*s));
	s->t = ts_new();
	u->member = seen_member;
	u->workbook = seen_book;
	u->arg = s;
	r = bg_input_open(&in, path, err);
	if (r < 0)
		return r;
	kind = bg_archive_kind(in);
	r = kind ? bg_unpack_read(u, in, kind, 0, err) : -ENOENT;
	bg_input_close(in);
	return r;
}

static void test_archives(void)
{
	struct bg_unpack u;
	struct seen s;
	struct bg_input *in = NULL;
	struct bg_err err;
	char expect[2100];

	T_EQ_INT(bg_input_open(&in, fixture(EXACT "tar-gz.tar.gz"), ts_err(&err)), 0);
	T_EQ_INT(bg_archive_kind(in), BG_ARCHIVE_TAR);
	bg_input_close(in);
	T_EQ_INT(bg_input_open(&in, fixture(EXACT "sevenzip.7z"), ts_err(&err)), 0);
	T_EQ_INT(bg_archive_kind(in), BG_ARCHIVE_7Z);
	bg_input_close(in);
	T_EQ_INT(bg_input_open(&in, fixture("notice.txt.gz"), ts_err(&err)), 0);
	T_EQ_INT(bg_archive_kind(in), BG_ARCHIVE_NONE);
	bg_input_close(in);

	/* Members are named archive:member and detected like files. */
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "tar-xz.tar.xz"), &s, &u, ts_err(&err)), 0);
	T_EQ_INT(s.n, 2);
	snprintf(expect, sizeof(expect), "%s:a.txt", fixture(EXACT "tar-xz.tar.xz"));
	T_EQ_STR(s.names[0], expect);
	T_EQ_STR(s.formats[0], "text");
	T_EQ_STR(s.formats[1], "csv");
	T_EQ_INT(s.t->naddr, 2);
	free(s.t);

	/* A CP932 member name without the UTF-8 flag reads as Japanese. */
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "cp932-names.zip"), &s, &u, ts_err(&err)), 0);
	snprintf(expect, sizeof(expect), "%s:\xe5\x90\x8d\xe7\xb0\xbf.txt",
		 fixture(EXACT "cp932-names.zip"));
	T_EQ_STR(s.names[0], expect);
	free(s.t);

	/* A UTF-8-flagged Japanese name (7z writes the flag) reads as itself. */
	{
		char cmd[1024];
		const char *dir = scratch("u8zip");

		snprintf(
		    cmd, sizeof(cmd),
		    "mkdir -p %s && cd %s && printf 'mei@example.jp\\n' > '\xe5\x90\x8d.txt' && "
		    "7z a -bd -tzip u8.zip '\xe5\x90\x8d.txt' >/dev/null",
		    dir, dir);
		T_EQ_INT(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/u8.zip", dir);
		bg_unpack_init(&u);
		T_EQ_INT(unpack_file(cmd, &s, &u, ts_err(&err)), 0);
		snprintf(expect, sizeof(expect), "%s:\xe5\x90\x8d.txt", cmd);
		T_EQ_STR(s.names[0], expect);
		T_EQ_INT(s.t->naddr, 1);
		free(s.t);
	}

	/* Nested one level: read; the member is named through both. */
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "nested-zip.zip"), &s, &u, ts_err(&err)), 0);
	snprintf(expect, sizeof(expect), "%s:inner.zip:inner.txt", fixture(EXACT "nested-zip.zip"));
	T_EQ_STR(s.names[0], expect);
	free(s.t);
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "nested-too-deep.zip"), &s, &u, ts_err(&err)), -ELOOP);
	T_CHECK(strstr(err.msg, "nested more than 1 level deep") != NULL);
	free(s.t);

	/* Limits: members, bytes, ratio. */
	bg_unpack_init(&u);
	u.max_members = 1;
	T_EQ_INT(unpack_file(fixture(EXACT "sevenzip.7z"), &s, &u, ts_err(&err)), -EFBIG);
	T_CHECK(strstr(err.msg, "more than 1 members (limit --max-members)") != NULL);
	free(s.t);
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "zip-bomb.zip"), &s, &u, ts_err(&err)), -EFBIG);
	T_CHECK(strstr(err.msg, "zip-bomb.zip:bomb.txt: unpacks at more than 100 times") != NULL);
	free(s.t);
	bg_unpack_init(&u);
	u.max_ratio = 100000;
	u.max_bytes = 4u << 20;
	T_EQ_INT(unpack_file(fixture(EXACT "zip-bomb.zip"), &s, &u, ts_err(&err)), -EFBIG);
	T_CHECK(strstr(err.msg, "more than 4 MiB (limit --max-unpacked)") != NULL);
	free(s.t);

	/* Encrypted: no password, a wrong one, the right one. */
	bg_unpack_init(&u);
	T_EQ_INT(unpack_file(fixture(EXACT "aes.zip"), &s, &u, ts_err(&err)), -EACCES);
	T_CHECK(strstr(err.msg, "encrypted archive: give --password-file") != NULL);
	free(s.t);
	bg_unpack_init(&u);
	T_EQ_INT(bg_unpack_passwords(&u, fixture("zip-wrong-password.txt"), ts_err(&err)), 0);
	T_CHECK(unpack_file(fixture(EXACT "zipcrypto.zip"), &s, &u, ts_err(&err)) < 0);
	T_CHECK(strstr(err.msg, "zipcrypto.zip:members.txt: wrong password: none of the 1") !=
		NULL);
	bg_unpack_free(&u);
	free(s.t);
	bg_unpack_init(&u);
	T_EQ_INT(bg_unpack_passwords(&u, fixture("zip-password.txt"), ts_err(&err)), 0);
	T_EQ_INT(unpack_file(fixture(EXACT "aes.zip"), &s, &u, ts_err(&err)), 0);
	T_EQ_INT(s.t->naddr, 2);
	bg_unpack_free(&u);
	free(s.t);
	T_EQ_INT(bg_unpack_passwords(&u, fixture(""), ts_err(&err)), -EINVAL);
	T_CHECK(strstr(err.msg, "not a regular file") != NULL);
	T_EQ_INT(bg_unpack_passwords(&u, write_file("empty-pw", "\n\n", 2), ts_err(&err)), -EINVAL);
	T_CHECK(strstr(err.msg, "holds no password") != NULL);
	bg_unpack_free(&u);

	/* A zip that is a workbook goes to the workbook reader, not its parts. */
	{
		static const char ct[] = "[Content_Types].xml";
		char cmd[1024];
		const char *dir = scratch("book");

		snprintf(cmd, sizeof(cmd),
			 "mkdir -p %s/xl && cd %s && echo '<Types/>' > '%s' && "
			 "echo '<sst><si><t>a@example.jp</t></si></sst>' > xl/sharedStrings.xml && "
			 "zip -q -X book.xlsx '%s' xl/sharedStrings.xml",
			 dir, dir, ct, ct);
		T_EQ_INT(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/book.xlsx", dir);
		bg_unpack_init(&u);
		T_EQ_INT(unpack_file(cmd, &s, &u, ts_err(&err)), -ENOTSUP);
		T_CHECK(strstr(err.msg, "book.xlsx: workbook") != NULL);
		T_EQ_INT(s.n, 0);
		free(s.t);

		/* .ods: its first member, mimetype, says so. */
		snprintf(
		    cmd, sizeof(cmd),
		    "cd %s && printf application/vnd.oasis.opendocument.spreadsheet > mimetype && "
		    "echo '<x>b@example.jp</x>' > content.xml && "
		    "zip -q -X -0 book.ods mimetype && zip -q -X book.ods content.xml",
		    dir);
		T_EQ_INT(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/book.ods", dir);
		bg_unpack_init(&u);
		T_EQ_INT(unpack_file(cmd, &s, &u, ts_err(&err)), -ENOTSUP);
		T_CHECK(strstr(err.msg, "book.ods: workbook") != NULL);
		T_EQ_INT(s.n, 0);
		free(s.t);

		/* A word-processing document is no list, and said so. */
		snprintf(
		    cmd, sizeof(cmd),
		    "mkdir -p %s/word && cd %s && echo '<w>c@example.jp</w>' > word/document.xml "
		    "&& zip -q -X doc.docx '%s' word/document.xml",
		    dir, dir, ct);
		T_EQ_INT(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/doc.docx", dir);
		bg_unpack_init(&u);
		T_EQ_INT(unpack_file(cmd, &s, &u, ts_err(&err)), -EINVAL);
		T_CHECK(strstr(err.msg, "an office document") != NULL);
		T_EQ_INT(s.t->naddr, 0);
		free(s.t);
	}
}

/* A list followed by padding is text: detection does not call it binary. */
static void test_padding(void)
{
	static char buf[8192];
	struct tsink *t = ts_new();
	struct bg_err err;
	size_t o;

	o = (size_t)sprintf(buf, "a@example.jp\nb@example.jp\n");
	memset(buf + o, 0, 3000);
	o += 3000;
	for (size_t i = 0; i < 2000; i++)
		buf[o++] = (char)(i * 7919 % 251);
	T_EQ_INT(ts_run(t, NULL, write_file("padded.txt", buf, o), NULL, err.msg, sizeof(err.msg)),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_CHECK(t->ninvalid >= 1);
	free(t);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_decide);
	T_RUN(test_decode_files);
	T_RUN(test_compressors);
	T_RUN(test_archives);
	T_RUN(test_padding);
	ts_cleanup();
	return t_done("test_unpack");
}
