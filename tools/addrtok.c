/* addrtok.c: the one address tokeniser (see addrtok.h for what it does).
 *
 * A line goes through two passes.  The first maps it to bytes the second can
 * cut with one table: every non-ASCII space becomes ' ', punctuation and
 * symbols of any script become SEP (0x1f), what cannot be trusted (invalid
 * UTF-8, U+FFFD, unassigned and private-use characters, NUL) becomes BAD
 * (0x1e), format characters vanish, full-width ASCII becomes ASCII (marked
 * wide), letters stay UTF-8; defanged "[at]"/"(dot)"/" @ " become '@' and '.'.
 * A plain ASCII line skips that pass.  The second pass cuts tokens at spaces
 * and SEP and cleans their edges.  Candidates wait one line for a possible
 * wrapped continuation.  Nothing here depends on the locale. */
#include "addrtok.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <unictype.h>
#include <unistr.h>
#include <uninorm.h>
#include <uniwidth.h>

#include "ascii.h"
#include "identity.h"
#include "unicode.h"

#define SEP_BYTE 0x1f
#define BAD_BYTE 0x1e

/* F_QOPEN, F_QCLOSE: the SEP_BYTE of an opening or closing CJK or
 * typographic quote, which may enclose a passphrase; F_QKIND1, F_QKIND2 which
 * pair it is of (none: 「 」, 1: 『 』, 2: “ ”).  Only on SEP_BYTE, whose flags
 * no token collects.  F_MDOT: the SEP_BYTE or BAD_BYTE of a middle dot
 * (mid_dot), which joins a pair label's account and password ("ID・PW：").
 * F_STOP: the SEP_BYTE of an ideographic full stop ('。', '｡'), which ends a
 * sentence that sets a password (sentence_end). */
enum {
	F_WIDE = 1,
	F_DEFANG = 2,
	F_QOPEN = 4,
	F_QCLOSE = 8,
	F_QKIND1 = 16,
	F_QKIND2 = 32,
	F_MDOT = 64,
	F_STOP = 128
};
#define F_QKIND (F_QKIND1 | F_QKIND2)
enum { C_CH = 0, C_SP, C_SEP, C_BAD };

/* Classes of the mapped bytes. */
static const unsigned char cls[256] = {
    /* Controls other than white space are no separator a reader sees: they
     * glue ("ab\x01cd@x" must not become "cd@x"). */
    [0x00] = C_BAD,	[0x01] = C_BAD,	    [0x02] = C_BAD, [0x03] = C_BAD, [0x04] = C_BAD,
    [0x05] = C_BAD,	[0x06] = C_BAD,	    [0x07] = C_BAD, [0x08] = C_BAD, ['\t'] = C_SP,
    ['\n'] = C_SP,	['\v'] = C_SP,	    ['\f'] = C_SP,  ['\r'] = C_SP,  [0x0e] = C_BAD,
    [0x0f] = C_BAD,	[0x10] = C_BAD,	    [0x11] = C_BAD, [0x12] = C_BAD, [0x13] = C_BAD,
    [0x14] = C_BAD,	[0x15] = C_BAD,	    [0x16] = C_BAD, [0x17] = C_BAD, [0x18] = C_BAD,
    [0x19] = C_BAD,	[0x1a] = C_BAD,	    [0x1b] = C_BAD, [0x1c] = C_BAD, [0x1d] = C_BAD,
    [BAD_BYTE] = C_BAD, [SEP_BYTE] = C_SEP, [' '] = C_SP,   [0x7f] = C_BAD, [','] = C_SEP,
    [';'] = C_SEP,	[':'] = C_SEP,	    ['<'] = C_SEP,  ['>'] = C_SEP,  ['('] = C_SEP,
    [')'] = C_SEP,	['['] = C_SEP,	    [']'] = C_SEP,  ['"'] = C_SEP,  ['\\'] = C_SEP,
    ['{'] = C_SEP,	['}'] = C_SEP,	    ['|'] = C_SEP,
};

/* Stripped before a token: nothing a local part starts with in practice. */
static const unsigned char lead_trim[256] = {
    ['.'] = 1, ['\''] = 1, ['`'] = 1, ['*'] = 1, ['!'] = 1, ['?'] = 1, ['/'] = 1, ['~'] = 1,
    ['^'] = 1, ['='] = 1,  ['&'] = 1, ['%'] = 1, ['$'] = 1, ['#'] = 1, ['-'] = 1,
};

/* 1: an ASCII letter or digit; 2: a byte of a domain as we read it (those, '-',
 * '.', '_', and non-ASCII: a letter).  A table: a domain's every byte is asked. */
static const unsigned char alnum_dom[256] = {
    ['0' ... '9'] = 3, ['A' ... 'Z'] = 3, ['a' ... 'z'] = 3,   ['-'] = 2,
    ['.'] = 2,	       ['_'] = 2,	  [0x80 ... 0xff] = 2,
};

static bool is_alnum(unsigned char c)
{
	return alnum_dom[c] & 1;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* A byte that may be part of a domain as we read it (non-ASCII: a letter). */
static bool dom_byte(unsigned char c)
{
	return alnum_dom[c] & 2;
}

struct tok {
	size_t off, len;    /* text in the line's arena */
	size_t why_off;	    /* ambiguous: the reason, in the arena */
	uint32_t col, wcol; /* start column: code points, display width */
	unsigned long line;
	bool at, cont, used, ambiguous, defanged;
	bool second;	/* right after an address and a glued '|', ';', ',' or tab */
	bool label;	/* followed by ':' ("mailto:", "E-mail:"): no wrapped head */
	char pre, post; /* '.' or '-' cut before; '.', '-', '_' or '+' cut after */
};

struct tline {
	struct tok *tok;
	size_t ntok, tcap;
	char *arena;
	size_t alen, acap;
	/* for the "no address" note (bg_addrtok_empty) */
	bool live;
	unsigned long line;
	unsigned found;
	char ex[200];
	size_t exlen;
};

/* A line equal to the one before (bg_addrtok_repeats).  Once a line X held
 * its own untouched tokens and the next line, X again, joined nothing to them
 * (nor they to it), every further X finds the very same state but for the line
 * numbers: the tokeniser would hand the sink the same calls one line later and
 * end holding X's tokens again.  So the calls of that step are kept and
 * replayed with the new number instead of tokenising X once more. */
enum { R_ADDRESS, R_INVALID, R_DEFANGED };

struct rep_call {
	int kind;
	unsigned long back; /* its line: the step's line minus back */
	size_t off, len;    /* address or text, in rep.arena */
	size_t why_off;	    /* R_INVALID: the reason, in rep.arena */
};

struct rep {
	bool on;
	char *prev; /* the last line one_line saw, when fresh */
	size_t plen, pcap;
	bool fresh; /* the held line is prev's own tokens, untouched by a join */
	bool rec;   /* the calls of this step are kept */
	bool ready; /* calls[] is what prev again, next line, gives */
	bool oom;   /* keeping them failed: no replay, nothing else changes */
	struct rep_call *calls;
	size_t ncalls, ccap;
	char *arena;
	size_t alen, acap;
	int found; /* the step's return */
};

struct bg_addrtok {
	struct bg_sink *sink;
	struct rep rep;
	unsigned joins; /* rejoin's decisions other than J_NONE in this step */
	struct tline ln[2];
	int cur; /* ln[cur] is being built; ln[!cur] waits for it */
	/* the mapped line */
	char *m;
	uint8_t *fl;
	uint32_t *col, *wcol;
	size_t mcap;
	const char *mp; /* m, or the input itself for a plain ASCII line */
	/* mp's first '@', or NULL (set by tokens for every word of the line:
	 * at_from); plain_ascii's of plain_line, index plain_at (SIZE_MAX:
	 * none), which it saw on its way */
	const char *first_at, *plain_line;
	size_t plain_at;
	size_t mlen;
	bool ident;
	/* A plain line's separators (C_SP, C_SEP), found by plain_ascii: tokens()
	 * goes from one to the next instead of classing every byte again. */
	uint32_t *sep;
	size_t nsep, sepcap;
	const char *sep_line; /* the line they are of, NULL if none */
	bool nofast;	      /* bg_addrtok_fastpath(t, false) */
	unsigned long line;
	bool first_tok;
	bool tok_plain;	   /* the token being cut is ASCII, unflagged, without BAD or quote */
	bool unquote;	   /* keep(): the address was quoted whole: '' and \' are one ' */
	bool second;	   /* keep(): the word follows an address and a glued separator */
	char combo;	   /* bg_addrtok_combo */
	uint32_t combo_cp; /* bg_addrtok_combo_cp: '、', '／' or '・', mapped to combo */
	bool combo_field;
	bool label_lines;	   /* bg_addrtok_label_lines */
	unsigned long label_line;  /* the last line that was a marked label alone, or 0 */
	unsigned long label_reach; /* ... and the last blank line below it (or it) */
	bool label_bare;	   /* ... a Japanese one with no mark */
	bool label_lone;	   /* ... a sentence that says it follows: a word alone */
	unsigned found;
	int rc;
	struct bg_norm_opts nopts;
	const char *empty_why;
	char why[320];
	char scratch[2 * BG_TOK_MAX + 8];
	char norm[BG_ID_MAX];
};

void bg_addrtok_sink(struct bg_addrtok *t, struct bg_sink *sink)
{
	t->sink = sink;
}

int bg_addrtok_new(struct bg_addrtok **out, struct bg_sink *sink)
{
	struct bg_addrtok *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->sink = sink;
	t->nopts.fold_case = true;
	*out = t;
	return 0;
}

void bg_addrtok_empty(struct bg_addrtok *t, const char *why)
{
	t->empty_why = why;
	t->rep.fresh = t->rep.ready = false; /* the calls kept may hold the old reason */
}

void bg_addrtok_free(struct bg_addrtok *t)
{
	if (!t)
		return;
	for (int i = 0; i < 2; i++) {
		free(t->ln[i].tok);
		free(t->ln[i].arena);
	}
	free(t->rep.prev);
	free(t->rep.calls);
	free(t->rep.arena);
	free(t->m);
	free(t->fl);
	free(t->col);
	free(t->wcol);
	free(t->sep);
	free(t);
}

/* --- pass 1: mapping --------------------------------------------------------- */

static uint32_t decode(const unsigned char *p, size_t k)
{
	uint32_t cp;

	if (k == 2)
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	if (k == 3)
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) |
	     (p[3] & 0x3fu);
	return cp;
}

/* The ASCII character a full-width form (U+FF01-FF5E) stands for, or 0:
 * map_line's mapping of full-width ASCII. */
static char wide_ascii(uint32_t cp)
{
	return cp >= 0xff01 && cp <= 0xff5e ? (char)(cp - 0xfee0) : 0;
}

/* Kana (U+3041..U+3096, U+30A1..U+30FA) and CJK ideographs (U+4E00..U+9FFF):
 * letters two columns wide, which NFKC leaves as they are ('ー' and '・' are
 * not among them: the rules read them as a dash and a dot). */
static bool kana_or_han(uint32_t cp)
{
	return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30a1 && cp <= 0x30fa) ||
	       (cp >= 0x4e00 && cp <= 0x9fff);
}

/* The ASCII character the text at p (n bytes) starts with, typed narrow or full
 * width; 0 for anything else. */
static char ascii_at(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return (char)p[0];
	if (n < 3 || p[0] != 0xef || (p[1] != 0xbc && p[1] != 0xbd) || (p[2] & 0xc0) != 0x80)
		return 0;
	return wide_ascii(decode(p, 3));
}

/* Whether the text at p starts with a letter or digit of ASCII, either width:
 * map_line reads a character between two of them as glued inside one word,
 * whichever width the input method gave each side ("ｔａーｒｏ@x.jp" is no
 * ro@x.jp). */
static bool alnum_at(const unsigned char *p, size_t n)
{
	return is_alnum((unsigned char)ascii_at(p, n));
}

/* Whether mapped text m[0..o) ends where a word starts (nothing, a space, a
 * separator). */
static bool word_start(const char *m, size_t o)
{
	return o == 0 || m[o - 1] == ' ' || m[o - 1] == (char)SEP_BYTE;
}

/* A dash another keyboard types for '-': any dash punctuation, − U+2212, the
 * long-vowel marks ー U+30FC and ｰ U+FF70. */
static bool other_dash(uint32_t cp)
{
	return uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Pd) || cp == 0x2212 ||
	       cp == 0x30fc || cp == 0xff70;
}

/* Marks a keyboard or a word processor may put for an apostrophe between two
 * letters, besides U+2019 (taken as the ASCII one): ‘ U+2018, ‛ U+201B,
 * ′ U+2032, ՚ U+055A, ׳ U+05F3.  Between letters ("o′brien@x.ie") they glue
 * the word: counted invalid, never cut into brien@. */
static bool apostrophe_like(uint32_t cp)
{
	return cp == 0x2018 || cp == 0x201b || cp == 0x2032 || cp == 0x055a || cp == 0x05f3;
}

/* A dot of another keyboard or typeface between two letters: a middle dot
 * (U+00B7, Greek · U+0387, ・ U+30FB, ･ U+FF65, ‧ U+2027, ⸱ U+2E31, ⸳ U+2E33)
 * or a bullet (U+2022).  It separates list items ("a@x.jp・b@x.jp") and a
 * label from an address, but inside an address ("yamada・taro@x.jp") it is no
 * gap between words: see inside_address. */
static bool mid_dot(uint32_t cp)
{
	return cp == 0x00b7 || cp == 0x0387 || cp == 0x30fb || cp == 0xff65 || cp == 0x2027 ||
	       cp == 0x2e31 || cp == 0x2e33 || cp == 0x2022;
}

/* What separates two words but glues the word it stands inside: a mid_dot;
 * U+2063 INVISIBLE SEPARATOR, the HTML reader's mark of an inline tag between
 * two letters ("<b>Name</b>taro@"); a number of another form (superscripts,
 * fractions, circled numbers: "a@x.jp②b@x.jp" is a list, "ta²ro@x.jp" no
 * ro@x.jp); and ¡ § ¶ ¿. */
static bool between_words(uint32_t cp)
{
	return mid_dot(cp) || cp == 0x2063 || cp == 0xa1 || cp == 0xa7 || cp == 0xb6 ||
	       cp == 0xbf || uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_No);
}

/* One of between_words between two letters is inside an address when it is
 * not between two words of which only one holds an '@':
 * the word before it holds none and the word after it does (a local part:
 * "yamada・taro@x.jp"), or the word before holds one and the word after none
 * (a domain: "taro@example.co・jp" is no taro@example.co).  Between two
 * addresses ("a@x.jp・b@x.jp") it separates.  m[0..o) is the mapped text
 * before it, p (n bytes) the raw text after, read up to a space or a
 * character no address holds. */
static bool inside_address(const char *m, size_t o, const unsigned char *p, size_t n)
{
	bool before = false, after = false;

	for (size_t j = o; !word_start(m, j); j--)
		if (m[j - 1] == '@') {
			before = true;
			break;
		}
	for (size_t j = 0; j < n && !after; j += p[j] < 0x80 ? 1 : 3) {
		char c = ascii_at(p + j, n - j); /* '@' or ＠ */

		if (c == '@')
			after = true;
		else if (!is_alnum((unsigned char)c) && (p[j] >= 0x80 || !c || !strchr(".-_+'", c)))
			break;
	}
	return before != after;
}

/* A script written without spaces between words: a letter of it glued to an
 * ASCII address is text around the address, not part of it. */
static bool spaceless(uint32_t c)
{
	return (c >= 0x0e00 && c <= 0x0eff) || /* Thai, Lao */
	       (c >= 0x1000 && c <= 0x109f) || /* Myanmar */
	       (c >= 0x1100 && c <= 0x11ff) || /* Hangul Jamo */
	       (c >= 0x1780 && c <= 0x17ff) || /* Khmer */
	       (c >= 0x2e80 && c <= 0x2fdf) || /* CJK radicals */
	       (c >= 0x3005 && c <= 0x3007) || /* 々 〆 〇 */
	       (c >= 0x3040 && c <= 0x31ff) || /* kana, Bopomofo, Hangul compat */
	       (c >= 0x3400 && c <= 0x4dbf) || /* CJK ext A */
	       (c >= 0x4e00 && c <= 0x9fff) || /* CJK */
	       (c >= 0xa000 && c <= 0xa4cf) || /* Yi */
	       (c >= 0xa960 && c <= 0xa97f) || /* Hangul Jamo ext A */
	       (c >= 0xac00 && c <= 0xd7ff) || /* Hangul */
	       (c >= 0xf900 && c <= 0xfaff) || /* CJK compatibility */
	       (c >= 0xff66 && c <= 0xffdc) || /* half-width kana, Hangul */
	       (c >= 0x20000 && c <= 0x3ffff); /* CJK ext B.. */
}

/* Length of a defanged marker at s[i] (an opening bracket), 0 if none; *what is
 * '@' or '.'. */
static size_t defang_at(const char *s, size_t n, size_t i, char *what)
{
	static const char *const words[] = {"at", "@", "dot", "."};
	size_t j = i + 1, k;

	if (s[i] != '(' && s[i] != '[' && s[i] != '{' && s[i] != '<')
		return 0;
	while (j < n && s[j] == ' ')
		j++;
	if (j >= n || !(lower((unsigned char)s[j]) == 'a' || lower((unsigned char)s[j]) == 'd' ||
			s[j] == '@' || s[j] == '.'))
		return 0;
	for (int w = 0; w < 4; w++) {
		size_t l = strlen(words[w]);

		if (j + l > n)
			continue;
		for (k = 0; k < l && lower((unsigned char)s[j + k]) == (unsigned char)words[w][k];
		     k++)
			;
		if (k < l)
			continue;
		k = j + l;
		while (k < n && s[k] == ' ')
			k++;
		if (k < n && (s[k] == ')' || s[k] == ']' || s[k] == '}' || s[k] == '>')) {
			*what = words[w][0] == 'a' || words[w][0] == '@' ? '@' : '.';
			return k + 1 - i;
		}
	}
	return 0;
}

/* A bare '@' with blanks on both sides between two words: "a @ example.jp". */
static bool spaced_at(const char *s, size_t n, size_t i)
{
	size_t a = i, b = i + 1;

	if (i == 0 || b >= n || s[i - 1] != ' ' || s[b] != ' ')
		return false;
	while (a > 0 && s[a - 1] == ' ')
		a--;
	while (b < n && s[b] == ' ')
		b++;
	return a > 0 && b < n && cls[(unsigned char)s[a - 1]] == C_CH && s[a - 1] != '@' &&
	       cls[(unsigned char)s[b]] == C_CH && s[b] != '@';
}

static int hex_val(unsigned char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Whether s[i] starts a percent-encoded '@' ("%40"). */
static bool pct_at(const char *s, size_t n, size_t i)
{
	return i + 2 < n && s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0';
}

/* The character %XX at s[i] stands for in a URL's encoded address, or 0: a
 * letter, a digit, '@' or another of an address's ASCII (".-_+'").  Others
 * (a blank, a separator, a byte of UTF-8) are none. */
static char pct_char(const char *s, size_t n, size_t i)
{
	int h, l;
	unsigned char c;

	if (i + 2 >= n || s[i] != '%' || (h = hex_val((unsigned char)s[i + 1])) < 0 ||
	    (l = hex_val((unsigned char)s[i + 2])) < 0)
		return 0;
	c = (unsigned char)(h * 16 + l);
	return is_alnum(c) || (c && strchr("@.-_+'", c)) ? (char)c : 0;
}

/* The end of an URL's encoded word from s[i], its first '%'
 * ("user=taro%2Bx%40corp.jp": "taro%2Bx%40corp.jp").  *decode: it holds a
 * "%40" and every %XX in it stands for an address's character (pct_char);
 * else it is left as it is (no '@', so no address is made of half a
 * decoding: "taro%E3%81%82%40x.jp" stays so). */
static size_t pct_word(const char *s, size_t n, size_t i, bool *decode)
{
	bool at = false, bad = false;
	size_t j;

	for (j = i; j < n && !strchr(" \t&?=/;:\"<>,|()[]{}#", s[j]) &&
		    (unsigned char)s[j] >= 0x21 && (unsigned char)s[j] < 0x80;
	     j++) {
		if (s[j] != '%')
			continue;
		if (!pct_char(s, n, j))
			bad = true;
		at |= pct_at(s, n, j);
	}
	*decode = at && !bad;
	return j;
}

/* The bytes plain_ascii looks at.  1: needs a look (a bracket or '@', '%'),
 * 2: a separator (C_SP or C_SEP), 4: never plain (high, control). */
static const unsigned char special[256] = {
    [0x00 ... 0x1f] = 4, [0x7f] = 4, [0x80 ... 0xff] = 4, ['('] = 3, ['['] = 3,
    ['{'] = 3,		 ['<'] = 3,  ['@'] = 1,		  [' '] = 2, [','] = 2,
    [';'] = 2,		 [':'] = 2,  ['>'] = 2,		  [')'] = 2, [']'] = 2,
    ['"'] = 2,		 ['\\'] = 2, ['}'] = 2,		  ['|'] = 2, ['%'] = 1,
};

bool bg_addrtok_special(unsigned char c)
{
	return special[c] != 0;
}

/* Which of the 16 bytes at p are special[]'s (bit k: p[k]).  With SSE2 (every
 * x86-64 has it) the same set as the table, by ranges: every byte of every
 * line of a list comes here, and one at a time the table cost 7 instructions
 * a byte, a tenth of the reading thread's.  tests/unit/test_fastpath.c
 * compares the two for every byte at every place. */
static inline unsigned special16(const char *p)
{
#if defined(__SSE2__)
	const __m128i v = _mm_loadu_si128((const void *)p);
	/* signed: the high bytes are below 0x21 too, with the controls and ' ' */
	__m128i m = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));

#define EQ(c) _mm_cmpeq_epi8(v, _mm_set1_epi8(c))
/* lo <= v <= hi, unsigned: v - lo no more than hi - lo */
#define IN(lo, hi)                                                                                 \
	_mm_cmpeq_epi8(                                                                            \
	    _mm_min_epu8(_mm_sub_epi8(v, _mm_set1_epi8(lo)), _mm_set1_epi8((hi) - (lo))),          \
	    _mm_sub_epi8(v, _mm_set1_epi8(lo)))
	m = _mm_or_si128(m, _mm_or_si128(EQ(0x7f), EQ('"')));
	m = _mm_or_si128(m, _mm_or_si128(EQ('%'), EQ(',')));
	m = _mm_or_si128(m, _mm_or_si128(EQ('>'), EQ('@')));
	m = _mm_or_si128(m, _mm_or_si128(IN('(', ')'), IN(':', '<')));
	m = _mm_or_si128(m, _mm_or_si128(IN('[', ']'), IN('{', '}')));
#undef IN
#undef EQ
	return (unsigned)_mm_movemask_epi8(m);
#else
	unsigned m = 0;

	for (unsigned k = 0; k < 16; k++)
		if (special[(unsigned char)p[k]])
			m |= 1u << k;
	return m;
#endif
}

unsigned bg_addrtok_special16(const char *p)
{
	return special16(p);
}

/* plain_ascii's look at s[i], one of special[]'s: false if the line is not
 * plain after all. */
static bool plain_byte(struct bg_addrtok *t, const char *s, size_t n, size_t i, bool keep)
{
	unsigned char c = (unsigned char)s[i], k = special[c];
	char what;

	if (k == 4)
		return false;
	if ((k & 1) && (c == '@'   ? spaced_at(s, n, i)
			: c == '%' ? pct_at(s, n, i)
				   : defang_at(s, n, i, &what) != 0))
		return false;
	if ((k & 2) && keep)
		t->sep[t->nsep++] = (uint32_t)i;
	if (c == '@' && t->plain_at == SIZE_MAX)
		t->plain_at = i;
	return true;
}

/* A plain ASCII line without tabs, controls or defanged forms: pass 1 would
 * change nothing.  On the way its separators are kept for tokens() (fast
 * path; none kept if that fails: tokens() then classes every byte).  Sixteen
 * bytes at a time, the last ones padded with a letter, their special bytes in
 * order. */
static bool plain_ascii(struct bg_addrtok *t, const char *s, size_t n)
{
	bool keep = !t->nofast;
	size_t i;

	t->sep_line = t->plain_line = NULL;
	t->plain_at = SIZE_MAX;
	t->nsep = 0;
	if (keep && n > t->sepcap) {
		size_t cap = n + n / 2 + 64;
		uint32_t *p = n < UINT32_MAX ? realloc(t->sep, cap * sizeof(*p)) : NULL;

		if (p) {
			t->sep = p;
			t->sepcap = cap;
		} else {
			keep = false;
		}
	}
	for (i = 0; i < n; i += 16) {
		char pad[16];
		const char *p = s + i;
		unsigned m;

		if (n - i < 16) {
			memset(pad, 'a', sizeof(pad));
			memcpy(pad, s + i, n - i);
			p = pad;
		}
		for (m = special16(p); m; m &= m - 1)
			if (!plain_byte(t, s, n, i + (size_t)__builtin_ctz(m), keep))
				return false;
	}
	if (keep)
		t->sep_line = s;
	t->plain_line = s;
	return true;
}

void bg_addrtok_fastpath(struct bg_addrtok *t, bool on)
{
	t->nofast = !on;
	t->sep_line = NULL;
}

static int grow_map(struct bg_addrtok *t, size_t n)
{
	void *p;

	if (n + 1 <= t->mcap)
		return 0;
	n = n + 1 + n / 2;
	if (!(p = realloc(t->m, n)))
		return -ENOMEM;
	t->m = p;
	if (!(p = realloc(t->fl, n)))
		return -ENOMEM;
	t->fl = p;
	if (!(p = realloc(t->col, n * sizeof(uint32_t))))
		return -ENOMEM;
	t->col = p;
	if (!(p = realloc(t->wcol, n * sizeof(uint32_t))))
		return -ENOMEM;
	t->wcol = p;
	t->mcap = n;
	return 0;
}

static void put(struct bg_addrtok *t, size_t *o, char c, uint8_t f, uint32_t col, uint32_t wcol)
{
	t->m[*o] = c;
	t->fl[*o] = f;
	t->col[*o] = col;
	t->wcol[*o] = wcol;
	(*o)++;
}

/* Decodes defanged forms in the mapped line, in place. */
static void undefang(struct bg_addrtok *t)
{
	size_t i = 0, o = 0, n = t->mlen, k;
	char what;

	while (i < n) {
		char c = t->m[i];

		k = 0;
		if (c == '(' || c == '[' || c == '{' || c == '<')
			k = defang_at(t->m, n, i, &what);
		else if (c == '@' && spaced_at(t->m, n, i))
			k = 1, what = '@';
		if (k) {
			uint32_t col = t->col[i], wcol = t->wcol[i];

			while (o > 0 && t->m[o - 1] == ' ')
				o--;
			i += k;
			while (i < n && t->m[i] == ' ')
				i++;
			put(t, &o, what, F_DEFANG, col, wcol);
			continue;
		}
		t->m[o] = t->m[i];
		t->fl[o] = t->fl[i];
		t->col[o] = t->col[i];
		t->wcol[o] = t->wcol[i];
		o++;
		i++;
	}
	t->mlen = o;
}

/* A terminal's control sequence at p[0] (ESC [ parameters, intermediates, a
 * final byte: the colours of `grep --color=always`): its length, or 0. */
static size_t csi_len(const unsigned char *p, size_t n)
{
	size_t i = 2;

	if (n < 3 || p[0] != 0x1b || p[1] != '[')
		return 0;
	while (i < n && p[i] >= 0x30 && p[i] <= 0x3f)
		i++;
	while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
		i++;
	return i < n && p[i] >= 0x40 && p[i] <= 0x7e ? i + 1 : 0;
}

static uint8_t quote_flag(uint32_t cp)
{
	static const uint32_t pairs[][2] = {{0x300c, 0x300d}, {0x300e, 0x300f}, {0x201c, 0x201d}};
	static const uint8_t kind[] = {0, F_QKIND1, F_QKIND2};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (cp == pairs[i][0] || cp == pairs[i][1])
			return (uint8_t)((cp == pairs[i][0] ? F_QOPEN : F_QCLOSE) | kind[i]);
	return 0;
}

static int map_line(struct bg_addrtok *t, const char *s, size_t n, bool plain)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t col = 0, wcol = 0;
	size_t i = 0, o = 0, pct_end = 0, pct_none = 0;

	if (plain) {
		if (t->sep_line != s)
			t->sep_line = NULL;
		t->mp = s;
		t->mlen = n;
		t->ident = true;
		return 0;
	}
	t->sep_line = NULL;
	if (grow_map(t, n) != 0)
		return -ENOMEM;
	t->ident = false;
	while (i < n) {
		unsigned char c = p[i];
		size_t k;
		uint32_t cp;
		int w;

		if (c < 0x80) {
			if (c == 0x1b && (k = csi_len(p + i, n - i)) != 0) {
				/* A colour around an address is a gap, not part of it. */
				put(t, &o, ' ', 0, col++, wcol++);
				i += k;
				continue;
			}
			/* a URL's "taro%40corp.jp": every %XX of the word decoded */
			if (c == '%' && i >= pct_none) {
				if (i >= pct_end) {
					bool decode;
					size_t e = pct_word(s, n, i, &decode);

					if (decode)
						pct_end = e;
					else
						pct_none = e;
				}
				if (i < pct_end) {
					put(t, &o, pct_char(s, n, i), 0, col, wcol);
					col += 3;
					wcol += 3;
					i += 3;
					continue;
				}
			}
			if (c == '\t') {
				put(t, &o, ' ', 0, col, wcol);
				col = (col / 8 + 1) * 8;
				wcol = (wcol / 8 + 1) * 8;
			} else {
				put(t, &o, (char)c, 0, col++, wcol++);
			}
			i++;
			continue;
		}
		k = bg_utf8_seq(p + i, n - i);
		if (k == 0) {
			put(t, &o, (char)BAD_BYTE, 0, col++, wcol++);
			i++;
			continue;
		}
		cp = decode(p + i, k);
		if (t->combo_cp && cp == t->combo_cp && t->combo) {
			/* a combolist's '、', '／' or '・' (bg_combo_sep_cp): its separator */
			put(t, &o, t->combo, 0, col, wcol);
			col++;
			wcol += 2;
			i += k;
			continue;
		}
		if (wide_ascii(cp)) { /* full-width ASCII */
			put(t, &o, wide_ascii(cp), F_WIDE, col, wcol);
			col++;
			wcol += 2;
			i += k;
			continue;
		}
		/* Kana and CJK ideographs, a Japanese text's letters: what the checks
		 * below decide for them (a letter, two columns wide: no dash, symbol,
		 * quote or separator among them) without four libunistring lookups a
		 * character.  Off with bg_addrtok_fastpath(t, false), which
		 * test_fastpath compares. */
		if (!t->nofast && kana_or_han(cp)) {
			for (size_t j = 0; j < k; j++)
				put(t, &o, (char)p[i + j], 0, col, wcol);
			col++;
			wcol += 2;
			i += k;
			continue;
		}
		w = uc_width(cp, "UTF-8");
		if (w < 1)
			w = 1;
		/* After a letter U+2019 is an apostrophe a word processor curled
		 * ("o’brien@x": the address has the ASCII one) or the closing quote of
		 * a word ("‘o’brien@x.ie’"), which piece() trims as the ASCII one. */
		if (cp == 0x2019 && o > 0 && is_alnum((unsigned char)t->m[o - 1])) {
			put(t, &o, '\'', 0, col++, wcol++);
			i += k;
			continue;
		}
		/* An opening single quote before a word ("‘Taro’taro@x.jp") is the
		 * ASCII one: piece() then sees the quoted name glued on. */
		if (cp == 0x2018 && word_start(t->m, o) && alnum_at(p + i + k, n - i - k)) {
			put(t, &o, '\'', 0, col++, wcol++);
			i += k;
			continue;
		}
		/* A dash of another keyboard at the start or the end of a word of
		 * ASCII ("‐admin@x.jp" on a table's continuation line, "sales‐" above
		 * it) is the ASCII one: the wrapped-cell rules then see it. */
		if (other_dash(cp) &&
		    ((word_start(t->m, o) && alnum_at(p + i + k, n - i - k)) ||
		     (o > 0 && is_alnum((unsigned char)t->m[o - 1]) &&
		      (i + k == n || p[i + k] == ' ' || p[i + k] == '\t' ||
		       (n - i - k >= 3 && memcmp(p + i + k, "\xe3\x80\x80", 3) == 0))))) {
			put(t, &o, '-', 0, col++, wcol += (uint32_t)w);
			i += k;
			continue;
		}
		/* A symbol (emoji, arrow, currency) between two ASCII letters or
		 * digits is glued to them, not a gap between words; so is a dash
		 * or a stop another keyboard typed for '-' or '.' (U+2010, U+2212,
		 * ー, ｰ, 。, and the dot look-alikes ․ U+2024 and ﹒ U+FE52:
		 * "taroーyamada@x.jp" is no yamada@x.jp), a low line of another form
		 * (connector punctuation: ﹏ ‿ ︳, "taro﹏yamada@") and an apostrophe
		 * of another keyboard (apostrophe_like); so is a middle dot, a
		 * superscript or circled number, or ¡ § ¶ ¿ inside an address
		 * (between_words, inside_address).  Either side may be full width. */
		if (o > 0 && is_alnum((unsigned char)t->m[o - 1]) &&
		    alnum_at(p + i + k, n - i - k) &&
		    (uc_is_general_category_withtable(cp,
						      UC_CATEGORY_MASK_S | UC_CATEGORY_MASK_Pc) ||
		     other_dash(cp) || cp == 0x3002 || cp == 0xff61 || cp == 0x2024 ||
		     cp == 0xfe52 || apostrophe_like(cp) ||
		     (between_words(cp) && inside_address(t->m, o, p + i + k, n - i - k)))) {
			put(t, &o, (char)BAD_BYTE, mid_dot(cp) ? F_MDOT : 0, col++,
			    wcol += (uint32_t)w);
			i += k;
			continue;
		}
		if (cp == 0xfffd ||
		    uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Co | UC_CATEGORY_MASK_Cn |
							     UC_CATEGORY_MASK_Cs)) {
			put(t, &o, (char)BAD_BYTE, 0, col, wcol);
		} else if (uc_is_property_default_ignorable_code_point(cp) ||
			   uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Cf)) {
			i += k; /* removed: zero-width space, joiners, BOM, soft hyphen, bidi */
			continue;
		} else if (uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Z) || cp == 0x85) {
			put(t, &o, ' ', 0, col, wcol);
		} else if (uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Cc)) {
			put(t, &o, (char)BAD_BYTE, 0, col, wcol);
		} else if (uc_is_general_category_withtable(
			       cp, UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_Nd)) {
			for (size_t j = 0; j < k; j++)
				put(t, &o, (char)p[i + j], 0, col, wcol);
		} else {
			uint8_t f = mid_dot(cp)			   ? F_MDOT
				    : cp == 0x3002 || cp == 0xff61 ? F_STOP
								   : quote_flag(cp);

			put(t, &o, (char)SEP_BYTE, f, col, wcol);
		}
		col++;
		wcol += (uint32_t)w;
		i += k;
	}
	t->mp = t->m;
	t->mlen = o;
	undefang(t);
	return 0;
}

static uint32_t col_at(const struct bg_addrtok *t, size_t i)
{
	return t->ident ? (uint32_t)i : t->col[i];
}

static uint32_t wcol_at(const struct bg_addrtok *t, size_t i)
{
	return t->ident ? (uint32_t)i : t->wcol[i];
}

static uint8_t fl_at(const struct bg_addrtok *t, size_t i)
{
	return t->ident ? 0 : t->fl[i];
}

/* --- the sink, and what a repeated line replays ------------------------------ */

void bg_addrtok_repeats(struct bg_addrtok *t, bool on)
{
	t->rep.on = on;
	t->rep.fresh = t->rep.ready = false;
}

void bg_addrtok_label_lines(struct bg_addrtok *t, bool on)
{
	t->label_lines = on;
	t->label_line = 0;
}

void bg_addrtok_blank(struct bg_addrtok *t, unsigned long from, unsigned long to)
{
	/* only blank lines right below a marked label, BG_LABEL_REACH at most */
	if (t->label_line && !t->label_bare && from == t->label_reach + 1 && to >= from &&
	    to - t->label_line <= BG_LABEL_REACH)
		t->label_reach = to;
}

void bg_addrtok_combo(struct bg_addrtok *t, char sep, bool field)
{
	t->combo = sep;
	t->combo_field = field;
	t->combo_cp = 0;
	t->rep.fresh = t->rep.ready = false;
}

void bg_addrtok_combo_cp(struct bg_addrtok *t, uint32_t cp)
{
	t->combo_cp = cp;
	t->rep.fresh = t->rep.ready = false;
}

static bool combo_char(char c)
{
	return c == '|' || c == ';' || c == ',' || c == '\t';
}

/* Whether the text from an '@' to end ends like a domain: a '.', then two
 * letters or more to the end ("x@y.jp", not "P@ss.w0rd", "abc@1.5x",
 * "Tokyo@2021").  A second field that does is an address (a list of pairs). */
static bool domain_like(const char *at, const char *end)
{
	const char *dot = NULL;

	while (end > at && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	for (const char *p = at + 1; p < end; p++)
		if (*p == '.')
			dot = p;
	if (!dot || end - dot < 3)
		return false;
	for (const char *p = dot + 1; p < end; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

/* A blank at head[j] (before e): ' ' (1) or the ideographic space U+3000 (3),
 * else 0. */
static size_t blank_at(const char *head, size_t j, size_t e)
{
	if (head[j] == ' ')
		return 1;
	return e - j >= 3 && memcmp(head + j, "\xe3\x80\x80", 3) == 0 ? 3 : 0;
}

static bool has_blank(const char *head, size_t j, size_t e)
{
	for (; j < e; j++)
		if (blank_at(head, j, e))
			return true;
	return false;
}

static bool id_word(const char *s, size_t n);
static bool key_word(const char *s, size_t n);

/* Whether the first line of head is two words, an account's name and a
 * password's, blanks (or U+3000, or a tab) between. */
static bool pair_header(const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len);
	size_t e = nl ? (size_t)(nl - head) : len, i = 0, a, b;

	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (e > i && (head[e - 1] == '\r' || head[e - 1] == ' ' || head[e - 1] == '\t'))
		e--;
	for (a = i; a < e && !blank_at(head, a, e) && head[a] != '\t'; a++)
		;
	if (a == i || a >= e)
		return false;
	for (b = a; b < e && (blank_at(head, b, e) || head[b] == '\t');)
		b += head[b] == '\t' ? 1 : blank_at(head, b, e);
	if (b >= e || has_blank(head, b, e) || memchr(head + b, '\t', e - b))
		return false;
	return (id_word(head + i, a - i) || key_word(head + i, a - i)) &&
	       bg_password_label(head + b, e - b);
}

/* A separator in the head bg_combo_sep judges: an ASCII one, or '、' (\x01),
 * '／' (\x02) or '・' (\x03) as wide_head wrote them. */
static bool head_sep(char c)
{
	return combo_char(c) || c == '\x01' || c == '\x02' || c == '\x03';
}

static char combo_sep_core(const char *head, size_t len, bool *field, char label)
{
	static const char seps[] = "|;,\t\x01\x02\x03";
	enum { NSEP = sizeof(seps) - 1 };
	unsigned shape[NSEP] = {0}, at2[NSEP] = {0}, at3[NSEP] = {0}, lines = 0, blank = 0,
		 at_blank = 0;
	size_t i = 0, e, j, k, b, f;
	const char *nl, *q;
	int best = 0;

	while (i < len && lines < 200) {
		nl = memchr(head + i, '\n', len - i);
		e = nl ? (size_t)(nl - head) : len;
		if (e > i && head[e - 1] == '\r')
			e--;
		while (i < e && (head[i] == ' ' || head[i] == '\t'))
			i++;
		if (i < e && head[i] != '#') {
			lines++;
			/* the address's field: no blank, an '@', ended by a separator;
			 * the first, or one after a tab-separated name or two
			 * ("山田\ttaro@x.jp\tP@ssw0rd", Excel's Unicode text) */
			for (unsigned fld = 0;; fld++) {
				for (j = i; j < e && !blank_at(head, j, e) && !head_sep(head[j]);
				     j++)
					;
				const char *tab;

				q = memchr(head + i, '@', j - i);
				if (q || fld == 2)
					break;
				/* a name field (blanks inside) to its tab, no '@' in it */
				tab = memchr(head + i, '\t', e - i);
				if (!tab || memchr(head + i, '@', (size_t)(tab - head) - i))
					break;
				i = (size_t)(tab - head) + 1;
			}
			/* blanks may come before the separator too ("taro@x.jp 、 pw",
			 * "taro@x.jp , pw"): the address ends at the blank, the
			 * separator is the one after it */
			if (q && (b = blank_at(head, j, e)) != 0) {
				for (k = j + b; k < e && (b = blank_at(head, k, e)) != 0; k += b)
					;
				if (k < e && head_sep(head[k]) && head[k] != '\t')
					j = k;
			}
			/* the separator may have blanks after it ("taro@x.jp、　pw",
			 * "taro@x.jp，　pw": a Japanese notice's comma and U+3000) */
			f = j + 1;
			if (q && j + 1 < e && head_sep(head[j]) && head[j] != '\t')
				while (f < e && (b = blank_at(head, f, e)) != 0)
					f += b;
			if (q && f < e && head_sep(head[j]) && !blank_at(head, f, e) &&
			    head[f] != '\t' && head[f] != head[j]) {
				k = (size_t)(strchr(seps, head[j]) - seps);
				shape[k]++;
				for (q = head + f; q < head + e && *q != head[j] && *q != '@'; q++)
					;
				/* an address in the second field ('@', then a '.'):
				 * "P@ssw0rd" and "Tokyo@2021" are no such one */
				if (q < head + e && *q == '@') {
					const char *fe = memchr(q, head[j], (size_t)(head + e - q));

					at2[k] += domain_like(q, fe ? fe : head + e);
				}
				/* a field after the password with an address in it */
				while (q < head + e && *q != head[j])
					q++;
				at3[k] +=
				    q < head + e && memchr(q, '@', (size_t)(head + e - q)) != NULL;
			} else if (q && (b = blank_at(head, j, e)) != 0 && j + b < e &&
				   !blank_at(head, j + b, e) && head[j + b] != '\t' &&
				   !has_blank(head, j + b, e) &&
				   !memchr(head + j + b, '\t', e - j - b)) {
				/* "taro@x.jp hunter2", "taro@x.jp　hunter2" (U+3000): two
				 * words, the line's only ones */
				const char *at = memchr(head + j + b, '@', e - j - b);

				blank++;
				at_blank += at && domain_like(at, head + e);
			}
		}
		i = nl ? (size_t)(nl - head) + 1 : len;
	}
	for (k = 1; k < NSEP; k++)
		if (shape[k] > shape[best])
			best = (int)k;
	/* A header naming an account and a password ("ID／PW" above
	 * "taro@x.jp／Tr9pw@evil.jp", bg_head_pair_label): the rows are pairs
	 * even when their passwords look like addresses, and one row is enough.
	 * Before, a short list's address-like passwords tipped the counts below
	 * (at2, at_blank) and were stored as identities. */
	if (label && lines > 1) {
		/* the label's own joiner first, then the rows' commonest one
		 * ("ID/PW" above "taro@x.jp<TAB>pw"), then one blank */
		k = (size_t)(strchr(seps, label) - seps);
		if (shape[k] >= 1 && shape[k] * 2 > lines - 1) {
			*field = at3[k] > 0;
			return seps[k];
		}
		if (shape[best] >= 1 && shape[best] * 2 > lines - 1) {
			*field = at3[best] > 0;
			return seps[best];
		}
		if (blank >= 1 && blank * 2 > lines - 1) {
			*field = false;
			return ' ';
		}
	}
	*field = at3[best] > 0;
	if (shape[best] >= 2 && shape[best] * 2 > lines && at2[best] * 2 < shape[best])
		return seps[best];
	/* Blank-separated: a second word like an address ('@', then a '.') on
	 * more than a few lines makes it a list of address pairs, read as
	 * addresses ("p@ssw0rd" is no such word). */
	*field = false;
	if (blank >= 2 && blank * 2 > lines && at_blank * 10 < blank)
		return ' ';
	/* A header line naming an account and a password ("アカウント　パスワード",
	 * "email password"), and its rows blank-separated: one row is enough. */
	if (blank >= 1 && blank + 1 >= lines && pair_header(head, len))
		return ' ';
	return 0;
}

/* The head with the Japanese keyboard's separators written as one byte each:
 * '，' ',', '；' ';', '｜' '|' (the tokeniser's mapped line holds them so), '、'
 * \x01, '／' \x02 and '・' \x03 (their own: an enumeration's comma, a slash,
 * a middle dot).  A raw \x01, \x02 or \x03 is written as \x7f (a control; no
 * separator).  NULL when out of memory; *out_len its length. */
static char *wide_head(const char *head, size_t len, size_t *out_len)
{
	char *o = malloc(len + 1);
	size_t i = 0, k = 0;

	if (!o)
		return NULL;
	while (i < len) {
		const char *p = head + i;

		if (len - i >= 3 && memcmp(p, "\xef\xbc\x8c", 3) == 0)
			o[k++] = ',', i += 3;
		else if (len - i >= 3 && memcmp(p, "\xef\xbc\x9b", 3) == 0)
			o[k++] = ';', i += 3;
		else if (len - i >= 3 && memcmp(p, "\xef\xbd\x9c", 3) == 0)
			o[k++] = '|', i += 3;
		else if (len - i >= 3 && memcmp(p, "\xe3\x80\x81", 3) == 0)
			o[k++] = '\x01', i += 3;
		else if (len - i >= 3 && memcmp(p, "\xef\xbc\x8f", 3) == 0)
			o[k++] = '\x02', i += 3;
		else if (len - i >= 3 && memcmp(p, "\xe3\x83\xbb", 3) == 0)
			o[k++] = '\x03', i += 3;
		else if (*p == '\x01' || *p == '\x02' || *p == '\x03')
			o[k++] = '\x7f', i++;
		else
			o[k++] = *p, i++;
	}
	*out_len = k;
	return o;
}

char bg_head_pair_label(const char *head, size_t len)
{
	size_t i = 0, e;
	const char *nl;
	char j = 0;

	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (head[i] == '\n' || head[i] == '\r' || head[i] == ' ' || head[i] == '\t'))
		i++;
	nl = memchr(head + i, '\n', len - i);
	e = nl ? (size_t)(nl - head) : len;
	while (e > i && (head[e - 1] == '\r' || head[e - 1] == ' ' || head[e - 1] == '\t'))
		e--;
	if (e - i < 4 || e - i > 60)
		return 0;
	/* the joiner first: with none (most lines) no label, and no
	 * normalisation in bg_pair_label */
	if (memmem(head + i, e - i, "\xef\xbc\x8f", 3))
		j = '\x02';
	else if (memmem(head + i, e - i, "\xe3\x83\xbb", 3))
		j = '\x03';
	else if (memchr(head + i, ',', e - i) || memmem(head + i, e - i, "\xef\xbc\x8c", 3))
		j = ',';
	else if (memchr(head + i, '/', e - i))
		j = '/';
	return j && bg_pair_label(head + i, e - i) ? j : 0;
}

/* A blank at s[i] (before n): blank_at's, or a tab; its length, else 0. */
static size_t row_blank(const char *s, size_t i, size_t n)
{
	return s[i] == '\t' ? 1 : blank_at(s, i, n);
}

/* A pair's joiner at s[i]: '/', '／', ',', '，', '・' or '、'; its length, else 0. */
static size_t row_joiner(const char *s, size_t i, size_t n)
{
	static const char *const wide[] = {"\xef\xbc\x8f", "\xef\xbc\x8c", "\xe3\x83\xbb",
					   "\xe3\x80\x81"};

	if (s[i] == '/' || s[i] == ',')
		return 1;
	for (size_t k = 0; k < sizeof(wide) / sizeof(wide[0]); k++)
		if (n - i >= 3 && memcmp(s + i, wide[k], 3) == 0)
			return 3;
	return 0;
}

size_t bg_pair_row(const char *s, size_t n, size_t *pw, size_t *pe)
{
	size_t i = 0, k, j, b;
	const char *at;
	bool gap = false;

	while (i < n && (b = row_blank(s, i, n)) != 0)
		i += b;
	for (k = i; k < n && !row_blank(s, k, n) && !row_joiner(s, k, n); k++)
		if (s[k] == ':')
			return 0;
	at = memchr(s + i, '@', k - i);
	if (!at || at == s + i || !memchr(at, '.', (size_t)(s + k - at)) || s[k - 1] == '.')
		return 0;
	for (j = k; j < n && (b = row_blank(s, j, n)) != 0; j += b)
		gap = true;
	if (j < n && (b = row_joiner(s, j, n)) != 0) {
		for (j += b; j < n && (b = row_blank(s, j, n)) != 0;)
			j += b;
	} else if (!gap) {
		return 0;
	}
	if (j >= n)
		return 0;
	for (*pw = j; j < n && !row_blank(s, j, n); j++)
		;
	*pe = j;
	return k;
}

char bg_combo_sep_cp(const char *head, size_t len, bool *field, uint32_t *cp)
{
	size_t wl;
	char *w = wide_head(head, len, &wl), r, label = bg_head_pair_label(head, len);

	*cp = 0;
	/* rows joined by '／' under "ID/PW" too; an ASCII '/' is no combolist's
	 * separator (a path's, a URL's: the readers cut such rows themselves,
	 * reader.c's bg_pair_rows) */
	if (label == '/')
		label = '\x02';
	if (!w)
		return combo_sep_core(head, len, field, label);
	r = combo_sep_core(w, wl, field, label);
	free(w);
	/* '、', '／' and '・' glued after the addresses: the tokeniser reads that
	 * character as a '|' (mapped) and the combolist's separator is it */
	if (r == '\x01' || r == '\x02' || r == '\x03') {
		*cp = r == '\x01' ? 0x3001 : r == '\x02' ? 0xff0f : 0x30fb;
		r = '|';
	}
	return r;
}

char bg_combo_sep(const char *head, size_t len, bool *field)
{
	uint32_t cp;

	return bg_combo_sep_cp(head, len, field, &cp);
}

/* Appends n bytes of s and a NUL to a growing arena (*len used of *cap); *off
 * is where they start.  0 or -ENOMEM.  The recording's and a line's arenas. */
static int arena_add(char **arena, size_t *len, size_t *cap, const char *s, size_t n, size_t *off)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2 + 256;
		char *p = realloc(*arena, c);

		if (!p)
			return -ENOMEM;
		*arena = p;
		*cap = c;
	}
	*off = *len;
	memcpy(*arena + *len, s, n);
	(*arena)[*len + n] = '\0';
	*len += n + 1;
	return 0;
}

static int rep_put(struct rep *r, const char *s, size_t n, size_t *off)
{
	return arena_add(&r->arena, &r->alen, &r->acap, s, n, off);
}

/* Keeps one call of the step being recorded; a failure only costs the replay. */
static void rep_keep(struct bg_addrtok *t, int kind, unsigned long line, const char *why,
		     const char *s, size_t n)
{
	struct rep *r = &t->rep;
	struct rep_call *c;

	if (!r->rec || r->oom)
		return;
	if (r->ncalls == r->ccap) {
		size_t cap = r->ccap ? r->ccap * 2 : 16;
		struct rep_call *p = realloc(r->calls, cap * sizeof(*p));

		if (!p) {
			r->oom = true;
			return;
		}
		r->calls = p;
		r->ccap = cap;
	}
	c = &r->calls[r->ncalls];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->back = t->line - line;
	c->len = n;
	if ((s && rep_put(r, s, n, &c->off) != 0) ||
	    (why && rep_put(r, why, strlen(why), &c->why_off) != 0)) {
		r->oom = true;
		return;
	}
	r->ncalls++;
}

static void invalid(struct bg_addrtok *t, unsigned long line, const char *why, const char *s,
		    size_t n)
{
	if (n > 200)
		n = 200;
	if (!t->rc) {
		rep_keep(t, R_INVALID, line, why, s, n);
		t->sink->invalid(t->sink, line, why, s, n);
	}
}

/* A word with an '@' reported, not kept: it counts as found (its line gets
 * no "no address" note) and invalid, with why. */
static void refuse_word(struct bg_addrtok *t, const char *why, const char *s, size_t n)
{
	t->found++;
	invalid(t, t->line, why, s, n);
}

static void defanged(struct bg_addrtok *t, unsigned long line)
{
	if (t->sink->defanged) {
		rep_keep(t, R_DEFANGED, line, NULL, NULL, 0);
		t->sink->defanged(t->sink, line);
	}
}

static int address(struct bg_addrtok *t, const char *s, size_t n, unsigned long line)
{
	rep_keep(t, R_ADDRESS, line, NULL, s, n);
	return t->sink->address(t->sink, s, n, line);
}

/* The line given again, one line on (see struct rep): the recorded calls with
 * the new numbers, then the held tokens renumbered as tokenising would have
 * left them. */
static int replay(struct bg_addrtok *t, unsigned long line)
{
	struct rep *r = &t->rep;
	struct tline *h = &t->ln[!t->cur];
	int rc = 0;

	for (size_t i = 0; i < r->ncalls && !rc; i++) {
		const struct rep_call *c = &r->calls[i];
		unsigned long l = line - c->back;

		if (c->kind == R_INVALID)
			t->sink->invalid(t->sink, l, r->arena + c->why_off, r->arena + c->off,
					 c->len);
		else if (c->kind == R_DEFANGED)
			t->sink->defanged(t->sink, l);
		else
			rc = t->sink->address(t->sink, r->arena + c->off, c->len, l);
	}
	for (size_t i = 0; i < h->ntok; i++)
		h->tok[i].line = line;
	h->line = line;
	t->line = line;
	if (rc < 0) {
		r->fresh = r->ready = false; /* as a failed step leaves it */
		return rc;
	}
	return r->found;
}

/* --- tokens ----------------------------------------------------------------- */

static int arena_put(struct tline *l, const char *s, size_t n, size_t *off)
{
	return arena_add(&l->arena, &l->alen, &l->acap, s, n, off);
}

static struct tok *tok_new(struct tline *l)
{
	if (l->ntok == l->tcap) {
		size_t cap = l->tcap ? l->tcap * 2 : 16;
		struct tok *p = realloc(l->tok, cap * sizeof(*p));

		if (!p)
			return NULL;
		l->tok = p;
		l->tcap = cap;
	}
	memset(&l->tok[l->ntok], 0, sizeof(l->tok[0]));
	return &l->tok[l->ntok++];
}

/* Whether the local part of s (normalised UTF-8) has ASCII letters and
 * letters of a script other than Latin: no mailbox is named "зmiki" or
 * "κεΐu31x0", but half-width katakana read as UTF-8, or CP932 read as Greek,
 * glue such letters onto an address. */
static bool mixed_scripts(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	bool ascii = false, other = false;
	size_t k;

	for (size_t i = 0; at && i < (size_t)(at - s); i += k) {
		uint32_t cp;
		const uc_script_t *sc;

		k = bg_utf8_seq((const unsigned char *)s + i, n - i);
		if (k <= 1) {
			k = 1;
			ascii = ascii || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z');
			continue;
		}
		cp = decode((const unsigned char *)s + i, k);
		if (!uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_L))
			continue;
		sc = uc_script(cp);
		if (sc && strcmp(sc->name, "Latin") != 0)
			other = true;
	}
	return ascii && other;
}

bool bg_nfkc_fast(const char *s, size_t n, char *out, size_t cap, size_t *outlen, bool *letters)
{
	size_t o = 0;
	bool all = true;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i], c1, c2;
		uint32_t cp;

		if (c < 0x80) {
			if (o >= cap)
				return false;
			out[o++] = (char)c;
			i++;
			continue;
		}
		if (n - i < 3 || (c & 0xf0) != 0xe0 || o + 3 > cap)
			return false;
		c1 = (unsigned char)s[i + 1];
		c2 = (unsigned char)s[i + 2];
		if ((c1 & 0xc0) != 0x80 || (c2 & 0xc0) != 0x80)
			return false;
		cp = decode((const unsigned char *)s + i, 3);
		if (wide_ascii(cp)) { /* full-width ASCII: its character */
			out[o++] = wide_ascii(cp);
			all = false;
		} else if (kana_or_han(cp) || cp == 0x30fc) {
			/* kana, 'ー' (a letter here: only NFKC is asked), ideographs */
			memcpy(out + o, s + i, 3);
			o += 3;
		} else {
			return false;
		}
		i += 3;
	}
	*outlen = o;
	*letters = all; /* set on success only */
	return true;
}

/* Keeps token [a, b) of the mapped line on the current line. */
static void keep(struct bg_addrtok *t, size_t a0, size_t a, size_t b, bool at, char pre, char post)
{
	struct tline *l = &t->ln[t->cur];
	const char *s = t->mp + a;
	size_t n = b - a, off;
	bool ascii = true, defanged = false;
	struct tok *k;

	for (size_t i = a; i < b && !t->tok_plain; i++) {
		if ((unsigned char)t->mp[i] >= 0x80)
			ascii = false;
		if (fl_at(t, i) & F_DEFANG)
			defanged = true;
	}
	if (!ascii) {
		/* NFKC: ligatures (ﬁ) and other compatibility letters, composed marks;
		 * a word of kana, ideographs, full-width forms and ASCII (a Japanese
		 * notice's names and labels) without libunistring (bg_nfkc_fast). */
		size_t rlen = sizeof(t->scratch);
		bool letters = false; /* true only from bg_nfkc_fast */
		uint8_t *r;

		if (bg_nfkc_fast(s, n, t->scratch, sizeof(t->scratch), &rlen, &letters))
			r = (uint8_t *)t->scratch;
		else
			r = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, n, (uint8_t *)t->scratch,
					 &rlen);

		if (!r) {
			if (errno == ENOMEM)
				t->rc = -ENOMEM;
			else if (at)
				refuse_word(t, "not a valid Unicode string", s, n);
			return;
		}
		if (r != (uint8_t *)t->scratch) {
			free(r);
			if (at)
				refuse_word(t, "too long to be an address", s, n);
			return;
		}
		for (size_t i = 0, len; i < rlen; i += len) {
			unsigned char c = (unsigned char)t->scratch[i];

			/* "ŀ" is "l" and a middle dot (U+00B7): a letter's
			 * compatibility form may hold punctuation too */
			len = c < 0x80
				  ? 1
				  : bg_utf8_seq((const unsigned char *)t->scratch + i, rlen - i);
			if (cls[c] != C_CH ||
			    (c >= 0x80 && !letters &&
			     (len == 0 || !uc_is_general_category_withtable(
					      decode((const unsigned char *)t->scratch + i, len),
					      UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M |
						  UC_CATEGORY_MASK_Nd)))) {
				if (at)
					refuse_word(
					    t,
					    "a compatibility character stands for punctuation "
					    "inside the address",
					    s, n);
				return;
			}
		}
		s = t->scratch;
		n = rlen;
		if (at && mixed_scripts(s, n)) {
			refuse_word(
			    t,
			    "ASCII letters and letters of another script (Greek, Cyrillic...) "
			    "in one local part: a name in another encoding glued on?",
			    s, n);
			return;
		}
	}
	if (t->unquote && at) {
		/* A string literal's escaped quote ('o''brien@x.ie' in SQL,
		 * 'o\'brien@x.ie' in MySQL): one apostrophe of the address. */
		char *w = t->scratch;
		size_t m = 0;

		for (size_t i = 0; i < n; i++) {
			if ((s[i] == '\'' || s[i] == '\\') && i + 1 < n && s[i + 1] == '\'')
				i++;
			w[m++] = s[i];
		}
		s = w;
		n = m;
	}
	if (arena_put(l, s, n, &off) != 0 || !(k = tok_new(l))) {
		t->rc = -ENOMEM;
		return;
	}
	k->off = off;
	k->len = n;
	k->col = col_at(t, a0);
	k->wcol = wcol_at(t, a0);
	k->line = t->line;
	k->at = at;
	/* A continuation line of a table: indented by blanks only (a bracket or a
	 * bullet before the token is the start of a row's text, not a cell). */
	k->cont = t->first_tok && k->col > 0;
	for (size_t i = 0; k->cont && i < a0; i++)
		if (cls[(unsigned char)t->mp[i]] != C_SP)
			k->cont = false;
	k->pre = pre;
	k->post = post;
	k->label = !at && b < t->mlen && t->mp[b] == ':';
	k->defanged = defanged;
	k->second = t->second && at;
	t->first_tok = false;
	if (at)
		t->found++;
}

/* The code point starting at mapped byte i (< 0x80: the byte), its length. */
static uint32_t cp_at(const struct bg_addrtok *t, size_t i, size_t end, size_t *k)
{
	const unsigned char *p = (const unsigned char *)t->mp + i;

	*k = bg_utf8_seq(p, end - i);
	if (*k <= 1) {
		*k = 1;
		return p[0];
	}
	return decode(p, *k);
}

static const char *const honorifics[] = {
    "様", "さま", "さん", "殿", "御中", "宛て", "宛", "各位", "氏", "君", "くん", "ちゃん", "先生",
};

static void piece(struct bg_addrtok *t, size_t a, size_t b, int depth);

/* The first '@' in [a, b) of the mapped line, or NULL, from the line's first
 * one (first_at): most words are answered without a look. */
static const char *at_from(const struct bg_addrtok *t, size_t a, size_t b)
{
	const char *s = t->mp, *f = t->first_at;

	if (!f || f >= s + b)
		return NULL;
	return f >= s + a ? f : memchr(s + a, '@', b - a);
}

static bool ieq(const char *a, size_t n, const char *lit);

/* Why a password's word is not imported (tokens(), piece()). */
static const char password_why[] =
    "a password (after an address and ':' or a combolist's separator, after \"Password:\", or a "
    "\"pwd=\" value) is not imported";

/* A password is reported with its line, never shown: the report is kept and
 * mailed where the list itself would not be. */
static void refuse_password(struct bg_addrtok *t)
{
	static const char hidden[] = "(the password, not shown)";

	refuse_word(t, password_why, hidden, sizeof(hidden) - 1);
}

/* A list of lower-case words with their lengths (no strlen per test). */
struct word {
	const char *s;
	size_t n;
};
#define W(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

/* s (n bytes, ASCII letters of either case) is one of the count words. */
static bool in_words(const struct word *w, size_t count, const char *s, size_t n)
{
	for (size_t i = 0; i < count; i++) {
		size_t k = 0;

		if (w[i].n != n)
			continue;
		while (k < n && lower((unsigned char)s[k]) == (unsigned char)w[i].s[k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/* Keys of "key=value" that name an address (logs, queries, exports), also as
 * the last part of a longer key (postfix's sasl_username=, orig_to=,
 * smtp.mailfrom=, user_name=); "id" and "uid" only whole (session_id=,
 * queue_id= and message_id= are not addresses). */
static bool key_word(const char *s, size_t n)
{
	static const struct word keys[] = {W("email"),
					   W("e-mail"),
					   W("mail"),
					   W("user"),
					   W("username"),
					   W("login"),
					   W("to"),
					   W("from"),
					   W("address"),
					   W("addr"),
					   W("recipient"),
					   W("rcpt"),
					   W("account"),
					   W("sender"),
					   W("cc"),
					   W("bcc"),
					   W("mailfrom"),
					   W("rcptto"),
					   W("emailaddress"),
					   W("mailaddress"),
					   W("contact"),
					   W("owner"),
					   W("admin"),
					   W("author"),
					   W("member"),
					   W("principal"),
					   W("upn"),
					   W("identity"),
					   W("duser"),
					   W("suser"),
					   W("dstuser"),
					   W("srcuser"),
					   W("remuser"),
					   W("authuser"),
					   W("unauthuser"),
					   W("xauthuser"),
					   W("userprincipalname"),
					   W("correo"),
					   W("courriel"),
					   W("mailbox"),
					   W("toaddr"),
					   W("fromaddr"),
					   W("emailaddr"),
					   W("name"),
					   W("id"),
					   W("uid")};
	const size_t count = sizeof(keys) / sizeof(keys[0]), parts = count - 2;
	size_t k;

	if (n == 0)
		return false;
	/* a numbered one: "email2", "to_1" */
	while (n > 1 && s[n - 1] >= '0' && s[n - 1] <= '9')
		n--;
	k = n;
	while (k > 0 && s[k - 1] != '_' && s[k - 1] != '-' && s[k - 1] != '.')
		k--;
	if (k > 0)
		return in_words(keys, parts, s + k, n - k);
	if (in_words(keys, count, s, n))
		return !in_words(keys + count - 3, 1, s, n);
	/* camelCase: "passwordRecoveryMail", "userPrincipalName", "toAddr" */
	for (k = n - 1; k > 0; k--)
		if (s[k] >= 'A' && s[k] <= 'Z' && s[k - 1] >= 'a' && s[k - 1] <= 'z')
			return in_words(keys, parts, s + k, n - k);
	return false;
}

/* Keys and header labels whose value is a message's id ("<id@host>"), never a
 * mailbox: a mail log's message-id=, a pasted header's Message-ID:. */
const char bg_inquiry_why[] =
    "an inquiry line (お問い合わせ): its addresses are the sender's contacts, not imported";

bool bg_inquiry_head(const char *s, size_t n)
{
	return n <= 120 && !memchr(s, '@', n) && bg_inquiry_line(s, n) &&
	       (memmem(s, n, "\xe5\x85\x88", 3) || memmem(s, n, "\xe7\xaa\x93\xe5\x8f\xa3", 6));
}

size_t bg_shown_to_address(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t e;

	if (!at)
		return n;
	for (e = (size_t)(at - s); e < n && s[e] != ' ' && s[e] != '\t'; e++)
		if ((unsigned char)s[e] >= 0x80 && e > (size_t)(at - s) + 1)
			break; /* a full-width blank or text glued after it */
	return e;
}

bool bg_inquiry_line_at(const char *s, size_t n)
{
	/* the heading: an inquiry word, then what makes it a contact's */
	static const char *const heads[] = {
	    "\xe3\x81\x8a\xe5\x95\x8f\xe3\x81\x84\xe5\x90\x88\xe3\x82\x8f\xe3\x81"
	    "\x9b",							    /* お問い合わせ
									     */
	    "\xe3\x81\x8a\xe5\x95\x8f\xe5\x90\x88\xe3\x82\x8f\xe3\x81\x9b", /* お問合わせ
									     */
	    "\xe3\x81\x8a\xe5\x95\x8f\xe5\x90\x88\xe3\x81\x9b",		    /* お問合せ */
	    "\xe5\x95\x8f\xe3\x81\x84\xe5\x90\x88\xe3\x82\x8f\xe3\x81\x9b", /* 問い合わせ
									     */
	    "\xe5\x95\x8f\xe5\x90\x88\xe3\x82\x8f\xe3\x81\x9b",		    /* 問合わせ */
	    "\xe5\x95\x8f\xe5\x90\x88\xe3\x81\x9b",			    /* 問合せ */
	    NULL};
	/* 先 (its address), 窓口 (the desk), は (お問い合わせは a@x まで), a colon,
	 * a closing bracket, a blank */
	static const char *const then[] = {"\xe5\x85\x88",
					   "\xe7\xaa\x93\xe5\x8f\xa3",
					   "\xe3\x81\xaf",
					   "\xef\xbc\x9a",
					   ":",
					   "\xe3\x80\x91",
					   "]",
					   " ",
					   "\xe3\x80\x80",
					   NULL};
	/* marks a heading opens with: 【 ■ □ ◆ ◇ ● ○ ・ ※ ＊ ［ 「 （ and U+3000 */
	static const char *const marks[] = {
	    "\xe3\x80\x90", "\xe2\x96\xa0", "\xe2\x96\xa1", "\xe2\x97\x86", "\xe2\x97\x87",
	    "\xe2\x97\x8f", "\xe2\x97\x8b", "\xe3\x83\xbb", "\xe2\x80\xbb", "\xef\xbc\x8a",
	    "\xef\xbc\xbb", "\xe3\x80\x8c", "\xef\xbc\x88", "\xe3\x80\x80", NULL};
	static const char about[] = "\xe6\x9c\xac\xe4\xbb\xb6\xe3\x81\xab\xe9\x96\xa2\xe3\x81\x99"
				    "\xe3\x82\x8b"; /* 本件に関する */
	size_t i = 0;
	bool moved = true;

	if (n > 300)
		return false;
	/* Per line of every list: an ASCII line ends at its first letter. */
	while (moved && i < n) {
		unsigned char c = (unsigned char)s[i];

		moved = false;
		if (c < 0x80) {
			if (c != ' ' && c != '\t' && c != '>' && c != '*' && c != '-' && c != '[' &&
			    c != '(' && c != '<' && c != '#')
				return false;
			i++;
			moved = true;
			continue;
		}
		for (int k = 0; marks[k]; k++)
			if (n - i >= 3 && memcmp(s + i, marks[k], 3) == 0) {
				i += 3;
				moved = true;
				break;
			}
	}
	if (n - i >= sizeof(about) - 1 && memcmp(s + i, about, sizeof(about) - 1) == 0)
		i += sizeof(about) - 1;
	for (int k = 0; heads[k]; k++) {
		size_t l = strlen(heads[k]), j = i + l;

		if (n - i < l || memcmp(s + i, heads[k], l) != 0)
			continue;
		if (j == n)
			return true;
		for (int t = 0; then[t]; t++) {
			size_t tl = strlen(then[t]);

			if (n - j >= tl && memcmp(s + j, then[t], tl) == 0)
				return true;
		}
		return false;
	}
	return false;
}

bool bg_msgid_name(const char *s, size_t n)
{
	static const struct word whole[] = {W("inreplyto"), W("references"), W("contentid")};
	static const char *const ends[] = {"messageid", "msgid"};
	char sq[64];
	size_t k = 0;

	/* letters and digits only, lower-case: "Message ID", "x-message-id",
	 * "internet_message_id", "InternetMessageId", "original-msg-id" */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-' || c == '_' || c == '.' || c == ' ')
			continue;
		if (k == sizeof(sq) || !is_alnum(c))
			return false;
		sq[k++] = (char)lower(c);
	}
	if (in_words(whole, sizeof(whole) / sizeof(whole[0]), sq, k))
		return true;
	for (size_t w = 0; w < sizeof(ends) / sizeof(ends[0]); w++) {
		size_t l = strlen(ends[w]);

		if (k >= l && memcmp(sq + k - l, ends[w], l) == 0)
			return true;
	}
	return false;
}

static const char unknown_key_why[] =
    "an address after an unknown key (key=value): the value, or is the key part of it? Not "
    "imported";

static const char msgid_why[] =
    "a message id (Message-ID:, In-Reply-To:, References:, message-id=) is no mailbox: "
    "not imported";

/* A key=value's key: a letter, then letters, digits, '_', '-' or '.'. */
static bool key_shape(const char *s, size_t n)
{
	if (n < 2 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* The token at a follows "message-id=", "Message-ID: <" or the like on its
 * line, or the line starts with such a header label (References: lists many). */
static bool after_msgid(const char *s, size_t a)
{
	size_t i = a, e, k;
	bool angle = false;

	/* the common case first: the address starts the line, or follows a
	 * byte no id's label ends with */
	if (a == 0 || (s[a - 1] != '<' && s[a - 1] != ' ' && s[a - 1] != '=' && s[a - 1] != ':'))
		return false;
	while (i > 0 && (s[i - 1] == '<' || s[i - 1] == ' ' || s[i - 1] == '"'))
		angle |= s[--i] == '<';
	/* "message-id=x@y", "message-id=<x@y>", message-id="<x@y>", "Message-ID: <x@y>" */
	if (i > 0 && (s[i - 1] == '=' || (s[i - 1] == ':' && angle))) {
		e = --i;
		while (i > 0 && (s[i - 1] == '-' || s[i - 1] == '_' ||
				 (lower((unsigned char)s[i - 1]) >= 'a' &&
				  lower((unsigned char)s[i - 1]) <= 'z')))
			i--;
		if (bg_msgid_name(s + i, e - i))
			return true;
	}
	for (k = 0; k < a && s[k] == ' '; k++)
		;
	/* Message-ID, In-Reply-To, References, Content-ID, Resent-Message-ID */
	if (k == a || !strchr("MmIiRrCc", s[k]))
		return false;
	for (e = k; e < a && s[e] != ':' && s[e] != ' '; e++)
		;
	return e < a && s[e] == ':' && bg_msgid_name(s + k, e - k);
}

/* Full-width letters or digits next to ASCII ones, in a word with no '@':
 * two words.  Returns true when it split. */
static bool width_words(struct bg_addrtok *t, size_t a, size_t b, int depth)
{
	size_t last = SIZE_MAX;
	bool last_wide = false;

	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)t->mp[i];
		bool wide = fl_at(t, i) & F_WIDE;

		if (!is_alnum(c))
			continue;
		if (last != SIZE_MAX && wide != last_wide) {
			size_t s = last + 1;

			/* The punctuation between goes with the full-width side. */
			if (last_wide)
				while (s < i && (fl_at(t, s) & F_WIDE))
					s++;
			else
				while (s < i && !(fl_at(t, s) & F_WIDE))
					s++;
			piece(t, a, s, depth + 1);
			piece(t, s, b, depth + 1);
			return true;
		}
		last = i;
		last_wide = wide;
	}
	return false;
}

/* Whether every character of [a, b) was typed full width. */
static bool all_wide(const struct bg_addrtok *t, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (!(fl_at(t, i) & F_WIDE))
			return false;
	return true;
}

/* width_split's reason for full-width digits glued onto ASCII letters. */
static const char wide_digits_why[] =
    "full-width digits run into an ASCII address: a list number or part of the address? Put a "
    "space after a number";

/* A word with an '@' and both full-width and ASCII letters or digits.  An
 * address typed with the input method switching midway ("Ｔaro@x.jp",
 * "yamada１２３@x.jp", "ｓｕｚｕｋｉ.taro@x.jp", "a@ｅｘａｍｐｌｅ.jp") is one
 * address: map_line made its full-width ASCII plain ASCII already.  Cutting
 * at the width change would keep a tail that is another, plausible address
 * ("aro@x.jp").  A list number in full-width digits and punctuation before an
 * ASCII address ("１．a@x.jp", "１２）a@x.jp") is another word, and cut.
 * Two cannot be told apart, and are reported, never guessed: full-width
 * digits glued straight onto ASCII letters before the '@' ("１taro@x.jp": the
 * list number 1, or the address 1taro?; "No.１a@x.jp"), and full-width letters after the
 * ASCII end of the domain ("a@x.jpＴＥＬ", or "a@example.coｍ").  Returns
 * true when the word was handled. */
static bool width_split(struct bg_addrtok *t, size_t a, size_t b, int depth)
{
	const char *s = t->mp;
	const char *at = memchr(s + a, '@', b - a);
	size_t atp, i, w;

	if (!at)
		return width_words(t, a, b, depth);
	atp = (size_t)(at - s);
	for (i = a; i < atp && (fl_at(t, i) & F_WIDE) && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i > a && i < atp) {
		size_t p = i;

		if (is_alnum((unsigned char)s[i]) && !(fl_at(t, i) & F_WIDE)) {
			refuse_word(t, wide_digits_why, s + a, b - a);
			return true;
		}
		while (p < atp && !is_alnum((unsigned char)s[p]))
			p++;
		if (p > i && p < atp && !(fl_at(t, p) & F_WIDE)) {
			size_t cut = i;

			while (cut < p && (fl_at(t, cut) & F_WIDE))
				cut++;
			piece(t, a, cut, depth + 1);
			piece(t, cut, b, depth + 1);
			return true;
		}
		/* All of it full width: "１．ｈｉｒａｎｏ＠ｅｘａｍｐｌｅ．ｊｐ", a notice typed
		 * in the input method's full-width mode.  The list number 1, or the
		 * address 1.hirano?  No width change tells: reported. */
		if (p > i && p < atp && all_wide(t, a, p + 1)) {
			refuse_word(
			    t,
			    "full-width digits and a stop before a full-width address: a list "
			    "number or part of the address? Put a space after a number",
			    s + a, b - a);
			return true;
		}
	}
	/* Further in: full-width digits glued onto ASCII letters or digits
	 * ("No.１a@x.jp": number 1 and a@, or the address no.1a?). */
	for (i = a; i + 1 < atp; i++)
		if ((fl_at(t, i) & F_WIDE) && s[i] >= '0' && s[i] <= '9' &&
		    is_alnum((unsigned char)s[i + 1]) && !(fl_at(t, i + 1) & F_WIDE)) {
			refuse_word(t, wide_digits_why, s + a, b - a);
			return true;
		}
	for (w = b; w > atp + 1 && (fl_at(t, w - 1) & F_WIDE); w--)
		;
	if (w < b && w > atp + 1 && is_alnum((unsigned char)s[w - 1])) {
		for (i = w; i < b && !is_alnum((unsigned char)s[i]); i++)
			;
		/* "a@x.jpＴＥＬ" (a word glued on) or "a@example.coｍ" (the last
		 * letters typed full-width): cutting would keep example.co, another
		 * real domain.  Reported, never guessed. */
		if (i < b) {
			refuse_word(
			    t,
			    "full-width letters run into the end of an ASCII domain: part of "
			    "it, or a word glued on?",
			    s + a, b - a);
			return true;
		}
	}
	return false;
}

/* The prefix of a string literal glued to its opening quote: SQL's N (national),
 * E (escapes), _charset (MySQL's introducer: _utf8mb4, _latin1), Python's u, b,
 * r, f and their pairs (rb, br, fr, rf). */
static bool literal_prefix(const char *p, size_t n)
{
	if (n == 1)
		return strchr("uUbBrRfFnNeE", p[0]) != NULL;
	if (n == 2)
		return (strchr("bBfF", p[0]) && strchr("rR", p[1])) ||
		       (strchr("rR", p[0]) && strchr("bBfF", p[1]));
	if (n < 3 || n > 16 || p[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum((unsigned char)p[i]))
			return false;
	return true;
}

/* Before a value="..." attribute that starts at ka: key="name" or
 * name="name" (blanks between).  Sets [*na, *nb) to the name when so. */
static void value_name(const char *s, size_t ka, size_t *na, size_t *nb)
{
	size_t e = ka, q, k;
	char quote;

	while (e > 0 && s[e - 1] == ' ')
		e--;
	if (e == ka || e < 2 || (s[e - 1] != '"' && s[e - 1] != '\''))
		return;
	quote = s[e - 1];
	for (q = e - 1; q > 0 && s[q - 1] != quote && e - q < 64; q--)
		;
	if (q == 0 || s[q - 1] != quote || q < 2 || s[q - 2] != '=')
		return;
	k = q - 2;
	if ((k >= 3 && ieq(s + k - 3, 3, "key") && (k == 3 || s[k - 4] == ' ')) ||
	    (k >= 4 && ieq(s + k - 4, 4, "name") && (k == 4 || s[k - 5] == ' '))) {
		*na = q;
		*nb = e - 1;
	}
}

/* "email=a@x.jp" in a log line or a query, email="a@x.jp" in an attribute or a
 * log's fields, `email`='a@x.jp' in SQL: the key is no local part.  A known
 * key's value is read (piece), a password's refused unseen ("pwd=p@ss.jp",
 * pass="S3cr@t" was shown), a message id's refused, an unknown key's said.
 * Returns whether the word [a, b) was taken care of. */
static bool key_value(struct bg_addrtok *t, size_t a0, size_t a, size_t b, const char *at,
		      int depth)
{
	const char *s = t->mp, *eq = memchr(s + a, '=', (size_t)(at - (s + a)));
	size_t ka = a, ke, v, ap = (size_t)(at - s);

	if (!eq)
		return false;
	ke = (size_t)(eq - s);
	/* the value quoted: after '"' (a '\'' stays, for the quotes' rule of piece) */
	v = ke + 1 + (ke + 1 < ap && s[ke + 1] == '"');
	/* the key quoted: `email`=, "email"=, [email]= */
	while (ka < ke && (s[ka] == '`' || s[ka] == '"' || s[ka] == '['))
		ka++;
	while (ke > ka && (s[ke - 1] == '`' || s[ke - 1] == '"' || s[ke - 1] == ']'))
		ke--;
	if (ke == ka)
		return false;
	/* <add key="Password" value="x"/>, <input name="email" value="a@x.jp">:
	 * the value's name is the attribute before it */
	if (ieq(s + ka, ke - ka, "value"))
		value_name(s, ka, &ka, &ke);
	if (bg_password_name(s + ka, ke - ka)) {
		refuse_password(t);
		return true;
	}
	if (bg_msgid_name(s + ka, ke - ka)) {
		refuse_word(t, msgid_why, s + a0, b - a0);
		return true;
	}
	if (v < ap && key_word(s + ka, ke - ka) && !memchr(s + v, '"', b - v)) {
		piece(t, v, b, depth + 1);
		return true;
	}
	/* "status=x@y", "client_ip=a@b": an unknown key glued on.  Is the value
	 * the address, or is the key part of it?  Said, never guessed (it was
	 * stored with the key, matching nobody).  A rewritten address (SRS0=...,
	 * prvs=...) is one address, kept whole. */
	if (v < ap && key_shape(s + ka, ke - ka) && !ieq(s + ka, ke - ka, "srs0") &&
	    !ieq(s + ka, ke - ka, "srs1") && !ieq(s + ka, ke - ka, "prvs") &&
	    !ieq(s + ka, ke - ka, "btv1")) {
		refuse_word(t, unknown_key_why, s + a0, b - a0);
		return true;
	}
	return false;
}

static const char list_number_why[] =
    "a list number run into the address (\"1.taro@\"): the number, or part of the address? Put "
    "a space after a number";

/* "1.taro@x.jp", "12.hanako@x.jp" as the first word of a line or cell, or
 * "1．taro@x.jp" (a full-width stop) anywhere: one to three ASCII digits, a
 * stop, a letter, before the '@' at atp.  A numbered list typed without a
 * space, or an address whose local part is "1.taro": no text tells, and
 * either guess stores an identity that may match nobody.  Reported. */
static bool list_number_glued(const struct bg_addrtok *t, size_t a, size_t atp)
{
	const char *s = t->mp;
	size_t i = a, k;

	while (i < atp && i - a < 4 && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == a || i - a > 3 || i + 1 >= atp || s[i] != '.' ||
	    !is_alnum((unsigned char)s[i + 1]) || (s[i + 1] >= '0' && s[i + 1] <= '9') ||
	    (fl_at(t, i - 1) & F_WIDE))
		return false;
	if (fl_at(t, i) & F_WIDE)
		return true;
	for (k = 0; k < a; k++)
		if (s[k] != ' ' && s[k] != (char)SEP_BYTE)
			return false;
	return true;
}

/* One token [a, b) of the mapped line: cleaned, split, kept or reported. */
static void piece(struct bg_addrtok *t, size_t a, size_t b, int depth)
{
	const char *s = t->mp;
	const char *at, *eq_at;
	char pre = 0, post = 0;
	bool ascii = true, wide = false, bad = false, lead_quote = false, trail_quote = false;
	size_t a0;

	if (t->rc || a >= b || depth > 64)
		return;
	/* "_frank@x.com_", "__a@x.com__": Markdown's emphasis, the same run of
	 * '_' on both sides (a domain never ends in one).  A leading '_' alone
	 * is the local part's ("_admin@x.com"). */
	if (b - a > 2 && s[a] == '_' && s[b - 1] == '_') {
		size_t l = 0, r = 0;
		const char *at0;

		while (a + l < b && s[a + l] == '_')
			l++;
		while (r < b - a && s[b - 1 - r] == '_')
			r++;
		at0 = at_from(t, a, b);
		if (at0 && l == r && at0 > s + a + l && at0 < s + b - r) {
			a += l;
			b -= r;
		}
	}
	for (size_t i = a; i < b && !t->tok_plain; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			ascii = false;
		if (fl_at(t, i) & F_WIDE)
			wide = true;
		if (cls[c] == C_BAD || c == '"' || c == '\\')
			bad = true;
	}
	if (wide && width_split(t, a, b, depth))
		return;
	at = at_from(t, a, b);
	if (at && list_number_glued(t, a, (size_t)(at - s))) {
		refuse_word(t, list_number_why, s + a, b - a);
		return;
	}
	if (!ascii) {
		size_t i, k, p = SIZE_MAX, e = SIZE_MAX, atp = at ? (size_t)(at - s) : b;
		bool prev_sl = false, first = true;

		/* Local side: the text of a spaceless script before the address. */
		for (i = a; i < atp; i += k) {
			uint32_t c = cp_at(t, i, b, &k);
			bool sl = spaceless(c);

			if (c < 0x80 && !is_alnum((unsigned char)c))
				continue; /* '.', '-'...: neither side */
			if (!first && prev_sl && !sl)
				p = i;
			else if (!first && !prev_sl && sl && !at) {
				e = i; /* no '@': words of two scripts */
				break;
			}
			prev_sl = sl;
			first = false;
		}
		if (!at && e != SIZE_MAX) {
			piece(t, a, e, depth + 1);
			piece(t, e, b, depth + 1);
			return;
		}
		if (p != SIZE_MAX) {
			/* "密码=pw@x.jp", "密码:pw@x.jp": a password label glued
			 * before the address with its mark: a password. */
			if (at) {
				size_t le = p;

				while (le > a &&
				       (s[le - 1] == '=' || s[le - 1] == ':' || s[le - 1] == ']'))
					le--;
				if (le < p && bg_password_label(s + a, le - a)) {
					refuse_password(t);
					return;
				}
			}
			if (!at)
				piece(t, a, p, depth + 1);
			/* With an '@', the text before is dropped and the rest is a word
			 * of its own again: "第１a@x.jp" is "１a@x.jp", whose width rules
			 * (width_split) then apply. */
			piece(t, p, b, depth + 1);
			return;
		}
		/* Domain side: an ASCII domain followed by text of such a script. */
		if (at) {
			prev_sl = true;
			for (i = atp + 1; i < b; i += k) {
				uint32_t c = cp_at(t, i, b, &k);
				bool sl = spaceless(c);

				if (c < 0x80 && !is_alnum((unsigned char)c))
					continue;
				if (sl && !prev_sl && i > atp + 1) {
					piece(t, i, b, depth + 1);
					b = i;
					break;
				}
				prev_sl = sl;
			}
		}
		/* An honorific after the address. */
		for (bool again = true; again && at;) {
			again = false;
			for (size_t h = 0; h < sizeof(honorifics) / sizeof(honorifics[0]); h++) {
				size_t hl = strlen(honorifics[h]);

				if (b - a > hl && b - hl > atp &&
				    memcmp(s + b - hl, honorifics[h], hl) == 0) {
					b -= hl;
					again = true;
				}
			}
		}
	}
	/* Edges; the column is where the token began, before them. */
	a0 = a;
	while (a < b && lead_trim[(unsigned char)s[a]]) {
		pre = (s[a] == '.' || s[a] == '-') ? s[a] : 0;
		lead_quote |= s[a] == '\'';
		a++;
	}
	/* pre: one '.' or '-' glued on, as a wrapped cell's tail starts (".co.jp",
	 * ".admin@x"); a run of them ("...", "--") is decoration. */
	if (pre && a - a0 >= 2 && (s[a - 2] == '.' || s[a - 2] == '-'))
		pre = 0;
	while (b > a && (unsigned char)s[b - 1] < 0x80 && !is_alnum((unsigned char)s[b - 1]) &&
	       s[b - 1] != '@' && cls[(unsigned char)s[b - 1]] != C_BAD) {
		post = strchr(".-_+", s[b - 1]) ? s[b - 1] : 0;
		trail_quote |= s[b - 1] == '\'';
		b--;
	}
	if (a >= b)
		return;
	/* ASCII: the edges cut hold no '@' (lead_trim has none, the tail stops
	 * at one), so the first '@' is still the one found above. */
	if (!ascii)
		at = at_from(t, a, b);
	if (!at) {
		if (!bad && b - a <= BG_TOK_MAX)
			keep(t, a0, a, b, false, pre, post);
		return;
	}
	if (b - a > BG_TOK_MAX) {
		snprintf(t->why, sizeof(t->why),
			 "%zu bytes without a break around an '@': too long to be an address",
			 b - a);
		refuse_word(t, t->why, s + a, b - a);
		return;
	}
	/* key="value" (a log's fields, an XML or HTML attribute): key_value */
	if (bad && memchr(s + a, '=', (size_t)(at - (s + a))) && key_value(t, a0, a, b, at, depth))
		return;
	for (size_t i = a; i < b && bad; i++) {
		if (cls[(unsigned char)s[i]] == C_BAD || s[i] == '"' || s[i] == '\\') {
			/* shown to the character after the '@' only: what follows
			 * it may be a password ("a@x.jp・Pw1Secret") */
			refuse_word(t,
				    cls[(unsigned char)s[i]] == C_BAD
					? "an undecodable byte or an unknown character is glued to "
					  "the address"
					: "a quote or a backslash is inside the address (a quoted "
					  "local part, \"ju-ichi\"@x.jp, is not read)",
				    s + a, i > (size_t)(at - s) ? i - a + 1 : b - a);
			return;
		}
	}
	/* A string literal of a dump or a program's output, its prefix glued to
	 * the quote that opens it: SQL's N'a@x.jp' E'a@x.jp' _utf8mb4'a@x.jp',
	 * Python's u'a@x.jp' b'a@x.jp'.  The quote after the domain closes it:
	 * the address is what they enclose. */
	if (!lead_quote && trail_quote) {
		const char *q = memchr(s + a, '\'', (size_t)(at - (s + a)));

		if (q && q + 1 < at && literal_prefix(s + a, (size_t)(q - (s + a)))) {
			a = (size_t)(q - s) + 1;
			lead_quote = true;
		}
	}
	/* "'Taro'taro@x.jp": a quote before the word, another inside its local
	 * part and none after it.  A quoted name glued on, or an apostrophe of the
	 * address?  Reported, never guessed ('o'brien@x.ie', quoted whole, keeps
	 * its apostrophe). */
	if (lead_quote && !trail_quote && memchr(s + a, '\'', (size_t)(at - (s + a)))) {
		refuse_word(t,
			    "a quote before the address and another inside it: a quoted name "
			    "glued on, or an apostrophe of the address? Put a space after the name",
			    s + a0, b - a0);
		return;
	}
	eq_at = memchr(s + a, '=', (size_t)(at - (s + a)));
	if (eq_at && key_value(t, a0, a, b, at, depth))
		return;
	/* A URL's query glued on: "/api?mail=erin@x.com&...", "x?u=erin@x.com".
	 * The last "?key=" or "&key=" before the '@' starts the value: a known
	 * key's value is read as above, a password's refused, any other key's
	 * reported (a '?' in a local part is legal, and never an exposed
	 * mailbox's; it was stored as "api?mail=erin@x.com").  Only with an '='
	 * before the '@' (eq_at): most words have none. */
	if (eq_at) {
		const char *q = NULL, *eq;

		for (const char *p = s + a; p < at; p++)
			if (*p == '?' || *p == '&')
				q = p;
		eq = q ? memchr(q, '=', (size_t)(at - q)) : NULL;
		if (eq && eq > q + 1 && eq + 1 < at) {
			size_t kl = (size_t)(eq - q - 1);

			if (bg_password_name(q + 1, kl)) {
				refuse_password(t);
				return;
			}
			if (key_word(q + 1, kl)) {
				piece(t, (size_t)(eq + 1 - s), b, depth + 1);
				return;
			}
			refuse_word(t, "an address in a URL's query (?key=value) is not imported",
				    s + a0, b - a0);
			return;
		}
	}
	{
		size_t d = (size_t)(at - s) + 1;

		while (d < b && dom_byte((unsigned char)s[d]) &&
		       !(s[d] == '.' && d + 1 < b && s[d + 1] == '.'))
			d++;
		if (d < b && s[d] == '.') {
			/* "a@x.jp...and more": the domain ends before the dots. */
			piece(t, a, d, depth + 1);
			while (d < b && s[d] == '.')
				d++;
			piece(t, d, b, depth + 1);
			return;
		}
		if (d < b) {
			if (s[d] == '@') {
				refuse_word(t, "more than one '@' in one word", s + a, b - a);
				return;
			}
			/* ASCII punctuation after the domain ends the address there:
			 * "a@x.jp/b@y.jp", "a@x.jp!". */
			piece(t, a, d, depth + 1);
			piece(t, d + 1, b, depth + 1);
			return;
		}
	}
	/* "@name" alone is a handle, not an address. */
	if (at == s + a && !memchr(at, '.', (size_t)(s + b - at)) && !pre)
		return;
	t->unquote = lead_quote && trail_quote;
	keep(t, a0, a, b, true, pre, post);
	t->unquote = false;
}

static bool ieq(const char *a, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	if (l != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/* "a@x.jp?subject=..." after "mailto:" */
static bool after_mailto(const struct bg_addrtok *t, size_t a)
{
	return a >= 7 && t->mp[a - 1] == ':' && ieq(t->mp + a - 7, 6, "mailto") &&
	       (a == 7 || cls[(unsigned char)t->mp[a - 8]] != C_CH);
}

/* A "display name" before <...> is a name even when it quotes an address:
 * returns the index of the '<', or 0. */
static size_t display_name(const struct bg_addrtok *t, size_t i)
{
	const char *q = memchr(t->mp + i + 1, '"', t->mlen - i - 1);
	size_t j;

	if (!q)
		return 0;
	j = (size_t)(q - t->mp) + 1;
	while (j < t->mlen && t->mp[j] == ' ')
		j++;
	return j < t->mlen && t->mp[j] == '<' ? j : 0;
}

/* The display name of "name" <address> at [q, lt) (q the opening quote, lt
 * the '<'): never imported, but one holding another address than the one in
 * the brackets is said ("hanako@old.jp" <taro@x.jp>: an old address, a
 * forwarding?), so that no address is left out unsaid.  The address's own
 * text as its name ("taro@x.jp" <taro@x.jp>, as Outlook writes it) is not. */
static void name_address(struct bg_addrtok *t, size_t q, size_t lt)
{
	const char *s = t->mp, *close = memchr(s + q + 1, '"', lt - q - 1), *gt;
	size_t a = q + 1, b, e;

	if (!close)
		return;
	b = (size_t)(close - s);
	/* Blanks and Outlook's apostrophes: "'taro@x.jp'" <taro@x.jp>. */
	while (a < b && (s[a] == ' ' || s[a] == '\''))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\''))
		b--;
	if (a == b || !memchr(s + a, '@', b - a))
		return;
	gt = memchr(s + lt + 1, '>', t->mlen - lt - 1);
	e = gt ? (size_t)(gt - s) : lt + 1;
	if (e - lt - 1 == b - a) {
		size_t i = 0;

		while (i < b - a &&
		       lower((unsigned char)s[a + i]) == lower((unsigned char)s[lt + 1 + i]))
			i++;
		if (i == b - a)
			return;
	}
	refuse_word(t,
		    "an address in a display name (\"name\" <address>) is not imported: the "
		    "address is the one in the brackets",
		    s + q, (size_t)(close - s) + 1 - q);
}

/* A '"' or '\\' inside a word (a/b"c@x) glues: cutting there would make an
 * address of the tail. */
static bool glue_quote(const char *s, size_t n, size_t i)
{
	return (s[i] == '"' || s[i] == '\\') && i > 0 && i + 1 < n &&
	       cls[(unsigned char)s[i - 1]] == C_CH && cls[(unsigned char)s[i + 1]] == C_CH;
}

static bool password_label_word(const char *s, size_t n);

/* A Japanese label's qualifier in brackets at its end: "パスワード（平文）",
 * "パスワード(旧)", "パスワード【初期】": the length without it, or n. */
static size_t drop_qualifier(const char *s, size_t n)
{
	static const char *const opens[] = {"\xef\xbc\x88" /* （ */, "(", "\xe3\x80\x90" /* 【 */,
					    "\xef\xbc\xbb" /* ［ */, "["};
	static const char *const closes[] = {"\xef\xbc\x89", ")", "\xe3\x80\x91", "\xef\xbc\xbd",
					     "]"};
	unsigned char z = n ? (unsigned char)s[n - 1] : 0;

	/* the last bytes of the closes: most words end otherwise */
	if (z != 0x89 && z != ')' && z != 0x91 && z != 0xbd && z != ']')
		return n;
	for (size_t k = 0; k < sizeof(opens) / sizeof(opens[0]); k++) {
		size_t cl = strlen(closes[k]), ol = strlen(opens[k]);

		if (n <= cl + ol || memcmp(s + n - cl, closes[k], cl) != 0)
			continue;
		for (size_t i = n - cl; i-- > 0;)
			if (i + ol <= n - cl && memcmp(s + i, opens[k], ol) == 0)
				return i > 0 ? i : n;
	}
	return n;
}

/* A short label's NFKC into buf (*len its size, then the length): false when
 * it does not fit (a label it is not) or libunistring fails. */
static bool label_nfkc(const char *s, size_t n, char *buf, size_t *len)
{
	uint8_t *r = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, n, (uint8_t *)buf, len);

	if (r && r != (uint8_t *)buf) {
		free(r);
		return false;
	}
	return r != NULL;
}

bool bg_password_label(const char *s, size_t n)
{
	char buf[96];
	size_t len = sizeof(buf);

	if (n < 2 || n > 60)
		return false;
	n = drop_qualifier(s, n);
	if (password_label_word(s, n))
		return true;
	/* Half-width katakana ("ﾊﾟｽﾜｰﾄﾞ", U+FF61..U+FF9F: bytes EF BD/BE) and
	 * other compatibility forms: their NFKC. */
	if (!memchr(s, 0xef, n) || !label_nfkc(s, n, buf, &len))
		return false;
	return password_label_word(buf, drop_qualifier(buf, len));
}

/* password_label_word is asked of every word in a label's place (a Japanese
 * notice: most words of most lines), and ~90 labels took ~1,000 instructions
 * a line to turn down.  A sieve first: one bit per (length, first byte, last
 * two bytes), ASCII letters folded as in_words folds them; a word whose bit
 * is not set is no label, one whose bit is set is compared as before. */
#define LABEL_SIEVE 1024

static size_t label_sieve_bit(const char *s, size_t n)
{
	size_t h = n * 31u + lower((unsigned char)s[0]) * 7u +
		   lower((unsigned char)s[n - 1]) * 131u + lower((unsigned char)s[n - 2]);

	return h % LABEL_SIEVE;
}

static bool password_label_word(const char *s, size_t n)
{
	/* lower-case ASCII, or UTF-8 (in_words folds only ASCII letters) */
	static const struct word labels[] = {
	    W("password"), W("passwd"), W("pass"), W("pwd"), W("pw"), W("passwort"),
	    W("contrasena"), W("senha"), W("motdepasse"), W("パスワード"), W("密码"), W("密碼"),
	    W("登录密码"), W("登錄密碼"), W("新密码"), W("新密碼"), W("仮パスワード"),
	    W("初期パスワード"), W("新パスワード"), W("旧パスワード"), W("新しいパスワード"),
	    W("ログインパスワード"), W("初始密码"), W("临时密码"), W("臨時密碼"), W("初始密碼"),
	    W("口令"), W("비밀번호"), W("암호"), W("패스워드"), W("비번"), W("пароль"),
	    W("暗証番号"), W("パス"), W("暗号化パスワード"), W("ユーザーパスワード"),
	    W("メールパスワード"), W("ＰＷ"),
	    /* an archive's, in the separate mail that sends it */
	    W("解凍パスワード"), W("解凍用パスワード"), W("展開パスワード"), W("展開用パスワード"),
	    W("zipパスワード"), W("圧縮パスワード"), W("ファイルパスワード"),
	    W("添付ファイルパスワード"), W("開封パスワード"), W("閲覧パスワード"),
	    /* in_words folds ASCII letters only: the other scripts' capitals too,
	     * with the ASCII letters around them in lower case ("CONTRASEÑA" reads
	     * "contraseÑa"; written in capitals, the entry matched nothing) */
	    W("Пароль"), W("ПАРОЛЬ"), W("contraseña"), W("contraseÑa"), W("kennwort"),
	    W("wachtwoord"), W("passe"), W("hasło"), W("hasŁo"), W("haslo"), W("heslo"),
	    W("parola"), W("lösenord"), W("lÖsenord"), W("salasana"), W("passord"),
	    W("adgangskode"), W("jelszó"), W("şifre"), W("Şifre"), W("sifre"), W("passphrase"),
	    W("passcode"), W("lozinka"), W("лозинка"), W("Лозинка"), W("geslo"), W("parolă"),
	    W("парола"), W("Парола"), W("κωδικός"), W("Κωδικός"), W("ΚΩΔΙΚΟΣ"), W("slaptažodis"),
	    W("parool"), W("salasõna"), W("wagwoord"), W("katasandi"), W("kata sandi"),
	    W("kodeord"), W("lykilorð"), W("jelszo"), W("mật khẩu"), W("סיסמה"), W("סיסמא"),
	    W("كلمة المرور"), W("كلمة السر"), W("รหัสผ่าน"), W("पासवर्ड"), W("palavra-passe"),
	    W("senha de acesso"), W("lösen")};

	static _Atomic uint64_t sieve[LABEL_SIEVE / 64];
	static _Atomic bool sieve_ready;
	const size_t count = sizeof(labels) / sizeof(labels[0]);

	if (n < 2 || n > 36)
		return false;
	/* Built at the first call (the same bits by any thread that races to it). */
	if (!atomic_load_explicit(&sieve_ready, memory_order_acquire)) {
		for (size_t i = 0; i < count; i++) {
			size_t h = label_sieve_bit(labels[i].s, labels[i].n);

			atomic_fetch_or_explicit(&sieve[h / 64], (uint64_t)1 << (h % 64),
						 memory_order_relaxed);
		}
		atomic_store_explicit(&sieve_ready, true, memory_order_release);
	}
	{
		size_t h = label_sieve_bit(s, n);

		if (!(atomic_load_explicit(&sieve[h / 64], memory_order_relaxed) >> (h % 64) & 1))
			return false;
	}
	return in_words(labels, count, s, n);
}

/* Whether a word holds one of these, case aside: a camelCase or run-together
 * name of a password ("userPassword", "PasswordHash", "hashedpassword"). */
static bool holds_password_word(const char *s, size_t n)
{
	static const char *const words[] = {"password", "passwd",     "passwort",
					    "kennwort", "passphrase", "wachtwoord"};

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t l = strlen(words[w]);

		for (size_t i = 0; i + l <= n; i++) {
			size_t k = 0;

			while (k < l &&
			       lower((unsigned char)s[i + k]) == (unsigned char)words[w][k])
				k++;
			if (k == l)
				return true;
		}
	}
	return false;
}

/* Names of a column or a key that holds a secret, never an address, though
 * no label of one in a text ("secret: x" may head a message). */
static bool secret_word(const char *s, size_t n)
{
	static const struct word words[] = {
	    W("secret"), W("hash"), W("pwhash"), W("pwdhash"), W("passhash"), W("pin"), W("salt"),
	    W("pincode"), W("token"), W("apikey"), W("accesskey"), W("secretkey"), W("privatekey"),
	    W("otp"), W("credential"), W("credentials"),
	    /* run together or cut short in a dump's users table */
	    W("loginkey"), W("authkey"), W("sessionkey"), W("userpass"), W("userpw"), W("upass"),
	    W("psw"), W("pswd"), W("pword"), W("passw")};

	return bg_password_label(s, n) || in_words(words, sizeof(words) / sizeof(words[0]), s, n);
}

/* "email_for_password_reset", "mailForPwdRecovery": an address's key, then
 * "for" and what the address is for ("email_password" stays a password's). */
static bool address_for(const char *s, size_t n)
{
	size_t b = 1;

	while (b < n && s[b] != '_' && s[b] != '-' && s[b] != '.' && s[b] != ' ' &&
	       !(s[b] >= 'A' && s[b] <= 'Z' && s[b - 1] >= 'a' && s[b - 1] <= 'z'))
		b++;
	if (b + 4 > n || !key_word(s, b))
		return false;
	if (s[b] == '_' || s[b] == '-' || s[b] == '.' || s[b] == ' ')
		b++;
	return b + 4 <= n && ieq(s + b, 3, "for") &&
	       (s[b + 3] == '_' || s[b + 3] == '-' || s[b + 3] == '.' || s[b + 3] == ' ' ||
		(s[b + 3] >= 'A' && s[b + 3] <= 'Z'));
}

bool bg_password_name(const char *s, size_t n)
{
	size_t a = 0, b, prev_a = 0, prev_b = 0;

	/* a numbered one: "pwd2", "password_1" */
	while (n > 1 && s[n - 1] >= '0' && s[n - 1] <= '9')
		n--;
	if (n > 1 && (s[n - 1] == '_' || s[n - 1] == '-') && n < 64)
		n--;
	if (secret_word(s, n))
		return true;
	/* "password_reset_email", "passwordRecoveryMail": its last part names an
	 * address; the key of one (key_word). */
	if (n == 0 || n > 64 || key_word(s, n) || address_for(s, n))
		return false;
	/* run together with a "pwd" at its end: "userpwd", "adminpwd" (LDIF's
	 * attributes were read so before) */
	if (holds_password_word(s, n) ||
	    (n > 3 && lower((unsigned char)s[n - 3]) == 'p' &&
	     lower((unsigned char)s[n - 2]) == 'w' && lower((unsigned char)s[n - 1]) == 'd'))
		return true;
	/* one of its parts: "user_pass", "pwd-hash", "mot_de_passe", "pwdHash";
	 * a "key" after api, access, secret, private, auth, login or session
	 * ("api_key", "accessKey", "login_key") */
	while (a < n) {
		static const struct word keyed[] = {W("api"),	  W("access"), W("secret"),
						    W("private"), W("auth"),   W("login"),
						    W("session")};

		for (b = a + 1; b < n && s[b] != '_' && s[b] != '-' && s[b] != '.' && s[b] != ' ' &&
				!(s[b] >= 'A' && s[b] <= 'Z' && s[b - 1] >= 'a' && s[b - 1] <= 'z');
		     b++)
			;
		if (b - a < n && secret_word(s + a, b - a))
			return true;
		if (ieq(s + a, b - a, "key") && prev_b > prev_a &&
		    in_words(keyed, sizeof(keyed) / sizeof(keyed[0]), s + prev_a, prev_b - prev_a))
			return true;
		prev_a = a;
		prev_b = b;
		a = b < n && (s[b] == '_' || s[b] == '-' || s[b] == '.' || s[b] == ' ') ? b + 1 : b;
	}
	return false;
}

/* A URL [a, b) whose '@'s are all in its query's values: the value of an
 * address's key is read ("?email=taro@x.jp&lang=ja", as a log shows it
 * decoded or as "taro%40x.jp": map_line), a password's refused unseen.  False
 * (nothing done) when an '@' is elsewhere or a value's key is another one:
 * the caller refuses the URL. */
static bool url_query(struct bg_addrtok *t, size_t a, size_t b)
{
	const char *s = t->mp, *q = memchr(s + a, '?', b - a), *at = memchr(s + a, '@', b - a);
	const char *hash = q ? memchr(q, '#', (size_t)(s + b - q)) : NULL;
	size_t i, e, eq, end = hash ? (size_t)(hash - s) : b;
	int pass;

	if (!q || at < q || memchr(s + end, '@', b - end))
		return false;
	/* pass 0 checks every pair, pass 1 reads them */
	for (pass = 0; pass < 2; pass++) {
		for (i = (size_t)(q - s) + 1; i < end; i = e + 1) {
			for (e = i; e < end && s[e] != '&' && s[e] != ';'; e++)
				;
			for (eq = i; eq < e && s[eq] != '='; eq++)
				;
			if (!memchr(s + i, '@', e - i))
				continue;
			if (pass == 0 &&
			    (eq == e || eq + 1 == e || memchr(s + i, '@', eq - i) ||
			     (!key_word(s + i, eq - i) && !bg_password_name(s + i, eq - i))))
				return false;
			if (pass == 1 && bg_password_name(s + i, eq - i))
				refuse_password(t);
			else if (pass == 1)
				piece(t, eq + 1, e, 0);
		}
	}
	return true;
}

/* Whether s[i] is the SEP_BYTE of an opening CJK or typographic quote right
 * after another one: “「 opens one passphrase (value_end), a mark once. */
static bool nested_quote(const struct bg_addrtok *t, const char *s, size_t i)
{
	return !t->ident && i > 0 && (unsigned char)s[i] == SEP_BYTE &&
	       (unsigned char)s[i - 1] == SEP_BYTE && (t->fl[i] & F_QOPEN) &&
	       (t->fl[i - 1] & F_QOPEN);
}

/* Between a label and its value: blanks, quotes ("password":"x", password:
 * 'x'), one ':' or '=' and one closing bracket (']', or "【密码】：x", whose
 * bracket the mapped line holds as SEP_BYTE, its full-width colon as ':' and
 * every space as a blank), or one run of opening quotes ("パスワード：“「x」
 * y”": the passphrase is to the first one's close).
 * Returns the number of marks, or -1 when something else stands there. */
static int label_gap(const struct bg_addrtok *t, const char *s, size_t a, size_t b)
{
	int colons = 0, brackets = 0;

	for (; a < b; a++)
		if (s[a] == ':' || s[a] == '=')
			colons++;
		else if (s[a] == '>' && a > 0 && s[a - 1] == '=')
			continue; /* "pass => x", "=" a word of its own */
		else if (nested_quote(t, s, a))
			continue;
		else if (s[a] == ']' || s[a] == ')' || (unsigned char)s[a] == SEP_BYTE)
			brackets++;
		else if (cls[(unsigned char)s[a]] != C_SP && s[a] != '"')
			return -1;
	return colons > 1 || brackets > 1 ? -1 : colons + brackets;
}

/* Where in [a, b) a '/' is (a full-width '／' is mapped to it; a middle dot
 * '・' is a separator of the mapped line, so "ID・PW" is no pair label): the
 * first one, or SIZE_MAX. */
static size_t pair_sep(const char *s, size_t a, size_t b)
{
	const char *p = memchr(s + a, '/', b - a);

	return p ? (size_t)(p - s) : SIZE_MAX;
}

/* A pair label, one word: an account's name, '/', a password's ("ID/PW",
 * "メール/パスワード", "ユーザーID/パスワード"). */
static bool pair_name(const char *s, size_t a, size_t b)
{
	size_t sp = pair_sep(s, a, b), r;

	if (sp == SIZE_MAX || sp == a)
		return false;
	r = sp + 1;
	return r < b && id_word(s + a, sp - a) && bg_password_label(s + r, b - r);
}

/* A pair label of two words: [qa, qb) an account's name, one middle dot or
 * comma, [pa, pb) a password's ("ID・PW：", "ID,PW:", "メール・パスワード：").
 * The mapped line's byte that joins them (SEP_BYTE for the dot, ','), or 0.
 * Only this label makes the joiner a pair's: anywhere else it lists ("a@x.jp・
 * b@x.jp", "a@x.jp,b@x.jp" are two accounts), which is why pair_name never
 * reads a middle dot. */
static char pair_joiner(const struct bg_addrtok *t, const char *s, size_t qa, size_t qb, size_t pa,
			size_t pb)
{
	char j;

	if (qb <= qa || qb + 1 != pa)
		return 0;
	j = s[qb];
	if (j != ',' && !(j == (char)SEP_BYTE && (fl_at(t, qb) & F_MDOT)))
		return 0;
	return id_word(s + qa, qb - qa) && bg_password_label(s + pa, pb - pa) ? j : 0;
}

/* Whether s[i] is the joiner j of a pair label (pair_joiner): a middle dot
 * glued inside a word too ("a@x.jp・Secret1", which map_line holds as
 * BAD_BYTE). */
static bool is_joiner(const struct bg_addrtok *t, const char *s, size_t i, char j)
{
	if (j == ',')
		return s[i] == ',';
	return (s[i] == (char)SEP_BYTE || s[i] == (char)BAD_BYTE) && (fl_at(t, i) & F_MDOT);
}

/* The first of [a, b) that is the joiner j, or SIZE_MAX. */
static size_t joiner_in(const struct bg_addrtok *t, const char *s, size_t a, size_t b, char j)
{
	for (; a < b; a++)
		if (is_joiner(t, s, a, j))
			return a;
	return SIZE_MAX;
}

bool bg_pair_label(const char *s, size_t n)
{
	char buf[96];
	size_t len = sizeof(buf), b, j, e;

	if (n < 4 || n > 60)
		return false;
	/* full-width forms ("ＩＤ／ＰＷ", "ID／PW"): their NFKC */
	if (memchr(s, 0xef, n)) {
		if (!label_nfkc(s, n, buf, &len))
			return false;
		s = buf;
		n = len;
	}
	for (j = 0; j < n; j++)
		if (s[j] == '/' || s[j] == ',' ||
		    (n - j >= 3 && memcmp(s + j, "\xe3\x83\xbb", 3) == 0)) /* ・ */
			break;
	if (j == 0 || j >= n)
		return false;
	b = s[j] == '/' || s[j] == ',' ? j + 1 : j + 3;
	for (e = j; e > 0 && s[e - 1] == ' '; e--)
		;
	while (b < n && s[b] == ' ')
		b++;
	return e > 0 && b < n && id_word(s, e) && bg_password_label(s + b, n - b);
}

/* The first half of a pair label: an account's ("ID/PW", "メール/パスワード"). */
static bool id_word(const char *s, size_t n)
{
	static const struct word words[] = {W("id"),	     W("userid"),	  W("user"),
					    W("login"),	     W("loginid"),	  W("mail"),
					    W("email"),	     W("e-mail"),	  W("account"),
					    W("メール"),     W("メールアドレス"), W("アカウント"),
					    W("ユーザー"),   W("ユーザーid"),	  W("ユーザid"),
					    W("ログインid"), W("アドレス"),	  W("ユーザー名")};

	return in_words(words, sizeof(words) / sizeof(words[0]), s, n);
}

/* A label's qualifier in brackets: [pe, a) blanks and one '(' or '[', then
 * qualifier words to its closing bracket, within 48 bytes ("(old)", "(plain
 * text)", "（初期・平文）", "（※平文）").  The closing bracket's end, or 0.
 * Only such words: "パスワード（要変更）：a@x.jp" says whose passwords must
 * change, and the addresses after it are read. */
static size_t qualifier_end(const char *s, size_t n, size_t pe, size_t a)
{
	static const struct word words[] = {
	    W("old"),	    W("new"),	    W("plain"),	    W("text"),
	    W("plaintext"), W("cleartext"), W("clear"),	    W("current"),
	    W("temporary"), W("temp"),	    W("initial"),   W("default"),
	    W("hashed"),    W("hash"),	    W("encrypted"), W("平文"),
	    W("旧"),	    W("新"),	    W("初期"),	    W("仮"),
	    W("暫定"),	    W("変更前"),    W("変更後"),    W("現行"),
	    W("現在"),	    W("暗号化"),    W("ハッシュ"),  W("初回"),
	    W("共通"),	    W("半角"),	    W("英数字"),    W("大文字小文字区別")};
	char open = 0, close;
	size_t i, w;

	for (i = pe; i < a; i++)
		if ((s[i] == '(' || s[i] == '[') && !open)
			open = s[i];
		else if (cls[(unsigned char)s[i]] != C_SP && !(open && s[i] == (char)SEP_BYTE))
			return 0;
	if (!open)
		return 0;
	close = open == '(' ? ')' : ']';
	for (i = a; i < n && i < a + 48 && s[i] != close;) {
		if (cls[(unsigned char)s[i]] == C_SP || s[i] == (char)SEP_BYTE) {
			i++;
			continue;
		}
		if (n - i >= 3 && (memcmp(s + i, "\xe3\x83\xbb", 3) == 0 ||  /* ・ */
				   memcmp(s + i, "\xe2\x80\xbb", 3) == 0)) { /* ※ */
			i += 3;
			continue;
		}
		for (w = i; w < n && s[w] != close && cls[(unsigned char)s[w]] != C_SP &&
			    s[w] != (char)SEP_BYTE &&
			    !(n - w >= 3 && (memcmp(s + w, "\xe3\x83\xbb", 3) == 0 ||
					     memcmp(s + w, "\xe2\x80\xbb", 3) == 0));
		     w++)
			;
		if (!in_words(words, sizeof(words) / sizeof(words[0]), s + i, w - i))
			return 0;
		i = w;
	}
	return i < n && s[i] == close ? i + 1 : 0;
}

/* Whether s[b..n) is blanks only. */
static bool line_rest_blank(const char *s, size_t n, size_t b)
{
	for (; b < n; b++)
		if (cls[(unsigned char)s[b]] != C_SP)
			return false;
	return true;
}

/* Whether nothing but blanks and punctuation (a closing quote) follows e. */
static bool lone_value(const char *s, size_t n, size_t e)
{
	for (; e < n; e++)
		if (cls[(unsigned char)s[e]] != C_SP && cls[(unsigned char)s[e]] != C_SEP)
			return false;
	return true;
}

/* Whether [a, b) is printable ASCII only (a password typed after a label). */
static bool ascii_word(const char *s, size_t a, size_t b)
{
	if (a >= b)
		return false;
	for (; a < b; a++)
		if ((unsigned char)s[a] < 0x21 || (unsigned char)s[a] >= 0x7f)
			return false;
	return true;
}

/* Whether [a, b) ends in a quote's HTML entity that lost its ';' to the
 * tokens: "&quot", "&#34", "&#x22", "&apos", "&#39". */
static bool quote_entity(const char *s, size_t a, size_t b)
{
	static const char *const ents[] = {"&quot", "&#34", "&#x22", "&apos", "&#39"};

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		size_t l = strlen(ents[i]);

		if (b - a >= l && ieq(s + b - l, l, ents[i]))
			return true;
	}
	return false;
}

/* Words that may come before a label at the start of a line: "Your password
 * is x", "New password: x", "Temporary password: x", and what the password
 * is of ("VPN password: x", "Wi-Fi password: x", "Admin password: x"; a
 * verb's "Reset password: a@x.jp" keeps its address). */
static bool label_prefix(const char *s, size_t n)
{
	/* by length: the first word of every line comes here */
	static const struct word w2[] = {W("my"), W("db")};
	static const struct word w3[] = {W("new"), W("old"), W("the"), W("vpn"), W("zip"),
					 W("pdf"), W("ftp"), W("ssh"), W("web")};
	static const struct word w4[] = {W("your"), W("temp"), W("wifi"), W("wlan"), W("root"),
					 W("user"), W("mail"), W("file"), W("sftp"), W("ldap")};
	static const struct word w5[] = {W("wi-fi"), W("admin"), W("login"), W("email")};
	static const struct word w6[] = {W("e-mail"), W("portal"), W("router"), W("master"),
					 W("shared"), W("backup"), W("server"), W("domain")};
	static const struct word w7[] = {W("initial"), W("current"), W("default"), W("account"),
					 W("archive"), W("network"), W("windows")};
	static const struct word w8[] = {W("one-time"), W("database")};
	static const struct word w9[] = {W("temporary"), W("generated")};
	static const struct word w13[] = {W("administrator")};
#define IN_WORDS(w) in_words(w, sizeof(w) / sizeof(w[0]), s, n)

	/* a switch, not a table of the lists: each call's count a constant */
	switch (n) {
	case 2:
		return IN_WORDS(w2);
	case 3:
		return IN_WORDS(w3);
	case 4:
		return IN_WORDS(w4);
	case 5:
		return IN_WORDS(w5);
	case 6:
		return IN_WORDS(w6);
	case 7:
		return IN_WORDS(w7);
	case 8:
		return IN_WORDS(w8);
	case 9:
		return IN_WORDS(w9);
	case 13:
		return IN_WORDS(w13);
	default:
		return false; /* an address is longer than the longest */
	}
#undef IN_WORDS
}

/* A word between a label and its value: "password = x", "pass => x",
 * "password is x", "Password - x", "password := x" (':' is a separator). */
static bool mark_word(const char *s, size_t n)
{
	return (n == 1 && (s[0] == '=' || s[0] == '-')) ||
	       (n == 2 && (s[0] == '=' || s[0] == '-') && (s[1] == '=' || s[1] == '>')) ||
	       ieq(s, n, "is") || ieq(s, n, "was");
}

/* Whether the word [a, b) labels a password: with a mark (marked, a ':' or
 * '=' after it) any name of one ("userPassword:", "secret =", "api_key:"),
 * with none the labels alone ("a@x.jp pwd x").  A glued '=' is a mark:
 * "password=", "password=&quot;" (an entity the text kept), "$password='".
 * Returns the marks inside the word (0 or 1), or -1. */
static int label_word(const char *s, size_t a, size_t b, bool marked)
{
	const char *eq;
	size_t e;

	while (a < b && (s[a] == '$' || s[a] == '\'' || s[a] == '`'))
		a++;
	eq = memchr(s + a, '=', b - a);
	if (eq) {
		size_t v = (size_t)(eq - s) + 1;

		while (v < b && (s[v] == '\'' || s[v] == '`'))
			v++;
		if (v < b && !(quote_entity(s, v, b) && memchr(s + v, '&', b - v) == s + v))
			return -1;
		b = (size_t)(eq - s);
	}
	e = b;
	while (e > a && (s[e - 1] == '\'' || s[e - 1] == '`'))
		e--;
	/* "mailto:", the scheme an address list's links keep, the word most often
	 * before a ':' there: no name of a password, said at once */
	if (e == a || (e - a == 6 && bg_ascii_starts_ci(s + a, 6, "mailto")))
		return -1;
	if (eq || marked)
		return bg_password_name(s + a, e - a) ? eq != NULL : -1;
	return bg_password_label(s + a, e - a) ? 0 : -1;
}

/* Whether the word [pa, pe) is a start tag's key, name or property
 * attribute whose quoted value names a password, the tag's end after it and
 * the text [pe + 2, a) blank: <entry key="smtp.password">x, <add
 * name='Password'>x.  The tokens glue the quote: the word is key="name. */
static bool attr_label(const struct bg_addrtok *t, const char *s, size_t pa, size_t pe, size_t a)
{
	static const char *const attrs[] = {"key=", "name=", "property="};
	size_t close = pe;

	/* the closing quote after the word, or its last byte (an apostrophe) */
	if (pe < a && s[pe] == '>' && pe > pa && s[pe - 1] == '\'')
		close = pe - 1;
	else if (pe + 2 > a || (s[pe] != '"' && s[pe] != '\'') || s[pe + 1] != '>')
		return false;
	if (label_gap(t, s, close + 2, a) != 0)
		return false;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		size_t l = strlen(attrs[i]);

		if (close - pa > l + 1 && ieq(s + pa, l, attrs[i]) && s[pa + l] == s[close])
			return bg_password_name(s + pa + l + 1, close - pa - l - 1);
	}
	return false;
}

/* Where the word that starts at i ends: the next blank (a password may hold
 * any separator but a blank). */
static size_t word_end(const char *s, size_t n, size_t i)
{
	while (i < n && cls[(unsigned char)s[i]] != C_SP)
		i++;
	return i;
}

/* A label's value from a: one word, or, when an ASCII quote in the label's gap
 * [pe, a) or at a opens it ('Password: "two words"', a passphrase), or a CJK
 * or typographic one in that gap ('パスワード：「two words a@b.jp」', 『』,
 * “”), to its closing quote on the line (within 128 bytes; none: one word). */
static size_t value_end(const struct bg_addrtok *t, const char *s, size_t n, size_t pe, size_t a)
{
	char q = a > pe && a > 0 ? s[a - 1] : 0;
	size_t from = a;

	/* the gap's first such quote: “「x」 y” is one passphrase */
	for (size_t g = pe; g < a && !t->ident; g++) {
		uint8_t close = (uint8_t)(F_QCLOSE | (t->fl[g] & F_QKIND));

		if (s[g] != (char)SEP_BYTE || !(t->fl[g] & F_QOPEN))
			continue;
		for (size_t e = a; e < n && e - a < 128; e++)
			if ((t->fl[e] & (F_QCLOSE | F_QKIND)) == close && s[e] == (char)SEP_BYTE)
				return e;
		break;
	}

	if (q != '"' && a < n && s[a] == '\'') /* a ' glues: the word starts with it */
		q = s[from++];
	if (q == '"' || q == '\'') {
		const char *c = memchr(s + from, q, (n - from) < 128 ? n - from : 128);

		if (c)
			return (size_t)(c - s);
	}
	return word_end(s, n, a);
}

/* In a password [a, e) after "address:", a glued separator and another
 * "address:" ("a@x.jp:pw1;b@x.jp:pw2", a combolist on one line): the password
 * ends at that separator.  Returns where it ends. */
static size_t next_pair(const char *s, size_t a, size_t e)
{
	for (size_t i = a + 1; i + 1 < e; i++) {
		size_t j, at = 0;

		if (!combo_char(s[i]))
			continue;
		for (j = i + 1; j < e && s[j] != ':' && !combo_char(s[j]); j++)
			if (s[j] == '@' && !at)
				at = j;
		/* local@domain.tld: before the colon, a dot after the '@' */
		if (at > i + 1 && j < e && s[j] == ':' && j + 1 < e &&
		    memchr(s + at, '.', j - at) && s[j - 1] != '.')
			return i;
	}
	return e;
}

/* After an address that ends at b and the separator s[b] glued to it: where
 * its password ends, or 0 when s[b] starts none.  After ':' ("taro@x.jp:
 * p@ss.jp") and a combolist's blank or tab the password is one word (or a
 * quoted one).  After a combolist's other separator (bg_addrtok_combo) blanks
 * may come first ("taro@x.jp、　pw", "taro@x.jp，　pw": a Japanese comma and
 * U+3000), and before it too ("taro@x.jp 、 pw", "taro@x.jp , pw": s[b] is
 * then a blank), and the password is its whole field, blanks inside: to the next
 * separator (combo_field) or the line's end ("taro@x.jp，two words q@ss.jp"
 * is one passphrase; an address in it is said, never imported). */
static size_t pair_value_end(const struct bg_addrtok *t, const char *s, size_t n, size_t b)
{
	bool field_sep;
	size_t v, e;

	/* blanks before the separator ("taro@x.jp 、 pw", "taro@x.jp , pw",
	 * as bg_combo_sep counts them): the password starts after it */
	if (t->combo && t->combo != '\t' && t->combo != ' ' && cls[(unsigned char)s[b]] == C_SP) {
		for (v = b; v < n && cls[(unsigned char)s[v]] == C_SP; v++)
			;
		if (v < n && s[v] == t->combo)
			b = v;
	}
	field_sep = t->combo && t->combo != '\t' && t->combo != ' ' && s[b] == t->combo;
	v = b + 1;
	/* the mapped line holds a tab as a blank */
	if (!(s[b] == ':' || (t->combo && s[b] == t->combo) || (t->combo == '\t' && s[b] == ' ')))
		return 0;
	while (field_sep && v < n && cls[(unsigned char)s[v]] == C_SP)
		v++;
	if (v >= n || cls[(unsigned char)s[v]] == C_SP)
		return 0;
	/* a quoted password ("a@x.jp,\"p,w@x\"", blanks and the separator
	 * inside): to its closing quote, or the line's end */
	if (s[v] == '"') {
		for (e = v + 1; e < n; e++)
			if (s[e] == '"' && (e + 1 == n || s[e + 1] == s[b] ||
					    cls[(unsigned char)s[e + 1]] == C_SP))
				return e + 1;
		return n;
	}
	e = word_end(s, n, v);
	if (s[b] == ':')
		return next_pair(s, v, e);
	if (field_sep) {
		const char *f = t->combo_field ? memchr(s + v, s[b], n - v) : NULL;

		return f ? (size_t)(f - s) : n;
	}
	if (t->combo_field) {
		/* "a@x.jp\tpass\tb@x.jp": the password's field only */
		const char *f = memchr(s + v, s[b], e - v);

		if (f)
			return (size_t)(f - s);
	}
	return e;
}

/* "Passwords:" heads a list (of accounts, perhaps), not one value. */
static bool plural_label(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ':' || s[n - 1] == '='))
		n--;
	return n > 2 && (s[n - 1] == 's' || s[n - 1] == 'S') && bg_password_name(s, n - 1);
}

/* Whether the 3 bytes at s[i] are a particle that sets a label's value off
 * in a Japanese sentence: 'は' or 'が' ("パスワードは x です"). */
static bool particle_at(const char *s, size_t i)
{
	return memcmp(s + i, "\xe3\x81\xaf", 3) == 0 || memcmp(s + i, "\xe3\x81\x8c", 3) == 0;
}

/* Whether [a, b) is or ends with a password's label: the whole word, or in a
 * Japanese run (no blanks between its words) a label of three characters or
 * more that ends it ("ZIPファイルの解凍パスワード", "開くためのパスワード"; not
 * the short "パス" of "コンパス"). */
static bool label_tail(const char *s, size_t a, size_t b)
{
	if (bg_password_label(s + a, b - a))
		return true;
	for (size_t i = b > a + 60 ? b - 60 : a + 1; i + 9 <= b; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 &&
		    ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i - 1] >= 0x80) &&
		    bg_password_label(s + i, b - i))
			return true;
	return false;
}

/* Whether a sentence ends at e, after a value: blanks, then the line's end,
 * a stop ('。'), punctuation alone to the end ("x」", "x)"), or "です",
 * "でした", "になります", "となります" ("パスワードは x です。").  Not a word
 * that goes on ("パスワードは a@x.jp に送付しました": the address it went to). */
static bool sentence_end(const struct bg_addrtok *t, const char *s, size_t n, size_t e)
{
	static const struct word ends[] = {W("です"), W("でした"), W("になります"),
					   W("となります")};

	while (e < n && cls[(unsigned char)s[e]] == C_SP)
		e++;
	if (lone_value(s, n, e) || (!t->ident && s[e] == (char)SEP_BYTE && (t->fl[e] & F_STOP)))
		return true;
	for (size_t k = 0; k < sizeof(ends) / sizeof(ends[0]); k++)
		if (n - e >= ends[k].n && memcmp(s + e, ends[k].s, ends[k].n) == 0 &&
		    (e + ends[k].n == n || cls[(unsigned char)s[e + ends[k].n]] != C_CH))
			return true;
	return false;
}

/* Where the printable ASCII that starts at a ends, at most at e: a password
 * glued to the words after it ("Pw@2021.jpです"). */
static size_t ascii_end(const char *s, size_t a, size_t e)
{
	while (a < e && (unsigned char)s[a] >= 0x21 && (unsigned char)s[a] < 0x7f)
		a++;
	return a;
}

/* The value of a password set in a sentence, from a: one ASCII word or a
 * quoted value (value_end), that ends the sentence (sentence_end) or its own
 * '.' ends ("The password is Pw@2021.jp. Change it").  Where it ends, or 0. */
static size_t sentence_value_end(const struct bg_addrtok *t, const char *s, size_t n, size_t pe,
				 size_t a)
{
	size_t e = value_end(t, s, n, pe, a), w = word_end(s, n, a);

	if (e != w) /* a quoted one: to its closing quote */
		return e < n && sentence_end(t, s, n, e + 1) ? e : 0;
	w = ascii_end(s, a, e);
	if (w == a)
		return 0;
	return sentence_end(t, s, n, w) || s[w - 1] == '.' ? e : 0;
}

/* A password set in a sentence, anywhere on the line: the word [pa, pb)
 * before a is a label with "is" after it (said: "the password is x."), or ends
 * with a label and a particle ("パスワードは x です。", "解凍パスワードは「x」で
 * す", and a particle of its own after a label: "パスワード は x"), or a
 * Japanese run ends with a label and a ':' or '=' follows ("ZIPファイルの解凍パ
 * スワード：x"; an English "Reset password: a@x.jp" keeps its address).  The
 * value then ends its sentence (sentence_value_end): "パスワードは a@x.jp に
 * 送付" names where it went.  Where the value ends, or 0. */
static size_t sentence_password(const struct bg_addrtok *t, const char *s, size_t n, size_t pa,
				size_t pb, size_t pe, size_t a, bool said)
{
	bool particle = pb - pa > 3 && particle_at(s, pb - 3);
	int gap;

	if (!said && !particle && (pb == pa || (unsigned char)s[pb - 1] < 0x80))
		return 0;
	if ((gap = label_gap(t, s, pe, a)) < 0)
		return 0;
	if (!said && !(particle && label_tail(s, pa, pb - 3)) &&
	    !(gap > 0 && (memchr(s + pe, ':', a - pe) || memchr(s + pe, '=', a - pe)) &&
	      label_tail(s, pa, pb)))
		return 0;
	return sentence_value_end(t, s, n, pe, a);
}

/* "パスワードはPw@2021.jpです。", all glued: where the label's word ends
 * after its particle, an ASCII value glued after it setting a password
 * (sentence_password), or 0. */
static size_t glued_label(const struct bg_addrtok *t, const char *s, size_t n, size_t a, size_t b)
{
	for (size_t m = a + 3; m + 3 < b; m++)
		if (particle_at(s, m) && ascii_end(s, m + 3, b) > m + 3 &&
		    sentence_password(t, s, n, a, m + 3, m + 3, m + 3, false))
			return m + 3;
	return 0;
}

static bool has_ascii_alnum(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bg_ascii_isalnum((unsigned char)s[i]))
			return true;
	return false;
}

/* A line that says a password follows, with no value of its own: a label
 * and its particle, then 以下 / 下記 / 次の ("パスワードは以下のとおりです。",
 * "解凍パスワードは下記の通りです"), or "password is as follows" / "is
 * below" ("Your password is as follows:"); nothing ASCII after that, and no
 * address on the line.  Not a plural ("passwords are as follows"): a list of
 * accounts may be what follows. */
static bool announces_password(const char *s, size_t n)
{
	static const struct word next[] = {W("以下"), W("下記"), W("次の")};
	static const char *const en[] = {"password is as follows", "password is below",
					 "password is the following", NULL};
	size_t run = 0;

	/* its caller has seen no '@' on the line: an address is no announcement */
	for (size_t i = 0; i + 3 <= n; i++) {
		if (cls[(unsigned char)s[i]] == C_SP || cls[(unsigned char)s[i]] == C_SEP) {
			run = i + 1;
			continue;
		}
		if (i > run && particle_at(s, i) && label_tail(s, run, i)) {
			size_t e = i + 3;

			while (e < n && cls[(unsigned char)s[e]] == C_SP)
				e++;
			for (size_t k = 0; k < sizeof(next) / sizeof(next[0]); k++)
				if (n - e >= next[k].n && memcmp(s + e, next[k].s, next[k].n) == 0)
					return !has_ascii_alnum(s + e, n - e);
		}
	}
	for (int k = 0; en[k]; k++) {
		size_t l = strlen(en[k]);

		for (size_t i = 0; i + l <= n; i++)
			if ((s[i] | 0x20) == 'p' && ieq(s + i, l, en[k]))
				return !has_ascii_alnum(s + i + l, n - i - l);
	}
	return false;
}

static void tokens(struct bg_addrtok *t)
{
	const char *s = t->mp;
	size_t n = t->mlen, i = 0, a, b, k, sp = 0, url_colon = SIZE_MAX, ulp_colon = SIZE_MAX;
	bool url_first = false, tag;
	/* A password, to the end of its word: after an address and a glued
	 * ':' (a combolist's "taro@x.jp:p@ss.jp"), or after a password label
	 * and ':' when the label starts the line ("Password: p@ss.jp") or
	 * follows an address on it ("Login: a@x.jp Password: p@ss.jp"; but
	 * "Reset password: a@x.jp" keeps its address).  A word of it with an
	 * '@' is said, never imported (secret: the end of the password's
	 * text).  The word before this one: [pa, pb); an '@' before it on the
	 * line is looked for only when it is a label (no cost per word). */
	size_t secret = 0, pa = 0, pb = 0, pe = 0, ntok = 0, prefixes = 0;
	int gap, lw, marks = 0;
	/* "is" or a particle of its own after the label (sentence_password) */
	bool said = false;
	/* "ID/PW：taro@x.jp/pw": after a pair label the second value is it;
	 * "ID・PW：", "ID,PW:" name it in two words, [qa, qb) the first, and
	 * pair_join is their joiner (pair_joiner) */
	bool pair_next = false, pair_slash = false;
	size_t qa = 0, qb = 0;
	char pair_join = 0;
	/* where a word right after an address and a glued separator starts */
	size_t after_addr = SIZE_MAX;
	bool seps = t->ident && t->sep_line == s;
	/* "Password:" alone on the line before, or above blank lines
	 * (bg_addrtok_blank): this line's first word is it */
	bool value_line = t->label_lines && t->label_line != 0 && t->label_reach + 1 == t->line;
	/* over blank lines only a value alone on its line: a line of words
	 * below is text, not the label's */
	bool value_far = value_line && t->line > t->label_line + 1;
	bool label_bare = t->label_bare, label_lone = t->label_lone;
	/* the line's first '@' (at_from): asked of most words and of the line;
	 * a plain line's plain_ascii saw */
	const char *first_at = t->first_at =
	    t->plain_line == s ? (t->plain_at < n ? s + t->plain_at : NULL) : memchr(s, '@', n);
	unsigned char acc;

	t->label_line = 0;
	while (i < n && !t->rc) {
		unsigned char c = (unsigned char)s[i];

		if (cls[c] == C_SP || cls[c] == C_SEP) {
			if (c == '"' && (k = display_name(t, i)) != 0) {
				name_address(t, i, k);
				i = k;
				continue;
			}
			i++;
			continue;
		}
		a = i;
		acc = 0;
		/* A plain ASCII line whose separators plain_ascii kept: the token
		 * ends at the next one, unless a quote there glues. */
		while (seps) {
			while (sp < t->nsep && t->sep[sp] < i)
				sp++;
			i = sp < t->nsep ? t->sep[sp] : n;
			if (i < n && glue_quote(s, n, i)) {
				acc = 1;
				i++;
				continue;
			}
			break;
		}
		/* A plain ASCII line: only letters of C_CH until a separator, and a
		 * quote inside a word glues. */
		while (t->ident && !seps && i < n) {
			while (i < n && cls[(unsigned char)s[i]] == C_CH)
				i++;
			if (i < n && glue_quote(s, n, i)) {
				acc = 1;
				i++;
				continue;
			}
			break;
		}
		for (; i < n && !t->ident; i++) {
			unsigned char k2 = cls[(unsigned char)s[i]];

			if (k2 == C_CH)
				acc |= (unsigned char)s[i] & 0x80;
			else if (k2 == C_BAD || glue_quote(s, n, i))
				acc |= 1;
			else
				break;
			acc |= (unsigned char)(t->fl[i] << 1);
		}
		b = i;
		t->tok_plain = acc == 0;
		/* "パスワードはPw@2021.jpです": the label's word ends at its particle */
		if ((acc & 0x80) && a >= secret && b - a > 6 &&
		    (k = glued_label(t, s, n, a, b)) != 0)
			b = i = k;
		/* With a mark ("Password: x"), the label starts the line or follows
		 * an address; with none ("a@x.jp 密码 x", "a@x.jp pwd x") it follows
		 * an address. */
		/* a qualifier in brackets after a label is the label's: "パスワード
		 * （平文）：x", "パスワード(旧): x", "Password (old): x" */
		if (ntok >= 1 && a >= secret && pe < a && (k = qualifier_end(s, n, pe, a)) != 0 &&
		    label_word(s, pa, pb, true) >= 0) {
			pe = i = k;
			t->first_tok = false;
			continue;
		}
		/* a mark word after a label: the label's gap goes on after it */
		if (ntok >= 1 && a >= secret && mark_word(s + a, b - a) &&
		    label_gap(t, s, pe, a) >= 0 && label_word(s, pa, pb, true) >= 0) {
			pe = b;
			marks++;
			said = said || ieq(s + a, b - a, "is") || ieq(s + a, b - a, "was");
			t->first_tok = false;
			continue;
		}
		/* "パスワード は x です": a particle of its own after a label */
		if (ntok >= 1 && a >= secret && b - a == 3 && particle_at(s, a) &&
		    label_gap(t, s, pe, a) == 0 && label_tail(s, pa, pb)) {
			pe = b;
			said = true;
			t->first_tok = false;
			continue;
		}
		/* An element's start tag, "<password>p@ss.jp</password>", or one
		 * whose key attribute names it, "<entry key=\"smtp.password\">p@ss.jp
		 * </entry>", anywhere on the line: the text to the end tag. */
		if (value_line) {
			value_line = false;
			/* after a bare label only one ASCII word alone on its line */
			if (!label_bare && !value_far && !label_lone)
				secret = value_end(t, s, n, pe, a);
			else if (!label_bare && lone_value(s, n, value_end(t, s, n, pe, a)))
				secret = value_end(t, s, n, pe, a);
			else if (ascii_word(s, a, b) && line_rest_blank(s, n, b))
				secret = word_end(s, n, a);
		}
		tag = ntok > 0 && marks == 0 && a >= secret &&
		      (attr_label(t, s, pa, pe, a) ||
		       (pa > 0 && s[pa - 1] == '<' && pe < a && s[pe] == '>' &&
			label_gap(t, s, pe + 1, a) == 0 && bg_password_name(s + pa, pb - pa)));
		/* the gap after the word before: the first word has none (every
		 * rule below that reads it is a later word's) */
		gap = ntok > 0 ? label_gap(t, s, pe, a) : -1;
		ntok++;
		if (pair_next && a >= secret && !tag) {
			/* "ID/PW: a@x.jp / pw": the '/' alone, then the password */
			const char *at = memchr(s + a, '@', b - a);

			if (pair_sep(s, a, b) == a && b - a <= 3) {
				pair_slash = true;
				continue;
			}
			/* "ID・PW：a@x.jp ・ pw": the label's joiner between */
			if (pair_join && joiner_in(t, s, pe, a, pair_join) != SIZE_MAX)
				pair_slash = true;
			pair_next = false;
			/* after the '/' the label's password; with none between,
			 * an address is another account's ("ID/PW：a@x.jp b@x.jp") */
			if (pair_slash || !at || !domain_like(at, s + b))
				secret = value_end(t, s, n, pe, a);
		}
		if (ntok == 2 + prefixes && a >= secret && gap > 0 && !tag &&
		    pair_name(s, pa, pb)) {
			/* this word is the account: "a@x.jp/pw" is cut at its '/' */
			size_t cut = pair_sep(s, a, b);

			pair_slash = cut != SIZE_MAX && cut > a;
			if (pair_slash) {
				b = cut;
				i = cut + 1;
			}
			pair_next = true;
		} else if (ntok == 3 + prefixes && a >= secret && gap > 0 && !tag &&
			   (pair_join = pair_joiner(t, s, qa, qb, pa, pb)) != 0) {
			/* the account after "ID・PW：", "ID,PW:": "a@x.jp・pw" is
			 * cut at its dot (glued inside the word), "a@x.jp,pw" ends
			 * at its comma */
			size_t cut = joiner_in(t, s, a, b, pair_join);

			if (cut != SIZE_MAX && cut > a) {
				b = cut;
				i = cut + 1;
			}
			pair_slash = b < n && is_joiner(t, s, b, pair_join);
			pair_next = true;
		} else if (tag) {
			const char *lt = memchr(s + a, '<', n - a);

			secret = word_end(s, n, a);
			if (lt && (size_t)(lt - s) < secret)
				secret = (size_t)(lt - s);
		} else if (ntok >= 2 && a >= secret && gap >= 0 &&
			   (lw = label_word(s, pa, pb, gap + marks > 0)) >= 0 &&
			   ((ntok == 2 + prefixes &&
			     (gap + marks + lw > 0 ||
			      ((unsigned char)s[pa] >= 0x80 && ascii_word(s, a, b) &&
			       (b == n || cls[(unsigned char)s[b]] == C_SP)))) ||
			    (first_at && first_at < s + pa))) {
			/* at the line's start a label with no mark only in a script
			 * that sets its value off by a blank ("パスワード　x"; the
			 * English "password jiro@x.jp" may say whose) */
			secret = value_end(t, s, n, pe, a);
		} else if (ntok >= 2 && a >= secret && !tag &&
			   (k = sentence_password(t, s, n, pa, pb, pe, a, said)) != 0) {
			secret = k;
		}
		if (ntok == prefixes + 1 && prefixes < 2 && label_prefix(s + a, b - a))
			prefixes++;
		qa = pa;
		qb = pb;
		pa = a;
		pb = pe = b;
		/* "password=&quot;x": the entity's ';' is the label's */
		if (b < n && s[b] == ';' && quote_entity(s, a, b))
			pe = b + 1;
		marks = 0;
		said = false;
		if (a < secret) {
			if (at_from(t, a, b))
				refuse_password(t);
			t->first_tok = false;
			continue;
		}
		/* A URL's user part ("https://user@host/") is no address; with a
		 * password ("https://user:pass@host/") the user ends at the colon and
		 * "pass@host" follows it: no address either (url_colon).  A colon
		 * after the URL's path ("https://host/login:a@x.jp:pass", a stealer
		 * log's URL:login:password) ends the URL (ulp_colon); so does a
		 * separator after a URL that starts the line ("URL|login|password",
		 * "URL login password"). */
		if ((a > 0 && s[a - 1] == ':' && b - a >= 2 && s[a] == '/' && s[a + 1] == '/') ||
		    (url_colon != SIZE_MAX && a == url_colon + 1)) {
			bool lead = s[a] == '/' && s[a + 1] == '/';
			bool path = memchr(s + a + (lead ? 2 : 0), '/', b - a - (lead ? 2 : 0));
			char e = b + 1 < n ? s[b] : 0;

			if (lead)
				url_first = ntok == 2;
			if (at_from(t, a, b) && !url_query(t, a, b))
				refuse_word(t, "an address inside a URL is not imported", s + a,
					    b - a);
			url_colon = e == ':' && lead && !path ? b : SIZE_MAX;
			ulp_colon = (e == ':' && path) || (url_first && (combo_char(e) || e == ' '))
					? b
					: SIZE_MAX;
			/* "https://host:user:pass": the password after the user */
			if (e == ':' && !lead && !path)
				secret = word_end(s, n, b + 1);
			t->first_tok = false;
			continue;
		}
		url_colon = SIZE_MAX;
		/* URL:login:password: the login is an address only when a password
		 * follows it; the password is never one (whatever the login).  With
		 * blanks between the three, the password ends the line. */
		if (ulp_colon != SIZE_MAX && a == ulp_colon + 1) {
			char e = s[ulp_colon];

			ulp_colon = SIZE_MAX;
			if (b + 1 < n && s[b] == e && cls[(unsigned char)s[b + 1]] != C_SP &&
			    (e != ' ' || word_end(s, n, b + 1) == n)) {
				secret = word_end(s, n, b + 1);
			} else if (e == ':' && at_from(t, a, b)) {
				refuse_word(t, "an address inside a URL is not imported", s + a,
					    b - a);
				t->first_tok = false;
				continue;
			}
		}
		ulp_colon = SIZE_MAX;
		/* After a backslash, "\nhanako@x.jp", "\u0068iro@x.jp": an escape of
		 * a program's output (a newline, a character) or a separator?  The
		 * letters after it may or may not be the address's.  Reported, never
		 * guessed; "\\" is an escaped backslash, and a backslash inside a
		 * word glues (glue_quote). */
		if (a > 0 && s[a - 1] == '\\' && (a < 2 || s[a - 2] != '\\') && at_from(t, a, b)) {
			refuse_word(
			    t,
			    "a backslash before the address: an escape (\\n, \\t, \\u0068) of "
			    "the text, or a separator? Decode the text first",
			    s + a - 1, b - a + 1);
			t->first_tok = false;
			continue;
		}
		if (after_mailto(t, a)) {
			const char *q = memchr(s + a, '?', b - a);

			if (q)
				b = (size_t)(q - s);
		}
		if (a > 0 &&
		    (s[a - 1] == '<' || s[a - 1] == ' ' || s[a - 1] == '=' || s[a - 1] == ':') &&
		    at_from(t, a, b) && after_msgid(s, a)) {
			refuse_word(t, msgid_why, s + a, b - a);
			t->first_tok = false;
			continue;
		}
		t->second = a > 0 && a == after_addr && combo_char(s[a - 1]);
		piece(t, a, b, 0);
		t->second = false;
		after_addr = SIZE_MAX;
		if (b + 1 < n && at_from(t, a, b)) {
			if ((k = pair_value_end(t, s, n, b)) != 0)
				secret = k;
			else if (cls[(unsigned char)s[b + 1]] != C_SP && combo_char(s[b]))
				after_addr = b + 1;
		}
	}
	/* A label alone with its mark ("Password:", "【パスワード】", "New
	 * password ="): the value is on the next line. */
	if (t->label_lines && ntok == prefixes + 1 && secret == 0 && pb > pa &&
	    !at_from(t, pa, pb) && (gap = label_gap(t, s, pe, n)) >= 0 &&
	    (gap + marks > 0 || memchr(s + pa, '=', pb - pa)) &&
	    (lw = label_word(s, pa, pb, true)) >= 0 && gap + marks + lw > 0 &&
	    !plural_label(s + pa, pb - pa)) {
		t->label_line = t->label_reach = t->line;
		t->label_bare = t->label_lone = false;
	} else if (t->label_lines && ntok == 1 && secret == 0 && pb > pa &&
		   (unsigned char)s[pa] >= 0x80 && label_gap(t, s, pe, n) == 0 &&
		   bg_password_label(s + pa, pb - pa)) {
		/* "パスワード" alone, with no mark (a form's label in a script that
		 * sets no colon): the next line's value if it is one ASCII word */
		t->label_line = t->label_reach = t->line;
		t->label_bare = true;
		t->label_lone = false;
	} else if (t->label_lines && !first_at && announces_password(s, n)) {
		/* "パスワードは以下のとおりです。": the value alone on a line below,
		 * over blank lines too; a line of words below is text (a list of
		 * accounts and their passwords keeps its addresses) */
		t->label_line = t->label_reach = t->line;
		t->label_bare = false;
		t->label_lone = true;
	}
}

/* --- wrapped cells ------------------------------------------------------------ */

static bool plausible(struct bg_addrtok *t, const char *s, size_t n)
{
	return bg_normalise(s, n, &t->nopts, t->norm, sizeof(t->norm)) > 0;
}

/* Column headers a wrapped address is never the tail of. */
static bool header_word(const char *s, size_t n)
{
	static const char *const words[] = {"email",	    "e-mail",  "mail",	    "emails",
					    "e-mails",	    "address", "addresses", "mailaddress",
					    "emailaddress", "login",   "user",	    "account"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (ieq(s, n, words[i]))
			return true;
	return false;
}

enum join { J_NONE, J_JOIN, J_AMBIG_T, J_AMBIG_U };

/* ASCII, one '@', a dot in the domain and a last label of two letters or more:
 * the normaliser would accept it, or reject it for a reason no wrapped line
 * changes.  Spares it the normaliser's calls on every line of a list. */
static bool looks_complete(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n), *dot;
	size_t tl;

	if (!at || at == s || memchr(at + 1, '@', (size_t)(s + n - at - 1)))
		return false;
	dot = memrchr(at + 1, '.', (size_t)(s + n - at - 1));
	if (!dot || dot == at + 1)
		return false;
	tl = (size_t)(s + n - dot - 1);
	if (tl < 2)
		return false;
	for (const char *q = dot + 1; q < s + n; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
			return false;
	for (const char *q = s; q < s + n; q++)
		if ((unsigned char)*q >= 0x80)
			return false;
	return true;
}

static bool fragment_like(const char *s, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++)
		if (s[i] == '.' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9'))
			return true;
	return false;
}

/* Whether line l holds a candidate with an '@' other than `except`. */
static bool line_has_at(const struct tline *l, const struct tok *except)
{
	for (size_t i = 0; i < l->ntok; i++)
		if (l->tok[i].at && &l->tok[i] != except && !l->tok[i].used)
			return true;
	return false;
}

static enum join decide(struct bg_addrtok *t, const struct tline *pl, const struct tok *T,
			const struct tline *cl, const struct tok *U, size_t *jlen)
{
	const char *ts = pl->arena + T->off, *us = cl->arena + U->off;
	char *j = t->scratch;
	size_t n = 0;
	bool pj;

	if (T->at == U->at || T->len + U->len + 2 > sizeof(t->scratch) - 1)
		return J_NONE;
	memcpy(j, ts, T->len);
	n = T->len;
	if (T->post)
		j[n++] = T->post;
	if (U->pre)
		j[n++] = U->pre;
	memcpy(j + n, us, U->len);
	n += U->len;
	j[n] = '\0';
	*jlen = n;
	if (T->at) {
		bool tail = U->pre && !line_has_at(cl, U) && (pl->ntok > 1 || cl->ntok == 1);
		bool table = U->cont && pl->ntok > 1 && !line_has_at(cl, NULL);

		/* The common case, a complete address over a word: nothing to decide. */
		if (!tail && !table && looks_complete(ts, T->len))
			return J_NONE;
		pj = plausible(t, j, n);
		if (!plausible(t, ts, T->len))
			return pj ? J_JOIN : J_NONE;
		if (!pj)
			return J_NONE;
		/* ".jp" under "x@example.co": a domain's tail, when it is alone on
		 * its line or the cell of a table row ("  .NET team" under an
		 * indented list is text). */
		if (tail)
			return J_JOIN;
		/* Both readings hold: a table's row (more than this cell on its
		 * line) over a continuation line (indented, no address of its own)
		 * makes it ambiguous; an indented list ("  a@x" over "  Kim <kim@x>"
		 * or "  Thanks") is none. */
		return table ? J_AMBIG_T : J_NONE;
	}
	if (looks_complete(us, U->len) && !T->post &&
	    !(U->cont && pl->ntok > 1 && !line_has_at(pl, NULL)))
		return J_NONE;
	pj = plausible(t, j, n);
	if (!plausible(t, us, U->len))
		return pj ? J_JOIN : J_NONE;
	if (!pj)
		return J_NONE;
	/* "jiro.sales." over "admin@x": a local part's head, when it is the cell
	 * of a table row without an address of its own, or looks like one (a
	 * dot, '_' or digit inside; "Regards." over an address is a word).  In
	 * a table of two address columns the row has one in its other cell
	 * ("ninomiya.kazunari.   nishida@x.jp" over "sales@x.co.jp"): a head
	 * that looks like one still is (it was dropped unsaid, and sales@, a
	 * real mailbox, imported). */
	if (T->post && (fragment_like(ts, T->len) || (pl->ntok > 1 && !line_has_at(pl, NULL))))
		return J_JOIN;
	/* The upper line must lack an address of its own for its word to be the
	 * head of a wrapped one. */
	return U->cont && pl->ntok > 1 && !header_word(ts, T->len) && !line_has_at(pl, NULL) &&
		       !line_has_at(cl, U)
		   ? J_AMBIG_U
		   : J_NONE;
}

static int note_why(struct tline *l, struct tok *k, const char *why)
{
	k->ambiguous = true;
	return arena_put(l, why, strlen(why), &k->why_off);
}

/* Joins tokens of the current line to the held line's where a cell wraps. */
static void rejoin(struct bg_addrtok *t)
{
	struct tline *pl = &t->ln[!t->cur], *cl = &t->ln[t->cur];
	size_t ti = 0;

	if (pl->ntok == 0)
		return;
	for (size_t ui = 0; ui < cl->ntok && !t->rc; ui++) {
		struct tok *U = &cl->tok[ui], *T = NULL;
		size_t jlen = 0, off;
		enum join d;

		while (ti < pl->ntok && pl->tok[ti].col < U->col && pl->tok[ti].wcol < U->wcol)
			ti++;
		for (size_t k = ti; k < pl->ntok; k++) {
			struct tok *c = &pl->tok[k];

			if (c->col == U->col || c->wcol == U->wcol) {
				T = c;
				break;
			}
			if (c->col > U->col && c->wcol > U->wcol)
				break;
		}
		if (!T || T->used || T->ambiguous || U->ambiguous || T->label || U->label)
			continue;
		d = decide(t, pl, T, cl, U, &jlen);
		if (d != J_NONE)
			t->joins++;
		if (d == J_JOIN) {
			bool u_at = U->at;

			if (arena_put(cl, t->scratch, jlen, &off) != 0) {
				t->rc = -ENOMEM;
				return;
			}
			T->used = true;
			if (!T->at)
				pl->found++;
			U->off = off;
			U->len = jlen;
			U->line = T->line;
			U->pre = T->pre;
			U->at = true;
			U->defanged |= T->defanged;
			if (!u_at)
				t->found++;
		} else if (d == J_AMBIG_T) {
			snprintf(t->why, sizeof(t->why),
				 "the cell may continue on line %lu (\"%.*s\"): a wrapped address "
				 "that cannot be rejoined safely",
				 U->line, (int)(U->len > 60 ? 60 : U->len), cl->arena + U->off);
			if (note_why(pl, T, t->why) != 0)
				t->rc = -ENOMEM;
			t->found++;
		} else if (d == J_AMBIG_U) {
			snprintf(t->why, sizeof(t->why),
				 "may be the tail of a cell wrapped from line %lu (\"%.*s\"): a "
				 "wrapped address that cannot be rejoined safely",
				 T->line, (int)(T->len > 60 ? 60 : T->len), pl->arena + T->off);
			if (note_why(cl, U, t->why) != 0)
				t->rc = -ENOMEM;
			pl->found++; /* the line above is explained by this note */
		}
	}
}

/* Gives the held line's candidates to the sink and empties it. */
static void emit_held(struct bg_addrtok *t)
{
	struct tline *pl = &t->ln[!t->cur];

	for (size_t i = 0; i < pl->ntok && !t->rc; i++) {
		struct tok *k = &pl->tok[i];
		int r;

		if (k->used)
			continue;
		if (k->ambiguous) {
			invalid(t, k->line, pl->arena + k->why_off, pl->arena + k->off, k->len);
			continue;
		}
		if (!k->at)
			continue;
		/* ".admin@x.jp" that joined nothing: the tail of a wrapped address
		 * ("jiro.sales" + ".admin@x.jp"), or a typo; either way not the
		 * address admin@x.jp, which a real account may have. */
		if (k->pre) {
			snprintf(
			    t->why, sizeof(t->why),
			    "starts with '%c' glued on: the tail of a wrapped address, or part "
			    "of it; not imported as the address after it",
			    k->pre);
			{
				char shown[208];
				int w = snprintf(shown, sizeof(shown), "%c%.*s", k->pre,
						 (int)(k->len > 200 ? 200 : k->len),
						 pl->arena + k->off);

				invalid(t, k->line, t->why, shown,
					w < 0			    ? 0
					: (size_t)w < sizeof(shown) ? (size_t)w
								    : sizeof(shown) - 1);
			}
			continue;
		}
		/* "taro@x.jp|P@ss.w0rd": what follows an address and a glued
		 * separator and is no address is likely its password; said with
		 * its line, never shown (the report is kept). */
		if (k->second && !plausible(t, pl->arena + k->off, k->len)) {
			static const char hidden[] = "(not shown: a password?)";

			invalid(t, k->line,
				"follows an address and a glued separator and is no address: "
				"the password of a combolist? Not imported",
				hidden, sizeof(hidden) - 1);
			continue;
		}
		if (k->defanged)
			defanged(t, k->line);
		r = address(t, pl->arena + k->off, k->len, k->line);
		if (r < 0)
			t->rc = r;
	}
	if (pl->live && pl->found == 0 && t->empty_why)
		invalid(t, pl->line, t->empty_why, pl->ex, pl->exlen);
	pl->live = false;
	pl->ntok = 0;
	pl->alen = 0;
}

int bg_addrtok_flush(struct bg_addrtok *t)
{
	int rc;

	emit_held(t);
	t->rep.fresh = t->rep.ready = false; /* nothing is held any more */
	/* What was being built (nothing, between lines) is not held. */
	t->ln[t->cur].live = false;
	t->ln[t->cur].ntok = 0;
	t->ln[t->cur].alen = 0;
	rc = t->rc;
	t->rc = 0;
	return rc;
}

/* Keeps the line just tokenised for the comparison with the next one. */
static int rep_prev(struct rep *r, const char *s, size_t n)
{
	if (n > r->pcap) {
		char *p = realloc(r->prev, n);

		if (!p)
			return -ENOMEM;
		r->prev = p;
		r->pcap = n;
	}
	if (n)
		memcpy(r->prev, s, n);
	r->plen = n;
	return 0;
}

static int one_line(struct bg_addrtok *t, const char *s, size_t n, unsigned long line, bool plain)
{
	struct tline *cl = &t->ln[t->cur];
	bool blank = true, same;

	/* Lines the input skipped (blank ones, see bg_input_skip_blank) end a
	 * wrapped cell just as a blank line seen here does. */
	if (line > t->line + 1) {
		int rc = bg_addrtok_flush(t);

		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n && blank; i++)
		if (s[i] != ' ' && s[i] != '\t')
			blank = false;
	if (blank) {
		int rc;

		bg_addrtok_blank(t, line, line);
		rc = bg_addrtok_flush(t);

		return rc < 0 ? rc : 0;
	}
	/* The held line is this one's own untouched tokens: this step's calls are
	 * what every further copy of the line gives (struct rep). */
	same = t->rep.fresh && line == t->line + 1 && n == t->rep.plen &&
	       memcmp(s, t->rep.prev, n) == 0;
	t->rep.fresh = t->rep.ready = false;
	t->rep.rec = same;
	t->rep.oom = false;
	t->rep.ncalls = 0;
	t->rep.alen = 0;
	t->joins = 0;
	cl->ntok = 0;
	cl->alen = 0;
	t->line = line;
	t->found = 0;
	t->first_tok = true;
	if (map_line(t, s, n, plain) != 0)
		t->rc = -ENOMEM;
	if (!t->rc)
		tokens(t);
	if (!t->rc)
		rejoin(t);
	cl->live = true;
	cl->line = line;
	cl->found = t->found;
	cl->exlen = 0;
	if (!t->found && t->empty_why) {
		cl->exlen = n < sizeof(cl->ex) ? n : sizeof(cl->ex);
		memcpy(cl->ex, s, cl->exlen);
	}
	emit_held(t);
	t->cur = !t->cur;
	t->rep.rec = false;
	if (t->rep.on && !t->rc && t->joins == 0 && (same || rep_prev(&t->rep, s, n) == 0)) {
		t->rep.fresh = true;
		t->rep.ready = same && !t->rep.oom;
		t->rep.found = (int)(t->found > INT32_MAX ? INT32_MAX : t->found);
	}
	if (t->rc) {
		int rc = t->rc;

		t->rc = 0;
		return rc;
	}
	return (int)(t->found > INT32_MAX ? INT32_MAX : t->found);
}

int bg_addrtok_line(struct bg_addrtok *t, const char *s, size_t n, unsigned long line)
{
	const char *e, *r;
	size_t len;
	int total = 0, got;

	/* A copy of the line before (no line break in it) with nothing pending:
	 * one_line would give exactly what it gave, one line on. */
	if (t->rep.ready && line == t->line + 1 && n == t->rep.plen &&
	    memcmp(s, t->rep.prev, n) == 0)
		return replay(t, line);
	/* A plain ASCII line holds no line break (nor anything pass 1 changes). */
	if (plain_ascii(t, s, n))
		return one_line(t, s, n, line, true);
	e = memchr(s, '\n', n);
	r = memchr(s, '\r', n);
	if (!e && !r)
		return one_line(t, s, n, line, false);
	/* Line breaks inside: each part is a line of its own. */
	while (n > 0 || total == 0) {
		len = 0;
		while (len < n && s[len] != '\n' && s[len] != '\r')
			len++;
		got = one_line(t, s, len, line, plain_ascii(t, s, len));
		if (got < 0)
			return got;
		total += got;
		if (len < n && s[len] == '\r' && len + 1 < n && s[len + 1] == '\n')
			len++;
		if (len >= n)
			break;
		s += len + 1;
		n -= len + 1;
	}
	return total;
}

/* ascii_at's character at s[j], U+3000 a blank too; its length in *len. */
static char folded_at(const char *s, size_t n, size_t j, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s + j;

	*len = 1;
	if (j >= n)
		return 0;
	if (p[0] < 0x80)
		return (char)p[0];
	*len = 3;
	if (n - j >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return ' ';
	return ascii_at(p, n - j);
}

/* From s[j]: blanks, then the index after them. */
static size_t folded_blanks(const char *s, size_t n, size_t j)
{
	size_t l;

	while (folded_at(s, n, j, &l) == ' ')
		j += l;
	return j;
}

/* A defanged '@' in brackets of either width from s[i], an opening bracket:
 * "[at]", "( AT )", "（ａｔ）", "{@}", "［＠］". */
static bool folded_defang(const char *s, size_t n, size_t i, size_t l)
{
	size_t j = folded_blanks(s, n, i + l);
	char c = folded_at(s, n, j, &l), e;

	if (c == '@') {
		j += l;
	} else if (c == 'a' || c == 'A') {
		j += l;
		e = folded_at(s, n, j, &l);
		if (e != 't' && e != 'T')
			return false;
		j += l;
	} else {
		return false;
	}
	c = folded_at(s, n, folded_blanks(s, n, j), &l);
	return c == ')' || c == ']' || c == '}' || c == '>';
}

bool bg_addr_maybe(const char *s, size_t n)
{
	if (!n)
		return false;
	if (memchr(s, '@', n))
		return true; /* the common answer, at memchr's speed */
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		size_t l;
		char c;

		/* Only a bracket or a full-width form (0xef ...) can start one. */
		if (b != 0xef && b != '(' && b != '[' && b != '{' && b != '<')
			continue;
		c = folded_at(s, n, i, &l);
		if (c == '@')
			return true;
		if ((c == '(' || c == '[' || c == '{' || c == '<') && folded_defang(s, n, i, l))
			return true;
		/* Byte by byte: a lead byte is never a continuation byte, so no
		 * '@' or bracket is stepped over. */
	}
	return false;
}

/* s's NFKC without blanks, controls and the characters the tokeniser removes,
 * ASCII letters lower-cased, into a new buffer (*len bytes); NULL when
 * libunistring fails (no memory, bad UTF-8). */
static uint8_t *link_fold(const char *s, size_t n, size_t *len)
{
	size_t rl = 0, o = 0;
	uint8_t *r = u8_normalize(UNINORM_NFKC, (const uint8_t *)s, n, NULL, &rl);

	if (!r)
		return NULL;
	for (size_t i = 0; i < rl;) {
		ucs4_t cp;
		int k = u8_mbtouc(&cp, r + i, rl - i);

		if (k <= 0 || cp == 0xfffd) {
			free(r);
			return NULL;
		}
		if (!uc_is_property_default_ignorable_code_point(cp) &&
		    !uc_is_general_category_withtable(
			cp, UC_CATEGORY_MASK_Cf | UC_CATEGORY_MASK_Cc | UC_CATEGORY_MASK_Z)) {
			for (size_t j = 0; j < (size_t)k; j++)
				r[o++] = (uint8_t)bg_ascii_tolower((char)r[i + j]);
		}
		i += (size_t)k;
	}
	*len = o;
	return r;
}

/* What the tokeniser reads in a link's text, against the link's address. */
struct link_probe {
	struct bg_sink sink;
	const uint8_t *h; /* the address, folded */
	size_t hl;
	unsigned same, other;
};

static int probe_address(struct bg_sink *s, const char *a, size_t al, unsigned long line)
{
	struct link_probe *p = s->arg;
	size_t fl = 0;
	uint8_t *f = link_fold(a, al, &fl);

	(void)line;
	if (f && fl == p->hl && memcmp(f, p->h, fl) == 0)
		p->same++;
	else
		p->other++;
	free(f);
	return 0;
}

static void probe_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			  size_t len)
{
	(void)line, (void)why, (void)text, (void)len;
	((struct link_probe *)s->arg)->other++;
}

static void probe_record(struct bg_sink *s)
{
	(void)s;
}

/* Whether every candidate the tokeniser reads in s is the address folded as
 * h, and there is one: "Taro <taro@x.jp>", "taro[at]x.jp", "taro@x.jp
 * (taro@x.jp)".  Anything it cannot read cleanly is another. */
static bool link_tokens_same(const char *s, size_t n, const uint8_t *h, size_t hl)
{
	struct link_probe p = {
	    {probe_address, probe_invalid, probe_record, NULL, NULL, NULL}, h, hl, 0, 0};
	struct bg_addrtok *t = NULL;

	p.sink.arg = &p;
	if (bg_addrtok_new(&t, &p.sink) != 0)
		return false;
	if (bg_addr_scan(t, s, n, 1) < 0)
		p.other++;
	bg_addrtok_free(t);
	return p.same > 0 && p.other == 0;
}

enum bg_link_text bg_link_text(const char *s, size_t n, const char *a, size_t al)
{
	enum bg_link_text v = BG_LINK_OTHER;
	size_t tl = 0, hl = 0, from = 0;
	uint8_t *t, *h;

	if (!bg_addr_maybe(s, n))
		return BG_LINK_LABEL;
	t = link_fold(s, n, &tl);
	h = link_fold(a, al, &hl);
	/* Not folded (bad UTF-8, no memory): the two cannot be told the same. */
	if (t && h) {
		if (tl >= 7 && memcmp(t, "mailto:", 7) == 0)
			from = 7;
		if ((tl - from == hl && memcmp(t + from, h, hl) == 0) ||
		    link_tokens_same(s, n, h, hl))
			v = BG_LINK_SAME;
	}
	free(t);
	free(h);
	return v;
}

int bg_addr_scan(struct bg_addrtok *t, const char *s, size_t n, unsigned long line)
{
	int got = bg_addrtok_line(t, s, n, line), rc;

	rc = bg_addrtok_flush(t);
	if (got < 0)
		return got;
	return rc < 0 ? rc : got;
}

/* Past a quoted line's marks and blanks ("> ", "＞", U+3000). */
static size_t quote_skip(const char *s, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (i < n && (s[i] == '>' || s[i] == '|' || s[i] == ' ' || s[i] == '\t'))
			i++;
		else if (n - i >= 3 && (memcmp(s + i, "\xef\xbc\x9e", 3) == 0 || /* ＞ */
					memcmp(s + i, "\xe3\x80\x80", 3) == 0))	 /* U+3000 */
			i += 3;
		else
			break;
	}
	return i;
}

/* The longest name a label below has ("disposition-notification-to"), with room. */
#define LABEL_WORD_MAX 32

/* Whether s holds a '：' (U+FF1A): a memchr of its lead byte, not memmem, whose
 * set-up alone cost a list line more than the rest of its header checks (255
 * instructions a line, callgrind). */
static bool has_wide_colon(const char *s, size_t n)
{
	const char *e = s + n;

	for (const char *p = memchr(s, 0xef, n); p; p = memchr(p + 1, 0xef, (size_t)(e - p - 1)))
		if (e - p >= 3 && (unsigned char)p[1] == 0xbc && (unsigned char)p[2] == 0x9a)
			return true;
	return false;
}

/* Whether s holds a ':' or a '：', as every label below does before its value:
 * most lines of a list have neither. */
static bool has_colon(const char *s, size_t n)
{
	return memchr(s, ':', n) || has_wide_colon(s, n);
}

#if defined(__SSE2__)
/* bg_line_marks on the 16 bytes at p: *hash, *colon (':') and *ef (a byte
 * 0xef, '：''s first) or'd in; the first '@''s place in *at (16: none). */
static void marks16(const char *p, unsigned *hash, unsigned *colon, unsigned *ef, unsigned *at)
{
	const __m128i v = _mm_loadu_si128((const void *)p);
	unsigned a = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('@')));

	*hash |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('#')));
	*colon |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	*ef |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xef)));
	*at = a ? (unsigned)__builtin_ctz(a) : 16;
}
#endif

unsigned bg_line_marks(const char *s, size_t n, const char **at)
{
	unsigned hash = 0, colon = 0, ef = 0, r;
	size_t i = 0;

	*at = NULL;
#if defined(__SSE2__)
	/* sixteen at a time, the last block the line's last sixteen bytes (some
	 * seen before: they add nothing, and an '@' among them came first) */
	if (n >= 16) {
		for (;;) {
			unsigned a;

			marks16(s + i, &hash, &colon, &ef, &a);
			if (!*at && a < 16)
				*at = s + i + a;
			if (i + 16 >= n)
				break;
			i = i + 32 <= n ? i + 16 : n - 16;
		}
		i = n;
	}
#endif
	for (; i < n; i++) {
		hash |= s[i] == '#';
		colon |= s[i] == ':';
		ef |= (unsigned char)s[i] == 0xef;
		if (!*at && s[i] == '@')
			*at = s + i;
	}
	r = hash ? BG_MARK_HASH : 0;
	/* a '：' (EF BC 9A) only where a 0xef is: full-width text */
	if (colon || (ef && has_wide_colon(s, n)))
		r |= BG_MARK_COLON;
	return r;
}

/* Whether a label's word starts at s[i] and blanks and ':' or '：' (U+FF1A)
 * follow it: ASCII letters, digits, '-' and '*', or non-ASCII text, as every
 * name below is; *wl: its length.  Most lines of a list fail at their first
 * '.' or '@', before any name is compared. */
static bool label_colon(const char *s, size_t n, size_t i, size_t *wl)
{
	size_t j = i;

	for (; j < n && j - i <= LABEL_WORD_MAX; j++) {
		unsigned char c = (unsigned char)s[j];

		if (c == ':' || c == ' ' || c == '\t' ||
		    (c == 0xef && n - j >= 3 && memcmp(s + j, "\xef\xbc\x9a", 3) == 0))
			break;
		if (c < 0x80 && !bg_ascii_isalnum(c) && c != '-' && c != '*')
			return false;
	}
	if (j - i > LABEL_WORD_MAX)
		return false;
	*wl = j - i;
	while (j < n && (s[j] == ' ' || s[j] == '\t'))
		j++;
	return (j < n && s[j] == ':') || (n - j >= 3 && memcmp(s + j, "\xef\xbc\x9a", 3) == 0);
}

/* Whether s, trailing blanks aside, ends with ':' or '：'. */
static bool ends_colon(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return (n && s[n - 1] == ':') || (n >= 3 && memcmp(s + n - 3, "\xef\xbc\x9a", 3) == 0);
}

/* One of names (case aside), blanks, then ':' or '：', at s[i]; its callers
 * have seen a colon in s[i..n) (has_colon). */
static bool named_label(const char *s, size_t n, size_t i, const struct word *names, size_t count)
{
	size_t wl;

	if (!label_colon(s, n, i, &wl))
		return false;
	for (size_t k = 0; k < count; k++)
		if (names[k].n == wl && bg_ascii_starts_ci(s + i, wl, names[k].s))
			return true;
	return false;
}

/* bg_header_line at s[i], past the quote marks (quote_skip), a colon seen in
 * s[i..n) (has_colon): 1 a header's label, 2 (with msgid only) a message id's
 * name, 0 neither. */
static int header_label(const char *s, size_t n, size_t i, bool msgid)
{
	static const struct word names[] = {
	    W("from"), W("to"), W("cc"), W("bcc"), W("reply-to"), W("sender"), W("return-path"),
	    W("delivered-to"),
	    /* a forwarded notice's pasted full header */
	    W("received"), W("resent-from"), W("resent-to"), W("resent-cc"), W("resent-sender"),
	    W("envelope-to"), W("envelope-from"), W("errors-to"), W("disposition-notification-to"),
	    W("return-receipt-to"), W("mail-followup-to"), W("mail-reply-to"),
	    W("authentication-results"), W("arc-authentication-results"), W("received-spf"),
	    W("original-recipient"), W("final-recipient"), W("*from"), W("*to"), W("*cc"),
	    W("\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba"), /* 差出人 */
	    W("\xe9\x80\x81\xe4\xbf\xa1\xe8\x80\x85"), /* 送信者 */
	    W("\xe5\xae\x9b\xe5\x85\x88"),	       /* 宛先 */
	    W("\xe7\x99\xba\xe4\xbf\xa1\xe8\x80\x85"), /* 発信者 */
	    W("\xe5\x8f\x97\xe4\xbf\xa1\xe8\x80\x85"), /* 受信者 */
	    W("\xe9\x80\x81\xe4\xbf\xa1\xe5\x85\x83"), /* 送信元 */
	    W("\xe9\x80\x81\xe4\xbf\xa1\xe5\x85\x88"), /* 送信先 */
	    W("\xe8\xbf\x94\xe4\xbf\xa1\xe5\x85\x88"), /* 返信先 */
	};
	size_t e;

	if (named_label(s, n, i, names, sizeof(names) / sizeof(names[0])))
		return 1;
	/* "X-Original-To:", "X-Sender:", "X-Envelope-From:": an extension
	 * header's name, letters, digits and '-' to its ':' */
	if (bg_ascii_starts_ci(s + i, n - i, "x-")) {
		for (e = i;
		     e < n && e - i < 64 && (bg_ascii_isalnum((unsigned char)s[e]) || s[e] == '-');
		     e++)
			;
		if (e - i > 2 && e < n && s[e] == ':')
			return 1;
	}
	if (!msgid)
		return 0;
	/* a message id's name is letters, digits, '-', '_' and '.' (bg_msgid_name):
	 * an address's '@' ends the look at once */
	for (e = i;
	     e < n && e - i < 64 &&
	     (bg_ascii_isalnum((unsigned char)s[e]) || s[e] == '-' || s[e] == '_' || s[e] == '.');
	     e++)
		;
	return e < n && s[e] == ':' && e > i && bg_msgid_name(s + i, e - i) ? 2 : 0;
}

/* A quoted header's label opens the line ("To:", "> Cc：", "＞宛先："), or a
 * message id's ("References:", which lists them on folded lines). */
bool bg_header_line(const char *s, size_t n, bool msgid)
{
	size_t i = quote_skip(s, n);

	/* every label ends at a colon: most lines have none */
	return i < n && has_colon(s + i, n - i) && header_label(s, n, i, msgid) != 0;
}

unsigned bg_quote_marks(const char *s, size_t n, size_t *at)
{
	unsigned q = 0;
	size_t i = 0;

	for (;;) {
		if (i < n && (s[i] == '>' || s[i] == '|'))
			i++;
		else if (n - i >= 3 && memcmp(s + i, "\xef\xbc\x9e", 3) == 0) /* ＞ */
			i += 3;
		else
			break;
		q++;
		if (i < n && s[i] == ' ')
			i++;
	}
	*at = i;
	return q;
}

/* A quoted recipients' header: "To:", "> Cc:", "＞宛先：", "Bcc:"; at s[i],
 * past the quote marks, a colon seen in s[i..n) (has_colon). */
static bool recipient_header(const char *s, size_t n, size_t i)
{
	static const struct word names[] = {
	    W("to"),	    W("cc"),  W("bcc"), W("resent-to"),
	    W("resent-cc"), W("*to"), W("*cc"), W("\xe5\xae\x9b\xe5\x85\x88"), /* 宛先 */
	};

	return named_label(s, n, i, names, sizeof(names) / sizeof(names[0]));
}

size_t bg_sender_header(const char *s, size_t n, const char **addr)
{
	static const struct word names[] = {
	    W("from"),
	    W("sender"),
	    W("*from"),
	    W("resent-from"),
	    W("\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba"), /* 差出人 */
	    W("\xe9\x80\x81\xe4\xbf\xa1\xe8\x80\x85"), /* 送信者 */
	    W("\xe7\x99\xba\xe4\xbf\xa1\xe8\x80\x85"), /* 発信者 */
	    W("\xe9\x80\x81\xe4\xbf\xa1\xe5\x85\x83"), /* 送信元 */
	};
	size_t i = quote_skip(s, n), a, e;
	const char *at, *lt;

	if (i >= n || !has_colon(s + i, n - i) ||
	    !named_label(s, n, i, names, sizeof(names) / sizeof(names[0])) ||
	    !(at = memchr(s + i, '@', n - i)))
		return 0;
	/* "Name <a@x.jp>": the address in the angle brackets */
	lt = memrchr(s + i, '<', (size_t)(at - s) - i);
	if (lt) {
		const char *gt = memchr(at, '>', (size_t)(s + n - at));

		if (!gt || memchr(lt + 1, ' ', (size_t)(gt - lt - 1)))
			return 0;
		*addr = lt + 1;
		return (size_t)(gt - lt - 1);
	}
	/* a bare address: its word, quotes and brackets aside */
	for (a = (size_t)(at - s); a > i && !strchr(" \t\"'(:[,;", s[a - 1]); a--)
		;
	for (e = (size_t)(at - s); e < n && !strchr(" \t\"')]>,;", s[e]); e++)
		;
	*addr = s + a;
	return e - a;
}

/* The length of a list separator at s[i] (',' ';' '，' '；' '、'), or 0. */
static size_t list_sep(const char *s, size_t n, size_t i)
{
	if (s[i] == ',' || s[i] == ';')
		return 1;
	if (n - i >= 3 && (memcmp(s + i, "\xef\xbc\x8c", 3) == 0 || /* ， */
			   memcmp(s + i, "\xef\xbc\x9b", 3) == 0 || /* ； */
			   memcmp(s + i, "\xe3\x80\x81", 3) == 0))  /* 、 */
		return 3;
	return 0;
}

/* Whether a line ends with a list separator, trailing blanks aside. */
static bool ends_list_sep(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n && (s[n - 1] == ',' || s[n - 1] == ';' || (n >= 3 && list_sep(s, n, n - 3) == 3));
}

/* Whether s holds addresses and list separators only, one at least: every
 * word between blanks and separators has an '@' ('＠'). */
static bool address_list(const char *s, size_t n)
{
	size_t i = 0, words = 0;

	while (i < n) {
		size_t l;
		bool at = false;

		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		if ((l = list_sep(s, n, i)) != 0) {
			i += l;
			continue;
		}
		for (; i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && !list_sep(s, n, i);
		     i++)
			if (s[i] == '@' || (n - i >= 3 && memcmp(s + i, "\xef\xbc\xa0", 3) == 0))
				at = true;
		if (!at)
			return false;
		words++;
	}
	return words > 0;
}

/* bg_header_fold past its first test: a colon on the line, or a header above.
 * Apart, so that the lines ending at that test pay for no more than it. */
static __attribute__((noinline)) bool header_fold_rest(struct bg_hdr_fold *f, const char *s,
						       size_t n)
{
	size_t at;
	unsigned q;
	bool fold = false, rcpt;

	q = bg_quote_marks(s, n, &at);

	if (f->in_hdr && q == f->quotes && at < n && (s[at] == ' ' || s[at] == '\t'))
		for (size_t k = at; k < n && !fold; k++)
			fold = s[k] != ' ' && s[k] != '\t' && s[k] != '\r';
	/* "> To: a@x; b@x;" hard-wrapped into "> c@x": the same quote marks, a
	 * line of addresses only, below a recipients' header left open */
	if (!fold && f->open && q == f->quotes && address_list(s + at, n - at))
		fold = true;
	if (!fold) {
		size_t i = quote_skip(s, n);
		/* a header's label ends at a colon; "mailto:", a list's link
		 * scheme, names no header (nor a recipients' one) */
		bool label = f->colon && i < n && !bg_ascii_starts_ci(s + i, n - i, "mailto:");

		int h = label ? header_label(s, n, i, true) : 0;

		rcpt = label && recipient_header(s, n, i);
		f->in_hdr = h != 0;
		/* bg_header_line(s, n, false): "mailto:" is no header's name */
		f->header = h == 1;
	} else {
		rcpt = f->rcpt;
		f->in_hdr = true;
	}
	f->rcpt = f->in_hdr && rcpt;
	/* "To: all users," names no one: no list goes on below it */
	f->open = f->rcpt && ends_list_sep(s, n) && bg_addr_maybe(s, n);
	if (!fold)
		f->quotes = q;
	return fold;
}

bool bg_header_fold(struct bg_hdr_fold *f, const char *s, size_t n)
{
	return bg_header_fold_colon(f, s, n, has_colon(s, n));
}

bool bg_header_fold_colon(struct bg_hdr_fold *f, const char *s, size_t n, bool colon)
{
	/* The quote marks hold no colon: the line's is the label's to be. */
	f->colon = colon;
	f->header = false;
	/* Below no header, a line without a colon is none either (and its quote
	 * marks count only below one): most lines of a list end here. */
	if (!f->in_hdr && !f->open && !f->colon) {
		f->rcpt = false;
		return false;
	}
	return header_fold_rest(f, s, n);
}

void bg_header_fold_end(struct bg_hdr_fold *f)
{
	f->in_hdr = f->rcpt = f->open = false;
}

/* Whether a line, trailing blanks aside, ends with one of ends (case aside). */
static bool ends_with_one(const char *s, size_t n, const char *const *ends)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (int k = 0; ends[k]; k++) {
		size_t l = strlen(ends[k]);

		if (n >= l && strncasecmp(s + n - l, ends[k], l) == 0)
			return true;
	}
	return false;
}

/* The words an attribution ends with, in the mail and in text: "wrote:",
 * "書きました:" (either colon).  Every list of ends here ends with a colon:
 * its callers test ends_colon first. */
static const char *const wrote_ends[] = {
    "wrote:", "\xe6\x9b\xb8\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f:",
    "\xe6\x9b\xb8\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f\xef\xbc\x9a", NULL};

/* A line ending with a sender's address and ':' ("... <a@x>:"). */
static const char *const sender_ends[] = {">:", ">\xef\xbc\x9a", NULL};

/* A line of a body that quotes a mail header ("From: Alice <a@example.org>",
 * "差出人: 情報セキュリティ室 <...>", "＞宛先：..." in a forwarded notice) or an
 * attribution ("... wrote:", "2021年5月26日(水) 10:00 ... <a@x>:", "...さんは書き
 * ました:"): its addresses are the senders' and recipients'. */
bool bg_quoted_header(const char *s, size_t n)
{
	return has_colon(s, n) && (bg_header_line(s, n, false) ||
				   (ends_colon(s, n) && (ends_with_one(s, n, wrote_ends) ||
							 ends_with_one(s, n, sender_ends))));
}

/* Gmail's attribution in Japanese, "2021年5月26日(水) 10:00 山田 <a@x>:": the
 * line opens with a date, and a time ("10:00") comes before the sender. */
static bool dated_sender(const char *s, size_t n)
{
	size_t i = quote_skip(s, n);

	if (i >= n || !bg_ascii_isdigit((unsigned char)s[i]))
		return false;
	for (; i + 3 < n && s[i] != '<'; i++)
		if (bg_ascii_isdigit((unsigned char)s[i]) && s[i + 1] == ':' &&
		    bg_ascii_isdigit((unsigned char)s[i + 2]) &&
		    bg_ascii_isdigit((unsigned char)s[i + 3]))
			return true;
	return false;
}

/* What only a writer's attribution ends with, besides wrote_ends: "writes:",
 * "のメッセージ:" (either colon). */
static const char *const text_ends[] = {
    "writes:", "\xe3\x81\xae\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8:",
    "\xe3\x81\xae\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8\xef\xbc\x9a", NULL};

bool bg_text_attribution_end(const char *s, size_t n)
{
	return ends_colon(s, n) &&
	       (ends_with_one(s, n, wrote_ends) || ends_with_one(s, n, text_ends) ||
		(ends_with_one(s, n, sender_ends) && dated_sender(s, n)));
}
