/* test_read_vcard.c: vCard and iCalendar: folded lines joined (a domain cut by
 * the fold was stored cut), vCard 2.1's quoted-printable values and their soft
 * breaks decoded, text escapes undone, mailto: read, a property without an
 * address passed over, only the mailbox properties imported (an address in
 * another said), and detection against text. */
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
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "bob@example.org");
	T_EQ_INT(t->addr_line[0], 3);
	T_EQ_STR(t->addr[1], "averyveryverylongname@department.subsidiary.example.com");
	T_EQ_INT(t->addr_line[1], 9);
	/* A NOTE is free text: its addresses (decoded, unescaped) are said, not
	 * imported. */
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_STR(t->why[0], "an address in property NOTE is not imported");
	T_EQ_STR(t->text[0], "j\xc3\xbcrgen@example.de");
	T_EQ_INT(t->invalid_line[0], 4);
	T_EQ_STR(t->text[1], "kim@example.com");
	T_EQ_INT(t->invalid_line[1], 11);
	free(t);
}

/* Only the properties of a mailbox are read: EMAIL with any group and
 * parameters, in any case; a group card's MEMBER.  An address in any other
 * (NOTE, URL, IMPP, ORG, X-...), or in a line that is no property, is said
 * with its line, not imported; a password in a NOTE is not shown. */
static void test_props(void)
{
	static const char vc[] = "BEGIN:VCARD\r\n"
				 "VERSION:4.0\r\n"
				 "FN:Taro Yamada\r\n"
				 "EMAIL;TYPE=work:taro@example.jp\r\n"
				 "item1.EMAIL;type=INTERNET;type=pref:t.private@example.jp\r\n"
				 "item1.X-ABLabel:_$!<Other>!$_\r\n"
				 "email;internet:t.lower@example.jp\r\n"
				 "EMAIL;PREF=1:mailto:t.mailto@example.jp\r\n"
				 "NOTE:ask kim@example.com\\, or lee@example.com\r\n" /* 9 */
				 "NOTE:password: Secr3t@pw.example.jp\r\n"	      /* 10 */
				 "X-MS-IMADDRESS:taro.im@example.jp\r\n"
				 "IMPP:xmpp:taro@jabber.example.jp\r\n"
				 "ORG:Vendor (support@vendor.jp)\r\n"
				 "item2.URL:mailto:list@example.jp\r\n"
				 "stray@example.jp\r\n" /* 15 */
				 "END:VCARD\r\n"
				 "BEGIN:VCARD\r\n"
				 "VERSION:4.0\r\n"
				 "KIND:group\r\n"
				 "MEMBER:mailto:m1@example.jp\r\n" /* 20 */
				 "MEMBER:urn:uuid:03a0e51f-d1aa-4385-8a53-e29025acd8af\r\n"
				 "END:VCARD\r\n";
	static const char *const said[][2] = {{"NOTE", "kim@example.com"},
					      {"NOTE", "lee@example.com"},
					      {"X-MS-IMADDRESS", "taro.im@example.jp"},
					      {"IMPP", "taro@jabber.example.jp"},
					      {"ORG", "support@vendor.jp"},
					      {"URL", "list@example.jp"}};
	static const unsigned long said_line[] = {9, 9, 11, 12, 13, 14};
	struct tsink *t = ts_new();
	char why[160];

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, vc, NULL), 0);
	T_EQ_INT(t->naddr, 5);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_STR(t->addr[1], "t.private@example.jp");
	T_EQ_STR(t->addr[2], "t.lower@example.jp");
	T_EQ_STR(t->addr[3], "t.mailto@example.jp");
	T_EQ_STR(t->addr[4], "m1@example.jp");
	T_EQ_INT(t->addr_line[4], 20);
	T_EQ_INT(t->ninvalid, 8);
	T_EQ_INT(t->invalid_line[2], 10);
	T_CHECK(strstr(t->text[2], "Secr3t") == NULL);
	for (size_t i = 0, k = 0; i < t->ninvalid && i < 7; i++) {
		if (i == 2)
			continue;
		snprintf(why, sizeof(why), "an address in property %s is not imported", said[k][0]);
		T_EQ_STR(t->why[i], why);
		T_EQ_STR(t->text[i], said[k][1]);
		T_EQ_INT(t->invalid_line[i], said_line[k]);
		k++;
	}
	T_EQ_INT(t->invalid_line[7], 15);
	T_EQ_STR(t->why[7],
		 "an address in a line that is no property (NAME:value) is not imported");
	free(t);
}

/* Addresses only in other properties: the reading fails saying so; one EMAIL
 * (or an invitation's ATTENDEE) and it does not. */
static void test_only_elsewhere(void)
{
	static const char notes[] = "BEGIN:VCARD\r\n"
				    "VERSION:3.0\r\n"
				    "FN:Support\r\n"
				    "NOTE:write to help@vendor.jp\r\n"
				    "END:VCARD\r\n";
	static const char invite[] = "BEGIN:VCALENDAR\r\n"
				     "BEGIN:VEVENT\r\n"
				     "DESCRIPTION:dial-in help: help@vendor.jp\r\n"
				     "ATTENDEE:mailto:a@example.jp\r\n"
				     "END:VEVENT\r\n"
				     "END:VCALENDAR\r\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, notes, NULL), -EINVAL);
	T_CHECK(strstr(t->err, "no address in an EMAIL property") != NULL);
	T_CHECK(strstr(t->err, "1 found elsewhere (the first in property NOTE, line 4)") != NULL);
	T_EQ_INT(t->naddr, 0);
	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, invite, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "a@example.jp");
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_STR(t->why[0], "an address in property DESCRIPTION is not imported");
	free(t);
}

/* A text that names a password anywhere shows none of its addresses: the
 * tokeniser knows "Password: x", not every password in prose ("the VPN
 * password x was reset", whose value it gives as an address). */
static void test_hidden(void)
{
	static const char vc[] =
	    "BEGIN:VCARD\r\n"
	    "EMAIL:taro@example.jp\r\n"
	    "NOTE:backup kim@example.com\\nthe VPN password Pw@2024.example.jp was reset\r\n"
	    "END:VCARD\r\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_vcard, vc, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->ninvalid, 2);
	for (size_t i = 0; i < t->ninvalid && i < 2; i++) {
		T_EQ_STR(t->text[i], "(not shown: the text names a password)");
		T_EQ_INT(t->invalid_line[i], 3);
	}
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
	T_RUN(test_props);
	T_RUN(test_only_elsewhere);
	T_RUN(test_hidden);
	T_RUN(test_hostile);
	T_RUN(test_detect);
	ts_cleanup();
	return t_done("test_read_vcard");
}
