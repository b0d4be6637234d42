/* eml_html.c: HTML to text for the e-mail reader (see eml_html.h). */
#include "eml_html.h"

#include "addrtok.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uninorm.h>

#include "ascii.h"
#include "eml_decode.h"
#include "unicode.h"

/* A named reference of HTML5 that is a Latin letter with a mark: the letter,
 * then grave, acute, circ, tilde, uml, ring, cedil or caron ("&eacute;" é).
 * The code point, or 0. */
static unsigned latin_mark(const char *name, size_t n)
{
	static const struct {
		const char *suffix;
		unsigned mark;
	} marks[] = {{"grave", 0x300}, {"acute", 0x301}, {"circ", 0x302},  {"tilde", 0x303},
		     {"uml", 0x308},   {"ring", 0x30a},	 {"cedil", 0x327}, {"caron", 0x30c}};

	if (n < 4 || !bg_ascii_isalpha((unsigned char)name[0]))
		return 0;
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
		if (strlen(marks[k].suffix) == n - 1 &&
		    memcmp(name + 1, marks[k].suffix, n - 1) == 0)
			return uc_composition((unsigned char)name[0], marks[k].mark);
	return 0;
}

/* The references HTML5 reads in text without their ';' (the spec's legacy
 * list): a browser shows "E-mail:&nbsptaro@x.jp" as "E-mail: taro@x.jp".  The
 * letters with a mark are latin_mark's; the rest are listed here. */
static unsigned legacy_cp(const char *name, size_t n)
{
	static const struct {
		const char *name;
		unsigned cp;
	} legacy[] = {{"amp", '&'},	{"AMP", '&'},	  {"lt", '<'},	    {"LT", '<'},
		      {"gt", '>'},	{"GT", '>'},	  {"quot", '"'},    {"QUOT", '"'},
		      {"nbsp", ' '},	{"shy", 0xad},	  {"copy", 0xa9},   {"COPY", 0xa9},
		      {"reg", 0xae},	{"REG", 0xae},	  {"middot", 0xb7}, {"times", 0xd7},
		      {"divide", 0xf7}, {"deg", 0xb0},	  {"cent", 0xa2},   {"pound", 0xa3},
		      {"yen", 0xa5},	{"sect", 0xa7},	  {"para", 0xb6},   {"laquo", 0xab},
		      {"raquo", 0xbb},	{"not", 0xac},	  {"macr", 0xaf},   {"acute", 0xb4},
		      {"cedil", 0xb8},	{"uml", 0xa8},	  {"micro", 0xb5},  {"plusmn", 0xb1},
		      {"sup1", 0xb9},	{"sup2", 0xb2},	  {"sup3", 0xb3},   {"frac12", 0xbd},
		      {"frac14", 0xbc}, {"frac34", 0xbe}, {"iexcl", 0xa1},  {"iquest", 0xbf},
		      {"ordf", 0xaa},	{"ordm", 0xba},	  {"brvbar", 0xa6}, {"curren", 0xa4},
		      {"AElig", 0xc6},	{"aelig", 0xe6},  {"ETH", 0xd0},    {"eth", 0xf0},
		      {"THORN", 0xde},	{"thorn", 0xfe},  {"Oslash", 0xd8}, {"oslash", 0xf8},
		      {"szlig", 0xdf}};

	for (size_t k = 0; k < sizeof(legacy) / sizeof(legacy[0]); k++)
		if (strlen(legacy[k].name) == n && memcmp(name, legacy[k].name, n) == 0)
			return legacy[k].cp;
	/* Latin-1's letters with a mark, and no other: "&scaron" needs its ';'. */
	if (n >= 4 && n <= 6) {
		unsigned cp = latin_mark(name, n);

		if (cp >= 0xc0 && cp <= 0xff)
			return cp;
	}
	return 0;
}

/* Decodes the character reference at s (s[0] == '&') into out (4 bytes); returns
 * the bytes consumed, or 0 if it is no reference.  A named reference a browser
 * would render as a character we do not list is U+FFFD: glued to an address it
 * makes the word invalid, where its text ("ta&shy;ro@": ';' ends a word) would
 * have cut the address short. */
static size_t entity(const char *s, size_t n, bool legacy, char *out, size_t *olen)
{
	/* The names that need their ';' (the legacy ones are legacy_cp's). */
	static const struct {
		const char *name;
		unsigned cp;
	} named[] = {
	    {"apos", '\''},	 {"commat", '@'},    {"period", '.'},	 {"hyphen", 0x2010},
	    {"dash", 0x2010},	 {"ndash", 0x2013},  {"mdash", 0x2014},	 {"minus", 0x2212},
	    {"lowbar", '_'},	 {"plus", '+'},	     {"comma", ','},	 {"colon", ':'},
	    {"semi", ';'},	 {"excl", '!'},	     {"quest", '?'},	 {"lsquo", 0x2018},
	    {"rsquo", 0x2019},	 {"ldquo", 0x201c},  {"rdquo", 0x201d},	 {"centerdot", 0xb7},
	    {"bull", 0x2022},	 {"bullet", 0x2022}, {"hellip", 0x2026}, {"zwnj", 0x200c},
	    {"zwj", 0x200d},	 {"lrm", 0x200e},    {"rlm", 0x200f},	 {"ZeroWidthSpace", 0x200b},
	    {"NoBreak", 0x2060}, {"ensp", 0x2002},   {"emsp", 0x2003},	 {"thinsp", 0x2009},
	    {"hairsp", 0x200a},	 {"numsp", 0x2007},  {"puncsp", 0x2008}, {"oelig", 0x153},
	    {"OElig", 0x152},	 {"trade", 0x2122},  {"sol", '/'},	 {NULL, 0}};
	unsigned long cp = 0;
	unsigned lm;
	size_t i = 1;

	if (n >= 3 && bg_ascii_isalpha((unsigned char)s[1])) {
		/* A name: letters and digits up to ';' (HTML5's longest is 31). */
		while (i < n && i < 34 && bg_ascii_isalnum((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != ';') {
			/* In text, the longest legacy name the letters start with
			 * ("&nbsptaro@" is a space and taro@); else no reference
			 * ("AT&T", "a&b"). */
			for (size_t l = i - 1; legacy && l >= 2; l--)
				if ((cp = legacy_cp(s + 1, l)) != 0) {
					*olen = bg_utf8_put(out, (unsigned)cp);
					return l + 1;
				}
			return 0;
		}
		cp = 0xfffd;
		for (int k = 0; named[k].name; k++)
			if (strlen(named[k].name) == i - 1 &&
			    memcmp(s + 1, named[k].name, i - 1) == 0) {
				cp = named[k].cp;
				break;
			}
		/* Then the legacy names (they take a ';' too), then any Latin letter
		 * with a mark ("&scaron;"). */
		if (cp == 0xfffd && (lm = legacy_cp(s + 1, i - 1)) != 0)
			cp = lm;
		else if (cp == 0xfffd && (lm = latin_mark(s + 1, i - 1)) != 0)
			cp = lm;
		*olen = bg_utf8_put(out, (unsigned)cp);
		return i + 1;
	}
	if (n < 4 || s[1] != '#')
		return 0;
	i = 2;
	if (s[2] == 'x' || s[2] == 'X') {
		char *end;

		if (!strchr("0123456789abcdefABCDEF", s[3]) || s[3] == '\0')
			return 0;
		for (i = 3; i < n && i < 10 && strchr("0123456789abcdefABCDEF", s[i]) && s[i]; i++)
			;
		{
			char tmp[12];

			memcpy(tmp, s + 3, i - 3);
			tmp[i - 3] = '\0';
			cp = strtoul(tmp, &end, 16);
		}
	} else {
		for (; i < n && i < 10 && s[i] >= '0' && s[i] <= '9'; i++)
			cp = cp * 10 + (unsigned long)(s[i] - '0');
		if (i == 2)
			return 0;
	}
	if (i >= n || s[i] != ';')
		return 0;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	*olen = bg_utf8_put(out, (unsigned)cp);
	return i + 1;
}

/* Tags a browser renders inline: no gap where they open or close
 * ("<b>kimura</b>@example.co.jp" reads kimura@example.co.jp; <wbr>, a place
 * where a line may break, shows nothing).  Any other tag
 * (a cell, a paragraph, a line break) separates words. */
static bool inline_tag(const char *t, size_t n)
{
	static const char *const names[] = {
	    "a",   "abbr", "b",	   "bdi",   "bdo",  "cite",   "code",	"data",
	    "dfn", "em",   "font", "i",	    "ins",  "kbd",    "mark",	"nobr",
	    "q",   "s",	   "samp", "small", "span", "strike", "strong", "sub",
	    "sup", "time", "tt",   "u",	    "var",  "wbr",    NULL};
	size_t i = 0, k = 0;
	char name[8];

	if (i < n && t[i] == '/')
		i++;
	while (i < n && k < sizeof(name) - 1 && bg_ascii_isalnum((unsigned char)t[i]))
		name[k++] = bg_ascii_tolower(t[i++]);
	name[k] = '\0';
	if (k == 0 || (i < n && bg_ascii_isalnum((unsigned char)t[i])))
		return false;
	for (size_t j = 0; names[j]; j++)
		if (strcmp(name, names[j]) == 0)
			return true;
	return false;
}

/* Tags a browser shows as a line break (a paragraph, a list item, a row, a
 * heading): the converter writes '\n' for them, so that a reader sees the
 * page's lines ("<p>お問い合わせ: support@vendor.jp</p>" inside a page on one
 * line is an inquiry line of its own).  A cell (td, th) is a gap, not a line. */
static bool line_tag(const char *t, size_t n)
{
	static const char *const names[] = {
	    "address", "article", "aside",  "blockquote", "body",    "br",	   "caption",
	    "center",  "dd",	  "div",    "dl",	  "dt",	     "figcaption", "figure",
	    "footer",  "form",	  "h1",	    "h2",	  "h3",	     "h4",	   "h5",
	    "h6",      "head",	  "header", "hr",	  "html",    "li",	   "main",
	    "nav",     "ol",	  "p",	    "pre",	  "section", "table",	   "tbody",
	    "tfoot",   "thead",	  "title",  "tr",	  "ul",	     NULL};
	char name[16];
	size_t i = 0, k = 0;

	if (i < n && t[i] == '/')
		i++;
	while (i < n && k < sizeof(name) - 1 && bg_ascii_isalnum((unsigned char)t[i]))
		name[k++] = bg_ascii_tolower(t[i++]);
	name[k] = '\0';
	for (size_t j = 0; names[j]; j++)
		if (strcmp(name, names[j]) == 0)
			return true;
	return false;
}

size_t bg_eml_html_cut(const char *s, size_t n)
{
	for (size_t j = n; j-- > 1;) {
		size_t i = j + 1;

		if (s[j] != '<')
			continue;
		if (i < n && s[i] == '/')
			i++;
		if (i >= n || !bg_ascii_isalpha((unsigned char)s[i]))
			continue;
		while (i < n && bg_ascii_isalnum((unsigned char)s[i]))
			i++;
		/* The name must end here: "<spa" at the end may be "<span". */
		if (i < n && !inline_tag(s + j + 1, n - j - 1))
			return j;
	}
	return 0;
}

/* The tag's name (after a '/' for a closing one), lower case, into out. */
static size_t tag_name(const char *t, size_t n, char *out, size_t cap, bool *closing)
{
	size_t i = 0, k = 0;

	*closing = n > 0 && t[0] == '/';
	if (*closing)
		i++;
	while (i < n && k + 1 < cap && bg_ascii_isalnum((unsigned char)t[i]))
		out[k++] = bg_ascii_tolower(t[i++]);
	out[k] = '\0';
	return k;
}

/* Whether an opening tag hides its element: a style of display:none or
 * visibility:hidden (blanks and case aside), or the hidden attribute.  A void
 * element (img, br, input ...) and a self-closing tag hide nothing after them. */
static bool hides(const char *t, size_t n, const char *name)
{
	static const char *const voids[] = {"area",  "base",   "br",	"col",	"embed",
					    "hr",    "img",    "input", "link", "meta",
					    "param", "source", "track", "wbr",	NULL};
	char flat[BG_EML_TAG_MAX + 1];
	size_t k = 0;

	if (n && t[n - 1] == '/')
		return false;
	for (int i = 0; voids[i]; i++)
		if (strcmp(name, voids[i]) == 0)
			return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] != ' ' && t[i] != '\t')
			flat[k++] = bg_ascii_tolower(t[i]);
	flat[k] = '\0';
	if (strstr(flat, "display:none") || strstr(flat, "visibility:hidden"))
		return true;
	for (size_t i = 0; i + 6 < n + 1; i++)
		if ((t[i] == ' ' || t[i] == '\t') &&
		    bg_ascii_starts_ci(t + i + 1, n - i - 1, "hidden") &&
		    (i + 7 == n || t[i + 7] == ' ' || t[i + 7] == '=' || t[i + 7] == '/'))
			return true;
	return false;
}

/* A tag while inside a hidden element: its depth follows the tags of the
 * same name; nothing in it is read, mailto: links neither. */
static void hidden_tag(struct bg_eml_html *h)
{
	char name[16];
	bool closing;

	tag_name(h->tag, h->taglen, name, sizeof(name), &closing);
	if (strcmp(name, h->hide_name) != 0)
		return;
	if (closing)
		h->hide_depth--;
	else if (!(h->taglen && h->tag[h->taglen - 1] == '/'))
		h->hide_depth++;
}

static void table_tag(struct bg_eml_html *h, const char *name, bool closing);

static void text_put(struct bg_eml_html *h, const char *s, size_t n);

/* The address of the first mailto: link in the tag t (entities and %XX
 * decoded) into out (BG_EML_TAG_MAX bytes); its length, 0 when none. */
static size_t mailto_addr(const char *t, size_t n, char *out)
{
	size_t i = 0, al = 0;

	while (i + 7 <= n && strncasecmp(t + i, "mailto:", 7) != 0)
		i++;
	if (i + 7 > n)
		return 0;
	i += 7;
	while (i < n && al < BG_EML_TAG_MAX && t[i] != '"' && t[i] != '\'' && t[i] != '?' &&
	       t[i] != ' ' && t[i] != '\t' && t[i] != '>') {
		char u[4];
		size_t ul, used;

		if (t[i] == '&' && (used = entity(t + i, n - i, false, u, &ul)) != 0) {
			if (al + ul > BG_EML_TAG_MAX)
				break;
			memcpy(out + al, u, ul);
			al += ul;
			i += used;
		} else if (t[i] == '%' && i + 2 < n && bg_ascii_hexval(t[i + 1]) >= 0 &&
			   bg_ascii_hexval(t[i + 2]) >= 0) {
			out[al++] =
			    (char)(bg_ascii_hexval(t[i + 1]) * 16 + bg_ascii_hexval(t[i + 2]));
			i += 3;
		} else {
			out[al++] = t[i++];
		}
	}
	return al;
}

/* A link's address goes into the page's text, between gaps, where the link
 * is: the line it is on decides for it as for the text (an inquiry line's
 * mailto: is the sender's contact too). */
static void mailto_put(struct bg_eml_html *h, const char *a, size_t al)
{
	text_put(h, " ", 1);
	text_put(h, a, al);
	text_put(h, " ", 1);
}

static void link_end(struct bg_eml_html *h)
{
	size_t from = h->link_at;

	if (!h->link_open)
		return;
	h->link_open = false;
	if (from > h->textlen)
		from = h->textlen;
	/* The text as the tokeniser reads it: "<b>taro</b>@x.jp" (the mark an
	 * inline tag leaves), over source lines, "ｔａｒｏ＠ｘ．ｊｐ" is the
	 * href's taro@x.jp; "b＠y.jp" is another address. */
	switch (bg_link_text(h->text + from, h->textlen - from, h->link, h->linklen)) {
	case BG_LINK_LABEL:
		mailto_put(h, h->link, h->linklen);
		break;
	case BG_LINK_OTHER:
		/* <a href="mailto:a@x.jp">b@y.jp</a>: one of the two is nobody's
		 * address, and which cannot be told: neither is read, and the
		 * reader says so (link_diff). */
		memset(h->text + from, ' ', h->textlen - from);
		h->link_diff = true;
		break;
	case BG_LINK_SAME:
		break;
	}
}

/* A whole tag: script and style skipped, hidden elements and tables followed,
 * and a mailto: link's address put into the text (an <a>'s at its </a>, to
 * compare with the link's text). */
static void html_tag(struct bg_eml_html *h)
{
	const char *t = h->tag;
	size_t n = h->taglen;
	char name[16];
	bool closing;

	if (bg_ascii_starts_ci(t, n, "script") || bg_ascii_starts_ci(t, n, "style")) {
		snprintf(h->skip_until, sizeof(h->skip_until), "</%s",
			 bg_ascii_starts_ci(t, n, "script") ? "script" : "style");
		return;
	}
	if (tag_name(t, n, name, sizeof(name), &closing) && !closing && hides(t, n, name)) {
		snprintf(h->hide_name, sizeof(h->hide_name), "%s", name);
		h->hide_depth = 1;
		return;
	}
	table_tag(h, name, closing);
	if (strcmp(name, "a") == 0) {
		link_end(h);
		if (closing)
			return;
		h->linklen = mailto_addr(t, n, h->link);
		h->link_open = h->linklen > 0;
		h->link_at = h->textlen;
		return;
	}
	{
		char a[BG_EML_TAG_MAX];
		size_t al = mailto_addr(t, n, a);

		if (al)
			mailto_put(h, a, al);
	}
}

const char bg_eml_html_pw_why[] =
    "a cell of a table's password column (by its first row) is not imported";
const char bg_eml_html_pw_hidden[] = "(the password, not shown)";
const char bg_eml_html_link_why[] =
    "a mailto: link whose text is another address: neither is imported";

/* The first row of a table ends: its cells named as a password's. */
static void head_done(struct bg_eml_html *h)
{
	h->pw_mask = 0;
	for (int c = 0; c < 32; c++) {
		const char *t = h->head[c];
		size_t a = 0, b = h->headlen[c];

		while (a < b && (t[a] == ' ' || t[a] == '\t' || t[a] == '\n'))
			a++;
		while (b > a &&
		       (t[b - 1] == ' ' || t[b - 1] == '\t' || t[b - 1] == '\n' || t[b - 1] == ':'))
			b--;
		if (b > a && bg_password_name(t + a, b - a))
			for (int k = c; k < 32 && k < c + (h->head_span[c] ? h->head_span[c] : 1);
			     k++)
				h->pw_mask |= 1u << k;
	}
}

/* A cell's colspan or rowspan (the attribute named attr in the tag t): 1 when
 * absent or not a number; rowspan="0" (to the table's end) is 255. */
static int span_attr(const char *t, size_t n, const char *attr)
{
	size_t al = strlen(attr);

	for (size_t i = 0; i + al < n; i++) {
		size_t j;
		int v = 0;
		bool digits = false;

		if ((t[i] != ' ' && t[i] != '\t') ||
		    !bg_ascii_starts_ci(t + i + 1, n - i - 1, attr))
			continue;
		j = i + 1 + al;
		while (j < n && (t[j] == ' ' || t[j] == '\t'))
			j++;
		if (j >= n || t[j] != '=')
			continue;
		j++;
		while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '"' || t[j] == '\''))
			j++;
		while (j < n && t[j] >= '0' && t[j] <= '9') {
			digits = true;
			if (v < 1000)
				v = v * 10 + (t[j] - '0');
			j++;
		}
		if (!digits)
			return 1;
		if (v == 0)
			return strcmp(attr, "rowspan") == 0 ? 255 : 1;
		return v > 255 ? 255 : v;
	}
	return 1;
}

/* No table yet (or a new one): no row, cell, header or span. */
static void table_start(struct bg_eml_html *h)
{
	h->row = h->col = h->col_end = -1;
	h->pw_mask = h->occupied = 0;
	memset(h->headlen, 0, sizeof(h->headlen));
	memset(h->rows_left, 0, sizeof(h->rows_left));
	memset(h->head_span, 0, sizeof(h->head_span));
}

/* Table structure: <table> starts one, <tr> a row, <td>/<th> a cell.  A cell
 * takes the next column no cell above covers (rowspan) and as many as its
 * colspan says: a password column stays the password's in every row. */
static void table_tag(struct bg_eml_html *h, const char *name, bool closing)
{
	if (strcmp(name, "table") == 0) {
		table_start(h);
	} else if (strcmp(name, "tr") == 0 && !closing) {
		if (h->row == 0)
			head_done(h);
		h->row++;
		h->col = h->col_end = -1;
		h->occupied = 0;
		for (int c = 0; c < 32; c++)
			if (h->rows_left[c] > 0) {
				h->occupied |= 1u << c;
				if (h->rows_left[c] < 255)
					h->rows_left[c]--;
			}
	} else if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0) && !closing) {
		int start = h->col_end + 1, cs = span_attr(h->tag, h->taglen, "colspan"),
		    rs = span_attr(h->tag, h->taglen, "rowspan");

		if (h->row < 0)
			h->row = 0;
		while (start < 32 && (h->occupied >> start & 1))
			start++;
		h->col = start;
		h->col_end = start + cs - 1;
		for (int c = start; c < 32 && c <= h->col_end; c++)
			h->rows_left[c] = (unsigned char)(rs - 1);
		if (h->row == 0 && start < 32)
			h->head_span[start] = (unsigned char)cs;
	}
}

/* The text goes to a password column's cell of a row after the first: one
 * that spans a password column too. */
static bool in_pw_cell(const struct bg_eml_html *h)
{
	if (h->row <= 0 || h->col < 0 || h->col >= 32)
		return false;
	for (int c = h->col; c < 32 && c <= h->col_end; c++)
		if (h->pw_mask >> c & 1)
			return true;
	return false;
}

static void text_put(struct bg_eml_html *h, const char *s, size_t n)
{
	if (h->hide_depth) {
		if (memchr(s, '@', n))
			h->hid_at = true;
		return;
	}
	if (in_pw_cell(h)) {
		if (memchr(s, '@', n))
			h->pw_at = true;
		return;
	}
	/* the first row's cells, but not the mark an inline tag leaves (U+2063) */
	if (h->row == 0 && h->col >= 0 && h->col < 32 &&
	    !(n == 3 && memcmp(s, "\xe2\x81\xa3", 3) == 0)) {
		size_t room = sizeof(h->head[0]) - 1 - h->headlen[h->col];

		size_t m = n < room ? n : room;

		memcpy(h->head[h->col] + h->headlen[h->col], s, m);
		h->headlen[h->col] = (unsigned char)(h->headlen[h->col] + m);
	}
	if (h->textlen + n > h->textcap)
		return;
	memcpy(h->text + h->textlen, s, n);
	h->textlen += n;
}

int bg_eml_html_init(struct bg_eml_html *h, size_t cap)
{
	memset(h, 0, sizeof(*h));
	table_start(h);
	h->text = malloc(cap + 1);
	if (!h->text)
		return -ENOMEM;
	h->textcap = cap;
	return 0;
}

void bg_eml_html_free(struct bg_eml_html *h)
{
	free(h->text);
	h->text = NULL;
}

void bg_eml_html_reset(struct bg_eml_html *h)
{
	h->in_tag = h->in_comment = false;
	h->quote = 0;
	h->skip_until[0] = '\0';
	h->hide_depth = 0;
	h->hid_at = false;
	table_start(h);
	h->pw_at = false;
	h->link_open = h->link_diff = h->hold = false;
	h->held = 0;
}

/* A held link that never closes (past BG_EML_HTML_HOLD lines, over a line the
 * page breaks, at the input's end): its address is put where it opened and its
 * text read as it is, as a link open at its line's end was before the hold.
 * Compared, a sloppy page's "<a href=mailto:info@x>お問い合わせ" with no </a>
 * would blank the list below it. */
static void link_abandon(struct bg_eml_html *h)
{
	h->hold = false;
	if (!h->link_open)
		return;
	h->link_open = false;
	mailto_put(h, h->link, h->linklen);
}

void bg_eml_html_release(struct bg_eml_html *h)
{
	if (h->hold)
		link_abandon(h);
}

void bg_eml_html_line(struct bg_eml_html *h, const char *s, size_t n)
{
	size_t i = 0;

	if (h->hold) {
		/* the source line's end inside the link: a blank, as a browser
		 * shows it */
		h->hold = false;
		if (h->textlen < h->textcap)
			h->text[h->textlen++] = ' ';
	} else {
		h->textlen = 0;
		h->link_at = 0;
		h->held = 0;
	}
	/* A tag open over the line's end ("<a" then "href=..."): the line's
	 * end is a blank in it, or its name and first attribute run together. */
	if (h->in_tag && h->taglen > 0 && h->taglen < BG_EML_TAG_MAX)
		h->tag[h->taglen++] = ' ';
	while (i < n) {
		char c = s[i];

		if (h->in_comment) {
			if (c == '-' && i + 2 < n && s[i + 1] == '-' && s[i + 2] == '>') {
				h->in_comment = false;
				i += 3;
			} else {
				i++;
			}
			continue;
		}
		if (h->in_tag) {
			/* A quoted attribute value may hold '>' (title='a > b'); a quote
			 * opens one only right after '=' (an apostrophe elsewhere in a
			 * tag is a character, as a browser reads it). */
			if (h->quote) {
				if (c == h->quote)
					h->quote = 0;
			} else if ((c == '"' || c == '\'') && h->taglen > 0) {
				size_t j = h->taglen;

				while (j > 0 && (h->tag[j - 1] == ' ' || h->tag[j - 1] == '\t'))
					j--;
				if (j > 0 && h->tag[j - 1] == '=')
					h->quote = c;
			}
			if (c == '>' && !h->quote) {
				h->in_tag = false;
				h->tag[h->taglen] = '\0';
				/* "<td>a</td><td>b</td>" is two words; "<b>a</b>b" one, but
				 * after a letter or digit the boundary is marked with U+2063
				 * INVISIBLE SEPARATOR: inside a local part ("<b>Name</b>taro@")
				 * the tokeniser cannot tell a label from part of the address
				 * and counts the word invalid; anywhere else ("<b>kimura</b>@",
				 * "taro@<b>x</b>.jp") it is dropped and the word joins.  A
				 * <wbr> is inside a word by definition: no mark. */
				if (h->hide_depth) {
					hidden_tag(h);
					i++;
					continue;
				}
				if (line_tag(h->tag, h->taglen))
					text_put(h, "\n", 1);
				else if (!inline_tag(h->tag, h->taglen))
					text_put(h, " ", 1);
				else if (h->textlen > 0 &&
					 !bg_ascii_starts_ci(h->tag, h->taglen, "wbr") &&
					 bg_ascii_isalnum((unsigned char)h->text[h->textlen - 1]))
					text_put(h, "\xe2\x81\xa3", 3);
				html_tag(h);
			} else if (h->taglen < BG_EML_TAG_MAX) {
				h->tag[h->taglen++] = c == '\n' ? ' ' : c;
			}
			i++;
			continue;
		}
		if (h->skip_until[0]) {
			if (bg_ascii_starts_ci(s + i, n - i, h->skip_until))
				h->skip_until[0] = '\0';
			else {
				i++;
				continue;
			}
		}
		if (c == '<') {
			if (bg_ascii_starts_ci(s + i, n - i, "<!--")) {
				h->in_comment = true;
				i += 4;
				continue;
			}
			h->in_tag = true;
			h->quote = 0;
			h->taglen = 0;
			i++;
			continue;
		}
		if (c == '&') {
			char u[4];
			size_t ul, used = entity(s + i, n - i, true, u, &ul);

			if (used) {
				text_put(h, u, ul);
				i += used;
				continue;
			}
		}
		text_put(h, &c, 1);
		i++;
	}
	/* A link still open: its text goes on on the next source line, where
	 * </a> compares it (hold), while it holds no line the page breaks.  Past
	 * BG_EML_HTML_HOLD lines, half the buffer or such a break it never
	 * closes (link_abandon); open on its own line only, it reads as one
	 * without an address in its text, as before the hold. */
	if (h->link_open && h->held < BG_EML_HTML_HOLD && h->textlen < h->textcap / 2 &&
	    (h->link_at >= h->textlen ||
	     !memchr(h->text + h->link_at, '\n', h->textlen - h->link_at))) {
		h->hold = true;
		h->held++;
		return;
	}
	if (h->held)
		link_abandon(h);
	else
		link_end(h);
}
