/* eml_mime.h: the structure of a message for the e-mail reader: header fields
 * (unfolded; only the Content-* ones are parsed), the parts and the multipart
 * boundaries that delimit them (nesting bounded), the attachment's name, and
 * what a leaf part is to the reader (text, HTML, an attachment, or nothing).
 * It walks no bytes of a body and knows no sink: the reader feeds it lines and
 * asks it what they are. */
#ifndef BG_EML_MIME_H
#define BG_EML_MIME_H

#include <stdbool.h>
#include <stddef.h>

#define BG_EML_DEPTH_MAX 16	/* nested multiparts */
#define BG_EML_BOUNDARY_MAX 200 /* RFC 2046 says 70; some senders exceed it */
#define BG_EML_HEADER_MAX 8192	/* one unfolded header field we parse */

enum bg_eml_cte { BG_EML_CTE_IDENT, BG_EML_CTE_QP, BG_EML_CTE_B64 };
/* BG_EML_ATTACH: an attachment, spooled as bytes and then read like a file: by
 * content (archives, workbooks, CSV, text, JSON, another message). */
enum bg_eml_kind { BG_EML_SKIP, BG_EML_TEXT, BG_EML_HTML, BG_EML_ATTACH };
enum bg_eml_state { BG_EML_HEADERS, BG_EML_BODY };

struct bg_eml_frame {
	char boundary[BG_EML_BOUNDARY_MAX + 1];
	size_t blen;
	unsigned long line; /* where the multipart's headers began */
	bool alternative;   /* multipart/alternative: its parts render one text */
	unsigned part;	    /* the part being read: 1 for the first */
};

/* What the headers of the current entity said. */
struct bg_eml_ent {
	char type[128]; /* lower case "type/subtype" */
	char charset[64];
	char boundary[BG_EML_BOUNDARY_MAX + 1];
	char name[256];
	char name_cs[64]; /* RFC 2231: the charset of name */
	bool have_type, boundary_cut, attachment;
	enum bg_eml_cte cte;
	char cte_name[32];
	unsigned long line; /* first header line */
};

struct bg_eml_mime {
	enum bg_eml_state st;
	struct bg_eml_frame fr[BG_EML_DEPTH_MAX];
	int nfr;
	struct bg_eml_ent e;
	char hb[BG_EML_HEADER_MAX + 1]; /* the header field being unfolded */
	size_t hlen;
	/* The message's From: address (its addr-spec, as written), "" if none;
	 * a forwarded message's own From: replaces it for its body. */
	char from[256];
};

/* A message begins; its headers start at line first. */
void bg_eml_mime_begin(struct bg_eml_mime *mm, unsigned long first);
/* An entity's headers begin at line (a part after a boundary, a forwarded
 * message). */
void bg_eml_headers_begin(struct bg_eml_mime *mm, unsigned long line);
/* A line while in the headers: true if it was a header field (or its folded
 * continuation); false if the headers ended before it (the body begins, with
 * this line if it is not the blank one). */
bool bg_eml_header_line(struct bg_eml_mime *mm, const char *s, size_t n);
/* The field being unfolded is complete (the part ends inside its headers). */
void bg_eml_headers_flush(struct bg_eml_mime *mm);

/* The current entity is a multipart: opens its frame.  NULL, or why the part
 * is skipped.  Every part of it is read, each alternative of a
 * multipart/alternative too: the plain text may hold only a contact and the
 * HTML the list (read_eml.c alt_other: once one rendering gave addresses, a
 * later one's others are noted, not imported). */
const char *bg_eml_multipart_open(struct bg_eml_mime *mm, const char *type);
/* A boundary line of an open multipart: its frame index (*close: the closing
 * one), or -1. */
int bg_eml_boundary_of(const struct bg_eml_mime *mm, const char *s, size_t n, bool *close);
/* Closes the innermost frame deeper than k (-1: any), returned for the note
 * about it; NULL when there is none. */
const struct bg_eml_frame *bg_eml_unclosed(struct bg_eml_mime *mm, int k);
/* At the innermost frame's boundary (the part before it ended, the frames
 * inside closed): its next part's headers begin at next_line, or the
 * multipart closes. */
void bg_eml_boundary(struct bg_eml_mime *mm, bool close, unsigned long next_line);

/* What a leaf part's body is to the reader. */
enum bg_eml_kind bg_eml_ent_kind(const struct bg_eml_ent *e);
/* The entity's name made shown (RFC 2231 and 2047 decoded, raw 8-bit names
 * read as CP932, control characters out) in place, and as shown in messages
 * ("(unnamed)" for none) into shown. */
void bg_eml_ent_name(struct bg_eml_ent *e, char *shown, size_t len);

/* A header field's start ("Name:"). */
bool bg_eml_header_start(const char *s, size_t n);
/* An mbox "From sender date" line. */
bool bg_eml_mbox_from(const char *s, size_t n);

#endif
