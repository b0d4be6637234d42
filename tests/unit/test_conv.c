/* test_conv.c: ISO-2022-JP as Japanese mailers write it (conv.c): the NEC and
 * IBM rows of CP932 in the JIS X 0208 shift, the kana shifts, the escapes cut
 * by a buffer's end, errors that keep the pairs aligned; and every other name
 * exactly iconv. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "conv.h"
#include "t.h"

#define ESC_B "\x1b$B"
#define ESC_A "\x1b(B"

/* The whole of s (n bytes) decoded, as input.c does it: an error becomes '?'
 * and one byte is stepped over.  Returns the errors. */
static int decode(const char *enc, const char *s, size_t n, char *out, size_t cap)
{
	struct bg_conv *c = bg_conv_open(enc);
	char *ip = (char *)s, *op = out;
	size_t il = n, ol = cap - 1;
	int bad = 0;

	if (!c)
		return -1;
	while (il) {
		if (bg_conv(c, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG || errno == EINVAL)
			break;
		bad++;
		*op++ = '?';
		ol--;
		ip++;
		il--;
	}
	*op = '\0';
	bg_conv_close(c);
	return bad;
}

static void nec_ibm(void)
{
	char out[256];

	/* ① (NEC row 13), ㈱, 纊 (NEC-selected IBM row 89), then ASCII. */
	static const char s[] = ESC_B "\x2d\x21\x2d\x6a\x79\x21" ESC_A "taro@example.jp";

	T_EQ_INT(decode("ISO-2022-JP", s, sizeof(s) - 1, out, sizeof(out)), 0);
	T_EQ_STR(out, "\xe2\x91\xa0\xe3\x88\xb1\xe7\xba\x8a"
		      "taro@example.jp");
	/* The standard rows read as CP932 reads them: 日本 and the full-width tilde. */
	static const char t[] = ESC_B "\x46\x7c\x4b\x5c\x21\x41" ESC_A;

	T_EQ_INT(decode("iso-2022-jp", t, sizeof(t) - 1, out, sizeof(out)), 0);
	T_EQ_STR(out, "\xe6\x97\xa5\xe6\x9c\xac\xef\xbd\x9e");
	/* The labels Microsoft gives it. */
	T_EQ_INT(decode("CP50221", s, sizeof(s) - 1, out, sizeof(out)), 0);
	T_EQ_INT(decode("csISO2022JP", s, sizeof(s) - 1, out, sizeof(out)), 0);
}

static void kana_and_roman(void)
{
	char out[256];
	/* ESC ( I kana, SO/SI kana, JIS-Roman as ASCII, ESC & @ before ESC $ B. */
	static const char s[] = "\x1b(I\x31\x32" ESC_A " \x0e\x33\x0f"
				"a\x1b(Jb@x.jp\x1b&@" ESC_B "\x30\x21" ESC_A;

	T_EQ_INT(decode("ISO-2022-JP", s, sizeof(s) - 1, out, sizeof(out)), 0);
	T_EQ_STR(out, "\xef\xbd\xb1\xef\xbd\xb2 \xef\xbd\xb3"
		      "ab@x.jp\xe4\xba\x9c");
}

/* A line ends in ASCII: a mailer that forgot ESC ( B does not turn the next
 * line's address into kanji. */
static void newline_resets(void)
{
	char out[256];
	static const char s[] = ESC_B "\x30\x21\r\nhanako@example.jp\r\n";

	T_EQ_INT(decode("ISO-2022-JP", s, sizeof(s) - 1, out, sizeof(out)), 0);
	T_EQ_STR(out, "\xe4\xba\x9c\r\nhanako@example.jp\r\n");
}

/* An unmapped pair is one error and the next pair still decodes; an unknown
 * set's escape is one error and its text errors, up to the next shift. */
static void errors(void)
{
	char out[256];
	static const char s[] = ESC_B "\x7e\x7e\x30\x21" ESC_A "a";
	static const char u[] = "\x1b$(Dxy" ESC_A "ok";
	static const char eight[] = "a\x82\xa0"
				    "b";

	T_EQ_INT(decode("ISO-2022-JP", s, sizeof(s) - 1, out, sizeof(out)), 1);
	T_EQ_STR(out, "?\xe4\xba\x9c"
		      "a");
	T_EQ_INT(decode("ISO-2022-JP", u, sizeof(u) - 1, out, sizeof(out)), 3);
	T_EQ_STR(out, "???ok");
	T_EQ_INT(decode("ISO-2022-JP", eight, sizeof(eight) - 1, out, sizeof(out)), 2);
	T_EQ_STR(out, "a??b");
}

/* A buffer's end inside an escape or a pair: EINVAL, nothing consumed of it;
 * the rest given later decodes. */
static void cut(void)
{
	struct bg_conv *c = bg_conv_open("ISO-2022-JP");
	char out[64], *op = out, *ip;
	size_t il, ol = sizeof(out);
	char buf[] = "a\x1b$B\x30\x21\x30";

	T_CHECK(c != NULL);
	if (!c)
		return;
	ip = buf;
	il = 2; /* "a" and ESC */
	T_EQ_INT((long)bg_conv(c, &ip, &il, &op, &ol), -1);
	T_EQ_INT(errno, EINVAL);
	T_EQ_INT(il, 1);
	il = sizeof(buf) - 1 - 1; /* from ESC to the cut pair */
	T_EQ_INT((long)bg_conv(c, &ip, &il, &op, &ol), -1);
	T_EQ_INT(errno, EINVAL);
	T_EQ_INT(il, 1);
	T_EQ_INT(op - out, 4);
	/* No room: E2BIG, the pair kept. */
	{
		char small[2], *sp = small;
		size_t sl = sizeof(small);
		char pair[] = "\x30\x21";

		ip = pair;
		il = 2;
		T_EQ_INT((long)bg_conv(c, &ip, &il, &sp, &sl), -1);
		T_EQ_INT(errno, E2BIG);
		T_EQ_INT(il, 2);
	}
	/* A reset leaves the shift: ASCII again. */
	T_EQ_INT((long)bg_conv(c, NULL, NULL, &op, &ol), 0);
	ip = buf + 4;
	il = 2;
	op = out;
	ol = sizeof(out);
	T_EQ_INT((long)bg_conv(c, &ip, &il, &op, &ol), 0);
	T_EQ_INT(op - out, 2);
	T_CHECK(memcmp(out, "0!", 2) == 0);
	bg_conv_close(c);
}

/* Any other name is iconv itself, and an unknown one is refused. */
static void others(void)
{
	char out[64];
	static const char s[] = "\x93\xfa\x96\x7b"; /* 日本 in CP932 */

	T_EQ_INT(decode("CP932", s, sizeof(s) - 1, out, sizeof(out)), 0);
	T_EQ_STR(out, "\xe6\x97\xa5\xe6\x9c\xac");
	T_CHECK(bg_conv_open("NO-SUCH-ENCODING") == NULL);
	T_EQ_INT(errno, EINVAL);
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(nec_ibm);
	T_RUN(kana_and_roman);
	T_RUN(newline_resets);
	T_RUN(errors);
	T_RUN(cut);
	T_RUN(others);
	return t_done("test_conv");
}
