/* test_read_vcard.c: vCard and iCalendar: folded lines joined (a domain cut by
 * the fold was stored cut), vCard 2.1's quoted-printable values and their soft
 * breaks decoded, text escapes undone, mailto: read, a property without an
 * address passed over, and detection against text. */
#include <stdlib.h>
#include <unistd.h>

#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

static const char ics[] = "BEGIN:VCALENDAR\r\n"
			  "VERSION:2.0\r\n"
			  "BEGIN:VEVENT\r\n"
			  "ORGANIZER;CN=\"Org: Anne\":mailto:anne@example.com\r\n" /* 4 */
			  "ATTENDEE;CN=Bob;RSVP=TRUE:m\r\n"			   /* 5 */
			  " ailto:bob@example.com\r\n"
			  "ATTENDEE;CN=Someone With A Long Name:mailto:someone.long@example.co\r\n"
			  " .uk\r\n"
			  "DESCRIPTION:no address here\r\n"
			  "END:VEVENT\r\n"
			  "END:VCALENDAR\r\n";

static const char vcf[] = "BEGIN:VCARD\r\n"
			  "VERSION:2.1\r\n"
			  "EMAIL;INTERNET;QUOTED-PRINTABLE:b=6Fb@example.org\r\n" /* 3 */
			  "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Alt: j=C3=BCrgen@exa=\r\n"
			  "mple.de\r\n" /* a soft break, no space after it */
			  "END:VCARD\r\n"
			  "BEGIN:VCARD\r\n"
			  "VERSION:3.0\r\n"
			  "EMAIL;TYPE=INTERNET:averyveryverylongname@department.subsi\r\n" /* 9 */
			  " diary.example.com\r\n"
			  "NOTE:work\\, home: kim@example.com\\nand more\r\n"
			  "END:VCARD\r\n";

static void test_ics(void)
{
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, ics, NULL), 0);
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "anne@example.com");
	T_EQ_INT(t->addr_line[0], 4);
	T_EQ_STR(t->addr[1], "bob@example.com");
	T_EQ_INT(t->addr_line[1], 5);
	T_EQ_STR(t->addr[2], "someone.long@example.co.uk");
	T_EQ_INT(t->ninvalid, 0);
	T_EQ_INT(t->nrecord, 3);
	free(t);
}

static void test_vcf(void)
{
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, vcf, NULL), 0);
	T_EQ_INT(t->naddr, 4);
	T_EQ_STR(t->addr[0], "bob@example.org");
	T_EQ_INT(t->addr_line[0], 3);
	T_EQ_STR(t->addr[1], "j\xc3\xbcrgen@example.de");
	T_EQ_STR(t->addr[2], "averyveryverylongname@department.subsidiary.example.com");
	T_EQ_INT(t->addr_line[2], 9);
	T_EQ_STR(t->addr[3], "kim@example.com");
	T_EQ_INT(t->ninvalid, 0);
	free(t);
}

/* Hostile: a fold before any property, a property of nothing but a colon, an
 * unclosed quote, a lone '=' soft break at the end. */
static void test_hostile(void)
{
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard,
			    " orphan@example.com\r\n:\r\nX;A=\"open:x@example.com\r\n"
			    "EMAIL;QUOTED-PRINTABLE:end@example.com=\r\n",
			    NULL),
		 0);
	T_CHECK(t->naddr <= 2);
	free(t);
}

static void test_detect(void)
{
	T_EQ_STR(ts_detect(ics, "-"), "vcard");
	T_EQ_STR(ts_detect(vcf, "contacts.vcf"), "vcard");
	T_EQ_STR(ts_detect("\xef\xbb\xbf\r\nbegin:vcard\r\nEMAIL:a@example.jp\r\n", "-"), "vcard");
	T_EQ_STR(ts_detect("Please see BEGIN:VCARD below\na@example.jp\n", "-"), "text");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_ics);
	T_RUN(test_vcf);
	T_RUN(test_hostile);
	T_RUN(test_detect);
	ts_cleanup();
	return t_done("test_read_vcard");
}
