/* lmdb_static.c: the two things the module's static copy of LMDB needs.
 * The module links LMDB's objects from Debian's liblmdb.a (see the Makefile):
 * one library fewer to open, map and relocate in every su/sudo/login process.
 * Those objects were built as position-independent executables' code, which a
 * shared object may hold as long as every symbol they reference is local to
 * it; the one exception is glibc's `stderr` (a PIE assumes it is copied into
 * the executable), used only by mdb_assert_fail before abort().  The build
 * renames that reference and its __fprintf_chk call to the two symbols below:
 * the message still goes to the process's stderr.  Not used by the tool,
 * which links liblmdb.so; no state (the pointer is a constant). */
#include <stdarg.h>
#include <stdio.h>

extern FILE *const bg_lmdb_stderr;
int bg_lmdb_fprintf_chk(FILE *f, int flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What LMDB's renamed `stderr` reads: never dereferenced (see below). */
FILE *const bg_lmdb_stderr = NULL;

int bg_lmdb_fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)f;
	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}
