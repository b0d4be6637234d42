/* test_read_eml.c: the e-mail reader on realistic notices (a breach notice with
 * the list in a quoted-printable body and a base64 CSV attachment, an mbox of
 * two messages, a windows-1252 part) and on broken ones (truncated base64, an
 * unterminated multipart, unknown charsets).  Header addresses must never come
 * out.  Run from the source root. */
#include <errno.h>
#include <stdlib.h>

#include "eml_html.h"
#include "tsink.h"
#include "t.h"

#define FIX "tests/fixtures/eml/"

static struct tsink r;

static void t_notice(void)
{
	static const char *const never[] = {"bounces@vendor.example.net",
					    "admin@example.org",
					    "security@vendor.example.net",
					    "ciso@example.org",
					    "legal@example.org",
					    "incident-response@vendor.example.net",
					    "preamble@example.org",
					    "epilogue@example.org",
					    "ir@vendor.example.net",
					    "henry@example.org",
					    NULL};

	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "breach_notice.eml", NULL), 0);
	T_EQ_INT(r.naddr, 10);
	T_EQ_STR(r.addr[0], "alice@example.org");
	T_EQ_INT(r.addr_line[0], 31);
	T_EQ_STR(r.addr[1], "bob.smith@example.org");
	T_EQ_STR(r.addr[2], "carol@example.org");
	T_EQ_INT(r.addr_line[2], 32);
	T_EQ_STR(r.addr[3], "dave@example.org"); /* =40 decoded */
	T_EQ_INT(r.addr_line[3], 33);
	/* joined across a soft line break; the line it began on */
	T_EQ_STR(r.addr[4], "a-very-long-local-part-with-a-soft-line-break@example.org");
	T_EQ_INT(r.addr_line[4], 34);
	/* the HTML alternative is read too (its addresses, duplicates here) */
	T_EQ_STR(r.addr[5], "alice@example.org");
	T_EQ_INT(r.addr_line[5], 51);
	T_EQ_STR(r.addr[6], "bob.smith@example.org");
	T_EQ_INT(r.addr_line[6], 51);
	/* the CSV attachment, through the CSV reader, lines in the message file */
	T_EQ_STR(r.addr[7], "erin@example.org");
	T_EQ_INT(r.addr_line[7], 62);
	T_EQ_STR(r.addr[8], "frank@example.org");
	T_EQ_INT(r.addr_line[8], 63);
	T_EQ_STR(r.addr[9], "grace@example.org");
	T_EQ_INT(r.addr_line[9], 65);
	T_EQ_INT(r.nrecord, 9); /* 4 body lines, the HTML twin's line, 4 CSV rows */
	T_EQ_INT(r.ninvalid, 4);
	T_EQ_STR(r.why[0], "quoted mail header: its addresses are not imported");
	T_EQ_INT(r.invalid_line[0], 40);
	T_EQ_STR(r.why[1], "signature: its addresses are not imported");
	T_EQ_INT(r.invalid_line[1], 46);
	T_CHECK(strncmp(r.why[2], "no address in column", 20) == 0);
	T_EQ_INT(r.invalid_line[2], 64);
	/* Attachments are read by content: this one is refused as what it is. */
	T_EQ_STR(r.why[3], "attachment incident-report.pdf (application/pdf) skipped: looks like a "
			   "PDF document; export the list as text or CSV");
	T_EQ_INT(r.invalid_line[3], 65);
	for (int i = 0; never[i]; i++)
		T_EQ_INT(ts_find(&r, never[i]), -1);
}

static void t_mbox(void)
{
	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "two.mbox", NULL), 0);
	T_EQ_INT(r.naddr, 7);
	T_EQ_STR(r.addr[0], "kim@example.net");
	T_EQ_INT(r.addr_line[0], 7);
	T_EQ_STR(r.addr[1], "lee@example.net");
	T_EQ_INT(r.addr_line[1], 8);
	/* message 2: HTML; style, script and comments skipped, link and text one */
	T_EQ_STR(r.addr[2], "nina@example.net");
	T_EQ_INT(r.addr_line[2], 21);
	T_EQ_STR(r.addr[3], "oscar@example.net");
	T_EQ_STR(r.addr[4], "pat@example.net");
	T_EQ_INT(r.addr_line[4], 22);
	T_EQ_STR(r.addr[5], "quinn@example.net");
	T_EQ_STR(r.addr[6], "ruth@example.net");
	T_EQ_INT(r.addr_line[6], 23);
	T_EQ_INT(r.nrecord, 5);
	T_EQ_INT(r.ninvalid, 0);
	T_EQ_INT(ts_find(&r, "security@vendor.example.net"), -1);
}

static void t_charsets(void)
{
	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "win1252.eml", NULL), 0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[0], "j\xc3\xbcrgen@example.com"); /* curly quotes trimmed */
	T_EQ_INT(r.addr_line[0], 11);
	T_EQ_STR(r.addr[1], "zoe@example.com");
	T_EQ_STR(r.addr[2], "rene@example.com");
	T_EQ_INT(r.addr_line[2], 12);
	T_EQ_INT(r.nrecord, 2);
	T_EQ_INT(r.ninvalid, 0);

	/* an unknown charset: the encoding is detected as without a label, noted once */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Subject: x\nContent-Type: text/plain; charset=x-klingon\n\n"
			    "kahless@example.org\nworf@example.org\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "unknown charset, the encoding is detected instead");
	T_EQ_INT(r.invalid_line[0], 4);

	/* UTF-16 in base64: lines = first body line + decoded offset */
	T_EQ_INT(
	    ts_run_str(&r, &bg_reader_eml,
		       "Subject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-16\n"
		       "Content-Transfer-Encoding: base64\n\n"
		       "//5hAEAAZQB4AGEAbQBwAGwAZQAuAG8AcgBnAA0ACgBiAEAAZQB4AGEAbQBwAGwAZQAuAG8A\n"
		       "cgBnAA0ACgDpAEAAZQB4AGEAbQBwAGwAZQAuAG8AcgBnAA0ACgA=\n",
		       NULL),
	    0);
	T_EQ_INT(r.naddr, 3);
	T_EQ_STR(r.addr[0], "a@example.org");
	T_EQ_INT(r.addr_line[0], 6);
	T_EQ_STR(r.addr[1], "b@example.org");
	T_EQ_INT(r.addr_line[1], 7);
	T_EQ_STR(r.addr[2], "\xc3\xa9@example.org");
	T_EQ_INT(r.addr_line[2], 8);
	T_EQ_INT(r.ninvalid, 0);

	/* bytes invalid in the charset: replaced, noted once */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Content-Type: text/plain; charset=utf-16le\n"
			    "Content-Transfer-Encoding: base64\n\n"
			    "YQBAAGIALgBvAHIAZwAKAADYYQBAAGMALgBvAHIAZwAKAA==\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 1);
	T_EQ_STR(r.addr[0], "a@b.org");
	/* The replacement character glued to "a@c.org" makes it no address. */
	T_EQ_INT(r.ninvalid, 2);
	T_EQ_STR(r.why[0], "bytes not valid in the part's charset (replaced)");
	T_CHECK(strstr(r.why[1], "glued") != NULL);
}

static void t_broken(void)
{
	/* Truncated base64 is corrupt data: the import fails, naming file, line, part. */
	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "truncated_b64.eml", NULL), -EBADMSG);
	T_CHECK(strstr(r.err, "truncated_b64.eml: line 16: base64 part list.txt truncated "
			      "(no padding at its end)") != NULL);

	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "unterminated.eml", NULL), 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "xavier@example.org");
	T_EQ_STR(r.addr[1], "yvonne@example.org");
	T_EQ_INT(r.addr_line[1], 17);
	T_EQ_INT(r.nrecord, 2);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0],
		 "multipart never closed (no \"--in--\" line): the message may be truncated");
	T_EQ_INT(r.invalid_line[0], 8);

	/* a character outside the base64 alphabet: skipped, noted once */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
			    "YUBi!LmV4YW1w*bGUK\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 1);
	T_EQ_STR(r.addr[0], "a@b.example");
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "invalid base64 character (skipped)");
	T_EQ_INT(r.invalid_line[0], 4);

	/* no boundary, an unknown transfer encoding, a line past 64 KiB */
	{
		size_t n = 70 * 1024;
		char *big = malloc(n + 200);
		int k =
		    sprintf(big, "Content-Type: text/plain\nContent-Transfer-Encoding: x-foo\n\n");

		memset(big + k, 'x', n);
		strcpy(big + k + n, " cut@example.org\nkept@example.org\n");
		T_EQ_INT(ts_run_str(&r, &bg_reader_eml, big, NULL), 0);
		T_EQ_INT(r.naddr, 1);
		T_EQ_STR(r.addr[0], "kept@example.org");
		T_EQ_INT(r.addr_line[0], 5);
		T_EQ_INT(r.ninvalid, 2);
		T_EQ_STR(r.why[0], "unknown Content-Transfer-Encoding, read as 8bit");
		T_EQ_STR(r.why[1], "line longer than 64 KiB cut");
		T_EQ_INT(r.invalid_line[1], 4);
		free(big);
	}
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml, "Content-Type: multipart/mixed\n\nx@example.org\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 0);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "multipart without a boundary; part skipped");

	/* truncated base64 ended by a boundary: the error names its last data line */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Content-Type: multipart/mixed; boundary=z\n\n--z\n"
			    "Content-Transfer-Encoding: base64\n\nYUBiLm9y\nZwp\n--z--\n",
			    NULL),
		 -EBADMSG);
	T_CHECK(strstr(r.err, ": line 7: base64 part truncated (no padding at its end)") != NULL);
}

static void t_structure(void)
{
	/* a forwarded message: its headers are headers too */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "From: me@example.org\nContent-Type: multipart/mixed; boundary=b\n\n"
			    "--b\nContent-Type: text/plain\n\nSee below.\n"
			    "--b\nContent-Type: message/rfc822\n\n"
			    "From: vendor@example.net\nTo: me@example.org\nSubject: notice\n\n"
			    "affected: ann@example.org; ben@example.org.\n--b--\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "ann@example.org");
	T_EQ_STR(r.addr[1], "ben@example.org");
	T_EQ_INT(r.addr_line[1], 15);
	T_EQ_INT(r.nrecord, 1);

	/* an alternative whose plain text has no address: the HTML is read */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Content-Type: multipart/alternative; boundary=\"a\"\n\n"
			    "--a\nContent-Type: text/plain\n\nView this mail in HTML.\n"
			    "--a\nContent-Type: text/html\n\n<p>cy@example.org</p>\n--a--\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 1);
	T_EQ_STR(r.addr[0], "cy@example.org");

	/* inline tags join what they mark up, as a browser shows it; cells and
	 * line breaks separate */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "Content-Type: text/html\n\n"
			    "<p>\xe9\x80\xa3\xe7\xb5\xa1\xe5\x85\x88<b>kimura</b>@example.co.jp "
			    "<span class=x>sato</span>@<SPAN>example.jp</SPAN> "
			    "<td>a1</td><td>b1@example.org</td>x2<br>c2@example.org</p>\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 4);
	T_EQ_STR(r.addr[0], "kimura@example.co.jp");
	T_EQ_STR(r.addr[1], "sato@example.jp");
	T_EQ_STR(r.addr[2], "b1@example.org");
	T_EQ_STR(r.addr[3], "c2@example.org");
	T_EQ_INT(r.ninvalid, 0);

	/* no mbox: a "From " line in the body is body; octet-stream named .csv */
	T_EQ_INT(
	    ts_run_str(&r, &bg_reader_eml,
		       "Subject: x\nContent-Type: multipart/mixed; boundary=\"q\"\n\n--q\n\n"
		       "list:\n\nFrom now on: di@example.org\n--q\n"
		       "Content-Type: application/octet-stream\n"
		       "Content-Disposition: attachment; filename*=utf-8''list%2Ecsv\n\n"
		       "mail\r\ned@example.org\n--q\nContent-Type: image/png\n\n\x89PNG\n--q--\n",
		       NULL),
	    0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "di@example.org");
	T_EQ_INT(r.addr_line[0], 8);
	T_EQ_STR(r.addr[1], "ed@example.org");
	T_EQ_INT(r.addr_line[1], 14);
	T_EQ_INT(r.ninvalid, 1);
	T_EQ_STR(r.why[0], "attachment (unnamed) (image/png) skipped");
	T_EQ_INT(r.invalid_line[0], 16);

	/* a first line beginning "From " that is no mbox separator is kept */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "From the incident report: fay@example.org\ngus@example.org\n", NULL),
		 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_INT(r.addr_line[0], 1);

	/* multiparts nested past the cap: the rest is skipped, with a note */
	{
		char msg[4096];
		int k = 0;

		for (int i = 0; i < 17; i++)
			k += sprintf(msg + k,
				     "Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n",
				     i, i);
		k += sprintf(msg + k, "Content-Type: text/plain\n\nhal@example.org\n");
		for (int i = 16; i >= 0; i--)
			k += sprintf(msg + k, "--n%d--\n", i);
		T_EQ_INT(ts_run_str(&r, &bg_reader_eml, msg, NULL), 0);
		T_EQ_INT(r.naddr, 0);
		T_EQ_INT(r.ninvalid, 1);
		T_EQ_STR(r.why[0], "multipart nested more than 16 deep; part skipped");
		T_EQ_INT(r.invalid_line[0], 49);
	}

	/* the sink stops the reader */
	r.stop_after = 2;
	T_EQ_INT(ts_run_file(&r, &bg_reader_eml, FIX "breach_notice.eml", NULL), -125);
	T_EQ_INT(r.naddr, 2);
	r.stop_after = 0;
}

static void t_probe(void)
{
	const char *mbox = "From a@b Mon Jan 12 09:00:00 2026\nFrom: a@b\n";
	const char *eml = "Return-Path: <x@y>\nReceived: from x\n\tby y\nSubject: hi\n\nbody\n";
	const char *text = "a@example.com\nb@example.com\n";

	T_CHECK(bg_reader_eml.probe(mbox, strlen(mbox), "-") >= 90);
	T_CHECK(bg_reader_eml.probe(eml, strlen(eml), "-") >= 90);
	T_CHECK(bg_reader_eml.probe(text, strlen(text), "notice.eml") >= 80);
	T_EQ_INT(bg_reader_eml.probe(text, strlen(text), "list.txt"), 0);
	T_EQ_INT(bg_reader_eml.probe("email,name\n", 11, "x.csv"), 0);
}

/* Where a long line of HTML may be cut: before a tag that is a gap, never an
 * inline one, never one whose name the buffer cuts. */
static void t_html_cut(void)
{
	static const char a[] = "<td>x</td><td><b>kimura</b>@x.jp";
	static const char b[] = "<p>a</p><spa";
	static const char c[] = "no tags at all, kimura@x.jp";
	static const char d[] = "<TR><TD>a</TD><BR>";

	T_EQ_INT(bg_eml_html_cut(a, sizeof(a) - 1), 10); /* before the second <td> */
	T_EQ_INT(bg_eml_html_cut(b, sizeof(b) - 1), 4);	 /* </p>, not "<spa" */
	T_EQ_INT(bg_eml_html_cut(c, sizeof(c) - 1), 0);
	T_EQ_INT(bg_eml_html_cut(d, sizeof(d) - 1), 14); /* <BR> */
	T_EQ_INT(bg_eml_html_cut("<td", 3), 0);
}

/* Text a page hides is not its text: a decoy inside a hidden span, a hidden
 * block over two lines; a hidden image hides nothing after it. */
static void t_html_hidden(void)
{
	struct bg_eml_html h;
	static const char a[] = "<p>jane<span style=\"Display: None\">null</span>@example.com</p>";
	static const char b1[] = "<div hidden><p>x@hidden.example.com</p><div>";
	static const char b2[] = "y</div></div>kim@example.com<img style=\"display:none\">ok";

	T_EQ_INT(bg_eml_html_init(&h, 1024), 0);
	bg_eml_html_line(&h, a, sizeof(a) - 1);
	h.text[h.textlen] = '\0';
	T_CHECK(strstr(h.text, "jane") != NULL && strstr(h.text, "null") == NULL);
	T_CHECK(h.hid_at == false);
	bg_eml_html_line(&h, b1, sizeof(b1) - 1);
	T_CHECK(h.hid_at);
	T_CHECK(memchr(h.text, '@', h.textlen) == NULL);
	h.hid_at = false;
	bg_eml_html_line(&h, b2, sizeof(b2) - 1);
	h.text[h.textlen] = '\0';
	T_CHECK(strstr(h.text, "kim@example.com") != NULL);
	T_CHECK(strstr(h.text, "ok") != NULL);
	T_CHECK(strchr(h.text, 'y') == NULL);
	bg_eml_html_free(&h);
}

/* A table whose first row names a password column (Password, 密码): that
 * column's cells in the rows after it are not the text; one with an '@' is
 * flagged (pw_at).  Another table after it starts anew. */
static void t_html_password_column(void)
{
	struct bg_eml_html h;
	static const char head[] = "<table><tr><th>Email</th><th> <b>Password</b>: </th></tr>";
	static const char row[] = "<tr><td>taro@example.jp</td><td>P@ssw0rd.jp</td></tr>";
	static const char other[] = "<table><tr><td>a@example.jp</td><td>b@example.jp</td></tr>";

	T_EQ_INT(bg_eml_html_init(&h, 1024), 0);
	bg_eml_html_line(&h, head, sizeof(head) - 1);
	bg_eml_html_line(&h, row, sizeof(row) - 1);
	h.text[h.textlen] = '\0';
	T_CHECK(strstr(h.text, "taro@example.jp") != NULL && strstr(h.text, "P@ss") == NULL);
	T_CHECK(h.pw_at);
	h.pw_at = false;
	bg_eml_html_line(&h, other, sizeof(other) - 1);
	h.text[h.textlen] = '\0';
	T_CHECK(strstr(h.text, "b@example.jp") != NULL && !h.pw_at);
	bg_eml_html_free(&h);
}

/* A body line longer than 64 KiB, as a generated notice has it: in pieces,
 * every address kept, in any transfer encoding. */
static void t_long_lines(void)
{
	size_t rows = 3000, o = 0, cap = rows * 64 + 512;
	char *big = malloc(cap);

	T_CHECK(big != NULL);
	if (!big)
		return;
	o += (size_t)sprintf(big, "Content-Type: text/html; charset=utf-8\n\n<table>");
	for (size_t i = 0; i < rows; i++)
		o += (size_t)sprintf(big + o, "<tr><td>n</td><td><b>u%zu</b>@example.jp</td></tr>",
				     i);
	strcpy(big + o, "</table>\n");
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml, big, NULL), 0);
	T_EQ_INT(r.naddr, rows);
	T_EQ_INT(r.ninvalid, 0);
	T_EQ_STR(r.addr[TS_MAX - 1], "u255@example.jp");
	o = (size_t)sprintf(big, "Content-Type: text/plain; charset=utf-8\n\n");
	for (size_t i = 0; i < rows; i++)
		o += (size_t)sprintf(big + o, "u%zu@example.jp, ", i);
	strcpy(big + o, "\n");
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml, big, NULL), 0);
	T_EQ_INT(r.naddr, rows);
	T_EQ_INT(r.ninvalid, 0);
	free(big);
}

/* A Japanese signature block: the From: address under a rule line is the
 * sender's own, not imported (and said once); before any rule, and any other
 * address under it, are read as before. */
static void t_rule_signature(void)
{
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "From: =?UTF-8?B?5bGx5pys?= <t-yamamoto@vendor.example>\n"
			    "Content-Type: text/plain; charset=utf-8\n\n"
			    "対象: abe@example.jp\n"
			    "━━━━━━━━━━━━━━━━━━━━\n"
			    "株式会社ベンダー 山本\n"
			    "E-mail：t-yamamoto@vendor.example\n"
			    "arai@example.jp\n"
			    "━━━━━━━━━━━━━━━━━━━━\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_STR(r.addr[0], "abe@example.jp");
	T_EQ_STR(r.addr[1], "arai@example.jp");
	T_EQ_INT(r.ninvalid, 1);
	T_CHECK(strstr(r.why[0], "From:") != NULL);
	T_EQ_INT(r.invalid_line[0], 7);
	/* No rule line: the sender's address in the body is read. */
	T_EQ_INT(ts_run_str(&r, &bg_reader_eml,
			    "From: soc@vendor.example\n\nsoc@vendor.example abe@example.jp\n"
			    "--------\n",
			    NULL),
		 0);
	T_EQ_INT(r.naddr, 2);
	T_EQ_INT(r.ninvalid, 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(t_rule_signature);
	T_RUN(t_html_cut);
	T_RUN(t_html_hidden);
	T_RUN(t_html_password_column);
	T_RUN(t_long_lines);
	T_RUN(t_notice);
	T_RUN(t_mbox);
	T_RUN(t_charsets);
	T_RUN(t_broken);
	T_RUN(t_structure);
	T_RUN(t_probe);
	return t_done("read_eml");
}
