/* read_workbook.c: .xlsx and .ods workbooks (see workbook.h).  The zip is read
 * with libarchive's seekable zip reader (its central directory, as office
 * programs read it) and every XML part is streamed through libxml2's xmlReader,
 * a block at a time from archive_read_data: no part is ever loaded whole.  An
 * .xlsx takes a few passes over the zip (each reopens it from the fd and skips
 * unwanted parts without inflating them): the package relationships, then the
 * workbook (sheet names, order) and its relationships, then the shared strings
 * (which may come after the sheets in the zip), then the sheets.  Each sheet's
 * rows go through the table (table.h), the column logic CSV files use.
 *
 * Memory: the first shared strings stay in memory up to SST_MEM_MAX bytes (text
 * plus an 8-byte offset a string; the buffers' doubling may reserve up to twice
 * that), the rest go to an unlinked temporary file with their offsets in a
 * second one, read back through two 64 KiB windows; one row (at most
 * BG_TABLE_COLS_MAX cells in BG_TABLE_ROW_MAX bytes), one cell, the table's
 * held-back rows and libxml2's reader state (a node at a time) are the rest.
 *
 * Safety: no DTD is accepted in any part (so no entity of any kind), no network
 * (XML_PARSE_NONET), no entity substitution or DTD loading options, libxml2's
 * default limits (depth 256, text nodes of 10 MB) plus our own depth cap; the
 * inflated size of all parts together is capped (zip bombs) with a clear error. */
#include "workbook.h"
#include "unpack.h" /* bg_spool_open */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>

#include "addrtok.h" /* bg_link_text */
#include "ascii.h"
#include "eml_html.h" /* bg_eml_html_link_why */
#include "table.h"
#include "unicode.h"

#define SST_MEM_MAX (16u << 20) /* shared strings kept in memory before spooling */
#define CELL_MAX BG_LINE_MAX	/* a cell's text; longer cells make the row "too long" */
#define SHOWN_MAX 200
#define DEPTH_MAX 128
#define SHEETS_MAX 1024
/* Parts in the zip: an .xlsx takes a pass over them per sheet. */
#define PARTS_MAX 20000
#define NAME_MAX_ 128 /* a sheet's display name, bytes */
#define PATH_MAX_ 1024
/* Zip bombs: all parts together may inflate to this much, or this many times
 * the workbook's own size when that is more (real sheets compress 5-50x). */
#define INFLATE_FLOOR (256ull << 20)
#define INFLATE_RATIO 200ull
#define ROW_REPEAT_MAX 1000
/* A sheet's mailto: hyperlinks kept to compare with their cells' text (one
 * per cell a range covers) and the bytes of their ids and addresses: more is
 * refused, as a cell whose link is not checked could store a wrong address. */
#define LINKS_MAX (256u * 1024)
#define LINK_TEXT_MAX (16u << 20)
#define LINK_ADDR_MAX 320
#define FORMULA_MAX 1024 /* of a cell's formula, kept to find a HYPERLINK( in it */
/* Text the reader holds: a cell's (kept or not), and any text between elements
 * (indentation: a few bytes in a real part). */
#define TEXT_MAX (1u << 20)
#define SIBLING_TEXT_MAX                                                                           \
	(16u                                                                                       \
	 << 20) /* long text nodes side by side in one element */ /* an ODS row repeated more      \
								     often is read this often */

/* --- what the zip is ------------------------------------------------------ */

static const char OLE2_MAGIC[8] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
static const char ODS_MIME[] = "application/vnd.oasis.opendocument.spreadsheet";

static struct archive *zip_open(int fd)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	a = archive_read_new();
	if (!a)
		return NULL;
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* OLE2 (compound file): an encrypted OOXML package names a stream
 * "EncryptedPackage" in its directory (UTF-16LE); anything else is an old
 * binary Office file.  Directory sectors can be anywhere: scan a bounded head. */
static int ole2_kind(int fd)
{
	static const char name[] = "EncryptedPackage";
	unsigned char buf[64 * 1024 + 64], pat[32];
	size_t i, keep = 0;
	ssize_t got;
	off_t off = 0;

	for (i = 0; i < 16; i++) {
		pat[2 * i] = (unsigned char)name[i];
		pat[2 * i + 1] = 0;
	}
	/* Blocks overlap by the pattern's length so a name across two is found. */
	while (off < (off_t)64 << 20) {
		got = pread(fd, buf + keep, sizeof(buf) - keep, off);
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		off += got;
		if (memmem(buf, keep + (size_t)got, pat, sizeof(pat)))
			return BG_WORKBOOK_ENCRYPTED;
		i = keep + (size_t)got;
		keep = i < sizeof(pat) ? i : sizeof(pat);
		memmove(buf, buf + i - keep, keep);
	}
	return BG_WORKBOOK_XLS;
}

int bg_workbook_kind(int fd)
{
	struct archive *a;
	struct archive_entry *e;
	char magic[8], mime[64];
	ssize_t got;
	int kind = BG_WORKBOOK_NONE, r;
	bool has_content = false;

	got = pread(fd, magic, sizeof(magic), 0);
	if (got < 0)
		return -errno;
	if (got == 8 && memcmp(magic, OLE2_MAGIC, 8) == 0) {
		r = ole2_kind(fd);
		lseek(fd, 0, SEEK_SET);
		return r;
	}
	if (got < 4 || memcmp(magic, "PK\x03\x04", 4) != 0)
		return BG_WORKBOOK_NONE;
	a = zip_open(fd);
	if (!a)
		goto out;
	while (kind == BG_WORKBOOK_NONE && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		if (!n)
			continue;
		if (strcmp(n, "xl/workbook.xml") == 0)
			kind = BG_WORKBOOK_XLSX;
		else if (strcmp(n, "xl/workbook.bin") == 0)
			kind = BG_WORKBOOK_XLSB;
		else if (strcmp(n, "content.xml") == 0)
			has_content = true;
		else if (strcmp(n, "mimetype") == 0) {
			got = archive_read_data(a, mime, sizeof(mime) - 1);
			if (got >= (ssize_t)strlen(ODS_MIME) &&
			    memcmp(mime, ODS_MIME, strlen(ODS_MIME)) == 0 &&
			    (got == (ssize_t)strlen(ODS_MIME) || mime[strlen(ODS_MIME)] == '\n'))
				kind = BG_WORKBOOK_ODS;
		}
	}
	(void)has_content;
	archive_read_free(a);
out:
	lseek(fd, 0, SEEK_SET);
	return kind;
}

struct xsheet;

/* --- the reading context ------------------------------------------------- */

/* A read-back window on a spool file: the sheets look strings up in about the
 * order they were stored, so most lookups are served from it. */
#define WINDOW (64 * 1024)
struct window {
	uint64_t start;
	size_t len;
	char buf[WINDOW];
};

struct sst {
	/* The first strings, in memory: flag byte + text, one after the other;
	 * off[i] the start of string i, off[n_mem] the end. */
	char *mem;
	size_t mem_len, mem_cap;
	uint64_t *off;
	size_t n, n_mem, off_cap;
	/* The rest, spooled (-1 until then): data as in mem; idx the offsets of
	 * strings n_mem.. in data, one more than there are strings. */
	int data_fd, idx_fd;
	uint64_t data_len;
	struct window *wd, *wi;
};

struct wb {
	int fd;
	struct bg_reader_ctx *c; /* options, sink, name and error */
	bool failed;		 /* c->err is set */
	uint64_t inflated, inflate_max;
	struct archive *a;
	const char *part; /* the part being read, for messages */
	/* xlsx */
	char wb_path[PATH_MAX_], rels_path[PATH_MAX_], sst_path[PATH_MAX_];
	struct sheet {
		char name[NAME_MAX_];
		char rid[64];
		char path[PATH_MAX_];
		bool done;
	} * sheets;
	unsigned nsheets;
	struct sst sst;
	bool sst_seen;
	/* the row being built */
	char *rowbuf;
	size_t rowlen;
	struct bg_cell *cells;
	size_t *cell_off;
	size_t ncells;
	bool row_overflow;
	bool row_noted; /* a cell of the row emptied by its link, said (cell_link) */
	/* The cell's own link, where a sheet writes it in the cell: an xlsx
	 * =HYPERLINK("mailto:...", ...) formula (its text kept in formula), an
	 * .ods text:a or HYPERLINK formula.  Its address, cell_link_len bytes. */
	char formula[FORMULA_MAX + 1];
	size_t formula_len;
	char cell_link_addr[LINK_ADDR_MAX];
	size_t cell_link_len;
	char *cell;
	size_t cell_len, cell_seen;
	bool cell_overflow;
	/* sheets read, and those skipped for a missing --column */
	unsigned nread, nskipped;
	char skip_note[512];
	struct xsheet *xs; /* the sheet being read */
	/* The sheet's mailto: hyperlinks: its relationships' ids and addresses
	 * (text: id, then address), then the cells they are on, sorted. */
	struct hrel {
		uint32_t id, id_len, addr, addr_len;
	} * rels;
	size_t nrels, rels_cap;
	struct hlink {
		uint32_t row, col, addr, addr_len;
	} * links;
	size_t nlinks, links_cap;
	char *ltext;
	size_t ltext_len, ltext_cap;
	size_t sib_text[DEPTH_MAX + 2]; /* long text under the open element at each depth */
	/* The current node, asked once: the visitors test it many times. */
	int type;
	bool empty;
	const char *local;
};

static void fail(struct wb *w, const char *fmt, const char *what)
{
	if (w->failed)
		return;
	w->failed = true;
	if (what)
		bg_err_set(&w->c->err, -EBADMSG, "%s: %s: %s", w->c->name, w->part ? w->part : "",
			   what);
	else
		bg_err_set(&w->c->err, -EBADMSG, "%s: %s", w->c->name, fmt);
}

/* Messages with a part and formatted detail. */
#define FAILF(w, ...)                                                                              \
	do {                                                                                       \
		char msg_[512];                                                                    \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                         \
		fail((w), msg_, NULL);                                                             \
	} while (0)

/* --- streaming a part into xmlReader -------------------------------------- */

static int part_read(void *ctx, char *buf, int len)
{
	struct wb *w = ctx;
	la_ssize_t got;

	if (w->failed)
		return -1;
	got = archive_read_data(w->a, buf, (size_t)len);
	if (got < 0) {
		FAILF(w, "%s: %s", w->part,
		      archive_error_string(w->a) ? archive_error_string(w->a) : "read error");
		return -1;
	}
	w->inflated += (uint64_t)got;
	if (w->inflated > w->inflate_max) {
		FAILF(w,
		      "%s: the workbook inflates to more than %llu MiB (a zip bomb?); refused, "
		      "nothing read",
		      w->part, (unsigned long long)(w->inflate_max >> 20));
		return -1;
	}
	return (int)got;
}

static int part_close(void *ctx)
{
	(void)ctx;
	return 0;
}

static void xml_error(void *arg, const char *msg, xmlParserSeverities sev,
		      xmlTextReaderLocatorPtr loc)
{
	struct wb *w = arg;
	char m[256];
	size_t n;

	if (sev != XML_PARSER_SEVERITY_ERROR && sev != XML_PARSER_SEVERITY_VALIDITY_ERROR)
		return;
	snprintf(m, sizeof(m), "%s", msg ? msg : "XML error");
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	FAILF(w, "%s, XML line %d: %s", w->part, loc ? xmlTextReaderLocatorLineNumber(loc) : 0, m);
}

/* libxml2 reports some errors (encoding, I/O) through its generic handler,
 * which prints to stderr; the reader's own handler and the parse failure that
 * follows already say what went wrong. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static xmlTextReaderPtr part_reader(struct wb *w, const char *part)
{
	xmlTextReaderPtr r;

	w->part = part;
	/* NONET; no NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE, HUGE. */
	r = xmlReaderForIO(part_read, part_close, w, part, NULL,
			   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r) {
		FAILF(w, "%s: cannot start the XML reader", part);
		return NULL;
	}
	xmlTextReaderSetErrorHandler(r, xml_error, w);
	memset(w->sib_text, 0, sizeof(w->sib_text));
	return r;
}

static bool type_is_text(int t)
{
	return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
	       t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE;
}

/* The next node; 1, 0 at the end, -1 on an error (w->c->err set).  Refuses a DTD
 * (workbook parts have none; refusing it leaves no entity to expand) and a
 * nesting deeper than any workbook needs. */
static int next_node(struct wb *w, xmlTextReaderPtr r)
{
	int rc = xmlTextReaderRead(r), depth, type;

	if (rc < 0 || w->failed) {
		if (!w->failed)
			FAILF(w, "%s: not well-formed XML", w->part);
		return -1;
	}
	if (rc == 0)
		return 0;
	w->type = type = xmlTextReaderNodeType(r);
	w->empty = type == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(r) == 1;
	w->local = type == XML_READER_TYPE_ELEMENT || type == XML_READER_TYPE_END_ELEMENT
		       ? (const char *)xmlTextReaderConstLocalName(r)
		       : NULL;
	if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
		FAILF(w, "%s: a DTD or entity in a workbook part; refused", w->part);
		return -1;
	}
	depth = xmlTextReaderDepth(r);
	if (depth < 0 || depth > DEPTH_MAX) {
		FAILF(w, "%s: XML nested deeper than %d; refused", w->part, DEPTH_MAX);
		return -1;
	}
	/* libxml2's reader frees a long text node only when its parent ends:
	 * many of them in one element would hold the part in memory. */
	if (type_is_text(type)) {
		const xmlChar *v = xmlTextReaderConstValue(r);
		size_t n = v ? strlen((const char *)v) : 0;

		if (n > 256 && (w->sib_text[depth] += n) > SIBLING_TEXT_MAX) {
			FAILF(w,
			      "%s, XML line %d: more than %u MiB of text in one element; refused",
			      w->part, xmlTextReaderGetParserLineNumber(r), SIBLING_TEXT_MAX >> 20);
			return -1;
		}
	} else if (type == XML_READER_TYPE_END_ELEMENT || w->empty) {
		w->sib_text[depth + 1] = 0;
	}
	return 1;
}

static bool is_elem(const struct wb *w, const char *local)
{
	return w->local && strcmp(w->local, local) == 0;
}

static bool start_of(const struct wb *w, const char *local)
{
	return w->type == XML_READER_TYPE_ELEMENT && is_elem(w, local);
}

static bool end_of(const struct wb *w, const char *local)
{
	return (w->type == XML_READER_TYPE_END_ELEMENT ||
		(w->type == XML_READER_TYPE_ELEMENT && w->empty)) &&
	       is_elem(w, local);
}

/* An attribute by local name, optionally only a namespaced one (r:id). */
static bool attr(xmlTextReaderPtr r, const char *local, bool namespaced, char *out, size_t outlen)
{
	bool found = false;

	if (xmlTextReaderMoveToFirstAttribute(r) != 1)
		return false;
	do {
		const xmlChar *n = xmlTextReaderConstLocalName(r);
		const xmlChar *ns = xmlTextReaderConstNamespaceUri(r);
		const xmlChar *v = xmlTextReaderConstValue(r);

		if (n && strcmp((const char *)n, local) == 0 && (!namespaced || ns) && v) {
			snprintf(out, outlen, "%s", (const char *)v);
			found = true;
			break;
		}
	} while (xmlTextReaderMoveToNextAttribute(r) == 1);
	xmlTextReaderMoveToElement(r);
	return found;
}

/* Visits the part named path (one pass over the zip).  visit returns 0 or -1.
 * 0 when done, 1 when the zip has no such part, -1 on an error. */
static int with_part(struct wb *w, const char *path, int (*visit)(struct wb *, xmlTextReaderPtr))
{
	struct archive_entry *e;
	xmlTextReaderPtr r;
	int rc = 1, h;
	unsigned parts = 0;

	w->a = zip_open(w->fd);
	if (!w->a) {
		FAILF(w, "not a readable zip");
		return -1;
	}
	while ((h = archive_read_next_header(w->a, &e)) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		if (++parts > PARTS_MAX) {
			FAILF(w, "more than %d parts in the zip; refused", PARTS_MAX);
			rc = -1;
			break;
		}
		if (!n || strcmp(n, path) != 0)
			continue;
		if (archive_entry_is_encrypted(e)) {
			FAILF(w, "%s is encrypted; save the workbook without a password", path);
			rc = -1;
			break;
		}
		r = part_reader(w, path);
		if (!r) {
			rc = -1;
			break;
		}
		rc = visit(w, r);
		xmlFreeTextReader(r);
		/* Two parts of one name: which one an office program shows is
		 * anyone's guess, so neither is read. */
		while (rc == 0 && (h = archive_read_next_header(w->a, &e)) == ARCHIVE_OK) {
			n = archive_entry_pathname(e);
			if (n && strcmp(n, path) == 0) {
				FAILF(w, "two parts named %s; refused", path);
				rc = -1;
			}
		}
		break;
	}
	if (h != ARCHIVE_OK && h != ARCHIVE_EOF && rc == 1 && !w->failed) {
		FAILF(w, "zip: %s",
		      archive_error_string(w->a) ? archive_error_string(w->a) : "bad");
		rc = -1;
	}
	archive_read_free(w->a);
	w->a = NULL;
	return w->failed ? -1 : rc;
}

/* --- rows ---------------------------------------------------------------- */

static void row_start(struct wb *w)
{
	w->rowlen = 0;
	w->ncells = 0;
	w->row_overflow = w->row_noted = false;
}

static void cell_start(struct wb *w)
{
	w->cell_len = w->cell_seen = 0;
	w->cell_overflow = false;
	w->formula_len = w->cell_link_len = 0;
}

static void cell_add(struct wb *w, const char *s, size_t n)
{
	/* libxml2's reader keeps the text nodes of one element until it ends:
	 * a cell's text, kept or not, is bounded so that memory is. */
	w->cell_seen += n;
	if (w->cell_seen > TEXT_MAX) {
		FAILF(w, "%s: a cell holds more than %u MiB of text; refused", w->part,
		      TEXT_MAX >> 20);
		return;
	}
	if (w->cell_len + n > CELL_MAX) {
		n = CELL_MAX - w->cell_len;
		w->cell_overflow = true;
	}
	memcpy(w->cell + w->cell_len, s, n);
	w->cell_len += n;
}

/* The four hex digits of an ST_Xstring escape at s ("_x000D_"), or -1. */
static long xstring_unit(const char *s, size_t n)
{
	long u = 0;

	if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
		return -1;
	for (int i = 2; i < 6; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			return -1;
		u = u * 16 + d;
	}
	return u;
}

/* An .xlsx string's text: Excel writes a character XML cannot hold, or one it
 * chose to escape, as _xHHHH_ (ECMA-376 ST_Xstring: _x000D_ a CR inside the
 * cell, _x005F_ an underscore that would start one).  Read as written, an
 * address "aoyama_x005F_x@x.jp" (Excel's aoyama_x@x.jp) was stored as that,
 * and "asano@example.jp_x000D_" refused.  Decoded here, surrogate pairs
 * joined, a lone surrogate or NUL U+FFFD (flagged as any bad character). */
static void cell_add_xstring(struct wb *w, const char *s, size_t n)
{
	size_t i = 0, from = 0;

	while (i < n) {
		const char *u = memchr(s + i, '_', n - i);
		long c, lo;
		char out[4];
		size_t step = 7;

		if (!u)
			break;
		i = (size_t)(u - s);
		if ((c = xstring_unit(s + i, n - i)) < 0) {
			i++;
			continue;
		}
		if (c >= 0xd800 && c <= 0xdbff &&
		    (lo = xstring_unit(s + i + 7, n - i - 7)) >= 0xdc00 && lo <= 0xdfff) {
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			step = 14;
		} else if ((c >= 0xd800 && c <= 0xdfff) || c == 0) {
			c = 0xfffd;
		}
		cell_add(w, s + from, i - from);
		cell_add(w, out, bg_utf8_put(out, (uint32_t)c));
		i += step;
		from = i;
	}
	cell_add(w, s + from, n - from);
}

/* Puts the cell's text in column col (0-based), empty cells before it.  Cells
 * past the kept columns are never looked at. */
static void cell_put(struct wb *w, size_t col, const char *s, size_t n, bool overflow)
{
	if (col >= BG_TABLE_COLS_MAX)
		return;
	while (w->ncells < col) {
		w->cell_off[w->ncells] = w->rowlen;
		w->cells[w->ncells++].len = 0;
	}
	if (overflow || w->rowlen + n > BG_TABLE_ROW_MAX) {
		w->row_overflow = true;
		if (w->rowlen + n > BG_TABLE_ROW_MAX)
			n = BG_TABLE_ROW_MAX - w->rowlen;
	}
	memcpy(w->rowbuf + w->rowlen, s, n);
	w->cell_off[w->ncells] = w->rowlen;
	w->cells[w->ncells++].len = n;
	w->rowlen += n;
}

static int row_emit(struct wb *w, struct bg_table *t, unsigned idx, unsigned long row)
{
	struct bg_row r;
	char shown[SHOWN_MAX];
	size_t i, o = 0, k;
	unsigned long max = (1UL << BG_SHEET_SHIFT) - 1;

	for (i = 0; i < w->ncells; i++)
		w->cells[i].s = w->rowbuf + w->cell_off[i];
	/* Shown like a CSV line: the cells joined with commas. */
	for (i = 0; i < w->ncells && o < sizeof(shown); i++) {
		if (i && o < sizeof(shown))
			shown[o++] = ',';
		k = w->cells[i].len < sizeof(shown) - o ? w->cells[i].len : sizeof(shown) - o;
		memcpy(shown + o, w->cells[i].s, k);
		o += k;
	}
	memset(&r, 0, sizeof(r));
	r.cells = w->cells;
	r.n = w->ncells;
	r.line = BG_SHEET_LINE(idx, row < max ? row : max);
	r.shown = shown;
	r.shown_len = o;
	r.overflow = w->row_overflow;
	r.noted = w->row_noted;
	return bg_table_row(t, &r);
}

/* "B7" -> column 1 (0-based); -1 when it is not a cell reference. */
static long ref_col(const char *ref, unsigned long *row)
{
	long col = 0;
	const char *p = ref;
	char *end;

	while (*p >= 'A' && *p <= 'Z' && col <= 20000)
		col = col * 26 + (*p++ - 'A' + 1);
	if (p == ref || col > 20000)
		return -1;
	if (row) {
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		*row = strtoul(p, &end, 10);
		if (errno || *end || *row == 0)
			return -1;
	}
	return col - 1;
}

static unsigned long parse_num(const char *s, bool *ok)
{
	char *end;
	unsigned long v;

	*ok = false;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return 0;
	*ok = true;
	return v;
}

/* A sheet's name made printable for messages (XML already holds no C0
 * controls but tab and newlines), cut on a character boundary. */
static void display_name(const char *s, char *out, size_t outlen)
{
	size_t i, o = 0, k;

	for (i = 0; s[i] && o + 1 < outlen;) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			out[o++] = ' ';
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : bg_utf8_seq((const unsigned char *)s + i, strlen(s + i));
		if (k == 0) {
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + k + 1 > outlen)
			break;
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
}

/* Per sheet: a table, the sink told, the end handled (a --column missing from
 * this sheet skips it with a note). */
static int sheet_begin(struct wb *w, unsigned idx, const char *name, struct bg_table **t)
{
	if (w->c->sink->sheet)
		w->c->sink->sheet(w->c->sink, idx, name);
	if (bg_table_begin(t, w->c, name) < 0) {
		w->failed = true;
		return -1;
	}
	return 0;
}

static int sheet_end(struct wb *w, struct bg_table *t, unsigned idx, const char *name)
{
	const char *note = NULL;

	if (bg_table_end(t, &note) < 0) {
		w->failed = true;
		return -1;
	}
	if (note) {
		char why[128];

		/* Counted and shown: never a silent drop. */
		w->nskipped++;
		snprintf(w->skip_note, sizeof(w->skip_note),
			 "%s: no sheet has a column \"%s\" (sheet %s has: %.300s)", w->c->name,
			 w->c->opts.column, name, note);
		snprintf(why, sizeof(why), "sheet skipped, no column \"%s\"", w->c->opts.column);
		bg_reader_note(w->c, BG_SHEET_LINE(idx, 1), why, note, strlen(note));
	} else {
		w->nread++;
	}
	return 0;
}

/* --- xlsx: shared strings ------------------------------------------------- */

static int write_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const char *p = buf;
	ssize_t got;

	while (n > 0) {
		got = pwrite(fd, p, n, (off_t)off);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;
	ssize_t got;

	while (n > 0) {
		got = pread(fd, p, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		p += got;
		n -= (size_t)got;
		off += (uint64_t)got;
	}
	return 0;
}

/* From now on strings go to two unlinked files, the text and the offsets;
 * the ones in memory stay there (the first strings are the most used ones:
 * headers and repeated values come first in a workbook's table). */
static int sst_spool(struct sst *s)
{
	uint64_t zero = 0;

	s->data_fd = bg_spool_open();
	s->idx_fd = bg_spool_open();
	s->wd = calloc(1, sizeof(*s->wd));
	s->wi = calloc(1, sizeof(*s->wi));
	if (s->data_fd < 0 || s->idx_fd < 0)
		return -errno;
	if (!s->wd || !s->wi)
		return -ENOMEM;
	s->n_mem = s->n;
	s->data_len = 0;
	return write_all(s->idx_fd, &zero, sizeof(zero), 0);
}

/* Appends one string (flag byte: 1 = cut). */
static int sst_add(struct sst *s, const char *text, size_t n, bool cut)
{
	char flag = cut ? 1 : 0;
	uint64_t end;
	int rc;

	if (s->data_fd < 0 && s->mem_len + n + 1 + (s->n + 2) * sizeof(uint64_t) > SST_MEM_MAX &&
	    (rc = sst_spool(s)) != 0)
		return rc;
	if (s->data_fd >= 0) {
		if ((rc = write_all(s->data_fd, &flag, 1, s->data_len)) != 0 ||
		    (rc = write_all(s->data_fd, text, n, s->data_len + 1)) != 0)
			return rc;
		s->data_len += n + 1;
		end = s->data_len;
		s->n++;
		return write_all(s->idx_fd, &end, sizeof(end),
				 (s->n - s->n_mem) * sizeof(uint64_t));
	}
	if (s->mem_len + n + 1 > s->mem_cap) {
		size_t cap = s->mem_cap ? s->mem_cap : 4096;
		char *m;

		while (cap < s->mem_len + n + 1)
			cap *= 2;
		m = realloc(s->mem, cap);
		if (!m)
			return -ENOMEM;
		s->mem = m;
		s->mem_cap = cap;
	}
	if (s->n + 2 > s->off_cap) {
		size_t cap = s->off_cap ? s->off_cap * 2 : 1024;
		uint64_t *o = realloc(s->off, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		s->off = o;
		s->off_cap = cap;
	}
	if (s->n == 0)
		s->off[0] = 0;
	s->mem[s->mem_len] = flag;
	memcpy(s->mem + s->mem_len + 1, text, n);
	s->mem_len += n + 1;
	s->off[++s->n] = s->mem_len;
	return 0;
}

/* n bytes at off of a spool file, through its window. */
static int window_read(int fd, struct window *w, void *out, size_t n, uint64_t off)
{
	ssize_t got;

	if (n > WINDOW)
		return read_all(fd, out, n, off);
	if (off < w->start || off + n > w->start + w->len) {
		do
			got = pread(fd, w->buf, WINDOW, (off_t)off);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return -errno;
		w->start = off;
		w->len = (size_t)got;
		if (w->len < n)
			return -EIO;
	}
	memcpy(out, w->buf + (off - w->start), n);
	return 0;
}

/* String i into out (CELL_MAX + 1 bytes); its length, -ERANGE if there is no
 * string i, another negative errno on a read error. */
static long sst_get(struct sst *s, unsigned long i, char *out, bool *cut)
{
	uint64_t o[2];
	size_t n;
	int rc;

	if (i >= s->n)
		return -ERANGE;
	if (s->data_fd < 0 || i < s->n_mem) {
		o[0] = s->off[i];
		o[1] = s->off[i + 1];
		n = (size_t)(o[1] - o[0] - 1);
		*cut = s->mem[o[0]] != 0;
		memcpy(out, s->mem + o[0] + 1, n);
		return (long)n;
	}
	if ((rc = window_read(s->idx_fd, s->wi, o, sizeof(o), (i - s->n_mem) * sizeof(uint64_t))) !=
	    0)
		return rc;
	if (o[1] <= o[0] || o[1] - o[0] - 1 > CELL_MAX)
		return -EIO;
	n = (size_t)(o[1] - o[0]);
	if ((rc = window_read(s->data_fd, s->wd, out, n, o[0])) != 0)
		return rc;
	*cut = out[0] != 0;
	memmove(out, out + 1, n - 1);
	return (long)(n - 1);
}

static void sst_free(struct sst *s)
{
	free(s->mem);
	free(s->off);
	free(s->wd);
	free(s->wi);
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->idx_fd >= 0)
		close(s->idx_fd);
}

/* <sst><si><t>..</t></si><si><r><t>..</t></r>..<rPh><t>furigana</t></rPh></si>:
 * the text of <t> outside phonetic runs (<rPh>, the reading aid Japanese Excel
 * keeps beside a name, is not the cell's text). */
static int visit_sst(struct wb *w, xmlTextReaderPtr r)
{
	int rc, in_si = 0, in_t = 0, in_rph = 0;

	while ((rc = next_node(w, r)) == 1) {
		if (start_of(w, "si") && !w->empty) {
			in_si = 1;
			cell_start(w);
		} else if (start_of(w, "si")) {
			if (sst_add(&w->sst, "", 0, false) != 0)
				goto nomem;
		} else if (end_of(w, "si") && in_si) {
			in_si = 0;
			if (sst_add(&w->sst, w->cell, w->cell_len, w->cell_overflow) != 0)
				goto nomem;
		} else if (start_of(w, "rPh") && !w->empty) {
			in_rph = 1;
		} else if (end_of(w, "rPh")) {
			in_rph = 0;
		} else if (start_of(w, "t") && !w->empty) {
			in_t = 1;
		} else if (end_of(w, "t")) {
			in_t = 0;
		} else if (in_si && in_t && !in_rph && type_is_text(w->type)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v)
				cell_add_xstring(w, v, strlen(v));
		}
	}
	return rc < 0 ? -1 : 0;
nomem:
	FAILF(w, "%s: shared strings: %s", w->part, strerror(ENOMEM));
	return -1;
}

/* --- xlsx: package, workbook, relationships ------------------------------- */

/* A relationship target resolved against the directory of the part holding
 * the relationships: "worksheets/sheet1.xml" from xl/ -> "xl/worksheets/sheet1.xml". */
static void resolve(const char *base_dir, const char *target, char *out, size_t outlen)
{
	char tmp[PATH_MAX_ * 2];
	char *seg[64] = {NULL};
	size_t nseg = 0, o = 0, i;
	char *p, *save = NULL;

	if (target[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", target + 1);
	else
		snprintf(tmp, sizeof(tmp), "%s%s", base_dir, target);
	for (p = strtok_r(tmp, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			if (nseg)
				nseg--;
			continue;
		}
		if (nseg < sizeof(seg) / sizeof(seg[0]))
			seg[nseg++] = p;
	}
	out[0] = '\0';
	for (i = 0; i < nseg; i++) {
		int k = snprintf(out + o, outlen - o, "%s%s", i ? "/" : "", seg[i]);

		if (k < 0 || (size_t)k >= outlen - o)
			break;
		o += (size_t)k;
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int visit_pkg_rels(struct wb *w, xmlTextReaderPtr r)
{
	char type[512], target[PATH_MAX_];
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		if (!start_of(w, "Relationship"))
			continue;
		if (attr(r, "Type", false, type, sizeof(type)) &&
		    ends_with(type, "/officeDocument") &&
		    attr(r, "Target", false, target, sizeof(target)))
			resolve("", target, w->wb_path, sizeof(w->wb_path));
	}
	return rc < 0 ? -1 : 0;
}

static int visit_workbook(struct wb *w, xmlTextReaderPtr r)
{
	char name[512];
	struct sheet *s;
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		if (!start_of(w, "sheet"))
			continue;
		if (w->nsheets >= SHEETS_MAX) {
			FAILF(w, "%s: more than %d sheets; refused", w->part, SHEETS_MAX);
			return -1;
		}
		if ((w->nsheets & 15) == 0) {
			s = realloc(w->sheets, (w->nsheets + 16) * sizeof(*s));
			if (!s) {
				FAILF(w, "%s: %s", w->part, strerror(ENOMEM));
				return -1;
			}
			w->sheets = s;
		}
		s = &w->sheets[w->nsheets];
		memset(s, 0, sizeof(*s));
		if (!attr(r, "name", false, name, sizeof(name)))
			snprintf(name, sizeof(name), "#%u", w->nsheets + 1);
		display_name(name, s->name, sizeof(s->name));
		if (!attr(r, "id", true, s->rid, sizeof(s->rid))) {
			FAILF(w, "%s: sheet \"%s\" has no relationship id", w->part, s->name);
			return -1;
		}
		w->nsheets++;
	}
	return rc < 0 ? -1 : 0;
}

static int visit_wb_rels(struct wb *w, xmlTextReaderPtr r)
{
	char id[64], type[512], target[PATH_MAX_], dir[PATH_MAX_];
	char *slash;
	unsigned i;
	int rc;

	snprintf(dir, sizeof(dir), "%s", w->wb_path);
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	while ((rc = next_node(w, r)) == 1) {
		if (!start_of(w, "Relationship") || !attr(r, "Id", false, id, sizeof(id)) ||
		    !attr(r, "Type", false, type, sizeof(type)) ||
		    !attr(r, "Target", false, target, sizeof(target)))
			continue;
		if (ends_with(type, "/sharedStrings")) {
			resolve(dir, target, w->sst_path, sizeof(w->sst_path));
			continue;
		}
		for (i = 0; i < w->nsheets; i++) {
			if (strcmp(w->sheets[i].rid, id) != 0)
				continue;
			/* Chart and dialog sheets hold no cells: no path, not read. */
			if (ends_with(type, "/worksheet"))
				resolve(dir, target, w->sheets[i].path, sizeof(w->sheets[i].path));
		}
	}
	return rc < 0 ? -1 : 0;
}

/* --- xlsx: a sheet's hyperlinks ------------------------------------------- */

/* A sheet's <hyperlinks> come after its cells, and their targets are in the
 * sheet's relationships part: both are read before the cells (two more
 * passes over the zip, only for a sheet whose relationships hold a mailto:
 * target).  A cell whose text is an address and whose link is another
 * mailto: address: one of the two is nobody's, which cannot be told, so
 * neither is imported and the row is noted (as the HTML reader does); a cell
 * whose text holds no address imports the link's address after its text (a
 * label, "メール"); a link to the text's own address, an http: link and a
 * location= (internal) link change nothing. */

static void links_reset(struct wb *w)
{
	w->nrels = w->nlinks = w->ltext_len = 0;
}

static void links_free(struct wb *w)
{
	free(w->rels);
	free(w->links);
	free(w->ltext);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* Appends n bytes to the link text; its offset, or -1 (w failed). */
static long ltext_add(struct wb *w, const char *s, size_t n)
{
	size_t at = w->ltext_len;

	if (at + n > LINK_TEXT_MAX) {
		FAILF(w,
		      "%s: more than %u MiB of mailto: hyperlinks; refused (export the sheet "
		      "as CSV)",
		      w->part, LINK_TEXT_MAX >> 20);
		return -1;
	}
	if (!grow((void **)&w->ltext, &w->ltext_cap, at + n + 1, 1)) {
		FAILF(w, "%s: %s", w->part, strerror(ENOMEM));
		return -1;
	}
	memcpy(w->ltext + at, s, n);
	w->ltext_len += n;
	return (long)at;
}

/* "mailto:a%40x.jp?subject=..." -> "a@x.jp" into out (LINK_ADDR_MAX bytes);
 * its length, 0 when t is no mailto: link or names no address. */
static size_t mailto_target(const char *t, char *out)
{
	size_t i = 0, o = 0;

	while (t[i] == ' ' || t[i] == '\t')
		i++;
	if (!bg_ascii_starts_ci(t + i, strlen(t + i), "mailto:"))
		return 0;
	for (i += 7; t[i] && t[i] != '?' && o < LINK_ADDR_MAX; o++) {
		if (t[i] == '%' && bg_ascii_hexval(t[i + 1]) >= 0 &&
		    bg_ascii_hexval(t[i + 2]) >= 0) {
			out[o] = (char)(bg_ascii_hexval(t[i + 1]) * 16 + bg_ascii_hexval(t[i + 2]));
			i += 3;
		} else {
			out[o] = t[i++];
		}
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	return memchr(out, '@', o) ? o : 0;
}

static int visit_sheet_rels(struct wb *w, xmlTextReaderPtr r)
{
	char id[64], type[512], target[PATH_MAX_], a[LINK_ADDR_MAX];
	size_t al;
	long io, ao;
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		if (!start_of(w, "Relationship") || !attr(r, "Id", false, id, sizeof(id)) ||
		    !attr(r, "Type", false, type, sizeof(type)) || !ends_with(type, "/hyperlink") ||
		    !attr(r, "Target", false, target, sizeof(target)) ||
		    (al = mailto_target(target, a)) == 0)
			continue;
		if (w->nrels >= LINKS_MAX) {
			FAILF(w,
			      "%s: more than %u mailto: hyperlinks; refused (export the sheet as "
			      "CSV)",
			      w->part, LINKS_MAX);
			return -1;
		}
		if (!grow((void **)&w->rels, &w->rels_cap, w->nrels + 1, sizeof(*w->rels))) {
			FAILF(w, "%s: %s", w->part, strerror(ENOMEM));
			return -1;
		}
		if ((io = ltext_add(w, id, strlen(id))) < 0 || (ao = ltext_add(w, a, al)) < 0)
			return -1;
		w->rels[w->nrels++] =
		    (struct hrel){(uint32_t)io, (uint32_t)strlen(id), (uint32_t)ao, (uint32_t)al};
	}
	return rc < 0 ? -1 : 0;
}

static const char *sort_text; /* qsort has no context argument */

static int rel_cmp(const void *x, const void *y)
{
	const struct hrel *a = x, *b = y;
	size_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
	int c = memcmp(sort_text + a->id, sort_text + b->id, n);

	return c ? c : (a->id_len > b->id_len) - (a->id_len < b->id_len);
}

static int link_cmp(const void *x, const void *y)
{
	const struct hlink *a = x, *b = y;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return (a->col > b->col) - (a->col < b->col);
}

static const struct hrel *rel_find(const struct wb *w, const char *id)
{
	size_t lo = 0, hi = w->nrels, n = strlen(id);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hrel *m = &w->rels[mid];
		size_t k = n < m->id_len ? n : m->id_len;
		int c = memcmp(id, w->ltext + m->id, k);

		if (!c)
			c = (n > m->id_len) - (n < m->id_len);
		if (!c)
			return m;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* "B3" or "B3:C5" (a link on a range is on each of its cells). */
static bool ref_range(const char *ref, unsigned long *r1, long *c1, unsigned long *r2, long *c2)
{
	char a[32];
	const char *colon = strchr(ref, ':');
	size_t n = colon ? (size_t)(colon - ref) : strlen(ref);

	if (n >= sizeof(a))
		return false;
	memcpy(a, ref, n);
	a[n] = '\0';
	if ((*c1 = ref_col(a, r1)) < 0)
		return false;
	if (!colon) {
		*r2 = *r1;
		*c2 = *c1;
		return true;
	}
	return (*c2 = ref_col(colon + 1, r2)) >= *c1 && *r2 >= *r1;
}

static int visit_sheet_links(struct wb *w, xmlTextReaderPtr r)
{
	char ref[64], id[64];
	const struct hrel *h;
	unsigned long r1, r2, row;
	long c1, c2, col;
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		/* location= alone: a place in the workbook, no address. */
		if (!start_of(w, "hyperlink") || !attr(r, "id", true, id, sizeof(id)) ||
		    !(h = rel_find(w, id)))
			continue;
		if (!attr(r, "ref", false, ref, sizeof(ref)) ||
		    !ref_range(ref, &r1, &c1, &r2, &c2)) {
			FAILF(w, "%s: a mailto: hyperlink on no cell (ref \"%.40s\"); refused",
			      w->part, attr(r, "ref", false, ref, sizeof(ref)) ? ref : "");
			return -1;
		}
		if (c2 >= BG_TABLE_COLS_MAX)
			c2 = BG_TABLE_COLS_MAX - 1;
		for (row = r1; row <= r2; row++)
			for (col = c1; col <= c2; col++) {
				if (w->nlinks >= LINKS_MAX) {
					FAILF(w,
					      "%s: more than %u cells with a mailto: hyperlink; "
					      "refused (export the sheet as CSV)",
					      w->part, LINKS_MAX);
					return -1;
				}
				if (!grow((void **)&w->links, &w->links_cap, w->nlinks + 1,
					  sizeof(*w->links))) {
					FAILF(w, "%s: %s", w->part, strerror(ENOMEM));
					return -1;
				}
				w->links[w->nlinks++] = (struct hlink){(uint32_t)row, (uint32_t)col,
								       h->addr, h->addr_len};
			}
	}
	return rc < 0 ? -1 : 0;
}

/* Reads the sheet's mailto: hyperlinks (sheet at path).  0 or -1. */
static int sheet_links(struct wb *w, const char *path)
{
	char rels[PATH_MAX_];
	const char *slash = strrchr(path, '/');
	uint64_t inflated;
	int rc;

	links_reset(w);
	snprintf(rels, sizeof(rels), "%.*s_rels/%.200s.rels",
		 slash ? (int)(slash + 1 - path) % 500 : 0, path, slash ? slash + 1 : path);
	if (with_part(w, rels, visit_sheet_rels) < 0)
		return -1;
	if (w->nrels == 0)
		return 0;
	sort_text = w->ltext;
	qsort(w->rels, w->nrels, sizeof(*w->rels), rel_cmp);
	/* The sheet is inflated twice: this pass is held to the bomb limit on
	 * its own, the reading pass counts as before. */
	inflated = w->inflated;
	w->inflated = 0;
	rc = with_part(w, path, visit_sheet_links);
	w->inflated = inflated;
	if (rc < 0)
		return -1;
	qsort(w->links, w->nlinks, sizeof(*w->links), link_cmp);
	return 0;
}

static const struct hlink *link_at(const struct wb *w, unsigned long row, long col)
{
	struct hlink key = {(uint32_t)row, (uint32_t)col, 0, 0};

	if (!w->nlinks || row > UINT32_MAX)
		return NULL;
	return bsearch(&key, w->links, w->nlinks, sizeof(*w->links), link_cmp);
}

/* The cell at row, col holds s..*n (in w->cell, CELL_MAX + 1 bytes); a
 * mailto: hyperlink on it applied.  *cut set when the text grew too long. */
static void link_rule(struct wb *w, unsigned idx, unsigned long row, size_t from, const char *a,
		      size_t al, size_t *n, bool *cut);

static void cell_link(struct wb *w, unsigned idx, unsigned long row, long col, size_t *n, bool *cut)
{
	const struct hlink *l = link_at(w, row, col);

	if (l)
		link_rule(w, idx, row, 0, w->ltext + l->addr, l->addr_len, n, cut);
	else if (w->cell_link_len)
		link_rule(w, idx, row, 0, w->cell_link_addr, w->cell_link_len, n, cut);
}

/* A formula's HYPERLINK("mailto:...", ...) (xlsx: "HYPERLINK(...)", with or
 * without "_xlfn."; .ods: "of:=HYPERLINK(...;...)"): its address into the
 * cell's link.  Only a literal first argument: a cell reference names no address
 * here. */
static void formula_link(struct wb *w, const char *f, size_t n)
{
	char lit[LINK_ADDR_MAX + 8];
	size_t i = 0, o = 0;

	if (bg_ascii_starts_ci(f, n, "of:"))
		i = 3;
	while (i < n && (f[i] == '=' || f[i] == ' '))
		i++;
	if (bg_ascii_starts_ci(f + i, n - i, "_xlfn."))
		i += 6;
	if (!bg_ascii_starts_ci(f + i, n - i, "hyperlink"))
		return;
	for (i += 9; i < n && f[i] == ' '; i++)
		;
	if (i >= n || f[i++] != '(')
		return;
	while (i < n && f[i] == ' ')
		i++;
	if (i >= n || f[i++] != '"')
		return;
	for (; i < n && o < sizeof(lit) - 1; i++) {
		if (f[i] == '"' && (i + 1 >= n || f[i + 1] != '"'))
			break;
		lit[o++] = f[i];
		i += f[i] == '"'; /* "" is one '"' */
	}
	lit[o] = '\0';
	w->cell_link_len = mailto_target(lit, w->cell_link_addr);
}

/* The text w->cell[from..*n) and the address a (al bytes) its link names, by
 * the rule every link has (bg_link_text, as the HTML reader applies it): the
 * same address adds nothing; another address imports neither (the text is
 * left out), said; a text without one gains the link's address. */
static void link_rule(struct wb *w, unsigned idx, unsigned long row, size_t from, const char *a,
		      size_t al, size_t *n, bool *cut)
{
	const char *t = w->cell + from;
	size_t tl = *n - from;
	char shown[SHOWN_MAX];
	int k;

	switch (bg_link_text(t, tl, a, al)) {
	case BG_LINK_SAME:
		return;
	case BG_LINK_OTHER:
		k = snprintf(shown, sizeof(shown), "%.*s (link: mailto:%.*s)",
			     (int)(tl < 120 ? tl : 120), t, (int)(al < 60 ? al : 60), a);
		bg_reader_note(w->c, BG_SHEET_LINE(idx, row), bg_eml_html_link_why, shown,
			       k < 0			   ? 0
			       : (size_t)k < sizeof(shown) ? (size_t)k
							   : sizeof(shown) - 1);
		*n = from;
		if (from == 0)
			*cut = false;
		w->row_noted = true;
		return;
	case BG_LINK_LABEL:
		break;
	}
	/* a blank after it too: an .ods cell's text may go on after its link */
	if (*n + 2 + al > CELL_MAX) {
		*cut = true;
		return;
	}
	if (*n)
		w->cell[(*n)++] = ' ';
	memcpy(w->cell + *n, a, al);
	*n += al;
	w->cell[(*n)++] = ' ';
}

/* --- xlsx: a sheet ---------------------------------------------------------- */

struct xsheet {
	unsigned idx;
	const char *name;
	struct bg_table *t;
};

static int visit_sheet_with(struct wb *w, xmlTextReaderPtr r, struct xsheet *xs)
{
	char ref[32], type[32], where[NAME_MAX_ + 64];
	unsigned long row = 0, rrow;
	long col = -1, c;
	bool in_row = false, in_cell = false, in_v = false, in_is = false, in_t = false,
	     in_rph = false, in_f = false, has_value = false, ok;
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		if (start_of(w, "row")) {
			if (in_row)
				goto bad;
			if (attr(r, "r", false, ref, sizeof(ref))) {
				rrow = parse_num(ref, &ok);
				if (!ok || rrow <= row) {
					FAILF(w, "sheet %s: row \"%s\" out of order", xs->name,
					      ref);
					return -1;
				}
				row = rrow;
			} else {
				row++;
			}
			in_row = true;
			col = -1;
			row_start(w);
			if (w->empty) {
				in_row = false;
			}
		} else if (end_of(w, "row") && in_row) {
			in_row = false;
			if (row_emit(w, xs->t, xs->idx, row) < 0) {
				w->failed = true;
				return -1;
			}
		} else if (start_of(w, "c") && in_row) {
			if (attr(r, "r", false, ref, sizeof(ref))) {
				unsigned long crow;

				c = ref_col(ref, &crow);
				if (c < 0 || crow != row || c <= col) {
					FAILF(w,
					      "sheet %s cell %s: not a cell of row %lu after "
					      "column %ld",
					      xs->name, ref, row, col + 1);
					return -1;
				}
				col = c;
			} else {
				col++;
			}
			if (!attr(r, "t", false, type, sizeof(type)))
				type[0] = '\0';
			cell_start(w);
			has_value = false;
			in_cell = !w->empty;
		} else if (end_of(w, "c") && in_cell) {
			in_cell = false;
			if (!has_value)
				continue;
			size_t len;
			bool cut = false;

			if (strcmp(type, "s") == 0) {
				unsigned long i;
				long n;

				char idx[24];

				w->cell[w->cell_len] = '\0';
				i = parse_num(w->cell, &ok);
				/* What the cell said, for the message (sst_get reuses cell). */
				snprintf(idx, sizeof(idx), "%.20s", w->cell);
				n = ok ? sst_get(&w->sst, i, w->cell, &cut) : -ERANGE;
				if (n < 0)
					snprintf(where, sizeof(where), "sheet %s cell %s", xs->name,
						 ref);
				if (n == -ERANGE) {
					FAILF(w,
					      "%s: shared string \"%s\" does not exist (%zu in "
					      "the table)",
					      where, idx, w->sst.n);
					return -1;
				}
				if (n < 0) {
					FAILF(w, "%s: shared strings: %s", where,
					      strerror((int)-n));
					return -1;
				}
				len = (size_t)n;
			} else {
				len = w->cell_len;
				cut = w->cell_overflow;
			}
			if (w->formula_len)
				formula_link(w, w->formula, w->formula_len);
			cell_link(w, xs->idx, row, col, &len, &cut);
			cell_put(w, (size_t)col, w->cell, len, cut);
		} else if (in_cell && start_of(w, "f") && !w->empty) {
			in_f = true;
		} else if (in_cell && end_of(w, "f")) {
			in_f = false;
		} else if (in_f && type_is_text(w->type)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			size_t vl = v ? strlen(v) : 0, room = FORMULA_MAX - w->formula_len;

			if (vl > room)
				vl = room;
			if (vl) {
				memcpy(w->formula + w->formula_len, v, vl);
				w->formula_len += vl;
			}
		} else if (in_cell && start_of(w, "v") && !w->empty) {
			in_v = true;
			has_value = true;
		} else if (in_cell && end_of(w, "v")) {
			in_v = false;
		} else if (in_cell && start_of(w, "is") && !w->empty) {
			in_is = true;
			has_value = true;
		} else if (in_cell && end_of(w, "is")) {
			in_is = false;
		} else if (in_is && start_of(w, "rPh") && !w->empty) {
			in_rph = true;
		} else if (in_is && end_of(w, "rPh")) {
			in_rph = false;
		} else if (in_is && start_of(w, "t") && !w->empty) {
			in_t = true;
		} else if (in_is && end_of(w, "t")) {
			in_t = false;
		} else if (type_is_text(w->type) && in_cell &&
			   (in_v || (in_is && in_t && !in_rph))) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v)
				cell_add_xstring(w, v, strlen(v));
		}
	}
	if (rc == 0 && (in_row || in_cell))
		goto bad;
	return rc < 0 ? -1 : 0;
bad:
	FAILF(w, "sheet %s: malformed row %lu", xs->name, row);
	return -1;
}

static int visit_sheet(struct wb *w, xmlTextReaderPtr r)
{
	return visit_sheet_with(w, r, w->xs);
}

static int read_xlsx(struct wb *w)
{
	char dir[PATH_MAX_];
	char *slash;
	unsigned i;
	int rc;

	snprintf(w->wb_path, sizeof(w->wb_path), "xl/workbook.xml");
	if (with_part(w, "_rels/.rels", visit_pkg_rels) < 0)
		return -1;
	rc = with_part(w, w->wb_path, visit_workbook);
	if (rc != 0) {
		if (rc > 0)
			FAILF(w, "no workbook part %.200s", w->wb_path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", w->wb_path);
	slash = strrchr(dir, '/');
	snprintf(w->rels_path, sizeof(w->rels_path), "%.*s_rels/%.200s.rels",
		 slash ? (int)(slash + 1 - dir) % 500 : 0, dir, slash ? slash + 1 : dir);
	rc = with_part(w, w->rels_path, visit_wb_rels);
	if (rc != 0) {
		if (rc > 0)
			FAILF(w, "no relationships part %.200s", w->rels_path);
		return -1;
	}
	if (w->sst_path[0] && with_part(w, w->sst_path, visit_sst) < 0)
		return -1;
	for (i = 0; i < w->nsheets; i++) {
		struct xsheet xs = {i + 1, w->sheets[i].name, NULL};

		if (!w->sheets[i].path[0])
			continue;
		if (sheet_links(w, w->sheets[i].path) < 0)
			return -1;
		if (sheet_begin(w, xs.idx, xs.name, &xs.t) < 0)
			return -1;
		w->xs = &xs;
		row_start(w);
		rc = with_part(w, w->sheets[i].path, visit_sheet);
		w->xs = NULL;
		if (rc > 0)
			FAILF(w, "sheet %s: its part %.200s is missing", xs.name,
			      w->sheets[i].path);
		if (rc != 0 || sheet_end(w, xs.t, xs.idx, xs.name) < 0) {
			bg_table_free(xs.t);
			return -1;
		}
		bg_table_free(xs.t);
	}
	return 0;
}

/* --- ods ------------------------------------------------------------------ */

static int visit_manifest(struct wb *w, xmlTextReaderPtr r)
{
	int rc;

	while ((rc = next_node(w, r)) == 1) {
		if (start_of(w, "encryption-data")) {
			FAILF(w,
			      "a password-protected (encrypted) .ods; open it in LibreOffice and "
			      "save it without a password, or export the list as CSV");
			return -1;
		}
	}
	return rc < 0 ? -1 : 0;
}

static unsigned long repeat_attr(xmlTextReaderPtr r, const char *name)
{
	char v[32];
	unsigned long n;
	bool ok;

	if (!attr(r, name, false, v, sizeof(v)))
		return 1;
	n = parse_num(v, &ok);
	if (!ok || n == 0)
		return 1;
	/* More rows or columns than any spreadsheet has: the same as "to the end". */
	return n < (1UL << 20) ? n : (1UL << 20);
}

static void cell_spaces(struct wb *w, unsigned long n)
{
	static const char sp[] = "                                ";

	if (n > CELL_MAX)
		n = CELL_MAX;
	while (n > 0 && !w->cell_overflow) {
		size_t k = n < sizeof(sp) - 1 ? (size_t)n : sizeof(sp) - 1;

		cell_add(w, sp, k);
		n -= k;
	}
}

/* content.xml: office:spreadsheet > table:table (a sheet) > table:table-row >
 * table:table-cell > text:p (text:span, text:a, text:s ...).  Repeats are
 * counted, never expanded into memory: an empty cell repeated 16384 times
 * moves the column on, a non-empty one fills the kept columns only. */
static int visit_content(struct wb *w, xmlTextReaderPtr r)
{
	struct bg_table *t = NULL;
	char name[512], shown[NAME_MAX_];
	unsigned idx = 0;
	unsigned long row = 0, rrep = 1, crep = 1, k, max = (1UL << BG_SHEET_SHIFT) - 1;
	size_t col = 0;
	char a[LINK_ADDR_MAX];
	size_t a_from = 0, al = 0;
	int rc, table_depth = -1, annot_depth = -1, p_depth = -1, a_depth = -1;
	bool in_row = false, in_cell = false, any_p = false, any_a = false;

	while ((rc = next_node(w, r)) == 1) {
		int depth = xmlTextReaderDepth(r);

		if (start_of(w, "table") && !w->empty) {
			if (table_depth >= 0) {
				FAILF(w, "sheet %s: a table inside a table; refused", shown);
				goto fail;
			}
			if (idx >= SHEETS_MAX) {
				FAILF(w, "more than %d sheets; refused", SHEETS_MAX);
				goto fail;
			}
			if (!attr(r, "name", false, name, sizeof(name)))
				snprintf(name, sizeof(name), "#%u", idx + 1);
			display_name(name, shown, sizeof(shown));
			idx++;
			table_depth = depth;
			row = 0;
			if (sheet_begin(w, idx, shown, &t) < 0)
				goto fail;
		} else if (table_depth >= 0 && depth == table_depth && end_of(w, "table")) {
			table_depth = -1;
			rc = sheet_end(w, t, idx, shown);
			bg_table_free(t);
			t = NULL;
			if (rc < 0)
				goto fail;
		} else if (table_depth < 0) {
			continue;
		} else if (start_of(w, "table-row")) {
			rrep = repeat_attr(r, "number-rows-repeated");
			row_start(w);
			col = 0;
			in_row = !w->empty;
			if (!in_row)
				row = row + rrep < max ? row + rrep : max;
		} else if (in_row && end_of(w, "table-row")) {
			in_row = false;
			/* A row with text repeated: its copies, up to a bound (the same
			 * addresses again add nothing); an empty one is skipped at once. */
			for (k = 0; k < rrep && (w->ncells > 0 || w->row_overflow || w->row_noted);
			     k++) {
				if (k >= ROW_REPEAT_MAX)
					break;
				if (row_emit(w, t, idx, row + k + 1) < 0) {
					w->failed = true;
					goto fail;
				}
			}
			row = row + rrep < max ? row + rrep : max;
		} else if (in_row &&
			   (start_of(w, "table-cell") || start_of(w, "covered-table-cell"))) {
			crep = repeat_attr(r, "number-columns-repeated");
			cell_start(w);
			any_p = any_a = false;
			a_depth = -1;
			in_cell = !w->empty;
			if (in_cell && attr(r, "formula", false, w->formula, sizeof(w->formula)))
				formula_link(w, w->formula, strlen(w->formula));
			if (!in_cell)
				col = col + crep < (1UL << 20) ? col + crep : (1UL << 20);
		} else if (in_cell &&
			   (end_of(w, "table-cell") || end_of(w, "covered-table-cell"))) {
			in_cell = false;
			/* a HYPERLINK() formula's, when no text:a of the cell was
			 * compared with its own text */
			if (w->cell_link_len && !any_a)
				link_rule(w, idx, row + 1, 0, w->cell_link_addr, w->cell_link_len,
					  &w->cell_len, &w->cell_overflow);
			if (w->cell_len > 0 || w->cell_overflow) {
				for (k = 0; k < crep && col + k < BG_TABLE_COLS_MAX; k++)
					cell_put(w, col + k, w->cell, w->cell_len,
						 w->cell_overflow);
			}
			col = col + crep < (1UL << 20) ? col + crep : (1UL << 20);
		} else if (!in_cell) {
			continue;
		} else if (annot_depth >= 0) {
			/* A comment on the cell is not its text. */
			if (depth == annot_depth && end_of(w, "annotation"))
				annot_depth = -1;
		} else if (start_of(w, "annotation") && !w->empty) {
			annot_depth = depth;
		} else if (start_of(w, "p") || start_of(w, "h")) {
			if (any_p)
				cell_add(w, "\n", 1);
			any_p = true;
			if (!w->empty)
				p_depth = depth;
		} else if (p_depth >= 0 && depth == p_depth && (end_of(w, "p") || end_of(w, "h"))) {
			p_depth = -1;
		} else if (p_depth >= 0 && start_of(w, "s")) {
			char c[16];
			bool ok = true;
			unsigned long n = attr(r, "c", false, c, sizeof(c)) ? parse_num(c, &ok) : 1;

			cell_spaces(w, ok ? n : 1);
		} else if (p_depth >= 0 && a_depth < 0 && start_of(w, "a")) {
			/* text:a xlink:href="mailto:...": compared with its own text at
			 * its end, as an xlsx hyperlink with its cell's.  Not the whole
			 * cell's: "a@x, b@y" as two links to themselves, or an address
			 * beside a link to another one, is read. */
			char href[LINK_ADDR_MAX + 16];

			al =
			    attr(r, "href", false, href, sizeof(href)) ? mailto_target(href, a) : 0;
			any_a = any_a || al > 0;
			a_from = w->cell_len;
			if (al && !w->empty)
				a_depth = depth;
			else if (al)
				link_rule(w, idx, row + 1, a_from, a, al, &w->cell_len,
					  &w->cell_overflow);
		} else if (a_depth >= 0 && depth == a_depth && end_of(w, "a")) {
			a_depth = -1;
			link_rule(w, idx, row + 1, a_from, a, al, &w->cell_len, &w->cell_overflow);
		} else if (p_depth >= 0 && start_of(w, "tab")) {
			cell_add(w, "\t", 1);
		} else if (p_depth >= 0 && start_of(w, "line-break")) {
			cell_add(w, "\n", 1);
		} else if (p_depth >= 0 && type_is_text(w->type)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);

			if (v)
				cell_add(w, v, strlen(v));
		}
	}
	if (rc < 0)
		goto fail;
	if (table_depth >= 0) {
		FAILF(w, "sheet %s: the table does not end", shown);
		goto fail;
	}
	return 0;
fail:
	bg_table_free(t);
	return -1;
}

static int read_ods(struct wb *w)
{
	int rc;

	if (with_part(w, "META-INF/manifest.xml", visit_manifest) < 0)
		return -1;
	rc = with_part(w, "content.xml", visit_content);
	if (rc > 0)
		FAILF(w, "no content.xml in the .ods");
	return rc == 0 ? 0 : -1;
}

/* --- the entry point -------------------------------------------------------- */

const char *bg_workbook_refusal(int kind)
{
	switch (kind) {
	case BG_WORKBOOK_ENCRYPTED:
		return "a password-protected (encrypted) Office workbook; open it, save it as "
		       ".xlsx "
		       "without a password, or export it as CSV";
	case BG_WORKBOOK_XLS:
		return "looks like an old Excel workbook (.xls, OLE2); save it as .xlsx, or export "
		       "it as CSV";
	case BG_WORKBOOK_XLSB:
		return "a binary Excel workbook (.xlsb); save it as .xlsx, or export it as CSV";
	default:
		return "not a workbook (.xlsx or .ods)";
	}
}

int bg_workbook_read(struct bg_reader_ctx *c, int fd)
{
	struct bg_err *err = &c->err;
	const char *name = c->name;
	struct wb w;
	struct stat st;
	xmlGenericErrorFunc old_err;
	void *old_ctx;
	int kind, rc = -EBADMSG;

	kind = bg_workbook_kind(fd);
	if (kind < 0)
		return bg_err_errno(err, kind, name);
	if (kind != BG_WORKBOOK_XLSX && kind != BG_WORKBOOK_ODS)
		return bg_err_set(err, -ENOTSUP, "%s: %s", name, bg_workbook_refusal(kind));
	if (fstat(fd, &st) != 0)
		return bg_err_errno(err, -errno, name);
	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.c = c;
	w.sst.data_fd = w.sst.idx_fd = -1;
	w.inflate_max = (uint64_t)st.st_size * INFLATE_RATIO;
	if (w.inflate_max < INFLATE_FLOOR)
		w.inflate_max = INFLATE_FLOOR;
	w.rowbuf = malloc(BG_TABLE_ROW_MAX);
	w.cells = calloc(BG_TABLE_COLS_MAX, sizeof(*w.cells));
	w.cell_off = calloc(BG_TABLE_COLS_MAX, sizeof(*w.cell_off));
	w.cell = malloc(CELL_MAX + 1);
	if (!w.rowbuf || !w.cells || !w.cell_off || !w.cell) {
		rc = bg_err_set(err, -ENOMEM, "%s: out of memory", name);
		goto out;
	}
	/* libxml2 keeps its generic handler per thread: ours only while we parse. */
	old_err = xmlGenericError;
	old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, quiet);
	rc = kind == BG_WORKBOOK_XLSX ? read_xlsx(&w) : read_ods(&w);
	xmlSetGenericErrorFunc(old_ctx, old_err);
	rc = rc < 0 ? -EBADMSG : 0;
	if (rc < 0) {
		bg_err_set(err, rc, "%s: unreadable workbook", name);
		goto out;
	}
	if (w.nread == 0 && w.nskipped > 0) {
		/* No sheet has the column asked for. */
		rc = bg_err_set(err, -EINVAL, "%s", w.skip_note);
		goto out;
	}
	rc = 0;
out:
	sst_free(&w.sst);
	links_free(&w);
	free(w.sheets);
	free(w.rowbuf);
	free(w.cells);
	free(w.cell_off);
	free(w.cell);
	lseek(fd, 0, SEEK_SET);
	return rc;
}

const char *bg_workbook_kind_name(int kind)
{
	return kind == BG_WORKBOOK_XLSX ? "xlsx" : kind == BG_WORKBOOK_ODS ? "ods" : NULL;
}
