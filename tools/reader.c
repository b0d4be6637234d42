/* reader.c: the reader registry and format detection.  Detection refuses what is
 * plainly not an advisory list (empty, a workbook, a PDF, binary data) with a
 * message that says what to do, then lets the readers' probes bid on the head. */
#include "reader.h"
#include "workbook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistr.h>

#include "addrtok.h"
#include "ascii.h"
#include "bundle.h" /* bg_bundle_magic */
#include "encoding.h"
#include "unicode.h"

#define HEAD_MAX (64 * 1024)
/* Binary checks look at this much of the head: enough to be sure, cheap to scan. */
#define BINARY_SCAN 4096

static const struct bg_reader *const readers[] = {
    &bg_reader_text, &bg_reader_csv,  &bg_reader_json,	&bg_reader_eml,
    &bg_reader_html, &bg_reader_ldif, &bg_reader_vcard,
};

void bg_reader_ctx_init(struct bg_reader_ctx *c, struct bg_input *in, const char *name,
			const struct bg_read_opts *o, struct bg_sink *sink)
{
	memset(c, 0, sizeof(*c));
	c->in = in;
	c->name = name ? name : in ? bg_input_name(in) : "-";
	if (o)
		c->opts = *o;
	c->sink = sink;
	bg_err_clear(&c->err);
}

int bg_reader_finish(struct bg_reader_ctx *c, int rc)
{
	if (rc < 0 && !bg_err_isset(&c->err))
		bg_err_set(&c->err, rc, "%s: %s", c->name, strerror(-rc));
	return rc;
}

const char *bg_reader_bad_bytes(const struct bg_reader_ctx *c, const char *tail, char *buf,
				size_t len)
{
	const char *enc = bg_input_encoding(c->in);

	if (bg_encoding_is_utf8(enc))
		snprintf(buf, len, "invalid UTF-8%s", tail);
	else
		snprintf(buf, len, "bytes not valid %s%s", enc, tail);
	return buf;
}

void bg_reader_note(struct bg_reader_ctx *c, unsigned long line, const char *why, const char *text,
		    size_t len)
{
	c->sink->invalid(c->sink, line, why, text ? text : "", text ? len : 0);
}

/* The length of a gap at s (n bytes) between a label and its value: a blank
 * or a line end, ':', '=', or one of ：　【】［］・■ (3 bytes); 0 when none. */
static size_t label_gap_at(const char *s, size_t n)
{
	static const char gaps[][4] = {"\xef\xbc\x9a", "\xe3\x80\x80", "\xe3\x80\x90",
				       "\xe3\x80\x91", "\xef\xbc\xbb", "\xef\xbc\xbd",
				       "\xe3\x83\xbb", "\xe2\x96\xa0"};

	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ':' || *s == '=' ||
	    *s == '[' || *s == ']')
		return 1;
	for (size_t k = 0; n >= 3 && k < sizeof(gaps) / sizeof(gaps[0]); k++)
		if (memcmp(s, gaps[k], 3) == 0)
			return 3;
	return 0;
}

/* The end of the first word of s (e bytes) that is a password's label, or
 * e. */
static size_t label_end(const char *s, size_t e)
{
	size_t i = 0, g;

	while (i < e) {
		size_t a;

		while (i < e && (g = label_gap_at(s + i, e - i)) != 0)
			i += g;
		for (a = i; i < e && label_gap_at(s + i, e - i) == 0; i++)
			;
		if (i > a && (bg_password_label(s + a, i - a) || bg_password_name(s + a, i - a)))
			return i;
	}
	return e;
}

/* How much of a flagged line its note shows: to the end of its first
 * address's word (a password may follow: "taro@x.jp パスワード：x"), and never
 * past a password's label ("Password: x", "【パスワード】x", "初期パスワード：x"
 * on a line without an address): the line was not tokenised, so nothing else
 * hides its value. */
size_t bg_reader_flagged_shown(const char *s, size_t n)
{
	return label_end(s, bg_shown_to_address(s, n));
}

/* The joiner of a pair row between its account's end k and its password at
 * pw, as struct bg_pair_rows keeps it. */
static char row_joiner_class(const char *s, size_t k, size_t pw)
{
	while (k < pw && (s[k] == ' ' || s[k] == '\t'))
		k++;
	while (k + 3 <= pw && memcmp(s + k, "\xe3\x80\x80", 3) == 0) /* U+3000 */
		k += 3;
	if (k >= pw)
		return ' ';
	if (s[k] == '/' || (pw - k >= 3 && memcmp(s + k, "\xef\xbc\x8f", 3) == 0))
		return '/';
	if (s[k] == ',' || (pw - k >= 3 && memcmp(s + k, "\xef\xbc\x8c", 3) == 0))
		return ',';
	if (pw - k >= 3 && memcmp(s + k, "\xe3\x80\x81", 3) == 0)
		return 'T';
	if (pw - k >= 3 && memcmp(s + k, "\xe3\x83\xbb", 3) == 0)
		return 'N';
	return s[k];
}

const char *bg_pair_rows_next(struct bg_reader_ctx *c, struct bg_pair_rows *p, const char *s,
			      size_t n, unsigned long line, bool maybe)
{
	static const char hidden[] = "(the password, not shown)";
	size_t i = 0, k, pw, pe;
	char j;

	/* Outside the rows: only a short line without an address may be a label. */
	if (!p->on) {
		if (!maybe && n <= 96 && bg_head_pair_label(s, n)) {
			p->on = true;
			p->joiner = 0;
		}
		return s;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n) {
		p->on = p->over_blanks; /* a blank line ends the rows */
		return s;
	}
	if (!maybe) {
		/* another label starts them again; any other line of text ends them */
		p->on = bg_head_pair_label(s, n) != 0;
		p->joiner = 0;
		return s;
	}
	if ((k = bg_pair_row(s, n, &pw, &pe)) == 0)
		return s;
	j = row_joiner_class(s, k, pw);
	if (p->joiner && j != p->joiner) {
		p->on = false; /* another shape: the block has ended */
		return s;
	}
	p->joiner = j;
	if (bg_addr_maybe(s + pw, pe - pw))
		bg_reader_note(c, line,
			       "a password (after the address of a row below a pair label such as "
			       "\"ID/PW\") is not imported",
			       hidden, sizeof(hidden) - 1);
	if (p->cap < n) {
		char *nb = realloc(p->buf, n);

		if (!nb)
			return NULL;
		p->buf = nb;
		p->cap = n;
	}
	memcpy(p->buf, s, n);
	memset(p->buf + k, ' ', pe - k);
	return p->buf;
}

static void filter_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			   size_t len)
{
	struct bg_sink *up = ((struct bg_sink_filter *)s)->up;

	up->invalid(up, line, why, text, len);
}

static void filter_record(struct bg_sink *s)
{
	struct bg_sink *up = ((struct bg_sink_filter *)s)->up;

	up->record(up);
}

static void filter_defanged(struct bg_sink *s, unsigned long line)
{
	struct bg_sink *up = ((struct bg_sink_filter *)s)->up;

	if (up->defanged)
		up->defanged(up, line);
}

struct bg_sink *bg_sink_filter(struct bg_sink_filter *f, struct bg_sink *up,
			       int (*address)(struct bg_sink *s, const char *addr, size_t len,
					      unsigned long line),
			       void *arg)
{
	f->s = (struct bg_sink){.address = address,
				.invalid = filter_invalid,
				.record = filter_record,
				.defanged = filter_defanged,
				.arg = arg};
	f->up = up;
	return &f->s;
}

void bg_pair_rows_free(struct bg_pair_rows *p)
{
	free(p->buf);
	p->buf = NULL;
	p->cap = 0;
	p->on = false;
}

/* A character a rule line is drawn with: - = _ ~ * # + . and their
 * full-width kin, dashes, box drawing (━ ─ ═), geometric shapes (■ □ ◆ ◇ ●
 * ○), stars, ー and ・. */
static bool rule_char(ucs4_t c)
{
	static const ucs4_t other[] = {0x2013, 0x2014, 0x2015, 0x2212, 0x2605, 0x2606,
				       0x301c, 0x30fb, 0x30fc, 0xff0a, 0xff0b, 0xff0d,
				       0xff1d, 0xff3f, 0xff5e, 0xff65};

	if (c < 0x80)
		return c && strchr("-=_~*#+.", (int)c);
	if (c >= 0x2500 && c <= 0x25ff)
		return true;
	for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++)
		if (c == other[k])
			return true;
	return false;
}

bool bg_forward_line(const char *s, size_t n)
{
	static const char *const words[] = {
	    "original message",
	    "forwarded message",
	    "begin forwarded message",
	    "\xe8\xbb\xa2\xe9\x80\x81\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83"
	    "\xbc\xe3\x82\xb8", /* 転送メッセージ */
	    "\xe5\x85\x83\xe3\x81\xae\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83"
	    "\xbc\xe3\x82\xb8", /* 元のメッセージ */
	    "\xe8\xbb\xa2\xe9\x80\x81\xe3\x81\x95\xe3\x82\x8c\xe3\x81\x9f\xe3\x83"
	    "\xa1\xe3\x83\x83"
	    "\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8", /* 転送されたメッセージ */
	    NULL};

	if (n > 96 || memchr(s, '@', n))
		return false;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; words[k]; k++) {
			size_t l = strlen(words[k]);

			if (n - i >= l && strncasecmp(s + i, words[k], l) == 0)
				return true;
		}
	return false;
}

bool bg_sig_separator(const char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	return (n == 3 && memcmp(s, "-- ", 3) == 0) || (n == 2 && memcmp(s, "--", 2) == 0);
}

const char bg_signature_why[] = "signature: its addresses are not imported";

const char bg_sender_sig_why[] =
    "the sender's own address (From:) in the signature (after a rule line, an inquiry heading or "
    "the letter's close): not imported";

bool bg_rule_line(const char *s, size_t n)
{
	size_t k = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	ucs4_t first = 0;
	bool mixed_ascii = false, wide = false;

	while (n) {
		ucs4_t c;
		int l = u8_mbtouc(&c, (const uint8_t *)s, n);

		if (l <= 0 || !rule_char(c))
			return false;
		if (!k)
			first = c;
		else if (c != first && c < 0x80 && first < 0x80)
			mixed_ascii = true;
		wide = wide || c >= 0x80;
		s += l;
		n -= (size_t)l;
		k++;
	}
	/* ASCII of one kind only: "+----+----+" is a table's border */
	return k >= 8 && (wide || !mixed_ascii);
}

/* A short line without an address that closes the letter before its
 * signature ("以上、よろしくお願いいたします。", "よろしくお願いします。", "以上",
 * "Best regards,"), or an inquiry heading alone ("【お問い合わせ先】"): as after
 * a rule line, the sender's own address from it on is a contact's.  Not a
 * close inside a sentence ("With regards to ...", "...をよろしくお願いいたします"
 * after the list's first words, "以上の1件に加え"). */
bool bg_letter_close(const char *s, size_t n)
{
	/* a letter's close, opening a short line, after which the sender signs */
	static const char *const closes[] = {"\xe3\x82\x88\xe3\x82\x8d\xe3\x81\x97\xe3\x81\x8f\xe3"
					     "\x81\x8a\xe9\xa1\x98\xe3\x81"
					     "\x84", /* よろしくお願い */
					     "\xe5\xae\x9c\xe3\x81\x97\xe3\x81\x8f\xe3\x81\x8a\xe9"
					     "\xa1\x98\xe3\x81\x84", /* 宜しくお願い
								      */
					     "\xe4\xbb\xa5\xe4\xb8\x8a\xe3\x80\x81", /* 以上、 */
					     "\xe4\xbb\xa5\xe4\xb8\x8a\xe3\x80\x82", /* 以上。 */
					     "best regards",
					     "kind regards",
					     "regards,",
					     "sincerely,",
					     "yours sincerely",
					     NULL};
	size_t i = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i > 72 || bg_addr_maybe(s + i, n - i))
		return false;
	/* "以上" alone, or "Regards" alone */
	if ((n - i == 6 && memcmp(s + i, "\xe4\xbb\xa5\xe4\xb8\x8a", 6) == 0) ||
	    (n - i == 7 && strncasecmp(s + i, "regards", 7) == 0))
		return true;
	for (int k = 0; closes[k]; k++) {
		size_t l = strlen(closes[k]);

		if (n - i >= l && strncasecmp(s + i, closes[k], l) == 0)
			return true;
	}
	/* an inquiry heading alone: "【お問い合わせ先】" */
	return bg_inquiry_line(s + i, n - i);
}

void bg_combo_head_start(struct bg_combo_head *h)
{
	h->on = true;
	h->len = h->nat = 0;
	h->lines = 0;
	h->sep = 0;
	h->field = false;
	h->cp = 0;
}

char bg_combo_sep_rows(const char *head, size_t len, bool *field, uint32_t *cp)
{
	char *rows = malloc(len + 1), sep;
	size_t i = 0, k = 0;
	bool first = true;

	*field = false;
	*cp = 0;
	if (!rows)
		return 0; /* no separator learned: read as before, nothing lost */
	while (i < len) {
		const char *nl = memchr(head + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - head) : len;
		bool blank = true;

		for (size_t j = i; j < e && blank; j++)
			blank = head[j] == ' ' || head[j] == '\t' || head[j] == '\r';
		/* the first line is kept whatever it holds: a header naming the
		 * columns ("アカウント　パスワード") or a pair label above the rows */
		if ((first && !blank) || bg_addr_maybe(head + i, e - i)) {
			memcpy(rows + k, head + i, e - i);
			k += e - i;
			rows[k++] = '\n';
		}
		first = first && blank;
		i = e + 1;
	}
	sep = k ? bg_combo_sep_cp(rows, k, field, cp) : 0;
	free(rows);
	return sep;
}

int bg_combo_head_release(struct bg_combo_head *h, struct bg_addrtok *tok, bg_combo_read_fn fn,
			  void *arg)
{
	int r = 0;

	if (!h->on)
		return 0;
	h->on = false;
	h->sep = h->lines ? bg_combo_sep_rows(h->buf, h->len, &h->field, &h->cp) : 0;
	bg_addrtok_combo(tok, h->sep, h->field);
	bg_addrtok_combo_cp(tok, h->cp);
	for (size_t i = 0; i < h->nat && r >= 0; i++)
		r = fn(arg, h->buf + h->at[i].off, h->at[i].n, h->at[i].line);
	h->len = h->nat = 0;
	h->lines = 0;
	return r < 0 ? r : 0;
}

int bg_combo_head_put(struct bg_combo_head *h, struct bg_addrtok *tok, const char *s, size_t n,
		      unsigned long line, bg_combo_read_fn fn, void *arg)
{
	if (!h->on)
		return fn(arg, s, n, line);
	if (h->len + n + 1 > h->cap) {
		size_t c = (h->len + n + 1) * 2;
		char *b = realloc(h->buf, c);

		if (!b)
			return -ENOMEM;
		h->buf = b;
		h->cap = c;
	}
	if (h->nat == h->capat) {
		size_t c = h->capat ? h->capat * 2 : 64;
		struct bg_combo_piece *a = realloc(h->at, c * sizeof(*a));

		if (!a)
			return -ENOMEM;
		h->at = a;
		h->capat = c;
	}
	h->at[h->nat++] = (struct bg_combo_piece){line, h->len, n};
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len++] = '\n';
	/* the rows of the piece: its lines that may hold an address */
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;

		h->lines += bg_addr_maybe(s + i, e - i);
		i = e + 1;
	}
	if (h->len >= BG_COMBO_HEAD_BYTES || h->lines >= BG_COMBO_HEAD_LINES)
		return bg_combo_head_release(h, tok, fn, arg);
	return 0;
}

void bg_combo_head_free(struct bg_combo_head *h)
{
	free(h->buf);
	free(h->at);
	memset(h, 0, sizeof(*h));
}

void bg_reader_note_flagged(struct bg_reader_ctx *c, unsigned long line, unsigned flags,
			    const char *text, size_t len)
{
	char why[BG_ENC_NAME_MAX + 32];

	len = bg_reader_flagged_shown(text, len);

	bg_reader_note(c, line,
		       (flags & BG_LINE_TOO_LONG)  ? "line too long"
		       : (flags & BG_LINE_HAS_NUL) ? "NUL byte in the line"
						   : bg_reader_bad_bytes(c, "", why, sizeof(why)),
		       text, len < 200 ? len : 200);
}

static int unread_address(struct bg_sink *s, const char *addr, size_t len, unsigned long line)
{
	struct bg_unread *u = s->arg;
	char why[160];

	if (u->count++ == 0) {
		u->first_line = line;
		snprintf(u->first, sizeof(u->first), "%s", u->where);
	}
	snprintf(why, sizeof(why), "an address in %s is not imported", u->where);
	if (u->hide) {
		static const char hidden[] = "(not shown: the text names a password)";

		addr = hidden;
		len = sizeof(hidden) - 1;
	}
	bg_reader_note(u->c, line, why, addr, len);
	return 0;
}

/* What the tokeniser says of the text (a password's word, a URL) is said as
 * for any text. */
static void unread_invalid(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			   size_t len)
{
	struct bg_unread *u = s->arg;

	bg_reader_note(u->c, line, why, text, len);
}

static void unread_record(struct bg_sink *s)
{
	(void)s;
}

int bg_unread_init(struct bg_unread *u, struct bg_reader_ctx *c)
{
	u->c = c;
	u->sink = (struct bg_sink){.address = unread_address,
				   .invalid = unread_invalid,
				   .record = unread_record,
				   .arg = u};
	if (bg_addrtok_new(&u->tok, &u->sink) != 0)
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	return 0;
}

void bg_unread_free(struct bg_unread *u)
{
	bg_addrtok_free(u->tok);
	u->tok = NULL;
}

int bg_unread_scan(struct bg_unread *u, const char *where, const char *s, size_t n,
		   unsigned long line)
{
	if (!bg_addr_maybe(s, n))
		return 0;
	u->where = where;
	/* The tokeniser hides a password's value after the labels it knows
	 * ("Password: x"); free text has others ("VPN password: x", whose
	 * value it takes for an address), and what it gives here is shown. */
	u->hide = label_end(s, n) < n;
	return bg_addr_scan(u->tok, s, n, line);
}

int bg_unread_refuse(struct bg_unread *u, unsigned long found, const char *read_from)
{
	if (found || !u->count || u->c->within)
		return 0;
	return bg_err_set(&u->c->err, -EINVAL,
			  "%s: no address in %s; %lu found elsewhere (the first in %s, line %lu), "
			  "not imported",
			  u->c->name, read_from, u->count, u->first, u->first_line);
}

const struct bg_reader *bg_reader_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		if (strcmp(readers[i]->name, name) == 0)
			return readers[i];
	}
	return NULL;
}

static bool starts(const char *head, size_t len, const char *magic, size_t mlen)
{
	return len >= mlen && memcmp(head, magic, mlen) == 0;
}

static bool ctrl_byte(unsigned char c)
{
	return c == 0 ||
	       (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
		c != 0x1a && c != 0x1b) ||
	       c == 0x7f;
}

/* Bytes no text list holds: NUL and C0 controls other than the white space ones
 * (ESC is ISO-2022-JP's).  A list followed by padding (NULs, 0xFF, random bytes)
 * is text: *text_len is then where its last whole line before the padding ends,
 * so the probes judge the list, and the reader counts the padding's lines. */
static bool looks_binary(const char *head, size_t len, size_t *text_len)
{
	const unsigned char *p = (const unsigned char *)head;
	size_t n = len < BINARY_SCAN ? len : BINARY_SCAN, i, ctrl = 0, first = n, pad = len;
	const char *nl;

	*text_len = len;
	for (i = 0; i < n; i++) {
		if (ctrl_byte(p[i])) {
			if (first == n)
				first = i;
			ctrl++;
		}
	}
	/* Where the padding starts in the whole head (0xFF 0xFF is no text either). */
	for (i = 0; i < len; i++) {
		if (ctrl_byte(p[i]) || (p[i] == 0xff && i + 1 < len && p[i + 1] == 0xff)) {
			pad = i;
			break;
		}
	}
	if (pad < len) {
		nl = memrchr(head, '\n', pad);
		if (nl && bg_addr_maybe(head, (size_t)(nl - head))) {
			*text_len = (size_t)(nl - head) + 1;
			return false;
		}
	}
	(void)first;
	return ctrl >= 4 && ctrl * 10 > n;
}

/* A refusal: the input is no list (or none we read). */
static void refuse(struct bg_err *err, const char *name, const char *what)
{
	bg_err_set(err, -EINVAL, "%s: %s", name, what);
}

/* What an OLE2 compound file is, by the streams its directory names (UTF-16LE;
 * a small file holds its directory early) or else its name: an encrypted
 * .xlsx ("EncryptedPackage"), an Outlook message saved to disk (.msg: its
 * "__substg1.0_" property streams), a Word document ("WordDocument"), or an
 * old Excel workbook, the commonest. */
static const char *ole2_refusal(const char *head, size_t len, const char *name)
{
	static const char enc[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
	static const char msg[] = "_\0_\0s\0u\0b\0s\0t\0g\0";
	static const char doc[] = "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
	static const char xls[] = "W\0o\0r\0k\0b\0o\0o\0k\0";

	if (memmem(head, len, enc, sizeof(enc) - 1))
		return bg_workbook_refusal(BG_WORKBOOK_ENCRYPTED);
	if (memmem(head, len, xls, sizeof(xls) - 1))
		return bg_workbook_refusal(BG_WORKBOOK_XLS);
	if (memmem(head, len, msg, sizeof(msg) - 1) || bg_ascii_has_suffix(name, ".msg"))
		return "looks like an Outlook message saved to disk (.msg, OLE2); save its "
		       "attachment, or the message as text (.txt), and import that; or forward "
		       "it and import the mail (.eml)";
	if (memmem(head, len, doc, sizeof(doc) - 1) || bg_ascii_has_suffix(name, ".doc"))
		return "looks like an old Word document (.doc, OLE2); save it as text (.txt) or "
		       "copy the list into a text file";
	return bg_workbook_refusal(BG_WORKBOOK_XLS);
}

/* The refusals that need only the undecoded head: what the file plainly is. */
static bool refused_by_magic(const unsigned char *h, size_t len, const char *name,
			     struct bg_err *err)
{
	const char *head = (const char *)h;

	if (starts(head, len, "PK\x03\x04", 4) || starts(head, len, "PK\x05\x06", 4)) {
		refuse(err, name,
		       "looks like a zip archive or workbook that could not be read; export the "
		       "list as CSV");
		return true;
	}
	if (starts(head, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		refuse(err, name, ole2_refusal(head, len, name));
		return true;
	}
	if (starts(head, len, "%PDF", 4)) {
		refuse(err, name, "looks like a PDF document; export the list as text or CSV");
		return true;
	}
	/* Images (a scan beside the list in a zip): no text to read. */
	if (starts(head, len, "\x89PNG\r\n\x1a\n", 8) || starts(head, len, "\xff\xd8\xff", 3) ||
	    starts(head, len, "GIF87a", 6) || starts(head, len, "GIF89a", 6) ||
	    starts(head, len, "II*\0", 4) || starts(head, len, "MM\0*", 4) ||
	    (len >= 12 && starts(head, len, "RIFF", 4) && memcmp(head + 8, "WEBP", 4) == 0)) {
		refuse(err, name, "looks like an image, not a list");
		return true;
	}
	return false;
}

/* A signed bundle that reached the list readers: import (cmd_fleet.c's sniff)
 * takes a bundle only as the one file named, uncompressed.  A compressed one
 * (bundle.bgb.gz, as mailed) is refused, naming the fix, not read: a bundle is
 * read twice (verify, then apply), so reading it through the decompressor
 * would mean spooling the decompressed bytes, a decompression bomb's way in. */
static bool refused_bundle(struct bg_input *in, const unsigned char *h, size_t len,
			   const char *name, struct bg_err *err)
{
	const char *how = bg_input_compression(in);
	char what[256];

	if (!bg_bundle_magic(h, len))
		return false;
	if (!*how)
		refuse(err, name,
		       "a signed breachguard bundle: import it alone, as the one FILE of "
		       "\"breachguard import\" (not inside an archive, not beside other files)");
	else if (strcmp(how, "gzip") == 0)
		refuse(err, name,
		       "a gzipped breachguard bundle: gunzip it and import the bundle itself (or "
		       "gunzip -c it | breachguard import -)");
	else {
		snprintf(what, sizeof(what),
			 "a breachguard bundle compressed with %s: decompress it and import the "
			 "bundle itself",
			 how);
		refuse(err, name, what);
	}
	return true;
}

/* The input's first 64 KiB hold a byte beyond ASCII and are valid UTF-8
 * (a sequence cut at the end aside). */
static bool utf8_beyond_ascii(struct bg_input *in)
{
	const unsigned char *p = NULL;
	long got = bg_input_peek_plain(in, &p, HEAD_MAX);
	size_t n, i, widest = 1;

	if (got <= 0)
		return false;
	n = (size_t)got;
	i = bg_utf8_prefix(p, n, &widest);
	if (i < n) /* a non-ASCII byte at i: valid only if cut at the end */
		return n - i < 4 && (size_t)got == HEAD_MAX;
	return widest > 1;
}

/* A web page's declared charset, from its first 4 KiB: <meta charset="X"> or
 * <meta http-equiv="Content-Type" content="text/html; charset=X">.  Taken for
 * the whole page (as a browser does) unless an encoding was given; a name
 * iconv does not know is left to detection.  A byte order mark still wins
 * (the input reads it first).  html: the page is HTML by its format or name;
 * else its head must start like a page. */
void bg_reader_html_charset(struct bg_input *in, bool html)
{
	const unsigned char *p = NULL;
	long got = bg_input_peek_plain(in, &p, 4096);
	size_t n, i = 0, k;
	char name[BG_ENC_NAME_MAX];

	if (got <= 0 || bg_input_encoding_given(in))
		return;
	n = (size_t)got;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (!html && !bg_ascii_starts_ci((const char *)p + i, n - i, "<!doctype html") &&
	    !bg_ascii_starts_ci((const char *)p + i, n - i, "<html"))
		return;
	for (; i + 5 < n; i++) {
		const unsigned char *e;

		if (p[i] != '<' || !bg_ascii_starts_ci((const char *)p + i, n - i, "<meta"))
			continue;
		e = memchr(p + i, '>', n - i);
		if (!e)
			return;
		for (k = i; k + 8 <= (size_t)(e - p); k++) {
			size_t a, b;

			if (!bg_ascii_starts_ci((const char *)p + k, (size_t)(e - p) - k,
						"charset="))
				continue;
			a = k + 8;
			while (a < (size_t)(e - p) && (p[a] == '"' || p[a] == '\'' || p[a] == ' '))
				a++;
			for (b = a; b < (size_t)(e - p) && b - a < sizeof(name) - 1 &&
				    (bg_ascii_isalnum(p[b]) || p[b] == '-' || p[b] == '_' ||
				     p[b] == '.' || p[b] == ':');
			     b++)
				;
			if (b == a)
				return;
			snprintf(name, sizeof(name), "%.*s", (int)(b - a), (const char *)p + a);
			/* A page saved again as UTF-8 keeps its old label: text that
			 * is valid UTF-8 beyond ASCII is read as UTF-8 (a browser
			 * would show it garbled; the file holds no Big5). */
			if (!utf8_beyond_ascii(in))
				bg_input_set_encoding(in, name, NULL);
			return;
		}
		i = (size_t)(e - p);
	}
}

const struct bg_reader *bg_reader_detect(struct bg_input *in, const char *path, struct bg_err *err)
{
	const struct bg_reader *best = NULL;
	const char *head = NULL, *name = bg_input_name(in);
	const unsigned char *plain = NULL;
	long got;
	size_t len, i, text_len;
	int score, best_score = -1;

	if (!path)
		path = "-";
	got = bg_input_peek_plain(in, &plain, HEAD_MAX);
	if (got < 0)
		goto failed;
	len = (size_t)got;
	if (refused_by_magic(plain, len, name, err) || refused_bundle(in, plain, len, name, err))
		return NULL;
	/* A message is decoded part by part from its own labels, never as a whole:
	 * an ISO-2022-JP body must reach the e-mail reader undecoded. */
	if (len >= 2 && memchr(plain, '\0', len < 64 ? len : 64) == NULL &&
	    bg_reader_eml.probe((const char *)plain, len, path) >= 85) {
		bg_input_set_encoding(in, "raw", NULL);
		return &bg_reader_eml;
	}
	bg_reader_html_charset(in, bg_ascii_has_suffix(path, ".html") ||
				       bg_ascii_has_suffix(path, ".htm"));
	got = bg_input_peek(in, &head, HEAD_MAX);
	if (got < 0) {
		size_t t;

		/* Binary data that no encoding fits is binary data, said so. */
		if (got == -EILSEQ && looks_binary((const char *)plain, len, &t)) {
			refuse(err, name, "binary data, not an advisory list");
			return NULL;
		}
		goto failed;
	}
	len = (size_t)got;
	if (len == 0) {
		refuse(err, name, "empty file, no addresses");
		goto out;
	}
	if (looks_binary(head, len, &text_len)) {
		refuse(err, name, "binary data, not an advisory list");
		goto out;
	}
	len = text_len;
	/* Readers in registry order with a strict "greater than": text wins ties. */
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		score = readers[i]->probe(head, len, path);
		if (score > best_score) {
			best_score = score;
			best = readers[i];
		}
	}
out:
	return best;
failed:
	/* The input keeps its error sticky, with the message. */
	if (bg_err_copy(err, bg_input_error(in)) == 0)
		bg_err_errno(err, (int)got, name);
	return NULL;
}
