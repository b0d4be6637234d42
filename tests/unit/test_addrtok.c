/* test_addrtok.c: the address tokeniser, case by case: what a careful person
 * reads in a line (or a block of lines) is exactly what reaches the sink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtok.h"
#include "reader.h"
#include "t.h"

#define MAXA 64

struct got {
	struct bg_sink sink;
	char addr[MAXA][256];
	unsigned long aline[MAXA];
	int naddr, ninvalid, ndefanged;
	char why[MAXA][320];
	unsigned long iline[MAXA];
	char list[4096];
};

static int g_address(struct bg_sink *s, const char *a, size_t n, unsigned long line)
{
	struct got *g = s->arg;

	if (g->naddr < MAXA) {
		snprintf(g->addr[g->naddr], sizeof(g->addr[0]), "%.*s", (int)n, a);
		g->aline[g->naddr] = line;
	}
	g->naddr++;
	return 0;
}

static void g_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
		      size_t n)
{
	struct got *g = s->arg;

	(void)text;
	(void)n;
	if (g->ninvalid < MAXA) {
		snprintf(g->why[g->ninvalid], sizeof(g->why[0]), "%s", why);
		g->iline[g->ninvalid] = line;
	}
	g->ninvalid++;
}

static void g_record(struct bg_sink *s)
{
	(void)s;
}

static void g_defanged(struct bg_sink *s, unsigned long line)
{
	(void)line;
	((struct got *)s->arg)->ndefanged++;
}

/* The addresses found, space-separated. */
static const char *joined(struct got *g)
{
	size_t o = 0;

	g->list[0] = '\0';
	for (int i = 0; i < g->naddr && i < MAXA; i++) {
		int w =
		    snprintf(g->list + o, sizeof(g->list) - o, "%s%s", i ? " " : "", g->addr[i]);

		if (w < 0 || (size_t)w >= sizeof(g->list) - o)
			break;
		o += (size_t)w;
	}
	return g->list;
}

static struct got *run(const char *text)
{
	static struct got g;
	struct bg_addrtok *t = NULL;

	memset(&g, 0, sizeof(g));
	g.sink.address = g_address;
	g.sink.invalid = g_invalid;
	g.sink.record = g_record;
	g.sink.defanged = g_defanged;
	g.sink.arg = &g;
	if (bg_addrtok_new(&t, &g.sink) != 0)
		abort();
	/* Lines of the text as a text reader gives them: numbered from 1. */
	{
		const char *p = text;
		unsigned long line = 1;

		for (;;) {
			const char *e = strchr(p, '\n');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (n || e)
				T_CHECK(bg_addrtok_line(t, p, n, line) >= 0);
			if (!e)
				break;
			p = e + 1;
			line++;
		}
	}
	T_CHECK(bg_addrtok_flush(t) == 0);
	bg_addrtok_free(t);
	return &g;
}

/* One cell (n bytes, at line) through bg_addr_scan into the recorder (no
 * defanged callback); *rc gets what the scan returns. */
static struct got *scan(const char *s, size_t n, unsigned long line, int *rc)
{
	struct got *h = run("");
	struct bg_addrtok *t = NULL;

	memset(h, 0, sizeof(*h));
	h->sink.address = g_address;
	h->sink.invalid = g_invalid;
	h->sink.record = g_record;
	h->sink.arg = h;
	T_CHECK(bg_addrtok_new(&t, &h->sink) == 0);
	*rc = bg_addr_scan(t, s, n, line);
	bg_addrtok_free(t);
	return h;
}

#define EXPECT(text, want, ninv)                                                                   \
	do {                                                                                       \
		struct got *g_ = run(text);                                                        \
		T_EQ_STR(joined(g_), want);                                                        \
		T_EQ_INT(g_->ninvalid, ninv);                                                      \
	} while (0)

static void separators(void)
{
	EXPECT("a@example.jp", "a@example.jp", 0);
	EXPECT("  a@example.jp, b@example.jp; c@example.jp",
	       "a@example.jp b@example.jp c@example.jp", 0);
	/* Japanese punctuation of every kind the notices use. */
	EXPECT("・a@example.jp", "a@example.jp", 0);
	EXPECT("１．a@example.jp", "a@example.jp", 0);
	EXPECT("(1) a@example.jp ① b@example.jp ⑵c@example.jp",
	       "a@example.jp b@example.jp c@example.jp", 0);
	EXPECT("メール：a@example.jp", "a@example.jp", 0);
	EXPECT("Ｅメール：b@example.jp", "b@example.jp", 0);
	EXPECT("E-mail: c@example.jp", "c@example.jp", 0);
	EXPECT("「a@example.jp」『b@example.jp』（c@example.jp）＜d@example.jp＞",
	       "a@example.jp b@example.jp c@example.jp d@example.jp", 0);
	EXPECT("【a@example.jp】〔b@example.jp〕《c@example.jp》〈d@example.jp〉",
	       "a@example.jp b@example.jp c@example.jp d@example.jp", 0);
	EXPECT("a@example.jp、b@example.jp，c@example.jp。",
	       "a@example.jp b@example.jp c@example.jp", 0);
	EXPECT("山田様 a@example.jp様　b@example.jpさん　c@example.jp殿 d@example.jp御中 "
	       "e@example.jp宛",
	       "a@example.jp b@example.jp c@example.jp d@example.jp e@example.jp", 0);
	EXPECT("a@example.jp\u3000b@example.jp\u00a0c@example.jp",
	       "a@example.jp b@example.jp c@example.jp", 0);
	EXPECT("• a@example.jp ● b@example.jp ■c@example.jp ※d@example.jp ◆e@example.jp",
	       "a@example.jp b@example.jp c@example.jp d@example.jp e@example.jp", 0);
	EXPECT("連絡先はtaro@example.jpまでお願いします", "taro@example.jp", 0);
	EXPECT("“dave@example.com” ‘eve@example.com’ «fay@example.com» „gus@example.com“",
	       "dave@example.com eve@example.com fay@example.com gus@example.com", 0);
	EXPECT("\"dave@example.com\". 'eve@example.com'!", "dave@example.com eve@example.com", 0);
	EXPECT("Contact:jane@example.org <mailto:joe@example.org?subject=hi>",
	       "jane@example.org joe@example.org", 0);
	/* A display name is no address; one holding another address is said. */
	EXPECT("\"a@example.org\" <b@example.org>", "b@example.org", 1);
	EXPECT("\"'B@Example.org'\" <b@example.org>, \"Taro\" <t@example.org>",
	       "b@example.org t@example.org", 0);
	EXPECT("a@example.jp/b@example.jp", "a@example.jp b@example.jp", 0);
	/* Non-ASCII addresses stay whole. */
	EXPECT("山田@例え.テスト", "山田@例え.テスト", 0);
	EXPECT("müller@bücher.de", "müller@bücher.de", 0);
	EXPECT("@alice and @bob", "", 0);
	/* A key of a log line or a query, dots after the domain. */
	EXPECT("email=a@example.jp user=b@example.jp SRS0=ab=cd=c@example.jp",
	       "a@example.jp b@example.jp SRS0=ab=cd=c@example.jp", 0);
	EXPECT("d@example.com...and more, taro..yamada.@docomo.ne.jp",
	       "d@example.com taro..yamada.@docomo.ne.jp", 0);
	EXPECT("o’brien@example.ie ☎v@example.jp", "o'brien@example.ie v@example.jp", 0);
	EXPECT("w☎x@example.jp", "", 1);
	/* a dash or stop of another keyboard inside a local part glues, never cuts */
	EXPECT("taroーyamada@example.jp taro‐yamada@example.jp taro−yamada@example.jp "
	       "taro。yamada@example.jp",
	       "", 4);
	EXPECT("E–mail: ok@example.jp", "ok@example.jp", 0);
}

/* An address typed with the input method switching midway is one address;
 * only a list number before it and a word glued after its domain are cut. */
static void mixed_width(void)
{
	EXPECT("Ｔaro@example.jp", "Taro@example.jp", 0);
	EXPECT("yamada１２３@example.jp", "yamada123@example.jp", 0);
	EXPECT("ｙａｍａｄａ123@example.jp", "yamada123@example.jp", 0);
	EXPECT("ｔａｒｏyamada@example.jp", "taroyamada@example.jp", 0);
	EXPECT("ｓｕｚｕｋｉ.taro@example.co.jp", "suzuki.taro@example.co.jp", 0);
	EXPECT("taro.ｓｕｚｕｋｉ@example.co.jp", "taro.suzuki@example.co.jp", 0);
	EXPECT("ｉｔｏ_k@example.jp", "ito_k@example.jp", 0);
	EXPECT("shiro@ｅｘａｍｐｌｅ.jp d@exａmple.jp e@mail.example.ｊｐ",
	       "shiro@example.jp d@example.jp e@mail.example.jp", 0);
	EXPECT("ｇ＠ｘ．ｊｐ ｈ＠example.jp", "g@x.jp h@example.jp", 0);
	EXPECT("１２３４@example.jp", "1234@example.jp", 0);
	/* A list number before the address: cut. */
	EXPECT("１．a@example.jp １２）b@example.jp （３）c@example.jp",
	       "a@example.jp b@example.jp c@example.jp", 0);
	/* Full-width letters after the ASCII end of a domain: a word glued on, or
	 * the domain's last letters typed full-width?  Reported. */
	EXPECT("d@example.jpＴＥＬ", "", 1);
	EXPECT("e@example.coｍ f@example.co．ｊｐ", "", 2);
	/* A number glued straight on: the number, or part of the address?  Reported. */
	EXPECT("１taro@example.jp", "", 1);
	EXPECT("１２３yamada@example.jp ok@example.jp", "ok@example.jp", 1);
	/* All of it full width, a number and a stop before it: the list number,
	 * or the address 1.hirano?  Reported (it was kept as 1.hirano@). */
	EXPECT("１．ｈｉｒａｎｏ＠ｅｘａｍｐｌｅ．ｊｐ", "", 1);
	EXPECT("１２．ｏｋａ＠ｅｘａｍｐｌｅ．ｊｐ ok@example.jp", "ok@example.jp", 1);
	/* ...but not when a bracket or a comma separates it, or no digit leads. */
	EXPECT("１）ｈｉｒａｎｏ＠ｅｘａｍｐｌｅ．ｊｐ １、ｏｋａ＠ｅｘａｍｐｌｅ．ｊｐ",
	       "hirano@example.jp oka@example.jp", 0);
	EXPECT("ｙａｍａｄａ．ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "yamada.taro@example.jp", 0);
}

/* One '.' or '-' glued before an address that joined nothing is a wrapped
 * tail or part of the address, never the address after it; a run is decoration. */
/* Letters of two scripts in one local part: a name in another encoding
 * glued on (half-width katakana read as UTF-8, CP932 read as Greek). */
static void mixed_scripts_local(void)
{
	EXPECT("\xd0\xb7miki@example.jp", "", 1);		      /* зmiki */
	EXPECT("\xce\xba\xce\xb5\xce\x90u31x0@example.co.jp", "", 1); /* κεΐu31x0 */
	EXPECT("müller@example.de ελληνικά@example.gr иван@example.ru",
	       "müller@example.de ελληνικά@example.gr иван@example.ru", 0);
}

static void glued_lead(void)
{
	EXPECT(".admin@example.jp", "", 1);
	EXPECT("-root@example.jp", "", 1);
	EXPECT("'.admin@example.jp'", "", 1);
	/* the dashes of other keyboards are the ASCII one here */
	EXPECT("‐admin@example.jp", "", 1);
	EXPECT("−root@example.jp ーroot@example.jp", "", 2);
	EXPECT("...a@example.jp --b@example.jp *c@example.jp",
	       "a@example.jp b@example.jp c@example.jp", 0);
}

static void compat_and_format(void)
{
	EXPECT("ａ＠ｅｘａｍｐｌｅ．ｊｐ", "a@example.jp", 0);
	EXPECT("taro＠example.jp", "taro@example.jp", 0);
	EXPECT("ta\u200bro@exa\u200cmple.jp\u2060 b\u00ad@example.jp \ufeffc@example.jp",
	       "taro@example.jp b@example.jp c@example.jp", 0);
	EXPECT("oﬃce@example.jp", "office@example.jp", 0);
	EXPECT("a\u200e@example.jp", "a@example.jp", 0);
}

static void defanged(void)
{
	struct got *g;

	EXPECT("a [at] example [dot] jp", "a@example.jp", 0);
	EXPECT("b(at)example.jp c[@]example.jp d {at} example [.] jp",
	       "b@example.jp c@example.jp d@example.jp", 0);
	EXPECT("e @ example.jp", "e@example.jp", 0);
	EXPECT("f [AT] example (DOT) co (dot) jp", "f@example.co.jp", 0);
	EXPECT("g（at）example［dot］jp", "g@example.jp", 0);
	g = run("a [at] example [dot] jp, plain@example.jp, b(at)example.jp");
	T_EQ_INT(g->ndefanged, 2);
	/* Brackets around other words are no defanging. */
	EXPECT("(attention) a@example.jp [data]", "a@example.jp", 0);
}

static void never_glued(void)
{
	struct got *g;

	EXPECT("a@b@example.jp", "", 1);
	g = run("https://user@example.com/path");
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 1);
	T_CHECK(strstr(g->why[0], "URL") != NULL);
	/* An undecodable byte inside the address must not be dropped. */
	g = run("ab\xff"
		"c@example.jp x\xef\xbf\xbdy@example.jp");
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 2);
	/* A quoted local part is not read, and is said as what it is, not as
	 * an undecodable byte. */
	g = run("\"ju-ichi\"@example.jp a\\b@example.jp");
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 2);
	T_CHECK(strstr(g->why[0], "quoted local part") != NULL);
	T_CHECK(strstr(g->why[1], "quoted local part") != NULL);
	/* A private-use character inside. */
	EXPECT("ab\xee\x80\x80"
	       "c@example.jp",
	       "", 1);
	/* A compatibility character standing for a full stop inside a word (U+FE52
	 * small full stop, U+2024 one dot leader: NFKC makes them '.') glues it:
	 * "a﹒b@" is a.b@ or a list, never b@. */
	EXPECT("a\xef\xb9\x92"
	       "b@example.jp",
	       "", 1);
	EXPECT("a\xe2\x80\xa4"
	       "b@example.jp",
	       "", 1);
	/* The same with full-width letters on either side, and a middle dot
	 * inside a local part; a middle dot between two addresses separates. */
	EXPECT("\xef\xbd\x94\xef\xbd\x81\xe3\x83\xbc\xef\xbd\x92\xef\xbd\x8f@example.jp", "", 1);
	EXPECT("yamada\xe3\x83\xbbtaro@example.jp", "", 1);
	EXPECT("a@example.jp\xe3\x83\xbb"
	       "b@example.jp",
	       "a@example.jp b@example.jp", 0);
	/* A prime between letters glues; a single-quoted name glued on is
	 * undecidable, a single-quoted address keeps its apostrophe. */
	EXPECT("o\xe2\x80\xb2"
	       "brien@example.ie",
	       "", 1);
	EXPECT("'Taro'taro@example.jp", "", 1);
	EXPECT("'o'brien@example.ie'", "o'brien@example.ie", 0);
}

static void wrapped(void)
{
	struct got *g;

	/* A PDF table: the address cell wraps, the other columns are empty below. */
	g = run("山田 太郎    x@example      営業部\n"
		"             .co.jp\n"
		"鈴木 花子    y@exa          総務部\n"
		"             mple.co.jp\n"
		"佐藤 次郎    sales.         開発部\n"
		"             admin@example.co.jp\n"
		"田中 一郎    plain@example.jp 人事部\n");
	T_EQ_STR(joined(g), "x@example.co.jp y@example.co.jp sales.admin@example.co.jp "
			    "plain@example.jp");
	T_EQ_INT(g->ninvalid, 0);
	T_EQ_INT(g->aline[0], 1);
	T_EQ_INT(g->aline[2], 5);
	/* Two address columns: the head's row has an address in its other cell
	 * (it was dropped unsaid, and the tail imported as sales@). */
	g = run("ninomiya.kazunari.   nishida@example.jp\n"
		"sales@example.co.jp\n");
	T_EQ_STR(joined(g), "nishida@example.jp ninomiya.kazunari.sales@example.co.jp");
	T_EQ_INT(g->ninvalid, 0);
	g = run("nishida@example.jp   ninomiya.kazunari.\n"
		"                     sales@example.co.jp\n");
	T_EQ_STR(joined(g), "nishida@example.jp ninomiya.kazunari.sales@example.co.jp");
	/* A word that only ends a sentence is no head: "Regards." stays a word. */
	EXPECT("Regards.   nishida@example.jp\nsales@example.co.jp\n",
	       "nishida@example.jp sales@example.co.jp", 0);
	/* Both readings give addresses: reported, nothing imported from it. */
	g = run("Name    salesadmin\n"
		"        support@example.jp\n");
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 1);
	T_CHECK(strstr(g->why[0], "line 1") != NULL);
	g = run("Name    admin@example.co\n"
		"        m\n");
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 1);
	T_CHECK(strstr(g->why[0], "line 2") != NULL);
	/* An indented list is no wrapped table either. */
	EXPECT("  ivan@example.net\n  Kim <kim@example.com>\n  mallory@example.test  (x)\n",
	       "ivan@example.net kim@example.com mallory@example.test", 0);
	EXPECT("  alice@example.com\n  Thanks\n", "alice@example.com", 0);
	EXPECT("  Regards.\n  admin@example.jp\n", "admin@example.jp", 0);
	EXPECT("  bob@example.jp\n  .NET team\n", "bob@example.jp", 0);
	/* A lone wrapped line of one column is still joined. */
	EXPECT("  yamada.taro@example.co\n  .jp\n", "yamada.taro@example.co.jp", 0);
	EXPECT("  yamada.taro.\n  admin@example.jp\n", "yamada.taro.admin@example.jp", 0);
	/* A plain list is no wrapped table. */
	EXPECT("a@example.jp\nb@example.jp\nThanks\n", "a@example.jp b@example.jp", 0);
	/* A fragment that cannot be completed is passed on (the normaliser rejects it). */
	EXPECT("x@example\n", "x@example", 0);
	/* A blank line ends the cell. */
	EXPECT("   x@example\n\n   .co.jp\n", "x@example", 0);
	/* Header words are no wrapped head. */
	EXPECT("Name    Email\n        support@example.jp\n", "support@example.jp", 0);
}

static void nasty(void)
{
	struct got *g;
	char *big = malloc(70000);

	/* A 64 KiB token with an '@': too long, reported with its length. */
	memset(big, 'a', 65536);
	memcpy(big + 65536, "@example.jp", 12);
	g = run(big);
	T_EQ_STR(joined(g), "");
	T_EQ_INT(g->ninvalid, 1);
	T_CHECK(strstr(g->why[0], "too long") != NULL);
	/* A long word without '@' next to an address. */
	memset(big, 'b', 65536);
	memcpy(big + 65536, " ok@example.jp", 15);
	EXPECT(big, "ok@example.jp", 0);
	free(big);
	/* NUL in the middle: bytes after it are still read, the glued token refused. */
	{
		static const char s[] = "a\0b@example.jp c@example.jp";
		int rc;
		struct got *h = scan(s, sizeof(s) - 1, 7, &rc);

		T_EQ_INT(rc, 2);
		T_EQ_STR(joined(h), "c@example.jp");
		T_EQ_INT(h->ninvalid, 1);
		T_EQ_INT(h->iline[0], 7);
	}
	/* Invalid UTF-8 everywhere, truncated sequences, overlongs. */
	EXPECT("\xc0\xaf\xe0\x80\x80 \xf4\x90\x80\x80 \xe3\x80 ok@example.jp \xe3", "ok@example.jp",
	       0);
	/* A cell with several lines and several addresses. */
	{
		static const char cell[] = "a@example.jp\r\nb@example.jp\rc@example.jp";
		int rc;
		struct got *h = scan(cell, sizeof(cell) - 1, 3, &rc);

		T_EQ_INT(rc, 3);
		T_EQ_STR(joined(h), "a@example.jp b@example.jp c@example.jp");
	}
}

/* A password is never an identity: after "address:" (a combolist) or a first
 * word that is a password label, a token with an '@' is refused, one without
 * skipped. */
static void passwords(void)
{
	EXPECT("taro@example.jp:hunter2", "taro@example.jp", 0);
	EXPECT("taro@example.jp:secret@home.jp", "taro@example.jp", 1);
	EXPECT("Password: p@ss.jp", "", 1);
	EXPECT("PASSWORD : p@ss.jp", "", 1);
	EXPECT("pass:p@ss.jp", "", 1);
	EXPECT("\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xef\xbc\x9ax@y.jp", "",
	       1);
	/* Every word that may come before a label (label_prefix, kept by length),
	 * in either case; a word of no list is text, and the address kept. */
	{
		static const char *const pre[] = {
		    "my",	 "db",	      "new",	      "old",	 "the",	     "vpn",
		    "zip",	 "pdf",	      "ftp",	      "ssh",	 "web",	     "your",
		    "temp",	 "wifi",      "wlan",	      "root",	 "user",     "mail",
		    "file",	 "sftp",      "ldap",	      "wi-fi",	 "admin",    "login",
		    "email",	 "e-mail",    "portal",	      "router",	 "master",   "shared",
		    "backup",	 "server",    "domain",	      "initial", "current",  "default",
		    "account",	 "archive",   "network",      "windows", "one-time", "database",
		    "temporary", "generated", "administrator"};
		char line[96];

		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
			snprintf(line, sizeof(line), "%s password: p@ss.example.jp", pre[i]);
			EXPECT(line, "", 1);
			line[0] = (char)(line[0] - 32);
			EXPECT(line, "", 1);
		}
		EXPECT("Mein password: jiro@example.jp", "jiro@example.jp", 0);
		EXPECT("Administrators password: jiro@example.jp", "jiro@example.jp", 0);
	}
	/* Not a label in the first word, or not followed by one colon: kept. */
	EXPECT("Reset password: jiro@example.jp", "jiro@example.jp", 0);
	EXPECT("password jiro@example.jp", "jiro@example.jp", 0);
	/* A label after an address on the line, and a "pwd=" value. */
	EXPECT("Login: shiro@example.jp Password: q@w.jp", "shiro@example.jp", 1);
	EXPECT("URL: https://x.example/ Login: a@example.jp Pass: b@example.jp", "a@example.jp", 1);
	EXPECT("login=saburo@example.jp pwd=p@ss.jp", "saburo@example.jp", 1);
	EXPECT("password=secret@x.jp", "", 1);
	EXPECT("a@example.jp Password: b@example.jp c@example.jp", "a@example.jp c@example.jp", 1);
	/* A label after words without an address is text: kept. */
	EXPECT("Please reset your password: jiro@example.jp", "jiro@example.jp", 0);
	{
		struct got *h = run("Login: a@example.jp Password: Secr3t@home.jp");

		T_EQ_INT(h->ninvalid, 1);
		T_CHECK(strstr(h->why[0], "Secr3t") == NULL);
	}
	/* Labels of other languages, and a label glued with '=' or a bracket. */
	EXPECT("zhang@example.com 口令: pw@example.com", "zhang@example.com", 1);
	EXPECT("kim@example.com 암호: pw@example.com", "kim@example.com", 1);
	EXPECT("kim@example.com 패스워드: pw@example.com", "kim@example.com", 1);
	EXPECT("zhang@example.com 登录密码：pw@example.com", "zhang@example.com", 1);
	EXPECT("zhang@example.com 密码=pw@example.com", "zhang@example.com", 1);
	EXPECT("zhang@example.com [password] pw@example.com", "zhang@example.com", 1);
	EXPECT("山田=taro@example.jp", "taro@example.jp", 0);
	/* An address list separated by ': ' is not a combolist. */
	EXPECT("taro@example.jp: hanako@example.jp", "taro@example.jp hanako@example.jp", 0);
	{
		struct got *h = run("a@example.jp:b@example.jp");

		T_EQ_STR(joined(h), "a@example.jp");
		T_EQ_INT(h->ninvalid, 1);
		T_CHECK(strstr(h->why[0], "password") != NULL);
	}
}

/* A URL's query glued on: a known key's value, a password refused, an
 * unknown key reported; Markdown's emphasis around an address. */
/* A password set in a sentence, anywhere on the line: a label and "is" or a
 * particle (は, が), or a Japanese run ending with a label and a colon; its
 * value ends the sentence.  An address the sentence names is kept. */
static void sentence_passwords(void)
{
	EXPECT("パスワードは Pw@2021.jp です。", "", 1);
	EXPECT("パスワードはPw@2021.jpです。", "", 1);
	EXPECT("パスワードは「Pw@2021.jp」です。", "", 1);
	EXPECT("パスワード は Pw@2021.jp です", "", 1);
	EXPECT("パスワードが Pw@2021.jp になります。", "", 1);
	EXPECT("パスワードは Pw@2021.jp。ご確認ください。", "", 1);
	EXPECT("ログインパスワードは『two words@x.jp』となります。", "", 1);
	EXPECT("ZIPファイルの解凍パスワード：Pw@2021.jp", "", 1);
	EXPECT("ﾊﾟｽﾜｰﾄﾞは Pw@2021.jp です", "", 1);
	EXPECT("Hi, the password is Pw@2021.jp.", "", 1);
	EXPECT("Note: the password is Pw@2021.jp. Change it.", "", 1);
	EXPECT("taro@example.jpのパスワードはPw@2021.jpです。", "taro@example.jp", 1);
	EXPECT("ユーザー名は hanako@example.jp、パスワードは Pw@2021.jp です。",
	       "hanako@example.jp", 1);
	{
		struct got *h = run("パスワードは Secr3t@home.jp です。");

		T_EQ_INT(h->ninvalid, 1);
		T_CHECK(strstr(h->why[0], "Secr3t") == NULL);
	}
	/* The sentence goes on past the address, or no label sets it: kept. */
	EXPECT("パスワードは jiro@example.jp 宛に送付しました。", "jiro@example.jp", 0);
	EXPECT("パスワードはjiro@example.jpに送付しました。", "jiro@example.jp", 0);
	EXPECT("パスワードは a@example.jp、b@example.jp の分を再発行しました。",
	       "a@example.jp b@example.jp", 0);
	EXPECT("パスワードが漏洩したアカウントは c@example.jp です。", "c@example.jp", 0);
	EXPECT("連絡先は yamada@example.jp です。", "yamada@example.jp", 0);
	EXPECT("コンパスは d@example.jp です。", "d@example.jp", 0);
	EXPECT("The password was sent to e@example.jp.", "e@example.jp", 0);
	EXPECT("Users who reset their password: f@example.jp", "f@example.jp", 0);
}

/* In text, a line ending "<a@x>:" is an attribution only when it says so or
 * opens with a date and a time; in a mail, as before, any such line. */
static void attributions(void)
{
	static const struct {
		const char *line;
		bool text, mail;
	} lines[] = {
	    {"  * Incorporates a patch by Martin Pitt <m@example.com>:", false, true},
	    {"山田太郎 <yamada@example.jp>:", false, true},
	    {"山田太郎 <yamada@example.jp>：", false, true},
	    {"2021年5月26日(水) 10:00 山田 <a@example.jp>:", true, true},
	    {"> 2021/05/26 10:00 Desk <a@example.jp>:", true, true},
	    {"On Wed, May 26, 2021 at 10:00 AM Bob <b@example.org> wrote:", true, true},
	    {"Bob <b@example.org> writes:", true, false},
	    {"山田 <a@example.jp> のメッセージ：", true, false},
	    {"山田 <a@example.jp> さんは書きました: ", true, true},
	    {"> From: Security <s@example.jp>", true, true},
	    {"taro@example.jp", false, false},
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *l = lines[i].line;
		/* as read_text asks it: the fold's colon and label, then the end */
		struct bg_hdr_fold f = {false, false, false, 0, false, false};
		bool folded = bg_header_fold(&f, l, strlen(l)),
		     text = f.colon && (f.header || bg_text_attribution_end(l, strlen(l))),
		     mail = bg_quoted_header(l, strlen(l));

		if (text != lines[i].text || mail != lines[i].mail)
			fprintf(stderr, "  %s: text %d, mail %d\n", l, text, mail);
		T_CHECK(!folded);
		T_CHECK(text == lines[i].text);
		T_CHECK(mail == lines[i].mail);
	}
}

/* A header's label, as the colon-first tests read it: blanks before the
 * colon, either colon, quote marks, an X- name, a message id's name with '_'
 * and '.' (msgid only); "mailto:", a longer word, a colon after an address
 * or none: no label. */
static void header_labels(void)
{
	static const struct {
		const char *line;
		bool plain, msgid;
	} lines[] = {
	    {"To: a@example.jp", true, true},
	    {"Cc   : a@example.jp", true, true},
	    {"> > Reply-To：a@example.jp", true, true},
	    {"＞宛先：a@example.jp", true, true},
	    {"差出人 : 山田 <a@example.jp>", true, true},
	    {"disposition-notification-to: a@example.jp", true, true},
	    {"X-Original-To: a@example.jp", true, true},
	    {"x-y: a@example.jp", true, true},
	    {"Message_ID: <1.2@mx.example.jp>", false, true},
	    {"internet.message.id: <1.2@mx.example.jp>", false, true},
	    {"References: <1.2@mx.example.jp>", false, true},
	    {"mailto:a@example.jp", false, false},
	    {"Tokyo: a@example.jp", false, false},
	    {"tox: a@example.jp", false, false},
	    {"a@example.jp: b", false, false},
	    {"a@example.jp", false, false},
	    {"", false, false},
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *l = lines[i].line;
		bool plain = bg_header_line(l, strlen(l), false),
		     msgid = bg_header_line(l, strlen(l), true);

		if (plain != lines[i].plain || msgid != lines[i].msgid)
			fprintf(stderr, "  %s: plain %d, msgid %d\n", l, plain, msgid);
		T_CHECK(plain == lines[i].plain);
		T_CHECK(msgid == lines[i].msgid);
		/* bg_header_fold keeps the first answer for the line */
		{
			struct bg_hdr_fold f = {false, false, false, 0, false, false};

			T_CHECK(bg_header_fold(&f, l, strlen(l)) == false);
			T_CHECK(f.header == plain);
		}
	}
}

static void query_and_emphasis(void)
{
	EXPECT("GET /api?mail=erin@example.com&pwd=x HTTP/1.1", "erin@example.com", 0);
	EXPECT("/x?u=bob@example.com", "", 1);
	EXPECT("/x?a=1&password=p@ss.jp", "", 1);
	EXPECT("a&b@example.com", "a&b@example.com", 0);
	EXPECT("| _frank@example.com_ | __dunder@example.com__ |",
	       "frank@example.com dunder@example.com", 0);
	EXPECT("_admin@example.com", "_admin@example.com", 0);
}

/* Mail logs and pasted headers: a key's last part names an address
 * (sasl_username=), a message id is no mailbox, an unknown key glued on is
 * reported, a rewritten address (SRS) is kept whole. */
static void mail_logs(void)
{
	EXPECT("4ABC: client=x[192.0.2.1], sasl_method=LOGIN, sasl_username=taro@example.jp",
	       "taro@example.jp", 0);
	EXPECT("4ABC: to=<jiro@example.jp>, orig_to=<jiro.s@example.jp>, status=sent",
	       "jiro@example.jp jiro.s@example.jp", 0);
	EXPECT("4ABC: message-id=<20211103.abc@mx.example.jp>", "", 1);
	EXPECT("4ABC: message-id=<1.2@mx.example.jp> from=<hanako@example.jp>", "hanako@example.jp",
	       1);
	EXPECT("Message-ID: <CAF1234@mail.example.com>", "", 1);
	EXPECT("References: <a1@x.example.jp> <b2@y.example.jp>", "", 2);
	EXPECT("msgid=abc123@mx.example.jp user=taro@example.jp", "taro@example.jp", 1);
	EXPECT("status=bounced@example.jp", "", 1);
	/* "id" names an address only as the whole key: a queue's, a session's or
	 * a message's id is none; "name" only as a part (user_name=). */
	EXPECT("message_id=abc123@mx.example.jp", "", 1);
	EXPECT("queue_id=4ABC@mx.example.jp session_id=s@x.example.jp", "", 2);
	EXPECT("id=taro@example.jp user_name=hanako@example.jp",
	       "taro@example.jp hanako@example.jp", 0);
	EXPECT("name=jiro@example.jp", "", 1);
	EXPECT("Authentication-Results: mx; spf=pass smtp.mailfrom=saburo@example.jp",
	       "saburo@example.jp", 0);
	EXPECT("SRS0=ab=cd=example.org=c@example.jp", "SRS0=ab=cd=example.org=c@example.jp", 0);
	/* A label's word after an address is text, not a header. */
	EXPECT("taro@example.jp references: hanako@example.jp", "taro@example.jp hanako@example.jp",
	       0);
}

/* A terminal's colours (grep --color=always) around an address are gaps. */
static void terminal_colours(void)
{
	EXPECT("\x1b[01;31m\x1b[Ktaro@example.jp\x1b[m\x1b[K ok", "taro@example.jp", 0);
	EXPECT("\x1b[1;32mhanako@example.jp\x1b[0m,\x1b[32mjiro@example.jp\x1b[0m",
	       "hanako@example.jp jiro@example.jp", 0);
	/* A lone ESC is no colour: glued, refused. */
	EXPECT("\x1b"
	       "Btaro@example.jp",
	       "", 1);
}

/* The readers' test before they tokenise: what the tokeniser reads as an
 * address's '@', not only the ASCII one. */
static void maybe(void)
{
	static const struct {
		const char *s;
		bool want;
	} c[] = {
	    {"taro@example.jp", true},
	    {"\xef\xbd\x94\xef\xbd\x81\xef\xbc\xa0\xef\xbd\x85.jp", true}, /* ｔａ＠ｅ.jp */
	    {"taro[at]example.jp", true},
	    {"taro (AT) example.jp", true},
	    {"taro{@}example.jp", true},
	    {"taro\xef\xbc\x88\xef\xbd\x81\xef\xbd\x94\xef\xbc\x89"
	     "example.jp",
	     true},							    /* （ａｔ） */
	    {"taro\xef\xbc\xbb\xe3\x80\x80\xef\xbc\xa0\xef\xbc\xbd", true}, /* ［　＠］ */
	    {"saburo\xef\xbc\xbb"
	     "at\xef\xbc\xbd"
	     "example.jp",
	     true},		     /* ［at］ */
	    {"\xc3\xa9@x.jp", true}, /* é@ */
	    {"", false},
	    {"\xe4\xbb\xa5\xe4\xb8\x8a", false}, /* 以上 */
	    {"taro (dot) example", false},
	    {"(attention) please", false},
	    {"\xef\xbc", false}, /* a cut sequence */
	    {"[a", false},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		T_EQ_INT(bg_addr_maybe(c[i].s, strlen(c[i].s)), c[i].want);
}

/* A quoted header's folded lines: after blanks, or, below an open To:/Cc:,
 * addresses only with as many quote marks. */
static void header_fold(void)
{
	static const struct {
		const char *line;
		bool fold;
	} seq[] = {
	    {"> To: a1@example.com; a2@example.com;", false},
	    {"> a3@example.com, a4@example.com,", true},
	    {"> a5@example.com", true},
	    {"> Cc: c1@example.com,", false},
	    {">   c2@example.com", true}, /* RFC 5322 folding */
	    {"> taro@example.jp", false}, /* Cc: ended without a separator */
	    {"> To: t1@example.com,", false},
	    {">> t2@example.com", false}, /* another quote depth */
	    {"> To: t1@example.com,", false},
	    {"> Taro Yamada t2@example.com", false}, /* words: not addresses only */
	    {"To: all users,", false},
	    {"taro@example.jp", false}, /* names no one: no list goes on */
	    {"From: s@example.com,", false},
	    {"hanako@example.jp", false}, /* no recipients' header */
	    {"＞宛先：a@example.com、", false},
	    {"＞b@example.com", true},
	};
	struct bg_hdr_fold f = {false, false, false, 0, false, false};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		bool got = bg_header_fold(&f, seq[i].line, strlen(seq[i].line));

		if (got != seq[i].fold)
			fprintf(stderr, "  %s: %d\n", seq[i].line, got);
		T_CHECK(got == seq[i].fold);
		if (!got)
			T_CHECK(f.header ==
				bg_header_line(seq[i].line, strlen(seq[i].line), false));
	}
	T_CHECK(bg_header_fold(&f, "> To: x@example.com,", 20) == false);
	bg_header_fold_end(&f); /* an empty line */
	T_CHECK(bg_header_fold(&f, "> y@example.com", 15) == false);
}

/* bg_head_pair_label's joiners, and bg_pair_row's account and password on the
 * rows below one: the shapes it takes, and those it leaves to the tokeniser. */
static void pair_rows(void)
{
	static const struct {
		const char *row;
		const char *account, *password; /* NULL: not a pair row */
	} rows[] = {
	    {"taro@x.jp/Tr9pw@evil.jp", "taro@x.jp", "Tr9pw@evil.jp"},
	    {"  taro@x.jp / pw extra@x.jp", "taro@x.jp", "pw"},
	    {"taro@x.jp\xef\xbc\x8fpw", "taro@x.jp", "pw"}, /* ／ */
	    {"taro@x.jp\xe3\x80\x80pw", "taro@x.jp", "pw"}, /* U+3000 */
	    {"taro@x.jp , pw", "taro@x.jp", "pw"},
	    {"taro@x.jp\xe3\x80\x81\xe3\x80\x80pw", "taro@x.jp", "pw"}, /* 、 and U+3000 */
	    {"taro@x.jp\tpw", "taro@x.jp", "pw"},
	    {"https://x.jp/a@b.jp pw", NULL, NULL}, /* a URL */
	    {"ID: taro@x.jp/pw", NULL, NULL},
	    {"ftp:taro@x.jp/dir", NULL, NULL},
	    /* a ':' in the word: a URL's */ /* a label's ':' */
	    {"taro@x.jp/", NULL, NULL},	     /* no password */
	    {"taro@x.jp", NULL, NULL},
	    {"taro@x/pw", NULL, NULL},	   /* no '.' after the '@' */
	    {"taro@x.jp./pw", NULL, NULL}, /* a trailing dot */
	    {"@x.jp/pw", NULL, NULL},
	    {"name taro@x.jp/pw", NULL, NULL}, /* the first word holds no address */
	};
	static const struct {
		const char *line;
		char joiner;
	} labels[] = {
	    {"ID/PW", '/'},
	    {"\xef\xbb\xbfID\xef\xbc\x8fPW\r", '\x02'},
	    {"\xef\xbc\xa9\xef\xbc\xa4\xe3\x83\xbb\xef\xbc\xb0\xef\xbc\xb7",
	     '\x03'}, /* ＩＤ・ＰＷ */
	    {"ID,PW", ','},
	    {"\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab\xef\xbc\x8c"
	     "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89",
	     ','}, /* メール，パスワード */
	    {"ID/PW list", 0},
	    {"email password", 0},
	    {"", 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *r = rows[i].row;
		size_t pw = 0, pe = 0, k = bg_pair_row(r, strlen(r), &pw, &pe);

		if (!rows[i].account) {
			T_CHECK(k == 0);
			continue;
		}
		T_CHECK(k > 0 && strncmp(r + k - strlen(rows[i].account), rows[i].account,
					 strlen(rows[i].account)) == 0);
		T_CHECK(pe - pw == strlen(rows[i].password) &&
			memcmp(r + pw, rows[i].password, pe - pw) == 0);
	}
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		T_CHECK(bg_head_pair_label(labels[i].line, strlen(labels[i].line)) ==
			labels[i].joiner);
}

/* The pieces a combo head's reader was given, in order. */
struct pieces_got {
	unsigned n;
	unsigned long line[300];
	char first[300][48];
	int fail_at; /* the call (1-based) that fails with -EIO; 0: none */
};

static int got_fn(void *arg, const char *s, size_t n, unsigned long line)
{
	struct pieces_got *g = arg;

	if (g->n < 300) {
		g->line[g->n] = line;
		snprintf(g->first[g->n], sizeof(g->first[0]), "%.*s", (int)(n < 47 ? n : 47), s);
	}
	g->n++;
	return g->fail_at && (int)g->n == g->fail_at ? -EIO : 0;
}

/* bg_combo_sep_rows over a letter's lines; bg_combo_head's holding, its
 * release (by the reader, at the 200th row, at 64 KiB) and its order. */
static void combo_head(void)
{
	static const char letter[] = "\xe5\x90\x84\xe4\xbd\x8d\n" /* 各位 */
				     "Thank you for your continued business.\n"
				     "We found the credentials below on a paste site.\n"
				     "Please have them changed.\n"
				     "\n"
				     "taro@x.jp;Tr9pw@evil.jp\n"
				     "hanako@x.jp;Natsu2021\n"
				     "jiro@x.jp;qwerty\n"
				     "\n"
				     "Regards,\n"
				     "The security team\n"
				     "Tel 03-1234-5678\n";
	static const char enumeration[] = "The accounts:\n"
					  "taro@x.jp, hanako@x.jp\n"
					  "jiro@x.jp, saburo@x.jp\n"
					  "shiro@x.jp, goro@x.jp\n";
	struct bg_addrtok *tok = NULL;
	struct bg_combo_head h = {0};
	struct pieces_got *g = calloc(1, sizeof(*g));
	bool field;
	uint32_t cp;
	char row[64];

	T_CHECK(g != NULL);
	if (!g)
		return;
	/* the prose outvotes three rows when every line counts, not when only
	 * the rows (and the first line) do */
	T_CHECK(bg_combo_sep_cp(letter, sizeof(letter) - 1, &field, &cp) == 0);
	T_CHECK(bg_combo_sep_rows(letter, sizeof(letter) - 1, &field, &cp) == ';');
	T_CHECK(bg_combo_sep_rows(enumeration, sizeof(enumeration) - 1, &field, &cp) == 0);
	T_EQ_INT(bg_addrtok_new(&tok, NULL), 0);

	/* not holding: each piece read at once */
	T_EQ_INT(bg_combo_head_put(&h, tok, "a@x.jp", 6, 1, got_fn, g), 0);
	T_EQ_INT((int)g->n, 1);

	/* holding: nothing read until the release, then all, in order */
	g->n = 0;
	bg_combo_head_start(&h);
	for (unsigned long i = 0, ln = 1; i < sizeof(letter) - 1; ln++) {
		const char *nl = memchr(letter + i, '\n', sizeof(letter) - 1 - i);
		size_t e = (size_t)(nl - letter);

		T_EQ_INT(bg_combo_head_put(&h, tok, letter + i, e - i, ln, got_fn, g), 0);
		i = e + 1;
	}
	T_EQ_INT((int)g->n, 0);
	T_EQ_INT(bg_combo_head_release(&h, tok, got_fn, g), 0);
	T_EQ_INT((int)g->n, 12);
	T_EQ_INT((int)g->line[5], 6);
	T_EQ_STR(g->first[5], "taro@x.jp;Tr9pw@evil.jp");
	T_EQ_INT((int)g->line[11], 12);
	T_CHECK(h.sep == ';' && !h.on);
	/* released: the next piece is read at once; a second release is nothing */
	T_EQ_INT(bg_combo_head_put(&h, tok, "b@x.jp", 6, 13, got_fn, g), 0);
	T_EQ_INT((int)g->n, 13);
	T_EQ_INT(bg_combo_head_release(&h, tok, got_fn, g), 0);
	T_EQ_INT((int)g->n, 13);

	/* the 200th row releases the head; lines without an address do not count */
	g->n = 0;
	bg_combo_head_start(&h);
	for (unsigned i = 1; i <= 200; i++) {
		int k = snprintf(row, sizeof(row), "user%u@x.jp|pw%u", i, i);

		T_EQ_INT(bg_combo_head_put(&h, tok, "no address here", 15, 2 * i - 1, got_fn, g),
			 0);
		T_EQ_INT(bg_combo_head_put(&h, tok, row, (size_t)k, 2 * i, got_fn, g), 0);
		if (i == 199)
			T_EQ_INT((int)g->n, 0);
	}
	T_EQ_INT((int)g->n, 400);
	T_CHECK(!h.on && h.sep == '|');

	/* 64 KiB of lines without an address releases it too; nothing learned */
	g->n = 0;
	bg_combo_head_start(&h);
	{
		char big[1024];
		unsigned i;

		memset(big, 'x', sizeof(big));
		for (i = 0; h.on && i < 100; i++)
			T_EQ_INT(bg_combo_head_put(&h, tok, big, sizeof(big), i + 1, got_fn, g), 0);
		T_EQ_INT((int)i, 64);
		T_EQ_INT((int)g->n, 64);
		T_CHECK(h.sep == 0);
	}

	/* the reader's failure stops the release and is returned */
	g->n = 0;
	g->fail_at = 2;
	bg_combo_head_start(&h);
	for (unsigned i = 1; i <= 3; i++)
		T_EQ_INT(bg_combo_head_put(&h, tok, "a@x.jp;pw", 9, i, got_fn, g), 0);
	T_EQ_INT(bg_combo_head_release(&h, tok, got_fn, g), -EIO);
	T_EQ_INT((int)g->n, 2);

	bg_combo_head_free(&h);
	bg_addrtok_free(tok);
	free(g);
}

/* bg_sender_header: the sender's address of a header line, and no other. */
static void sender_header(void)
{
	static const struct {
		const char *line, *addr; /* NULL: none */
	} cases[] = {
	    {"From: Security <sec@vendor.example.jp>", "sec@vendor.example.jp"},
	    {"> From: sec@vendor.example.jp", "sec@vendor.example.jp"},
	    {"\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba:\t\xe4\xba\x8b\xe5\x8b\x99\xe5\xb1\x80 "
	     "<sec@vendor.example.jp>",
	     "sec@vendor.example.jp"}, /* 差出人:<TAB>事務局 <...> */
	    {"\xe9\x80\x81\xe4\xbf\xa1\xe8\x80\x85\xef\xbc\x9a\"sec@x.jp\"",
	     "sec@x.jp"}, /* 送信者："..." */
	    {"Sender: (ops) ops@x.jp,", "ops@x.jp"},
	    {"To: admin@x.jp", NULL},
	    {"From the list: a@x.jp", NULL},
	    {"From: no address here", NULL},
	    {"From: <a b@x.jp>", NULL},
	    {"taro@x.jp", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = NULL;
		size_t k = bg_sender_header(cases[i].line, strlen(cases[i].line), &a);

		if (!cases[i].addr) {
			T_CHECK(k == 0);
			continue;
		}
		T_CHECK(k == strlen(cases[i].addr) && a && memcmp(a, cases[i].addr, k) == 0);
	}
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(separators);
	T_RUN(mixed_width);
	T_RUN(glued_lead);
	T_RUN(mixed_scripts_local);
	T_RUN(compat_and_format);
	T_RUN(defanged);
	T_RUN(never_glued);
	T_RUN(wrapped);
	T_RUN(nasty);
	T_RUN(passwords);
	T_RUN(sentence_passwords);
	T_RUN(attributions);
	T_RUN(header_labels);
	T_RUN(maybe);
	T_RUN(mail_logs);
	T_RUN(terminal_colours);
	T_RUN(query_and_emphasis);
	T_RUN(header_fold);
	T_RUN(pair_rows);
	T_RUN(combo_head);
	T_RUN(sender_header);
	return t_done("test_addrtok");
}
