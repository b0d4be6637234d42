/* err.c: the tool's one error type (err.h). */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int as_errno(int code)
{
	return code < 0 ? code : -EIO;
}

int bg_err_set(struct bg_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e->code)
		return e->code;
	e->code = as_errno(code);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return e->code;
}

int bg_err_errno(struct bg_err *e, int code, const char *what)
{
	code = as_errno(code);
	return bg_err_set(e, code, "%s: %s", what, strerror(-code));
}

int bg_err_copy(struct bg_err *dst, const struct bg_err *src)
{
	if (!dst->code && src->code) {
		dst->code = src->code;
		snprintf(dst->msg, sizeof(dst->msg), "%s", src->msg);
	}
	return dst->code;
}
