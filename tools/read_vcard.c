/* read_vcard.c: contacts and invitations, vCard (.vcf: RFC 2426, 6350, and
 * the 2.1 of old phones and Outlook) and iCalendar (.ics: RFC 5545), the
 * "directory" text formats.  Read as plain text they store identities of
 * nobody: a line longer than 75 octets continues on the next after one space
 * ("ATTENDEE...:mailto:someone.long@example.co" + " .uk" stored
 * someone.long@example.co, a real domain), and vCard 2.1 writes a value in
 * quoted-printable ("b=6Fb@example.org", bob@ with its 'o' escaped, stored as
 * that).  Here folded lines are joined, quoted-printable values decoded (with
 * their soft line breaks), text escapes undone (\, \; \n), and the values of
 * the properties that hold a mailbox (mailbox_prop: EMAIL, ATTENDEE, ...) go
 * to the one tokeniser as texts of their own (mailto: included).  The others
 * are free text or another thing's (NOTE, URL, X-...: "NOTE:ask my assistant
 * kim@example.com"): read with the rest, their addresses were stored as
 * exposed ones; each is said with its line and property, not imported.  Each
 * property with an address is one record. */
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtok.h"
#include "ascii.h"
#include "eml_decode.h"

/* The longest property joined from folded lines (a photo in base64 is less). */
#define VC_LINE_MAX (4u << 20)
#define FLAGGED (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)

struct vc {
	struct bg_reader_ctx *c;
	struct bg_addrtok *tok;
	struct bg_unread unread; /* the other properties' addresses */
	char *buf, *dec;
	size_t len, cap, dcap;
	unsigned long line;  /* of the property's first physical line */
	unsigned long found; /* addresses in the mailbox properties */
	bool open, too_long, qp;
};

/* Whether the property's parameters (before its ':') say quoted-printable:
 * ENCODING=QUOTED-PRINTABLE (2.1, 3.0's Outlook) or 2.1's bare QUOTED-PRINTABLE. */
static bool params_qp(const char *s, size_t n)
{
	for (size_t i = 0; i + 16 <= n; i++)
		if (bg_ascii_starts_ci(s + i, n - i, "quoted-printable"))
			return true;
	return false;
}

/* The ':' that ends the name and parameters (a quoted parameter may hold one:
 * CN="Doe: John"), or NULL. */
static const char *value_colon(const char *s, size_t n)
{
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ':' && !quoted)
			return s + i;
	}
	return NULL;
}

static int grow(char **p, size_t *cap, size_t want)
{
	char *q;
	size_t c = *cap ? *cap : 256;

	while (c < want)
		c *= 2;
	if (c == *cap)
		return 0;
	if (!(q = realloc(*p, c)))
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int append(struct vc *v, const char *s, size_t n)
{
	if (v->too_long)
		return 0;
	if (v->len + n + 1 > VC_LINE_MAX) {
		v->too_long = true;
		return 0;
	}
	if (grow(&v->buf, &v->cap, v->len + n + 1) != 0)
		return -ENOMEM;
	memcpy(v->buf + v->len, s, n);
	v->len += n;
	v->buf[v->len] = '\0';
	return 0;
}

/* The value's text escapes (RFC 6350 3.4): \\ \, \; and \n or \N a line end. */
static size_t unescape(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && strchr("\\,;nN", s[i + 1])) {
			i++;
			s[o++] = s[i] == 'n' || s[i] == 'N' ? '\n' : s[i];
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

/* The properties whose value is a mailbox: a card's EMAIL (RFC 6350 6.4.2),
 * an invitation's ORGANIZER and ATTENDEE (RFC 5545 3.8.4.1, 3.8.4.3, their
 * value a mailto: URI), a group card's MEMBER (RFC 6350 6.6.5, mailto: too). */
static bool mailbox_prop(const char *s, size_t n)
{
	static const char *const names[] = {"EMAIL", "ATTENDEE", "ORGANIZER", "MEMBER", NULL};

	return bg_ascii_one_of(s, n, names);
}

/* An ATTENDEE's CUTYPE (RFC 5545 3.2.3) among the parameters s (n bytes, to
 * the value's ':') says a room or a resource: a meeting room's or a
 * projector's mailbox, nobody's account ("CUTYPE=ROOM", quoted or not). */
static bool resource_attendee(const char *s, size_t n)
{
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		size_t v, e;

		if (s[i] == '"')
			quoted = !quoted;
		if (quoted || s[i] != ';' || !bg_ascii_starts_ci(s + i + 1, n - i - 1, "cutype="))
			continue;
		v = i + 8;
		if (v < n && s[v] == '"')
			v++;
		for (e = v; e < n && s[e] != ';' && s[e] != '"'; e++)
			;
		return (e - v == 4 && bg_ascii_starts_ci(s + v, 4, "room")) ||
		       (e - v == 8 && bg_ascii_starts_ci(s + v, 8, "resource"));
	}
	return false;
}

/* The property's name in its line s (n bytes, to the value's ':'): after its
 * group ("item1.EMAIL", Apple's and Google's), before its parameters; only
 * the letters, digits and '-' a name is made of (a note shows it). */
static const char *prop_name(const char *s, size_t n, size_t *len)
{
	const char *semi = memchr(s, ';', n), *dot;
	size_t i = 0;

	if (semi)
		n = (size_t)(semi - s);
	if ((dot = memchr(s, '.', n)) != NULL) {
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	while (i < n && (bg_ascii_isalnum((unsigned char)s[i]) || s[i] == '-'))
		i++;
	*len = i;
	return s;
}

/* An address in another property (or a line that is none): said, not
 * imported. */
static int unread(struct vc *v, const char *head, size_t hn, const char *val, size_t n)
{
	char where[96];
	size_t nl = 0;
	const char *name = head ? prop_name(head, hn, &nl) : NULL;
	int r;

	if (!head)
		snprintf(where, sizeof(where), "a line that is no property (NAME:value)");
	else if (nl == 0)
		snprintf(where, sizeof(where), "a property without a name");
	else
		snprintf(where, sizeof(where), "property %.*s", nl > 60 ? 60 : (int)nl, name);
	r = bg_unread_scan(&v->unread, where, val, n, v->line);
	return r < 0 ? r : 0;
}

/* The held property, whole: its value to the tokeniser. */
static int property(struct vc *v)
{
	const char *colon, *name;
	char *val;
	size_t n, nl;
	int r;

	if (!v->open)
		return 0;
	v->open = false;
	if (v->too_long) {
		bg_reader_note(v->c, v->line, "property longer than 4 MiB", v->buf,
			       v->len > 80 ? 80 : v->len);
		return 0;
	}
	if (!(colon = value_colon(v->buf, v->len)))
		return unread(v, NULL, 0, v->buf, v->len);
	val = (char *)colon + 1;
	n = v->len - (size_t)(val - v->buf);
	if (params_qp(v->buf, (size_t)(colon - v->buf))) {
		if (grow(&v->dec, &v->dcap, n + 2) != 0)
			return -ENOMEM;
		n = bg_eml_qp_line(val, n, v->dec);
		while (n && (v->dec[n - 1] == '\n' || v->dec[n - 1] == '\r'))
			n--;
		val = v->dec;
	}
	n = unescape(val, n);
	if (!bg_addr_maybe(val, n))
		return 0;
	v->c->sink->record(v->c->sink);
	name = prop_name(v->buf, (size_t)(colon - v->buf), &nl);
	if (!mailbox_prop(name, nl))
		return unread(v, v->buf, (size_t)(colon - v->buf), val, n);
	if (nl == 8 && bg_ascii_starts_ci(name, nl, "ATTENDEE") &&
	    resource_attendee(v->buf, (size_t)(colon - v->buf))) {
		r = bg_unread_scan(&v->unread,
				   "an ATTENDEE of CUTYPE ROOM or RESOURCE (a room's mailbox)", val,
				   n, v->line);
		return r < 0 ? r : 0;
	}
	r = bg_addr_scan(v->tok, val, n, v->line);
	if (r == 0)
		bg_reader_note(v->c, v->line, "no address in the value", val, n > 80 ? 80 : n);
	if (r > 0)
		v->found += (unsigned long)r;
	return r < 0 ? r : 0;
}

static int vc_read(struct bg_reader_ctx *c)
{
	struct vc v = {.c = c};
	const char *s;
	size_t n;
	unsigned flags;
	int r;

	if (bg_unread_init(&v.unread, c) != 0)
		return -ENOMEM;
	if (bg_addrtok_new(&v.tok, c->sink) != 0) {
		bg_unread_free(&v.unread);
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	}
	for (;;) {
		unsigned long ln;

		r = bg_input_getline(c->in, &s, &n, &flags, &c->err);
		if (r <= 0)
			break;
		ln = bg_input_lineno(c->in);
		if (n && s[n - 1] == '\r')
			n--;
		if (flags & FLAGGED) {
			if ((r = property(&v)) < 0)
				break;
			if (bg_addr_maybe(s, n))
				bg_reader_note_flagged(c, ln, flags, s, n);
			continue;
		}
		/* A fold: one space or tab, then more of the property.  A 2.1
		 * quoted-printable value goes on after a soft break ('=' at the end)
		 * with no space at all. */
		if (v.open && n && (s[0] == ' ' || s[0] == '\t')) {
			r = append(&v, s + 1, n - 1);
		} else if (v.open && v.qp && v.len && v.buf[v.len - 1] == '=') {
			v.len--; /* the soft break */
			r = append(&v, s, n);
		} else {
			const char *colon;

			if ((r = property(&v)) < 0)
				break;
			v.len = 0;
			v.too_long = false;
			v.open = true;
			v.line = ln;
			r = append(&v, s, n);
			colon = value_colon(s, n);
			v.qp = colon && params_qp(s, (size_t)(colon - s));
		}
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = property(&v);
	if (r >= 0)
		r = bg_unread_refuse(
		    &v.unread, v.found,
		    "an EMAIL property (nor an invitation's ATTENDEE or ORGANIZER)");
	if (r == -ENOMEM && !c->err.code)
		bg_err_set(&c->err, r, "%s: out of memory", c->name);
	else if (r < 0 && !c->err.code)
		bg_err_set(&c->err, r, "%s, line %lu: import stopped", c->name, v.line);
	bg_unread_free(&v.unread);
	bg_addrtok_free(v.tok);
	free(v.buf);
	free(v.dec);
	return r < 0 ? r : 0;
}

/* BEGIN:VCARD or BEGIN:VCALENDAR first (blank lines and a BOM aside). */
static int vc_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0;

	(void)path;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	if (bg_ascii_starts_ci(head + i, len - i, "begin:vcard") ||
	    bg_ascii_starts_ci(head + i, len - i, "begin:vcalendar"))
		return 97;
	return 0;
}

const struct bg_reader bg_reader_vcard = {
    .name = "vcard",
    .probe = vc_probe,
    .read = vc_read,
};
