/* fuzz_addrtok.c: the address tokeniser.  Invariants on every token it gives:
 * valid UTF-8, no white space, control, ASCII separator, punctuation or symbol
 * of any script in it, and its normal form (when it has one) normalises to
 * itself.  The input is fed line by line (wrap rejoining) and as one cell. */
#include <stdlib.h>

#include <unictype.h>
#include <unistr.h>

#include "addrtok.h"
#include "fuzz.h"
#include "identity.h"
#include "unicode.h"

static void check_token(const char *a, size_t n)
{
	static const struct bg_norm_opts o = {true, "+"};
	char once[BG_ID_MAX], twice[BG_ID_MAX];
	int r1, r2;

	if (n == 0 || n > 4 * BG_TOK_MAX || !bg_utf8_valid(a, n))
		__builtin_trap();
	for (size_t i = 0; i < n;) {
		ucs4_t cp;
		int k = u8_mbtouc(&cp, (const uint8_t *)a + i, n - i);

		if (k <= 0)
			__builtin_trap();
		if (cp < 0x80) {
			if (cp <= 0x20 || cp == 0x7f || strchr(",;:<>()[]\"\\{}|", (int)cp))
				__builtin_trap();
		} else if (!uc_is_general_category_withtable(
			       cp, UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_Nd)) {
			__builtin_trap();
		}
		i += (size_t)k;
	}
	r1 = bg_normalise(a, n, &o, once, sizeof(once));
	if (r1 > 0) {
		r2 = bg_normalise(once, (size_t)r1, &o, twice, sizeof(twice));
		if ((r2 != r1 || memcmp(once, twice, (size_t)r1) != 0) && !fuzz_injected())
			__builtin_trap();
	}
}

static int f_address(struct bg_sink *s, const char *a, size_t n, unsigned long line)
{
	(void)s;
	(void)line;
	check_token(a, n);
	return 0;
}

static void f_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
		      size_t len)
{
	volatile char touch;

	(void)s;
	(void)line;
	if (!why || !*why)
		__builtin_trap();
	for (size_t i = 0; i < len; i++)
		touch = text[i];
	(void)touch;
}

static void f_record(struct bg_sink *s)
{
	(void)s;
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct bg_sink sink = {.address = f_address, .invalid = f_invalid, .record = f_record};
	struct bg_addrtok *t = NULL;
	const char *s = (const char *)data;
	size_t i = 0;
	unsigned long line = 1;

	if (bg_addrtok_new(&t, &sink) != 0)
		return 0;
	while (i < size) {
		const char *e = memchr(s + i, '\n', size - i);
		size_t n = e ? (size_t)(e - (s + i)) : size - i;

		if (bg_addrtok_line(t, s + i, n, line++) < 0 && !fuzz_injected())
			__builtin_trap();
		i += n + 1;
	}
	if (bg_addrtok_flush(t) != 0 && !fuzz_injected())
		__builtin_trap();
	if (bg_addr_scan(t, s, size, 1) < 0 && !fuzz_injected())
		__builtin_trap();
	bg_addrtok_free(t);
	return 0;
}
