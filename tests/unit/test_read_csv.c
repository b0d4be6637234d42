/* test_read_csv.c: the CSV reader: quoting, delimiters, headers, --column, bounded
 * records, hostile cells, unterminated quotes; exact counts and line numbers. */
#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

static int run_text(struct tsink *t, const char *name, const char *text, const char *column,
		    char *err, size_t errlen)
{
	struct bg_read_opts o;

	memset(&o, 0, sizeof(o));
	o.column = column;
	return ts_run(t, &bg_reader_csv, write_file(name, text, strlen(text)), &o, err, errlen);
}

static void test_contacts(void)
{
	struct tsink *t = ts_new();
	char err[512];

	T_EQ_INT(ts_run(t, NULL, fixture("contacts.csv"), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 4);
	T_EQ_STR(t->addr[0], "jane.doe@example.com");
	T_EQ_INT(t->addr_line[0], 2);
	T_EQ_STR(t->addr[1], "bob.smith@example.org");
	T_EQ_STR(t->addr[2], "carol.white@example.net");
	T_EQ_INT(t->addr_line[2], 4);
	T_EQ_STR(t->addr[3], "eve@example.org");
	T_EQ_INT(t->addr_line[3], 7);
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_INT(t->invalid_line[0], 6);
	T_EQ_STR(t->why[0], "no address in column \"E-mail\"");
	T_EQ_INT(t->invalid_line[1], 9);
	T_EQ_INT(t->nrecord, 6);
	free(t);
}

static void test_fixtures(void)
{
	struct tsink *t = ts_new();
	char err[512], expect[512];

	T_EQ_INT(ts_run(t, NULL, fixture("people.tsv"), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "jane@example.com");
	T_EQ_STR(t->addr[1], "bob@example.org");
	T_EQ_INT(t->addr_line[1], 3);
	T_EQ_INT(t->nrecord, 2);
	T_EQ_INT(t->ninvalid, 0);
	free(t);

	/* ';' with decimal commas, Latin-1 names, CRLF and ";;;" tail rows. */
	t = ts_new();
	T_EQ_INT(ts_run(t, NULL, fixture("excel-fr.csv"), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "jean.dupont@example.com");
	T_EQ_STR(t->addr[1], "helene.martin@example.org");
	T_EQ_INT(t->addr_line[1], 3);
	T_EQ_STR(t->addr[2], "luc.bernard@example.net");
	T_EQ_INT(t->ninvalid, 0);
	T_EQ_INT(t->nrecord, 3);
	free(t);

	t = ts_new();
	T_EQ_INT(ts_run(t, NULL, fixture("unicode-export.csv"), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "zoe@example.com");
	T_EQ_STR(t->addr[1], "li.wei@example.org");
	T_EQ_INT(t->addr_line[1], 3);
	T_EQ_INT(t->nrecord, 2);
	free(t);

	t = ts_new();
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("unterminated.csv"), NULL, err, sizeof(err)),
		 -EBADMSG);
	snprintf(expect, sizeof(expect), "%s: unterminated quoted field opened at line 3",
		 fixture("unterminated.csv"));
	T_EQ_STR(err, expect);
	free(t);

	t = ts_new();
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("truncated.txt.gz"), NULL, err, sizeof(err)),
		 -EBADMSG);
	T_CHECK(strstr(err, "gzip stream cut short") != NULL);
	free(t);
}

static void test_column(void)
{
	struct tsink *t;
	char err[512], expect[512];
	struct bg_read_opts o;
	static const char *const bad[] = {"0", "-1", "2x", "99999", " 2"};
	size_t i;

	memset(&o, 0, sizeof(o));
	t = ts_new();
	o.column = "3";
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("contacts.csv"), &o, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 0);
	/* Six rows without an address in Department, four addresses in E-mail
	 * noted: none of them left out unsaid. */
	T_EQ_INT(t->ninvalid, 10);
	T_EQ_STR(t->why[0], "no address in column \"Department\"");
	T_EQ_STR(
	    t->why[1],
	    "an address in column \"E-mail\", not imported: this table's "
	    "addresses are read from column 3 (--column chooses, once for each column to read)");
	T_EQ_INT(t->nrecord, 6);
	free(t);

	t = ts_new();
	o.column = " e-MAIL";
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("contacts.csv"), &o, err, sizeof(err)), -EINVAL);
	free(t);

	t = ts_new();
	o.column = "e-MAIL";
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("contacts.csv"), &o, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 4);
	free(t);

	t = ts_new();
	o.column = "Email Address";
	T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("contacts.csv"), &o, err, sizeof(err)), -EINVAL);
	snprintf(expect, sizeof(expect),
		 "%s: no column \"Email Address\"; the header has: \"Name\", \"E-mail\", "
		 "\"Department\", \"Notes\"",
		 fixture("contacts.csv"));
	T_EQ_STR(err, expect);
	T_EQ_INT(t->naddr + t->nrecord, 0);
	free(t);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = ts_new();
		o.column = bad[i];
		T_EQ_INT(ts_run(t, &bg_reader_csv, fixture("contacts.csv"), &o, err, sizeof(err)),
			 -EINVAL);
		T_CHECK(strstr(err, "a column number from 1 to") != NULL || bad[i][0] == ' ');
		free(t);
	}

	/* A plain index on a header-less file: no row is skipped. */
	t = ts_new();
	T_EQ_INT(
	    run_text(t, "idx.csv", "x,a@example.com\ny,b@example.org\n", "2", err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_INT(t->addr_line[0], 1);
	free(t);
}

static void test_headers(void)
{
	struct tsink *t;
	char err[512];

	/* No header: the first column holding '@'. */
	t = ts_new();
	T_EQ_INT(run_text(t, "nohdr.csv",
			  "Jane,jane@example.com,1\nBob,bob@example.org,2\n\nCarl,,3\n", NULL, err,
			  sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_INT(t->addr_line[0], 1);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 4);
	T_EQ_STR(t->why[0], "no address in column 2");
	T_EQ_INT(t->nrecord, 3);
	free(t);

	/* A header no name list knows: the first row has no '@', the others do. */
	t = ts_new();
	T_EQ_INT(run_text(t, "hdr.csv", "Full name;Contact\nJane;jane@example.com\n", NULL, err,
			  sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->addr_line[0], 2);
	T_EQ_INT(t->nrecord, 1);
	T_EQ_INT(t->ninvalid, 0);
	free(t);

	/* Name ranking: "Login" loses to "Courriel". */
	t = ts_new();
	T_EQ_INT(run_text(t, "rank.csv", "Login,Courriel\njdoe,jane@example.com\n", NULL, err,
			  sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "jane@example.com");
	free(t);

	/* Excel's "sep=" line names the delimiter. */
	t = ts_new();
	T_EQ_INT(run_text(t, "sep.csv", "sep=|\r\nname|mail\r\nJ, K|j@example.com\r\n", NULL, err,
			  sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->addr_line[0], 3);
	T_EQ_INT(t->nrecord, 1);
	free(t);

	/* Japanese headers, matched after NFKC and case folding: the address column
	 * is the named one even when the name column comes first, and an address in
	 * a later row of another column does not move it. */
	t = ts_new();
	T_EQ_INT(run_text(t, "ja.csv",
			  "氏名,メールアドレス（会社）,部署\n山田 太郎,taro@example.jp,営業\n"
			  "鈴木,,x@example.org\n",
			  NULL, err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_STR(t->why[0], "no address in column \"メールアドレス（会社）\"");
	/* The other column's address is not read, and not left out unsaid. */
	T_EQ_STR(
	    t->why[1],
	    "an address in column \"部署\", not imported: this table's "
	    "addresses are read from column 2 (--column chooses, once for each column to read)");
	free(t);
	t = ts_new();
	T_EQ_INT(run_text(t, "ja2.csv", "名前,ＭＡＩＬ\n佐藤,hanako@example.co.jp\n", NULL, err,
			  sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->addr_line[0], 2);
	free(t);
	/* --column by name, full-width and case folded like the header. */
	t = ts_new();
	T_EQ_INT(run_text(t, "ja3.csv", "名前,Ｅメール\n佐藤,hanako@example.co.jp\n", "eメール",
			  err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	free(t);
	/* A header row more than twenty rows long before the data is still found:
	 * blank rows are not held back. */
	{
		char text[512];
		size_t o = (size_t)snprintf(text, sizeof(text), "login,mail\n");

		for (int i = 0; i < 25; i++)
			text[o++] = '\n';
		snprintf(text + o, sizeof(text) - o, "u1,u1@example.org\n");
		t = ts_new();
		T_EQ_INT(run_text(t, "blank.csv", text, NULL, err, sizeof(err)), 0);
		T_EQ_INT(t->naddr, 1);
		T_EQ_INT(t->addr_line[0], 27);
		T_EQ_INT(t->nrecord, 1);
		free(t);
	}

	/* Title rows above the header, as notices' workbooks have them: the header
	 * is the first row naming a column before the addresses, the title rows are
	 * no records; without an address to come, nothing is skipped. */
	t = ts_new();
	T_EQ_INT(
	    run_text(t, "title.csv",
		     "対象者一覧,\n作成日 2021-05-26,\n氏名,メールアドレス\n山田,taro@example.jp\n"
		     "鈴木,\n",
		     NULL, err, sizeof(err)),
	    0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->addr_line[0], 4);
	T_EQ_INT(t->nrecord, 2);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_STR(t->why[0], "no address in column \"メールアドレス\"");
	free(t);
	t = ts_new();
	T_EQ_INT(run_text(t, "title2.csv", "一覧,\n名前,Ｅメール\n佐藤,hanako@example.co.jp\n",
			  "eメール", err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->nrecord, 1);
	free(t);
	t = ts_new();
	T_EQ_INT(
	    run_text(t, "users.csv", "alice,1\nbob,2\nuser,3\ncarol,4\n", NULL, err, sizeof(err)),
	    0);
	T_EQ_INT(t->naddr, 0);
	T_EQ_INT(t->nrecord, 4);
	T_EQ_INT(t->ninvalid, 4);
	free(t);

	/* A comma inside a name must not win over the real ';'. */
	t = ts_new();
	T_EQ_INT(run_text(t, "mixed.csv",
			  "Doe, Jane;jane@example.com\nRoe, Rick;rick@example.org\n"
			  "Poe, Edgar;edgar@example.net\n",
			  NULL, err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[2], "edgar@example.net");
	free(t);
}

static void test_cells(void)
{
	struct tsink *t;
	char err[512];

	/* ="..." (Excel's text-keeping formula), raw and CSV-quoted; "=a@x" and a
	 * quote inside are no such formula. */
	t = ts_new();
	T_EQ_INT(run_text(t, "formula.csv",
			  "name,email\n"
			  "A,=\"a@example.com\"\n"
			  "B,\"=\"\"b@example.com\"\"\"\n"
			  "C,=\"c@exa\"mple.com\"\n",
			  NULL, err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "a@example.com");
	T_EQ_STR(t->addr[1], "b@example.com");
	T_EQ_INT(t->ninvalid, 1);
	free(t);

	t = ts_new();
	T_EQ_INT(run_text(t, "cells.csv",
			  "name,email\n"
			  "Pair,\"a@example.com; <b@example.org>\"\n"
			  "N\xfcl,c\x01@example.net\n",
			  NULL, err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "a@example.com");
	T_EQ_STR(t->addr[1], "b@example.org");
	/* A control character glued inside is refused, never cut out (addrtok.c). */
	T_EQ_INT(t->ninvalid, 1);
	free(t);

	/* NUL and bad UTF-8 in the address cell are reported; elsewhere they are not. */
	{
		static const char text[] = "email,name\n"
					   "ok@example.com,M\xfcller\n"
					   "m\xfc@example.org,M\xfcller\n"
					   "nul\0x@example.net,Nobody\n"
					   "fine@example.net,N\0body\n"
					   "  \"  spaced@example.com \"  ,x\n"
					   "short\n";

		t = ts_new();
		T_EQ_INT(ts_run(t, &bg_reader_csv,
				write_file("hostile.csv", text, sizeof(text) - 1), NULL, err,
				sizeof(err)),
			 0);
		/* Lone Latin-1 bytes: the input layer reads the file as Windows-1252,
		 * so line 3 holds the address "mü@example.org" (bad UTF-8 itself is
		 * tested below with a UTF-8 file). */
		T_EQ_INT(t->naddr, 4);
		T_EQ_STR(t->addr[0], "ok@example.com");
		T_EQ_STR(t->addr[1], "m\xc3\xbc@example.org");
		T_EQ_STR(t->addr[2], "fine@example.net");
		T_EQ_STR(t->addr[3], "spaced@example.com");
		T_EQ_INT(t->ninvalid, 2);
		T_EQ_INT(t->invalid_line[0], 4);
		T_EQ_STR(t->why[0], "NUL byte in the address");
		T_EQ_INT(t->invalid_line[1], 7);
		T_EQ_STR(t->why[1], "no address in column \"email\"");
		T_EQ_INT(t->nrecord, 6);
		free(t);
	}
	/* A UTF-8 file (its names say so) with one broken byte in an address. */
	{
		static const char text[] = "email,name\n"
					   "ok@example.com,M\xc3\xbcller \xe5\xb1\xb1\xe7\x94\xb0\n"
					   "m\xfc@example.org,M\xc3\xbcller\n";

		t = ts_new();
		T_EQ_INT(ts_run(t, &bg_reader_csv,
				write_file("bad-utf8.csv", text, sizeof(text) - 1), NULL, err,
				sizeof(err)),
			 0);
		T_EQ_INT(t->naddr, 1);
		T_EQ_INT(t->ninvalid, 1);
		T_EQ_INT(t->invalid_line[0], 3);
		T_EQ_STR(t->why[0], "invalid UTF-8 in the address");
		free(t);
	}
}

static void test_bounds(void)
{
	static char buf[700 * 1024];
	struct tsink *t;
	char err[512];
	size_t off = 0;
	int i;

	/* A quoted field over five lines of 60 KB: too long, reported at its start. */
	off += (size_t)sprintf(buf + off, "email,note\nfirst@example.com,\"");
	for (i = 0; i < 5; i++) {
		memset(buf + off, 'n', 60 * 1024);
		off += 60 * 1024;
		buf[off++] = '\n';
	}
	off += (size_t)sprintf(buf + off, "end\"\nafter@example.org,x\n");
	/* One physical line past BG_LINE_MAX: cut, reported, the next row is fine. */
	off += (size_t)sprintf(buf + off, "long@example.com,\"");
	memset(buf + off, 'z', 100 * 1024);
	off += 100 * 1024;
	off += (size_t)sprintf(buf + off, "\"\nlast@example.net,y\n");
	t = ts_new();
	T_EQ_INT(ts_run(t, &bg_reader_csv, write_file("big.csv", buf, off), NULL, err, sizeof(err)),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "after@example.org");
	T_EQ_INT(t->addr_line[0], 8);
	T_EQ_STR(t->addr[1], "last@example.net");
	T_EQ_INT(t->addr_line[1], 10);
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_INT(t->invalid_line[0], 2);
	T_EQ_STR(t->why[0], "record too long");
	T_EQ_INT(t->invalid_line[1], 9);
	T_EQ_STR(t->why[1], "record too long");
	T_EQ_INT(t->nrecord, 4);
	free(t);

	/* Many columns: those past the kept ones cost nothing and break nothing. */
	off = 0;
	for (i = 0; i < 3000; i++)
		buf[off++] = ',';
	off += (size_t)sprintf(buf + off, "\na@example.com");
	for (i = 0; i < 3000; i++)
		buf[off++] = ',';
	buf[off++] = '\n';
	t = ts_new();
	T_EQ_INT(
	    ts_run(t, &bg_reader_csv, write_file("wide.csv", buf, off), NULL, err, sizeof(err)), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->addr_line[0], 2);
	free(t);
}

static void test_probe(void)
{
	static const char semi[] = "a;b;c\n1;x@example.com;3\n4;y@example.org;6\n";
	static const char prose[] = "Dear all,\nplease reset: x@example.com\nThanks, Bob\n";

	T_EQ_INT(bg_reader_csv.probe("", 0, "list.csv"), 80);
	T_EQ_INT(bg_reader_csv.probe("", 0, "list.TSV"), 85);
	T_CHECK(bg_reader_csv.probe(semi, sizeof(semi) - 1, "-") >= 60);
	T_CHECK(bg_reader_csv.probe(prose, sizeof(prose) - 1, "-") <
		bg_reader_text.probe(prose, sizeof(prose) - 1, "-"));
	T_EQ_INT(bg_reader_csv.probe("sep=;\n", 6, "-"), 90);
}

/* A header naming an address column makes a table of two rows (a short
 * combolist with its header): never text, whose tokens would take the
 * password column's "p@ss.jp" for an address.  The password is never shown. */
static void test_named_header(void)
{
	static const char tab[] = "email\tpassword\ntaro@example.jp\tp@ss.jp\n";
	static const char pipe[] = "\xef\xbb\xbf\"Name\" | \"E-mail\"\nTaro | taro@example.jp\n";
	static const char one[] = "Email\ntaro@example.jp\n";
	static const char said[] = "email, taro@example.jp\nfoo\n";
	static const char prose[] = "Hello, email me at\ntaro@example.jp\n";
	static const char prose2[] = "Hello all, please check your email\ntaro@example.jp\n";
	struct tsink *t;

	T_EQ_INT(bg_reader_csv.probe(tab, sizeof(tab) - 1, "-"), 90);
	T_EQ_INT(bg_reader_csv.probe(pipe, sizeof(pipe) - 1, "-"), 90);
	T_CHECK(bg_reader_csv.probe(one, sizeof(one) - 1, "-") < 90);
	T_CHECK(bg_reader_csv.probe(said, sizeof(said) - 1, "-") < 90);
	T_CHECK(bg_reader_csv.probe(prose, sizeof(prose) - 1, "-") < 90);
	T_CHECK(bg_reader_csv.probe(prose2, sizeof(prose2) - 1, "-") < 90);
	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->ninvalid, 1);
	T_CHECK(strstr(t->why[0], "column \"password\"") != NULL);
	T_CHECK(strstr(t->text[0], "p@ss") == NULL);
	free(t);
}

/* A table without a header whose second column is mostly not addresses (a
 * combolist's passwords): its one cell with an '@' is said with its line,
 * never shown, never stored. */
static void test_unnamed_password_column(void)
{
	static const char tab[] = "taro@example.jp;hunter2\nhanako@example.jp;S3cret@home.com\n"
				  "jiro@example.jp;qwerty\nsaburo@example.jp;letmein\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, NULL), 0);
	T_EQ_INT(t->naddr, 4);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 2);
	T_CHECK(strstr(t->text[0], "S3cret") == NULL);
	free(t);
}

/* A Chinese header the table knows (邮箱地址), a password column under a name
 * of its own language (口令): the addresses read, the password neither
 * stored nor shown, and no note shows a row whole. */
static void test_cjk_header_password(void)
{
	static const char tab[] =
	    "用户名,邮箱地址,口令\nzhang,zhang@example.com,hunter2@example.com\n"
	    "li,,Hunter2xyz\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "zhang@example.com");
	T_EQ_INT(t->ninvalid, 2);
	for (size_t i = 0; i < t->ninvalid && i < 2; i++)
		T_CHECK(strstr(t->text[i], "hunter2") == NULL &&
			strstr(t->text[i], "Hunter2") == NULL);
	free(t);
}

/* A W3C log's "#Fields:" line ends a block of directives anywhere in the
 * head: after more than 64 of them, after a row of a log cut at its start;
 * never after a row or a comment alone (a table's "#Fields: a" is data). */
static void test_w3c_fields(void)
{
	static const char cut[] =
	    "2024-03-01 x@example.jp\n#Version: 1.0\n#Fields: date cs-username\n";
	static const char bare[] = "a,b\n#Fields: date,cs-username\n";
	static const char comment[] = "# a list\n#Fields: date cs-username\n";
	char big[70 * 16 + 64], delim = 0;
	size_t o = 0;

	for (int i = 0; i < 70; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "#Remark: %d\n", i);
	o += (size_t)snprintf(big + o, sizeof(big) - o, "#Fields: date,cs-username\n");
	T_EQ_INT(bg_w3c_fields(big, o, &delim), 71);
	T_EQ_INT(delim, ',');
	T_EQ_INT(bg_w3c_fields(cut, sizeof(cut) - 1, &delim), 3);
	T_EQ_INT(delim, ' ');
	T_EQ_INT(bg_w3c_fields(bare, sizeof(bare) - 1, &delim), 0);
	T_EQ_INT(bg_w3c_fields(comment, sizeof(comment) - 1, &delim), 0);
	T_EQ_INT(bg_w3c_fields("#Fields: \n", 10, &delim), 0);
}

/* An alias column read entry by entry: SMTP entries and untyped text read,
 * SIP:/SPO:/EUM:/X500:/X400: entries one note with their total, the untyped
 * address after an X500: name read, an X500: name holding an '@' said on its
 * own; with --column naming another column, the
 * alias column is one note at the header and no note on any row. */
static void test_alias_entries(void)
{
	static const char tab[] =
	    "mail,proxyAddresses\n"
	    "a@example.jp,\"SMTP:a@example.jp;sip:a.sip@example.jp;SPO:SPO_1@SPO_2;b@example.jp\"\n"
	    "c@example.jp,EUM:c.um@example.jp;phone-context=dp X500:/o=X/cn=d d@example.jp\n";
	struct bg_read_opts o;
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, NULL), 0);
	T_EQ_INT(t->naddr, 5);
	T_EQ_STR(t->addr[2], "b@example.jp");
	T_EQ_STR(t->addr[4], "d@example.jp");
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 2);
	T_CHECK(strstr(t->why[0], "4 alias entries") != NULL);
	T_EQ_STR(t->text[0], "sip:a.sip@example.jp");
	free(t);

	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_csv,
			    "mail,proxyAddresses\n"
			    "e@example.jp,\"SMTP:e@example.jp X500:/o=X/ou=A B/cn=e@example.jp\"\n",
			    NULL),
		 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_INT(t->ninvalid, 1);
	T_CHECK(strstr(t->why[0], "X500:/X400: alias entry") != NULL);
	T_EQ_STR(t->text[0], "X500:/o=X/ou=A B/cn=e@example.jp");
	free(t);

	memset(&o, 0, sizeof(o));
	o.column = "mail";
	t = ts_new();
	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, &o), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 1);
	T_CHECK(strstr(t->why[0], "--column proxyAddresses") != NULL);
	free(t);
}

/* A '?' an ASCII export wrote for a character of an address: that word is
 * one note, shown, the cell's other addresses read; a URL's "?mail=" and a
 * name's '?' are not it. */
static void test_mangled_address(void)
{
	static const char tab[] = "name,mail\n"
				  "\"?? ??\",\"a@example.jp; ??@example.jp, b@m?ller.example\"\n"
				  "\"M?ller\",c@example.jp\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_csv, tab, NULL), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "a@example.jp");
	T_EQ_STR(t->addr[1], "c@example.jp");
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_STR(t->text[0], "??@example.jp");
	T_EQ_STR(t->text[1], "b@m?ller.example");
	T_CHECK(strstr(t->why[0], "encoding without it") != NULL);
	free(t);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_contacts);
	T_RUN(test_fixtures);
	T_RUN(test_column);
	T_RUN(test_headers);
	T_RUN(test_cells);
	T_RUN(test_bounds);
	T_RUN(test_probe);
	T_RUN(test_named_header);
	T_RUN(test_unnamed_password_column);
	T_RUN(test_cjk_header_password);
	T_RUN(test_w3c_fields);
	T_RUN(test_alias_entries);
	T_RUN(test_mangled_address);
	ts_cleanup();
	return t_done("test_read_csv");
}
