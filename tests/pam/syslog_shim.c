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

#define SYSLOG_CAPTURE_ENV "BG_SYSLOG_FILE"
#define SYSLOG_CAPTURE_FORWARD 1
#include "../syslog_capture.h"

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
