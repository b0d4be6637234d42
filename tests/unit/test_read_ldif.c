/* test_read_ldif.c: the LDIF reader: folded lines joined, base64 values
 * decoded (an IDN address among them), binary attributes skipped without a
 * word, every other thing that is not read said with its line, one record an
 * entry, and detection against text and CSV. */
#include "input.h"
#include "reader.h"
#include "t.h"
#include "tsink.h"

/* ldapsearch's shape: header comments, "version: 1", folded values. */
static const char search[] = "# extended LDIF\n"
			     "#\n"
			     "# filter: (mail=*)\n"
			     "#\n"
			     "version: 1\n"
			     "\n"
			     "dn: uid=taro,ou=people,dc=example,dc=jp\n" /* 7 */
			     "cn:: 5bGx55Sw5aSq6YOO\n"
			     "mail: taro@example.jp\n"
			     "\n"
			     "dn: uid=hanako,ou=people,dc=example,dc=jp\n" /* 11 */
			     "mail:: 6Iqx5a2QQOaXpeacrOiqni5qcA==\n"	   /* 花子@日本語.jp */
			     "\n"
			     "dn: uid=long,ou=people,dc=exa\n" /* 14 */
			     " mple,dc=jp\n"
			     "mail: very.long.local.part.for.folding.test.xxxxxxxxxxxx\n" /* 16 */
			     " xxxxxxxx@example.co.jp\n"
			     "description: a comment with a split\n"
			     "  word and jiro@exa\n"
			     " mple.jp in it\n"
			     "\n"
			     "# search result\n"
			     "search: 2\n"
			     "result: 0 Success\n";

static void test_search(void)
{
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, search, NULL), 0);
	T_EQ_INT(t->naddr, 3);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->addr_line[0], 9);
	T_EQ_STR(t->addr[1], "花子@日本語.jp");
	T_EQ_INT(t->addr_line[1], 12);
	T_EQ_STR(t->addr[2],
		 "very.long.local.part.for.folding.test.xxxxxxxxxxxxxxxxxxxx@example.co.jp");
	T_EQ_INT(t->addr_line[2], 16);
	/* Free text, joined too: said with its attribute, not imported. */
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 18);
	T_EQ_STR(t->why[0], "an address in attribute \"description\" is not imported");
	T_EQ_STR(t->text[0], "jiro@example.jp");
	/* Three entries and the search result's block. */
	T_EQ_INT(t->nrecord, 4);
	free(t);
}

/* ldifde's shape (CRLF, proxyAddresses), binary attributes, what is not read. */
static const char ad[] =
    "dn: CN=Taro Yamada,OU=People,DC=example,DC=jp\r\n"
    "changetype: add\r\n"
    "proxyAddresses: SMTP:Taro.Yamada@example.jp\r\n"
    "proxyAddresses: X500:/o=ExchangeLabs/ou=Exchange\r\n"
    "objectGUID:: AAECAwRABQYHCAkKCwwNDg8=\r\n" /* binary with an '@' byte */
    "jpegPhoto:: /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkS\r\n"
    " Ew8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA\r\n"
    "\r\n"
    "dn: CN=No Mail,OU=People,DC=example,DC=jp\r\n" /* 9 */
    "cn: No Mail\r\n"
    "\r\n"
    "dn: uid=ref,dc=example,dc=jp\r\n"
    "mail:< file:///etc/passwd\r\n" /* 13 */
    "\r\n"
    "dn: uid=latin,dc=example,dc=jp\r\n"
    "mail:: am9z6UBleGFtcGxlLmVz\r\n" /* 16: "jos\xe9@example.es", Latin-1 */
    "\r\n"
    "dn: uid=bad,dc=example,dc=jp\r\n"
    "mail:: dGFyb0BleGFt*cGxlLmpw\r\n" /* 19 */
    "\r\n"
    "dn: cn=mod,dc=example,dc=jp\r\n"
    "changetype: modify\r\n"
    "add: mail\r\n"
    "mail: mod@example.jp\r\n"
    "-\r\n"
    "no colon here\r\n"; /* 26 */

static void test_ad(void)
{
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, ad, NULL), 0);
	T_EQ_INT(t->naddr, 2);
	T_EQ_STR(t->addr[0], "Taro.Yamada@example.jp");
	T_EQ_STR(t->addr[1], "mod@example.jp");
	T_EQ_INT(t->ninvalid, 5);
	T_EQ_INT(t->invalid_line[0], 9);
	T_EQ_STR(t->why[0], "no address in the LDIF entry");
	T_EQ_INT(t->invalid_line[1], 13);
	T_EQ_STR(t->why[1], "LDIF value given by URL (\":<\"), not read");
	T_EQ_INT(t->invalid_line[2], 16);
	T_EQ_STR(t->why[2], "LDIF base64 value is not UTF-8 text, not read");
	T_EQ_INT(t->invalid_line[3], 19);
	T_EQ_STR(t->why[3], "LDIF value is not base64 after \"::\"");
	T_EQ_INT(t->invalid_line[4], 26);
	T_EQ_STR(t->why[4], "not an LDIF line (attribute: value)");
	T_EQ_INT(t->nrecord, 6);
	free(t);
}

/* A line the input flags (a NUL byte) is said once, and the lines that continue
 * it go with it: no fragment of its value is read as an address. */
static void test_flagged(void)
{
	static const char data[] = "dn: uid=a,dc=x\n"
				   "mail: a.very.long\0name\n"
				   " .part@example.jp\n"
				   "mail: ok@example.jp\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_mem(t, &bg_reader_ldif, data, sizeof(data) - 1, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "ok@example.jp");
	T_EQ_INT(t->ninvalid, 1);
	T_EQ_INT(t->invalid_line[0], 2);
	T_EQ_STR(t->why[0], "NUL byte in the line");
	free(t);
}

/* A password attribute (userPassword, unicodePwd; options aside) is never read
 * as text: a clear one with an '@' is said without its text, a hash skipped. */
static void test_password(void)
{
	static const char ldif[] = "dn: uid=taro,dc=example,dc=jp\n"
				   "mail: taro@example.jp\n"
				   "userPassword: p@ss.example.jp\n"
				   "userPassword;binary:: e1NTSEF9YUBiLmpw\n"
				   "unicodePwd: q@r.jp\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, ldif, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->ninvalid, 2);
	for (size_t i = 0; i < t->ninvalid && i < 2; i++)
		T_CHECK(strstr(t->text[i], "@") == NULL);
	free(t);
}

/* Only the entry's mailboxes (and its own names) are read: names in any case,
 * options, base64; every address elsewhere (free text, another entry's DN) is
 * said with its line and attribute, not imported, a password there hidden. */
static const char attrs[] = "dn: uid=taro,ou=people,dc=example,dc=jp\n"
			    "MAIL: taro@example.jp\n"
			    "mail;lang-ja: taro.ja@example.jp\n"
			    "mail;binary:: dGFyby5iaW5AZXhhbXBsZS5qcA==\n" /* taro.bin@example.jp */
			    "mailAlternateAddress: t.alt@example.jp\n"
			    "mailLocalAddress: t.local@example.jp\n"
			    "mailRoutingAddress: t.route@mx.example.jp\n"
			    "mailForwardingAddress: t.fwd@example.jp\n"
			    "rfc822Mailbox: t.rfc@example.jp\n"
			    "email: t.email@example.jp\n"
			    "emailAddress: t.ea@example.jp\n"
			    "pkcs9email: t.p9@example.jp\n"
			    "0.9.2342.19200300.100.1.3: t.oid@example.jp\n"
			    "userPrincipalName: t.upn@example.jp\n"
			    "mozillaSecondEmail: t.moz@example.jp\n"
			    "description: contact bob@vendor.jp\n"	       /* 16 */
			    "description:: Y29udGFjdCBjYXJvbEB2ZW5kb3IuanA=\n" /* carol@vendor.jp */
			    "info: ask dave@vendor.jp,\n"		       /* 18 */
			    " or erin@vendor.jp\n"			       /* the fold joined */
			    "manager: uid=boss@example.jp,ou=people,dc=example,dc=jp\n" /* 20 */
			    "seeAlso: cn=x,mail=see@example.jp\n"
			    "secretary: uid=sec@example.jp,dc=example,dc=jp\n"
			    "description: temp password: Secr3t@x.jp\n" /* 23 */
			    "cn: Taro\n"
			    "\n"
			    "dn: uid=nomail,dc=example,dc=jp\n" /* 26 */
			    "description: helpdesk@example.jp\n";

static void test_attrs(void)
{
	static const char *const want[] = {
	    "taro@example.jp",	"taro.ja@example.jp", "taro.bin@example.jp",
	    "t.alt@example.jp", "t.local@example.jp", "t.route@mx.example.jp",
	    "t.fwd@example.jp", "t.rfc@example.jp",   "t.email@example.jp",
	    "t.ea@example.jp",	"t.p9@example.jp",    "t.oid@example.jp",
	    "t.upn@example.jp", "t.moz@example.jp"};
	static const char *const unread[][2] = {
	    {"description", "bob@vendor.jp"}, {"description", "carol@vendor.jp"},
	    {"info", "dave@vendor.jp"},	      {"info", "erin@vendor.jp"},
	    {"manager", "boss@example.jp"},   {"seeAlso", "see@example.jp"},
	    {"secretary", "sec@example.jp"}};
	static const unsigned long unread_line[] = {16, 17, 18, 18, 20, 21, 22};
	struct tsink *t = ts_new();
	char why[160];

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, attrs, NULL), 0);
	T_EQ_INT(t->naddr, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < t->naddr && i < sizeof(want) / sizeof(want[0]); i++)
		T_EQ_STR(t->addr[i], want[i]);
	/* Seven addresses said, the password's word hidden; the entry with
	 * only a description's address is said once, not also as empty. */
	T_EQ_INT(t->ninvalid, 9);
	for (size_t i = 0; i < 7 && i < t->ninvalid; i++) {
		snprintf(why, sizeof(why), "an address in attribute \"%s\" is not imported",
			 unread[i][0]);
		T_EQ_STR(t->why[i], why);
		T_EQ_STR(t->text[i], unread[i][1]);
		T_EQ_INT(t->invalid_line[i], unread_line[i]);
	}
	T_EQ_INT(t->invalid_line[7], 23);
	T_CHECK(strstr(t->text[7], "Secr3t") == NULL);
	T_EQ_INT(t->invalid_line[8], 27);
	T_EQ_STR(t->text[8], "helpdesk@example.jp");
	T_EQ_INT(t->nrecord, 2);
	free(t);
}

/* A value that names a password anywhere shows none of its addresses: the
 * tokeniser hides "Password: x", not every password in prose ("the VPN
 * password x was reset": it gives x as an address), and what it gives from
 * another attribute is shown. */
static void test_hidden(void)
{
	static const char ldif[] = "dn: uid=taro,dc=example,dc=jp\n"
				   "mail: taro@example.jp\n"
				   "description: the VPN password Pw@2024.example.jp was reset\n"
				   "info: backup kim@example.com\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, ldif, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_INT(t->invalid_line[0], 3);
	T_EQ_STR(t->text[0], "(not shown: the text names a password)");
	T_EQ_STR(t->text[1], "kim@example.com");
	free(t);
}

/* proxyAddresses: SMTP: and smtp: are addresses, a value without a type is
 * one; X500:, SIP:, EUM: are not (an X500 DN with an '@' in it was stored
 * as o=.../cn=x@y).  otherMailbox: "internet $ a@x" is a@x, another type's
 * is said. */
static void test_typed(void)
{
	static const char ldif[] = "dn: CN=Taro,OU=People,DC=example,DC=jp\n"
				   "proxyAddresses: SMTP:Taro@example.jp\n"
				   "proxyAddresses: smtp:t.alias@example.jp\n"
				   "proxyAddresses: bare@example.jp\n"
				   "proxyAddresses: X500:/o=ExchangeLabs/cn=x@example.jp\n" /* 5 */
				   "proxyAddresses: SIP:taro.sip@example.jp\n"		    /* 6 */
				   "proxyAddresses: x400:c=JP;a= ;p=Org;o=Exchange;s=Taro;\n"
				   "otherMailbox: internet$t.other@example.jp\n"
				   "otherMailbox: Internet $ t.other2@example.jp\n"
				   "otherMailbox: x400 $ t.x400@example.jp\n" /* 10 */
				   "otherMailbox: t.plain@example.jp\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, ldif, NULL), 0);
	T_EQ_INT(t->naddr, 6);
	T_EQ_STR(t->addr[0], "Taro@example.jp");
	T_EQ_STR(t->addr[1], "t.alias@example.jp");
	T_EQ_STR(t->addr[2], "bare@example.jp");
	T_EQ_STR(t->addr[3], "t.other@example.jp");
	T_EQ_STR(t->addr[4], "t.other2@example.jp");
	T_EQ_STR(t->addr[5], "t.plain@example.jp");
	T_EQ_INT(t->ninvalid, 3);
	T_EQ_INT(t->invalid_line[0], 5);
	T_EQ_STR(t->why[0],
		 "an address in a proxyAddresses entry of type X500 (not SMTP) is not imported");
	T_EQ_INT(t->invalid_line[1], 6);
	T_EQ_STR(t->text[1], "taro.sip@example.jp");
	T_EQ_INT(t->invalid_line[2], 10);
	T_EQ_STR(t->why[2],
		 "an address in an otherMailbox entry of type x400 (not internet) is not imported");
	free(t);
}

/* A file whose addresses are all in other attributes: the reading fails
 * saying so (an import of nothing said only "no valid address"); one mail
 * value anywhere and it does not. */
static void test_only_elsewhere(void)
{
	static const char only[] = "dn: uid=a,dc=example,dc=jp\n"
				   "cn: a\n"
				   "description: contact bob@vendor.jp\n"
				   "\n"
				   "dn: uid=b,dc=example,dc=jp\n"
				   "manager: uid=boss@example.jp,dc=example,dc=jp\n";
	static const char also[] = "dn: uid=a,dc=example,dc=jp\n"
				   "description: contact bob@vendor.jp\n"
				   "\n"
				   "dn: uid=b,dc=example,dc=jp\n"
				   "mail: b@example.jp\n";
	struct tsink *t = ts_new();

	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, only, NULL), -EINVAL);
	T_CHECK(strstr(t->err, "no address in the entries' mail attributes") != NULL);
	T_CHECK(strstr(t->err, "2 found elsewhere (the first in attribute \"description\", "
			       "line 3), not imported") != NULL);
	T_EQ_INT(t->naddr, 0);
	T_EQ_INT(t->ninvalid, 2);
	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, also, NULL), 0);
	T_EQ_INT(t->naddr, 1);
	T_EQ_INT(t->ninvalid, 1);
	/* No address anywhere: nothing to say beyond the empty entries. */
	T_EQ_INT(ts_run_str(t, &bg_reader_ldif, "dn: uid=a,dc=x\ncn: a\n", NULL), 0);
	T_EQ_INT(t->ninvalid, 1);
	free(t);
}

static void test_detect(void)
{
	T_EQ_STR(ts_detect(search, "-"), "ldif");
	T_EQ_STR(ts_detect(ad, "-"), "ldif");
	/* Comments first, then the DN. */
	T_EQ_STR(ts_detect("# people\ndn: cn=a\nmail: a@example.jp\n", "-"), "ldif");
	/* Named .ldif, an entry not first. */
	T_EQ_STR(ts_detect("mail: a@example.jp\ndn: cn=a\n", "export.ldif"), "ldif");
	/* "Name: value" lines without a DN are text, not LDIF. */
	T_EQ_STR(ts_detect("Contact: a@example.jp\nBackup: b@example.jp\n", "-"), "text");
	/* A notice that mentions "dn:" once among prose is text. */
	T_EQ_STR(ts_detect("Dear admin,\nthe accounts below were exposed.\ndn: cn=a\n"
			   "a@example.jp and b@example.jp\nRegards\n",
			   "-"),
		 "text");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(test_search);
	T_RUN(test_ad);
	T_RUN(test_flagged);
	T_RUN(test_password);
	T_RUN(test_attrs);
	T_RUN(test_hidden);
	T_RUN(test_typed);
	T_RUN(test_only_elsewhere);
	T_RUN(test_detect);
	ts_cleanup();
	return t_done("test_read_ldif");
}
