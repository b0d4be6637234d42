/* test_read_text.c: the free-text reader: exact addresses, invalid lines with
 * their numbers, record counts, hostile lines, gzip input, a stopping sink. */
#include "addrtok.h"
#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

static void test_notice(const char *file)
{
	static const struct {
		const char *addr;
		unsigned long line;
	} want[] = {
	    {"jane.doe@example.com", 7},    {"bob.smith@example.org", 7},
	    {"Carol.White@Example.NET", 8}, {"dave@example.com", 8},
	    {"eve+portal@example.org", 9},  {"frank@example.net", 9},
	    {"grace@example.com", 9},	    {"heidi@example.test", 10},
	    {"ivan@example.com", 11},	    {"judy@example.org", 13},
	    {"mallory@example.net", 13},    {"trent@example.com", 15},
	};
	static const unsigned long bad_lines[] = {4, 5, 14, 17};
	struct tsink *t = ts_new();
	char err[512];
	size_t i;

	T_EQ_INT(ts_run(t, &bg_reader_text, fixture(file), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < t->naddr && i < sizeof(want) / sizeof(want[0]); i++) {
		T_EQ_STR(t->addr[i], want[i].addr);
		T_EQ_INT(t->addr_line[i], want[i].line);
	}
	T_EQ_INT(t->ninvalid, 4);
	for (i = 0; i < t->ninvalid && i < 4; i++) {
		T_EQ_INT(t->invalid_line[i], bad_lines[i]);
		T_EQ_STR(t->why[i], "no address on the line");
	}
	T_EQ_INT(t->nrecord, 11);
	free(t);
}

static void notice_plain(void)
{
	test_notice("notice.txt");
}

static void notice_gzip(void)
{
	test_notice("notice.txt.gz");
}

static void test_hostile(void)
{
	struct tsink *t = ts_new();
	char err[512];

	T_EQ_INT(ts_run(t, &bg_reader_text, fixture("hostile.txt"), NULL, err, sizeof(err)), 0);
	/* Line 3's lone Latin-1 byte makes the file Windows-1252 (the input layer
	 * decodes it): "Müller <mueller@example.com>" is an address, not bad UTF-8. */
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "ok@example.com");
	T_EQ_STR(t->addr[1], "mueller@example.com");
	T_EQ_STR(t->addr[2], "also.ok@example.net");
	T_EQ_INT(t->addr_line[2], 4);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 2);
	T_EQ_STR(t->why[0], "NUL byte in the line");
	T_EQ_INT(t->nrecord, 4);
	free(t);
}

static void test_long_line(void)
{
	static char buf[200 * 1024];
	struct tsink *t = ts_new();
	char err[512];
	size_t off = 0;

	off += (size_t)sprintf(buf + off, "first@example.com\n");
	memset(buf + off, 'w', 100 * 1024);
	memcpy(buf + off + 10, " hidden@example.com ", 20);
	off += 100 * 1024;
	off += (size_t)sprintf(buf + off, "\nlast@example.org\n");
	T_EQ_INT(
	    ts_run(t, &bg_reader_text, write_file("long.txt", buf, off), NULL, err, sizeof(err)),
	    0);
	/* The line comes in pieces cut at blanks: the address before the
	 * 100 KiB token is read; the token, with no place to cut, is said. */
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[1], "hidden@example.com");
	T_EQ_INT(t->addr_line[1], 2);
	T_EQ_STR(t->addr[2], "last@example.org");
	T_EQ_INT(t->addr_line[2], 3);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 2);
	T_EQ_STR(t->why[0], "line too long");
	T_EQ_INT(t->nrecord, 3);
	free(t);
	/* A line whose first 64 KiB are blanks, its address beyond: read, not
	 * taken for a blank line (it vanished, neither read nor invalid). */
	t = ts_new();
	off = 0;
	memset(buf, ' ', 64 * 1024);
	buf[100] = '\t';
	off = 64 * 1024;
	off += (size_t)sprintf(buf + off, "hidden@example.com\nlast@example.org\n");
	T_EQ_INT(
	    ts_run(t, &bg_reader_text, write_file("blank.txt", buf, off), NULL, err, sizeof(err)),
	    0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "hidden@example.com");
	T_EQ_INT(t->addr_line[0], 1);
	T_EQ_INT(t->ninvalid, 0);
	T_EQ_INT(t->nrecord, 2);
	free(t);
}

/* An Outlook To: field or an SQL dump's extended INSERT: one line of far more
 * than 64 KiB.  Every address is read, with the line's number, as one record;
 * a comment that starts in a later piece runs to the line's end. */
static void test_huge_line(void)
{
	static char buf[400 * 1024];
	struct tsink *t = ts_new();
	size_t off = 0, i, n = 9000;
	bool all = true;

	off += (size_t)sprintf(buf + off, "head@example.jp\n");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "%s\"U %zu\" <u%zu@example.jp>", i ? "; " : "", i,
				       i);
	off += (size_t)sprintf(buf + off, " # not@example.jp\ntail@example.jp\n");
	T_CHECK(off > 3 * BG_LINE_MAX);
	T_EQ_INT(ts_run_mem(t, &bg_reader_text, buf, off, NULL), 0);
	T_EQ_INT(t->naddr, n + 2);
	T_EQ_INT(t->ninvalid, 0);
	T_EQ_INT(t->nrecord, 3);
	for (i = 1; i < TS_MAX && i <= n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "u%zu@example.jp", i - 1);
		all = all && strcmp(t->addr[i], want) == 0 && t->addr_line[i] == 2;
	}
	T_CHECK(all);
	T_EQ_STR(t->addr[TS_MAX - 1], "u254@example.jp");
	free(t);

	/* The comment begins in a later piece: nothing after it is read. */
	t = ts_new();
	off = 0;
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "%su%zu@example.jp", i ? ", " : "", i);
	off += (size_t)sprintf(buf + off, " # ");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(buf + off, "c%zu@example.jp, ", i);
	off += (size_t)sprintf(buf + off, "\nlast@example.jp\n");
	T_EQ_INT(ts_run_mem(t, &bg_reader_text, buf, off, NULL), 0);
	T_EQ_INT(t->naddr, n + 1);
	T_EQ_INT(t->ninvalid, 0);
	T_EQ_INT(t->nrecord, 2);
	T_CHECK(ts_find(t, "c0@example.jp") < 0);
	free(t);
}

static void test_shapes(void)
{
	static const char text[] = "<a@example.com>, \"B\" <b@example.org>;c@example.net\n"
				   "MAILTO:d@example.com?cc=x@example.org\n"
				   "email:e@example.com\xc2\xa0"
				   "f@example.org\n"
				   "   \t \n"
				   "g@example.com # h@example.org is in the comment\n"
				   "\"Name only\"\n"
				   "o'brien@example.net!\n";
	static const char *const want[] = {"a@example.com", "b@example.org",	  "c@example.net",
					   "d@example.com", "e@example.com",	  "f@example.org",
					   "g@example.com", "o'brien@example.net"};
	struct tsink *t = ts_new();
	char err[512];
	size_t i;

	T_EQ_INT(ts_run(t, &bg_reader_text, write_file("shapes.txt", text, sizeof(text) - 1), NULL,
			err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < t->naddr && i < sizeof(want) / sizeof(want[0]); i++)
		T_EQ_STR(t->addr[i], want[i]);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 6);
	T_EQ_INT(t->nrecord, 6);
	free(t);
}

static void test_errors(void)
{
	struct tsink *t = ts_new();
	char err[512], expect[512];

	/* A truncated .gz stops the reader with the input's message. */
	T_EQ_INT(ts_run(t, &bg_reader_text, fixture("truncated.txt.gz"), NULL, err, sizeof(err)),
		 -EBADMSG);
	snprintf(expect, sizeof(expect), "%s: gzip stream cut short (unexpected end of file)",
		 fixture("truncated.txt.gz"));
	T_EQ_STR(err, expect);
	/* The reader looks at its head first (bg_combo_sep), as the format's
	 * sniffing does: a stream cut in its first 64 KiB stops it before a
	 * line, and the import writes nothing either way. */
	T_EQ_INT(t->naddr, 0);
	free(t);

	/* The sink's refusal stops the reader with its errno. */
	t = ts_new();
	t->stop_after = 3;
	T_EQ_INT(ts_run(t, &bg_reader_text, fixture("notice.txt"), NULL, err, sizeof(err)),
		 -ECANCELED);
	T_EQ_INT(t->naddr, 3);
	free(t);

	/* Empty input through the reader itself: nothing, no error. */
	t = ts_new();
	T_EQ_INT(ts_run(t, &bg_reader_text, write_file("empty", "", 0), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr + t->ninvalid + t->nrecord, 0);
	free(t);
}

/* A combolist with '|', ';', ',' or a tab: its passwords are neither stored
 * nor shown, even one with an '@' that reads as an address; a list of address
 * pairs, or a short one, is not one, but a non-address after an address and a
 * glued separator is reported without its text. */
static void test_combolist(void)
{
	static const char seps[] = "|;,\t";
	static const char *const pairs = "a@example.jp;b@example.jp\nc@example.jp;d@example.jp\n";
	char text[512];
	struct tsink *t;
	bool field;

	for (size_t i = 0; i < sizeof(seps) - 1; i++) {
		char c = seps[i];

		snprintf(text, sizeof(text),
			 "taro@example.jp%chunter2\nhanako@example.jp%cS3cret@home.com\n"
			 "jiro@example.jp%cqwerty\nsaburo@example.jp%cletmein!\n",
			 c, c, c, c);
		T_EQ_INT(bg_combo_sep(text, strlen(text), &field), c);
		T_CHECK(!field);
		t = ts_new();
		T_EQ_INT(ts_run_str(t, &bg_reader_text, text, NULL), 0);
		T_EQ_INT(t->naddr, 4);
		T_CHECK(ts_find(t, "s3cret@home.com") < 0 && ts_find(t, "S3cret@home.com") < 0);
		T_EQ_INT(t->ninvalid, 1);
		T_EQ_INT(t->invalid_line[0], 2);
		T_CHECK(strstr(t->text[0], "S3cret") == NULL);
		free(t);
	}
	T_EQ_INT(bg_combo_sep(pairs, strlen(pairs), &field), 0);
	T_EQ_INT(bg_combo_sep("taro@example.jp|hunter2\n", 24, &field), 0);
	/* A third field with addresses: the password is its field only. */
	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_text,
			    "a@example.jp|hunter2|boss@example.jp\nb@example.jp|p@ss.jp|x\n"
			    "c@example.jp|qwerty|y\n",
			    NULL),
		 0);
	T_EQ_INT(t->naddr, 4);
	T_CHECK(ts_find(t, "boss@example.jp") >= 0 && ts_find(t, "p@ss.jp") < 0);
	free(t);
	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_text, pairs, NULL), 0);
	T_EQ_INT(t->naddr, 4);
	free(t);
	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_text, "taro@example.jp|P@ss.w0rd\n", NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->ninvalid, 1);
	T_CHECK(strstr(t->text[0], "P@ss") == NULL);
	free(t);
}

/* An SQL dump: its statements without an address are no records and no
 * invalid lines; the password column's values are not read (sqlmask.c). */
static void test_sql_dump(void)
{
	static const char dump[] =
	    "-- MySQL dump 10.13\n"
	    "DROP TABLE IF EXISTS `users`;\n"
	    "CREATE TABLE `users` (\n"
	    "  `id` int(11) NOT NULL,\n"
	    "  `email` varchar(255) NOT NULL,\n"
	    "  `password` varchar(255) DEFAULT NULL,\n"
	    "  PRIMARY KEY (`id`)\n"
	    ") ENGINE=InnoDB;\n"
	    "INSERT INTO `users` VALUES "
	    "(1,'taro@example.jp','P@ssw0rd.jp'),(2,'hanako@example.jp','x');\n"
	    "UNLOCK TABLES;\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_text, dump, NULL), 0);
	T_EQ_INT(t->naddr, 2);
	T_CHECK(ts_find(t, "taro@example.jp") >= 0 && ts_find(t, "hanako@example.jp") >= 0);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 9);
	T_CHECK(strstr(t->text[0], "P@ss") == NULL);
	T_EQ_INT(t->nrecord, 1);
	free(t);
}

static void test_probe(void)
{
	T_CHECK(bg_reader_text.probe("a@example.com\n", 14, "-") > 30);
	T_CHECK(bg_reader_text.probe("hello\n", 6, "-") < 30);
	T_CHECK(bg_reader_text.probe("", 0, "x.txt") > 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(notice_plain);
	T_RUN(notice_gzip);
	T_RUN(test_hostile);
	T_RUN(test_long_line);
	T_RUN(test_huge_line);
	T_RUN(test_shapes);
	T_RUN(test_errors);
	T_RUN(test_combolist);
	T_RUN(test_sql_dump);
	T_RUN(test_probe);
	ts_cleanup();
	return t_done("test_read_text");
}
