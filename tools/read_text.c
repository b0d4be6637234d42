/* read_text.c: the free-text reader.  A notice pasted from a mail, a web page or
 * a PDF holds addresses among words, display names, mailto: links, punctuation
 * of any script and wrapped table cells; the one tokeniser (addrtok.c) finds
 * them, the sink's normaliser has the last word. */
#include "reader.h"

#include "addrtok.h"
#include "ascii.h"
#include "sqlmask.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* The line up to a trailing " # comment". */
static size_t strip_comment(const char *s, size_t n)
{
	const char *p = s + 1, *e = s + n;

	while (n > 1 && (p = memchr(p, '#', (size_t)(e - p))) != NULL) {
		if (is_space((unsigned char)p[-1]))
			return (size_t)(p - s);
		if (++p == e)
			break;
	}
	return n;
}

#define TEXT_SENDERS 4

/* Where a line stands when it is longer than BG_LINE_MAX and comes in pieces
 * (bg_input_long_pieces): pieces after the first are no new record, a comment
 * runs on to the line's end, and no wrapped cell is joined across a piece. */
struct text_pieces {
	bool cont;		/* the last piece said more of its line follows */
	bool comment;		/* ... and a comment began in it */
	struct bg_sqlmask *sql; /* an SQL dump's password columns (sqlmask.c) */
	bool sql_file;		/* the input is an SQL dump (sql_dump()) */
	/* a contact block (bg_inquiry_head): its last line so far, and the last
	 * it may reach; the lines of one block follow each other (a blank line,
	 * which the input skips, ends it) */
	unsigned long contact_last, contact_to;
	unsigned long prev_line; /* the last line read (the input skips empty ones) */
	/* a quoted header block: its folded lines are its (bg_header_fold) */
	struct bg_hdr_fold hdr;
	/* below a pair label alone on its line ("ID/PW", "ID／PW") */
	struct bg_pair_rows pairs;
	/* A message saved or forwarded as text: its senders (the addresses of
	 * its "From:" and "差出人:" header lines) and the line after which the
	 * writer signs (a rule line or a letter's close below the first of
	 * them): a sender's own address there is not imported
	 * (bg_sender_sig_why), as in a mail.  Before, a saved notice's
	 * "E-mail: sec@vendor.jp" under ━━━━ was stored as exposed.  Once a
	 * sender is known the tokeniser's sink is this one (text_address),
	 * then c's. */
	char senders[TEXT_SENDERS][256];
	unsigned nsenders;
	unsigned long sig_at, sig_noted;
	/* below a "-- " line of such a message, to a forwarded one: its
	 * signature, whose addresses are not imported (said once) */
	bool in_sig, sig_said;
	struct bg_sink_filter sink;
	struct bg_reader_ctx *c;
};

/* Whether address a is a sender's, below the signature's start: noted. */
__attribute__((noinline)) static bool sender_in_sig(struct text_pieces *p, const char *a, size_t n,
						    unsigned long line)
{
	for (unsigned k = 0; k < p->nsenders; k++)
		if (strlen(p->senders[k]) == n && strncasecmp(p->senders[k], a, n) == 0) {
			if (line != p->sig_noted) {
				p->sig_noted = line;
				bg_reader_note(p->c, line, bg_sender_sig_why, a, n);
			}
			return true;
		}
	return false;
}

/* Every address the tokeniser finds: a list's costs a test and a jump. */
static int text_address(struct bg_sink *s, const char *a, size_t n, unsigned long line)
{
	struct text_pieces *p = s->arg;

	if (p->sig_at && line > p->sig_at && sender_in_sig(p, a, n, line))
		return 0;
	return p->c->sink->address(p->c->sink, a, n, line);
}

/* A quoted header line: a sender's address kept (text_address, the
 * tokeniser's sink from the first one on: a list without one pays nothing). */
static void text_sender(struct bg_addrtok *tok, struct text_pieces *p, const char *s, size_t n)
{
	const char *a;
	size_t k = bg_sender_header(s, n, &a);

	if (k == 0 || k >= sizeof(p->senders[0]) || p->nsenders == TEXT_SENDERS)
		return;
	for (unsigned i = 0; i < p->nsenders; i++)
		if (strlen(p->senders[i]) == k && strncasecmp(p->senders[i], a, k) == 0)
			return;
	memcpy(p->senders[p->nsenders], a, k);
	p->senders[p->nsenders++][k] = '\0';
	bg_addrtok_sink(tok, &p->sink.s);
}

/* An SQL dump, by its head: a dump tool's banner, or a statement of its
 * tables starting a line.  Its lines without an address are statements, not
 * records: neither counted nor reported ("no address" for every CREATE TABLE
 * line made --strict refuse any dump). */
static bool sql_dump(const char *head, size_t len)
{
	static const char *const starts[] = {"-- MySQL dump",
					     "-- MariaDB dump",
					     "-- PostgreSQL database dump",
					     "INSERT INTO ",
					     "CREATE TABLE ",
					     "COPY ",
					     NULL};
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(head + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - head) : len;

		for (int k = 0; starts[k]; k++)
			if (bg_ascii_starts_ci(head + i, e - i, starts[k]) &&
			    (k != 5 || memmem(head + i, e - i, "FROM stdin", 10)))
				return true;
		i = e + 1;
	}
	return false;
}

/* An SQL dump's line (the file's head is a dump's: sql_dump()) with its
 * password columns blanked (said, never shown); *sql: the line is part of a
 * statement read (no " # comment" in it then: a value may hold one).  NULL
 * when out of memory. */
static const char *sql_masked(struct bg_reader_ctx *c, struct text_pieces *p, const char *s,
			      size_t n, bool first, unsigned long line, bool *sql)
{
	static const char hidden[] = "(the password, not shown)", guess[] = "(not shown)";
	unsigned secrets, guessed;
	const char *m;

	*sql = false;
	if (!p->sql_file) /* not a dump by its head: no statement is followed */
		return s;
	m = bg_sqlmask_line(p->sql, s, n, first, &secrets, &guessed);
	*sql = m != s;
	while (secrets--)
		bg_reader_note(c, line,
			       "a password column's value (SQL dump: password, user_pass, ...) "
			       "is not imported",
			       hidden, sizeof(hidden) - 1);
	while (guessed--)
		bg_reader_note(c, line,
			       "an SQL value with an '@' in a column that mostly holds none (a "
			       "password?) is not imported",
			       guess, sizeof(guess) - 1);
	return m;
}

static int text_piece(struct bg_addrtok *tok, const char *s, size_t n, unsigned flags,
		      unsigned long line, struct bg_reader_ctx *c, struct text_pieces *p)
{
	bool first = !p->cont, sql;
	size_t i = 0, m;
	int r;

	p->cont = (flags & BG_LINE_PIECE) != 0;
	if (first) {
		if ((r = bg_addrtok_flush(tok)) < 0)
			return r;
		while (i < n && is_space((unsigned char)s[i]))
			i++;
		p->comment = i < n && s[i] == '#';
	}
	if (!(s = sql_masked(c, p, s, n, first, line, &sql)))
		return -ENOMEM;
	if (!p->comment) {
		m = sql ? n : strip_comment(s, n);
		p->comment = m < n;
		if ((r = bg_addrtok_line(tok, s, m, line)) < 0)
			return r;
	}
	if (!p->cont)
		p->comment = false;
	return bg_addrtok_flush(tok);
}

static int text_line(struct bg_addrtok *tok, const char *s, size_t n, unsigned flags,
		     unsigned long line, struct bg_reader_ctx *c, struct text_pieces *p)
{
	size_t i = 0;
	bool fold, maybe;
	const char *at;
	unsigned marks;
	int r;

	/* the empty lines the input skipped, for a label's reach over them */
	if (line > p->prev_line + 1) {
		bg_addrtok_blank(tok, p->prev_line + 1, line - 1);
		bg_header_fold_end(&p->hdr);
		p->pairs.on = false; /* a blank line ends a pair label's rows */
	}
	p->prev_line = line;
	if (p->cont || (flags & BG_LINE_PIECE)) {
		bg_header_fold_end(&p->hdr);
		if (!p->cont)
			c->sink->record(c->sink);
		if (flags & (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)) {
			p->cont = (flags & BG_LINE_PIECE) != 0;
			p->comment = p->comment && p->cont;
			bg_reader_note_flagged(c, line, flags, s, n);
			return bg_addrtok_flush(tok);
		}
		return text_piece(tok, s, n, flags, line, c, p);
	}
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	/* A line cut at BG_LINE_MAX is reported even when all that was kept is
	 * blank: its text, an address perhaps, lay beyond the cut. */
	if (i == n && !(flags & BG_LINE_TOO_LONG))
		bg_addrtok_blank(tok, line, line);
	if ((i == n && !(flags & BG_LINE_TOO_LONG)) || (i < n && s[i] == '#')) {
		bg_header_fold_end(&p->hdr);
		return bg_addrtok_flush(tok); /* a blank line ends a wrapped cell */
	}
	if (p->sql_file && !(flags & (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)) &&
	    !bg_addr_maybe(s, n)) {
		/* a statement without an address; its password values are
		 * followed all the same */
		unsigned secrets, guessed;

		bg_header_fold_end(&p->hdr);
		if (!bg_sqlmask_line(p->sql, s, n, true, &secrets, &guessed))
			return -ENOMEM;
		return bg_addrtok_flush(tok);
	}
	c->sink->record(c->sink);
	if (flags & (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)) {
		bg_header_fold_end(&p->hdr);
		r = bg_addrtok_flush(tok);
		bg_reader_note_flagged(c, line, flags, s, n);
		return r;
	}
	{
		bool sql;
		const char *ms = sql_masked(c, p, s, n, true, line, &sql);
		size_t m;

		if (!ms)
			return -ENOMEM;
		s = ms;
		/* a comment's '#', the colon of a header's label, the first '@' (a
		 * candidate's, bg_addr_maybe; none on an inquiry heading,
		 * bg_inquiry_head): one look at the line for all three */
		marks = bg_line_marks(s, n, &at);
		if (!sql && (marks & BG_MARK_HASH) && (m = strip_comment(s, n)) < n) {
			/* the comment cut off: what it held is not the line's */
			n = m;
			marks = bg_line_marks(s, n, &at);
		}
	}
	/* a saved message's signature starts below a rule line or its close */
	if (p->nsenders && !p->sig_at && (bg_rule_line(s, n) || bg_letter_close(s, n)))
		p->sig_at = line;
	fold = bg_header_fold_colon(&p->hdr, s, n, (marks & BG_MARK_COLON) != 0);
	if (p->contact_last && line == p->contact_last + 1 && line <= p->contact_to)
		p->contact_last = line;
	else
		p->contact_last = 0;
	maybe = at || bg_addr_maybe(s, n);
	if (p->nsenders && bg_sig_separator(s, n)) {
		p->in_sig = true;
		return bg_addrtok_flush(tok);
	}
	if (p->in_sig && !maybe && bg_forward_line(s, n))
		p->in_sig = p->sig_said = false;
	if (p->in_sig && maybe) {
		r = bg_addrtok_flush(tok);
		if (!p->sig_said) {
			p->sig_said = true;
			bg_reader_note(c, line, bg_signature_why, s, n);
		}
		return r;
	}
	if ((p->contact_last || bg_inquiry_line(s, n)) && maybe) {
		r = bg_addrtok_flush(tok);
		bg_reader_note(c, line, bg_inquiry_why, s, bg_shown_to_address(s, n));
		return r;
	}
	/* A notice saved from a forward: its quoted header block ("From: ...",
	 * "差出人: ...", "To: ...") names senders and recipients, as in a mail,
	 * and so do the lines folded from it ("> Cc: a@x," then ">   b@x"; "> To:
	 * a@x; b@x;" hard-wrapped into "> c@x").  Before: they were stored as
	 * exposed.  An attribution only by words that say it: a line ending
	 * "<a@x>:" alone heads details about a@x in text (bg_text_attribution_end);
	 * a line without a colon (bg_header_fold saw) is neither. */
	if (maybe && (fold || (p->hdr.colon && (p->hdr.header || bg_text_attribution_end(s, n))))) {
		text_sender(tok, p, s, n);
		r = bg_addrtok_flush(tok);
		bg_reader_note(c, line, "quoted mail header: its addresses are not imported", s,
			       bg_shown_to_address(s, n));
		return r;
	}
	/* "【本件に関するお問い合わせ先】" alone: the lines right below it (four
	 * at most, to a blank line) are the contact's */
	if (!at && bg_inquiry_head(s, n)) {
		p->contact_last = line;
		p->contact_to = line + 4;
	}
	if (!(s = bg_pair_rows_line(c, &p->pairs, s, n, line, maybe)))
		return -ENOMEM;
	/* The tokeniser reports a line without a candidate itself, once it knows
	 * whether the next line continues one of its cells. */
	r = bg_addrtok_line(tok, s, n, line);
	return r < 0 ? r : 0;
}

static int text_read(struct bg_reader_ctx *c)
{
	struct bg_input *in = c->in;
	struct bg_err *err = &c->err;
	struct bg_addrtok *tok = NULL;
	struct text_pieces pieces = {0};
	const char *s;
	size_t n;
	unsigned flags;
	int r;

	pieces.c = c;
	bg_sink_filter(&pieces.sink, c->sink, text_address, &pieces);
	if (bg_addrtok_new(&tok, c->sink) != 0 || !(pieces.sql = bg_sqlmask_new())) {
		bg_addrtok_free(tok);
		return bg_err_set(err, -ENOMEM, "%s: out of memory", c->name);
	}
	bg_addrtok_empty(tok, "no address on the line");
	/* A list padded with one line repeated millions of times: the copies cost
	 * a comparison each, with the same calls as tokenising them. */
	bg_addrtok_repeats(tok, !c->opts.tokenise_repeats);
	/* "taro@x.jp|hunter2" a line: the separator's words are passwords. */
	{
		const char *head;
		long got = bg_input_peek(in, &head, 64 * 1024);

		bool field = false;
		uint32_t cp = 0;
		unsigned long fields;
		char delim;

		/* Read as text, its message ids, server addresses and URLs' queries
		 * were stored beside the users. */
		if (got > 0 && (fields = bg_w3c_fields(head, (size_t)got, &delim)) != 0) {
			bg_addrtok_free(tok);
			bg_sqlmask_free(pieces.sql);
			return bg_err_set(
			    err, -EINVAL,
			    "%s: a W3C extended log (#Fields: at line %lu), not text: "
			    "import it without --format text, with --column naming "
			    "the column of users' addresses",
			    c->name, fields);
		}
		if (got > 0 && (fields = bg_trace_head(head, (size_t)got)) != 0) {
			bg_addrtok_free(tok);
			bg_sqlmask_free(pieces.sql);
			return bg_err_set(
			    err, -EINVAL,
			    "%s: a PowerShell export of a message tracking log (its header at "
			    "line %lu), not text: import it without --format text, with "
			    "--column naming the column of users' addresses",
			    c->name, fields);
		}
		char sep = got > 0 ? bg_combo_sep_rows(head, (size_t)got, &field, &cp) : 0;

		bg_addrtok_combo(tok, sep, field);
		bg_addrtok_combo_cp(tok, cp);
		bg_addrtok_label_lines(tok, true);
		pieces.sql_file = (got > 0 && sql_dump(head, (size_t)got)) ||
				  bg_ascii_has_suffix(c->name, ".sql") ||
				  bg_ascii_has_suffix(c->name, ".sql.gz");
	}
	bg_input_skip_blank(in); /* empty lines are nothing here: the input skips them fast */
	bg_input_long_pieces(in, NULL);
	for (;;) {
		r = bg_input_getline(in, &s, &n, &flags, err);
		if (r <= 0)
			break;
		r = text_line(tok, s, n, flags, bg_input_lineno(in), c, &pieces);
		if (r < 0) {
			bg_err_set(err, r, "%s, line %lu: import stopped", c->name,
				   bg_input_lineno(in));
			break;
		}
	}
	if (r >= 0 && (r = bg_addrtok_flush(tok)) < 0)
		bg_err_set(err, r, "%s: import stopped at the end", c->name);
	bg_addrtok_free(tok);
	bg_sqlmask_free(pieces.sql);
	bg_pair_rows_free(&pieces.pairs);
	return r < 0 ? r : 0;
}

/* Moderate on purpose: text reads anything, so a format with structure that
 * fits should win over it. */
static int text_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0, lines = 0, with_at = 0, inserts = 0, e;
	const char *nl;
	int score;

	while (i < len && lines < 200) {
		nl = memchr(head + i, '\n', len - i);
		e = nl ? (size_t)(nl - head) : len;
		while (i < e && (is_space((unsigned char)head[i]) || head[i] == '\r'))
			i++;
		if (i < e && head[i] != '#') {
			lines++;
			if (bg_addr_maybe(head + i, e - i)) {
				with_at++;
				inserts += bg_ascii_starts_ci(head + i, e - i, "insert into ");
			}
		}
		i = e + 1;
	}
	score = with_at ? 30 + (int)(20 * with_at / lines) : 5;
	/* A .txt name is a strong hint, but a consistent multi-column table (CSV's
	 * 90) still wins: spreadsheets export tab-separated text as .txt. */
	if (bg_ascii_has_suffix(path, ".txt") || bg_ascii_has_suffix(path, ".txt.gz") ||
	    bg_ascii_has_suffix(path, ".lst"))
		score += 35; /* over a one-column "CSV" of bulleted lines (70) */
	/* An SQL dump: its commas separate values of statements, not the columns
	 * of a table, and one line may hold many rows; every address of every
	 * line is read (the string literals' prefixes and quotes: addrtok.c). */
	if (bg_ascii_has_suffix(path, ".sql") || bg_ascii_has_suffix(path, ".sql.gz") ||
	    (inserts && inserts * 2 >= with_at))
		score = 95;
	return score;
}

const struct bg_reader bg_reader_text = {
    .name = "text",
    .probe = text_probe,
    .read = text_read,
};
