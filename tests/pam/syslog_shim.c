/* syslog_shim.c: syslog capture for the PAM-stack tests.  pam_wrapper keeps no
 * record of what a module logs, so tests/pam/run.sh builds this file into a
 * shared object (-DBG_SYSLOG_SHIM_SO -shared) and preloads it: syslog, vsyslog
 * and their _FORTIFY_SOURCE variants then append one line per message,
 * "LEVEL MESSAGE", to the file named by BG_SYSLOG_FILE (without it, messages go
 * on to the real syslog).  The Makefile also builds each C file here as a
 * program: that build is a self-test of the same code (main below). */
#undef _FORTIFY_SOURCE /* we define the functions the fortified header inlines */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define SHIM_EXPORT __attribute__((visibility("default")))

SHIM_EXPORT void syslog(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
SHIM_EXPORT void vsyslog(int pri, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
SHIM_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
SHIM_EXPORT void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

typedef void (*vsyslog_fn)(int pri, const char *fmt, va_list ap);

static const char *level_name(int pri)
{
	static const char *const names[] = { "emerg",  "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };

	return names[LOG_PRI(pri)];
}

static void __attribute__((format(printf, 2, 0))) capture(int pri, const char *fmt, va_list ap)
{
	const char *path = getenv("BG_SYSLOG_FILE");
	int saved = errno;
	char buf[4096];
	size_t len;
	int n, fd;

	if (path == NULL || *path == '\0') {
		vsyslog_fn real;

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

#ifndef BG_SYSLOG_SHIM_SO
/* Self-test: pam_syslog_shim FILE logs through each entry point and checks the
 * lines in FILE. */
static void call_vsyslog(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void call_vsyslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	const char *want = "notice one 1\nerr two two\nwarning three\ndebug four x y\n";
	char got[256];
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE (a file the self-test may create)\n", argv[0]);
		return 2;
	}
	unlink(argv[1]);
	if (setenv("BG_SYSLOG_FILE", argv[1], 1) != 0)
		return 2;
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "one %d", 1);
	call_vsyslog(LOG_ERR, "two %s", "two");
	__syslog_chk(LOG_WARNING, 1, "three");
	syslog(LOG_DEBUG, "four %s", "x\ny");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	unlink(argv[1]);
	got[n < 0 ? 0 : n] = '\0';
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "syslog_shim: got \"%s\", want \"%s\"\n", got, want);
		printf("syslog_shim: 0 passed, 1 failed\n");
		return 1;
	}
	printf("syslog_shim: 1 passed, 0 failed\n");
	return 0;
}
#endif
