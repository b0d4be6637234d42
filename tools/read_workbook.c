/* read_workbook.c: .xlsx and .ods workbooks (see workbook.h).
 * Not read yet: a workbook is recognised and refused with what to do. */
#include "workbook.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int bg_workbook_kind(int fd)
{
	(void)fd;
	return BG_WORKBOOK_NONE;
}

int bg_workbook_read(int fd, const char *name, const struct bg_read_opts *o,
		     struct bg_sink *sink, char *err, size_t errlen)
{
	(void)fd;
	(void)o;
	(void)sink;
	snprintf(err, errlen, "%s: spreadsheet workbooks are not read; export it as CSV", name);
	return -ENOTSUP;
}
