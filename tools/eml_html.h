/* eml_html.h: HTML to text for the e-mail reader, crudely and line by line: the
 * visible text of each line (tags out, entities decoded, script and style
 * skipped, a tag boundary a space) and the addresses of mailto: links.  A tag
 * or comment may span lines: the converter keeps that state for the part. */
#ifndef BG_EML_HTML_H
#define BG_EML_HTML_H

#include <stdbool.h>
#include <stddef.h>

#define BG_EML_TAG_MAX 4096 /* one HTML tag kept to find mailto: in it */

struct bg_eml_html {
	bool in_tag, in_comment;
	char quote;	     /* inside a tag, the quote of an attribute value open, or 0 */
	char skip_until[16]; /* "</script" / "</style" while inside them */
	/* Inside an element the page hides (style display:none or
	 * visibility:hidden, the hidden attribute): its name and nesting depth.
	 * hid_at: a hidden text held an '@' (the reader says so). */
	char hide_name[16];
	unsigned hide_depth;
	bool hid_at;
	/* A table whose first row names a password column ("Password", "密码"):
	 * the cells of that column in the rows after it are not read; pw_at, a
	 * '@' was in one (the reader says so, without the text). */
	int row, col;	  /* in the current table: -1 before its first row/cell */
	int col_end;	  /* the last column the current cell spans (colspan) */
	unsigned pw_mask; /* the password columns (the first 32) */
	/* rowspan: the rows below a cell that it still covers, per column, and
	 * the columns the current row's cells cannot take (covered from above);
	 * head_span: the columns a first row's cell spans (colspan) */
	unsigned char rows_left[32], head_span[32];
	unsigned occupied;
	char head[32][24]; /* the first row's cells' text (the first 23 bytes) */
	unsigned char headlen[32];
	bool pw_at;
	/* An <a> with a mailto: whose </a> has not come: its address, and where
	 * its text starts in text; link_diff, a link's text named another
	 * address (the reader says so). */
	bool link_open, link_diff;
	char link[BG_EML_TAG_MAX];
	size_t linklen, link_at;
	/* hold: a link was open at the line's end ("<a href=\"mailto:a@x\">" then
	 * its text on the next source line, as Outlook's HTML and a page's source
	 * wrap it): text is kept for the next line, where </a> can compare it, and
	 * the reader reads none of it yet; held: the lines so kept, at most
	 * BG_EML_HTML_HOLD (a link never closed is then read as before). */
	bool hold;
	unsigned held;
	char tag[BG_EML_TAG_MAX + 1];
	size_t taglen;
	char *text; /* the visible text of the last line, textlen bytes */
	size_t textlen, textcap;
};

/* cap: the longest line of text kept.  0, or -ENOMEM.  A text the page hides
 * ("jane<span style=display:none>null</span>@x.com", against harvesters) is
 * not the page's text: dropped, and hid_at set when it held an '@'. */
int bg_eml_html_init(struct bg_eml_html *h, size_t cap);
void bg_eml_html_free(struct bg_eml_html *h);
/* A part begins (or ends): no tag, comment or script open.  A link held open
 * is bg_eml_html_release()d and read first. */
void bg_eml_html_reset(struct bg_eml_html *h);
/* One line of the part's (UTF-8) HTML: h->text holds its visible text after,
 * a '\n' where the page breaks a line (<p>, <br>, <li>, <tr>, <div> ...), and
 * each mailto: link's address where the link is.  A link whose text is an
 * address too adds nothing (its text is read); one whose text is another
 * address ("<a href=\"mailto:a@x.jp\">b@y.jp</a>") has both left out, its
 * text blanked, and link_diff set (the reader says so). */
void bg_eml_html_line(struct bg_eml_html *h, const char *s, size_t n);
#define BG_EML_HTML_HOLD 8
/* The input (or the part) ends with a link held open (h->hold): it ends as at
 * a line's end past the hold, and h->text is what the reader reads then. */
void bg_eml_html_release(struct bg_eml_html *h);

/* Where a line of HTML longer than a reader's buffer may be cut (a minified
 * page, a generated mail's table on one line): just before its last tag that a
 * browser shows as a gap (td, tr, p, br, li, div ...; never an inline tag such
 * as <b> or <span>, whose text runs on), whose name ends inside s[0..n).  0
 * when there is none.  Such a cut splits no word a browser shows. */
size_t bg_eml_html_cut(const char *s, size_t n);

/* The note on a password column's cell with an '@', and its shown text. */
extern const char bg_eml_html_pw_why[], bg_eml_html_pw_hidden[];
/* The note on a mailto: link whose text is another address (link_diff). */
extern const char bg_eml_html_link_why[];

#endif
