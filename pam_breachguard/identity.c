/* identity.c: what an address is, once normalised, and which identities an
 * account has.  The same normaliser serves advisories and accounts, so a list
 * entry and an account meet on exactly one spelling. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "safeopen.h"
#include "unicode.h"

#define BG_ALIASES_MAX_SIZE (64 * 1024 * 1024)
#define LOCAL_MAX 64
#define DOMAIN_MAX 253

void bg_norm_opts_from_config(struct bg_norm_opts *o, const struct bg_config *c)
{
	o->fold_case = c->fold_case;
	memcpy(o->subaddress, c->subaddress, sizeof(o->subaddress));
}

size_t bg_norm_encode(const struct bg_norm_opts *o, unsigned char out[BG_NORM_ENC_MAX])
{
	size_t n = 1, len = strnlen(o->subaddress, sizeof(o->subaddress));

	out[0] = o->fold_case ? 1 : 0;
	/* Byte values in ascending order, each once: a set, written one way (an
	 * insertion into at most 7: this runs in every check, twice). */
	for (size_t i = 0; i < len && n < BG_NORM_ENC_MAX; i++) {
		unsigned char c = (unsigned char)o->subaddress[i];
		size_t j = n;

		while (j > 1 && out[j - 1] > c)
			j--;
		if (j > 1 && out[j - 1] == c)
			continue;
		memmove(out + j + 1, out + j, n - j);
		out[j] = c;
		n++;
	}
	return n;
}

int bg_norm_decode(const void *p, size_t n, struct bg_norm_opts *o)
{
	const unsigned char *b = p;
	unsigned char again[BG_NORM_ENC_MAX];

	if (n < 1 || n > BG_NORM_ENC_MAX || b[0] > 1)
		return -EBADMSG;
	memset(o, 0, sizeof(*o));
	o->fold_case = b[0] == 1;
	if (n - 1 >= sizeof(o->subaddress))
		return -EBADMSG;
	memcpy(o->subaddress, b + 1, n - 1);
	/* Only the one encoding of a set: ascending, no NUL, no repeat. */
	return bg_norm_encode(o, again) == n && memcmp(again, b, n) == 0 ? 0 : -EBADMSG;
}

bool bg_norm_same(const struct bg_norm_opts *a, const struct bg_norm_opts *b)
{
	unsigned char ea[BG_NORM_ENC_MAX], eb[BG_NORM_ENC_MAX];
	size_t na = bg_norm_encode(a, ea), nb = bg_norm_encode(b, eb);

	return na == nb && memcmp(ea, eb, na) == 0;
}

void bg_norm_describe(const struct bg_norm_opts *o, char *out, size_t len)
{
	unsigned char e[BG_NORM_ENC_MAX];
	char seps[4 * BG_NORM_ENC_MAX + 1] = "none";
	size_t n = bg_norm_encode(o, e), w = 0;

	/* Printable ASCII as it is, any other byte as \xNN: this goes to syslog. */
	for (size_t i = 1; i < n; i++) {
		if (e[i] > 0x20 && e[i] < 0x7f) {
			seps[w++] = (char)e[i];
			seps[w] = '\0';
		} else {
			w += (size_t)snprintf(seps + w, sizeof(seps) - w, "\\x%02x", e[i]);
		}
	}
	snprintf(out, len, "fold_case = %s, subaddress = %s", e[0] ? "yes" : "no", seps);
}

const char *bg_norm_strerror(int err)
{
	switch (err) {
	case BG_NORM_EMPTY:
		return "empty";
	case BG_NORM_NO_AT:
		return "no @ in the address";
	case BG_NORM_BAD_LOCAL:
		return "invalid local part";
	case BG_NORM_BAD_DOMAIN:
		return "invalid domain";
	case BG_NORM_TOO_LONG:
		return "address too long";
	case BG_NORM_BAD_UTF8:
		return "invalid UTF-8";
	case BG_NORM_NOMEM:
		return "out of memory";
	case BG_NORM_NO_UNICODE:
		return "non-ASCII address, and libidn2/libunistring cannot be loaded";
	case BG_NORM_ONE_LABEL:
		return "the domain has a single label: a fragment (a wrapped or cut address) or a "
		       "bare host name";
	case BG_NORM_BAD_TLD:
		return "the domain does not end in a real top-level label (letters only, at "
		       "least two, or an IDNA A-label of letters)";
	case BG_NORM_LOCAL_PUNCT:
		return "the local part holds punctuation or a symbol (a quote, CJK punctuation) "
		       "glued to the address";
	case BG_NORM_DOMAIN_PUNCT:
		return "the domain holds punctuation or a symbol (a quote, CJK punctuation) glued "
		       "to the address";
	case BG_NORM_IDNA:
		return "the domain is not a valid internationalised domain name (IDNA)";
	}
	return "invalid address";
}

/* ASCII rules only: the caller's locale (su runs us under tr_TR.UTF-8, where
 * tolower('I') is not 'i') must never change an identity. */
static bool a_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool a_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool a_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char a_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static bool a_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	if (n < l)
		return false;
	for (size_t i = 0; i < l; i++)
		if (a_lower(s[i]) != lit[i])
			return false;
	return true;
}

static bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Narrows [*s, *s + *n) to the address inside a display-name form or a mailto: link. */
static void strip_wrapping(const char **s, size_t *n)
{
	const char *p = *s, *lt, *gt;
	size_t len = *n;

	while (len && a_space((unsigned char)*p))
		p++, len--;
	while (len && a_space((unsigned char)p[len - 1]))
		len--;
	/* "Name" <addr>: the last <...> pair holds the address. */
	gt = len ? memrchr(p, '>', len) : NULL;
	if (gt) {
		lt = memrchr(p, '<', (size_t)(gt - p));
		if (lt) {
			p = lt + 1;
			len = (size_t)(gt - lt - 1);
		}
	}
	while (len && a_space((unsigned char)*p))
		p++, len--;
	while (len && a_space((unsigned char)p[len - 1]))
		len--;
	if (a_prefix_ci(p, len, "mailto:")) {
		const char *q;

		p += 7;
		len -= 7;
		q = memchr(p, '?', len); /* mailto:a@b?subject=... */
		if (q)
			len = (size_t)(q - p);
	}
	/* One trailing dot: the absolute form of the domain names the same host. */
	if (len && p[len - 1] == '.')
		len--;
	*s = p;
	*n = len;
}

/* RFC 5322 atext, '.' and '"' (quoted local parts); bytes >= 0x80 are UTF-8,
 * checked as a whole.  A table: this runs for every byte of every address. */
static bool local_char_ok(unsigned char c)
{
	static const char ok[256] = {
	    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	    ['-'] = 1, ['/'] = 1, ['='] = 1, ['?'] = 1, ['^'] = 1, ['_'] = 1,  ['`'] = 1, ['{'] = 1,
	    ['|'] = 1, ['}'] = 1, ['~'] = 1, ['.'] = 1, ['"'] = 1, ['0'] = 1,  ['1'] = 1, ['2'] = 1,
	    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,  ['9'] = 1,
	};

	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || ok[c];
}

static int domain_ascii_ok(const char *d, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > DOMAIN_MAX)
		return BG_NORM_BAD_DOMAIN;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0)
				return BG_NORM_BAD_DOMAIN;
			label = 0;
			continue;
		}
		if (!a_alnum(c) && c != '-' && c != '_')
			return BG_NORM_BAD_DOMAIN;
		if (++label > 63)
			return BG_NORM_BAD_DOMAIN;
	}
	return label == 0 ? BG_NORM_BAD_DOMAIN : 0;
}

/* Decodes one UTF-8 code point (the text is valid UTF-8). */
static unsigned utf8_cp(const char *s, size_t n, size_t *k)
{
	const unsigned char *p = (const unsigned char *)s;

	*k = bg_utf8_seq(p, n);
	if (*k <= 1) {
		*k = 1;
		return p[0];
	}
	if (*k == 2)
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	if (*k == 3)
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) | ((p[2] & 0x3fu) << 6) |
	       (p[3] & 0x3fu);
}

/* The checks on a normalised ASCII domain: two labels or more, and a top-level
 * label of letters (an A-label is checked by the caller in Unicode). */
static int domain_plausible(const char *d, size_t n, bool *tld_ace)
{
	const char *dot = memrchr(d, '.', n);
	const char *tld;
	size_t tl;

	*tld_ace = false;
	if (!dot)
		return BG_NORM_ONE_LABEL;
	tld = dot + 1;
	tl = (size_t)(d + n - tld);
	if (tl >= 4 && a_prefix_ci(tld, tl, "xn--")) {
		*tld_ace = true;
		return 0;
	}
	if (tl < 2)
		return BG_NORM_BAD_TLD;
	for (size_t i = 0; i < tl; i++)
		if (!a_alpha((unsigned char)tld[i]))
			return BG_NORM_BAD_TLD;
	return 0;
}

/* An ASCII domain with an A-label in it ("xn--"): it goes through IDNA too. */
static bool has_ace(const char *d, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || d[i - 1] == '.') && a_prefix_ci(d + i, n - i, "xn--"))
			return true;
	return false;
}

/* A negative errno of bg_unicode_nfkc or bg_unicode_local as a BG_NORM_ code. */
static int text_error(int r)
{
	return r == -ENOMEM ? BG_NORM_NOMEM : r == -ENOSPC ? BG_NORM_TOO_LONG : BG_NORM_BAD_UTF8;
}

/* A negative errno of bg_unicode_domain or bg_unicode_to_unicode. */
static int idna_error(int r)
{
	return r == -ENOMEM ? BG_NORM_NOMEM : BG_NORM_IDNA;
}

/* The Unicode half: NFKC, every character a letter, mark or digit (or ASCII
 * LDH), IDNA, and an A-label top level of letters of one other script. */
static int norm_domain_unicode(struct bg_unicode **up, const char *d, size_t n, char *out,
			       size_t outlen)
{
	char work[DOMAIN_MAX * 4 + 1], tmp[DOMAIN_MAX * 4 + 1];
	struct bg_unicode *u;
	const char *tld;
	size_t len, k, tcount = 0;
	bool ace;
	int rc;

	if (!*up && bg_unicode_open(up) != 0)
		return BG_NORM_NO_UNICODE;
	u = *up;
	if (is_ascii(d, n)) {
		memcpy(tmp, d, n);
		tmp[n] = '\0';
		rc = bg_unicode_to_unicode(u, tmp, work, sizeof(work));
		if (rc < 0) {
			rc = idna_error(rc);
			goto out;
		}
	} else {
		rc = bg_unicode_nfkc(u, d, n, work, sizeof(work));
		if (rc < 0) {
			rc = text_error(rc);
			goto out;
		}
	}
	len = (size_t)rc;
	/* A trailing dot after NFKC (U+FF0E): the absolute form. */
	if (len && work[len - 1] == '.')
		work[--len] = '\0';
	for (size_t i = 0; i < len; i += k) {
		unsigned cp = utf8_cp(work + i, len - i, &k);

		if (cp < 0x80 ? !(a_alnum((unsigned char)cp) || cp == '-' || cp == '_' || cp == '.')
			      : !bg_unicode_is_letter(u, cp)) {
			rc = BG_NORM_DOMAIN_PUNCT;
			goto out;
		}
	}
	/* IDNA2008 with NFC first, so a Unicode domain and its punycode meet. */
	rc = bg_unicode_domain(u, work, len, tmp, sizeof(tmp));
	if (rc < 0) {
		rc = idna_error(rc);
		goto out;
	}
	if (domain_ascii_ok(tmp, (size_t)rc) != 0 || (size_t)rc >= outlen) {
		rc = BG_NORM_BAD_DOMAIN;
		goto out;
	}
	if ((rc = domain_plausible(tmp, strlen(tmp), &ace)) != 0)
		goto out;
	if (ace) {
		/* The Unicode form of the top level, decoded from what is stored (so
		 * that normalising the result again agrees): letters of a script
		 * other than ASCII only, a letter first ("jp様" or "com”" are glued
		 * text, never a TLD). */
		rc = bg_unicode_to_unicode(u, tmp, work, sizeof(work));
		if (rc < 0) {
			rc = idna_error(rc);
			goto out;
		}
		len = (size_t)rc;
		tld = memrchr(work, '.', len);
		tld = tld ? tld + 1 : work;
		for (const char *q = tld; q < work + len; q += k, tcount++) {
			unsigned cp = utf8_cp(q, (size_t)(work + len - q), &k);

			if (cp < 0x80 || !bg_unicode_is_letter(u, cp) ||
			    (tcount == 0 && !bg_unicode_is_base_letter(u, cp))) {
				rc = BG_NORM_BAD_TLD;
				goto out;
			}
		}
		if (tcount < 2) {
			rc = BG_NORM_BAD_TLD;
			goto out;
		}
	}
	len = strlen(tmp);
	memcpy(out, tmp, len + 1);
	rc = (int)len;
out:
	return rc;
}

/* Writes the normalised domain into out; returns its length or an error. */
static int norm_domain(struct bg_unicode **up, const char *d, size_t n, char *out, size_t outlen)
{
	bool ace;
	int rc;

	if (n == 0 || n >= DOMAIN_MAX * 4)
		return n == 0 ? BG_NORM_BAD_DOMAIN : BG_NORM_TOO_LONG;
	if (!is_ascii(d, n) || has_ace(d, n))
		return norm_domain_unicode(up, d, n, out, outlen);
	/* The fast path: plain ASCII, no IDNA. */
	if ((rc = domain_ascii_ok(d, n)) != 0)
		return rc;
	if (n >= outlen)
		return BG_NORM_TOO_LONG;
	if ((rc = domain_plausible(d, n, &ace)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		out[i] = a_lower(d[i]);
	out[n] = '\0';
	return (int)n;
}

/* Writes the normalised local part; returns its length or an error. */
static int norm_local(struct bg_unicode **up, const char *l, size_t n, const struct bg_norm_opts *o,
		      char *out, size_t outlen)
{
	size_t cut = n;

	if (n == 0)
		return BG_NORM_BAD_LOCAL;
	for (size_t i = 0; i < n; i++)
		if (!local_char_ok((unsigned char)l[i]))
			return BG_NORM_BAD_LOCAL;
	if (o->subaddress[0]) {
		for (size_t i = 1; i < n; i++) { /* a leading separator is not a tag */
			if (strchr(o->subaddress, l[i])) {
				cut = i;
				break;
			}
		}
	}
	n = cut;
	if (is_ascii(l, n)) {
		if (n > LOCAL_MAX || n >= outlen)
			return BG_NORM_TOO_LONG;
		for (size_t i = 0; i < n; i++)
			out[i] = o->fold_case ? a_lower(l[i]) : l[i];
		out[n] = '\0';
		return (int)n;
	}
	{
		char buf[LOCAL_MAX * 4 * 2];
		struct bg_unicode *u;
		int r;

		if (!*up && bg_unicode_open(up) != 0)
			return BG_NORM_NO_UNICODE;
		u = *up;
		r = bg_unicode_local(u, l, n, o->fold_case, buf, sizeof(buf));
		if (r < 0)
			return text_error(r);
		/* The limit applies to the result, so that normalising twice agrees: an
		 * all-ASCII result (casefold turns "ß" into "ss") has the ASCII limit. */
		if ((size_t)r >= outlen ||
		    (size_t)r > (is_ascii(buf, (size_t)r) ? LOCAL_MAX : LOCAL_MAX * 4))
			return BG_NORM_TOO_LONG;
		/* NFKC can yield ASCII the input did not have (U+037E becomes ';'):
		 * the result must pass the same check as any local part; every other
		 * character must be a letter, mark or digit of its script. */
		for (int i = 0; i < r; i++)
			if (!local_char_ok((unsigned char)buf[i]))
				return BG_NORM_BAD_LOCAL;
		{
			char again[sizeof(buf)];
			size_t k;
			int r2 = 0;

			for (size_t i = 0; i < (size_t)r && r2 == 0; i += k) {
				unsigned cp = utf8_cp(buf + i, (size_t)r - i, &k);

				if (cp >= 0x80 && !bg_unicode_is_letter(u, cp))
					r2 = BG_NORM_LOCAL_PUNCT;
			}
			/* Folding and NFKC do not always commute: the result must be
			 * its own normal form, or normalising twice would disagree. */
			if (r2 == 0) {
				r2 = bg_unicode_local(u, buf, (size_t)r, o->fold_case, again,
						      sizeof(again));
				r2 = r2 == r && memcmp(again, buf, (size_t)r) == 0
					 ? 0
					 : BG_NORM_BAD_LOCAL;
			}
			if (r2)
				return r2;
		}
		memcpy(out, buf, (size_t)r + 1);
		return r;
	}
}

/* The ASCII fast path's byte classes: FC_LOCAL, what local_char_ok accepts
 * below 0x80 but '"'; FC_DOMAIN, what domain_ascii_ok accepts and '.'; FC_LDH,
 * the same but '.': a label's bytes.
 * Anything else (spaces, '<', ':', '"', '@' twice, bytes >= 0x80, NUL) sends
 * the address to the general path. */
enum { FC_LOCAL = 1, FC_DOMAIN = 2, FC_ALPHA = 4, FC_LDH = 8 };

static const unsigned char fast_cls[256] = {
    ['a' ... 'z'] = FC_LOCAL | FC_DOMAIN | FC_ALPHA | FC_LDH,
    ['A' ... 'Z'] = FC_LOCAL | FC_DOMAIN | FC_ALPHA | FC_LDH,
    ['0' ... '9'] = FC_LOCAL | FC_DOMAIN | FC_LDH,
    ['-'] = FC_LOCAL | FC_DOMAIN | FC_LDH,
    ['_'] = FC_LOCAL | FC_DOMAIN | FC_LDH,
    ['.'] = FC_LOCAL | FC_DOMAIN,
    ['!'] = FC_LOCAL,
    ['#'] = FC_LOCAL,
    ['$'] = FC_LOCAL,
    ['%'] = FC_LOCAL,
    ['&'] = FC_LOCAL,
    ['\''] = FC_LOCAL,
    ['*'] = FC_LOCAL,
    ['+'] = FC_LOCAL,
    ['/'] = FC_LOCAL,
    ['='] = FC_LOCAL,
    ['?'] = FC_LOCAL,
    ['^'] = FC_LOCAL,
    ['`'] = FC_LOCAL,
    ['{'] = FC_LOCAL,
    ['|'] = FC_LOCAL,
    ['}'] = FC_LOCAL,
    ['~'] = FC_LOCAL,
};

#define FAST_NO 1 /* not for the fast path: the general one decides */

/* The common case: an ASCII address without blanks, wrapping or trailing dot,
 * one '@', a local part of atext, a domain of LDH labels (none an A-label)
 * ending in a top-level label of two letters or more, within the limits.
 * Gives exactly what the general path gives for it (each check below is the
 * general path's, restricted to such input: strip_wrapping changes nothing,
 * there is no compatibility form, norm_domain takes its ASCII branch);
 * anything else, every error included, returns FAST_NO.  Every failure is the
 * same answer, so the checks go in the order that costs least: a scan of the
 * local part, a memchr for each sub-address separator, one pass over the
 * domain (bytes per address went from ~40 instructions to ~10). */
static int norm_fast(const char *in, size_t len, const struct bg_norm_opts *o, char *out,
		     size_t outlen)
{
	const unsigned char *p = (const unsigned char *)in, *q;
	size_t at = 0, l, dlen, label, tld = 0;
	char *w;

	if (len > 4 * BG_ID_MAX || outlen < 4)
		return FAST_NO;
	/* The local part: atext up to the first '@' (not atext itself). */
	while (at < len && (fast_cls[p[at]] & FC_LOCAL))
		at++;
	if (at == 0 || at >= len || p[at] != '@')
		return FAST_NO;
	/* A tag starts at the first separator after the first character. */
	l = at;
	for (size_t k = 0; k < sizeof(o->subaddress) && o->subaddress[k] && l > 1; k++) {
		const unsigned char *t = memchr(p + 1, o->subaddress[k], l - 1);

		if (t)
			l = (size_t)(t - p);
	}
	if (l > LOCAL_MAX || l + 2 >= outlen)
		return FAST_NO;
	if (o->fold_case)
		for (size_t i = 0; i < l; i++)
			out[i] = a_lower((char)p[i]);
	else
		memcpy(out, p, l);
	out[l] = '@';
	/* The domain: LDH labels, lower-cased as they are copied. */
	q = p + at + 1;
	dlen = len - at - 1;
	if (dlen > DOMAIN_MAX || l + dlen + 2 > outlen)
		return FAST_NO;
	w = out + l + 1;
	for (size_t k = 0;;) {
		size_t from = k;

		/* A label, lower-cased as it is copied; an A-label goes through IDNA. */
		if (k + 4 <= dlen && (q[k] | 0x20) == 'x' && (q[k + 1] | 0x20) == 'n' &&
		    q[k + 2] == '-' && q[k + 3] == '-')
			return FAST_NO;
		while (k < dlen && (fast_cls[q[k]] & FC_LDH)) {
			w[k] = a_lower((char)q[k]);
			k++;
		}
		label = k - from;
		if (label == 0 || label > 63)
			return FAST_NO;
		if (k == dlen)
			break;
		if (q[k] != '.')
			return FAST_NO;
		w[k++] = '.';
		tld = k; /* a trailing dot: an empty label, next turn */
	}
	/* Two labels or more, the last of letters, two or more. */
	if (label < 2 || tld == 0)
		return FAST_NO;
	for (size_t k = tld; k < dlen; k++)
		if (!(fast_cls[q[k]] & FC_ALPHA))
			return FAST_NO;
	w[dlen] = '\0';
	return (int)(l + 1 + dlen);
}

int bg_normalise(const char *in, size_t len, const struct bg_norm_opts *o, char *out, size_t outlen)
{
	int r = norm_fast(in, len, o, out, outlen);

	return r != FAST_NO ? r : bg_normalise_general(in, len, o, out, outlen);
}

int bg_normalise_general(const char *in, size_t len, const struct bg_norm_opts *o, char *out,
			 size_t outlen)
{
	char compat[4 * BG_ID_MAX * 3 + 1];
	struct bg_unicode *u = NULL; /* loaded once, only for non-ASCII text */
	const char *at;
	int l, d;

	if (len > 4 * BG_ID_MAX)
		return BG_NORM_TOO_LONG;
	strip_wrapping(&in, &len);
	if (len == 0)
		return BG_NORM_EMPTY;
	if (memchr(in, '\0', len) || (!is_ascii(in, len) && !bg_utf8_valid(in, len)))
		return BG_NORM_BAD_UTF8;
	if (!is_ascii(in, len)) {
		/* Compatibility forms first: "ａ＠ｅｘａｍｐｌｅ．ｊｐ" has no '@' until NFKC. */
		int r;

		if (bg_unicode_open(&u) != 0)
			return BG_NORM_NO_UNICODE;
		r = bg_unicode_nfkc(u, in, len, compat, sizeof(compat));
		if (r < 0) {
			d = text_error(r);
			goto out;
		}
		in = compat;
		len = (size_t)r;
		strip_wrapping(&in, &len);
		if (len == 0) {
			d = BG_NORM_EMPTY;
			goto out;
		}
	}
	at = memrchr(in, '@', len);
	if (!at) {
		d = BG_NORM_NO_AT;
		goto out;
	}
	l = norm_local(&u, in, (size_t)(at - in), o, out, outlen);
	if (l < 0) {
		d = l;
		goto out;
	}
	if ((size_t)l + 2 >= outlen) {
		d = BG_NORM_TOO_LONG;
		goto out;
	}
	out[l] = '@';
	d = norm_domain(&u, at + 1, len - (size_t)(at - in) - 1, out + l + 1,
			outlen - (size_t)l - 1);
	if (d >= 0)
		d = l + 1 + d;
out:
	bg_unicode_close(u);
	return d;
}

int bg_user_identity(const char *user, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "user:%s", user);

	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : n;
}

void bg_identities_free(struct bg_identities *ids)
{
	free(ids->id);
	ids->id = NULL;
	ids->n = ids->cap = 0;
}

static int ids_add(struct bg_identities *ids, const char *s, const struct bg_logger *log)
{
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->id[i], s) == 0)
			return 0;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		char(*grown)[BG_ID_MAX];

		if (ids->n >= BG_MAX_IDS) {
			bg_log(log, LOG_ERR,
			       "more than %d identities for one account; refusing to judge it",
			       BG_MAX_IDS);
			return -E2BIG;
		}
		grown = realloc(ids->id, cap * sizeof(*ids->id));
		if (!grown) {
			bg_log(log, LOG_ERR,
			       "out of memory collecting the identities of an account");
			return -ENOMEM;
		}
		ids->id = grown;
		ids->cap = cap;
	}
	snprintf(ids->id[ids->n++], BG_ID_MAX, "%s", s);
	return 0;
}

/* An address that is no address is no identity; one we could not compute is
 * an error (issue 10 item 7): out of memory, or no libidn2/libunistring. */
static int ids_add_address(struct bg_identities *ids, const struct bg_norm_opts *o, const char *s,
			   size_t n, const char *what, const struct bg_logger *log)
{
	char buf[BG_ID_MAX];
	int r = bg_normalise(s, n, o, buf, sizeof(buf));

	if (r > 0)
		return ids_add(ids, buf, log);
	if (r == BG_NORM_NOMEM || r == BG_NORM_NO_UNICODE) {
		bg_log(log, LOG_ERR, "cannot compute the identity from %s \"%.*s\": %s", what,
		       (int)(n > 200 ? 200 : n), s, bg_norm_strerror(r));
		return r == BG_NORM_NOMEM ? -ENOMEM : -ENOSYS;
	}
	return 0;
}

/* GECOS is comma-separated: full name, room, work phone, home phone, other.
 * chfn lets users change the fields login.defs' CHFN_RESTRICT names (f, r,
 * w, h; "yes" is rwh, "no" all four, unset none); "other" only root may.  An
 * address in a field the user may change is not theirs to prove: it is left
 * out (issue 10 item 4), so removing it changes nothing either. */
unsigned bg_gecos_user_fields(const char *login_defs, const struct bg_logger *log)
{
	static const char letters[] = "frwh";
	char *buf = NULL, *line, *next;
	const char *why = NULL, *val = "";
	unsigned mask = 0;
	size_t len;
	int rc = bg_read_small_file(login_defs, 0, 1 << 20, &buf, &len, &why);

	if (rc == -ENOENT)
		return 0;
	if (rc != 0) {
		bg_log(log, LOG_WARNING,
		       "%s: %s; taking every GECOS field but \"other\" as the user's", login_defs,
		       why ? why : strerror(-rc));
		return 0xf;
	}
	for (line = buf; line && *line; line = next) {
		char *key, *v, *save = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		key = strtok_r(line, " \t\r", &save);
		if (!key || key[0] == '#' || strcmp(key, "CHFN_RESTRICT") != 0)
			continue;
		v = strtok_r(NULL, " \t\r", &save);
		val = !v ? "" : strcmp(v, "yes") == 0 ? "rwh" : strcmp(v, "no") == 0 ? "frwh" : v;
		mask = 0;
		for (int i = 0; i < 4; i++)
			if (strchr(val, letters[i]))
				mask |= 1u << i;
	}
	free(buf);
	return mask;
}

static int gecos_addresses(struct bg_identities *ids, const struct bg_norm_opts *o, const char *g,
			   unsigned user_fields, const struct bg_logger *log)
{
	int rc;

	for (unsigned field = 0; g && *g; field++) {
		size_t flen = strcspn(g, ",");
		const char *p = g, *fend = g + flen;

		if (field < 4 && (user_fields & (1u << field))) /* the user's to change */
			p = fend;
		while (p < fend) {
			size_t n = strcspn(p, " \t;");

			if (p + n > fend)
				n = (size_t)(fend - p);
			if (n && memchr(p, '@', n) &&
			    (rc = ids_add_address(ids, o, p, n, "the GECOS field", log)) != 0)
				return rc;
			p += n;
			while (p < fend && (*p == ' ' || *p == '\t' || *p == ';'))
				p++;
		}
		g = *fend ? fend + 1 : fend;
	}
	return 0;
}

static int alias_addresses(struct bg_identities *ids, const struct bg_norm_opts *o,
			   const char *path, const char *user, const struct bg_logger *log)
{
	char *buf = NULL, *line, *next;
	const char *why = NULL;
	size_t len;
	int rc;

	rc = bg_read_small_file(path, 1, BG_ALIASES_MAX_SIZE, &buf, &len, &why);
	if (rc != 0) {
		bg_log(log, LOG_ERR, "aliases file %s: %s", path, why ? why : strerror(-rc));
		return rc;
	}
	if ((rc = bg_parents_ok("aliases file ", path, log)) != 0) {
		free(buf);
		return rc;
	}
	for (line = buf; line && line < buf + len; line = next) {
		char *addr, *name, *save = NULL;

		next = memchr(line, '\n', (size_t)(buf + len - line));
		if (next)
			*next++ = '\0';
		if (*line == '#')
			continue;
		addr = strtok_r(line, " \t\r", &save);
		name = addr ? strtok_r(NULL, " \t\r", &save) : NULL;
		if (!name || addr[0] == '#' || strcmp(name, user) != 0)
			continue;
		if ((rc = ids_add_address(ids, o, addr, strlen(addr), "the aliases file", log)) !=
		    0)
			break;
	}
	free(buf);
	return rc;
}

int bg_account_identities(const struct bg_config *c, const struct passwd *pw,
			  struct bg_identities *out, const struct bg_logger *log)
{
	struct bg_norm_opts o;
	char buf[BG_ID_MAX];
	int rc = 0;

	out->n = 0;
	bg_norm_opts_from_config(&o, c);
	for (const char *d = bg_list_next(&c->domains, NULL); d && rc == 0;
	     d = bg_list_next(&c->domains, d)) {
		int n = snprintf(buf, sizeof(buf), "%s@%s", pw->pw_name, d);

		if (n > 0 && (size_t)n < sizeof(buf))
			rc = ids_add_address(out, &o, buf, (size_t)n, "a configured domain", log);
	}
	if (rc == 0 && strchr(pw->pw_name, '@'))
		rc = ids_add_address(out, &o, pw->pw_name, strlen(pw->pw_name), "the user name",
				     log);
	if (rc == 0 && c->gecos_email && pw->pw_gecos)
		rc = gecos_addresses(out, &o, pw->pw_gecos,
				     bg_gecos_user_fields(BG_LOGIN_DEFS, log), log);
	if (rc == 0 && c->aliases[0])
		rc = alias_addresses(out, &o, c->aliases, pw->pw_name, log);
	if (rc == 0) {
		if (bg_user_identity(pw->pw_name, buf, sizeof(buf)) > 0)
			rc = ids_add(out, buf, log);
		else
			rc = -ENAMETOOLONG;
	}
	return rc;
}
