/* syslog_capture.h: syslog capture for tests, in one place.  A file that
 * includes it defines syslog, vsyslog and their _FORTIFY_SOURCE variants: with
 * the environment variable SYSLOG_CAPTURE_ENV set, each message is appended to
 * that file as one line "LEVEL MESSAGE"; without it, a message goes on to the
 * real syslog (SYSLOG_CAPTURE_FORWARD 1) or is dropped (0).  The includer
 * undefines _FORTIFY_SOURCE before any header. */
#ifndef BG_SYSLOG_CAPTURE_H
#define BG_SYSLOG_CAPTURE_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#ifndef SYSLOG_CAPTURE_ENV
#error "define SYSLOG_CAPTURE_ENV"
#endif
#ifndef SYSLOG_CAPTURE_FORWARD
#define SYSLOG_CAPTURE_FORWARD 1
#endif

#define SYSLOG_CAPTURE_EXPORT __attribute__((visibility("default")))

SYSLOG_CAPTURE_EXPORT void syslog(int pri, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
SYSLOG_CAPTURE_EXPORT void vsyslog(int pri, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
SYSLOG_CAPTURE_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
SYSLOG_CAPTURE_EXPORT void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

typedef void (*vsyslog_fn)(int pri, const char *fmt, va_list ap);

static const char *level_name(int pri)
{
	static const char *const names[] = {"emerg",   "alert",	 "crit", "err",
					    "warning", "notice", "info", "debug"};

	return names[LOG_PRI(pri)];
}

static void __attribute__((format(printf, 2, 0))) capture(int pri, const char *fmt, va_list ap)
{
	const char *path = getenv(SYSLOG_CAPTURE_ENV);
	int saved = errno;
	char buf[4096];
	size_t len;
	int n, fd;

	if (path == NULL || *path == '\0') {
		vsyslog_fn real = NULL;

		if (SYSLOG_CAPTURE_FORWARD)
			*(void **)&real = dlsym(RTLD_NEXT, "vsyslog");
		if (real != NULL)
			real(pri, fmt, ap);
		errno = saved;
		return;
	}
	n = snprintf(buf, sizeof(buf), "%s ", level_name(pri));
	if (n < 0)
		n = 0;
	errno = saved; /* for %m */
	if (vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap) < 0)
		buf[n] = '\0';
	len = strlen(buf);
	/* One message, one line, whatever it holds. */
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[len++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (write(fd, buf, len) < 0) {
			/* nothing to do: a test will miss the line and say so */
		}
		close(fd);
	}
	errno = saved;
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	capture(pri, fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

#endif
