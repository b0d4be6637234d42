/* log.c: the shared code's single logging path (syslog handler or stderr). */
#include <stdio.h>

#include "log.h"

void bg_log(const struct bg_logger *log, int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && (!log || !log->debug))
		return;
	va_start(ap, fmt);
	if (log && log->fn) {
		log->fn(log->arg, prio, fmt, ap);
	} else {
		fputs(prio <= LOG_ERR ? "breachguard: error: " : "breachguard: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
