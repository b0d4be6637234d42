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
	T_EQ_INT(t->naddr, 4);
	T_EQ_STR(t->addr[0], "taro@example.jp");
	T_EQ_INT(t->addr_line[0], 9);
	T_EQ_STR(t->addr[1], "花子@日本語.jp");
	T_EQ_INT(t->addr_line[1], 12);
	T_EQ_STR(t->addr[2],
		 "very.long.local.part.for.folding.test.xxxxxxxxxxxxxxxxxxxx@example.co.jp");
	T_EQ_INT(t->addr_line[2], 16);
	T_EQ_STR(t->addr[3], "jiro@example.jp");
	T_EQ_INT(t->ninvalid, 0);
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
	T_RUN(test_detect);
	ts_cleanup();
	return t_done("test_read_ldif");
}
