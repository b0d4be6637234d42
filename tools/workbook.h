/* workbook.h: spreadsheet workbooks (.xlsx, .ods) as advisory lists.
 * A workbook is a zip of XML parts; it is read from a seekable file (the caller
 * spools standard input, an archive member or an e-mail attachment to an
 * unlinked temporary file first) so that the parts can be visited in the order
 * the reader needs them, streaming, without loading the workbook whole. */
#ifndef BG_WORKBOOK_H
#define BG_WORKBOOK_H

#include <stddef.h>

#include "reader.h"

enum bg_workbook_kind {
	BG_WORKBOOK_NONE = 0, /* not a workbook (another zip, or no zip at all) */
	BG_WORKBOOK_XLSX,
	BG_WORKBOOK_ODS,
	/* Recognised and refused by bg_workbook_read with what to do: */
	BG_WORKBOOK_ENCRYPTED, /* OLE2 holding an "EncryptedPackage" (password-protected OOXML) */
	BG_WORKBOOK_XLS,       /* another OLE2 file: .xls and other old binary Office files */
	BG_WORKBOOK_XLSB,      /* binary Excel workbook */
};

/* What the zip open on fd is (fd's offset is left at 0).  Negative errno on a
 * read error. */
int bg_workbook_kind(int fd);

/* Reads every sheet of the workbook open on fd (seekable) through the CSV
 * column logic, handing addresses to c->sink; c->in is NULL and c->name the
 * display name for messages ("notice.zip:list.xlsx").  0, or a negative errno
 * with c->err set to "NAME: cause". */
int bg_workbook_read(struct bg_reader_ctx *c, int fd);

/* "xlsx", "ods", or NULL for the other kinds. */
const char *bg_workbook_kind_name(int kind);

/* What to tell the user about a file of that kind that is not read
 * (BG_WORKBOOK_ENCRYPTED, _XLS, _XLSB): what it is and what to do. */
const char *bg_workbook_refusal(int kind);

#endif
