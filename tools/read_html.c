/* read_html.c: a web page saved as a file (a vendor's list of affected accounts,
 * "Save page as").  Read as a browser shows it, with the e-mail reader's HTML
 * converter (eml_html.c): tags out, a cell or paragraph a gap, an inline tag
 * none, character references decoded, script and style skipped, mailto: links
 * found; then the one tokeniser.  Read as plain text instead, "ta&shy;ro@"
 * would be cut at the ';' and "<b>kimura</b>@x.jp" lost. */
#include "reader.h"

#include <errno.h>
#include <string.h>

#include "addrtok.h"
#include "ascii.h"
#include "eml_html.h"

/* One line of what the page shows (h.text up to a '\n'): an inquiry line's
 * addresses are the sender's contacts, as in a text file; any other line with
 * an '@' is a record. */
static int shown_line(struct bg_reader_ctx *c, struct bg_addrtok *tok, struct bg_pair_rows *pr,
		      const char *s, size_t n, unsigned long line)
{
	int r;

	/* the rows below "ID／PW": their passwords never read (a row keeps its
	 * account: it may still hold an address) */
	bool maybe = bg_addr_maybe(s, n);

	if (!(s = bg_pair_rows_line(c, pr, s, n, line, maybe)))
		return -ENOMEM;
	if (!maybe)
		return 0;
	c->sink->record(c->sink);
	if (bg_inquiry_line(s, n)) {
		bg_reader_note(c, line, bg_inquiry_why, s, bg_shown_to_address(s, n));
		return 0;
	}
	/* A source line's end is no edge of anything a browser shows: no word is
	 * held over it to join the next line's (the text reader's wrapped table
	 * cells). */
	if ((r = bg_addrtok_line(tok, s, n, line)) >= 0)
		r = bg_addrtok_flush(tok);
	return r;
}

static int shown_lines(struct bg_reader_ctx *c, struct bg_addrtok *tok, struct bg_pair_rows *pr,
		       const char *s, size_t n, unsigned long line)
{
	while (n > 0) {
		const char *nl = memchr(s, '\n', n);
		size_t k = nl ? (size_t)(nl - s) : n;
		int r = shown_line(c, tok, pr, s, k, line);

		if (r < 0)
			return r;
		k += nl != NULL;
		s += k;
		n -= k;
	}
	return 0;
}

/* The page's reading: what shown_lines needs, and the held head of its text
 * (a combolist's separator learned from it, reader.h). */
struct page {
	struct bg_reader_ctx *c;
	struct bg_addrtok *tok;
	struct bg_pair_rows pr;
	struct bg_combo_head head;
};

static int page_read_fn(void *arg, const char *s, size_t n, unsigned long line)
{
	struct page *p = arg;

	return shown_lines(p->c, p->tok, &p->pr, s, n, line);
}

/* What the converter dropped held an '@' (eml_html.h). */
static const char hidden_why[] =
    "an '@' in text the page hides (display:none, visibility:hidden, hidden) is not imported";

/* What the converter made of a line (s, n: the source line, for its notes),
 * or of a link held open at the input's end (bg_eml_html_release). */
static int converted(struct page *p, struct bg_eml_html *h, const char *s, size_t n,
		     unsigned long line)
{
	struct bg_reader_ctx *c = p->c;

	if (h->hid_at) {
		/* Said for every line: each may hide another address. */
		h->hid_at = false;
		bg_reader_note(c, line, hidden_why, s, n > 80 ? 80 : n);
	}
	if (h->pw_at) {
		h->pw_at = false;
		bg_reader_note(c, line, bg_eml_html_pw_why, bg_eml_html_pw_hidden,
			       strlen(bg_eml_html_pw_hidden));
	}
	if (h->link_diff) {
		h->link_diff = false;
		c->sink->record(c->sink);
		bg_reader_note(c, line, bg_eml_html_link_why, s, n > 200 ? 200 : n);
	}
	return h->hold ? 0
		       : bg_combo_head_put(&p->head, p->tok, h->text, h->textlen, line,
					   page_read_fn, p);
}

/* A link held open when the converter starts again or the input ends. */
static int release(struct page *p, struct bg_eml_html *h, unsigned long line)
{
	if (!h->hold)
		return 0;
	bg_eml_html_release(h);
	return converted(p, h, h->link, h->linklen, line);
}

static int html_read(struct bg_reader_ctx *c)
{
	struct bg_eml_html h;
	struct bg_addrtok *tok = NULL;
	struct page p = {c, NULL, {false, true, NULL, 0, 0}, {0}};
	const char *s;
	size_t n;
	unsigned flags;
	int r;

	if (bg_eml_html_init(&h, BG_LINE_MAX) != 0)
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	if (bg_addrtok_new(&tok, c->sink) != 0) {
		bg_eml_html_free(&h);
		return bg_err_set(&c->err, -ENOMEM, "%s: out of memory", c->name);
	}
	/* A page's lines of text without an address (a heading, a paragraph) are
	 * no list entries: only a line whose visible text holds an '@' is one. */
	bg_addrtok_empty(tok, "no address on the line");
	p.tok = tok;
	bg_combo_head_start(&p.head);
	/* A minified page is one line: read in pieces cut before a tag that is a
	 * gap (a cell, a row, a paragraph), the converter's state carried on. */
	bg_input_long_pieces(c->in, bg_eml_html_cut);
	for (;;) {
		unsigned long line;

		r = bg_input_getline(c->in, &s, &n, &flags, &c->err);
		if (r <= 0)
			break;
		line = bg_input_lineno(c->in);
		if (flags & (BG_LINE_TOO_LONG | BG_LINE_HAS_NUL | BG_LINE_BAD_UTF8)) {
			/* The converter's state (an open tag) is unknowable past such a
			 * line: it starts again after it. */
			r = release(&p, &h, line);
			bg_eml_html_reset(&h);
			if (r >= 0)
				r = bg_addrtok_flush(tok);
			c->sink->record(c->sink);
			bg_reader_note_flagged(c, line, flags, s, n);
		} else {
			bg_eml_html_line(&h, s, n);
			r = converted(&p, &h, s, n, line);
		}
		if (r < 0) {
			bg_err_set(&c->err, r, "%s, line %lu: import stopped", c->name, line);
			break;
		}
	}
	if (r >= 0) /* a link never closed: what it kept */
		r = release(&p, &h, bg_input_lineno(c->in));
	if (r >= 0)
		r = bg_combo_head_release(&p.head, tok, page_read_fn, &p);
	if (r >= 0 && (r = bg_addrtok_flush(tok)) < 0)
		bg_err_set(&c->err, r, "%s: import stopped at the end", c->name);
	bg_addrtok_free(tok);
	bg_eml_html_free(&h);
	bg_pair_rows_free(&p.pr);
	bg_combo_head_free(&p.head);
	return r < 0 ? r : 0;
}

/* A document that says it is HTML from its first tag wins over text; a
 * .html/.htm name whose text starts with a tag too.  An XML declaration (XHTML)
 * and comments may come first ("<!-- saved from url=(0022)... -->", which a
 * browser writes at the top of a saved page). */
static int html_probe(const char *head, size_t len, const char *path)
{
	size_t i = 0;

	for (;;) {
		const char *end = NULL;

		while (i < len &&
		       (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
			i++;
		if (bg_ascii_starts_ci(head + i, len - i, "<?xml"))
			end = memmem(head + i, len - i, "?>", 2);
		else if (bg_ascii_starts_ci(head + i, len - i, "<!--"))
			end = memmem(head + i, len - i, "-->", 3);
		else
			break;
		if (!end)
			return 0;
		i = (size_t)(end - head) + (head[i + 1] == '?' ? 2 : 3);
	}
	if (bg_ascii_starts_ci(head + i, len - i, "<!doctype html") ||
	    bg_ascii_starts_ci(head + i, len - i, "<html"))
		return 96;
	if (i < len && head[i] == '<' &&
	    (bg_ascii_has_suffix(path, ".html") || bg_ascii_has_suffix(path, ".htm") ||
	     bg_ascii_has_suffix(path, ".xhtml")))
		return 96;
	return 0;
}

const struct bg_reader bg_reader_html = {
    .name = "html",
    .probe = html_probe,
    .read = html_read,
};
