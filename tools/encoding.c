/* encoding.c: the text encoding of an input (see encoding.h).
 * The sample starts at the first byte that is not ASCII, so a long ASCII head
 * (a CSV whose Japanese names start at row 50,000) never decides alone.  Lines
 * that are binary (NUL, C0 controls, 0xFF 0xFF) are left out of the sample: a
 * list followed by padding is judged by its list. */
#include "encoding.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uchardet/uchardet.h>

#include "conv.h"
#include "unicode.h"

/* Below this many non-ASCII bytes uchardet guesses wildly (IBM866, TIS-620 for
 * two bytes of Japanese): only the common families are believed. */
#define SMALL_EVIDENCE 16

/* Windows-1252's marks of 80-9F that Western text sets before a word (€ ‚ „ …
 * † ‰ ‹ ‘ ’ “ ” • – — ™ ›), all of them lead bytes of CP932 or GBK too. */
static const char western_marks[] = "\x80\x82\x84\x85\x86\x89\x8b\x91\x92\x93\x94\x95\x96"
				    "\x97\x99\x9b";

static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_upper(*a) != ascii_upper(*b))
			return false;
	return *a == *b;
}

static bool name_starts(const char *a, const char *prefix)
{
	for (; *prefix; a++, prefix++)
		if (ascii_upper(*a) != ascii_upper(*prefix))
			return false;
	return true;
}

bool bg_encoding_is_utf8(const char *name)
{
	return name_eq(name, "UTF-8") || name_eq(name, "UTF8") || name_eq(name, "US-ASCII") ||
	       name_eq(name, "ASCII");
}

static bool binary_byte(unsigned char c)
{
	return c == 0 ||
	       (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
		c != 0x1b && c != 0x1a) ||
	       c == 0x7f;
}

/* Copies the text lines of s into out (no larger than s); returns the length and
 * the bytes dropped as binary. */
static size_t text_lines(const char *s, size_t n, char *out, size_t *dropped)
{
	size_t i = 0, o = 0;

	*dropped = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n, j;
		bool bin = false;

		for (j = i; j < e && !bin; j++) {
			unsigned char c = (unsigned char)s[j];

			bin = binary_byte(c) ||
			      (c == 0xff && j + 1 < e && (unsigned char)s[j + 1] == 0xff);
		}
		if (bin) {
			*dropped += e - i;
		} else {
			memcpy(out + o, s + i, e - i);
			o += e - i;
		}
		i = e;
	}
	return o;
}

/* UTF-8 except perhaps a sequence cut by the sample's end. */
static bool utf8_ok(const char *s, size_t n, bool at_eof)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		k = bg_utf8_seq((const unsigned char *)s + i, n - i);
		if (k == 0) {
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			return !at_eof && n - i < want && c >= 0xc2 && c <= 0xf4;
		}
		i += k;
	}
	return true;
}

/* Invalid sequences when s is decoded from enc (a cut character at the end of a
 * partial sample does not count); -1 when iconv does not know enc.  *cut (may
 * be NULL): s ends inside a character, a lead byte waiting for its trail. */
static long decode_scan(const char *enc, const char *s, size_t n, bool at_eof, bool *cut)
{
	struct bg_conv *cd = bg_conv_open(enc);
	char out[4096];
	char *ip = (char *)s;
	size_t il = n;
	long bad = 0;

	if (cut)
		*cut = false;
	if (!cd)
		return -1;
	while (il) {
		char *op = out;
		size_t ol = sizeof(out);

		if (bg_conv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !at_eof) {
			if (cut)
				*cut = true;
			break;
		}
		bad++;
		ip++;
		il--;
	}
	bg_conv_close(cd);
	return bad;
}

static long decode_errors(const char *enc, const char *s, size_t n, bool at_eof)
{
	return decode_scan(enc, s, n, at_eof, NULL);
}

static bool clean(const char *enc, const char *s, size_t n, bool at_eof)
{
	return decode_errors(enc, s, n, at_eof) == 0;
}

static bool seven_bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* ESC $ @, ESC $ B, ESC $ ( ..., ESC ( I, ESC ( J: a JIS designation. */
static bool has_jis_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != 0x1b)
			continue;
		if (s[i + 1] == '$' && (s[i + 2] == '@' || s[i + 2] == 'B' || s[i + 2] == '('))
			return true;
		if (s[i + 1] == '(' && (s[i + 2] == 'I' || s[i + 2] == 'J'))
			return true;
	}
	return false;
}

static int pick(const char *const *names, const char *s, size_t n, bool at_eof, char *out,
		size_t outlen)
{
	for (size_t i = 0; names[i]; i++) {
		if (clean(names[i], s, n, at_eof)) {
			snprintf(out, outlen, "%s", names[i]);
			return 0;
		}
	}
	return -EILSEQ;
}

/* The encodings a guess of uchardet's stands for, supersets first where the
 * superset is what the software really writes (Excel's CP932, not Shift_JIS). */
static const char *const *family(const char *guess, bool *latin)
{
	static const char *const sjis[] = {"CP932", "SHIFT_JIS", NULL};
	static const char *const eucjp[] = {"EUC-JP", "EUC-JP-MS", NULL};
	static const char *const jis[] = {"ISO-2022-JP", "ISO-2022-JP-3", "ISO-2022-JP-2", NULL};
	static const char *const gb[] = {"GB18030", NULL};
	static const char *const big5[] = {"BIG5", "BIG5-HKSCS", NULL};
	static const char *const kr[] = {"CP949", NULL};
	static const char *const tw[] = {"EUC-TW", NULL};
	static const char *const w1252[] = {"WINDOWS-1252", NULL};
	static const char *const latin_names[] = {"ISO-8859-1",
						  "ISO-8859-2",
						  "ISO-8859-3",
						  "ISO-8859-4",
						  "ISO-8859-9",
						  "ISO-8859-10",
						  "ISO-8859-13",
						  "ISO-8859-14",
						  "ISO-8859-15",
						  "ISO-8859-16",
						  "WINDOWS-1250",
						  "WINDOWS-1252",
						  "WINDOWS-1254",
						  "WINDOWS-1257",
						  "MAC-CENTRALEUROPE",
						  "IBM852",
						  NULL};

	*latin = false;
	if (name_eq(guess, "SHIFT_JIS") || name_eq(guess, "CP932") || name_eq(guess, "WINDOWS-31J"))
		return sjis;
	if (name_eq(guess, "EUC-JP"))
		return eucjp;
	if (name_starts(guess, "ISO-2022-JP"))
		return jis;
	if (name_eq(guess, "GB18030") || name_eq(guess, "GB2312") || name_eq(guess, "GBK") ||
	    name_eq(guess, "HZ-GB-2312"))
		return gb;
	if (name_eq(guess, "BIG5"))
		return big5;
	if (name_eq(guess, "EUC-KR") || name_eq(guess, "UHC") || name_eq(guess, "CP949"))
		return kr;
	if (name_eq(guess, "EUC-TW"))
		return tw;
	for (size_t i = 0; latin_names[i]; i++) {
		if (name_eq(guess, latin_names[i])) {
			/* Western text labelled or guessed Latin-1 and the like is in
			 * practice Windows-1252 (the WHATWG rule). */
			*latin = true;
			if (name_eq(guess, "ISO-8859-1") || name_eq(guess, "ISO-8859-3") ||
			    name_eq(guess, "ISO-8859-9") || name_eq(guess, "ISO-8859-15") ||
			    name_eq(guess, "ISO-8859-16") || name_eq(guess, "WINDOWS-1252") ||
			    name_eq(guess, "MAC-CENTRALEUROPE"))
				return w1252;
			return NULL;
		}
	}
	return NULL;
}

static bool isolated_high(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++)
		if (p[i] >= 0x80 &&
		    ((i > 0 && p[i - 1] >= 0x80) || (i + 1 < n && p[i + 1] >= 0x80)))
			return false;
	return true;
}

/* Every high byte follows an ASCII letter: accented letters inside words
 * ("Fran\xe7ois"), where a CP932 kanji would follow a separator or another
 * kanji. */
static bool after_letter(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80)
			continue;
		if (i == 0 ||
		    !((p[i - 1] >= 'a' && p[i - 1] <= 'z') || (p[i - 1] >= 'A' && p[i - 1] <= 'Z')))
			return false;
		any = true;
	}
	return any;
}

/* The sample read as CP932, byte by byte: Japanese double-byte characters
 * (leads 0x81-0x9F and 0xE0-0xEF, where GB2312 has none or only rare
 * extension characters, and the IBM extension 0xFA-0xFC of 髙 and 﨑), and
 * half-width katakana (0xA1-0xDF, one byte each: what old systems and Excel
 * cells hold for names, ﾔﾏﾀﾞ ﾀﾛｳ).  False at any other high byte.  *odd: a
 * run of half-width katakana of odd length, which no double-byte encoding
 * whose bytes all lie in 0xA1-0xFE (GB2312, EUC-KR) can write. */
static bool cp932_shape(const unsigned char *p, size_t n, size_t *dbl, size_t *hw, bool *odd,
			size_t *glued)
{
	size_t run = 0;

	*dbl = *hw = *glued = 0;
	*odd = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0xa1 && c <= 0xdf) {
			(*hw)++;
			run++;
			continue;
		}
		*odd = *odd || (run & 1);
		run = 0;
		if (c < 0x80)
			continue;
		if (((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xef) ||
		     (c >= 0xfa && c <= 0xfc)) &&
		    i + 1 < n && p[i + 1] >= 0x40 && p[i + 1] != 0x7f && p[i + 1] <= 0xfc) {
			unsigned char t = p[i + 1], after = i + 2 < n ? p[i + 2] : 0;

			/* A trail byte that is an ASCII letter or digit inside an ASCII
			 * word ("\x95joao@" is a bullet and joao@ in Windows-1252). */
			if (t < 0x80 && isalnum(t) && after < 0x80 &&
			    (isalnum(after) || strchr("._-+@", after)) && after)
				(*glued)++;
			(*dbl)++;
			i++;
			continue;
		}
		return false;
	}
	*odd = *odd || (run & 1);
	return true;
}

/* CP932 when every high byte is a Japanese double-byte character of CP932
 * and the sample decodes; else EUC-JP when a pair is from the kana rows (A4,
 * A5), no CP932 lead is seen and the sample decodes; else CP932 with
 * half-width katakana, when the sample decodes and has a Japanese
 * double-byte character too, or, katakana only, a run of odd length (EUC-JP
 * comes first: its kana pairs are bytes of the half-width range).  Else
 * false. */
static bool japanese_hint(const char *s, size_t n, bool at_eof, bool small, char *name,
			  size_t namelen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t dbl, hw, glued, sj_leads = 0, kana_rows = 0;
	bool odd, shape = cp932_shape(p, n, &dbl, &hw, &odd, &glued);

	/* A few high bytes whose CP932 reading takes an ASCII word's letter for
	 * a trail byte are no evidence: it would cut an address's first letter. */
	if (small && glued)
		shape = false;

	if (shape && dbl && !hw && clean("CP932", s, n, at_eof)) {
		snprintf(name, namelen, "CP932");
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x80)
			continue;
		if (i + 1 < n &&
		    ((p[i] >= 0x81 && p[i] <= 0x9f) || (p[i] >= 0xe0 && p[i] <= 0xef)) &&
		    p[i + 1] >= 0x40 && p[i + 1] != 0x7f && p[i + 1] <= 0xfc) {
			sj_leads++;
			i++;
			continue;
		}
		if (i + 1 < n && (p[i] == 0xa4 || p[i] == 0xa5) && p[i + 1] >= 0xa1 &&
		    p[i + 1] <= 0xf6)
			kana_rows++;
		if (i + 1 < n && p[i + 1] >= 0x80)
			i++;
	}
	if (kana_rows && !sj_leads && clean("EUC-JP", s, n, at_eof)) {
		snprintf(name, namelen, "EUC-JP");
		return true;
	}
	if (shape && hw && (dbl || (hw >= 3 && odd)) && clean("CP932", s, n, at_eof)) {
		/* EUC-JP's half-width katakana (8E xx) and kanji (A1-FE pairs) read
		 * as CP932 too; EUC-JP never takes an ASCII byte into a character,
		 * the CP932 reading here does ("田中yamada@" lost its y). */
		if (glued && clean("EUC-JP", s, n, at_eof)) {
			snprintf(name, namelen, "EUC-JP");
			return true;
		}
		snprintf(name, namelen, "CP932");
		return true;
	}
	return false;
}

/* The sample reads as Japanese CP932: the shape above (user-defined leads
 * 0xF0-0xF9 and the like are no Japanese text), and it decodes. */
static bool cp932_like(const char *s, size_t n, bool at_eof)
{
	size_t dbl, hw, glued;
	bool odd;

	return cp932_shape((const unsigned char *)s, n, &dbl, &hw, &odd, &glued) && (dbl || hw) &&
	       clean("CP932", s, n, at_eof);
}

/* An encoding of one byte a character (Latin, Greek, Cyrillic, Arabic...):
 * it decodes any bytes at all, so a clean decode proves nothing. */
static bool single_byte(const char *enc)
{
	static const char *const prefixes[] = {
	    "ISO-8859", "ISO8859", "WINDOWS-125", "CP125",   "KOI8",	 "MAC", "IBM",
	    "CP8",	"TIS-620", "VISCII",	  "ARMSCII", "GEORGIAN", NULL};

	for (size_t i = 0; prefixes[i]; i++)
		if (name_starts(enc, prefixes[i]))
			return true;
	return false;
}

/* The longest run of bytes >= 0x80. */
static size_t longest_high_run(const char *s, size_t n)
{
	size_t run = 0, best = 0;

	for (size_t i = 0; i < n; i++) {
		run = (unsigned char)s[i] >= 0x80 ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* Whether a byte >= 0x80 is in the word of an '@' (no blank or punctuation
 * between them). */
static bool glued_to_address(const char *s, size_t n)
{
	const char *at = s, *e = s + n;

	while ((at = memchr(at, '@', (size_t)(e - at))) != NULL) {
		for (const char *q = at; q > s; q--) {
			unsigned char c = (unsigned char)q[-1];

			if (c >= 0x80)
				return true;
			if (c <= ' ' || strchr(",;:\"'<>()[]{}|=/", c))
				break;
		}
		at++;
	}
	return false;
}

/* Whether p[i] follows an address: the ASCII word that ends at p[i] holds an
 * '@' with a domain after it. */
static bool after_address(const unsigned char *p, size_t i)
{
	size_t k = i;

	while (k > 0 && p[k - 1] < 0x80 && (isalnum(p[k - 1]) || strchr("._-+", p[k - 1])))
		k--;
	return k > 0 && k < i && p[k - 1] == '@' && k >= 2 && p[k - 2] < 0x80 && isalnum(p[k - 2]);
}

/* A byte of 80-9F right before the ASCII word of an '@' ("\x87Asuzuki@x.jp"):
 * a symbol in Windows-1252, a CP932 lead byte whose trail is the word's first
 * letter.  2 when one is 87, CP932's NEC row 13 (① ② Ⅰ ㈱: 87 41 is ②, and
 * Windows-1252 reads it "‡A", gluing the A onto suzuki@); 1 when one is a
 * 1252 symbol no Western list sets before a word (ˆ ˜ and the letters Š Ž
 * Œ ƒ Ÿ, lead bytes of kana and kanji); 0 when none is, or each is a list
 * mark of Western text ("\x95joao@" is a bullet and joao@: 1252 is right). */
static int glued_symbol(const char *s, size_t n)
{
	const char *marks = western_marks;
	const unsigned char *p = (const unsigned char *)s;
	int worst = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		size_t j = i + 1;

		if (p[i] < 0x80 || p[i] > 0x9f || p[j] >= 0x80)
			continue;
		/* After an address: 様 (97 6C) and 殿 (93 61) are CP932's honorifics,
		 * "taro@x.jp様"; Windows-1252 reads "taro@x.jp—l". */
		if (i > 0 && after_address(p, i)) {
			if ((p[i] == 0x97 && p[j] == 0x6c) || (p[i] == 0x93 && p[j] == 0x61))
				return 2;
			continue;
		}
		if (!isalnum(p[j]) || (i > 0 && isalnum(p[i - 1])))
			continue;
		while (j < n && p[j] < 0x80 && (isalnum(p[j]) || strchr("._-+'", p[j])))
			j++;
		if (j >= n || p[j] != '@')
			continue;
		if (p[i] == 0x87)
			return 2;
		if (!memchr(marks, p[i], sizeof(western_marks) - 1))
			worst = 1;
	}
	return worst;
}

/* How many runs of at least min bytes >= 0x80. */
static size_t high_runs(const char *s, size_t n, size_t min)
{
	size_t run = 0, count = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && (unsigned char)s[i] >= 0x80) {
			run++;
			continue;
		}
		count += run >= min;
		run = 0;
	}
	return count;
}

/* Valid UTF-8 sequences of two bytes or more, and invalid ones. */
static void utf8_tally(const char *s, size_t n, size_t *good, size_t *bad)
{
	*good = *bad = 0;
	for (size_t i = 0; i < n;) {
		size_t k;

		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		k = bg_utf8_seq((const unsigned char *)s + i, n - i);
		if (k) {
			(*good)++;
			i += k;
		} else {
			(*bad)++;
			i++;
		}
	}
}

static void candidates(const char *s, size_t n, bool at_eof, char *cands, size_t candslen,
		       size_t *count, char *only, size_t onlylen)
{
	static const char *const all[] = {"CP932", "EUC-JP",	   "GB18030", "BIG5",
					  "CP949", "WINDOWS-1252", NULL};
	size_t o = 0;

	*count = 0;
	if (candslen)
		cands[0] = '\0';
	for (size_t i = 0; all[i]; i++) {
		if (!clean(all[i], s, n, at_eof))
			continue;
		if (*count == 0)
			snprintf(only, onlylen, "%s", all[i]);
		(*count)++;
		if (o < candslen) {
			int w = snprintf(cands + o, candslen - o, "%s%s", o ? ", " : "", all[i]);

			if (w > 0)
				o += (size_t)w;
		}
	}
}

/* The high byte p[i] is an accented letter inside an ASCII word of the
 * one-byte reading ("Fran\xe7ois@"): two ASCII letters before it, not
 * themselves after a high byte ("\xa5x\xa5_kim@" is Big5's 台北kim@). */
static bool inside_word(const unsigned char *p, size_t i)
{
	size_t k = i;

	while (k > 0 && p[k - 1] < 0x80 && isalpha(p[k - 1]))
		k--;
	return i - k >= 2 && (k == 0 || p[k - 1] < 0x80);
}

/* Japanese kana pairs of CP932 in p, read pair by pair as CP932 does. */
static size_t kana_pairs(const unsigned char *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = p[i], d = p[i + 1];

		if (c < 0x80 || (c >= 0xa1 && c <= 0xdf))
			continue;
		k += (c == 0x82 && d >= 0x9f && d <= 0xf1) || (c == 0x83 && d >= 0x40 && d <= 0x96);
		i++;
	}
	return k;
}

/* Whether s[0..n) decoded from enc ends inside a character (a lead byte that
 * waits for its trail): then the byte after it is taken into that character.
 * *ok: it decodes without an error. */
static bool takes_next(const char *enc, const char *s, size_t n, bool *ok)
{
	bool cut;

	*ok = decode_scan(enc, s, n, false, &cut) == 0;
	return cut;
}

/* The chosen reading of the sample against the double-byte ones that decode
 * it too, at every address whose ASCII word a high byte touches ("「lee@" in
 * Big5 is A1 75 "lee@": Windows-1252 reads "¡ulee@", CP932 "｡ulee@"): in
 * Big5, GBK and CP949 a trail byte may be an ASCII letter, so whether that
 * letter is the address's depends on the reading.  For a one-byte reading,
 * any double-byte one that takes the letter (not after an accented letter
 * inside a word, or a Western mark starting one); for CP932 (unless its kana
 * say Japanese), one that reads the letter otherwise (CP932's half-width
 * katakana are one byte, their lead bytes elsewhere).  The other readings
 * (EUC, ISO-2022, and Big5, GBK and CP949 themselves, chosen on uchardet's
 * word) are believed.  Returns the first reading that disagrees, or NULL. */
static const char *letter_conflict(const char *s, size_t n, const char *chosen)
{
	static const char *const dbcs[] = {"BIG5", "GB18030", "CP949", "CP932", NULL};
	const unsigned char *p = (const unsigned char *)s;
	bool one = single_byte(chosen), sj = name_eq(chosen, "CP932"), ok, mine;
	int usable[4] = {-1, -1, -1, -1};
	const char *first = NULL;
	size_t conflicts = 0, addrs = 0;

	if (!one && !sj)
		return NULL;
	/* Japanese kana (CP932 82 9F-F1, 83 40-96) are no bytes of Big5, of
	 * GB2312's or of KS X 1001's characters: two of them and the CP932
	 * reading is believed. */
	if (sj && kana_pairs(p, n) >= 2)
		return NULL;
	for (size_t at = 0; at < n; at++) {
		size_t w = at, ls;

		if (p[at] != '@')
			continue;
		addrs++;
		while (w > 0 && p[w - 1] < 0x80 && (isalnum(p[w - 1]) || strchr("._+-", p[w - 1])))
			w--;
		if (w == at || w == 0 || p[w - 1] < 0x80)
			continue;
		if (one && (inside_word(p, w - 1) ||
			    (memchr(western_marks, p[w - 1], sizeof(western_marks) - 1) &&
			     (w < 2 || (p[w - 2] < 0x80 && !isalnum(p[w - 2]))))))
			continue;
		for (ls = w; ls > 0 && p[ls - 1] != '\n'; ls--)
			;
		mine = sj && takes_next("CP932", s + ls, w - ls, &ok);
		if (sj && !ok)
			continue;
		for (int k = 0; dbcs[k]; k++) {
			bool theirs;

			if (name_eq(dbcs[k], chosen))
				continue;
			if (usable[k] < 0)
				usable[k] = clean(dbcs[k], s, n, false);
			if (!usable[k])
				continue;
			theirs = takes_next(dbcs[k], s + ls, w - ls, &ok);
			if (ok && theirs != mine) {
				if (!sj)
					return dbcs[k];
				first = first ? first : dbcs[k];
				conflicts++;
				break;
			}
		}
	}
	/* CP932 text whose addresses mostly touch no such byte (a 500-line
	 * Japanese list with one "担当:ｶﾄｳuser@" in it) keeps its reading: the
	 * disagreement is a line's, not the file's.  Text that Big5, GBK or
	 * CP949 wrote glues its addresses to its characters again and again. */
	if (sj && conflicts && conflicts * 10 < addrs)
		return NULL;
	return first;
}

static int decide(const char *sample, size_t len, bool at_eof, char *name, size_t namelen,
		  struct bg_err *err);

int bg_encoding_decide(const char *sample, size_t len, bool at_eof, char *name, size_t namelen,
		       struct bg_err *err)
{
	int rc = decide(sample, len, at_eof, name, namelen, err);
	const char *other;

	if (rc != 0 || bg_encoding_is_utf8(name))
		return rc;
	if ((other = letter_conflict(sample, len, name)) != NULL)
		return bg_err_set(err, -EILSEQ,
				  "cannot tell the text encoding (not UTF-8; it could be %s or %s: "
				  "they read the letter after a character glued to an address "
				  "differently, and with it the address); give --encoding NAME",
				  name, other);
	return 0;
}

static int decide(const char *sample, size_t len, bool at_eof, char *name, size_t namelen,
		  struct bg_err *err)
{
	static const char *const jis[] = {"ISO-2022-JP", "ISO-2022-JP-3", "ISO-2022-JP-2", NULL};
	char *t = malloc(len ? len : 1);
	size_t n, dropped, hi = 0, count;
	const char *const *fam = NULL;
	const char *guess;
	char guess_buf[64] = "", only[BG_ENC_NAME_MAX] = "", cands[160];
	bool latin, one_byte, like932;
	int rc = 0;

	snprintf(name, namelen, "UTF-8");
	if (!t)
		return bg_err_set(err, -ENOMEM, "out of memory deciding the text encoding");
	n = text_lines(sample, len, t, &dropped);
	if (seven_bit(t, n)) {
		/* JIS shifts that no reading decodes cleanly are still shifts: read
		 * as ISO-2022-JP, the lines they spoil are flagged.  As UTF-8, their
		 * "ESC ( B" would glue a 'B' to the next address. */
		if (has_jis_escape(t, n) && pick(jis, t, n, at_eof, name, namelen) != 0)
			snprintf(name, namelen, "ISO-2022-JP");
		goto out;
	}
	/* A sample that is not the whole input ends where the read stopped, often
	 * inside a character: its unfinished last line is left out when whole
	 * lines come before it, so that no test below takes a cut double-byte
	 * character for a stray byte (a 30,000-row CP932 list cut after a lead
	 * byte was read as ISO-8859-13, every row invalid). */
	if (!at_eof) {
		const char *last = memrchr(t, '\n', n);

		if (last)
			n = (size_t)(last - t) + 1;
	}
	/* Mostly binary: the caller flags the bad lines; no text to judge. */
	if (dropped > n || utf8_ok(t, n, at_eof))
		goto out;
	for (size_t i = 0; i < n; i++)
		hi += (unsigned char)t[i] >= 0x80;
	{
		uchardet_t ud = uchardet_new();

		if (ud) {
			if (uchardet_handle_data(ud, t, n) == 0) {
				uchardet_data_end(ud);
				snprintf(guess_buf, sizeof(guess_buf), "%s",
					 uchardet_get_charset(ud));
			}
			uchardet_delete(ud);
		}
	}
	guess = guess_buf;
	if (bg_encoding_is_utf8(guess)) {
		size_t good, bad;

		/* Half-width katakana pairs can look like UTF-8 (ﾊｲ is C2-DF then
		 * 80-BF): a guess of UTF-8 for bytes that are mostly not UTF-8, and
		 * read cleanly as Japanese, is the Japanese reading. */
		utf8_tally(t, n, &good, &bad);
		if (bad >= good)
			japanese_hint(t, n, at_eof, hi < SMALL_EVIDENCE, name, namelen);
		goto out; /* else UTF-8 with stray bytes: those lines are flagged */
	}
	/* Little evidence: uchardet's guess is noise ("やまだ" comes back Latin), the
	 * byte patterns are not. */
	if (hi < SMALL_EVIDENCE) {
		/* A symbol glued before an address that CP932 reads as a lead byte
		 * (glued_symbol): a circled list number is CP932; another one is
		 * not taken for Windows-1252 on so little (it would put a letter
		 * onto the address). */
		switch (glued_symbol(t, n)) {
		case 2:
			if (clean("CP932", t, n, at_eof)) {
				snprintf(name, namelen, "CP932");
				goto out;
			}
			break;
		case 1:
			if (clean("CP932", t, n, at_eof) || clean("GB18030", t, n, at_eof) ||
			    clean("BIG5", t, n, at_eof))
				goto ambiguous;
			break;
		}
		if (isolated_high(t, n) && after_letter(t, n) &&
		    clean("WINDOWS-1252", t, n, at_eof)) {
			snprintf(name, namelen, "WINDOWS-1252");
			goto out;
		}
		if (japanese_hint(t, n, at_eof, hi < SMALL_EVIDENCE, name, namelen))
			goto out;
		if (isolated_high(t, n) && clean("WINDOWS-1252", t, n, at_eof)) {
			snprintf(name, namelen, "WINDOWS-1252");
			goto out;
		}
	}
	fam = family(guess, &latin);
	/* A single-byte guess decodes any bytes at all, and uchardet gives one for
	 * short CP932 text (a six-line notice came back ISO-8859-7).  When the
	 * high bytes come in runs, as no Western text writes them, and every one
	 * of them reads cleanly as CP932 or EUC-JP, the Japanese reading wins. */
	if ((latin || !fam) && !isolated_high(t, n) &&
	    japanese_hint(t, n, at_eof, hi < SMALL_EVIDENCE, name, namelen))
		goto out;
	/* A one-byte encoding decodes anything: when the high bytes come in runs
	 * and the text reads as CP932 too, the guess is no evidence, and taking it
	 * would glue Greek or accented letters onto addresses (ﾊﾅｺu@x.jp read
	 * κεΐu@x.jp).  Refused below, with both names, unless nothing else fits. */
	one_byte = latin || (!fam && single_byte(guess));
	like932 = one_byte && cp932_like(t, n, at_eof);
	if (like932 && !isolated_high(t, n))
		goto ambiguous;
	/* Latin-script text writes its accented letters a few at a time inside
	 * ASCII words (Polish Żółć is four, once); six or more high bytes in a
	 * row, or runs of four again and again, are a double-byte script's names
	 * (uchardet called GBK names IBM852, Big5 ones Windows-1252). */
	if (latin && (longest_high_run(t, n) >= 6 || high_runs(t, n, 4) >= 2))
		goto ambiguous;
	/* High bytes glued onto an address (Chinese is written without spaces:
	 * "李娜user2@"), which a double-byte encoding also reads cleanly: a
	 * one-byte guess would put its letters into the address (ruser2@). */
	if (one_byte && glued_to_address(t, n) &&
	    (like932 || clean("BIG5", t, n, at_eof) || clean("GB18030", t, n, at_eof) ||
	     clean("CP949", t, n, at_eof)))
		goto ambiguous;
	/* The common families are believed on little evidence when they decode. */
	if (fam && pick(fam, t, n, at_eof, name, namelen) == 0)
		goto out;
	/* Any other guess needs evidence behind it, and must decode cleanly; a
	 * DOS or Mac code page is never taken from a guess (no advisory comes in
	 * IBM852, and uchardet names it for double-byte text: glued GBK names). */
	if (!fam && guess[0] && !name_eq(guess, "unknown") && hi >= SMALL_EVIDENCE &&
	    !name_starts(guess, "IBM") && !name_starts(guess, "CP8") &&
	    !name_starts(guess, "MAC") && clean(guess, t, n, at_eof)) {
		snprintf(name, namelen, "%s", guess);
		goto out;
	}
	/* Every high byte alone between ASCII ones ("Fran\xe7ois", "M\xfcller"): no
	 * multi-byte encoding writes text that way; a Western single-byte one does. */
	if (isolated_high(t, n) && clean("WINDOWS-1252", t, n, at_eof)) {
		snprintf(name, namelen, "WINDOWS-1252");
		goto out;
	}
ambiguous:
	candidates(t, n, at_eof, cands, sizeof(cands), &count, only, sizeof(only));
	/* Too little for uchardet, but the bytes say Japanese (the reference breach
	 * and most of this tool's users): a name or two in a small Excel CSV. */
	if (count > 1 && japanese_hint(t, n, at_eof, hi < SMALL_EVIDENCE, name, namelen))
		goto out;
	/* uchardet said Shift_JIS and the text has CP932's kana, but a byte pair
	 * or two is no CP932 (a JIS X 0213 character such as 𠮟 from
	 * Shift_JIS-2004, a corrupted cell): the one encoding that still decodes
	 * it all is no reading of Japanese (GB18030 decodes almost any bytes),
	 * and taking it turns every Japanese label into Chinese (パスワード：'s
	 * value was stored as an address).  Refused, with the Japanese reading
	 * named. */
	if (count == 1 && fam && name_eq(fam[0], "CP932") && !name_eq(only, "CP932") &&
	    !name_eq(only, "SHIFT_JIS") && kana_pairs((const unsigned char *)t, n) >= 2) {
		rc = bg_err_set(err, -EILSEQ,
				"cannot tell the text encoding (not UTF-8; it reads as Japanese "
				"CP932 but some bytes are not valid CP932, and %s, which decodes "
				"them, is no Japanese reading); give --encoding NAME, e.g. "
				"--encoding CP932 (the lines with those bytes are then counted "
				"invalid) or --encoding SHIFT_JISX0213",
				only);
		goto out;
	}
	if (count == 1 && hi >= 8) {
		snprintf(name, namelen, "%s", only);
		goto out;
	}
	rc = bg_err_set(err, -EILSEQ,
			"cannot tell the text encoding (not UTF-8; %s%s); give --encoding NAME, "
			"e.g. --encoding CP932 for a Japanese Excel CSV",
			cands[0] ? "it could be " : "no common encoding fits", cands);
out:
	free(t);
	return rc;
}

int bg_encoding_canonical(const char *user, char *name, size_t namelen)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = {
	    {"sjis", "CP932"},
	    {"shift_jis", "CP932"},
	    {"shift-jis", "CP932"},
	    {"windows-31j", "CP932"},
	    {"ms932", "CP932"},
	    {"cp932", "CP932"},
	    {"eucjp", "EUC-JP"},
	    {"euc-jp", "EUC-JP"},
	    {"jis", "ISO-2022-JP"},
	    {"iso-2022-jp", "ISO-2022-JP"},
	    {"latin1", "WINDOWS-1252"},
	    {"iso-8859-1", "WINDOWS-1252"},
	    {"cp1252", "WINDOWS-1252"},
	    {"windows-1252", "WINDOWS-1252"},
	    {"gbk", "GB18030"},
	    {"gb2312", "GB18030"},
	    {"euc-kr", "CP949"},
	    {"utf8", "UTF-8"},
	    {"utf-8", "UTF-8"},
	    {"ascii", "UTF-8"},
	    {"us-ascii", "UTF-8"},
	    /* the names Outlook, Windows and old browsers label mail and pages
	     * with, which iconv does not know */
	    {"ks_c_5601-1987", "CP949"},
	    {"ks_c_5601-1989", "CP949"},
	    {"ks_c_5601", "CP949"},
	    {"ksc5601", "CP949"},
	    {"ksc_5601", "CP949"},
	    {"windows-949", "CP949"},
	    {"ms949", "CP949"},
	    {"x-windows-949", "CP949"},
	    {"x-gbk", "GB18030"},
	    {"cp936", "GB18030"},
	    {"windows-936", "GB18030"},
	    {"gb_2312-80", "GB18030"},
	    {"x-big5", "BIG5"},
	    {"big5", "BIG5"},
	    {"x-sjis", "CP932"},
	    {"x-euc-jp", "EUC-JP"},
	    {"x-euc-kr", "CP949"},
	};
	struct bg_conv *cd;

	if (!user || !*user || strlen(user) >= BG_ENC_NAME_MAX)
		return -EINVAL;
	snprintf(name, namelen, "%s", user);
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (name_eq(user, aliases[i].alias)) {
			snprintf(name, namelen, "%s", aliases[i].name);
			break;
		}
	}
	for (char *p = name; *p; p++)
		*p = ascii_upper(*p);
	if (!(cd = bg_conv_open(name)))
		return -EINVAL;
	bg_conv_close(cd);
	return 0;
}
