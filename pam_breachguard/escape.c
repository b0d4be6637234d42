/* escape.c: one escaping helper for every output of untrusted text (issue 10
 * item 15): a name or a user name with an escape sequence, a newline and a
 * fake "user=root verdict=clear", or a bidi override must not reach a terminal
 * or a syslog line as it is. */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "store.h"
#include "unicode.h"

bool bg_unsafe_codepoint(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f;
}

uint32_t bg_utf8_cp(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0];
	if (n == 2)
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	if (n == 3)
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

char *bg_escape(const char *s, unsigned flags, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), o = 0;

	if (outlen == 0)
		return out;
	for (size_t i = 0; i < len;) {
		char esc[16];
		size_t n, elen;

		/* printable ASCII as it is: a syslog line is mostly that */
		if (p[i] >= 0x20 && p[i] < 0x7f &&
		    !((flags & BG_ESC_QUOTES) && (p[i] == '"' || p[i] == '\\'))) {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)p[i++];
			continue;
		}
		n = bg_utf8_seq(p + i, len - i);

		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			n = 1;
		} else {
			uint32_t cp = bg_utf8_cp(p + i, n);

			if (bg_unsafe_codepoint(cp)) {
				if (cp < 0x80)
					snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
				else
					snprintf(esc, sizeof(esc), "\\u{%04x}", (unsigned)cp);
			} else if ((flags & BG_ESC_QUOTES) && (cp == '"' || cp == '\\')) {
				snprintf(esc, sizeof(esc), "\\%c", (char)cp);
			} else {
				if (o + n >= outlen)
					break;
				memcpy(out + o, p + i, n);
				o += n;
				i += n;
				continue;
			}
		}
		elen = strlen(esc);
		if (o + elen >= outlen)
			break;
		memcpy(out + o, esc, elen);
		o += elen;
		i += n;
	}
	out[o] = '\0';
	return out;
}

const char *bg_name_problem(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len == 0)
		return "is empty";
	if (len >= BG_NAME_MAX)
		return "is longer than 127 bytes";
	for (size_t i = 0; i < len;) {
		size_t n = bg_utf8_seq(p + i, len - i);

		if (n == 0)
			return "is not valid UTF-8";
		if (bg_unsafe_codepoint(bg_utf8_cp(p + i, n)))
			return "holds a control or bidirectional-formatting character";
		i += n;
	}
	return NULL;
}
