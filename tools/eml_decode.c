/* eml_decode.c: transfer and charset decoding for the e-mail reader (see
 * eml_decode.h): base64, quoted-printable, RFC 2047 and 2231 values, and a
 * part's charset to UTF-8 through iconv. */
#include "eml_decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ascii.h"
#include "encoding.h"
#include "unicode.h"

/* An attachment's name, the largest value decoded here. */
#define BG_EML_WORDS_MAX 256

int bg_eml_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t bg_eml_b64_line(struct bg_eml_b64 *b, const char *s, size_t n, char *out, bool *bad)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (c == '=') {
			/* Padding ends a quantum; some encoders glue pieces together. */
			if (b->n == 2)
				out[o++] = (char)(b->acc >> 4);
			else if (b->n == 3) {
				out[o++] = (char)(b->acc >> 10);
				out[o++] = (char)(b->acc >> 2);
			}
			b->n = 0;
			b->acc = 0;
			continue;
		}
		v = bg_eml_b64_value(c);
		if (v < 0) {
			*bad = true;
			continue;
		}
		b->acc = (b->acc << 6) | (unsigned)v;
		if (++b->n == 4) {
			out[o++] = (char)(b->acc >> 16);
			out[o++] = (char)(b->acc >> 8);
			out[o++] = (char)b->acc;
			b->n = 0;
			b->acc = 0;
		}
	}
	return o;
}

size_t bg_eml_qp_line(const char *s, size_t n, char *out)
{
	size_t o = 0;
	bool soft = false;

	/* Trailing white space is transport padding (RFC 2045 6.7 rule 3). */
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			out[o++] = s[i];
		} else if (i + 1 == n) {
			soft = true;
		} else if (i + 2 < n && bg_ascii_hexval(s[i + 1]) >= 0 &&
			   bg_ascii_hexval(s[i + 2]) >= 0) {
			out[o++] =
			    (char)(bg_ascii_hexval(s[i + 1]) * 16 + bg_ascii_hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = '='; /* not an escape: keep it as written */
		}
	}
	if (!soft)
		out[o++] = '\n';
	return o;
}

size_t bg_eml_pct_decode(char *v, size_t n, bool first)
{
	size_t o = 0, i = 0;

	if (first) {
		const char *q = memchr(v, '\'', n);
		const char *q2 = q ? memchr(q + 1, '\'', n - (size_t)(q + 1 - v)) : NULL;

		if (q2)
			i = (size_t)(q2 + 1 - v);
	}
	for (; i < n; i++) {
		if (v[i] == '%' && i + 2 < n && bg_ascii_hexval(v[i + 1]) >= 0 &&
		    bg_ascii_hexval(v[i + 2]) >= 0) {
			v[o++] = (char)(bg_ascii_hexval(v[i + 1]) * 16 + bg_ascii_hexval(v[i + 2]));
			i += 2;
		} else {
			v[o++] = v[i];
		}
	}
	return o;
}

bool bg_eml_to_utf8(const char *cs, const char *s, size_t n, char *out, size_t outlen)
{
	struct bg_conv *cd;
	char *ip = (char *)s, *op = out;
	size_t il = n, ol = outlen - 1;
	bool ok;

	if (!cs[0] || bg_encoding_is_utf8(cs)) {
		if (n >= outlen || !bg_utf8_valid(s, n))
			return false;
		memcpy(out, s, n);
		out[n] = '\0';
		return true;
	}
	cd = bg_conv_open(strcasecmp(cs, "shift_jis") == 0 ? "CP932" : cs);
	if (!cd)
		return false;
	ok = bg_conv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0 &&
	     bg_conv(cd, NULL, NULL, &op, &ol) != (size_t)-1;
	bg_conv_close(cd);
	if (ok)
		*op = '\0';
	return ok;
}

void bg_eml_decode_words(char *v, size_t cap)
{
	char out[BG_EML_WORDS_MAX], bytes[sizeof(out)];
	size_t o = 0, i = 0, n = strlen(v);
	bool last_word = false;

	while (i < n && o + 1 < sizeof(out)) {
		const char *cs, *q1, *q2, *end;
		char charset[64], conv[sizeof(out)];
		size_t bn = 0, k, cl;

		if (v[i] != '=' || i + 1 >= n || v[i + 1] != '?')
			goto plain;
		cs = v + i + 2;
		q1 = memchr(cs, '?', (size_t)(v + n - cs));
		if (!q1 || q1 + 2 >= v + n || q1[2] != '?')
			goto plain;
		q2 = q1 + 3;
		end = strstr(q2, "?=");
		cl = (size_t)(q1 - cs);
		if (!end || cl == 0 || cl >= sizeof(charset))
			goto plain;
		memcpy(charset, cs, cl);
		charset[cl] = '\0';
		if (strchr(charset, '*'))
			*strchr(charset, '*') = '\0'; /* RFC 2231 language tag */
		if (q1[1] == 'B' || q1[1] == 'b') {
			unsigned acc = 0, nb = 0;

			for (const char *p = q2; p < end && bn + 3 < sizeof(bytes); p++) {
				int val = bg_eml_b64_value((unsigned char)*p);

				if (val < 0)
					continue;
				acc = (acc << 6) | (unsigned)val;
				if (++nb == 4) {
					bytes[bn++] = (char)(acc >> 16);
					bytes[bn++] = (char)(acc >> 8);
					bytes[bn++] = (char)acc;
					nb = 0;
					acc = 0;
				}
			}
			if (nb == 2)
				bytes[bn++] = (char)(acc >> 4);
			else if (nb == 3) {
				bytes[bn++] = (char)(acc >> 10);
				bytes[bn++] = (char)(acc >> 2);
			}
		} else if (q1[1] == 'Q' || q1[1] == 'q') {
			for (const char *p = q2; p < end && bn + 1 < sizeof(bytes); p++) {
				if (*p == '_')
					bytes[bn++] = ' ';
				else if (*p == '=' && p + 2 < end && bg_ascii_hexval(p[1]) >= 0 &&
					 bg_ascii_hexval(p[2]) >= 0) {
					bytes[bn++] = (char)(bg_ascii_hexval(p[1]) * 16 +
							     bg_ascii_hexval(p[2]));
					p += 2;
				} else
					bytes[bn++] = *p;
			}
		} else {
			goto plain;
		}
		if (!bg_eml_to_utf8(charset, bytes, bn, conv, sizeof(conv)))
			goto plain;
		/* white space between two encoded words is not part of the text */
		while (last_word && o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
		k = strlen(conv);
		if (o + k + 1 > sizeof(out))
			break;
		memcpy(out + o, conv, k);
		o += k;
		i = (size_t)(end + 2 - v);
		last_word = true;
		continue;
	plain:
		if (v[i] != ' ' && v[i] != '\t')
			last_word = false;
		out[o++] = v[i++];
	}
	out[o] = '\0';
	snprintf(v, cap, "%s", out);
}

bool bg_eml_charset_open(struct bg_eml_charset *c, const char *label)
{
	const char *cs = label;
	char canon[BG_ENC_NAME_MAX];

	memset(c, 0, sizeof(*c));
	if (!cs[0] || strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0 ||
	    strcmp(cs, "us-ascii") == 0 || strcmp(cs, "ascii") == 0)
		return true;
	/* Labels as mailers write them: shift_jis is really CP932 (Windows). */
	if (bg_encoding_canonical(cs, canon, sizeof(canon)) == 0)
		cs = canon;
	/* Mail labelled Latin-1 is in practice Windows-1252 (the WHATWG rule). */
	if (strcmp(cs, "iso-8859-1") == 0 || strcmp(cs, "latin1") == 0 ||
	    strcmp(cs, "iso8859-1") == 0)
		cs = "windows-1252";
	c->cd = bg_conv_open(cs);
	if (!c->cd)
		return false;
	c->convert = true;
	c->unit = strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "ucs-2", 5) == 0	  ? 2
		  : strncasecmp(cs, "utf-32", 6) == 0 || strncasecmp(cs, "ucs-4", 5) == 0 ? 4
											  : 1;
	return true;
}

/* Converts what waits in pend; a character cut at the end of it stays there.
 * false once a callback asked to stop. */
static bool convert_pend(struct bg_eml_charset *c, const struct bg_eml_sink *k)
{
	char out[1024];
	char *ip = c->pend;
	size_t il = c->npend;
	bool go = true;

	while (il && go) {
		char *op = out;
		size_t ol = sizeof(out), r;
		int e;

		r = bg_conv(c->cd, &ip, &il, &op, &ol);
		e = errno;
		go = k->out(k->arg, out, (size_t)(op - out));
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && il < sizeof(c->pend))
			break;
		/* EILSEQ, or an "incomplete" character as long as pend: skip a byte */
		go = k->bad(k->arg);
		e = il < c->unit ? (int)il : (int)c->unit;
		ip += e;
		il -= (size_t)e;
	}
	memmove(c->pend, ip, il);
	c->npend = il;
	return go;
}

void bg_eml_charset_put(struct bg_eml_charset *c, const char *s, size_t n,
			const struct bg_eml_sink *k)
{
	bool go = true;

	while (n && go) {
		size_t take = sizeof(c->pend) - c->npend;

		if (take > n)
			take = n;
		memcpy(c->pend + c->npend, s, take);
		c->npend += take;
		s += take;
		n -= take;
		go = convert_pend(c, k);
	}
}

void bg_eml_charset_end(struct bg_eml_charset *c, const struct bg_eml_sink *k)
{
	char out[64], *op = out;
	size_t ol = sizeof(out);

	if (!c->convert)
		return;
	if (c->npend) {
		c->npend = 0;
		k->bad(k->arg);
	}
	/* stateful charsets (ISO-2022-JP) may owe a shift back */
	if (bg_conv(c->cd, NULL, NULL, &op, &ol) != (size_t)-1)
		k->out(k->arg, out, (size_t)(op - out));
}

void bg_eml_charset_close(struct bg_eml_charset *c)
{
	if (c->convert)
		bg_conv_close(c->cd);
	c->convert = false;
	c->npend = 0;
}
