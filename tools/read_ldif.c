/* read_ldif.c: a directory export in LDIF (RFC 2849), as `ldapsearch` and
 * Windows' `ldifde` write it.  Read as plain text, LDIF stores identities of
 * nobody: a value longer than the line width continues on the next line after
 * one space (`mail: a.very.long.name.xxxx` + ` xxxx@example.co.jp`), and a
 * value that is not plain ASCII, an IDN address for one, is written in base64
 * (`mail:: 6Iqx5a2Q...`).  Here the folded lines are joined, base64 values
 * decoded, and the values of the attributes that hold the entry's mailboxes
 * (mail_attr) go to the one tokeniser as texts of their own, with the entry's
 * own names (its DN, uid).  Every other attribute is free text or names
 * another entry ("description: contact bob@vendor.jp", "manager: uid=boss@..."):
 * its addresses are no exposed user's (read with the rest, they were stored as
 * ones), so each is said with its line and attribute, not imported.  Each
 * entry is one record; an entry with a DN and no address is counted invalid,
 * with its DN. */
#include "reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrtok.h"
#include "ascii.h"
#include "eml_decode.h"
#include "unicode.h"

/* The longest value joined from folded lines (a photo in base64 is far less). */
#define LDIF_VALUE_MAX (4u << 20)
#define FLAGGED (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)

struct ldif {
	struct bg_reader_ctx *c;
	struct bg_addrtok *tok;
	struct bg_unread unread; /* the other attributes' addresses */
	char *buf, *dec;	 /* the logical line joined; a base64 value decoded */
	size_t len, cap, dcap;
	unsigned long line;			/* of the logical line's first physical line */
	bool open, too_long;			/* a logical line is held; it grew past the cap */
	bool dropped;				/* its first line was flagged and said: not read */
	bool in_entry, has_dn, noted;		/* noted: the entry has had a note */
	unsigned long entry_line, found, total; /* found: in the entry; total: in all */
	char dn[200];
	size_t dn_len;
};

static bool is_ldif_space(char c)
{
	return c == ' ';
}

static int grow(char **p, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	q = realloc(*p, n);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static void note(struct ldif *l, unsigned long line, const char *why, const char *text, size_t n)
{
	l->noted = true;
	bg_reader_note(l->c, line, why, text, n < 200 ? n : 200);
}

/* Appends a physical line's text to the logical line, up to the cap. */
static int append(struct ldif *l, const char *s, size_t n)
{
	if (l->too_long || l->dropped)
		return 0;
	if (l->len + n > LDIF_VALUE_MAX) {
		l->too_long = true;
		return 0;
	}
	if (grow(&l->buf, &l->cap, l->len + n + 1) != 0)
		return -ENOMEM;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return 0;
}

/* An entry ends (a blank line, a new DN, the end): one without an address is
 * said with its DN. */
static void entry_end(struct ldif *l)
{
	if (l->in_entry && l->has_dn && l->found == 0 && !l->noted)
		bg_reader_note(l->c, l->entry_line, "no address in the LDIF entry", l->dn,
			       l->dn_len);
	l->in_entry = l->has_dn = l->noted = false;
	l->found = 0;
}

static void entry_begin(struct ldif *l)
{
	if (l->in_entry)
		return;
	l->in_entry = true;
	l->entry_line = l->line;
	l->dn_len = 0;
	l->c->sink->record(l->c->sink);
}

/* A decoded value's bytes are text: UTF-8 without NUL or controls other than
 * white space.  Anything else is a binary attribute (a photo, a certificate, a
 * GUID). */
static bool is_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
			return false;
	}
	return bg_utf8_valid(s, n);
}

/* Nine bytes in ten printable ASCII: text, not a photo's or a key's bytes. */
static bool mostly_ascii_text(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		k += (ch >= 0x20 && ch < 0x7f) || ch == '\t';
	}
	return k * 10 >= n * 9;
}

static int scan(struct ldif *l, const char *v, size_t n)
{
	int r = bg_addr_scan(l->tok, v, n, l->line);

	if (r > 0) {
		l->found += (unsigned long)r;
		l->total += (unsigned long)r;
	}
	return r < 0 ? r : 0;
}

/* The name before its options ("mail;lang-ja", "mail;binary": mail). */
static size_t attr_name_len(const char *s, size_t n)
{
	const char *opt = memchr(s, ';', n);

	return opt ? (size_t)(opt - s) : n;
}

/* The attributes of an entry's own mailboxes: every name with "mail" in it
 * (cosine's mail and its alias rfc822Mailbox, the mail routing schemas of
 * sendmail, qmail and Postfix, PKCS #9's emailAddress, named email and
 * pkcs9email by OpenLDAP, Thunderbird's mozillaSecondEmail, and the
 * directories' own schemas: Zimbra's zimbraMailAlias, Univention's
 * mailPrimaryAddress, Sun's mailEquivalentAddress, GOsa's
 * gosaMailAlternateAddress; a mailbox lost to a name not listed is worse than
 * an alias read); mail and emailAddress by OID; AD's user principal name,
 * which import.c reads as an Entra guest's address when it is one; and the
 * entry's own names, which are an address when the directory names its users
 * so (the DN, a modrdn's newrdn, uid).  proxyAddresses, targetAddress and
 * otherMailbox say a type before each address (proxy_value, other_mailbox:
 * value() asks them first). */
static bool mail_attr(const char *s, size_t n)
{
	static const char *const names[] = {"0.9.2342.19200300.100.1.3",
					    "1.2.840.113549.1.9.1",
					    "userPrincipalName",
					    "dn",
					    "newrdn",
					    "uid",
					    NULL};
	size_t i;

	if (bg_ascii_one_of(s, n, names))
		return true;
	for (i = 0; i + 4 <= n; i++)
		if (bg_ascii_starts_ci(s + i, n - i, "mail"))
			return true;
	return false;
}

/* An address where it is no mailbox of the entry's: said, not imported. */
static int unread(struct ldif *l, const char *where, const char *v, size_t n)
{
	int r = bg_unread_scan(&l->unread, where, v, n, l->line);

	if (r > 0)
		l->noted = true;
	return r < 0 ? r : 0;
}

/* The attribute's name as a note shows it: it is only letters, digits, '-'
 * and '.' (logical()), never longer than a line of the report. */
static const char *attr_where(char *buf, size_t len, const char *what, const char *s, size_t n)
{
	snprintf(buf, len, "%s \"%.*s\"", what, n > 60 ? 60 : (int)n, s);
	return buf;
}

/* A type, then ':' ("SMTP:", "X500:"), at the start of v: its length, 0 when
 * none. */
static size_t type_prefix(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n && (bg_ascii_isalnum((unsigned char)v[i]) || v[i] == '-'))
		i++;
	return i > 0 && i < n && v[i] == ':' ? i : 0;
}

/* Active Directory's proxyAddresses (and Exchange's targetAddress, where a
 * mailbox's mail is routed, written the same way): "SMTP:" the primary
 * address, "smtp:" an alias; the other types are no mailbox
 * ("X500:/o=.../cn=x@y" stored o=.../cn=x@y, an identity of nobody; "SIP:",
 * "EUM:", "SPO:" are a phone's or a service's).  A value with no type is the
 * address itself. */
static int proxy_value(struct ldif *l, const char *attr, size_t alen, const char *v, size_t n)
{
	size_t t = type_prefix(v, n);
	char where[128];

	if (t == 0)
		return scan(l, v, n);
	if (t == 4 && bg_ascii_starts_ci(v, n, "smtp"))
		return scan(l, v + 5, n - 5);
	snprintf(where, sizeof(where), "a %.*s entry of type %.*s (not SMTP)", (int)alen, attr,
		 t > 20 ? 20 : (int)t, v);
	return unread(l, where, v + t + 1, n - t - 1);
}

static size_t trim_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* RFC 1274's otherMailbox, "type $ mailbox": read whole, "internet$a@x.jp"
 * stored internet$a@x.jp ('$' may be in a local part).  Only an Internet
 * mailbox is an address; a value without '$' is one as it is. */
static int other_mailbox(struct ldif *l, const char *v, size_t n)
{
	static const char *const internet[] = {"internet", "smtp", "rfc822", NULL};
	const char *d = memchr(v, '$', n);
	size_t t, rest;
	char where[96];

	if (!d)
		return scan(l, v, n);
	t = trim_len(v, (size_t)(d - v));
	rest = n - (size_t)(d - v) - 1;
	for (d++; rest > 0 && (*d == ' ' || *d == '\t'); rest--)
		d++;
	if (bg_ascii_one_of(v, t, internet))
		return scan(l, d, rest);
	snprintf(where, sizeof(where), "an otherMailbox entry of type %.*s (not internet)",
		 t > 20 ? 20 : (int)t, v);
	return unread(l, where, d, rest);
}

/* One value, decoded, of the attribute attr (alen bytes, options and all). */
static int value(struct ldif *l, const char *attr, size_t alen, const char *v, size_t n)
{
	static const char *const typed[] = {"proxyAddresses", "targetAddress", NULL};
	size_t name = attr_name_len(attr, alen);
	char where[96];

	if (l->has_dn && alen == 2 && bg_ascii_starts_ci(attr, alen, "dn") && l->dn_len == 0) {
		l->dn_len = n < sizeof(l->dn) ? n : sizeof(l->dn);
		memcpy(l->dn, v, l->dn_len);
	}
	if (bg_ascii_one_of(attr, name, typed))
		return proxy_value(l, attr, name, v, n);
	if (name == 12 && bg_ascii_starts_ci(attr, name, "otherMailbox"))
		return other_mailbox(l, v, n);
	if (mail_attr(attr, name))
		return scan(l, v, n);
	return unread(l, attr_where(where, sizeof(where), "attribute", attr, name), v, n);
}

static int base64_value(struct ldif *l, const char *v, size_t n, const char *attr, size_t alen)
{
	struct bg_eml_b64 b = {0, 0};
	bool bad = false;
	size_t got;

	if (grow(&l->dec, &l->dcap, n / 4 * 3 + 4) != 0)
		return -ENOMEM;
	got = bg_eml_b64_line(&b, v, n, l->dec, &bad);
	if (bad || b.n == 1) {
		note(l, l->line, "LDIF value is not base64 after \"::\"", l->buf, l->len);
		return 0;
	}
	if (!is_text(l->dec, got)) {
		/* A binary attribute (a photo, a GUID) holds no address; text in
		 * another encoding (Latin-1) with an '@' is said, not read. */
		if (mostly_ascii_text(l->dec, got) && memchr(l->dec, '@', got))
			note(l, l->line, "LDIF base64 value is not UTF-8 text, not read", attr,
			     alen);
		return 0;
	}
	return value(l, attr, alen, l->dec, got);
}

/* A password's attribute (userPassword, unicodePwd, sambaNTPassword,
 * authPassword; options after ';' aside): its value is never read as text. */
static bool password_attr(const char *s, size_t n)
{
	return bg_password_name(s, attr_name_len(s, n));
}

/* One logical line: "attr: value", "attr:: base64", "attr:< URL", a comment,
 * "-" (a change record's separator). */
static int logical(struct ldif *l)
{
	const char *s = l->buf, *e, *p, *v;
	size_t alen;
	bool b64 = false;

	l->open = false;
	if (l->dropped || l->len == 0 || s[0] == '#')
		return 0;
	e = s + l->len;
	p = s;
	if (l->too_long) {
		entry_begin(l);
		note(l, l->line, "LDIF value too long, not read", s, 200);
		return 0;
	}
	if (l->len == 1 && s[0] == '-')
		return 0;
	while (p < e &&
	       (bg_ascii_isalnum((unsigned char)*p) || *p == '-' || *p == ';' || *p == '.'))
		p++;
	alen = (size_t)(p - s);
	if (p == e || *p != ':' || alen == 0) {
		entry_begin(l);
		note(l, l->line, "not an LDIF line (attribute: value)", s, l->len);
		return 0;
	}
	if (alen == 7 && bg_ascii_starts_ci(s, alen, "version") && !l->in_entry)
		return 0;
	if (alen == 2 && bg_ascii_starts_ci(s, alen, "dn")) {
		entry_end(l);
		entry_begin(l);
		l->has_dn = true;
	} else {
		entry_begin(l);
	}
	p++;
	if (p < e && *p == ':') {
		b64 = true;
		p++;
	} else if (p < e && *p == '<') {
		/* The value is in a file named by URL: not ours to open. */
		note(l, l->line, "LDIF value given by URL (\":<\"), not read", s, l->len);
		return 0;
	}
	while (p < e && is_ldif_space(*p))
		p++;
	v = p;
	/* userPassword: p@ss.jp was stored as an identity.  A hash ({SSHA},
	 * base64) holds no address; a clear one with an '@' is said, not shown. */
	if (password_attr(s, alen)) {
		if (!b64 && memchr(v, '@', (size_t)(e - v))) {
			static const char hidden[] = "(the password, not shown)";

			note(l, l->line, "a password attribute's value is not imported", hidden,
			     sizeof(hidden) - 1);
		}
		return 0;
	}
	if (b64)
		return base64_value(l, v, (size_t)(e - v), s, alen);
	return value(l, s, alen, v, (size_t)(e - v));
}

static int ldif_line(struct ldif *l, const char *s, size_t n, unsigned flags, unsigned long line)
{
	int r = 0;

	if (n > 0 && is_ldif_space(s[0]) && l->open) {
		if ((flags & FLAGGED) && !l->dropped) {
			/* Its value cannot be whole: the logical line is said, not read. */
			entry_begin(l);
			bg_reader_note_flagged(l->c, line, flags, s, n);
			l->noted = l->dropped = true;
		}
		return append(l, s + 1, n - 1);
	}
	if (l->open && (r = logical(l)) < 0)
		return r;
	if (n == 0) {
		entry_end(l);
		return 0;
	}
	l->line = line;
	l->len = 0;
	l->too_long = l->dropped = false;
	l->open = true;
	if (flags & FLAGGED) {
		/* Said once; the lines that continue it are dropped with it. */
		entry_begin(l);
		bg_reader_note_flagged(l->c, line, flags, s, n);
		l->noted = l->dropped = true;
		return 0;
	}
	return append(l, s, n);
}

static int ldif_read(struct bg_reader_ctx *c)
{
	struct ldif l;
	const char *s;
	size_t n;
	unsigned flags;
	int r;

	memset(&l, 0, sizeof(l));
	l.c = c;
	if (bg_unread_init(&l.unread, c) != 0)
		return -ENOMEM;
	if (bg_addrtok_new(&l.tok, c->sink) != 0) {
		bg_unread_free(&l.unread);
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	}
	for (;;) {
		r = bg_input_getline(c->in, &s, &n, &flags, &c->err);
		if (r <= 0)
			break;
		r = ldif_line(&l, s, n, flags, bg_input_lineno(c->in));
		if (r < 0) {
			bg_err_set(&c->err, r, "%s, line %lu: import stopped", c->name,
				   bg_input_lineno(c->in));
			break;
		}
	}
	if (r == 0 && l.open && (r = logical(&l)) < 0)
		bg_err_set(&c->err, r, "%s: import stopped at the end", c->name);
	if (r == 0) {
		entry_end(&l);
		r = bg_unread_refuse(&l.unread, l.total,
				     "the entries' mail attributes (mail, proxyAddresses' SMTP:, "
				     "the others breachguard(8) names)");
	}
	bg_unread_free(&l.unread);
	bg_addrtok_free(l.tok);
	free(l.buf);
	free(l.dec);
	return r < 0 ? r : 0;
}

/* LDIF starts (after comments) with "version: 1" or an entry's "dn:", and its
 * other lines are "attribute: value".  Certain enough to beat CSV and text;
 * the name (.ldif, .ldi) alone is not enough without a DN in the head. */
static int ldif_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0, e, lines = 0, attrs = 0;
	bool first = true, dn = false, start = false;
	const char *nl;

	while (i < len && lines < 200) {
		nl = memchr(head + i, '\n', len - i);
		e = nl ? (size_t)(nl - head) : len;
		if (e > i && head[e - 1] == '\r')
			e--;
		if (e > i && head[i] != '#' && head[i] != ' ') {
			const char *p = head + i, *q = head + e;

			lines++;
			while (p < q && (bg_ascii_isalnum((unsigned char)*p) || *p == '-' ||
					 *p == ';' || *p == '.'))
				p++;
			/* A change record's "-" (after each add:, replace: or
			 * delete: group, RFC 2849) is LDIF too: read as text, a
			 * modify record stored a folded value's tail. */
			if (!first && e - i == 1 && head[i] == '-') {
				attrs++;
			} else if (p > head + i && p < q && *p == ':') {
				attrs++;
				if (bg_ascii_starts_ci(head + i, e - i, "dn:"))
					dn = true;
				if (first && (bg_ascii_starts_ci(head + i, e - i, "dn:") ||
					      bg_ascii_starts_ci(head + i, e - i, "version:")))
					start = true;
			}
			first = false;
		}
		i = (nl ? (size_t)(nl - head) : len) + 1;
	}
	if (!dn || !lines || attrs * 10 < lines * 9)
		return 0;
	if (start)
		return 97;
	return bg_ascii_has_suffix(path, ".ldif") || bg_ascii_has_suffix(path, ".ldif.gz") ||
		       bg_ascii_has_suffix(path, ".ldi")
		   ? 97
		   : 0;
}

const struct bg_reader bg_reader_ldif = {
    .name = "ldif",
    .probe = ldif_probe,
    .read = ldif_read,
};
