/* read_eml.c: the e-mail advisory reader (.eml, or an mbox of several messages).
 * Advisories often arrive as a forwarded notice: the list is in the body, or in
 * a CSV attachment.  This reader walks the MIME tree line by line (nothing is
 * held whole: memory is bounded by the line cap and the nesting cap), decodes
 * base64 and quoted-printable, converts the part's charset to UTF-8 and hands
 * the address-like tokens of text and HTML parts to the sink.  Attachments,
 * whatever their label, are spooled to an unlinked temporary file and read by
 * content like a file (archives through unpack.c, workbooks, then format
 * detection); a text part without a charset label is spooled too and decoded
 * like a file before its lines are read here.
 * The message's own header addresses (From, To, Cc...) are never imported: they
 * name the people mailing about the breach, not the people in it.
 *
 * Line numbers: for 7bit/8bit and quoted-printable parts, the line of the
 * message file where the (decoded) line begins; for base64 parts, attachments
 * and unlabelled text, the first body line of the part plus the decoded line's
 * offset. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addrtok.h"
#include "encoding.h"
#include "reader.h"
#include "unpack.h"
#include "workbook.h"

#define EML_DEPTH_MAX 16     /* nested multiparts */
#define EML_BOUNDARY_MAX 200 /* RFC 2046 says 70; some senders exceed it */
#define EML_HEADER_MAX 8192  /* one unfolded header field we parse */
#define EML_LINE_MAX BG_LINE_MAX
#define EML_TAG_MAX 4096		  /* one HTML tag kept to find mailto: in it */
#define EML_SEEN_MAX 4096		  /* addresses already given for the current line */
#define EML_CSV_MAX (1024L * 1024 * 1024) /* a CSV attachment spooled to disk */

enum cte { CTE_IDENT, CTE_QP, CTE_B64 };
/* K_ATTACH: an attachment, spooled as bytes and then read like a file: by
 * content (archives, workbooks, CSV, text, JSON, another message). */
enum kind { K_SKIP, K_TEXT, K_HTML, K_ATTACH };
enum state { ST_HEADERS, ST_BODY };

struct frame {
	char boundary[EML_BOUNDARY_MAX + 1];
	size_t blen;
	unsigned long line; /* where the multipart's headers began */
	bool alternative;
	bool alt_done;	 /* an alternative already gave addresses */
	bool skip_child; /* the current child is a duplicate rendering */
	unsigned long addrs_at_child;
};

/* What the headers of the current entity said. */
struct ent {
	char type[128]; /* lower case "type/subtype" */
	char charset[64];
	char boundary[EML_BOUNDARY_MAX + 1];
	char name[256];
	char name_cs[64]; /* RFC 2231: the charset of name */
	bool have_type, boundary_cut, attachment;
	enum cte cte;
	char cte_name[32];
	unsigned long line; /* first header line */
};

struct em {
	struct bg_reader_ctx *c; /* input, options, sink, error */
	int rc;			 /* sticky: also a sink's refusal, which has no message */

	unsigned long raw_line;
	bool mbox, prev_blank, any_line;
	enum state st;
	struct frame fr[EML_DEPTH_MAX];
	int nfr;
	struct ent e;
	char hb[EML_HEADER_MAX + 1]; /* the header field being unfolded */
	size_t hlen;
	unsigned long addrs; /* addresses given so far (multipart/alternative) */

	/* the leaf part being read */
	enum kind kind;
	enum cte cte;
	unsigned long body_line, dline, lstart;
	unsigned long last_line; /* the part's last body line read */
	bool lstarted, lcut, cut_noted;
	bool in_sig, sig_noted; /* after a "-- " line: the sender's signature */
	iconv_t cd;
	bool convert, bad_cs_noted;
	unsigned cs_unit; /* bytes to skip past an invalid sequence: 2 in UTF-16 */
	char pend[64];
	size_t npend;
	unsigned b64_acc, b64_n;
	bool b64_bad_noted;
	char *lb; /* the decoded line being assembled */
	size_t llen;

	/* HTML */
	bool in_tag, in_comment;
	char skip_until[16]; /* "</script" / "</style" while inside them */
	char tag[EML_TAG_MAX + 1];
	size_t taglen;
	char *text; /* the visible text of the current line */
	size_t textlen;

	/* attachment spool (also: a text part without a charset label, to be
	 * decoded like a file once whole) */
	int csv_fd;
	long csv_size;
	bool csv_too_big;
	bool text_detect;
	char shown[256]; /* the attachment's name as shown */

	/* the tokeniser, and the sink it gives to (dedup, then m->c->sink) */
	struct bg_addrtok *tok;
	struct bg_sink tsink;

	/* addresses already given for line seen_line */
	char seen[EML_SEEN_MAX];
	size_t seenlen;
	unsigned long seen_line;
	unsigned line_addrs;
};

static bool ieq(const char *a, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

static bool istarts(const char *a, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && strncasecmp(a, lit, l) == 0;
}

static void note(struct em *m, unsigned long line, const char *why, const char *text, size_t len)
{
	if (!m->rc)
		bg_reader_note(m->c, line, why, text, len);
}

/* --- addresses out of free text ------------------------------------------- */

/* The tokeniser's sink: the same address twice on one line (an HTML link and
 * its text) is one. */
static int tok_address(struct bg_sink *ts, const char *s, size_t n, unsigned long line)
{
	struct em *m = ts->arg;
	int r;

	if (m->rc)
		return m->rc;
	if (line != m->seen_line) {
		m->seen_line = line;
		m->seenlen = 0;
	}
	for (size_t i = 0; i < m->seenlen;) {
		size_t l = strlen(m->seen + i);

		if (l == n && memcmp(m->seen + i, s, n) == 0)
			return 0;
		i += l + 1;
	}
	if (m->seenlen + n + 1 <= sizeof(m->seen) && !memchr(s, '\0', n)) {
		memcpy(m->seen + m->seenlen, s, n);
		m->seen[m->seenlen + n] = '\0';
		m->seenlen += n + 1;
	}
	r = m->c->sink->address(m->c->sink, s, n, line);
	if (r < 0)
		m->rc = r;
	m->addrs++;
	return r < 0 ? r : 0;
}

static void tok_invalid(struct bg_sink *ts, unsigned long line, const char *why, const char *text,
			size_t len)
{
	note(ts->arg, line, why, text, len);
}

static void tok_record(struct bg_sink *ts)
{
	(void)ts;
}

static void tok_defanged(struct bg_sink *ts, unsigned long line)
{
	struct em *m = ts->arg;

	if (m->c->sink->defanged)
		m->c->sink->defanged(m->c->sink, line);
}

/* Gives the address-like tokens of one line of text to the tokeniser. */
static void scan_tokens(struct em *m, const char *s, size_t n, unsigned long line)
{
	int r;

	if (m->rc)
		return;
	r = bg_addrtok_line(m->tok, s, n, line);
	if (r < 0)
		m->rc = r;
	else
		m->line_addrs += (unsigned)r;
}

/* The part's text ends: what the tokeniser holds goes out. */
static void scan_flush(struct em *m)
{
	int r = bg_addrtok_flush(m->tok);

	if (r < 0 && !m->rc)
		m->rc = r;
}

static void line_begin(struct em *m)
{
	m->line_addrs = 0;
}

static void line_end(struct em *m)
{
	if (m->line_addrs && !m->rc)
		m->c->sink->record(m->c->sink);
}

/* A line of a body that quotes a mail header ("From: Alice <a@example.org>" in a
 * forwarded notice) or an attribution: its addresses are the senders'. */
static bool quoted_header(const char *s, size_t n)
{
	static const char *const names[] = {
	    "from:",	    "to:",	     "cc:",	"bcc:",	 "reply-to:", "sender:",
	    "return-path:", "delivered-to:", "*from:*", "*to:*", "*cc:*",     NULL};
	size_t i = 0;

	while (i < n && (s[i] == '>' || s[i] == ' ' || s[i] == '\t'))
		i++;
	for (int k = 0; names[k]; k++)
		if (istarts(s + i, n - i, names[k]))
			return true;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n >= 6 && strncasecmp(s + n - 6, "wrote:", 6) == 0;
}

static void text_line(struct em *m, const char *s, size_t n, unsigned long line)
{
	/* RFC 3676 signature separator (QP and some mailers lose its space) */
	if ((n == 3 && memcmp(s, "-- ", 3) == 0) || (n == 2 && memcmp(s, "--", 2) == 0)) {
		m->in_sig = true;
		return;
	}
	if (!memchr(s, '@', n))
		return;
	if (m->in_sig) {
		if (!m->sig_noted) {
			m->sig_noted = true;
			note(m, line, "signature: its addresses are not imported", s, n);
		}
		return;
	}
	if (quoted_header(s, n)) {
		note(m, line, "quoted mail header: its addresses are not imported", s, n);
		return;
	}
	line_begin(m);
	scan_tokens(m, s, n, line);
	line_end(m);
}

/* --- HTML, crudely ---------------------------------------------------------- */

/* Decodes the character reference at s (s[0] == '&') into out (4 bytes); returns
 * the bytes consumed, or 0 if it is none we know. */
static size_t entity(const char *s, size_t n, char *out, size_t *olen)
{
	static const struct {
		const char *name;
		const char *utf8;
	} named[] = {{"amp;", "&"},    {"lt;", "<"},	 {"gt;", ">"},
		     {"quot;", "\""},  {"apos;", "'"},	 {"nbsp;", " "},
		     {"commat;", "@"}, {"period;", "."}, {NULL, NULL}};
	unsigned long cp = 0;
	size_t i = 1;

	for (int k = 0; named[k].name; k++)
		if (istarts(s + 1, n - 1, named[k].name)) {
			*olen = strlen(named[k].utf8);
			memcpy(out, named[k].utf8, *olen);
			return 1 + strlen(named[k].name);
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
	if (cp < 0x80) {
		out[0] = (char)cp;
		*olen = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		*olen = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		*olen = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		*olen = 4;
	}
	return i + 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A whole tag: finds mailto: links in it (entities and %XX decoded). */
static void html_tag(struct em *m, unsigned long line)
{
	const char *t = m->tag;
	size_t n = m->taglen, i = 0;

	if (istarts(t, n, "script") || istarts(t, n, "style")) {
		snprintf(m->skip_until, sizeof(m->skip_until), "</%s",
			 istarts(t, n, "script") ? "script" : "style");
		return;
	}
	while (i + 7 <= n && !m->rc) {
		char a[EML_TAG_MAX];
		size_t al = 0;

		if (strncasecmp(t + i, "mailto:", 7) != 0) {
			i++;
			continue;
		}
		i += 7;
		while (i < n && t[i] != '"' && t[i] != '\'' && t[i] != '?' && t[i] != ' ' &&
		       t[i] != '\t' && t[i] != '>') {
			char u[4];
			size_t ul, used;

			if (t[i] == '&' && (used = entity(t + i, n - i, u, &ul)) != 0) {
				memcpy(a + al, u, ul);
				al += ul;
				i += used;
			} else if (t[i] == '%' && i + 2 < n && hexval(t[i + 1]) >= 0 &&
				   hexval(t[i + 2]) >= 0) {
				a[al++] = (char)(hexval(t[i + 1]) * 16 + hexval(t[i + 2]));
				i += 3;
			} else {
				a[al++] = t[i++];
			}
		}
		if (!m->rc) {
			int r = bg_addr_scan(m->tok, a, al, line);

			if (r < 0)
				m->rc = r;
			else
				m->line_addrs += (unsigned)r;
		}
	}
}

static void text_put(struct em *m, const char *s, size_t n)
{
	if (m->textlen + n > EML_LINE_MAX)
		return;
	memcpy(m->text + m->textlen, s, n);
	m->textlen += n;
}

static void html_line(struct em *m, const char *s, size_t n, unsigned long line)
{
	size_t i = 0;

	line_begin(m);
	m->textlen = 0;
	while (i < n) {
		char c = s[i];

		if (m->in_comment) {
			if (c == '-' && i + 2 < n && s[i + 1] == '-' && s[i + 2] == '>') {
				m->in_comment = false;
				i += 3;
			} else {
				i++;
			}
			continue;
		}
		if (m->in_tag) {
			if (c == '>') {
				m->in_tag = false;
				m->tag[m->taglen] = '\0';
				html_tag(m, line);
			} else if (m->taglen < EML_TAG_MAX) {
				m->tag[m->taglen++] = c == '\n' ? ' ' : c;
			}
			i++;
			continue;
		}
		if (m->skip_until[0]) {
			if (istarts(s + i, n - i, m->skip_until))
				m->skip_until[0] = '\0';
			else {
				i++;
				continue;
			}
		}
		if (c == '<') {
			if (istarts(s + i, n - i, "<!--")) {
				m->in_comment = true;
				i += 4;
				continue;
			}
			m->in_tag = true;
			m->taglen = 0;
			text_put(m, " ", 1); /* "<td>a</td><td>b</td>" is two words */
			i++;
			continue;
		}
		if (c == '&') {
			char u[4];
			size_t ul, used = entity(s + i, n - i, u, &ul);

			if (used) {
				text_put(m, u, ul);
				i += used;
				continue;
			}
		}
		text_put(m, &c, 1);
		i++;
	}
	if (m->textlen && memchr(m->text, '@', m->textlen)) {
		if (quoted_header(m->text, m->textlen))
			note(m, line, "quoted mail header: its addresses are not imported", m->text,
			     m->textlen);
		else
			scan_tokens(m, m->text, m->textlen, line);
	}
	line_end(m);
}

/* --- CSV attachments ------------------------------------------------------- */

/* The CSV reader numbers the attachment's lines; this puts them back in the
 * message file. */
struct csv_shift {
	struct bg_sink s;
	struct bg_sink *up;
	unsigned long base;
};

static int shift_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct csv_shift *c = s->arg;

	return c->up->address(c->up, addr, len, c->base + line - 1);
}

static void shift_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			  size_t len)
{
	struct csv_shift *c = s->arg;

	c->up->invalid(c->up, line ? c->base + line - 1 : c->base, why, text, len);
}

static void shift_record(struct bg_sink *s)
{
	struct csv_shift *c = s->arg;

	c->up->record(c->up);
}

static void shift_defanged(struct bg_sink *s, unsigned long line)
{
	struct csv_shift *c = s->arg;

	if (c->up->defanged)
		c->up->defanged(c->up, c->base + line - 1);
}

static void csv_put(struct em *m, const char *s, size_t n)
{
	if (m->csv_fd < 0 || m->csv_too_big)
		return;
	if (m->csv_size + (long)n > EML_CSV_MAX) {
		m->csv_too_big = true;
		return;
	}
	while (n) {
		ssize_t w = write(m->csv_fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;

			m->rc = bg_err_set(&m->c->err, -e,
					   "%s: spooling the CSV attachment at line %lu: %s",
					   m->c->name, m->body_line, strerror(e));
			return;
		}
		s += w;
		n -= (size_t)w;
		m->csv_size += w;
	}
}

/* --- attachment names --------------------------------------------------------- */

static int b64_value(unsigned char c);

/* Converts s (n bytes in charset cs) to UTF-8 into out; false if it cannot. */
static bool to_utf8_name(const char *cs, const char *s, size_t n, char *out, size_t outlen)
{
	iconv_t cd;
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
	cd = iconv_open("UTF-8", strcasecmp(cs, "shift_jis") == 0 ? "CP932" : cs);
	if (cd == (iconv_t)-1)
		return false;
	ok = iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0 &&
	     iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1;
	iconv_close(cd);
	if (ok)
		*op = '\0';
	return ok;
}

/* RFC 2047 encoded words ("=?ISO-2022-JP?B?...?=") in a parameter value, as
 * Outlook writes Japanese file names.  Decodes in place; white space between
 * two encoded words goes. */
static void decode_words(char *v, size_t cap)
{
	char out[sizeof(((struct ent *)0)->name)], bytes[sizeof(out)];
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
				int val = b64_value((unsigned char)*p);

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
				else if (*p == '=' && p + 2 < end && hexval(p[1]) >= 0 &&
					 hexval(p[2]) >= 0) {
					bytes[bn++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
					p += 2;
				} else
					bytes[bn++] = *p;
			}
		} else {
			goto plain;
		}
		if (!to_utf8_name(charset, bytes, bn, conv, sizeof(conv)))
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

/* The name as shown: RFC 2231 and 2047 decoded, raw 8-bit names (old Japanese
 * mailers) read as CP932, control characters out. */
static void name_setup(struct em *m)
{
	char conv[sizeof(m->e.name)];
	size_t n;

	if (m->e.name_cs[0] &&
	    to_utf8_name(m->e.name_cs, m->e.name, strlen(m->e.name), conv, sizeof(conv)))
		memcpy(m->e.name, conv, sizeof(conv));
	if (strstr(m->e.name, "=?"))
		decode_words(m->e.name, sizeof(m->e.name));
	n = strlen(m->e.name);
	if (!bg_utf8_valid(m->e.name, n)) {
		if (to_utf8_name("CP932", m->e.name, n, conv, sizeof(conv)))
			memcpy(m->e.name, conv, sizeof(conv));
		else
			for (char *p = m->e.name; *p; p++)
				if ((unsigned char)*p >= 0x80)
					*p = '?';
	}
	for (char *p = m->e.name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	snprintf(m->shown, sizeof(m->shown), "%s", m->e.name[0] ? m->e.name : "(unnamed)");
}

/* --- attachments, read by content ------------------------------------------------ */

static long spool_read(void *arg, void *buf, size_t n, struct bg_err *err)
{
	int fd = *(int *)arg, e;
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		e = errno;
		return bg_err_set(err, -e, "reading the spooled attachment: %s", strerror(e));
	}
	return (long)r;
}

struct att {
	struct em *m;
	struct csv_shift sh;
};

static void att_skipped(void *arg, const char *name, const char *why)
{
	struct att *a = arg;
	struct em *m = a->m;
	size_t nl = strlen(m->c->name);
	char w[600];

	if (strncmp(name, m->c->name, nl) == 0 && name[nl] == ':')
		name += nl + 1;
	if (strcmp(name, m->shown) == 0)
		snprintf(w, sizeof(w), "attachment %s (%s) skipped: %s", name,
			 m->e.have_type ? m->e.type : "text/plain", why);
	else
		snprintf(w, sizeof(w), "attachment %s skipped: %s", name, why);
	note(m, m->e.line, w, name, strlen(name));
}

/* One attached file (or a member of an attached archive) that is no archive. */
static int att_leaf(void *arg, struct bg_input *in, int depth, struct bg_err *err)
{
	struct att *a = arg;
	const struct bg_reader *rd;
	struct bg_reader_ctx rc;
	struct bg_err refusal = BG_ERR_INIT;
	const char *name = bg_input_name(in), *why;
	size_t nl = strlen(name);
	int r;

	(void)depth;
	rd = bg_reader_detect(in, name, &refusal);
	if (rd) {
		bg_reader_ctx_init(&rc, in, NULL, &a->m->c->opts, &a->sh.s);
		r = rd->read(&rc);
		bg_err_copy(err, &rc.err);
		return r;
	}
	if (bg_err_isset(bg_input_error(in))) {
		bg_err_copy(err, &refusal);
		return -EBADMSG; /* broken, not merely no list: err says how */
	}
	why = refusal.msg;
	if (strncmp(why, name, nl) == 0 && why[nl] == ':')
		why += nl + 2;
	att_skipped(a, name, why);
	return 0;
}

static void shift_sheet(struct bg_sink *s, unsigned idx, const char *name)
{
	struct csv_shift *c = s->arg;

	if (c->up->sheet)
		c->up->sheet(c->up, idx, name);
}

/* A workbook's lines say sheet and row (BG_SHEET_LINE): they pass unshifted,
 * and the sheets' names go up to the import's report. */
static int att_book(void *arg, int fd, int kind, const char *name, struct bg_err *err)
{
	struct att *a = arg;
	struct csv_shift sh = a->sh;
	struct bg_reader_ctx rc;
	int r;

	(void)kind;
	sh.s.arg = &sh;
	sh.s.sheet = shift_sheet;
	sh.base = 1;
	bg_reader_ctx_init(&rc, NULL, name, &a->m->c->opts, &sh.s);
	r = bg_workbook_read(&rc, fd);
	bg_err_copy(err, &rc.err);
	return r;
}

/* The part ended: read what was spooled. */
static void attach_finish(struct em *m)
{
	struct att a;
	struct bg_input *in = NULL;
	struct bg_unpack u;
	struct bg_err err = BG_ERR_INIT;
	char name[1024];
	int r = 0, kind;

	if (m->csv_fd < 0)
		return;
	if (m->rc)
		goto out;
	if (m->csv_size == 0) {
		if (m->kind == K_ATTACH)
			note(m, m->e.line, "empty attachment", m->shown, strlen(m->shown));
		goto out;
	}
	if (m->csv_too_big)
		note(m, m->body_line, "attachment larger than 1 GiB; the rest skipped", m->shown,
		     strlen(m->shown));
	if (lseek(m->csv_fd, 0, SEEK_SET) != 0) {
		r = -errno;
		bg_err_set(&err, r, "%s: attachment %s: %s", m->c->name, m->shown, strerror(-r));
		goto fail;
	}
	if (m->kind == K_ATTACH)
		snprintf(name, sizeof(name), "%s:%s", m->c->name, m->shown);
	else
		snprintf(name, sizeof(name), "%s", m->c->name);
	r = bg_input_open_stream(&in, name, spool_read, &m->csv_fd, (unsigned long long)m->csv_size,
				 &err);
	if (r < 0)
		goto fail;
	/* A label names the encoding; without one the content decides. */
	if (m->e.charset[0] && bg_input_set_encoding(in, m->e.charset, NULL) != 0)
		note(m, m->e.line, "unknown charset, the encoding is detected instead",
		     m->e.charset, strlen(m->e.charset));
	else if (!m->e.charset[0] && m->c->opts.encoding)
		bg_input_set_encoding(in, m->c->opts.encoding, NULL);
	memset(&a, 0, sizeof(a));
	a.m = m;
	a.sh.s.address = shift_address;
	a.sh.s.invalid = shift_invalid;
	a.sh.s.record = shift_record;
	a.sh.s.defanged = shift_defanged;
	a.sh.s.arg = &a.sh;
	a.sh.up = m->c->sink;
	a.sh.base = m->body_line;
	if (m->text_detect) {
		const char *line;
		size_t len;
		unsigned flags;
		enum kind k = m->kind;

		/* The message's own text: read by this reader's rules, decoded. */
		while ((r = bg_input_getline(in, &line, &len, &flags, &err)) == 1 && !m->rc) {
			unsigned long ln = m->body_line + bg_input_lineno(in) - 1;

			if (flags & (BG_LINE_BAD_UTF8 | BG_LINE_HAS_NUL)) {
				if (memchr(line, '@', len))
					note(m, ln,
					     flags & BG_LINE_HAS_NUL
						 ? "NUL byte in the line"
						 : "bytes not valid in the part's encoding",
					     line, len);
				continue;
			}
			if (k == K_HTML)
				html_line(m, line, len, ln);
			else
				text_line(m, line, len, ln);
		}
		goto fail;
	}
	if (m->c->opts.unpack) {
		u = *m->c->opts.unpack;
		u.unpacked = u.packed = 0;
		u.members = 0;
	} else {
		bg_unpack_init(&u);
	}
	u.top = NULL;
	u.member = att_leaf;
	u.workbook = att_book;
	u.skipped = att_skipped;
	u.arg = &a;
	kind = bg_archive_kind(in);
	if (kind != BG_ARCHIVE_NONE)
		r = bg_unpack_read(&u, in, kind, 0, &err);
	else
		r = att_leaf(&a, in, 0, &err);
	/* u shares the caller's passwords: never bg_unpack_free() it here. */
fail:
	if (r < 0 && !m->rc) {
		m->rc = bg_err_set(&m->c->err, r, "%s", err.msg[0] ? err.msg : strerror(-r));
	}
out:
	bg_input_close(in);
	close(m->csv_fd);
	m->csv_fd = -1;
}

/* --- decoding: transfer encoding -> charset -> lines ------------------------- */

static void deliver(struct em *m)
{
	unsigned long line = m->cte == CTE_B64 ? m->body_line + m->dline : m->lstart;

	if (m->llen && m->lb[m->llen - 1] == '\r')
		m->llen--;
	if (m->lcut && !m->cut_noted) {
		m->cut_noted = true;
		note(m, line, "line longer than 64 KiB cut", m->lb, 80);
	}
	switch (m->kind) {
	case K_TEXT:
		text_line(m, m->lb, m->llen, line);
		break;
	case K_HTML:
		html_line(m, m->lb, m->llen, line);
		break;
	case K_ATTACH:
	case K_SKIP:
		break;
	}
	m->llen = 0;
	m->lcut = false;
	m->lstarted = false;
	m->dline++;
}

/* UTF-8 bytes of the part, split into lines. */
static void to_lines(struct em *m, const char *s, size_t n, unsigned long raw)
{
	while (n && !m->rc) {
		const char *nl = memchr(s, '\n', n);
		size_t k = nl ? (size_t)(nl - s) : n;

		if (!m->lstarted) {
			m->lstarted = true;
			m->lstart = raw;
		}
		if (m->llen + k > EML_LINE_MAX) {
			size_t room = EML_LINE_MAX - m->llen;

			memcpy(m->lb + m->llen, s, room);
			m->llen += room;
			m->lcut = true;
		} else {
			memcpy(m->lb + m->llen, s, k);
			m->llen += k;
		}
		if (!nl)
			return;
		deliver(m);
		s += k + 1;
		n -= k + 1;
	}
}

static void bad_charset(struct em *m, unsigned long raw)
{
	if (!m->bad_cs_noted) {
		m->bad_cs_noted = true;
		note(m, raw, "bytes not valid in the part's charset (replaced)", m->e.charset,
		     strlen(m->e.charset));
	}
	to_lines(m, "\xef\xbf\xbd", 3, raw);
}

/* Converts what waits in pend; a character cut at the end of it stays there. */
static void convert_pend(struct em *m, unsigned long raw)
{
	char out[1024];
	char *ip = m->pend;
	size_t il = m->npend;

	while (il && !m->rc) {
		char *op = out;
		size_t ol = sizeof(out), r;
		int e;

		r = iconv(m->cd, &ip, &il, &op, &ol);
		e = errno;
		to_lines(m, out, (size_t)(op - out), raw);
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		if (e == EINVAL && il < sizeof(m->pend))
			break;
		/* EILSEQ, or an "incomplete" character as long as pend: skip a byte */
		bad_charset(m, raw);
		e = il < m->cs_unit ? (int)il : (int)m->cs_unit;
		ip += e;
		il -= (size_t)e;
	}
	memmove(m->pend, ip, il);
	m->npend = il;
}

/* Decoded bytes of the part, in its charset. */
static void to_utf8(struct em *m, const char *s, size_t n, unsigned long raw)
{
	/* Attachments and unlabelled text: the bytes as they are, decoded later. */
	if (m->kind == K_ATTACH || m->text_detect) {
		csv_put(m, s, n);
		return;
	}
	if (!m->convert) {
		to_lines(m, s, n, raw);
		return;
	}
	while (n && !m->rc) {
		size_t take = sizeof(m->pend) - m->npend;

		if (take > n)
			take = n;
		memcpy(m->pend + m->npend, s, take);
		m->npend += take;
		s += take;
		n -= take;
		convert_pend(m, raw);
	}
}

static int b64_value(unsigned char c)
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

static void body_b64(struct em *m, const char *s, size_t n)
{
	char out[EML_LINE_MAX / 4 * 3 + 3];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (c == '=') {
			/* Padding ends a quantum; some encoders glue pieces together. */
			if (m->b64_n == 2)
				out[o++] = (char)(m->b64_acc >> 4);
			else if (m->b64_n == 3) {
				out[o++] = (char)(m->b64_acc >> 10);
				out[o++] = (char)(m->b64_acc >> 2);
			}
			m->b64_n = 0;
			m->b64_acc = 0;
			continue;
		}
		v = b64_value(c);
		if (v < 0) {
			if (!m->b64_bad_noted) {
				m->b64_bad_noted = true;
				note(m, m->raw_line, "invalid base64 character (skipped)", s, n);
			}
			continue;
		}
		m->b64_acc = (m->b64_acc << 6) | (unsigned)v;
		if (++m->b64_n == 4) {
			out[o++] = (char)(m->b64_acc >> 16);
			out[o++] = (char)(m->b64_acc >> 8);
			out[o++] = (char)m->b64_acc;
			m->b64_n = 0;
			m->b64_acc = 0;
		}
	}
	to_utf8(m, out, o, m->raw_line);
}

static void body_qp(struct em *m, const char *s, size_t n)
{
	char out[EML_LINE_MAX + 1];
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
		} else if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = '='; /* not an escape: keep it as written */
		}
	}
	if (!soft)
		out[o++] = '\n';
	to_utf8(m, out, o, m->raw_line);
}

static void body_line(struct em *m, const char *s, size_t n)
{
	if (m->kind == K_SKIP)
		return;
	m->last_line = m->raw_line;
	switch (m->cte) {
	case CTE_B64:
		body_b64(m, s, n);
		break;
	case CTE_QP:
		body_qp(m, s, n);
		break;
	case CTE_IDENT:
		to_utf8(m, s, n, m->raw_line);
		to_utf8(m, "\n", 1, m->raw_line);
		break;
	}
}

/* The part ends (a boundary, the end of the message). */
static void leaf_end(struct em *m)
{
	if (m->kind != K_SKIP) {
		if (m->cte == CTE_B64 && m->b64_n && !m->rc) {
			/* Corrupt data is no list to act on: fail the import, name the place. */
			m->rc = bg_err_set(
			    &m->c->err, -EBADMSG, "%s: line %lu: base64 part%s%s truncated (%s)",
			    m->c->name, m->last_line, m->e.name[0] ? " " : "", m->e.name,
			    m->b64_n == 1 ? "a lone 6-bit unit at its end"
					  : "no padding at its end");
		}
		if (m->convert) {
			char out[64], *op = out;
			size_t ol = sizeof(out);

			if (m->npend) {
				m->npend = 0;
				bad_charset(m, m->raw_line);
			}
			/* stateful charsets (ISO-2022-JP) may owe a shift back */
			if (iconv(m->cd, NULL, NULL, &op, &ol) != (size_t)-1)
				to_lines(m, out, (size_t)(op - out), m->raw_line);
		}
		if (m->llen || m->lstarted)
			deliver(m);
		if (m->kind == K_ATTACH || m->text_detect)
			attach_finish(m);
		scan_flush(m);
	}
	if (m->convert)
		iconv_close(m->cd);
	m->convert = false;
	m->kind = K_SKIP;
	m->text_detect = false;
	m->in_tag = m->in_comment = false;
	m->in_sig = m->sig_noted = false;
	m->skip_until[0] = '\0';
	m->b64_n = 0;
	m->b64_acc = 0;
	m->llen = 0;
	m->lstarted = false;
	m->npend = 0;
}

/* --- headers ---------------------------------------------------------------- */

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void copy_param(char *dst, size_t cap, const char *v, size_t n, bool append)
{
	size_t have = append ? strlen(dst) : 0;

	if (have + n >= cap)
		n = cap - 1 - have;
	memcpy(dst + have, v, n);
	dst[have + n] = '\0';
}

/* RFC 2231 "utf-8''%41b" values: strips the charset and decodes %XX. */
static size_t pct_decode(char *v, size_t n, bool first)
{
	size_t o = 0, i = 0;

	if (first) {
		const char *q = memchr(v, '\'', n);
		const char *q2 = q ? memchr(q + 1, '\'', n - (size_t)(q + 1 - v)) : NULL;

		if (q2)
			i = (size_t)(q2 + 1 - v);
	}
	for (; i < n; i++) {
		if (v[i] == '%' && i + 2 < n && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
			v[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
			i += 2;
		} else {
			v[o++] = v[i];
		}
	}
	return o;
}

/* "type/sub; a=b; c="d e"" -> the parameters we use. */
static void parse_params(struct em *m, const char *v, bool is_type)
{
	const char *p = v;
	char val[EML_HEADER_MAX + 1];

	if (is_type) {
		size_t n = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		while (*p && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < sizeof(m->e.type))
			m->e.type[n++] = *p++;
		m->e.type[n] = '\0';
		lower(m->e.type);
		m->e.have_type = n > 0;
	}
	while ((p = strchr(p, ';')) != NULL) {
		char pname[64] = "";
		size_t pn = 0, vn = 0, bl;
		bool ext, first;
		const char *star;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		while (*p && *p != '=' && *p != ';' && pn + 1 < sizeof(pname))
			pname[pn++] = *p++;
		while (pn && (pname[pn - 1] == ' ' || pname[pn - 1] == '\t'))
			pn--;
		pname[pn] = '\0';
		lower(pname);
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				val[vn++] = *p;
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ';' && *p != ' ' && *p != '\t')
				val[vn++] = *p++;
		}
		val[vn] = '\0';
		/* name*0*=..., name*1=...: continuations of one value. */
		ext = pn && pname[pn - 1] == '*';
		if (ext)
			pname[--pn] = '\0';
		star = strchr(pname, '*');
		bl = star ? (size_t)(star - pname) : pn;
		first = !star || strcmp(star, "*0") == 0;
		if (ext && first && (ieq(pname, bl, "filename") || ieq(pname, bl, "name"))) {
			const char *q = memchr(val, '\'', vn);
			size_t cl = q ? (size_t)(q - val) : 0;

			if (cl < sizeof(m->e.name_cs)) {
				memcpy(m->e.name_cs, val, cl);
				m->e.name_cs[cl] = '\0';
			}
		}
		if (ext)
			vn = pct_decode(val, vn, first);
		if (ieq(pname, bl, "boundary")) {
			if (vn > EML_BOUNDARY_MAX)
				m->e.boundary_cut = true;
			copy_param(m->e.boundary, sizeof(m->e.boundary), val, vn, !first);
		} else if (ieq(pname, bl, "charset") && is_type) {
			copy_param(m->e.charset, sizeof(m->e.charset), val, vn, !first);
			lower(m->e.charset);
		} else if ((ieq(pname, bl, "filename") && !is_type) ||
			   (ieq(pname, bl, "name") && is_type && (!m->e.name[0] || !first))) {
			copy_param(m->e.name, sizeof(m->e.name), val, vn, !first);
		}
	}
}

static void header_done(struct em *m)
{
	char *v = memchr(m->hb, ':', m->hlen);
	size_t nl;

	if (!v)
		return;
	nl = (size_t)(v - m->hb);
	while (nl && (m->hb[nl - 1] == ' ' || m->hb[nl - 1] == '\t'))
		nl--;
	v++;
	/* Only the Content-* fields matter: the addressing ones are never read. */
	if (ieq(m->hb, nl, "content-type")) {
		parse_params(m, v, true);
	} else if (ieq(m->hb, nl, "content-disposition")) {
		char keep[sizeof(m->e.name)];

		memcpy(keep, m->e.name, sizeof(keep));
		m->e.name[0] = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (istarts(v, strlen(v), "attachment"))
			m->e.attachment = true;
		parse_params(m, v, false);
		if (!m->e.name[0])
			memcpy(m->e.name, keep, sizeof(keep));
	} else if (ieq(m->hb, nl, "content-transfer-encoding")) {
		size_t n = 0;

		while (*v == ' ' || *v == '\t')
			v++;
		while (*v && *v != ' ' && *v != '\t' && *v != ';' && n + 1 < sizeof(m->e.cte_name))
			m->e.cte_name[n++] = *v++;
		m->e.cte_name[n] = '\0';
		lower(m->e.cte_name);
		if (strcmp(m->e.cte_name, "base64") == 0)
			m->e.cte = CTE_B64;
		else if (strcmp(m->e.cte_name, "quoted-printable") == 0)
			m->e.cte = CTE_QP;
		else
			m->e.cte = CTE_IDENT;
	}
	m->hlen = 0;
}

static void ent_reset(struct em *m, unsigned long line)
{
	memset(&m->e, 0, sizeof(m->e));
	m->e.line = line;
	m->hlen = 0;
}

static bool skipping(const struct em *m)
{
	for (int i = 0; i < m->nfr; i++)
		if (m->fr[i].skip_child)
			return true;
	return false;
}

/* What to do with a leaf part's body.  Only the message's own text is read as
 * text here; anything attached (whatever its label says: application/vnd.ms-
 * excel, octet-stream, zip) is read by content, like a file.  Media and
 * signatures hold no list. */
static enum kind kind_of(const struct em *m)
{
	const char *t = m->e.have_type ? m->e.type : "text/plain";
	bool named = m->e.name[0] != '\0';

	if (strncmp(t, "image/", 6) == 0 || strncmp(t, "audio/", 6) == 0 ||
	    strncmp(t, "video/", 6) == 0 || strcmp(t, "application/pgp-signature") == 0 ||
	    strcmp(t, "application/pkcs7-signature") == 0 ||
	    strcmp(t, "application/x-pkcs7-signature") == 0 ||
	    strcmp(t, "application/pgp-keys") == 0)
		return K_SKIP;
	if (!named && !m->e.attachment) {
		if (strcmp(t, "text/html") == 0)
			return K_HTML;
		if (strcmp(t, "text/plain") == 0 || strcmp(t, "text/enriched") == 0 ||
		    strcmp(t, "text/markdown") == 0)
			return K_TEXT;
	}
	return K_ATTACH;
}

/* false when iconv does not know the label */
static bool charset_setup(struct em *m)
{
	const char *cs = m->e.charset;
	char canon[BG_ENC_NAME_MAX];

	m->convert = false;
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
	m->cd = iconv_open("UTF-8", cs);
	if (m->cd == (iconv_t)-1)
		return false;
	m->convert = true;
	m->cs_unit = strncasecmp(cs, "utf-16", 6) == 0 || strncasecmp(cs, "ucs-2", 5) == 0   ? 2
		     : strncasecmp(cs, "utf-32", 6) == 0 || strncasecmp(cs, "ucs-4", 5) == 0 ? 4
											     : 1;
	return true;
}

/* The blank line after a part's headers: set up for its body. */
static void body_begin(struct em *m)
{
	const char *t = m->e.have_type ? m->e.type : "text/plain";

	m->st = ST_BODY;
	m->kind = K_SKIP;
	m->body_line = m->raw_line + 1;
	m->dline = 0;
	m->cut_noted = m->bad_cs_noted = m->b64_bad_noted = false;
	if (strncmp(t, "multipart/", 10) == 0) {
		struct frame *f;

		if (!m->e.boundary[0] || m->e.boundary_cut) {
			note(m, m->e.line,
			     m->e.boundary_cut
				 ? "multipart boundary longer than 200 characters; part skipped"
				 : "multipart without a boundary; part skipped",
			     t, strlen(t));
			return;
		}
		if (m->nfr == EML_DEPTH_MAX) {
			note(m, m->e.line, "multipart nested more than 16 deep; part skipped", t,
			     strlen(t));
			return;
		}
		f = &m->fr[m->nfr++];
		memset(f, 0, sizeof(*f));
		f->blen = strlen(m->e.boundary);
		memcpy(f->boundary, m->e.boundary, f->blen + 1);
		f->line = m->e.line;
		f->alternative = strcmp(t, "multipart/alternative") == 0;
		f->addrs_at_child = m->addrs;
		return; /* the preamble follows: ignored */
	}
	if (strcmp(t, "message/rfc822") == 0 || strcmp(t, "message/global") == 0) {
		/* A forwarded message: its headers, then its body. */
		ent_reset(m, m->raw_line + 1);
		m->st = ST_HEADERS;
		return;
	}
	if (skipping(m))
		return;
	name_setup(m);
	m->kind = kind_of(m);
	if (m->kind == K_SKIP) {
		char why[512];

		snprintf(why, sizeof(why), "attachment %s (%s) skipped", m->shown, t);
		note(m, m->e.line, why, m->shown, strlen(m->shown));
		return;
	}
	m->cte = m->e.cte;
	if (m->e.cte_name[0] && m->e.cte == CTE_IDENT && strcmp(m->e.cte_name, "7bit") != 0 &&
	    strcmp(m->e.cte_name, "8bit") != 0 && strcmp(m->e.cte_name, "binary") != 0)
		note(m, m->e.line, "unknown Content-Transfer-Encoding, read as 8bit", m->e.cte_name,
		     strlen(m->e.cte_name));
	/* A text part without a charset label is decoded like a file, once whole
	 * (ISO-2022-JP and Shift_JIS bodies often come unlabelled). */
	m->text_detect = (m->kind == K_TEXT || m->kind == K_HTML) && !m->e.charset[0];
	if (m->kind != K_ATTACH && !m->text_detect && !charset_setup(m)) {
		/* A label iconv does not know: the content decides, as without one. */
		note(m, m->body_line, "unknown charset, the encoding is detected instead",
		     m->e.charset, strlen(m->e.charset));
		m->e.charset[0] = '\0';
		m->text_detect = true;
	}
	if (m->kind == K_ATTACH || m->text_detect) {
		m->csv_size = 0;
		m->csv_too_big = false;
		m->csv_fd = bg_spool_open();
		if (m->csv_fd < 0) {
			int e = -m->csv_fd;

			m->rc = bg_err_set(&m->c->err, m->csv_fd,
					   "%s: attachment at line %lu: no temporary file to spool "
					   "it (%s; set TMPDIR)",
					   m->c->name, m->e.line, strerror(e));
			m->csv_fd = -1;
		}
	}
}

/* --- structure ---------------------------------------------------------------- */

/* A boundary line of an open multipart: returns its frame index, or -1. */
static int boundary_of(const struct em *m, const char *s, size_t n, bool *close)
{
	if (n < 3 || s[0] != '-' || s[1] != '-')
		return -1;
	while (n > 2 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (int i = m->nfr - 1; i >= 0; i--) {
		const struct frame *f = &m->fr[i];

		if (n < 2 + f->blen || memcmp(s + 2, f->boundary, f->blen) != 0)
			continue;
		if (n == 2 + f->blen) {
			*close = false;
			return i;
		}
		if (n == 4 + f->blen && s[2 + f->blen] == '-' && s[3 + f->blen] == '-') {
			*close = true;
			return i;
		}
	}
	return -1;
}

static void unclosed(struct em *m, const struct frame *f)
{
	char why[300];

	snprintf(why, sizeof(why),
		 "multipart never closed (no \"--%s--\" line): the message may be truncated",
		 f->boundary);
	note(m, f->line, why, f->boundary, f->blen);
}

static void boundary(struct em *m, int k, bool close)
{
	struct frame *f = &m->fr[k];

	if (m->st == ST_HEADERS)
		header_done(m);
	leaf_end(m);
	while (m->nfr > k + 1)
		unclosed(m, &m->fr[--m->nfr]);
	if (f->alternative && !f->skip_child && m->addrs > f->addrs_at_child)
		f->alt_done = true;
	if (close) {
		m->nfr--;
		m->st = ST_BODY; /* the epilogue: ignored */
		m->kind = K_SKIP;
		return;
	}
	f->skip_child = f->alt_done;
	f->addrs_at_child = m->addrs;
	ent_reset(m, m->raw_line + 1);
	m->st = ST_HEADERS;
}

static void message_end(struct em *m)
{
	if (m->st == ST_HEADERS)
		header_done(m);
	leaf_end(m);
	while (m->nfr > 0)
		unclosed(m, &m->fr[--m->nfr]);
}

static void message_begin(struct em *m, unsigned long first)
{
	m->nfr = 0;
	ent_reset(m, first);
	m->st = ST_HEADERS;
}

static bool header_start(const char *s, size_t n)
{
	size_t i = 0;

	/* field-name: printable ASCII but ':' and space, then ':' */
	while (i < n && s[i] > ' ' && s[i] < 127 && s[i] != ':')
		i++;
	return i > 0 && i < n && s[i] == ':';
}

/* "From sender Mon Jan 12 09:00:00 2026": the date's time tells it from a
 * sentence that happens to begin with "From ". */
static bool mbox_from(const char *s, size_t n)
{
	if (n < 8 || memcmp(s, "From ", 5) != 0 || s[5] == ' ')
		return false;
	for (size_t i = 6; i + 3 < n; i++)
		if (s[i] >= '0' && s[i] <= '9' && s[i + 1] == ':' && s[i + 2] >= '0' &&
		    s[i + 2] <= '9' && s[i + 3] >= '0' && s[i + 3] <= '9')
			return true;
	return false;
}

static void raw_line(struct em *m, const char *s, size_t n, unsigned flags)
{
	bool close = false;
	int k;

	m->raw_line = bg_input_lineno(m->c->in);
	if ((flags & BG_LINE_TOO_LONG) && m->st == ST_BODY && m->kind != K_SKIP && !m->cut_noted) {
		m->cut_noted = true;
		note(m, m->raw_line, "line longer than 64 KiB cut", s, 80);
	}
	/* An mbox: "From " at the start of a line after a blank one opens a message. */
	if ((!m->any_line || (m->mbox && m->prev_blank)) && mbox_from(s, n)) {
		if (m->any_line)
			message_end(m);
		m->mbox = true;
		m->any_line = true;
		message_begin(m, m->raw_line + 1);
		m->prev_blank = false;
		return;
	}
	m->any_line = true;
	m->prev_blank = n == 0;
	if (m->nfr && (k = boundary_of(m, s, n, &close)) >= 0) {
		boundary(m, k, close);
		return;
	}
	if (m->st == ST_HEADERS) {
		if (n && (s[0] == ' ' || s[0] == '\t') && m->hlen) {
			size_t room = EML_HEADER_MAX - m->hlen;

			/* folding: the line break goes, the white space stays */
			memcpy(m->hb + m->hlen, s, n < room ? n : room);
			m->hlen += n < room ? n : room;
			m->hb[m->hlen] = '\0';
			return;
		}
		header_done(m);
		if (n && header_start(s, n)) {
			m->hlen = n < EML_HEADER_MAX ? n : EML_HEADER_MAX;
			memcpy(m->hb, s, m->hlen);
			m->hb[m->hlen] = '\0';
			return;
		}
		body_begin(m);
		if (n == 0)
			return;
		/* A line that is no header: the headers ended without their blank line. */
		m->body_line = m->raw_line;
	}
	body_line(m, s, n);
}

static int eml_read(struct bg_reader_ctx *c)
{
	struct bg_input *in = c->in;
	struct em *m;
	int rc, r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	/* Each part is decoded by its own label: the message as a whole never is. */
	bg_input_set_encoding(in, "raw", NULL);
	m->c = c;
	m->csv_fd = -1;
	m->lb = malloc(EML_LINE_MAX + 1);
	m->text = malloc(EML_LINE_MAX + 1);
	m->tsink.address = tok_address;
	m->tsink.invalid = tok_invalid;
	m->tsink.record = tok_record;
	m->tsink.defanged = tok_defanged;
	m->tsink.arg = m;
	if (!m->lb || !m->text || bg_addrtok_new(&m->tok, &m->tsink) != 0) {
		rc = bg_err_set(&c->err, -ENOMEM, "%s: out of memory", m->c->name);
		goto out;
	}
	message_begin(m, 1);
	while (!m->rc) {
		const char *line;
		size_t len;
		unsigned flags;

		r = bg_input_getline(in, &line, &len, &flags, &c->err);
		if (r < 0) {
			m->rc = r;
			break;
		}
		if (r == 0)
			break;
		raw_line(m, line, len, flags);
	}
	if (!m->rc)
		message_end(m);
	rc = m->rc;
out:
	if (m->convert)
		iconv_close(m->cd);
	if (m->csv_fd >= 0)
		close(m->csv_fd);
	free(m->lb);
	free(m->text);
	bg_addrtok_free(m->tok);
	free(m);
	return rc;
}

/* --- detection ------------------------------------------------------------------ */

static bool known_header(const char *s, size_t n)
{
	static const char *const names[] = {"from:",
					    "to:",
					    "subject:",
					    "date:",
					    "mime-version:",
					    "content-type:",
					    "message-id:",
					    "return-path:",
					    "received:",
					    "delivered-to:",
					    "reply-to:",
					    "x-mailer:",
					    "dkim-signature:",
					    "arc-seal:",
					    "authentication-results:",
					    "cc:",
					    "sender:",
					    "x-original-to:",
					    "user-agent:",
					    NULL};

	for (int i = 0; names[i]; i++)
		if (istarts(s, n, names[i]))
			return true;
	return false;
}

static int eml_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0, lines = 0, pl = path ? strlen(path) : 0;
	bool known = false, named = false;
	int score = 0;

	if ((pl > 4 && strcasecmp(path + pl - 4, ".eml") == 0) ||
	    (pl > 5 && strcasecmp(path + pl - 5, ".mbox") == 0) ||
	    (pl > 7 && strcasecmp(path + pl - 7, ".eml.gz") == 0))
		named = true;
	{
		const char *nl = memchr(head, '\n', len);
		size_t first = nl ? (size_t)(nl - head) : len;

		/* "From sender date" then headers */
		if (mbox_from(head, first)) {
			if (nl && nl + 1 < head + len &&
			    header_start(nl + 1, len - (size_t)(nl + 1 - head)))
				return 95;
			score = 60;
		}
	}
	while (i < len && lines < 30) {
		const char *nl = memchr(head + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - head) : len, n = e - i;

		if (n && head[e - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (head[i] == ' ' || head[i] == '\t') {
			if (lines == 0)
				return named ? 80 : 0;
		} else if (header_start(head + i, n)) {
			known |= known_header(head + i, n);
			lines++;
		} else {
			break;
		}
		i = e + 1;
	}
	if (known && lines >= 2)
		score = 95;
	else if (known)
		score = 70;
	if (named && score < 85)
		score = 85;
	return score;
}

const struct bg_reader bg_reader_eml = {"eml", eml_probe, eml_read};
