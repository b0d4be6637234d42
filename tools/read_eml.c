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
 * This file is the reader itself (lines, the part being read, attachments, what
 * goes to the sink); eml_mime.c owns the message's structure, eml_decode.c the
 * transfer and charset decoding, eml_html.c HTML to text.
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

#include <unistr.h>

#include "addrtok.h"
#include "ascii.h"
#include "eml_decode.h"
#include "eml_html.h"
#include "eml_mime.h"
#include "reader.h"
#include "safeopen.h"
#include "unpack.h"
#include "workbook.h"

#define EML_LINE_MAX BG_LINE_MAX
#define EML_SEEN_MAX 4096		  /* addresses already given for the current line */
#define EML_CSV_MAX (1024L * 1024 * 1024) /* a CSV attachment spooled to disk */

struct em {
	struct bg_reader_ctx *c; /* input, options, sink, error */
	int rc;			 /* sticky: also a sink's refusal, which has no message */

	unsigned long raw_line;
	bool mbox, prev_blank, any_line;
	/* The raw line goes on in the next piece (bg_input_long_pieces: a body
	 * line of more than 64 KiB): raw_cont while its pieces come. */
	bool raw_more, raw_cont;
	struct bg_eml_mime mime; /* headers, parts, boundaries */

	/* the leaf part being read */
	enum bg_eml_kind kind;
	enum bg_eml_cte cte;
	unsigned long body_line, dline, lstart;
	unsigned long last_line; /* the part's last body line read */
	bool lstarted, lcut, cut_noted;
	bool in_sig, sig_noted; /* after a "-- " line: the sender's signature */
	/* The line before was a quoted header's ("> To: a@x,", "References: <id>"):
	 * a line folded from it (blanks after as many quote marks; below an open
	 * To:/Cc:, addresses only) is its too (bg_header_fold).  Before: a
	 * hard-wrapped "> To: a@x; b@x;" then "> c@x" stored c@x. */
	struct bg_hdr_fold hdr;
	/* After a rule line (━━━━, -----, ＝＝＝＝): where a Japanese signature
	 * block starts; the sender's own address there is not imported (by the
	 * line number: the tokeniser hands a line's addresses on a line late). */
	unsigned long rule_at;	       /* its line, 0 before one */
	unsigned long from_noted_line; /* each line it is left out on is noted */
	/* The From: address once left out so: every alternative rendering after
	 * the plain text (its HTML, where no rule line is seen) leaves it out. */
	char from_out[256];
	/* The addresses the first rendering of a multipart/alternative gave
	 * (NUL-separated): another rendering's others are its own (an HTML
	 * footer's, a tracking link's), noted, not imported. */
	char *alt_seen;
	size_t alt_len, alt_cap;
	unsigned long alt_frame_line; /* which multipart/alternative */
	unsigned alt_part;	      /* its part that gave the first address */
	bool alt_full;		      /* too many to keep: the others read too */
	struct bg_eml_b64 b64;
	struct bg_eml_charset cs;
	bool bad_cs_noted, b64_bad_noted;
	char *lb; /* the decoded line being assembled */
	size_t llen;
	struct bg_eml_html html;

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
	/* below a pair label alone on its line ("ID／PW") */
	struct bg_pair_rows pairs;
	/* A text part's or an HTML part's head, held until its combolist
	 * separator is known (reader.h), and the multipart/alternative (its
	 * line; 0: none) of the plain text that learned one: its other
	 * renderings (the HTML of the same rows) are read with it */
	struct bg_combo_head head;
	unsigned long head_alt;
};

static void note(struct em *m, unsigned long line, const char *why, const char *text, size_t len)
{
	if (!m->rc)
		bg_reader_note(m->c, line, why, text, len);
}

/* --- addresses out of free text ------------------------------------------- */

/* Whether the len bytes of NUL-terminated strings at list hold s (n bytes),
 * ASCII case aside when ci. */
static bool in_list(const char *list, size_t len, const char *s, size_t n, bool ci)
{
	for (size_t i = 0; i < len;) {
		size_t l = strlen(list + i);

		if (l == n && (ci ? strncasecmp(list + i, s, n) : memcmp(list + i, s, n)) == 0)
			return true;
		i += l + 1;
	}
	return false;
}

#define ALT_SEEN_MAX (1024 * 1024)

/* The innermost multipart/alternative the part is in, or NULL. */
static const struct bg_eml_frame *alt_frame(const struct em *m)
{
	for (int k = m->mime.nfr - 1; k >= 0; k--)
		if (m->mime.fr[k].alternative)
			return &m->mime.fr[k];
	return NULL;
}

/* Whether address s is one a multipart/alternative's later rendering gives
 * and its first did not; the first one's are kept. */
static bool alt_other(struct em *m, const char *s, size_t n)
{
	const struct bg_eml_frame *f = alt_frame(m);

	if (!f)
		return false;
	if (f->line != m->alt_frame_line || !m->alt_part) {
		m->alt_frame_line = f->line;
		m->alt_part = f->part;
		m->alt_len = 0;
		m->alt_full = false;
	}
	if (f->part != m->alt_part) {
		return !m->alt_full && !in_list(m->alt_seen, m->alt_len, s, n, true);
	}
	if (m->alt_len + n + 1 > m->alt_cap) {
		size_t cap = m->alt_cap ? 2 * m->alt_cap : 4096;
		char *p;

		while (cap < m->alt_len + n + 1)
			cap *= 2;
		if (cap > ALT_SEEN_MAX || !(p = realloc(m->alt_seen, cap))) {
			m->alt_full = true;
			return false;
		}
		m->alt_seen = p;
		m->alt_cap = cap;
	}
	memcpy(m->alt_seen + m->alt_len, s, n);
	m->alt_seen[m->alt_len + n] = '\0';
	m->alt_len += n + 1;
	return false;
}

/* The tokeniser's sink: the same address twice on one line (an HTML link and
 * its text) is one. */
static int tok_address(struct bg_sink *ts, const char *s, size_t n, unsigned long line)
{
	struct em *m = ts->arg;
	int r;

	if (m->rc)
		return m->rc;
	/* "E-mail：t-yamamoto@vendor.example" under ━━━━: the sender's own, the
	 * From: address, in the signature a Japanese mail closes with. */
	if ((m->rule_at && line > m->rule_at && m->mime.from[0] && strlen(m->mime.from) == n &&
	     strncasecmp(m->mime.from, s, n) == 0) ||
	    (m->from_out[0] && strlen(m->from_out) == n && strncasecmp(m->from_out, s, n) == 0)) {
		snprintf(m->from_out, sizeof(m->from_out), "%.*s", (int)n, s);
		if (line != m->from_noted_line) {
			m->from_noted_line = line;
			note(m, line, bg_sender_sig_why, s, n);
		}
		return 0;
	}
	if (alt_other(m, s, n)) {
		note(m, line,
		     "only in another rendering of the message (its HTML), not in the one read "
		     "first: not imported",
		     s, n);
		return 0;
	}
	if (line != m->seen_line) {
		m->seen_line = line;
		m->seenlen = 0;
	}
	if (in_list(m->seen, m->seenlen, s, n, false))
		return 0;
	if (m->seenlen + n + 1 <= sizeof(m->seen) && !memchr(s, '\0', n)) {
		memcpy(m->seen + m->seenlen, s, n);
		m->seen[m->seenlen + n] = '\0';
		m->seenlen += n + 1;
	}
	r = m->c->sink->address(m->c->sink, s, n, line);
	if (r < 0)
		m->rc = r;
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

static void text_line(struct em *m, const char *s, size_t n, unsigned long line)
{
	bool fold = bg_header_fold(&m->hdr, s, n);
	const char *ps;

	m->pairs.over_blanks = false;

	/* A forwarded message after the forwarder's signature: its text is no
	 * signature.  Before: "-- " above "-------- Forwarded Message --------"
	 * dropped the whole list the forward carried. */
	if (m->in_sig && bg_forward_line(s, n)) {
		m->in_sig = m->sig_noted = false;
		return;
	}
	/* RFC 3676 signature separator (QP and some mailers lose its space) */
	if (bg_sig_separator(s, n)) {
		m->in_sig = true;
		return;
	}
	if (!m->rule_at && bg_rule_line(s, n))
		m->rule_at = line;
	else if (!m->rule_at && bg_letter_close(s, n))
		m->rule_at = line - 1; /* its own address counts */
	if (!bg_addr_maybe(s, n)) {
		/* "パスワード：" alone: the tokeniser learns that the next line is
		 * a password (bg_addrtok_label_lines); a short line holds no more */
		if (n <= 96 && !m->in_sig)
			scan_tokens(m, s, n, line);
		if (!m->in_sig)
			(void)bg_pair_rows_line(m->c, &m->pairs, s, n, line, false);
		return;
	}
	if (m->in_sig) {
		if (!m->sig_noted) {
			m->sig_noted = true;
			note(m, line, bg_signature_why, s, n);
		}
		return;
	}
	if (fold || bg_quoted_header(s, n)) {
		note(m, line, "quoted mail header: its addresses are not imported", s,
		     bg_shown_to_address(s, n));
		return;
	}
	if (bg_inquiry_line(s, n)) {
		note(m, line, bg_inquiry_why, s, bg_shown_to_address(s, n));
		return;
	}
	/* "taro@x.jp／Tr9pw@evil.jp" below "ID／PW": the password never read */
	if (!(ps = bg_pair_rows_line(m->c, &m->pairs, s, n, line, true))) {
		m->rc = -ENOMEM;
		return;
	}
	s = ps;
	line_begin(m);
	scan_tokens(m, s, n, line);
	line_end(m);
}

static int text_read_fn(void *arg, const char *s, size_t n, unsigned long line)
{
	struct em *m = arg;

	text_line(m, s, n, line);
	return m->rc;
}

/* One decoded line of a text part, through the held head (reader.h). */
static void text_put(struct em *m, const char *s, size_t n, unsigned long line)
{
	int r = bg_combo_head_put(&m->head, m->tok, s, n, line, text_read_fn, m);

	if (r < 0 && !m->rc)
		m->rc = r;
}

/* --- HTML, crudely ---------------------------------------------------------- */

/* One line of what the HTML part shows (its text up to a '\n'). */
static void html_shown(struct em *m, const char *text, size_t len, unsigned long line)
{
	/* a row blanked below keeps its account: it may still hold an address */
	bool maybe = len && bg_addr_maybe(text, len);

	/* the rows below "ID／PW": their passwords never read (a page's empty
	 * lines are its tags', no gap of the text's) */
	m->pairs.over_blanks = true;
	if (!(text = bg_pair_rows_line(m->c, &m->pairs, text, len, line, maybe))) {
		m->rc = -ENOMEM;
		return;
	}
	if (!m->rule_at && len && (bg_rule_line(text, len) || bg_letter_close(text, len)))
		m->rule_at = line - 1;
	if (maybe) {
		if (bg_quoted_header(text, len))
			note(m, line, "quoted mail header: its addresses are not imported", text,
			     bg_shown_to_address(text, len));
		else if (bg_inquiry_line(text, len))
			note(m, line, bg_inquiry_why, text, bg_shown_to_address(text, len));
		else
			scan_tokens(m, text, len, line);
		/* HTML's line ends are no edges a reader sees: nothing is held over
		 * one to join the next line (the wrapped table cells of plain text). */
		scan_flush(m);
	}
}

/* Each line the page shows (a <p>, a <br>) on its own: a one-line part's
 * inquiry line or quoted header is one too. */
static void html_text(struct em *m, const char *text, size_t len, unsigned long line)
{
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t k = nl ? (size_t)(nl - text) : len;

		html_shown(m, text, k, line);
		k += nl != NULL;
		text += k;
		len -= k;
	}
}

/* What the converter made of one line of the part: a record when it held an
 * address. */
static int html_read_fn(void *arg, const char *s, size_t n, unsigned long line)
{
	struct em *m = arg;

	line_begin(m);
	html_text(m, s, n, line);
	line_end(m);
	return m->rc;
}

static void html_line(struct em *m, const char *s, size_t n, unsigned long line)
{
	bg_eml_html_line(&m->html, s, n);
	if (m->html.hid_at) {
		m->html.hid_at = false;
		note(m, line,
		     "an '@' in text the message hides (display:none, visibility:hidden, hidden) "
		     "is not imported",
		     s, n > 80 ? 80 : n);
	}
	if (m->html.pw_at) {
		m->html.pw_at = false;
		note(m, line, bg_eml_html_pw_why, bg_eml_html_pw_hidden,
		     strlen(bg_eml_html_pw_hidden));
	}
	if (m->html.link_diff) {
		m->html.link_diff = false;
		note(m, line, bg_eml_html_link_why, s, n > 200 ? 200 : n);
	}
	if (!m->html.hold) { /* a link open at the end: read with its </a>'s line */
		int r = bg_combo_head_put(&m->head, m->tok, m->html.text, m->html.textlen, line,
					  html_read_fn, m);

		if (r < 0 && !m->rc)
			m->rc = r;
	}
}

/* The held head read now: the part ends. */
static void head_release(struct em *m)
{
	int r = bg_combo_head_release(&m->head, m->tok,
				      m->kind == BG_EML_HTML ? html_read_fn : text_read_fn, m);

	if (r < 0 && !m->rc)
		m->rc = r;
}

/* --- CSV attachments ------------------------------------------------------- */

/* The CSV reader numbers the attachment's lines; this puts them back in the
 * message file. */
struct csv_shift {
	struct bg_sink s;
	struct bg_sink *up;
	unsigned long base;
	/* While an attached vCard is read: the message's From: address.  A card
	 * attached to a notice is its sender's (the signature's .vcf Outlook and
	 * Thunderbird attach): the sender's own address there is no exposed
	 * user's.  Any other card's address is read, as a contacts export is. */
	const char *sender;
};

static int shift_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct csv_shift *c = s->arg;

	if (c->sender && strlen(c->sender) == len && strncasecmp(c->sender, addr, len) == 0) {
		c->up->invalid(
		    c->up, c->base + line - 1,
		    "the sender's own address (From:) in an attached vCard: not imported", addr,
		    len);
		return 0;
	}
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
	int w = bg_write_full(m->csv_fd, s, n);

	if (w < 0) {
		m->rc = bg_err_set(&m->c->err, w, "%s: spooling the CSV attachment at line %lu: %s",
				   m->c->name, m->body_line, strerror(-w));
		return;
	}
	m->csv_size += (long)n;
}

/* --- attachment names --------------------------------------------------------- */

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
			 m->mime.e.have_type ? m->mime.e.type : "text/plain", why);
	else
		snprintf(w, sizeof(w), "attachment %s skipped: %s", name, why);
	note(m, m->mime.e.line, w, name, strlen(name));
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
		rc.within = true;
		a->sh.sender =
		    strcmp(rd->name, "vcard") == 0 && a->m->mime.from[0] ? a->m->mime.from : NULL;
		r = rd->read(&rc);
		a->sh.sender = NULL;
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
/* Whether the spooled part is valid UTF-8 with a sequence of three bytes or
 * more in it (Japanese, Chinese text; a legacy text is almost never that, and
 * half-width katakana pairs of CP932 may pass as two-byte ones).  Leaves the
 * offset at the start. */
static bool spool_utf8(int fd)
{
	unsigned char buf[65536 + 4];
	size_t keep = 0, widest = 1;
	bool ok = true;
	ssize_t got;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return false;
	while (ok && (got = read(fd, buf + keep, sizeof(buf) - 4 - keep)) > 0) {
		size_t n = keep + (size_t)got, i = bg_utf8_prefix(buf, n, &widest);

		/* a sequence cut at the buffer's end: the next read ends it */
		ok = n - i < 4;
		keep = ok ? n - i : 0;
		memmove(buf, buf + i, keep);
	}
	if (got < 0 || keep)
		ok = false;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return false;
	return ok && widest >= 3;
}

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
		if (m->kind == BG_EML_ATTACH)
			note(m, m->mime.e.line, "empty attachment", m->shown, strlen(m->shown));
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
	if (m->kind == BG_EML_ATTACH)
		snprintf(name, sizeof(name), "%s:%s", m->c->name, m->shown);
	else
		snprintf(name, sizeof(name), "%s", m->c->name);
	r = bg_input_open_stream(&in, name, spool_read, &m->csv_fd, (unsigned long long)m->csv_size,
				 &err);
	if (r < 0)
		goto fail;
	/* A label names the encoding; without one the content decides.  A text
	 * part whose label is a legacy one but whose bytes are UTF-8 (Japanese
	 * text in it) is UTF-8: read as the label says, 「 and the 't' after it
	 * made one kanji, and "aro@" was stored for taro@. */
	if (m->text_detect && m->mime.e.charset[0] && spool_utf8(m->csv_fd)) {
		note(m, m->body_line,
		     "the part is labelled with another charset but is valid UTF-8: read as UTF-8",
		     m->mime.e.charset, strlen(m->mime.e.charset));
		bg_input_set_encoding(in, "UTF-8", NULL);
	} else if (m->mime.e.charset[0] && bg_input_set_encoding(in, m->mime.e.charset, NULL) != 0)
		note(m, m->mime.e.line, "unknown charset, the encoding is detected instead",
		     m->mime.e.charset, strlen(m->mime.e.charset));
	else if (!m->mime.e.charset[0] && m->c->opts.encoding)
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
	a.sh.sender = NULL;
	if (m->text_detect) {
		const char *line;
		size_t len;
		unsigned flags;
		enum bg_eml_kind k = m->kind;

		/* The message's own text: read by this reader's rules, decoded; a
		 * long line in pieces, as to_lines cuts one. */
		bg_input_long_pieces(in, k == BG_EML_HTML ? bg_eml_html_cut : NULL);
		while ((r = bg_input_getline(in, &line, &len, &flags, &err)) == 1 && !m->rc) {
			unsigned long ln = m->body_line + bg_input_lineno(in) - 1;

			if (flags & (BG_LINE_BAD_UTF8 | BG_LINE_HAS_NUL)) {
				if (bg_addr_maybe(line, len))
					note(m, ln,
					     flags & BG_LINE_HAS_NUL
						 ? "NUL byte in the line"
						 : "bytes not valid in the part's encoding",
					     line, bg_reader_flagged_shown(line, len));
				continue;
			}
			if ((flags & BG_LINE_TOO_LONG) && !m->cut_noted) {
				/* 64 KiB with no place to cut (one word): said, as deliver says it.
				 */
				m->cut_noted = true;
				note(m, ln, "line longer than 64 KiB cut", line, 80);
			}
			if (k == BG_EML_HTML)
				html_line(m, line, len, ln);
			else
				text_put(m, line, len, ln);
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
	unsigned long line = m->cte == BG_EML_CTE_B64 ? m->body_line + m->dline : m->lstart;

	if (m->llen && m->lb[m->llen - 1] == '\r')
		m->llen--;
	if (m->lcut && !m->cut_noted) {
		m->cut_noted = true;
		note(m, line, "line longer than 64 KiB cut", m->lb, 80);
	}
	switch (m->kind) {
	case BG_EML_TEXT:
		text_put(m, m->lb, m->llen, line);
		break;
	case BG_EML_HTML:
		html_line(m, m->lb, m->llen, line);
		break;
	case BG_EML_ATTACH:
	case BG_EML_SKIP:
		break;
	}
	m->llen = 0;
	m->lcut = false;
	m->lstarted = false;
	m->dline++;
}

/* A line longer than the buffer: its first cut bytes as a line of their own
 * (the same number), the rest kept as the start of the next piece. */
static void deliver_piece(struct em *m, size_t cut)
{
	unsigned long line = m->cte == BG_EML_CTE_B64 ? m->body_line + m->dline : m->lstart;
	size_t keep = m->llen - cut;

	if (m->kind == BG_EML_TEXT)
		text_put(m, m->lb, cut, line);
	else if (m->kind == BG_EML_HTML)
		html_line(m, m->lb, cut, line);
	memmove(m->lb, m->lb + cut, keep);
	m->llen = keep;
}

/* UTF-8 bytes of the part, split into lines.  A line longer than the buffer
 * goes on in pieces, cut where no word is split (a generated HTML mail's
 * table on one line, an Outlook list of thousands of recipients); only a line
 * with no such place in 64 KiB is cut and reported. */
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
			size_t room = EML_LINE_MAX - m->llen, cut = 0;

			memcpy(m->lb + m->llen, s, room);
			m->llen += room;
			if (!m->lcut)
				cut = m->kind == BG_EML_HTML ? bg_eml_html_cut(m->lb, m->llen)
							     : bg_input_cut_text(m->lb, m->llen);
			if (cut > 0) {
				deliver_piece(m, cut);
				s += room;
				n -= room;
				continue;
			}
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
		note(m, raw, "bytes not valid in the part's charset (replaced)", m->mime.e.charset,
		     strlen(m->mime.e.charset));
	}
	to_lines(m, "\xef\xbf\xbd", 3, raw);
}

/* Decoded bytes of the part, in its charset. */
/* The charset converter's output, for the part's raw line raw. */
struct conv {
	struct em *m;
	unsigned long raw;
};

static bool conv_out(void *arg, const char *s, size_t n)
{
	struct conv *v = arg;

	to_lines(v->m, s, n, v->raw);
	return !v->m->rc;
}

static bool conv_bad(void *arg)
{
	struct conv *v = arg;

	bad_charset(v->m, v->raw);
	return !v->m->rc;
}

static void to_utf8(struct em *m, const char *s, size_t n, unsigned long raw)
{
	struct conv v = {m, raw};
	const struct bg_eml_sink k = {conv_out, conv_bad, &v};

	/* Attachments and unlabelled text: the bytes as they are, decoded later. */
	if (m->kind == BG_EML_ATTACH || m->text_detect) {
		csv_put(m, s, n);
		return;
	}
	if (!m->cs.convert) {
		to_lines(m, s, n, raw);
		return;
	}
	if (!m->rc)
		bg_eml_charset_put(&m->cs, s, n, &k);
}

static void body_b64(struct em *m, const char *s, size_t n)
{
	char out[EML_LINE_MAX / 4 * 3 + 3];
	bool bad = false;
	size_t o = bg_eml_b64_line(&m->b64, s, n, out, &bad);

	if (bad && !m->b64_bad_noted) {
		m->b64_bad_noted = true;
		note(m, m->raw_line, "invalid base64 character (skipped)", s, n);
	}
	to_utf8(m, out, o, m->raw_line);
}

static void body_qp(struct em *m, const char *s, size_t n)
{
	char out[EML_LINE_MAX + 1];
	size_t o = bg_eml_qp_line(s, n, out);

	/* A piece of a longer line (which QP should not have) ends in none. */
	if (m->raw_more && o && out[o - 1] == '\n')
		o--;
	to_utf8(m, out, o, m->raw_line);
}

static void body_line(struct em *m, const char *s, size_t n)
{
	if (m->kind == BG_EML_SKIP)
		return;
	m->last_line = m->raw_line;
	switch (m->cte) {
	case BG_EML_CTE_B64:
		body_b64(m, s, n);
		break;
	case BG_EML_CTE_QP:
		body_qp(m, s, n);
		break;
	case BG_EML_CTE_IDENT:
		/* The pieces of a long line joined again: to_lines cuts it where
		 * the part's kind allows (deliver_piece). */
		to_utf8(m, s, n, m->raw_line);
		if (!m->raw_more)
			to_utf8(m, "\n", 1, m->raw_line);
		break;
	}
}

/* The part ends (a boundary, the end of the message). */
static void leaf_end(struct em *m)
{
	if (m->kind != BG_EML_SKIP) {
		if (m->cte == BG_EML_CTE_B64 && m->b64.n && !m->rc) {
			/* Corrupt data is no list to act on: fail the import, name the place. */
			m->rc = bg_err_set(
			    &m->c->err, -EBADMSG, "%s: line %lu: base64 part%s%s truncated (%s)",
			    m->c->name, m->last_line, m->mime.e.name[0] ? " " : "", m->mime.e.name,
			    m->b64.n == 1 ? "a lone 6-bit unit at its end"
					  : "no padding at its end");
		}
		{
			struct conv v = {m, m->raw_line};
			const struct bg_eml_sink k = {conv_out, conv_bad, &v};

			bg_eml_charset_end(&m->cs, &k);
		}
		if (m->llen || m->lstarted)
			deliver(m);
		if (m->kind == BG_EML_ATTACH || m->text_detect)
			attach_finish(m);
		head_release(m);
		if (m->kind == BG_EML_TEXT && m->head.sep) {
			const struct bg_eml_frame *f = alt_frame(m);

			m->head_alt = f ? f->line : 0;
		}
		scan_flush(m);
	}
	bg_eml_charset_close(&m->cs);
	m->kind = BG_EML_SKIP;
	m->text_detect = false;
	if (m->html.hold) { /* a link never closed: what it kept */
		bg_eml_html_release(&m->html);
		line_begin(m);
		if (m->html.link_diff) {
			m->html.link_diff = false;
			note(m, m->lstart, bg_eml_html_link_why, m->html.link, m->html.linklen);
		}
		html_text(m, m->html.text, m->html.textlen, m->lstart);
		line_end(m);
	}
	bg_addrtok_combo(m->tok, 0, false); /* the next part learns its own */
	bg_eml_html_reset(&m->html);
	m->in_sig = m->sig_noted = m->pairs.on = false;
	bg_header_fold_end(&m->hdr);
	m->rule_at = 0;
	m->b64.n = 0;
	m->b64.acc = 0;
	m->llen = 0;
	m->lstarted = false;
}

/* A charset label a UTF-8 body is sent under by mistake: a legacy
 * multi-byte one of East Asia, ISO-2022-JP (7-bit: 8-bit bytes are no
 * ISO-2022-JP, and a UTF-8 body under it is common) and US-ASCII. */
static bool legacy_label(const char *cs)
{
	static const char *const names[] = {
	    "iso-2022-jp", "iso-2022-jp-2",  "iso-2022-kr", "us-ascii", "ascii",       "shift_jis",
	    "shift-jis",   "sjis",	     "x-sjis",	    "cp932",	"windows-31j", "ms932",
	    "euc-jp",	   "x-euc-jp",	     "gb2312",	    "gbk",	"gb18030",     "big5",
	    "euc-kr",	   "ks_c_5601-1987", "cp949",	    NULL};

	for (int k = 0; names[k]; k++)
		if (strcasecmp(cs, names[k]) == 0)
			return true;
	return false;
}

/* --- headers ---------------------------------------------------------------- */

/* The blank line after a part's headers: set up for its body. */
static void body_begin(struct em *m)
{
	struct bg_eml_ent *e = &m->mime.e;
	const char *t = e->have_type ? e->type : "text/plain", *skip;

	m->kind = BG_EML_SKIP;
	m->body_line = m->raw_line + 1;
	m->dline = 0;
	m->cut_noted = m->bad_cs_noted = m->b64_bad_noted = false;
	if (strncmp(t, "multipart/", 10) == 0) {
		skip = bg_eml_multipart_open(&m->mime, t);
		if (skip)
			note(m, e->line, skip, t, strlen(t));
		return; /* the preamble follows: ignored */
	}
	if ((strcmp(t, "message/rfc822") == 0 || strcmp(t, "message/global") == 0) &&
	    e->cte == BG_EML_CTE_IDENT) {
		/* A forwarded message: its headers, then its body.  One sent in
		 * base64 or quoted-printable (RFC 2046 forbids it; mailers do it) is
		 * decoded and read like an attached .eml: its headers, read raw,
		 * gave nothing and its list was dropped without a word. */
		bg_eml_headers_begin(&m->mime, m->raw_line + 1);
		return;
	}
	bg_eml_ent_name(e, m->shown, sizeof(m->shown));
	m->kind = bg_eml_ent_kind(e);
	if (m->kind == BG_EML_SKIP) {
		char why[512];

		snprintf(why, sizeof(why), "attachment %s (%s) skipped", m->shown, t);
		note(m, m->mime.e.line, why, m->shown, strlen(m->shown));
		return;
	}
	m->cte = m->mime.e.cte;
	if (m->kind == BG_EML_TEXT || m->kind == BG_EML_HTML) {
		const struct bg_eml_frame *f = alt_frame(m);

		if (m->kind == BG_EML_HTML && m->head_alt && f && f->line == m->head_alt) {
			/* the HTML of a plain text read as a combolist: its rows too */
			bg_addrtok_combo(m->tok, m->head.sep, m->head.field);
			bg_addrtok_combo_cp(m->tok, m->head.cp);
		} else {
			bg_combo_head_start(&m->head);
		}
	}
	if (m->mime.e.cte_name[0] && m->mime.e.cte == BG_EML_CTE_IDENT &&
	    strcmp(m->mime.e.cte_name, "7bit") != 0 && strcmp(m->mime.e.cte_name, "8bit") != 0 &&
	    strcmp(m->mime.e.cte_name, "binary") != 0)
		note(m, m->mime.e.line, "unknown Content-Transfer-Encoding, read as 8bit",
		     m->mime.e.cte_name, strlen(m->mime.e.cte_name));
	/* A text part without a charset label is decoded like a file, once whole
	 * (ISO-2022-JP and Shift_JIS bodies often come unlabelled). */
	m->text_detect = (m->kind == BG_EML_TEXT || m->kind == BG_EML_HTML) &&
			 (!m->mime.e.charset[0] || legacy_label(m->mime.e.charset));
	if (m->kind != BG_EML_ATTACH && !m->text_detect &&
	    !bg_eml_charset_open(&m->cs, e->charset)) {
		/* A label iconv does not know: the content decides, as without one. */
		note(m, m->body_line, "unknown charset, the encoding is detected instead",
		     m->mime.e.charset, strlen(m->mime.e.charset));
		m->mime.e.charset[0] = '\0';
		m->text_detect = true;
	}
	if (m->kind == BG_EML_ATTACH || m->text_detect) {
		m->csv_size = 0;
		m->csv_too_big = false;
		m->csv_fd = bg_spool_open();
		if (m->csv_fd < 0) {
			int no = -m->csv_fd;

			m->rc = bg_err_set(&m->c->err, m->csv_fd,
					   "%s: attachment at line %lu: no temporary file to spool "
					   "it (%s; set TMPDIR)",
					   m->c->name, e->line, strerror(no));
			m->csv_fd = -1;
		}
	}
}

/* --- structure ---------------------------------------------------------------- */

static void unclosed(struct em *m, const struct bg_eml_frame *f)
{
	char why[300];

	snprintf(why, sizeof(why),
		 "multipart never closed (no \"--%s--\" line): the message may be truncated",
		 f->boundary);
	note(m, f->line, why, f->boundary, f->blen);
}

static void boundary(struct em *m, int k, bool close)
{
	const struct bg_eml_frame *f;

	bg_eml_headers_flush(&m->mime);
	leaf_end(m);
	while ((f = bg_eml_unclosed(&m->mime, k)) != NULL)
		unclosed(m, f);
	/* The From: address left out stays out in the other renderings of one
	 * multipart/alternative only, not in a list attached after it. */
	if (close || !m->mime.fr[k].alternative)
		m->from_out[0] = '\0';
	bg_eml_boundary(&m->mime, close, m->raw_line + 1);
	if (close)
		m->kind = BG_EML_SKIP;
}

static void message_end(struct em *m)
{
	const struct bg_eml_frame *f;

	bg_eml_headers_flush(&m->mime);
	leaf_end(m);
	while ((f = bg_eml_unclosed(&m->mime, -1)) != NULL)
		unclosed(m, f);
}

static void raw_line(struct em *m, const char *s, size_t n, unsigned flags)
{
	bool close = false;
	int k;

	m->raw_line = bg_input_lineno(m->c->in);
	m->raw_cont = m->raw_more;
	m->raw_more = (flags & BG_LINE_PIECE) != 0;
	if (m->raw_cont) {
		/* More of a long line: body text (a header or a boundary is never
		 * that long; the rest of such a header is dropped, as a cut was). */
		if (m->mime.st == BG_EML_BODY)
			body_line(m, s, n);
		return;
	}
	if ((flags & BG_LINE_TOO_LONG) && m->mime.st == BG_EML_BODY && m->kind != BG_EML_SKIP &&
	    !m->cut_noted) {
		m->cut_noted = true;
		note(m, m->raw_line, "line longer than 64 KiB cut", s, 80);
	}
	/* An mbox: "From " at the start of a line after a blank one opens a message. */
	if ((!m->any_line || (m->mbox && m->prev_blank)) && bg_eml_mbox_from(s, n)) {
		if (m->any_line)
			message_end(m);
		m->mbox = true;
		m->any_line = true;
		bg_eml_mime_begin(&m->mime, m->raw_line + 1);
		m->from_out[0] = '\0';
		m->prev_blank = false;
		return;
	}
	m->any_line = true;
	m->prev_blank = n == 0;
	if ((k = bg_eml_boundary_of(&m->mime, s, n, &close)) >= 0) {
		boundary(m, k, close);
		return;
	}
	if (m->mime.st == BG_EML_HEADERS) {
		if (bg_eml_header_line(&m->mime, s, n))
			return;
		body_begin(m);
		if (n == 0)
			return;
		/* A line that is no header: the headers ended without their blank line. */
		m->body_line = m->raw_line;
	}
	body_line(m, s, n);
}

/* bg_input_long_pieces's cut for the raw message: all it holds. */
static size_t whole_piece(const char *s, size_t n)
{
	(void)s;
	return n;
}

static int eml_read(struct bg_reader_ctx *c)
{
	struct bg_input *in = c->in;
	struct em *m;
	int rc, r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	/* Each part is decoded by its own label: the message as a whole never is.
	 * A line longer than the line buffer comes in pieces cut anywhere: a
	 * part's bytes are joined again before they are decoded (body_line). */
	bg_input_set_encoding(in, "raw", NULL);
	bg_input_long_pieces(in, whole_piece);
	m->c = c;
	m->csv_fd = -1;
	m->lb = malloc(EML_LINE_MAX + 1);
	m->tsink.address = tok_address;
	m->tsink.invalid = tok_invalid;
	m->tsink.record = tok_record;
	m->tsink.defanged = tok_defanged;
	m->tsink.arg = m;
	if (!m->lb || bg_eml_html_init(&m->html, EML_LINE_MAX) != 0 ||
	    bg_addrtok_new(&m->tok, &m->tsink) != 0) {
		rc = bg_err_set(&c->err, -ENOMEM, "%s: out of memory", m->c->name);
		goto out;
	}
	bg_addrtok_label_lines(m->tok, true); /* "パスワード：" above its value */
	bg_eml_mime_begin(&m->mime, 1);
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
	bg_eml_charset_close(&m->cs);
	if (m->csv_fd >= 0)
		close(m->csv_fd);
	free(m->lb);
	free(m->alt_seen);
	bg_pair_rows_free(&m->pairs);
	bg_combo_head_free(&m->head);
	bg_eml_html_free(&m->html);
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
		if (bg_ascii_starts_ci(s, n, names[i]))
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
		if (bg_eml_mbox_from(head, first)) {
			if (nl && nl + 1 < head + len &&
			    bg_eml_header_start(nl + 1, len - (size_t)(nl + 1 - head)))
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
		} else if (bg_eml_header_start(head + i, n)) {
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
