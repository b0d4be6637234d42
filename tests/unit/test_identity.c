/* test_identity.c: address normalisation and an account's identities. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "t.h"

static const char *norm(const struct bg_norm_opts *o, const char *in)
{
	static char out[BG_ID_MAX];
	int n = bg_normalise(in, strlen(in), o, out, sizeof(out));

	if (n < 0)
		snprintf(out, sizeof(out), "ERR:%s", bg_norm_strerror(n));
	return out;
}

static const struct bg_norm_opts o = {true, "+"};

static void normalises(void)
{
	static const struct bg_norm_opts keep = {false, ""};

	T_EQ_STR(norm(&o, "Alice@Example.COM"), "alice@example.com");
	T_EQ_STR(norm(&o, "  bob+news@example.com \t"), "bob@example.com");
	T_EQ_STR(norm(&o, "\"Doe, Jane\" <Jane.Doe+x@Example.org>"), "jane.doe@example.org");
	T_EQ_STR(norm(&o, "<carol@example.net>"), "carol@example.net");
	T_EQ_STR(norm(&o, "mailto:dave@example.com?subject=hi"), "dave@example.com");
	T_EQ_STR(norm(&o, "MAILTO:Eve@Example.com"), "eve@example.com");
	T_EQ_STR(norm(&o, "frank@example.com."), "frank@example.com");
	T_EQ_STR(norm(&o, "+tag@example.com"), "+tag@example.com");
	T_EQ_STR(norm(&keep, "Bob+News@Example.com"), "Bob+News@example.com");
	/* Unicode domain and its punycode are one identity; NFC before hashing. */
	T_EQ_STR(norm(&o, "user@b\xc3\xbc"
			  "cher.example"),
		 "user@xn--bcher-kva.example");
	T_EQ_STR(norm(&o, "user@XN--BCHER-KVA.example"), "user@xn--bcher-kva.example");
	T_EQ_STR(norm(&o, "J\xc3\x9cRGEN@example.com"), "j\xc3\xbcrgen@example.com");
	T_EQ_STR(norm(&o, "ju\xcc\x88rgen@example.com"), "j\xc3\xbcrgen@example.com");
	/* NFC turns U+037E (Greek question mark) into ';': not a local-part character. */
	T_EQ_STR(norm(&o, "ab\xcd\xbe"
			  "c@example.com"),
		 "ERR:invalid local part");
}

/* Rejections, each with its reason. */
static void rejections(void)
{
	T_EQ_STR(norm(&o, ""), "ERR:empty");
	T_EQ_STR(norm(&o, "   "), "ERR:empty");
	T_EQ_STR(norm(&o, "no at sign"), "ERR:no @ in the address");
	T_EQ_STR(norm(&o, "@example.com"), "ERR:invalid local part");
	T_EQ_STR(norm(&o, "a b@example.com"), "ERR:invalid local part");
	T_EQ_STR(norm(&o, "alice@"), "ERR:invalid domain");
	T_EQ_STR(norm(&o, "alice@exa..mple.com"), "ERR:invalid domain");
	T_EQ_STR(norm(&o, "alice@exa mple.com"), "ERR:invalid domain");
	T_EQ_STR(norm(&o, "al\xff"
			  "ice@example.com"),
		 "ERR:invalid UTF-8");
	T_EQ_STR(norm(&o, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@"
			  "example.com"),
		 "ERR:address too long");
}

/* Limits apply to the result: "ß" folds to "ss", and normalising twice agrees. */
static void limits(void)
{
	char local[80], in[100], once[BG_ID_MAX];
	char nul[] = "al\0ice@example.com";
	int n1;

	memset(local, 'a', 63);
	memcpy(local + 63, "\xc3\x9f", 3);
	snprintf(in, sizeof(in), "%s@example.com", local);
	n1 = bg_normalise(in, strlen(in), &o, once, sizeof(once));
	T_EQ_INT(n1, BG_NORM_TOO_LONG); /* 63 a + "ss" = 65 octets: over 64 */
	local[61] = '\0';
	snprintf(in, sizeof(in), "%s\xc3\x9f@example.com", local);
	n1 = bg_normalise(in, strlen(in), &o, once, sizeof(once));
	T_CHECK(n1 > 0);
	T_EQ_STR(norm(&o, once), once);
	T_EQ_INT(bg_normalise(nul, sizeof(nul) - 1, &o, once, sizeof(once)), BG_NORM_BAD_UTF8);
}

/* Account identities: domains, fully-qualified name, GECOS, aliases, user:NAME. */
static void identities(void)
{
	{
		struct bg_config c;
		struct bg_identities ids = {0};
		struct passwd pw = {0};
		char tmpl[] = "/tmp/bg-test-aliases-XXXXXX";
		int fd = mkstemp(tmpl);
		const char *aliases = "# address user\n"
				      "Old.Name@Example.org  alice\n"
				      "other@example.org bob\n"
				      "broken-line-without-user\n";

		T_CHECK(fd >= 0);
		T_EQ_INT(write(fd, aliases, strlen(aliases)), (long long)strlen(aliases));
		fchmod(fd, 0644);
		close(fd);
		bg_config_defaults(&c);
		bg_list_add(&c.domains, "example.com", 11);
		bg_list_add(&c.domains, "corp.example", 12);
		c.gecos_email = true;
		snprintf(c.aliases, sizeof(c.aliases), "%s", tmpl);
		pw.pw_name = (char *)"alice";
		pw.pw_gecos = (char *)"Alice Liddell,Room 1,,,alice.l@Example.net";
		T_EQ_INT(bg_account_identities(&c, &pw, &ids, NULL), 0);
		T_EQ_INT(ids.n, 5);
		T_EQ_STR(ids.id[0], "alice@example.com");
		T_EQ_STR(ids.id[1], "alice@corp.example");
		T_EQ_STR(ids.id[2], "alice.l@example.net");
		T_EQ_STR(ids.id[3], "old.name@example.org");
		T_EQ_STR(ids.id[4], "user:alice");
		pw.pw_name = (char *)"Jane.Doe@AD.Example.com";
		pw.pw_gecos = NULL;
		c.domains.n = c.domains.used = 0;
		T_EQ_INT(bg_account_identities(&c, &pw, &ids, NULL), 0);
		T_EQ_STR(ids.id[0], "jane.doe@ad.example.com");
		/* An unsafe aliases file is an error, not a silent miss. */
		chmod(tmpl, 0666);
		T_CHECK(bg_account_identities(&c, &pw, &ids, NULL) < 0);
		unlink(tmpl);
		T_CHECK(bg_account_identities(&c, &pw, &ids, NULL) < 0);
		bg_identities_free(&ids);
	}
}

/* The settings as the store and a bundle record them: one encoding per set
 * of separators, decoded back; anything else refused. */
static void norm_encoding(void)
{
	struct bg_norm_opts a = {.fold_case = true, .subaddress = "-+"}, b = {0}, c;
	unsigned char e[BG_NORM_ENC_MAX], f[BG_NORM_ENC_MAX];
	char text[BG_NORM_TEXT_MAX];
	size_t n;

	n = bg_norm_encode(&a, e);
	T_EQ_INT(n, 3);
	T_CHECK(e[0] == 1 && e[1] == '+' && e[2] == '-'); /* sorted */
	T_EQ_INT(bg_norm_decode(e, n, &c), 0);
	T_CHECK(c.fold_case && strcmp(c.subaddress, "+-") == 0 && bg_norm_same(&a, &c));
	snprintf(b.subaddress, sizeof(b.subaddress), "+-+-");
	b.fold_case = true;
	T_CHECK(bg_norm_same(&a, &b)); /* order and repeats do not matter */
	b.fold_case = false;
	T_CHECK(!bg_norm_same(&a, &b));
	b.subaddress[0] = '\0';
	T_EQ_INT(bg_norm_encode(&b, f), 1);
	T_EQ_INT(f[0], 0);
	T_EQ_INT(bg_norm_decode(f, 1, &c), 0);
	T_CHECK(!c.fold_case && c.subaddress[0] == '\0');
	bg_norm_describe(&b, text, sizeof(text));
	T_EQ_STR(text, "fold_case = no, subaddress = none");
	bg_norm_describe(&a, text, sizeof(text));
	T_EQ_STR(text, "fold_case = yes, subaddress = +-");
	snprintf(a.subaddress, sizeof(a.subaddress), "\x01+");
	bg_norm_describe(&a, text, sizeof(text));
	T_EQ_STR(text, "fold_case = yes, subaddress = \\x01+");
	/* Refused: empty, too long, fold byte not 0/1, unsorted, repeated, NUL. */
	T_EQ_INT(bg_norm_decode(e, 0, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x01+-+-+-+-", 9, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x02+", 2, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x01-+", 3, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x01++", 3, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x01\0", 2, &c), -EBADMSG);
	T_EQ_INT(bg_norm_decode("\x01+-", 3, &c), 0);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(normalises);
	T_RUN(rejections);
	T_RUN(limits);
	T_RUN(identities);
	T_RUN(norm_encoding);
	return t_done("test_identity");
}
