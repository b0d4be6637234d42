/* test_plausible.c: the normaliser accepts only plausible addresses, and gives
 * the same identity under every locale (su runs PAM under the caller's, e.g.
 * tr_TR.UTF-8 where tolower('I') is a dotless 'ı'). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "identity.h"
#include "t.h"

static const char *norm(const char *in)
{
	static const struct bg_norm_opts o = {true, "+"};
	static char out[BG_ID_MAX];
	int n = bg_normalise(in, strlen(in), &o, out, sizeof(out));

	if (n < 0)
		snprintf(out, sizeof(out), "ERR:%d", n);
	return out;
}

#define REJECT(in, code) T_EQ_STR(norm(in), "ERR:" #code)

static void plausibility(void)
{
	char want[32];

	/* Fragments of wrapped or cut addresses. */
	snprintf(want, sizeof(want), "ERR:%d", BG_NORM_ONE_LABEL);
	T_EQ_STR(norm("x@example"), want);
	T_EQ_STR(norm("x@exa"), want);
	T_EQ_STR(norm("root@localhost"), want);
	snprintf(want, sizeof(want), "ERR:%d", BG_NORM_BAD_TLD);
	T_EQ_STR(norm("x@example.c"), want);
	T_EQ_STR(norm("x@10.0.0.1"), want);
	T_EQ_STR(norm("x@example.123"), want);
	T_EQ_STR(norm("x@example.c0m"), want);
	/* Typographic quotes never become part of an identity. */
	T_CHECK(strncmp(norm("“dave@example.com”"), "ERR:", 4) == 0);
	T_CHECK(strncmp(norm("dave@example.com”"), "ERR:", 4) == 0);
	T_CHECK(strncmp(norm("dave@example.xn--com-9o0a"), "ERR:", 4) == 0);
	T_CHECK(strncmp(norm("dave@example.com様"), "ERR:", 4) == 0);
	snprintf(want, sizeof(want), "ERR:%d", BG_NORM_LOCAL_PUNCT);
	T_EQ_STR(norm("“dave@example.com"), want);
	T_EQ_STR(norm("・a@example.jp"), want);
	T_CHECK(strncmp(norm("メール：a@example.jp"), "ERR:", 4) == 0);
	T_EQ_STR(norm("a→b@example.jp"), want);
	/* Real ones of every kind stay. */
	T_EQ_STR(norm("Taro.Yamada@Example.CO.JP"), "taro.yamada@example.co.jp");
	T_EQ_STR(norm("taro..yamada.@docomo.ne.jp"), "taro..yamada.@docomo.ne.jp");
	T_EQ_STR(norm("山田@例え.テスト"), "山田@xn--r8jz45g.xn--zckzah");
	T_EQ_STR(norm("user@例え.jp"), "user@xn--r8jz45g.jp");
	T_EQ_STR(norm("user@xn--r8jz45g.xn--zckzah"), "user@xn--r8jz45g.xn--zckzah");
	T_EQ_STR(norm("ivan@пример.рф"), "ivan@xn--e1afmkfd.xn--p1ai");
	/* Full-width forms (NFKC) meet their ASCII identity. */
	T_EQ_STR(norm("ａ＠ｅｘａｍｐｌｅ．ｊｐ"), "a@example.jp");
	T_EQ_STR(norm("ｔａｒｏ@example.jp"), "taro@example.jp");
	/* Idempotent on every accepted form. */
	{
		static const char *const in[] = {"ａ＠ｅｘａｍｐｌｅ．ｊｐ", "山田@例え.テスト",
						 "JÜRGEN@bücher.de", "ivan@пример.рф"};

		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			char once[BG_ID_MAX];

			snprintf(once, sizeof(once), "%s", norm(in[i]));
			T_EQ_STR(norm(once), once);
		}
	}
}

/* Makes tr_TR.UTF-8 if the system lacks it; false when that is impossible. */
static bool turkish(void)
{
	if (setlocale(LC_ALL, "tr_TR.UTF-8"))
		return true;
	if (system("localedef -i tr_TR -f UTF-8 tr_TR.UTF-8 >/dev/null 2>&1") != 0)
		return false;
	return setlocale(LC_ALL, "tr_TR.UTF-8") != NULL;
}

static void locale_independent(void)
{
	if (!turkish()) {
		printf("test_plausible: SKIP locale check: tr_TR.UTF-8 missing and localedef "
		       "failed\n");
		return;
	}
	/* Under tr_TR tolower('I') is not 'i' and toupper('i') is 'İ'. */
	T_EQ_STR(norm("IVAN.ILIC@EXAMPLE.COM.TR"), "ivan.ilic@example.com.tr");
	T_EQ_STR(norm("MAILTO:Irmak@Istanbul.Example"), "irmak@istanbul.example");
	T_EQ_STR(norm("İnci@example.com"), "i\xcc\x87nci@example.com");
	T_EQ_STR(norm("ınci@example.com"), "\xc4\xb1nci@example.com");
	T_EQ_STR(norm("KIRMIZI@ÖRNEK.TR"), "kirmizi@xn--rnek-4qa.tr");
	setlocale(LC_ALL, "C");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(plausibility);
	T_RUN(locale_independent);
	return t_done("test_plausible");
}
