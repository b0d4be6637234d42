/* read_text.c: the free-text reader.  A notice pasted from a mail or a web page
 * holds addresses among words, display names, mailto: links and punctuation; every
 * token with an '@' is a candidate and the sink's normaliser has the last word. */
#include "reader.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* How much of a rejected line goes to the sink as context. */
#define SHOWN_MAX 200

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* Length of a separator at s (0 if none): ASCII ones plus the invisible Unicode
 * spaces word processors and web pages put between addresses. */
/* Bytes that end a token on their own; 0xc2 and 0xe3 may start a wide space. */
static const unsigned char sep_byte[256] = {
	[' '] = 1, ['\t'] = 1, ['\f'] = 1, ['\v'] = 1, [','] = 1, [';'] = 1, ['<'] = 1,
	['>'] = 1, ['('] = 1, [')'] = 1, ['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1,
	['|'] = 1, ['"'] = 1, [0xc2] = 2, [0xe3] = 2,
};

static size_t sep_len(const char *s, size_t left)
{
	const unsigned char *p = (const unsigned char *)s;

	if (sep_byte[p[0]] != 2)
		return sep_byte[p[0]];
	if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0) /* no-break space */
		return 2;
	if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) /* ideographic space */
		return 3;
	return 0;
}

static bool edge_punct(char c, bool trailing)
{
	static const unsigned char lead[256] = {
		['('] = 1, ['['] = 1, ['<'] = 1, ['\''] = 1, ['"'] = 1, ['`'] = 1, ['{'] = 1,
	};
	static const unsigned char trail[256] = {
		['.'] = 1, [','] = 1, [';'] = 1, [':'] = 1, [')'] = 1, [']'] = 1, ['>'] = 1,
		['\''] = 1, ['"'] = 1, ['!'] = 1, ['?'] = 1, ['`'] = 1, ['}'] = 1,
	};

	return (trailing ? trail : lead)[(unsigned char)c] != 0;
}

/* A "display name" followed by <...>: its contents are a name, never an address
 * to import, even if the name quotes one.  Returns the index past the closing
 * quote, or 0 when the quote does not open a display name. */
static size_t skip_display_name(const char *s, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && s[j] != '"')
		j++;
	if (j >= n)
		return 0;
	j++;
	while (j < n && is_space((unsigned char)s[j]))
		j++;
	return j < n && s[j] == '<' ? j : 0;
}

/* Hands one token to the sink after cleaning its edges; returns 1 if it was a
 * candidate, 0 if not, or the sink's negative errno. */
static int emit_token(const char *t, size_t len, unsigned long line, struct bg_sink *sink)
{
	const char *at, *colon;
	size_t i;
	int r;

	while (len > 0 && edge_punct(t[0], false)) {
		t++;
		len--;
	}
	while (len > 0 && edge_punct(t[len - 1], true))
		len--;
	if (len >= 7 && (t[0] == 'm' || t[0] == 'M') && strncasecmp(t, "mailto:", 7) == 0) {
		t += 7;
		len -= 7;
		/* A link's query (?subject=...) is not part of the address. */
		for (i = 0; i < len; i++) {
			if (t[i] == '?')
				break;
		}
		len = i;
	}
	at = memchr(t, '@', len);
	if (!at)
		return 0;
	/* "Contact:jane@..." and the like: an unquoted local part holds no ':'. */
	colon = memrchr(t, ':', (size_t)(at - t));
	if (colon) {
		len -= (size_t)(colon + 1 - t);
		t = colon + 1;
	}
	while (len > 0 && edge_punct(t[0], false)) {
		t++;
		len--;
	}
	if (len == 0 || !memchr(t, '@', len))
		return 0;
	r = sink->address(sink, t, len, line);
	return r < 0 ? r : 1;
}

/* The line up to a trailing " # comment". */
static size_t strip_comment(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		if (s[i] == '#' && is_space((unsigned char)s[i - 1]))
			return i;
	}
	return n;
}

static int text_line(const char *s, size_t n, unsigned flags, unsigned long line,
		     struct bg_sink *sink)
{
	size_t i = 0, start, k, shown = n < SHOWN_MAX ? n : SHOWN_MAX;
	int found = 0, r;

	while (i < n && is_space((unsigned char)s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	sink->record(sink);
	if (flags & BG_LINE_TOO_LONG) {
		sink->invalid(sink, line, "line too long", s, shown);
		return 0;
	}
	if (flags & BG_LINE_HAS_NUL) {
		sink->invalid(sink, line, "NUL byte in the line", s, shown);
		return 0;
	}
	if (flags & BG_LINE_BAD_UTF8) {
		sink->invalid(sink, line, "invalid UTF-8", s, shown);
		return 0;
	}
	n = strip_comment(s, n);
	if (!memchr(s, '@', n)) {
		sink->invalid(sink, line, "no address on the line", s, shown);
		return 0;
	}
	while (i < n) {
		if (s[i] == '"' && (k = skip_display_name(s, n, i)) != 0) {
			i = k;
			continue;
		}
		k = sep_len(s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		start = i;
		/* Plain bytes first, without a call each: most of a token is these. */
		while (i < n && (!sep_byte[(unsigned char)s[i]] ||
				 (sep_byte[(unsigned char)s[i]] == 2 && sep_len(s + i, n - i) == 0)))
			i++;
		r = emit_token(s + start, i - start, line, sink);
		if (r < 0)
			return r;
		found += r;
	}
	if (!found)
		sink->invalid(sink, line, "no address on the line", s, shown);
	return 0;
}

static int text_read(struct bg_input *in, const struct bg_read_opts *o, struct bg_sink *sink,
		     char *err, size_t errlen)
{
	const char *s;
	size_t n;
	unsigned flags;
	int r;

	(void)o;
	bg_input_skip_blank(in); /* empty lines are nothing here: the input skips them fast */
	for (;;) {
		r = bg_input_getline(in, &s, &n, &flags, err, errlen);
		if (r <= 0)
			break;
		r = text_line(s, n, flags, bg_input_lineno(in), sink);
		if (r < 0) {
			snprintf(err, errlen, "%s, line %lu: import stopped", bg_input_name(in),
				 bg_input_lineno(in));
			break;
		}
	}
	return r < 0 ? r : 0;
}

static bool has_suffix(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && strcasecmp(path + n - m, suffix) == 0;
}

/* Moderate on purpose: text reads anything, so a format with structure that
 * fits should win over it. */
static int text_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0, lines = 0, with_at = 0, e;
	const char *nl;
	int score;

	while (i < len && lines < 200) {
		nl = memchr(head + i, '\n', len - i);
		e = nl ? (size_t)(nl - head) : len;
		while (i < e && isspace((unsigned char)head[i]))
			i++;
		if (i < e && head[i] != '#') {
			lines++;
			if (memchr(head + i, '@', e - i))
				with_at++;
		}
		i = e + 1;
	}
	score = with_at ? 30 + (int)(20 * with_at / lines) : 5;
	/* A .txt name is a strong hint, but a consistent multi-column table (CSV's
	 * 90) still wins: spreadsheets export tab-separated text as .txt. */
	if (has_suffix(path, ".txt") || has_suffix(path, ".txt.gz") || has_suffix(path, ".lst"))
		score += 25;
	return score;
}

const struct bg_reader bg_reader_text = {
    .name = "text",
    .probe = text_probe,
    .read = text_read,
};
