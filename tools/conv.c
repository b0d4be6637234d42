/* conv.c: a text encoding to UTF-8 (conv.h).  ISO-2022-JP is turned into the
 * Shift_JIS bytes of the same characters, shift by shift, and those are read
 * as CP932 by iconv: CP932 holds every character the Japanese mailers put in
 * ISO-2022-JP's JIS X 0208 shift (the standard rows, NEC row 13, the
 * NEC-selected IBM rows 89-92), with the mapping Windows itself uses. */
#include "conv.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

enum shift {
	SH_ASCII, /* ESC ( B, and JIS-Roman ESC ( J read as ASCII */
	SH_KANJI, /* ESC $ @, ESC $ B: JIS X 0208 and the CP932 rows */
	SH_KANA,  /* ESC ( I, or SO: JIS X 0201 katakana */
	SH_OTHER, /* a set this reader does not know: every character is an error */
};

struct bg_conv {
	iconv_t cd;
	bool jis;
	enum shift sh, before_so;
};

static bool jis_name(const char *s)
{
	static const char *const names[] = {"ISO-2022-JP",    "CSISO2022JP", "ISO2022JP",
					    "ISO-2022-JP-MS", "CP50220",     "CP50221",
					    "CP50222",	      NULL};

	for (int i = 0; names[i]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return true;
	return false;
}

struct bg_conv *bg_conv_open(const char *from)
{
	struct bg_conv *c = calloc(1, sizeof(*c));

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->jis = jis_name(from);
	c->cd = iconv_open("UTF-8", c->jis ? "CP932" : from);
	if (c->cd == (iconv_t)-1) {
		free(c);
		errno = EINVAL;
		return NULL;
	}
	return c;
}

void bg_conv_close(struct bg_conv *c)
{
	if (!c)
		return;
	iconv_close(c->cd);
	free(c);
}

static size_t fail(int e)
{
	errno = e;
	return (size_t)-1;
}

/* An escape sequence at p (n bytes, p[0] is ESC): its length, 0 when cut
 * short; *sh the shift it selects (unchanged for ESC & @, which only announces
 * the 1990 edition of JIS X 0208 before ESC $ B). */
static size_t escape(const unsigned char *p, size_t n, enum shift *sh)
{
	if (n < 3)
		return 0;
	if (p[1] == '&') {
		if (p[2] != '@')
			*sh = SH_OTHER;
		return 3;
	}
	if (p[1] == '(') {
		*sh = p[2] == 'B' || p[2] == 'J' ? SH_ASCII : p[2] == 'I' ? SH_KANA : SH_OTHER;
		return 3;
	}
	if (p[1] == '$') {
		if (p[2] == '@' || p[2] == 'B') {
			*sh = SH_KANJI;
			return 3;
		}
		if (p[2] == '(' || p[2] == ')') { /* ESC $ ( D: JIS X 0212, and the like */
			if (n < 4)
				return 0;
			*sh = p[2] == '(' && (p[3] == '@' || p[3] == 'B') ? SH_KANJI : SH_OTHER;
			return 4;
		}
	}
	*sh = SH_OTHER; /* ESC and anything else: two bytes, the rest is text */
	return 2;
}

/* One JIS X 0208 pair as Shift_JIS (JIS X 0208's own arithmetic). */
static void jis_to_sjis(unsigned j1, unsigned j2, char out[2])
{
	unsigned s1 = ((j1 - 0x21) >> 1) + 0x81, s2;

	if (s1 > 0x9f)
		s1 += 0x40;
	if (j1 & 1) {
		s2 = j2 + 0x1f;
		if (s2 >= 0x7f)
			s2++;
	} else {
		s2 = j2 + 0x7e;
	}
	out[0] = (char)s1;
	out[1] = (char)s2;
}

/* Shift_JIS bytes of one character through iconv into *op. */
static size_t put_sjis(struct bg_conv *c, char *s, size_t n, char **op, size_t *ol)
{
	char *ip = s;
	size_t il = n;

	if (iconv(c->cd, &ip, &il, op, ol) == (size_t)-1)
		return fail(errno == E2BIG ? E2BIG : EILSEQ);
	return 0;
}

static size_t jis_conv(struct bg_conv *c, char **ip, size_t *il, char **op, size_t *ol)
{
	while (*il) {
		const unsigned char *p = (const unsigned char *)*ip;
		char sj[2];
		size_t k;

		if (p[0] == 0x1b) {
			enum shift sh = c->sh;

			if ((k = escape(p, *il, &sh)) == 0)
				return fail(EINVAL);
			c->sh = sh;
			if (sh == SH_OTHER) {
				/* An error, once: the caller steps over its last byte. */
				*ip += k - 1;
				*il -= k - 1;
				return fail(EILSEQ);
			}
			*ip += k;
			*il -= k;
			continue;
		}
		if (p[0] == 0x0e || p[0] == 0x0f) { /* SO, SI: kana in and out (CP50222) */
			if (p[0] == 0x0e && c->sh != SH_KANA)
				c->before_so = c->sh, c->sh = SH_KANA;
			else if (p[0] == 0x0f && c->sh == SH_KANA)
				c->sh = c->before_so;
			(*ip)++;
			(*il)--;
			continue;
		}
		/* Controls and the space are themselves in every shift; a line ends
		 * in ASCII, so a mailer's forgotten ESC ( B does not run on. */
		if (p[0] < 0x21 || p[0] == 0x7f || c->sh == SH_ASCII) {
			if (p[0] >= 0x80)
				return fail(EILSEQ);
			if (!*ol)
				return fail(E2BIG);
			if (p[0] == '\n')
				c->sh = SH_ASCII;
			*(*op)++ = (char)p[0];
			(*ol)--;
			(*ip)++;
			(*il)--;
			continue;
		}
		if (c->sh == SH_OTHER || p[0] >= 0x80)
			return fail(EILSEQ);
		if (c->sh == SH_KANA) {
			if (p[0] > 0x5f)
				return fail(EILSEQ);
			sj[0] = (char)(p[0] | 0x80);
			if (put_sjis(c, sj, 1, op, ol) == (size_t)-1)
				return (size_t)-1;
			(*ip)++;
			(*il)--;
			continue;
		}
		if (*il < 2)
			return fail(EINVAL);
		if (p[1] < 0x21 || p[1] > 0x7e)
			return fail(EILSEQ); /* the caller steps over the first byte */
		jis_to_sjis(p[0], p[1], sj);
		if (put_sjis(c, sj, 2, op, ol) == (size_t)-1) {
			if (errno == EILSEQ) { /* no character: both bytes go */
				(*ip)++;
				(*il)--;
			}
			return (size_t)-1;
		}
		*ip += 2;
		*il -= 2;
	}
	return 0;
}

size_t bg_conv(struct bg_conv *c, char **ip, size_t *il, char **op, size_t *ol)
{
	if (!c->jis)
		return iconv(c->cd, ip, il, op, ol);
	if (!ip || !*ip) {
		c->sh = SH_ASCII;
		return 0;
	}
	return jis_conv(c, ip, il, op, ol);
}
