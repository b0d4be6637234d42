/* test_escape.c: the one escaping helper (issue 10 item 15) and the advisory
 * name check the store applies to every writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "escape.h"
#include "store.h"
#include "t.h"

static void json(const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	T_CHECK(f != NULL);
	if (!f)
		return;
	bg_json_str(f, in);
	fclose(f);
	T_EQ_STR(buf, want);
	free(buf);
}

static void escapes(void)
{
	char out[256];

	T_EQ_STR(bg_escape("plain Müller", 0, out, sizeof(out)), "plain Müller");
	T_EQ_STR(bg_escape("a\nuser=root verdict=clear", 0, out, sizeof(out)),
		 "a\\x0auser=root verdict=clear");
	T_EQ_STR(bg_escape("\033[2J\r\t\177", 0, out, sizeof(out)), "\\x1b[2J\\x0d\\x09\\x7f");
	T_EQ_STR(bg_escape("x\302\233y", 0, out, sizeof(out)), "x\\u{009b}y"); /* C1 CSI */
	T_EQ_STR(bg_escape("\342\200\256\342\200\252\342\201\246\342\201\251", 0, out, sizeof(out)),
		 "\\u{202e}\\u{202a}\\u{2066}\\u{2069}");
	T_EQ_STR(bg_escape("\342\200\216\342\200\217\342\200\250\342\200\251", 0, out, sizeof(out)),
		 "\\u{200e}\\u{200f}\\u{2028}\\u{2029}");
	T_EQ_STR(bg_escape("bad\377\300\257", 0, out, sizeof(out)), "bad\\xff\\xc0\\xaf");
	T_EQ_STR(bg_escape("q\"b\\s", 0, out, sizeof(out)), "q\"b\\s");
	T_EQ_STR(bg_escape("q\"b\\s", BG_ESC_QUOTES, out, sizeof(out)), "q\\\"b\\\\s");
	T_EQ_STR(bg_escape(NULL, 0, out, sizeof(out)), "");
}

/* Truncation never cuts an escape or a character in half. */
static void truncation(void)
{
	char out[8];

	T_EQ_STR(bg_escape("ab\ncd", 0, out, 5), "ab");
	T_EQ_STR(bg_escape("aé", 0, out, 3), "a");
}

static void advisory_names(void)
{
	char out[BG_NAME_MAX + 1];

	T_CHECK(bg_name_problem("Example Portal Breach 2021 (Müller & Co)") == NULL);
	T_CHECK(bg_name_problem("") != NULL);
	T_CHECK(bg_name_problem("a\nb") != NULL);
	T_CHECK(bg_name_problem("a\033b") != NULL);
	T_CHECK(bg_name_problem("a\302\205b") != NULL); /* NEL */
	T_CHECK(bg_name_problem("a\342\200\256b") != NULL);
	T_CHECK(bg_name_problem("a\342\201\247b") != NULL);
	T_CHECK(bg_name_problem("a\342\200\217b") != NULL);
	T_CHECK(bg_name_problem("a\377b") != NULL);
	memset(out, 'x', BG_NAME_MAX);
	out[BG_NAME_MAX] = '\0';
	T_CHECK(bg_name_problem(out) != NULL);
	out[BG_NAME_MAX - 1] = '\0';
	T_CHECK(bg_name_problem(out) == NULL);
}

/* The JSON encoder: valid JSON leaves U+2028/2029, C1 and bidi raw; ours does not. */
static void json_strings(void)
{
	json("a\nb\033", "\"a\\nb\\u001b\"");
	json("x\342\200\256y\342\200\250\302\233", "\"x\\u202ey\\u2028\\u009b\"");
	json("Müller", "\"Müller\"");
}

int main(int argc, char **argv)
{
	t_init(argc, argv);
	T_RUN(escapes);
	T_RUN(truncation);
	T_RUN(advisory_names);
	T_RUN(json_strings);
	return t_done("test_escape");
}
