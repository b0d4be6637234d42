/* nosync.c: an LD_PRELOAD shim in the manner of eatmydata: fsync, fdatasync and
 * msync become no-ops and open() loses O_SYNC/O_DSYNC.  mdb_load commits every
 * 100 records and each commit flushes (fdatasync, plus the meta page through an
 * O_DSYNC descriptor); `breachguard import` commits once.  With this shim the
 * mdb_load ceiling measures LMDB's B-tree work rather than 100,000 disk flushes
 * (the report shows mdb_load both ways). */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

int fsync(int fd);
int fdatasync(int fd);
int msync(void *addr, size_t len, int flags);
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);

int fsync(int fd)
{
	(void)fd;
	return 0;
}

int fdatasync(int fd)
{
	(void)fd;
	return 0;
}

int msync(void *addr, size_t len, int flags)
{
	(void)addr, (void)len, (void)flags;
	return 0;
}

static int open_common(const char *name, const char *path, int flags, mode_t mode)
{
	int (*real)(const char *, int, ...) =
	    (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);

	flags &= ~(O_SYNC | O_DSYNC);
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	return open_common("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	return open_common("open64", path, flags, mode);
}
