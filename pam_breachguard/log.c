/* log.c: the shared code's single logging path (syslog handler or stderr). */
#include <stdio.h>

#include "escape.h"
#include "log.h"

static void emit(const struct bg_logger *log, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void emit(const struct bg_logger *log, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log->fn(log->arg, prio, fmt, ap);
	va_end(ap);
}

void bg_log(const struct bg_logger *log, int prio, const char *fmt, ...)
{
	char line[2048], safe[4096];
	va_list ap;

	if (prio == LOG_DEBUG && (!log || !log->debug))
		return;
	/* Lines carry user names, file names and file contents: one escaping for
	 * all of them, so that no newline or escape sequence gets through. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bg_escape(line, 0, safe, sizeof(safe));
	if (log && log->fn)
		emit(log, prio, "%s", safe);
	else
		fprintf(stderr, "%s%s\n",
			prio <= LOG_ERR ? "breachguard: error: " : "breachguard: ", safe);
}
