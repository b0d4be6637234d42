/* log.h: the one logging path of the shared code.  With a handler (the PAM
 * module installs one around pam_vsyslog) messages go there; without one they go
 * to stderr, prefixed with the program name (the admin tool). */
#ifndef BG_LOG_H
#define BG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

struct bg_logger {
	void (*fn)(void *arg, int prio, const char *fmt, va_list ap);
	void *arg;
	bool debug; /* LOG_DEBUG lines are dropped unless set */
};

void bg_log(const struct bg_logger *log, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
