/* table.h: the column logic of tabular inputs (CSV files, workbook sheets), one
 * for all of them.  A reader parses its rows and feeds them here; the table
 * holds back the first non-blank rows, decides from them whether the first is a
 * header and which column holds the addresses (--column by name or number, else
 * by header name in any of the known languages, else by where the '@' are), then
 * hands the address cell of every data row to the sink.  Memory: the held-back
 * rows (at most BG_TABLE_SNIFF of at most BG_TABLE_ROW_MAX bytes each). */
#ifndef BG_TABLE_H
#define BG_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "reader.h"

#define BG_TABLE_SNIFF 20      /* rows looked at to decide header and column */
#define BG_TABLE_COLS_MAX 1024 /* columns kept; cells past them are never looked at */
#define BG_TABLE_ROW_MAX (BG_LINE_MAX * 4)

struct bg_cell {
	const char *s;
	size_t len;
};

struct bg_row {
	const struct bg_cell *cells; /* the first BG_TABLE_COLS_MAX cells at most */
	size_t n;
	unsigned long line; /* given to the sink; see BG_SHEET_LINE for sheets */
	const char *shown;  /* the row as the user sees it, for invalid notes */
	size_t shown_len;
	unsigned flags; /* BG_LINE_* of the row's text */
	bool overflow;	/* the row was cut (longer than the reader keeps) */
	/* The reader said something of the row already (a cell a mailto: link
	 * emptied, read_workbook.c): no "no address" note for it again. */
	bool noted;
};

struct bg_table;

/* For the reading c (its options, sink and name; errors go to c->err, which
 * must outlive the table); sheet: NULL for a CSV file, else the sheet's name
 * (messages then say "sheet NAME row N").  0, or negative with c->err set (a
 * --column that is no column number). */
int bg_table_begin(struct bg_table **t, struct bg_reader_ctx *c, const char *sheet);
/* One row, blank ones included.  0, or negative with c->err set. */
int bg_table_row(struct bg_table *t, const struct bg_row *r);
/* The end of the rows: decides now if fewer than BG_TABLE_SNIFF rows came.
 * 0, or negative with c->err set (no column of the --column name).  For a
 * sheet, a missing --column is no error (the workbook's other sheets may hold
 * it): the table reads nothing and points *skipped (when not NULL) at the
 * header's cells; else *skipped is NULL. */
int bg_table_end(struct bg_table *t, const char **skipped);
void bg_table_free(struct bg_table *t);

/* The table is a W3C extended log's (read_csv.c), right after
 * bg_table_begin: its first row is the header (the "#Fields:" names); a
 * column must be chosen with --column (a log names senders and recipients,
 * which are the exposed ones is the reader's call); columns of message
 * ids, subjects and URLs are never read; a server's own addresses
 * (postmaster, MAILER-DAEMON, Exchange's system mailboxes) are noted, not
 * imported; other columns' addresses are not noted.  0 or -ENOMEM. */
int bg_table_log(struct bg_table *t);

/* Header cell matching, exposed for tests: how well a header cell names an
 * address column after NFKC, case folding and dropping blanks, dashes and a
 * trailing qualifier in brackets.  0 = not at all, 1 best ... 3. */
int bg_table_name_rank(const char *s, size_t n);
/* Whether a header cell is the name given with --column (NFKC, case folded). */
bool bg_table_name_is(const char *cell, size_t n, const char *name);

#endif
