/* reader.h: the advisory reader interface.  Every reader turns one input into
 * candidate address strings for a sink; it never normalises or stores (the sink,
 * import.c, does that), so new formats plug in without touching the store. */
#ifndef BG_READER_H
#define BG_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "input.h"

struct bg_sink {
	/* One candidate address (not yet normalised).  Return 0, or a negative errno
	 * to stop the reader (it returns that value). */
	int (*address)(struct bg_sink *s, const char *addr, size_t len, unsigned long line);
	/* A record (line, row, JSON element, ...) that holds no usable address, or
	 * text that is not one: counted, the first ones reported with line and why. */
	void (*invalid)(struct bg_sink *s, unsigned long line, const char *why, const char *text,
			size_t len);
	/* One record read (line of text, CSV row, JSON element, ...). */
	void (*record)(struct bg_sink *s);
	void *arg;
	/* Optional (may be NULL): the address given next was written defanged
	 * ("a [at] example [dot] jp") and decoded by the tokeniser (addrtok.h). */
	void (*defanged)(struct bg_sink *s, unsigned long line);
	/* Optional (NULL): a workbook sheet begins; the lines given from now on are
	 * BG_SHEET_LINE(idx, row), idx counting sheets from 1 in workbook order. */
	void (*sheet)(struct bg_sink *s, unsigned idx, const char *name);
};

/* A workbook's line numbers say sheet and row in one number that sorts in
 * workbook order; a plain file's lines have no sheet part (idx 0). */
#define BG_SHEET_SHIFT (sizeof(unsigned long) >= 8 ? 32 : 21)
#define BG_SHEET_LINE(idx, row) (((unsigned long)(idx) << BG_SHEET_SHIFT) | (unsigned long)(row))
#define BG_LINE_SHEET(line) ((unsigned)((line) >> BG_SHEET_SHIFT))
#define BG_LINE_ROW(line) ((line) & ((1UL << BG_SHEET_SHIFT) - 1))

/* --column given more than once: every column named is read. */
#define BG_COLUMNS_MAX 8

struct bg_read_opts {
	const char *column; /* CSV: header name or 1-based index; NULL = by name */
	/* the other --column values, in their order (column is the first) */
	const char *more_columns[BG_COLUMNS_MAX - 1];
	unsigned n_more_columns;
	const char *field;  /* JSON objects: field name; NULL = by name */
	const char *domain; /* JSON domain search: the domain for the aliases */
	const char *breach; /* JSON domain search: keep only this breach */
	/* The input layer, for what a reader opens itself (e-mail attachments). */
	const char *encoding;		/* --encoding: unlabelled attachments */
	const struct bg_unpack *unpack; /* archive limits and passwords */
	/* Tests only: text tokenises a line equal to the one before again instead
	 * of replaying what that one gave (bg_addrtok_repeats), to compare both. */
	bool tokenise_repeats;
};

struct bg_unpack;

/* One reading: what every reader is handed, and the one place its fatal error
 * goes.  The caller fills it (bg_reader_ctx_init), calls read(), and finds the
 * message, if any, in err ("FILE, line N: cause"). */
struct bg_reader_ctx {
	struct bg_input *in;	  /* NULL for a workbook (read from a descriptor) */
	const char *name;	  /* for messages: the input's display name */
	struct bg_read_opts opts; /* a copy: readers never check for NULL */
	struct bg_sink *sink;
	struct bg_err err; /* sticky: the first fatal error wins */
	/* An archive's member or a mail's attachment, not a file the admin
	 * named: a refusal of what the file is (bg_unread_refuse) would stop
	 * the import of the rest (the notice a vendor's card is attached to). */
	bool within;
};

/* o may be NULL (all defaults); in may be NULL when name is given instead. */
void bg_reader_ctx_init(struct bg_reader_ctx *c, struct bg_input *in, const char *name,
			const struct bg_read_opts *o, struct bg_sink *sink);
/* A record that holds no usable address, or a warning about one, at line: the
 * one way a reader reports something that does not stop it (text may be NULL). */
void bg_reader_note(struct bg_reader_ctx *c, unsigned long line, const char *why, const char *text,
		    size_t len);
/* The rows below a pair label alone on its line ("ID／PW", "ID/PW",
 * "メールアドレス，パスワード": bg_head_pair_label), to a blank line or a line of
 * text without an address: each row's password word (bg_pair_row) is blanked
 * before the tokeniser, so that it is never read and the rest of the row is,
 * and said when it reads as an address (its text not shown).  One for the
 * readers of text, mail bodies and pages; a page's converted text has empty
 * lines wherever a tag ends a line (</tr><tr>, </p>): over_blanks, they end
 * nothing there. */
struct bg_pair_rows {
	bool on, over_blanks;
	char *buf;
	size_t cap;
	/* the joiner of the block's first row ('/' for '／' too, ',' for '，',
	 * ' ' for blanks, '、', '・' as 'T', 'N'; 0 before it): a row of another
	 * ends the block ("a@x.jp b@x.jp" under "a@x.jp／pw" rows is a list
	 * of two addresses, where a page has no blank line to end them) */
	char joiner;
};
/* Line s (n bytes; maybe: bg_addr_maybe's answer for it, which the reader has)
 * through it: the line to tokenise (s, or its copy in p->buf with the password
 * blanked); NULL when out of memory.  Outside the rows a line that may hold an
 * address costs a test: no label holds one. */
const char *bg_pair_rows_next(struct bg_reader_ctx *c, struct bg_pair_rows *p, const char *s,
			      size_t n, unsigned long line, bool maybe);
static inline const char *bg_pair_rows_line(struct bg_reader_ctx *c, struct bg_pair_rows *p,
					    const char *s, size_t n, unsigned long line, bool maybe)
{
	return !p->on && maybe ? s : bg_pair_rows_next(c, p, s, n, line, maybe);
}
void bg_pair_rows_free(struct bg_pair_rows *p);

/* A line drawn across: eight or more rule characters, of one kind or mixed
 * (━━━━, -----, ＝＝＝＝, ■□■□■□■□, ◆◇◆◇◆◇◆◇, +-+-+-+-), blanks around;
 * ASCII of one kind only ("+----+----+" is a table's border). */
bool bg_rule_line(const char *s, size_t n);
/* A short line without an address that closes a letter before its signature
 * ("以上、よろしくお願いいたします。", "以上", "Best regards,"), or an inquiry
 * heading alone ("【お問い合わせ先】"); not a close inside a sentence. */
bool bg_letter_close(const char *s, size_t n);
/* The line that opens a forwarded message in a body ("-------- Forwarded
 * Message --------", "-----Original Message-----", "Begin forwarded message:",
 * "----- 転送メッセージ -----", "-------- 元のメッセージ --------"): a
 * signature before it ends there. */
bool bg_forward_line(const char *s, size_t n);
/* RFC 3676's signature separator, "-- " (QP and some mailers lose its
 * space: "--"), a CR after it aside: the one test of a mail's body and of a
 * message saved as text. */
bool bg_sig_separator(const char *s, size_t n);
/* Below a "-- " line (RFC 3676) a mail's signature, to a forwarded message:
 * its addresses are not imported, said once with this. */
extern const char bg_signature_why[];
/* Below a rule line or a letter's close the writer signs: the sender's own
 * address there (the mail's From:, a saved message's "差出人:") is the
 * sender's contact, not an exposed one: not imported, said with this. */
extern const char bg_sender_sig_why[];

/* bg_combo_sep_cp over the first line of head (a header, a pair label) and
 * the lines that may hold an address (bg_addr_maybe) only: a notice's
 * greeting and signature, a page's menus and footer do not outvote its rows.
 * 0 (no combolist) when out of memory. */
char bg_combo_sep_rows(const char *head, size_t len, bool *field, uint32_t *cp);

/* The head of a text that comes a piece at a time (a mail's text part, the
 * text a page shows), held until the separator of a combolist
 * ("taro@x.jp;hunter2") is known from its lines: bg_combo_sep_rows over them,
 * as read_text.c asks it of a file's head.  Before, a mail body's or a
 * page's "a@x.jp;b@evil.jp" rows stored b@evil.jp, a password, as an
 * identity, where the same rows in a file did not.  A piece is text with its
 * line number (it may hold several lines, '\n' between); the reader's fn
 * reads one, and the held ones are given to it in order.  Zero it; holding
 * starts with bg_combo_head_start. */
struct bg_addrtok;
struct bg_combo_head {
	bool on;
	char *buf; /* the held pieces, each ended by a '\n' */
	size_t len, cap;
	struct bg_combo_piece {
		unsigned long line;
		size_t off, n;
	} * at;
	size_t nat, capat;
	unsigned lines; /* the held lines that may hold an address */
	/* what the release learned (sep 0: no combolist) */
	char sep;
	bool field;
	uint32_t cp;
};
typedef int (*bg_combo_read_fn)(void *arg, const char *s, size_t n, unsigned long line);
#define BG_COMBO_HEAD_BYTES (64 * 1024)
#define BG_COMBO_HEAD_LINES 200 /* rows, as many lines as bg_combo_sep looks at */
void bg_combo_head_start(struct bg_combo_head *h);
/* Piece s (n bytes) at line: held, or read by fn(arg, ...) when nothing is
 * held; the one that fills the head releases it (bg_combo_head_release).
 * 0, fn's negative result, or -ENOMEM. */
int bg_combo_head_put(struct bg_combo_head *h, struct bg_addrtok *tok, const char *s, size_t n,
		      unsigned long line, bg_combo_read_fn fn, void *arg);
/* Ends the hold (nothing when none): the separator learned from the held
 * lines set on tok (bg_addrtok_combo, bg_addrtok_combo_cp) and kept in h,
 * then the held pieces read by fn, in order.  0 or fn's negative result. */
int bg_combo_head_release(struct bg_combo_head *h, struct bg_addrtok *tok, bg_combo_read_fn fn,
			  void *arg);
void bg_combo_head_free(struct bg_combo_head *h);
/* A sink that filters the addresses a tokeniser gives (address, whose
 * s->arg is the reader's) and passes everything else on to up as it is.
 * Embed it; bg_sink_filter sets it up and returns its sink. */
struct bg_sink_filter {
	struct bg_sink s; /* first: the callbacks find up from it */
	struct bg_sink *up;
};
struct bg_sink *bg_sink_filter(struct bg_sink_filter *f, struct bg_sink *up,
			       int (*address)(struct bg_sink *s, const char *addr, size_t len,
					      unsigned long line),
			       void *arg);
/* Why a line's bytes were refused, in the input's own encoding: "invalid
 * UTF-8" + tail, or "bytes not valid CP932" + tail, written into buf. */
const char *bg_reader_bad_bytes(const struct bg_reader_ctx *c, const char *tail, char *buf,
				size_t len);
/* How much of a line flagged for its bytes a note shows: to its first
 * address's word, never past a password's label (the line is not tokenised:
 * nothing else hides a password on it). */
size_t bg_reader_flagged_shown(const char *s, size_t n);
/* Notes a line the input flagged (too long, a NUL byte, bytes not valid in its
 * encoding) with its reason and at most what bg_reader_flagged_shown allows
 * of its first 200 bytes. */
void bg_reader_note_flagged(struct bg_reader_ctx *c, unsigned long line, unsigned flags,
			    const char *text, size_t len);

/* Addresses in what a format keeps for other things than the exposed
 * mailboxes (an LDIF entry's description or manager, a vCard's NOTE): read
 * by a tokeniser of their own, so that a password there stays hidden as
 * anywhere, but never given to the sink: each is counted and noted with its
 * line ("an address in attribute \"description\" is not imported"), shown
 * unless the text names a password anywhere.  Zero it, then bg_unread_init. */
struct bg_unread {
	struct bg_reader_ctx *c;
	struct bg_addrtok *tok;
	struct bg_sink sink; /* the tokeniser's: notes instead of addresses */
	const char *where;   /* of the text being read */
	bool hide;	     /* it names a password: its addresses are not shown */
	unsigned long count, first_line;
	char first[96]; /* where the first one was */
};
/* 0, or -ENOMEM with c->err set. */
int bg_unread_init(struct bg_unread *u, struct bg_reader_ctx *c);
void bg_unread_free(struct bg_unread *u);
/* The text s (n bytes) at line, found in `where` ("attribute \"info\"",
 * "property NOTE"): the number of candidates it held (each noted), or the
 * sink's negative errno. */
int bg_unread_scan(struct bg_unread *u, const char *where, const char *s, size_t n,
		   unsigned long line);
/* At the end of a reading that found no address where the format keeps them
 * (found == 0) and some elsewhere: an import that wrote nothing and only said
 * "no valid address" would hide that the addresses are there, in the wrong
 * place.  Sets c->err ("FILE: no address in READ_FROM; N found elsewhere
 * (the first in WHERE, line L), not imported") and returns -EINVAL; else,
 * and always for a file within another (c->within: its notes say it), 0. */
int bg_unread_refuse(struct bg_unread *u, unsigned long found, const char *read_from);

/* After a reader (or the workbook reader) returns rc: a fatal error always says
 * why.  One that left c->err empty (a failure inside the tokeniser, such as
 * -ENOMEM) gets "NAME: strerror".  Returns rc. */
int bg_reader_finish(struct bg_reader_ctx *c, int rc);

struct bg_reader {
	const char *name; /* "text", "csv", "json", "eml", "html", "ldif", "vcard" */
	/* How well the decoded head of the input fits this format, 0 (not at all) to
	 * 100 (certain); path is a hint (extension) and may be "-". */
	int (*probe)(const char *head, size_t len, const char *path);
	/* Reads c->in into c->sink.  0 ok; a negative errno on a fatal error, with
	 * c->err set ("what, line N: cause") unless the sink's own refusal stopped it. */
	int (*read)(struct bg_reader_ctx *c);
};

extern const struct bg_reader bg_reader_text, bg_reader_csv, bg_reader_json, bg_reader_eml,
    bg_reader_html, bg_reader_ldif, bg_reader_vcard;

/* The reader named (NULL if unknown). */
const struct bg_reader *bg_reader_by_name(const char *name);
/* Picks a reader by content (and the file name as a hint).  Returns NULL with err
 * set ("FILE: looks like an .xlsx workbook; export it as CSV") when none fits. */
const struct bg_reader *bg_reader_detect(struct bg_input *in, const char *path, struct bg_err *err);

/* A web page's <meta charset> taken for its encoding (before the first
 * decoded read; see reader.c). */
void bg_reader_html_charset(struct bg_input *in, bool html);

/* A W3C extended log's head (IIS, Exchange message tracking: "#Fields:"
 * after directive lines only): the line of its "#Fields:", 0 when the head
 * is none; *delim: what separates its cells (',' or ' ').  Read as a table
 * (read_csv.c); the text reader refuses it. */
unsigned long bg_w3c_fields(const char *head, size_t len, char *delim);

/* PowerShell's export of a message tracking log (Get-MessageTrackingLog or
 * Get-MessageTrace | Export-Csv, its "#TYPE" line or not): the line of its
 * header, 0 when the head is none.  Read as that log (read_csv.c); the text
 * reader refuses it. */
unsigned long bg_trace_head(const char *head, size_t len);

#endif
